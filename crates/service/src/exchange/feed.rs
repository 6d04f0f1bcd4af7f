//! Reading more than a key at a time: filtered queries with cursors, the change feed (sync),
//! and whole-resource downloads for the 库表/文件 sharing modes.
use serde::Serialize;
use shuqiao_core::catalog::ShareMode;
use shuqiao_core::exchange::{self, CallResult, Filter};
use shuqiao_core::DomainError;

use super::{only_fields, served, Credential, Data};
use crate::audit::Receipt;
use crate::db::{Backend, Conn, Value};
use crate::{from_json, Result, Store, StoreError};

/// A page of a filtered query: in key order, or in pseudonym order when the keys leave as
/// pseudonyms.
#[derive(Debug, Clone, Serialize)]
pub struct QueryPage {
    pub resource: String,
    pub grant: i64,
    pub fields: Vec<String>,
    pub items: Vec<(String, Data)>,
    /// Pass back as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    pub receipt: Receipt,
}

/// One change of the sync feed.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The version id: changes come in increasing order of it.
    pub seq: i64,
    /// The record's key, or the calling system's pseudonym of it when its grants may not
    /// read every key item in clear.
    pub key: String,
    /// `insert`, `update` or `delete`.
    pub op: String,
    /// Milliseconds since the epoch.
    pub at: i64,
    /// The granted fields after the change; `None` for a delete.
    pub record: Option<Data>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangePage {
    pub resource: String,
    pub grant: i64,
    pub fields: Vec<String>,
    pub changes: Vec<Change>,
    /// Where to resume: the `seq` of the last change given (the cursor asked when none).
    pub next_cursor: String,
    pub has_more: bool,
    pub receipt: Receipt,
}

/// An authorised, sealed download: only the store makes one, so only what a grant allows can
/// be read through it.
#[derive(Debug, Clone)]
pub struct DownloadPlan {
    resource: String,
    grant: i64,
    fields: Vec<String>,
    /// The last version id when the download was sealed: the change feed from here brings
    /// the consumer up to date with whatever changed while it downloaded.
    as_of: i64,
    total: i64,
    receipt: Receipt,
}

impl DownloadPlan {
    pub fn resource(&self) -> &str {
        &self.resource
    }
    pub fn grant(&self) -> i64 {
        self.grant
    }
    pub fn fields(&self) -> &[String] {
        &self.fields
    }
    pub fn as_of(&self) -> i64 {
        self.as_of
    }
    pub fn total(&self) -> i64 {
        self.total
    }
    pub fn receipt(&self) -> &Receipt {
        &self.receipt
    }
}

/// Rows per read of a download.
pub const DOWNLOAD_PAGE: usize = 2000;

/// The query parameters that are not filters.
const QUERY_PARAMS: [&str; 3] = ["fields", "limit", "cursor"];

fn field_list(raw: Option<&String>) -> Option<Vec<String>> {
    raw.map(|f| {
        f.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a String> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// The SQL text of one filter over `v.data`, with its parameters appended to `args`.
fn filter_sql(backend: Backend, f: &Filter, args: &mut Vec<Value>) -> String {
    args.push(Value::Text(match backend {
        Backend::Sqlite => format!("$.\"{}\"", f.field),
        Backend::Postgres => f.field.clone(),
    }));
    let path = args.len();
    args.push(Value::Text(f.value.clone()));
    let value = args.len();
    let extracted = match backend {
        Backend::Sqlite => format!("json_extract(v.data, ${path})"),
        Backend::Postgres => format!("(v.data::jsonb ->> CAST(${path} AS TEXT))"),
    };
    if f.numeric {
        let kind = match backend {
            Backend::Sqlite => "REAL",
            Backend::Postgres => "NUMERIC",
        };
        format!(
            "CAST(NULLIF({extracted}, '') AS {kind}) {} CAST(CAST(${value} AS TEXT) AS {kind})",
            f.op.sql()
        )
    } else {
        format!("{extracted} {} CAST(${value} AS TEXT)", f.op.sql())
    }
}

fn data_of(v: &Value) -> Result<Option<Data>> {
    match v {
        Value::Text(t) => Ok(Some(from_json::<Data>(t)?)),
        _ => Ok(None),
    }
}

/// Current live records after `after` in key order, matching every filter.
fn read_page(
    c: &mut dyn Conn,
    resource: &str,
    filters: &[Filter],
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<(String, Data)>> {
    read_page_as_of(c, resource, filters, after, None, limit)
}

/// `read_page`; with `as_of`, only the records whose current version is no later (a
/// download's snapshot: what changed since comes through the change feed from `as_of`, and
/// is named there).
fn read_page_as_of(
    c: &mut dyn Conn,
    resource: &str,
    filters: &[Filter],
    after: Option<&str>,
    as_of: Option<i64>,
    limit: usize,
) -> Result<Vec<(String, Data)>> {
    let backend = c.backend();
    let mut args = vec![
        Value::Text(resource.to_string()),
        Value::Text(after.unwrap_or("").to_string()),
    ];
    let mut sql = String::from(
        "SELECT r.record_key, v.data FROM records r JOIN record_versions v ON v.id = r.version
         WHERE r.resource = $1 AND r.live = 1 AND r.record_key > $2",
    );
    if let Some(as_of) = as_of {
        args.push(Value::Int(as_of));
        sql.push_str(&format!(" AND r.version <= ${}", args.len()));
    }
    for f in filters {
        sql.push_str(" AND ");
        sql.push_str(&filter_sql(backend, f, &mut args));
    }
    args.push(Value::Int(limit as i64));
    sql.push_str(&format!(" ORDER BY r.record_key LIMIT ${}", args.len()));
    let mut out = Vec::new();
    for r in c.query(&sql, &args)? {
        if let Some(d) = data_of(&r.0[1])? {
            out.push((r.text(0)?, d));
        }
    }
    Ok(out)
}

fn download_not_offered(code: &str) -> StoreError {
    DomainError::forbidden(
        "download_not_offered",
        format!("资源 {code} 的共享方式不含库表或文件，只能按接口逐条调用"),
        format!("resource {code} is not shared as a table or file (库表/文件): use the record API"),
    )
    .into()
}

impl Store {
    /// A filtered query (`FIELD=v`, `FIELD.gte=v`, …) over the current records, in key order,
    /// a page at a time. Filters and returned fields are limited to the clear granted fields;
    /// keys the grant may not read in clear leave as pseudonyms (a pseudonymised page is in
    /// pseudonym order, so that not even the order of the hidden keys shows within it), and
    /// the cursor is sealed to the calling system and the resource.
    pub async fn exchange_query(
        &self,
        cred: &Credential,
        resource: &str,
        params: Vec<(String, String)>,
    ) -> Result<QueryPage> {
        let action = "exchange.query";
        let today = self.today()?;
        let shield = self.key_shield()?;
        // Opened here, checked against the caller once it is known (below); a cursor that
        // does not open is refused after authorisation, like any other bad parameter.
        let cursor = param(&params, "cursor").map(|c| shield.open_cursor(resource, c));
        let asked = cursor.clone();
        let (a, (fields, items, limit)) = match self
            .authorise(cred, resource, true, move |conn, t, uses| {
                let filters: Vec<(String, String)> = params
                    .iter()
                    .filter(|(k, _)| !QUERY_PARAMS.contains(&k.as_str()))
                    .cloned()
                    .collect();
                let filters = exchange::parse_filters(&t.meta, uses, &filters, today)?;
                let fields = exchange::fields_for_lookup(
                    &t.meta,
                    uses,
                    field_list(param(&params, "fields")).as_deref(),
                )?;
                let limit = exchange::page_limit(
                    param(&params, "limit").map(String::as_str),
                    exchange::QUERY_DEFAULT_LIMIT,
                    exchange::QUERY_MAX_LIMIT,
                )?;
                let after = asked.transpose()?;
                let after = after.as_ref().map(|c| c.key());
                // One more than the page tells whether there is a next page.
                let rows = read_page(conn, &t.code, &filters, after, limit + 1)?;
                Ok((fields, rows, limit))
            })
            .await
        {
            Ok(v) => v,
            Err(r) => return self.refuse(r, action, resource).await,
        };
        if let Some(Ok(c)) = &cursor {
            if let Err(e) = c.check_system(a.system()) {
                return self.refuse_after(&a, action, e).await;
            }
        }
        let outgoing = match self.outgoing_keys(&a) {
            Ok(o) => o,
            Err(e) => return self.refuse_after(&a, action, e).await,
        };
        let mut items = items;
        let more = items.len() > limit;
        items.truncate(limit);
        let keys: Vec<String> = items.iter().map(|(k, _)| k.clone()).collect();
        let receipt = self
            .seal_ok(&a, action, served(items.len(), None), &keys)
            .await?;
        let next_cursor = more
            .then(|| {
                keys.last()
                    .map(|k| shield.seal_cursor(a.system(), resource, k))
            })
            .flatten();
        let mut items: Vec<(String, Data)> = items
            .into_iter()
            .map(|(k, d)| (outgoing.show(k), only_fields(d, &fields)))
            .collect();
        if outgoing.pseudonymised() {
            items.sort_by(|x, y| x.0.cmp(&y.0));
        }
        Ok(QueryPage {
            resource: resource.to_string(),
            grant: a.grant.id,
            items,
            fields,
            next_cursor,
            receipt,
        })
    }

    /// The change feed: every change of `resource` after `since` (a version id), in order,
    /// deletions included. With `wait_secs`, waits up to that long for a first change (long
    /// poll), re-checking the grant each time it looks.
    pub async fn exchange_changes(
        &self,
        cred: &Credential,
        resource: &str,
        since: Option<&str>,
        limit: Option<&str>,
        wait_secs: Option<&str>,
    ) -> Result<ChangePage> {
        let action = "exchange.changes";
        let parsed = exchange::parse_change_cursor(since).and_then(|since| {
            let limit = exchange::page_limit(
                limit,
                exchange::CHANGES_MAX_LIMIT,
                exchange::CHANGES_MAX_LIMIT,
            )?;
            let wait = match wait_secs.map(str::trim) {
                None | Some("") => 0,
                Some(w) => w
                    .parse::<u64>()
                    .ok()
                    .filter(|w| *w <= exchange::MAX_WAIT_SECS)
                    .ok_or_else(|| {
                        DomainError::one(shuqiao_core::FieldError::new(
                            "wait",
                            "invalid_wait",
                            format!("wait 应为 0 至 {} 秒", exchange::MAX_WAIT_SECS),
                            format!("wait must be 0 to {} seconds", exchange::MAX_WAIT_SECS),
                        ))
                    })?,
            };
            Ok((since, limit, wait))
        });
        let started = std::time::Instant::now();
        let mut first = true;
        loop {
            // Registered before the read, so a batch applied during it still wakes us.
            let woken = self.exchange.changed.notified();
            let asked = parsed.clone();
            let (a, rows) = match self
                .authorise(cred, resource, first, move |conn, t, uses| {
                    let (since, limit, _) = asked?;
                    let fields = exchange::fields_for_lookup(&t.meta, uses, None)?;
                    let rows = read_changes(conn, &t.code, since, limit + 1)?;
                    Ok((fields, rows))
                })
                .await
            {
                Ok(v) => v,
                Err(r) => return self.refuse(r, action, resource).await,
            };
            first = false;
            let (since, limit, wait) = parsed.clone().map_err(StoreError::from)?;
            let waited = started.elapsed();
            let budget = std::time::Duration::from_secs(wait);
            if rows.1.is_empty() && waited < budget {
                // Another replica's batches do not wake this process: look again each second.
                let nap = (budget - waited).min(std::time::Duration::from_secs(1));
                drop(a);
                let _ = tokio::time::timeout(nap, woken).await;
                continue;
            }
            let (fields, mut changes) = rows;
            let has_more = changes.len() > limit;
            changes.truncate(limit);
            let outgoing = match self.outgoing_keys(&a) {
                Ok(o) => o,
                Err(e) => return self.refuse_after(&a, action, e).await,
            };
            let keys: Vec<String> = changes.iter().map(|c| c.key.clone()).collect();
            let receipt = self
                .seal_ok(&a, action, served(changes.len(), None), &keys)
                .await?;
            let next_cursor = changes.last().map(|c| c.seq).unwrap_or(since).to_string();
            for ch in &mut changes {
                ch.key = outgoing.show(std::mem::take(&mut ch.key));
                ch.record = ch.record.take().map(|d| only_fields(d, &fields));
            }
            return Ok(ChangePage {
                resource: resource.to_string(),
                grant: a.grant.id,
                fields,
                changes,
                next_cursor,
                has_more,
                receipt,
            });
        }
    }

    /// Authorises and seals the download of a whole resource (库表/文件 modes only); the rows
    /// then come a page at a time from [`Store::download_page`]. The entry names the snapshot
    /// the download serves (the resource at `as_of`), and through it every data subject live
    /// in it (see `subject_records`): sealing costs the same whatever the resource's size.
    pub async fn exchange_download(
        &self,
        cred: &Credential,
        resource: &str,
        fields: Option<Vec<String>>,
    ) -> Result<DownloadPlan> {
        let action = "exchange.download";
        let (a, (fields, as_of, total)) = match self
            .authorise(cred, resource, true, move |conn, t, uses| {
                let modes = &t.meta.share_modes;
                if !modes.contains(&ShareMode::Database) && !modes.contains(&ShareMode::File) {
                    return Err(download_not_offered(&t.code));
                }
                let fields = exchange::fields_for_lookup(&t.meta, uses, fields.as_deref())?;
                // Both from an index seek or a counter, not a count of the rows.
                let r = conn.query_one(
                    "SELECT (SELECT COALESCE(MAX(id), 0) FROM record_versions WHERE resource = $1),
                            (SELECT COALESCE(MAX(records), 0) FROM resource_data WHERE code = $1)",
                    crate::params![&t.code],
                )?;
                let (as_of, total) = match r {
                    Some(r) => (r.int(0)?, r.int(1)?),
                    None => (0, 0),
                };
                Ok((fields, as_of, total))
            })
            .await
        {
            Ok(v) => v,
            Err(r) => return self.refuse(r, action, resource).await,
        };
        let receipt = self
            .seal_ok(
                &a,
                action,
                CallResult::Download {
                    total: total as u64,
                    as_of: Some(as_of as u64),
                },
                &[],
            )
            .await?;
        Ok(DownloadPlan {
            resource: resource.to_string(),
            grant: a.grant.id,
            fields,
            as_of,
            total,
            receipt,
        })
    }

    /// The next page of a download after key `after`, limited to the plan's fields: the live
    /// records whose current version is the snapshot's (`DownloadPlan::as_of`) or older. Pages
    /// are read as they are sent; what changed after `as_of` comes through the change feed.
    pub async fn download_page(
        &self,
        plan: &DownloadPlan,
        after: Option<String>,
    ) -> Result<Vec<(String, Data)>> {
        let (code, fields, as_of) = (plan.resource.clone(), plan.fields.clone(), plan.as_of);
        self.read(move |conn| {
            let rows = read_page_as_of(
                conn,
                &code,
                &[],
                after.as_deref(),
                Some(as_of),
                DOWNLOAD_PAGE,
            )?;
            Ok(rows
                .into_iter()
                .map(|(k, d)| (k, only_fields(d, &fields)))
                .collect())
        })
        .await
    }

    /// Wakes long-polling change feeds of this process (a batch has applied).
    pub(crate) fn signal_changes(&self) {
        self.exchange.changed.notify_waiters();
    }
}

fn read_changes(c: &mut dyn Conn, resource: &str, since: i64, limit: usize) -> Result<Vec<Change>> {
    let rows = c.query(
        "SELECT id, record_key, op, at, data FROM record_versions
         WHERE resource = $1 AND id > $2 ORDER BY id LIMIT $3",
        crate::params![resource, since, limit as i64],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Change {
                seq: r.int(0)?,
                key: r.text(1)?,
                op: r.text(2)?,
                at: r.int(3)?,
                record: data_of(&r.0[4])?,
            })
        })
        .collect()
}
