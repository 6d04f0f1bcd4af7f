//! Request extractors: the caller's identity and JSON bodies with errors that name the field.
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;
use shuqiao_core::account::Principal;
use shuqiao_core::FieldError;

use crate::error::ApiError;
use crate::AppState;

/// The authenticated caller, or `Anonymous` when no credentials were sent. Credentials that
/// were sent but are malformed, unknown, expired or revoked are refused: never downgraded.
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Ok(Caller(Principal::Anonymous));
        };
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|s| (s.starts_with("sq_") || s.starts_with("sqs_")) && s.len() <= 80)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "malformed_credentials",
                    "Authorization 头格式不正确，应为 “Bearer <令牌>”",
                    "malformed Authorization header; expected `Bearer <token>`",
                )
            })?;
        match state.store.authenticate(secret).await? {
            Some(p) => Ok(Caller(p)),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "令牌或会话无效、已过期或已被吊销，请重新登录或申请新令牌",
                "the token or session is invalid, expired or revoked; sign in again or ask for a new token",
            )),
        }
    }
}

/// A JSON body. Syntax errors, wrong types and unknown enum values come back as 400 with the
/// path of the offending field; bodies over the limit as 413.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.starts_with("application/json"))
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "json_required",
                "请求体须为 JSON，并设置 Content-Type: application/json",
                "send a JSON body with Content-Type: application/json",
            ));
        }
        let bytes = bytes::Bytes::from_request(req, state).await.map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("请求体超过 {} KiB 上限", crate::MAX_BODY / 1024),
                format!(
                    "the request body is larger than {} KiB",
                    crate::MAX_BODY / 1024
                ),
            )
        })?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de)
            .map(JsonBody)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let field = if path == "." {
                    "body".to_string()
                } else {
                    path
                };
                let (code, zh) = if inner.is_syntax() || inner.is_eof() {
                    (
                        "malformed_json",
                        format!(
                            "JSON 语法错误（第 {} 行第 {} 列），请检查引号、逗号和括号",
                            inner.line(),
                            inner.column()
                        ),
                    )
                } else {
                    (
                        "invalid_field",
                        format!("字段「{field}」的值不符合要求：{inner}"),
                    )
                };
                ApiError::field(
                    StatusCode::BAD_REQUEST,
                    code,
                    FieldError::new(field.clone(), code, zh, format!("`{field}`: {inner}")),
                )
            })
    }
}

/// A numeric id as the last path parameter; anything else is a 404 in problem+json (an id
/// that cannot exist names nothing), never axum's plain-text rejection.
pub struct PathId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let raw = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|p| p.iter().last().map(|(_, v)| v.to_string()))
            .unwrap_or_default();
        raw.parse::<i64>().map(PathId).map_err(|_| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("编号「{raw}」不存在：编号应为数字"),
                format!("no record `{raw}`: ids are numbers"),
            )
        })
    }
}

/// The credential of an exchange call, exactly as sent, and the address it came from; the
/// store identifies it in the same read that checks the grants and audits the refusal when
/// it names nobody valid (up to a rate per address).
pub struct ExchangeCredential(pub shuqiao_store::exchange::Credential);

impl<S: Send + Sync> FromRequestParts<S> for ExchangeCredential {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        use shuqiao_store::exchange::Credential;
        let cred = match parts.headers.get(header::AUTHORIZATION) {
            None => Credential::missing(),
            Some(value) => match value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .filter(|s| (s.starts_with("sq_") || s.starts_with("sqs_")) && s.len() <= 80)
            {
                Some(s) => Credential::bearer(s),
                None => Credential::malformed(),
            },
        };
        // Present whenever the server runs through `serve`.
        let client = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ExchangeCredential(match client {
            Some(ip) => cred.from_client(ip),
            None => cred,
        }))
    }
}
