//! What waits for one person: the console's home page. Each list is what core's rules let
//! this person act on (answer, review, confirm, re-import), not merely what they may read,
//! so nobody is shown work that is someone else's.
use std::collections::HashMap;

use shuqiao_core::account::{Principal, Role};
use shuqiao_core::collect::require_collector;
use shuqiao_core::share::calendar::Deadline;
use shuqiao_core::share::{self, ProposalStatus};

use crate::db::{Conn, Value};
use crate::share::access::{app_from_row, APP_COLS};
use crate::share::calendar::load_calendar;
use crate::share::{my_orgs, ApplicationView, NegativeProposalView, ShareFilter, Where};
use crate::{Result, Store};

/// At most this many items of each kind: a to-do list, not a report.
const TODO_LIMIT: u32 = 100;

/// A resource's names, for lines that would otherwise show only its code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceName {
    pub zh: String,
    pub en: String,
}

/// An application waiting for this person's answer, with its deadline in working days.
#[derive(Debug, Clone)]
pub struct AnswerTodo {
    pub application: ApplicationView,
    pub resource_name: ResourceName,
    /// `None` when the deadline reaches a year with no calendar loaded (flagged, not guessed).
    pub deadline: Option<Deadline>,
}

/// A need (需求清单) this person may confirm or reject.
#[derive(Debug, Clone)]
pub struct NeedTodo {
    pub id: i64,
    pub org: String,
    pub title: String,
    pub resource: Option<String>,
    pub created_at: i64,
}

/// The latest import of a resource, when it failed or was rejected whole.
#[derive(Debug, Clone)]
pub struct FailedImport {
    pub batch: i64,
    pub resource: String,
    pub resource_name: ResourceName,
    /// `failed` or `rejected`.
    pub status: String,
    pub rejected: i64,
    pub started_at: i64,
}

/// Everything waiting for one person, each list most urgent first.
#[derive(Debug, Clone, Default)]
pub struct Todos {
    pub answers: Vec<AnswerTodo>,
    pub reviews: Vec<NegativeProposalView>,
    pub needs: Vec<NeedTodo>,
    pub failed_imports: Vec<FailedImport>,
    pub unread: u64,
}

impl Todos {
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
            && self.reviews.is_empty()
            && self.needs.is_empty()
            && self.failed_imports.is_empty()
            && self.unread == 0
    }
}

impl Store {
    /// The signed-in person's to-dos.
    pub async fn todos(&self, p: Principal) -> Result<Todos> {
        p.require_authenticated()?;
        let answers = self.answers_waiting(p.clone()).await?;
        let reviews = self.reviews_waiting(p.clone()).await?;
        let needs = self.needs_to_confirm(p.clone()).await?;
        let failed_imports = self.failed_imports(p.clone()).await?;
        let filter = ShareFilter {
            limit: 1,
            ..ShareFilter::default()
        };
        let unread = self.inbox(p, filter, true).await?.total;
        Ok(Todos {
            answers,
            reviews,
            needs,
            failed_imports,
            unread,
        })
    }

    /// Pending applications for resources of the departments this person answers for,
    /// soonest deadline first (unknown deadlines last).
    async fn answers_waiting(&self, p: Principal) -> Result<Vec<AnswerTodo>> {
        let providers = orgs_where(&p, |o| share::require_provider_steward(&p, o).is_ok());
        let now = self.now();
        self.read(move |c| {
            let mut w = Where::default();
            w.raw("status = 'pending'");
            w.any_in(&["provider"], &providers);
            let sql = format!(
                "SELECT {APP_COLS} FROM applications{} ORDER BY due_at IS NULL, due_at, id LIMIT {TODO_LIMIT}",
                w.sql()
            );
            let apps = c
                .query(&sql, &w.values)?
                .iter()
                .map(|r| app_from_row(r, now))
                .collect::<Result<Vec<_>>>()?;
            let names = resource_names(c, apps.iter().map(|a| a.resource.clone()))?;
            let calendar = load_calendar(c)?;
            Ok(apps
                .into_iter()
                .map(|a| AnswerTodo {
                    deadline: a.due_at.and_then(|due| calendar.deadline(now, due).ok()),
                    resource_name: names.get(&a.resource).cloned().unwrap_or_default(),
                    application: a,
                })
                .collect())
        })
        .await
    }

    /// Negative-list proposals still missing a review in a role this person holds.
    async fn reviews_waiting(&self, p: Principal) -> Result<Vec<NegativeProposalView>> {
        let roles: Vec<&'static str> = share::reviewer_roles(&p)
            .into_iter()
            .map(Role::as_str)
            .collect();
        if roles.is_empty() {
            return Ok(vec![]);
        }
        let filter = ShareFilter {
            status: Some(ProposalStatus::Pending.as_str().into()),
            limit: TODO_LIMIT,
            ..ShareFilter::default()
        };
        let mut waiting = self.list_negative_proposals(p, filter).await?.items;
        waiting.retain(|prop| prop.awaiting.iter().any(|r| roles.contains(&r.as_str())));
        // Oldest first: the longest-waiting proposal holds the resource's consumers longest.
        waiting.reverse();
        Ok(waiting)
    }

    /// Open needs this person decides on: the operator all of them, a steward those naming
    /// a resource of their department. Oldest first.
    async fn needs_to_confirm(&self, p: Principal) -> Result<Vec<NeedTodo>> {
        let everyone = p.is_platform_admin();
        let providers = orgs_where(&p, |o| share::require_need_decider(&p, Some(o)).is_ok());
        if !everyone && providers.is_empty() {
            return Ok(vec![]);
        }
        self.read(move |c| {
            let mut w = Where::default();
            w.raw("n.status = 'open'");
            if !everyone {
                w.any_in(&["r.provider"], &providers);
            }
            let sql = format!(
                "SELECT n.id, n.org, n.title, n.resource, n.created_at, r.provider FROM needs n LEFT JOIN resources r ON r.code = n.resource{} ORDER BY n.id LIMIT {TODO_LIMIT}",
                w.sql()
            );
            let mut out = Vec::new();
            for r in c.query(&sql, &w.values)? {
                let provider = r.opt_text(5)?;
                if share::require_need_decider(&p, provider.as_deref()).is_err() {
                    continue;
                }
                out.push(NeedTodo {
                    id: r.int(0)?,
                    org: r.text(1)?,
                    title: r.text(2)?,
                    resource: r.opt_text(3)?,
                    created_at: r.int(4)?,
                });
            }
            Ok(out)
        })
        .await
    }

    /// Resources this person collects into whose latest import failed or was rejected,
    /// newest first. A later successful import clears the item.
    async fn failed_imports(&self, p: Principal) -> Result<Vec<FailedImport>> {
        let providers = orgs_where(&p, |o| require_collector(&p, o).is_ok());
        if providers.is_empty() {
            return Ok(vec![]);
        }
        self.read(move |c| {
            let mut w = Where::default();
            w.raw("b.status IN ('failed', 'rejected')");
            w.raw("b.id = (SELECT MAX(l.id) FROM collect_batches l WHERE l.resource = b.resource)");
            w.any_in(&["r.provider"], &providers);
            let sql = format!(
                "SELECT b.id, b.resource, r.name, r.name_en, b.status, b.rejected, b.started_at FROM collect_batches b JOIN resources r ON r.code = b.resource{} ORDER BY b.id DESC LIMIT {TODO_LIMIT}",
                w.sql()
            );
            c.query(&sql, &w.values)?
                .iter()
                .map(|r| {
                    Ok(FailedImport {
                        batch: r.int(0)?,
                        resource: r.text(1)?,
                        resource_name: ResourceName {
                            zh: r.text(2)?,
                            en: r.text(3)?,
                        },
                        status: r.text(4)?,
                        rejected: r.int(5)?,
                        started_at: r.int(6)?,
                    })
                })
                .collect()
        })
        .await
    }
}

/// The organisations this person acts for that pass `rule`.
fn orgs_where(p: &Principal, rule: impl Fn(&str) -> bool) -> Vec<String> {
    my_orgs(p).into_iter().filter(|o| rule(o)).collect()
}

fn resource_names(
    c: &mut dyn Conn,
    codes: impl Iterator<Item = String>,
) -> Result<HashMap<String, ResourceName>> {
    let mut codes: Vec<String> = codes.collect();
    codes.sort();
    codes.dedup();
    let mut names = HashMap::new();
    if codes.is_empty() {
        return Ok(names);
    }
    let placeholders: Vec<String> = (1..=codes.len()).map(|i| format!("${i}")).collect();
    let values: Vec<Value> = codes.iter().map(|c| c.as_str().into()).collect();
    let sql = format!(
        "SELECT code, name, name_en FROM resources WHERE code IN ({})",
        placeholders.join(", ")
    );
    for r in c.query(&sql, &values)? {
        names.insert(
            r.text(0)?,
            ResourceName {
                zh: r.text(1)?,
                en: r.text(2)?,
            },
        );
    }
    Ok(names)
}
