//! Every error leaves as application/problem+json with a stable `code` and a message in
//! Chinese and English. Internal causes are logged, never sent.
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shuqiao_core::{DomainError, FieldError, Msg};
use shuqiao_service::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub msg: Msg,
    pub errors: Vec<FieldError>,
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    code: &'a str,
    detail_zh: &'a str,
    detail_en: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [FieldError],
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code,
            msg: Msg::new(zh, en),
            errors: vec![],
            retry_after: None,
        }
    }

    pub fn bad_request(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, zh, en)
    }

    /// A 400 naming one field, for malformed query parameters and bodies.
    pub fn field(status: StatusCode, code: &'static str, e: FieldError) -> Self {
        ApiError {
            status,
            code,
            msg: Msg::new(e.zh.clone(), e.en.clone()),
            errors: vec![e],
            retry_after: None,
        }
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "平台内部错误，已记录日志；请稍后重试，或联系平台运营方",
            "internal error, logged; please retry later or contact the platform operator",
        )
    }
}

impl ApiError {
    /// The problem for an error status the framework answered by itself, with an empty or
    /// plain-text body: an unknown method (405), a body over its limit (413)…
    pub fn for_status(status: StatusCode) -> Self {
        let (code, zh, en) = match status {
            StatusCode::BAD_REQUEST => (
                "bad_request",
                "请求格式不正确：请对照接口说明（/api/v1/openapi.json）检查路径、参数和请求体",
                "the request is malformed: check its path, parameters and body against /api/v1/openapi.json",
            ),
            StatusCode::NOT_FOUND => (
                "no_such_endpoint",
                "没有这个接口；接口说明见 /api/v1/openapi.json",
                "no such endpoint; see /api/v1/openapi.json",
            ),
            StatusCode::METHOD_NOT_ALLOWED => (
                "method_not_allowed",
                "该接口不接受这种 HTTP 方法：可用的方法见响应头 Allow",
                "this endpoint does not take this HTTP method: the Allow header lists the ones it takes",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                "body_too_large",
                "请求体超过上限：请拆分后分批提交",
                "the request body is over the limit: split it and send the parts separately",
            ),
            StatusCode::URI_TOO_LONG => (
                "uri_too_long",
                "请求地址过长：查询条件较多时请分批查询，批量数据请放在请求体中",
                "the request URI is too long: split the query, or send bulk data in a request body",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "unsupported_media_type",
                "不支持该请求体类型：请按接口说明设置 Content-Type",
                "unsupported body type: set Content-Type as the endpoint documents",
            ),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
                "headers_too_large",
                "请求头过大",
                "the request headers are too large",
            ),
            s if s.is_server_error() => return ApiError { status: s, ..ApiError::internal() },
            _ => (
                "request_refused",
                "请求未被接受：请对照接口说明检查后重试",
                "the request was refused: check it against the API description and retry",
            ),
        };
        ApiError::new(status, code, zh, en)
    }
}

/// The longest request URI (path and query) served; longer ones get 414 in problem+json.
/// (Beyond 64 KiB the HTTP parser itself answers 414, before any route is reached.)
pub const MAX_URI: usize = 8 * 1024;

/// Refuses a request URI over [`MAX_URI`].
pub async fn refuse_long_uris(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let uri = req.uri();
    let len = uri.path().len() + uri.query().map_or(0, |q| q.len() + 1);
    if len > MAX_URI {
        return ApiError::for_status(StatusCode::URI_TOO_LONG).into_response();
    }
    next.run(req).await
}

/// A response sent before the request's body was read to its end (a refusal answered before
/// the body: not signed in, not allowed, too long, too large) says `Connection: close`. The
/// connection is closed after it either way, since the unread rest of the body cannot be
/// told from the next request; without the header a client keeping connections alive sends
/// its next request on one the server is closing, and loses it.
pub async fn close_when_body_unread(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use futures_util::StreamExt as _;

    let headers = req.headers();
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()) != Some(0));
    if !has_body {
        return next.run(req).await;
    }
    let read_to_end = Arc::new(AtomicBool::new(false));
    let (parts, body) = req.into_parts();
    let mark = Arc::clone(&read_to_end);
    let end = futures_util::stream::poll_fn(move |_| {
        mark.store(true, Ordering::Release);
        std::task::Poll::Ready(None)
    });
    let body = axum::body::Body::from_stream(body.into_data_stream().chain(end));
    let mut resp = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    if !read_to_end.load(Ordering::Acquire) {
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}

/// Every error leaves as problem+json: a status the framework set with an empty or
/// plain-text body (405 with its `Allow` header, a refused path parameter of a route with
/// no typed extractor, a body limit) is given the problem body; its headers stay.
pub async fn problem_for_bare_errors(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem {
        return resp;
    }
    let mut out = ApiError::for_status(status).into_response();
    for (name, value) in resp.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid(errors) => {
                let zh = errors
                    .iter()
                    .map(|e| format!("{}：{}", e.field, e.zh))
                    .collect::<Vec<_>>()
                    .join("；");
                let en = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.en))
                    .collect::<Vec<_>>()
                    .join("; ");
                ApiError {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    code: "validation_failed",
                    msg: Msg::new(zh, en),
                    errors,
                    retry_after: None,
                }
            }
            DomainError::NotFound { code, msg } => ApiError {
                status: StatusCode::NOT_FOUND,
                code,
                msg,
                errors: vec![],
                retry_after: None,
            },
            DomainError::Forbidden { code, msg } => ApiError {
                status: StatusCode::FORBIDDEN,
                code,
                msg,
                errors: vec![],
                retry_after: None,
            },
            DomainError::Conflict { code, msg } => ApiError {
                status: StatusCode::CONFLICT,
                code,
                msg,
                errors: vec![],
                retry_after: None,
            },
            DomainError::Unauthenticated { code, msg } => ApiError {
                status: StatusCode::UNAUTHORIZED,
                code,
                msg,
                errors: vec![],
                retry_after: None,
            },
            DomainError::Throttled {
                code,
                msg,
                retry_after_secs,
            } => ApiError {
                status: StatusCode::TOO_MANY_REQUESTS,
                code,
                msg,
                errors: vec![],
                retry_after: Some(retry_after_secs),
            },
        }
    }
}

/// A source that cannot be read (a malformed file, an unreachable department database) is
/// the caller's to fix: 422 with the reader's own code and message.
impl From<shuqiao_core::collect::source::SourceError> for ApiError {
    fn from(e: shuqiao_core::collect::source::SourceError) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.reason, e.zh, e.en)
    }
}

impl From<shuqiao_service::collect::runner::PullError> for ApiError {
    fn from(e: shuqiao_service::collect::runner::PullError) -> Self {
        use shuqiao_service::collect::runner::PullError;
        match e {
            PullError::Source(e) => e.into(),
            PullError::Store(e) => e.into(),
        }
    }
}

impl From<shuqiao_service::audit::AuditError> for ApiError {
    fn from(e: shuqiao_service::audit::AuditError) -> Self {
        StoreError::from(e).into()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => d.into(),
            StoreError::AuditUnavailable => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "audit_unavailable",
                "审计日志暂不可用，为保证全程留痕，本次操作未执行；请稍后重试",
                "the audit log is unavailable, so nothing was done (every action must be sealed); retry later",
            ),
            other => {
                tracing::error!(error = %other, "storage failure");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let body = Problem {
            kind: format!("/docs#problem-{}", self.code),
            title,
            status: self.status.as_u16(),
            detail: format!("{} / {}", self.msg.zh, self.msg.en),
            code: self.code,
            detail_zh: &self.msg.zh,
            detail_en: &self.msg.en,
            errors: &self.errors,
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let mut resp = (self.status, bytes).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(s) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                h.insert(header::RETRY_AFTER, v);
            }
        }
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"shuqiao\""),
            );
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
