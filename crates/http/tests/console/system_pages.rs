//! 信息系统清查 in the console: the inventory with completion and rates for who may see it,
//! a department's steward edits its own system (every problem at once, each linked to its
//! control), the operator marks a zombie candidate; each refusal, and forged posts change
//! nothing.
use reqwest::StatusCode;
use shuqiao_service::testkit::PASSWORD;

use crate::client::Browser;
use crate::support::app;

#[tokio::test]
async fn inventory_edit_and_zombie_marks() {
    let app = app().await;
    let s = app.store().await;
    let admin_p = s.principal_for("admin").await.unwrap();

    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let page = admin.get("/console/systems").await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "d-a-sys",
        "数据共享完成率",
        "全省",
        "100%",
        "href=\"/console/systems/d-a-sys\"",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    let home = admin.get("/console/").await;
    assert!(home.body.contains("href=\"/console/systems\""));

    // The steward of d-a edits its system: bad values come back named, nothing saved.
    let path = "/console/systems/d-a-sys";
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let form = steward.get(path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("id=\"sy-form\""), "{}", form.body);
    assert!(form.body.contains("立项"), "the approval check is shown");
    let token = form.csrf();
    let fields = |approved_on: &'static str, investment: &'static str| {
        vec![
            ("name", "测试系统"),
            ("description", "人口信息核验"),
            ("scope", "全省"),
            ("use_frequency", "每日"),
            ("approved_by", "省发展改革委"),
            ("approved_on", approved_on),
            ("accepted_on", ""),
            ("investment_yuan", investment),
            ("funding_source", "省级财政"),
            ("network", "extranet"),
            ("status", "in_use"),
            ("maintenance_stopped_on", ""),
        ]
    };
    let mut bad = vec![("csrf", token.as_str())];
    bad.extend(fields("2020-02-30", "很多"));
    let page = steward.post(path, &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("href=\"#sy-investment_yuan\""),
        "{}",
        page.body
    );
    let forged = steward.post(path, &fields("2020-02-01", "100")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        s.system_inventory_of(admin_p.clone(), "d-a-sys")
            .await
            .unwrap()
            .inventory
            .scope,
        "",
        "nothing saved"
    );
    let mut good = vec![("csrf", token.as_str())];
    good.extend(fields("2020-02-01", "1,500,000"));
    let done = steward.post(path, &good).await;
    assert_eq!(done.location(), "/console/systems/d-a-sys?done=1");
    let saved = s
        .system_inventory_of(admin_p.clone(), "d-a-sys")
        .await
        .unwrap();
    assert_eq!(
        (
            saved.inventory.scope.as_str(),
            saved.inventory.investment_yuan
        ),
        ("全省", Some(1_500_000))
    );
    let again = steward.get("/console/systems/d-a-sys?done=1").await;
    assert!(again.body.contains("value=\"全省\""));

    // Another department's steward: the system does not exist for them; auditors read only;
    // a consumer is refused the inventory.
    let mut other = Browser::signed_in(&app.base, "steward.b", PASSWORD).await;
    assert_eq!(other.get(path).await.status, StatusCode::NOT_FOUND);
    let mut auditor = Browser::signed_in(&app.base, "auditor", PASSWORD).await;
    let read = auditor.get(path).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(!read.body.contains("id=\"sy-form\""));
    let mut consumer = Browser::signed_in(&app.base, "user.a", PASSWORD).await;
    assert_eq!(
        consumer.get("/console/systems").await.status,
        StatusCode::FORBIDDEN
    );
    assert!(!consumer
        .get("/console/")
        .await
        .body
        .contains("href=\"/console/systems\""));

    // Zombies: d-a-sys is idle; only the operator has the mark form.
    let zombies = "/console/systems/zombies";
    let page = admin.get(zombies).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("长期闲置"), "{}", page.body);
    let mark = "/console/systems/zombies/d-a-sys";
    assert!(page.body.contains(mark));
    let token = page.csrf();
    let bad = admin
        .post(
            mark,
            &[
                ("csrf", token.as_str()),
                ("verdict", "dismissed"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("href=\"#zm-d-a-sys-reason\""),
        "{}",
        bad.body
    );
    let st_page = steward.get(zombies).await;
    assert!(st_page.body.contains("d-a-sys"));
    assert!(!st_page.body.contains(mark));
    let st_token = st_page.csrf();
    let refused = steward
        .post(
            mark,
            &[("csrf", st_token.as_str()), ("verdict", "confirmed")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let done = admin
        .post(
            mark,
            &[
                ("csrf", token.as_str()),
                ("verdict", "dismissed"),
                ("reason", "系统升级改造中"),
            ],
        )
        .await;
    assert_eq!(done.location(), "/console/systems/zombies?done=1");
    let after = auditor.get(zombies).await;
    assert!(
        after.body.contains("排除：系统升级改造中"),
        "{}",
        after.body
    );
}
