//! The public's side of the portal over HTTP, on the demo province: members register, apply
//! for 有条件开放 data, take a key that reads only that dataset within its quota; data
//! requests are routed and answered in public without naming who asked; feedback reaches
//! the provider. Who may not is refused at each step.
use super::*;
use shuqiao_core::catalog::OpenType;
use shuqiao_demo as demo;
use shuqiao_service::open::OpenQuery;

async fn steward_of(app: &App, org: &str) -> String {
    app.login_with(
        &format!("steward.{}", demo::dept_suffix(org)),
        demo::STEWARD_PASSWORD,
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn members_apply_take_a_key_ask_for_data_and_give_feedback() {
    let app = demo_app().await;
    let store = app.store().await;
    let conditional = store
        .open_search(
            OpenQuery {
                open_types: vec![OpenType::Conditional],
                limit: 1,
                ..Default::default()
            },
            vec![],
        )
        .await
        .unwrap()
        .items
        .remove(0);
    let open = store
        .open_search(
            OpenQuery {
                open_types: vec![OpenType::Open],
                limit: 1,
                ..Default::default()
            },
            vec![],
        )
        .await
        .unwrap()
        .items
        .remove(0);

    // Registration: every problem at once, then a member.
    let (s, v) = app
        .post(
            "/api/v1/public/register",
            None,
            json!({"username": "", "display_name": "", "kind": "robot", "contact": "", "password": "short"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(fields(&v).len(), 5, "{v}");
    let (s, v) = app
        .post(
            "/api/v1/public/register",
            None,
            json!({"username": "zhang.public", "display_name": "张三", "kind": "person", "contact": "zhang@example.cn", "password": "Public-pass-2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let member = app.login_with("zhang.public", "Public-pass-2026").await;

    // Applying: staff and strangers may not; an open dataset needs no application.
    let body =
        json!({"dataset": conditional.slug, "purpose": "研究企业分布", "accept_agreement": true});
    let (s, _) = app
        .post("/api/v1/open/applications", None, body.clone())
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let staff = app.login_with("user.rst", demo::CONSUMER_PASSWORD).await;
    let (s, v) = app
        .post("/api/v1/open/applications", Some(&staff), body.clone())
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_a_public_member"))
    );
    let (s, v) = app
        .post(
            "/api/v1/open/applications",
            Some(&member),
            json!({"dataset": open.slug, "purpose": "x", "accept_agreement": true}),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_conditional"))
    );
    let (s, v) = app
        .post(
            "/api/v1/open/applications",
            Some(&member),
            json!({"dataset": conditional.slug, "purpose": "", "accept_agreement": false}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&v), vec!["purpose", "accept_agreement"]);
    let (s, applied) = app
        .post("/api/v1/open/applications", Some(&member), body.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{applied}");
    assert!(applied["due_date"].is_string(), "{applied}");
    let id = applied["id"].as_i64().unwrap();

    // Only the provider's steward answers; a refusal needs its reason.
    let other = steward_of(
        &app,
        if conditional.provider == "hi-gat" {
            "hi-mzt"
        } else {
            "hi-gat"
        },
    )
    .await;
    let answer = format!("/api/v1/open/applications/{id}/answer");
    let approve = json!({"approve": true, "quota_per_day": 2, "days": 30});
    let (s, _) = app.post(&answer, Some(&other), approve.clone()).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another department does not see it"
    );
    let provider = steward_of(&app, &conditional.provider).await;
    let (s, v) = app
        .post(&answer, Some(&provider), json!({"approve": false}))
        .await;
    assert_eq!(
        (s, fields(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_string()])
    );
    let (s, v) = app.post(&answer, Some(&provider), approve).await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{v}"
    );

    // The key: only the applicant takes it, shown once; it reads only this dataset, within
    // its quota, and each read is sealed.
    let key_path = format!("/api/v1/open/applications/{id}/key");
    let (s, _) = app.post(&key_path, Some(&provider), json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let resp = app
        .http
        .post(format!("{}{key_path}", app.base))
        .bearer_auth(&member)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let key: Value = resp.json().await.unwrap();
    let key = key["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("sqo_"));
    assert!(store.open_key_read(&key, &open.code, "t").await.is_err());
    // CKAN's datastore_search reads the dataset's rows with the key, as CKAN clients send it.
    store.sync_open_data().await.unwrap();
    let ds = format!(
        "{}/api/3/action/datastore_search?resource_id={}&limit=1",
        app.base,
        shuqiao_core::open::distribution_id(&conditional.code, "csv")
    );
    let without = app.http.get(&ds).send().await.unwrap();
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    let with = app
        .http
        .get(&ds)
        .header("authorization", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(with.status(), StatusCode::OK);
    let body: Value = with.json().await.unwrap();
    assert_eq!(body["success"], json!(true), "{body}");
    store
        .open_key_read(&key, &conditional.code, "t")
        .await
        .unwrap();
    match store.open_key_read(&key, &conditional.code, "t").await {
        Err(shuqiao_service::StoreError::Domain(shuqiao_core::DomainError::Throttled {
            code,
            ..
        })) => {
            assert_eq!(code, "quota_exceeded")
        }
        other => panic!("{other:?}"),
    }

    // A data request goes to the likely provider and is public without its requester.
    let (s, req) = app
        .post(
            "/api/v1/open/requests",
            Some(&member),
            json!({"title": "企业登记信息按月汇总", "description": "希望开放各市县每月新设企业数量"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{req}");
    let routed = req["org"].as_str().unwrap().to_string();
    let (s, list) = app.get("/api/v1/open/requests", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!list.to_string().contains("zhang.public"), "{list}");
    let rid = req["id"].as_i64().unwrap();
    let answer = format!("/api/v1/open/requests/{rid}/answer");
    let decline = json!({"outcome": "declined", "answer": "涉及商业秘密，不予开放"});
    let (s, _) = app.post(&answer, Some(&member), decline.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let routed_steward = steward_of(&app, &routed).await;
    let (s, v) = app.post(&answer, Some(&routed_steward), decline).await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("answered")),
        "{v}"
    );

    // Feedback on a row reaches the provider, who answers it.
    let (s, v) = app
        .post(
            "/api/v1/open/feedback",
            Some(&member),
            json!({"dataset": open.slug, "row": 999_999_999, "text": "地址有误"}),
        )
        .await;
    assert_eq!(
        (s, fields(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["row".to_string()])
    );
    let (s, fb) = app
        .post(
            "/api/v1/open/feedback",
            Some(&member),
            json!({"dataset": open.slug, "text": "更新时间有误"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{fb}");
    let fid = fb["id"].as_i64().unwrap();
    let open_steward = steward_of(&app, &open.provider).await;
    let (s, v) = app
        .post(
            &format!("/api/v1/open/feedback/{fid}/answer"),
            Some(&open_steward),
            json!({"answer": "已核实并更正"}),
        )
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("answered")),
        "{v}"
    );

    // Registration and the key are security changes, sealed without the key.
    store.audit().seal_pending().await.unwrap();
    let auditor = app.login_with("auditor", demo::AUDITOR_PASSWORD).await;
    for action in ["account.register", "open_key.issue", "open.read"] {
        let (s, v) = app
            .get(
                &format!("/api/v1/audit/entries?action={action}"),
                Some(&auditor),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(!v["items"].as_array().unwrap().is_empty(), "{action}: {v}");
        assert!(
            !v.to_string().contains(&key),
            "the key never reaches the log"
        );
    }
}
