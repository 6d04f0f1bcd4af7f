//! The portal's copy of released data. A pass reads, for each released dataset, the record
//! versions committed after the copy's mark, in id order (versions of one resource commit in
//! that order, so nothing is skipped), and writes their public items only: the row's JSON and
//! one exact-value cell per filterable item. When a new version of a resource changes which
//! items are public, its copy is rebuilt from the start.
use std::collections::BTreeMap;

use shuqiao_core::catalog::ResourceMeta;
use shuqiao_core::open;

use crate::db::Conn;
use crate::{from_json, params, Result, Store};

/// Record versions copied per transaction: short enough to keep writers waiting briefly.
const CHUNK: i64 = 2000;

/// The public part of a resource's layout.
struct PublicItems {
    /// Every public item code, in code order (the copy's JSON keys).
    codes: Vec<String>,
    /// The filterable ones.
    filterable: Vec<String>,
}

impl PublicItems {
    fn of(meta: &ResourceMeta) -> PublicItems {
        let items = open::public_items(meta);
        let mut codes: Vec<String> = items.iter().map(|i| i.code.clone()).collect();
        codes.sort();
        let mut filterable: Vec<String> = items
            .iter()
            .filter(|i| open::is_filterable(i))
            .map(|i| i.code.clone())
            .collect();
        filterable.sort();
        PublicItems { codes, filterable }
    }

    /// What the copy records as its items: a change means a rebuild.
    fn signature(&self) -> String {
        format!("{}|{}", self.codes.join(","), self.filterable.join(","))
    }

    /// The public values of a stored record.
    fn project(&self, data: &str) -> BTreeMap<String, String> {
        let all: BTreeMap<String, String> = serde_json::from_str(data).unwrap_or_default();
        all.into_iter()
            .filter(|(k, _)| self.codes.binary_search(k).is_ok())
            .collect()
    }
}

struct Target {
    code: String,
    ds: i64,
    items: String,
    synced_to: i64,
    meta: ResourceMeta,
}

fn targets(c: &mut dyn Conn) -> Result<Vec<Target>> {
    let rows = c.query(
        "SELECT rl.code, rl.ds, rl.items, rl.synced_to, v.meta FROM open_releases rl
         JOIN resources r ON r.code = rl.code
         JOIN resource_versions v ON v.code = r.code AND v.version = r.published_version
         WHERE rl.state = 'released' AND r.status = 'published'
         ORDER BY rl.ds",
        &[],
    )?;
    let mut out = Vec::new();
    for r in rows {
        out.push(Target {
            code: r.text(0)?,
            ds: r.int(1)?,
            items: r.text(2)?,
            synced_to: r.int(3)?,
            meta: from_json(&r.text(4)?)?,
        });
    }
    Ok(out)
}

fn delete_cells(
    c: &mut dyn Conn,
    ds: i64,
    id: i64,
    filterable: &[String],
    old: &str,
) -> Result<()> {
    let old: BTreeMap<String, String> = serde_json::from_str(old).unwrap_or_default();
    for f in filterable {
        if let Some(v) = old.get(f) {
            c.execute(
                "DELETE FROM open_cells WHERE ds = $1 AND field = $2 AND value = $3 AND row_id = $4",
                params![ds, f, v, id],
            )?;
        }
    }
    Ok(())
}

fn insert_cells(
    c: &mut dyn Conn,
    ds: i64,
    id: i64,
    filterable: &[String],
    values: &BTreeMap<String, String>,
) -> Result<()> {
    for f in filterable {
        if let Some(v) = values.get(f) {
            if v.chars().count() <= open::MAX_FILTER_VALUE {
                c.execute(
                    "INSERT INTO open_cells (ds, field, value, row_id) VALUES ($1, $2, $3, $4)",
                    params![ds, f, v, id],
                )?;
            }
        }
    }
    Ok(())
}

/// Applies one record version to the copy; returns the change in its row count.
fn apply_version(
    c: &mut dyn Conn,
    t: &Target,
    p: &PublicItems,
    key: &str,
    data: Option<&str>,
    fresh: bool,
) -> Result<i64> {
    let existing = if fresh {
        None
    } else {
        c.query_one(
            "SELECT id, data FROM open_rows WHERE ds = $1 AND record_key = $2",
            params![t.ds, key],
        )?
        .map(|r| Ok::<_, crate::StoreError>((r.int(0)?, r.text(1)?)))
        .transpose()?
    };
    match (data, existing) {
        (None, None) => Ok(0),
        (None, Some((id, old))) => {
            delete_cells(c, t.ds, id, &p.filterable, &old)?;
            c.execute("DELETE FROM open_rows WHERE id = $1", params![id])?;
            Ok(-1)
        }
        (Some(d), existing) => {
            let values = p.project(d);
            let json = serde_json::to_string(&values).unwrap_or_else(|_| "{}".into());
            match existing {
                Some((id, old)) => {
                    if old == json {
                        return Ok(0);
                    }
                    delete_cells(c, t.ds, id, &p.filterable, &old)?;
                    c.execute(
                        "UPDATE open_rows SET data = $1 WHERE id = $2",
                        params![&json, id],
                    )?;
                    insert_cells(c, t.ds, id, &p.filterable, &values)?;
                    Ok(0)
                }
                None => {
                    let id = c
                        .query_one(
                            "INSERT INTO open_rows (ds, record_key, data) VALUES ($1, $2, $3) RETURNING id",
                            params![t.ds, key, &json],
                        )?
                        .map(|r| r.int(0))
                        .transpose()?
                        .unwrap_or(0);
                    insert_cells(c, t.ds, id, &p.filterable, &values)?;
                    Ok(1)
                }
            }
        }
    }
}

/// One chunk of one dataset; returns whether more may wait.
fn sync_chunk(c: &mut dyn Conn, code: &str, now: i64) -> Result<bool> {
    let Some(t) = targets(c)?.into_iter().find(|t| t.code == code) else {
        return Ok(false);
    };
    let p = PublicItems::of(&t.meta);
    let mut synced_to = t.synced_to;
    if t.items != p.signature() {
        c.execute("DELETE FROM open_cells WHERE ds = $1", params![t.ds])?;
        c.execute("DELETE FROM open_rows WHERE ds = $1", params![t.ds])?;
        c.execute(
            "UPDATE open_releases SET items = $1, rows = 0, synced_to = 0, modified_at = $2 WHERE code = $3",
            params![p.signature(), now, code],
        )?;
        synced_to = 0;
    }
    let versions = c.query(
        "SELECT id, record_key, data FROM record_versions WHERE resource = $1 AND id > $2
         ORDER BY id LIMIT $3",
        params![code, synced_to, CHUNK],
    )?;
    if versions.is_empty() {
        if t.items != p.signature() {
            crate::index::mark_changed(c, code)?;
        }
        return Ok(false);
    }
    // A copy that starts empty only inserts: no lookups for rows that cannot exist yet.
    let fresh = synced_to == 0;
    let mut delta = 0;
    let mut last = synced_to;
    let mut seen = std::collections::HashSet::new();
    for v in &versions {
        last = v.int(0)?;
        let key = v.text(1)?;
        // A key seen twice in one fresh chunk must be looked up the second time.
        let first = seen.insert(key.clone());
        delta += apply_version(c, &t, &p, &key, v.opt_text(2)?.as_deref(), fresh && first)?;
    }
    c.execute(
        "UPDATE open_releases SET synced_to = $1, rows = rows + $2, modified_at = $3 WHERE code = $4",
        params![last, delta, now, code],
    )?;
    crate::index::mark_changed(c, code)?;
    Ok(versions.len() as i64 == CHUNK)
}

impl Store {
    /// Brings the portal's copy of every released dataset up to date; returns the record
    /// versions read. Safe to run from several servers: each chunk is one transaction that
    /// re-reads the mark it starts from.
    pub async fn sync_open_data(&self) -> Result<u64> {
        let work = self
            .read(|c| {
                let mut out = Vec::new();
                for t in targets(c)? {
                    let p = PublicItems::of(&t.meta);
                    let newest = c
                        .query_one(
                            "SELECT COALESCE(MAX(id), 0) FROM record_versions WHERE resource = $1",
                            params![&t.code],
                        )?
                        .map(|r| r.int(0))
                        .transpose()?
                        .unwrap_or(0);
                    if newest > t.synced_to || t.items != p.signature() {
                        out.push(t.code);
                    }
                }
                Ok(out)
            })
            .await?;
        let mut chunks = 0u64;
        for code in work {
            loop {
                let now = self.now();
                let code2 = code.clone();
                let more = self.write(move |c| sync_chunk(c, &code2, now)).await?;
                chunks += 1;
                if !more {
                    break;
                }
            }
        }
        Ok(chunks)
    }

    /// Keeps the portal's copy current, every `every`.
    pub async fn run_open_sync(self, every: std::time::Duration) {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = self.sync_open_data().await {
                tracing::error!(error = %e, "updating the open-data copy failed; will retry");
            }
        }
    }
}
