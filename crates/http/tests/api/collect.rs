//! Collection over HTTP: uploads in both encodings, pushes, reports, rejected rows, records,
//! connectors and overrides, each with who may and who may not.
use super::*;

const A: &str = "11010519491231002X";
const B: &str = "440524188001010014";

async fn published(app: &App) -> String {
    let s = &app._db.store;
    let steward = s.principal_for("steward.a").await.unwrap();
    let admin = s.principal_for("admin").await.unwrap();
    let code = s
        .create_resource(steward.clone(), sample_meta())
        .await
        .unwrap()
        .code;
    s.submit_resource(steward, &code).await.unwrap();
    s.publish_resource(admin, &code).await.unwrap();
    code
}

impl App {
    async fn upload(
        &self,
        path: &str,
        auth: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let mut req = self.http.post(format!("{}{path}", self.base)).body(body);
        if let Some(a) = auth {
            req = req.bearer_auth(a);
        }
        let resp = req.send().await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
            headers,
        )
    }
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

#[tokio::test]
async fn uploads_reports_rejects_and_records() {
    let app = app().await;
    let code = published(&app).await;
    let steward = app.login("steward.a").await;
    let imports = format!("/api/v1/collect/resources/{code}/imports?filename=gat.csv");
    let file = gbk(&format!(
        "公民身份号码,姓名,出生日期\r\n{A},张三,1949-12-31\r\n{B},李四,1880-01-01\r\n"
    ));

    // Who may not: nobody signed in, another department, a consumer, the operator.
    let (s, v, _) = app.upload(&imports, None, file.clone()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    for user in ["steward.b", "user.a", "admin"] {
        let t = app.login(user).await;
        let (s, v, _) = app.upload(&imports, Some(&t), file.clone()).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("not_provider")),
            "{user}: {v}"
        );
    }

    // A GBK export is detected and applied.
    let (s, r, _) = app.upload(&imports, Some(&steward), file.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(
        (
            r["inserted"].as_i64(),
            r["encoding"].as_str(),
            r["status"].as_str()
        ),
        (Some(2), Some("gb18030"), Some("applied"))
    );
    let first_batch = r["id"].as_i64().unwrap();

    // Bad rows under all-or-nothing: 422 problem+json carrying the report; nothing changes.
    let bad =
        format!("公民身份号码,姓名,出生日期\n{A},张三丰,1949-12-31\n110105194912310021,坏,\n");
    let (s, p, h) = app.upload(&imports, Some(&steward), bad.into_bytes()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(h["content-type"], "application/problem+json");
    assert_eq!(
        (p["code"].as_str(), p["batch"]["status"].as_str()),
        (Some("batch_rejected"), Some("rejected"))
    );
    let rejected = p["batch"]["id"].as_i64().unwrap();
    let resp = app
        .http
        .get(format!(
            "{}/api/v1/collect/batches/{rejected}/rejects?format=csv",
            app.base
        ))
        .bearer_auth(&steward)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = resp.text().await.unwrap();
    assert!(
        csv.starts_with('\u{feff}')
            && csv.contains("3,110105194912310021,GMSFHM,110105194912310021,id_check_digit"),
        "{csv}"
    );
    let (s, _) = app
        .get(
            &format!("/api/v1/collect/batches/{rejected}/rejects"),
            Some(&app.login("steward.b").await),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another department cannot even see the batch"
    );

    // Replacing whole records, a required item with no column is refused before any batch
    // exists, naming the item.
    let (s, p, _) = app
        .upload(
            &format!("{imports}&mode=replace"),
            Some(&steward),
            "公民身份号码\n11010519491231002X\n".into(),
        )
        .await;
    assert_eq!(
        (s, p["errors"][0]["reason"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unmapped_required")),
        "{p}"
    );
    let (_, list) = app
        .get(
            &format!("/api/v1/collect/resources/{code}/batches"),
            Some(&steward),
        )
        .await;
    assert_eq!(list["total"], 2);
    // Malformed files are refused with a clear error, never a crash.
    let (s, p, _) = app.upload(&imports, Some(&steward), Vec::new()).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("empty_file")),
        "{p}"
    );
    let (s, p, _) = app
        .upload(
            &format!("{imports}&policy=sometimes"),
            Some(&steward),
            file.clone(),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_parameter")),
        "{p}"
    );

    // Records: the provider and auditors; not other departments, not the operator.
    let (s, rec) = app
        .get(
            &format!("/api/v1/collect/resources/{code}/records/{A}"),
            Some(&steward),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{rec}");
    assert_eq!(
        (
            rec["data"]["XM"].as_str(),
            rec["batch"].as_i64(),
            rec["row"].as_i64()
        ),
        (Some("张三"), Some(first_batch), Some(2))
    );
    let (s, _) = app
        .get(
            &format!("/api/v1/collect/resources/{code}/records/{A}"),
            Some(&app.login("auditor").await),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    for user in ["steward.b", "admin", "user.a"] {
        let (s, _) = app
            .get(
                &format!("/api/v1/collect/resources/{code}/records/{A}"),
                Some(&app.login(user).await),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user}");
    }
    let (s, _) = app
        .get(
            &format!("/api/v1/collect/resources/{code}/records/{A}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = app
        .get(
            &format!("/api/v1/collect/resources/{code}/records/{A}?at=2000-01-01T00:00:00Z"),
            Some(&steward),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("record_not_found"))
    );
    let (s, h) = app
        .get(
            &format!("/api/v1/collect/resources/{code}/records/{A}/history"),
            Some(&steward),
        )
        .await;
    assert_eq!(
        (s, h["items"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(1))
    );

    // Status: the operator sees every resource's timeliness; anonymous callers nothing.
    let (s, st) = app
        .get("/api/v1/collect/status", Some(&app.login("admin").await))
        .await;
    assert_eq!(s, StatusCode::OK);
    let mine = st["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["resource"] == code.as_str())
        .unwrap();
    assert_eq!(
        (
            mine["records"].as_i64(),
            mine["timeliness"]["stale"].as_bool()
        ),
        (Some(2), Some(false))
    );
    let (s, _) = app.get("/api/v1/collect/status", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn pushes_are_idempotent_and_overrides_need_the_operator() {
    let app = app().await;
    let code = published(&app).await;
    let (token, _) = app
        ._db
        .store
        .issue_token(
            &shuqiao_service::testkit::admin_principal(),
            "d-a-sys",
            "push",
            30,
        )
        .await
        .unwrap();
    let push = format!("/api/v1/collect/resources/{code}/batches");
    let body = json!({"batch_id": "d-a-2026-12-01-1", "upserts": [{"GMSFHM": A, "XM": "张三"}, {"GMSFHM": B, "XM": "李四", "CSRQ": null}]});
    let (s, r) = app.post(&push, Some(&token), body.clone()).await;
    assert_eq!(
        (s, r["inserted"].as_i64(), r["source_system"].as_str()),
        (StatusCode::CREATED, Some(2), Some("d-a-sys")),
        "{r}"
    );
    let (s, again) = app.post(&push, Some(&token), body).await;
    assert_eq!(
        (s, again["id"].clone(), again["replayed"].as_bool()),
        (StatusCode::OK, r["id"].clone(), Some(true))
    );
    let (s, v) = app
        .post(
            &push,
            Some(&token),
            json!({"batch_id": "d-a-2026-12-01-1", "deletes": [A]}),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("batch_id_reused"))
    );
    let (s, v) = app
        .post(
            &push,
            Some(&token),
            json!({"batch_id": "d-a-2026-12-01-2", "deletes": [A]}),
        )
        .await;
    assert_eq!(
        (s, v["deleted"].as_i64()),
        (StatusCode::CREATED, Some(1)),
        "{v}"
    );
    let (s, v) = app
        .post(
            &push,
            Some(&token),
            json!({"upserts": [{"GMSFHM": A, "XM": {"nested": 1}}]}),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("nested_value"))
    );
    let (s, v) = app
        .post(&push, Some(&token), json!({"upserts": [], "deletes": []}))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("empty_batch"))
    );
    let (s, _) = app
        .post(
            &push,
            Some(&app.login("steward.b").await),
            json!({"deletes": [B]}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let odd = json!({"kind": "id_number", "value": "110105194912310021", "reason": "公安机关确认的历史号码"});
    let (s, _) = app
        .post(
            "/api/v1/collect/overrides",
            Some(&app.login("steward.a").await),
            odd.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let admin = app.login("admin").await;
    let (s, o) = app
        .post("/api/v1/collect/overrides", Some(&admin), odd)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    let (s, r) = app
        .post(
            &push,
            Some(&token),
            json!({"upserts": [{"GMSFHM": "110105194912310021", "XM": "赵六"}]}),
        )
        .await;
    assert_eq!(
        (s, r["inserted"].as_i64()),
        (StatusCode::CREATED, Some(1)),
        "{r}"
    );
    let (s, l) = app.get("/api/v1/collect/overrides", Some(&admin)).await;
    assert_eq!(
        (s, l["items"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(1))
    );
    let (s, _) = app
        .get(
            "/api/v1/collect/overrides",
            Some(&app.login("user.a").await),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// A file or a push that leaves items out keeps their stored values; replacing whole records
/// is asked for and counted.
#[tokio::test]
async fn partial_imports_and_pushes_merge_and_replacing_is_explicit() {
    let app = app().await;
    let code = published(&app).await;
    let steward = app.login("steward.a").await;
    let imports = format!("/api/v1/collect/resources/{code}/imports?filename=gat.csv");
    let full = format!("公民身份号码,姓名,出生日期\n{A},张三,1949-12-31\n{B},李四,1880-01-01\n");
    let (s, r, _) = app
        .upload(&imports, Some(&steward), full.into_bytes())
        .await;
    assert_eq!(
        (s, r["inserted"].as_i64()),
        (StatusCode::CREATED, Some(2)),
        "{r}"
    );
    let record = |key: &'static str| {
        let (app, code, steward) = (&app, code.clone(), steward.clone());
        async move {
            let (s, v) = app
                .get(
                    &format!("/api/v1/collect/resources/{code}/records/{key}"),
                    Some(&steward),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v["data"].clone()
        }
    };

    // Names only: the birth date stays, and the report says how many records kept values.
    let names = format!("公民身份号码,姓名\n{A},张三丰\n");
    let (s, r, _) = app
        .upload(&imports, Some(&steward), names.clone().into_bytes())
        .await;
    assert_eq!(
        (
            s,
            r["mode"].as_str(),
            r["updated"].as_i64(),
            r["merged"].as_i64(),
            r["replaced"].as_i64()
        ),
        (
            StatusCode::CREATED,
            Some("upsert"),
            Some(1),
            Some(1),
            Some(0)
        ),
        "{r}"
    );
    assert_eq!(
        record(A).await,
        json!({"GMSFHM": A, "XM": "张三丰", "CSRQ": "1949-12-31"})
    );

    // A pushed record that leaves an item out keeps it; `null` clears it.
    let push = format!("/api/v1/collect/resources/{code}/batches");
    let (s, r) = app
        .post(
            &push,
            Some(&steward),
            json!({"upserts": [{"GMSFHM": B, "XM": "李思"}]}),
        )
        .await;
    assert_eq!(
        (s, r["merged"].as_i64()),
        (StatusCode::CREATED, Some(1)),
        "{r}"
    );
    assert_eq!(
        record(B).await,
        json!({"GMSFHM": B, "XM": "李思", "CSRQ": "1880-01-01"})
    );
    let (s, r) = app
        .post(
            &push,
            Some(&steward),
            json!({"upserts": [{"GMSFHM": B, "CSRQ": null}]}),
        )
        .await;
    assert_eq!(
        (s, r["updated"].as_i64()),
        (StatusCode::CREATED, Some(1)),
        "{r}"
    );
    assert_eq!(record(B).await, json!({"GMSFHM": B, "XM": "李思"}));

    // Replacing is explicit: `replace=true` (or `mode=replace`) on an import, `replace` on a
    // push; the records that lost values are counted.
    let (s, r, _) = app
        .upload(
            &format!("{imports}&replace=true"),
            Some(&steward),
            names.into_bytes(),
        )
        .await;
    assert_eq!(
        (
            s,
            r["mode"].as_str(),
            r["replaced"].as_i64(),
            r["merged"].as_i64()
        ),
        (StatusCode::CREATED, Some("replace"), Some(1), Some(0)),
        "{r}"
    );
    assert_eq!(record(A).await, json!({"GMSFHM": A, "XM": "张三丰"}));
    let (s, r) = app
        .post(
            &push,
            Some(&steward),
            json!({"replace": true, "upserts": [{"GMSFHM": A, "CSRQ": "1949-12-31"}]}),
        )
        .await;
    assert_eq!(
        (s, r["errors"][0]["reason"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unmapped_required")),
        "a replaced record needs its required items: {r}"
    );
    let (s, v, _) = app
        .upload(&format!("{imports}&replace=maybe"), Some(&steward), vec![])
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_parameter"))
    );
}

#[tokio::test]
async fn connectors_are_checked_before_saving() {
    let app = app().await;
    let code = published(&app).await;
    let steward = app.login("steward.a").await;
    let path = format!("/api/v1/collect/resources/{code}/connector");
    let (s, v, _) = app
        .call(
            Method::PUT,
            &path,
            Some(&steward),
            Some(json!({"url": "postgres://etl:s3cret@127.0.0.1:1/ods", "table": "population"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("source_unreachable")),
        "{v}"
    );
    assert!(
        !v.to_string().contains("s3cret"),
        "the password never leaves: {v}"
    );
    let (s, v, _) = app
        .call(
            Method::PUT,
            &path,
            Some(&app.login("steward.b").await),
            Some(json!({"url": "postgres://127.0.0.1:1/x", "table": "t"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app.get(&path, Some(&steward)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("connector_not_found"))
    );

    // With the real PostgreSQL of the development and CI machines: configure, pull, pull again.
    let Ok(url) = std::env::var("SHUQIAO_TEST_PG_URL") else {
        eprintln!("SHUQIAO_TEST_PG_URL not set: the connector pull is not exercised");
        return;
    };
    let table = format!("ods_people_{}", std::process::id());
    let admin_sql = {
        let url = url.clone();
        let table = table.clone();
        move |sql: String| {
            let url = url.clone();
            let _ = &table;
            std::thread::spawn(move || {
                let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                c.batch_execute(&sql).unwrap();
            })
            .join()
            .unwrap();
        }
    };
    admin_sql(format!(
        "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (gmsfhm TEXT PRIMARY KEY, xm TEXT, csrq DATE);
         INSERT INTO {table} VALUES ('{A}', '张三', '1949-12-31'), ('{B}', '李四', NULL);"
    ));
    let (s, v, _) = app
        .call(
            Method::PUT,
            &path,
            Some(&steward),
            Some(json!({"url": url, "table": table, "source_system": "d-a-sys"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, r) = app
        .post(&format!("{path}/run"), Some(&steward), json!({}))
        .await;
    assert_eq!(
        (s, r["inserted"].as_i64(), r["channel"].as_str()),
        (StatusCode::CREATED, Some(2), Some("pull")),
        "{r}"
    );
    admin_sql(format!("DELETE FROM {table} WHERE gmsfhm = '{B}'; UPDATE {table} SET xm = '张三丰' WHERE gmsfhm = '{A}';"));
    let (s, r) = app
        .post(&format!("{path}/run"), Some(&steward), json!({}))
        .await;
    assert_eq!(
        (s, r["updated"].as_i64(), r["deleted"].as_i64()),
        (StatusCode::CREATED, Some(1), Some(1)),
        "a snapshot deletes what vanished: {r}"
    );
    admin_sql(format!("DROP TABLE {table}"));
}

/// An incremental pull from MariaDB: only rows at or after the stored watermark are read, and
/// the watermark commits with the batch.
#[tokio::test]
async fn incremental_pulls_from_mariadb_follow_the_watermark() {
    use mysql::prelude::Queryable;
    let url = std::env::var("SHUQIAO_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into());
    let exec = {
        let url = url.clone();
        move |sql: String| -> bool {
            let url = url.clone();
            std::thread::spawn(move || {
                let Ok(opts) = mysql::Opts::from_url(&url) else {
                    return false;
                };
                let Ok(mut c) = mysql::Conn::new(opts) else {
                    return false;
                };
                c.query_drop(sql).is_ok()
            })
            .join()
            .unwrap_or(false)
        }
    };
    let table = format!("ods_people_{}", std::process::id());
    if !exec(format!("DROP TABLE IF EXISTS {table}")) {
        eprintln!("MariaDB not reachable at {url}: the incremental pull is not exercised");
        return;
    }
    let app = app().await;
    let code = published(&app).await;
    let steward = app.login("steward.a").await;
    assert!(exec(format!(
        "CREATE TABLE {table} (GMSFHM VARCHAR(18) PRIMARY KEY, XM VARCHAR(50), CSRQ DATE, gxsj DATETIME);
         INSERT INTO {table} VALUES ('{A}', '张三', '1949-12-31', '2026-11-30 08:00:00'), ('{B}', '李四', NULL, '2026-11-30 09:00:00');"
    )));
    let path = format!("/api/v1/collect/resources/{code}/connector");
    let (s, v, _) = app
        .call(
            Method::PUT,
            &path,
            Some(&steward),
            Some(json!({"url": url, "table": table, "updated_column": "gxsj"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, r) = app
        .post(&format!("{path}/run"), Some(&steward), json!({}))
        .await;
    assert_eq!(
        (s, r["inserted"].as_i64()),
        (StatusCode::CREATED, Some(2)),
        "{r}"
    );
    let (_, v) = app.get(&path, Some(&steward)).await;
    assert_eq!(v["watermark"], "2026-11-30 09:00:00", "{v}");
    assert!(exec(format!(
        "UPDATE {table} SET XM = '张三丰', gxsj = '2026-11-30 10:00:00' WHERE GMSFHM = '{A}'"
    )));
    let (s, r) = app
        .post(&format!("{path}/run"), Some(&steward), json!({}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(
        (
            r["rows_read"].as_i64(),
            r["updated"].as_i64(),
            r["unchanged"].as_i64(),
            r["deleted"].as_i64()
        ),
        (Some(2), Some(1), Some(1), Some(0)),
        "only the boundary row and the changed one are read; nothing is deleted: {r}"
    );
    let (_, v) = app.get(&path, Some(&steward)).await;
    assert_eq!(v["watermark"], "2026-11-30 10:00:00");
    let (_, rec) = app
        .get(
            &format!("/api/v1/collect/resources/{code}/records/{A}"),
            Some(&steward),
        )
        .await;
    assert_eq!(
        (rec["data"]["XM"].as_str(), rec["channel"].as_str()),
        (Some("张三丰"), Some("pull"))
    );
    exec(format!("DROP TABLE {table}"));
}
