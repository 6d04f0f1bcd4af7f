//! The exchange API over HTTP, as an authority matrix: who may read what, and that nothing
//! outside a grant ever appears in a body.
use super::*;
use shuqiao_core::share::{AccessRequest, Approval};

pub(super) const A: &str = "11010519491231002X";
pub(super) const B: &str = "440524188001010014";

pub(super) struct Setup {
    pub app: App,
    pub code: String,
    pub token: String,
    pub other_token: String,
    pub grant: i64,
}

async fn setup() -> Setup {
    setup_with(shuqiao_service::system_clock()).await
}

/// A conditional resource with two people in it, and a 30-day grant for `c1-sys` on GMSFHM
/// (核心: verify only) and XM, but not CSRQ; `c2-sys` of another organisation has none.
pub(super) async fn setup_with(clock: shuqiao_service::Clock) -> Setup {
    let app = app_with_clock(clock).await;
    let s = app._db.store.clone();
    let (_, code) = testkit::share_fixture(&s).await;
    let steward = s.principal_for("steward.a").await.unwrap();
    let consumer = s.principal_for("user.c1").await.unwrap();
    // Data to exchange.
    let mut req = shuqiao_service::collect::BatchRequest::new(
        &code,
        shuqiao_service::collect::Channel::Import,
        "t.csv",
    );
    req.policy = shuqiao_core::collect::BatchPolicy::AllOrNothing;
    let rows = shuqiao_core::collect::source::VecSource::new(
        vec!["GMSFHM".into(), "XM".into(), "CSRQ".into()],
        vec![
            vec![A.into(), "张三".into(), "1949-12-31".into()],
            vec![B.into(), "李四".into(), "1880-01-01".into()],
        ],
    );
    s.collect_batch(steward.clone(), req, rows, None)
        .await
        .unwrap();
    // c1-sys may use GMSFHM (核心: verify only) and XM; not CSRQ.
    let app_id = s
        .apply(
            consumer,
            AccessRequest {
                system: "c1-sys".into(),
                resource: code.clone(),
                fields: vec!["GMSFHM".into(), "XM".into()],
                purpose: "社会保险待遇资格认证".into(),
                scene: "待遇发放".into(),
                legal_basis: "《社会保险法》".into(),
                days: 30,
            },
        )
        .await
        .unwrap()
        .id;
    let grant = s
        .approve_application(steward, app_id, Approval::default())
        .await
        .unwrap()
        .grant_id
        .unwrap();
    let (token, _) = s
        .issue_token(
            &shuqiao_service::testkit::admin_principal(),
            "c1-sys",
            "exchange",
            30,
        )
        .await
        .unwrap();
    let (other_token, _) = s
        .issue_token(
            &shuqiao_service::testkit::admin_principal(),
            "c2-sys",
            "exchange",
            30,
        )
        .await
        .unwrap();
    Setup {
        app,
        code,
        token,
        other_token,
        grant,
    }
}

#[tokio::test]
async fn lookups_and_verification_within_the_grant() {
    let Setup {
        app,
        code,
        token,
        grant,
        ..
    } = setup().await;
    let (s, v, h) = app
        .call(
            Method::GET,
            &format!("/api/v1/exchange/{code}/records/{A}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["record"],
        json!({"XM": "张三"}),
        "only granted, non-核心 fields leave: {v}"
    );
    assert_eq!(v["grant"], grant);
    let index = v["receipt"]["index"].as_u64().unwrap();
    assert_eq!(h["shuqiao-audit-index"], index.to_string().as_str());
    assert!(v["receipt"]["checkpoint"]
        .as_str()
        .unwrap()
        .contains("test.shuqiao/audit"));
    // The access is in the log, with the grant and the person's keyed hash.
    let auditor = app.login("auditor").await;
    let (_, e) = app
        .get(&format!("/api/v1/audit/entries/{index}"), Some(&auditor))
        .await;
    assert_eq!(
        (e["entry"]["action"].as_str(), e["entry"]["grant"].as_str()),
        (Some("exchange.lookup"), Some(grant.to_string().as_str())),
        "{e}"
    );
    assert!(
        !e.to_string().contains(A),
        "no clear identifier in the log: {e}"
    );

    let (s, v) = app
        .get(
            &format!("/api/v1/exchange/{code}/records/460106199003071235"),
            Some(&token),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("record_not_found"))
    );
    assert!(
        v["receipt"]["index"].is_u64(),
        "a miss is an access too: {v}"
    );

    let (s, v) = app
        .post(
            &format!("/api/v1/exchange/{code}/records"),
            Some(&token),
            json!({"keys": [A, "nobody", B]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let found: Vec<bool> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["found"].as_bool().unwrap())
        .collect();
    assert_eq!(found, [true, false, true]);
    assert!(
        !v.to_string().contains("1949-12-31"),
        "CSRQ is outside the grant: {v}"
    );

    let verify = format!("/api/v1/exchange/{code}/verify");
    let (s, v) = app
        .post(
            &verify,
            Some(&token),
            json!({"key": A, "claims": {"XM": "张三", "GMSFHM": A}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["results"], json!({"XM": "match", "GMSFHM": "match"}));
    let (_, v) = app
        .post(
            &verify,
            Some(&token),
            json!({"key": A, "claims": {"XM": "李四"}}),
        )
        .await;
    assert_eq!(v["results"], json!({"XM": "no_match"}));
    assert!(
        !v.to_string().contains("张三"),
        "a verification never discloses: {v}"
    );
    let (_, v) = app
        .post(
            &verify,
            Some(&token),
            json!({"key": "460106199003071235", "claims": {"XM": "王海燕"}}),
        )
        .await;
    assert_eq!(v["results"], json!({"XM": "no_record"}));

    let (s, v) = app.get("/api/v1/exchange/grants", Some(&token)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v["items"][0]["fields"],
        json!({"clear": ["XM"], "verify_only": ["GMSFHM"]})
    );
}

#[tokio::test]
async fn the_authority_matrix_refuses_and_audits() {
    let Setup {
        app,
        code,
        token,
        other_token,
        grant,
    } = setup().await;
    let lookup = format!("/api/v1/exchange/{code}/records/{A}");
    let verify = format!("/api/v1/exchange/{code}/verify");
    // No token, a malformed token, a person's session.
    let (s, _) = app.get(&lookup, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app.get(&lookup, Some("sq_not-a-real-token")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = app.get(&lookup, Some(&app.login("steward.a").await)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("system_token_required"))
    );
    // Another organisation's system has no grant.
    let (s, v) = app.get(&lookup, Some(&other_token)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("no_grant")),
        "{v}"
    );
    // A field outside the grant; a 核心 field asked in clear.
    let (s, v) = app
        .get(&format!("{lookup}?fields=CSRQ"), Some(&token))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("field_not_granted"))
    );
    let (s, v) = app
        .get(&format!("{lookup}?fields=GMSFHM"), Some(&token))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("core_field_verify_only"))
    );
    let (s, v) = app
        .post(
            &verify,
            Some(&token),
            json!({"key": A, "claims": {"CSRQ": "1949-12-31"}}),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("field_not_granted"))
    );
    assert!(!v.to_string().contains("张三"));
    // Revoked grant: refused on the very next request.
    let admin = app._db.store.principal_for("steward.a").await.unwrap();
    app._db
        .store
        .revoke_grant(admin, grant, "用途已结束".into())
        .await
        .unwrap();
    let (s, v) = app.get(&lookup, Some(&token)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("no_grant"))
    );
    // A revoked token.
    let info = app
        ._db
        .store
        .list_tokens(Some("c1-sys".into()))
        .await
        .unwrap();
    app._db
        .store
        .revoke_token(&shuqiao_service::testkit::admin_principal(), info[0].id)
        .await
        .unwrap();
    let (s, _) = app.get(&lookup, Some(&token)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Each refusal of an identified system is itself in the log.
    let auditor = app.login("auditor").await;
    let (_, e) = app
        .get(
            "/api/v1/audit/entries?action=exchange.lookup&limit=100",
            Some(&auditor),
        )
        .await;
    let results: Vec<&str> = e["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["result"].as_str())
        .collect();
    for denied in [
        "denied:no_grant",
        "denied:field_not_granted",
        "denied:core_field_verify_only",
    ] {
        assert!(
            results.contains(&denied),
            "{denied} not audited: {results:?}"
        );
    }
}
