//! Opening data in the console: a steward proposes with the security assessment (every
//! problem shown at once), the operator releases, the steward withdraws; who may not is told
//! why, and cross-site posts change nothing.
use reqwest::StatusCode;
use shuqiao_service::testkit::{self, PASSWORD};

use crate::client::Browser;
use crate::support::{app, App};

fn steward_principal() -> shuqiao_core::account::Principal {
    shuqiao_core::account::Principal::Person {
        username: "steward.a".into(),
        org: "d-a".into(),
        roles: vec![shuqiao_core::account::RoleBinding {
            role: shuqiao_core::account::Role::DataSteward,
            org: "d-a".into(),
        }],
    }
}

/// A published, open resource of `d-a` with one item graded 一般.
async fn open_resource(app: &App) -> String {
    let mut meta = testkit::sample_meta();
    meta.name = "机构名录<b>".into();
    meta.name_en = "Directory of institutions".into();
    meta.open_type = shuqiao_core::catalog::OpenType::Open;
    meta.share_type = shuqiao_core::catalog::ShareType::Unconditional;
    meta.items[2].grade = shuqiao_core::catalog::Grade::General;
    let store = app.store().await;
    store
        .catalogue_published(
            testkit::admin_principal(),
            vec![(steward_principal(), meta)],
        )
        .await
        .unwrap()
        .remove(0)
}

#[tokio::test]
async fn a_steward_proposes_the_operator_releases_and_the_steward_withdraws() {
    let app = app().await;
    let code = open_resource(&app).await;
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let list = steward.get("/console/open").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("机构名录&#60;b&#62;"), "{}", list.body);
    let form_path = format!("/console/open/propose/{code}");
    assert!(list.body.contains(&form_path));

    // Everything wrong at once: no assessor, a check not passed, empty notes, a bad date.
    let form = steward.get(&form_path).await;
    assert_eq!(form.status, StatusCode::OK);
    let token = form.csrf();
    let bad = steward
        .post(
            &form_path,
            &[
                ("csrf", token.as_str()),
                ("assessor", ""),
                ("assessed_on", "2026-02-30"),
                ("conclusion", "open"),
                ("reident_passed", "on"),
                ("reident_note", "已比对"),
                ("secret_passed", "on"),
                ("secret_note", "无"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    for anchor in [
        "#assessor",
        "#personal_passed",
        "#personal_note",
        "#assessed_on",
    ] {
        assert!(
            bad.body.contains(&format!("href=\"{anchor}\"")),
            "{anchor}: {}",
            bad.body
        );
    }
    assert!(bad.body.contains("已比对"), "what was typed is kept");

    // Another department's steward may not propose it; a consumer user sees no openings.
    let mut other = Browser::signed_in(&app.base, "steward.b", PASSWORD).await;
    assert_eq!(other.get(&form_path).await.status, StatusCode::FORBIDDEN);
    let mut user = Browser::signed_in(&app.base, "user.a", PASSWORD).await;
    assert_eq!(
        user.get("/console/open").await.status,
        StatusCode::FORBIDDEN
    );

    let good = [
        ("assessor", "评估组"),
        ("assessed_on", "2026-12-01"),
        ("conclusion", "open"),
        ("personal_passed", "on"),
        ("personal_note", "无个人信息"),
        ("reident_passed", "on"),
        ("reident_note", "已比对"),
        ("secret_passed", "on"),
        ("secret_note", "无"),
    ];
    // Without the form token nothing happens.
    let forged = steward.post(&form_path, &good).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let mut with_token = vec![("csrf", token.as_str())];
    with_token.extend_from_slice(&good);
    let done = steward.post(&form_path, &with_token).await;
    assert_eq!(
        done.location(),
        "/console/open?done=proposed",
        "{}",
        done.body
    );

    // The operator sees the assessment and releases it.
    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let page = admin.get(&format!("/console/open/{code}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("无个人信息") && page.body.contains("评估组"));
    let token = page.csrf();
    // Not in the department's approved open plan for the year: refused, saying so.
    let early = admin
        .post(
            &format!("/console/open/{code}"),
            &[("csrf", token.as_str()), ("action", "release")],
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert!(early.body.contains("年度开放计划"), "{}", early.body);
    let store = app.store().await;
    let now_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    let year = shuqiao_core::share::calendar::china_day(now_ms).year();
    let plan = store
        .submit_open_plan(
            steward_principal(),
            shuqiao_core::open::PlanInput {
                org: "d-a".into(),
                year,
                items: vec![shuqiao_core::open::PlanItem {
                    resource: code.clone(),
                    quarter: 4,
                    note: String::new(),
                }],
            },
        )
        .await
        .unwrap();
    store
        .review_open_plan(testkit::admin_principal(), plan.id, true, "")
        .await
        .unwrap();
    let released = admin
        .post(
            &format!("/console/open/{code}"),
            &[("csrf", token.as_str()), ("action", "release")],
        )
        .await;
    assert_eq!(released.location(), "/console/open?done=released");
    let d = store.open_dataset(&code).await.unwrap();
    assert_eq!(d.slug, "directory-of-institutions");
    // Only the item graded 一般 reaches the portal.
    assert_eq!(
        d.items.iter().map(|i| i.code.as_str()).collect::<Vec<_>>(),
        vec!["CSRQ"]
    );

    // Withdrawing needs a reason; with one, the dataset leaves the portal.
    let page = steward.get(&format!("/console/open/{code}")).await;
    let token = page.csrf();
    let no_reason = steward
        .post(
            &format!("/console/open/{code}"),
            &[
                ("csrf", token.as_str()),
                ("action", "withdraw"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let gone = steward
        .post(
            &format!("/console/open/{code}"),
            &[
                ("csrf", token.as_str()),
                ("action", "withdraw"),
                ("reason", "数据核查"),
            ],
        )
        .await;
    assert_eq!(gone.location(), "/console/open?done=withdrawn");
    assert!(store.open_dataset(&code).await.is_err());
}

/// A released dataset of `d-a`, 有条件开放 when `conditional`.
async fn released(app: &App, conditional: bool) -> String {
    let store = app.store().await;
    let mut meta = testkit::sample_meta();
    meta.name = if conditional {
        "有条件名录"
    } else {
        "无条件名录"
    }
    .into();
    meta.name_en = if conditional {
        "Conditional directory"
    } else {
        "Open directory"
    }
    .into();
    meta.share_type = shuqiao_core::catalog::ShareType::Unconditional;
    meta.items[2].grade = shuqiao_core::catalog::Grade::General;
    if conditional {
        meta.open_type = shuqiao_core::catalog::OpenType::Conditional;
        meta.open_condition = Some("仅限科研用途".into());
    } else {
        meta.open_type = shuqiao_core::catalog::OpenType::Open;
    }
    let code = store
        .catalogue_published(
            testkit::admin_principal(),
            vec![(steward_principal(), meta.clone())],
        )
        .await
        .unwrap()
        .remove(0);
    let now_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    let plan = store
        .submit_open_plan(
            steward_principal(),
            shuqiao_core::open::PlanInput {
                org: "d-a".into(),
                year: shuqiao_core::share::calendar::china_day(now_ms).year(),
                items: vec![shuqiao_core::open::PlanItem {
                    resource: code.clone(),
                    quarter: 1,
                    note: String::new(),
                }],
            },
        )
        .await
        .unwrap();
    store
        .review_open_plan(testkit::admin_principal(), plan.id, true, "")
        .await
        .unwrap();
    let ok = shuqiao_core::open::Check {
        passed: true,
        note: "已核查".into(),
    };
    let a = shuqiao_core::open::Assessment {
        assessor: "评估组".into(),
        personal_info: ok.clone(),
        reidentification: ok.clone(),
        trade_secret: ok,
        conclusion: meta.open_type,
        assessed_on: "2026-12-01".into(),
    };
    store
        .propose_open(steward_principal(), &code, a)
        .await
        .unwrap();
    store
        .review_open(testkit::admin_principal(), &code, true, "")
        .await
        .unwrap();
    code
}

#[tokio::test]
async fn the_provider_answers_applications_requests_and_feedback_in_the_console() {
    let app = app().await;
    let conditional = released(&app, true).await;
    let store = app.store().await;
    store
        .register_member(shuqiao_core::open::Registration {
            username: "wang.public".into(),
            display_name: "王五<script>".into(),
            kind: "person".into(),
            contact: "wang@example.cn".into(),
            password: "Public-pass-2026".into(),
        })
        .await
        .unwrap();
    let member = shuqiao_core::account::Principal::Person {
        username: "wang.public".into(),
        org: "op".into(),
        roles: vec![],
    };
    let d = store.open_dataset(&conditional).await.unwrap();
    let application = store
        .apply_open(
            member.clone(),
            shuqiao_core::open::ApplicationInput {
                dataset: d.slug.clone(),
                purpose: "研究<b>用途</b>".into(),
                accept_agreement: true,
            },
        )
        .await
        .unwrap();
    let request = store
        .file_open_request(
            member.clone(),
            shuqiao_core::open::RequestInput {
                title: "公交线路".into(),
                description: "希望开放公交线路".into(),
                org: Some("d-a".into()),
            },
        )
        .await
        .unwrap();
    let fb = store
        .file_feedback(
            member,
            shuqiao_core::open::FeedbackInput {
                dataset: d.slug.clone(),
                row: None,
                text: "说明有误".into(),
            },
        )
        .await
        .unwrap();

    // Another department's steward sees none of it; the provider's sees each with a form.
    let mut other = Browser::signed_in(&app.base, "steward.b", PASSWORD).await;
    let page = other.get("/console/open/applications").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(&d.slug), "{}", page.body);
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let page = steward.get("/console/open/applications").await;
    assert!(
        page.body.contains("研究&#60;b&#62;用途&#60;/b&#62;"),
        "{}",
        page.body
    );
    let action = format!("/console/open/applications/{}", application.id);
    assert!(page.body.contains(&action));
    let token = page.csrf();
    let bad = steward
        .post(
            &action,
            &[
                ("csrf", token.as_str()),
                ("decision", "approve"),
                ("quota_per_day", "0"),
                ("days", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for anchor in ["quota_per_day", "days"] {
        assert!(
            bad.body
                .contains(&format!("href=\"#app-{}-{anchor}\"", application.id)),
            "{}",
            bad.body
        );
    }
    let ok = steward
        .post(
            &action,
            &[
                ("csrf", token.as_str()),
                ("decision", "approve"),
                ("quota_per_day", "100"),
                ("days", "30"),
            ],
        )
        .await;
    assert_eq!(ok.location(), "/console/open/applications?done=1");
    let answered = store.open_applications(steward_principal()).await.unwrap();
    assert_eq!(answered[0].status, "approved");
    assert_eq!(answered[0].quota_per_day, Some(100));

    // The request and the feedback.
    let page = steward.get("/console/open/requests").await;
    assert!(page.body.contains("公交线路"));
    let token = page.csrf();
    let done = steward
        .post(
            &format!("/console/open/requests/{}", request.id),
            &[
                ("csrf", token.as_str()),
                ("outcome", "declined"),
                ("answer", "暂无此数据"),
            ],
        )
        .await;
    assert_eq!(done.location(), "/console/open/requests?done=1");
    let page = steward.get("/console/open/feedback").await;
    assert!(page.body.contains("说明有误"));
    let token = page.csrf();
    let forged = steward
        .post(
            &format!("/console/open/feedback/{}", fb.id),
            &[("answer", "已更正")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let done = steward
        .post(
            &format!("/console/open/feedback/{}", fb.id),
            &[("csrf", token.as_str()), ("answer", "已更正")],
        )
        .await;
    assert_eq!(done.location(), "/console/open/feedback?done=1");
    // A consumer user handles no data requests.
    let mut user = Browser::signed_in(&app.base, "user.a", PASSWORD).await;
    assert_eq!(
        user.get("/console/open/requests").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn plans_are_submitted_and_reviewed_and_the_negative_list_is_kept_in_the_console() {
    let app = app().await;
    let code = open_resource(&app).await;
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let page = steward.get("/console/open/plans").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("value=\"{code}\"")),
        "{}",
        page.body
    );
    let token = page.csrf();
    // Nothing ticked: refused, saying what to do.
    let empty = steward
        .post(
            "/console/open/plans",
            &[("csrf", token.as_str()), ("year", "2026")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("href=\"#plan-form\""), "{}", empty.body);
    let quarter = format!("quarter-{code}");
    let done = steward
        .post(
            "/console/open/plans",
            &[
                ("csrf", token.as_str()),
                ("year", "2026"),
                ("resource", code.as_str()),
                (quarter.as_str(), "2"),
            ],
        )
        .await;
    assert_eq!(
        done.location(),
        "/console/open/plans?done=1",
        "{}",
        done.body
    );
    let store = app.store().await;
    let plan = store
        .open_plans(steward_principal())
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (plan.status.as_str(), plan.items[0].quarter),
        ("submitted", 2)
    );

    // Only the operator reviews; a return needs its reason.
    let page = steward.get("/console/open/plans").await;
    assert!(!page
        .body
        .contains(&format!("action=\"/console/open/plans/{}\"", plan.id)));
    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let page = admin.get("/console/open/plans").await;
    let token = page.csrf();
    let action = format!("/console/open/plans/{}", plan.id);
    let no_reason = admin
        .post(
            &action,
            &[
                ("csrf", token.as_str()),
                ("action", "return"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let approved = admin
        .post(&action, &[("csrf", token.as_str()), ("action", "approve")])
        .await;
    assert_eq!(approved.location(), "/console/open/plans?done=1");

    // The negative list: an unknown resource is refused; a listed one shows with its basis.
    let page = admin.get("/console/open/negative").await;
    let token = page.csrf();
    let unknown = admin
        .post(
            "/console/open/negative",
            &[
                ("csrf", token.as_str()),
                ("action", "add"),
                ("resource", "999999-000001"),
                ("legal_basis", "x"),
                ("reason", "y"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let added = admin
        .post(
            "/console/open/negative",
            &[
                ("csrf", token.as_str()),
                ("action", "add"),
                ("resource", code.as_str()),
                ("legal_basis", "《数据安全法》第二十一条"),
                ("reason", "涉及重要数据"),
            ],
        )
        .await;
    assert_eq!(added.location(), "/console/open/negative?done=1");
    let list = steward.get("/console/open/negative").await;
    assert!(list.body.contains("《数据安全法》第二十一条"));
    assert!(
        !list.body.contains("action=\"/console/open/negative\""),
        "stewards only read it"
    );
    let mut user = Browser::signed_in(&app.base, "user.a", PASSWORD).await;
    assert_eq!(
        user.get("/console/open/plans").await.status,
        StatusCode::FORBIDDEN
    );
}
