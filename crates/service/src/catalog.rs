//! The catalog in the database: resources, their versions, review, and search.
use std::collections::BTreeMap;

use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::catalog::{
    self, DraftState, Grade, Lifecycle, OpenType, ResourceMeta, Status, Visibility,
};
use shuqiao_core::error::{Errors, FieldError};
use shuqiao_core::{search, DomainError};

use crate::accounts::{find_org, find_system};
use crate::db::{Conn, DbError, Row};
use crate::{from_json, params, to_json, Result, Store, StoreError};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ResourceSummary {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub provider: String,
    pub provider_name: String,
    pub region: String,
    pub category: String,
    pub class_code: String,
    pub share_type: String,
    pub open_type: String,
    pub grade: String,
    pub update_cycle: String,
    pub status: String,
    pub version: Option<i64>,
    pub summary: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VersionView {
    pub version: i64,
    pub published_at: i64,
    pub published_by: String,
    pub meta: ResourceMeta,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DraftView {
    pub state: DraftState,
    pub returned_reason: Option<String>,
    pub meta: ResourceMeta,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ResourceDetail {
    pub code: String,
    pub status: Status,
    pub provider: String,
    pub published_version: Option<i64>,
    pub current: Option<VersionView>,
    /// The working copy; shown only to the provider's stewards, the operator and auditors.
    pub draft: Option<DraftView>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VersionInfo {
    pub version: i64,
    pub published_at: i64,
    pub published_by: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CatalogEvent {
    pub action: String,
    pub actor: String,
    pub version: Option<i64>,
    pub reason: Option<String>,
    pub at: i64,
}

/// Search and filters. Everything optional; `status` defaults to published.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub provider: Option<String>,
    pub region: Option<String>,
    pub category: Option<catalog::Category>,
    pub share_type: Option<catalog::ShareType>,
    pub open_type: Option<OpenType>,
    pub grade: Option<Grade>,
    pub status: Option<Status>,
    pub limit: u32,
    pub offset: u32,
}

pub use shuqiao_core::Page;

pub const MAX_PAGE: u32 = 200;

/// The stored state of one resource row.
pub(crate) struct Stored {
    code: String,
    pub(crate) provider: String,
    pub(crate) published_version: Option<i64>,
    retired: bool,
    draft_meta: Option<String>,
    draft_state: Option<DraftState>,
    returned_reason: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl Stored {
    pub(crate) fn lifecycle(&self) -> Lifecycle {
        Lifecycle {
            published_version: self.published_version.map(|v| v as u32),
            retired: self.retired,
            draft: self.draft_state,
        }
    }
}

fn parse_draft_state(s: Option<String>) -> Option<DraftState> {
    match s.as_deref() {
        Some("editing") => Some(DraftState::Editing),
        Some("submitted") => Some(DraftState::Submitted),
        _ => None,
    }
}

fn load(c: &mut dyn Conn, code: &str) -> Result<Option<Stored>> {
    let r = c.query_one(
        "SELECT code, provider, published_version, retired, draft_meta, draft_state, returned_reason, created_at, updated_at
         FROM resources WHERE code = $1",
        params![code],
    )?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some(Stored {
        code: r.text(0)?,
        provider: r.text(1)?,
        published_version: r.opt_int(2)?,
        retired: r.bool(3)?,
        draft_meta: r.opt_text(4)?,
        draft_state: parse_draft_state(r.opt_text(5)?),
        returned_reason: r.opt_text(6)?,
        created_at: r.int(7)?,
        updated_at: r.int(8)?,
    }))
}

fn resource_not_found(code: &str) -> StoreError {
    DomainError::not_found(
        "resource_not_found",
        format!("资源 {code} 不存在或无权查看"),
        format!("resource {code} does not exist or is not visible to you"),
    )
    .into()
}

pub(crate) fn load_required(c: &mut dyn Conn, code: &str) -> Result<Stored> {
    load(c, code)?.ok_or_else(|| resource_not_found(code))
}

pub(crate) fn load_version(
    c: &mut dyn Conn,
    code: &str,
    version: i64,
) -> Result<Option<VersionView>> {
    let r = c.query_one(
        "SELECT version, published_at, published_by, meta FROM resource_versions WHERE code = $1 AND version = $2",
        params![code, version],
    )?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some(VersionView {
        version: r.int(0)?,
        published_at: r.int(1)?,
        published_by: r.text(2)?,
        meta: from_json(&r.text(3)?)?,
    }))
}

/// Checks what validation needs the database for: the provider, its unit, related
/// resources and systems must exist.
fn check_references(c: &mut dyn Conn, m: &ResourceMeta, own_code: Option<&str>) -> Result<()> {
    let mut errs = Errors::default();
    match find_org(c, &m.provider)? {
        Some(o) if o.kind.is_department_like() => {}
        Some(_) => errs.push(FieldError::new(
            "provider",
            "provider_not_department",
            "提供方须为政府部门",
            "the provider must be a department",
        )),
        None => errs.push(FieldError::new(
            "provider",
            "unknown_org",
            format!("提供方 {} 不存在", m.provider),
            format!("provider {} does not exist", m.provider),
        )),
    }
    if let Some(u) = &m.provider_unit {
        match find_org(c, u)? {
            Some(o) if o.parent.as_deref() == Some(m.provider.as_str()) => {}
            _ => errs.push(FieldError::new(
                "provider_unit",
                "unknown_unit",
                format!("内设机构 {u} 不属于提供方 {}", m.provider),
                format!("unit {u} is not part of provider {}", m.provider),
            )),
        }
    }
    for (i, r) in m.related_resources.iter().enumerate() {
        if Some(r.as_str()) == own_code || (catalog::is_resource_code(r) && load(c, r)?.is_none()) {
            errs.push(FieldError::new(
                format!("related_resources[{i}]"),
                "unknown_resource",
                format!("关联资源 {r} 不存在"),
                format!("related resource {r} does not exist"),
            ));
        }
    }
    for (i, s) in m.systems.iter().enumerate() {
        if find_system(c, s)?.is_none() {
            errs.push(FieldError::new(
                format!("systems[{i}]"),
                "unknown_system",
                format!("应用系统 {s} 未登记"),
                format!("information system {s} is not registered"),
            ));
        }
    }
    Ok(errs.into_result()?)
}

fn validate_all(c: &mut dyn Conn, m: &ResourceMeta, own_code: Option<&str>) -> Result<()> {
    // Report intrinsic and referential problems together, so one round trip shows them all.
    let mut errors = match catalog::validate_meta(m) {
        Ok(()) => vec![],
        Err(DomainError::Invalid(e)) => e,
        Err(other) => return Err(other.into()),
    };
    match check_references(c, m, own_code) {
        Ok(()) => {}
        Err(StoreError::Domain(DomainError::Invalid(e))) => errors.extend(e),
        Err(other) => return Err(other),
    }
    errors.extend(crate::quality::registry::unknown_elements(c, m)?);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(errors).into())
    }
}

fn allocate_code(c: &mut dyn Conn, m: &ResourceMeta) -> Result<String> {
    let prefix = m.classification.prefix();
    let r = c
        .query_one(
            "INSERT INTO code_counters (prefix, last) VALUES ($1, 1)
             ON CONFLICT (prefix) DO UPDATE SET last = code_counters.last + 1 RETURNING last",
            params![&prefix],
        )?
        .ok_or(DbError::Other("counter returned nothing".into()))?;
    Ok(catalog::resource_code(&prefix, r.int(0)? as u64))
}

/// Refreshes the searchable columns and terms of a resource from `m`.
fn index(c: &mut dyn Conn, code: &str, m: &ResourceMeta, status: Status, now: i64) -> Result<()> {
    let region = find_org(c, &m.provider)?
        .map(|o| o.region)
        .unwrap_or_default();
    c.execute(
        "UPDATE resources SET status = $1, name = $2, name_en = $3, summary = $4, category = $5, class_code = $6,
         share_type = $7, open_type = $8, grade = $9, update_cycle = $10, region = $11, updated_at = $12 WHERE code = $13",
        params![
            status.as_str(), m.name.trim(), m.name_en.trim(), m.summary.trim(), m.classification.category.as_str(),
            &m.classification.class_code, m.share_type.as_str(), m.open_type.as_str(), m.grade().as_str(),
            m.update_cycle.as_str(), region, now, code
        ],
    )?;
    c.execute("DELETE FROM resource_terms WHERE code = $1", params![code])?;
    let provider_name = find_org(c, &m.provider)?
        .map(|o| o.name)
        .unwrap_or_default();
    let rows = weighted_terms(m, &provider_name, code)
        .into_iter()
        .map(|(term, weight)| vec![term.into(), code.into(), weight.into()])
        .collect();
    crate::db::insert_rows(c, "resource_terms", &["term", "code", "weight"], rows)?;
    Ok(())
}

/// Terms with weights: a hit in the name counts most.
fn weighted_terms(m: &ResourceMeta, provider_name: &str, code: &str) -> BTreeMap<String, i64> {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    let mut add = |text: &str, w: i64| {
        for t in search::index_terms(text) {
            let e = out.entry(t).or_insert(0);
            *e = (*e).max(w);
        }
    };
    add(&m.name, 10);
    add(&m.name_en, 8);
    for k in &m.keywords {
        add(k, 5);
    }
    if let Some(class) = m.classification.class_name() {
        add(class, 3);
    }
    add(provider_name, 2);
    for it in &m.items {
        add(&it.name, 2);
    }
    add(&m.summary, 1);
    add(code, 1);
    out
}

pub(crate) fn record_event(
    c: &mut dyn Conn,
    code: &str,
    action: &str,
    p: &Principal,
    version: Option<i64>,
    reason: Option<&str>,
    now: i64,
) -> Result<()> {
    c.execute(
        "INSERT INTO catalog_events (code, action, actor, version, reason, at) VALUES ($1, $2, $3, $4, $5, $6)",
        params![code, action, p.actor(), version, reason, now],
    )?;
    crate::seal_later(
        c,
        &catalog_entry(code, action, p, version, reason, now),
        now,
    )?;
    crate::index::mark_changed(c, code)
}

/// The organisation, system and person of an actor, as the audit log records them.
pub(crate) fn actor_parts(p: &Principal) -> (String, Option<String>, Option<String>) {
    match p {
        Principal::Person { username, org, .. } => (org.clone(), None, Some(username.clone())),
        Principal::System { system, org, .. } => (org.clone(), Some(system.clone()), None),
        Principal::Anonymous => (String::new(), None, None),
    }
}

/// The audit entry of a catalog change: who, what, which resource and version, and why.
fn catalog_entry(
    code: &str,
    action: &str,
    p: &Principal,
    version: Option<i64>,
    reason: Option<&str>,
    now: i64,
) -> shuqiao_core::audit::entry::Entry {
    let (org, system, person) = actor_parts(p);
    shuqiao_core::audit::entry::Entry {
        time: now,
        actor_org: org,
        actor_system: system,
        actor_person: person,
        action: format!("catalog.{action}"),
        resource: Some(code.to_string()),
        resource_version: version,
        grant: None,
        purpose: reason.map(str::to_string),
        result: "ok".into(),
        subjects: Vec::new(),
    }
}

pub(crate) fn require_reason(reason: &str, zh: &str) -> Result<()> {
    let mut errs = Errors::default();
    errs.text("reason", zh, reason, 1000);
    Ok(errs.into_result()?)
}

/// Creates a resource as a draft. Used by the API and by the demo loader.
pub(crate) fn insert_resource(
    c: &mut dyn Conn,
    p: &Principal,
    m: &ResourceMeta,
    now: i64,
) -> Result<String> {
    catalog::require_steward_of(p, &m.provider)?;
    validate_all(c, m, None)?;
    let code = allocate_code(c, m)?;
    c.execute(
        "INSERT INTO resources (code, provider, region, status, name, name_en, summary, category, class_code, share_type,
         open_type, grade, update_cycle, draft_meta, draft_state, created_at, updated_at)
         VALUES ($1, $2, '', 'draft', '', '', '', '', '', '', '', '', '', $3, 'editing', $4, $5)",
        params![&code, &m.provider, to_json(m)?, now, now],
    )?;
    index(c, &code, m, Status::Draft, now)?;
    record_event(c, &code, "create", p, None, None, now)?;
    Ok(code)
}

/// Replaces the working copy of a resource with `meta`, as its provider's steward.
pub(crate) fn edit_draft(
    c: &mut dyn Conn,
    p: &Principal,
    code: &str,
    meta: &ResourceMeta,
    now: i64,
) -> Result<()> {
    let s = load_required(c, code)?;
    catalog::require_steward_of(p, &s.provider)?;
    s.lifecycle().can_edit()?;
    if meta.provider != s.provider {
        return Err(DomainError::one(FieldError::new(
            "provider",
            "provider_fixed",
            "资源的提供方不能变更；请由新提供方另行编目",
            "a resource's provider cannot change; the new provider should catalogue it anew",
        ))
        .into());
    }
    validate_all(c, meta, Some(code))?;
    c.execute(
        "UPDATE resources SET draft_meta = $1, draft_state = 'editing', returned_reason = NULL, updated_at = $2 WHERE code = $3",
        params![to_json(meta)?, now, code],
    )?;
    if s.published_version.is_none() {
        index(c, code, meta, Status::Draft, now)?;
    }
    record_event(c, code, "edit", p, None, None, now)
}

/// A published, not retired resource as consumers see it: its current metadata and whether
/// the negative list bars it from sharing.
pub(crate) struct Shareable {
    pub provider: String,
    pub version: i64,
    pub meta: ResourceMeta,
    pub negative_listed: bool,
}

pub(crate) fn shareable(c: &mut dyn Conn, code: &str) -> Result<Shareable> {
    let r = c.query_one(
        "SELECT r.provider, r.published_version, r.negative_listed, v.meta FROM resources r
         JOIN resource_versions v ON v.code = r.code AND v.version = r.published_version
         WHERE r.code = $1 AND r.retired = 0",
        params![code],
    )?;
    let Some(r) = r else {
        return Err(DomainError::not_found(
            "resource_not_shareable",
            format!("资源 {code} 不存在、尚未发布或已停用"),
            format!("resource {code} does not exist, is not published, or is retired"),
        )
        .into());
    };
    Ok(Shareable {
        provider: r.text(0)?,
        version: r.int(1)?,
        negative_listed: r.bool(2)?,
        meta: from_json(&r.text(3)?)?,
    })
}

pub(crate) fn submit_resource(c: &mut dyn Conn, p: &Principal, code: &str, now: i64) -> Result<()> {
    let s = load_required(c, code)?;
    catalog::require_steward_of(p, &s.provider)?;
    s.lifecycle().can_submit()?;
    let meta: ResourceMeta = from_json(s.draft_meta.as_deref().unwrap_or("null"))?;
    validate_all(c, &meta, Some(code))?;
    let status = if s.published_version.is_some() {
        "published"
    } else {
        "submitted"
    };
    c.execute(
        "UPDATE resources SET draft_state = 'submitted', status = $1, updated_at = $2 WHERE code = $3",
        params![status, now, code],
    )?;
    record_event(c, code, "submit", p, None, None, now)
}

pub(crate) fn publish_resource(
    c: &mut dyn Conn,
    p: &Principal,
    code: &str,
    now: i64,
) -> Result<i64> {
    p.require_platform_admin()?;
    let s = load_required(c, code)?;
    s.lifecycle().can_review()?;
    let mut meta: ResourceMeta = from_json(s.draft_meta.as_deref().unwrap_or("null"))?;
    validate_all(c, &meta, Some(code))?;
    if meta.publish_date.is_none() {
        meta.publish_date = Some(catalog::china_date(now));
    }
    let version = s.published_version.unwrap_or(0) + 1;
    c.execute(
        "INSERT INTO resource_versions (code, version, meta, published_at, published_by) VALUES ($1, $2, $3, $4, $5)",
        params![code, version, to_json(&meta)?, now, p.actor()],
    )?;
    c.execute(
        "UPDATE resources SET published_version = $1, draft_meta = NULL, draft_state = NULL, returned_reason = NULL WHERE code = $2",
        params![version, code],
    )?;
    index(c, code, &meta, Status::Published, now)?;
    record_event(c, code, "publish", p, Some(version), None, now)?;
    Ok(version)
}

impl Store {
    pub async fn create_resource(
        &self,
        p: Principal,
        meta: ResourceMeta,
    ) -> Result<ResourceDetail> {
        let now = self.now();
        let code = self
            .write(move |c| insert_resource(c, &p, &meta, now))
            .await?;
        self.get_resource_unchecked(code).await
    }

    /// Applies one lifecycle step to `code` in a transaction and returns the result.
    async fn transition<F>(&self, code: &str, step: F) -> Result<ResourceDetail>
    where
        F: FnOnce(&mut dyn Conn, &str, i64) -> Result<()> + Send + 'static,
    {
        let now = self.now();
        let code = code.to_string();
        let c2 = code.clone();
        self.write(move |c| step(c, &code, now)).await?;
        self.get_resource_unchecked(c2).await
    }

    /// Replaces the working copy of a resource. A published resource keeps serving its
    /// published version until the change is reviewed and published as a new version.
    pub async fn update_resource(
        &self,
        p: Principal,
        code: &str,
        meta: ResourceMeta,
    ) -> Result<ResourceDetail> {
        self.transition(code, move |c, code, now| {
            edit_draft(c, &p, code, &meta, now)
        })
        .await
    }

    pub async fn submit_resource(&self, p: Principal, code: &str) -> Result<ResourceDetail> {
        self.transition(code, move |c, code, now| submit_resource(c, &p, code, now))
            .await
    }

    /// The operator publishes a submitted resource as its next version.
    pub async fn publish_resource(&self, p: Principal, code: &str) -> Result<ResourceDetail> {
        self.transition(code, move |c, code, now| {
            publish_resource(c, &p, code, now).map(drop)
        })
        .await
    }

    /// The operator sends a submission back to its provider with the reason.
    pub async fn return_resource(
        &self,
        p: Principal,
        code: &str,
        reason: &str,
    ) -> Result<ResourceDetail> {
        let reason = reason.trim().to_string();
        self.transition(code, move |c, code, now| {
            p.require_platform_admin()?;
            require_reason(&reason, "退回理由")?;
            let s = load_required(c, code)?;
            s.lifecycle().can_review()?;
            let status = if s.published_version.is_some() { "published" } else { "draft" };
            c.execute(
                "UPDATE resources SET draft_state = 'editing', returned_reason = $1, status = $2, updated_at = $3 WHERE code = $4",
                params![&reason, status, now, code],
            )?;
            record_event(c, code, "return", &p, None, Some(&reason), now)
        })
        .await
    }

    /// The operator retires a published resource; its versions stay readable.
    pub async fn retire_resource(
        &self,
        p: Principal,
        code: &str,
        reason: &str,
    ) -> Result<ResourceDetail> {
        let reason = reason.trim().to_string();
        self.transition(code, move |c, code, now| {
            p.require_platform_admin()?;
            require_reason(&reason, "停用理由")?;
            let s = load_required(c, code)?;
            s.lifecycle().can_retire()?;
            c.execute(
                "UPDATE resources SET retired = 1, status = 'retired', draft_meta = NULL, draft_state = NULL, updated_at = $1 WHERE code = $2",
                params![now, code],
            )?;
            record_event(c, code, "retire", &p, s.published_version, Some(&reason), now)
        })
        .await
    }

    async fn get_resource_unchecked(&self, code: String) -> Result<ResourceDetail> {
        self.read(move |c| detail(c, &code, true)).await
    }

    /// A resource as `p` may see it: not-visible is reported as not found.
    pub async fn get_resource(&self, p: Principal, code: &str) -> Result<ResourceDetail> {
        let code = code.to_string();
        self.read(move |c| {
            let vis = Visibility::of(&p);
            let d = detail(c, &code, true)?;
            let (provider, open) = match (&d.current, &d.draft) {
                (Some(v), _) => (v.meta.provider.clone(), v.meta.open_type),
                (None, Some(dr)) => (dr.meta.provider.clone(), dr.meta.open_type),
                (None, None) => (d.provider.clone(), OpenType::Closed),
            };
            if !vis.may_see(d.status, &provider, open) {
                return Err(resource_not_found(&code));
            }
            let sees_draft = vis.all_drafts || vis.draft_providers.contains(&provider);
            Ok(ResourceDetail {
                draft: if sees_draft { d.draft } else { None },
                ..d
            })
        })
        .await
    }

    pub async fn resource_versions(&self, p: Principal, code: &str) -> Result<Vec<VersionInfo>> {
        self.get_resource(p, code).await?;
        let code = code.to_string();
        self.read(move |c| {
            let rows = c.query("SELECT version, published_at, published_by FROM resource_versions WHERE code = $1 ORDER BY version", params![&code])?;
            Ok(rows
                .iter()
                .map(|r| Ok(VersionInfo { version: r.int(0)?, published_at: r.int(1)?, published_by: r.text(2)? }))
                .collect::<Result<_, DbError>>()?)
        })
        .await
    }

    pub async fn resource_version(
        &self,
        p: Principal,
        code: &str,
        version: i64,
    ) -> Result<VersionView> {
        self.get_resource(p, code).await?;
        let code = code.to_string();
        self.read(move |c| {
            load_version(c, &code, version)?.ok_or_else(|| {
                DomainError::not_found(
                    "version_not_found",
                    format!("资源 {code} 没有第 {version} 版"),
                    format!("resource {code} has no version {version}"),
                )
                .into()
            })
        })
        .await
    }

    /// The review history of a resource (who created, submitted, returned, published, retired).
    pub async fn resource_history(&self, p: Principal, code: &str) -> Result<Vec<CatalogEvent>> {
        self.get_resource(p, code).await?;
        let code = code.to_string();
        self.read(move |c| {
            let rows = c.query("SELECT action, actor, version, reason, at FROM catalog_events WHERE code = $1 ORDER BY id", params![&code])?;
            Ok(rows
                .iter()
                .map(|r| Ok(CatalogEvent { action: r.text(0)?, actor: r.text(1)?, version: r.opt_int(2)?, reason: r.opt_text(3)?, at: r.int(4)? }))
                .collect::<Result<_, DbError>>()?)
        })
        .await
    }

    /// Loads the search index now, so the first search after start-up does not pay for it.
    pub async fn warm_search_index(&self) -> Result<()> {
        let q = SearchQuery {
            limit: 1,
            ..Default::default()
        };
        self.search(Principal::Anonymous, q).await.map(drop)
    }

    /// Searches the catalog as `p` may see it.
    pub async fn search(&self, p: Principal, q: SearchQuery) -> Result<Page<ResourceSummary>> {
        let index = self.index.clone();
        self.read(move |c| index.search(c, &Visibility::of(&p), &q))
            .await
    }
}

fn detail(c: &mut dyn Conn, code: &str, with_draft: bool) -> Result<ResourceDetail> {
    let s = load_required(c, code)?;
    let current = match s.published_version {
        Some(v) => load_version(c, code, v)?,
        None => None,
    };
    let draft = match (&s.draft_meta, s.draft_state, with_draft) {
        (Some(m), Some(state), true) => Some(DraftView {
            state,
            returned_reason: s.returned_reason.clone(),
            meta: from_json(m)?,
        }),
        _ => None,
    };
    Ok(ResourceDetail {
        code: s.code.clone(),
        status: s.lifecycle().status(),
        provider: s.provider.clone(),
        published_version: s.published_version,
        current,
        draft,
        created_at: s.created_at,
        updated_at: s.updated_at,
    })
}

pub(crate) const SUMMARY_COLS: &str = "r.code, r.name, r.name_en, r.provider, o.name, r.region, r.category, r.class_code, r.share_type,
    r.open_type, r.grade, r.update_cycle, r.status, r.published_version, r.summary, r.updated_at";

pub(crate) fn summary_from_row(r: &Row) -> Result<ResourceSummary, DbError> {
    Ok(ResourceSummary {
        code: r.text(0)?,
        name: r.text(1)?,
        name_en: r.text(2)?,
        provider: r.text(3)?,
        provider_name: r.text(4)?,
        region: r.text(5)?,
        category: r.text(6)?,
        class_code: r.text(7)?,
        share_type: r.text(8)?,
        open_type: r.text(9)?,
        grade: r.text(10)?,
        update_cycle: r.text(11)?,
        status: r.text(12)?,
        version: r.opt_int(13)?,
        summary: r.text(14)?,
        updated_at: r.int(15)?,
    })
}
