//! The upper levels of the Merkle tree, held in memory by every process.
//!
//! Why this is always correct: a stored node never changes once its transaction has committed
//! (the log only grows), so a copy of it can never go stale. Only *new* nodes can be missing
//! from the copy, and a miss simply reads them from the database. Nothing uncommitted ever
//! enters the cache: it is filled from the database (which shows only committed rows) or by
//! the sequencer after its batch has committed. That keeps replicas on one PostgreSQL database
//! coherent without any messaging: whoever grew the tree, the others read the new nodes on
//! their first miss.
//!
//! Why only the upper levels: level `l` holds `size >> l` nodes, so from level 8 upwards the
//! whole cache is under 1/128 of the leaf count (2.5 MB at 10,000,000 entries), while an
//! inclusion proof needs about as many upper nodes as lower ones. The lower levels stay in
//! the database and are read with one fixed-shape point lookup.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

use shuqiao_core::audit::merkle::{Hash, NodeId};

use super::{hash_of, missing_node};
use crate::Result;
use shuqiao_db::{Conn, Value};

/// The lowest level kept in memory by default.
pub(crate) const DEFAULT_FROM_LEVEL: u32 = 8;

pub(crate) struct NodeCache {
    from_level: u32,
    inner: RwLock<Levels>,
    /// One loader at a time, so concurrent misses read the database once.
    loading: Mutex<()>,
    /// The largest committed tree size this process has seen. The head only grows, so a
    /// proof for a size up to this one needs no read of the head row.
    known_size: AtomicU64,
}

#[derive(Default)]
struct Levels {
    /// The tree size the levels describe: level `from_level + i` holds exactly the nodes
    /// `0 .. size >> (from_level + i)`, in index order.
    size: u64,
    levels: Vec<Vec<Hash>>,
}

impl Default for NodeCache {
    fn default() -> Self {
        NodeCache::new(DEFAULT_FROM_LEVEL)
    }
}

impl NodeCache {
    pub(crate) fn new(from_level: u32) -> NodeCache {
        NodeCache {
            from_level,
            inner: RwLock::default(),
            loading: Mutex::new(()),
            known_size: AtomicU64::new(0),
        }
    }

    pub(crate) fn known_size(&self) -> u64 {
        self.known_size.load(Ordering::Acquire)
    }

    /// Notes a committed head size read from the database.
    pub(crate) fn saw_head(&self, size: u64) {
        self.known_size.fetch_max(size, Ordering::AcqRel);
    }

    /// Notes the head as read under its lock by the sequencer, where it is the latest committed
    /// size. Smaller than a size seen before, it means the database was replaced (restored
    /// from a backup): the copy may hold nodes of a history that no longer exists, so it is
    /// dropped. (A plain reader cannot tell: its read may simply predate a commit.)
    pub(crate) fn saw_head_locked(&self, size: u64) {
        if size < self.known_size() {
            let mut w = self.inner.write().unwrap_or_else(|p| p.into_inner());
            *w = Levels::default();
            self.known_size.store(size, Ordering::Release);
        } else {
            self.saw_head(size);
        }
    }

    fn get(&self, levels: &Levels, id: NodeId) -> Option<Hash> {
        let l = id.level.checked_sub(self.from_level)? as usize;
        levels
            .levels
            .get(l)?
            .get(usize::try_from(id.index).ok()?)
            .copied()
    }

    /// Every node in `ids` of a tree of (at most) `size` leaves, `size` being committed:
    /// upper ones from memory (catching up from the database when the tree has grown), the
    /// rest with point lookups.
    pub(crate) fn nodes(
        &self,
        c: &mut dyn Conn,
        ids: &[NodeId],
        size: u64,
    ) -> Result<HashMap<NodeId, Hash>> {
        let mut out = HashMap::with_capacity(ids.len());
        let mut lower = Vec::new();
        let mut upper_missing = Vec::new();
        {
            let r = self.inner.read().unwrap_or_else(|p| p.into_inner());
            for &id in ids {
                if id.level < self.from_level {
                    lower.push(id);
                } else if let Some(h) = self.get(&r, id) {
                    out.insert(id, h);
                } else {
                    upper_missing.push(id);
                }
            }
        }
        if !upper_missing.is_empty() {
            self.catch_up(c, size)?;
            let r = self.inner.read().unwrap_or_else(|p| p.into_inner());
            for id in upper_missing {
                out.insert(id, self.get(&r, id).ok_or_else(|| missing_node(id))?);
            }
        }
        out.extend(super::load_nodes(c, &lower)?);
        Ok(out)
    }

    /// Reads the upper nodes that complete between the cached size and `size` (committed).
    fn catch_up(&self, c: &mut dyn Conn, size: u64) -> Result<()> {
        let _one = self.loading.lock().unwrap_or_else(|p| p.into_inner());
        let from_size = self.inner.read().unwrap_or_else(|p| p.into_inner()).size;
        if from_size >= size {
            return Ok(());
        }
        let mut fresh = Vec::new();
        let mut level = self.from_level;
        while level < 64 && (size >> level) > 0 {
            let (lo, hi) = (from_size >> level, size >> level);
            if hi > lo && c.backend() == shuqiao_db::Backend::Sqlite {
                // SQLite keeps nodes by position, not by level: read these by id.
                let ids: Vec<NodeId> = (lo..hi).map(|index| NodeId { level, index }).collect();
                let found = super::load_nodes(c, &ids)?;
                for id in ids {
                    let h = found.get(&id).copied().ok_or_else(|| missing_node(id))?;
                    fresh.push((id, h));
                }
            } else if hi > lo {
                let rows = c.query(
                    "SELECT idx, hash FROM audit_nodes WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
                    &[
                        Value::Int(level as i64),
                        Value::Int(lo as i64),
                        Value::Int(hi as i64),
                    ],
                )?;
                for (expected, r) in (lo..hi).zip(&rows) {
                    let id = NodeId {
                        level,
                        index: expected,
                    };
                    if r.int(0)? as u64 != expected {
                        return Err(missing_node(id));
                    }
                    fresh.push((id, hash_of(&r.0[1])?));
                }
                if (rows.len() as u64) < hi - lo {
                    return Err(missing_node(NodeId {
                        level,
                        index: lo + rows.len() as u64,
                    }));
                }
            }
            level += 1;
        }
        self.merge(from_size, size, fresh.into_iter());
        Ok(())
    }

    /// Adds the upper nodes completed between tree sizes `from` and `to`, both committed.
    /// `nodes` must hold every upper node completed in that span (other nodes are ignored).
    /// Nothing changes unless the cache is exactly at `from`, so a cache that fell behind
    /// (another process grew the tree) is filled by the next miss instead.
    pub(crate) fn record(&self, from: u64, to: u64, nodes: &HashMap<NodeId, Hash>) {
        self.known_size.fetch_max(to, Ordering::AcqRel);
        let mut fresh = Vec::new();
        let mut level = self.from_level;
        while level < 64 && (to >> level) > 0 {
            for index in (from >> level)..(to >> level) {
                let id = NodeId { level, index };
                match nodes.get(&id) {
                    Some(h) => fresh.push((id, *h)),
                    None => return,
                }
            }
            level += 1;
        }
        self.merge(from, to, fresh.into_iter());
    }

    /// Appends the nodes of the span `from..to` (every upper node completed in it, in index
    /// order per level) if the cache is at `from`; a concurrent loader may have got there
    /// first, in which case the nodes already held are skipped.
    fn merge(&self, from: u64, to: u64, nodes: impl Iterator<Item = (NodeId, Hash)>) {
        let mut w = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if w.size < from || w.size >= to {
            return;
        }
        for (id, h) in nodes {
            let l = (id.level - self.from_level) as usize;
            if w.levels.len() <= l {
                w.levels.resize_with(l + 1, Vec::new);
            }
            let level = &mut w.levels[l];
            if level.len() as u64 == id.index {
                level.push(h);
            }
        }
        w.size = to;
    }
}
