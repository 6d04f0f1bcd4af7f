//! The audit pages: the auditor's search of the log (by organisation, system, resource, action,
//! data subject and time), one entry with its inclusion proof, the latest checkpoint with its
//! witnesses, CSV export; and a citizen's or company's own accesses, checked in their browser.
//! The same `Store` calls and rules as `routes::audit` decide what anyone sees.
#[path = "views_audit.rs"]
mod views_audit;

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use base64::Engine;
use shuqiao_core::audit::entry::SubjectKind;
use shuqiao_core::audit::merkle::{self, Hash};
use shuqiao_core::audit::note::{Checkpoint, NoteVerifier, SignedNote};
use shuqiao_core::share::calendar::start_of_china_day;
use shuqiao_service::audit::AuditFilter;
use shuqiao_service::StoreError;

use super::i18n::{Lang, Strings};
use super::pages::Person;
use super::views::{self};
use super::{assets, PageError};
use crate::routes::audit::{require_auditor, to_csv};
use crate::AppState;
use views_audit::{
    date_time, AccessRow, AuditEntryPage, AuditFilterForm, AuditRow, AuditSearchPage,
    CheckpointPage, FieldProblem, MyDataPage, ProofView, SignatureRow,
};

/// Lines of the auditor's table per page.
const PAGE: u32 = 50;
/// Most lines in one export, as the API's CSV.
const EXPORT_MAX: u32 = 10_000;
/// Accesses per page of a subject's list.
const MY_PAGE: u32 = 50;

fn forbidden_unless_auditor(person: &Person) -> Result<(), PageError> {
    require_auditor(&person.principal).map_err(|d| PageError::from_domain(person.lang, d))
}

fn err(person: &Person, e: StoreError) -> PageError {
    PageError::from_store(person.lang, e)
}

/// Names by code (organisations, systems) in the page's language; a code without a name
/// shows as itself.
struct Names(HashMap<String, String>);

impl Names {
    fn of(&self, code: &str) -> String {
        match self.0.get(code) {
            Some(name) if name != code => format!("{name}（{code}）"),
            _ => code.to_string(),
        }
    }
}

async fn org_names(st: &AppState, lang: Lang) -> Names {
    Names(super::text::org_names(st, lang).await)
}

async fn system_names(st: &AppState, lang: Lang) -> Names {
    let systems = st.store.list_systems(None).await.unwrap_or_default();
    Names(
        systems
            .into_iter()
            .map(|s| (s.code, lang.pick(&s.name, &s.name_en).to_string()))
            .collect(),
    )
}

// ---- the auditor's search ----

fn field(m: &HashMap<String, String>, name: &str) -> String {
    m.get(name)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The filters of a query or a form. The subject is read only from a posted form: an ID
/// number must never travel in an address.
fn filter_form(m: &HashMap<String, String>, with_subject: bool) -> AuditFilterForm {
    AuditFilterForm {
        org: field(m, "org"),
        system: field(m, "system"),
        resource: field(m, "resource"),
        action: field(m, "action"),
        since: field(m, "since"),
        until: field(m, "until"),
        subject_id: if with_subject {
            field(m, "subject_id")
        } else {
            String::new()
        },
        subject_kind: match field(m, "subject_kind").as_str() {
            "company" => "company".into(),
            _ => "person".into(),
        },
    }
}

fn offset_of(m: &HashMap<String, String>) -> u32 {
    m.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0)
}

/// `2026-12-09` as a China day.
fn parse_day(s: &str) -> Option<time::Date> {
    let mut parts = s.splitn(3, '-');
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next()?.parse().ok()?;
    let d: u8 = parts.next()?.parse().ok()?;
    time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}

/// The store's filter for a form, or every problem with it. The end date is inclusive: the
/// filter ends at the start of the next China day.
fn to_filter(
    st: &AppState,
    t: &'static Strings,
    form: &AuditFilterForm,
    limit: u32,
    offset: u32,
) -> Result<Result<AuditFilter, Vec<FieldProblem>>, StoreError> {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let mut problems = Vec::new();
    let mut day = |name: &'static str, s: &str, next: bool| -> Option<i64> {
        if s.is_empty() {
            return None;
        }
        match parse_day(s) {
            Some(d) => {
                let d = if next { d.next_day().unwrap_or(d) } else { d };
                Some(start_of_china_day(d))
            }
            None => {
                problems.push(FieldProblem {
                    field: name,
                    text: t.audit_bad_date,
                });
                None
            }
        }
    };
    let since = day("since", &form.since, false);
    let until = day("until", &form.until, true);
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    // Hashed exactly as the API's `subject_id`: the keyed hash is all the log knows.
    let subject = match opt(&form.subject_id) {
        None => None,
        Some(id) => {
            let kind = if form.subject_kind == "company" {
                SubjectKind::Company
            } else {
                SubjectKind::Person
            };
            Some(st.store.audit().subject_key(kind, &id)?)
        }
    };
    Ok(Ok(AuditFilter {
        actor_org: opt(&form.org),
        actor_system: opt(&form.system),
        resource: opt(&form.resource),
        action: opt(&form.action),
        subject,
        since,
        until,
        limit,
        offset,
    }))
}

/// The filters (never the subject) as a query string.
fn query_of(form: &AuditFilterForm, offset: Option<u32>) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("org", &form.org),
        ("system", &form.system),
        ("resource", &form.resource),
        ("action", &form.action),
        ("since", &form.since),
        ("until", &form.until),
    ] {
        if !v.is_empty() {
            q.append_pair(k, v);
        }
    }
    if let Some(o) = offset.filter(|o| *o > 0) {
        q.append_pair("offset", &o.to_string());
    }
    q.finish()
}

fn with_query(path: &str, q: &str) -> String {
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

pub async fn search(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    forbidden_unless_auditor(&person)?;
    let form = filter_form(&q, false);
    render_search(&st, &person, form, offset_of(&q)).await
}

/// A search by data subject arrives posted, so the ID number stays out of every address;
/// without one, the filters go back into the address (post, redirect, get).
pub async fn search_subject(
    State(st): State<AppState>,
    person: Person,
    headers: HeaderMap,
    Form(m): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    forbidden_unless_auditor(&person)?;
    person.check_form(&headers, &st, &field(&m, "csrf"))?;
    let form = filter_form(&m, true);
    if form.subject_id.is_empty() {
        let target = with_query("/console/audit", &query_of(&form, None));
        return Ok(Redirect::to(&target).into_response());
    }
    render_search(&st, &person, form, offset_of(&m)).await
}

async fn render_search(
    st: &AppState,
    person: &Person,
    form: AuditFilterForm,
    offset: u32,
) -> Result<Response, PageError> {
    let by_subject = !form.subject_id.is_empty();
    let query = query_of(&form, None);
    let path = with_query("/console/audit", &query);
    let f = person.frame(&path, "audit");
    let (lang, t) = (f.lang, f.t);
    let filter = to_filter(st, t, &form, PAGE, offset).map_err(|e| err(person, e))?;
    let (rows, total, problems) = match filter {
        Err(problems) => (Vec::new(), 0, problems),
        Ok(filter) => {
            let page = st
                .store
                .audit_entries(filter)
                .await
                .map_err(|e| err(person, e))?;
            let orgs = org_names(st, lang).await;
            let systems = system_names(st, lang).await;
            let rows = page
                .items
                .into_iter()
                .map(|r| {
                    let e = r.entry;
                    AuditRow {
                        index: r.index,
                        href: format!("/console/audit/entries/{}", r.index),
                        when: date_time(lang, e.time),
                        org: orgs.of(&e.actor_org),
                        system: e.actor_system.map(|s| systems.of(&s)).unwrap_or_default(),
                        person: e.actor_person.unwrap_or_default(),
                        action: e.action,
                        resource: e.resource.unwrap_or_default(),
                        purpose: e.purpose.unwrap_or_default(),
                        result: e.result,
                    }
                })
                .collect();
            (rows, page.total, Vec::new())
        }
    };
    let next_offset = offset.saturating_add(PAGE);
    let has_prev = offset > 0;
    let has_next = i64::from(next_offset) < total;
    let prev_offset = has_prev.then(|| offset.saturating_sub(PAGE));
    let next_offset = has_next.then_some(next_offset);
    let link = |o: u32| with_query("/console/audit", &query_of(&form, Some(o)));
    let problem = |name: &str| problems.iter().find(|p| p.field == name).map(|p| p.text);
    let (since_error, until_error) = (problem("since"), problem("until"));
    let page = AuditSearchPage {
        since_error,
        until_error,
        export_href: with_query("/console/audit/export", &query),
        prev: prev_offset.filter(|_| !by_subject).map(link),
        next: next_offset.filter(|_| !by_subject).map(link),
        prev_offset: prev_offset.filter(|_| by_subject),
        next_offset: next_offset.filter(|_| by_subject),
        f,
        form,
        problems,
        rows,
        total,
        by_subject,
    };
    let status = if page.problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, views::html(&page)).into_response())
}

// ---- CSV export ----

pub async fn export(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    forbidden_unless_auditor(&person)?;
    export_csv(&st, &person, filter_form(&q, false)).await
}

pub async fn export_subject(
    State(st): State<AppState>,
    person: Person,
    headers: HeaderMap,
    Form(m): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    forbidden_unless_auditor(&person)?;
    person.check_form(&headers, &st, &field(&m, "csrf"))?;
    export_csv(&st, &person, filter_form(&m, true)).await
}

/// What the table shows, every page of it, in the API's CSV (the platform's one writer, so no
/// cell becomes a formula).
async fn export_csv(
    st: &AppState,
    person: &Person,
    form: AuditFilterForm,
) -> Result<Response, PageError> {
    let t = person.lang.strings();
    let filter = match to_filter(st, t, &form, EXPORT_MAX, 0).map_err(|e| err(person, e))? {
        Ok(f) => f,
        // A bad date: show the form with the problem rather than a file of everything.
        Err(_) => return render_search(st, person, form, 0).await,
    };
    let page = st
        .store
        .audit_entries(filter)
        .await
        .map_err(|e| err(person, e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
        ],
        to_csv(&page),
    )
        .into_response())
}

// ---- one entry ----

fn hex_hash(s: &str) -> Option<Hash> {
    hex::decode(s).ok()?.try_into().ok()
}

/// The latest checkpoint's note and body, or the log is unavailable.
async fn latest(st: &AppState) -> Result<(String, SignedNote, Checkpoint), StoreError> {
    let text = st.store.audit().checkpoint().await?;
    let note = SignedNote::parse(&text).map_err(|_| StoreError::AuditUnavailable)?;
    let cp = Checkpoint::parse_body(&note.body).map_err(|_| StoreError::AuditUnavailable)?;
    Ok((text, note, cp))
}

pub async fn entry(
    State(st): State<AppState>,
    person: Person,
    Path(index): Path<u64>,
) -> Result<Response, PageError> {
    forbidden_unless_auditor(&person)?;
    let (e, leaf) = st
        .store
        .audit()
        .entry(index)
        .await
        .map_err(|e| err(&person, e.into()))?;
    let (_, _, cp) = latest(&st).await.map_err(|e| err(&person, e))?;
    let proof = if index < cp.size {
        let path = st
            .store
            .audit()
            .inclusion_proof(index, cp.size)
            .await
            .map_err(|e| err(&person, e.into()))?;
        // Checked here too, so a page that shows a broken proof also says it is broken.
        let hashes: Option<Vec<Hash>> = path.iter().map(|h| hex_hash(h)).collect();
        let valid = match (hex_hash(&leaf), hashes) {
            (Some(l), Some(p)) => merkle::verify_inclusion(&l, index, cp.size, &p, &cp.root),
            _ => false,
        };
        Some(ProofView {
            tree_size: cp.size,
            root: hex::encode(cp.root),
            path,
            valid,
        })
    } else {
        None
    };
    let f = person.frame(&format!("/console/audit/entries/{index}"), "audit");
    let (lang, t) = (f.lang, f.t);
    let orgs = org_names(&st, lang).await;
    let systems = system_names(&st, lang).await;
    let rows = vec![
        (t.col_index, index.to_string()),
        (t.col_time, date_time(lang, e.time)),
        (t.col_actor, orgs.of(&e.actor_org)),
        (
            t.col_system,
            e.actor_system
                .as_deref()
                .map(|s| systems.of(s))
                .unwrap_or_default(),
        ),
        (t.col_person, e.actor_person.clone().unwrap_or_default()),
        (t.col_action_kind, e.action.clone()),
        (t.col_resource, e.resource.clone().unwrap_or_default()),
        (
            t.entry_version,
            e.resource_version
                .map(|v| v.to_string())
                .unwrap_or_default(),
        ),
        (t.col_grant, e.grant.clone().unwrap_or_default()),
        (t.field_purpose, e.purpose.clone().unwrap_or_default()),
        (t.col_result, e.result.clone()),
        (t.entry_subjects, e.subjects.len().to_string()),
    ];
    let page = AuditEntryPage {
        f,
        index,
        rows,
        leaf_hash: leaf,
        proof,
    };
    Ok(views::html(&page).into_response())
}

// ---- the checkpoint ----

pub async fn checkpoint(State(st): State<AppState>, person: Person) -> Result<Response, PageError> {
    forbidden_unless_auditor(&person)?;
    let (text, note, cp) = latest(&st).await.map_err(|e| err(&person, e))?;
    let public_key = st
        .store
        .audit()
        .public_key()
        .ok_or_else(|| err(&person, StoreError::AuditUnavailable))?;
    let f = person.frame("/console/audit/checkpoint", "checkpoint");
    let t = f.t;
    let log_key = NoteVerifier::parse(&public_key).ok();
    let log_ok = log_key.as_ref().is_some_and(|k| note.signed_by(k));
    // The first line is the log's own; the others are witnesses', each checked against its
    // registered key before it was stored (`AuditLog::add_cosignature`).
    let signatures = note
        .signatures
        .iter()
        .enumerate()
        .map(|(i, (name, hash, _))| {
            let own = i == 0;
            SignatureRow {
                name: name.clone(),
                key_hash: hex::encode(hash),
                role: if own {
                    t.checkpoint_role_log
                } else {
                    t.checkpoint_role_witness
                },
                status: match (own, log_ok) {
                    (true, true) => t.checkpoint_sig_ok,
                    (true, false) => t.checkpoint_sig_bad,
                    (false, _) => t.checkpoint_witness_checked,
                },
                ok: !own || log_ok,
            }
        })
        .collect::<Vec<_>>();
    let witnesses = signatures.len().saturating_sub(1);
    let page = CheckpointPage {
        f,
        text,
        origin: cp.origin,
        size: cp.size,
        root: hex::encode(cp.root),
        public_key,
        signatures,
        witnesses,
    };
    Ok(views::html(&page).into_response())
}

// ---- a subject's own accesses ----

#[derive(serde::Deserialize)]
pub struct MyQuery {
    #[serde(default)]
    offset: u32,
}

/// 谁用了我的数据: the same call as `/api/v1/me/accesses`; anyone who is not an identified
/// subject is told why by the rule's own words. The page carries the checkpoint, the key and
/// each proof for `verify.js` to check in the browser, trusting the server for nothing.
pub async fn my_data(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<MyQuery>,
) -> Result<Response, PageError> {
    let mine = st
        .store
        .my_accesses(person.principal.clone(), MY_PAGE, q.offset)
        .await
        .map_err(|e| err(&person, e))?;
    let public_key = st
        .store
        .audit()
        .public_key()
        .ok_or_else(|| err(&person, StoreError::AuditUnavailable))?;
    let f = person.frame("/console/my-data", "my-data");
    let lang = f.lang;
    let orgs = org_names(&st, lang).await;
    let systems = system_names(&st, lang).await;
    let mut resources: HashMap<String, String> = HashMap::new();
    let mut rows = Vec::with_capacity(mine.items.len());
    for a in mine.items {
        let canonical = base64::engine::general_purpose::STANDARD.encode(a.record.entry.encode());
        let e = a.record.entry;
        let resource = match e.resource {
            None => String::new(),
            Some(code) => {
                if !resources.contains_key(&code) {
                    let name = resource_name(&st, &person, lang, &code).await;
                    resources.insert(code.clone(), name);
                }
                resources.get(&code).cloned().unwrap_or(code)
            }
        };
        rows.push(AccessRow {
            index: a.record.index,
            when: date_time(lang, e.time),
            who: orgs.of(&e.actor_org),
            system: e.actor_system.map(|s| systems.of(&s)).unwrap_or_default(),
            resource,
            purpose: e.purpose.unwrap_or_default(),
            grant: e.grant.unwrap_or_default(),
            entry: canonical,
            leaf_hash: a.leaf_hash,
            proof: a.inclusion_proof.join(","),
        });
    }
    let page_at = |o: u32| format!("/console/my-data?offset={o}");
    let next = q.offset.saturating_add(MY_PAGE);
    let page = MyDataPage {
        f,
        rows,
        total: mine.total,
        checkpoint: mine.checkpoint,
        tree_size: mine.tree_size,
        public_key,
        verify_src: assets::verify_src(),
        prev: (q.offset > 0).then(|| page_at(q.offset.saturating_sub(MY_PAGE))),
        next: (i64::from(next) < mine.total).then(|| page_at(next)),
    };
    Ok(views::html(&page).into_response())
}

/// A resource's name as the catalogue publishes it, or its code where the person may not
/// read the entry.
async fn resource_name(st: &AppState, person: &Person, lang: Lang, code: &str) -> String {
    match st.store.get_resource(person.principal.clone(), code).await {
        Ok(d) => match d.current {
            Some(v) => format!("{}（{code}）", lang.pick(&v.meta.name, &v.meta.name_en)),
            None => code.to_string(),
        },
        Err(_) => code.to_string(),
    }
}
