//! The data-element registry (数据元与代码集) and the labels a resource declares for its
//! coded items.
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use shuqiao_core::catalog::ItemType;
use shuqiao_core::quality::elements::{Code, CodeSet, DataElement, ValueMappings};
use shuqiao_service::quality::registry::{
    CodeSetView, ElementDetail, ElementView, ValueMappingsView,
};

use crate::error::ApiResult;
use crate::extract::{Caller, Gate, JsonBody, Operator, Path, Steward};
use crate::AppState;

pub async fn list_elements(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<serde_json::Value>> {
    let items: Vec<ElementView> = st.store.list_elements(p).await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

pub async fn get_element(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ElementDetail>> {
    Ok(Json(st.store.get_element(p, &id).await?))
}

/// A new data element as posted.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewElement {
    identifier: String,
    name: String,
    #[serde(default)]
    name_en: String,
    definition: String,
    #[serde(rename = "type")]
    item_type: ItemType,
    #[serde(default)]
    length: Option<u32>,
    #[serde(default)]
    code_set: Option<String>,
}

pub async fn create_element(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    JsonBody(b): JsonBody<NewElement>,
) -> ApiResult<(StatusCode, Json<ElementView>)> {
    let element = DataElement {
        identifier: b.identifier,
        name: b.name,
        name_en: b.name_en,
        definition: b.definition,
        item_type: b.item_type,
        length: b.length,
        code_set: b.code_set,
        rule: None,
    };
    let view = st.store.create_element(p, element).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn list_code_sets(
    State(st): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<serde_json::Value>> {
    let items: Vec<CodeSetView> = st.store.list_code_sets(p).await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

pub async fn get_code_set(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<CodeSetView>> {
    Ok(Json(st.store.get_code_set(p, &id).await?))
}

/// A new code set as posted.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCodeSet {
    id: String,
    standard: String,
    name: String,
    #[serde(default)]
    name_en: String,
    codes: Vec<Code>,
}

pub async fn create_code_set(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    JsonBody(b): JsonBody<NewCodeSet>,
) -> ApiResult<(StatusCode, Json<CodeSetView>)> {
    let set = CodeSet {
        id: b.id,
        standard: b.standard,
        name: b.name,
        name_en: b.name_en,
        codes: b.codes,
    };
    let view = st.store.create_code_set(p, set).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn value_mappings(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<ValueMappingsView>> {
    Ok(Json(st.store.value_mappings(p, &code).await?))
}

/// Labels per item code; an item not sent keeps its labels.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingsBody {
    items: ValueMappings,
}

pub async fn set_value_mappings(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Steward>,
    Path(code): Path<String>,
    JsonBody(b): JsonBody<MappingsBody>,
) -> ApiResult<Json<ValueMappingsView>> {
    Ok(Json(st.store.set_value_mappings(p, &code, b.items).await?))
}
