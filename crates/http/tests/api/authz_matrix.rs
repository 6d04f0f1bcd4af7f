//! Who may do what, as one table: each row is an endpoint and the status every kind of caller
//! gets from it, run against the demo province. All rows run before anything is asserted, so
//! one run reports every row that disagrees.
use super::*;
use shuqiao_demo as demo;

/// The callers of every row, in the order the columns are written and run.
const WHO: [&str; 8] = [
    "anonymous",
    "citizen",
    "consumer user",
    "consumer system token",
    "another department's steward",
    "the provider's steward",
    "auditor",
    "admin",
];

/// A request body: none, JSON, or a CSV file as an upload sends it.
enum Body {
    Empty,
    Json(&'static str),
    Csv(&'static str),
}

/// One endpoint: method, path and body (with `{placeholders}` filled from the demo), and the
/// status expected for each caller of `WHO`, run left to right: where a change succeeds, the
/// callers after it meet the changed state.
struct Row(&'static str, &'static str, Body, [u16; 8]);

use Body::{Csv, Empty, Json};

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // Catalog: drafts, review and publication.
    Row("POST", "/api/v1/catalog/resources", Json("{meta}"),                 [401, 403, 403, 403, 403, 201, 403, 403]),
    Row("POST", "/api/v1/catalog/resources/{draft}/submit", Json("{}"),      [401, 403, 403, 403, 403, 200, 403, 403]),
    Row("POST", "/api/v1/catalog/resources/{submitted}/publish", Json("{}"), [401, 403, 403, 403, 403, 403, 403, 200]),
    Row("POST", "/api/v1/catalog/resources/{returnable}/return", Json(r#"{"reason": "请补充字段说明"}"#), [401, 403, 403, 403, 403, 403, 403, 200]),
    // Collection.
    Row("POST", "/api/v1/collect/resources/{res}/imports?filename=m.csv", Csv(ROWS_CSV), [401, 403, 403, 403, 403, 201, 403, 403]),
    Row("POST", "/api/v1/collect/resources/{res}/batches", Json(r#"{"batch_id": "matrix-1", "upserts": [{"GMSFHM": "11010519491231002X", "XM": "张三", "XB": "1", "CSRQ": "1949-12-31", "HJDZ": "海口市龙华区"}]}"#), [401, 403, 403, 403, 403, 201, 403, 403]),
    Row("GET",  "/api/v1/collect/resources/{res}/batches", Empty,            [401, 403, 403, 403, 403, 200, 200, 200]),
    // A batch the caller may not see does not exist for them, signed in or not.
    Row("GET",  "/api/v1/collect/batches/{batch}/rejects", Empty,            [401, 404, 404, 404, 404, 200, 200, 200]),
    // Sharing: applications, decisions, grants.
    Row("POST", "/api/v1/share/applications", Json("{access}"),              [401, 403, 201, 403, 403, 403, 403, 403]),
    Row("POST", "/api/v1/share/applications/{app}/approve", Json(r#"{"opinion": "同意"}"#), [401, 403, 403, 403, 403, 200, 403, 403]),
    Row("GET",  "/api/v1/share/applications", Empty,                         [401, 200, 200, 200, 200, 200, 200, 200]),
    Row("PUT",  "/api/v1/share/grants/{grant}/limits", Json(r#"{"rate_per_second": 50}"#), [401, 404, 403, 403, 404, 200, 403, 200]),
    // The provider's steward revokes first, so the operator meets a decided grant.
    Row("POST", "/api/v1/share/grants/{other_grant}/revoke", Json(r#"{"reason": "业务调整"}"#), [401, 404, 404, 404, 404, 200, 403, 409]),
    Row("POST", "/api/v1/webhooks", Json(r#"{"org": "{consumer}", "url": "https://93.184.215.14/hook"}"#), [401, 403, 403, 403, 403, 403, 403, 201]),
    Row("GET",  "/api/v1/share/usage", Empty,                                [401, 403, 403, 403, 403, 403, 200, 200]),
    // Operator administration.
    Row("GET",  "/api/v1/admin/memory", Empty,                               [401, 403, 403, 403, 403, 403, 200, 200]),
    Row("POST", "/api/v1/systems/{system}/tokens", Json(r#"{"name": "matrix"}"#), [401, 403, 403, 403, 403, 403, 403, 201]),
    Row("POST", "/api/v1/tokens/{spare_token}/revoke", Json("{}"),           [401, 403, 403, 403, 403, 403, 403, 200]),
    Row("POST", "/api/v1/accounts", Json(r#"{"username": "matrix.user", "display_name": "新人", "org": "{consumer}", "roles": [{"role": "consumer_user", "org": "{consumer}"}], "password": "Good-pass-2026"}"#), [401, 403, 403, 403, 403, 403, 403, 201]),
    Row("PUT",  "/api/v1/accounts/matrix.user/roles", Json(r#"{"roles": [{"role": "data_steward", "org": "{consumer}"}]}"#), [401, 403, 403, 403, 403, 403, 403, 200]),
    Row("POST", "/api/v1/accounts/matrix.user/disable", Json("{}"),        [401, 403, 403, 403, 403, 403, 403, 200]),
    Row("POST", "/api/v1/accounts/matrix.user/enable", Json("{}"),         [401, 403, 403, 403, 403, 403, 403, 200]),
    Row("POST", "/api/v1/systems", Json(r#"{"code": "matrix-sys", "name": "新系统", "name_en": "", "org": "{consumer}", "description": ""}"#), [401, 403, 403, 403, 403, 403, 403, 201]),
    Row("POST", "/api/v1/orgs", Json(r#"{"code": "hi-matrix", "name": "新部门", "name_en": "New", "kind": "department", "parent": "hi-gov", "region": "460000"}"#), [401, 403, 403, 403, 403, 403, 403, 201]),
    Row("POST", "/api/v1/subjects", Json(r#"{"username": "matrix.citizen", "display_name": "张三", "kind": "person", "identifier": "11010519491231002X", "password": "Citizen-pass-2026"}"#), [401, 403, 403, 403, 403, 403, 403, 201]),
    // Opening to the public portal: the provider's steward withdraws its released resource
    // and proposes it again; only the operator releases it.
    Row("POST", "/api/v1/open/releases/{gat_open}/withdraw", Json(r#"{"reason": "数据核查"}"#), [401, 403, 403, 403, 403, 200, 403, 404]),
    Row("POST", "/api/v1/open/releases", Json("{proposal}"),                [401, 403, 403, 403, 403, 201, 403, 403]),
    Row("POST", "/api/v1/open/releases/{gat_open}/return", Json(r#"{"reason": "请补充评估"}"#), [401, 403, 403, 403, 403, 403, 403, 200]),
    Row("POST", "/api/v1/open/releases/{gat_open}/release", Json("{}"),     [401, 403, 403, 403, 403, 403, 403, 409]),
    Row("GET",  "/api/v1/open/releases", Empty,                              [401, 403, 403, 403, 200, 200, 200, 200]),
    Row("GET",  "/api/v1/open/negative-list", Empty,                         [401, 403, 200, 200, 200, 200, 200, 200]),
    Row("POST", "/api/v1/open/plans", Json(r#"{"org": "hi-gat", "year": 2026, "items": [{"resource": "{gat_open}", "quarter": 4}]}"#), [401, 403, 403, 403, 403, 201, 403, 403]),
    Row("GET",  "/api/v1/open/applications", Empty,                          [401, 200, 200, 200, 200, 200, 200, 200]),
    Row("POST", "/api/v1/open/applications", Json(r#"{"dataset": "no-such", "purpose": "研究", "accept_agreement": true}"#), [401, 404, 403, 403, 403, 403, 403, 403]),
    Row("PUT",  "/api/v1/open/settings", Json(r#"{"application_days": 10, "request_days": 15, "feedback_days": 10, "min_cell": 10}"#), [401, 403, 403, 403, 403, 403, 403, 200]),
    // The data-element registry: anyone signed in reads it, only the operator extends it;
    // a resource's labels are its provider's steward's to declare.
    Row("POST", "/api/v1/quality/code-sets", Json(r#"{"id": "MATRIX", "standard": "DB46/T 1-2026", "name": "矩阵代码", "codes": [{"code": "1", "label": "一"}]}"#), [401, 403, 403, 403, 403, 403, 403, 201]),
    Row("POST", "/api/v1/quality/elements", Json(r#"{"identifier": "MATRIX", "name": "矩阵", "definition": "测试用数据元", "type": "string", "length": 1, "code_set": "MATRIX"}"#), [401, 403, 403, 403, 403, 403, 403, 201]),
    Row("GET",  "/api/v1/quality/elements", Empty,                           [401, 200, 200, 200, 200, 200, 200, 200]),
    Row("GET",  "/api/v1/quality/code-sets", Empty,                          [401, 200, 200, 200, 200, 200, 200, 200]),
    Row("PUT",  "/api/v1/catalog/resources/{res}/value-mappings", Json(r#"{"items": {}}"#), [401, 403, 403, 403, 403, 200, 403, 403]),
    // Quality: a department flags a record of a resource it holds a grant on; nobody else
    // may (the provider's own steward holds none, the operator arbitrates instead).
    Row("POST", "/api/v1/quality/objections", Json(r#"{"resource": "{res}", "key": "11010519491231002X", "fields": ["XM"], "reason": "姓名与户籍登记不符"}"#), [401, 403, 201, 201, 403, 403, 403, 403]),
    Row("POST", "/api/v1/quality/objections", Json(r#"{"resource": "{res}", "key": "11010519491231002X", "fields": ["HJDZ"], "reason": "住址有误"}"#), [401, 403, 403, 403, 403, 403, 403, 403]),
    Row("GET",  "/api/v1/quality/objections", Empty,                         [401, 200, 200, 200, 200, 200, 200, 200]),
    Row("PUT",  "/api/v1/quality/sources", Json(r#"{"element": "NOPE", "subject_kind": "person", "resource": "{res}"}"#), [401, 403, 403, 403, 403, 403, 403, 404]),
    Row("GET",  "/api/v1/quality/duplicates", Empty,                         [401, 200, 200, 200, 200, 200, 200, 200]),
    Row("GET",  "/api/v1/quality/scores", Empty,                             [401, 403, 200, 200, 200, 200, 200, 200]),
    Row("PUT",  "/api/v1/quality/resources/{res}/rules", Json(r#"{"rules": []}"#), [401, 403, 403, 403, 403, 200, 403, 403]),
    // Usage alerts: departments see those about their grants; the operator reviews and sets.
    Row("GET",  "/api/v1/assess/alerts", Empty,                              [401, 403, 200, 200, 200, 200, 200, 200]),
    Row("GET",  "/api/v1/assess/alerts/999999", Empty,                       [401, 403, 404, 404, 404, 404, 404, 404]),
    Row("POST", "/api/v1/assess/alerts/999999/review", Json(r#"{"decision": "clear", "note": "正常"}"#), [401, 403, 403, 403, 403, 403, 403, 404]),
    Row("GET",  "/api/v1/assess/alerts/settings", Empty,                     [401, 403, 403, 403, 403, 403, 200, 200]),
    Row("PUT",  "/api/v1/assess/alerts/settings", Json(r#"{"jump_factor": 3.0, "min_calls": 100, "baseline_days": 7, "quiet_start": 0, "quiet_end": 6, "harvest_share": 0.2, "harvest_min_subjects": 100, "suspend_on_alert": false}"#), [401, 403, 403, 403, 403, 403, 403, 200]),
    Row("PUT",  "/api/v1/quality/settings", Json(r#"{"objection_days": 5, "need_days": 15}"#), [401, 403, 403, 403, 403, 403, 403, 200]),
    // The system inventory: the operator and auditors read all, a department's stewards
    // their own (another department's system does not exist for them); only the operator
    // marks zombie candidates and sets how they are found.
    Row("GET",  "/api/v1/assess/systems", Empty,                             [401, 403, 403, 403, 200, 200, 200, 200]),
    Row("GET",  "/api/v1/assess/systems/{provider_system}", Empty,           [401, 403, 403, 403, 404, 200, 200, 200]),
    Row("PUT",  "/api/v1/assess/systems/{provider_system}", Json(r#"{"scope": "全省公安机关"}"#), [401, 403, 403, 403, 404, 200, 403, 200]),
    Row("POST", "/api/v1/assess/systems/import?filename=s.csv", Csv("系统编码,使用频度\n{provider_system},每日\n"), [401, 403, 403, 403, 422, 200, 403, 200]),
    Row("GET",  "/api/v1/assess/systems/{provider_system}/approval-check?stage=acceptance", Empty, [401, 403, 403, 403, 404, 200, 200, 200]),
    Row("GET",  "/api/v1/assess/systems/zombies", Empty,                     [401, 403, 403, 403, 200, 200, 200, 200]),
    Row("POST", "/api/v1/assess/systems/hi-mzzj-zjcs/mark", Json(r#"{"verdict": "confirmed"}"#), [401, 403, 403, 403, 403, 403, 403, 200]),
    Row("PUT",  "/api/v1/assess/systems/zombie-settings", Json(r#"{"idle_days": 90, "min_users": 2}"#), [401, 403, 403, 403, 403, 403, 403, 200]),
    // Assessment figures: a department its own (and the ranking), the operator and auditors
    // everything.
    Row("GET",  "/api/v1/assess/figures?period=2026-Q4&org={provider}", Empty, [401, 403, 403, 403, 403, 200, 200, 200]),
    Row("GET",  "/api/v1/assess/figures?period=2026-Q4", Empty,             [401, 403, 403, 403, 403, 403, 200, 200]),
    Row("GET",  "/api/v1/assess/figures/on_time_rate/rows?period=2026-Q4&org={provider}", Empty, [401, 403, 403, 403, 403, 200, 200, 200]),
    Row("GET",  "/api/v1/assess/figures/on_time_rate/rows?period=2026-Q4&format=csv", Empty, [401, 403, 403, 403, 403, 403, 200, 200]),
    Row("GET",  "/api/v1/assess/ranking?period=2026-Q4", Empty,              [401, 403, 200, 403, 200, 200, 200, 200]),
    Row("GET",  "/api/v1/assess/definitions", Empty,                         [200, 200, 200, 200, 200, 200, 200, 200]),
    Row("GET",  "/api/v1/assess/report?period=2026-Q4&org={provider}&format=csv", Empty, [401, 403, 403, 403, 403, 200, 200, 200]),
    // The audit log and what a citizen sees of it.
    Row("GET",  "/api/v1/audit/entries", Empty,                              [401, 403, 403, 403, 403, 403, 200, 200]),
    Row("GET",  "/api/v1/audit/entries?format=csv", Empty,                   [401, 403, 403, 403, 403, 403, 200, 200]),
    Row("GET",  "/api/v1/me/accesses", Empty,                                [401, 200, 403, 403, 403, 403, 403, 403]),
    // Exchange.
    Row("POST", "/api/v1/exchange/{res}/records", Json(r#"{"keys": ["11010519491231002X"]}"#), [401, 403, 403, 200, 403, 403, 403, 403]),
    Row("GET",  "/api/v1/exchange/{res}/records/11010519491231002X", Empty,  [401, 403, 403, 200, 403, 403, 403, 403]),
    Row("POST", "/api/v1/exchange/{res}/verify", Json(r#"{"key": "11010519491231002X", "claims": {"XM": "张三"}}"#), [401, 403, 403, 200, 403, 403, 403, 403]),
    Row("GET",  "/api/v1/exchange/{res}/query", Empty,                       [401, 403, 403, 200, 403, 403, 403, 403]),
    // The population resource is offered through the API only: nobody downloads it whole.
    Row("GET",  "/api/v1/exchange/{res}/download", Empty,                    [401, 403, 403, 403, 403, 403, 403, 403]),
    Row("GET",  "/api/v1/exchange/usage", Empty,                             [401, 403, 403, 200, 403, 403, 403, 403]),
];

/// What the rows' placeholders stand for in the demo province, and each caller's credential.
struct Demo {
    values: Vec<(&'static str, String)>,
    callers: [Option<String>; 8],
}

impl Demo {
    fn fill(&self, text: &str) -> String {
        self.values
            .iter()
            .fold(text.to_string(), |t, (name, value)| {
                t.replace(&format!("{{{name}}}"), value)
            })
    }
}

/// The population resource of the demo, the department holding an approved grant on it
/// (`hi-rst`, whose system gets a token here) and one grant it does not hold (`hi-mzt`'s).
const RESOURCE_NAME: &str = "全员人口基础信息";
const CONSUMER: &str = "hi-rst";
const CONSUMER_SYSTEM: &str = "hi-rst-sbxt";
/// A steward of a department with no part in the population resource's sharing.
const OTHER_STEWARD: &str = "steward.lyj";
/// One person's row, with every field the population resource requires.
const ROWS_CSV: &str =
    "GMSFHM,XM,XB,CSRQ,HJDZ\n11010519491231002X,张三,1,1949-12-31,海口市龙华区\n";

/// Each caller's credential, the resources in each review state the catalog rows need, a
/// batch, a pending application and a spare token: everything the rows' placeholders name.
async fn demo(app: &App) -> Demo {
    let admin = app.login_with("admin", demo::ADMIN_PASSWORD).await;
    let (_, found) = app
        .get(
            &format!("/api/v1/catalog/resources?q={RESOURCE_NAME}"),
            Some(&admin),
        )
        .await;
    let res = found["items"][0]["code"].as_str().unwrap().to_string();
    let (_, detail) = app
        .get(&format!("/api/v1/catalog/resources/{res}"), Some(&admin))
        .await;
    let provider = detail["provider"].as_str().unwrap().to_string();
    let steward = app
        .login_with(
            &format!("steward.{}", demo::dept_suffix(&provider)),
            demo::STEWARD_PASSWORD,
        )
        .await;
    let token = |name: &'static str| {
        let admin = admin.clone();
        async move {
            let path = format!("/api/v1/systems/{CONSUMER_SYSTEM}/tokens");
            let (s, v) = app.post(&path, Some(&admin), json!({"name": name})).await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            v
        }
    };
    let consumer_token = token("matrix").await["token"].as_str().unwrap().to_string();
    let spare_token = token("spare").await["id"].to_string();

    // A copy of the population resource's description under new names, for the catalog rows.
    let meta = |name: &str| {
        let mut meta = detail["current"]["meta"].clone();
        meta["name"] = json!(name);
        meta
    };
    let draft = |name: &'static str, submitted: bool| {
        let (steward, meta) = (steward.clone(), meta(name));
        async move {
            let (s, v) = app
                .post("/api/v1/catalog/resources", Some(&steward), meta)
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            let code = v["code"].as_str().unwrap().to_string();
            if submitted {
                let path = format!("/api/v1/catalog/resources/{code}/submit");
                let (s, v) = app.post(&path, Some(&steward), json!({})).await;
                assert_eq!(s, StatusCode::OK, "{v}");
            }
            code
        }
    };
    let drafted = draft("矩阵草稿", false).await;
    let submitted = draft("矩阵待发布", true).await;
    let returnable = draft("矩阵待退回", true).await;

    let (s, batch) = send(
        app,
        "POST",
        &format!("/api/v1/collect/resources/{res}/imports?filename=setup.csv"),
        Some(&steward),
        Some(("text/csv", ROWS_CSV.to_string())),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{batch}");
    let batch: Value = serde_json::from_str(&batch).unwrap();

    let (_, grants) = app.get("/api/v1/share/grants", Some(&admin)).await;
    let grant_of = |org: &str| {
        grants["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["consumer_org"] == org && g["resource"] == res.as_str())
            .unwrap()["id"]
            .to_string()
    };
    let (_, pending) = app
        .get("/api/v1/share/applications?status=pending", Some(&admin))
        .await;
    let access = json!({
        "system": CONSUMER_SYSTEM, "resource": res, "fields": ["GMSFHM", "XM"],
        "purpose": "社会保险待遇资格认证", "scene": "办理社保卡",
        "legal_basis": "《社会保险法》", "days": 365
    });
    let (_, open) = app
        .get("/api/v1/catalog/resources?q=入境游客统计信息", Some(&admin))
        .await;
    let gat_open = open["items"][0]["code"].as_str().unwrap().to_string();
    let proposal = json!({"resource": gat_open, "assessment": {
        "assessor": "评估组", "conclusion": "open", "assessed_on": "2026-12-01",
        "personal_info": {"passed": true, "note": "无个人信息"},
        "reidentification": {"passed": true, "note": "无再识别风险"},
        "trade_secret": {"passed": true, "note": "无商业秘密"}}});
    let (_, systems) = app
        .get(&format!("/api/v1/systems?org={provider}"), Some(&admin))
        .await;
    let provider_system = systems["items"][0]["code"].as_str().unwrap().to_string();
    let values = vec![
        ("proposal", proposal.to_string()),
        ("gat_open", gat_open),
        ("meta", meta("矩阵新建").to_string()),
        ("access", access.to_string()),
        ("draft", drafted),
        ("submitted", submitted),
        ("returnable", returnable),
        ("batch", batch["id"].to_string()),
        ("app", pending["items"][0]["id"].to_string()),
        ("grant", grant_of(CONSUMER)),
        ("other_grant", grant_of("hi-mzt")),
        ("consumer", CONSUMER.to_string()),
        ("system", CONSUMER_SYSTEM.to_string()),
        ("spare_token", spare_token),
        ("res", res.clone()),
        ("provider_system", provider_system),
        ("provider", provider.clone()),
    ];
    let callers = [
        None,
        Some(app.login_with("citizen", demo::SUBJECT_PASSWORD).await),
        Some(
            app.login_with(
                &format!("user.{}", demo::dept_suffix(CONSUMER)),
                demo::CONSUMER_PASSWORD,
            )
            .await,
        ),
        Some(consumer_token),
        Some(app.login_with(OTHER_STEWARD, demo::STEWARD_PASSWORD).await),
        Some(steward),
        Some(app.login_with("auditor", demo::AUDITOR_PASSWORD).await),
        Some(admin),
    ];
    Demo { values, callers }
}

/// One request as the row gives it; the answer's text is kept only to explain a mismatch.
async fn send(
    app: &App,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<(&str, String)>,
) -> (StatusCode, String) {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = app.http.request(method, format!("{}{path}", app.base));
    if let Some(a) = auth {
        req = req.bearer_auth(a);
    }
    if let Some((content_type, text)) = body {
        req = req.header("content-type", content_type).body(text);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    (status, resp.text().await.unwrap_or_default())
}

/// Every endpoint against every kind of caller; all disagreements are reported together.
#[tokio::test]
async fn the_authorisation_matrix_holds_for_every_endpoint() {
    let app = demo_app().await;
    let demo = demo(&app).await;
    let mut mismatches = Vec::new();
    for Row(method, path, body, expected) in ROWS {
        let path = demo.fill(path);
        for (i, who) in WHO.iter().enumerate() {
            let body = match body {
                Empty => None,
                Json(text) => Some(("application/json", demo.fill(text))),
                Csv(text) => Some(("text/csv", demo.fill(text))),
            };
            let (status, answer) =
                send(&app, method, &path, demo.callers[i].as_deref(), body).await;
            if status.as_u16() != expected[i] {
                let answer: String = answer.chars().take(160).collect();
                mismatches.push(format!(
                    "{method} {path} as {who}: expected {}, got {} {answer}",
                    expected[i],
                    status.as_u16()
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} rows disagree:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
