//! Decisions made in the console: a provider's steward answers an application (with a
//! check-your-answers step, since a grant cannot be taken back by the same form), the three
//! reviewers decide a negative-list proposal, and the operator publishes or returns a
//! submitted resource. Each calls the same `Store` method as the API, so the same core rules
//! decide; the pages only show what will change first and what changed after.
use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shuqiao_core::account::{Principal, Role};
use shuqiao_core::catalog::{Grade, ResourceMeta, Status};
use shuqiao_core::share::{self, Approval, Decision};
use shuqiao_core::DomainError;
use shuqiao_service::share::{ApplicationView, NegativeProposalView};
use shuqiao_service::StoreError;

use super::i18n::{Lang, Strings};
use super::pages::Person;
use super::text::{problems_at, problems_of, Problem};
use super::views::{self, DeadlineView, Frame};
use super::PageError;
use crate::AppState;

const DAY_MS: i64 = 24 * 3600 * 1000;

// ---- forms ----

/// A posted form with repeated names kept (the field checkboxes post one value each).
struct Posted(Vec<(String, String)>);

impl Posted {
    fn parse(body: &[u8]) -> Posted {
        Posted(url::form_urlencoded::parse(body).into_owned().collect())
    }

    fn one(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

// ---- names ----

async fn org_name(st: &AppState, lang: Lang, code: &str) -> String {
    match st.store.get_org(code).await {
        Ok(o) => lang.pick(&o.name, &o.name_en).to_string(),
        Err(_) => code.to_string(),
    }
}

async fn system_name(st: &AppState, lang: Lang, code: &str) -> String {
    match st.store.get_system(code).await {
        Ok(s) => lang.pick(&s.name, &s.name_en).to_string(),
        Err(_) => code.to_string(),
    }
}

fn grade_label(t: &Strings, g: Grade) -> &'static str {
    match g {
        Grade::General => t.grade_general,
        Grade::Important => t.grade_important,
        Grade::Core => t.grade_core,
    }
}

fn status_label(t: &Strings, status: &str) -> String {
    match status {
        "pending" => t.status_pending.into(),
        "approved" => t.status_approved.into(),
        "rejected" => t.status_rejected.into(),
        "withdrawn" => t.status_withdrawn.into(),
        other => other.into(),
    }
}

/// Who decided, as the log names them (`user:steward.a`): the username is what a colleague
/// recognises.
fn actor_label(actor: &str) -> String {
    actor
        .split_once(':')
        .map(|(_, n)| n)
        .unwrap_or(actor)
        .to_string()
}

/// The metadata of a resource as its latest version or submitted draft has it.
async fn resource_meta(st: &AppState, p: &Principal, code: &str) -> Option<ResourceMeta> {
    let d = st.store.get_resource(p.clone(), code).await.ok()?;
    match (d.draft, d.current) {
        (Some(dr), _) => Some(dr.meta),
        (None, Some(v)) => Some(v.meta),
        _ => None,
    }
}

/// One 信息项 as a table row, `checked` for the decision form's checkbox.
pub struct ItemRow {
    pub code: String,
    pub name: String,
    pub grade: &'static str,
    pub checked: bool,
}

fn item_name(meta: Option<&ResourceMeta>, code: &str) -> String {
    meta.and_then(|m| m.items.iter().find(|i| i.code == code))
        .map(|i| i.name.clone())
        .unwrap_or_else(|| code.to_string())
}

fn item_names(meta: Option<&ResourceMeta>, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| item_name(meta, c))
        .collect::<Vec<_>>()
        .join("、")
}

// ---- the steward answers an application ----

/// What the decision form holds, kept across an error and the check step.
#[derive(Default)]
pub struct DecisionForm {
    pub decision: String,
    pub fields: Vec<String>,
    pub days: String,
    pub reason: String,
}

impl DecisionForm {
    fn from_posted(p: &Posted) -> DecisionForm {
        DecisionForm {
            decision: p.one("decision"),
            fields: p.all("field"),
            days: p.one("days").trim().to_string(),
            reason: p.one("reason"),
        }
    }
}

/// What a notification banner says after a decision.
pub struct Banner {
    pub text: String,
}

#[derive(Template)]
#[template(path = "console/decision_application.html")]
pub struct ApplicationPage {
    pub f: Frame,
    pub id: i64,
    pub title: String,
    pub rows: Vec<(&'static str, String)>,
    pub items: Vec<ItemRow>,
    pub deadline: Option<DeadlineView>,
    pub status: String,
    pub may_decide: bool,
    pub requested_days: i64,
    pub form: DecisionForm,
    pub problems: Vec<Problem>,
    pub banner: Option<Banner>,
    /// The decision's entry in the audit log, once decided (`None` while it is sealed).
    pub receipt: Option<u64>,
    pub decided: Vec<(&'static str, String)>,
}

impl ApplicationPage {
    fn problems_at(&self, field: &str) -> Vec<&str> {
        problems_at(&self.problems, field)
    }
}

#[derive(Template)]
#[template(path = "console/decision_check.html")]
pub struct CheckPage {
    pub f: Frame,
    pub id: i64,
    pub title: String,
    pub approve: bool,
    pub form: DecisionForm,
    pub granted: String,
    pub not_granted: String,
    pub until: String,
    pub notified: String,
}

#[derive(Template)]
#[template(path = "console/decision_decided.html")]
pub struct DecidedPage {
    pub f: Frame,
    pub id: i64,
    pub rows: Vec<(&'static str, String)>,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// The application, and for the provider's steward while it waits, the decision form.
pub async fn application(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let a = st
        .store
        .get_application(person.principal.clone(), id)
        .await
        .map_err(|e| person.error(e))?;
    let done = q.done.is_some();
    let page = application_page(&st, &person, a, None, Vec::new(), done).await;
    Ok(views::html(&page).into_response())
}

async fn application_page(
    st: &AppState,
    person: &Person,
    a: ApplicationView,
    form: Option<DecisionForm>,
    problems: Vec<Problem>,
    done: bool,
) -> ApplicationPage {
    let f = person.frame(&format!("/console/applications/{}", a.id), "");
    let (lang, t) = (f.lang, f.t);
    let meta = resource_meta(st, &person.principal, &a.resource).await;
    let resource = meta
        .as_ref()
        .map(|m| lang.pick(&m.name, &m.name_en).to_string())
        .unwrap_or_else(|| a.resource.clone());
    let consumer = org_name(st, lang, &a.consumer_org).await;
    let system = system_name(st, lang, &a.system).await;
    let pending = a.status == "pending";
    let may_decide =
        pending && share::require_provider_steward(&person.principal, &a.provider).is_ok();
    let form = form.unwrap_or_else(|| DecisionForm {
        fields: a.fields.clone(),
        ..DecisionForm::default()
    });
    let items = a
        .fields
        .iter()
        .map(|code| {
            let item = meta
                .as_ref()
                .and_then(|m| m.items.iter().find(|i| &i.code == code));
            ItemRow {
                code: code.clone(),
                name: item.map(|i| i.name.clone()).unwrap_or_else(|| code.clone()),
                grade: item.map(|i| grade_label(t, i.grade)).unwrap_or(""),
                checked: form.fields.contains(code),
            }
        })
        .collect();
    let deadline = match (pending, a.due_at) {
        (true, Some(due)) => Some(DeadlineView::new(
            t,
            st.store.deadline_of(due).await.ok().flatten(),
        )),
        (true, None) => Some(DeadlineView::new(t, None)),
        _ => None,
    };
    let mut decided = Vec::new();
    let mut receipt = None;
    let mut banner = None;
    if let (Some(by), Some(at)) = (&a.decided_by, a.decided_at) {
        decided.push((t.col_status, status_label(t, &a.status)));
        decided.push((t.decided_by, actor_label(by)));
        decided.push((t.decided_at, views::date(lang, at)));
        if let Some(o) = a.opinion.as_deref().filter(|o| !o.is_empty()) {
            decided.push((t.col_opinion, o.to_string()));
        }
        let action = format!("share.application.{}", closing_action(&a.status));
        receipt = st
            .store
            .sealed_entry_index(&action, &a.resource, at)
            .await
            .ok()
            .flatten();
        if done {
            banner = Some(decision_banner(st, person, &a, meta.as_ref(), &system).await);
        }
    }
    let rows = vec![
        (t.col_resource, resource),
        (t.col_consumer, consumer),
        (t.field_system, system),
        (t.field_purpose, a.purpose.clone()),
        (t.field_scene, a.scene.clone()),
        (t.field_legal_basis, a.legal_basis.clone()),
        (t.field_days, a.days.to_string()),
        (t.col_filed, views::date(lang, a.filed_at)),
        (
            t.field_due,
            a.due_at
                .map(|d| views::date(lang, d))
                .unwrap_or_else(|| t.deadline_unknown.into()),
        ),
    ];
    ApplicationPage {
        title: format!("{} {}", t.detail_title_application, a.id),
        id: a.id,
        rows,
        items,
        deadline,
        status: status_label(t, &a.status),
        may_decide,
        requested_days: a.days,
        form,
        problems,
        banner,
        receipt,
        decided,
        f,
    }
}

/// The log's action of the event that closed an application in `status`.
fn closing_action(status: &str) -> &'static str {
    match status {
        "approved" => "approve",
        "withdrawn" => "withdraw",
        _ => "reject",
    }
}

/// "已批准：人社厅社保系统 可读取 姓名、性别，至 2027年3月9日" — from the grant itself, so
/// the banner says what was granted, not what was asked.
async fn decision_banner(
    st: &AppState,
    person: &Person,
    a: &ApplicationView,
    meta: Option<&ResourceMeta>,
    system: &str,
) -> Banner {
    let (lang, t) = (person.lang, person.lang.strings());
    if a.status == "approved" {
        if let Some(g) = a.grant_id {
            if let Ok(g) = st.store.get_grant(person.principal.clone(), g).await {
                return Banner {
                    text: format!(
                        "{}{system}{}{}{}{}",
                        t.banner_approved,
                        t.banner_can_read,
                        item_names(meta, &g.fields),
                        t.banner_until,
                        views::date(lang, g.expires_at)
                    ),
                };
            }
        }
    }
    Banner {
        text: format!(
            "{}{}",
            t.banner_rejected,
            a.opinion.clone().unwrap_or_default()
        ),
    }
}

/// The decision form's post: without `confirm`, checks the answers and shows what will
/// change (or the form again with every problem); with it, decides.
pub async fn decide_application(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    // The rule first: another department's steward is told why, whatever the form says.
    let a = st
        .store
        .application_to_decide(person.principal.clone(), id)
        .await
        .map_err(|e| person.error(e))?;
    if a.status != "pending" {
        return Ok(decided_page(&person, &a).await);
    }
    let form = DecisionForm::from_posted(&posted);
    let step = posted.one("step");
    let problems = check_decision(person.lang, &a, &form);
    if !problems.is_empty() || step == "edit" {
        let status = if problems.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let page = application_page(&st, &person, a, Some(form), problems, false).await;
        return Ok((status, views::html(&page)).into_response());
    }
    if step != "confirm" {
        return Ok(check_page(&st, &person, &a, form).await);
    }
    let approve = form.decision == "approve";
    let result = if approve {
        st.store
            .approve_application(person.principal.clone(), id, approval(&a, &form))
            .await
    } else {
        st.store
            .reject_application(person.principal.clone(), id, form.reason.clone())
            .await
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/console/applications/{id}?done=1")).into_response()),
        Err(StoreError::Domain(DomainError::Conflict { .. })) => {
            let a = st
                .store
                .get_application(person.principal.clone(), id)
                .await
                .map_err(|e| person.error(e))?;
            Ok(decided_page(&person, &a).await)
        }
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            let problems = problems_of(person.lang, &errs, control_of);
            let page = application_page(&st, &person, a, Some(form), problems, false).await;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, views::html(&page)).into_response())
        }
        Err(e) => Err(person.error(e)),
    }
}

/// The form's control for a rule's field name.
fn control_of(field: &str) -> String {
    match field {
        "opinion" => "reason".into(),
        "fields" => "field-0".into(),
        other => other.into(),
    }
}

fn approval(a: &ApplicationView, form: &DecisionForm) -> Approval {
    Approval {
        fields: Some(form.fields.clone()),
        days: form.days.parse().ok().filter(|d| *d as i64 != a.days),
        opinion: form.reason.trim().to_string(),
        quota_per_day: None,
    }
}

/// Every problem of the form at once, by the same rules the store applies.
fn check_decision(lang: Lang, a: &ApplicationView, form: &DecisionForm) -> Vec<Problem> {
    let t = lang.strings();
    let mut problems = Vec::new();
    match form.decision.as_str() {
        "approve" => {
            if !form.days.is_empty() && form.days.parse::<u32>().map_or(true, |d| d == 0) {
                problems.push(Problem {
                    field: "days".into(),
                    text: t.dec_days_invalid.into(),
                });
            }
            let mut approval = approval(a, form);
            if !problems.is_empty() {
                approval.days = None;
            }
            if let Err(DomainError::Invalid(errs)) =
                share::approved_terms(&a.fields, a.days as u32, &approval)
            {
                problems.extend(problems_of(lang, &errs, control_of));
            }
        }
        "reject" => {
            if let Err(DomainError::Invalid(errs)) =
                share::require_text("reason", "驳回理由", &form.reason)
            {
                problems.extend(problems_of(lang, &errs, control_of));
            }
        }
        _ => problems.push(Problem {
            field: "decision-approve".into(),
            text: t.dec_decision_missing.into(),
        }),
    }
    problems
}

async fn check_page(
    st: &AppState,
    person: &Person,
    a: &ApplicationView,
    form: DecisionForm,
) -> Response {
    let f = person.frame(&format!("/console/applications/{}", a.id), "");
    let (lang, t) = (f.lang, f.t);
    let meta = resource_meta(st, &person.principal, &a.resource).await;
    let approve = form.decision == "approve";
    let (granted, not_granted, until) = if approve {
        let kept: Vec<String> = a
            .fields
            .iter()
            .filter(|c| form.fields.contains(c))
            .cloned()
            .collect();
        let dropped: Vec<String> = a
            .fields
            .iter()
            .filter(|c| !form.fields.contains(c))
            .cloned()
            .collect();
        let days = form.days.parse::<i64>().unwrap_or(a.days);
        (
            item_names(meta.as_ref(), &kept),
            if dropped.is_empty() {
                t.none_text.to_string()
            } else {
                item_names(meta.as_ref(), &dropped)
            },
            views::date(lang, st.store.now() + days * DAY_MS),
        )
    } else {
        (String::new(), String::new(), String::new())
    };
    let consumer = org_name(st, lang, &a.consumer_org).await;
    let page = CheckPage {
        title: format!("{} {}", t.detail_title_application, a.id),
        id: a.id,
        approve,
        form,
        granted,
        not_granted,
        until,
        notified: format!("{consumer}{}", t.check_notified_after),
        f,
    };
    views::html(&page).into_response()
}

/// 409: somebody decided first; says who, when and how.
async fn decided_page(person: &Person, a: &ApplicationView) -> Response {
    let f = person.frame(&format!("/console/applications/{}", a.id), "");
    let (lang, t) = (f.lang, f.t);
    let mut rows = vec![(t.col_status, status_label(t, &a.status))];
    if let Some(by) = &a.decided_by {
        rows.push((t.decided_by, actor_label(by)));
    }
    if let Some(at) = a.decided_at {
        rows.push((t.decided_at, views::date(lang, at)));
    }
    let page = DecidedPage { f, id: a.id, rows };
    (StatusCode::CONFLICT, views::html(&page)).into_response()
}

// ---- the negative list's reviewers ----

/// One reviewer role's state on a proposal.
pub struct ReviewRow {
    pub role: &'static str,
    pub state: &'static str,
    pub approved: Option<bool>,
    pub reviewer: String,
    pub opinion: String,
}

#[derive(Template)]
#[template(path = "console/decision_proposal.html")]
pub struct ProposalPage {
    pub f: Frame,
    pub id: i64,
    pub title: String,
    pub rows: Vec<(&'static str, String)>,
    pub items: Vec<ItemRow>,
    pub reviews: Vec<ReviewRow>,
    /// The roles this person may still review as (empty: no form).
    pub roles: Vec<(&'static str, &'static str)>,
    pub role: String,
    pub decision: String,
    pub opinion: String,
    pub problems: Vec<Problem>,
    pub notice: Option<&'static str>,
}

impl ProposalPage {
    fn problems_at(&self, field: &str) -> Vec<&str> {
        problems_at(&self.problems, field)
    }

    fn role_is(&self, code: &str) -> bool {
        self.role == code
    }
}

fn role_label(t: &Strings, r: Role) -> &'static str {
    match r {
        Role::LegalReviewer => t.role_legal,
        Role::SecrecyReviewer => t.role_secrecy,
        _ => t.role_platform_admin,
    }
}

pub async fn proposal(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let p = st
        .store
        .get_negative_proposal(person.principal.clone(), id)
        .await
        .map_err(|e| person.error(e))?;
    let notice = q.done.map(|_| person.lang.strings().prop_reviewed);
    let page = proposal_page(&st, &person, p, None, Vec::new(), notice).await;
    Ok(views::html(&page).into_response())
}

async fn proposal_page(
    st: &AppState,
    person: &Person,
    p: NegativeProposalView,
    kept: Option<(String, String, String)>,
    problems: Vec<Problem>,
    notice: Option<&'static str>,
) -> ProposalPage {
    let f = person.frame(&format!("/console/negative-proposals/{}", p.id), "");
    let (lang, t) = (f.lang, f.t);
    let meta = resource_meta(st, &person.principal, &p.resource).await;
    let change = if p.action == "remove" {
        t.remove_from_list
    } else {
        t.add_to_list
    };
    let resource = meta
        .as_ref()
        .map(|m| format!("{}（{}）", lang.pick(&m.name, &m.name_en), p.resource))
        .unwrap_or_else(|| p.resource.clone());
    let rows = vec![
        (t.col_resource, resource),
        (t.col_provider, org_name(st, lang, &p.provider).await),
        (t.col_change, change.to_string()),
        (t.field_legal_basis, p.legal_basis.clone()),
        (t.field_reason, p.reason.clone()),
        (t.col_filed, views::date(lang, p.proposed_at)),
    ];
    let items = meta
        .as_ref()
        .map(|m| {
            m.items
                .iter()
                .map(|i| ItemRow {
                    code: i.code.clone(),
                    name: i.name.clone(),
                    grade: grade_label(t, i.grade),
                    checked: false,
                })
                .collect()
        })
        .unwrap_or_default();
    let reviews = share::NEGATIVE_LIST_REVIEWERS
        .into_iter()
        .map(|r| {
            let done = p.reviews.iter().find(|v| v.role == r.as_str());
            ReviewRow {
                role: role_label(t, r),
                state: match done.map(|d| d.decision.as_str()) {
                    Some("approve") => t.review_approved,
                    Some(_) => t.review_rejected,
                    None => t.review_waiting,
                },
                approved: done.map(|d| d.decision == "approve"),
                reviewer: done.map(|d| actor_label(&d.reviewer)).unwrap_or_default(),
                opinion: done.map(|d| d.opinion.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let roles: Vec<(&'static str, &'static str)> = if p.status == "pending" {
        share::reviewer_roles(&person.principal)
            .into_iter()
            .filter(|r| p.awaiting.iter().any(|a| a == r.as_str()))
            .map(|r| (r.as_str(), role_label(t, r)))
            .collect()
    } else {
        Vec::new()
    };
    let (role, decision, opinion) = kept.unwrap_or_else(|| {
        let only = if roles.len() == 1 { roles[0].0 } else { "" };
        (only.to_string(), String::new(), String::new())
    });
    ProposalPage {
        title: format!("{} {}", t.detail_title_proposal, p.id),
        id: p.id,
        rows,
        items,
        reviews,
        roles,
        role,
        decision,
        opinion,
        problems,
        notice,
        f,
    }
}

/// A reviewer's decision. Who may review is core's rule (`review_negative` refuses anyone
/// else with its reason); the form only reports every problem at once.
pub async fn review_proposal(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let lang = person.lang;
    let t = lang.strings();
    let (role, decision, opinion) = (
        posted.one("role"),
        posted.one("decision"),
        posted.one("opinion"),
    );
    let mut problems = Vec::new();
    let as_role = Role::parse(&role);
    let held = share::reviewer_roles(&person.principal);
    if held.is_empty() {
        // Not a reviewer: the rule refuses, with its own reason, before anything is written.
        return match st
            .store
            .review_negative(
                person.principal.clone(),
                id,
                Decision::Approve,
                opinion,
                None,
            )
            .await
        {
            Ok(_) => Ok(Redirect::to(&format!("/console/negative-proposals/{id}")).into_response()),
            Err(e) => Err(person.error(e)),
        };
    }
    let p = st
        .store
        .get_negative_proposal(person.principal.clone(), id)
        .await
        .map_err(|e| person.error(e))?;
    if held.len() > 1 && as_role.is_none() {
        problems.push(Problem {
            field: "role".into(),
            text: t.prop_role_missing.into(),
        });
    }
    let dec = match decision.as_str() {
        "approve" => Some(Decision::Approve),
        "reject" => Some(Decision::Reject),
        _ => {
            problems.push(Problem {
                field: "decision-approve".into(),
                text: t.dec_decision_missing.into(),
            });
            None
        }
    };
    if dec == Some(Decision::Reject) {
        if let Err(DomainError::Invalid(errs)) =
            share::require_text("opinion", "不同意的理由", &opinion)
        {
            problems.extend(problems_of(lang, &errs, str::to_string));
        }
    }
    let kept = (role.clone(), decision.clone(), opinion.clone());
    if let (true, Some(dec)) = (problems.is_empty(), dec) {
        match st
            .store
            .review_negative(person.principal.clone(), id, dec, opinion, as_role)
            .await
        {
            Ok(_) => {
                return Ok(
                    Redirect::to(&format!("/console/negative-proposals/{id}?done=1"))
                        .into_response(),
                )
            }
            Err(StoreError::Domain(DomainError::Invalid(errs))) => {
                problems = problems_of(lang, &errs, str::to_string);
            }
            Err(StoreError::Domain(DomainError::Conflict { msg, .. })) => {
                problems.push(Problem {
                    field: "decision-approve".into(),
                    text: lang.pick(&msg.zh, &msg.en).to_string(),
                });
            }
            Err(e) => return Err(person.error(e)),
        }
    }
    let page = proposal_page(&st, &person, p, Some(kept), problems, None).await;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, views::html(&page)).into_response())
}

// ---- the operator's review queue ----

pub struct QueueRow {
    pub href: String,
    pub name: String,
    pub code: String,
    pub provider: String,
    pub kind: &'static str,
    pub when: String,
}

#[derive(Template)]
#[template(path = "console/review_queue.html")]
pub struct QueuePage {
    pub f: Frame,
    pub rows: Vec<QueueRow>,
    pub notice: Option<String>,
}

#[derive(Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    returned: Option<String>,
}

/// Resources submitted for publication; only the operator's (others get the rule's 403).
pub async fn review_queue(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let queue = st
        .store
        .review_queue(person.principal.clone())
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame("/console/review", "review");
    let (lang, t) = (f.lang, f.t);
    let mut names: HashMap<String, String> = HashMap::new();
    for o in st.store.list_orgs().await.unwrap_or_default() {
        names.insert(o.code.clone(), lang.pick(&o.name, &o.name_en).to_string());
    }
    let rows = queue
        .into_iter()
        .map(|s| QueueRow {
            href: format!("/console/review/{}", s.code),
            name: lang.pick(&s.name, &s.name_en).to_string(),
            provider: names.get(&s.provider).cloned().unwrap_or(s.provider),
            kind: if s.published {
                t.kind_change
            } else {
                t.kind_first
            },
            when: views::date(lang, s.submitted_at),
            code: s.code,
        })
        .collect();
    // The code is shown as text (escaped); it names what was just done.
    let notice = match (q.published, q.returned) {
        (Some(c), _) => Some(format!("{}{c}", t.review_published)),
        (None, Some(c)) => Some(format!("{}{c}", t.review_returned)),
        _ => None,
    };
    Ok(views::html(&QueuePage { f, rows, notice }).into_response())
}

#[derive(Template)]
#[template(path = "console/review_resource.html")]
pub struct ResourcePage {
    pub f: Frame,
    pub code: String,
    pub title: String,
    pub rows: Vec<(&'static str, String)>,
    pub items: Vec<ResourceItem>,
    pub submitted: bool,
    pub reason: String,
    pub problems: Vec<Problem>,
}

impl ResourcePage {
    fn problems_at(&self, field: &str) -> Vec<&str> {
        problems_at(&self.problems, field)
    }
}

pub struct ResourceItem {
    pub name: String,
    pub code: String,
    pub kind: String,
    pub required: bool,
    pub grade: &'static str,
}

pub async fn review_resource(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    person
        .principal
        .require_platform_admin()
        .map_err(|e| PageError::from_domain(person.lang, e))?;
    resource_page(
        &st,
        &person,
        &code,
        String::new(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn resource_page(
    st: &AppState,
    person: &Person,
    code: &str,
    reason: String,
    problems: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let d = st
        .store
        .get_resource(person.principal.clone(), code)
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame(&format!("/console/review/{code}"), "review");
    let (lang, t) = (f.lang, f.t);
    let submitted = d.status == Status::Submitted;
    let meta = match (d.draft, d.current) {
        (Some(dr), _) => dr.meta,
        (None, Some(v)) => v.meta,
        _ => return Err(PageError::NotFound(lang)),
    };
    let en = lang == Lang::En;
    let label = |zh: &'static str, wire: &'static str| if en { wire } else { zh };
    let rows = vec![
        (t.col_code_resource, d.code.clone()),
        (t.col_provider, org_name(st, lang, &meta.provider).await),
        (t.meta_summary, meta.summary.clone()),
        (
            t.meta_share_type,
            label(meta.share_type.label_zh(), meta.share_type.as_str()).to_string(),
        ),
        (
            t.meta_share_condition,
            meta.share_condition.clone().unwrap_or_default(),
        ),
        (
            t.meta_open_type,
            label(meta.open_type.label_zh(), meta.open_type.as_str()).to_string(),
        ),
        (
            t.meta_update_cycle,
            label(meta.update_cycle.label_zh(), meta.update_cycle.as_str()).to_string(),
        ),
        (
            t.field_legal_basis,
            meta.legal_basis.clone().unwrap_or_default(),
        ),
        (t.meta_key_fields, meta.key_fields.join("、")),
        (
            t.col_status,
            label(d.status.label_zh(), d.status.as_str()).to_string(),
        ),
    ];
    let items = meta
        .items
        .iter()
        .map(|i| ResourceItem {
            name: i.name.clone(),
            code: i.code.clone(),
            kind: label(i.item_type.label_zh(), i.item_type.as_str()).to_string(),
            required: i.required,
            grade: grade_label(t, i.grade),
        })
        .collect();
    let page = ResourcePage {
        title: lang.pick(&meta.name, &meta.name_en).to_string(),
        code: d.code,
        rows,
        items,
        submitted,
        reason,
        problems,
        f,
    };
    Ok((status, views::html(&page)).into_response())
}

/// Publish, or return with the reason (required, and kept when anything is wrong).
pub async fn review_decide(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    person
        .principal
        .require_platform_admin()
        .map_err(|e| PageError::from_domain(person.lang, e))?;
    let reason = posted.one("reason");
    let query: String = url::form_urlencoded::byte_serialize(code.as_bytes()).collect();
    let result = match posted.one("action").as_str() {
        "publish" => st
            .store
            .publish_resource(person.principal.clone(), &code)
            .await
            .map(|_| format!("/console/review?published={query}")),
        _ => st
            .store
            .return_resource(person.principal.clone(), &code, &reason)
            .await
            .map(|_| format!("/console/review?returned={query}")),
    };
    match result {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            let problems = problems_of(person.lang, &errs, |_| "reason".to_string());
            resource_page(
                &st,
                &person,
                &code,
                reason,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Domain(DomainError::Conflict { msg, .. })) => {
            let problems = vec![Problem {
                field: "reason".into(),
                text: person.lang.pick(&msg.zh, &msg.en).to_string(),
            }];
            resource_page(&st, &person, &code, reason, problems, StatusCode::CONFLICT).await
        }
        Err(e) => Err(person.error(e)),
    }
}
