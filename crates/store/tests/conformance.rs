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

/// The field and reason of a one-field validation error.
fn invalid_fields_and_reason(e: StoreError) -> (String, &'static str) {
    match domain(e) {
        DomainError::Invalid(errs) => (errs[0].field.clone(), errs[0].reason),
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

/// The audit keys the log's cases sign with.
fn test_audit_keys() -> shuqiao_store::audit::AuditKeys {
    let signer =
        shuqiao_core::audit::note::NoteSigner::new("test.shuqiao/audit", [5u8; 32]).unwrap();
    shuqiao_store::audit::AuditKeys {
        signer,
        subject_secret: [6u8; 32],
    }
}

/// An exchange lookup entry, the `i`-th of a series (three subjects in turn).
fn test_entry(i: u64) -> shuqiao_core::audit::entry::Entry {
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

#[path = "conformance/audit_cases.rs"]
mod audit_cases;
#[path = "conformance/collect_cases.rs"]
mod collect_cases;
#[path = "conformance/exchange_cases.rs"]
mod exchange_cases;

mod cases {
    pub use super::audit_cases::*;
    pub use super::collect_cases::*;
    pub use super::exchange_cases::*;
    pub use super::share_cases::*;
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

        fn h(s: &str) -> Hash {
            hex::decode(s).unwrap().try_into().unwrap()
        }
        let keys = test_audit_keys;
        let entry = |i: usize| test_entry(i as u64);

        // Fail closed without keys.
        assert!(matches!(
            s.audit_append(vec![entry(0)]).await,
            Err(StoreError::AuditUnavailable)
        ));
        // Tree levels from 2 up are kept in memory, so this small log exercises the cache.
        let s = s.with_audit(keys()).with_audit_cache_from_level(2);
        let verifier = NoteVerifier::parse(&s.audit_public_key().unwrap()).unwrap();

        // Catalog changes wait in the pending queue and are sealed by the next batch, with
        // the fixture's six security changes (the first admin, four accounts, a system).
        fixture(&s).await;
        s.create_resource(steward_a(), sample_meta()).await.unwrap();
        assert_eq!(s.audit_seal_pending().await.unwrap(), 7);

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
            (7..49).collect::<Vec<_>>()
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
            .audit_inclusion_proof(10, last.size)
            .await
            .unwrap()
            .iter()
            .map(|p| h(p))
            .collect();
        let leaf = receipts.iter().find(|r| r.index == 10).unwrap();
        assert!(verify_inclusion(
            &h(&leaf.leaf_hash),
            10,
            last.size,
            &proof,
            &last.root
        ));
        assert!(s.audit_inclusion_proof(10, last.size + 1).await.is_err());
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

    /// The subject index keeps spans of entries and a prefix of each subject hash: a query
    /// finds every entry of a subject in every span, before, during and after indexing, and
    /// never an entry of another subject whose hash starts the same.
    pub async fn subject_index_spans_and_prefixes(s: Store, _t: Arc<AtomicI64>, _u: String) {
        // Four entries a span: thirty entries make eight spans.
        let s = s.with_audit(test_audit_keys()).with_subject_span_bits(2);
        let same_start = "0123456789abcdef";
        let a = format!("{same_start}{}", "a".repeat(48));
        let b = format!("{same_start}{}", "b".repeat(48));
        let c = "c".repeat(64);
        let subjects = |i: u64| match i % 3 {
            0 => vec![a.clone()],
            1 => vec![b.clone()],
            _ => vec![a.clone(), c.clone()],
        };
        let mut of_a = Vec::new();
        for round in 0..3u64 {
            let entries: Vec<_> = (round * 10..round * 10 + 10)
                .map(|i| shuqiao_core::audit::entry::Entry {
                    subjects: subjects(i),
                    ..test_entry(i)
                })
                .collect();
            let receipts = s.audit_append(entries).await.unwrap();
            of_a.extend(
                receipts
                    .iter()
                    .zip(round * 10..)
                    .filter(|(_, i)| i % 3 != 1)
                    .map(|(r, _)| r.index),
            );
        }
        of_a.reverse();
        let found = |subject: String| {
            let s = s.clone();
            async move {
                let page = s
                    .audit_entries(shuqiao_store::audit::AuditFilter {
                        subject: Some(subject),
                        limit: 100,
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                assert_eq!(page.total as usize, page.items.len());
                page.items.iter().map(|r| r.index).collect::<Vec<u64>>()
            }
        };
        let check = |stage: &'static str| {
            let (found, of_a, a, b, c) = (found, of_a.clone(), a.clone(), b.clone(), c.clone());
            async move {
                assert_eq!(found(a).await, of_a, "{stage}: newest first, every span");
                assert_eq!(
                    found(b).await.len(),
                    10,
                    "{stage}: a shared prefix is no match"
                );
                assert_eq!(
                    found(c).await.len(),
                    10,
                    "{stage}: a second subject of an entry"
                );
                assert!(
                    found(same_start.to_string()).await.is_empty(),
                    "{stage}: a prefix alone"
                );
            }
        };
        check("nothing indexed").await;
        assert!(!s.audit_index_subjects().await.unwrap(), "all in one pass");
        check("indexed").await;
        assert!(!s.audit_index_subjects().await.unwrap());
        check("indexed twice").await;
        // An entry after the pass is found above the mark, beside the indexed ones.
        let newest = s
            .audit_append(vec![shuqiao_core::audit::entry::Entry {
                subjects: vec![a.clone()],
                ..test_entry(30)
            }])
            .await
            .unwrap()[0]
            .index;
        assert_eq!(found(a.clone()).await[..2], [newest, of_a[0]]);
    }

    pub async fn subjects_see_who_accessed_their_data(s: Store, _t: Arc<AtomicI64>, _u: String) {
        use shuqiao_core::audit::entry::{Entry, SubjectKind};
        use shuqiao_core::audit::merkle::{leaf_hash, verify_inclusion, Hash};
        use shuqiao_core::audit::note::{Checkpoint, SignedNote};
        use shuqiao_store::subjects::SubjectRegistration;
        let s =
            s.with_audit(shuqiao_store::audit::AuditKeys::generate("test.shuqiao/audit").unwrap());
        fixture(&s).await;
        const ID: &str = "11010519491231002X";
        let reg = |username: &str, kind: &str, identifier: &str| SubjectRegistration {
            username: username.into(),
            display_name: "张三".into(),
            kind: kind.into(),
            identifier: identifier.into(),
            password: "Citizen-pass-2026".into(),
        };
        assert!(matches!(
            domain(
                s.register_subject(steward_a(), reg("zhang", "person", ID))
                    .await
                    .unwrap_err()
            ),
            DomainError::Forbidden { .. }
        ));
        assert_eq!(
            invalid_fields(
                s.register_subject(admin(), reg("zhang", "person", "110105194912310021"))
                    .await
                    .unwrap_err()
            ),
            ["identifier"]
        );
        s.register_subject(admin(), reg("zhang", "person", ID))
            .await
            .unwrap();
        s.register_subject(admin(), reg("acme", "company", "914403001922038216"))
            .await
            .unwrap();

        // Accesses as the exchange records them: the subject only as its keyed hash.
        let zhang = s.audit_subject_key(SubjectKind::Person, ID).unwrap();
        let acme = s
            .audit_subject_key(SubjectKind::Company, "914403001922038216")
            .unwrap();
        let access = |i: i64, subjects: Vec<String>| Entry {
            time: T0 + i,
            actor_org: "d-b".into(),
            actor_system: Some("d-b-sys".into()),
            actor_person: None,
            action: "exchange.lookup".into(),
            resource: Some("101001-000001".into()),
            resource_version: Some(1),
            grant: Some("7".into()),
            purpose: Some("社保资格认证".into()),
            result: "ok".into(),
            subjects,
        };
        s.audit_submit(vec![
            access(1, vec![zhang.clone()]),
            access(2, vec![acme]),
            access(3, vec![zhang.clone(), "other".into()]),
        ])
        .await
        .unwrap();

        let who = |u: &str| Principal::Person {
            username: u.into(),
            org: "op".into(),
            roles: vec![],
        };
        let mine = s.my_accesses(who("zhang"), 50, 0).await.unwrap();
        assert_eq!(mine.items.len(), 2);
        // Found above the subject index's mark (from the entries themselves) and below it
        // alike; indexing twice changes nothing.
        assert!(!s.audit_index_subjects().await.unwrap());
        assert!(!s.audit_index_subjects().await.unwrap());
        let indexed = s.my_accesses(who("zhang"), 50, 0).await.unwrap();
        let indices = |p: &shuqiao_store::subjects::ProvenAccesses| -> Vec<u64> {
            p.items.iter().map(|a| a.record.index).collect()
        };
        assert_eq!(indices(&indexed), indices(&mine));
        s.audit_submit(vec![access(4, vec![zhang.clone()])])
            .await
            .unwrap();
        let both = s.my_accesses(who("zhang"), 50, 0).await.unwrap();
        assert_eq!(both.items.len(), 3, "one above the mark, two below");
        let mine = both;
        assert_eq!(mine.items[0].record.entry.time, T0 + 4, "newest first");
        assert_eq!(
            mine.items[0].record.entry.purpose.as_deref(),
            Some("社保资格认证")
        );
        let note = SignedNote::parse(&mine.checkpoint).unwrap();
        assert!(note.signed_by(
            &shuqiao_core::audit::note::NoteVerifier::parse(&s.audit_public_key().unwrap())
                .unwrap()
        ));
        let cp = Checkpoint::parse_body(&note.body).unwrap();
        for a in &mine.items {
            let proof: Vec<Hash> = a
                .inclusion_proof
                .iter()
                .map(|h| hex::decode(h).unwrap().try_into().unwrap())
                .collect();
            let leaf = leaf_hash(&a.record.entry.encode());
            assert_eq!(hex::encode(leaf), a.leaf_hash);
            assert!(verify_inclusion(
                &leaf,
                a.record.index,
                cp.size,
                &proof,
                &cp.root
            ));
        }
        assert_eq!(
            s.my_accesses(who("acme"), 50, 0).await.unwrap().items.len(),
            1
        );
        assert!(matches!(
            domain(s.my_accesses(steward_a(), 50, 0).await.unwrap_err()),
            DomainError::Forbidden {
                code: "not_a_subject",
                ..
            }
        ));
        // An identified subject sees the catalog as the public does.
        let d = s.create_resource(steward_a(), sample_meta()).await.unwrap();
        s.submit_resource(steward_a(), &d.code).await.unwrap();
        s.publish_resource(admin(), &d.code).await.unwrap();
        assert_eq!(
            s.search(who("zhang"), q("人口")).await.unwrap().total,
            0,
            "not open to the public"
        );
        assert_eq!(s.search(steward_b(), q("人口")).await.unwrap().total, 1);
    }

    pub async fn credentials(s: Store, t: Arc<AtomicI64>, _u: String) {
        fixture(&s).await;
        let (token, info) = s
            .issue_token(
                &shuqiao_store::testkit::admin_principal(),
                "d-a-sys",
                "exchange",
                30,
            )
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
        s.revoke_token(&shuqiao_store::testkit::admin_principal(), info.id)
            .await
            .unwrap();
        assert_eq!(s.authenticate(&token).await.unwrap(), None);
        assert!(s
            .revoke_token(&shuqiao_store::testkit::admin_principal(), info.id)
            .await
            .is_err());

        // Sessions and throttling.
        let (session, acct) = s
            .login("steward.a", testkit::PASSWORD, "cli")
            .await
            .unwrap();
        assert_eq!(acct.username, "steward.a");
        assert!(matches!(
            s.authenticate(&session).await.unwrap(),
            Some(Principal::Person { .. })
        ));
        for _ in 0..5 {
            assert!(matches!(
                domain(
                    s.login("steward.a", "wrong-pass-1", "cli")
                        .await
                        .unwrap_err()
                ),
                DomainError::Unauthenticated { .. }
            ));
        }
        assert!(matches!(
            domain(
                s.login("steward.a", testkit::PASSWORD, "cli")
                    .await
                    .unwrap_err()
            ),
            DomainError::Throttled { .. }
        ));
        t.fetch_add(301_000, Ordering::SeqCst);
        s.login("steward.a", testkit::PASSWORD, "cli")
            .await
            .unwrap();
        s.logout(&session).await.unwrap();
        assert_eq!(s.authenticate(&session).await.unwrap(), None);
        assert!(matches!(
            domain(s.login("nobody", "whatever-1", "cli").await.unwrap_err()),
            DomainError::Unauthenticated { .. }
        ));
    }
}

/// Sharing: the three lists, subscriptions, applications, grants, deadlines, notifications.
mod share_cases {
    use super::*;
    use shuqiao_core::share::calendar::{start_of_china_day, HolidaySpan, YearCalendar};
    use shuqiao_core::share::{
        AccessRequest, Approval, Decision, NeedInput, NegativeAction, NegativeProposalInput,
        ResponsibilityInput,
    };
    use shuqiao_store::share::ShareFilter;
    use shuqiao_store::testkit::{share_fixture, CONSUMERS};
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

    const HOUR: i64 = 3600 * 1000;

    fn at(date: &str, hour: i64) -> i64 {
        start_of_china_day(shuqiao_core::catalog::parse_date(date).unwrap()) + hour * HOUR
    }
    fn consumer(org: &str) -> Principal {
        person(&format!("user.{org}"), Role::ConsumerUser, org)
    }
    fn legal() -> Principal {
        person("legal", Role::LegalReviewer, "legal")
    }
    fn secrecy() -> Principal {
        person("secrecy", Role::SecrecyReviewer, "secrecy")
    }
    fn request(org: &str, resource: &str) -> AccessRequest {
        AccessRequest {
            system: format!("{org}-sys"),
            resource: resource.into(),
            fields: vec!["GMSFHM".into(), "XM".into()],
            purpose: "政务服务身份核验".into(),
            scene: "办理社保卡".into(),
            legal_basis: "《社会保险法》".into(),
            days: 365,
        }
    }
    fn all() -> ShareFilter {
        ShareFilter {
            limit: 100,
            ..Default::default()
        }
    }
    fn code_of(e: StoreError) -> &'static str {
        match domain(e) {
            DomainError::Forbidden { code, .. }
            | DomainError::Conflict { code, .. }
            | DomainError::NotFound { code, .. }
            | DomainError::Unauthenticated { code, .. } => code,
            DomainError::Invalid(errs) => errs[0].reason,
            DomainError::Throttled { .. } => "throttled",
        }
    }

    pub async fn subscribe_apply_approve_revoke(s: Store, t: Arc<AtomicI64>, _u: String) {
        fixture(&s).await;
        let (open, cond) = share_fixture(&s).await;
        t.store(at("2026-02-13", 10), Ordering::SeqCst);

        // Unconditional: a grant at once, and only once per system.
        let g = s
            .subscribe(consumer("c1"), request("c1", &open))
            .await
            .unwrap();
        assert_eq!(
            (g.state, g.fields.clone()),
            ("active", vec!["GMSFHM".to_string(), "XM".to_string()])
        );
        assert_eq!(
            code_of(
                s.subscribe(consumer("c1"), request("c1", &open))
                    .await
                    .unwrap_err()
            ),
            "already_subscribed"
        );
        assert_eq!(
            code_of(
                s.subscribe(consumer("c1"), request("c1", &cond))
                    .await
                    .unwrap_err()
            ),
            "conditional_resource"
        );
        assert_eq!(
            code_of(
                s.apply(consumer("c1"), request("c1", &open))
                    .await
                    .unwrap_err()
            ),
            "unconditional_resource"
        );

        // Refusals: another department's system, empty purpose, unknown field.
        assert_eq!(
            code_of(
                s.apply(consumer("c1"), request("c2", &cond))
                    .await
                    .unwrap_err()
            ),
            "not_consumer_of_system"
        );
        let mut bad = request("c1", &cond);
        bad.purpose = " ".into();
        bad.fields.push("NOPE".into());
        assert_eq!(
            invalid_fields(s.apply(consumer("c1"), bad).await.unwrap_err()),
            ["purpose", "fields"]
        );
        assert!(
            s.list_applications(admin(), all(), "newest")
                .await
                .unwrap()
                .items
                .is_empty(),
            "refusals change nothing"
        );
        let mut closed = sample_meta();
        closed.name = "涉密人员信息".into();
        closed.share_type = ShareType::NotShared;
        closed.share_condition = None;
        let closed = s.create_resource(steward_a(), closed).await.unwrap().code;
        s.submit_resource(steward_a(), &closed).await.unwrap();
        s.publish_resource(admin(), &closed).await.unwrap();
        assert_eq!(
            code_of(
                s.apply(consumer("c1"), request("c1", &closed))
                    .await
                    .unwrap_err()
            ),
            "not_shared"
        );

        // Filed on the Friday before the Spring Festival: due at the end of Tue 24 Feb.
        let app = s.apply(consumer("c1"), request("c1", &cond)).await.unwrap();
        assert_eq!(app.status, "pending");
        assert_eq!(app.due_date.as_deref(), Some("2026-02-24"));

        // Only the provider's steward decides; the answer may narrow but not widen.
        assert_eq!(
            code_of(
                s.approve_application(steward_b(), app.id, Approval::default())
                    .await
                    .unwrap_err()
            ),
            "not_provider_steward"
        );
        assert_eq!(
            code_of(
                s.approve_application(consumer("c1"), app.id, Approval::default())
                    .await
                    .unwrap_err()
            ),
            "not_provider_steward"
        );
        let narrower = Approval {
            fields: Some(vec!["XM".into()]),
            days: Some(30),
            opinion: "仅同意姓名".into(),
            quota_per_day: Some(1000),
        };
        let done = s
            .approve_application(steward_a(), app.id, narrower)
            .await
            .unwrap();
        assert_eq!(done.status, "approved");
        let grant = s
            .get_grant(consumer("c1"), done.grant_id.unwrap())
            .await
            .unwrap();
        assert_eq!(
            (grant.fields.clone(), grant.quota_per_day),
            (vec!["XM".to_string()], Some(1000))
        );
        assert_eq!(grant.expires_at - grant.created_at, 30 * 24 * HOUR);
        assert_eq!(
            code_of(
                s.reject_application(steward_a(), app.id, "晚了".into())
                    .await
                    .unwrap_err()
            ),
            "already_decided"
        );

        // The grant is visible to consumer, provider and operator, not to others.
        assert_eq!(
            s.list_grants(consumer("c1"), all())
                .await
                .unwrap()
                .items
                .len(),
            2
        );
        assert_eq!(
            s.list_grants(steward_a(), all()).await.unwrap().items.len(),
            2
        );
        assert_eq!(s.list_grants(admin(), all()).await.unwrap().items.len(), 2);
        assert!(s
            .list_grants(steward_b(), all())
            .await
            .unwrap()
            .items
            .is_empty());
        assert_eq!(
            code_of(s.get_grant(steward_b(), grant.id).await.unwrap_err()),
            "grant_not_found"
        );

        // Revocation takes effect at once.
        assert_eq!(s.active_grants("c1-sys", &cond).await.unwrap().len(), 1);
        assert_eq!(
            code_of(
                s.revoke_grant(consumer("c1"), grant.id, "不再需要".into())
                    .await
                    .unwrap_err()
            ),
            "not_grant_party"
        );
        s.revoke_grant(steward_a(), grant.id, "业务调整".into())
            .await
            .unwrap();
        assert!(s.active_grants("c1-sys", &cond).await.unwrap().is_empty());

        // Every decision is in the history and in the consumer's inbox.
        let h = s
            .get_application(consumer("c1"), app.id)
            .await
            .unwrap()
            .history
            .unwrap();
        let kinds: Vec<&str> = h.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["application.file", "application.approve"]);
        assert_eq!(
            code_of(s.get_application(steward_b(), app.id).await.unwrap_err()),
            "application_not_found"
        );
        let inbox = s.inbox(consumer("c1"), all(), false).await.unwrap();
        let kinds: Vec<&str> = inbox.items.iter().map(|i| i.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "grant.revoke",
                "grant.create",
                "application.approve",
                "grant.create"
            ]
        );
        s.mark_read(consumer("c1"), inbox.items[0].id)
            .await
            .unwrap();
        assert_eq!(
            s.inbox(consumer("c1"), all(), true)
                .await
                .unwrap()
                .items
                .len(),
            3
        );
        assert_eq!(
            code_of(
                s.mark_read(steward_b(), inbox.items[1].id)
                    .await
                    .unwrap_err()
            ),
            "notification_not_found"
        );
    }

    pub async fn deadlines_calendar_and_escalation(s: Store, t: Arc<AtomicI64>, _u: String) {
        fixture(&s).await;
        let (_, cond) = share_fixture(&s).await;
        // Filed on a make-up Saturday.
        t.store(at("2026-02-14", 9), Ordering::SeqCst);
        let sat = s.apply(consumer("c1"), request("c1", &cond)).await.unwrap();
        assert_eq!(sat.due_date.as_deref(), Some("2026-02-25"));
        // Filed on 30 Dec 2026: the second working day is in 2027, which has no calendar.
        t.store(at("2026-12-30", 15), Ordering::SeqCst);
        let dec = s.apply(consumer("c2"), request("c2", &cond)).await.unwrap();
        assert_eq!((dec.due_at, dec.due_unknown_year), (None, Some(2027)));
        let sup = s.supervision_list(admin()).await.unwrap();
        assert!(
            sup.iter().any(|a| a.id == dec.id),
            "an unknown deadline is flagged to the operator"
        );

        // Loading 2027 gives it a deadline; only the operator may load calendars.
        let y2027 = YearCalendar {
            year: 2027,
            source: "测试用 2027 年安排".into(),
            holidays: vec![HolidaySpan {
                name: "元旦".into(),
                from: "2027-01-01".into(),
                to: "2027-01-03".into(),
            }],
            workdays: vec![],
        };
        assert_eq!(
            code_of(
                s.load_calendar_year(steward_a(), y2027.clone())
                    .await
                    .unwrap_err()
            ),
            "requires_platform_admin"
        );
        assert_eq!(s.load_calendar_year(admin(), y2027).await.unwrap(), 1);
        let dec = s.get_application(admin(), dec.id).await.unwrap();
        assert_eq!(
            (dec.due_date.as_deref(), dec.due_unknown_year),
            (Some("2027-01-04"), None)
        );
        assert_eq!(
            s.calendar_years()
                .await
                .unwrap()
                .iter()
                .map(|y| y.year)
                .collect::<Vec<_>>(),
            [2025, 2026, 2027]
        );

        // The February application is long overdue: the sweep escalates it once.
        let report = s.share_sweep().await.unwrap();
        assert_eq!(report.escalated, 1);
        assert_eq!(s.share_sweep().await.unwrap().escalated, 0);
        let sup = s.supervision_list(admin()).await.unwrap();
        assert!(sup
            .iter()
            .any(|a| a.id == sat.id && a.escalated_at.is_some() && a.overdue));
        assert_eq!(
            code_of(s.supervision_list(steward_a()).await.unwrap_err()),
            "requires_platform_admin"
        );
        // Answered late, it stays counted against the provider.
        s.approve_application(steward_a(), sat.id, Approval::default())
            .await
            .unwrap();
        let stats = s.share_stats(admin(), None).await.unwrap();
        assert_eq!(
            (
                stats.applications_answered,
                stats.applications_answered_on_time,
                stats.applications_escalated
            ),
            (1, 0, 1)
        );
        assert_eq!(stats.on_time_rate, Some(0.0));
        let mine = s
            .share_stats(steward_a(), Some("d-a".into()))
            .await
            .unwrap();
        assert_eq!(mine.applications_total, 2);
        assert_eq!(
            code_of(s.share_stats(steward_a(), None).await.unwrap_err()),
            "requires_platform_admin"
        );

        // The answer time is configurable by the operator.
        assert_eq!(
            code_of(s.set_answer_working_days(steward_a(), 3).await.unwrap_err()),
            "requires_platform_admin"
        );
        s.set_answer_working_days(admin(), 3).await.unwrap();
        t.store(at("2026-02-13", 10), Ordering::SeqCst);
        let three = s.apply(consumer("c3"), request("c3", &cond)).await.unwrap();
        assert_eq!(three.due_date.as_deref(), Some("2026-02-25"));

        // Grants expire by themselves, and the sweep tells both sides once.
        let g = s
            .get_grant(
                admin(),
                s.get_application(admin(), sat.id)
                    .await
                    .unwrap()
                    .grant_id
                    .unwrap(),
            )
            .await
            .unwrap();
        t.store(g.expires_at + 1, Ordering::SeqCst);
        assert!(s.active_grants("c1-sys", &cond).await.unwrap().is_empty());
        assert_eq!(s.share_sweep().await.unwrap().expired, 1);
        assert_eq!(s.share_sweep().await.unwrap().expired, 0);
        assert_eq!(s.get_grant(admin(), g.id).await.unwrap().state, "expired");
    }

    pub async fn concurrent_approvals_make_one_decision(s: Store, t: Arc<AtomicI64>, _u: String) {
        fixture(&s).await;
        let (_, cond) = share_fixture(&s).await;
        t.store(at("2026-03-02", 10), Ordering::SeqCst);
        for org in &CONSUMERS[..5] {
            let app = s.apply(consumer(org), request(org, &cond)).await.unwrap();
            let (a, b) = tokio::join!(
                s.approve_application(steward_a(), app.id, Approval::default()),
                s.approve_application(steward_a(), app.id, Approval::default()),
            );
            assert!(
                a.is_ok() != b.is_ok(),
                "exactly one approval wins: {a:?} {b:?}"
            );
            let loser = if a.is_ok() { b } else { a };
            assert_eq!(code_of(loser.unwrap_err()), "already_decided");
        }
        let grants = s.list_grants(admin(), all()).await.unwrap();
        assert_eq!(grants.items.len(), 5, "one grant per application");
        let page = ShareFilter {
            limit: 2,
            offset: 4,
            ..Default::default()
        };
        let last = s.list_grants(admin(), page).await.unwrap();
        assert_eq!(
            (last.items.len(), last.total),
            (1, 5),
            "the total is not the page"
        );
    }

    pub async fn negative_list_needs_three_reviewers(s: Store, t: Arc<AtomicI64>, _u: String) {
        fixture(&s).await;
        let (open, cond) = share_fixture(&s).await;
        t.store(at("2026-03-02", 10), Ordering::SeqCst);
        let g = s
            .subscribe(consumer("c1"), request("c1", &open))
            .await
            .unwrap();
        let pending = s.apply(consumer("c2"), request("c2", &cond)).await.unwrap();
        let proposal = |action| NegativeProposalInput {
            resource: open.clone(),
            action,
            legal_basis: "《中华人民共和国保守国家秘密法》第二十条".into(),
            reason: "涉及敏感信息".into(),
        };
        assert_eq!(
            code_of(
                s.propose_negative(steward_b(), proposal(NegativeAction::Add))
                    .await
                    .unwrap_err()
            ),
            "not_provider_steward"
        );
        let mut no_basis = proposal(NegativeAction::Add);
        no_basis.legal_basis.clear();
        assert_eq!(
            invalid_fields(s.propose_negative(steward_a(), no_basis).await.unwrap_err()),
            ["legal_basis"]
        );
        assert_eq!(
            code_of(
                s.propose_negative(steward_a(), proposal(NegativeAction::Remove))
                    .await
                    .unwrap_err()
            ),
            "not_negative_listed"
        );
        let p = s
            .propose_negative(steward_a(), proposal(NegativeAction::Add))
            .await
            .unwrap();
        assert_eq!(
            p.awaiting,
            ["platform_admin", "legal_reviewer", "secrecy_reviewer"]
        );
        assert_eq!(
            code_of(
                s.propose_negative(steward_a(), proposal(NegativeAction::Add))
                    .await
                    .unwrap_err()
            ),
            "proposal_pending"
        );

        assert_eq!(
            code_of(
                s.review_negative(steward_a(), p.id, Decision::Approve, String::new(), None)
                    .await
                    .unwrap_err()
            ),
            "not_negative_reviewer"
        );
        s.review_negative(admin(), p.id, Decision::Approve, String::new(), None)
            .await
            .unwrap();
        assert_eq!(
            code_of(
                s.review_negative(admin(), p.id, Decision::Approve, String::new(), None)
                    .await
                    .unwrap_err()
            ),
            "already_reviewed"
        );
        let p2 = s
            .review_negative(legal(), p.id, Decision::Approve, "符合".into(), None)
            .await
            .unwrap();
        assert_eq!(
            (p2.status.as_str(), p2.awaiting.clone()),
            ("pending", vec!["secrecy_reviewer".to_string()])
        );
        assert_eq!(
            s.active_grants("c1-sys", &open).await.unwrap().len(),
            1,
            "nothing changes before the last review"
        );
        let p3 = s
            .review_negative(secrecy(), p.id, Decision::Approve, "同意".into(), None)
            .await
            .unwrap();
        assert_eq!(p3.status, "approved");

        // Now 不予共享: the grant ended, nothing new can be made.
        assert!(s.active_grants("c1-sys", &open).await.unwrap().is_empty());
        assert_eq!(s.get_grant(admin(), g.id).await.unwrap().state, "revoked");
        assert_eq!(
            code_of(
                s.subscribe(consumer("c3"), request("c3", &open))
                    .await
                    .unwrap_err()
            ),
            "negative_listed"
        );
        let list = s.negative_list(steward_b()).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].resource, open);
        assert_eq!(
            s.get_application(admin(), pending.id).await.unwrap().status,
            "pending",
            "other resources untouched"
        );

        // Taking it off is reviewed the same way; one rejection (with a reason) ends it.
        let off = s
            .propose_negative(steward_a(), proposal(NegativeAction::Remove))
            .await
            .unwrap();
        assert_eq!(
            invalid_fields(
                s.review_negative(secrecy(), off.id, Decision::Reject, " ".into(), None)
                    .await
                    .unwrap_err()
            ),
            ["opinion"]
        );
        let off = s
            .review_negative(secrecy(), off.id, Decision::Reject, "仍涉密".into(), None)
            .await
            .unwrap();
        assert_eq!(off.status, "rejected");
        assert_eq!(s.negative_list(admin()).await.unwrap().len(), 1);
        let off = s
            .propose_negative(steward_a(), proposal(NegativeAction::Remove))
            .await
            .unwrap();
        for r in [admin(), legal(), secrecy()] {
            s.review_negative(r, off.id, Decision::Approve, "可以共享".into(), None)
                .await
                .unwrap();
        }
        assert!(s.negative_list(admin()).await.unwrap().is_empty());
        s.subscribe(consumer("c3"), request("c3", &open))
            .await
            .unwrap();
    }

    pub async fn needs_responsibilities_and_conversion(s: Store, t: Arc<AtomicI64>, _u: String) {
        fixture(&s).await;
        let (_, cond) = share_fixture(&s).await;
        t.store(at("2026-03-02", 10), Ordering::SeqCst);

        // 责任清单 with its gaps.
        let r = |resource: Option<&str>, title: &str| ResponsibilityInput {
            org: "d-a".into(),
            title: title.into(),
            duty: "三定方案：负责人口管理".into(),
            resource: resource.map(str::to_string),
        };
        assert_eq!(
            code_of(
                s.add_responsibility(steward_b(), r(None, "户籍"))
                    .await
                    .unwrap_err()
            ),
            "not_org_steward"
        );
        let linked = s
            .add_responsibility(steward_a(), r(Some(&cond), "人口基础信息"))
            .await
            .unwrap();
        assert_eq!(linked.gap, Some("no_data"));
        let missing = s
            .add_responsibility(admin(), r(None, "流动人口信息"))
            .await
            .unwrap();
        assert_eq!(missing.gap, Some("no_resource"));
        let gaps = s
            .list_responsibilities(ShareFilter {
                org: Some("d-a".into()),
                status: Some("gap".into()),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(gaps.items.len(), 2);
        // `total` counts every match, not the page: two gaps, shown one at a time.
        let first_of_two = s
            .list_responsibilities(ShareFilter {
                org: Some("d-a".into()),
                status: Some("gap".into()),
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!((first_of_two.items.len(), first_of_two.total), (1, 2));
        // The filter applies before paging: the one uncatalogued duty comes back on page one.
        let missing_only = ShareFilter {
            status: Some("no_resource".into()),
            limit: 1,
            ..Default::default()
        };
        let page = s.list_responsibilities(missing_only).await.unwrap();
        assert_eq!(
            page.items
                .iter()
                .map(|r| r.title.as_str())
                .collect::<Vec<_>>(),
            ["流动人口信息"]
        );

        // 需求清单: stated → confirmed → satisfied by a grant; rejected ones count against the rate.
        let need = |title: &str| NeedInput {
            org: None,
            title: title.into(),
            description: "办理业务需要核验身份".into(),
            resource: None,
        };
        let n1 = s
            .state_need(consumer("c1"), need("人口信息"))
            .await
            .unwrap();
        let n2 = s
            .state_need(consumer("c1"), need("不存在的数据"))
            .await
            .unwrap();
        assert_eq!(
            code_of(
                s.confirm_need(steward_b(), n1.id, Some(cond.clone()))
                    .await
                    .unwrap_err()
            ),
            "not_need_decider"
        );
        let n1 = s
            .confirm_need(steward_a(), n1.id, Some(cond.clone()))
            .await
            .unwrap();
        assert_eq!(n1.status, "confirmed");
        assert_eq!(
            invalid_fields(s.reject_need(admin(), n2.id, "".into()).await.unwrap_err()),
            ["reason"]
        );
        s.reject_need(admin(), n2.id, "无此数据".into())
            .await
            .unwrap();

        // Six departments approved: the sixth approval proposes conversion.
        for org in CONSUMERS {
            let app = s.apply(consumer(org), request(org, &cond)).await.unwrap();
            s.approve_application(steward_a(), app.id, Approval::default())
                .await
                .unwrap();
            let open = s
                .list_conversions(
                    admin(),
                    ShareFilter {
                        status: Some("proposed".into()),
                        limit: 10,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(open.items.len(), usize::from(org == "c6"), "after {org}");
        }
        assert_eq!(
            s.get_need(consumer("c1"), n1.id).await.unwrap().status,
            "satisfied"
        );
        let stats = s.share_stats(admin(), None).await.unwrap();
        assert_eq!(
            (
                stats.needs_total,
                stats.needs_satisfied,
                stats.needs_rejected
            ),
            (2, 1, 1)
        );
        assert_eq!(stats.need_satisfaction_rate, Some(0.5));
        assert!(s
            .list_needs(steward_b(), all())
            .await
            .unwrap()
            .items
            .is_empty());
        assert_eq!(
            s.list_needs(steward_a(), all()).await.unwrap().items.len(),
            1,
            "the provider sees needs for its resources"
        );

        let conv = s
            .list_conversions(steward_a(), all())
            .await
            .unwrap()
            .items
            .remove(0);
        assert_eq!(conv.consumers, 6);
        assert_eq!(
            invalid_fields(
                s.keep_conditional(steward_a(), conv.id, "".into())
                    .await
                    .unwrap_err()
            ),
            ["legal_basis"]
        );
        assert_eq!(
            code_of(s.accept_conversion(steward_b(), conv.id).await.unwrap_err()),
            "not_provider_steward"
        );
        let done = s.accept_conversion(steward_a(), conv.id).await.unwrap();
        assert_eq!(done.status, "accepted");
        // The catalog change waits for the operator like any other.
        let d = s.get_resource(admin(), &cond).await.unwrap();
        let draft = d.draft.expect("a submitted draft");
        assert_eq!(draft.meta.share_type, ShareType::Unconditional);
        s.publish_resource(admin(), &cond).await.unwrap();
        s.subscribe(consumer("c1"), request("c1", &cond))
            .await
            .unwrap();
    }

    /// Every change to who may do what is sealed with who did it, in the change's own
    /// transaction (a refused or failed change leaves nothing), and never with a secret.
    pub async fn security_changes_are_sealed(s: Store, _t: Arc<AtomicI64>, _u: String) {
        use shuqiao_core::account::{Account, InfoSystem};
        use shuqiao_store::audit::AuditFilter;
        let s = s.with_audit(test_audit_keys());
        fixture(&s).await;
        let new_account = |username: &str| Account {
            username: username.into(),
            display_name: "新人".into(),
            org: "d-b".into(),
            roles: vec![RoleBinding {
                role: Role::DataSteward,
                org: "d-b".into(),
            }],
            disabled: false,
        };
        const NEW_PASSWORD: &str = "Secret-pass-2026";
        assert!(matches!(
            domain(
                s.create_account(&steward_a(), new_account("x.one"), NEW_PASSWORD.into())
                    .await
                    .unwrap_err()
            ),
            DomainError::Forbidden { .. }
        ));
        s.create_account(&admin(), new_account("x.one"), NEW_PASSWORD.into())
            .await
            .unwrap();
        assert!(s
            .create_account(&admin(), new_account("x.one"), NEW_PASSWORD.into())
            .await
            .is_err());
        let system = InfoSystem {
            code: "d-b-new".into(),
            name: "新系统".into(),
            name_en: "New system".into(),
            org: "d-b".into(),
            description: String::new(),
        };
        assert!(s.create_system(&steward_b(), system.clone()).await.is_err());
        s.create_system(&admin(), system).await.unwrap();
        assert!(s
            .issue_token(&steward_a(), "d-a-sys", "x", 30)
            .await
            .is_err());
        let (token, info) = s.issue_token(&admin(), "d-a-sys", "x", 30).await.unwrap();
        assert!(s.revoke_token(&steward_a(), info.id).await.is_err());
        s.revoke_token(&admin(), info.id).await.unwrap();
        assert!(
            s.revoke_token(&admin(), info.id).await.is_err(),
            "already revoked"
        );
        s.set_webhook_allowed_hosts(
            shuqiao_core::share::webhook::AllowedHosts::parse(&["hooks.internal"]).unwrap(),
        );
        let hook = s
            .add_webhook(
                steward_b(),
                "d-b".into(),
                "http://hooks.internal/in?key=receiver-secret".into(),
            )
            .await
            .unwrap();
        s.remove_webhook(steward_b(), hook.id).await.unwrap();

        s.audit_seal_pending().await.unwrap();
        let sealed = |action: &str| {
            let (s, action) = (s.clone(), action.to_string());
            async move {
                s.audit_entries(AuditFilter {
                    action: Some(action),
                    limit: 10,
                    ..Default::default()
                })
                .await
                .unwrap()
                .items
            }
        };
        let who = |items: &[shuqiao_store::audit::AuditRecord]| -> Vec<(String, Option<String>, Option<String>)> {
            items
                .iter()
                .map(|r| {
                    (
                        r.entry.actor_org.clone(),
                        r.entry.actor_person.clone(),
                        r.entry.resource.clone(),
                    )
                })
                .collect()
        };
        let admin_did = |target: &str| {
            vec![(
                "op".to_string(),
                Some("admin".to_string()),
                Some(target.to_string()),
            )]
        };
        assert_eq!(
            who(&sealed("admin.bootstrap").await),
            vec![("op".to_string(), None, Some("account:admin".to_string()))],
            "the first admin, made from the command line"
        );
        let created = sealed("account.create").await;
        assert!(created
            .iter()
            .any(|r| r.entry.resource.as_deref() == Some("account:x.one")
                && r.entry.actor_person.as_deref() == Some("admin")
                && r.entry.purpose.as_deref() == Some("roles: data_steward@d-b")));
        assert_eq!(
            created
                .iter()
                .filter(|r| r.entry.resource.as_deref() == Some("account:x.one"))
                .count(),
            1,
            "the refused and the failed attempts left nothing"
        );
        assert_eq!(
            who(&sealed("system.register").await)[0],
            admin_did("system:d-b-new")[0]
        );
        let token_target = format!("token:{}", info.id);
        let issued = sealed("token.issue").await;
        assert_eq!(who(&issued), admin_did(&token_target));
        assert!(issued[0]
            .entry
            .purpose
            .as_deref()
            .unwrap()
            .contains("system: d-a-sys"));
        assert_eq!(who(&sealed("token.revoke").await), admin_did(&token_target));
        let registered = sealed("webhook.register").await;
        assert_eq!(
            (
                registered[0].entry.actor_person.as_deref(),
                registered[0].entry.purpose.as_deref()
            ),
            (
                Some("steward.b"),
                Some("org: d-b; url: http://hooks.internal:80")
            ),
            "the origin only: the query may hold the receiver's secret"
        );
        assert_eq!(sealed("webhook.delete").await.len(), 1);
        let all = s
            .audit_entries(AuditFilter {
                limit: 500,
                ..Default::default()
            })
            .await
            .unwrap();
        let text = serde_json::to_string(&all.items).unwrap();
        for secret in [
            token.as_str(),
            NEW_PASSWORD,
            testkit::PASSWORD,
            "receiver-secret",
            hook.secret.as_deref().unwrap(),
        ] {
            assert!(!text.contains(secret), "no secret in the log");
        }
    }

    /// Failed sign-ins lock an account for the address they came from only, an address that
    /// tries many accounts is locked for all, and unknown names are answered like known ones.
    pub async fn login_throttle_is_per_account_and_address(
        s: Store,
        t: Arc<AtomicI64>,
        _u: String,
    ) {
        fixture(&s).await;
        let answer = |r: Result<(String, shuqiao_core::account::Account), StoreError>| match r {
            Ok(_) => "ok".to_string(),
            Err(e) => match domain(e) {
                DomainError::Unauthenticated { code, msg } => format!("{code}: {}", msg.en),
                DomainError::Throttled { code, msg, .. } => format!("{code}: {}", msg.en),
                other => panic!("{other:?}"),
            },
        };
        for name in ["steward.a", "nobody.here"] {
            for _ in 0..5 {
                assert_eq!(
                    answer(s.login(name, "wrong-pass-1", "203.0.113.1").await),
                    "bad_credentials: wrong username or password",
                    "{name}"
                );
            }
            assert_eq!(
                answer(s.login(name, testkit::PASSWORD, "203.0.113.1").await),
                "too_many_attempts: too many failed sign-ins to this account from your address; try again in 5 min",
                "{name}: a known and an unknown name lock alike"
            );
        }
        assert_eq!(
            answer(
                s.login("steward.a", testkit::PASSWORD, "198.51.100.7")
                    .await
            ),
            "ok",
            "the owner, elsewhere, still signs in"
        );
        t.fetch_add(240_000, Ordering::SeqCst);
        assert!(
            answer(s.login("steward.a", testkit::PASSWORD, "203.0.113.1").await)
                .ends_with("try again in 1 min")
        );
        t.fetch_add(61_000, Ordering::SeqCst);
        assert_eq!(
            answer(s.login("steward.a", testkit::PASSWORD, "203.0.113.1").await),
            "ok"
        );

        // One address spraying guesses over many names is locked for every account.
        for i in 0..30 {
            let name = format!("guess{i}");
            assert!(answer(s.login(&name, "wrong-pass-1", "203.0.113.9").await)
                .starts_with("bad_credentials"));
        }
        assert_eq!(
            answer(s.login("steward.b", testkit::PASSWORD, "203.0.113.9").await),
            "too_many_attempts: too many failed sign-ins from your address; try again in 15 min"
        );
        assert_eq!(
            answer(s.login("steward.b", testkit::PASSWORD, "cli").await),
            "ok"
        );

        // Concurrent guesses are counted before any is checked: five get an answer.
        let guesses = (0..12).map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.login("user.a", "wrong-pass-1", "192.0.2.44").await })
        });
        let mut checked = 0;
        for g in guesses {
            if answer(g.await.unwrap()).starts_with("bad_credentials") {
                checked += 1;
            }
        }
        assert_eq!(checked, 5);
    }

    pub async fn webhook_outbox_retries(s: Store, t: Arc<AtomicI64>, _u: String) {
        fixture(&s).await;
        let (open, _) = share_fixture(&s).await;
        t.store(at("2026-03-02", 10), Ordering::SeqCst);
        assert_eq!(
            code_of(
                s.add_webhook(steward_b(), "c1".into(), "https://c1.example/hook".into())
                    .await
                    .unwrap_err()
            ),
            "not_org_steward"
        );
        assert_eq!(
            invalid_fields(
                s.add_webhook(admin(), "c1".into(), "ftp://x".into())
                    .await
                    .unwrap_err()
            ),
            ["url"]
        );
        // Loopback, private, link-local and metadata addresses, also behind a name, and URLs
        // with credentials are refused unless the operator allows the host.
        for (url, reason) in [
            ("http://127.0.0.1:9/hook", "forbidden_address"),
            ("http://[::1]:6379/", "forbidden_address"),
            (
                "http://169.254.169.254/latest/meta-data/",
                "forbidden_address",
            ),
            ("http://10.1.2.3/hook", "forbidden_address"),
            ("http://localhost:9/hook", "forbidden_address"),
            ("http://user:pw@hooks.example/hook", "credentials_in_url"),
        ] {
            let e = s
                .add_webhook(admin(), "c1".into(), url.into())
                .await
                .unwrap_err();
            assert_eq!(
                invalid_fields_and_reason(e),
                ("url".into(), reason),
                "{url}"
            );
        }
        s.set_webhook_allowed_hosts(
            shuqiao_core::share::webhook::AllowedHosts::parse(&["127.0.0.1:9"]).unwrap(),
        );
        let e = s
            .add_webhook(admin(), "c1".into(), "http://127.0.0.1:10/hook".into())
            .await
            .unwrap_err();
        assert_eq!(
            invalid_fields_and_reason(e).1,
            "forbidden_address",
            "another port of an allowed host"
        );
        let w = s
            .add_webhook(admin(), "c1".into(), "http://127.0.0.1:9/hook".into())
            .await
            .unwrap();
        assert!(w.secret.as_deref().is_some_and(|x| x.starts_with("whsec_")));
        assert!(
            s.list_webhooks(admin(), "c1".into()).await.unwrap()[0]
                .secret
                .is_none(),
            "shown once"
        );

        s.subscribe(consumer("c1"), request("c1", &open))
            .await
            .unwrap();
        let batch = s.claim_deliveries(10).await.unwrap();
        assert_eq!(batch.len(), 1);
        let body: serde_json::Value = serde_json::from_str(&batch[0].payload).unwrap();
        assert_eq!(body["kind"], "grant.create");
        assert!(
            s.claim_deliveries(10).await.unwrap().is_empty(),
            "claimed for a lease"
        );
        s.delivery_result(batch[0].id, Some("connection refused".into()))
            .await
            .unwrap();
        assert!(
            s.claim_deliveries(10).await.unwrap().is_empty(),
            "not before the retry delay"
        );
        t.fetch_add(5_000, Ordering::SeqCst);
        let again = s.claim_deliveries(10).await.unwrap();
        assert_eq!((again.len(), again[0].attempts), (1, 1));
        s.delivery_result(again[0].id, None).await.unwrap();
        let w = s
            .list_webhooks(admin(), "c1".into())
            .await
            .unwrap()
            .remove(0);
        assert_eq!((w.pending, w.delivered, w.failed), (0, 1, 0));
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
    credentials,
    subjects_see_who_accessed_their_data,
    subject_index_spans_and_prefixes,
    audit_records_beside_the_sealed_bytes_are_checked,
    subscribe_apply_approve_revoke,
    deadlines_calendar_and_escalation,
    concurrent_approvals_make_one_decision,
    negative_list_needs_three_reviewers,
    needs_responsibilities_and_conversion,
    webhook_outbox_retries,
    security_changes_are_sealed,
    login_throttle_is_per_account_and_address,
    collect_versions_history_and_snapshot,
    collect_bad_rows_policies_and_duplicates,
    collect_push_is_idempotent_and_overrides_are_audited,
    collect_upserts_merge_and_replacing_is_explicit,
    exchange_queries_feed_downloads_and_usage,
    hidden_keys_leave_as_pseudonyms_of_one_system,
    downloads_name_the_subjects_of_their_snapshot,
    lookups_go_on_while_an_import_holds_the_data,
    revocations_by_another_process_end_access_at_the_next_call,
    lookups_see_each_change_to_a_record_at_the_next_call,
    lookups_see_changes_written_outside_shuqiao,
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
        let all = shuqiao_store::share::ShareFilter {
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

/// SQLite keeps the audit log in a file of its own beside the database (`db::SqliteDb`).
mod sqlite_audit_file {
    use shuqiao_core::audit::entry::Entry;
    use shuqiao_store::Store;

    use super::{test_audit_keys as keys, test_entry as entry};

    fn table_sql(path: &str, table: &str) -> Option<String> {
        rusqlite::Connection::open(path)
            .unwrap()
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = ?1",
                [table],
                |r| r.get(0),
            )
            .ok()
    }

    /// A database from before the move (its log in the main file, an entry still pending)
    /// is moved on opening: same checkpoint, same proofs, the pending entry sealed once.
    #[tokio::test(flavor = "multi_thread")]
    async fn an_older_database_moves_its_log_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name).display().to_string();
        // A log made by today's code, to copy into the old layout.
        let a = Store::open(&path("a.db")).await.unwrap().with_audit(keys());
        let mut receipts = Vec::new();
        for round in 0..4 {
            receipts.extend(
                a.audit_append((0..5).map(|i| entry(round * 5 + i)).collect())
                    .await
                    .unwrap(),
            );
        }
        let checkpoint = a.audit_checkpoint().await.unwrap();

        let old = path("old.db");
        let c = rusqlite::Connection::open(&old).unwrap();
        c.execute_batch(
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .unwrap();
        for m in shuqiao_store::migrate::MIGRATIONS
            .iter()
            .filter(|m| m.version < shuqiao_store::migrate::AUDIT_FILE_VERSION)
        {
            c.execute_batch(m.sqlite).unwrap();
            c.execute(
                "INSERT INTO schema_migrations VALUES (?1, ?2, 0)",
                rusqlite::params![m.version, m.name],
            )
            .unwrap();
        }
        c.execute(
            "ATTACH DATABASE ?1 AS a",
            [shuqiao_store::db::audit_path(&path("a.db"))],
        )
        .unwrap();
        c.execute_batch(
            "UPDATE main.audit_head SET size = (SELECT size FROM a.audit_head), root = (SELECT root FROM a.audit_head);
             INSERT INTO main.audit_entries SELECT idx, entry, time, actor_org, actor_system,
                 actor_person, action, resource, grant_id, purpose, result FROM a.audit_entries;
             INSERT INTO main.audit_nodes SELECT pos % 64, ((pos / 64 + 1) >> (pos % 64)) - 1, hash
                 FROM a.audit_nodes;
             INSERT INTO main.audit_checkpoints SELECT * FROM a.audit_checkpoints;",
        )
        .unwrap();
        // The old layout indexed subjects as it sequenced.
        let subjects: Vec<(i64, String)> = c
            .prepare("SELECT idx, subjects FROM a.audit_entries WHERE subjects IS NOT NULL")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (idx, list) in &subjects {
            for s in list.split(' ') {
                c.execute(
                    "INSERT INTO main.audit_subjects (subject, idx) VALUES (?1, ?2)",
                    rusqlite::params![s, idx],
                )
                .unwrap();
            }
        }
        c.execute_batch("DETACH DATABASE a").unwrap();
        let waiting = Entry {
            action: "catalog.publish".into(),
            ..entry(99)
        };
        c.execute(
            "INSERT INTO audit_pending (entry, created_at) VALUES (?1, 0)",
            [serde_json::to_string(&waiting).unwrap()],
        )
        .unwrap();
        drop(c);

        let b = Store::open(&old).await.unwrap().with_audit(keys());
        assert!(std::path::Path::new(&shuqiao_store::db::audit_path(&old)).exists());
        assert_eq!(table_sql(&old, "audit_entries"), None, "moved, not copied");
        assert_eq!(
            table_sql(&old, "audit_subjects"),
            None,
            "the subject index moved too"
        );
        let audit_file = shuqiao_store::db::audit_path(&old);
        assert_eq!(table_sql(&audit_file, "audit_subjects"), None);
        assert!(
            table_sql(&audit_file, "audit_subject_index").is_some(),
            "and is laid out in spans"
        );
        assert!(table_sql(&old, "audit_pending")
            .unwrap()
            .contains("AUTOINCREMENT"));
        assert_eq!(b.audit_checkpoint().await.unwrap(), checkpoint);
        for r in receipts.iter().step_by(3) {
            assert_eq!(
                b.audit_inclusion_proof(r.index, r.tree_size).await.unwrap(),
                r.inclusion_proof,
                "entry {}",
                r.index
            );
        }
        assert_eq!(b.audit_seal_pending().await.unwrap(), 21);
        assert_eq!(b.audit_seal_pending().await.unwrap(), 21, "sealed once");
        assert_eq!(b.audit_entry(20).await.unwrap().0, waiting);
        // The old index counts as taken up; the entry sealed since is found in the tail, and
        // in the index once it has caught up.
        let of = |subject: &str| shuqiao_store::audit::AuditFilter {
            subject: Some(subject.into()),
            limit: 100,
            ..Default::default()
        };
        let before = b.audit_entries(of("subject-0")).await.unwrap();
        assert_eq!(before.total, 8, "{before:?}");
        assert_eq!(before.items[0].index, 20);
        assert!(!b.audit_index_subjects().await.unwrap());
        assert_eq!(b.audit_entries(of("subject-0")).await.unwrap(), before);
        // Opening again moves nothing twice.
        let again = Store::open(&old).await.unwrap().with_audit(keys());
        assert_eq!(again.audit_seal_pending().await.unwrap(), 21);
    }

    /// Appends an entry to a fresh database, removes one of its files (with its WAL), and
    /// checks that opening it is refused `times` times, naming the file and `what`.
    async fn refused_without(file: fn(&str) -> String, what: &str, times: usize) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db").display().to_string();
        let s = Store::open(&db).await.unwrap().with_audit(keys());
        s.audit_append(vec![entry(0)]).await.unwrap();
        drop(s);
        let gone = file(&db);
        assert!(std::path::Path::new(&gone).exists(), "{gone}");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{gone}{suffix}"));
        }
        for _ in 0..times {
            let err = Store::open(&db).await.err().expect("opened without it");
            assert!(
                err.to_string().contains(what) && err.to_string().contains(&gone),
                "{err}"
            );
        }
    }

    /// A database whose audit file has gone missing does not start with an empty log.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_missing_audit_file_is_refused() {
        refused_without(shuqiao_store::db::audit_path, "audit log file", 1).await;
    }

    /// Acknowledged entries wait in the audit journal until the spreader moves them: a
    /// database whose journal has gone missing is refused too, and not only on the next start.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_missing_audit_journal_is_refused() {
        refused_without(shuqiao_store::db::journal_path, "audit journal", 2).await;
    }

    /// A store with the log on, on a new database in a temporary directory; the database's
    /// path and its journal's.
    async fn journaled_store() -> (tempfile::TempDir, String, String, Store) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db").display().to_string();
        let journal = shuqiao_store::db::journal_path(&db);
        let s = Store::open(&db).await.unwrap().with_audit(keys());
        (dir, db, journal, s)
    }

    /// A journal from an older backup than the audit file: nothing more is acknowledged (the
    /// entries could never join the log), and the log that is there still reads.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_journal_behind_the_audit_file_seals_nothing() {
        let (dir, db, journal, s) = journaled_store().await;
        s.audit_append(vec![entry(0)]).await.unwrap();
        // The backup: the journal holding the first batch only.
        let old = dir.path().join("old-journal").display().to_string();
        std::fs::copy(&journal, &old).unwrap();
        s.audit_append(vec![entry(1)]).await.unwrap();
        assert_eq!(s.audit_entry(1).await.unwrap().0, entry(1), "spread");
        drop(s);
        // The journal restored from that backup, the audit file not.
        std::fs::copy(&old, &journal).unwrap();
        let again = Store::open(&db).await.unwrap().with_audit(keys());
        let r = again.audit_append(vec![entry(2)]).await;
        assert!(r.is_err(), "{r:?}");
        assert_eq!(again.audit_entry(1).await.unwrap().0, entry(1));
    }

    /// The journal is read back after a crash: a batch torn in the middle of its write (never
    /// acknowledged) is ignored, every whole one is kept, and the log goes on from there.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_torn_journal_record_is_ignored_and_the_rest_kept() {
        let (_dir, db, journal, s) = journaled_store().await;
        s.audit_append(vec![entry(0)]).await.unwrap();
        let whole = std::fs::read(&journal).unwrap();
        s.audit_append(vec![entry(1), entry(2)]).await.unwrap();
        drop(s);
        // The second record torn: only its first 200 bytes reached the disk.
        let mut torn = std::fs::read(&journal).unwrap();
        assert!(
            torn.len() > whole.len(),
            "the second batch follows the first"
        );
        torn[whole.len() + 200..].fill(0);
        std::fs::write(&journal, &torn).unwrap();
        assert_eq!(
            shuqiao_store::audit::Journal::batches_in(&journal).unwrap(),
            vec![(0, 1)]
        );
        let again = Store::open(&db).await.unwrap().with_audit(keys());
        let next = again.audit_append(vec![entry(3)]).await.unwrap();
        assert_eq!((next[0].index, next[0].tree_size), (1, 2));
        assert_eq!(again.audit_entry(1).await.unwrap().0, entry(3));
        assert_eq!(
            shuqiao_store::audit::Journal::batches_in(&journal).unwrap(),
            vec![(0, 1), (1, 2)]
        );
    }

    /// Writes run ahead of the journal's sync, so a power cut may keep a batch and lose the
    /// one before it. Nothing after the gap was acknowledged: opening clears it, and the log
    /// goes on from the gap as if it had never been written.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_batch_kept_after_a_lost_one_is_cleared_on_opening() {
        let (_dir, db, journal, s) = journaled_store().await;
        s.audit_append(vec![entry(0)]).await.unwrap();
        let first = std::fs::read(&journal).unwrap().len();
        s.audit_append(vec![entry(1)]).await.unwrap();
        let second = std::fs::read(&journal).unwrap().len();
        s.audit_append(vec![entry(2), entry(3)]).await.unwrap();
        drop(s);
        // The power cut: the second batch never reached the disk, the third did.
        let mut cut = std::fs::read(&journal).unwrap();
        cut[first..second].fill(0);
        std::fs::write(&journal, &cut).unwrap();
        assert_eq!(
            shuqiao_store::audit::Journal::batches_in(&journal).unwrap(),
            vec![(2, 4)],
            "the third batch alone is left at the journal's end"
        );
        let again = Store::open(&db).await.unwrap().with_audit(keys());
        assert_eq!(
            shuqiao_store::audit::Journal::batches_in(&journal).unwrap(),
            vec![(0, 1)],
            "cleared on opening"
        );
        let next = again.audit_append(vec![entry(5)]).await.unwrap();
        assert_eq!((next[0].index, next[0].tree_size), (1, 2));
        assert_eq!(again.audit_entry(0).await.unwrap().0, entry(0));
        assert_eq!(again.audit_entry(1).await.unwrap().0, entry(5));
        assert!(
            again.audit_entry(2).await.is_err(),
            "nothing of the lost batches"
        );
        let cp = again.audit_checkpoint().await.unwrap();
        drop(again);
        let third = Store::open(&db).await.unwrap().with_audit(keys());
        assert_eq!(
            third.audit_checkpoint().await.unwrap(),
            cp,
            "and it reads back"
        );
    }

    /// A database from before the journal was a file of its own: its SQLite journal's batches
    /// (acknowledged, not yet in the audit file) are moved in when it opens, the old file is
    /// removed, and the log goes on.
    #[tokio::test(flavor = "multi_thread")]
    async fn an_sqlite_journal_of_an_earlier_version_is_moved_in() {
        let (dir, db, _, s) = journaled_store().await;
        let mut receipts = s.audit_append(vec![entry(0), entry(1)]).await.unwrap();
        receipts.extend(s.audit_append(vec![entry(2)]).await.unwrap());
        drop(s);
        shuqiao_store::db::journal_to_legacy(&db).unwrap();
        let legacy = dir.path().join("s-audit-journal.db");
        assert!(legacy.exists());
        let s = Store::open(&db).await.unwrap().with_audit(keys());
        assert!(!legacy.exists(), "moved in and removed");
        for (i, r) in receipts.iter().enumerate() {
            assert_eq!(s.audit_entry(i as u64).await.unwrap().0, entry(i as u64));
            assert_eq!(
                s.audit_inclusion_proof(r.index, r.tree_size).await.unwrap(),
                r.inclusion_proof
            );
        }
        let next = s.audit_append(vec![entry(3)]).await.unwrap();
        assert_eq!((next[0].index, next[0].tree_size), (3, 4));
        drop(s);
        let s = Store::open(&db).await.unwrap().with_audit(keys());
        assert_eq!(s.audit_entry(3).await.unwrap().0, entry(3));
    }

    /// The journal file is a ring: once it has passed its span (8 MiB) and the batches at its
    /// start are in the audit file, writing starts there again; the file stops growing, and
    /// what it holds reads back after a restart.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_journal_file_is_written_round_and_read_back() {
        let (_dir, db, journal, s) = journaled_store().await;
        // One block (4 KiB) a batch: 3,000 batches are 12 MiB.
        let mut last = None;
        for i in 0..3_000u64 {
            last = Some(s.audit_append(vec![entry(i)]).await.unwrap());
            if i % 100 == 99 {
                s.audit_spread().await.unwrap();
            }
        }
        let len = std::fs::metadata(&journal).unwrap().len();
        assert!(len <= 9 << 20, "the journal grew to {len} bytes");
        let batches = shuqiao_store::audit::Journal::batches_in(&journal).unwrap();
        assert_eq!(batches.last(), Some(&(2_999, 3_000)));
        drop(s);
        let s = Store::open(&db).await.unwrap().with_audit(keys());
        let r = &last.unwrap()[0];
        assert_eq!(s.audit_entry(2_999).await.unwrap().0, entry(2_999));
        assert_eq!(
            s.audit_inclusion_proof(r.index, r.tree_size).await.unwrap(),
            r.inclusion_proof
        );
        let next = s.audit_append(vec![entry(3_000)]).await.unwrap();
        assert_eq!(next[0].index, 3_000);
    }

    /// The sequencer commits a batch to the journal; the audit file's tables have it once the
    /// spreader has moved it, and every read of the log moves it first. Another process's
    /// sequencer goes on from the journal's last batch.
    #[tokio::test(flavor = "multi_thread")]
    async fn journaled_batches_reach_the_audit_file_and_every_reader() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db").display().to_string();
        let audit_size = || -> i64 {
            rusqlite::Connection::open(shuqiao_store::db::audit_path(&db))
                .unwrap()
                .query_row("SELECT size FROM audit_head", [], |r| r.get(0))
                .unwrap()
        };
        // Batches in the journal that the audit file does not hold yet.
        let journal_rows = || -> i64 {
            let held = audit_size() as u64;
            shuqiao_store::audit::Journal::batches_in(&shuqiao_store::db::journal_path(&db))
                .unwrap()
                .iter()
                .filter(|(_, size)| *size > held)
                .count() as i64
        };
        let a = Store::open(&db).await.unwrap().with_audit(keys());
        let first = a.audit_append(vec![entry(0), entry(1)]).await.unwrap();
        assert_eq!(
            (audit_size(), journal_rows()),
            (0, 1),
            "committed to the journal only"
        );
        // A second process (a second store on the same files) appends after the first.
        let b = Store::open(&db).await.unwrap().with_audit(keys());
        let second = b.audit_append(vec![entry(2)]).await.unwrap();
        assert_eq!(second[0].index, 2);
        let third = a.audit_append(vec![entry(3)]).await.unwrap();
        assert_eq!((third[0].index, third[0].tree_size), (3, 4));
        assert_eq!(journal_rows(), 3);
        // Any read sees every acknowledged entry, and the proofs agree with the receipts.
        assert_eq!(b.audit_entry(3).await.unwrap().0, entry(3));
        assert_eq!((audit_size(), journal_rows()), (4, 0), "moved");
        for r in first.iter().chain(&second).chain(&third) {
            assert_eq!(
                a.audit_inclusion_proof(r.index, r.tree_size).await.unwrap(),
                r.inclusion_proof,
                "entry {}",
                r.index
            );
        }
        let checkpoint = a.audit_checkpoint().await.unwrap();
        assert!(checkpoint.contains("\n4\n"), "{checkpoint}");
        let scanned = b.audit_scan(0, 10).await.unwrap();
        assert_eq!(scanned.len(), 4);
        for e in &scanned {
            assert_eq!(
                e.recorded_leaf,
                Some(shuqiao_core::audit::merkle::leaf_hash(&e.canonical))
            );
        }
    }
}
