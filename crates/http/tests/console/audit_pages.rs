//! The audit pages over HTTP: who may see the auditor's search, an entry, the checkpoint and a
//! subject's own accesses; the filters, the search by ID number (kept out of every address),
//! the CSV export and the proofs.
use reqwest::StatusCode;
use serde_json::json;
use shuqiao_core::audit::entry::{Entry, SubjectKind};
use shuqiao_core::audit::note::{NoteSigner, SignedNote};
use shuqiao_service::testkit::PASSWORD;

use crate::client::{Browser, Page};
use crate::support::{app, App};

const SIGN_IN: &str = "/console/login";
/// A citizen's ID number (valid check character), and another's.
pub(crate) const ZHANG: &str = "11010519491231002X";
pub(crate) const LI: &str = "110105194912310037";
pub(crate) const CITIZEN_PASSWORD: &str = "Citizen-pass-2026";

pub(crate) fn entry(org: &str, action: &str, time: i64, purpose: &str) -> Entry {
    Entry {
        time,
        actor_org: org.into(),
        actor_system: Some(format!("{org}-sys")),
        actor_person: None,
        action: action.into(),
        resource: Some("101001-000001".into()),
        resource_version: Some(1),
        grant: Some("3".into()),
        purpose: Some(purpose.into()),
        result: "ok".into(),
        subjects: vec![],
    }
}

/// Seals entries into the log at once (one batch, one signed checkpoint); their indexes.
pub(crate) async fn seal(app: &App, entries: Vec<Entry>) -> Vec<u64> {
    let store = app.store().await;
    let receipts = store.audit().submit(entries).await.unwrap();
    receipts.iter().map(|r| r.index).collect()
}

pub(crate) async fn subject_key(app: &App, id: &str) -> String {
    app.store()
        .await
        .audit()
        .subject_key(SubjectKind::Person, id)
        .unwrap()
}

/// The operator records a verified citizen, as the API does.
pub(crate) async fn register_citizen(app: &App, username: &str, id: &str) {
    let admin = app.login("admin").await;
    let (s, v) = app
        .post(
            "/api/v1/subjects",
            Some(&admin),
            json!({"username": username, "display_name": "张三", "kind": "person",
                   "identifier": id, "password": CITIZEN_PASSWORD}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

/// Every address in the page: links, form targets, sources.
fn addresses(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "action=\"", "formaction=\"", "src=\""] {
        for (at, _) in body.match_indices(attr) {
            let start = at + attr.len();
            let len = body[start..].find('"').unwrap_or(0);
            out.push(body[start..start + len].to_string());
        }
    }
    out
}

fn link_to(index: u64) -> String {
    format!("href=\"/console/audit/entries/{index}\"")
}

fn forbidden_saying(p: &Page, reason: &str) {
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    assert!(p.body.contains("无权查看此页面"), "{}", p.body);
    assert!(p.body.contains(reason), "the rule's reason: {}", p.body);
}

#[tokio::test]
async fn only_auditors_and_the_operator_see_the_audit_pages() {
    let app = app().await;
    let idx = seal(
        &app,
        vec![entry("d-a", "exchange.lookup", 1_790_000_000_000, "核验")],
    )
    .await;
    let entry_page = format!("/console/audit/entries/{}", idx[0]);
    let pages = [
        "/console/audit",
        "/console/audit/checkpoint",
        "/console/audit/export",
        entry_page.as_str(),
    ];

    let mut anon = Browser::new(&app.base);
    for path in pages.iter().chain(&["/console/my-data"]) {
        let p = anon.get(path).await;
        assert_eq!(
            (p.status, p.location()),
            (StatusCode::SEE_OTHER, SIGN_IN),
            "{path}"
        );
    }

    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let home = steward.get("/console/").await;
    assert!(
        !home.body.contains("href=\"/console/audit\""),
        "no 审计 group"
    );
    for path in pages {
        forbidden_saying(
            &steward.get(path).await,
            "只有审计人员和平台管理员可以查看审计记录",
        );
    }
    let token = home.csrf();
    let p = steward
        .post("/console/audit", &[("csrf", &token), ("subject_id", ZHANG)])
        .await;
    forbidden_saying(&p, "只有审计人员和平台管理员");

    for who in ["auditor", "admin"] {
        let mut b = Browser::signed_in(&app.base, who, PASSWORD).await;
        let home = b.get("/console/").await;
        assert!(
            home.body.contains("href=\"/console/audit\""),
            "{}",
            home.body
        );
        assert!(home.body.contains("href=\"/console/audit/checkpoint\""));
        assert!(
            !home.body.contains("href=\"/console/my-data\""),
            "not a subject"
        );
        for path in pages {
            assert_eq!(b.get(path).await.status, StatusCode::OK, "{who}: {path}");
        }
        let search = b.get("/console/audit").await;
        assert!(search.body.contains(&link_to(idx[0])), "{}", search.body);
        assert!(search.body.contains("aria-current=\"page\">审计日志查询"));
    }
}

#[tokio::test]
async fn filters_narrow_the_table_and_stay_in_the_address() {
    let app = app().await;
    // 2026-12-01 and 2026-12-09, 10:00 China time.
    let dec1 = 1_796_090_400_000;
    let dec9 = dec1 + 8 * 24 * 3600 * 1000;
    let idx = seal(
        &app,
        vec![
            entry("d-a", "exchange.lookup", dec1, "甲"),
            entry("d-b", "share.approve", dec1, "乙"),
            entry("d-b", "exchange.lookup", dec9, "丙"),
        ],
    )
    .await;
    let (a, b, c) = (idx[0], idx[1], idx[2]);
    let mut auditor = Browser::signed_in(&app.base, "auditor", PASSWORD).await;
    let shows = |p: &Page, yes: &[u64], no: &[u64]| {
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        for i in yes {
            assert!(p.body.contains(&link_to(*i)), "{i} in {}", p.body);
        }
        for i in no {
            assert!(!p.body.contains(&link_to(*i)), "{i} not in {}", p.body);
        }
    };

    let all = auditor.get("/console/audit").await;
    shows(&all, &[a, b, c], &[]);
    // Newest first.
    let at = |i: u64| all.body.find(&link_to(i)).unwrap();
    assert!(at(c) < at(b) && at(b) < at(a));

    let by_org = auditor.get("/console/audit?org=d-b").await;
    shows(&by_org, &[b, c], &[a]);
    assert!(by_org.body.contains("共 2 条"), "the total");
    assert!(
        by_org.body.contains("value=\"d-b\""),
        "the filter stays in the form"
    );
    assert!(
        by_org
            .body
            .contains("href=\"/console/audit/export?org=d-b\""),
        "the export of what is shown: {}",
        by_org.body
    );
    let by_system = auditor.get("/console/audit?system=d-a-sys").await;
    shows(&by_system, &[a], &[b, c]);
    let by_action = auditor
        .get("/console/audit?org=d-b&action=exchange.lookup")
        .await;
    shows(&by_action, &[c], &[a, b]);
    let by_resource = auditor.get("/console/audit?resource=101001-000002").await;
    shows(&by_resource, &[], &[a, b, c]);
    assert!(by_resource.body.contains("没有符合条件的记录"));
    // The end day is included; the start day too.
    let by_time = auditor
        .get("/console/audit?since=2026-12-09&until=2026-12-09")
        .await;
    shows(&by_time, &[c], &[a, b]);
    let by_time = auditor.get("/console/audit?until=2026-12-01").await;
    shows(&by_time, &[a, b], &[c]);
    let bad = auditor.get("/console/audit?since=9.12.2026").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("日期格式不正确"), "{}", bad.body);
    assert!(
        bad.body.contains("href=\"#since\""),
        "the summary links the field"
    );

    // The form posts; without a subject the filters come back in the address.
    let token = all.csrf();
    let p = auditor
        .post(
            "/console/audit",
            &[
                ("csrf", &token),
                ("org", "d-b"),
                ("action", ""),
                ("subject_id", ""),
            ],
        )
        .await;
    assert_eq!(
        (p.status, p.location()),
        (StatusCode::SEE_OTHER, "/console/audit?org=d-b")
    );

    // Paging keeps the filters, and shows the total.
    let many: Vec<Entry> = (0..55)
        .map(|i| entry("d-a-u1", "exchange.lookup", dec1 + i, "批量"))
        .collect();
    let many = seal(&app, many).await;
    let first = auditor.get("/console/audit?org=d-a-u1").await;
    assert!(first.body.contains("共 55 条"), "{}", first.body);
    let next = "/console/audit?org=d-a-u1&offset=50";
    assert!(
        addresses(&first.body)
            .iter()
            .any(|h| h.replace("&#38;", "&") == next),
        "{:?}",
        addresses(&first.body)
    );
    let second = auditor.get(next).await;
    shows(&second, &many[..5], &many[5..]);
    assert!(addresses(&second.body)
        .iter()
        .any(|h| h.replace("&#38;", "&") == "/console/audit?org=d-a-u1"));
}

#[tokio::test]
async fn a_search_by_id_number_finds_the_subject_and_never_puts_it_in_an_address() {
    let app = app().await;
    let zhang = subject_key(&app, ZHANG).await;
    let mut theirs = entry("d-b", "exchange.lookup", 1_790_000_000_000, "办理社保卡");
    theirs.subjects = vec![zhang];
    let mut other = entry("d-b", "exchange.lookup", 1_790_000_000_001, "其他");
    other.subjects = vec![subject_key(&app, LI).await];
    let idx = seal(&app, vec![theirs, other]).await;

    let mut auditor = Browser::signed_in(&app.base, "auditor", PASSWORD).await;
    let token = auditor.get("/console/audit").await.csrf();
    // A lower-case check character is the same number, as the API hashes it.
    for typed in [ZHANG, &ZHANG.to_lowercase()] {
        let p = auditor
            .post(
                "/console/audit",
                &[
                    ("csrf", &token),
                    ("subject_id", typed),
                    ("subject_kind", "person"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        assert!(p.body.contains(&link_to(idx[0])), "{}", p.body);
        assert!(!p.body.contains(&link_to(idx[1])), "only the subject's");
        assert!(p.body.contains("共 1 条"));
        for a in addresses(&p.body) {
            assert!(
                !a.to_uppercase().contains(ZHANG),
                "the ID number in an address: {a}"
            );
        }
        assert!(p.headers.get("location").is_none());
        // Exported by posting too: only the subject's entries.
        let csv = auditor
            .post(
                "/console/audit/export",
                &[("csrf", &token), ("subject_id", typed)],
            )
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.body.contains("办理社保卡") && !csv.body.contains("其他"));
    }
    // Never from an address: a subject there is ignored, not searched.
    let p = auditor
        .get(&format!("/console/audit?subject_id={ZHANG}"))
        .await;
    assert!(p.body.contains(&link_to(idx[1])), "{}", p.body);
    // And a subject search needs the session's form token.
    let p = auditor
        .post("/console/audit", &[("subject_id", ZHANG)])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.body.contains("跨站"));
}

#[tokio::test]
async fn the_csv_export_is_the_apis_and_defuses_formulas() {
    let app = app().await;
    let mut evil = entry(
        "d-a",
        "exchange.lookup",
        1_790_000_000_000,
        "=HYPERLINK(\"http://evil\")",
    );
    evil.actor_person = Some("@SUM(A1)".into());
    seal(
        &app,
        vec![evil, entry("d-b", "share.approve", 1_790_000_000_001, "x")],
    )
    .await;
    let mut auditor = Browser::signed_in(&app.base, "auditor", PASSWORD).await;
    let p = auditor.get("/console/audit/export?org=d-a").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(p.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert!(
        p.body.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{}",
        p.body
    );
    assert!(p.body.contains(",'@SUM(A1),"), "{}", p.body);
    assert!(!p.body.contains(",=HYPERLINK") && !p.body.contains(",@SUM"));
    assert_eq!(p.body.lines().count(), 2, "the header and d-a's one entry");
    // The same file as the API's for the same filter.
    let token = app.login("auditor").await;
    let resp = app
        .http
        .get(format!(
            "{}/api/v1/audit/entries?actor_org=d-a&format=csv",
            app.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), p.body);
}

#[tokio::test]
async fn an_entry_shows_its_fields_and_its_inclusion_proof() {
    let app = app().await;
    let entries = (0..6)
        .map(|i| entry("d-a", "exchange.lookup", 1_790_000_000_000 + i, "核验身份"))
        .collect();
    let idx = seal(&app, entries).await;
    let i = idx[2];
    let mut auditor = Browser::signed_in(&app.base, "auditor", PASSWORD).await;
    let p = auditor.get(&format!("/console/audit/entries/{i}")).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("核验身份") && p.body.contains("机构d-a（d-a）"));

    let token = app.login("auditor").await;
    let (_, api) = app
        .get(&format!("/api/v1/audit/entries/{i}"), Some(&token))
        .await;
    let leaf = api["leaf_hash"].as_str().unwrap();
    assert!(p
        .body
        .contains(&format!("<code id=\"leaf-hash\">{leaf}</code>")));
    let size = idx.last().unwrap() + 1;
    let (_, proof) = app
        .get(
            &format!("/api/v1/audit/proofs/inclusion?index={i}&size={size}"),
            None,
        )
        .await;
    let hashes = proof["proof"].as_array().unwrap();
    assert!(!hashes.is_empty());
    for h in hashes {
        assert!(
            p.body
                .contains(&format!("<li><code>{}</code></li>", h.as_str().unwrap())),
            "{h} in {}",
            p.body
        );
    }
    assert!(p.body.contains("证明有效"), "{}", p.body);
    assert!(
        p.body.contains(&format!("<dd>{size}</dd>")),
        "the checkpoint's size"
    );

    let p = auditor.get("/console/audit/entries/999999").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_checkpoint_page_shows_the_signature_and_the_witnesses() {
    let app = app().await;
    seal(
        &app,
        vec![entry("d-a", "exchange.lookup", 1_790_000_000_000, "x")],
    )
    .await;
    let mut auditor = Browser::signed_in(&app.base, "auditor", PASSWORD).await;
    let p = auditor.get("/console/audit/checkpoint").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("test.shuqiao/audit"));
    assert!(p.body.contains("签名有效"), "{}", p.body);
    assert!(p.body.contains("此检查点尚无见证方联署"));
    let key = app.store().await.audit().public_key().unwrap();
    assert!(p.body.contains(&key), "the public key");

    // A witness cosigns: its name is listed.
    let store = app.store().await;
    let witness = NoteSigner::new("witness.haikou", [9u8; 32]).unwrap();
    store.audit().add_witness(witness.verifier()).unwrap();
    let note = SignedNote::parse(&store.audit().checkpoint().await.unwrap()).unwrap();
    store
        .audit()
        .add_cosignature(note.cosign(&witness))
        .await
        .unwrap();
    let p = auditor.get("/console/audit/checkpoint").await;
    assert!(p.body.contains("witness.haikou"), "{}", p.body);
    assert!(p.body.contains("见证方"));
    assert!(!p.body.contains("此检查点尚无见证方联署"));
}

#[tokio::test]
async fn a_citizen_sees_only_their_own_accesses_with_what_the_browser_checks() {
    let app = app().await;
    register_citizen(&app, "zhang.san", ZHANG).await;
    let mut mine = entry("d-b", "exchange.lookup", 1_790_000_000_000, "办理社保卡");
    mine.subjects = vec![subject_key(&app, ZHANG).await];
    let mut others = entry("d-a", "exchange.lookup", 1_790_000_000_001, "别人的事");
    others.subjects = vec![subject_key(&app, LI).await];
    seal(&app, vec![mine, others]).await;

    let mut citizen = Browser::signed_in(&app.base, "zhang.san", CITIZEN_PASSWORD).await;
    let home = citizen.get("/console/").await;
    assert!(
        home.body.contains("href=\"/console/my-data\""),
        "{}",
        home.body
    );
    assert!(!home.body.contains("href=\"/console/audit\""));
    let p = citizen.get("/console/my-data").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("谁用了我的数据"));
    assert!(p.body.contains("办理社保卡") && p.body.contains("机构d-b（d-b）"));
    assert!(!p.body.contains("别人的事"), "only their own");
    assert_eq!(p.body.matches("<tr data-index=").count(), 1);

    // The same as the API's answer: the leaf hash, the proof and the checkpoint.
    let (s, v) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "zhang.san", "password": CITIZEN_PASSWORD}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, api) = app.get("/api/v1/me/accesses", v["session"].as_str()).await;
    let item = &api["items"][0];
    assert!(p.body.contains(&format!(
        "data-leaf=\"{}\"",
        item["leaf_hash"].as_str().unwrap()
    )));
    let proof: Vec<&str> = item["inclusion_proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(p
        .body
        .contains(&format!("data-proof=\"{}\"", proof.join(","))));
    let origin_line = api["checkpoint"].as_str().unwrap().lines().next().unwrap();
    assert!(p
        .body
        .contains(&format!("data-checkpoint=\"{origin_line}\n")));
    // Checked by our own script, loaded from the console; without script the page says so.
    assert!(
        p.body.contains("data-entry=\""),
        "the entry's own bytes, for the browser to hash"
    );
    assert!(p.body.contains("<script src=\"/console/assets/verify."));
    assert!(!p.body.contains("<script>"));
    assert!(p.body.contains("需启用浏览器脚本才能验证"));
    let start = p.body.find("/console/assets/verify.").unwrap();
    let src: String = p.body[start..].chars().take_while(|c| *c != '"').collect();
    let js = citizen.get(&src).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(js.body.contains("Ed25519"));

    // The auditor pages are not theirs, and staff have no "my data".
    forbidden_saying(&citizen.get("/console/audit").await, "只有审计人员");
    for who in ["auditor", "steward.a"] {
        let mut b = Browser::signed_in(&app.base, who, PASSWORD).await;
        forbidden_saying(&b.get("/console/my-data").await, "经过身份核验的公民和法人");
    }
}
