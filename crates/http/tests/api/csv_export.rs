//! Every CSV the API hands out defuses spreadsheet formulas (CSV injection): a value typed by
//! someone — a purpose, a name — never becomes a live formula in the reader's spreadsheet.
use super::exchange::{setup_with, Setup, A};
use super::*;

async fn text(app: &App, path: &str, token: &str) -> (StatusCode, String) {
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn the_audit_csv_defuses_formulas() {
    let app = app().await;
    let entry = shuqiao_core::audit::entry::Entry {
        time: 1_790_000_000_000,
        actor_org: "d-a".into(),
        actor_system: Some("@d-a-sys".into()),
        actor_person: None,
        action: "exchange.lookup".into(),
        resource: Some("101001-000001".into()),
        resource_version: None,
        grant: Some("-7".into()),
        purpose: Some("=HYPERLINK(\"http://x\")".into()),
        result: "ok".into(),
        subjects: vec![],
    };
    app._db.store.audit().append(vec![entry]).await.unwrap();
    let auditor = app.login("auditor").await;
    let (s, csv) = text(
        &app,
        "/api/v1/audit/entries?format=csv&action=exchange.lookup",
        &auditor,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{csv}");
    let row = csv.lines().nth(1).unwrap();
    assert!(
        row.contains(",'@d-a-sys,") && row.contains(",'-7,\"'=HYPERLINK(\"\"http://x\"\")\",ok"),
        "{csv}"
    );
}

/// The download and the rejected rows of an import: a value the platform stored or was sent
/// comes out defused even behind a leading tab (spreadsheets skip it and see the `=`).
#[tokio::test]
async fn downloads_and_rejected_rows_defuse_formulas() {
    let Setup {
        app, code, token, ..
    } = setup_with(shuqiao_service::system_clock()).await;
    let s = app._db.store.clone();
    let steward = s.principal_for("steward.a").await.unwrap();
    let mut req = shuqiao_service::collect::BatchRequest::new(
        &code,
        shuqiao_service::collect::Channel::Import,
        "t.csv",
    );
    req.policy = shuqiao_core::collect::BatchPolicy::AcceptValid;
    let rows = shuqiao_core::collect::source::VecSource::new(
        vec!["GMSFHM".into(), "XM".into(), "CSRQ".into()],
        vec![
            vec![A.into(), "=1+2".into(), "1949-12-31".into()],
            vec![A.into(), "张三".into(), "\t=1+2".into()],
        ],
    );
    let batch = s.collect_batch(steward, req, rows, None).await.unwrap().id;
    let (status, body) = text(&app, &format!("/api/v1/exchange/{code}/download"), &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("\r\n'=1+2\r\n"), "{body:?}");
    let steward = app.login("steward.a").await;
    let (status, csv) = text(
        &app,
        &format!("/api/v1/collect/batches/{batch}/rejects?format=csv"),
        &steward,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(
        csv.contains(",'\t=1+2,") && !csv.contains(",\t="),
        "{csv:?}"
    );
}
