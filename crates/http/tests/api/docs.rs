//! The landing page, health, the OpenAPI document and the documentation it serves.
use super::*;

#[tokio::test]
async fn health_openapi_landing_and_docs() {
    let app = app().await;
    let (s, v) = app.get("/api/v1/health", None).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (s, ready) = app.get("/api/v1/ready", None).await;
    assert_eq!(
        (s, ready["status"].as_str()),
        (StatusCode::OK, Some("ready"))
    );
    assert_eq!(
        ready["schema_version"], v["schema_version"],
        "liveness names the schema the database is at"
    );
    let (s, doc) = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(doc["paths"]["/api/v1/catalog/resources"]["get"].is_object());
    let (_, landing) = app.get("/about", None).await;
    let landing = landing.as_str().unwrap().to_string();
    assert!(
        landing.contains("演示账号")
            && landing.contains("/api/v1/openapi.json")
            && landing.contains("Hainan-admin-2026")
    );
    let (_, docs) = app.get("/docs", None).await;
    assert!(docs.as_str().unwrap().contains("openapi.json"));
}

/// Every documented operation is routed, so the OpenAPI document cannot drift from the router.
#[tokio::test]
async fn every_documented_path_is_served() {
    let app = app().await;
    for (method, path, ..) in shuqiao_http::openapi::PATHS {
        let concrete = path
            .replace("{code}", "x")
            .replace("{id}", "1")
            .replace("{version}", "1");
        let (_, v, _) = app
            .call(
                Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                &concrete,
                None,
                None,
            )
            .await;
        assert_ne!(
            v["code"], "no_such_endpoint",
            "{method} {path} is documented but not routed"
        );
    }
    let (s, v) = app.get("/api/v1/nope", None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("no_such_endpoint"))
    );
}

/// The memory report names the resident set and the served-records cache with its budget,
/// for the operator and auditors only.
#[tokio::test]
async fn the_memory_report_shows_where_memory_is_to_the_operator_only() {
    let app = app().await;
    let admin = app.login("admin").await;
    let (s, m) = app.get("/api/v1/admin/memory", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert!(m["rss_bytes"].as_u64().unwrap() > 0, "{m}");
    // SQLite counts its memory only when the server asks it to (the CLI's test covers that).
    assert!(m["sqlite_bytes"].is_null(), "{m}");
    assert_eq!(m["served_records_budget_bytes"], 32 << 20);
    let auditor = app.login("auditor").await;
    assert_eq!(
        app.get("/api/v1/admin/memory", Some(&auditor)).await.0,
        StatusCode::OK
    );
    let steward = app.login("steward.a").await;
    let (s, p) = app.get("/api/v1/admin/memory", Some(&steward)).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("requires_platform_admin"))
    );
    assert_eq!(
        app.get("/api/v1/admin/memory", None).await.0,
        StatusCode::UNAUTHORIZED
    );
}
