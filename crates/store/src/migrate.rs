//! Versioned migrations, one list per engine, applied at start-up in order, each in its own
//! transaction and recorded in `schema_migrations`.
use crate::db::{Backend, Conn, Db, DbError};
use crate::params;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
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
];

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

/// Applies every migration not yet applied; returns the versions applied now.
pub fn run(db: &Db, now: i64) -> Result<Vec<i64>, DbError> {
    let mut applied = Vec::new();
    for m in MIGRATIONS {
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
    c.batch(CREATE_TABLE)?;
    if c.query_one(
        "SELECT version FROM schema_migrations WHERE version = $1",
        params![m.version],
    )?
    .is_some()
    {
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

pub fn current_version(c: &mut dyn Conn) -> Result<i64, DbError> {
    let row = c.query_one(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        &[],
    )?;
    row.map(|r| r.int(0)).transpose().map(|v| v.unwrap_or(0))
}
