//! Opening data (开放): stewards propose their published resources with the security
//! assessment (开放安全评估), the operator releases or returns them, and either withdraws a
//! release. The same `Store` methods as the API decide; these pages show the assessment
//! beside each decision.
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shuqiao_core::catalog::OpenType;
use shuqiao_core::open::{Assessment, Check, ReleaseState};
use shuqiao_core::DomainError;
use shuqiao_service::open::release::ReleaseView;
use shuqiao_service::StoreError;

use super::admin_pages::Posted;
use super::i18n::{Lang, Strings};
use super::pages::Person;
use super::text::{name_of, org_names, problems_at, problems_of, Problem};
use super::views::{self, Frame};
use super::PageError;
use crate::AppState;

pub struct ReleaseRow {
    pub href: String,
    pub name: String,
    pub provider: String,
    pub state: &'static str,
    pub dataset: Option<String>,
    pub proposed: String,
}

pub struct CandidateRow {
    pub href: String,
    pub name: String,
    pub open_type: &'static str,
}

#[derive(Template)]
#[template(path = "console/open_list.html")]
pub struct ListPage {
    pub f: Frame,
    pub rows: Vec<ReleaseRow>,
    pub candidates: Vec<CandidateRow>,
    pub steward: bool,
    pub notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    done: Option<String>,
}

fn state_label(t: &Strings, s: ReleaseState) -> &'static str {
    match s {
        ReleaseState::Proposed => t.od_state_proposed,
        ReleaseState::Released => t.od_state_released,
        ReleaseState::Returned => t.od_state_returned,
        ReleaseState::Withdrawn => t.od_state_withdrawn,
    }
}

fn open_label(t: &Strings, open: &str) -> &'static str {
    match OpenType::parse(open) {
        Some(OpenType::Open) => t.od_open,
        Some(OpenType::Conditional) => t.od_conditional,
        _ => t.od_closed,
    }
}

/// Every opening the person may see, and for a steward what they may still propose.
pub async fn list(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let releases = st
        .store
        .open_releases(person.principal.clone())
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame("/console/open", "open");
    let (lang, t) = (f.lang, f.t);
    let names = org_names(&st, lang).await;
    let rows = releases
        .into_iter()
        .map(|r| ReleaseRow {
            href: format!("/console/open/{}", r.code),
            provider: name_of(&names, &r.provider),
            state: state_label(t, r.state),
            dataset: (r.state == ReleaseState::Released).then(|| format!("/datasets/{}", r.slug)),
            proposed: views::date(lang, r.proposed_at),
            name: r.name,
        })
        .collect();
    let steward = !person.principal.steward_orgs().is_empty();
    let candidates = if steward {
        st.store
            .open_candidates(person.principal.clone())
            .await
            .map_err(|e| person.error(e))?
            .into_iter()
            .map(|c| CandidateRow {
                href: format!("/console/open/propose/{}", c.code),
                name: lang.pick(&c.name, &c.name_en).to_string(),
                open_type: open_label(t, &c.open_type),
            })
            .collect()
    } else {
        Vec::new()
    };
    let notice = match q.done.as_deref() {
        Some("proposed") => Some(t.od_done_proposed),
        Some("released") => Some(t.od_done_released),
        Some("returned") => Some(t.od_done_returned),
        Some("withdrawn") => Some(t.od_done_withdrawn),
        _ => None,
    };
    Ok(views::html(&ListPage {
        f,
        rows,
        candidates,
        steward,
        notice,
    })
    .into_response())
}

pub struct CheckView {
    pub label: &'static str,
    pub passed: bool,
    pub note: String,
}

#[derive(Template)]
#[template(path = "console/open_release.html")]
pub struct ReleasePage {
    pub f: Frame,
    pub code: String,
    pub name: String,
    pub provider: String,
    pub state: &'static str,
    pub open_type: &'static str,
    pub dataset: Option<String>,
    pub assessor: String,
    pub assessed_on: String,
    pub conclusion: &'static str,
    pub checks: Vec<CheckView>,
    pub returned_reason: Option<String>,
    pub may_review: bool,
    pub may_withdraw: bool,
    pub reason: String,
    pub problems: Vec<Problem>,
}

impl ReleasePage {
    fn problems_at(&self, field: &str) -> Vec<&str> {
        problems_at(&self.problems, field)
    }
}

fn checks(t: &Strings, a: &Assessment) -> Vec<CheckView> {
    [
        (t.od_check_personal, &a.personal_info),
        (t.od_check_reident, &a.reidentification),
        (t.od_check_secret, &a.trade_secret),
    ]
    .into_iter()
    .map(|(label, c)| CheckView {
        label,
        passed: c.passed,
        note: c.note.clone(),
    })
    .collect()
}

async fn find(st: &AppState, person: &Person, code: &str) -> Result<ReleaseView, PageError> {
    st.store
        .open_releases(person.principal.clone())
        .await
        .map_err(|e| person.error(e))?
        .into_iter()
        .find(|r| r.code == code)
        .ok_or(PageError::NotFound(person.lang))
}

async fn release_page(
    st: &AppState,
    person: &Person,
    code: &str,
    reason: String,
    problems: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let r = find(st, person, code).await?;
    let f = person.frame(&format!("/console/open/{code}"), "open");
    let (lang, t) = (f.lang, f.t);
    let names = org_names(st, lang).await;
    let p = &person.principal;
    let live = matches!(r.state, ReleaseState::Proposed | ReleaseState::Released);
    let page = ReleasePage {
        code: r.code.clone(),
        name: r.name.clone(),
        provider: name_of(&names, &r.provider),
        state: state_label(t, r.state),
        open_type: open_label(t, &r.open_type),
        dataset: (r.state == ReleaseState::Released).then(|| format!("/datasets/{}", r.slug)),
        assessor: r.assessment.assessor.clone(),
        assessed_on: r.assessment.assessed_on.clone(),
        conclusion: open_label(t, r.assessment.conclusion.as_str()),
        checks: checks(t, &r.assessment),
        returned_reason: r.returned_reason.clone(),
        may_review: r.state == ReleaseState::Proposed && p.is_platform_admin(),
        may_withdraw: live && (p.is_platform_admin() || p.steward_orgs().contains(&r.provider)),
        reason,
        problems,
        f,
    };
    Ok((status, views::html(&page)).into_response())
}

pub async fn release(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    release_page(
        &st,
        &person,
        &code,
        String::new(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// Release, return (with the reason) or withdraw (with the reason).
pub async fn decide(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let reason = posted.one("reason");
    let p = person.principal.clone();
    let result = match posted.one("action").as_str() {
        "release" => st
            .store
            .review_open(p, &code, true, "")
            .await
            .map(|_| "released"),
        "return" => st
            .store
            .review_open(p, &code, false, &reason)
            .await
            .map(|_| "returned"),
        _ => st
            .store
            .withdraw_open(p, &code, &reason)
            .await
            .map(|_| "withdrawn"),
    };
    match result {
        Ok(done) => Ok(Redirect::to(&format!("/console/open?done={done}")).into_response()),
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            let problems = problems_of(person.lang, &errs, |_| "reason".to_string());
            release_page(
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
            release_page(&st, &person, &code, reason, problems, StatusCode::CONFLICT).await
        }
        Err(e) => Err(person.error(e)),
    }
}

/// The proposal form as posted (or empty), so nothing typed is lost on a problem.
#[derive(Default)]
pub struct ProposalForm {
    pub assessor: String,
    pub assessed_on: String,
    pub conclusion: String,
    pub personal_passed: bool,
    pub personal_note: String,
    pub reident_passed: bool,
    pub reident_note: String,
    pub secret_passed: bool,
    pub secret_note: String,
}

impl ProposalForm {
    fn from_posted(p: &Posted) -> ProposalForm {
        ProposalForm {
            assessor: p.one("assessor"),
            assessed_on: p.one("assessed_on"),
            conclusion: p.one("conclusion"),
            personal_passed: p.one("personal_passed") == "on",
            personal_note: p.one("personal_note"),
            reident_passed: p.one("reident_passed") == "on",
            reident_note: p.one("reident_note"),
            secret_passed: p.one("secret_passed") == "on",
            secret_note: p.one("secret_note"),
        }
    }

    /// The assessment, or the problems that keep it from being one (all at once).
    fn assessment(&self, lang: Lang) -> Result<Assessment, Vec<Problem>> {
        let check = |passed, note: &str| Check {
            passed,
            note: note.trim().to_string(),
        };
        let conclusion = match OpenType::parse(&self.conclusion) {
            Some(c) => c,
            None => {
                return Err(vec![Problem {
                    field: "conclusion".into(),
                    text: lang
                        .pick("请选择评估结论", "choose the assessment's conclusion")
                        .to_string(),
                }])
            }
        };
        Ok(Assessment {
            assessor: self.assessor.trim().to_string(),
            personal_info: check(self.personal_passed, &self.personal_note),
            reidentification: check(self.reident_passed, &self.reident_note),
            trade_secret: check(self.secret_passed, &self.secret_note),
            conclusion,
            assessed_on: self.assessed_on.trim().to_string(),
        })
    }
}

#[derive(Template)]
#[template(path = "console/open_propose.html")]
pub struct ProposePage {
    pub f: Frame,
    pub code: String,
    pub name: String,
    pub form: ProposalForm,
    pub checks: Vec<CheckInput>,
    pub problems: Vec<Problem>,
}

/// One check of the form, with what was posted and its problems.
pub struct CheckInput {
    pub key: &'static str,
    pub label: &'static str,
    pub passed: bool,
    pub note: String,
    pub pass_errors: Vec<String>,
    pub note_errors: Vec<String>,
}

fn check_inputs(t: &Strings, form: &ProposalForm, problems: &[Problem]) -> Vec<CheckInput> {
    let at = |key: &str, part: &str| -> Vec<String> {
        problems_at(problems, &format!("{key}_{part}"))
            .into_iter()
            .map(str::to_string)
            .collect()
    };
    [
        (
            "personal",
            t.od_check_personal,
            form.personal_passed,
            &form.personal_note,
        ),
        (
            "reident",
            t.od_check_reident,
            form.reident_passed,
            &form.reident_note,
        ),
        (
            "secret",
            t.od_check_secret,
            form.secret_passed,
            &form.secret_note,
        ),
    ]
    .into_iter()
    .map(|(key, label, passed, note)| CheckInput {
        key,
        label,
        passed,
        note: note.clone(),
        pass_errors: at(key, "passed"),
        note_errors: at(key, "note"),
    })
    .collect()
}

impl ProposePage {
    fn problems_at(&self, field: &str) -> Vec<&str> {
        problems_at(&self.problems, field)
    }
}

/// The form control an assessment field's problem belongs to.
fn control_of(field: &str) -> String {
    match field {
        "assessment.assessor" => "assessor",
        "assessment.assessed_on" => "assessed_on",
        "assessment.conclusion" => "conclusion",
        "assessment.personal_info.passed" => "personal_passed",
        "assessment.personal_info.note" => "personal_note",
        "assessment.reidentification.passed" => "reident_passed",
        "assessment.reidentification.note" => "reident_note",
        "assessment.trade_secret.passed" => "secret_passed",
        "assessment.trade_secret.note" => "secret_note",
        _ => "assessor",
    }
    .to_string()
}

async fn propose_page(
    st: &AppState,
    person: &Person,
    code: &str,
    form: ProposalForm,
    problems: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let candidate = st
        .store
        .open_candidates(person.principal.clone())
        .await
        .map_err(|e| person.error(e))?
        .into_iter()
        .find(|c| c.code == code);
    let Some(c) = candidate else {
        // Not theirs, not published, or already proposed: the rule says which.
        return Err(PageError::Forbidden(
            person.lang,
            shuqiao_core::error::Msg::new(
                "只有资源提供部门的数据管理员可以申请开放已发布、未在审核或开放中的资源",
                "only the provider's steward proposes a published resource that is not already waiting or open",
            ),
        ));
    };
    let f = person.frame(&format!("/console/open/propose/{code}"), "open");
    let name = f.lang.pick(&c.name, &c.name_en).to_string();
    let checks = check_inputs(f.t, &form, &problems);
    let page = ProposePage {
        f,
        code: c.code,
        name,
        form,
        checks,
        problems,
    };
    Ok((status, views::html(&page)).into_response())
}

pub async fn propose_form(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let form = ProposalForm {
        conclusion: "open".into(),
        ..Default::default()
    };
    propose_page(&st, &person, &code, form, Vec::new(), StatusCode::OK).await
}

pub async fn propose(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let form = ProposalForm::from_posted(&posted);
    let a = match form.assessment(person.lang) {
        Ok(a) => a,
        Err(problems) => {
            return propose_page(
                &st,
                &person,
                &code,
                form,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    match st
        .store
        .propose_open(person.principal.clone(), &code, a)
        .await
    {
        Ok(_) => Ok(Redirect::to("/console/open?done=proposed").into_response()),
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            let problems = problems_of(person.lang, &errs, control_of);
            propose_page(
                &st,
                &person,
                &code,
                form,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Domain(DomainError::Conflict { msg, .. })) => {
            let problems = vec![Problem {
                field: "conclusion".into(),
                text: person.lang.pick(&msg.zh, &msg.en).to_string(),
            }];
            propose_page(&st, &person, &code, form, problems, StatusCode::CONFLICT).await
        }
        Err(e) => Err(person.error(e)),
    }
}
