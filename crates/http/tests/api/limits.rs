//! Bounds every request meets before its meaning is looked at: how deep a JSON body nests
//! and how long a URI is, each refused as problem+json with its own code on every kind of
//! route, and answers that are never sniffed as another type.
use super::*;

/// `depth` arrays, one inside the other, as the value of `field` in an object.
fn nested_in(field: &str, depth: usize) -> String {
    format!(
        "{{\"{field}\": {}1{}}}",
        "[".repeat(depth - 1),
        "]".repeat(depth - 1)
    )
}

async fn post_raw(
    app: &App,
    path: &str,
    auth: Option<&str>,
    body: String,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut req = app
        .http
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/json")
        .body(body);
    if let Some(a) = auth {
        req = req.bearer_auth(a);
    }
    let resp = req.send().await.unwrap();
    let (s, h) = (resp.status(), resp.headers().clone());
    (s, resp.json().await.unwrap_or(Value::Null), h)
}

fn assert_problem(
    s: StatusCode,
    v: &Value,
    h: &reqwest::header::HeaderMap,
    status: StatusCode,
    code: &str,
) {
    assert_eq!((s, v["code"].as_str()), (status, Some(code)), "{v}");
    assert_eq!(h["content-type"], "application/problem+json");
    assert_eq!(v["status"], status.as_u16());
    for key in ["type", "title", "detail", "detail_zh", "detail_en"] {
        assert!(v[key].as_str().is_some_and(|t| !t.is_empty()), "{key}: {v}");
    }
}

/// A body nested deeper than the bound is 400 `json_too_deep` wherever JSON is taken —
/// signing in, cataloguing, adding a department, stating a need — and nothing is stored; one at
/// the bound reaches the ordinary validation.
#[tokio::test]
async fn json_nested_too_deep_is_refused_everywhere_with_its_own_code() {
    let app = app().await;
    let steward = app.login("steward.a").await;
    let consumer = app.login("user.a").await;
    let admin = app.login("admin").await;
    let count = |path: &'static str| {
        let (app, admin) = (&app, &admin);
        async move { app.get(path, Some(admin)).await.1["total"].as_i64() }
    };
    let drafts = count("/api/v1/catalog/resources?status=draft").await;
    let needs = count("/api/v1/share/needs").await;
    let deep = shuqiao_http::extract::MAX_JSON_DEPTH + 1;
    for (path, auth) in [
        ("/api/v1/auth/login", None),
        ("/api/v1/catalog/resources", Some(steward.as_str())),
        ("/api/v1/orgs", Some(admin.as_str())),
        ("/api/v1/share/needs", Some(consumer.as_str())),
    ] {
        let (s, v, h) = post_raw(&app, path, auth, nested_in("name", deep)).await;
        assert_problem(s, &v, &h, StatusCode::BAD_REQUEST, "json_too_deep");
        assert!(v["detail_zh"].as_str().unwrap().contains("嵌套"), "{v}");
        assert!(v["detail_en"].as_str().unwrap().contains("nested"), "{v}");
        // Far deeper than serde's own limit: still the same answer, and no crash.
        let (s, v, _) = post_raw(&app, path, auth, nested_in("name", 100_000)).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("json_too_deep"))
        );
    }
    assert_eq!(
        count("/api/v1/catalog/resources?status=draft").await,
        drafts
    );
    assert_eq!(count("/api/v1/share/needs").await, needs);

    // At the bound the body is parsed, and found wrong for its own reasons.
    let at = shuqiao_http::extract::MAX_JSON_DEPTH;
    let (s, v, _) = post_raw(
        &app,
        "/api/v1/catalog/resources",
        Some(&steward),
        nested_in("name", at),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
        "{v}"
    );
    // Who may not use the endpoint hears that first.
    let (s, v, _) = post_raw(
        &app,
        "/api/v1/catalog/resources",
        Some(&consumer),
        nested_in("name", deep),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("requires_data_steward"))
    );
}

/// A URI over the bound is 414 `uri_too_long` in problem+json on every kind of route: the
/// API, the exchange, CKAN's API, the console and the portal; one under it is served.
#[tokio::test]
async fn uris_over_the_bound_are_refused_on_every_kind_of_route() {
    let app = app().await;
    let long = "a".repeat(shuqiao_http::error::MAX_URI);
    for path in [
        "/api/v1/catalog/resources",
        "/api/v1/exchange/101001-000001/query",
        "/api/3/action/package_search",
        "/console/login",
        "/",
    ] {
        let (s, v, h) = app
            .call(Method::GET, &format!("{path}?q={long}"), None, None)
            .await;
        assert_problem(s, &v, &h, StatusCode::URI_TOO_LONG, "uri_too_long");
    }
    // Just under the bound the request is served.
    let under = "a".repeat(shuqiao_http::error::MAX_URI - 64);
    let (s, v) = app
        .get(&format!("/api/3/action/package_search?q={under}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// Answers and refusals alike say `nosniff`, the API's included.
#[tokio::test]
async fn every_answer_forbids_sniffing() {
    let app = app().await;
    for path in [
        "/api/v1/health",
        "/api/v1/no-such-thing",
        "/api/v1/audit/checkpoint",
        "/api/3/action/package_list",
    ] {
        let (_, _, h) = app.call(Method::GET, path, None, None).await;
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
    }
}
