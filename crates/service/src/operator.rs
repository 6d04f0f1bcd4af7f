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
