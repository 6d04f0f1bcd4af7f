//! A refused JSON body names every missing or invalid field at once, each by its name, in the
//! shape of the catalog's own validation (422 `validation_failed`); only a body that is not
//! JSON at all is 400 `malformed_json`.
use super::*;

/// The field and reason of each problem, in the order given.
fn problems(v: &Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or("").to_string(),
                        e["reason"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn sorted(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = list
        .iter()
        .map(|(f, r)| (f.to_string(), r.to_string()))
        .collect();
    v.sort();
    v
}

/// The problems of `body` posted as an application by `user.c1`, sorted by field.
async fn refused(app: &App, token: &str, body: Value) -> Vec<(String, String)> {
    let (s, v, h) = app
        .call(
            Method::POST,
            "/api/v1/share/applications",
            Some(token),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(h["content-type"], "application/problem+json");
    assert_eq!(v["code"], "validation_failed", "{v}");
    for e in v["errors"].as_array().unwrap() {
        let field = e["field"].as_str().unwrap();
        for lang in ["zh", "en"] {
            assert!(
                e[lang].as_str().unwrap().contains(field),
                "the {lang} message names `{field}`: {e}"
            );
            assert!(
                v[format!("detail_{lang}")]
                    .as_str()
                    .unwrap()
                    .contains(field),
                "{v}"
            );
        }
    }
    let mut p = problems(&v);
    p.sort();
    p
}

fn without(mut body: Value, names: &[&str]) -> Value {
    for name in names {
        body.as_object_mut().unwrap().remove(*name);
    }
    body
}

#[tokio::test]
async fn every_missing_field_of_a_body_is_named_at_once() {
    let app = app().await;
    let (_, cond) = testkit::share_fixture(&app.store().await).await;
    let c1 = app.login("user.c1").await;
    let body = without(access("c1", &cond), &["purpose", "fields", "days"]);

    let (s, _) = app
        .post("/api/v1/share/applications", None, body.clone())
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "who is asking comes first");

    assert_eq!(
        refused(&app, &c1, body).await,
        sorted(&[
            ("days", "required"),
            ("fields", "required"),
            ("purpose", "required")
        ])
    );
    // The defaulted `scene` and `legal_basis`, missing too, are the catalog rules' to judge
    // once the body reads; what serde alone refuses is all listed here.
    let body = without(
        access("c1", &cond),
        &["purpose", "scene", "legal_basis", "system"],
    );
    assert_eq!(
        refused(&app, &c1, body).await,
        sorted(&[("purpose", "required"), ("system", "required")])
    );
}

#[tokio::test]
async fn a_wrong_type_and_a_missing_field_are_named_together() {
    let app = app().await;
    let (_, cond) = testkit::share_fixture(&app.store().await).await;
    let c1 = app.login("user.c1").await;
    let mut body = without(access("c1", &cond), &["purpose"]);
    body["days"] = json!("a year");
    body["fields"] = json!(["XM", 7]);
    assert_eq!(
        refused(&app, &c1, body).await,
        sorted(&[
            ("days", "invalid_type"),
            ("fields[1]", "invalid_type"),
            ("purpose", "required")
        ])
    );
    // Nested fields are named as the catalog's validation names them.
    let steward = app.login("steward.a").await;
    let mut m = serde_json::to_value(sample_meta()).unwrap();
    m.as_object_mut().unwrap().remove("name");
    m["share_type"] = json!("maybe");
    m["items"][1].as_object_mut().unwrap().remove("code");
    let (s, v) = app
        .post("/api/v1/catalog/resources", Some(&steward), m)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let mut p = problems(&v);
    p.sort();
    assert_eq!(
        p,
        sorted(&[
            ("items[1].code", "required"),
            ("name", "required"),
            ("share_type", "invalid_value")
        ])
    );
    let share_type = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "share_type")
        .unwrap();
    assert!(
        share_type["zh"].as_str().unwrap().contains("conditional"),
        "says what it takes: {share_type}"
    );
}

#[tokio::test]
async fn an_unknown_and_a_missing_field_are_named_together() {
    let app = app().await;
    let (_, cond) = testkit::share_fixture(&app.store().await).await;
    let c1 = app.login("user.c1").await;
    let mut body = without(access("c1", &cond), &["purpose"]);
    body["grade"] = json!("x");
    assert_eq!(
        refused(&app, &c1, body).await,
        sorted(&[("grade", "unknown_field"), ("purpose", "required")])
    );
}

#[tokio::test]
async fn a_body_of_the_wrong_kind_is_one_problem_and_bad_syntax_stays_malformed_json() {
    let app = app().await;
    let (_, cond) = testkit::share_fixture(&app.store().await).await;
    let c1 = app.login("user.c1").await;
    assert_eq!(
        refused(&app, &c1, json!(["purpose", "days"])).await,
        sorted(&[("body", "invalid_type")])
    );

    let resp = app
        .http
        .post(format!("{}/api/v1/share/applications", app.base))
        .bearer_auth(&c1)
        .header("content-type", "application/json")
        .body("{\"purpose\": 5, \"days\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["code"], "malformed_json", "{v}");
    assert!(v["detail_zh"].as_str().unwrap().contains("第 1 行"), "{v}");

    let (s, v) = app
        .post("/api/v1/share/applications", Some(&c1), access("c1", &cond))
        .await;
    assert_eq!(s, StatusCode::CREATED, "a valid body still works: {v}");
}
