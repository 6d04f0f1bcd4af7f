//! Sharing over HTTP: subscriptions, applications, approvals, grants and their limits.
use super::*;

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
    store.audit().seal_pending().await.unwrap();
    let sealed = |action: &str| {
        let store = store.clone();
        let action = action.to_string();
        async move {
            store
                .audit_entries(shuqiao_service::audit::AuditFilter {
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
