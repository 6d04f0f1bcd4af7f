//! One storage conformance suite, run against SQLite and against PostgreSQL
//! (the latter when SHUQIAO_TEST_PG_URL is set).
use shuqiao_core::account::{Principal, Role, RoleBinding};
use shuqiao_core::catalog::{ShareType, Status};
use shuqiao_core::DomainError;
use shuqiao_store::catalog::SearchQuery;
use shuqiao_store::testkit::{self, fixture, sample_meta};
use shuqiao_store::{Store, StoreError};

const T0: i64 = 1_790_000_000_000;

fn person(username: &str, role: Role, org: &str) -> Principal {
    Principal::Person {
        username: username.into(),
        org: org.into(),
        roles: vec![RoleBinding {
            role,
            org: org.into(),
        }],
    }
}
fn steward_a() -> Principal {
    person("steward.a", Role::DataSteward, "d-a")
}
fn steward_b() -> Principal {
    person("steward.b", Role::DataSteward, "d-b")
}
fn admin() -> Principal {
    person("admin", Role::PlatformAdmin, "op")
}

fn domain(e: StoreError) -> DomainError {
    match e {
        StoreError::Domain(d) => d,
        other => panic!("expected a domain error, got {other:?}"),
    }
}

fn invalid_fields(e: StoreError) -> Vec<String> {
    match domain(e) {
        DomainError::Invalid(errs) => errs.into_iter().map(|e| e.field).collect(),
        other => panic!("expected invalid, got {other:?}"),
    }
}

fn q(text: &str) -> SearchQuery {
    SearchQuery {
        q: Some(text.into()),
        limit: 20,
        ..Default::default()
    }
}

mod cases {
    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

    pub async fn migrations_are_versioned(s: Store, _t: Arc<AtomicI64>, url: String) {
        let latest = shuqiao_store::migrate::MIGRATIONS.last().unwrap().version;
        assert_eq!(s.schema_version().await.unwrap(), latest);
        assert!(s.is_empty().await.unwrap());
        // Opening again applies nothing new and keeps the data.
        fixture(&s).await;
        let again = Store::open(&url).await.unwrap();
        assert_eq!(again.schema_version().await.unwrap(), latest);
        assert!(!again.is_empty().await.unwrap());
    }

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

        let names = |p: shuqiao_store::catalog::Page<shuqiao_store::catalog::ResourceSummary>| {
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

    pub async fn audit_log_receipts_and_proofs(s: Store, _t: Arc<AtomicI64>, url: String) {
        use shuqiao_core::audit::merkle::{verify_consistency, verify_inclusion, Hash};
        use shuqiao_core::audit::note::{Checkpoint, NoteVerifier, SignedNote};
        use shuqiao_store::audit::AuditKeys;

        fn keys() -> AuditKeys {
            let signer =
                shuqiao_core::audit::note::NoteSigner::new("test.shuqiao/audit", [5u8; 32])
                    .unwrap();
            AuditKeys {
                signer,
                subject_secret: [6u8; 32],
            }
        }
        fn h(s: &str) -> Hash {
            hex::decode(s).unwrap().try_into().unwrap()
        }
        fn entry(i: usize) -> shuqiao_core::audit::entry::Entry {
            shuqiao_core::audit::entry::Entry {
                time: T0 + i as i64,
                actor_org: "d-a".into(),
                actor_system: Some("d-a-sys".into()),
                actor_person: None,
                action: "exchange.lookup".into(),
                resource: Some("101001-000001".into()),
                resource_version: Some(1),
                grant: Some("g1".into()),
                purpose: Some("测试".into()),
                result: "ok".into(),
                subjects: vec![format!("subject-{}", i % 3)],
            }
        }

        // Fail closed without keys.
        assert!(matches!(
            s.audit_append(vec![entry(0)]).await,
            Err(StoreError::AuditUnavailable)
        ));
        // Tree levels from 2 up are kept in memory, so this small log exercises the cache.
        let s = s.with_audit(keys()).with_audit_cache_from_level(2);
        let verifier = NoteVerifier::parse(&s.audit_public_key().unwrap()).unwrap();

        // Catalog changes wait in the pending queue and are sealed by the next batch.
        fixture(&s).await;
        s.create_resource(steward_a(), sample_meta()).await.unwrap();
        assert_eq!(s.audit_seal_pending().await.unwrap(), 1);

        // A second store on the same database stands for another replica; appends alternate.
        // Its cache misses what `s` appended, and must catch up from the database.
        let other = Store::open(&url)
            .await
            .unwrap()
            .with_audit(keys())
            .with_audit_cache_from_level(1);
        let mut receipts = Vec::new();
        for round in 0..6 {
            let who = if round % 2 == 0 { &s } else { &other };
            receipts.extend(
                who.audit_append((0..7).map(|i| entry(round * 7 + i)).collect())
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(
            receipts.iter().map(|r| r.index).collect::<Vec<_>>(),
            (1..43).collect::<Vec<_>>()
        );
        let mut checkpoints = Vec::new();
        for r in &receipts {
            let note = SignedNote::parse(&r.checkpoint).unwrap();
            assert!(note.signed_by(&verifier));
            let cp = Checkpoint::parse_body(&note.body).unwrap();
            assert_eq!(cp.size, r.tree_size);
            let proof: Vec<Hash> = r.inclusion_proof.iter().map(|p| h(p)).collect();
            assert!(
                verify_inclusion(&h(&r.leaf_hash), r.index, r.tree_size, &proof, &cp.root),
                "receipt {}",
                r.index
            );
            checkpoints.push(cp);
        }
        // Every checkpoint is consistent with every later one.
        for a in checkpoints.iter().step_by(7) {
            for b in checkpoints.iter().step_by(7).filter(|b| b.size >= a.size) {
                let who = if (a.size + b.size) % 2 == 0 {
                    &s
                } else {
                    &other
                };
                let proof: Vec<Hash> = who
                    .audit_consistency_proof(a.size, b.size)
                    .await
                    .unwrap()
                    .iter()
                    .map(|p| h(p))
                    .collect();
                assert!(
                    verify_consistency(a.size, b.size, &proof, &a.root, &b.root),
                    "{} → {}",
                    a.size,
                    b.size
                );
            }
        }
        // Proofs can be asked for later, for any size the log has reached.
        let last = checkpoints.last().unwrap();
        let proof: Vec<Hash> = other
            .audit_inclusion_proof(5, last.size)
            .await
            .unwrap()
            .iter()
            .map(|p| h(p))
            .collect();
        let leaf = receipts.iter().find(|r| r.index == 5).unwrap();
        assert!(verify_inclusion(
            &h(&leaf.leaf_hash),
            5,
            last.size,
            &proof,
            &last.root
        ));
        assert!(s.audit_inclusion_proof(5, last.size + 1).await.is_err());
        let newest = SignedNote::parse(&s.audit_checkpoint().await.unwrap()).unwrap();
        assert_eq!(Checkpoint::parse_body(&newest.body).unwrap(), *last);

        // Many concurrent appenders through the sequencer: grouped, each with a valid receipt.
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    s.audit_submit(vec![entry(100 + i), entry(200 + i)])
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut indices = Vec::new();
        for t in tasks {
            let rs = t.await.unwrap();
            assert_eq!(rs.len(), 2);
            for r in rs {
                let cp = Checkpoint::parse_body(&SignedNote::parse(&r.checkpoint).unwrap().body)
                    .unwrap();
                let proof: Vec<Hash> = r.inclusion_proof.iter().map(|p| h(p)).collect();
                assert!(verify_inclusion(
                    &h(&r.leaf_hash),
                    r.index,
                    cp.size,
                    &proof,
                    &cp.root
                ));
                indices.push(r.index);
            }
        }
        indices.sort();
        assert_eq!(indices, (last.size..last.size + 80).collect::<Vec<_>>());

        // The other replica has not seen those 80 entries: its cache catches up on demand.
        let newest = SignedNote::parse(&s.audit_checkpoint().await.unwrap()).unwrap();
        let newest = Checkpoint::parse_body(&newest.body).unwrap();
        for index in [0, 5, last.size, newest.size - 1] {
            let proof: Vec<Hash> = other
                .audit_inclusion_proof(index, newest.size)
                .await
                .unwrap()
                .iter()
                .map(|p| h(p))
                .collect();
            let (_, leaf) = other.audit_entry(index).await.unwrap();
            assert!(
                verify_inclusion(&h(&leaf), index, newest.size, &proof, &newest.root),
                "entry {index} at {}",
                newest.size
            );
        }
        let proof: Vec<Hash> = other
            .audit_consistency_proof(last.size, newest.size)
            .await
            .unwrap()
            .iter()
            .map(|p| h(p))
            .collect();
        assert!(verify_consistency(
            last.size,
            newest.size,
            &proof,
            &last.root,
            &newest.root
        ));
    }

    pub async fn credentials(s: Store, t: Arc<AtomicI64>, _u: String) {
        fixture(&s).await;
        let (token, info) = s
            .issue_token("d-a-sys", "exchange", 30, "user:admin")
            .await
            .unwrap();
        assert!(token.starts_with("sq_"));
        assert!(
            matches!(s.authenticate(&token).await.unwrap(), Some(Principal::System { ref system, .. }) if system == "d-a-sys")
        );
        assert_eq!(s.authenticate("sq_unknown").await.unwrap(), None);
        assert!(s
            .list_tokens(None)
            .await
            .unwrap()
            .iter()
            .all(|t| !t.prefix.is_empty() && t.prefix.len() < 20));

        // Expiry.
        t.fetch_add(31 * 86_400_000, Ordering::SeqCst);
        assert_eq!(s.authenticate(&token).await.unwrap(), None);
        t.store(T0, Ordering::SeqCst);
        // Revocation takes effect at once.
        s.revoke_token(info.id).await.unwrap();
        assert_eq!(s.authenticate(&token).await.unwrap(), None);
        assert!(s.revoke_token(info.id).await.is_err());

        // Sessions and throttling.
        let (session, acct) = s.login("steward.a", testkit::PASSWORD).await.unwrap();
        assert_eq!(acct.username, "steward.a");
        assert!(matches!(
            s.authenticate(&session).await.unwrap(),
            Some(Principal::Person { .. })
        ));
        for _ in 0..5 {
            assert!(matches!(
                domain(s.login("steward.a", "wrong-pass-1").await.unwrap_err()),
                DomainError::Unauthenticated { .. }
            ));
        }
        assert!(matches!(
            domain(s.login("steward.a", testkit::PASSWORD).await.unwrap_err()),
            DomainError::Throttled { .. }
        ));
        t.fetch_add(301_000, Ordering::SeqCst);
        s.login("steward.a", testkit::PASSWORD).await.unwrap();
        s.logout(&session).await.unwrap();
        assert_eq!(s.authenticate(&session).await.unwrap(), None);
        assert!(matches!(
            domain(s.login("nobody", "whatever-1").await.unwrap_err()),
            DomainError::Unauthenticated { .. }
        ));
    }
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread")]
            async fn $case() {
                let (clock, t) = shuqiao_store::testkit::manual_clock(super::T0);
                let db = shuqiao_store::testkit::sqlite(clock).await;
                super::cases::$case(db.store.clone(), t, db.url.clone()).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread")]
            async fn $case() {
                let (clock, t) = shuqiao_store::testkit::manual_clock(super::T0);
                let Some(db) = shuqiao_store::testkit::postgres(clock).await else { return };
                super::cases::$case(db.store.clone(), t, db.url.clone()).await;
            })*
        }
    };
}

conformance!(
    migrations_are_versioned,
    lifecycle_and_versions,
    bad_input_changes_nothing,
    search_and_visibility,
    search_index_follows_other_replicas,
    audit_log_receipts_and_proofs,
    credentials
);

/// The demo province loads on both engines and is searchable (slower: kept to one case).
mod demo {
    async fn check(s: shuqiao_store::Store) {
        let summary = s
            .load_demo(shuqiao_core::demo::DEFAULT_SEED)
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
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn sqlite() {
        let db = shuqiao_store::testkit::sqlite(shuqiao_store::system_clock()).await;
        check(db.store.clone()).await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn postgres() {
        let Some(db) = shuqiao_store::testkit::postgres(shuqiao_store::system_clock()).await else {
            return;
        };
        check(db.store.clone()).await;
    }
}
