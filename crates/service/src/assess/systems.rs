//! The information-system inventory, completed data sharing, zombie candidates.
//!
//! Everything shown beside the inventory is computed from what the platform recorded:
//! tokens in force, exchange calls (`exchange_usage`), batches pushed or collected from a
//! system, the catalogue and each resource's collection time. Inventory changes and the
//! operator's marks are sealed in the audit log with the change.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use serde::Serialize;
use shuqiao_core::account::{InfoSystem, Principal};
use shuqiao_core::assess::systems::{
    self as rules, ApprovalCheck, Completion, Evidence, ImportRow, Inventory, InventoryPatch,
    Network, Rate, ResourceFacts, Stage, SystemFacts, SystemStatus, Verdict, ZombieSettings,
};
use shuqiao_core::catalog::{china_date, UpdateCycle};
use shuqiao_core::collect::source::{Next, RawRow, RowSource};
use shuqiao_core::collect::Timeliness;
use shuqiao_core::error::{DomainError, Errors, FieldError};
use shuqiao_ingest::file::{EncodingChoice, FileOptions};

use crate::accounts::{insert_system, seal_security, SecurityEvent};
use crate::db::{Conn, DbError, Row};
use crate::share::events::Actor;
use crate::{params, Result, Store};

const DAY_MS: i64 = 86_400_000;
/// The most rows an inventory sheet may hold: a province has hundreds of systems.
const MAX_IMPORT_ROWS: usize = 20_000;

/// One system as the inventory shows it, with its completion computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemView {
    pub code: String,
    pub name_en: String,
    pub org: String,
    #[serde(flatten)]
    pub inventory: Inventory,
    /// The resources its data goes into: named in their catalogue entry or collected from it.
    pub resources: Vec<String>,
    pub completion: Completion,
    pub updated_at: Option<i64>,
}

/// A department's systems and its rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepartmentRate {
    pub org: String,
    pub org_name: String,
    pub rate: Rate,
}

/// The inventory a caller may see, with the rates beside the plan's targets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryReport {
    /// The China year the targets are read for.
    pub year: i32,
    pub targets: Vec<YearTarget>,
    /// The whole province: only for those who read every department.
    pub province: Option<Rate>,
    pub departments: Vec<DepartmentRate>,
    pub systems: Vec<SystemView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct YearTarget {
    pub year: i32,
    pub percent: u32,
}

/// The operator's latest mark on a system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mark {
    pub verdict: Verdict,
    pub reason: String,
    pub marked_by: String,
    pub marked_at: i64,
}

/// One zombie candidate with the evidence for each criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub code: String,
    pub name: String,
    pub org: String,
    pub evidence: Vec<Evidence>,
    pub mark: Option<Mark>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZombieReport {
    pub settings: ZombieSettings,
    /// The last China day of the window looked at.
    pub today: String,
    pub candidates: Vec<Candidate>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
}

// ---- loading ----

const SYSTEM_COLS: &str = "s.code, s.name, s.name_en, s.org, s.description, s.scope, s.use_frequency, s.approved_by, s.approved_on, s.accepted_on, s.investment_yuan, s.funding_source, s.network, s.status, s.classified, s.maintenance_stopped_on, s.updated_at";

#[derive(Clone)]
struct Stored {
    code: String,
    name_en: String,
    org: String,
    inventory: Inventory,
    updated_at: Option<i64>,
}

fn stored_from_row(r: &Row) -> std::result::Result<Stored, DbError> {
    Ok(Stored {
        code: r.text(0)?,
        name_en: r.text(2)?,
        org: r.text(3)?,
        inventory: Inventory {
            name: r.text(1)?,
            description: r.text(4)?,
            scope: r.text(5)?,
            use_frequency: r.text(6)?,
            approved_by: r.text(7)?,
            approved_on: r.opt_text(8)?,
            accepted_on: r.opt_text(9)?,
            investment_yuan: r.opt_int(10)?,
            funding_source: r.text(11)?,
            network: Network::parse(&r.text(12)?).unwrap_or(Network::Extranet),
            status: SystemStatus::parse(&r.text(13)?).unwrap_or(SystemStatus::InUse),
            classified: r.int(14)? != 0,
            maintenance_stopped_on: r.opt_text(15)?,
        },
        updated_at: r.opt_int(16)?,
    })
}

fn load_systems(c: &mut dyn Conn) -> Result<Vec<Stored>> {
    let rows = c.query(
        &format!("SELECT {SYSTEM_COLS} FROM systems s ORDER BY s.code"),
        &[],
    )?;
    Ok(rows
        .iter()
        .map(stored_from_row)
        .collect::<std::result::Result<_, _>>()?)
}

fn load_system(c: &mut dyn Conn, code: &str) -> Result<Option<Stored>> {
    let r = c.query_one(
        &format!("SELECT {SYSTEM_COLS} FROM systems s WHERE s.code = $1"),
        params![code],
    )?;
    Ok(r.map(|r| stored_from_row(&r)).transpose()?)
}

pub(crate) fn zombie_settings(c: &mut dyn Conn) -> Result<ZombieSettings> {
    let d = ZombieSettings::default();
    let get = |c: &mut dyn Conn, key: &str, default: u32| -> Result<u32> {
        Ok(c.query_one(
            "SELECT value FROM system_review_settings WHERE key = $1",
            params![key],
        )?
        .and_then(|r| r.text(0).ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(default))
    };
    Ok(ZombieSettings {
        idle_days: get(c, "idle_days", d.idle_days)?,
        min_users: get(c, "min_users", d.min_users)?,
    })
}

/// Adds to `links` the resources collected from each system (batches naming it as their
/// source, or pushed by the system itself); returns when each last did so.
fn collected_from(
    c: &mut dyn Conn,
    links: &mut BTreeMap<String, BTreeSet<String>>,
) -> Result<HashMap<String, i64>> {
    let mut last_push: HashMap<String, i64> = HashMap::new();
    let rows = c.query(
        "SELECT source_system, actor, resource, MAX(started_at) FROM collect_batches
         GROUP BY source_system, actor, resource",
        &[],
    )?;
    for r in rows {
        let from_actor = r.text(1)?.strip_prefix("system:").map(str::to_string);
        for system in [r.opt_text(0)?, from_actor].into_iter().flatten() {
            links.entry(system.clone()).or_default().insert(r.text(2)?);
            let at = r.int(3)?;
            let e = last_push.entry(system).or_insert(at);
            *e = (*e).max(at);
        }
    }
    Ok(last_push)
}

struct ResourceRow {
    published: bool,
    collected_at: Option<i64>,
    cycle: Option<UpdateCycle>,
}

/// Every resource, and the systems each names in its catalogue entry (the published
/// version's, and its draft's) as where its data comes from.
fn load_resources(
    c: &mut dyn Conn,
    links: &mut BTreeMap<String, BTreeSet<String>>,
) -> Result<HashMap<String, ResourceRow>> {
    let rows = c.query(
        "SELECT r.code, r.status, r.retired, r.update_cycle, d.collected_at, v.meta, r.draft_meta
         FROM resources r LEFT JOIN resource_data d ON d.code = r.code
         LEFT JOIN resource_versions v ON v.code = r.code AND v.version = r.published_version",
        &[],
    )?;
    let mut out = HashMap::new();
    for r in rows {
        for meta in [r.opt_text(5)?, r.opt_text(6)?].into_iter().flatten() {
            for system in named_systems(&meta) {
                links.entry(system).or_default().insert(r.text(0)?);
            }
        }
        out.insert(
            r.text(0)?,
            ResourceRow {
                published: r.text(1)? == "published" && r.int(2)? == 0,
                collected_at: r.opt_int(4)?,
                cycle: UpdateCycle::parse(&r.text(3)?),
            },
        );
    }
    Ok(out)
}

/// The systems a catalogue entry names (`systems` of its metadata).
fn named_systems(meta: &str) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(meta)
        .ok()
        .and_then(|v| v.get("systems").cloned())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// Everything the rules need about every system, over the window of `settings.idle_days`
/// China days ending today.
fn load_facts(
    c: &mut dyn Conn,
    systems: &[Stored],
    settings: ZombieSettings,
    now: i64,
) -> Result<Vec<SystemFacts>> {
    let since = window_start(now, settings.idle_days);
    let mut in_force = BTreeSet::new();
    for r in c.query(
        "SELECT DISTINCT system FROM api_tokens WHERE revoked_at IS NULL AND expires_at > $1",
        params![now],
    )? {
        in_force.insert(r.text(0)?);
    }
    let mut links = BTreeMap::new();
    let last_push = collected_from(c, &mut links)?;
    let resources = load_resources(c, &mut links)?;
    let usage = crate::audit::read_usage(c, None, &since)?;
    let mut calls: HashMap<&str, BTreeMap<String, i64>> = HashMap::new();
    let mut callers: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for u in &usage {
        *calls
            .entry(u.system.as_str())
            .or_default()
            .entry(u.day.clone())
            .or_default() += u.calls;
        if u.calls > 0 {
            callers
                .entry(u.resource.as_str())
                .or_default()
                .insert(u.system.as_str());
        }
    }
    let since_ms = now - i64::from(settings.idle_days) * DAY_MS;
    Ok(systems
        .iter()
        .map(|s| {
            let own: Vec<ResourceFacts> = links
                .get(&s.code)
                .into_iter()
                .flatten()
                .filter_map(|code| {
                    let r = resources.get(code)?;
                    Some(ResourceFacts {
                        code: code.clone(),
                        published: r.published,
                        collected: r.collected_at.is_some(),
                        served: callers.get(code.as_str()).is_some_and(|c| !c.is_empty()),
                        stale: r
                            .cycle
                            .is_some_and(|cy| Timeliness::of(cy, r.collected_at, now).stale),
                    })
                })
                .collect();
            let users: BTreeSet<String> = own
                .iter()
                .flat_map(|r| callers.get(r.code.as_str()).into_iter().flatten())
                .filter(|u| **u != s.code)
                .map(|u| u.to_string())
                .collect();
            SystemFacts {
                code: s.code.clone(),
                org: s.org.clone(),
                status: Some(s.inventory.status),
                classified: s.inventory.classified,
                description: s.inventory.description.clone(),
                maintenance_stopped_on: s.inventory.maintenance_stopped_on.clone(),
                token_in_force: in_force.contains(&s.code),
                resources: own,
                calls_by_day: calls
                    .get(s.code.as_str())
                    .map(|m| m.iter().map(|(d, n)| (d.clone(), *n)).collect())
                    .unwrap_or_default(),
                last_push_day: last_push
                    .get(&s.code)
                    .filter(|at| **at >= since_ms)
                    .map(|at| china_date(*at)),
                users: users.into_iter().collect(),
            }
        })
        .collect())
}

/// The first China day of a window of `days` days ending today.
fn window_start(now: i64, days: u32) -> String {
    china_date(now - i64::from(days.max(1) - 1) * DAY_MS)
}

fn china_year(now: i64) -> i32 {
    china_date(now)[..4].parse().unwrap_or(1970)
}

fn org_names(c: &mut dyn Conn) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for r in c.query("SELECT code, name FROM orgs", &[])? {
        out.insert(r.text(0)?, r.text(1)?);
    }
    Ok(out)
}

fn latest_marks(c: &mut dyn Conn) -> Result<HashMap<String, Mark>> {
    let mut out = HashMap::new();
    for r in c.query(
        "SELECT system, verdict, reason, marked_by, marked_at FROM system_reviews ORDER BY id",
        &[],
    )? {
        let Some(verdict) = Verdict::parse(&r.text(1)?) else {
            continue;
        };
        out.insert(
            r.text(0)?,
            Mark {
                verdict,
                reason: r.text(2)?,
                marked_by: r.text(3)?,
                marked_at: r.int(4)?,
            },
        );
    }
    Ok(out)
}

fn unknown_system(code: &str) -> DomainError {
    // The same answer whether the system does not exist or belongs to another department.
    DomainError::not_found(
        "system_not_found",
        format!("信息系统 {code} 不存在或不属于您的部门"),
        format!("information system {code} does not exist or is not your department's"),
    )
}

fn view(s: &Stored, f: &SystemFacts) -> SystemView {
    SystemView {
        code: s.code.clone(),
        name_en: s.name_en.clone(),
        org: s.org.clone(),
        inventory: s.inventory.clone(),
        resources: f.resources.iter().map(|r| r.code.clone()).collect(),
        completion: rules::completion(f),
        updated_at: s.updated_at,
    }
}

fn write_inventory(c: &mut dyn Conn, code: &str, inv: &Inventory, now: i64) -> Result<()> {
    c.execute(
        "UPDATE systems SET name = $1, description = $2, scope = $3, use_frequency = $4,
         approved_by = $5, approved_on = $6, accepted_on = $7, investment_yuan = $8,
         funding_source = $9, network = $10, status = $11, classified = $12,
         maintenance_stopped_on = $13, updated_at = $14 WHERE code = $15",
        params![
            &inv.name,
            &inv.description,
            &inv.scope,
            &inv.use_frequency,
            &inv.approved_by,
            inv.approved_on.clone(),
            inv.accepted_on.clone(),
            inv.investment_yuan,
            &inv.funding_source,
            inv.network.as_str(),
            inv.status.as_str(),
            i64::from(inv.classified),
            inv.maintenance_stopped_on.clone(),
            now,
            code
        ],
    )?;
    Ok(())
}

/// Applies an inventory patch as it stands (the demo's sheet, loaded like any data).
pub(crate) fn apply_inventory(
    c: &mut dyn Conn,
    code: &str,
    patch: &InventoryPatch,
    now: i64,
) -> Result<()> {
    let s = load_system(c, code)?.ok_or_else(|| unknown_system(code))?;
    let after = s.inventory.patched(patch);
    after.validate()?;
    write_inventory(c, code, &after, now)
}

/// The fields that differ, for the audit entry: names only, never values.
fn changed_fields(before: &Inventory, after: &Inventory) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |name, same: bool| {
        if !same {
            out.push(name)
        }
    };
    check("name", before.name == after.name);
    check("description", before.description == after.description);
    check("scope", before.scope == after.scope);
    check("use_frequency", before.use_frequency == after.use_frequency);
    check("approved_by", before.approved_by == after.approved_by);
    check("approved_on", before.approved_on == after.approved_on);
    check("accepted_on", before.accepted_on == after.accepted_on);
    check(
        "investment_yuan",
        before.investment_yuan == after.investment_yuan,
    );
    check(
        "funding_source",
        before.funding_source == after.funding_source,
    );
    check("network", before.network == after.network);
    check("status", before.status == after.status);
    check("classified", before.classified == after.classified);
    check(
        "maintenance_stopped_on",
        before.maintenance_stopped_on == after.maintenance_stopped_on,
    );
    out
}

fn seal_inventory(
    c: &mut dyn Conn,
    actor: &Actor,
    code: &str,
    fields: &[&str],
    now: i64,
) -> Result<()> {
    seal_security(
        c,
        SecurityEvent {
            action: "system.inventory",
            target: format!("system:{code}"),
            details: Some(format!("changed: {}", fields.join(", "))),
            actor,
        },
        now,
    )
}

/// Reads an inventory sheet: every row into cells by field, with the problems of its cells;
/// a header without 系统编码 is refused.
fn read_sheet(
    source: &mut dyn RowSource,
) -> std::result::Result<(Vec<ImportRow>, Errors), DomainError> {
    let fields: Vec<Option<&'static str>> = source
        .columns()
        .iter()
        .map(|h| rules::import_field(h))
        .collect();
    let mut errs = Errors::default();
    if !fields.contains(&Some("code")) {
        return Err(DomainError::one(FieldError::new(
            "file",
            "missing_column",
            "表头缺少「系统编码」列：每行用系统编码指明是哪个系统",
            "the header has no 系统编码 (code) column: each row names its system by code",
        )));
    }
    let mut out = Vec::new();
    let mut row = RawRow::default();
    loop {
        match source.next_row(&mut row) {
            Ok(Next::End) => break,
            Ok(Next::Bad { row_no, refusal }) => errs.push(FieldError::new(
                format!("rows[{row_no}]"),
                refusal.reason,
                refusal.zh.clone(),
                refusal.en.clone(),
            )),
            Ok(Next::Row) => {
                if row.cells.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                if out.len() >= MAX_IMPORT_ROWS {
                    errs.push(FieldError::new(
                        "file",
                        "too_many_rows",
                        format!("清查表最多 {MAX_IMPORT_ROWS} 行，请拆分后导入"),
                        format!(
                            "an inventory sheet holds at most {MAX_IMPORT_ROWS} rows; split it"
                        ),
                    ));
                    break;
                }
                let cells: BTreeMap<&'static str, String> = fields
                    .iter()
                    .zip(row.cells.iter())
                    .filter_map(|(f, v)| f.map(|f| (f, v.clone())))
                    .collect();
                out.push(rules::parse_import_row(row.row_no, &cells, &mut errs));
            }
            Err(e) => {
                errs.push(FieldError::new("file", e.reason, e.zh, e.en));
                break;
            }
        }
    }
    Ok((out, errs))
}

impl Store {
    /// The inventory with completion per system and per department, and the rates beside the
    /// plan's targets. A steward sees their own departments' systems only.
    pub async fn system_inventory(&self, p: Principal) -> Result<InventoryReport> {
        rules::require_reader(&p)?;
        let now = self.now();
        self.audit.spread().await?;
        self.read(move |c| {
            let settings = zombie_settings(c)?;
            let systems = load_systems(c)?;
            let facts = load_facts(c, &systems, settings, now)?;
            let names = org_names(c)?;
            let year = china_year(now);
            let mut views = Vec::new();
            let mut by_org: BTreeMap<String, Vec<Completion>> = BTreeMap::new();
            let mut all = Vec::new();
            for (s, f) in systems.iter().zip(&facts) {
                let comp = rules::completion(f);
                all.push(comp);
                if rules::may_read_org(&p, &s.org) {
                    by_org.entry(s.org.clone()).or_default().push(comp);
                    views.push(view(s, f));
                }
            }
            Ok(InventoryReport {
                year,
                targets: rules::TARGETS
                    .iter()
                    .map(|(year, percent)| YearTarget {
                        year: *year,
                        percent: *percent,
                    })
                    .collect(),
                province: rules::reads_all(&p).then(|| rules::rate(&all, year)),
                departments: by_org
                    .into_iter()
                    .map(|(org, comps)| DepartmentRate {
                        org_name: names.get(&org).cloned().unwrap_or_default(),
                        rate: rules::rate(&comps, year),
                        org,
                    })
                    .collect(),
                systems: views,
            })
        })
        .await
    }

    /// One system's inventory and completion.
    pub async fn system_inventory_of(&self, p: Principal, code: &str) -> Result<SystemView> {
        rules::require_reader(&p)?;
        let now = self.now();
        let code = code.to_string();
        self.audit.spread().await?;
        self.read(move |c| {
            let s = load_system(c, &code)?
                .filter(|s| rules::may_read_org(&p, &s.org))
                .ok_or_else(|| unknown_system(&code))?;
            let settings = zombie_settings(c)?;
            let facts = load_facts(c, std::slice::from_ref(&s), settings, now)?;
            Ok(view(&s, &facts[0]))
        })
        .await
    }

    /// Changes one system's inventory; what the patch leaves out stays. Sealed with the
    /// names of the fields that changed.
    pub async fn update_system_inventory(
        &self,
        p: Principal,
        code: &str,
        patch: InventoryPatch,
    ) -> Result<SystemView> {
        rules::require_reader(&p)?;
        let actor = Actor::of(&p);
        let now = self.now();
        let code = code.to_string();
        let p2 = p.clone();
        let code2 = code.clone();
        self.write(move |c| {
            let code = code2;
            let s = load_system(c, &code)?
                .filter(|s| rules::may_read_org(&p2, &s.org))
                .ok_or_else(|| unknown_system(&code))?;
            rules::require_editor(&p2, &s.org)?;
            let after = s.inventory.patched(&patch);
            after.validate()?;
            let fields = changed_fields(&s.inventory, &after);
            if !fields.is_empty() {
                write_inventory(c, &code, &after, now)?;
                seal_inventory(c, &actor, &code, &fields, now)?;
            }
            Ok(())
        })
        .await?;
        self.system_inventory_of(p, &code).await
    }

    /// Imports an inventory sheet (CSV in UTF-8 or GBK, XLSX) with Chinese headers. Every
    /// bad row and cell is reported at once and then nothing is applied; otherwise every row
    /// applies in one transaction. Only the operator adds systems that are not registered yet
    /// (the row names its 所属部门); a steward updates their own departments' systems.
    pub async fn import_systems_file(
        &self,
        p: Principal,
        path: PathBuf,
        name: Option<String>,
        encoding: EncodingChoice,
    ) -> Result<ImportSummary> {
        rules::require_reader(&p)?;
        if !p.is_platform_admin() && p.steward_orgs().is_empty() {
            rules::require_editor(&p, "")?;
        }
        let (rows, errs) = tokio::task::spawn_blocking(move || {
            let opts = FileOptions {
                encoding,
                expected_columns: rules::IMPORT_COLUMNS
                    .iter()
                    .map(|(zh, _)| zh.to_string())
                    .collect(),
                ..FileOptions::default()
            };
            let mut source = shuqiao_ingest::file::open_file(&path, name.as_deref(), &opts)
                .map_err(|e| DomainError::one(FieldError::new("file", e.reason, e.zh, e.en)))?;
            read_sheet(source.as_mut())
        })
        .await
        .map_err(|e| crate::StoreError::Task(e.to_string()))??;
        self.import_systems(p, rows, errs).await
    }

    /// Applies rows read from an inventory sheet (see [`Store::import_systems_file`]), after
    /// `errs`, the problems found reading them: all are reported together.
    pub async fn import_systems(
        &self,
        p: Principal,
        rows: Vec<ImportRow>,
        mut errs: Errors,
    ) -> Result<ImportSummary> {
        rules::require_reader(&p)?;
        let actor = Actor::of(&p);
        let now = self.now();
        self.write(move |c| {
            let mut seen = BTreeSet::new();
            let mut plan = Vec::new();
            for row in &rows {
                let prefix = format!("rows[{}].", row.row_no);
                if row.code.is_empty() {
                    continue;
                }
                if !seen.insert(row.code.clone()) {
                    errs.push(FieldError::new(
                        format!("{prefix}code"),
                        "duplicate_row",
                        format!("系统编码 {} 在表中出现多次，请合并为一行", row.code),
                        format!("system {} appears more than once; keep one row", row.code),
                    ));
                    continue;
                }
                match load_system(c, &row.code)? {
                    Some(s) if rules::require_editor(&p, &s.org).is_ok() => {
                        let after = s.inventory.patched(&row.patch);
                        after.problems(&prefix, &mut errs);
                        plan.push((row.code.clone(), Some(s), after, None));
                    }
                    Some(_) => errs.push(FieldError::new(
                        format!("{prefix}code"),
                        "unknown_system",
                        format!("信息系统 {} 不存在或不属于您的部门", row.code),
                        format!(
                            "system {} does not exist or is not your department's",
                            row.code
                        ),
                    )),
                    None if p.is_platform_admin() => {
                        let blank = Inventory {
                            name: String::new(),
                            description: String::new(),
                            scope: String::new(),
                            use_frequency: String::new(),
                            approved_by: String::new(),
                            approved_on: None,
                            accepted_on: None,
                            investment_yuan: None,
                            funding_source: String::new(),
                            network: Network::Extranet,
                            status: SystemStatus::InUse,
                            classified: false,
                            maintenance_stopped_on: None,
                        };
                        let after = blank.patched(&row.patch);
                        after.problems(&prefix, &mut errs);
                        match &row.org {
                            None => {
                                errs.push(FieldError::required(format!("{prefix}org"), "所属部门"))
                            }
                            Some(org) => {
                                if c.query_one(
                                    "SELECT code FROM orgs WHERE code = $1",
                                    params![org],
                                )?
                                .is_none()
                                {
                                    errs.push(FieldError::new(
                                        format!("{prefix}org"),
                                        "unknown_org",
                                        format!("机构 {org} 不存在"),
                                        format!("organisation {org} does not exist"),
                                    ));
                                }
                            }
                        }
                        plan.push((row.code.clone(), None, after, row.org.clone()));
                    }
                    None => errs.push(FieldError::new(
                        format!("{prefix}code"),
                        "unknown_system",
                        format!("信息系统 {} 不存在或不属于您的部门", row.code),
                        format!(
                            "system {} does not exist or is not your department's",
                            row.code
                        ),
                    )),
                }
            }
            errs.into_result()?;
            let mut summary = ImportSummary {
                created: 0,
                updated: 0,
                unchanged: 0,
            };
            for (code, before, after, org) in plan {
                match before {
                    Some(s) => {
                        let fields = changed_fields(&s.inventory, &after);
                        if fields.is_empty() {
                            summary.unchanged += 1;
                            continue;
                        }
                        write_inventory(c, &code, &after, now)?;
                        seal_inventory(c, &actor, &code, &fields, now)?;
                        summary.updated += 1;
                    }
                    None => {
                        let org = org.unwrap_or_default();
                        let sys = InfoSystem {
                            code: code.clone(),
                            name: after.name.clone(),
                            name_en: String::new(),
                            org: org.clone(),
                            description: after.description.clone(),
                        };
                        insert_system(c, &sys, now)?;
                        seal_security(
                            c,
                            SecurityEvent {
                                action: "system.register",
                                target: format!("system:{code}"),
                                details: Some(format!("org: {org}; from an inventory sheet")),
                                actor: &actor,
                            },
                            now,
                        )?;
                        write_inventory(c, &code, &after, now)?;
                        summary.created += 1;
                    }
                }
            }
            Ok(summary)
        })
        .await
    }

    /// May this system be approved at `stage`? Computed from its completion (验收) or its
    /// department's (立项), and duplicated functions.
    pub async fn approval_check(
        &self,
        p: Principal,
        code: &str,
        stage: Stage,
    ) -> Result<ApprovalCheck> {
        rules::require_reader(&p)?;
        let now = self.now();
        let code = code.to_string();
        self.audit.spread().await?;
        self.read(move |c| {
            let systems = load_systems(c)?;
            let s = systems
                .iter()
                .find(|s| s.code == code && rules::may_read_org(&p, &s.org))
                .ok_or_else(|| unknown_system(&code))?;
            let settings = zombie_settings(c)?;
            let facts = load_facts(c, &systems, settings, now)?;
            let own = facts
                .iter()
                .find(|f| f.code == s.code)
                .cloned()
                .unwrap_or_default();
            let department: Vec<(SystemFacts, Completion)> = facts
                .iter()
                .filter(|f| f.org == s.org)
                .map(|f| (f.clone(), rules::completion(f)))
                .collect();
            let dups = rules::duplicates_of(&own, &facts);
            Ok(rules::approval_check(&own, stage, &department, &dups))
        })
        .await
    }

    /// Zombie candidates the caller may see, each with the evidence for every criterion and
    /// the operator's latest mark.
    pub async fn zombie_candidates(&self, p: Principal) -> Result<ZombieReport> {
        rules::require_reader(&p)?;
        let now = self.now();
        self.audit.spread().await?;
        self.read(move |c| {
            let settings = zombie_settings(c)?;
            let systems = load_systems(c)?;
            let facts = load_facts(c, &systems, settings, now)?;
            let marks = latest_marks(c)?;
            let candidates = candidates_of(&systems, &facts, settings)
                .into_iter()
                .filter(|(s, _)| rules::may_read_org(&p, &s.org))
                .map(|(s, evidence)| Candidate {
                    code: s.code.clone(),
                    name: s.inventory.name.clone(),
                    org: s.org.clone(),
                    evidence,
                    mark: marks.get(&s.code).cloned(),
                })
                .collect();
            Ok(ZombieReport {
                settings,
                today: china_date(now),
                candidates,
            })
        })
        .await
    }

    /// The operator marks a candidate confirmed, dismissed (with a reason) or integrated
    /// (its status becomes 已整合). Sealed.
    pub async fn mark_zombie(
        &self,
        p: Principal,
        code: &str,
        verdict: Verdict,
        reason: String,
    ) -> Result<Candidate> {
        p.require_platform_admin()?;
        rules::check_mark(verdict, &reason)?;
        let actor = Actor::of(&p);
        let now = self.now();
        let code = code.to_string();
        self.audit.spread().await?;
        // The evidence is read where the usage counters are (on SQLite, the audit file);
        // the mark is written after, from what was read.
        let code2 = code.clone();
        let (s, evidence) = self
            .read(move |c| {
                let code = code2;
                let systems = load_systems(c)?;
                if !systems.iter().any(|s| s.code == code) {
                    return Err(unknown_system(&code).into());
                }
                let settings = zombie_settings(c)?;
                let facts = load_facts(c, &systems, settings, now)?;
                let found = candidates_of(&systems, &facts, settings)
                    .into_iter()
                    .find(|(s, _)| s.code == code)
                    .map(|(s, e)| (s.clone(), e));
                found.ok_or_else(|| {
                    DomainError::conflict(
                        "not_a_candidate",
                        format!("信息系统 {code} 目前不符合任何僵尸系统判定条件，无需标记"),
                        format!(
                            "system {code} meets no zombie criterion now; there is nothing to mark"
                        ),
                    )
                    .into()
                })
            })
            .await?;
        self.write(move |c| {
            let reason = reason.trim().to_string();
            c.execute(
                "INSERT INTO system_reviews (system, verdict, reason, marked_by, marked_at)
                 VALUES ($1, $2, $3, $4, $5)",
                params![&code, verdict.as_str(), &reason, p.actor(), now],
            )?;
            if verdict == Verdict::Integrated {
                let mut after = s.inventory.clone();
                after.status = SystemStatus::Integrated;
                write_inventory(c, &code, &after, now)?;
            }
            seal_security(
                c,
                SecurityEvent {
                    action: "system.zombie_mark",
                    target: format!("system:{code}"),
                    details: Some(format!("verdict: {}", verdict.as_str())),
                    actor: &actor,
                },
                now,
            )?;
            Ok(Candidate {
                code: s.code.clone(),
                name: s.inventory.name.clone(),
                org: s.org.clone(),
                evidence,
                mark: Some(Mark {
                    verdict,
                    reason,
                    marked_by: p.actor(),
                    marked_at: now,
                }),
            })
        })
        .await
    }

    pub async fn zombie_settings(&self, p: Principal) -> Result<ZombieSettings> {
        rules::require_reader(&p)?;
        self.read(zombie_settings).await
    }

    /// The operator sets how candidates are found; sealed.
    pub async fn set_zombie_settings(
        &self,
        p: Principal,
        s: ZombieSettings,
    ) -> Result<ZombieSettings> {
        p.require_platform_admin()?;
        s.validate()?;
        let actor = Actor::of(&p);
        let now = self.now();
        self.write(move |c| {
            for (key, v) in [("idle_days", s.idle_days), ("min_users", s.min_users)] {
                c.execute(
                    "DELETE FROM system_review_settings WHERE key = $1",
                    params![key],
                )?;
                c.execute(
                    "INSERT INTO system_review_settings (key, value) VALUES ($1, $2)",
                    params![key, v.to_string()],
                )?;
            }
            seal_security(
                c,
                SecurityEvent {
                    action: "system.zombie_settings",
                    target: "settings:zombie".into(),
                    details: Some(format!(
                        "idle_days={} min_users={}",
                        s.idle_days, s.min_users
                    )),
                    actor: &actor,
                },
                now,
            )?;
            zombie_settings(c)
        })
        .await
    }
}

/// Systems in use meeting some criterion, with their evidence.
fn candidates_of<'a>(
    systems: &'a [Stored],
    facts: &[SystemFacts],
    settings: ZombieSettings,
) -> Vec<(&'a Stored, Vec<Evidence>)> {
    systems
        .iter()
        .zip(facts)
        .filter_map(|(s, f)| {
            let dups = rules::duplicates_of(f, facts);
            let evidence = rules::zombie_evidence(f, &dups, settings);
            rules::is_candidate(f, &evidence).then_some((s, evidence))
        })
        .collect()
}
