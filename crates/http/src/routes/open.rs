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
