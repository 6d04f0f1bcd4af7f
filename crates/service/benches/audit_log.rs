//! The audit log: sustained durable appends with many concurrent appenders (p50/p99 from
//! append to receipt) against plain inserts of the same rows into a table with no tree (the
//! limit), then inclusion proofs and full verification at a large size.
//!
//!   cargo bench -p shuqiao-service --features testkit --bench audit_log
//!
//! Environment: SHUQIAO_TEST_PG_URL adds PostgreSQL; SHUQIAO_BENCH_LOG_SIZE (default
//! 1000000) sets the size for the proof and verification part (0 skips that part);
//! SHUQIAO_BENCH_APPEND_SECONDS (default 10) sets how long the appenders run (0 skips the
//! append part).
use std::sync::Arc;
use std::time::{Duration, Instant};

use shuqiao_core::audit::entry::{subject_key, Entry, SubjectKind};
use shuqiao_core::audit::merkle::Hash;
use shuqiao_core::audit::note::{Checkpoint, NoteSigner, SignedNote};
use shuqiao_core::audit::verify::Verifier;
use shuqiao_service::audit::AuditKeys;
use shuqiao_service::{testkit, Store};

const APPENDERS: usize = 128;

fn entry(i: u64) -> Entry {
    Entry {
        time: 1_790_000_000_000 + i as i64,
        actor_org: "hi-rst".into(),
        actor_system: Some("hi-rst-shbx".into()),
        actor_person: None,
        action: "exchange.lookup".into(),
        resource: Some("101001-000001".into()),
        resource_version: Some(1),
        grant: Some(format!("g-{}", i % 97)),
        purpose: Some("社保待遇资格认证".into()),
        result: "ok".into(),
        subjects: vec![subject_key(
            b"bench",
            SubjectKind::Person,
            &format!("4601001990{:08}", i % 1_000_000),
        )],
    }
}

fn keys() -> AuditKeys {
    AuditKeys {
        signer: NoteSigner::new("bench.shuqiao/audit", [7u8; 32]).unwrap(),
        subject_secret: [8u8; 32],
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// `APPENDERS` tasks append one entry at a time for `seconds`; returns (rate, p50, p99, count).
async fn concurrent_appends(store: &Store, seconds: u64) -> (f64, f64, f64, u64) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..APPENDERS)
        .map(|_| {
            let (s, counter) = (store.clone(), counter.clone());
            tokio::spawn(async move {
                let mut lat = Vec::new();
                while Instant::now() < deadline {
                    let i = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let t = Instant::now();
                    let r = s.audit().submit(vec![entry(i)]).await.unwrap();
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    std::hint::black_box(r);
                }
                lat
            })
        })
        .collect();
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let secs = started.elapsed().as_secs_f64();
    lat.sort_by(|a, b| a.total_cmp(b));
    (
        lat.len() as f64 / secs,
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        lat.len() as u64,
    )
}

/// The limit: the same number of rows, in batches like the sequencer's, into a plain table.
async fn plain_inserts(store: &Store, total: u64) -> f64 {
    let started = Instant::now();
    let batch = 1000u64;
    let mut i = 0;
    while i < total {
        let n = batch.min(total - i);
        testkit::plain_insert(store, i, (i..i + n).map(entry).collect()).await;
        i += n;
    }
    total as f64 / started.elapsed().as_secs_f64()
}

async fn grow(store: &Store, target: u64) {
    let started = Instant::now();
    let mut size = store.audit().seal_pending().await.unwrap();
    while size < target {
        let n = 20_000.min(target - size);
        let r = store
            .audit()
            .append((size..size + n).map(entry).collect())
            .await
            .unwrap();
        size = r.last().unwrap().tree_size;
        if size % 1_000_000 < n {
            eprintln!(
                "    … {size} entries ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
}

/// p50 and p99 of 2,000 inclusion proofs for random entries at `size`; each `seed` draws
/// other entries, so a second pass does not find the first one's pages in cache.
async fn proof_latencies(store: &Store, size: u64, seed: u64) -> (f64, f64) {
    let mut lat = Vec::new();
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ seed.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let index = x % size;
        let t = Instant::now();
        std::hint::black_box(store.audit().inclusion_proof(index, size).await.unwrap());
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    (pct(&lat, 0.5), pct(&lat, 0.99))
}

/// Copies SQLite's write-ahead log into the database file and empties it: the state a server
/// is in once the background checkpointer has caught up after a bulk load.
fn settle_sqlite(path: &str) -> f64 {
    let t = Instant::now();
    let c = rusqlite::Connection::open(path).unwrap();
    c.busy_timeout(Duration::from_secs(600)).unwrap();
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    t.elapsed().as_secs_f64()
}

async fn proofs_and_verification(store: &Store, label: &str, size: u64, sqlite_path: Option<&str>) {
    let t = Instant::now();
    grow(store, size).await;
    eprintln!(
        "[{label}] grew the log to {size} entries in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (mut p50, mut p99) = proof_latencies(store, size, 1).await;
    if let Some(path) = sqlite_path {
        // The first pass runs on a cold page cache while the checkpointer may still be copying
        // the WAL; report it, then the settled state a running server is in (other entries,
        // so the second pass does not find the first one's pages).
        println!("| {label} (first pass after the load: cold page cache) | {size} | {p50:.3} | {p99:.3} | | |");
        eprintln!(
            "[{label}] WAL checkpoint finished in {:.1} s",
            settle_sqlite(path)
        );
        (p50, p99) = proof_latencies(store, size, 2).await;
    }
    let note = store.audit().checkpoint().await.unwrap();
    let cp = Checkpoint::parse_body(&SignedNote::parse(&note).unwrap().body).unwrap();
    assert_eq!(cp.size, size);

    let t = Instant::now();
    let mut v = Verifier::new(
        keys().signer.verifier(),
        vec![],
        &store.audit().all_checkpoints().await.unwrap(),
    );
    store
        .audit()
        .for_each(|e| v.feed(e.index, &e.canonical, e.recorded_leaf))
        .await
        .unwrap();
    let report = v.finish();
    let verify_s = t.elapsed().as_secs_f64();
    assert!(report.ok(), "{:?}", report.problems.first());
    let root: Hash = hex::decode(&report.root).unwrap().try_into().unwrap();
    assert_eq!(root, cp.root);
    println!(
        "| {label} | {size} | {p50:.3} | {p99:.3} | {verify_s:.1} | {:.0} |",
        size as f64 / verify_s
    );
}

async fn appends(store: &Store, label: &str, seconds: u64) {
    let (rate, p50, p99, n) = concurrent_appends(store, seconds).await;
    let plain = plain_inserts(store, n).await;
    println!(
        "| {label} | {APPENDERS} | {n} | {rate:.0} | {p50:.2} | {p99:.2} | {plain:.0} | {:.2} |",
        rate / plain
    );
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let size = env_u64("SHUQIAO_BENCH_LOG_SIZE", 1_000_000);
    let seconds = env_u64("SHUQIAO_BENCH_APPEND_SECONDS", 10);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sqlite = testkit::sqlite(shuqiao_service::system_clock()).await;
        let s = sqlite.store.clone().with_audit(keys());
        let pg = testkit::postgres(shuqiao_service::system_clock()).await;
        if seconds > 0 {
            println!("| backend | appenders | appends | appends/s | p50 ms | p99 ms | plain inserts/s (limit) | ratio |");
            println!("|---|---|---|---|---|---|---|---|");
            appends(&s, "sqlite", seconds).await;
            if let Some(db) = &pg {
                appends(&db.store.clone().with_audit(keys()), "postgres", seconds).await;
            }
            println!();
        }
        if size > 0 {
            println!("| backend | entries | inclusion proof p50 ms | p99 ms | full verification s | entries/s verified |");
            println!("|---|---|---|---|---|---|");
            proofs_and_verification(&s, "sqlite", size, Some(&sqlite.url)).await;
            if let Some(db) = &pg {
                proofs_and_verification(&db.store.clone().with_audit(keys()), "postgres", size, None)
                    .await;
            }
        }
    });
}
