//! Exchange cases of the conformance suite (run on SQLite and PostgreSQL): filters, cursors,
//! the change feed, downloads and usage counters give the same answers on both engines.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use shuqiao_core::collect::source::VecSource;
use shuqiao_core::share::{AccessRequest, Approval};
use shuqiao_service::collect::{BatchRequest, Channel};
use shuqiao_service::exchange::Credential;
use shuqiao_service::Store;

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
    let s = s.with_audit(shuqiao_service::audit::AuditKeys::generate("test/audit").unwrap());
    shuqiao_service::testkit::fixture(&s).await;
    let (_, code) = shuqiao_service::testkit::share_fixture(&s).await;
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
    let (token, _) = s
        .issue_token(
            &shuqiao_service::testkit::admin_principal(),
            "c1-sys",
            "x",
            30,
        )
        .await
        .unwrap();
    let cred = Credential::bearer(token);
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

    // The grant may only verify 公民身份号码, the key: keys leave as pseudonyms, stable for
    // this system and resource. Which pseudonym is whose, by name:
    let all = s.exchange_query(&cred, &code, q(&[])).await.unwrap();
    let psn = |name: &str| -> String {
        let (k, _) = all
            .items
            .iter()
            .find(|(_, r)| r.get("XM").and_then(|v| v.as_str()) == Some(name))
            .unwrap();
        assert!(
            k.starts_with("psn_") && ![A, B, C].contains(&k.as_str()),
            "{k}"
        );
        k.clone()
    };
    let (pa, pb, pc) = (psn("张三"), psn("李四"), psn("王海燕"));
    // Equality, date ranges (as dates, both engines), and pages in key order.
    let p = s
        .exchange_query(&cred, &code, q(&[("XM", "李四")]))
        .await
        .unwrap();
    assert_eq!(keys(&p.items), [pb.as_str()]);
    let p = s
        .exchange_query(
            &cred,
            &code,
            q(&[("CSRQ.gte", "1900-01-01"), ("CSRQ.lt", "1990-03-07")]),
        )
        .await
        .unwrap();
    assert_eq!(keys(&p.items), [pa.as_str()]);
    let p = s
        .exchange_query(&cred, &code, q(&[("CSRQ.gte", "1949/12/31")]))
        .await
        .unwrap();
    let mut got = keys(&p.items);
    got.sort();
    let mut want = [pa.as_str(), pc.as_str()];
    want.sort();
    assert_eq!(
        got, want,
        "the filter value is normalised like collected ones"
    );
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut params = q(&[("limit", "2")]);
        if let Some(c) = &cursor {
            params.push(("cursor".into(), c.clone()));
        }
        let p = s.exchange_query(&cred, &code, params).await.unwrap();
        let mut page: Vec<String> = keys(&p.items).into_iter().map(String::from).collect();
        assert!(page.is_sorted(), "a page of pseudonyms is in their order");
        page.sort();
        pages.push(page);
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut first = vec![pa.clone(), pb.clone()];
    first.sort();
    assert_eq!(
        pages,
        [first, vec![pc.clone()]],
        "every record once, pages in key order"
    );
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
        (pa.as_str(), "update")
    );
    let page = s
        .exchange_changes(&cred, &code, Some(&page.next_cursor), None, None)
        .await
        .unwrap();
    assert_eq!(
        (page.changes[0].key.as_str(), page.changes[0].op.as_str()),
        (pb.as_str(), "delete")
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
    assert_eq!(calls, 11, "{lookups_before:?}");
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
    assert_eq!((calls, refused), (12, 2), "{usage:?}");
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
        shuqiao_service::testkit::sample_meta(),
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
    let size = within(s.audit().seal_pending())
        .await
        .expect("sealing waited for the import")
        .unwrap();
    assert_eq!(
        within(s.audit().seal_pending()).await.unwrap().unwrap(),
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
    assert_eq!(s.audit().seal_pending().await.unwrap(), size);
    assert_eq!(catalog_creations(&s, size).await, 1);
}

/// How many of the first `size` entries record a resource created (the fixture creates its
/// resources before the log is read here, so only the one this case adds is counted).
async fn catalog_creations(s: &Store, size: u64) -> usize {
    let mut n = 0;
    for i in 0..size {
        let (e, _) = s.audit().entry(i).await.unwrap();
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
fn refused(e: shuqiao_service::StoreError) -> String {
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
    let (token, info) = s
        .issue_token(
            &shuqiao_service::testkit::admin_principal(),
            "c1-sys",
            "y",
            90,
        )
        .await
        .unwrap();
    let cred = Credential::bearer(token);
    let lookup = || s.exchange_lookup(&cred, &code, vec![A.into()], None);
    for _ in 0..3 {
        lookup().await.unwrap();
    }

    // The grant runs for 30 days: a day after, it is over, and back on the first day it is not.
    // A commit first (another token), so that the grants are read again at the later time:
    // what is kept from that read must not carry the later clock back.
    let t0 = t.load(Ordering::SeqCst);
    t.store(t0 + 31 * 86_400_000, Ordering::SeqCst);
    s.issue_token(
        &shuqiao_service::testkit::admin_principal(),
        "c1-sys",
        "z",
        90,
    )
    .await
    .unwrap();
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
    other
        .revoke_token(&shuqiao_service::testkit::admin_principal(), info.id)
        .await
        .unwrap();
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
    let name = |l: &shuqiao_service::exchange::Lookup, i: usize| {
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
        |l: &shuqiao_service::exchange::Lookup| l.records[0].1.as_ref().map(|d| d["XM"].clone());
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

/// Keys the grant may only verify leave as pseudonyms: stable for one system and resource,
/// unrelated to another system's, never the key itself; a query cursor is sealed and serves
/// only the system it was given to. A key the caller supplied is echoed as it was.
pub async fn hidden_keys_leave_as_pseudonyms_of_one_system(s: Store, _: Arc<AtomicI64>, _: String) {
    let (s, code, _, c1) = granted(s).await;
    // c2-sys gets a grant on the same fields.
    let consumer = shuqiao_core::account::Principal::Person {
        username: "user.c2".into(),
        org: "c2".into(),
        roles: vec![shuqiao_core::account::RoleBinding {
            role: shuqiao_core::account::Role::ConsumerUser,
            org: "c2".into(),
        }],
    };
    let app = s
        .apply(
            consumer,
            AccessRequest {
                system: "c2-sys".into(),
                resource: code.clone(),
                fields: vec!["GMSFHM".into(), "XM".into()],
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
        .unwrap();
    let (t2, _) = s
        .issue_token(
            &shuqiao_service::testkit::admin_principal(),
            "c2-sys",
            "x",
            30,
        )
        .await
        .unwrap();
    let c2 = Credential::bearer(t2);
    let by_name = |items: &[(String, serde_json::Map<String, serde_json::Value>)]| {
        let mut v: Vec<(String, String)> = items
            .iter()
            .map(|(k, r)| (r["XM"].as_str().unwrap().to_string(), k.clone()))
            .collect();
        v.sort();
        v
    };
    let q1 = s.exchange_query(&c1, &code, vec![]).await.unwrap();
    let q2 = s.exchange_query(&c2, &code, vec![]).await.unwrap();
    let (n1, n2) = (by_name(&q1.items), by_name(&q2.items));
    assert_eq!(n1.len(), 3);
    for ((name1, p1), (name2, p2)) in n1.iter().zip(&n2) {
        assert_eq!(name1, name2);
        assert!(
            p1.starts_with("psn_") && p2.starts_with("psn_"),
            "{p1} {p2}"
        );
        assert_ne!(p1, p2, "another system's pseudonym is unrelated");
        for k in [A, B, C] {
            assert!(!p1.contains(k) && !p2.contains(k));
        }
    }
    // The change feed names records by the same pseudonyms as the query.
    let feed = s
        .exchange_changes(&c1, &code, None, None, None)
        .await
        .unwrap();
    let mut fed: Vec<(String, String)> = feed
        .changes
        .iter()
        .map(|c| {
            let name = c.record.as_ref().unwrap()["XM"].as_str().unwrap();
            (name.to_string(), c.key.clone())
        })
        .collect();
    fed.sort();
    assert_eq!(fed, n1);
    // Cursors: opaque, and c1's cursor is refused to c2 and after any change to it.
    let page = s
        .exchange_query(&c1, &code, vec![("limit".into(), "1".into())])
        .await
        .unwrap();
    let cursor = page.next_cursor.unwrap();
    let hex_a: String = A.bytes().map(|b| format!("{b:02x}")).collect();
    assert!(!cursor.contains(A) && !cursor.contains(&hex_a), "{cursor}");
    let after = |cred: Credential, cursor: String| {
        let (s, code) = (s.clone(), code.clone());
        async move {
            s.exchange_query(
                &cred,
                &code,
                vec![("limit".into(), "1".into()), ("cursor".into(), cursor)],
            )
            .await
        }
    };
    let next = after(c1.clone(), cursor.clone()).await.unwrap();
    assert_eq!(next.items[0].1["XM"], "李四");
    let mut tampered = cursor.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    for (who, c) in [
        (c2.clone(), cursor.clone()),
        (c1.clone(), String::from_utf8(tampered).unwrap()),
    ] {
        let e = after(who, c).await.unwrap_err();
        match e.domain() {
            Some(shuqiao_core::DomainError::Invalid(errs)) => {
                assert_eq!(errs[0].reason, "invalid_cursor", "{errs:?}")
            }
            other => panic!("not an invalid cursor: {other:?}"),
        }
    }
    // A key the caller gave is echoed as given.
    let l = s
        .exchange_lookup(&c1, &code, vec![A.into()], None)
        .await
        .unwrap();
    assert_eq!(l.records[0].0, A);
}

/// The audit log's proof of `a` checks out against the checkpoint it came with.
fn proof_holds(checkpoint: &str, a: &shuqiao_service::subjects::ProvenAccess) -> bool {
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
    use shuqiao_service::subjects::SubjectRegistration;
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
    // (The key is 核心 for this grant: the feed names it by a pseudonym, the record by its name.)
    assert_eq!(later.changes[0].record.as_ref().unwrap()["XM"], "钱七");

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
        .audit()
        .subject_key(shuqiao_core::audit::entry::SubjectKind::Person, A)
        .unwrap();
    let page = s
        .audit_entries(shuqiao_service::audit::AuditFilter {
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
