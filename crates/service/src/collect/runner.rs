//! Pulling from department databases: on demand and on each connector's schedule. Reading is
//! `shuqiao-ingest`'s, applying the batch collection's; this joins them.
use std::time::Duration;

use shuqiao_core::account::Principal;
use shuqiao_core::collect::source::SourceError;
use shuqiao_core::collect::BatchMode;
use shuqiao_ingest::pull::{open_pull, probe_columns, redact_url, PullSpec};

use super::connectors::{ConnectorConfig, DueConnector};
use super::{BatchReport, BatchRequest, Channel};
use crate::{Store, StoreError};

/// Why a pull did not apply.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// The department's database could not be read: the steward's to fix.
    #[error("{}", .0.en)]
    Source(SourceError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PullError {
    /// What kind of failure, for the log (never a message: it may quote the source).
    pub fn code(&self) -> &'static str {
        match self {
            PullError::Source(e) => e.reason,
            PullError::Store(StoreError::Domain(_)) => "refused",
            PullError::Store(_) => "internal",
        }
    }
}

fn task_failed(e: tokio::task::JoinError) -> PullError {
    PullError::Store(StoreError::Task(e.to_string()))
}

fn spec(cfg: &ConnectorConfig, watermark: Option<String>) -> PullSpec {
    PullSpec {
        url: cfg.url.clone(),
        table: cfg.table.clone().filter(|t| !t.trim().is_empty()),
        query: cfg.query.clone().filter(|q| !q.trim().is_empty()),
        updated_column: cfg.updated_column.clone().filter(|c| !c.trim().is_empty()),
        watermark,
    }
}

/// Checks a connector before it is saved: the database answers and the table or query
/// yields columns.
pub async fn check_connector(cfg: &ConnectorConfig) -> Result<Vec<String>, PullError> {
    let spec = spec(cfg, None);
    tokio::task::spawn_blocking(move || probe_columns(&spec))
        .await
        .map_err(task_failed)?
        .map_err(PullError::Source)
}

/// Pulls once: a snapshot (keys that disappeared are deleted) or, with an updated-at column,
/// the rows changed since the stored watermark. The batch and the new watermark commit
/// together.
pub async fn run(store: &Store, due: DueConnector) -> Result<BatchReport, PullError> {
    run_watched(store, due, None).await
}

/// [`run`], telling `started` the batch's id once the source answered and the batch is
/// recorded as running.
pub async fn run_watched(
    store: &Store,
    due: DueConnector,
    started: Option<tokio::sync::oneshot::Sender<i64>>,
) -> Result<BatchReport, PullError> {
    let cfg = due.config.clone();
    let spec = spec(&cfg, due.watermark.clone());
    let opened = tokio::task::spawn_blocking(move || open_pull(&spec))
        .await
        .map_err(task_failed)?;
    let source = match opened {
        Ok(s) => s,
        Err(e) => {
            let _ = store.connector_failed(&due.resource, &e.en).await;
            return Err(PullError::Source(e));
        }
    };
    let mut req = BatchRequest::new(&due.resource, Channel::Pull, &redact_url(&cfg.url));
    req.source_system = cfg.source_system.clone();
    req.mode = if spec_is_incremental(&cfg) {
        BatchMode::Upsert
    } else {
        BatchMode::Snapshot
    };
    req.policy = shuqiao_core::collect::BatchPolicy::AcceptValid;
    req.from_connector = true;
    let actor = Principal::System {
        system: cfg
            .source_system
            .clone()
            .unwrap_or_else(|| "connector".into()),
        org: due.provider.clone(),
        token_id: 0,
    };
    let report = store
        .collect_batch_watched(actor, req, source, None, started)
        .await;
    if let Err(e) = &report {
        let _ = store.connector_failed(&due.resource, &e.to_string()).await;
    }
    Ok(report?)
}

fn spec_is_incremental(cfg: &ConnectorConfig) -> bool {
    cfg.updated_column
        .as_deref()
        .is_some_and(|c| !c.trim().is_empty())
}

/// The scheduler `serve` runs: every `every`, each due connector pulls once. Pulls are
/// sequential so one slow department database cannot starve the platform's writers.
pub async fn run_scheduler(store: Store, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let due = match store.take_due_connectors().await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read due connectors");
                continue;
            }
        };
        for d in due {
            let resource = d.resource.clone();
            match run(&store, d).await {
                Ok(r) => tracing::info!(
                    resource,
                    batch = r.id,
                    status = r.status,
                    inserted = r.inserted,
                    updated = r.updated,
                    deleted = r.deleted,
                    rejected = r.rejected,
                    "pulled"
                ),
                Err(e) => tracing::warn!(resource, code = e.code(), "pull failed"),
            }
        }
    }
}
