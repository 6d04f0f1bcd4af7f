//! The open-data portal's use cases (公共数据开放): releases (`release`), the portal's copy of
//! released data with public items only (`sync`), reads of its rows (`rows`), and the
//! in-memory list of released datasets every search answers from (this module).
//!
//! Nothing the public reads comes from the resources' own records: the portal reads only its
//! copy, which never holds an item graded 重要 or 核心 or marked personal (ADR 0006).
pub mod bulk;
pub mod distributions;
pub mod governance;
pub mod public;
pub mod release;
pub mod rows;
pub mod sync;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use serde::Serialize;
use shuqiao_core::catalog::{Category, Format, InfoItem, OpenType, ResourceMeta, UpdateCycle};
use shuqiao_core::open::{self, Assessment};
use shuqiao_core::{search, DomainError};

use crate::db::Conn;
use crate::{from_json, params, Result, Store};

/// One released dataset as the public sees it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OpenDataset {
    /// The public id: stable, UUID-shaped (`open::dataset_id`).
    pub id: String,
    pub code: String,
    pub slug: String,
    pub name: String,
    pub name_en: String,
    pub summary: String,
    pub provider: String,
    pub provider_name: String,
    pub provider_name_en: String,
    pub region: String,
    pub category: Category,
    pub open_type: OpenType,
    pub open_condition: Option<String>,
    pub update_cycle: UpdateCycle,
    pub format: Format,
    pub keywords: Vec<String>,
    /// The public items only, in catalogue order.
    pub items: Vec<InfoItem>,
    pub version: i64,
    /// First released (dct:issued).
    pub issued_at: i64,
    /// Last change of its metadata or of its public rows.
    pub modified_at: i64,
    /// Rows in the portal's copy.
    pub rows: i64,
    pub assessment: Assessment,
}

impl OpenDataset {
    /// Whether the public may read its rows without a key (无条件开放).
    pub fn rows_are_public(&self) -> bool {
        self.open_type == OpenType::Open
    }
}

/// How a search orders its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OpenSort {
    /// Best match first (by name when there is no query).
    #[default]
    Relevance,
    NameAsc,
    NameDesc,
    ModifiedDesc,
    ModifiedAsc,
    IssuedDesc,
    IssuedAsc,
    /// By the public id (what harvesters page by).
    IdAsc,
    IdDesc,
    /// By the Chinese name.
    TitleAsc,
    TitleDesc,
}

/// A search of released datasets. Every filter is optional; a filter with several values
/// matches any of them, and `exclude_providers` drops datasets of those providers.
#[derive(Debug, Clone, Default)]
pub struct OpenQuery {
    pub q: Option<String>,
    pub providers: Vec<String>,
    pub exclude_providers: Vec<String>,
    pub categories: Vec<Category>,
    pub regions: Vec<String>,
    pub formats: Vec<Format>,
    pub update_cycles: Vec<UpdateCycle>,
    pub open_types: Vec<OpenType>,
    pub keywords: Vec<String>,
    pub modified_from: Option<i64>,
    pub modified_to: Option<i64>,
    pub sort: OpenSort,
    pub offset: usize,
    pub limit: usize,
}

/// The facets a search can count by.
pub const FACETS: &[&str] = &[
    "provider",
    "category",
    "region",
    "format",
    "update_cycle",
    "open_type",
    "keyword",
];

#[derive(Debug, Clone, PartialEq, Default)]
pub struct OpenPage {
    pub total: usize,
    pub items: Vec<Arc<OpenDataset>>,
    /// Facet → (value → count), for the facets asked for.
    pub facets: BTreeMap<String, BTreeMap<String, usize>>,
}

/// A provider with released datasets.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OpenOrg {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub datasets: usize,
}

/// Every released dataset, in memory, caught up through `catalog_seq` like the catalog's
/// own index: a release, a review and each sync that changes rows stamp the resource.
#[derive(Default)]
pub(crate) struct OpenIndex(RwLock<OpenState>);

#[derive(Default)]
struct OpenState {
    seq: i64,
    loaded: bool,
    by_code: HashMap<String, Arc<OpenDataset>>,
    by_slug: HashMap<String, String>,
    by_id: HashMap<String, String>,
    /// distribution id → code.
    by_dist: HashMap<String, String>,
    /// term → codes holding it, with a weight.
    postings: HashMap<String, Vec<(String, u32)>>,
}

const DATASET_COLS: &str =
    "rl.code, rl.slug, rl.assessment, rl.released_at, rl.modified_at, rl.rows,
    r.published_version, r.region, o.name, o.name_en, v.meta";

fn dataset_from_row(r: &crate::db::Row) -> Result<Option<OpenDataset>> {
    let code = r.text(0)?;
    let meta: ResourceMeta = from_json(&r.text(10)?)?;
    if meta.open_type == OpenType::Closed {
        return Ok(None);
    }
    Ok(Some(OpenDataset {
        id: open::dataset_id(&code),
        slug: r.text(1)?,
        assessment: from_json(&r.text(2)?)?,
        issued_at: r.opt_int(3)?.unwrap_or(0),
        modified_at: r.int(4)?,
        rows: r.int(5)?,
        version: r.opt_int(6)?.unwrap_or(0),
        region: r.text(7)?,
        provider_name: r.text(8)?,
        provider_name_en: r.text(9)?,
        code,
        name: meta.name.clone(),
        name_en: meta.name_en.clone(),
        summary: meta.summary.clone(),
        provider: meta.provider.clone(),
        category: meta.classification.category,
        open_type: meta.open_type,
        open_condition: meta.open_condition.clone(),
        update_cycle: meta.update_cycle,
        format: meta.format,
        keywords: meta.keywords.clone(),
        items: open::public_items(&meta).into_iter().cloned().collect(),
    }))
}

/// Loads released datasets: all of them, or those whose resource changed after `after`.
fn load_released(
    c: &mut dyn Conn,
    after: Option<(i64, i64)>,
) -> Result<Vec<(String, Option<OpenDataset>)>> {
    let (cond, args) = match after {
        Some((from, to)) => (
            "r.change_seq > $1 AND r.change_seq <= $2",
            params![from, to],
        ),
        None => ("rl.state = 'released'", params![]),
    };
    let sql = format!(
        "SELECT {DATASET_COLS}, rl.state FROM resources r
         JOIN open_releases rl ON rl.code = r.code
         JOIN orgs o ON o.code = r.provider
         JOIN resource_versions v ON v.code = r.code AND v.version = r.published_version
         WHERE {cond} AND r.status = 'published'"
    );
    let mut out = Vec::new();
    for row in c.query(&sql, args)? {
        let code = row.text(0)?;
        let released = row.text(11)? == "released";
        out.push((
            code,
            if released {
                dataset_from_row(&row)?
            } else {
                None
            },
        ));
    }
    if let Some((from, to)) = after {
        // Resources that changed but are no longer published or released drop out.
        for row in c.query(
            "SELECT code FROM resources WHERE change_seq > $1 AND change_seq <= $2",
            params![from, to],
        )? {
            let code = row.text(0)?;
            if !out.iter().any(|(c, _)| *c == code) {
                out.push((code, None));
            }
        }
    }
    Ok(out)
}

fn terms_of(d: &OpenDataset) -> BTreeMap<String, u32> {
    let mut t: BTreeMap<String, u32> = BTreeMap::new();
    let mut add = |text: &str, w: u32| {
        for term in search::index_terms(text) {
            let e = t.entry(term).or_default();
            *e = (*e).max(w);
        }
    };
    add(&d.name, 8);
    add(&d.name_en, 6);
    for k in &d.keywords {
        add(k, 5);
    }
    add(&d.provider_name, 3);
    add(&d.provider_name_en, 2);
    add(&d.summary, 2);
    for i in &d.items {
        add(&i.name, 1);
    }
    t
}

impl OpenState {
    fn remove(&mut self, code: &str) {
        if let Some(old) = self.by_code.remove(code) {
            self.by_slug.remove(&old.slug);
            self.by_id.remove(&old.id);
            for id in distributions::ids(&old.code) {
                self.by_dist.remove(&id);
            }
            for term in terms_of(&old).keys() {
                if let Some(list) = self.postings.get_mut(term) {
                    list.retain(|(c, _)| c != code);
                }
            }
        }
    }

    fn insert(&mut self, d: OpenDataset) {
        let code = d.code.clone();
        for (term, w) in terms_of(&d) {
            self.postings
                .entry(term)
                .or_default()
                .push((code.clone(), w));
        }
        self.by_slug.insert(d.slug.clone(), code.clone());
        self.by_id.insert(d.id.clone(), code.clone());
        for id in distributions::ids(&code) {
            self.by_dist.insert(id, code.clone());
        }
        self.by_code.insert(code, Arc::new(d));
    }

    fn catch_up(&mut self, c: &mut dyn Conn, last: i64) -> Result<()> {
        let changed = if self.loaded {
            load_released(c, Some((self.seq, last)))?
        } else {
            *self = OpenState::default();
            load_released(c, None)?
        };
        for (code, d) in changed {
            self.remove(&code);
            if let Some(d) = d {
                self.insert(d);
            }
        }
        self.loaded = true;
        self.seq = last;
        Ok(())
    }

    /// Codes matching every query term, with summed weights; `None` without terms.
    fn matching(&self, q: Option<&str>) -> Option<HashMap<&str, u32>> {
        let terms: Vec<String> = q.map(search::query_terms)?.into_iter().collect();
        if terms.is_empty() {
            return None;
        }
        let mut acc: Option<HashMap<&str, u32>> = None;
        for t in &terms {
            let list = self.postings.get(t).map(Vec::as_slice).unwrap_or(&[]);
            let here: HashMap<&str, u32> = list.iter().map(|(c, w)| (c.as_str(), *w)).collect();
            acc = Some(match acc {
                None => here,
                Some(prev) => prev
                    .into_iter()
                    .filter_map(|(c, w)| here.get(c).map(|w2| (c, w + w2)))
                    .collect(),
            });
        }
        acc
    }

    fn search(&self, q: &OpenQuery, facets: &[&str]) -> OpenPage {
        let scores = self.matching(q.q.as_deref());
        let mut hits: Vec<(&Arc<OpenDataset>, u32)> = match &scores {
            Some(s) => s
                .iter()
                .filter_map(|(c, w)| self.by_code.get(*c).map(|d| (d, *w)))
                .collect(),
            None => self.by_code.values().map(|d| (d, 0)).collect(),
        };
        hits.retain(|(d, _)| passes(d, q));
        let mut counts: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        for f in facets {
            let m = counts.entry((*f).to_string()).or_default();
            for (d, _) in &hits {
                for v in facet_values(d, f) {
                    *m.entry(v).or_default() += 1;
                }
            }
        }
        sort_hits(&mut hits, q.sort);
        let total = hits.len();
        let items = hits
            .into_iter()
            .skip(q.offset)
            .take(q.limit)
            .map(|(d, _)| d.clone())
            .collect();
        OpenPage {
            total,
            items,
            facets: counts,
        }
    }
}

fn sort_hits(hits: &mut [(&Arc<OpenDataset>, u32)], sort: OpenSort) {
    // Ties always fall back to the slug, so paging never repeats or skips a dataset.
    hits.sort_unstable_by(|(a, wa), (b, wb)| {
        let first = match sort {
            OpenSort::Relevance => wb.cmp(wa),
            OpenSort::NameAsc => a.name_en.to_lowercase().cmp(&b.name_en.to_lowercase()),
            OpenSort::NameDesc => b.name_en.to_lowercase().cmp(&a.name_en.to_lowercase()),
            OpenSort::ModifiedDesc => b.modified_at.cmp(&a.modified_at),
            OpenSort::ModifiedAsc => a.modified_at.cmp(&b.modified_at),
            OpenSort::IssuedDesc => b.issued_at.cmp(&a.issued_at),
            OpenSort::IssuedAsc => a.issued_at.cmp(&b.issued_at),
            OpenSort::IdAsc => a.id.cmp(&b.id),
            OpenSort::IdDesc => b.id.cmp(&a.id),
            OpenSort::TitleAsc => a.name.cmp(&b.name),
            OpenSort::TitleDesc => b.name.cmp(&a.name),
        };
        first.then_with(|| a.slug.cmp(&b.slug))
    });
}

/// The values a dataset counts under in a facet.
pub fn facet_values(d: &OpenDataset, facet: &str) -> Vec<String> {
    match facet {
        "provider" => vec![d.provider.clone()],
        "category" => vec![d.category.as_str().to_string()],
        "region" => vec![d.region.clone()],
        "format" => vec![d.format.as_str().to_string()],
        "update_cycle" => vec![d.update_cycle.as_str().to_string()],
        "open_type" => vec![d.open_type.as_str().to_string()],
        "keyword" => d.keywords.clone(),
        _ => vec![],
    }
}

fn any_or_all<T: PartialEq>(wanted: &[T], v: &T) -> bool {
    wanted.is_empty() || wanted.contains(v)
}

fn passes(d: &OpenDataset, q: &OpenQuery) -> bool {
    any_or_all(&q.providers, &d.provider)
        && !q.exclude_providers.contains(&d.provider)
        && any_or_all(&q.categories, &d.category)
        && (q.regions.is_empty()
            || q.regions
                .iter()
                .any(|r| shuqiao_core::region::is_within(&d.region, r)))
        && any_or_all(&q.formats, &d.format)
        && any_or_all(&q.update_cycles, &d.update_cycle)
        && any_or_all(&q.open_types, &d.open_type)
        && (q.keywords.is_empty() || q.keywords.iter().any(|k| d.keywords.contains(k)))
        && q.modified_from.is_none_or(|t| d.modified_at >= t)
        && q.modified_to.is_none_or(|t| d.modified_at <= t)
}

fn current_seq(c: &mut dyn Conn) -> Result<i64> {
    Ok(
        c.query_one("SELECT last FROM catalog_seq WHERE id = 1", &[])?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(0),
    )
}

impl OpenIndex {
    /// Runs `f` on the released datasets once they hold every change committed so far.
    fn with_current<R>(&self, c: &mut dyn Conn, f: impl FnOnce(&OpenState) -> R) -> Result<R> {
        let last = current_seq(c)?;
        {
            let s = self.0.read().unwrap_or_else(|e| e.into_inner());
            if s.loaded && s.seq == last {
                return Ok(f(&s));
            }
        }
        let mut s = self.0.write().unwrap_or_else(|e| e.into_inner());
        if !s.loaded || s.seq < last {
            s.catch_up(c, last)?;
        }
        Ok(f(&s))
    }
}

/// The answer for a dataset the caller may not see: the same as for one that never existed.
pub(crate) fn dataset_not_found() -> DomainError {
    DomainError::not_found(
        "dataset_not_found",
        "没有这个数据集：请检查名称，或在开放数据目录中搜索",
        "no such dataset: check the name, or search the open-data catalogue",
    )
}

impl Store {
    /// Searches released datasets; `facets` names the facets to count (see [`FACETS`]).
    pub async fn open_search(&self, q: OpenQuery, facets: Vec<String>) -> Result<OpenPage> {
        let index = self.open.clone();
        self.read(move |c| {
            let names: Vec<&str> = facets
                .iter()
                .map(String::as_str)
                .filter(|f| FACETS.contains(f))
                .collect();
            index.with_current(c, |s| s.search(&q, &names))
        })
        .await
    }

    /// A released dataset by its name (slug), its public id or its resource code.
    pub async fn open_dataset(&self, name_or_id: &str) -> Result<Arc<OpenDataset>> {
        let index = self.open.clone();
        let key = name_or_id.to_string();
        self.read(move |c| {
            index.with_current(c, |s| {
                let code = s
                    .by_slug
                    .get(&key)
                    .or_else(|| s.by_id.get(&key))
                    .cloned()
                    .unwrap_or(key);
                s.by_code.get(&code).cloned()
            })
        })
        .await?
        .ok_or_else(|| dataset_not_found().into())
    }

    /// Every released dataset's name, sorted.
    pub async fn open_names(&self) -> Result<Vec<String>> {
        let index = self.open.clone();
        self.read(move |c| {
            index.with_current(c, |s| {
                let mut names: Vec<String> = s.by_slug.keys().cloned().collect();
                names.sort();
                names
            })
        })
        .await
    }

    /// Providers with released datasets, with their counts, by code.
    pub async fn open_orgs(&self) -> Result<Vec<OpenOrg>> {
        let index = self.open.clone();
        self.read(move |c| {
            index.with_current(c, |s| {
                let mut by: BTreeMap<&str, OpenOrg> = BTreeMap::new();
                for d in s.by_code.values() {
                    by.entry(d.provider.as_str())
                        .or_insert_with(|| OpenOrg {
                            code: d.provider.clone(),
                            name: d.provider_name.clone(),
                            name_en: d.provider_name_en.clone(),
                            datasets: 0,
                        })
                        .datasets += 1;
                }
                by.into_values().collect()
            })
        })
        .await
    }

    /// A released dataset's history: each published version and each batch that changed its
    /// data, newest first, at most `limit`.
    pub async fn open_history(&self, code: &str, limit: usize) -> Result<Vec<HistoryEntry>> {
        let code = code.to_string();
        self.read(move |c| history(c, &code, limit)).await
    }
}

/// One entry of a dataset's update history.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HistoryEntry {
    pub at: i64,
    /// `version` (new metadata) or `data` (a batch changed rows).
    pub kind: &'static str,
    pub version: Option<i64>,
    pub inserted: i64,
    pub updated: i64,
    pub deleted: i64,
}

fn history(c: &mut dyn Conn, code: &str, limit: usize) -> Result<Vec<HistoryEntry>> {
    let limit = limit.clamp(1, 500) as i64;
    let mut out = Vec::new();
    for r in c.query(
        "SELECT version, published_at FROM resource_versions WHERE code = $1
         ORDER BY version DESC LIMIT $2",
        params![code, limit],
    )? {
        out.push(HistoryEntry {
            at: r.int(1)?,
            kind: "version",
            version: Some(r.int(0)?),
            inserted: 0,
            updated: 0,
            deleted: 0,
        });
    }
    for r in c.query(
        "SELECT finished_at, inserted, updated, deleted FROM collect_batches
         WHERE resource = $1 AND status = 'applied' AND (inserted + updated + deleted) > 0
         ORDER BY id DESC LIMIT $2",
        params![code, limit],
    )? {
        out.push(HistoryEntry {
            at: r.opt_int(0)?.unwrap_or(0),
            kind: "data",
            version: None,
            inserted: r.int(1)?,
            updated: r.int(2)?,
            deleted: r.int(3)?,
        });
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.at));
    out.truncate(limit as usize);
    Ok(out)
}
