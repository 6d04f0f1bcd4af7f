//! The CKAN API's speed: `package_search` with `rows=1000` over 10,000 released datasets,
//! and `datastore_search` with a filter on a released resource of 1,000,000 rows, against
//! `/api/v1/health` on the same server in the same run (the reference). Targets: p99 under
//! 50 ms for the search, under 20 ms for the filtered read.
//!
//!   cargo bench -p shuqiao-http --bench ckan_search
//!
//! `DATASETS` (default 10000) released datasets; `COMPANIES` (default 100000, the figure is
//! taken with 1000000) rows in the companies' register (and as many in the licences'), which
//! the portal copies before timing; `ROUNDS` (default 200). Times are taken by a client on
//! 127.0.0.1 over a kept-alive connection, so they include the loopback round trip: an upper
//! bound on the server's time.
use std::time::Instant;

use reqwest::{Client, StatusCode};
use serde_json::Value;
use shuqiao_core::catalog::OpenType;
use shuqiao_service::demo::{admin, steward_of, DemoData};
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

/// Milliseconds of `rounds` GETs of `url`, sorted, after a few to warm up; and the last
/// body's size.
async fn time_get(http: &Client, url: &str, rounds: usize) -> (Vec<f64>, usize) {
    let mut size = 0;
    for _ in 0..5 {
        let resp = http.get(url).send().await.unwrap();
        let status = resp.status();
        let body = resp.bytes().await.unwrap();
        assert_eq!(
            status,
            StatusCode::OK,
            "{url}: {}",
            String::from_utf8_lossy(&body)
        );
        size = body.len();
    }
    let mut ms = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        let resp = http.get(url).send().await.unwrap();
        let status = resp.status();
        let _ = resp.bytes().await.unwrap();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status, StatusCode::OK, "{url}");
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    (ms, size)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let datasets = env_or("DATASETS", 10_000);
    let companies = env_or("COMPANIES", 100_000) as u64;
    let rounds = env_or("ROUNDS", 200);
    let started = Instant::now();
    let mut db = testkit::sqlite(shuqiao_service::system_clock()).await;
    db.store = db
        .store
        .clone()
        .with_audit(shuqiao_service::audit::AuditKeys::generate("bench.shuqiao/audit").unwrap());
    let store = db.store.clone();
    store.load_demo(shuqiao_demo::DEFAULT_SEED).await.unwrap();

    let size = DemoData {
        persons: 0,
        companies,
    };
    let t = Instant::now();
    store
        .load_demo_data(shuqiao_demo::DEFAULT_SEED, size, None)
        .await
        .unwrap();
    eprintln!(
        "{companies} companies loaded in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    // The copy is made before the datasets are multiplied: a first sync visits every newly
    // released dataset once, one transaction each, which is not what is timed here.
    store.sync_open_data().await.unwrap();
    eprintln!(
        "the portal's copy made in {:.0} s",
        t.elapsed().as_secs_f64()
    );

    // Released copies of the demo's open resources until the portal lists `datasets`.
    let base: Vec<_> = shuqiao_demo::province(shuqiao_demo::DEFAULT_SEED)
        .unwrap()
        .resources
        .into_iter()
        .map(|r| r.meta)
        .filter(|m| m.open_type == OpenType::Open)
        .collect();
    let have = store.open_names().await.unwrap().len();
    let places: Vec<&str> = shuqiao_core::region::REGIONS
        .iter()
        .map(|r| r.name)
        .collect();
    let copies: Vec<_> = (0..datasets.saturating_sub(have))
        .map(|i| {
            let mut m = base[i % base.len()].clone();
            m.name = format!(
                "{}（{}第{}批）",
                m.name,
                places[i % places.len()],
                i / base.len() + 1
            );
            (steward_of(&m.provider), m)
        })
        .collect();
    for chunk in copies.chunks(2000) {
        let codes = store
            .catalogue_published(admin(), chunk.to_vec())
            .await
            .unwrap();
        store.release_many(codes).await.unwrap();
    }
    let listed = store.open_names().await.unwrap().len();
    eprintln!(
        "{listed} datasets released in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = shuqiao_http::AppState {
        store: std::sync::Arc::new(store.clone()),
        demo: true,
        console: shuqiao_http::console::Settings::default(),
    };
    tokio::spawn(shuqiao_http::serve(listener, state, std::future::pending()));
    let http = Client::new();

    // The companies' register: its CSV distribution, a common company type and one company.
    let found: Value = http
        .get(format!(
            "{url}/api/3/action/package_search?q=%E4%BC%81%E4%B8%9A%E7%99%BB%E8%AE%B0%E4%BF%A1%E6%81%AF&rows=1"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pkg = &found["result"]["results"][0];
    assert_eq!(pkg["title"], "企业登记信息");
    let csv = pkg["resources"][0]["id"].as_str().unwrap().to_string();
    let sample: Value = http
        .get(format!(
            "{url}/api/3/action/datastore_search?resource_id={csv}&limit=1000"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows = sample["result"]["total"].as_i64().unwrap();
    let records = sample["result"]["records"].as_array().unwrap();
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for r in records {
        *kinds.entry(r["QYLX"].as_str().unwrap().into()).or_default() += 1;
    }
    let common = kinds.iter().max_by_key(|(_, n)| **n).unwrap().0.clone();
    let one = records[records.len() / 2]["TYSHXYDM"]
        .as_str()
        .unwrap()
        .to_string();
    let filter = |f: &str, v: &str| {
        url::form_urlencoded::byte_serialize(serde_json::json!({ f: v }).to_string().as_bytes())
            .collect::<String>()
    };

    let (health, _) = time_get(&http, &format!("{url}/api/v1/health"), rounds).await;
    let h99 = percentile(&health, 0.99);
    println!(
        "reference /api/v1/health: p50 {:.2} ms, p99 {h99:.2} ms\n",
        percentile(&health, 0.5)
    );
    println!("{listed} released datasets; the companies' register holds {rows} rows\n");
    println!("| request | p50 ms | p99 ms | p99 ÷ health p99 | bytes | target |");
    println!("|---|---|---|---|---|---|");
    let cases = [
        (
            "package_search rows=1000".to_string(),
            format!("{url}/api/3/action/package_search?rows=1000"),
            50.0,
        ),
        (
            "package_search q=企业 rows=1000 sort=id asc".to_string(),
            format!("{url}/api/3/action/package_search?q=%E4%BC%81%E4%B8%9A&rows=1000&sort=id+asc"),
            50.0,
        ),
        (
            "datastore_search filter on one company (TYSHXYDM)".to_string(),
            format!(
                "{url}/api/3/action/datastore_search?resource_id={csv}&filters={}",
                filter("TYSHXYDM", &one)
            ),
            20.0,
        ),
        (
            format!("datastore_search filter QYLX={common} (a common type), total counted"),
            format!(
                "{url}/api/3/action/datastore_search?resource_id={csv}&filters={}",
                filter("QYLX", &common)
            ),
            20.0,
        ),
    ];
    for (name, u, target) in cases {
        let (ms, bytes) = time_get(&http, &u, rounds).await;
        let (p50, p99) = (percentile(&ms, 0.5), percentile(&ms, 0.99));
        println!(
            "| {name} | {p50:.2} | {p99:.2} | {:.1}× | {bytes} | < {target} ms{} |",
            p99 / h99,
            if p99 < target { "" } else { " (missed)" }
        );
    }
}
