//! `shuqiao systems import` as a process: a sheet with bad cells changes nothing and names
//! each; a good one updates the demo's inventory.
use super::*;

fn scope(db: &str, code: &str) -> String {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row("SELECT scope FROM systems WHERE code = ?1", [code], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn an_inventory_sheet_is_imported_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    let (ok, _, err) = run(&db, DEMO);
    assert!(ok, "{err}");
    let before = scope(&db, "hi-gat-rkxt");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "系统编码,使用范围,网络,状态\nhi-gat-rkxt,全省公安机关及派出所,卫星网,在用\nhi-rst-sbxt,全省,政务外网,报废\n",
    )
    .unwrap();
    let (ok, _, err) = run(
        &db,
        &["systems", "import", bad.to_str().unwrap(), "--as", "admin"],
    );
    assert!(!ok);
    for field in ["rows[2].network", "rows[3].status"] {
        assert!(err.contains(field), "{field}: {err}");
    }
    assert_eq!(scope(&db, "hi-gat-rkxt"), before, "nothing applied");
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "系统编码,使用范围,网络\nhi-gat-rkxt,全省公安机关及派出所,政务外网\n",
    )
    .unwrap();
    let (ok, out, err) = run(
        &db,
        &["systems", "import", good.to_str().unwrap(), "--as", "admin"],
    );
    assert!(ok, "{err}");
    assert!(out.contains("更新 updated 1"), "{out}");
    assert_eq!(scope(&db, "hi-gat-rkxt"), "全省公安机关及派出所");
}
