//! The records this thread's own SQLite reader served lately, kept as the text it read, for as
//! long as nobody has committed to the main file since (the reader's `ChangeMark`, the check
//! that keeps tokens and grants in memory too). A record is a few hundred bytes of JSON where
//! SQLite's page cache spends two 4 KiB pages on it, so a hot set of records that overflows
//! the page cache (and costs a `pread` and a B-tree descent or two a call) fits here.
//! Nothing else is cached: the token, the grants, the quota and the audit seal are checked
//! and taken on every call, and the fields are cut to the grant's afresh.
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::db::ChangeMark;

/// Bytes of record text (and keys) each thread keeps at most.
const BUDGET: usize = 8 << 20;

/// Bytes all threads together keep at most (a machine with many cores has many workers).
const TOTAL_BUDGET: usize = 32 << 20;

/// Bytes kept by all threads now.
static TOTAL: AtomicUsize = AtomicUsize::new(0);

/// Bytes of records all threads keep now, and the most they may keep.
pub(crate) fn kept_bytes() -> (usize, usize) {
    (TOTAL.load(Ordering::Relaxed), TOTAL_BUDGET)
}

/// Bookkeeping bytes counted per record beside its text.
const PER_RECORD: usize = 64;

#[derive(Default)]
struct Recent {
    /// The change mark every kept record was read under; another mark empties the cache.
    mark: Option<ChangeMark>,
    bytes: usize,
    /// "resource\nkey" → the record's data (`None`: no live record).
    records: HashMap<String, Option<String>>,
}

impl Recent {
    /// Forgets one record (an arbitrary one: the map's own order, as good as any for keys
    /// that come at random, and free of the bookkeeping an LRU list costs every hit).
    fn drop_one(&mut self) -> bool {
        let Some(old) = self.records.keys().next().cloned() else {
            return false;
        };
        if let Some(d) = self.records.remove(&old) {
            self.uncount(size_of(&old, &d));
        }
        true
    }

    fn count(&mut self, n: usize) {
        self.bytes += n;
        TOTAL.fetch_add(n, Ordering::Relaxed);
    }

    fn uncount(&mut self, n: usize) {
        self.bytes -= n;
        TOTAL.fetch_sub(n, Ordering::Relaxed);
    }
}

impl Drop for Recent {
    fn drop(&mut self) {
        TOTAL.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

thread_local! {
    static RECENT: RefCell<Recent> = RefCell::new(Recent::default());
}

fn slot(resource: &str, key: &str) -> String {
    let mut s = String::with_capacity(resource.len() + 1 + key.len());
    s.push_str(resource);
    s.push('\n');
    s.push_str(key);
    s
}

fn size_of(slot: &str, data: &Option<String>) -> usize {
    slot.len() + data.as_ref().map_or(0, String::len) + PER_RECORD
}

/// The record `key` of `resource` as read under `mark`, or what `read` finds (then kept).
pub(crate) fn record_text<E>(
    mark: ChangeMark,
    resource: &str,
    key: &str,
    read: impl FnOnce() -> Result<Option<String>, E>,
) -> Result<Option<String>, E> {
    let slot = slot(resource, key);
    let kept = RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if r.mark != Some(mark) {
            r.records.clear();
            let kept = r.bytes;
            r.uncount(kept);
            r.mark = Some(mark);
        }
        r.records.get(&slot).cloned()
    });
    if let Some(data) = kept {
        return Ok(data);
    }
    let data = read()?;
    RECENT.with(|r| keep(&mut r.borrow_mut(), mark, slot, data.clone()));
    Ok(data)
}

fn keep(r: &mut Recent, mark: ChangeMark, slot: String, data: Option<String>) {
    let size = size_of(&slot, &data);
    if r.mark != Some(mark) || size > BUDGET / 16 {
        return;
    }
    if let Some(before) = r.records.remove(&slot) {
        r.uncount(size_of(&slot, &before));
    }
    while r.bytes + size > BUDGET || TOTAL.load(Ordering::Relaxed) + size > TOTAL_BUDGET {
        if !r.drop_one() {
            // Other threads hold the whole total: this one keeps nothing for now.
            return;
        }
    }
    r.count(size);
    r.records.insert(slot, data);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(version: i64) -> ChangeMark {
        ChangeMark::counted(7, version)
    }

    fn read_as(text: &str) -> impl FnOnce() -> Result<Option<String>, ()> + '_ {
        move || Ok(Some(text.to_string()))
    }

    #[test]
    fn a_record_is_read_again_once_the_main_file_has_changed() {
        let first = record_text(mark(1), "r", "k", read_as("{\"XM\":\"张三\"}"));
        assert_eq!(first, Ok(Some("{\"XM\":\"张三\"}".into())));
        // Same mark: from memory, the reader is not called.
        let kept = record_text(mark(1), "r", "k", || -> Result<_, ()> {
            panic!("read again")
        });
        assert_eq!(kept, first);
        // Another key or resource is another record.
        assert_eq!(
            record_text(mark(1), "r", "k2", || Ok::<_, ()>(None)),
            Ok(None)
        );
        assert_eq!(
            record_text(mark(1), "r", "k2", || -> Result<_, ()> {
                panic!("read again")
            }),
            Ok(None),
            "no record is remembered too"
        );
        // A commit to the main file (a new mark): everything is read afresh.
        let after = record_text(mark(2), "r", "k", read_as("{\"XM\":\"李四\"}"));
        assert_eq!(after, Ok(Some("{\"XM\":\"李四\"}".into())));
        // A failed read keeps nothing.
        assert_eq!(
            record_text(mark(3), "r", "k", || Err::<Option<String>, _>("disk")),
            Err("disk")
        );
        assert_eq!(
            record_text(mark(3), "r", "k", read_as("x")),
            Ok(Some("x".into()))
        );
    }

    #[test]
    fn the_cache_stays_within_its_budget() {
        let big = "x".repeat(100_000);
        for i in 0..1_000 {
            record_text(mark(10), "r", &i.to_string(), || {
                Ok::<_, ()>(Some(big.clone()))
            })
            .unwrap();
        }
        RECENT.with(|r| {
            let r = r.borrow();
            assert!(r.bytes <= BUDGET, "{} bytes kept", r.bytes);
            assert!(TOTAL.load(Ordering::Relaxed) <= TOTAL_BUDGET);
            assert!(r.records.len() < 1_000 && r.records.len() >= BUDGET / 200_000);
            let counted: usize = r.records.iter().map(|(k, d)| size_of(k, d)).sum();
            assert_eq!(counted, r.bytes);
        });
    }
}
