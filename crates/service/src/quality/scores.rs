//! Quality scores (core::quality::score): each resource's computed from its live records,
//! its collection batches and its freshness, stored each time so the trend shows; a
//! department's is the mean of its resources'. Recomputed when the data or the rules change,
//! and once a day for freshness.
use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::catalog::ResourceMeta;
use shuqiao_core::collect::Timeliness;
use shuqiao_core::quality::score::{self, Components, Rule, Tally};
use shuqiao_core::share::calendar::china_day;
use shuqiao_core::DomainError;

use crate::catalog::shareable;
use crate::db::Conn;
use crate::share::events::{emit, Actor, Event};
use crate::{from_json, params, to_json, Result, Store};

/// Records read per page while scoring: bounded memory whatever the resource's size.
const PAGE: i64 = 20_000;

/// One computation of one resource's score.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ResourceScore {
    pub resource: String,
    pub provider: String,
    pub computed_at: i64,
    pub records: i64,
    pub components: Components,
    pub score: Option<f64>,
}

/// A department's score: the mean of its resources' latest.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DepartmentScore {
    pub org: String,
    pub resources: usize,
    pub score: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scores {
    pub resources: Vec<ResourceScore>,
    /// Best first: the ranking.
    pub departments: Vec<DepartmentScore>,
}

fn score_from(r: &crate::db::Row) -> Result<ResourceScore> {
    Ok(ResourceScore {
        resource: r.text(0)?,
        provider: r.text(1)?,
        computed_at: r.int(2)?,
        records: r.int(3)?,
        components: from_json(&r.text(4)?)?,
        score: r.opt_int(5)?.map(|t| t as f64 / 10.0),
    })
}

const COLS: &str = "resource, provider, computed_at, records, components, score_tenths";

fn rules_of(c: &mut dyn Conn, code: &str) -> Result<(Vec<Rule>, i64)> {
    Ok(
        match c.query_one(
            "SELECT rules, set_at FROM quality_rules WHERE resource = $1",
            params![code],
        )? {
            Some(r) => (from_json(&r.text(0)?)?, r.int(1)?),
            None => (Vec::new(), 0),
        },
    )
}

/// What a score is computed from; a new one is due when it changes.
fn mark_of(updated_at: i64, rules_at: i64, now: i64) -> String {
    format!("{updated_at}:{rules_at}:{}", china_day(now))
}

/// Reads every live record of `code` a page at a time into the tally. Reading is most of
/// the cost, so the pages are parsed and counted on a second thread while the next page is
/// read (1,000,000 records: 5.1 s read and parsed in turn, 4.2 s overlapped; BENCHMARKS.md).
fn tally_records(c: &mut dyn Conn, code: &str, tally: &mut Tally) -> Result<()> {
    let (pages, receive) = std::sync::mpsc::sync_channel::<Vec<crate::db::Row>>(2);
    std::thread::scope(|scope| {
        let counter = scope.spawn(|| -> Result<()> {
            for rows in receive {
                for r in &rows {
                    count_record(tally, r.opt_text(1)?.as_deref())?;
                }
            }
            Ok(())
        });
        let read = read_pages(c, code, &pages);
        drop(pages);
        let counted = counter.join().unwrap_or_else(|_| {
            Err(crate::db::DbError::Other("the scorer's thread panicked".into()).into())
        });
        read.and(counted)
    })
}

/// Sends the live records of `code` in key order, a page at a time, until the receiver
/// stops or the records end.
fn read_pages(
    c: &mut dyn Conn,
    code: &str,
    pages: &std::sync::mpsc::SyncSender<Vec<crate::db::Row>>,
) -> Result<()> {
    let mut after = String::new();
    loop {
        let rows = c.query(
            "SELECT r.record_key, v.data FROM records r JOIN record_versions v ON v.id = r.version
             WHERE r.resource = $1 AND r.live = 1 AND r.record_key > $2 ORDER BY r.record_key LIMIT $3",
            params![code, &after, PAGE],
        )?;
        let more = rows.len() as i64 == PAGE;
        if let (true, Some(last)) = (more, rows.last()) {
            after = last.text(0)?;
        }
        if pages.send(rows).is_err() || !more {
            return Ok(());
        }
    }
}

/// Adds one record's data (JSON text) to the tally.
fn count_record(tally: &mut Tally, data: Option<&str>) -> Result<()> {
    let data: serde_json::Map<String, serde_json::Value> = from_json(data.unwrap_or("{}"))?;
    tally.add(|item| match data.get(item) {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(serde_json::Value::Null) | Some(serde_json::Value::String(_)) | None => None,
        Some(other) => Some(other.to_string()),
    });
    Ok(())
}

/// Rows read, rows rejected and rows refused as a second row for a key, over every
/// finished batch of `code`.
fn batch_counts(c: &mut dyn Conn, code: &str) -> Result<(u64, u64, u64)> {
    let r = c.query_one(
        "SELECT CAST(COALESCE(SUM(rows_read), 0) AS BIGINT), CAST(COALESCE(SUM(rejected), 0) AS BIGINT) FROM collect_batches
         WHERE resource = $1 AND status IN ('applied', 'rejected')",
        params![code],
    )?;
    let (read, rejected) = match r {
        Some(r) => (r.int(0)? as u64, r.int(1)? as u64),
        None => (0, 0),
    };
    let dups = c
        .query_one(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM collect_rejects j JOIN collect_batches b ON b.id = j.batch
             WHERE b.resource = $1 AND j.reason = 'duplicate_key'",
            params![code],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0) as u64;
    Ok((read, rejected, dups))
}

/// Computes one resource's score at `now` (reads only).
fn compute(
    c: &mut dyn Conn,
    code: &str,
    meta: &ResourceMeta,
    rules: Vec<Rule>,
    collected_at: Option<i64>,
    now: i64,
) -> Result<(i64, Components)> {
    let mut tally = Tally::new(meta, rules);
    tally_records(c, code, &mut tally)?;
    let (read, rejected, dups) = batch_counts(c, code)?;
    let stale = Timeliness::of(meta.update_cycle, collected_at, now).stale;
    // Duplicate rows are uniqueness's to count, not validity's as well.
    let components = tally.components(read, rejected.saturating_sub(dups), dups, Some(stale));
    Ok((tally.records as i64, components))
}

impl Store {
    /// The provider's steward declares the consistency rules of its resource (replacing the
    /// earlier ones); sealed. The next refresh scores the resource against them.
    pub async fn set_quality_rules(
        &self,
        p: Principal,
        code: String,
        rules: Vec<Rule>,
    ) -> Result<Vec<Rule>> {
        let now = self.now();
        self.write(move |c| {
            let target = shareable(c, &code)?;
            shuqiao_core::catalog::require_steward_of(&p, &target.provider)?;
            score::validate_rules(&target.meta, &rules)?;
            c.execute("DELETE FROM quality_rules WHERE resource = $1", params![&code])?;
            c.execute(
                "INSERT INTO quality_rules (resource, rules, set_by, set_at) VALUES ($1, $2, $3, $4)",
                params![&code, to_json(&rules)?, p.actor(), now],
            )?;
            let note = to_json(&rules)?;
            emit(
                c,
                &Actor::of(&p),
                Event {
                    kind: "quality_rules.set",
                    subject_type: "resource",
                    subject_id: 0,
                    resource: Some(&code),
                    resource_version: None,
                    grant: None,
                    reason: Some(&note),
                    notify: vec![],
                    title_zh: format!("资源 {code} 的一致性规则已更新"),
                    title_en: format!("consistency rules of {code} changed"),
                },
                now,
            )?;
            Ok(rules_of(c, &code)?.0)
        })
        .await
    }

    pub async fn quality_rules(&self, p: Principal, code: String) -> Result<Vec<Rule>> {
        p.require_authenticated()?;
        self.read(move |c| Ok(rules_of(c, &code)?.0)).await
    }

    /// Scores every resource with data whose data, rules or day changed since its last
    /// score; returns how many were scored. Each resource is read in its own read, its score
    /// written in a short transaction of its own.
    pub async fn refresh_quality_scores(&self) -> Result<usize> {
        let now = self.now();
        let due: Vec<(String, i64, Option<i64>, i64)> = self
            .read(move |c| {
                let rows = c.query(
                    "SELECT d.code, d.updated_at, d.collected_at, COALESCE(q.set_at, 0),
                       (SELECT s.mark FROM quality_scores s WHERE s.resource = d.code ORDER BY s.computed_at DESC LIMIT 1)
                     FROM resource_data d LEFT JOIN quality_rules q ON q.resource = d.code ORDER BY d.code",
                    &[],
                )?;
                let mut out = Vec::new();
                for r in &rows {
                    let (code, updated, collected, rules_at) = (r.text(0)?, r.int(1)?, r.opt_int(2)?, r.int(3)?);
                    if r.opt_text(4)?.as_deref() != Some(mark_of(updated, rules_at, now).as_str()) {
                        out.push((code, updated, collected, rules_at));
                    }
                }
                Ok(out)
            })
            .await?;
        let mut scored = 0;
        for (code, updated, collected, rules_at) in due {
            let computed = self
                .read({
                    let code = code.clone();
                    move |c| {
                        let Ok(target) = shareable(c, &code) else {
                            return Ok(None);
                        };
                        let (rules, _) = rules_of(c, &code)?;
                        let (records, parts) =
                            compute(c, &code, &target.meta, rules, collected, now)?;
                        Ok(Some((target.provider, records, parts)))
                    }
                })
                .await?;
            let Some((provider, records, parts)) = computed else {
                continue;
            };
            let mark = mark_of(updated, rules_at, now);
            self.write(move |c| {
                c.execute(
                    "DELETE FROM quality_scores WHERE resource = $1 AND computed_at = $2",
                    params![&code, now],
                )?;
                c.execute(
                    "INSERT INTO quality_scores (resource, computed_at, provider, mark, records, components, score_tenths)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    params![&code, now, &provider, &mark, records, to_json(&parts)?, parts.score().map(|s| (s * 10.0).round() as i64)],
                )?;
                Ok(())
            })
            .await?;
            scored += 1;
        }
        Ok(scored)
    }

    /// Every resource's latest score and each department's, ranked: any person acting for
    /// an organisation sees them all (比学赶超).
    pub async fn quality_scores(&self, p: Principal) -> Result<Scores> {
        require_staff(&p)?;
        self.read(|c| {
            let rows = c.query(
                &format!(
                    "SELECT {COLS} FROM quality_scores s WHERE s.computed_at =
                       (SELECT MAX(t.computed_at) FROM quality_scores t WHERE t.resource = s.resource)
                     ORDER BY s.resource"
                ),
                &[],
            )?;
            let resources = rows.iter().map(score_from).collect::<Result<Vec<_>>>()?;
            Ok(Scores {
                departments: departments(&resources),
                resources,
            })
        })
        .await
    }

    /// A resource's scores over time, newest first (at most 100).
    pub async fn quality_trend(&self, p: Principal, code: String) -> Result<Vec<ResourceScore>> {
        require_staff(&p)?;
        self.read(move |c| {
            c.query(
                &format!("SELECT {COLS} FROM quality_scores WHERE resource = $1 ORDER BY computed_at DESC LIMIT 100"),
                params![&code],
            )?
            .iter()
            .map(score_from)
            .collect()
        })
        .await
    }
}

fn require_staff(p: &Principal) -> Result<()> {
    p.require_authenticated()?;
    if p.is_staff() {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "staff_only",
            "质量评分仅供政务部门查看",
            "quality scores are for government departments",
        )
        .into())
    }
}

/// Each department's mean over its resources with a score, best first, then by code.
fn departments(resources: &[ResourceScore]) -> Vec<DepartmentScore> {
    let mut by: std::collections::BTreeMap<&str, (usize, f64, usize)> = Default::default();
    for r in resources {
        let e = by.entry(&r.provider).or_default();
        e.0 += 1;
        if let Some(s) = r.score {
            e.1 += s;
            e.2 += 1;
        }
    }
    let mut out: Vec<DepartmentScore> = by
        .into_iter()
        .map(|(org, (n, sum, scored))| DepartmentScore {
            org: org.to_string(),
            resources: n,
            score: (scored > 0).then(|| (sum / scored as f64 * 10.0).round() / 10.0),
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.org.cmp(&b.org))
    });
    out
}
