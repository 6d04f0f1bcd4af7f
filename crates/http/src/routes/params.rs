//! Query parameters: parsed strictly, with errors that name the parameter.
use std::collections::HashMap;

use axum::http::StatusCode;
use shuqiao_core::FieldError;

use crate::error::{ApiError, ApiResult};

pub fn bad_param(name: &str, allowed: &str) -> ApiError {
    ApiError::field(
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
        FieldError::new(
            name,
            "invalid_parameter",
            format!("参数 {name} 的取值不正确，可选：{allowed}"),
            format!("parameter {name} must be one of: {allowed}"),
        ),
    )
}

pub fn parse_enum<T>(
    params: &HashMap<String, String>,
    name: &str,
    parse: fn(&str) -> Option<T>,
    allowed: String,
) -> ApiResult<Option<T>> {
    match params.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => parse(v).map(Some).ok_or_else(|| bad_param(name, &allowed)),
    }
}

pub fn parse_number(
    params: &HashMap<String, String>,
    name: &str,
    default: u32,
    max: u32,
) -> ApiResult<u32> {
    match params.get(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| bad_param(name, &format!("0–{max}"))),
    }
}

/// An optional non-negative integer parameter.
pub fn parse_u64(params: &HashMap<String, String>, name: &str) -> ApiResult<Option<u64>> {
    match params.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<u64>()
            .map(Some)
            .map_err(|_| bad_param(name, "0, 1, 2, …")),
    }
}

/// A required non-negative integer parameter.
pub fn require_u64(params: &HashMap<String, String>, name: &str) -> ApiResult<u64> {
    parse_u64(params, name)?.ok_or_else(|| {
        ApiError::field(
            StatusCode::BAD_REQUEST,
            "missing_parameter",
            FieldError::required(name, name),
        )
    })
}

/// Refuses parameters outside `known`, so a typo never silently widens a query.
pub fn only_known(params: &HashMap<String, String>, known: &[&str]) -> ApiResult<()> {
    match params.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(bad_param(unknown, &known.join(", "))),
        None => Ok(()),
    }
}
