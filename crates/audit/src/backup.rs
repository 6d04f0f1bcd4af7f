//! A consistent copy of an SQLite platform's three files while it serves: the main file, the
//! audit file and the journal, all as they stood at one moment. The journal's lock is held
//! for that moment only (no batch is sealed in between, in any process); the pages are then
//! copied from read snapshots while sealing goes on.
use std::path::Path;

use shuqiao_db::{Conn, Db, DbError};

use crate::{journal, AuditError, AuditLog, Result};

/// The file names inside a backup folder.
pub const MAIN_FILE: &str = "database.db";
pub const AUDIT_FILE: &str = "audit.db";
pub const JOURNAL_FILE: &str = "journal.log";

/// What the log held at the moment of a backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Entries in the log: the audit file's head, or the journal's last batch beyond it.
    pub tree_size: u64,
}

impl AuditLog {
    /// Writes the database's three files into the folder `dir` (which must exist and be
    /// empty) as they stood at one moment; `facts` reads what the caller wants to record of
    /// that moment, on a connection that sees it. SQLite only: PostgreSQL has `pg_dump`.
    pub async fn backup_into<T: Send + 'static>(
        &self,
        dir: &Path,
        facts: impl FnOnce(&mut dyn Conn) -> Result<T> + Send + 'static,
    ) -> Result<(Snapshot, T)> {
        // Spread first, so the journal copied is short.
        self.spread().await?;
        let (db, journal) = (self.db.clone(), self.journal.clone());
        let dir = dir.to_path_buf();
        self.on_lane(shuqiao_db::maintenance::Lane::Request, move || {
            let Db::Sqlite(sqlite) = db.as_ref() else {
                return Err(DbError::Other(
                    "备份只适用于 SQLite；PostgreSQL 请用 pg_dump / backup is for SQLite; use pg_dump on PostgreSQL".into(),
                )
                .into());
            };
            let journal = journal.ok_or_else(|| AuditError::Db(DbError::Other("no journal".into())))?;
            let journal_from = journal::journal_path(sqlite.path());
            let mut own: Option<AuditError> = None;
            let mut seen: Option<(Snapshot, T)> = None;
            let copied = sqlite.copy_files(
                &dir.join(MAIN_FILE),
                &dir.join(AUDIT_FILE),
                || journal.lock_for_append(),
                |c| {
                    // The journal as it stands under its lock: every batch sealed so far.
                    std::fs::copy(&journal_from, dir.join(JOURNAL_FILE)).map_err(|e| {
                        DbError::Other(format!("cannot copy the journal {journal_from}: {e}"))
                    })?;
                    let journaled = journal.last().map_or(0, |(size, _, _)| size);
                    let read = read_size(c).and_then(|head| {
                        let snapshot = Snapshot {
                            tree_size: head.max(journaled),
                        };
                        facts(c).map(|t| (snapshot, t))
                    });
                    match read {
                        Ok(v) => {
                            seen = Some(v);
                            Ok(())
                        }
                        // The caller's own failure comes back as it is, and nothing is copied.
                        Err(e) => {
                            own = Some(e);
                            Err(DbError::Other("the backup stopped".into()))
                        }
                    }
                },
            );
            if let Some(e) = own {
                return Err(e);
            }
            copied?;
            seen.ok_or_else(|| AuditError::Task("the backup read nothing".into()))
        })
        .await?
    }
}

fn read_size(c: &mut dyn Conn) -> Result<u64> {
    Ok(
        c.query_one("SELECT size FROM audit.audit_head WHERE id = 1", &[])?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(0) as u64,
    )
}
