//! The operator's administration pages over HTTP: who may open them and who is told why not,
//! a token shown once on a page nobody keeps and ended by revoking, accounts created and
//! changed with every change sealed, names escaped, cross-site posts refused; the conversion
//! proposals and the reviewers' queue.
use reqwest::StatusCode;
use serde_json::{json, Value};
use shuqiao_core::account::{Principal, Role, RoleBinding};
use shuqiao_core::share::{AccessRequest, Approval};
use shuqiao_service::testkit::{self, PASSWORD};

use crate::client::{Browser, Page};
use crate::support::{access, app, App};

const XSS: &str = "\"><img src=x onerror=alert(1)>";

/// The operator's pages that only the operator may open.
const ADMIN_PAGES: [&str; 8] = [
    "/console/admin/systems",
    "/console/admin/systems/new",
    "/console/admin/systems/d-a-sys",
    "/console/admin/tokens/1/revoke",
    "/console/admin/accounts",
    "/console/admin/accounts/new",
    "/console/admin/accounts/admin",
    "/console/admin/stats",
];

/// Sealed entries of `action` about `target`, as the auditor finds them.
async fn sealed(app: &App, action: &str, target: &str) -> Vec<Value> {
    app.store().await.audit().seal_pending().await.unwrap();
    let auditor = app.login("auditor").await;
    let (s, v) = app
        .get(
            &format!("/api/v1/audit/entries?action={action}&resource={target}"),
            Some(&auditor),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().clone()
}

/// Posts a form of the page at `page` to `path`, with that page's form token.
async fn post_from(b: &mut Browser, page: &str, path: &str, form: &[(&str, &str)]) -> Page {
    let p = b.get(page).await;
    assert_eq!(p.status, StatusCode::OK, "{page}: {}", p.body);
    let token = p.csrf();
    let mut all = vec![("csrf", token.as_str())];
    all.extend_from_slice(form);
    b.post(path, &all).await
}

/// The value of the one-time token on the page that shows it.
fn shown_token(page: &Page) -> String {
    let at = page
        .body
        .find("value=\"sq_")
        .unwrap_or_else(|| panic!("no token shown:\n{}", page.body))
        + "value=\"".len();
    page.body[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn operator_pages_send_visitors_to_sign_in_and_refuse_other_roles_saying_why() {
    let app = app().await;
    let mut nobody = Browser::new(&app.base);
    for path in ADMIN_PAGES
        .iter()
        .chain(&["/console/admin/conversions", "/console/reviews"])
    {
        let p = nobody.get(path).await;
        assert_eq!(
            (p.status, p.location()),
            (StatusCode::SEE_OTHER, "/console/login"),
            "{path}"
        );
    }
    for who in ["steward.a", "user.a", "auditor"] {
        let mut b = Browser::signed_in(&app.base, who, PASSWORD).await;
        let home = b.get("/console/").await;
        assert!(
            !home.body.contains("href=\"/console/admin/systems\""),
            "{who} has no administration entries"
        );
        for path in ADMIN_PAGES {
            let p = b.get(path).await;
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{who} {path}");
            assert!(p.body.contains("无权查看此页面"), "{who} {path}");
            assert!(
                p.body
                    .contains("只有平台管理员（省大数据管理局）可以执行此操作"),
                "{who} {path}: the rule's reason: {}",
                p.body
            );
        }
        let p = b.get("/console/reviews").await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{who} reviews");
        assert!(p
            .body
            .contains("只有平台管理员、法制审核人员和保密审核人员"));
        let p = b.get("/console/admin/conversions").await;
        if who == "steward.a" {
            assert_eq!(p.status, StatusCode::OK, "a provider's steward decides");
        } else {
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{who} conversions");
            assert!(p.body.contains("只有平台管理员和资源提供单位的数据管理员"));
        }
        // Posting is refused by the same rule, and nothing is registered.
        let p = post_from(
            &mut b,
            "/console/",
            "/console/admin/systems/new",
            &[("code", "by-steward"), ("name", "越权"), ("org", "d-a")],
        )
        .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{who}: {}", p.body);
    }
    assert!(app.store().await.get_system("by-steward").await.is_err());

    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let home = admin.get("/console/").await;
    for link in [
        "/console/admin/systems",
        "/console/admin/accounts",
        "/console/admin/stats",
        "/console/admin/conversions",
        "/console/reviews",
    ] {
        assert!(
            home.body.contains(&format!("href=\"{link}\"")),
            "{link} in the operator's navigation"
        );
    }
    for path in ADMIN_PAGES.iter().filter(|p| !p.contains("tokens")) {
        let p = admin.get(path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.body);
    }
    let p = admin.get("/console/admin/tokens/999/revoke").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_token_is_shown_once_on_a_page_nobody_keeps_and_revoking_it_ends_it() {
    let app = app().await;
    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let system = "/console/admin/systems/d-a-sys";

    // Every problem at once; nothing is issued.
    let p = post_from(
        &mut admin,
        system,
        &format!("{system}/tokens"),
        &[("name", " "), ("ttl", "0")],
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.body.contains("href=\"#name\""), "{}", p.body);
    assert!(p.body.contains("href=\"#ttl\""), "{}", p.body);
    assert!(p.body.contains("id=\"ttl-error\""));
    assert!(p.body.contains("value=\"0\""), "input kept");
    assert!(app
        .store()
        .await
        .list_tokens(Some("d-a-sys".into()))
        .await
        .unwrap()
        .is_empty());

    let issued = post_from(
        &mut admin,
        system,
        &format!("{system}/tokens"),
        &[("name", "生产环境"), ("ttl", "90")],
    )
    .await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    let cache = issued.headers["cache-control"].to_str().unwrap();
    assert!(cache.contains("no-store"), "{cache}");
    assert!(
        issued.body.contains("离开本页后将不再显示"),
        "{}",
        issued.body
    );
    assert!(issued.body.contains("data-copy=\"issued-token\""));
    assert!(
        issued.body.contains(">复制令牌</button>"),
        "a labelled copy button"
    );
    assert!(
        issued.body.contains("src=\"/console/assets/copy."),
        "our own script"
    );
    assert!(!issued.body.contains("<script>"), "no inline script");
    let token = shown_token(&issued);
    let (s, me) = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(me["system"], json!("d-a-sys"));
    let id = me["token_id"].as_i64().unwrap();

    // Never again: not on the system's page, not on the confirm page.
    let page = admin.get(system).await;
    assert!(!page.body.contains(&token), "the secret is shown once");
    assert!(page.body.contains("生产环境"));
    assert!(
        page.body.contains(&token[..10]),
        "the prefix tells tokens apart"
    );
    let confirm = admin
        .get(&format!("/console/admin/tokens/{id}/revoke"))
        .await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("确认吊销令牌"), "{}", confirm.body);
    assert!(confirm.body.contains("不能撤回"));
    assert!(!confirm.body.contains(&token));

    // Revoking, from the confirm step: the API refuses the token at once.
    let done = post_from(
        &mut admin,
        &format!("/console/admin/tokens/{id}/revoke"),
        &format!("/console/admin/tokens/{id}/revoke"),
        &[],
    )
    .await;
    assert_eq!(
        (done.status, done.location()),
        (
            StatusCode::SEE_OTHER,
            format!("{system}?revoked={id}").as_str()
        ),
        "{}",
        done.body
    );
    let page = admin.get(done.location()).await;
    assert!(
        page.body.contains(&format!("已吊销令牌：{id}")),
        "{}",
        page.body
    );
    assert!(page.body.contains("已吊销"));
    let (s, v) = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    // A second revocation says it was done already.
    let again = post_from(
        &mut admin,
        system,
        &format!("/console/admin/tokens/{id}/revoke"),
        &[],
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("该令牌已吊销"));

    let target = format!("token:{id}");
    for action in ["token.issue", "token.revoke"] {
        let items = sealed(&app, action, &target).await;
        assert_eq!(items.len(), 1, "{action}: {items:?}");
        assert_eq!(items[0]["actor_person"], json!("admin"));
    }
    let (_, all) = app
        .get(
            "/api/v1/audit/entries?limit=500",
            Some(&app.login("auditor").await),
        )
        .await;
    assert!(!all.to_string().contains(&token), "never the secret");
}

#[tokio::test]
async fn registering_a_system_reports_every_problem_at_once_and_names_are_escaped() {
    let app = app().await;
    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let new = "/console/admin/systems/new";
    let p = post_from(
        &mut admin,
        new,
        new,
        &[("code", "Bad Code"), ("name", ""), ("org", "")],
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    for field in ["code", "name", "org"] {
        assert!(
            p.body.contains(&format!("href=\"#{field}\"")),
            "{field}: {}",
            p.body
        );
        assert!(p.body.contains(&format!("id=\"{field}-error\"")), "{field}");
    }
    assert!(p.body.contains("请选择所属单位"));
    assert!(p.body.contains("value=\"Bad Code\""), "input kept");

    let p = post_from(
        &mut admin,
        new,
        new,
        &[
            ("code", "xss-sys"),
            ("name", XSS),
            ("name_en", XSS),
            ("org", "d-a"),
            ("description", XSS),
        ],
    )
    .await;
    assert_eq!(
        (p.status, p.location()),
        (
            StatusCode::SEE_OTHER,
            "/console/admin/systems/xss-sys?done=registered"
        ),
        "{}",
        p.body
    );
    for path in [
        "/console/admin/systems/xss-sys?done=registered",
        "/console/admin/systems?org=d-a",
    ] {
        let page = admin.get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("<img"), "{path}: {}", page.body);
        assert!(
            page.body.contains("&#60;img src=x"),
            "{path}: {}",
            page.body
        );
    }
    let list = admin.get("/console/admin/systems?org=d-b").await;
    assert!(!list.body.contains("xss-sys"), "filtered by organisation");
    // The same code again: at the code field.
    let p = post_from(
        &mut admin,
        new,
        new,
        &[("code", "xss-sys"), ("name", "重复"), ("org", "d-a")],
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("系统代码已存在"), "{}", p.body);
    assert_eq!(
        sealed(&app, "system.register", "system:xss-sys")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn accounts_are_created_given_roles_disabled_and_enabled_and_each_change_is_sealed() {
    let app = app().await;
    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let new = "/console/admin/accounts/new";
    let p = post_from(&mut admin, new, new, &[("password", "short")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    for field in ["username", "display_name", "org", "roles", "password"] {
        assert!(
            p.body.contains(&format!("href=\"#{field}\"")),
            "{field}: {}",
            p.body
        );
    }
    assert!(p.body.contains("密码至少 10 位"), "the API's password rule");
    assert!(!p.body.contains("short"), "a password is never echoed");

    let p = post_from(
        &mut admin,
        new,
        new,
        &[
            ("username", "new.person"),
            ("display_name", XSS),
            ("org", "d-b"),
            ("role", "consumer_user"),
            ("password", "Fresh-pass-2026"),
        ],
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let account = "/console/admin/accounts/new.person";
    let page = admin.get(p.location()).await;
    assert!(page.body.contains("已创建账号"), "{}", page.body);
    assert!(!page.body.contains("<img"), "{}", page.body);
    let list = admin.get("/console/admin/accounts?org=d-b").await;
    assert!(list.body.contains("new.person"));
    assert!(list.body.contains("&#60;img src=x"), "{}", list.body);
    assert!(!list.body.contains("<img"));
    assert!(list.body.contains("数据使用人员"));
    let session = app.login_with("new.person", "Fresh-pass-2026").await;

    // Roles: at least one; then the person holds exactly the chosen ones.
    let p = post_from(&mut admin, account, &format!("{account}/roles"), &[]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.body.contains("请至少选择一个角色"), "{}", p.body);
    assert!(p.body.contains("href=\"#roles\""));
    let p = post_from(
        &mut admin,
        account,
        &format!("{account}/roles"),
        &[("role", "data_steward")],
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let (_, me) = app.get("/api/v1/me", Some(&session)).await;
    assert_eq!(
        me["account"]["roles"],
        json!([{"role": "data_steward", "org": "d-b"}]),
        "{me}"
    );

    // Disabling ends the sessions at once; enabling lets the person sign in again.
    let p = post_from(
        &mut admin,
        account,
        &format!("{account}/status"),
        &[("action", "disable")],
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let page = admin.get(p.location()).await;
    assert!(page.body.contains("账号已停用"));
    let (s, _) = app.get("/api/v1/me", Some(&session)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "new.person", "password": "Fresh-pass-2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let p = post_from(
        &mut admin,
        account,
        &format!("{account}/status"),
        &[("action", "enable")],
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    app.login_with("new.person", "Fresh-pass-2026").await;

    // Nobody locks themselves out.
    let own = "/console/admin/accounts/admin";
    let p = post_from(
        &mut admin,
        own,
        &format!("{own}/status"),
        &[("action", "disable")],
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.body.contains("不能停用自己的账号"), "{}", p.body);
    let p = post_from(
        &mut admin,
        own,
        &format!("{own}/roles"),
        &[("role", "auditor")],
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body.contains("不能取消自己的平台管理员角色"),
        "{}",
        p.body
    );

    for action in [
        "account.create",
        "account.roles",
        "account.disable",
        "account.enable",
    ] {
        let items = sealed(&app, action, "account:new.person").await;
        assert_eq!(items.len(), 1, "{action}: {items:?}");
        assert_eq!(items[0]["actor_person"], json!("admin"), "{action}");
    }
    let roles = sealed(&app, "account.roles", "account:new.person").await;
    let details = roles[0].to_string();
    assert!(
        details.contains("consumer_user@d-b") && details.contains("data_steward@d-b"),
        "before and after: {details}"
    );
    let (_, all) = app
        .get(
            "/api/v1/audit/entries?limit=500",
            Some(&app.login("auditor").await),
        )
        .await;
    assert!(!all.to_string().contains("Fresh-pass-2026"));
}

#[tokio::test]
async fn operator_forms_refuse_cross_site_posts() {
    let app = app().await;
    let (s, issued) = app
        .post(
            "/api/v1/systems/d-a-sys/tokens",
            Some(&app.login("admin").await),
            json!({"name": "exchange"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{issued}");
    let id = issued["id"].as_i64().unwrap();
    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let token = admin.get("/console/").await.csrf();
    let cases: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/console/admin/systems/new".into(),
            vec![("code", "evil-sys"), ("name", "x"), ("org", "d-a")],
        ),
        (
            "/console/admin/systems/d-a-sys/tokens".into(),
            vec![("name", "evil"), ("ttl", "90")],
        ),
        (format!("/console/admin/tokens/{id}/revoke"), vec![]),
        (
            "/console/admin/accounts/new".into(),
            vec![
                ("username", "evil.person"),
                ("display_name", "x"),
                ("org", "d-a"),
                ("role", "platform_admin"),
                ("password", "Evil-pass-2026"),
            ],
        ),
        (
            "/console/admin/accounts/steward.a/roles".into(),
            vec![("role", "auditor")],
        ),
        (
            "/console/admin/accounts/steward.a/status".into(),
            vec![("action", "disable")],
        ),
        ("/console/admin/conversions/1/accept".into(), vec![]),
    ];
    let evil = [("origin", "https://evil.example")];
    for (path, form) in cases {
        let mut with_token = vec![("csrf", token.as_str())];
        with_token.extend(form.iter().copied());
        let p = admin.post_with(&path, &with_token, &evil).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{path}: {}", p.body);
        assert!(p.body.contains("请求未被接受"), "{}", p.body);
        let p = admin.post(&path, &form).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{path} without a token");
    }
    let store = app.store().await;
    assert!(store.get_system("evil-sys").await.is_err());
    assert!(store.get_account("evil.person").await.is_err());
    let tokens = store.list_tokens(Some("d-a-sys".into())).await.unwrap();
    assert_eq!(tokens.len(), 1);
    assert!(tokens[0].revoked_at.is_none());
    let steward = store.get_account("steward.a").await.unwrap();
    assert!(!steward.disabled);
    assert_eq!(steward.roles[0].role, Role::DataSteward);
}

fn person(user: &str, role: Role, org: &str) -> Principal {
    Principal::Person {
        username: user.into(),
        org: org.into(),
        roles: vec![RoleBinding {
            role,
            org: org.into(),
        }],
    }
}

#[tokio::test]
async fn the_figures_link_to_their_lists_and_a_conversion_is_accepted_by_its_provider() {
    let app = app().await;
    let store = app.store().await;
    let (_, cond) = testkit::share_fixture(&store).await;
    // Six departments approved: the sixth approval proposes sharing it unconditionally.
    for org in testkit::CONSUMERS {
        let req: AccessRequest = serde_json::from_value(access(org, &cond)).unwrap();
        let a = store
            .apply(person(&format!("user.{org}"), Role::ConsumerUser, org), req)
            .await
            .unwrap();
        store
            .approve_application(
                person("steward.a", Role::DataSteward, "d-a"),
                a.id,
                Approval::default(),
            )
            .await
            .unwrap();
    }

    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let stats = admin.get("/console/admin/stats").await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.body);
    for text in [
        "平台统计",
        "目录资源",
        "共享申请",
        "近 30 天接口调用",
        "href=\"/console/supervision\"",
        "href=\"/console/review\"",
        "href=\"/console/admin/conversions?status=proposed\"",
        "href=\"/console/admin/accounts?status=disabled\"",
        "<th scope=\"row\">有效授权</th><td class=\"figure\">6</td>",
        "待决定的转换提议",
        "href=\"/console/admin/systems?org=c1\"",
        "href=\"/console/admin/accounts?org=d-a\"",
    ] {
        assert!(stats.body.contains(text), "{text}: {}", stats.body);
    }

    // The operator follows it; only the provider's steward decides.
    let page = admin
        .get("/console/admin/conversions?status=proposed")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&cond), "{}", page.body);
    assert!(page.body.contains("等待提供单位的数据管理员决定"));
    assert!(
        !page.body.contains("/accept\""),
        "not the operator's to accept"
    );
    let p = post_from(
        &mut admin,
        "/console/admin/conversions",
        "/console/admin/conversions/1/accept",
        &[],
    )
    .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.body.contains("只有提供方"), "{}", p.body);

    let mut other = Browser::signed_in(&app.base, "steward.b", PASSWORD).await;
    let page = other.get("/console/admin/conversions").await;
    assert!(page.body.contains("没有符合条件的转换提议"), "not its own");

    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let page = steward.get("/console/admin/conversions").await;
    assert!(
        page.body
            .contains("action=\"/console/admin/conversions/1/accept\""),
        "{}",
        page.body
    );
    let p = post_from(
        &mut steward,
        "/console/admin/conversions",
        "/console/admin/conversions/1/accept",
        &[],
    )
    .await;
    assert_eq!(
        (p.status, p.location()),
        (
            StatusCode::SEE_OTHER,
            "/console/admin/conversions?done=accepted"
        )
    );
    let page = steward.get(p.location()).await;
    assert!(page.body.contains("已接受转换提议"), "{}", page.body);
    let page = admin.get("/console/admin/conversions").await;
    assert!(
        page.body
            .contains(&format!("href=\"/console/review/{cond}\"")),
        "the operator publishes it: {}",
        page.body
    );
}

#[tokio::test]
async fn reviewers_see_the_proposals_waiting_for_them_with_the_basis_and_the_fields() {
    let app = app().await;
    let (open, _) = testkit::share_fixture(&app.store().await).await;
    let steward = app.login("steward.a").await;
    let (s, p) = app
        .post(
            "/api/v1/share/negative-proposals",
            Some(&steward),
            json!({"resource": open, "action": "add", "legal_basis": "《保守国家秘密法》第九条", "reason": XSS}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let id = p["id"].as_i64().unwrap();

    let mut legal = Browser::signed_in(&app.base, "legal", PASSWORD).await;
    let home = legal.get("/console/").await;
    assert!(home.body.contains("href=\"/console/reviews\""));
    assert!(!home.body.contains("href=\"/console/admin/systems\""));
    let page = legal.get("/console/reviews").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for text in [
        "待我审核的负面清单提议",
        "法制审核人员",
        "列入负面清单：法人基础信息",
        "《保守国家秘密法》第九条",
        "公民身份号码",
        "核心（仅核验）",
        "&#60;img src=x",
        &format!("href=\"/console/negative-proposals/{id}\""),
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(!page.body.contains("<img"));

    // Once the legal office has reviewed, it leaves the legal queue, not the secrecy one.
    let (s, v) = app
        .post(
            &format!("/api/v1/share/negative-proposals/{id}/review"),
            Some(&app.login("legal").await),
            json!({"decision": "approve", "opinion": "同意"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let page = legal.get("/console/reviews").await;
    assert!(
        page.body.contains("目前没有等待您审核的提议"),
        "{}",
        page.body
    );
    let mut secrecy = Browser::signed_in(&app.base, "secrecy", PASSWORD).await;
    let page = secrecy.get("/console/reviews").await;
    assert!(page
        .body
        .contains(&format!("href=\"/console/negative-proposals/{id}\"")));
    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let page = admin.get("/console/reviews").await;
    assert!(page
        .body
        .contains(&format!("href=\"/console/negative-proposals/{id}\"")));
}

#[tokio::test]
async fn operator_pages_speak_english_when_chosen() {
    let app = app().await;
    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    admin.get("/console/lang/en").await;
    for (path, heading) in [
        (
            "/console/admin/systems",
            "Information systems and their tokens",
        ),
        (
            "/console/admin/systems/new",
            "Register an information system",
        ),
        ("/console/admin/systems/d-a-sys", "Information system: "),
        ("/console/admin/accounts", "Accounts and roles"),
        ("/console/admin/accounts/new", "Create an account"),
        ("/console/admin/accounts/steward.a", "Account: "),
        ("/console/admin/stats", "Platform figures"),
        (
            "/console/admin/conversions",
            "Proposals to share unconditionally",
        ),
        (
            "/console/reviews",
            "Negative-list proposals waiting for my review",
        ),
    ] {
        let p = admin.get(path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}");
        assert!(p.body.contains("<html lang=\"en\">"), "{path}");
        assert!(
            p.body.contains(&format!("<h1>{heading}")),
            "{path}: {}",
            p.body
        );
    }
}

#[tokio::test]
async fn the_api_changes_roles_and_status_by_the_same_rules() {
    let app = app().await;
    let admin = app.login("admin").await;
    let steward = app.login("steward.a").await;
    let roles = json!({"roles": [{"role": "auditor", "org": "op"}]});
    let (s, _) = app
        .put(
            "/api/v1/accounts/user.a/roles",
            Some(&steward),
            roles.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .put("/api/v1/accounts/user.a/roles", Some(&admin), roles)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["roles"], json!([{"role": "auditor", "org": "op"}]));
    let (s, v) = app
        .put(
            "/api/v1/accounts/user.a/roles",
            Some(&admin),
            json!({"roles": []}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .post("/api/v1/accounts/admin/disable", Some(&admin), json!({}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .post("/api/v1/accounts/user.a/disable", Some(&admin), json!({}))
        .await;
    assert_eq!((s, v["disabled"].as_bool()), (StatusCode::OK, Some(true)));
    let (s, _) = app
        .post("/api/v1/accounts/user.a/disable", Some(&admin), json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, v) = app
        .post("/api/v1/accounts/user.a/enable", Some(&admin), json!({}))
        .await;
    assert_eq!((s, v["disabled"].as_bool()), (StatusCode::OK, Some(false)));
    assert_eq!(
        sealed(&app, "account.disable", "account:user.a")
            .await
            .len(),
        1
    );
}

/// The data-element registry as the console lists it: every element with its code set, each
/// code set with its codes, in both languages; the operator's additions marked as such.
#[tokio::test]
async fn the_registry_lists_elements_and_their_codes() {
    let app = app().await;
    let admin = app.login("admin").await;
    let (s, v) = app
        .post(
            "/api/v1/quality/code-sets",
            Some(&admin),
            json!({"id": "HNHJ", "standard": "DB46/T 0001-2026", "name": XSS,
                   "codes": [{"code": "1", "label": "农业"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let mut b = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let page = b.get("/console/elements").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for text in [
        "数据元与代码集",
        "XBDM",
        "GB/T 2261.1",
        "未说明的性别",
        "基诺族",
        "平台登记",
    ] {
        assert!(page.body.contains(text), "{text} missing:\n{}", page.body);
    }
    assert!(!page.body.contains(XSS), "names are escaped");
    b.get("/console/lang/en").await;
    let page = b.get("/console/elements").await;
    for text in [
        "Data elements and code sets",
        "sex codes",
        "national standard",
    ] {
        assert!(page.body.contains(text), "{text} missing:\n{}", page.body);
    }
    let mut nobody = Browser::new(&app.base);
    let page = nobody.get("/console/elements").await;
    assert!(page.status.is_redirection(), "{}", page.status);
}
