//! The catalog API: search, read, and the review lifecycle.
use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use shuqiao_core::catalog::{Category, Grade, OpenType, ResourceMeta, ShareType, Status};
use shuqiao_core::FieldError;
use shuqiao_service::catalog::{
    CatalogEvent, Page, ResourceDetail, ResourceSummary, SearchQuery, VersionInfo, VersionView,
    MAX_PAGE,
};

use super::admin::List;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Gate, JsonBody, Operator, Path, Query, Steward};
use crate::AppState;

use super::params::{bad_param, parse_enum, parse_number};

const SEARCH_PARAMS: &[&str] = &[
    "q",
    "provider",
    "region",
    "category",
    "share_type",
    "open_type",
    "grade",
    "status",
    "limit",
    "offset",
];

/// Reads the search parameters, refusing unknown ones so a typo never silently widens a search.
pub fn search_query(params: &HashMap<String, String>) -> ApiResult<SearchQuery> {
    if let Some(unknown) = params.keys().find(|k| !SEARCH_PARAMS.contains(&k.as_str())) {
        return Err(bad_param(unknown, &SEARCH_PARAMS.join(", ")));
    }
    let text = |n: &str| {
        params
            .get(n)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    if text("q").is_some_and(|q| q.chars().count() > 100) {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            FieldError::too_long("q", 100),
        ));
    }
    Ok(SearchQuery {
        q: text("q"),
        provider: text("provider"),
        region: text("region"),
        category: parse_enum(params, "category", Category::parse, Category::wire_names())?,
        share_type: parse_enum(
            params,
            "share_type",
            ShareType::parse,
            ShareType::wire_names(),
        )?,
        open_type: parse_enum(params, "open_type", OpenType::parse, OpenType::wire_names())?,
        grade: parse_enum(params, "grade", Grade::parse, Grade::wire_names())?,
        status: parse_enum(params, "status", Status::parse, Status::wire_names())?,
        limit: parse_number(params, "limit", 20, MAX_PAGE)?,
        offset: parse_number(params, "offset", 0, 1_000_000)?,
    })
}

pub async fn search(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<Page<ResourceSummary>>> {
    let q = search_query(&params)?;
    Ok(Json(st.store.search(p, q).await?))
}

pub async fn create(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Steward>,
    JsonBody(meta): JsonBody<ResourceMeta>,
) -> ApiResult<(StatusCode, Json<ResourceDetail>)> {
    let d = st.store.create_resource(p, meta).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

pub async fn get(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<ResourceDetail>> {
    Ok(Json(st.store.get_resource(p, &code).await?))
}

pub async fn update(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Steward>,
    Path(code): Path<String>,
    JsonBody(meta): JsonBody<ResourceMeta>,
) -> ApiResult<Json<ResourceDetail>> {
    Ok(Json(st.store.update_resource(p, &code, meta).await?))
}

pub async fn submit(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<ResourceDetail>> {
    Ok(Json(st.store.submit_resource(p, &code).await?))
}

pub async fn publish(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<ResourceDetail>> {
    Ok(Json(st.store.publish_resource(p, &code).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}

pub async fn send_back(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    Path(code): Path<String>,
    JsonBody(r): JsonBody<Reason>,
) -> ApiResult<Json<ResourceDetail>> {
    Ok(Json(st.store.return_resource(p, &code, &r.reason).await?))
}

pub async fn retire(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    Path(code): Path<String>,
    JsonBody(r): JsonBody<Reason>,
) -> ApiResult<Json<ResourceDetail>> {
    Ok(Json(st.store.retire_resource(p, &code, &r.reason).await?))
}

pub async fn versions(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<List<VersionInfo>>> {
    Ok(Json(st.store.resource_versions(p, &code).await?.into()))
}

pub async fn version(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path((code, version)): Path<(String, i64)>,
) -> ApiResult<Json<VersionView>> {
    Ok(Json(st.store.resource_version(p, &code, version).await?))
}

pub async fn history(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<List<CatalogEvent>>> {
    Ok(Json(st.store.resource_history(p, &code).await?.into()))
}
