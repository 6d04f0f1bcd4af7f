//! The portal's pages as data for their templates (`templates/portal/`). Dataset names,
//! summaries and values come from departments and their data: they reach the HTML only
//! through askama's escaping, never marked safe.
use askama::Template;
use axum::response::Html;

use super::i18n::{words, Strings};
use crate::console::assets;
use crate::console::i18n::Lang;

/// What every portal page shares: language, words, assets and the header's search.
pub struct Frame {
    pub lang: Lang,
    pub t: &'static Strings,
    pub css: String,
    pub js: String,
    pub copy_src: String,
    /// Whether the page has copy buttons, so only those pages load their script.
    pub copy_js: bool,
    pub switch_href: String,
    /// Which navigation entry is the current page.
    pub current: &'static str,
    /// The search words, kept in the header's box.
    pub q: String,
    /// A page's own Atom feed: (title, href).
    pub feed: Option<(String, String)>,
}

impl Frame {
    pub fn new(lang: Lang, path: &str, current: &'static str) -> Frame {
        let (css, js, copy_src) = assets::portal_hrefs();
        let back: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
        Frame {
            lang,
            t: words(lang),
            css,
            js,
            copy_src,
            copy_js: false,
            switch_href: format!("/lang/{}?next={back}", lang.other().code()),
            current,
            q: String::new(),
            feed: None,
        }
    }
}

/// Renders a page; a template that fails to render is a bug, logged and shown as text.
pub fn html<T: Template>(page: &T) -> Html<String> {
    Html(page.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "portal: template failed");
        "internal error".into()
    }))
}

#[derive(Template)]
#[template(path = "portal/error.html")]
pub struct ErrorPage {
    pub f: Frame,
    pub title: &'static str,
    pub text: &'static str,
    pub more: Option<String>,
}

/// A link with a count: a facet's entry point.
pub struct CountLink {
    pub label: String,
    pub href: String,
    pub count: usize,
}

/// A dataset in a list.
pub struct Card {
    pub href: String,
    pub name: String,
    pub summary: String,
    pub provider: String,
    pub open_label: &'static str,
    pub open_class: &'static str,
    pub format: &'static str,
    pub modified: String,
}

#[derive(Template)]
#[template(path = "portal/home.html")]
pub struct HomePage {
    pub f: Frame,
    pub datasets: String,
    pub providers: String,
    pub rows: String,
    pub by_provider: Vec<CountLink>,
    pub by_category: Vec<CountLink>,
    pub latest: Vec<Card>,
}

pub struct FacetOption {
    pub id: String,
    pub value: String,
    pub label: String,
    pub count: usize,
    pub checked: bool,
}

pub struct FacetGroup {
    pub legend: &'static str,
    /// The query parameter.
    pub name: &'static str,
    pub options: Vec<FacetOption>,
}

/// Links to the neighbouring pages of a list.
pub struct Pager {
    pub page: usize,
    pub pages: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/search.html")]
pub struct SearchPage {
    pub f: Frame,
    pub q: String,
    pub total: usize,
    pub cards: Vec<Card>,
    pub groups: Vec<FacetGroup>,
    /// (value, label, selected).
    pub sorts: Vec<(&'static str, &'static str, bool)>,
    pub pager: Pager,
    pub filtered: bool,
    pub clear_href: String,
}

/// A dataset's facts, as shown.
pub struct DatasetView {
    pub href: String,
    pub name: String,
    pub summary: String,
    pub code: String,
    pub provider: String,
    pub provider_href: String,
    pub open_label: &'static str,
    pub open_class: &'static str,
    pub update_cycle: &'static str,
    pub category: &'static str,
    pub format: &'static str,
    pub modified: String,
    pub modified_iso: String,
    pub issued: String,
    pub version: i64,
    pub rows: String,
    pub rows_public: bool,
    pub keywords: Vec<String>,
}

pub struct ItemView {
    pub name: String,
    pub code: String,
    pub kind: &'static str,
    pub length: String,
    pub description: String,
}

pub struct CheckView {
    pub name: &'static str,
    pub passed: bool,
    pub note: String,
}

pub struct AssessmentView {
    pub assessor: String,
    pub date: String,
    pub conclusion: &'static str,
    pub checks: Vec<CheckView>,
}

/// A preview column's filter box.
pub struct FilterBox {
    pub name: String,
    pub param: String,
    pub input_id: String,
    pub value: String,
}

pub struct ColumnView {
    pub name: String,
}

pub struct PreviewView {
    pub columns: Vec<ColumnView>,
    pub columns_filterable: Vec<FilterBox>,
    pub rows: Vec<Vec<String>>,
    pub total: String,
    pub filtered: bool,
    pub page: usize,
    pub pages: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// A copy-ready API call.
pub struct Snippet {
    pub id: &'static str,
    pub label: String,
    pub code: String,
    pub rows: usize,
}

#[derive(Template)]
#[template(path = "portal/dataset.html")]
pub struct DatasetPage {
    pub f: Frame,
    pub t: &'static Strings,
    pub d: DatasetView,
    pub items: Vec<ItemView>,
    pub a: AssessmentView,
    pub preview: Option<PreviewView>,
    /// The conditions of a 有条件开放 dataset (empty when none are written).
    pub conditional: Option<String>,
    pub snippets: Vec<Snippet>,
}

/// Only the preview's table, for htmx to swap in place.
#[derive(Template)]
#[template(path = "portal/preview_fragment.html")]
pub struct PreviewFragment<'a> {
    pub t: &'static Strings,
    pub p: &'a PreviewView,
}

#[derive(Template)]
#[template(path = "portal/history.html")]
pub struct HistoryPage {
    pub f: Frame,
    pub t: &'static Strings,
    pub name: String,
    pub href: String,
    /// (ISO time, shown time, what changed).
    pub entries: Vec<(String, String, String)>,
}
