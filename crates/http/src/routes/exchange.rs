//! The exchange API for consumer systems (their token in `Authorization: Bearer`): discover
//! what they may use, fetch records by key, verify claims without disclosure, query with
//! filters, follow the change feed, download whole resources. Every answer carries the audit
//! receipt of its access entry; the index is also in the `Shuqiao-Audit-Index` header.
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use shuqiao_service::audit::Receipt;

use super::params::only_known;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, ExchangeCredential, JsonBody, JsonBytes};
use crate::AppState;
use shuqiao_service::exchange::Credential;
use shuqiao_service::exchange::DownloadPlan;

fn with_receipt(status: StatusCode, body: impl serde::Serialize, receipt: &Receipt) -> Response {
    let mut resp = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&receipt.index.to_string()) {
        resp.headers_mut().insert("shuqiao-audit-index", v);
    }
    resp
}

/// A problem with a call's input, found here before the store is asked: the caller is still
/// identified and checked first (one without a grant is refused for that instead), and the
/// refusal is sealed like every other.
async fn refuse_input(
    st: &AppState,
    cred: &Credential,
    action: &str,
    resource: &str,
    problem: ApiError,
) -> ApiError {
    match st
        .store
        .exchange_refuse_input(cred, action, resource, problem.code)
        .await
    {
        Ok(()) => problem,
        Err(e) => e.into(),
    }
}

/// `Ok(v)`, or the refusal of the call for its input, sealed.
async fn checked<T>(
    st: &AppState,
    cred: &Credential,
    action: &str,
    resource: &str,
    input: ApiResult<T>,
) -> ApiResult<T> {
    match input {
        Ok(v) => Ok(v),
        Err(problem) => Err(refuse_input(st, cred, action, resource, problem).await),
    }
}

fn fields_param(params: &HashMap<String, String>) -> ApiResult<Option<Vec<String>>> {
    only_known(params, &["fields"])?;
    Ok(params.get("fields").map(|f| split_fields(f)))
}

fn split_fields(f: &str) -> Vec<String> {
    f.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `GET /api/v1/exchange/grants`: the resources and fields this system may use.
pub async fn allowed(
    State(st): State<AppState>,
    ExchangeCredential(cred): ExchangeCredential,
) -> ApiResult<Json<serde_json::Value>> {
    let items = st.store.exchange_allowed(&cred).await?;
    Ok(Json(json!({ "items": items })))
}

/// `GET /api/v1/exchange/{resource}/records/{key}`.
pub async fn record(
    State(st): State<AppState>,
    ExchangeCredential(cred): ExchangeCredential,
    Path((resource, key)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let fields = checked(
        &st,
        &cred,
        "exchange.lookup",
        &resource,
        fields_param(&params),
    )
    .await?;
    let mut l = st
        .store
        .exchange_lookup(&cred, &resource, vec![key], fields)
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
    let body = RecordAnswer {
        resource: &l.resource,
        key: &key,
        grant: l.grant,
        purpose: &l.purpose,
        record: &record,
        receipt: &l.receipt,
    };
    Ok(with_receipt(StatusCode::OK, body, &l.receipt))
}

/// The answer to a lookup of one key, written straight to the body (the hot path: no
/// intermediate JSON tree).
#[derive(serde::Serialize)]
struct RecordAnswer<'a> {
    resource: &'a str,
    key: &'a str,
    grant: i64,
    purpose: &'a str,
    record: &'a serde_json::Map<String, serde_json::Value>,
    receipt: &'a Receipt,
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
    ExchangeCredential(cred): ExchangeCredential,
    Path(resource): Path<String>,
    body: JsonBytes,
) -> ApiResult<Response> {
    let b: KeysBody = checked(&st, &cred, "exchange.lookup", &resource, body.parse()).await?;
    let l = st
        .store
        .exchange_lookup(&cred, &resource, b.keys, b.fields)
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
    ExchangeCredential(cred): ExchangeCredential,
    Path(resource): Path<String>,
    body: JsonBytes,
) -> ApiResult<Response> {
    let action = "exchange.verify";
    let b: VerifyBody = checked(&st, &cred, action, &resource, body.parse()).await?;
    let claims = checked(&st, &cred, action, &resource, claim_texts(b.claims)).await?;
    let v = st
        .store
        .exchange_verify(&cred, &resource, &b.key, claims)
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

/// Claimed values as text: strings, numbers and booleans.
fn claim_texts(
    claims: serde_json::Map<String, serde_json::Value>,
) -> ApiResult<Vec<(String, String)>> {
    let mut out = Vec::with_capacity(claims.len());
    for (field, v) in claims {
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
        out.push((field, text));
    }
    Ok(out)
}

/// `GET /api/v1/exchange/{resource}/query?FIELD=v&FIELD.gte=v&fields=…&limit=…&cursor=…`:
/// current records matching every filter, in key order, a page at a time.
pub async fn query(
    State(st): State<AppState>,
    ExchangeCredential(cred): ExchangeCredential,
    Path(resource): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let page = st.store.exchange_query(&cred, &resource, params).await?;
    let items: Vec<serde_json::Value> = page
        .items
        .iter()
        .map(|(k, r)| json!({ "key": k, "record": r }))
        .collect();
    let body = json!({
        "resource": page.resource, "grant": page.grant, "fields": page.fields,
        "items": items, "next_cursor": page.next_cursor, "receipt": page.receipt,
    });
    Ok(with_receipt(StatusCode::OK, body, &page.receipt))
}

/// `GET /api/v1/exchange/{resource}/changes?since=…&limit=…&wait=…`: the sync feed.
pub async fn changes(
    State(st): State<AppState>,
    ExchangeCredential(cred): ExchangeCredential,
    Path(resource): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let known = only_known(&params, &["since", "limit", "wait"]);
    checked(&st, &cred, "exchange.changes", &resource, known).await?;
    let get = |k: &str| params.get(k).map(String::as_str);
    let page = st
        .store
        .exchange_changes(&cred, &resource, get("since"), get("limit"), get("wait"))
        .await?;
    let body = serde_json::to_value(&page).unwrap_or_default();
    Ok(with_receipt(StatusCode::OK, body, &page.receipt))
}

/// Whether a download is CSV (else JSON Lines), from its parameters.
fn download_format(params: &HashMap<String, String>) -> ApiResult<bool> {
    only_known(params, &["format", "fields"])?;
    match params.get("format").map(String::as_str) {
        None | Some("csv") => Ok(true),
        Some("jsonl") => Ok(false),
        Some(_) => Err(ApiError::bad_request(
            "invalid_format",
            "format 应为 csv 或 jsonl",
            "format must be csv or jsonl",
        )),
    }
}

/// `GET /api/v1/exchange/{resource}/download?format=csv|jsonl&fields=…`: the whole resource,
/// streamed, for 库表/文件 sharing. The receipt is in `Shuqiao-Audit-Receipt` (base64 JSON);
/// `Shuqiao-Changes-Since` is the change-feed cursor to continue from afterwards.
pub async fn download(
    State(st): State<AppState>,
    ExchangeCredential(cred): ExchangeCredential,
    Path(resource): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let csv = checked(
        &st,
        &cred,
        "exchange.download",
        &resource,
        download_format(&params),
    )
    .await?;
    let fields = params.get("fields").map(|f| split_fields(f));
    let plan = st.store.exchange_download(&cred, &resource, fields).await?;
    let mut resp = Response::new(axum::body::Body::from_stream(download_stream(
        shuqiao_service::Store::clone(&st.store),
        plan.clone(),
        csv,
    )));
    let h = resp.headers_mut();
    let (kind, ext) = if csv {
        ("text/csv; charset=utf-8", "csv")
    } else {
        ("application/x-ndjson", "jsonl")
    };
    h.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(kind),
    );
    let name = format!("attachment; filename=\"{}.{ext}\"", plan.resource());
    if let Ok(v) = HeaderValue::from_str(&name) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    for (k, v) in [
        ("shuqiao-audit-index", plan.receipt().index.to_string()),
        ("shuqiao-changes-since", plan.as_of().to_string()),
        ("shuqiao-record-count", plan.total().to_string()),
        ("shuqiao-audit-receipt", receipt_header(plan.receipt())),
    ] {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    }
    Ok(resp)
}

fn receipt_header(r: &Receipt) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(r).unwrap_or_default())
}

/// The download's body: a header line (CSV), then a page of rows at a time as it is read.
/// A read failure mid-stream ends the body with an error, so the client sees a broken
/// transfer rather than a silently short file.
fn download_stream(
    store: shuqiao_service::Store,
    plan: DownloadPlan,
    csv: bool,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    struct S {
        store: shuqiao_service::Store,
        plan: DownloadPlan,
        csv: bool,
        after: Option<String>,
        started: bool,
        done: bool,
    }
    let init = S {
        store,
        plan,
        csv,
        after: None,
        started: false,
        done: false,
    };
    futures_util::stream::unfold(init, |mut s| async move {
        if s.done {
            return None;
        }
        let mut out = String::new();
        if !s.started && s.csv {
            // A BOM so spreadsheet programs read the UTF-8 as UTF-8.
            out.push('\u{feff}');
            out.push_str(&csv_line(s.plan.fields().iter().map(String::as_str)));
        }
        s.started = true;
        let page = match s.store.download_page(&s.plan, s.after.clone()).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, resource = s.plan.resource(), "download page failed");
                s.done = true;
                return Some((Err(std::io::Error::other("download interrupted")), s));
            }
        };
        if page.len() < shuqiao_service::exchange::DOWNLOAD_PAGE {
            s.done = true;
        }
        s.after = page.last().map(|(k, _)| k.clone());
        for (_, record) in &page {
            if s.csv {
                let cells: Vec<String> = s
                    .plan
                    .fields()
                    .iter()
                    .map(|f| cell_text(record.get(f)))
                    .collect();
                out.push_str(&csv_line(cells.iter().map(String::as_str)));
            } else {
                out.push_str(&serde_json::Value::Object(record.clone()).to_string());
                out.push('\n');
            }
        }
        Some((Ok(bytes::Bytes::from(out)), s))
    })
}

fn cell_text(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// One CSV line, quoted as RFC 4180 asks and with spreadsheet formulas defused.
fn csv_line<'a>(cells: impl Iterator<Item = &'a str>) -> String {
    let mut out = shuqiao_core::csv::line(cells);
    out.push_str("\r\n");
    out
}

/// `GET /api/v1/exchange/{resource}/openapi.json`: an OpenAPI document for this system's
/// use of one resource — only the granted fields, with their types.
pub async fn resource_openapi(
    State(st): State<AppState>,
    ExchangeCredential(cred): ExchangeCredential,
    Path(resource): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let a = st.store.exchange_describe(&cred, &resource).await?;
    Ok(Json(crate::openapi::resource_document(&a)))
}

/// `GET /api/v1/exchange/usage?days=N`: this system's calls per day, resource and grant.
pub async fn usage(
    State(st): State<AppState>,
    ExchangeCredential(cred): ExchangeCredential,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<serde_json::Value>> {
    let days = days_param(&params, &["days"])?;
    let items = st.store.exchange_usage(&cred, days).await?;
    Ok(Json(json!({ "items": items })))
}

/// `GET /api/v1/share/usage?system=…&days=N`: every system's calls, for the operator and
/// auditors.
pub async fn usage_report(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<serde_json::Value>> {
    let days = days_param(&params, &["days", "system"])?;
    let items = st
        .store
        .usage_report(p, params.get("system").cloned(), days)
        .await?;
    Ok(Json(json!({ "items": items })))
}

fn days_param(params: &HashMap<String, String>, known: &[&str]) -> ApiResult<u32> {
    only_known(params, known)?;
    match params.get("days") {
        None => Ok(7),
        Some(d) => d
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=366).contains(d))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_days",
                    "days 应为 1 至 366 的整数",
                    "days must be a whole number from 1 to 366",
                )
            }),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsBody {
    #[serde(default)]
    rate_per_second: Option<i64>,
    #[serde(default)]
    quota_per_day: Option<i64>,
}

/// `PUT /api/v1/share/grants/{id}/limits`: the provider's steward or the operator sets a
/// grant's rate and daily quota (absent: no limit / the platform default rate).
pub async fn set_limits(
    State(st): State<AppState>,
    Caller(p): Caller,
    crate::extract::PathId(id): crate::extract::PathId,
    JsonBody(b): JsonBody<LimitsBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let g = st
        .store
        .set_grant_limits(p, id, b.rate_per_second, b.quota_per_day)
        .await?;
    Ok(Json(serde_json::to_value(g).unwrap_or_default()))
}
