//! The public open-data portal over HTTP, on the demo province with its companies' data: the
//! pages, the preview's filters and htmx fragment, the downloads, the feeds, and the rule that
//! an unreleased dataset answers exactly as a missing one.
use std::io::Read;

use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use serde_json::Value;
use shuqiao_service::demo::DemoData;
use shuqiao_service::open::rows::RowQuery;
use shuqiao_service::open::OpenQuery;

use crate::client::{Browser, Page};
use crate::support::{demo_app, App, StatusCode};

/// A company name written to be dangerous twice: as a spreadsheet formula and as HTML.
pub(crate) const HOSTILE: &str = "=HYPERLINK(\"http://evil.example\")<script>alert(1)</script>";

/// The demo province with 60 companies copied to the portal, one of them renamed to
/// `HOSTILE` through the collection API as its provider's steward would push it.
pub(crate) async fn portal_app() -> (App, String) {
    let app = demo_app().await;
    let s = app.store().await;
    s.load_demo_data(
        shuqiao_demo::DEFAULT_SEED,
        DemoData {
            persons: 20,
            companies: 60,
        },
        None,
    )
    .await
    .unwrap();
    s.sync_open_data().await.unwrap();
    let d = companies(&app).await;
    let first = s
        .open_rows(
            d.clone(),
            RowQuery {
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .records
        .remove(0)
        .1;
    let mut row: serde_json::Map<String, Value> = first
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    row.insert("QYMC".into(), HOSTILE.into());
    let steward = match shuqiao_demo::steward_of(&d.provider) {
        shuqiao_core::account::Principal::Person { username, .. } => username,
        other => panic!("{other:?}"),
    };
    let session = app
        .login_with(&steward, shuqiao_demo::STEWARD_PASSWORD)
        .await;
    let (status, v) = app
        .post(
            &format!("/api/v1/collect/resources/{}/batches", d.code),
            Some(&session),
            serde_json::json!({ "upserts": [row] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    s.sync_open_data().await.unwrap();
    (app, d.slug.clone())
}

async fn companies(app: &App) -> std::sync::Arc<shuqiao_service::open::OpenDataset> {
    app.store()
        .await
        .open_search(
            OpenQuery {
                q: Some("企业登记信息".into()),
                limit: 5,
                ..Default::default()
            },
            vec![],
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|d| d.name == "企业登记信息")
        .expect("the demo releases 企业登记信息")
}

fn is_html(p: &Page) -> bool {
    p.headers[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html")
}

#[tokio::test]
async fn portal_home_search_and_dataset_pages() {
    let (app, slug) = portal_app().await;
    let mut b = Browser::new(&app.base);

    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    assert!(is_html(&home));
    assert!(home.body.contains("<html lang=\"zh-CN\">"));
    assert!(home.body.contains("公共数据开放"));
    assert!(home.body.contains("action=\"/datasets\""));
    assert!(
        home.body.contains("/datasets?provider="),
        "provider entry points"
    );
    assert!(
        home.body.contains("/datasets?category="),
        "category entry points"
    );
    assert!(home.body.contains("href=\"/api/3/action/package_list\""));
    assert!(home.body.contains("href=\"/catalog.ttl\""));
    assert!(home.body.contains("type=\"application/atom+xml\""));
    assert!(home.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));
    assert!(!home.body.contains("<script>"), "no inline script");

    let found = b.get("/datasets?q=%E4%BC%81%E4%B8%9A").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains(&format!("href=\"/datasets/{slug}\"")));
    assert!(found.body.contains("企业登记信息"));
    assert!(found.body.contains("共找到 "));
    assert!(found.body.contains("name=\"provider\""), "facet checkboxes");
    // A facet narrows the results: another provider's datasets are gone.
    let d = companies(&app).await;
    let narrowed = b
        .get(&format!(
            "/datasets?q=%E4%BC%81%E4%B8%9A&provider={}",
            d.provider
        ))
        .await;
    assert!(narrowed
        .body
        .contains(&format!("value=\"{}\" checked", d.provider)));
    assert!(narrowed.body.contains("企业登记信息"));
    let nothing = b.get("/datasets?q=zzzzqqqq").await;
    assert!(nothing.body.contains("没有找到符合条件的数据集"));
    // Twenty a page, and a link to the next.
    let all = b.get("/datasets").await;
    let total = app
        .store()
        .await
        .open_search(OpenQuery::default(), vec![])
        .await
        .unwrap()
        .total;
    assert_eq!(
        all.body.matches("<li class=\"card\">").count(),
        total.min(20)
    );
    if total > 20 {
        assert!(all.body.contains("rel=\"next\""));
        let second = b.get("/datasets?page=2").await;
        assert_eq!(
            second.body.matches("<li class=\"card\">").count(),
            (total - 20).min(20)
        );
    }

    let page = b.get(&format!("/datasets/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for part in [
        "<h1>企业登记信息</h1>",
        "统一社会信用代码",
        "<code>TYSHXYDM</code>",
        "https://creativecommons.org/licenses/by/4.0/",
        "修改时间",
        "更新周期",
        &d.assessment.assessor,
        "个人信息",
        "再识别风险",
        "商业秘密",
        &format!("href=\"/datasets/{slug}/data.csv\""),
        &format!("href=\"/datasets/{slug}/data.json\""),
        &format!("href=\"/datasets/{slug}/data.xlsx\""),
        &format!("href=\"/datasets/{slug}/feed.atom\""),
        &format!(
            "datastore_search?resource_id={}&#38;limit=5",
            shuqiao_core::open::distribution_id(&d.code, "csv")
        ),
        &format!("package_show?id={slug}"),
        "共 60 条记录",
        "hx-get=",
        "hx-push-url=\"true\"",
    ] {
        assert!(page.body.contains(part), "dataset page lacks {part}");
    }
    assert!(page.body.matches("<tr><td>").count() >= 20);

    // A filter on one column: every row shown holds the value, and the total says how many.
    let rows = app
        .store()
        .await
        .open_rows(
            d.clone(),
            RowQuery {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let kind = rows.records[0].1["QYLX"].clone();
    let n = rows
        .records
        .iter()
        .filter(|(_, r)| r["QYLX"] == kind)
        .count();
    let filtered = b.get(&format!("/datasets/{slug}?f.QYLX={kind}")).await;
    assert!(
        filtered.body.contains(&format!("共 {n} 条记录")),
        "{kind}: {n}"
    );
    assert!(filtered.body.contains(&format!("value=\"{kind}\"")));
    // With htmx asking, only the table comes back.
    let resp = reqwest::Client::new()
        .get(format!("{}/datasets/{slug}?f.QYLX={kind}", app.base))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let fragment = resp.text().await.unwrap();
    assert!(fragment.contains(&format!("共 {n} 条记录")));
    assert!(fragment.contains("<table>") && !fragment.contains("<html"));

    let history = b.get(&format!("/datasets/{slug}/history")).await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(history.body.contains("数据更新"));

    // English, remembered by the console's cookie.
    let switched = b.get(&format!("/lang/en?next=/datasets/{slug}")).await;
    assert_eq!(switched.location(), format!("/datasets/{slug}"));
    let en = b.get(&format!("/datasets/{slug}")).await;
    assert!(en.body.contains("<html lang=\"en\">"));
    assert!(en.body.contains("Enterprise registration information"));
    assert!(en.body.contains("Data dictionary"));
    let away = b.get("/lang/zh?next=//evil.example").await;
    assert_eq!(away.location(), "/");
}

#[tokio::test]
async fn a_hostile_value_is_escaped_in_pages_and_defused_in_downloads() {
    let (app, slug) = portal_app().await;
    let mut b = Browser::new(&app.base);
    // The renamed company is on one of the preview's three pages, escaped there.
    let mut seen = false;
    for n in 1..=3 {
        let p = b.get(&format!("/datasets/{slug}?p={n}")).await;
        assert!(!p.body.contains("<script>alert"));
        seen |= p.body.contains("&#60;script&#62;alert(1)&#60;/script&#62;");
    }
    assert!(seen, "the hostile name appears, escaped, in the preview");

    let csv = b.get(&format!("/datasets/{slug}/data.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers[CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        csv.headers[CONTENT_DISPOSITION],
        format!("attachment; filename=\"{slug}.csv\"").as_str()
    );
    assert!(csv.body.starts_with('\u{feff}'), "UTF-8 with a BOM");
    let lines: Vec<&str> = csv.body.trim_end().split("\r\n").collect();
    assert!(lines[0].contains("统一社会信用代码") && lines[0].contains("企业名称"));
    assert_eq!(lines.len(), 61, "a header and every row");
    let hostile = lines
        .iter()
        .find(|l| l.contains("HYPERLINK"))
        .expect("the renamed company");
    assert!(
        hostile.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")"),
        "{hostile}"
    );
    assert!(!lines.iter().any(|l| l.starts_with('=') || l.contains(",=")));

    let json = b.get(&format!("/datasets/{slug}/data.json")).await;
    assert_eq!(json.status, StatusCode::OK);
    assert_eq!(json.headers[CONTENT_TYPE], "application/json");
    let v: Value = serde_json::from_str(&json.body).expect("the JSON parses");
    assert_eq!(v["dataset"], slug.as_str());
    assert_eq!(v["records"].as_array().unwrap().len(), 60);
    assert!(v["records"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["QYMC"] == HOSTILE));
    assert!(v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "TYSHXYDM"));

    let resp = reqwest::get(format!("{}/datasets/{slug}/data.xlsx", app.base))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()[CONTENT_DISPOSITION],
        format!("attachment; filename=\"{slug}.xlsx\"").as_str()
    );
    let bytes = resp.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    for part in ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"] {
        assert!(zip.by_name(part).is_ok(), "{part}");
    }
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert!(sheet.contains("<t xml:space=\"preserve\">统一社会信用代码</t>"));
    assert_eq!(sheet.matches("<row>").count(), 61);
    assert!(sheet.contains("&lt;script&gt;") && !sheet.contains("<script>"));
    assert!(!sheet.contains("<f>"), "no formulas, only text");
    count_xml_elements(&sheet, "row");
}

/// Parses `xml` fully (mismatched or unclosed tags fail) and counts the `name` elements.
fn count_xml_elements(xml: &str, name: &str) -> usize {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut n = 0;
    let mut depth = 0i32;
    loop {
        match r.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) => {
                depth += 1;
                if e.local_name().into_inner() == name {
                    n += 1;
                }
            }
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element closed");
    n
}

#[tokio::test]
async fn feeds_are_atom_with_entries() {
    let (app, slug) = portal_app().await;
    let mut b = Browser::new(&app.base);
    let site = b.get("/feed.atom").await;
    assert_eq!(site.status, StatusCode::OK);
    assert_eq!(
        site.headers[CONTENT_TYPE],
        "application/atom+xml; charset=utf-8"
    );
    assert!(site
        .body
        .contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
    assert!(count_xml_elements(&site.body, "entry") > 1);
    assert!(site.body.contains(&format!("/datasets/{slug}\"")));
    let one = b.get(&format!("/datasets/{slug}/feed.atom")).await;
    assert_eq!(one.status, StatusCode::OK);
    // The first version and the batches of rows: at least two entries.
    assert!(count_xml_elements(&one.body, "entry") >= 2, "{}", one.body);
    assert!(one.body.contains("数据更新"));
    let again = b.get(&format!("/datasets/{slug}/feed.atom")).await;
    assert_eq!(one.body, again.body, "ids and times are stable");
}

#[tokio::test]
async fn an_unreleased_dataset_answers_as_a_missing_one() {
    let (app, slug) = portal_app().await;
    let s = app.store().await;
    let waiting = s
        .open_releases(shuqiao_demo::admin())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.state == shuqiao_core::open::ReleaseState::Proposed)
        .expect("the demo leaves some openings waiting");
    let d = companies(&app).await;
    let mut b = Browser::new(&app.base);
    let missing = b.get("/datasets/no-such-dataset").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(is_html(&missing));
    assert!(missing.body.contains("没有找到这个页面"));
    for path in [
        format!("/datasets/{}", waiting.slug),
        format!("/datasets/{}/data.csv", waiting.slug),
        format!("/datasets/{}/feed.atom", waiting.slug),
        format!("/datasets/{}/history", waiting.slug),
        format!("/datasets/{}", d.code),
        format!("/datasets/{}", d.id),
        "/datasets/No%20Such".to_string(),
        format!("/datasets/{slug}/data.exe"),
    ] {
        let p = b.get(&path).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(p.body, missing.body, "{path} answers as a missing dataset");
    }
    // Withdrawn: gone at once, with the same page.
    s.withdraw_open(shuqiao_demo::admin(), &d.code, "数据核查")
        .await
        .unwrap();
    let gone = b.get(&format!("/datasets/{slug}/data.json")).await;
    assert_eq!(
        (gone.status, gone.body),
        (StatusCode::NOT_FOUND, missing.body)
    );
}

#[tokio::test]
async fn a_conditional_dataset_shows_its_dictionary_but_no_data() {
    let (app, _) = portal_app().await;
    let cond = app
        .store()
        .await
        .open_search(
            OpenQuery {
                open_types: vec![shuqiao_core::catalog::OpenType::Conditional],
                limit: 1,
                ..Default::default()
            },
            vec![],
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .next()
        .expect("the demo releases a conditional dataset");
    let mut b = Browser::new(&app.base);
    let page = b.get(&format!("/datasets/{}", cond.slug)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("需申请"));
    assert!(page
        .body
        .contains(&format!("href=\"/datasets/{}/apply\"", cond.slug)));
    assert!(page.body.contains(&cond.items[0].name));
    assert!(!page.body.contains("data.csv") && !page.body.contains("<caption"));
    let data = b.get(&format!("/datasets/{}/data.csv", cond.slug)).await;
    assert_eq!(data.status, StatusCode::FORBIDDEN);
    assert!(data.body.contains("需申请后使用"));
}

/// A provider's steward names the dataset with markup and republishes it: every page and the
/// feed show the text, escaped, and never the markup.
#[tokio::test]
async fn a_hostile_dataset_name_is_escaped_everywhere() {
    let (app, slug) = portal_app().await;
    let s = app.store().await;
    let d = companies(&app).await;
    let steward = shuqiao_demo::steward_of(&d.provider);
    let mut meta = s
        .get_resource(steward.clone(), &d.code)
        .await
        .unwrap()
        .current
        .unwrap()
        .meta;
    meta.name = "企业登记信息<img src=x onerror=alert(1)>".into();
    meta.summary = "\"><script>alert(2)</script>".into();
    s.update_resource(steward.clone(), &d.code, meta)
        .await
        .unwrap();
    s.submit_resource(steward, &d.code).await.unwrap();
    s.publish_resource(shuqiao_demo::admin(), &d.code)
        .await
        .unwrap();
    s.sync_open_data().await.unwrap();
    let mut b = Browser::new(&app.base);
    for path in [
        "/".to_string(),
        "/datasets?q=%E4%BC%81%E4%B8%9A".to_string(),
        format!("/datasets/{slug}"),
        format!("/datasets/{slug}/history"),
        "/feed.atom".to_string(),
        format!("/datasets/{slug}/feed.atom"),
    ] {
        let p = b.get(&path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}");
        assert!(!p.body.contains("<img src=x"), "{path}");
        assert!(!p.body.contains("<script>alert(2)"), "{path}");
    }
    let page = b.get(&format!("/datasets/{slug}")).await;
    assert!(page
        .body
        .contains("企业登记信息&#60;img src=x onerror=alert(1)&#62;"));
    assert!(page.body.contains("&#34;&#62;&#60;script&#62;alert(2)"));
}
