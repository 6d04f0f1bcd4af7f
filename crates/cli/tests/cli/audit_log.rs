//! The audit log's records beside the sealed bytes — query columns, the head, checkpoints,
//! the journal — tampered with on disk, then `audit verify` and `serve` run as processes.
use super::*;

/// A demo database with its log sealed in `rounds + 1` batches (a checkpoint each), in
/// `dir/base`: the database path, the key file and the log's size.
fn sealed_demo(dir: &std::path::Path, rounds: usize) -> (String, String, u64) {
    let base = dir.join("base");
    std::fs::create_dir(&base).unwrap();
    let db = base.join("s.db").display().to_string();
    let key = dir.join("audit.key").display().to_string();
    assert!(run(&db, DEMO).0);
    assert!(run(&db, &["audit", "seal", "--audit-key-file", &key]).0);
    let (_, list, _) = run(&db, &["catalog", "search", "--limit", "200"]);
    let codes = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| c.contains('-'))
        .skip(2);
    let mut sealed = 0;
    for code in codes {
        if sealed == rounds {
            break;
        }
        let retire = [
            "catalog", "retire", code, "--reason", "测试", "--as", "admin",
        ];
        if run(&db, &retire).0 {
            assert!(run(&db, &["audit", "seal", "--audit-key-file", &key]).0);
            sealed += 1;
        }
    }
    assert_eq!(sealed, rounds, "not enough resources to retire");
    let size = audit_file(&db)
        .query_row("SELECT size FROM audit_head", [], |r| r.get(0))
        .unwrap();
    (db, key, size)
}

fn audit_file(db: &str) -> rusqlite::Connection {
    rusqlite::Connection::open(shuqiao_service::db::audit_path(db)).unwrap()
}

/// A copy of the three files of `db` in `dir/name`.
fn copy_of(db: &str, dir: &std::path::Path, name: &str) -> String {
    let to = dir.join(name);
    std::fs::create_dir(&to).unwrap();
    for f in std::fs::read_dir(std::path::Path::new(db).parent().unwrap()).unwrap() {
        let f = f.unwrap();
        if f.path().is_file() {
            std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
        }
    }
    to.join("s.db").display().to_string()
}

/// `serve` must refuse to start: it exits non-zero within a few seconds, saying why.
fn serve_refuses(db: &str, key: &str) -> String {
    let mut child = shuqiao(db)
        .args(["serve", "--listen", "127.0.0.1:0", "--audit-key-file", key])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            assert!(!status.success(), "{err}");
            return err;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("serve started on a damaged audit log ({db})");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn verify_and_serve_catch_tampering_outside_the_sealed_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (db, key, size) = sealed_demo(dir.path(), 1);
    let first: u64 = audit_file(&db)
        .query_row("SELECT MIN(size) FROM audit_checkpoints", [], |r| r.get(0))
        .unwrap();
    assert!(first > 100 && size > first);
    let (_, checkpoint, _) = run(&db, &["audit", "checkpoint", "--audit-key-file", &key]);
    let kept = dir.path().join("kept-checkpoint.txt");
    std::fs::write(&kept, &checkpoint).unwrap();
    let (ok, out, err) = run(&db, &["audit", "verify", "--audit-key-file", &key]);
    assert!(ok && out.contains("verified"), "{out}{err}");

    // An entry's `resource` column, which queries filter on, is not in the hashed bytes.
    let column = copy_of(&db, dir.path(), "column");
    audit_file(&column)
        .execute(
            "UPDATE audit_entries SET resource = '999999-000001' WHERE idx = 7",
            [],
        )
        .unwrap();
    let (ok, out, err) = run(&column, &["audit", "verify", "--audit-key-file", &key]);
    assert!(!ok, "a changed column went unnoticed\n{out}");
    assert!(
        err.contains("first bad index 7") && out.contains("resource"),
        "{out}{err}"
    );

    // The last entries deleted with their checkpoint: the earlier checkpoint still matches.
    let cut = copy_of(&db, dir.path(), "cut");
    audit_file(&cut)
        .execute_batch(&format!(
            "DELETE FROM audit_entries WHERE idx >= {first};
             DELETE FROM audit_checkpoints WHERE size > {first};"
        ))
        .unwrap();
    let (ok, out, err) = run(&cut, &["audit", "verify", "--audit-key-file", &key]);
    assert!(!ok, "a log cut short went unnoticed\n{out}");
    assert!(
        err.contains(&format!("first bad index {first}")) && out.contains("head records"),
        "{out}{err}"
    );
    let refused = serve_refuses(&cut, &key);
    assert!(
        refused.contains(&format!("head records {size} entries")),
        "{refused}"
    );

    // The same with the head rewritten to match, within a batch: the journal still has it.
    let rewritten = copy_of(&db, dir.path(), "rewritten");
    audit_file(&rewritten)
        .execute_batch(&format!(
            "DELETE FROM audit_entries WHERE idx >= {cut};
             DELETE FROM audit_checkpoints WHERE size > {cut};
             UPDATE audit_head SET size = {cut};",
            cut = first - 5
        ))
        .unwrap();
    let refused = serve_refuses(&rewritten, &key);
    assert!(
        refused.contains("audit journal") && refused.contains("missing from the audit file"),
        "{refused}"
    );

    // Head and journal made consistent with the cut: only a checkpoint kept elsewhere
    // shows it.
    let consistent = copy_of(&db, dir.path(), "consistent");
    let root: Vec<u8> = {
        let note = shuqiao_core::audit::note::SignedNote::parse(
            &audit_file(&db)
                .query_row(
                    "SELECT note FROM audit_checkpoints WHERE size = ?1",
                    [first],
                    |r| r.get::<_, String>(0),
                )
                .unwrap(),
        )
        .unwrap();
        shuqiao_core::audit::note::Checkpoint::parse_body(&note.body)
            .unwrap()
            .root
            .to_vec()
    };
    let c = audit_file(&consistent);
    c.execute_batch(&format!(
        "DELETE FROM audit_entries WHERE idx >= {first};
         DELETE FROM audit_checkpoints WHERE size > {first};"
    ))
    .unwrap();
    c.execute(
        "UPDATE audit_head SET size = ?1, root = ?2",
        rusqlite::params![first, root],
    )
    .unwrap();
    drop(c);
    std::fs::write(shuqiao_service::audit::journal_path(&consistent), b"").unwrap();
    let (ok, out, err) = run(&consistent, &["audit", "verify", "--audit-key-file", &key]);
    assert!(ok, "nothing inside the files tells\n{out}{err}");
    let (ok, out, err) = run(
        &consistent,
        &[
            "audit",
            "verify",
            "--audit-key-file",
            &key,
            "--checkpoint",
            kept.to_str().unwrap(),
        ],
    );
    assert!(!ok, "the kept checkpoint went unchecked\n{out}");
    assert!(
        out.contains("truncated") && err.contains(&format!("first bad index {first}")),
        "{out}{err}"
    );
}

/// One altered entry early in the log fails every later checkpoint: the report sums them up
/// instead of a line each.
#[test]
fn verify_summarises_the_checkpoints_a_bad_entry_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let (db, key, _) = sealed_demo(dir.path(), 14);
    audit_file(&db)
        .execute(
            "UPDATE audit_entries SET entry = (SELECT entry FROM audit_entries WHERE idx = 11)
             WHERE idx = 10",
            [],
        )
        .unwrap();
    let (ok, out, err) = run(&db, &["audit", "verify", "--audit-key-file", &key]);
    assert!(!ok && err.contains("first bad index 10"), "{out}{err}");
    let detail = out
        .lines()
        .filter(|l| l.starts_with("问题 problem"))
        .count();
    assert!(detail <= 10, "one line per problem:\n{out}");
    assert!(
        out.contains("checkpoints not matching the replayed tree: 15 (at index 10)")
            && out.contains("entries altered or missing: 1 (at index 10)")
            && out.contains("more"),
        "{out}"
    );
}
