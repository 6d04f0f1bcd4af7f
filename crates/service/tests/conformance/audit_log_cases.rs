//! Audit log cases of the conformance suite (run on SQLite and PostgreSQL): receipts and
//! proofs.
use super::*;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;

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
        s.audit().append(vec![entry(0)]).await,
        Err(shuqiao_service::audit::AuditError::Unavailable)
    ));
    // Tree levels from 2 up are kept in memory, so this small log exercises the cache.
    let s = s.with_audit(keys()).with_audit_cache_from_level(2);
    let verifier = NoteVerifier::parse(&s.audit().public_key().unwrap()).unwrap();

    // Catalog changes wait in the pending queue and are sealed by the next batch, with
    // the fixture's six security changes (the first admin, four accounts, a system).
    fixture(&s).await;
    s.create_resource(steward_a(), sample_meta()).await.unwrap();
    assert_eq!(s.audit().seal_pending().await.unwrap(), 7);

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
            who.audit()
                .append((0..7).map(|i| entry(round * 7 + i)).collect())
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
                .audit()
                .consistency_proof(a.size, b.size)
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
        .audit()
        .inclusion_proof(10, last.size)
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
    assert!(s.audit().inclusion_proof(10, last.size + 1).await.is_err());
    // Several proofs in one read are the proofs asked one by one.
    let indices = vec![0, 10, 3, last.size - 1];
    let together = other
        .audit()
        .inclusion_proofs(indices.clone(), last.size)
        .await
        .unwrap();
    for (index, proof) in indices.into_iter().zip(together) {
        let alone = other
            .audit()
            .inclusion_proof(index, last.size)
            .await
            .unwrap();
        assert_eq!(proof, alone, "entry {index}");
    }
    assert!(s
        .audit()
        .inclusion_proofs(vec![1, last.size], last.size)
        .await
        .is_err());
    let newest = SignedNote::parse(&s.audit().checkpoint().await.unwrap()).unwrap();
    assert_eq!(Checkpoint::parse_body(&newest.body).unwrap(), *last);

    // Many concurrent appenders through the sequencer: grouped, each with a valid receipt.
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                s.audit()
                    .submit(vec![entry(100 + i), entry(200 + i)])
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
            let cp =
                Checkpoint::parse_body(&SignedNote::parse(&r.checkpoint).unwrap().body).unwrap();
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
    let newest = SignedNote::parse(&s.audit().checkpoint().await.unwrap()).unwrap();
    let newest = Checkpoint::parse_body(&newest.body).unwrap();
    for index in [0, 5, last.size, newest.size - 1] {
        let proof: Vec<Hash> = other
            .audit()
            .inclusion_proof(index, newest.size)
            .await
            .unwrap()
            .iter()
            .map(|p| h(p))
            .collect();
        let (_, leaf) = other.audit().entry(index).await.unwrap();
        assert!(
            verify_inclusion(&h(&leaf), index, newest.size, &proof, &newest.root),
            "entry {index} at {}",
            newest.size
        );
    }
    let proof: Vec<Hash> = other
        .audit()
        .consistency_proof(last.size, newest.size)
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
