//! The open-data portal's speed: the time to answer its home, a search and a dataset page with
//! its preview (and a filtered preview, as the table fragment htmx asks for), on the demo
//! province with `COMPANIES` companies copied to the portal, against `/api/v1/health` on the
//! same server in the same run (the reference). Target: p99 under 30 ms for every page.
//!
//!   cargo bench -p shuqiao-http --bench portal_pages
//!
//! `COMPANIES` (default 100000) and `ROUNDS` (default 200) size the run. Times are taken by a
//! client on 127.0.0.1 over a kept-alive connection, so they include the loopback round trip:
//! an upper bound on the server's time.
use std::time::Instant;

use reqwest::{Client, StatusCode};
use shuqiao_service::demo::DemoData;
use shuqiao_service::open::rows::RowQuery;
use shuqiao_service::open::OpenQuery;
use shuqiao_service::testkit;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Milliseconds of `rounds` requests for `path`, sorted, after a few to warm up.
async fn time_page(
    http: &Client,
    base: &str,
    path: &str,
    htmx: bool,
    rounds: usize,
) -> (Vec<f64>, usize) {
    let get = || {
        let req = http.get(format!("{base}{path}"));
        if htmx {
            req.header("HX-Request", "true")
        } else {
            req
        }
    };
    let mut bytes = 0;
    for _ in 0..5 {
        let resp = get().send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        bytes = resp.bytes().await.unwrap().len();
    }
    let mut ms = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        let resp = get().send().await.unwrap();
        let status = resp.status();
        let _ = resp.bytes().await.unwrap();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    (ms, bytes)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let companies = env_or("COMPANIES", 100_000) as u64;
    let rounds = env_or("ROUNDS", 200);
    let started = Instant::now();
    let db = testkit::sqlite(shuqiao_service::system_clock()).await;
    let store = db.store.clone();
    store.load_demo(shuqiao_demo::DEFAULT_SEED).await.unwrap();
    let size = DemoData {
        persons: 1000,
        companies,
    };
    store
        .load_demo_data(shuqiao_demo::DEFAULT_SEED, size, None)
        .await
        .unwrap();
    store.sync_open_data().await.unwrap();
    let d = store
        .open_search(
            OpenQuery {
                q: Some("企业登记信息".into()),
                limit: 1,
                ..Default::default()
            },
            vec![],
        )
        .await
        .unwrap()
        .items
        .remove(0);
    let first = store
        .open_rows(
            d.clone(),
            RowQuery {
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .records
        .remove(0)
        .1;
    eprintln!(
        "{} rows of {} copied to the portal in {:.0} s",
        d.rows,
        d.name,
        started.elapsed().as_secs_f64()
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = shuqiao_http::AppState {
        store: std::sync::Arc::new(store.clone()),
        demo: true,
        console: shuqiao_http::console::Settings::default(),
    };
    tokio::spawn(shuqiao_http::serve(listener, state, std::future::pending()));

    let http = Client::new();
    let (health, _) = time_page(&http, &base, "/api/v1/health", false, rounds).await;
    let (h50, h99) = (percentile(&health, 0.5), percentile(&health, 0.99));
    println!("reference /api/v1/health: p50 {h50:.2} ms, p99 {h99:.2} ms\n");
    println!("| page | p50 ms | p99 ms | p99 ÷ health p99 | bytes |");
    println!("|---|---|---|---|---|");
    let kind: String = url::form_urlencoded::byte_serialize(first["QYLX"].as_bytes()).collect();
    let pages = [
        ("/".to_string(), false),
        ("/datasets?q=%E4%BC%81%E4%B8%9A".to_string(), false),
        (format!("/datasets/{}", d.slug), false),
        (format!("/datasets/{}?p=50", d.slug), false),
        (format!("/datasets/{}?f.QYLX={kind}", d.slug), true),
    ];
    let mut worst = (0.0, String::new());
    for (page, htmx) in pages {
        let (ms, bytes) = time_page(&http, &base, &page, htmx, rounds).await;
        let (p50, p99) = (percentile(&ms, 0.5), percentile(&ms, 0.99));
        let label = if htmx {
            format!("`{page}` (htmx fragment)")
        } else {
            format!("`{page}`")
        };
        println!(
            "| {label} | {p50:.2} | {p99:.2} | {:.1}× | {bytes} |",
            p99 / h99
        );
        if p99 > worst.0 {
            worst = (p99, page);
        }
    }
    println!(
        "\nslowest page p99: {:.2} ms ({}) (target < 30 ms)",
        worst.0, worst.1
    );
}
