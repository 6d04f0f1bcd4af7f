//! The audit log, an engine of its own on the platform's database: pending entries,
//! sequencing into the Merkle tree, the journal (SQLite), signed checkpoints, receipts and
//! proofs, the subject index, witnesses' cosignatures, and the exchange's usage counters,
//! which commit with the entries they count. It knows the log's tables and files; what the
//! entries record is the services' business.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use shuqiao_core::audit::entry::Entry;
use shuqiao_core::audit::merkle::{self, Frontier, Hash, NodeId};
use shuqiao_core::audit::note::{Checkpoint, NoteSigner, NoteVerifier, SignedNote};
use shuqiao_core::DomainError;

use shuqiao_db::maintenance::{Lane, Maintenance};
use shuqiao_db::{insert_rows, params, write_on, Backend, Clock, Conn, Db, DbError, Value, Writer};

pub mod backup;
mod cache;
mod error;
mod journal;
mod usage;
use cache::NodeCache;
use error::{from_json, to_json};
pub use error::{AuditError, Result};
#[cfg(feature = "testkit")]
pub use journal::journal_to_legacy;
pub use journal::{journal_lock_path, journal_path, Journal};
pub use usage::{read_usage, Usage, UsageReader};

/// The log's keys, kept outside the database: the checkpoint signing key and the secret for
/// keyed hashes of personal identifiers.
pub struct AuditKeys {
    pub signer: NoteSigner,
    pub subject_secret: [u8; 32],
}

impl AuditKeys {
    pub fn generate(origin: &str) -> std::result::Result<AuditKeys, String> {
        let signer = NoteSigner::new(origin, rand_bytes()).map_err(|e| e.to_string())?;
        Ok(AuditKeys {
            signer,
            subject_secret: rand_bytes(),
        })
    }

    /// Reads the key file, or creates it (mode 0600) with fresh keys for `origin`.
    pub fn load_or_create(
        path: &std::path::Path,
        origin: &str,
    ) -> std::result::Result<AuditKeys, String> {
        if !path.exists() {
            let fresh = format!(
                "origin {origin}\nsigning-key {}\nsubject-secret {}\n",
                hex32(rand_bytes()),
                hex32(rand_bytes())
            );
            write_private(path, &fresh)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Self::load(path)
    }

    /// Reads an existing key file; the log's origin is the one recorded in it.
    pub fn load(path: &std::path::Path) -> std::result::Result<AuditKeys, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read audit key file {}: {e}", path.display()))?;
        let line = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
                .ok_or(format!("{} lacks `{name}`", path.display()))
        };
        let key = |name: &str| -> std::result::Result<[u8; 32], String> {
            let bytes = hex::decode(line(name)?)
                .map_err(|_| format!("{name} in {} is not hex", path.display()))?;
            bytes
                .try_into()
                .map_err(|_| format!("{name} in {} must be 32 bytes", path.display()))
        };
        let signer =
            NoteSigner::new(line("origin ")?, key("signing-key ")?).map_err(|e| e.to_string())?;
        Ok(AuditKeys {
            signer,
            subject_secret: key("subject-secret ")?,
        })
    }
}

fn rand_bytes() -> [u8; 32] {
    shuqiao_core::account::random_key()
}

fn hex32(b: [u8; 32]) -> String {
    hex::encode(b)
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(text.as_bytes())
}

/// What an appender keeps: where its entry is, the checkpoint that includes it, and the proof.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Receipt {
    pub index: u64,
    pub tree_size: u64,
    /// Hex SHA-256 leaf hash of the entry's canonical encoding.
    pub leaf_hash: String,
    /// Hex hashes, from the leaf upwards (RFC 9162).
    pub inclusion_proof: Vec<String>,
    /// The signed checkpoint (C2SP signed note) the proof leads to.
    pub checkpoint: String,
}

pub(crate) struct AuditState {
    keys: AuditKeys,
    /// Keys of witnesses whose cosignatures this log accepts.
    witnesses: Vec<NoteVerifier>,
    /// The tree's right edge as this process last saw it; checked against the head row.
    frontier: Option<Frontier>,
}

type SharedAudit = Arc<Mutex<Option<AuditState>>>;

fn unavailable() -> AuditError {
    AuditError::Unavailable
}

fn hash_of(v: &Value) -> Result<Hash> {
    match v {
        Value::Blob(b) => b
            .as_slice()
            .try_into()
            .map_err(|_| DbError::Other("bad node hash length".into()).into()),
        _ => Err(DbError::Other("node hash is not a blob".into()).into()),
    }
}

/// Reads a stored entry's canonical bytes back into an entry.
pub fn decode_entry(v: &Value) -> Result<Entry> {
    match v {
        Value::Blob(b) => {
            Entry::decode(b).map_err(|e| DbError::Other(format!("stored {e}")).into())
        }
        _ => Err(DbError::Other("audit entry is not a blob".into()).into()),
    }
}

/// Queues an entry inside the caller's transaction; it commits or rolls back with the change
/// it records and is sequenced into the tree by the next batch.
pub fn enqueue(c: &mut dyn Conn, entry: &Entry, now: i64) -> Result<()> {
    c.execute(
        "INSERT INTO audit_pending (entry, created_at) VALUES ($1, $2)",
        params![to_json(entry)?, now],
    )?;
    Ok(())
}

/// Node ids per point-lookup statement. Short lists are padded by repeating their ids, so
/// every lookup uses the same statement (prepared once per connection, and PostgreSQL can
/// keep one generic plan for it) instead of one statement per list length.
const LOOKUP_WIDTH: usize = 16;

/// The lookup statement for each engine. PostgreSQL gets the ids as a VALUES list joined to
/// the table, a nested loop of primary-key probes: the ORed terms that SQLite prefers made it
/// build and OR one bitmap per term (0.35 ms of executor time for 8 nodes at 1,000,000
/// entries, against 0.04 ms). SQLite runs the ORed terms as one primary-key search each and
/// drops the padding's duplicates; the VALUES join measured 15% slower there.
fn lookup_sql(backend: Backend) -> &'static str {
    static SQLITE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static POSTGRES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    match backend {
        Backend::Sqlite => SQLITE.get_or_init(|| {
            let marks: Vec<String> = (1..=LOOKUP_WIDTH).map(|i| format!("${i}")).collect();
            format!(
                "SELECT pos, hash FROM audit_nodes WHERE pos IN ({})",
                marks.join(", ")
            )
        }),
        Backend::Postgres => POSTGRES.get_or_init(|| {
            let rows: Vec<String> = (0..LOOKUP_WIDTH)
                .map(|i| {
                    format!(
                        "(CAST(${} AS BIGINT), CAST(${} AS BIGINT))",
                        2 * i + 1,
                        2 * i + 2
                    )
                })
                .collect();
            format!(
                "SELECT n.level, n.idx, n.hash FROM (VALUES {}) AS w \
                 JOIN audit_nodes n ON n.level = w.column1 AND n.idx = w.column2",
                rows.join(", ")
            )
        }),
    }
}

/// Where SQLite keeps a node (see the audit file's `audit_nodes`): the index of the leaf
/// that completes it, times 64, plus its level. PostgreSQL keys nodes by (level, idx).
pub(crate) fn node_pos(id: NodeId) -> i64 {
    ((((id.index + 1) << id.level) - 1) as i64) * 64 + id.level as i64
}

fn node_at(pos: i64) -> NodeId {
    let level = (pos % 64) as u32;
    let end = (pos / 64) as u64;
    NodeId {
        level,
        index: ((end + 1) >> level) - 1,
    }
}

/// A stored node's row as each engine keeps it.
fn node_row(id: NodeId, h: Hash, backend: Backend) -> Vec<Value> {
    match backend {
        Backend::Sqlite => vec![Value::Int(node_pos(id)), Value::Blob(h.to_vec())],
        Backend::Postgres => vec![
            Value::Int(id.level as i64),
            Value::Int(id.index as i64),
            Value::Blob(h.to_vec()),
        ],
    }
}

/// Reads stored nodes with point lookups, `LOOKUP_WIDTH` per query.
pub(crate) fn load_nodes(c: &mut dyn Conn, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>> {
    let backend = c.backend();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(LOOKUP_WIDTH) {
        let padded = chunk.iter().cycle().take(LOOKUP_WIDTH);
        let values: Vec<Value> = match backend {
            Backend::Sqlite => padded.map(|id| Value::Int(node_pos(*id))).collect(),
            Backend::Postgres => padded
                .flat_map(|id| [Value::Int(id.level as i64), Value::Int(id.index as i64)])
                .collect(),
        };
        for r in c.query(lookup_sql(backend), &values)? {
            let (id, hash) = match backend {
                Backend::Sqlite => (node_at(r.int(0)?), &r.0[1]),
                Backend::Postgres => (
                    NodeId {
                        level: r.int(0)? as u32,
                        index: r.int(1)? as u64,
                    },
                    &r.0[2],
                ),
            };
            out.insert(id, hash_of(hash)?);
        }
    }
    Ok(out)
}

fn missing_node(id: NodeId) -> AuditError {
    DbError::Other(format!(
        "audit node level {} index {} is missing",
        id.level, id.index
    ))
    .into()
}

/// The head as the sequencer finds it.
struct Head {
    size: u64,
    root: Option<Hash>,
    /// SQLite: the last pending id already sequenced (see `take_pending`).
    pending_upto: i64,
}

/// The journal an SQLite log is written through.
fn journal_of(journal: Option<&Journal>) -> Result<&Journal> {
    journal.ok_or_else(|| DbError::Other("this log has no journal".into()).into())
}

/// The head, locked against other sequencers until the transaction ends. On SQLite it is the
/// journal's last batch (`sequencer_write` has taken the journal's lock), or the audit file's head
/// when the journal holds none: a batch is written over only once the audit file has it.
fn lock_head(c: &mut dyn Conn, journal: Option<&Journal>) -> Result<Head> {
    let journal = match c.backend() {
        Backend::Sqlite => Some(journal_of(journal)?),
        Backend::Postgres => None,
    };
    let journaled = journal.as_ref().and_then(|j| j.last());
    let sql = match c.backend() {
        Backend::Postgres => "SELECT size, root, 0 FROM audit_head WHERE id = 1 FOR UPDATE",
        Backend::Sqlite => "SELECT size, root, pending_upto FROM audit_head WHERE id = 1",
    };
    let r = c
        .query_one(sql, &[])?
        .ok_or(DbError::Other("audit_head row missing".into()))?;
    let root = match &r.0[1] {
        Value::Null => None,
        v => Some(hash_of(v)?),
    };
    let stored = Head {
        size: r.int(0)? as u64,
        root,
        pending_upto: r.int(2)?,
    };
    if let Some(j) = &journal {
        // What the audit file holds (committed, since this transaction reads it) may be
        // written over; after another process's spreading this is the first to know.
        j.trim(stored.size);
    }
    match journaled {
        None => Ok(stored),
        // A journal restored from an older backup than the audit file: sealing on from it
        // would acknowledge entries that can never join the log. Refuse (fail closed).
        Some((size, _, _)) if size < stored.size => Err(DbError::Other(format!(
            "the audit journal ends at {size}, behind the audit file's {}: restore the two \
             files from one backup",
            stored.size
        ))
        .into()),
        Some((size, root, pending_upto)) => Ok(Head {
            size,
            root: Some(root),
            pending_upto,
        }),
    }
}

/// Takes the entries other transactions left pending, oldest first. On PostgreSQL they are
/// deleted in this transaction. On SQLite they live in the main file, which this transaction
/// must not write (it writes the journal alone): the batch's mark moves past them instead,
/// and the main file's writer deletes them after the commit (`Sequenced::pending_upto`). Ids
/// there are AUTOINCREMENT and commit in order (one writer), so the mark never skips one.
fn take_pending(c: &mut dyn Conn, upto: i64) -> Result<(Vec<Entry>, Option<i64>)> {
    let rows = match c.backend() {
        Backend::Postgres => c.query(
            "SELECT id, entry FROM audit_pending ORDER BY id LIMIT 10000",
            &[],
        )?,
        Backend::Sqlite => c.query(
            "SELECT id, entry FROM audit_pending WHERE id > $1 ORDER BY id LIMIT 10000",
            params![upto],
        )?,
    };
    let mut pending = Vec::with_capacity(rows.len());
    for r in &rows {
        pending.push(from_json::<Entry>(&r.text(1)?)?);
    }
    let Some(last) = rows.last().map(|r| r.int(0)).transpose()? else {
        return Ok((pending, None));
    };
    match c.backend() {
        Backend::Postgres => {
            c.execute("DELETE FROM audit_pending WHERE id <= $1", params![last])?;
            Ok((pending, None))
        }
        Backend::Sqlite => Ok((pending, Some(last))),
    }
}

pub(crate) struct Sequenced {
    /// The tree size before this batch.
    from: u64,
    size: u64,
    note: String,
    /// Nodes completed by this batch.
    fresh: HashMap<NodeId, Hash>,
    /// The complete subtrees left of this batch.
    edge: HashMap<NodeId, Hash>,
    leaves: Vec<Hash>,
    /// SQLite: pending rows up to this id are sequenced and may be deleted.
    pending_upto: Option<i64>,
    /// Hex roots of the ranges the batch's receipts have needed so far (`range_hex`).
    proof_hex: std::sync::Mutex<HashMap<(u64, u64), String>>,
}

impl Sequenced {
    /// Where the `submitted` entries its callers gave start in the batch: the pending entries
    /// (catalog changes, decisions) it took up come first.
    fn submitted_start(&self, submitted: usize) -> usize {
        self.leaves.len() - submitted
    }
}

/// Puts the pending entries and then `entries` into the tree, signs a checkpoint for the new
/// size, and records it all: on PostgreSQL in the log's tables, on SQLite as one journal row
/// (moved into the tables later by `AuditLog::spread`). Runs inside the caller's write
/// transaction.
fn sequence(
    c: &mut dyn Conn,
    journal: Option<&Journal>,
    st: &mut AuditState,
    cache: &NodeCache,
    entries: &[Entry],
    now: i64,
) -> Result<Sequenced> {
    let Head {
        size,
        root,
        pending_upto,
    } = lock_head(c, journal)?;
    cache.saw_head_locked(size);
    let mut frontier = match st.frontier.take() {
        Some(f) if f.size() == size && root.is_none_or(|r| r == f.root()) => f,
        _ => load_frontier(c, journal, size)?,
    };
    // Receipts need, left of this batch, only the edge as it stands now (see
    // `Frontier::nodes`): no stored node has to be read back.
    let edge: HashMap<NodeId, Hash> = frontier.nodes().into_iter().collect();
    let (pending, taken_upto) = take_pending(c, pending_upto)?;
    let mut canonical = Vec::new();
    let mut nodes = Vec::new();
    let mut leaves = Vec::new();
    for e in pending.iter().chain(entries) {
        let bytes = e.encode();
        let leaf = merkle::leaf_hash(&bytes);
        leaves.push(leaf);
        nodes.extend(frontier.push(leaf));
        canonical.push(bytes);
    }
    let new_size = frontier.size();
    let root = frontier.root();
    let body = Checkpoint {
        origin: st.keys.signer.name().to_string(),
        size: new_size,
        root,
    }
    .body();
    let note = st.keys.signer.sign(&body);
    let fresh: HashMap<NodeId, Hash> = nodes.iter().copied().collect();
    if new_size > size {
        let decoded: Vec<&Entry> = pending.iter().chain(entries).collect();
        let batch = journal::JournaledBatch {
            now,
            from: size,
            size: new_size,
            root,
            note: note.clone(),
            pending_upto: taken_upto.unwrap_or(pending_upto),
            entries: canonical,
            nodes,
            edge: match c.backend() {
                Backend::Sqlite => frontier.nodes(),
                Backend::Postgres => Vec::new(),
            },
        };
        match c.backend() {
            Backend::Sqlite => journal_of(journal)?.append(&batch, &decoded)?,
            Backend::Postgres => store_batch(c, &batch, &decoded)?,
        }
    }
    st.frontier = Some(frontier);
    Ok(Sequenced {
        from: size,
        size: new_size,
        note,
        fresh,
        edge,
        leaves,
        pending_upto: taken_upto,
        proof_hex: Default::default(),
    })
}

/// The tree's right edge at `size`: from the journal's last batch when it is that one, or
/// else from the stored nodes.
fn load_frontier(c: &mut dyn Conn, journal: Option<&Journal>, size: u64) -> Result<Frontier> {
    if c.backend() == Backend::Sqlite {
        if let Some((at, edge)) = journal_of(journal)?.last_edge()? {
            if at == size {
                let edge: HashMap<NodeId, Hash> = edge.into_iter().collect();
                return Frontier::from_nodes(size, |id| {
                    edge.get(&id).copied().ok_or_else(|| missing_node(id))
                });
            }
        }
    }
    let ids = merkle::Range { lo: 0, hi: size }.nodes();
    let nodes = load_nodes(c, &ids)?;
    Frontier::from_nodes(size, |id| {
        nodes.get(&id).copied().ok_or_else(|| missing_node(id))
    })
}

/// Writes a sequenced batch into the log's tables: its entries, the exchange usage they
/// record, its nodes, its checkpoint, and the head.
fn store_batch(c: &mut dyn Conn, b: &journal::JournaledBatch, decoded: &[&Entry]) -> Result<()> {
    let backend = c.backend();
    let entry_rows = b
        .entries
        .iter()
        .zip(decoded)
        .enumerate()
        .map(|(i, (canonical, e))| {
            let mut row = vec![
                Value::Int((b.from + i as u64) as i64),
                Value::Blob(canonical.clone()),
            ];
            row.extend(derived_values(e));
            row
        })
        .collect();
    let mut columns = vec!["idx", "entry"];
    columns.extend(DERIVED_COLUMNS);
    insert_rows(c, "audit_entries", &columns, entry_rows)?;
    // Exchange usage counters move with the entries that record the calls.
    usage::record(c, shuqiao_core::exchange::usage::usage_of(decoded))?;
    let node_columns: &[&str] = match backend {
        Backend::Sqlite => &["pos", "hash"],
        Backend::Postgres => &["level", "idx", "hash"],
    };
    let node_rows = b
        .nodes
        .iter()
        .map(|(id, h)| node_row(*id, *h, backend))
        .collect();
    insert_rows(c, "audit_nodes", node_columns, node_rows)?;
    c.execute(
        "INSERT INTO audit_checkpoints (size, note, created_at) VALUES ($1, $2, $3)",
        params![b.size as i64, &b.note, b.now],
    )?;
    match backend {
        Backend::Postgres => c.execute(
            "UPDATE audit_head SET size = $1, root = $2 WHERE id = 1",
            &[Value::Int(b.size as i64), Value::Blob(b.root.to_vec())],
        )?,
        Backend::Sqlite => c.execute(
            "UPDATE audit_head SET size = $1, root = $2, pending_upto = $3 WHERE id = 1",
            &[
                Value::Int(b.size as i64),
                Value::Blob(b.root.to_vec()),
                Value::Int(b.pending_upto),
            ],
        )?,
    };
    Ok(())
}

/// SQLite: moves the journal's batches after the audit file's head into its tables, up to
/// `journal::after`'s limit, inside the spreader's transaction. Returns the head it reached,
/// or `None` when the journal held nothing new.
fn spread_batches(c: &mut dyn Conn, journal: &Journal) -> Result<Option<u64>> {
    let head = c
        .query_one("SELECT size FROM audit_head WHERE id = 1", &[])?
        .ok_or(DbError::Other("audit_head row missing".into()))?
        .int(0)? as u64;
    let batches = journal.after(head)?;
    store_batches(c, head, &batches)
}

/// Writes journaled `batches` into the audit file's tables after its head `head`; they must
/// go on from it without a gap. Returns the head reached, or `None` for no batches.
fn store_batches(
    c: &mut dyn Conn,
    head: u64,
    batches: &[journal::JournaledBatch],
) -> Result<Option<u64>> {
    if batches.is_empty() {
        return Ok(None);
    }
    let mut at = head;
    for b in batches {
        if b.from != at {
            return Err(DbError::Other(format!(
                "audit journal gap: the audit file ends at {at}, the next batch starts at {}",
                b.from
            ))
            .into());
        }
        let decoded = b
            .entries
            .iter()
            .map(|e| Entry::decode(e).map_err(|e| DbError::Other(format!("journaled {e}"))))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let refs: Vec<&Entry> = decoded.iter().collect();
        store_batch(c, b, &refs)?;
        at = b.size;
    }
    Ok(Some(at))
}

/// Moves the rows of an SQLite audit journal of an earlier version, attached as `legacy`,
/// into the audit file (inside the caller's transaction).
pub(crate) fn move_legacy_journal(c: &mut dyn Conn) -> Result<()> {
    let has_table = c
        .query_one(
            "SELECT 1 FROM legacy.sqlite_master WHERE name = 'audit_journal'",
            &[],
        )?
        .is_some();
    if !has_table {
        return Ok(());
    }
    let head = c
        .query_one("SELECT size FROM audit_head WHERE id = 1", &[])?
        .ok_or(DbError::Other("audit_head row missing".into()))?
        .int(0)? as u64;
    let batches = journal::legacy_after(c, head)?;
    store_batches(c, head, &batches)?;
    Ok(())
}

/// Moves the whole journal into the audit file, a transaction per `journal::after`'s limit,
/// then deletes what moved from the journal.
fn spread_journal(db: &shuqiao_db::Db, journal: Option<&Journal>) -> Result<()> {
    let journal = journal_of(journal)?;
    let mut reached = None;
    while let Some(at) = write_on(db, Writer::Spread, |c| spread_batches(c, journal))? {
        reached = Some(at);
    }
    if let Some(upto) = reached {
        journal.trim(upto);
    }
    Ok(())
}

/// The query columns kept beside each entry's sealed bytes: copies of its fields, for
/// filtering without decoding every entry. `audit verify` checks them against the sealed
/// bytes (`ScannedEntry::derived_mismatches`): nothing else proves them.
const DERIVED_COLUMNS: [&str; 10] = [
    "time",
    "actor_org",
    "actor_system",
    "actor_person",
    "action",
    "resource",
    "grant_id",
    "purpose",
    "result",
    "subjects",
];

/// The values of `DERIVED_COLUMNS` for an entry, as they are stored.
fn derived_values(e: &Entry) -> Vec<Value> {
    vec![
        e.time.into(),
        e.actor_org.as_str().into(),
        e.actor_system.clone().into(),
        e.actor_person.clone().into(),
        e.action.as_str().into(),
        e.resource.clone().into(),
        e.grant.clone().into(),
        e.purpose.clone().into(),
        e.result.as_str().into(),
        subjects_column(&e.subjects),
    ]
}

/// An entry's subject hashes as stored beside it (sorted, space separated), for the subject
/// index to take up later (`AuditLog::index_subjects`) and for queries above its mark.
fn subjects_column(subjects: &[String]) -> Value {
    if subjects.is_empty() {
        return Value::Null;
    }
    let mut s = subjects.to_vec();
    s.sort();
    s.dedup();
    Value::Text(s.join(" "))
}

/// How often a server moves the audit journal into the audit file: under load about a
/// thousand entries a transaction, and a reader seldom finds more than that left for it.
/// (Every 250 ms measured worse p99 at c=32, 11–13 ms against 9–10: each move is a burst of
/// CPU on one of the two cores; docs/bench-log/.)
const SPREAD_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Entries the subject index takes up per transaction.
const SUBJECT_BATCH: usize = 20_000;

/// log2 of the entries one span of the subject index covers: a pass writes the pages of the
/// newest span or two only (about 2,000 pages a span), whatever the size of the log; a query
/// seeks once per span (`subject_match`).
pub(crate) const SUBJECT_SPAN_BITS: u32 = 18;

/// Hex digits of a subject hash the index keeps: 64 bits tell subjects apart well enough for
/// an index whose hits are checked against the entries' own subjects (`subject_match`).
const SUBJECT_PREFIX: usize = 16;

/// The first entry the subject index has not taken up yet.
fn subjects_mark(c: &mut dyn Conn) -> Result<i64> {
    let r = c
        .query_one("SELECT upto FROM audit_subjects_mark WHERE id = 1", &[])?
        .ok_or(DbError::Other("audit_subjects_mark row missing".into()))?;
    Ok(r.int(0)?)
}

/// The index rows of `rows` (`idx`, `subjects`), in key order so that each index page is
/// visited once: (span, subject prefix, idx).
fn subject_index_rows(rows: &[shuqiao_db::Row], span_bits: u32) -> Result<Vec<Vec<Value>>> {
    let mut keys: Vec<(i64, String, i64)> = Vec::new();
    for r in rows {
        if let Some(subjects) = r.opt_text(1)? {
            let idx = r.int(0)?;
            keys.extend(
                subjects
                    .split(' ')
                    .map(|s| (idx >> span_bits, subject_prefix(s).to_string(), idx)),
            );
        }
    }
    keys.sort();
    keys.dedup();
    Ok(keys
        .into_iter()
        .map(|(span, s, idx)| vec![Value::Int(span), Value::Text(s), Value::Int(idx)])
        .collect())
}

/// What the subject index keeps of a subject hash.
fn subject_prefix(s: &str) -> &str {
    s.get(..SUBJECT_PREFIX).unwrap_or(s)
}

/// Adds up to `SUBJECT_BATCH` entries from the subject index's mark on to the index (see
/// `AuditLog::index_subjects`), on the calling thread.
fn index_subjects_on(db: &shuqiao_db::Db, span_bits: u32) -> Result<bool> {
    let (from, rows) = shuqiao_db::read_on(db, shuqiao_db::Reader::Pool, |c| -> Result<_> {
        let from = subjects_mark(c)?;
        let rows = c.query(
            "SELECT idx, subjects FROM audit_entries WHERE idx >= $1 ORDER BY idx LIMIT $2",
            params![from, SUBJECT_BATCH as i64],
        )?;
        Ok((from, rows))
    })?;
    let Some(last) = rows.last().map(|r| r.int(0)).transpose()? else {
        return Ok(false);
    };
    let index = subject_index_rows(&rows, span_bits)?;
    let full = rows.len() == SUBJECT_BATCH;
    // On SQLite the index is in the audit file, whose writer is the spreader's.
    let writer = match db.backend() {
        Backend::Sqlite => Writer::Spread,
        Backend::Postgres => Writer::Main,
    };
    write_on(db, writer, move |c| -> Result<()> {
        // Another process may have taken these already: the mark says so.
        if subjects_mark(c)? != from {
            return Ok(());
        }
        shuqiao_db::insert_rows_ignoring_duplicates(
            c,
            "audit_subject_index",
            &["span", "subject", "idx"],
            index,
        )?;
        c.execute(
            "UPDATE audit_subjects_mark SET upto = $1 WHERE id = 1",
            params![last + 1],
        )?;
        Ok(())
    })?;
    Ok(full)
}

/// The condition "entry `e` names the subject in placeholder `{}`": the index's hits below its
/// mark (one seek per span, the spans found by walking the index's first column) and the
/// entries at or above the mark, each checked against the entry's own subject list (the index
/// keeps a prefix: the `16` in it is `SUBJECT_PREFIX`).
const SUBJECT_MATCH: &str = "e.idx IN (
        WITH RECURSIVE spans(n) AS (
            SELECT MIN(span) FROM audit_subject_index
            UNION ALL
            SELECT (SELECT MIN(x.span) FROM audit_subject_index x WHERE x.span > spans.n)
            FROM spans WHERE spans.n IS NOT NULL)
        SELECT s.idx FROM spans JOIN audit_subject_index s
            ON s.span = spans.n AND s.subject = substr({}, 1, 16)
        UNION ALL
        SELECT t.idx FROM audit_entries t
        WHERE t.idx >= (SELECT upto FROM audit_subjects_mark WHERE id = 1))
    AND (' ' || e.subjects || ' ') LIKE ('% ' || {} || ' %')";

/// `SUBJECT_MATCH`, or one of the entries `also` (our own integers, written into the text).
fn subject_condition(also: &[i64]) -> String {
    if also.is_empty() {
        return SUBJECT_MATCH.to_string();
    }
    let list: Vec<String> = also.iter().map(i64::to_string).collect();
    format!("(({SUBJECT_MATCH}) OR e.idx IN ({}))", list.join(", "))
}

/// Receipts for `count` entries of a batch from its `start`-th (pending entries come first),
/// from memory alone: every node their proofs need was either completed by the batch or is
/// on the edge it started from.
fn receipts(done: &Sequenced, start: usize, count: usize) -> Result<Vec<Receipt>> {
    (0..count)
        .map(|i| {
            let index = done.from + (start + i) as u64;
            let inclusion_proof = merkle::inclusion_plan(index, done.size)
                .into_iter()
                .map(|r| done.range_hex(r))
                .collect::<Result<Vec<_>>>()?;
            Ok(Receipt {
                index,
                tree_size: done.size,
                leaf_hash: hex_hash(&done.leaves[start + i]),
                inclusion_proof,
                checkpoint: done.note.clone(),
            })
        })
        .collect()
}

impl Sequenced {
    /// The hex root of the range `r` of this batch's tree, worked out once for all of the
    /// batch's callers: their proofs share every range above the batch's own leaves, and a
    /// range on the tree's right edge that is not one stored node costs a hash per piece.
    fn range_hex(&self, r: merkle::Range) -> Result<String> {
        let cached = || self.proof_hex.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = cached().get(&(r.lo, r.hi)) {
            return Ok(h.clone());
        }
        let hashes = r
            .nodes()
            .into_iter()
            .map(|id| {
                self.fresh
                    .get(&id)
                    .or_else(|| self.edge.get(&id))
                    .copied()
                    .ok_or_else(|| missing_node(id))
            })
            .collect::<Result<Vec<_>>>()?;
        let h = hex_hash(&merkle::Range::root(&hashes));
        cached().insert((r.lo, r.hi), h.clone());
        Ok(h)
    }
}

/// Lower-case hex of a hash. A batch's receipts carry thousands of these, and the `hex`
/// crate's per-character iterator showed up in profiles of the sequencer.
fn hex_hash(h: &Hash) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, b) in out.chunks_exact_mut(2).zip(h) {
        pair[0] = DIGITS[(b >> 4) as usize];
        pair[1] = DIGITS[(b & 15) as usize];
    }
    // Hex digits are ASCII, so this never fails; `String::push` checked each char's width.
    std::str::from_utf8(&out).unwrap_or_default().to_owned()
}

/// Most entries one sequencing transaction takes.
const MAX_BATCH: usize = 4096;
/// How many times the sequencer yields without a new request before it seals what it has.
const BURST_YIELDS: usize = 4;

/// What a caller of the sequencer gets back: the committed batch and where its entries start
/// in it. Each caller builds its own receipts from it, on its own thread.
type Sealed = Result<(Arc<Sequenced>, usize)>;
type Request = (Vec<Entry>, tokio::sync::oneshot::Sender<Sealed>);
pub(crate) type Appender = Arc<std::sync::OnceLock<tokio::sync::mpsc::Sender<Request>>>;

/// The sequencer task: takes whatever requests are waiting, appends them in one transaction,
/// and hands each caller the committed batch. A failed batch fails every caller in it (fail
/// closed).
///
/// On SQLite the batch is written on the async worker the task is on, not on the blocking
/// pool: it is one `pwrite` (the journal's syncer thread waits for the disk), and a hop to a
/// pool thread and back cost more than a third of a batch's time (0.24 ms to wake a pool
/// thread, 0.14 ms to wake this task again, against 1.35 ms for the whole; docs/bench-log/
/// 2026-12-03.md).
fn spawn_appender(log: AuditLog) -> tokio::sync::mpsc::Sender<Request> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Request>(65_536);
    let mut split = Split::new(log.backend());
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut total = first.0.len();
            let mut batch = vec![first];
            // When a batch commits, its callers come back at once; yielding a few times lets
            // that burst arrive so the next transaction carries it (group commit), up to
            // `Split::cap` callers.
            let cap = split.cap();
            let mut idle_yields = 0;
            while total < MAX_BATCH && batch.len() < cap && idle_yields < BURST_YIELDS {
                match rx.try_recv() {
                    Ok(r) => {
                        total += r.0.len();
                        batch.push(r);
                        idle_yields = 0;
                    }
                    Err(_) => {
                        idle_yields += 1;
                        tokio::task::yield_now().await;
                    }
                }
            }
            // Those still queued count as in progress too: they go in the next batch.
            split.saw(batch.len() + rx.len());
            let (parts, replies): (Vec<Vec<Entry>>, Vec<_>) = batch.into_iter().unzip();
            let counts: Vec<usize> = parts.iter().map(Vec::len).collect();
            let started = std::time::Instant::now();
            let sealed = match log.backend() {
                Backend::Sqlite => log.seal_batch(parts.concat()),
                Backend::Postgres => {
                    let (s, entries) = (log.clone(), parts.concat());
                    log.on_lane(Lane::Request, move || s.seal_batch(entries))
                        .await
                        .and_then(|r| r)
                }
            };
            tracing::debug!(
                entries = total,
                callers = replies.len(),
                micros = started.elapsed().as_micros() as u64,
                "audit batch committed"
            );
            match sealed {
                Ok(done) => {
                    let waiting = split.waiting(replies.len());
                    answer_when_durable(&log, done, replies, counts, total, waiting)
                }
                Err(e) => {
                    tracing::error!(error = %e, "audit batch failed; its callers are refused");
                    for reply in replies {
                        let _ = reply.send(Err(unavailable()));
                    }
                }
            }
        }
    });
    tx
}

/// How many callers the sequencer puts in one batch. On SQLite a batch's sync runs while the
/// next batch is written, but callers answered together come back together: with no cap,
/// every connection's call lands in one batch, and the two cores idle while it syncs and
/// the disk idles while they work. Capped at half the callers recently in progress, two
/// groups take turns (at c=32, +5–9% req/s in paired runs; docs/bench-log/2026-12-03.md).
/// PostgreSQL commits before the next batch starts, so it takes all there are.
struct Split {
    pipelined: bool,
    /// Callers of written batches not answered yet (the syncer's callbacks count them down).
    waiting: Arc<std::sync::atomic::AtomicUsize>,
    /// The recent peak of callers in progress at a batch's sealing, less 1/16 (at least one) a
    /// batch.
    peak: usize,
}

impl Split {
    fn new(backend: Backend) -> Split {
        Split {
            pipelined: backend == Backend::Sqlite,
            waiting: Arc::default(),
            peak: 0,
        }
    }

    fn cap(&self) -> usize {
        if self.pipelined {
            self.peak.div_ceil(2).max(1)
        } else {
            usize::MAX
        }
    }

    /// A batch is about to be sealed, with `callers` in it or queued behind it.
    fn saw(&mut self, callers: usize) {
        let now = self.waiting.load(std::sync::atomic::Ordering::Relaxed) + callers;
        self.peak = now.max(self.peak - self.peak.div_ceil(16));
    }

    /// Counts `callers` as waiting; the returned counter is for their answer to count down.
    fn waiting(&self, callers: usize) -> (Arc<std::sync::atomic::AtomicUsize>, usize) {
        self.waiting
            .fetch_add(callers, std::sync::atomic::Ordering::Relaxed);
        (self.waiting.clone(), callers)
    }
}

/// Hands each caller of a sealed batch its part once the batch is on disk (SQLite: the
/// journal's syncer calls back; meanwhile the sequencer goes on with the next batch), or
/// refuses them all if it never gets there.
fn answer_when_durable(
    log: &AuditLog,
    done: Arc<Sequenced>,
    replies: Vec<tokio::sync::oneshot::Sender<Sealed>>,
    counts: Vec<usize>,
    total: usize,
    (waiting, callers): (Arc<std::sync::atomic::AtomicUsize>, usize),
) {
    let size = done.size;
    let runtime = tokio::runtime::Handle::current();
    let after = log.clone();
    let answer = move |outcome: std::result::Result<(), DbError>| {
        waiting.fetch_sub(callers, std::sync::atomic::Ordering::Relaxed);
        if let Err(e) = outcome {
            tracing::error!(error = %e, "audit batch not synced; its callers are refused");
            for reply in replies {
                let _ = reply.send(Err(unavailable()));
            }
            return;
        }
        // The syncer's thread is not the runtime's: one task hands the batch to its callers
        // from a worker, where waking them is a push to that worker's own queue, not a
        // locked push to the runtime's shared one and a wake-up of a worker per caller.
        runtime.spawn(async move {
            after.after_sequenced(&done);
            let mut start = done.submitted_start(total);
            for (reply, n) in replies.into_iter().zip(counts) {
                let _ = reply.send(Ok((done.clone(), start)));
                start += n;
            }
        });
    };
    match log.journal.clone() {
        Some(journal) => journal.when_durable(size, Box::new(answer)),
        None => answer(Ok(())),
    }
}

fn hexes(hs: &[Hash]) -> Vec<String> {
    hs.iter().map(hex_hash).collect()
}

/// The audit log of one database. Cheap to clone; the sequencer's state lives in this process.
#[derive(Clone)]
pub struct AuditLog {
    db: Arc<Db>,
    clock: Clock,
    /// SQLite: the journal the sequencer writes each batch to (see `journal`).
    journal: Option<Arc<Journal>>,
    state: SharedAudit,
    /// The subject secret, apart from the sequencer's state: every exchange call hashes its
    /// subjects with it and must not wait while the sequencer holds `state` for a batch.
    secret: Arc<std::sync::RwLock<Option<[u8; 32]>>>,
    /// The upper levels of the tree (see `cache`).
    cache: Arc<NodeCache>,
    appender: Appender,
    /// One spreading of the journal at a time in this process (see `spread`).
    spreading: Arc<tokio::sync::Mutex<()>>,
    /// log2 of the entries a span of the subject index covers (`SUBJECT_SPAN_BITS`; tests use
    /// fewer to exercise many spans).
    span_bits: u32,
    maintenance: Arc<Maintenance>,
}

impl AuditLog {
    /// The log of `db`, whose schema is up to date: opens its journal (SQLite), refusing a
    /// journal that should be there and is not, and — when `check` — a log whose recorded
    /// size disagrees with its entries (see `AuditExtent::refusal`): nothing runs on a log
    /// cut short. Blocking: call it where blocking is allowed.
    pub fn open(
        db: Arc<Db>,
        clock: Clock,
        maintenance: Arc<Maintenance>,
        check: bool,
    ) -> Result<AuditLog> {
        let journal = match db.as_ref() {
            Db::Sqlite(sqlite) => Some(Arc::new(journal::open_beside(sqlite)?)),
            Db::Postgres(_) => None,
        };
        if check {
            check_extent(&db, journal.as_deref())?;
        }
        Ok(AuditLog {
            db,
            clock,
            journal,
            state: Arc::default(),
            secret: Arc::default(),
            cache: Arc::default(),
            appender: Arc::default(),
            spreading: Arc::default(),
            span_bits: SUBJECT_SPAN_BITS,
            maintenance,
        })
    }

    /// Turns the log on with these keys: from now on it seals.
    pub fn set_keys(&self, keys: AuditKeys) {
        *self.secret.write().unwrap_or_else(|p| p.into_inner()) = Some(keys.subject_secret);
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = Some(AuditState {
            keys,
            witnesses: Vec::new(),
            frontier: None,
        });
    }

    /// Keeps tree levels from `level` up in memory instead of the default (tests use a low
    /// level so that small logs exercise the cache).
    #[cfg(feature = "testkit")]
    pub fn with_cache_from_level(mut self, level: u32) -> AuditLog {
        self.cache = Arc::new(NodeCache::new(level));
        self
    }

    /// Spans of `2^bits` entries in the subject index instead of the default (tests use
    /// small spans so that small logs have many).
    #[cfg(feature = "testkit")]
    pub fn with_subject_span_bits(mut self, bits: u32) -> AuditLog {
        self.span_bits = bits;
        self
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// Reads the calls a grant has made, for quotas.
    pub fn usage_reader(&self) -> UsageReader {
        UsageReader {
            journal: self.journal.clone(),
        }
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }

    async fn on_lane<T: Send + 'static>(
        &self,
        lane: Lane,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        Ok(self.maintenance.on_lane(lane, f).await?)
    }

    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T> + Send + 'static,
    {
        let db = self.db.clone();
        self.on_lane(Lane::Request, move || {
            shuqiao_db::read_on(&db, shuqiao_db::Reader::Pool, f)
        })
        .await?
    }

    async fn write_with<T, F>(&self, writer: Writer, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T> + Send + 'static,
    {
        let db = self.db.clone();
        self.on_lane(Lane::Request, move || write_on(&db, writer, f))
            .await?
    }

    /// SQLite: a transaction of the spreader, the audit file's writer.
    async fn spread_write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T> + Send + 'static,
    {
        self.write_with(Writer::Spread, f).await
    }

    /// A transaction of the sequencer: on SQLite it takes the journal first, waiting for
    /// another process's sequencer, and holds it to the end, so the head it reads is the one
    /// it writes after.
    fn sequencer_write<T: Send>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        let _held = match &self.journal {
            Some(j) => Some(j.lock_for_append()?),
            None => None,
        };
        write_on(&self.db, Writer::Audit, f)
    }

    /// The log's public key as `name+hash+base64key`, if the log is on.
    pub fn public_key(&self) -> Option<String> {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|s| s.keys.signer.verifier().encode())
    }

    /// The secret subject identifiers are hashed under (see `audit_subject_key`).
    pub fn subject_secret(&self) -> Result<[u8; 32]> {
        let secret = *self.secret.read().unwrap_or_else(|p| p.into_inner());
        secret.ok_or_else(unavailable)
    }

    /// Keyed hash of a subject identifier under this platform's secret.
    pub fn subject_key(
        &self,
        kind: shuqiao_core::audit::entry::SubjectKind,
        id: &str,
    ) -> Result<String> {
        Ok(shuqiao_core::audit::entry::subject_key(
            &self.subject_secret()?,
            kind,
            id,
        ))
    }

    /// Appends entries durably and returns a receipt for each: nobody gets a receipt before
    /// the transaction holding their entry has committed.
    pub async fn append(&self, entries: Vec<Entry>) -> Result<Vec<Receipt>> {
        let log = self.clone();
        let count = entries.len();
        let done = self
            .on_lane(Lane::Request, move || log.seal_batch(entries))
            .await??;
        self.durable(done.size).await?;
        self.after_sequenced(&done);
        receipts(&done, done.submitted_start(count), count)
    }

    /// Waits until the log up to tree size `size` is on disk (SQLite: the journal's syncer;
    /// PostgreSQL's commit was the sync).
    async fn durable(&self, size: u64) -> Result<()> {
        let Some(journal) = self.journal.clone() else {
            return Ok(());
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        journal.when_durable(
            size,
            Box::new(move |outcome| {
                let _ = tx.send(outcome);
            }),
        );
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "audit batch not synced; its caller is refused");
                Err(unavailable())
            }
            Err(_) => Err(unavailable()),
        }
    }

    /// Sequences `entries` after whatever is pending and writes them (durable once
    /// `durable` says so), on the calling thread.
    fn seal_batch(&self, entries: Vec<Entry>) -> Result<Arc<Sequenced>> {
        let audit = self.state.clone();
        let cache = self.cache.clone();
        let now = self.now();
        let journal = self.journal.clone();
        self.sequencer_write(move |c| {
            let mut guard = audit.lock().unwrap_or_else(|p| p.into_inner());
            let st = guard.as_mut().ok_or_else(unavailable)?;
            match sequence(c, journal.as_deref(), st, &cache, &entries, now) {
                Ok(d) => Ok(Arc::new(d)),
                Err(e) => {
                    // The transaction rolls back: forget the in-memory edge too.
                    st.frontier = None;
                    Err(e)
                }
            }
        })
    }

    /// What follows a sequencing commit: its nodes join the cache now that they are durable,
    /// and (SQLite) the main file's writer deletes the pending rows it sequenced. That delete
    /// runs on its own, so the sequencer never waits for the main writer (a long import);
    /// rows it has not deleted yet are behind the head's mark and are not sequenced again.
    fn after_sequenced(&self, done: &Sequenced) {
        self.cache.record(done.from, done.size, &done.fresh);
        if let Some(upto) = done.pending_upto {
            let log = self.clone();
            tokio::spawn(async move {
                let deleted = log
                    .write_with(Writer::Main, move |c| {
                        c.execute("DELETE FROM audit_pending WHERE id <= $1", params![upto])?;
                        Ok(())
                    })
                    .await;
                if let Err(e) = deleted {
                    tracing::warn!(error = %e, "sequenced pending audit rows not deleted yet; they stay behind the mark and go with the next ones");
                }
            });
        }
    }

    /// Moves every batch the journal holds into the audit file's tables and trims the
    /// journal (SQLite; nothing to do on PostgreSQL, whose sequencer writes the tables). Every
    /// read of the log's tables calls this first, so it sees at least every entry that has
    /// been acknowledged; `run_audit_sealer` calls it on a timer.
    pub async fn spread(&self) -> Result<()> {
        self.spread_on(Lane::Request).await
    }

    async fn spread_on(&self, lane: Lane) -> Result<()> {
        if self.backend() != Backend::Sqlite {
            return Ok(());
        }
        let _one = self.spreading.lock().await;
        let (db, journal) = (self.db.clone(), self.journal.clone());
        self.on_lane(lane, move || spread_journal(&db, journal.as_deref()))
            .await?
    }

    /// Appends through the shared sequencer: concurrent callers are grouped into one
    /// transaction (one fsync, one signature) and each gets its own receipt once it commits.
    pub async fn submit(&self, entries: Vec<Entry>) -> Result<Vec<Receipt>> {
        let (reply, wait) = tokio::sync::oneshot::channel();
        let sender = self
            .appender
            .get_or_init(|| spawn_appender(self.clone()))
            .clone();
        let count = entries.len();
        sender
            .send((entries, reply))
            .await
            .map_err(|_| unavailable())?;
        let (done, start) = wait.await.map_err(|_| unavailable())??;
        receipts(&done, start, count)
    }

    /// Sequences whatever is pending (entries written by catalog changes and decisions).
    /// Returns the tree size afterwards.
    pub async fn seal_pending(&self) -> Result<u64> {
        let audit = self.state.clone();
        let cache = self.cache.clone();
        let now = self.now();
        let log = self.clone();
        let journal = self.journal.clone();
        let done = self
            .on_lane(Lane::Request, move || {
                log.sequencer_write(move |c| {
                    let mut guard = audit.lock().unwrap_or_else(|p| p.into_inner());
                    let st = guard.as_mut().ok_or_else(unavailable)?;
                    let r = sequence(c, journal.as_deref(), st, &cache, &[], now);
                    if r.is_err() {
                        st.frontier = None;
                    }
                    r
                })
            })
            .await??;
        self.durable(done.size).await?;
        self.after_sequenced(&done);
        Ok(done.size)
    }

    /// The latest signed checkpoint; for an empty log, a freshly signed checkpoint of size 0.
    pub async fn checkpoint(&self) -> Result<String> {
        self.spread().await?;
        let latest = self
            .read(|c| {
                let r = c.query_one(
                    "SELECT note FROM audit_checkpoints ORDER BY size DESC LIMIT 1",
                    &[],
                )?;
                Ok(r.map(|r| r.text(0)).transpose()?)
            })
            .await?;
        if let Some(note) = latest {
            return Ok(note);
        }
        let guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let st = guard.as_ref().ok_or_else(unavailable)?;
        let body = Checkpoint {
            origin: st.keys.signer.name().to_string(),
            size: 0,
            root: merkle::empty_root(),
        }
        .body();
        Ok(st.keys.signer.sign(&body))
    }

    /// Moves the journal into the audit file every `SPREAD_EVERY` (SQLite), so that the journal
    /// stays small and readers seldom find work left for them; failures are logged and
    /// retried (the batches stay in the journal).
    pub async fn run_spreader(self) {
        if self.backend() != Backend::Sqlite {
            return;
        }
        let mut tick = tokio::time::interval(SPREAD_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.spread_on(Lane::Upkeep).await {
                tracing::error!(error = %e, "moving the audit journal into the audit file failed; will retry");
            }
        }
    }

    /// Adds to the subject index the entries from its mark on, up to `SUBJECT_BATCH` of them,
    /// in one transaction (SQLite: of the audit file's writer, the spreader's; PostgreSQL: of
    /// the main writer), and moves the mark past them. Many at once: the
    /// index is in random order, and a page that takes several rows is written once. Returns
    /// whether entries were left for another call.
    pub async fn index_subjects(&self) -> Result<bool> {
        let db = self.db.clone();
        let span_bits = self.span_bits;
        self.on_lane(Lane::Upkeep, move || index_subjects_on(&db, span_bits))
            .await?
    }

    /// One entry as stored, with its leaf hash.
    pub async fn entry(&self, index: u64) -> Result<(Entry, String)> {
        self.spread().await?;
        self.read(move |c| {
            let r = c.query_one(
                "SELECT entry FROM audit_entries WHERE idx = $1",
                params![index as i64],
            )?;
            let r = r.ok_or_else(|| {
                AuditError::from(DomainError::not_found(
                    "no_such_entry",
                    format!("审计日志没有第 {index} 条"),
                    format!("the audit log has no entry {index}"),
                ))
            })?;
            let e = decode_entry(&r.0[0])?;
            let leaf = hex::encode(merkle::leaf_hash(&e.encode()));
            Ok((e, leaf))
        })
        .await
    }

    /// Inclusion proof of entry `index` in the tree of `size` entries.
    pub async fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<String>> {
        let plan = merkle::inclusion_plan(index, size);
        self.proof_within(
            plan,
            move |head| index < size && size <= head,
            "index < size",
        )
        .await
    }

    /// Inclusion proofs of several entries against one tree size, in one read: a page of a
    /// citizen's accesses costs one trip to the log, not one per entry.
    pub async fn inclusion_proofs(&self, indices: Vec<u64>, size: u64) -> Result<Vec<Vec<String>>> {
        let plans = indices
            .iter()
            .map(|&index| merkle::inclusion_plan(index, size))
            .collect();
        let last = indices.iter().copied().max();
        self.proofs_within(
            plans,
            move |head| last.is_none_or(|i| i < size) && size <= head,
            "index < size",
        )
        .await
    }

    /// Consistency proof between tree sizes `from` and `to`.
    pub async fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<String>> {
        let plan = merkle::consistency_plan(from, to);
        self.proof_within(plan, move |head| from <= to && to <= head, "from ≤ to")
            .await
    }

    /// Builds a proof in one read, after checking against the current tree size (`head`)
    /// that the sizes asked for exist. Upper tree levels come from the in-memory cache; the
    /// head only grows, so a size this process has already seen committed is not re-read.
    async fn proof_within(
        &self,
        plan: Vec<merkle::Range>,
        fits: impl Fn(u64) -> bool + Send + 'static,
        need: &'static str,
    ) -> Result<Vec<String>> {
        let mut proofs = self.proofs_within(vec![plan], fits, need).await?;
        Ok(proofs.pop().unwrap_or_default())
    }

    /// [`Self::proof_within`] for several plans against the same head.
    async fn proofs_within(
        &self,
        plans: Vec<Vec<merkle::Range>>,
        fits: impl Fn(u64) -> bool + Send + 'static,
        need: &'static str,
    ) -> Result<Vec<Vec<String>>> {
        self.spread().await?;
        let cache = self.cache.clone();
        self.read(move |c| {
            let mut head = cache.known_size();
            if !fits(head) {
                head = c
                    .query_one("SELECT size FROM audit_head WHERE id = 1", &[])?
                    .map(|r| r.int(0))
                    .transpose()?
                    .unwrap_or(0) as u64;
                cache.saw_head(head);
            }
            if !fits(head) {
                return Err(DomainError::conflict(
                    "bad_tree_range",
                    format!("需要 {need} ≤ {head}"),
                    format!("need {need} ≤ {head} (the current tree size)"),
                )
                .into());
            }
            let mut proofs = Vec::with_capacity(plans.len());
            for plan in &plans {
                let nodes = cache.nodes(c, &merkle::needed_nodes(plan), head)?;
                let proof = merkle::assemble(plan, |id| {
                    nodes.get(&id).copied().ok_or_else(|| missing_node(id))
                })?;
                proofs.push(hexes(&proof));
            }
            Ok(proofs)
        })
        .await
    }
}

/// Filters for the auditor's view of the log. `subject` is a keyed hash (see
/// [`AuditLog::subject_key`]), never a clear identifier.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_org: Option<String>,
    pub actor_system: Option<String>,
    pub resource: Option<String>,
    pub action: Option<String>,
    pub subject: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub limit: u32,
    pub offset: u32,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditRecord {
    pub index: u64,
    #[serde(flatten)]
    pub entry: Entry,
}

impl AuditLog {
    /// Entries matching `f`, newest first, with the total. With a subject, the entries at
    /// `downloads` match too: the downloads whose snapshot held the subject's records, which
    /// the caller knows and the log does not.
    pub async fn entries(
        &self,
        f: AuditFilter,
        downloads: Vec<i64>,
    ) -> Result<shuqiao_core::Page<AuditRecord>> {
        self.spread().await?;
        self.read(move |c| {
            let mut cond = String::new();
            let mut values: Vec<Value> = Vec::new();
            // `{}` in `sql` is where the value's placeholder goes.
            let mut add = |sql: &str, v: Value| {
                values.push(v);
                cond.push_str(" AND ");
                cond.push_str(&sql.replace("{}", &format!("${}", values.len())));
            };
            if let Some(v) = &f.actor_org {
                add("e.actor_org = {}", v.into());
            }
            if let Some(v) = &f.actor_system {
                add("e.actor_system = {}", v.into());
            }
            if let Some(v) = &f.resource {
                add("e.resource = {}", v.into());
            }
            if let Some(v) = &f.action {
                add("e.action = {}", v.into());
            }
            if let Some(v) = &f.subject {
                // The index up to its mark, the entries' own column above it; and the
                // downloads that named the subject by their snapshot.
                add(&subject_condition(&downloads), v.into());
            }
            if let Some(v) = f.since {
                add("e.time >= {}", v.into());
            }
            if let Some(v) = f.until {
                add("e.time < {}", v.into());
            }
            let total = c
                .query_one(&format!("SELECT COUNT(*) FROM audit_entries e WHERE 1 = 1{cond}"), &values)?
                .map(|r| r.int(0))
                .transpose()?
                .unwrap_or(0);
            let n = values.len();
            values.push(Value::Int(f.limit.clamp(1, 10_000) as i64));
            values.push(Value::Int(f.offset as i64));
            let rows = c.query(
                &format!("SELECT e.idx, e.entry FROM audit_entries e WHERE 1 = 1{cond} ORDER BY e.idx DESC LIMIT ${} OFFSET ${}", n + 1, n + 2),
                &values,
            )?;
            let items = rows
                .iter()
                .map(|r| Ok(AuditRecord { index: r.int(0)? as u64, entry: decode_entry(&r.0[1])? }))
                .collect::<Result<Vec<_>>>()?;
            Ok(shuqiao_core::Page { items, total })
        })
        .await
    }
}

/// One stored entry as a verifier reads it: the exact bytes that were hashed, and what is
/// kept beside them.
pub struct ScannedEntry {
    pub index: u64,
    pub canonical: Vec<u8>,
    /// The leaf hash recorded when the entry was sequenced.
    pub recorded_leaf: Option<Hash>,
    /// The stored `DERIVED_COLUMNS`, as read.
    derived: Vec<Value>,
}

impl ScannedEntry {
    /// The query columns that disagree with the sealed entry, by name. None when the sealed
    /// bytes do not decode: the tree's check reports that entry already.
    pub fn derived_mismatches(&self) -> Vec<&'static str> {
        let Ok(e) = Entry::decode(&self.canonical) else {
            return Vec::new();
        };
        DERIVED_COLUMNS
            .iter()
            .zip(derived_values(&e))
            .zip(&self.derived)
            .filter(|((_, want), got)| want != *got)
            .map(|((name, _), _)| *name)
            .collect()
    }
}

impl AuditLog {
    /// Up to `limit` entries from index `from` on, in index order (for streaming verification).
    pub async fn scan(&self, from: u64, limit: u32) -> Result<Vec<ScannedEntry>> {
        self.spread().await?;
        self.read(move |c| {
            let leaf = match c.backend() {
                Backend::Sqlite => "n.pos = e.idx * 64",
                Backend::Postgres => "n.level = 0 AND n.idx = e.idx",
            };
            let derived: Vec<String> = DERIVED_COLUMNS.iter().map(|c| format!("e.{c}")).collect();
            let rows = c.query(
                &format!(
                    "SELECT e.idx, e.entry, n.hash, {} FROM audit_entries e LEFT JOIN audit_nodes n ON {leaf}
                     WHERE e.idx >= $1 ORDER BY e.idx LIMIT $2",
                    derived.join(", ")
                ),
                params![from as i64, limit as i64],
            )?;
            rows.into_iter()
                .map(|mut r| {
                    let recorded_leaf = match &r.0[2] {
                        Value::Null => None,
                        v => Some(hash_of(v)?),
                    };
                    let index = r.int(0)? as u64;
                    let derived = r.0.split_off(3);
                    let canonical = match r.0.swap_remove(1) {
                        Value::Blob(b) => b,
                        _ => return Err(DbError::Other("audit entry is not a blob".into()).into()),
                    };
                    Ok(ScannedEntry { index, canonical, recorded_leaf, derived })
                })
                .collect()
        })
        .await
    }

    /// Every stored checkpoint, smallest tree first.
    pub async fn all_checkpoints(&self) -> Result<Vec<String>> {
        self.spread().await?;
        self.read(|c| {
            let rows = c.query("SELECT note FROM audit_checkpoints ORDER BY size", &[])?;
            Ok(rows
                .iter()
                .map(|r| r.text(0))
                .collect::<std::result::Result<_, _>>()?)
        })
        .await
    }
}

impl AuditLog {
    /// Accepts cosignatures from this witness from now on.
    pub fn add_witness(&self, witness: NoteVerifier) -> Result<()> {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .as_mut()
            .ok_or_else(unavailable)?
            .witnesses
            .push(witness);
        Ok(())
    }

    /// Stores a witness's cosignature of one of this log's checkpoints. The note must carry
    /// exactly the stored body, and a valid signature by a registered witness; the witness's
    /// signature lines are added to the stored checkpoint. Returns the witnesses now on it.
    pub async fn add_cosignature(&self, cosigned: String) -> Result<Vec<String>> {
        let (log_key, witnesses) = {
            let guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let st = guard.as_ref().ok_or_else(unavailable)?;
            (st.keys.signer.verifier(), st.witnesses.clone())
        };
        let invalid = |zh: &str, en: &str| -> AuditError {
            DomainError::one(shuqiao_core::FieldError::new(
                "note",
                "invalid_cosignature",
                zh,
                en,
            ))
            .into()
        };
        let note = SignedNote::parse(&cosigned)
            .map_err(|_| invalid("不是合法的签名检查点", "not a signed checkpoint note"))?;
        let cp = Checkpoint::parse_body(&note.body)
            .map_err(|_| invalid("检查点正文格式错误", "the checkpoint body is malformed"))?;
        let signers: Vec<NoteVerifier> = witnesses
            .into_iter()
            .filter(|w| note.signed_by(w))
            .collect();
        if signers.is_empty() {
            return Err(DomainError::forbidden(
                "unknown_witness",
                "没有已登记见证方的有效签名",
                "no valid signature by a registered witness",
            )
            .into());
        }
        self.spread().await?;
        let write = move |c: &mut dyn Conn| {
            let stored = c.query_one(
                "SELECT note FROM audit_checkpoints WHERE size = $1",
                params![cp.size as i64],
            )?;
            let stored = stored
                .ok_or_else(|| {
                    invalid(
                        "本日志没有该大小的检查点",
                        "this log has no checkpoint of that size",
                    )
                })?
                .text(0)?;
            let mut merged = SignedNote::parse(&stored)
                .map_err(|_| DbError::Other("stored checkpoint unreadable".into()))?;
            if merged.body != note.body || !merged.signed_by(&log_key) {
                return Err(invalid(
                    "检查点正文与本日志签发的不一致",
                    "the body differs from the checkpoint this log signed",
                ));
            }
            for sig in &note.signatures {
                if signers.iter().any(|w| w.name == sig.0) && !merged.signatures.contains(sig) {
                    merged.signatures.push(sig.clone());
                }
            }
            c.execute(
                "UPDATE audit_checkpoints SET note = $1 WHERE size = $2",
                params![merged.to_text(), cp.size as i64],
            )?;
            Ok(merged
                .signatures
                .iter()
                .skip(1)
                .map(|s| s.0.clone())
                .collect())
        };
        // The checkpoints are the audit file's: on SQLite its writer is the spreader's.
        match self.backend() {
            Backend::Sqlite => self.spread_write(write).await,
            Backend::Postgres => self.write_with(Writer::Main, write).await,
        }
    }
}

/// The log's recorded size as each record of it keeps it: the head, the latest checkpoint,
/// the last entry and (SQLite) the journal's last batch. They agree on an intact log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditExtent {
    pub head_size: u64,
    pub head_root: Option<Hash>,
    /// The size of the latest stored checkpoint (none for an empty log).
    pub latest_checkpoint: Option<u64>,
    /// One past the last stored entry.
    pub entries_end: u64,
    /// SQLite: the tree size and root of the journal's last batch.
    pub journal: Option<(u64, Hash)>,
}

/// Reads the extent in one read transaction.
fn read_extent(c: &mut dyn Conn, journal: Option<&Journal>) -> Result<AuditExtent> {
    let head = c
        .query_one("SELECT size, root FROM audit_head WHERE id = 1", &[])?
        .ok_or(DbError::Other("audit_head row missing".into()))?;
    let head_root = match &head.0[1] {
        Value::Null => None,
        v => Some(hash_of(v)?),
    };
    let latest = c
        .query_one("SELECT MAX(size) FROM audit_checkpoints", &[])?
        .and_then(|r| r.opt_int(0).transpose())
        .transpose()?;
    let last_entry = c
        .query_one("SELECT MAX(idx) FROM audit_entries", &[])?
        .and_then(|r| r.opt_int(0).transpose())
        .transpose()?;
    Ok(AuditExtent {
        head_size: head.int(0)? as u64,
        head_root,
        latest_checkpoint: latest.map(|s| s as u64),
        entries_end: last_entry.map_or(0, |i| i as u64 + 1),
        journal: journal
            .and_then(|j| j.last())
            .map(|(size, root, _)| (size, root)),
    })
}

impl AuditExtent {
    /// Why the platform must not run on this log, if it must not: entries gone from the end
    /// (with or without their checkpoints) leave the head, or the journal, ahead of them. A
    /// log cut short with its head and journal rewritten to match is beyond this check: only
    /// a checkpoint held elsewhere (a witness's, a receipt's) shows it (`audit verify
    /// --checkpoint`).
    pub fn refusal(&self) -> Option<String> {
        let head = self.head_size;
        let restore = "请从备份恢复（数据库与审计日志文件须一起备份），并用 shuqiao audit verify 检查 / \
                       restore the files from one backup and check them with `shuqiao audit verify`";
        if self.entries_end != head {
            return Some(format!(
                "审计日志的头部记录了 {head} 条，但条目只到第 {} 条 / the audit log's head records \
                 {head} entries but its entries end at {}: {restore}",
                self.entries_end, self.entries_end
            ));
        }
        if self.latest_checkpoint.unwrap_or(0) != head {
            return Some(format!(
                "审计日志的头部记录了 {head} 条，但最新检查点的大小为 {} / the audit log's head \
                 records {head} entries but its latest checkpoint is of size {}: {restore}",
                self.latest_checkpoint.unwrap_or(0),
                self.latest_checkpoint.unwrap_or(0)
            ));
        }
        // A journal behind the audit file (restored from an older backup) is no log cut
        // short: it reads, and the sequencer refuses to append on it (`lock_head`).
        None
    }
}

/// At start-up: refuses a log whose recorded size disagrees with its entries (see
/// `AuditExtent::refusal`). Reads three rows by their keys, whatever the log's size.
fn check_extent(db: &shuqiao_db::Db, journal: Option<&Journal>) -> Result<()> {
    let extent = shuqiao_db::read_on(db, shuqiao_db::Reader::Here, |c| read_extent(c, journal))?;
    match extent.refusal() {
        Some(why) => Err(DbError::Other(why).into()),
        None => Ok(()),
    }
}

/// Rows of the subject index a span should hold, as (subject prefix, entry), sorted.
type SpanRows = Vec<(String, u64)>;

/// Checks the subject index span by span against the sealed entries' subjects, while the
/// log is streamed in index order: each span is compared once the stream has passed it, so
/// memory holds one span's rows (`2^SUBJECT_SPAN_BITS` entries') at a time.
struct SubjectIndexCheck {
    span_bits: u32,
    /// The index covers the entries below this mark; above it, the entries' own column.
    mark: u64,
    /// The next span to compare.
    next_span: u64,
    expected: SpanRows,
}

impl SubjectIndexCheck {
    /// The last span the index should have rows in, plus one.
    fn spans_end(&self) -> u64 {
        if self.mark == 0 {
            0
        } else {
            ((self.mark - 1) >> self.span_bits) + 1
        }
    }

    /// Takes up one entry's subjects (from its sealed bytes).
    fn saw(&mut self, index: u64, subjects: &[String]) {
        if index < self.mark {
            self.expected.extend(
                subjects
                    .iter()
                    .map(|s| (subject_prefix(s).to_string(), index)),
            );
        }
    }

    /// Compares every span before `upto` with the index, reporting differences.
    async fn compare_before(
        &mut self,
        log: &AuditLog,
        upto: u64,
        problem: &mut impl FnMut(u64, String),
    ) -> Result<()> {
        let upto = upto.min(self.spans_end());
        while self.next_span < upto {
            let span = self.next_span;
            let lo = span << self.span_bits;
            let hi = (span + 1) << self.span_bits;
            let (mine, rest): (SpanRows, SpanRows) = std::mem::take(&mut self.expected)
                .into_iter()
                .partition(|(_, i)| *i < hi);
            self.expected = rest;
            let mut want = mine;
            want.sort();
            want.dedup();
            let mark = self.mark;
            let mut have: SpanRows = log
                .read(move |c| {
                    let rows = c.query(
                        "SELECT subject, idx FROM audit_subject_index WHERE span = $1",
                        params![span as i64],
                    )?;
                    rows.iter()
                        .map(|r| Ok((r.text(0)?, r.int(1)? as u64)))
                        .collect::<Result<SpanRows>>()
                })
                .await?;
            // Rows the indexer added after the mark was read are checked by the next run.
            have.retain(|(_, i)| *i < mark || !(lo..hi).contains(i));
            have.sort();
            report_index_difference(&want, &have, problem);
            self.next_span += 1;
        }
        Ok(())
    }

    /// After the stream: index rows in spans past the mark's are extra.
    async fn extra_after(
        &self,
        log: &AuditLog,
        problem: &mut impl FnMut(u64, String),
    ) -> Result<()> {
        let (first, mark) = (self.spans_end(), self.mark);
        let rows = log
            .read(move |c| {
                let rows = c.query(
                    "SELECT subject, idx FROM audit_subject_index WHERE span >= $1 AND idx < $2
                     ORDER BY span, subject, idx LIMIT 10",
                    params![first as i64, mark as i64],
                )?;
                rows.iter()
                    .map(|r| Ok((r.text(0)?, r.int(1)? as u64)))
                    .collect::<Result<SpanRows>>()
            })
            .await?;
        report_index_difference(&[], &rows, problem);
        Ok(())
    }
}

/// Reports rows missing from the index (`want` but not `have`) and rows it should not hold.
fn report_index_difference(
    want: &[(String, u64)],
    have: &[(String, u64)],
    problem: &mut impl FnMut(u64, String),
) {
    let (mut w, mut h) = (want.iter().peekable(), have.iter().peekable());
    loop {
        match (w.peek(), h.peek()) {
            (None, None) => return,
            (Some(a), Some(b)) if a == b => {
                w.next();
                h.next();
            }
            (Some(a), b) if b.is_none_or(|b| a < b) => {
                problem(a.1, format!("the subject index lacks subject {}… of entry {} (deleted?) / 主体索引缺少第 {} 条的主体", a.0, a.1, a.1));
                w.next();
            }
            (_, Some(b)) => {
                problem(b.1, format!("the subject index names subject {}… for entry {}, which the sealed entry does not name / 主体索引中第 {} 条的主体与封存内容不符", b.0, b.1, b.1));
                h.next();
            }
            (Some(_), None) => unreachable!("handled above"),
        }
    }
}

impl AuditLog {
    /// The log's recorded size (after moving the journal into the audit file, on SQLite).
    pub async fn extent(&self) -> Result<AuditExtent> {
        self.spread().await?;
        let journal = self.journal.clone();
        self.read(move |c| read_extent(c, journal.as_deref())).await
    }

    /// Streams the log in index order for verification: calls `entry` on each entry (for
    /// the tree's replay) and `problem` with (index, what) for every value kept beside the
    /// sealed bytes that disagrees with them — a query column, a row of the subject index
    /// missing or extra. Memory holds a chunk of entries and a span of the index.
    pub async fn check_stream(
        &self,
        mut entry: impl FnMut(&ScannedEntry),
        mut problem: impl FnMut(u64, String),
    ) -> Result<()> {
        let mark = self.read(subjects_mark).await? as u64;
        let mut index = SubjectIndexCheck {
            span_bits: self.span_bits,
            mark,
            next_span: 0,
            expected: Vec::new(),
        };
        let fetch = |from: u64| {
            let s = self.clone();
            tokio::spawn(async move { s.scan(from, SCAN_CHUNK).await })
        };
        let mut next = fetch(0);
        loop {
            let chunk = next.await.map_err(|e| AuditError::Task(e.to_string()))??;
            let Some(last) = chunk.last().map(|e| e.index) else {
                break;
            };
            next = fetch(last + 1);
            for e in &chunk {
                index
                    .compare_before(self, e.index >> index.span_bits, &mut problem)
                    .await?;
                entry(e);
                let wrong = e.derived_mismatches();
                if !wrong.is_empty() {
                    problem(e.index, format!("entry {}: the stored {} differ(s) from the sealed entry (altered outside the hashed bytes) / 第 {} 条的查询列与封存内容不符", e.index, wrong.join(", "), e.index));
                }
                if let Ok(sealed) = Entry::decode(&e.canonical) {
                    index.saw(e.index, &sealed.subjects);
                }
            }
        }
        index.compare_before(self, u64::MAX, &mut problem).await?;
        index.extra_after(self, &mut problem).await
    }
}

/// Entries per read when streaming the whole log.
const SCAN_CHUNK: u32 = 50_000;

impl AuditLog {
    /// Calls `f` on every entry in index order, reading the next chunk from the database
    /// while `f` works through the current one.
    pub async fn for_each(&self, mut f: impl FnMut(ScannedEntry)) -> Result<()> {
        let fetch = |from: u64| {
            let s = self.clone();
            tokio::spawn(async move { s.scan(from, SCAN_CHUNK).await })
        };
        let mut next = fetch(0);
        loop {
            let chunk = next.await.map_err(|e| AuditError::Task(e.to_string()))??;
            let Some(last) = chunk.last() else {
                return Ok(());
            };
            next = fetch(last.index + 1);
            chunk.into_iter().for_each(&mut f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipelined_sequencer_splits_the_callers_in_progress_in_two() {
        let mut split = Split::new(Backend::Sqlite);
        assert_eq!(split.cap(), 1, "nothing seen yet: no wait for more");
        // Lock-step: all 32 connections' calls in one batch, none waiting.
        split.saw(32);
        assert_eq!(split.cap(), 16);
        // The first half waits for its sync while the second is sealed: still 32 in progress.
        let (waiting, n) = split.waiting(16);
        split.saw(16);
        assert_eq!(split.cap(), 16);
        // The load goes away: the cap follows it down.
        waiting.fetch_sub(n, std::sync::atomic::Ordering::Relaxed);
        for _ in 0..100 {
            split.saw(1);
        }
        assert_eq!(split.cap(), 1);
        assert_eq!(
            Split::new(Backend::Postgres).cap(),
            usize::MAX,
            "PostgreSQL commits each batch before the next: no cap"
        );
    }

    #[test]
    fn receipt_hashes_are_lower_case_hex() {
        let mut h: Hash = [0; 32];
        for (i, b) in h.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37) ^ 0xa5;
        }
        assert_eq!(hex_hash(&h), hex::encode(h));
        assert_eq!(hex_hash(&[0xff; 32]), "f".repeat(64));
    }
}
