//! The audit log over HTTP: verification by anyone, reading by auditors, witnesses, and the
//! sealing of every security change.
use super::*;

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
    app._db.store.audit().seal_pending().await.unwrap();

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
    let first = app._db.store.audit().inclusion_proof(0, 1).await.unwrap();
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
    let db = testkit::sqlite(shuqiao_service::system_clock()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(shuqiao_http::serve(
        listener,
        shuqiao_http::AppState {
            store: std::sync::Arc::new(db.store.clone()),
            demo: false,
            console: Default::default(),
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
    app._db.store.audit().seal_pending().await.unwrap();
    let witness = NoteSigner::new("witness.sanya", [21u8; 32]).unwrap();
    let stranger = NoteSigner::new("stranger", [22u8; 32]).unwrap();
    app._db
        .store
        .audit()
        .add_witness(witness.verifier())
        .unwrap();
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
    store.audit().seal_pending().await.unwrap();

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
