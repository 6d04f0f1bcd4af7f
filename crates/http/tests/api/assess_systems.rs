//! The system inventory over HTTP: reading with completion and rates, editing without
//! erasing, imports (GBK CSV, XLSX) that report every bad cell at once and apply nothing,
//! the approval check, zombie candidates and the operator's marks; each refusal.
use super::*;
use crate::file_support::{s as cell, xlsx};

impl App {
    async fn sheet(&self, query: &str, auth: Option<&str>, body: Vec<u8>) -> (StatusCode, Value) {
        let mut req = self
            .http
            .post(format!(
                "{}/api/v1/assess/systems/import?{query}",
                self.base
            ))
            .body(body);
        if let Some(a) = auth {
            req = req.bearer_auth(a);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut data = String::new();
    for (i, row) in rows.iter().enumerate() {
        let r = i + 1;
        data.push_str(&format!("<row r=\"{r}\">"));
        for (col, text) in ["A", "B", "C", "D"].iter().zip(row.iter()) {
            data.push_str(&cell(&format!("{col}{r}"), text));
        }
        data.push_str("</row>");
    }
    xlsx(&[("Sheet1", &data)], &[], false)
}

#[tokio::test(flavor = "multi_thread")]
async fn inventory_imports_approval_and_zombies() {
    let app = app().await;
    let admin = app.login("admin").await;
    let steward = app.login("steward.a").await;
    let other = app.login("steward.b").await;
    let auditor = app.login("auditor").await;
    let consumer = app.login("user.a").await;

    // The list: d-a-sys with nothing on the platform yet, the province at 0 of 1.
    let (s, v) = app.get("/api/v1/assess/systems", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["systems"][0]["code"], "d-a-sys");
    assert_eq!(v["systems"][0]["completion"]["complete"], false);
    assert_eq!(v["province"]["counted"], 1);
    assert_eq!(v["targets"][2], json!({"year": 2024, "percent": 100}));
    let (_, mine) = app.get("/api/v1/assess/systems", Some(&other)).await;
    assert_eq!(mine["systems"], json!([]));
    assert_eq!(mine["province"], Value::Null);
    for (who, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(consumer.as_str()), StatusCode::FORBIDDEN),
    ] {
        let (s, v) = app.get("/api/v1/assess/systems", who).await;
        assert_eq!(s, status, "{v}");
    }

    // Editing: a field left out keeps its value; every problem at once, each named.
    let one = "/api/v1/assess/systems/d-a-sys";
    let (s, v) = app
        .put(
            one,
            Some(&steward),
            json!({"scope": "全省", "network": "internet"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app
        .put(one, Some(&steward), json!({"use_frequency": "每日"}))
        .await;
    assert_eq!(
        (&v["scope"], &v["network"], &v["use_frequency"]),
        (&json!("全省"), &json!("internet"), &json!("每日"))
    );
    let (s, v) = app
        .put(
            one,
            Some(&steward),
            json!({"approved_on": "2021-02-30", "investment_yuan": -5, "network": "卫星"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(fields(&v), ["network"]);
    let (s, v) = app
        .put(
            one,
            Some(&steward),
            json!({"approved_on": "2021-02-30", "investment_yuan": -5}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(fields(&v), ["approved_on", "investment_yuan"]);
    let (s, _) = app.put(one, Some(&steward), json!({"colour": "红"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for (who, status) in [
        (other.as_str(), StatusCode::NOT_FOUND),
        (auditor.as_str(), StatusCode::FORBIDDEN),
        (consumer.as_str(), StatusCode::FORBIDDEN),
    ] {
        let (s, v) = app.put(one, Some(who), json!({"scope": "本厅"})).await;
        assert_eq!(s, status, "{v}");
    }

    // Imports: a GBK sheet with Chinese headers and labels.
    let (s, v) = app
        .sheet(
            "filename=%E6%B8%85%E6%9F%A5.csv",
            Some(&steward),
            gbk("系统编码,功能,使用频度,网络,状态,涉密,投资规模,审批部门,审批时间,验收时间\n\
                 d-a-sys,人口信息查询与核验,每周,政务外网,在用,否,\"3,500,000\",省发展改革委,2019-04-01,2020-05-20\n"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"created": 0, "updated": 1, "unchanged": 0}));
    let (_, v) = app.get(one, Some(&auditor)).await;
    assert_eq!(
        (
            &v["description"],
            &v["investment_yuan"],
            &v["network"],
            &v["scope"]
        ),
        (
            &json!("人口信息查询与核验"),
            &json!(3_500_000),
            &json!("extranet"),
            &json!("全省")
        )
    );
    // Every bad cell of every row at once; nothing applied.
    let (s, v) = app
        .sheet(
            "filename=bad.csv",
            Some(&admin),
            "系统编码,所属部门,系统名称,网络,验收时间\n\
             d-a-sys,,改了名,卫星网,\n\
             new-sys,,新系统,政务外网,2020-1-1\n\
             ,,无编码,政务外网,\n"
                .as_bytes()
                .to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        fields(&v),
        [
            "rows[2].network",
            "rows[4].code",
            "rows[3].accepted_on",
            "rows[3].org"
        ]
    );
    let (_, v) = app.get(one, Some(&admin)).await;
    assert_eq!(v["name"], "测试系统", "nothing applied");
    // The operator adds a system the platform did not know, from an XLSX sheet.
    let (s, v) = app
        .sheet(
            "filename=inventory.xlsx",
            Some(&admin),
            workbook(&[
                &["系统编码", "系统名称", "所属部门", "状态"],
                &["d-b-old", "旧审批系统", "d-b", "停用"],
            ]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["created"], 1);
    let (_, v) = app
        .get("/api/v1/assess/systems/d-b-old", Some(&other))
        .await;
    assert_eq!(
        (&v["status"], &v["org"]),
        (&json!("stopped"), &json!("d-b"))
    );
    // A steward cannot add systems, nor import at all without a steward's role.
    let (s, v) = app
        .sheet(
            "filename=s.csv",
            Some(&other),
            "系统编码,所属部门,系统名称\nd-b-new,d-b,新系统\n"
                .as_bytes()
                .to_vec(),
        )
        .await;
    assert_eq!(
        (s, fields(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["rows[2].code".to_string()]
        )
    );
    for (who, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(auditor.as_str()), StatusCode::FORBIDDEN),
        (Some(consumer.as_str()), StatusCode::FORBIDDEN),
    ] {
        let (s, v) = app
            .sheet("filename=s.csv", who, b"x,y\n1,2\n".to_vec())
            .await;
        assert_eq!(s, status, "{v}");
    }
    let (s, v) = app
        .sheet(
            "filename=s.csv",
            Some(&admin),
            "名称\n某系统\n".as_bytes().to_vec(),
        )
        .await;
    assert_eq!(
        (s, fields(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["file".to_string()])
    );

    // The approval check: nothing shared yet, so no acceptance.
    let (s, v) = app
        .get(
            &format!("{one}/approval-check?stage=acceptance"),
            Some(&steward),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["approvable"], false);
    assert_eq!(v["obstacles"][0]["code"], "not_connected");
    let (s, _) = app
        .get(&format!("{one}/approval-check?stage=later"), Some(&steward))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app
        .get(&format!("{one}/approval-check"), Some(&other))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Zombies: d-a-sys is idle; the operator dismisses it with a reason.
    let (s, v) = app
        .get("/api/v1/assess/systems/zombies", Some(&auditor))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["candidates"][0]["code"], "d-a-sys");
    assert_eq!(v["candidates"][0]["evidence"][0]["criterion"], "idle");
    assert_eq!(v["candidates"][0]["evidence"][0]["met"], true);
    let mark = format!("{one}/mark");
    let (s, v) = app
        .post(&mark, Some(&admin), json!({"verdict": "dismissed"}))
        .await;
    assert_eq!(
        (s, fields(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_string()])
    );
    for who in [&steward, &auditor] {
        let (s, _) = app
            .post(&mark, Some(who), json!({"verdict": "confirmed"}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (s, v) = app
        .post(
            &mark,
            Some(&admin),
            json!({"verdict": "dismissed", "reason": "系统升级改造中"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app
        .get("/api/v1/assess/systems/zombies", Some(&steward))
        .await;
    assert_eq!(v["candidates"][0]["mark"]["verdict"], "dismissed");
    assert_eq!(v["candidates"][0]["mark"]["reason"], "系统升级改造中");
    let (s, _) = app
        .post(
            "/api/v1/assess/systems/d-b-old/mark",
            Some(&admin),
            json!({"verdict": "confirmed"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a stopped system is no candidate");

    // Settings: the operator's.
    let body = json!({"idle_days": 30, "min_users": 3});
    let (s, _) = app
        .put(
            "/api/v1/assess/systems/zombie-settings",
            Some(&steward),
            body.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .put(
            "/api/v1/assess/systems/zombie-settings",
            Some(&admin),
            body.clone(),
        )
        .await;
    assert_eq!((s, v), (StatusCode::OK, body));
    let (s, v) = app
        .put(
            "/api/v1/assess/systems/zombie-settings",
            Some(&admin),
            json!({"idle_days": 0, "min_users": 0}),
        )
        .await;
    assert_eq!(
        (s, fields(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["idle_days".to_string(), "min_users".to_string()]
        )
    );
}
