//! What the operator's console pages count beyond the sharing figures: the catalog by
//! status, organisations, systems, accounts and tokens, all from the tables as they are.
use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::share;
use shuqiao_core::DomainError;

use crate::db::Conn;
use crate::{params, Result, Store};

/// The platform's counts as of now.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PlatformCounts {
    /// Resources per catalog status (`draft`, `submitted`, `published`, `retired`).
    pub resources_by_status: Vec<(String, u64)>,
    pub resources_negative_listed: u64,
    /// Organisations per kind (`operator`, `department`, `unit`, …).
    pub orgs_by_kind: Vec<(String, u64)>,
    pub systems: u64,
    pub accounts: u64,
    pub accounts_disabled: u64,
    pub tokens_active: u64,
    pub negative_proposals_pending: u64,
}

fn one(c: &mut dyn Conn, sql: &str) -> Result<u64> {
    Ok(c.query_one(sql, &[])?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0) as u64)
}

fn grouped(c: &mut dyn Conn, sql: &str) -> Result<Vec<(String, u64)>> {
    c.query(sql, &[])?
        .iter()
        .map(|r| Ok((r.text(0)?, r.int(1)? as u64)))
        .collect()
}

impl Store {
    /// Counts for the operator and auditors (who see every organisation).
    pub async fn platform_counts(&self, p: Principal) -> Result<PlatformCounts> {
        p.require_authenticated()?;
        if !share::sees_everything(&p) {
            return Err(DomainError::forbidden(
                "requires_platform_admin",
                "全省统计仅平台管理员和审计人员可见",
                "province-wide figures are for the operator and auditors",
            )
            .into());
        }
        let now = self.now();
        self.read(move |c| {
            Ok(PlatformCounts {
                resources_by_status: grouped(
                    c,
                    "SELECT status, COUNT(*) FROM resources GROUP BY status ORDER BY status",
                )?,
                resources_negative_listed: one(
                    c,
                    "SELECT COUNT(*) FROM resources WHERE negative_listed = 1",
                )?,
                orgs_by_kind: grouped(
                    c,
                    "SELECT kind, COUNT(*) FROM orgs GROUP BY kind ORDER BY kind",
                )?,
                systems: one(c, "SELECT COUNT(*) FROM systems")?,
                accounts: one(c, "SELECT COUNT(*) FROM accounts")?,
                accounts_disabled: one(c, "SELECT COUNT(*) FROM accounts WHERE disabled = 1")?,
                tokens_active: c
                    .query_one(
                        "SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL AND expires_at > $1",
                        params![now],
                    )?
                    .map(|r| r.int(0))
                    .transpose()?
                    .unwrap_or(0) as u64,
                negative_proposals_pending: one(
                    c,
                    "SELECT COUNT(*) FROM negative_proposals WHERE status = 'pending'",
                )?,
            })
        })
        .await
    }
}

/// Where the server's memory is, for the operator's monitoring and the soak: the resident
/// set, what SQLite's caches hold and the exchange's cache of served records. The caches are
/// bounded, so memory that grows with them levels off where the rest stays flat.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MemoryReport {
    /// The process's resident set (VmRSS), where the system tells it (Linux).
    pub rss_bytes: Option<u64>,
    /// SQLite's allocations now and at most since the start (page caches, statements);
    /// absent on PostgreSQL and unless the server counts them (`serve --count-sqlite-memory`).
    pub sqlite_bytes: Option<u64>,
    pub sqlite_peak_bytes: Option<u64>,
    pub served_records_bytes: u64,
    pub served_records_budget_bytes: u64,
}

/// VmRSS from `/proc/self/status`, in bytes.
fn resident_set_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

impl Store {
    /// The memory report; the operator and auditors only.
    pub fn memory_report(&self, p: &Principal) -> Result<MemoryReport> {
        p.require_authenticated()?;
        if !share::sees_everything(p) {
            return Err(DomainError::forbidden(
                "requires_platform_admin",
                "运行状态仅平台管理员和审计人员可见",
                "the server's state is for the operator and auditors",
            )
            .into());
        }
        let sqlite = (self.backend() == crate::db::Backend::Sqlite)
            .then(crate::db::sqlite_memory)
            .flatten();
        let (kept, budget) = crate::exchange::recent::kept_bytes();
        Ok(MemoryReport {
            rss_bytes: resident_set_bytes(),
            sqlite_bytes: sqlite.map(|s| s.0),
            sqlite_peak_bytes: sqlite.map(|s| s.1),
            served_records_bytes: kept as u64,
            served_records_budget_bytes: budget as u64,
        })
    }
}
