//! Collection (归集): batches of rows from files, pushes and department databases, checked
//! against the published 信息项 and applied in one transaction as new record versions.
//!
//! A batch is first recorded as `running` in a transaction of its own, so that a process
//! killed mid-import leaves a trace; its rows are then checked and applied in one transaction
//! that also marks it `applied`. A batch that cannot apply is marked `rejected` (bad rows under
//! all-or-nothing) or `failed` (an unreadable source, an interruption) and changes no record.
mod apply;
pub mod connectors;
pub mod records;
pub mod runner;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::catalog::ResourceMeta;
use shuqiao_core::collect::source::{RowSource, SourceError};
use shuqiao_core::collect::{
    self, require_collector, require_data_viewer, BatchMode, BatchPolicy, Mapping, Overrides,
};
use shuqiao_core::{DomainError, FieldError, Msg};

use crate::db::{Backend, Conn, DbError, Row};
use crate::{from_json, params, to_json, Result, Store, StoreError};

/// Rejected rows kept per batch (the count is always exact).
pub const MAX_STORED_REJECTS: usize = 50_000;
/// Rejected values are stored cut to this many characters.
const MAX_REJECT_VALUE_CHARS: usize = 200;

/// How the rows of a batch arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A file, from the CLI or uploaded through the API.
    Import,
    /// Upserts and deletes pushed through the API.
    Push,
    /// Read from the department's own database by a connector.
    Pull,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Import => "import",
            Channel::Push => "push",
            Channel::Pull => "pull",
        }
    }
}

/// What a caller asks of one batch.
#[derive(Debug, Clone)]
pub struct BatchRequest {
    pub resource: String,
    pub channel: Channel,
    /// A file name, `api`, or the connector's redacted URL.
    pub source: String,
    /// The information system the data comes from, when known.
    pub source_system: Option<String>,
    pub format: Option<String>,
    pub encoding: Option<String>,
    pub policy: BatchPolicy,
    pub mode: BatchMode,
    /// Explicit `column = item` pairs; other columns map by item code or name.
    pub mapping: Vec<(String, String)>,
    /// A client's own id for the batch: sending the same batch again changes nothing.
    pub client_batch: Option<String>,
    /// A digest of what the client sent, to tell a retry from a different batch reusing an id.
    pub payload_hash: Option<String>,
    /// Keys to delete (pushes), applied after the rows.
    pub deletes: Vec<String>,
    /// Set by connector runs: the source's watermark is stored with the batch.
    pub from_connector: bool,
}

impl BatchRequest {
    pub fn new(resource: &str, channel: Channel, source: &str) -> Self {
        BatchRequest {
            resource: resource.to_string(),
            channel,
            source: source.to_string(),
            source_system: None,
            format: None,
            encoding: None,
            policy: BatchPolicy::AllOrNothing,
            mode: BatchMode::Upsert,
            mapping: Vec::new(),
            client_batch: None,
            payload_hash: None,
            deletes: Vec::new(),
            from_connector: false,
        }
    }
}

/// How far a running import has got, for progress bars; shared with the caller.
#[derive(Debug, Default)]
pub struct ImportProgress {
    /// Bytes (files) or rows (databases) consumed.
    pub done: AtomicU64,
    /// The total, or 0 when unknown.
    pub total: AtomicU64,
    pub rows: AtomicU64,
}

impl ImportProgress {
    fn update(&self, source: &dyn RowSource, rows: u64) {
        let p = source.progress();
        self.done.store(p.done, Ordering::Relaxed);
        self.total.store(p.total.unwrap_or(0), Ordering::Relaxed);
        self.rows.store(rows, Ordering::Relaxed);
    }
}

/// A problem with a batch as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchError {
    pub code: String,
    pub zh: String,
    pub en: String,
}

pub use shuqiao_core::collect::Timeliness;

/// The report of one batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchReport {
    pub id: i64,
    pub resource: String,
    pub catalog_version: i64,
    pub client_batch: Option<String>,
    pub channel: String,
    pub source: String,
    pub source_system: Option<String>,
    pub format: Option<String>,
    pub encoding: Option<String>,
    pub policy: String,
    pub mode: String,
    /// `running`, `applied`, `rejected` (bad rows, all-or-nothing) or `failed`.
    pub status: String,
    pub actor: String,
    pub rows_read: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub deleted: i64,
    pub rejected: i64,
    /// Updated records that kept the stored value of an item the batch did not carry
    /// (upsert merges).
    pub merged: i64,
    /// Updated records that lost the stored value of an item the batch did not carry,
    /// because the batch replaced whole records (replace and snapshot modes).
    pub replaced: i64,
    pub ignored_columns: Vec<String>,
    pub error: Option<BatchError>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub duration_ms: Option<i64>,
    /// The resource's timeliness as of this report.
    pub timeliness: Timeliness,
    /// True when this answer is the stored outcome of an earlier identical push.
    pub replayed: bool,
}

/// One rejected row (or one field of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reject {
    pub row: u64,
    pub key: Option<String>,
    pub field: Option<String>,
    pub value: Option<String>,
    pub reason: String,
    pub message_zh: String,
    pub message_en: String,
}

/// An identifier accepted despite its check character.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverrideView {
    pub id: i64,
    pub kind: String,
    pub value: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: i64,
}

/// What collection knows about one resource's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataStatus {
    pub resource: String,
    pub name: String,
    pub provider: String,
    pub records: i64,
    pub last_batch: Option<i64>,
    pub timeliness: Timeliness,
}

/// Counts kept while a batch is applied.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    pub rows_read: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub deleted: i64,
    pub rejected: i64,
    pub merged: i64,
    pub replaced: i64,
}

/// The published resource a batch is checked against.
pub(crate) struct Target {
    pub code: String,
    pub version: i64,
    pub meta: ResourceMeta,
}

/// Everything the apply loop needs besides the connection and the source.
pub(crate) struct Plan {
    pub batch: i64,
    pub target: Target,
    pub mapping: Mapping,
    pub overrides: Overrides,
    /// Code sets and national rules of items linked to data elements.
    pub checks: shuqiao_core::quality::elements::ItemChecks,
    pub policy: BatchPolicy,
    pub mode: BatchMode,
    pub deletes: Vec<String>,
    pub today: time::Date,
    pub now: i64,
    /// How the records this batch creates name their data subjects.
    pub subjects: crate::subject_records::RecordSubjects,
}

/// The rejects of a batch, kept up to [`MAX_STORED_REJECTS`] and counted exactly.
#[derive(Default)]
pub(crate) struct Rejects {
    pub kept: Vec<Reject>,
    /// Rows rejected (a row with three bad fields counts once).
    pub rows: i64,
}

impl Rejects {
    pub fn push(&mut self, r: Reject) {
        if self.kept.len() < MAX_STORED_REJECTS {
            self.kept.push(r);
        }
    }
}

pub(crate) fn cut(value: &str) -> String {
    value.chars().take(MAX_REJECT_VALUE_CHARS).collect()
}

fn resource_not_collectable(code: &str) -> StoreError {
    DomainError::not_found(
        "resource_not_found",
        format!("资源 {code} 不存在或尚未发布：只有已发布的资源可以归集数据"),
        format!("resource {code} does not exist or is not published: only published resources take data"),
    )
    .into()
}

/// The published version of a resource, or not found.
pub(crate) fn load_target(c: &mut dyn Conn, code: &str) -> Result<Target> {
    let row = c.query_one(
        "SELECT r.published_version, r.retired, v.meta FROM resources r
         JOIN resource_versions v ON v.code = r.code AND v.version = r.published_version
         WHERE r.code = $1",
        params![code],
    )?;
    let Some(row) = row else {
        return Err(resource_not_collectable(code));
    };
    if row.bool(1)? {
        return Err(DomainError::conflict(
            "resource_retired",
            format!("资源 {code} 已停用，不再归集数据"),
            format!("resource {code} is retired and takes no more data"),
        )
        .into());
    }
    Ok(Target {
        code: code.to_string(),
        version: row.int(0)?,
        meta: from_json(&row.text(2)?)?,
    })
}

fn load_overrides(c: &mut dyn Conn) -> Result<Overrides> {
    let mut o = Overrides::default();
    for r in c.query("SELECT kind, value FROM collect_overrides", &[])? {
        match r.text(0)?.as_str() {
            "id_number" => o.id_numbers.insert(r.text(1)?),
            _ => o.credit_codes.insert(r.text(1)?),
        };
    }
    Ok(o)
}

const BATCH_COLS: &str = "b.id, b.resource, b.catalog_version, b.client_batch, b.channel, b.source, b.source_system, b.format, b.encoding, b.policy, b.mode, b.status, b.actor, b.rows_read, b.inserted, b.updated, b.unchanged, b.deleted, b.rejected, b.ignored_columns, b.error_code, b.error_zh, b.error_en, b.started_at, b.finished_at, d.collected_at, v.meta, b.merged, b.replaced";
const BATCH_FROM: &str = "FROM collect_batches b
     LEFT JOIN resource_data d ON d.code = b.resource
     JOIN resource_versions v ON v.code = b.resource AND v.version = b.catalog_version";

fn report_from_row(r: &Row, now: i64) -> Result<BatchReport> {
    let meta: ResourceMeta = from_json(&r.text(26)?)?;
    let error = match r.opt_text(20)? {
        Some(code) => Some(BatchError {
            code,
            zh: r.opt_text(21)?.unwrap_or_default(),
            en: r.opt_text(22)?.unwrap_or_default(),
        }),
        None => None,
    };
    let started_at = r.int(23)?;
    let finished_at = r.opt_int(24)?;
    Ok(BatchReport {
        id: r.int(0)?,
        resource: r.text(1)?,
        catalog_version: r.int(2)?,
        client_batch: r.opt_text(3)?,
        channel: r.text(4)?,
        source: r.text(5)?,
        source_system: r.opt_text(6)?,
        format: r.opt_text(7)?,
        encoding: r.opt_text(8)?,
        policy: r.text(9)?,
        mode: r.text(10)?,
        status: r.text(11)?,
        actor: r.text(12)?,
        rows_read: r.int(13)?,
        inserted: r.int(14)?,
        updated: r.int(15)?,
        unchanged: r.int(16)?,
        deleted: r.int(17)?,
        rejected: r.int(18)?,
        merged: r.int(27)?,
        replaced: r.int(28)?,
        ignored_columns: from_json(&r.text(19)?)?,
        error,
        started_at,
        finished_at,
        duration_ms: finished_at.map(|f| f - started_at),
        timeliness: Timeliness::of(meta.update_cycle, r.opt_int(25)?, now),
        replayed: false,
    })
}

pub(crate) fn load_report(c: &mut dyn Conn, id: i64, now: i64) -> Result<Option<BatchReport>> {
    let sql = format!("SELECT {BATCH_COLS} {BATCH_FROM} WHERE b.id = $1");
    c.query_one(&sql, params![id])?
        .map(|r| report_from_row(&r, now))
        .transpose()
}

fn batch_not_found(id: i64) -> StoreError {
    DomainError::not_found(
        "batch_not_found",
        format!("批次 {id} 不存在"),
        format!("batch {id} does not exist"),
    )
    .into()
}

/// An earlier batch with the same client id: its stored outcome when the payload is the
/// same, a conflict when it is not. A failed earlier try frees the id for a retry.
fn replay(c: &mut dyn Conn, req: &BatchRequest, now: i64) -> Result<Option<BatchReport>> {
    let Some(client) = &req.client_batch else {
        return Ok(None);
    };
    let Some(row) = c.query_one(
        "SELECT id, status, payload_hash FROM collect_batches WHERE resource = $1 AND client_batch = $2",
        params![&req.resource, client],
    )?
    else {
        return Ok(None);
    };
    let (id, status, hash) = (row.int(0)?, row.text(1)?, row.opt_text(2)?);
    if status == "failed" {
        c.execute(
            "UPDATE collect_batches SET client_batch = NULL WHERE id = $1",
            params![id],
        )?;
        return Ok(None);
    }
    if hash != req.payload_hash {
        return Err(DomainError::conflict(
            "batch_id_reused",
            format!("批次号「{client}」已用于内容不同的另一批数据：请换一个批次号"),
            format!("batch id `{client}` was already used for a batch with different content: use a new id"),
        )
        .into());
    }
    if status == "running" {
        return Err(DomainError::conflict(
            "batch_in_progress",
            format!("批次「{client}」正在处理中，请稍后查询结果"),
            format!("batch `{client}` is still being processed; ask for its result later"),
        )
        .into());
    }
    let mut report = load_report(c, id, now)?.ok_or_else(|| batch_not_found(id))?;
    report.replayed = true;
    Ok(Some(report))
}

enum Opened {
    Replayed(Box<BatchReport>),
    Started { batch: i64, plan: Box<Plan> },
}

impl Store {
    fn owner(&self) -> String {
        format!("pid {}", std::process::id())
    }

    /// Checks, maps and records a new batch as running (committed), or answers a replay.
    async fn open_batch(
        &self,
        p: &Principal,
        req: &BatchRequest,
        columns: Vec<String>,
    ) -> Result<Opened> {
        let (p, req, now, owner) = (p.clone(), req.clone(), self.now(), self.owner());
        let secret = self.audit.subject_secret().ok();
        self.write(move |c| {
            let target = load_target(c, &req.resource)?;
            require_collector(&p, &target.meta.provider)?;
            if let Some(report) = replay(c, &req, now)? {
                return Ok(Opened::Replayed(Box::new(report)));
            }
            validate_request(&req)?;
            // A push of deletes alone has no columns to map.
            let mapping = if columns.is_empty() && !req.deletes.is_empty() {
                Mapping { item_of_column: Vec::new(), ignored: Vec::new() }
            } else {
                collect::map_columns(&target.meta, &columns, &req.mapping, !req.mode.replaces())?
            };
            let overrides = load_overrides(c)?;
            let checks = crate::quality::registry::item_checks(c, &req.resource, &target.meta)?;
            let batch = c
                .query_one(
                    "INSERT INTO collect_batches (resource, catalog_version, client_batch, payload_hash, channel, source, source_system, format, encoding, policy, mode, status, actor, owner, ignored_columns, started_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'running', $12, $13, $14, $15) RETURNING id",
                    params![&req.resource, target.version, req.client_batch.clone(), req.payload_hash.clone(), req.channel.as_str(), &req.source, req.source_system.clone(), req.format.clone(), req.encoding.clone(), req.policy.as_str(), req.mode.as_str(), p.actor(), owner, to_json(&mapping.ignored)?, now],
                )?
                .ok_or_else(|| DbError::Other("no batch id".into()))?
                .int(0)?;
            let today = shuqiao_core::catalog::parse_date(&shuqiao_core::catalog::china_date(now))
                .ok_or_else(|| DbError::Other("clock out of range".into()))?;
            let subjects = crate::subject_records::RecordSubjects::for_batch(
                &target.meta,
                secret,
                holds_records(c, &req.resource)?,
            );
            Ok(Opened::Started {
                batch,
                plan: Box::new(Plan {
                    batch,
                    mapping,
                    overrides,
                    checks,
                    policy: req.policy,
                    mode: req.mode,
                    deletes: req.deletes.clone(),
                    today,
                    now,
                    subjects,
                    target,
                }),
            })
        })
        .await
    }

    /// Collects one batch from `source` into `req.resource`: checks every row, applies the
    /// batch in one transaction (or rejects it whole under all-or-nothing), and returns its
    /// report. Mapping problems (a required item with no column…) are refused before any
    /// batch exists.
    pub async fn collect_batch<S: RowSource + 'static>(
        &self,
        p: Principal,
        req: BatchRequest,
        source: S,
        progress: Option<Arc<ImportProgress>>,
    ) -> Result<BatchReport> {
        self.collect_batch_watched(p, req, source, progress, None)
            .await
    }

    /// [`Store::collect_batch`], telling `started` the batch's id as soon as it is recorded
    /// as running (or replayed), so a person can watch it while its rows are applied.
    pub async fn collect_batch_watched<S: RowSource + 'static>(
        &self,
        p: Principal,
        req: BatchRequest,
        source: S,
        progress: Option<Arc<ImportProgress>>,
        started: Option<tokio::sync::oneshot::Sender<i64>>,
    ) -> Result<BatchReport> {
        let opened = self.open_batch(&p, &req, source.columns().to_vec()).await?;
        let (batch, plan) = match opened {
            Opened::Replayed(report) => {
                if let Some(tx) = started {
                    let _ = tx.send(report.id);
                }
                return Ok(*report);
            }
            Opened::Started { batch, plan } => (batch, plan),
        };
        if let Some(tx) = started {
            let _ = tx.send(batch);
        }
        self.active_batches().insert(batch);
        let outcome = self
            .apply_batch(p.clone(), *plan, source, progress, req.from_connector)
            .await;
        self.active_batches().remove(batch);
        match outcome {
            Ok(()) => self.signal_changes(),
            Err(f) => self.finish_unapplied(batch, f).await?,
        }
        let now = self.now();
        self.read(move |c| load_report(c, batch, now)?.ok_or_else(|| batch_not_found(batch)))
            .await
    }

    fn active_batches(&self) -> ActiveBatches<'_> {
        ActiveBatches(&self.collect_active)
    }

    /// Runs the data transaction. On failure the transaction is gone and the batch still
    /// says `running`; the caller records why.
    async fn apply_batch<S: RowSource + 'static>(
        &self,
        p: Principal,
        plan: Plan,
        source: S,
        progress: Option<Arc<ImportProgress>>,
        from_connector: bool,
    ) -> std::result::Result<(), Unapplied> {
        let slot = Arc::new(Mutex::new(None::<Unapplied>));
        let back = slot.clone();
        let clock = self.clock.clone();
        let r = self
            .write(move |c| {
                let mut source = source;
                apply::run(
                    c,
                    &plan,
                    &mut source,
                    progress.as_deref(),
                    &p,
                    from_connector,
                    &clock,
                )
                .map_err(|e| {
                    *back.lock().unwrap_or_else(|p| p.into_inner()) = Some(Unapplied::from(e));
                    StoreError::Domain(DomainError::conflict(
                        "batch_unapplied",
                        "批次未应用",
                        "batch not applied",
                    ))
                })
            })
            .await;
        let failure = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        match (r, failure) {
            (Ok(()), _) => Ok(()),
            (Err(_), Some(failure)) => Err(failure),
            (Err(e), None) => {
                // The commit itself failed: nothing was applied.
                tracing::error!(error = %e, "collection batch failed to commit");
                Err(Unapplied::Internal)
            }
        }
    }

    /// Marks a batch that changed nothing, with its rejects, in a transaction of its own.
    async fn finish_unapplied(&self, batch: i64, f: Unapplied) -> Result<()> {
        let now = self.now();
        self.write(move |c| {
            let (status, code, zh, en, counts, rejects) = match f {
                Unapplied::Rejected { counts, rejects } => (
                    "rejected",
                    "batch_rejected".to_string(),
                    format!("有 {} 行未通过校验，按“全部或全不”规则整批未应用：请修正后重新提交（或选择只接收有效行）", counts.rejected),
                    format!("{} rows failed their checks; under all-or-nothing nothing was applied: fix them and resubmit (or accept the valid rows only)", counts.rejected),
                    counts,
                    rejects.kept,
                ),
                Unapplied::Source { error, counts, rejects } => {
                    ("failed", error.reason.to_string(), error.zh, error.en, counts, rejects.kept)
                }
                Unapplied::Lost => (
                    "failed",
                    "interrupted".to_string(),
                    "批次被其他进程标记为中断，未应用".to_string(),
                    "the batch was marked interrupted by another process and not applied".to_string(),
                    Counts::default(),
                    Vec::new(),
                ),
                Unapplied::Internal => (
                    "failed",
                    "internal".to_string(),
                    "平台内部错误，批次未应用：请稍后重试，或联系平台运维".to_string(),
                    "an internal error stopped the batch; nothing was applied: retry later or contact the operator".to_string(),
                    Counts::default(),
                    Vec::new(),
                ),
            };
            store_rejects(c, batch, &rejects)?;
            c.execute(
                "UPDATE collect_batches SET status = $1, error_code = $2, error_zh = $3, error_en = $4, rows_read = $5, rejected = $6, finished_at = $7 WHERE id = $8 AND status = 'running'",
                params![status, code, zh, en, counts.rows_read, counts.rejected, now, batch],
            )?;
            Ok(())
        })
        .await
    }

    /// Marks as failed the batches left `running` by a process that died mid-import. On
    /// SQLite it waits for the writer, so no import of another process is mid-transaction;
    /// on PostgreSQL a live import holds its batch row locked and is skipped.
    pub async fn recover_interrupted_batches(&self) -> Result<u64> {
        let now = self.now();
        let mine: Vec<i64> = self.active_batches().list();
        self.write(move |c| {
            let lock = match c.backend() {
                Backend::Sqlite => "",
                Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            };
            let rows = c.query(
                &format!("SELECT id FROM collect_batches WHERE status = 'running'{lock}"),
                &[],
            )?;
            let mut n = 0;
            for r in rows {
                let id = r.int(0)?;
                if mine.contains(&id) {
                    continue;
                }
                n += c.execute(
                    "UPDATE collect_batches SET status = 'failed', error_code = 'interrupted', error_zh = $1, error_en = $2, finished_at = $3 WHERE id = $4 AND status = 'running'",
                    params![
                        "导入过程中断（进程退出或崩溃），批次未应用，原有数据不变：请重新导入",
                        "the import was interrupted (the process exited or crashed); nothing was applied and the previous data is intact: import again",
                        now,
                        id
                    ],
                )?;
            }
            Ok(n)
        })
        .await
    }

    /// Refuses early (before a large upload is even stored) a caller who may not collect
    /// into `resource`.
    pub async fn check_collector(&self, p: Principal, resource: &str) -> Result<()> {
        let resource = resource.to_string();
        self.read(move |c| {
            Ok(require_collector(
                &p,
                &load_target(c, &resource)?.meta.provider,
            )?)
        })
        .await
    }

    /// The names and codes of a published resource's items, which tell a file's header from
    /// the title rows above it; refuses, as [`Store::check_collector`], a caller who may not
    /// collect into it.
    pub async fn import_columns(&self, p: Principal, resource: &str) -> Result<Vec<String>> {
        let resource = resource.to_string();
        self.read(move |c| {
            let meta = load_target(c, &resource)?.meta;
            require_collector(&p, &meta.provider)?;
            Ok(meta
                .items
                .iter()
                .flat_map(|i| [i.name.clone(), i.code.clone()])
                .collect())
        })
        .await
    }

    pub async fn get_batch(&self, p: Principal, id: i64) -> Result<BatchReport> {
        let now = self.now();
        self.read(move |c| {
            let report = load_report(c, id, now)?.ok_or_else(|| batch_not_found(id))?;
            let target = load_target(c, &report.resource).map_err(|_| batch_not_found(id))?;
            require_data_viewer(&p, &target.meta.provider).map_err(|_| batch_not_found(id))?;
            Ok(report)
        })
        .await
    }

    /// A resource's batches, newest first.
    pub async fn list_batches(
        &self,
        p: Principal,
        resource: &str,
        limit: u32,
        offset: u32,
    ) -> Result<crate::catalog::Page<BatchReport>> {
        let (resource, now) = (resource.to_string(), self.now());
        self.read(move |c| {
            let target = load_target(c, &resource)?;
            require_data_viewer(&p, &target.meta.provider)?;
            let total = c
                .query_one(
                    "SELECT COUNT(*) FROM collect_batches WHERE resource = $1",
                    params![&resource],
                )?
                .map(|r| r.int(0))
                .transpose()?
                .unwrap_or(0);
            let sql = format!(
                "SELECT {BATCH_COLS} {BATCH_FROM} WHERE b.resource = $1 ORDER BY b.id DESC LIMIT $2 OFFSET $3"
            );
            let items = c
                .query(&sql, params![&resource, limit.min(500), offset])?
                .iter()
                .map(|r| report_from_row(r, now))
                .collect::<Result<Vec<_>>>()?;
            Ok(crate::catalog::Page { items, total })
        })
        .await
    }

    /// A department's most recent batches over all its resources: failed and rejected ones
    /// first, then running ones, then the rest, newest first. One query, however many
    /// resources the department holds.
    pub async fn department_batches(
        &self,
        p: Principal,
        org: &str,
        limit: u32,
    ) -> Result<Vec<BatchReport>> {
        require_data_viewer(&p, org)?;
        let (org, now) = (org.to_string(), self.now());
        self.read(move |c| {
            let sql = format!(
                "SELECT {BATCH_COLS} {BATCH_FROM}
                 WHERE b.resource IN (SELECT code FROM resources WHERE provider = $1)
                 ORDER BY CASE WHEN b.status IN ('failed', 'rejected') THEN 0
                               WHEN b.status = 'running' THEN 1 ELSE 2 END,
                          b.started_at DESC, b.id DESC
                 LIMIT $2"
            );
            c.query(&sql, params![&org, limit.min(500)])?
                .iter()
                .map(|r| report_from_row(r, now))
                .collect()
        })
        .await
    }

    /// The rejected rows of a batch in row order.
    pub async fn batch_rejects(&self, p: Principal, id: i64) -> Result<Vec<Reject>> {
        self.get_batch(p, id).await?;
        self.read(move |c| {
            let rows = c.query(
                "SELECT row_no, record_key, field, value, reason, message_zh, message_en FROM collect_rejects WHERE batch = $1 ORDER BY seq",
                params![id],
            )?;
            rows.iter()
                .map(|r| {
                    Ok(Reject {
                        row: r.int(0)? as u64,
                        key: r.opt_text(1)?,
                        field: r.opt_text(2)?,
                        value: r.opt_text(3)?,
                        reason: r.text(4)?,
                        message_zh: r.text(5)?,
                        message_en: r.text(6)?,
                    })
                })
                .collect()
        })
        .await
    }

    /// Collection status of every published resource (or one provider's): records held and
    /// whether the data is as fresh as its 更新周期. Operator, auditors, and stewards for
    /// their own department.
    pub async fn data_status(
        &self,
        p: Principal,
        provider: Option<String>,
        stale_only: bool,
    ) -> Result<Vec<DataStatus>> {
        let now = self.now();
        self.read(move |c| {
            let provider = collect::status_scope(&p, provider)?;
            let rows = c.query(
                "SELECT r.code, v.meta, COALESCE(d.records, 0), d.last_batch, d.collected_at FROM resources r
                 JOIN resource_versions v ON v.code = r.code AND v.version = r.published_version
                 LEFT JOIN resource_data d ON d.code = r.code
                 WHERE r.retired = 0 AND ($1 = '' OR r.provider = $1) ORDER BY r.code",
                params![provider.unwrap_or_default()],
            )?;
            let mut out = Vec::new();
            for r in rows {
                let meta: ResourceMeta = from_json(&r.text(1)?)?;
                let t = Timeliness::of(meta.update_cycle, r.opt_int(4)?, now);
                if stale_only && !t.stale {
                    continue;
                }
                out.push(DataStatus {
                    resource: r.text(0)?,
                    name: meta.name,
                    provider: meta.provider,
                    records: r.int(2)?,
                    last_batch: r.opt_int(3)?,
                    timeliness: t,
                });
            }
            Ok(out)
        })
        .await
    }

    /// Registers a real identifier that fails its check character (platform operator, with a
    /// reason); audited.
    pub async fn add_override(
        &self,
        p: Principal,
        kind: &str,
        value: &str,
        reason: &str,
    ) -> Result<OverrideView> {
        let (kind, value, reason, now) = (
            kind.to_string(),
            value.to_string(),
            reason.trim().to_string(),
            self.now(),
        );
        self.write(move |c| {
            p.require_platform_admin()?;
            let mut errs = shuqiao_core::error::Errors::default();
            let value = match collect::check_override(&kind, &value) {
                Ok(v) => v,
                Err(e) => {
                    errs.push(e);
                    String::new()
                }
            };
            errs.text("reason", "登记理由", &reason, 1000);
            errs.into_result()?;
            let id = c
                .query_one(
                    "INSERT INTO collect_overrides (kind, value, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    params![&kind, &value, &reason, p.actor(), now],
                )
                .map_err(|e| match e {
                    DbError::Unique(_) => StoreError::Domain(DomainError::conflict(
                        "override_exists",
                        format!("{value} 已在例外清单中"),
                        format!("{value} is already on the override list"),
                    )),
                    other => other.into(),
                })?
                .ok_or_else(|| DbError::Other("no override id".into()))?
                .int(0)?;
            crate::seal_later(c, &override_entry(&p, "collect.override_add", &kind, &reason, now), now)?;
            Ok(OverrideView { id, kind, value, reason, created_by: p.actor(), created_at: now })
        })
        .await
    }

    pub async fn remove_override(&self, p: Principal, id: i64, reason: &str) -> Result<()> {
        let (reason, now) = (reason.trim().to_string(), self.now());
        self.write(move |c| {
            p.require_platform_admin()?;
            let mut errs = shuqiao_core::error::Errors::default();
            errs.text("reason", "撤销理由", &reason, 1000);
            errs.into_result()?;
            let row = c
                .query_one(
                    "SELECT kind FROM collect_overrides WHERE id = $1",
                    params![id],
                )?
                .ok_or_else(|| {
                    StoreError::Domain(DomainError::not_found(
                        "override_not_found",
                        format!("例外 {id} 不存在"),
                        format!("override {id} does not exist"),
                    ))
                })?;
            c.execute("DELETE FROM collect_overrides WHERE id = $1", params![id])?;
            crate::seal_later(
                c,
                &override_entry(&p, "collect.override_remove", &row.text(0)?, &reason, now),
                now,
            )?;
            Ok(())
        })
        .await
    }

    /// The override list: operator, auditors and stewards (who need to know why a code passed).
    pub async fn list_overrides(&self, p: Principal) -> Result<Vec<OverrideView>> {
        self.read(move |c| {
            collect::require_override_reader(&p)?;
            let rows = c.query("SELECT id, kind, value, reason, created_by, created_at FROM collect_overrides ORDER BY id", &[])?;
            rows.iter()
                .map(|r| {
                    Ok(OverrideView {
                        id: r.int(0)?,
                        kind: r.text(1)?,
                        value: r.text(2)?,
                        reason: r.text(3)?,
                        created_by: r.text(4)?,
                        created_at: r.int(5)?,
                    })
                })
                .collect()
        })
        .await
    }
}

/// The audit entry of an override change. The identifier itself stays out of the log.
fn override_entry(
    p: &Principal,
    action: &str,
    kind: &str,
    reason: &str,
    now: i64,
) -> shuqiao_core::audit::entry::Entry {
    let (org, system, person) = crate::catalog::actor_parts(p);
    shuqiao_core::audit::entry::Entry {
        time: now,
        actor_org: org,
        actor_system: system,
        actor_person: person,
        action: action.to_string(),
        resource: None,
        resource_version: None,
        grant: None,
        purpose: Some(format!("{kind}: {reason}")),
        result: "ok".into(),
        subjects: Vec::new(),
    }
}

fn validate_request(req: &BatchRequest) -> Result<()> {
    let mut errs = shuqiao_core::error::Errors::default();
    if let Some(id) = &req.client_batch {
        if id.trim().is_empty() || id.chars().count() > 100 {
            errs.push(FieldError::new(
                "batch_id",
                "invalid_batch_id",
                "批次号应为 1 至 100 个字符",
                "a batch id is 1 to 100 characters",
            ));
        }
    }
    if req.deletes.iter().any(|k| k.trim().is_empty()) {
        errs.push(FieldError::new(
            "deletes",
            "empty_key",
            "删除列表中有空的主键",
            "the delete list holds an empty key",
        ));
    }
    Ok(errs.into_result()?)
}

pub(crate) fn store_rejects(c: &mut dyn Conn, batch: i64, rejects: &[Reject]) -> Result<()> {
    let rows = rejects
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                batch.into(),
                (i as i64).into(),
                (r.row as i64).into(),
                r.key.clone().into(),
                r.field.clone().into(),
                r.value.clone().into(),
                r.reason.clone().into(),
                r.message_zh.clone().into(),
                r.message_en.clone().into(),
            ]
        })
        .collect();
    crate::db::insert_rows(
        c,
        "collect_rejects",
        &[
            "batch",
            "seq",
            "row_no",
            "record_key",
            "field",
            "value",
            "reason",
            "message_zh",
            "message_en",
        ],
        rows,
    )?;
    Ok(())
}

/// Why a batch's data transaction did not commit.
pub(crate) enum Unapplied {
    /// Bad rows under all-or-nothing.
    Rejected {
        counts: Counts,
        rejects: Rejects,
    },
    /// The source could not be read to its end.
    Source {
        error: SourceError,
        counts: Counts,
        rejects: Rejects,
    },
    /// Someone else marked the batch interrupted before it began.
    Lost,
    Internal,
}

/// What the apply loop returns when it stops without committing.
pub(crate) enum ApplyError {
    Unapplied(Box<Unapplied>),
    Store(StoreError),
}

impl From<StoreError> for ApplyError {
    fn from(e: StoreError) -> Self {
        ApplyError::Store(e)
    }
}
impl From<DbError> for ApplyError {
    fn from(e: DbError) -> Self {
        ApplyError::Store(e.into())
    }
}

impl From<ApplyError> for Unapplied {
    fn from(e: ApplyError) -> Self {
        match e {
            ApplyError::Unapplied(u) => *u,
            ApplyError::Store(e) => {
                tracing::error!(error = %e, "collection batch failed");
                Unapplied::Internal
            }
        }
    }
}

/// Batches this process is applying now (recovery leaves them alone).
#[derive(Default)]
pub(crate) struct ActiveSet(Mutex<HashSet<i64>>);

struct ActiveBatches<'a>(&'a ActiveSet);

impl ActiveBatches<'_> {
    fn insert(&self, id: i64) {
        self.0
             .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id);
    }
    fn remove(&self, id: i64) {
        self.0
             .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }
    fn list(&self) -> Vec<i64> {
        self.0
             .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect()
    }
}

/// A bilingual message of the store's, for reuse by callers.
pub fn msg(zh: impl Into<String>, en: impl Into<String>) -> Msg {
    Msg::new(zh, en)
}

/// The information systems a resource's published metadata names (its data's origin).
pub(crate) async fn provider_systems(store: &Store, code: &str) -> Result<Vec<String>> {
    let code = code.to_string();
    store
        .read(move |c| Ok(load_target(c, &code)?.meta.systems))
        .await
}

/// Whether `resource` holds any record (live or deleted) yet.
fn holds_records(c: &mut dyn Conn, resource: &str) -> std::result::Result<bool, DbError> {
    Ok(c.query_one(
        "SELECT 1 FROM records WHERE resource = $1 LIMIT 1",
        params![resource],
    )?
    .is_some())
}
