//! Open-data governance in the console: a steward submits the department's yearly open plan
//! (年度开放计划) by ticking its resources and the quarter each opens in; the operator
//! approves or returns plans and keeps the open negative list (开放负面清单), each entry with
//! its legal basis. The same `Store` methods as the API decide.
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shuqiao_core::open::{PlanInput, PlanItem};
use shuqiao_core::DomainError;
use shuqiao_service::StoreError;

use super::admin_pages::Posted;
use super::open_answers::problems_of_store;
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

pub struct PlanRow {
    pub id: i64,
    pub org: String,
    pub year: i64,
    pub items: Vec<String>,
    pub status: &'static str,
    pub reason: String,
    pub may_review: bool,
}

pub struct PlanChoice {
    pub code: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "console/open_plans.html")]
pub struct PlansPage {
    pub f: Frame,
    pub rows: Vec<PlanRow>,
    pub org: Option<String>,
    pub year: i32,
    pub choices: Vec<PlanChoice>,
    pub notice: bool,
    pub problems: Vec<Problem>,
}

fn plan_status(t: &super::i18n::Strings, s: &str) -> &'static str {
    match s {
        "submitted" => t.og_plan_submitted,
        "approved" => t.og_plan_approved,
        "returned" => t.og_plan_returned,
        _ => t.og_plan_superseded,
    }
}

pub async fn plans(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    plans_page(&st, &person, q.done.is_some(), Vec::new(), StatusCode::OK).await
}

async fn plans_page(
    st: &AppState,
    person: &Person,
    notice: bool,
    problems: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let list = st
        .store
        .open_plans(person.principal.clone())
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame("/console/open/plans", "open-plans");
    let (lang, t) = (f.lang, f.t);
    let names = org_names(st, lang).await;
    let admin = person.principal.is_platform_admin();
    let rows = list
        .into_iter()
        .map(|p| PlanRow {
            id: p.id,
            org: name_of(&names, &p.org),
            year: p.year,
            items: p
                .items
                .iter()
                .map(|i| format!("{}（Q{}）", i.resource, i.quarter))
                .collect(),
            status: plan_status(t, &p.status),
            reason: p.reason.unwrap_or_default(),
            may_review: admin && p.status == "submitted",
        })
        .collect();
    // A steward plans for their first department; its published resources are the choices.
    let org = person.principal.steward_orgs().into_iter().next();
    let choices = match &org {
        Some(_) => st
            .store
            .open_candidates(person.principal.clone())
            .await
            .map_err(|e| person.error(e))?
            .into_iter()
            .map(|c| PlanChoice {
                name: lang.pick(&c.name, &c.name_en).to_string(),
                code: c.code,
            })
            .collect(),
        None => Vec::new(),
    };
    let now_ms = st.store.now();
    let page = PlansPage {
        f,
        rows,
        org: org.map(|o| name_of(&names, &o)),
        year: shuqiao_core::share::calendar::china_day(now_ms).year(),
        choices,
        notice,
        problems,
    };
    Ok((status, views::html(&page)).into_response())
}

/// Every problem of these short forms points at the form itself (or its one field).
fn problems_of(person: &Person, e: StoreError, control: &str) -> Result<Vec<Problem>, PageError> {
    problems_of_store(person, e, control, |_| control.to_string())
}

/// A steward's plan: each ticked resource with its quarter.
pub async fn submit_plan(
    State(st): State<AppState>,
    person: Person,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let org = person
        .principal
        .steward_orgs()
        .into_iter()
        .next()
        .unwrap_or_default();
    let items = posted
        .all("resource")
        .into_iter()
        .map(|code| PlanItem {
            quarter: posted.one(&format!("quarter-{code}")).parse().unwrap_or(0),
            resource: code,
            note: String::new(),
        })
        .collect();
    let plan = PlanInput {
        org,
        year: posted.one("year").trim().parse().unwrap_or(0),
        items,
    };
    match st
        .store
        .submit_open_plan(person.principal.clone(), plan)
        .await
    {
        Ok(_) => Ok(Redirect::to("/console/open/plans?done=1").into_response()),
        Err(e) => {
            let problems = problems_of(&person, e, "plan-form")?;
            plans_page(
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

/// The operator approves or returns a submitted plan.
pub async fn review_plan(
    State(st): State<AppState>,
    person: Person,
    axum::extract::Path(id): axum::extract::Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let approve = posted.one("action") == "approve";
    match st
        .store
        .review_open_plan(person.principal.clone(), id, approve, &posted.one("reason"))
        .await
    {
        Ok(_) => Ok(Redirect::to("/console/open/plans?done=1").into_response()),
        Err(e) => {
            let problems = problems_of(&person, e, &format!("plan-{id}"))?;
            plans_page(
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

pub struct NegativeRow {
    pub code: String,
    pub name: String,
    pub provider: String,
    pub legal_basis: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "console/open_negative.html")]
pub struct NegativePage {
    pub f: Frame,
    pub rows: Vec<NegativeRow>,
    pub admin: bool,
    pub notice: bool,
    pub problems: Vec<Problem>,
}

pub async fn negative(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    negative_page(&st, &person, q.done.is_some(), Vec::new(), StatusCode::OK).await
}

async fn negative_page(
    st: &AppState,
    person: &Person,
    notice: bool,
    problems: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let list = st
        .store
        .open_negative_list(person.principal.clone())
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame("/console/open/negative", "open-negative");
    let names = org_names(st, f.lang).await;
    let rows = list
        .into_iter()
        .map(|n| NegativeRow {
            provider: name_of(&names, &n.provider),
            code: n.code,
            name: n.name,
            legal_basis: n.legal_basis,
            reason: n.reason,
        })
        .collect();
    let page = NegativePage {
        admin: person.principal.is_platform_admin(),
        f,
        rows,
        notice,
        problems,
    };
    Ok((status, views::html(&page)).into_response())
}

/// The operator adds an entry (`action=add`) or removes one (`action=remove`).
pub async fn change_negative(
    State(st): State<AppState>,
    person: Person,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let code = posted.one("resource").trim().to_string();
    let result = if posted.one("action") == "remove" {
        st.store
            .remove_open_negative(person.principal.clone(), &code, &posted.one("reason"))
            .await
    } else {
        st.store
            .add_open_negative(
                person.principal.clone(),
                &code,
                &posted.one("legal_basis"),
                &posted.one("reason"),
            )
            .await
            .map(drop)
    };
    match result {
        Ok(()) => Ok(Redirect::to("/console/open/negative?done=1").into_response()),
        Err(StoreError::Domain(DomainError::NotFound { msg, .. })) => {
            let problems = vec![Problem {
                field: "resource".into(),
                text: person.lang.pick(&msg.zh, &msg.en).to_string(),
            }];
            negative_page(
                &st,
                &person,
                false,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => {
            let problems = problems_of(&person, e, "resource")?;
            negative_page(
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
