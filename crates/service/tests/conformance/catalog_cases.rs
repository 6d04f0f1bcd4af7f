//! Catalog cases of the conformance suite (run on SQLite and PostgreSQL): the review
//! lifecycle, refused input, search and visibility.
use super::*;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;

pub async fn lifecycle_and_versions(s: Store, _t: Arc<AtomicI64>, _u: String) {
    fixture(&s).await;
    let d = s.create_resource(steward_a(), sample_meta()).await.unwrap();
    assert_eq!(d.status, Status::Draft);
    assert_eq!(d.code, "101001-000001");
    let code = d.code.clone();

    // Another department's steward may not edit; a steward may not publish.
    assert!(matches!(
        domain(
            s.update_resource(steward_b(), &code, sample_meta())
                .await
                .unwrap_err()
        ),
        DomainError::Forbidden { .. }
    ));
    s.submit_resource(steward_a(), &code).await.unwrap();
    assert!(matches!(
        domain(s.publish_resource(steward_a(), &code).await.unwrap_err()),
        DomainError::Forbidden { .. }
    ));
    assert!(matches!(
        domain(
            s.update_resource(steward_a(), &code, sample_meta())
                .await
                .unwrap_err()
        ),
        DomainError::Conflict { .. }
    ));

    let v1 = s.publish_resource(admin(), &code).await.unwrap();
    assert_eq!(v1.published_version, Some(1));
    assert_eq!(v1.status, Status::Published);
    assert!(v1.current.as_ref().unwrap().meta.publish_date.is_some());

    // A change waits as a draft while version 1 keeps serving.
    let mut m = sample_meta();
    m.name = "全员人口基础信息（2026版）".into();
    s.update_resource(steward_a(), &code, m).await.unwrap();
    let seen = s
        .get_resource(person("user.a", Role::ConsumerUser, "d-a"), &code)
        .await
        .unwrap();
    assert_eq!(seen.current.unwrap().meta.name, "全员人口基础信息");
    assert!(seen.draft.is_none(), "a consumer must not see the draft");

    s.submit_resource(steward_a(), &code).await.unwrap();
    let back = s
        .return_resource(admin(), &code, "请补充共享条件")
        .await
        .unwrap();
    assert_eq!(
        back.draft.unwrap().returned_reason.as_deref(),
        Some("请补充共享条件")
    );
    assert!(
        s.return_resource(admin(), &code, "again").await.is_err(),
        "not awaiting review"
    );
    s.submit_resource(steward_a(), &code).await.unwrap();
    let v2 = s.publish_resource(admin(), &code).await.unwrap();
    assert_eq!(v2.published_version, Some(2));
    assert_eq!(
        s.resource_version(admin(), &code, 1)
            .await
            .unwrap()
            .meta
            .name,
        "全员人口基础信息"
    );
    assert_eq!(
        s.resource_version(admin(), &code, 2)
            .await
            .unwrap()
            .meta
            .name,
        "全员人口基础信息（2026版）"
    );
    assert_eq!(s.resource_versions(admin(), &code).await.unwrap().len(), 2);

    assert!(
        s.retire_resource(admin(), &code, " ").await.is_err(),
        "a reason is required"
    );
    let r = s
        .retire_resource(admin(), &code, "数据已并入新资源")
        .await
        .unwrap();
    assert_eq!(r.status, Status::Retired);
    assert!(s
        .update_resource(steward_a(), &code, sample_meta())
        .await
        .is_err());
    assert_eq!(
        s.resource_version(admin(), &code, 1).await.unwrap().version,
        1
    );
    let actions: Vec<String> = s
        .resource_history(admin(), &code)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "create", "submit", "publish", "edit", "submit", "return", "submit", "publish",
            "retire"
        ]
    );
}

pub async fn bad_input_changes_nothing(s: Store, _t: Arc<AtomicI64>, _u: String) {
    fixture(&s).await;
    let mut m = sample_meta();
    m.legal_basis = None;
    m.systems = vec!["nope".into()];
    m.key_fields = vec!["XX".into()];
    let fields = invalid_fields(s.create_resource(steward_a(), m).await.unwrap_err());
    assert_eq!(fields, ["key_fields[0]", "legal_basis", "systems[0]"]);
    let drafts = s
        .search(
            admin(),
            SearchQuery {
                status: Some(Status::Draft),
                limit: 20,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(drafts.total, 0, "nothing stored");

    // The code counter did not move either: the next good resource gets number 1.
    let ok = s.create_resource(steward_a(), sample_meta()).await.unwrap();
    assert_eq!(ok.code, "101001-000001");

    let dup = shuqiao_core::org::Org {
        code: "d-a".into(),
        name: "重复".into(),
        name_en: "dup".into(),
        kind: shuqiao_core::org::OrgKind::Department,
        parent: Some("gov".into()),
        region: "460000".into(),
        credit_code: None,
    };
    assert!(matches!(
        domain(s.create_org(dup.clone(), None).await.unwrap_err()),
        DomainError::Conflict { .. }
    ));
    let bad_cc = shuqiao_core::org::Org {
        code: "d-c".into(),
        credit_code: Some("914403001922038217".into()),
        ..dup
    };
    assert_eq!(
        invalid_fields(s.create_org(bad_cc.clone(), None).await.unwrap_err()),
        ["credit_code"]
    );
    s.create_org(bad_cc, Some("历史颁发的代码，校验位不符".into()))
        .await
        .unwrap();
}

pub async fn search_and_visibility(s: Store, _t: Arc<AtomicI64>, _u: String) {
    fixture(&s).await;
    let closed = s
        .create_resource(steward_a(), sample_meta())
        .await
        .unwrap()
        .code;
    let mut open = sample_meta();
    open.name = "个体工商户营业执照信息".into();
    open.name_en = "Sole proprietor business licence information".into();
    open.summary = "个体工商户登记发证信息".into();
    open.share_type = ShareType::Unconditional;
    open.legal_basis = None;
    open.share_condition = None;
    open.open_type = shuqiao_core::catalog::OpenType::Open;
    open.classification.class_code = "05".into();
    let open = s.create_resource(steward_a(), open).await.unwrap().code;
    for c in [&closed, &open] {
        s.submit_resource(steward_a(), c).await.unwrap();
        s.publish_resource(admin(), c).await.unwrap();
    }
    let draft = s
        .create_resource(steward_a(), sample_meta())
        .await
        .unwrap()
        .code;

    let names = |p: shuqiao_service::catalog::Page<shuqiao_service::catalog::ResourceSummary>| {
        p.items.into_iter().map(|r| r.name).collect::<Vec<_>>()
    };
    assert_eq!(
        names(s.search(admin(), q("人口")).await.unwrap()),
        ["全员人口基础信息"]
    );
    assert_eq!(
        names(s.search(admin(), q("营业执照")).await.unwrap()),
        ["个体工商户营业执照信息"]
    );
    assert_eq!(
        names(s.search(admin(), q("licences")).await.unwrap()),
        ["个体工商户营业执照信息"]
    );
    assert_eq!(
        names(s.search(admin(), q("population")).await.unwrap()),
        ["全员人口基础信息"]
    );
    assert_eq!(s.search(admin(), q("水文")).await.unwrap().total, 0);

    // Anonymous: only what may be opened to the public.
    assert_eq!(
        names(s.search(Principal::Anonymous, q("信息")).await.unwrap()),
        ["个体工商户营业执照信息"]
    );
    assert!(s.get_resource(Principal::Anonymous, &closed).await.is_err());
    assert!(s.get_resource(Principal::Anonymous, &open).await.is_ok());
    // Drafts: the provider's stewards and the operator, nobody else.
    let drafts = SearchQuery {
        status: Some(Status::Draft),
        limit: 20,
        ..Default::default()
    };
    assert_eq!(
        s.search(steward_a(), drafts.clone()).await.unwrap().total,
        1
    );
    assert_eq!(
        s.search(steward_b(), drafts.clone()).await.unwrap().total,
        0
    );
    assert_eq!(s.search(admin(), drafts).await.unwrap().total, 1);
    assert!(s.get_resource(steward_b(), &draft).await.is_err());

    // Filters and paging.
    let f = SearchQuery {
        share_type: Some(ShareType::Conditional),
        limit: 20,
        ..Default::default()
    };
    assert_eq!(
        names(s.search(admin(), f).await.unwrap()),
        ["全员人口基础信息"]
    );
    let f = SearchQuery {
        region: Some("460100".into()),
        limit: 20,
        ..Default::default()
    };
    assert_eq!(s.search(admin(), f).await.unwrap().total, 0);
    let page2 = s
        .search(
            admin(),
            SearchQuery {
                limit: 1,
                offset: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((page2.items.len(), page2.total), (1, 2));
    let past = s
        .search(
            admin(),
            SearchQuery {
                limit: 1,
                offset: 5,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((past.items.len(), past.total), (0, 2));
}

/// Two stores on one database stand for two server replicas: each keeps its own search
/// index, and each sees the other's changes on its next search.
pub async fn search_index_follows_other_replicas(s: Store, _t: Arc<AtomicI64>, url: String) {
    fixture(&s).await;
    let other = Store::open(&url).await.unwrap();
    let drafts = SearchQuery {
        status: Some(Status::Draft),
        limit: 20,
        ..Default::default()
    };
    assert_eq!(other.search(admin(), q("人口")).await.unwrap().total, 0);

    let code = s
        .create_resource(steward_a(), sample_meta())
        .await
        .unwrap()
        .code;
    assert_eq!(
        other.search(admin(), drafts.clone()).await.unwrap().total,
        1
    );
    // A renamed draft is found by its new name only.
    let mut m = sample_meta();
    m.name = "常住人口登记信息".into();
    m.summary = "常住登记".into();
    s.update_resource(steward_a(), &code, m).await.unwrap();
    let hits = other
        .search(
            admin(),
            SearchQuery {
                status: Some(Status::Draft),
                ..q("全员")
            },
        )
        .await
        .unwrap();
    assert_eq!(hits.total, 0, "{hits:?}");
    let hits = other
        .search(
            admin(),
            SearchQuery {
                status: Some(Status::Draft),
                ..q("常住")
            },
        )
        .await
        .unwrap();
    assert_eq!(hits.items[0].code, code);

    s.submit_resource(steward_a(), &code).await.unwrap();
    s.publish_resource(admin(), &code).await.unwrap();
    assert_eq!(other.search(admin(), drafts).await.unwrap().total, 0);
    assert_eq!(
        other.search(admin(), q("人口")).await.unwrap().items[0].code,
        code
    );
    other
        .retire_resource(admin(), &code, "并入新资源")
        .await
        .unwrap();
    assert_eq!(s.search(admin(), q("人口")).await.unwrap().total, 0);
    let retired = SearchQuery {
        status: Some(Status::Retired),
        limit: 20,
        ..Default::default()
    };
    assert_eq!(s.search(admin(), retired).await.unwrap().total, 1);
}
