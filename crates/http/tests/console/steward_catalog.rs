//! The steward's catalogue over HTTP: the department's resources with status and the stale
//! mark, the resource form with its 信息项 table worked without script (add, move, remove),
//! every problem at once next to its field, saving and submitting into the operator's queue,
//! versions side by side; who may and may not; cross-site posts; escaping.
use reqwest::StatusCode;
use serde_json::{json, Value};
use shuqiao_service::testkit::{sample_meta, PASSWORD};

use crate::client::{Browser, Page};
use crate::support::{app, App};

/// Lines of the page's error summary (the ids its links point to).
fn summary_links(body: &str) -> Vec<String> {
    let Some(start) = body.find("class=\"error-summary\"") else {
        return Vec::new();
    };
    let end = body[start..].find("</div>").unwrap() + start;
    body[start..end]
        .split("<a href=\"#")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

/// A complete, valid form for a new resource of `d-a` with two items.
fn good_form(name: &str) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("category", "base"),
        ("class_code", "01"),
        ("subclass_code", "001"),
        ("name", name),
        ("name_en", "Marriage registrations"),
        ("summary", "全省婚姻登记记录"),
        ("format", "database"),
        ("share_type", "unconditional"),
        ("share_modes", "api"),
        ("open_type", "open"),
        ("update_cycle", "daily"),
        ("item_count", "2"),
        ("item-0-name", "公民身份号码"),
        ("item-0-code", "GMSFHM"),
        ("item-0-type", "string"),
        ("item-0-length", "18"),
        ("item-0-required", "1"),
        ("item-0-key", "1"),
        ("item-0-grade", "core"),
        ("item-1-name", "登记日期"),
        ("item-1-code", "DJRQ"),
        ("item-1-type", "date"),
        ("item-1-grade", "general"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    f.push(("op".into(), "save".into()));
    f
}

fn with(form: &[(String, String)], key: &str, value: &str) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = form.iter().filter(|(k, _)| k != key).cloned().collect();
    f.push((key.into(), value.into()));
    f
}

/// Posts `form` to `action` with the form token of the page at `form_page`.
async fn post_form(
    b: &mut Browser,
    form_page: &str,
    action: &str,
    form: &[(String, String)],
) -> Page {
    let token = b.get(form_page).await.csrf();
    let mut pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    pairs.push(("csrf", &token));
    b.post(action, &pairs).await
}

async fn post_new(b: &mut Browser, form: &[(String, String)]) -> Page {
    post_form(b, "/console/resources/new", "/console/resources/new", form).await
}

/// A resource of `d-a` created through the API, and published when asked.
async fn api_resource(app: &App, meta: Value, publish: bool) -> String {
    let steward = app.login("steward.a").await;
    let (s, v) = app
        .post("/api/v1/catalog/resources", Some(&steward), meta)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let code = v["code"].as_str().unwrap().to_string();
    if publish {
        submit_and_publish(app, &code).await;
    }
    code
}

async fn submit_and_publish(app: &App, code: &str) {
    let steward = app.login("steward.a").await;
    let (s, v) = app
        .post(
            &format!("/api/v1/catalog/resources/{code}/submit"),
            Some(&steward),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let admin = app.login("admin").await;
    let (s, v) = app
        .post(
            &format!("/api/v1/catalog/resources/{code}/publish"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

fn meta_named(name: &str) -> Value {
    let mut m = serde_json::to_value(sample_meta()).unwrap();
    m["name"] = json!(name);
    m
}

/// The value of the input `id` on the page.
fn value_of(body: &str, id: &str) -> String {
    let at = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in:\n{body}"));
    let rest = &body[at..];
    let v = rest.find("value=\"").unwrap() + "value=\"".len();
    rest[v..v + rest[v..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn steward_catalog_anonymous_sign_in_first_and_a_consumer_is_told_why() {
    let app = app().await;
    let mut anon = Browser::new(&app.base);
    for path in [
        "/console/resources",
        "/console/resources/new",
        "/console/resources/101001-000001/edit",
        "/console/resources/101001-000001/versions",
    ] {
        let p = anon.get(path).await;
        assert_eq!(p.location(), "/console/login", "{path}: {}", p.status);
    }

    let mut consumer = Browser::signed_in(&app.base, "user.a", PASSWORD).await;
    for path in ["/console/resources", "/console/resources/new"] {
        let p = consumer.get(path).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{path}: {}", p.body);
        assert!(p.body.contains("无权查看此页面"), "{}", p.body);
        assert!(
            p.body.contains("数据管理员"),
            "the rule's reason: {}",
            p.body
        );
        assert!(!p.body.contains("<table"), "never an empty list");
    }
    // The operator reviews resources but does not catalogue them.
    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let p = admin.get("/console/resources/new").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.body.contains("没有数据管理员角色"), "{}", p.body);

    // The navigation offers the catalogue to stewards, not to consumers.
    let home = consumer.get("/console/").await;
    assert!(!home.body.contains("href=\"/console/resources\""));
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let home = steward.get("/console/").await;
    assert!(home.body.contains("href=\"/console/resources\""));
    assert!(home.body.contains("href=\"/console/resources/new\""));
}

#[tokio::test]
async fn steward_catalog_lists_our_resources_with_their_status_and_stale_data() {
    let app = app().await;
    let published = api_resource(&app, meta_named("全员人口基础信息"), true).await;
    let draft = api_resource(&app, meta_named("婚姻登记草稿"), false).await;

    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let p = steward.get("/console/resources").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    for text in [
        published.as_str(),
        draft.as_str(),
        "全员人口基础信息",
        "婚姻登记草稿",
        "草稿",
        "已发布",
        "第 1 版",
        "尚未发布",
        "尚未归集",
        "数据已过期",
        "共 2 条",
    ] {
        assert!(p.body.contains(text), "{text}: {}", p.body);
    }
    // Each resource links to its form, its versions and (published) the data upload.
    assert!(p
        .body
        .contains(&format!("href=\"/console/resources/{draft}/edit\"")));
    assert!(p
        .body
        .contains(&format!("href=\"/console/resources/{published}/versions\"")));
    assert!(p
        .body
        .contains(&format!("href=\"/console/collect/{published}/upload\"")));
    assert!(!p
        .body
        .contains(&format!("href=\"/console/collect/{draft}/upload\"")));

    // What is shown, as CSV.
    let csv = steward.get("/console/resources/export").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.contains(&format!("{draft},婚姻登记草稿,")),
        "{}",
        csv.body
    );
    assert!(csv.body.contains("数据已过期"));
    assert!(p.body.contains("href=\"/console/resources/export\""));

    // Only stale: the published one, whose data was never collected.
    let p = steward.get("/console/resources?stale=1").await;
    assert!(p.body.contains(&published), "{}", p.body);
    assert!(!p.body.contains(&draft));
    assert!(p.body.contains("共 1 条"));
    assert!(p
        .body
        .contains("href=\"/console/resources/export?stale=1\""));

    // Another department's steward sees none of ours.
    let mut other = Browser::signed_in(&app.base, "steward.b", PASSWORD).await;
    let p = other.get("/console/resources").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(!p.body.contains(&published) && !p.body.contains(&draft));
    assert!(p.body.contains("本部门还没有登记资源"), "{}", p.body);

    // The operator sees every department, with a department filter.
    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let p = admin.get("/console/resources").await;
    assert!(p.body.contains(&published) && p.body.contains(&draft));
    assert!(p
        .body
        .contains("<select id=\"provider\" name=\"provider\">"));
    assert!(p.body.contains("机构d-a"));
    let p = admin.get("/console/resources?provider=d-b").await;
    assert!(!p.body.contains(&published), "{}", p.body);
    assert!(p.body.contains("没有符合筛选条件的资源"));
}

#[tokio::test]
async fn steward_catalog_another_departments_steward_cannot_edit_ours() {
    let app = app().await;
    let draft = api_resource(&app, meta_named("婚姻登记草稿"), false).await;
    let published = api_resource(&app, meta_named("全员人口基础信息"), true).await;
    let mut other = Browser::signed_in(&app.base, "steward.b", PASSWORD).await;

    // A draft of ours is not even there for them.
    let p = other.get(&format!("/console/resources/{draft}/edit")).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND, "{}", p.body);
    assert!(!p.body.contains("婚姻登记草稿"));

    // A published one is public knowledge, but theirs to change it is not.
    let p = other
        .get(&format!("/console/resources/{published}/edit"))
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    assert!(!p.body.contains("name=\"item-0-name\""));
    let token = other.get("/console/").await.csrf();
    let mut form = with(&good_form("被改的名称"), "csrf", &token);
    form.retain(|(k, _)| k != "op");
    form.push(("op".into(), "submit".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    for code in [&draft, &published] {
        let p = other
            .post(&format!("/console/resources/{code}/edit"), &pairs)
            .await;
        assert!(
            matches!(p.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{code}: {}",
            p.status
        );
    }
    let steward = app.login("steward.a").await;
    let (_, d) = app
        .get(
            &format!("/api/v1/catalog/resources/{draft}"),
            Some(&steward),
        )
        .await;
    assert_eq!(d["draft"]["meta"]["name"], "婚姻登记草稿");
    assert_eq!(d["draft"]["state"], "editing");
}

#[tokio::test]
async fn steward_catalog_shows_every_problem_at_once_next_to_its_field() {
    let app = app().await;
    let mut b = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;

    // Nothing chosen, a bad code, a string without length, a nameless row: all at once.
    let form: Vec<(String, String)> = [
        ("name", ""),
        ("summary", ""),
        ("item_count", "2"),
        ("item-0-name", "姓名"),
        ("item-0-code", "bad code"),
        ("item-0-type", "string"),
        ("item-0-length", ""),
        ("item-0-grade", "important"),
        ("item-1-name", ""),
        ("item-1-code", "XM"),
        ("item-1-type", "date"),
        ("item-1-grade", "general"),
        ("op", "save"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let p = post_new(&mut b, &form).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    let links = summary_links(&p.body);
    for id in [
        "category",
        "class_code",
        "subclass_code",
        "name",
        "summary",
        "format",
        "item-0-code",
        "item-0-length",
        "item-1-name",
        "item-0-key",
        "share_type",
        "open_type",
        "update_cycle",
    ] {
        assert!(
            links.contains(&id.to_string()),
            "{id} missing from {links:?}"
        );
        assert!(
            p.body.contains(&format!("id=\"{id}-error\"")),
            "{id} has no message of its own"
        );
    }
    // The summary reads in the form's order, and every input is kept.
    let pos = |id: &str| links.iter().position(|l| l == id).unwrap();
    assert!(pos("name") < pos("item-0-code"));
    assert!(pos("item-0-code") < pos("item-1-name"));
    assert!(pos("item-1-name") < pos("share_type"));
    assert_eq!(value_of(&p.body, "item-0-code"), "bad code");
    assert_eq!(value_of(&p.body, "item-1-code"), "XM");
    assert!(p
        .body
        .contains("aria-invalid=\"true\" aria-describedby=\"item-0-code-error\""));

    // Everything chosen; core's and the store's checks (a third row without a name, an
    // unknown system) come back from the service, mapped to their rows.
    let mut form = good_form("婚姻登记信息");
    form = with(&form, "item_count", "3");
    form.extend(
        [
            ("item-2-name", ""),
            ("item-2-code", "BZ"),
            ("item-2-type", "text"),
            ("item-2-grade", "general"),
            ("systems", "nope-sys"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let p = post_new(&mut b, &form).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    let links = summary_links(&p.body);
    assert!(links.contains(&"item-2-name".to_string()), "{links:?}");
    assert!(links.contains(&"systems".to_string()), "{links:?}");
    assert!(p.body.contains("id=\"item-2-name-error\""));
    // Nothing was created.
    let list = b.get("/console/resources").await;
    assert!(list.body.contains("本部门还没有登记资源"), "{}", list.body);
}

#[tokio::test]
async fn steward_catalog_items_are_added_moved_and_removed_without_script() {
    let app = app().await;
    let mut b = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let form = b.get("/console/resources/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("name=\"item_count\" value=\"1\""));
    assert!(form.body.contains("value=\"add\""));

    // Add: the typed row is kept, a blank row follows and gets the focus.
    let base = good_form("婚姻登记信息");
    let added = post_new(&mut b, &with(&base, "op", "add")).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert!(added.body.contains("name=\"item_count\" value=\"3\""));
    assert_eq!(value_of(&added.body, "item-0-code"), "GMSFHM");
    assert_eq!(value_of(&added.body, "item-1-code"), "DJRQ");
    assert_eq!(value_of(&added.body, "item-2-code"), "");
    assert!(added
        .body
        .contains("id=\"item-2-name\" name=\"item-2-name\" value=\"\" autofocus"));
    assert_eq!(
        value_of(&added.body, "name"),
        "婚姻登记信息",
        "the form is kept"
    );
    assert!(
        summary_links(&added.body).is_empty(),
        "no problems for a row operation"
    );

    // Up: the second row becomes the first, with its checkboxes and grade.
    let up = post_new(&mut b, &with(&base, "op", "up:1")).await;
    assert_eq!(up.status, StatusCode::OK);
    assert_eq!(value_of(&up.body, "item-0-code"), "DJRQ");
    assert_eq!(value_of(&up.body, "item-1-code"), "GMSFHM");
    assert!(up
        .body
        .contains("id=\"item-1-key\" name=\"item-1-key\" value=\"1\" checked"));
    assert!(!up
        .body
        .contains("id=\"item-0-key\" name=\"item-0-key\" value=\"1\" checked"));
    let core_selected = up.body.find("id=\"item-1-grade\"").unwrap();
    assert!(up.body[core_selected..].contains("value=\"core\" selected"));

    // Down on the first row does the same; the last row has no "down", the first no "up".
    let down = post_new(&mut b, &with(&base, "op", "down:0")).await;
    assert_eq!(value_of(&down.body, "item-0-code"), "DJRQ");
    assert!(!down.body.contains("value=\"up:0\""));
    assert!(!down.body.contains("value=\"down:1\""));

    // Remove the first row.
    let removed = post_new(&mut b, &with(&base, "op", "remove:0")).await;
    assert!(removed.body.contains("name=\"item_count\" value=\"1\""));
    assert_eq!(value_of(&removed.body, "item-0-code"), "DJRQ");

    // Nothing was saved by any of it.
    let list = b.get("/console/resources").await;
    assert!(list.body.contains("本部门还没有登记资源"));
}

#[tokio::test]
async fn steward_catalog_refuses_a_post_without_the_form_token() {
    let app = app().await;
    let mut b = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let form = good_form("婚姻登记信息");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let p = b.post("/console/resources/new", &pairs).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    assert!(p.body.contains("请求未被接受"), "{}", p.body);

    // With the right token but from another site: refused too.
    let token = b.get("/console/resources/new").await.csrf();
    let mut with_token = pairs.clone();
    with_token.push(("csrf", &token));
    let p = b
        .post_with(
            "/console/resources/new",
            &with_token,
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let list = b.get("/console/resources").await;
    assert!(list.body.contains("本部门还没有登记资源"));
}

#[tokio::test]
async fn steward_catalog_saves_submits_into_the_review_queue_and_seals_each_step() {
    let app = app().await;
    let mut b = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let saved = post_new(&mut b, &good_form("婚姻登记信息")).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let to = saved.location().to_string();
    assert!(to.ends_with("/edit?done=saved"), "{to}");
    let code = to
        .trim_start_matches("/console/resources/")
        .split('/')
        .next()
        .unwrap()
        .to_string();

    // The edit form has what was saved, and the banner says so.
    let edit = b.get(&to).await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    assert!(edit.body.contains("已保存草稿"));
    assert_eq!(value_of(&edit.body, "name"), "婚姻登记信息");
    assert_eq!(value_of(&edit.body, "item-1-code"), "DJRQ");

    // Change the name and submit.
    let path = format!("/console/resources/{code}/edit");
    let form = with(
        &with(&good_form("婚姻登记记录"), "op", "submit"),
        "provider",
        "d-a",
    );
    let done = post_form(&mut b, &path, &path, &form).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        done.location(),
        format!("/console/resources?done=submitted&code={code}")
    );
    let list = b.get(done.location()).await;
    assert!(list.body.contains("已提交审核："), "{}", list.body);
    assert!(list.body.contains("审核中"));
    assert!(list.body.contains("婚姻登记记录"));

    // Under review it cannot change: the page says why and has no form.
    let locked = b.get(&path).await;
    assert!(locked.body.contains("审核完成（发布或退回）前不能修改"));
    assert!(!locked.body.contains("name=\"item_count\""));
    assert!(
        locked.body.contains("登记日期（DJRQ）"),
        "what it says is shown: {}",
        locked.body
    );

    // The operator's queue has it.
    let mut admin = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let queue = admin.get("/console/review").await;
    assert!(queue.body.contains(&code), "{}", queue.body);
    let all = admin.get("/console/resources").await;
    assert!(all
        .body
        .contains(&format!("href=\"/console/review/{code}\"")));

    // Creating, editing and submitting were each sealed in the audit log.
    app.store().await.audit().seal_pending().await.unwrap();
    let auditor = app.login("auditor").await;
    let (s, v) = app
        .get(
            &format!("/api/v1/audit/entries?resource={code}"),
            Some(&auditor),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let text = v.to_string();
    for action in ["catalog.create", "catalog.edit", "catalog.submit"] {
        assert!(text.contains(action), "{action}: {text}");
    }
}

#[tokio::test]
async fn steward_catalog_shows_a_script_like_name_escaped() {
    let app = app().await;
    let mut b = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let evil = "<script>alert(1)</script>";
    let saved = post_new(&mut b, &good_form(evil)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    for path in ["/console/resources", saved.location()] {
        let p = b.get(path).await;
        assert!(
            p.body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{path}: {}",
            p.body
        );
        assert!(!p.body.contains(evil), "{path}");
    }
}

#[tokio::test]
async fn steward_catalog_versions_are_compared_side_by_side_with_changes_marked() {
    let app = app().await;
    let code = api_resource(&app, meta_named("全员人口基础信息"), true).await;
    // Version 2: a new summary, 出生日期 removed, 性别 added.
    let mut m = meta_named("全员人口基础信息");
    m["summary"] = json!("全省户籍人口基础信息（含流动人口）");
    let items = m["items"].as_array_mut().unwrap();
    items.retain(|i| i["code"] != "CSRQ");
    items.push(json!({"name": "性别", "code": "XB", "type": "string", "length": 1, "required": false, "grade": "general"}));
    let steward = app.login("steward.a").await;
    let (s, v) = app
        .put(
            &format!("/api/v1/catalog/resources/{code}"),
            Some(&steward),
            m,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    submit_and_publish(&app, &code).await;

    let mut b = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let p = b
        .get(&format!("/console/resources/{code}/versions?a=1&b=2"))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("<del>全省人口基础信息</del>"), "{}", p.body);
    assert!(p
        .body
        .contains("<ins>全省户籍人口基础信息（含流动人口）</ins>"));
    let row = |needle: &str| {
        let at = p.body.find(needle).unwrap_or_else(|| panic!("{needle}"));
        let start = p.body[..at].rfind("<tr").unwrap();
        let end = at + p.body[at..].find("</tr>").unwrap();
        p.body[start..end].to_string()
    };
    assert!(row("性别（XB）").contains("新增"));
    assert!(row("性别（XB）").contains("diff-added"));
    assert!(row("出生日期（CSRQ）").contains("删除"));
    assert!(row("出生日期（CSRQ）").contains("<del>"));
    assert!(row("姓名（XM）").contains("未变"));
    assert!(row("全省户籍人口基础信息").contains("已修改"));
    assert!(p.body.contains("共 3 处变化"), "{}", p.body);
    // Without a choice, the latest two are compared.
    let latest = b.get(&format!("/console/resources/{code}/versions")).await;
    assert!(latest.body.contains("共 3 处变化"));
}

#[tokio::test]
async fn steward_catalog_a_returned_resource_says_why_in_the_list_and_the_form() {
    let app = app().await;
    let code = api_resource(&app, meta_named("婚姻登记信息"), false).await;
    let steward = app.login("steward.a").await;
    app.post(
        &format!("/api/v1/catalog/resources/{code}/submit"),
        Some(&steward),
        json!({}),
    )
    .await;
    let admin = app.login("admin").await;
    let (s, v) = app
        .post(
            &format!("/api/v1/catalog/resources/{code}/return"),
            Some(&admin),
            json!({"reason": "请补充共享条件的适用范围"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let mut b = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let list = b.get("/console/resources").await;
    assert!(list.body.contains("已退回"), "{}", list.body);
    assert!(list.body.contains("请补充共享条件的适用范围"));
    let form = b.get(&format!("/console/resources/{code}/edit")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("此资源被退回"), "{}", form.body);
    assert!(form.body.contains("请补充共享条件的适用范围"));
    assert!(form.body.contains("name=\"item_count\" value=\"3\""));

    // In English too: every word of the page comes from the string table.
    b.cookies.insert("shuqiao_lang".into(), "en".into());
    let form = b.get(&format!("/console/resources/{code}/edit")).await;
    assert!(form.body.contains("<html lang=\"en\">"));
    assert!(
        form.body.contains("This resource was returned"),
        "{}",
        form.body
    );
    assert!(form.body.contains("Submit for review"));
    let list = b.get("/console/resources").await;
    assert!(list.body.contains("Returned"), "{}", list.body);
}

#[tokio::test]
async fn steward_catalog_the_demo_provinces_steward_and_operator_see_their_lists() {
    let app = crate::support::demo_app().await;
    let mut steward =
        Browser::signed_in(&app.base, "steward.gat", shuqiao_demo::STEWARD_PASSWORD).await;
    let p = steward.get("/console/resources").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("已发布"), "{}", p.body);
    assert!(
        p.body.contains("/upload\""),
        "published resources link to the upload"
    );
    // Every row is 公安厅's: the operator's list is longer.
    let rows = p.body.matches("<td class=\"code nowrap\">").count();
    assert!(rows > 0);
    let mut admin = Browser::signed_in(&app.base, "admin", shuqiao_demo::ADMIN_PASSWORD).await;
    let all = admin.get("/console/resources").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.body.matches("<td class=\"code nowrap\">").count() > rows);
    // A published resource's form opens with its items.
    let at = p.body.find("/edit\"").unwrap();
    let start = p.body[..at].rfind("href=\"").unwrap() + "href=\"".len();
    let edit = steward.get(&p.body[start..at + "/edit".len()]).await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    assert!(edit.body.contains("name=\"item-0-name\""));
}

#[tokio::test]
async fn steward_catalog_a_long_list_is_paged_with_its_filters_kept() {
    let app = crate::support::demo_app().await;
    shuqiao_service::testkit::published_copies(&app.store().await, 180)
        .await
        .unwrap();
    let mut admin = Browser::signed_in(&app.base, "admin", shuqiao_demo::ADMIN_PASSWORD).await;
    let rows = |p: &Page| p.body.matches("<td class=\"code nowrap\">").count();
    let first = admin.get("/console/resources").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(rows(&first), 50, "one page of fifty");
    let at = first.body.find("共 ").expect("the total") + "共 ".len();
    let total: usize = first.body[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap();
    assert!(total >= 180, "the total counts every row: {total}");
    assert!(first.body.contains("href=\"/console/resources?offset=50\""));
    let last_offset = (total - 1) / 50 * 50;
    let last = admin
        .get(&format!("/console/resources?offset={last_offset}"))
        .await;
    assert_eq!(rows(&last), total - last_offset);
    assert!(last.body.contains(&format!(
        "href=\"/console/resources?offset={}\"",
        last_offset - 50
    )));
    assert!(!last.body.contains(&format!("offset={}", last_offset + 50)));
    // Past the end shows the last page, not an empty one.
    let beyond = admin.get("/console/resources?offset=99999").await;
    assert_eq!(rows(&beyond), total - last_offset);
    // The department filter stays in the pages' addresses.
    let gat = admin.get("/console/resources?provider=hi-gat").await;
    if rows(&gat) == 50 {
        assert!(
            gat.body.contains("provider=hi-gat&amp;offset=50"),
            "{}",
            gat.body
        );
    }
}

/// An item marked personal (never opened to the public) keeps its mark through the form:
/// shown checked, saved when checked, and cleared only when the steward unticks it.
#[tokio::test]
async fn steward_catalog_keeps_an_items_personal_mark() {
    let app = app().await;
    let mut meta = meta_named("个人信息标记");
    meta["items"][2]["personal"] = json!(true);
    let code = api_resource(&app, meta, false).await;
    let mut b = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let edit = format!("/console/resources/{code}/edit");
    let page = b.get(&edit).await;
    let at = page
        .body
        .find("id=\"item-2-personal\"")
        .expect("a personal box");
    assert!(
        page.body[at..at + 120].contains("checked"),
        "{}",
        &page.body[at..at + 120]
    );
    assert!(
        !page.body[page.body.find("id=\"item-1-personal\"").unwrap()..][..120].contains("checked")
    );

    let mut form = with(&good_form("个人信息标记"), "item-1-personal", "1");
    form = with(&form, "op", "save");
    let saved = post_form(&mut b, &edit, &edit, &form).await;
    assert!(saved.status.is_redirection(), "{}", saved.body);
    let steward = app.login("steward.a").await;
    let (_, v) = app
        .get(&format!("/api/v1/catalog/resources/{code}"), Some(&steward))
        .await;
    let items = &v["draft"]["meta"]["items"];
    assert_eq!(items[1]["personal"], json!(true), "{v}");
    assert!(items[0].get("personal").is_none(), "{v}");
}
