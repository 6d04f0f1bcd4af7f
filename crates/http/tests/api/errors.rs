//! Refusals: every error is problem+json, authorisation is answered before the body, and
//! refused input stores nothing.
use super::*;

#[tokio::test]
async fn bad_input_is_refused_with_problem_json_and_nothing_stored() {
    let app = app().await;
    let steward = app.login("steward.a").await;
    let admin = app.login("admin").await;
    let drafts = || async {
        app.get("/api/v1/catalog/resources?status=draft", Some(&admin))
            .await
            .1["total"]
            .as_i64()
            .unwrap()
    };
    let before = drafts().await;

    let mut m = serde_json::to_value(sample_meta()).unwrap();
    m["legal_basis"] = Value::Null;
    m["items"][0]["code"] = json!("bad code");
    let (s, v, h) = app
        .call(
            Method::POST,
            "/api/v1/catalog/resources",
            Some(&steward),
            Some(m),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(h["content-type"], "application/problem+json");
    assert_eq!(v["code"], "validation_failed");
    assert_eq!(
        fields(&v),
        ["items[0].code", "key_fields[0]", "legal_basis"]
    );
    assert!(v["detail_zh"].as_str().unwrap().contains("法律"), "{v}");
    assert!(
        v["detail_en"].as_str().unwrap().contains("legal basis"),
        "{v}"
    );

    let mut m = serde_json::to_value(sample_meta()).unwrap();
    m["share_type"] = json!("maybe");
    let (s, v) = app
        .post("/api/v1/catalog/resources", Some(&steward), m)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed"))
    );
    assert_eq!(fields(&v), ["share_type"]);

    let mut m = serde_json::to_value(sample_meta()).unwrap();
    m.as_object_mut().unwrap().remove("name");
    let (s, v) = app
        .post("/api/v1/catalog/resources", Some(&steward), m)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["detail_en"].as_str().unwrap().contains("name"), "{v}");

    let resp = app
        .http
        .post(format!("{}/api/v1/catalog/resources", app.base))
        .bearer_auth(&steward)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["code"], "malformed_json");

    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let resp = app
        .http
        .post(format!("{}/api/v1/catalog/resources", app.base))
        .bearer_auth(&steward)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let resp = app
        .http
        .post(format!("{}/api/v1/catalog/resources", app.base))
        .bearer_auth(&steward)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let (s, v) = app
        .get("/api/v1/catalog/resources?share_type=maybe", Some(&admin))
        .await;
    assert_eq!(
        (s, fields(&v)),
        (StatusCode::BAD_REQUEST, vec!["share_type".to_string()])
    );
    let (s, _) = app
        .get(
            "/api/v1/catalog/resources?sharetype=conditional",
            Some(&admin),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let org = json!({"code": "d-c", "name": "新部门", "name_en": "New", "kind": "department", "parent": "gov", "region": "460000", "credit_code": "914403001922038217"});
    let (s, v) = app.post("/api/v1/orgs", Some(&admin), org.clone()).await;
    assert_eq!(
        (s, fields(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["credit_code".to_string()]
        )
    );
    let mut dup = org.clone();
    dup["code"] = json!("d-a");
    dup["credit_code"] = Value::Null;
    let (s, v) = app.post("/api/v1/orgs", Some(&admin), dup).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("duplicate_org"))
    );

    assert_eq!(drafts().await, before, "nothing was stored");
}

/// Every error the server sends is problem+json: refused path parameters, unknown methods
/// (with their `Allow` header), over-long URIs.
#[tokio::test]
async fn every_error_is_problem_json() {
    let app = app().await;
    let admin = app.login("admin").await;
    let problem = |s: StatusCode, v: &Value, h: &reqwest::header::HeaderMap| {
        assert_eq!(h["content-type"], "application/problem+json", "{s} {v}");
        assert!(
            v["code"].is_string() && v["detail_zh"].is_string() && v["detail_en"].is_string(),
            "{v}"
        );
        assert_eq!(v["status"].as_u64(), Some(s.as_u16() as u64), "{v}");
    };
    for (method, path) in [
        (
            Method::GET,
            "/api/v1/catalog/resources/101001-000001/versions/abc",
        ),
        (Method::GET, "/api/v1/audit/entries/-1"),
        (Method::POST, "/api/v1/tokens/abc/revoke"),
    ] {
        let (s, v, h) = app.call(method, path, Some(&admin), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: {v}");
        problem(s, &v, &h);
        assert_eq!(v["code"], "invalid_path_parameter", "{path}: {v}");
    }
    let (s, v, h) = app
        .call(
            Method::DELETE,
            "/api/v1/catalog/resources",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    problem(s, &v, &h);
    assert_eq!(v["code"], "method_not_allowed");
    let allow = h["allow"].to_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let long = format!("/api/v1/catalog/resources?q={}", "数".repeat(4000));
    let (s, v, h) = app.call(Method::GET, &long, Some(&admin), None).await;
    assert_eq!(s, StatusCode::URI_TOO_LONG);
    problem(s, &v, &h);
    assert_eq!(v["code"], "uri_too_long");
}

/// A caller who may not use an endpoint hears so (401/403) before anything about the body.
#[tokio::test]
async fn authorisation_comes_before_the_body() {
    let app = app().await;
    let send = |path: &'static str, auth: Option<String>| {
        let app = &app;
        async move {
            let mut req = app
                .http
                .post(format!("{}{path}", app.base))
                .header("content-type", "application/json")
                .body("{\"name\": ");
            if let Some(a) = auth {
                req = req.bearer_auth(a);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status();
            let v: Value = resp.json().await.unwrap();
            (status, v["code"].as_str().unwrap_or_default().to_string())
        }
    };
    let consumer = app.login("user.a").await;
    let steward = app.login("steward.a").await;
    for path in [
        "/api/v1/catalog/resources",
        "/api/v1/orgs",
        "/api/v1/collect/overrides",
        "/api/v1/collect/resources/101001-000001/batches",
        "/api/v1/share/needs",
    ] {
        let (s, code) = send(path, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{path}: {code}");
    }
    let (s, code) = send("/api/v1/catalog/resources", Some(consumer.clone())).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::FORBIDDEN, "requires_data_steward")
    );
    for path in [
        "/api/v1/orgs",
        "/api/v1/collect/overrides",
        "/api/v1/subjects",
    ] {
        let (s, code) = send(path, Some(steward.clone())).await;
        assert_eq!(
            (s, code.as_str()),
            (StatusCode::FORBIDDEN, "requires_platform_admin"),
            "{path}"
        );
    }
    // Who may use the endpoint still hears what is wrong with the body.
    let (s, code) = send("/api/v1/catalog/resources", Some(steward)).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
}

/// Names that show nothing, hide a NUL or display in another order than they are stored
/// are refused, each with a message naming the field.
#[tokio::test]
async fn invisible_and_reordering_names_are_refused() {
    let app = app().await;
    let steward = app.login("steward.a").await;
    for (name, reason) in [
        ("\u{200b}", "invisible_only"),
        ("\u{feff}\u{2060}", "invisible_only"),
        ("人口\u{0}信息", "control_character"),
        ("人口\n信息", "control_character"),
        ("人口信息\u{202e}txt.exe", "bidi_control"),
    ] {
        let mut m = serde_json::to_value(sample_meta()).unwrap();
        m["name"] = json!(name);
        let (s, v) = app
            .post("/api/v1/catalog/resources", Some(&steward), m)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}: {v}");
        assert_eq!(
            (
                v["errors"][0]["field"].as_str(),
                v["errors"][0]["reason"].as_str()
            ),
            (Some("name"), Some(reason)),
            "{name:?}: {v}"
        );
        assert!(v["detail_zh"].as_str().unwrap().contains("name"), "{v}");
    }
    let mut m = serde_json::to_value(sample_meta()).unwrap();
    m["items"][1]["name"] = json!("\u{200b}\u{200b}");
    let (s, v) = app
        .post("/api/v1/catalog/resources", Some(&steward), m)
        .await;
    assert_eq!(
        (s, fields(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["items[1].name".to_string()]
        ),
        "{v}"
    );
    // A summary may hold line breaks.
    let mut m = serde_json::to_value(sample_meta()).unwrap();
    m["summary"] = json!("第一段\n第二段");
    let (s, v) = app
        .post("/api/v1/catalog/resources", Some(&steward), m)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}
