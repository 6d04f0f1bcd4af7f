//! The catalog search index, held in memory by every server process.
//!
//! `resource_terms` in the database stays the source of truth. Every catalog change bumps
//! `catalog_seq` and stamps the resource's `change_seq` in the same transaction; a search first
//! reads the counter (one primary-key read) and, when it moved, loads just the changed
//! resources. Several replicas on one PostgreSQL therefore stay coherent without messaging.
//! The counter's row lock orders writers, so a sequence number is visible only once every
//! smaller one is.
use std::collections::HashMap;
use std::sync::RwLock;

use shuqiao_core::catalog::{Category, Grade, OpenType, ShareType, Status, Visibility};
use shuqiao_core::{region, search};

use crate::catalog::{
    summary_from_row, Page, ResourceSummary, SearchQuery, MAX_PAGE, SUMMARY_COLS,
};
use crate::db::{Conn, DbError};
use crate::{params, Result};

/// Stamps `code` as changed by the current transaction.
pub(crate) fn mark_changed(c: &mut dyn Conn, code: &str) -> Result<()> {
    let seq = c
        .query_one(
            "UPDATE catalog_seq SET last = last + 1 WHERE id = 1 RETURNING last",
            &[],
        )?
        .ok_or(DbError::Other("catalog_seq row missing".into()))?
        .int(0)?;
    c.execute(
        "UPDATE resources SET change_seq = $1 WHERE code = $2",
        params![seq, code],
    )?;
    Ok(())
}

fn current_seq(c: &mut dyn Conn) -> Result<i64> {
    Ok(
        c.query_one("SELECT last FROM catalog_seq WHERE id = 1", &[])?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(0),
    )
}

/// One resource as the index knows it: the list entry plus its filter fields, parsed once.
struct Doc {
    summary: ResourceSummary,
    status: Option<Status>,
    open: OpenType,
    share: Option<ShareType>,
    category: Option<Category>,
    grade: Option<Grade>,
}

impl Doc {
    fn new(summary: ResourceSummary) -> Doc {
        Doc {
            status: Status::parse(&summary.status),
            open: OpenType::parse(&summary.open_type).unwrap_or(OpenType::Closed),
            share: ShareType::parse(&summary.share_type),
            category: Category::parse(&summary.category),
            grade: Grade::parse(&summary.grade),
            summary,
        }
    }

    fn passes(&self, vis: &Visibility, q: &SearchQuery, regions: Option<&[&str]>) -> bool {
        let s = &self.summary;
        let status = q.status.unwrap_or(Status::Published);
        self.status == Some(status)
            && vis.may_see(status, &s.provider, self.open)
            && q.provider.as_ref().is_none_or(|p| *p == s.provider)
            && regions.is_none_or(|r| r.contains(&s.region.as_str()))
            && q.category.is_none_or(|v| self.category == Some(v))
            && q.share_type.is_none_or(|v| self.share == Some(v))
            && q.open_type.is_none_or(|v| self.open == v)
            && q.grade.is_none_or(|v| self.grade == Some(v))
    }
}

/// Documents get a new id each time they change; the old id becomes a tombstone, so posting
/// lists only ever grow at the end and stay sorted without rewriting.
#[derive(Default)]
struct Index {
    loaded: bool,
    seq: i64,
    docs: Vec<Option<Doc>>,
    by_code: HashMap<String, u32>,
    /// term → (doc id, weight), ascending doc id.
    postings: HashMap<String, Vec<(u32, u32)>>,
    /// Live doc ids in code order, for listings without search words.
    ordered: Vec<u32>,
    dead: usize,
}

impl Index {
    fn needs_rebuild(&self) -> bool {
        !self.loaded || self.dead > 1000 && self.dead > self.by_code.len() / 4
    }

    /// Loads every resource changed after `self.seq`, up to `last`.
    fn catch_up(&mut self, c: &mut dyn Conn, last: i64) -> Result<()> {
        if self.needs_rebuild() {
            *self = Index::default();
            self.seq = -1;
        }
        let rows = c.query(
            &format!(
                "SELECT {SUMMARY_COLS} FROM resources r JOIN orgs o ON o.code = r.provider
                 WHERE r.change_seq > $1 AND r.change_seq <= $2 ORDER BY r.code"
            ),
            params![self.seq, last],
        )?;
        let full = self.seq < 0;
        // A full load reads every term in one pass; a catch-up reads the few changed
        // resources' terms through the index on `code`.
        let terms = if full {
            c.query(
                "SELECT code, term, weight FROM resource_terms ORDER BY code",
                &[],
            )?
        } else {
            let mut t = Vec::new();
            for row in &rows {
                let code = row.text(0)?;
                t.extend(c.query(
                    "SELECT code, term, weight FROM resource_terms WHERE code = $1",
                    params![code],
                )?);
            }
            t
        };
        let mut fresh_ids = Vec::with_capacity(rows.len());
        for row in &rows {
            let doc = Doc::new(summary_from_row(row)?);
            let id = self.docs.len() as u32;
            let old = self.by_code.insert(doc.summary.code.clone(), id);
            if let Some(old) = old {
                self.docs[old as usize] = None;
                self.dead += 1;
            }
            self.docs.push(Some(doc));
            fresh_ids.push((id, old));
        }
        // Terms arrive in code order and new ids were given in code order, so each posting
        // list receives its new ids in ascending order.
        for t in &terms {
            let code = t.text(0)?;
            if let Some(&id) = self.by_code.get(&code) {
                let weight = t.int(2)?.max(0) as u32;
                self.postings
                    .entry(t.text(1)?)
                    .or_default()
                    .push((id, weight));
            }
        }
        if full {
            let mut ordered: Vec<u32> = self.by_code.values().copied().collect();
            ordered.sort_unstable_by(|a, b| self.code(*a).cmp(self.code(*b)));
            self.ordered = ordered;
        } else {
            for (id, old) in fresh_ids {
                let code = self.code(id).to_string();
                match old.and_then(|o| self.ordered.iter().position(|&x| x == o)) {
                    Some(pos) => self.ordered[pos] = id,
                    None => {
                        let pos = self
                            .ordered
                            .partition_point(|&x| self.code(x) < code.as_str());
                        self.ordered.insert(pos, id);
                    }
                }
            }
        }
        self.loaded = true;
        self.seq = last;
        Ok(())
    }

    fn code(&self, id: u32) -> &str {
        self.docs[id as usize]
            .as_ref()
            .map(|d| d.summary.code.as_str())
            .unwrap_or("")
    }

    fn live(&self, id: u32) -> Option<&Doc> {
        self.docs.get(id as usize).and_then(Option::as_ref)
    }

    /// Doc ids holding every term, with the summed weights.
    fn matching(&self, terms: &[String]) -> Vec<(u32, u32)> {
        let mut lists = Vec::with_capacity(terms.len());
        for t in terms {
            match self.postings.get(t) {
                Some(l) => lists.push(l.as_slice()),
                None => return Vec::new(),
            }
        }
        lists.sort_by_key(|l| l.len());
        let (first, rest) = lists
            .split_first()
            .map(|(f, r)| (*f, r))
            .unwrap_or((&[], &[]));
        first
            .iter()
            .filter_map(|&(id, w)| {
                let mut score = w;
                for l in rest {
                    let i = l.binary_search_by_key(&id, |&(d, _)| d).ok()?;
                    score += l[i].1;
                }
                Some((id, score))
            })
            .collect()
    }

    /// Every live resource the query matches, in no particular order.
    fn each_hit(&self, vis: &Visibility, q: &SearchQuery, f: &mut dyn FnMut(&ResourceSummary)) {
        let within: Option<Vec<&str>> = q.region.as_ref().map(|reg| {
            region::REGIONS
                .iter()
                .filter(|r| region::is_within(r.code, reg))
                .map(|r| r.code)
                .collect()
        });
        let terms: Vec<String> =
            q.q.as_deref()
                .map(search::query_terms)
                .unwrap_or_default()
                .into_iter()
                .collect();
        let mut visit = |id: u32| {
            if let Some(d) = self.live(id) {
                if d.passes(vis, q, within.as_deref()) {
                    f(&d.summary);
                }
            }
        };
        if terms.is_empty() {
            self.ordered.iter().for_each(|&id| visit(id));
        } else {
            self.matching(&terms)
                .into_iter()
                .for_each(|(id, _)| visit(id));
        }
    }

    fn search(&self, vis: &Visibility, q: &SearchQuery) -> Page<ResourceSummary> {
        let limit = q.limit.clamp(1, MAX_PAGE) as usize;
        let offset = q.offset as usize;
        let within: Option<Vec<&str>> = q.region.as_ref().map(|reg| {
            region::REGIONS
                .iter()
                .filter(|r| region::is_within(r.code, reg))
                .map(|r| r.code)
                .collect()
        });
        let passes = |id: u32| {
            self.live(id)
                .is_some_and(|d| d.passes(vis, q, within.as_deref()))
        };
        let terms: Vec<String> =
            q.q.as_deref()
                .map(search::query_terms)
                .unwrap_or_default()
                .into_iter()
                .collect();
        let page: Vec<u32>;
        let total;
        if terms.is_empty() {
            let hits: Vec<u32> = self
                .ordered
                .iter()
                .copied()
                .filter(|&id| passes(id))
                .collect();
            total = hits.len();
            page = hits.into_iter().skip(offset).take(limit).collect();
        } else {
            let mut hits: Vec<(u32, u32)> = self
                .matching(&terms)
                .into_iter()
                .filter(|&(id, _)| passes(id))
                .collect();
            total = hits.len();
            // Best score first, then code; only the requested page needs to be in order.
            let by_rank = |a: &(u32, u32), b: &(u32, u32)| {
                b.1.cmp(&a.1)
                    .then_with(|| self.code(a.0).cmp(self.code(b.0)))
            };
            let end = (offset + limit).min(hits.len());
            if end > 0 && end < hits.len() {
                hits.select_nth_unstable_by(end - 1, by_rank);
                hits.truncate(end);
            }
            hits.sort_unstable_by(by_rank);
            page = hits.into_iter().skip(offset).map(|(id, _)| id).collect();
        }
        let items = page
            .into_iter()
            .filter_map(|id| self.live(id))
            .map(|d| d.summary.clone())
            .collect();
        Page {
            items,
            total: total as i64,
        }
    }
}

/// The index and its lock: searches share it; catching up takes it briefly for writing.
#[derive(Default)]
pub(crate) struct SearchIndex(RwLock<Index>);

impl SearchIndex {
    pub(crate) fn search(
        &self,
        c: &mut dyn Conn,
        vis: &Visibility,
        q: &SearchQuery,
    ) -> Result<Page<ResourceSummary>> {
        self.with_current(c, |idx| idx.search(vis, q))
    }

    /// Visits every resource the search matches (not only one page), for counts by facet.
    pub(crate) fn for_each_hit(
        &self,
        c: &mut dyn Conn,
        vis: &Visibility,
        q: &SearchQuery,
        mut f: impl FnMut(&ResourceSummary),
    ) -> Result<()> {
        self.with_current(c, |idx| idx.each_hit(vis, q, &mut f))
    }

    /// Runs `f` on the index once it holds every catalog change committed so far.
    fn with_current<R>(&self, c: &mut dyn Conn, f: impl FnOnce(&Index) -> R) -> Result<R> {
        let last = current_seq(c)?;
        {
            let idx = self.0.read().unwrap_or_else(|p| p.into_inner());
            if idx.loaded && idx.seq >= last {
                return Ok(f(&idx));
            }
        }
        let mut idx = self.0.write().unwrap_or_else(|p| p.into_inner());
        if !idx.loaded || idx.seq < last {
            idx.catch_up(c, last)?;
        }
        Ok(f(&idx))
    }
}
