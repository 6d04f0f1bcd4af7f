//! Every error leaves as application/problem+json with a stable `code` and a message in
//! Chinese and English. Internal causes are logged, never sent.
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shuqiao_core::{DomainError, FieldError, Msg};
use shuqiao_store::StoreError;

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
