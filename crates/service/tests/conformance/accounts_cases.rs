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

/// The operator changes an account's roles and disables it: a disabled account's sessions end
/// at once and it cannot sign in; nobody locks themselves out; each change is sealed; the
/// platform's counts follow.
pub async fn account_roles_and_status_changes(s: Store, _t: Arc<AtomicI64>, _u: String) {
    let s = s.with_audit(test_audit_keys());
    fixture(&s).await;
    let admin = admin();
    let (session, _) = s
        .login("steward.b", testkit::PASSWORD, "test")
        .await
        .unwrap();
    let roles = vec![
        RoleBinding {
            role: Role::ConsumerUser,
            org: "d-b".into(),
        },
        RoleBinding {
            role: Role::Auditor,
            org: "op".into(),
        },
    ];
    let a = s
        .set_roles(&admin, "steward.b", roles.clone())
        .await
        .unwrap();
    assert_eq!(a.roles.len(), 2);
    assert!(
        matches!(s.authenticate(&session).await.unwrap(), Some(Principal::Person { roles: ref r, .. }) if r.len() == 2),
        "a session acts with the new roles at once"
    );
    assert_eq!(
        invalid_fields(s.set_roles(&admin, "steward.b", vec![]).await.unwrap_err()),
        ["roles"]
    );
    let admin_elsewhere = vec![RoleBinding {
        role: Role::PlatformAdmin,
        org: "d-b".into(),
    }];
    assert_eq!(
        invalid_fields(
            s.set_roles(&admin, "steward.b", admin_elsewhere)
                .await
                .unwrap_err()
        ),
        ["roles[0].org"]
    );
    assert!(matches!(
        domain(
            s.set_roles(&steward_a(), "steward.b", roles)
                .await
                .unwrap_err()
        ),
        DomainError::Forbidden { .. }
    ));
    assert_eq!(
        invalid_fields(
            s.set_account_disabled(&admin, "admin", true)
                .await
                .unwrap_err()
        ),
        ["disabled"]
    );

    let counts = s.platform_counts(admin.clone()).await.unwrap();
    assert_eq!(counts.accounts_disabled, 0);
    s.set_account_disabled(&admin, "steward.b", true)
        .await
        .unwrap();
    assert_eq!(s.authenticate(&session).await.unwrap(), None);
    assert!(s
        .login("steward.b", testkit::PASSWORD, "test")
        .await
        .is_err());
    assert!(matches!(
        domain(
            s.set_account_disabled(&admin, "steward.b", true)
                .await
                .unwrap_err()
        ),
        DomainError::Conflict { .. }
    ));
    let counts = s.platform_counts(admin.clone()).await.unwrap();
    assert_eq!(counts.accounts_disabled, 1);
    assert_eq!(counts.accounts, counts.accounts_disabled + 4);
    assert!(counts.systems >= 1);
    s.set_account_disabled(&admin, "steward.b", false)
        .await
        .unwrap();
    s.login("steward.b", testkit::PASSWORD, "test")
        .await
        .unwrap();

    s.audit().seal_pending().await.unwrap();
    for action in ["account.roles", "account.disable", "account.enable"] {
        let found = s
            .audit_entries(shuqiao_service::audit::AuditFilter {
                action: Some(action.into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .items;
        assert_eq!(found.len(), 1, "{action}");
        assert_eq!(
            found[0].entry.resource.as_deref(),
            Some("account:steward.b")
        );
    }
}
