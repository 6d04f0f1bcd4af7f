//! Usage alerts (监测预警): the alerts the sweep raised, the operator's review, and the
//! operator's settings.
use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use shuqiao_core::assess::alerts::{AlertSettings, Review};
use shuqiao_service::assess::alerts::AlertView;

use super::admin::List;
use super::params::bad_param;
use super::share::{filter, only};
use crate::error::ApiResult;
use crate::extract::{Caller, Gate, JsonBody, Operator, PathId};
use crate::AppState;

/// The states an alert may be listed by.
pub const ALERT_STATES: &[&str] = &["open", "cleared", "revoked"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    pub decision: Review,
    pub note: String,
}

pub async fn alerts(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<List<AlertView>>> {
    let f = filter(&q, &only(&["resource", "system", "status"]))?;
    if f.status
        .as_deref()
        .is_some_and(|s| !ALERT_STATES.contains(&s))
    {
        return Err(bad_param("status", &ALERT_STATES.join(", ")));
    }
    Ok(Json(List::from(st.store.list_alerts(p, f).await?)))
}

pub async fn alert(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(st.store.get_alert(p, id).await?))
}

pub async fn review(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ReviewBody>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(
        st.store.review_alert(p, id, b.decision, b.note).await?,
    ))
}

pub async fn settings(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<AlertSettings>> {
    Ok(Json(st.store.alert_settings(p).await?))
}

pub async fn set_settings(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    JsonBody(b): JsonBody<AlertSettings>,
) -> ApiResult<Json<AlertSettings>> {
    Ok(Json(st.store.set_alert_settings(p, b).await?))
}
