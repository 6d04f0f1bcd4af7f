//! The catalogue pages' data for their templates (`templates/console/steward_*.html`).
//! Everything a steward typed reaches the HTML through askama's escaping.
use askama::Template;

use crate::console::views::Frame;

/// One problem of the form: the id of the control it is about (the summary links there) and
/// what to do, in the page's language.
pub struct Problem {
    pub id: String,
    pub text: String,
    /// What the summary puts first so a line names its row ("第 3 项（权利人）："); the
    /// message beside the field needs no such prefix.
    pub prefix: String,
}

/// Every problem of a posted form, in the form's order.
#[derive(Default)]
pub struct Problems {
    pub items: Vec<Problem>,
}

impl Problems {
    pub fn push(&mut self, id: impl Into<String>, text: impl Into<String>) {
        self.push_in(id, text, String::new());
    }

    pub fn push_in(&mut self, id: impl Into<String>, text: impl Into<String>, prefix: String) {
        let (id, text) = (id.into(), text.into());
        if !self.items.iter().any(|p| p.id == id && p.text == text) {
            self.items.push(Problem { id, text, prefix });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn has(&self, id: &str) -> bool {
        self.items.iter().any(|p| p.id == id)
    }

    /// Every message for one control, joined: shown next to it.
    pub fn of(&self, id: &str) -> Option<String> {
        let found: Vec<&str> = self
            .items
            .iter()
            .filter(|p| p.id == id)
            .map(|p| p.text.as_str())
            .collect();
        (!found.is_empty()).then(|| found.join(" "))
    }
}

// ---- the list ----

pub struct ResourceRow {
    pub code: String,
    pub name: String,
    pub provider: String,
    pub status: String,
    pub status_class: &'static str,
    /// Why it was sent back, for a returned resource.
    pub returned: Option<String>,
    pub version: String,
    pub data: String,
    pub stale: Option<bool>,
    pub freshness: String,
    pub edit_href: Option<String>,
    /// 编辑, or 查看 while under review (the form is then read-only).
    pub edit_label: &'static str,
    pub versions_href: Option<String>,
    pub upload_href: Option<String>,
    /// The operator's way to the review of a submission.
    pub review_href: Option<String>,
}

pub struct OrgOption {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "console/steward_resources.html")]
pub struct ListPage {
    pub f: Frame,
    pub title: &'static str,
    pub notice: Option<String>,
    pub rows: Vec<ResourceRow>,
    pub total: String,
    /// The operator's department filter (empty for a steward).
    pub orgs: Vec<OrgOption>,
    pub stale_only: bool,
    pub filtered: bool,
    pub may_create: bool,
    /// The CSV of what is shown, with the same filters.
    pub export_href: String,
    /// The neighbouring pages of the list, with the same filters.
    pub prev: Option<String>,
    pub next: Option<String>,
}

// ---- the form ----

/// How a metadata field is asked for.
#[derive(PartialEq, Eq)]
pub enum Kind {
    Text,
    Short,
    Area,
    Select,
    Radios,
    Checks,
}

/// One choice of a select, a radio group or a checkbox group.
pub struct Choice {
    pub id: String,
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One metadata field of the form, with its value or choices and its problem.
pub struct Field {
    pub id: &'static str,
    pub name: &'static str,
    pub label: &'static str,
    pub hint: String,
    pub required: bool,
    pub kind: Kind,
    pub value: String,
    pub choices: Vec<Choice>,
    pub error: Option<String>,
}

impl Field {
    pub fn is(&self, kind: &str) -> bool {
        let k = match self.kind {
            Kind::Text => "text",
            Kind::Short => "short",
            Kind::Area => "area",
            Kind::Select => "select",
            Kind::Radios => "radios",
            Kind::Checks => "checks",
        };
        k == kind
    }

    /// `aria-describedby`: the hint, and the problem when there is one.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

/// One 信息项 row of the form as posted (or loaded), with its problems by column.
pub struct ItemView {
    pub index: usize,
    /// The row's number as people count (1-based).
    pub number: usize,
    /// "第 2 项": the row as a screen reader names its controls.
    pub row: String,
    pub name: String,
    pub code: String,
    pub types: Vec<Choice>,
    pub length: String,
    pub required: bool,
    pub key: bool,
    pub personal: bool,
    /// The 数据元 link, kept in a hidden field.
    pub element: String,
    pub grades: Vec<Choice>,
    pub description: String,
    pub first: bool,
    pub last: bool,
    /// Focus the row's name after it was added (a page load, no script).
    pub focus_name: bool,
    /// Focus this button after the row moved (`up` or `down`).
    pub focus_move: &'static str,
    pub errors: Vec<(&'static str, String)>,
}

impl ItemView {
    pub fn error(&self, column: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, t)| t.as_str())
    }

    pub fn has(&self, column: &str) -> bool {
        self.error(column).is_some()
    }
}

/// A resource that cannot change now, as text: its metadata and its items.
pub struct ReadOnly {
    pub lines: Vec<(&'static str, String)>,
    pub items: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "console/steward_form.html")]
pub struct FormPage {
    pub f: Frame,
    pub csrf: String,
    pub title: String,
    pub action: String,
    pub notice: Option<String>,
    /// The operator's reason, when the resource was sent back.
    pub returned: Option<String>,
    /// Why the resource cannot be changed now (under review, retired): no form then.
    pub locked: Option<String>,
    /// What the resource says, shown instead of the form while it cannot change.
    pub read_only: Option<ReadOnly>,
    pub problems: Problems,
    /// The provider, fixed once the resource exists (and when the steward has only one).
    pub provider_fixed: Option<(String, String)>,
    pub basic: Vec<Field>,
    pub items: Vec<ItemView>,
    pub items_error: Option<String>,
    pub sharing: Vec<Field>,
    pub more: Vec<Field>,
    pub versions_href: Option<String>,
}

// ---- versions ----

pub struct VersionRow {
    pub version: i64,
    pub published: String,
    pub by: String,
}

/// One compared line: a metadata field or an item, its text in each version and the change.
pub struct DiffRow {
    pub label: String,
    pub a: String,
    pub b: String,
    /// `same`, `changed`, `added` or `removed`.
    pub change: &'static str,
    pub marker: &'static str,
}

pub struct Comparison {
    pub a: i64,
    pub b: i64,
    pub fields: Vec<DiffRow>,
    pub items: Vec<DiffRow>,
    pub changes: String,
}

#[derive(Template)]
#[template(path = "console/steward_versions.html")]
pub struct VersionsPage {
    pub f: Frame,
    pub code: String,
    pub name: String,
    pub versions: Vec<VersionRow>,
    pub choices_a: Vec<Choice>,
    pub choices_b: Vec<Choice>,
    pub comparison: Option<Comparison>,
}
