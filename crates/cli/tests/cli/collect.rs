//! `shuqiao import` and `shuqiao collect` as processes: the walk-through's GBK sample, and a
//! real child process killed in the middle of an import.
use super::*;

const POPULATION: &str = "101001-000001";

fn records(db: &str) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(
        "SELECT COUNT(*) FROM records WHERE resource = ?1 AND live = 1",
        [POPULATION],
        |r| r.get(0),
    )
    .unwrap()
}

fn batch_statuses(db: &str) -> Vec<(i64, String, Option<String>)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare("SELECT id, status, error_code FROM collect_batches ORDER BY id")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn demo_data_and_the_gbk_sample_walk_through() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    let (ok, _, err) = run(&db, DEMO);
    assert!(ok, "{err}");
    assert_eq!(
        records(&db),
        2000,
        "the demo population is collected: {err}"
    );
    let sample = dir.path().join("samples/population-sample-gbk.csv");
    assert!(sample.exists(), "{err}");
    let (_, expected) = shuqiao_demo::population::sample_bad_gbk_csv();

    // All-or-nothing: the batch is refused whole, nothing changes, exit code 2.
    let out = shuqiao(&db)
        .args([
            "import",
            POPULATION,
            sample.to_str().unwrap(),
            "--as",
            "steward.gat",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("gb18030") && text.contains("未应用"),
        "{text}"
    );
    assert_eq!(records(&db), 2000);

    // Accept the valid rows; the rejected ones come back as CSV with row, field and reason.
    let rejects = dir.path().join("rejects.csv");
    let (ok, out, err) = run(
        &db,
        &[
            "import",
            POPULATION,
            sample.to_str().unwrap(),
            "--policy",
            "accept_valid",
            "--rejects",
            rejects.to_str().unwrap(),
            "--as",
            "steward.gat",
        ],
    );
    assert!(ok, "{out}{err}");
    let csv = std::fs::read_to_string(&rejects).unwrap();
    for (row, field, reason) in &expected {
        let hit = csv.lines().any(|l| {
            l.starts_with(&format!("{row},"))
                && l.contains(reason)
                && (field.is_empty() || l.contains(field))
        });
        assert!(hit, "row {row} {field} {reason} missing from:\n{csv}");
    }
    assert!(
        out.contains(&format!("拒绝 rejected {}", expected.len())),
        "{out}"
    );

    // The other department may not import; unknown resources and files are clear errors.
    let (ok, _, err) = run(
        &db,
        &[
            "import",
            POPULATION,
            sample.to_str().unwrap(),
            "--as",
            "steward.rst",
        ],
    );
    assert!(!ok && err.contains("只有提供部门"), "{err}");
    let (ok, _, err) = run(
        &db,
        &[
            "import",
            POPULATION,
            "/nonexistent.csv",
            "--as",
            "steward.gat",
        ],
    );
    assert!(!ok && err.contains("io"), "{err}");

    // What the platform holds for the demo citizen, and which batch put it there.
    let (ok, out, err) = run(
        &db,
        &[
            "collect",
            "record",
            POPULATION,
            "460106199003071235",
            "--as",
            "steward.gat",
        ],
    );
    assert!(ok, "{err}");
    let rec: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rec["data"]["XM"], "王海燕");
    assert_eq!(rec["source"], "shuqiao demo");

    // An export with a title and a subtitle above its header and a note below: the header
    // is the row given with --header-row, or found by the resource's item names.
    let titled = dir.path().join("titled.csv");
    std::fs::write(
        &titled,
        "海南省公安厅 人口信息导出（2026年12月）,,,,\n\
         填报单位：海南省公安厅,导出日期：2026-12-01,,,\n\
         GMSFHM,XM,XB,CSRQ,HJDZ\n\
         11010519491231002X,张三,1,1949-12-31,海口市龙华区\n\
         注：数据截至 2026 年 11 月底,,,,\n",
    )
    .unwrap();
    let import = |extra: &[&str]| {
        let mut args = vec![
            "import",
            POPULATION,
            titled.to_str().unwrap(),
            "--as",
            "steward.gat",
            "--json",
        ];
        args.extend_from_slice(extra);
        run(&db, &args)
    };
    let (ok, out, err) = import(&["--header-row", "3"]);
    assert!(ok, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (report["inserted"].as_i64(), report["rejected"].as_i64()),
        (Some(1), Some(0)),
        "{out}"
    );
    let (ok, out, err) = import(&[]);
    assert!(ok, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["unchanged"].as_i64(), Some(1), "{out}");
    let (ok, _, err) = import(&["--header-row", "9"]);
    assert!(!ok && err.contains("header_row_missing"), "{err}");
    let (ok, _, err) = import(&["--header-row", "0"]);
    assert!(!ok && err.contains("--header-row"), "{err}");
}

/// Kills a real `shuqiao import` in the middle of its transaction: the previous data is intact
/// and the batch is marked failed (interrupted) by the next process.
#[test]
fn an_import_killed_mid_way_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    assert!(run(&db, DEMO).0);
    let before = records(&db);
    let (ok, _, err) = run(
        &db,
        &[
            "demo-files",
            "--persons",
            "400000",
            "--out",
            dir.path().to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    let file = dir.path().join("population.csv");
    let mut child = shuqiao(&db)
        .args([
            "import",
            POPULATION,
            file.to_str().unwrap(),
            "--as",
            "steward.gat",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the batch is recorded as running and the data transaction has begun.
    let started = std::time::Instant::now();
    loop {
        let running = batch_statuses(&db).iter().any(|(_, s, _)| s == "running");
        if running {
            break;
        }
        assert!(started.elapsed().as_secs() < 60, "the import never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(700));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the import was still running when killed"
    );
    assert_eq!(
        records(&db),
        before,
        "nothing of the killed batch is visible"
    );
    // The next import notices the dead batch and marks it failed before starting its own.
    let small = dir.path().join("small.csv");
    std::fs::write(
        &small,
        "公民身份号码,姓名,性别,出生日期,户籍地址\n11010519491231002X,张三,1,1949-12-31,北京市\n",
    )
    .unwrap();
    let (ok, out, err) = run(
        &db,
        &[
            "import",
            POPULATION,
            small.to_str().unwrap(),
            "--as",
            "steward.gat",
        ],
    );
    assert!(ok, "{out}{err}");
    assert!(err.contains("中断"), "{err}");
    let statuses = batch_statuses(&db);
    let killed = statuses.iter().find(|(_, s, _)| s == "failed").unwrap();
    assert_eq!(killed.2.as_deref(), Some("interrupted"), "{statuses:?}");
    assert_eq!(records(&db), before + 1);
}

/// The stored record of `key` as JSON text.
fn stored(db: &str, key: &str) -> serde_json::Value {
    let c = rusqlite::Connection::open(db).unwrap();
    let text: String = c
        .query_row(
            "SELECT v.data FROM records r JOIN record_versions v ON v.id = r.version WHERE r.resource = ?1 AND r.record_key = ?2",
            [POPULATION, key],
            |r| r.get(0),
        )
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn a_partial_import_keeps_the_other_fields_unless_replacing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    let (ok, _, err) = run(&db, DEMO);
    assert!(ok, "{err}");
    let key: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT record_key FROM records WHERE resource = ?1 AND live = 1 ORDER BY record_key LIMIT 1",
            [POPULATION],
            |r| r.get(0),
        )
        .unwrap();
    let before = stored(&db, &key);
    let kept = ["MZ", "CSD", "WHCD"];
    assert!(kept.iter().any(|k| before.get(k).is_some()), "{before}");

    // The review's file: five columns of twelve, under the default upsert.
    let file = dir.path().join("partial.csv");
    std::fs::write(
        &file,
        format!(
            "公民身份号码,姓名,性别,出生日期,户籍地址\n{key},{},{},{},海南省海口市龙华区新地址1号\n",
            before["XM"].as_str().unwrap(),
            before["XB"].as_str().unwrap(),
            before["CSRQ"].as_str().unwrap(),
        ),
    )
    .unwrap();
    let import = |extra: &[&str]| {
        let mut args = vec![
            "import",
            POPULATION,
            file.to_str().unwrap(),
            "--as",
            "steward.gat",
        ];
        args.extend_from_slice(extra);
        run(&db, &args)
    };
    let (ok, out, err) = import(&[]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("更新 updated 1") && out.contains("合并 merged 1"),
        "{out}"
    );
    let after = stored(&db, &key);
    assert_eq!(after["HJDZ"], "海南省海口市龙华区新地址1号");
    for k in kept {
        assert_eq!(after.get(k), before.get(k), "{k} is kept");
    }

    // Replacing whole records is asked for, shown and counted.
    std::fs::write(
        &file,
        std::fs::read_to_string(&file)
            .unwrap()
            .replace("新地址1号", "新地址2号"),
    )
    .unwrap();
    let (ok, out, err) = import(&["--replace"]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("replace") && out.contains("整条替换 replaced 1"),
        "{out}"
    );
    let after = stored(&db, &key);
    for k in kept {
        assert!(after.get(k).is_none(), "{k} is cleared: {after}");
    }
}
