//! 数据异议 in the console: a consuming department's user flags a record (every problem of
//! the form at once; a field outside its grant is refused, saying why), the provider's
//! steward answers, the user contests, the operator rules; each form appears only for who
//! may use it, and cross-site posts change nothing.
use reqwest::StatusCode;
use shuqiao_core::collect::source::VecSource;
use shuqiao_core::share::{AccessRequest, Approval};
use shuqiao_service::collect::{BatchRequest, Channel};
use shuqiao_service::testkit::{self, PASSWORD};

use crate::client::Browser;
use crate::support::app;

const KEY: &str = "11010519491231002X";

/// The share fixture with one person collected into its conditional resource: its code.
async fn one_record(s: &shuqiao_service::Store) -> String {
    let (_, res) = testkit::share_fixture(s).await;
    let steward = s.principal_for("steward.a").await.unwrap();
    let src = VecSource::new(
        vec!["GMSFHM".into(), "XM".into(), "CSRQ".into()],
        vec![vec![KEY.into(), "张三".into(), "1949-12-31".into()]],
    );
    let req = BatchRequest::new(&res, Channel::Import, "q.csv");
    s.collect_batch(steward, req, src, None).await.unwrap();
    res
}

#[tokio::test]
async fn a_user_flags_the_steward_answers_and_the_operator_rules() {
    let app = app().await;
    let s = app.store().await;
    let res = one_record(&s).await;
    let steward = s.principal_for("steward.a").await.unwrap();
    let user = s.principal_for("user.c1").await.unwrap();
    let app_id = s
        .apply(
            user,
            AccessRequest {
                system: "c1-sys".into(),
                resource: res.clone(),
                fields: vec!["GMSFHM".into(), "XM".into()],
                purpose: "资格认证".into(),
                scene: "待遇发放".into(),
                legal_basis: "《社会保险法》".into(),
                days: 30,
            },
        )
        .await
        .unwrap()
        .id;
    s.approve_application(steward, app_id, Approval::default())
        .await
        .unwrap();

    let page_path = "/console/quality/objections";
    let mut user = Browser::signed_in(&app.base, "user.c1", PASSWORD).await;
    let page = user.get(page_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("提出异议"), "{}", page.body);
    let token = page.csrf();
    // Everything missing at once, each problem linked to its control.
    let bad = user
        .post(
            page_path,
            &[
                ("csrf", token.as_str()),
                ("resource", res.as_str()),
                ("key", ""),
                ("fields", ""),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for control in ["#qo-key", "#qo-reason", "#qo-fields"] {
        assert!(bad.body.contains(control), "{control}: {}", bad.body);
    }
    // A field outside the grant: refused on the form, saying why; nothing filed.
    let outside = user
        .post(
            page_path,
            &[
                ("csrf", token.as_str()),
                ("resource", res.as_str()),
                ("key", KEY),
                ("fields", "CSRQ"),
                ("reason", "出生日期有误"),
            ],
        )
        .await;
    assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(outside.body.contains("CSRQ"), "{}", outside.body);
    let admin = testkit::admin_principal();
    assert!(s
        .list_objections(admin.clone(), Default::default())
        .await
        .unwrap()
        .is_empty());
    // Forged (no token): refused, nothing filed.
    let forged = user
        .post(
            page_path,
            &[
                ("resource", res.as_str()),
                ("key", KEY),
                ("fields", "XM"),
                ("reason", "姓名有误"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let done = user
        .post(
            page_path,
            &[
                ("csrf", token.as_str()),
                ("resource", res.as_str()),
                ("key", KEY),
                ("fields", "XM"),
                ("reason", "姓名与户籍登记不符"),
                ("evidence", "户籍登记表"),
            ],
        )
        .await;
    assert_eq!(done.location(), "/console/quality/objections?done=1");
    let id = s
        .list_objections(admin.clone(), Default::default())
        .await
        .unwrap()[0]
        .id;
    let answer = format!("/console/quality/objections/{id}/answer");
    let respond = format!("/console/quality/objections/{id}/respond");
    let rule = format!("/console/quality/objections/{id}/rule");
    // The flagger is offered no answer form, and an answer it posts is refused.
    let page = user.get(page_path).await;
    assert!(!page.body.contains(&answer));
    assert_ne!(
        user.post(
            &answer,
            &[
                ("csrf", token.as_str()),
                ("choice", "disputed"),
                ("note", "x")
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );

    let mut steward = Browser::signed_in(&app.base, "steward.a", PASSWORD).await;
    let page = steward.get(page_path).await;
    assert!(page.body.contains(&answer), "{}", page.body);
    let st_token = page.csrf();
    // No choice and no note: both named at once.
    let bad = steward
        .post(&answer, &[("csrf", st_token.as_str()), ("note", "")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains(&format!("#qo-{id}-answer-choice")),
        "{}",
        bad.body
    );
    // Corrected before any corrected data: refused, saying to send it first.
    let early = steward
        .post(
            &answer,
            &[
                ("csrf", st_token.as_str()),
                ("choice", "corrected"),
                ("note", "已更正"),
            ],
        )
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.body.contains("归集"), "{}", early.body);
    let done = steward
        .post(
            &answer,
            &[
                ("csrf", st_token.as_str()),
                ("choice", "disputed"),
                ("note", "与户籍系统一致"),
            ],
        )
        .await;
    assert_eq!(done.location(), "/console/quality/objections?done=1");

    let page = user.get(page_path).await;
    assert!(page.body.contains(&respond) && page.body.contains("与户籍系统一致"));
    let done = user
        .post(
            &respond,
            &[
                ("csrf", token.as_str()),
                ("choice", "contest"),
                ("note", "出生证明不同"),
            ],
        )
        .await;
    assert_eq!(done.location(), "/console/quality/objections?done=1");

    let mut op = Browser::signed_in(&app.base, "admin", PASSWORD).await;
    let page = op.get("/console/quality/objections?supervision=1").await;
    assert!(page.body.contains(&rule), "{}", page.body);
    let op_token = page.csrf();
    assert!(!steward.get(page_path).await.body.contains(&rule));
    let done = op
        .post(
            &rule,
            &[
                ("csrf", op_token.as_str()),
                ("choice", "dismissed"),
                ("note", "提供方数据有据"),
            ],
        )
        .await;
    assert_eq!(done.location(), "/console/quality/objections?done=1");
    assert_eq!(
        s.get_objection(admin, id).await.unwrap().status,
        "dismissed"
    );
    // Another department's steward sees none of it.
    let mut other = Browser::signed_in(&app.base, "steward.b", PASSWORD).await;
    let page = other.get(page_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(&answer) && !page.body.contains(KEY));
}

#[tokio::test]
async fn scores_rank_departments_and_show_each_component() {
    let app = app().await;
    let s = app.store().await;
    let res = one_record(&s).await;
    let mut user = Browser::signed_in(&app.base, "user.c1", PASSWORD).await;
    let empty = user.get("/console/quality/scores").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("尚无评分"), "{}", empty.body);
    assert_eq!(s.refresh_quality_scores().await.unwrap(), 1);
    let page = user.get("/console/quality/scores").await;
    assert!(
        page.body.contains(&res) && page.body.contains("100.0%"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<td>1</td><td>d-a</td>"),
        "{}",
        page.body
    );
}
