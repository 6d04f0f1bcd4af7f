//! Catalog search over 10,000 published resources: median and p99 latency of typical
//! queries through the Store interface, against a primary-key read through the same path
//! (the reference, measured in the same run).
//!
//!   cargo bench -p shuqiao-service --features testkit --bench catalog_search
//!
//! With SHUQIAO_TEST_PG_URL set, PostgreSQL is measured too.
use std::time::Instant;

use shuqiao_core::catalog::{ShareType, Status};
use shuqiao_demo as demo;
use shuqiao_service::catalog::SearchQuery;
use shuqiao_service::demo::{admin, steward_of};
use shuqiao_service::{testkit, Store};

const RESOURCES: usize = 10_000;
const ROUNDS: usize = 200;

fn queries() -> Vec<(&'static str, SearchQuery)> {
    let q = |t: &str| SearchQuery {
        q: Some(t.into()),
        limit: 20,
        ..Default::default()
    };
    vec![
        ("q=人口", q("人口")),
        ("q=营业执照", q("营业执照")),
        ("q=licence", q("licence")),
        ("q=社会保障", q("社会保障")),
        ("q=不动产登记", q("不动产登记")),
        ("q=population", q("population")),
        (
            "q=信息&share_type=conditional",
            SearchQuery {
                share_type: Some(ShareType::Conditional),
                ..q("信息")
            },
        ),
        (
            "provider=hi-gat (no q)",
            SearchQuery {
                provider: Some("hi-gat".into()),
                limit: 20,
                ..Default::default()
            },
        ),
        (
            "status=published offset=5000",
            SearchQuery {
                status: Some(Status::Published),
                limit: 20,
                offset: 5000,
                ..Default::default()
            },
        ),
    ]
}

async fn fill(store: &Store) {
    store.load_demo(demo::DEFAULT_SEED).await.unwrap();
    testkit::published_copies(store, RESOURCES).await.unwrap();
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Runs each future and returns the latencies in milliseconds, sorted.
async fn timed<F: std::future::Future>(runs: impl IntoIterator<Item = F>) -> Vec<f64> {
    let mut ms = Vec::new();
    for run in runs {
        let t = Instant::now();
        std::hint::black_box(run.await);
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    ms
}

/// What the in-memory index costs: the first search of a freshly started process (full load)
/// and the first search after one catalog change elsewhere (catching up).
async fn index_costs(store: &Store, url: &str, label: &str) {
    let fresh = Store::open(url).await.unwrap();
    let t = Instant::now();
    fresh
        .search(
            admin(),
            SearchQuery {
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let cold = t.elapsed().as_secs_f64() * 1000.0;
    let mut after_change = Vec::new();
    for i in 0..20 {
        let page = store
            .search(
                admin(),
                SearchQuery {
                    limit: 1,
                    offset: i,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let mut meta = store
            .get_resource(admin(), &page.items[0].code)
            .await
            .unwrap()
            .current
            .unwrap()
            .meta;
        meta.summary.push('。');
        store
            .update_resource(steward_of(&meta.provider), &page.items[0].code, meta)
            .await
            .unwrap();
        let t = Instant::now();
        fresh
            .search(
                admin(),
                SearchQuery {
                    q: Some("人口".into()),
                    limit: 20,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        after_change.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    after_change.sort_by(|a, b| a.total_cmp(b));
    eprintln!(
        "[{label}] index: cold load {cold:.1} ms; first search after a change: median {:.3} ms, max {:.3} ms",
        percentile(&after_change, 0.5),
        after_change[after_change.len() - 1]
    );
}

async fn measure(store: &Store, label: &str) {
    let started = Instant::now();
    fill(store).await;
    let total = store
        .search(
            admin(),
            SearchQuery {
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .total;
    eprintln!(
        "[{label}] {total} published resources ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let all = queries();
    let search_ms =
        timed((0..ROUNDS).flat_map(|_| all.iter().map(|(_, q)| store.search(admin(), q.clone()))))
            .await;
    let pk_ms = timed((0..ROUNDS * all.len()).map(|_| store.get_org("hi-gat"))).await;
    let (s50, s99) = (percentile(&search_ms, 0.5), percentile(&search_ms, 0.99));
    let (r50, r99) = (percentile(&pk_ms, 0.5), percentile(&pk_ms, 0.99));
    println!(
        "| {label} | {total} | {} | {s50:.3} | {s99:.3} | {r50:.3} | {r99:.3} | {:.1}× |",
        search_ms.len(),
        s50 / r50
    );
    for (name, q) in &all {
        let v = timed((0..50).map(|_| store.search(admin(), q.clone()))).await;
        eprintln!(
            "[{label}]   {name}: median {:.3} ms, p99 {:.3} ms",
            percentile(&v, 0.5),
            percentile(&v, 0.99)
        );
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        println!("| backend | resources | queries | search p50 ms | search p99 ms | pk read p50 ms | pk read p99 ms | p50 ratio |");
        println!("|---|---|---|---|---|---|---|---|");
        let db = testkit::sqlite(shuqiao_service::system_clock()).await;
        measure(&db.store, "sqlite").await;
        index_costs(&db.store, &db.url, "sqlite").await;
        if let Some(db) = testkit::postgres(shuqiao_service::system_clock()).await {
            measure(&db.store, "postgres").await;
            index_costs(&db.store, &db.url, "postgres").await;
        }
    });
}
