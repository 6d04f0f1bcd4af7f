//! What the public sends a provider, answered in the console: applications for 有条件开放
//! data (approve with a quota and a term, or refuse with the reason), data requests (opening,
//! declined or moved to another department) and feedback (纠错). Each list shows what the
//! person may see; the answer forms appear only where core's rules let them answer.
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shuqiao_core::open::{ApplicationAnswer, RequestAnswer, RequestOutcome};
use shuqiao_core::DomainError;
use shuqiao_service::StoreError;

use super::admin_pages::Posted;
use super::i18n::Strings;
use super::pages::Person;
use super::text::{name_of, org_names, Problem};
use super::views::{self, Frame};
use super::PageError;
use crate::AppState;

#[derive(Deserialize)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

fn status_label(t: &Strings, s: &str) -> &'static str {
    match s {
        "pending" | "open" => t.oa_status_pending,
        "approved" => t.oa_status_approved,
        "refused" => t.oa_status_refused,
        "answered" => t.oa_status_answered,
        _ => t.oa_status_other,
    }
}

pub struct ApplicationRow {
    pub id: i64,
    pub dataset: String,
    pub applicant: String,
    pub purpose: String,
    pub status: &'static str,
    pub due: String,
    pub overdue: bool,
    pub reason: String,
    pub may_answer: bool,
}

#[derive(Template)]
#[template(path = "console/open_applications.html")]
pub struct ApplicationsPage {
    pub f: Frame,
    pub rows: Vec<ApplicationRow>,
    pub notice: bool,
    pub problems: Vec<Problem>,
}

pub async fn applications(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    applications_page(&st, &person, q.done.is_some(), Vec::new(), StatusCode::OK).await
}

async fn applications_page(
    st: &AppState,
    person: &Person,
    notice: bool,
    problems: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let list = st
        .store
        .open_applications(person.principal.clone())
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame("/console/open/applications", "open-applications");
    let t = f.t;
    let mine = person.principal.steward_orgs();
    let rows = list
        .into_iter()
        .map(|a| ApplicationRow {
            id: a.id,
            may_answer: a.status == "pending" && mine.contains(&a.provider),
            status: status_label(t, &a.status),
            due: a.due_date.unwrap_or_default(),
            overdue: a.overdue,
            reason: a.reason.unwrap_or_default(),
            dataset: a.dataset,
            applicant: a.applicant,
            purpose: a.purpose,
        })
        .collect();
    let page = ApplicationsPage {
        f,
        rows,
        notice,
        problems,
    };
    Ok((status, views::html(&page)).into_response())
}

/// A store error as the form's problems: each invalid field at the control `control` names
/// it by, a conflict at `whole` (the form itself); anything else is the page's error.
pub(super) fn problems_of_store(
    person: &Person,
    e: StoreError,
    whole: &str,
    control: impl Fn(&str) -> String,
) -> Result<Vec<Problem>, PageError> {
    match e {
        StoreError::Domain(DomainError::Invalid(errs)) => Ok(errs
            .iter()
            .map(|e| Problem {
                field: control(&e.field),
                text: person.lang.pick(&e.zh, &e.en).to_string(),
            })
            .collect()),
        StoreError::Domain(DomainError::Conflict { msg, .. }) => Ok(vec![Problem {
            field: whole.to_string(),
            text: person.lang.pick(&msg.zh, &msg.en).to_string(),
        }]),
        other => Err(person.error(other)),
    }
}

pub async fn answer_application(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let approve = posted.one("decision") == "approve";
    let number = |name: &str| posted.one(name).trim().parse::<u32>().ok();
    let answer = ApplicationAnswer {
        approve,
        reason: posted.one("reason"),
        quota_per_day: if approve {
            number("quota_per_day").or(Some(0))
        } else {
            None
        },
        days: if approve {
            number("days").or(Some(0))
        } else {
            None
        },
    };
    match st
        .store
        .answer_open_application(person.principal.clone(), id, answer)
        .await
    {
        Ok(_) => Ok(Redirect::to("/console/open/applications?done=1").into_response()),
        Err(e) => {
            let form = format!("app-{id}");
            let problems = problems_of_store(&person, e, &form, |f| format!("{form}-{f}"))?;
            applications_page(
                &st,
                &person,
                false,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub struct RequestRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub org: String,
    pub status: &'static str,
    pub due: String,
    pub overdue: bool,
    pub answer: String,
    pub may_answer: bool,
}

#[derive(Template)]
#[template(path = "console/open_requests.html")]
pub struct RequestsPage {
    pub f: Frame,
    pub rows: Vec<RequestRow>,
    pub notice: bool,
    pub problems: Vec<Problem>,
}

pub async fn requests(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    requests_page(&st, &person, q.done.is_some(), Vec::new(), StatusCode::OK).await
}

async fn requests_page(
    st: &AppState,
    person: &Person,
    notice: bool,
    problems: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = &person.principal;
    let all = p.is_platform_admin() || p.has_role(shuqiao_core::account::Role::Auditor);
    let mine = p.steward_orgs();
    if !all && mine.is_empty() {
        return Err(PageError::from_domain(
            person.lang,
            DomainError::forbidden(
                "not_a_steward",
                "只有数据管理员、平台管理员和审计人员处理数据需求",
                "only data stewards, the operator and auditors handle data requests",
            ),
        ));
    }
    let (list, _) = st
        .store
        .open_requests(200, 0)
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame("/console/open/requests", "open-requests");
    let (lang, t) = (f.lang, f.t);
    let names = org_names(st, lang).await;
    let rows = list
        .into_iter()
        .filter(|r| all || r.org.as_ref().is_some_and(|o| mine.contains(o)))
        .map(|r| {
            let org = r.org.clone().unwrap_or_default();
            RequestRow {
                id: r.id,
                may_answer: r.status == "open" && (p.is_platform_admin() || mine.contains(&org)),
                org: name_of(&names, &org),
                status: status_label(t, &r.status),
                due: r.due_date.unwrap_or_default(),
                overdue: r.overdue,
                answer: r.answer.unwrap_or_default(),
                title: r.title,
                description: r.description,
            }
        })
        .collect();
    let page = RequestsPage {
        f,
        rows,
        notice,
        problems,
    };
    Ok((status, views::html(&page)).into_response())
}

pub async fn answer_request(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let outcome = match posted.one("outcome").as_str() {
        "opening" => RequestOutcome::Opening,
        "redirected" => RequestOutcome::Redirected,
        _ => RequestOutcome::Declined,
    };
    let opt = |n: &str| Some(posted.one(n).trim().to_string()).filter(|v| !v.is_empty());
    let answer = RequestAnswer {
        outcome,
        answer: posted.one("answer"),
        dataset: opt("dataset"),
        org: opt("org"),
    };
    match st
        .store
        .answer_open_request(person.principal.clone(), id, answer)
        .await
    {
        Ok(_) => Ok(Redirect::to("/console/open/requests?done=1").into_response()),
        Err(e) => {
            let form = format!("req-{id}");
            let problems = problems_of_store(&person, e, &form, |f| format!("{form}-{f}"))?;
            requests_page(
                &st,
                &person,
                false,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub struct FeedbackRow {
    pub id: i64,
    pub dataset: String,
    pub row: String,
    pub author: String,
    pub text: String,
    pub status: &'static str,
    pub due: String,
    pub overdue: bool,
    pub answer: String,
    pub may_answer: bool,
}

#[derive(Template)]
#[template(path = "console/open_feedback.html")]
pub struct FeedbackPage {
    pub f: Frame,
    pub rows: Vec<FeedbackRow>,
    pub notice: bool,
    pub problems: Vec<Problem>,
}

pub async fn feedback(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    feedback_page(&st, &person, q.done.is_some(), Vec::new(), StatusCode::OK).await
}

async fn feedback_page(
    st: &AppState,
    person: &Person,
    notice: bool,
    problems: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let list = st
        .store
        .feedback_list(person.principal.clone())
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame("/console/open/feedback", "open-feedback");
    let t = f.t;
    let mine = person.principal.steward_orgs();
    let rows = list
        .into_iter()
        .map(|x| FeedbackRow {
            id: x.id,
            may_answer: x.status == "open" && mine.contains(&x.provider),
            row: x.row.map(|r| r.to_string()).unwrap_or_default(),
            status: status_label(t, &x.status),
            due: x.due_date.unwrap_or_default(),
            overdue: x.overdue,
            answer: x.answer.unwrap_or_default(),
            dataset: x.dataset,
            author: x.author,
            text: x.text,
        })
        .collect();
    let page = FeedbackPage {
        f,
        rows,
        notice,
        problems,
    };
    Ok((status, views::html(&page)).into_response())
}

pub async fn answer_feedback(
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
        .answer_feedback(person.principal.clone(), id, &posted.one("answer"))
        .await
    {
        Ok(_) => Ok(Redirect::to("/console/open/feedback?done=1").into_response()),
        Err(e) => {
            let form = format!("fb-{id}");
            let problems = problems_of_store(&person, e, &form, |f| format!("{form}-{f}"))?;
            feedback_page(
                &st,
                &person,
                false,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
