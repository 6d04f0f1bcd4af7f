//! The to-dos of the console's home page (run on SQLite and PostgreSQL): each list holds what
//! core's rules let this person act on, and empties once it is done.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use shuqiao_core::account::{Principal, Role};
use shuqiao_core::catalog::parse_date;
use shuqiao_core::collect::source::VecSource;
use shuqiao_core::share::calendar::{start_of_china_day, Deadline};
use shuqiao_core::share::{
    AccessRequest, Decision, NeedInput, NegativeAction, NegativeProposalInput,
};
use shuqiao_service::collect::{BatchRequest, Channel};
use shuqiao_service::share::ShareFilter;
use shuqiao_service::testkit::{fixture, share_fixture};
use shuqiao_service::Store;

use super::{admin, person, steward_a, steward_b};

fn at(date: &str, hour: i64) -> i64 {
    start_of_china_day(parse_date(date).unwrap()) + hour * 3600 * 1000
}

fn request(org: &str, resource: &str) -> AccessRequest {
    AccessRequest {
        system: format!("{org}-sys"),
        resource: resource.into(),
        fields: vec!["GMSFHM".into(), "XM".into()],
        purpose: "政务服务身份核验".into(),
        scene: "办理社保卡".into(),
        legal_basis: "《社会保险法》".into(),
        days: 365,
    }
}

fn rows(ids: &[&str]) -> VecSource {
    let cols = vec!["公民身份号码".into(), "姓名".into(), "出生日期".into()];
    let rows = ids
        .iter()
        .map(|id| vec![id.to_string(), "王海燕".into(), String::new()])
        .collect();
    VecSource::new(cols, rows)
}

async fn unread(s: &Store, p: Principal) -> u64 {
    s.todos(p).await.unwrap().unread
}

pub async fn todos_are_what_each_person_must_act_on(s: Store, t: Arc<AtomicI64>, _u: String) {
    fixture(&s).await;
    let (open, cond) = share_fixture(&s).await;
    let consumer = person("user.c1", Role::ConsumerUser, "c1");
    let legal = person("legal", Role::LegalReviewer, "legal");
    t.store(at("2026-03-02", 10), Ordering::SeqCst); // a Monday

    // An application for d-a's resource: d-a's steward answers it, nobody else.
    let app = s
        .apply(consumer.clone(), request("c1", &cond))
        .await
        .unwrap();
    let todos = s.todos(steward_a()).await.unwrap();
    assert_eq!(todos.answers.len(), 1);
    assert_eq!(todos.answers[0].application.id, app.id);
    assert_eq!(todos.answers[0].deadline, Some(Deadline::Left(2)));
    assert!(!todos.answers[0].resource_name.zh.is_empty());
    for p in [steward_b(), admin(), consumer.clone()] {
        assert!(s.todos(p).await.unwrap().answers.is_empty());
    }

    // A negative-list proposal waits for each reviewer role until that role has reviewed.
    let proposal = s
        .propose_negative(
            steward_a(),
            NegativeProposalInput {
                resource: open.clone(),
                action: NegativeAction::Add,
                legal_basis: "《中华人民共和国保守国家秘密法》第二十条".into(),
                reason: "涉及敏感信息".into(),
            },
        )
        .await
        .unwrap();
    for p in [admin(), legal.clone()] {
        let reviews = s.todos(p).await.unwrap().reviews;
        assert_eq!(
            reviews.iter().map(|r| r.id).collect::<Vec<_>>(),
            [proposal.id]
        );
    }
    assert!(s.todos(steward_a()).await.unwrap().reviews.is_empty());
    s.review_negative(admin(), proposal.id, Decision::Approve, "同意".into(), None)
        .await
        .unwrap();
    assert!(s.todos(admin()).await.unwrap().reviews.is_empty());
    assert_eq!(s.todos(legal).await.unwrap().reviews.len(), 1);

    // A need naming d-a's resource: d-a's steward and the operator decide on it.
    let need = s
        .state_need(
            consumer.clone(),
            NeedInput {
                org: None,
                title: "社保卡办理需要人口信息".into(),
                description: "核验身份".into(),
                resource: Some(cond.clone()),
            },
        )
        .await
        .unwrap();
    for p in [steward_a(), admin()] {
        let needs = s.todos(p).await.unwrap().needs;
        assert_eq!(needs.iter().map(|n| n.id).collect::<Vec<_>>(), [need.id]);
    }
    assert!(s.todos(steward_b()).await.unwrap().needs.is_empty());

    // An import with bad rows waits until a later import of the resource succeeds.
    let bad = s
        .collect_batch(
            steward_a(),
            BatchRequest::new(&cond, Channel::Import, "bad.csv"),
            rows(&["110105194912310021"]),
            None,
        )
        .await
        .unwrap();
    assert_eq!(bad.status, "rejected");
    let failed = s.todos(steward_a()).await.unwrap().failed_imports;
    assert_eq!(failed.iter().map(|b| b.batch).collect::<Vec<_>>(), [bad.id]);
    assert_eq!(failed[0].status, "rejected");
    assert!(s
        .todos(steward_b())
        .await
        .unwrap()
        .failed_imports
        .is_empty());
    s.collect_batch(
        steward_a(),
        BatchRequest::new(&cond, Channel::Import, "good.csv"),
        rows(&["11010519491231002X"]),
        None,
    )
    .await
    .unwrap();
    assert!(s
        .todos(steward_a())
        .await
        .unwrap()
        .failed_imports
        .is_empty());

    // Unread messages count down as they are read.
    let before = unread(&s, steward_a()).await;
    assert!(before >= 1);
    let filter = ShareFilter {
        limit: 1,
        ..ShareFilter::default()
    };
    let first = s.inbox(steward_a(), filter, true).await.unwrap().items;
    s.mark_read(steward_a(), first[0].id).await.unwrap();
    assert_eq!(unread(&s, steward_a()).await, before - 1);

    // Eight days on, the application is four working days late.
    t.store(at("2026-03-10", 12), Ordering::SeqCst);
    let todos = s.todos(steward_a()).await.unwrap();
    assert_eq!(todos.answers[0].deadline, Some(Deadline::Overdue(4)));
}
