//! The quality loop over HTTP on the demo province: a consumer system flags a record within
//! its grant (201 with the due date), a field outside it is refused as problem+json, the
//! provider answers, the system contests, the operator rules.
use super::*;
use shuqiao_demo as demo;

const KEY: &str = "11010519491231002X";

#[tokio::test(flavor = "multi_thread")]
async fn a_system_flags_the_provider_answers_the_operator_rules() {
    let app = demo_app().await;
    let admin = app.login_with("admin", demo::ADMIN_PASSWORD).await;
    let (_, found) = app
        .get("/api/v1/catalog/resources?q=全员人口基础信息", Some(&admin))
        .await;
    let res = found["items"][0]["code"].as_str().unwrap().to_string();
    let provider = found["items"][0]["provider"].as_str().unwrap().to_string();
    let steward = app
        .login_with(
            &format!("steward.{}", demo::dept_suffix(&provider)),
            demo::STEWARD_PASSWORD,
        )
        .await;
    let (s, v) = app
        .post(
            "/api/v1/systems/hi-rst-sbxt/tokens",
            Some(&admin),
            json!({"name": "q"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let system = v["token"].as_str().unwrap().to_string();
    let store = app.store().await;
    let p = store
        .principal_for(&format!("steward.{}", demo::dept_suffix(&provider)))
        .await
        .unwrap();
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
        "q.csv",
    );
    store.collect_batch(p, req, src, None).await.unwrap();

    let flag = |fields: Value| json!({"resource": res, "key": KEY, "fields": fields, "reason": "姓名与户籍登记不符", "evidence": "户籍登记表"});
    let (s, v, h) = app
        .call(
            Method::POST,
            "/api/v1/quality/objections",
            Some(&system),
            Some(flag(json!(["HJDZ"]))),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(h["content-type"], "application/problem+json");
    assert_eq!(v["code"], "field_not_granted");
    let (s, v) = app
        .post(
            "/api/v1/quality/objections",
            Some(&system),
            json!({"resource": res, "key": "", "fields": [], "reason": ""}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(fields(&v), ["key", "reason", "fields"]);

    let (s, o) = app
        .post(
            "/api/v1/quality/objections",
            Some(&system),
            flag(json!(["XM"])),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    assert_eq!(o["status"], "open");
    assert!(o["due_date"].as_str().is_some_and(|d| d.len() == 10), "{o}");
    let id = o["id"].as_i64().unwrap();
    let path = |step: &str| format!("/api/v1/quality/objections/{id}/{step}");

    // Only the provider's steward answers; the operator rules; the flagger responds.
    let (s, _) = app
        .post(
            &path("answer"),
            Some(&system),
            json!({"answer": "disputed", "note": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(
            &path("answer"),
            Some(&steward),
            json!({"answer": "disputed", "note": "与户籍系统一致"}),
        )
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("disputed")),
        "{v}"
    );
    let (s, v) = app
        .post(
            &path("respond"),
            Some(&system),
            json!({"response": "contest", "note": "出生证明不同"}),
        )
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("contested")),
        "{v}"
    );
    let (_, list) = app
        .get("/api/v1/quality/objections?supervision=true", Some(&admin))
        .await;
    assert_eq!(list["items"][0]["id"], id);
    let (s, _) = app
        .post(
            &path("rule"),
            Some(&steward),
            json!({"ruling": "dismissed", "note": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(
            &path("rule"),
            Some(&admin),
            json!({"ruling": "dismissed", "note": "提供方数据有据"}),
        )
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("dismissed")),
        "{v}"
    );
    let (s, v) = app
        .get("/api/v1/quality/objections?supervision=maybe", Some(&admin))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}
