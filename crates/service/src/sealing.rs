//! The store and its audit log: turning the log on, the sealer's timer, and the auditor's
//! query, which joins what the log knows (entries, its subject index) to what the records
//! know (which downloads held a subject's records; ADR 0002).
use std::time::Duration;

use crate::audit::{AuditFilter, AuditKeys, AuditLog, AuditRecord};
use crate::catalog::Page;
use crate::{Result, Store};

/// The subject index is brought up to date every this many sealer ticks (5 s for `serve`). Its
/// rows go in random order, a page written per row or two; queries read the entries above its
/// mark directly, so a few seconds' lag costs them a short scan. (On SQLite it is in the audit
/// file: in the main file each of its commits emptied the exchange workers' page caches of the
/// records, and the p99 grew with the log; docs/bench-log/2026-12-03.md.)
const SUBJECTS_EVERY_TICKS: u64 = 5;

impl Store {
    /// The platform's audit log.
    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// Turns on the audit log with these keys (the sequencer state lives in this process).
    pub fn with_audit(self, keys: AuditKeys) -> Store {
        self.audit.set_keys(keys);
        self
    }

    /// Keeps audit tree levels from `level` up in memory instead of the default (tests use a
    /// low level so that small logs exercise the cache).
    #[cfg(feature = "testkit")]
    pub fn with_audit_cache_from_level(mut self, level: u32) -> Store {
        self.audit = self.audit.with_cache_from_level(level);
        self
    }

    /// Spans of `2^bits` entries in the subject index instead of the default (tests use
    /// small spans so that small logs have many).
    #[cfg(feature = "testkit")]
    pub fn with_subject_span_bits(mut self, bits: u32) -> Store {
        self.audit = self.audit.with_subject_span_bits(bits);
        self
    }

    /// Seals pending entries every `every` until the process ends, brings the subject index
    /// up to date every `SUBJECTS_EVERY_TICKS` of those, and moves the audit journal into the
    /// audit file on a timer of its own; failures are logged and retried (nothing is lost: the
    /// entries stay pending or journaled, the index's mark stays where it was).
    pub async fn run_audit_sealer(self, every: Duration) {
        tokio::spawn(self.audit.clone().run_spreader());
        let mut tick = tokio::time::interval(every);
        let mut ticks: u64 = 0;
        loop {
            tick.tick().await;
            if let Err(e) = self.audit.seal_pending().await {
                tracing::error!(error = %e, "sealing pending audit entries failed; will retry");
            }
            ticks += 1;
            if !ticks.is_multiple_of(SUBJECTS_EVERY_TICKS) {
                continue;
            }
            // Records collected without the subject secret get their subject here, ahead of
            // the first subject query that would otherwise wait for them.
            if let Err(e) = self.fill_record_subjects().await {
                tracing::error!(error = %e, "naming records' subjects failed; will retry");
            }
            loop {
                match self.audit.index_subjects().await {
                    Ok(more) if more => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::error!(error = %e, "indexing audit subjects failed; will retry");
                        break;
                    }
                }
            }
        }
    }

    /// Entries matching `f`, newest first, with the total. A subject is also named by the
    /// downloads whose snapshot held their records: every record's subject hash must be
    /// known first.
    pub async fn audit_entries(&self, f: AuditFilter) -> Result<Page<AuditRecord>> {
        let downloads = match f.subject.clone() {
            Some(subject) => {
                self.audit.spread().await?;
                self.fill_record_subjects().await?;
                let secret = self.audit.subject_secret()?;
                self.read(move |c| crate::subject_records::downloads_holding(c, &secret, &subject))
                    .await?
            }
            None => Vec::new(),
        };
        Ok(self.audit.entries(f, downloads).await?)
    }
}
