//! The operator's administration pages under `/console/admin/`: information systems and
//! their tokens (a new token is shown once, on a page no browser keeps), and people's
//! accounts with their roles and status. Every change goes through the same `Store` method
//! as the API, which checks core's rule and seals the change in the audit log.
use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shuqiao_core::account::{self, Account, InfoSystem, Role, RoleBinding};
use shuqiao_core::error::Errors;
use shuqiao_core::DomainError;
use shuqiao_service::accounts::TokenInfo;
use shuqiao_service::StoreError;

use super::assets;
use super::i18n::{Lang, Strings};
use super::pages::Person;
use super::text::{problems_at, problems_of, Problem};
use super::views::{self, Frame};
use super::PageError;
use crate::AppState;

// ---- shared by the operator's pages ----

/// A posted form, repeated names kept (the role checkboxes post one value each).
pub(super) struct Posted(Vec<(String, String)>);

impl Posted {
    pub(super) fn parse(body: &[u8]) -> Posted {
        Posted(url::form_urlencoded::parse(body).into_owned().collect())
    }

    pub(super) fn one(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub(super) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// Only the operator: anyone else gets the rule's own reason.
pub(super) fn require_admin(person: &Person) -> Result<(), PageError> {
    person
        .principal
        .require_platform_admin()
        .map_err(|e| PageError::from_domain(person.lang, e))
}
/// One organisation in a filter or a form's select.
pub struct OrgOption {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

pub(super) async fn org_names(st: &AppState, lang: Lang) -> Vec<(String, String)> {
    st.store
        .list_orgs()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|o| {
            let name = lang.pick(&o.name, &o.name_en).to_string();
            (o.code, name)
        })
        .collect()
}

fn options(orgs: &[(String, String)], chosen: &str) -> Vec<OrgOption> {
    orgs.iter()
        .map(|(code, name)| OrgOption {
            code: code.clone(),
            name: format!("{name}（{code}）"),
            selected: code == chosen,
        })
        .collect()
}

fn name_of(orgs: &[(String, String)], code: &str) -> String {
    orgs.iter()
        .find(|(c, _)| c == code)
        .map(|(_, n)| n.clone())
        .unwrap_or_else(|| code.to_string())
}

pub(super) fn role_label(t: &Strings, r: Role) -> &'static str {
    match r {
        Role::PlatformAdmin => t.op_role_platform_admin,
        Role::DataSteward => t.op_role_data_steward,
        Role::ConsumerUser => t.op_role_consumer_user,
        Role::Auditor => t.op_role_auditor,
        Role::LegalReviewer => t.op_role_legal_reviewer,
        Role::SecrecyReviewer => t.op_role_secrecy_reviewer,
    }
}

/// Who did it, as people know them: the log's `user:admin` is `admin`.
fn actor_label(actor: &str) -> String {
    actor
        .split_once(':')
        .map(|(_, n)| n)
        .unwrap_or(actor)
        .to_string()
}

fn percent_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    org: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

impl ListQuery {
    fn org(&self) -> Option<String> {
        self.org
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_string)
    }
}

// ---- systems ----

pub struct SystemRow {
    pub href: String,
    pub code: String,
    pub name: String,
    pub org: String,
    pub tokens: usize,
}

#[derive(Template)]
#[template(path = "console/admin_systems.html")]
pub struct SystemsPage {
    pub f: Frame,
    pub orgs: Vec<OrgOption>,
    pub rows: Vec<SystemRow>,
}

/// The systems, filtered by organisation in the URL, each with its tokens in force.
pub async fn systems(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require_admin(&person)?;
    let org = q.org();
    let systems = st
        .store
        .list_systems(org.clone())
        .await
        .map_err(|e| person.error(e))?;
    let tokens = st
        .store
        .list_tokens(None)
        .await
        .map_err(|e| person.error(e))?;
    let now = st.store.now();
    let mut in_force: HashMap<String, usize> = HashMap::new();
    for t in tokens
        .iter()
        .filter(|t| t.revoked_at.is_none() && t.expires_at > now)
    {
        *in_force.entry(t.system.clone()).or_default() += 1;
    }
    let f = person.frame("/console/admin/systems", "admin-systems");
    let lang = f.lang;
    let orgs = org_names(&st, lang).await;
    let rows = systems
        .into_iter()
        .map(|s| SystemRow {
            href: format!("/console/admin/systems/{}", percent_escape(&s.code)),
            name: lang.pick(&s.name, &s.name_en).to_string(),
            org: name_of(&orgs, &s.org),
            tokens: in_force.get(&s.code).copied().unwrap_or(0),
            code: s.code,
        })
        .collect();
    let page = SystemsPage {
        orgs: options(&orgs, org.as_deref().unwrap_or("")),
        rows,
        f,
    };
    Ok(views::html(&page).into_response())
}

#[derive(Default)]
pub struct SystemForm {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub org: String,
    pub description: String,
}

#[derive(Template)]
#[template(path = "console/admin_system_new.html")]
pub struct RegisterPage {
    pub f: Frame,
    pub orgs: Vec<OrgOption>,
    pub form: SystemForm,
    pub problems: Vec<Problem>,
}

impl RegisterPage {
    fn problems_at(&self, field: &str) -> Vec<&str> {
        problems_at(&self.problems, field)
    }
}

async fn register_page(
    st: &AppState,
    person: &Person,
    form: SystemForm,
    problems: Vec<Problem>,
) -> RegisterPage {
    let f = person.frame("/console/admin/systems/new", "admin-systems");
    let orgs = org_names(st, f.lang).await;
    RegisterPage {
        orgs: options(&orgs, &form.org),
        form,
        problems,
        f,
    }
}

pub async fn register_form(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require_admin(&person)?;
    let form = SystemForm {
        org: q.org().unwrap_or_default(),
        ..SystemForm::default()
    };
    let page = register_page(&st, &person, form, Vec::new()).await;
    Ok(views::html(&page).into_response())
}

/// Registers a system; every problem is shown at once, next to its field, input kept.
pub async fn register(
    State(st): State<AppState>,
    person: Person,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    require_admin(&person)?;
    let t = person.lang.strings();
    let form = SystemForm {
        code: posted.one("code").trim().to_string(),
        name: posted.one("name"),
        name_en: posted.one("name_en"),
        org: posted.one("org").trim().to_string(),
        description: posted.one("description"),
    };
    let system = InfoSystem {
        code: form.code.clone(),
        name: form.name.clone(),
        name_en: form.name_en.clone(),
        org: form.org.clone(),
        description: form.description.trim().to_string(),
    };
    let org_missing = form.org.is_empty();
    let problems = match st.store.create_system(&person.principal, system).await {
        Ok(s) => {
            let to = format!(
                "/console/admin/systems/{}?done=registered",
                percent_escape(&s.code)
            );
            return Ok(Redirect::to(&to).into_response());
        }
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            let mut problems = problems_of(person.lang, &errs, str::to_string);
            if org_missing {
                for p in problems.iter_mut().filter(|p| p.field == "org") {
                    p.text = t.op_org_missing.into();
                }
            }
            problems
        }
        Err(StoreError::Domain(DomainError::Conflict { msg, .. })) => vec![Problem {
            field: "code".into(),
            text: person.lang.pick(&msg.zh, &msg.en).to_string(),
        }],
        Err(e) => return Err(person.error(e)),
    };
    let page = register_page(&st, &person, form, problems).await;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, views::html(&page)).into_response())
}

pub struct TokenRow {
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub by: String,
    pub expires: String,
    pub state: &'static str,
    pub active: bool,
    pub revoke_href: String,
}

pub struct TokenForm {
    pub name: String,
    pub ttl: String,
}

#[derive(Template)]
#[template(path = "console/admin_system.html")]
pub struct SystemPage {
    pub f: Frame,
    pub action: String,
    pub title: String,
    pub rows: Vec<(&'static str, String)>,
    pub tokens: Vec<TokenRow>,
    pub form: TokenForm,
    pub problems: Vec<Problem>,
    pub notice: Option<String>,
}

impl SystemPage {
    fn problems_at(&self, field: &str) -> Vec<&str> {
        problems_at(&self.problems, field)
    }
}

fn token_state(t: &Strings, info: &TokenInfo, now: i64) -> (&'static str, bool) {
    if info.revoked_at.is_some() {
        (t.op_token_revoked, false)
    } else if info.expires_at <= now {
        (t.op_token_expired, false)
    } else {
        (t.op_token_active, true)
    }
}

async fn system_page(
    st: &AppState,
    person: &Person,
    code: &str,
    form: TokenForm,
    problems: Vec<Problem>,
    notice: Option<String>,
) -> Result<SystemPage, PageError> {
    let s = st
        .store
        .get_system(code)
        .await
        .map_err(|e| person.error(e))?;
    let tokens = st
        .store
        .list_tokens(Some(s.code.clone()))
        .await
        .map_err(|e| person.error(e))?;
    let path = format!("/console/admin/systems/{}", percent_escape(&s.code));
    let f = person.frame(&path, "admin-systems");
    let (lang, t) = (f.lang, f.t);
    let orgs = org_names(st, lang).await;
    let now = st.store.now();
    let tokens = tokens
        .iter()
        .rev()
        .map(|i| {
            let (state, active) = token_state(t, i, now);
            TokenRow {
                name: i.name.clone(),
                prefix: i.prefix.clone(),
                created: views::date(lang, i.created_at),
                by: actor_label(&i.created_by),
                expires: views::date(lang, i.expires_at),
                state,
                active,
                revoke_href: format!("/console/admin/tokens/{}/revoke", i.id),
            }
        })
        .collect();
    let name = lang.pick(&s.name, &s.name_en).to_string();
    let rows = vec![
        (t.op_label_code, s.code.clone()),
        (t.op_label_name, s.name.clone()),
        (t.op_label_name_en, s.name_en.clone()),
        (t.op_label_org, name_of(&orgs, &s.org)),
        (t.op_label_description, s.description.clone()),
    ];
    Ok(SystemPage {
        title: format!("{}{name}", t.op_system_title_before),
        action: format!("{path}/tokens"),
        rows,
        tokens,
        form,
        problems,
        notice,
        f,
    })
}

#[derive(Deserialize, Default)]
pub struct SystemQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    revoked: Option<i64>,
}

/// A system and its tokens; never a token's secret.
pub async fn system(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    Query(q): Query<SystemQuery>,
) -> Result<Response, PageError> {
    require_admin(&person)?;
    let t = person.lang.strings();
    let notice = match (q.done.as_deref(), q.revoked) {
        (_, Some(id)) => Some(format!("{}{id}", t.op_revoked_notice)),
        (Some("registered"), _) => Some(format!("{}{code}", t.op_registered)),
        _ => None,
    };
    let form = TokenForm {
        name: String::new(),
        ttl: "90".into(),
    };
    let page = system_page(&st, &person, &code, form, Vec::new(), notice).await?;
    Ok(views::html(&page).into_response())
}

#[derive(Template)]
#[template(path = "console/admin_token_issued.html")]
pub struct IssuedPage {
    pub f: Frame,
    pub token: String,
    pub rows: Vec<(&'static str, String)>,
    pub system_href: String,
    pub copy_src: String,
}

/// Issues a token and shows it this once, on a page neither the browser nor a proxy keeps;
/// the system's page never shows it again.
pub async fn issue(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    require_admin(&person)?;
    let lang = person.lang;
    let t = lang.strings();
    let form = TokenForm {
        name: posted.one("name"),
        ttl: posted.one("ttl").trim().to_string(),
    };
    let ttl = form
        .ttl
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=730).contains(d));
    let problems = match ttl {
        None => {
            // The token is not issued; the name's own rule is reported with the days.
            let mut errs = Errors::default();
            errs.text("name", "令牌名称", &form.name, 100);
            let mut problems = problems_of(lang, &errs.0, str::to_string);
            problems.push(Problem {
                field: "ttl".into(),
                text: t.op_ttl_invalid.into(),
            });
            problems
        }
        Some(days) => match st
            .store
            .issue_token(&person.principal, &code, &form.name, days)
            .await
        {
            Ok((token, info)) => return Ok(issued_page(&st, &person, token, info).await),
            Err(StoreError::Domain(DomainError::Invalid(errs))) => {
                problems_of(lang, &errs, |f| match f {
                    "ttl_days" => "ttl".into(),
                    other => other.into(),
                })
            }
            Err(e) => return Err(person.error(e)),
        },
    };
    let page = system_page(&st, &person, &code, form, problems, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, views::html(&page)).into_response())
}

async fn issued_page(st: &AppState, person: &Person, token: String, info: TokenInfo) -> Response {
    let system_href = format!("/console/admin/systems/{}", percent_escape(&info.system));
    let f = person.frame(&system_href, "admin-systems");
    let (lang, t) = (f.lang, f.t);
    let system = match st.store.get_system(&info.system).await {
        Ok(s) => format!("{}（{}）", lang.pick(&s.name, &s.name_en), s.code),
        Err(_) => info.system.clone(),
    };
    let rows = vec![
        (t.op_col_system, system),
        (t.op_col_token_name, info.name.clone()),
        (t.op_col_prefix, info.prefix.clone()),
        (t.op_col_expires, views::date(lang, info.expires_at)),
    ];
    let page = IssuedPage {
        f,
        token,
        rows,
        system_href,
        copy_src: assets::copy_src(),
    };
    (
        [
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store, max-age=0"),
            ),
            (header::PRAGMA, HeaderValue::from_static("no-cache")),
        ],
        views::html(&page),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "console/admin_token_revoke.html")]
pub struct RevokePage {
    pub f: Frame,
    pub id: i64,
    pub rows: Vec<(&'static str, String)>,
    pub system_href: String,
    pub revoked: bool,
}

async fn revoke_page(st: &AppState, person: &Person, id: i64) -> Result<RevokePage, PageError> {
    let info = st.store.get_token(id).await.map_err(|e| person.error(e))?;
    let f = person.frame(
        &format!("/console/admin/tokens/{id}/revoke"),
        "admin-systems",
    );
    let (lang, t) = (f.lang, f.t);
    let system = match st.store.get_system(&info.system).await {
        Ok(s) => format!("{}（{}）", lang.pick(&s.name, &s.name_en), s.code),
        Err(_) => info.system.clone(),
    };
    let (state, _) = token_state(t, &info, st.store.now());
    let rows = vec![
        (t.op_col_system, system),
        (t.op_col_token_name, info.name.clone()),
        (t.op_col_prefix, info.prefix.clone()),
        (t.op_col_created, views::date(lang, info.created_at)),
        (t.op_col_expires, views::date(lang, info.expires_at)),
        (t.op_col_state, state.to_string()),
    ];
    Ok(RevokePage {
        id,
        rows,
        system_href: format!("/console/admin/systems/{}", percent_escape(&info.system)),
        revoked: info.revoked_at.is_some(),
        f,
    })
}

/// The confirm step: what will stop working, before it does.
pub async fn revoke_form(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    require_admin(&person)?;
    let page = revoke_page(&st, &person, id).await?;
    Ok(views::html(&page).into_response())
}

pub async fn revoke(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    require_admin(&person)?;
    match st.store.revoke_token(&person.principal, id).await {
        Ok(info) => {
            let to = format!(
                "/console/admin/systems/{}?revoked={id}",
                percent_escape(&info.system)
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(StoreError::Domain(DomainError::Conflict { .. })) => {
            let page = revoke_page(&st, &person, id).await?;
            Ok((StatusCode::CONFLICT, views::html(&page)).into_response())
        }
        Err(e) => Err(person.error(e)),
    }
}

// ---- accounts ----

pub struct AccountRow {
    pub href: String,
    pub username: String,
    pub name: String,
    pub org: String,
    pub roles: String,
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "console/admin_accounts.html")]
pub struct AccountsPage {
    pub f: Frame,
    pub orgs: Vec<OrgOption>,
    pub status: String,
    pub rows: Vec<AccountRow>,
}

fn roles_text(t: &Strings, orgs: &[(String, String)], a: &Account) -> String {
    if a.roles.is_empty() {
        return t.op_no_roles.into();
    }
    a.roles
        .iter()
        .map(|b| {
            if b.org == a.org {
                role_label(t, b.role).to_string()
            } else {
                format!("{}（{}）", role_label(t, b.role), name_of(orgs, &b.org))
            }
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// Accounts, filtered by organisation and status in the URL.
pub async fn accounts(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require_admin(&person)?;
    let org = q.org();
    let status = q.status.clone().unwrap_or_default();
    let all = st
        .store
        .list_accounts()
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame("/console/admin/accounts", "admin-accounts");
    let (lang, t) = (f.lang, f.t);
    let orgs = org_names(&st, lang).await;
    let rows = all
        .into_iter()
        .filter(|a| org.as_deref().is_none_or(|o| a.org == o))
        .filter(|a| match status.as_str() {
            "disabled" => a.disabled,
            "active" => !a.disabled,
            _ => true,
        })
        .map(|a| AccountRow {
            href: format!("/console/admin/accounts/{}", percent_escape(&a.username)),
            roles: roles_text(t, &orgs, &a),
            org: name_of(&orgs, &a.org),
            name: a.display_name.clone(),
            disabled: a.disabled,
            username: a.username,
        })
        .collect();
    let page = AccountsPage {
        orgs: options(&orgs, org.as_deref().unwrap_or("")),
        status,
        rows,
        f,
    };
    Ok(views::html(&page).into_response())
}

/// One role's checkbox.
pub struct RoleOption {
    pub code: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

fn role_options(t: &Strings, checked: &[String]) -> Vec<RoleOption> {
    Role::ALL
        .into_iter()
        .map(|r| RoleOption {
            code: r.as_str(),
            label: role_label(t, r),
            checked: checked.iter().any(|c| c == r.as_str()),
        })
        .collect()
}

#[derive(Default)]
pub struct AccountForm {
    pub username: String,
    pub display_name: String,
    pub org: String,
    pub roles: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/admin_account_new.html")]
pub struct CreateAccountPage {
    pub f: Frame,
    pub orgs: Vec<OrgOption>,
    pub roles: Vec<RoleOption>,
    pub form: AccountForm,
    pub problems: Vec<Problem>,
}

impl CreateAccountPage {
    fn problems_at(&self, field: &str) -> Vec<&str> {
        problems_at(&self.problems, field)
    }
}

async fn create_page(
    st: &AppState,
    person: &Person,
    form: AccountForm,
    problems: Vec<Problem>,
) -> CreateAccountPage {
    let f = person.frame("/console/admin/accounts/new", "admin-accounts");
    let orgs = org_names(st, f.lang).await;
    CreateAccountPage {
        orgs: options(&orgs, &form.org),
        roles: role_options(f.t, &form.roles),
        form,
        problems,
        f,
    }
}

pub async fn create_form(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require_admin(&person)?;
    let form = AccountForm {
        org: q.org().unwrap_or_default(),
        ..AccountForm::default()
    };
    let page = create_page(&st, &person, form, Vec::new()).await;
    Ok(views::html(&page).into_response())
}

/// The form's control for a rule's field: the first role checkbox stands for the roles.
fn account_control(field: &str) -> String {
    if field.starts_with("roles") {
        "roles".into()
    } else {
        field.into()
    }
}

/// Creates an account with the API's rules (core's `validate_account`: the username, the
/// name, the initial password, at least one role); every problem at once.
pub async fn create(
    State(st): State<AppState>,
    person: Person,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    require_admin(&person)?;
    let lang = person.lang;
    let t = lang.strings();
    let form = AccountForm {
        username: posted.one("username").trim().to_string(),
        display_name: posted.one("display_name"),
        org: posted.one("org").trim().to_string(),
        roles: posted.all("role"),
    };
    let password = posted.one("password");
    let roles: Vec<RoleBinding> = form
        .roles
        .iter()
        .filter_map(|r| Role::parse(r))
        .map(|role| RoleBinding {
            role,
            org: form.org.clone(),
        })
        .collect();
    let a = Account {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        org: form.org.clone(),
        roles,
        disabled: false,
    };
    let mut problems = match account::validate_account(&a, &password) {
        Err(DomainError::Invalid(errs)) => problems_of(lang, &errs, account_control),
        _ => Vec::new(),
    };
    if form.org.is_empty() {
        problems.push(Problem {
            field: "org".into(),
            text: t.op_org_missing.into(),
        });
    }
    if problems.is_empty() {
        match st
            .store
            .create_account(&person.principal, a, password)
            .await
        {
            Ok(a) => {
                let to = format!(
                    "/console/admin/accounts/{}?done=created",
                    percent_escape(&a.username)
                );
                return Ok(Redirect::to(&to).into_response());
            }
            Err(StoreError::Domain(DomainError::Invalid(errs))) => {
                problems = problems_of(lang, &errs, account_control);
            }
            Err(StoreError::Domain(DomainError::Conflict { msg, .. })) => problems.push(Problem {
                field: "username".into(),
                text: lang.pick(&msg.zh, &msg.en).to_string(),
            }),
            Err(e) => return Err(person.error(e)),
        }
    }
    // Keep the problems in the order of the form's fields.
    let order = ["username", "display_name", "org", "roles", "password"];
    problems.sort_by_key(|p| order.iter().position(|o| *o == p.field).unwrap_or(9));
    let page = create_page(&st, &person, form, problems).await;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, views::html(&page)).into_response())
}

#[derive(Template)]
#[template(path = "console/admin_account.html")]
pub struct AccountPage {
    pub f: Frame,
    pub base: String,
    pub title: String,
    pub rows: Vec<(&'static str, String)>,
    pub roles: Vec<RoleOption>,
    pub elsewhere: String,
    pub disabled: bool,
    pub problems: Vec<Problem>,
    pub notice: Option<&'static str>,
}

impl AccountPage {
    fn problems_at(&self, field: &str) -> Vec<&str> {
        problems_at(&self.problems, field)
    }
}

async fn account_page(
    st: &AppState,
    person: &Person,
    username: &str,
    checked: Option<Vec<String>>,
    problems: Vec<Problem>,
    notice: Option<&'static str>,
) -> Result<AccountPage, PageError> {
    let a = st
        .store
        .get_account(username)
        .await
        .map_err(|e| person.error(e))?;
    let base = format!("/console/admin/accounts/{}", percent_escape(&a.username));
    let f = person.frame(&base, "admin-accounts");
    let (lang, t) = (f.lang, f.t);
    let orgs = org_names(st, lang).await;
    let own: Vec<String> = a
        .roles
        .iter()
        .filter(|b| b.org == a.org)
        .map(|b| b.role.as_str().to_string())
        .collect();
    let elsewhere = a
        .roles
        .iter()
        .filter(|b| b.org != a.org)
        .map(|b| format!("{}（{}）", role_label(t, b.role), name_of(&orgs, &b.org)))
        .collect::<Vec<_>>()
        .join("、");
    let rows = vec![
        (t.op_col_username, a.username.clone()),
        (t.op_col_display_name, a.display_name.clone()),
        (t.op_col_org, name_of(&orgs, &a.org)),
        (t.op_col_roles, roles_text(t, &orgs, &a)),
        (
            t.col_status,
            if a.disabled {
                t.op_account_disabled
            } else {
                t.op_account_enabled
            }
            .to_string(),
        ),
    ];
    Ok(AccountPage {
        title: format!("{}{}", t.op_account_title_before, a.display_name),
        base,
        rows,
        roles: role_options(t, checked.as_deref().unwrap_or(&own)),
        elsewhere,
        disabled: a.disabled,
        problems,
        notice,
        f,
    })
}

pub async fn account(
    State(st): State<AppState>,
    person: Person,
    Path(username): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require_admin(&person)?;
    let t = person.lang.strings();
    let notice = match q.done.as_deref() {
        Some("created") => Some(t.op_created),
        Some("roles") => Some(t.op_roles_saved),
        Some("disabled") => Some(t.op_disabled_notice),
        Some("enabled") => Some(t.op_enabled_notice),
        _ => None,
    };
    let page = account_page(&st, &person, &username, None, Vec::new(), notice).await?;
    Ok(views::html(&page).into_response())
}

/// Replaces the roles held in the account's own organisation (those elsewhere are kept).
pub async fn set_roles(
    State(st): State<AppState>,
    person: Person,
    Path(username): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    require_admin(&person)?;
    let a = st
        .store
        .get_account(&username)
        .await
        .map_err(|e| person.error(e))?;
    let checked = posted.all("role");
    let mut roles: Vec<RoleBinding> = a.roles.iter().filter(|b| b.org != a.org).cloned().collect();
    roles.extend(
        checked
            .iter()
            .filter_map(|r| Role::parse(r))
            .map(|role| RoleBinding {
                role,
                org: a.org.clone(),
            }),
    );
    let problems = match st
        .store
        .set_roles(&person.principal, &username, roles)
        .await
    {
        Ok(_) => {
            let to = format!(
                "/console/admin/accounts/{}?done=roles",
                percent_escape(&username)
            );
            return Ok(Redirect::to(&to).into_response());
        }
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            problems_of(person.lang, &errs, account_control)
        }
        Err(e) => return Err(person.error(e)),
    };
    let page = account_page(&st, &person, &username, Some(checked), problems, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, views::html(&page)).into_response())
}

/// Disables or enables an account.
pub async fn set_status(
    State(st): State<AppState>,
    person: Person,
    Path(username): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    require_admin(&person)?;
    let disable = posted.one("action") == "disable";
    let done = if disable { "disabled" } else { "enabled" };
    let to = format!(
        "/console/admin/accounts/{}?done={done}",
        percent_escape(&username)
    );
    let problems = match st
        .store
        .set_account_disabled(&person.principal, &username, disable)
        .await
    {
        Ok(_) | Err(StoreError::Domain(DomainError::Conflict { .. })) => {
            return Ok(Redirect::to(&to).into_response())
        }
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            problems_of(person.lang, &errs, |_| "status".to_string())
        }
        Err(e) => return Err(person.error(e)),
    };
    let page = account_page(&st, &person, &username, None, problems, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, views::html(&page)).into_response())
}
