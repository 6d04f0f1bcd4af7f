//! Storage: one interface ([`Store`]) over SQLite and PostgreSQL. Every write validates with
//! the core rules first and applies in one transaction.
pub mod accounts;
pub mod audit;
pub mod catalog;
pub mod collect;
pub mod db;
pub mod demo;
mod demo_share;
pub mod exchange;
mod index;
mod maintenance;
pub mod migrate;
pub mod share;
mod subject_records;
pub mod subjects;
#[cfg(feature = "testkit")]
pub mod testkit;

use std::sync::Arc;

use shuqiao_core::DomainError;

pub use db::{Backend, DbError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The caller's mistake: invalid input, not allowed, not found, conflict.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Ours: the database failed. Details go to the log, never to the client.
    #[error("storage failure: {0}")]
    Db(#[from] DbError),
    /// The audit log is not configured or cannot seal: fail closed.
    #[error("audit log unavailable")]
    AuditUnavailable,
    #[error("storage task failed: {0}")]
    Task(String),
}

impl StoreError {
    pub fn domain(&self) -> Option<&DomainError> {
        match self {
            StoreError::Domain(d) => Some(d),
            _ => None,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Milliseconds since the Unix epoch; replaceable in tests.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    })
}

/// Where a read runs: on a connection of the pool, or on this thread's own (`Db::read_here`).
#[derive(Clone, Copy)]
pub(crate) enum Reader {
    Pool,
    Here,
}

/// Runs `f` as a read, domain errors passed back as they are.
pub(crate) fn read_on<T, F>(db: &db::Db, reader: Reader, f: F) -> Result<T>
where
    F: FnOnce(&mut dyn db::Conn) -> Result<T>,
{
    let mut outcome: Option<StoreError> = None;
    let body = |c: &mut dyn db::Conn| match f(c) {
        Ok(v) => Ok(v),
        Err(StoreError::Db(e)) => Err(e),
        Err(other) => {
            outcome = Some(other);
            Err(DbError::Other("aborted by domain rule".into()))
        }
    };
    let r = match reader {
        Reader::Pool => db.read(body),
        Reader::Here => db.read_here(body),
    };
    match (r, outcome) {
        (_, Some(err)) => Err(err),
        (Ok(v), None) => Ok(v),
        (Err(e), None) => Err(StoreError::Db(e)),
    }
}

/// Which threads run blocking database work.
#[derive(Clone, Copy)]
pub(crate) enum Lane {
    /// tokio's blocking pool: work a caller is waiting for.
    Request,
    /// The store's maintenance thread, at a lower priority (`maintenance`): upkeep on a timer.
    Upkeep,
}

/// Runs `f` inside one transaction of `writer`, on the calling thread.
pub(crate) fn write_on<T, F>(db: &db::Db, writer: Writer, f: F) -> Result<T>
where
    T: Send,
    F: FnOnce(&mut dyn db::Conn) -> Result<T>,
{
    let mut outcome: Option<Result<T>> = None;
    // Domain errors abort the transaction like database errors do; they travel back
    // through `outcome` so the caller sees the domain error, not a rollback.
    let body = |c: &mut dyn db::Conn| match f(c) {
        Ok(v) => Ok(v),
        Err(StoreError::Db(e)) => Err(e),
        Err(other) => {
            outcome = Some(Err(other));
            Err(DbError::Other("aborted by domain rule".into()))
        }
    };
    let r = match writer {
        Writer::Main => db.write(body),
        Writer::Audit => db.audit_write(body),
        Writer::Spread => db
            .spread_write(body)
            .unwrap_or_else(|| Err(DbError::Other("no audit journal on this engine".into()))),
    };
    match (r, outcome) {
        (_, Some(err)) => err,
        (Ok(v), None) => Ok(v),
        (Err(e), None) => Err(StoreError::Db(e)),
    }
}

/// Which writer a transaction runs on.
#[derive(Clone, Copy)]
pub(crate) enum Writer {
    Main,
    /// The audit log's (see `db::SqliteDb`).
    Audit,
    /// SQLite: the spreader's, which moves journaled batches into the audit file.
    Spread,
}

/// The platform's storage. Cheap to clone; all methods are async and run the database work
/// on tokio's blocking pool.
#[derive(Clone)]
pub struct Store {
    db: Arc<db::Db>,
    clock: Clock,
    index: Arc<index::SearchIndex>,
    audit: audit::SharedAudit,
    /// The subject secret, apart from the sequencer's state: every exchange call hashes its
    /// subjects with it and must not wait while the sequencer holds `audit` for a batch.
    audit_secret: Arc<std::sync::RwLock<Option<[u8; 32]>>>,
    /// The upper levels of the audit tree (see `audit::cache`).
    audit_cache: Arc<audit::NodeCache>,
    appender: audit::Appender,
    /// One spreading of the audit journal at a time in this process (see `audit_spread`).
    audit_spreading: Arc<tokio::sync::Mutex<()>>,
    /// log2 of the entries a span of the subject index covers (`audit::SUBJECT_SPAN_BITS`;
    /// tests use fewer to exercise many spans).
    subject_span_bits: u32,
    /// The thread for upkeep nobody waits for, at a lower priority.
    maintenance: Arc<maintenance::Maintenance>,
    /// Collection batches this process is applying now.
    collect_active: Arc<collect::ActiveSet>,
    /// Catalog entries served, rate buckets and the change signal of the exchange API.
    exchange: Arc<exchange::ExchangeState>,
    /// Hosts the operator allows webhooks to reach on otherwise refused addresses.
    webhook_hosts: Arc<std::sync::RwLock<shuqiao_core::share::webhook::AllowedHosts>>,
}

impl Store {
    /// Opens `url` (`postgres://…` or `postgresql://…`, otherwise an SQLite file path,
    /// optionally prefixed `sqlite:`) and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Store> {
        Self::open_with_clock(url, system_clock()).await
    }

    /// Opens the database, refusing an audit log whose recorded size disagrees with its
    /// entries (see `audit::AuditExtent::refusal`): nothing runs on a log cut short.
    pub async fn open_with_clock(url: &str, clock: Clock) -> Result<Store> {
        Self::open_checked(url, clock, true).await
    }

    /// Opens the database whatever state its audit log is in, for `audit verify` and
    /// `audit export` to examine and report it.
    pub async fn open_to_inspect(url: &str) -> Result<Store> {
        Self::open_checked(url, system_clock(), false).await
    }

    async fn open_checked(url: &str, clock: Clock, check_audit: bool) -> Result<Store> {
        let url = url.to_string();
        let now = clock();
        let db = tokio::task::spawn_blocking(move || -> Result<db::Db> {
            let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                db::Db::Postgres(db::PgDb::open(&url)?)
            } else {
                let path = url
                    .strip_prefix("sqlite://")
                    .or_else(|| url.strip_prefix("sqlite:"))
                    .unwrap_or(&url);
                if let Some(dir) = std::path::Path::new(path).parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir).map_err(|e| {
                            DbError::Other(format!("cannot create {}: {e}", dir.display()))
                        })?;
                    }
                }
                db::Db::Sqlite(db::SqliteDb::open(path)?)
            };
            migrate::run(&db, now)?;
            if check_audit {
                audit::check_extent(&db)?;
            }
            Ok(db)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??;
        Ok(Store {
            db: Arc::new(db),
            clock,
            index: Arc::default(),
            audit: Arc::default(),
            audit_secret: Arc::default(),
            audit_cache: Arc::default(),
            appender: Arc::default(),
            audit_spreading: Arc::default(),
            subject_span_bits: audit::SUBJECT_SPAN_BITS,
            maintenance: Arc::default(),
            collect_active: Arc::default(),
            exchange: Arc::default(),
            webhook_hosts: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Runs `f` inside one transaction on a blocking thread.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn db::Conn) -> Result<T> + Send + 'static,
    {
        self.write_with(Writer::Main, f).await
    }

    /// Runs `f` inside one transaction of the audit log's writer (see `db::SqliteDb`).
    pub(crate) async fn audit_write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn db::Conn) -> Result<T> + Send + 'static,
    {
        self.write_with(Writer::Audit, f).await
    }

    /// SQLite: runs `f` inside one transaction of the spreader (see `db::SqliteDb`).
    pub(crate) async fn spread_write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn db::Conn) -> Result<T> + Send + 'static,
    {
        self.write_with(Writer::Spread, f).await
    }

    async fn write_with<T, F>(&self, writer: Writer, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn db::Conn) -> Result<T> + Send + 'static,
    {
        let db = self.db.clone();
        self.on_lane(Lane::Request, move || write_on(&db, writer, f))
            .await?
    }

    /// Runs blocking work `f` on `lane`'s threads and waits for it.
    pub(crate) async fn on_lane<T: Send + 'static>(
        &self,
        lane: Lane,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        match lane {
            Lane::Request => tokio::task::spawn_blocking(f)
                .await
                .map_err(|e| StoreError::Task(e.to_string())),
            Lane::Upkeep => self.maintenance.run(f).await,
        }
    }

    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn db::Conn) -> Result<T> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || read_on(&db, Reader::Pool, f))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// A short read on the calling thread, for the exchange hot path (see `Db::read_here`):
    /// no hop to the blocking pool and back. On PostgreSQL, whose reads wait on the network,
    /// it is an ordinary `read`.
    pub(crate) async fn read_short<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn db::Conn) -> Result<T> + Send + 'static,
    {
        match self.backend() {
            Backend::Sqlite => read_on(&self.db, Reader::Here, f),
            Backend::Postgres => self.read(f).await,
        }
    }

    /// The schema version the database is at.
    pub async fn schema_version(&self) -> Result<i64> {
        self.read(|c| Ok(migrate::current_version(c)?)).await
    }

    /// Whether the database holds no organisation yet (a fresh platform).
    pub async fn is_empty(&self) -> Result<bool> {
        self.read(|c| Ok(c.query_one("SELECT code FROM orgs LIMIT 1", &[])?.is_none()))
            .await
    }
}

/// Serialises a value kept as JSON text in the database.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Db(DbError::Other(format!("encode: {e}"))))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Db(DbError::Other(format!("decode: {e}"))))
}
