//! What the console's decision pages need beyond the API's use cases: the operator's queue of
//! submissions waiting for publication, and the audit entry that sealed a decision, so the
//! person who decided sees its index in the log.
use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::catalog::ResourceMeta;
use shuqiao_core::share;
use shuqiao_core::share::calendar::Deadline;

use crate::audit::AuditFilter;
use crate::share::access::{app_from_row, APP_COLS};
use crate::share::calendar::load_calendar;
use crate::share::ApplicationView;
use crate::{from_json, Result, Store};

/// A resource whose draft waits for the operator to publish or return it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Submitted {
    pub code: String,
    pub provider: String,
    pub name: String,
    pub name_en: String,
    /// When it was submitted (the last change to the resource).
    pub submitted_at: i64,
    /// Whether a version is already published (a change) or not (a first publication).
    pub published: bool,
}

impl Store {
    /// The review queue (待审核): submitted drafts, oldest first. Only the operator reviews.
    pub async fn review_queue(&self, p: Principal) -> Result<Vec<Submitted>> {
        p.require_platform_admin()?;
        self.read(|c| {
            c.query(
                "SELECT code, provider, draft_meta, updated_at, published_version FROM resources
                 WHERE draft_state = 'submitted' AND retired = 0 ORDER BY updated_at, code",
                &[],
            )?
            .iter()
            .map(|r| {
                let meta: ResourceMeta = from_json(&r.text(2)?)?;
                Ok(Submitted {
                    code: r.text(0)?,
                    provider: r.text(1)?,
                    name: meta.name,
                    name_en: meta.name_en,
                    submitted_at: r.int(3)?,
                    published: r.opt_int(4)?.is_some(),
                })
            })
            .collect()
        })
        .await
    }

    /// The index in the audit log of the entry `action` on `resource` at `at`.
    /// A decision's entry is queued in its transaction and sealed on the sealer's next tick;
    /// when it is not sealed yet, the pending entries are sealed now (once) rather than
    /// leaving the person who decided without the index. `None` if there is no such entry.
    pub async fn sealed_entry_index(
        &self,
        action: &str,
        resource: &str,
        at: i64,
    ) -> Result<Option<u64>> {
        let filter = AuditFilter {
            actor_org: None,
            actor_system: None,
            resource: Some(resource.to_string()),
            action: Some(action.to_string()),
            subject: None,
            since: Some(at),
            until: Some(at + 1),
            limit: 1,
            offset: 0,
        };
        let found = self.audit.entries(filter.clone(), Vec::new()).await?;
        if let Some(r) = found.items.first() {
            return Ok(Some(r.index));
        }
        self.audit.seal_pending().await?;
        let found = self.audit.entries(filter, Vec::new()).await?;
        Ok(found.items.first().map(|r| r.index))
    }

    /// How long is left before `due_at` in working days (or how late it is), by the
    /// platform's calendar; `None` when that year's calendar is not loaded.
    pub async fn deadline_of(&self, due_at: i64) -> Result<Option<Deadline>> {
        let now = self.now();
        self.read(move |c| Ok(load_calendar(c)?.deadline(now, due_at).ok()))
            .await
    }

    /// The application as the one deciding it sees it: anyone but a steward of its provider
    /// is refused with the rule's reason (as the API's approve and reject are), rather than
    /// told it does not exist.
    pub async fn application_to_decide(&self, p: Principal, id: i64) -> Result<ApplicationView> {
        let now = self.now();
        self.read(move |c| {
            let row = c
                .query_one(
                    &format!("SELECT {APP_COLS} FROM applications WHERE id = $1"),
                    crate::params![id],
                )?
                .ok_or_else(|| crate::share::not_found("application_not_found", id))?;
            let app = app_from_row(&row, now)?;
            share::require_provider_steward(&p, &app.provider)?;
            Ok(app)
        })
        .await
    }
}
