//! The consumer department's pages: search the catalog with facets, open a resource, subscribe
//! to an unconditional one or apply for a conditional one (checking the answers and the due
//! date first), see the department's grants with their quotas and its applications, and state
//! needs. Every decision is core's, through the same `Store` methods as the API.
mod views;

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shuqiao_core::account::{InfoSystem, Principal};
use shuqiao_core::catalog::{
    Category, Grade, OpenType, ResourceMeta, ShareType, Status as CatalogStatus,
};
use shuqiao_core::share::{self, AccessRequest, NeedInput, DAY_MS};
use shuqiao_core::{region, DomainError, FieldError};
use shuqiao_service::catalog::{SearchQuery, VersionView};
use shuqiao_service::share::ShareFilter;
use shuqiao_service::StoreError;

use super::i18n::{Lang, Strings};
use super::pages::Person;
use super::text::{domain_text, name_of, org_names, thousands};
use super::views::{self as frame_views, Frame};
use super::PageError;
use crate::AppState;
use views::*;

/// Results a catalog page shows.
const PAGE_SIZE: u32 = 20;
/// Grants, applications and needs a list page shows.
const LIST_SIZE: u32 = 100;
/// The search box's limit, the same as the API's.
const MAX_QUERY_CHARS: usize = 100;
/// The filters a catalog search keeps in its address, in the order they are written.
const FILTERS: [&str; 5] = ["provider", "category", "share_type", "open_type", "region"];

// ---- who acts ----

/// The organisations the person may request data for, as core's `require_consumer_of` rules.
fn consumer_orgs(p: &Principal) -> Vec<String> {
    let Principal::Person { roles, .. } = p else {
        return Vec::new();
    };
    let mut orgs: Vec<String> = roles
        .iter()
        .map(|b| b.org.clone())
        .filter(|o| share::require_consumer_of(p, o).is_ok())
        .collect();
    orgs.sort();
    orgs.dedup();
    orgs
}

/// The consumer department a page acts for: the one asked for when the person belongs to it,
/// else their own organisation, else their first consumer organisation. Without any, core's
/// refusal becomes the 403 page that says why.
fn consumer_org(person: &Person, wanted: Option<&str>) -> Result<String, PageError> {
    let p = &person.principal;
    let own = match p {
        Principal::Person { org, .. } => org.clone(),
        _ => String::new(),
    };
    let forbidden = |org: &str| match share::require_consumer_of(p, org) {
        Err(e) => PageError::from_domain(person.lang, e),
        Ok(()) => PageError::Internal(person.lang),
    };
    if let Some(w) = wanted.filter(|w| !w.is_empty()) {
        return match share::require_consumer_of(p, w) {
            Ok(()) => Ok(w.to_string()),
            Err(_) => Err(forbidden(w)),
        };
    }
    let orgs = consumer_orgs(p);
    if orgs.contains(&own) {
        return Ok(own);
    }
    orgs.into_iter().next().ok_or_else(|| forbidden(&own))
}

// ---- words for the catalog's values ----

fn share_label(t: &Strings, wire: &str) -> String {
    match ShareType::parse(wire) {
        Some(ShareType::Unconditional) => t.cs_share_unconditional,
        Some(ShareType::Conditional) => t.cs_share_conditional,
        Some(ShareType::NotShared) => t.cs_share_not_shared,
        None => wire,
    }
    .to_string()
}

fn share_class(wire: &str) -> &'static str {
    match ShareType::parse(wire) {
        Some(ShareType::Unconditional) => "tag tag-open",
        Some(ShareType::NotShared) => "tag tag-closed",
        _ => "tag",
    }
}

fn open_label(t: &Strings, wire: &str) -> String {
    match OpenType::parse(wire) {
        Some(OpenType::Open) => t.cs_open_open,
        Some(OpenType::Conditional) => t.cs_open_conditional,
        Some(OpenType::Closed) => t.cs_open_closed,
        None => wire,
    }
    .to_string()
}

fn category_label(t: &Strings, wire: &str) -> String {
    match Category::parse(wire) {
        Some(Category::Base) => t.cs_category_base,
        Some(Category::Theme) => t.cs_category_theme,
        Some(Category::Department) => t.cs_category_department,
        None => wire,
    }
    .to_string()
}

fn grade_label(t: &Strings, g: Grade) -> &'static str {
    match g {
        Grade::General => t.cs_grade_general,
        Grade::Important => t.cs_grade_important,
        Grade::Core => t.cs_grade_core,
    }
}

fn region_label(lang: Lang, code: &str) -> String {
    match region::find(code) {
        Some(r) => lang.pick(r.name, r.name_en).to_string(),
        None => code.to_string(),
    }
}

fn application_status(t: &Strings, status: &str, overdue: bool) -> (String, &'static str) {
    match status {
        "pending" if overdue => (
            format!("{}（{}）", t.cs_app_pending, t.overdue_plain),
            "tag tag-overdue",
        ),
        "pending" => (t.cs_app_pending.into(), "tag tag-new"),
        "approved" => (t.cs_app_approved.into(), "tag tag-open"),
        "rejected" => (t.cs_app_rejected.into(), "tag tag-closed"),
        "withdrawn" => (t.cs_app_withdrawn.into(), "tag"),
        other => (other.into(), "tag"),
    }
}

fn grant_state(t: &Strings, state: &str) -> (String, &'static str) {
    match state {
        "active" => (t.cs_grant_active.into(), "tag tag-open"),
        "expired" => (t.cs_grant_expired.into(), "tag"),
        "revoked" => (t.cs_grant_revoked.into(), "tag tag-closed"),
        other => (other.into(), "tag"),
    }
}

fn need_status(t: &Strings, status: &str) -> (String, &'static str) {
    match status {
        "open" => (t.cs_need_open.into(), "tag tag-new"),
        "confirmed" => (t.cs_need_confirmed.into(), "tag"),
        "satisfied" => (t.cs_need_satisfied.into(), "tag tag-open"),
        "rejected" => (t.cs_need_rejected.into(), "tag tag-closed"),
        other => (other.into(), "tag"),
    }
}

fn total_text(t: &Strings, n: i64) -> String {
    format!("{}{}{}", t.total_before, thousands(n), t.total_after)
}
// ---- the catalog search ----

/// The search as its address holds it: the words, the filters in force, the page.
struct SearchState {
    q: String,
    filters: Vec<(&'static str, String)>,
    page: u32,
}

impl SearchState {
    fn href(&self, filters: &[(&'static str, String)], page: u32) -> String {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            ser.append_pair("q", &self.q);
        }
        for (k, v) in filters {
            ser.append_pair(k, v);
        }
        if page > 1 {
            ser.append_pair("page", &page.to_string());
        }
        let query = ser.finish();
        if query.is_empty() {
            "/console/catalog".into()
        } else {
            format!("/console/catalog?{query}")
        }
    }

    fn with(&self, key: &'static str, value: &str) -> String {
        let mut f: Vec<(&'static str, String)> = self
            .filters
            .iter()
            .filter(|(k, _)| *k != key)
            .cloned()
            .collect();
        f.push((key, value.to_string()));
        f.sort_by_key(|(k, _)| FILTERS.iter().position(|x| x == k));
        self.href(&f, 1)
    }

    fn without(&self, key: &str) -> String {
        let f: Vec<(&'static str, String)> = self
            .filters
            .iter()
            .filter(|(k, _)| *k != key)
            .cloned()
            .collect();
        self.href(&f, 1)
    }

    fn value(&self, key: &str) -> Option<&str> {
        self.filters
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads the search from the address. A filter value the search does not know is reported
/// and left out, never silently widening what the person asked for.
fn read_search(
    t: &Strings,
    params: &HashMap<String, String>,
    errors: &mut FormErrors,
) -> (SearchState, SearchQuery) {
    let text = |n: &str| {
        params
            .get(n)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let mut q = text("q").unwrap_or_default();
    if q.chars().count() > MAX_QUERY_CHARS {
        errors.push("q", t.cs_catalog_query_too_long);
        q = q.chars().take(MAX_QUERY_CHARS).collect();
    }
    let mut query = SearchQuery {
        q: Some(q.clone()).filter(|s| !s.is_empty()),
        limit: PAGE_SIZE,
        ..SearchQuery::default()
    };
    let mut filters = Vec::new();
    for key in FILTERS {
        let Some(v) = text(key) else { continue };
        let ok = match key {
            "provider" => {
                query.provider = Some(v.clone());
                true
            }
            "region" => {
                let known = region::find(&v).is_some();
                if known {
                    query.region = Some(v.clone());
                }
                known
            }
            "category" => {
                query.category = Category::parse(&v);
                query.category.is_some()
            }
            "share_type" => {
                query.share_type = ShareType::parse(&v);
                query.share_type.is_some()
            }
            _ => {
                query.open_type = OpenType::parse(&v);
                query.open_type.is_some()
            }
        };
        if ok {
            filters.push((key, v));
        } else {
            errors.push("q", format!("{}{key}={v}", t.cs_catalog_bad_filter));
        }
    }
    let page = params
        .get("page")
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|p| *p >= 1 && *p <= 1_000_000 / PAGE_SIZE)
        .unwrap_or(1);
    query.offset = (page - 1) * PAGE_SIZE;
    (SearchState { q, filters, page }, query)
}

/// `/console/catalog`: the same search as the API, with counts by filter beside the results.
pub async fn catalog(
    State(st): State<AppState>,
    person: Person,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let f = person.frame("/console/catalog", "catalog");
    let (lang, t) = (f.lang, f.t);
    let mut errors = FormErrors::default();
    let (state, query) = read_search(t, &params, &mut errors);
    let found = st
        .store
        .search(person.principal.clone(), query.clone())
        .await
        .map_err(|e| person.error(e))?;
    let facets = st
        .store
        .search_facets(person.principal.clone(), query)
        .await
        .map_err(|e| person.error(e))?;
    let orgs = org_names(&st, lang).await;

    let label = |key: &str, value: &str, name: &str| -> String {
        match key {
            "provider" => orgs
                .get(value)
                .cloned()
                .unwrap_or_else(|| if name.is_empty() { value } else { name }.to_string()),
            "category" => category_label(t, value),
            "share_type" => share_label(t, value),
            "open_type" => open_label(t, value),
            _ => region_label(lang, value),
        }
    };
    let group = |key: &'static str,
                 title: &'static str,
                 counts: &[shuqiao_service::consumer::FacetCount]| {
        let chosen = state.value(key);
        FacetGroup {
            id: key,
            title,
            links: counts
                .iter()
                .map(|c| {
                    let selected = chosen == Some(c.value.as_str());
                    FacetLink {
                        label: label(key, &c.value, &c.name),
                        count: thousands(c.count as i64),
                        href: if selected {
                            state.without(key)
                        } else {
                            state.with(key, &c.value)
                        },
                        selected,
                    }
                })
                .collect(),
            clear: chosen.map(|_| state.without(key)),
        }
    };
    let groups = vec![
        group("provider", t.cs_facet_provider, &facets.provider),
        group("category", t.cs_facet_category, &facets.category),
        group("share_type", t.cs_facet_share_type, &facets.share_type),
        group("open_type", t.cs_facet_open_type, &facets.open_type),
        group("region", t.cs_facet_region, &facets.region),
    ];
    let title_of = |key: &str| match key {
        "provider" => t.cs_facet_provider,
        "category" => t.cs_facet_category,
        "share_type" => t.cs_facet_share_type,
        "open_type" => t.cs_facet_open_type,
        _ => t.cs_facet_region,
    };
    let active = state
        .filters
        .iter()
        .map(|(k, v)| ActiveFilter {
            label: format!("{}：{}", title_of(k), label(k, v, "")),
            remove: state.without(k),
        })
        .collect();
    let rows = found
        .items
        .iter()
        .map(|s| ResultRow {
            href: format!("/console/catalog/{}", path_segment(&s.code)),
            name: lang.pick(&s.name, &s.name_en).to_string(),
            code: s.code.clone(),
            provider: orgs
                .get(&s.provider)
                .cloned()
                .unwrap_or_else(|| s.provider_name.clone()),
            share_type: share_label(t, &s.share_type),
            share_class: share_class(&s.share_type),
            open_type: open_label(t, &s.open_type),
            grade: Grade::parse(&s.grade)
                .map(|g| grade_label(t, g).to_string())
                .unwrap_or_else(|| s.grade.clone()),
            updated: frame_views::date(lang, s.updated_at),
        })
        .collect();
    let pages = ((found.total.max(0) as u32).div_ceil(PAGE_SIZE)).max(1);
    let page_of = format!(
        "{}{}{}{}{}",
        t.cs_page_of_before, state.page, t.cs_page_of_middle, pages, t.cs_page_of_after
    );
    let hidden = state
        .filters
        .iter()
        .map(|(k, v)| Hidden {
            name: k,
            value: v.clone(),
        })
        .collect();
    let page = CatalogPage {
        q: state.q.clone(),
        hidden,
        errors,
        facets: groups,
        active,
        rows,
        total: total_text(t, found.total),
        page_of,
        prev: (state.page > 1).then(|| state.href(&state.filters, state.page - 1)),
        next: (state.page < pages).then(|| state.href(&state.filters, state.page + 1)),
        clear_all: (!state.filters.is_empty()).then(|| state.href(&[], 1)),
        f,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, frame_views::html(&page)).into_response())
}

/// A resource code as one path segment (codes are letters, digits and dashes, but a link
/// must never break out of its path whatever a code holds).
fn path_segment(code: &str) -> String {
    url::form_urlencoded::byte_serialize(code.as_bytes()).collect()
}

// ---- one resource ----

/// The published version of a resource as the person may see it.
async fn published(st: &AppState, person: &Person, code: &str) -> Result<VersionView, PageError> {
    let d = st
        .store
        .get_resource(person.principal.clone(), code)
        .await
        .map_err(|e| person.error(e))?;
    match (d.status, d.current) {
        (CatalogStatus::Published, Some(v)) => Ok(v),
        _ => Err(PageError::NotFound(person.lang)),
    }
}

/// The consumer systems of every department the person may request for.
async fn my_systems(st: &AppState, p: &Principal) -> Vec<InfoSystem> {
    let mut all = Vec::new();
    for org in consumer_orgs(p) {
        all.extend(st.store.list_systems(Some(org)).await.unwrap_or_default());
    }
    all
}

fn system_options(lang: Lang, systems: &[InfoSystem], chosen: &str) -> Vec<SystemOption> {
    systems
        .iter()
        .map(|s| SystemOption {
            code: s.code.clone(),
            name: lang.pick(&s.name, &s.name_en).to_string(),
            selected: s.code == chosen || systems.len() == 1 && chosen.is_empty(),
        })
        .collect()
}

fn item_rows(t: &Strings, meta: &ResourceMeta, checked: &[String]) -> Vec<ItemRow> {
    meta.items
        .iter()
        .enumerate()
        .map(|(i, item)| ItemRow {
            code: item.code.clone(),
            name: item.name.clone(),
            item_type: item.item_type.as_str().to_string(),
            grade: grade_label(t, item.grade).to_string(),
            core: item.grade == Grade::Core,
            checked: checked.contains(&item.code),
            input_id: if i == 0 {
                "fields".into()
            } else {
                format!("fields-{i}")
            },
        })
        .collect()
}

/// What the resource page offers the person: core decides whether it may be requested at
/// all, how (subscribe or apply), and whether this person may ask.
async fn offer_for(st: &AppState, person: &Person, code: &str, meta: &ResourceMeta) -> Offer {
    let lang = person.lang;
    match st.store.request_refusal(code).await {
        Ok(Some(e)) | Err(StoreError::Domain(e)) => return Offer::Refused(domain_text(lang, &e)),
        Ok(None) => {}
        Err(_) => return Offer::Refused(lang.strings().error_text.into()),
    }
    if let Err(e) = consumer_org(person, None) {
        let why = match e {
            PageError::Forbidden(_, msg) => lang.pick(&msg.zh, &msg.en).to_string(),
            _ => lang.strings().forbidden_fix.to_string(),
        };
        return Offer::NotConsumer(why);
    }
    match meta.share_type {
        ShareType::Unconditional => Offer::Subscribe,
        ShareType::Conditional => Offer::Apply,
        ShareType::NotShared => Offer::Refused(
            share::not_shareable(meta, false)
                .map(|e| domain_text(lang, &e))
                .unwrap_or_default(),
        ),
    }
}

fn facts(
    f: &Frame,
    code: &str,
    v: &VersionView,
    orgs: &HashMap<String, String>,
) -> Vec<(&'static str, String)> {
    let (lang, t) = (f.lang, f.t);
    let m = &v.meta;
    let mut rows = vec![
        (t.cs_fact_code, code.to_string()),
        (t.cs_fact_provider, name_of(orgs, &m.provider)),
        (
            t.cs_fact_category,
            category_label(t, m.classification.category.as_str()),
        ),
        (t.cs_fact_summary, m.summary.clone()),
        (t.cs_fact_share_type, share_label(t, m.share_type.as_str())),
    ];
    if let Some(c) = m.share_condition.as_ref().filter(|c| !c.trim().is_empty()) {
        rows.push((t.cs_fact_share_condition, c.clone()));
    }
    rows.push((t.cs_fact_open_type, open_label(t, m.open_type.as_str())));
    rows.push((
        t.cs_fact_update_cycle,
        lang.pick(m.update_cycle.label_zh(), m.update_cycle.as_str())
            .to_string(),
    ));
    if let Some(b) = m.legal_basis.as_ref().filter(|b| !b.trim().is_empty()) {
        rows.push((t.cs_fact_legal_basis, b.clone()));
    }
    rows.push((
        t.cs_fact_version,
        format!(
            "{}（{}）",
            v.version,
            frame_views::date(lang, v.published_at)
        ),
    ));
    rows
}

async fn resource_page(
    st: &AppState,
    person: &Person,
    code: &str,
    v: &VersionView,
    input: RequestInput,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let f = person.frame(
        &format!("/console/catalog/{}", path_segment(code)),
        "catalog",
    );
    let lang = f.lang;
    let orgs = org_names(st, lang).await;
    let systems = my_systems(st, &person.principal).await;
    let offer = offer_for(st, person, code, &v.meta).await;
    let page = ResourcePage {
        csrf: super::session::csrf_token(&person.secret),
        code: code.to_string(),
        name: lang.pick(&v.meta.name, &v.meta.name_en).to_string(),
        facts: facts(&f, code, v, &orgs),
        items: item_rows(f.t, &v.meta, &input.fields),
        offer,
        systems: system_options(lang, &systems, &input.system),
        input,
        errors,
        f,
    };
    (status, frame_views::html(&page)).into_response()
}

/// `/console/catalog/{code}`: the resource's metadata and 信息项, and what may be asked.
pub async fn resource(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let v = published(&st, &person, &code).await?;
    // A subscription usually wants every field; the person unticks what is not needed.
    let input = RequestInput {
        fields: v.meta.items.iter().map(|i| i.code.clone()).collect(),
        days: "365".into(),
        ..RequestInput::default()
    };
    Ok(resource_page(
        &st,
        &person,
        &code,
        &v,
        input,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await)
}

// ---- the request forms ----

/// A posted form's pairs; checkboxes repeat their name, so a map would lose them.
fn pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn one(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn request_input(pairs: &[(String, String)]) -> RequestInput {
    RequestInput {
        system: one(pairs, "system").trim().to_string(),
        fields: pairs
            .iter()
            .filter(|(k, _)| k == "fields")
            .map(|(_, v)| v.clone())
            .collect(),
        purpose: one(pairs, "purpose"),
        scene: one(pairs, "scene"),
        legal_basis: one(pairs, "legal_basis"),
        days: one(pairs, "days").trim().to_string(),
    }
}

/// Where a core field error is shown: the id of its input.
fn field_id(field: &str) -> &'static str {
    match field {
        "system" => "system",
        "fields" => "fields",
        "purpose" => "purpose",
        "scene" => "scene",
        "legal_basis" => "legal_basis",
        "days" => "days",
        "title" => "need-title",
        "description" => "need-description",
        "resource" => "need-resource",
        _ => "form",
    }
}

fn push_field_errors(lang: Lang, errors: &mut FormErrors, errs: &[FieldError]) {
    for e in errs {
        errors.push(field_id(&e.field), lang.pick(&e.zh, &e.en));
    }
}

/// Checks a request as core will, reporting every problem at once: the system must be one
/// of the person's departments', the days a number, and core's own checks of the fields,
/// purpose, scene, legal basis and duration.
fn check_request(
    lang: Lang,
    code: &str,
    meta: &ResourceMeta,
    input: &RequestInput,
    systems: &[InfoSystem],
    conditional: bool,
) -> (AccessRequest, FormErrors) {
    let t = lang.strings();
    let mut errors = FormErrors::default();
    if !systems.iter().any(|s| s.code == input.system) {
        errors.push("system", t.cs_error_system);
    }
    let days = input.days.parse::<u32>().ok();
    if days.is_none() {
        errors.push("days", t.cs_error_days);
    }
    let req = AccessRequest {
        system: input.system.clone(),
        resource: code.to_string(),
        fields: input.fields.clone(),
        purpose: input.purpose.clone(),
        scene: input.scene.clone(),
        legal_basis: input.legal_basis.clone(),
        days: days.unwrap_or(1),
    };
    if let Err(DomainError::Invalid(errs)) = share::validate_request(&req, meta, conditional) {
        push_field_errors(lang, &mut errors, &errs);
    }
    // The form's own order, so the summary reads top to bottom.
    let order = [
        "form",
        "system",
        "fields",
        "purpose",
        "scene",
        "legal_basis",
        "days",
    ];
    errors
        .items
        .sort_by_key(|e| order.iter().position(|o| *o == e.id).unwrap_or(order.len()));
    (req, errors)
}

/// `POST /console/catalog/{code}/subscribe`: one confirmed form; the grant is made at once.
pub async fn subscribe(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let form = pairs(&body);
    person.check_form(&headers, &st, &one(&form, "csrf"))?;
    consumer_org(&person, None)?;
    let lang = person.lang;
    let v = published(&st, &person, &code).await?;
    let input = request_input(&form);
    // A conditional or unshared resource is refused by core's rule before anything else.
    if let Err(e) = st
        .store
        .request_refusal(&code)
        .await
        .map_err(|e| person.error(e))?
        .map_or_else(|| share::require_request_route(&v.meta, false, false), Err)
    {
        let mut errors = FormErrors::default();
        errors.push("form", domain_text(lang, &e));
        let page = resource_page(&st, &person, &code, &v, input, errors, StatusCode::CONFLICT);
        return Ok(page.await);
    }
    let systems = my_systems(&st, &person.principal).await;
    let (req, mut errors) = check_request(lang, &code, &v.meta, &input, &systems, false);
    if errors.is_empty() {
        match st.store.subscribe(person.principal.clone(), req).await {
            Ok(g) => {
                let to = format!("/console/grants?done=subscribed&grant={}", g.id);
                return Ok(Redirect::to(&to).into_response());
            }
            Err(StoreError::Domain(DomainError::Invalid(errs))) => {
                push_field_errors(lang, &mut errors, &errs)
            }
            Err(StoreError::Domain(e @ DomainError::Conflict { .. })) => {
                errors.push("form", domain_text(lang, &e))
            }
            Err(e) => return Err(person.error(e)),
        }
    }
    let status = if errors.items.iter().any(|e| e.id == "form") {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(resource_page(&st, &person, &code, &v, input, errors, status).await)
}

/// The resource of an application form: published, and applied for rather than subscribed
/// to; anything else goes back to the resource's page, which says why.
async fn conditional(
    st: &AppState,
    person: &Person,
    code: &str,
) -> Result<Result<VersionView, Response>, PageError> {
    let v = published(st, person, code).await?;
    let refused = st
        .store
        .request_refusal(code)
        .await
        .map_err(|e| person.error(e))?
        .is_some();
    if refused || v.meta.share_type != ShareType::Conditional {
        let back = format!("/console/catalog/{}", path_segment(code));
        return Ok(Err(Redirect::to(&back).into_response()));
    }
    Ok(Ok(v))
}

async fn apply_page(
    st: &AppState,
    person: &Person,
    code: &str,
    v: &VersionView,
    input: RequestInput,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let f = person.frame(
        &format!("/console/catalog/{}/apply", path_segment(code)),
        "catalog",
    );
    let lang = f.lang;
    let orgs = org_names(st, lang).await;
    let systems = my_systems(st, &person.principal).await;
    let page = ApplyPage {
        csrf: super::session::csrf_token(&person.secret),
        code: code.to_string(),
        name: lang.pick(&v.meta.name, &v.meta.name_en).to_string(),
        provider: name_of(&orgs, &v.meta.provider),
        condition: v.meta.share_condition.clone().unwrap_or_default(),
        items: item_rows(f.t, &v.meta, &input.fields),
        systems: system_options(lang, &systems, &input.system),
        input,
        errors,
        f,
    };
    (status, frame_views::html(&page)).into_response()
}

/// `/console/catalog/{code}/apply`: the application form (consumer departments only).
pub async fn apply_form(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    consumer_org(&person, None)?;
    let v = match conditional(&st, &person, &code).await? {
        Ok(v) => v,
        Err(back) => return Ok(back),
    };
    let input = RequestInput::default();
    Ok(apply_page(
        &st,
        &person,
        &code,
        &v,
        input,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await)
}

/// `POST /console/catalog/{code}/apply`: `step=check` validates and shows the answers with
/// the due date; `step=edit` goes back to the form with them; `step=send` files it.
pub async fn apply(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let form = pairs(&body);
    person.check_form(&headers, &st, &one(&form, "csrf"))?;
    consumer_org(&person, None)?;
    let lang = person.lang;
    let v = match conditional(&st, &person, &code).await? {
        Ok(v) => v,
        Err(back) => return Ok(back),
    };
    let input = request_input(&form);
    let step = one(&form, "step");
    if step == "edit" {
        let errors = FormErrors::default();
        return Ok(apply_page(&st, &person, &code, &v, input, errors, StatusCode::OK).await);
    }
    let systems = my_systems(&st, &person.principal).await;
    let (req, mut errors) = check_request(lang, &code, &v.meta, &input, &systems, true);
    if errors.is_empty() && step == "send" {
        match st.store.apply(person.principal.clone(), req).await {
            Ok(a) => {
                let to = format!("/console/my-applications/{}?done=filed", a.id);
                return Ok(Redirect::to(&to).into_response());
            }
            Err(StoreError::Domain(DomainError::Invalid(errs))) => {
                push_field_errors(lang, &mut errors, &errs)
            }
            Err(StoreError::Domain(e @ DomainError::Conflict { .. })) => {
                errors.push("form", domain_text(lang, &e))
            }
            Err(e) => return Err(person.error(e)),
        }
    }
    if !errors.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(apply_page(&st, &person, &code, &v, input, errors, status).await);
    }
    check_page(&st, &person, &code, &v, input, &systems).await
}

/// The answers as they will be sent, and when the provider must answer: the deadline core
/// computes for an application filed now, from the platform's working-day calendar.
async fn check_page(
    st: &AppState,
    person: &Person,
    code: &str,
    v: &VersionView,
    input: RequestInput,
    systems: &[InfoSystem],
) -> Result<Response, PageError> {
    let f = person.frame(
        &format!("/console/catalog/{}/apply", path_segment(code)),
        "catalog",
    );
    let (lang, t) = (f.lang, f.t);
    let due = st
        .store
        .due_if_filed_now()
        .await
        .map_err(|e| person.error(e))?;
    let working_days = st
        .store
        .answer_working_days()
        .await
        .map_err(|e| person.error(e))?;
    let orgs = org_names(st, lang).await;
    let system = systems
        .iter()
        .find(|s| s.code == input.system)
        .map(|s| format!("{}（{}）", lang.pick(&s.name, &s.name_en), s.code))
        .unwrap_or_else(|| input.system.clone());
    let answers = vec![
        (t.cs_fact_provider, name_of(&orgs, &v.meta.provider)),
        (t.cs_label_system, system),
        (t.cs_label_purpose, input.purpose.trim().to_string()),
        (t.cs_label_scene, input.scene.trim().to_string()),
        (t.cs_label_legal_basis, input.legal_basis.trim().to_string()),
        (t.cs_label_days, input.days.clone()),
    ];
    let (due, due_known) = match due {
        Ok(at) => (
            format!(
                "{}{}{}{}",
                t.cs_check_due_before,
                frame_views::date(lang, at),
                t.cs_check_due_after,
                working_days_note(lang, working_days)
            ),
            true,
        ),
        Err(_) => (t.cs_check_due_unknown.to_string(), false),
    };
    let items = item_rows(t, &v.meta, &input.fields)
        .into_iter()
        .filter(|i| i.checked)
        .collect();
    let page = CheckPage {
        csrf: super::session::csrf_token(&person.secret),
        code: code.to_string(),
        name: lang.pick(&v.meta.name, &v.meta.name_en).to_string(),
        answers,
        items,
        due,
        due_known,
        input,
        f,
    };
    Ok(frame_views::html(&page).into_response())
}

fn working_days_note(lang: Lang, n: u32) -> String {
    let t = lang.strings();
    format!("{}{n}{}", t.cs_working_days_before, t.cs_working_days_after)
}

// ---- the department's applications and grants ----

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    grant: Option<i64>,
    #[serde(default)]
    org: Option<String>,
}

/// Resource names for codes, as the person may see them (a code stands for itself when not).
async fn resource_names(
    st: &AppState,
    person: &Person,
    codes: impl Iterator<Item = String>,
) -> BTreeMap<String, ResourceMeta> {
    let mut metas = BTreeMap::new();
    for code in codes {
        if metas.contains_key(&code) {
            continue;
        }
        if let Ok(d) = st.store.get_resource(person.principal.clone(), &code).await {
            if let Some(v) = d.current {
                metas.insert(code, v.meta);
            }
        }
    }
    metas
}

fn resource_name(lang: Lang, metas: &BTreeMap<String, ResourceMeta>, code: &str) -> String {
    metas
        .get(code)
        .map(|m| lang.pick(&m.name, &m.name_en).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// Field codes with their names from the catalog.
fn field_names(metas: &BTreeMap<String, ResourceMeta>, code: &str, fields: &[String]) -> String {
    let meta = metas.get(code);
    fields
        .iter()
        .map(|f| {
            meta.and_then(|m| m.items.iter().find(|i| &i.code == f))
                .map(|i| format!("{}（{f}）", i.name))
                .unwrap_or_else(|| f.clone())
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// `/console/my-applications/{id}`: an application as its department sees it, with the
/// banner after filing.
pub async fn my_application(
    State(st): State<AppState>,
    person: Person,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let a = st
        .store
        .get_application(person.principal.clone(), id)
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame(&format!("/console/my-applications/{id}"), "grants");
    let (lang, t) = (f.lang, f.t);
    let orgs = org_names(&st, lang).await;
    let metas = resource_names(&st, &person, std::iter::once(a.resource.clone())).await;
    let due = match (a.due_at, a.due_unknown_year) {
        (Some(at), _) => frame_views::date(lang, at),
        _ => t.deadline_unknown.to_string(),
    };
    let (status, status_class) = application_status(t, &a.status, a.overdue);
    let mut rows = vec![
        (t.col_resource, resource_name(lang, &metas, &a.resource)),
        (t.cs_fact_provider, name_of(&orgs, &a.provider)),
        (t.cs_label_system, a.system.clone()),
        (
            t.cs_check_fields,
            field_names(&metas, &a.resource, &a.fields),
        ),
        (t.cs_label_purpose, a.purpose.clone()),
        (t.cs_label_scene, a.scene.clone()),
        (t.cs_label_legal_basis, a.legal_basis.clone()),
        (t.cs_label_days, a.days.to_string()),
        (t.col_filed, frame_views::date(lang, a.filed_at)),
        (t.field_due, due.clone()),
    ];
    if let Some(o) = a.opinion.as_ref().filter(|o| !o.is_empty()) {
        rows.push((t.field_reason, o.clone()));
    }
    let notice = (q.done.as_deref() == Some("filed")).then(|| {
        format!(
            "{}{id}{} {}{}",
            t.cs_filed_notice_before, t.cs_filed_notice_after, t.field_due, due
        )
    });
    let page = ApplicationPage {
        title: format!("{} {id}", t.cs_application_title),
        notice,
        status,
        status_class,
        rows,
        resource_href: format!("/console/catalog/{}", path_segment(&a.resource)),
        f,
    };
    Ok(frame_views::html(&page).into_response())
}

/// `/console/grants`: the department's grants with fields, expiry and today's calls against
/// the quota, then its applications with their status.
pub async fn grants(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let org = consumer_org(&person, q.org.as_deref())?;
    let grants = st
        .store
        .consumer_grants(person.principal.clone(), org.clone(), LIST_SIZE, 0)
        .await
        .map_err(|e| person.error(e))?;
    let apps = st
        .store
        .consumer_applications(person.principal.clone(), org.clone(), LIST_SIZE, 0)
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame("/console/grants", "grants");
    let (lang, t) = (f.lang, f.t);
    let now = st.store.now();
    let orgs = org_names(&st, lang).await;
    let codes = grants
        .items
        .iter()
        .map(|g| g.grant.resource.clone())
        .chain(apps.items.iter().map(|a| a.resource.clone()));
    let metas = resource_names(&st, &person, codes.collect::<Vec<_>>().into_iter()).await;
    let mut notice = None;
    let rows = grants
        .items
        .iter()
        .map(|u| {
            let g = &u.grant;
            let fields = field_names(&metas, &g.resource, &g.fields);
            let expires = frame_views::date(lang, g.expires_at);
            if q.done.as_deref() == Some("subscribed") && q.grant == Some(g.id) {
                notice = Some(format!(
                    "{}{}{}{} → {}{}{}",
                    t.cs_subscribed_before,
                    g.id,
                    t.cs_subscribed_middle,
                    g.system,
                    fields,
                    t.cs_subscribed_until,
                    expires
                ));
            }
            let (state, state_class) = grant_state(t, g.state);
            let left = if g.state == "active" {
                let days = (g.expires_at - now + DAY_MS - 1) / DAY_MS;
                format!(
                    "{}{}{}",
                    t.cs_days_left_before,
                    thousands(days),
                    t.cs_days_left_after
                )
            } else {
                String::new()
            };
            let usage = match g.quota_per_day {
                Some(quota) if quota > 0 => format!(
                    "{} / {}（{:.1}%）",
                    thousands(u.used_today),
                    thousands(quota),
                    u.used_today as f64 * 100.0 / quota as f64
                ),
                _ => format!("{} / {}", thousands(u.used_today), t.cs_no_quota),
            };
            GrantRow {
                resource: resource_name(lang, &metas, &g.resource),
                resource_href: format!("/console/catalog/{}", path_segment(&g.resource)),
                system: g.system.clone(),
                fields,
                state,
                state_class,
                expires,
                left,
                usage,
                over_quota: g.quota_per_day.is_some_and(|q| u.used_today >= q),
            }
        })
        .collect();
    let applications = apps
        .items
        .iter()
        .map(|a| {
            let (status, status_class) = application_status(t, &a.status, a.overdue);
            ApplicationRow {
                href: format!("/console/my-applications/{}", a.id),
                resource: resource_name(lang, &metas, &a.resource),
                fields: field_names(&metas, &a.resource, &a.fields),
                filed: frame_views::date(lang, a.filed_at),
                status,
                status_class,
                due: match (a.status.as_str(), a.due_at) {
                    ("pending", Some(at)) => frame_views::date(lang, at),
                    ("pending", None) => t.deadline_unknown.to_string(),
                    _ => String::new(),
                },
            }
        })
        .collect();
    let page = GrantsPage {
        notice,
        org: name_of(&orgs, &org),
        grants: rows,
        grants_total: total_text(t, grants.total as i64),
        applications,
        applications_total: total_text(t, apps.total as i64),
        f,
    };
    Ok(frame_views::html(&page).into_response())
}

// ---- needs ----

async fn needs_page(
    st: &AppState,
    person: &Person,
    org: &str,
    notice: Option<String>,
    input: NeedInputView,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    let filter = ShareFilter {
        org: Some(org.to_string()),
        limit: LIST_SIZE,
        ..ShareFilter::default()
    };
    let listed = st
        .store
        .list_needs(person.principal.clone(), filter)
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame("/console/needs", "needs");
    let (lang, t) = (f.lang, f.t);
    let orgs = org_names(st, lang).await;
    let rows = listed
        .items
        .iter()
        .map(|n| {
            let (status, status_class) = need_status(t, &n.status);
            NeedRow {
                href: format!("/console/needs/{}", n.id),
                title: n.title.clone(),
                resource: n.resource.clone().unwrap_or_default(),
                status,
                status_class,
                filed: frame_views::date(lang, n.created_at),
            }
        })
        .collect();
    let page = NeedsPage {
        csrf: super::session::csrf_token(&person.secret),
        notice,
        org: name_of(&orgs, org),
        rows,
        total: total_text(t, listed.total as i64),
        input,
        errors,
        f,
    };
    Ok((status, frame_views::html(&page)).into_response())
}

/// `/console/needs`: the department's needs with their status, and the form to state one.
pub async fn needs(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let org = consumer_org(&person, q.org.as_deref())?;
    let notice = (q.done.as_deref() == Some("stated"))
        .then(|| person.lang.strings().cs_need_stated.to_string());
    let input = NeedInputView::default();
    needs_page(
        &st,
        &person,
        &org,
        notice,
        input,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct NeedForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    resource: String,
}

/// `POST /console/needs`: states a need for the person's department (需求清单).
pub async fn state_need(
    State(st): State<AppState>,
    person: Person,
    headers: HeaderMap,
    axum::Form(form): axum::Form<NeedForm>,
) -> Result<Response, PageError> {
    person.check_form(&headers, &st, &form.csrf)?;
    let org = consumer_org(&person, None)?;
    let resource = Some(form.resource.trim().to_string()).filter(|r| !r.is_empty());
    let input = NeedInput {
        org: Some(org.clone()),
        title: form.title.clone(),
        description: form.description.clone(),
        resource,
    };
    let mut errors = FormErrors::default();
    match st.store.state_need(person.principal.clone(), input).await {
        Ok(_) => return Ok(Redirect::to("/console/needs?done=stated").into_response()),
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            push_field_errors(person.lang, &mut errors, &errs)
        }
        Err(e) => return Err(person.error(e)),
    }
    let kept = NeedInputView {
        title: form.title,
        description: form.description,
        resource: form.resource,
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    needs_page(&st, &person, &org, None, kept, errors, status).await
}
