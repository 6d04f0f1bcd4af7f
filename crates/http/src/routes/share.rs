//! The sharing API: the three lists, subscriptions, applications, grants, conversion
//! proposals, the working-day calendar, notifications and webhooks.
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use shuqiao_core::account::Role;
use shuqiao_core::share::calendar::YearCalendar;
use shuqiao_core::share::{
    AccessRequest, Approval, Decision, NeedInput, NegativeProposalInput, ResponsibilityInput,
};
use shuqiao_service::share::{
    ApplicationView, CalendarYearInfo, ConversionView, GrantView, InboxItem, NeedView,
    NegativeEntry, NegativeProposalView, ResponsibilityView, ShareFilter, ShareStats, WebhookView,
    APPLICATION_SORTS,
};

use super::admin::List;
use super::params::{bad_param, parse_number};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Gate, JsonBody, Operator, PathId};
use crate::AppState;

const FILTER_PARAMS: &[&str] = &[
    "org", "resource", "system", "status", "limit", "offset", "sort", "unread",
];

/// Reads list filters, refusing parameters the list does not know so a typo never silently
/// widens a list.
pub(crate) fn filter(params: &HashMap<String, String>, allowed: &[&str]) -> ApiResult<ShareFilter> {
    if let Some(unknown) = params.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(bad_param(unknown, &allowed.join(", ")));
    }
    let text = |n: &str| {
        params
            .get(n)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    Ok(ShareFilter {
        org: text("org"),
        resource: text("resource"),
        system: text("system"),
        status: text("status"),
        limit: parse_number(params, "limit", 50, 500)?,
        offset: parse_number(params, "offset", 0, 1_000_000)?,
    })
}

pub(crate) fn only(names: &[&'static str]) -> Vec<&'static str> {
    FILTER_PARAMS
        .iter()
        .copied()
        .filter(|p| names.contains(p) || matches!(*p, "limit" | "offset"))
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    #[serde(default)]
    pub resource: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    pub decision: Decision,
    #[serde(default)]
    pub opinion: String,
    /// Which reviewer role to act as, for people who hold several.
    #[serde(default)]
    pub role: Option<Role>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeepBody {
    pub legal_basis: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    pub org: String,
    pub url: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Working days providers have to answer an application.
    pub answer_working_days: u32,
}

#[derive(Serialize)]
pub struct CalendarLoaded {
    pub year: i32,
    /// Pending applications that got a deadline because of this year.
    pub deadlines_set: u64,
}

type Created<T> = (StatusCode, Json<T>);

pub async fn responsibilities(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<List<ResponsibilityView>>> {
    p.require_authenticated()?;
    let f = filter(&q, &only(&["org", "resource", "status"]))?;
    Ok(Json(List::from(st.store.list_responsibilities(f).await?)))
}

pub async fn add_responsibility(
    State(st): State<AppState>,
    Caller(p): Caller,
    JsonBody(b): JsonBody<ResponsibilityInput>,
) -> ApiResult<Created<ResponsibilityView>> {
    Ok((
        StatusCode::CREATED,
        Json(st.store.add_responsibility(p, b).await?),
    ))
}

pub async fn needs(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<List<NeedView>>> {
    let f = filter(&q, &only(&["org", "resource", "status"]))?;
    Ok(Json(List::from(st.store.list_needs(p, f).await?)))
}

pub async fn state_need(
    State(st): State<AppState>,
    Caller(p): Caller,
    JsonBody(b): JsonBody<NeedInput>,
) -> ApiResult<Created<NeedView>> {
    Ok((StatusCode::CREATED, Json(st.store.state_need(p, b).await?)))
}

pub async fn need(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
) -> ApiResult<Json<NeedView>> {
    Ok(Json(st.store.get_need(p, id).await?))
}

pub async fn confirm_need(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ConfirmBody>,
) -> ApiResult<Json<NeedView>> {
    Ok(Json(st.store.confirm_need(p, id, b.resource).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    pub org: String,
}

pub async fn assign_need(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    PathId(id): PathId,
    JsonBody(b): JsonBody<AssignBody>,
) -> ApiResult<Json<NeedView>> {
    Ok(Json(st.store.assign_need(p, id, b.org).await?))
}

pub async fn reject_need(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ReasonBody>,
) -> ApiResult<Json<NeedView>> {
    Ok(Json(st.store.reject_need(p, id, b.reason).await?))
}

pub async fn negative_list(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<List<NegativeEntry>>> {
    Ok(Json(List::from(st.store.negative_list(p).await?)))
}

pub async fn negative_proposals(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<List<NegativeProposalView>>> {
    let f = filter(&q, &only(&["org", "resource", "status"]))?;
    Ok(Json(List::from(
        st.store.list_negative_proposals(p, f).await?,
    )))
}

pub async fn propose_negative(
    State(st): State<AppState>,
    Caller(p): Caller,
    JsonBody(b): JsonBody<NegativeProposalInput>,
) -> ApiResult<Created<NegativeProposalView>> {
    Ok((
        StatusCode::CREATED,
        Json(st.store.propose_negative(p, b).await?),
    ))
}

pub async fn negative_proposal(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
) -> ApiResult<Json<NegativeProposalView>> {
    Ok(Json(st.store.get_negative_proposal(p, id).await?))
}

pub async fn review_negative(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ReviewBody>,
) -> ApiResult<Json<NegativeProposalView>> {
    Ok(Json(
        st.store
            .review_negative(p, id, b.decision, b.opinion, b.role)
            .await?,
    ))
}

pub async fn subscribe(
    State(st): State<AppState>,
    Caller(p): Caller,
    JsonBody(b): JsonBody<AccessRequest>,
) -> ApiResult<Created<GrantView>> {
    Ok((StatusCode::CREATED, Json(st.store.subscribe(p, b).await?)))
}

pub async fn applications(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<List<ApplicationView>>> {
    let f = filter(&q, &only(&["org", "resource", "system", "status", "sort"]))?;
    let sort = q.get("sort").map(|s| s.trim()).unwrap_or("newest");
    if !APPLICATION_SORTS.contains(&sort) {
        return Err(bad_param("sort", &APPLICATION_SORTS.join(", ")));
    }
    Ok(Json(List::from(
        st.store.list_applications(p, f, sort).await?,
    )))
}

pub async fn apply(
    State(st): State<AppState>,
    Caller(p): Caller,
    JsonBody(b): JsonBody<AccessRequest>,
) -> ApiResult<Created<ApplicationView>> {
    Ok((StatusCode::CREATED, Json(st.store.apply(p, b).await?)))
}

pub async fn application(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(st.store.get_application(p, id).await?))
}

pub async fn approve(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
    JsonBody(b): JsonBody<Approval>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(st.store.approve_application(p, id, b).await?))
}

pub async fn reject(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ReasonBody>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(st.store.reject_application(p, id, b.reason).await?))
}

pub async fn withdraw(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(st.store.withdraw_application(p, id).await?))
}

pub async fn supervision(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<List<ApplicationView>>> {
    Ok(Json(List::from(st.store.supervision_list(p).await?)))
}

pub async fn grants(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<List<GrantView>>> {
    let f = filter(&q, &only(&["org", "resource", "system", "status"]))?;
    Ok(Json(List::from(st.store.list_grants(p, f).await?)))
}

pub async fn grant(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
) -> ApiResult<Json<GrantView>> {
    Ok(Json(st.store.get_grant(p, id).await?))
}

pub async fn revoke_grant(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ReasonBody>,
) -> ApiResult<Json<GrantView>> {
    Ok(Json(st.store.revoke_grant(p, id, b.reason).await?))
}

pub async fn conversions(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<List<ConversionView>>> {
    let f = filter(&q, &only(&["resource", "status"]))?;
    Ok(Json(List::from(st.store.list_conversions(p, f).await?)))
}

pub async fn keep_conditional(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
    JsonBody(b): JsonBody<KeepBody>,
) -> ApiResult<Json<ConversionView>> {
    Ok(Json(st.store.keep_conditional(p, id, b.legal_basis).await?))
}

pub async fn accept_conversion(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
) -> ApiResult<Json<ConversionView>> {
    Ok(Json(st.store.accept_conversion(p, id).await?))
}

pub async fn stats(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<ShareStats>> {
    let f = filter(&q, &["org"])?;
    Ok(Json(st.store.share_stats(p, f.org).await?))
}

pub async fn calendar_years(State(st): State<AppState>) -> ApiResult<Json<List<CalendarYearInfo>>> {
    Ok(Json(List::from(st.store.calendar_years().await?)))
}

fn year_param(raw: &str) -> ApiResult<i32> {
    raw.parse::<i32>().map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_calendar",
            format!("「{raw}」不是年份"),
            format!("`{raw}` is not a year"),
        )
    })
}

pub async fn calendar_year(
    State(st): State<AppState>,
    Path(year): Path<String>,
) -> ApiResult<Json<YearCalendar>> {
    Ok(Json(st.store.calendar_year(year_param(&year)?).await?))
}

pub async fn load_calendar_year(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    Path(year): Path<String>,
    JsonBody(b): JsonBody<YearCalendar>,
) -> ApiResult<Json<CalendarLoaded>> {
    let year = year_param(&year)?;
    if b.year != year {
        return Err(ApiError::bad_request(
            "year_mismatch",
            format!("路径中的年份 {year} 与数据中的 {} 不一致", b.year),
            format!(
                "the year in the path ({year}) differs from the data ({})",
                b.year
            ),
        ));
    }
    let deadlines_set = st.store.load_calendar_year(p, b).await?;
    Ok(Json(CalendarLoaded {
        year,
        deadlines_set,
    }))
}

pub async fn settings(State(st): State<AppState>) -> ApiResult<Json<Settings>> {
    Ok(Json(Settings {
        answer_working_days: st.store.answer_working_days().await?,
    }))
}

pub async fn set_settings(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    JsonBody(b): JsonBody<Settings>,
) -> ApiResult<Json<Settings>> {
    Ok(Json(Settings {
        answer_working_days: st
            .store
            .set_answer_working_days(p, b.answer_working_days)
            .await?,
    }))
}

pub async fn inbox(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<List<InboxItem>>> {
    let f = filter(&q, &only(&["org", "unread"]))?;
    let unread = match q.get("unread").map(|s| s.trim()) {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(_) => return Err(bad_param("unread", "true, false")),
    };
    Ok(Json(List::from(st.store.inbox(p, f, unread).await?)))
}

pub async fn mark_read(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
) -> ApiResult<StatusCode> {
    st.store.mark_read(p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn webhooks(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<List<WebhookView>>> {
    let f = filter(&q, &["org"])?;
    let org = f
        .org
        .ok_or_else(|| bad_param("org", "an organisation code"))?;
    Ok(Json(List::from(st.store.list_webhooks(p, org).await?)))
}

pub async fn add_webhook(
    State(st): State<AppState>,
    Caller(p): Caller,
    JsonBody(b): JsonBody<WebhookBody>,
) -> ApiResult<Created<WebhookView>> {
    Ok((
        StatusCode::CREATED,
        Json(st.store.add_webhook(p, b.org, b.url).await?),
    ))
}

pub async fn remove_webhook(
    State(st): State<AppState>,
    Caller(p): Caller,
    PathId(id): PathId,
) -> ApiResult<StatusCode> {
    st.store.remove_webhook(p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
