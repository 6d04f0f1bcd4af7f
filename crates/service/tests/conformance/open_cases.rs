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
    // Counts by value: exact where at least ten rows hold a value, left out below.
    // 发证机关: a few authorities issue most licences, some only a handful.
    let field = "FZJG".to_string();
    let mut tally: BTreeMap<String, u64> = BTreeMap::new();
    for (_, r) in &all.records {
        if let Some(v) = r.get(&field) {
            *tally.entry(v.clone()).or_default() += 1;
        }
    }
    let counts = s.open_counts(licences.clone(), &field, 1000).await.unwrap();
    for v in &counts.values {
        assert_eq!(Some(&v.count), tally.get(&v.value), "{field}={}", v.value);
        assert!(v.count >= 10);
    }
    assert_eq!(
        counts.suppressed_values,
        tally.values().filter(|n| **n < 10).count(),
        "{field}: {tally:?}"
    );
    assert_eq!(counts.values.len() + counts.suppressed_values, tally.len());
    assert!(s.open_counts(licences.clone(), "ZZBH", 10).await.is_err());
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
    // New data moves the copy on, and with it the filter's total (kept until then).
    let mut row: Vec<String> = rows.records[0].1.values().cloned().collect();
    let columns: Vec<String> = rows.records[0].1.keys().cloned().collect();
    let code_at = columns.iter().position(|c| c == "TYSHXYDM").unwrap();
    row[code_at] = "91460000MA5TNEW01X".into();
    let kind_at = columns.iter().position(|c| c == "QYLX").unwrap();
    row[kind_at] = kind.clone();
    let mut req = shuqiao_service::collect::BatchRequest::new(
        &companies.code,
        shuqiao_service::collect::Channel::Import,
        "one.csv",
    );
    req.policy = shuqiao_core::collect::BatchPolicy::AllOrNothing;
    let report = s
        .collect_batch(
            shuqiao_demo::steward_of(&companies.provider),
            req,
            shuqiao_core::collect::source::VecSource::new(columns, vec![row]),
            None,
        )
        .await
        .unwrap();
    s.sync_open_data().await.unwrap();
    let after = s
        .open_rows(
            companies.clone(),
            RowQuery {
                filters: vec![("QYLX".into(), vec![kind.clone()])],
                limit: 5,
                include_total: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(report.inserted, 1, "{report:?}");
    assert_eq!(after.total, Some(*n + 1));
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
    // One more since the row added above.
    assert_eq!(walked.total, Some(*n + 1));
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

    // The public's side on this engine: a member applies, the key reads within its quota,
    // settings, a request and feedback.
    use shuqiao_core::open::{
        ApplicationAnswer, ApplicationInput, FeedbackInput, Registration, RequestAnswer,
        RequestInput, RequestOutcome,
    };
    let set = s
        .set_open_settings(
            admin.clone(),
            shuqiao_service::open::public::OpenSettings {
                application_days: 5,
                request_days: 15,
                feedback_days: 10,
                min_cell: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(set.application_days, 5);
    s.register_member(Registration {
        username: "li.public".into(),
        display_name: "李四科技有限公司".into(),
        kind: "company".into(),
        contact: "li@example.cn".into(),
        password: "Public-pass-2026".into(),
    })
    .await
    .unwrap();
    let member = shuqiao_core::account::Principal::Person {
        username: "li.public".into(),
        org: "hi-dsjj".into(),
        roles: vec![],
    };
    let conditional = s
        .open_search(
            OpenQuery {
                open_types: vec![OpenType::Conditional],
                limit: 1,
                ..Default::default()
            },
            vec![],
        )
        .await
        .unwrap()
        .items
        .remove(0);
    let app = s
        .apply_open(
            member.clone(),
            ApplicationInput {
                dataset: conditional.slug.clone(),
                purpose: "研究".into(),
                accept_agreement: true,
            },
        )
        .await
        .unwrap();
    assert!(app.due_date.is_some());
    s.answer_open_application(
        shuqiao_demo::steward_of(&conditional.provider),
        app.id,
        ApplicationAnswer {
            approve: true,
            reason: String::new(),
            quota_per_day: Some(1),
            days: Some(10),
        },
    )
    .await
    .unwrap();
    let key = s.issue_open_key(member.clone(), app.id).await.unwrap();
    s.open_key_read(&key.key, &conditional.code, "t")
        .await
        .unwrap();
    assert!(s
        .open_key_read(&key.key, &conditional.code, "t")
        .await
        .is_err());
    // Taking the key again ends the first.
    let again = s.issue_open_key(member.clone(), app.id).await.unwrap();
    assert!(s
        .open_key_read(&key.key, &conditional.code, "t")
        .await
        .is_err());
    assert_ne!(again.key, key.key);
    let req = s
        .file_open_request(
            member.clone(),
            RequestInput {
                title: "企业登记信息".into(),
                description: "按月汇总".into(),
                org: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(req.org.as_deref(), Some("hi-scjgj"));
    let answered = s
        .answer_open_request(
            shuqiao_demo::steward_of("hi-scjgj"),
            req.id,
            RequestAnswer {
                outcome: RequestOutcome::Opening,
                answer: "已开放".into(),
                dataset: Some(companies.slug.clone()),
                org: None,
            },
        )
        .await;
    // The companies' register was withdrawn above: naming it is naming a missing dataset.
    assert!(answered.is_err());
    let fb = s
        .file_feedback(
            member,
            FeedbackInput {
                dataset: licences.slug.clone(),
                row: Some(all.records[0].0),
                text: "地址有误".into(),
            },
        )
        .await
        .unwrap();
    // Feedback on a row enters the quality loop as a public objection the provider owes;
    // the member is shown the dataset's row, never the record's key.
    let public = || {
        let (s, admin) = (s.clone(), admin.clone());
        async move {
            s.list_objections(admin.clone(), Default::default())
                .await
                .unwrap()
                .into_iter()
                .filter(|o| o.source == "public")
                .collect::<Vec<_>>()
        }
    };
    let filed = public().await;
    assert_eq!(filed.len(), 1);
    assert_eq!(
        (
            filed[0].status.as_str(),
            filed[0].provider.as_str(),
            filed[0].flagger_org.as_str()
        ),
        ("open", licences.provider.as_str(), "public")
    );
    assert!(filed[0].due_date.is_some());
    s.answer_feedback(
        shuqiao_demo::steward_of(&licences.provider),
        fb.id,
        "已更正",
    )
    .await
    .unwrap();
    // Answered on the portal's side, closed in the loop: nothing changed in the record, so
    // the answer counts as disputed.
    let answered = public().await;
    assert_eq!(answered[0].status, "disputed");
    assert!(answered[0].closed_at.is_some());

    // The open negative list: listing ends a release at once and bars a new proposal.
    let code = waiting[0].code.clone();
    let entry = s
        .add_open_negative(
            admin.clone(),
            &code,
            "《数据安全法》第二十一条",
            "涉及重要数据",
        )
        .await
        .unwrap();
    assert_eq!(entry.code, code);
    assert!(s.open_dataset(&waiting[0].slug).await.is_err());
    let again = s
        .propose_open(
            shuqiao_demo::steward_of(&waiting[0].provider),
            &code,
            assessment(),
        )
        .await
        .unwrap_err();
    match again {
        StoreError::Domain(DomainError::Conflict { code, .. }) => {
            assert_eq!(code, "on_open_negative_list")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.open_negative_list(admin.clone()).await.unwrap().len(), 1);
    s.remove_open_negative(admin.clone(), &code, "已脱敏")
        .await
        .unwrap();
    assert!(s
        .open_negative_list(admin.clone())
        .await
        .unwrap()
        .is_empty());
    // Every demo provider's plan for the year is approved.
    let plans = s.open_plans(admin.clone()).await.unwrap();
    assert!(!plans.is_empty() && plans.iter().all(|p| p.status == "approved"));
}
