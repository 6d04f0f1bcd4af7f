//! Sharing cases of the conformance suite (run on SQLite and PostgreSQL): the three lists,
//! subscriptions, applications, grants, deadlines, notifications.
use super::*;
use shuqiao_core::share::calendar::{start_of_china_day, HolidaySpan, YearCalendar};
use shuqiao_core::share::{
    AccessRequest, Approval, Decision, NeedInput, NegativeAction, NegativeProposalInput,
    ResponsibilityInput,
};
use shuqiao_service::share::ShareFilter;
use shuqiao_service::testkit::{share_fixture, CONSUMERS};
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
    use shuqiao_service::audit::AuditFilter;
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

    s.audit().seal_pending().await.unwrap();
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
    let who = |items: &[shuqiao_service::audit::AuditRecord]| -> Vec<(String, Option<String>, Option<String>)> {
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
pub async fn login_throttle_is_per_account_and_address(s: Store, t: Arc<AtomicI64>, _u: String) {
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
