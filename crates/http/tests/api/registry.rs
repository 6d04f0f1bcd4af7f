//! The data-element registry over HTTP: reading it, the operator extending it, a resource
//! declaring its labels, and an export with a title row and labels going in as codes.
use super::*;

const A: &str = "11010519491231002X";
const B: &str = "440524188001010014";

async fn published_with_sex(app: &App) -> String {
    let s = &app._db.store;
    let steward = s.principal_for("steward.a").await.unwrap();
    let admin = s.principal_for("admin").await.unwrap();
    let mut meta = sample_meta();
    meta.items.push(
        serde_json::from_value(json!(
            {"name": "性别", "code": "XB", "type": "string", "length": 1, "grade": "general", "element": "XBDM"}
        ))
        .unwrap(),
    );
    let code = s.create_resource(steward.clone(), meta).await.unwrap().code;
    s.submit_resource(steward, &code).await.unwrap();
    s.publish_resource(admin, &code).await.unwrap();
    code
}

#[tokio::test]
async fn registry_who_may_extend_it_and_labels_as_codes() {
    let app = app().await;
    let admin = app.login("admin").await;
    let steward = app.login("steward.a").await;
    let consumer = app.login("user.a").await;

    // Reading: anyone signed in.
    let (s, _) = app.get("/api/v1/quality/elements", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = app.get("/api/v1/quality/elements", Some(&consumer)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["identifier"] == "MZDM"));
    let (s, v) = app
        .get("/api/v1/quality/elements/XBDM", Some(&consumer))
        .await;
    assert_eq!(
        (s, v["codes"]["codes"][1]["label"].as_str()),
        (StatusCode::OK, Some("男性"))
    );
    let (s, v) = app
        .get("/api/v1/quality/code-sets/GB%2FT%203304", Some(&steward))
        .await;
    assert_eq!(
        (s, v["codes"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(58))
    );
    let (s, v) = app
        .get("/api/v1/quality/elements/NOSUCH", Some(&steward))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("element_not_found"))
    );

    // Extending: the operator only; everyone else gets 403 problem+json.
    let set = json!({"id": "HNHJ", "standard": "DB46/T 0001-2026", "name": "户籍类别代码",
        "codes": [{"code": "1", "label": "农业"}, {"code": "2", "label": "非农业"}]});
    let element = json!({"identifier": "HJLB", "name": "户籍类别", "definition": "人的户籍登记类别",
        "type": "string", "length": 1, "code_set": "HNHJ"});
    for who in [&steward, &consumer] {
        for (path, body) in [
            ("/api/v1/quality/code-sets", &set),
            ("/api/v1/quality/elements", &element),
        ] {
            let (s, v, h) = app
                .call(Method::POST, path, Some(who), Some(body.clone()))
                .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {v}");
            assert_eq!(h["content-type"], "application/problem+json");
            assert!(
                v["detail_zh"].is_string() && v["detail_en"].is_string(),
                "{v}"
            );
        }
    }
    let (s, v) = app
        .post(
            "/api/v1/quality/elements",
            Some(&admin),
            json!({"identifier": "x", "name": "", "definition": "d", "type": "string"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(fields(&v), ["identifier", "name", "length"]);
    let (s, v) = app
        .post("/api/v1/quality/code-sets", Some(&admin), set.clone())
        .await;
    assert_eq!(
        (s, v["builtin"].as_bool()),
        (StatusCode::CREATED, Some(false)),
        "{v}"
    );
    let (s, v) = app
        .post("/api/v1/quality/elements", Some(&admin), element.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app
        .post("/api/v1/quality/elements", Some(&admin), element)
        .await;
    assert_eq!(
        (s, fields(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["identifier".to_string()]
        )
    );

    // An export with a title row and labels: refused naming the code set, then accepted once
    // the labels are declared, stored as codes.
    let code = published_with_sex(&app).await;
    let imports = format!("/api/v1/collect/resources/{code}/imports?filename=people.csv");
    let file = format!(
        "海南省公安厅 人口信息导出（2026年12月）,,\n公民身份号码,姓名,性别\n{A},张三,男\n{B},李四,女\n注：数据截至 2026 年 11 月底,,\n"
    );
    let upload = |auth: String, body: String| {
        let req = app
            .http
            .post(format!("{}{imports}", app.base))
            .bearer_auth(auth)
            .body(body);
        async move {
            let resp = req.send().await.unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }
    };
    let (s, p) = upload(steward.clone(), file.clone()).await;
    assert_eq!(
        (s, p["batch"]["rejected"].as_i64()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some(2)),
        "{p}"
    );
    let batch = p["batch"]["id"].as_i64().unwrap();
    let (_, rejects) = app
        .get(
            &format!("/api/v1/collect/batches/{batch}/rejects"),
            Some(&steward),
        )
        .await;
    let first = &rejects["items"][0];
    assert_eq!(first["reason"], "not_in_code_set", "{rejects}");
    assert!(first["message_zh"]
        .as_str()
        .unwrap()
        .contains("GB/T 2261.1 性别代码"));

    let mappings = format!("/api/v1/catalog/resources/{code}/value-mappings");
    let body = json!({"items": {"XB": {"男": "1", "女": "2"}}});
    for who in [&consumer, &admin] {
        let (s, v) = app.put(&mappings, Some(who), body.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    }
    let (s, v) = app
        .put(
            &mappings,
            Some(&steward),
            json!({"items": {"XB": {"男": "男"}}}),
        )
        .await;
    assert_eq!(
        (s, fields(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["items.XB.男".to_string()]
        )
    );
    let (s, v) = app.put(&mappings, Some(&steward), body).await;
    assert_eq!(
        (s, &v["items"]["XB"]["女"]),
        (StatusCode::OK, &json!("2")),
        "{v}"
    );
    let (s, v) = app.get(&mappings, Some(&admin)).await;
    assert_eq!((s, &v["items"]["XB"]["男"]), (StatusCode::OK, &json!("1")));

    let (s, r) = upload(steward.clone(), file).await;
    assert_eq!(
        (s, r["inserted"].as_i64()),
        (StatusCode::CREATED, Some(2)),
        "{r}"
    );
    let (s, rec) = app
        .get(
            &format!("/api/v1/collect/resources/{code}/records/{B}"),
            Some(&steward),
        )
        .await;
    assert_eq!(
        (s, &rec["data"]["XB"]),
        (StatusCode::OK, &json!("2")),
        "{rec}"
    );

    // A header row is a line number from 1.
    let (s, v, _) = app
        .call(
            Method::POST,
            &format!("{imports}&header_row=0"),
            Some(&steward),
            None,
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_parameter")),
        "{v}"
    );
}
