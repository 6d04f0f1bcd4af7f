//! Usage alerts (监测预警) of the conformance suite (run on SQLite and PostgreSQL): a known
//! scenario — a steady baseline then a jump, calls at 03:00 China time, one consumer looking
//! up most of a resource's subjects — raises exactly its alerts, tells the inboxes, seals
//! each step, suspends and reviews; and every refusal.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use shuqiao_core::account::Principal;
use shuqiao_core::assess::alerts::{AlertSettings, Review};
use shuqiao_core::collect::source::VecSource;
use shuqiao_core::share::{AccessRequest, Approval};
use shuqiao_core::DomainError;
use shuqiao_service::audit::AuditFilter;
use shuqiao_service::collect::{BatchRequest, Channel};
use shuqiao_service::exchange::Credential;
use shuqiao_service::share::ShareFilter;
use shuqiao_service::{Store, StoreError};

const A: &str = "11010519491231002X";
const B: &str = "440524188001010014";
const C: &str = "460106199003071235";

/// 2026-09-21 00:00 in China (T0 is 22:13:20 that day).
const DAY0: i64 = 1_789_920_000_000;

/// The clock at `hour`:00 China time, `day` days after the 21st of September 2026.
fn at(t: &AtomicI64, day: i64, hour: i64) {
    t.store(DAY0 + day * 86_400_000 + hour * 3_600_000, Ordering::SeqCst);
}

fn day(n: i64) -> String {
    format!("2026-09-{}", 21 + n)
}

fn code_of(e: StoreError) -> &'static str {
    match e {
        StoreError::Domain(
            DomainError::Forbidden { code, .. }
            | DomainError::NotFound { code, .. }
            | DomainError::Conflict { code, .. }
            | DomainError::Unauthenticated { code, .. },
        ) => code,
        StoreError::Domain(DomainError::Invalid(errs)) => {
            panic!(
                "invalid: {:?}",
                errs.iter().map(|e| &e.field).collect::<Vec<_>>()
            )
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn invalid_fields(e: StoreError) -> Vec<String> {
    match e {
        StoreError::Domain(DomainError::Invalid(errs)) => {
            errs.into_iter().map(|e| e.field).collect()
        }
        other => panic!("expected invalid, got {other:?}"),
    }
}

fn all() -> ShareFilter {
    ShareFilter {
        limit: 100,
        ..Default::default()
    }
}

async fn lookups(s: &Store, cred: &Credential, code: &str, keys: &[&str], times: usize) {
    for _ in 0..times {
        s.exchange_lookup(
            cred,
            code,
            keys.iter().map(|k| k.to_string()).collect(),
            None,
        )
        .await
        .unwrap();
    }
}

/// The share fixture, three people in the population resource, `c1-sys`'s grant on it and
/// its token: (store, resource, grant, credential).
async fn scenario(s: Store) -> (Store, String, i64, Credential) {
    let s = s.with_audit(shuqiao_service::audit::AuditKeys::generate("test/audit").unwrap());
    shuqiao_service::testkit::fixture(&s).await;
    let (_, code) = shuqiao_service::testkit::share_fixture(&s).await;
    let steward = s.principal_for("steward.a").await.unwrap();
    let mut req = BatchRequest::new(&code, Channel::Import, "t.csv");
    req.deletes = vec![];
    let rows = [
        (A, "张三", "1949-12-31"),
        (B, "李四", "1880-01-01"),
        (C, "王海燕", "1990-03-07"),
    ]
    .iter()
    .map(|(k, n, b)| vec![k.to_string(), n.to_string(), b.to_string()])
    .collect();
    let src = VecSource::new(vec!["GMSFHM".into(), "XM".into(), "CSRQ".into()], rows);
    let r = s
        .collect_batch(steward.clone(), req, src, None)
        .await
        .unwrap();
    assert_eq!(r.status, "applied");
    let consumer = s.principal_for("user.c1").await.unwrap();
    let app = s
        .apply(
            consumer,
            AccessRequest {
                system: "c1-sys".into(),
                resource: code.clone(),
                fields: vec!["GMSFHM".into(), "XM".into(), "CSRQ".into()],
                purpose: "资格认证".into(),
                scene: "待遇发放".into(),
                legal_basis: "《社会保险法》".into(),
                days: 60,
            },
        )
        .await
        .unwrap();
    let grant = s
        .approve_application(steward, app.id, Approval::default())
        .await
        .unwrap()
        .grant_id
        .unwrap();
    let admin = shuqiao_service::testkit::admin_principal();
    let (token, _) = s.issue_token(&admin, "c1-sys", "x", 60).await.unwrap();
    (s, code, grant, Credential::bearer(token))
}

pub async fn usage_alerts_from_a_known_scenario(s: Store, t: Arc<AtomicI64>, _: String) {
    let (s, code, grant, cred) = scenario(s).await;
    let who = |name: &'static str| {
        let s = s.clone();
        async move { s.principal_for(name).await.unwrap() }
    };
    let (admin, auditor, steward_a, steward_b, consumer) = (
        who("admin").await,
        who("auditor").await,
        who("steward.a").await,
        who("steward.b").await,
        who("user.c1").await,
    );

    // Settings: the defaults until set; every problem at once; the operator alone sets them,
    // the operator and auditors read them.
    assert_eq!(
        s.alert_settings(auditor.clone()).await.unwrap(),
        AlertSettings::default()
    );
    assert_eq!(
        code_of(s.alert_settings(steward_a.clone()).await.unwrap_err()),
        "operator_or_auditor_only"
    );
    assert_eq!(
        code_of(s.alert_settings(Principal::Anonymous).await.unwrap_err()),
        "unauthenticated"
    );
    let bad = AlertSettings {
        jump_factor: 0.5,
        min_calls: 0,
        baseline_days: 3,
        quiet_start: 25,
        quiet_end: 6,
        harvest_share: 1.5,
        harvest_min_subjects: 3,
        suspend_on_alert: false,
    };
    assert_eq!(
        invalid_fields(s.set_alert_settings(admin.clone(), bad).await.unwrap_err()),
        ["jump_factor", "min_calls", "quiet_start", "harvest_share"]
    );
    let settings = AlertSettings {
        jump_factor: 3.0,
        min_calls: 10,
        baseline_days: 3,
        quiet_start: 0,
        quiet_end: 6,
        harvest_share: 0.5,
        harvest_min_subjects: 3,
        suspend_on_alert: false,
    };
    for p in [steward_a.clone(), auditor.clone(), consumer.clone()] {
        assert_eq!(
            code_of(s.set_alert_settings(p, settings).await.unwrap_err()),
            "operator_only"
        );
    }
    assert_eq!(
        s.alert_settings(admin.clone()).await.unwrap(),
        AlertSettings::default(),
        "refusals changed nothing"
    );
    s.set_alert_settings(admin.clone(), settings).await.unwrap();

    // A steady baseline: five lookups of one person at 10:00 on three days; nothing raised.
    for d in 1..=3 {
        at(&t, d, 10);
        lookups(&s, &cred, &code, &[A], 5).await;
        let r = s.alert_sweep().await.unwrap();
        assert_eq!((r.raised, r.suspended), (0, 0), "day {d}");
    }
    // The jump: twenty on the fourth day, more than 3 × 5 and at least 10.
    at(&t, 4, 10);
    lookups(&s, &cred, &code, &[A], 20).await;
    assert_eq!(s.alert_sweep().await.unwrap().raised, 1);
    // Two calls at 03:00 on the fifth day, when the grant never called.
    at(&t, 5, 3);
    lookups(&s, &cred, &code, &[A], 2).await;
    assert_eq!(s.alert_sweep().await.unwrap().raised, 1);
    // From now on an alert suspends its grant. At 11:00 the consumer looks up the other two:
    // all three of the resource's subjects in a day.
    s.set_alert_settings(
        admin.clone(),
        AlertSettings {
            suspend_on_alert: true,
            ..settings
        },
    )
    .await
    .unwrap();
    at(&t, 5, 11);
    lookups(&s, &cred, &code, &[B, C], 1).await;
    let r = s.alert_sweep().await.unwrap();
    assert_eq!((r.raised, r.suspended), (1, 1));
    assert_eq!(s.alert_sweep().await.unwrap().raised, 0, "raised once");

    // Exactly these alerts.
    let list = s.list_alerts(admin.clone(), all()).await.unwrap();
    let got: Vec<_> = list
        .items
        .iter()
        .map(|a| {
            (
                a.kind.as_str(),
                a.window.clone(),
                a.observed,
                a.baseline,
                a.state.as_str(),
                a.suspended,
                a.grant,
                a.system.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("harvesting", day(5), 3, 3.0, "open", true, grant, "c1-sys"),
            (
                "unusual_hours",
                day(5),
                2,
                0.0,
                "open",
                false,
                grant,
                "c1-sys"
            ),
            ("jump", day(4), 20, 5.0, "open", false, grant, "c1-sys"),
        ]
    );
    let (harvest, night, jump) = (list.items[0].id, list.items[1].id, list.items[2].id);
    assert_eq!(list.items[1].evidence["quiet_calls_by_hour"]["03:00"], 2);
    assert_eq!(list.items[2].evidence["previous_days"][day(3)], 5);
    assert_eq!(list.items[0].evidence["live_subjects"], 3);

    // The suspended grant refuses the next call, with its own code.
    let e = s
        .exchange_lookup(&cred, &code, vec![A.into()], None)
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "grant_suspended");

    // Who sees them: the operator and auditors, the provider and the consumer; not another
    // department, not anonymous.
    for p in [auditor.clone(), steward_a.clone(), consumer.clone()] {
        assert_eq!(s.list_alerts(p.clone(), all()).await.unwrap().total, 3);
        assert_eq!(s.get_alert(p, jump).await.unwrap().observed, 20);
    }
    assert_eq!(
        s.list_alerts(steward_b.clone(), all()).await.unwrap().total,
        0
    );
    assert_eq!(
        code_of(s.get_alert(steward_b.clone(), jump).await.unwrap_err()),
        "alert_not_found"
    );
    assert_eq!(
        code_of(
            s.list_alerts(Principal::Anonymous, all())
                .await
                .unwrap_err()
        ),
        "unauthenticated"
    );
    let open = ShareFilter {
        status: Some("open".into()),
        ..all()
    };
    assert_eq!(
        s.list_alerts(admin.clone(), open.clone())
            .await
            .unwrap()
            .total,
        3
    );

    // Reviews: the operator alone, with a note, once.
    let note = || "核实为正常业务高峰".to_string();
    for p in [steward_a.clone(), consumer.clone(), auditor.clone()] {
        assert_eq!(
            code_of(
                s.review_alert(p, harvest, Review::Clear, note())
                    .await
                    .unwrap_err()
            ),
            "operator_only"
        );
    }
    assert_eq!(
        code_of(
            s.review_alert(steward_b.clone(), harvest, Review::Clear, note())
                .await
                .unwrap_err()
        ),
        "alert_not_found"
    );
    assert_eq!(
        invalid_fields(
            s.review_alert(admin.clone(), harvest, Review::Clear, " ".into())
                .await
                .unwrap_err()
        ),
        ["note"]
    );
    assert_eq!(
        code_of(
            s.review_alert(admin.clone(), 9999, Review::Clear, note())
                .await
                .unwrap_err()
        ),
        "alert_not_found"
    );
    // Clearing lifts the suspension: the next call is served.
    let a = s
        .review_alert(admin.clone(), harvest, Review::Clear, note())
        .await
        .unwrap();
    assert_eq!(
        (a.state.as_str(), a.reviewed_by.as_deref()),
        ("cleared", Some("user:admin"))
    );
    lookups(&s, &cred, &code, &[A], 1).await;
    assert_eq!(
        code_of(
            s.review_alert(admin.clone(), harvest, Review::Revoke, note())
                .await
                .unwrap_err()
        ),
        "alert_already_reviewed"
    );
    // Revoking ends the grant as a revocation does.
    let a = s
        .review_alert(
            admin.clone(),
            jump,
            Review::Revoke,
            "批量采集，撤销授权".into(),
        )
        .await
        .unwrap();
    assert_eq!(a.state, "revoked");
    let e = s
        .exchange_lookup(&cred, &code, vec![A.into()], None)
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "no_grant");
    let g = s.get_grant(admin.clone(), grant).await.unwrap();
    assert_eq!(g.state, "revoked");
    assert_eq!(s.list_alerts(admin.clone(), open).await.unwrap().total, 1);
    assert_eq!(
        s.get_alert(admin.clone(), night).await.unwrap().state,
        "open"
    );

    // The inboxes: the provider and the operator hear of each alert; the consumer of the
    // suspension and the reviews.
    let inbox_kinds = |p: Principal| {
        let s = s.clone();
        async move {
            let items = s.inbox(p, all(), false).await.unwrap().items;
            let mut k: Vec<String> = items
                .iter()
                .filter(|i| {
                    i.subject_type == "alert"
                        || ["grant.suspend", "grant.resume"].contains(&i.kind.as_str())
                })
                .map(|i| i.kind.clone())
                .collect();
            k.sort();
            k
        }
    };
    let provider_and_operator = [
        "alert.clear",
        "alert.raise",
        "alert.raise",
        "alert.raise",
        "alert.revoke",
        "grant.resume",
        "grant.suspend",
    ];
    assert_eq!(inbox_kinds(steward_a.clone()).await, provider_and_operator);
    assert_eq!(inbox_kinds(admin.clone()).await, provider_and_operator);
    assert_eq!(
        inbox_kinds(consumer.clone()).await,
        [
            "alert.clear",
            "alert.revoke",
            "grant.resume",
            "grant.suspend"
        ]
    );

    // Every alert, setting change, suspension and review is sealed.
    s.audit().seal_pending().await.unwrap();
    for (action, n) in [
        ("assess.alert.raise", 3),
        ("assess.grant.suspend", 1),
        ("assess.alert.clear", 1),
        ("assess.grant.resume", 1),
        ("assess.alert.revoke", 1),
        ("share.grant.revoke", 1),
        ("assess.alert_settings.change", 2),
    ] {
        let got = s
            .audit_entries(AuditFilter {
                action: Some(action.into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .items
            .len();
        assert_eq!(got, n, "{action}");
    }
    // The refused call under the suspended grant is sealed with its code.
    let refused = s
        .audit_entries(AuditFilter {
            action: Some("exchange.lookup".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(refused
        .items
        .iter()
        .any(|e| e.entry.result == "denied:grant_suspended"));
}
