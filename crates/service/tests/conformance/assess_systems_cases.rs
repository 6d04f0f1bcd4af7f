//! The information-system inventory, completed data sharing and zombie candidates on both
//! engines: a known province of systems — one sharing fully, one connected without
//! resources, idle ones, one whose maintenance stopped, two with the same function, one
//! stopped — and every status, rate, answer and candidate checked exactly.
use std::io::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use shuqiao_core::account::{Principal, Role};
use shuqiao_core::assess::systems::{
    Criterion, InventoryPatch, Stage, SystemStatus, Verdict, ZombieSettings,
};
use shuqiao_core::collect::source::VecSource;
use shuqiao_core::share::{AccessRequest, Approval};
use shuqiao_core::DomainError;
use shuqiao_service::audit::AuditFilter;
use shuqiao_service::collect::{BatchRequest, Channel};
use shuqiao_service::exchange::Credential;
use shuqiao_service::testkit::{admin_principal, fixture, sample_meta, share_fixture};
use shuqiao_service::Store;

use super::{admin, domain, invalid_fields, person, steward_a, steward_b, test_audit_keys};

const A: &str = "11010519491231002X";

async fn collect_from_system(s: &Store, code: &str) {
    let mut req = BatchRequest::new(code, Channel::Import, "t.csv");
    req.source_system = Some("d-a-sys".into());
    let src = VecSource::new(
        vec!["GMSFHM".into(), "XM".into(), "CSRQ".into()],
        vec![vec![A.into(), "张三".into(), "1949-12-31".into()]],
    );
    let r = s.collect_batch(steward_a(), req, src, None).await.unwrap();
    assert_eq!(r.status, "applied", "{r:?}");
}

/// `c1-sys` is granted the conditional resource and looks a record up: a call by `c1-sys`,
/// and `d-a-sys`'s data served.
async fn call_from_c1(s: &Store, code: &str) {
    let consumer = s.principal_for("user.c1").await.unwrap();
    let app = s
        .apply(
            consumer,
            AccessRequest {
                system: "c1-sys".into(),
                resource: code.into(),
                fields: vec!["GMSFHM".into(), "XM".into()],
                purpose: "资格认证".into(),
                scene: "待遇发放".into(),
                legal_basis: "《社会保险法》".into(),
                days: 30,
            },
        )
        .await
        .unwrap();
    s.approve_application(steward_a(), app.id, Approval::default())
        .await
        .unwrap();
    let (token, _) = s
        .issue_token(&admin_principal(), "c1-sys", "x", 30)
        .await
        .unwrap();
    s.exchange_lookup(&Credential::bearer(token), code, vec![A.into()], None)
        .await
        .unwrap();
}

fn patch() -> InventoryPatch {
    InventoryPatch::default()
}

fn csv_file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

pub async fn systems_inventory_completion_and_zombies(s: Store, t: Arc<AtomicI64>, _: String) {
    let s = s.with_audit(test_audit_keys());
    fixture(&s).await;
    let (open, conditional) = share_fixture(&s).await;
    let auditor = person("auditor", Role::Auditor, "op");
    let consumer = person("user.a", Role::ConsumerUser, "d-a");

    // d-a-sys: connected, both its resources catalogued, its data collected and served.
    s.issue_token(&admin(), "d-a-sys", "x", 30).await.unwrap();
    collect_from_system(&s, &open).await;
    collect_from_system(&s, &conditional).await;
    call_from_c1(&s, &conditional).await;
    // d-b-sys: connected; its one resource is still a draft.
    s.issue_token(&admin(), "d-b-sys", "x", 30).await.unwrap();
    let mut draft = sample_meta();
    draft.provider = "d-b".into();
    draft.provider_unit = None;
    draft.name = "企业年报信息".into();
    draft.systems = vec!["d-b-sys".into()];
    let draft = s.create_resource(steward_b(), draft).await.unwrap().code;
    s.audit().seal_pending().await.unwrap();

    // The inventory: c3-sys stopped maintenance, c4 and c5 do the same thing, c6 is stopped.
    s.update_system_inventory(
        admin(),
        "c3-sys",
        InventoryPatch {
            maintenance_stopped_on: Some("2025-12-31".into()),
            ..patch()
        },
    )
    .await
    .unwrap();
    let csv = csv_file(
        "系统编码,系统名称,功能,网络,状态,涉密,投资规模,审批时间,验收时间\n\
         c4-sys,社保认证系统,社保待遇资格认证,政务外网,在用,否,\"1,200,000\",2019-03-01,2020-06-30\n\
         c5-sys,待遇认证平台,社保待遇 资格认证,政务外网,在用,否,800000,,\n\
         c6-sys,旧档案系统,档案管理,政务内网,停用,否,,,\n",
    );
    let summary = s
        .import_systems_file(admin(), csv.path().to_path_buf(), None, Default::default())
        .await
        .unwrap();
    assert_eq!(
        (summary.created, summary.updated, summary.unchanged),
        (0, 3, 0)
    );
    let c4 = s.system_inventory_of(admin(), "c4-sys").await.unwrap();
    assert_eq!(c4.inventory.investment_yuan, Some(1_200_000));
    assert_eq!(c4.inventory.accepted_on.as_deref(), Some("2020-06-30"));
    assert_eq!(c4.inventory.description, "社保待遇资格认证");

    // A sheet with bad cells: every one reported, nothing applied.
    let bad = csv_file(
        "系统编码,系统名称,网络,状态,验收时间,审批时间\n\
         c4-sys,,卫星网,在用,2018-01-01,2019-01-01\n\
         nope-sys,某系统,政务外网,报废,,\n\
         c5-sys,改名,政务外网,在用,2021-13-40,\n",
    );
    let err = s
        .import_systems_file(admin(), bad.path().to_path_buf(), None, Default::default())
        .await
        .unwrap_err();
    assert_eq!(
        invalid_fields(err),
        [
            "rows[2].network",
            "rows[3].status",
            "rows[2].accepted_on",
            "rows[3].org",
            "rows[4].accepted_on"
        ]
    );
    let c5 = s.system_inventory_of(admin(), "c5-sys").await.unwrap();
    assert_eq!(c5.inventory.name, "待遇认证平台", "nothing applied");
    // A steward cannot touch another department's systems from a sheet either.
    let err = s
        .import_systems_file(
            steward_b(),
            csv_file("系统编码,使用范围\nc4-sys,全省\n")
                .path()
                .to_path_buf(),
            None,
            Default::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(err), ["rows[2].code"]);

    // Completion, per system and department, and the province's rate against 100% (2026).
    s.set_zombie_settings(
        admin(),
        ZombieSettings {
            idle_days: 90,
            min_users: 1,
        },
    )
    .await
    .unwrap();
    let report = s.system_inventory(admin()).await.unwrap();
    assert_eq!(report.year, 2026);
    let status: Vec<(&str, bool, bool, bool, bool, bool)> = report
        .systems
        .iter()
        .map(|v| {
            let c = v.completion;
            (
                v.code.as_str(),
                c.connected,
                c.catalogued,
                c.data_flowing,
                c.complete,
                c.counted,
            )
        })
        .collect();
    assert_eq!(
        status,
        [
            ("c1-sys", true, false, false, false, true),
            ("c2-sys", false, false, false, false, true),
            ("c3-sys", false, false, false, false, true),
            ("c4-sys", false, false, false, false, true),
            ("c5-sys", false, false, false, false, true),
            ("c6-sys", false, false, false, false, false),
            ("d-a-sys", true, true, true, true, true),
            ("d-b-sys", true, false, false, false, true),
        ]
    );
    let d_a = report.systems.iter().find(|v| v.code == "d-a-sys").unwrap();
    let mut own = vec![open.clone(), conditional.clone()];
    own.sort();
    assert_eq!(d_a.resources, own);
    let d_b = report.systems.iter().find(|v| v.code == "d-b-sys").unwrap();
    assert_eq!(d_b.resources, std::slice::from_ref(&draft));
    let province = report.province.clone().unwrap();
    assert_eq!(
        (
            province.counted,
            province.complete,
            province.percent,
            province.target_percent,
            province.meets_target
        ),
        (7, 1, Some(14.3), Some(100), Some(false))
    );
    let rates: Vec<(&str, u32, u32, Option<f64>)> = report
        .departments
        .iter()
        .map(|d| {
            (
                d.org.as_str(),
                d.rate.counted,
                d.rate.complete,
                d.rate.percent,
            )
        })
        .collect();
    assert_eq!(
        rates,
        [
            ("c1", 1, 0, Some(0.0)),
            ("c2", 1, 0, Some(0.0)),
            ("c3", 1, 0, Some(0.0)),
            ("c4", 1, 0, Some(0.0)),
            ("c5", 1, 0, Some(0.0)),
            ("c6", 0, 0, None),
            ("d-a", 1, 1, Some(100.0)),
            ("d-b", 1, 0, Some(0.0)),
        ]
    );
    // A department's steward sees its own systems and no province figure; auditors see all.
    let mine = s.system_inventory(steward_b()).await.unwrap();
    assert_eq!(
        mine.systems
            .iter()
            .map(|v| v.code.as_str())
            .collect::<Vec<_>>(),
        ["d-b-sys"]
    );
    assert!(mine.province.is_none());
    assert_eq!(
        s.system_inventory(auditor.clone())
            .await
            .unwrap()
            .systems
            .len(),
        8
    );

    // Approval: accepted only when sharing is complete; a project not when it duplicates.
    let check = |code: &'static str, stage| {
        let s = s.clone();
        async move {
            let c = s.approval_check(admin(), code, stage).await.unwrap();
            let codes: Vec<&str> = c.obstacles.iter().map(|o| o.code).collect();
            (c.approvable, codes.join(","))
        }
    };
    assert_eq!(check("d-a-sys", Stage::Acceptance).await, (true, "".into()));
    assert_eq!(check("d-a-sys", Stage::Project).await, (true, "".into()));
    assert_eq!(
        check("c1-sys", Stage::Acceptance).await,
        (false, "not_catalogued,no_data_shared".into())
    );
    assert_eq!(
        check("c2-sys", Stage::Acceptance).await,
        (false, "not_connected,not_catalogued,no_data_shared".into())
    );
    assert_eq!(
        check("c4-sys", Stage::Project).await,
        (false, "duplicate_function".into())
    );
    let dup = s
        .approval_check(admin(), "c4-sys", Stage::Project)
        .await
        .unwrap();
    assert!(dup.obstacles[0].en.ends_with("c5-sys"), "{dup:?}");

    // Zombie candidates with every criterion's evidence.
    let zombies = s.zombie_candidates(admin()).await.unwrap();
    let met: Vec<(&str, Vec<Criterion>)> = zombies
        .candidates
        .iter()
        .map(|c| {
            (
                c.code.as_str(),
                c.evidence
                    .iter()
                    .filter(|e| e.met)
                    .map(|e| e.criterion)
                    .collect(),
            )
        })
        .collect();
    use Criterion::*;
    assert_eq!(
        met,
        [
            ("c2-sys", vec![Idle]),
            ("c3-sys", vec![Idle, MaintenanceStopped]),
            ("c4-sys", vec![Idle, Duplicated]),
            ("c5-sys", vec![Idle, Duplicated]),
            ("d-b-sys", vec![Idle, FewUsers, Stale]),
        ]
    );
    let c3 = &zombies.candidates[1];
    assert_eq!(c3.evidence[3].zh, "运维已于 2025-12-31 停止");
    assert_eq!(c3.evidence.len(), 5);
    let db = &zombies.candidates[4];
    assert_eq!(
        db.evidence[1].en,
        "0 systems called its data in the last 90 days (fewer than 1 is few)"
    );
    // d-a-sys's evidence, were it a candidate: calls through its data, a push today.
    assert!(s
        .zombie_candidates(steward_b())
        .await
        .unwrap()
        .candidates
        .iter()
        .all(|c| c.org == "d-b"));

    // Idle is computed from time: 91 days on, d-a-sys's pushes and c1-sys's calls are out of
    // the window and its data is stale.
    t.fetch_add(91 * 86_400_000, Ordering::SeqCst);
    let later = s.zombie_candidates(admin()).await.unwrap();
    let later_codes: Vec<&str> = later.candidates.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(
        later_codes,
        ["c1-sys", "c2-sys", "c3-sys", "c4-sys", "c5-sys", "d-a-sys", "d-b-sys"]
    );
    let d_a = later
        .candidates
        .iter()
        .find(|c| c.code == "d-a-sys")
        .unwrap();
    let d_a_met: Vec<Criterion> = d_a
        .evidence
        .iter()
        .filter(|e| e.met)
        .map(|e| e.criterion)
        .collect();
    assert_eq!(d_a_met, [Idle, FewUsers, Stale]);
    t.fetch_sub(91 * 86_400_000, Ordering::SeqCst);

    // Marks: the operator only; a dismissal says why; integrated retires the system.
    let refused = |e: shuqiao_service::StoreError| match domain(e) {
        DomainError::Forbidden { code, .. } => code,
        DomainError::Conflict { code, .. } => code,
        DomainError::NotFound { code, .. } => code,
        DomainError::Unauthenticated { code, .. } => code,
        other => panic!("{other:?}"),
    };
    for p in [steward_b(), auditor.clone(), consumer.clone()] {
        let e = s
            .mark_zombie(p, "d-b-sys", Verdict::Confirmed, String::new())
            .await
            .unwrap_err();
        assert!(matches!(domain(e), DomainError::Forbidden { .. }));
    }
    let e = s
        .mark_zombie(admin(), "c3-sys", Verdict::Dismissed, " ".into())
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(e), ["reason"]);
    assert_eq!(
        refused(
            s.mark_zombie(admin(), "d-a-sys", Verdict::Confirmed, String::new())
                .await
                .unwrap_err()
        ),
        "not_a_candidate"
    );
    assert_eq!(
        refused(
            s.mark_zombie(admin(), "no-sys", Verdict::Confirmed, String::new())
                .await
                .unwrap_err()
        ),
        "system_not_found"
    );
    s.mark_zombie(admin(), "c2-sys", Verdict::Confirmed, String::new())
        .await
        .unwrap();
    s.mark_zombie(admin(), "c3-sys", Verdict::Dismissed, "新版本开发中".into())
        .await
        .unwrap();
    s.mark_zombie(admin(), "c4-sys", Verdict::Integrated, "并入 c5-sys".into())
        .await
        .unwrap();
    let after = s.zombie_candidates(auditor.clone()).await.unwrap();
    let marks: Vec<(&str, Option<Verdict>)> = after
        .candidates
        .iter()
        .map(|c| (c.code.as_str(), c.mark.as_ref().map(|m| m.verdict)))
        .collect();
    assert_eq!(
        marks,
        [
            ("c2-sys", Some(Verdict::Confirmed)),
            ("c3-sys", Some(Verdict::Dismissed)),
            ("c5-sys", None),
            ("d-b-sys", None),
        ]
    );
    let c5 = after
        .candidates
        .iter()
        .find(|c| c.code == "c5-sys")
        .unwrap();
    assert!(!c5.evidence[4].met, "c4-sys is no longer in use");
    let c4 = s.system_inventory_of(admin(), "c4-sys").await.unwrap();
    assert_eq!(c4.inventory.status, SystemStatus::Integrated);

    // Who may read and edit.
    for p in [consumer.clone(), Principal::Anonymous] {
        assert!(s.system_inventory(p.clone()).await.is_err());
        assert!(s.zombie_candidates(p.clone()).await.is_err());
        assert!(s
            .approval_check(p, "d-a-sys", Stage::Project)
            .await
            .is_err());
    }
    let system = Principal::System {
        system: "c1-sys".into(),
        org: "c1".into(),
        token_id: 1,
    };
    assert!(matches!(
        domain(s.system_inventory(system).await.unwrap_err()),
        DomainError::Forbidden { .. }
    ));
    assert_eq!(
        refused(
            s.system_inventory_of(steward_b(), "d-a-sys")
                .await
                .unwrap_err()
        ),
        "system_not_found"
    );
    assert_eq!(
        refused(
            s.update_system_inventory(steward_b(), "d-a-sys", patch())
                .await
                .unwrap_err()
        ),
        "system_not_found"
    );
    assert_eq!(
        refused(
            s.update_system_inventory(auditor.clone(), "d-a-sys", patch())
                .await
                .unwrap_err()
        ),
        "system_edit_forbidden"
    );
    assert!(s
        .set_zombie_settings(steward_a(), ZombieSettings::default())
        .await
        .is_err());
    // A steward edits their own; a field left out keeps its value; every problem at once.
    let v = s
        .update_system_inventory(
            steward_a(),
            "d-a-sys",
            InventoryPatch {
                scope: Some("全省".into()),
                ..patch()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (v.inventory.scope.as_str(), v.inventory.name.as_str()),
        ("全省", "测试系统")
    );
    let e = s
        .update_system_inventory(
            steward_a(),
            "d-a-sys",
            InventoryPatch {
                name: Some(" ".into()),
                approved_on: Some("2020-02-30".into()),
                investment_yuan: Some(-1),
                ..patch()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        invalid_fields(e),
        ["name", "approved_on", "investment_yuan"]
    );

    // Inventory changes and marks are sealed.
    s.audit().seal_pending().await.unwrap();
    for (action, n) in [
        ("system.inventory", 5),
        ("system.zombie_mark", 3),
        ("system.zombie_settings", 1),
    ] {
        let items = s
            .audit_entries(AuditFilter {
                action: Some(action.into()),
                limit: 20,
                ..Default::default()
            })
            .await
            .unwrap()
            .items;
        assert_eq!(items.len(), n, "{action}");
    }
}
