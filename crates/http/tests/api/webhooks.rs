//! Webhooks: signed, retried, and never sent to internal addresses.
use super::*;

/// Webhooks: signed deliveries to a real receiver, retried after a failure.
#[tokio::test]
async fn webhooks_are_signed_and_retried() {
    use std::sync::{Arc, Mutex};
    let app = app().await;
    let store = app.store().await;
    let (open, _) = testkit::share_fixture(&store).await;
    let admin = app.login("admin").await;
    let c1 = app.login("user.c1").await;

    // A receiver that fails its first request and records the rest.
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (s2, c2) = (seen.clone(), calls.clone());
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let (seen, calls) = (s2.clone(), c2.clone());
            async move {
                if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                }
                let sig = headers["shuqiao-signature"].to_str().unwrap().to_string();
                seen.lock().unwrap().push((sig, body));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver_addr = listener.local_addr().unwrap();
    let url = format!("http://{receiver_addr}/hook");
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    // The receiver is on loopback: the operator allows it explicitly, as a deployment would.
    store.set_webhook_allowed_hosts(
        shuqiao_core::share::webhook::AllowedHosts::parse(&[receiver_addr.to_string()]).unwrap(),
    );

    let (s, v) = app
        .post(
            "/api/v1/webhooks",
            Some(&c1),
            json!({"org": "c1", "url": url}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a consumer user is not the org's steward: {v}"
    );
    let (s, hook) = app
        .post(
            "/api/v1/webhooks",
            Some(&admin),
            json!({"org": "c1", "url": url}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let secret = hook["secret"].as_str().unwrap().to_string();
    let (_, list) = app.get("/api/v1/webhooks?org=c1", Some(&c1)).await;
    assert!(
        list["items"][0].get("secret").is_none(),
        "the secret is shown once"
    );

    app.post(
        "/api/v1/share/subscriptions",
        Some(&c1),
        access("c1", &open),
    )
    .await;
    assert_eq!(shuqiao_http::webhook::deliver_due(&store).await.unwrap(), 1);
    assert!(seen.lock().unwrap().is_empty(), "the first attempt failed");
    assert_eq!(
        shuqiao_http::webhook::deliver_due(&store).await.unwrap(),
        0,
        "the retry waits for its back-off"
    );
    let (_, list) = app.get("/api/v1/webhooks?org=c1", Some(&c1)).await;
    assert_eq!(list["items"][0]["pending"], 1);
    // Make the retry due now rather than waiting out the back-off in a test.
    testkit::expire_retry_delays(&store).await;
    assert_eq!(shuqiao_http::webhook::deliver_due(&store).await.unwrap(), 1);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (sig, body) = &seen[0];
    assert!(shuqiao_core::share::verify_webhook_signature(
        &secret,
        sig,
        body.as_bytes()
    ));
    assert!(!shuqiao_core::share::verify_webhook_signature(
        "whsec_wrong",
        sig,
        body.as_bytes()
    ));
    let payload: Value = serde_json::from_str(body).unwrap();
    assert_eq!(payload["kind"], "grant.create");
    let (_, list) = app.get("/api/v1/webhooks?org=c1", Some(&c1)).await;
    assert_eq!(
        (
            list["items"][0]["pending"].as_i64(),
            list["items"][0]["delivered"].as_i64()
        ),
        (Some(0), Some(1))
    );
    let path = format!("/api/v1/webhooks/{}", hook["id"]);
    let (s, _, _) = app.call(Method::DELETE, &path, Some(&c1), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = app.call(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, list) = app.get("/api/v1/webhooks?org=c1", Some(&admin)).await;
    assert_eq!(list["total"], 0);
}

/// Webhooks to loopback, private, link-local or metadata addresses (also behind a name), or
/// with credentials in the URL, are refused at registration with a 422 naming `url`; a
/// delivery checks again, so a host that is no longer allowed is not sent to.
#[tokio::test]
async fn webhooks_to_internal_addresses_are_refused() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let app = app().await;
    let store = app.store().await;
    let (open, _) = testkit::share_fixture(&store).await;
    let admin = app.login("admin").await;
    let c1 = app.login("user.c1").await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { axum::http::StatusCode::NO_CONTENT }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    for (url, reason) in [
        (format!("http://127.0.0.1:{port}/hook"), "forbidden_address"),
        (format!("http://localhost:{port}/hook"), "forbidden_address"),
        ("http://[::1]:6379/".to_string(), "forbidden_address"),
        (
            "http://169.254.169.254/latest/meta-data/".to_string(),
            "forbidden_address",
        ),
        ("http://192.168.0.1/".to_string(), "forbidden_address"),
        (
            "http://user:pw@hooks.example/".to_string(),
            "credentials_in_url",
        ),
    ] {
        let (s, v) = app
            .post(
                "/api/v1/webhooks",
                Some(&admin),
                json!({"org": "c1", "url": url}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
        assert_eq!(fields(&v), ["url"], "{url}");
        assert_eq!(v["errors"][0]["reason"], reason, "{url}");
        assert!(v["errors"][0]["zh"].as_str().is_some_and(|m| !m.is_empty()));
    }

    // Allowed by name, registered, then no longer allowed: `localhost` is loopback again and
    // the delivery is refused without a connection.
    store.set_webhook_allowed_hosts(
        shuqiao_core::share::webhook::AllowedHosts::parse(&[format!("localhost:{port}")]).unwrap(),
    );
    let (s, v) = app
        .post(
            "/api/v1/webhooks",
            Some(&admin),
            json!({"org": "c1", "url": format!("http://localhost:{port}/hook")}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    store.set_webhook_allowed_hosts(Default::default());
    app.post(
        "/api/v1/share/subscriptions",
        Some(&c1),
        access("c1", &open),
    )
    .await;
    assert_eq!(shuqiao_http::webhook::deliver_due(&store).await.unwrap(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 0, "refused at delivery");
    let (_, list) = app.get("/api/v1/webhooks?org=c1", Some(&admin)).await;
    assert_eq!(
        (
            list["items"][0]["pending"].as_i64(),
            list["items"][0]["delivered"].as_i64()
        ),
        (Some(1), Some(0)),
        "recorded as a failed attempt"
    );
    // Allowed again, the retry goes through: the refusal was the check, not the receiver.
    store.set_webhook_allowed_hosts(
        shuqiao_core::share::webhook::AllowedHosts::parse(&[format!("localhost:{port}")]).unwrap(),
    );
    testkit::expire_retry_delays(&store).await;
    assert_eq!(shuqiao_http::webhook::deliver_due(&store).await.unwrap(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
