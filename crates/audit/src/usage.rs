//! The exchange's usage counters (`exchange_usage`), kept with the log: each batch's counts
//! (`shuqiao_core::exchange::usage`) commit with its entries — on SQLite when the spreader
//! moves the batch from the journal, whose batches not yet moved are counted from the journal.
use std::sync::Arc;

use serde::Serialize;
use shuqiao_core::exchange::usage::UsageCounts;
use shuqiao_db::{params, Backend, Conn};

use crate::{Journal, Result};

/// One line of the usage counters.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Usage {
    pub day: String,
    pub system: String,
    pub resource: String,
    /// The grant the calls were made under; `None` for refusals with no grant in force.
    pub grant: Option<i64>,
    pub calls: i64,
    pub records: i64,
    pub refused: i64,
}

/// Adds a batch's counts, inside the transaction that stores the batch.
pub(crate) fn record(c: &mut dyn Conn, counts: UsageCounts) -> Result<()> {
    for (line, n) in counts {
        c.execute(
            "INSERT INTO exchange_usage (day, system, resource, grant_id, calls, records, refused)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (day, system, resource, grant_id) DO UPDATE SET
               calls = exchange_usage.calls + excluded.calls,
               records = exchange_usage.records + excluded.records,
               refused = exchange_usage.refused + excluded.refused",
            params![
                &line.day,
                &line.system,
                &line.resource,
                line.grant,
                n.calls,
                n.records,
                n.refused
            ],
        )?;
    }
    Ok(())
}

/// Usage lines, newest day first, for one system or (None) all.
pub fn read_usage(c: &mut dyn Conn, system: Option<&str>, since_day: &str) -> Result<Vec<Usage>> {
    let rows = c.query(
        "SELECT day, system, resource, grant_id, calls, records, refused FROM exchange_usage
         WHERE day >= $1 AND ($2 = '' OR system = $2)
         ORDER BY day DESC, system, resource, grant_id",
        params![since_day, system.unwrap_or("")],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Usage {
                day: r.text(0)?,
                system: r.text(1)?,
                resource: r.text(2)?,
                grant: Some(r.int(3)?).filter(|g| *g != 0),
                calls: r.int(4)?,
                records: r.int(5)?,
                refused: r.int(6)?,
            })
        })
        .collect()
}

/// Reads a grant's sealed calls of a day: cheap to clone into a read's closure.
#[derive(Clone)]
pub struct UsageReader {
    pub(crate) journal: Option<Arc<Journal>>,
}

impl UsageReader {
    /// Calls of `grant` sealed on China day `day`: the journal's batches the audit file's head
    /// has not passed, then the counters. The journal is read first: a batch leaves the
    /// journal's list only after the audit file has committed it, so every batch is counted
    /// on one side or the other.
    pub fn calls_on(&self, c: &mut dyn Conn, grant: i64, day: &str) -> Result<i64> {
        let journaled = match (c.backend(), &self.journal) {
            (Backend::Sqlite, Some(j)) => j.calls(grant, day)?,
            _ => Vec::new(),
        };
        let in_journal: i64 = match journaled.is_empty() {
            true => 0,
            false => {
                let head = c
                    .query_one("SELECT size FROM audit_head WHERE id = 1", &[])?
                    .map(|r| r.int(0))
                    .transpose()?
                    .unwrap_or(0) as u64;
                journaled
                    .iter()
                    .filter(|(size, _)| *size > head)
                    .map(|(_, n)| n)
                    .sum()
            }
        };
        let r = c.query_one(
            "SELECT CAST(COALESCE(SUM(calls), 0) AS BIGINT) FROM exchange_usage WHERE grant_id = $1 AND day = $2",
            params![grant, day],
        )?;
        Ok(in_journal
            + match r {
                Some(r) => r.int(0)?,
                None => 0,
            })
    }
}
