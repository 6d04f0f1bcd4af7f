//! Cataloguing over HTTP: drafts, review, publication and who sees what.
use super::*;

#[tokio::test]
async fn catalog_review_flow_over_http() {
    let app = app().await;
    let steward = app.login("steward.a").await;
    let admin = app.login("admin").await;
    let (s, d) = app
        .post(
            "/api/v1/catalog/resources",
            Some(&steward),
            serde_json::to_value(sample_meta()).unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let code = d["code"].as_str().unwrap().to_string();
    let (s, _) = app
        .post(
            &format!("/api/v1/catalog/resources/{code}/submit"),
            Some(&steward),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .post(
            &format!("/api/v1/catalog/resources/{code}/publish"),
            Some(&steward),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("requires_platform_admin"))
    );
    let (s, v) = app
        .post(
            &format!("/api/v1/catalog/resources/{code}/publish"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, v["published_version"].as_i64()),
        (StatusCode::OK, Some(1))
    );

    let (s, page) = app
        .get(
            "/api/v1/catalog/resources?q=%E4%BA%BA%E5%8F%A3",
            Some(&admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["name"], "全员人口基础信息");
    let (s, _) = app
        .get(
            &format!("/api/v1/catalog/resources/{code}/versions/1"),
            Some(&admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // The resource is closed to the public: anonymous callers neither find nor read it.
    let (_, page) = app
        .get("/api/v1/catalog/resources?q=population", None)
        .await;
    assert_eq!(page["total"], 0);
    let (s, _) = app
        .get(&format!("/api/v1/catalog/resources/{code}"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
