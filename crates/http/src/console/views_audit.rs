//! The audit pages' data and templates: the auditor's search, one entry with its proof, the
//! checkpoint, and a subject's own accesses with what their browser needs to check them.
use askama::Template;

use super::super::i18n::Lang;
use super::super::views::{self, Frame};

/// A moment in China time, to the second: audit entries are read by the minute and second.
pub fn date_time(lang: Lang, ms: i64) -> String {
    let secs = ms.div_euclid(1000) + 8 * 3600;
    let clock = time::OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second()))
        .unwrap_or_default();
    format!("{} {clock}", views::date(lang, ms))
}

/// The filters as typed, kept to fill the form again.
#[derive(Default, Clone)]
pub struct AuditFilterForm {
    pub org: String,
    pub system: String,
    pub resource: String,
    pub action: String,
    pub since: String,
    pub until: String,
    pub subject_id: String,
    /// `person` or `company`.
    pub subject_kind: String,
}

/// One line of the auditor's table.
pub struct AuditRow {
    pub index: u64,
    pub href: String,
    pub when: String,
    pub org: String,
    pub system: String,
    pub person: String,
    pub action: String,
    pub resource: String,
    pub purpose: String,
    pub result: String,
}

/// A field's problem, shown in the summary and at the field.
pub struct FieldProblem {
    pub field: &'static str,
    pub text: &'static str,
}

#[derive(Template)]
#[template(path = "console/audit_search.html")]
pub struct AuditSearchPage {
    pub f: Frame,
    pub form: AuditFilterForm,
    pub problems: Vec<FieldProblem>,
    /// The date fields' own problems, shown at the field as well as in the summary.
    pub since_error: Option<&'static str>,
    pub until_error: Option<&'static str>,
    pub rows: Vec<AuditRow>,
    pub total: i64,
    /// Whether the results are of a subject search (posted; paged by the form's buttons).
    pub by_subject: bool,
    pub export_href: String,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub prev_offset: Option<u32>,
    pub next_offset: Option<u32>,
}

#[derive(Template)]
#[template(path = "console/audit_entry.html")]
pub struct AuditEntryPage {
    pub f: Frame,
    pub index: u64,
    pub rows: Vec<(&'static str, String)>,
    pub leaf_hash: String,
    pub proof: Option<ProofView>,
}

pub struct ProofView {
    pub tree_size: u64,
    pub root: String,
    pub path: Vec<String>,
    pub valid: bool,
}

/// One signature line of a checkpoint.
pub struct SignatureRow {
    pub name: String,
    pub key_hash: String,
    pub role: &'static str,
    pub status: &'static str,
    pub ok: bool,
}

#[derive(Template)]
#[template(path = "console/audit_checkpoint.html")]
pub struct CheckpointPage {
    pub f: Frame,
    pub text: String,
    pub origin: String,
    pub size: u64,
    pub root: String,
    pub public_key: String,
    pub signatures: Vec<SignatureRow>,
    pub witnesses: usize,
}

/// One access to the subject's data, with its proof for the browser's check.
pub struct AccessRow {
    pub index: u64,
    pub when: String,
    pub who: String,
    pub system: String,
    pub resource: String,
    pub purpose: String,
    pub grant: String,
    /// The entry's canonical bytes, base64: the browser hashes them itself.
    pub entry: String,
    /// Kept beside them for anyone who reads the page's source.
    pub leaf_hash: String,
    /// The proof's hashes, hex, comma-separated.
    pub proof: String,
}

#[derive(Template)]
#[template(path = "console/my_data.html")]
pub struct MyDataPage {
    pub f: Frame,
    pub rows: Vec<AccessRow>,
    pub total: i64,
    pub checkpoint: String,
    pub tree_size: u64,
    pub public_key: String,
    pub verify_src: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}
