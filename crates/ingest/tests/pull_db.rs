//! Pulling from real PostgreSQL and MySQL/MariaDB servers. The URLs come from
//! `SHUQIAO_TEST_PG_URL` and `SHUQIAO_TEST_MYSQL_URL` (defaults: the local servers); a test
//! whose server cannot be reached prints a note and passes.
use std::sync::atomic::{AtomicU32, Ordering};

use mysql::prelude::Queryable;
use shuqiao_core::collect::source::{Next, RawRow, RowSource, SourceError};
use shuqiao_ingest::pull::{
    open_pull, probe_columns, redact_url, validate_spec, DbKind, PullSource, PullSpec,
};

fn pg_url() -> String {
    std::env::var("SHUQIAO_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn my_url() -> String {
    std::env::var("SHUQIAO_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned())
}

fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A connection for setting up test tables, which it drops at the end.
enum Admin {
    Pg(Box<postgres::Client>),
    My(Box<mysql::Conn>),
}

struct Db {
    kind: DbKind,
    url: String,
    admin: Admin,
    tables: Vec<String>,
}

impl Db {
    fn connect(kind: DbKind) -> Option<Db> {
        let url = match kind {
            DbKind::Postgres => pg_url(),
            DbKind::Mysql => my_url(),
        };
        let admin = match kind {
            DbKind::Postgres => postgres::Client::connect(&url, postgres::NoTls)
                .map(|c| Admin::Pg(Box::new(c)))
                .map_err(|e| e.to_string()),
            DbKind::Mysql => mysql::Conn::new(url.replace("mariadb://", "mysql://").as_str())
                .map(|c| Admin::My(Box::new(c)))
                .map_err(|e| e.to_string()),
        };
        match admin {
            Ok(admin) => Some(Db {
                kind,
                url,
                admin,
                tables: Vec::new(),
            }),
            Err(e) => {
                eprintln!(
                    "note: skipping, {kind:?} server at {} unreachable: {e}",
                    redact_url(&url)
                );
                None
            }
        }
    }

    fn exec(&mut self, sql: &str) {
        match &mut self.admin {
            Admin::Pg(c) => c.batch_execute(sql).expect(sql),
            Admin::My(c) => c.query_drop(sql).expect(sql),
        }
    }

    /// Creates a uniquely named table from `columns` (engine-specific SQL) and returns its name.
    fn table(&mut self, columns: &str) -> String {
        let name = unique("pull");
        let suffix = match self.kind {
            DbKind::Postgres => "",
            DbKind::Mysql => " CHARACTER SET utf8mb4",
        };
        self.exec(&format!("CREATE TABLE {name} ({columns}){suffix}"));
        self.tables.push(name.clone());
        name
    }

    fn table_exists(&mut self, name: &str) -> bool {
        match &mut self.admin {
            Admin::Pg(c) => c
                .query_one("SELECT to_regclass($1) IS NOT NULL", &[&name])
                .expect("to_regclass")
                .get(0),
            Admin::My(c) => {
                c.exec_first::<u64, _, _>(
                    "SELECT COUNT(*) FROM information_schema.tables \
                     WHERE table_schema = DATABASE() AND table_name = ?",
                    (name,),
                )
                .expect("information_schema")
                .unwrap_or(0)
                    > 0
            }
        }
    }

    fn spec(&self) -> PullSpec {
        PullSpec {
            url: self.url.clone(),
            table: None,
            query: None,
            updated_column: None,
            watermark: None,
        }
    }

    fn table_spec(&self, table: &str) -> PullSpec {
        PullSpec {
            table: Some(table.to_owned()),
            ..self.spec()
        }
    }

    fn query_spec(&self, query: &str) -> PullSpec {
        PullSpec {
            query: Some(query.to_owned()),
            ..self.spec()
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        for t in std::mem::take(&mut self.tables) {
            let sql = format!("DROP TABLE IF EXISTS {t}");
            let result = match &mut self.admin {
                Admin::Pg(c) => c.batch_execute(&sql).map_err(|e| e.to_string()),
                Admin::My(c) => c.query_drop(&sql).map_err(|e| e.to_string()),
            };
            if let Err(e) = result {
                eprintln!("note: could not drop {t}: {e}");
            }
        }
    }
}

const BOTH: [DbKind; 2] = [DbKind::Postgres, DbKind::Mysql];

/// Reads everything: the good rows, and the row numbers and reasons of the bad ones.
fn read_all(source: &mut PullSource) -> (Vec<RawRow>, Vec<(u64, &'static str)>) {
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    let mut row = RawRow::default();
    loop {
        match source.next_row(&mut row).expect("next_row") {
            Next::Row => rows.push(row.clone()),
            Next::Bad { row_no, refusal } => bad.push((row_no, refusal.reason)),
            Next::End => break,
        }
    }
    // The end is sticky.
    assert_eq!(source.next_row(&mut row), Ok(Next::End));
    (rows, bad)
}

fn cells(rows: &[RawRow]) -> Vec<Vec<&str>> {
    rows.iter()
        .map(|r| r.cells.iter().map(String::as_str).collect())
        .collect()
}

fn pull(spec: &PullSpec) -> (Vec<String>, Vec<RawRow>, Option<String>) {
    let mut source = open_pull(spec).unwrap_or_else(|e| panic!("open_pull: {e}"));
    let columns = source.columns().to_vec();
    let (rows, bad) = read_all(&mut source);
    assert!(bad.is_empty(), "bad rows: {bad:?}");
    assert_eq!(source.progress().done, rows.len() as u64);
    assert_eq!(source.progress().total, None);
    (columns, rows, source.watermark())
}

fn err_of(result: Result<PullSource, SourceError>) -> SourceError {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

#[test]
fn snapshot_of_a_table() {
    for kind in BOTH {
        let Some(mut db) = Db::connect(kind) else {
            continue;
        };
        let t = db.table("id INT PRIMARY KEY, name VARCHAR(40)");
        db.exec(&format!(
            "INSERT INTO {t} (id, name) VALUES (1, 'one'), (2, 'two'), (3, 'three')"
        ));
        let (columns, mut rows, watermark) = pull(&db.table_spec(&t));
        assert_eq!(columns, ["id", "name"], "{kind:?}");
        assert_eq!(watermark, None);
        let row_nos: Vec<u64> = rows.iter().map(|r| r.row_no).collect();
        assert_eq!(row_nos, [1, 2, 3]);
        rows.sort_by(|a, b| a.cells.cmp(&b.cells));
        assert_eq!(
            cells(&rows),
            [["1", "one"], ["2", "two"], ["3", "three"]],
            "{kind:?}"
        );
        assert_eq!(
            probe_columns(&db.table_spec(&t)).expect("probe"),
            ["id", "name"]
        );
        // A snapshot of an empty table has the columns and no rows.
        let empty = db.table("a INT, b VARCHAR(5)");
        let (columns, rows, watermark) = pull(&db.table_spec(&empty));
        assert_eq!(columns, ["a", "b"]);
        assert!(rows.is_empty());
        assert_eq!(watermark, None);
    }
}

#[test]
fn snapshot_of_a_query() {
    for kind in BOTH {
        let Some(mut db) = Db::connect(kind) else {
            continue;
        };
        let t = db.table("id INT PRIMARY KEY, name VARCHAR(40), score INT");
        db.exec(&format!(
            "INSERT INTO {t} VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', 30)"
        ));
        let q = format!("SELECT name, score * 2 AS doubled FROM {t} WHERE id > 1 ORDER BY id;");
        let (columns, rows, _) = pull(&db.query_spec(&q));
        assert_eq!(columns, ["name", "doubled"], "{kind:?}");
        assert_eq!(cells(&rows), [["b", "40"], ["c", "60"]], "{kind:?}");
        assert_eq!(
            probe_columns(&db.query_spec(&q)).expect("probe"),
            ["name", "doubled"]
        );
    }
}

#[test]
fn incremental_pulls_with_a_watermark() {
    for kind in BOTH {
        let Some(mut db) = Db::connect(kind) else {
            continue;
        };
        let ts = match kind {
            DbKind::Postgres => "TIMESTAMP",
            DbKind::Mysql => "DATETIME",
        };
        let t = db.table(&format!(
            "id INT PRIMARY KEY, name VARCHAR(40), updated_at {ts}"
        ));
        db.exec(&format!(
            "INSERT INTO {t} VALUES (1, 'a', '2024-01-01 10:00:00'), \
             (2, 'b', '2024-01-01 09:00:00'), (3, 'c', '2024-01-01 11:00:00')"
        ));
        let mut spec = db.table_spec(&t);
        spec.updated_column = Some("updated_at".into());

        let (_, rows, watermark) = pull(&spec);
        let ids: Vec<&str> = rows.iter().map(|r| r.cells[0].as_str()).collect();
        assert_eq!(ids, ["2", "1", "3"], "{kind:?}: ordered by updated_at");
        assert_eq!(
            watermark.as_deref(),
            Some("2024-01-01 11:00:00"),
            "{kind:?}"
        );

        // New rows, one on the boundary, and an update.
        db.exec(&format!(
            "INSERT INTO {t} VALUES (4, 'd', '2024-01-01 11:00:00'), \
             (5, 'e', '2024-01-01 12:00:00')"
        ));
        db.exec(&format!(
            "UPDATE {t} SET name = 'a2', updated_at = '2024-01-01 12:30:00' WHERE id = 1"
        ));
        spec.watermark = watermark;
        let (_, rows, watermark) = pull(&spec);
        let got: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.cells[0].as_str(), r.cells[1].as_str()))
            .collect();
        let (boundary, rest) = got.split_at(2);
        let mut boundary = boundary.to_vec();
        boundary.sort();
        assert_eq!(
            boundary,
            [("3", "c"), ("4", "d")],
            "{kind:?}: the boundary rows"
        );
        assert_eq!(rest, [("5", "e"), ("1", "a2")], "{kind:?}");
        let row_nos: Vec<u64> = rows.iter().map(|r| r.row_no).collect();
        assert_eq!(row_nos, [1, 2, 3, 4]);
        assert_eq!(
            watermark.as_deref(),
            Some("2024-01-01 12:30:00"),
            "{kind:?}"
        );

        // Nothing new: only the boundary row again, and the watermark stays.
        spec.watermark = watermark.clone();
        let (_, rows, again) = pull(&spec);
        assert_eq!(
            cells(&rows),
            [["1", "a2", "2024-01-01 12:30:00"]],
            "{kind:?}"
        );
        assert_eq!(again, watermark);

        // Past every row: nothing, and no watermark (the caller keeps its old one).
        spec.watermark = Some("2030-01-01 00:00:00".into());
        let (_, rows, none) = pull(&spec);
        assert!(rows.is_empty());
        assert_eq!(none, None);

        // The same on a query, whose updated column is computed, and a watermark holding a
        // quote (a text column compared as text).
        let mut q = db.query_spec(&format!(
            "SELECT id, name AS label, updated_at AS changed FROM {t} WHERE id <> 2"
        ));
        q.updated_column = Some("changed".into());
        q.watermark = Some("2024-01-01 12:00:00".into());
        let (columns, rows, watermark) = pull(&q);
        assert_eq!(columns, ["id", "label", "changed"]);
        let ids: Vec<&str> = rows.iter().map(|r| r.cells[0].as_str()).collect();
        assert_eq!(ids, ["5", "1"], "{kind:?}");
        assert_eq!(watermark.as_deref(), Some("2024-01-01 12:30:00"));
        let mut q = db.query_spec(&format!("SELECT id, name FROM {t}"));
        q.updated_column = Some("name".into());
        q.watermark = Some("b'; DROP TABLE x; --\\".into());
        let (_, rows, watermark) = pull(&q);
        let names: Vec<&str> = rows.iter().map(|r| r.cells[1].as_str()).collect();
        assert_eq!(names, ["c", "d", "e"], "{kind:?}");
        assert_eq!(watermark.as_deref(), Some("e"));
        assert!(db.table_exists(&t));
    }
}

#[test]
fn nulls_chinese_dates_numbers_booleans() {
    let Some(mut db) = Db::connect(DbKind::Postgres) else {
        return;
    };
    let t = db.table(
        "id INT, name TEXT, born DATE, seen TIMESTAMP, seen_tz TIMESTAMPTZ, amount NUMERIC(10,2), \
         ok BOOLEAN, ratio DOUBLE PRECISION, big BIGINT, at_time TIME, raw BYTEA",
    );
    db.exec(&format!(
        "SET TIME ZONE 'UTC'; INSERT INTO {t} VALUES \
         (1, '张三', '1990-03-07', '2024-05-06 07:08:09', '2024-05-06 07:08:09+08', 12.5, \
          true, 1.5, 9007199254740993, '08:30:00', '\\x00ff'), \
         (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
    ));
    let mut spec = db.table_spec(&t);
    spec.updated_column = Some("id".into());
    let (_, rows, watermark) = pull(&spec);
    let got = cells(&rows);
    assert_eq!(
        got[0][..10],
        [
            "1",
            "张三",
            "1990-03-07",
            "2024-05-06 07:08:09",
            got[0][4],
            "12.50",
            "t",
            "1.5",
            "9007199254740993",
            "08:30:00"
        ]
    );
    assert!(got[0][4].starts_with("2024-05-"), "{}", got[0][4]);
    assert_eq!(got[0][10], "\\x00ff");
    assert_eq!(got[1], ["2", "", "", "", "", "", "", "", "", "", ""]);
    assert_eq!(watermark.as_deref(), Some("2"));

    // NULLs in the updated column come last in PostgreSQL and set no watermark.
    let u = db.table("id INT, updated_at TIMESTAMP");
    db.exec(&format!(
        "INSERT INTO {u} VALUES (1, '2024-01-01'), (2, NULL), (3, '2024-01-02')"
    ));
    let mut spec = db.table_spec(&u);
    spec.updated_column = Some("updated_at".into());
    let (_, rows, watermark) = pull(&spec);
    assert_eq!(rows.len(), 3);
    assert_eq!(watermark.as_deref(), Some("2024-01-02 00:00:00"));
}

#[test]
fn mysql_values_as_text() {
    let Some(mut db) = Db::connect(DbKind::Mysql) else {
        return;
    };
    let t = db.table(
        "id INT, name VARCHAR(20), born DATE, seen DATETIME, fine DATETIME(6), \
         amount DECIMAL(10,2), ok BOOLEAN, ratio DOUBLE, small FLOAT, big BIGINT UNSIGNED, \
         at_time TIME, flag BIT(1), yr YEAR, raw BLOB",
    );
    db.exec(&format!(
        "INSERT INTO {t} VALUES \
         (1, '张三', '1990-03-07', '2024-05-06 07:08:09', '2024-05-06 07:08:09.250000', 12.5, \
          TRUE, 1.5, 0.25, 18446744073709551615, '-26:03:04', b'1', 2024, 'plain'), \
         (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), \
         (3, '李四', '2000-01-01', '2024-05-06 00:00:00', '2024-05-06 00:00:00', 0, \
          FALSE, -2, 1, 0, '00:00:00', b'0', 1999, UNHEX('FF00')), \
         (4, 'after', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
    ));
    let mut spec = db.table_spec(&t);
    spec.updated_column = Some("id".into());
    let mut source = open_pull(&spec).expect("open");
    let (rows, bad) = read_all(&mut source);
    assert_eq!(bad, [(3, "invalid_encoding")], "a BLOB that is not UTF-8");
    assert_eq!(source.progress().done, 4);
    assert_eq!(source.watermark().as_deref(), Some("4"));
    let got = cells(&rows);
    assert_eq!(
        got[0],
        [
            "1",
            "张三",
            "1990-03-07",
            "2024-05-06 07:08:09",
            "2024-05-06 07:08:09.250000",
            "12.50",
            "1",
            "1.5",
            "0.25",
            "18446744073709551615",
            "-26:03:04",
            "1",
            "2024",
            "plain"
        ]
    );
    assert_eq!(
        got[1],
        ["2", "", "", "", "", "", "", "", "", "", "", "", "", ""]
    );
    assert_eq!(got[2][0], "4");
    assert_eq!(rows[2].row_no, 4);
}

#[test]
fn many_rows_stream_and_early_drop_releases_the_table() {
    for kind in BOTH {
        let Some(mut db) = Db::connect(kind) else {
            continue;
        };
        let t = db.table("id INT PRIMARY KEY, payload VARCHAR(100)");
        const N: usize = 5500;
        for chunk in (1..=N).collect::<Vec<_>>().chunks(500) {
            let values: Vec<String> = chunk
                .iter()
                .map(|i| format!("({i}, 'row {i} 数据')"))
                .collect();
            db.exec(&format!("INSERT INTO {t} VALUES {}", values.join(", ")));
        }
        let mut spec = db.table_spec(&t);
        spec.updated_column = Some("id".into());
        let (_, rows, watermark) = pull(&spec);
        assert_eq!(rows.len(), N, "{kind:?}");
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row.row_no, i as u64 + 1);
            assert_eq!(row.cells[0], (i + 1).to_string(), "{kind:?}: in id order");
            assert_eq!(row.cells[1], format!("row {} 数据", i + 1));
        }
        assert_eq!(watermark.as_deref(), Some("5500"));

        // Stopping early closes the connection: the table can be dropped at once.
        let mut source = open_pull(&db.table_spec(&t)).expect("open");
        let mut row = RawRow::default();
        for _ in 0..10 {
            assert_eq!(source.next_row(&mut row), Ok(Next::Row));
        }
        assert_eq!(source.progress().done, 10);
        drop(source);
        let started = std::time::Instant::now();
        match kind {
            DbKind::Postgres => db.exec(&format!("SET lock_timeout = '10s'; DROP TABLE {t}")),
            DbKind::Mysql => {
                db.exec("SET SESSION lock_wait_timeout = 10");
                db.exec(&format!("DROP TABLE {t}"));
            }
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }
}

#[test]
fn bad_table_names_are_refused_before_connecting() {
    for kind in BOTH {
        let Some(mut db) = Db::connect(kind) else {
            continue;
        };
        let victim = db.table("id INT");
        for bad in [
            format!("t; DROP TABLE {victim}"),
            format!("{victim}\"; DROP TABLE {victim}; --"),
            "1abc".to_owned(),
            "a b".to_owned(),
            "".to_owned(),
        ] {
            let spec = db.table_spec(&bad);
            assert_eq!(
                validate_spec(&spec).map_err(|e| e.reason),
                Err("invalid_spec"),
                "{bad}"
            );
            assert_eq!(err_of(open_pull(&spec)).reason, "invalid_spec");
            assert_eq!(
                probe_columns(&spec).map_err(|e| e.reason),
                Err("invalid_spec")
            );
        }
        // A query cannot carry a second statement either.
        let spec = db.query_spec(&format!("SELECT 1; DROP TABLE {victim}"));
        assert_eq!(err_of(open_pull(&spec)).reason, "source_query", "{kind:?}");
        let mut spec = db.query_spec(&format!("SELECT 1 AS x) AS src; DROP TABLE {victim}; --"));
        spec.updated_column = Some("x".into());
        assert_eq!(err_of(open_pull(&spec)).reason, "source_query", "{kind:?}");
        // Nor write anything.
        let spec = db.query_spec(&format!("DELETE FROM {victim}"));
        assert_eq!(err_of(open_pull(&spec)).reason, "source_query", "{kind:?}");
        assert!(db.table_exists(&victim), "{kind:?}");

        let mut both = db.table_spec(&victim);
        both.query = Some("SELECT 1".into());
        assert_eq!(err_of(open_pull(&both)).reason, "invalid_spec");
        assert_eq!(err_of(open_pull(&db.spec())).reason, "invalid_spec");
    }
}

#[test]
fn unknown_tables_and_columns_are_query_errors() {
    for kind in BOTH {
        let Some(mut db) = Db::connect(kind) else {
            continue;
        };
        let t = db.table("id INT, name VARCHAR(10)");
        let mut spec = db.table_spec(&t);
        spec.updated_column = Some("no_such_column".into());
        let e = err_of(open_pull(&spec));
        assert_eq!(e.reason, "source_query", "{kind:?}");
        assert!(e.en.contains("no_such_column"), "{kind:?}: {}", e.en);
        assert_eq!(
            probe_columns(&spec).map_err(|e| e.reason),
            Err("source_query")
        );
        spec.watermark = Some("x".into());
        assert_eq!(err_of(open_pull(&spec)).reason, "source_query");

        let spec = db.query_spec(&format!("SELECT no_such_column FROM {t}"));
        let e = err_of(open_pull(&spec));
        assert_eq!(e.reason, "source_query");
        assert!(e.en.contains("no_such_column"), "{kind:?}: {}", e.en);
        assert_eq!(
            probe_columns(&spec).map_err(|e| e.reason),
            Err("source_query")
        );

        let spec = db.table_spec("no_such_table_anywhere");
        let e = err_of(open_pull(&spec));
        assert_eq!(e.reason, "source_query");
        assert!(
            e.en.contains("no_such_table_anywhere"),
            "{kind:?}: {}",
            e.en
        );

        let spec = db.query_spec("SELEC 1");
        assert_eq!(err_of(open_pull(&spec)).reason, "source_query");
    }
}

#[test]
fn unreachable_servers_never_show_the_password() {
    for url in [
        "postgres://u:secret@127.0.0.1:1/x",
        "mysql://u:secret@127.0.0.1:1/x",
        "mariadb://u:secret@127.0.0.1:1/x",
    ] {
        let spec = PullSpec {
            url: url.to_owned(),
            table: Some("t".into()),
            query: None,
            updated_column: None,
            watermark: None,
        };
        let e = err_of(open_pull(&spec));
        assert_eq!(e.reason, "source_unreachable", "{url}");
        for text in [&e.zh, &e.en, &e.to_string(), &format!("{e:?}")] {
            assert!(!text.contains("secret"), "{text}");
            assert!(text.contains("u:***@127.0.0.1:1"), "{text}");
        }
        let e = probe_columns(&spec).expect_err("probe");
        assert_eq!(e.reason, "source_unreachable");
        assert!(!format!("{e:?}").contains("secret"));
    }
}

#[test]
fn refused_logins_are_unreachable_without_the_password() {
    let Some(_) = Db::connect(DbKind::Postgres) else {
        return;
    };
    // The server is up, but the role and database do not exist.
    let config: postgres::Config = pg_url().parse().expect("SHUQIAO_TEST_PG_URL");
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let spec = PullSpec {
        url: format!("postgres://nobody_here:hunter2@{host}:{port}/no_such_db_xyz"),
        table: Some("t".into()),
        query: None,
        updated_column: None,
        watermark: None,
    };
    let e = err_of(open_pull(&spec));
    assert_eq!(e.reason, "source_unreachable");
    assert!(!format!("{e:?}").contains("hunter2"), "{e:?}");
    assert!(e.en.contains("nobody_here:***@"), "{}", e.en);
}

#[test]
fn urls_are_redacted() {
    assert_eq!(
        redact_url("postgres://u:secret@127.0.0.1:1/x"),
        "postgres://u:***@127.0.0.1:1/x"
    );
    assert_eq!(
        redact_url("mariadb://root:p%40ss@db.gov.cn:3306/ods?ssl-mode=disabled"),
        "mariadb://root:***@db.gov.cn:3306/ods?ssl-mode=disabled"
    );
    assert_eq!(
        redact_url("mysql://root@127.0.0.1:3306/test"),
        "mysql://root@127.0.0.1:3306/test"
    );
    assert_eq!(
        redact_url("postgresql://db/x?user=u&password=secret"),
        "postgresql://db/x?user=u&password=***"
    );
    assert_eq!(DbKind::of_url("mariadb://h/x"), Some(DbKind::Mysql));
    assert_eq!(DbKind::of_url("postgresql://h/x"), Some(DbKind::Postgres));
    assert_eq!(DbKind::of_url("sqlserver://h/x"), None);
}
