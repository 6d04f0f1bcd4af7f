//! The exchange API for consumer systems (their token in `Authorization: Bearer`): discover
//! what they may use, fetch records by key, verify claims without disclosure. Every answer
//! carries the audit receipt of its access entry; the index is also in the
//! `Shuqiao-Audit-Index` header.
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use shuqiao_store::audit::Receipt;

use super::params::bad_param;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody};
use crate::AppState;

fn with_receipt(status: StatusCode, body: serde_json::Value, receipt: &Receipt) -> Response {
    let mut resp = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&receipt.index.to_string()) {
        resp.headers_mut().insert("shuqiao-audit-index", v);
    }
    resp
}

fn fields_param(params: &HashMap<String, String>) -> ApiResult<Option<Vec<String>>> {
    if let Some(unknown) = params.keys().find(|k| k.as_str() != "fields") {
        return Err(bad_param(unknown, "fields"));
    }
    Ok(params.get("fields").map(|f| {
        f.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }))
}

/// `GET /api/v1/exchange/grants`: the resources and fields this system may use.
pub async fn allowed(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<serde_json::Value>> {
    let items = st.store.exchange_allowed(p).await?;
    Ok(Json(json!({ "items": items })))
}

/// `GET /api/v1/exchange/{resource}/records/{key}`.
pub async fn record(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path((resource, key)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let fields = fields_param(&params)?;
    let mut l = st
        .store
        .exchange_lookup(p, &resource, vec![key], fields)
        .await?;
    let (key, record) = l.records.pop().unwrap_or_default();
    let Some(record) = record else {
        let body = json!({
            "type": "/docs#problem-record_not_found", "title": "Not Found", "status": 404,
            "code": "record_not_found",
            "detail": format!("没有主键为 {key} 的记录 / no record with key {key}"),
            "detail_zh": format!("没有主键为 {key} 的记录"), "detail_en": format!("no record with key {key}"),
            "receipt": l.receipt,
        });
        let mut resp = with_receipt(StatusCode::NOT_FOUND, body, &l.receipt);
        resp.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        return Ok(resp);
    };
    let body = json!({
        "resource": l.resource, "key": key, "grant": l.grant, "purpose": l.purpose,
        "record": record, "receipt": l.receipt,
    });
    Ok(with_receipt(StatusCode::OK, body, &l.receipt))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysBody {
    keys: Vec<String>,
    #[serde(default)]
    fields: Option<Vec<String>>,
}

/// `POST /api/v1/exchange/{resource}/records`: up to 1,000 keys in one call.
pub async fn records(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(resource): Path<String>,
    JsonBody(b): JsonBody<KeysBody>,
) -> ApiResult<Response> {
    let l = st
        .store
        .exchange_lookup(p, &resource, b.keys, b.fields)
        .await?;
    let items: Vec<serde_json::Value> = l
        .records
        .iter()
        .map(|(k, r)| json!({ "key": k, "found": r.is_some(), "record": r }))
        .collect();
    let body = json!({
        "resource": l.resource, "grant": l.grant, "purpose": l.purpose, "fields": l.fields,
        "items": items, "receipt": l.receipt,
    });
    Ok(with_receipt(StatusCode::OK, body, &l.receipt))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    key: String,
    claims: serde_json::Map<String, serde_json::Value>,
}

/// `POST /api/v1/exchange/{resource}/verify`: match / no_match / no_record per claimed field.
pub async fn verify(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(resource): Path<String>,
    JsonBody(b): JsonBody<VerifyBody>,
) -> ApiResult<Response> {
    let mut claims = Vec::with_capacity(b.claims.len());
    for (field, v) in b.claims {
        let text = match v {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => {
                return Err(ApiError::bad_request(
                    "invalid_claim",
                    format!("「{field}」的核验值应为字符串、数字或布尔值"),
                    format!("the claimed value of `{field}` must be a string, number or boolean"),
                ))
            }
        };
        claims.push((field, text));
    }
    let v = st
        .store
        .exchange_verify(p, &resource, &b.key, claims)
        .await?;
    let results: serde_json::Map<String, serde_json::Value> = v
        .results
        .iter()
        .map(|(f, verdict)| (f.clone(), serde_json::to_value(verdict).unwrap_or_default()))
        .collect();
    let body = json!({
        "resource": v.resource, "key": v.key, "grant": v.grant, "results": results, "receipt": v.receipt,
    });
    Ok(with_receipt(StatusCode::OK, body, &v.receipt))
}
