//! The audit log from the command line: receipts kept across a killed server, `audit verify`
//! finding tampering, and witnesses cosigning checkpoints.
use super::*;

/// A server killed (SIGKILL) while it seals lookups loses none of the entries it handed out
/// receipts for: after the kill each is in the log with the leaf hash its receipt names, and
/// the log verifies. (On SQLite they may still have been in the audit journal at the kill.)
#[test]
fn a_killed_server_keeps_every_entry_it_gave_a_receipt_for() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    assert!(run(&db, DEMO).0);
    let (ok, tokens, err) = run(&db, &["demo-tokens"]);
    assert!(ok, "{err}");
    let token = tokens
        .lines()
        .find_map(|l| l.strip_prefix("hi-rst-sbxt\t"))
        .expect("the demo's 社保系统 token")
        .to_string();
    // No rate limit: a 429 carries no receipt.
    let (mut child, url) = serve(&db, &["--exchange-rate", "0"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let receipts: Vec<(u64, String)> = rt.block_on(async {
        let client = reqwest::Client::new();
        let callers: Vec<_> = (0..8)
            .map(|t| {
                let (client, url, token) = (client.clone(), url.clone(), token.clone());
                tokio::spawn(async move {
                    let mut got = Vec::new();
                    // No such record: the answer is a 404 that carries its receipt.
                    for i in 0.. {
                        let key = format!("46000019900101{t}{i:05}");
                        let answer = client
                            .get(format!("{url}/api/v1/exchange/101001-000001/records/{key}"))
                            .bearer_auth(&token)
                            .send()
                            .await;
                        let Ok(answer) = answer else { break };
                        let status = answer.status();
                        // Cut off mid-answer by the kill: not acknowledged.
                        let Ok(v) = answer.json::<serde_json::Value>().await else {
                            break;
                        };
                        let r = &v["receipt"];
                        match (
                            status.as_u16(),
                            r["index"].as_u64(),
                            r["leaf_hash"].as_str(),
                        ) {
                            (404, Some(i), Some(leaf)) => got.push((i, leaf.to_string())),
                            _ => panic!("{status}, not a sealed lookup: {v}"),
                        }
                    }
                    got
                })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        child.kill().unwrap();
        let mut all = Vec::new();
        for c in callers {
            all.extend(c.await.unwrap());
        }
        all
    });
    let _ = child.wait();
    assert!(receipts.len() > 20, "only {} receipts", receipts.len());
    let (ok, out, err) = run(&db, &["audit", "verify"]);
    assert!(ok && out.contains("verified"), "{out}{err}");
    let log = rusqlite::Connection::open(shuqiao_service::db::audit_path(&db)).unwrap();
    for (index, leaf) in &receipts {
        let entry: Vec<u8> = log
            .query_row(
                "SELECT entry FROM audit_entries WHERE idx = ?1",
                [index],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("entry {index}, acknowledged, is gone: {e}"));
        let hash = shuqiao_core::audit::merkle::leaf_hash(&entry);
        assert_eq!(hex::encode(hash), *leaf, "entry {index}");
    }
}

/// The audit log through the CLI: sealed, verified from the database and from an export,
/// and every kind of tampering found at its first bad index.
#[test]
fn audit_verify_finds_tampering_at_the_first_bad_index() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    std::fs::create_dir(&base).unwrap();
    let db = base.join("s.db").display().to_string();
    let key = dir.path().join("audit.key").display().to_string();
    assert!(run(&db, DEMO).0);
    let (ok, out, err) = run(&db, &["audit", "seal", "--audit-key-file", &key]);
    assert!(ok, "{err}");
    assert!(out.contains("log size"), "{out}");
    // A second batch, so there are two checkpoints.
    assert!(
        run(
            &db,
            &[
                "catalog",
                "retire",
                "101001-000002",
                "--reason",
                "测试",
                "--as",
                "admin"
            ]
        )
        .0
    );
    assert!(run(&db, &["audit", "seal", "--audit-key-file", &key]).0);
    // The log lives in its own file beside the database.
    let audit_file = shuqiao_service::db::audit_path(&db);
    assert!(std::path::Path::new(&audit_file).exists(), "{audit_file}");
    let size: u64 = rusqlite::Connection::open(&audit_file)
        .unwrap()
        .query_row("SELECT size FROM audit_head", [], |r| r.get(0))
        .unwrap();
    assert!(size > 100);

    let (ok, out, err) = run(&db, &["audit", "verify", "--audit-key-file", &key]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("verified") && out.contains("checkpoints checked: 2"),
        "{out}"
    );
    let export = dir.path().join("audit.jsonl").display().to_string();
    assert!(run(&db, &["audit", "export", &export, "--audit-key-file", &key]).0);
    let (_, public_key, _) = run(&db, &["audit", "public-key", "--audit-key-file", &key]);
    let (ok, out, _) = run(
        &db,
        &[
            "audit",
            "verify",
            "--export",
            &export,
            "--public-key",
            public_key.trim(),
        ],
    );
    assert!(ok && out.contains("verified"), "{out}");

    let other_key =
        shuqiao_core::audit::note::NoteSigner::new("shuqiao.local/audit", [9u8; 32]).unwrap();
    let forged_note = other_key.sign(
        &shuqiao_core::audit::note::Checkpoint {
            origin: "shuqiao.local/audit".into(),
            size,
            root: [0u8; 32],
        }
        .body(),
    );
    let cases: Vec<(&str, String, u64)> = vec![
        ("change", "UPDATE audit_entries SET entry = (SELECT entry FROM audit_entries WHERE idx = 11) WHERE idx = 10".into(), 10),
        ("delete", "DELETE FROM audit_entries WHERE idx = 20".into(), 20),
        ("swap", "UPDATE audit_entries SET entry = CASE idx WHEN 30 THEN (SELECT entry FROM audit_entries WHERE idx = 31) ELSE (SELECT entry FROM audit_entries WHERE idx = 30) END WHERE idx IN (30, 31)".into(), 30),
        ("truncate", format!("DELETE FROM audit_entries WHERE idx >= {}", size - 5), size - 5),
        ("forge", format!("UPDATE audit_checkpoints SET note = '{forged_note}' WHERE size = {size}"), size - 1),
    ];
    for (name, sql, first_bad) in cases {
        let case_dir = dir.path().join(name);
        std::fs::create_dir(&case_dir).unwrap();
        for f in std::fs::read_dir(&base).unwrap() {
            let f = f.unwrap();
            if f.path().is_file() {
                std::fs::copy(f.path(), case_dir.join(f.file_name())).unwrap();
            }
        }
        let case_db = case_dir.join("s.db").display().to_string();
        rusqlite::Connection::open(shuqiao_service::db::audit_path(&case_db))
            .unwrap()
            .execute_batch(&sql)
            .unwrap();
        let (ok, out, err) = run(&case_db, &["audit", "verify", "--audit-key-file", &key]);
        assert!(!ok, "{name}: tampering went unnoticed\n{out}");
        assert!(
            err.contains(&format!("first bad index {first_bad}")),
            "{name}: {out}{err}"
        );
    }
}

/// The tree size in a checkpoint note (its second line).
fn checkpoint_size(note: &str) -> u64 {
    note.lines().nth(1).unwrap().parse().unwrap()
}

/// A witness keeps state between cosignatures: it cosigns a growing log only with a valid
/// consistency proof from the last checkpoint it cosigned, and refuses a smaller checkpoint, a
/// fork, a checkpoint the proof does not lead to, and a proof between other sizes.
#[test]
fn witness_cosigns_a_growing_log_and_refuses_inconsistent_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let db = path("s.db");
    let key = path("audit.key");
    let wkey = path("witness.key");
    let retire = |code: &str| {
        let (ok, _, err) = run(
            &db,
            &[
                "catalog", "retire", code, "--reason", "测试", "--as", "admin",
            ],
        );
        assert!(ok, "{err}");
        assert!(run(&db, &["audit", "seal", "--audit-key-file", &key]).0);
    };
    let checkpoint = |name: &str| {
        let (ok, note, err) = run(&db, &["audit", "checkpoint", "--audit-key-file", &key]);
        assert!(ok, "{err}");
        std::fs::write(path(name), &note).unwrap();
        (path(name), checkpoint_size(&note))
    };
    let prove = |name: &str, from: u64, to: u64| {
        let (ok, out, err) = run(
            &db,
            &[
                "audit",
                "consistency-proof",
                "--from",
                &from.to_string(),
                "--to",
                &to.to_string(),
            ],
        );
        assert!(ok, "{err}");
        std::fs::write(path(name), out).unwrap();
        path(name)
    };
    assert!(run(&db, DEMO).0);
    assert!(run(&db, &["audit", "seal", "--audit-key-file", &key]).0);
    let (_, log_key, _) = run(&db, &["audit", "public-key", "--audit-key-file", &key]);
    let log_key = log_key.trim().to_string();
    let (ok, witness, err) = run(
        &db,
        &[
            "audit",
            "witness-key",
            "--witness-key-file",
            &wkey,
            "--name",
            "witness.haikou",
        ],
    );
    assert!(ok, "{err}");
    let witness = witness.trim().to_string();
    let cosign = |cp: &str, proof: Option<&str>| {
        let mut args = vec![
            "audit",
            "cosign",
            "--checkpoint",
            cp,
            "--witness-key-file",
            &wkey,
            "--log-key",
            &log_key,
        ];
        if let Some(p) = proof {
            args.extend(["--proof", p]);
        }
        run(&db, &args)
    };
    let store_cosignature = |cosigned: &str, name: &str| {
        std::fs::write(path(name), cosigned).unwrap();
        let (ok, out, err) = run(
            &db,
            &[
                "audit",
                "add-cosignature",
                &path(name),
                "--witness",
                &witness,
                "--audit-key-file",
                &key,
            ],
        );
        assert!(ok && out.contains("witness.haikou"), "{out}{err}");
    };

    // First sight of the log: nothing to be consistent with yet.
    let (cp1, size1) = checkpoint("cp1.txt");
    let (ok, cosigned, err) = cosign(&cp1, None);
    assert!(ok, "{err}");
    store_cosignature(&cosigned, "cosigned1.txt");
    // The witness remembers what it cosigned, beside its key file.
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{wkey}.state")).unwrap()).unwrap();
    let remembered = state["logs"]["shuqiao.local/audit"].as_str().unwrap();
    assert_eq!(checkpoint_size(remembered), size1);

    // The log grows: a proof from the cosigned size is required, and then accepted.
    retire("101001-000002");
    let (cp2, size2) = checkpoint("cp2.txt");
    assert!(size2 > size1);
    let (ok, _, err) = cosign(&cp2, None);
    assert!(!ok && err.contains("--proof"), "{err}");
    let proof12 = prove("p12.json", size1, size2);
    let (ok, cosigned, err) = cosign(&cp2, Some(&proof12));
    assert!(ok, "{err}");
    store_cosignature(&cosigned, "cosigned2.txt");
    let (ok, out, err) = run(
        &db,
        &[
            "audit",
            "verify",
            "--audit-key-file",
            &key,
            "--witness",
            &witness,
        ],
    );
    assert!(ok, "{out}{err}");
    assert!(
        out.contains(&format!(
            "witness.haikou cosigned sizes: [{size1}, {size2}]"
        )),
        "{out}"
    );

    // Refusals. The forgeries are signed with the log's real key: only the witness's memory
    // of what it cosigned stands between them and a cosignature.
    let log = shuqiao_service::audit::AuditKeys::load(std::path::Path::new(&key)).unwrap();
    let forge = |name: &str, size: u64, root: [u8; 32]| {
        let note = log.signer.sign(
            &shuqiao_core::audit::note::Checkpoint {
                origin: log.signer.name().to_string(),
                size,
                root,
            }
            .body(),
        );
        std::fs::write(path(name), note).unwrap();
        path(name)
    };
    // An older checkpoint: the log would be rolling back.
    let (ok, _, err) = cosign(&cp1, None);
    assert!(!ok && err.contains("smaller"), "{err}");
    // The same size with another root: a fork.
    let fork = forge("fork.txt", size2, [7u8; 32]);
    let (ok, _, err) = cosign(&fork, None);
    assert!(!ok && err.contains("分叉") && err.contains("fork"), "{err}");
    // A larger tree whose root the genuine proof does not lead to.
    retire("101001-000003");
    let (cp3, size3) = checkpoint("cp3.txt");
    let proof23 = prove("p23.json", size2, size3);
    let forged = forge("forged3.txt", size3, [9u8; 32]);
    let (ok, _, err) = cosign(&forged, Some(&proof23));
    assert!(!ok && err.contains("does not verify"), "{err}");
    // A proof between other sizes.
    let proof13 = prove("p13.json", size1, size3);
    let (ok, _, err) = cosign(&cp3, Some(&proof13));
    assert!(
        !ok && err.contains(&format!("not from size {size2}")),
        "{err}"
    );
    // None of that moved the witness: the genuine checkpoint still cosigns.
    let (ok, cosigned, err) = cosign(&cp3, Some(&proof23));
    assert!(ok, "{err}");
    store_cosignature(&cosigned, "cosigned3.txt");
}
