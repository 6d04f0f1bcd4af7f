//! Sharing commands as processes: decisions, the deadline sweep and holiday calendars.
use super::*;

#[test]
fn share_commands_decide_sweep_and_load_calendars() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    assert!(run(&db, DEMO).0);

    let (ok, out, err) = run(
        &db,
        &[
            "share",
            "applications",
            "--status",
            "pending",
            "--as",
            "steward.gat",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("共 2 条"), "{out}");
    let id = out
        .lines()
        .find(|l| l.contains("hi-ybj"))
        .and_then(|l| l.split(" | ").next())
        .expect("the pending application of 医保局")
        .trim()
        .to_string();

    // Another department's steward may not decide; the provider's may, once.
    let (ok, _, err) = run(&db, &["share", "approve", &id, "--as", "steward.rst"]);
    assert!(!ok && err.contains("只有提供方"), "{err}");
    let (ok, out, err) = run(
        &db,
        &[
            "share",
            "approve",
            &id,
            "--days",
            "30",
            "--as",
            "steward.gat",
        ],
    );
    assert!(ok && out.contains("已同意"), "{out}{err}");
    let (ok, _, err) = run(&db, &["share", "approve", &id, "--as", "steward.gat"]);
    assert!(!ok && err.contains("已处理"), "{err}");

    // The overdue demo application goes onto the supervision list once.
    let (ok, out, _) = run(&db, &["share", "sweep"]);
    assert!(ok && out.contains("escalated 1"), "{out}");
    // The usage alert sweep runs with it; the demo's calls raise nothing.
    assert!(out.contains("raised 0 usage alert(s)"), "{out}");
    let (_, out, _) = run(&db, &["share", "sweep"]);
    assert!(out.contains("escalated 0"), "{out}");
    let (ok, out, _) = run(&db, &["share", "supervision", "--as", "admin"]);
    assert!(
        ok && out.contains("督办") && out.contains("hi-wjw"),
        "{out}"
    );
    let (ok, _, err) = run(&db, &["share", "supervision", "--as", "steward.gat"]);
    assert!(!ok, "{err}");

    // Calendars: shipped years listed with their source; the operator loads a new one.
    let (ok, out, _) = run(&db, &["share", "calendar", "list"]);
    assert!(
        ok && out.contains("2025") && out.contains("国办发明电"),
        "{out}"
    );
    let file = dir.path().join("2027.json");
    let mut y = serde_json::json!({"year": 2027, "source": "测试", "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-01"}], "workdays": ["2027-01-06"]});
    std::fs::write(&file, y.to_string()).unwrap();
    let (ok, _, err) = run(
        &db,
        &[
            "share",
            "calendar",
            "load",
            file.to_str().unwrap(),
            "--as",
            "admin",
        ],
    );
    assert!(
        !ok && err.contains("workdays[0]"),
        "a Wednesday is no make-up day: {err}"
    );
    y["workdays"] = serde_json::json!([]);
    std::fs::write(&file, y.to_string()).unwrap();
    let (ok, _, err) = run(
        &db,
        &[
            "share",
            "calendar",
            "load",
            file.to_str().unwrap(),
            "--as",
            "steward.gat",
        ],
    );
    assert!(!ok, "{err}");
    let (ok, out, err) = run(
        &db,
        &[
            "share",
            "calendar",
            "load",
            file.to_str().unwrap(),
            "--as",
            "admin",
        ],
    );
    assert!(ok && out.contains("已加载"), "{out}{err}");
    let (_, out, _) = run(&db, &["share", "stats", "--as", "auditor"]);
    assert!(out.contains("need_satisfaction_rate"), "{out}");
}
