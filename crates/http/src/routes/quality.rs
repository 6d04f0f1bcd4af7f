//! Quality (质量闭环): objections to wrong records and the operator's quality deadlines.
use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use shuqiao_core::quality::objection::{Answer, ObjectionInput, Response, Ruling};
use shuqiao_core::quality::score::Rule;
use shuqiao_core::quality::source::{Duplicate, SubjectKind};
use shuqiao_core::quality::QualitySettings;
use shuqiao_service::quality::objections::{ObjectionFilter, ObjectionView};
use shuqiao_service::quality::scores::{ResourceScore, Scores};
use shuqiao_service::quality::sources::SourceView;

use super::admin::List;
use super::params::{bad_param, only_known};
use crate::error::ApiResult;
use crate::extract::{Caller, Gate, JsonBody, Operator, Path, PathId};
use crate::AppState;

// ---- objections (校核纠错) ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    pub answer: Answer,
    pub note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseBody {
    pub response: Response,
    pub note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulingBody {
    pub ruling: Ruling,
    pub note: String,
}

pub async fn file_objection(
    State(st): State<AppState>,
    Caller(p): Caller,
    JsonBody(b): JsonBody<ObjectionInput>,
) -> ApiResult<(StatusCode, Json<ObjectionView>)> {
    let v = st.store.file_objection(p, b).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

pub async fn objections(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<List<ObjectionView>>> {
    only_known(&q, &["status", "resource", "supervision"])?;
    let text = |n: &str| {
        q.get(n)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let supervision = match q.get("supervision").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(bad_param("supervision", "true, false")),
    };
    let f = ObjectionFilter {
        status: text("status"),
        resource: text("resource"),
        supervision,
    };
    Ok(Json(List::from(st.store.list_objections(p, f).await?)))
}

pub async fn objection(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
) -> ApiResult<Json<ObjectionView>> {
    Ok(Json(st.store.get_objection(p, id).await?))
}

pub async fn answer_objection(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
    JsonBody(b): JsonBody<AnswerBody>,
) -> ApiResult<Json<ObjectionView>> {
    Ok(Json(
        st.store.answer_objection(p, id, b.answer, b.note).await?,
    ))
}

pub async fn respond_objection(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ResponseBody>,
) -> ApiResult<Json<ObjectionView>> {
    Ok(Json(
        st.store
            .respond_objection(p, id, b.response, b.note)
            .await?,
    ))
}

pub async fn rule_objection(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    PathId(id): PathId,
    JsonBody(b): JsonBody<RulingBody>,
) -> ApiResult<Json<ObjectionView>> {
    Ok(Json(
        st.store.rule_objection(p, id, b.ruling, b.note).await?,
    ))
}

pub async fn settings(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<QualitySettings>> {
    Ok(Json(st.store.quality_settings(p).await?))
}

pub async fn set_settings(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    JsonBody(b): JsonBody<QualitySettings>,
) -> ApiResult<Json<QualitySettings>> {
    Ok(Json(st.store.set_quality_settings(p, b).await?))
}

// ---- scores ----

#[derive(Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub rules: Vec<Rule>,
}

pub async fn scores(State(st): State<AppState>, Caller(p): Caller) -> ApiResult<Json<Scores>> {
    Ok(Json(st.store.quality_scores(p).await?))
}

pub async fn refresh_scores(
    State(st): State<AppState>,
    Caller(_p): Caller,
    _: Gate<Operator>,
) -> ApiResult<Json<serde_json::Value>> {
    let n = st.store.refresh_quality_scores().await?;
    Ok(Json(serde_json::json!({"scored": n})))
}

pub async fn trend(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<List<ResourceScore>>> {
    Ok(Json(List::from(st.store.quality_trend(p, code).await?)))
}

pub async fn rules(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<Rules>> {
    Ok(Json(Rules {
        rules: st.store.quality_rules(p, code).await?,
    }))
}

pub async fn set_rules(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
    JsonBody(b): JsonBody<Rules>,
) -> ApiResult<Json<Rules>> {
    Ok(Json(Rules {
        rules: st.store.set_quality_rules(p, code, b.rules).await?,
    }))
}

// ---- 一数一源 ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Designation {
    pub element: String,
    pub subject_kind: SubjectKind,
    pub resource: String,
}

pub async fn sources(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<List<SourceView>>> {
    Ok(Json(List::from(st.store.authoritative_sources(p).await?)))
}

pub async fn designate(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    JsonBody(b): JsonBody<Designation>,
) -> ApiResult<Json<SourceView>> {
    Ok(Json(
        st.store
            .designate_source(p, b.element, b.subject_kind, b.resource)
            .await?,
    ))
}

pub async fn duplicates(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<List<Duplicate>>> {
    only_known(&q, &["resource"])?;
    let resource = q
        .get("resource")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    Ok(Json(List::from(
        st.store.duplicate_collection(p, resource).await?,
    )))
}
