//! The operator's view of the whole platform: figures computed from what happened (each
//! linking to its list where one exists), the proposals to share a much-requested resource
//! unconditionally, and the reviewers' queue of negative-list proposals.
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shuqiao_core::catalog::{Grade, ResourceMeta};
use shuqiao_core::share;
use shuqiao_core::DomainError;
use shuqiao_service::share::ShareFilter;
use shuqiao_service::StoreError;

use super::admin_pages::{org_names, require_admin, role_label, Posted};
use super::i18n::{Lang, Strings};
use super::pages::Person;
use super::text::thousands;
use super::views::{self, Frame};
use super::PageError;
use crate::AppState;

/// A rate as a percentage to one decimal.
fn percent(t: &Strings, rate: Option<f64>) -> String {
    match rate {
        Some(r) => format!("{:.1}%", r * 100.0),
        None => t.op_no_rate.to_string(),
    }
}

fn name_in(orgs: &[(String, String)], code: &str) -> String {
    orgs.iter()
        .find(|(c, _)| c == code)
        .map(|(_, n)| n.clone())
        .unwrap_or_else(|| code.to_string())
}

// ---- figures ----

pub struct StatRow {
    pub label: &'static str,
    pub value: String,
    pub href: Option<String>,
}

pub struct StatSection {
    pub id: &'static str,
    pub title: &'static str,
    pub rows: Vec<StatRow>,
}

/// One organisation's line: its systems, people and calls, each linking to its list.
pub struct OrgRow {
    pub name: String,
    pub systems: String,
    pub systems_href: String,
    pub accounts: String,
    pub accounts_href: String,
    pub calls: String,
}

#[derive(Template)]
#[template(path = "console/admin_stats.html")]
pub struct StatsPage {
    pub f: Frame,
    pub sections: Vec<StatSection>,
    pub orgs: Vec<OrgRow>,
}

fn row(label: &'static str, n: u64, href: Option<&str>) -> StatRow {
    StatRow {
        label,
        value: thousands(n),
        href: href.map(str::to_string),
    }
}

/// The platform's figures as tables.
pub async fn stats(State(st): State<AppState>, person: Person) -> Result<Response, PageError> {
    require_admin(&person)?;
    let p = person.principal.clone();
    let s = st
        .store
        .share_stats(p.clone(), None)
        .await
        .map_err(|e| person.error(e))?;
    let c = st
        .store
        .platform_counts(p.clone())
        .await
        .map_err(|e| person.error(e))?;
    let usage = st
        .store
        .usage_report(p, None, 30)
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame("/console/admin/stats", "admin-stats");
    let t = f.t;
    let by = |list: &[(String, u64)], key: &str| {
        list.iter()
            .find(|(k, _)| k == key)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    let resources = vec![
        row(t.op_res_draft, by(&c.resources_by_status, "draft"), None),
        row(
            t.op_res_submitted,
            by(&c.resources_by_status, "submitted"),
            Some("/console/review"),
        ),
        row(
            t.op_res_published,
            by(&c.resources_by_status, "published"),
            Some("/console/catalog"),
        ),
        row(
            t.op_res_retired,
            by(&c.resources_by_status, "retired"),
            None,
        ),
        row(t.op_res_negative, c.resources_negative_listed, None),
    ];
    let applications = vec![
        row(t.op_app_total, s.applications_total, None),
        row(t.op_app_pending, s.applications_pending, None),
        row(
            t.op_app_overdue,
            s.applications_overdue,
            Some("/console/supervision"),
        ),
        row(
            t.op_app_escalated,
            s.applications_escalated,
            Some("/console/supervision"),
        ),
        row(
            t.op_app_due_unknown,
            s.applications_due_unknown,
            Some("/console/supervision"),
        ),
        row(t.op_app_answered, s.applications_answered, None),
        row(t.op_app_on_time, s.applications_answered_on_time, None),
        StatRow {
            label: t.op_on_time_rate,
            value: percent(t, s.on_time_rate),
            href: None,
        },
    ];
    let grants = vec![
        row(t.op_grants_active, s.grants_active, None),
        row(t.op_grants_expired, s.grants_expired, None),
        row(t.op_grants_revoked, s.grants_revoked, None),
    ];
    let needs = vec![
        row(t.op_needs_total, s.needs_total, None),
        row(t.op_needs_open, s.needs_open, None),
        row(t.op_needs_confirmed, s.needs_confirmed, None),
        row(t.op_needs_satisfied, s.needs_satisfied, None),
        row(t.op_needs_rejected, s.needs_rejected, None),
        StatRow {
            label: t.op_need_rate,
            value: percent(t, s.need_satisfaction_rate),
            href: None,
        },
    ];
    let lists = vec![
        row(
            t.op_proposals_pending,
            c.negative_proposals_pending,
            Some("/console/reviews"),
        ),
        row(
            t.op_conversions_open,
            s.conversions_open,
            Some("/console/admin/conversions?status=proposed"),
        ),
    ];
    let mut platform: Vec<StatRow> = [
        ("operator", t.op_kind_operator),
        ("government", t.op_kind_government),
        ("department", t.op_kind_department),
        ("unit", t.op_kind_unit),
    ]
    .into_iter()
    .map(|(kind, label)| row(label, by(&c.orgs_by_kind, kind), None))
    .collect();
    platform.extend([
        row(
            t.op_systems_count,
            c.systems,
            Some("/console/admin/systems"),
        ),
        row(t.op_tokens_active, c.tokens_active, None),
        row(
            t.op_accounts_count,
            c.accounts,
            Some("/console/admin/accounts"),
        ),
        row(
            t.op_accounts_disabled_count,
            c.accounts_disabled,
            Some("/console/admin/accounts?status=disabled"),
        ),
    ]);
    let sum = |f: fn(&shuqiao_service::exchange::Usage) -> i64| {
        usage.iter().map(f).sum::<i64>().max(0) as u64
    };
    let calls = vec![
        row(
            t.op_calls,
            sum(|u| u.calls),
            Some("/console/audit?action=exchange.lookup"),
        ),
        row(t.op_records, sum(|u| u.records), None),
        row(t.op_refused, sum(|u| u.refused), None),
    ];
    let sections = vec![
        StatSection {
            id: "resources",
            title: t.op_stats_resources,
            rows: resources,
        },
        StatSection {
            id: "applications",
            title: t.op_stats_applications,
            rows: applications,
        },
        StatSection {
            id: "grants",
            title: t.op_stats_grants,
            rows: grants,
        },
        StatSection {
            id: "needs",
            title: t.op_stats_needs,
            rows: needs,
        },
        StatSection {
            id: "lists",
            title: t.op_stats_lists,
            rows: lists,
        },
        StatSection {
            id: "calls",
            title: t.op_stats_calls,
            rows: calls,
        },
        StatSection {
            id: "platform",
            title: t.op_stats_platform,
            rows: platform,
        },
    ];
    let orgs = per_org(&st, &person, f.lang, &usage).await?;
    Ok(views::html(&StatsPage { f, sections, orgs }).into_response())
}

/// Systems, accounts and the last 30 days' calls of each organisation that has any.
async fn per_org(
    st: &AppState,
    person: &Person,
    lang: Lang,
    usage: &[shuqiao_service::exchange::Usage],
) -> Result<Vec<OrgRow>, PageError> {
    use std::collections::BTreeMap;
    let systems = st
        .store
        .list_systems(None)
        .await
        .map_err(|e| person.error(e))?;
    let accounts = st
        .store
        .list_accounts()
        .await
        .map_err(|e| person.error(e))?;
    // (systems, accounts, calls) by organisation code.
    let mut by: BTreeMap<String, (u64, u64, i64)> = BTreeMap::new();
    let mut org_of = std::collections::HashMap::new();
    for sys in &systems {
        by.entry(sys.org.clone()).or_default().0 += 1;
        org_of.insert(sys.code.clone(), sys.org.clone());
    }
    for a in accounts.iter().filter(|a| !a.roles.is_empty()) {
        by.entry(a.org.clone()).or_default().1 += 1;
    }
    for u in usage {
        if let Some(org) = org_of.get(&u.system) {
            by.entry(org.clone()).or_default().2 += u.calls;
        }
    }
    let names = org_names(st, lang).await;
    Ok(by
        .into_iter()
        .map(|(code, (systems, accounts, calls))| {
            let q: String = url::form_urlencoded::byte_serialize(code.as_bytes()).collect();
            OrgRow {
                name: name_in(&names, &code),
                systems: thousands(systems),
                systems_href: format!("/console/admin/systems?org={q}"),
                accounts: thousands(accounts),
                accounts_href: format!("/console/admin/accounts?org={q}"),
                calls: thousands(calls.max(0) as u64),
            }
        })
        .collect())
}

// ---- conversions ----

pub struct ConversionRow {
    pub id: i64,
    pub resource: String,
    pub code: String,
    pub provider: String,
    pub consumers: String,
    pub proposed: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub may_accept: bool,
    /// Still waiting for the provider.
    pub open: bool,
    pub publish_href: Option<String>,
}

#[derive(Template)]
#[template(path = "console/admin_conversions.html")]
pub struct ConversionsPage {
    pub f: Frame,
    pub status: String,
    pub rows: Vec<ConversionRow>,
    pub notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct ConversionQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

async fn resource_name(st: &AppState, person: &Person, lang: Lang, code: &str) -> String {
    match resource_meta(st, person, code).await {
        Some(m) => lang.pick(&m.name, &m.name_en).to_string(),
        None => code.to_string(),
    }
}

async fn resource_meta(st: &AppState, person: &Person, code: &str) -> Option<ResourceMeta> {
    let d = st
        .store
        .get_resource(person.principal.clone(), code)
        .await
        .ok()?;
    match (d.current, d.draft) {
        (Some(v), _) => Some(v.meta),
        (None, Some(dr)) => Some(dr.meta),
        _ => None,
    }
}

/// Conversion proposals: the operator sees all, a provider's steward its own, with the
/// accept button where core's rule lets this person decide.
pub async fn conversions(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<ConversionQuery>,
) -> Result<Response, PageError> {
    share::require_conversion_viewer(&person.principal)
        .map_err(|e| PageError::from_domain(person.lang, e))?;
    let status = q
        .status
        .clone()
        .filter(|s| matches!(s.as_str(), "proposed" | "accepted" | "kept"));
    let filter = ShareFilter {
        status: status.clone(),
        limit: 200,
        ..ShareFilter::default()
    };
    let listed = st
        .store
        .list_conversions(person.principal.clone(), filter)
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame("/console/admin/conversions", "admin-conversions");
    let (lang, t) = (f.lang, f.t);
    let orgs = org_names(&st, lang).await;
    let is_admin = person.principal.is_platform_admin();
    let mut rows = Vec::new();
    for c in listed.items {
        let (label, class) = match c.status.as_str() {
            "proposed" => (t.op_conv_proposed, "tag tag-new"),
            "accepted" => (t.op_conv_accepted, "tag tag-open"),
            _ => (t.op_conv_kept, "tag"),
        };
        let proposed = c.status == "proposed";
        rows.push(ConversionRow {
            id: c.id,
            resource: resource_name(&st, &person, lang, &c.resource).await,
            provider: name_in(&orgs, &c.provider),
            consumers: thousands(c.consumers.max(0) as u64),
            proposed: views::date(lang, c.proposed_at),
            status: label,
            status_class: class,
            may_accept: proposed
                && share::require_provider_steward(&person.principal, &c.provider).is_ok(),
            open: proposed,
            publish_href: (is_admin && c.status == "accepted")
                .then(|| format!("/console/review/{}", c.resource)),
            code: c.resource,
        });
    }
    let notice = q
        .done
        .as_deref()
        .filter(|d| *d == "accepted")
        .map(|_| t.op_conv_accepted_notice);
    let page = ConversionsPage {
        f,
        status: status.unwrap_or_default(),
        rows,
        notice,
    };
    Ok(views::html(&page).into_response())
}

/// The provider's steward accepts; anyone else is told why by core's rule.
pub async fn accept_conversion(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    match st
        .store
        .accept_conversion(person.principal.clone(), id)
        .await
    {
        Ok(_) => Ok(Redirect::to("/console/admin/conversions?done=accepted").into_response()),
        Err(StoreError::Domain(DomainError::Conflict { .. })) => {
            Ok(Redirect::to("/console/admin/conversions").into_response())
        }
        Err(e) => Err(person.error(e)),
    }
}

// ---- the reviewers' queue ----

pub struct ItemView {
    pub name: String,
    pub code: String,
    pub grade: &'static str,
}

pub struct ProposalCard {
    pub href: String,
    pub heading_id: String,
    pub title: String,
    pub rows: Vec<(&'static str, String)>,
    pub items: Vec<ItemView>,
}

#[derive(Template)]
#[template(path = "console/reviews.html")]
pub struct ReviewsPage {
    pub f: Frame,
    pub roles: String,
    pub cards: Vec<ProposalCard>,
}

fn grade_label(t: &Strings, g: Grade) -> &'static str {
    match g {
        Grade::General => t.grade_general,
        Grade::Important => t.grade_important,
        Grade::Core => t.grade_core,
    }
}

/// Negative-list proposals still missing a review in a role this person holds, oldest
/// first, each with what a reviewer needs to decide; the decision is on the proposal's page.
pub async fn reviews(State(st): State<AppState>, person: Person) -> Result<Response, PageError> {
    share::require_negative_reviewer(&person.principal)
        .map_err(|e| PageError::from_domain(person.lang, e))?;
    let held = share::reviewer_roles(&person.principal);
    let filter = ShareFilter {
        status: Some("pending".into()),
        limit: 200,
        ..ShareFilter::default()
    };
    let mut waiting = st
        .store
        .list_negative_proposals(person.principal.clone(), filter)
        .await
        .map_err(|e| person.error(e))?
        .items;
    waiting.retain(|p| {
        p.awaiting
            .iter()
            .any(|a| held.iter().any(|r| r.as_str() == a))
    });
    waiting.reverse();
    let f = person.frame("/console/reviews", "reviews");
    let (lang, t) = (f.lang, f.t);
    let orgs = org_names(&st, lang).await;
    let mut cards = Vec::new();
    for p in waiting {
        let meta = resource_meta(&st, &person, &p.resource).await;
        let name = meta
            .as_ref()
            .map(|m| lang.pick(&m.name, &m.name_en).to_string())
            .unwrap_or_else(|| p.resource.clone());
        let change = if p.action == "remove" {
            t.remove_from_list
        } else {
            t.add_to_list
        };
        let missing = p
            .awaiting
            .iter()
            .filter_map(|a| shuqiao_core::account::Role::parse(a))
            .map(|r| role_label(t, r))
            .collect::<Vec<_>>()
            .join("、");
        let items = meta
            .as_ref()
            .map(|m| {
                m.items
                    .iter()
                    .map(|i| ItemView {
                        name: i.name.clone(),
                        code: i.code.clone(),
                        grade: grade_label(t, i.grade),
                    })
                    .collect()
            })
            .unwrap_or_default();
        cards.push(ProposalCard {
            href: format!("/console/negative-proposals/{}", p.id),
            heading_id: format!("proposal-{}", p.id),
            title: format!("{change}：{name}"),
            rows: vec![
                (t.col_code_resource, p.resource.clone()),
                (t.col_provider, name_in(&orgs, &p.provider)),
                (t.field_legal_basis, p.legal_basis.clone()),
                (t.field_reason, p.reason.clone()),
                (t.col_filed, views::date(lang, p.proposed_at)),
                (t.field_awaiting, missing),
            ],
            items,
        });
    }
    let roles = held
        .into_iter()
        .map(|r| role_label(t, r))
        .collect::<Vec<_>>()
        .join("、");
    Ok(views::html(&ReviewsPage { f, roles, cards }).into_response())
}
