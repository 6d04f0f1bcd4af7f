//! `datastore_search`: a released dataset's rows, read from the portal's copy, with CKAN's
//! parameters (`filters`, `q`, `fields`, `sort`, `limit`, `offset`, `include_total`) and its
//! result (`fields` with `_id` first, `records`, `total`, `_links`).
//!
//! Only a dataset's public items exist here: a field that is not public is answered exactly
//! as one that never existed. 有条件开放 rows need an approved application's key.
use serde_json::{json, Map, Value};
use shuqiao_core::catalog::{InfoItem, ItemType};
use shuqiao_core::open;
use shuqiao_service::open::rows::RowQuery;
use shuqiao_service::open::OpenDataset;

use super::params::{self, Problems};
use super::{CkanError, CkanResult, Ctx, Data};

/// CKAN's `ckan.datastore.search.rows_default` and `rows_max` (larger limits are lowered).
const ROWS_DEFAULT: usize = 100;
const ROWS_MAX: usize = 32_000;

fn not_in_table(field: &str, name: &str) -> (String, String) {
    (field.to_string(), format!("field \"{name}\" not in table"))
}

/// The type CKAN's datastore reports: our copy holds every value as text, so numbers and
/// dates are described in `info`, not converted.
fn field_type(i: &InfoItem) -> &'static str {
    match i.item_type {
        ItemType::Number | ItemType::Money => "numeric",
        ItemType::Date => "date",
        ItemType::DateTime => "timestamp",
        ItemType::Boolean => "bool",
        _ => "text",
    }
}

fn field_dict(i: &InfoItem) -> Value {
    json!({
        "id": i.code,
        "type": "text",
        "info": {
            "label": i.name,
            "notes": i.description.clone().unwrap_or_default(),
            "type_override": field_type(i),
        },
    })
}

/// A filter's accepted values: a string or number, or a list of them.
fn filter_values(v: &Value) -> Option<Vec<String>> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match v {
        Value::Array(a) => a.iter().map(one).collect(),
        other => one(other).map(|s| vec![s]),
    }
}

/// A JSON parameter that may arrive as text (a query string) or as JSON (a POST).
fn json_param(d: &Data, key: &str, p: &mut Problems) -> Option<Value> {
    match d.get(key)? {
        Value::String(s) => match serde_json::from_str(s) {
            Ok(v) => Some(v),
            Err(_) if key == "filters" => {
                p.add(key, "Could not parse as valid JSON");
                None
            }
            Err(_) => Some(Value::String(s.clone())),
        },
        Value::Null => None,
        other => Some(other.clone()),
    }
}

/// `fields`: a comma-separated string or a list.
fn names(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(
            s.split(',')
                .map(|f| f.trim().trim_matches('"').to_string())
                .filter(|f| !f.is_empty())
                .collect(),
        ),
        Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_string)).collect(),
        _ => None,
    }
}

struct Parsed {
    resource: String,
    q: Option<String>,
    filters: Vec<(String, Vec<String>)>,
    fields: Option<Vec<String>>,
    sort: Vec<(String, bool)>,
    limit: usize,
    offset: usize,
    include_total: bool,
}

/// Reads the parameters; what depends on the dataset (which fields exist) is checked later.
fn parse(d: &Data) -> CkanResult<Parsed> {
    let resource = params::text(d, "resource_id")
        .or_else(|| params::text(d, "id"))
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| CkanError::invalid("resource_id", "Missing value"))?;
    let mut p = Problems::default();
    let limit = params::natural(d, "limit", &mut p)
        .unwrap_or(ROWS_DEFAULT)
        .min(ROWS_MAX);
    let offset = params::natural(d, "offset", &mut p).unwrap_or(0);
    let include_total = params::boolean(d, "include_total").unwrap_or(true);
    let mut filters = Vec::new();
    match json_param(d, "filters", &mut p) {
        None => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                match filter_values(&v) {
                    Some(vs) => filters.push((k, vs)),
                    None => p.add(
                        "filters",
                        format!("filter \"{k}\" must be a value or a list of values"),
                    ),
                }
            }
        }
        Some(_) => p.add("filters", "Not a JSON object"),
    }
    let q = match d.get("q") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()).filter(|s| !s.trim().is_empty()),
        Some(_) => {
            p.add("q", "Must be a string: searching by field is not supported");
            None
        }
    };
    let fields = match json_param(d, "fields", &mut p) {
        None => None,
        Some(v) => match names(&v) {
            Some(n) => Some(n),
            None => {
                p.add("fields", "Must be a comma-separated string or a list");
                None
            }
        },
    };
    let mut sort = Vec::new();
    let sort_parts: Vec<String> = match d.get("sort") {
        None | Some(Value::Null) => vec![],
        Some(Value::String(s)) => s.split(',').map(str::to_string).collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(_) => {
            p.add("sort", "Must be a string or a list");
            vec![]
        }
    };
    for part in sort_parts
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        let mut w = part.split_whitespace();
        let field = w.next().unwrap_or("").trim_matches('"').to_string();
        match w.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => sort.push((field, false)),
            Some("desc") => sort.push((field, true)),
            Some(_) => p.add(
                "sort",
                format!("Cannot sort by \"{part}\": use \"field asc\" or \"field desc\""),
            ),
        }
    }
    p.into_result()?;
    Ok(Parsed {
        resource: resource.trim().to_string(),
        q,
        filters,
        fields,
        sort,
        limit,
        offset,
        include_total,
    })
}

/// The dataset a `resource_id` names: its CSV distribution's id, or the dataset's own name
/// or id. Its JSON and XLSX distributions are not in the datastore.
async fn dataset(cx: &Ctx, id: &str) -> CkanResult<std::sync::Arc<OpenDataset>> {
    let missing = || CkanError::NotFound(Some("Resource was not found.".into()));
    match cx.store.open_distribution(id).await {
        Ok((d, "csv")) => return Ok(d),
        Ok(_) => return Err(missing()),
        Err(_) => {}
    }
    cx.store.open_dataset(id).await.map_err(|_| missing())
}

/// CKAN's `_links`: the request's own path and query, without `offset` for `start` and with
/// the next page's `offset` for `next`.
fn links(cx: &Ctx, limit: usize, offset: usize) -> Value {
    let pairs: Vec<(String, String)> = cx
        .query
        .as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let build = |pairs: &[(String, String)]| {
        let qs = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        if qs.is_empty() {
            cx.path.clone()
        } else {
            format!("{}?{qs}", cx.path)
        }
    };
    let start: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "offset")
        .cloned()
        .collect();
    let mut next = pairs.clone();
    let off = (offset + limit).to_string();
    match next.iter_mut().find(|(k, _)| k == "offset") {
        Some(e) => e.1 = off,
        None => next.push(("offset".into(), off)),
    }
    json!({"start": build(&start), "next": build(&next)})
}

pub(crate) async fn search(cx: &Ctx, d: &Data) -> CkanResult<Value> {
    let q = parse(d)?;
    let ds = dataset(cx, &q.resource).await?;
    if !ds.rows_are_public() {
        let Some(key) = &cx.key else {
            return Err(CkanError::Forbidden(
                "该数据集为有条件开放，读取其数据需要经批准的开放申请所发的密钥 (this dataset is open on conditions: reading its rows needs the key of an approved application)".into(),
            ));
        };
        // Counted against the key's quota and sealed before any row is read.
        if let Err(e) = cx
            .store
            .open_key_read(key, &ds.code, "datastore_search")
            .await
        {
            return Err(match e.domain() {
                Some(d) => CkanError::Forbidden(refusal_text(d)),
                None => CkanError::Internal,
            });
        }
    }
    // Checked against the public items only, so a field that is not public reads exactly as
    // one that does not exist.
    let exists = |n: &str| n == "_id" || ds.items.iter().any(|i| i.code == n);
    let mut errs: Vec<(String, String)> = Vec::new();
    for (f, _) in &q.filters {
        if f == "_id" || !exists(f) {
            errs.push(not_in_table("filters", f));
        }
    }
    for f in q.fields.iter().flatten() {
        if !exists(f) {
            errs.push(not_in_table("fields", f));
        }
    }
    for (f, _) in &q.sort {
        if !exists(f) {
            errs.push(not_in_table("sort", f));
        }
    }
    if !errs.is_empty() {
        let mut m = std::collections::BTreeMap::<String, Vec<String>>::new();
        for (k, v) in errs {
            m.entry(k).or_default().push(v);
        }
        return Err(CkanError::Validation(m));
    }
    let wants_id = q
        .fields
        .as_ref()
        .is_none_or(|f| f.iter().any(|x| x == "_id"));
    let row_query = RowQuery {
        filters: q.filters.clone(),
        q: q.q.clone(),
        fields: q
            .fields
            .as_ref()
            .map(|f| f.iter().filter(|x| *x != "_id").cloned().collect()),
        sort: q.sort.clone(),
        limit: q.limit,
        offset: q.offset,
        include_total: q.include_total,
    };
    let page = cx.store.open_rows(ds.clone(), row_query).await?;
    let mut fields: Vec<Value> = Vec::new();
    if wants_id {
        fields.push(json!({"id": "_id", "type": "int"}));
    }
    fields.extend(page.fields.iter().map(field_dict));
    let records: Vec<Value> = page
        .records
        .iter()
        .map(|(id, values)| {
            let mut m = Map::new();
            if wants_id {
                m.insert("_id".into(), json!(id));
            }
            for f in &page.fields {
                m.insert(
                    f.code.clone(),
                    values.get(&f.code).map_or(Value::Null, |v| json!(v)),
                );
            }
            Value::Object(m)
        })
        .collect();
    let mut out = json!({
        "resource_id": open::distribution_id(&ds.code, "csv"),
        "include_total": q.include_total,
        "limit": q.limit,
        "offset": q.offset,
        "records_format": "objects",
        "total_estimation_threshold": null,
        "total_was_estimated": false,
        "fields": fields,
        "records": records,
        "_links": links(cx, q.limit, q.offset),
    });
    if let Some(t) = page.total {
        out["total"] = json!(t);
    }
    for key in ["filters", "q", "sort"] {
        if let Some(v) = d.get(key) {
            out[key] = v.clone();
        }
    }
    Ok(out)
}

/// A key's refusal in both languages, for CKAN's one `message`.
fn refusal_text(d: &shuqiao_core::DomainError) -> String {
    use shuqiao_core::DomainError as E;
    match d {
        E::Forbidden { msg, .. }
        | E::Unauthenticated { msg, .. }
        | E::Throttled { msg, .. }
        | E::Conflict { msg, .. }
        | E::NotFound { msg, .. } => format!("{} ({})", msg.zh, msg.en),
        E::Invalid(_) => "invalid key".into(),
    }
}
