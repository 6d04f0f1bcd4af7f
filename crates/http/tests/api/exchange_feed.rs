//! The exchange API beyond single keys — filtered queries, the change feed, downloads,
//! per-resource OpenAPI, rate limits and quotas — and its authority matrix over every
//! endpoint, each refusal audited.
use super::exchange::{setup_with, Setup, A, B};
use super::*;

const DAY: i64 = 86_400_000;

/// A key as it leaves when the grant may not read it in clear: this system's pseudonym.
fn pseudonym(key: &Value) -> String {
    let k = key.as_str().unwrap_or_default();
    assert!(
        k.starts_with("psn_") && k.len() == 36 && !k.contains(A) && !k.contains(B),
        "not a pseudonym: {key}"
    );
    k.to_string()
}

async fn push(app: &App, code: &str, id: &str, body: Value) {
    let steward = app.login("steward.a").await;
    let mut body = body;
    body["batch_id"] = json!(id);
    let (s, v) = app
        .post(
            &format!("/api/v1/collect/resources/{code}/batches"),
            Some(&steward),
            body,
        )
        .await;
    assert!(s.is_success(), "push {id}: {s} {v}");
}

/// Publishes `meta` as the resource's next version, as its steward and the operator would.
async fn republish(
    store: &shuqiao_service::Store,
    code: &str,
    meta: shuqiao_core::catalog::ResourceMeta,
) {
    let steward = store.principal_for("steward.a").await.unwrap();
    store
        .update_resource(steward.clone(), code, meta)
        .await
        .unwrap();
    store.submit_resource(steward, code).await.unwrap();
    let admin = store.principal_for("admin").await.unwrap();
    store.publish_resource(admin, code).await.unwrap();
}

async fn raw(
    app: &App,
    path: &str,
    token: &str,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let (s, h) = (r.status(), r.headers().clone());
    (s, h, r.text().await.unwrap())
}

#[tokio::test]
async fn queries_follow_filters_cursors_and_the_grant() {
    let Setup {
        app, code, token, ..
    } = setup_with(shuqiao_service::system_clock()).await;
    let q = format!("/api/v1/exchange/{code}/query");
    let (s, v) = app.get(&format!("{q}?XM=张三"), Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // 公民身份号码 is verify-only for this grant: the key leaves as a pseudonym.
    let pa = pseudonym(&v["items"][0]["key"]);
    assert_eq!(v["items"], json!([{"key": pa, "record": {"XM": "张三"}}]));
    assert!(v["receipt"]["index"].is_u64());
    // Pages of one, in key order, to the end.
    let (_, p1) = app.get(&format!("{q}?limit=1"), Some(&token)).await;
    assert_eq!(p1["items"][0]["key"], pa.as_str());
    let cursor = p1["next_cursor"].as_str().expect("a next page").to_string();
    let (_, p2) = app
        .get(&format!("{q}?limit=1&cursor={cursor}"), Some(&token))
        .await;
    assert_eq!(p2["items"][0]["record"]["XM"], "李四");
    assert_ne!(pseudonym(&p2["items"][0]["key"]), pa);
    assert_eq!(p2["next_cursor"], Value::Null, "the last page: {p2}");
    // Ranges on the key's text, and refusals: a field outside the grant, a 核心 field (a
    // range over it would disclose it), a bad operator, a bad cursor.
    for (path, status, code_) in [
        (
            format!("{q}?CSRQ.gte=1900-01-01"),
            StatusCode::FORBIDDEN,
            "field_not_granted",
        ),
        (
            format!("{q}?GMSFHM.gt=1"),
            StatusCode::FORBIDDEN,
            "core_field_verify_only",
        ),
        (
            format!("{q}?fields=CSRQ"),
            StatusCode::FORBIDDEN,
            "field_not_granted",
        ),
        (
            format!("{q}?XM.like=张"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            format!("{q}?cursor=zz"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            format!("{q}?limit=5000"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
    ] {
        let (s, v) = app.get(&path, Some(&token)).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (status, Some(code_)),
            "{path}: {v}"
        );
        assert!(!v.to_string().contains("1949-12-31"), "{v}");
    }
}

#[tokio::test]
async fn the_change_feed_resumes_from_its_cursor_and_long_polls() {
    let Setup {
        app, code, token, ..
    } = setup_with(shuqiao_service::system_clock()).await;
    let feed = format!("/api/v1/exchange/{code}/changes");
    let (s, v) = app.get(&feed, Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ops: Vec<(&str, &str)> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["key"].as_str().unwrap(), c["op"].as_str().unwrap()))
        .collect();
    // The keys are 公民身份号码, verify-only for this grant: pseudonyms, stable per record.
    let (pa, pb) = (
        pseudonym(&v["changes"][0]["key"]),
        pseudonym(&v["changes"][1]["key"]),
    );
    assert_eq!(ops, [(pa.as_str(), "insert"), (pb.as_str(), "insert")]);
    assert_eq!(
        v["changes"][0]["record"],
        json!({"XM": "张三"}),
        "granted fields only"
    );
    let cursor = v["next_cursor"].as_str().unwrap().to_string();
    // An update and a deletion arrive after the cursor, in order; nothing before it again.
    push(
        &app,
        &code,
        "b-1",
        json!({"upserts": [{"GMSFHM": A, "XM": "张三丰", "CSRQ": "1949-12-31"}], "deletes": [B]}),
    )
    .await;
    let (_, v) = app
        .get(&format!("{feed}?since={cursor}"), Some(&token))
        .await;
    let got: Vec<(&str, &str, &Value)> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap(),
                c["op"].as_str().unwrap(),
                &c["record"],
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (pa.as_str(), "update", &json!({"XM": "张三丰"})),
            (pb.as_str(), "delete", &Value::Null)
        ]
    );
    let cursor = v["next_cursor"].as_str().unwrap().to_string();
    // Nothing new: an empty page keeps the cursor.
    let (_, v) = app
        .get(&format!("{feed}?since={cursor}"), Some(&token))
        .await;
    assert_eq!(
        (
            v["changes"].as_array().unwrap().len(),
            v["next_cursor"].as_str()
        ),
        (0, Some(cursor.as_str()))
    );
    // Long poll: a batch applied while the request waits wakes it.
    let pusher = {
        let (base, code) = (app.base.clone(), code.clone());
        let steward = app.login("steward.a").await;
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            Client::new()
                .post(format!("{base}/api/v1/collect/resources/{code}/batches"))
                .bearer_auth(steward)
                .json(&json!({"batch_id": "b-2", "upserts": [{"GMSFHM": B, "XM": "李四", "CSRQ": "1880-01-01"}]}))
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    let started = std::time::Instant::now();
    let (s, v) = app
        .get(&format!("{feed}?since={cursor}&wait=20"), Some(&token))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(pusher.await.unwrap().is_success());
    assert_eq!(v["changes"][0]["key"], pb.as_str(), "{v}");
    assert_eq!(
        v["changes"][0]["op"], "insert",
        "a deleted key comes back as an insert"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "woken, not timed out"
    );
    let (s, v) = app.get(&format!("{feed}?since=-3"), Some(&token)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed"))
    );
}

#[tokio::test]
async fn downloads_stream_the_granted_fields_with_the_receipt() {
    let Setup {
        app, code, token, ..
    } = setup_with(shuqiao_service::system_clock()).await;
    let (s, h, body) = raw(&app, &format!("/api/v1/exchange/{code}/download"), &token).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        body, "\u{feff}XM\r\n张三\r\n李四\r\n",
        "granted, non-核心 fields only"
    );
    assert_eq!(h["shuqiao-record-count"], "2");
    use base64::Engine;
    let receipt: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(h["shuqiao-audit-receipt"].as_bytes())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        receipt["index"].to_string(),
        h["shuqiao-audit-index"].to_str().unwrap()
    );
    let since = h["shuqiao-changes-since"].to_str().unwrap().to_string();
    let (_, _, lines) = raw(
        &app,
        &format!("/api/v1/exchange/{code}/download?format=jsonl"),
        &token,
    )
    .await;
    assert_eq!(lines, "{\"XM\":\"张三\"}\n{\"XM\":\"李四\"}\n");
    // The change feed from the download's cursor is empty until something changes.
    let (_, v) = app
        .get(
            &format!("/api/v1/exchange/{code}/changes?since={since}"),
            Some(&token),
        )
        .await;
    assert_eq!(v["changes"], json!([]));
    // A resource shared through the API only cannot be downloaded whole.
    let (s, _, body) = raw(
        &app,
        &format!("/api/v1/exchange/{code}/download?format=xml"),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, _, body) = raw(
        &app,
        &format!("/api/v1/exchange/{code}/download?fields=CSRQ"),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    // The per-resource OpenAPI describes only the granted fields.
    let (s, doc) = app
        .get(
            &format!("/api/v1/exchange/{code}/openapi.json"),
            Some(&token),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let props = &doc["components"]["schemas"]["Record"]["properties"];
    assert!(
        props["XM"].is_object() && props["CSRQ"].is_null() && props["GMSFHM"].is_null(),
        "{props}"
    );
    assert!(doc["paths"][format!("/api/v1/exchange/{code}/download")].is_object());
}

#[tokio::test]
async fn rate_limits_and_quotas_answer_429_and_usage_is_counted() {
    let (clock, now) = testkit::manual_clock(1_796_000_000_000);
    let Setup {
        app,
        code,
        token,
        grant,
        ..
    } = setup_with(clock).await;
    let lookup = format!("/api/v1/exchange/{code}/records/{A}");
    let limits = format!("/api/v1/share/grants/{grant}/limits");
    let put = |who: Option<String>, body: Value| {
        let limits = limits.clone();
        let app = &app;
        async move {
            let (s, v, _) = app
                .call(Method::PUT, &limits, who.as_deref(), Some(body))
                .await;
            (s, v)
        }
    };
    // Only the provider's steward or the operator set limits.
    let consumer = app.login("user.c1").await;
    let (s, _) = put(Some(consumer.clone()), json!({"rate_per_second": 1})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = put(None, json!({"rate_per_second": 1})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let steward = app.login("steward.a").await;
    let (s, v) = put(Some(steward.clone()), json!({"rate_per_second": 0})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = put(
        Some(steward),
        json!({"rate_per_second": 2, "quota_per_day": 3}),
    )
    .await;
    assert_eq!(
        (s, v["rate_per_second"].as_i64()),
        (StatusCode::OK, Some(2)),
        "{v}"
    );
    // Two a second (the clock stands still): the third call waits.
    for _ in 0..2 {
        assert_eq!(app.get(&lookup, Some(&token)).await.0, StatusCode::OK);
    }
    let (s, v, h) = app.call(Method::GET, &lookup, Some(&token), None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")),
        "{v}"
    );
    assert_eq!(h["retry-after"], "1");
    assert!(!v.to_string().contains("张三"));
    // A second later the third call of the day goes through; the fourth is over the quota
    // until midnight in China.
    now.fetch_add(1000, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(app.get(&lookup, Some(&token)).await.0, StatusCode::OK);
    now.fetch_add(1000, std::sync::atomic::Ordering::SeqCst);
    let (s, v, h) = app.call(Method::GET, &lookup, Some(&token), None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("quota_exceeded")),
        "{v}"
    );
    let wait: i64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= 86_400, "{wait}");
    now.fetch_add(wait * 1000, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        app.get(&lookup, Some(&token)).await.0,
        StatusCode::OK,
        "a new day"
    );
    // Usage: the system sees its own; the operator and auditors see everyone's; others not.
    let (s, u) = app.get("/api/v1/exchange/usage?days=2", Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{u}");
    let items = u["items"].as_array().unwrap();
    let calls: i64 = items.iter().map(|i| i["calls"].as_i64().unwrap()).sum();
    let refused: i64 = items.iter().map(|i| i["refused"].as_i64().unwrap()).sum();
    assert_eq!((calls, refused), (4, 2), "{u}");
    assert_eq!(items[0]["calls"], 1, "newest day first: {u}");
    let (s, all) = app
        .get(
            "/api/v1/share/usage?system=c1-sys&days=2",
            Some(&app.login("auditor").await),
        )
        .await;
    assert_eq!(
        (s, all["items"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(items.len()))
    );
    let consumer = app.login("user.c1").await;
    let (s, _) = app.get("/api/v1/share/usage", Some(&consumer)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// Every exchange endpoint, every way of being refused; each refusal is audited.
#[tokio::test]
async fn every_exchange_endpoint_refuses_and_audits_every_unauthorised_call() {
    let (clock, now) = testkit::manual_clock(1_796_000_000_000);
    let Setup {
        app,
        code,
        token,
        other_token,
        grant,
    } = setup_with(clock).await;
    let store = app._db.store.clone();
    let session = app.login("steward.a").await;
    // A token that outlives the 30-day grant, one that expires first, one revoked.
    let (long_token, _) = store
        .issue_token(
            &shuqiao_service::testkit::admin_principal(),
            "c1-sys",
            "long",
            90,
        )
        .await
        .unwrap();
    let (short_token, _) = store
        .issue_token(
            &shuqiao_service::testkit::admin_principal(),
            "c1-sys",
            "short",
            1,
        )
        .await
        .unwrap();
    let (revoked_token, info) = store
        .issue_token(
            &shuqiao_service::testkit::admin_principal(),
            "c1-sys",
            "gone",
            30,
        )
        .await
        .unwrap();
    store
        .revoke_token(&shuqiao_service::testkit::admin_principal(), info.id)
        .await
        .unwrap();
    let endpoints: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::GET,
            format!("/api/v1/exchange/{code}/records/{A}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/exchange/{code}/records"),
            Some(json!({"keys": [A]})),
        ),
        (
            Method::POST,
            format!("/api/v1/exchange/{code}/verify"),
            Some(json!({"key": A, "claims": {"XM": "张三"}})),
        ),
        (
            Method::GET,
            format!("/api/v1/exchange/{code}/query?XM=张三"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/exchange/{code}/changes"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/exchange/{code}/download"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/exchange/{code}/openapi.json"),
            None,
        ),
    ];
    let call = |m: &Method, path: &str, body: &Option<Value>, auth: Option<&str>| {
        let mut req = app.http.request(m.clone(), format!("{}{path}", app.base));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        async move {
            let r = req.send().await.unwrap();
            let s = r.status();
            (s, r.text().await.unwrap())
        }
    };
    let bearer = |t: &str| format!("Bearer {t}");
    // Before the grant expires: credentials and the other organisation.
    let cases: Vec<(&str, Option<String>, StatusCode, &str)> = vec![
        (
            "no token",
            None,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            "malformed",
            Some("Basic abc".into()),
            StatusCode::UNAUTHORIZED,
            "malformed_credentials",
        ),
        (
            "unknown token",
            Some(bearer("sq_forged0000000000")),
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        ),
        (
            "revoked token",
            Some(bearer(&revoked_token)),
            StatusCode::UNAUTHORIZED,
            "token_revoked",
        ),
        (
            "a person's session",
            Some(bearer(&session)),
            StatusCode::FORBIDDEN,
            "system_token_required",
        ),
        (
            "another organisation",
            Some(bearer(&other_token)),
            StatusCode::FORBIDDEN,
            "no_grant",
        ),
    ];
    let check =
        |label: &str, s: StatusCode, body: &str, want: StatusCode, code_: &str, path: &str| {
            assert_eq!(s, want, "{label} on {path}: {body}");
            assert!(
                body.contains(&format!("\"{code_}\"")),
                "{label} on {path}: {body}"
            );
            assert!(
                !body.contains("张三") && !body.contains("李四"),
                "{label} leaked on {path}: {body}"
            );
        };
    for (m, path, body) in &endpoints {
        for (label, auth, want, code_) in &cases {
            let (s, text) = call(m, path, body, auth.as_deref()).await;
            check(label, s, &text, *want, code_, path);
        }
        // The grant's own system succeeds, so the refusals above are not the endpoint's fault.
        let (s, text) = call(m, path, body, Some(&bearer(&token))).await;
        assert!(s.is_success(), "{path}: {text}");
    }
    // Two days on: the short token has expired.
    now.fetch_add(2 * DAY, std::sync::atomic::Ordering::SeqCst);
    for (m, path, body) in &endpoints {
        let (s, text) = call(m, path, body, Some(&bearer(&short_token))).await;
        check(
            "expired token",
            s,
            &text,
            StatusCode::UNAUTHORIZED,
            "token_expired",
            path,
        );
    }
    // A revoked grant is refused on the very next request; so is one that has expired.
    let steward = store.principal_for("steward.a").await.unwrap();
    let cond_meta = {
        let mut m = sample_meta();
        m.share_modes = vec![
            shuqiao_core::catalog::ShareMode::Api,
            shuqiao_core::catalog::ShareMode::Database,
        ];
        m
    };
    now.fetch_add(30 * DAY, std::sync::atomic::Ordering::SeqCst);
    for (m, path, body) in &endpoints {
        let (s, text) = call(m, path, body, Some(&bearer(&long_token))).await;
        check(
            "expired grant",
            s,
            &text,
            StatusCode::FORBIDDEN,
            "no_grant",
            path,
        );
    }
    now.fetch_sub(30 * DAY, std::sync::atomic::Ordering::SeqCst);
    // The resource turned 不予共享 after the grant: refused although the grant stands.
    let mut closed = cond_meta.clone();
    closed.share_type = shuqiao_core::catalog::ShareType::NotShared;
    closed.share_condition = None;
    republish(&store, &code, closed).await;
    for (m, path, body) in &endpoints[..6] {
        let (s, text) = call(m, path, body, Some(&bearer(&long_token))).await;
        check(
            "不予共享 resource",
            s,
            &text,
            StatusCode::FORBIDDEN,
            "resource_not_shared",
            path,
        );
    }
    republish(&store, &code, cond_meta).await;
    store
        .revoke_grant(steward, grant, "用途已结束".into())
        .await
        .unwrap();
    for (m, path, body) in &endpoints {
        let (s, text) = call(m, path, body, Some(&bearer(&long_token))).await;
        check(
            "revoked grant",
            s,
            &text,
            StatusCode::FORBIDDEN,
            "no_grant",
            path,
        );
    }
    // Every refusal is in the log, named where the credential names a system.
    let auditor = app.login("auditor").await;
    let (_, e) = app
        .get("/api/v1/audit/entries?limit=1000", Some(&auditor))
        .await;
    let denied: Vec<(String, String, String)> = e["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["result"].as_str().unwrap_or("").starts_with("denied:"))
        .map(|i| {
            (
                i["action"].as_str().unwrap_or("").to_string(),
                i["result"].as_str().unwrap_or("").to_string(),
                i["actor_system"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    let has = |action: &str, code_: &str, system: &str| {
        denied
            .iter()
            .any(|(a, r, s)| a == action && r == &format!("denied:{code_}") && s == system)
    };
    for action in [
        "exchange.lookup",
        "exchange.verify",
        "exchange.query",
        "exchange.changes",
        "exchange.download",
    ] {
        for (code_, system) in [
            ("unauthenticated", "-"),
            ("malformed_credentials", "-"),
            ("invalid_credentials", "-"),
            ("token_revoked", "c1-sys"),
            ("token_expired", "c1-sys"),
            ("system_token_required", "-"),
            ("no_grant", "c2-sys"),
            ("no_grant", "c1-sys"),
            ("resource_not_shared", "c1-sys"),
        ] {
            assert!(
                has(action, code_, system),
                "{action} {code_} by {system} not audited: {denied:?}"
            );
        }
    }
}

/// If the audit log cannot take the access entry, no data leaves: the caller gets 503.
#[tokio::test(flavor = "multi_thread")]
async fn when_the_audit_append_fails_no_data_leaves() {
    let Setup {
        app, code, token, ..
    } = setup_with(shuqiao_service::system_clock()).await;
    // Another process holds the audit journal (where the sequencer writes) and does not let
    // go, as a hung process or an unwritable disk would: every append gives up.
    let path = app._db.url.trim_start_matches("sqlite:").to_string();
    let held = std::fs::File::open(shuqiao_service::audit::journal_lock_path(&path)).unwrap();
    held.lock().unwrap();
    let paths = [
        format!("/api/v1/exchange/{code}/records/{A}"),
        format!("/api/v1/exchange/{code}/query?XM=张三"),
        format!("/api/v1/exchange/{code}/changes"),
        format!("/api/v1/exchange/{code}/download"),
    ];
    // At once: each waits out the journal's lock before it gives up.
    let answers = tokio::join!(
        raw(&app, &paths[0], &token),
        raw(&app, &paths[1], &token),
        raw(&app, &paths[2], &token),
        raw(&app, &paths[3], &token),
    );
    let answers = [answers.0, answers.1, answers.2, answers.3];
    for (path, (s, _, body)) in paths.iter().zip(answers) {
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{path}: {body}");
        assert!(body.contains("audit_unavailable"), "{path}: {body}");
        assert!(
            !body.contains("张三"),
            "no data without an audit entry: {body}"
        );
    }
    held.unlock().unwrap();
    let (s, v) = app.get(&paths[0], Some(&token)).await;
    assert_eq!(
        (s, v["record"]["XM"].as_str()),
        (StatusCode::OK, Some("张三")),
        "{v}"
    );
}

/// The audit log's entries, as an auditor reads them.
async fn audit_entries(app: &App) -> Vec<Value> {
    let auditor = app.login("auditor").await;
    let (s, e) = app
        .get("/api/v1/audit/entries?limit=10000", Some(&auditor))
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    e["items"].as_array().unwrap().clone()
}

/// 公民身份号码 is the key and only verify-only for this grant: no answer of any endpoint, in
/// any format, carries it — not as a key, not inside a cursor, not hex-encoded.
#[tokio::test]
async fn keys_a_grant_may_only_verify_never_leave_in_clear() {
    let Setup {
        app, code, token, ..
    } = setup_with(shuqiao_service::system_clock()).await;
    let hex = |k: &str| k.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let hidden = [
        A.to_string(),
        B.to_string(),
        hex(A),
        hex(B),
        "110105194912".to_string(),
        "440524188001".to_string(),
    ];
    let x = format!("/api/v1/exchange/{code}");
    let (_, _, first) = raw(&app, &format!("{x}/query?limit=1"), &token).await;
    let cursor = serde_json::from_str::<Value>(&first).unwrap()["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    let mut answers = vec![first];
    for path in [
        format!("{x}/query?limit=1000"),
        format!("{x}/query?limit=1&cursor={cursor}"),
        format!("{x}/changes?since=0&limit=5000"),
        format!("{x}/download"),
        format!("{x}/download?format=jsonl"),
        format!("{x}/openapi.json"),
        "/api/v1/exchange/grants".to_string(),
    ] {
        let (s, h, body) = raw(&app, &path, &token).await;
        assert_eq!(s, StatusCode::OK, "{path}: {body}");
        answers.push(format!("{path} {h:?} {body}"));
    }
    for a in &answers {
        for h in &hidden {
            assert!(!a.contains(h.as_str()), "{h} leaked: {a}");
        }
    }
    // Records are named by pseudonyms, the same in the query and the change feed.
    let named = |v: &Value, list: &str| -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = v[list]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| !i["record"].is_null())
            .map(|i| {
                let k = pseudonym(&i["key"]);
                (i["record"]["XM"].as_str().unwrap().to_string(), k)
            })
            .collect();
        out.sort();
        out
    };
    let (_, q) = app.get(&format!("{x}/query"), Some(&token)).await;
    let (_, f) = app.get(&format!("{x}/changes"), Some(&token)).await;
    assert_eq!(named(&q, "items").len(), 2);
    assert_eq!(named(&q, "items"), named(&f, "changes"));
    let (_, g) = app.get("/api/v1/exchange/grants", Some(&token)).await;
    assert_eq!(g["items"][0]["keys_in_clear"], false, "{g}");
    // A cursor changed in any way is refused; so is one that was never given.
    let mut tampered = cursor.clone().into_bytes();
    tampered[30] = if tampered[30] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [tampered, hex(B)] {
        let (s, v) = app
            .get(&format!("{x}/query?cursor={bad}"), Some(&token))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["errors"][0]["reason"], "invalid_cursor", "{v}");
    }
    // A key the system supplies itself is echoed back as it was.
    let (s, v) = app.get(&format!("{x}/records/{A}"), Some(&token)).await;
    assert_eq!((s, v["key"].as_str()), (StatusCode::OK, Some(A)), "{v}");
}

/// Refusals are sealed like answers, with what they were about: the resource asked (also of
/// the per-resource OpenAPI document), the grant the system holds, and the reason's own code
/// (429s included).
#[tokio::test]
async fn refusals_are_sealed_with_their_resource_grant_and_reason() {
    let (clock, now) = testkit::manual_clock(1_796_000_000_000);
    let Setup {
        app,
        code,
        token,
        other_token,
        grant,
    } = setup_with(clock).await;
    let store = app._db.store.clone();
    let x = format!("/api/v1/exchange/{code}");
    // The OpenAPI document of a resource the system holds no grant on, and without a token.
    let (s, v) = app
        .get(&format!("{x}/openapi.json"), Some(&other_token))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("no_grant"))
    );
    let (s, _) = app.get(&format!("{x}/openapi.json"), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // A field outside the grant, then over the rate, then over the daily quota.
    let (s, _) = app
        .get(&format!("{x}/query?fields=CSRQ"), Some(&token))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let steward = app.login("steward.a").await;
    let (s, v, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/share/grants/{grant}/limits"),
            Some(&steward),
            Some(json!({"rate_per_second": 1, "quota_per_day": 2})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let lookup = format!("{x}/records/{A}");
    assert_eq!(app.get(&lookup, Some(&token)).await.0, StatusCode::OK);
    let (s, v) = app.get(&lookup, Some(&token)).await;
    assert_eq!(v["code"], "rate_limited", "{s} {v}");
    now.fetch_add(1000, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(app.get(&lookup, Some(&token)).await.0, StatusCode::OK);
    now.fetch_add(1000, std::sync::atomic::Ordering::SeqCst);
    let (s, v) = app.get(&lookup, Some(&token)).await;
    assert_eq!(v["code"], "quota_exceeded", "{s} {v}");
    // A revoked token asking what it may use: about no resource at all.
    let (revoked, info) = store
        .issue_token(&testkit::admin_principal(), "c1-sys", "old", 30)
        .await
        .unwrap();
    store
        .revoke_token(&testkit::admin_principal(), info.id)
        .await
        .unwrap();
    let (s, _) = app.get("/api/v1/exchange/grants", Some(&revoked)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    let entries = audit_entries(&app).await;
    let find = |action: &str, result: &str| -> Vec<&Value> {
        entries
            .iter()
            .filter(|e| e["action"] == action && e["result"] == result)
            .collect()
    };
    let one = |action: &str, result: &str| -> &Value {
        let found = find(action, result);
        assert_eq!(found.len(), 1, "{action} {result}: {entries:?}");
        found[0]
    };
    let e = one("exchange.openapi", "denied:no_grant");
    assert_eq!(
        (&e["resource"], &e["actor_system"], &e["grant"]),
        (&json!(code), &json!("c2-sys"), &Value::Null)
    );
    let e = one("exchange.openapi", "denied:unauthenticated");
    assert_eq!(e["resource"], json!(code));
    let g = json!(grant.to_string());
    for result in [
        "denied:field_not_granted",
        "denied:rate_limited",
        "denied:quota_exceeded",
    ] {
        let e = entries
            .iter()
            .find(|e| e["result"] == result)
            .unwrap_or_else(|| panic!("{result} not sealed: {entries:?}"));
        assert_eq!(
            (&e["resource"], &e["actor_system"], &e["grant"]),
            (&json!(code), &json!("c1-sys"), &g),
            "{result}: {e}"
        );
        assert!(e["purpose"].is_string(), "{e}");
    }
    let e = one("exchange.discover", "denied:token_revoked");
    assert_eq!(
        (&e["resource"], &e["actor_system"]),
        (&Value::Null, &json!("c1-sys"))
    );
}

/// Calls with no valid credential are refused and sealed, but only so many a minute from one
/// address: beyond that they are answered 429 unsealed and counted, and the count is sealed
/// once when the minute is over. Callers with a valid token are not held back.
#[tokio::test]
async fn unauthenticated_refusals_are_sealed_up_to_a_rate_per_address() {
    use shuqiao_core::exchange::refusals::UNAUTHENTICATED_PER_WINDOW as LIMIT;
    let (clock, now) = testkit::manual_clock(1_796_000_000_000);
    let Setup {
        app,
        code,
        token,
        other_token,
        ..
    } = setup_with(clock).await;
    let lookup = format!("/api/v1/exchange/{code}/records/{A}");
    let anonymous = |i: u32| {
        let req = app.http.get(format!("{}{lookup}", app.base));
        match i % 3 {
            0 => req,
            1 => req.header("authorization", "Basic abc"),
            _ => req.bearer_auth("sq_forged0000000000"),
        }
    };
    for i in 0..LIMIT {
        let r = anonymous(i).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "call {i}");
    }
    for i in 0..5 {
        let r = anonymous(i).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "call {i} over");
        assert!(r.headers().contains_key("retry-after"));
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["code"], "too_many_unauthenticated", "{v}");
        assert!(ct.starts_with("application/problem+json"), "{ct}");
    }
    // Identified callers are answered and sealed as ever.
    assert_eq!(app.get(&lookup, Some(&token)).await.0, StatusCode::OK);
    let (s, v) = app.get(&lookup, Some(&other_token)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("no_grant"))
    );
    let unidentified = |entries: &[Value]| {
        entries
            .iter()
            .filter(|e| {
                e["actor_org"] == "unidentified"
                    && e["result"].as_str().unwrap_or("").starts_with("denied:")
            })
            .count()
    };
    let entries = audit_entries(&app).await;
    assert_eq!(unidentified(&entries), LIMIT as usize);
    assert!(entries
        .iter()
        .any(|e| e["actor_system"] == "c2-sys" && e["result"] == "denied:no_grant"));
    // The next minute: sealed again, and the five dropped are sealed as one count.
    now.fetch_add(61_000, std::sync::atomic::Ordering::SeqCst);
    let r = anonymous(0).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let mut dropped = Vec::new();
    for _ in 0..50 {
        let entries = audit_entries(&app).await;
        dropped = entries
            .iter()
            .filter(|e| e["action"] == "exchange.refusals_dropped")
            .map(|e| e["result"].as_str().unwrap().to_string())
            .collect();
        if !dropped.is_empty() {
            assert_eq!(unidentified(&entries), LIMIT as usize + 1);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(dropped, ["dropped:5"]);
}

/// Registers `username` as the identified citizen `id` and signs them in: their session.
async fn citizen(app: &App, username: &str, id: &str) -> String {
    let admin = app.login("admin").await;
    let (s, v) = app
        .post(
            "/api/v1/subjects",
            Some(&admin),
            json!({"username": username, "display_name": username, "kind": "person",
                   "identifier": id, "password": "Citizen-pass-2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": username, "password": "Citizen-pass-2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["session"].as_str().unwrap().to_string()
}

/// A citizen whose record was in a downloaded resource sees the download among their
/// accesses, with its proof; a citizen with no record there does not; the system that
/// downloaded cannot ask.
#[tokio::test]
async fn citizens_see_the_downloads_that_held_their_record() {
    let Setup {
        app, code, token, ..
    } = setup_with(shuqiao_service::system_clock()).await;
    let zhang = citizen(&app, "zhang.san", A).await;
    let outsider = citizen(&app, "qian.qi", "110101198001010010").await;
    let (s, h, body) = raw(&app, &format!("/api/v1/exchange/{code}/download"), &token).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let index: u64 = h["shuqiao-audit-index"].to_str().unwrap().parse().unwrap();

    let (s, mine) = app.get("/api/v1/me/accesses", Some(&zhang)).await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    let items = mine["items"].as_array().unwrap();
    let download: Vec<&Value> = items
        .iter()
        .filter(|a| a["index"].as_u64() == Some(index))
        .collect();
    assert_eq!(download.len(), 1, "{mine}");
    assert_eq!(download[0]["action"], "exchange.download");
    assert_eq!(download[0]["actor_system"], "c1-sys");
    assert!(!download[0]["inclusion_proof"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(
        !mine.to_string().contains(A),
        "the identifier never appears"
    );

    let (s, theirs) = app.get("/api/v1/me/accesses", Some(&outsider)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(theirs["items"], json!([]), "{theirs}");
    let (s, v) = app.get("/api/v1/me/accesses", Some(&token)).await;
    assert!(s.is_client_error(), "{s} {v}");
}

/// Input the HTTP layer refuses before the store is asked — an unknown parameter, a bad
/// format, a malformed body, a claim of the wrong type — is refused only after the caller is
/// identified and checked: without a credential or a grant the answer is that, not a word
/// about the input; with a grant the input problem is answered and sealed under the grant.
#[tokio::test]
async fn input_refusals_come_after_the_caller_is_checked_and_are_sealed() {
    let Setup {
        app,
        code,
        token,
        other_token,
        grant,
    } = setup_with(shuqiao_service::system_clock()).await;
    let x = format!("/api/v1/exchange/{code}");
    let record = format!("{x}/records/{A}?colour=red");
    let (s, v) = app.get(&record, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "no credential first: {v}");
    let (s, v) = app.get(&record, Some(&other_token)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("no_grant")),
        "no grant first: {v}"
    );
    let (s, v) = app
        .post(
            &format!("{x}/verify"),
            Some(&other_token),
            json!({"claims": 1}),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("no_grant"))
    );
    // With a grant, each input problem is answered as such.
    let (s, v) = app.get(&record, Some(&token)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_parameter"))
    );
    let (s, v) = app
        .get(&format!("{x}/download?format=xml"), Some(&token))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_format"))
    );
    let (s, v) = app
        .post(
            &format!("{x}/verify"),
            Some(&token),
            json!({"key": A, "claims": {"XM": []}}),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_claim"))
    );
    let (s, v) = app
        .post(&format!("{x}/records"), Some(&token), json!({"keys": A}))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
        "{v}"
    );

    let entries = audit_entries(&app).await;
    let g = json!(grant.to_string());
    for (action, result) in [
        ("exchange.lookup", "denied:invalid_parameter"),
        ("exchange.download", "denied:invalid_format"),
        ("exchange.verify", "denied:invalid_claim"),
        ("exchange.lookup", "denied:validation_failed"),
    ] {
        let e = entries
            .iter()
            .find(|e| e["action"] == action && e["result"] == result)
            .unwrap_or_else(|| panic!("{action} {result} not sealed: {entries:?}"));
        assert_eq!(
            (&e["resource"], &e["actor_system"], &e["grant"]),
            (&json!(code), &json!("c1-sys"), &g)
        );
    }
    for action in ["exchange.lookup", "exchange.verify"] {
        assert!(
            entries.iter().any(|e| e["action"] == action
                && e["actor_system"] == "c2-sys"
                && e["result"] == "denied:no_grant"),
            "{action}: {entries:?}"
        );
    }
}
