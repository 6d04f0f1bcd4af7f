//! Decisions in the console over HTTP: a steward answers an application through the
//! check-your-answers step, the three reviewers put a resource on the negative list, the
//! operator publishes or returns a submission; and everyone else is refused.
use reqwest::StatusCode;
use serde_json::{json, Value};
use shuqiao_core::account::{Principal, Role, RoleBinding};
use shuqiao_service::testkit::{self, PASSWORD};

use crate::client::{Browser, Page};
use crate::support::{access, app, App};

/// c1 applies for 公民身份号码 and 姓名 of `resource` for 365 days.
async fn apply(app: &App, resource: &str) -> i64 {
    let c1 = app.login("user.c1").await;
    let (s, v) = app
        .post(
            "/api/v1/share/applications",
            Some(&c1),
            access("c1", resource),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

async fn application_status(app: &App, id: i64) -> String {
    let c1 = app.login("user.c1").await;
    let (s, v) = app
        .get(&format!("/api/v1/share/applications/{id}"), Some(&c1))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["status"].as_str().unwrap().to_string()
}

async fn c1_grants(app: &App) -> Vec<Value> {
    let c1 = app.login("user.c1").await;
    let (s, v) = app.get("/api/v1/share/grants", Some(&c1)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().clone()
}

/// Posts the decision form as the page would, with the page's own form token.
async fn decide(b: &mut Browser, id: i64, form: &[(&str, &str)]) -> Page {
    let page = b.get(&format!("/console/applications/{id}")).await;
    let token = page.csrf();
    let mut all = vec![("csrf", token.as_str())];
    all.extend_from_slice(form);
    b.post(&format!("/console/applications/{id}/decision"), &all)
        .await
}

#[tokio::test]
async fn the_steward_approves_fewer_fields_after_checking_and_the_grant_has_exactly_those() {
    let app = app().await;
    let (_, cond) = testkit::share_fixture(&app.store().await).await;
    let id = apply(&app, &cond).await;
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;

    // The request, with both fields asked for ticked and their grades.
    let page = steward.get(&format!("/console/applications/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "政务服务身份核验",
        "办理社保卡",
        "《社会保险法》",
        "核心（仅核验）",
        "重要",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(
        page.body.contains("value=\"GMSFHM\" checked"),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"XM\" checked"));
    assert!(page.body.contains("个工作日"), "working days left");

    // Checking shows what will change, and changes nothing yet.
    let check = decide(
        &mut steward,
        id,
        &[
            ("decision", "approve"),
            ("field", "XM"),
            ("days", "180"),
            ("step", "check"),
        ],
    )
    .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    assert!(check.body.contains("确认您的决定"), "{}", check.body);
    let granted = check.body.find("将开放的信息项").unwrap();
    let not_granted = check.body.find("不开放的信息项").unwrap();
    assert!(check.body[granted..not_granted].contains("姓名"));
    assert!(!check.body[granted..not_granted].contains("公民身份号码"));
    assert!(check.body[not_granted..].contains("公民身份号码"));
    assert!(check.body.contains("授权有效至"));
    assert!(check.body.contains("机构c1"), "who is notified");
    assert_eq!(application_status(&app, id).await, "pending");
    assert!(c1_grants(&app).await.is_empty());

    // Confirming decides; the page then says what was granted and the log's entry.
    let done = decide(
        &mut steward,
        id,
        &[
            ("decision", "approve"),
            ("field", "XM"),
            ("days", "180"),
            ("step", "confirm"),
        ],
    )
    .await;
    assert_eq!(
        (done.status, done.location()),
        (
            StatusCode::SEE_OTHER,
            format!("/console/applications/{id}?done=1").as_str()
        ),
        "{}",
        done.body
    );
    let page = steward
        .get(&format!("/console/applications/{id}?done=1"))
        .await;
    assert!(
        page.body.contains("已批准：系统c1-sys 可读取 姓名，至 "),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("class=\"receipt\" href=\"/console/audit/entries/"),
        "the audit entry's index: {}",
        page.body
    );
    assert!(
        !page.body.contains("name=\"decision\""),
        "no form once decided"
    );
    // The index is the decision's own entry in the log.
    let at = page.body.find("/console/audit/entries/").unwrap() + "/console/audit/entries/".len();
    let index: u64 = page.body[at..].split('"').next().unwrap().parse().unwrap();
    let auditor = app.login("auditor").await;
    let (s, entry) = app
        .get(&format!("/api/v1/audit/entries/{index}"), Some(&auditor))
        .await;
    assert_eq!(s, StatusCode::OK, "{entry}");
    assert_eq!(
        entry["entry"]["action"],
        json!("share.application.approve"),
        "{entry}"
    );
    assert_eq!(entry["entry"]["resource"], json!(cond));

    let grants = c1_grants(&app).await;
    assert_eq!(grants.len(), 1, "{grants:?}");
    assert_eq!(grants[0]["fields"], json!(["XM"]));
    let days = (grants[0]["expires_at"].as_i64().unwrap()
        - grants[0]["created_at"].as_i64().unwrap())
        / (24 * 3600 * 1000);
    assert_eq!(days, 180);
}

#[tokio::test]
async fn rejecting_without_a_reason_is_refused_at_the_field_and_nothing_changes() {
    let app = app().await;
    let (_, cond) = testkit::share_fixture(&app.store().await).await;
    let id = apply(&app, &cond).await;
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;

    for step in ["check", "confirm"] {
        let p = decide(
            &mut steward,
            id,
            &[("decision", "reject"), ("reason", "  "), ("step", step)],
        )
        .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
        assert!(p.body.contains("class=\"error-summary\""), "{}", p.body);
        assert!(
            p.body.contains("href=\"#reason\""),
            "summary links to the field"
        );
        assert!(
            p.body.contains("id=\"reason-error\""),
            "inline at the field"
        );
        assert!(p.body.contains("驳回理由"), "{}", p.body);
        assert!(
            p.body.contains("value=\"reject\" checked"),
            "the choice is kept"
        );
    }
    assert_eq!(application_status(&app, id).await, "pending");

    // Every problem at once, and what was typed kept.
    let p = decide(
        &mut steward,
        id,
        &[("decision", "approve"), ("days", "abc"), ("step", "check")],
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("href=\"#days\""), "{}", p.body);
    assert!(p.body.contains("href=\"#field-0\""), "{}", p.body);
    assert!(p.body.contains("value=\"abc\""));
    assert_eq!(application_status(&app, id).await, "pending");
    assert!(c1_grants(&app).await.is_empty());
}

#[tokio::test]
async fn a_steward_of_another_department_gets_403() {
    let app = app().await;
    let (_, cond) = testkit::share_fixture(&app.store().await).await;
    let id = apply(&app, &cond).await;
    let mut other = Browser::signed_in(&app.base, "steward.b", PASSWORD).await;
    let token = other.get("/console/").await.csrf();
    let p = other
        .post(
            &format!("/console/applications/{id}/decision"),
            &[
                ("csrf", &token),
                ("decision", "approve"),
                ("field", "XM"),
                ("step", "confirm"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    assert!(p.body.contains("无权查看此页面"), "{}", p.body);
    assert!(
        p.body.contains("只有提供方"),
        "the rule's reason: {}",
        p.body
    );
    assert_eq!(application_status(&app, id).await, "pending");
}

#[tokio::test]
async fn a_second_decision_gets_the_already_decided_page() {
    let app = app().await;
    let (_, cond) = testkit::share_fixture(&app.store().await).await;
    let id = apply(&app, &cond).await;
    let mut first = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let mut second = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    // Both open the form while it waits; the first decides.
    let token = second
        .get(&format!("/console/applications/{id}"))
        .await
        .csrf();
    let p = decide(
        &mut first,
        id,
        &[
            ("decision", "reject"),
            ("reason", "用途与资源不符"),
            ("step", "confirm"),
        ],
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let page = first
        .get(&format!("/console/applications/{id}?done=1"))
        .await;
    assert!(
        page.body.contains("已驳回，已通知申请单位：用途与资源不符"),
        "{}",
        page.body
    );

    let p = second
        .post(
            &format!("/console/applications/{id}/decision"),
            &[
                ("csrf", &token),
                ("decision", "approve"),
                ("field", "XM"),
                ("step", "confirm"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);
    assert!(p.body.contains("该申请已处理"), "{}", p.body);
    assert!(p.body.contains("steward.a"), "by whom: {}", p.body);
    assert!(p.body.contains("已驳回"));
    assert_eq!(application_status(&app, id).await, "rejected");
    assert!(c1_grants(&app).await.is_empty());
}

async fn review(b: &mut Browser, id: i64, form: &[(&str, &str)]) -> Page {
    let page = b.get(&format!("/console/negative-proposals/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = page.csrf();
    let mut all = vec![("csrf", token.as_str())];
    all.extend_from_slice(form);
    b.post(&format!("/console/negative-proposals/{id}/review"), &all)
        .await
}

#[tokio::test]
async fn the_three_reviewers_put_the_resource_on_the_negative_list_and_its_grants_end() {
    let app = app().await;
    let (open, _) = testkit::share_fixture(&app.store().await).await;
    let (s, g) = app
        .post(
            "/api/v1/share/subscriptions",
            Some(&app.login("user.c1").await),
            access("c1", &open),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{g}");
    let steward_a = app.login("steward.a").await;
    let (s, p) = app
        .post(
            "/api/v1/share/negative-proposals",
            Some(&steward_a),
            json!({"resource": open, "action": "add", "legal_basis": "《保守国家秘密法》", "reason": "涉及国家秘密"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let id = p["id"].as_i64().unwrap();
    let on_list = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["resource"] == json!(open))
    };

    // The page shows the proposal, its legal basis, the fields and the three reviews.
    let mut legal = Browser::signed_in(&app.base, "legal", PASSWORD).await;
    let page = legal
        .get(&format!("/console/negative-proposals/{id}"))
        .await;
    for text in [
        "《保守国家秘密法》",
        "公民身份号码",
        "法制审核",
        "保密审核",
        "平台管理员",
        "待审核",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }

    // Not a reviewer: refused with the rule's reason.
    let mut steward = Browser::signed_in(&app.base, "steward.b", PASSWORD).await;
    let token = steward.get("/console/").await.csrf();
    let p = steward
        .post(
            &format!("/console/negative-proposals/{id}/review"),
            &[("csrf", &token), ("decision", "approve")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    assert!(p
        .body
        .contains("只有平台管理员、法制审核人员和保密审核人员"));

    // Rejecting needs a reason: shown at the field, nothing recorded.
    let p = review(&mut legal, id, &[("decision", "reject"), ("opinion", "")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.body.contains("href=\"#opinion\""), "{}", p.body);
    assert!(p.body.contains("id=\"opinion-error\""));

    for who in ["legal", "secrecy", "admin"] {
        let (_, v) = app
            .get("/api/v1/share/negative-list", Some(&steward_a))
            .await;
        assert!(!on_list(&v), "not before all three: {v}");
        let mut b = Browser::signed_in(&app.base, who, PASSWORD).await;
        let p = review(&mut b, id, &[("decision", "approve"), ("opinion", "同意")]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{who}: {}", p.body);
        let page = b.get(p.location()).await;
        assert!(page.body.contains("已提交您的审核意见"), "{}", page.body);
    }
    let (_, v) = app
        .get("/api/v1/share/negative-list", Some(&steward_a))
        .await;
    assert!(on_list(&v), "{v}");
    let grants = c1_grants(&app).await;
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0]["state"], json!("revoked"), "{grants:?}");
}

fn steward_a() -> Principal {
    Principal::Person {
        username: "steward.a".into(),
        org: "d-a".into(),
        roles: vec![RoleBinding {
            role: Role::DataSteward,
            org: "d-a".into(),
        }],
    }
}

/// A resource of `d-a` submitted for publication; its code.
async fn submitted(app: &App, name: &str) -> String {
    let store = app.store().await;
    let mut meta = testkit::sample_meta();
    meta.name = name.into();
    let code = store
        .create_resource(steward_a(), meta)
        .await
        .expect("create")
        .code;
    store
        .submit_resource(steward_a(), &code)
        .await
        .expect("submit");
    code
}

async fn resource(app: &App, code: &str) -> Value {
    let admin = app.login("admin").await;
    let (s, v) = app
        .get(&format!("/api/v1/catalog/resources/{code}"), Some(&admin))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

#[tokio::test]
async fn the_operator_publishes_and_returns_with_a_reason_and_nobody_else_may() {
    let app = app().await;
    let first = submitted(&app, "不动产登记信息").await;
    let second = submitted(&app, "婚姻登记信息").await;

    // Not the operator: no entry in the navigation, and 403 saying why.
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let home = steward.get("/console/").await;
    assert!(!home.body.contains("href=\"/console/review\""));
    let p = steward.get("/console/review").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.body.contains("只有平台管理员"), "{}", p.body);
    let p = steward.get(&format!("/console/review/{first}")).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = steward
        .post(
            &format!("/console/review/{first}"),
            &[("csrf", &home.csrf()), ("action", "publish")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(resource(&app, &first).await["status"], json!("submitted"));

    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let queue = admin.get("/console/review").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue
        .body
        .contains("href=\"/console/review\" aria-current=\"page\""));
    for text in ["不动产登记信息", "婚姻登记信息", "首次发布", "共 2 条"] {
        assert!(queue.body.contains(text), "{text}: {}", queue.body);
    }
    let page = admin.get(&format!("/console/review/{first}")).await;
    for text in [
        "公民身份号码",
        "GMSFHM",
        "有条件共享",
        "《中华人民共和国居民身份证法》",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }

    // Returning needs a reason: shown at the field, nothing changes.
    let token = page.csrf();
    let p = admin
        .post(
            &format!("/console/review/{first}"),
            &[("csrf", &token), ("action", "return"), ("reason", " ")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.body.contains("href=\"#reason\""), "{}", p.body);
    assert!(p.body.contains("id=\"reason-error\""));
    assert_eq!(resource(&app, &first).await["status"], json!("submitted"));

    let p = admin
        .post(
            &format!("/console/review/{first}"),
            &[
                ("csrf", &token),
                ("action", "return"),
                ("reason", "请补充共享条件"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let v = resource(&app, &first).await;
    assert_eq!(v["status"], json!("draft"), "{v}");
    assert_eq!(v["draft"]["returned_reason"], json!("请补充共享条件"));

    let p = admin
        .post(
            &format!("/console/review/{second}"),
            &[("csrf", &token), ("action", "publish")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let done = admin.get(p.location()).await;
    assert!(
        done.body.contains(&format!("已发布：{second}")),
        "{}",
        done.body
    );
    assert!(done.body.contains("目前没有待审核的资源"), "{}", done.body);
    assert_eq!(resource(&app, &second).await["status"], json!("published"));
}

#[tokio::test]
async fn cross_site_decision_posts_are_refused() {
    let app = app().await;
    let (open, cond) = testkit::share_fixture(&app.store().await).await;
    let id = apply(&app, &cond).await;
    let submitted = submitted(&app, "不动产登记信息").await;
    let steward_a_session = app.login("steward.a").await;
    let (_, p) = app
        .post(
            "/api/v1/share/negative-proposals",
            Some(&steward_a_session),
            json!({"resource": open, "action": "add", "legal_basis": "《保守国家秘密法》", "reason": "涉密"}),
        )
        .await;
    let proposal = p["id"].as_i64().unwrap();

    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let steward_token = steward.get("/console/").await.csrf();
    let admin_token = admin.get("/console/").await.csrf();
    let evil = [("origin", "https://evil.example")];
    let cases = [
        (
            true,
            format!("/console/applications/{id}/decision"),
            vec![
                ("decision", "approve"),
                ("field", "XM"),
                ("step", "confirm"),
            ],
        ),
        (
            false,
            format!("/console/negative-proposals/{proposal}/review"),
            vec![("decision", "approve")],
        ),
        (
            false,
            format!("/console/review/{submitted}"),
            vec![("action", "publish")],
        ),
    ];
    for (as_steward, path, form) in cases {
        let (b, token) = if as_steward {
            (&mut steward, steward_token.as_str())
        } else {
            (&mut admin, admin_token.as_str())
        };
        let mut with_token = vec![("csrf", token)];
        with_token.extend(form.iter().copied());
        let p = b.post_with(&path, &with_token, &evil).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{path}: {}", p.body);
        assert!(p.body.contains("请求未被接受"), "{}", p.body);
        let p = b.post(&path, &form).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{path} without a token");
        let mut wrong = vec![("csrf", "0".repeat(64))];
        wrong.extend(form.iter().map(|(k, v)| (*k, v.to_string())));
        let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let p = b.post(&path, &wrong).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{path} with a wrong token");
    }
    assert_eq!(application_status(&app, id).await, "pending");
    assert_eq!(
        resource(&app, &submitted).await["status"],
        json!("submitted")
    );
    let (_, v) = app
        .get(
            &format!("/api/v1/share/negative-proposals/{proposal}"),
            Some(&steward_a_session),
        )
        .await;
    assert_eq!(v["reviews"], json!([]), "{v}");
}
