//! Quality cases of the conformance suite (SQLite and PostgreSQL): objections answered on
//! time, late, disputed, contested, upheld and dismissed; who may flag, answer, respond and
//! rule; the supervision list; the clock on needs no resource answers; every step sealed.
use super::*;
use shuqiao_core::collect::source::VecSource;
use shuqiao_core::quality::objection::{Answer, ObjectionInput, Response, Ruling};
use shuqiao_core::share::calendar::{builtin, china_day, Calendar};
use shuqiao_core::share::{AccessRequest, Approval, NeedInput};
use shuqiao_service::audit::AuditFilter;
use shuqiao_service::collect::{BatchRequest, Channel};
use shuqiao_service::exchange::Credential;
use shuqiao_service::quality::objections::{ObjectionFilter, ObjectionView};
use shuqiao_service::testkit::share_fixture;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

const A: &str = "11010519491231002X";
const B: &str = "440524188001010014";
const C: &str = "460106199003071235";
const DAY: i64 = 86_400_000;

async fn collect(s: &Store, code: &str, rows: &[(&str, &str, &str)]) {
    let steward = s.principal_for("steward.a").await.unwrap();
    let req = BatchRequest::new(code, Channel::Import, "q.csv");
    let rows = rows
        .iter()
        .map(|(a, b, c)| vec![a.to_string(), b.to_string(), c.to_string()])
        .collect();
    let src = VecSource::new(vec!["GMSFHM".into(), "XM".into(), "CSRQ".into()], rows);
    let r = s.collect_batch(steward, req, src, None).await.unwrap();
    assert_eq!(r.status, "applied", "{r:?}");
}

fn flag(resource: &str, key: &str, fields: &[&str], reason: &str) -> ObjectionInput {
    ObjectionInput {
        resource: resource.into(),
        key: key.into(),
        fields: fields.iter().map(|f| f.to_string()).collect(),
        reason: reason.into(),
        evidence: Some("户籍登记表".into()),
    }
}

fn code_of(e: StoreError) -> String {
    match domain(e) {
        DomainError::Forbidden { code, .. }
        | DomainError::NotFound { code, .. }
        | DomainError::Conflict { code, .. } => code.to_string(),
        DomainError::Invalid(errs) => format!("invalid:{}:{}", errs[0].field, errs[0].reason),
        other => panic!("unexpected {other:?}"),
    }
}

fn due_after(now: i64, days: u32) -> String {
    let due = Calendar::new(&builtin()).answer_due(now, days).unwrap();
    china_day(due).to_string()
}

pub async fn objections_and_need_clocks_close_the_loop(s: Store, t: Arc<AtomicI64>, _: String) {
    let s = s.with_audit(shuqiao_service::audit::AuditKeys::generate("test/audit").unwrap());
    testkit::fixture(&s).await;
    let (_, res) = share_fixture(&s).await;
    collect(
        &s,
        &res,
        &[
            (A, "张三", "1949-12-31"),
            (B, "李四", "1880-01-01"),
            (C, "王海燕", "1990-03-07"),
        ],
    )
    .await;
    // c1's system holds a grant on the key and the name, not the birth date.
    let consumer = s.principal_for("user.c1").await.unwrap();
    let app = s
        .apply(
            consumer.clone(),
            AccessRequest {
                system: "c1-sys".into(),
                resource: res.clone(),
                fields: vec!["GMSFHM".into(), "XM".into()],
                purpose: "资格认证".into(),
                scene: "待遇发放".into(),
                legal_basis: "《社会保险法》".into(),
                days: 365,
            },
        )
        .await
        .unwrap();
    let steward = s.principal_for("steward.a").await.unwrap();
    s.approve_application(steward.clone(), app.id, Approval::default())
        .await
        .unwrap();
    let (token, _) = s
        .issue_token(&testkit::admin_principal(), "c1-sys", "q", 30)
        .await
        .unwrap();
    let system = s.authenticate(&token).await.unwrap().unwrap();
    let admin = admin();
    let auditor = s.principal_for("auditor").await.unwrap();
    let user_a = s.principal_for("user.a").await.unwrap();

    // Refusals: no grant (a consumer user of another department, another steward), no
    // consuming role (an auditor, the operator), a field outside the grant, an unknown field,
    // an unknown record, and an input with every problem at once.
    let xm = |key: &str| flag(&res, key, &["XM"], "姓名与户籍登记不符");
    for (who, expected) in [
        (user_a.clone(), "no_grant"),
        (steward_b(), "no_grant"),
        (auditor.clone(), "not_a_consumer"),
        (admin.clone(), "not_a_consumer"),
    ] {
        let e = s.file_objection(who, xm(A)).await.unwrap_err();
        assert_eq!(code_of(e), expected);
    }
    let e = s
        .file_objection(consumer.clone(), flag(&res, A, &["CSRQ"], "出生日期有误"))
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "field_not_granted");
    let e = s
        .file_objection(consumer.clone(), flag(&res, A, &["NOPE"], "有误"))
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "invalid:fields[0]:unknown_field");
    let e = s
        .file_objection(consumer.clone(), xm("110105194912310000"))
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "invalid:key:record_not_found");
    let bad = ObjectionInput {
        resource: res.clone(),
        key: " ".into(),
        fields: vec![],
        reason: "".into(),
        evidence: None,
    };
    let e = s.file_objection(consumer.clone(), bad).await.unwrap_err();
    assert_eq!(invalid_fields(e), ["key", "reason", "fields"]);
    assert!(s
        .list_objections(admin.clone(), ObjectionFilter::default())
        .await
        .unwrap()
        .is_empty());

    // 1. On time and corrected: the answer needs a new version of the record first.
    let now = t.load(Ordering::SeqCst);
    let o1 = s.file_objection(consumer.clone(), xm(A)).await.unwrap();
    assert_eq!(
        (o1.status.as_str(), o1.key.as_str(), o1.source.as_str()),
        ("open", A, "consumer")
    );
    assert_eq!(o1.due_date.as_deref(), Some(due_after(now, 5).as_str()));
    assert_eq!(
        (o1.flagger_org.as_str(), o1.provider.as_str()),
        ("c1", "d-a")
    );
    let e = s
        .answer_objection(steward.clone(), o1.id, Answer::Corrected, "已更正".into())
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "no_correction_yet");
    // Who may answer: the provider's steward; the flagger may not; another department's
    // steward does not even see it.
    let e = s
        .answer_objection(consumer.clone(), o1.id, Answer::Disputed, "x".into())
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "not_provider_steward");
    let e = s
        .answer_objection(steward_b(), o1.id, Answer::Disputed, "x".into())
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "objection_not_found");
    assert_eq!(
        code_of(s.get_objection(user_a.clone(), o1.id).await.unwrap_err()),
        "objection_not_found"
    );
    // Confirming before any answer is out of turn.
    let e = s
        .respond_objection(consumer.clone(), o1.id, Response::Confirm, "好".into())
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "objection_wrong_state");
    t.fetch_add(DAY, Ordering::SeqCst);
    collect(&s, &res, &[(A, "张叁", "1949-12-31")]).await;
    let o1 = s
        .answer_objection(
            steward.clone(),
            o1.id,
            Answer::Corrected,
            "已按户籍登记更正".into(),
        )
        .await
        .unwrap();
    assert_eq!(o1.status, "corrected");
    assert!(o1.correction_version.is_some() && !o1.answered_late);
    let e = s
        .respond_objection(steward_b(), o1.id, Response::Confirm, "好".into())
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "objection_not_found");
    let o1 = s
        .respond_objection(consumer.clone(), o1.id, Response::Confirm, "已核实".into())
        .await
        .unwrap();
    assert_eq!(o1.status, "resolved");
    assert!(o1.closed_at.is_some());

    // 2. By the system, naming the record by the pseudonym its answers carry; late,
    // disputed, contested, upheld, then corrected.
    let cred = Credential::bearer(token.clone());
    let page = s
        .exchange_query(&cred, &res, vec![("XM".into(), "李四".into())])
        .await
        .unwrap();
    let psn = page.items[0].0.clone();
    assert!(psn.starts_with("psn_"));
    let o2 = s.file_objection(system.clone(), xm(&psn)).await.unwrap();
    assert_eq!(o2.key, psn, "the flagger sees the key it gave");
    assert_eq!(
        s.get_objection(steward.clone(), o2.id).await.unwrap().key,
        B,
        "the provider sees its own key"
    );
    assert_eq!(
        s.get_objection(consumer.clone(), o2.id).await.unwrap().key,
        psn
    );
    assert_eq!(s.quality_sweep().await.unwrap().objections, 0);
    t.fetch_add(20 * DAY, Ordering::SeqCst);
    let swept = s.quality_sweep().await.unwrap();
    assert_eq!((swept.objections, swept.needs), (1, 0));
    assert_eq!(
        s.quality_sweep().await.unwrap().objections,
        0,
        "escalated once"
    );
    let sup = |p: Principal| {
        let s = s.clone();
        async move {
            s.list_objections(
                p,
                ObjectionFilter {
                    supervision: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .iter()
            .map(|o| o.id)
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(sup(admin.clone()).await, [o2.id]);
    let o2v = s.get_objection(admin.clone(), o2.id).await.unwrap();
    assert!(o2v.overdue && o2v.escalated_at.is_some());
    let o2 = s
        .answer_objection(
            steward.clone(),
            o2.id,
            Answer::Disputed,
            "与户籍系统一致".into(),
        )
        .await
        .unwrap();
    assert_eq!(o2.status, "disputed");
    assert!(o2.answered_late && !o2.overdue);
    let o2 = s
        .respond_objection(
            system.clone(),
            o2.id,
            Response::Contest,
            "出生证明显示为李肆".into(),
        )
        .await
        .unwrap();
    assert_eq!(o2.status, "contested");
    let e = s
        .rule_objection(steward.clone(), o2.id, Ruling::Upheld, "x".into())
        .await
        .unwrap_err();
    assert!(matches!(domain(e), DomainError::Forbidden { .. }));
    let before = t.load(Ordering::SeqCst);
    let o2 = s
        .rule_objection(
            admin.clone(),
            o2.id,
            Ruling::Upheld,
            "以出生证明为准".into(),
        )
        .await
        .unwrap();
    assert_eq!(o2.status, "open");
    assert_eq!(o2.due_date.as_deref(), Some(due_after(before, 5).as_str()));
    assert!(
        o2.escalated_at.is_some() && o2.answer.is_none(),
        "late once, it stays on the list"
    );
    t.fetch_add(DAY, Ordering::SeqCst);
    collect(&s, &res, &[(B, "李肆", "1880-01-01")]).await;
    let o2 = s
        .answer_objection(steward.clone(), o2.id, Answer::Corrected, "已更正".into())
        .await
        .unwrap();
    assert!(!o2.answered_late);
    let o2 = s
        .respond_objection(system.clone(), o2.id, Response::Confirm, "已核实".into())
        .await
        .unwrap();
    assert_eq!(o2.status, "resolved");

    // 3. Disputed, contested, dismissed.
    let o3 = s.file_objection(consumer.clone(), xm(C)).await.unwrap();
    s.answer_objection(steward.clone(), o3.id, Answer::Disputed, "数据正确".into())
        .await
        .unwrap();
    s.respond_objection(consumer.clone(), o3.id, Response::Contest, "不认可".into())
        .await
        .unwrap();
    assert_eq!(sup(admin.clone()).await, [o3.id, o2.id]);
    let o3 = s
        .rule_objection(
            admin.clone(),
            o3.id,
            Ruling::Dismissed,
            "提供方数据有据".into(),
        )
        .await
        .unwrap();
    assert_eq!(o3.status, "dismissed");
    assert!(o3.closed_at.is_some());
    let e = s
        .rule_objection(admin.clone(), o3.id, Ruling::Upheld, "x".into())
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "objection_wrong_state");

    // Who sees what: the flagging department and the provider all three, another
    // department none, the operator and auditors all; filters by status.
    let ids = |v: Vec<ObjectionView>| v.iter().map(|o| o.id).collect::<Vec<_>>();
    let all = ObjectionFilter::default;
    assert_eq!(
        ids(s.list_objections(consumer.clone(), all()).await.unwrap()),
        [o3.id, o2.id, o1.id]
    );
    assert_eq!(
        ids(s.list_objections(steward.clone(), all()).await.unwrap()),
        [o3.id, o2.id, o1.id]
    );
    assert_eq!(
        ids(s.list_objections(auditor.clone(), all()).await.unwrap()),
        [o3.id, o2.id, o1.id]
    );
    assert!(s
        .list_objections(user_a.clone(), all())
        .await
        .unwrap()
        .is_empty());
    assert!(s
        .list_objections(steward_b(), all())
        .await
        .unwrap()
        .is_empty());
    let resolved = ObjectionFilter {
        status: Some("resolved".into()),
        ..Default::default()
    };
    assert_eq!(
        ids(s.list_objections(admin.clone(), resolved).await.unwrap()),
        [o2.id, o1.id]
    );
    let bad = ObjectionFilter {
        status: Some("closed".into()),
        ..Default::default()
    };
    assert_eq!(
        invalid_fields(s.list_objections(admin.clone(), bad).await.unwrap_err()),
        ["status"]
    );

    // Settings: the operator's alone, bounded, and used by the next objection.
    let e = s
        .set_quality_settings(
            steward.clone(),
            shuqiao_core::quality::QualitySettings {
                objection_days: 3,
                need_days: 10,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(domain(e), DomainError::Forbidden { .. }));
    let e = s
        .set_quality_settings(
            admin.clone(),
            shuqiao_core::quality::QualitySettings {
                objection_days: 0,
                need_days: 10,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(e), ["objection_days"]);
    s.set_quality_settings(
        admin.clone(),
        shuqiao_core::quality::QualitySettings {
            objection_days: 3,
            need_days: 10,
        },
    )
    .await
    .unwrap();
    let now = t.load(Ordering::SeqCst);
    let o4 = s.file_objection(consumer.clone(), xm(A)).await.unwrap();
    assert_eq!(o4.due_date.as_deref(), Some(due_after(now, 3).as_str()));

    // Needs no resource answers: the operator makes a department responsible; it must
    // catalogue and share the data within the working days set (10 now), or the need is
    // escalated; matched late, it says so.
    let need = |title: &str| NeedInput {
        org: None,
        title: title.into(),
        description: "办理业务需要".into(),
        resource: None,
    };
    let n1 = s
        .state_need(consumer.clone(), need("婚姻登记信息"))
        .await
        .unwrap();
    let n2 = s
        .state_need(consumer.clone(), need("不动产登记信息"))
        .await
        .unwrap();
    let e = s
        .assign_need(steward_b(), n1.id, "d-b".into())
        .await
        .unwrap_err();
    assert!(matches!(domain(e), DomainError::Forbidden { .. }));
    assert_eq!(
        invalid_fields(
            s.assign_need(admin.clone(), n1.id, "nope".into())
                .await
                .unwrap_err()
        ),
        ["org"]
    );
    let now = t.load(Ordering::SeqCst);
    let n1 = s
        .assign_need(admin.clone(), n1.id, "d-b".into())
        .await
        .unwrap();
    let n2 = s
        .assign_need(admin.clone(), n2.id, "d-b".into())
        .await
        .unwrap();
    assert_eq!(n1.responsible_org.as_deref(), Some("d-b"));
    assert_eq!(n1.due_date.as_deref(), Some(due_after(now, 10).as_str()));
    // The responsible department sees the needs it owes.
    assert!(s.get_need(steward_b(), n1.id).await.is_ok());
    let mut meta = sample_meta();
    meta.provider = "d-b".into();
    meta.provider_unit = None;
    meta.systems = vec!["d-b-sys".into()];
    meta.name = "不动产登记信息".into();
    let code = s.create_resource(steward_b(), meta).await.unwrap().code;
    s.submit_resource(steward_b(), &code).await.unwrap();
    s.publish_resource(admin.clone(), &code).await.unwrap();
    let n2 = s
        .confirm_need(steward_b(), n2.id, Some(code.clone()))
        .await
        .unwrap();
    assert_eq!(n2.status, "confirmed");
    assert!(!n2.met_late);
    t.fetch_add(30 * DAY, Ordering::SeqCst);
    let swept = s.quality_sweep().await.unwrap();
    assert_eq!(
        (swept.needs, swept.objections),
        (1, 1),
        "n1, and objection 4"
    );
    assert_eq!(s.quality_sweep().await.unwrap().needs, 0);
    assert!(s
        .get_need(admin.clone(), n1.id)
        .await
        .unwrap()
        .escalated_at
        .is_some());
    let n1 = s
        .confirm_need(steward_b(), n1.id, Some(code))
        .await
        .unwrap();
    assert!(n1.met_late);
    let e = s
        .assign_need(admin.clone(), n1.id, "d-b".into())
        .await
        .unwrap_err();
    assert_eq!(code_of(e), "need_not_unmatched");

    // Quality scores: the steward declares that 出生日期 matches the ID number; a batch
    // accepting valid rows brings a mismatching record, a second row for its key and a bad
    // ID number; the score's components count each exactly.
    let rule = vec![shuqiao_core::quality::score::Rule::BirthDateMatchesId {
        id_item: "GMSFHM".into(),
        date_item: "CSRQ".into(),
    }];
    let e = s
        .set_quality_rules(steward_b(), res.clone(), rule.clone())
        .await
        .unwrap_err();
    assert!(matches!(domain(e), DomainError::Forbidden { .. }));
    let unknown = vec![shuqiao_core::quality::score::Rule::Equal {
        left: "XM".into(),
        right: "NOPE".into(),
    }];
    assert_eq!(
        invalid_fields(
            s.set_quality_rules(steward.clone(), res.clone(), unknown)
                .await
                .unwrap_err()
        ),
        ["rules[0].right"]
    );
    s.set_quality_rules(steward.clone(), res.clone(), rule)
        .await
        .unwrap();
    const D: &str = "460106199003081230";
    let mut req = BatchRequest::new(&res, Channel::Import, "d.csv");
    req.policy = shuqiao_core::collect::BatchPolicy::AcceptValid;
    let rows = [
        [D, "赵六", "1990-03-09"],
        [D, "赵六", "1990-03-08"],
        ["123", "钱七", "1990-01-01"],
    ]
    .iter()
    .map(|r| r.iter().map(|v| v.to_string()).collect())
    .collect();
    let src = VecSource::new(vec!["GMSFHM".into(), "XM".into(), "CSRQ".into()], rows);
    let r = s
        .collect_batch(steward.clone(), req, src, None)
        .await
        .unwrap();
    assert_eq!(
        (r.status.as_str(), r.rows_read, r.rejected),
        ("applied", 3, 2),
        "{r:?}"
    );
    assert_eq!(s.refresh_quality_scores().await.unwrap(), 1);
    assert_eq!(
        s.refresh_quality_scores().await.unwrap(),
        0,
        "nothing changed"
    );
    let scores = s.quality_scores(steward_b()).await.unwrap();
    assert_eq!(scores.resources.len(), 1);
    let got = &scores.resources[0];
    assert_eq!((got.resource.as_str(), got.records), (res.as_str(), 4));
    let c = got.components;
    // 8 rows read over four batches, one refused as a second row for its key, one as bad.
    assert_eq!(c.completeness, Some(1.0));
    assert_eq!(c.validity, Some(7.0 / 8.0));
    assert_eq!(c.uniqueness, Some(7.0 / 8.0));
    assert_eq!(c.timeliness, Some(1.0));
    assert_eq!(
        c.consistency,
        Some(3.0 / 4.0),
        "D's birth date is not the one in its number"
    );
    assert_eq!(got.score, Some(91.3));
    assert_eq!(scores.departments.len(), 1);
    assert_eq!(
        (
            scores.departments[0].org.as_str(),
            scores.departments[0].score
        ),
        ("d-a", Some(91.3))
    );
    // Five days on, the daily data is stale: a new score, and the trend shows both.
    t.fetch_add(5 * DAY, Ordering::SeqCst);
    assert_eq!(s.refresh_quality_scores().await.unwrap(), 1);
    let trend = s.quality_trend(auditor.clone(), res.clone()).await.unwrap();
    assert_eq!(
        trend.iter().map(|x| x.score).collect::<Vec<_>>(),
        [Some(71.3), Some(91.3)]
    );
    assert_eq!(trend[0].components.timeliness, Some(0.0));
    let citizen = Principal::Person {
        username: "someone".into(),
        org: String::new(),
        roles: vec![],
    };
    assert!(s.quality_scores(citizen).await.is_err());

    // Every step is sealed.
    s.audit().seal_pending().await.unwrap();
    for (action, n) in [
        ("share.objection.file", 4),
        ("share.objection.correct", 2),
        ("share.objection.dispute", 2),
        ("share.objection.confirm", 2),
        ("share.objection.contest", 2),
        ("share.objection.uphold", 1),
        ("share.objection.dismiss", 1),
        ("share.objection.escalate", 2),
        ("share.need.assign", 2),
        ("share.need.escalate", 1),
        ("share.quality_settings.set", 1),
        ("share.quality_rules.set", 1),
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
    // The pseudonymised key never reached the log in clear.
    let entries = s
        .audit_entries(AuditFilter {
            action: Some("share.objection.file".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    for e in &entries.items {
        let text = serde_json::to_string(&e.entry).unwrap();
        assert!(!text.contains(B), "{text}");
    }
}

/// 一数一源: the operator names the population resource the source of 姓名 for people;
/// another department's resource about people collecting 姓名 is duplicate collection, one
/// keyed by credit code (companies) or the provider's own second resource is not.
pub async fn one_source_per_element_flags_duplicate_collection(
    s: Store,
    _: Arc<AtomicI64>,
    _: String,
) {
    use shuqiao_core::quality::source::SubjectKind;
    testkit::fixture(&s).await;
    let admin = admin();
    let publish = |who: Principal, name: &str, provider: &str, company: bool| {
        let (s, admin, name, provider) = (
            s.clone(),
            admin.clone(),
            name.to_string(),
            provider.to_string(),
        );
        async move {
            let mut meta = sample_meta();
            meta.name = name;
            meta.provider = provider.clone();
            if provider != "d-a" {
                meta.provider_unit = None;
                meta.systems = vec![];
            }
            meta.items[1].element = Some("XM".into());
            if company {
                meta.items[0] = serde_json::from_value(serde_json::json!(
                    {"name": "统一社会信用代码", "code": "TYSHXYDM", "type": "string", "length": 18, "required": true, "grade": "general"}))
                .unwrap();
                meta.key_fields = vec!["TYSHXYDM".into()];
            }
            let code = s.create_resource(who.clone(), meta).await.unwrap().code;
            s.submit_resource(who, &code).await.unwrap();
            s.publish_resource(admin, &code).await.unwrap();
            code
        }
    };
    let population = publish(steward_a(), "人口基础信息", "d-a", false).await;
    let own_copy = publish(steward_a(), "人口信息副本", "d-a", false).await;
    let welfare = publish(steward_b(), "救助对象信息", "d-b", false).await;
    let companies = publish(steward_b(), "企业法定代表人", "d-b", true).await;
    assert!(
        s.duplicate_collection(steward_b(), None)
            .await
            .unwrap()
            .is_empty(),
        "no source named yet"
    );

    // Refusals: not the operator; an unknown element; a resource that does not hold the
    // element for that kind of subject.
    let e = s
        .designate_source(
            steward_a(),
            "XM".into(),
            SubjectKind::Person,
            population.clone(),
        )
        .await
        .unwrap_err();
    assert!(matches!(domain(e), DomainError::Forbidden { .. }));
    let e = s
        .designate_source(
            admin.clone(),
            "NOPE".into(),
            SubjectKind::Person,
            population.clone(),
        )
        .await
        .unwrap_err();
    assert!(matches!(domain(e), DomainError::NotFound { .. }));
    let e = s
        .designate_source(
            admin.clone(),
            "XM".into(),
            SubjectKind::Company,
            population.clone(),
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(e), ["resource"]);

    let v = s
        .designate_source(
            admin.clone(),
            "XM".into(),
            SubjectKind::Person,
            population.clone(),
        )
        .await
        .unwrap();
    assert_eq!(
        (v.source.provider.as_str(), v.set_by.as_str()),
        ("d-a", "user:admin")
    );
    let dups = s.duplicate_collection(steward_b(), None).await.unwrap();
    assert_eq!(dups.len(), 1, "{dups:?}");
    let d = &dups[0];
    assert_eq!(
        (
            d.resource.as_str(),
            d.provider.as_str(),
            d.item.as_str(),
            d.authoritative_resource.as_str(),
            d.authoritative_provider.as_str()
        ),
        (welfare.as_str(), "d-b", "XM", population.as_str(), "d-a")
    );
    assert!(s
        .duplicate_collection(steward_b(), Some(companies))
        .await
        .unwrap()
        .is_empty());
    assert!(s
        .duplicate_collection(steward_b(), Some(own_copy))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(s.authoritative_sources(steward_b()).await.unwrap().len(), 1);
    s.audit().seal_pending().await.ok();
}
