//! The assessment figures from a known scenario (SQLite and PostgreSQL): applications
//! answered on time, late and not at all, objections closed and open, systems used and idle,
//! needs met, open and rejected before the period; every figure checked exactly, for the
//! province, a department and the ranking, with the rows it was computed from; who may see
//! which figures.
use super::*;
use shuqiao_core::assess::figures::{Figure, Period, Scope};
use shuqiao_core::collect::source::VecSource;
use shuqiao_core::quality::objection::{Answer, ObjectionInput, Response};
use shuqiao_core::share::{AccessRequest, Approval, NeedInput, ResponsibilityInput};
use shuqiao_service::assess::figures::Figures;
use shuqiao_service::collect::{BatchRequest, Channel};
use shuqiao_service::exchange::Credential;
use shuqiao_service::testkit::share_fixture;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

const A: &str = "11010519491231002X";
const B: &str = "440524188001010014";
const HOUR: i64 = 3_600_000;
const DAY: i64 = 86_400_000;

async fn collect(s: &Store, code: &str, rows: &[(&str, &str)], source_system: Option<&str>) {
    let steward = s.principal_for("steward.a").await.unwrap();
    let mut req = BatchRequest::new(code, Channel::Import, "a.csv");
    req.source_system = source_system.map(Into::into);
    let rows = rows
        .iter()
        .map(|(a, b)| vec![a.to_string(), b.to_string(), "1990-01-01".into()])
        .collect();
    let src = VecSource::new(vec!["GMSFHM".into(), "XM".into(), "CSRQ".into()], rows);
    let r = s.collect_batch(steward, req, src, None).await.unwrap();
    assert_eq!(r.status, "applied", "{r:?}");
}

fn consumer(org: &str) -> Principal {
    person(&format!("user.{org}"), Role::ConsumerUser, org)
}

async fn apply(s: &Store, org: &str, res: &str) -> i64 {
    let who = match org {
        "c1" => s.principal_for("user.c1").await.unwrap(),
        _ => consumer(org),
    };
    s.apply(
        who,
        AccessRequest {
            system: format!("{org}-sys"),
            resource: res.into(),
            fields: vec!["GMSFHM".into(), "XM".into()],
            purpose: "资格认证".into(),
            scene: "待遇发放".into(),
            legal_basis: "《社会保险法》".into(),
            days: 365,
        },
    )
    .await
    .unwrap()
    .id
}

fn need(org: &str, title: &str) -> NeedInput {
    NeedInput {
        org: Some(org.into()),
        title: title.into(),
        description: "办事需要".into(),
        resource: None,
    }
}

fn flag(res: &str, key: &str) -> ObjectionInput {
    ObjectionInput {
        resource: res.into(),
        key: key.into(),
        fields: vec!["XM".into()],
        reason: "姓名有误".into(),
        evidence: None,
    }
}

fn value(f: &Figures, code: Figure) -> (Option<f64>, i64, i64) {
    let v = f.figures.iter().find(|x| x.code == code).unwrap();
    (v.value, v.counted, v.base)
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

fn code_of(e: StoreError) -> String {
    match domain(e) {
        DomainError::Forbidden { code, .. }
        | DomainError::NotFound { code, .. }
        | DomainError::Unauthenticated { code, .. } => code.to_string(),
        DomainError::Invalid(errs) => format!("invalid:{}", errs[0].field),
        other => panic!("unexpected {other:?}"),
    }
}

pub async fn assessment_figures_from_a_known_scenario(s: Store, t: Arc<AtomicI64>, _: String) {
    let s = s.with_audit(shuqiao_service::audit::AuditKeys::generate("test/audit").unwrap());
    let admin = admin();
    // Before the quarter (2026-09-21): the province, two published resources of d-a, data in
    // the conditional one, the responsibility list, a need of c2 matched to it, a need of c4
    // rejected.
    testkit::fixture(&s).await;
    let (_, res) = share_fixture(&s).await;
    collect(&s, &res, &[(A, "张三"), (B, "李四")], None).await;
    let steward = s.principal_for("steward.a").await.unwrap();
    for (title, resource) in [("人口信息", Some(res.clone())), ("婚姻信息", None)] {
        s.add_responsibility(
            admin.clone(),
            ResponsibilityInput {
                org: "d-a".into(),
                title: title.into(),
                duty: "三定方案".into(),
                resource,
            },
        )
        .await
        .unwrap();
    }
    let n2 = s
        .state_need(consumer("c2"), need("c2", "人口信息"))
        .await
        .unwrap();
    s.confirm_need(admin.clone(), n2.id, Some(res.clone()))
        .await
        .unwrap();
    let n4 = s
        .state_need(consumer("c4"), need("c4", "不动产信息"))
        .await
        .unwrap();
    s.reject_need(admin.clone(), n4.id, "不属于共享范围".into())
        .await
        .unwrap();

    // In 2026-Q4: from 2026-10-12 10:00, three applications due two working days later.
    let (q4_start, q4_end) = Period::Quarter(2026, 4).bounds();
    let oct12 = q4_start + 11 * DAY + 10 * HOUR;
    t.store(oct12, Ordering::SeqCst);
    let app1 = apply(&s, "c1", &res).await;
    let app2 = apply(&s, "c2", &res).await;
    let app3 = apply(&s, "c3", &res).await;
    s.state_need(consumer("c3"), need("c3", "社保信息"))
        .await
        .unwrap();
    t.store(oct12 + HOUR, Ordering::SeqCst);
    s.approve_application(steward.clone(), app1, Approval::default())
        .await
        .unwrap();
    // c1's system calls three times; d-a's system pushes a batch.
    let (token, _) = s
        .issue_token(&testkit::admin_principal(), "c1-sys", "x", 90)
        .await
        .unwrap();
    let cred = Credential::bearer(token);
    for _ in 0..3 {
        s.exchange_lookup(&cred, &res, vec![A.into()], None)
            .await
            .unwrap();
    }
    collect(&s, &res, &[(B, "李肆")], Some("d-a-sys")).await;
    // Objections on 10-13 09:00: one disputed the next day and confirmed the day after
    // (closed in exactly two days), one left open.
    let oct13 = q4_start + 12 * DAY + 9 * HOUR;
    t.store(oct13, Ordering::SeqCst);
    let c1 = s.principal_for("user.c1").await.unwrap();
    let o1 = s.file_objection(c1.clone(), flag(&res, A)).await.unwrap();
    let o2 = s.file_objection(c1.clone(), flag(&res, B)).await.unwrap();
    t.store(oct13 + DAY, Ordering::SeqCst);
    s.answer_objection(
        steward.clone(),
        o1.id,
        Answer::Disputed,
        "与户籍一致".into(),
    )
    .await
    .unwrap();
    t.store(oct13 + 2 * DAY, Ordering::SeqCst);
    s.respond_objection(c1.clone(), o1.id, Response::Confirm, "认可".into())
        .await
        .unwrap();
    // c2's application answered a day after its due time: late, and it satisfies c2's need.
    let due2 = s
        .get_application(steward.clone(), app2)
        .await
        .unwrap()
        .due_at
        .unwrap();
    t.store(due2 + DAY, Ordering::SeqCst);
    s.approve_application(steward.clone(), app2, Approval::default())
        .await
        .unwrap();

    // Counted in the new year: the quarter has ended.
    t.store(q4_end + 4 * DAY, Ordering::SeqCst);
    let auditor = s.principal_for("auditor").await.unwrap();
    let f = s
        .assess_figures(auditor.clone(), "2026-Q4", Scope::Province)
        .await
        .unwrap();
    assert_eq!(
        (f.period.as_str(), f.start, f.end, f.as_of),
        ("2026-Q4", q4_start, q4_end, q4_end)
    );
    let ratio = |code, counted, base| {
        let (v, c, b) = value(&f, code);
        assert_eq!((c, b), (counted, base), "{code:?}");
        assert!(close(v, counted as f64 / base as f64), "{code:?}: {v:?}");
    };
    // 10 departments (d-a, d-b, c1…c6, legal, secrecy), one has published.
    ratio(Figure::ShareDeptCoverage, 1, 10);
    ratio(Figure::ContentCoverage, 1, 2);
    ratio(Figure::ProvisionRate, 1, 2);
    ratio(Figure::ApplicationSupportRate, 1, 2);
    // c2's need met in the quarter; c3's open; c4's rejected before the quarter does not count.
    ratio(Figure::NeedSatisfactionRate, 1, 2);
    ratio(Figure::OnTimeRate, 1, 3);
    ratio(Figure::ObjectionResolutionRate, 1, 2);
    // 8 systems in use (d-a-sys, c1…c6-sys, d-b-sys): c1-sys called, d-a-sys pushed.
    ratio(Figure::SystemConnectRate, 2, 8);
    assert!(close(value(&f, Figure::ObjectionMeanDays).0, 2.0));
    assert!(close(value(&f, Figure::ExchangeVolume).0, 3.0));
    let need = f
        .figures
        .iter()
        .find(|x| x.code == Figure::NeedSatisfactionRate)
        .unwrap();
    assert_eq!((need.target, need.meets_target), (Some(0.95), Some(false)));
    assert_eq!(need.targets.len(), 2);
    // The trend: Q3 saw the resources published; Q1 had no departments yet.
    let trend: Vec<_> = f.trend.iter().map(|p| p.period.as_str()).collect();
    assert_eq!(trend, ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]);
    assert!(close(f.trend[2].values[&Figure::ShareDeptCoverage], 0.1));
    assert_eq!(f.trend[0].values[&Figure::ShareDeptCoverage], None);
    assert_eq!(f.trend[2].values[&Figure::OnTimeRate], None);

    // One department: the provider d-a, and the consumers' needs.
    let da = s
        .assess_figures(steward.clone(), "2026-Q4", Scope::Org("d-a".into()))
        .await
        .unwrap();
    assert_eq!(da.scope.name, "机构d-a");
    assert_eq!(value(&da, Figure::ShareDeptCoverage), (Some(1.0), 1, 1));
    assert_eq!(value(&da, Figure::SystemConnectRate), (Some(1.0), 1, 1));
    assert_eq!(value(&da, Figure::NeedSatisfactionRate), (None, 0, 0));
    assert_eq!(value(&da, Figure::OnTimeRate).1, 1);
    let c3 = s
        .assess_figures(admin.clone(), "2026-Q4", Scope::Org("c3".into()))
        .await
        .unwrap();
    assert_eq!(value(&c3, Figure::NeedSatisfactionRate), (Some(0.0), 0, 1));
    // The province's region holds every department.
    let region = s
        .assess_figures(admin.clone(), "2026-Q4", Scope::Region("460000".into()))
        .await
        .unwrap();
    assert_eq!(region.figures, f.figures);

    // The ranking: d-a (7 ratios, 13/3 of them), c1 (coverage 0, connection 1), c2 (need
    // met, coverage 0, system idle), then the rest tied at 0.
    let r = s.assess_ranking(steward_b(), "2026-Q4").await.unwrap();
    let top: Vec<_> = r.rows.iter().map(|x| (x.rank, x.org.as_str())).collect();
    assert_eq!(&top[..3], [(1, "d-a"), (2, "c1"), (3, "c2")]);
    assert!(close(r.rows[0].score, 13.0 / 3.0 / 7.0));
    assert!(close(r.rows[1].score, 0.5));
    assert!(close(r.rows[2].score, 1.0 / 3.0));
    assert_eq!(r.rows.len(), 10);
    assert!(r.rows[3..]
        .iter()
        .all(|x| x.rank == 4 && close(x.score, 0.0)));

    // The rows: d-a's applications due in the quarter, the one answered on time first (in an
    // hour); the province's systems in use, the two connected first.
    let rows = s
        .assess_rows(
            steward.clone(),
            "on_time_rate",
            "2026-Q4",
            Scope::Org("d-a".into()),
            0,
            10,
        )
        .await
        .unwrap();
    assert_eq!(rows.total, 3);
    let ids: Vec<_> = rows
        .items
        .iter()
        .map(|x| (x.id.clone(), x.counted))
        .collect();
    assert_eq!(ids[0], (app1.to_string(), true));
    assert_eq!(rows.items[0].value, Some(HOUR));
    let mut rest: Vec<_> = ids[1..].to_vec();
    rest.sort();
    let mut expected = vec![(app2.to_string(), false), (app3.to_string(), false)];
    expected.sort();
    assert_eq!(rest, expected);
    let systems = s
        .assess_rows(
            admin.clone(),
            "system_connect_rate",
            "2026-Q4",
            Scope::Province,
            0,
            2,
        )
        .await
        .unwrap();
    assert_eq!(systems.total, 8);
    let connected: Vec<_> = systems
        .items
        .iter()
        .map(|x| (x.id.as_str(), x.counted))
        .collect();
    assert_eq!(connected, [("c1-sys", true), ("d-a-sys", true)]);
    let mean = s
        .assess_rows(
            admin.clone(),
            "objection_mean_days",
            "2026-Q4",
            Scope::Province,
            0,
            10,
        )
        .await
        .unwrap();
    assert_eq!(mean.total, 2);
    assert_eq!(mean.items[0].id, o1.id.to_string());
    assert_eq!(mean.items[0].value, Some(2 * DAY));
    let volume = s
        .assess_rows(
            admin.clone(),
            "exchange_volume",
            "2026-Q4",
            Scope::Province,
            0,
            10,
        )
        .await
        .unwrap();
    assert_eq!(volume.items.len(), 1);
    assert_eq!(
        (volume.items[0].id.as_str(), volume.items[0].value),
        (res.as_str(), Some(3))
    );

    // What is overdue now: c3's application and the open objection, in d-a's scope.
    let overdue = s
        .assess_overdue(steward.clone(), Scope::Org("d-a".into()))
        .await
        .unwrap();
    let kinds: Vec<_> = overdue.iter().map(|o| (o.kind, o.id)).collect();
    assert!(kinds.contains(&("application", app3)), "{kinds:?}");
    assert!(kinds.contains(&("objection", o2.id)), "{kinds:?}");
    assert!(!kinds.contains(&("application", app2)));

    // Refusals: another department's figures and rows, the province for a department, the
    // ranking anonymously, a bad period (naming the field), an unknown figure.
    let e = s
        .assess_figures(steward_b(), "2026-Q4", Scope::Org("d-a".into()))
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "not_own_org");
    let e = s
        .assess_rows(
            steward_b(),
            "on_time_rate",
            "2026-Q4",
            Scope::Org("d-a".into()),
            0,
            10,
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "not_own_org");
    let e = s
        .assess_figures(steward.clone(), "2026-Q4", Scope::Province)
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "requires_platform_admin");
    let e = s
        .assess_figures(steward.clone(), "2026-Q4", Scope::Region("460100".into()))
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "requires_platform_admin");
    assert!(matches!(
        domain(
            s.assess_ranking(Principal::Anonymous, "2026-Q4")
                .await
                .unwrap_err()
        ),
        DomainError::Unauthenticated { .. }
    ));
    let e = s
        .assess_figures(steward.clone(), "2026-Q5", Scope::Org("d-a".into()))
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "invalid:period");
    let e = s
        .assess_rows(admin.clone(), "nonsense", "2026-Q4", Scope::Province, 0, 10)
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "unknown_figure");
    let e = s
        .assess_figures(admin.clone(), "2026-Q4", Scope::Org("nobody".into()))
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "unknown_org");
}
