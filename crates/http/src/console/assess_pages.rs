//! 考核指标 in the console: a scope's figures with their targets, the trend over the last
//! four periods, the ranking of departments, each figure's definition and the rows it was
//! computed from, and the reports to download. Read-only: figures are computed, never typed in.
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use shuqiao_core::account::Principal;
use shuqiao_core::assess::figures::{format_value, Definition, Figure, Period, Scope, Unit};

use super::i18n::Lang;
use super::pages::Person;
use super::views::{self, Frame};
use super::PageError;
use crate::extract::Path;
use crate::report::assessment::{self, Format};
use crate::AppState;

pub struct FigureLine {
    pub code: &'static str,
    pub name: String,
    pub value: String,
    pub target: String,
    /// 达标 / 未达标 / —, in the page's language.
    pub status: String,
    pub counted: i64,
    pub base: i64,
}

pub struct TrendLine {
    pub period: String,
    pub values: Vec<String>,
}

pub struct RankLine {
    pub rank: u32,
    pub org: String,
    pub name: String,
    pub score: String,
}

#[derive(Template)]
#[template(path = "console/assess.html")]
pub struct AssessPage {
    pub f: Frame,
    pub period: String,
    pub org: String,
    /// Whether the person may choose any department or the province.
    pub sees_all: bool,
    pub scope_name: String,
    pub problem: Option<String>,
    pub figures: Vec<FigureLine>,
    pub trend_heads: Vec<String>,
    pub trend: Vec<TrendLine>,
    pub ranking: Vec<RankLine>,
    /// The query string of this scope and period for links, ready for an attribute.
    pub query: String,
}

#[derive(Template)]
#[template(path = "console/assess_definition.html")]
pub struct DefinitionPage {
    pub f: Frame,
    pub name: String,
    pub code: &'static str,
    pub formula: String,
    pub period_rule: String,
    pub owner: String,
    pub tables: String,
    pub targets: Vec<String>,
}

pub struct RowLine {
    pub org: String,
    pub id: String,
    pub label: String,
    pub counted: bool,
    pub value: String,
}

#[derive(Template)]
#[template(path = "console/assess_rows.html")]
pub struct RowsPage {
    pub f: Frame,
    pub name: String,
    pub code: &'static str,
    pub period: String,
    pub total: u64,
    pub rows: Vec<RowLine>,
    pub query: String,
    pub prev: Option<u64>,
    pub next: Option<u64>,
}

const PAGE: u32 = 50;

fn sees_all(p: &Principal) -> bool {
    shuqiao_core::share::sees_everything(p)
}

/// The scope a page shows: the org asked for; else the province for the operator and
/// auditors, the person's own department for everyone else.
fn scope_for(p: &Principal, q: &HashMap<String, String>) -> Scope {
    match q.get("org").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        Some(o) => Scope::Org(o.to_string()),
        None if sees_all(p) => Scope::Province,
        None => match p {
            Principal::Person { org, .. } => Scope::Org(org.clone()),
            _ => Scope::Province,
        },
    }
}

fn current_quarter(now_ms: i64) -> String {
    Period::Quarter(2000, 1).containing(now_ms).code()
}

fn query_of(period: &str, scope: &Scope) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    // Written into pages as it is (every value percent-encoded), with `&amp;` between pairs.
    match scope {
        Scope::Org(o) => format!("period={}&amp;org={}", enc(period), enc(o)),
        _ => format!("period={}", enc(period)),
    }
}

fn name_of(lang: Lang, d: &Definition) -> String {
    lang.pick(d.name_zh, d.name_en).to_string()
}

fn status_of(lang: Lang, met: Option<bool>) -> String {
    let t = lang.strings();
    match met {
        Some(true) => t.as_met.to_string(),
        Some(false) => t.as_not_met.to_string(),
        None => "—".into(),
    }
}

pub async fn page(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let p = person.principal.clone();
    let lang = person.lang;
    let period = q
        .get("period")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| current_quarter(st.store.now()));
    let scope = scope_for(&p, &q);
    let org = match &scope {
        Scope::Org(o) => o.clone(),
        _ => String::new(),
    };
    let mut page = AssessPage {
        f: person.frame("/console/assess", "assess"),
        query: query_of(&period, &scope),
        period: period.clone(),
        org,
        sees_all: sees_all(&p),
        scope_name: String::new(),
        problem: None,
        figures: vec![],
        trend_heads: vec![],
        trend: vec![],
        ranking: vec![],
    };
    if let Err(e) = Period::parse(&period) {
        if let shuqiao_core::DomainError::Invalid(errs) = e {
            page.problem = errs.first().map(|x| lang.pick(&x.zh, &x.en).to_string());
        }
        return Ok(views::html(&page).into_response());
    }
    let figures = st
        .store
        .assess_figures(p.clone(), &period, scope)
        .await
        .map_err(|e| person.error(e))?;
    let ranking = st
        .store
        .assess_ranking(p, &period)
        .await
        .map_err(|e| person.error(e))?;
    page.scope_name = lang
        .pick(&figures.scope.name, &figures.scope.name_en)
        .to_string();
    page.figures = figures
        .figures
        .iter()
        .map(|v| FigureLine {
            code: v.code.as_str(),
            name: lang.pick(v.name_zh, v.name_en).to_string(),
            value: format_value(v.code, v.value),
            target: format_value(v.code, v.target),
            status: status_of(lang, v.meets_target),
            counted: v.counted,
            base: v.base,
        })
        .collect();
    let ratios: Vec<Figure> = Figure::ALL
        .into_iter()
        .filter(|f| f.unit() == Unit::Ratio)
        .collect();
    page.trend_heads = ratios
        .iter()
        .map(|f| name_of(lang, &f.definition()))
        .collect();
    page.trend = figures
        .trend
        .iter()
        .map(|t| TrendLine {
            period: t.period.clone(),
            values: ratios
                .iter()
                .map(|f| format_value(*f, t.values.get(f).copied().flatten()))
                .collect(),
        })
        .collect();
    page.ranking = ranking
        .rows
        .iter()
        .map(|r| RankLine {
            rank: r.rank,
            org: r.org.clone(),
            name: lang.pick(&r.name, &r.name_en).to_string(),
            score: format_value(Figure::OnTimeRate, r.score),
        })
        .collect();
    Ok(views::html(&page).into_response())
}

pub async fn definition(person: Person, Path(code): Path<String>) -> Result<Response, PageError> {
    let lang = person.lang;
    let f = Figure::parse(&code).ok_or(PageError::NotFound(lang))?;
    let d = f.definition();
    let page = DefinitionPage {
        f: person.frame("/console/assess", "assess"),
        name: name_of(lang, &d),
        code: f.as_str(),
        formula: lang.pick(d.formula_zh, d.formula_en).to_string(),
        period_rule: lang.pick(d.period_zh, d.period_en).to_string(),
        owner: lang.pick(d.owner_zh, d.owner_en).to_string(),
        tables: d.source_tables.join(", "),
        targets: d
            .targets
            .iter()
            .map(|t| {
                format!(
                    "{} ≥ {} — {}",
                    t.year,
                    format_value(f, Some(t.value)),
                    lang.pick(t.source_zh, t.source_en)
                )
            })
            .collect(),
    };
    Ok(views::html(&page).into_response())
}

pub async fn rows(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let lang = person.lang;
    let f = Figure::parse(&code).ok_or(PageError::NotFound(lang))?;
    let p = person.principal.clone();
    let period = q.get("period").cloned().unwrap_or_default();
    let scope = scope_for(&p, &q);
    let offset = q
        .get("offset")
        .and_then(|o| o.parse::<u64>().ok())
        .unwrap_or(0);
    let listed = st
        .store
        .assess_rows(p, f.as_str(), &period, scope.clone(), offset, PAGE)
        .await
        .map_err(|e| match e {
            shuqiao_service::StoreError::Domain(shuqiao_core::DomainError::Invalid(_)) => {
                PageError::NotFound(lang)
            }
            e => person.error(e),
        })?;
    let ms = f.rows_of().unit() == Unit::Days || f == Figure::OnTimeRate;
    let t = lang.strings();
    let rows = listed
        .items
        .into_iter()
        .map(|r| RowLine {
            org: r.org,
            id: r.id,
            label: r.label,
            counted: r.counted,
            value: match (r.value, ms) {
                (None, _) => String::new(),
                (Some(v), true) => format!("{:.1} {}", v as f64 / 86_400_000.0, t.as_days),
                (Some(v), false) => v.to_string(),
            },
        })
        .collect();
    let next = offset + u64::from(PAGE);
    let page = RowsPage {
        f: person.frame("/console/assess", "assess"),
        name: name_of(lang, &f.definition()),
        code: f.as_str(),
        query: query_of(&period, &scope),
        period,
        total: listed.total,
        rows,
        prev: (offset > 0).then(|| offset.saturating_sub(u64::from(PAGE))),
        next: (next < listed.total).then_some(next),
    };
    Ok(views::html(&page).into_response())
}

pub async fn report(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let lang = person.lang;
    let p = person.principal.clone();
    let period = q.get("period").cloned().unwrap_or_default();
    let format = q
        .get("format")
        .and_then(|f| Format::parse(f))
        .unwrap_or(Format::Html);
    let scope = scope_for(&p, &q);
    let org = match &scope {
        Scope::Org(o) => Some(o.clone()),
        _ => None,
    };
    let data = assessment::load(&st.store, p, &period, scope)
        .await
        .map_err(|e| match e {
            shuqiao_service::StoreError::Domain(shuqiao_core::DomainError::Invalid(_)) => {
                PageError::NotFound(lang)
            }
            e => person.error(e),
        })?;
    let doc = assessment::build(&data);
    let bytes = assessment::render(&doc, format).map_err(|e| {
        tracing::warn!(error = %e, "console: no PDF");
        PageError::Unavailable(lang)
    })?;
    let name = assessment::file_name(&data.figures.period, org.as_deref(), format);
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
