//! Collection cases of the conformance suite (run on SQLite and PostgreSQL).
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use shuqiao_core::collect::source::VecSource;
use shuqiao_core::collect::{BatchMode, BatchPolicy};
use shuqiao_core::DomainError;
use shuqiao_service::collect::{BatchRequest, Channel};
use shuqiao_service::testkit::{fixture, sample_meta};
use shuqiao_service::Store;

use super::{admin, domain, person, steward_a, steward_b};
use shuqiao_core::account::{Principal, Role};

const A: &str = "11010519491231002X";
const B: &str = "440524188001010014";
const C: &str = "460106199003071235";

fn cols() -> Vec<String> {
    vec!["公民身份号码".into(), "姓名".into(), "出生日期".into()]
}
fn row(id: &str, name: &str, born: &str) -> Vec<String> {
    vec![id.into(), name.into(), born.into()]
}
fn req(code: &str) -> BatchRequest {
    BatchRequest::new(code, Channel::Import, "test.csv")
}
fn auditor() -> Principal {
    person("auditor", Role::Auditor, "op")
}
fn system_a() -> Principal {
    Principal::System {
        system: "d-a-sys".into(),
        org: "d-a".into(),
        token_id: 1,
    }
}

async fn published(s: &Store) -> String {
    fixture(s).await;
    let code = s
        .create_resource(steward_a(), sample_meta())
        .await
        .unwrap()
        .code;
    s.submit_resource(steward_a(), &code).await.unwrap();
    s.publish_resource(admin(), &code).await.unwrap();
    code
}

fn with_audit(s: Store) -> Store {
    let signer =
        shuqiao_core::audit::note::NoteSigner::new("test.shuqiao/audit", [5u8; 32]).unwrap();
    s.with_audit(shuqiao_service::audit::AuditKeys {
        signer,
        subject_secret: [6u8; 32],
    })
}

pub async fn collect_versions_history_and_snapshot(s: Store, t: Arc<AtomicI64>, _u: String) {
    let s = with_audit(s);
    let code = published(&s).await;
    let rows = vec![
        row(A, "张三", "1949-12-31"),
        row(B, "李四", "18800101"),
        row(C, "王海燕", ""),
    ];
    let first = s
        .collect_batch(
            steward_a(),
            req(&code),
            VecSource::new(cols(), rows.clone()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(first.status, "applied", "{first:?}");
    assert_eq!(
        (
            first.rows_read,
            first.inserted,
            first.updated,
            first.unchanged
        ),
        (3, 3, 0, 0)
    );
    assert!(!first.timeliness.stale);
    let t1 = t.load(Ordering::SeqCst);

    t.fetch_add(60_000, Ordering::SeqCst);
    let again = s
        .collect_batch(
            system_a(),
            req(&code),
            VecSource::new(cols(), rows.clone()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (0, 0, 3),
        "the same data changes nothing"
    );

    t.fetch_add(60_000, Ordering::SeqCst);
    let mut snap = req(&code);
    snap.mode = BatchMode::Snapshot;
    let changed = vec![
        row(A, "张三丰", "1949-12-31"),
        row(C, "王海燕", "1990-03-07"),
    ];
    let third = s
        .collect_batch(steward_a(), snap, VecSource::new(cols(), changed), None)
        .await
        .unwrap();
    assert_eq!(
        (
            third.inserted,
            third.updated,
            third.unchanged,
            third.deleted
        ),
        (0, 2, 0, 1),
        "{third:?}"
    );

    let now = s.record_at(steward_a(), &code, A, None).await.unwrap();
    assert_eq!(now.data.as_ref().unwrap()["XM"], "张三丰");
    assert_eq!(now.batch, third.id);
    assert_eq!(now.row, Some(1));
    let then = s.record_at(auditor(), &code, A, Some(t1)).await.unwrap();
    assert_eq!(then.data.as_ref().unwrap()["XM"], "张三");
    assert_eq!(then.batch, first.id);
    assert_eq!(
        then.data.as_ref().unwrap()["CSRQ"],
        "1949-12-31",
        "dates are normalised"
    );
    let gone = s.record_at(steward_a(), &code, B, None).await.unwrap();
    assert_eq!((gone.op.as_str(), gone.data.is_none()), ("delete", true));
    let history = s.record_history(steward_a(), &code, A).await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|v| (v.op.as_str(), v.batch))
            .collect::<Vec<_>>(),
        [("update", third.id), ("insert", first.id)]
    );
    assert!(matches!(
        domain(
            s.record_at(steward_a(), &code, A, Some(t1 - 1))
                .await
                .unwrap_err()
        ),
        DomainError::NotFound {
            code: "record_not_found",
            ..
        }
    ));
    // Who may not: another department, the operator (no record access), a consumer.
    for p in [
        steward_b(),
        admin(),
        person("user.a", Role::ConsumerUser, "d-a"),
    ] {
        assert!(matches!(
            domain(s.record_at(p.clone(), &code, A, None).await.unwrap_err()),
            DomainError::Forbidden { .. }
        ));
    }
    // The operator sees batches and data status, not records.
    let batches = s.list_batches(admin(), &code, 10, 0).await.unwrap();
    assert_eq!(batches.total, 3);
    let status = s.data_status(admin(), None, false).await.unwrap();
    let mine = status.iter().find(|d| d.resource == code).unwrap();
    assert_eq!(mine.records, 2);
    // Stale once the 更新周期 (daily, plus a day's grace) has passed.
    t.fetch_add(3 * 86_400_000, Ordering::SeqCst);
    let stale = s.data_status(admin(), None, true).await.unwrap();
    assert!(stale
        .iter()
        .any(|d| d.resource == code && d.timeliness.stale));
    // Every batch and every read is in the audit log.
    s.audit().seal_pending().await.unwrap();
    let f = shuqiao_service::audit::AuditFilter {
        resource: Some(code.clone()),
        limit: 100,
        ..Default::default()
    };
    let actions: Vec<String> = s
        .audit_entries(f)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.entry.action)
        .collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "collect.batch").count(),
        3,
        "{actions:?}"
    );
    assert!(actions.iter().any(|a| a == "collect.read"));
    assert!(actions.iter().any(|a| a == "collect.history"));
}

pub async fn collect_bad_rows_policies_and_duplicates(s: Store, _t: Arc<AtomicI64>, _u: String) {
    let code = published(&s).await;
    let bad = vec![
        row(A, "张三", "1949-12-31"),
        row("110105194912310021", "坏校验码", ""),
        row(B, "", "1880-13-01"),
        row(C, "王海燕", ""),
        row(A, "重复", ""),
    ];
    let r = s
        .collect_batch(
            steward_a(),
            req(&code),
            VecSource::new(cols(), bad.clone()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.status, "rejected");
    // Every problem is reported, the key repeated after the bad rows too.
    assert_eq!((r.inserted, r.rejected), (0, 3), "{r:?}");
    let rejects = s.batch_rejects(steward_a(), r.id).await.unwrap();
    let seen: Vec<(u64, Option<&str>, &str)> = rejects
        .iter()
        .map(|x| (x.row, x.field.as_deref(), x.reason.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (2, Some("GMSFHM"), "id_check_digit"),
            (3, Some("XM"), "required"),
            (3, Some("CSRQ"), "invalid_date"),
            (5, Some("GMSFHM"), "duplicate_key")
        ]
    );
    assert_eq!(rejects[0].value.as_deref(), Some("110105194912310021"));
    assert_eq!(
        s.data_status(admin(), None, false)
            .await
            .unwrap()
            .iter()
            .find(|d| d.resource == code)
            .unwrap()
            .records,
        0
    );

    let mut accept = req(&code);
    accept.policy = BatchPolicy::AcceptValid;
    let r = s
        .collect_batch(steward_a(), accept, VecSource::new(cols(), bad), None)
        .await
        .unwrap();
    assert_eq!(r.status, "applied");
    assert_eq!((r.inserted, r.rejected), (2, 3), "{r:?}");
    let rejects = s.batch_rejects(steward_a(), r.id).await.unwrap();
    let dup = rejects
        .iter()
        .find(|x| x.reason == "duplicate_key")
        .unwrap();
    assert_eq!((dup.row, dup.key.as_deref()), (5, Some(A)));
    assert!(dup.message_zh.contains("第 1 行"), "{}", dup.message_zh);

    // A key with no column, or (replacing whole records) a required item with no column,
    // is refused before any batch exists.
    let before = s
        .list_batches(steward_a(), &code, 10, 0)
        .await
        .unwrap()
        .total;
    let e = s
        .collect_batch(
            steward_a(),
            req(&code),
            VecSource::new(vec!["姓名".into()], vec![]),
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(domain(e), DomainError::Invalid(errs) if errs.iter().any(|f| f.reason == "unmapped_required" && f.field == "GMSFHM"))
    );
    let mut replace = req(&code);
    replace.mode = BatchMode::Replace;
    let e = s
        .collect_batch(
            steward_a(),
            replace,
            VecSource::new(vec!["公民身份号码".into()], vec![]),
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(domain(e), DomainError::Invalid(errs) if errs.iter().any(|f| f.reason == "unmapped_required" && f.field == "XM"))
    );
    assert_eq!(
        s.list_batches(steward_a(), &code, 10, 0)
            .await
            .unwrap()
            .total,
        before
    );
    // Only the provider collects.
    for p in [steward_b(), admin(), Principal::Anonymous] {
        assert!(s
            .collect_batch(p, req(&code), VecSource::new(cols(), vec![]), None)
            .await
            .is_err());
    }
}

pub async fn collect_push_is_idempotent_and_overrides_are_audited(
    s: Store,
    _t: Arc<AtomicI64>,
    _u: String,
) {
    let code = published(&s).await;
    let mut push = BatchRequest::new(&code, Channel::Push, "api");
    push.client_batch = Some("gat-2026-12-01-001".into());
    push.payload_hash = Some("h1".into());
    let rows = vec![row(A, "张三", ""), row(B, "李四", "")];
    let first = s
        .collect_batch(
            system_a(),
            push.clone(),
            VecSource::new(cols(), rows.clone()),
            None,
        )
        .await
        .unwrap();
    assert_eq!((first.inserted, first.replayed), (2, false));
    let replay = s
        .collect_batch(
            system_a(),
            push.clone(),
            VecSource::new(cols(), rows.clone()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (replay.id, replay.inserted, replay.replayed),
        (first.id, 2, true)
    );
    assert_eq!(
        s.list_batches(steward_a(), &code, 10, 0)
            .await
            .unwrap()
            .total,
        1
    );
    let mut other = push.clone();
    other.payload_hash = Some("h2".into());
    assert!(matches!(
        domain(
            s.collect_batch(system_a(), other, VecSource::new(cols(), rows), None)
                .await
                .unwrap_err()
        ),
        DomainError::Conflict {
            code: "batch_id_reused",
            ..
        }
    ));
    // Deletes.
    let mut del = BatchRequest::new(&code, Channel::Push, "api");
    del.deletes = vec![B.into(), "460106199003071235".into()];
    let d = s
        .collect_batch(system_a(), del, VecSource::new(cols(), vec![]), None)
        .await
        .unwrap();
    assert_eq!((d.deleted, d.unchanged), (1, 1), "{d:?}");

    // A real ID number that fails its check digit passes once on the override list.
    let odd = "110105194912310021";
    let attempt = || VecSource::new(cols(), vec![row(odd, "赵六", "")]);
    let r = s
        .collect_batch(steward_a(), req(&code), attempt(), None)
        .await
        .unwrap();
    assert_eq!(r.status, "rejected");
    assert!(s
        .add_override(steward_a(), "id_number", odd, "公安部确认的历史号码")
        .await
        .is_err());
    assert!(matches!(
        domain(
            s.add_override(admin(), "id_number", A, "valid codes need no override")
                .await
                .unwrap_err()
        ),
        DomainError::Invalid(_)
    ));
    let o = s
        .add_override(admin(), "id_number", odd, "公安部确认的历史号码")
        .await
        .unwrap();
    assert_eq!(o.value, odd);
    let r = s
        .collect_batch(steward_a(), req(&code), attempt(), None)
        .await
        .unwrap();
    assert_eq!((r.status.as_str(), r.inserted), ("applied", 1));
    assert_eq!(s.list_overrides(steward_a()).await.unwrap().len(), 1);
    s.remove_override(admin(), o.id, "核查完毕").await.unwrap();
    assert!(s.list_overrides(admin()).await.unwrap().is_empty());
}

/// An upsert merges: an item the file has no column for keeps its stored value, and a new
/// record must still carry every required item. Replacing whole records is asked for, and
/// counted.
pub async fn collect_upserts_merge_and_replacing_is_explicit(
    s: Store,
    _t: Arc<AtomicI64>,
    _u: String,
) {
    let s = with_audit(s);
    let code = published(&s).await;
    let full = s
        .collect_batch(
            steward_a(),
            req(&code),
            VecSource::new(
                cols(),
                vec![row(A, "张三", "1949-12-31"), row(B, "李四", "1880-01-01")],
            ),
            None,
        )
        .await
        .unwrap();
    assert_eq!(full.inserted, 2, "{full:?}");
    let data = |code: String, key: &'static str| {
        let s = s.clone();
        async move {
            s.record_at(steward_a(), &code, key, None)
                .await
                .unwrap()
                .data
                .unwrap()
        }
    };

    // Names only: the birth dates stay.
    let names = vec!["公民身份号码".to_string(), "姓名".to_string()];
    let r = s
        .collect_batch(
            steward_a(),
            req(&code),
            VecSource::new(
                names.clone(),
                vec![
                    vec![A.into(), "张三丰".into()],
                    vec![B.into(), "李四".into()],
                ],
            ),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (
            r.status.as_str(),
            r.updated,
            r.unchanged,
            r.merged,
            r.replaced
        ),
        ("applied", 1, 1, 1, 0),
        "{r:?}"
    );
    let a = data(code.clone(), A).await;
    assert_eq!(
        (a["XM"].as_str(), a["CSRQ"].as_str()),
        (Some("张三丰"), Some("1949-12-31"))
    );
    assert_eq!(data(code.clone(), B).await["CSRQ"], "1880-01-01");

    // Without the required 姓名: fine for existing records, refused for a new one; every
    // problem is reported under all-or-nothing, the repeated key too.
    let dates = vec!["公民身份号码".to_string(), "出生日期".to_string()];
    let rows = vec![
        vec![A.to_string(), "1950-01-01".to_string()],
        vec![C.to_string(), "1990-03-07".to_string()],
        vec![A.to_string(), "1950-01-02".to_string()],
    ];
    let r = s
        .collect_batch(
            steward_a(),
            req(&code),
            VecSource::new(dates.clone(), rows.clone()),
            None,
        )
        .await
        .unwrap();
    assert_eq!((r.status.as_str(), r.rejected), ("rejected", 2), "{r:?}");
    let seen: Vec<(u64, Option<String>, String)> = s
        .batch_rejects(steward_a(), r.id)
        .await
        .unwrap()
        .into_iter()
        .map(|x| (x.row, x.field, x.reason))
        .collect();
    assert_eq!(
        seen,
        [
            (2, Some("XM".into()), "required".into()),
            (3, Some("GMSFHM".into()), "duplicate_key".into())
        ]
    );
    let mut accept = req(&code);
    accept.policy = BatchPolicy::AcceptValid;
    let r = s
        .collect_batch(steward_a(), accept, VecSource::new(dates, rows), None)
        .await
        .unwrap();
    assert_eq!(
        (
            r.status.as_str(),
            r.updated,
            r.inserted,
            r.rejected,
            r.merged
        ),
        ("applied", 1, 0, 2, 1),
        "{r:?}"
    );
    let a = data(code.clone(), A).await;
    assert_eq!(
        (a["XM"].as_str(), a["CSRQ"].as_str()),
        (Some("张三丰"), Some("1950-01-01"))
    );
    assert!(s.record_at(steward_a(), &code, C, None).await.is_err());

    // Replacing whole records is explicit, and the records that lost values are counted.
    let mut replace = req(&code);
    replace.mode = BatchMode::Replace;
    let r = s
        .collect_batch(
            steward_a(),
            replace,
            VecSource::new(names, vec![vec![A.into(), "张三丰".into()]]),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (r.mode.as_str(), r.updated, r.replaced, r.merged),
        ("replace", 1, 1, 0),
        "{r:?}"
    );
    let a = data(code.clone(), A).await;
    assert_eq!((a["XM"].as_str(), a.get("CSRQ")), (Some("张三丰"), None));
    assert_eq!(data(code, B).await["CSRQ"], "1880-01-01", "other keys stay");
}
