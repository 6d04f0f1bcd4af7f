//! Whose data each collected record is, and the downloads that carried it.
//!
//! A whole-resource download is sealed with the snapshot it reads — the resource and `as_of`,
//! its last version id then (`exchange::download_result`) — rather than with its rows'
//! subjects one by one: the entry names "every key live in R at `as_of`", so sealing a
//! million-row download costs what sealing a lookup does. To let a subject find such entries
//! without their clear identifier, every record keeps the first 64 bits of its key's keyed
//! subject hash (`records.subject`, the hash the log names subjects by). A subject's view then
//! looks their records up by that hash, and adds each download of those resources whose
//! snapshot held the record live: the cost to a subject's query is the downloads of the
//! resources that hold them, not the rows anyone downloaded.
use shuqiao_core::audit::entry::{subject_key, SubjectHasher, SubjectKind};
use shuqiao_core::catalog::ResourceMeta;
use shuqiao_core::exchange::CallResult;

use crate::collect::records::subject_kind;
use crate::db::{Conn, DbError, Value};
use crate::{params, Result, Store};

/// The 64-bit prefix of a subject hash (hex), as `records.subject` keeps it.
pub(crate) fn subject_prefix(hash_hex: &str) -> Option<i64> {
    let head = hash_hex.get(..16)?;
    u64::from_str_radix(head, 16).ok().map(|v| v as i64)
}

/// How a batch names the subjects of the records it creates.
pub(crate) enum RecordSubjects {
    /// The resource is keyed by no personal or company identifier.
    Nobody,
    /// By their keys' hashes under the platform's subject secret.
    Hashed(SubjectHasher),
    /// The secret is not at hand (a process without the audit keys): the records are left
    /// for `Store::fill_record_subjects`, and the resource is marked for it.
    Deferred,
}

impl RecordSubjects {
    pub fn new(meta: &ResourceMeta, secret: Option<[u8; 32]>) -> RecordSubjects {
        match (subject_kind(meta), secret) {
            (None, _) => RecordSubjects::Nobody,
            (Some(kind), Some(secret)) => RecordSubjects::Hashed(SubjectHasher::new(&secret, kind)),
            (Some(_), None) => RecordSubjects::Deferred,
        }
    }

    /// How a batch into a resource names its new records' subjects. A first load into a
    /// resource that holds no record yet leaves it to `Store::fill_record_subjects` (the
    /// maintenance thread, or the next subject query): inserting a million random hashes
    /// into the `records_subject` index costs as much again as the rest of the import
    /// (docs/bench-log/2026-12-07.md). Subject queries fill first, so none misses them.
    pub fn for_batch(meta: &ResourceMeta, secret: Option<[u8; 32]>, holds_records: bool) -> Self {
        match RecordSubjects::new(meta, secret) {
            RecordSubjects::Hashed(_) if !holds_records => RecordSubjects::Deferred,
            other => other,
        }
    }

    /// The `records.subject` value of a new record with this key.
    pub fn of(&self, key: &str) -> Value {
        match self {
            RecordSubjects::Hashed(hasher) => hasher.prefix(key).into(),
            RecordSubjects::Nobody | RecordSubjects::Deferred => Value::Null,
        }
    }

    /// The same, as the text of a `COPY` cell.
    pub fn text_of(&self, key: &str) -> Option<String> {
        match self.of(key) {
            Value::Int(v) => Some(v.to_string()),
            _ => None,
        }
    }

    /// Marks the resource for the filler, inside the batch's transaction, when its records'
    /// subjects are left unnamed.
    pub fn mark_if_deferred(
        &self,
        c: &mut dyn Conn,
        resource: &str,
        batch: i64,
    ) -> std::result::Result<(), DbError> {
        if matches!(self, RecordSubjects::Deferred) {
            c.execute(
                "INSERT INTO records_unhashed (resource, mark) VALUES ($1, $2)
                 ON CONFLICT (resource) DO UPDATE SET mark = excluded.mark",
                params![resource, batch],
            )?;
        }
        Ok(())
    }
}

/// Records the filler names per transaction.
const FILL_CHUNK: i64 = 5000;

/// Whose data the keys of `code` are, by its published description (retired or not).
fn resource_subject_kind(c: &mut dyn Conn, code: &str) -> Result<Option<SubjectKind>> {
    let row = c.query_one(
        "SELECT v.meta FROM resources r
         JOIN resource_versions v ON v.code = r.code AND v.version = r.published_version
         WHERE r.code = $1",
        params![code],
    )?;
    let Some(row) = row else {
        return Ok(None);
    };
    let meta: ResourceMeta = crate::from_json(&row.text(0)?)?;
    Ok(subject_kind(&meta))
}

/// Names the subjects of up to `FILL_CHUNK` records of `resource` after key `after` that have
/// none; the last key looked at when there may be more.
fn fill_chunk(
    c: &mut dyn Conn,
    resource: &str,
    after: &str,
    subjects: &RecordSubjects,
) -> Result<Option<String>> {
    let rows = c.query(
        "SELECT record_key, subject FROM records WHERE resource = $1 AND record_key > $2
         ORDER BY record_key LIMIT $3",
        params![resource, after, FILL_CHUNK],
    )?;
    for r in &rows {
        if matches!(r.0[1], Value::Null) {
            let key = r.text(0)?;
            c.execute(
                "UPDATE records SET subject = $1 WHERE resource = $2 AND record_key = $3",
                &[subjects.of(&key), resource.into(), key.as_str().into()],
            )?;
        }
    }
    match rows.last() {
        Some(last) if rows.len() as i64 == FILL_CHUNK => Ok(Some(last.text(0)?)),
        _ => Ok(None),
    }
}

/// One state of a record: its version id, when it was collected, and whether it was live.
struct State {
    id: i64,
    at: i64,
    live: bool,
}

/// The states of a record, newest first, walking its chain back from `version`.
fn states(c: &mut dyn Conn, version: i64) -> Result<Vec<State>> {
    let mut out = Vec::new();
    let mut next = Some(version);
    while let Some(id) = next {
        let Some(r) = c.query_one(
            "SELECT op, at, prev FROM record_versions WHERE id = $1",
            params![id],
        )?
        else {
            break;
        };
        out.push(State {
            id,
            at: r.int(1)?,
            live: r.text(0)? != "delete",
        });
        next = r.opt_int(2)?;
    }
    Ok(out)
}

/// Whether a download entry's snapshot held the record: live at the entry's `as_of`; for a
/// download sealed before entries named their snapshot, live when the entry was sealed.
fn held(states: &[State], entry: &shuqiao_core::audit::entry::Entry) -> bool {
    let result = entry.result.parse::<CallResult>().ok();
    let state = match result.as_ref().map(|r| (r.is_ok(), r.download_as_of())) {
        Some((true, Some(as_of))) => states.iter().find(|s| s.id as u64 <= as_of),
        Some((true, None)) => states.iter().find(|s| s.at <= entry.time),
        _ => None,
    };
    state.is_some_and(|s| s.live)
}

/// The audit indexes of the downloads whose snapshot held a record of the subject whose
/// keyed hash is `subject`. The records are found by the hash's prefix and confirmed by
/// hashing their keys again (a prefix may be shared); the downloads by the audit log's
/// partial index of download entries per resource.
pub(crate) fn downloads_holding(
    c: &mut dyn Conn,
    secret: &[u8; 32],
    subject: &str,
) -> Result<Vec<i64>> {
    let Some(prefix) = subject_prefix(subject) else {
        return Ok(Vec::new());
    };
    let records = c.query(
        "SELECT resource, record_key, version FROM records WHERE subject = $1",
        params![prefix],
    )?;
    let mut found = Vec::new();
    for r in &records {
        let (resource, key) = (r.text(0)?, r.text(1)?);
        let theirs = [SubjectKind::Person, SubjectKind::Company]
            .into_iter()
            .any(|kind| subject_key(secret, kind, &key) == subject);
        if !theirs {
            continue;
        }
        let downloads = c.query(
            "SELECT idx, entry FROM audit_entries
             WHERE resource = $1 AND action = 'exchange.download' ORDER BY idx",
            params![&resource],
        )?;
        if downloads.is_empty() {
            continue;
        }
        let chain = states(c, r.int(2)?)?;
        for d in &downloads {
            let entry = crate::audit::decode_entry(&d.0[1])?;
            if held(&chain, &entry) {
                found.push(d.int(0)?);
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    Ok(found)
}

impl Store {
    /// Names the subjects of every record whose resource is marked as having some unnamed
    /// (after the migration that added them, or a batch applied without the subject secret),
    /// a chunk per transaction, then clears the mark unless a batch set it again meanwhile.
    /// Subject queries call it first, so they never miss a record for want of its hash.
    pub async fn fill_record_subjects(&self) -> Result<()> {
        loop {
            let next = self
                .read(|c| {
                    let Some(r) = c.query_one(
                        "SELECT resource, mark FROM records_unhashed ORDER BY resource LIMIT 1",
                        &[],
                    )?
                    else {
                        return Ok(None);
                    };
                    let resource = r.text(0)?;
                    let kind = resource_subject_kind(c, &resource)?;
                    Ok(Some((resource, r.int(1)?, kind)))
                })
                .await?;
            let Some((resource, mark, kind)) = next else {
                return Ok(());
            };
            if let Some(kind) = kind {
                let secret = self.audit.subject_secret()?;
                let subjects =
                    std::sync::Arc::new(RecordSubjects::Hashed(SubjectHasher::new(&secret, kind)));
                let mut after = String::new();
                loop {
                    let (r, s, a) = (resource.clone(), subjects.clone(), after.clone());
                    match self.write(move |c| fill_chunk(c, &r, &a, &s)).await? {
                        Some(last) => after = last,
                        None => break,
                    }
                }
            }
            self.write(move |c| {
                c.execute(
                    "DELETE FROM records_unhashed WHERE resource = $1 AND mark = $2",
                    params![&resource, mark],
                )?;
                Ok(())
            })
            .await?;
        }
    }
}
