//! The provider steward's collection pages over HTTP: uploading a GBK file through the form,
//! the batch page with its report and rejected rows, the rejects download, the connector
//! form that never shows a password back; and everyone else refused.
use std::time::Duration;

use reqwest::StatusCode;
use shuqiao_service::collect::connectors::ConnectorConfig;
use shuqiao_service::testkit::{sample_meta, PASSWORD};

use crate::client::{Browser, Page, Part};
use crate::support::{app, App};

const A: &str = "11010519491231002X";
const B: &str = "440524188001010014";
const XSS: &str = "<script>alert(1)</script>";

/// `steward.a` publishes the sample resource of `d-a`; its code.
pub(crate) async fn published(app: &App) -> String {
    let s = app.store().await;
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

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

/// A GBK export with one good row and bad ones: a wrong check digit, a formula where an
/// ID number belongs, a name too long that looks like a script, and `extra` more bad rows.
pub(crate) fn bad_gbk_csv(extra: usize) -> Vec<u8> {
    let long_name = format!("{XSS}{}", "长".repeat(40));
    let mut text = format!(
        "公民身份号码,姓名,出生日期\r\n{A},张三,1949-12-31\r\n110105194912310021,李四,1949-12-31\r\n=1+2,王五,1980-01-01\r\n{B},{long_name},1880-01-01\r\n"
    );
    for i in 0..extra {
        text.push_str(&format!("BAD{i:04},赵六,1990-01-01\r\n"));
    }
    gbk(&text)
}

/// Uploads `file` through the form as the page sends it: token first, the file last.
async fn upload(b: &mut Browser, code: &str, file: &[u8], policy: &str) -> Page {
    let form = b.get(&format!("/console/collect/{code}/upload")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let token = form.csrf();
    b.post_multipart(
        &format!("/console/collect/{code}/upload"),
        &[
            Part::Text("csrf", &token),
            Part::Text("encoding", "gbk"),
            Part::Text("mode", "upsert"),
            Part::Text("policy", policy),
            Part::File("file", "人口.csv", file),
        ],
    )
    .await
}

/// Opens the batch page until the batch has finished.
async fn finished_batch(b: &mut Browser, href: &str) -> Page {
    for _ in 0..100 {
        let page = b.get(href).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        if !page.body.contains("hx-trigger=\"every 1s\"") {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the batch at {href} did not finish");
}

/// Uploads the bad file as `steward.a` and returns the batch page's address and the page.
async fn uploaded_bad_batch(app: &App, code: &str, extra: usize) -> (String, Page) {
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let r = upload(&mut steward, code, &bad_gbk_csv(extra), "all_or_nothing").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let href = r.location().to_string();
    assert!(href.starts_with("/console/batches/"), "{href}");
    let page = finished_batch(&mut steward, &href).await;
    (href, page)
}

#[tokio::test]
async fn upload_pages_refuse_anonymous_consumers_and_other_departments() {
    let app = app().await;
    let code = published(&app).await;
    let (batch, _) = uploaded_bad_batch(&app, &code, 0).await;

    // Nobody signed in: to the sign-in page, for every new page.
    let mut anonymous = Browser::new(&app.base);
    for path in [
        "/console/collect".to_string(),
        format!("/console/collect/{code}/upload"),
        format!("/console/collect/{code}/connector"),
        batch.clone(),
        format!("{batch}/status"),
        format!("{batch}/rejects.csv"),
    ] {
        let r = anonymous.get(&path).await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, "/console/login"),
            "{path}"
        );
    }

    // A consumer: the 403 page, saying why.
    let mut consumer = Browser::signed_in(&app.base, "user.a", PASSWORD).await;
    for path in [
        "/console/collect".to_string(),
        format!("/console/collect/{code}/upload"),
        format!("/console/collect/{code}/connector"),
    ] {
        let r = consumer.get(&path).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
        assert!(r.body.contains("无权查看此页面"), "{path}: {}", r.body);
    }
    let home = consumer.get("/console/").await;
    assert!(
        !home.body.contains("href=\"/console/collect\""),
        "no collection entry in a consumer's navigation"
    );

    // Another department's steward: refused, and the batch is as if it did not exist.
    let mut other = Browser::signed_in(&app.base, "steward.b", PASSWORD).await;
    let r = other.get(&format!("/console/collect/{code}/upload")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let token = other.get("/console/collect").await.csrf();
    let r = other
        .post_multipart(
            &format!("/console/collect/{code}/upload"),
            &[
                Part::Text("csrf", &token),
                Part::File("file", "x.csv", &bad_gbk_csv(0)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    for path in [
        batch.clone(),
        format!("{batch}/status"),
        format!("{batch}/rejects.csv"),
    ] {
        let r = other.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        assert!(
            !r.body.contains("110105194912310021") && !r.body.contains("张三"),
            "{path} leaks the batch: {}",
            r.body
        );
    }
    let r = other
        .post(
            &format!("/console/collect/{code}/connector/run"),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Its own landing page lists none of d-a's batches.
    let landing = other.get("/console/collect").await;
    assert_eq!(landing.status, StatusCode::OK, "{}", landing.body);
    assert!(!landing.body.contains(&batch), "{}", landing.body);

    // The steward of d-a sees the nav entry and the batch on the landing page, failed first.
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let landing = steward.get("/console/collect").await;
    assert_eq!(landing.status, StatusCode::OK, "{}", landing.body);
    for text in [
        "href=\"/console/collect\" aria-current=\"page\"",
        batch.as_str(),
        "有错误行，整批未应用",
        "全员人口基础信息",
        &format!("/console/collect/{code}/upload"),
        &format!("/console/collect/{code}/connector"),
    ] {
        assert!(landing.body.contains(text), "{text}: {}", landing.body);
    }
}

#[tokio::test]
async fn a_gbk_upload_with_bad_rows_shows_its_report_and_rejects_escaped_and_pages_them() {
    let app = app().await;
    let code = published(&app).await;
    let (href, page) = uploaded_bad_batch(&app, &code, 55).await;
    let body = &page.body;

    // The report: nothing applied under all-or-nothing, every bad row counted.
    for text in [
        "有错误行，整批未应用",
        "读取行数",
        "被拒行数",
        "被拒的行",
        "人口.csv",
        "gb18030",
        "合并（默认）",
    ] {
        assert!(body.contains(text), "{text}: {body}");
    }
    assert!(
        body.contains("<dt>读取行数</dt><dd>59</dd>"),
        "59 rows read: {body}"
    );
    assert!(body.contains("<dt>被拒行数</dt><dd>58</dd>"), "{body}");
    assert!(body.contains("<dt>接收行数</dt><dd>0</dd>"), "{body}");

    // The rejected rows: row, key, item, problem, value; a script-like value only as text.
    assert!(body.contains("110105194912310021"), "{body}");
    assert!(body.contains("第 3 行"), "{body}");
    assert!(body.contains("=1+2"), "{body}");
    assert!(!body.contains(XSS), "the value is escaped: {body}");
    assert!(
        body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{body}"
    );
    // Paged: 50 a page, the total said, the next page linked.
    assert!(body.contains("第 1–50 条，共 58 条"), "{body}");
    let next = format!("{href}?page=2#rejects");
    assert!(body.contains(&next), "{body}");
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let second = steward.get(&format!("{href}?page=2")).await;
    assert!(
        second.body.contains("第 51–58 条，共 58 条"),
        "{}",
        second.body
    );
    assert!(second.body.contains("BAD0054"), "{}", second.body);

    // The polled status of a finished batch tells htmx to reload the page.
    let status = steward.get(&format!("{href}/status")).await;
    assert_eq!(status.status, StatusCode::OK);
    assert_eq!(status.headers["hx-refresh"], "true");
    assert!(
        !status.body.contains("<html"),
        "a fragment: {}",
        status.body
    );

    // The download: CSV through the formula-escaping writer.
    let link = format!("{href}/rejects.csv");
    assert!(body.contains(&link), "{body}");
    let csv = steward.get(&link).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;"),
        "{:?}",
        csv.headers
    );
    assert!(csv.body.starts_with('\u{feff}'), "{}", csv.body);
    assert!(
        csv.body
            .contains("3,110105194912310021,GMSFHM,110105194912310021,id_check_digit"),
        "{}",
        csv.body
    );
    assert!(
        csv.body.contains("4,'=1+2,GMSFHM,'=1+2,"),
        "a formula is defused: {}",
        csv.body
    );
    assert!(
        !csv.body.contains(",=1+2"),
        "no cell starts a formula: {}",
        csv.body
    );

    // The auditor may read it too, as through the API.
    let mut auditor = Browser::signed_in(&app.base, "auditor", PASSWORD).await;
    let r = auditor.get(&href).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("110105194912310021"), "{}", r.body);
    assert!(
        !r.body.contains("/upload\""),
        "no upload link for who may not upload: {}",
        r.body
    );
}

#[tokio::test]
async fn accepting_valid_rows_applies_them_and_an_empty_form_says_what_to_fix() {
    let app = app().await;
    let code = published(&app).await;
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let r = upload(&mut steward, &code, &bad_gbk_csv(0), "accept_valid").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = finished_batch(&mut steward, r.location()).await;
    assert!(page.body.contains("已应用"), "{}", page.body);
    assert!(
        page.body.contains("<dt>接收行数</dt><dd>1</dd>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<dt>新增记录</dt><dd>1</dd>"),
        "{}",
        page.body
    );

    // JSON Lines go the same way, their format known from the file's name.
    let token = steward
        .get(&format!("/console/collect/{code}/upload"))
        .await
        .csrf();
    let jsonl = format!("{{\"公民身份号码\":\"{B}\",\"姓名\":\"李四\"}}\n");
    let r = steward
        .post_multipart(
            &format!("/console/collect/{code}/upload"),
            &[
                Part::Text("csrf", &token),
                Part::Text("encoding", "auto"),
                Part::Text("mode", "upsert"),
                Part::Text("policy", "all_or_nothing"),
                Part::File("file", "people.jsonl", jsonl.as_bytes()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = finished_batch(&mut steward, r.location()).await;
    assert!(page.body.contains("已应用"), "{}", page.body);
    assert!(
        page.body.contains("<dt>新增记录</dt><dd>1</dd>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("jsonl"), "{}", page.body);

    // No file, an unknown encoding: both said at once, the choices kept.
    let token = steward
        .get(&format!("/console/collect/{code}/upload"))
        .await
        .csrf();
    let r = steward
        .post_multipart(
            &format!("/console/collect/{code}/upload"),
            &[
                Part::Text("csrf", &token),
                Part::Text("encoding", "latin-1"),
                Part::Text("mode", "replace"),
                Part::Text("policy", "all_or_nothing"),
                Part::File("file", "", b""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for text in [
        "error-summary",
        "href=\"#file\"",
        "请选择要上传的数据文件",
        "href=\"#encoding\"",
        "value=\"replace\" aria-describedby=\"mode-replace-hint\" checked",
    ] {
        assert!(r.body.contains(text), "{text}: {}", r.body);
    }

    // A file whose columns do not fit: said at the file, nothing started.
    let r = steward
        .post_multipart(
            &format!("/console/collect/{code}/upload"),
            &[
                Part::Text("csrf", &token),
                Part::Text("encoding", "auto"),
                Part::Text("mode", "replace"),
                Part::Text("policy", "all_or_nothing"),
                Part::File(
                    "file",
                    "only-ids.csv",
                    format!("公民身份号码\n{A}\n").as_bytes(),
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"file-error\""), "{}", r.body);
}

#[tokio::test]
async fn uploads_and_connector_forms_without_the_token_are_refused() {
    let app = app().await;
    let code = published(&app).await;
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let path = format!("/console/collect/{code}/upload");
    let file = bad_gbk_csv(0);

    // No token at all, a wrong one, a token after the file, or the right one from another site.
    let token = steward.get(&path).await.csrf();
    let cases: Vec<(Vec<Part>, &str)> = vec![
        (vec![Part::File("file", "a.csv", &file)], "none"),
        (
            vec![
                Part::Text("csrf", "0000"),
                Part::File("file", "a.csv", &file),
            ],
            "wrong",
        ),
        (
            vec![
                Part::File("file", "a.csv", &file),
                Part::Text("csrf", &token),
            ],
            "after the file",
        ),
    ];
    for (parts, what) in cases {
        let r = steward.post_multipart(&path, &parts).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}: {}", r.body);
        assert!(r.body.contains("请求未被接受"), "{what}: {}", r.body);
    }
    let r = steward
        .post_multipart_with(
            &path,
            &[
                Part::Text("csrf", &token),
                Part::File("file", "a.csv", &file),
            ],
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // The connector's forms too.
    let connector = format!("/console/collect/{code}/connector");
    for action in ["", "/run", "/delete"] {
        let r = steward
            .post(
                &format!("{connector}{action}"),
                &[("url", "postgres://etl@127.0.0.1:1/ods"), ("table", "t")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{action}: {}", r.body);
    }

    // Nothing was collected.
    let landing = steward.get("/console/collect").await;
    assert!(landing.body.contains("还没有导入批次"), "{}", landing.body);
}

#[tokio::test]
async fn a_connectors_password_is_never_shown_back() {
    let app = app().await;
    let code = published(&app).await;
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let path = format!("/console/collect/{code}/connector");
    let page = steward.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("尚未配置数据库连接"), "{}", page.body);
    let token = page.csrf();

    // The rules' problems, next to their fields, all at once.
    let r = steward
        .post(
            &path,
            &[
                ("csrf", &token),
                ("url", "http://db.example/ods"),
                ("interval_minutes", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for text in [
        "id=\"url-error\"",
        "id=\"table-error\"",
        "id=\"interval-error\"",
        "href=\"#url\"",
    ] {
        assert!(r.body.contains(text), "{text}: {}", r.body);
    }

    // The check cannot reach the database: said at the address, the password not echoed.
    let r = steward
        .post(
            &path,
            &[
                ("csrf", &token),
                ("url", "postgres://etl:s3cret@127.0.0.1:1/ods"),
                ("table", "population"),
                ("enabled", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(!r.body.contains("s3cret"), "{}", r.body);
    assert!(r.body.contains("连接检查未通过"), "{}", r.body);
    assert!(
        r.body.contains("value=\"postgres://etl@127.0.0.1:1/ods\""),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("已设置"),
        "the typed password is kept: {}",
        r.body
    );

    // A connector saved with a password: shown as set, never as text.
    let store = app.store().await;
    let p = store.principal_for("steward.a").await.unwrap();
    store
        .set_connector(
            p,
            &code,
            ConnectorConfig {
                url: "postgres://etl:s3cret@127.0.0.1:1/ods".into(),
                table: Some("population".into()),
                query: None,
                updated_column: Some("updated_at".into()),
                source_system: None,
                interval_minutes: Some(60),
                enabled: true,
            },
        )
        .await
        .unwrap();
    let page = steward.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("s3cret"), "{}", page.body);
    assert!(page.body.contains("已设置"), "{}", page.body);
    assert!(page.body.contains("value=\"updated_at\""), "{}", page.body);
    assert!(page.body.contains("立即运行"), "{}", page.body);

    // Running it now: the database does not answer; said, without the password.
    let r = steward
        .post(&format!("{path}/run"), &[("csrf", &token)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("运行失败"), "{}", r.body);
    assert!(!r.body.contains("s3cret"), "{}", r.body);

    // An auditor may look at batches but not configure: refused.
    let mut auditor = Browser::signed_in(&app.base, "auditor", PASSWORD).await;
    let r = auditor.get(&path).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // Deleting it, after saying what goes with it.
    let check = steward.get(&format!("{path}/delete")).await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    assert!(check.body.contains("确认删除"), "{}", check.body);
    assert!(!check.body.contains("s3cret"), "{}", check.body);
    let r = steward
        .post(&format!("{path}/delete"), &[("csrf", &token)])
        .await;
    assert_eq!(
        (r.status, r.location()),
        (
            StatusCode::SEE_OTHER,
            format!("{path}?done=deleted").as_str()
        )
    );
    let page = steward.get(r.location()).await;
    assert!(page.body.contains("已删除数据库连接"), "{}", page.body);
    assert!(page.body.contains("尚未配置数据库连接"), "{}", page.body);
}

/// Rows that wait for the test's word before the first one, so a batch stays running.
struct HeldRows {
    columns: Vec<String>,
    release: std::sync::mpsc::Receiver<()>,
    sent: bool,
}

impl shuqiao_core::collect::source::RowSource for HeldRows {
    fn columns(&self) -> &[String] {
        &self.columns
    }
    fn next_row(
        &mut self,
        row: &mut shuqiao_core::collect::source::RawRow,
    ) -> Result<shuqiao_core::collect::source::Next, shuqiao_core::collect::source::SourceError>
    {
        if self.sent {
            return Ok(shuqiao_core::collect::source::Next::End);
        }
        // Never longer than the test could wait: a stuck test fails instead of hanging.
        let _ = self.release.recv_timeout(Duration::from_secs(20));
        self.sent = true;
        row.row_no = 2;
        row.cells = vec![A.into(), "张三".into(), "1949-12-31".into()];
        row.absent.clear();
        Ok(shuqiao_core::collect::source::Next::Row)
    }
    fn progress(&self) -> shuqiao_core::collect::source::Progress {
        shuqiao_core::collect::source::Progress {
            done: 0,
            total: None,
        }
    }
}

#[tokio::test]
async fn a_running_batch_is_polled_until_done_then_shows_its_report_in_english() {
    let app = app().await;
    let code = published(&app).await;
    // Signed in first: signing in writes, and a running batch holds SQLite's one writer.
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    steward.cookies.insert("shuqiao_lang".into(), "en".into());
    let store = app.store().await;
    let p = store.principal_for("steward.a").await.unwrap();
    let (release, held) = std::sync::mpsc::channel();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let source = HeldRows {
        columns: vec!["公民身份号码".into(), "姓名".into(), "出生日期".into()],
        release: held,
        sent: false,
    };
    let req = shuqiao_service::collect::BatchRequest::new(
        &code,
        shuqiao_service::collect::Channel::Import,
        "held.csv",
    );
    let running = tokio::spawn(async move {
        store
            .collect_batch_watched(p, req, source, None, Some(tx))
            .await
    });
    let id = rx.await.expect("the batch starts");
    let href = format!("/console/batches/{id}");

    let page = steward.get(&href).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for text in [
        &format!("hx-get=\"{href}/status\" hx-trigger=\"every 1s\""),
        "Running",
        "<progress id=\"batch-progress\" max=\"100\"></progress>",
        "Reload this page to see the progress",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(!page.body.contains("Rejected rows"), "{}", page.body);
    let status = steward.get(&format!("{href}/status")).await;
    assert!(status.headers.get("hx-refresh").is_none());
    assert!(
        status.body.contains("hx-trigger=\"every 1s\""),
        "{}",
        status.body
    );
    let landing = steward.get("/console/collect").await;
    assert!(landing.body.contains("Running"), "{}", landing.body);

    release.send(()).unwrap();
    let report = running.await.unwrap().unwrap();
    assert_eq!((report.status.as_str(), report.inserted), ("applied", 1));
    let status = steward.get(&format!("{href}/status")).await;
    assert_eq!(status.headers["hx-refresh"], "true");
    assert!(
        !status.body.contains("hx-trigger"),
        "polling stops: {}",
        status.body
    );
    let page = steward.get(&href).await;
    for text in [
        "Applied",
        "<dt>Rows accepted</dt><dd>1</dd>",
        "<dt>Records added</dt><dd>1</dd>",
        "No row was rejected.",
        "Upload another file",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(!page.body.contains("hx-trigger"), "{}", page.body);
}

/// A department with many resources: the landing page shows fifty at a time with the total,
/// and its recent batches still come first.
#[tokio::test]
async fn the_landing_page_of_a_large_department_is_paged() {
    let app = crate::support::demo_app().await;
    shuqiao_service::testkit::published_copies(&app.store().await, 2000)
        .await
        .unwrap();
    let mut b = Browser::signed_in(&app.base, "steward.gat", shuqiao_demo::STEWARD_PASSWORD).await;
    let rows = |p: &Page| p.body.matches("/connector\"").count();
    let first = b.get("/console/collect").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(rows(&first), 50, "one page of resources");
    assert!(first.body.contains("href=\"/console/collect?offset=50\""));
    let second = b.get("/console/collect?offset=50").await;
    assert!(rows(&second) > 0);
    let pager = &second.body[second.body.find("class=\"pager\"").expect("a pager")..];
    assert!(
        pager.contains("href=\"/console/collect\""),
        "back to the first page"
    );
}

/// An XLSX workbook goes in through the same form and is applied.
#[tokio::test]
async fn an_xlsx_upload_is_applied() {
    use crate::file_support::{s, xlsx};
    let app = app().await;
    let code = published(&app).await;
    let rows = [
        ["公民身份号码", "姓名", "出生日期"],
        [A, "张三", "1949-12-31"],
        [B, "李四", "1880-01-01"],
    ];
    let mut data = String::new();
    for (i, row) in rows.iter().enumerate() {
        let r = i + 1;
        data.push_str(&format!("<row r=\"{r}\">"));
        for (col, text) in ["A", "B", "C"].iter().zip(row) {
            data.push_str(&s(&format!("{col}{r}"), text));
        }
        data.push_str("</row>");
    }
    let book = xlsx(&[("Sheet1", &data)], &[], false);
    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let form = steward
        .get(&format!("/console/collect/{code}/upload"))
        .await;
    let token = form.csrf();
    let r = steward
        .post_multipart(
            &format!("/console/collect/{code}/upload"),
            &[
                Part::Text("csrf", &token),
                Part::Text("encoding", "auto"),
                Part::Text("mode", "upsert"),
                Part::Text("policy", "all_or_nothing"),
                Part::File("file", "人口.xlsx", &book),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = finished_batch(&mut steward, r.location()).await;
    assert!(page.body.contains("人口.xlsx"), "{}", page.body);
    let token = app.login("steward.a").await;
    let (s, v) = app
        .get(
            &format!("/api/v1/collect/resources/{code}/batches"),
            Some(&token),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"][0]["format"], "xlsx", "{v}");
    assert_eq!(v["items"][0]["inserted"], 2, "{v}");
}
