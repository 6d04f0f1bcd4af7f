//! 数据异议 in the console: a consuming department flags a record, the provider answers,
//! the flagger confirms or contests, the operator rules. One page lists what the person may
//! see; each card offers only the step core's rules let this person take now.
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shuqiao_core::quality::objection::{self, Answer, ObjectionInput, Response as Reply, Ruling};
use shuqiao_core::DomainError;
use shuqiao_service::quality::objections::{ObjectionFilter, ObjectionView};
use shuqiao_service::StoreError;

use super::admin_pages::Posted;
use super::i18n::Strings;
use super::open_answers::problems_of_store;
use super::pages::Person;
use super::text::Problem;
use super::views::{self, Frame};
use super::PageError;
use crate::AppState;

const PAGE: &str = "/console/quality/objections";

#[derive(Deserialize)]
pub struct Shown {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    supervision: Option<String>,
}

pub struct Card {
    pub id: i64,
    pub resource: String,
    pub key: String,
    pub fields: String,
    pub reason: String,
    pub evidence: String,
    pub flagger: String,
    pub provider: String,
    pub status: &'static str,
    pub due: String,
    pub overdue: bool,
    pub late: bool,
    pub escalated: bool,
    pub answer: String,
    pub response: String,
    pub ruling: String,
    /// The one step this person may take now, if any.
    pub step: Option<StepForm>,
}

/// A step's form: its path segment, its legend and its two choices (value, label).
pub struct StepForm {
    pub name: &'static str,
    pub legend: &'static str,
    pub choices: [(&'static str, &'static str); 2],
}

/// Which step `p` may take on `o` in its present state: the provider answers an open one,
/// the flagging department responds to an answer, the operator rules on a contested one.
fn step_for(
    p: &shuqiao_core::account::Principal,
    t: &Strings,
    o: &ObjectionView,
) -> Option<StepForm> {
    let form = |name, legend, choices| {
        Some(StepForm {
            name,
            legend,
            choices,
        })
    };
    match o.status.as_str() {
        "open" if objection::require_answerer(p, &o.provider).is_ok() => form(
            "answer",
            t.qo_answer,
            [("corrected", t.qo_corrected), ("disputed", t.qo_disputed)],
        ),
        "corrected" | "disputed"
            if o.source == "consumer" && objection::require_flagger(p, &o.flagger_org).is_ok() =>
        {
            form(
                "respond",
                t.qo_respond,
                [("confirm", t.qo_confirm), ("contest", t.qo_contest)],
            )
        }
        "contested" if p.is_platform_admin() => form(
            "rule",
            t.qo_rule,
            [("upheld", t.qo_upheld), ("dismissed", t.qo_dismiss)],
        ),
        _ => None,
    }
}

/// What the filing form sends back when it is shown again with its problems.
#[derive(Default)]
pub struct Filed {
    pub resource: String,
    pub key: String,
    pub fields: String,
    pub reason: String,
    pub evidence: String,
}

#[derive(Template)]
#[template(path = "console/quality_objections.html")]
pub struct ObjectionsPage {
    pub f: Frame,
    pub cards: Vec<Card>,
    pub may_file: bool,
    pub may_supervise: bool,
    pub supervision: bool,
    pub filed: Filed,
    pub notice: bool,
    pub problems: Vec<Problem>,
}

fn status_label(t: &Strings, s: &str) -> &'static str {
    match objection::Status::parse(s) {
        Some(objection::Status::Open) => t.qo_status_open,
        Some(objection::Status::Corrected) => t.qo_status_corrected,
        Some(objection::Status::Disputed) => t.qo_status_disputed,
        Some(objection::Status::Resolved) => t.qo_status_resolved,
        Some(objection::Status::Contested) => t.qo_status_contested,
        _ => t.qo_status_dismissed,
    }
}

fn card(person: &Person, t: &Strings, o: ObjectionView) -> Card {
    Card {
        id: o.id,
        step: step_for(&person.principal, t, &o),
        status: status_label(t, &o.status),
        flagger: if o.source == "public" {
            t.qo_public.to_string()
        } else {
            o.flagger_org
        },
        due: o.due_date.unwrap_or_default(),
        overdue: o.overdue,
        late: o.answered_late,
        escalated: o.escalated_at.is_some(),
        fields: o.fields.join("、"),
        answer: o.answer.unwrap_or_default(),
        response: o.response.unwrap_or_default(),
        ruling: o.ruling.unwrap_or_default(),
        evidence: o.evidence.unwrap_or_default(),
        resource: o.resource,
        key: o.key,
        reason: o.reason,
        provider: o.provider,
    }
}

async fn page(
    st: &AppState,
    person: &Person,
    supervision: bool,
    notice: bool,
    filed: Filed,
    problems: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let list = st
        .store
        .list_objections(
            person.principal.clone(),
            ObjectionFilter {
                supervision,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame(PAGE, "objections");
    let t = f.t;
    let cards = list.into_iter().map(|o| card(person, t, o)).collect();
    let p = &person.principal;
    let page = ObjectionsPage {
        may_file: objection::flagger_orgs(p).is_ok(),
        may_supervise: p.is_platform_admin() || p.has_role(shuqiao_core::account::Role::Auditor),
        f,
        cards,
        supervision,
        filed,
        notice,
        problems,
    };
    Ok((status, views::html(&page)).into_response())
}

pub async fn objections(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<Shown>,
) -> Result<Response, PageError> {
    let supervision = q.supervision.is_some();
    page(
        &st,
        &person,
        supervision,
        q.done.is_some(),
        Filed::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// The rules' refusals of a filing (no grant, a field outside it) are the person's to fix,
/// so they show on the form like any other problem.
fn filing_problems(person: &Person, e: StoreError) -> Result<Vec<Problem>, PageError> {
    match e {
        StoreError::Domain(DomainError::Forbidden { msg, .. }) => Ok(vec![Problem {
            field: "qo-new".into(),
            text: person.lang.pick(&msg.zh, &msg.en).to_string(),
        }]),
        other => problems_of_store(person, other, "qo-new", |f| {
            let base = f.split('[').next().unwrap_or(f);
            format!("qo-{base}")
        }),
    }
}

pub async fn file(
    State(st): State<AppState>,
    person: Person,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let filed = Filed {
        resource: posted.one("resource"),
        key: posted.one("key"),
        fields: posted.one("fields"),
        reason: posted.one("reason"),
        evidence: posted.one("evidence"),
    };
    let input = ObjectionInput {
        resource: filed.resource.trim().to_string(),
        key: filed.key.trim().to_string(),
        fields: filed
            .fields
            .split([',', '，', '、', ' '])
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(String::from)
            .collect(),
        reason: filed.reason.clone(),
        evidence: Some(filed.evidence.trim().to_string()).filter(|e| !e.is_empty()),
    };
    match st
        .store
        .file_objection(person.principal.clone(), input)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{PAGE}?done=1")).into_response()),
        Err(e) => {
            let problems = filing_problems(&person, e)?;
            page(
                &st,
                &person,
                false,
                false,
                filed,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// One step on one objection: `answer`, `respond` or `rule`, each with its choice and note.
pub async fn step(
    State(st): State<AppState>,
    person: Person,
    Path((id, step)): Path<(i64, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let (choice, note) = (posted.one("choice"), posted.one("note"));
    let p = person.principal.clone();
    let store = &st.store;
    let form = format!("qo-{id}-{step}");
    let missing = || {
        Err::<ObjectionView, StoreError>(
            DomainError::one(shuqiao_core::FieldError::required("choice", "处理结果")).into(),
        )
    };
    let done = match step.as_str() {
        "answer" => match choice.as_str() {
            "corrected" => store.answer_objection(p, id, Answer::Corrected, note).await,
            "disputed" => store.answer_objection(p, id, Answer::Disputed, note).await,
            _ => missing(),
        },
        "respond" => match choice.as_str() {
            "confirm" => store.respond_objection(p, id, Reply::Confirm, note).await,
            "contest" => store.respond_objection(p, id, Reply::Contest, note).await,
            _ => missing(),
        },
        "rule" => match choice.as_str() {
            "upheld" => store.rule_objection(p, id, Ruling::Upheld, note).await,
            "dismissed" => store.rule_objection(p, id, Ruling::Dismissed, note).await,
            _ => missing(),
        },
        _ => {
            return Err(PageError::from_domain(
                person.lang,
                DomainError::not_found("no_such_step", "没有这个操作", "no such step"),
            ))
        }
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!("{PAGE}?done=1")).into_response()),
        Err(e) => {
            let problems = problems_of_store(&person, e, &form, |f| format!("{form}-{f}"))?;
            page(
                &st,
                &person,
                false,
                false,
                Filed::default(),
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
