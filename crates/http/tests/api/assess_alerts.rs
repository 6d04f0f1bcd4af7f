//! Usage alerts over HTTP on the demo province: the operator's settings (every problem at
//! once; the operator alone), a consumer system looking up a share of the population resource
//! that the sweep flags and suspends, the refusal its next call gets, who sees the alert, and
//! the operator's review.
use super::*;
use shuqiao_demo as demo;

const KEY: &str = "11010519491231002X";

#[tokio::test(flavor = "multi_thread")]
async fn harvesting_suspends_the_grant_until_the_operator_clears_it() {
    let app = demo_app().await;
    let admin = app.login_with("admin", demo::ADMIN_PASSWORD).await;
    let (_, found) = app
        .get("/api/v1/catalog/resources?q=全员人口基础信息", Some(&admin))
        .await;
    let res = found["items"][0]["code"].as_str().unwrap().to_string();
    let provider = found["items"][0]["provider"].as_str().unwrap().to_string();
    let steward_name = format!("steward.{}", demo::dept_suffix(&provider));
    let steward = app.login_with(&steward_name, demo::STEWARD_PASSWORD).await;
    let other = app.login_with("steward.lyj", demo::STEWARD_PASSWORD).await;

    // Settings: every problem at once, the operator alone.
    let (s, v) = app
        .get("/api/v1/assess/alerts/settings", Some(&admin))
        .await;
    assert_eq!((s, v["baseline_days"].as_i64()), (StatusCode::OK, Some(7)));
    let bad = json!({"jump_factor": 1, "min_calls": 0, "baseline_days": 0, "quiet_start": 3,
        "quiet_end": 3, "harvest_share": 2, "harvest_min_subjects": 1, "suspend_on_alert": true});
    let (s, v) = app
        .put("/api/v1/assess/alerts/settings", Some(&admin), bad)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        fields(&v),
        [
            "jump_factor",
            "min_calls",
            "baseline_days",
            "quiet_end",
            "harvest_share"
        ]
    );
    // Quiet hours away from now, so only the harvesting rule can fire whenever this runs.
    let (_, hour) = shuqiao_core::assess::alerts::china_day_hour(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64,
    );
    let settings = json!({"jump_factor": 3.0, "min_calls": 1_000_000, "baseline_days": 7,
        "quiet_start": (hour + 2) % 24, "quiet_end": (hour + 3) % 24, "harvest_share": 0.000001,
        "harvest_min_subjects": 1, "suspend_on_alert": true});
    let (s, v) = app
        .put(
            "/api/v1/assess/alerts/settings",
            Some(&steward),
            settings.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app
        .put(
            "/api/v1/assess/alerts/settings",
            Some(&admin),
            settings.clone(),
        )
        .await;
    assert_eq!((s, &v), (StatusCode::OK, &settings));

    // One person's record, and the consumer system's lookup of it.
    let store = app.store().await;
    let p = store.principal_for(&steward_name).await.unwrap();
    let src = shuqiao_core::collect::source::VecSource::new(
        ["GMSFHM", "XM", "XB", "CSRQ", "HJDZ"]
            .map(String::from)
            .to_vec(),
        vec![[KEY, "张三", "1", "1949-12-31", "海口市龙华区"]
            .map(String::from)
            .to_vec()],
    );
    let req = shuqiao_service::collect::BatchRequest::new(
        &res,
        shuqiao_service::collect::Channel::Import,
        "a.csv",
    );
    store.collect_batch(p, req, src, None).await.unwrap();
    let (_, v) = app
        .post(
            "/api/v1/systems/hi-rst-sbxt/tokens",
            Some(&admin),
            json!({"name": "alerts"}),
        )
        .await;
    let system = v["token"].as_str().unwrap().to_string();
    let record = format!("/api/v1/exchange/{res}/records/{KEY}");
    let (s, v) = app.get(&record, Some(&system)).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // The sweep flags it and suspends the grant; the next call is refused as problem+json.
    let r = store.alert_sweep().await.unwrap();
    assert_eq!((r.raised, r.suspended), (1, 1));
    let (s, v, h) = app.call(Method::GET, &record, Some(&system), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(h["content-type"], "application/problem+json");
    assert_eq!(v["code"], "grant_suspended");
    assert!(v["detail_zh"].as_str().unwrap().contains("正在复核"), "{v}");
    assert!(v["detail_en"].as_str().unwrap().contains("reviews"), "{v}");

    // Who sees it: the operator, the provider's steward, the consumer's own system; not
    // another department.
    let (s, list) = app.get("/api/v1/assess/alerts", Some(&admin)).await;
    assert_eq!(
        (s, list["total"].as_i64()),
        (StatusCode::OK, Some(1)),
        "{list}"
    );
    let alert = &list["items"][0];
    assert_eq!(
        (
            alert["kind"].as_str(),
            alert["observed"].as_i64(),
            alert["state"].as_str(),
            alert["suspended"].as_bool(),
            alert["system"].as_str()
        ),
        (
            Some("harvesting"),
            Some(1),
            Some("open"),
            Some(true),
            Some("hi-rst-sbxt")
        )
    );
    let id = alert["id"].as_i64().unwrap();
    let one = format!("/api/v1/assess/alerts/{id}");
    for who in [&steward, &system] {
        let (s, v) = app
            .get("/api/v1/assess/alerts?status=open", Some(who))
            .await;
        assert_eq!((s, v["total"].as_i64()), (StatusCode::OK, Some(1)), "{v}");
        let (s, _) = app.get(&one, Some(who)).await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, v) = app.get("/api/v1/assess/alerts", Some(&other)).await;
    assert_eq!((s, v["total"].as_i64()), (StatusCode::OK, Some(0)));
    let (s, v) = app.get(&one, Some(&other)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("alert_not_found"))
    );
    let (s, v) = app
        .get("/api/v1/assess/alerts?status=bogus", Some(&admin))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, _) = app.get("/api/v1/assess/alerts", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // The review: the operator alone, a known decision with a note, once.
    let review = format!("/api/v1/assess/alerts/{id}/review");
    let clear = json!({"decision": "clear", "note": "核实为正常业务"});
    let (s, _) = app.post(&review, Some(&steward), clear.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(
            &review,
            Some(&admin),
            json!({"decision": "maybe", "note": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(fields(&v), ["decision"]);
    let (s, v) = app
        .post(
            &review,
            Some(&admin),
            json!({"decision": "clear", "note": " "}),
        )
        .await;
    assert_eq!(
        (s, fields(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["note".to_string()])
    );
    let (s, v) = app.post(&review, Some(&admin), clear.clone()).await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("cleared")),
        "{v}"
    );
    let (s, v) = app.post(&review, Some(&admin), clear).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("alert_already_reviewed"))
    );
    // Cleared: the grant serves again.
    let (s, v) = app.get(&record, Some(&system)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}
