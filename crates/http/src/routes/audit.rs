//! The audit log over HTTP. Checkpoints, the public key and proofs are public: anyone may
//! verify the log. Entries are for auditors and the platform operator.
use std::collections::HashMap;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use shuqiao_core::account::{Principal, Role};
use shuqiao_core::audit::entry::SubjectKind;
use shuqiao_core::DomainError;
use shuqiao_service::audit::{AuditFilter, AuditRecord};
use shuqiao_service::catalog::Page;

use super::params::{bad_param, only_known, parse_number, parse_u64, require_u64};
use crate::error::ApiResult;
use crate::extract::{Caller, Gate, Operator, Path, Query};
use crate::AppState;

fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

pub async fn checkpoint(State(st): State<AppState>) -> ApiResult<Response> {
    Ok(text(st.store.audit().checkpoint().await?))
}

pub async fn public_key(State(st): State<AppState>) -> ApiResult<Response> {
    let key = st
        .store
        .audit()
        .public_key()
        .ok_or(shuqiao_service::StoreError::AuditUnavailable)?;
    Ok(text(format!("{key}\n")))
}

#[derive(Serialize)]
pub struct Proof {
    pub index: Option<u64>,
    pub from: Option<u64>,
    pub tree_size: u64,
    /// Hex hashes (RFC 9162 order).
    pub proof: Vec<String>,
    /// The entry's leaf hash, for inclusion proofs.
    pub leaf_hash: Option<String>,
}

pub async fn inclusion(
    State(st): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Proof>> {
    only_known(&q, &["index", "size"])?;
    let index = require_u64(&q, "index")?;
    let size = require_u64(&q, "size")?;
    let proof = st.store.audit().inclusion_proof(index, size).await?;
    let (_, leaf) = st.store.audit().entry(index).await?;
    Ok(Json(Proof {
        index: Some(index),
        from: None,
        tree_size: size,
        proof,
        leaf_hash: Some(leaf),
    }))
}

pub async fn consistency(
    State(st): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Proof>> {
    only_known(&q, &["from", "to"])?;
    let from = require_u64(&q, "from")?;
    let to = require_u64(&q, "to")?;
    let proof = st.store.audit().consistency_proof(from, to).await?;
    Ok(Json(Proof {
        index: None,
        from: Some(from),
        tree_size: to,
        proof,
        leaf_hash: None,
    }))
}

pub(crate) fn require_auditor(p: &Principal) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if p.has_role(Role::Auditor) || p.is_platform_admin() {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "requires_auditor",
            "只有审计人员和平台管理员可以查看审计记录",
            "only auditors and platform administrators may read audit entries",
        ))
    }
}

pub async fn entry(
    State(st): State<AppState>,
    Caller(p): Caller,
    Path(index): Path<u64>,
) -> ApiResult<Json<serde_json::Value>> {
    require_auditor(&p)?;
    let (entry, leaf) = st.store.audit().entry(index).await?;
    Ok(Json(
        serde_json::json!({"index": index, "leaf_hash": leaf, "entry": entry}),
    ))
}

const ENTRY_PARAMS: &[&str] = &[
    "actor_org",
    "actor_system",
    "resource",
    "action",
    "subject_id",
    "subject_kind",
    "since",
    "until",
    "limit",
    "offset",
    "format",
    "proofs",
];

/// Entries by organisation, system, resource, action, time or subject (given in clear here
/// and turned into its keyed hash; the clear identifier is never stored or logged).
pub async fn entries(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    require_auditor(&p)?;
    only_known(&q, ENTRY_PARAMS)?;
    let text = |n: &str| {
        q.get(n)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let subject = match text("subject_id") {
        None => None,
        Some(id) => {
            let kind = match text("subject_kind").as_deref() {
                Some("person") | None => SubjectKind::Person,
                Some("company") => SubjectKind::Company,
                Some(_) => return Err(bad_param("subject_kind", "person, company")),
            };
            Some(st.store.audit().subject_key(kind, &id)?)
        }
    };
    let csv = match text("format").as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(bad_param("format", "json, csv")),
    };
    let proofs = match text("proofs").as_deref() {
        None | Some("false") => false,
        Some("true") if !csv => true,
        Some(_) => return Err(bad_param("proofs", "true, false (JSON only)")),
    };
    let filter = AuditFilter {
        actor_org: text("actor_org"),
        actor_system: text("actor_system"),
        resource: text("resource"),
        action: text("action"),
        subject,
        since: parse_u64(&q, "since")?.map(|v| v as i64),
        until: parse_u64(&q, "until")?.map(|v| v as i64),
        limit: parse_number(&q, "limit", if csv { 10_000 } else { 50 }, 10_000)?,
        offset: parse_number(&q, "offset", 0, u32::MAX)?,
    };
    if proofs {
        return Ok(Json(st.store.proven_accesses(filter).await?).into_response());
    }
    let page = st.store.audit_entries(filter).await?;
    if csv {
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"audit.csv\"",
                ),
            ],
            to_csv(&page),
        )
            .into_response());
    }
    Ok(Json(page).into_response())
}

pub(crate) fn to_csv(page: &Page<AuditRecord>) -> String {
    let mut out = String::from("index,time,actor_org,actor_system,actor_person,action,resource,resource_version,grant,purpose,result\n");
    for r in &page.items {
        let e = &r.entry;
        let fields = [
            r.index.to_string(),
            e.time.to_string(),
            e.actor_org.clone(),
            e.actor_system.clone().unwrap_or_default(),
            e.actor_person.clone().unwrap_or_default(),
            e.action.clone(),
            e.resource.clone().unwrap_or_default(),
            e.resource_version
                .map(|v| v.to_string())
                .unwrap_or_default(),
            e.grant.clone().unwrap_or_default(),
            e.purpose.clone().unwrap_or_default(),
            e.result.clone(),
        ];
        // A purpose or a name is whatever someone typed: no cell may become a formula.
        out.push_str(&shuqiao_core::csv::line(&fields));
        out.push('\n');
    }
    out
}

/// A witness submits its cosignature of one of this log's checkpoints (text/plain signed
/// note). Authority is the witness's registered key: a valid signature by it is required.
pub async fn cosign(
    State(st): State<AppState>,
    body: String,
) -> ApiResult<Json<serde_json::Value>> {
    let witnesses = st.store.audit().add_cosignature(body).await?;
    Ok(Json(serde_json::json!({"witnesses": witnesses})))
}

/// An identified citizen's or company's view: every access to their data, with proofs.
pub async fn my_accesses(
    State(st): State<AppState>,
    Caller(p): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<shuqiao_service::subjects::ProvenAccesses>> {
    p.require_authenticated()?;
    only_known(&q, &["limit", "offset"])?;
    let limit = parse_number(&q, "limit", 50, 500)?;
    let offset = parse_number(&q, "offset", 0, u32::MAX)?;
    Ok(Json(st.store.my_accesses(p, limit, offset).await?))
}

/// The operator records a verified identity (citizen or company representative).
pub async fn register_subject(
    State(st): State<AppState>,
    Caller(p): Caller,
    _: Gate<Operator>,
    crate::extract::JsonBody(r): crate::extract::JsonBody<
        shuqiao_service::subjects::SubjectRegistration,
    >,
) -> ApiResult<(
    axum::http::StatusCode,
    Json<shuqiao_service::subjects::SubjectAccount>,
)> {
    Ok((
        axum::http::StatusCode::CREATED,
        Json(st.store.register_subject(p, r).await?),
    ))
}
