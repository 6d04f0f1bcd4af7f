//! The collection pages' data for their templates (`templates/console/collect_*.html`).
//! Everything from a file, a database or a person reaches the HTML through askama's escaping.
use askama::Template;

use crate::console::i18n::Strings;
use crate::console::views::Frame;

pub use crate::console::views::FormErrors;

/// One of the department's resources, with where to bring data into it.
pub struct ResourceRow {
    pub name: String,
    pub code: String,
    pub records: String,
    pub stale: bool,
    pub upload_href: String,
    pub connector_href: String,
}

/// One batch in a list.
pub struct BatchRow {
    pub href: String,
    pub id: i64,
    pub resource: String,
    pub channel: String,
    pub status: String,
    pub status_class: &'static str,
    pub received: String,
    pub accepted: String,
    pub rejected: String,
    pub started: String,
}

#[derive(Template)]
#[template(path = "console/collect_home.html")]
pub struct HomePage {
    pub f: Frame,
    /// How many resources the department holds; `resources` is one page of them.
    pub total: String,
    pub resources: Vec<ResourceRow>,
    pub batches: Vec<BatchRow>,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// What the upload form was sent with, kept after an error.
pub struct UploadInput {
    pub encoding: String,
    pub mode: String,
    pub policy: String,
}

impl Default for UploadInput {
    fn default() -> Self {
        UploadInput {
            encoding: "auto".into(),
            mode: "upsert".into(),
            policy: "all_or_nothing".into(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/collect_upload.html")]
pub struct UploadPage {
    pub f: Frame,
    pub csrf: String,
    pub code: String,
    pub name: String,
    pub action: String,
    pub input: UploadInput,
    pub errors: FormErrors,
    pub script: String,
}

/// A batch's state while it runs, polled by the page.
pub struct StatusView {
    pub running: bool,
    pub label: String,
    pub class: &'static str,
    /// Percent of the file read, when known.
    pub percent: Option<u64>,
    pub rows: String,
    pub poll_href: String,
    pub self_href: String,
}

/// The polled part of a batch page on its own.
#[derive(Template)]
#[template(path = "console/collect_batch_status.html")]
pub struct StatusFragment {
    pub t: &'static Strings,
    pub s: StatusView,
}

/// One rejected row (or one field of it).
pub struct RejectRow {
    pub row: u64,
    pub key: String,
    pub field: String,
    pub problem: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "console/collect_batch.html")]
pub struct BatchPage {
    pub f: Frame,
    pub t: &'static Strings,
    pub title: String,
    pub s: StatusView,
    pub upload_href: String,
    /// Whether the person collects into this resource (and so may upload again).
    pub may_collect: bool,
    /// The report's labelled values (empty while running).
    pub facts: Vec<(&'static str, String)>,
    pub counts: Vec<(&'static str, String)>,
    pub error: Option<String>,
    pub rejects: Vec<RejectRow>,
    pub rejects_total: String,
    pub range: String,
    pub download_href: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// What the connector form shows: never the password, only whether one is set.
#[derive(Default)]
pub struct ConnectorInput {
    pub url: String,
    pub password_set: bool,
    pub table: String,
    pub query: String,
    pub updated_column: String,
    pub source_system: String,
    pub interval_minutes: String,
    pub enabled: bool,
}

#[derive(Template)]
#[template(path = "console/collect_connector.html")]
pub struct ConnectorPage {
    pub f: Frame,
    pub csrf: String,
    pub code: String,
    pub name: String,
    pub base: String,
    pub configured: bool,
    pub input: ConnectorInput,
    /// The stored connector's state: labelled values.
    pub facts: Vec<(&'static str, String)>,
    pub last_batch_href: Option<String>,
    pub errors: FormErrors,
    pub notice: Option<String>,
    pub failure: Option<String>,
}

/// Deleting a connector, checked first: what goes with it is said before it goes.
#[derive(Template)]
#[template(path = "console/collect_connector_delete.html")]
pub struct ConnectorDeletePage {
    pub f: Frame,
    pub csrf: String,
    pub name: String,
    pub base: String,
}
