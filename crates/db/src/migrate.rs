//! Versioned migrations, one list per engine, applied at start-up in order, each in its own
//! transaction and recorded in `schema_migrations`.
use crate::params;
use crate::{Backend, Conn, Db, DbError};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// The version every migration together brings a database to: a store that opened is at it.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

pub static MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "catalog_index",
        sqlite: include_str!("migrations/sqlite/0002_catalog_index.sql"),
        postgres: include_str!("migrations/postgres/0002_catalog_index.sql"),
    },
    Migration {
        version: 3,
        name: "audit",
        sqlite: include_str!("migrations/sqlite/0003_audit.sql"),
        postgres: include_str!("migrations/postgres/0003_audit.sql"),
    },
    Migration {
        version: 4,
        name: "share",
        sqlite: include_str!("migrations/sqlite/0004_share.sql"),
        postgres: include_str!("migrations/postgres/0004_share.sql"),
    },
    Migration {
        version: 5,
        name: "subjects",
        sqlite: include_str!("migrations/sqlite/0005_subjects.sql"),
        postgres: include_str!("migrations/postgres/0005_subjects.sql"),
    },
    Migration {
        version: 6,
        name: "collect",
        sqlite: include_str!("migrations/sqlite/0006_collect.sql"),
        postgres: include_str!("migrations/postgres/0006_collect.sql"),
    },
    Migration {
        version: 7,
        name: "exchange",
        sqlite: include_str!("migrations/sqlite/0007_exchange.sql"),
        postgres: include_str!("migrations/postgres/0007_exchange.sql"),
    },
    Migration {
        version: AUDIT_FILE_VERSION,
        name: "audit_file",
        sqlite: include_str!("migrations/sqlite/0008_audit_file.sql"),
        postgres: include_str!("migrations/postgres/0008_audit_file.sql"),
    },
    Migration {
        version: AUDIT_SUBJECTS_VERSION,
        name: "audit_subjects",
        sqlite: include_str!("migrations/sqlite/0009_audit_subjects.sql"),
        postgres: include_str!("migrations/postgres/0009_audit_subjects.sql"),
    },
    Migration {
        version: SUBJECT_SPANS_VERSION,
        name: "subject_spans",
        sqlite: include_str!("migrations/sqlite/0010_subject_spans.sql"),
        postgres: include_str!("migrations/postgres/0010_subject_spans.sql"),
    },
    Migration {
        version: 11,
        name: "login_throttle",
        sqlite: include_str!("migrations/sqlite/0011_login_throttle.sql"),
        postgres: include_str!("migrations/postgres/0011_login_throttle.sql"),
    },
    Migration {
        version: 12,
        name: "collect_merge",
        sqlite: include_str!("migrations/sqlite/0012_collect_merge.sql"),
        postgres: include_str!("migrations/postgres/0012_collect_merge.sql"),
    },
    Migration {
        version: RECORD_SUBJECTS_VERSION,
        name: "record_subjects",
        sqlite: include_str!("migrations/sqlite/0013_record_subjects.sql"),
        postgres: include_str!("migrations/postgres/0013_record_subjects.sql"),
    },
    Migration {
        version: 14,
        name: "open",
        sqlite: include_str!("migrations/sqlite/0014_open.sql"),
        postgres: include_str!("migrations/postgres/0014_open.sql"),
    },
    Migration {
        version: 15,
        name: "open_public",
        sqlite: include_str!("migrations/sqlite/0015_open_public.sql"),
        postgres: include_str!("migrations/postgres/0015_open_public.sql"),
    },
    Migration {
        version: 16,
        name: "open_governance",
        sqlite: include_str!("migrations/sqlite/0016_open_governance.sql"),
        postgres: include_str!("migrations/postgres/0016_open_governance.sql"),
    },
    Migration {
        version: 17,
        name: "data_elements",
        sqlite: include_str!("migrations/sqlite/0017_data_elements.sql"),
        postgres: include_str!("migrations/postgres/0017_data_elements.sql"),
    },
    Migration {
        version: 18,
        name: "quality_objections",
        sqlite: include_str!("migrations/sqlite/0018_quality_objections.sql"),
        postgres: include_str!("migrations/postgres/0018_quality_objections.sql"),
    },
    Migration {
        version: 19,
        name: "quality_scores",
        sqlite: include_str!("migrations/sqlite/0019_quality_scores.sql"),
        postgres: include_str!("migrations/postgres/0019_quality_scores.sql"),
    },
    Migration {
        version: 20,
        name: "element_sources",
        sqlite: include_str!("migrations/sqlite/0020_element_sources.sql"),
        postgres: include_str!("migrations/postgres/0020_element_sources.sql"),
    },
    Migration {
        version: 21,
        name: "system_inventory",
        sqlite: include_str!("migrations/sqlite/0021_system_inventory.sql"),
        postgres: include_str!("migrations/postgres/0021_system_inventory.sql"),
    },
    Migration {
        version: 22,
        name: "system_reviews",
        sqlite: include_str!("migrations/sqlite/0022_system_reviews.sql"),
        postgres: include_str!("migrations/postgres/0022_system_reviews.sql"),
    },
    Migration {
        version: 23,
        name: "usage_alerts",
        sqlite: include_str!("migrations/sqlite/0023_usage_alerts.sql"),
        postgres: include_str!("migrations/postgres/0023_usage_alerts.sql"),
    },
    Migration {
        version: 24,
        name: "assess_figures",
        sqlite: include_str!("migrations/sqlite/0024_assess_figures.sql"),
        postgres: include_str!("migrations/postgres/0024_assess_figures.sql"),
    },
];

/// The migration that moves an SQLite database's audit log to its own file. It has a first
/// step (`AUDIT_FILE_COPY`) committed to that file before the main file's own step.
pub const AUDIT_FILE_VERSION: i64 = 8;
const AUDIT_FILE_COPY: &str = include_str!("migrations/sqlite/0008_audit_file_copy.sql");

/// The migration that moves an SQLite database's subject index into the audit file, with a
/// first step (`AUDIT_SUBJECTS_COPY`) committed to that file as the audit file's own was.
const AUDIT_SUBJECTS_VERSION: i64 = 9;
const AUDIT_SUBJECTS_COPY: &str = include_str!("migrations/sqlite/0009_audit_subjects_copy.sql");

/// The migration that lays the subject index out in spans. On SQLite its change is to the
/// audit file alone (`SUBJECT_SPANS_AUDIT`).
const SUBJECT_SPANS_VERSION: i64 = 10;
const SUBJECT_SPANS_AUDIT: &str = include_str!("migrations/sqlite/0010_subject_spans_audit.sql");

/// The migration that names each record's subject and indexes downloads by resource. On
/// SQLite the download index is the audit file's (`RECORD_SUBJECTS_AUDIT`).
const RECORD_SUBJECTS_VERSION: i64 = 13;
const RECORD_SUBJECTS_AUDIT: &str =
    include_str!("migrations/sqlite/0013_record_subjects_audit.sql");

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

/// Applies every migration not yet applied; returns the versions applied now.
pub fn run(db: &Db, now: i64) -> Result<Vec<i64>, DbError> {
    let mut applied = Vec::new();
    for m in MIGRATIONS {
        if let Db::Sqlite(sqlite) = db {
            match m.version {
                AUDIT_FILE_VERSION => sqlite.audit_transaction(copy_audit_out)?,
                AUDIT_SUBJECTS_VERSION => sqlite.audit_transaction(copy_subjects_out)?,
                SUBJECT_SPANS_VERSION => sqlite.audit_transaction(lay_subjects_in_spans)?,
                RECORD_SUBJECTS_VERSION => sqlite.audit_transaction(index_downloads)?,
                _ => {}
            }
        }
        let did = db.write(|c| apply_one(c, m, now))?;
        if did {
            applied.push(m.version);
        }
    }
    Ok(applied)
}

fn apply_one(c: &mut dyn Conn, m: &Migration, now: i64) -> Result<bool, DbError> {
    if c.backend() == Backend::Postgres {
        // Several replicas may start at once: one migrates, the others wait and then skip.
        c.batch("SELECT pg_advisory_xact_lock(7301)")?;
    }
    if applied(c, m.version)? {
        return Ok(false);
    }
    let sql = match c.backend() {
        Backend::Sqlite => m.sqlite,
        Backend::Postgres => m.postgres,
    };
    c.batch(sql)?;
    c.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        params![m.version, m.name, now],
    )?;
    Ok(true)
}

/// Step one of the subject index's move, unless it has been applied: rebuilds the index in
/// the audit file from the main file's.
fn copy_subjects_out(c: &mut dyn Conn) -> Result<(), DbError> {
    if applied(c, AUDIT_SUBJECTS_VERSION)? {
        return Ok(());
    }
    c.batch(AUDIT_SUBJECTS_COPY)
}

/// The audit file's part of migration 10, while the old index is there (it goes in the same
/// transaction, so after a crash before the main file records the version there is nothing
/// left to do).
fn lay_subjects_in_spans(c: &mut dyn Conn) -> Result<(), DbError> {
    let old_there = c
        .query_one(
            "SELECT 1 FROM audit.sqlite_master WHERE name = 'audit_subjects'",
            &[],
        )?
        .is_some();
    if applied(c, SUBJECT_SPANS_VERSION)? || !old_there {
        return Ok(());
    }
    c.batch(SUBJECT_SPANS_AUDIT)
}

/// The audit file's part of migration 13, unless it has been applied (it can run again: the
/// index is created if it is not there).
fn index_downloads(c: &mut dyn Conn) -> Result<(), DbError> {
    if applied(c, RECORD_SUBJECTS_VERSION)? {
        return Ok(());
    }
    c.batch(RECORD_SUBJECTS_AUDIT)
}

/// Step one of the audit file's migration, unless it has been applied: rebuilds the audit
/// file's tables from the main file's. A log already in the audit file that is not this
/// database's (a different size) is refused rather than overwritten.
fn copy_audit_out(c: &mut dyn Conn) -> Result<(), DbError> {
    if applied(c, AUDIT_FILE_VERSION)? {
        return Ok(());
    }
    let has_log = c
        .query_one(
            "SELECT 1 FROM audit.sqlite_master WHERE name = 'audit_head'",
            &[],
        )?
        .is_some();
    if has_log {
        let size = |c: &mut dyn Conn, table: &str| -> Result<i64, DbError> {
            let r = c.query_one(&format!("SELECT size FROM {table} WHERE id = 1"), &[])?;
            Ok(r.map(|r| r.int(0)).transpose()?.unwrap_or(0))
        };
        let (theirs, ours) = (size(c, "audit.audit_head")?, size(c, "main.audit_head")?);
        if theirs != ours {
            return Err(DbError::Other(format!(
                "审计日志文件中已有另一份日志（{theirs} 条，本库 {ours} 条）：请移走该文件后重试 / \
                 the audit log file already holds another log ({theirs} entries, this \
                 database's has {ours}): move that file away and start again"
            )));
        }
    }
    c.batch(AUDIT_FILE_COPY)
}

fn applied(c: &mut dyn Conn, version: i64) -> Result<bool, DbError> {
    c.batch(CREATE_TABLE)?;
    Ok(c.query_one(
        "SELECT version FROM schema_migrations WHERE version = $1",
        params![version],
    )?
    .is_some())
}

pub fn current_version(c: &mut dyn Conn) -> Result<i64, DbError> {
    let row = c.query_one(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        &[],
    )?;
    row.map(|r| r.int(0)).transpose().map(|v| v.unwrap_or(0))
}
