//! Connectors: per resource, where in the provider's own database its data is read from,
//! how (a table or a query; incrementally by an updated-at column, or as full snapshots) and
//! how often (from the resource's 更新周期 unless set). Reading is `shuqiao-ingest`'s; this
//! module keeps the configuration, the schedule and the watermark.
use serde::{Deserialize, Serialize};
use shuqiao_core::account::Principal;
use shuqiao_core::collect::{require_collector, require_data_viewer};
use shuqiao_core::error::Errors;
use shuqiao_core::{DomainError, FieldError};

use super::load_target;
use crate::db::Row;
use crate::{params, Result, Store};

/// What a steward configures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorConfig {
    /// `postgres://…` or `mysql://…` of the department's database.
    pub url: String,
    #[serde(default)]
    pub table: Option<String>,
    #[serde(default)]
    pub query: Option<String>,
    /// The last-modified column for incremental pulls; without it every pull is a full
    /// snapshot and keys that disappeared are deleted.
    #[serde(default)]
    pub updated_column: Option<String>,
    /// The department's information system the data belongs to.
    #[serde(default)]
    pub source_system: Option<String>,
    /// Minutes between pulls; by default derived from the 更新周期 (不定期: on demand only).
    #[serde(default)]
    pub interval_minutes: Option<i64>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// A connector as shown: the URL's password is never shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectorView {
    pub resource: String,
    pub url: String,
    pub table: Option<String>,
    pub query: Option<String>,
    pub updated_column: Option<String>,
    pub source_system: Option<String>,
    pub interval_minutes: Option<i64>,
    pub enabled: bool,
    pub watermark: Option<String>,
    pub next_run_at: Option<i64>,
    pub last_batch: Option<i64>,
    pub last_error: Option<String>,
}

/// A connector due to run, with its secret URL, for the runner only.
#[derive(Debug, Clone)]
pub struct DueConnector {
    pub resource: String,
    pub provider: String,
    pub config: ConnectorConfig,
    pub watermark: Option<String>,
}

/// `scheme://user:password@host/…` → `scheme://user:***@host/…`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rfind('@') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

const COLS: &str = "resource, url, table_name, query, updated_column, source_system, interval_ms, enabled, watermark, next_run_at, last_batch, last_error";

fn config_from_row(r: &Row) -> Result<ConnectorConfig> {
    Ok(ConnectorConfig {
        url: r.text(1)?,
        table: r.opt_text(2)?,
        query: r.opt_text(3)?,
        updated_column: r.opt_text(4)?,
        source_system: r.opt_text(5)?,
        interval_minutes: r.opt_int(6)?.map(|ms| ms / 60_000),
        enabled: r.bool(7)?,
    })
}

fn view_from_row(r: &Row) -> Result<ConnectorView> {
    let cfg = config_from_row(r)?;
    Ok(ConnectorView {
        resource: r.text(0)?,
        url: redact_url(&cfg.url),
        table: cfg.table,
        query: cfg.query,
        updated_column: cfg.updated_column,
        source_system: cfg.source_system,
        interval_minutes: cfg.interval_minutes,
        enabled: cfg.enabled,
        watermark: r.opt_text(8)?,
        next_run_at: r.opt_int(9)?,
        last_batch: r.opt_int(10)?,
        last_error: r.opt_text(11)?,
    })
}

/// Every problem of a connector's configuration at once, each naming its field (`url`,
/// `table`, `interval_minutes`), before anything is probed or saved.
pub fn validate(cfg: &ConnectorConfig) -> Result<()> {
    let mut errs = Errors::default();
    let url = cfg.url.trim();
    if !["postgres://", "postgresql://", "mysql://", "mariadb://"]
        .iter()
        .any(|s| url.starts_with(s))
    {
        errs.push(FieldError::new(
            "url",
            "invalid_url",
            "数据库地址应以 postgres:// 或 mysql:// 开头",
            "the database URL must start with postgres:// or mysql://",
        ));
    }
    let blank = |s: &Option<String>| s.as_deref().map(str::trim).unwrap_or("").is_empty();
    if blank(&cfg.table) == blank(&cfg.query) {
        errs.push(FieldError::new(
            "table",
            "table_or_query",
            "请给出表名或查询语句之一（不能都给，也不能都不给）",
            "give either a table or a query (exactly one)",
        ));
    }
    if let Some(m) = cfg.interval_minutes {
        if !(1..=527_040).contains(&m) {
            errs.push(FieldError::new(
                "interval_minutes",
                "out_of_range",
                "拉取间隔应在 1 分钟到 1 年之间",
                "the interval is 1 minute to 1 year",
            ));
        }
    }
    Ok(errs.into_result()?)
}

fn not_configured(resource: &str) -> crate::StoreError {
    DomainError::not_found(
        "connector_not_found",
        format!("资源 {resource} 没有配置数据库连接"),
        format!("resource {resource} has no database connector"),
    )
    .into()
}

impl Store {
    /// Creates or replaces a resource's connector (the provider's stewards). The first pull
    /// is due at once; a changed source starts again from no watermark.
    pub async fn set_connector(
        &self,
        p: Principal,
        resource: &str,
        cfg: ConnectorConfig,
    ) -> Result<ConnectorView> {
        let (resource, now) = (resource.to_string(), self.now());
        self.write(move |c| {
            let target = load_target(c, &resource)?;
            require_collector(&p, &target.meta.provider)?;
            validate(&cfg)?;
            let interval = cfg
                .interval_minutes
                .map(|m| m * 60_000)
                .or(target.meta.update_cycle.pull_every_ms());
            c.execute("DELETE FROM collect_connectors WHERE resource = $1", params![&resource])?;
            c.execute(
                "INSERT INTO collect_connectors (resource, url, table_name, query, updated_column, source_system, interval_ms, enabled, next_run_at, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                params![&resource, cfg.url.trim(), cfg.table.clone(), cfg.query.clone(), cfg.updated_column.clone(), cfg.source_system.clone(), interval, cfg.enabled, interval.map(|_| now), p.actor(), now],
            )?;
            let row = c
                .query_one(&format!("SELECT {COLS} FROM collect_connectors WHERE resource = $1"), params![&resource])?
                .ok_or_else(|| not_configured(&resource))?;
            view_from_row(&row)
        })
        .await
    }

    pub async fn get_connector(&self, p: Principal, resource: &str) -> Result<ConnectorView> {
        let resource = resource.to_string();
        self.read(move |c| {
            let target = load_target(c, &resource)?;
            require_data_viewer(&p, &target.meta.provider)?;
            let row = c
                .query_one(
                    &format!("SELECT {COLS} FROM collect_connectors WHERE resource = $1"),
                    params![&resource],
                )?
                .ok_or_else(|| not_configured(&resource))?;
            view_from_row(&row)
        })
        .await
    }

    pub async fn delete_connector(&self, p: Principal, resource: &str) -> Result<()> {
        let resource = resource.to_string();
        self.write(move |c| {
            let target = load_target(c, &resource)?;
            require_collector(&p, &target.meta.provider)?;
            if c.execute(
                "DELETE FROM collect_connectors WHERE resource = $1",
                params![&resource],
            )? == 0
            {
                return Err(not_configured(&resource));
            }
            Ok(())
        })
        .await
    }

    /// A connector for running now on demand (the provider's stewards and systems).
    pub async fn connector_for_run(&self, p: Principal, resource: &str) -> Result<DueConnector> {
        let resource = resource.to_string();
        self.read(move |c| {
            let target = load_target(c, &resource)?;
            require_collector(&p, &target.meta.provider)?;
            let row = c
                .query_one(
                    &format!("SELECT {COLS} FROM collect_connectors WHERE resource = $1"),
                    params![&resource],
                )?
                .ok_or_else(|| not_configured(&resource))?;
            Ok(DueConnector {
                resource,
                provider: target.meta.provider,
                config: config_from_row(&row)?,
                watermark: row.opt_text(8)?,
            })
        })
        .await
    }

    /// Enabled connectors whose next pull is due, each moved to its next slot now so two
    /// schedulers do not both run it.
    pub async fn take_due_connectors(&self) -> Result<Vec<DueConnector>> {
        let now = self.now();
        self.write(move |c| {
            let rows = c.query(
                &format!("SELECT {COLS} FROM collect_connectors WHERE enabled = 1 AND next_run_at IS NOT NULL AND next_run_at <= $1 ORDER BY next_run_at"),
                params![now],
            )?;
            let mut out = Vec::new();
            for r in rows {
                let resource = r.text(0)?;
                let interval = r.opt_int(6)?;
                c.execute(
                    "UPDATE collect_connectors SET next_run_at = $1 WHERE resource = $2",
                    params![interval.map(|i| now + i), &resource],
                )?;
                let Ok(target) = load_target(c, &resource) else {
                    continue;
                };
                out.push(DueConnector {
                    resource,
                    provider: target.meta.provider,
                    config: config_from_row(&r)?,
                    watermark: r.opt_text(8)?,
                });
            }
            Ok(out)
        })
        .await
    }

    /// Records why a pull did not produce a batch (unreachable database, bad query).
    pub async fn connector_failed(&self, resource: &str, error: &str) -> Result<()> {
        let (resource, error) = (resource.to_string(), error.to_string());
        self.write(move |c| {
            c.execute(
                "UPDATE collect_connectors SET last_error = $1 WHERE resource = $2",
                params![error, &resource],
            )?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact_url("postgres://etl:s3cret@db.gat:5432/ods"),
            "postgres://etl:***@db.gat:5432/ods"
        );
        assert_eq!(
            super::redact_url("mysql://root@127.0.0.1/test"),
            "mysql://root@127.0.0.1/test"
        );
    }
}
