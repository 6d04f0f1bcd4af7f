//! The steward's catalogue workspace (run on SQLite and PostgreSQL): a department's resources in
//! every state, their data's freshness by core's timeliness rule, and who may list whose.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use shuqiao_core::account::Role;
use shuqiao_core::catalog::{DraftState, Status};
use shuqiao_core::collect::source::VecSource;
use shuqiao_core::DomainError;
use shuqiao_service::collect::{BatchRequest, Channel};
use shuqiao_service::testkit::{fixture, sample_meta, share_fixture};
use shuqiao_service::{Store, StoreError};

use super::{admin, person, steward_a, steward_b};

const DAY: i64 = 86_400_000;

fn codes(rows: &[shuqiao_service::workspace::WorkspaceRow]) -> Vec<String> {
    rows.iter().map(|r| r.code.clone()).collect()
}

pub async fn workspace_lists_each_state_and_stale_data(s: Store, t: Arc<AtomicI64>, _u: String) {
    fixture(&s).await;
    let (open, cond) = share_fixture(&s).await;
    let draft = s
        .create_resource(steward_a(), sample_meta())
        .await
        .unwrap()
        .code;
    let submitted = s
        .create_resource(steward_a(), sample_meta())
        .await
        .unwrap()
        .code;
    s.submit_resource(steward_a(), &submitted).await.unwrap();

    let mine = s
        .workspace_resources(steward_a(), None, false)
        .await
        .unwrap();
    let mut expected = vec![open.clone(), cond.clone(), draft.clone(), submitted.clone()];
    expected.sort();
    assert_eq!(codes(&mine), expected);
    let row = |code: &str| mine.iter().find(|r| r.code == code).unwrap().clone();
    assert_eq!(row(&draft).status, Status::Draft);
    assert_eq!(row(&draft).draft, Some(DraftState::Editing));
    assert!(row(&draft).timeliness.is_none(), "a draft has no data yet");
    assert_eq!(row(&submitted).status, Status::Submitted);
    assert_eq!(row(&cond).status, Status::Published);
    assert_eq!(row(&cond).published_version, Some(1));
    // Published and never collected: stale, by core's rule.
    assert!(row(&cond).timeliness.as_ref().unwrap().stale);

    // Data collected now is fresh for its daily cycle, and stale again two days later.
    let cols = vec!["公民身份号码".into(), "姓名".into(), "出生日期".into()];
    let rows = VecSource::new(
        cols,
        vec![vec![
            "11010519491231002X".into(),
            "王海燕".into(),
            String::new(),
        ]],
    );
    s.collect_batch(
        steward_a(),
        BatchRequest::new(&cond, Channel::Import, "good.csv"),
        rows,
        None,
    )
    .await
    .unwrap();
    let stale = s
        .workspace_resources(steward_a(), None, true)
        .await
        .unwrap();
    assert_eq!(codes(&stale), vec![open.clone()]);
    let fresh = s
        .workspace_resources(steward_a(), None, false)
        .await
        .unwrap();
    let c = fresh.iter().find(|r| r.code == cond).unwrap();
    assert_eq!(c.records, 1);
    assert!(c.timeliness.as_ref().unwrap().collected_at.is_some());
    t.fetch_add(2 * DAY + 1, Ordering::SeqCst);
    let stale = s
        .workspace_resources(steward_a(), None, true)
        .await
        .unwrap();
    let mut both = vec![open.clone(), cond.clone()];
    both.sort();
    assert_eq!(codes(&stale), both);

    // Returned: the reason comes with it.
    s.return_resource(admin(), &submitted, "请补充摘要")
        .await
        .unwrap();
    let back = s
        .workspace_resources(steward_a(), None, false)
        .await
        .unwrap();
    let r = back.iter().find(|r| r.code == submitted).unwrap();
    assert_eq!(r.returned_reason.as_deref(), Some("请补充摘要"));
    assert_eq!(r.draft, Some(DraftState::Editing));

    // Another department's steward lists their own (none), never ours, nor ours by asking.
    assert!(s
        .workspace_resources(steward_b(), None, false)
        .await
        .unwrap()
        .is_empty());
    let refused = s
        .workspace_resources(steward_b(), Some("d-a".into()), false)
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        StoreError::Domain(DomainError::Forbidden { .. })
    ));
    // Someone who catalogues for nobody is refused, not shown an empty list.
    let consumer = person("user.a", Role::ConsumerUser, "d-a");
    let refused = s
        .workspace_resources(consumer, None, false)
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        StoreError::Domain(DomainError::Forbidden { .. })
    ));
    // The operator: every department, or one.
    assert_eq!(
        s.workspace_resources(admin(), None, false)
            .await
            .unwrap()
            .len(),
        4
    );
    assert!(s
        .workspace_resources(admin(), Some("d-b".into()), false)
        .await
        .unwrap()
        .is_empty());
    // Pages: the province's read by the database, the same rows as the whole list's.
    let whole = s.workspace_resources(admin(), None, false).await.unwrap();
    for (limit, offset, from) in [(3, 0, 0), (3, 3, 3), (3, 99, 3), (2, 2, 2)] {
        let page = s
            .workspace_page(admin(), None, false, Some((limit, offset)))
            .await
            .unwrap();
        assert_eq!((page.total, page.offset), (4, from), "{limit} at {offset}");
        let expected: Vec<_> = whole.iter().skip(from).take(limit).cloned().collect();
        assert_eq!(page.rows, expected, "{limit} at {offset}");
    }
    let steward = s
        .workspace_page(steward_a(), None, false, Some((3, 99)))
        .await
        .unwrap();
    assert_eq!(
        (steward.total, steward.offset, steward.rows.len()),
        (4, 3, 1)
    );
}
