//! The public's own pages on the portal over HTTP, on the demo province with its data:
//! registering (every problem at once), signing in on the portal with a local `next` only,
//! applying for 有条件开放 data, taking its key once on a page nobody keeps, downloading with
//! the key (its dataset only, within its quota), data requests that never name who asked,
//! and 纠错. Forged and cross-site posts change nothing.
use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, CACHE_CONTROL, RETRY_AFTER};
use reqwest::StatusCode;
use shuqiao_core::account::Principal;
use shuqiao_service::open::{OpenDataset, OpenQuery};

use crate::client::{Browser, Page};
use crate::portal::portal_app;
use crate::support::App;

pub(crate) const MEMBER_PASSWORD: &str = "Public-pass-2026";

/// The released 有条件开放 datasets, those with most rows first.
pub(crate) async fn conditional(app: &App) -> Vec<Arc<OpenDataset>> {
    let mut all = app
        .store()
        .await
        .open_search(
            OpenQuery {
                open_types: vec![shuqiao_core::catalog::OpenType::Conditional],
                limit: 100,
                ..Default::default()
            },
            vec![],
        )
        .await
        .unwrap()
        .items;
    all.sort_by(|a, b| b.rows.cmp(&a.rows).then(a.slug.cmp(&b.slug)));
    assert!(all.len() >= 2, "the demo releases conditional datasets");
    all
}

/// A username of a demo steward of `org`.
pub(crate) fn steward_of(org: &str) -> String {
    match shuqiao_demo::steward_of(org) {
        Principal::Person { username, .. } => username,
        other => panic!("{other:?}"),
    }
}

/// Registers on the portal's form and checks the member is signed in.
pub(crate) async fn register(base: &str, username: &str, name: &str) -> Browser {
    let mut b = Browser::new(base);
    let form = b.get("/account/register").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let token = form.csrf();
    let done = b
        .post(
            "/account/register",
            &[
                ("csrf", token.as_str()),
                ("username", username),
                ("display_name", name),
                ("kind", "person"),
                ("contact", "member@example.cn"),
                ("password", MEMBER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        (done.status, done.location()),
        (
            StatusCode::SEE_OTHER,
            "/account/applications?done=registered"
        ),
        "{}",
        done.body
    );
    b
}

async fn principal_of(app: &App, b: &Browser) -> Principal {
    app.store()
        .await
        .authenticate(&b.session())
        .await
        .unwrap()
        .expect("signed in")
}

fn problem_links(p: &Page, anchors: &[&str]) {
    for a in anchors {
        assert!(
            p.body.contains(&format!("href=\"#{a}\"")),
            "{a} in the summary: {}",
            p.body
        );
        assert!(
            p.body.contains(&format!("id=\"{a}-error\"")),
            "{a} beside its field"
        );
    }
}

#[tokio::test]
async fn registering_shows_every_problem_at_once_and_forged_posts_change_nothing() {
    let (app, _) = portal_app().await;
    let mut b = Browser::new(&app.base);
    let form = b.get("/account/register").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<html lang=\"zh-CN\">"));
    let token = form.csrf();

    let bad = b
        .post(
            "/account/register",
            &[
                ("csrf", token.as_str()),
                ("username", "Not Valid<b>"),
                ("display_name", ""),
                ("kind", "robot"),
                ("contact", ""),
                ("password", "short-secret-typed"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    problem_links(
        &bad,
        &["username", "display_name", "kind", "contact", "password"],
    );
    assert!(bad.body.contains("class=\"error-summary\""));
    assert!(
        bad.body.contains("value=\"Not Valid&#60;b&#62;\""),
        "what was typed is kept, escaped"
    );
    assert!(
        !bad.body.contains("short-secret-typed"),
        "the password is never sent back"
    );

    let good = [
        ("username", "li.public"),
        ("display_name", "李四"),
        ("kind", "company"),
        ("contact", "li@example.cn"),
        ("password", MEMBER_PASSWORD),
    ];
    // Without the form token, or from another site with it: refused, nobody registered.
    let forged = b.post("/account/register", &good).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let mut with_token = vec![("csrf", token.as_str())];
    with_token.extend_from_slice(&good);
    let cross = b
        .post_with(
            "/account/register",
            &with_token,
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert!(app.store().await.get_account("li.public").await.is_err());

    let done = b.post("/account/register", &with_token).await;
    assert_eq!(
        done.location(),
        "/account/applications?done=registered",
        "{}",
        done.body
    );
    let home = b.get("/").await;
    assert!(
        home.body.contains("李四"),
        "the header names who is signed in"
    );
    assert_eq!(
        home.headers[CACHE_CONTROL], "private, no-store",
        "a page with a person's name is kept nowhere"
    );
    assert!(home.body.contains("action=\"/account/signout\""));
    // Taken now: said beside the username.
    let mut again = Browser::new(&app.base);
    let token = again.get("/account/register").await.csrf();
    let mut dup = vec![("csrf", token.as_str())];
    dup.extend_from_slice(&good);
    let taken = again.post("/account/register", &dup).await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    problem_links(&taken, &["username"]);

    // Signing out needs the form token too; with it the session ends.
    let page = b.get("/requests").await;
    let csrf = page.csrf();
    assert_eq!(
        b.post("/account/signout", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let out = b.post("/account/signout", &[("csrf", csrf.as_str())]).await;
    assert_eq!(out.location(), "/");
    assert!(!b.get("/").await.body.contains("李四"));

    // The same form in English.
    b.get("/lang/en?next=/account/register").await;
    let en = b.get("/account/register").await;
    assert!(en.body.contains("<html lang=\"en\">"));
    assert!(en.body.contains("Register on the open data portal"));
}

#[tokio::test]
async fn an_anonymous_apply_goes_to_sign_in_and_staff_are_told_why_not() {
    let (app, _) = portal_app().await;
    let d = conditional(&app).await.remove(0);
    let apply = format!("/datasets/{}/apply", d.slug);
    let mut b = Browser::new(&app.base);
    let sent = b.get(&apply).await;
    let to_signin = format!("/account/signin?next=%2Fdatasets%2F{}%2Fapply", d.slug);
    assert_eq!(
        (sent.status, sent.location()),
        (StatusCode::SEE_OTHER, to_signin.as_str())
    );
    // Signing in comes back; only to a path on this site.
    let form = b.get(&to_signin).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(&format!("value=\"{apply}\"")));
    let token = form.csrf();
    let staff = steward_of(&d.provider);
    let wrong = b
        .post(
            "/account/signin",
            &[
                ("csrf", token.as_str()),
                ("username", staff.as_str()),
                ("password", "not-the-password-1"),
                ("next", apply.as_str()),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let evil = b
        .post(
            "/account/signin",
            &[
                ("csrf", token.as_str()),
                ("username", staff.as_str()),
                ("password", shuqiao_demo::STEWARD_PASSWORD),
                ("next", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(evil.location(), "/", "never another site");
    let page = b.get(&apply).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(
        page.body.contains("政务部门请通过共享申请使用数据"),
        "core's words: {}",
        page.body
    );

    let mut m = register(&app.base, "sun.public", "孙七").await;
    let form = m.get(&apply).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(shuqiao_core::open::AGREEMENT_VERSION));
    assert!(form.body.contains(shuqiao_core::open::AGREEMENT[0].0));
    let token = form.csrf();
    let bad = m
        .post(&apply, &[("csrf", token.as_str()), ("purpose", "")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    problem_links(&bad, &["purpose", "accept_agreement"]);
    let fields = [("purpose", "城市研究"), ("accept_agreement", "yes")];
    assert_eq!(m.post(&apply, &fields).await.status, StatusCode::FORBIDDEN);
    assert!(app
        .store()
        .await
        .open_applications(principal_of(&app, &m).await)
        .await
        .unwrap()
        .is_empty());
    let mut ok = vec![("csrf", token.as_str())];
    ok.extend_from_slice(&fields);
    let done = m.post(&apply, &ok).await;
    assert_eq!(done.location(), "/account/applications?done=applied");
    let mine = m.get("/account/applications").await;
    assert!(mine.body.contains(&d.name) && mine.body.contains("办理中"));
    // A second while the first waits: said at the purpose.
    let twice = m.post(&apply, &ok).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    problem_links(&twice, &["purpose"]);
}

#[tokio::test]
async fn the_key_is_shown_once_and_downloads_its_dataset_only_within_the_quota() {
    let (app, _) = portal_app().await;
    let all = conditional(&app).await;
    let (d, other) = (all[0].clone(), all[1].clone());
    let store = app.store().await;
    let mut m = register(&app.base, "zhou.public", "周八").await;
    let member = principal_of(&app, &m).await;
    let a = store
        .apply_open(
            member,
            shuqiao_core::open::ApplicationInput {
                dataset: d.slug.clone(),
                purpose: "研究".into(),
                accept_agreement: true,
            },
        )
        .await
        .unwrap();
    store
        .answer_open_application(
            shuqiao_demo::steward_of(&d.provider),
            a.id,
            shuqiao_core::open::ApplicationAnswer {
                approve: true,
                reason: String::new(),
                quota_per_day: Some(2),
                days: Some(30),
            },
        )
        .await
        .unwrap();
    let list = m.get("/account/applications").await;
    assert!(list.body.contains("已批准"), "{}", list.body);
    let action = format!("/account/applications/{}/key", a.id);
    assert!(list.body.contains(&format!("action=\"{action}\"")));
    let token = list.csrf();
    assert_eq!(m.post(&action, &[]).await.status, StatusCode::FORBIDDEN);

    let shown = m.post(&action, &[("csrf", token.as_str())]).await;
    assert_eq!(shown.status, StatusCode::CREATED, "{}", shown.body);
    assert_eq!(shown.headers[CACHE_CONTROL], "no-store");
    let key = key_on(&shown);
    assert!(shown.body.contains(&format!("Authorization: {key}")));
    assert!(shown.body.contains("datastore_search"));
    assert!(shown.body.contains("之前领取的密钥") || shown.body.contains("之前的密钥"));
    assert!(
        !m.get("/account/applications").await.body.contains(&key),
        "shown once"
    );

    let http = reqwest::Client::new();
    let url = |d: &OpenDataset, ext: &str| format!("{}/datasets/{}/data.{ext}", app.base, d.slug);
    let get = |u: String, auth: Option<String>| {
        let mut r = http.get(u);
        if let Some(a) = auth {
            r = r.header(AUTHORIZATION, a);
        }
        r.send()
    };
    let none = get(url(&d, "csv"), None).await.unwrap();
    assert_eq!(none.status(), StatusCode::FORBIDDEN);
    let wrong = get(url(&d, "csv"), Some("sqo_not-a-key".into()))
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let elsewhere = get(url(&other, "csv"), Some(key.clone())).await.unwrap();
    assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN);
    let csv = get(url(&d, "csv"), Some(key.clone())).await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()[CACHE_CONTROL], "private, no-store");
    let text = csv.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains(&d.items[0].name));
    assert_eq!(text.split("\r\n").count() as i64, d.rows + 2, "every row");
    let json = get(url(&d, "json"), Some(format!("Bearer {key}")))
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::OK);
    let v: serde_json::Value = json.json().await.unwrap();
    assert_eq!(v["records"].as_array().unwrap().len() as i64, d.rows);
    // The quota of two a day is used up.
    let third = get(url(&d, "xlsx"), Some(key.clone())).await.unwrap();
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(third.headers().contains_key(RETRY_AFTER));

    // Taking it again stops the one before.
    let list = m.get("/account/applications").await;
    let again = m.post(&action, &[("csrf", list.csrf().as_str())]).await;
    let new_key = key_on(&again);
    assert_ne!(new_key, key);
    let old = get(url(&d, "csv"), Some(key)).await.unwrap();
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
}

/// The key on the page that shows it.
pub(crate) fn key_on(p: &Page) -> String {
    let marker = "id=\"open-key\" class=\"key\" type=\"text\" value=\"";
    let start = p.body.find(marker).expect("the key is shown") + marker.len();
    let len = p.body[start..].find('"').unwrap();
    let key = p.body[start..start + len].to_string();
    assert!(key.starts_with("sqo_"), "{key}");
    key
}

#[tokio::test]
async fn requests_never_name_who_asked_and_feedback_reaches_the_provider() {
    let (app, slug) = portal_app().await;
    let store = app.store().await;
    let anon = Browser::new(&app.base).get("/requests").await;
    assert_eq!(anon.status, StatusCode::OK);
    assert!(anon.body.contains("/account/signin?next=%2Frequests"));
    assert!(!anon.body.contains("action=\"/requests\""));

    let mut m = register(&app.base, "wu.public", "吴九<i>").await;
    let page = m.get("/requests").await;
    let token = page.csrf();
    let bad = m
        .post(
            "/requests",
            &[
                ("csrf", token.as_str()),
                ("title", ""),
                ("description", ""),
                ("org", "no-such-org"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    problem_links(&bad, &["title", "description"]);
    let d = store.open_dataset(&slug).await.unwrap();
    let fields = [
        ("title", "公交线路站点"),
        ("description", "希望开放公交线路和站点"),
        ("org", d.provider.as_str()),
    ];
    assert_eq!(
        m.post("/requests", &fields).await.status,
        StatusCode::FORBIDDEN
    );
    let mut ok = vec![("csrf", token.as_str())];
    ok.extend_from_slice(&fields);
    let done = m.post("/requests", &ok).await;
    assert_eq!(done.location(), "/requests?done=1", "{}", done.body);
    let request = store.open_requests(1, 0).await.unwrap().0.remove(0);
    store
        .answer_open_request(
            shuqiao_demo::steward_of(&d.provider),
            request.id,
            shuqiao_core::open::RequestAnswer {
                outcome: shuqiao_core::open::RequestOutcome::Opening,
                answer: "计划于下季度开放".into(),
                dataset: None,
                org: None,
            },
        )
        .await
        .unwrap();
    let public = Browser::new(&app.base).get("/requests").await;
    assert!(public.body.contains("公交线路站点"));
    assert!(public.body.contains("计划于下季度开放"));
    assert!(public.body.contains(&d.provider_name), "where it went");
    assert!(!public.body.contains("wu.public"), "never who asked");
    assert!(!public.body.contains("吴九"), "never who asked");

    // 纠错: a row's link fills in its _id; problems at once; the answer comes back.
    let dataset = m.get(&format!("/datasets/{slug}")).await;
    let link = format!("/datasets/{slug}/feedback?row=");
    let at = dataset.body.find(&link).expect("a row's 纠错 link") + link.len();
    let row: String = dataset.body[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let form = m.get(&format!("/datasets/{slug}/feedback?row={row}")).await;
    assert!(form.body.contains(&format!("value=\"{row}\"")));
    let token = form.csrf();
    let action = format!("/datasets/{slug}/feedback");
    let bad = m
        .post(
            &action,
            &[("csrf", token.as_str()), ("row", "abc"), ("text", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    problem_links(&bad, &["row", "text"]);
    assert_eq!(
        m.post(&action, &[("row", row.as_str()), ("text", "地址有误")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let done = m
        .post(
            &action,
            &[
                ("csrf", token.as_str()),
                ("row", row.as_str()),
                ("text", "地址有误"),
            ],
        )
        .await;
    assert_eq!(done.location(), "/account/feedback?done=1", "{}", done.body);
    let fb = store
        .feedback_list(principal_of(&app, &m).await)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(fb.row.map(|r| r.to_string()), Some(row));
    store
        .answer_feedback(shuqiao_demo::steward_of(&d.provider), fb.id, "已核实更正")
        .await
        .unwrap();
    let mine = m.get("/account/feedback").await;
    assert!(mine.body.contains("地址有误") && mine.body.contains("已核实更正"));
}
