//! The console in a real browser (Debian's chromium through chromedriver): sign in with the
//! keyboard, see the to-dos, switch language, sign out; axe-core checks every page on the
//! way. Where chromium is not installed the test says SKIPPED and passes; CI installs it and
//! sets `SHUQIAO_REQUIRE_BROWSER`, so there it fails instead.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::support::demo_app;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// True when chromium or chromedriver is missing: the test says SKIPPED and passes, unless
/// `SHUQIAO_REQUIRE_BROWSER` is set (CI installs them and sets it), when it fails instead.
fn browser_missing() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return false;
    }
    assert!(
        std::env::var_os("SHUQIAO_REQUIRE_BROWSER").is_none(),
        "{CHROMIUM} or {CHROMEDRIVER} is missing and SHUQIAO_REQUIRE_BROWSER is set"
    );
    println!("SKIPPED: {CHROMIUM} or {CHROMEDRIVER} is not installed (apt-get install chromium chromium-driver)");
    true
}
/// axe-core from npm (MPL-2.0, `axe.LICENSE` beside it), injected through WebDriver: the
/// page's own policy forbids inline scripts, and the page must not load test code.
const AXE: &str = include_str!("axe.min.js");

const TAB: &str = "\u{e004}";
const ENTER: &str = "\u{e007}";

/// Stops chromedriver when the test ends, however it ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn sign_in_with_the_keyboard_switch_language_and_sign_out_in_chromium() {
    if browser_missing() {
        return;
    }
    let app = demo_app().await;
    let (_driver, client) = start_browser().await;
    let outcome = journey(&client, &app.base).await;
    if let Err(e) = &outcome {
        let shot = screenshot_dir().join("failure.png");
        save_screenshot(&client, &shot).await;
        let _ = client.clone().close().await;
        panic!("{e}\n(screenshot: {})", shot.display());
    }
    let _ = client.close().await;
}

async fn start_browser() -> (Driver, Client) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--window-size=1280,900",
                     "--lang=zh-CN"]
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(caps.clone());
        if let Ok(c) = builder.connect(&url).await {
            return (driver, c);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not answer on {url}");
}

type Step = Result<(), String>;

fn fail(what: &str) -> impl Fn(fantoccini::error::CmdError) -> String + '_ {
    move |e| format!("{what}: {e}")
}

async fn journey(c: &Client, base: &str) -> Step {
    c.goto(&format!("{base}/console/login"))
        .await
        .map_err(fail("open the sign-in page"))?;
    expect_lang(c, "zh-CN").await?;
    check_accessibility(c, "sign-in page").await?;
    save_screenshot(c, &screenshot_dir().join("console-login.png")).await;

    // The username field has the focus; type, Tab to the password, Enter to submit.
    let focused = c.active_element().await.map_err(fail("focused element"))?;
    let id = focused.attr("id").await.map_err(fail("its id"))?;
    if id.as_deref() != Some("username") {
        return Err(format!(
            "the sign-in page should focus 用户名, focused {id:?}"
        ));
    }
    focused
        .send_keys(&format!("steward.gat{TAB}"))
        .await
        .map_err(fail("type the username"))?;
    let password = c.active_element().await.map_err(fail("focused element"))?;
    if password
        .attr("id")
        .await
        .map_err(fail("its id"))?
        .as_deref()
        != Some("password")
    {
        return Err("Tab from 用户名 should reach 密码".into());
    }
    password
        .send_keys(&format!("{}{ENTER}", shuqiao_demo::STEWARD_PASSWORD))
        .await
        .map_err(fail("type the password"))?;
    wait_for_path(c, "/console/").await?;
    let heading = text_of(c, "h1").await?;
    if heading != "待办事项" {
        return Err(format!("home heading: {heading}"));
    }
    let body = text_of(c, "main").await?;
    if !body.contains("待我答复的共享申请") {
        return Err(format!(
            "the demo's steward of 公安厅 has applications to answer:\n{body}"
        ));
    }
    check_accessibility(c, "home page").await?;
    save_screenshot(c, &screenshot_dir().join("console-home.png")).await;

    // Mark a message read: htmx replaces the main part, the page itself stays loaded.
    c.goto(&format!("{base}/console/inbox"))
        .await
        .map_err(fail("open the inbox"))?;
    check_accessibility(c, "inbox").await?;
    let before = count(c, "form[action^='/console/inbox/']").await?;
    if before == 0 {
        return Err("the demo's steward of 公安厅 has unread messages".into());
    }
    c.execute("window.stillTheSamePage = true;", vec![])
        .await
        .map_err(fail("mark the page"))?;
    c.find(Locator::Css("form[action^='/console/inbox/'] button"))
        .await
        .map_err(fail("a mark-read button"))?
        .send_keys(ENTER)
        .await
        .map_err(fail("press mark read"))?;
    wait_for(c, "the notice after marking read", |c| async move {
        Ok(count(&c, ".banner").await? == 1)
    })
    .await?;
    if count(c, "form[action^='/console/inbox/']").await? != before - 1 {
        return Err("one message fewer to mark".into());
    }
    let same = c
        .execute("return window.stillTheSamePage === true;", vec![])
        .await
        .map_err(fail("read the mark"))?;
    if same != Value::Bool(true) {
        return Err("htmx should have swapped the list in place, not loaded a new page".into());
    }
    c.goto(&format!("{base}/console/"))
        .await
        .map_err(fail("back home"))?;

    // Switch language: remembered across pages.
    c.find(Locator::Css("a.lang-switch"))
        .await
        .map_err(fail("the language switch"))?
        .click()
        .await
        .map_err(fail("switch language"))?;
    wait_for_lang(c, "en").await?;
    c.goto(&format!("{base}/console/inbox"))
        .await
        .map_err(fail("open the inbox"))?;
    expect_lang(c, "en").await?;
    check_accessibility(c, "inbox in English").await?;

    // Sign out with the keyboard: focus the button, press Enter.
    let button = c
        .find(Locator::Css("form.sign-out button"))
        .await
        .map_err(fail("the sign-out button"))?;
    button
        .send_keys(ENTER)
        .await
        .map_err(fail("press sign out"))?;
    wait_for_path(c, "/console/login").await?;
    c.goto(&format!("{base}/console/"))
        .await
        .map_err(fail("open home again"))?;
    wait_for_path(c, "/console/login").await
}

async fn count(c: &Client, css: &str) -> Result<usize, String> {
    Ok(c.find_all(Locator::Css(css))
        .await
        .map_err(fail(css))?
        .len())
}

/// Waits up to five seconds for `ready`.
async fn wait_for<F, Fut>(c: &Client, what: &str, ready: F) -> Step
where
    F: Fn(Client) -> Fut,
    Fut: std::future::Future<Output = Result<bool, String>>,
{
    for _ in 0..50 {
        if ready(c.clone()).await? {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("waited in vain for {what}"))
}

/// The text of the first element matching `css`. An element found just before the page it
/// was on is replaced goes stale; it is looked up again.
async fn text_of(c: &Client, css: &str) -> Result<String, String> {
    let mut tries = 0;
    loop {
        let found = c.find(Locator::Css(css)).await.map_err(fail(css))?;
        match found.text().await {
            Ok(text) => return Ok(text),
            Err(e) if tries < 5 && e.to_string().contains("stale element") => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(fail(css)(e)),
        }
    }
}

async fn page_lang(c: &Client) -> Result<String, String> {
    let v = c
        .execute("return document.documentElement.lang;", vec![])
        .await
        .map_err(fail("read <html lang>"))?;
    Ok(v.as_str().unwrap_or("").to_string())
}

async fn expect_lang(c: &Client, lang: &str) -> Step {
    let found = page_lang(c).await?;
    if found == lang {
        Ok(())
    } else {
        Err(format!("<html lang> is {found:?}, expected {lang:?}"))
    }
}

async fn wait_for_lang(c: &Client, lang: &str) -> Step {
    for _ in 0..50 {
        if page_lang(c).await? == lang {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    expect_lang(c, lang).await
}

async fn wait_for_path(c: &Client, path: &str) -> Step {
    let mut last = String::new();
    for _ in 0..50 {
        last = c
            .current_url()
            .await
            .map_err(fail("current URL"))?
            .path()
            .to_string();
        if last == path {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("expected to reach {path}, still at {last}"))
}

/// Runs axe-core in the page; serious and critical violations fail the journey.
async fn check_accessibility(c: &Client, page: &str) -> Step {
    c.execute(AXE, vec![])
        .await
        .map_err(fail("inject axe-core"))?;
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ['violations'] })
          .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5) }))))
          .catch(e => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));
    "#;
    let found = c
        .execute_async(script, vec![])
        .await
        .map_err(fail("run axe-core"))?;
    let Some(violations) = found.as_array() else {
        return Err(format!("axe-core did not run on the {page}: {found}"));
    };
    let bad: Vec<&Value> = violations
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "axe-core on the {page}: {}",
            Value::from(bad.into_iter().cloned().collect::<Vec<_>>())
        ))
    }
}

/// Where screenshots go: `target/console-screenshots`, or the folder named by
/// `SHUQIAO_SCREENSHOTS` (e.g. `docs/screenshots` to refresh the README's).
fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("SHUQIAO_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/console-screenshots")
        });
    let _ = std::fs::create_dir_all(&dir);
    dir
}

async fn save_screenshot(c: &Client, path: &Path) {
    match c.screenshot().await {
        Ok(png) => {
            if let Err(e) = std::fs::write(path, png) {
                eprintln!("cannot save {}: {e}", path.display());
            }
        }
        Err(e) => eprintln!("no screenshot: {e}"),
    }
}

/// 谁用了我的数据 in chromium: the citizen's own browser checks every access (Ed25519 over the
/// checkpoint, the inclusion proofs) and says verified; a proof or a checkpoint changed in the
/// page is not verified. The auditor's pages pass axe-core on the way.
#[tokio::test]
async fn a_citizen_verifies_every_access_in_chromium_and_tampering_is_caught() {
    use crate::audit_pages::{entry, register_citizen, seal, subject_key, ZHANG};
    if browser_missing() {
        return;
    }
    let app = crate::support::app().await;
    register_citizen(&app, "zhang.san", ZHANG).await;
    let key = subject_key(&app, ZHANG).await;
    // Eleven entries, three of them the citizen's, so the proofs have several steps.
    let entries = (0..11)
        .map(|i| {
            let mut e = entry(
                "d-b",
                "exchange.lookup",
                1_790_000_000_000 + i,
                "办理社保卡",
            );
            if i % 4 == 1 {
                e.subjects = vec![key.clone()];
            }
            e
        })
        .collect();
    seal(&app, entries).await;
    let (_driver, client) = start_browser().await;
    let outcome = citizen_journey(&client, &app.base).await;
    if let Err(e) = &outcome {
        let shot = screenshot_dir().join("failure-my-data.png");
        save_screenshot(&client, &shot).await;
        let _ = client.clone().close().await;
        panic!("{e}\n(screenshot: {})", shot.display());
    }
    let _ = client.close().await;
}

async fn sign_in_as(c: &Client, base: &str, user: &str, password: &str) -> Step {
    c.delete_all_cookies()
        .await
        .map_err(fail("forget who was signed in"))?;
    c.goto(&format!("{base}/console/login"))
        .await
        .map_err(fail("open the sign-in page"))?;
    c.find(Locator::Id("username"))
        .await
        .map_err(fail("用户名"))?
        .send_keys(user)
        .await
        .map_err(fail("type the username"))?;
    c.find(Locator::Id("password"))
        .await
        .map_err(fail("密码"))?
        .send_keys(&format!("{password}{ENTER}"))
        .await
        .map_err(fail("type the password"))?;
    wait_for_path(c, "/console/").await
}

/// The states the page's checker shows: the overall line's and each row's.
async fn verify_states(c: &Client) -> Result<(String, Vec<String>), String> {
    let v = c
        .execute(
            "return [document.getElementById('verify-overall').getAttribute('data-state'),
                     Array.from(document.querySelectorAll('.verify-state')).map(e => e.getAttribute('data-state') + ':' + e.textContent)];",
            vec![],
        )
        .await
        .map_err(fail("read the check's states"))?;
    let overall = v[0].as_str().unwrap_or("").to_string();
    let rows = v[1]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    Ok((overall, rows))
}

async fn wait_for_overall(c: &Client, state: &str) -> Result<Vec<String>, String> {
    let waited = wait_for(
        c,
        &format!("the overall check to say {state}"),
        |c| async move { Ok(verify_states(&c).await?.0 == state) },
    )
    .await;
    let (overall, rows) = verify_states(c).await?;
    waited.map_err(|e| format!("{e}; found {overall}: {rows:?}"))?;
    Ok(rows)
}

async fn verify_again(c: &Client) -> Step {
    c.find(Locator::Id("verify-again"))
        .await
        .map_err(fail("the verify-again button"))?
        .click()
        .await
        .map_err(fail("press verify again"))?;
    Ok(())
}

async fn citizen_journey(c: &Client, base: &str) -> Step {
    sign_in_as(c, base, "zhang.san", crate::audit_pages::CITIZEN_PASSWORD).await?;
    c.find(Locator::LinkText("谁用了我的数据"))
        .await
        .map_err(fail("the 谁用了我的数据 link"))?
        .click()
        .await
        .map_err(fail("open 谁用了我的数据"))?;
    wait_for_path(c, "/console/my-data").await?;
    let rows = wait_for_overall(c, "ok").await?;
    if rows.len() != 3 || !rows.iter().all(|r| r == "ok:已验证") {
        return Err(format!("every row should say 已验证: {rows:?}"));
    }
    let overall = text_of(c, "#verify-overall").await?;
    if !overall.contains("全部记录已在您的浏览器中验证") {
        return Err(format!("the overall line: {overall}"));
    }
    check_accessibility(c, "citizen's page").await?;
    save_screenshot(c, &screenshot_dir().join("console-my-data.png")).await;

    // One proof changed in the page: that row fails, the others still pass.
    c.execute(
        "const r = document.querySelectorAll('tr[data-leaf]')[1];
         const p = r.getAttribute('data-proof');
         r.setAttribute('data-original', p);
         r.setAttribute('data-proof', (p[0] === '0' ? '1' : '0') + p.slice(1));",
        vec![],
    )
    .await
    .map_err(fail("change a proof"))?;
    verify_again(c).await?;
    let rows = wait_for_overall(c, "bad").await?;
    if rows != ["ok:已验证", "bad:未通过验证", "ok:已验证"] {
        return Err(format!("only the changed row fails: {rows:?}"));
    }
    // Another entry's bytes claimed for this row fail too: the proof is of its own entry.
    c.execute(
        "const rs = document.querySelectorAll('tr[data-leaf]');
         rs[1].setAttribute('data-proof', rs[1].getAttribute('data-original'));
         rs[1].setAttribute('data-entry', rs[0].getAttribute('data-entry'));",
        vec![],
    )
    .await
    .map_err(fail("swap an entry"))?;
    verify_again(c).await?;
    let rows = wait_for_overall(c, "bad").await?;
    if rows.get(1).map(String::as_str) != Some("bad:未通过验证") {
        return Err(format!("the bytes of another entry fail: {rows:?}"));
    }
    // A row that shows another purpose than its sealed entry is not verified either.
    c.refresh().await.map_err(fail("reload"))?;
    wait_for_overall(c, "ok").await?;
    c.execute(
        "document.querySelectorAll('tr[data-leaf] td[data-field=purpose]')[2].textContent = '学校招生';",
        vec![],
    )
    .await
    .map_err(fail("change a purpose"))?;
    verify_again(c).await?;
    let rows = wait_for_overall(c, "bad").await?;
    if rows != ["ok:已验证", "ok:已验证", "bad:未通过验证"] {
        return Err(format!(
            "only the row showing another purpose fails: {rows:?}"
        ));
    }
    // The checkpoint with a different size: the signature no longer holds, nothing passes.
    c.refresh().await.map_err(fail("reload"))?;
    wait_for_overall(c, "ok").await?;
    c.execute(
        "const v = document.getElementById('verify');
         const cp = v.getAttribute('data-checkpoint').split('\\n');
         cp[1] = String(Number(cp[1]) + 1);
         v.setAttribute('data-checkpoint', cp.join('\\n'));",
        vec![],
    )
    .await
    .map_err(fail("change the checkpoint"))?;
    verify_again(c).await?;
    let rows = wait_for_overall(c, "bad").await?;
    if !rows.iter().all(|r| r == "bad:未通过验证") {
        return Err(format!("a changed checkpoint fails every row: {rows:?}"));
    }
    let overall = text_of(c, "#verify-overall").await?;
    if !overall.contains("检查点签名未通过验证") {
        return Err(format!("the overall line names the signature: {overall}"));
    }
    check_accessibility(c, "citizen's page after a failed check").await?;

    // On a phone (360 px) the page still checks, and nothing widens it beyond the screen.
    c.set_window_size(360, 800)
        .await
        .map_err(fail("a phone-sized window"))?;
    c.refresh().await.map_err(fail("reload"))?;
    wait_for_overall(c, "ok").await?;
    let wide = c
        .execute(
            "return document.documentElement.scrollWidth > document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .map_err(fail("measure the page"))?;
    save_screenshot(c, &screenshot_dir().join("console-my-data-phone.png")).await;
    if wide != Value::Bool(false) {
        return Err("the citizen's page is wider than a 360 px screen".into());
    }
    c.set_window_size(1280, 900)
        .await
        .map_err(fail("back to a laptop window"))?;

    // The auditor's pages, in the same browser.
    sign_in_as(c, base, "auditor", shuqiao_service::testkit::PASSWORD).await?;
    c.goto(&format!("{base}/console/audit"))
        .await
        .map_err(fail("open the audit search"))?;
    check_accessibility(c, "audit search").await?;
    save_screenshot(c, &screenshot_dir().join("console-audit.png")).await;
    c.find(Locator::Css("tbody a"))
        .await
        .map_err(fail("an entry's link"))?
        .click()
        .await
        .map_err(fail("open an entry"))?;
    let body = text_of(c, "main").await?;
    if !body.contains("证明有效") {
        return Err(format!("the entry's proof is checked: {body}"));
    }
    check_accessibility(c, "audit entry").await?;
    c.goto(&format!("{base}/console/audit/checkpoint"))
        .await
        .map_err(fail("open the checkpoint"))?;
    check_accessibility(c, "checkpoint").await
}

/// A consumer department's user of 人社厅 finds 婚姻登记信息 (民政厅, 有条件共享), applies for
/// two of its fields with the keyboard, checks the answers with the due date, sends, and sees
/// the banner; axe-core checks each of the consumer pages on the way.
#[tokio::test]
async fn a_consumer_searches_and_applies_for_two_fields_by_keyboard_in_chromium() {
    if browser_missing() {
        return;
    }
    let app = demo_app().await;
    let (_driver, client) = start_browser().await;
    let outcome = consumer_journey(&client, &app.base).await;
    if let Err(e) = &outcome {
        let shot = screenshot_dir().join("consumer-failure.png");
        save_screenshot(&client, &shot).await;
        let _ = client.clone().close().await;
        panic!("{e}\n(screenshot: {})", shot.display());
    }
    let _ = client.close().await;
}

async fn press(c: &Client, css: &str, keys: &str) -> Step {
    c.find(Locator::Css(css))
        .await
        .map_err(fail(css))?
        .send_keys(keys)
        .await
        .map_err(fail(css))
}

async fn consumer_journey(c: &Client, base: &str) -> Step {
    c.goto(&format!("{base}/console/login"))
        .await
        .map_err(fail("open the sign-in page"))?;
    press(c, "#username", &format!("user.rst{TAB}")).await?;
    let password = c.active_element().await.map_err(fail("focused element"))?;
    password
        .send_keys(&format!("{}{ENTER}", shuqiao_demo::CONSUMER_PASSWORD))
        .await
        .map_err(fail("type the password"))?;
    wait_for_path(c, "/console/").await?;

    // Search from the navigation's catalog page.
    c.goto(&format!("{base}/console/catalog"))
        .await
        .map_err(fail("open the catalog"))?;
    check_accessibility(c, "catalog").await?;
    press(c, "#q", &format!("婚姻登记{ENTER}")).await?;
    wait_for(c, "search results", |c| async move {
        Ok(c.find_all(Locator::LinkText("婚姻登记信息"))
            .await
            .map_err(fail("result links"))?
            .len()
            == 1)
    })
    .await?;
    check_accessibility(c, "catalog results with facets").await?;
    save_screenshot(c, &screenshot_dir().join("console-catalog.png")).await;
    c.find(Locator::LinkText("婚姻登记信息"))
        .await
        .map_err(fail("the result"))?
        .send_keys(ENTER)
        .await
        .map_err(fail("open the result"))?;
    wait_for(c, "the resource page", |c| async move {
        Ok(text_of(&c, "h1").await.unwrap_or_default() == "婚姻登记信息")
    })
    .await?;
    check_accessibility(c, "resource page").await?;
    if !text_of(c, "main").await?.contains("仅核验，不返回原值") {
        return Err("核心 fields should be marked verify-only".into());
    }
    press(c, "a[href$='/apply']", ENTER).await?;
    wait_for(c, "the application form", |c| async move {
        Ok(count(&c, "form input[name='fields']").await? > 0)
    })
    .await?;

    // Continue with nothing filled in: every problem at once, then fix them by keyboard.
    press(c, "form.form button[type='submit']", ENTER).await?;
    wait_for(c, "the error summary", |c| async move {
        Ok(count(&c, ".error-summary").await? == 1)
    })
    .await?;
    check_accessibility(c, "application form with errors").await?;
    let arrow_down = "\u{e015}";
    press(c, "#system", arrow_down).await?;
    // 男方姓名 and 女方姓名: the second and fourth fields; Space ticks a checkbox.
    press(c, "#fields-1", " ").await?;
    press(c, "#fields-3", " ").await?;
    press(c, "#purpose", "办理婚姻状况相关的社会保险待遇").await?;
    press(c, "#scene", "社保经办窗口").await?;
    press(c, "#legal_basis", "《社会保险法》").await?;
    press(c, "#days", &format!("90{ENTER}")).await?;
    wait_for(c, "the check-your-answers page", |c| async move {
        Ok(count(&c, "#due").await? == 1)
    })
    .await?;
    check_accessibility(c, "check your answers").await?;
    save_screenshot(c, &screenshot_dir().join("console-apply-check.png")).await;
    let due = text_of(c, "#due").await?;
    if !due.contains("答复") {
        return Err(format!("the due date should be shown: {due}"));
    }
    let main = text_of(c, "main").await?;
    if !(main.contains("男方姓名") && main.contains("女方姓名") && !main.contains("登记日期"))
    {
        return Err(format!("the two chosen fields, and only they:\n{main}"));
    }
    press(c, ".check-actions form:first-child button", ENTER).await?;
    wait_for(c, "the application's page", |c| async move {
        Ok(count(&c, ".banner").await? == 1)
    })
    .await?;
    let banner = text_of(c, ".banner").await?;
    if !banner.contains("申请已提交") {
        return Err(format!("the banner: {banner}"));
    }
    check_accessibility(c, "application page").await?;
    c.goto(&format!("{base}/console/grants"))
        .await
        .map_err(fail("open grants"))?;
    check_accessibility(c, "grants page").await?;
    c.goto(&format!("{base}/console/needs"))
        .await
        .map_err(fail("open needs"))?;
    check_accessibility(c, "needs page").await
}

/// A steward answers an application with the keyboard: a rejection without a reason shows its
/// problem, then fewer fields are approved through the check-your-answers step and the banner
/// says what was granted. axe-core checks each decision page, the reviewers' and the
/// operator's too.
#[tokio::test]
async fn the_steward_answers_an_application_by_keyboard_in_chromium() {
    if browser_missing() {
        return;
    }
    let app = crate::support::app().await;
    let store = app.store().await;
    let (open, cond) = shuqiao_service::testkit::share_fixture(&store).await;
    let c1 = app.login("user.c1").await;
    let (_, a) = app
        .post(
            "/api/v1/share/applications",
            Some(&c1),
            crate::support::access("c1", &cond),
        )
        .await;
    let id = a["id"].as_i64().expect("an application");
    let steward = app.login("steward.a").await;
    let (_, p) = app
        .post(
            "/api/v1/share/negative-proposals",
            Some(&steward),
            json!({"resource": open, "action": "add", "legal_basis": "《保守国家秘密法》", "reason": "涉密"}),
        )
        .await;
    let proposal = p["id"].as_i64().expect("a proposal");
    let (_, r) = app
        .post(
            "/api/v1/catalog/resources",
            Some(&steward),
            serde_json::to_value(shuqiao_service::testkit::sample_meta()).unwrap(),
        )
        .await;
    let code = r["code"].as_str().expect("a resource").to_string();
    app.post(
        &format!("/api/v1/catalog/resources/{code}/submit"),
        Some(&steward),
        json!({}),
    )
    .await;

    let (_driver, client) = start_browser().await;
    let outcome = decision_journey(&client, &app.base, (id, &cond), proposal, &code).await;
    if let Err(e) = &outcome {
        let shot = screenshot_dir().join("failure-decision.png");
        save_screenshot(&client, &shot).await;
        let _ = client.clone().close().await;
        panic!("{e}\n(screenshot: {})", shot.display());
    }
    let _ = client.close().await;
}

/// `application` is the application's id and the resource it asks for.
async fn decision_journey(
    c: &Client,
    base: &str,
    application: (i64, &str),
    proposal: i64,
    code: &str,
) -> Step {
    let (id, applied) = application;
    let password = shuqiao_service::testkit::PASSWORD;
    let sign_in = |user: &'static str| async move {
        c.delete_all_cookies()
            .await
            .map_err(fail("forget the last person"))?;
        c.goto(&format!("{base}/console/login"))
            .await
            .map_err(fail("open the sign-in page"))?;
        let field = c.active_element().await.map_err(fail("focused element"))?;
        field
            .send_keys(&format!("{user}{TAB}"))
            .await
            .map_err(fail("type the username"))?;
        c.active_element()
            .await
            .map_err(fail("focused element"))?
            .send_keys(&format!("{password}{ENTER}"))
            .await
            .map_err(fail("type the password"))?;
        wait_for_path(c, "/console/").await
    };
    let key = |css: &'static str, keys: String| async move {
        c.find(Locator::Css(css))
            .await
            .map_err(|e| format!("{css}: {e}"))?
            .send_keys(&keys)
            .await
            .map_err(|e| format!("keys to {css}: {e}"))
    };
    let path = format!("/console/applications/{id}");

    sign_in("steward.a").await?;
    c.goto(&format!("{base}{path}"))
        .await
        .map_err(fail("open the application"))?;
    check_accessibility(c, "application page").await?;

    // Reject without a reason: Enter in the duration field submits; the problem is shown.
    key("#decision-reject", " ".into()).await?;
    key("#days", ENTER.into()).await?;
    wait_for(c, "the error summary", |c| async move {
        Ok(count(&c, ".error-summary").await? == 1)
    })
    .await?;
    if count(c, "#reason-error").await? != 1 {
        return Err("the reason's own message is missing".into());
    }
    check_accessibility(c, "application page with a problem").await?;

    // Approve only 姓名 for 180 days: untick 公民身份号码, type the days, Enter.
    key("#decision-approve", " ".into()).await?;
    key("#field-0", " ".into()).await?;
    key("#days", format!("180{ENTER}")).await?;
    wait_for(c, "the check-your-answers step", |c| async move {
        Ok(text_of(&c, "h1").await.unwrap_or_default() == "确认您的决定")
    })
    .await?;
    let check = text_of(c, "main").await?;
    if !check.contains("姓名") || !check.contains("机构c1") {
        return Err(format!(
            "the check step should name the field and who is told:\n{check}"
        ));
    }
    check_accessibility(c, "check-your-answers page").await?;
    save_screenshot(c, &screenshot_dir().join("console-check-answers.png")).await;
    key("button[value='confirm']", ENTER.into()).await?;
    wait_for(c, "the banner", |c| async move {
        Ok(count(&c, ".banner").await? == 1)
    })
    .await?;
    let banner = text_of(c, ".banner-text").await?;
    if !banner.starts_with("已批准：系统c1-sys 可读取 姓名，至 ") {
        return Err(format!("banner: {banner}"));
    }
    if count(c, "a.receipt").await? != 1 {
        return Err("the audit entry's index should be linked".into());
    }
    check_accessibility(c, "application page after the decision").await?;
    save_screenshot(c, &screenshot_dir().join("console-approved.png")).await;

    // The consumer sees the grant the steward gave: the fewer fields.
    sign_in("user.c1").await?;
    c.goto(&format!("{base}/console/grants"))
        .await
        .map_err(fail("open the consumer's grants"))?;
    let main = text_of(c, "main").await?;
    // The grants come before the applications, which list both fields asked for.
    let grants = main.split("本单位的申请").next().unwrap_or("");
    if !grants.contains("姓名（XM）") || grants.contains("GMSFHM") {
        return Err(format!(
            "the consumer's grant of {applied} should hold 姓名 only:\n{main}"
        ));
    }

    sign_in("legal").await?;
    c.goto(&format!("{base}/console/negative-proposals/{proposal}"))
        .await
        .map_err(fail("open the proposal"))?;
    check_accessibility(c, "negative-list proposal").await?;

    sign_in("admin").await?;
    c.goto(&format!("{base}/console/review"))
        .await
        .map_err(fail("open the review queue"))?;
    check_accessibility(c, "review queue").await?;
    c.goto(&format!("{base}/console/review/{code}"))
        .await
        .map_err(fail("open the submitted resource"))?;
    check_accessibility(c, "submitted resource").await
}

/// A steward uploads a GBK export with bad rows through the real file input: the progress bar
/// follows the bytes, the batch page polls until the batch is done, then shows the report and
/// the rejected rows. axe-core checks the landing page, the form (also with its errors), the
/// batch page and the connector page.
#[tokio::test]
async fn a_steward_uploads_a_gbk_file_and_reads_its_rejects_in_chromium() {
    if browser_missing() {
        return;
    }
    let app = crate::support::app().await;
    let code = crate::steward_upload::published(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("人口-导出.csv");
    // Enough rows for the bar to have something to follow; four of them are bad.
    std::fs::write(&file, crate::steward_upload::bad_gbk_csv(2000)).unwrap();
    // A connector saved with a password (its check skipped: no database here).
    let store = app.store().await;
    store
        .set_connector(
            store.principal_for("steward.a").await.unwrap(),
            &code,
            shuqiao_service::collect::connectors::ConnectorConfig {
                url: "postgres://etl:s3cret@db.d-a.example:5432/ods".into(),
                table: Some("population".into()),
                query: None,
                updated_column: Some("updated_at".into()),
                source_system: Some("d-a-sys".into()),
                interval_minutes: None,
                enabled: true,
            },
        )
        .await
        .unwrap();
    let (_driver, client) = start_browser().await;
    let outcome = upload_journey(&client, &app.base, &code, &file).await;
    if let Err(e) = &outcome {
        let shot = screenshot_dir().join("failure-upload.png");
        save_screenshot(&client, &shot).await;
        let _ = client.clone().close().await;
        panic!("{e}\n(screenshot: {})", shot.display());
    }
    let _ = client.close().await;
}

/// Remembers, across the navigation to the batch page, whether the bar was shown and how far
/// it got: the test's own observer, added through WebDriver (the page loads no test code).
const WATCH_PROGRESS: &str = r#"
    sessionStorage.removeItem('upload-max');
    sessionStorage.removeItem('upload-shown');
    const box = document.getElementById('upload-progress-box');
    const bar = document.getElementById('upload-progress');
    new MutationObserver(() => {
      if (!box.hidden) sessionStorage.setItem('upload-shown', '1');
      const seen = Number(sessionStorage.getItem('upload-max') || 0);
      if (bar.value > seen) sessionStorage.setItem('upload-max', String(bar.value));
    }).observe(document.getElementById('upload-form'), { attributes: true, subtree: true });
"#;

async fn upload_journey(c: &Client, base: &str, code: &str, file: &Path) -> Step {
    let password = shuqiao_service::testkit::PASSWORD;
    sign_in_as(c, base, "steward.a", password).await?;

    // The navigation leads to the landing page; nothing collected yet.
    c.find(Locator::Css("nav.side a[href=\"/console/collect\"]"))
        .await
        .map_err(fail("数据归集 in the navigation"))?
        .click()
        .await
        .map_err(fail("open 数据归集"))?;
    wait_for_path(c, "/console/collect").await?;
    let heading = text_of(c, "h1").await?;
    if heading != "本单位的数据归集" {
        return Err(format!("landing heading: {heading}"));
    }
    check_accessibility(c, "collection landing page").await?;
    save_screenshot(c, &screenshot_dir().join("console-upload-landing.png")).await;

    // The form: submitting without a file says so, at the top and at the field.
    let upload = format!("/console/collect/{code}/upload");
    c.find(Locator::Css(&format!("a[href=\"{upload}\"]")))
        .await
        .map_err(fail("上传数据"))?
        .click()
        .await
        .map_err(fail("open the upload form"))?;
    wait_for_path(c, &upload).await?;
    check_accessibility(c, "upload form").await?;
    save_screenshot(c, &screenshot_dir().join("console-upload-form.png")).await;
    c.find(Locator::Css("#upload-form button[type=submit]"))
        .await
        .map_err(fail("上传并导入"))?
        .click()
        .await
        .map_err(fail("submit without a file"))?;
    wait_for(c, "the error summary", |c| async move {
        Ok(count(&c, ".error-summary a[href=\"#file\"]").await? == 1)
    })
    .await?;
    check_accessibility(c, "upload form with its errors").await?;
    save_screenshot(c, &screenshot_dir().join("console-upload-errors.png")).await;

    // The real file input, GBK, merge; the bar follows the bytes, then the batch page.
    c.find(Locator::Id("file"))
        .await
        .map_err(fail("数据文件"))?
        .send_keys(&file.display().to_string())
        .await
        .map_err(fail("choose the file"))?;
    c.find(Locator::Css("#encoding option[value=gbk]"))
        .await
        .map_err(fail("GBK"))?
        .click()
        .await
        .map_err(fail("choose GBK"))?;
    c.execute(WATCH_PROGRESS, vec![])
        .await
        .map_err(fail("watch the bar"))?;
    c.find(Locator::Css("#upload-form button[type=submit]"))
        .await
        .map_err(fail("上传并导入"))?
        .click()
        .await
        .map_err(fail("upload"))?;
    let mut at = String::new();
    for _ in 0..100 {
        at = c
            .current_url()
            .await
            .map_err(fail("URL"))?
            .path()
            .to_string();
        if at.starts_with("/console/batches/") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !at.starts_with("/console/batches/") {
        return Err(format!(
            "the upload should lead to its batch, still at {at}"
        ));
    }
    let seen = c
        .execute(
            "return [sessionStorage.getItem('upload-shown'), sessionStorage.getItem('upload-max')];",
            vec![],
        )
        .await
        .map_err(fail("read what the bar did"))?;
    if seen != json!(["1", "100"]) {
        return Err(format!(
            "the progress bar should show and reach 100: {seen}"
        ));
    }

    // The batch page: polled while running, then the report and the rejects.
    for _ in 0..300 {
        if count(c, "#report-title").await? == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let main = text_of(c, "main").await?;
    for text in [
        "导入报告",
        "有错误行，整批未应用",
        "被拒的行",
        "110105194912310021",
        "公民身份号码校验码不正确",
        "下载被拒的行（CSV）",
        "人口-导出.csv",
    ] {
        if !main.contains(text) {
            return Err(format!("the batch page should say {text}:\n{main}"));
        }
    }
    let rows = count(c, "table.rejects tbody tr").await?;
    if rows != 50 {
        return Err(format!("the first page shows 50 rejected rows, not {rows}"));
    }
    check_accessibility(c, "batch page").await?;
    save_screenshot(c, &screenshot_dir().join("console-upload-batch.png")).await;

    // The connector page: the password only as 已设置, the address without it.
    c.goto(&format!("{base}/console/collect/{code}/connector"))
        .await
        .map_err(fail("open the connector page"))?;
    let main = text_of(c, "main").await?;
    if !main.contains("已设置") || !main.contains("立即运行") {
        return Err(format!("the connector page: {main}"));
    }
    let html = c.source().await.map_err(fail("page source"))?;
    if html.contains("s3cret") || !html.contains("postgres://etl@db.d-a.example:5432/ods") {
        return Err(format!("the password must never reach the page:\n{html}"));
    }
    check_accessibility(c, "connector page").await?;
    save_screenshot(c, &screenshot_dir().join("console-upload-connector.png")).await;
    c.find(Locator::Css(&format!(
        "a[href=\"/console/collect/{code}/connector/delete\"]"
    )))
    .await
    .map_err(fail("删除连接"))?
    .click()
    .await
    .map_err(fail("ask to delete"))?;
    wait_for_path(c, &format!("/console/collect/{code}/connector/delete")).await?;
    check_accessibility(c, "connector deletion check").await?;
    save_screenshot(
        c,
        &screenshot_dir().join("console-upload-connector-delete.png"),
    )
    .await;

    // Back on the landing page the rejected batch comes first.
    c.goto(&format!("{base}/console/collect"))
        .await
        .map_err(fail("open the landing page again"))?;
    let first = text_of(c, "#batches-title ~ div table tbody tr").await?;
    if !first.contains("有错误行") {
        return Err(format!("the rejected batch should come first: {first}"));
    }
    check_accessibility(c, "collection landing page with a batch").await?;
    Ok(())
}

/// axe-core on every page each person reaches by links (one of each shape), in chromium, with
/// names like scripts on the platform; every problem of every page reported at once.
#[tokio::test]
async fn every_page_a_person_reaches_passes_axe_core_in_chromium() {
    if browser_missing() {
        return;
    }
    let app = crate::crawl::hostile_platform().await;
    let (_driver, client) = start_browser().await;
    let mut problems = Vec::new();
    let mut checked = 0;
    for (user, password) in crate::crawl::people() {
        let mut http = crate::client::Browser::signed_in(&app.base, user, password).await;
        let pages = crate::crawl::crawl(&mut http, 1, 60).await;
        if let Err(e) = sign_in_as(&client, &app.base, user, password).await {
            problems.push(format!("{user} signs in: {e}"));
            continue;
        }
        for (link, _, _) in pages {
            checked += 1;
            let label = format!("{user} {link}");
            let step = async {
                client
                    .goto(&format!("{}{link}", app.base))
                    .await
                    .map_err(fail("open the page"))?;
                check_accessibility(&client, &label).await
            };
            if let Err(e) = step.await {
                problems.push(e);
            }
        }
    }
    let _ = client.close().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked > 20, "only {checked} pages were checked");
}

/// A steward catalogues a resource with the keyboard: two items added, one moved up, grades
/// chosen; submitting shows every problem, fixing them submits it; the operator publishes it
/// from the review queue; then the public catalog API finds it. axe-core checks every page of
/// the catalogue on the way.
#[tokio::test]
async fn the_steward_catalogues_a_resource_by_keyboard_and_the_public_finds_it_in_chromium() {
    if browser_missing() {
        return;
    }
    let app = crate::support::app().await;
    let (_driver, client) = start_browser().await;
    let outcome = catalogue_journey(&client, &app).await;
    if let Err(e) = &outcome {
        let shot = screenshot_dir().join("console-steward-failure.png");
        save_screenshot(&client, &shot).await;
        let _ = client.clone().close().await;
        panic!("{e}\n(screenshot: {})", shot.display());
    }
    let _ = client.close().await;
}

async fn value_of(c: &Client, css: &str) -> Result<String, String> {
    c.find(Locator::Css(css))
        .await
        .map_err(fail(css))?
        .prop("value")
        .await
        .map_err(fail(css))
        .map(Option::unwrap_or_default)
}

async fn focused_id(c: &Client) -> Result<String, String> {
    Ok(c.active_element()
        .await
        .map_err(fail("focused element"))?
        .attr("id")
        .await
        .map_err(fail("its id"))?
        .unwrap_or_default())
}

async fn catalogue_journey(c: &Client, app: &crate::support::App) -> Step {
    let base = app.base.as_str();
    let password = shuqiao_service::testkit::PASSWORD;
    let shots = screenshot_dir();
    let down = "\u{e015}";
    sign_in_as(c, base, "steward.a", password).await?;

    c.goto(&format!("{base}/console/resources"))
        .await
        .map_err(fail("open our resources"))?;
    check_accessibility(c, "our resources (empty)").await?;
    press(c, "a[href='/console/resources/new'].button", ENTER).await?;
    wait_for_path(c, "/console/resources/new").await?;
    check_accessibility(c, "new resource form").await?;
    save_screenshot(c, &shots.join("console-steward-new.png")).await;

    // About the resource.
    press(c, "#category", down).await?;
    press(c, "#class_code", "02").await?;
    press(c, "#subclass_code", "003").await?;
    press(c, "#name", "不动产登记信息").await?;
    press(c, "#name_en", "Real estate registrations").await?;
    press(c, "#summary", "全省不动产登记簿的基本信息").await?;
    press(c, "#format", down).await?;
    // The first item: key, required, graded 重要.
    press(c, "#item-0-name", "不动产单元号").await?;
    press(c, "#item-0-code", "BDCDYH").await?;
    press(c, "#item-0-length", "28").await?;
    press(c, "#item-0-required", " ").await?;
    press(c, "#item-0-key", " ").await?;
    press(c, "#item-0-grade", down).await?;

    // Add a row: the form comes back with the new row focused and everything kept; htmx
    // swaps it in place (without script the same button re-renders the page).
    c.execute("window.stillTheSamePage = true;", vec![])
        .await
        .map_err(fail("mark the page"))?;
    press(c, "#items", ENTER).await?;
    wait_for(c, "the second row", |c| async move {
        Ok(count(&c, "#item-1-name").await? == 1)
    })
    .await?;
    wait_for(c, "the focus on the new row's name", |c| async move {
        Ok(focused_id(&c).await.unwrap_or_default() == "item-1-name")
    })
    .await?;
    if value_of(c, "#item-0-code").await? != "BDCDYH"
        || value_of(c, "#name").await? != "不动产登记信息"
    {
        return Err("the form should keep what was typed".into());
    }
    let same = c
        .execute("return window.stillTheSamePage === true;", vec![])
        .await
        .map_err(fail("read the mark"))?;
    if same != Value::Bool(true) {
        return Err("htmx should have swapped the form in place".into());
    }
    check_accessibility(c, "form with two rows").await?;
    // 权利人: a string whose code and length are left out for now.
    let name = c.active_element().await.map_err(fail("focused element"))?;
    name.send_keys("权利人")
        .await
        .map_err(fail("type a name"))?;
    press(c, "#item-1-grade", &format!("{down}{down}")).await?;

    // A third row, 登记日期 (日期型), then moved up above 权利人.
    press(c, "#items", ENTER).await?;
    wait_for(c, "the third row", |c| async move {
        Ok(count(&c, "#item-2-name").await? == 1)
    })
    .await?;
    press(c, "#item-2-name", "登记日期").await?;
    press(c, "#item-2-code", "DJRQ").await?;
    press(c, "#item-2-type", &format!("{down}{down}{down}")).await?;
    press(c, "#item-2-up", ENTER).await?;
    wait_for(c, "登记日期 moved up", |c| async move {
        // The page is being replaced: an element gone stale is not there yet.
        Ok(value_of(&c, "#item-1-code").await.unwrap_or_default() == "DJRQ")
    })
    .await?;
    if value_of(c, "#item-2-name").await? != "权利人" {
        return Err("权利人 should now be the third row".into());
    }
    if value_of(c, "#item-1-type").await? != "date" || value_of(c, "#item-2-grade").await? != "core"
    {
        return Err("a moved row keeps its type and grade".into());
    }
    save_screenshot(c, &shots.join("console-steward-items.png")).await;

    // Sharing and updates.
    press(c, "#share_type", " ").await?;
    press(c, "#share_modes", " ").await?;
    press(c, "#open_type", " ").await?;
    press(c, "#update_cycle", &format!("{down}{down}")).await?;

    // Submit: the missing code and length of 权利人 are shown, at the summary and the row.
    press(c, "#submit", ENTER).await?;
    wait_for(c, "the error summary", |c| async move {
        Ok(count(&c, ".error-summary").await? == 1)
    })
    .await?;
    for id in ["item-2-code", "item-2-length"] {
        if count(c, &format!(".error-summary a[href='#{id}']")).await? != 1
            || count(c, &format!("#{id}-error")).await? != 1
        {
            return Err(format!(
                "the problem of {id} should be shown at the summary and the row"
            ));
        }
    }
    check_accessibility(c, "form with problems").await?;
    save_screenshot(c, &shots.join("console-steward-errors.png")).await;

    // Follow the summary's link to the field, fix both, submit.
    press(c, ".error-summary a[href='#item-2-code']", ENTER).await?;
    press(c, "#item-2-code", "QLR").await?;
    press(c, "#item-2-length", "100").await?;
    press(c, "#submit", ENTER).await?;
    wait_for(c, "the banner after submitting", |c| async move {
        Ok(count(&c, ".banner").await? == 1)
    })
    .await?;
    let banner = text_of(c, ".banner").await?;
    if !banner.contains("已提交审核") {
        return Err(format!("banner: {banner}"));
    }
    let code = text_of(c, "td.code").await?;
    let main = text_of(c, "main").await?;
    if !main.contains("审核中") || !main.contains("不动产登记信息") {
        return Err(format!("the list should show it under review:\n{main}"));
    }
    check_accessibility(c, "our resources after submitting").await?;
    save_screenshot(c, &shots.join("console-steward-submitted.png")).await;
    c.goto(&format!("{base}/console/resources/{code}/edit"))
        .await
        .map_err(fail("open the form under review"))?;
    check_accessibility(c, "resource under review").await?;

    // The operator publishes it from the review queue.
    sign_in_as(c, base, "admin", password).await?;
    c.goto(&format!("{base}/console/review"))
        .await
        .map_err(fail("open the review queue"))?;
    press(c, &format!("a[href='/console/review/{code}']"), ENTER).await?;
    wait_for_path(c, &format!("/console/review/{code}")).await?;
    press(c, "button[value='publish']", ENTER).await?;
    wait_for(c, "the published notice", |c| async move {
        Ok(count(&c, ".banner").await? == 1)
    })
    .await?;
    c.goto(&format!("{base}/console/resources"))
        .await
        .map_err(fail("open every department's resources"))?;
    check_accessibility(c, "every department's resources").await?;
    save_screenshot(c, &shots.join("console-steward-operator-list.png")).await;

    // Anyone finds it in the public catalog.
    let found: Value = reqwest::get(format!(
        "{base}/api/v1/catalog/resources?q={}",
        url::form_urlencoded::byte_serialize("不动产".as_bytes()).collect::<String>()
    ))
    .await
    .map_err(|e| format!("public search: {e}"))?
    .json()
    .await
    .map_err(|e| format!("public search's answer: {e}"))?;
    let codes: Vec<&str> = found["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["code"].as_str()).collect())
        .unwrap_or_default();
    if !codes.contains(&code.as_str()) {
        return Err(format!("the public search should find {code}: {found}"));
    }

    // A second version (its summary changed), compared side by side.
    let steward = app.login("steward.a").await;
    let (_, d) = app
        .get(&format!("/api/v1/catalog/resources/{code}"), Some(&steward))
        .await;
    let mut meta = d["current"]["meta"].clone();
    meta["summary"] = json!("全省不动产登记簿的基本信息（含抵押）");
    app.put(
        &format!("/api/v1/catalog/resources/{code}"),
        Some(&steward),
        meta,
    )
    .await;
    app.post(
        &format!("/api/v1/catalog/resources/{code}/submit"),
        Some(&steward),
        json!({}),
    )
    .await;
    let admin = app.login("admin").await;
    app.post(
        &format!("/api/v1/catalog/resources/{code}/publish"),
        Some(&admin),
        json!({}),
    )
    .await;
    c.goto(&format!("{base}/console/resources/{code}/versions?a=1&b=2"))
        .await
        .map_err(fail("open the versions"))?;
    if count(c, "tr.diff-changed ins").await? != 1 {
        return Err("the changed summary should be marked".into());
    }
    check_accessibility(c, "versions compared").await?;
    save_screenshot(c, &shots.join("console-steward-versions.png")).await;

    sign_in_as(c, base, "steward.a", password).await?;
    c.goto(&format!("{base}/console/resources/{code}/edit"))
        .await
        .map_err(fail("open the published resource's form"))?;
    check_accessibility(c, "published resource's form").await
}

/// The operator registers a system, issues it a token, copies it with the page's own button
/// and revokes it after the confirm step; the API takes the token, then refuses it. axe-core
/// checks every administration page on the way.
#[tokio::test]
async fn the_operator_registers_a_system_issues_copies_and_revokes_a_token_in_chromium() {
    if browser_missing() {
        return;
    }
    let app = crate::support::app().await;
    let (_driver, client) = start_browser().await;
    let outcome = operator_journey(&client, &app).await;
    if let Err(e) = &outcome {
        let shot = screenshot_dir().join("failure-admin.png");
        save_screenshot(&client, &shot).await;
        let _ = client.clone().close().await;
        panic!("{e}\n(screenshot: {})", shot.display());
    }
    let _ = client.close().await;
}

async fn visit(c: &Client, base: &str, path: &str, what: &str, shot: Option<&str>) -> Step {
    c.goto(&format!("{base}{path}"))
        .await
        .map_err(|e| format!("open {what}: {e}"))?;
    check_accessibility(c, what).await?;
    if let Some(name) = shot {
        save_screenshot(c, &screenshot_dir().join(name)).await;
    }
    Ok(())
}

async fn operator_journey(c: &Client, app: &crate::support::App) -> Step {
    let base = app.base.as_str();
    sign_in_as(c, base, "admin", shuqiao_service::testkit::PASSWORD).await?;
    c.find(Locator::LinkText("系统与令牌"))
        .await
        .map_err(fail("the 系统与令牌 entry"))?
        .click()
        .await
        .map_err(fail("open 系统与令牌"))?;
    wait_for_path(c, "/console/admin/systems").await?;
    check_accessibility(c, "systems").await?;
    save_screenshot(c, &screenshot_dir().join("console-admin-systems.png")).await;

    // Register with nothing filled in: every problem at once; then fill it in by keyboard.
    press(c, "a[href='/console/admin/systems/new']", ENTER).await?;
    wait_for_path(c, "/console/admin/systems/new").await?;
    press(c, "form.form button[type='submit']", ENTER).await?;
    wait_for(c, "the error summary", |c| async move {
        Ok(count(&c, ".error-summary").await? == 1)
    })
    .await?;
    for id in ["code-error", "name-error", "org-error"] {
        if count(c, &format!("#{id}")).await? != 1 {
            return Err(format!("#{id} should say what is wrong"));
        }
    }
    check_accessibility(c, "register form with problems").await?;
    save_screenshot(c, &screenshot_dir().join("console-admin-system-new.png")).await;
    press(c, "#code", "hr-card").await?;
    press(c, "#name", "社保卡业务系统").await?;
    c.find(Locator::Css("#org option[value='d-a']"))
        .await
        .map_err(fail("the d-a option"))?
        .click()
        .await
        .map_err(fail("choose d-a"))?;
    press(c, "#description", "社保卡申领与补换").await?;
    press(c, "form.form button[type='submit']", ENTER).await?;
    wait_for_path(c, "/console/admin/systems/hr-card").await?;
    if !text_of(c, ".banner").await?.contains("hr-card") {
        return Err("the banner should name the registered system".into());
    }
    check_accessibility(c, "system page").await?;
    save_screenshot(c, &screenshot_dir().join("console-admin-system.png")).await;

    // Issue: the token is shown once, with a copy button that says what it does.
    press(c, "#name", &format!("生产环境{ENTER}")).await?;
    wait_for(c, "the issued token", |c| async move {
        Ok(text_of(&c, "h1").await.unwrap_or_default() == "令牌已签发")
    })
    .await?;
    let button = c
        .find(Locator::Id("copy-token"))
        .await
        .map_err(fail("the copy button"))?;
    let label = button.text().await.map_err(fail("its label"))?;
    if label != "复制令牌" {
        return Err(format!("the copy button's label: {label:?}"));
    }
    if !button.is_displayed().await.map_err(fail("shown"))? {
        return Err("the script should show the copy button".into());
    }
    if !text_of(c, "main").await?.contains("离开本页后将不再显示") {
        return Err("the page must say the token will not be shown again".into());
    }
    check_accessibility(c, "issued token").await?;
    save_screenshot(c, &screenshot_dir().join("console-admin-token-issued.png")).await;
    let token = c
        .find(Locator::Id("issued-token"))
        .await
        .map_err(fail("the token field"))?
        .prop("value")
        .await
        .map_err(fail("the token"))?
        .unwrap_or_default();
    if !token.starts_with("sq_") {
        return Err(format!("a system token: {token:?}"));
    }
    button.click().await.map_err(fail("press copy"))?;
    wait_for(c, "the copy's status", |c| async move {
        Ok(!text_of(&c, "#copy-status").await?.is_empty())
    })
    .await?;
    let (s, me) = app.get("/api/v1/me", Some(&token)).await;
    if s != reqwest::StatusCode::OK {
        return Err(format!("the new token should work: {s} {me}"));
    }

    // Back on the system's page the token is gone; revoke it after the confirm step.
    c.find(Locator::LinkText("返回系统页面"))
        .await
        .map_err(fail("back to the system"))?
        .click()
        .await
        .map_err(fail("go back"))?;
    wait_for_path(c, "/console/admin/systems/hr-card").await?;
    let source = c.source().await.map_err(fail("the page source"))?;
    if source.contains(&token) {
        return Err("the token must not be shown again".into());
    }
    press(c, "a[href$='/revoke']", ENTER).await?;
    wait_for(c, "the confirm step", |c| async move {
        Ok(text_of(&c, "h1").await.unwrap_or_default() == "确认吊销令牌")
    })
    .await?;
    check_accessibility(c, "revoke confirm step").await?;
    save_screenshot(c, &screenshot_dir().join("console-admin-token-revoke.png")).await;
    press(c, "form.check-actions button[type='submit']", ENTER).await?;
    wait_for(c, "the revoked notice", |c| async move {
        Ok(count(&c, ".banner").await? == 1)
    })
    .await?;
    if !text_of(c, ".banner").await?.contains("已吊销令牌") {
        return Err("the banner should say the token was revoked".into());
    }
    let (s, _) = app.get("/api/v1/me", Some(&token)).await;
    if s != reqwest::StatusCode::UNAUTHORIZED {
        return Err(format!("a revoked token must be refused, got {s}"));
    }

    visit(
        c,
        base,
        "/console/admin/accounts",
        "accounts",
        Some("console-admin-accounts.png"),
    )
    .await?;
    visit(
        c,
        base,
        "/console/admin/accounts/new",
        "new account form",
        Some("console-admin-account-new.png"),
    )
    .await?;
    press(c, "form.form button[type='submit']", ENTER).await?;
    wait_for(c, "the account form's problems", |c| async move {
        Ok(count(&c, ".error-summary").await? == 1)
    })
    .await?;
    check_accessibility(c, "new account form with problems").await?;
    visit(
        c,
        base,
        "/console/admin/accounts/steward.a",
        "an account",
        Some("console-admin-account.png"),
    )
    .await?;
    visit(
        c,
        base,
        "/console/admin/stats",
        "platform figures",
        Some("console-admin-stats.png"),
    )
    .await?;
    visit(
        c,
        base,
        "/console/admin/conversions",
        "conversions",
        Some("console-admin-conversions.png"),
    )
    .await
}

/// Three reviewers put a resource on the negative list from their queue, and the consumer's
/// grant for it is shown ended.
#[tokio::test]
async fn three_reviewers_put_a_resource_on_the_negative_list_and_its_grants_end_in_chromium() {
    if browser_missing() {
        return;
    }
    let app = crate::support::app().await;
    let (open, _) = shuqiao_service::testkit::share_fixture(&app.store().await).await;
    let c1 = app.login("user.c1").await;
    let (s, g) = app
        .post(
            "/api/v1/share/subscriptions",
            Some(&c1),
            crate::support::access("c1", &open),
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::CREATED, "{g}");
    let (s, p) = app
        .post(
            "/api/v1/share/negative-proposals",
            Some(&app.login("steward.a").await),
            json!({"resource": open, "action": "add", "legal_basis": "《保守国家秘密法》第九条", "reason": "涉及国家秘密事项"}),
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::CREATED, "{p}");
    let id = p["id"].as_i64().expect("a proposal");
    let (_driver, client) = start_browser().await;
    let outcome = reviewers_journey(&client, &app.base, id).await;
    if let Err(e) = &outcome {
        let shot = screenshot_dir().join("failure-reviews.png");
        save_screenshot(&client, &shot).await;
        let _ = client.clone().close().await;
        panic!("{e}\n(screenshot: {})", shot.display());
    }
    let _ = client.close().await;
    let (_, grants) = app.get("/api/v1/share/grants", Some(&c1)).await;
    assert_eq!(grants["items"][0]["state"], json!("revoked"), "{grants}");
}

async fn reviewers_journey(c: &Client, base: &str, id: i64) -> Step {
    let password = shuqiao_service::testkit::PASSWORD;
    for (i, who) in ["legal", "secrecy", "admin"].into_iter().enumerate() {
        sign_in_as(c, base, who, password).await?;
        c.find(Locator::LinkText("负面清单审核"))
            .await
            .map_err(fail("the 负面清单审核 entry"))?
            .click()
            .await
            .map_err(fail("open the queue"))?;
        wait_for_path(c, "/console/reviews").await?;
        let main = text_of(c, "main").await?;
        for text in [
            "《保守国家秘密法》第九条",
            "涉及国家秘密事项",
            "公民身份号码",
        ] {
            if !main.contains(text) {
                return Err(format!("{who}'s queue should show {text}:\n{main}"));
            }
        }
        if i == 0 {
            check_accessibility(c, "reviewers' queue").await?;
            save_screenshot(c, &screenshot_dir().join("console-admin-reviews.png")).await;
        }
        press(
            c,
            &format!("a.button[href='/console/negative-proposals/{id}']"),
            ENTER,
        )
        .await?;
        wait_for_path(c, &format!("/console/negative-proposals/{id}")).await?;
        press(c, "#decision-approve", " ").await?;
        press(c, "#opinion", "同意列入").await?;
        press(c, "form[action$='/review'] button[type='submit']", ENTER).await?;
        wait_for(c, "the review's notice", |c| async move {
            Ok(count(&c, ".banner").await? == 1)
        })
        .await?;
        c.goto(&format!("{base}/console/reviews"))
            .await
            .map_err(fail("back to the queue"))?;
        if !text_of(c, "main")
            .await?
            .contains("目前没有等待您审核的提议")
        {
            return Err(format!("{who}'s queue should be empty once reviewed"));
        }
    }
    sign_in_as(c, base, "user.c1", password).await?;
    c.goto(&format!("{base}/console/grants"))
        .await
        .map_err(fail("open the grants"))?;
    let main = text_of(c, "main").await?;
    if !main.contains("已撤销") {
        return Err(format!(
            "the consumer's grant should be shown ended:\n{main}"
        ));
    }
    check_accessibility(c, "grants after the negative list").await?;
    save_screenshot(c, &screenshot_dir().join("console-admin-grant-ended.png")).await;
    Ok(())
}

/// The open-data portal in chromium: search 企业 from the home page, open 企业登记信息, see its
/// preview, filter a column (htmx swaps only the table and keeps the address in step), fetch
/// the CSV its link names, and switch to English. axe-core checks the home, search and dataset
/// pages on the way.
#[tokio::test]
async fn portal_search_preview_filter_and_download_in_chromium() {
    if browser_missing() {
        return;
    }
    let (app, slug) = crate::portal::portal_app().await;
    let (_driver, client) = start_browser().await;
    let outcome = portal_journey(&client, &app.base, &slug).await;
    if let Err(e) = &outcome {
        let shot = screenshot_dir().join("failure-portal.png");
        save_screenshot(&client, &shot).await;
        let _ = client.clone().close().await;
        panic!("{e}\n(screenshot: {})", shot.display());
    }
    let _ = client.close().await;
}

async fn portal_journey(c: &Client, base: &str, slug: &str) -> Step {
    c.goto(&format!("{base}/"))
        .await
        .map_err(fail("open the portal"))?;
    expect_lang(c, "zh-CN").await?;
    check_accessibility(c, "portal home").await?;
    save_screenshot(c, &screenshot_dir().join("portal-home.png")).await;
    c.find(Locator::Css("#home-q"))
        .await
        .map_err(fail("the home search box"))?
        .send_keys(&format!("企业{ENTER}"))
        .await
        .map_err(fail("search 企业"))?;
    wait_for_path(c, "/datasets").await?;
    check_accessibility(c, "portal search").await?;
    c.find(Locator::Css(&format!("a[href='/datasets/{slug}']")))
        .await
        .map_err(fail("企业登记信息 among the results"))?
        .click()
        .await
        .map_err(fail("open 企业登记信息"))?;
    wait_for_path(c, &format!("/datasets/{slug}")).await?;
    check_accessibility(c, "dataset page").await?;
    save_screenshot(c, &screenshot_dir().join("portal-dataset.png")).await;
    let rows = count(c, "#preview-table tbody tr").await?;
    if rows != 20 {
        return Err(format!("the preview shows 20 rows, showed {rows}"));
    }

    // Filter 企业类型 (the third column) by the first row's value.
    let kind = c
        .execute(
            "return document.querySelector('#preview-table tbody tr td:nth-child(3)').textContent;",
            vec![],
        )
        .await
        .map_err(fail("read the first row"))?
        .as_str()
        .unwrap_or("")
        .to_string();
    c.execute("window.stillTheSamePage = true;", vec![])
        .await
        .map_err(fail("mark the page"))?;
    c.find(Locator::Css("#filter-QYLX"))
        .await
        .map_err(fail("the 企业类型 filter"))?
        .send_keys(&format!("{kind}{ENTER}"))
        .await
        .map_err(fail("filter by 企业类型"))?;
    let check = format!(
        "const cells = [...document.querySelectorAll('#preview-table tbody tr td:nth-child(3)')];
         return location.search.includes('f.QYLX=') && cells.length > 0
           && cells.every(td => td.textContent === {kind:?});"
    );
    wait_for(c, "the filtered table", |c| {
        let check = check.clone();
        async move {
            Ok(c.execute(&check, vec![])
                .await
                .map_err(fail("read the table"))?
                == Value::Bool(true))
        }
    })
    .await?;
    let same = c
        .execute("return window.stillTheSamePage === true;", vec![])
        .await
        .map_err(fail("read the mark"))?;
    if same != Value::Bool(true) {
        return Err("htmx should have swapped the table in place, not loaded a page".into());
    }

    // The CSV link's file, fetched as the page would.
    let href = c
        .find(Locator::Css("a[href$='/data.csv']"))
        .await
        .map_err(fail("the CSV link"))?
        .attr("href")
        .await
        .map_err(fail("its href"))?
        .unwrap_or_default();
    if href != format!("/datasets/{slug}/data.csv") {
        return Err(format!("the CSV link points at {href}"));
    }
    let got = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.text().then(t =>
               done([r.status, r.headers.get('content-type'), t.split('\\r\\n').length])))
               .catch(e => done([0, String(e), 0]));",
            vec![Value::from(href.clone())],
        )
        .await
        .map_err(fail("fetch the CSV"))?;
    if got[0] != 200 || got[1] != "text/csv; charset=utf-8" || got[2].as_u64() < Some(60) {
        return Err(format!("the CSV download answered {got}"));
    }
    let direct = reqwest::get(format!("{base}{href}"))
        .await
        .map_err(|e| e.to_string())?
        .bytes()
        .await
        .map_err(|e| e.to_string())?;
    if !direct.starts_with("\u{feff}".as_bytes()) {
        return Err("the CSV starts with a UTF-8 BOM".into());
    }

    // English, for the whole site.
    c.find(Locator::Css("a.lang-switch"))
        .await
        .map_err(fail("the language switch"))?
        .click()
        .await
        .map_err(fail("switch language"))?;
    wait_for_lang(c, "en").await?;
    let heading = text_of(c, "h1").await?;
    if heading != "Enterprise registration information" {
        return Err(format!("English heading: {heading}"));
    }
    check_accessibility(c, "dataset page in English").await?;
    c.goto(&format!("{base}/datasets"))
        .await
        .map_err(fail("the search in English"))?;
    expect_lang(c, "en").await
}

/// The public's side in chromium: a member registers, applies for a 有条件开放 dataset; the
/// provider's steward approves in the console; the member signs in on the portal, takes the
/// key, and the key downloads the dataset's CSV. Then a data request: filed on /requests,
/// answered by the routed department's steward, the answer shown to everyone. axe-core checks
/// the registration, application, applications and requests pages.
#[tokio::test]
async fn a_member_applies_takes_a_key_and_a_request_is_answered_in_chromium() {
    if browser_missing() {
        return;
    }
    let (app, _) = crate::portal::portal_app().await;
    let (_driver, client) = start_browser().await;
    let outcome = member_journey(&client, &app).await;
    if let Err(e) = &outcome {
        let shot = screenshot_dir().join("failure-member.png");
        save_screenshot(&client, &shot).await;
        let _ = client.clone().close().await;
        panic!("{e}\n(screenshot: {})", shot.display());
    }
    let _ = client.close().await;
}

async fn type_into(c: &Client, css: &str, text: &str) -> Step {
    c.find(Locator::Css(css))
        .await
        .map_err(fail(css))?
        .send_keys(text)
        .await
        .map_err(fail(css))
}

async fn click(c: &Client, css: &str) -> Step {
    c.find(Locator::Css(css))
        .await
        .map_err(fail(css))?
        .click()
        .await
        .map_err(fail(css))
}

/// Waits for the address's query to hold `part`.
async fn wait_for_query(c: &Client, part: &str) -> Step {
    wait_for(c, part, |c| async move {
        let url = c.current_url().await.map_err(fail("current URL"))?;
        Ok(url.query().unwrap_or("").contains(part))
    })
    .await
}

async fn member_journey(c: &Client, app: &crate::support::App) -> Step {
    use crate::portal_members::{conditional, steward_of, MEMBER_PASSWORD};
    let base = app.base.as_str();
    let store = app.store().await;
    let d = conditional(app).await.remove(0);
    let steward = steward_of(&d.provider);

    // Register, every field by keyboard.
    c.goto(&format!("{base}/account/register"))
        .await
        .map_err(fail("open the registration form"))?;
    expect_lang(c, "zh-CN").await?;
    check_accessibility(c, "registration form").await?;
    type_into(c, "#username", "zheng.public").await?;
    type_into(c, "#display_name", "郑十").await?;
    type_into(c, "#contact", "zheng@example.cn").await?;
    type_into(c, "#password", &format!("{MEMBER_PASSWORD}{ENTER}")).await?;
    wait_for_path(c, "/account/applications").await?;
    let who = text_of(c, ".account-bar .who").await?;
    if !who.contains("郑十") {
        return Err(format!("the header names who is signed in: {who}"));
    }

    // Apply: the purpose and the agreement.
    let apply = format!("/datasets/{}/apply", d.slug);
    c.goto(&format!("{base}{apply}"))
        .await
        .map_err(fail("open the application form"))?;
    check_accessibility(c, "application form").await?;
    type_into(c, "#purpose", "用于城市规划研究的统计分析").await?;
    click(c, "#accept_agreement").await?;
    click(c, "form.form button[type=submit]").await?;
    wait_for_query(c, "done=applied").await?;
    check_accessibility(c, "my applications").await?;
    let id = store
        .open_applications(shuqiao_demo::steward_of(&d.provider))
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|a| a.applicant == "zheng.public")
        .ok_or("the application reached the provider")?
        .id;

    // The provider's steward approves with the form's quota and term.
    sign_in_as(c, base, &steward, shuqiao_demo::STEWARD_PASSWORD).await?;
    c.goto(&format!("{base}/console/open/applications"))
        .await
        .map_err(fail("the provider's applications"))?;
    click(c, &format!("#app-{id} button[type=submit]")).await?;
    wait_for_query(c, "done=1").await?;

    // The member signs in on the portal and takes the key.
    c.delete_all_cookies()
        .await
        .map_err(fail("forget the steward"))?;
    c.goto(&format!("{base}/account/signin"))
        .await
        .map_err(fail("open the portal's sign-in"))?;
    type_into(c, "#username", "zheng.public").await?;
    type_into(c, "#password", &format!("{MEMBER_PASSWORD}{ENTER}")).await?;
    wait_for_path(c, "/").await?;
    c.goto(&format!("{base}/account/applications"))
        .await
        .map_err(fail("my applications"))?;
    click(
        c,
        &format!("form[action='/account/applications/{id}/key'] button"),
    )
    .await?;
    wait_for(c, "the key", |c| async move {
        Ok(count(&c, "#open-key").await? == 1)
    })
    .await?;
    let key = c
        .find(Locator::Css("#open-key"))
        .await
        .map_err(fail("the key"))?
        .prop("value")
        .await
        .map_err(fail("the key's value"))?
        .unwrap_or_default();
    if !key.starts_with("sqo_") {
        return Err(format!("the key page shows {key:?}"));
    }
    save_screenshot(c, &screenshot_dir().join("portal-key.png")).await;

    // Outside the browser, the key downloads the dataset's CSV.
    let csv = reqwest::Client::new()
        .get(format!("{base}/datasets/{}/data.csv", d.slug))
        .header("authorization", &key)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if csv.status() != reqwest::StatusCode::OK {
        return Err(format!("the CSV with the key answered {}", csv.status()));
    }
    let text = csv.text().await.map_err(|e| e.to_string())?;
    if !text.starts_with('\u{feff}') || !text.contains(&d.items[0].name) {
        return Err("the CSV has the dataset's header".into());
    }

    // A data request, sent to the provider.
    c.goto(&format!("{base}/requests"))
        .await
        .map_err(fail("the data requests"))?;
    check_accessibility(c, "data requests").await?;
    type_into(c, "#title", "公交线路站点数据").await?;
    type_into(c, "#description", "希望开放公交线路和站点位置").await?;
    c.execute(
        "document.getElementById('org').value = arguments[0];",
        vec![Value::from(d.provider.clone())],
    )
    .await
    .map_err(fail("choose the department"))?;
    click(c, "form[action='/requests'] button[type=submit]").await?;
    wait_for_query(c, "done=1").await?;
    let request = store
        .open_requests(1, 0)
        .await
        .map_err(|e| e.to_string())?
        .0
        .remove(0);
    if request.org.as_deref() != Some(d.provider.as_str()) {
        return Err(format!("the request went to {:?}", request.org));
    }

    // The department's steward answers in the console; everyone sees the answer.
    sign_in_as(c, base, &steward, shuqiao_demo::STEWARD_PASSWORD).await?;
    c.goto(&format!("{base}/console/open/requests"))
        .await
        .map_err(fail("the provider's requests"))?;
    type_into(
        c,
        &format!("#req-{}-answer", request.id),
        "计划于下季度开放",
    )
    .await?;
    click(c, &format!("#req-{} button[type=submit]", request.id)).await?;
    wait_for_query(c, "done=1").await?;
    c.delete_all_cookies()
        .await
        .map_err(fail("forget the steward"))?;
    c.goto(&format!("{base}/requests"))
        .await
        .map_err(fail("the data requests again"))?;
    let answer = text_of(c, &format!("#request-{}", request.id)).await?;
    if !answer.contains("计划于下季度开放") || answer.contains("郑十") {
        return Err(format!("the answered request shows: {answer}"));
    }
    Ok(())
}
