//! The schema cases of the conformance suite (run on SQLite and PostgreSQL).
use super::*;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;

pub async fn migrations_are_versioned(s: Store, _t: Arc<AtomicI64>, url: String) {
    let latest = shuqiao_service::db::migrate::MIGRATIONS
        .last()
        .unwrap()
        .version;
    assert_eq!(s.schema_version().await.unwrap(), latest);
    assert!(s.is_empty().await.unwrap());
    // Opening again applies nothing new and keeps the data.
    fixture(&s).await;
    let again = Store::open(&url).await.unwrap();
    assert_eq!(again.schema_version().await.unwrap(), latest);
    assert!(!again.is_empty().await.unwrap());
}
