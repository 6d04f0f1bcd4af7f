//! The open-data portal's service (run on SQLite and PostgreSQL): releases and who may make
//! them, the portal's copy holding public items only, searches with facets, and row reads
//! with filters whose totals are exact.
use std::collections::BTreeMap;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;

use shuqiao_core::catalog::OpenType;
use shuqiao_core::open::{Assessment, Check};
use shuqiao_core::DomainError;
use shuqiao_service::demo::DemoData;
use shuqiao_service::open::rows::RowQuery;
use shuqiao_service::open::OpenQuery;
use shuqiao_service::{Store, StoreError};

fn forbidden(e: StoreError) -> &'static str {
    match e {
        StoreError::Domain(DomainError::Forbidden { code, .. }) => code,
        other => panic!("expected forbidden, got {other:?}"),
    }
}

fn not_found(e: StoreError) -> &'static str {
    match e {
        StoreError::Domain(DomainError::NotFound { code, .. }) => code,
        other => panic!("expected not found, got {other:?}"),
    }
}

fn assessment() -> Assessment {
    let ok = Check {
        passed: true,
        note: "checked".into(),
    };
    Assessment {
        assessor: "评估组".into(),
        personal_info: ok.clone(),
        reidentification: ok.clone(),
        trade_secret: ok,
        conclusion: OpenType::Open,
        assessed_on: "2026-12-01".into(),
    }
}

pub async fn open_data_releases_copies_and_reads(s: Store, _t: Arc<AtomicI64>, _u: String) {
    s.load_demo(shuqiao_demo::DEFAULT_SEED)
        .await
        .unwrap()
        .unwrap();
    s.load_demo_data(
        shuqiao_demo::DEFAULT_SEED,
        DemoData {
            persons: 20,
            companies: 240,
        },
        None,
    )
    .await
    .unwrap();
    s.sync_open_data().await.unwrap();

    // Released and waiting openings: every tenth waits for the operator.
    let admin = shuqiao_demo::admin();
    let releases = s.open_releases(admin.clone()).await.unwrap();
    let waiting: Vec<_> = releases
        .iter()
        .filter(|r| r.state == shuqiao_core::open::ReleaseState::Proposed)
        .collect();
    assert!(!waiting.is_empty());
    let page = s
        .open_search(
            OpenQuery {
                limit: 1000,
                ..Default::default()
            },
            vec!["provider".into(), "open_type".into()],
        )
        .await
        .unwrap();
    assert_eq!(page.total, releases.len() - waiting.len());
    assert!(page.items.iter().all(|d| d.open_type != OpenType::Closed));
    let by_provider: usize = page.facets["provider"].values().sum();
    assert_eq!(by_provider, page.total);
    // A waiting one is not on the portal, and answers as a missing one does.
    assert_eq!(
        not_found(s.open_dataset(&waiting[0].slug).await.unwrap_err()),
        "dataset_not_found"
    );
    assert_eq!(
        not_found(s.open_dataset("no-such-dataset").await.unwrap_err()),
        "dataset_not_found"
    );

    // Chinese partial words find the companies' register.
    let hits = s
        .open_search(
            OpenQuery {
                q: Some("企业登记".into()),
                limit: 10,
                ..Default::default()
            },
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(hits.items[0].name, "企业登记信息", "{:?}", hits.items[0]);
    let companies = hits.items[0].clone();
    assert_eq!(companies.rows, 240);
    let licences = s
        .open_search(
            OpenQuery {
                q: Some("营业执照信息".into()),
                limit: 10,
                ..Default::default()
            },
            vec![],
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|d| d.name == "营业执照信息")
        .unwrap();
    // 证照编号 is graded 重要: never in the portal's copy or its data dictionary.
    assert!(licences.items.iter().all(|i| i.code != "ZZBH"));
    let all = s
        .open_rows(
            licences.clone(),
            RowQuery {
                limit: 1000,
                include_total: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all.total, Some(240));
    assert!(all.records.iter().all(|(_, r)| !r.contains_key("ZZBH")));
    let e = s
        .open_rows(
            licences.clone(),
            RowQuery {
                filters: vec![("ZZBH".into(), vec!["x".into()])],
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    match e {
        StoreError::Domain(DomainError::Invalid(errs)) => {
            assert_eq!(errs[0].reason, "unknown_field");
            assert_eq!(errs[0].field, "filters.ZZBH");
        }
        other => panic!("{other:?}"),
    }

    // A filter's total is exactly the rows holding the value.
    let rows = s
        .open_rows(
            companies.clone(),
            RowQuery {
                limit: 1000,
                include_total: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut by_type: BTreeMap<String, i64> = BTreeMap::new();
    for (_, r) in &rows.records {
        *by_type.entry(r["QYLX"].clone()).or_default() += 1;
    }
    let (kind, n) = by_type.iter().max_by_key(|(_, n)| **n).unwrap();
    let filtered = s
        .open_rows(
            companies.clone(),
            RowQuery {
                filters: vec![("QYLX".into(), vec![kind.clone()])],
                limit: 5,
                include_total: true,
                sort: vec![("TYSHXYDM".into(), true)],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(filtered.total, Some(*n));
    assert!(filtered.records.len() <= 5);
    assert!(filtered.records.iter().all(|(_, r)| &r["QYLX"] == kind));
    let codes: Vec<&String> = filtered
        .records
        .iter()
        .map(|(_, r)| &r["TYSHXYDM"])
        .collect();
    let mut sorted = codes.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(codes, sorted, "sorted descending");
    // Without a sort, a common value walks the rows in id order instead of listing their
    // ids: the same rows either way.
    let page_of = |sort: Vec<(String, bool)>| {
        s.open_rows(
            companies.clone(),
            RowQuery {
                filters: vec![("QYLX".into(), vec![kind.clone()])],
                limit: 7,
                offset: 3,
                include_total: true,
                sort,
                ..Default::default()
            },
        )
    };
    let walked = page_of(vec![]).await.unwrap();
    let listed = page_of(vec![("_id".into(), false)]).await.unwrap();
    assert_eq!(walked.total, Some(*n));
    assert_eq!(walked.records, listed.records);
    assert!(!walked.records.is_empty());
    let name = rows.records[7].1["QYMC"].clone();
    let part: String = name.chars().skip(2).take(3).collect();
    let found = s
        .open_rows(
            companies.clone(),
            RowQuery {
                q: Some(part.clone()),
                limit: 100,
                include_total: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(found.records.iter().any(|(_, r)| r["QYMC"] == name));
    assert!(found
        .records
        .iter()
        .all(|(_, r)| r.values().any(|v| v.contains(&part))));

    // Who may propose and review.
    let other_steward = shuqiao_demo::steward_of("hi-gat");
    let code = waiting[0].code.clone();
    assert_eq!(
        forbidden(
            s.review_open(other_steward.clone(), &code, true, "")
                .await
                .unwrap_err()
        ),
        "requires_platform_admin"
    );
    assert_eq!(
        forbidden(
            s.withdraw_open(other_steward, &companies.code, "test")
                .await
                .unwrap_err()
        ),
        "not_the_provider"
    );
    s.review_open(admin.clone(), &code, true, "").await.unwrap();
    assert!(s.open_dataset(&waiting[0].slug).await.is_ok());
    // Withdrawn: gone from the portal, its name kept.
    s.withdraw_open(admin.clone(), &companies.code, "数据核查")
        .await
        .unwrap();
    assert!(s.open_dataset(&companies.slug).await.is_err());
    let again = s
        .propose_open(
            shuqiao_demo::steward_of(&companies.provider),
            &companies.code,
            assessment(),
        )
        .await
        .unwrap();
    assert_eq!(again.slug, companies.slug);
}
