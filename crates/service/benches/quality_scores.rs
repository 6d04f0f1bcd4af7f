//! Quality scores for the 1,000,000-person demo province: every resource with data scored
//! from scratch (completeness and the declared consistency rule over every live record,
//! the batches' counts, freshness), against reading the same records' data once and doing
//! nothing with it (the reference, in the same run). Target: under 5 s.
//!
//!   cargo bench -p shuqiao-service --features testkit --bench quality_scores
//!
//! PERSONS (default 1,000,000) and ROUNDS (default 3) change the size and repetitions.
use std::time::Instant;

use shuqiao_core::quality::score::Rule;
use shuqiao_service::demo::{admin, steward_of, DemoData};
use shuqiao_service::{testkit, Store};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

/// The population resource, with the consistency rule every 人口 register would declare.
async fn declare_rule(store: &Store) -> String {
    let found = store
        .search(
            admin(),
            shuqiao_service::catalog::SearchQuery {
                q: Some("全员人口基础信息".into()),
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let hit = &found.items[0];
    store
        .set_quality_rules(
            steward_of(&hit.provider),
            hit.code.clone(),
            vec![Rule::BirthDateMatchesId {
                id_item: "GMSFHM".into(),
                date_item: "CSRQ".into(),
            }],
        )
        .await
        .unwrap();
    hit.code.clone()
}

async fn run() {
    let persons = env_or("PERSONS", 1_000_000) as u64;
    let rounds = env_or("ROUNDS", 3);
    let started = Instant::now();
    let db = testkit::sqlite(shuqiao_service::system_clock()).await;
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
    let population = declare_rule(&store).await;
    eprintln!(
        "{persons} persons ready in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let (mut scores, mut scans) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let bytes = testkit::scan_record_data(&store).await;
        scans.push(t.elapsed().as_secs_f64());
        testkit::forget_quality_scores(&store).await;
        let t = Instant::now();
        let scored = store.refresh_quality_scores().await.unwrap();
        scores.push(t.elapsed().as_secs_f64());
        eprintln!(
            "round: {scored} resources scored in {:.2} s; reference scan of {} MB in {:.2} s",
            scores.last().unwrap(),
            bytes / 1_000_000,
            scans.last().unwrap()
        );
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let (score, scan) = (median(&mut scores), median(&mut scans));
    let all = store.quality_scores(admin()).await.unwrap();
    let pop = all
        .resources
        .iter()
        .find(|r| r.resource == population)
        .unwrap();
    println!(
        "quality scores, {persons} persons: median {score:.2} s for every resource (target < 5 s); \
         reference scan {scan:.2} s; ratio {:.1}×; population score {:?} over {} records",
        score / scan,
        pop.score,
        pop.records
    );
}
