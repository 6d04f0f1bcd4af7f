//! Storage engines: the one seam between the platform and a database. The services and the
//! audit log are written once against [`Conn`]; SQLite (rusqlite) and PostgreSQL (postgres)
//! implement it. SQL is shared where the dialects agree (`$n` placeholders, `ON CONFLICT`,
//! `RETURNING`, window functions) and split only in the migrations. This crate knows files,
//! connections, transactions and schemas; it knows nothing of what the tables mean.
pub mod maintenance;
pub mod migrate;
mod transact;

pub use transact::{read_on, write_on, Reader, TxError, Writer};

/// Milliseconds since the Unix epoch; replaceable in tests.
pub type Clock = std::sync::Arc<dyn Fn() -> i64 + Send + Sync>;

/// The wall clock.
pub fn system_clock() -> Clock {
    std::sync::Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    })
}
use std::collections::HashMap;
use std::sync::Mutex;

/// A value crossing the seam. Integers are 64-bit on both sides (columns are BIGINT).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(v as i64)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(v as i64)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Value::Null)
    }
}

/// `params![a, b]` → `&[Value]`.
#[macro_export]
macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$($crate::Value::from($v)),*][..] };
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unique constraint violated: {0}")]
    Unique(String),
    #[error("database busy or serialization failure: {0}")]
    Busy(String),
    #[error("database error: {0}")]
    Other(String),
    #[error("unexpected column type at {0}")]
    Type(usize),
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

impl Row {
    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        match self.0.get(i) {
            Some(Value::Int(v)) => Ok(*v),
            _ => Err(DbError::Type(i)),
        }
    }
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self.0.get(i) {
            Some(Value::Null) => Ok(None),
            _ => self.int(i).map(Some),
        }
    }
    pub fn text(&self, i: usize) -> Result<String, DbError> {
        match self.0.get(i) {
            Some(Value::Text(v)) => Ok(v.clone()),
            _ => Err(DbError::Type(i)),
        }
    }
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.0.get(i) {
            Some(Value::Null) => Ok(None),
            _ => self.text(i).map(Some),
        }
    }
    pub fn bool(&self, i: usize) -> Result<bool, DbError> {
        self.int(i).map(|v| v != 0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection, inside a transaction when handed out by [`Db::write`].
pub trait Conn {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError>;
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError>;
    /// Several statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> Result<(), DbError>;
    fn backend(&self) -> Backend;

    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Where this connection's view of the main file stands, if the engine can tell cheaply
    /// (SQLite). Between two equal marks nothing was committed to that file, so whatever this
    /// connection read from it in between is still what it holds.
    fn change_mark(&mut self) -> Result<Option<ChangeMark>, DbError> {
        Ok(None)
    }

    /// PostgreSQL's `COPY … FROM STDIN` (text format): `fill` writes the rows (see
    /// [`copy_text_row`]). Not available on SQLite, whose prepared inserts are as fast.
    fn copy_in(
        &mut self,
        _sql: &str,
        _fill: &mut dyn FnMut(&mut dyn std::io::Write) -> Result<(), DbError>,
    ) -> Result<u64, DbError> {
        Err(DbError::Other("COPY is PostgreSQL only".into()))
    }
}

/// Where the main file stands. Either a connection's own count of the commits others made
/// to it (SQLite's `PRAGMA data_version`; it means something only for the connection it
/// came from, `conn`), or the main file's write-ahead-log index header as every process sees
/// it (`WalWatch`; `conn` is then the database's number with `WAL_MARK` set, and the mark
/// holds for every connection of the database).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChangeMark {
    pub conn: u64,
    pub version: [u8; WAL_HEADER],
}

impl ChangeMark {
    /// A connection's `PRAGMA data_version`.
    pub fn counted(conn: u64, version: i64) -> ChangeMark {
        let mut v = [0; WAL_HEADER];
        v[..8].copy_from_slice(&version.to_be_bytes());
        ChangeMark { conn, version: v }
    }
}

/// Bytes of SQLite's WAL-index header (the first of the two copies at the start of the
/// `-shm` file; <https://sqlite.org/walformat.html>).
pub const WAL_HEADER: usize = 48;

/// Set in `ChangeMark::conn` for a mark read from the WAL-index header.
const WAL_MARK: u64 = 1 << 63;

/// The main file's WAL-index header, read from the `-shm` file that every connection to the
/// database maps. SQLite rewrites it at every commit (its change counter, frame count, salts
/// and checksums), after the commit's frames are in the log and before COMMIT returns; two
/// equal readings mean no commit came between them, from this process or any other. So a
/// read whose answers are all in memory already (a token's grants, a record) learns that
/// they still hold from one read of shared memory, without a read transaction: SQLite's own check,
/// `PRAGMA data_version`, needs one, and taking and dropping its WAL read lock is two
/// `fcntl` calls and the larger part of a cached lookup's time.
///
/// The file cannot be swapped underneath: SQLite removes or resets it only when no
/// connection has the database open, and the `SqliteDb` holding this keeps its writer's open.
/// It is read through a mapping of its first page, as SQLite itself reads it: a `pread` a
/// call cost a third of what the transaction it saves did.
struct WalWatch {
    /// The first `WAL_PAGE` bytes of the `-shm` file, mapped shared and read-only.
    at: std::ptr::NonNull<u8>,
    /// Kept open for as long as the mapping: closing any descriptor of the `-shm` file drops
    /// every POSIX lock this process holds on it, SQLite's "still in use" lock included, and
    /// another process opening the database would then reset the file under the mapping.
    _file: std::fs::File,
}

/// Bytes of the `-shm` file mapped: one page, which holds both copies of the header.
const WAL_PAGE: usize = 4096;

// SAFETY: the mapping is only ever read, with volatile loads, and lives as long as the value.
unsafe impl Send for WalWatch {}
unsafe impl Sync for WalWatch {}

impl WalWatch {
    fn open(db_path: &str) -> Option<WalWatch> {
        use std::os::fd::AsRawFd;
        let file = std::fs::File::open(format!("{db_path}-shm")).ok()?;
        if file.metadata().ok()?.len() < WAL_PAGE as u64 {
            return None;
        }
        // SAFETY: a fresh read-only shared mapping of a file at least WAL_PAGE bytes long; the
        // descriptor stays open beside it, and `Drop` unmaps it.
        let at = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                WAL_PAGE,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if at == libc::MAP_FAILED {
            return None;
        }
        std::ptr::NonNull::new(at.cast()).map(|at| WalWatch { at, _file: file })
    }

    /// The header now; `None` while a commit is writing it (its two copies differ, SQLite's
    /// own test) or before any connection has built the index.
    fn header(&self) -> Option<[u8; WAL_HEADER]> {
        // SAFETY: `at` maps WAL_PAGE >= 2 * WAL_HEADER readable bytes. Other processes write
        // them, so they are read with volatile loads and compared, never trusted as one.
        let both: [u8; 2 * WAL_HEADER] =
            unsafe { std::ptr::read_volatile(self.at.as_ptr().cast()) };
        std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
        let (first, second) = both.split_at(WAL_HEADER);
        // Byte 12 is `isInit`: 1 once a connection has built the index.
        if first != second || first[12] != 1 {
            return None;
        }
        first.try_into().ok()
    }
}

impl Drop for WalWatch {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping `open` made; nothing reads it after this.
        unsafe {
            libc::munmap(self.at.as_ptr().cast(), WAL_PAGE);
        }
    }
}

/// Appends one row in COPY text format: tab-separated, `\N` for NULL, escapes for the
/// characters that format gives meaning to.
pub fn copy_text_row(out: &mut Vec<u8>, cells: &[Option<&str>]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        match cell {
            None => out.extend_from_slice(b"\\N"),
            Some(s) => {
                for b in s.bytes() {
                    match b {
                        b'\\' => out.extend_from_slice(b"\\\\"),
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        b'\t' => out.extend_from_slice(b"\\t"),
                        b => out.push(b),
                    }
                }
            }
        }
    }
    out.push(b'\n');
}

// ---------------------------------------------------------------- SQLite

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(v) => ValueRef::Integer(*v),
            Value::Real(v) => ValueRef::Real(*v),
            Value::Text(v) => ValueRef::Text(v.as_bytes()),
            Value::Blob(v) => ValueRef::Blob(v),
        }))
    }
}

fn sqlite_err(e: rusqlite::Error) -> DbError {
    use rusqlite::ffi::ErrorCode;
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        let text = msg.clone().unwrap_or_default();
        match f.code {
            ErrorCode::ConstraintViolation if matches!(f.extended_code, 2067 | 1555) => {
                return DbError::Unique(text)
            }
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => return DbError::Busy(text),
            _ => {}
        }
    }
    DbError::Other(e.to_string())
}

/// A connection and its number, unique in this process (see [`ChangeMark`]).
pub struct SqliteConn(pub rusqlite::Connection, u64);

impl Conn for SqliteConn {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let mut stmt = self.0.prepare_cached(sql).map_err(sqlite_err)?;
        stmt.execute(rusqlite::params_from_iter(params.iter()))
            .map(|n| n as u64)
            .map_err(sqlite_err)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let mut stmt = self.0.prepare_cached(sql).map_err(sqlite_err)?;
        let n = stmt.column_count();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(sqlite_err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(sqlite_err)? {
            let mut vals = Vec::with_capacity(n);
            for i in 0..n {
                use rusqlite::types::ValueRef;
                vals.push(match r.get_ref(i).map_err(sqlite_err)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Real(v),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            out.push(Row(vals));
        }
        Ok(out)
    }

    fn change_mark(&mut self) -> Result<Option<ChangeMark>, DbError> {
        let mut stmt = self
            .0
            .prepare_cached("PRAGMA main.data_version")
            .map_err(sqlite_err)?;
        let version = stmt.query_row([], |r| r.get(0)).map_err(sqlite_err)?;
        Ok(Some(ChangeMark::counted(self.1, version)))
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.0.execute_batch(sql).map_err(sqlite_err)
    }

    fn backend(&self) -> Backend {
        Backend::Sqlite
    }
}

/// KiB of page cache the spreader keeps of the audit file. Its own commits never empty it.
/// (64 MiB was tried: no faster than 32 in paired runs, and the server's peak memory passed
/// 200 MB once the log had grown by a million entries; docs/bench-log/.)
pub const AUDIT_WRITER_CACHE_KIB: i64 = 32_768;

/// Has SQLite count its allocations, for [`sqlite_memory`]: off by default (see
/// `sqlite_global_config`), asked for before the first connection opens; says whether it
/// will take effect.
pub fn count_sqlite_memory() -> bool {
    COUNT_SQLITE_MEMORY.store(true, std::sync::atomic::Ordering::SeqCst);
    !SQLITE_CONFIGURED.is_completed()
}

static COUNT_SQLITE_MEMORY: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);
static SQLITE_CONFIGURED: std::sync::Once = std::sync::Once::new();

/// Bytes SQLite's allocations hold in this process now — page caches of every connection,
/// prepared statements, schemas — and the most they have held since it started, when
/// [`count_sqlite_memory`] took effect. Memory that grows with these is caches filling to
/// their `cache_size`, not a leak.
pub fn sqlite_memory() -> Option<(u64, u64)> {
    // SAFETY: both read SQLite's global memory counters under its own mutex; no pointers.
    let (now, peak) = unsafe {
        (
            rusqlite::ffi::sqlite3_memory_used(),
            rusqlite::ffi::sqlite3_memory_highwater(0),
        )
    };
    let counted = COUNT_SQLITE_MEMORY.load(std::sync::atomic::Ordering::SeqCst) && peak > 0;
    counted.then(|| (now.max(0) as u64, peak as u64))
}

/// KiB of page cache per SQLite connection.
pub const SQLITE_CACHE_KIB: i64 = 16_384;

/// SQLite: three files, each with its own writer. The main file holds everything but the
/// audit log; the audit file (see [`audit_path`]) holds the log's tables and the exchange
/// usage counted with it; the audit log's journal, a file of the audit crate's beside them,
/// holds the sealed batches the spreader has not moved into the audit file yet. The sequencer writes to
/// the journal only, so its constant writes neither wait for the main writer (a long import)
/// nor empty the readers' cache of the main file: SQLite drops a connection's whole cache of
/// a file whenever another connection has committed to that file.
pub struct SqliteDb {
    /// Tells this database's connections apart in a thread's own (`read_here`).
    id: u64,
    path: String,
    audit_path: String,
    /// Main file only: every write but the audit log's.
    writer: Mutex<SqliteConn>,
    /// Main file with the audit file attached: the sequencer's transactions, which read the
    /// main file (pending entries) and the audit file's head, and write the journal alone.
    audit_writer: Mutex<SqliteConn>,
    /// The spreader's: moves journaled batches into the audit file (see `spread_write`).
    spreader: Mutex<SqliteConn>,
    readers: Mutex<Readers>,
    /// The main file's WAL-index header, for `read_here` to learn without a read transaction
    /// that nothing was committed (`None`: no `-shm` file to read; SQLite is asked).
    wal: Option<WalWatch>,
    /// Signalled when a reader connection is handed back.
    reader_free: std::sync::Condvar,
    /// Dropping this stops the checkpointer thread.
    _checkpointer: std::sync::mpsc::Sender<()>,
}

/// The audit file beside an SQLite database file: `shuqiao.db` → `shuqiao-audit.db`.
pub fn audit_path(path: &str) -> String {
    sibling_path(path, "audit")
}

/// A file beside an SQLite database file: `shuqiao.db` and `audit` → `shuqiao-audit.db`.
pub fn sibling_path(path: &str, suffix: &str) -> String {
    let p = std::path::Path::new(path);
    match (p.file_stem(), p.extension()) {
        (Some(stem), Some(ext)) => p
            .with_file_name(format!(
                "{}-{suffix}.{}",
                stem.to_string_lossy(),
                ext.to_string_lossy()
            ))
            .to_string_lossy()
            .into_owned(),
        _ => format!("{path}-{suffix}"),
    }
}

/// Page cache of a thread's own reader (`read_here`): the exchange's hot records. A miss
/// costs a read from the OS's cache; 8 and 200 MiB gave the same throughput (docs/bench-log/).
const OWN_READER_CACHE_KIB: i64 = 8_192;
/// Databases a thread keeps its own reader of.
const OWN_PER_THREAD: usize = 2;

/// Page cache of each schema of a pooled reader. The pool serves everything but the hot path
/// (lookups and 核验 read on the worker's own connection): catalog pages, queries, feeds,
/// downloads, the subject indexer's scan of new entries — reads that stream rather than come
/// back to the same pages, and eight readers at 16 MiB a schema would be 256 MiB at most.
const POOL_READER_CACHE_KIB: i64 = 4_096;

/// Reader connections kept open, and the most reads that run at once: more would only queue
/// for the two cores' time, and each connection has its own page cache (a bounded pool keeps
/// memory bounded, and no read pays for opening a connection and parsing the schema).
const MAX_READERS: usize = 8;

#[derive(Default)]
struct Readers {
    idle: Vec<SqliteConn>,
    open: usize,
}

/// Turns off SQLite's memory statistics before the first connection, unless
/// [`count_sqlite_memory`] asked for them: with them on, every allocation inside SQLite takes
/// one process-wide mutex, and under concurrent reads that mutex was the largest item of the
/// exchange benchmark's profile.
fn sqlite_global_config() {
    SQLITE_CONFIGURED.call_once(|| {
        let count = COUNT_SQLITE_MEMORY.load(std::sync::atomic::Ordering::SeqCst);
        // SAFETY: sqlite3_config may only be called before SQLite is initialised and while no
        // other thread uses SQLite; `Once` runs this before this process opens any connection.
        // If SQLite was already initialised it returns SQLITE_MISUSE and changes nothing.
        let rc = unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
                count as std::os::raw::c_int,
            )
        };
        if rc != rusqlite::ffi::SQLITE_OK {
            tracing::debug!(
                rc,
                "SQLite memory statistics left as they were (already initialised)"
            );
        }
    });
}

/// How often the checkpointer copies the write-ahead logs into the database files. Often, so
/// that each copy is small: a checkpoint ends with an `fsync` of the database file, and under
/// load the spreader fills the audit file's log with megabytes in half a second, whose
/// `fsync` took up to 38 ms — and the journal's `fdatasync`, which every caller is waiting
/// for, waited behind it (a 32 ms sync seen beside it). Every 40 ms instead of 500 halved the
/// exchange benchmark's p99 (c=32: 7.6–9.2 against 15.8–24.2 ms; c=128: 16–17 against 30–33
/// ms; docs/bench-log/2026-12-04.md) at no cost in throughput.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(40);
/// WAL pages after which a commit checkpoints by itself; a backstop in case the checkpointer
/// falls behind or cannot run (SQLite's default is 1,000).
const WAL_BACKSTOP_PAGES: i64 = 50_000;

impl SqliteDb {
    pub fn open(path: &str) -> Result<Self, DbError> {
        sqlite_global_config();
        let audit_path = audit_path(path);
        let writer = Self::connect(path)?;
        Self::check_audit_file(&writer, &audit_path)?;
        let audit_writer = Self::connect_with_audit(path, &audit_path)?;
        let spreader = Self::connect_with_audit(path, &audit_path)?;
        spreader
            .0
            .pragma_update(Some("audit"), "cache_size", -AUDIT_WRITER_CACHE_KIB)
            .map_err(sqlite_err)?;
        // SQLite's automatic checkpoint runs inside the commit that crosses the threshold,
        // copying the log into the database file and syncing it before that commit returns:
        // under a steady stream of writes every few commits paid for it (and their callers
        // waited). A background thread with its own connection checkpoints instead; a passive
        // checkpoint never blocks the writers, and commits stay exactly as durable (the log
        // itself is synced at every commit).
        for w in [&writer, &audit_writer, &spreader] {
            w.0.pragma_update(None, "wal_autocheckpoint", WAL_BACKSTOP_PAGES)
                .map_err(sqlite_err)?;
        }
        // A log left long by another process (a bulk import ends with hundreds of MB in the
        // main file's log) is copied in and emptied now, before serving, rather than while
        // serving, where every read would look through it and the copying compete with the
        // sequencer's syncs. Without waiting: when another process is using the database (a
        // CLI command beside a running server), its checkpointer is on it already.
        audit_writer
            .0
            .busy_timeout(std::time::Duration::ZERO)
            .map_err(sqlite_err)?;
        for schema in ["main", "audit"] {
            if let Err(e) = audit_writer.0.query_row(
                &format!("PRAGMA {schema}.wal_checkpoint(TRUNCATE)"),
                [],
                |_| Ok(()),
            ) {
                tracing::debug!(error = %e, schema, "start-up WAL checkpoint not done");
            }
        }
        audit_writer
            .0
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sqlite_err)?;
        let stop = Self::spawn_checkpointer(path, &audit_path)?;
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Ok(SqliteDb {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            path: path.to_string(),
            audit_path,
            writer: Mutex::new(writer),
            audit_writer: Mutex::new(audit_writer),
            spreader: Mutex::new(spreader),
            readers: Mutex::new(Readers::default()),
            wal: WalWatch::open(path),
            reader_free: std::sync::Condvar::new(),
            _checkpointer: stop,
        })
    }

    /// Refuses to start on a database whose audit log has moved to its own file when that
    /// file is missing: attaching would create an empty one, and the log would seem lost.
    fn check_audit_file(main: &SqliteConn, audit_path: &str) -> Result<(), DbError> {
        if std::path::Path::new(audit_path).exists() {
            return Ok(());
        }
        let moved: bool = main
            .0
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations')",
                [],
                |r| r.get(0),
            )
            .map_err(sqlite_err)?
            && main
                .0
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)",
                    [migrate::AUDIT_FILE_VERSION],
                    |r| r.get(0),
                )
                .map_err(sqlite_err)?;
        if moved {
            return Err(DbError::Other(format!(
                "审计日志文件 {audit_path} 缺失：请从备份恢复它（主库与审计库须一起备份）/ \
                 the audit log file {audit_path} is missing: restore it from the backup taken \
                 with the database (the two files are backed up together)"
            )));
        }
        Ok(())
    }

    fn spawn_checkpointer(
        path: &str,
        audit_path: &str,
    ) -> Result<std::sync::mpsc::Sender<()>, DbError> {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let (path, audit_path) = (path.to_string(), audit_path.to_string());
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                // Nobody waits for a checkpoint: it takes the time the others leave idle.
                maintenance::lower_priority();
                let c = match Self::connect_with_audit(&path, &audit_path) {
                    Ok(c) => c,
                    Err(e) => {
                        // The backstop above still bounds the logs.
                        tracing::warn!(error = %e, "no background WAL checkpoints");
                        return;
                    }
                };
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(CHECKPOINT_EVERY)
                {
                    // With no schema named, every file's log is checkpointed. (A RESTART
                    // once the log is long was tried twice and dropped: it kept the log at
                    // ~40 MB but the restarts hold the writer, and p99 grew; docs/bench-log/.)
                    if let Err(e) =
                        c.0.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!(error = %e, "background WAL checkpoint failed; will retry");
                    }
                }
            })
            .map_err(|e| DbError::Other(format!("cannot start the checkpointer: {e}")))?;
        Ok(stop)
    }

    fn connect(path: &str) -> Result<SqliteConn, DbError> {
        let c = rusqlite::Connection::open(path).map_err(sqlite_err)?;
        // FULL: an acknowledged commit survives power loss, not only a process crash.
        c.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
        )
        .map_err(sqlite_err)?;
        // 16 MiB of page cache per connection (SQLite's default is 2 MiB): enough to keep the
        // interior pages of the audit node index (about 10 MiB at 10,000,000 entries) resident,
        // so a node lookup costs one leaf-page read. Pages are allocated only when used.
        c.pragma_update(None, "cache_size", -SQLITE_CACHE_KIB)
            .map_err(sqlite_err)?;
        c.set_prepared_statement_cache_capacity(256);
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(SqliteConn(c, n))
    }

    /// A connection to the main file with the audit file attached as `audit`: the log's
    /// tables are found by their plain names.
    fn connect_with_audit(path: &str, audit_path: &str) -> Result<SqliteConn, DbError> {
        let c = Self::connect(path)?;
        c.0.execute("ATTACH DATABASE ?1 AS audit", [audit_path])
            .map_err(sqlite_err)?;
        c.0.execute_batch("PRAGMA audit.journal_mode=WAL; PRAGMA audit.synchronous=FULL;")
            .map_err(sqlite_err)?;
        c.0.pragma_update(Some("audit"), "cache_size", -SQLITE_CACHE_KIB)
            .map_err(sqlite_err)?;
        Ok(c)
    }

    /// A connection of this database's, the audit file attached.
    fn own_connection(&self) -> Result<SqliteConn, DbError> {
        Self::connect_with_audit(&self.path, &self.audit_path)
    }

    /// Copies the main and audit files to `main_to` and `audit_to` as they stood at one
    /// moment, while they are in use. `hold` is taken before that moment and released after
    /// `at_moment` has run on a connection that sees it (the audit log holds its journal's
    /// lock, so no batch is sealed between the two files' snapshots, and copies its journal).
    /// The pages are then copied from that connection's read snapshots, without holding
    /// anyone up.
    pub fn copy_files<G, T>(
        &self,
        main_to: &std::path::Path,
        audit_to: &std::path::Path,
        hold: impl FnOnce() -> Result<G, DbError>,
        at_moment: impl FnOnce(&mut SqliteConn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut c = self.own_connection()?;
        let held = hold()?;
        c.0.execute_batch("BEGIN").map_err(sqlite_err)?;
        let copied = Self::snapshot_both(&mut c)
            .and_then(|()| at_moment(&mut c))
            .and_then(|t| {
                drop(held);
                Self::copy_schema(&c, "main", main_to)?;
                Self::copy_schema(&c, "audit", audit_to)?;
                Ok(t)
            });
        let _ = c.0.execute_batch("COMMIT");
        copied
    }

    /// Starts the read snapshot of both files: a read transaction takes each file's when it
    /// first reads it.
    fn snapshot_both(c: &mut SqliteConn) -> Result<(), DbError> {
        for schema in ["main", "audit"] {
            c.0.query_row(
                &format!("SELECT COUNT(*) FROM {schema}.sqlite_master"),
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(sqlite_err)?;
        }
        Ok(())
    }

    /// Copies one schema of `c`, as its open read transaction sees it, to a new file `to`.
    fn copy_schema(c: &SqliteConn, schema: &str, to: &std::path::Path) -> Result<(), DbError> {
        let mut dst = rusqlite::Connection::open(to).map_err(sqlite_err)?;
        let backup = rusqlite::backup::Backup::new_with_names(&c.0, schema, &mut dst, "main")
            .map_err(sqlite_err)?;
        // All pages in one step: a step that stops half-way lets a writer restart the copy.
        match backup.step(-1).map_err(sqlite_err)? {
            rusqlite::backup::StepResult::Done => Ok(()),
            other => Err(DbError::Other(format!(
                "copy of the database stopped: {other:?}"
            ))),
        }
    }

    /// The main file's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The audit file's path.
    pub fn audit_file(&self) -> &str {
        &self.audit_path
    }

    /// Runs `f` on the audit writer's connection outside any transaction (opening the audit
    /// log's journal, which may attach and detach files).
    pub fn on_audit_connection<T>(
        &self,
        f: impl FnOnce(&mut SqliteConn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut guard = self.audit_writer.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    fn write<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>) -> Result<T, DbError>
    where
        T: Send,
    {
        let mut guard = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        in_transaction(&mut guard, "BEGIN IMMEDIATE", f)
    }

    /// A transaction of the audit log's sequencer, which holds the log's own lock around it
    /// (its journal's). The transaction itself only reads (the pending entries in the main
    /// file, the audit file's head): `BEGIN IMMEDIATE` would take the main file's write lock
    /// for nothing.
    fn audit_write<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>,
    ) -> Result<T, DbError>
    where
        T: Send,
    {
        let mut guard = self.audit_writer.lock().unwrap_or_else(|p| p.into_inner());
        in_transaction(&mut guard, "BEGIN", f)
    }

    /// A transaction of the spreader, which moves journaled batches into the audit file: its
    /// first statement takes the audit file's write lock (and changes nothing, so a
    /// transaction that finds nothing to move commits without writing). It never holds the
    /// journal's lock, so the sequencer goes on while it works.
    fn spread_write<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>,
    ) -> Result<T, DbError>
    where
        T: Send,
    {
        self.on_spreader(|c| {
            c.execute("DELETE FROM audit.audit_head WHERE id < 0", &[])?;
            f(c)
        })
    }

    /// A deferred transaction on the spreader's connection: its first write takes the lock.
    fn on_spreader<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut guard = self.spreader.lock().unwrap_or_else(|p| p.into_inner());
        in_transaction(&mut guard, "BEGIN", f)
    }

    /// A transaction on the audit writer's connection that takes no lock first (the
    /// migration that creates the audit file's tables).
    pub fn audit_transaction<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>,
    ) -> Result<T, DbError>
    where
        T: Send,
    {
        let mut guard = self.audit_writer.lock().unwrap_or_else(|p| p.into_inner());
        in_transaction(&mut guard, "BEGIN", f)
    }

    fn read<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>) -> Result<T, DbError> {
        let mut conn = self.take_reader()?;
        let out = read_transaction(&mut conn, f);
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        pool.idle.push(conn);
        drop(pool);
        self.reader_free.notify_one();
        out
    }

    /// Runs a short read on a connection that belongs to the calling thread, opened on first
    /// use and kept. The exchange's lookups read this way on the async workers themselves:
    /// a handful of B-tree pages from a cache that stays warm (the sequencer writes the other
    /// file), where a trip to the blocking pool and back cost more than the read, and its
    /// threads competed with the sequencer for the two cores.
    fn read_here<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        thread_local! {
            static OWN: std::cell::RefCell<Vec<(u64, SqliteConn)>> =
                const { std::cell::RefCell::new(Vec::new()) };
        }
        let taken = OWN.with(|own| {
            let mut own = own.borrow_mut();
            let at = own.iter().position(|(id, _)| *id == self.id);
            at.map(|i| own.swap_remove(i).1)
        });
        let mut conn = match taken {
            Some(c) => c,
            None => {
                let c = self.own_connection()?;
                c.0.pragma_update(Some("main"), "cache_size", -OWN_READER_CACHE_KIB)
                    .map_err(sqlite_err)?;
                // It reads the audit file only for a grant's quota count.
                c.0.pragma_update(Some("audit"), "cache_size", -1024)
                    .map_err(sqlite_err)?;
                c
            }
        };
        let out = lazy_read(&mut conn, self.id | WAL_MARK, self.wal.as_ref(), f);
        OWN.with(|own| {
            let mut own = own.borrow_mut();
            // A thread keeps connections to the databases it read last (tests open many).
            if own.len() >= OWN_PER_THREAD {
                own.remove(0);
            }
            own.push((self.id, conn));
        });
        out
    }

    fn pool_reader(&self) -> Result<SqliteConn, DbError> {
        let c = self.own_connection()?;
        for schema in ["main", "audit"] {
            c.0.pragma_update(Some(schema), "cache_size", -POOL_READER_CACHE_KIB)
                .map_err(sqlite_err)?;
        }
        Ok(c)
    }

    /// An idle reader, a new one while fewer than `MAX_READERS` are open, or the next one
    /// handed back.
    fn take_reader(&self) -> Result<SqliteConn, DbError> {
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(c) = pool.idle.pop() {
                return Ok(c);
            }
            if pool.open < MAX_READERS {
                pool.open += 1;
                drop(pool);
                return self.pool_reader().inspect_err(|_| {
                    self.readers.lock().unwrap_or_else(|p| p.into_inner()).open -= 1;
                });
            }
            pool = self
                .reader_free
                .wait(pool)
                .unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// Runs `f` between `begin` and COMMIT, rolling back if it fails.
pub fn in_transaction<T>(
    conn: &mut SqliteConn,
    begin: &str,
    f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>,
) -> Result<T, DbError> {
    run_cached(conn, begin)?;
    let out = f(conn);
    commit_or_roll_back(conn, out)
}

/// Ends the open transaction: COMMIT after `out` succeeded, else (or if COMMIT fails) ROLLBACK.
fn commit_or_roll_back<T>(conn: &mut SqliteConn, out: Result<T, DbError>) -> Result<T, DbError> {
    let out = out.and_then(|v| run_cached(conn, "COMMIT").map(|()| v));
    // A failed COMMIT (busy) leaves the transaction open. Kept open, it would hold a reader's
    // connection on one snapshot for good — grants revoked since would still be seen — and
    // refuse the writer's next BEGIN.
    if out.is_err() && !conn.0.is_autocommit() {
        let _ = conn.batch("ROLLBACK");
    }
    out
}

/// Runs one statement from the connection's statement cache: `execute_batch` parses its text
/// on every call, which for BEGIN and COMMIT cost more than the lookups between them.
fn run_cached(conn: &mut SqliteConn, sql: &str) -> Result<(), DbError> {
    conn.0
        .prepare_cached(sql)
        .and_then(|mut s| s.raw_execute())
        .map(|_| ())
        .map_err(sqlite_err)
}

/// Runs a read whose answers may all be in memory already: the transaction begins at its
/// first statement, not before, and a read that runs none (every answer kept under a
/// `ChangeMark` that still holds) touches no lock at all. Marks come from the WAL-index
/// header (`WalWatch`): before the transaction begins, the header as it is now; once it has
/// begun, the header as it was just before, which its snapshot is no older than. So what
/// the transaction reads is kept under a mark no newer than what it saw, and is used again
/// only while no commit has come since.
fn lazy_read<T>(
    conn: &mut SqliteConn,
    db_mark: u64,
    wal: Option<&WalWatch>,
    f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>,
) -> Result<T, DbError> {
    let Some(wal) = wal else {
        return read_transaction(conn, f);
    };
    let mut lazy = LazyRead {
        conn,
        wal,
        db_mark,
        begun: None,
    };
    let out = f(&mut lazy);
    let LazyRead { conn, begun, .. } = lazy;
    match begun {
        None => out,
        Some(_) => commit_or_roll_back(conn, out),
    }
}

/// A connection whose read transaction begins at the first statement (see `lazy_read`).
struct LazyRead<'a> {
    conn: &'a mut SqliteConn,
    wal: &'a WalWatch,
    db_mark: u64,
    /// Once the transaction has begun: the mark read just before it (`None`: the header was
    /// being written; the connection's own `data_version` stands in).
    begun: Option<Option<ChangeMark>>,
}

impl LazyRead<'_> {
    fn header_mark(&self) -> Option<ChangeMark> {
        self.wal.header().map(|version| ChangeMark {
            conn: self.db_mark,
            version,
        })
    }

    fn begin(&mut self) -> Result<&mut SqliteConn, DbError> {
        if self.begun.is_none() {
            let before = self.header_mark();
            run_cached(self.conn, "BEGIN")?;
            self.begun = Some(before);
        }
        Ok(self.conn)
    }
}

impl Conn for LazyRead<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        self.begin()?.execute(sql, params)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        self.begin()?.query(sql, params)
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.begin()?.batch(sql)
    }

    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn change_mark(&mut self) -> Result<Option<ChangeMark>, DbError> {
        match self.begun {
            Some(Some(before)) => Ok(Some(before)),
            Some(None) => self.conn.change_mark(),
            None => match self.header_mark() {
                Some(now) => Ok(Some(now)),
                None => self.begin()?.change_mark(),
            },
        }
    }
}

/// Runs a read in one (deferred) transaction: every statement sees the same snapshot, and
/// the log's read locks are taken once. In autocommit each statement took and released
/// them itself, which cost more than a lookup's own statements did (`PRAGMA data_version`:
/// 6.7 µs alone, 2.7 µs inside a transaction).
fn read_transaction<T>(
    conn: &mut SqliteConn,
    f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>,
) -> Result<T, DbError> {
    in_transaction(conn, "BEGIN", f)
}

// ---------------------------------------------------------------- PostgreSQL

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match self {
            Value::Null => Ok(postgres::types::IsNull::Yes),
            Value::Int(v) if *ty == Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
            Value::Int(v) if *ty == Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
            Value::Int(v) if *ty == Type::BOOL => (*v != 0).to_sql(ty, out),
            Value::Int(v) => v.to_sql(ty, out),
            Value::Real(v) => v.to_sql(ty, out),
            Value::Text(v) => v.as_str().to_sql(ty, out),
            Value::Blob(v) => v.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn pg_err(e: postgres::Error) -> DbError {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        let text = format!("{}: {}", db.message(), db.constraint().unwrap_or(""));
        return match code {
            "23505" => DbError::Unique(text),
            "40001" | "40P01" | "55P03" => DbError::Busy(text),
            _ => DbError::Other(format!("{code} {text}")),
        };
    }
    DbError::Other(e.to_string())
}

pub struct PgConn {
    client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl PgConn {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, DbError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).map_err(pg_err)?;
        if self.statements.len() > 512 {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

fn pg_params(params: &[Value]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| p as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

fn pg_value(row: &postgres::Row, i: usize) -> Result<Value, DbError> {
    use postgres::types::Type;
    let ty = row.columns()[i].type_().clone();
    let get_err = |_| DbError::Type(i);
    let v = if ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)
            .map_err(get_err)?
            .map(Value::Int)
    } else if ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)
            .map_err(get_err)?
            .map(|v| Value::Int(v as i64))
    } else if ty == Type::INT2 {
        row.try_get::<_, Option<i16>>(i)
            .map_err(get_err)?
            .map(|v| Value::Int(v as i64))
    } else if ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)
            .map_err(get_err)?
            .map(|v| Value::Int(v as i64))
    } else if ty == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(i)
            .map_err(get_err)?
            .map(Value::Real)
    } else if ty == Type::BYTEA {
        row.try_get::<_, Option<Vec<u8>>>(i)
            .map_err(get_err)?
            .map(Value::Blob)
    } else {
        row.try_get::<_, Option<String>>(i)
            .map_err(get_err)?
            .map(Value::Text)
    };
    Ok(v.unwrap_or(Value::Null))
}

impl Conn for PgConn {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let st = self.statement(sql)?;
        self.client.execute(&st, &pg_params(params)).map_err(pg_err)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let st = self.statement(sql)?;
        let rows = self.client.query(&st, &pg_params(params)).map_err(pg_err)?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| pg_value(r, i))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Row)
            })
            .collect()
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.client.batch_execute(sql).map_err(pg_err)
    }

    fn copy_in(
        &mut self,
        sql: &str,
        fill: &mut dyn FnMut(&mut dyn std::io::Write) -> Result<(), DbError>,
    ) -> Result<u64, DbError> {
        let mut writer = self.client.copy_in(sql).map_err(pg_err)?;
        // On an error the writer is dropped unfinished, which aborts the COPY.
        fill(&mut writer)?;
        writer.finish().map_err(pg_err)
    }

    fn backend(&self) -> Backend {
        Backend::Postgres
    }
}

/// PostgreSQL: a pool of blocking clients, used from tokio's blocking threads.
pub struct PgDb {
    config: postgres::Config,
    idle: Mutex<Vec<PgConn>>,
}

impl PgDb {
    pub fn open(url: &str) -> Result<Self, DbError> {
        let config: postgres::Config = url
            .parse()
            .map_err(|e: postgres::Error| DbError::Other(e.to_string()))?;
        let db = PgDb {
            config,
            idle: Mutex::new(Vec::new()),
        };
        let first = db.connect()?;
        db.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(first);
        Ok(db)
    }

    fn connect(&self) -> Result<PgConn, DbError> {
        let client = self.config.connect(postgres::NoTls).map_err(pg_err)?;
        Ok(PgConn {
            client,
            statements: HashMap::new(),
        })
    }

    fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut PgConn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let taken = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match taken {
            Some(c) if !c.client.is_closed() => c,
            _ => self.connect()?,
        };
        let out = f(&mut conn);
        // A connection that failed mid-way may hold an aborted transaction: do not reuse it.
        if out.is_ok() && !conn.client.is_closed() {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < 32 {
                idle.push(conn);
            }
        }
        out
    }

    fn write<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>) -> Result<T, DbError> {
        self.with_conn(|c| {
            c.batch("BEGIN")?;
            match f(c) {
                Ok(v) => {
                    c.batch("COMMIT")?;
                    Ok(v)
                }
                Err(e) => {
                    c.batch("ROLLBACK")?;
                    Err(e)
                }
            }
        })
    }

    fn read<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>) -> Result<T, DbError> {
        self.with_conn(|c| f(c))
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        // A blocking client closes by running its own runtime, which panics inside an async
        // context; the last Store may well be dropped in one, so close them on a plain thread.
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(|p| p.into_inner()));
        if !idle.is_empty() {
            let _ = std::thread::spawn(move || drop(idle)).join();
        }
    }
}

/// Either engine. (One per store, behind an `Arc`: the variants' sizes do not matter.)
#[allow(clippy::large_enum_variant)]
pub enum Db {
    Sqlite(SqliteDb),
    Postgres(PgDb),
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs `f` in one transaction: all of it commits or none of it does.
    pub fn write<T: Send>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        match self {
            Db::Sqlite(d) => d.write(f),
            Db::Postgres(d) => d.write(f),
        }
    }

    /// Runs `f` in one transaction of the audit log's writer (on PostgreSQL, like any other).
    pub fn audit_write<T: Send>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        match self {
            Db::Sqlite(d) => d.audit_write(f),
            Db::Postgres(d) => d.write(f),
        }
    }

    /// SQLite: a transaction of the spreader (see `SqliteDb::spread_write`); `None` on
    /// PostgreSQL, whose sequencer writes the log's tables itself.
    pub fn spread_write<T: Send>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>,
    ) -> Option<Result<T, DbError>> {
        match self {
            Db::Sqlite(d) => Some(d.spread_write(f)),
            Db::Postgres(_) => None,
        }
    }

    pub fn read<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        match self {
            Db::Sqlite(d) => d.read(f),
            Db::Postgres(d) => d.read(f),
        }
    }

    /// A read on a connection of the calling thread's own (SQLite; see
    /// `SqliteDb::read_here`), or an ordinary read.
    pub fn read_here<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        match self {
            Db::Sqlite(d) => d.read_here(f),
            Db::Postgres(d) => d.read(f),
        }
    }
}

/// Rows per multi-row INSERT. Fixed, so only a few distinct statements are ever prepared.
const ROWS_PER_INSERT: usize = 64;

/// Inserts `rows` into `table (columns)` with one statement per batch of rows: one round
/// trip per batch instead of per row.
pub fn insert_rows(
    c: &mut dyn Conn,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<(), DbError> {
    insert_rows_then(c, table, columns, rows, "")
}

/// `insert_rows`, skipping rows whose key is there already.
pub fn insert_rows_ignoring_duplicates(
    c: &mut dyn Conn,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<(), DbError> {
    insert_rows_then(c, table, columns, rows, " ON CONFLICT DO NOTHING")
}

fn insert_rows_then(
    c: &mut dyn Conn,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
    tail: &str,
) -> Result<(), DbError> {
    let width = columns.len();
    let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    if c.backend() == Backend::Sqlite {
        // In-process SQLite has no round trips to save: one cached single-row statement run
        // per row beats a multi-row statement whose text (and so its preparation) changes
        // with every row count.
        let marks: Vec<String> = (1..=width).map(|j| format!("${j}")).collect();
        let sql = format!("{head}({}){tail}", marks.join(", "));
        for row in rows {
            c.execute(&sql, &row)?;
        }
        return Ok(());
    }
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut sql = head.clone();
        let mut values = Vec::with_capacity(ROWS_PER_INSERT * width);
        for (i, row) in rows.by_ref().take(ROWS_PER_INSERT).enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let marks: Vec<String> = (1..=width).map(|j| format!("${}", i * width + j)).collect();
            sql.push_str(&format!("({})", marks.join(", ")));
            values.extend(row);
        }
        sql.push_str(tail);
        c.execute(&sql, &values)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy holds both files as they stood at the moment, not the commits made while the
    /// pages were being copied.
    #[test]
    fn a_copy_is_of_one_moment_whatever_commits_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db").to_string_lossy().into_owned();
        let db = SqliteDb::open(&path).unwrap();
        db.write(|c| c.batch("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1);"))
            .unwrap();
        db.audit_write(|c| {
            c.batch("CREATE TABLE audit.u (v INTEGER); INSERT INTO audit.u VALUES (1);")
        })
        .unwrap();
        let (main_to, audit_to) = (dir.path().join("copy.db"), dir.path().join("copy-audit.db"));
        let seen = db
            .copy_files(
                &main_to,
                &audit_to,
                || Ok(()),
                |c| {
                    // Another connection commits to both files after the moment.
                    db.write(|w| w.batch("INSERT INTO t VALUES (2);"))?;
                    db.audit_write(|w| w.batch("INSERT INTO audit.u VALUES (2);"))?;
                    Ok(c.0
                        .query_row("SELECT COUNT(*) FROM main.t", [], |r| r.get::<_, i64>(0))
                        .unwrap())
                },
            )
            .unwrap();
        assert_eq!(seen, 1);
        let count = |file: &std::path::Path, table: &str| -> i64 {
            rusqlite::Connection::open(file)
                .unwrap()
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(count(&main_to, "t"), 1, "the main file as it stood");
        assert_eq!(count(&audit_to, "u"), 1, "the audit file as it stood");
        let live = db
            .read(|c| c.query_one("SELECT COUNT(*) FROM t", &[]))
            .unwrap()
            .unwrap();
        assert_eq!(live.int(0).unwrap(), 2);
    }

    /// The header a `WalWatch` reads stays put while nothing commits, and moves at every
    /// commit, whichever connection (or process) makes it.
    #[test]
    fn the_wal_header_moves_at_every_commit_and_only_then() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db").to_string_lossy().into_owned();
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (v INTEGER);")
            .unwrap();
        let watch = WalWatch::open(&path).expect("the -shm file is there");
        let first = watch.header().expect("a settled header");
        let reader = rusqlite::Connection::open(&path).unwrap();
        let n: i64 = reader
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
        assert_eq!(watch.header(), Some(first), "a read changes nothing");

        let mut seen = vec![first];
        for v in 0..3 {
            let other = rusqlite::Connection::open(&path).unwrap();
            other.execute("INSERT INTO t (v) VALUES (?1)", [v]).unwrap();
            let now = watch.header().expect("a settled header");
            assert!(!seen.contains(&now), "commit {v} left the header as it was");
            seen.push(now);
        }
        // A transaction that changes nothing commits nothing.
        writer.execute_batch("BEGIN; COMMIT;").unwrap();
        assert_eq!(watch.header().as_ref(), seen.last());
    }
}
