//! SQLite: the audit journal. The sequencer writes each batch as one record to a file of its
//! own (`shuqiao-audit-journal.log`) — the entries' canonical bytes, the nodes they complete,
//! the signed checkpoint and the tree's right edge after it — with one `pwrite`, and goes on
//! to the next batch; a syncer thread runs one `fdatasync` for every record written before it
//! began, and a caller's receipt is handed out once a sync begun after its record's write has
//! returned (`when_durable`). So the disk works while the two cores do, and one sync often
//! covers several batches. The spreader then moves the synced batches into the audit file's
//! tables (entries, nodes, checkpoints, exchange usage) many to a transaction.
//!
//! Writes running ahead of the sync mean a power cut may keep a record and lose the one
//! before it. Nothing after such a gap was acknowledged (its acknowledgement would have
//! waited for a sync that covered the lost record too), so opening the journal clears every
//! record beyond the chain that goes on from the audit file's head (`orphans`) before
//! anything reads it.
//!
//! Why a file and not an SQLite table: a batch committed as a row cost its WAL frames, the
//! commit's locks and a sync of a log that SQLite writes page by page — 268 µs of CPU against
//! 112 µs for one write and one sync of the same bytes (`scripts/bench-journal-write.py`).
//!
//! The file is a ring of 4 KiB blocks. A record starts at a block with the tag `SQAJRNL1` and
//! every further block of it starts with `SQAJCONT`, so no caller's bytes ever stand where a
//! record could start; a CRC-32 covers the record, and a torn write fails it. Records are
//! chained by tree size (a batch's `from` is the size its predecessor ended at), so reading
//! the journal back is: every valid record in the file, then the chain that ends at the
//! largest size. Writing goes on after the last record, and from the file's start again once
//! it has passed `SPAN` and the records there have reached the audit file; the file is never
//! truncated, so once it has its blocks an `fdatasync` writes the record alone.
//!
//! Several processes may write one log (a CLI command beside a running server): the
//! sequencer holds an `flock` on the journal's lock file for its whole batch, and every
//! append bumps a counter kept in that file, by which another process knows to read the
//! journal again.
//!
//! The journal reaches its file through `JournalFile`, which `File` implements with the calls
//! above: the seam exists so that a test can run this same code over a simulated disk that
//! loses power between any two writes or syncs, keeping every synced byte and keeping,
//! losing or tearing each unsynced write, and check after each cut that recovery holds every
//! acknowledged batch, once, in an intact tree (`sim`; ADR 0007). It found the two rules
//! recovery depends on besides the orphans: the last record known to be on disk is not
//! written over until a later one is (`State::place`), and a part-written last block is
//! filled out before the orphans are looked for (`Journal::round_up_to_blocks`).
//!
//! Every read of the log's tables first moves whatever the journal holds (`AuditLog::spread`),
//! so a reader never sees less than has been acknowledged. A quota counts the journal's calls
//! beside the usage table (`UsageReader::calls_on`).
use std::collections::{HashMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use shuqiao_core::audit::entry::Entry;
use shuqiao_core::audit::merkle::{Hash, NodeId};

use shuqiao_db::{params, Conn, DbError, SqliteConn, SqliteDb, Value};

use crate::Result;

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

    fn from_row(
        size: u64,
        root: Hash,
        pending_upto: i64,
        body: &[u8],
    ) -> std::result::Result<Self, DbError> {
        let mut r = Reader(body);
        if r.array::<1>()?[0] != BODY_V1 {
            return Err(bad("unknown version"));
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
            return Err(bad("size does not match its entries"));
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
    let mut calls: Vec<String> = shuqiao_core::exchange::usage::usage_of(entries)
        .into_iter()
        .filter(|(_, n)| n.calls > 0)
        .map(|(line, n)| format!("{} {} {}", line.grant, line.day, n.calls))
        .collect();
    calls.sort();
    calls.join(";")
}

const BLOCK: u64 = 4096;
/// The first 8 bytes of a record's first block, and of each further block of it.
const START: [u8; 8] = *b"SQAJRNL1";
const CONT: [u8; 8] = *b"SQAJCONT";
const TAG: usize = 8;
/// A record's bytes per block.
const PER_BLOCK: usize = BLOCK as usize - TAG;
/// Bytes of the record header before its calls: length, CRC, from, size, pending mark, root.
const HEAD: usize = 4 + 4 + 8 + 8 + 8 + 32;
/// Writing starts again from the file's beginning once it has passed this (when the records
/// there are in the audit file). The spreader moves the journal every 100 ms, about 1 MiB
/// under the heaviest load measured.
const SPAN: u64 = 8 << 20;
/// How long a sequencer waits for another process's batch before it gives up.
const LOCK_WAIT: Duration = Duration::from_secs(3);

/// What the journal does to its file: positioned reads and writes, a data sync, the length.
/// The server's journal is a `File` and calls compile to the same system calls as before;
/// the crash simulation (`sim`) runs the same journal over a disk that can lose power
/// between any two of these calls. (`pub` only so that `Journal<F>` may name it: this module
/// is private, so nothing outside the crate can.)
pub trait JournalFile: Send + Sync + Sized + 'static {
    fn read_exact_at(&self, buf: &mut [u8], at: u64) -> io::Result<()>;
    fn write_all_at(&self, buf: &[u8], at: u64) -> io::Result<()>;
    fn sync_data(&self) -> io::Result<()>;
    fn file_len(&self) -> io::Result<u64>;
    /// A second handle on the same file, for the syncer thread.
    fn try_clone(&self) -> io::Result<Self>;
}

impl JournalFile for File {
    fn read_exact_at(&self, buf: &mut [u8], at: u64) -> io::Result<()> {
        FileExt::read_exact_at(self, buf, at)
    }
    fn write_all_at(&self, buf: &[u8], at: u64) -> io::Result<()> {
        FileExt::write_all_at(self, buf, at)
    }
    fn sync_data(&self) -> io::Result<()> {
        File::sync_data(self)
    }
    fn file_len(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }
    fn try_clone(&self) -> io::Result<Self> {
        File::try_clone(self)
    }
}

/// The audit journal of one SQLite database (see the module's comment). `F` is its file: a
/// `File` but in the crash simulation.
pub struct Journal<F = File> {
    path: String,
    file: F,
    /// `flock`ed by the process whose sequencer writes; holds the append counter.
    lock: File,
    /// One holder of the `flock` in this process at a time: the lock belongs to the open
    /// file, so a second holder here would neither wait nor keep the first's lock.
    held: Mutex<()>,
    state: Arc<Mutex<State>>,
    /// The syncer thread's queue (started on first use; it ends with the journal).
    syncer: Mutex<Option<mpsc::Sender<Waiter>>>,
}

/// Called once the records up to a tree size are on disk, or the sync failed.
pub(crate) type OnDurable = Box<dyn FnOnce(Result<(), DbError>) + Send>;

/// A record written and not yet known to be on disk, with what to call when it is.
struct Waiter {
    size: u64,
    then: OnDurable,
}

#[derive(Default)]
struct State {
    /// Writing wraps to the file's start past this (`SPAN`; smaller in the crash simulation,
    /// to wrap often).
    span: u64,
    /// The records the audit file may not hold yet, oldest first.
    live: VecDeque<Placed>,
    newest: Option<Placed>,
    /// Where the record after `newest` goes unless it wraps.
    tail: u64,
    /// The file's length.
    end: u64,
    /// The append counter as this process last read or wrote it.
    stamp: u64,
    /// Records up to this tree size are on disk: only those may move to the audit file.
    synced: u64,
    /// Where the record that ends at `synced` is, as (at, len): not written over until a later
    /// record is on disk, though the audit file may hold it (see `place`).
    durable: Option<(u64, u64)>,
    /// A write or sync failed: what the file holds is known again only after a restart.
    broken: bool,
}

/// Where a record is and what a reader needs of it without reading it.
#[derive(Clone)]
struct Placed {
    from: u64,
    size: u64,
    root: Hash,
    pending_upto: i64,
    at: u64,
    len: u64,
    /// Its exchange calls, as `calls_column` writes them.
    calls: String,
}

impl Placed {
    fn overlaps(&self, at: u64, len: u64) -> bool {
        self.at < at + len && at < self.at + self.len
    }
}

fn journal_err(path: &str, what: &str, e: impl std::fmt::Display) -> DbError {
    DbError::Other(format!("audit journal {path}: {what}: {e}"))
}

/// A record's bytes before framing: header, calls, body.
fn record_bytes(b: &JournaledBatch, calls: &str) -> Vec<u8> {
    let body = b.body();
    let mut out = Vec::with_capacity(HEAD + 4 + calls.len() + body.len());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&b.from.to_be_bytes());
    out.extend_from_slice(&b.size.to_be_bytes());
    out.extend_from_slice(&b.pending_upto.to_be_bytes());
    out.extend_from_slice(&b.root);
    put_u32(&mut out, calls.len());
    out.extend_from_slice(calls.as_bytes());
    out.extend_from_slice(&body);
    let len = out.len() as u32;
    out[0..4].copy_from_slice(&len.to_be_bytes());
    let crc = crc32fast::hash(&out[8..]);
    out[4..8].copy_from_slice(&crc.to_be_bytes());
    out
}

/// Splits a record over whole blocks, each starting with its tag.
fn frame(record: &[u8]) -> Vec<u8> {
    let blocks = record.len().div_ceil(PER_BLOCK).max(1);
    let mut out = vec![0u8; blocks * BLOCK as usize];
    for (i, chunk) in record.chunks(PER_BLOCK).enumerate() {
        let at = i * BLOCK as usize;
        out[at..at + TAG].copy_from_slice(if i == 0 { &START } else { &CONT });
        out[at + TAG..at + TAG + chunk.len()].copy_from_slice(chunk);
    }
    out
}

/// The record whose first block starts `bytes`, if a whole and intact one does: its header,
/// its calls and its body.
fn unframe(bytes: &[u8]) -> Option<(Placed, Vec<u8>)> {
    let block = BLOCK as usize;
    if bytes.len() < block || bytes[..TAG] != START {
        return None;
    }
    let len = u32::from_be_bytes(bytes[TAG..TAG + 4].try_into().ok()?) as usize;
    if len < HEAD + 4 {
        return None;
    }
    let blocks = len.div_ceil(PER_BLOCK);
    if bytes.len() < blocks * block {
        return None;
    }
    let mut record = Vec::with_capacity(len);
    for i in 0..blocks {
        let b = &bytes[i * block..(i + 1) * block];
        if i > 0 && b[..TAG] != CONT {
            return None;
        }
        let want = (len - record.len()).min(PER_BLOCK);
        record.extend_from_slice(&b[TAG..TAG + want]);
    }
    let crc = u32::from_be_bytes(record[4..8].try_into().ok()?);
    if crc32fast::hash(&record[8..]) != crc {
        return None;
    }
    let mut r = Reader(&record[8..]);
    let from = r.u64().ok()?;
    let size = r.u64().ok()?;
    let pending_upto = i64::from_be_bytes(r.array().ok()?);
    let root = r.array().ok()?;
    let calls = String::from_utf8(r.bytes().ok()?).ok()?;
    let body = r.0.to_vec();
    let placed = Placed {
        from,
        size,
        root,
        pending_upto,
        at: 0,
        len: (blocks * block) as u64,
        calls,
    };
    Some((placed, body))
}

/// Every intact record in `bytes` (the whole file), with where it starts.
fn intact_records(bytes: &[u8]) -> impl Iterator<Item = Placed> + '_ {
    (0..bytes.len() / BLOCK as usize).filter_map(move |block| {
        let at = block * BLOCK as usize;
        unframe(&bytes[at..]).map(|(mut p, _)| {
            p.at = at as u64;
            p
        })
    })
}

/// The chain of records that ends at the largest tree size, oldest first, from every intact
/// record in `bytes` (the whole file). Two records that end at one size would mean two
/// different logs: refused.
fn chain(path: &str, bytes: &[u8]) -> Result<Vec<Placed>, DbError> {
    let mut by_size: HashMap<u64, Placed> = HashMap::new();
    for p in intact_records(bytes) {
        if let Some(other) = by_size.get(&p.size) {
            if other.from != p.from || other.root != p.root {
                return Err(journal_err(
                    path,
                    "unreadable",
                    format!("two batches end at tree size {}", p.size),
                ));
            }
        }
        by_size.insert(p.size, p);
    }
    let newest = by_size.keys().max().copied();
    let Some(mut next) = newest.and_then(|s| by_size.remove(&s)) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    loop {
        let prev = by_size.remove(&next.from);
        out.push(next);
        match prev {
            Some(p) => next = p,
            None => break,
        }
    }
    out.reverse();
    Ok(out)
}

/// Holds the journal for one sequencer's batch (or a reader's look at another process's
/// appends) until dropped.
pub(crate) struct JournalLock<'a, F = File> {
    journal: &'a Journal<F>,
    _held: MutexGuard<'a, ()>,
}

impl<F> Drop for JournalLock<'_, F> {
    fn drop(&mut self) {
        if let Err(e) = self.journal.lock.unlock() {
            tracing::error!(error = %e, path = %self.journal.path, "cannot unlock the audit journal");
        }
    }
}

/// Which lock a holder takes: a sequencer's, or a reader's look at another's appends.
#[derive(Clone, Copy)]
enum LockKind {
    Exclusive,
    Shared,
}

impl Journal {
    /// Opens the journal at `path`, creating it when `create` (a database that never had
    /// one), clears the records a crash left beyond the chain that goes on from the audit
    /// file's head (`anchor`; see `orphans`), and reads it back. `anchor` is asked under the
    /// journal's lock: a head read before it could be older than records another process has
    /// written over since, and the chain from it would seem to break there.
    fn open(
        path: &str,
        create: bool,
        anchor: impl FnOnce() -> Result<Option<u64>, DbError>,
    ) -> Result<Journal, DbError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(create)
            .open(path)
            .map_err(|e| journal_err(path, "cannot open", e))?;
        if create {
            // The new file's name must survive a crash as much as its first record.
            file.sync_all()
                .map_err(|e| journal_err(path, "cannot sync", e))?;
            if let Some(dir) = std::path::Path::new(path).parent() {
                let dir = if dir.as_os_str().is_empty() {
                    std::path::Path::new(".")
                } else {
                    dir
                };
                if let Ok(d) = File::open(dir) {
                    let _ = d.sync_all();
                }
            }
        }
        Journal::over(path, file, SPAN, anchor)
    }

    /// The batches the journal file holds in its chain, as (from, size), oldest first: for
    /// tests and for an operator's look at a stopped server's files.
    pub fn batches_in(path: &str) -> Result<Vec<(u64, u64)>, DbError> {
        let bytes = std::fs::read(path).map_err(|e| journal_err(path, "cannot read", e))?;
        Ok(chain(path, &bytes)?
            .into_iter()
            .map(|p| (p.from, p.size))
            .collect())
    }
}

impl<F: JournalFile> Journal<F> {
    /// The journal in `file`, opened (see `open`), wrapping past `span` bytes; its lock file
    /// is beside `path`.
    fn over(
        path: &str,
        file: F,
        span: u64,
        anchor: impl FnOnce() -> Result<Option<u64>, DbError>,
    ) -> Result<Journal<F>, DbError> {
        let lock_path = lock_path(path);
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| journal_err(&lock_path, "cannot open", e))?;
        let j = Journal {
            path: path.to_string(),
            file,
            lock,
            held: Mutex::new(()),
            state: Arc::new(Mutex::new(State {
                span,
                ..State::default()
            })),
            syncer: Mutex::new(None),
        };
        let guard = j.take_lock(LockKind::Exclusive)?;
        j.round_up_to_blocks()?;
        if let Some(anchor) = anchor()? {
            j.erase_orphans(anchor)?;
        }
        j.read_back(&guard)?;
        drop(guard);
        Ok(j)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn take_lock(&self, kind: LockKind) -> Result<JournalLock<'_, F>, DbError> {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let deadline = Instant::now() + LOCK_WAIT;
        loop {
            let tried = match kind {
                LockKind::Exclusive => self.lock.try_lock(),
                LockKind::Shared => self.lock.try_lock_shared(),
            };
            match tried {
                Ok(()) => {
                    return Ok(JournalLock {
                        journal: self,
                        _held: held,
                    })
                }
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(journal_err(&self.path, "cannot lock", e))
                }
            }
            if Instant::now() >= deadline {
                return Err(DbError::Busy(format!(
                    "audit journal {}: another process has held it for {} s",
                    self.path,
                    LOCK_WAIT.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_micros(500));
        }
    }

    /// The append counter in the lock file (0 for a new one).
    fn read_stamp(&self) -> Result<u64, DbError> {
        let mut b = [0u8; 8];
        match self.lock.read_at(&mut b, 0) {
            Ok(8) => Ok(u64::from_be_bytes(b)),
            Ok(_) => Ok(0),
            Err(e) => Err(journal_err(&self.path, "cannot read its lock file", e)),
        }
    }

    /// Makes the records a crash left after a gap unreadable (their first tag zeroed, then
    /// synced), before anything else reads the journal. Writes run ahead of the sync (see
    /// `append`), so a power cut may keep a record whose predecessor it lost; none of them
    /// was acknowledged (an acknowledgement waits for a sync begun after its own write and so
    /// after every earlier one), and left in place one could later pass for the successor of
    /// a record of the same size.
    ///
    /// A record that begins before the chain's end and ends after it is no such leftover: the
    /// journal recorded a batch the audit file holds only part of, so entries sealed and
    /// acknowledged have gone from the audit file (a log cut short, its head rewritten to
    /// match). Refused, and the journal is left as it is for the investigation.
    fn erase_orphans(&self, anchor: u64) -> Result<(), DbError> {
        let bytes = self.whole_file()?;
        let stray = orphans(&bytes, anchor).map_err(|(cut, end)| {
            DbError::Other(format!(
                "审计日志文件只到第 {end} 条，但审计日志的日志文件记录了第 {}–{} 条的批次：已封存的条目从审计日志文件中缺失（被删除？）。请从备份恢复（三个文件须一起备份），勿在此日志上启动 / \
                 the audit file ends at entry {end}, but the audit journal {} holds the batch of \
                 entries {}..{}: sealed entries are missing from the audit file (deleted?). \
                 Restore the files from one backup; the platform does not start on this log",
                cut.0,
                cut.1 - 1,
                self.path,
                cut.0,
                cut.1
            ))
        })?;
        if stray.is_empty() {
            return Ok(());
        }
        tracing::warn!(
            records = stray.len(),
            path = %self.path,
            "audit journal: records after a gap (written, never acknowledged, before a crash) are cleared"
        );
        for at in stray {
            self.file
                .write_all_at(&[0u8; TAG], at)
                .map_err(|e| journal_err(&self.path, "cannot clear a record", e))?;
        }
        self.file
            .sync_data()
            .map_err(|e| journal_err(&self.path, "cannot sync", e))
    }

    /// Fills the file's last block out with zeros if a crash left it part-written. Every
    /// block is read whole, so such a block is passed over; but once the file grew past it,
    /// it would read whole after all, and a record in it (never acknowledged, never cleared
    /// as an orphan) could then pass for the successor of the chain's end.
    fn round_up_to_blocks(&self) -> Result<(), DbError> {
        let len = self
            .file
            .file_len()
            .map_err(|e| journal_err(&self.path, "cannot read", e))?;
        let short = (BLOCK - len % BLOCK) % BLOCK;
        if short == 0 {
            return Ok(());
        }
        self.file
            .write_all_at(&vec![0u8; short as usize], len)
            .map_err(|e| journal_err(&self.path, "cannot fill out its last block", e))
    }

    fn whole_file(&self) -> Result<Vec<u8>, DbError> {
        let len = self
            .file
            .file_len()
            .map_err(|e| journal_err(&self.path, "cannot read", e))?;
        let mut bytes = vec![0u8; len as usize];
        self.file
            .read_exact_at(&mut bytes, 0)
            .map_err(|e| journal_err(&self.path, "cannot read", e))?;
        Ok(bytes)
    }

    /// Reads the whole journal again (under its lock): at start, or another process has
    /// appended. What it finds is synced first, so all of it may move to the audit file
    /// (another process's last records may not have reached the disk yet).
    fn read_back(&self, _lock: &JournalLock<'_, F>) -> Result<(), DbError> {
        self.file
            .sync_data()
            .map_err(|e| journal_err(&self.path, "cannot sync", e))?;
        let stamp = self.read_stamp()?;
        let bytes = self.whole_file()?;
        let chain = chain(&self.path, &bytes)?;
        let mut st = self.state();
        st.newest = chain.last().cloned();
        if let Some(p) = &st.newest {
            // Synced just now, with every record before it.
            (st.synced, st.durable) = (st.synced.max(p.size), Some((p.at, p.len)));
        }
        st.tail = st.newest.as_ref().map_or(0, |p| p.at + p.len);
        st.end = bytes.len() as u64;
        st.live = chain.into();
        st.stamp = stamp;
        Ok(())
    }

    /// Reads the journal again if another process has appended since this one last looked.
    fn catch_up(&self) -> Result<(), DbError> {
        let seen = self.state().stamp;
        if self.read_stamp()? == seen {
            return Ok(());
        }
        let lock = self.take_lock(LockKind::Shared)?;
        self.read_back(&lock)
    }

    /// Takes the journal for a sequencer's batch: other processes' sequencers wait (up to
    /// `LOCK_WAIT`) until the returned lock is dropped.
    pub(crate) fn lock_for_append(&self) -> Result<JournalLock<'_, F>, DbError> {
        let lock = self.take_lock(LockKind::Exclusive)?;
        if self.read_stamp()? != self.state().stamp {
            self.read_back(&lock)?;
        }
        Ok(lock)
    }

    /// The last batch: tree size, root and pending mark.
    pub(crate) fn last(&self) -> Option<(u64, Hash, i64)> {
        self.state()
            .newest
            .as_ref()
            .map(|p| (p.size, p.root, p.pending_upto))
    }

    fn read(&self, p: &Placed) -> Result<JournaledBatch, DbError> {
        let mut bytes = vec![0u8; p.len as usize];
        self.file
            .read_exact_at(&mut bytes, p.at)
            .map_err(|e| journal_err(&self.path, "cannot read", e))?;
        let (found, body) = unframe(&bytes).ok_or_else(|| bad("a record has changed under it"))?;
        if (found.from, found.size) != (p.from, p.size) {
            return Err(bad("a record has changed under it"));
        }
        JournaledBatch::from_row(found.size, found.root, found.pending_upto, &body)
    }

    /// The tree's right edge after the last batch.
    pub(crate) fn last_edge(&self) -> Result<Option<(u64, Nodes)>, DbError> {
        let Some(newest) = self.state().newest.clone() else {
            return Ok(None);
        };
        let b = self.read(&newest)?;
        Ok(Some((b.size, b.edge)))
    }

    /// Writes `b` (the sequencer holds `lock_for_append`'s lock) without waiting for the disk:
    /// the next batch may be written while this one syncs, and nobody learns of it before
    /// `when_durable` says so. After a failed write or sync every later append fails too: the
    /// kernel may have dropped the pages it could not write, and only reading the file back
    /// at the next start tells what it holds.
    pub(crate) fn append(&self, b: &JournaledBatch, decoded: &[&Entry]) -> Result<(), DbError> {
        let calls = calls_column(decoded);
        let framed = frame(&record_bytes(b, &calls));
        let len = framed.len() as u64;
        let at = {
            let st = self.state();
            if st.broken {
                return Err(journal_err(
                    &self.path,
                    "unwritable",
                    "an earlier write failed; restart the server",
                ));
            }
            st.place(len)
        };
        let written = self.file.write_all_at(&framed, at);
        let mut st = self.state();
        if let Err(e) = written {
            st.broken = true;
            return Err(journal_err(&self.path, "write failed", e));
        }
        let placed = Placed {
            from: b.from,
            size: b.size,
            root: b.root,
            pending_upto: b.pending_upto,
            at,
            len,
            calls,
        };
        st.tail = at + len;
        st.end = st.end.max(st.tail);
        st.newest = Some(placed.clone());
        st.live.push_back(placed);
        st.stamp += 1;
        // Other processes learn of the append from the counter; it needs no sync (it lives in
        // the page cache they share, and a restart reads the journal itself).
        if let Err(e) = FileExt::write_all_at(&self.lock, &st.stamp.to_be_bytes(), 0) {
            st.broken = true;
            return Err(journal_err(&self.path, "cannot write its lock file", e));
        }
        Ok(())
    }

    /// Calls `then` once the records up to tree size `size` are on disk (at once if they
    /// are), or with the error if the sync failed. Must be asked after the record's write has
    /// returned: the sync that answers begins after the asking.
    pub(crate) fn when_durable(&self, size: u64, then: OnDurable) {
        if self.state().synced >= size {
            return then(Ok(()));
        }
        let waiter = Waiter { size, then };
        let refused = match self.syncer_queue() {
            Ok(q) => q
                .send(waiter)
                .err()
                .map(|e| (e.0, "the syncer has stopped".to_string())),
            Err(e) => Some((waiter, e.to_string())),
        };
        if let Some((w, why)) = refused {
            (w.then)(Err(journal_err(&self.path, "cannot sync", why)));
        }
    }

    fn syncer_queue(&self) -> Result<mpsc::Sender<Waiter>, DbError> {
        let mut q = self.syncer.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = q.as_ref() {
            return Ok(tx.clone());
        }
        let (tx, rx) = mpsc::channel::<Waiter>();
        let file = self
            .file
            .try_clone()
            .map_err(|e| journal_err(&self.path, "cannot open", e))?;
        let (state, path) = (self.state.clone(), self.path.clone());
        std::thread::Builder::new()
            .name("shuqiao-journal-sync".into())
            .spawn(move || run_syncer(&file, &state, &path, &rx))
            .map_err(|e| journal_err(&self.path, "cannot start its syncer", e))?;
        *q = Some(tx.clone());
        Ok(tx)
    }

    /// Forgets the batches up to tree size `upto`, which the audit file holds now: their
    /// blocks may be written over.
    pub(crate) fn trim(&self, upto: u64) {
        let mut st = self.state();
        while st.live.front().is_some_and(|p| p.size <= upto) {
            st.live.pop_front();
        }
    }

    /// Batches after tree size `head`, oldest first, up to `SPREAD_ROWS` of them.
    pub(crate) fn after(&self, head: u64) -> Result<Vec<JournaledBatch>, DbError> {
        self.catch_up()?;
        let st = self.state();
        let st_synced = st.synced;
        let todo: Vec<Placed> = st
            .live
            .iter()
            .filter(|p| p.size > head)
            .take_while(|p| p.size <= st_synced)
            .take(SPREAD_ROWS)
            .cloned()
            .collect();
        drop(st);
        todo.iter().map(|p| self.read(p)).collect()
    }

    /// Calls of `grant` on China day `day` in batches the audit file may not hold yet, with
    /// the tree size each batch ends at (see `UsageReader::calls_on`).
    pub(crate) fn calls(&self, grant: i64, day: &str) -> Result<Vec<(u64, i64)>, DbError> {
        self.catch_up()?;
        let st = self.state();
        let mut out = Vec::new();
        for p in st.live.iter().filter(|p| !p.calls.is_empty()) {
            for part in p.calls.split(';') {
                let mut f = part.split(' ');
                let (Some(g), Some(d), Some(n)) = (f.next(), f.next(), f.next()) else {
                    continue;
                };
                if g.parse::<i64>().ok() == Some(grant) && d == day {
                    out.push((p.size, n.parse::<i64>().map_err(|_| bad("calls"))?));
                }
            }
        }
        Ok(out)
    }
}

/// The syncer: one `fdatasync` for every record written before it began, then their
/// waiters; while it syncs, the sequencer writes the next batches. Ends when the journal is
/// dropped.
fn run_syncer(
    file: &impl JournalFile,
    state: &Mutex<State>,
    path: &str,
    rx: &mpsc::Receiver<Waiter>,
) {
    while let Ok(first) = rx.recv() {
        let mut waiters = vec![first];
        waiters.extend(rx.try_iter());
        sync_for(file, state, path, waiters);
    }
}

/// One round of the syncer: a sync begun after every waiter's record was written, then the
/// waiters' answers. The crash simulation calls it at chosen points instead of the thread.
fn sync_for(file: &impl JournalFile, state: &Mutex<State>, path: &str, waiters: Vec<Waiter>) {
    let lock = || state.lock().unwrap_or_else(|p| p.into_inner());
    let upto = waiters.iter().map(|w| w.size).max().unwrap_or(0);
    let outcome = if lock().broken {
        Err(journal_err(
            path,
            "unwritable",
            "an earlier write failed; restart the server",
        ))
    } else {
        file.sync_data()
            .map_err(|e| journal_err(path, "sync failed", e))
    };
    {
        let mut st = lock();
        match &outcome {
            Ok(()) => st.mark_synced(upto),
            Err(_) => st.broken = true,
        }
    }
    for w in waiters {
        (w.then)(match &outcome {
            Ok(()) => Ok(()),
            Err(e) => Err(DbError::Other(e.to_string())),
        });
    }
}

/// Where every record after a gap in the chain that goes on from tree size `anchor` starts:
/// the intact records beyond the last one reached by following `from` from the anchor. A
/// record that spans the chain's end instead — it starts before it — is refused: it returns
/// that record's (from, size) and the chain's end.
#[allow(clippy::type_complexity)]
fn orphans(bytes: &[u8], anchor: u64) -> std::result::Result<Vec<u64>, ((u64, u64), u64)> {
    let records: Vec<Placed> = intact_records(bytes).collect();
    let by_from: HashMap<u64, u64> = records.iter().map(|p| (p.from, p.size)).collect();
    let mut end = anchor;
    while let Some(&size) = by_from.get(&end) {
        end = size;
    }
    if let Some(cut) = records.iter().find(|p| p.from < end && p.size > end) {
        return Err(((cut.from, cut.size), end));
    }
    Ok(records
        .into_iter()
        .filter(|p| p.size > end)
        .map(|p| p.at)
        .collect())
}

impl State {
    /// The records up to tree size `size` are on disk.
    fn mark_synced(&mut self, size: u64) {
        if size <= self.synced {
            return;
        }
        self.synced = size;
        if let Some(p) = self.live.iter().rev().find(|p| p.size == size) {
            self.durable = Some((p.at, p.len));
        }
    }

    /// Where a record of `len` bytes goes: after the last one; at the file's start once the
    /// file has passed `SPAN` and the records there are in the audit file; else after every
    /// record still needed (the file grows while the spreader is behind).
    ///
    /// The last record known to be on disk is needed too, even once the audit file holds
    /// it: were it written over before a later record is synced, a power cut could leave the
    /// journal ending behind the audit file, which the sequencer refuses as a journal
    /// restored from an older backup (`lock_head`).
    fn place(&self, len: u64) -> u64 {
        let kept = |at: u64| {
            self.durable
                .is_some_and(|(d, n)| d < at + len && at < d + n)
        };
        let free = |at: u64| !kept(at) && !self.live.iter().any(|p| p.overlaps(at, len));
        if self.tail + len > self.span && free(0) {
            return 0;
        }
        if free(self.tail) {
            return self.tail;
        }
        self.live
            .iter()
            .map(|p| p.at + p.len)
            .max()
            .unwrap_or(0)
            .max(self.end)
            .div_ceil(BLOCK)
            * BLOCK
    }
}

/// The lock file beside the journal `path`: `…-audit-journal.log` → `…-audit-journal.lock`.
fn lock_path(path: &str) -> String {
    std::path::Path::new(path)
        .with_extension("lock")
        .to_string_lossy()
        .into_owned()
}

/// The audit journal beside an SQLite database file: `shuqiao.db` →
/// `shuqiao-audit-journal.log`. The sequencer writes each batch there as one record; the
/// spreader moves them into the audit file's tables.
pub fn journal_path(db_path: &str) -> String {
    std::path::Path::new(&legacy_journal_path(db_path))
        .with_extension("log")
        .to_string_lossy()
        .into_owned()
}

/// The lock file beside the audit journal: `shuqiao.db` → `shuqiao-audit-journal.lock`. A
/// process holds it while its sequencer writes a batch.
pub fn journal_lock_path(db_path: &str) -> String {
    lock_path(&journal_path(db_path))
}

/// Where the audit journal was an SQLite database (`shuqiao-audit-journal.db`); a database
/// that still has one moves its rows into the audit file when it is opened.
fn legacy_journal_path(db_path: &str) -> String {
    shuqiao_db::sibling_path(db_path, "audit-journal")
}

/// `PRAGMA user_version` of an audit file whose batches were committed to an SQLite journal
/// first (`legacy_journal_path`): that journal must be there to be moved in.
const AUDIT_WITH_SQLITE_JOURNAL: i64 = 1;
/// `PRAGMA user_version` of an audit file whose batches are written to the journal file first:
/// from then on a missing journal means acknowledged entries are missing.
const AUDIT_WITH_JOURNAL: i64 = 2;

/// Opens the journal of an SQLite database: refuses an audit file that has had one when it
/// is gone (it may have held acknowledged entries not yet in the audit file), creates it for
/// an audit file that never had one, and moves the rows of an SQLite journal of an earlier
/// version into the audit file.
pub(crate) fn open_beside(db: &SqliteDb) -> Result<Journal, DbError> {
    let path = db.path().to_string();
    db.on_audit_connection(|c| open_on(c, &path))
}

fn open_on(c: &mut SqliteConn, path: &str) -> Result<Journal, DbError> {
    let version: i64 =
        c.0.query_row("PRAGMA audit.user_version", [], |r| r.get(0))
            .map_err(sqlite_err)?;
    let file = journal_path(path);
    let legacy = legacy_journal_path(path);
    let exists = |p: &str| std::path::Path::new(p).exists();
    let needed = match version {
        AUDIT_WITH_SQLITE_JOURNAL => Some(&legacy),
        v if v >= AUDIT_WITH_JOURNAL => Some(&file),
        _ => None,
    };
    if let Some(gone) = needed.filter(|p| !exists(p)) {
        return Err(DbError::Other(format!(
            "审计日志的日志文件 {gone} 缺失：请从备份恢复它（三个文件须一起备份）/ \
             the audit journal {gone} is missing: restore it from the backup taken \
             with the database (the three files are backed up together)"
        )));
    }
    let journal = Journal::open(&file, version < AUDIT_WITH_JOURNAL, || audit_head_size(c))?;
    if exists(&legacy) {
        c.0.execute("ATTACH DATABASE ?1 AS legacy", [&legacy])
            .map_err(sqlite_err)?;
        let moved = shuqiao_db::in_transaction(c, "BEGIN", |c| {
            crate::move_legacy_journal(c).map_err(|e| DbError::Other(e.to_string()))?;
            c.batch(&format!("PRAGMA audit.user_version = {AUDIT_WITH_JOURNAL}"))
        });
        let _ = c.0.execute_batch("DETACH DATABASE legacy");
        moved?;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{legacy}{suffix}"));
        }
    } else if version < AUDIT_WITH_JOURNAL {
        c.0.pragma_update(Some("audit"), "user_version", AUDIT_WITH_JOURNAL)
            .map_err(sqlite_err)?;
    }
    Ok(journal)
}

fn sqlite_err(e: rusqlite::Error) -> DbError {
    DbError::Other(e.to_string())
}

/// The audit file's tree size, once it has its tables.
fn audit_head_size(c: &SqliteConn) -> Result<Option<u64>, DbError> {
    let has_head: bool =
        c.0.query_row(
            "SELECT EXISTS (SELECT 1 FROM audit.sqlite_master WHERE name = 'audit_head')",
            [],
            |r| r.get(0),
        )
        .map_err(sqlite_err)?;
    if !has_head {
        return Ok(None);
    }
    use rusqlite::OptionalExtension;
    c.0.query_row("SELECT size FROM audit.audit_head WHERE id = 1", [], |r| {
        r.get::<_, i64>(0)
    })
    .optional()
    .map_err(sqlite_err)
    .map(|s| s.map(|s| s as u64))
}

/// Turns the audit journal of the (closed) database `path` into the SQLite journal of an
/// earlier version, holding the same batches, with the audit file marked to match: for tests
/// of the move an upgrade makes.
#[cfg(feature = "testkit")]
pub fn journal_to_legacy(path: &str) -> Result<(), DbError> {
    let file = journal_path(path);
    write_legacy(&file, &legacy_journal_path(path))?;
    for gone in [file.clone(), journal_lock_path(path)] {
        std::fs::remove_file(&gone).map_err(|e| DbError::Other(format!("{gone}: {e}")))?;
    }
    let audit = rusqlite::Connection::open(shuqiao_db::audit_path(path)).map_err(sqlite_err)?;
    audit
        .pragma_update(None, "user_version", AUDIT_WITH_SQLITE_JOURNAL)
        .map_err(sqlite_err)
}

/// Batches moved per spreading transaction at most.
const SPREAD_ROWS: usize = 256;

/// The rows of an SQLite audit journal (`shuqiao-audit-journal.db`, before the journal was a
/// file of its own) after tree size `head`, oldest first, attached to `c` as `legacy`.
pub(crate) fn legacy_after(c: &mut dyn Conn, head: u64) -> Result<Vec<JournaledBatch>> {
    let rows = c.query(
        "SELECT size, root, pending_upto, body FROM legacy.audit_journal
         WHERE size > $1 ORDER BY size",
        params![head as i64],
    )?;
    rows.iter()
        .map(|r| {
            let size = r.int(0)? as u64;
            let body = match &r.0[3] {
                Value::Blob(b) => b,
                _ => return Err(bad("body").into()),
            };
            Ok(JournaledBatch::from_row(
                size,
                super::hash_of(&r.0[1])?,
                r.int(2)?,
                body,
            )?)
        })
        .collect()
}

/// Rewrites the journal file `file` as the SQLite journal of an earlier version at `legacy`,
/// for tests of the move (`testkit::journal_to_legacy`).
#[cfg(feature = "testkit")]
fn write_legacy(file: &str, legacy: &str) -> std::result::Result<(), DbError> {
    let bytes = std::fs::read(file).map_err(|e| journal_err(file, "cannot read", e))?;
    let c = rusqlite::Connection::open(legacy).map_err(|e| journal_err(legacy, "open", e))?;
    c.execute_batch(
        "CREATE TABLE audit_journal (size INTEGER PRIMARY KEY, root BLOB NOT NULL,
         pending_upto BIGINT NOT NULL, calls TEXT NOT NULL, body BLOB NOT NULL)",
    )
    .map_err(|e| journal_err(legacy, "create", e))?;
    for p in chain(file, &bytes)? {
        let (_, body) = unframe(&bytes[p.at as usize..]).ok_or_else(|| bad("record"))?;
        c.execute(
            "INSERT INTO audit_journal VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![
                p.size as i64,
                p.root.to_vec(),
                p.pending_upto,
                p.calls,
                body
            ],
        )
        .map_err(|e| journal_err(legacy, "insert", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod sim;
