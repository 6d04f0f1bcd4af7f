//! SQLite: the audit journal. The sequencer commits each batch as one row of its own file
//! (`shuqiao-audit-journal.db`) — the entries' canonical bytes, the nodes they complete, the
//! signed checkpoint and the tree's right edge after it — and a caller's receipt is handed
//! out once that commit is durable. The spreader then moves the rows into the audit file's
//! tables (entries, nodes, checkpoints, exchange usage) many batches to a transaction, and
//! deletes them from the journal.
//!
//! Why: a sequencing commit to the audit file wrote its entries, their two indexes, the nodes,
//! the checkpoint, the usage counters and the head — 7 to 18 pages in ~15 writes — and its
//! log only grew, so every fdatasync also committed the file's new size. One row to a file
//! that stays small (its log is overwritten from the start after each checkpoint) costs a
//! few pages, and the work per entry moves to transactions of hundreds of batches.
//!
//! Every read of the log's tables first moves whatever the journal holds (`Store::
//! audit_spread`), so a reader never sees less than has been acknowledged. A quota counts the
//! journal's calls beside the usage table (`calls_in_journal`).
use shuqiao_core::audit::entry::Entry;
use shuqiao_core::audit::merkle::{Hash, NodeId};

use crate::db::{Conn, DbError, Value};
use crate::{params, Result};

const BODY_V1: u8 = 1;

/// Stored nodes with their places in the tree.
pub(crate) type Nodes = Vec<(NodeId, Hash)>;

/// One sequenced batch as the journal keeps it.
pub(crate) struct JournaledBatch {
    pub now: i64,
    /// The tree size before the batch.
    pub from: u64,
    pub size: u64,
    pub root: Hash,
    pub note: String,
    /// The last `audit_pending` id taken into the tree, this batch included.
    pub pending_upto: i64,
    /// Canonical encodings, in tree order from index `from`.
    pub entries: Vec<Vec<u8>>,
    /// The nodes the batch completed (leaves included).
    pub nodes: Nodes,
    /// The tree's right edge after the batch (`Frontier::nodes`), for a sequencer in another
    /// process to go on from.
    pub edge: Nodes,
}

fn bad(what: &str) -> DbError {
    DbError::Other(format!("audit journal row unreadable: {what}"))
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_be_bytes());
}

fn put_nodes(out: &mut Vec<u8>, nodes: &[(NodeId, Hash)]) {
    put_u32(out, nodes.len());
    for (id, h) in nodes {
        out.extend_from_slice(&id.level.to_be_bytes());
        out.extend_from_slice(&id.index.to_be_bytes());
        out.extend_from_slice(h);
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], DbError> {
        if self.0.len() < n {
            return Err(bad("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> std::result::Result<[u8; N], DbError> {
        self.take(N)?.try_into().map_err(|_| bad("truncated"))
    }
    fn u32(&mut self) -> std::result::Result<usize, DbError> {
        Ok(u32::from_be_bytes(self.array()?) as usize)
    }
    fn u64(&mut self) -> std::result::Result<u64, DbError> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    fn bytes(&mut self) -> std::result::Result<Vec<u8>, DbError> {
        let n = self.u32()?;
        Ok(self.take(n)?.to_vec())
    }
    fn nodes(&mut self) -> std::result::Result<Nodes, DbError> {
        let n = self.u32()?;
        let mut out = Vec::with_capacity(n.min(4096));
        for _ in 0..n {
            let level = u32::from_be_bytes(self.array()?);
            let index = self.u64()?;
            out.push((NodeId { level, index }, self.array()?));
        }
        Ok(out)
    }
}

impl JournaledBatch {
    fn body(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.note.len() + self.entries.len() * 400);
        out.push(BODY_V1);
        out.extend_from_slice(&self.now.to_be_bytes());
        out.extend_from_slice(&self.from.to_be_bytes());
        put_u32(&mut out, self.note.len());
        out.extend_from_slice(self.note.as_bytes());
        put_u32(&mut out, self.entries.len());
        for e in &self.entries {
            put_u32(&mut out, e.len());
            out.extend_from_slice(e);
        }
        put_nodes(&mut out, &self.nodes);
        put_nodes(&mut out, &self.edge);
        out
    }

    fn from_row(size: u64, root: Hash, pending_upto: i64, body: &[u8]) -> Result<Self> {
        let mut r = Reader(body);
        if r.array::<1>()?[0] != BODY_V1 {
            return Err(bad("unknown version").into());
        }
        let now = i64::from_be_bytes(r.array()?);
        let from = r.u64()?;
        let note = String::from_utf8(r.bytes()?).map_err(|_| bad("note"))?;
        let n = r.u32()?;
        let mut entries = Vec::with_capacity(n.min(65_536));
        for _ in 0..n {
            entries.push(r.bytes()?);
        }
        let nodes = r.nodes()?;
        let edge = r.nodes()?;
        if from + entries.len() as u64 != size {
            return Err(bad("size does not match its entries").into());
        }
        Ok(JournaledBatch {
            now,
            from,
            size,
            root,
            note,
            pending_upto,
            entries,
            nodes,
            edge,
        })
    }
}

/// A batch's calls per grant and day, as the `calls` column keeps them: `grant day n;…`.
fn calls_column(entries: &[&Entry]) -> String {
    let mut calls: Vec<String> = crate::exchange::usage_of(entries)
        .into_iter()
        .filter(|(_, (n, _, _))| *n > 0)
        .map(|((day, _, _, grant), (n, _, _))| format!("{grant} {day} {n}"))
        .collect();
    calls.sort();
    calls.join(";")
}

/// Commits `b` (inside the sequencer's transaction, which holds the journal's lock).
pub(crate) fn append(c: &mut dyn Conn, b: &JournaledBatch, decoded: &[&Entry]) -> Result<()> {
    c.execute(
        "INSERT INTO journal.audit_journal (size, root, pending_upto, calls, body)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            Value::Int(b.size as i64),
            Value::Blob(b.root.to_vec()),
            Value::Int(b.pending_upto),
            Value::Text(calls_column(decoded)),
            Value::Blob(b.body()),
        ],
    )?;
    Ok(())
}

/// The journal's last batch: tree size, root and pending mark.
pub(crate) fn last(c: &mut dyn Conn) -> Result<Option<(u64, Hash, i64)>> {
    let r = c.query_one(
        "SELECT size, root, pending_upto FROM journal.audit_journal ORDER BY size DESC LIMIT 1",
        &[],
    )?;
    r.map(|r| Ok((r.int(0)? as u64, super::hash_of(&r.0[1])?, r.int(2)?)))
        .transpose()
}

/// The tree's right edge after the journal's last batch.
pub(crate) fn last_edge(c: &mut dyn Conn) -> Result<Option<(u64, Nodes)>> {
    let r = c.query_one(
        "SELECT size, root, pending_upto, body FROM journal.audit_journal ORDER BY size DESC LIMIT 1",
        &[],
    )?;
    let Some(r) = r else {
        return Ok(None);
    };
    let b = decode_row(&r.0)?;
    Ok(Some((b.size, b.edge)))
}

fn decode_row(cells: &[Value]) -> Result<JournaledBatch> {
    let size = match &cells[0] {
        Value::Int(n) => *n as u64,
        _ => return Err(bad("size").into()),
    };
    let pending_upto = match &cells[2] {
        Value::Int(n) => *n,
        _ => return Err(bad("pending mark").into()),
    };
    let body = match &cells[3] {
        Value::Blob(b) => b,
        _ => return Err(bad("body").into()),
    };
    JournaledBatch::from_row(size, super::hash_of(&cells[1])?, pending_upto, body)
}

/// Batches moved per spreading transaction at most.
const SPREAD_ROWS: i64 = 256;

/// Journaled batches after tree size `head`, oldest first, up to `SPREAD_ROWS` of them.
pub(crate) fn after(c: &mut dyn Conn, head: u64) -> Result<Vec<JournaledBatch>> {
    let rows = c.query(
        "SELECT size, root, pending_upto, body FROM journal.audit_journal
         WHERE size > $1 ORDER BY size LIMIT $2",
        params![head as i64, SPREAD_ROWS],
    )?;
    rows.iter().map(|r| decode_row(&r.0)).collect()
}

/// Calls of `grant` on China day `day` in journaled batches the audit file does not hold yet.
/// Must run before the read of the usage table in the same transaction: the journal's snapshot
/// is then the older one, and a batch is deleted from it only after it is in the audit file,
/// so every batch is counted on one side or the other, never on both.
pub(crate) fn calls_in_journal(c: &mut dyn Conn, grant: i64, day: &str) -> Result<Vec<(u64, i64)>> {
    let rows = c.query(
        "SELECT size, calls FROM journal.audit_journal WHERE calls <> ''",
        &[],
    )?;
    let mut out = Vec::new();
    for r in &rows {
        let size = r.int(0)? as u64;
        for part in r.text(1)?.split(';') {
            let mut f = part.split(' ');
            let (Some(g), Some(d), Some(n)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            if g.parse::<i64>().ok() == Some(grant) && d == day {
                out.push((size, n.parse::<i64>().map_err(|_| bad("calls"))?));
            }
        }
    }
    Ok(out)
}
