//! The web console (工作台) under `/console/`: pages rendered on the server from askama
//! templates, usable before any script runs; htmx (vendored, embedded) only enhances. The
//! same `Store` methods and core rules as the API decide what a person sees and may do.
// The operator's administration: systems and tokens, accounts, figures, conversions, and
// the reviewers' queue.
mod admin_figures;
mod admin_pages;
mod assess_pages;
pub(crate) mod assets;
mod audit_pages;
// The provider steward's collection: uploads, batches, connectors.
mod collect_pages;
pub mod i18n;
// The consumer department's pages: search, requests, grants and needs.
mod alert_pages;
mod consumer_pages;
mod open_answers;
mod open_governance;
mod open_pages;
mod pages;
mod quality_pages;
mod registry_pages;
mod score_pages;
mod system_pages;
// Decisions: answering applications, reviewing the negative list, publishing resources.
mod decisions;
pub mod session;
// The steward's catalogue: a department's resources, the resource form, versions.
mod steward_catalog;
pub(crate) mod text;
pub(crate) mod views;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use shuqiao_core::{DomainError, Msg};
use shuqiao_service::StoreError;

use crate::AppState;
use i18n::Lang;

pub use session::Settings;

/// Largest form body accepted: the console's forms are a few fields.
pub const MAX_FORM: usize = 64 * 1024;

/// No inline script or style anywhere; nothing framed; forms post only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Every console route; `router` mounts them beside the API, outside its problem+json layer.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/console",
            get(|| async { Redirect::permanent("/console/") }),
        )
        .route("/console/", get(pages::home))
        .route("/console/login", get(pages::login_form).post(pages::login))
        .route("/console/logout", post(pages::logout))
        .route("/console/lang/{code}", get(pages::switch_language))
        .route("/console/inbox", get(pages::inbox))
        .route("/console/inbox/{id}/read", post(pages::mark_read))
        .route("/console/catalog", get(consumer_pages::catalog))
        .route("/console/catalog/{code}", get(consumer_pages::resource))
        .route(
            "/console/catalog/{code}/subscribe",
            post(consumer_pages::subscribe),
        )
        .route(
            "/console/catalog/{code}/apply",
            get(consumer_pages::apply_form).post(consumer_pages::apply),
        )
        .route(
            "/console/my-applications/{id}",
            get(consumer_pages::my_application),
        )
        .route("/console/grants", get(consumer_pages::grants))
        .route(
            "/console/needs",
            get(consumer_pages::needs).post(consumer_pages::state_need),
        )
        .route("/console/supervision", get(pages::supervision))
        .route(
            "/console/audit",
            get(audit_pages::search).post(audit_pages::search_subject),
        )
        .route(
            "/console/audit/export",
            get(audit_pages::export).post(audit_pages::export_subject),
        )
        .route("/console/audit/entries/{index}", get(audit_pages::entry))
        .route("/console/audit/checkpoint", get(audit_pages::checkpoint))
        .route("/console/my-data", get(audit_pages::my_data))
        .route("/console/applications/{id}", get(pages::application))
        .route("/console/negative-proposals/{id}", get(pages::proposal))
        .route("/console/needs/{id}", get(pages::need))
        .route("/console/batches/{id}", get(pages::batch))
        .route(
            "/console/batches/{id}/status",
            get(collect_pages::batch_status),
        )
        .route(
            "/console/batches/{id}/rejects.csv",
            get(collect_pages::rejects_csv),
        )
        .route("/console/collect", get(collect_pages::home))
        .route(
            "/console/collect/{code}/upload",
            get(collect_pages::upload_form)
                .post(collect_pages::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::routes::collect::MAX_UPLOAD as usize + 64 * 1024,
                )),
        )
        .route(
            "/console/collect/{code}/connector",
            get(collect_pages::connector).post(collect_pages::save_connector),
        )
        .route(
            "/console/collect/{code}/connector/delete",
            get(collect_pages::delete_connector_form).post(collect_pages::delete_connector),
        )
        .route(
            "/console/collect/{code}/connector/run",
            post(collect_pages::run_connector),
        )
        .route(
            "/console/applications/{id}/decision",
            post(decisions::decide_application),
        )
        .route(
            "/console/negative-proposals/{id}/review",
            post(decisions::review_proposal),
        )
        .route("/console/review", get(decisions::review_queue))
        .route(
            "/console/review/{code}",
            get(decisions::review_resource).post(decisions::review_decide),
        )
        .route("/console/elements", get(registry_pages::elements))
        .route("/console/resources", get(steward_catalog::list))
        .route("/console/resources/export", get(steward_catalog::export))
        .route(
            "/console/resources/new",
            get(steward_catalog::new_form).post(steward_catalog::create),
        )
        .route(
            "/console/resources/{code}/edit",
            get(steward_catalog::edit_form).post(steward_catalog::update),
        )
        .route(
            "/console/resources/{code}/versions",
            get(steward_catalog::versions),
        )
        .route("/console/admin/systems", get(admin_pages::systems))
        .route(
            "/console/admin/systems/new",
            get(admin_pages::register_form).post(admin_pages::register),
        )
        .route("/console/admin/systems/{code}", get(admin_pages::system))
        .route(
            "/console/admin/systems/{code}/tokens",
            post(admin_pages::issue),
        )
        .route(
            "/console/admin/tokens/{id}/revoke",
            get(admin_pages::revoke_form).post(admin_pages::revoke),
        )
        .route("/console/admin/accounts", get(admin_pages::accounts))
        .route(
            "/console/admin/accounts/new",
            get(admin_pages::create_form).post(admin_pages::create),
        )
        .route(
            "/console/admin/accounts/{username}",
            get(admin_pages::account),
        )
        .route(
            "/console/admin/accounts/{username}/roles",
            post(admin_pages::set_roles),
        )
        .route(
            "/console/admin/accounts/{username}/status",
            post(admin_pages::set_status),
        )
        .route("/console/admin/stats", get(admin_figures::stats))
        .route(
            "/console/admin/conversions",
            get(admin_figures::conversions),
        )
        .route(
            "/console/admin/conversions/{id}/accept",
            post(admin_figures::accept_conversion),
        )
        .route("/console/reviews", get(admin_figures::reviews))
        .route("/console/open", get(open_pages::list))
        .route(
            "/console/open/applications",
            get(open_answers::applications),
        )
        .route(
            "/console/open/applications/{id}",
            post(open_answers::answer_application),
        )
        .route("/console/open/requests", get(open_answers::requests))
        .route(
            "/console/open/requests/{id}",
            post(open_answers::answer_request),
        )
        .route("/console/quality/scores", get(score_pages::scores))
        .route("/console/assess/alerts", get(alert_pages::alerts))
        .route(
            "/console/assess/alerts/settings",
            post(alert_pages::settings),
        )
        .route(
            "/console/assess/alerts/{id}/review",
            post(alert_pages::review),
        )
        .route("/console/systems", get(system_pages::systems))
        .route("/console/systems/zombies", get(system_pages::zombies))
        .route("/console/systems/zombies/{code}", post(system_pages::mark))
        .route(
            "/console/systems/{code}",
            get(system_pages::edit).post(system_pages::save),
        )
        .route("/console/assess", get(assess_pages::page))
        .route(
            "/console/assess/definitions/{code}",
            get(assess_pages::definition),
        )
        .route(
            "/console/assess/figures/{code}/rows",
            get(assess_pages::rows),
        )
        .route("/console/assess/report", get(assess_pages::report))
        .route(
            "/console/quality/objections",
            get(quality_pages::objections).post(quality_pages::file),
        )
        .route(
            "/console/quality/objections/{id}/{step}",
            post(quality_pages::step),
        )
        .route("/console/open/feedback", get(open_answers::feedback))
        .route(
            "/console/open/plans",
            get(open_governance::plans).post(open_governance::submit_plan),
        )
        .route(
            "/console/open/plans/{id}",
            post(open_governance::review_plan),
        )
        .route(
            "/console/open/negative",
            get(open_governance::negative).post(open_governance::change_negative),
        )
        .route(
            "/console/open/feedback/{id}",
            post(open_answers::answer_feedback),
        )
        .route(
            "/console/open/propose/{code}",
            get(open_pages::propose_form).post(open_pages::propose),
        )
        .route(
            "/console/open/{code}",
            get(open_pages::release).post(open_pages::decide),
        )
        .route("/console/assets/{name}", get(assets::serve))
        .route(
            "/console/{*rest}",
            get(pages::not_found).post(pages::not_found),
        )
        .layer(axum::middleware::map_response(security_headers))
}

/// The headers every console response carries. Pages hold personal data, so none is stored
/// by a browser or a proxy; the assets set their own long cache before this runs.
async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// Why a page could not be shown, rendered as a page in the person's language.
#[derive(Debug)]
pub enum PageError {
    /// Nobody (or an expired or revoked session) is signed in: to the sign-in page.
    SignIn,
    /// Signed in, but core's rules refuse: 403 with the rule's own reason.
    Forbidden(Lang, Msg),
    NotFound(Lang),
    /// A state-changing request without the right form token, or from another site.
    CrossSite(Lang),
    Unavailable(Lang),
    Internal(Lang),
}

impl PageError {
    /// The page for a store error: the caller's mistakes say what they are; ours are logged.
    pub fn from_store(lang: Lang, e: StoreError) -> PageError {
        match e {
            StoreError::Domain(d) => PageError::from_domain(lang, d),
            StoreError::AuditUnavailable => PageError::Unavailable(lang),
            other => {
                tracing::error!(error = %other, "console: storage failure");
                PageError::Internal(lang)
            }
        }
    }

    pub fn from_domain(lang: Lang, d: DomainError) -> PageError {
        match d {
            DomainError::Forbidden { msg, .. } => PageError::Forbidden(lang, msg),
            DomainError::Unauthenticated { .. } => PageError::SignIn,
            DomainError::NotFound { .. } => PageError::NotFound(lang),
            other => {
                tracing::error!(error = %other, "console: unexpected domain error");
                PageError::Internal(lang)
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, lang, title, text, reason) = match &self {
            PageError::SignIn => return Redirect::to("/console/login").into_response(),
            PageError::Forbidden(lang, msg) => {
                let t = lang.strings();
                let why = lang.pick(&msg.zh, &msg.en).to_string();
                let text = t.forbidden_fix;
                (
                    StatusCode::FORBIDDEN,
                    *lang,
                    t.forbidden_title,
                    text,
                    Some(why),
                )
            }
            PageError::NotFound(lang) => {
                let t = lang.strings();
                (
                    StatusCode::NOT_FOUND,
                    *lang,
                    t.not_found_title,
                    t.not_found_text,
                    None,
                )
            }
            PageError::CrossSite(lang) => {
                let t = lang.strings();
                (
                    StatusCode::FORBIDDEN,
                    *lang,
                    t.csrf_title,
                    t.csrf_text,
                    None,
                )
            }
            PageError::Unavailable(lang) => {
                let t = lang.strings();
                let status = StatusCode::SERVICE_UNAVAILABLE;
                (status, *lang, t.error_title, t.unavailable_text, None)
            }
            PageError::Internal(lang) => {
                let t = lang.strings();
                let status = StatusCode::INTERNAL_SERVER_ERROR;
                (status, *lang, t.error_title, t.error_text, None)
            }
        };
        let page = views::ErrorPage {
            f: views::Frame::anonymous(lang, ""),
            title,
            reason,
            text,
        };
        (status, views::html(&page)).into_response()
    }
}
