//! Test support (feature `testkit`): a store on a temporary SQLite file, or on a fresh
//! PostgreSQL schema when `SHUQIAO_TEST_PG_URL` names a server.
use crate::{Clock, Store};

pub const PG_ENV: &str = "SHUQIAO_TEST_PG_URL";

/// A store and whatever keeps its database alive.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL server and schema to drop when the test is done.
    pg_schema: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Each PostgreSQL test gets its own schema; dropping it keeps the shared test database
        // from growing with every run. Best effort: a failure only leaves the schema behind.
        if let Some((base, schema)) = self.pg_schema.take() {
            let _ = std::thread::spawn(move || {
                if let Ok(mut c) = postgres::Client::connect(&base, postgres::NoTls) {
                    let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            })
            .join();
        }
    }
}

pub async fn sqlite(clock: Clock) -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = dir.path().join("test.db").display().to_string();
    let store = Store::open_with_clock(&url, clock)
        .await
        .expect("open sqlite");
    TestDb {
        store,
        url,
        _dir: Some(dir),
        pg_schema: None,
    }
}

/// A store on a new, empty schema of the PostgreSQL server in `SHUQIAO_TEST_PG_URL`, or
/// `None` (with a note on stderr) when the variable is unset.
pub async fn postgres(clock: Clock) -> Option<TestDb> {
    let Ok(base) = std::env::var(PG_ENV) else {
        eprintln!("SKIPPED the PostgreSQL half: {PG_ENV} is not set");
        return None;
    };
    let schema = format!("t_{}", hex_id());
    let b = base.clone();
    let s = schema.clone();
    tokio::task::spawn_blocking(move || {
        let mut c = postgres::Client::connect(&b, postgres::NoTls).expect("connect to PostgreSQL");
        c.batch_execute(&format!("CREATE SCHEMA {s}"))
            .expect("create schema");
    })
    .await
    .expect("create schema task");
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let store = Store::open_with_clock(&url, clock)
        .await
        .expect("open postgres");
    Some(TestDb {
        store,
        url,
        _dir: None,
        pg_schema: Some((base, schema)),
    })
}

fn hex_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}{:x}", nanos, std::process::id())
}

/// A clock tests can move.
pub fn manual_clock(start_ms: i64) -> (Clock, std::sync::Arc<std::sync::atomic::AtomicI64>) {
    let t = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(start_ms));
    let t2 = t.clone();
    (
        std::sync::Arc::new(move || t2.load(std::sync::atomic::Ordering::SeqCst)),
        t,
    )
}

pub const PASSWORD: &str = "Test-pass-2026";

/// A small province: a government, the operator, departments `d-a` and `d-b`, and people
/// `admin`, `steward.a`, `steward.b`, `user.a` and `auditor` (all with [`PASSWORD`]).
pub async fn fixture(store: &Store) {
    use shuqiao_core::account::{Account, Role, RoleBinding};
    use shuqiao_core::org::{Org, OrgKind};
    let org = |code: &str, kind, parent: Option<&str>| Org {
        code: code.into(),
        name: format!("机构{code}"),
        name_en: format!("Org {code}"),
        kind,
        parent: parent.map(Into::into),
        region: "460000".into(),
        credit_code: None,
    };
    for o in [
        org("gov", OrgKind::Government, None),
        org("op", OrgKind::Operator, Some("gov")),
        org("d-a", OrgKind::Department, Some("gov")),
        org("d-b", OrgKind::Department, Some("gov")),
        org("d-a-u1", OrgKind::Unit, Some("d-a")),
    ] {
        store.create_org(o, None).await.expect("fixture org");
    }
    for (user, role, o) in [
        ("admin", Role::PlatformAdmin, "op"),
        ("steward.a", Role::DataSteward, "d-a"),
        ("steward.b", Role::DataSteward, "d-b"),
        ("user.a", Role::ConsumerUser, "d-a"),
        ("auditor", Role::Auditor, "op"),
    ] {
        let a = Account {
            username: user.into(),
            display_name: "测试".into(),
            org: o.into(),
            roles: vec![RoleBinding {
                role,
                org: o.into(),
            }],
            disabled: false,
        };
        let created = if role == Role::PlatformAdmin {
            store.bootstrap_admin(a, PASSWORD.into()).await
        } else {
            store
                .create_account(&admin_principal(), a, PASSWORD.into())
                .await
        };
        created.expect("fixture account");
    }
    store
        .create_system(
            &admin_principal(),
            shuqiao_core::account::InfoSystem {
                code: "d-a-sys".into(),
                name: "测试系统".into(),
                name_en: "Test system".into(),
                org: "d-a".into(),
                description: "".into(),
            },
        )
        .await
        .expect("fixture system");
}

/// The fixture's platform administrator `admin` of `op`, as a principal.
pub fn admin_principal() -> shuqiao_core::account::Principal {
    use shuqiao_core::account::{Principal, Role, RoleBinding};
    Principal::Person {
        username: "admin".into(),
        org: "op".into(),
        roles: vec![RoleBinding {
            role: Role::PlatformAdmin,
            org: "op".into(),
        }],
    }
}

/// A valid resource of `d-a` for tests to start from.
pub fn sample_meta() -> shuqiao_core::catalog::ResourceMeta {
    serde_json::from_value(serde_json::json!({
        "classification": {"category": "base", "class_code": "01", "subclass_code": "001"},
        "name": "全员人口基础信息",
        "name_en": "Population base information",
        "provider": "d-a",
        "provider_unit": "d-a-u1",
        "summary": "全省人口基础信息",
        "format": "database",
        "items": [
            {"name": "公民身份号码", "code": "GMSFHM", "type": "string", "length": 18, "required": true, "grade": "core"},
            {"name": "姓名", "code": "XM", "type": "string", "length": 50, "required": true, "grade": "important"},
            {"name": "出生日期", "code": "CSRQ", "type": "date", "required": false, "grade": "important"}
        ],
        "key_fields": ["GMSFHM"],
        "share_type": "conditional",
        "share_condition": "仅限政务服务使用",
        "share_modes": ["api"],
        "open_type": "closed",
        "update_cycle": "daily",
        "legal_basis": "《中华人民共和国居民身份证法》",
        "systems": ["d-a-sys"]
    }))
    .expect("sample resource")
}

/// The benchmark reference for the audit log: the same rows inserted into a plain table with
/// no tree, no checkpoint and no signature, in one transaction per batch.
pub async fn plain_insert(
    store: &Store,
    first_index: u64,
    entries: Vec<shuqiao_core::audit::entry::Entry>,
) {
    use crate::db::Value;
    store
        .write(move |c| {
            c.batch(
                "CREATE TABLE IF NOT EXISTS bench_plain (idx BIGINT PRIMARY KEY, entry TEXT NOT NULL, time BIGINT NOT NULL,
                 actor_org TEXT NOT NULL, action TEXT NOT NULL, resource TEXT, result TEXT NOT NULL)",
            )?;
            let rows = entries
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    Ok(vec![
                        Value::Int((first_index + i as u64) as i64),
                        crate::to_json(e)?.into(),
                        e.time.into(),
                        e.actor_org.as_str().into(),
                        e.action.as_str().into(),
                        e.resource.clone().into(),
                        e.result.as_str().into(),
                    ])
                })
                .collect::<crate::Result<Vec<_>>>()?;
            crate::db::insert_rows(c, "bench_plain", &["idx", "entry", "time", "actor_org", "action", "resource", "result"], rows)?;
            Ok(())
        })
        .await
        .expect("plain insert");
}

/// Consumer departments `c1`…`c6` of the sharing fixture, each with a system `<org>-sys`.
pub const CONSUMERS: [&str; 6] = ["c1", "c2", "c3", "c4", "c5", "c6"];

/// On top of [`fixture`]: consumer departments `c1`…`c6` with systems `c1-sys`…, a system
/// `d-b-sys` of `d-b`, the legal office `legal` and secrecy office `secrecy` with reviewers
/// `legal` and `secrecy` (password [`PASSWORD`]), and two published resources of `d-a`:
/// returns (unconditional, conditional) codes.
pub async fn share_fixture(store: &Store) -> (String, String) {
    use shuqiao_core::account::{Account, InfoSystem, Principal, Role, RoleBinding};
    use shuqiao_core::catalog::ShareType;
    use shuqiao_core::org::{Org, OrgKind};
    let dept = |code: &str| Org {
        code: code.into(),
        name: format!("机构{code}"),
        name_en: format!("Org {code}"),
        kind: OrgKind::Department,
        parent: Some("gov".into()),
        region: "460000".into(),
        credit_code: None,
    };
    let system = |code: &str, org: &str| InfoSystem {
        code: code.into(),
        name: format!("系统{code}"),
        name_en: format!("System {code}"),
        org: org.into(),
        description: String::new(),
    };
    for c in CONSUMERS.iter().chain(&["legal", "secrecy"]) {
        store.create_org(dept(c), None).await.expect("org");
    }
    for c in CONSUMERS {
        store
            .create_system(&admin_principal(), system(&format!("{c}-sys"), c))
            .await
            .expect("system");
    }
    store
        .create_system(&admin_principal(), system("d-b-sys", "d-b"))
        .await
        .expect("system");
    for (user, role, org) in [
        ("legal", Role::LegalReviewer, "legal"),
        ("secrecy", Role::SecrecyReviewer, "secrecy"),
        ("user.c1", Role::ConsumerUser, "c1"),
    ] {
        let a = Account {
            username: user.into(),
            display_name: "测试".into(),
            org: org.into(),
            roles: vec![RoleBinding {
                role,
                org: org.into(),
            }],
            disabled: false,
        };
        store
            .create_account(&admin_principal(), a, PASSWORD.into())
            .await
            .expect("account");
    }
    let steward = Principal::Person {
        username: "steward.a".into(),
        org: "d-a".into(),
        roles: vec![RoleBinding {
            role: Role::DataSteward,
            org: "d-a".into(),
        }],
    };
    let admin = Principal::Person {
        username: "admin".into(),
        org: "op".into(),
        roles: vec![RoleBinding {
            role: Role::PlatformAdmin,
            org: "op".into(),
        }],
    };
    let mut open = sample_meta();
    open.name = "法人基础信息".into();
    open.share_type = ShareType::Unconditional;
    open.share_condition = None;
    let mut codes = Vec::new();
    // The conditional one is also shared as a table (库表), so it can be downloaded whole.
    let mut conditional = sample_meta();
    conditional.share_modes = vec![
        shuqiao_core::catalog::ShareMode::Api,
        shuqiao_core::catalog::ShareMode::Database,
    ];
    for m in [open, conditional] {
        let code = store
            .create_resource(steward.clone(), m)
            .await
            .expect("create")
            .code;
        store
            .submit_resource(steward.clone(), &code)
            .await
            .expect("submit");
        store
            .publish_resource(admin.clone(), &code)
            .await
            .expect("publish");
        codes.push(code);
    }
    (codes[0].clone(), codes[1].clone())
}

/// Makes every undelivered webhook message due now, so tests need not wait out back-offs.
pub async fn expire_retry_delays(store: &Store) {
    store
        .write(|c| {
            c.execute(
                "UPDATE outbox SET next_attempt_at = 0 WHERE delivered_at IS NULL AND dead_at IS NULL",
                &[],
            )?;
            Ok(())
        })
        .await
        .expect("expire retry delays");
}

/// Publishes copies of the demo province's resources until the catalog holds `total`, each
/// named after a region and a batch so searches find many but not all: the catalog of a
/// province with several thousand resources, for benchmarks. The demo must be loaded.
pub async fn published_copies(store: &Store, total: usize) -> Result<(), crate::StoreError> {
    use crate::catalog::SearchQuery;
    use crate::demo::{admin, steward_of};
    let base = shuqiao_demo::province(shuqiao_demo::DEFAULT_SEED)
        .expect("the demo data reads")
        .resources;
    let places: Vec<&str> = shuqiao_core::region::REGIONS
        .iter()
        .map(|r| r.name)
        .collect();
    let everything = SearchQuery {
        limit: 1,
        ..Default::default()
    };
    let have = store.search(admin(), everything).await?.total as usize;
    let mut batch = Vec::new();
    for i in 0..total.saturating_sub(have) {
        let mut meta = base[i % base.len()].meta.clone();
        meta.name = format!(
            "{}（{}第{}批）",
            meta.name,
            places[i % places.len()],
            i / base.len() + 1
        );
        batch.push((steward_of(&meta.provider), meta));
    }
    for chunk in batch.chunks(2000) {
        store.catalogue_published(admin(), chunk.to_vec()).await?;
    }
    Ok(())
}

/// Forgets every quality score, so the next refresh scores every resource again: for the
/// scores benchmark's rounds.
pub async fn forget_quality_scores(store: &Store) {
    store
        .write(|c| {
            c.execute("DELETE FROM quality_scores", &[])?;
            Ok(())
        })
        .await
        .expect("forget quality scores");
}

/// The benchmark reference for quality scores: every live record's data of every resource
/// read once, a page at a time in key order as the scorer reads them, and nothing done with
/// it but counting its bytes.
pub async fn scan_record_data(store: &Store) -> u64 {
    store
        .read(|c| {
            let codes = c.query("SELECT code FROM resource_data ORDER BY code", &[])?;
            let mut bytes = 0u64;
            for code in &codes {
                let code = code.text(0)?;
                let mut after = String::new();
                loop {
                    let rows = c.query(
                        "SELECT r.record_key, v.data FROM records r JOIN record_versions v ON v.id = r.version
                         WHERE r.resource = $1 AND r.live = 1 AND r.record_key > $2 ORDER BY r.record_key LIMIT 20000",
                        crate::params![&code, &after],
                    )?;
                    for r in &rows {
                        bytes += r.opt_text(1)?.map_or(0, |t| t.len() as u64);
                    }
                    match rows.last() {
                        Some(last) if rows.len() == 20_000 => after = last.text(0)?,
                        _ => break,
                    }
                }
            }
            Ok(bytes)
        })
        .await
        .expect("scan record data")
}

/// What [`assess_activity`] added.
#[derive(Debug, Default, Clone, Copy)]
pub struct Activity {
    pub usage_rows: usize,
    pub applications: usize,
    pub needs: usize,
    pub objections: usize,
}

/// A year of platform activity for the assessment benchmark, written straight into the
/// tables the figures read: each day, every system calls `per_system` published resources
/// (exchange_usage); `applications` applications spread over the year, most answered within
/// two days, some late, some never; a need for every tenth application, half satisfied;
/// an objection for every fifth, most closed. The demo must be loaded; `year_start_ms` is
/// midnight China time of 1 January.
pub async fn assess_activity(
    store: &Store,
    year_start_ms: i64,
    per_system: usize,
    applications: usize,
) -> Result<Activity, crate::StoreError> {
    use crate::db::Value;
    const DAY: i64 = 86_400_000;
    const USAGE: [&str; 7] = [
        "day", "system", "resource", "grant_id", "calls", "records", "refused",
    ];
    let (systems, resources) = store
        .read(|c| {
            let pairs =
                |sql: &str, c: &mut dyn crate::db::Conn| -> crate::Result<Vec<(String, String)>> {
                    c.query(sql, &[])?
                        .iter()
                        .map(|r| Ok((r.text(0)?, r.text(1)?)))
                        .collect()
                };
            Ok((
                pairs("SELECT code, org FROM systems ORDER BY code", c)?,
                pairs(
                    "SELECT code, provider FROM resources WHERE status = 'published' ORDER BY code",
                    c,
                )?,
            ))
        })
        .await?;
    let mut a = Activity::default();
    let mut usage = Vec::new();
    for day in 0..365i64 {
        let d = shuqiao_core::share::calendar::china_day(year_start_ms + day * DAY + DAY / 2)
            .to_string();
        for (si, (system, _)) in systems.iter().enumerate() {
            // A fifth of the systems sit idle: the zombies the figures should show.
            if si % 5 == 4 {
                continue;
            }
            for k in 0..per_system.min(resources.len()) {
                let (res, _) = &resources[(si * 7 + k) % resources.len()];
                let calls = 1 + ((day as usize + si + k) % 50) as i64;
                usage.push(vec![
                    Value::from(d.as_str()),
                    Value::from(system.as_str()),
                    Value::from(res.as_str()),
                    Value::Int(1 + si as i64),
                    Value::Int(calls),
                    Value::Int(calls),
                    Value::Int(0),
                ]);
            }
        }
    }
    a.usage_rows = usage.len();
    // The usage counters live with the audit log (on SQLite, in its own file).
    let db = store.db.clone();
    tokio::task::spawn_blocking(move || {
        db.audit_write(|c| {
            for chunk in usage.chunks(20_000) {
                crate::db::insert_rows(c, "exchange_usage", &USAGE, chunk.to_vec())?;
            }
            Ok(())
        })
    })
    .await
    .expect("usage insert")?;

    let (mut apps, mut needs, mut objections) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..applications {
        let (system, consumer) = &systems[i % systems.len()];
        let (res, provider) = &resources[(i * 13) % resources.len()];
        let filed = year_start_ms + (i as i64 * 365 * DAY) / applications as i64;
        let due = filed + 2 * DAY;
        let (status, decided) = match i % 10 {
            0 => ("pending", None),
            1 | 2 => ("approved", Some(due + DAY)),
            _ => ("approved", Some(filed + DAY / 3)),
        };
        apps.push(vec![
            Value::Int(i as i64 + 1_000_000),
            system.as_str().into(),
            consumer.as_str().into(),
            res.as_str().into(),
            provider.as_str().into(),
            "[\"GMSFHM\"]".into(),
            "资格认证".into(),
            "办事".into(),
            "依法".into(),
            Value::Int(365),
            status.into(),
            "bench".into(),
            Value::Int(filed),
            Value::Int(due),
            decided.map(Value::Int).unwrap_or(Value::Null),
        ]);
        if i % 10 == 0 {
            let satisfied = (i % 20 == 0).then_some(filed + 5 * DAY);
            needs.push(vec![
                Value::Int(i as i64 + 1_000_000),
                consumer.as_str().into(),
                "数据需求".into(),
                "办事需要".into(),
                if satisfied.is_some() {
                    "satisfied"
                } else {
                    "open"
                }
                .into(),
                "bench".into(),
                Value::Int(filed),
                satisfied.map(Value::Int).unwrap_or(Value::Null),
            ]);
        }
        if i % 5 == 0 {
            let closed = (i % 15 != 0).then_some(filed + 3 * DAY);
            objections.push(vec![
                Value::Int(i as i64 + 1_000_000),
                res.as_str().into(),
                provider.as_str().into(),
                "k".into(),
                "k".into(),
                "[\"XM\"]".into(),
                "有误".into(),
                "consumer".into(),
                consumer.as_str().into(),
                "bench".into(),
                if closed.is_some() { "resolved" } else { "open" }.into(),
                Value::Int(filed),
                Value::Int(filed + 7 * DAY),
                closed.map(Value::Int).unwrap_or(Value::Null),
            ]);
        }
    }
    a.applications = apps.len();
    a.needs = needs.len();
    a.objections = objections.len();
    store
        .write(move |c| {
            crate::db::insert_rows(
                c,
                "applications",
                &[
                    "id",
                    "system",
                    "consumer_org",
                    "resource",
                    "provider",
                    "fields",
                    "purpose",
                    "scene",
                    "legal_basis",
                    "days",
                    "status",
                    "filed_by",
                    "filed_at",
                    "due_at",
                    "decided_at",
                ],
                apps,
            )?;
            crate::db::insert_rows(
                c,
                "needs",
                &[
                    "id",
                    "org",
                    "title",
                    "description",
                    "status",
                    "created_by",
                    "created_at",
                    "satisfied_at",
                ],
                needs,
            )?;
            crate::db::insert_rows(
                c,
                "quality_objections",
                &[
                    "id",
                    "resource",
                    "provider",
                    "record_key",
                    "key_as_given",
                    "fields",
                    "reason",
                    "source",
                    "flagger_org",
                    "flagged_by",
                    "status",
                    "filed_at",
                    "due_at",
                    "closed_at",
                ],
                objections,
            )?;
            Ok(())
        })
        .await?;
    Ok(a)
}

/// The benchmark reference for the assessment figures: one plain count of each table the
/// figures read, with no grouping and no condition.
pub async fn count_assess_tables(store: &Store) -> i64 {
    store
        .read(|c| {
            let mut n = 0;
            for t in [
                "exchange_usage",
                "applications",
                "needs",
                "quality_objections",
                "resources",
                "systems",
                "orgs",
                "responsibilities",
                "collect_batches",
            ] {
                n += c
                    .query_one(&format!("SELECT COUNT(*) FROM {t}"), &[])?
                    .map(|r| r.int(0))
                    .transpose()?
                    .unwrap_or(0);
            }
            Ok(n)
        })
        .await
        .expect("count the assessment tables")
}
