//! The HTTP layer: the only crate that knows about HTTP, JSON wire types and the files people
//! download.
pub mod ckan;
pub mod console;
pub mod dcat;
pub mod downloads;
pub mod error;
pub mod extract;
mod json_problems;
pub mod openapi;
pub mod portal;
pub mod report;
pub mod routes;
#[cfg(test)]
mod secret_comparisons;
pub mod webhook;

use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use shuqiao_service::Store;

/// Largest JSON body accepted (a resource with hundreds of items fits easily).
pub const MAX_BODY: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    /// Behind one `Arc`: axum clones the state for every request, and a `Store` is a dozen
    /// `Arc`s (their counts, shared by the two cores, showed in the lookups' profile).
    pub store: std::sync::Arc<Store>,
    /// Whether the demo province was loaded, so the landing page may list its accounts.
    pub demo: bool,
    /// How the console's cookies are sent and which origin its forms come from.
    pub console: console::Settings,
}

/// The API, CKAN's Action API, the console and the open-data portal. CKAN's API, the console
/// and the portal are merged after the API's problem+json layer, so their errors stay CKAN's
/// envelope and pages.
pub fn router(state: AppState) -> Router {
    routes::routes()
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::map_response(
            error::problem_for_bare_errors,
        ))
        .merge(ckan::routes())
        .merge(console::routes().layer(DefaultBodyLimit::max(console::MAX_FORM)))
        .merge(portal::routes().layer(DefaultBodyLimit::max(console::MAX_FORM)))
        .layer(axum::middleware::from_fn(error::refuse_long_uris))
        .layer(axum::middleware::map_response(no_sniffing))
        .layer(axum::middleware::from_fn(error::close_when_body_unread))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// Every response, the API's JSON and CSV and its refusals included, is read as the type it
/// declares: a browser led to an answer that echoes input never runs it as a page or script.
/// (The console and the portal set their fuller policy on their own routes.)
async fn no_sniffing(mut resp: axum::response::Response) -> axum::response::Response {
    resp.headers_mut().insert(
        axum::http::header::X_CONTENT_TYPE_OPTIONS,
        axum::http::HeaderValue::from_static("nosniff"),
    );
    resp
}

/// A request's span in the log: its method and the route it matched, never the path or the
/// query themselves, which may carry an ID number, a name or a cursor.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("(no route)", |m| m.as_str());
    tracing::debug_span!("request", method = %req.method(), route)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// The address the public reaches this server at, for links in feeds, catalogues and CKAN's
/// answers: the configured public URL, else the request's `Host` when it is a plain host name
/// or address (never anything else echoed back).
pub(crate) fn public_base(st: &AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(o) = &st.console.public_origin {
        return o.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}
