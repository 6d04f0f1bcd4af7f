//! The assessment figures for a year of activity on the 1,000,000-person demo province:
//! exchange usage for every day × system × a few resources each, applications, needs and
//! objections over the year; the figures computed for every quarter and the year, for the
//! province (with the trend over the periods before) and for each department (the ranking,
//! and one department's own page), against one plain COUNT of every table the figures read
//! (the reference, in the same run). Target: under 2 s for a period's page.
//!
//!   cargo bench -p shuqiao-service --features testkit --bench assess_figures
//!
//! PERSONS (default 1,000,000), PER_SYSTEM (resources each system calls a day, default 8),
//! APPLICATIONS (default 20,000) and ROUNDS (default 3) change the size and repetitions.
use std::time::Instant;

use shuqiao_core::assess::figures::{Period, Scope};
use shuqiao_service::demo::{admin, DemoData};
use shuqiao_service::testkit;

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

async fn run() {
    let persons = env_or("PERSONS", 1_000_000) as u64;
    let per_system = env_or("PER_SYSTEM", 8);
    let applications = env_or("APPLICATIONS", 20_000);
    let rounds = env_or("ROUNDS", 3);
    let year = Period::Year(2026);
    let (year_start, year_end) = year.bounds();
    // The province is loaded before the year begins and counted after it ends.
    let (clock, t) = testkit::manual_clock(year_start - 86_400_000);
    let started = Instant::now();
    let db = testkit::sqlite(clock).await;
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
    let activity = testkit::assess_activity(&store, year_start, per_system, applications)
        .await
        .unwrap();
    t.store(year_end + 86_400_000, std::sync::atomic::Ordering::SeqCst);
    eprintln!(
        "{persons} persons and a year of activity ({activity:?}) ready in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let periods: Vec<String> = year
        .quarters()
        .into_iter()
        .chain([year])
        .map(|p| p.code())
        .collect();
    let ranking = store.assess_ranking(admin(), "2026").await.unwrap();
    let department = ranking.rows[0].org.clone();
    let (mut pages, mut worst, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t0 = Instant::now();
        let rows = testkit::count_assess_tables(&store).await;
        counts.push(t0.elapsed().as_secs_f64());
        let all = Instant::now();
        let mut slowest: f64 = 0.0;
        for p in &periods {
            // What the console's page for a period shows: the figures with their trend, and
            // the ranking of every department.
            let one = Instant::now();
            store
                .assess_figures(admin(), p, Scope::Province)
                .await
                .unwrap();
            store.assess_ranking(admin(), p).await.unwrap();
            store
                .assess_figures(admin(), p, Scope::Org(department.clone()))
                .await
                .unwrap();
            slowest = slowest.max(one.elapsed().as_secs_f64());
        }
        pages.push(all.elapsed().as_secs_f64());
        worst.push(slowest);
        eprintln!(
            "round: 5 periods (province with trend, ranking, one department) in {:.2} s, slowest period {:.2} s; reference count of {rows} rows in {:.3} s",
            pages.last().unwrap(),
            slowest,
            counts.last().unwrap()
        );
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let (all, slowest, count) = (median(&mut pages), median(&mut worst), median(&mut counts));
    let f = store
        .assess_figures(admin(), "2026", Scope::Province)
        .await
        .unwrap();
    let values: Vec<String> = f
        .figures
        .iter()
        .map(|v| {
            format!(
                "{}={:?}",
                v.code.as_str(),
                v.value.map(|x| (x * 1000.0).round() / 1000.0)
            )
        })
        .collect();
    println!(
        "assessment figures, {persons} persons, {} usage rows: median {all:.2} s for 4 quarters + the year \
         (province with trend, ranking, one department), slowest period {slowest:.2} s (target < 2 s); \
         reference COUNT {count:.3} s; ratio {:.0}×; {} departments ranked; {}",
        activity.usage_rows,
        slowest / count.max(1e-6),
        ranking.rows.len(),
        values.join(" ")
    );
}
