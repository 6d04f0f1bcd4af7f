//! The exchange API's storage side: consumer systems read collected records within their
//! grants. Every answer — and every refusal, even of a caller with no valid credential — is
//! sealed in the audit log before it is returned; if the log cannot seal, no data leaves
//! (fail closed). Each call identifies the token, checks the grants, quota and rate, and reads
//! the records in one read: one trip to the database pool before the audit seal.
use serde::Serialize;
use shuqiao_core::account::{require_token_in_force, token_kind, Principal, TokenKind};
use shuqiao_core::assess::alerts;
use shuqiao_core::audit::entry::Entry;
use shuqiao_core::exchange::refusals::RefusalTurn;
use shuqiao_core::exchange::{self, CallResult, FieldUse, Verdict};
use shuqiao_core::DomainError;

use crate::audit::Receipt;
use crate::collect::records::subject_kind;
use crate::collect::Target;
use crate::share::access::GrantView;
use crate::{params, Result, Store, StoreError};

mod feed;
mod limits;
pub(crate) mod recent;

pub use crate::audit::Usage;
pub use feed::{Change, ChangePage, DownloadPlan, QueryPage, DOWNLOAD_PAGE};
pub(crate) use limits::ExchangeState;

pub(crate) type Data = serde_json::Map<String, serde_json::Value>;

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
    pub rate_per_second: Option<i64>,
    pub key_fields: Vec<String>,
    /// Whether records' keys reach this system in clear; if not, they come as its
    /// pseudonyms (`psn_…`) in queries and the change feed.
    pub keys_in_clear: bool,
    pub share_modes: Vec<shuqiao_core::catalog::ShareMode>,
    pub fields: FieldUse,
    /// The catalog's 信息项 behind the granted fields (name, type, length, grade).
    pub items: Vec<shuqiao_core::catalog::InfoItem>,
}

/// The credential an exchange call came with, as sent, and the address it came from: the
/// store identifies it inside the same read that checks the grants, and audits every refusal,
/// even of callers it cannot name (up to a rate per address: `limits::AnonymousRefusals`).
#[derive(Debug, Clone)]
pub struct Credential {
    sent: Sent,
    client: Option<std::net::IpAddr>,
}

/// What the `Authorization` header held.
#[derive(Debug, Clone)]
enum Sent {
    /// No `Authorization` header.
    Missing,
    /// A header that is not `Bearer <token>`.
    Malformed,
    /// A bearer secret (a system token `sq_…`, or a person's session `sqs_…`).
    Bearer(String),
}

impl Credential {
    /// No `Authorization` header.
    pub fn missing() -> Credential {
        Credential {
            sent: Sent::Missing,
            client: None,
        }
    }

    /// A header that is not `Bearer <token>`.
    pub fn malformed() -> Credential {
        Credential {
            sent: Sent::Malformed,
            client: None,
        }
    }

    /// A bearer secret (a system token `sq_…`, or a person's session `sqs_…`).
    pub fn bearer(secret: impl Into<String>) -> Credential {
        Credential {
            sent: Sent::Bearer(secret.into()),
            client: None,
        }
    }

    /// The same credential, sent from `client`.
    pub fn from_client(self, client: std::net::IpAddr) -> Credential {
        Credential {
            client: Some(client),
            ..self
        }
    }
}

/// Who is asking. `system` is known once a token is identified (even a revoked or expired one:
/// auditors need to see who keeps calling with it).
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    system: Option<String>,
    org: String,
    person: Option<String>,
}

/// The organisation recorded for calls whose credential names nobody.
pub const UNIDENTIFIED: &str = "unidentified";

/// The action of the entry that counts refusals answered 429 without an entry of their own.
pub const DROPPED_ACTION: &str = "exchange.refusals_dropped";

impl Caller {
    fn unidentified() -> Caller {
        Caller {
            system: None,
            org: UNIDENTIFIED.into(),
            person: None,
        }
    }

    /// A caller whose credential named no system and no person.
    fn is_unidentified(&self) -> bool {
        self.system.is_none() && self.person.is_none()
    }
}

/// A refusal and who it refused.
pub(crate) struct Refusal {
    /// Boxed: refusals are the cold path, and they travel in `Result`s of the hot one.
    who: Box<Caller>,
    /// The grant the system holds on the resource, when it holds one: the entry names it.
    grant: Option<Box<GrantView>>,
    /// Where the call came from, for the cap on sealed refusals of unidentified callers.
    client: Option<std::net::IpAddr>,
    error: StoreError,
}

fn refusal(who: &Caller, error: impl Into<StoreError>) -> Refusal {
    Refusal {
        who: Box::new(who.clone()),
        grant: None,
        client: None,
        error: error.into(),
    }
}

impl Refusal {
    /// The same refusal, of a system that holds `grant`.
    fn under(self, grant: &GrantView) -> Refusal {
        Refusal {
            grant: Some(Box::new(grant.clone())),
            ..self
        }
    }

    /// The same refusal, of a call that came with `cred`.
    fn sent_with(self, cred: &Credential) -> Refusal {
        Refusal {
            client: cred.client,
            ..self
        }
    }
}

fn unauthenticated(code: &'static str, zh: &str, en: &str) -> StoreError {
    DomainError::unauthenticated(code, zh, en).into()
}

fn missing_credential() -> StoreError {
    unauthenticated(
        "unauthenticated",
        "请使用信息系统的令牌调用交换接口（Authorization: Bearer …）",
        "call the exchange API with your information system's token (Authorization: Bearer …)",
    )
}

fn malformed_credential() -> StoreError {
    unauthenticated(
        "malformed_credentials",
        "Authorization 头格式不正确，应为 “Bearer <令牌>”",
        "malformed Authorization header; expected `Bearer <token>`",
    )
}

fn unknown_token() -> StoreError {
    unauthenticated(
        "invalid_credentials",
        "令牌无效：请检查令牌是否完整，或向平台申请新令牌",
        "the token is not valid: check that it is complete, or ask the platform for a new one",
    )
}

fn system_token_required() -> StoreError {
    DomainError::forbidden(
        "system_token_required",
        "交换接口只供已登记的信息系统使用：请用系统令牌调用",
        "the exchange API is for registered information systems: call it with a system token",
    )
    .into()
}

/// Identifies a system token inside the caller's read. Revoked and expired tokens are named
/// (their system is known) and refused with their own codes.
fn identify_token(
    c: &mut dyn crate::db::Conn,
    secret: &str,
    now: i64,
) -> std::result::Result<Caller, Refusal> {
    let unidentified = Caller::unidentified();
    if token_kind(secret) != Some(TokenKind::System) {
        return Err(refusal(&unidentified, unknown_token()));
    }
    let h = shuqiao_core::account::secret_hash(secret);
    let row = c
        .query_one(
            "SELECT t.system, s.org, t.revoked_at, t.expires_at FROM api_tokens t
             JOIN systems s ON s.code = t.system WHERE t.token_hash = $1",
            params![&h],
        )
        .map_err(|e| refusal(&unidentified, e))?;
    let Some(r) = row else {
        return Err(refusal(&unidentified, unknown_token()));
    };
    let read = |r: &crate::db::Row| -> Result<(Caller, Option<i64>, i64)> {
        Ok((
            Caller {
                system: Some(r.text(0)?),
                org: r.text(1)?,
                person: None,
            },
            r.opt_int(2)?,
            r.int(3)?,
        ))
    };
    let (who, revoked_at, expires_at) = read(&r).map_err(|e| refusal(&unidentified, e))?;
    token_in_force(who, revoked_at, expires_at, now)
}

/// A known token's caller, unless the token is revoked or expired (refused under its system).
fn token_in_force(
    who: Caller,
    revoked_at: Option<i64>,
    expires_at: i64,
    now: i64,
) -> std::result::Result<Caller, Refusal> {
    match require_token_in_force(revoked_at, expires_at, now) {
        Ok(()) => Ok(who),
        Err(e) => Err(refusal(&who, e)),
    }
}

/// The columns of `grants` as read through the alias `g`.
fn grant_cols_aliased() -> &'static str {
    static COLS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    COLS.get_or_init(|| {
        crate::share::access::GRANT_COLS
            .split(", ")
            .map(|c| format!("g.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// What the first read of a call finds: the token's caller, its grants in force on the
/// resource, and the resource's published version (and whether it is retired).
struct Found {
    who: Caller,
    grants: Vec<GrantView>,
    version: Option<(Option<i64>, bool)>,
}

/// A token's row and its grants on one resource as read, before the clock is applied: the
/// grants are those not revoked, whatever their expiry (`at` applies the clock). Kept in
/// memory by `ExchangeState::token_grants` until the main file changes.
#[derive(Clone)]
pub(crate) struct TokenGrants {
    who: Caller,
    revoked_at: Option<i64>,
    expires_at: i64,
    version: Option<(Option<i64>, bool)>,
    grants: Vec<GrantView>,
}

impl TokenGrants {
    /// What is in force at `now`: the token must be, and so must each grant kept. (Kept
    /// grants are unrevoked, whatever their expiry: what is read once serves any later clock,
    /// and a test's clock that goes back.)
    fn at(self, now: i64) -> std::result::Result<Found, Refusal> {
        let who = token_in_force(self.who, self.revoked_at, self.expires_at, now)?;
        let grants = self
            .grants
            .into_iter()
            .filter(|g| g.expires_at > now)
            .map(|mut g| {
                g.state = shuqiao_core::share::grant_state(None, g.expires_at, now).as_str();
                g
            })
            .collect();
        Ok(Found {
            who,
            grants,
            version: self.version,
        })
    }
}

/// Identifies the token and finds its grants on `code` and the resource's version: the hot
/// path's first read. From memory when this connection has seen no commit to the main file
/// since it last read them (tokens and grants are revoked by commits, and the clock is applied
/// afresh on every call); otherwise in one statement.
fn token_and_grants(
    c: &mut dyn crate::db::Conn,
    state: &ExchangeState,
    secret: &str,
    code: &str,
    now: i64,
) -> Result<std::result::Result<Found, Refusal>> {
    let unidentified = Caller::unidentified();
    if token_kind(secret) != Some(TokenKind::System) {
        return Ok(Err(refusal(&unidentified, unknown_token())));
    }
    let h = shuqiao_core::account::secret_hash(secret);
    // Taken before the read: a commit in between makes the next call read again.
    let mark = c.change_mark()?;
    let kept = mark.and_then(|m| state.token_grants(m, &h, code));
    let found = match kept {
        Some(tg) => tg,
        None => match read_token_grants(c, &h, code, now)? {
            Some(tg) => {
                if let Some(m) = mark {
                    state.keep_token_grants(m, &h, code, tg.clone());
                }
                tg
            }
            None => return Ok(Err(refusal(&unidentified, unknown_token()))),
        },
    };
    Ok(found.at(now))
}

/// The statement behind `token_and_grants`. (`$1` comes first in the text because SQLite
/// numbers parameters in order of first appearance.)
fn read_token_grants(
    c: &mut dyn crate::db::Conn,
    token_hash: &str,
    code: &str,
    now: i64,
) -> Result<Option<TokenGrants>> {
    let rows = c.query(
        &format!(
            "SELECT t.system, s.org, t.revoked_at, t.expires_at, r.published_version, r.retired, {}
             FROM api_tokens t JOIN systems s ON t.token_hash = $1 AND s.code = t.system
             LEFT JOIN resources r ON r.code = $2
             LEFT JOIN grants g ON g.system = t.system AND g.resource = $2
                  AND g.revoked_at IS NULL
             ORDER BY g.id",
            grant_cols_aliased()
        ),
        params![token_hash, code],
    )?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let version = match first.0[5] {
        crate::db::Value::Null => None,
        _ => Some((first.opt_int(4)?, first.bool(5)?)),
    };
    let mut grants = Vec::new();
    for r in &rows {
        if matches!(r.0[6], crate::db::Value::Null) {
            continue;
        }
        let g = crate::db::Row(r.0[6..].to_vec());
        grants.push(crate::share::access::grant_from_row(&g, now)?);
    }
    Ok(Some(TokenGrants {
        who: Caller {
            system: Some(first.text(0)?),
            org: first.text(1)?,
            person: None,
        },
        revoked_at: first.opt_int(2)?,
        expires_at: first.int(3)?,
        version,
        grants,
    }))
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
            | DomainError::Unauthenticated { code, .. }
            | DomainError::Throttled { code, .. },
        ) => (*code).to_string(),
        Some(DomainError::Invalid(_)) => "invalid".into(),
        _ => "error".into(),
    }
}

/// What one call may do, established in its first read.
pub(crate) struct Authorised {
    who: Caller,
    target: std::sync::Arc<Target>,
    grant: GrantView,
    uses: FieldUse,
    /// Keeps the call counted against the grant's quota until it is sealed.
    _admission: limits::Admission,
}

impl Authorised {
    /// The calling system: always known once a call is authorised.
    pub(crate) fn system(&self) -> &str {
        self.who.system.as_deref().unwrap_or_default()
    }
}

/// How the keys of records leave in one answer: as they are, or as the calling system's
/// pseudonyms when its grants may not read every key item in clear (`core::exchange::keys`).
pub(crate) enum OutgoingKeys {
    Clear,
    Pseudonyms(exchange::Pseudonyms),
}

impl OutgoingKeys {
    pub(crate) fn show(&self, key: String) -> String {
        match self {
            OutgoingKeys::Clear => key,
            OutgoingKeys::Pseudonyms(p) => p.of(&key),
        }
    }

    pub(crate) fn pseudonymised(&self) -> bool {
        matches!(self, OutgoingKeys::Pseudonyms(_))
    }
}

/// Identifies the token and checks its grants on `code` — token, grants, quota and rate —
/// on whatever connection the caller reads with (a reader's, or the sequencer's).
fn authorise_in(
    conn: &mut dyn crate::db::Conn,
    state: &ExchangeState,
    secret: &str,
    code: &str,
    now: i64,
    charge_rate: bool,
) -> Result<std::result::Result<Authorised, Refusal>> {
    let Found {
        who,
        grants,
        version,
    } = match token_and_grants(conn, state, secret, code, now)? {
        Ok(f) => f,
        Err(r) => return Ok(Err(r)),
    };
    // A suspended grant admits nothing until the operator reviews its alert; the system's
    // other grants on the resource still do.
    let mut grants = grants;
    let mut suspended = None;
    if grants.iter().any(|g| g.suspended_at.is_some()) {
        suspended = grants.iter().find(|g| g.suspended_at.is_some()).cloned();
        grants.retain(|g| g.suspended_at.is_none());
    }
    let Some(grant) = grants.first().cloned() else {
        return Ok(Err(match suspended {
            Some(g) => refusal(&who, alerts::grant_suspended(g.id)).under(&g),
            None => refusal(&who, no_grant(code)),
        }));
    };
    let mut inner = || -> Result<_> {
        let target = state.target_at(conn, code, version)?;
        let granted = grants.iter().map(|g| g.fields.as_slice());
        let uses = exchange::admit(code, &target.meta, granted)?;
        let used_today = match grant.quota_per_day {
            Some(_) => state.used_today(conn, grant.id, now)?,
            None => 0,
        };
        Ok((target, uses, used_today))
    };
    let (target, uses, used_today) = match inner() {
        Ok(v) => v,
        Err(e) if e.domain().is_some() => return Ok(Err(refusal(&who, e).under(&grant))),
        Err(e) => return Err(e),
    };
    let admission = match state.admit(&grant, used_today, now, charge_rate) {
        Ok(a) => a,
        Err(e) => return Ok(Err(refusal(&who, e).under(&grant))),
    };
    Ok(Ok(Authorised {
        who,
        target,
        grant,
        uses,
        _admission: admission,
    }))
}

/// The result of a call that served `n` records (of `asked`).
pub(crate) fn served(n: usize, asked: Option<usize>) -> CallResult {
    CallResult::Served {
        served: n as u64,
        asked: asked.map(|a| a as u64),
    }
}

/// The entry recording one exchange call.
fn call_entry(
    who: &Caller,
    action: &str,
    resource: Option<&str>,
    grant: Option<&GrantView>,
    result: CallResult,
    subjects: Vec<String>,
    time: i64,
) -> Entry {
    Entry {
        time,
        actor_org: who.org.clone(),
        actor_system: who.system.clone(),
        actor_person: who.person.clone(),
        action: action.to_string(),
        resource: resource.map(str::to_string),
        resource_version: None,
        grant: grant.map(|g| g.id.to_string()),
        purpose: grant.map(|g| g.purpose.clone()),
        result: result.to_string(),
        subjects,
    }
}

/// Keyed hashes of the people or companies behind `keys`, when the resource is keyed by them.
fn subject_keys(
    secret: &[u8; 32],
    meta: &shuqiao_core::catalog::ResourceMeta,
    keys: &[String],
) -> Vec<String> {
    match subject_kind(meta) {
        Some(kind) => keys
            .iter()
            .map(|k| shuqiao_core::audit::entry::subject_key(secret, kind, k))
            .collect(),
        None => Vec::new(),
    }
}

impl Store {
    /// The secret of a system token, or the refusal of any other credential.
    async fn system_secret(&self, cred: &Credential) -> std::result::Result<String, Refusal> {
        match &cred.sent {
            Sent::Missing => Err(refusal(&Caller::unidentified(), missing_credential())),
            Sent::Malformed => Err(refusal(&Caller::unidentified(), malformed_credential())),
            Sent::Bearer(s) if token_kind(s) == Some(TokenKind::Session) => {
                Err(self.refuse_session(s).await)
            }
            Sent::Bearer(s) => Ok(s.clone()),
        }
    }

    /// Identifies the caller and checks its grants on `resource` — token, grants, quota and
    /// rate in one read — then runs `more` in the same read when there is a grant in force.
    pub(crate) async fn authorise<T, F>(
        &self,
        cred: &Credential,
        resource: &str,
        charge_rate: bool,
        more: F,
    ) -> std::result::Result<(Authorised, T), Refusal>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn crate::db::Conn, &Target, &FieldUse) -> Result<T> + Send + 'static,
    {
        self.authorise_on(cred, resource, charge_rate, false, more)
            .await
    }

    /// `authorise` for a short read by key (lookups, 核验), run on the calling thread
    /// (`Store::read_short`).
    pub(crate) async fn authorise_short<T, F>(
        &self,
        cred: &Credential,
        resource: &str,
        more: F,
    ) -> std::result::Result<(Authorised, T), Refusal>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn crate::db::Conn, &Target, &FieldUse) -> Result<T> + Send + 'static,
    {
        self.authorise_on(cred, resource, true, true, more).await
    }

    async fn authorise_on<T, F>(
        &self,
        cred: &Credential,
        resource: &str,
        charge_rate: bool,
        short: bool,
        more: F,
    ) -> std::result::Result<(Authorised, T), Refusal>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn crate::db::Conn, &Target, &FieldUse) -> Result<T> + Send + 'static,
    {
        let secret = self
            .system_secret(cred)
            .await
            .map_err(|r| r.sent_with(cred))?;
        let now = self.now();
        let code = resource.to_string();
        let state = self.exchange.clone();
        let read = move |conn: &mut dyn crate::db::Conn| {
            let a = match authorise_in(conn, &state, &secret, &code, now, charge_rate)? {
                Ok(a) => a,
                Err(r) => return Ok(Err(r)),
            };
            match more(conn, &a.target, &a.uses) {
                Ok(v) => Ok(Ok((a, v))),
                Err(e) if e.domain().is_some() => Ok(Err(refusal(&a.who, e).under(&a.grant))),
                Err(e) => Err(e),
            }
        };
        let outcome = match short {
            true => self.read_short(read).await,
            false => self.read(read).await,
        };
        match outcome {
            Ok(r) => r.map_err(|r| r.sent_with(cred)),
            Err(e) => Err(refusal(&Caller::unidentified(), e)),
        }
    }

    /// A person's session on the exchange API: refused, and audited under the person.
    async fn refuse_session(&self, secret: &str) -> Refusal {
        match self.authenticate(secret).await {
            Ok(Some(Principal::Person { username, org, .. })) => refusal(
                &Caller {
                    system: None,
                    org,
                    person: Some(username),
                },
                system_token_required(),
            ),
            Ok(_) => refusal(&Caller::unidentified(), unknown_token()),
            Err(e) => refusal(&Caller::unidentified(), e),
        }
    }

    /// Seals one exchange event and returns its receipt.
    pub(crate) async fn seal(
        &self,
        c: &Caller,
        action: &str,
        resource: Option<&str>,
        grant: Option<&GrantView>,
        result: CallResult,
        subjects: Vec<String>,
    ) -> Result<Receipt> {
        let entry = call_entry(c, action, resource, grant, result, subjects, self.now());
        let mut receipts = self.audit.submit(vec![entry]).await?;
        receipts.pop().ok_or(StoreError::AuditUnavailable)
    }

    /// Seals a refusal (of whoever it was, named or not), then hands the refusal back. An
    /// internal failure is not a refusal of the caller: it is returned as it is. Refusals of
    /// callers who name nobody are sealed up to a rate per client address; beyond it the
    /// answer is 429 and they are counted into one summary entry per address and minute.
    pub(crate) async fn refuse<T>(&self, r: Refusal, action: &str, resource: &str) -> Result<T> {
        self.refuse_on(r, action, Some(resource)).await
    }

    /// `refuse`, for calls that may name no resource (`None`: the call is about none).
    pub(crate) async fn refuse_on<T>(
        &self,
        r: Refusal,
        action: &str,
        resource: Option<&str>,
    ) -> Result<T> {
        if r.error.domain().is_none() {
            return Err(r.error);
        }
        if r.who.is_unidentified() {
            self.pace_unidentified(r.client).await?;
        }
        self.seal(
            &r.who,
            action,
            resource,
            r.grant.as_deref(),
            CallResult::Denied(code_of(&r.error)),
            Vec::new(),
        )
        .await?;
        Err(r.error)
    }

    /// Lets one more refusal of an unidentified caller from `client` be sealed, sealing first
    /// what this address's last window dropped; or refuses with 429 without sealing it.
    async fn pace_unidentified(&self, client: Option<std::net::IpAddr>) -> Result<()> {
        match self.exchange.anonymous.turn(client, self.now()) {
            RefusalTurn::Seal { summary: 0 } => Ok(()),
            RefusalTurn::Seal { summary } => self.seal_dropped(summary).await,
            RefusalTurn::Drop { retry_after_secs } => {
                self.summarise_dropped_later();
                Err(exchange::refusals::too_many_unauthenticated(retry_after_secs).into())
            }
        }
    }

    /// Seals that `count` refusals of unidentified callers were answered 429 unsealed.
    async fn seal_dropped(&self, count: u64) -> Result<()> {
        self.seal(
            &Caller::unidentified(),
            DROPPED_ACTION,
            None,
            None,
            CallResult::Dropped(count),
            Vec::new(),
        )
        .await
        .map(|_| ())
    }

    /// Makes sure the dropped counts are sealed when their windows end, even if the address
    /// never calls again: one task a store, running while any count is pending.
    fn summarise_dropped_later(&self) {
        if !self.exchange.anonymous.start_summariser() {
            return;
        }
        let store = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                let due = store.exchange.anonymous.take_due(store.now());
                if due > 0 {
                    if let Err(e) = store.seal_dropped(due).await {
                        tracing::warn!(error = %e, dropped = due, "sealing dropped refusals failed");
                        store.exchange.anonymous.put_back(due);
                    }
                }
                if store.exchange.anonymous.stop_summariser_if_idle() {
                    return;
                }
            }
        });
    }

    /// Seals the refusal of a call whose input the HTTP layer found wrong before asking the
    /// store (an unknown parameter, a malformed body; `code` is that problem's stable code).
    /// The caller is identified and its grant checked first, as for any call: one who may not
    /// use `resource` is refused for that, sealed, and learns nothing about its input (the
    /// `Err`). `Ok` means the input refusal is sealed under the grant and the caller may now
    /// answer with its own problem.
    pub async fn exchange_refuse_input(
        &self,
        cred: &Credential,
        action: &str,
        resource: &str,
        code: &str,
    ) -> Result<()> {
        match self
            .authorise(cred, resource, false, |_, _, _| Ok(()))
            .await
        {
            Ok((a, ())) => {
                self.seal(
                    &a.who,
                    action,
                    Some(&a.target.code),
                    Some(&a.grant),
                    CallResult::Denied(code.to_string()),
                    Vec::new(),
                )
                .await?;
                Ok(())
            }
            Err(r) => self.refuse(r, action, resource).await,
        }
    }

    /// Refuses the call for a reason found after authorisation (a bad parameter, a field
    /// outside the grant), sealing it under the identified caller.
    pub(crate) async fn refuse_after<T>(
        &self,
        a: &Authorised,
        action: &str,
        e: impl Into<StoreError>,
    ) -> Result<T> {
        self.refuse(refusal(&a.who, e).under(&a.grant), action, &a.target.code)
            .await
    }

    /// Seals a successful call under its grant; the receipt goes back with the data.
    pub(crate) async fn seal_ok(
        &self,
        a: &Authorised,
        action: &str,
        result: CallResult,
        keys: &[String],
    ) -> Result<Receipt> {
        let subjects = self.subjects(&a.target.meta, keys)?;
        self.seal(
            &a.who,
            action,
            Some(&a.target.code),
            Some(&a.grant),
            result,
            subjects,
        )
        .await
    }

    /// The exchange's keys, derived from the platform's secret (unavailable with the log).
    pub(crate) fn key_shield(&self) -> Result<exchange::KeyShield> {
        Ok(exchange::KeyShield::new(&self.audit.subject_secret()?))
    }

    /// How the keys in an answer to `a` leave.
    pub(crate) fn outgoing_keys(&self, a: &Authorised) -> Result<OutgoingKeys> {
        if exchange::key_in_clear(&a.target.meta, &a.uses) {
            return Ok(OutgoingKeys::Clear);
        }
        Ok(OutgoingKeys::Pseudonyms(
            self.key_shield()?.pseudonyms(a.system(), &a.target.code),
        ))
    }

    fn subjects(
        &self,
        meta: &shuqiao_core::catalog::ResourceMeta,
        keys: &[String],
    ) -> Result<Vec<String>> {
        Ok(subject_keys(&self.audit.subject_secret()?, meta, keys))
    }

    /// Reads records by key (one, or a batch of up to 1,000) within the caller's grants:
    /// only granted, non-核心 fields leave, and only after the access is sealed.
    pub async fn exchange_lookup(
        &self,
        cred: &Credential,
        resource: &str,
        keys: Vec<String>,
        fields: Option<Vec<String>>,
    ) -> Result<Lookup> {
        let action = "exchange.lookup";
        let keys: Vec<String> = keys.iter().map(|k| k.trim().to_string()).collect();
        let wanted = keys.clone();
        let (a, (fields, found)) = match self
            .authorise_short(cred, resource, move |conn, t, uses| {
                if wanted.is_empty()
                    || wanted.len() > exchange::MAX_KEYS
                    || wanted.iter().any(String::is_empty)
                {
                    return Err(invalid_keys());
                }
                let fields = exchange::fields_for_lookup(&t.meta, uses, fields.as_deref())?;
                let found = read_records(conn, &t.code, wanted, Some(&fields))?;
                Ok((fields, found))
            })
            .await
        {
            Ok(v) => v,
            Err(r) => return self.refuse(r, action, resource).await,
        };
        let hits = found.iter().filter(|(_, d)| d.is_some()).count();
        let receipt = self
            .seal_ok(&a, action, served(hits, Some(keys.len())), &keys)
            .await?;
        // `read_records` has kept the granted fields alone.
        let records = found;
        Ok(Lookup {
            resource: resource.to_string(),
            grant: a.grant.id,
            purpose: a.grant.purpose.clone(),
            fields,
            records,
            receipt,
        })
    }

    /// 核验: says per claimed field whether it matches what the platform holds for `key`,
    /// never what is held. 核心 fields may be verified when granted.
    pub async fn exchange_verify(
        &self,
        cred: &Credential,
        resource: &str,
        key: &str,
        claims: Vec<(String, String)>,
    ) -> Result<Verification> {
        let action = "exchange.verify";
        let key = key.trim().to_string();
        let wanted = vec![key.clone()];
        let (a, found) = match self
            .authorise_short(cred, resource, move |conn, t, _| {
                read_records(conn, &t.code, wanted, None)
            })
            .await
        {
            Ok(v) => v,
            Err(r) => return self.refuse(r, action, resource).await,
        };
        let stored = found.into_iter().next().and_then(|(_, d)| d);
        let today = self.today()?;
        let results =
            match exchange::verify(&a.target.meta, &a.uses, &claims, stored.as_ref(), today) {
                Ok(r) => r,
                Err(e) => return self.refuse_after(&a, action, e).await,
            };
        let matched = results.iter().filter(|(_, v)| *v == Verdict::Match).count();
        let receipt = self
            .seal_ok(
                &a,
                action,
                served(matched, Some(results.len())),
                std::slice::from_ref(&key),
            )
            .await?;
        Ok(Verification {
            resource: resource.to_string(),
            key,
            grant: a.grant.id,
            results,
            receipt,
        })
    }

    /// Today in China, for normalising dates in claims and filters.
    pub(crate) fn today(&self) -> Result<time::Date> {
        shuqiao_core::catalog::parse_date(&shuqiao_core::catalog::china_date(self.now()))
            .ok_or_else(|| StoreError::Task("clock out of range".into()))
    }

    /// What the calling system may use: its active grants, each with the fields it may read
    /// in clear and those it may only verify, and the catalog items behind them.
    pub async fn exchange_allowed(&self, cred: &Credential) -> Result<Vec<Allowed>> {
        match self.read_allowed(cred).await? {
            Ok((_, allowed)) => Ok(allowed),
            Err(r) => self.refuse_on(r, "exchange.discover", None).await,
        }
    }

    /// What the calling system may use of one resource (for its OpenAPI document); refused,
    /// and the refusal sealed like any other, when it holds no grant in force on it.
    pub async fn exchange_describe(&self, cred: &Credential, resource: &str) -> Result<Allowed> {
        let action = "exchange.openapi";
        let (who, allowed) = match self.read_allowed(cred).await? {
            Ok(v) => v,
            Err(r) => return self.refuse(r, action, resource).await,
        };
        match allowed.into_iter().find(|a| a.resource == resource) {
            Some(a) => Ok(a),
            None => {
                let r = refusal(&who, no_grant(resource)).sent_with(cred);
                self.refuse(r, action, resource).await
            }
        }
    }

    /// The caller and its grants in force, or the refusal of its credential (not yet sealed).
    async fn read_allowed(
        &self,
        cred: &Credential,
    ) -> Result<std::result::Result<(Caller, Vec<Allowed>), Refusal>> {
        let now = self.now();
        let secret = match self.system_secret(cred).await {
            Ok(s) => s,
            Err(r) => return Ok(Err(r.sent_with(cred))),
        };
        let cache = self.exchange.clone();
        let outcome = self
            .read(move |conn| {
                let who = match identify_token(conn, &secret, now) {
                    Ok(w) => w,
                    Err(r) => return Ok(Err(r)),
                };
                let rows = conn.query(
                    &format!(
                        "SELECT {} FROM grants WHERE system = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY resource, id",
                        crate::share::access::GRANT_COLS
                    ),
                    params![&who.system.clone().unwrap_or_default(), now],
                )?;
                let mut out = Vec::new();
                for r in &rows {
                    let g = crate::share::access::grant_from_row(r, now)?;
                    let Ok(target) = cache.target(conn, &g.resource) else {
                        continue;
                    };
                    let Ok(fields) = exchange::admit(&g.resource, &target.meta, [g.fields.as_slice()])
                    else {
                        continue;
                    };
                    let items = target
                        .meta
                        .items
                        .iter()
                        .filter(|i| g.fields.contains(&i.code))
                        .cloned()
                        .collect();
                    out.push(Allowed {
                        grant: g.id,
                        name: target.meta.name.clone(),
                        key_fields: target.meta.key_fields.clone(),
                        keys_in_clear: exchange::key_in_clear(&target.meta, &fields),
                        share_modes: target.meta.share_modes.clone(),
                        items,
                        fields,
                        resource: g.resource,
                        purpose: g.purpose,
                        expires_at: g.expires_at,
                        quota_per_day: g.quota_per_day,
                        rate_per_second: g.rate_per_second,
                    });
                }
                Ok(Ok((who, out)))
            })
            .await?;
        Ok(outcome.map_err(|r| r.sent_with(cred)))
    }
}

fn invalid_keys() -> StoreError {
    DomainError::one(shuqiao_core::FieldError::new(
        "keys",
        "invalid_keys",
        format!("请给出 1 至 {} 个非空主键", exchange::MAX_KEYS),
        format!("give 1 to {} non-empty keys", exchange::MAX_KEYS),
    ))
    .into()
}

/// A stored record's fields named in `keep` (all for `None`). The others are skipped by the
/// parser, not built and dropped: a lookup usually returns a few of a record's fields, and
/// parsing whole records was the largest item of a lookup's own work after SQLite's.
fn parse_fields(text: &str, keep: Option<&[String]>) -> Result<Data> {
    use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
    struct Fields<'a>(Option<&'a [String]>);
    impl<'de> Visitor<'de> for Fields<'_> {
        type Value = Data;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a record object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> std::result::Result<Data, A::Error> {
            let mut out = Data::new();
            while let Some(name) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                match self.0 {
                    Some(keep) if !keep.iter().any(|k| *k == name) => {
                        m.next_value::<IgnoredAny>()?;
                    }
                    _ => {
                        out.insert(name.into_owned(), m.next_value()?);
                    }
                }
            }
            Ok(out)
        }
    }
    impl<'de> DeserializeSeed<'de> for Fields<'_> {
        type Value = Data;
        fn deserialize<D: serde::Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<Data, D::Error> {
            d.deserialize_map(self)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    Fields(keep)
        .deserialize(&mut de)
        .and_then(|d| de.end().map(|()| d))
        .map_err(|e| StoreError::Db(crate::DbError::Other(format!("decode: {e}"))))
}

pub(crate) fn only_fields(d: Data, fields: &[String]) -> Data {
    d.into_iter().filter(|(f, _)| fields.contains(f)).collect()
}

/// Reads records by key, each with the fields in `keep` only (every field for `None`).
fn read_records(
    c: &mut dyn crate::db::Conn,
    resource: &str,
    keys: Vec<String>,
    keep: Option<&[String]>,
) -> Result<Vec<(String, Option<Data>)>> {
    // SQLite's own readers keep what they read while the main file stays as it was.
    let mark = c.change_mark()?;
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let text = match mark {
            Some(m) => recent::record_text(m, resource, &key, || read_record(c, resource, &key))?,
            None => read_record(c, resource, &key)?,
        };
        let data = match text {
            Some(t) => Some(parse_fields(&t, keep)?),
            None => None,
        };
        out.push((key, data));
    }
    Ok(out)
}

/// The data of the live record `key` of `resource`, as stored (JSON text).
fn read_record(c: &mut dyn crate::db::Conn, resource: &str, key: &str) -> Result<Option<String>> {
    let row = c.query_one(
        "SELECT v.data FROM records r JOIN record_versions v ON v.id = r.version
         WHERE r.resource = $1 AND r.record_key = $2 AND r.live = 1",
        params![resource, key],
    )?;
    Ok(row.map(|r| r.opt_text(0)).transpose()?.flatten())
}

impl Store {
    /// The calls a second a grant may make when it sets none itself (`None`: no default).
    pub fn with_exchange_rate(self, rate: Option<u32>) -> Store {
        self.exchange.set_default_rate(rate);
        self
    }

    /// The calling system's own usage over the last `days` days (China time), per day,
    /// resource and grant.
    pub async fn exchange_usage(&self, cred: &Credential, days: u32) -> Result<Vec<Usage>> {
        let now = self.now();
        let since = usage_since(now, days);
        let action = "exchange.usage";
        let secret = match self.system_secret(cred).await {
            Ok(s) => s,
            Err(r) => return self.refuse_on(r.sent_with(cred), action, None).await,
        };
        self.audit.spread().await?;
        let outcome = self
            .read(move |conn| {
                let who = match identify_token(conn, &secret, now) {
                    Ok(w) => w,
                    Err(r) => return Ok(Err(r)),
                };
                let system = who.system.clone().unwrap_or_default();
                Ok(Ok(crate::audit::read_usage(conn, Some(&system), &since)?))
            })
            .await?;
        match outcome {
            Ok(v) => Ok(v),
            Err(r) => self.refuse_on(r.sent_with(cred), action, None).await,
        }
    }

    /// Usage of every system (or one), for the operator and auditors.
    pub async fn usage_report(
        &self,
        p: Principal,
        system: Option<String>,
        days: u32,
    ) -> Result<Vec<Usage>> {
        exchange::require_usage_reader(&p)?;
        let since = usage_since(self.now(), days);
        self.audit.spread().await?;
        self.read(move |c| Ok(crate::audit::read_usage(c, system.as_deref(), &since)?))
            .await
    }
}

/// The first day (China time) of a window of `days` days ending today.
fn usage_since(now: i64, days: u32) -> String {
    let back = i64::from(days.clamp(1, 366) - 1) * 86_400_000;
    shuqiao_core::catalog::china_date(now - back)
}
