//! The consumer pages' data for their templates (`templates/console/consumer_*.html`).
//! Everything typed by a person or a department reaches the HTML through askama's escaping.
use askama::Template;

use crate::console::views::Frame;

pub use crate::console::views::FormErrors;

/// A link that narrows or widens the search, with what it shows.
pub struct FacetLink {
    pub label: String,
    pub count: String,
    pub href: String,
    pub selected: bool,
}

pub struct FacetGroup {
    pub id: &'static str,
    pub title: &'static str,
    pub links: Vec<FacetLink>,
    /// The search without this filter, when the filter is set.
    pub clear: Option<String>,
}

/// A filter in force, with the link that removes it.
pub struct ActiveFilter {
    pub label: String,
    pub remove: String,
}

pub struct ResultRow {
    pub href: String,
    pub name: String,
    pub code: String,
    pub provider: String,
    pub share_type: String,
    pub share_class: &'static str,
    pub open_type: String,
    pub grade: String,
    pub updated: String,
}

/// A hidden filter kept by the search box, so a new word keeps the facets chosen.
pub struct Hidden {
    pub name: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "console/consumer_catalog.html")]
pub struct CatalogPage {
    pub f: Frame,
    pub q: String,
    pub hidden: Vec<Hidden>,
    pub errors: FormErrors,
    pub facets: Vec<FacetGroup>,
    pub active: Vec<ActiveFilter>,
    pub rows: Vec<ResultRow>,
    pub total: String,
    pub page_of: String,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub clear_all: Option<String>,
}

/// One 信息项 as a resource page and the forms show it.
pub struct ItemRow {
    pub code: String,
    pub name: String,
    pub item_type: String,
    pub grade: String,
    pub core: bool,
    pub checked: bool,
    /// The checkbox's element id (the first is `fields`, for the error summary's link).
    pub input_id: String,
}

/// A consumer system to choose from.
pub struct SystemOption {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

/// What a consumer typed into the subscribe or apply form, kept after an error.
#[derive(Default, Clone)]
pub struct RequestInput {
    pub system: String,
    pub fields: Vec<String>,
    pub purpose: String,
    pub scene: String,
    pub legal_basis: String,
    pub days: String,
}

/// What the page offers for a resource, by its share type and the viewer's roles.
pub enum Offer {
    /// 无条件共享: the subscribe form.
    Subscribe,
    /// 有条件共享: the link to the application form.
    Apply,
    /// The resource cannot be requested: the rule's reason.
    Refused(String),
    /// Requests are made by consumer departments: the rule's reason.
    NotConsumer(String),
}

#[derive(Template)]
#[template(path = "console/consumer_resource.html")]
pub struct ResourcePage {
    pub f: Frame,
    pub csrf: String,
    pub code: String,
    pub name: String,
    pub facts: Vec<(&'static str, String)>,
    pub items: Vec<ItemRow>,
    pub offer: Offer,
    pub systems: Vec<SystemOption>,
    pub input: RequestInput,
    pub errors: FormErrors,
}

#[derive(Template)]
#[template(path = "console/consumer_apply.html")]
pub struct ApplyPage {
    pub f: Frame,
    pub csrf: String,
    pub code: String,
    pub name: String,
    pub provider: String,
    pub condition: String,
    pub items: Vec<ItemRow>,
    pub systems: Vec<SystemOption>,
    pub input: RequestInput,
    pub errors: FormErrors,
}

#[derive(Template)]
#[template(path = "console/consumer_check.html")]
pub struct CheckPage {
    pub f: Frame,
    pub csrf: String,
    pub code: String,
    pub name: String,
    pub answers: Vec<(&'static str, String)>,
    pub items: Vec<ItemRow>,
    pub due: String,
    pub due_known: bool,
    pub input: RequestInput,
}

#[derive(Template)]
#[template(path = "console/consumer_application.html")]
pub struct ApplicationPage {
    pub f: Frame,
    pub title: String,
    pub notice: Option<String>,
    pub status: String,
    pub status_class: &'static str,
    pub rows: Vec<(&'static str, String)>,
    pub resource_href: String,
}

pub struct GrantRow {
    pub resource: String,
    pub resource_href: String,
    pub system: String,
    pub fields: String,
    pub state: String,
    pub state_class: &'static str,
    pub expires: String,
    pub left: String,
    pub usage: String,
    pub over_quota: bool,
}

pub struct ApplicationRow {
    pub href: String,
    pub resource: String,
    pub fields: String,
    pub filed: String,
    pub status: String,
    pub status_class: &'static str,
    pub due: String,
}

#[derive(Template)]
#[template(path = "console/consumer_grants.html")]
pub struct GrantsPage {
    pub f: Frame,
    pub notice: Option<String>,
    pub org: String,
    pub grants: Vec<GrantRow>,
    pub grants_total: String,
    pub applications: Vec<ApplicationRow>,
    pub applications_total: String,
}

pub struct NeedRow {
    pub href: String,
    pub title: String,
    pub resource: String,
    pub status: String,
    pub status_class: &'static str,
    pub filed: String,
}

/// What a person typed into the need form.
#[derive(Default)]
pub struct NeedInputView {
    pub title: String,
    pub description: String,
    pub resource: String,
}

#[derive(Template)]
#[template(path = "console/consumer_needs.html")]
pub struct NeedsPage {
    pub f: Frame,
    pub csrf: String,
    pub notice: Option<String>,
    pub org: String,
    pub rows: Vec<NeedRow>,
    pub total: String,
    pub input: NeedInputView,
    pub errors: FormErrors,
}
