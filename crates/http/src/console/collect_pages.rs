//! The provider steward's collection pages (归集): the department's resources and recent
//! batches, uploading a file, watching a batch run and reading its report and rejected rows,
//! and configuring, running or deleting a resource's database connector. Every decision is
//! core's, through the same `Store` methods and the same file reading as the API.
mod views;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use shuqiao_core::account::Principal;
use shuqiao_core::collect::{BatchMode, BatchPolicy};
use shuqiao_core::DomainError;
use shuqiao_ingest::file::{EncodingChoice, FileOptions};
use shuqiao_service::collect::connectors::{self, ConnectorConfig, ConnectorView};
use shuqiao_service::collect::runner::{self, PullError};
use shuqiao_service::collect::{BatchReport, BatchRequest, Channel, ImportProgress};
use shuqiao_service::StoreError;
use tokio::io::AsyncWriteExt;

use super::i18n::{Lang, Strings};
use super::pages::Person;
use super::text::{domain_text, thousands};
use super::views::{self as frame_views};
use super::{assets, session, PageError};
use crate::routes::collect::{open_upload, MAX_UPLOAD};
use crate::AppState;
use views::*;

/// Rejected rows a batch page shows at a time.
const REJECTS_PAGE: usize = 50;
/// Batches of each resource the landing page looks at.
/// Batches the landing page lists.
const RECENT: usize = 30;
/// The longest text field a multipart form may carry (the file aside).
const MAX_FIELD: usize = 4096;

// ---- batches running in this process, for their progress bars ----

/// How far each batch started from this process has read its file. Another replica's
/// batches show as running without a bar.
static RUNNING: LazyLock<Mutex<HashMap<i64, Arc<ImportProgress>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn running() -> std::sync::MutexGuard<'static, HashMap<i64, Arc<ImportProgress>>> {
    RUNNING.lock().unwrap_or_else(|p| p.into_inner())
}

fn watch(id: i64, progress: Arc<ImportProgress>) {
    let mut r = running();
    // Entries go when a batch is seen finished; a bound keeps forgotten ones from piling up.
    if r.len() > 1000 {
        r.clear();
    }
    r.insert(id, progress);
}

fn forget(id: i64) {
    running().remove(&id);
}

// ---- words ----

fn status_label(t: &Strings, status: &str) -> (String, &'static str) {
    match status {
        "running" => (t.sc_status_running.into(), "tag"),
        "applied" => (t.sc_status_applied.into(), "tag tag-open"),
        "rejected" => (t.sc_status_rejected.into(), "tag tag-overdue"),
        "failed" => (t.sc_status_failed.into(), "tag tag-overdue"),
        other => (other.into(), "tag"),
    }
}

fn channel_label(t: &Strings, channel: &str) -> String {
    match channel {
        "import" => t.sc_channel_import,
        "push" => t.sc_channel_push,
        "pull" => t.sc_channel_pull,
        other => other,
    }
    .to_string()
}

fn mode_label(t: &Strings, mode: &str) -> String {
    match mode {
        "upsert" => t.sc_mode_upsert,
        "replace" => t.sc_mode_replace,
        "snapshot" => t.sc_mode_snapshot,
        other => other,
    }
    .to_string()
}

fn policy_label(t: &Strings, policy: &str) -> String {
    match policy {
        "all_or_nothing" => t.sc_policy_all,
        "accept_valid" => t.sc_policy_valid,
        other => other,
    }
    .to_string()
}

/// A moment in China time: the day as the console writes days, then `HH:MM:SS`.
fn moment(lang: Lang, ms: i64) -> String {
    let secs = (ms.div_euclid(1000) + 8 * 3600).rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02}",
        frame_views::date(lang, ms),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Rows that made it in: none when the batch changed nothing.
fn accepted(b: &BatchReport) -> i64 {
    if b.status == "applied" {
        b.inserted + b.updated + b.unchanged + b.deleted
    } else {
        0
    }
}

async fn resource_name(st: &AppState, person: &Person, code: &str) -> String {
    match st.store.get_resource(person.principal.clone(), code).await {
        Ok(d) => d
            .current
            .map(|v| person.lang.pick(&v.meta.name, &v.meta.name_en).to_string())
            .unwrap_or_else(|| code.to_string()),
        Err(_) => code.to_string(),
    }
}

// ---- the landing page ----

/// The departments the person collects for: their stewardships.
fn steward_orgs(p: &Principal) -> Vec<String> {
    let mut orgs = p.steward_orgs();
    orgs.sort();
    orgs.dedup();
    orgs
}

/// `/console/collect`: the department's recent batches, failed ones first, and its resources,
/// a page at a time.
pub async fn home(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<HomeQuery>,
) -> Result<Response, PageError> {
    let orgs = steward_orgs(&person.principal);
    if orgs.is_empty() {
        // Core says why: only a provider's stewards collect.
        let own = match &person.principal {
            Principal::Person { org, .. } => org.clone(),
            _ => String::new(),
        };
        return Err(
            match shuqiao_core::collect::require_collector(&person.principal, &own) {
                Err(e) => PageError::from_domain(person.lang, e),
                Ok(()) => PageError::Internal(person.lang),
            },
        );
    }
    let f = person.frame("/console/collect", "collect");
    let (lang, t) = (f.lang, f.t);
    let mut status = Vec::new();
    let mut batches: Vec<BatchReport> = Vec::new();
    for org in orgs {
        status.extend(
            st.store
                .data_status(person.principal.clone(), Some(org.clone()), false)
                .await
                .map_err(|e| person.error(e))?,
        );
        batches.extend(
            st.store
                .department_batches(person.principal.clone(), &org, RECENT as u32)
                .await
                .map_err(|e| person.error(e))?,
        );
    }
    let total = status.len();
    let offset = q
        .offset
        .min(total.saturating_sub(1) / RESOURCES_PAGE * RESOURCES_PAGE);
    let page_at = |o: usize| match o {
        0 => "/console/collect".to_string(),
        o => format!("/console/collect?offset={o}"),
    };
    let prev = (offset > 0).then(|| page_at(offset.saturating_sub(RESOURCES_PAGE)));
    let next = (offset + RESOURCES_PAGE < total).then(|| page_at(offset + RESOURCES_PAGE));
    let mut resources = Vec::new();
    for d in status.into_iter().skip(offset).take(RESOURCES_PAGE) {
        // The status carries the Chinese name; the catalogue is read only for the English.
        let name = match lang {
            Lang::Zh => d.name.clone(),
            Lang::En => match resource_name(&st, &person, &d.resource).await {
                read if read == d.resource => d.name.clone(),
                read => read,
            },
        };
        resources.push(ResourceRow {
            upload_href: format!("/console/collect/{}/upload", d.resource),
            connector_href: format!("/console/collect/{}/connector", d.resource),
            name,
            code: d.resource,
            records: thousands(d.records),
            stale: d.timeliness.stale,
        });
    }
    let mut names: HashMap<String, String> = HashMap::new();
    for b in &batches {
        if !names.contains_key(&b.resource) {
            let name = resource_name(&st, &person, &b.resource).await;
            names.insert(b.resource.clone(), name);
        }
    }
    let mut batches: Vec<(BatchReport, String)> = batches
        .into_iter()
        .map(|b| {
            let name = names.get(&b.resource).cloned().unwrap_or_default();
            (b, name)
        })
        .collect();
    // Failed and rejected batches first, then running ones, then the rest; newest first.
    let rank = |s: &str| match s {
        "failed" | "rejected" => 0,
        "running" => 1,
        _ => 2,
    };
    batches.sort_by(|(a, _), (b, _)| {
        rank(&a.status)
            .cmp(&rank(&b.status))
            .then(b.started_at.cmp(&a.started_at))
            .then(b.id.cmp(&a.id))
    });
    let batches = batches
        .into_iter()
        .take(RECENT)
        .map(|(b, name)| {
            let (status, status_class) = status_label(t, &b.status);
            BatchRow {
                href: format!("/console/batches/{}", b.id),
                id: b.id,
                resource: name,
                channel: channel_label(t, &b.channel),
                status,
                status_class,
                received: thousands(b.rows_read),
                accepted: thousands(accepted(&b)),
                rejected: thousands(b.rejected),
                started: moment(lang, b.started_at),
            }
        })
        .collect();
    let page = HomePage {
        f,
        total: thousands(total as i64),
        resources,
        batches,
        prev,
        next,
    };
    Ok(frame_views::html(&page).into_response())
}

#[derive(Deserialize, Default)]
pub struct HomeQuery {
    /// The first resource shown.
    #[serde(default)]
    offset: usize,
}

/// Resources on one page of the landing page.
const RESOURCES_PAGE: usize = 50;

// ---- uploading ----

fn upload_page(
    person: &Person,
    code: &str,
    name: String,
    input: UploadInput,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let path = format!("/console/collect/{code}/upload");
    let page = UploadPage {
        csrf: session::csrf_token(&person.secret),
        f: person.frame(&path, "collect"),
        code: code.to_string(),
        name,
        action: path,
        input,
        errors,
        script: assets::upload_src(),
    };
    (status, frame_views::html(&page)).into_response()
}

/// `/console/collect/{code}/upload`: the form; only the provider's stewards see it.
pub async fn upload_form(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    st.store
        .check_collector(person.principal.clone(), &code)
        .await
        .map_err(|e| person.error(e))?;
    let name = resource_name(&st, &person, &code).await;
    Ok(upload_page(
        &person,
        &code,
        name,
        UploadInput::default(),
        FormErrors::default(),
        StatusCode::OK,
    ))
}

/// A short text field of the form, refused when longer than a form field can be.
async fn small_text(field: &mut axum::extract::multipart::Field<'_>) -> Option<String> {
    let mut out = Vec::new();
    while let Ok(Some(chunk)) = field.chunk().await {
        out.extend_from_slice(&chunk);
        if out.len() > MAX_FIELD {
            return None;
        }
    }
    String::from_utf8(out).ok()
}

/// Why a spooled file is not there.
enum SpoolError {
    TooLarge,
    Interrupted,
    Internal,
}

/// Streams the file part to a temporary file: an upload is never held in memory.
async fn spool(
    field: &mut axum::extract::multipart::Field<'_>,
) -> Result<(tempfile::TempPath, u64), SpoolError> {
    let tmp = tempfile::NamedTempFile::new().map_err(|e| {
        tracing::error!(error = %e, "console: cannot create a spool file");
        SpoolError::Internal
    })?;
    let (file, path) = tmp.into_parts();
    let mut file = tokio::fs::File::from_std(file);
    let mut size: u64 = 0;
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(_) => return Err(SpoolError::Interrupted),
        };
        size += chunk.len() as u64;
        if size > MAX_UPLOAD {
            return Err(SpoolError::TooLarge);
        }
        file.write_all(&chunk).await.map_err(|e| {
            tracing::error!(error = %e, "console: cannot write the spool file");
            SpoolError::Internal
        })?;
    }
    file.flush().await.map_err(|_| SpoolError::Internal)?;
    Ok((path, size))
}

/// Posted by the form (multipart): the form token comes before the file, so nothing is
/// stored for a form from another site. The file is read as the API reads it, the batch
/// starts in the background, and the person goes to its page as soon as it exists.
pub async fn upload(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Result<Response, PageError> {
    if session::cross_site(&headers, &st.console) {
        return Err(PageError::CrossSite(person.lang));
    }
    st.store
        .check_collector(person.principal.clone(), &code)
        .await
        .map_err(|e| person.error(e))?;
    let t = person.lang.strings();
    let mut token_ok = false;
    let mut input = UploadInput::default();
    let mut errors = FormErrors::default();
    let mut file: Option<(tempfile::TempPath, String)> = None;
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                errors.push("file", t.sc_err_interrupted);
                break;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            if !token_ok {
                return Err(PageError::CrossSite(person.lang));
            }
            let filename = field
                .file_name()
                .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string())
                .unwrap_or_default();
            match spool(&mut field).await {
                Ok((path, size)) if size > 0 || !filename.is_empty() => {
                    file = Some((path, filename));
                }
                Ok(_) => {}
                Err(SpoolError::TooLarge) => errors.push("file", t.sc_err_too_large),
                Err(SpoolError::Interrupted) => errors.push("file", t.sc_err_interrupted),
                Err(SpoolError::Internal) => return Err(PageError::Internal(person.lang)),
            }
            continue;
        }
        let Some(value) = small_text(&mut field).await else {
            return Err(PageError::CrossSite(person.lang));
        };
        match name.as_str() {
            "csrf" => {
                person.check_form(&headers, &st, &value)?;
                token_ok = true;
            }
            "encoding" => input.encoding = value,
            "mode" => input.mode = value,
            "policy" => input.policy = value,
            _ => {}
        }
    }
    if !token_ok {
        return Err(PageError::CrossSite(person.lang));
    }
    let encoding = EncodingChoice::parse(&input.encoding);
    if encoding.is_none() {
        errors.push("encoding", t.sc_err_encoding);
    }
    let mode = BatchMode::parse(&input.mode);
    if mode.is_none() {
        errors.push("mode-upsert", t.sc_err_mode);
    }
    let policy = BatchPolicy::parse(&input.policy);
    if policy.is_none() {
        errors.push("policy-all", t.sc_err_policy);
    }
    if file.is_none() && !errors.has("file") {
        errors.push("file", t.sc_err_no_file);
    }
    let name = resource_name(&st, &person, &code).await;
    let retry = |input, errors| {
        upload_page(
            &person,
            &code,
            name.clone(),
            input,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let (Some((path, filename)), Some(encoding), Some(mode), Some(policy), true) =
        (file, encoding, mode, policy, errors.is_empty())
    else {
        return Ok(retry(input, errors));
    };
    // As the API: the format from the file's name, unless the content says otherwise, and
    // the header found under any title rows by the resource's item names.
    let expected_columns = st
        .store
        .import_columns(person.principal.clone(), &code)
        .await
        .unwrap_or_default();
    let opts = FileOptions {
        format: None,
        encoding,
        sheet: None,
        delimiter: None,
        expected_columns,
        ..FileOptions::default()
    };
    let source_name = (!filename.is_empty()).then(|| filename.clone());
    let (source, format, file_encoding) = match open_upload(path, source_name, opts).await {
        Ok(Ok(opened)) => opened,
        Ok(Err(e)) => {
            errors.push("file", person.lang.pick(&e.zh, &e.en));
            return Ok(retry(input, errors));
        }
        Err(_) => return Err(PageError::Internal(person.lang)),
    };
    let mut req = BatchRequest::new(
        &code,
        Channel::Import,
        if filename.is_empty() {
            "upload"
        } else {
            &filename
        },
    );
    req.policy = policy;
    req.mode = mode;
    req.format = format;
    req.encoding = file_encoding;
    let progress = Arc::new(ImportProgress::default());
    let (tx, rx) = tokio::sync::oneshot::channel();
    let (store, p, watched) = (st.store.clone(), person.principal.clone(), progress.clone());
    let task = tokio::spawn(async move {
        let r = store
            .collect_batch_watched(p, req, source, Some(watched), Some(tx))
            .await;
        if let Ok(report) = &r {
            forget(report.id);
        }
        r
    });
    let outcome = match rx.await {
        Ok(id) => Ok(id),
        // The batch never started: the task says why.
        Err(_) => match task.await {
            Ok(Ok(report)) => Ok(report.id),
            Ok(Err(e)) => Err(e),
            Err(_) => return Err(PageError::Internal(person.lang)),
        },
    };
    match outcome {
        Ok(id) => {
            watch(id, progress);
            Ok(Redirect::to(&format!("/console/batches/{id}")).into_response())
        }
        // The file's columns do not fit the resource: said at the file.
        Err(StoreError::Domain(e @ DomainError::Invalid(_)))
        | Err(StoreError::Domain(e @ DomainError::Conflict { .. })) => {
            errors.push("file", domain_text(person.lang, &e));
            Ok(retry(input, errors))
        }
        Err(e) => Err(person.error(e)),
    }
}

// ---- a batch ----

fn status_view(t: &Strings, b: &BatchReport) -> StatusView {
    let (label, class) = status_label(t, &b.status);
    let running = b.status == "running";
    let (percent, rows) = match running.then(|| running_progress(b.id)).flatten() {
        Some(p) => {
            let done = p.done.load(std::sync::atomic::Ordering::Relaxed);
            let total = p.total.load(std::sync::atomic::Ordering::Relaxed);
            let rows = i64::try_from(p.rows.load(std::sync::atomic::Ordering::Relaxed))
                .unwrap_or(i64::MAX);
            ((total > 0).then(|| (done * 100 / total).min(100)), rows)
        }
        None => (None, b.rows_read),
    };
    StatusView {
        running,
        label,
        class,
        percent,
        rows: thousands(rows),
        poll_href: format!("/console/batches/{}/status", b.id),
        self_href: format!("/console/batches/{}", b.id),
    }
}

fn running_progress(id: i64) -> Option<Arc<ImportProgress>> {
    running().get(&id).cloned()
}

#[derive(Deserialize)]
pub struct RejectsQuery {
    #[serde(default)]
    page: Option<String>,
}

/// `/console/batches/{id}`: progress while the batch runs, then its report and its rejected
/// rows page by page. Who may see it is `get_batch`'s rule, the API's; anyone else is told
/// it does not exist.
pub async fn batch(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
    Query(q): Query<RejectsQuery>,
) -> Result<Response, PageError> {
    let b = st
        .store
        .get_batch(person.principal.clone(), id)
        .await
        .map_err(|e| person.error(e))?;
    if b.status != "running" {
        forget(id);
    }
    let name = resource_name(&st, &person, &b.resource).await;
    let may_collect = st
        .store
        .check_collector(person.principal.clone(), &b.resource)
        .await
        .is_ok();
    let f = person.frame(
        &format!("/console/batches/{id}"),
        if may_collect { "collect" } else { "" },
    );
    let (lang, t) = (f.lang, f.t);
    let s = status_view(t, &b);
    let rejects = if s.running {
        Vec::new()
    } else {
        st.store
            .batch_rejects(person.principal.clone(), id)
            .await
            .map_err(|e| person.error(e))?
    };
    let total = rejects.len();
    let pages = total.div_ceil(REJECTS_PAGE).max(1);
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let start = (page - 1) * REJECTS_PAGE;
    let shown: Vec<RejectRow> = rejects
        .into_iter()
        .skip(start)
        .take(REJECTS_PAGE)
        .map(|r| RejectRow {
            row: r.row,
            key: r.key.unwrap_or_default(),
            field: r.field.unwrap_or_default(),
            problem: lang.pick(&r.message_zh, &r.message_en).to_string(),
            value: r.value.unwrap_or_default(),
        })
        .collect();
    let count = |n: usize| thousands(i64::try_from(n).unwrap_or(i64::MAX));
    let range = format!(
        "{}{}{}{}{}{}{}",
        t.sc_rejects_range_before,
        count(start + 1),
        t.sc_rejects_range_middle,
        count(start + shown.len()),
        t.sc_rejects_range_after,
        count(total),
        t.sc_rejects_range_end
    );
    let page_at = |p: usize| format!("/console/batches/{id}?page={p}#rejects");
    let source = match (&b.format, &b.encoding) {
        (Some(f), Some(e)) => format!("{f} / {e}"),
        (Some(f), None) => f.clone(),
        _ => String::new(),
    };
    let mut facts = vec![
        (
            t.col_resource,
            format!(
                "{name}{}{}{}",
                t.sc_paren_open, b.resource, t.sc_paren_close
            ),
        ),
        (t.sc_col_channel, channel_label(t, &b.channel)),
        (t.sc_field_file, b.source.clone()),
        (t.sc_field_format, source),
        (t.sc_field_mode, mode_label(t, &b.mode)),
        (t.sc_field_policy, policy_label(t, &b.policy)),
        (t.sc_field_actor, b.actor.clone()),
        (t.col_started, moment(lang, b.started_at)),
    ];
    if let Some(done) = b.finished_at {
        facts.push((t.sc_field_finished, moment(lang, done)));
    }
    if let Some(ms) = b.duration_ms {
        facts.push((t.sc_field_duration, ms.to_string()));
    }
    if !b.ignored_columns.is_empty() {
        facts.push((t.sc_ignored_columns, b.ignored_columns.join(t.sc_list_sep)));
    }
    let counts = if s.running {
        Vec::new()
    } else {
        [
            (t.sc_count_received, b.rows_read),
            (t.sc_count_accepted, accepted(&b)),
            (t.sc_count_rejected, b.rejected),
            (t.sc_count_inserted, b.inserted),
            (t.sc_count_updated, b.updated),
            (t.sc_count_unchanged, b.unchanged),
            (t.sc_count_deleted, b.deleted),
            (t.sc_count_merged, b.merged),
            (t.sc_count_replaced, b.replaced),
        ]
        .into_iter()
        .map(|(label, n)| (label, thousands(n)))
        .collect()
    };
    let page = BatchPage {
        t,
        title: format!("{} {}{}{name}", t.sc_batch_title, b.id, t.sc_colon),
        s,
        upload_href: format!("/console/collect/{}/upload", b.resource),
        may_collect,
        facts,
        counts,
        error: b
            .error
            .as_ref()
            .map(|e| lang.pick(&e.zh, &e.en).to_string()),
        rejects: shown,
        rejects_total: count(total),
        range,
        download_href: format!("/console/batches/{id}/rejects.csv"),
        prev: (page > 1).then(|| page_at(page - 1)),
        next: (page < pages).then(|| page_at(page + 1)),
        f,
    };
    Ok(frame_views::html(&page).into_response())
}

/// The polled progress of a batch. Once the batch is done htmx is told to reload the page,
/// which then shows the report.
pub async fn batch_status(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let b = st
        .store
        .get_batch(person.principal.clone(), id)
        .await
        .map_err(|e| person.error(e))?;
    let t = person.lang.strings();
    let fragment = StatusFragment {
        t,
        s: status_view(t, &b),
    };
    let mut resp = frame_views::html(&fragment).into_response();
    if b.status != "running" {
        forget(id);
        resp.headers_mut()
            .insert("hx-refresh", HeaderValue::from_static("true"));
    }
    Ok(resp)
}

/// The rejected rows as CSV, through the platform's one formula-escaping writer; the same
/// rule as the API's rejects.
pub async fn rejects_csv(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let rows = st
        .store
        .batch_rejects(person.principal.clone(), id)
        .await
        .map_err(|e| person.error(e))?;
    let mut resp = crate::downloads::rejects_csv(rows).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) =
        HeaderValue::from_str(&format!("attachment; filename=\"batch-{id}-rejects.csv\""))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

// ---- the connector ----

/// A database address split into what may be shown and its password:
/// `postgres://etl:secret@db/ods` → (`postgres://etl@db/ods`, `secret`).
fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let (auth, host) = match rest.rfind('@') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => return (url.to_string(), None),
    };
    match auth.split_once(':') {
        Some((user, pass)) => (
            format!("{scheme}://{user}@{host}"),
            Some(pass.to_string()).filter(|p| !p.is_empty()),
        ),
        None => (url.to_string(), None),
    }
}

/// The address with `password` put back, when there is a user to put it beside.
fn with_password(url: &str, password: Option<&str>) -> String {
    let Some(password) = password.filter(|p| !p.is_empty()) else {
        return url.to_string();
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (user, host) = match rest.rfind('@') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => return url.to_string(),
    };
    let user = user.split_once(':').map(|(u, _)| u).unwrap_or(user);
    format!("{scheme}://{user}:{password}@{host}")
}

/// Removes a secret from a message, in case a database quoted it.
fn scrub(text: &str, secret: Option<&str>) -> String {
    match secret.filter(|s| !s.is_empty()) {
        Some(s) => text.replace(s, "***"),
        None => text.to_string(),
    }
}

fn connector_input(v: &ConnectorView, password_set: bool) -> ConnectorInput {
    ConnectorInput {
        // The view's URL is already redacted; the form shows it without even the stars.
        url: split_password(&v.url).0,
        password_set,
        table: v.table.clone().unwrap_or_default(),
        query: v.query.clone().unwrap_or_default(),
        updated_column: v.updated_column.clone().unwrap_or_default(),
        source_system: v.source_system.clone().unwrap_or_default(),
        interval_minutes: v
            .interval_minutes
            .map(|m| m.to_string())
            .unwrap_or_default(),
        enabled: v.enabled,
    }
}

/// The stored connector (without its password) and whether a password is set.
async fn stored_connector(
    st: &AppState,
    person: &Person,
    code: &str,
) -> Result<Option<(ConnectorView, Option<String>)>, PageError> {
    match st
        .store
        .connector_for_run(person.principal.clone(), code)
        .await
    {
        Ok(due) => {
            let view = st
                .store
                .get_connector(person.principal.clone(), code)
                .await
                .map_err(|e| person.error(e))?;
            Ok(Some((view, split_password(&due.config.url).1)))
        }
        Err(e) if is_not_configured(&e) => Ok(None),
        Err(e) => Err(person.error(e)),
    }
}

fn is_not_configured(e: &StoreError) -> bool {
    matches!(
        e.domain(),
        Some(DomainError::NotFound {
            code: "connector_not_found",
            ..
        })
    )
}

struct ConnectorState {
    input: ConnectorInput,
    errors: FormErrors,
    notice: Option<String>,
    failure: Option<String>,
}

async fn connector_page(
    st: &AppState,
    person: &Person,
    code: &str,
    state: Option<ConnectorState>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let stored = stored_connector(st, person, code).await?;
    let name = resource_name(st, person, code).await;
    let base = format!("/console/collect/{code}/connector");
    let f = person.frame(&base, "collect");
    let (lang, t) = (f.lang, f.t);
    let mut facts = Vec::new();
    let mut last_batch_href = None;
    if let Some((v, _)) = &stored {
        if let Some(at) = v.next_run_at {
            facts.push((t.sc_connector_next_run, moment(lang, at)));
        }
        if let Some(w) = &v.watermark {
            facts.push((t.sc_connector_watermark, w.clone()));
        }
        if let Some(e) = &v.last_error {
            facts.push((t.sc_connector_last_error, e.clone()));
        }
        last_batch_href = v.last_batch.map(|b| format!("/console/batches/{b}"));
    }
    let state = state.unwrap_or_else(|| ConnectorState {
        input: match &stored {
            Some((v, pass)) => connector_input(v, pass.is_some()),
            None => ConnectorInput {
                enabled: true,
                ..ConnectorInput::default()
            },
        },
        errors: FormErrors::default(),
        notice: None,
        failure: None,
    });
    let page = ConnectorPage {
        csrf: session::csrf_token(&person.secret),
        code: code.to_string(),
        name,
        base,
        configured: stored.is_some(),
        input: state.input,
        facts,
        last_batch_href,
        errors: state.errors,
        notice: state.notice,
        failure: state.failure,
        f,
    };
    Ok((status, frame_views::html(&page)).into_response())
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `/console/collect/{code}/connector`: the provider's stewards only.
pub async fn connector(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    st.store
        .check_collector(person.principal.clone(), &code)
        .await
        .map_err(|e| person.error(e))?;
    let state = match q.done.as_deref() {
        Some("deleted") => Some(ConnectorState {
            input: ConnectorInput {
                enabled: true,
                ..ConnectorInput::default()
            },
            errors: FormErrors::default(),
            notice: Some(person.lang.strings().sc_connector_deleted.to_string()),
            failure: None,
        }),
        _ => None,
    };
    connector_page(&st, &person, &code, state, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct ConnectorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    table: String,
    #[serde(default)]
    query: String,
    #[serde(default)]
    updated_column: String,
    #[serde(default)]
    source_system: String,
    #[serde(default)]
    interval_minutes: String,
    #[serde(default)]
    enabled: Option<String>,
}

fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The field a connector problem belongs to, as the form's element id.
fn connector_field(field: &str) -> &'static str {
    match field {
        "url" => "url",
        "table" => "table",
        "query" => "query",
        "interval_minutes" => "interval",
        "updated_column" => "updated-column",
        _ => "url",
    }
}

/// Checks the connector as the API does (shape, then the database answers), then saves it.
/// A password left empty keeps the stored one; none is ever shown back.
pub async fn save_connector(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ConnectorForm>,
) -> Result<Response, PageError> {
    person.check_form(&headers, &st, &form.csrf)?;
    st.store
        .check_collector(person.principal.clone(), &code)
        .await
        .map_err(|e| person.error(e))?;
    let (lang, t) = (person.lang, person.lang.strings());
    let stored = stored_connector(&st, &person, &code).await?;
    let stored_password = stored.as_ref().and_then(|(_, p)| p.clone());
    let (shown_url, typed_password) = split_password(form.url.trim());
    let password = some(&form.password).or(typed_password).or(stored_password);
    let mut errors = FormErrors::default();
    let interval = match some(&form.interval_minutes) {
        None => None,
        Some(m) => match m.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push("interval", t.sc_err_interval);
                None
            }
        },
    };
    let cfg = ConnectorConfig {
        url: with_password(&shown_url, password.as_deref()),
        table: some(&form.table),
        query: some(&form.query),
        updated_column: some(&form.updated_column),
        source_system: some(&form.source_system),
        interval_minutes: interval,
        enabled: form.enabled.is_some(),
    };
    if let Err(StoreError::Domain(DomainError::Invalid(errs))) = connectors::validate(&cfg) {
        for e in errs.iter() {
            errors.push(connector_field(&e.field), lang.pick(&e.zh, &e.en));
        }
    }
    let input = ConnectorInput {
        url: shown_url,
        password_set: password.is_some(),
        table: form.table.clone(),
        query: form.query.clone(),
        updated_column: form.updated_column.clone(),
        source_system: form.source_system.clone(),
        interval_minutes: form.interval_minutes.clone(),
        enabled: form.enabled.is_some(),
    };
    let unsaved = |input, errors, failure| ConnectorState {
        input,
        errors,
        notice: None,
        failure,
    };
    if !errors.is_empty() {
        let state = unsaved(input, errors, None);
        return connector_page(
            &st,
            &person,
            &code,
            Some(state),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let columns = match runner::check_connector(&cfg).await {
        Ok(c) => c,
        Err(e) => {
            let why = match &e {
                PullError::Source(s) => lang.pick(&s.zh, &s.en).to_string(),
                PullError::Store(StoreError::Domain(d)) => domain_text(lang, d),
                PullError::Store(other) => {
                    tracing::error!(error = %other, "console: connector check failed");
                    return Err(PageError::Internal(lang));
                }
            };
            let why = scrub(&why, password.as_deref());
            let mut errors = FormErrors::default();
            errors.push("url", format!("{}{why}", t.sc_connector_check_failed));
            let state = unsaved(input, errors, None);
            return connector_page(
                &st,
                &person,
                &code,
                Some(state),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let saved = st
        .store
        .set_connector(person.principal.clone(), &code, cfg)
        .await
        .map_err(|e| person.error(e))?;
    let state = ConnectorState {
        input: connector_input(&saved, password.is_some()),
        errors: FormErrors::default(),
        notice: Some(format!(
            "{}{}",
            t.sc_connector_saved,
            columns.join(t.sc_list_sep)
        )),
        failure: None,
    };
    connector_page(&st, &person, &code, Some(state), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
}

/// Asks before deleting: the password and the watermark go with the connector.
pub async fn delete_connector_form(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let Some(_) = stored_connector(&st, &person, &code).await? else {
        return Ok(Redirect::to(&format!("/console/collect/{code}/connector")).into_response());
    };
    let base = format!("/console/collect/{code}/connector");
    let page = ConnectorDeletePage {
        f: person.frame(&format!("{base}/delete"), "collect"),
        csrf: session::csrf_token(&person.secret),
        name: resource_name(&st, &person, &code).await,
        base,
    };
    Ok(frame_views::html(&page).into_response())
}

pub async fn delete_connector(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    person.check_form(&headers, &st, &form.csrf)?;
    match st
        .store
        .delete_connector(person.principal.clone(), &code)
        .await
    {
        Ok(()) => {}
        Err(e) if is_not_configured(&e) => {}
        Err(e) => return Err(person.error(e)),
    }
    Ok(Redirect::to(&format!("/console/collect/{code}/connector?done=deleted")).into_response())
}

/// Starts a pull now and goes to its batch page once the source answered; a source that
/// does not answer is said on the connector page.
pub async fn run_connector(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    person.check_form(&headers, &st, &form.csrf)?;
    let due = st
        .store
        .connector_for_run(person.principal.clone(), &code)
        .await
        .map_err(|e| person.error(e))?;
    let password = split_password(&due.config.url).1;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let store = st.store.clone();
    let task = tokio::spawn(async move { runner::run_watched(&store, due, Some(tx)).await });
    let outcome = match rx.await {
        Ok(id) => Ok(id),
        Err(_) => match task.await {
            Ok(Ok(report)) => Ok(report.id),
            Ok(Err(e)) => Err(e),
            Err(_) => return Err(PageError::Internal(person.lang)),
        },
    };
    let lang = person.lang;
    let why = match outcome {
        Ok(id) => return Ok(Redirect::to(&format!("/console/batches/{id}")).into_response()),
        Err(PullError::Source(s)) => lang.pick(&s.zh, &s.en).to_string(),
        Err(PullError::Store(StoreError::Domain(d))) => domain_text(lang, &d),
        Err(PullError::Store(e)) => return Err(person.error(e)),
    };
    let stored = stored_connector(&st, &person, &code).await?;
    let state = ConnectorState {
        input: match &stored {
            Some((v, pass)) => connector_input(v, pass.is_some()),
            None => ConnectorInput::default(),
        },
        errors: FormErrors::default(),
        notice: None,
        failure: Some(scrub(&why, password.as_deref())),
    };
    connector_page(
        &st,
        &person,
        &code,
        Some(state),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_split_off_and_put_back() {
        assert_eq!(
            split_password("postgres://etl:s3cret@db.gat:5432/ods"),
            (
                "postgres://etl@db.gat:5432/ods".into(),
                Some("s3cret".into())
            )
        );
        assert_eq!(
            split_password("postgres://etl:***@db/ods").0,
            "postgres://etl@db/ods"
        );
        assert_eq!(split_password("mysql://root@h/x").1, None);
        assert_eq!(
            with_password("postgres://etl@db/ods", Some("p@ss")),
            "postgres://etl:p@ss@db/ods"
        );
        assert_eq!(
            with_password("postgres://db/ods", Some("x")),
            "postgres://db/ods"
        );
        assert_eq!(scrub("bad s3cret here", Some("s3cret")), "bad *** here");
    }

    #[test]
    fn counts_and_moments_are_written_as_the_console_writes_them() {
        // 2026-12-09 01:02:03 UTC is 09:02:03 in China, a Wednesday.
        assert_eq!(moment(Lang::En, 1_796_778_123_000), "2026-12-09 09:02:03");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(2_003_004), "2,003,004");
        assert_eq!(thousands(-12_345), "-12,345");
    }
}
