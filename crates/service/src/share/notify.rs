//! Notifications: the in-app inbox of each organisation, its webhooks, and the outbox of
//! deliveries that a worker sends with retries.
use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::share::webhook::{self, AllowedHosts};
use shuqiao_core::share::{self, require_member};
use shuqiao_core::DomainError;

use super::{my_orgs, not_found, Listed, ShareFilter, Where};
use crate::db::{Conn, DbError, Row};
use crate::{params, Result, Store};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InboxItem {
    pub id: i64,
    pub org: String,
    pub kind: String,
    pub subject_type: String,
    pub subject_id: i64,
    pub title_zh: String,
    pub title_en: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WebhookView {
    pub id: i64,
    pub org: String,
    pub url: String,
    pub created_by: String,
    pub created_at: i64,
    /// Shown once, when the webhook is registered: receivers check signatures with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
}

/// One webhook delivery claimed by a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub payload: String,
    pub attempts: i64,
}

/// Attempts before a delivery is given up (dead).
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claimed delivery is reserved for the worker that claimed it.
const CLAIM_LEASE_MS: i64 = 60_000;

/// The wait before attempt `n + 1`: 5 s, 20 s, 80 s, … capped at one hour.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    let n = attempts.clamp(0, 10) as u32;
    (5_000i64 * 4i64.pow(n)).min(3_600_000)
}

fn inbox_from_row(r: &Row) -> Result<InboxItem, DbError> {
    Ok(InboxItem {
        id: r.int(0)?,
        org: r.text(1)?,
        kind: r.text(2)?,
        subject_type: r.text(3)?,
        subject_id: r.int(4)?,
        title_zh: r.text(5)?,
        title_en: r.text(6)?,
        created_at: r.int(7)?,
        read_at: r.opt_int(8)?,
    })
}

/// How long a webhook host's name may take to resolve at registration.
const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The addresses `host:port` resolves to now; none if it does not resolve in time.
pub async fn resolve_host(host: &str, port: u16) -> Vec<std::net::IpAddr> {
    let lookup = tokio::net::lookup_host((host, port));
    match tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await {
        Ok(Ok(addrs)) => addrs.map(|a| a.ip()).collect(),
        _ => Vec::new(),
    }
}

/// Checks a webhook URL as registered: its form, then every address its host resolves to
/// (the delivery worker checks again before each send, since names can change).
async fn check_url(url: &str, allowed: &AllowedHosts) -> Result<webhook::Target> {
    let target = webhook::parse_target(url).map_err(DomainError::one)?;
    let addrs = match (target.ip, allowed.permits(&target)) {
        (_, true) => Vec::new(),
        (Some(ip), false) => vec![ip],
        (None, false) => resolve_host(&target.host, target.port).await,
    };
    webhook::check_addresses(&target, &addrs, allowed).map_err(DomainError::one)?;
    Ok(target)
}

fn webhook_from_row(r: &Row) -> Result<WebhookView, DbError> {
    Ok(WebhookView {
        id: r.int(0)?,
        org: r.text(1)?,
        url: r.text(2)?,
        created_by: r.text(3)?,
        created_at: r.int(4)?,
        secret: None,
        pending: r.int(5)?,
        delivered: r.int(6)?,
        failed: r.int(7)?,
    })
}

const WEBHOOK_SELECT: &str = "SELECT w.id, w.org, w.url, w.created_by, w.created_at,
    (SELECT COUNT(*) FROM outbox o WHERE o.webhook = w.id AND o.delivered_at IS NULL AND o.dead_at IS NULL),
    (SELECT COUNT(*) FROM outbox o WHERE o.webhook = w.id AND o.delivered_at IS NOT NULL),
    (SELECT COUNT(*) FROM outbox o WHERE o.webhook = w.id AND o.dead_at IS NOT NULL)
    FROM webhooks w";

fn load_webhook(c: &mut dyn Conn, id: i64) -> Result<WebhookView> {
    let r = c
        .query_one(
            &format!("{WEBHOOK_SELECT} WHERE w.id = $1 AND w.removed_at IS NULL"),
            params![id],
        )?
        .ok_or_else(|| not_found("webhook_not_found", id))?;
    Ok(webhook_from_row(&r)?)
}

impl Store {
    /// Hosts webhooks may reach although their addresses are otherwise refused (the
    /// operator's `serve --webhook-allow-host`); replaces the previous list.
    pub fn set_webhook_allowed_hosts(&self, hosts: AllowedHosts) {
        if let Ok(mut h) = self.webhook_hosts.write() {
            *h = hosts;
        }
    }

    /// The operator's allowed webhook hosts, as registration and delivery check them.
    pub fn webhook_allowed_hosts(&self) -> AllowedHosts {
        self.webhook_hosts
            .read()
            .map(|h| h.clone())
            .unwrap_or_default()
    }

    /// The caller's organisations' notifications, newest first.
    pub async fn inbox(
        &self,
        p: Principal,
        f: ShareFilter,
        unread_only: bool,
    ) -> Result<Listed<InboxItem>> {
        p.require_authenticated()?;
        let orgs = match &f.org {
            Some(o) => {
                require_member(&p, o)?;
                vec![o.clone()]
            }
            None => my_orgs(&p),
        };
        self.read(move |c| {
            let mut w = Where::default();
            w.any_in(&["org"], &orgs);
            if unread_only {
                w.raw("read_at IS NULL");
            }
            let rows = w.fetch(c, "SELECT id, org, kind, subject_type, subject_id, title_zh, title_en, created_at, read_at FROM inbox", "id DESC", &f)?;
            Ok(rows.try_map(inbox_from_row)?)
        })
        .await
    }

    pub async fn mark_read(&self, p: Principal, id: i64) -> Result<()> {
        let now = self.now();
        self.write(move |c| {
            let org = c
                .query_one("SELECT org FROM inbox WHERE id = $1", params![id])?
                .map(|r| r.text(0))
                .transpose()?
                .ok_or_else(|| not_found("notification_not_found", id))?;
            require_member(&p, &org).map_err(|_| not_found("notification_not_found", id))?;
            c.execute(
                "UPDATE inbox SET read_at = $1, read_by = $2 WHERE id = $3 AND read_at IS NULL",
                params![now, p.actor(), id],
            )?;
            Ok(())
        })
        .await
    }

    /// Registers a webhook for an organisation (its steward or the operator). The signing
    /// secret is returned once.
    pub async fn add_webhook(&self, p: Principal, org: String, url: String) -> Result<WebhookView> {
        share::require_webhook_keeper(&p, &org)?;
        let target = check_url(url.trim(), &self.webhook_allowed_hosts()).await?;
        let secret = shuqiao_core::account::new_secret("whsec_");
        let now = self.now();
        let actor = super::events::Actor::of(&p);
        self.write(move |c| {
            super::lists::require_org_exists(c, &org)?;
            let id = c
                .query_one(
                    "INSERT INTO webhooks (org, url, secret, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    params![&org, url.trim(), &secret, p.actor(), now],
                )?
                .ok_or(DbError::Other("insert returned nothing".into()))?
                .int(0)?;
            // Only the origin: a URL's path or query may hold the receiver's own secret.
            let event = crate::accounts::SecurityEvent {
                action: "webhook.register",
                target: format!("webhook:{id}"),
                details: Some(format!("org: {org}; url: {}", target.origin)),
                actor: &actor,
            };
            crate::accounts::seal_security(c, event, now)?;
            let mut w = load_webhook(c, id)?;
            w.secret = Some(secret);
            Ok(w)
        })
        .await
    }

    pub async fn list_webhooks(&self, p: Principal, org: String) -> Result<Vec<WebhookView>> {
        share::require_webhook_reader(&p, &org)?;
        self.read(move |c| {
            Ok(c.query(
                &format!(
                    "{WEBHOOK_SELECT} WHERE w.org = $1 AND w.removed_at IS NULL ORDER BY w.id"
                ),
                params![&org],
            )?
            .iter()
            .map(webhook_from_row)
            .collect::<Result<_, DbError>>()?)
        })
        .await
    }

    /// Removes a webhook; its undelivered messages are dropped with it.
    pub async fn remove_webhook(&self, p: Principal, id: i64) -> Result<()> {
        let now = self.now();
        self.write(move |c| {
            let w = load_webhook(c, id)?;
            if share::require_webhook_keeper(&p, &w.org).is_err() {
                return Err(not_found("webhook_not_found", id).into());
            }
            c.execute(
                "UPDATE webhooks SET removed_at = $1 WHERE id = $2",
                params![now, id],
            )?;
            c.execute(
                "UPDATE outbox SET dead_at = $1, last_error = 'webhook removed' WHERE webhook = $2 AND delivered_at IS NULL AND dead_at IS NULL",
                params![now, id],
            )?;
            let origin = webhook::parse_target(&w.url).map(|t| t.origin).unwrap_or_default();
            let event = crate::accounts::SecurityEvent {
                action: "webhook.delete",
                target: format!("webhook:{id}"),
                details: Some(format!("org: {}; url: {origin}", w.org)),
                actor: &super::events::Actor::of(&p),
            };
            crate::accounts::seal_security(c, event, now)?;
            Ok(())
        })
        .await
    }

    /// Claims up to `limit` due deliveries for this worker for a short lease, so several
    /// servers on one database do not send the same message at the same time.
    pub async fn claim_deliveries(&self, limit: u32) -> Result<Vec<Delivery>> {
        let now = self.now();
        self.write(move |c| {
            let rows = c.query(
                "SELECT o.id, w.url, w.secret, o.payload, o.attempts FROM outbox o JOIN webhooks w ON w.id = o.webhook
                 WHERE o.delivered_at IS NULL AND o.dead_at IS NULL AND o.next_attempt_at <= $1 ORDER BY o.next_attempt_at, o.id LIMIT $2",
                params![now, limit as i64],
            )?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let id = r.int(0)?;
                let n = c.execute(
                    "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND next_attempt_at <= $3 AND delivered_at IS NULL",
                    params![now + CLAIM_LEASE_MS, id, now],
                )?;
                if n == 1 {
                    out.push(Delivery {
                        id,
                        url: r.text(1)?,
                        secret: r.text(2)?,
                        payload: r.text(3)?,
                        attempts: r.int(4)?,
                    });
                }
            }
            Ok(out)
        })
        .await
    }

    /// Records the outcome of one delivery attempt: delivered, retried later, or given up.
    pub async fn delivery_result(&self, id: i64, error: Option<String>) -> Result<()> {
        let now = self.now();
        self.write(move |c| {
            match error {
                None => {
                    c.execute(
                        "UPDATE outbox SET delivered_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2",
                        params![now, id],
                    )?;
                }
                Some(err) => {
                    let attempts = c
                        .query_one("SELECT attempts FROM outbox WHERE id = $1", params![id])?
                        .map(|r| r.int(0))
                        .transpose()?
                        .unwrap_or(0)
                        + 1;
                    let dead = (attempts >= MAX_ATTEMPTS).then_some(now);
                    c.execute(
                        "UPDATE outbox SET attempts = $1, last_error = $2, next_attempt_at = $3, dead_at = $4 WHERE id = $5",
                        params![attempts, err.chars().take(500).collect::<String>(), now + retry_delay_ms(attempts - 1), dead, id],
                    )?;
                }
            }
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn retries_back_off_and_stop_growing_at_an_hour() {
        use super::retry_delay_ms;
        assert_eq!(retry_delay_ms(0), 5_000);
        assert_eq!(retry_delay_ms(1), 20_000);
        assert_eq!(retry_delay_ms(2), 80_000);
        assert_eq!(retry_delay_ms(9), 3_600_000);
    }
}
