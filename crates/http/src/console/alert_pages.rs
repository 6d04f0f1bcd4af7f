//! 调用监测预警 in the console: the alerts the person may see with their evidence, the
//! operator's review of an open one (clear, or revoke the grant), and the operator's settings.
//! Auditors see the settings; departments see the alerts about grants they provide or use.
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shuqiao_core::assess::alerts::{AlertKind, AlertSettings, Review};
use shuqiao_core::{DomainError, FieldError};
use shuqiao_service::assess::alerts::AlertView;
use shuqiao_service::share::ShareFilter;
use shuqiao_service::StoreError;

use super::admin_pages::Posted;
use super::i18n::Strings;
use super::open_answers::problems_of_store;
use super::pages::Person;
use super::text::Problem;
use super::views::{self, Frame};
use super::PageError;
use crate::AppState;

const PAGE: &str = "/console/assess/alerts";

#[derive(Deserialize)]
pub struct Shown {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    state: Option<String>,
}

pub struct Card {
    pub id: i64,
    pub kind: &'static str,
    pub system: String,
    pub consumer: String,
    pub resource: String,
    pub provider: String,
    pub grant: i64,
    pub window: String,
    pub observed: i64,
    pub baseline: String,
    pub evidence: Vec<(String, String)>,
    pub open: bool,
    pub state: &'static str,
    pub suspended: bool,
    pub review_note: String,
}

/// The settings form's values as shown: what was posted, or what is stored.
pub struct SettingsForm {
    pub jump_factor: String,
    pub min_calls: String,
    pub baseline_days: String,
    pub quiet_start: String,
    pub quiet_end: String,
    pub harvest_share: String,
    pub harvest_min_subjects: String,
    pub suspend_on_alert: bool,
}

impl SettingsForm {
    fn of(s: &AlertSettings) -> SettingsForm {
        SettingsForm {
            jump_factor: s.jump_factor.to_string(),
            min_calls: s.min_calls.to_string(),
            baseline_days: s.baseline_days.to_string(),
            quiet_start: s.quiet_start.to_string(),
            quiet_end: s.quiet_end.to_string(),
            harvest_share: s.harvest_share.to_string(),
            harvest_min_subjects: s.harvest_min_subjects.to_string(),
            suspend_on_alert: s.suspend_on_alert,
        }
    }

    fn posted(p: &Posted) -> SettingsForm {
        SettingsForm {
            jump_factor: p.one("jump_factor"),
            min_calls: p.one("min_calls"),
            baseline_days: p.one("baseline_days"),
            quiet_start: p.one("quiet_start"),
            quiet_end: p.one("quiet_end"),
            harvest_share: p.one("harvest_share"),
            harvest_min_subjects: p.one("harvest_min_subjects"),
            suspend_on_alert: p.one("suspend_on_alert") == "on",
        }
    }

    /// The settings the form holds, or every problem: each field that is not a number, and
    /// what the rules find in the others.
    fn parse(&self) -> Result<AlertSettings, Vec<FieldError>> {
        let (s, mut bad) = self.numbers();
        if let Err(DomainError::Invalid(errs)) = s.validate() {
            for e in errs {
                if !bad.iter().any(|b| b.field == e.field) {
                    bad.push(e);
                }
            }
        }
        match bad.is_empty() {
            true => Ok(s),
            false => Err(bad),
        }
    }

    /// The numbers as read, and a problem for each that is not one.
    fn numbers(&self) -> (AlertSettings, Vec<FieldError>) {
        let mut bad = Vec::new();
        let mut number = |field: &'static str, text: &str| -> f64 {
            match text.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => {
                    bad.push(FieldError::new(
                        field,
                        "not_a_number",
                        "请填写数字",
                        "enter a number",
                    ));
                    0.0
                }
            }
        };
        let whole = |v: f64| if v.fract() == 0.0 { v as i64 } else { -1 };
        let s = AlertSettings {
            jump_factor: number("jump_factor", &self.jump_factor),
            min_calls: whole(number("min_calls", &self.min_calls)),
            baseline_days: whole(number("baseline_days", &self.baseline_days)),
            quiet_start: whole(number("quiet_start", &self.quiet_start)),
            quiet_end: whole(number("quiet_end", &self.quiet_end)),
            harvest_share: number("harvest_share", &self.harvest_share),
            harvest_min_subjects: whole(number("harvest_min_subjects", &self.harvest_min_subjects)),
            suspend_on_alert: self.suspend_on_alert,
        };
        (s, bad)
    }
}

#[derive(Template)]
#[template(path = "console/assess_alerts.html")]
pub struct AlertsPage {
    pub f: Frame,
    pub cards: Vec<Card>,
    pub total: u64,
    pub only_open: bool,
    pub is_operator: bool,
    /// The settings, for the operator (a form) and auditors (read only).
    pub settings: Option<SettingsForm>,
    pub notice: bool,
    pub problems: Vec<Problem>,
}

/// One number of the settings form, with its words and its problem.
pub struct SettingRow {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub value: String,
    pub error: Option<String>,
}

impl AlertsPage {
    /// The problem reported at `id`, for the inline message.
    pub fn problem(&self, id: &str) -> Option<String> {
        self.problems
            .iter()
            .find(|p| p.field == id)
            .map(|p| p.text.clone())
    }

    /// The settings form's numbers in order.
    pub fn setting_rows(&self) -> Vec<SettingRow> {
        let Some(s) = &self.settings else {
            return Vec::new();
        };
        let t = self.f.t;
        [
            (
                "jump_factor",
                t.al_jump_factor,
                t.al_jump_factor_hint,
                &s.jump_factor,
            ),
            (
                "min_calls",
                t.al_min_calls,
                t.al_min_calls_hint,
                &s.min_calls,
            ),
            (
                "baseline_days",
                t.al_baseline_days,
                t.al_baseline_days_hint,
                &s.baseline_days,
            ),
            (
                "quiet_start",
                t.al_quiet_start,
                t.al_quiet_hint,
                &s.quiet_start,
            ),
            ("quiet_end", t.al_quiet_end, t.al_quiet_hint, &s.quiet_end),
            (
                "harvest_share",
                t.al_harvest_share,
                t.al_harvest_share_hint,
                &s.harvest_share,
            ),
            (
                "harvest_min_subjects",
                t.al_harvest_min,
                t.al_harvest_min_hint,
                &s.harvest_min_subjects,
            ),
        ]
        .into_iter()
        .map(|(name, label, hint, value)| SettingRow {
            name,
            label,
            hint,
            value: value.clone(),
            error: self.problem(&format!("al-{name}")),
        })
        .collect()
    }
}

fn kind_label(t: &Strings, kind: &str) -> &'static str {
    match AlertKind::parse(kind) {
        Some(AlertKind::Jump) => t.al_kind_jump,
        Some(AlertKind::UnusualHours) => t.al_kind_hours,
        _ => t.al_kind_harvesting,
    }
}

fn state_label(t: &Strings, state: &str) -> &'static str {
    match state {
        "open" => t.al_state_open,
        "cleared" => t.al_state_cleared,
        _ => t.al_state_revoked,
    }
}

/// The evidence as label and value pairs: nested counts on one line.
fn evidence(v: &serde_json::Value) -> Vec<(String, String)> {
    let show = |v: &serde_json::Value| match v {
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("，"),
        serde_json::Value::Array(a) => a
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join("，"),
        other => other.to_string(),
    };
    match v {
        serde_json::Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), show(v))).collect(),
        _ => Vec::new(),
    }
}

fn card(t: &Strings, a: AlertView) -> Card {
    Card {
        id: a.id,
        kind: kind_label(t, &a.kind),
        baseline: format!("{:.1}", a.baseline),
        evidence: evidence(&a.evidence),
        open: a.state == "open",
        state: state_label(t, &a.state),
        suspended: a.suspended,
        review_note: a.review_note.unwrap_or_default(),
        system: a.system,
        consumer: a.consumer_org,
        resource: a.resource,
        provider: a.provider,
        grant: a.grant,
        window: a.window,
        observed: a.observed,
    }
}

async fn page(
    st: &AppState,
    person: &Person,
    only_open: bool,
    notice: bool,
    posted: Option<SettingsForm>,
    problems: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = person.principal.clone();
    let list = st
        .store
        .list_alerts(
            p.clone(),
            ShareFilter {
                status: only_open.then(|| "open".to_string()),
                limit: 200,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| person.error(e))?;
    let settings = match posted {
        Some(s) => Some(s),
        None => match st.store.alert_settings(p.clone()).await {
            Ok(s) => Some(SettingsForm::of(&s)),
            Err(StoreError::Domain(DomainError::Forbidden { .. })) => None,
            Err(e) => return Err(person.error(e)),
        },
    };
    let f = person.frame(PAGE, "alerts");
    let t = f.t;
    let page = AlertsPage {
        cards: list.items.into_iter().map(|a| card(t, a)).collect(),
        total: list.total,
        only_open,
        is_operator: p.is_platform_admin(),
        settings,
        notice,
        problems,
        f,
    };
    Ok((status, views::html(&page)).into_response())
}

pub async fn alerts(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<Shown>,
) -> Result<Response, PageError> {
    let only_open = q.state.as_deref() == Some("open");
    page(
        &st,
        &person,
        only_open,
        q.done.is_some(),
        None,
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// The operator's review of one alert: a decision and a note.
pub async fn review(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let form = format!("al-{id}-review");
    let decision = match posted.one("decision").as_str() {
        "clear" => Some(Review::Clear),
        "revoke" => Some(Review::Revoke),
        _ => None,
    };
    let done = match decision {
        Some(d) => {
            st.store
                .review_alert(person.principal.clone(), id, d, posted.one("note"))
                .await
        }
        None => Err(DomainError::one(FieldError::required("decision", "复核结论")).into()),
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
                None,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The operator's settings: every problem shown at once, the posted values kept.
pub async fn settings(
    State(st): State<AppState>,
    person: Person,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let form = SettingsForm::posted(&posted);
    let done = match form.parse() {
        Ok(s) => st
            .store
            .set_alert_settings(person.principal.clone(), s)
            .await
            .map(|_| ()),
        Err(bad) => Err(DomainError::invalid(bad).into()),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("{PAGE}?done=1")).into_response()),
        Err(e) => {
            let problems = problems_of_store(&person, e, "al-settings", |f| format!("al-{f}"))?;
            page(
                &st,
                &person,
                false,
                false,
                Some(form),
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
