//! One storage conformance suite, run against SQLite and against PostgreSQL
//! (the latter when SHUQIAO_TEST_PG_URL is set).
use shuqiao_core::account::{Principal, Role, RoleBinding};
use shuqiao_core::catalog::{ShareType, Status};
use shuqiao_core::DomainError;
use shuqiao_service::catalog::SearchQuery;
use shuqiao_service::testkit::{self, fixture, sample_meta};
use shuqiao_service::{Store, StoreError};

const T0: i64 = 1_790_000_000_000;

fn person(username: &str, role: Role, org: &str) -> Principal {
    Principal::Person {
        username: username.into(),
        org: org.into(),
        roles: vec![RoleBinding {
            role,
            org: org.into(),
        }],
    }
}
fn steward_a() -> Principal {
    person("steward.a", Role::DataSteward, "d-a")
}
fn steward_b() -> Principal {
    person("steward.b", Role::DataSteward, "d-b")
}
fn admin() -> Principal {
    person("admin", Role::PlatformAdmin, "op")
}

fn domain(e: StoreError) -> DomainError {
    match e {
        StoreError::Domain(d) => d,
        other => panic!("expected a domain error, got {other:?}"),
    }
}

fn invalid_fields(e: StoreError) -> Vec<String> {
    match domain(e) {
        DomainError::Invalid(errs) => errs.into_iter().map(|e| e.field).collect(),
        other => panic!("expected invalid, got {other:?}"),
    }
}

/// The field and reason of a one-field validation error.
fn invalid_fields_and_reason(e: StoreError) -> (String, &'static str) {
    match domain(e) {
        DomainError::Invalid(errs) => (errs[0].field.clone(), errs[0].reason),
        other => panic!("expected invalid, got {other:?}"),
    }
}

fn q(text: &str) -> SearchQuery {
    SearchQuery {
        q: Some(text.into()),
        limit: 20,
        ..Default::default()
    }
}

/// The audit keys the log's cases sign with.
fn test_audit_keys() -> shuqiao_service::audit::AuditKeys {
    let signer =
        shuqiao_core::audit::note::NoteSigner::new("test.shuqiao/audit", [5u8; 32]).unwrap();
    shuqiao_service::audit::AuditKeys {
        signer,
        subject_secret: [6u8; 32],
    }
}

/// An exchange lookup entry, the `i`-th of a series (three subjects in turn).
fn test_entry(i: u64) -> shuqiao_core::audit::entry::Entry {
    shuqiao_core::audit::entry::Entry {
        time: T0 + i as i64,
        actor_org: "d-a".into(),
        actor_system: Some("d-a-sys".into()),
        actor_person: None,
        action: "exchange.lookup".into(),
        resource: Some("101001-000001".into()),
        resource_version: Some(1),
        grant: Some("g1".into()),
        purpose: Some("测试".into()),
        result: "ok".into(),
        subjects: vec![format!("subject-{}", i % 3)],
    }
}

#[path = "conformance/accounts_cases.rs"]
mod accounts_cases;
#[path = "conformance/assess_alerts_cases.rs"]
mod assess_alerts_cases;
#[path = "conformance/assess_figures_cases.rs"]
mod assess_figures_cases;
#[path = "conformance/assess_systems_cases.rs"]
mod assess_systems_cases;
#[path = "conformance/audit_cases.rs"]
mod audit_cases;
#[path = "conformance/audit_log_cases.rs"]
mod audit_log_cases;
#[path = "conformance/catalog_cases.rs"]
mod catalog_cases;
#[path = "conformance/collect_cases.rs"]
mod collect_cases;
#[path = "conformance/exchange_cases.rs"]
mod exchange_cases;
#[path = "conformance/open_cases.rs"]
mod open_cases;
#[path = "conformance/quality_cases.rs"]
mod quality_cases;
#[path = "conformance/registry_cases.rs"]
mod registry_cases;
#[path = "conformance/schema_cases.rs"]
mod schema_cases;
#[path = "conformance/share_cases.rs"]
mod share_cases;
#[path = "conformance/subjects_cases.rs"]
mod subjects_cases;
#[path = "conformance/todos_cases.rs"]
mod todos_cases;
#[path = "conformance/workspace_cases.rs"]
mod workspace_cases;

/// Every case, by the name the engine runs it under.
mod cases {
    pub use super::accounts_cases::*;
    pub use super::assess_alerts_cases::*;
    pub use super::assess_figures_cases::*;
    pub use super::assess_systems_cases::*;
    pub use super::audit_cases::*;
    pub use super::audit_log_cases::*;
    pub use super::catalog_cases::*;
    pub use super::collect_cases::*;
    pub use super::exchange_cases::*;
    pub use super::open_cases::*;
    pub use super::quality_cases::*;
    pub use super::registry_cases::*;
    pub use super::schema_cases::*;
    pub use super::share_cases::*;
    pub use super::subjects_cases::*;
    pub use super::todos_cases::*;
    pub use super::workspace_cases::*;
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread")]
            async fn $case() {
                let (clock, t) = shuqiao_service::testkit::manual_clock(super::T0);
                let db = shuqiao_service::testkit::sqlite(clock).await;
                super::cases::$case(db.store.clone(), t, db.url.clone()).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread")]
            async fn $case() {
                let (clock, t) = shuqiao_service::testkit::manual_clock(super::T0);
                let Some(db) = shuqiao_service::testkit::postgres(clock).await else { return };
                super::cases::$case(db.store.clone(), t, db.url.clone()).await;
            })*
        }
    };
}

conformance!(
    migrations_are_versioned,
    lifecycle_and_versions,
    bad_input_changes_nothing,
    search_and_visibility,
    search_index_follows_other_replicas,
    audit_log_receipts_and_proofs,
    credentials,
    account_roles_and_status_changes,
    subjects_see_who_accessed_their_data,
    subject_index_spans_and_prefixes,
    audit_records_beside_the_sealed_bytes_are_checked,
    subscribe_apply_approve_revoke,
    deadlines_calendar_and_escalation,
    concurrent_approvals_make_one_decision,
    negative_list_needs_three_reviewers,
    todos_are_what_each_person_must_act_on,
    workspace_lists_each_state_and_stale_data,
    needs_responsibilities_and_conversion,
    webhook_outbox_retries,
    security_changes_are_sealed,
    login_throttle_is_per_account_and_address,
    collect_versions_history_and_snapshot,
    collect_bad_rows_policies_and_duplicates,
    collect_push_is_idempotent_and_overrides_are_audited,
    collect_upserts_merge_and_replacing_is_explicit,
    exchange_queries_feed_downloads_and_usage,
    hidden_keys_leave_as_pseudonyms_of_one_system,
    downloads_name_the_subjects_of_their_snapshot,
    lookups_go_on_while_an_import_holds_the_data,
    revocations_by_another_process_end_access_at_the_next_call,
    lookups_see_each_change_to_a_record_at_the_next_call,
    lookups_see_changes_written_outside_shuqiao,
    open_data_releases_copies_and_reads,
    objections_and_need_clocks_close_the_loop,
    one_source_per_element_flags_duplicate_collection,
    data_elements_code_sets_and_declared_labels,
    usage_alerts_from_a_known_scenario,
    systems_inventory_completion_and_zombies,
    assessment_figures_from_a_known_scenario,
);

#[path = "conformance/demo.rs"]
mod demo;

#[path = "conformance/sqlite_audit_file.rs"]
mod sqlite_audit_file;
