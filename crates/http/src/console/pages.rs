//! The console's pages. Each handler gets the person from the session cookie (or sends the
//! visitor to sign in), asks the `Store` as the API would, and renders a template.
use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use shuqiao_core::account::{self, token_kind, Principal, TokenKind};
use shuqiao_core::share;
use shuqiao_core::DomainError;
use shuqiao_service::share::ShareFilter;
use shuqiao_service::todos::Todos;
use shuqiao_service::StoreError;

use super::i18n::{Lang, Strings};
use super::session::{self, LANG_COOKIE, LOGIN_COOKIE, SESSION_COOKIE};
use super::views::{self, DeadlineView, Frame, PersonBar, TodoRow};
use super::PageError;
use crate::AppState;

/// The signed-in person of a console request, with what the header shows.
pub struct Person {
    pub principal: Principal,
    pub secret: String,
    pub lang: Lang,
    bar: PersonBar,
}

impl Person {
    /// The frame of a page of this person's at `path`.
    pub(super) fn frame(&self, path: &str, current: &'static str) -> Frame {
        let bar = PersonBar {
            name: self.bar.name.clone(),
            org: self.bar.org.clone(),
            csrf: self.bar.csrf.clone(),
            may_supervise: self.bar.may_supervise,
            principal: self.principal.clone(),
        };
        Frame::signed_in(self.lang, path, current, bar)
    }

    pub(super) fn error(&self, e: StoreError) -> PageError {
        PageError::from_store(self.lang, e)
    }

    /// Refuses a state-changing request from another site or without this session's token.
    pub(super) fn check_form(
        &self,
        headers: &HeaderMap,
        st: &AppState,
        token: &str,
    ) -> Result<(), PageError> {
        if session::cross_site(headers, &st.console) || !session::csrf_ok(&self.secret, token) {
            return Err(PageError::CrossSite(self.lang));
        }
        Ok(())
    }
}

impl FromRequestParts<AppState> for Person {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, PageError> {
        let lang = session::lang_of(&parts.headers);
        // Only a person's session opens the console; a system token in a cookie is nobody.
        let secret = session::cookie(&parts.headers, SESSION_COOKIE)
            .filter(|s| token_kind(s) == Some(TokenKind::Session))
            .ok_or(PageError::SignIn)?;
        let principal = match st.store.authenticate(&secret).await {
            Ok(Some(p @ Principal::Person { .. })) => p,
            Ok(_) => return Err(PageError::SignIn),
            Err(e) => return Err(PageError::from_store(lang, e)),
        };
        let Principal::Person { username, .. } = &principal else {
            return Err(PageError::SignIn);
        };
        let account = st
            .store
            .get_account(username)
            .await
            .map_err(|e| PageError::from_store(lang, e))?;
        let org = match st.store.get_org(&account.org).await {
            Ok(o) => lang.pick(&o.name, &o.name_en).to_string(),
            Err(_) => account.org.clone(),
        };
        let bar = PersonBar {
            name: account.display_name,
            org,
            csrf: session::csrf_token(&secret),
            may_supervise: may_supervise(&principal),
            principal: principal.clone(),
        };
        Ok(Person {
            principal,
            secret,
            lang,
            bar,
        })
    }
}

/// Whether the supervision list is the person's to see: the rule `supervision_list` applies.
fn may_supervise(p: &Principal) -> bool {
    share::sees_everything(p) || p.require_platform_admin().is_ok()
}

fn lang_of(headers: &HeaderMap) -> Lang {
    session::lang_of(headers)
}

// ---- signing in and out ----

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// The sign-in form, with a pre-session token kept in a cookie (double submit): a form posted
/// from another site cannot carry it. Someone already signed in goes to their to-dos.
pub async fn login_form(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if signed_in(&st, &headers).await {
        return Redirect::to("/console/").into_response();
    }
    let token = session::cookie(&headers, LOGIN_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(|| account::new_secret(""));
    login_page(
        &st,
        lang_of(&headers),
        token,
        String::new(),
        None,
        StatusCode::OK,
    )
}

async fn signed_in(st: &AppState, headers: &HeaderMap) -> bool {
    match session::cookie(headers, SESSION_COOKIE) {
        Some(s) if token_kind(&s) == Some(TokenKind::Session) => {
            matches!(
                st.store.authenticate(&s).await,
                Ok(Some(Principal::Person { .. }))
            )
        }
        _ => false,
    }
}

fn login_page(
    st: &AppState,
    lang: Lang,
    token: String,
    username: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let cookie = session::set_cookie(&st.console, LOGIN_COOKIE, &token, 3600);
    let page = views::LoginPage {
        f: Frame::anonymous(lang, "/console/login"),
        token,
        username,
        error,
    };
    (status, [(header::SET_COOKIE, cookie)], views::html(&page)).into_response()
}

/// Signs in through the same `Store::login` as the API, so throttling and lockout are the
/// same; the session secret goes into an `HttpOnly` cookie.
pub async fn login(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = lang_of(&headers);
    let expected = session::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if session::cross_site(&headers, &st.console) || !session::same_secret(&expected, &form.csrf) {
        return PageError::CrossSite(lang).into_response();
    }
    let t = lang.strings();
    let username = form.username.trim().to_string();
    let retry = |msg: String, status| {
        login_page(
            &st,
            lang,
            expected.clone(),
            username.clone(),
            Some(msg),
            status,
        )
    };
    if username.is_empty() || form.password.is_empty() {
        return retry(t.login_missing.into(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let client = account::client_address_key(peer.ip());
    match st.store.login(&username, &form.password, &client).await {
        Ok((secret, account)) => {
            tracing::info!(username = %account.username, "signed in to the console");
            let cookie = session::set_cookie(
                &st.console,
                SESSION_COOKIE,
                &secret,
                session::SESSION_COOKIE_SECS,
            );
            let clear = session::set_cookie(&st.console, LOGIN_COOKIE, "", 0);
            let mut resp = Redirect::to("/console/").into_response();
            resp.headers_mut().append(header::SET_COOKIE, cookie);
            resp.headers_mut().append(header::SET_COOKIE, clear);
            resp
        }
        Err(StoreError::Domain(DomainError::Throttled {
            retry_after_secs, ..
        })) => retry(
            locked_message(t, retry_after_secs),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(StoreError::Domain(DomainError::Unauthenticated { .. })) => {
            retry(t.login_wrong.into(), StatusCode::UNAUTHORIZED)
        }
        Err(e) => PageError::from_store(lang, e).into_response(),
    }
}

/// The lockout, with the minutes left rounded up so "try again in 0 minutes" never shows.
fn locked_message(t: &Strings, retry_after_secs: u64) -> String {
    let minutes = retry_after_secs.div_ceil(60).max(1);
    format!("{}{minutes}{}", t.login_locked_before, t.login_locked_after)
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
}

/// Revokes the session in the database (the cookie alone would still work elsewhere) and
/// clears the cookie.
pub async fn logout(
    State(st): State<AppState>,
    person: Person,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    person.check_form(&headers, &st, &form.csrf)?;
    st.store
        .logout(&person.secret)
        .await
        .map_err(|e| person.error(e))?;
    let clear = session::set_cookie(&st.console, SESSION_COOKIE, "", 0);
    Ok((
        [(header::SET_COOKIE, clear)],
        Redirect::to("/console/login"),
    )
        .into_response())
}

// ---- language ----

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Remembers the chosen language for a year and goes back to the page it was chosen on
/// (only a console page, so the switch cannot send anyone elsewhere).
pub async fn switch_language(
    State(st): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
) -> Response {
    let Some(lang) = Lang::parse(&code) else {
        return PageError::NotFound(Lang::Zh).into_response();
    };
    let back = q
        .next
        .filter(|n| is_console_path(n))
        .unwrap_or_else(|| "/console/".into());
    let cookie = session::set_cookie(&st.console, LANG_COOKIE, lang.code(), 365 * 24 * 3600);
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}

fn is_console_path(p: &str) -> bool {
    p.starts_with("/console") && !p.contains("//") && !p.contains('\\')
}

// ---- the person's work ----

pub async fn home(State(st): State<AppState>, person: Person) -> Result<Response, PageError> {
    let todos = st
        .store
        .todos(person.principal.clone())
        .await
        .map_err(|e| person.error(e))?;
    let orgs = org_names(&st, person.lang).await;
    let page = home_page(person.frame("/console/", "home"), todos, &orgs);
    Ok(views::html(&page).into_response())
}

/// Organisations' names in the page's language, so lines name departments, not codes.
async fn org_names(st: &AppState, lang: Lang) -> OrgNames {
    OrgNames(super::text::org_names(st, lang).await)
}

struct OrgNames(HashMap<String, String>);

impl OrgNames {
    fn of(&self, code: &str) -> String {
        self.0
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }
}

fn home_page(f: Frame, todos: Todos, orgs: &OrgNames) -> views::HomePage {
    let (lang, t) = (f.lang, f.t);
    let answers: Vec<TodoRow> = todos
        .answers
        .into_iter()
        .map(|a| TodoRow {
            href: format!("/console/applications/{}", a.application.id),
            title: lang
                .pick(&a.resource_name.zh, &a.resource_name.en)
                .to_string(),
            party: orgs.of(&a.application.consumer_org),
            when: views::date(lang, a.application.filed_at),
            deadline: Some(DeadlineView::new(t, a.deadline)),
        })
        .collect();
    let reviews: Vec<TodoRow> = todos
        .reviews
        .into_iter()
        .map(|p| TodoRow {
            href: format!("/console/negative-proposals/{}", p.id),
            title: format!(
                "{}：{}",
                if p.action == "remove" {
                    t.remove_from_list
                } else {
                    t.add_to_list
                },
                p.resource
            ),
            party: orgs.of(&p.provider),
            when: views::date(lang, p.proposed_at),
            deadline: None,
        })
        .collect();
    let needs: Vec<TodoRow> = todos
        .needs
        .into_iter()
        .map(|n| TodoRow {
            href: format!("/console/needs/{}", n.id),
            title: n.title,
            party: orgs.of(&n.org),
            when: views::date(lang, n.created_at),
            deadline: None,
        })
        .collect();
    let imports: Vec<TodoRow> = todos
        .failed_imports
        .into_iter()
        .map(|b| TodoRow {
            href: format!("/console/batches/{}", b.batch),
            title: lang
                .pick(&b.resource_name.zh, &b.resource_name.en)
                .to_string(),
            party: if b.status == "failed" {
                t.import_failed.to_string()
            } else {
                t.import_rejected.to_string()
            },
            when: views::date(lang, b.started_at),
            deadline: None,
        })
        .collect();
    let nothing = todos.unread == 0
        && answers.is_empty()
        && reviews.is_empty()
        && needs.is_empty()
        && imports.is_empty();
    views::HomePage {
        f,
        answers,
        reviews,
        needs,
        imports,
        unread: todos.unread,
        nothing,
    }
}

const INBOX_PAGE: u32 = 50;

#[derive(Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    offset: u32,
    #[serde(default)]
    done: Option<String>,
}

pub async fn inbox(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let filter = ShareFilter {
        limit: INBOX_PAGE,
        offset: q.offset,
        ..ShareFilter::default()
    };
    let listed = st
        .store
        .inbox(person.principal.clone(), filter, false)
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame("/console/inbox", "inbox");
    let lang = f.lang;
    let messages = listed
        .items
        .into_iter()
        .map(|m| views::MessageRow {
            id: m.id,
            title: lang.pick(&m.title_zh, &m.title_en).to_string(),
            when: views::date(lang, m.created_at),
            unread: m.read_at.is_none(),
        })
        .collect();
    let page_at = |offset: u32| format!("/console/inbox?offset={offset}");
    let next_offset = q.offset + INBOX_PAGE;
    let page = views::InboxPage {
        notice: q
            .done
            .as_deref()
            .filter(|d| *d == "read")
            .map(|_| f.t.marked_read),
        f,
        messages,
        total: listed.total,
        prev: (q.offset > 0).then(|| page_at(q.offset.saturating_sub(INBOX_PAGE))),
        next: (u64::from(next_offset) < listed.total).then(|| page_at(next_offset)),
    };
    Ok(views::html(&page).into_response())
}

pub async fn mark_read(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    person.check_form(&headers, &st, &form.csrf)?;
    st.store
        .mark_read(person.principal.clone(), id)
        .await
        .map_err(|e| person.error(e))?;
    Ok(Redirect::to("/console/inbox?done=read").into_response())
}

/// The operator's supervision list (督办); anyone else is told why not.
pub async fn supervision(
    State(st): State<AppState>,
    person: Person,
) -> Result<Response, PageError> {
    let apps = st
        .store
        .supervision_list(person.principal.clone())
        .await
        .map_err(|e| person.error(e))?;
    let orgs = org_names(&st, person.lang).await;
    let f = person.frame("/console/supervision", "supervision");
    let (lang, t) = (f.lang, f.t);
    let rows = apps
        .into_iter()
        .map(|a| TodoRow {
            href: format!("/console/applications/{}", a.id),
            title: a.resource.clone(),
            party: orgs.of(&a.provider),
            when: views::date(lang, a.filed_at),
            deadline: Some(DeadlineView {
                text: a
                    .due_date
                    .clone()
                    .unwrap_or_else(|| t.deadline_unknown.into()),
                overdue: a.overdue,
            }),
        })
        .collect();
    Ok(views::html(&views::SupervisionPage { f, rows }).into_response())
}

// ---- read-only views of the to-dos' items ----

fn detail(f: Frame, title: &str, rows: Vec<(&'static str, String)>) -> Response {
    let page = views::DetailPage {
        f,
        title: title.to_string(),
        rows,
    };
    views::html(&page).into_response()
}

pub async fn application(
    st: State<AppState>,
    person: Person,
    id: Path<i64>,
    q: Query<super::decisions::DoneQuery>,
) -> Result<Response, PageError> {
    super::decisions::application(st, person, id, q).await
}

pub async fn proposal(
    st: State<AppState>,
    person: Person,
    id: Path<i64>,
    q: Query<super::decisions::DoneQuery>,
) -> Result<Response, PageError> {
    super::decisions::proposal(st, person, id, q).await
}

pub async fn need(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let n = st
        .store
        .get_need(person.principal.clone(), id)
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame(&format!("/console/needs/{id}"), "");
    let t = f.t;
    let title = format!("{} {}", t.detail_title_need, n.id);
    let rows = vec![
        (t.col_title, n.title),
        (t.col_org, n.org),
        (t.field_description, n.description),
        (t.col_resource, n.resource.unwrap_or_default()),
        (t.col_status, n.status),
        (t.col_filed, views::date(f.lang, n.created_at)),
    ];
    Ok(detail(f, &title, rows))
}

pub async fn batch(
    st: State<AppState>,
    person: Person,
    id: Path<i64>,
    q: Query<super::collect_pages::RejectsQuery>,
) -> Result<Response, PageError> {
    super::collect_pages::batch(st, person, id, q).await
}

/// Any other console address: a page, not the API's problem+json.
pub async fn not_found(headers: HeaderMap, uri: Uri) -> PageError {
    tracing::debug!(path = %uri.path(), "console: no such page");
    PageError::NotFound(lang_of(&headers))
}
