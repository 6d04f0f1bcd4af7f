//! Applying a batch inside its one transaction. The rows are read and checked once, in a
//! stream; what happens to the checked rows depends on the engine:
//!
//! - SQLite (in-process, one writer): each row is looked up and written with prepared
//!   statements as it comes — no staging, the fastest path there is.
//! - PostgreSQL: the rows are streamed with `COPY` into a temporary staging table and merged
//!   with a few set-based statements (one round trip per row would cost more than the rest).
//!
//! Both give the same outcome: per key, a new version when the data changed (an insert, an
//! update, a deletion), nothing when it did not; a key seen twice in one batch rejects the
//! later row. An upsert merges: an item the row does not carry keeps its stored value (a new
//! record must then carry every required item); under the replace and snapshot modes the row
//! is the whole record.
use shuqiao_core::account::Principal;
use shuqiao_core::collect::source::{Next, RawRow, RowSource};
use shuqiao_core::collect::{BatchMode, BatchPolicy, Layout, RowChecker, RowShape};

use super::{
    cut, store_rejects, ApplyError, Counts, ImportProgress, Plan, Reject, Rejects, Unapplied,
};
use crate::db::{copy_text_row, Backend, Conn, DbError, Value};
use crate::subject_records::RecordSubjects;
use crate::{params, to_json, Result};

/// How often (in rows) the progress counters are refreshed.
const PROGRESS_EVERY: u64 = 4096;

/// One checked change, ready to apply.
enum Op<'a> {
    Upsert {
        key: &'a str,
        data: &'a str,
        row_no: u64,
        /// Which items the row does not carry, and which of them are required.
        shape: &'a RowShape,
    },
    Delete {
        key: &'a str,
        row_no: u64,
    },
}

/// What a change did.
enum Effect {
    Inserted,
    /// `partial`: the stored record held a value for an item the row did not carry (kept
    /// when merging, cleared when replacing).
    Updated {
        partial: bool,
    },
    Unchanged,
    Deleted,
    /// The key was already seen in this batch, first at this row.
    Duplicate(u64),
    /// A new record (no live one under its key) without these required items.
    Incomplete(Vec<usize>),
}

pub(super) fn run(
    c: &mut dyn Conn,
    plan: &Plan,
    source: &mut dyn RowSource,
    progress: Option<&ImportProgress>,
    p: &Principal,
    from_connector: bool,
    clock: &crate::Clock,
) -> Result<(), ApplyError> {
    lock_batch(c, plan)?;
    plan.subjects
        .mark_if_deferred(c, &plan.target.code, plan.batch)?;
    let (mut counts, mut rejects) = match c.backend() {
        Backend::Sqlite => sqlite_apply(c, plan, source, progress)?,
        Backend::Postgres => pg_apply(c, plan, source, progress)?,
    };
    rejects.kept.sort_by_key(|r| r.row);
    if plan.policy == BatchPolicy::AllOrNothing && counts.rejected > 0 {
        return Err(ApplyError::Unapplied(Box::new(Unapplied::Rejected {
            counts,
            rejects,
        })));
    }
    counts.rejected = rejects.rows;
    finish(c, plan, &counts, &rejects, p, clock())?;
    if from_connector {
        c.execute(
            "UPDATE collect_connectors SET watermark = COALESCE($1, watermark), last_batch = $2, last_error = NULL WHERE resource = $3",
            params![source.watermark(), plan.batch, &plan.target.code],
        )?;
    }
    Ok(())
}

/// Takes the resource's data row (one batch per resource at a time on PostgreSQL) and checks
/// that the batch is still ours to apply.
fn lock_batch(c: &mut dyn Conn, plan: &Plan) -> Result<(), ApplyError> {
    let for_update = match c.backend() {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE",
    };
    c.execute(
        "INSERT INTO resource_data (code, records, updated_at) VALUES ($1, 0, $2) ON CONFLICT (code) DO NOTHING",
        params![&plan.target.code, plan.now],
    )?;
    c.query(
        &format!("SELECT records FROM resource_data WHERE code = $1{for_update}"),
        params![&plan.target.code],
    )?;
    let status = c
        .query_one(
            &format!("SELECT status FROM collect_batches WHERE id = $1{for_update}"),
            params![plan.batch],
        )?
        .map(|r| r.text(0))
        .transpose()?;
    if status.as_deref() != Some("running") {
        return Err(ApplyError::Unapplied(Box::new(Unapplied::Lost)));
    }
    Ok(())
}

/// Reads and checks every row of the source and hands the good ones to `emit`. Under
/// all-or-nothing the good rows are still emitted after a bad one, so that every problem is
/// reported (a key repeated later, a new record without a required item); the transaction
/// is rolled back anyway. Deletes from the request follow the rows.
fn drive(
    plan: &Plan,
    source: &mut dyn RowSource,
    progress: Option<&ImportProgress>,
    counts: &mut Counts,
    rejects: &mut Rejects,
    emit: &mut dyn FnMut(Op<'_>) -> Result<Option<Effect>, ApplyError>,
) -> Result<(), ApplyError> {
    let meta = &plan.target.meta;
    let checker = RowChecker::new(meta, &plan.mapping, &plan.overrides, plan.today)
        .with_checks(&plan.checks)
        .merging(!plan.mode.replaces());
    let mut shape = RowShape::default();
    let layout = Layout::new(meta);
    let key_columns: Vec<Option<usize>> = meta
        .key_fields
        .iter()
        .map(|k| {
            let item = meta.items.iter().position(|i| &i.code == k);
            plan.mapping
                .item_of_column
                .iter()
                .position(|m| m.is_some() && *m == item)
        })
        .collect();
    let mut raw = RawRow::default();
    let mut values = Vec::with_capacity(meta.items.len());
    let mut data = String::with_capacity(512);
    let mut last_row = 0;
    let handle = |effect: Option<Effect>,
                  key: &str,
                  row_no: u64,
                  counts: &mut Counts,
                  rejects: &mut Rejects| {
        match effect {
            None => {}
            Some(Effect::Inserted) => counts.inserted += 1,
            Some(Effect::Updated { partial }) => {
                counts.updated += 1;
                count_partial(plan, partial as i64, counts);
            }
            Some(Effect::Unchanged) => counts.unchanged += 1,
            Some(Effect::Deleted) => counts.deleted += 1,
            Some(Effect::Duplicate(first)) => {
                counts.rejected += 1;
                rejects.rows += 1;
                rejects.push(duplicate(plan, row_no, key, first));
            }
            Some(Effect::Incomplete(missing)) => {
                counts.rejected += 1;
                rejects.rows += 1;
                for r in incomplete(plan, row_no, key, &missing) {
                    rejects.push(r);
                }
            }
        }
    };
    loop {
        raw.absent.clear();
        let next = source.next_row(&mut raw).map_err(|error| {
            ApplyError::Unapplied(Box::new(Unapplied::Source {
                error,
                counts: *counts,
                rejects: std::mem::take(rejects),
            }))
        })?;
        match next {
            Next::End => break,
            Next::Bad { row_no, refusal } => {
                counts.rows_read += 1;
                counts.rejected += 1;
                rejects.rows += 1;
                rejects.push(Reject {
                    row: row_no,
                    key: None,
                    field: None,
                    value: None,
                    reason: refusal.reason.to_string(),
                    message_zh: refusal.zh,
                    message_en: refusal.en,
                });
                last_row = row_no;
                continue;
            }
            Next::Row => {}
        }
        counts.rows_read += 1;
        last_row = raw.row_no;
        if let Some(pr) = progress {
            if (counts.rows_read as u64).is_multiple_of(PROGRESS_EVERY) {
                pr.update(source, counts.rows_read as u64);
            }
        }
        if let Err(problems) = checker.check_raw(&raw, &mut values, &mut shape) {
            let key = raw_key(&raw.cells, &key_columns);
            counts.rejected += 1;
            rejects.rows += 1;
            for f in problems {
                let value = meta
                    .items
                    .iter()
                    .position(|i| i.code == f.field)
                    .and_then(|ii| {
                        plan.mapping
                            .item_of_column
                            .iter()
                            .position(|m| *m == Some(ii))
                    })
                    .and_then(|ci| raw.cells.get(ci))
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| cut(v));
                rejects.push(Reject {
                    row: raw.row_no,
                    key: key.clone(),
                    field: Some(f.field),
                    value,
                    reason: f.refusal.reason.to_string(),
                    message_zh: format!("第 {} 行：{}", raw.row_no, f.refusal.zh),
                    message_en: format!("row {}: {}", raw.row_no, f.refusal.en),
                });
            }
            continue;
        }
        let Some(key) = layout.key(&values) else {
            counts.rejected += 1;
            rejects.rows += 1;
            rejects.push(Reject {
                row: raw.row_no,
                key: raw_key(&raw.cells, &key_columns),
                field: meta.key_fields.first().cloned(),
                value: None,
                reason: "key_separator".into(),
                message_zh: format!("第 {} 行：主键值中不能含有字符 |", raw.row_no),
                message_en: format!("row {}: a key value may not contain `|`", raw.row_no),
            });
            continue;
        };
        layout.encode(meta, &values, &mut data);
        let effect = emit(Op::Upsert {
            key: &key,
            data: &data,
            row_no: raw.row_no,
            shape: &shape,
        })?;
        handle(effect, &key, raw.row_no, counts, rejects);
    }
    for (i, key) in plan.deletes.iter().enumerate() {
        let row_no = last_row.max(counts.rows_read as u64) + i as u64 + 1;
        counts.rows_read += 1;
        let key = key.trim();
        let effect = emit(Op::Delete { key, row_no })?;
        handle(effect, key, row_no, counts, rejects);
    }
    if let Some(pr) = progress {
        pr.update(source, counts.rows_read as u64);
    }
    Ok(())
}

fn raw_key(cells: &[String], key_columns: &[Option<usize>]) -> Option<String> {
    let parts: Vec<&str> = key_columns
        .iter()
        .map(|c| c.and_then(|c| cells.get(c)).map(|v| v.trim()).unwrap_or(""))
        .collect();
    if parts.iter().all(|p| p.is_empty()) {
        None
    } else {
        Some(cut(&parts.join("|")))
    }
}

/// Counts an updated record that held values the batch did not carry: merged, or replaced.
fn count_partial(plan: &Plan, n: i64, counts: &mut Counts) {
    if plan.mode.replaces() {
        counts.replaced += n;
    } else {
        counts.merged += n;
    }
}

/// A new record that lacks required items its row did not carry: one reject per item.
fn incomplete(plan: &Plan, row_no: u64, key: &str, missing: &[usize]) -> Vec<Reject> {
    missing
        .iter()
        .filter_map(|i| plan.target.meta.items.get(*i))
        .map(|item| Reject {
            row: row_no,
            key: Some(cut(key)),
            field: Some(item.code.clone()),
            value: None,
            reason: "required".into(),
            message_zh: format!(
                "第 {row_no} 行：主键 {key} 尚无记录，新记录须填写必填项「{}」（{}）；只有已有记录可以不带这一项",
                item.name, item.code
            ),
            message_en: format!(
                "row {row_no}: no record holds key {key} yet, and a new record needs the required item `{}` ({}); only an existing record may leave it out",
                item.code, item.name
            ),
        })
        .collect()
}

fn duplicate(plan: &Plan, row_no: u64, key: &str, first: u64) -> Reject {
    Reject {
        row: row_no,
        key: Some(cut(key)),
        field: Some(plan.target.meta.key_fields.join("|")),
        value: None,
        reason: "duplicate_key".into(),
        message_zh: format!("第 {row_no} 行：主键 {key} 在本批次第 {first} 行已出现，同一批次中每个主键只能出现一次"),
        message_en: format!("row {row_no}: key {key} already appears at row {first}; a key may appear only once per batch"),
    }
}

// ---------------------------------------------------------------- SQLite

const LOOKUP: &str = "SELECT version, live FROM records WHERE resource = $1 AND record_key = $2";
const CURRENT: &str = "SELECT data, row_no FROM record_versions WHERE id = $1";
const INSERT_VERSION: &str = "INSERT INTO record_versions (id, resource, record_key, batch, row_no, at, op, prev, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
// `subject` is set when a key is first written (see subject_records.rs) and never changes.
const UPSERT_RECORD: &str = "INSERT INTO records (resource, record_key, version, live, subject) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (resource, record_key) DO UPDATE SET version = excluded.version, live = excluded.live";
const INSERT_RECORD: &str =
    "INSERT INTO records (resource, record_key, version, live, subject) VALUES ($1, $2, $3, $4, $5)";
const SEEN: &str =
    "INSERT INTO temp.collect_seen (record_key, row_no) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const SEEN_AT: &str = "SELECT row_no FROM temp.collect_seen WHERE record_key = $1";

struct SqliteWriter<'p> {
    plan: &'p Plan,
    layout: Layout,
    resource: Value,
    subjects: &'p RecordSubjects,
    batch: i64,
    now: i64,
    /// The first version id of this batch: a record pointing at or after it was written by it.
    first_id: i64,
    next_id: i64,
    /// The resource held no record (live or deleted) when the batch began.
    fresh: bool,
    /// Some key was refused without a version (a new record lacking required items): keys
    /// with no record are then looked up in `collect_seen` too, for repeats.
    seen_unwritten: bool,
    /// A merged record's canonical JSON, reused.
    merged: String,
}

impl SqliteWriter<'_> {
    /// Appends one version row.
    #[allow(clippy::too_many_arguments)]
    fn insert_version(
        &self,
        c: &mut dyn Conn,
        id: i64,
        key: &str,
        row_no: Option<u64>,
        op: &str,
        prev: Option<i64>,
        data: Option<&str>,
    ) -> Result<(), DbError> {
        c.execute(
            INSERT_VERSION,
            &[
                Value::Int(id),
                self.resource.clone(),
                Value::Text(key.to_string()),
                Value::Int(self.batch),
                row_no.map(|r| r as i64).into(),
                Value::Int(self.now),
                op.into(),
                prev.into(),
                data.into(),
            ],
        )?;
        Ok(())
    }

    fn write_version(
        &mut self,
        c: &mut dyn Conn,
        key: &str,
        row_no: Option<u64>,
        op: &str,
        prev: Option<i64>,
        data: Option<&str>,
    ) -> Result<(), DbError> {
        let id = self.next_id;
        self.next_id += 1;
        self.insert_version(c, id, key, row_no, op, prev, data)?;
        // A key with no earlier version is new: its record is inserted, with its subject.
        let subject = match prev {
            None => self.subjects.of(key),
            Some(_) => Value::Null,
        };
        c.execute(
            UPSERT_RECORD,
            &[
                self.resource.clone(),
                Value::Text(key.to_string()),
                Value::Int(id),
                Value::Int((op != "delete") as i64),
                subject,
            ],
        )?;
        Ok(())
    }

    /// The first load of a resource: no key can exist but one this batch wrote, so the
    /// record is inserted without looking first; a conflict is a key repeated in the batch.
    fn insert_fresh(
        &mut self,
        c: &mut dyn Conn,
        key: &str,
        data: &str,
        row_no: u64,
    ) -> Result<Effect, DbError> {
        let id = self.next_id;
        let inserted = c.execute(
            INSERT_RECORD,
            &[
                self.resource.clone(),
                Value::Text(key.to_string()),
                Value::Int(id),
                Value::Int(1),
                self.subjects.of(key),
            ],
        );
        match inserted {
            Ok(_) => {}
            Err(DbError::Unique(_)) => {
                let version = c
                    .query_one(
                        LOOKUP,
                        &[self.resource.clone(), Value::Text(key.to_string())],
                    )?
                    .map(|r| r.int(0))
                    .transpose()?
                    .unwrap_or(0);
                let first = c
                    .query_one(CURRENT, params![version])?
                    .and_then(|r| r.opt_int(1).ok().flatten())
                    .unwrap_or(0);
                return Ok(Effect::Duplicate(first as u64));
            }
            Err(e) => return Err(e),
        }
        self.next_id += 1;
        self.insert_version(c, id, key, Some(row_no), "insert", None, Some(data))?;
        Ok(Effect::Inserted)
    }

    /// Whether this batch already touched `key` (which points at `version`), and where.
    fn seen_before(
        &self,
        c: &mut dyn Conn,
        key: &str,
        version: i64,
        row_no: u64,
    ) -> Result<Option<u64>, DbError> {
        if version >= self.first_id {
            let first = c
                .query_one(CURRENT, params![version])?
                .and_then(|r| r.opt_int(1).ok().flatten())
                .unwrap_or(0);
            return Ok(Some(first as u64));
        }
        // An existing key this batch left unchanged leaves no version: remember it aside.
        if c.execute(SEEN, params![key, row_no as i64])? == 0 {
            let first = c
                .query_one(SEEN_AT, params![key])?
                .map(|r| r.int(0))
                .transpose()?
                .unwrap_or(0);
            return Ok(Some(first as u64));
        }
        Ok(None)
    }

    fn apply(&mut self, c: &mut dyn Conn, op: Op<'_>) -> Result<Effect, DbError> {
        let (key, row_no) = match &op {
            Op::Upsert { key, row_no, .. } | Op::Delete { key, row_no } => (*key, *row_no),
        };
        if self.fresh && !self.seen_unwritten {
            if let Op::Upsert { data, shape, .. } = op {
                if shape.needs_record.is_empty() {
                    return self.insert_fresh(c, key, data, row_no);
                }
            }
        }
        let existing = c.query_one(
            LOOKUP,
            &[self.resource.clone(), Value::Text(key.to_string())],
        )?;
        let existing = match existing {
            Some(r) => Some((r.int(0)?, r.bool(1)?)),
            None => None,
        };
        let checked = match existing {
            Some((version, _)) => Some(version),
            None if self.seen_unwritten && matches!(op, Op::Upsert { .. }) => Some(0),
            None => None,
        };
        if let Some(version) = checked {
            if let Some(first) = self.seen_before(c, key, version, row_no)? {
                return Ok(Effect::Duplicate(first));
            }
        }
        match (op, existing) {
            (Op::Upsert { shape, .. }, None | Some((_, false)))
                if !shape.needs_record.is_empty() =>
            {
                if checked.is_none() {
                    self.seen_before(c, key, 0, row_no)?;
                }
                self.seen_unwritten = true;
                Ok(Effect::Incomplete(shape.needs_record.clone()))
            }
            (Op::Upsert { data, .. }, None) => {
                self.write_version(c, key, Some(row_no), "insert", None, Some(data))?;
                Ok(Effect::Inserted)
            }
            (Op::Upsert { data, .. }, Some((version, false))) => {
                self.write_version(c, key, Some(row_no), "insert", Some(version), Some(data))?;
                Ok(Effect::Inserted)
            }
            (Op::Upsert { data, shape, .. }, Some((version, true))) => {
                let current = c
                    .query_one(CURRENT, params![version])?
                    .map(|r| r.opt_text(0))
                    .transpose()?
                    .flatten()
                    .unwrap_or_default();
                let mut merged = std::mem::take(&mut self.merged);
                let (use_merged, partial) = self.merge_into(data, &current, shape, &mut merged);
                let data = if use_merged { merged.as_str() } else { data };
                let effect = if current == data {
                    Effect::Unchanged
                } else {
                    self.write_version(c, key, Some(row_no), "update", Some(version), Some(data))?;
                    Effect::Updated { partial }
                };
                self.merged = merged;
                Ok(effect)
            }
            (Op::Delete { .. }, Some((version, true))) => {
                self.write_version(c, key, Some(row_no), "delete", Some(version), None)?;
                Ok(Effect::Deleted)
            }
            (Op::Delete { .. }, _) => Ok(Effect::Unchanged),
        }
    }

    /// Whether the row must be merged over the live record `current` (into `merged`), and
    /// whether `current` held a value for an item the row did not carry. Merging keeps such
    /// values; replacing drops them.
    fn merge_into(
        &self,
        data: &str,
        current: &str,
        shape: &RowShape,
        merged: &mut String,
    ) -> (bool, bool) {
        if shape.absent.is_empty() {
            return (false, false);
        }
        let meta = &self.plan.target.meta;
        if self.plan.mode.replaces() {
            return (false, Layout::holds_any(meta, current, &shape.absent));
        }
        let kept = self
            .layout
            .merge(meta, data, current, &shape.absent, merged);
        (true, kept)
    }
}

fn sqlite_apply(
    c: &mut dyn Conn,
    plan: &Plan,
    source: &mut dyn RowSource,
    progress: Option<&ImportProgress>,
) -> Result<(Counts, Rejects), ApplyError> {
    // A large batch touches the records index all over: with the writer's usual 16 MiB
    // of cache, SQLite spends its time spilling and re-reading pages. A bigger cache for the
    // batch's duration (pages are allocated only as used) keeps the index resident.
    c.batch(&format!(
        "PRAGMA cache_size = -{BATCH_CACHE_KIB};
         CREATE TEMP TABLE IF NOT EXISTS collect_seen (record_key TEXT PRIMARY KEY, row_no BIGINT) WITHOUT ROWID;
         DELETE FROM temp.collect_seen;"
    ))?;
    let outcome = sqlite_rows(c, plan, source, progress);
    c.batch(&format!(
        "PRAGMA cache_size = -{}",
        crate::db::SQLITE_CACHE_KIB
    ))?;
    outcome
}

/// KiB of page cache while a batch is applied on SQLite.
const BATCH_CACHE_KIB: i64 = 192 * 1024;

fn sqlite_rows(
    c: &mut dyn Conn,
    plan: &Plan,
    source: &mut dyn RowSource,
    progress: Option<&ImportProgress>,
) -> Result<(Counts, Rejects), ApplyError> {
    let max = c
        .query_one("SELECT COALESCE(MAX(id), 0) FROM record_versions", &[])?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    let fresh = c
        .query_one(
            "SELECT 1 FROM records WHERE resource = $1 LIMIT 1",
            params![&plan.target.code],
        )?
        .is_none();
    let mut w = SqliteWriter {
        plan,
        layout: Layout::new(&plan.target.meta),
        seen_unwritten: false,
        merged: String::new(),
        resource: Value::Text(plan.target.code.clone()),
        subjects: &plan.subjects,
        batch: plan.batch,
        now: plan.now,
        first_id: max + 1,
        next_id: max + 1,
        fresh,
    };
    let mut counts = Counts::default();
    let mut rejects = Rejects::default();
    let mut emit = |op: Op<'_>| -> Result<Option<Effect>, ApplyError> { Ok(Some(w.apply(c, op)?)) };
    drive(plan, source, progress, &mut counts, &mut rejects, &mut emit)?;
    let all_or_nothing_failed = plan.policy == BatchPolicy::AllOrNothing && counts.rejected > 0;
    if plan.mode == BatchMode::Snapshot && !all_or_nothing_failed {
        // Live records this batch neither wrote nor saw are gone from the source.
        loop {
            let gone = c.query(
                "SELECT record_key, version FROM records WHERE resource = $1 AND live = 1 AND version < $2
                   AND record_key NOT IN (SELECT record_key FROM temp.collect_seen) LIMIT 10000",
                params![&plan.target.code, w.first_id],
            )?;
            if gone.is_empty() {
                break;
            }
            for r in gone {
                let (key, version) = (r.text(0)?, r.int(1)?);
                w.write_version(c, &key, None, "delete", Some(version), None)?;
                counts.deleted += 1;
            }
        }
    }
    c.batch("DELETE FROM temp.collect_seen")?;
    Ok((counts, rejects))
}

// ---------------------------------------------------------------- PostgreSQL

fn pg_apply(
    c: &mut dyn Conn,
    plan: &Plan,
    source: &mut dyn RowSource,
    progress: Option<&ImportProgress>,
) -> Result<(Counts, Rejects), ApplyError> {
    // Memory for the merge's hash joins and sorts, for this transaction only.
    c.batch("SET LOCAL work_mem = '128MB'")?;
    // `absent`: codes of the items a row does not carry; `needs`: the required ones among
    // them when merging (only an existing record may do without them).
    c.batch(
        "CREATE TEMP TABLE collect_stage (ord BIGINT, row_no BIGINT, record_key TEXT, op TEXT, data TEXT, absent TEXT[], needs TEXT[], subject BIGINT) ON COMMIT DROP",
    )?;
    let mut counts = Counts::default();
    let mut rejects = Rejects::default();
    let mut failure: Option<ApplyError> = None;
    let mut ord: i64 = 0;
    let mut any_absent = false;
    let mut line = Vec::with_capacity(1024);
    let items = &plan.target.meta.items;
    let codes = |list: &[usize]| -> Option<String> {
        (!list.is_empty()).then(|| {
            let names: Vec<&str> = list.iter().map(|i| items[*i].code.as_str()).collect();
            format!("{{{}}}", names.join(","))
        })
    };
    let staged = c.copy_in(
        "COPY collect_stage (ord, row_no, record_key, op, data, absent, needs, subject) FROM STDIN",
        &mut |w| {
            let mut emit = |op: Op<'_>| -> Result<Option<Effect>, ApplyError> {
                ord += 1;
                let ord_s = ord.to_string();
                line.clear();
                match op {
                    Op::Upsert {
                        key,
                        data,
                        row_no,
                        shape,
                    } => {
                        any_absent |= !shape.absent.is_empty();
                        let (absent, needs) = (codes(&shape.absent), codes(&shape.needs_record));
                        copy_text_row(
                            &mut line,
                            &[
                                Some(&ord_s),
                                Some(&row_no.to_string()),
                                Some(key),
                                Some("upsert"),
                                Some(data),
                                absent.as_deref(),
                                needs.as_deref(),
                                plan.subjects.text_of(key).as_deref(),
                            ],
                        )
                    }
                    Op::Delete { key, row_no } => copy_text_row(
                        &mut line,
                        &[
                            Some(&ord_s),
                            Some(&row_no.to_string()),
                            Some(key),
                            Some("delete"),
                            None,
                            None,
                            None,
                            None,
                        ],
                    ),
                }
                w.write_all(&line)
                    .map_err(|e| DbError::Other(format!("copy: {e}")))?;
                Ok(None)
            };
            drive(plan, source, progress, &mut counts, &mut rejects, &mut emit).map_err(|e| {
                failure = Some(e);
                DbError::Other("collection stopped".into())
            })
        },
    );
    if let Some(f) = failure {
        return Err(f);
    }
    staged?;
    c.batch("CREATE INDEX ON collect_stage (record_key); ANALYZE collect_stage")?;
    // Every problem is reported, under all-or-nothing too: repeated keys first, then new
    // records without required items.
    let repeated = reject_repeated_keys(c, plan, &mut counts, &mut rejects)?;
    reject_incomplete(c, plan, &mut counts, &mut rejects)?;
    if plan.policy == BatchPolicy::AllOrNothing && counts.rejected > 0 {
        return Ok((counts, rejects));
    }
    if any_absent && !plan.mode.replaces() {
        merge_staged(c, plan)?;
    }
    let staged_rows = ord - repeated;
    // New records' subjects come from the stage only when this batch hashes them (a first
    // load leaves them to the filler, and the join would only cost time).
    let (subject, join) = match plan.subjects {
        crate::subject_records::RecordSubjects::Hashed(_) => (
            "s.subject",
            " LEFT JOIN collect_stage s ON s.record_key = ins.record_key",
        ),
        _ => ("CAST(NULL AS BIGINT)", ""),
    };
    let applied = c
        .query_one(
            &format!("WITH cur AS (
                SELECT s.ord, s.row_no, s.record_key, s.op, s.data, s.absent, r.version AS prev, r.live, v.data AS cur_data
                FROM collect_stage s
                LEFT JOIN records r ON r.resource = $1 AND r.record_key = s.record_key
                LEFT JOIN record_versions v ON v.id = r.version
             ), changed AS (
                SELECT ord, row_no, record_key, data, prev, absent, cur_data,
                       CASE WHEN op = 'delete' THEN 'delete' WHEN prev IS NULL OR live = 0 THEN 'insert' ELSE 'update' END AS kind
                FROM cur
                WHERE (op = 'delete' AND live = 1)
                   OR (op = 'upsert' AND (prev IS NULL OR live = 0 OR cur_data IS DISTINCT FROM data))
             ), ins AS (
                INSERT INTO record_versions (resource, record_key, batch, row_no, at, op, prev, data)
                SELECT $1, record_key, $2, row_no, $3, kind, prev, CASE WHEN kind = 'delete' THEN NULL ELSE data END
                FROM changed ORDER BY ord
                RETURNING id, record_key, op
             ), up AS (
                INSERT INTO records (resource, record_key, version, live, subject)
                SELECT $1, ins.record_key, ins.id, CASE WHEN ins.op = 'delete' THEN 0 ELSE 1 END, {subject}
                FROM ins{join}
                ON CONFLICT (resource, record_key) DO UPDATE SET version = EXCLUDED.version, live = EXCLUDED.live
                RETURNING 1
             )
             SELECT (SELECT COUNT(*) FROM ins WHERE op = 'insert'), (SELECT COUNT(*) FROM ins WHERE op = 'update'),
                    (SELECT COUNT(*) FROM ins WHERE op = 'delete'), (SELECT COUNT(*) FROM up),
                    (SELECT COUNT(*) FROM changed WHERE kind = 'update' AND absent IS NOT NULL AND cur_data::jsonb ?| absent)"),
            params![&plan.target.code, plan.batch, plan.now],
        )?
        .ok_or_else(|| DbError::Other("merge returned nothing".into()))?;
    counts.inserted = applied.int(0)?;
    counts.updated = applied.int(1)?;
    counts.deleted = applied.int(2)?;
    count_partial(plan, applied.int(4)?, &mut counts);
    counts.unchanged = staged_rows - counts.inserted - counts.updated - counts.deleted;
    if plan.mode == BatchMode::Snapshot {
        let swept = c
            .query_one(
                "WITH gone AS (
                    SELECT r.record_key, r.version FROM records r
                    WHERE r.resource = $1 AND r.live = 1
                      AND NOT EXISTS (SELECT 1 FROM collect_stage s WHERE s.record_key = r.record_key)
                 ), ins AS (
                    INSERT INTO record_versions (resource, record_key, batch, row_no, at, op, prev, data)
                    SELECT $1, record_key, $2, NULL, $3, 'delete', version, NULL FROM gone
                    RETURNING id, record_key
                 ), up AS (
                    UPDATE records r SET version = ins.id, live = 0 FROM ins
                    WHERE r.resource = $1 AND r.record_key = ins.record_key RETURNING 1
                 )
                 SELECT (SELECT COUNT(*) FROM ins), (SELECT COUNT(*) FROM up)",
                params![&plan.target.code, plan.batch, plan.now],
            )?
            .ok_or_else(|| DbError::Other("sweep returned nothing".into()))?;
        counts.deleted += swept.int(0)?;
    }
    Ok((counts, rejects))
}

/// A key staged twice: the later rows are rejected and leave the stage. Returns how many.
fn reject_repeated_keys(
    c: &mut dyn Conn,
    plan: &Plan,
    counts: &mut Counts,
    rejects: &mut Rejects,
) -> Result<i64, ApplyError> {
    let dups = c.query(
        "SELECT s.row_no, s.record_key, d.first_row FROM collect_stage s
         JOIN (SELECT record_key, MIN(ord) AS first_ord, MIN(row_no) AS first_row FROM collect_stage GROUP BY record_key HAVING COUNT(*) > 1) d
           ON d.record_key = s.record_key
         WHERE s.ord > d.first_ord ORDER BY s.ord",
        &[],
    )?;
    for r in &dups {
        counts.rejected += 1;
        rejects.rows += 1;
        rejects.push(duplicate(
            plan,
            r.int(0)? as u64,
            &r.text(1)?,
            r.int(2)? as u64,
        ));
    }
    if !dups.is_empty() {
        c.execute(
            "DELETE FROM collect_stage s USING (SELECT record_key, MIN(ord) AS first_ord FROM collect_stage GROUP BY record_key HAVING COUNT(*) > 1) d
             WHERE s.record_key = d.record_key AND s.ord > d.first_ord",
            &[],
        )?;
    }
    Ok(dups.len() as i64)
}

/// Staged rows for keys with no live record that lack required items are rejected and leave
/// the stage.
fn reject_incomplete(
    c: &mut dyn Conn,
    plan: &Plan,
    counts: &mut Counts,
    rejects: &mut Rejects,
) -> Result<(), ApplyError> {
    const NO_LIVE_RECORD: &str = "s.needs IS NOT NULL AND s.op = 'upsert'
        AND NOT EXISTS (SELECT 1 FROM records r WHERE r.resource = $1 AND r.record_key = s.record_key AND r.live = 1)";
    let rows = c.query(
        &format!("SELECT s.row_no, s.record_key, array_to_string(s.needs, ',') FROM collect_stage s WHERE {NO_LIVE_RECORD} ORDER BY s.ord"),
        params![&plan.target.code],
    )?;
    if rows.is_empty() {
        return Ok(());
    }
    for r in &rows {
        let missing = item_indices(plan, &r.text(2)?);
        counts.rejected += 1;
        rejects.rows += 1;
        for reject in incomplete(plan, r.int(0)? as u64, &r.text(1)?, &missing) {
            rejects.push(reject);
        }
    }
    c.execute(
        &format!("DELETE FROM collect_stage s WHERE {NO_LIVE_RECORD}"),
        params![&plan.target.code],
    )?;
    Ok(())
}

/// The items named by a comma-separated list of codes.
fn item_indices(plan: &Plan, codes: &str) -> Vec<usize> {
    let items = &plan.target.meta.items;
    codes
        .split(',')
        .filter_map(|code| items.iter().position(|i| i.code == code))
        .collect()
}

/// Rows merged per round trip when staged rows leave items out.
const MERGE_PAGE: i64 = 5000;

/// Merges staged rows that leave items out over the live records they update: the stored
/// values of those items are kept. The canonical encoding is Rust's, so the merge runs here,
/// a page at a time, and the merged records go back into the stage through `COPY`.
fn merge_staged(c: &mut dyn Conn, plan: &Plan) -> Result<(), ApplyError> {
    let meta = &plan.target.meta;
    let layout = Layout::new(meta);
    c.batch(
        "CREATE INDEX ON collect_stage (ord);
         CREATE TEMP TABLE collect_merged (ord BIGINT PRIMARY KEY, data TEXT) ON COMMIT DROP",
    )?;
    let mut after: i64 = 0;
    let mut merged = String::new();
    loop {
        let page = c.query(
            "SELECT s.ord, s.data, array_to_string(s.absent, ','), v.data FROM collect_stage s
             JOIN records r ON r.resource = $1 AND r.record_key = s.record_key AND r.live = 1
             JOIN record_versions v ON v.id = r.version
             WHERE s.absent IS NOT NULL AND s.op = 'upsert' AND s.ord > $2
             ORDER BY s.ord LIMIT $3",
            params![&plan.target.code, after, MERGE_PAGE],
        )?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.int(0)?;
        let mut out = Vec::new();
        for r in &page {
            let absent = item_indices(plan, &r.text(2)?);
            let stored = r.opt_text(3)?.unwrap_or_default();
            if layout.merge(meta, &r.text(1)?, &stored, &absent, &mut merged) {
                copy_text_row(&mut out, &[Some(&r.int(0)?.to_string()), Some(&merged)]);
            }
        }
        if !out.is_empty() {
            c.copy_in("COPY collect_merged (ord, data) FROM STDIN", &mut |w| {
                w.write_all(&out)
                    .map_err(|e| DbError::Other(format!("copy: {e}")))
            })?;
        }
        if (page.len() as i64) < MERGE_PAGE {
            break;
        }
    }
    c.execute(
        "UPDATE collect_stage s SET data = m.data FROM collect_merged m WHERE s.ord = m.ord",
        &[],
    )?;
    Ok(())
}

// ---------------------------------------------------------------- both

/// Marks the batch applied with its figures, keeps its rejects, updates the resource's data
/// row and queues the audit entry — all in the batch's transaction.
/// `done` is when the rows were all applied: the batch's finish time and the resource's
/// collection time. Versions carry the batch's start time (`plan.now`).
fn finish(
    c: &mut dyn Conn,
    plan: &Plan,
    counts: &Counts,
    rejects: &Rejects,
    p: &Principal,
    done: i64,
) -> Result<(), ApplyError> {
    let n = c.execute(
        "UPDATE collect_batches SET status = 'applied', rows_read = $1, inserted = $2, updated = $3, unchanged = $4, deleted = $5, rejected = $6, finished_at = $7, merged = $8, replaced = $9
         WHERE id = $10 AND status = 'running'",
        params![counts.rows_read, counts.inserted, counts.updated, counts.unchanged, counts.deleted, counts.rejected, done, counts.merged, counts.replaced, plan.batch],
    )?;
    if n == 0 {
        return Err(ApplyError::Unapplied(Box::new(Unapplied::Lost)));
    }
    store_rejects(c, plan.batch, &rejects.kept)?;
    c.execute(
        "UPDATE resource_data SET records = records + $1, last_batch = $2, collected_at = $3, updated_at = $3 WHERE code = $4",
        params![counts.inserted - counts.deleted, plan.batch, done, &plan.target.code],
    )?;
    let (org, system, person) = crate::catalog::actor_parts(p);
    let summary = serde_json::json!({
        "batch": plan.batch, "inserted": counts.inserted, "updated": counts.updated,
        "unchanged": counts.unchanged, "deleted": counts.deleted, "rejected": counts.rejected,
        "mode": plan.mode.as_str(), "merged": counts.merged, "replaced": counts.replaced,
    });
    crate::seal_later(
        c,
        &shuqiao_core::audit::entry::Entry {
            time: plan.now,
            actor_org: org,
            actor_system: system,
            actor_person: person,
            action: "collect.batch".into(),
            resource: Some(plan.target.code.clone()),
            resource_version: Some(plan.target.version),
            grant: None,
            purpose: Some(to_json(&summary)?),
            result: "ok".into(),
            subjects: Vec::new(),
        },
        plan.now,
    )?;
    Ok(())
}
