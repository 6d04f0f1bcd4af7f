//! The public's side of the portal: members register; they apply for 有条件开放 data and,
//! once approved, take an API key with a daily quota; anyone signed in asks for data that is
//! not open yet (数据需求) or reports an error (纠错). Each reaches the provider's inbox with a
//! deadline in working days on the sharing calendar, and each step is sealed in the audit
//! log through the same event path as sharing decisions.
use serde::Serialize;
use shuqiao_core::account::{self, Account, Principal};
use shuqiao_core::catalog::OpenType;
use shuqiao_core::open::{
    self, ApplicationAnswer, ApplicationInput, FeedbackInput, Registration, RequestAnswer,
    RequestInput, RequestOutcome,
};
use shuqiao_core::share::calendar::china_day;
use shuqiao_core::DomainError;

use crate::db::{Conn, DbError, Row};
use crate::share::events::{emit, Actor, Event};
use crate::{params, Result, Store, StoreError};

/// Working days to answer each kind, as the operator set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OpenSettings {
    pub application_days: u32,
    pub request_days: u32,
    pub feedback_days: u32,
    pub min_cell: u64,
}

fn setting(c: &mut dyn Conn, key: &str, default: u64) -> Result<u64> {
    Ok(c.query_one(
        "SELECT value FROM open_settings WHERE key = $1",
        params![key],
    )?
    .and_then(|r| r.text(0).ok())
    .and_then(|v| v.parse().ok())
    .unwrap_or(default))
}

pub(crate) fn settings(c: &mut dyn Conn) -> Result<OpenSettings> {
    Ok(OpenSettings {
        application_days: setting(c, "application_days", open::DEFAULT_APPLICATION_DAYS as u64)?
            as u32,
        request_days: setting(c, "request_days", open::DEFAULT_REQUEST_DAYS as u64)? as u32,
        feedback_days: setting(c, "feedback_days", open::DEFAULT_FEEDBACK_DAYS as u64)? as u32,
        min_cell: setting(c, "min_cell", open::DEFAULT_MIN_CELL)?,
    })
}

use crate::share::calendar::due_after as due;

fn insert_id(c: &mut dyn Conn, sql: &str, args: &[crate::db::Value]) -> Result<i64> {
    Ok(c.query_one(sql, args)?
        .ok_or(DbError::Other("insert returned nothing".into()))?
        .int(0)?)
}

/// A released dataset by name, as the portal sees it: not released is not found.
fn released(c: &mut dyn Conn, name: &str) -> Result<(String, String, String, OpenType)> {
    let r = c
        .query_one(
            "SELECT rl.code, r.provider, rl.slug, r.open_type FROM open_releases rl
             JOIN resources r ON r.code = rl.code
             WHERE (rl.slug = $1 OR rl.code = $1) AND rl.state = 'released' AND r.status = 'published'",
            params![name],
        )?
        .ok_or_else(super::dataset_not_found)?;
    let open = OpenType::parse(&r.text(3)?).unwrap_or(OpenType::Closed);
    if open == OpenType::Closed {
        return Err(super::dataset_not_found().into());
    }
    Ok((r.text(0)?, r.text(1)?, r.text(2)?, open))
}

fn due_date(at: Option<i64>) -> Option<String> {
    at.map(|d| china_day(d).to_string())
}

// ---- members ----

/// A registered member of the public.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Member {
    pub username: String,
    pub display_name: String,
    pub kind: String,
    pub registered_at: i64,
}

// ---- applications ----

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OpenApplication {
    pub id: i64,
    pub dataset: String,
    pub code: String,
    pub provider: String,
    pub applicant: String,
    pub purpose: String,
    pub agreement: String,
    pub status: String,
    pub filed_at: i64,
    pub due_date: Option<String>,
    pub due_unknown_year: Option<i64>,
    pub overdue: bool,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub reason: Option<String>,
    pub quota_per_day: Option<i64>,
    pub days: Option<i64>,
}

const APP_COLS: &str = "a.id, rl.slug, a.code, a.provider, a.applicant, a.purpose, a.agreement, a.status,
    a.filed_at, a.due_at, a.due_unknown_year, a.decided_by, a.decided_at, a.reason, a.quota_per_day, a.days";

fn application_from(r: &Row, now: i64) -> Result<OpenApplication> {
    let status = r.text(7)?;
    let due_at = r.opt_int(9)?;
    Ok(OpenApplication {
        id: r.int(0)?,
        dataset: r.text(1)?,
        code: r.text(2)?,
        provider: r.text(3)?,
        applicant: r.text(4)?,
        purpose: r.text(5)?,
        agreement: r.text(6)?,
        overdue: status == "pending" && due_at.is_some_and(|d| d < now),
        status,
        filed_at: r.int(8)?,
        due_date: due_date(due_at),
        due_unknown_year: r.opt_int(10)?,
        decided_by: r.opt_text(11)?,
        decided_at: r.opt_int(12)?,
        reason: r.opt_text(13)?,
        quota_per_day: r.opt_int(14)?,
        days: r.opt_int(15)?,
    })
}

fn application(c: &mut dyn Conn, id: i64, now: i64) -> Result<Option<OpenApplication>> {
    c.query_one(
        &format!(
            "SELECT {APP_COLS} FROM open_applications a JOIN open_releases rl ON rl.code = a.code WHERE a.id = $1"
        ),
        params![id],
    )?
    .map(|r| application_from(&r, now))
    .transpose()
}

fn application_not_found() -> DomainError {
    DomainError::not_found(
        "open_application_not_found",
        "没有这个开放数据申请",
        "no such open-data application",
    )
}

/// Who may see an application: its applicant, the provider's stewards, the operator and
/// auditors. Anyone else is told it does not exist.
fn may_see(p: &Principal, applicant: &str, provider: &str) -> bool {
    matches!(p, Principal::Person { username, .. } if username == applicant)
        || p.steward_orgs().iter().any(|o| o == provider)
        || p.is_platform_admin()
        || p.has_role(account::Role::Auditor)
}

/// A new open-data key, shown once.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IssuedKey {
    pub key: String,
    pub dataset: String,
    pub quota_per_day: i64,
    pub expires_at: i64,
}

// ---- requests and feedback ----

/// A data request as the public sees it: who asked is never shown.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OpenRequest {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub org: Option<String>,
    pub status: String,
    pub filed_at: i64,
    pub due_date: Option<String>,
    pub overdue: bool,
    pub outcome: Option<String>,
    pub answer: Option<String>,
    pub dataset: Option<String>,
    pub answered_at: Option<i64>,
}

const REQUEST_COLS: &str = "id, title, description, org, status, filed_at, due_at, outcome, answer, dataset, answered_at, requester";

fn request_from(r: &Row, now: i64) -> Result<OpenRequest> {
    let status = r.text(4)?;
    let due_at = r.opt_int(6)?;
    Ok(OpenRequest {
        id: r.int(0)?,
        title: r.text(1)?,
        description: r.text(2)?,
        org: r.opt_text(3)?,
        overdue: status == "open" && due_at.is_some_and(|d| d < now),
        status,
        filed_at: r.int(5)?,
        due_date: due_date(due_at),
        outcome: r.opt_text(7)?,
        answer: r.opt_text(8)?,
        dataset: r.opt_text(9)?,
        answered_at: r.opt_int(10)?,
    })
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Feedback {
    pub id: i64,
    pub dataset: String,
    pub provider: String,
    pub row: Option<i64>,
    pub author: String,
    pub text: String,
    pub status: String,
    pub filed_at: i64,
    pub due_date: Option<String>,
    pub overdue: bool,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
}

const FEEDBACK_COLS: &str = "f.id, rl.slug, f.provider, f.row_id, f.author, f.text, f.status, f.filed_at, f.due_at, f.answer, f.answered_at";

fn feedback_from(r: &Row, now: i64) -> Result<Feedback> {
    let status = r.text(6)?;
    let due_at = r.opt_int(8)?;
    Ok(Feedback {
        id: r.int(0)?,
        dataset: r.text(1)?,
        provider: r.text(2)?,
        row: r.opt_int(3)?,
        author: r.text(4)?,
        text: r.text(5)?,
        overdue: status == "open" && due_at.is_some_and(|d| d < now),
        status,
        filed_at: r.int(7)?,
        due_date: due_date(due_at),
        answer: r.opt_text(9)?,
        answered_at: r.opt_int(10)?,
    })
}

fn username(p: &Principal) -> Result<String> {
    match p {
        Principal::Person { username, .. } => Ok(username.clone()),
        _ => Err(DomainError::forbidden(
            "people_only",
            "请以个人或企业账号登录后提交",
            "sign in as a person or company to do this",
        )
        .into()),
    }
}

/// The department a request goes to: the one named, else the provider of the catalogue's
/// best match for its words, else the operator, who routes it on.
fn route_request(
    c: &mut dyn Conn,
    index: &crate::index::SearchIndex,
    r: &RequestInput,
) -> Result<Option<String>> {
    if let Some(org) = r.org.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        if crate::accounts::find_org(c, org)?.is_none() {
            return Err(DomainError::one(shuqiao_core::error::FieldError::new(
                "org",
                "unknown_org",
                "没有这个部门：可以不填，由平台转给可能的提供部门",
                "no such department: leave it out and the platform routes the request",
            ))
            .into());
        }
        return Ok(Some(org.to_string()));
    }
    let q = crate::catalog::SearchQuery {
        q: Some(
            format!("{} {}", r.title, r.description)
                .chars()
                .take(200)
                .collect(),
        ),
        limit: 1,
        ..Default::default()
    };
    let vis = shuqiao_core::catalog::Visibility {
        all_published: true,
        open_only: false,
        all_drafts: false,
        draft_providers: vec![],
    };
    let mut hit = index.search(c, &vis, &q)?;
    if hit.items.is_empty() {
        // Every word at once found nothing: try the title alone.
        let q = crate::catalog::SearchQuery {
            q: Some(r.title.chars().take(100).collect()),
            limit: 1,
            ..Default::default()
        };
        hit = index.search(c, &vis, &q)?;
    }
    if let Some(first) = hit.items.first() {
        return Ok(Some(first.provider.clone()));
    }
    Ok(c.query_one(
        "SELECT code FROM orgs WHERE kind = 'operator' ORDER BY code LIMIT 1",
        &[],
    )?
    .map(|r| r.text(0))
    .transpose()?)
}

impl Store {
    /// The operator's answer periods and the smallest count shown.
    pub async fn open_settings(&self) -> Result<OpenSettings> {
        self.read(settings).await
    }

    /// The operator sets the answer periods (working days, 1 to 60) and the smallest count.
    pub async fn set_open_settings(&self, p: Principal, s: OpenSettings) -> Result<OpenSettings> {
        p.require_platform_admin()?;
        let mut errs = shuqiao_core::error::Errors::default();
        for (field, v) in [
            ("application_days", s.application_days),
            ("request_days", s.request_days),
            ("feedback_days", s.feedback_days),
        ] {
            if !(1..=60).contains(&v) {
                errs.push(shuqiao_core::error::FieldError::new(
                    field,
                    "out_of_range",
                    "答复期限应为 1 至 60 个工作日",
                    "answer periods are 1 to 60 working days",
                ));
            }
        }
        if !(1..=1000).contains(&s.min_cell) {
            errs.push(shuqiao_core::error::FieldError::new(
                "min_cell",
                "out_of_range",
                "最小统计单元应为 1 至 1000",
                "the smallest count shown is 1 to 1000",
            ));
        }
        errs.into_result()?;
        let now = self.now();
        let actor = Actor::of(&p);
        self.write(move |c| {
            for (k, v) in [
                ("application_days", s.application_days as u64),
                ("request_days", s.request_days as u64),
                ("feedback_days", s.feedback_days as u64),
                ("min_cell", s.min_cell),
            ] {
                c.execute(
                    "INSERT INTO open_settings (key, value) VALUES ($1, $2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![k, v.to_string()],
                )?;
            }
            emit(
                c,
                &actor,
                Event {
                    kind: "open_settings.set",
                    subject_type: "open_settings",
                    subject_id: 1,
                    resource: None,
                    resource_version: None,
                    grant: None,
                    reason: Some(&format!(
                        "application {} / request {} / feedback {} working days; min cell {}",
                        s.application_days, s.request_days, s.feedback_days, s.min_cell
                    )),
                    notify: vec![],
                    title_zh: "开放平台答复期限已修改".into(),
                    title_en: "open-data answer periods changed".into(),
                },
                now,
            )?;
            settings(c)
        })
        .await
    }

    /// A member of the public registers: an account with no role, sealed as a security change.
    pub async fn register_member(&self, r: Registration) -> Result<Member> {
        r.validate()?;
        let password = r.password.clone();
        let hash = tokio::task::spawn_blocking(move || account::hash_password(&password))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?;
        let now = self.now();
        self.write(move |c| {
            let org = c
                .query_one("SELECT code FROM orgs WHERE kind = 'operator' ORDER BY code LIMIT 1", &[])?
                .map(|r| r.text(0))
                .transpose()?
                .ok_or_else(|| {
                    DomainError::conflict("no_operator", "平台运营方机构尚未建立", "the platform operator's organisation does not exist yet")
                })?;
            let a = Account {
                username: r.username.clone(),
                display_name: r.display_name.trim().to_string(),
                org,
                roles: vec![],
                disabled: false,
            };
            crate::accounts::insert_account(c, &a, &hash, now)?;
            c.execute(
                "INSERT INTO public_members (username, kind, contact, registered_at) VALUES ($1, $2, $3, $4)",
                params![&r.username, &r.kind, r.contact.trim(), now],
            )?;
            let actor = Actor {
                org: a.org.clone(),
                person: Some(r.username.clone()),
                system: None,
                label: format!("user:{}", r.username),
            };
            crate::accounts::seal_security(
                c,
                crate::accounts::SecurityEvent {
                    action: "account.register",
                    target: format!("account:{}", r.username),
                    details: Some(format!("public member: {}", r.kind)),
                    actor: &actor,
                },
                now,
            )?;
            Ok(Member {
                username: a.username,
                display_name: a.display_name,
                kind: r.kind,
                registered_at: now,
            })
        })
        .await
    }

    /// A member applies for a 有条件开放 dataset; the provider is told, with the deadline.
    pub async fn apply_open(&self, p: Principal, a: ApplicationInput) -> Result<OpenApplication> {
        open::require_public_member(&p)?;
        a.validate()?;
        let applicant = username(&p)?;
        let now = self.now();
        self.write(move |c| {
            let (code, provider, slug, kind) = released(c, a.dataset.trim())?;
            if kind != OpenType::Conditional {
                return Err(DomainError::conflict(
                    "not_conditional",
                    "该数据集无条件开放，无需申请，可直接下载或调用",
                    "this dataset is open to all: download or call it without applying",
                )
                .into());
            }
            let pending = c.query_one(
                "SELECT id FROM open_applications WHERE code = $1 AND applicant = $2 AND status = 'pending'",
                params![&code, &applicant],
            )?;
            if pending.is_some() {
                return Err(DomainError::conflict(
                    "application_pending",
                    "您对该数据集的申请正在办理，请等待答复",
                    "your application for this dataset is waiting for its answer",
                )
                .into());
            }
            let days = settings(c)?.application_days;
            let (due_at, unknown) = due(c, now, days)?;
            let id = insert_id(
                c,
                "INSERT INTO open_applications (code, provider, applicant, purpose, agreement, status, filed_at, due_at, due_unknown_year)
                 VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8) RETURNING id",
                params![&code, &provider, &applicant, a.purpose.trim(), open::AGREEMENT_VERSION, now, due_at, unknown],
            )?;
            emit(
                c,
                &Actor::of(&p),
                Event {
                    kind: "open_application.file",
                    subject_type: "open_application",
                    subject_id: id,
                    resource: Some(&code),
                    resource_version: None,
                    grant: None,
                    reason: Some(a.purpose.trim()),
                    notify: vec![provider.clone()],
                    title_zh: format!("开放数据申请：{slug}，请在 {} 前答复", due_date(due_at).unwrap_or_else(|| "（待定）".into())),
                    title_en: format!("open-data application for {slug}; answer by {}", due_date(due_at).unwrap_or_else(|| "(to be set)".into())),
                },
                now,
            )?;
            application(c, id, now)?.ok_or_else(|| application_not_found().into())
        })
        .await
    }

    /// The provider's steward approves (with a daily quota and a term) or refuses (with the
    /// reason) a pending application.
    pub async fn answer_open_application(
        &self,
        p: Principal,
        id: i64,
        ans: ApplicationAnswer,
    ) -> Result<OpenApplication> {
        let now = self.now();
        self.write(move |c| {
            let a = application(c, id, now)?.ok_or_else(application_not_found)?;
            if !may_see(&p, &a.applicant, &a.provider) {
                return Err(application_not_found().into());
            }
            open::require_provider_steward(&p, &a.provider)?;
            ans.validate()?;
            if a.status != "pending" {
                return Err(DomainError::conflict(
                    "already_answered",
                    "该申请已答复",
                    "this application has already been answered",
                )
                .into());
            }
            let status = if ans.approve { "approved" } else { "refused" };
            c.execute(
                "UPDATE open_applications SET status = $1, decided_by = $2, decided_at = $3, reason = $4,
                 quota_per_day = $5, days = $6 WHERE id = $7",
                params![
                    status,
                    p.actor(),
                    now,
                    Some(ans.reason.trim().to_string()).filter(|r| !r.is_empty()),
                    ans.quota_per_day.map(i64::from),
                    ans.days.map(i64::from),
                    id
                ],
            )?;
            emit(
                c,
                &Actor::of(&p),
                Event {
                    kind: if ans.approve { "open_application.approve" } else { "open_application.refuse" },
                    subject_type: "open_application",
                    subject_id: id,
                    resource: Some(&a.code),
                    resource_version: None,
                    grant: None,
                    reason: Some(ans.reason.trim()).filter(|r| !r.is_empty()),
                    notify: vec![],
                    title_zh: format!("开放数据申请 {id} 已答复"),
                    title_en: format!("open-data application {id} answered"),
                },
                now,
            )?;
            application(c, id, now)?.ok_or_else(|| application_not_found().into())
        })
        .await
    }

    /// Applications as `p` may see them: a member's own, a provider's stewards' for their
    /// datasets, all for the operator and auditors. Newest first.
    pub async fn open_applications(&self, p: Principal) -> Result<Vec<OpenApplication>> {
        p.require_authenticated()?;
        let now = self.now();
        self.read(move |c| {
            let rows = c.query(
                &format!(
                    "SELECT {APP_COLS} FROM open_applications a JOIN open_releases rl ON rl.code = a.code
                     ORDER BY a.id DESC"
                ),
                &[],
            )?;
            let mut out = Vec::new();
            for r in &rows {
                let a = application_from(r, now)?;
                if may_see(&p, &a.applicant, &a.provider) {
                    out.push(a);
                }
            }
            Ok(out)
        })
        .await
    }

    /// The applicant takes the key of an approved application, shown once; taking it again
    /// revokes the one before. Sealed as a security change, never with the key.
    pub async fn issue_open_key(&self, p: Principal, id: i64) -> Result<IssuedKey> {
        let holder = username(&p)?;
        let now = self.now();
        let key = account::new_secret(open::KEY_PREFIX);
        let hash = account::secret_hash(&key);
        let prefix = key[..10].to_string();
        self.write(move |c| {
            let a = application(c, id, now)?.ok_or_else(application_not_found)?;
            if a.applicant != holder {
                return Err(application_not_found().into());
            }
            let (Some(decided), Some(days), Some(quota)) = (a.decided_at, a.days, a.quota_per_day) else {
                return Err(DomainError::conflict(
                    "not_approved",
                    "申请尚未批准，不能领取密钥",
                    "the application is not approved: there is no key to take",
                )
                .into());
            };
            if a.status != "approved" {
                return Err(DomainError::conflict(
                    "not_approved",
                    "申请尚未批准，不能领取密钥",
                    "the application is not approved: there is no key to take",
                )
                .into());
            }
            let expires_at = decided + days * 86_400_000;
            if expires_at <= now {
                return Err(DomainError::conflict(
                    "term_ended",
                    "批准的使用期限已结束，请重新申请",
                    "the approved term has ended: apply again",
                )
                .into());
            }
            c.execute(
                "UPDATE open_keys SET revoked_at = $1 WHERE application = $2 AND revoked_at IS NULL",
                params![now, id],
            )?;
            c.execute(
                "INSERT INTO open_keys (application, code, holder, key_hash, prefix, quota_per_day, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                params![id, &a.code, &holder, &hash, &prefix, quota, now, expires_at],
            )?;
            crate::accounts::seal_security(
                c,
                crate::accounts::SecurityEvent {
                    action: "open_key.issue",
                    target: format!("open_application:{id}"),
                    details: Some(format!("dataset {}; {quota} calls a day; prefix {prefix}", a.dataset)),
                    actor: &Actor::of(&p),
                },
                now,
            )?;
            Ok(IssuedKey {
                key,
                dataset: a.dataset,
                quota_per_day: quota,
                expires_at,
            })
        })
        .await
    }

    /// Admits one read of `code`'s rows with an open-data key: the key must be this
    /// dataset's, in force and within today's quota. The read is counted and sealed with the
    /// holder's name before any row leaves.
    pub async fn open_key_read(&self, key: &str, code: &str, what: &str) -> Result<String> {
        let invalid = || {
            DomainError::unauthenticated(
                "invalid_open_key",
                "开放数据密钥无效：请使用申请获批后领取的密钥",
                "the open-data key is not valid: use the key taken after your application was approved",
            )
        };
        if !open::is_open_key(key) {
            return Err(invalid().into());
        }
        let hash = account::secret_hash(key);
        let (code, what) = (code.to_string(), what.to_string());
        let now = self.now();
        self.write(move |c| {
            let r = c
                .query_one(
                    "SELECT id, code, holder, quota_per_day, expires_at, revoked_at FROM open_keys WHERE key_hash = $1",
                    params![&hash],
                )?
                .ok_or_else(invalid)?;
            let (id, key_code, holder, quota) = (r.int(0)?, r.text(1)?, r.text(2)?, r.int(3)?);
            account::require_token_in_force(r.opt_int(5)?, r.int(4)?, now)?;
            if key_code != code {
                return Err(DomainError::forbidden(
                    "key_not_for_dataset",
                    "该密钥不是此数据集的：每个获批申请的密钥只能用于所申请的数据集",
                    "this key is for another dataset: a key serves the dataset it was approved for",
                )
                .into());
            }
            let day = china_day(now).to_string();
            let calls = c
                .query_one(
                    "SELECT calls FROM open_key_usage WHERE key_id = $1 AND day = $2",
                    params![id, &day],
                )?
                .map(|r| r.int(0))
                .transpose()?
                .unwrap_or(0);
            if calls >= quota {
                return Err(DomainError::Throttled {
                    code: "quota_exceeded",
                    msg: shuqiao_core::error::Msg::new(
                        format!("今日调用已达上限 {quota} 次，请明日再试"),
                        format!("today's quota of {quota} calls is used up; try again tomorrow"),
                    ),
                    retry_after_secs: 3600,
                }
                .into());
            }
            c.execute(
                "INSERT INTO open_key_usage (key_id, day, calls) VALUES ($1, $2, 1)
                 ON CONFLICT (key_id, day) DO UPDATE SET calls = open_key_usage.calls + 1",
                params![id, &day],
            )?;
            let org: String = c
                .query_one("SELECT org FROM accounts WHERE username = $1", params![&holder])?
                .map(|r| r.text(0))
                .transpose()?
                .unwrap_or_default();
            crate::seal_later(
                c,
                &shuqiao_core::audit::entry::Entry {
                    time: now,
                    actor_org: org,
                    actor_system: None,
                    actor_person: Some(holder.clone()),
                    action: "open.read".into(),
                    resource: Some(code.clone()),
                    resource_version: None,
                    grant: None,
                    purpose: Some(what.clone()),
                    result: "ok".into(),
                    subjects: Vec::new(),
                },
                now,
            )?;
            Ok(holder)
        })
        .await
    }

    /// Anyone signed in asks for data that is not open yet; it goes to the likely provider.
    pub async fn file_open_request(&self, p: Principal, r: RequestInput) -> Result<OpenRequest> {
        let requester = username(&p)?;
        r.validate()?;
        let now = self.now();
        let index = self.index.clone();
        self.write(move |c| {
            let org = route_request(c, &index, &r)?;
            let days = settings(c)?.request_days;
            let (due_at, unknown) = due(c, now, days)?;
            let id = insert_id(
                c,
                "INSERT INTO open_requests (requester, title, description, org, status, filed_at, due_at, due_unknown_year)
                 VALUES ($1, $2, $3, $4, 'open', $5, $6, $7) RETURNING id",
                params![&requester, r.title.trim(), r.description.trim(), org.clone(), now, due_at, unknown],
            )?;
            emit(
                c,
                &Actor::of(&p),
                Event {
                    kind: "open_request.file",
                    subject_type: "open_request",
                    subject_id: id,
                    resource: None,
                    resource_version: None,
                    grant: None,
                    reason: Some(r.title.trim()),
                    notify: org.clone().into_iter().collect(),
                    title_zh: format!("公众数据需求：{}", r.title.trim()),
                    title_en: format!("public data request: {}", r.title.trim()),
                },
                now,
            )?;
            one_request(c, id, now)
        })
        .await
    }

    /// The department a request went to answers it (or the operator does): opening, declined
    /// with the reason, or moved to the department that holds the data.
    pub async fn answer_open_request(
        &self,
        p: Principal,
        id: i64,
        a: RequestAnswer,
    ) -> Result<OpenRequest> {
        a.validate()?;
        let now = self.now();
        self.write(move |c| {
            let r = one_request(c, id, now)?;
            let org = r.org.clone().unwrap_or_default();
            if !(p.is_platform_admin() || p.steward_orgs().contains(&org)) {
                return Err(DomainError::forbidden(
                    "not_the_provider",
                    "只有需求转到的部门的数据管理员或平台运营方可以答复",
                    "only a steward of the department the request went to, or the operator, answers it",
                )
                .into());
            }
            if r.status != "open" {
                return Err(DomainError::conflict("already_answered", "该需求已答复", "this request has already been answered").into());
            }
            let notify = if a.outcome == RequestOutcome::Redirected {
                let to = a.org.clone().unwrap_or_default();
                if crate::accounts::find_org(c, &to)?.is_none() {
                    return Err(DomainError::one(shuqiao_core::error::FieldError::new(
                        "org", "unknown_org", "没有这个部门", "no such department",
                    ))
                    .into());
                }
                let days = settings(c)?.request_days;
                let (due_at, unknown) = due(c, now, days)?;
                c.execute(
                    "UPDATE open_requests SET org = $1, due_at = $2, due_unknown_year = $3 WHERE id = $4",
                    params![&to, due_at, unknown, id],
                )?;
                vec![to]
            } else {
                let dataset = match a.dataset.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                    Some(d) => Some(released(c, d)?.2),
                    None => None,
                };
                c.execute(
                    "UPDATE open_requests SET status = 'answered', outcome = $1, answer = $2, dataset = $3,
                     answered_by = $4, answered_at = $5 WHERE id = $6",
                    params![
                        if a.outcome == RequestOutcome::Opening { "opening" } else { "declined" },
                        a.answer.trim(),
                        dataset,
                        p.actor(),
                        now,
                        id
                    ],
                )?;
                vec![]
            };
            emit(
                c,
                &Actor::of(&p),
                Event {
                    kind: "open_request.answer",
                    subject_type: "open_request",
                    subject_id: id,
                    resource: None,
                    resource_version: None,
                    grant: None,
                    reason: Some(a.answer.trim()),
                    notify,
                    title_zh: format!("公众数据需求 {id} 已答复或转办"),
                    title_en: format!("public data request {id} answered or moved"),
                },
                now,
            )?;
            one_request(c, id, now)
        })
        .await
    }

    /// Data requests, public: who asked is never shown. Newest first.
    pub async fn open_requests(
        &self,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<OpenRequest>, i64)> {
        let now = self.now();
        self.read(move |c| {
            let total = c
                .query_one("SELECT COUNT(*) FROM open_requests", &[])?
                .map(|r| r.int(0))
                .transpose()?
                .unwrap_or(0);
            let rows = c.query(
                &format!(
                    "SELECT {REQUEST_COLS} FROM open_requests ORDER BY id DESC LIMIT $1 OFFSET $2"
                ),
                params![limit.clamp(1, 200) as i64, offset as i64],
            )?;
            let out = rows
                .iter()
                .map(|r| request_from(r, now))
                .collect::<Result<Vec<_>>>()?;
            Ok((out, total))
        })
        .await
    }

    /// Feedback on a released dataset or one of its rows; the provider must answer it.
    pub async fn file_feedback(&self, p: Principal, f: FeedbackInput) -> Result<Feedback> {
        let author = username(&p)?;
        f.validate()?;
        let now = self.now();
        self.write(move |c| {
            let (code, provider, slug, _) = released(c, f.dataset.trim())?;
            let mut record_key = None;
            if let Some(row) = f.row {
                let found = c.query_one(
                    "SELECT r.record_key FROM open_rows r JOIN open_releases rl ON rl.ds = r.ds WHERE rl.code = $1 AND r.id = $2",
                    params![&code, row],
                )?;
                record_key = found.map(|r| r.text(0)).transpose()?;
                if record_key.is_none() {
                    return Err(DomainError::one(shuqiao_core::error::FieldError::new(
                        "row",
                        "unknown_row",
                        "数据集中没有这一行：请从数据预览中选择",
                        "the dataset has no such row: choose one from the preview",
                    ))
                    .into());
                }
            }
            let days = settings(c)?.feedback_days;
            let (due_at, unknown) = due(c, now, days)?;
            let id = insert_id(
                c,
                "INSERT INTO open_feedback (code, provider, row_id, author, text, status, filed_at, due_at, due_unknown_year)
                 VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8) RETURNING id",
                params![&code, &provider, f.row, &author, f.text.trim(), now, due_at, unknown],
            )?;
            emit(
                c,
                &Actor::of(&p),
                Event {
                    kind: "open_feedback.file",
                    subject_type: "open_feedback",
                    subject_id: id,
                    resource: Some(&code),
                    resource_version: None,
                    grant: None,
                    reason: Some(f.text.trim()),
                    notify: vec![provider.clone()],
                    title_zh: format!("开放数据纠错：{slug}"),
                    title_en: format!("open-data feedback on {slug}"),
                },
                now,
            )?;
            if let (Some(key), Some(row)) = (record_key, f.row) {
                crate::quality::objections::file_public(c, &p, &code, &provider, &slug, row, &key, f.text.trim(), id, now)?;
            }
            one_feedback(c, id, now)
        })
        .await
    }

    /// The provider's steward answers feedback on its dataset.
    pub async fn answer_feedback(&self, p: Principal, id: i64, answer: &str) -> Result<Feedback> {
        let answer = answer.trim().to_string();
        let now = self.now();
        self.write(move |c| {
            let f = one_feedback(c, id, now)?;
            if !may_see(&p, &f.author, &f.provider) {
                return Err(DomainError::not_found("feedback_not_found", "没有这条纠错", "no such feedback").into());
            }
            open::require_provider_steward(&p, &f.provider)?;
            let mut errs = shuqiao_core::error::Errors::default();
            errs.text("answer", "答复", &answer, 4000);
            errs.into_result()?;
            if f.status != "open" {
                return Err(DomainError::conflict("already_answered", "该纠错已答复", "this feedback has already been answered").into());
            }
            c.execute(
                "UPDATE open_feedback SET status = 'answered', answer = $1, answered_by = $2, answered_at = $3 WHERE id = $4",
                params![&answer, p.actor(), now, id],
            )?;
            emit(
                c,
                &Actor::of(&p),
                Event {
                    kind: "open_feedback.answer",
                    subject_type: "open_feedback",
                    subject_id: id,
                    resource: None,
                    resource_version: None,
                    grant: None,
                    reason: Some(&answer),
                    notify: vec![],
                    title_zh: format!("开放数据纠错 {id} 已答复"),
                    title_en: format!("open-data feedback {id} answered"),
                },
                now,
            )?;
            crate::quality::objections::answer_public(c, &p, id, &answer, now)?;
            one_feedback(c, id, now)
        })
        .await
    }

    /// Feedback as `p` may see it: an author's own, a provider's stewards' on their
    /// datasets, all for the operator and auditors.
    pub async fn feedback_list(&self, p: Principal) -> Result<Vec<Feedback>> {
        p.require_authenticated()?;
        let now = self.now();
        self.read(move |c| {
            let rows = c.query(
                &format!("SELECT {FEEDBACK_COLS} FROM open_feedback f JOIN open_releases rl ON rl.code = f.code ORDER BY f.id DESC"),
                &[],
            )?;
            let mut out = Vec::new();
            for r in &rows {
                let f = feedback_from(r, now)?;
                if may_see(&p, &f.author, &f.provider) {
                    out.push(f);
                }
            }
            Ok(out)
        })
        .await
    }
}

fn one_request(c: &mut dyn Conn, id: i64, now: i64) -> Result<OpenRequest> {
    let r = c
        .query_one(
            &format!("SELECT {REQUEST_COLS} FROM open_requests WHERE id = $1"),
            params![id],
        )?
        .ok_or_else(|| {
            DomainError::not_found(
                "open_request_not_found",
                "没有这个数据需求",
                "no such data request",
            )
        })?;
    request_from(&r, now)
}

fn one_feedback(c: &mut dyn Conn, id: i64, now: i64) -> Result<Feedback> {
    let r = c
        .query_one(
            &format!("SELECT {FEEDBACK_COLS} FROM open_feedback f JOIN open_releases rl ON rl.code = f.code WHERE f.id = $1"),
            params![id],
        )?
        .ok_or_else(|| DomainError::not_found("feedback_not_found", "没有这条纠错", "no such feedback"))?;
    feedback_from(&r, now)
}
