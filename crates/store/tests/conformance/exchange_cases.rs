//! Exchange cases of the conformance suite (run on SQLite and PostgreSQL): filters, cursors,
//! the change feed, downloads and usage counters give the same answers on both engines.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use shuqiao_core::collect::source::VecSource;
use shuqiao_core::share::{AccessRequest, Approval};
use shuqiao_store::collect::{BatchRequest, Channel};
use shuqiao_store::exchange::Credential;
use shuqiao_store::Store;

const A: &str = "11010519491231002X";
const B: &str = "440524188001010014";
const C: &str = "460106199003071235";

async fn collect(s: &Store, code: &str, rows: Vec<Vec<String>>, deletes: Vec<String>) {
    let steward = s.principal_for("steward.a").await.unwrap();
    let mut req = BatchRequest::new(code, Channel::Import, "t.csv");
    req.deletes = deletes;
    let src = VecSource::new(vec!["GMSFHM".into(), "XM".into(), "CSRQ".into()], rows);
    let r = s.collect_batch(steward, req, src, None).await.unwrap();
    assert_eq!(r.status, "applied", "{r:?}");
}

fn row(id: &str, name: &str, born: &str) -> Vec<String> {
    vec![id.into(), name.into(), born.into()]
}

fn keys<T>(items: &[(String, T)]) -> Vec<&str> {
    items.iter().map(|(k, _)| k.as_str()).collect()
}

/// The audit log on, the share fixture, three people collected into the conditional
/// resource and a grant on it for `c1-sys`: (store, resource, grant, the system's token).
async fn granted(s: Store) -> (Store, String, i64, Credential) {
    let s = s.with_audit(shuqiao_store::audit::AuditKeys::generate("test/audit").unwrap());
    shuqiao_store::testkit::fixture(&s).await;
    let (_, code) = shuqiao_store::testkit::share_fixture(&s).await;
    collect(
        &s,
        &code,
        vec![
            row(A, "张三", "1949-12-31"),
            row(B, "李四", "1880-01-01"),
            row(C, "王海燕", "1990-03-07"),
        ],
        vec![],
    )
    .await;
    let grant = grant_for_c1(&s, &code, &["GMSFHM", "XM", "CSRQ"]).await;
    let (token, _) = s.issue_token("c1-sys", "x", 30, "admin").await.unwrap();
    let cred = Credential::Bearer(token);
    (s, code, grant, cred)
}

/// `c1-sys` applies for `fields` of `code` for 30 days and the provider approves: the grant.
async fn grant_for_c1(s: &Store, code: &str, fields: &[&str]) -> i64 {
    let consumer = s.principal_for("user.c1").await.unwrap();
    let app = s
        .apply(
            consumer,
            AccessRequest {
                system: "c1-sys".into(),
                resource: code.into(),
                fields: fields.iter().map(|f| f.to_string()).collect(),
                purpose: "资格认证".into(),
                scene: "待遇发放".into(),
                legal_basis: "《社会保险法》".into(),
                days: 30,
            },
        )
        .await
        .unwrap();
    let steward = s.principal_for("steward.a").await.unwrap();
    s.approve_application(steward, app.id, Approval::default())
        .await
        .unwrap()
        .grant_id
        .unwrap()
}

pub async fn exchange_queries_feed_downloads_and_usage(s: Store, t: Arc<AtomicI64>, _: String) {
    let (s, code, grant, cred) = granted(s).await;
    let steward = s.principal_for("steward.a").await.unwrap();
    let q = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };

    // Equality, date ranges (as dates, both engines), and pages in key order.
    let p = s
        .exchange_query(&cred, &code, q(&[("XM", "李四")]))
        .await
        .unwrap();
    assert_eq!(keys(&p.items), [B]);
    let p = s
        .exchange_query(
            &cred,
            &code,
            q(&[("CSRQ.gte", "1900-01-01"), ("CSRQ.lt", "1990-03-07")]),
        )
        .await
        .unwrap();
    assert_eq!(keys(&p.items), [A]);
    let p = s
        .exchange_query(&cred, &code, q(&[("CSRQ.gte", "1949/12/31")]))
        .await
        .unwrap();
    assert_eq!(
        keys(&p.items),
        [A, C],
        "the filter value is normalised like collected ones"
    );
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut params = q(&[("limit", "2")]);
        if let Some(c) = &cursor {
            params.push(("cursor".into(), c.clone()));
        }
        let p = s.exchange_query(&cred, &code, params).await.unwrap();
        seen.extend(keys(&p.items).into_iter().map(String::from));
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, [A, B, C], "every record once, in key order");
    assert!(
        s.exchange_query(&cred, &code, q(&[("GMSFHM", A)]))
            .await
            .is_err(),
        "核心 filters refused"
    );

    // The change feed: inserts, then an update and a delete after the cursor.
    let page = s
        .exchange_changes(&cred, &code, None, None, None)
        .await
        .unwrap();
    assert_eq!(page.changes.len(), 3);
    let cursor = page.next_cursor.clone();
    t.fetch_add(1000, Ordering::SeqCst);
    collect(
        &s,
        &code,
        vec![row(A, "张三丰", "1949-12-31")],
        vec![B.into()],
    )
    .await;
    let page = s
        .exchange_changes(&cred, &code, Some(&cursor), Some("1"), None)
        .await
        .unwrap();
    assert_eq!((page.changes.len(), page.has_more), (1, true));
    assert_eq!(
        (page.changes[0].key.as_str(), page.changes[0].op.as_str()),
        (A, "update")
    );
    let page = s
        .exchange_changes(&cred, &code, Some(&page.next_cursor), None, None)
        .await
        .unwrap();
    assert_eq!(
        (page.changes[0].key.as_str(), page.changes[0].op.as_str()),
        (B, "delete")
    );
    assert!(page.changes[0].record.is_none());

    // A download: every live record, granted fields only, and where to sync from.
    let plan = s.exchange_download(&cred, &code, None).await.unwrap();
    assert_eq!(plan.total(), 2);
    let rows = s.download_page(&plan, None).await.unwrap();
    assert_eq!(keys(&rows), [A, C]);
    assert_eq!(rows[0].1.get("XM").and_then(|v| v.as_str()), Some("张三丰"));
    assert!(!rows[0].1.contains_key("GMSFHM"), "核心 never leaves");
    let after = s
        .exchange_changes(&cred, &code, Some(&plan.as_of().to_string()), None, None)
        .await
        .unwrap();
    assert!(after.changes.is_empty());

    // Usage is counted with the audit entries; a daily quota stops the next call.
    let lookups_before = s.exchange_usage(&cred, 1).await.unwrap();
    let calls: i64 = lookups_before.iter().map(|u| u.calls).sum();
    assert_eq!(calls, 10, "{lookups_before:?}");
    s.set_grant_limits(steward, grant, None, Some(calls + 1))
        .await
        .unwrap();
    s.exchange_lookup(&cred, &code, vec![A.into()], None)
        .await
        .unwrap();
    let over = s
        .exchange_lookup(&cred, &code, vec![A.into()], None)
        .await
        .unwrap_err();
    assert!(format!("{over:?}").contains("quota_exceeded"), "{over:?}");
    let usage = s.exchange_usage(&cred, 1).await.unwrap();
    let (calls, refused): (i64, i64) = usage
        .iter()
        .fold((0, 0), |a, u| (a.0 + u.calls, a.1 + u.refused));
    assert_eq!((calls, refused), (11, 2), "{usage:?}");
}

/// Another connection holds the collected data's write lock, as a long import does (SQLite:
/// the main file's; PostgreSQL: the records table's). Lookups, appends and the sealing of
/// pending entries go on meanwhile: the audit log is written apart from the data.
pub async fn lookups_go_on_while_an_import_holds_the_data(
    s: Store,
    _: Arc<AtomicI64>,
    url: String,
) {
    let (s, code, _, cred) = granted(s).await;
    // A catalog change leaves an entry pending.
    s.create_resource(
        s.principal_for("steward.a").await.unwrap(),
        shuqiao_store::testkit::sample_meta(),
    )
    .await
    .unwrap();
    let (locked, release) = hold_data_lock(url.clone());
    locked.recv().unwrap();

    fn within<F: std::future::Future>(f: F) -> tokio::time::Timeout<F> {
        tokio::time::timeout(std::time::Duration::from_secs(5), f)
    }
    let found = within(s.exchange_lookup(&cred, &code, vec![A.into()], None))
        .await
        .expect("a lookup waited for the import")
        .unwrap();
    assert_eq!(found.records[0].1.as_ref().unwrap()["XM"], "张三");
    let size = within(s.audit_seal_pending())
        .await
        .expect("sealing waited for the import")
        .unwrap();
    assert_eq!(
        within(s.audit_seal_pending()).await.unwrap().unwrap(),
        size,
        "a pending entry is sequenced once, even before its row is deleted"
    );
    assert_eq!(catalog_creations(&s, size).await, 1);

    release.send(()).unwrap();
    // The sequenced row leaves the pending queue once the data's writer is free.
    let mut left = pending_rows(&url);
    for _ in 0..50 {
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        left = pending_rows(&url);
    }
    assert_eq!(left, 0);
    assert_eq!(s.audit_seal_pending().await.unwrap(), size);
    assert_eq!(catalog_creations(&s, size).await, 1);
}

/// How many of the first `size` entries record a resource created (the fixture creates its
/// resources before the log is read here, so only the one this case adds is counted).
async fn catalog_creations(s: &Store, size: u64) -> usize {
    let mut n = 0;
    for i in 0..size {
        let (e, _) = s.audit_entry(i).await.unwrap();
        if e.action == "catalog.create" && e.resource.as_deref() == Some("101001-000003") {
            n += 1;
        }
    }
    n
}

/// Takes the write lock an import would hold, on a thread of its own: signals once it holds
/// it, and rolls back when told to.
fn hold_data_lock(url: String) -> (std::sync::mpsc::Receiver<()>, std::sync::mpsc::Sender<()>) {
    let (locked_tx, locked) = std::sync::mpsc::channel();
    let (release, release_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if url.starts_with("postgres") {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            let mut tx = c.transaction().unwrap();
            tx.batch_execute("LOCK TABLE records IN EXCLUSIVE MODE")
                .unwrap();
            locked_tx.send(()).unwrap();
            let _ = release_rx.recv();
            tx.rollback().unwrap();
        } else {
            let c = rusqlite::Connection::open(&url).unwrap();
            c.execute_batch("BEGIN IMMEDIATE").unwrap();
            locked_tx.send(()).unwrap();
            let _ = release_rx.recv();
            c.execute_batch("ROLLBACK").unwrap();
        }
    });
    (locked, release)
}

/// Runs `sql` on a plain connection of the engine's own client, as an operator's shell would:
/// no Shuqiao code between it and the database.
fn run_outside(url: &str, sql: &str) {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        if url.starts_with("postgres") {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            c.batch_execute(&sql).unwrap();
        } else {
            rusqlite::Connection::open(&url)
                .unwrap()
                .execute_batch(&sql)
                .unwrap();
        }
    })
    .join()
    .unwrap();
}

fn pending_rows(url: &str) -> i64 {
    let sql = "SELECT COUNT(*) FROM audit_pending";
    if url.starts_with("postgres") {
        let url = url.to_string();
        std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            c.query_one(sql, &[]).unwrap().get::<_, i64>(0)
        })
        .join()
        .unwrap()
    } else {
        rusqlite::Connection::open(url)
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }
}

/// The refusal's stable code.
fn refused(e: shuqiao_store::StoreError) -> String {
    use shuqiao_core::DomainError;
    match e.domain() {
        Some(
            DomainError::Forbidden { code, .. }
            | DomainError::Unauthenticated { code, .. }
            | DomainError::NotFound { code, .. },
        ) => code.to_string(),
        other => panic!("not a refusal: {other:?}"),
    }
}

/// The exchange keeps a token's grants in memory between calls (SQLite). Whatever ends them —
/// the clock, or a revocation committed by another process on the same database — ends them
/// at the very next call.
pub async fn revocations_by_another_process_end_access_at_the_next_call(
    s: Store,
    t: Arc<AtomicI64>,
    url: String,
) {
    let (s, code, grant, _) = granted(s).await;
    let (token, info) = s.issue_token("c1-sys", "y", 90, "admin").await.unwrap();
    let cred = Credential::Bearer(token);
    let lookup = || s.exchange_lookup(&cred, &code, vec![A.into()], None);
    for _ in 0..3 {
        lookup().await.unwrap();
    }

    // The grant runs for 30 days: a day after, it is over, and back on the first day it is not.
    // A commit first (another token), so that the grants are read again at the later time:
    // what is kept from that read must not carry the later clock back.
    let t0 = t.load(Ordering::SeqCst);
    t.store(t0 + 31 * 86_400_000, Ordering::SeqCst);
    s.issue_token("c1-sys", "z", 90, "admin").await.unwrap();
    assert_eq!(refused(lookup().await.unwrap_err()), "no_grant");
    t.store(t0, Ordering::SeqCst);
    lookup().await.unwrap();

    // Another process: its own connections, its own memory.
    let other = Store::open_with_clock(&url, Arc::new(move || t0))
        .await
        .unwrap();
    let steward = other.principal_for("steward.a").await.unwrap();
    other
        .revoke_grant(steward, grant, "用途已结束".into())
        .await
        .unwrap();
    assert_eq!(refused(lookup().await.unwrap_err()), "no_grant");

    // A token revoked elsewhere, on a grant in force.
    grant_for_c1(&s, &code, &["GMSFHM", "XM"]).await;
    lookup().await.unwrap();
    lookup().await.unwrap();
    other.revoke_token(info.id).await.unwrap();
    assert_eq!(refused(lookup().await.unwrap_err()), "token_revoked");
}

/// A lookup after a record changed — collected in this process or by another one, updated or
/// deleted — answers with the record as it is now, however often it was looked up before (the
/// SQLite readers keep records they served while the main file stays unchanged).
pub async fn lookups_see_each_change_to_a_record_at_the_next_call(
    s: Store,
    t: Arc<AtomicI64>,
    url: String,
) {
    let (s, code, _, cred) = granted(s).await;
    let name = |l: &shuqiao_store::exchange::Lookup, i: usize| {
        l.records[i].1.as_ref().map(|d| d["XM"].clone())
    };
    let lookup = || s.exchange_lookup(&cred, &code, vec![A.into(), B.into()], None);
    for _ in 0..3 {
        let l = lookup().await.unwrap();
        assert_eq!(
            (name(&l, 0), name(&l, 1)),
            (Some("张三".into()), Some("李四".into()))
        );
    }

    // This process collects a new name for A.
    collect(&s, &code, vec![row(A, "张三丰", "1949-12-31")], vec![]).await;
    let l = lookup().await.unwrap();
    assert_eq!(
        (name(&l, 0), name(&l, 1)),
        (Some("张三丰".into()), Some("李四".into()))
    );

    // Another process renames A again and deletes B.
    let t0 = t.load(Ordering::SeqCst);
    let other = Store::open_with_clock(&url, Arc::new(move || t0))
        .await
        .unwrap();
    collect(
        &other,
        &code,
        vec![row(A, "张君宝", "1949-12-31")],
        vec![B.into()],
    )
    .await;
    let l = lookup().await.unwrap();
    assert_eq!((name(&l, 0), name(&l, 1)), (Some("张君宝".into()), None));
}

/// Lookups answered from memory (a token's grants, records) notice a commit that no Shuqiao
/// process made — an operator's SQL shell renaming a person, then revoking the grant — at
/// the very next call.
pub async fn lookups_see_changes_written_outside_shuqiao(
    s: Store,
    _t: Arc<AtomicI64>,
    url: String,
) {
    let (s, code, grant, cred) = granted(s).await;
    let lookup = || s.exchange_lookup(&cred, &code, vec![A.into()], None);
    let name =
        |l: &shuqiao_store::exchange::Lookup| l.records[0].1.as_ref().map(|d| d["XM"].clone());
    for _ in 0..3 {
        assert_eq!(name(&lookup().await.unwrap()), Some("张三".into()));
    }
    run_outside(
        &url,
        &format!(
            "UPDATE record_versions SET data = REPLACE(data, '张三', '张三丰') \
             WHERE id = (SELECT version FROM records WHERE resource = '{code}' AND record_key = '{A}')"
        ),
    );
    assert_eq!(name(&lookup().await.unwrap()), Some("张三丰".into()));
    assert_eq!(name(&lookup().await.unwrap()), Some("张三丰".into()));
    run_outside(
        &url,
        &format!("UPDATE grants SET revoked_at = 1 WHERE id = {grant}"),
    );
    assert_eq!(refused(lookup().await.unwrap_err()), "no_grant");
}

/// The audit log's proof of `a` checks out against the checkpoint it came with.
fn proof_holds(checkpoint: &str, a: &shuqiao_store::subjects::ProvenAccess) -> bool {
    use shuqiao_core::audit::merkle::{leaf_hash, verify_inclusion, Hash};
    use shuqiao_core::audit::note::{Checkpoint, SignedNote};
    let cp = Checkpoint::parse_body(&SignedNote::parse(checkpoint).unwrap().body).unwrap();
    let proof: Vec<Hash> = a
        .inclusion_proof
        .iter()
        .map(|h| hex::decode(h).unwrap().try_into().unwrap())
        .collect();
    let leaf = leaf_hash(&a.record.entry.encode());
    hex::encode(leaf) == a.leaf_hash
        && verify_inclusion(&leaf, a.record.index, cp.size, &proof, &cp.root)
}

/// A download names its data subjects by the snapshot it read. A subject whose record was
/// live in it finds the download among their accesses, with a proof that holds; a subject
/// with no record there does not, nor does one whose record came after the snapshot — and
/// that record is not streamed by the download (it comes, and is named, in the change feed).
/// Records collected by a process without the subject secret are named too.
pub async fn downloads_name_the_subjects_of_their_snapshot(
    s: Store,
    t: Arc<AtomicI64>,
    url: String,
) {
    use shuqiao_core::account::Principal;
    use shuqiao_store::subjects::SubjectRegistration;
    const LATE: &str = "110101198001010010";
    const ELSEWHERE: &str = "110101198512120027";
    const UNKEYED: &str = "320102197005050037";
    let (s, code, _, cred) = granted(s).await;
    // One of them was collected by a process that had no subject secret.
    let keyless = Store::open(&url).await.unwrap();
    collect(
        &keyless,
        &code,
        vec![row(UNKEYED, "赵六", "1970-05-05")],
        vec![],
    )
    .await;
    let admin = s.principal_for("admin").await.unwrap();
    for (user, id) in [
        ("zhang", A),
        ("late", LATE),
        ("elsewhere", ELSEWHERE),
        ("zhao", UNKEYED),
    ] {
        s.register_subject(
            admin.clone(),
            SubjectRegistration {
                username: user.into(),
                display_name: user.into(),
                kind: "person".into(),
                identifier: id.into(),
                password: "Citizen-pass-2026".into(),
            },
        )
        .await
        .unwrap();
    }

    let plan = s.exchange_download(&cred, &code, None).await.unwrap();
    assert_eq!(plan.total(), 4);
    t.fetch_add(1000, Ordering::SeqCst);
    collect(&s, &code, vec![row(LATE, "钱七", "1980-01-01")], vec![]).await;
    let streamed = s.download_page(&plan, None).await.unwrap();
    assert_eq!(
        keys(&streamed),
        [A, UNKEYED, B, C],
        "the snapshot's records, not one collected after it"
    );
    let later = s
        .exchange_changes(&cred, &code, Some(&plan.as_of().to_string()), None, None)
        .await
        .unwrap();
    assert_eq!(later.changes.len(), 1);
    assert_eq!(later.changes[0].key, LATE);

    let download = plan.receipt().index;
    let who = |u: &str| Principal::Person {
        username: u.into(),
        org: "op".into(),
        roles: vec![],
    };
    let accesses = |u: &'static str| {
        let s = s.clone();
        let p = who(u);
        async move { s.my_accesses(p, 100, 0).await.unwrap() }
    };
    for user in ["zhang", "zhao"] {
        let mine = accesses(user).await;
        let found: Vec<_> = mine
            .items
            .iter()
            .filter(|a| a.record.index == download)
            .collect();
        assert_eq!(found.len(), 1, "{user} sees the download: {mine:?}");
        assert_eq!(found[0].record.entry.action, "exchange.download");
        assert!(proof_holds(&mine.checkpoint, found[0]), "{user}");
    }
    let late = accesses("late").await;
    assert!(
        late.items.iter().all(|a| a.record.index != download),
        "a record collected after the snapshot does not attribute it: {late:?}"
    );
    assert!(
        late.items
            .iter()
            .any(|a| a.record.entry.action == "exchange.changes"),
        "the change feed that carried it does"
    );
    assert_eq!(accesses("elsewhere").await.items.len(), 0);
    // The auditor's view by subject finds the same.
    let zhang = s
        .audit_subject_key(shuqiao_core::audit::entry::SubjectKind::Person, A)
        .unwrap();
    let page = s
        .audit_entries(shuqiao_store::audit::AuditFilter {
            subject: Some(zhang),
            action: Some("exchange.download".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].index, download);
}
