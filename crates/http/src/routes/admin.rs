//! Organisations, accounts, information systems and tokens.
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use shuqiao_core::account::{Account, InfoSystem, Principal, Role, RoleBinding};
use shuqiao_core::org::Org;
use shuqiao_core::DomainError;
use shuqiao_service::accounts::TokenInfo;

use crate::error::ApiResult;
use crate::extract::{Caller, Gate, JsonBody, Operator, Path, Query};
use crate::AppState;

#[derive(Serialize)]
pub struct List<T> {
    pub items: Vec<T>,
    pub total: usize,
}

impl<T> From<shuqiao_service::share::Listed<T>> for List<T> {
    fn from(l: shuqiao_service::share::Listed<T>) -> Self {
        List {
            total: l.total as usize,
            items: l.items,
        }
    }
}

impl<T> From<Vec<T>> for List<T> {
    fn from(items: Vec<T>) -> Self {
        List {
            total: items.len(),
            items,
        }
    }
}

/// Operators and auditors oversee everything; a department's own people see their own.
fn require_oversight_or_org(p: &Principal, org: Option<&str>) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if p.is_platform_admin() || p.has_role(Role::Auditor) {
        return Ok(());
    }
    let own = match p {
        Principal::Person { org: o, .. } | Principal::System { org: o, .. } => Some(o.as_str()),
        Principal::Anonymous => None,
    };
    if org.is_some() && own == org {
        return Ok(());
    }
    Err(DomainError::forbidden(
        "requires_oversight",
        "只有平台管理员、审计人员或本单位人员可以查看",
        "only platform administrators, auditors or the organisation's own staff may see this",
    ))
}

pub async fn list_orgs(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<List<Org>>> {
    p.require_authenticated()?;
    Ok(Json(st.store.list_orgs().await?.into()))
}

pub async fn get_org(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<Org>> {
    p.require_authenticated()?;
    Ok(Json(st.store.get_org(&code).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    #[serde(flatten)]
    pub org: Org,
    /// Admit a real credit code that fails its check digit; the reason is kept.
    #[serde(default)]
    pub credit_code_override_reason: Option<String>,
}

pub async fn create_org(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    JsonBody(req): JsonBody<NewOrg>,
) -> ApiResult<(StatusCode, Json<Org>)> {
    p.require_platform_admin()?;
    let reason = req
        .credit_code_override_reason
        .filter(|r| !r.trim().is_empty());
    let org = st.store.create_org(req.org, reason).await?;
    tracing::info!(actor = %p.actor(), org = %org.code, "organisation created");
    Ok((StatusCode::CREATED, Json(org)))
}

pub async fn list_accounts(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<List<Account>>> {
    require_oversight_or_org(&p, None)?;
    Ok(Json(st.store.list_accounts().await?.into()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub org: String,
    pub roles: Vec<RoleBinding>,
    pub password: String,
}

pub async fn create_account(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    JsonBody(req): JsonBody<NewAccount>,
) -> ApiResult<(StatusCode, Json<Account>)> {
    p.require_platform_admin()?;
    let a = Account {
        username: req.username.trim().to_string(),
        display_name: req.display_name,
        org: req.org,
        roles: req.roles,
        disabled: false,
    };
    let a = st.store.create_account(&p, a, req.password).await?;
    tracing::info!(actor = %p.actor(), username = %a.username, "account created");
    Ok((StatusCode::CREATED, Json(a)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRoles {
    pub roles: Vec<RoleBinding>,
}

/// Replaces an account's roles; sealed as `account.roles` with the roles before and after.
pub async fn set_roles(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    Path(username): Path<String>,
    JsonBody(req): JsonBody<NewRoles>,
) -> ApiResult<Json<Account>> {
    let a = st.store.set_roles(&p, &username, req.roles).await?;
    tracing::info!(actor = %p.actor(), username = %a.username, "account roles changed");
    Ok(Json(a))
}

/// Disables an account: its sessions end at once. Sealed as `account.disable`.
pub async fn disable_account(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    Path(username): Path<String>,
) -> ApiResult<Json<Account>> {
    let a = st.store.set_account_disabled(&p, &username, true).await?;
    tracing::info!(actor = %p.actor(), username = %a.username, "account disabled");
    Ok(Json(a))
}

/// Enables a disabled account again. Sealed as `account.enable`.
pub async fn enable_account(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    Path(username): Path<String>,
) -> ApiResult<Json<Account>> {
    let a = st.store.set_account_disabled(&p, &username, false).await?;
    tracing::info!(actor = %p.actor(), username = %a.username, "account enabled");
    Ok(Json(a))
}

#[derive(Deserialize)]
pub struct SystemFilter {
    pub org: Option<String>,
}

pub async fn list_systems(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(f): Query<SystemFilter>,
) -> ApiResult<Json<List<InfoSystem>>> {
    p.require_authenticated()?;
    Ok(Json(st.store.list_systems(f.org).await?.into()))
}

pub async fn get_system(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<InfoSystem>> {
    p.require_authenticated()?;
    Ok(Json(st.store.get_system(&code).await?))
}

pub async fn create_system(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    JsonBody(s): JsonBody<InfoSystem>,
) -> ApiResult<(StatusCode, Json<InfoSystem>)> {
    p.require_platform_admin()?;
    let s = st.store.create_system(&p, s).await?;
    tracing::info!(actor = %p.actor(), system = %s.code, "information system registered");
    Ok((StatusCode::CREATED, Json(s)))
}

pub async fn list_tokens(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<List<TokenInfo>>> {
    let system = st.store.get_system(&code).await?;
    require_oversight_or_org(&p, Some(&system.org))?;
    Ok(Json(st.store.list_tokens(Some(code)).await?.into()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
    /// Validity in days (1–730).
    #[serde(default = "default_ttl")]
    pub ttl_days: u32,
}

fn default_ttl() -> u32 {
    90
}

#[derive(Serialize)]
pub struct IssuedToken {
    /// The token itself: shown this once and never again. Store it in the system's secrets.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

pub async fn issue_token(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    Path(code): Path<String>,
    JsonBody(req): JsonBody<NewToken>,
) -> ApiResult<(StatusCode, Json<IssuedToken>)> {
    p.require_platform_admin()?;
    if !(1..=730).contains(&req.ttl_days) {
        return Err(DomainError::one(shuqiao_core::FieldError::new(
            "ttl_days",
            "invalid_ttl",
            "有效期须为 1–730 天",
            "ttl_days must be between 1 and 730",
        ))
        .into());
    }
    let (token, info) = st
        .store
        .issue_token(&p, &code, &req.name, req.ttl_days)
        .await?;
    tracing::info!(actor = %p.actor(), system = %code, token_id = info.id, "token issued");
    Ok((StatusCode::CREATED, Json(IssuedToken { token, info })))
}

pub async fn revoke_token(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<TokenInfo>> {
    p.require_platform_admin()?;
    let info = st.store.revoke_token(&p, id).await?;
    tracing::info!(actor = %p.actor(), token_id = id, "token revoked");
    Ok(Json(info))
}

/// Where the server's memory is (resident set, SQLite's caches, the served-records cache):
/// the operator and auditors only.
pub async fn memory(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<shuqiao_service::operator::MemoryReport>> {
    Ok(Json(st.store.memory_report(&p)?))
}
