//! The catalogue actions: site status, datasets (list, show, search), organizations,
//! groups (the three catalogue categories), tags and resources.
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};
use shuqiao_core::catalog::Category;
use shuqiao_service::open::{self as service_open, OpenDataset, OpenQuery, OpenSort};

use super::params::{self, Problems};
use super::{datastore, dicts, fq, CkanError, CkanResult, Ctx, Data};

const ACTIONS: &[&str] = &[
    "status_show",
    "package_list",
    "package_show",
    "package_search",
    "organization_list",
    "organization_show",
    "group_list",
    "group_show",
    "tag_list",
    "resource_show",
    "datastore_search",
];

pub(crate) fn is_known(name: &str) -> bool {
    ACTIONS.contains(&name)
}

/// An action's result: a JSON value, or JSON text already written (a search's page of
/// packages is joined from each package's cached text).
pub(crate) enum Payload {
    Json(Value),
    Text(String),
}

pub(crate) async fn run(cx: &Ctx, name: &str, data: Data) -> CkanResult<Payload> {
    if name == "package_search" {
        return package_search(cx, &data).await.map(Payload::Text);
    }
    run_json(cx, name, data).await.map(Payload::Json)
}

async fn run_json(cx: &Ctx, name: &str, data: Data) -> CkanResult<Value> {
    match name {
        "status_show" => Ok(status_show(cx)),
        "package_list" => package_list(cx, &data).await,
        "package_show" => package_show(cx, &data).await,
        "organization_list" => organization_list(cx, &data).await,
        "organization_show" => organization_show(cx, &data).await,
        "group_list" => group_list(cx, &data).await,
        "group_show" => group_show(cx, &data).await,
        "tag_list" => tag_list(cx, &data).await,
        "resource_show" => resource_show(cx, &data).await,
        "datastore_search" => datastore::search(cx, &data).await,
        _ => Err(CkanError::BadRequest(format!(
            "Action name not known: {name}"
        ))),
    }
}

/// The CKAN release whose Action API this one answers like.
const CKAN_VERSION: &str = "2.10.4";

fn status_show(cx: &Ctx) -> Value {
    json!({
        "site_title": "数桥公共数据开放平台",
        "site_description": "政务数据共享与公共数据开放",
        "site_url": cx.base,
        "ckan_version": CKAN_VERSION,
        "error_emails_to": null,
        "locale_default": "zh_Hans_CN",
        "extensions": ["datastore"],
        "shuqiao_version": env!("CARGO_PKG_VERSION"),
    })
}

/// Every released dataset, in the order of `sort`, with no filter.
async fn all(cx: &Ctx, sort: OpenSort) -> CkanResult<Vec<Arc<OpenDataset>>> {
    let q = OpenQuery {
        sort,
        limit: usize::MAX,
        ..Default::default()
    };
    Ok(cx.store.open_search(q, vec![]).await?.items)
}

fn page<T: Clone>(items: &[T], offset: usize, limit: Option<usize>) -> Vec<T> {
    items
        .iter()
        .skip(offset)
        .take(limit.unwrap_or(usize::MAX))
        .cloned()
        .collect()
}

async fn package_list(cx: &Ctx, d: &Data) -> CkanResult<Value> {
    let mut p = Problems::default();
    let limit = params::natural(d, "limit", &mut p);
    let offset = params::natural(d, "offset", &mut p).unwrap_or(0);
    p.into_result()?;
    let names = cx.store.open_names().await?;
    Ok(json!(page(&names, offset, limit)))
}

async fn package_show(cx: &Ctx, d: &Data) -> CkanResult<Value> {
    let id = params::required(d, "id")?;
    let ds = cx.store.open_dataset(&id).await?;
    Ok(dicts::package(&cx.base, &ds))
}

async fn resource_show(cx: &Ctx, d: &Data) -> CkanResult<Value> {
    let id = params::required(d, "id")?;
    let (ds, format) = cx.store.open_distribution(&id).await?;
    let position = dicts::FORMATS
        .iter()
        .position(|f| f.key == format)
        .ok_or(CkanError::NotFound(None))?;
    Ok(dicts::resource(&cx.base, &ds, position))
}

/// The parameters `package_search` takes (CKAN's list of Solr parameters, and the ones it
/// removes before searching); CKAN refuses any other.
const SEARCH_PARAMS: &[&str] = &[
    "q",
    "fl",
    "fq",
    "fq_list",
    "rows",
    "sort",
    "start",
    "wt",
    "qf",
    "bf",
    "boost",
    "facet",
    "facet.mincount",
    "facet.limit",
    "facet.field",
    "extras",
    "tie",
    "defType",
    "mm",
    "df",
    "include_private",
    "include_drafts",
    "include_deleted",
    "use_default_schema",
];

/// CKAN's `ckan.search.rows_max`: larger `rows` are lowered to it.
const ROWS_MAX: usize = 1000;

/// A search's order, from CKAN's `sort` (`field dir[, field dir…]`).
fn search_sort(sort: &str, has_q: bool) -> CkanResult<OpenSort> {
    let mut keys = Vec::new();
    for part in sort.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let mut words = part.split_whitespace();
        let field = words.next().unwrap_or("");
        let dir = words.next().unwrap_or("asc").to_ascii_lowercase();
        let desc = match dir.as_str() {
            "asc" => false,
            "desc" => true,
            _ => {
                return Err(CkanError::SearchQuery(format!(
                    "Can't determine a Sort Order (asc or desc) in sort spec '{part}'"
                )))
            }
        };
        if words.next().is_some() {
            return Err(CkanError::SearchQuery(format!(
                "Can't determine a Sort Order (asc or desc) in sort spec '{part}'"
            )));
        }
        let s = match (field, desc) {
            ("score", _) => None,
            ("metadata_modified", true) => Some(OpenSort::ModifiedDesc),
            ("metadata_modified", false) => Some(OpenSort::ModifiedAsc),
            ("metadata_created", true) => Some(OpenSort::IssuedDesc),
            ("metadata_created", false) => Some(OpenSort::IssuedAsc),
            ("name", false) => Some(OpenSort::NameAsc),
            ("name", true) => Some(OpenSort::NameDesc),
            ("title_string", false) => Some(OpenSort::TitleAsc),
            ("title_string", true) => Some(OpenSort::TitleDesc),
            ("id", false) => Some(OpenSort::IdAsc),
            ("id", true) => Some(OpenSort::IdDesc),
            (other, _) => {
                return Err(CkanError::SearchQuery(format!(
                    "can not sort on undefined field: {other}"
                )))
            }
        };
        keys.push(s);
    }
    // The best match leads when there is a query; without one, the next key decides.
    Ok(match keys.first() {
        Some(None) if has_q => OpenSort::Relevance,
        _ => keys.into_iter().flatten().next().unwrap_or(if has_q {
            OpenSort::Relevance
        } else {
            OpenSort::ModifiedDesc
        }),
    })
}

/// The values a dataset counts under in a CKAN facet, with their display names.
fn facet_values(d: &OpenDataset, field: &str) -> Vec<(String, String)> {
    match field {
        "organization" => vec![(d.provider.clone(), d.provider_name.clone())],
        "groups" => vec![(
            d.category.as_str().to_string(),
            d.category.label_zh().to_string(),
        )],
        "tags" => d.keywords.iter().map(|k| (k.clone(), k.clone())).collect(),
        "res_format" => dicts::FORMATS
            .iter()
            .map(|f| (f.label.to_string(), f.label.to_string()))
            .collect(),
        "license_id" => vec![(dicts::LICENSE_ID.into(), dicts::LICENSE_ID.into())],
        other => service_open::facet_values(d, other)
            .into_iter()
            .map(|v| (v.clone(), v))
            .collect(),
    }
}

async fn package_search(cx: &Ctx, d: &Data) -> CkanResult<String> {
    let mut p = Problems::default();
    let rows = params::natural(d, "rows", &mut p)
        .unwrap_or(10)
        .min(ROWS_MAX);
    let start = params::natural(d, "start", &mut p).unwrap_or(0);
    let mincount = params::natural(d, "facet.mincount", &mut p).unwrap_or(1);
    let facet_limit = params::int(d, "facet.limit", &mut p).unwrap_or(50);
    let facet_fields = params::list(d, "facet.field", &mut p).unwrap_or_default();
    let fq_list = params::list(d, "fq_list", &mut p).unwrap_or_default();
    p.into_result()?;
    let unknown: Vec<String> = d
        .keys()
        .filter(|k| !SEARCH_PARAMS.contains(&k.as_str()))
        .map(|k| format!("'{k}'"))
        .collect();
    if !unknown.is_empty() {
        return Err(CkanError::SearchQuery(format!(
            "Invalid search parameters: [{}]",
            unknown.join(", ")
        )));
    }
    let q = params::text(d, "q")
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty() && q != "*:*");
    let mut clauses = Vec::new();
    for f in params::text(d, "fq").into_iter().chain(fq_list) {
        clauses.extend(fq::parse(&f).map_err(CkanError::SearchQuery)?);
    }
    let sort_text =
        params::text(d, "sort").unwrap_or_else(|| "score desc, metadata_modified desc".into());
    let sort = search_sort(&sort_text, q.is_some())?;
    let query = OpenQuery {
        q,
        sort,
        limit: usize::MAX,
        ..Default::default()
    };
    let mut hits = cx.store.open_search(query, vec![]).await?.items;
    hits.retain(|ds| clauses.iter().all(|c| c.matches(ds)));

    let mut facets = serde_json::Map::new();
    let mut search_facets = serde_json::Map::new();
    for field in &facet_fields {
        let mut counts: BTreeMap<String, (usize, String)> = BTreeMap::new();
        for ds in &hits {
            for (v, shown) in facet_values(ds, field) {
                counts.entry(v).or_insert((0, shown)).0 += 1;
            }
        }
        let mut items: Vec<(String, usize, String)> = counts
            .into_iter()
            .filter(|(_, (n, _))| *n >= mincount)
            .map(|(v, (n, shown))| (v, n, shown))
            .collect();
        items.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        if facet_limit >= 0 {
            items.truncate(facet_limit as usize);
        }
        facets.insert(
            field.clone(),
            Value::Object(
                items
                    .iter()
                    .map(|(v, n, _)| (v.clone(), json!(n)))
                    .collect(),
            ),
        );
        search_facets.insert(
            field.clone(),
            json!({
                "title": field,
                "items": items.iter().map(|(v, n, shown)| json!({"name": v, "display_name": shown, "count": n})).collect::<Vec<_>>(),
            }),
        );
    }
    let fl: Option<Vec<String>> = params::text(d, "fl")
        .map(|s| {
            s.split([',', ' '])
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|f| !f.is_empty() && !f.iter().any(|x| x == "*"));
    let head = json!({
        "count": hits.len(),
        "sort": sort_text,
        "facets": facets,
        "search_facets": search_facets,
    });
    // The head's closing brace gives way to the results, each package's text as cached.
    let mut out = serde_json::to_string(&head).map_err(|_| CkanError::Internal)?;
    out.pop();
    out.push_str(",\"results\":[");
    for (n, ds) in hits.iter().skip(start).take(rows).enumerate() {
        if n > 0 {
            out.push(',');
        }
        match &fl {
            None => out.push_str(&dicts::package_text(&cx.base, ds)),
            Some(fl) => {
                let mut v = dicts::package(&cx.base, ds);
                if let Value::Object(m) = &mut v {
                    m.retain(|k, _| fl.contains(k));
                }
                out.push_str(&serde_json::to_string(&v).map_err(|_| CkanError::Internal)?);
            }
        }
    }
    out.push_str("]}");
    Ok(out)
}

/// CKAN's `sort` of organizations and groups: `name`, `title` or `package_count`, each
/// `asc` or `desc`.
fn list_sort(d: &Data) -> CkanResult<(String, bool)> {
    let s = params::text(d, "sort").unwrap_or_else(|| "name asc".into());
    let mut words = s.split_whitespace();
    let field = words.next().unwrap_or("name").to_string();
    let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(CkanError::invalid("sort", "Invalid sort order")),
    };
    if !["name", "title", "package_count"].contains(&field.as_str()) {
        return Err(CkanError::invalid(
            "sort",
            format!("Cannot sort by field `{field}`. Valid fields are: name, title, package_count"),
        ));
    }
    Ok((field, desc))
}

/// Lists dictionaries (or their names) sorted and paged as CKAN's `group_list` does.
fn listing(mut items: Vec<(String, String, usize, Value)>, d: &Data) -> CkanResult<Value> {
    let mut p = Problems::default();
    let limit = params::natural(d, "limit", &mut p);
    let offset = params::natural(d, "offset", &mut p).unwrap_or(0);
    p.into_result()?;
    let (field, desc) = list_sort(d)?;
    items.sort_by(|a, b| {
        let o = match field.as_str() {
            "title" => a.1.cmp(&b.1),
            "package_count" => a.2.cmp(&b.2),
            _ => a.0.cmp(&b.0),
        }
        .then_with(|| a.0.cmp(&b.0));
        if desc {
            o.reverse()
        } else {
            o
        }
    });
    let all_fields = params::boolean(d, "all_fields").unwrap_or(false);
    let out: Vec<Value> = page(&items, offset, limit)
        .into_iter()
        .map(|(name, _, _, dict)| if all_fields { dict } else { json!(name) })
        .collect();
    Ok(json!(out))
}

async fn organization_list(cx: &Ctx, d: &Data) -> CkanResult<Value> {
    let orgs = cx.store.open_orgs().await?;
    listing(
        orgs.iter()
            .map(|o| {
                (
                    o.code.clone(),
                    o.name.clone(),
                    o.datasets,
                    dicts::organization(o),
                )
            })
            .collect(),
        d,
    )
}

/// The datasets of an organization or group, when `include_datasets` asks for them.
async fn with_datasets(
    cx: &Ctx,
    d: &Data,
    mut dict: Value,
    keep: impl Fn(&OpenDataset) -> bool,
) -> CkanResult<Value> {
    if params::boolean(d, "include_datasets").unwrap_or(false) {
        let packages: Vec<Value> = all(cx, OpenSort::NameAsc)
            .await?
            .iter()
            .filter(|ds| keep(ds))
            .take(ROWS_MAX)
            .map(|ds| dicts::package(&cx.base, ds))
            .collect();
        dict["packages"] = json!(packages);
    }
    Ok(dict)
}

async fn organization_show(cx: &Ctx, d: &Data) -> CkanResult<Value> {
    let id = params::required(d, "id")?;
    let org = cx
        .store
        .open_orgs()
        .await?
        .into_iter()
        .find(|o| o.code == id || dicts::org_id(&o.code) == id)
        .ok_or(CkanError::NotFound(None))?;
    let dict = dicts::organization(&org);
    with_datasets(cx, d, dict, |ds| ds.provider == org.code).await
}

async fn group_counts(cx: &Ctx) -> CkanResult<BTreeMap<Category, usize>> {
    let mut counts: BTreeMap<Category, usize> = Category::ALL.iter().map(|c| (*c, 0)).collect();
    for ds in all(cx, OpenSort::NameAsc).await? {
        *counts.entry(ds.category).or_default() += 1;
    }
    Ok(counts)
}

async fn group_list(cx: &Ctx, d: &Data) -> CkanResult<Value> {
    let counts = group_counts(cx).await?;
    listing(
        counts
            .into_iter()
            .map(|(c, n)| {
                (
                    c.as_str().to_string(),
                    c.label_zh().to_string(),
                    n,
                    dicts::group(c, n),
                )
            })
            .collect(),
        d,
    )
}

async fn group_show(cx: &Ctx, d: &Data) -> CkanResult<Value> {
    let id = params::required(d, "id")?;
    let c = Category::ALL
        .iter()
        .copied()
        .find(|c| c.as_str() == id || dicts::group_id(*c) == id)
        .ok_or(CkanError::NotFound(None))?;
    let n = group_counts(cx).await?.get(&c).copied().unwrap_or(0);
    with_datasets(cx, d, dicts::group(c, n), |ds| ds.category == c).await
}

async fn tag_list(cx: &Ctx, d: &Data) -> CkanResult<Value> {
    let query = params::text(d, "query").filter(|q| !q.is_empty());
    let mut tags: Vec<String> = all(cx, OpenSort::NameAsc)
        .await?
        .iter()
        .flat_map(|ds| ds.keywords.iter().cloned())
        .filter(|k| query.as_ref().is_none_or(|q| k.contains(q.as_str())))
        .collect();
    tags.sort();
    tags.dedup();
    if params::boolean(d, "all_fields").unwrap_or(false) {
        Ok(json!(tags
            .iter()
            .map(|t| dicts::tag(t))
            .collect::<Vec<_>>()))
    } else {
        Ok(json!(tags))
    }
}
