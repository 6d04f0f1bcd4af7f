//! Signing in: failed logins are throttled per address and answered alike for any name.
use super::*;

#[tokio::test]
async fn repeated_failed_logins_are_throttled() {
    let app = app().await;
    for _ in 0..5 {
        let (s, v) = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"username": "steward.a", "password": "wrong-guess-1"}),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("bad_credentials"))
        );
    }
    let (s, v, h) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "steward.a", "password": testkit::PASSWORD})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts"))
    );
    assert!(h.get("retry-after").is_some());
}

/// Wrong passwords from one address lock that address out of the account, not the owner
/// signing in from elsewhere; an unknown name is answered exactly like a known one.
#[tokio::test]
async fn failed_logins_lock_the_address_not_the_account() {
    let app = app().await;
    let from = |ip: &str| {
        Client::builder()
            .local_address(Some(ip.parse().unwrap()))
            .build()
            .unwrap()
    };
    let login = |client: Client, user: &'static str, password: &'static str| {
        let url = format!("{}/api/v1/auth/login", app.base);
        async move {
            let r = client
                .post(url)
                .json(&json!({"username": user, "password": password}))
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let attacker = from("127.0.0.2");
    let (_, known) = login(attacker.clone(), "admin", "wrong-guess-1").await;
    let (_, unknown) = login(attacker.clone(), "no.such.user", "wrong-guess-1").await;
    for v in [&known, &unknown] {
        assert_eq!(v["code"], "bad_credentials");
    }
    assert_eq!(
        known, unknown,
        "an unknown name is answered like a known one"
    );
    for _ in 0..4 {
        login(attacker.clone(), "admin", "wrong-guess-1").await;
        login(attacker.clone(), "no.such.user", "wrong-guess-1").await;
    }
    for user in ["admin", "no.such.user"] {
        let (s, v) = login(attacker.clone(), user, testkit::PASSWORD).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts")),
            "{user}: {v}"
        );
        assert!(v.to_string().contains("5 min"), "{v}");
    }
    let (s, v) = login(from("127.0.0.1"), "admin", testkit::PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "the owner elsewhere still signs in: {v}");
}
