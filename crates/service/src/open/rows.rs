//! Reading a released dataset's rows from the portal's copy: paging, exact filters answered
//! from the cell index (so totals cost an index range, not a scan), text search, sorting and
//! a choice of fields. Only a dataset's public items exist here; asking for any other field
//! is answered as for a field that does not exist.
use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use shuqiao_core::catalog::InfoItem;
use shuqiao_core::error::{Errors, FieldError};
use shuqiao_core::open;
use shuqiao_core::DomainError;

use crate::db::{Backend, Conn, Value};
use crate::open::OpenDataset;
use crate::{params, Result, Store};

/// The most rows one read returns.
pub const MAX_ROWS: usize = 32_000;

#[derive(Debug, Clone, Default)]
pub struct RowQuery {
    /// field → accepted values (any of them); fields are ANDed.
    pub filters: Vec<(String, Vec<String>)>,
    /// Rows holding this text in any public value.
    pub q: Option<String>,
    /// The fields to return (all public ones when `None`).
    pub fields: Option<Vec<String>>,
    /// (field, descending); `_id` sorts by the row id.
    pub sort: Vec<(String, bool)>,
    pub limit: usize,
    pub offset: usize,
    pub include_total: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RowPage {
    pub fields: Vec<InfoItem>,
    /// (`_id`, values by item code).
    pub records: Vec<(i64, BTreeMap<String, String>)>,
    pub total: Option<i64>,
}

fn unknown_field(path: &str, name: &str) -> FieldError {
    FieldError::new(
        path,
        "unknown_field",
        format!("数据集中没有字段「{name}」：可用字段见数据字典"),
        format!("the dataset has no field `{name}`; see its data dictionary for the fields"),
    )
}

/// Checks every part of `q` against the dataset's public items, reporting all problems.
fn check(d: &OpenDataset, q: &RowQuery) -> std::result::Result<(), DomainError> {
    let mut errs = Errors::default();
    let find = |n: &str| d.items.iter().find(|i| i.code == n);
    for (f, _) in &q.filters {
        match find(f) {
            None => errs.push(unknown_field(&format!("filters.{f}"), f)),
            Some(i) if !open::is_filterable(i) => errs.push(FieldError::new(
                format!("filters.{f}"),
                "not_filterable",
                format!("字段「{f}」是长文本，不能精确筛选：请用 q 全文检索"),
                format!("`{f}` is long text and cannot be filtered on exactly; search it with q"),
            )),
            Some(_) => {}
        }
    }
    for f in q.fields.iter().flatten() {
        if f != "_id" && find(f).is_none() {
            errs.push(unknown_field("fields", f));
        }
    }
    for (f, _) in &q.sort {
        if f != "_id" && find(f).is_none() {
            errs.push(unknown_field("sort", f));
        }
    }
    if q.limit > MAX_ROWS {
        errs.push(FieldError::new(
            "limit",
            "too_large",
            format!("limit 最大为 {MAX_ROWS}"),
            format!("`limit` is at most {MAX_ROWS}"),
        ));
    }
    errs.into_result()
}

/// SQL choosing the matching row ids of `ds`, with its parameters after `$1` (= ds).
fn matching_ids(q: &RowQuery, args: &mut Vec<Value>) -> Option<String> {
    let mut parts = Vec::new();
    for (f, values) in &q.filters {
        args.push(Value::Text(f.clone()));
        let fp = args.len();
        let mut ph = Vec::new();
        for v in values {
            args.push(Value::Text(v.clone()));
            ph.push(format!("${}", args.len()));
        }
        if ph.is_empty() {
            ph.push("NULL".into());
        }
        parts.push(format!(
            "SELECT row_id FROM open_cells WHERE ds = $1 AND field = ${fp} AND value IN ({})",
            ph.join(", ")
        ));
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        args.push(Value::Text(format!("%{escaped}%")));
        parts.push(format!(
            "SELECT id FROM open_rows WHERE ds = $1 AND data LIKE ${} ESCAPE '\\'",
            args.len()
        ));
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(" INTERSECT "))
    }
}

/// Rows probed at most to fill a page by walking the rows in id order.
const MAX_PROBES: i128 = 20_000;

/// The filters as a check of each row's own cells, with their parameters after `$1` (= ds).
fn cells_of_each_row(q: &RowQuery, args: &mut Vec<Value>) -> String {
    let mut out = String::new();
    for (f, values) in &q.filters {
        args.push(Value::Text(f.clone()));
        let fp = args.len();
        let mut ph = Vec::new();
        for v in values {
            args.push(Value::Text(v.clone()));
            ph.push(format!("${}", args.len()));
        }
        if ph.is_empty() {
            ph.push("NULL".into());
        }
        out.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM open_cells c WHERE c.ds = $1 AND c.field = ${fp} AND c.value IN ({}) AND c.row_id = r.id)",
            ph.join(", ")
        ));
    }
    out
}

fn order_by(backend: Backend, sort: &[(String, bool)], args: &mut Vec<Value>) -> String {
    let mut keys = Vec::new();
    for (f, desc) in sort {
        let dir = if *desc { "DESC" } else { "ASC" };
        if f == "_id" {
            keys.push(format!("r.id {dir}"));
            continue;
        }
        args.push(Value::Text(format!("$.{f}")));
        let n = args.len();
        keys.push(match backend {
            Backend::Sqlite => format!("json_extract(r.data, ${n}) {dir}"),
            Backend::Postgres => {
                // `->>` takes the key itself, not a path.
                if let Some(Value::Text(t)) = args.last_mut() {
                    *t = f.clone();
                }
                format!("(r.data::jsonb ->> ${n}) {dir}")
            }
        });
    }
    keys.push("r.id ASC".into());
    keys.join(", ")
}

/// Totals of exact filters, by dataset, the copy's mark and the filters: a common value's
/// total counts a long index range, and stays the same until the copy moves on.
#[derive(Default)]
pub(crate) struct FilterTotals(std::sync::Mutex<HashMap<TotalKey, i64>>);

type TotalKey = (i64, i64, Vec<(String, Vec<String>)>);

/// Entries kept before the cache starts afresh: enough for every common filter of the
/// released datasets, bounded so odd filters cannot grow it without end.
const MAX_TOTALS: usize = 10_000;

impl FilterTotals {
    fn get(&self, k: &TotalKey) -> Option<i64> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(k)
            .copied()
    }
    fn put(&self, k: TotalKey, n: i64) {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() >= MAX_TOTALS {
            m.clear();
        }
        m.insert(k, n);
    }
}

/// Where a dataset's copy stands: its number, its row count and the record version it holds.
struct Copy {
    ds: i64,
    rows: i64,
    mark: i64,
}

fn read_rows(
    c: &mut dyn Conn,
    d: &OpenDataset,
    copy: Copy,
    totals: &FilterTotals,
    q: &RowQuery,
) -> Result<RowPage> {
    let (ds, rows_total) = (copy.ds, copy.rows);
    let mut args: Vec<Value> = vec![Value::Int(ds)];
    let ids = matching_ids(q, &mut args);
    let total = if !q.include_total {
        None
    } else if let Some(ids) = &ids {
        // Only exact filters are kept: a text search's total is counted each time.
        let key = q.q.is_none().then(|| {
            let mut f = q.filters.clone();
            f.sort();
            (ds, copy.mark, f)
        });
        match key.as_ref().and_then(|k| totals.get(k)) {
            Some(n) => Some(n),
            None => {
                let n = c
                    .query_one(&format!("SELECT COUNT(*) FROM ({ids}) m"), &args)?
                    .map(|r| r.int(0))
                    .transpose()?
                    .unwrap_or(0);
                if let Some(k) = key {
                    totals.put(k, n);
                }
                Some(n)
            }
        }
    } else {
        Some(rows_total)
    };
    // A common value (企业类型 = 有限责任公司, a third of the rows) makes the id list as long
    // as the dataset; walking the rows in id order and probing each one's cells stops after
    // the page instead. Used when the total says few probes will do.
    let walk = match total {
        Some(t) if t > 0 && q.sort.is_empty() && q.q.is_none() && !q.filters.is_empty() => {
            let probes = (q.offset + q.limit) as i128 * rows_total as i128 / t as i128;
            probes <= MAX_PROBES
        }
        _ => false,
    };
    let filter = if walk {
        args = vec![Value::Int(ds)];
        cells_of_each_row(q, &mut args)
    } else {
        ids.map(|s| format!(" AND r.id IN ({s})"))
            .unwrap_or_default()
    };
    let order = order_by(c.backend(), &q.sort, &mut args);
    args.push(Value::Int(q.limit as i64));
    let lim = args.len();
    args.push(Value::Int(q.offset as i64));
    let off = args.len();
    let sql = format!(
        "SELECT r.id, r.data FROM open_rows r WHERE r.ds = $1{filter} ORDER BY {order} LIMIT ${lim} OFFSET ${off}"
    );
    let wanted: Option<Vec<&str>> = q
        .fields
        .as_ref()
        .map(|f| f.iter().map(String::as_str).collect());
    let mut records = Vec::new();
    for r in c.query(&sql, &args)? {
        let mut values: BTreeMap<String, String> =
            serde_json::from_str(&r.text(1)?).unwrap_or_default();
        if let Some(w) = &wanted {
            values.retain(|k, _| w.contains(&k.as_str()));
        }
        records.push((r.int(0)?, values));
    }
    let fields = match &wanted {
        Some(w) => d
            .items
            .iter()
            .filter(|i| w.contains(&i.code.as_str()))
            .cloned()
            .collect(),
        None => d.items.clone(),
    };
    Ok(RowPage {
        fields,
        records,
        total,
    })
}

impl Store {
    /// Rows of a released dataset. Whether the caller may read them (a key for
    /// 有条件开放 data) is the caller's check, made before this.
    pub async fn open_rows(&self, d: std::sync::Arc<OpenDataset>, q: RowQuery) -> Result<RowPage> {
        check(&d, &q)?;
        let totals = self.open_totals.clone();
        self.read(move |c| {
            let r = c
                .query_one(
                    "SELECT ds, rows, synced_to FROM open_releases WHERE code = $1 AND state = 'released'",
                    params![&d.code],
                )?
                .ok_or_else(super::dataset_not_found)?;
            let copy = Copy {
                ds: r.int(0)?,
                rows: r.int(1)?,
                mark: r.int(2)?,
            };
            read_rows(c, &d, copy, &totals, &q)
        })
        .await
    }

    /// Visits every row of a released dataset in `_id` order, in pages, for whole-dataset
    /// downloads; `f` returns false to stop.
    pub async fn open_rows_each(
        &self,
        d: std::sync::Arc<OpenDataset>,
        after: i64,
        page: usize,
    ) -> Result<Vec<(i64, BTreeMap<String, String>)>> {
        self.read(move |c| {
            let r = c
                .query_one(
                    "SELECT ds FROM open_releases WHERE code = $1 AND state = 'released'",
                    params![&d.code],
                )?
                .ok_or_else(super::dataset_not_found)?;
            let rows = c.query(
                "SELECT id, data FROM open_rows WHERE ds = $1 AND id > $2 ORDER BY id LIMIT $3",
                params![r.int(0)?, after, page.clamp(1, 10_000) as i64],
            )?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push((
                    r.int(0)?,
                    serde_json::from_str(&r.text(1)?).unwrap_or_default(),
                ));
            }
            Ok(out)
        })
        .await
    }
}

/// One value of a field and how many rows hold it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ValueCount {
    pub value: String,
    pub count: u64,
}

/// The counts of a field's values, the largest first, at most `limit`. A value held by fewer
/// rows than the smallest count the public may see is left out, value and count alike, so
/// nobody is singled out by a count of one or two; only how many were left out is given.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldCounts {
    pub field: String,
    pub min_cell: u64,
    pub values: Vec<ValueCount>,
    pub suppressed_values: usize,
}

impl Store {
    /// How many rows hold each value of a filterable public field, from the cell index, with
    /// counts below the operator's smallest count suppressed.
    pub async fn open_counts(
        &self,
        d: std::sync::Arc<OpenDataset>,
        field: &str,
        limit: usize,
    ) -> Result<FieldCounts> {
        let item = d.items.iter().find(|i| i.code == field);
        match item {
            None => return Err(DomainError::one(unknown_field("field", field)).into()),
            Some(i) if !open::is_filterable(i) => {
                return Err(DomainError::one(FieldError::new(
                    "field",
                    "not_filterable",
                    format!("字段「{field}」是长文本，不能分组统计"),
                    format!("`{field}` is long text and cannot be counted by value"),
                ))
                .into())
            }
            Some(_) => {}
        }
        let field = field.to_string();
        self.read(move |c| {
            let min_cell = super::public::settings(c)?.min_cell;
            let ds = c
                .query_one(
                    "SELECT ds FROM open_releases WHERE code = $1 AND state = 'released'",
                    params![&d.code],
                )?
                .ok_or_else(super::dataset_not_found)?
                .int(0)?;
            let rows = c.query(
                "SELECT value, COUNT(*) AS n FROM open_cells WHERE ds = $1 AND field = $2
                 GROUP BY value ORDER BY n DESC, value",
                params![ds, &field],
            )?;
            let mut values = Vec::new();
            let mut suppressed_values = 0;
            for r in rows {
                match open::suppress_small(r.int(1)? as u64, min_cell) {
                    Some(count) if values.len() < limit.clamp(1, 1000) => values.push(ValueCount {
                        value: r.text(0)?,
                        count,
                    }),
                    Some(_) => {}
                    None => suppressed_values += 1,
                }
            }
            Ok(FieldCounts {
                field,
                min_cell,
                values,
                suppressed_values,
            })
        })
        .await
    }
}
