//! The console's pages over HTTP: signing in and out, cookies, form tokens, headers,
//! authorisation, the to-dos and the inbox, escaping and the language switch.
use reqwest::StatusCode;
use serde_json::json;
use shuqiao_core::share::calendar::start_of_china_day;
use shuqiao_http::console::{Settings, CONTENT_SECURITY_POLICY};
use shuqiao_service::testkit::{self, PASSWORD};

use crate::client::Browser;
use crate::support::{self, access, app, app_with_clock, App};

const SIGN_IN: &str = "/console/login";

#[tokio::test]
async fn login_page_labels_its_fields_and_button() {
    let app = app().await;
    let mut b = Browser::new(&app.base);
    let p = b.get(SIGN_IN).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("<html lang=\"zh-CN\">"), "{}", p.body);
    assert!(p.body.contains("<label for=\"username\">用户名</label>"));
    assert!(p.body.contains("<input id=\"username\" name=\"username\""));
    assert!(p.body.contains("<label for=\"password\">密码</label>"));
    assert!(p
        .body
        .contains("<input id=\"password\" name=\"password\" type=\"password\""));
    assert!(p
        .body
        .contains("<button type=\"submit\" class=\"button\">登录</button>"));
    assert!(
        p.set_cookie("shuqiao_login").is_some(),
        "the pre-session token"
    );
}

#[tokio::test]
async fn wrong_password_says_so_once_and_keeps_the_username() {
    let app = app().await;
    let mut b = Browser::new(&app.base);
    let p = b.sign_in("steward.a", "not-the-password").await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        p.body.matches("用户名或密码不正确").count(),
        1,
        "{}",
        p.body
    );
    assert!(p.body.contains("value=\"steward.a\""), "{}", p.body);
    assert!(p.body.contains("aria-invalid=\"true\""));
    assert!(p.set_cookie("shuqiao_session").is_none());
    assert!(!b.get("/console/").await.status.is_success());
}

#[tokio::test]
async fn lockout_is_explained_with_the_minutes_left() {
    let app = app().await;
    let mut b = Browser::new(&app.base);
    for _ in 0..5 {
        let p = b.sign_in("steward.a", "wrong").await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while locked, and the page says for how long.
    let p = b.sign_in("steward.a", PASSWORD).await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS, "{}", p.body);
    assert!(p.body.contains("请在 5 分钟后再试"), "{}", p.body);
    assert!(p.body.contains("value=\"steward.a\""));
    assert!(p.set_cookie("shuqiao_session").is_none());
}

#[tokio::test]
async fn session_cookie_is_httponly_lax_and_secure_only_when_configured() {
    let app = app().await;
    let mut b = Browser::new(&app.base);
    let p = b.sign_in("steward.a", PASSWORD).await;
    assert_eq!(
        (p.status, p.location()),
        (StatusCode::SEE_OTHER, "/console/")
    );
    let cookie = p.set_cookie("shuqiao_session").unwrap();
    assert!(cookie.starts_with("shuqiao_session=sqs_"), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");

    let db = support::signing_db(shuqiao_service::system_clock()).await;
    testkit::fixture(&db.store).await;
    let settings = Settings::for_public_url(Some("https://data.example.gov.cn"));
    let https = support::serving_with(db, settings).await;
    let mut b = Browser::new(&https.base);
    let form = b.get(SIGN_IN).await;
    assert!(form
        .set_cookie("shuqiao_login")
        .unwrap()
        .contains("; Secure"));
    // Behind the proxy the form comes from the public origin.
    let token = form.csrf();
    let p = b
        .post_with(
            SIGN_IN,
            &[
                ("username", "steward.a"),
                ("password", PASSWORD),
                ("csrf", &token),
            ],
            &[("origin", "https://data.example.gov.cn")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let cookie = p.set_cookie("shuqiao_session").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("; Secure"),
        "{cookie}"
    );
}

#[tokio::test]
async fn sign_out_revokes_the_session_itself() {
    let app = app().await;
    let mut b = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let secret = b.session();
    let home = b.get("/console/").await;
    assert_eq!(home.status, StatusCode::OK);
    let p = b.post("/console/logout", &[("csrf", &home.csrf())]).await;
    assert_eq!((p.status, p.location()), (StatusCode::SEE_OTHER, SIGN_IN));
    assert!(p
        .set_cookie("shuqiao_session")
        .unwrap()
        .contains("Max-Age=0"));

    // The old cookie, sent again, opens nothing: the session is gone from the database.
    let mut stale = Browser::new(&app.base);
    stale
        .cookies
        .insert("shuqiao_session".into(), secret.clone());
    let p = stale.get("/console/").await;
    assert_eq!((p.status, p.location()), (StatusCode::SEE_OTHER, SIGN_IN));
    let (s, _) = app.get("/api/v1/me", Some(&secret)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn forms_without_the_token_or_from_another_site_are_refused() {
    let app = app().await;
    let mut b = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let token = b.get("/console/").await.csrf();
    let refused = |p: &crate::client::Page| {
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
        assert!(p.body.contains("跨站"), "{}", p.body);
    };
    refused(&b.post("/console/logout", &[]).await);
    refused(
        &b.post("/console/logout", &[("csrf", "0".repeat(64).as_str())])
            .await,
    );
    // Another session's token is no good either.
    let other = Browser::signed_in(&app.base, "steward.b", PASSWORD).await;
    let mut other = other;
    let other_token = other.get("/console/").await.csrf();
    refused(&b.post("/console/logout", &[("csrf", &other_token)]).await);
    refused(
        &b.post_with(
            "/console/logout",
            &[("csrf", &token)],
            &[("origin", "https://evil.example")],
        )
        .await,
    );
    refused(
        &b.post_with(
            "/console/logout",
            &[("csrf", &token)],
            &[("sec-fetch-site", "cross-site")],
        )
        .await,
    );
    assert_eq!(
        b.get("/console/").await.status,
        StatusCode::OK,
        "still signed in"
    );

    // The sign-in form: its token must match the cookie it came with.
    let mut fresh = Browser::new(&app.base);
    fresh.get(SIGN_IN).await;
    refused(
        &fresh
            .post(
                SIGN_IN,
                &[
                    ("username", "steward.a"),
                    ("password", PASSWORD),
                    ("csrf", "forged"),
                ],
            )
            .await,
    );
    let mut no_cookie = Browser::new(&app.base);
    let token = no_cookie.get(SIGN_IN).await.csrf();
    no_cookie.cookies.clear();
    refused(
        &no_cookie
            .post(
                SIGN_IN,
                &[
                    ("username", "steward.a"),
                    ("password", PASSWORD),
                    ("csrf", &token),
                ],
            )
            .await,
    );

    // And the right token from this site works.
    let token = b.get("/console/").await.csrf();
    let p = b.post("/console/logout", &[("csrf", &token)]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn every_page_carries_the_security_headers_and_no_inline_code() {
    let app = app().await;
    let mut anon = Browser::new(&app.base);
    let mut b = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let pages = [
        anon.get(SIGN_IN).await,
        anon.get("/console/").await,
        b.get("/console/").await,
        b.get("/console/inbox").await,
        b.get("/console/supervision").await,
        b.get("/console/no-such-page").await,
    ];
    for p in &pages {
        let h = |name: &str| {
            p.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        };
        assert_eq!(h("content-security-policy"), CONTENT_SECURITY_POLICY);
        assert_eq!(h("x-content-type-options"), "nosniff");
        assert_eq!(h("referrer-policy"), "same-origin");
        assert_eq!(h("cache-control"), "no-store");
        assert!(!p.body.contains("<script>"), "no inline script");
        assert!(!p.body.contains(" style="), "no inline style");
        assert!(!p.body.contains("<style"), "no style element");
    }
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
    assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    assert_eq!(pages[5].status, StatusCode::NOT_FOUND);
    assert!(pages[5].body.contains("页面不存在"));

    // The assets are embedded, named by their hash, and cached for long.
    let home = &pages[2].body;
    for (prefix, kind) in [
        ("/console/assets/console.", "text/css"),
        ("/console/assets/htmx.", "text/javascript"),
    ] {
        let start = home
            .find(prefix)
            .unwrap_or_else(|| panic!("{prefix} in {home}"));
        let path: String = home[start..].chars().take_while(|c| *c != '"').collect();
        let a = anon.get(&path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert!(a.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with(kind));
        assert_eq!(
            a.headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(a.headers["x-content-type-options"], "nosniff");
    }
    assert_eq!(
        anon.get("/console/assets/other.js").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in() {
    let app = app().await;
    let mut anon = Browser::new(&app.base);
    for path in [
        "/console/",
        "/console/inbox",
        "/console/supervision",
        "/console/applications/1",
    ] {
        let p = anon.get(path).await;
        assert_eq!(
            (p.status, p.location()),
            (StatusCode::SEE_OTHER, SIGN_IN),
            "{path}"
        );
    }
    // A token of a system is not a person's session.
    anon.cookies
        .insert("shuqiao_session".into(), format!("sq_{}", "a".repeat(64)));
    assert_eq!(anon.get("/console/").await.location(), SIGN_IN);
    let p = anon.post("/console/logout", &[("csrf", "x")]).await;
    assert_eq!(p.location(), SIGN_IN);
}

#[tokio::test]
async fn a_page_someone_may_not_see_answers_403_saying_why() {
    let app = app().await;
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let home = steward.get("/console/").await;
    assert!(
        !home.body.contains("/console/supervision"),
        "not offered in the navigation"
    );
    let p = steward.get("/console/supervision").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.body.contains("无权查看此页面"), "{}", p.body);
    assert!(
        p.body.contains("只有平台管理员"),
        "the rule's reason: {}",
        p.body
    );
    assert!(p.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));

    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let p = admin.get("/console/supervision").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(admin
        .get("/console/")
        .await
        .body
        .contains("href=\"/console/supervision\""));
}

/// 10:00 China time on Monday 2 March 2026.
fn monday_morning() -> i64 {
    let day = time::Date::from_calendar_date(2026, time::Month::March, 2).unwrap();
    start_of_china_day(day) + 10 * 3600 * 1000
}

async fn apply_as_c1(app: &App, resource: &str) -> i64 {
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

#[tokio::test]
async fn the_providers_steward_sees_the_application_with_working_days_left_then_overdue() {
    let (clock, now) = testkit::manual_clock(monday_morning());
    let app = app_with_clock(clock).await;
    let (_, cond) = testkit::share_fixture(&app.store().await).await;
    let id = apply_as_c1(&app, &cond).await;
    let link = format!("href=\"/console/applications/{id}\"");

    let mut steward_a = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let home = steward_a.get("/console/").await;
    assert!(home.body.contains("待我答复的共享申请"), "{}", home.body);
    assert!(home.body.contains(&link), "{}", home.body);
    assert!(home.body.contains("剩 2 个工作日"), "{}", home.body);
    assert!(home.body.contains("机构c1"), "the applicant by name");
    assert!(!home.body.contains("tag-overdue"));
    let detail = steward_a.get(&format!("/console/applications/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("政务服务身份核验"));

    // Another department's steward has nothing to answer, and cannot open it.
    let mut steward_b = Browser::signed_in(&app.base, "steward.b", PASSWORD).await;
    let home = steward_b.get("/console/").await;
    assert!(!home.body.contains(&link), "{}", home.body);
    assert!(!home.body.contains("待我答复的共享申请"));
    assert!(
        home.body.contains("目前没有等待您处理的事项"),
        "{}",
        home.body
    );
    let p = steward_b.get(&format!("/console/applications/{id}")).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);

    // Eight days on (Tuesday 10 March): due Wednesday 4th, four working days late.
    now.fetch_add(8 * 24 * 3600 * 1000, std::sync::atomic::Ordering::SeqCst);
    let mut steward_a = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let home = steward_a.get("/console/").await;
    assert!(home.body.contains("已超期 4 个工作日"), "{}", home.body);
    assert!(
        home.body.contains("tag tag-overdue"),
        "red as well as worded"
    );
}

#[tokio::test]
async fn names_people_and_departments_typed_show_as_text() {
    let app = app().await;
    testkit::share_fixture(&app.store().await).await;
    let admin = app.login("admin").await;
    let steward = app.login("steward.a").await;
    let script = "<script>alert(1)</script>";
    let img = "\"><img src=x onerror=alert(1)>";
    let (s, v) = app
        .post(
            "/api/v1/accounts",
            Some(&admin),
            json!({"username": "mallory", "display_name": script, "org": "d-a",
                   "roles": [{"role": "data_steward", "org": "d-a"}], "password": "Good-pass-2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let mut meta = serde_json::to_value(testkit::sample_meta()).unwrap();
    meta["name"] = json!(img);
    let (s, v) = app
        .post("/api/v1/catalog/resources", Some(&steward), meta)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let code = v["code"].as_str().unwrap().to_string();
    for (action, who) in [("submit", &steward), ("publish", &admin)] {
        let (s, v) = app
            .post(
                &format!("/api/v1/catalog/resources/{code}/{action}"),
                Some(who),
                json!({}),
            )
            .await;
        assert!(s.is_success(), "{action}: {v}");
    }
    apply_as_c1(&app, &code).await;

    let mut b = Browser::signed_in(&app.base, "mallory", "Good-pass-2026").await;
    let home = b.get("/console/").await;
    // Shown as text: escaped, as askama writes entities.
    assert!(
        home.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        home.body
    );
    assert!(
        home.body
            .contains("&#34;&#62;&#60;img src=x onerror=alert(1)&#62;"),
        "{}",
        home.body
    );
    assert!(!home.body.contains(script));
    assert!(!home.body.contains("<img src=x"));
}

#[tokio::test]
async fn the_language_switch_is_remembered() {
    let app = app().await;
    let mut b = Browser::new(&app.base);
    let login = b.get(SIGN_IN).await;
    assert!(
        login
            .body
            .contains("href=\"/console/lang/en?next=%2Fconsole%2Flogin\""),
        "{}",
        login.body
    );
    let p = b.get("/console/lang/en?next=%2Fconsole%2Flogin").await;
    assert_eq!((p.status, p.location()), (StatusCode::SEE_OTHER, SIGN_IN));
    let cookie = p.set_cookie("shuqiao_lang").unwrap();
    assert!(cookie.starts_with("shuqiao_lang=en;") && cookie.contains("Max-Age=31536000"));

    let login = b.get(SIGN_IN).await;
    assert!(login.body.contains("<html lang=\"en\">"));
    assert!(login
        .body
        .contains("<label for=\"username\">Username</label>"));
    let token = login.csrf();
    let p = b
        .post(
            SIGN_IN,
            &[
                ("username", "steward.a"),
                ("password", PASSWORD),
                ("csrf", &token),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let home = b.get("/console/").await;
    assert!(home.body.contains("<html lang=\"en\">") && home.body.contains("To-dos"));
    assert!(
        home.body.contains("Org d-a"),
        "the organisation's English name"
    );

    // Back to Chinese; the switch never leads off the console.
    let p = b
        .get("/console/lang/zh?next=https%3A%2F%2Fevil.example")
        .await;
    assert_eq!(p.location(), "/console/");
    assert!(b
        .get("/console/")
        .await
        .body
        .contains("<html lang=\"zh-CN\">"));
    let p = b.get("/console/lang/zh?next=%2F%2Fevil.example").await;
    assert_eq!(p.location(), "/console/");
}

#[tokio::test]
async fn the_inbox_lists_messages_newest_first_and_marks_them_read() {
    let app = app().await;
    let (_, cond) = testkit::share_fixture(&app.store().await).await;
    apply_as_c1(&app, &cond).await;
    let mut b = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let home = b.get("/console/").await;
    assert!(home.body.contains("未读消息"), "{}", home.body);
    let inbox = b.get("/console/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(
        inbox.body.contains("action=\"/console/inbox/"),
        "{}",
        inbox.body
    );
    let action = {
        let start = inbox.body.find("action=\"/console/inbox/").unwrap() + "action=\"".len();
        let len = inbox.body[start..].find('"').unwrap();
        inbox.body[start..start + len].to_string()
    };
    // Without the token nothing changes.
    let p = b.post(&action, &[]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = b.post(&action, &[("csrf", &inbox.csrf())]).await;
    assert_eq!(
        (p.status, p.location()),
        (StatusCode::SEE_OTHER, "/console/inbox?done=read")
    );
    let after = b.get("/console/inbox?done=read").await;
    assert!(after.body.contains("已标为已读"));
    assert!(
        !after.body.contains(&format!("action=\"{action}\"")),
        "{}",
        after.body
    );

    // Another department's steward cannot mark it.
    let mut other = Browser::signed_in(&app.base, "steward.b", PASSWORD).await;
    let token = other.get("/console/").await.csrf();
    let p = other.post(&action, &[("csrf", &token)]).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_session_ends_when_the_database_session_expires() {
    let (clock, now) = testkit::manual_clock(monday_morning());
    let app = app_with_clock(clock).await;
    let mut b = Browser::new(&app.base);
    // Sessions last eight hours, in the cookie as in the database.
    let signed = b.sign_in("steward.a", PASSWORD).await;
    assert!(signed
        .set_cookie("shuqiao_session")
        .unwrap()
        .contains("Max-Age=28800"));
    assert_eq!(b.get("/console/").await.status, StatusCode::OK);
    // Someone signed in who opens the sign-in page goes to their to-dos.
    assert_eq!(b.get(SIGN_IN).await.location(), "/console/");
    now.fetch_add(8 * 3600 * 1000 + 1, std::sync::atomic::Ordering::SeqCst);
    let p = b.get("/console/").await;
    assert_eq!((p.status, p.location()), (StatusCode::SEE_OTHER, SIGN_IN));
}
