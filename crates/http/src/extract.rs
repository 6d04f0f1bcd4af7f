//! Request extractors: the caller's identity, who may use an endpoint at all, JSON bodies
//! with errors that name the field, and path and query parameters whose errors are
//! problem+json like every other.
//!
//! Order matters: the caller is known, and an endpoint's gate passed, before a body is read,
//! so a caller who may not use an endpoint hears that (401/403), not what was wrong with
//! the body. `Caller` leaves the principal in the request's extensions for `Gate` and
//! `JsonBody`, which run after it.
use std::marker::PhantomData;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;
use shuqiao_core::account::{token_kind, Principal, Role};
use shuqiao_core::{DomainError, FieldError};

use crate::error::ApiError;
use crate::json_problems;
use crate::AppState;

/// The authenticated caller, or `Anonymous` when no credentials were sent. Credentials that
/// were sent but are malformed, unknown, expired or revoked are refused: never downgraded.
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            parts.extensions.insert(Principal::Anonymous);
            return Ok(Caller(Principal::Anonymous));
        };
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|s| token_kind(s).is_some())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "malformed_credentials",
                    "Authorization 头格式不正确，应为 “Bearer <令牌>”",
                    "malformed Authorization header; expected `Bearer <token>`",
                )
            })?;
        match state.store.authenticate(secret).await? {
            Some(p) => {
                parts.extensions.insert(p.clone());
                Ok(Caller(p))
            }
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "令牌或会话无效、已过期或已被吊销，请重新登录或申请新令牌",
                "the token or session is invalid, expired or revoked; sign in again or ask for a new token",
            )),
        }
    }
}

/// Who may use an endpoint at all, decided from the caller alone before its body is read.
/// A gate is a necessary condition, never the whole rule: the store still decides for the
/// particular resource or organisation once the body is known.
pub trait Rule {
    fn check(p: &Principal) -> Result<(), DomainError>;
}

/// Platform administrators (the operator).
pub struct Operator;

impl Rule for Operator {
    fn check(p: &Principal) -> Result<(), DomainError> {
        p.require_platform_admin()
    }
}

/// Data stewards of some department.
pub struct Steward;

impl Rule for Steward {
    fn check(p: &Principal) -> Result<(), DomainError> {
        p.require_authenticated()?;
        if p.has_role(Role::DataSteward) {
            Ok(())
        } else {
            Err(DomainError::forbidden(
                "requires_data_steward",
                "只有部门数据管理员可以执行此操作",
                "only a department data steward may do this",
            ))
        }
    }
}

/// Passes when the caller satisfies `R`; placed after `Caller` and before the body.
pub struct Gate<R>(PhantomData<R>);

impl<R: Rule> FromRequestParts<AppState> for Gate<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let p = match parts.extensions.get::<Principal>() {
            Some(p) => p.clone(),
            None => Caller::from_request_parts(parts, state).await?.0,
        };
        R::check(&p)?;
        Ok(Gate(PhantomData))
    }
}

/// A JSON body, read but not yet parsed: for endpoints whose authorisation needs a lookup
/// (the resource's provider) before the body is looked at. Refuses as [`JsonBody`] does.
pub struct JsonBytes(bytes::Bytes);

impl JsonBytes {
    /// Parses the body; errors name the field, as [`JsonBody`]'s do.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        // Here rather than on reading, so a caller the endpoint refuses hears that first.
        refuse_deep_json(&self.0)?;
        parse_json(&self.0)
    }
}

impl FromRequest<AppState> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        // Nobody signed in is told so before anything about the body: every endpoint that
        // takes a body from a `Caller` needs one.
        if let Some(p) = req.extensions().get::<Principal>() {
            p.require_authenticated()?;
        }
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
        Ok(JsonBytes(bytes))
    }
}

/// The deepest nesting of arrays and objects a JSON body may have. The platform's own bodies
/// nest a few levels (a resource's items, a pushed record's fields); a bound far above that
/// refuses a body built to exhaust the parser's stack or the problem report's recursion, with
/// its own code, before serde sees it.
pub const MAX_JSON_DEPTH: usize = 32;

/// Refuses a body nested deeper than [`MAX_JSON_DEPTH`]: 400 `json_too_deep`.
pub fn refuse_deep_json(bytes: &[u8]) -> Result<(), ApiError> {
    if json_depth(bytes) <= MAX_JSON_DEPTH {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "json_too_deep",
        format!("JSON 请求体嵌套超过 {MAX_JSON_DEPTH} 层：请按接口说明使用扁平的结构"),
        format!(
            "the JSON body is nested more than {MAX_JSON_DEPTH} levels deep: use the flat shape the API documents"
        ),
    ))
}

/// The deepest nesting of `[` and `{` outside strings, in one pass over the bytes, so it costs
/// nothing like a parse and cannot itself recurse. Malformed text is measured the same way;
/// the parser reports its syntax afterwards.
pub fn json_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// A JSON body. A syntax error comes back as 400 `malformed_json`; missing, mistyped and
/// unknown fields as one 422 `validation_failed` naming each (`items[2].code`); bodies over
/// the limit as 413. An anonymous caller of an endpoint with a `Caller` gets 401 before the
/// body is read.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        JsonBytes::from_request(req, state)
            .await?
            .parse()
            .map(JsonBody)
    }
}

/// Reads the body straight into `T`; only a refused body is read again, as a
/// `serde_json::Value`, to name every problem at once: a syntax error is 400
/// `malformed_json` with its line and column, anything else 422 `validation_failed` listing
/// each field, the shape of the catalog's own validation.
fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let first = match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(t) => return Ok(t),
        Err(e) => e,
    };
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| malformed_json(&e))?;
    let errors = match json_problems::problems::<T>(value, bytes.len()) {
        Ok(_) => vec![only_in_the_text(first)],
        Err(errors) => errors,
    };
    Err(DomainError::invalid(errors).into())
}

fn malformed_json(e: &serde_json::Error) -> ApiError {
    ApiError::field(
        StatusCode::BAD_REQUEST,
        "malformed_json",
        FieldError::new(
            "body",
            "malformed_json",
            format!(
                "JSON 语法错误（第 {} 行第 {} 列），请检查引号、逗号和括号",
                e.line(),
                e.column()
            ),
            format!("`body`: {e}"),
        ),
    )
}

/// A problem the text has and its value has not: a field given twice.
fn only_in_the_text(e: serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    let text = inner.to_string();
    let twice = text
        .strip_prefix("duplicate field `")
        .and_then(|rest| rest.split('`').next());
    let field = match (path.as_str(), twice) {
        (".", Some(name)) => name.to_string(),
        (".", None) => "body".to_string(),
        (_, Some(name)) => format!("{path}.{name}"),
        (_, None) => path,
    };
    FieldError::new(
        field.clone(),
        if twice.is_some() {
            "duplicate_field"
        } else {
            "invalid_value"
        },
        format!("字段「{field}」不符合要求：{inner}"),
        format!("`{field}`: {inner}"),
    )
}

/// Typed path parameters whose refusal is problem+json naming the parameter, not axum's
/// plain text.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let (name, value) = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, value, .. } => (key.clone(), value.clone()),
                    ErrorKind::InvalidUtf8InPathParam { key } => (key.clone(), String::new()),
                    ErrorKind::ParseErrorAtIndex { index, value, .. } => {
                        (format!("#{index}"), value.clone())
                    }
                    ErrorKind::ParseError { value, .. } => {
                        (only_parameter(parts, state).await, value.clone())
                    }
                    _ => (only_parameter(parts, state).await, String::new()),
                };
                Err(bad_path_parameter(&name, &value))
            }
            Err(_) => Err(bad_path_parameter(&only_parameter(parts, state).await, "")),
        }
    }
}

/// The name of a route's one path parameter (read as a single value, serde's error does not
/// name it), or `path` for a route with several.
async fn only_parameter<S: Send + Sync>(parts: &mut Parts, state: &S) -> String {
    let Ok(params) = axum::extract::RawPathParams::from_request_parts(parts, state).await else {
        return "path".to_string();
    };
    let mut names = params.iter().map(|(name, _)| name);
    match (names.next(), names.next()) {
        (Some(name), None) => name.to_string(),
        _ => "path".to_string(),
    }
}

fn bad_path_parameter(name: &str, value: &str) -> ApiError {
    let value: String = value.chars().take(100).collect();
    ApiError::field(
        StatusCode::BAD_REQUEST,
        "invalid_path_parameter",
        FieldError::new(
            name,
            "invalid_path_parameter",
            format!("路径参数 {name} 的值「{value}」不正确：编号、版本号和序号应为非负整数，代码应为正确的 UTF-8 文本"),
            format!("path parameter {name} cannot be `{value}`: ids, versions and indices are non-negative integers, codes are valid UTF-8"),
        ),
    )
}

/// Typed query parameters whose refusal is problem+json, not axum's plain text.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(ApiError::bad_request(
                "invalid_query",
                format!("查询参数不正确：{}", e.body_text()),
                format!("the query string is not valid: {}", e.body_text()),
            )),
        }
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
pub struct ExchangeCredential(pub shuqiao_service::exchange::Credential);

impl<S: Send + Sync> FromRequestParts<S> for ExchangeCredential {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        use shuqiao_service::exchange::Credential;
        let cred = match parts.headers.get(header::AUTHORIZATION) {
            None => Credential::missing(),
            Some(value) => match value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .filter(|s| token_kind(s).is_some())
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

#[cfg(test)]
mod depth_tests {
    use super::*;

    fn nested(n: usize) -> String {
        format!("{}{}", "[".repeat(n), "]".repeat(n))
    }

    #[test]
    fn depth_counts_arrays_and_objects_and_ignores_strings() {
        assert_eq!(json_depth(b"{}"), 1);
        assert_eq!(json_depth(br#"{"a":[{"b":[1,2]}],"c":{}}"#), 4);
        assert_eq!(json_depth(br#"{"a":"[[[[{{{{"}"#), 1);
        assert_eq!(json_depth(br#"{"a":"\"[[[["}"#), 1);
        assert_eq!(json_depth(br#"{"a":"\\",  "b":[[]]}"#), 3);
        assert_eq!(json_depth(b"42"), 0);
    }

    #[test]
    fn bodies_up_to_the_bound_pass_and_deeper_ones_are_json_too_deep() {
        assert!(refuse_deep_json(nested(MAX_JSON_DEPTH).as_bytes()).is_ok());
        let e = refuse_deep_json(nested(MAX_JSON_DEPTH + 1).as_bytes()).unwrap_err();
        assert_eq!(
            (e.status, e.code),
            (StatusCode::BAD_REQUEST, "json_too_deep")
        );
        // Far beyond serde's own recursion limit, refused before any parse.
        assert!(refuse_deep_json(nested(100_000).as_bytes()).is_err());
    }
}
