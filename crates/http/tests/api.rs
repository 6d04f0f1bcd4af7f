//! The HTTP API against a real server on a random port.
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use shuqiao_store::testkit::{self, fixture, sample_meta, TestDb};

#[path = "api/bodies.rs"]
mod bodies;
#[path = "api/collect.rs"]
mod collect;
#[path = "api/csv_export.rs"]
mod csv_export;
#[path = "api/exchange.rs"]
mod exchange;
#[path = "api/exchange_feed.rs"]
mod exchange_feed;

struct App {
    base: String,
    http: Client,
    _db: TestDb,
}

async fn app() -> App {
    app_with_clock(shuqiao_store::system_clock()).await
}

async fn app_with_clock(clock: shuqiao_store::Clock) -> App {
    let mut db = testkit::sqlite(clock).await;
    db.store = db
        .store
        .clone()
        .with_audit(shuqiao_store::audit::AuditKeys::generate("test.shuqiao/audit").unwrap());
    fixture(&db.store).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = shuqiao_http::AppState {
        store: std::sync::Arc::new(db.store.clone()),
        demo: true,
    };
    tokio::spawn(shuqiao_http::serve(listener, state, std::future::pending()));
    App {
        base,
        http: Client::new(),
        _db: db,
    }
}

impl App {
    async fn call(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(a) = auth {
            req = req.bearer_auth(a);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
            headers,
        )
    }
    async fn get(&self, path: &str, auth: Option<&str>) -> (StatusCode, Value) {
        let (s, v, _) = self.call(Method::GET, path, auth, None).await;
        (s, v)
    }
    async fn post(&self, path: &str, auth: Option<&str>, body: Value) -> (StatusCode, Value) {
        let (s, v, _) = self.call(Method::POST, path, auth, Some(body)).await;
        (s, v)
    }
    async fn login(&self, user: &str) -> String {
        let (s, v) = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"username": user, "password": testkit::PASSWORD}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["session"].as_str().unwrap().to_string()
    }
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

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
    let (_, landing) = app.get("/", None).await;
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

#[tokio::test]
async fn audit_log_is_verifiable_by_anyone_and_readable_by_auditors() {
    use shuqiao_core::audit::merkle::{verify_consistency, verify_inclusion, Hash};
    use shuqiao_core::audit::note::{Checkpoint, NoteVerifier, SignedNote};
    let h = |v: &Value| -> Hash {
        hex::decode(v.as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap()
    };
    let app = app().await;
    let steward = app.login("steward.a").await;
    let (s, _) = app
        .post(
            "/api/v1/catalog/resources",
            Some(&steward),
            serde_json::to_value(sample_meta()).unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let code = app
        .get("/api/v1/catalog/resources?status=draft", Some(&steward))
        .await
        .1["items"][0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("/api/v1/catalog/resources/{code}/submit"),
        Some(&steward),
        json!({}),
    )
    .await;
    app._db.store.audit_seal_pending().await.unwrap();

    // Anyone: the key, the checkpoint, and proofs that check out against them.
    let (s, key) = app.get("/api/v1/audit/public-key", None).await;
    assert_eq!(s, StatusCode::OK);
    let verifier = NoteVerifier::parse(key.as_str().unwrap()).unwrap();
    let (_, note) = app.get("/api/v1/audit/checkpoint", None).await;
    let note = SignedNote::parse(note.as_str().unwrap()).unwrap();
    assert!(note.signed_by(&verifier));
    let cp = Checkpoint::parse_body(&note.body).unwrap();
    assert_eq!(
        cp.size, 8,
        "the fixture's six security changes, then create and submit were sealed"
    );
    let last = cp.size - 1;
    let (s, proof) = app
        .get(
            &format!(
                "/api/v1/audit/proofs/inclusion?index={last}&size={}",
                cp.size
            ),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{proof}");
    let path: Vec<Hash> = proof["proof"].as_array().unwrap().iter().map(h).collect();
    assert!(verify_inclusion(
        &h(&proof["leaf_hash"]),
        last,
        cp.size,
        &path,
        &cp.root
    ));
    let (_, c) = app
        .get(
            &format!("/api/v1/audit/proofs/consistency?from=1&to={}", cp.size),
            None,
        )
        .await;
    let path: Vec<Hash> = c["proof"].as_array().unwrap().iter().map(h).collect();
    let first = app._db.store.audit_inclusion_proof(0, 1).await.unwrap();
    assert!(first.is_empty());
    let (_, leaf0) = app
        .get("/api/v1/audit/proofs/inclusion?index=0&size=1", None)
        .await;
    assert!(verify_consistency(
        1,
        cp.size,
        &path,
        &h(&leaf0["leaf_hash"]),
        &cp.root
    ));
    let (s, v) = app
        .get("/api/v1/audit/proofs/inclusion?index=5&size=2", None)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("bad_tree_range"))
    );
    let (s, _) = app
        .get("/api/v1/audit/proofs/inclusion?index=x&size=2", None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Entries: auditors and the operator only.
    let auditor = app.login("auditor").await;
    for (who, expected) in [(None, 401), (Some(&steward), 403), (Some(&auditor), 200)] {
        let (s, _) = app
            .get("/api/v1/audit/entries", who.map(|s| s.as_str()))
            .await;
        assert_eq!(s.as_u16(), expected);
    }
    let (_, page) = app
        .get(
            &format!("/api/v1/audit/entries?resource={code}&action=catalog.create"),
            Some(&auditor),
        )
        .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["actor_person"], "steward.a");
    let resp = app
        .http
        .get(format!("{}/api/v1/audit/entries?format=csv", app.base))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = resp.text().await.unwrap();
    assert!(
        csv.starts_with("index,time,actor_org") && csv.contains("catalog.submit"),
        "{csv}"
    );
    let (s, _) = app
        .get(
            "/api/v1/audit/entries?subject_kind=robot&subject_id=1",
            Some(&auditor),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app
        .get("/api/v1/audit/entries?actor=x", Some(&auditor))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn without_audit_keys_the_log_fails_closed() {
    let db = testkit::sqlite(shuqiao_store::system_clock()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(shuqiao_http::serve(
        listener,
        shuqiao_http::AppState {
            store: std::sync::Arc::new(db.store.clone()),
            demo: false,
        },
        std::future::pending(),
    ));
    let r = Client::new()
        .get(format!("{base}/api/v1/audit/checkpoint"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "audit_unavailable");
}

#[tokio::test]
async fn witnesses_cosign_checkpoints_and_strangers_cannot() {
    use shuqiao_core::audit::note::{NoteSigner, SignedNote};
    let app = app().await;
    let steward = app.login("steward.a").await;
    app.post(
        "/api/v1/catalog/resources",
        Some(&steward),
        serde_json::to_value(sample_meta()).unwrap(),
    )
    .await;
    app._db.store.audit_seal_pending().await.unwrap();
    let witness = NoteSigner::new("witness.sanya", [21u8; 32]).unwrap();
    let stranger = NoteSigner::new("stranger", [22u8; 32]).unwrap();
    app._db.store.add_audit_witness(witness.verifier()).unwrap();
    let (_, note) = app.get("/api/v1/audit/checkpoint", None).await;
    let note = SignedNote::parse(note.as_str().unwrap()).unwrap();
    let post = |body: String| {
        let url = format!("{}/api/v1/audit/cosignatures", app.base);
        let http = app.http.clone();
        async move {
            let r = http
                .post(url)
                .header("content-type", "text/plain")
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, v) = post(note.cosign(&stranger)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("unknown_witness"))
    );
    let size = shuqiao_core::audit::note::Checkpoint::parse_body(&note.body)
        .unwrap()
        .size;
    let forged_body = note
        .body
        .replace(&format!("\n{size}\n"), &format!("\n{}\n", size + 1));
    let (s, _) = post(
        SignedNote {
            body: forged_body,
            signatures: note.signatures.clone(),
        }
        .cosign(&witness),
    )
    .await;
    assert!(
        s.is_client_error(),
        "a cosignature of a body this log never signed is refused"
    );
    let (s, v) = post(note.cosign(&witness)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["witnesses"], json!(["witness.sanya"]));
    let (_, now) = app.get("/api/v1/audit/checkpoint", None).await;
    assert!(SignedNote::parse(now.as_str().unwrap())
        .unwrap()
        .signed_by(&witness.verifier()));
}

impl App {
    async fn put(&self, path: &str, auth: Option<&str>, body: Value) -> (StatusCode, Value) {
        let (s, v, _) = self.call(Method::PUT, path, auth, Some(body)).await;
        (s, v)
    }
    async fn store(&self) -> shuqiao_store::Store {
        self._db.store.clone()
    }
}

fn access(org: &str, resource: &str) -> Value {
    json!({
        "system": format!("{org}-sys"), "resource": resource, "fields": ["GMSFHM", "XM"],
        "purpose": "政务服务身份核验", "scene": "办理社保卡", "legal_basis": "《社会保险法》", "days": 365
    })
}

/// Who may and who may not, for every sharing endpoint, through the real server.
#[tokio::test]
async fn sharing_over_http_with_its_authorisation_matrix() {
    let app = app().await;
    let (open, cond) = testkit::share_fixture(&app.store().await).await;
    let admin = app.login("admin").await;
    let steward_a = app.login("steward.a").await;
    let steward_b = app.login("steward.b").await;
    let c1 = app.login("user.c1").await;
    let auditor = app.login("auditor").await;
    let (_, issued) = app
        .post(
            "/api/v1/systems/c1-sys/tokens",
            Some(&admin),
            json!({"name": "exchange"}),
        )
        .await;
    let c1_token = issued["token"].as_str().unwrap().to_string();
    let code = |v: &Value| v["code"].as_str().unwrap_or("").to_string();

    // Subscribe (unconditional).
    let (s, _) = app
        .post("/api/v1/share/subscriptions", None, access("c1", &open))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, g) = app
        .post(
            "/api/v1/share/subscriptions",
            Some(&c1),
            access("c1", &open),
        )
        .await;
    assert_eq!(
        (s, g["state"].as_str()),
        (StatusCode::CREATED, Some("active"))
    );

    // Apply (conditional): refusals name what to fix.
    let (s, v) = app
        .post(
            "/api/v1/share/applications",
            Some(&steward_b),
            access("c1", &cond),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::FORBIDDEN, "not_consumer_of_system".into())
    );
    let mut bad = access("c1", &cond);
    bad["purpose"] = json!("");
    bad["fields"] = json!(["NOPE"]);
    let (s, v) = app.post("/api/v1/share/applications", Some(&c1), bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&v), ["purpose", "fields"]);
    assert!(v["detail_zh"].as_str().unwrap().contains("使用目的"), "{v}");
    let mut extra = access("c1", &cond);
    extra["grade"] = json!("x");
    let (s, _) = app
        .post("/api/v1/share/applications", Some(&c1), extra)
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown body fields are refused"
    );
    let (s, app1) = app
        .post("/api/v1/share/applications", Some(&c1), access("c1", &cond))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{app1}");
    assert!(app1["due_date"].as_str().is_some(), "{app1}");
    let id = app1["id"].as_i64().unwrap();

    // Decide: only the provider's steward, once.
    let approve = format!("/api/v1/share/applications/{id}/approve");
    let narrower = json!({"fields": ["XM"], "days": 30, "opinion": "仅同意姓名"});
    for (who, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(&steward_b), StatusCode::FORBIDDEN),
        (Some(&c1), StatusCode::FORBIDDEN),
        (Some(&admin), StatusCode::FORBIDDEN),
    ] {
        let (s, v) = app
            .post(&approve, who.map(|s| s.as_str()), narrower.clone())
            .await;
        assert_eq!(s, status, "{v}");
    }
    let (s, v) = app.post(&approve, Some(&steward_a), narrower.clone()).await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{v}"
    );
    let grant = v["grant_id"].as_i64().unwrap();
    let (s, v) = app.post(&approve, Some(&steward_a), narrower).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::CONFLICT, "already_decided".into())
    );
    let (s, v) = app
        .get(
            &format!("/api/v1/share/applications/{id}"),
            Some(&steward_b),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = app
        .get("/api/v1/share/applications/abc", Some(&admin))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not_found".into()));

    // Grants: the consumer's system token sees its own; other departments nothing.
    let (s, v) = app.get("/api/v1/share/grants", Some(&c1_token)).await;
    assert_eq!(
        (s, v["items"].as_array().unwrap().len()),
        (StatusCode::OK, 2)
    );
    let (_, v) = app
        .get("/api/v1/share/grants?limit=1", Some(&c1_token))
        .await;
    assert_eq!(
        (v["items"].as_array().unwrap().len(), v["total"].as_i64()),
        (1, Some(2)),
        "`total` counts every match, not the page: {v}"
    );
    let (_, v) = app
        .get("/api/v1/share/grants?status=active", Some(&steward_b))
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    let (s, _) = app.get("/api/v1/share/grants", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = app
        .get("/api/v1/share/grants?colour=red", Some(&admin))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "invalid_parameter".into())
    );
    let revoke = format!("/api/v1/share/grants/{grant}/revoke");
    let (s, _) = app.post(&revoke, Some(&c1), json!({"reason": "x"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .post(&revoke, Some(&steward_b), json!({"reason": "x"}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app
        .post(&revoke, Some(&steward_a), json!({"reason": "业务调整"}))
        .await;
    assert_eq!((s, v["state"].as_str()), (StatusCode::OK, Some("revoked")));

    // Oversight: supervision and figures.
    let (s, _) = app.get("/api/v1/share/supervision", Some(&steward_a)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.get("/api/v1/share/supervision", Some(&auditor)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get("/api/v1/share/stats", Some(&steward_a)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .get("/api/v1/share/stats?org=d-a", Some(&steward_a))
        .await;
    assert_eq!(
        (s, v["applications_answered"].as_u64()),
        (StatusCode::OK, Some(1))
    );
    let (s, _) = app
        .get("/api/v1/share/stats?org=d-a", Some(&steward_b))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Calendar and settings: anyone reads, only the operator writes.
    let (s, v) = app.get("/api/v1/share/calendar", None).await;
    assert_eq!((s, v["total"].as_u64()), (StatusCode::OK, Some(2)));
    let (_, v) = app.get("/api/v1/share/calendar/2026", None).await;
    assert!(v["source"].as_str().unwrap().contains("2026"));
    let y2027 = json!({"year": 2027, "source": "测试", "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-01"}], "workdays": []});
    let (s, _) = app
        .put(
            "/api/v1/share/calendar/2027",
            Some(&steward_a),
            y2027.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .put("/api/v1/share/calendar/2028", Some(&admin), y2027.clone())
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "year_mismatch".into())
    );
    let (s, _) = app
        .put("/api/v1/share/calendar/2027", Some(&admin), y2027)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .put(
            "/api/v1/share/settings",
            Some(&steward_a),
            json!({"answer_working_days": 3}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .put(
            "/api/v1/share/settings",
            Some(&admin),
            json!({"answer_working_days": 99}),
        )
        .await;
    assert_eq!(
        (s, fields(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["answer_working_days".to_string()]
        )
    );
    let (_, v) = app.get("/api/v1/share/settings", None).await;
    assert_eq!(v["answer_working_days"], 2);

    // The negative list: proposed by the provider, reviewed by all three.
    let proposal = json!({"resource": open, "action": "add", "legal_basis": "《保守国家秘密法》", "reason": "涉密"});
    let (s, _) = app
        .post(
            "/api/v1/share/negative-proposals",
            Some(&steward_b),
            proposal.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, p) = app
        .post(
            "/api/v1/share/negative-proposals",
            Some(&steward_a),
            proposal,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let review = format!("/api/v1/share/negative-proposals/{}/review", p["id"]);
    let (s, _) = app
        .post(&review, Some(&steward_b), json!({"decision": "approve"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for who in ["admin", "legal", "secrecy"] {
        let session = app.login(who).await;
        let (s, v) = app
            .post(
                &review,
                Some(&session),
                json!({"decision": "approve", "opinion": "同意"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{who}: {v}");
    }
    let (s, _) = app.get("/api/v1/share/negative-list", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, v) = app
        .get("/api/v1/share/negative-list", Some(&steward_b))
        .await;
    assert_eq!(v["items"][0]["resource"], json!(open));
    let (s, v) = app
        .post(
            "/api/v1/share/subscriptions",
            Some(&c1),
            access("c1", &open),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::FORBIDDEN, "negative_listed".into())
    );

    // Needs and responsibilities.
    let (s, need) = app
        .post(
            "/api/v1/share/needs",
            Some(&c1),
            json!({"title": "人口信息", "description": "核验身份"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let confirm = format!("/api/v1/share/needs/{}/confirm", need["id"]);
    let (s, _) = app
        .post(&confirm, Some(&steward_b), json!({"resource": cond}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(&confirm, Some(&admin), json!({"resource": cond}))
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("confirmed"))
    );
    let (_, v) = app.get("/api/v1/share/needs", Some(&steward_b)).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    let (s, _) = app.get("/api/v1/share/responsibilities", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let duty = json!({"org": "d-a", "title": "流动人口", "duty": "三定方案"});
    let (s, _) = app
        .post(
            "/api/v1/share/responsibilities",
            Some(&steward_b),
            duty.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post("/api/v1/share/responsibilities", Some(&admin), duty)
        .await;
    assert_eq!(
        (s, v["gap"].as_str()),
        (StatusCode::CREATED, Some("no_resource"))
    );

    // The inbox is per organisation.
    let (_, inbox) = app.get("/api/v1/inbox?unread=true", Some(&c1)).await;
    let items = inbox["items"].as_array().unwrap();
    assert!(
        items.iter().any(|i| i["kind"] == "application.approve"),
        "{inbox}"
    );
    let first = items[0]["id"].as_i64().unwrap();
    let (s, _) = app
        .post(
            &format!("/api/v1/inbox/{first}/read"),
            Some(&steward_b),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .post(&format!("/api/v1/inbox/{first}/read"), Some(&c1), json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    // The rest of the matrix: other departments are refused or see nothing.
    let (s, _) = app
        .get(
            &format!("/api/v1/share/needs/{}", need["id"]),
            Some(&steward_b),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .get(
            &format!("/api/v1/share/needs/{}", need["id"]),
            Some(&auditor),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(
            &format!("/api/v1/share/needs/{}/reject", need["id"]),
            Some(&c1),
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, pending) = app
        .post("/api/v1/share/applications", Some(&c1), access("c1", &cond))
        .await;
    let withdraw = format!("/api/v1/share/applications/{}/withdraw", pending["id"]);
    let (s, _) = app.post(&withdraw, Some(&steward_a), json!({})).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the provider cannot withdraw the consumer's application"
    );
    let (s, v) = app.post(&withdraw, Some(&c1), json!({})).await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("withdrawn"))
    );
    let (s, _) = app.get("/api/v1/inbox?org=d-a", Some(&c1)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.get("/api/v1/webhooks?org=c1", Some(&steward_b)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .get("/api/v1/share/negative-proposals", Some(&steward_b))
        .await;
    assert_eq!(
        (s, v["total"].as_u64()),
        (StatusCode::OK, Some(0)),
        "not its proposals"
    );
    let (_, v) = app
        .get(
            "/api/v1/share/negative-proposals",
            Some(&app.login("legal").await),
        )
        .await;
    assert_eq!(v["total"], 1, "reviewers see every proposal");
    let (s, _) = app
        .post(
            "/api/v1/share/conversions/1/keep",
            Some(&steward_b),
            json!({"legal_basis": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Every decision is sealed into the audit log with who, what and why.
    let store = app.store().await;
    store.audit_seal_pending().await.unwrap();
    let sealed = |action: &str| {
        let store = store.clone();
        let action = action.to_string();
        async move {
            store
                .audit_entries(shuqiao_store::audit::AuditFilter {
                    action: Some(action),
                    limit: 10,
                    ..Default::default()
                })
                .await
                .unwrap()
                .items
        }
    };
    let approved = sealed("share.application.approve").await;
    assert_eq!(approved.len(), 1);
    assert_eq!(approved[0].entry.actor_person.as_deref(), Some("steward.a"));
    assert_eq!(approved[0].entry.purpose.as_deref(), Some("仅同意姓名"));
    for action in [
        "share.grant.create",
        "share.grant.revoke",
        "share.negative.approve",
        "share.application.file",
        "share.calendar.load",
    ] {
        assert!(!sealed(action).await.is_empty(), "{action} is sealed");
    }
}

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

/// Issuing and revoking tokens, creating accounts and systems, registering subjects and
/// webhooks through the API are sealed with the person who did it, and no secret is logged.
#[tokio::test]
async fn security_changes_through_the_api_are_sealed() {
    let app = app().await;
    let store = app.store().await;
    let admin = app.login("admin").await;
    let steward = app.login("steward.a").await;
    let auditor = app.login("auditor").await;
    let (s, _) = app
        .post(
            "/api/v1/systems/d-a-sys/tokens",
            Some(&steward),
            json!({"name": "mine"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only the operator issues tokens");
    let (s, issued) = app
        .post(
            "/api/v1/systems/d-a-sys/tokens",
            Some(&admin),
            json!({"name": "exchange"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{issued}");
    let token = issued["token"].as_str().unwrap().to_string();
    let revoke = format!("/api/v1/tokens/{}/revoke", issued["id"]);
    let (s, _) = app.post(&revoke, Some(&steward), json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.post(&revoke, Some(&admin), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .post(
            "/api/v1/accounts",
            Some(&admin),
            json!({"username": "new.steward", "display_name": "新", "org": "d-b",
                   "roles": [{"role": "data_steward", "org": "d-b"}], "password": "Fresh-pass-2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app
        .post(
            "/api/v1/systems",
            Some(&admin),
            json!({"code": "d-b-new", "name": "新系统", "name_en": "New", "org": "d-b", "description": ""}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app
        .post(
            "/api/v1/subjects",
            Some(&admin),
            json!({"username": "zhang", "display_name": "张三", "kind": "person",
                   "identifier": "11010519491231002X", "password": "Citizen-pass-2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    store.audit_seal_pending().await.unwrap();

    let (s, _) = app
        .get("/api/v1/audit/entries?action=token.issue", Some(&steward))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the log is for auditors");
    let target = format!("token:{}", issued["id"]);
    for (action, resource) in [
        ("token.issue", target.as_str()),
        ("token.revoke", target.as_str()),
        ("account.create", "account:new.steward"),
        ("system.register", "system:d-b-new"),
        ("subject.register", "account:zhang"),
        ("admin.bootstrap", "account:admin"),
    ] {
        let (s, v) = app
            .get(
                &format!("/api/v1/audit/entries?action={action}&resource={resource}"),
                Some(&auditor),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{action}: {v}");
        assert_eq!(items[0]["resource"], resource, "{action}");
        if action != "admin.bootstrap" {
            assert_eq!(items[0]["actor_person"], "admin", "{action}");
        }
    }
    let (_, all) = app
        .get("/api/v1/audit/entries?limit=500", Some(&auditor))
        .await;
    let text = all.to_string();
    for secret in [
        token.as_str(),
        "Fresh-pass-2026",
        "Citizen-pass-2026",
        "11010519491231002X",
    ] {
        assert!(!text.contains(secret), "a secret in the log");
    }
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

/// A verified citizen sees every access to their data with proofs; nobody else can ask.
#[tokio::test]
async fn identified_subjects_see_who_accessed_their_data() {
    use shuqiao_core::audit::entry::{Entry, SubjectKind};
    let app = app().await;
    let store = app.store().await;
    let admin = app.login("admin").await;
    let steward = app.login("steward.a").await;
    let auditor = app.login("auditor").await;
    let citizen = json!({"username": "zhang.san", "display_name": "张三", "kind": "person",
                         "identifier": "11010519491231002X", "password": "Citizen-pass-2026"});
    let (s, _) = app
        .post("/api/v1/subjects", Some(&steward), citizen.clone())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app.post("/api/v1/subjects", Some(&admin), citizen).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(
        !v.to_string().contains("11010519491231002X"),
        "the identifier is never echoed"
    );

    let key = store
        .audit_subject_key(SubjectKind::Person, "11010519491231002X")
        .unwrap();
    store
        .audit_submit(vec![Entry {
            time: 1_790_000_000_000,
            actor_org: "d-b".into(),
            actor_system: Some("d-b-sys".into()),
            actor_person: None,
            action: "exchange.lookup".into(),
            resource: Some("101001-000001".into()),
            resource_version: Some(1),
            grant: Some("3".into()),
            purpose: Some("办理社保卡".into()),
            result: "ok".into(),
            subjects: vec![key],
        }])
        .await
        .unwrap();

    let (s, v) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "zhang.san", "password": "Citizen-pass-2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let me = v["session"].as_str().unwrap().to_string();
    let (s, mine) = app.get("/api/v1/me/accesses", Some(&me)).await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine["items"][0]["actor_system"], "d-b-sys");
    assert_eq!(mine["items"][0]["purpose"], "办理社保卡");
    assert!(mine["checkpoint"]
        .as_str()
        .unwrap()
        .contains("test.shuqiao/audit"));
    assert!(mine["items"][0]["inclusion_proof"].is_array());

    for who in [&steward, &auditor] {
        let (s, v) = app.get("/api/v1/me/accesses", Some(who)).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("not_a_subject"))
        );
    }
    let (s, _) = app.get("/api/v1/me/accesses", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The subject sees no staff lists.
    let (_, v) = app.get("/api/v1/share/grants", Some(&me)).await;
    assert_eq!(v["total"], 0);
    let (s, _) = app.get("/api/v1/audit/entries", Some(&me)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Auditors: the same with proofs for any subject.
    let q = "/api/v1/audit/entries?subject_id=11010519491231002X&proofs=true";
    let (s, v) = app.get(q, Some(&auditor)).await;
    assert_eq!(
        (s, v["items"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(1))
    );
    assert_eq!(v["items"][0]["leaf_hash"], mine["items"][0]["leaf_hash"]);
    let (s, _) = app.get(q, Some(&steward)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
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
