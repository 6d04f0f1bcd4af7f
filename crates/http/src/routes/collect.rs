//! The collection API (归集): file uploads, pushed batches, batch reports and rejected rows,
//! collected records with their history, connectors and the override list.
use std::collections::HashMap;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use serde::Deserialize;
use shuqiao_core::collect::source::{Next, Progress, RawRow, RowSource, SourceError};
use shuqiao_core::collect::{BatchMode, BatchPolicy};
use shuqiao_core::FieldError;
use shuqiao_ingest::file::{EncodingChoice, FileFormat, FileOptions};
use shuqiao_service::catalog::Page;
use shuqiao_service::collect::connectors::{ConnectorConfig, ConnectorView};
use shuqiao_service::collect::records::RecordVersion;
use shuqiao_service::collect::{BatchReport, BatchRequest, Channel, DataStatus, OverrideView};
use tokio::io::AsyncWriteExt;

use super::params::{bad_param, parse_number};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Gate, JsonBody, JsonBytes, Operator, Path, PathId, Query};
use crate::AppState;

/// The largest file accepted by upload (the reader never holds it in memory).
pub const MAX_UPLOAD: u64 = 4 << 30;
/// The largest pushed batch body.
pub const MAX_PUSH_BODY: usize = 16 << 20;
/// Rows (upserts plus deletes) per pushed batch; larger loads go through file import.
pub const MAX_PUSH_ROWS: usize = 10_000;

const IMPORT_PARAMS: &[&str] = &[
    "filename",
    "format",
    "encoding",
    "policy",
    "mode",
    "replace",
    "map",
    "sheet",
    "header_row",
];

fn policy(params: &HashMap<String, String>) -> ApiResult<BatchPolicy> {
    match params.get("policy").map(|s| s.trim()) {
        None | Some("") => Ok(BatchPolicy::AllOrNothing),
        Some(v) => {
            BatchPolicy::parse(v).ok_or_else(|| bad_param("policy", "all_or_nothing, accept_valid"))
        }
    }
}

/// `mode=upsert` (the default: records are merged, an item without a column keeps its
/// stored value), `mode=replace` (or `replace=true`: records are replaced whole) or
/// `mode=snapshot` (replaced whole, and keys the file lacks are deleted).
fn mode(params: &HashMap<String, String>) -> ApiResult<BatchMode> {
    let mode = match params.get("mode").map(|s| s.trim()) {
        None | Some("") => BatchMode::Upsert,
        Some(v) => {
            BatchMode::parse(v).ok_or_else(|| bad_param("mode", "upsert, replace, snapshot"))?
        }
    };
    let replace = match params.get("replace").map(|s| s.trim()) {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(bad_param("replace", "true, false")),
    };
    Ok(match (mode, replace) {
        (BatchMode::Upsert, true) => BatchMode::Replace,
        (mode, _) => mode,
    })
}

/// `map=列名:信息项,列名2:信息项2` → pairs.
pub fn parse_mapping(raw: Option<&String>) -> ApiResult<Vec<(String, String)>> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|pair| {
            pair.split_once([':', '='])
                .map(|(c, i)| (c.trim().to_string(), i.trim().to_string()))
                .filter(|(c, i)| !c.is_empty() && !i.is_empty())
                .ok_or_else(|| bad_param("map", "列名:信息项代码,… (column:ITEM,…)"))
        })
        .collect()
}

/// A batch's answer: 201 when applied, 200 for a replay, 422 problem+json with the report
/// when rejected or failed.
fn batch_response(report: BatchReport) -> Response {
    let status = match (report.status.as_str(), report.replayed) {
        ("applied", false) => StatusCode::CREATED,
        ("applied", true) => StatusCode::OK,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    if status != StatusCode::UNPROCESSABLE_ENTITY {
        return (status, Json(report)).into_response();
    }
    let err = report
        .error
        .clone()
        .unwrap_or(shuqiao_service::collect::BatchError {
            code: "batch_failed".into(),
            zh: "批次未应用".into(),
            en: "the batch was not applied".into(),
        });
    let body = serde_json::json!({
        "type": format!("/docs#problem-{}", err.code),
        "title": "Unprocessable Entity",
        "status": 422,
        "code": err.code,
        "detail": format!("{} / {}", err.zh, err.en),
        "detail_zh": err.zh,
        "detail_en": err.en,
        "rejects": format!("/api/v1/collect/batches/{}/rejects", report.id),
        "batch": report,
    });
    let mut resp = (status, Json(body)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    resp
}

/// Streams the request body to a temporary file: an upload is never held in memory.
pub(crate) async fn spool(body: Body) -> ApiResult<tempfile::TempPath> {
    let tmp = tempfile::NamedTempFile::new().map_err(|e| {
        tracing::error!(error = %e, "cannot create a spool file");
        ApiError::internal()
    })?;
    let (file, path) = tmp.into_parts();
    let mut file = tokio::fs::File::from_std(file);
    let mut stream = body.into_data_stream();
    let mut size: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::bad_request(
                "upload_interrupted",
                "上传中断，请重新上传",
                "the upload was interrupted; upload again",
            )
        })?;
        size += chunk.len() as u64;
        if size > MAX_UPLOAD {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "file_too_large",
                format!("文件超过 {} GiB 上限：请拆分后分批导入", MAX_UPLOAD >> 30),
                format!(
                    "the file is larger than {} GiB: split it into several imports",
                    MAX_UPLOAD >> 30
                ),
            ));
        }
        file.write_all(&chunk).await.map_err(|e| {
            tracing::error!(error = %e, "cannot write the spool file");
            ApiError::internal()
        })?;
    }
    file.flush().await.map_err(|_| ApiError::internal())?;
    Ok(path)
}

/// `POST /api/v1/collect/resources/{code}/imports`: the body is the file itself.
pub async fn import(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    body: Body,
) -> ApiResult<Response> {
    if let Some(unknown) = params.keys().find(|k| !IMPORT_PARAMS.contains(&k.as_str())) {
        return Err(bad_param(unknown, &IMPORT_PARAMS.join(", ")));
    }
    p.require_authenticated()?;
    let mut opts = FileOptions {
        format: match params.get("format") {
            None => None,
            Some(f) => {
                Some(FileFormat::parse(f).ok_or_else(|| bad_param("format", "csv, jsonl, xlsx"))?)
            }
        },
        encoding: match params.get("encoding") {
            None => EncodingChoice::Auto,
            Some(e) => EncodingChoice::parse(e)
                .ok_or_else(|| bad_param("encoding", "auto, utf-8, gbk, gb18030"))?,
        },
        sheet: params.get("sheet").cloned(),
        delimiter: None,
        header_row: match params.get("header_row") {
            None => None,
            Some(n) => Some(
                n.trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| bad_param("header_row", "1, 2, 3, …"))?,
            ),
        },
        expected_columns: Vec::new(),
    };
    let mut req = BatchRequest::new(
        &code,
        Channel::Import,
        params
            .get("filename")
            .map(String::as_str)
            .unwrap_or("upload"),
    );
    req.policy = policy(&params)?;
    req.mode = mode(&params)?;
    req.mapping = parse_mapping(params.get("map"))?;
    opts.expected_columns = st.store.import_columns(p.clone(), &code).await?;
    let path = spool(body).await?;
    let name = params.get("filename").cloned();
    let (source, format, encoding) = open_upload(path, name, opts)
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(ApiError::from)?;
    req.format = format;
    req.encoding = encoding;
    let report = st.store.collect_batch(p, req, source, None).await?;
    Ok(batch_response(report))
}

/// A spooled upload's rows with its format and encoding as read, opened in the blocking
/// pool: the same reading for the API and the console.
pub(crate) type OpenedUpload = (KeepPath, Option<String>, Option<String>);

pub(crate) async fn open_upload(
    path: tempfile::TempPath,
    name: Option<String>,
    opts: FileOptions,
) -> Result<Result<OpenedUpload, SourceError>, tokio::task::JoinError> {
    tokio::task::spawn_blocking(move || {
        let source = shuqiao_ingest::file::open_file(&path, name.as_deref(), &opts)?;
        let described = shuqiao_ingest::describe_file(&path, name.as_deref(), &opts);
        // The source keeps its own handle; the file's name goes when the path drops.
        Ok((
            KeepPath {
                source,
                _path: path,
            },
            described.0,
            described.1,
        ))
    })
    .await
}

/// A source together with the temporary file it reads, removed when both are done.
pub(crate) struct KeepPath {
    source: Box<dyn shuqiao_core::collect::source::RowSource>,
    _path: tempfile::TempPath,
}

impl shuqiao_core::collect::source::RowSource for KeepPath {
    fn columns(&self) -> &[String] {
        self.source.columns()
    }
    fn next_row(
        &mut self,
        row: &mut shuqiao_core::collect::source::RawRow,
    ) -> Result<shuqiao_core::collect::source::Next, shuqiao_core::collect::source::SourceError>
    {
        self.source.next_row(row)
    }
    fn progress(&self) -> shuqiao_core::collect::source::Progress {
        self.source.progress()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushBody {
    /// The client's own id for this batch: resending it changes nothing.
    batch_id: Option<String>,
    #[serde(default)]
    policy: Option<BatchPolicy>,
    #[serde(default)]
    source_system: Option<String>,
    /// Replace whole records: an item an upsert leaves out is cleared. By default records
    /// are merged: an item left out keeps its stored value (`null` clears it).
    #[serde(default)]
    replace: bool,
    #[serde(default)]
    upserts: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Keys of records to delete (composite keys joined with `|`).
    #[serde(default)]
    deletes: Vec<String>,
}

fn cell(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => Some(String::new()),
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Pushed rows as a source: the columns are every key used, in order of first use; a key an
/// upsert leaves out is absent from its row (kept when merging), unlike `null`.
fn push_source(upserts: &[serde_json::Map<String, serde_json::Value>]) -> ApiResult<PushRows> {
    let mut columns: Vec<String> = Vec::new();
    for row in upserts {
        for k in row.keys() {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    let mut rows = Vec::with_capacity(upserts.len());
    for (i, row) in upserts.iter().enumerate() {
        let mut cells = vec![String::new(); columns.len()];
        let absent: Vec<usize> = columns
            .iter()
            .enumerate()
            .filter(|(_, c)| !row.contains_key(*c))
            .map(|(ci, _)| ci)
            .collect();
        for (k, v) in row {
            let Some(text) = cell(v) else {
                return Err(ApiError::field(
                    StatusCode::BAD_REQUEST,
                    "nested_value",
                    FieldError::new(
                        format!("upserts[{i}].{k}"),
                        "nested_value",
                        "信息项的值应为字符串、数字、布尔值或 null",
                        "an item's value is a string, number, boolean or null",
                    ),
                ));
            };
            if let Some(ci) = columns.iter().position(|c| c == k) {
                cells[ci] = text;
            }
        }
        rows.push((cells, absent));
    }
    Ok(PushRows {
        columns,
        rows: rows.into_iter(),
        next_no: 1,
    })
}

/// A pushed batch's rows, each with the columns it leaves out.
struct PushRows {
    columns: Vec<String>,
    rows: std::vec::IntoIter<(Vec<String>, Vec<usize>)>,
    next_no: u64,
}

impl RowSource for PushRows {
    fn columns(&self) -> &[String] {
        &self.columns
    }
    fn next_row(&mut self, row: &mut RawRow) -> Result<Next, SourceError> {
        let Some((cells, absent)) = self.rows.next() else {
            return Ok(Next::End);
        };
        row.row_no = self.next_no;
        row.cells = cells;
        row.absent = absent;
        self.next_no += 1;
        Ok(Next::Row)
    }
    fn progress(&self) -> Progress {
        Progress {
            done: self.next_no - 1,
            total: Some(self.next_no - 1 + self.rows.len() as u64),
        }
    }
}

/// `POST /api/v1/collect/resources/{code}/batches`: upserts and deletes, idempotent by `batch_id`.
pub async fn push(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
    body: JsonBytes,
) -> ApiResult<Response> {
    // Who may collect into this resource is known before the body is looked at.
    st.store.check_collector(p.clone(), &code).await?;
    let body: PushBody = body.parse()?;
    if body.upserts.len() + body.deletes.len() > MAX_PUSH_ROWS {
        return Err(ApiError::bad_request(
            "batch_too_large",
            format!("每批最多 {MAX_PUSH_ROWS} 条变更；更大的数据请用文件导入"),
            format!("at most {MAX_PUSH_ROWS} changes per pushed batch; import a file for more"),
        ));
    }
    if body.upserts.is_empty() && body.deletes.is_empty() {
        return Err(ApiError::bad_request(
            "empty_batch",
            "批次中没有任何变更",
            "the batch holds no changes",
        ));
    }
    let source = push_source(&body.upserts)?;
    let mut req = BatchRequest::new(&code, Channel::Push, "api");
    req.policy = body.policy.unwrap_or(BatchPolicy::AllOrNothing);
    if body.replace {
        req.mode = BatchMode::Replace;
    }
    req.source_system = body.source_system.clone().or(match &p {
        shuqiao_core::account::Principal::System { system, .. } => Some(system.clone()),
        _ => None,
    });
    req.payload_hash = body.batch_id.as_ref().map(|_| payload_hash(&body));
    req.client_batch = body.batch_id;
    req.deletes = body.deletes;
    let report = st.store.collect_batch(p, req, source, None).await?;
    Ok(batch_response(report))
}

/// A digest of what a pushed batch asks for, to tell a retry from a different batch.
fn payload_hash(b: &PushBody) -> String {
    let mut canonical = serde_json::json!({
        "policy": b.policy.map(|p| p.as_str()),
        "upserts": b.upserts,
        "deletes": b.deletes,
    });
    // Only when asked for, so that the digest of a merging push stays what it always was.
    if b.replace {
        canonical["replace"] = serde_json::Value::Bool(true);
    }
    shuqiao_core::account::secret_hash(&canonical.to_string())
}

pub async fn batches(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<Page<BatchReport>>> {
    let limit = parse_number(&params, "limit", 20, 500)?;
    let offset = parse_number(&params, "offset", 0, 1_000_000)?;
    Ok(Json(st.store.list_batches(p, &code, limit, offset).await?))
}

pub async fn batch(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
) -> ApiResult<Json<BatchReport>> {
    Ok(Json(st.store.get_batch(p, id).await?))
}

/// Rejected rows as JSON, or as CSV (`?format=csv`, UTF-8 with BOM so spreadsheet programs
/// show the Chinese right) for the department to fix and resubmit.
pub async fn rejects(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    // Who is asking comes first: an anonymous caller is told to sign in, not that the batch
    // does not exist.
    p.require_authenticated()?;
    let id: i64 = id.parse().map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "batch_not_found",
            "批次不存在",
            "no such batch",
        )
    })?;
    let rows = st.store.batch_rejects(p, id).await?;
    match params.get("format").map(String::as_str) {
        None | Some("json") => {
            Ok(Json(serde_json::json!({ "batch": id, "items": rows })).into_response())
        }
        Some("csv") => {
            let out = crate::downloads::rejects_csv(rows);
            let mut resp = out.into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            if let Ok(v) =
                HeaderValue::from_str(&format!("attachment; filename=\"batch-{id}-rejects.csv\""))
            {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            Ok(resp)
        }
        Some(_) => Err(bad_param("format", "json, csv")),
    }
}

/// `?at=` as milliseconds or an RFC 3339 time.
fn parse_at(params: &HashMap<String, String>) -> ApiResult<Option<i64>> {
    let Some(raw) = params.get("at").map(|s| s.trim()).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if let Ok(ms) = raw.parse::<i64>() {
        return Ok(Some(ms));
    }
    time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
        .map(|t| Some((t.unix_timestamp_nanos() / 1_000_000) as i64))
        .map_err(|_| {
            bad_param(
                "at",
                "毫秒时间戳或 RFC 3339 时间，如 2026-12-01T09:00:00+08:00 (ms or RFC 3339)",
            )
        })
}

pub async fn record(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path((code, key)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<RecordVersion>> {
    let at = parse_at(&params)?;
    Ok(Json(st.store.record_at(p, &code, &key, at).await?))
}

pub async fn record_history(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path((code, key)): Path<(String, String)>,
) -> ApiResult<Json<serde_json::Value>> {
    let items = st.store.record_history(p, &code, &key).await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

pub async fn status(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<serde_json::Value>> {
    let stale = match params.get("stale").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(bad_param("stale", "true, false")),
    };
    let items: Vec<DataStatus> = st
        .store
        .data_status(p, params.get("provider").cloned(), stale)
        .await?;
    Ok(Json(
        serde_json::json!({ "items": items, "total": items.len() }),
    ))
}

pub async fn get_connector(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<ConnectorView>> {
    Ok(Json(st.store.get_connector(p, &code).await?))
}

/// Saves a connector after checking it can really be read: the database answers and the
/// table or query exists.
pub async fn put_connector(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
    JsonBody(cfg): JsonBody<ConnectorConfig>,
) -> ApiResult<Json<ConnectorView>> {
    // Authorisation and shape first, so nobody can use the check to probe databases.
    st.store
        .connector_for_run(p.clone(), &code)
        .await
        .map(|_| ())
        .or_else(|e| match e.domain() {
            Some(shuqiao_core::DomainError::NotFound {
                code: "connector_not_found",
                ..
            }) => Ok(()),
            _ => Err(e),
        })?;
    shuqiao_service::collect::runner::check_connector(&cfg).await?;
    Ok(Json(st.store.set_connector(p, &code, cfg).await?))
}

pub async fn delete_connector(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
) -> ApiResult<StatusCode> {
    st.store.delete_connector(p, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn run_connector(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
) -> ApiResult<Response> {
    let due = st.store.connector_for_run(p, &code).await?;
    let report = shuqiao_service::collect::runner::run(&st.store, due).await?;
    Ok(batch_response(report))
}

pub async fn overrides(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<serde_json::Value>> {
    let items: Vec<OverrideView> = st.store.list_overrides(p).await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOverride {
    kind: String,
    value: String,
    reason: String,
}

pub async fn add_override(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    JsonBody(b): JsonBody<NewOverride>,
) -> ApiResult<(StatusCode, Json<OverrideView>)> {
    let o = st
        .store
        .add_override(p, &b.kind, &b.value, &b.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(o)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    reason: String,
}

pub async fn remove_override(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ReasonBody>,
) -> ApiResult<StatusCode> {
    st.store.remove_override(p, id, &b.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}
