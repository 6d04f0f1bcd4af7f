//! The demo province loads on both engines and is searchable (slower: kept to one case).
async fn check(s: shuqiao_service::Store) {
    let summary = s
        .load_demo(shuqiao_demo::DEFAULT_SEED)
        .await
        .unwrap()
        .unwrap();
    assert!(summary.published >= 100);
    assert!(
        s.load_demo(1).await.unwrap().is_none(),
        "a second load changes nothing"
    );
    let hits = s.search(super::admin(), super::q("人口")).await.unwrap();
    assert_eq!(hits.items[0].name, "全员人口基础信息");
    let hits = s
        .search(super::admin(), super::q("营业执照"))
        .await
        .unwrap();
    assert!(
        hits.total >= 2
            && hits
                .items
                .iter()
                .all(|r| r.name.contains("营业执照") || r.summary.contains("营业执照")),
        "{hits:?}"
    );
    // Sharing in every state, made through the same rules as real use.
    let stats = s.share_stats(super::admin(), None).await.unwrap();
    assert_eq!(
        (stats.applications_total, stats.applications_pending),
        (5, 2),
        "{stats:?}"
    );
    assert_eq!((stats.needs_total, stats.needs_satisfied), (2, 1));
    assert!(stats.grants_active >= 3, "{stats:?}");
    assert_eq!(s.negative_list(super::admin()).await.unwrap().len(), 1);
    let all = shuqiao_service::share::ShareFilter {
        status: Some("no_resource".into()),
        limit: 500,
        ..Default::default()
    };
    assert_eq!(s.list_responsibilities(all).await.unwrap().items.len(), 4);
    assert_eq!(
        s.share_sweep().await.unwrap().escalated,
        1,
        "the overdue one"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite() {
    let db = shuqiao_service::testkit::sqlite(shuqiao_service::system_clock()).await;
    check(db.store.clone()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres() {
    let Some(db) = shuqiao_service::testkit::postgres(shuqiao_service::system_clock()).await else {
        return;
    };
    check(db.store.clone()).await;
}
