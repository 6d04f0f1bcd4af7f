//! Operator administration: organisations, accounts, systems and their tokens.
use super::*;

#[tokio::test]
async fn who_may_and_who_may_not() {
    let app = app().await;
    let admin = app.login("admin").await;
    let steward_a = app.login("steward.a").await;
    let steward_b = app.login("steward.b").await;
    let user = app.login("user.a").await;
    let auditor = app.login("auditor").await;

    // Cataloguing: only the provider's steward.
    let meta = serde_json::to_value(sample_meta()).unwrap();
    for (who, expected) in [
        (None, 401),
        (Some(&user), 403),
        (Some(&steward_b), 403),
        (Some(&admin), 403),
        (Some(&steward_a), 201),
    ] {
        let (s, v) = app
            .post(
                "/api/v1/catalog/resources",
                who.map(|s| s.as_str()),
                meta.clone(),
            )
            .await;
        assert_eq!(s.as_u16(), expected, "{v}");
    }
    let code = app
        .get("/api/v1/catalog/resources?status=draft", Some(&steward_a))
        .await
        .1["items"][0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/catalog/resources/{code}"),
            Some(&steward_b),
            Some(meta.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .post(
            &format!("/api/v1/catalog/resources/{code}/submit"),
            Some(&steward_b),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Another steward does not even learn the draft exists.
    let (s, _) = app
        .get(
            &format!("/api/v1/catalog/resources/{code}"),
            Some(&steward_b),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .get(&format!("/api/v1/catalog/resources/{code}"), Some(&auditor))
        .await;
    assert_eq!(s, StatusCode::OK);

    // Operator-only administration.
    let new_org = json!({"code": "d-new", "name": "新部门", "name_en": "New", "kind": "department", "parent": "gov", "region": "460000"});
    let new_acct = json!({"username": "new.user", "display_name": "新人", "org": "d-a", "roles": [{"role": "consumer_user", "org": "d-a"}], "password": "Good-pass-2026"});
    let new_sys = json!({"code": "d-a-new", "name": "新系统", "name_en": "", "org": "d-a", "description": ""});
    for (path, body) in [
        ("/api/v1/orgs", &new_org),
        ("/api/v1/accounts", &new_acct),
        ("/api/v1/systems", &new_sys),
        ("/api/v1/systems/d-a-sys/tokens", &json!({"name": "t"})),
    ] {
        for (who, expected) in [
            (None, 401),
            (Some(&steward_a), 403),
            (Some(&auditor), 403),
            (Some(&admin), 201),
        ] {
            let (s, v) = app.post(path, who.map(|s| s.as_str()), body.clone()).await;
            assert_eq!(s.as_u16(), expected, "{path}: {v}");
        }
    }
    for (who, expected) in [
        (None, 401),
        (Some(&steward_a), 403),
        (Some(&auditor), 200),
        (Some(&admin), 200),
    ] {
        let (s, _) = app.get("/api/v1/accounts", who.map(|s| s.as_str())).await;
        assert_eq!(s.as_u16(), expected);
    }
    for (who, expected) in [
        (None, 401),
        (Some(&steward_b), 403),
        (Some(&user), 200),
        (Some(&auditor), 200),
    ] {
        let (s, _) = app
            .get("/api/v1/systems/d-a-sys/tokens", who.map(|s| s.as_str()))
            .await;
        assert_eq!(s.as_u16(), expected);
    }
    let (s, v) = app.post("/api/v1/accounts", Some(&admin), json!({"username": "weak", "display_name": "x", "org": "d-a", "roles": [{"role": "auditor", "org": "d-a"}], "password": "short"})).await;
    assert_eq!(
        (s, fields(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["password".to_string()]
        )
    );
}

#[tokio::test]
async fn system_tokens_are_shown_once_and_revocation_is_immediate() {
    let app = app().await;
    let admin = app.login("admin").await;
    let (s, issued) = app
        .post(
            "/api/v1/systems/d-a-sys/tokens",
            Some(&admin),
            json!({"name": "exchange", "ttl_days": 30}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let token = issued["token"].as_str().unwrap().to_string();
    let (s, me) = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(
        (s, me["kind"].as_str(), me["system"].as_str()),
        (StatusCode::OK, Some("system"), Some("d-a-sys"))
    );
    let (_, list) = app
        .get("/api/v1/systems/d-a-sys/tokens", Some(&admin))
        .await;
    assert!(
        !list.to_string().contains(&token),
        "the token is never listed"
    );

    let (s, _) = app
        .post(
            &format!("/api/v1/tokens/{}/revoke", issued["id"]),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a system cannot revoke tokens");
    let (s, _) = app
        .post(
            &format!("/api/v1/tokens/{}/revoke", issued["id"]),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_credentials"))
    );
    let (s, v) = app.get("/api/v1/me", Some("not-a-token")).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("malformed_credentials"))
    );
    let (s, _) = app.get("/api/v1/me", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
