//! The platform's use cases: accounts, the catalog and its search index, collection (and the
//! connector runner), sharing, the exchange and subjects. Each loads what it needs through
//! `shuqiao-db`, asks core's rules, and writes in one transaction with the audit entries that
//! record it (`shuqiao-audit`).
pub mod accounts;
pub mod assess;
pub mod backup;
pub mod catalog;
pub mod collect;
pub mod consumer;
pub mod demo;
mod demo_share;
pub mod exchange;
mod index;
pub mod open;
pub mod operator;
pub mod quality;
pub mod review;
mod sealing;
pub mod share;
mod subject_records;
pub mod subjects;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod todos;
// The steward's catalogue workspace: a department's resources in every state.
pub mod workspace;

use std::sync::Arc;

use shuqiao_core::DomainError;
use shuqiao_db::maintenance::{Lane, Maintenance};
use shuqiao_db::{migrate, read_on, write_on, Reader, Writer};

pub use shuqiao_audit as audit;
pub use shuqiao_db as db;
pub(crate) use shuqiao_db::params;
pub use shuqiao_db::{system_clock, Backend, Clock, DbError};

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

impl From<audit::AuditError> for StoreError {
    fn from(e: audit::AuditError) -> Self {
        match e {
            audit::AuditError::Domain(d) => StoreError::Domain(d),
            audit::AuditError::Db(d) => StoreError::Db(d),
            audit::AuditError::Unavailable => StoreError::AuditUnavailable,
            audit::AuditError::Task(t) => StoreError::Task(t),
        }
    }
}

impl shuqiao_db::TxError for StoreError {
    fn into_db(self) -> std::result::Result<DbError, Self> {
        match self {
            StoreError::Db(e) => Ok(e),
            other => Err(other),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The platform's storage. Cheap to clone; all methods are async and run the database work
/// on tokio's blocking pool.
#[derive(Clone)]
pub struct Store {
    db: Arc<db::Db>,
    clock: Clock,
    index: Arc<index::SearchIndex>,
    /// Released open datasets, as the portal searches them.
    open: Arc<open::OpenIndex>,
    /// Totals of the portal's exact filters, until each dataset's copy moves on.
    open_totals: Arc<open::rows::FilterTotals>,
    audit: audit::AuditLog,
    /// The thread for upkeep nobody waits for, at a lower priority.
    maintenance: Arc<Maintenance>,
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
        let maintenance: Arc<Maintenance> = Arc::default();
        let for_log = (clock.clone(), maintenance.clone());
        let (db, audit) = tokio::task::spawn_blocking(move || -> Result<_> {
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
            let db = Arc::new(db);
            let (clock, maintenance) = for_log;
            let audit = audit::AuditLog::open(db.clone(), clock, maintenance, check_audit)?;
            Ok((db, audit))
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??;
        let exchange = Arc::new(exchange::ExchangeState::new(audit.usage_reader()));
        Ok(Store {
            db,
            clock,
            index: Arc::default(),
            open: Arc::default(),
            open_totals: Arc::default(),
            audit,
            maintenance,
            collect_active: Arc::default(),
            exchange,
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
        Ok(self.maintenance.on_lane(lane, f).await?)
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

/// Queues an audit entry inside the caller's transaction: it commits or rolls back with the
/// change it records, and the next batch seals it (`audit::enqueue`).
pub(crate) fn seal_later(
    c: &mut dyn db::Conn,
    entry: &shuqiao_core::audit::entry::Entry,
    now: i64,
) -> Result<()> {
    Ok(audit::enqueue(c, entry, now)?)
}
