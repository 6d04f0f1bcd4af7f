//! Operator commands as processes: the demo, searching, accounts and tokens, serving, and
//! the sealing of who ran each command.
use super::*;

#[test]
fn demo_then_search_show_and_admin_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    let (ok, _, err) = run(&db, DEMO);
    assert!(ok, "{err}");
    assert!(err.contains("已载入"), "{err}");

    let (ok, out, _) = run(&db, &["catalog", "search", "人口"]);
    assert!(ok);
    assert!(
        out.lines().nth(1).unwrap().contains("全员人口基础信息"),
        "{out}"
    );
    let (ok, out, _) = run(&db, &["catalog", "show", "101001-000001"]);
    assert!(ok && out.contains("\"published_version\": 1"), "{out}");
    let (ok, _, err) = run(&db, &["catalog", "search", "--share-type", "maybe"]);
    assert!(!ok && err.contains("unconditional"), "{err}");

    // A steward catalogues from a file; bad input names the field and changes nothing.
    let file = dir.path().join("r.json");
    let mut meta = serde_json::to_value(shuqiao_service::testkit::sample_meta()).unwrap();
    meta["provider"] = "hi-gat".into();
    meta["provider_unit"] = serde_json::Value::Null;
    meta["systems"] = serde_json::json!([]);
    meta["legal_basis"] = serde_json::Value::Null;
    std::fs::write(&file, meta.to_string()).unwrap();
    let (ok, _, err) = run(
        &db,
        &[
            "catalog",
            "create",
            file.to_str().unwrap(),
            "--as",
            "steward.gat",
        ],
    );
    assert!(!ok && err.contains("legal_basis"), "{err}");
    meta["legal_basis"] = "《中华人民共和国居民身份证法》".into();
    std::fs::write(&file, meta.to_string()).unwrap();
    let (ok, _, err) = run(
        &db,
        &[
            "catalog",
            "create",
            file.to_str().unwrap(),
            "--as",
            "steward.rst",
        ],
    );
    assert!(
        !ok && err.contains("hi-gat"),
        "another department's steward is refused: {err}"
    );
    let (ok, out, err) = run(
        &db,
        &[
            "catalog",
            "create",
            file.to_str().unwrap(),
            "--as",
            "steward.gat",
        ],
    );
    assert!(ok, "{err}");
    let code = out.split_whitespace().last().unwrap().to_string();
    assert!(run(&db, &["catalog", "submit", &code, "--as", "steward.gat"]).0);
    assert!(!run(&db, &["catalog", "publish", &code, "--as", "steward.gat"]).0);
    let (ok, out, _) = run(&db, &["catalog", "publish", &code, "--as", "admin"]);
    assert!(ok && out.contains("version 1"), "{out}");

    // Tokens: issued once on stdout, listed without the secret, revocable.
    let (ok, token, _) = run(
        &db,
        &[
            "admin",
            "issue-token",
            "--system",
            "hi-gat-rkxt",
            "--name",
            "cli",
            "--as",
            "admin",
        ],
    );
    assert!(ok && token.trim().starts_with("sq_"), "{token}");
    let (_, list, _) = run(&db, &["admin", "tokens", "--system", "hi-gat-rkxt"]);
    assert!(!list.contains(token.trim()));
}

#[test]
fn create_admin_on_a_fresh_database_and_serve_on_a_random_port() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db").display().to_string();
    let (ok, _, err) = run(
        &db,
        &[
            "admin",
            "create-admin",
            "--username",
            "root.admin",
            "--name",
            "管理员",
            "--password",
            "short",
        ],
    );
    assert!(!ok && err.contains("password"), "{err}");
    let (ok, out, err) = run(
        &db,
        &[
            "admin",
            "create-admin",
            "--username",
            "root.admin",
            "--name",
            "管理员",
            "--password",
            "Strong-pass-2026",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("root.admin"));

    let (mut child, url) = serve(&db, &["--count-sqlite-memory"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (status, body, memory) = rt.block_on(async {
        let c = reqwest::Client::new();
        let r = c
            .post(format!("{url}/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "root.admin", "password": "Strong-pass-2026"}))
            .send()
            .await
            .unwrap();
        let (status, body) = (r.status(), r.text().await.unwrap());
        let session = serde_json::from_str::<serde_json::Value>(&body).unwrap()["session"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let memory: serde_json::Value = c
            .get(format!("{url}/api/v1/admin/memory"))
            .bearer_auth(session)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (status, body, memory)
    });
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("platform_admin"));
    // Asked to, SQLite counts its memory (page caches and statements), a part of the whole.
    let rss = memory["rss_bytes"].as_u64().unwrap();
    let sqlite = memory["sqlite_bytes"].as_u64().unwrap();
    assert!(rss > sqlite && sqlite > 0, "{memory}");
    assert!(memory["sqlite_peak_bytes"].as_u64().unwrap() >= sqlite);
}

/// Tokens issued and revoked, systems registered and the first admin created from the CLI are
/// sealed into the audit log with who did it (`--as`), never with the token itself; only a
/// platform administrator may do them.
#[test]
fn admin_commands_are_sealed_with_who_ran_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    let (ok, _, err) = run(
        &db,
        &[
            "admin",
            "create-admin",
            "--username",
            "root.admin",
            "--name",
            "管理员",
            "--password",
            "Strong-pass-2026",
        ],
    );
    assert!(ok, "{err}");
    let register = |actor: &str| {
        run(
            &db,
            &[
                "admin",
                "register-system",
                "--code",
                "ops-sys",
                "--name",
                "运维系统",
                "--org",
                "hi-dsjj",
                "--as",
                actor,
            ],
        )
    };
    assert!(register("root.admin").0);
    let issue = |actor: Option<&str>| {
        let mut args = vec!["admin", "issue-token", "--system", "ops-sys", "--name", "t"];
        if let Some(a) = actor {
            args.extend(["--as", a]);
        }
        run(&db, &args)
    };
    let (ok, _, err) = issue(None);
    assert!(
        !ok && err.contains("--as"),
        "who is acting must be named: {err}"
    );
    let (ok, _, err) = issue(Some("nobody.here"));
    assert!(!ok, "{err}");
    let (ok, token, err) = issue(Some("root.admin"));
    assert!(ok, "{err}");
    let token = token.trim().to_string();
    let (_, list, _) = run(&db, &["admin", "tokens"]);
    let id = list.split_whitespace().next().unwrap().to_string();
    assert!(run(&db, &["admin", "revoke-token", &id, "--as", "root.admin"]).0);

    let (ok, _, err) = run(&db, &["audit", "seal"]);
    assert!(ok, "{err}");
    let export = dir.path().join("log.jsonl");
    let (ok, _, err) = run(&db, &["audit", "export", export.to_str().unwrap()]);
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&export).unwrap();
    assert!(!text.contains(&token), "the token is never logged");
    assert!(!text.contains("Strong-pass-2026"), "nor a password");
    let entries: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("entry").cloned())
        .collect();
    let find = |action: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("{action} sealed: {entries:?}"))
            .clone()
    };
    let boot = find("admin.bootstrap");
    assert_eq!(
        (boot["resource"].as_str(), boot["actor_org"].as_str()),
        (Some("account:root.admin"), Some("hi-dsjj"))
    );
    for action in ["system.register", "token.issue", "token.revoke"] {
        assert_eq!(find(action)["actor_person"], "root.admin", "{action}");
    }
    assert_eq!(find("token.revoke")["resource"], format!("token:{id}"));

    // A disabled administrator acts as nobody.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE accounts SET disabled = 1 WHERE username = 'root.admin'",
            [],
        )
        .unwrap();
    let (ok, _, err) = issue(Some("root.admin"));
    assert!(!ok && err.contains("disabled"), "{err}");
}
