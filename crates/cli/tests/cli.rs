//! The CLI as a process.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn shuqiao(db: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_shuqiao"));
    c.env("SHUQIAO_DATABASE", db).env_remove("SHUQIAO_LOG");
    c
}

fn run(db: &str, args: &[&str]) -> (bool, String, String) {
    let out = shuqiao(db).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn demo_then_search_show_and_admin_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    let (ok, _, err) = run(&db, &["demo"]);
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
    let mut meta = serde_json::to_value(shuqiao_store::testkit::sample_meta()).unwrap();
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

    let mut child = shuqiao(&db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
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
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (status, body) = rt.block_on(async {
        let c = reqwest::Client::new();
        let r = c
            .post(format!("{url}/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "root.admin", "password": "Strong-pass-2026"}))
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    });
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("platform_admin"));
}
