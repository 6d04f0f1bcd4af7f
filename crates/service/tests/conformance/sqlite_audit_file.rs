//! SQLite keeps the audit log in a file of its own beside the database (`db::SqliteDb`).
use shuqiao_core::audit::entry::Entry;
use shuqiao_service::Store;

use super::{test_audit_keys as keys, test_entry as entry};

fn table_sql(path: &str, table: &str) -> Option<String> {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = ?1",
            [table],
            |r| r.get(0),
        )
        .ok()
}

/// A database from before the move (its log in the main file, an entry still pending)
/// is moved on opening: same checkpoint, same proofs, the pending entry sealed once.
#[tokio::test(flavor = "multi_thread")]
async fn an_older_database_moves_its_log_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    // A log made by today's code, to copy into the old layout.
    let a = Store::open(&path("a.db")).await.unwrap().with_audit(keys());
    let mut receipts = Vec::new();
    for round in 0..4 {
        receipts.extend(
            a.audit()
                .append((0..5).map(|i| entry(round * 5 + i)).collect())
                .await
                .unwrap(),
        );
    }
    let checkpoint = a.audit().checkpoint().await.unwrap();

    let old = path("old.db");
    let c = rusqlite::Connection::open(&old).unwrap();
    c.execute_batch(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .unwrap();
    for m in shuqiao_service::db::migrate::MIGRATIONS
        .iter()
        .filter(|m| m.version < shuqiao_service::db::migrate::AUDIT_FILE_VERSION)
    {
        c.execute_batch(m.sqlite).unwrap();
        c.execute(
            "INSERT INTO schema_migrations VALUES (?1, ?2, 0)",
            rusqlite::params![m.version, m.name],
        )
        .unwrap();
    }
    c.execute(
        "ATTACH DATABASE ?1 AS a",
        [shuqiao_service::db::audit_path(&path("a.db"))],
    )
    .unwrap();
    c.execute_batch(
        "UPDATE main.audit_head SET size = (SELECT size FROM a.audit_head), root = (SELECT root FROM a.audit_head);
         INSERT INTO main.audit_entries SELECT idx, entry, time, actor_org, actor_system,
             actor_person, action, resource, grant_id, purpose, result FROM a.audit_entries;
         INSERT INTO main.audit_nodes SELECT pos % 64, ((pos / 64 + 1) >> (pos % 64)) - 1, hash
             FROM a.audit_nodes;
         INSERT INTO main.audit_checkpoints SELECT * FROM a.audit_checkpoints;",
    )
    .unwrap();
    // The old layout indexed subjects as it sequenced.
    let subjects: Vec<(i64, String)> = c
        .prepare("SELECT idx, subjects FROM a.audit_entries WHERE subjects IS NOT NULL")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (idx, list) in &subjects {
        for s in list.split(' ') {
            c.execute(
                "INSERT INTO main.audit_subjects (subject, idx) VALUES (?1, ?2)",
                rusqlite::params![s, idx],
            )
            .unwrap();
        }
    }
    c.execute_batch("DETACH DATABASE a").unwrap();
    let waiting = Entry {
        action: "catalog.publish".into(),
        ..entry(99)
    };
    c.execute(
        "INSERT INTO audit_pending (entry, created_at) VALUES (?1, 0)",
        [serde_json::to_string(&waiting).unwrap()],
    )
    .unwrap();
    drop(c);

    let b = Store::open(&old).await.unwrap().with_audit(keys());
    assert!(std::path::Path::new(&shuqiao_service::db::audit_path(&old)).exists());
    assert_eq!(table_sql(&old, "audit_entries"), None, "moved, not copied");
    assert_eq!(
        table_sql(&old, "audit_subjects"),
        None,
        "the subject index moved too"
    );
    let audit_file = shuqiao_service::db::audit_path(&old);
    assert_eq!(table_sql(&audit_file, "audit_subjects"), None);
    assert!(
        table_sql(&audit_file, "audit_subject_index").is_some(),
        "and is laid out in spans"
    );
    assert!(table_sql(&old, "audit_pending")
        .unwrap()
        .contains("AUTOINCREMENT"));
    assert_eq!(b.audit().checkpoint().await.unwrap(), checkpoint);
    for r in receipts.iter().step_by(3) {
        assert_eq!(
            b.audit()
                .inclusion_proof(r.index, r.tree_size)
                .await
                .unwrap(),
            r.inclusion_proof,
            "entry {}",
            r.index
        );
    }
    assert_eq!(b.audit().seal_pending().await.unwrap(), 21);
    assert_eq!(b.audit().seal_pending().await.unwrap(), 21, "sealed once");
    assert_eq!(b.audit().entry(20).await.unwrap().0, waiting);
    // The old index counts as taken up; the entry sealed since is found in the tail, and
    // in the index once it has caught up.
    let of = |subject: &str| shuqiao_service::audit::AuditFilter {
        subject: Some(subject.into()),
        limit: 100,
        ..Default::default()
    };
    let before = b.audit_entries(of("subject-0")).await.unwrap();
    assert_eq!(before.total, 8, "{before:?}");
    assert_eq!(before.items[0].index, 20);
    assert!(!b.audit().index_subjects().await.unwrap());
    assert_eq!(b.audit_entries(of("subject-0")).await.unwrap(), before);
    // Opening again moves nothing twice.
    let again = Store::open(&old).await.unwrap().with_audit(keys());
    assert_eq!(again.audit().seal_pending().await.unwrap(), 21);
}

/// Appends an entry to a fresh database, removes one of its files (with its WAL), and
/// checks that opening it is refused `times` times, naming the file and `what`.
async fn refused_without(file: fn(&str) -> String, what: &str, times: usize) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    let s = Store::open(&db).await.unwrap().with_audit(keys());
    s.audit().append(vec![entry(0)]).await.unwrap();
    drop(s);
    let gone = file(&db);
    assert!(std::path::Path::new(&gone).exists(), "{gone}");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{gone}{suffix}"));
    }
    for _ in 0..times {
        let err = Store::open(&db).await.err().expect("opened without it");
        assert!(
            err.to_string().contains(what) && err.to_string().contains(&gone),
            "{err}"
        );
    }
}

/// A database whose audit file has gone missing does not start with an empty log.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_audit_file_is_refused() {
    refused_without(shuqiao_service::db::audit_path, "audit log file", 1).await;
}

/// Acknowledged entries wait in the audit journal until the spreader moves them: a
/// database whose journal has gone missing is refused too, and not only on the next start.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_audit_journal_is_refused() {
    refused_without(shuqiao_service::audit::journal_path, "audit journal", 2).await;
}

/// A store with the log on, on a new database in a temporary directory; the database's
/// path and its journal's.
async fn journaled_store() -> (tempfile::TempDir, String, String, Store) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    let journal = shuqiao_service::audit::journal_path(&db);
    let s = Store::open(&db).await.unwrap().with_audit(keys());
    (dir, db, journal, s)
}

/// A journal from an older backup than the audit file: nothing more is acknowledged (the
/// entries could never join the log), and the log that is there still reads.
#[tokio::test(flavor = "multi_thread")]
async fn a_journal_behind_the_audit_file_seals_nothing() {
    let (dir, db, journal, s) = journaled_store().await;
    s.audit().append(vec![entry(0)]).await.unwrap();
    // The backup: the journal holding the first batch only.
    let old = dir.path().join("old-journal").display().to_string();
    std::fs::copy(&journal, &old).unwrap();
    s.audit().append(vec![entry(1)]).await.unwrap();
    assert_eq!(s.audit().entry(1).await.unwrap().0, entry(1), "spread");
    drop(s);
    // The journal restored from that backup, the audit file not.
    std::fs::copy(&old, &journal).unwrap();
    let again = Store::open(&db).await.unwrap().with_audit(keys());
    let r = again.audit().append(vec![entry(2)]).await;
    assert!(r.is_err(), "{r:?}");
    assert_eq!(again.audit().entry(1).await.unwrap().0, entry(1));
}

/// The journal is read back after a crash: a batch torn in the middle of its write (never
/// acknowledged) is ignored, every whole one is kept, and the log goes on from there.
#[tokio::test(flavor = "multi_thread")]
async fn a_torn_journal_record_is_ignored_and_the_rest_kept() {
    let (_dir, db, journal, s) = journaled_store().await;
    s.audit().append(vec![entry(0)]).await.unwrap();
    let whole = std::fs::read(&journal).unwrap();
    s.audit().append(vec![entry(1), entry(2)]).await.unwrap();
    drop(s);
    // The second record torn: only its first 200 bytes reached the disk.
    let mut torn = std::fs::read(&journal).unwrap();
    assert!(
        torn.len() > whole.len(),
        "the second batch follows the first"
    );
    torn[whole.len() + 200..].fill(0);
    std::fs::write(&journal, &torn).unwrap();
    assert_eq!(
        shuqiao_service::audit::Journal::batches_in(&journal).unwrap(),
        vec![(0, 1)]
    );
    let again = Store::open(&db).await.unwrap().with_audit(keys());
    let next = again.audit().append(vec![entry(3)]).await.unwrap();
    assert_eq!((next[0].index, next[0].tree_size), (1, 2));
    assert_eq!(again.audit().entry(1).await.unwrap().0, entry(3));
    assert_eq!(
        shuqiao_service::audit::Journal::batches_in(&journal).unwrap(),
        vec![(0, 1), (1, 2)]
    );
}

/// Writes run ahead of the journal's sync, so a power cut may keep a batch and lose the
/// one before it. Nothing after the gap was acknowledged: opening clears it, and the log
/// goes on from the gap as if it had never been written.
#[tokio::test(flavor = "multi_thread")]
async fn a_batch_kept_after_a_lost_one_is_cleared_on_opening() {
    let (_dir, db, journal, s) = journaled_store().await;
    s.audit().append(vec![entry(0)]).await.unwrap();
    let first = std::fs::read(&journal).unwrap().len();
    s.audit().append(vec![entry(1)]).await.unwrap();
    let second = std::fs::read(&journal).unwrap().len();
    s.audit().append(vec![entry(2), entry(3)]).await.unwrap();
    drop(s);
    // The power cut: the second batch never reached the disk, the third did.
    let mut cut = std::fs::read(&journal).unwrap();
    cut[first..second].fill(0);
    std::fs::write(&journal, &cut).unwrap();
    assert_eq!(
        shuqiao_service::audit::Journal::batches_in(&journal).unwrap(),
        vec![(2, 4)],
        "the third batch alone is left at the journal's end"
    );
    let again = Store::open(&db).await.unwrap().with_audit(keys());
    assert_eq!(
        shuqiao_service::audit::Journal::batches_in(&journal).unwrap(),
        vec![(0, 1)],
        "cleared on opening"
    );
    let next = again.audit().append(vec![entry(5)]).await.unwrap();
    assert_eq!((next[0].index, next[0].tree_size), (1, 2));
    assert_eq!(again.audit().entry(0).await.unwrap().0, entry(0));
    assert_eq!(again.audit().entry(1).await.unwrap().0, entry(5));
    assert!(
        again.audit().entry(2).await.is_err(),
        "nothing of the lost batches"
    );
    let cp = again.audit().checkpoint().await.unwrap();
    drop(again);
    let third = Store::open(&db).await.unwrap().with_audit(keys());
    assert_eq!(
        third.audit().checkpoint().await.unwrap(),
        cp,
        "and it reads back"
    );
}

/// A database from before the journal was a file of its own: its SQLite journal's batches
/// (acknowledged, not yet in the audit file) are moved in when it opens, the old file is
/// removed, and the log goes on.
#[tokio::test(flavor = "multi_thread")]
async fn an_sqlite_journal_of_an_earlier_version_is_moved_in() {
    let (dir, db, _, s) = journaled_store().await;
    let mut receipts = s.audit().append(vec![entry(0), entry(1)]).await.unwrap();
    receipts.extend(s.audit().append(vec![entry(2)]).await.unwrap());
    drop(s);
    shuqiao_service::audit::journal_to_legacy(&db).unwrap();
    let legacy = dir.path().join("s-audit-journal.db");
    assert!(legacy.exists());
    let s = Store::open(&db).await.unwrap().with_audit(keys());
    assert!(!legacy.exists(), "moved in and removed");
    for (i, r) in receipts.iter().enumerate() {
        assert_eq!(s.audit().entry(i as u64).await.unwrap().0, entry(i as u64));
        assert_eq!(
            s.audit()
                .inclusion_proof(r.index, r.tree_size)
                .await
                .unwrap(),
            r.inclusion_proof
        );
    }
    let next = s.audit().append(vec![entry(3)]).await.unwrap();
    assert_eq!((next[0].index, next[0].tree_size), (3, 4));
    drop(s);
    let s = Store::open(&db).await.unwrap().with_audit(keys());
    assert_eq!(s.audit().entry(3).await.unwrap().0, entry(3));
}

/// The journal file is a ring: once it has passed its span (8 MiB) and the batches at its
/// start are in the audit file, writing starts there again; the file stops growing, and
/// what it holds reads back after a restart.
#[tokio::test(flavor = "multi_thread")]
async fn the_journal_file_is_written_round_and_read_back() {
    let (_dir, db, journal, s) = journaled_store().await;
    // One block (4 KiB) a batch: 3,000 batches are 12 MiB.
    let mut last = None;
    for i in 0..3_000u64 {
        last = Some(s.audit().append(vec![entry(i)]).await.unwrap());
        if i % 100 == 99 {
            s.audit().spread().await.unwrap();
        }
    }
    let len = std::fs::metadata(&journal).unwrap().len();
    assert!(len <= 9 << 20, "the journal grew to {len} bytes");
    let batches = shuqiao_service::audit::Journal::batches_in(&journal).unwrap();
    assert_eq!(batches.last(), Some(&(2_999, 3_000)));
    drop(s);
    let s = Store::open(&db).await.unwrap().with_audit(keys());
    let r = &last.unwrap()[0];
    assert_eq!(s.audit().entry(2_999).await.unwrap().0, entry(2_999));
    assert_eq!(
        s.audit()
            .inclusion_proof(r.index, r.tree_size)
            .await
            .unwrap(),
        r.inclusion_proof
    );
    let next = s.audit().append(vec![entry(3_000)]).await.unwrap();
    assert_eq!(next[0].index, 3_000);
}

/// The sequencer commits a batch to the journal; the audit file's tables have it once the
/// spreader has moved it, and every read of the log moves it first. Another process's
/// sequencer goes on from the journal's last batch.
#[tokio::test(flavor = "multi_thread")]
async fn journaled_batches_reach_the_audit_file_and_every_reader() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    let audit_size = || -> i64 {
        rusqlite::Connection::open(shuqiao_service::db::audit_path(&db))
            .unwrap()
            .query_row("SELECT size FROM audit_head", [], |r| r.get(0))
            .unwrap()
    };
    // Batches in the journal that the audit file does not hold yet.
    let journal_rows = || -> i64 {
        let held = audit_size() as u64;
        shuqiao_service::audit::Journal::batches_in(&shuqiao_service::audit::journal_path(&db))
            .unwrap()
            .iter()
            .filter(|(_, size)| *size > held)
            .count() as i64
    };
    let a = Store::open(&db).await.unwrap().with_audit(keys());
    let first = a.audit().append(vec![entry(0), entry(1)]).await.unwrap();
    assert_eq!(
        (audit_size(), journal_rows()),
        (0, 1),
        "committed to the journal only"
    );
    // A second process (a second store on the same files) appends after the first.
    let b = Store::open(&db).await.unwrap().with_audit(keys());
    let second = b.audit().append(vec![entry(2)]).await.unwrap();
    assert_eq!(second[0].index, 2);
    let third = a.audit().append(vec![entry(3)]).await.unwrap();
    assert_eq!((third[0].index, third[0].tree_size), (3, 4));
    assert_eq!(journal_rows(), 3);
    // Any read sees every acknowledged entry, and the proofs agree with the receipts.
    assert_eq!(b.audit().entry(3).await.unwrap().0, entry(3));
    assert_eq!((audit_size(), journal_rows()), (4, 0), "moved");
    for r in first.iter().chain(&second).chain(&third) {
        assert_eq!(
            a.audit()
                .inclusion_proof(r.index, r.tree_size)
                .await
                .unwrap(),
            r.inclusion_proof,
            "entry {}",
            r.index
        );
    }
    let checkpoint = a.audit().checkpoint().await.unwrap();
    assert!(checkpoint.contains("\n4\n"), "{checkpoint}");
    let scanned = b.audit().scan(0, 10).await.unwrap();
    assert_eq!(scanned.len(), 4);
    for e in &scanned {
        assert_eq!(
            e.recorded_leaf,
            Some(shuqiao_core::audit::merkle::leaf_hash(&e.canonical))
        );
    }
}
