//! `shuqiao report` as a process: the province's report as HTML and CSV (formula-escaped), a
//! department's as its steward sees it, another department's refused, a bad period named.
use super::*;

/// A department whose name starts like a formula, added beside the demo.
fn add_formula_department(db: &str) {
    use shuqiao_core::org::{Org, OrgKind};
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = shuqiao_service::Store::open(db).await.unwrap();
        store
            .create_org(
                Org {
                    code: "hi-formula".into(),
                    name: "=1+2局".into(),
                    name_en: "Formula".into(),
                    kind: OrgKind::Department,
                    parent: Some("hi-gov".into()),
                    region: "460000".into(),
                    credit_code: None,
                },
                None,
            )
            .await
            .unwrap();
    });
}

#[test]
fn reports_are_written_as_html_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db").display().to_string();
    assert!(run(&db, DEMO).0);
    add_formula_department(&db);
    let out = |name: &str| dir.path().join(name).display().to_string();

    let html = out("province.html");
    let (ok, _, err) = run(
        &db,
        &[
            "report", "--period", "2026-Q4", "--format", "html", "--out", &html,
        ],
    );
    assert!(ok, "{err}");
    assert!(err.contains("2026-Q4") && err.contains(&html), "{err}");
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(
        text.contains("全省政务数据共享考核报告（2026年第4季度）"),
        "{text}"
    );
    assert!(text.contains("共享部门覆盖率") && text.contains("比学赶超"));

    let csv = out("province.csv");
    let (ok, _, err) = run(
        &db,
        &[
            "report", "--period", "2026-Q4", "--format", "csv", "--out", &csv,
        ],
    );
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains("need_satisfaction_rate"), "{text}");
    assert!(
        text.contains(",'=1+2局,") && !text.contains(",=1+2"),
        "{text}"
    );

    // The monthly 督查通报 of one department, as its steward.
    let own = out("gat.html");
    let (ok, _, err) = run(
        &db,
        &[
            "report",
            "--period",
            "2026-12",
            "--org",
            "hi-gat",
            "--as",
            "steward.gat",
            "--format",
            "html",
            "--out",
            &own,
        ],
    );
    assert!(ok, "{err}");
    assert!(std::fs::read_to_string(&own).unwrap().contains("督查通报"));

    // Refused: another department's figures; a bad period, named; an unknown format.
    let other = out("rst.html");
    let (ok, _, err) = run(
        &db,
        &[
            "report",
            "--period",
            "2026-Q4",
            "--org",
            "hi-rst",
            "--as",
            "steward.gat",
            "--out",
            &other,
        ],
    );
    assert!(!ok && err.contains("只能查看本单位"), "{err}");
    assert!(!std::path::Path::new(&other).exists());
    let (ok, _, err) = run(&db, &["report", "--period", "2026-Q5", "--out", &other]);
    assert!(!ok && err.contains("period"), "{err}");
    let (ok, _, err) = run(
        &db,
        &[
            "report", "--period", "2026-Q4", "--format", "doc", "--out", &other,
        ],
    );
    assert!(!ok && err.contains("--format"), "{err}");
    // PDF needs a CJK font on the machine; without one the error says how to get one.
    let pdf = out("province.pdf");
    let (ok, _, err) = run(
        &db,
        &[
            "report", "--period", "2026-Q4", "--format", "pdf", "--out", &pdf,
        ],
    );
    assert!(ok || err.contains("PDF"), "{err}");
}
