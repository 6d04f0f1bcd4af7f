//! The public's own pages on the portal: signing in and registering (the console's sessions
//! and cookie, so there is one session mechanism), applying for 有条件开放 data and taking its
//! key, data requests (数据需求) and 纠错. Every form posts with a form token — the session's
//! for a signed-in person, the sign-in form's pre-session token before — and works without
//! script; every problem shows at once, beside its field and in a summary.
use std::convert::Infallible;
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shuqiao_core::account::{self, token_kind, Principal, TokenKind};
use shuqiao_core::open::{self, ApplicationInput, FeedbackInput, Registration, RequestInput};
use shuqiao_core::org::OrgKind;
use shuqiao_core::DomainError;
use shuqiao_service::StoreError;

use super::i18n::{words, Strings};
use super::pages::{encode, released};
use super::views::*;
use super::{origin, PortalError};
use crate::console::i18n::Lang;
use crate::console::session::{self, LOGIN_COOKIE, SESSION_COOKIE};
use crate::console::text::{thousands, Problem};
use crate::console::views::date;
use crate::AppState;

/// Requests on a page of `/requests`.
const PER_PAGE: usize = 20;

/// Who asks for a portal page: a person signed in with a console session, or nobody.
pub struct Visitor {
    pub lang: Lang,
    pub signed: Option<Signed>,
}

pub struct Signed {
    pub principal: Principal,
    pub username: String,
    secret: String,
    name: String,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Infallible> {
        let lang = session::lang_of(&parts.headers);
        let signed = match session::cookie(&parts.headers, SESSION_COOKIE)
            .filter(|s| token_kind(s) == Some(TokenKind::Session))
        {
            Some(secret) => signed(st, secret).await,
            None => None,
        };
        Ok(Visitor { lang, signed })
    }
}

/// The person behind a session secret; an expired session, or a store that fails, is
/// nobody (the portal's pages are public; the forms then ask to sign in).
async fn signed(st: &AppState, secret: String) -> Option<Signed> {
    let principal = match st.store.authenticate(&secret).await {
        Ok(Some(p @ Principal::Person { .. })) => p,
        Ok(_) => return None,
        Err(e) => {
            tracing::warn!(error = %e, "portal: session lookup failed");
            return None;
        }
    };
    let Principal::Person { username, .. } = &principal else {
        return None;
    };
    let username = username.clone();
    let name = match st.store.get_account(&username).await {
        Ok(a) => a.display_name,
        Err(_) => username.clone(),
    };
    Some(Signed {
        principal,
        username,
        secret,
        name,
    })
}

impl Visitor {
    /// The frame of a page at `path`, with who is signed in.
    pub fn frame(&self, path: &str, current: &'static str) -> Frame {
        let mut f = Frame::new(self.lang, path, current);
        f.who = self.signed.as_ref().map(|s| Who {
            name: s.name.clone(),
            csrf: session::csrf_token(&s.secret),
        });
        f
    }

    /// The signed-in person, or the sign-in page that comes back to `back`.
    fn require(&self, back: &str) -> Result<&Signed, PortalError> {
        self.signed
            .as_ref()
            .ok_or_else(|| PortalError::SignIn(back.to_string()))
    }

    fn error(&self, e: StoreError) -> PortalError {
        PortalError::from_store(self.lang, e)
    }
}

impl Signed {
    fn csrf(&self) -> String {
        session::csrf_token(&self.secret)
    }

    /// Refuses a post from another site or without the form token of the signed-in visitor.
    fn check_form(
        &self,
        lang: Lang,
        headers: &HeaderMap,
        st: &AppState,
        token: &str,
    ) -> Result<(), PortalError> {
        if session::cross_site(headers, &st.console) || !session::csrf_ok(&self.secret, token) {
            return Err(PortalError::CrossSite(lang));
        }
        Ok(())
    }
}

/// A posted form's fields.
struct Posted(Vec<(String, String)>);

impl Posted {
    fn parse(body: &[u8]) -> Posted {
        Posted(url::form_urlencoded::parse(body).into_owned().collect())
    }

    fn one(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// A path on this site to come back to, or none: never another site (`//host`, `/\host`),
/// so sign-in cannot be used to send anyone elsewhere.
fn local_path(next: &str) -> Option<String> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.len() <= 512
        && !next.chars().any(char::is_control);
    ok.then(|| next.to_string())
}

/// A rule's field problems (and a conflict, at `conflict_at`) as the form's problems; any
/// other error is a page.
fn problems(lang: Lang, e: StoreError, conflict_at: &str) -> Result<Vec<Problem>, PortalError> {
    match e {
        StoreError::Domain(DomainError::Invalid(errs)) => Ok(errs
            .iter()
            .map(|e| Problem {
                field: e.field.clone(),
                text: lang.pick(&e.zh, &e.en).to_string(),
            })
            .collect()),
        StoreError::Domain(DomainError::Conflict { msg, .. }) => Ok(vec![Problem {
            field: conflict_at.to_string(),
            text: lang.pick(&msg.zh, &msg.en).to_string(),
        }]),
        other => Err(PortalError::from_store(lang, other)),
    }
}

/// The pre-session token of the sign-in and registration forms: the one in the cookie when
/// it is well formed, else a new one.
fn pre_session_token(headers: &HeaderMap) -> String {
    session::cookie(headers, LOGIN_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(|| account::new_secret(""))
}

/// Refuses an anonymous post from another site or without the pre-session token it was
/// given (double submit: another site can neither read nor set the cookie).
fn check_pre_session(
    st: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    sent: &str,
) -> Result<String, PortalError> {
    let expected = session::cookie(headers, LOGIN_COOKIE).unwrap_or_default();
    if session::cross_site(headers, &st.console) || !session::same_secret(&expected, sent) {
        return Err(PortalError::CrossSite(lang));
    }
    Ok(expected)
}

fn with_cookies(mut resp: Response, cookies: &[HeaderValue]) -> Response {
    for c in cookies {
        resp.headers_mut().append(header::SET_COOKIE, c.clone());
    }
    resp
}

/// Signed in: the session cookie, the pre-session token gone, and back to `next`.
fn signed_in_to(st: &AppState, secret: &str, next: &str) -> Response {
    let cookie = session::set_cookie(
        &st.console,
        SESSION_COOKIE,
        secret,
        session::SESSION_COOKIE_SECS,
    );
    let clear = session::set_cookie(&st.console, LOGIN_COOKIE, "", 0);
    with_cookies(Redirect::to(next).into_response(), &[cookie, clear])
}

// ---- signing in and out ----

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn signin_form(
    State(st): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = q.next.as_deref().and_then(local_path);
    if visitor.signed.is_some() {
        return Redirect::to(next.as_deref().unwrap_or("/")).into_response();
    }
    let token = pre_session_token(&headers);
    signin_page(
        &st,
        &visitor,
        token,
        String::new(),
        next.unwrap_or_default(),
        None,
        StatusCode::OK,
    )
}

fn signin_page(
    st: &AppState,
    visitor: &Visitor,
    token: String,
    username: String,
    next: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let cookie = session::set_cookie(&st.console, LOGIN_COOKIE, &token, 3600);
    let path = if next.is_empty() {
        "/account/signin".to_string()
    } else {
        format!("/account/signin?{}", encode(&[("next", &next)]))
    };
    let page = SigninPage {
        f: visitor.frame(&path, "signin"),
        token,
        username,
        next,
        error,
    };
    (status, [(header::SET_COOKIE, cookie)], html(&page)).into_response()
}

/// Signs in through the same `Store::login` as the console and the API, so throttling and
/// lockout are the same, and the same session cookie serves both.
pub async fn signin(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PortalError> {
    let lang = visitor.lang;
    let posted = Posted::parse(&body);
    let token = check_pre_session(&st, lang, &headers, &posted.one("csrf"))?;
    let t = words(lang);
    let username = posted.one("username").trim().to_string();
    let password = posted.one("password");
    let next = local_path(&posted.one("next")).unwrap_or_default();
    let retry = |msg: String, status| {
        signin_page(
            &st,
            &visitor,
            token.clone(),
            username.clone(),
            next.clone(),
            Some(msg),
            status,
        )
    };
    if username.is_empty() || password.is_empty() {
        return Ok(retry(
            t.signin_missing.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let client = account::client_address_key(peer.ip());
    match st.store.login(&username, &password, &client).await {
        Ok((secret, a)) => {
            tracing::info!(username = %a.username, "signed in on the portal");
            let to = if next.is_empty() { "/" } else { next.as_str() };
            Ok(signed_in_to(&st, &secret, to))
        }
        Err(StoreError::Domain(DomainError::Throttled {
            retry_after_secs, ..
        })) => {
            let minutes = retry_after_secs.div_ceil(60).max(1);
            Ok(retry(
                format!(
                    "{}{minutes}{}",
                    t.signin_locked_before, t.signin_locked_after
                ),
                StatusCode::TOO_MANY_REQUESTS,
            ))
        }
        Err(StoreError::Domain(DomainError::Unauthenticated { .. })) => {
            Ok(retry(t.signin_wrong.into(), StatusCode::UNAUTHORIZED))
        }
        Err(e) => Err(PortalError::from_store(lang, e)),
    }
}

/// Ends the session in the database (a copied cookie stops working too) and clears it.
pub async fn signout(
    State(st): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PortalError> {
    let me = visitor.require("/")?;
    me.check_form(
        visitor.lang,
        &headers,
        &st,
        &Posted::parse(&body).one("csrf"),
    )?;
    st.store
        .logout(&me.secret)
        .await
        .map_err(|e| visitor.error(e))?;
    let clear = session::set_cookie(&st.console, SESSION_COOKIE, "", 0);
    Ok(with_cookies(Redirect::to("/").into_response(), &[clear]))
}

// ---- registering ----

pub async fn register_form(
    State(st): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = q.next.as_deref().and_then(local_path).unwrap_or_default();
    let token = pre_session_token(&headers);
    register_page(
        &st,
        &visitor,
        token,
        next,
        RegisterForm {
            kind: "person".into(),
            ..Default::default()
        },
        Vec::new(),
        StatusCode::OK,
    )
}

fn register_page(
    st: &AppState,
    visitor: &Visitor,
    token: String,
    next: String,
    form: RegisterForm,
    problems: Vec<Problem>,
    status: StatusCode,
) -> Response {
    let cookie = session::set_cookie(&st.console, LOGIN_COOKIE, &token, 3600);
    let page = RegisterPage {
        f: visitor.frame("/account/register", "register"),
        token,
        next,
        form,
        problems,
    };
    (status, [(header::SET_COOKIE, cookie)], html(&page)).into_response()
}

/// Registers a member through `Store::register_member` (every problem at once, what was
/// typed kept, the password never echoed), then signs them in as the sign-in form would.
pub async fn register(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PortalError> {
    let lang = visitor.lang;
    let posted = Posted::parse(&body);
    let token = check_pre_session(&st, lang, &headers, &posted.one("csrf"))?;
    let next = local_path(&posted.one("next")).unwrap_or_default();
    let r = Registration {
        username: posted.one("username").trim().to_string(),
        display_name: posted.one("display_name"),
        kind: posted.one("kind"),
        contact: posted.one("contact"),
        password: posted.one("password"),
    };
    let form = RegisterForm {
        username: r.username.clone(),
        display_name: r.display_name.clone(),
        kind: r.kind.clone(),
        contact: r.contact.clone(),
    };
    let (username, password) = (r.username.clone(), r.password.clone());
    if let Err(e) = st.store.register_member(r).await {
        let problems = problems(lang, e, "username")?;
        return Ok(register_page(
            &st,
            &visitor,
            token,
            next,
            form,
            problems,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let client = account::client_address_key(peer.ip());
    let (secret, _) = st
        .store
        .login(&username, &password, &client)
        .await
        .map_err(|e| PortalError::from_store(lang, e))?;
    let to = if next.is_empty() {
        "/account/applications?done=registered".to_string()
    } else {
        next
    };
    Ok(signed_in_to(&st, &secret, &to))
}

// ---- applying for 有条件开放 data ----

/// The applicant is a member of the public: anyone else (staff) is told why not, in core's
/// words.
fn require_member(lang: Lang, me: &Signed) -> Result<(), PortalError> {
    open::require_public_member(&me.principal)
        .map_err(|e| PortalError::from_store(lang, StoreError::Domain(e)))
}

pub async fn apply_form(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    visitor: Visitor,
) -> Result<Response, PortalError> {
    let lang = visitor.lang;
    let d = released(&st, lang, &slug).await?;
    if d.rows_are_public() {
        return Ok(Redirect::to(&format!("/datasets/{}", d.slug)).into_response());
    }
    let me = visitor.require(&format!("/datasets/{}/apply", d.slug))?;
    require_member(lang, me)?;
    let page = apply_page(&visitor, me, &d, String::new(), false, Vec::new());
    Ok(html(&page).into_response())
}

fn apply_page(
    visitor: &Visitor,
    me: &Signed,
    d: &shuqiao_service::open::OpenDataset,
    purpose: String,
    agreed: bool,
    problems: Vec<Problem>,
) -> ApplyPage {
    let lang = visitor.lang;
    let href = format!("/datasets/{}", d.slug);
    ApplyPage {
        f: visitor.frame(&format!("{href}/apply"), "datasets"),
        csrf: me.csrf(),
        name: lang.pick(&d.name, &d.name_en).to_string(),
        condition: d.open_condition.clone().unwrap_or_default(),
        href,
        version: open::AGREEMENT_VERSION,
        clauses: open::AGREEMENT
            .iter()
            .map(|(zh, en)| lang.pick(zh, en))
            .collect(),
        purpose,
        agreed,
        problems,
    }
}

pub async fn apply(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PortalError> {
    let lang = visitor.lang;
    let d = released(&st, lang, &slug).await?;
    let me = visitor.require(&format!("/datasets/{}/apply", d.slug))?;
    let posted = Posted::parse(&body);
    me.check_form(lang, &headers, &st, &posted.one("csrf"))?;
    require_member(lang, me)?;
    let a = ApplicationInput {
        dataset: d.slug.clone(),
        purpose: posted.one("purpose"),
        accept_agreement: posted.one("accept_agreement") == "yes",
    };
    let (purpose, agreed) = (a.purpose.clone(), a.accept_agreement);
    match st.store.apply_open(me.principal.clone(), a).await {
        Ok(_) => Ok(Redirect::to("/account/applications?done=applied").into_response()),
        Err(e) => {
            let problems = problems(lang, e, "purpose")?;
            let page = apply_page(&visitor, me, &d, purpose, agreed, problems);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
        }
    }
}

fn status_of(t: &Strings, s: &str) -> (&'static str, &'static str) {
    match s {
        "pending" | "open" => (t.status_pending, "tag-apply"),
        "approved" => (t.status_approved, "tag-open"),
        "refused" => (t.status_refused, "tag-refused"),
        "answered" => (t.status_answered, "tag-open"),
        "redirected" => (t.status_redirected, "tag-apply"),
        _ => (t.status_other, ""),
    }
}

/// A dataset's name and page by its portal name, or the bare name once it has left.
async fn dataset_name(st: &AppState, lang: Lang, slug: &str) -> (String, String) {
    match st.store.open_dataset(slug).await {
        Ok(d) => (
            lang.pick(&d.name, &d.name_en).to_string(),
            format!("/datasets/{}", d.slug),
        ),
        Err(_) => (slug.to_string(), format!("/datasets/{slug}")),
    }
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// A member's applications, newest first: status, deadline, the reason of a refusal, and
/// for an approved one the button that takes its key.
pub async fn applications(
    State(st): State<AppState>,
    visitor: Visitor,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PortalError> {
    let me = visitor.require("/account/applications")?;
    let (lang, t) = (visitor.lang, words(visitor.lang));
    let list = st
        .store
        .open_applications(me.principal.clone())
        .await
        .map_err(|e| visitor.error(e))?;
    let mut rows = Vec::new();
    for a in list.into_iter().filter(|a| a.applicant == me.username) {
        let (name, href) = dataset_name(&st, lang, &a.dataset).await;
        let (status, status_class) = status_of(t, &a.status);
        rows.push(ApplicationView {
            id: a.id,
            name,
            href,
            status,
            status_class,
            filed: date(lang, a.filed_at),
            due: a.due_date.unwrap_or_else(|| t.due_unknown.into()),
            overdue: a.overdue,
            reason: a.reason.unwrap_or_default(),
            quota: a.quota_per_day.map(thousands).unwrap_or_default(),
            days: a.days.map(|d| d.to_string()).unwrap_or_default(),
            approved: a.status == "approved",
        });
    }
    let notice = match q.done.as_deref() {
        Some("applied") => Some(t.applied_notice),
        Some("registered") => Some(t.registered_notice),
        _ => None,
    };
    let page = ApplicationsPage {
        f: visitor.frame("/account/applications", "applications"),
        csrf: me.csrf(),
        rows,
        notice,
    };
    Ok(html(&page).into_response())
}

/// Takes the key of an approved application and shows it once, on a page nobody may keep;
/// the key is never logged.
pub async fn take_key(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PortalError> {
    let me = visitor.require("/account/applications")?;
    let lang = visitor.lang;
    me.check_form(lang, &headers, &st, &Posted::parse(&body).one("csrf"))?;
    let k = st
        .store
        .issue_open_key(me.principal.clone(), id)
        .await
        .map_err(|e| visitor.error(e))?;
    let d = st
        .store
        .open_dataset(&k.dataset)
        .await
        .map_err(|e| visitor.error(e))?;
    let base = origin(&st, &headers);
    let href = format!("/datasets/{}", d.slug);
    let rows_url = format!(
        "{base}/api/3/action/datastore_search?resource_id={}&limit=5",
        open::distribution_id(&d.code, "csv")
    );
    let t = words(lang);
    let snippets = vec![
        Snippet {
            id: "key-csv",
            label: format!("{} · curl", t.key_use_download),
            code: format!(
                "curl -H 'Authorization: {}' -o {}.csv '{base}{href}/data.csv'",
                k.key, d.slug
            ),
            rows: 2,
        },
        Snippet {
            id: "key-api",
            label: format!("{} · curl", t.key_use_api),
            code: format!("curl -H 'Authorization: {}' '{rows_url}'", k.key),
            rows: 2,
        },
    ];
    let mut f = visitor.frame("/account/applications", "applications");
    f.copy_js = true;
    let page = KeyPage {
        f,
        key: k.key,
        name: lang.pick(&d.name, &d.name_en).to_string(),
        href,
        quota: thousands(k.quota_per_day),
        expires: date(lang, k.expires_at),
        snippets,
    };
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        html(&page),
    )
        .into_response())
}

// ---- data requests ----

#[derive(Deserialize)]
pub struct RequestsQuery {
    page: Option<String>,
    done: Option<String>,
}

fn outcome_label(t: &Strings, o: Option<&str>) -> &'static str {
    match o {
        Some("opening") => t.outcome_opening,
        Some("declined") => t.outcome_declined,
        Some("redirected") => t.outcome_redirected,
        _ => "",
    }
}

/// Every data request with where it went, its status and answer; never who asked.
pub async fn requests(
    State(st): State<AppState>,
    visitor: Visitor,
    Query(q): Query<RequestsQuery>,
) -> Result<Response, PortalError> {
    let page_no = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, 100_000);
    requests_page(
        &st,
        &visitor,
        page_no,
        RequestForm::default(),
        Vec::new(),
        q.done.is_some(),
        StatusCode::OK,
    )
    .await
}

async fn requests_page(
    st: &AppState,
    visitor: &Visitor,
    page_no: usize,
    form: RequestForm,
    problems: Vec<Problem>,
    notice: bool,
    status: StatusCode,
) -> Result<Response, PortalError> {
    let (lang, t) = (visitor.lang, words(visitor.lang));
    let (list, total) = st
        .store
        .open_requests(PER_PAGE, (page_no - 1) * PER_PAGE)
        .await
        .map_err(|e| visitor.error(e))?;
    let all_orgs = st.store.list_orgs().await.map_err(|e| visitor.error(e))?;
    let name_of = |code: &str| {
        all_orgs
            .iter()
            .find(|o| o.code == code)
            .map(|o| lang.pick(&o.name, &o.name_en).to_string())
            .unwrap_or_else(|| code.to_string())
    };
    let rows = list
        .into_iter()
        .map(|r| {
            let (status, status_class) = status_of(t, &r.status);
            RequestView {
                id: r.id,
                org: r.org.as_deref().map(&name_of).unwrap_or_default(),
                status,
                status_class,
                filed: date(lang, r.filed_at),
                due: r.due_date.unwrap_or_default(),
                overdue: r.overdue,
                outcome: outcome_label(t, r.outcome.as_deref()),
                answer: r.answer.unwrap_or_default(),
                dataset_href: r.dataset.map(|d| format!("/datasets/{d}")),
                title: r.title,
                description: r.description,
            }
        })
        .collect();
    let pages = (total.max(0) as usize).div_ceil(PER_PAGE).max(1);
    let href = |n: usize| format!("/requests?page={n}");
    let orgs = all_orgs
        .iter()
        .filter(|o| matches!(o.kind, OrgKind::Department | OrgKind::Operator))
        .map(|o| (o.code.clone(), lang.pick(&o.name, &o.name_en).to_string()))
        .collect();
    let page = RequestsPage {
        f: visitor.frame("/requests", "requests"),
        csrf: visitor.signed.as_ref().map(Signed::csrf),
        rows,
        total: thousands(total),
        pager: Pager {
            page: page_no,
            pages,
            prev: (page_no > 1).then(|| href(page_no - 1)),
            next: (page_no < pages).then(|| href(page_no + 1)),
        },
        orgs,
        form,
        problems,
        notice,
    };
    Ok((status, html(&page)).into_response())
}

pub async fn file_request(
    State(st): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PortalError> {
    let me = visitor.require("/requests")?;
    let lang = visitor.lang;
    let posted = Posted::parse(&body);
    me.check_form(lang, &headers, &st, &posted.one("csrf"))?;
    let org = posted.one("org").trim().to_string();
    let r = RequestInput {
        title: posted.one("title"),
        description: posted.one("description"),
        org: (!org.is_empty()).then(|| org.clone()),
    };
    let form = RequestForm {
        title: r.title.clone(),
        description: r.description.clone(),
        org,
    };
    match st.store.file_open_request(me.principal.clone(), r).await {
        Ok(_) => Ok(Redirect::to("/requests?done=1").into_response()),
        Err(e) => {
            let problems = problems(lang, e, "title")?;
            requests_page(
                &st,
                &visitor,
                1,
                form,
                problems,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

// ---- 纠错 ----

#[derive(Deserialize)]
pub struct RowQuery {
    row: Option<String>,
}

/// The 纠错 form on its own page: reached from a preview row's link, with its `_id` filled in.
pub async fn feedback_form(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    visitor: Visitor,
    Query(q): Query<RowQuery>,
) -> Result<Response, PortalError> {
    let d = released(&st, visitor.lang, &slug).await?;
    let row: String = q
        .row
        .filter(|r| r.parse::<i64>().is_ok())
        .unwrap_or_default();
    let back = if row.is_empty() {
        format!("/datasets/{}/feedback", d.slug)
    } else {
        format!("/datasets/{}/feedback?row={row}", d.slug)
    };
    let me = visitor.require(&back)?;
    let page = feedback_page(&visitor, me, &d, row, String::new(), Vec::new());
    Ok(html(&page).into_response())
}

fn feedback_page(
    visitor: &Visitor,
    me: &Signed,
    d: &shuqiao_service::open::OpenDataset,
    row: String,
    text: String,
    problems: Vec<Problem>,
) -> FeedbackPage {
    let href = format!("/datasets/{}", d.slug);
    FeedbackPage {
        f: visitor.frame(&format!("{href}/feedback"), "datasets"),
        csrf: me.csrf(),
        name: visitor.lang.pick(&d.name, &d.name_en).to_string(),
        href,
        row,
        text,
        problems,
    }
}

pub async fn feedback(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PortalError> {
    let lang = visitor.lang;
    let d = released(&st, lang, &slug).await?;
    let me = visitor.require(&format!("/datasets/{}/feedback", d.slug))?;
    let posted = Posted::parse(&body);
    me.check_form(lang, &headers, &st, &posted.one("csrf"))?;
    let row_text = posted.one("row").trim().to_string();
    let text = posted.one("text");
    // A row that is not a number is a problem of its own, reported with the rule's others.
    let row = row_text.parse::<i64>().ok();
    let mut found = Vec::new();
    if !row_text.is_empty() && row.is_none() {
        found.push(Problem {
            field: "row".into(),
            text: words(lang).feedback_row_invalid.into(),
        });
    }
    let input = FeedbackInput {
        dataset: d.slug.clone(),
        row,
        text: text.clone(),
    };
    if found.is_empty() {
        match st.store.file_feedback(me.principal.clone(), input).await {
            Ok(_) => return Ok(Redirect::to("/account/feedback?done=1").into_response()),
            Err(e) => found.extend(problems(lang, e, "text")?),
        }
    } else if let Err(e) = input.validate() {
        found.extend(problems(lang, StoreError::Domain(e), "text")?);
    }
    let page = feedback_page(&visitor, me, &d, row_text, text, found);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
}

/// A member's own feedback with the providers' answers.
pub async fn my_feedback(
    State(st): State<AppState>,
    visitor: Visitor,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PortalError> {
    let me = visitor.require("/account/feedback")?;
    let (lang, t) = (visitor.lang, words(visitor.lang));
    let list = st
        .store
        .feedback_list(me.principal.clone())
        .await
        .map_err(|e| visitor.error(e))?;
    let mut rows = Vec::new();
    for x in list.into_iter().filter(|x| x.author == me.username) {
        let (name, href) = dataset_name(&st, lang, &x.dataset).await;
        let (status, status_class) = status_of(t, &x.status);
        rows.push(FeedbackView {
            name,
            href,
            row: x.row.map(|r| r.to_string()).unwrap_or_default(),
            text: x.text,
            status,
            status_class,
            filed: date(lang, x.filed_at),
            due: x.due_date.unwrap_or_default(),
            answer: x.answer.unwrap_or_default(),
        });
    }
    let page = MyFeedbackPage {
        f: visitor.frame("/account/feedback", "feedback"),
        rows,
        notice: q.done.is_some(),
    };
    Ok(html(&page).into_response())
}
