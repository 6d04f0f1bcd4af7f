//! The exchange API's storage side: consumer systems read collected records within their
//! grants. Every answer — and every refusal of an identified system — is sealed in the audit
//! log before it is returned; if the log cannot seal, no data leaves (fail closed).
use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::audit::entry::Entry;
use shuqiao_core::exchange::{self, FieldUse, Verdict};
use shuqiao_core::DomainError;

use crate::audit::Receipt;
use crate::collect::records::subject_kind;
use crate::collect::{load_target, Target};
use crate::share::access::GrantView;
use crate::{from_json, params, Result, Store, StoreError};

type Data = serde_json::Map<String, serde_json::Value>;

/// Records found for a lookup, limited to the fields that may leave.
#[derive(Debug, Clone, Serialize)]
pub struct Lookup {
    pub resource: String,
    pub grant: i64,
    pub purpose: String,
    pub fields: Vec<String>,
    /// Per key asked, in order: the record, or `None` when there is none.
    pub records: Vec<(String, Option<Data>)>,
    pub receipt: Receipt,
}

/// The answer of a 核验.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub resource: String,
    pub key: String,
    pub grant: i64,
    pub results: Vec<(String, Verdict)>,
    pub receipt: Receipt,
}

/// A grant as its system sees it: what it may read in clear and what it may only verify.
#[derive(Debug, Clone, Serialize)]
pub struct Allowed {
    pub grant: i64,
    pub resource: String,
    pub name: String,
    pub purpose: String,
    pub expires_at: i64,
    pub quota_per_day: Option<i64>,
    pub key_fields: Vec<String>,
    pub fields: FieldUse,
}

/// Who is asking, established before anything is read.
struct Caller {
    system: String,
    org: String,
}

fn system_only(p: &Principal) -> Result<Caller> {
    match p {
        Principal::System { system, org, .. } => Ok(Caller {
            system: system.clone(),
            org: org.clone(),
        }),
        Principal::Anonymous => Err(DomainError::unauthenticated(
            "unauthenticated",
            "请使用信息系统的令牌调用交换接口（Authorization: Bearer …）",
            "call the exchange API with your information system's token (Authorization: Bearer …)",
        )
        .into()),
        Principal::Person { .. } => Err(DomainError::forbidden(
            "system_token_required",
            "交换接口只供已登记的信息系统使用：请用系统令牌调用",
            "the exchange API is for registered information systems: call it with a system token",
        )
        .into()),
    }
}

fn no_grant(resource: &str) -> StoreError {
    DomainError::forbidden(
        "no_grant",
        format!("本系统对资源 {resource} 没有有效的共享授权（未授权、已过期或已撤销）：请先订阅或申请"),
        format!("this system has no active grant for {resource} (none, expired or revoked): subscribe or apply first"),
    )
    .into()
}

fn code_of(e: &StoreError) -> String {
    match e.domain() {
        Some(
            DomainError::Forbidden { code, .. }
            | DomainError::NotFound { code, .. }
            | DomainError::Conflict { code, .. }
            | DomainError::Unauthenticated { code, .. },
        ) => (*code).to_string(),
        Some(DomainError::Invalid(_)) => "invalid".into(),
        _ => "error".into(),
    }
}

impl Store {
    /// The grants in force for `system` on `resource` (their fields merged) and, only when
    /// there is one, the current records of `keys` — in one read, one trip to the pool.
    async fn authorise_and_read(
        &self,
        c: &Caller,
        resource: &str,
        keys: Vec<String>,
    ) -> Result<(Target, GrantView, FieldUse, Vec<(String, Option<Data>)>)> {
        let now = self.now();
        let (system, code) = (c.system.clone(), resource.to_string());
        self.read(move |conn| {
            let grants = conn
                .query(
                    &format!(
                        "SELECT {} FROM grants WHERE system = $1 AND resource = $2 AND revoked_at IS NULL AND expires_at > $3 ORDER BY id",
                        crate::share::access::GRANT_COLS
                    ),
                    params![&system, &code, now],
                )?
                .iter()
                .map(|r| crate::share::access::grant_from_row(r, now))
                .collect::<Result<Vec<_>>>()?;
            let Some(first) = grants.first().cloned() else {
                return Err(no_grant(&code));
            };
            let target = load_target(conn, &code)?;
            let mut fields: Vec<String> = Vec::new();
            for g in &grants {
                for f in &g.fields {
                    if !fields.contains(f) {
                        fields.push(f.clone());
                    }
                }
            }
            let uses = exchange::field_use(&target.meta, &fields);
            let found = read_records(conn, &code, keys)?;
            Ok((target, first, uses, found))
        })
        .await
    }

    /// Seals one exchange event and returns its receipt.
    async fn seal(
        &self,
        c: &Caller,
        action: &str,
        resource: &str,
        grant: Option<&GrantView>,
        result: String,
        subjects: Vec<String>,
    ) -> Result<Receipt> {
        let entry = Entry {
            time: self.now(),
            actor_org: c.org.clone(),
            actor_system: Some(c.system.clone()),
            actor_person: None,
            action: action.to_string(),
            resource: Some(resource.to_string()),
            resource_version: None,
            grant: grant.map(|g| g.id.to_string()),
            purpose: grant.map(|g| g.purpose.clone()),
            result,
            subjects,
        };
        let mut receipts = self.audit_submit(vec![entry]).await?;
        receipts.pop().ok_or(StoreError::AuditUnavailable)
    }

    /// Seals a refusal of an identified system, then hands the refusal back.
    async fn refuse<T>(
        &self,
        c: &Caller,
        action: &str,
        resource: &str,
        e: StoreError,
    ) -> Result<T> {
        if e.domain().is_some() {
            self.seal(
                c,
                action,
                resource,
                None,
                format!("denied:{}", code_of(&e)),
                Vec::new(),
            )
            .await?;
        }
        Err(e)
    }

    fn subjects(
        &self,
        meta: &shuqiao_core::catalog::ResourceMeta,
        keys: &[String],
    ) -> Result<Vec<String>> {
        match subject_kind(meta) {
            Some(kind) => keys
                .iter()
                .map(|k| self.audit_subject_key(kind, k))
                .collect(),
            None => Ok(Vec::new()),
        }
    }

    /// Reads records by key (one, or a batch of up to 1,000) within the caller's grants:
    /// only granted, non-核心 fields leave, and only after the access is sealed.
    pub async fn exchange_lookup(
        &self,
        p: Principal,
        resource: &str,
        keys: Vec<String>,
        fields: Option<Vec<String>>,
    ) -> Result<Lookup> {
        let c = system_only(&p)?;
        let action = "exchange.lookup";
        let keys: Vec<String> = keys.iter().map(|k| k.trim().to_string()).collect();
        if keys.is_empty() || keys.len() > exchange::MAX_KEYS || keys.iter().any(String::is_empty) {
            return Err(DomainError::one(shuqiao_core::FieldError::new(
                "keys",
                "invalid_keys",
                format!("请给出 1 至 {} 个非空主键", exchange::MAX_KEYS),
                format!("give 1 to {} non-empty keys", exchange::MAX_KEYS),
            ))
            .into());
        }
        let (target, grant, uses, found) =
            match self.authorise_and_read(&c, resource, keys.clone()).await {
                Ok(v) => v,
                Err(e) => return self.refuse(&c, action, resource, e).await,
            };
        let fields = match exchange::fields_for_lookup(&target.meta, &uses, fields.as_deref()) {
            Ok(f) => f,
            Err(e) => return self.refuse(&c, action, resource, e.into()).await,
        };
        let hits = found.iter().filter(|(_, d)| d.is_some()).count();
        let subjects = self.subjects(&target.meta, &keys)?;
        let result = format!("ok:{hits}/{}", keys.len());
        let receipt = self
            .seal(&c, action, resource, Some(&grant), result, subjects)
            .await?;
        let records = found
            .into_iter()
            .map(|(k, d)| {
                let d = d.map(|d| d.into_iter().filter(|(f, _)| fields.contains(f)).collect());
                (k, d)
            })
            .collect();
        Ok(Lookup {
            resource: resource.to_string(),
            grant: grant.id,
            purpose: grant.purpose,
            fields,
            records,
            receipt,
        })
    }

    /// 核验: says per claimed field whether it matches what the platform holds for `key`,
    /// never what is held. 核心 fields may be verified when granted.
    pub async fn exchange_verify(
        &self,
        p: Principal,
        resource: &str,
        key: &str,
        claims: Vec<(String, String)>,
    ) -> Result<Verification> {
        let c = system_only(&p)?;
        let action = "exchange.verify";
        let key = key.trim().to_string();
        let (target, grant, uses, found) = match self
            .authorise_and_read(&c, resource, vec![key.clone()])
            .await
        {
            Ok(v) => v,
            Err(e) => return self.refuse(&c, action, resource, e).await,
        };
        let stored = found.into_iter().next().and_then(|(_, d)| d);
        let today =
            shuqiao_core::catalog::parse_date(&shuqiao_core::catalog::china_date(self.now()))
                .ok_or_else(|| StoreError::Task("clock out of range".into()))?;
        let results = match exchange::verify(&target.meta, &uses, &claims, stored.as_ref(), today) {
            Ok(r) => r,
            Err(e @ DomainError::Forbidden { .. }) => {
                return self.refuse(&c, action, resource, e.into()).await
            }
            Err(e) => return Err(e.into()),
        };
        let subjects = self.subjects(&target.meta, std::slice::from_ref(&key))?;
        let matched = results.iter().filter(|(_, v)| *v == Verdict::Match).count();
        let result = format!("ok:{matched}/{}", results.len());
        let receipt = self
            .seal(&c, action, resource, Some(&grant), result, subjects)
            .await?;
        Ok(Verification {
            resource: resource.to_string(),
            key,
            grant: grant.id,
            results,
            receipt,
        })
    }

    /// What the calling system may use: its active grants, each with the fields it may read
    /// in clear and those it may only verify.
    pub async fn exchange_allowed(&self, p: Principal) -> Result<Vec<Allowed>> {
        let c = system_only(&p)?;
        let now = self.now();
        let system = c.system.clone();
        let grants: Vec<GrantView> = self
            .read(move |conn| {
                let rows = conn.query(
                    &format!(
                        "SELECT {} FROM grants WHERE system = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY resource, id",
                        crate::share::access::GRANT_COLS
                    ),
                    params![&system, now],
                )?;
                rows.iter()
                    .map(|r| crate::share::access::grant_from_row(r, now))
                    .collect::<Result<Vec<_>>>()
            })
            .await?;
        let mut out = Vec::new();
        for g in grants {
            let code = g.resource.clone();
            let Ok(target) = self.read(move |conn| load_target(conn, &code)).await else {
                continue;
            };
            out.push(Allowed {
                grant: g.id,
                name: target.meta.name.clone(),
                key_fields: target.meta.key_fields.clone(),
                fields: exchange::field_use(&target.meta, &g.fields),
                resource: g.resource,
                purpose: g.purpose,
                expires_at: g.expires_at,
                quota_per_day: g.quota_per_day,
            });
        }
        Ok(out)
    }
}

fn read_records(
    c: &mut dyn crate::db::Conn,
    resource: &str,
    keys: Vec<String>,
) -> Result<Vec<(String, Option<Data>)>> {
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let row = c.query_one(
            "SELECT v.data FROM records r JOIN record_versions v ON v.id = r.version
             WHERE r.resource = $1 AND r.record_key = $2 AND r.live = 1",
            params![resource, &key],
        )?;
        let data = match row.map(|r| r.opt_text(0)).transpose()?.flatten() {
            Some(t) => Some(from_json::<Data>(&t)?),
            None => None,
        };
        out.push((key, data));
    }
    Ok(out)
}
