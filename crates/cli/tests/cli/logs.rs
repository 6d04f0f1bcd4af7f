//! What the server writes to its log: never a secret, never a clear identifier.
use super::*;

/// A full run at the most detailed log level — sign-ins right and wrong, a token issued and
/// used, lookups and 核验 of a citizen by ID number and name, a member of the public
/// registering and reading with an open-data key, a webhook registered, the console signed
/// into — leaves no password, session, token, key, webhook secret, form token, ID number or
/// name in the server's log.
#[test]
fn the_log_of_a_full_run_holds_no_secret_and_no_clear_identifier() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    assert!(run(&db, DEMO).0);
    let (_, tokens, _) = run(&db, &["demo-tokens"]);
    let demo_token = tokens
        .lines()
        .find_map(|l| l.strip_prefix("hi-rst-sbxt\t"))
        .unwrap()
        .to_string();
    let log_path = dir.path().join("server.log");
    let mut child = shuqiao(&db)
        .args(["serve", "--listen", "127.0.0.1:0", "--exchange-rate", "0"])
        .env("SHUQIAO_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    const ID: &str = "460106199003071235";
    const NAME: &str = "王海燕";
    const WRONG: &str = "Not-the-password-9";
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (session, issued, more) = rt.block_on(async {
        let c = reqwest::Client::new();
        let login = |password: &'static str| {
            c.post(format!("{url}/api/v1/auth/login"))
                .json(&serde_json::json!({"username": "admin", "password": password}))
                .send()
        };
        assert_eq!(login(WRONG).await.unwrap().status(), 401);
        let v: serde_json::Value = login(shuqiao_demo::ADMIN_PASSWORD)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = v["session"].as_str().unwrap().to_string();
        let v: serde_json::Value = c
            .post(format!("{url}/api/v1/systems/hi-rst-sbxt/tokens"))
            .bearer_auth(&session)
            .json(&serde_json::json!({"name": "log-check"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let issued = v["token"].as_str().unwrap().to_string();
        for token in [&issued, &demo_token] {
            let r = c
                .get(format!("{url}/api/v1/exchange/101001-000001/records/{ID}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let r = c
                .post(format!("{url}/api/v1/exchange/101001-000001/verify"))
                .bearer_auth(token)
                .json(&serde_json::json!({"key": ID, "claims": {"XM": NAME}}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
        // A token that is not one, and a wrong one of the right shape.
        for bad in [
            "sq_not-a-token",
            "sq_0000000000000000000000000000000000000000000000000000000000000000",
        ] {
            let r = c
                .get(format!("{url}/api/v1/exchange/101001-000001/records/{ID}"))
                .bearer_auth(bad)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401);
        }
        let more = public_key_webhook_and_console(&c, &url).await;
        (session, issued, more)
    });
    child.kill().unwrap();
    let _ = child.wait();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.lines().count() > 20,
        "the log is too short to judge:\n{log}"
    );
    let secrets = [
        (
            "the admin's password",
            shuqiao_demo::ADMIN_PASSWORD.to_string(),
        ),
        ("a wrong password", WRONG.to_string()),
        ("the session", session.clone()),
        (
            "the session's hex",
            session.trim_start_matches("sqs_").to_string(),
        ),
        ("the issued token", issued.clone()),
        (
            "the issued token's hex",
            issued.trim_start_matches("sq_").to_string(),
        ),
        ("the demo token", demo_token.clone()),
        ("the ID number", ID.to_string()),
        ("the name", NAME.to_string()),
    ];
    for (what, secret) in secrets.into_iter().chain(more) {
        let seen: Vec<&str> = log
            .lines()
            .filter(|l| l.contains(&secret))
            .take(3)
            .collect();
        assert!(
            seen.is_empty(),
            "{what} is in the server's log:\n{}",
            seen.join("\n")
        );
    }
}

/// Secrets of the public side, webhooks and the console, each used once: a member's password,
/// session and open-data key (applied for, approved by the provider, read with), a webhook's
/// signing secret, the console's sign-in form token, session cookie and a page's form token.
async fn public_key_webhook_and_console(
    c: &reqwest::Client,
    url: &str,
) -> Vec<(&'static str, String)> {
    const MEMBER_PASSWORD: &str = "Member-pass-2026";
    let post = |path: &str, auth: Option<&str>, body: serde_json::Value| {
        let mut r = c.post(format!("{url}{path}")).json(&body);
        if let Some(a) = auth {
            r = r.bearer_auth(a);
        }
        async move {
            let r = r.send().await.unwrap();
            let status = r.status().as_u16();
            (
                status,
                r.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }
    };
    let (s, v) = post(
        "/api/v1/public/register",
        None,
        serde_json::json!({"username": "log.public", "display_name": "李四", "kind": "person",
            "contact": "li@example.cn", "password": MEMBER_PASSWORD}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let login = |user: &'static str, password: &'static str| {
        let f = post(
            "/api/v1/auth/login",
            None,
            serde_json::json!({"username": user, "password": password}),
        );
        async move { f.await.1["session"].as_str().unwrap().to_string() }
    };
    let member = login("log.public", MEMBER_PASSWORD).await;
    let found: serde_json::Value = c
        .get(format!("{url}/api/3/action/package_search?rows=1000"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let conditional = found["result"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["extras"].as_array().unwrap().iter().any(|e| {
                e["key"] == "open_type"
                    && e["value"] == shuqiao_core::catalog::OpenType::Conditional.label_zh()
            })
        })
        .expect("the demo releases a dataset open on conditions")
        .clone();
    let (s, applied) = post(
        "/api/v1/open/applications",
        Some(&member),
        serde_json::json!({"dataset": conditional["name"], "purpose": "研究企业分布", "accept_agreement": true}),
    )
    .await;
    assert_eq!(s, 201, "{applied}");
    let id = applied["id"].as_i64().unwrap();
    let provider = conditional["organization"]["name"].as_str().unwrap();
    let steward_name = format!("steward.{}", shuqiao_demo::dept_suffix(provider));
    let steward: &'static str = Box::leak(steward_name.into_boxed_str());
    let steward = login(steward, shuqiao_demo::STEWARD_PASSWORD).await;
    let (s, v) = post(
        &format!("/api/v1/open/applications/{id}/answer"),
        Some(&steward),
        serde_json::json!({"approve": true, "quota_per_day": 5, "days": 30}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = post(
        &format!("/api/v1/open/applications/{id}/key"),
        Some(&member),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let key = v["key"].as_str().unwrap().to_string();
    let read = c
        .get(format!(
            "{url}/api/3/action/datastore_search?limit=1&resource_id={}",
            conditional["resources"][0]["id"].as_str().unwrap()
        ))
        .header("authorization", &key)
        .send()
        .await
        .unwrap();
    assert!(read.status().as_u16() < 500, "{}", read.status());

    let admin = login("admin", shuqiao_demo::ADMIN_PASSWORD).await;
    let (s, hook) = post(
        "/api/v1/webhooks",
        Some(&admin),
        serde_json::json!({"org": provider, "url": "https://93.184.215.14/hook"}),
    )
    .await;
    assert_eq!(s, 201, "{hook}");
    let webhook_secret = hook["secret"].as_str().unwrap().to_string();

    // The console: the sign-in form's token (a cookie and a hidden field), then the session
    // cookie, then the token a signed-in page's forms carry.
    // Its sign-in answers with a redirect that carries the session cookie: not followed.
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = c.get(format!("{url}/console/login")).send().await.unwrap();
    let login_token = cookie(&form, "shuqiao_login");
    let signed = c
        .post(format!("{url}/console/login"))
        .header("cookie", format!("shuqiao_login={login_token}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "username=admin&password={}&csrf={login_token}",
            shuqiao_demo::ADMIN_PASSWORD
        ))
        .send()
        .await
        .unwrap();
    let console_session = cookie(&signed, "shuqiao_session");
    let page = c
        .get(format!("{url}/console/"))
        .header("cookie", format!("shuqiao_session={console_session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form_token = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a signed-in page carries a form token")
        .to_string();
    vec![
        ("a member's password", MEMBER_PASSWORD.to_string()),
        ("a member's session", member),
        ("an open-data key", key.clone()),
        (
            "an open-data key's hex",
            key.trim_start_matches("sqo_").to_string(),
        ),
        ("a webhook's secret", webhook_secret),
        ("the console's sign-in form token", login_token),
        ("the console's session", console_session),
        ("a console page's form token", form_token),
    ]
}

/// The value of the cookie `name` a response sets.
fn cookie(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_string()
}
