//! 考核指标 in the console: a department's own figures with the ranking, the province for the
//! operator, another department's refused, a bad period said on the page, a figure's
//! definition and rows, the report as a download; nobody signed in goes to sign in.
use reqwest::StatusCode;
use shuqiao_service::testkit::{self, PASSWORD};

use crate::client::Browser;
use crate::support::app;

#[tokio::test]
async fn departments_see_their_figures_the_operator_the_province() {
    let app = app().await;
    testkit::share_fixture(&app.store().await).await;
    let period = "2026-Q4";

    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let home = steward.get("/console/").await;
    assert!(
        home.body.contains("href=\"/console/assess\""),
        "{}",
        home.body
    );
    let page = steward
        .get(&format!("/console/assess?period={period}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "考核指标 · 机构d-a",
        "共享部门覆盖率",
        "100.0%",
        "部门排名（比学赶超）",
        "/console/assess/definitions/need_satisfaction_rate",
        "95.0%",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    let at = page.body.find("share_dept_coverage/rows").unwrap();
    assert_eq!(
        &page.body[at..at + 51],
        "share_dept_coverage/rows?period=2026-Q4&amp;org=d-a"
    );
    let other = steward
        .get(&format!("/console/assess?period={period}&org=d-b"))
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let bad = steward.get("/console/assess?period=2026-Q5").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(
        bad.body.contains("role=\"alert\"") && bad.body.contains("2026-Q5"),
        "{}",
        bad.body
    );

    let def = steward
        .get("/console/assess/definitions/system_connect_rate")
        .await;
    assert_eq!(def.status, StatusCode::OK);
    assert!(def.body.contains("collect_batches") && def.body.contains("系统接入率"));
    assert_eq!(
        steward
            .get("/console/assess/definitions/nonsense")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let rows = steward
        .get(&format!(
            "/console/assess/figures/share_dept_coverage/rows?period={period}&org=d-a"
        ))
        .await;
    assert_eq!(rows.status, StatusCode::OK);
    assert!(rows.body.contains("机构d-a"), "{}", rows.body);
    let csv = steward
        .get(&format!(
            "/console/assess/report?period={period}&format=csv"
        ))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("assessment-2026-Q4-d-a.csv"));

    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let page = admin.get(&format!("/console/assess?period={period}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("考核指标 · 全省"), "{}", page.body);
    let page = admin
        .get(&format!("/console/assess?period={period}&org=d-b"))
        .await;
    assert!(page.body.contains("考核指标 · 机构d-b"));

    let mut nobody = Browser::new(&app.base);
    let page = nobody.get("/console/assess").await;
    assert!(page.status.is_redirection());
    assert_eq!(page.location(), "/console/login");
}
