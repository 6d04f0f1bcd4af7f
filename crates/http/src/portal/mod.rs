//! The public open-data portal (公共数据开放平台) at `/`: search, dataset pages with previews,
//! whole-dataset downloads and Atom feeds, for anyone and without signing in. Every read goes
//! through `Store::open_*`, the portal's own copy of released data, which holds public items
//! only (ADR 0006). Pages render on the server like the console's and share its language
//! cookie, words mechanism, assets and security headers.
mod feed;
mod files;
pub mod i18n;
// The public's own pages: signing in, registering, applications and keys, requests, 纠错.
mod members;
mod pages;
mod views;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use shuqiao_core::{DomainError, Msg};
use shuqiao_service::StoreError;

use crate::console::i18n::Lang;
use crate::AppState;

/// Every portal route; `router` merges them after the API's problem+json layer, so the
/// portal's errors stay pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/datasets", get(pages::search))
        .route("/datasets/{slug}", get(pages::dataset))
        .route("/datasets/{slug}/history", get(pages::history))
        .route("/datasets/{slug}/data.csv", get(files::csv))
        .route("/datasets/{slug}/data.json", get(files::json))
        .route("/datasets/{slug}/data.xlsx", get(files::xlsx))
        .route("/datasets/{slug}/feed.atom", get(feed::dataset))
        .route(
            "/datasets/{slug}/apply",
            get(members::apply_form).post(members::apply),
        )
        .route(
            "/datasets/{slug}/feedback",
            get(members::feedback_form).post(members::feedback),
        )
        .route(
            "/account/signin",
            get(members::signin_form).post(members::signin),
        )
        .route("/account/signout", post(members::signout))
        .route(
            "/account/register",
            get(members::register_form).post(members::register),
        )
        .route("/account/applications", get(members::applications))
        .route("/account/applications/{id}/key", post(members::take_key))
        .route("/account/feedback", get(members::my_feedback))
        .route(
            "/requests",
            get(members::requests).post(members::file_request),
        )
        .route("/datasets/{slug}/{*rest}", get(pages::not_found))
        .route("/feed.atom", get(feed::site))
        .route("/lang/{code}", get(pages::switch_language))
        .route("/assets/{name}", get(crate::console::assets::serve))
        .layer(axum::middleware::from_fn(private_when_signed_in))
        .layer(axum::middleware::map_response(security_headers))
}

/// A page seen with a session names the person and carries their form token: no browser or
/// proxy keeps it. Files and pages seen without one keep the public policy below.
async fn private_when_signed_in(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let signed_in =
        crate::console::session::cookie(req.headers(), crate::console::session::SESSION_COOKIE)
            .is_some();
    let mut resp = next.run(req).await;
    if signed_in && !resp.headers().contains_key(header::CACHE_CONTROL) {
        resp.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    resp
}

/// The console's policy (no inline script or style, nothing framed). Pages change with the
/// language cookie and, for the preview, with htmx's request header, so caches keep them
/// apart; they are public, but revalidated so a withdrawn dataset disappears at once.
async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(crate::console::CONTENT_SECURITY_POLICY),
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
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        h.insert(header::VARY, HeaderValue::from_static("Cookie, HX-Request"));
    }
    resp
}

/// Why a portal page could not be shown, as a page in the visitor's language.
#[derive(Debug)]
pub enum PortalError {
    /// Unknown, unreleased, withdrawn or 不予开放: one page for all, so none can be told apart.
    NotFound(Lang),
    /// The rows of a 有条件开放 dataset: shown only after an application.
    Conditional(Lang, Option<String>),
    /// Nobody signed in: to the sign-in page, coming back to this local path.
    SignIn(String),
    /// A rule or a key refuses: the status (401, 403 or 429) with the rule's own words, and
    /// when to try again.
    Refused {
        lang: Lang,
        status: StatusCode,
        msg: Msg,
        retry_after: Option<u64>,
    },
    /// A post without the signed-in visitor's form token, or from another site: nothing changed.
    CrossSite(Lang),
    Internal(Lang),
}

impl PortalError {
    pub fn from_store(lang: Lang, e: StoreError) -> PortalError {
        match e {
            StoreError::Domain(DomainError::NotFound { .. }) => PortalError::NotFound(lang),
            StoreError::Domain(DomainError::Forbidden { msg, .. }) => PortalError::Refused {
                lang,
                status: StatusCode::FORBIDDEN,
                msg,
                retry_after: None,
            },
            StoreError::Domain(DomainError::Unauthenticated { msg, .. }) => PortalError::Refused {
                lang,
                status: StatusCode::UNAUTHORIZED,
                msg,
                retry_after: None,
            },
            StoreError::Domain(DomainError::Throttled {
                msg,
                retry_after_secs,
                ..
            }) => PortalError::Refused {
                lang,
                status: StatusCode::TOO_MANY_REQUESTS,
                msg,
                retry_after: Some(retry_after_secs),
            },
            StoreError::Domain(DomainError::Conflict { msg, .. }) => PortalError::Refused {
                lang,
                status: StatusCode::CONFLICT,
                msg,
                retry_after: None,
            },
            other => {
                tracing::error!(error = %other, "portal: storage failure");
                PortalError::Internal(lang)
            }
        }
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let mut retry = None;
        let (status, lang, title, text, more) = match self {
            PortalError::SignIn(next) => {
                let to = format!("/account/signin?{}", pages::encode(&[("next", &next)]));
                return axum::response::Redirect::to(&to).into_response();
            }
            PortalError::Refused {
                lang,
                status,
                msg,
                retry_after,
            } => {
                let t = i18n::words(lang);
                retry = retry_after;
                let title = match status {
                    StatusCode::UNAUTHORIZED => t.key_refused_title,
                    StatusCode::TOO_MANY_REQUESTS => t.quota_title,
                    _ => t.refused_title,
                };
                let why = lang.pick(&msg.zh, &msg.en).to_string();
                (status, lang, title, t.refused_text, Some(why))
            }
            PortalError::CrossSite(lang) => {
                let t = i18n::words(lang);
                (StatusCode::FORBIDDEN, lang, t.csrf_title, t.csrf_text, None)
            }
            PortalError::NotFound(lang) => {
                let t = i18n::words(lang);
                let s = StatusCode::NOT_FOUND;
                (s, lang, t.not_found_title, t.not_found_text, None)
            }
            PortalError::Conditional(lang, cond) => {
                let t = i18n::words(lang);
                let more = cond
                    .filter(|c| !c.is_empty())
                    .map(|c| format!("{}{c}", t.conditional_condition));
                let s = StatusCode::FORBIDDEN;
                (
                    s,
                    lang,
                    t.conditional_data_title,
                    t.conditional_no_flow,
                    more,
                )
            }
            PortalError::Internal(lang) => {
                let t = i18n::words(lang);
                let s = StatusCode::INTERNAL_SERVER_ERROR;
                (s, lang, t.error_title, t.error_text, None)
            }
        };
        let page = views::ErrorPage {
            f: views::Frame::new(lang, "/", ""),
            title,
            text,
            more,
        };
        let mut resp = (status, views::html(&page)).into_response();
        if let Some(secs) = retry {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// The address the portal is reached at, for feeds and copy-ready API calls.
pub(crate) fn origin(st: &AppState, headers: &HeaderMap) -> String {
    crate::public_base(st, headers)
}
