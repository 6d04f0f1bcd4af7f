//! "Who accessed my data": identified data subjects (a citizen by 公民身份号码, a company by
//! 统一社会信用代码) and their view of the audit log, every entry with its inclusion proof.
//!
//! Identification happens outside the platform (the province's unified identity service, or
//! a counter); the operator records the result as an account with no role, linked only to the
//! keyed hash of the identifier, which is what the log holds too.
use serde::Serialize;
use shuqiao_core::account::{self, Account, Principal};
use shuqiao_core::audit::entry::SubjectKind;
use shuqiao_core::audit::note::{Checkpoint, SignedNote};
use shuqiao_core::error::{Errors, FieldError};
use shuqiao_core::{ident, DomainError};

use crate::accounts::insert_account;
use crate::audit::{AuditFilter, AuditRecord};
use crate::db::Conn;
use crate::{params, Result, Store, StoreError};

/// An identity the operator has verified.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectRegistration {
    pub username: String,
    pub display_name: String,
    /// `person` or `company`.
    pub kind: String,
    /// The 公民身份号码 or 统一社会信用代码; hashed at once, never stored.
    pub identifier: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SubjectAccount {
    pub username: String,
    pub display_name: String,
    pub kind: String,
    pub verified_by: String,
    pub verified_at: i64,
}

/// One access to a subject's data, with what proves it is in the log.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProvenAccess {
    #[serde(flatten)]
    pub record: AuditRecord,
    /// Hex SHA-256 leaf hash of the entry's canonical encoding.
    pub leaf_hash: String,
    /// RFC 9162 inclusion proof of `index` in the tree of the checkpoint's size.
    pub inclusion_proof: Vec<String>,
}

/// A subject's (or an auditor's) view: the signed checkpoint every proof leads to, then the
/// accesses, newest first.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProvenAccesses {
    pub checkpoint: String,
    pub tree_size: u64,
    pub total: i64,
    pub items: Vec<ProvenAccess>,
}

fn parse_kind(kind: &str) -> Option<SubjectKind> {
    match kind {
        "person" => Some(SubjectKind::Person),
        "company" => Some(SubjectKind::Company),
        _ => None,
    }
}

fn validate(r: &SubjectRegistration) -> Result<SubjectKind, DomainError> {
    let mut errs = Errors::default();
    if let Some(e) = account::username_problem(&r.username) {
        errs.push(e);
    }
    errs.text("display_name", "姓名或名称", &r.display_name, 100);
    let id = r.identifier.trim().to_ascii_uppercase();
    let kind = parse_kind(&r.kind);
    match kind {
        None => errs.push(FieldError::new(
            "kind",
            "invalid_kind",
            "kind 应为 person（公民）或 company（法人）",
            "kind must be person or company",
        )),
        Some(SubjectKind::Person) if ident::check_id_number(&id).is_err() => {
            errs.push(FieldError::new(
                "identifier",
                "invalid_id_number",
                "公民身份号码不正确（格式、出生日期或校验码）",
                "not a valid citizen ID number (format, birth date or check digit)",
            ))
        }
        Some(SubjectKind::Company) => {
            if let Some(e) = ident::credit_code_error("identifier", &id) {
                errs.push(e);
            }
        }
        Some(SubjectKind::Person) => {}
    }
    if let Some(e) = account::password_problem(&r.password) {
        errs.push(e);
    }
    errs.into_result()?;
    kind.ok_or_else(|| DomainError::invalid(vec![]))
}

fn operator_org(c: &mut dyn Conn) -> Result<String> {
    c.query_one(
        "SELECT code FROM orgs WHERE kind = 'operator' ORDER BY code LIMIT 1",
        &[],
    )?
    .map(|r| r.text(0))
    .transpose()?
    .ok_or_else(|| {
        DomainError::conflict(
            "no_operator",
            "平台运营方机构尚未建立",
            "the platform operator organisation does not exist yet",
        )
        .into()
    })
}

/// Creates the account of a verified subject inside the caller's transaction.
pub(crate) fn insert_subject(
    c: &mut dyn Conn,
    by: &str,
    r: &SubjectRegistration,
    kind: SubjectKind,
    subject: &str,
    password_hash: &str,
    now: i64,
) -> Result<()> {
    let a = Account {
        username: r.username.clone(),
        display_name: r.display_name.trim().to_string(),
        org: operator_org(c)?,
        roles: vec![],
        disabled: false,
    };
    insert_account(c, &a, password_hash, now)?;
    let kind = match kind {
        SubjectKind::Person => "person",
        SubjectKind::Company => "company",
    };
    c.execute(
        "INSERT INTO subject_identities (username, kind, subject, verified_by, verified_at) VALUES ($1, $2, $3, $4, $5)",
        params![&r.username, kind, subject, by, now],
    )?;
    Ok(())
}

/// The subject key of an identifier, as the log holds it.
pub(crate) fn subject_hash(store: &Store, kind: SubjectKind, id: &str) -> Result<String> {
    Ok(store
        .audit
        .subject_key(kind, &id.trim().to_ascii_uppercase())?)
}

impl Store {
    /// The operator records a verified identity: a citizen or a company representative gets an
    /// account that can see who accessed their data, and nothing else.
    pub async fn register_subject(
        &self,
        p: Principal,
        r: SubjectRegistration,
    ) -> Result<SubjectAccount> {
        p.require_platform_admin()?;
        let kind = validate(&r)?;
        let subject = subject_hash(self, kind, &r.identifier)?;
        let password = r.password.clone();
        let hash = tokio::task::spawn_blocking(move || account::hash_password(&password))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?;
        let now = self.now();
        let username = r.username.clone();
        let actor = crate::share::events::Actor::of(&p);
        self.write(move |c| {
            insert_subject(c, &p.actor(), &r, kind, &subject, &hash, now)?;
            let event = crate::accounts::SecurityEvent {
                action: "subject.register",
                target: format!("account:{}", r.username),
                details: Some(format!("kind: {}", r.kind)),
                actor: &actor,
            };
            crate::accounts::seal_security(c, event, now)
        })
        .await?;
        self.subject_account(&username).await?.ok_or_else(|| {
            DomainError::not_found("not_a_subject", "账号不存在", "no such account").into()
        })
    }

    pub async fn subject_account(&self, username: &str) -> Result<Option<SubjectAccount>> {
        let username = username.to_string();
        self.read(move |c| {
            let r = c.query_one(
                "SELECT s.username, a.display_name, s.kind, s.verified_by, s.verified_at
                 FROM subject_identities s JOIN accounts a ON a.username = s.username WHERE s.username = $1",
                params![&username],
            )?;
            r.map(|r| -> Result<SubjectAccount> {
                Ok(SubjectAccount {
                    username: r.text(0)?,
                    display_name: r.text(1)?,
                    kind: r.text(2)?,
                    verified_by: r.text(3)?,
                    verified_at: r.int(4)?,
                })
            })
            .transpose()
        })
        .await
    }

    /// Every access to the signed-in subject's data, newest first, each with its inclusion
    /// proof against the latest signed checkpoint.
    pub async fn my_accesses(
        &self,
        p: Principal,
        limit: u32,
        offset: u32,
    ) -> Result<ProvenAccesses> {
        let Principal::Person { username, .. } = &p else {
            return Err(not_a_subject().into());
        };
        let username = username.clone();
        let subject = self
            .read(move |c| {
                Ok(c.query_one(
                    "SELECT subject FROM subject_identities WHERE username = $1",
                    params![&username],
                )?
                .map(|r| r.text(0))
                .transpose()?)
            })
            .await?
            .ok_or_else(not_a_subject)?;
        self.proven_accesses(AuditFilter {
            subject: Some(subject),
            limit,
            offset,
            ..Default::default()
        })
        .await
    }

    /// Audit entries matching `f`, each with its inclusion proof against the latest signed
    /// checkpoint (entries sealed after it are left for the next call). For subjects and
    /// auditors.
    pub async fn proven_accesses(&self, f: AuditFilter) -> Result<ProvenAccesses> {
        let checkpoint = self.audit.checkpoint().await?;
        let size = SignedNote::parse(&checkpoint)
            .ok()
            .and_then(|n| Checkpoint::parse_body(&n.body).ok())
            .map(|c| c.size)
            .ok_or(StoreError::AuditUnavailable)?;
        let page = self.audit_entries(f).await?;
        // An entry sealed after the checkpoint was read is left for the next call.
        let records: Vec<_> = page.items.into_iter().filter(|r| r.index < size).collect();
        let indices = records.iter().map(|r| r.index).collect();
        let proofs = self.audit.inclusion_proofs(indices, size).await?;
        let items = records
            .into_iter()
            .zip(proofs)
            .map(|(record, inclusion_proof)| {
                // The record was decoded from its canonical bytes, so re-encoding gives them back.
                let leaf_hash = hex::encode(shuqiao_core::audit::merkle::leaf_hash(
                    &record.entry.encode(),
                ));
                ProvenAccess {
                    record,
                    leaf_hash,
                    inclusion_proof,
                }
            })
            .collect();
        Ok(ProvenAccesses {
            checkpoint,
            tree_size: size,
            total: page.total,
            items,
        })
    }
}

fn not_a_subject() -> DomainError {
    DomainError::forbidden(
        "not_a_subject",
        "此功能供经过身份核验的公民和法人查询本人（本单位）数据的使用记录；请使用核验后的账号登录",
        "this is for identified citizens and companies to see who used their data; sign in with a verified identity",
    )
}
