//! What the server writes to its log: never a secret, never a clear identifier.
use super::*;

/// A full run at the most detailed log level — sign-ins right and wrong, a token issued and
/// used, lookups and 核验 of a citizen by ID number and name — leaves no password, session,
/// token, ID number or name in the server's log.
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
    let (session, issued) = rt.block_on(async {
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
        (session, issued)
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
    for (what, secret) in secrets {
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
