//! The portal's pages: home, search, a dataset with its preview, its history, and the
//! language switch.
use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use shuqiao_core::catalog::{Category, Format, OpenType, UpdateCycle};
use shuqiao_core::open;
use shuqiao_service::open::rows::RowQuery;
use shuqiao_service::open::{OpenDataset, OpenOrg, OpenQuery, OpenSort};

use super::i18n::{words, Strings};
use super::members::Visitor;
use super::views::*;
use super::{origin, PortalError};
use crate::console::i18n::Lang;
use crate::console::session::{self, lang_of, LANG_COOKIE};
use crate::console::text::thousands;
use crate::AppState;

/// Datasets on a search page; rows on a preview page.
const PER_PAGE: usize = 20;
/// The longest search accepted, as in the console.
const MAX_Q: usize = 100;

/// A time in China time: the console's date, and the minute, in the page's language.
pub(crate) fn when(lang: Lang, ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(time::macros::offset!(+8));
    format!(
        "{} {:02}:{:02}",
        crate::console::views::date(lang, ms),
        t.hour(),
        t.minute()
    )
}

/// A time as RFC 3339 in UTC, for `<time datetime>` and feeds.
pub(crate) fn iso(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn pairs(raw: &Option<String>) -> Vec<(String, String)> {
    raw.as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn encode(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn provider_names(lang: Lang, orgs: &[OpenOrg]) -> BTreeMap<String, String> {
    orgs.iter()
        .map(|o| (o.code.clone(), lang.pick(&o.name, &o.name_en).to_string()))
        .collect()
}

fn open_class(d: &OpenDataset) -> &'static str {
    if d.rows_are_public() {
        "tag-open"
    } else {
        "tag-apply"
    }
}

fn card(lang: Lang, t: &'static Strings, d: &OpenDataset) -> Card {
    Card {
        href: format!("/datasets/{}", d.slug),
        name: lang.pick(&d.name, &d.name_en).to_string(),
        summary: d.summary.clone(),
        provider: lang.pick(&d.provider_name, &d.provider_name_en).to_string(),
        open_label: t.open_type(d.open_type),
        open_class: open_class(d),
        format: t.format(d.format),
        modified: crate::console::views::date(lang, d.modified_at),
    }
}

pub async fn home(State(st): State<AppState>, visitor: Visitor) -> Result<Response, PortalError> {
    let lang = visitor.lang;
    let t = words(lang);
    let err = |e| PortalError::from_store(lang, e);
    // Every dataset (the list is in memory), newest first: the figures and the latest.
    let all = st
        .store
        .open_search(
            OpenQuery {
                sort: OpenSort::ModifiedDesc,
                limit: usize::MAX,
                ..Default::default()
            },
            vec!["provider".into(), "category".into()],
        )
        .await
        .map_err(err)?;
    let orgs = st.store.open_orgs().await.map_err(err)?;
    let names = provider_names(lang, &orgs);
    let rows: i64 = all
        .items
        .iter()
        .filter(|d| d.rows_are_public())
        .map(|d| d.rows)
        .sum();
    let mut by_provider: Vec<CountLink> = all
        .facets
        .get("provider")
        .into_iter()
        .flatten()
        .map(|(code, n)| CountLink {
            label: names.get(code).cloned().unwrap_or_else(|| code.clone()),
            href: format!("/datasets?{}", encode(&[("provider", code)])),
            count: *n,
        })
        .collect();
    by_provider.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
    let by_category = all
        .facets
        .get("category")
        .into_iter()
        .flatten()
        .map(|(code, n)| CountLink {
            label: t.facet_value("category", code),
            href: format!("/datasets?{}", encode(&[("category", code)])),
            count: *n,
        })
        .collect();
    let page = HomePage {
        f: visitor.frame("/", "home"),
        datasets: thousands(all.total as i64),
        providers: thousands(orgs.len() as i64),
        rows: thousands(rows),
        by_provider,
        by_category,
        latest: all.items.iter().take(6).map(|d| card(lang, t, d)).collect(),
    };
    Ok(html(&page).into_response())
}

/// The facets the search page filters by: (query parameter, facet).
const FACETS: &[&str] = &[
    "provider",
    "category",
    "open_type",
    "format",
    "update_cycle",
];

const SORTS: &[(&str, OpenSort)] = &[
    ("relevance", OpenSort::Relevance),
    ("modified", OpenSort::ModifiedDesc),
    ("name", OpenSort::NameAsc),
    ("issued", OpenSort::IssuedDesc),
];

pub async fn search(
    State(st): State<AppState>,
    visitor: Visitor,
    RawQuery(raw): RawQuery,
) -> Result<Response, PortalError> {
    let lang = visitor.lang;
    let t = words(lang);
    let err = |e| PortalError::from_store(lang, e);
    let params = pairs(&raw);
    let q: String = params
        .iter()
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.trim().chars().take(MAX_Q).collect())
        .unwrap_or_default();
    let chosen = |facet: &str| -> Vec<String> {
        let mut v: Vec<String> = params
            .iter()
            .filter(|(k, v)| k == facet && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let sort_key = params
        .iter()
        .find(|(k, _)| k == "sort")
        .map(|(_, v)| v.as_str())
        .unwrap_or(if q.is_empty() {
            "modified"
        } else {
            "relevance"
        });
    let sort = SORTS
        .iter()
        .find(|(k, _)| *k == sort_key)
        .map_or(OpenSort::ModifiedDesc, |(_, s)| *s);
    let page_no = params
        .iter()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, 100_000);
    // Values that name nothing are dropped, so a stale link still finds the rest.
    let query = OpenQuery {
        q: (!q.is_empty()).then(|| q.clone()),
        providers: chosen("provider"),
        categories: chosen("category")
            .iter()
            .filter_map(|v| Category::parse(v))
            .collect(),
        open_types: chosen("open_type")
            .iter()
            .filter_map(|v| OpenType::parse(v))
            .collect(),
        formats: chosen("format")
            .iter()
            .filter_map(|v| Format::parse(v))
            .collect(),
        update_cycles: chosen("update_cycle")
            .iter()
            .filter_map(|v| UpdateCycle::parse(v))
            .collect(),
        sort,
        offset: (page_no - 1) * PER_PAGE,
        limit: PER_PAGE,
        ..Default::default()
    };
    let found = st
        .store
        .open_search(query, FACETS.iter().map(|f| f.to_string()).collect())
        .await
        .map_err(err)?;
    let orgs = st.store.open_orgs().await.map_err(err)?;
    let names = provider_names(lang, &orgs);
    let mut groups = Vec::new();
    for facet in FACETS {
        let picked = chosen(facet);
        let mut counts: BTreeMap<String, usize> =
            found.facets.get(*facet).cloned().unwrap_or_default();
        for p in &picked {
            counts.entry(p.clone()).or_default();
        }
        let mut options: Vec<FacetOption> = counts
            .into_iter()
            .enumerate()
            .map(|(i, (value, count))| FacetOption {
                id: format!("f-{facet}-{i}"),
                label: if *facet == "provider" {
                    names.get(&value).cloned().unwrap_or_else(|| value.clone())
                } else {
                    t.facet_value(facet, &value)
                },
                checked: picked.contains(&value),
                value,
                count,
            })
            .collect();
        options.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
        if options.is_empty() {
            continue;
        }
        groups.push(FacetGroup {
            legend: match *facet {
                "provider" => t.facet_provider,
                "category" => t.facet_category,
                "open_type" => t.facet_open_type,
                "format" => t.facet_format,
                _ => t.facet_update_cycle,
            },
            name: facet,
            options,
        });
    }
    let pages = found.total.div_ceil(PER_PAGE).max(1);
    let page_href = |n: usize| {
        let mut kept: Vec<(&str, &str)> = params
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let n = n.to_string();
        kept.push(("page", &n));
        format!("/datasets?{}", encode(&kept))
    };
    let filtered = FACETS.iter().any(|f| !chosen(f).is_empty());
    let clear_href = if q.is_empty() {
        "/datasets".to_string()
    } else {
        format!("/datasets?{}", encode(&[("q", &q)]))
    };
    let path = match &raw {
        Some(r) if !r.is_empty() => format!("/datasets?{r}"),
        _ => "/datasets".into(),
    };
    let mut f = visitor.frame(&path, "datasets");
    f.q = q.clone();
    let page = SearchPage {
        f,
        total: found.total,
        cards: found.items.iter().map(|d| card(lang, t, d)).collect(),
        groups,
        sorts: SORTS
            .iter()
            .map(|(k, _)| {
                let label = match *k {
                    "relevance" => t.sort_relevance,
                    "modified" => t.sort_modified,
                    "name" => t.sort_name,
                    _ => t.sort_issued,
                };
                (*k, label, *k == sort_key)
            })
            .collect(),
        pager: Pager {
            page: page_no,
            pages,
            prev: (page_no > 1).then(|| page_href(page_no - 1)),
            next: (page_no < pages).then(|| page_href(page_no + 1)),
        },
        filtered,
        clear_href,
        q,
    };
    Ok(html(&page).into_response())
}

/// The dataset for a page or a file: a released one by its name, else the 404 that a
/// missing one gets.
pub(crate) async fn released(
    st: &AppState,
    lang: Lang,
    slug: &str,
) -> Result<Arc<OpenDataset>, PortalError> {
    if !open::is_slug(slug) {
        return Err(PortalError::NotFound(lang));
    }
    let d = st
        .store
        .open_dataset(slug)
        .await
        .map_err(|e| PortalError::from_store(lang, e))?;
    // `open_dataset` also answers to ids and codes; the portal's addresses are names only.
    if d.slug != slug {
        return Err(PortalError::NotFound(lang));
    }
    Ok(d)
}

/// The preview's part of a dataset page's query: a page number and exact filters.
struct PreviewAsk {
    page: usize,
    filters: Vec<(String, String)>,
}

fn preview_ask(d: &OpenDataset, params: &[(String, String)]) -> PreviewAsk {
    let filters = d
        .items
        .iter()
        .filter(|i| open::is_filterable(i))
        .filter_map(|i| {
            let key = format!("f.{}", i.code);
            params
                .iter()
                .find(|(k, v)| *k == key && !v.trim().is_empty())
                .map(|(_, v)| {
                    let v: String = v.trim().chars().take(open::MAX_FILTER_VALUE).collect();
                    (i.code.clone(), v)
                })
        })
        .collect();
    let page = params
        .iter()
        .find(|(k, _)| k == "p")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, 100_000);
    PreviewAsk { page, filters }
}

async fn preview(
    st: &AppState,
    lang: Lang,
    d: &Arc<OpenDataset>,
    ask: &PreviewAsk,
) -> Result<PreviewView, PortalError> {
    let rows = st
        .store
        .open_rows(
            d.clone(),
            RowQuery {
                filters: ask
                    .filters
                    .iter()
                    .map(|(f, v)| (f.clone(), vec![v.clone()]))
                    .collect(),
                limit: PER_PAGE,
                offset: (ask.page - 1) * PER_PAGE,
                include_total: true,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| PortalError::from_store(lang, e))?;
    let total = rows.total.unwrap_or(0).max(0) as usize;
    let pages = total.div_ceil(PER_PAGE).max(1);
    let base = format!("/datasets/{}", d.slug);
    let href = |n: usize| {
        let mut kept: Vec<(String, String)> = ask
            .filters
            .iter()
            .map(|(f, v)| (format!("f.{f}"), v.clone()))
            .collect();
        kept.push(("p".into(), n.to_string()));
        let refs: Vec<(&str, &str)> = kept.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        format!("{base}?{}", encode(&refs))
    };
    Ok(PreviewView {
        href: base.clone(),
        columns: d
            .items
            .iter()
            .map(|i| ColumnView {
                name: i.name.clone(),
            })
            .collect(),
        columns_filterable: d
            .items
            .iter()
            .filter(|i| open::is_filterable(i))
            .map(|i| FilterBox {
                name: i.name.clone(),
                param: format!("f.{}", i.code),
                input_id: format!("filter-{}", i.code),
                value: ask
                    .filters
                    .iter()
                    .find(|(f, _)| *f == i.code)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        rows: rows
            .records
            .iter()
            .map(|(id, r)| {
                let values = d
                    .items
                    .iter()
                    .map(|i| r.get(&i.code).cloned().unwrap_or_default())
                    .collect();
                (*id, values)
            })
            .collect(),
        total: thousands(total as i64),
        filtered: !ask.filters.is_empty(),
        page: ask.page,
        pages,
        prev: (ask.page > 1).then(|| href(ask.page - 1)),
        next: (ask.page < pages).then(|| href(ask.page + 1)),
    })
}

fn snippets(t: &Strings, base: &str, d: &OpenDataset) -> Vec<Snippet> {
    let rows_url = format!(
        "{base}/api/3/action/datastore_search?resource_id={}&limit=5",
        open::distribution_id(&d.code, "csv")
    );
    let meta_url = format!("{base}/api/3/action/package_show?id={}", d.slug);
    vec![
        Snippet {
            id: "api-curl",
            label: format!("{} · curl", t.api_rows),
            code: format!("curl '{rows_url}'"),
            rows: 2,
        },
        Snippet {
            id: "api-python",
            label: format!("{} · Python (requests)", t.api_rows),
            code: format!(
                "import requests\n\nr = requests.get(\"{rows_url}\", timeout=30)\nr.raise_for_status()\nfor record in r.json()[\"result\"][\"records\"]:\n    print(record)"
            ),
            rows: 6,
        },
        Snippet {
            id: "api-js",
            label: format!("{} · JavaScript (fetch)", t.api_rows),
            code: format!(
                "const r = await fetch(\"{rows_url}\");\nconst {{ result }} = await r.json();\nconsole.log(result.total, result.records);"
            ),
            rows: 3,
        },
        Snippet {
            id: "api-meta",
            label: format!("{} · curl", t.api_meta),
            code: format!("curl '{meta_url}'"),
            rows: 2,
        },
    ]
}

/// A dataset's page: one lookup in the in-memory list, and one read of rows for the preview.
/// With htmx asking (and not restoring history), only the preview's table is sent.
pub async fn dataset(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    visitor: Visitor,
    RawQuery(raw): RawQuery,
) -> Result<Response, PortalError> {
    let lang = visitor.lang;
    let t = words(lang);
    let d = released(&st, lang, &slug).await?;
    let params = pairs(&raw);
    let ask = preview_ask(&d, &params);
    let preview = if d.rows_are_public() {
        Some(preview(&st, lang, &d, &ask).await?)
    } else {
        None
    };
    let htmx =
        headers.contains_key("hx-request") && !headers.contains_key("hx-history-restore-request");
    if let (true, Some(p)) = (htmx, &preview) {
        return Ok(html(&PreviewFragment { t, p }).into_response());
    }
    let href = format!("/datasets/{}", d.slug);
    let path = match &raw {
        Some(r) if !r.is_empty() => format!("{href}?{r}"),
        _ => href.clone(),
    };
    let mut f = visitor.frame(&path, "datasets");
    f.copy_js = d.rows_are_public();
    f.feed = Some((
        format!("{} · {}", lang.pick(&d.name, &d.name_en), t.sec_history),
        format!("{href}/feed.atom"),
    ));
    let a = &d.assessment;
    let page = DatasetPage {
        t,
        d: DatasetView {
            name: lang.pick(&d.name, &d.name_en).to_string(),
            summary: d.summary.clone(),
            code: d.code.clone(),
            provider: lang.pick(&d.provider_name, &d.provider_name_en).to_string(),
            provider_href: format!("/datasets?{}", encode(&[("provider", &d.provider)])),
            open_label: t.open_type(d.open_type),
            open_class: open_class(&d),
            update_cycle: t.update_cycle(d.update_cycle),
            category: t.category(d.category),
            format: t.format(d.format),
            modified: when(lang, d.modified_at),
            modified_iso: iso(d.modified_at),
            issued: crate::console::views::date(lang, d.issued_at),
            version: d.version,
            rows: thousands(d.rows),
            rows_public: d.rows_are_public(),
            keywords: d.keywords.clone(),
            href,
        },
        items: d
            .items
            .iter()
            .map(|i| ItemView {
                name: i.name.clone(),
                code: i.code.clone(),
                kind: t.item_type(i.item_type),
                length: i.length.map(|n| n.to_string()).unwrap_or_default(),
                description: i.description.clone().unwrap_or_default(),
            })
            .collect(),
        a: AssessmentView {
            assessor: a.assessor.clone(),
            date: a.assessed_on.clone(),
            conclusion: t.open_type(a.conclusion),
            checks: [
                (t.assess_personal, &a.personal_info),
                (t.assess_reid, &a.reidentification),
                (t.assess_secret, &a.trade_secret),
            ]
            .into_iter()
            .map(|(name, c)| CheckView {
                name,
                passed: c.passed,
                note: c.note.clone(),
            })
            .collect(),
        },
        preview,
        conditional: (!d.rows_are_public()).then(|| d.open_condition.clone().unwrap_or_default()),
        snippets: snippets(t, &origin(&st, &headers), &d),
        f,
    };
    Ok(html(&page).into_response())
}

/// A dataset's update history: each published version and each batch that changed its rows.
pub async fn history(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    visitor: Visitor,
) -> Result<Response, PortalError> {
    let lang = visitor.lang;
    let t = words(lang);
    let d = released(&st, lang, &slug).await?;
    let entries = st
        .store
        .open_history(&d.code, 200)
        .await
        .map_err(|e| PortalError::from_store(lang, e))?;
    let href = format!("/datasets/{}", d.slug);
    let mut f = visitor.frame(&format!("{href}/history"), "datasets");
    f.feed = Some((
        format!("{} · {}", lang.pick(&d.name, &d.name_en), t.sec_history),
        format!("{href}/feed.atom"),
    ));
    let page = HistoryPage {
        f,
        t,
        name: lang.pick(&d.name, &d.name_en).to_string(),
        entries: entries
            .iter()
            .map(|e| (iso(e.at), when(lang, e.at), change_text(t, e)))
            .collect(),
        href,
    };
    Ok(html(&page).into_response())
}

/// What one history entry changed, in words.
pub(crate) fn change_text(t: &Strings, e: &shuqiao_service::open::HistoryEntry) -> String {
    match e.version {
        Some(v) if e.kind == "version" => {
            format!("{}{v}{}", t.history_version_before, t.history_version_after)
        }
        _ => format!(
            "{}{}{}{}，{}{}{}，{}{}{}",
            t.history_data,
            t.history_inserted,
            thousands(e.inserted),
            t.history_rows_after,
            t.history_updated,
            thousands(e.updated),
            t.history_rows_after,
            t.history_deleted,
            thousands(e.deleted),
            t.history_rows_after,
        ),
    }
}

/// Any other address under a dataset: the portal's own 404 page, not the API's.
pub async fn not_found(headers: HeaderMap) -> PortalError {
    PortalError::NotFound(lang_of(&headers))
}

#[derive(serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Sets the language cookie the console reads too, and goes back to the page.
pub async fn switch_language(
    State(st): State<AppState>,
    Path(code): Path<String>,
    axum::extract::Query(q): axum::extract::Query<NextQuery>,
) -> Response {
    let Some(lang) = Lang::parse(&code) else {
        return PortalError::NotFound(Lang::Zh).into_response();
    };
    // Only a path on this site, so the switch cannot send anyone elsewhere.
    let back = q
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".into());
    let cookie = session::set_cookie(&st.console, LANG_COOKIE, lang.code(), 365 * 24 * 3600);
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}
