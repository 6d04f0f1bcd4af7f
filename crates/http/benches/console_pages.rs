//! The console's speed: the time to answer every console page, per role, on a province with
//! 1,000,000 persons and 10,000 resources, against `/api/v1/health` on the same server in the
//! same run (the reference); and the bytes a first visit transfers (the sign-in page with its
//! stylesheet and script). Targets: p99 under 30 ms for every page, first visit under 150 KB.
//!
//!   cargo bench -p shuqiao-http --bench console_pages
//!
//! `PERSONS` (default 1000000), `RESOURCES` (default 10000) and `ROUNDS` (default 200) size
//! the run; `ONLY=citizen` (a username) times one person's pages. Times are taken by a client on 127.0.0.1 over a kept-alive connection, so they
//! include the loopback round trip: an upper bound on the server's time.
use std::collections::BTreeMap;
use std::time::Instant;

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Client, StatusCode};
use shuqiao_service::demo::{admin, DemoData};
use shuqiao_service::testkit;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A signed-in person's client: the session and language cookies sent by hand.
struct Visitor {
    http: Client,
    base: String,
    cookies: BTreeMap<String, String>,
}

impl Visitor {
    fn new(base: &str) -> Visitor {
        Visitor {
            http: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_string(),
            cookies: BTreeMap::new(),
        }
    }

    async fn get(&mut self, path: &str) -> (StatusCode, bytes::Bytes) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(COOKIE, jar.join("; "));
        }
        let resp = req.send().await.unwrap();
        self.keep_cookies(resp.headers());
        (resp.status(), resp.bytes().await.unwrap())
    }

    fn keep_cookies(&mut self, headers: &reqwest::header::HeaderMap) {
        for v in headers.get_all(SET_COOKIE).iter() {
            let pair = v.to_str().unwrap().split(';').next().unwrap();
            if let Some((k, v)) = pair.split_once('=') {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
    }

    async fn sign_in(base: &str, user: &str, password: &str) -> Visitor {
        let mut v = Visitor::new(base);
        let (_, page) = v.get("/console/login").await;
        let page = String::from_utf8_lossy(&page).to_string();
        let csrf = attribute_after(&page, "name=\"csrf\" value=\"");
        let resp = v
            .http
            .post(format!("{base}/console/login"))
            .header("origin", base)
            .header(
                COOKIE,
                v.cookies
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs([("username", user), ("password", password), ("csrf", &csrf)])
                    .finish(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{user} signs in");
        v.keep_cookies(resp.headers());
        v
    }
}

/// The quoted value that follows `marker` in `html`.
fn attribute_after(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in page"))
        + marker.len();
    let len = html[start..].find('"').unwrap();
    html[start..start + len].to_string()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Milliseconds of `rounds` requests for `path`, sorted, after a few to warm up.
async fn time_page(v: &mut Visitor, path: &str, rounds: usize) -> Vec<f64> {
    for _ in 0..5 {
        let (status, body) = v.get(path).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{path}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    let mut ms = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        let (status, _) = v.get(path).await;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    ms
}

/// The bytes of a first visit: the sign-in page, its stylesheet and its scripts.
async fn first_visit_bytes(base: &str) -> (usize, Vec<(String, usize)>) {
    let mut v = Visitor::new(base);
    let (_, page) = v.get("/console/login").await;
    let html = String::from_utf8_lossy(&page).to_string();
    let mut parts = vec![("/console/login".to_string(), page.len())];
    for marker in ["rel=\"stylesheet\" href=\"", "<script src=\""] {
        let mut rest = html.as_str();
        while let Some(i) = rest.find(marker) {
            let url = attribute_after(&rest[i..], marker);
            let (_, body) = v.get(&url).await;
            parts.push((url, body.len()));
            rest = &rest[i + marker.len()..];
        }
    }
    (parts.iter().map(|(_, n)| n).sum(), parts)
}

/// The demo consumer system looks the demo citizen up `times` times, so the auditor's and
/// the citizen's pages have entries to show; returns the last entry's index.
async fn citizen_looked_up(base: &str, times: usize) -> u64 {
    let token = shuqiao_demo::demo_token(shuqiao_demo::DEFAULT_SEED, "hi-rst-sbxt");
    let citizen = &shuqiao_demo::identities()[0].identifier;
    let http = Client::new();
    let mut index = 0;
    for _ in 0..times {
        let resp = http
            .get(format!(
                "{base}/api/v1/exchange/101001-000001/records/{citizen}"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        index = resp
            .headers()
            .get("shuqiao-audit-index")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .expect("every answer names its audit entry");
    }
    index
}

/// Each role's pages: who signs in, and what they open.
fn journeys(resource: &str, entry: u64) -> Vec<(&'static str, &'static str, Vec<String>)> {
    use shuqiao_demo as d;
    let s = |v: &[&str]| v.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    vec![
        (
            "steward.gat",
            d::STEWARD_PASSWORD,
            s(&[
                "/console/",
                "/console/inbox",
                "/console/resources",
                "/console/resources?stale=1",
                "/console/resources/101001-000001/edit",
                "/console/resources/101001-000001/versions",
                "/console/collect",
                "/console/collect/101001-000001/upload",
                "/console/collect/101001-000001/connector",
            ]),
        ),
        (
            "user.rst",
            d::CONSUMER_PASSWORD,
            vec![
                "/console/".into(),
                "/console/catalog".into(),
                "/console/catalog?q=%E4%BA%BA%E5%8F%A3".into(),
                "/console/catalog?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7&provider=hi-scjgj".into(),
                format!("/console/catalog/{resource}"),
                "/console/grants".into(),
                "/console/needs".into(),
            ],
        ),
        (
            "admin",
            d::ADMIN_PASSWORD,
            s(&[
                "/console/",
                "/console/supervision",
                "/console/review",
                "/console/resources",
                "/console/resources?provider=hi-gat",
                "/console/admin/systems",
                "/console/admin/systems/hi-rst-sbxt",
                "/console/admin/accounts",
                "/console/admin/accounts/steward.gat",
                "/console/admin/stats",
                "/console/admin/conversions",
            ]),
        ),
        (
            "legal",
            d::REVIEWER_PASSWORD,
            s(&["/console/", "/console/reviews"]),
        ),
        (
            "auditor",
            d::AUDITOR_PASSWORD,
            vec![
                "/console/audit".into(),
                "/console/audit?org=hi-rst".into(),
                format!("/console/audit/entries/{entry}"),
                "/console/audit/checkpoint".into(),
            ],
        ),
        ("citizen", d::SUBJECT_PASSWORD, s(&["/console/my-data"])),
    ]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let persons = env_or("PERSONS", 1_000_000) as u64;
    let resources = env_or("RESOURCES", 10_000);
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
        persons,
        ..Default::default()
    };
    store
        .load_demo_data(shuqiao_demo::DEFAULT_SEED, size, None)
        .await
        .unwrap();
    testkit::published_copies(&store, resources).await.unwrap();
    // A first load leaves naming the records' subjects to the background; done here, so the
    // pages are timed on a settled platform.
    store.fill_record_subjects().await.unwrap();
    let found = store
        .search(
            admin(),
            shuqiao_service::catalog::SearchQuery {
                q: Some("婚姻登记".into()),
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let resource = found.items[0].code.clone();
    eprintln!(
        "{persons} persons and {resources} resources ready in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    // As `serve` does: the sealer keeps the audit log's subject index up to date.
    tokio::spawn(
        store
            .clone()
            .run_audit_sealer(std::time::Duration::from_secs(1)),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = shuqiao_http::AppState {
        store: std::sync::Arc::new(store.clone()),
        demo: true,
        console: shuqiao_http::console::Settings::default(),
    };
    tokio::spawn(shuqiao_http::serve(listener, state, std::future::pending()));

    let entry = citizen_looked_up(&base, 20).await;
    // The subject index caught up with the log, as the sealer keeps it within seconds.
    store.audit().spread().await.unwrap();
    while store.audit().index_subjects().await.unwrap() {}
    let mut reference = Visitor::new(&base);
    let health = time_page(&mut reference, "/api/v1/health", rounds).await;
    let (h50, h99) = (percentile(&health, 0.5), percentile(&health, 0.99));
    println!("reference /api/v1/health: p50 {h50:.2} ms, p99 {h99:.2} ms\n");
    println!("| who | page | p50 ms | p99 ms | p99 ÷ health p99 | bytes |");
    println!("|---|---|---|---|---|---|");
    let mut worst = (0.0, String::new());
    let only = std::env::var("ONLY").ok();
    for (user, password, pages) in journeys(&resource, entry) {
        if only.as_deref().is_some_and(|o| o != user) {
            continue;
        }
        let mut v = Visitor::sign_in(&base, user, password).await;
        for page in pages {
            let ms = time_page(&mut v, &page, rounds).await;
            let (p50, p99) = (percentile(&ms, 0.5), percentile(&ms, 0.99));
            let bytes = v.get(&page).await.1.len();
            println!(
                "| {user} | `{page}` | {p50:.2} | {p99:.2} | {:.1}× | {bytes} |",
                p99 / h99
            );
            if p99 > worst.0 {
                worst = (p99, format!("{user} {page}"));
            }
        }
    }
    let (total, parts) = first_visit_bytes(&base).await;
    println!(
        "\nfirst visit: {:.1} KB (target < 150 KB)",
        total as f64 / 1024.0
    );
    for (url, n) in parts {
        println!("  {url}: {n} bytes");
    }
    println!(
        "slowest page p99: {:.2} ms ({}) (target < 30 ms)",
        worst.0, worst.1
    );
}
