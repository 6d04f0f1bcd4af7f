//! The assessment figures over HTTP: a department sees its own figures and the ranking,
//! another department's are refused, the operator and auditors see everything, nobody
//! anonymous; a bad period is 422 naming `period`; the rows behind a figure as JSON and as
//! formula-escaped CSV; the definitions; the report as HTML and CSV files, and PDF's 503.
use super::*;
use shuqiao_core::org::{Org, OrgKind};

/// The fixture plus a department whose name starts like a formula, and one published
/// resource of `d-a`.
async fn scenario() -> App {
    let app = app().await;
    let store = app.store().await;
    store
        .create_org(
            Org {
                code: "d-f".into(),
                name: "=1+2部门".into(),
                name_en: "Formula".into(),
                kind: OrgKind::Department,
                parent: Some("gov".into()),
                region: "460100".into(),
                credit_code: None,
            },
            None,
        )
        .await
        .unwrap();
    let steward = store.principal_for("steward.a").await.unwrap();
    let code = store
        .create_resource(steward.clone(), sample_meta())
        .await
        .unwrap()
        .code;
    store.submit_resource(steward, &code).await.unwrap();
    store
        .publish_resource(testkit::admin_principal(), &code)
        .await
        .unwrap();
    app
}

fn figure<'a>(v: &'a Value, code: &str) -> &'a Value {
    v["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn departments_see_their_own_the_operator_and_auditors_everything() {
    let app = scenario().await;
    let a = app.login("steward.a").await;
    let b = app.login("steward.b").await;
    let admin = app.login("admin").await;
    let auditor = app.login("auditor").await;
    let period = "2026-Q4";

    let (s, v) = app
        .get(
            &format!("/api/v1/assess/figures?period={period}&org=d-a"),
            Some(&a),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["scope"]["kind"], "org");
    assert_eq!(figure(&v, "share_dept_coverage")["value"], 1.0);
    assert_eq!(
        figure(&v, "need_satisfaction_rate")["targets"][0]["value"],
        0.93
    );
    assert_eq!(v["trend"].as_array().unwrap().len(), 4);
    // The province: d-a, d-b and d-f are departments, d-a has published.
    for who in [&admin, &auditor] {
        let (s, v) = app
            .get(
                &format!("/api/v1/assess/figures?period={period}"),
                Some(who),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let cov = figure(&v, "share_dept_coverage");
        assert_eq!(
            (cov["counted"].as_i64(), cov["base"].as_i64()),
            (Some(1), Some(3))
        );
    }
    let (s, v) = app
        .get(
            &format!("/api/v1/assess/figures?period={period}&region=460100"),
            Some(&admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(figure(&v, "share_dept_coverage")["base"], 1);

    // Refusals, each as problem+json with its code.
    for (path, who, status, code) in [
        (
            "figures?period=2026-Q4&org=d-a",
            Some(&b),
            StatusCode::FORBIDDEN,
            "not_own_org",
        ),
        (
            "figures?period=2026-Q4",
            Some(&a),
            StatusCode::FORBIDDEN,
            "requires_platform_admin",
        ),
        (
            "figures?period=2026-Q4&region=460100",
            Some(&a),
            StatusCode::FORBIDDEN,
            "requires_platform_admin",
        ),
        (
            "figures?period=2026-Q4&org=d-a",
            None,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            "ranking?period=2026-Q4",
            None,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            "figures/on_time_rate/rows?period=2026-Q4&org=d-a",
            Some(&b),
            StatusCode::FORBIDDEN,
            "not_own_org",
        ),
        (
            "report?period=2026-Q4&org=d-a",
            Some(&b),
            StatusCode::FORBIDDEN,
            "not_own_org",
        ),
        (
            "figures/nonsense/rows?period=2026-Q4",
            Some(&admin),
            StatusCode::NOT_FOUND,
            "unknown_figure",
        ),
        (
            "definitions/nonsense",
            None,
            StatusCode::NOT_FOUND,
            "unknown_figure",
        ),
        (
            "figures?period=2026-Q4&org=nobody",
            Some(&admin),
            StatusCode::NOT_FOUND,
            "unknown_org",
        ),
    ] {
        let (s, v, h) = app
            .call(
                Method::GET,
                &format!("/api/v1/assess/{path}"),
                who.map(|x| x.as_str()),
                None,
            )
            .await;
        assert_eq!((s, v["code"].as_str()), (status, Some(code)), "{path}: {v}");
        assert_eq!(h["content-type"], "application/problem+json", "{path}");
    }
    for bad in ["2026-Q5", "26", "2026-13", ""] {
        let (s, v) = app
            .get(
                &format!("/api/v1/assess/figures?period={bad}&org=d-a"),
                Some(&a),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
        assert_eq!(fields(&v), ["period"], "{v}");
    }

    // The ranking: every department, for any department's people.
    let (s, v) = app
        .get(&format!("/api/v1/assess/ranking?period={period}"), Some(&b))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        (rows[0]["org"].as_str(), rows[0]["rank"].as_i64()),
        (Some("d-a"), Some(1))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_definitions_and_reports() {
    let app = scenario().await;
    let a = app.login("steward.a").await;
    let admin = app.login("admin").await;

    let (s, v) = app
        .get(
            "/api/v1/assess/figures/share_dept_coverage/rows?period=2026-Q4&limit=2",
            Some(&admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 3);
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        (
            v["items"][0]["id"].as_str(),
            v["items"][0]["counted"].as_bool()
        ),
        (Some("d-a"), Some(true))
    );
    let (s, v) = app
        .get(
            "/api/v1/assess/figures/share_dept_coverage/rows?period=2026-Q4&org=d-a",
            Some(&a),
        )
        .await;
    assert_eq!((s, v["total"].as_i64()), (StatusCode::OK, Some(1)));
    let (s, v) = app
        .get(
            "/api/v1/assess/figures/share_dept_coverage/rows?period=2026-Q4&format=xml",
            Some(&admin),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_parameter"))
    );

    // CSV of every row: the formula-like name is defused.
    let (s, v, h) = app
        .call(
            Method::GET,
            "/api/v1/assess/figures/share_dept_coverage/rows?period=2026-Q4&format=csv",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(h["content-disposition"]
        .to_str()
        .unwrap()
        .contains("share_dept_coverage-2026-Q4.csv"));
    let text = v.as_str().unwrap();
    assert!(text.contains("d-f,'=1+2部门,0,"), "{text}");
    assert!(!text.contains(",=1+2"), "{text}");

    // Definitions: public, each with formula, tables and targets.
    let (s, v) = app.get("/api/v1/assess/definitions", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], 10);
    let (s, v) = app
        .get("/api/v1/assess/definitions/system_connect_rate", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["name_zh"], "系统接入率");
    assert!(v["source_tables"]
        .as_array()
        .unwrap()
        .contains(&json!("exchange_usage")));
    assert_eq!(v["targets"][1]["value"], 0.95);

    // Reports: a department's as HTML, the province's as CSV, the monthly 督查通报; PDF 503
    // until a CJK font is there.
    let (s, v, h) = app
        .call(
            Method::GET,
            "/api/v1/assess/report?period=2026-Q4&org=d-a&format=html",
            Some(&a),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert!(h["content-disposition"]
        .to_str()
        .unwrap()
        .contains("assessment-2026-Q4-d-a.html"));
    let html = v.as_str().unwrap();
    assert!(
        html.contains("考核报告") && html.contains("共享部门覆盖率"),
        "{html}"
    );
    let (s, v, _) = app
        .call(
            Method::GET,
            "/api/v1/assess/report?period=2026-Q4&format=csv",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let csv = v.as_str().unwrap();
    assert!(csv.contains("'=1+2部门") && !csv.contains(",=1+2"), "{csv}");
    let (s, v, _) = app
        .call(
            Method::GET,
            "/api/v1/assess/report?period=2026-12",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(v.as_str().unwrap().contains("督查通报"));
    let (s, v) = app
        .get(
            "/api/v1/assess/report?period=2026-Q4&format=pdf",
            Some(&admin),
        )
        .await;
    if s != StatusCode::OK {
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, Some("pdf_unavailable")),
            "{v}"
        );
    }
    let (s, v) = app
        .get(
            "/api/v1/assess/report?period=2026-Q4&format=doc",
            Some(&admin),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_parameter"))
    );
}
