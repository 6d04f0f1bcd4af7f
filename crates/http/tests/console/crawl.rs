//! Every console page each person can reach by following links from their home page: each
//! answers 200, and a person, department, system or resource named like a script shows as
//! text on every one of them. New pages are covered as soon as a link leads to them.
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use reqwest::StatusCode;
use serde_json::json;
use shuqiao_service::testkit;

use crate::audit_pages::{register_citizen, CITIZEN_PASSWORD, ZHANG};
use crate::client::Browser;
use crate::support::App;

pub(crate) const SCRIPT: &str = "<script>alert(1)</script>";
pub(crate) const IMG: &str = "\"><img src=x onerror=alert(1)>";

/// Pages that are not pages: signing out, switching language, files, assets.
fn skipped(path: &str) -> bool {
    ["/console/logout", "/console/lang/", "/console/assets/"]
        .iter()
        .any(|p| path.starts_with(p))
        || path.contains(".csv")
        || path.contains("/export")
        || path.contains("/download")
        || path.starts_with("/console/assess/report")
}

/// Every `/console/` link of a page, with `&amp;` read as `&`.
pub(crate) fn console_links(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in body.match_indices("href=\"/console/") {
        let start = at + "href=\"".len();
        let len = body[start..].find('"').unwrap_or(0);
        let link = body[start..start + len].replace("&amp;", "&");
        let link = link.split('#').next().unwrap_or("").to_string();
        if !link.is_empty() && !skipped(&link) {
            out.push(link);
        }
    }
    out
}

/// A link's shape: digits and codes in the path made alike, the query's names only; a shape is
/// visited a few times, not once per record.
pub(crate) fn shape(link: &str) -> String {
    let (path, query) = link.split_once('?').unwrap_or((link, ""));
    let path: String = path
        .split('/')
        .map(|seg| {
            if seg.chars().any(|c| c.is_ascii_digit()) {
                "N"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let mut names: Vec<&str> = query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty())
        .collect();
    names.sort_unstable();
    names.dedup();
    format!("{path}?{}", names.join("&"))
}

/// Breadth-first from `/console/`: at most `per_shape` links of each shape and `limit` pages.
/// Returns each page visited with its status and body.
pub(crate) async fn crawl(
    b: &mut Browser,
    per_shape: usize,
    limit: usize,
) -> Vec<(String, StatusCode, String)> {
    let mut queue = VecDeque::from(["/console/".to_string()]);
    let mut seen = BTreeSet::from(["/console/".to_string()]);
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    while let Some(link) = queue.pop_front() {
        if out.len() == limit {
            break;
        }
        let page = b.get(&link).await;
        for next in console_links(&page.body) {
            let n = shapes.entry(shape(&next)).or_default();
            if *n < per_shape && seen.insert(next.clone()) {
                *n += 1;
                queue.push_back(next);
            }
        }
        out.push((link, page.status, page.body));
    }
    out
}

/// The fixture's platform with applications, grants, a citizen, and names like scripts on a
/// person, a department, a system and a published resource.
pub(crate) async fn hostile_platform() -> App {
    let app = crate::support::app().await;
    let (_, conditional) = testkit::share_fixture(&app.store().await).await;
    // A usage alert, so its page shows a card, the review form and the settings.
    crate::alert_pages::alert_on(&app.store().await, &conditional).await;
    register_citizen(&app, "zhang.san", ZHANG).await;
    let admin = app.login("admin").await;
    let steward = app.login("steward.a").await;
    let created = [
        (
            "/api/v1/accounts",
            &admin,
            json!({"username": "mallory", "display_name": SCRIPT, "org": "d-a",
                   "roles": [{"role": "data_steward", "org": "d-a"}], "password": "Good-pass-2026"}),
        ),
        (
            "/api/v1/orgs",
            &admin,
            json!({"code": "d-x", "name": SCRIPT, "name_en": IMG, "kind": "department",
                   "parent": "gov", "region": "460000"}),
        ),
        (
            "/api/v1/systems",
            &admin,
            json!({"code": "d-a-x", "name": IMG, "name_en": SCRIPT, "org": "d-a",
                   "description": SCRIPT}),
        ),
    ];
    for (path, who, body) in created {
        let (s, v) = app.post(path, Some(who), body).await;
        assert_eq!(s, StatusCode::CREATED, "{path}: {v}");
    }
    let mut meta = serde_json::to_value(testkit::sample_meta()).unwrap();
    meta["name"] = json!(IMG);
    meta["summary"] = json!(SCRIPT);
    let (s, v) = app
        .post("/api/v1/catalog/resources", Some(&steward), meta)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let code = v["code"].as_str().unwrap().to_string();
    for (action, who) in [("submit", &steward), ("publish", &admin)] {
        let (s, v) = app
            .post(
                &format!("/api/v1/catalog/resources/{code}/{action}"),
                Some(who),
                json!({}),
            )
            .await;
        assert!(s.is_success(), "{action}: {v}");
    }
    app
}

/// The people who use the console, one of each kind.
pub(crate) fn people() -> Vec<(&'static str, &'static str)> {
    vec![
        ("admin", testkit::PASSWORD),
        ("steward.a", testkit::PASSWORD),
        ("user.c1", testkit::PASSWORD),
        ("auditor", testkit::PASSWORD),
        ("legal", testkit::PASSWORD),
        ("mallory", "Good-pass-2026"),
        ("zhang.san", CITIZEN_PASSWORD),
    ]
}

#[tokio::test]
async fn every_page_a_person_reaches_answers_and_shows_names_like_scripts_as_text() {
    let app = hostile_platform().await;
    let mut problems = Vec::new();
    let mut visited = 0;
    let mut seen = std::collections::BTreeSet::new();
    for (user, password) in people() {
        let mut b = Browser::signed_in(&app.base, user, password).await;
        for (link, status, body) in crawl(&mut b, 3, 150).await {
            visited += 1;
            seen.insert(shape(&link));
            if status != StatusCode::OK {
                problems.push(format!("{user} {link}: {status}"));
            }
            for raw in [SCRIPT, "<img src=x"] {
                if body.contains(raw) {
                    problems.push(format!("{user} {link}: {raw} in the page as markup"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(visited > 40, "only {visited} pages were reached");
    for page in [
        "/console/systems?",
        "/console/systems/zombies?",
        "/console/systems/N?",
    ] {
        assert!(seen.contains(page), "{page} was not reached: {seen:?}");
    }
}

#[test]
fn shapes_make_records_alike_and_keep_query_names() {
    assert_eq!(
        shape("/console/applications/12?tab=a&x=1&tab=b"),
        "/console/applications/N?tab&x"
    );
    assert_eq!(shape("/console/catalog/d-a-000001"), "/console/catalog/N?");
    assert_eq!(
        console_links(
            "<a href=\"/console/audit?org=a&amp;p=2#top\">x</a><a href=\"/console/logout\">"
        ),
        vec!["/console/audit?org=a&p=2"]
    );
}
