//! Releasing many resources at once, for benchmarks and large demos: each is proposed by its
//! provider's demo steward with a passing assessment and released by the demo operator,
//! through the same steps as one release, a thousand to a transaction.
use shuqiao_core::catalog::{OpenType, ResourceMeta};
use shuqiao_core::open::{Assessment, Check};

use super::release::{propose, review};
use crate::catalog::{load_required, load_version};
use crate::{Result, Store};

impl Store {
    /// Proposes and releases every resource of `codes` that is published and not 不予开放;
    /// returns how many were released. Demo accounts only: the demo must be loaded.
    pub async fn release_many(&self, codes: Vec<String>) -> Result<usize> {
        let mut released = 0;
        for chunk in codes.chunks(1000) {
            let chunk = chunk.to_vec();
            let now = self.now();
            released += self
                .write(move |c| {
                    plan_all(c, &chunk, now)?;
                    let mut n = 0;
                    for code in &chunk {
                        let s = load_required(c, code)?;
                        let Some(v) = s.published_version else {
                            continue;
                        };
                        let Some(meta) = load_version(c, code, v)?.map(|v| v.meta) else {
                            continue;
                        };
                        if meta.open_type == OpenType::Closed {
                            continue;
                        }
                        let steward = shuqiao_demo::steward_of(&meta.provider);
                        propose(c, &steward, code, &passing(&meta), now)?;
                        review(c, &shuqiao_demo::admin(), code, true, "", now)?;
                        n += 1;
                    }
                    Ok(n)
                })
                .await?;
        }
        Ok(released)
    }
}

/// Adds `codes` to each provider's approved open plan for the year (a release needs it), as
/// the demo's stewards and operator.
fn plan_all(c: &mut dyn crate::db::Conn, codes: &[String], now: i64) -> Result<()> {
    use std::collections::BTreeMap;
    let year = super::governance::year_of(now);
    let mut by_org: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for code in codes {
        by_org
            .entry(load_required(c, code)?.provider.clone())
            .or_default()
            .push(code.clone());
    }
    for (org, mut wanted) in by_org {
        let planned: Vec<shuqiao_core::open::PlanItem> = match c.query_one(
            "SELECT items FROM open_plans WHERE org = $1 AND year = $2 AND status = 'approved'
             ORDER BY id DESC LIMIT 1",
            crate::params![&org, year as i64],
        )? {
            Some(r) => crate::from_json(&r.text(0)?)?,
            None => Vec::new(),
        };
        wanted.retain(|w| !planned.iter().any(|p| &p.resource == w));
        if wanted.is_empty() {
            continue;
        }
        let mut items = planned;
        items.extend(
            wanted
                .into_iter()
                .map(|resource| shuqiao_core::open::PlanItem {
                    resource,
                    quarter: 4,
                    note: String::new(),
                }),
        );
        let plan = shuqiao_core::open::PlanInput {
            org: org.clone(),
            year,
            items,
        };
        let id = super::governance::submit_plan(c, &shuqiao_demo::steward_of(&org), &plan, now)?;
        super::governance::review_plan(c, &shuqiao_demo::admin(), id, true, "", now)?;
    }
    Ok(())
}

fn passing(meta: &ResourceMeta) -> Assessment {
    let ok = Check {
        passed: true,
        note: "已核查".into(),
    };
    Assessment {
        assessor: "数据安全评估组".into(),
        personal_info: ok.clone(),
        reidentification: ok.clone(),
        trade_secret: ok,
        conclusion: meta.open_type,
        assessed_on: "2026-12-01".into(),
    }
}
