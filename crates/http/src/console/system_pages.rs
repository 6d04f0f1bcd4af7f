//! 信息系统清查 in the console: the inventory per department with each system's completed
//! data sharing and the rates beside the plan's targets, a system's edit form with its
//! approval check, and the zombie candidates with their evidence and the operator's marks.
//! Every figure is computed from what happened on the platform.
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shuqiao_core::assess::systems::{
    self as rules, Inventory, InventoryPatch, Network, Rate, Stage, SystemStatus, Verdict,
};
use shuqiao_core::DomainError;
use shuqiao_service::assess::systems::SystemView;

use super::admin_pages::Posted;
use super::i18n::{Lang, Strings};
use super::open_answers::problems_of_store;
use super::pages::Person;
use super::text::Problem;
use super::views::{self, Frame};
use super::PageError;
use crate::AppState;

const LIST: &str = "/console/systems";
const ZOMBIES: &str = "/console/systems/zombies";

#[derive(Deserialize)]
pub struct Shown {
    #[serde(default)]
    done: Option<String>,
}

pub struct RateRow {
    pub org: String,
    pub counted: u32,
    pub complete: u32,
    pub percent: String,
    pub target: String,
    pub meets: &'static str,
}

pub struct SystemRow {
    pub code: String,
    pub name: String,
    pub org: String,
    pub network: &'static str,
    pub status: &'static str,
    pub connected: &'static str,
    pub catalogued: &'static str,
    pub data_flowing: &'static str,
    pub complete: &'static str,
}

#[derive(Template)]
#[template(path = "console/systems.html")]
pub struct SystemsPage {
    pub f: Frame,
    pub year: i32,
    pub province: Option<RateRow>,
    pub departments: Vec<RateRow>,
    pub systems: Vec<SystemRow>,
}

fn yes_no(t: &Strings, v: bool) -> &'static str {
    if v {
        t.sy_yes
    } else {
        t.sy_no
    }
}

fn rate_row(t: &Strings, org: String, r: &Rate) -> RateRow {
    RateRow {
        org,
        counted: r.counted,
        complete: r.complete,
        percent: r
            .percent
            .map(|p| format!("{p:.1}%"))
            .unwrap_or_else(|| "—".into()),
        target: r
            .target_percent
            .map(|p| format!("{p}%"))
            .unwrap_or_else(|| "—".into()),
        meets: match r.meets_target {
            Some(true) => t.sy_meets,
            Some(false) => t.sy_below,
            None => "—",
        },
    }
}

fn network_label(lang: Lang, n: Network) -> &'static str {
    lang.pick(n.label_zh(), n.label_en())
}

fn status_label(lang: Lang, s: SystemStatus) -> &'static str {
    lang.pick(s.label_zh(), s.label_en())
}

pub async fn systems(State(st): State<AppState>, person: Person) -> Result<Response, PageError> {
    let report = st
        .store
        .system_inventory(person.principal.clone())
        .await
        .map_err(|e| person.error(e))?;
    let (t, lang) = (person.lang.strings(), person.lang);
    let page = SystemsPage {
        f: person.frame(LIST, "systems"),
        year: report.year,
        province: report
            .province
            .as_ref()
            .map(|r| rate_row(t, t.sy_province.to_string(), r)),
        departments: report
            .departments
            .iter()
            .map(|d| {
                let name = if d.org_name.is_empty() {
                    d.org.clone()
                } else {
                    d.org_name.clone()
                };
                rate_row(t, name, &d.rate)
            })
            .collect(),
        systems: report
            .systems
            .iter()
            .map(|v| SystemRow {
                code: v.code.clone(),
                name: v.inventory.name.clone(),
                org: v.org.clone(),
                network: network_label(lang, v.inventory.network),
                status: status_label(lang, v.inventory.status),
                connected: yes_no(t, v.completion.connected),
                catalogued: yes_no(t, v.completion.catalogued),
                data_flowing: yes_no(t, v.completion.data_flowing),
                complete: if !v.completion.counted {
                    t.sy_not_counted
                } else {
                    yes_no(t, v.completion.complete)
                },
            })
            .collect(),
    };
    Ok(views::html(&page).into_response())
}

/// What the edit form shows: the stored values, or what was posted when it comes back.
pub struct Form {
    pub name: String,
    pub description: String,
    pub scope: String,
    pub use_frequency: String,
    pub approved_by: String,
    pub approved_on: String,
    pub accepted_on: String,
    pub investment_yuan: String,
    pub funding_source: String,
    pub network: String,
    pub status: String,
    pub classified: bool,
    pub maintenance_stopped_on: String,
}

impl Form {
    fn of(inv: &Inventory) -> Form {
        Form {
            name: inv.name.clone(),
            description: inv.description.clone(),
            scope: inv.scope.clone(),
            use_frequency: inv.use_frequency.clone(),
            approved_by: inv.approved_by.clone(),
            approved_on: inv.approved_on.clone().unwrap_or_default(),
            accepted_on: inv.accepted_on.clone().unwrap_or_default(),
            investment_yuan: inv
                .investment_yuan
                .map(|v| v.to_string())
                .unwrap_or_default(),
            funding_source: inv.funding_source.clone(),
            network: inv.network.as_str().into(),
            status: inv.status.as_str().into(),
            classified: inv.classified,
            maintenance_stopped_on: inv.maintenance_stopped_on.clone().unwrap_or_default(),
        }
    }

    fn posted(p: &Posted) -> Form {
        Form {
            name: p.one("name"),
            description: p.one("description"),
            scope: p.one("scope"),
            use_frequency: p.one("use_frequency"),
            approved_by: p.one("approved_by"),
            approved_on: p.one("approved_on"),
            accepted_on: p.one("accepted_on"),
            investment_yuan: p.one("investment_yuan"),
            funding_source: p.one("funding_source"),
            network: p.one("network"),
            status: p.one("status"),
            classified: !p.one("classified").is_empty(),
            maintenance_stopped_on: p.one("maintenance_stopped_on"),
        }
    }
}

/// The posted form as a patch; a value that does not read is a problem of its field.
fn patch_of(f: &Form) -> Result<InventoryPatch, DomainError> {
    let mut errs = Vec::new();
    let investment_yuan = match f.investment_yuan.trim() {
        "" => None,
        v => match v.replace(',', "").parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errs.push(shuqiao_core::FieldError::new(
                    "investment_yuan",
                    "not_a_number",
                    "投资规模应为以元为单位的整数",
                    "investment_yuan must be a whole number of yuan",
                ));
                None
            }
        },
    };
    let network = Network::parse(&f.network);
    if network.is_none() {
        errs.push(shuqiao_core::FieldError::required("network", "网络"));
    }
    let status = SystemStatus::parse(&f.status);
    if status.is_none() {
        errs.push(shuqiao_core::FieldError::required("status", "状态"));
    }
    if !errs.is_empty() {
        return Err(DomainError::invalid(errs));
    }
    Ok(InventoryPatch {
        name: Some(f.name.clone()),
        description: Some(f.description.clone()),
        scope: Some(f.scope.clone()),
        use_frequency: Some(f.use_frequency.clone()),
        approved_by: Some(f.approved_by.clone()),
        approved_on: Some(f.approved_on.clone()),
        accepted_on: Some(f.accepted_on.clone()),
        investment_yuan,
        funding_source: Some(f.funding_source.clone()),
        network,
        status,
        classified: Some(f.classified),
        maintenance_stopped_on: Some(f.maintenance_stopped_on.clone()),
    })
}

pub struct CheckRow {
    pub stage: &'static str,
    pub approvable: &'static str,
    pub obstacles: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/system_edit.html")]
pub struct EditPage {
    pub f: Frame,
    pub code: String,
    pub org: String,
    pub resources: Vec<String>,
    pub completion: Vec<(&'static str, &'static str)>,
    pub checks: Vec<CheckRow>,
    pub form: Form,
    pub may_edit: bool,
    pub networks: Vec<(&'static str, &'static str)>,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub notice: bool,
    pub problems: Vec<Problem>,
}

async fn edit_page(
    st: &AppState,
    person: &Person,
    code: &str,
    form: Option<Form>,
    notice: bool,
    problems: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = person.principal.clone();
    let v: SystemView = st
        .store
        .system_inventory_of(p.clone(), code)
        .await
        .map_err(|e| person.error(e))?;
    let (t, lang) = (person.lang.strings(), person.lang);
    let mut checks = Vec::new();
    for stage in [Stage::Project, Stage::Acceptance] {
        let c = st
            .store
            .approval_check(p.clone(), code, stage)
            .await
            .map_err(|e| person.error(e))?;
        checks.push(CheckRow {
            stage: lang.pick(stage.label_zh(), stage.label_en()),
            approvable: yes_no(t, c.approvable),
            obstacles: c
                .obstacles
                .iter()
                .map(|o| lang.pick(&o.zh, &o.en).to_string())
                .collect(),
        });
    }
    let c = v.completion;
    let page = EditPage {
        f: person.frame(&format!("{LIST}/{code}"), "systems"),
        code: v.code.clone(),
        org: v.org.clone(),
        resources: v.resources.clone(),
        completion: vec![
            (t.sy_connected, yes_no(t, c.connected)),
            (t.sy_catalogued, yes_no(t, c.catalogued)),
            (t.sy_data_flowing, yes_no(t, c.data_flowing)),
            (t.sy_complete, yes_no(t, c.complete)),
        ],
        checks,
        may_edit: rules::require_editor(&p, &v.org).is_ok(),
        form: form.unwrap_or_else(|| Form::of(&v.inventory)),
        networks: Network::ALL
            .iter()
            .map(|n| (n.as_str(), network_label(lang, *n)))
            .collect(),
        statuses: SystemStatus::ALL
            .iter()
            .map(|s| (s.as_str(), status_label(lang, *s)))
            .collect(),
        notice,
        problems,
    };
    Ok((status, views::html(&page)).into_response())
}

pub async fn edit(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    Query(q): Query<Shown>,
) -> Result<Response, PageError> {
    edit_page(
        &st,
        &person,
        &code,
        None,
        q.done.is_some(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn save(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let form = Form::posted(&posted);
    let done = match patch_of(&form) {
        Ok(patch) => {
            st.store
                .update_system_inventory(person.principal.clone(), &code, patch)
                .await
        }
        Err(e) => Err(e.into()),
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!("{LIST}/{code}?done=1")).into_response()),
        Err(e) => {
            let problems = problems_of_store(&person, e, "sy-form", |f| format!("sy-{f}"))?;
            edit_page(
                &st,
                &person,
                &code,
                Some(form),
                false,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub struct EvidenceRow {
    pub criterion: &'static str,
    pub met: &'static str,
    pub text: String,
}

pub struct CandidateCard {
    pub code: String,
    pub name: String,
    pub org: String,
    pub evidence: Vec<EvidenceRow>,
    pub mark: String,
}

#[derive(Template)]
#[template(path = "console/system_zombies.html")]
pub struct ZombiesPage {
    pub f: Frame,
    pub idle_days: u32,
    pub min_users: u32,
    pub cards: Vec<CandidateCard>,
    pub may_mark: bool,
    pub verdicts: Vec<(&'static str, &'static str)>,
    pub notice: bool,
    pub problems: Vec<Problem>,
}

async fn zombies_page(
    st: &AppState,
    person: &Person,
    notice: bool,
    problems: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = person.principal.clone();
    let report = st
        .store
        .zombie_candidates(p.clone())
        .await
        .map_err(|e| person.error(e))?;
    let (t, lang) = (person.lang.strings(), person.lang);
    let cards = report
        .candidates
        .iter()
        .map(|c| CandidateCard {
            code: c.code.clone(),
            name: c.name.clone(),
            org: c.org.clone(),
            evidence: c
                .evidence
                .iter()
                .map(|e| EvidenceRow {
                    criterion: lang.pick(e.criterion.label_zh(), e.criterion.label_en()),
                    met: yes_no(t, e.met),
                    text: lang.pick(&e.zh, &e.en).to_string(),
                })
                .collect(),
            mark: c
                .mark
                .as_ref()
                .map(|m| {
                    let v = lang.pick(m.verdict.label_zh(), m.verdict.label_en());
                    if m.reason.is_empty() {
                        v.to_string()
                    } else {
                        format!("{v}：{}", m.reason)
                    }
                })
                .unwrap_or_default(),
        })
        .collect();
    let page = ZombiesPage {
        f: person.frame(ZOMBIES, "system-zombies"),
        idle_days: report.settings.idle_days,
        min_users: report.settings.min_users,
        cards,
        may_mark: p.is_platform_admin(),
        verdicts: Verdict::ALL
            .iter()
            .map(|v| (v.as_str(), lang.pick(v.label_zh(), v.label_en())))
            .collect(),
        notice,
        problems,
    };
    Ok((status, views::html(&page)).into_response())
}

pub async fn zombies(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<Shown>,
) -> Result<Response, PageError> {
    zombies_page(&st, &person, q.done.is_some(), Vec::new(), StatusCode::OK).await
}

pub async fn mark(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let form = format!("zm-{code}");
    let done = match Verdict::parse(&posted.one("verdict")) {
        Some(v) => {
            st.store
                .mark_zombie(person.principal.clone(), &code, v, posted.one("reason"))
                .await
        }
        None => {
            Err(DomainError::one(shuqiao_core::FieldError::required("verdict", "处理结果")).into())
        }
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!("{ZOMBIES}?done=1")).into_response()),
        Err(e) => {
            let problems = problems_of_store(&person, e, &form, |f| format!("{form}-{f}"))?;
            zombies_page(
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
