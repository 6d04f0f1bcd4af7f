//! Backups from the command line: taken while the server seals calls, restored only once a
//! scratch copy verifies, never over an existing database.
use super::*;

/// Lookups through `url` until `stop` (or `most` of them), each answer's receipt (index,
/// leaf hash) kept.
async fn call_until(
    url: String,
    token: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    most: u64,
) -> Vec<(u64, String)> {
    let client = reqwest::Client::new();
    let mut got = Vec::new();
    for i in 0..most {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        let key = format!("4600001990010{i:05}");
        let v = client
            .get(format!("{url}/api/v1/exchange/101001-000001/records/{key}"))
            .bearer_auth(&token)
            .send()
            .await;
        // A server that ended is reported after the callers stop, with its log.
        let Ok(answer) = v else { break };
        let Ok(v) = answer.json::<serde_json::Value>().await else {
            break;
        };
        let r = &v["receipt"];
        got.push((
            r["index"].as_u64().expect("a sealed lookup"),
            r["leaf_hash"].as_str().unwrap().to_string(),
        ));
    }
    got
}

fn count(db: &str, sql: &str) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_backup_taken_while_serving_restores_verified_and_a_damaged_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    assert!(run(&db, DEMO).0);
    let (_, tokens, _) = run(&db, &["demo-tokens"]);
    let token = tokens
        .lines()
        .find_map(|l| l.strip_prefix("hi-rst-sbxt\t"))
        .unwrap()
        .to_string();
    let (ok, key, err) = run(&db, &["audit", "public-key"]);
    assert!(ok, "{err}");
    let key = key.trim().to_string();
    // The server's log is kept: if it ends while the backup runs, the log says why.
    let server_log = dir.path().join("server.log");
    let mut child = shuqiao(&db)
        .args(["serve", "--listen", "127.0.0.1:0", "--exchange-rate", "0"])
        .env("RUST_BACKTRACE", "1")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&server_log).unwrap())
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
    let backup = dir.path().join("backup");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (before, during) = rt.block_on(async {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let before = call_until(url.clone(), token.clone(), stop.clone(), 30).await;
        // The backup runs as its own process while callers go on sealing.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let callers: Vec<_> = (0..4)
            .map(|_| {
                tokio::spawn(call_until(
                    url.clone(),
                    token.clone(),
                    stop.clone(),
                    u64::MAX,
                ))
            })
            .collect();
        let (ok, out, err) = run(&db, &["backup", backup.to_str().unwrap()]);
        assert!(ok, "{out}{err}");
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut during = 0;
        for c in callers {
            during += c.await.unwrap().len();
        }
        (before, during)
    });
    let ended = child.try_wait().unwrap();
    assert!(
        ended.is_none(),
        "the server ended ({ended:?}) while the backup ran:\n{}",
        std::fs::read_to_string(&server_log).unwrap()
    );
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(before.len(), 30, "every call before the backup answered");
    assert!(during > 0, "no call answered while the backup ran");

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(backup.join("backup.json")).unwrap())
            .unwrap();
    let tree_size = manifest["tree_size"].as_u64().unwrap();
    let records = manifest["records"].as_i64().unwrap();
    assert!(records > 0);

    // Restored: the log verifies, and holds what the manifest says and every entry
    // acknowledged before the backup began.
    let restored = dir.path().join("restored/s.db").display().to_string();
    let (ok, out, err) = run(
        &restored,
        &["restore", backup.to_str().unwrap(), "--public-key", &key],
    );
    assert!(ok && out.contains("verified"), "{out}{err}");
    let (ok, out, err) = run(&restored, &["audit", "verify", "--public-key", &key]);
    assert!(ok && out.contains("verified"), "{out}{err}");
    let audit = shuqiao_service::db::audit_path(&restored);
    assert_eq!(
        count(&audit, "SELECT COUNT(*) FROM audit_entries") as u64,
        tree_size
    );
    assert_eq!(count(&restored, "SELECT COUNT(*) FROM records"), records);
    let log = rusqlite::Connection::open(&audit).unwrap();
    for (index, leaf) in &before {
        let entry: Vec<u8> = log
            .query_row(
                "SELECT entry FROM audit_entries WHERE idx = ?1",
                [index],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("entry {index}, acknowledged before the backup: {e}"));
        assert_eq!(
            hex::encode(shuqiao_core::audit::merkle::leaf_hash(&entry)),
            *leaf
        );
    }

    // Never over an existing database.
    let (ok, _, err) = run(
        &restored,
        &["restore", backup.to_str().unwrap(), "--public-key", &key],
    );
    assert!(!ok && err.contains("never overwrites"), "{err}");

    // A backup whose log was altered, or that lacks its journal, is refused, and nothing is
    // put in place.
    let damaged = dir.path().join("damaged");
    std::fs::create_dir(&damaged).unwrap();
    for f in std::fs::read_dir(&backup).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, damaged.join(f.file_name().unwrap())).unwrap();
    }
    rusqlite::Connection::open(damaged.join("audit.db"))
        .unwrap()
        .execute(
            "UPDATE audit_entries SET entry = CAST(entry || X'00' AS BLOB) WHERE idx = 1",
            [],
        )
        .unwrap();
    let target = dir.path().join("never/s.db").display().to_string();
    let (ok, out, err) = run(
        &target,
        &["restore", damaged.to_str().unwrap(), "--public-key", &key],
    );
    assert!(!ok && err.contains("does not verify"), "{out}{err}");
    assert!(!std::path::Path::new(&target).exists());
    std::fs::remove_file(backup.join("journal.log")).unwrap();
    let (ok, _, err) = run(
        &target,
        &["restore", backup.to_str().unwrap(), "--public-key", &key],
    );
    assert!(!ok && err.contains("lacks"), "{err}");
    assert!(!std::path::Path::new(&target).exists());
}
