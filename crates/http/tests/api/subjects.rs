//! Identified subjects and the accesses to their data.
use super::*;

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
        .audit()
        .subject_key(SubjectKind::Person, "11010519491231002X")
        .unwrap();
    store
        .audit()
        .submit(vec![Entry {
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
