//! Subject cases of the conformance suite (run on SQLite and PostgreSQL): the subject index
//! and what an identified citizen sees of the accesses to their data.
use super::*;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;

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
        let receipts = s.audit().append(entries).await.unwrap();
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
                .audit_entries(shuqiao_service::audit::AuditFilter {
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
    assert!(
        !s.audit().index_subjects().await.unwrap(),
        "all in one pass"
    );
    check("indexed").await;
    assert!(!s.audit().index_subjects().await.unwrap());
    check("indexed twice").await;
    // An entry after the pass is found above the mark, beside the indexed ones.
    let newest = s
        .audit()
        .append(vec![shuqiao_core::audit::entry::Entry {
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
    use shuqiao_service::subjects::SubjectRegistration;
    let s =
        s.with_audit(shuqiao_service::audit::AuditKeys::generate("test.shuqiao/audit").unwrap());
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
    let zhang = s.audit().subject_key(SubjectKind::Person, ID).unwrap();
    let acme = s
        .audit()
        .subject_key(SubjectKind::Company, "914403001922038216")
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
    s.audit()
        .submit(vec![
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
    assert!(!s.audit().index_subjects().await.unwrap());
    assert!(!s.audit().index_subjects().await.unwrap());
    let indexed = s.my_accesses(who("zhang"), 50, 0).await.unwrap();
    let indices = |p: &shuqiao_service::subjects::ProvenAccesses| -> Vec<u64> {
        p.items.iter().map(|a| a.record.index).collect()
    };
    assert_eq!(indices(&indexed), indices(&mine));
    s.audit()
        .submit(vec![access(4, vec![zhang.clone()])])
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
        &shuqiao_core::audit::note::NoteVerifier::parse(&s.audit().public_key().unwrap()).unwrap()
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
