//! Opening resources to the public portal: a steward proposes with the security assessment,
//! the operator releases or returns, either withdraws. The portal itself reads only what
//! these release (ADR 0006).
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use shuqiao_core::open::Assessment;
use shuqiao_service::open::release::ReleaseView;

use super::catalog::Reason;
use crate::error::ApiResult;
use crate::extract::{Caller, Gate, JsonBody, Operator, Path, Steward};
use crate::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    pub resource: String,
    pub assessment: Assessment,
}

pub async fn list(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<Vec<ReleaseView>>> {
    Ok(Json(st.store.open_releases(p).await?))
}

pub async fn propose(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Steward>,
    JsonBody(b): JsonBody<Proposal>,
) -> ApiResult<(StatusCode, Json<ReleaseView>)> {
    let v = st.store.propose_open(p, &b.resource, b.assessment).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

pub async fn release(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    Path(code): Path<String>,
) -> ApiResult<Json<ReleaseView>> {
    Ok(Json(st.store.review_open(p, &code, true, "").await?))
}

pub async fn send_back(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    Path(code): Path<String>,
    JsonBody(r): JsonBody<Reason>,
) -> ApiResult<Json<ReleaseView>> {
    Ok(Json(
        st.store.review_open(p, &code, false, &r.reason).await?,
    ))
}

pub async fn withdraw(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
    JsonBody(r): JsonBody<Reason>,
) -> ApiResult<Json<ReleaseView>> {
    Ok(Json(st.store.withdraw_open(p, &code, &r.reason).await?))
}

// ---- the public's side: members, applications and keys, requests, feedback ----

use std::collections::HashMap;

use axum::http::header;
use axum::response::IntoResponse;
use shuqiao_core::open::{
    ApplicationAnswer, ApplicationInput, FeedbackInput, Registration, RequestAnswer, RequestInput,
};
use shuqiao_service::open::public::{Feedback, Member, OpenApplication, OpenRequest, OpenSettings};

use super::params::{bad_param, parse_number};
use crate::extract::Query;

pub async fn register(
    State(st): State<AppState>,
    JsonBody(r): JsonBody<Registration>,
) -> ApiResult<(StatusCode, Json<Member>)> {
    Ok((
        StatusCode::CREATED,
        Json(st.store.register_member(r).await?),
    ))
}

pub async fn apply(
    State(st): State<AppState>,
    Caller(p): Caller,
    JsonBody(a): JsonBody<ApplicationInput>,
) -> ApiResult<(StatusCode, Json<OpenApplication>)> {
    Ok((StatusCode::CREATED, Json(st.store.apply_open(p, a).await?)))
}

pub async fn applications(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<Vec<OpenApplication>>> {
    Ok(Json(st.store.open_applications(p).await?))
}

pub async fn answer_application(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<i64>,
    JsonBody(a): JsonBody<ApplicationAnswer>,
) -> ApiResult<Json<OpenApplication>> {
    Ok(Json(st.store.answer_open_application(p, id, a).await?))
}

/// The key of an approved application, shown once on a response nobody may keep.
pub async fn take_key(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<i64>,
) -> ApiResult<impl IntoResponse> {
    let k = st.store.issue_open_key(p, id).await?;
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(k),
    ))
}

/// Public: the list of data requests and their answers.
pub async fn requests(
    State(st): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<serde_json::Value>> {
    if let Some(k) = q
        .keys()
        .find(|k| !["limit", "offset"].contains(&k.as_str()))
    {
        return Err(bad_param(k, "limit, offset"));
    }
    let limit = parse_number(&q, "limit", 50, 200)?;
    let offset = parse_number(&q, "offset", 0, u32::MAX)?;
    let (items, total) = st
        .store
        .open_requests(limit as usize, offset as usize)
        .await?;
    Ok(Json(serde_json::json!({"items": items, "total": total})))
}

pub async fn file_request(
    State(st): State<AppState>,
    Caller(p): Caller,
    JsonBody(r): JsonBody<RequestInput>,
) -> ApiResult<(StatusCode, Json<OpenRequest>)> {
    Ok((
        StatusCode::CREATED,
        Json(st.store.file_open_request(p, r).await?),
    ))
}

pub async fn answer_request(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<i64>,
    JsonBody(a): JsonBody<RequestAnswer>,
) -> ApiResult<Json<OpenRequest>> {
    Ok(Json(st.store.answer_open_request(p, id, a).await?))
}

pub async fn file_feedback(
    State(st): State<AppState>,
    Caller(p): Caller,
    JsonBody(f): JsonBody<FeedbackInput>,
) -> ApiResult<(StatusCode, Json<Feedback>)> {
    Ok((
        StatusCode::CREATED,
        Json(st.store.file_feedback(p, f).await?),
    ))
}

pub async fn feedback(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<Vec<Feedback>>> {
    Ok(Json(st.store.feedback_list(p).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub answer: String,
}

pub async fn answer_feedback(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<i64>,
    JsonBody(a): JsonBody<Answer>,
) -> ApiResult<Json<Feedback>> {
    Ok(Json(st.store.answer_feedback(p, id, &a.answer).await?))
}

pub async fn settings(State(st): State<AppState>) -> ApiResult<Json<OpenSettings>> {
    Ok(Json(st.store.open_settings().await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    pub application_days: u32,
    pub request_days: u32,
    pub feedback_days: u32,
    pub min_cell: u64,
}

pub async fn set_settings(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    JsonBody(s): JsonBody<SettingsInput>,
) -> ApiResult<Json<OpenSettings>> {
    let s = OpenSettings {
        application_days: s.application_days,
        request_days: s.request_days,
        feedback_days: s.feedback_days,
        min_cell: s.min_cell,
    };
    Ok(Json(st.store.set_open_settings(p, s).await?))
}

// ---- governance: the open negative list and yearly open plans ----

use shuqiao_core::open::PlanInput;
use shuqiao_service::open::governance::{NegativeEntry, OpenPlan};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NegativeInput {
    pub resource: String,
    pub legal_basis: String,
    pub reason: String,
}

pub async fn negative_list(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<Vec<NegativeEntry>>> {
    Ok(Json(st.store.open_negative_list(p).await?))
}

pub async fn add_negative(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    JsonBody(n): JsonBody<NegativeInput>,
) -> ApiResult<(StatusCode, Json<NegativeEntry>)> {
    let e = st
        .store
        .add_open_negative(p, &n.resource, &n.legal_basis, &n.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(e)))
}

pub async fn remove_negative(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    Path(code): Path<String>,
    JsonBody(r): JsonBody<Reason>,
) -> ApiResult<StatusCode> {
    st.store.remove_open_negative(p, &code, &r.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn plans(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<Vec<OpenPlan>>> {
    Ok(Json(st.store.open_plans(p).await?))
}

pub async fn submit_plan(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Steward>,
    JsonBody(plan): JsonBody<PlanInput>,
) -> ApiResult<(StatusCode, Json<OpenPlan>)> {
    Ok((
        StatusCode::CREATED,
        Json(st.store.submit_open_plan(p, plan).await?),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanReview {
    pub approve: bool,
    #[serde(default)]
    pub reason: String,
}

pub async fn review_plan(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<PlanReview>,
) -> ApiResult<Json<OpenPlan>> {
    Ok(Json(
        st.store
            .review_open_plan(p, id, r.approve, &r.reason)
            .await?,
    ))
}

/// Public statistics of a released dataset: rows by the values of one field, small counts
/// left out.
pub async fn counts(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<shuqiao_service::open::rows::FieldCounts>> {
    if let Some(k) = q.keys().find(|k| !["field", "limit"].contains(&k.as_str())) {
        return Err(bad_param(k, "field, limit"));
    }
    let field = q.get("field").cloned().unwrap_or_default();
    let limit = parse_number(&q, "limit", 50, 1000)?;
    let d = st.store.open_dataset(&slug).await?;
    Ok(Json(st.store.open_counts(d, &field, limit as usize).await?))
}
