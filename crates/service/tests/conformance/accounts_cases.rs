//! Account cases of the conformance suite (run on SQLite and PostgreSQL): passwords,
//! sessions and system tokens.
use super::*;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub async fn credentials(s: Store, t: Arc<AtomicI64>, _u: String) {
    fixture(&s).await;
    let (token, info) = s
        .issue_token(
            &shuqiao_service::testkit::admin_principal(),
            "d-a-sys",
            "exchange",
            30,
        )
        .await
        .unwrap();
    assert!(token.starts_with("sq_"));
    assert!(
        matches!(s.authenticate(&token).await.unwrap(), Some(Principal::System { ref system, .. }) if system == "d-a-sys")
    );
    assert_eq!(s.authenticate("sq_unknown").await.unwrap(), None);
    assert!(s
        .list_tokens(None)
        .await
        .unwrap()
        .iter()
        .all(|t| !t.prefix.is_empty() && t.prefix.len() < 20));

    // Expiry.
    t.fetch_add(31 * 86_400_000, Ordering::SeqCst);
    assert_eq!(s.authenticate(&token).await.unwrap(), None);
    t.store(T0, Ordering::SeqCst);
    // Revocation takes effect at once.
    s.revoke_token(&shuqiao_service::testkit::admin_principal(), info.id)
        .await
        .unwrap();
    assert_eq!(s.authenticate(&token).await.unwrap(), None);
    assert!(s
        .revoke_token(&shuqiao_service::testkit::admin_principal(), info.id)
        .await
        .is_err());

    // Sessions and throttling.
    let (session, acct) = s
        .login("steward.a", testkit::PASSWORD, "cli")
        .await
        .unwrap();
    assert_eq!(acct.username, "steward.a");
    assert!(matches!(
        s.authenticate(&session).await.unwrap(),
        Some(Principal::Person { .. })
    ));
    for _ in 0..5 {
        assert!(matches!(
            domain(
                s.login("steward.a", "wrong-pass-1", "cli")
                    .await
                    .unwrap_err()
            ),
            DomainError::Unauthenticated { .. }
        ));
    }
    assert!(matches!(
        domain(
            s.login("steward.a", testkit::PASSWORD, "cli")
                .await
                .unwrap_err()
        ),
        DomainError::Throttled { .. }
    ));
    t.fetch_add(301_000, Ordering::SeqCst);
    s.login("steward.a", testkit::PASSWORD, "cli")
        .await
        .unwrap();
    s.logout(&session).await.unwrap();
    assert_eq!(s.authenticate(&session).await.unwrap(), None);
    assert!(matches!(
        domain(s.login("nobody", "whatever-1", "cli").await.unwrap_err()),
        DomainError::Unauthenticated { .. }
    ));
}
