//! The consumer department's pages over HTTP: the catalog search with facets, a resource's
//! page, subscribing, applying with a check of the answers and the due date, grants with
//! quota usage, needs; who may and may not; cross-site posts; escaping.
use reqwest::StatusCode;
use serde_json::json;
use shuqiao_core::share::calendar::start_of_china_day;
use shuqiao_core::share::{AccessRequest, Approval};
use shuqiao_service::testkit::{self, PASSWORD};

use crate::client::{Browser, Page};
use crate::support::{app, app_with_clock, App};

/// Monday 2 March 2026, 10:00 in China: two working days on is Wednesday 4 March.
fn monday_morning() -> i64 {
    let day = time::Date::from_calendar_date(2026, time::Month::March, 2).unwrap();
    start_of_china_day(day) + 10 * 3600 * 1000
}

/// A server on Monday morning with the sharing fixture: (app, unconditional, conditional).
async fn setup() -> (App, String, String) {
    let (clock, _) = testkit::manual_clock(monday_morning());
    let app = app_with_clock(clock).await;
    let (open, cond) = testkit::share_fixture(&app.store().await).await;
    (app, open, cond)
}

/// A complete, valid application for 姓名 and 出生日期 by `c1-sys`.
fn good_application(step: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("step", step),
        ("system", "c1-sys"),
        ("fields", "XM"),
        ("fields", "CSRQ"),
        ("purpose", "办理社会保障卡时核对申请人信息"),
        ("scene", "社保卡窗口受理"),
        ("legal_basis", "《社会保险法》第五十八条"),
        ("days", "180"),
    ]
}

async fn post_with_token(
    b: &mut Browser,
    form_page: &str,
    action: &str,
    form: &[(&str, &str)],
) -> Page {
    let token = b.get(form_page).await.csrf();
    let mut pairs: Vec<(&str, &str)> = form.to_vec();
    pairs.push(("csrf", &token));
    b.post(action, &pairs).await
}

/// Lines of the page's error summary (its links).
fn summary_links(body: &str) -> Vec<String> {
    let Some(start) = body.find("class=\"error-summary\"") else {
        return Vec::new();
    };
    let end = body[start..].find("</div>").unwrap() + start;
    body[start..end]
        .split("<a href=\"#")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

#[tokio::test]
async fn the_search_finds_by_chinese_and_english_and_facets_narrow_it() {
    let (app, open, cond) = setup().await;
    let mut b = Browser::signed_in(&app.base, "user.c1", PASSWORD).await;

    let p = b.get("/console/catalog?q=%E5%85%A8%E5%91%98").await; // 全员
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p
        .body
        .contains(&format!("href=\"/console/catalog/{cond}\"")));
    assert!(!p
        .body
        .contains(&format!("href=\"/console/catalog/{open}\"")));
    assert!(p.body.contains("共 1 条"), "{}", p.body);

    let p = b.get("/console/catalog?q=%E6%B3%95%E4%BA%BA").await; // 法人
    assert!(p
        .body
        .contains(&format!("href=\"/console/catalog/{open}\"")));
    assert!(!p
        .body
        .contains(&format!("href=\"/console/catalog/{cond}\"")));

    // English finds both; the share-type facet counts each and narrows to one.
    let p = b.get("/console/catalog?q=population").await;
    assert!(p.body.contains("共 2 条"), "{}", p.body);
    assert!(
        p.body
            .contains("href=\"/console/catalog?q=population&#38;share_type=conditional\""),
        "{}",
        p.body
    );
    assert!(p
        .body
        .contains("有条件共享 <span class=\"facet-count\">(1)</span>"));
    assert!(p
        .body
        .contains("机构d-a <span class=\"facet-count\">(2)</span>"));
    let p = b
        .get("/console/catalog?q=population&share_type=conditional")
        .await;
    assert!(p.body.contains("共 1 条"), "{}", p.body);
    assert!(p
        .body
        .contains(&format!("href=\"/console/catalog/{cond}\"")));
    assert!(!p
        .body
        .contains(&format!("href=\"/console/catalog/{open}\"")));
    // The filter stays in the address: the search box keeps it and it can be removed.
    assert!(p
        .body
        .contains("<input type=\"hidden\" name=\"share_type\" value=\"conditional\">"));
    assert!(p.body.contains("aria-current=\"true\""));
    assert!(p.body.contains("共享类型：有条件共享"));
    let p = b
        .get("/console/catalog?q=population&share_type=unconditional")
        .await;
    assert!(p
        .body
        .contains(&format!("href=\"/console/catalog/{open}\"")));
    assert!(!p
        .body
        .contains(&format!("href=\"/console/catalog/{cond}\"")));

    // In English too, the same search and words.
    b.cookies.insert("shuqiao_lang".into(), "en".into());
    let p = b.get("/console/catalog?q=population").await;
    assert!(p.body.contains("<html lang=\"en\">"));
    assert!(p.body.contains("Find data resources") && p.body.contains("Shared on conditions"));
    assert!(p.body.contains("2 in all"), "{}", p.body);
    b.cookies.remove("shuqiao_lang");

    // Nothing found: the page says what to do next.
    let p = b.get("/console/catalog?q=zzzqqq").await;
    assert!(p.body.contains("没有找到符合条件的资源"), "{}", p.body);
    assert!(p.body.contains("href=\"/console/needs\""));
    // A filter value the search does not know is reported, not silently dropped.
    let p = b.get("/console/catalog?share_type=bogus").await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("筛选条件无效"), "{}", p.body);

    // The same search as the API's, for the same person.
    let c1 = app.login("user.c1").await;
    let (s, v) = app
        .get(
            "/api/v1/catalog/resources?q=population&share_type=conditional",
            Some(&c1),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], 1, "{v}");
}

#[tokio::test]
async fn the_resource_page_shows_items_with_grades_and_what_may_be_asked() {
    let (app, open, cond) = setup().await;
    let mut b = Browser::signed_in(&app.base, "user.c1", PASSWORD).await;
    let p = b.get(&format!("/console/catalog/{cond}")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("仅限政务服务使用"), "the share condition");
    assert!(p.body.contains("公民身份号码"));
    assert!(p.body.contains("<span class=\"tag tag-core\">核心</span>"));
    assert!(p.body.contains("仅核验，不返回原值"));
    assert!(p
        .body
        .contains(&format!("href=\"/console/catalog/{cond}/apply\"")));
    assert!(!p.body.contains("/subscribe\""), "no subscribing to 有条件");

    let p = b.get(&format!("/console/catalog/{open}")).await;
    assert!(p
        .body
        .contains(&format!("action=\"/console/catalog/{open}/subscribe\"")));
    assert!(!p.body.contains("/apply\""));
}

#[tokio::test]
async fn the_apply_form_refuses_every_problem_at_once_and_keeps_input() {
    let (app, _, cond) = setup().await;
    let mut b = Browser::signed_in(&app.base, "user.c1", PASSWORD).await;
    let form = format!("/console/catalog/{cond}/apply");
    let p = b.get(&form).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p
        .body
        .contains("type=\"checkbox\" id=\"fields\" name=\"fields\" value=\"GMSFHM\""));

    let purpose = "为办理社保业务核对<身份>";
    let p = post_with_token(
        &mut b,
        &form,
        &form,
        &[
            ("step", "check"),
            ("system", ""),
            ("purpose", purpose),
            ("scene", ""),
            ("legal_basis", ""),
            ("days", "三十"),
        ],
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert_eq!(
        summary_links(&p.body),
        ["system", "fields", "scene", "legal_basis", "days"],
        "{}",
        p.body
    );
    for id in ["system", "fields", "scene", "legal_basis", "days"] {
        assert!(
            p.body.contains(&format!("id=\"{id}-error\"")),
            "inline error at {id}"
        );
    }
    // What was typed stays, escaped.
    assert!(
        p.body.contains("为办理社保业务核对&#60;身份&#62;"),
        "{}",
        p.body
    );
    assert!(p.body.contains("value=\"三十\""));

    // Fields chosen before the error stay chosen.
    let p = post_with_token(
        &mut b,
        &form,
        &form,
        &[("step", "check"), ("fields", "XM"), ("days", "30")],
    )
    .await;
    assert!(p.body.contains("value=\"XM\" checked"), "{}", p.body);
    assert!(!p.body.contains("value=\"CSRQ\" checked"));
    assert!(!summary_links(&p.body).contains(&"fields".to_string()));
}

#[tokio::test]
async fn checking_the_answers_shows_the_due_date_and_the_chosen_fields() {
    let (app, _, cond) = setup().await;
    let mut b = Browser::signed_in(&app.base, "user.c1", PASSWORD).await;
    let form = format!("/console/catalog/{cond}/apply");
    let p = post_with_token(&mut b, &form, &form, &good_application("check")).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("核对申请内容"), "{}", p.body);
    // Two working days from Monday 2 March on the platform calendar.
    assert!(
        p.body.contains("提供单位须在 2026年3月4日（周三） 前答复"),
        "{}",
        p.body
    );
    assert!(p.body.contains("（2 个工作日）"));
    assert!(p.body.contains("<td>姓名</td>") && p.body.contains("<td>出生日期</td>"));
    assert!(!p.body.contains("<td>公民身份号码</td>"), "not chosen");
    assert!(p.body.contains("《社会保险法》第五十八条"));
    // Nothing is filed until it is sent.
    let steward = app.login("steward.a").await;
    let (_, v) = app.get("/api/v1/share/applications", Some(&steward)).await;
    assert_eq!(v["total"], 0, "{v}");

    // Change goes back to the form with every answer kept.
    let mut change = good_application("edit");
    let token = p.csrf();
    change.push(("csrf", &token));
    let p = b.post(&form, &change).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("value=\"XM\" checked") && p.body.contains("value=\"CSRQ\" checked"));
    assert!(p.body.contains(">社保卡窗口受理</textarea>"));
}

#[tokio::test]
async fn applying_files_it_for_the_providers_steward_and_shows_the_banner() {
    let (app, _, cond) = setup().await;
    let mut b = Browser::signed_in(&app.base, "user.c1", PASSWORD).await;
    let form = format!("/console/catalog/{cond}/apply");
    let p = post_with_token(&mut b, &form, &form, &good_application("send")).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let to = p.location().to_string();
    assert!(to.starts_with("/console/my-applications/") && to.ends_with("?done=filed"));
    let id: i64 = to["/console/my-applications/".len()..to.find('?').unwrap()]
        .parse()
        .unwrap();
    let page = b.get(&to).await;
    assert!(page.body.contains("class=\"banner\" role=\"status\""));
    assert!(
        page.body.contains(&format!("申请已提交，编号 {id}")),
        "{}",
        page.body
    );
    assert!(page.body.contains("2026年3月4日（周三）"));
    assert!(page.body.contains("待答复"));

    let steward = app.login("steward.a").await;
    let (s, v) = app
        .get(&format!("/api/v1/share/applications/{id}"), Some(&steward))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "pending");
    assert_eq!(v["consumer_org"], "c1");
    assert_eq!(v["fields"], json!(["CSRQ", "XM"]));
    assert_eq!(v["due_date"], "2026-03-04");

    // The department's list shows it with its status.
    let grants = b.get("/console/grants").await;
    assert!(grants
        .body
        .contains(&format!("href=\"/console/my-applications/{id}\"")));
}

#[tokio::test]
async fn subscribing_works_for_unconditional_and_is_refused_for_conditional() {
    let (app, open, cond) = setup().await;
    let mut b = Browser::signed_in(&app.base, "user.c1", PASSWORD).await;
    let subscribe = [
        ("system", "c1-sys"),
        ("fields", "XM"),
        ("purpose", "核对法人信息"),
        ("days", "30"),
    ];
    let page = format!("/console/catalog/{cond}");
    let p = post_with_token(&mut b, &page, &format!("{page}/subscribe"), &subscribe).await;
    assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);
    assert!(p.body.contains("该资源为有条件共享"), "{}", p.body);

    let page = format!("/console/catalog/{open}");
    let p = post_with_token(&mut b, &page, &format!("{page}/subscribe"), &subscribe).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(p
        .location()
        .starts_with("/console/grants?done=subscribed&grant="));
    let grants = b.get(p.location()).await;
    assert!(grants.body.contains("订阅已生效"), "{}", grants.body);
    assert!(grants.body.contains("姓名（XM）"));

    let c1 = app.login("user.c1").await;
    let (_, v) = app.get("/api/v1/share/grants", Some(&c1)).await;
    assert_eq!(v["total"], 1, "only the unconditional one: {v}");
    assert_eq!(v["items"][0]["resource"], open.as_str());

    // A second subscription of the same system is refused, saying why, input kept.
    let p = post_with_token(&mut b, &page, &format!("{page}/subscribe"), &subscribe).await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.body.contains("该系统已订阅此资源"), "{}", p.body);
    assert!(p.body.contains(">核对法人信息</textarea>"));
}

#[tokio::test]
async fn the_grants_page_shows_expiry_and_todays_calls_against_the_quota() {
    let (clock, now) = testkit::manual_clock(monday_morning());
    let app = app_with_clock(clock).await;
    let store = app.store().await;
    let (_, cond) = testkit::share_fixture(&store).await;
    let steward = store.principal_for("steward.a").await.unwrap();
    let consumer = store.principal_for("user.c1").await.unwrap();
    let mut req = shuqiao_service::collect::BatchRequest::new(
        &cond,
        shuqiao_service::collect::Channel::Import,
        "t.csv",
    );
    req.policy = shuqiao_core::collect::BatchPolicy::AllOrNothing;
    let rows = shuqiao_core::collect::source::VecSource::new(
        vec!["GMSFHM".into(), "XM".into(), "CSRQ".into()],
        vec![vec![
            "11010519491231002X".into(),
            "张三".into(),
            "1949-12-31".into(),
        ]],
    );
    store
        .collect_batch(steward.clone(), req, rows, None)
        .await
        .unwrap();
    let app_id = store
        .apply(
            consumer,
            AccessRequest {
                system: "c1-sys".into(),
                resource: cond.clone(),
                fields: vec!["GMSFHM".into(), "XM".into()],
                purpose: "社会保险待遇资格认证".into(),
                scene: "待遇发放".into(),
                legal_basis: "《社会保险法》".into(),
                days: 30,
            },
        )
        .await
        .unwrap()
        .id;
    let approval = Approval {
        quota_per_day: Some(100),
        ..Approval::default()
    };
    store
        .approve_application(steward, app_id, approval)
        .await
        .unwrap();
    let (token, _) = store
        .issue_token(&testkit::admin_principal(), "c1-sys", "exchange", 30)
        .await
        .unwrap();
    for _ in 0..3 {
        let (s, v) = app
            .get(
                &format!("/api/v1/exchange/{cond}/records/11010519491231002X"),
                Some(&token),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        now.fetch_add(1000, std::sync::atomic::Ordering::SeqCst);
    }

    let mut b = Browser::signed_in(&app.base, "user.c1", PASSWORD).await;
    let p = b.get("/console/grants").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    // Thirty days from Monday 2 March.
    assert!(p.body.contains("2026年4月1日（周三）"), "{}", p.body);
    assert!(p.body.contains("剩 30 天"), "{}", p.body);
    assert!(p.body.contains("3 / 100（3.0%）"), "{}", p.body);
    assert!(p.body.contains("公民身份号码（GMSFHM）、姓名（XM）"));
    assert!(p.body.contains("<span class=\"tag tag-open\">有效</span>"));
    assert!(p.body.contains("已同意"), "the application's status");

    // Another consumer department never sees them.
    let mut other = Browser::signed_in(&app.base, "user.a", PASSWORD).await;
    let p = other.get("/console/grants").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(!p.body.contains("c1-sys"), "{}", p.body);
    assert!(p.body.contains("本单位还没有授权"));
    let p = other.get("/console/grants?org=c1").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(
        p.body.contains("只能为本单位（c1）的应用系统申请"),
        "{}",
        p.body
    );
}

#[tokio::test]
async fn needs_are_stated_with_every_problem_at_once_and_listed_with_status() {
    let (app, _, cond) = setup().await;
    let mut b = Browser::signed_in(&app.base, "user.c1", PASSWORD).await;
    let p = post_with_token(
        &mut b,
        "/console/needs",
        "/console/needs",
        &[("title", ""), ("description", ""), ("resource", "R-KEPT")],
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert_eq!(summary_links(&p.body), ["need-title", "need-description"]);
    assert!(p.body.contains("value=\"R-KEPT\""));

    let p = post_with_token(
        &mut b,
        "/console/needs",
        "/console/needs",
        &[
            ("title", "残疾人证核验"),
            ("description", "办理残疾人补贴时核验证件"),
            ("resource", &cond),
        ],
    )
    .await;
    assert_eq!(
        (p.status, p.location()),
        (StatusCode::SEE_OTHER, "/console/needs?done=stated"),
        "{}",
        p.body
    );
    let p = b.get("/console/needs?done=stated").await;
    assert!(p.body.contains("需求已提交"));
    assert!(p.body.contains("<td>残疾人证核验</td>"));
    assert!(p.body.contains("待确认"));
    let admin = app.login("admin").await;
    let (_, v) = app.get("/api/v1/share/needs?org=c1", Some(&admin)).await;
    assert_eq!(v["total"], 1, "{v}");
}

#[tokio::test]
async fn who_may_and_may_not() {
    let (app, _, cond) = setup().await;
    let pages = [
        "/console/catalog".to_string(),
        format!("/console/catalog/{cond}"),
        format!("/console/catalog/{cond}/apply"),
        "/console/grants".into(),
        "/console/needs".into(),
    ];
    let mut anonymous = Browser::new(&app.base);
    for p in &pages {
        let r = anonymous.get(p).await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, "/console/login"),
            "{p}"
        );
    }
    // People of other roles read the catalog, but its forms are for consumer departments:
    // the 403 page gives core's reason.
    for who in ["auditor", "legal"] {
        let mut b = Browser::signed_in(&app.base, who, PASSWORD).await;
        assert_eq!(b.get(&pages[0]).await.status, StatusCode::OK, "{who}");
        let r = b.get(&pages[1]).await;
        assert!(
            r.body.contains("订阅和申请由使用部门办理"),
            "{who}: {}",
            r.body
        );
        for p in &pages[2..] {
            let r = b.get(p).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} {p}");
            assert!(r.body.contains("无权查看此页面"), "{}", r.body);
            assert!(r.body.contains("只能为本单位"), "{who} {p}: {}", r.body);
        }
        let token = b.get("/console/").await.csrf();
        let r = b
            .post(&pages[2], &[("csrf", token.as_str()), ("step", "send")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
}

#[tokio::test]
async fn cross_site_form_posts_are_refused() {
    let (app, open, cond) = setup().await;
    let mut b = Browser::signed_in(&app.base, "user.c1", PASSWORD).await;
    let token = b.get(&format!("/console/catalog/{open}")).await.csrf();
    let evil = [("origin", "https://evil.example")];
    let subscribe = [
        ("csrf", token.as_str()),
        ("system", "c1-sys"),
        ("fields", "XM"),
        ("purpose", "核对"),
        ("days", "30"),
    ];
    let r = b
        .post_with(
            &format!("/console/catalog/{open}/subscribe"),
            &subscribe,
            &evil,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("请求未被接受"), "{}", r.body);
    // Without the token, from this site, just as refused.
    let r = b
        .post(
            &format!("/console/catalog/{open}/subscribe"),
            &subscribe[1..],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut apply = good_application("send");
    apply.push(("csrf", &token));
    let r = b
        .post_with(&format!("/console/catalog/{cond}/apply"), &apply, &evil)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b
        .post_with(
            "/console/needs",
            &[
                ("csrf", token.as_str()),
                ("title", "t"),
                ("description", "d"),
            ],
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let c1 = app.login("user.c1").await;
    let (_, g) = app.get("/api/v1/share/grants", Some(&c1)).await;
    let (_, a) = app.get("/api/v1/share/applications", Some(&c1)).await;
    let (_, n) = app.get("/api/v1/share/needs", Some(&c1)).await;
    assert_eq!(
        (g["total"].clone(), a["total"].clone(), n["total"].clone()),
        (json!(0), json!(0), json!(0))
    );
}

#[tokio::test]
async fn a_resource_named_like_a_script_shows_as_text() {
    let app = app().await;
    testkit::share_fixture(&app.store().await).await;
    let admin = app.login("admin").await;
    let steward = app.login("steward.a").await;
    let script = "<script>alert(1)</script>";
    let mut meta = serde_json::to_value(testkit::sample_meta()).unwrap();
    meta["name"] = json!(script);
    meta["summary"] = json!("\"><img src=x onerror=alert(1)>");
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
    let mut b = Browser::signed_in(&app.base, "user.c1", PASSWORD).await;
    for path in [
        "/console/catalog?q=alert".to_string(),
        format!("/console/catalog/{code}"),
        format!("/console/catalog/{code}/apply"),
    ] {
        let p = b.get(&path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}");
        assert!(
            p.body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{path}: {}",
            p.body
        );
        assert!(!p.body.contains(script), "{path}");
        assert!(!p.body.contains("<img src=x"), "{path}");
    }
}
