//! 调用监测预警 in the console: a consumer system's lookups flagged as harvesting; the
//! operator sees the alert with its evidence, reviews it (every problem shown; cross-site
//! posts refused) and edits the settings; the provider sees it without the forms, an auditor
//! the settings read-only, another department nothing.
use reqwest::StatusCode;
use shuqiao_core::assess::alerts::{china_day_hour, AlertSettings};
use shuqiao_core::collect::source::VecSource;
use shuqiao_core::share::{AccessRequest, Approval};
use shuqiao_service::collect::{BatchRequest, Channel};
use shuqiao_service::exchange::Credential;
use shuqiao_service::testkit::{self, PASSWORD};

use crate::client::Browser;
use crate::support::app;

const KEY: &str = "11010519491231002X";
const PAGE: &str = "/console/assess/alerts";

/// The share fixture and an alert on it ([`alert_on`]): the alert's id.
async fn one_alert(s: &shuqiao_service::Store) -> i64 {
    let (_, res) = testkit::share_fixture(s).await;
    alert_on(s, &res).await
}

/// One person in the share fixture's conditional resource `res`, `c1-sys`'s grant on it, one
/// lookup under harvesting settings that flag it, and the sweep: the alert's id.
pub(crate) async fn alert_on(s: &shuqiao_service::Store, res: &str) -> i64 {
    let res = res.to_string();
    let steward = s.principal_for("steward.a").await.unwrap();
    let src = VecSource::new(
        vec!["GMSFHM".into(), "XM".into(), "CSRQ".into()],
        vec![vec![KEY.into(), "张三".into(), "1949-12-31".into()]],
    );
    let req = BatchRequest::new(&res, Channel::Import, "a.csv");
    s.collect_batch(steward.clone(), req, src, None)
        .await
        .unwrap();
    let user = s.principal_for("user.c1").await.unwrap();
    let app_id = s
        .apply(
            user,
            AccessRequest {
                system: "c1-sys".into(),
                resource: res.clone(),
                fields: vec!["GMSFHM".into(), "XM".into()],
                purpose: "资格认证".into(),
                scene: "待遇发放".into(),
                legal_basis: "《社会保险法》".into(),
                days: 30,
            },
        )
        .await
        .unwrap()
        .id;
    s.approve_application(steward, app_id, Approval::default())
        .await
        .unwrap();
    let admin = testkit::admin_principal();
    // Quiet hours away from now, so only harvesting fires whenever this runs.
    let (_, hour) = china_day_hour(s.now());
    s.set_alert_settings(
        admin.clone(),
        AlertSettings {
            quiet_start: (hour + 2) % 24,
            quiet_end: (hour + 3) % 24,
            harvest_share: 0.5,
            harvest_min_subjects: 1,
            suspend_on_alert: true,
            ..AlertSettings::default()
        },
    )
    .await
    .unwrap();
    let (token, _) = s.issue_token(&admin, "c1-sys", "x", 30).await.unwrap();
    s.exchange_lookup(&Credential::bearer(token), &res, vec![KEY.into()], None)
        .await
        .unwrap();
    assert_eq!(s.alert_sweep().await.unwrap().raised, 1);
    s.list_alerts(admin, Default::default())
        .await
        .unwrap()
        .items[0]
        .id
}

#[tokio::test]
async fn the_operator_reviews_an_alert_and_sets_the_thresholds() {
    let app = app().await;
    let s = app.store().await;
    let id = one_alert(&s).await;
    let review = format!("/console/assess/alerts/{id}/review");

    // The operator: the alert with its evidence, the review form and the settings form.
    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let page = admin.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "疑似批量采集",
        "授权已暂停，待复核",
        "live_subjects",
        &format!("action=\"{review}\""),
        "action=\"/console/assess/alerts/settings\"",
        "href=\"/console/assess/alerts\" aria-current=\"page\"",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    let token = page.csrf();

    // Settings: every problem at once, the posted values kept.
    let bad = admin
        .post(
            "/console/assess/alerts/settings",
            &[
                ("csrf", token.as_str()),
                ("jump_factor", "abc"),
                ("min_calls", "0"),
                ("baseline_days", "7"),
                ("quiet_start", "0"),
                ("quiet_end", "6"),
                ("harvest_share", "0.2"),
                ("harvest_min_subjects", "100"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for text in [
        "href=\"#al-jump_factor\"",
        "href=\"#al-min_calls\"",
        "value=\"abc\"",
    ] {
        assert!(bad.body.contains(text), "{text}: {}", bad.body);
    }
    let saved = admin
        .post(
            "/console/assess/alerts/settings",
            &[
                ("csrf", token.as_str()),
                ("jump_factor", "4"),
                ("min_calls", "50"),
                ("baseline_days", "14"),
                ("quiet_start", "22"),
                ("quiet_end", "6"),
                ("harvest_share", "0.3"),
                ("harvest_min_subjects", "20"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let now = s.alert_settings(testkit::admin_principal()).await.unwrap();
    assert_eq!(
        (
            now.jump_factor,
            now.baseline_days,
            now.quiet_start,
            now.suspend_on_alert
        ),
        (4.0, 14, 22, false)
    );

    // The review: a cross-site post changes nothing; a missing decision is shown at its control.
    let forged = admin
        .post(&review, &[("decision", "clear"), ("note", "正常")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let missing = admin
        .post(&review, &[("csrf", token.as_str()), ("note", "正常")])
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing
            .body
            .contains(&format!("href=\"#al-{id}-review-decision\"")),
        "{}",
        missing.body
    );
    assert_eq!(
        s.get_alert(testkit::admin_principal(), id)
            .await
            .unwrap()
            .state,
        "open"
    );

    // The provider's steward sees it, with neither form; a steward's post is refused.
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let page = steward.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("疑似批量采集"));
    assert!(!page.body.contains(&review));
    assert!(!page.body.contains("/console/assess/alerts/settings"));
    let steward_token = page.csrf();
    let refused = steward
        .post(
            &review,
            &[
                ("csrf", steward_token.as_str()),
                ("decision", "clear"),
                ("note", "正常"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // An auditor reads the settings; another department sees no alert.
    let mut auditor = Browser::signed_in(&app.base, "auditor", PASSWORD).await;
    let page = auditor.get(PAGE).await;
    assert!(page.body.contains("预警设置") && page.body.contains("疑似批量采集"));
    assert!(!page
        .body
        .contains("action=\"/console/assess/alerts/settings\""));
    let mut other = Browser::signed_in(&app.base, "steward.b", PASSWORD).await;
    let page = other.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("暂无预警"), "{}", page.body);

    // The operator clears it: the grant works again.
    let done = admin
        .post(
            &review,
            &[
                ("csrf", token.as_str()),
                ("decision", "clear"),
                ("note", "核实为正常业务"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = admin.get(&format!("{PAGE}?done=1")).await;
    assert!(page.body.contains("已解除") && page.body.contains("核实为正常业务"));
    assert!(!page.body.contains(&format!("action=\"{review}\"")));
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in() {
    let app = app().await;
    let mut nobody = Browser::new(&app.base);
    let page = nobody.get(PAGE).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        page.location().starts_with("/console/login"),
        "{}",
        page.location()
    );
}
