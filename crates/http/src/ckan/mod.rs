//! CKAN's Action API (`/api/3/action/{name}` and `/api/action/{name}`), so unchanged CKAN
//! clients — harvesters, `ckanapi`, portals' widgets — read the open-data portal. Anonymous:
//! everything here is open data, read from the portal's copy only (ADR 0006).
//!
//! Its errors are CKAN's own envelope, not problem+json: this router is merged beside the
//! API's, outside the layer that turns bare errors into problems.
mod actions;
mod datastore;
mod dicts;
mod fq;
mod params;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use shuqiao_core::DomainError;
use shuqiao_service::{Store, StoreError};

use crate::AppState;

/// The Action API's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/3/action/{name}", get(action).post(action))
        .route("/api/action/{name}", get(action).post(action))
        .layer(DefaultBodyLimit::max(crate::MAX_BODY))
}

/// What an action reads: the store, where the site is, and the request's own path and
/// query (CKAN builds `datastore_search`'s links from them).
pub(crate) struct Ctx {
    pub store: Arc<Store>,
    pub base: String,
    pub path: String,
    pub query: Option<String>,
    /// An open-data key sent as CKAN clients send API keys (`Authorization: <key>`, or with
    /// `Bearer `), for the rows of 有条件开放 datasets.
    pub key: Option<String>,
}

fn open_key(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let v = v.strip_prefix("Bearer ").unwrap_or(v).trim();
    shuqiao_core::open::is_open_key(v).then(|| v.to_string())
}

/// An action's parameters, as CKAN reads them: a JSON object.
pub(crate) type Data = Map<String, Value>;

/// The ways an action fails, each answered as CKAN answers it.
#[derive(Debug)]
pub(crate) enum CkanError {
    /// 400, with a bare JSON string as the body (CKAN's `_finish_bad_request`).
    BadRequest(String),
    /// 404 `Not Found Error`; the text after "Not found".
    NotFound(Option<String>),
    /// 403 `Authorization Error`; the text after "Access denied".
    Forbidden(String),
    /// 409 `Validation Error`: field → messages.
    Validation(BTreeMap<String, Vec<String>>),
    /// 400 `Search Query Error`.
    SearchQuery(String),
    /// 500; the cause goes to the log only.
    Internal,
}

pub(crate) type CkanResult<T> = Result<T, CkanError>;

impl CkanError {
    pub fn invalid(field: &str, msg: impl Into<String>) -> CkanError {
        CkanError::Validation(BTreeMap::from([(field.to_string(), vec![msg.into()])]))
    }
}

impl From<StoreError> for CkanError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(DomainError::NotFound { .. }) => CkanError::NotFound(None),
            StoreError::Domain(DomainError::Invalid(errors)) => {
                let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for e in errors {
                    let key = e.field.split('.').next().unwrap_or("").to_string();
                    out.entry(key).or_default().push(e.en);
                }
                CkanError::Validation(out)
            }
            StoreError::Domain(DomainError::Forbidden { msg, .. }) => {
                CkanError::Forbidden(msg.en.clone())
            }
            other => {
                tracing::error!(error = %other, "a CKAN action failed");
                CkanError::Internal
            }
        }
    }
}

const JSON_UTF8: &str = "application/json;charset=utf-8";

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, JSON_UTF8)],
        serde_json::to_string(body).unwrap_or_default(),
    )
        .into_response()
}

fn bad_request(msg: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &Value::String(format!("Bad request - {msg}")),
    )
}

async fn action(
    State(st): State<AppState>,
    Path(name): Path<String>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    if !actions::is_known(&name) {
        return bad_request(&format!("Action name not known: {name}"));
    }
    let data = match params::request_data(&method, &headers, uri.query(), &body) {
        Ok(d) => d,
        Err(msg) => return bad_request(&format!("JSON Error: {msg}")),
    };
    let base = crate::public_base(&st, &headers);
    let help = format!("{base}/api/3/action/help_show?name={name}");
    let cx = Ctx {
        store: st.store.clone(),
        base,
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        key: open_key(&headers),
    };
    match actions::run(&cx, &name, data).await {
        Ok(actions::Payload::Json(result)) => json_response(
            StatusCode::OK,
            &json!({"help": help, "success": true, "result": result}),
        ),
        Ok(actions::Payload::Text(result)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, JSON_UTF8)],
            format!(
                "{{\"help\":{},\"success\":true,\"result\":{result}}}",
                Value::String(help)
            ),
        )
            .into_response(),
        Err(CkanError::BadRequest(msg)) => bad_request(&msg),
        Err(e) => {
            let (status, error) = match e {
                CkanError::NotFound(msg) => (
                    StatusCode::NOT_FOUND,
                    json!({"__type": "Not Found Error", "message": match msg {
                        Some(m) => format!("Not found: {m}"),
                        None => "Not found".to_string(),
                    }}),
                ),
                CkanError::Forbidden(msg) => (
                    StatusCode::FORBIDDEN,
                    json!({"__type": "Authorization Error", "message": format!("Access denied: {msg}")}),
                ),
                CkanError::Validation(fields) => {
                    let mut m: Map<String, Value> =
                        fields.into_iter().map(|(k, v)| (k, json!(v))).collect();
                    m.insert("__type".into(), json!("Validation Error"));
                    (StatusCode::CONFLICT, Value::Object(m))
                }
                CkanError::SearchQuery(msg) => (
                    StatusCode::BAD_REQUEST,
                    json!({"__type": "Search Query Error", "message": format!("Search Query is invalid: {msg}")}),
                ),
                CkanError::Internal | CkanError::BadRequest(_) => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"__type": "Internal Server Error", "message": "Internal Server Error"}),
                ),
            };
            json_response(
                status,
                &json!({"help": help, "success": false, "error": error}),
            )
        }
    }
}
