//! Backups of an SQLite platform (`shuqiao backup`, `shuqiao restore`): the three files as
//! they stood at one moment (`audit::backup`), with a manifest of what they held, so that a
//! restore can check the copy against it before putting it in place.
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::audit::backup::{AUDIT_FILE, JOURNAL_FILE, MAIN_FILE};
use shuqiao_core::DomainError;

use crate::{DbError, Result, Store, StoreError};

/// The manifest's file name inside a backup folder.
pub const MANIFEST: &str = "backup.json";

/// What a backup held at its moment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: u32,
    /// Milliseconds since the epoch.
    pub taken_at: i64,
    pub schema_version: i64,
    /// Entries in the audit log.
    pub tree_size: u64,
    /// The log's public key, to check the copy when no other is given.
    pub public_key: Option<String>,
    /// Collected records (current state, deleted ones included).
    pub records: i64,
    pub resources: i64,
}

fn io_failure(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Db(DbError::Other(format!("{what} {}: {e}", path.display())))
}

impl Store {
    /// Takes a consistent backup into `dir` (created; it must not exist or be empty) while the
    /// platform serves, and writes its manifest.
    pub async fn backup(&self, dir: &Path) -> Result<Manifest> {
        prepare_empty(dir)?;
        let (snapshot, (schema_version, records, resources)) = self
            .audit
            .backup_into(dir, |c| {
                let count = |c: &mut dyn crate::db::Conn, sql: &str| -> crate::audit::Result<i64> {
                    Ok(c.query_one(sql, &[])?
                        .map(|r| r.int(0))
                        .transpose()?
                        .unwrap_or(0))
                };
                Ok((
                    count(c, "SELECT MAX(version) FROM schema_migrations")?,
                    count(c, "SELECT COUNT(*) FROM records")?,
                    count(c, "SELECT COUNT(*) FROM resources")?,
                ))
            })
            .await?;
        let manifest = Manifest {
            format: 1,
            taken_at: self.now(),
            schema_version,
            tree_size: snapshot.tree_size,
            public_key: self.audit.public_key(),
            records,
            resources,
        };
        let text = serde_json::to_string_pretty(&manifest)
            .map_err(|e| StoreError::Db(DbError::Other(e.to_string())))?;
        let path = dir.join(MANIFEST);
        std::fs::write(&path, text).map_err(|e| io_failure("cannot write", &path, e))?;
        Ok(manifest)
    }

    /// Collected records and catalogued resources now, to compare with a manifest.
    pub async fn holdings(&self) -> Result<(i64, i64)> {
        self.read(|c| {
            let records = c.query_one("SELECT COUNT(*) FROM records", &[])?;
            let resources = c.query_one("SELECT COUNT(*) FROM resources", &[])?;
            let n = |r: Option<crate::db::Row>| r.map(|r| r.int(0)).transpose();
            Ok((n(records)?.unwrap_or(0), n(resources)?.unwrap_or(0)))
        })
        .await
    }
}

fn prepare_empty(dir: &Path) -> Result<()> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| io_failure("cannot read", dir, e))?;
        if entries.next().is_some() {
            return Err(DomainError::conflict(
                "backup_folder_not_empty",
                format!("备份目录 {} 不为空：请指定新的目录", dir.display()),
                format!(
                    "the backup folder {} is not empty: name a new one",
                    dir.display()
                ),
            )
            .into());
        }
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| io_failure("cannot create", dir, e))
}

/// Reads a backup folder's manifest, refusing a folder that lacks any of its files.
pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    for name in [MAIN_FILE, AUDIT_FILE, JOURNAL_FILE, MANIFEST] {
        let path = dir.join(name);
        if !path.is_file() {
            return Err(DomainError::conflict(
                "backup_incomplete",
                format!("备份不完整，缺少 {}，无法恢复", path.display()),
                format!("the backup lacks {}: it cannot be restored", path.display()),
            )
            .into());
        }
    }
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| io_failure("cannot read", &path, e))?;
    serde_json::from_str(&text).map_err(|e| {
        DomainError::conflict(
            "backup_incomplete",
            format!("{} 不是备份清单：{e}", path.display()),
            format!("{} is not a backup manifest: {e}", path.display()),
        )
        .into()
    })
}

/// The files a database at `target` consists of, with the backup's name of each.
fn placements(target: &str) -> [(&'static str, PathBuf); 3] {
    [
        (MAIN_FILE, PathBuf::from(target)),
        (AUDIT_FILE, PathBuf::from(crate::db::audit_path(target))),
        (
            JOURNAL_FILE,
            PathBuf::from(crate::audit::journal_path(target)),
        ),
    ]
}

/// Refuses a target where any of a database's files is: a restore never replaces one.
pub fn check_free(target: &str) -> Result<()> {
    match placements(target).into_iter().find(|(_, p)| p.exists()) {
        Some((_, there)) => Err(DomainError::conflict(
            "database_exists",
            format!(
                "{} 已存在：恢复不会覆盖数据库，请指定新位置",
                there.display()
            ),
            format!(
                "{} exists: a restore never overwrites a database; name a new one",
                there.display()
            ),
        )
        .into()),
        None => Ok(()),
    }
}

/// Copies a backup's files to make the database at `target`, refusing to overwrite any file
/// that is there.
pub fn place(dir: &Path, target: &str) -> Result<()> {
    check_free(target)?;
    let files = placements(target);
    if let Some(parent) = Path::new(target)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|e| io_failure("cannot create", parent, e))?;
    }
    for (name, to) in &files {
        let from = dir.join(name);
        std::fs::copy(&from, to).map_err(|e| io_failure("cannot copy", &from, e))?;
        std::fs::File::open(to)
            .and_then(|f| f.sync_all())
            .map_err(|e| io_failure("cannot sync", to, e))?;
    }
    Ok(())
}
