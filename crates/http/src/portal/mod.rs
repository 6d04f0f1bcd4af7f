//! The public open-data portal (公共数据开放平台) at `/`: search, dataset pages with previews,
//! whole-dataset downloads and Atom feeds, for anyone and without signing in. Every read goes
//! through `Store::open_*`, the portal's own copy of released data, which holds public items
//! only (ADR 0006). Pages render on the server like the console's and share its language
//! cookie, words mechanism, assets and security headers.
mod feed;
mod files;
pub mod i18n;
mod pages;
mod views;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
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
        .route("/datasets/{slug}/{*rest}", get(pages::not_found))
        .route("/feed.atom", get(feed::site))
        .route("/lang/{code}", get(pages::switch_language))
        .route("/assets/{name}", get(crate::console::assets::serve))
        .layer(axum::middleware::map_response(security_headers))
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
    Internal(Lang),
}

impl PortalError {
    pub fn from_store(lang: Lang, e: StoreError) -> PortalError {
        match e {
            StoreError::Domain(shuqiao_core::DomainError::NotFound { .. }) => {
                PortalError::NotFound(lang)
            }
            other => {
                tracing::error!(error = %other, "portal: storage failure");
                PortalError::Internal(lang)
            }
        }
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let (status, lang, title, text, more) = match self {
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
        (status, views::html(&page)).into_response()
    }
}

/// The address the portal is reached at, for feeds and copy-ready API calls: the configured
/// public URL, else this request's host when it looks like one.
pub(crate) fn origin(st: &AppState, headers: &HeaderMap) -> String {
    if let Some(o) = &st.console.public_origin {
        return o.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}
