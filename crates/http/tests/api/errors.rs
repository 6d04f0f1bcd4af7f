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

/// Sends a request's head, then its body a moment later (as clients that write them
/// separately do), and reads the answer's head; then, on the same connection, asks for
/// health and returns its status line, or `None` when the connection was closed.
async fn body_after_head(base: &str, path: &str, auth: Option<&str>) -> (String, Option<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = br#"{"reason": "a body the server has not read yet"}"#;
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(a) = auth {
        head.push_str(&format!("Authorization: Bearer {a}\r\n"));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.flush().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let _ = conn.write_all(body).await;
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = conn.read(&mut buf).await.unwrap();
        assert!(n > 0, "an answer");
        got.extend_from_slice(&buf[..n]);
    }
    // The problem body follows its head; give it time to arrive, then read what is there.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let answer = String::from_utf8_lossy(&got).to_lowercase();
    let answer_head = answer.split("\r\n\r\n").next().unwrap().to_string();
    let next = format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    if conn.write_all(next.as_bytes()).await.is_err() {
        return (answer_head, None);
    }
    let mut rest = Vec::new();
    let second = loop {
        match tokio::time::timeout(std::time::Duration::from_secs(5), conn.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break None,
            Ok(Ok(n)) => {
                rest.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&rest);
                if let Some(at) = text.find("HTTP/1.1 2") {
                    break Some(text[at..].lines().next().unwrap().to_string());
                }
            }
        }
    };
    (answer_head, second)
}

/// A refusal answered before the body arrived says the connection closes, so clients that
/// keep connections alive do not lose their next request on it; an answer after the body
/// keeps the connection.
#[tokio::test]
async fn a_refusal_before_the_body_closes_the_connection_and_says_so() {
    let app = app().await;
    let steward = app.login("steward.a").await;
    for (path, auth, status) in [
        ("/api/v1/orgs", None, "401"),
        ("/api/v1/subjects", Some(steward.as_str()), "403"),
    ] {
        let (head, _) = body_after_head(&app.base, path, auth).await;
        assert!(
            head.starts_with(&format!("http/1.1 {status}")),
            "{path}: {head}"
        );
        assert!(
            head.lines().any(|l| l == "connection: close"),
            "{path}: the refusal says the connection closes: {head}"
        );
    }
    let (head, next) = body_after_head(
        &app.base,
        "/api/v1/share/needs/999999/reject",
        Some(&steward),
    )
    .await;
    assert!(!head.contains("connection: close"), "{head}");
    assert!(
        next.is_some_and(|l| l.starts_with("HTTP/1.1 200")),
        "the connection stays open: {head}"
    );
}

/// A refused path parameter is named by its own name, also on routes that read a single
/// value.
#[tokio::test]
async fn a_refused_path_parameter_is_named() {
    let app = app().await;
    let admin = app.login("admin").await;
    for (path, name) in [
        ("/api/v1/audit/entries/-1", "index"),
        ("/api/v1/audit/entries/x", "index"),
        ("/api/v1/audit/entries/18446744073709551616", "index"),
    ] {
        let (s, v, h) = app.call(Method::GET, path, Some(&admin), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: {v}");
        assert!(h["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json"));
        assert_eq!(v["code"], "invalid_path_parameter", "{path}: {v}");
        assert_eq!(v["errors"][0]["field"], name, "{path}: {v}");
        assert!(
            v["detail_en"]
                .as_str()
                .unwrap()
                .contains(&format!("path parameter {name} ")),
            "{v}"
        );
    }
}
