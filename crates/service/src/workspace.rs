//! The steward's catalogue workspace: a department's resources in every state (draft, under
//! review, returned, published, retired) with their data's freshness, as the console lists
//! them. Who sees which departments is core's `catalogue_scope`; freshness is core's
//! `Timeliness` over the same collection marks as `data_status`.
use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::catalog::{self, DraftState, Lifecycle, Status, UpdateCycle};
use shuqiao_core::collect::Timeliness;

use crate::{params, Result, Store};

/// One resource of a department as its steward works on it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WorkspaceRow {
    pub code: String,
    pub provider: String,
    pub name: String,
    pub name_en: String,
    pub status: Status,
    /// The working copy's state, when there is one (a draft, or a change to a published one).
    pub draft: Option<DraftState>,
    /// Why the operator sent it back, while the returned copy is not resubmitted.
    pub returned_reason: Option<String>,
    pub published_version: Option<i64>,
    pub update_cycle: Option<UpdateCycle>,
    /// The last change to the resource's catalogue entry.
    pub updated_at: i64,
    pub records: i64,
    /// Freshness of the collected data: only for published resources (a draft has no data).
    pub timeliness: Option<Timeliness>,
}

/// One page of a workspace list: its rows, how many there are in all, and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspacePage {
    pub rows: Vec<WorkspaceRow>,
    pub total: usize,
    pub offset: usize,
}

const COLUMNS: &str =
    "SELECT r.code, r.provider, r.name, r.name_en, r.published_version, r.retired, r.draft_state,
     r.returned_reason, r.update_cycle, r.updated_at, COALESCE(d.records, 0), d.collected_at
     FROM resources r LEFT JOIN resource_data d ON d.code = r.code";

impl Store {
    /// The resources of the departments `p` catalogues for (or, for the operator, of
    /// `provider` or every department), by code; `stale_only` keeps those whose data is
    /// older than their 更新周期 allows.
    pub async fn workspace_resources(
        &self,
        p: Principal,
        provider: Option<String>,
        stale_only: bool,
    ) -> Result<Vec<WorkspaceRow>> {
        Ok(self
            .workspace_page(p, provider, stale_only, None)
            .await?
            .rows)
    }

    /// [`Self::workspace_resources`], or the `limit` rows at `offset` of it (past the end, the
    /// last page). The operator's whole province is paged by the database; a department's
    /// resources, or only stale ones, are read whole and paged here.
    pub async fn workspace_page(
        &self,
        p: Principal,
        provider: Option<String>,
        stale_only: bool,
        window: Option<(usize, usize)>,
    ) -> Result<WorkspacePage> {
        let scope = catalog::catalogue_scope(&p, provider.as_deref())?;
        let now = self.now();
        self.read(move |c| {
            if let (None, false, Some((limit, offset))) = (&scope, stale_only, window) {
                let total = c
                    .query_one("SELECT COUNT(*) FROM resources", &[])?
                    .map(|r| r.int(0))
                    .transpose()?
                    .unwrap_or(0) as usize;
                let offset = last_page_at(offset, limit, total);
                let rows = c
                    .query(
                        &format!("{COLUMNS} ORDER BY r.code LIMIT $1 OFFSET $2"),
                        params![limit as i64, offset as i64],
                    )?
                    .iter()
                    .map(|r| workspace_row(r, now))
                    .collect::<Result<Vec<_>>>()?;
                return Ok(WorkspacePage {
                    rows,
                    total,
                    offset,
                });
            }
            // A steward's departments are read one by one: a province's catalogue is thousands
            // of resources, a department's a few hundred.
            let rows = match &scope {
                None => c.query(&format!("{COLUMNS} ORDER BY r.code"), &[])?,
                Some(orgs) => {
                    let mut rows = Vec::new();
                    for org in orgs {
                        rows.extend(
                            c.query(&format!("{COLUMNS} WHERE r.provider = $1"), params![org])?,
                        );
                    }
                    rows.sort_by_cached_key(|r| r.text(0).unwrap_or_default());
                    rows
                }
            };
            let mut all = Vec::new();
            for r in &rows {
                let row = workspace_row(r, now)?;
                if stale_only && !row.timeliness.as_ref().is_some_and(|t| t.stale) {
                    continue;
                }
                all.push(row);
            }
            let total = all.len();
            let (offset, rows) = match window {
                None => (0, all),
                Some((limit, offset)) => {
                    let offset = last_page_at(offset, limit, total);
                    (offset, all.into_iter().skip(offset).take(limit).collect())
                }
            };
            Ok(WorkspacePage {
                rows,
                total,
                offset,
            })
        })
        .await
    }
}

/// `offset`, or where the last page of `limit` rows starts when `offset` is past the end.
fn last_page_at(offset: usize, limit: usize, total: usize) -> usize {
    offset.min(total.saturating_sub(1) / limit.max(1) * limit.max(1))
}

/// A row of `COLUMNS` as the workspace shows it, its freshness as of `now`.
fn workspace_row(r: &crate::db::Row, now: i64) -> Result<WorkspaceRow> {
    let draft = match r.opt_text(6)?.as_deref() {
        Some("editing") => Some(DraftState::Editing),
        Some("submitted") => Some(DraftState::Submitted),
        _ => None,
    };
    let published_version = r.opt_int(4)?;
    let lifecycle = Lifecycle {
        published_version: published_version.map(|v| v as u32),
        retired: r.bool(5)?,
        draft,
    };
    let status = lifecycle.status();
    let update_cycle = UpdateCycle::parse(&r.text(8)?);
    let timeliness = match (status, update_cycle) {
        (Status::Published, Some(cycle)) => Some(Timeliness::of(cycle, r.opt_int(11)?, now)),
        _ => None,
    };
    Ok(WorkspaceRow {
        code: r.text(0)?,
        provider: r.text(1)?,
        name: r.text(2)?,
        name_en: r.text(3)?,
        status,
        draft,
        returned_reason: r.opt_text(7)?,
        published_version,
        update_cycle,
        updated_at: r.int(9)?,
        records: r.int(10)?,
        timeliness,
    })
}
