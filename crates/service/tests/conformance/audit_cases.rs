//! The audit log's records beside its sealed bytes (run on SQLite and PostgreSQL): query
//! columns, the subject index and the recorded size, changed behind the store's back.
use std::sync::atomic::AtomicI64;
use std::sync::Arc;

use shuqiao_service::Store;

use super::{test_audit_keys, test_entry};

/// Runs `sql` on the database's audit tables from outside the store (SQLite: the audit file).
fn tamper(url: &str, sql: &str) {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        if url.starts_with("postgres") {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            c.batch_execute(&sql).unwrap();
        } else {
            rusqlite::Connection::open(shuqiao_service::db::audit_path(&url))
                .unwrap()
                .execute_batch(&sql)
                .unwrap();
        }
    })
    .join()
    .unwrap();
}

/// What the store's verification stream finds wrong beside the sealed bytes.
async fn problems(s: &Store) -> Vec<(u64, String)> {
    let mut found = Vec::new();
    s.audit()
        .check_stream(|_| {}, |i, what| found.push((i, what)))
        .await
        .unwrap();
    found
}

/// A changed query column, a subject index row deleted or added, and a log cut short with
/// its checkpoints are all found; a store does not open on the last.
pub async fn audit_records_beside_the_sealed_bytes_are_checked(
    s: Store,
    _t: Arc<AtomicI64>,
    url: String,
) {
    // Four entries a span; 30 entries indexed, 3 more above the index's mark.
    let s = s.with_audit(test_audit_keys()).with_subject_span_bits(2);
    s.audit()
        .append((0..30).map(test_entry).collect())
        .await
        .unwrap();
    // SQLite: the index takes up what the journal has moved into the audit file.
    s.audit().spread().await.unwrap();
    while s.audit().index_subjects().await.unwrap() {}
    s.audit()
        .append((30..33).map(test_entry).collect())
        .await
        .unwrap();
    assert_eq!(problems(&s).await, vec![], "an intact log");

    tamper(
        &url,
        "UPDATE audit_entries SET resource = '999999-000001' WHERE idx = 5",
    );
    let found = problems(&s).await;
    assert!(
        found.len() == 1 && found[0].0 == 5 && found[0].1.contains("resource"),
        "{found:?}"
    );
    tamper(
        &url,
        "UPDATE audit_entries SET resource = '101001-000001' WHERE idx = 5;
         UPDATE audit_entries SET subjects = NULL WHERE idx = 31",
    );
    let found = problems(&s).await;
    assert!(
        found.len() == 1 && found[0].0 == 31 && found[0].1.contains("subjects"),
        "above the mark queries read the column: {found:?}"
    );
    tamper(
        &url,
        "UPDATE audit_entries SET subjects = 'subject-1' WHERE idx = 31;
         DELETE FROM audit_subject_index WHERE idx = 9;
         INSERT INTO audit_subject_index (span, subject, idx) VALUES (3, 'subject-0', 13);
         INSERT INTO audit_subject_index (span, subject, idx) VALUES (40, 'subject-0', 20);",
    );
    let found: Vec<u64> = problems(&s).await.into_iter().map(|(i, _)| i).collect();
    assert_eq!(found, vec![9, 13, 20], "one missing, two extra");

    // The last entries deleted with their checkpoints, the head left as it was.
    tamper(
        &url,
        "DELETE FROM audit_entries WHERE idx >= 30; DELETE FROM audit_checkpoints WHERE size > 30",
    );
    let extent = s.audit().extent().await.unwrap();
    assert_eq!((extent.head_size, extent.entries_end), (33, 30));
    assert!(extent.refusal().is_some());
    let err = Store::open(&url)
        .await
        .err()
        .expect("opened a log cut short");
    assert!(err.to_string().contains("head records 33 entries"), "{err}");
    let inspect = Store::open_to_inspect(&url).await.unwrap();
    assert_eq!(inspect.audit().extent().await.unwrap().entries_end, 30);
}
