//! The data-element registry (数据元与代码集) as the console shows it: what a 信息项 may
//! link to, and the codes each code set holds. Read-only; the operator extends it through the
//! API.
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::i18n::Lang;
use super::pages::Person;
use super::views::{self, Frame};
use super::PageError;
use crate::AppState;

pub struct ElementRow {
    pub identifier: String,
    pub name: String,
    pub definition: String,
    pub kind: String,
    pub code_set: String,
    pub origin: &'static str,
}

pub struct CodeRow {
    pub code: String,
    pub label: String,
}

pub struct CodeSetView {
    pub id: String,
    pub standard: String,
    pub name: String,
    pub origin: &'static str,
    pub codes: Vec<CodeRow>,
}

#[derive(Template)]
#[template(path = "console/quality_elements.html")]
pub struct ElementsPage {
    pub f: Frame,
    pub elements: Vec<ElementRow>,
    pub sets: Vec<CodeSetView>,
}

fn kind(lang: Lang, t: shuqiao_core::catalog::ItemType, length: Option<u32>) -> String {
    let name = lang.pick(t.label_zh(), t.as_str());
    match length {
        Some(l) => format!("{name}({l})"),
        None => name.to_string(),
    }
}

/// The registry: every data element, then every code set with its codes.
pub async fn elements(State(st): State<AppState>, person: Person) -> Result<Response, PageError> {
    let elements = st
        .store
        .list_elements(person.principal.clone())
        .await
        .map_err(|e| person.error(e))?;
    let sets = st
        .store
        .list_code_sets(person.principal.clone())
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame("/console/elements", "elements");
    let (lang, t) = (f.lang, f.t);
    let origin = |builtin: bool| if builtin { t.qe_builtin } else { t.qe_added };
    let elements = elements
        .into_iter()
        .map(|v| ElementRow {
            origin: origin(v.builtin),
            name: lang.pick(&v.element.name, &v.element.name_en).to_string(),
            kind: kind(lang, v.element.item_type, v.element.length),
            code_set: v.element.code_set.unwrap_or_default(),
            definition: v.element.definition,
            identifier: v.element.identifier,
        })
        .collect();
    let sets = sets
        .into_iter()
        .map(|v| CodeSetView {
            origin: origin(v.builtin),
            name: lang.pick(&v.set.name, &v.set.name_en).to_string(),
            codes: v
                .set
                .codes
                .into_iter()
                .map(|c| CodeRow {
                    code: c.code,
                    label: c.label,
                })
                .collect(),
            id: v.set.id,
            standard: v.set.standard,
        })
        .collect();
    let page = ElementsPage { f, elements, sets };
    Ok(views::html(&page).into_response())
}
