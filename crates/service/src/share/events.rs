//! Sharing events: every decision is recorded once, with who, when and why, and from that one
//! record go the audit entry, the in-app notifications and the webhook deliveries — all in the
//! transaction of the decision itself.
use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::audit::entry::Entry;

use crate::db::{Conn, DbError};
use crate::{params, to_json, Result};

/// Who did it: a person, a system, or the platform itself (the deadline sweeper).
pub(crate) struct Actor {
    pub org: String,
    pub person: Option<String>,
    pub system: Option<String>,
    pub label: String,
}

impl Actor {
    pub fn of(p: &Principal) -> Actor {
        let (org, system, person) = crate::catalog::actor_parts(p);
        Actor {
            org,
            person,
            system,
            label: p.actor(),
        }
    }
    pub fn platform() -> Actor {
        Actor {
            org: "platform".into(),
            person: None,
            system: None,
            label: "platform:sweeper".into(),
        }
    }
}

/// One decision or change, described once.
pub(crate) struct Event<'a> {
    /// e.g. `application.approve`; sealed into the audit log as `share.<kind>`.
    pub kind: &'static str,
    pub subject_type: &'static str,
    pub subject_id: i64,
    pub resource: Option<&'a str>,
    pub resource_version: Option<i64>,
    pub grant: Option<i64>,
    /// The reason, opinion or purpose that goes with it.
    pub reason: Option<&'a str>,
    /// Organisations told about it (inbox and webhooks).
    pub notify: Vec<String>,
    pub title_zh: String,
    pub title_en: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ShareEvent {
    pub id: i64,
    pub kind: String,
    pub actor: String,
    pub reason: Option<String>,
    pub at: i64,
}

/// The body of a webhook delivery.
#[derive(Serialize)]
struct Payload<'a> {
    event_id: i64,
    kind: &'a str,
    subject_type: &'a str,
    subject_id: i64,
    resource: Option<&'a str>,
    grant: Option<i64>,
    org: &'a str,
    title_zh: &'a str,
    title_en: &'a str,
    at: i64,
}

pub(crate) fn emit(c: &mut dyn Conn, actor: &Actor, e: Event<'_>, now: i64) -> Result<i64> {
    emit_as(c, "share", actor, e, now)
}

/// [`emit`] for another part of the platform: the entry's action is `<area>.<kind>`.
pub(crate) fn emit_as(
    c: &mut dyn Conn,
    area: &str,
    actor: &Actor,
    e: Event<'_>,
    now: i64,
) -> Result<i64> {
    let id = c
        .query_one(
            "INSERT INTO share_events (kind, subject_type, subject_id, resource, actor, reason, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            params![
                e.kind,
                e.subject_type,
                e.subject_id,
                e.resource,
                &actor.label,
                e.reason,
                now
            ],
        )?
        .ok_or(DbError::Other("event insert returned nothing".into()))?
        .int(0)?;
    crate::seal_later(
        c,
        &Entry {
            time: now,
            actor_org: actor.org.clone(),
            actor_system: actor.system.clone(),
            actor_person: actor.person.clone(),
            action: format!("{area}.{}", e.kind),
            resource: e.resource.map(str::to_string),
            resource_version: e.resource_version,
            grant: e.grant.map(|g| g.to_string()),
            purpose: e.reason.map(str::to_string),
            result: "ok".into(),
            subjects: Vec::new(),
        },
        now,
    )?;
    let mut orgs = e.notify.clone();
    orgs.sort();
    orgs.dedup();
    for org in orgs.iter().filter(|o| !o.is_empty()) {
        c.execute(
            "INSERT INTO inbox (org, kind, subject_type, subject_id, title_zh, title_en, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            params![org, e.kind, e.subject_type, e.subject_id, &e.title_zh, &e.title_en, now],
        )?;
        let payload = to_json(&Payload {
            event_id: id,
            kind: e.kind,
            subject_type: e.subject_type,
            subject_id: e.subject_id,
            resource: e.resource,
            grant: e.grant,
            org,
            title_zh: &e.title_zh,
            title_en: &e.title_en,
            at: now,
        })?;
        c.execute(
            "INSERT INTO outbox (webhook, payload, next_attempt_at)
             SELECT id, $1, $2 FROM webhooks WHERE org = $3 AND removed_at IS NULL",
            params![payload, now, org],
        )?;
    }
    Ok(id)
}

pub(crate) fn history(
    c: &mut dyn Conn,
    subject_type: &str,
    subject_id: i64,
) -> Result<Vec<ShareEvent>> {
    c.query(
        "SELECT id, kind, actor, reason, at FROM share_events WHERE subject_type = $1 AND subject_id = $2 ORDER BY id",
        params![subject_type, subject_id],
    )?
    .iter()
    .map(|r| {
        Ok(ShareEvent {
            id: r.int(0)?,
            kind: r.text(1)?,
            actor: r.text(2)?,
            reason: r.opt_text(3)?,
            at: r.int(4)?,
        })
    })
    .collect()
}

/// The platform operator's organisation, told about escalations and conversion proposals.
pub(crate) fn operator_orgs(c: &mut dyn Conn) -> Result<Vec<String>> {
    c.query("SELECT code FROM orgs WHERE kind = 'operator'", &[])?
        .iter()
        .map(|r| Ok(r.text(0)?))
        .collect()
}
