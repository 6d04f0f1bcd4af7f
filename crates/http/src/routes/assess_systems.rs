//! The information-system inventory (信息系统清查), completed data sharing per system and
//! department, the approval check (立项/验收) and zombie candidates (僵尸系统).
use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use shuqiao_core::assess::systems::{
    ApprovalCheck, InventoryPatch, Stage, Verdict, ZombieSettings,
};
use shuqiao_ingest::file::EncodingChoice;
use shuqiao_service::assess::systems::{
    Candidate, ImportSummary, InventoryReport, SystemView, ZombieReport,
};

use super::collect::spool;
use super::params::{bad_param, only_known};
use crate::error::ApiResult;
use crate::extract::{Caller, Gate, JsonBody, Operator, Path};
use crate::AppState;

/// The largest inventory sheet accepted: a province's systems fit in far less.
pub const MAX_SHEET_BODY: usize = 16 << 20;

pub async fn list(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<InventoryReport>> {
    Ok(Json(st.store.system_inventory(p).await?))
}

pub async fn get_one(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<SystemView>> {
    Ok(Json(st.store.system_inventory_of(p, &code).await?))
}

pub async fn update(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
    JsonBody(b): JsonBody<InventoryPatch>,
) -> ApiResult<Json<SystemView>> {
    Ok(Json(st.store.update_system_inventory(p, &code, b).await?))
}

/// The body is the sheet (CSV in UTF-8 or GBK, or XLSX); `filename` picks the format.
pub async fn import(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
    body: Body,
) -> ApiResult<Json<ImportSummary>> {
    only_known(&q, &["filename", "encoding"])?;
    p.require_authenticated()?;
    let encoding = match q.get("encoding") {
        None => EncodingChoice::Auto,
        Some(e) => EncodingChoice::parse(e)
            .ok_or_else(|| bad_param("encoding", "auto, utf-8, gbk, gb18030"))?,
    };
    // Refused before the upload is read when the caller may not import at all.
    shuqiao_core::assess::systems::require_reader(&p)?;
    let path = spool(body).await?;
    let name = q.get("filename").cloned();
    let summary = st
        .store
        .import_systems_file(p, path.to_path_buf(), name, encoding)
        .await;
    drop(path);
    Ok(Json(summary?))
}

pub async fn approval_check(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<ApprovalCheck>> {
    only_known(&q, &["stage"])?;
    let stage = match q.get("stage") {
        None => Stage::Project,
        Some(s) => Stage::parse(s).ok_or_else(|| bad_param("stage", "project, acceptance"))?,
    };
    Ok(Json(st.store.approval_check(p, &code, stage).await?))
}

pub async fn zombies(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<ZombieReport>> {
    Ok(Json(st.store.zombie_candidates(p).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkBody {
    pub verdict: Verdict,
    #[serde(default)]
    pub reason: String,
}

pub async fn mark(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    Path(code): Path<String>,
    JsonBody(b): JsonBody<MarkBody>,
) -> ApiResult<Json<Candidate>> {
    Ok(Json(
        st.store.mark_zombie(p, &code, b.verdict, b.reason).await?,
    ))
}

pub async fn settings(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<ZombieSettings>> {
    Ok(Json(st.store.zombie_settings(p).await?))
}

pub async fn set_settings(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    JsonBody(b): JsonBody<ZombieSettings>,
) -> ApiResult<Json<ZombieSettings>> {
    Ok(Json(st.store.set_zombie_settings(p, b).await?))
}
