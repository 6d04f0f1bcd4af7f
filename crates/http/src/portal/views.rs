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
    /// Who is signed in, for the header; none for a visitor.
    pub who: Option<Who>,
    /// The sign-in page, coming back here.
    pub signin_href: String,
}

/// The signed-in person as the header shows them, with the form token of the sign-out form.
pub struct Who {
    pub name: String,
    pub csrf: String,
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
            who: None,
            signin_href: format!("/account/signin?next={back}"),
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
    /// The dataset's page, for each row's 纠错 link.
    pub href: String,
    pub columns: Vec<ColumnView>,
    pub columns_filterable: Vec<FilterBox>,
    /// Each row's `_id` and values.
    pub rows: Vec<(i64, Vec<String>)>,
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

impl DatasetPage {
    /// The form token of the 纠错 form: only a signed-in person sees the form.
    pub fn csrf(&self) -> Option<&str> {
        self.f.who.as_ref().map(|w| w.csrf.as_str())
    }
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

// ---- the public's own pages ----

use crate::console::text::{problems_at, Problem};

/// The sign-in form of the portal, with the pre-session token of the console's.
#[derive(Template)]
#[template(path = "portal/signin.html")]
pub struct SigninPage {
    pub f: Frame,
    pub token: String,
    pub username: String,
    pub next: String,
    pub error: Option<String>,
}

/// What a registration form held, kept after a problem.
#[derive(Default)]
pub struct RegisterForm {
    pub username: String,
    pub display_name: String,
    pub kind: String,
    pub contact: String,
}

#[derive(Template)]
#[template(path = "portal/register.html")]
pub struct RegisterPage {
    pub f: Frame,
    pub token: String,
    pub next: String,
    pub form: RegisterForm,
    pub problems: Vec<Problem>,
}

impl RegisterPage {
    fn problems_at(&self, field: &str) -> Vec<&str> {
        problems_at(&self.problems, field)
    }
}

#[derive(Template)]
#[template(path = "portal/apply.html")]
pub struct ApplyPage {
    pub f: Frame,
    pub csrf: String,
    pub name: String,
    pub href: String,
    pub condition: String,
    pub version: &'static str,
    pub clauses: Vec<&'static str>,
    pub purpose: String,
    pub agreed: bool,
    pub problems: Vec<Problem>,
}

impl ApplyPage {
    fn problems_at(&self, field: &str) -> Vec<&str> {
        problems_at(&self.problems, field)
    }
}

/// One of a member's applications.
pub struct ApplicationView {
    pub id: i64,
    pub name: String,
    pub href: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub filed: String,
    pub due: String,
    pub overdue: bool,
    pub reason: String,
    pub quota: String,
    pub days: String,
    pub approved: bool,
}

#[derive(Template)]
#[template(path = "portal/applications.html")]
pub struct ApplicationsPage {
    pub f: Frame,
    pub csrf: String,
    pub rows: Vec<ApplicationView>,
    pub notice: Option<&'static str>,
}

/// The page that shows a new key once.
#[derive(Template)]
#[template(path = "portal/key.html")]
pub struct KeyPage {
    pub f: Frame,
    pub key: String,
    pub name: String,
    pub href: String,
    pub quota: String,
    pub expires: String,
    pub snippets: Vec<Snippet>,
}

/// A data request as the public sees it: never who asked.
pub struct RequestView {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub org: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub filed: String,
    pub due: String,
    pub overdue: bool,
    pub outcome: &'static str,
    pub answer: String,
    pub dataset_href: Option<String>,
}

/// What a request form held, kept after a problem.
#[derive(Default)]
pub struct RequestForm {
    pub title: String,
    pub description: String,
    pub org: String,
}

#[derive(Template)]
#[template(path = "portal/requests.html")]
pub struct RequestsPage {
    pub f: Frame,
    pub csrf: Option<String>,
    pub rows: Vec<RequestView>,
    pub total: String,
    pub pager: Pager,
    /// (code, name) of each department a request may be sent to.
    pub orgs: Vec<(String, String)>,
    pub form: RequestForm,
    pub problems: Vec<Problem>,
    pub notice: bool,
}

impl RequestsPage {
    fn problems_at(&self, field: &str) -> Vec<&str> {
        problems_at(&self.problems, field)
    }
}

#[derive(Template)]
#[template(path = "portal/feedback.html")]
pub struct FeedbackPage {
    pub f: Frame,
    pub csrf: String,
    pub name: String,
    pub href: String,
    pub row: String,
    pub text: String,
    pub problems: Vec<Problem>,
}

impl FeedbackPage {
    fn problems_at(&self, field: &str) -> Vec<&str> {
        problems_at(&self.problems, field)
    }
}

/// One piece of a member's feedback, with the provider's answer.
pub struct FeedbackView {
    pub name: String,
    pub href: String,
    pub row: String,
    pub text: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub filed: String,
    pub due: String,
    pub answer: String,
}

#[derive(Template)]
#[template(path = "portal/my_feedback.html")]
pub struct MyFeedbackPage {
    pub f: Frame,
    pub rows: Vec<FeedbackView>,
    pub notice: bool,
}
