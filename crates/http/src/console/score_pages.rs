//! 质量评分 in the console: the departments ranked by their resources' mean score, each
//! resource's score with its five components, and the duplicate collection 一数一源 finds.
//! Read-only: scores are computed, never typed in.
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::pages::Person;
use super::views::{self, Frame};
use super::PageError;
use crate::AppState;

pub struct DepartmentRow {
    pub rank: usize,
    pub org: String,
    pub resources: usize,
    pub score: String,
}

pub struct ResourceRow {
    pub resource: String,
    pub provider: String,
    pub records: i64,
    pub score: String,
    pub parts: [String; 5],
}

pub struct DuplicateRow {
    pub resource: String,
    pub provider: String,
    pub item: String,
    pub source: String,
    pub source_provider: String,
}

#[derive(Template)]
#[template(path = "console/quality_scores.html")]
pub struct ScoresPage {
    pub f: Frame,
    pub departments: Vec<DepartmentRow>,
    pub resources: Vec<ResourceRow>,
    pub duplicates: Vec<DuplicateRow>,
}

fn shown(v: Option<f64>) -> String {
    v.map(|s| format!("{s:.1}")).unwrap_or_else(|| "—".into())
}

fn percent(v: Option<f64>) -> String {
    v.map(|s| format!("{:.1}%", s * 100.0))
        .unwrap_or_else(|| "—".into())
}

pub async fn scores(State(st): State<AppState>, person: Person) -> Result<Response, PageError> {
    let p = person.principal.clone();
    let scores = st
        .store
        .quality_scores(p.clone())
        .await
        .map_err(|e| person.error(e))?;
    let dups = st
        .store
        .duplicate_collection(p, None)
        .await
        .map_err(|e| person.error(e))?;
    let departments = scores
        .departments
        .into_iter()
        .enumerate()
        .map(|(i, d)| DepartmentRow {
            rank: i + 1,
            org: d.org,
            resources: d.resources,
            score: shown(d.score),
        })
        .collect();
    let resources = scores
        .resources
        .into_iter()
        .map(|r| {
            let c = r.components;
            ResourceRow {
                parts: [
                    percent(c.completeness),
                    percent(c.validity),
                    percent(c.uniqueness),
                    percent(c.timeliness),
                    percent(c.consistency),
                ],
                score: shown(r.score),
                resource: r.resource,
                provider: r.provider,
                records: r.records,
            }
        })
        .collect();
    let duplicates = dups
        .into_iter()
        .map(|d| DuplicateRow {
            resource: d.resource,
            provider: d.provider,
            item: d.item,
            source: d.authoritative_resource,
            source_provider: d.authoritative_provider,
        })
        .collect();
    let page = ScoresPage {
        f: person.frame("/console/quality/scores", "quality-scores"),
        departments,
        resources,
        duplicates,
    };
    Ok(views::html(&page).into_response())
}
