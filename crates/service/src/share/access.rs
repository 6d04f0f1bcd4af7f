//! Subscriptions, applications and the grants they produce; the 2-working-day deadline and its
//! escalation; the >5-departments conversion proposal.
use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::catalog::ShareType;
use shuqiao_core::share::calendar::{china_day, NoCalendar};
use shuqiao_core::share::{
    self, AccessRequest, ApplicationStatus, Approval, ConversionStatus, GrantSource,
    CONVERSION_THRESHOLD, DAY_MS,
};
use shuqiao_core::{DomainError, FieldError};

use super::events::{emit, history, operator_orgs, Actor, Event, ShareEvent};
use super::{already_decided, not_found, scope, Listed, ShareFilter, Where};
use crate::accounts::find_system;
use crate::catalog::{shareable, Shareable};
use crate::db::{Conn, DbError, Row};
use crate::{from_json, params, to_json, Result, Store};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ApplicationView {
    pub id: i64,
    pub system: String,
    pub consumer_org: String,
    pub resource: String,
    pub provider: String,
    pub fields: Vec<String>,
    pub purpose: String,
    pub scene: String,
    pub legal_basis: String,
    pub days: i64,
    pub status: String,
    pub filed_by: String,
    pub filed_at: i64,
    /// End of the answer period (China time), when the calendar covers it.
    pub due_at: Option<i64>,
    pub due_date: Option<String>,
    /// Set when the deadline reaches a year with no calendar loaded: flagged, not guessed.
    pub due_unknown_year: Option<i64>,
    pub overdue: bool,
    /// When it was put on the operator's supervision list (督办).
    pub escalated_at: Option<i64>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub opinion: Option<String>,
    pub grant_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<ShareEvent>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GrantView {
    pub id: i64,
    pub system: String,
    pub consumer_org: String,
    pub resource: String,
    pub provider: String,
    pub fields: Vec<String>,
    pub purpose: String,
    pub scene: String,
    pub source: String,
    pub application: Option<i64>,
    pub quota_per_day: Option<i64>,
    /// Calls a second; `None` takes the platform's default.
    pub rate_per_second: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
    /// Set while a usage alert holds the grant pending the operator's review: calls under it
    /// are refused with `grant_suspended`.
    pub suspended_at: Option<i64>,
    pub suspend_reason: Option<String>,
    /// The alert that suspended it.
    pub suspended_alert: Option<i64>,
    /// `active`, `expired` or `revoked`, as of the moment it was read.
    pub state: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConversionView {
    pub id: i64,
    pub resource: String,
    pub provider: String,
    pub status: String,
    /// Distinct consumer departments approved when it was proposed.
    pub consumers: i64,
    pub proposed_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub legal_basis: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ShareStats {
    pub needs_total: u64,
    pub needs_open: u64,
    pub needs_confirmed: u64,
    pub needs_satisfied: u64,
    pub needs_rejected: u64,
    /// 数据共享需求满足率: satisfied / stated.
    pub need_satisfaction_rate: Option<f64>,
    pub applications_total: u64,
    pub applications_pending: u64,
    pub applications_overdue: u64,
    pub applications_escalated: u64,
    pub applications_answered: u64,
    pub applications_answered_on_time: u64,
    pub applications_due_unknown: u64,
    /// Answered on time / (answered + still pending past the deadline).
    pub on_time_rate: Option<f64>,
    pub grants_active: u64,
    pub grants_expired: u64,
    pub grants_revoked: u64,
    pub conversions_open: u64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SweepReport {
    pub escalated: u64,
    pub expired: u64,
}

/// Sort orders the application list accepts.
pub const APPLICATION_SORTS: &[&str] = &["newest", "due"];

pub(crate) const APP_COLS: &str = "id, system, consumer_org, resource, provider, fields, purpose, scene, legal_basis, days, status, filed_by, filed_at, due_at, due_unknown_year, escalated_at, decided_by, decided_at, opinion, grant_id";

pub(crate) fn app_from_row(r: &Row, now: i64) -> Result<ApplicationView> {
    let status = r.text(10)?;
    let due_at = r.opt_int(13)?;
    Ok(ApplicationView {
        id: r.int(0)?,
        system: r.text(1)?,
        consumer_org: r.text(2)?,
        resource: r.text(3)?,
        provider: r.text(4)?,
        fields: from_json(&r.text(5)?)?,
        purpose: r.text(6)?,
        scene: r.text(7)?,
        legal_basis: r.text(8)?,
        days: r.int(9)?,
        overdue: status == "pending" && due_at.is_some_and(|d| d < now),
        status,
        filed_by: r.text(11)?,
        filed_at: r.int(12)?,
        due_date: due_at.map(|d| china_day(d).to_string()),
        due_at,
        due_unknown_year: r.opt_int(14)?,
        escalated_at: r.opt_int(15)?,
        decided_by: r.opt_text(16)?,
        decided_at: r.opt_int(17)?,
        opinion: r.opt_text(18)?,
        grant_id: r.opt_int(19)?,
        history: None,
    })
}

fn load_app(c: &mut dyn Conn, id: i64, now: i64) -> Result<ApplicationView> {
    let r = c
        .query_one(
            &format!("SELECT {APP_COLS} FROM applications WHERE id = $1"),
            params![id],
        )?
        .ok_or_else(|| not_found("application_not_found", id))?;
    app_from_row(&r, now)
}

pub(crate) const GRANT_COLS: &str = "id, system, consumer_org, resource, provider, fields, purpose, scene, source, application, quota_per_day, created_by, created_at, expires_at, revoked_at, revoked_by, revoke_reason, rate_per_second, suspended_at, suspend_reason, suspended_alert";

pub(crate) fn grant_from_row(r: &Row, now: i64) -> Result<GrantView> {
    let revoked_at = r.opt_int(14)?;
    let expires_at = r.int(13)?;
    Ok(GrantView {
        id: r.int(0)?,
        system: r.text(1)?,
        consumer_org: r.text(2)?,
        resource: r.text(3)?,
        provider: r.text(4)?,
        fields: from_json(&r.text(5)?)?,
        purpose: r.text(6)?,
        scene: r.text(7)?,
        source: r.text(8)?,
        application: r.opt_int(9)?,
        quota_per_day: r.opt_int(10)?,
        created_by: r.text(11)?,
        created_at: r.int(12)?,
        expires_at,
        revoked_at,
        revoked_by: r.opt_text(15)?,
        revoke_reason: r.opt_text(16)?,
        rate_per_second: r.opt_int(17)?,
        suspended_at: r.opt_int(18)?,
        suspend_reason: r.opt_text(19)?,
        suspended_alert: r.opt_int(20)?,
        state: share::grant_state(revoked_at, expires_at, now).as_str(),
    })
}

fn load_grant(c: &mut dyn Conn, id: i64, now: i64) -> Result<GrantView> {
    let r = c
        .query_one(
            &format!("SELECT {GRANT_COLS} FROM grants WHERE id = $1"),
            params![id],
        )?
        .ok_or_else(|| not_found("grant_not_found", id))?;
    grant_from_row(&r, now)
}

const CONVERSION_COLS: &str =
    "id, resource, provider, status, consumers, proposed_at, decided_by, decided_at, legal_basis";

fn conversion_from_row(r: &Row) -> Result<ConversionView, DbError> {
    Ok(ConversionView {
        id: r.int(0)?,
        resource: r.text(1)?,
        provider: r.text(2)?,
        status: r.text(3)?,
        consumers: r.int(4)?,
        proposed_at: r.int(5)?,
        decided_by: r.opt_text(6)?,
        decided_at: r.opt_int(7)?,
        legal_basis: r.opt_text(8)?,
    })
}

fn load_conversion(c: &mut dyn Conn, id: i64) -> Result<ConversionView> {
    let r = c
        .query_one(
            &format!("SELECT {CONVERSION_COLS} FROM conversions WHERE id = $1"),
            params![id],
        )?
        .ok_or_else(|| not_found("conversion_not_found", id))?;
    Ok(conversion_from_row(&r)?)
}

/// Everything a request is checked against before anything is written: the system is the
/// caller's own, the resource may be shared this way, the fields exist, the purpose is given.
fn check_request(
    c: &mut dyn Conn,
    p: &Principal,
    r: &AccessRequest,
    conditional: bool,
) -> Result<(String, Shareable)> {
    let system = find_system(c, &r.system)?.ok_or_else(|| {
        DomainError::one(FieldError::new(
            "system",
            "unknown_system",
            format!("应用系统 {} 未登记", r.system),
            format!("information system {} is not registered", r.system),
        ))
    })?;
    share::require_consumer_of(p, &system.org)?;
    let res = shareable(c, &r.resource)?;
    share::require_request_route(&res.meta, res.negative_listed, conditional)?;
    share::validate_request(r, &res.meta, conditional)?;
    Ok((system.org, res))
}

struct NewGrant<'a> {
    system: &'a str,
    consumer_org: &'a str,
    resource: &'a str,
    provider: &'a str,
    version: i64,
    fields: &'a [String],
    purpose: &'a str,
    scene: &'a str,
    source: GrantSource,
    application: Option<i64>,
    days: u32,
    quota_per_day: Option<u32>,
}

fn insert_grant(c: &mut dyn Conn, actor: &Actor, g: NewGrant<'_>, now: i64) -> Result<i64> {
    let expires = now + g.days as i64 * DAY_MS;
    let id = c
        .query_one(
            "INSERT INTO grants (system, consumer_org, resource, provider, fields, purpose, scene, source, application, created_by, created_at, expires_at, quota_per_day)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            params![g.system, g.consumer_org, g.resource, g.provider, to_json(&g.fields)?, g.purpose.trim(), g.scene.trim(), g.source.as_str(), g.application, &actor.label, now, expires, g.quota_per_day.map(|q| q as i64)],
        )?
        .ok_or(DbError::Other("grant insert returned nothing".into()))?
        .int(0)?;
    emit(
        c,
        actor,
        Event {
            kind: "grant.create",
            subject_type: "grant",
            subject_id: id,
            resource: Some(g.resource),
            resource_version: Some(g.version),
            grant: Some(id),
            reason: Some(g.purpose.trim()),
            notify: vec![g.consumer_org.to_string(), g.provider.to_string()],
            title_zh: format!(
                "授权 {id}：{} 可使用资源 {} 的 {} 个信息项，{} 天",
                g.system,
                g.resource,
                g.fields.len(),
                g.days
            ),
            title_en: format!(
                "grant {id}: {} may use {} fields of {} for {} days",
                g.system,
                g.fields.len(),
                g.resource,
                g.days
            ),
        },
        now,
    )?;
    satisfy_needs(c, g.consumer_org, g.resource, id, now)?;
    Ok(id)
}

/// Marks confirmed needs of `org` for `resource` satisfied by `grant`.
pub(crate) fn satisfy_needs(
    c: &mut dyn Conn,
    org: &str,
    resource: &str,
    grant: i64,
    now: i64,
) -> Result<()> {
    let ids = c.query(
        "SELECT id FROM needs WHERE org = $1 AND resource = $2 AND status = 'confirmed'",
        params![org, resource],
    )?;
    for r in ids {
        let id = r.int(0)?;
        c.execute(
            "UPDATE needs SET status = 'satisfied', satisfied_at = $1, grant_id = $2 WHERE id = $3",
            params![now, grant, id],
        )?;
        emit(
            c,
            &Actor::platform(),
            Event {
                kind: "need.satisfy",
                subject_type: "need",
                subject_id: id,
                resource: Some(resource),
                resource_version: None,
                grant: Some(grant),
                reason: None,
                notify: vec![org.to_string()],
                title_zh: format!("需求 {id} 已满足（授权 {grant}）"),
                title_en: format!("need {id} is satisfied (grant {grant})"),
            },
            now,
        )?;
    }
    Ok(())
}

/// Ends a grant (revocation, or the resource going onto the negative list).
#[allow(clippy::too_many_arguments)]
pub(crate) fn end_grant(
    c: &mut dyn Conn,
    actor: &Actor,
    id: i64,
    consumer_org: &str,
    provider: &str,
    resource: &str,
    reason: &str,
    now: i64,
) -> Result<()> {
    let n = c.execute(
        "UPDATE grants SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 WHERE id = $4 AND revoked_at IS NULL",
        params![now, &actor.label, reason, id],
    )?;
    if n == 0 {
        return Err(already_decided("授权", "grant (already revoked)").into());
    }
    emit(
        c,
        actor,
        Event {
            kind: "grant.revoke",
            subject_type: "grant",
            subject_id: id,
            resource: Some(resource),
            resource_version: None,
            grant: Some(id),
            reason: Some(reason),
            notify: vec![consumer_org.to_string(), provider.to_string()],
            title_zh: format!("授权 {id} 已撤销：{reason}"),
            title_en: format!("grant {id} revoked: {reason}"),
        },
        now,
    )?;
    Ok(())
}

/// After an approval: a conditional resource approved for more than five distinct consumer
/// departments is proposed for unconditional sharing (once; the provider may keep it
/// conditional by citing a legal basis).
fn propose_conversion_if_due(
    c: &mut dyn Conn,
    resource: &str,
    provider: &str,
    now: i64,
) -> Result<()> {
    let consumers = c
        .query_one(
            "SELECT COUNT(DISTINCT consumer_org) FROM applications WHERE resource = $1 AND status = 'approved'",
            params![resource],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    if consumers as usize <= CONVERSION_THRESHOLD {
        return Ok(());
    }
    let decided = c.query_one(
        "SELECT id FROM conversions WHERE resource = $1 AND status IN ('proposed', 'kept')",
        params![resource],
    )?;
    if decided.is_some() {
        return Ok(());
    }
    let id = c
        .query_one(
            "INSERT INTO conversions (resource, provider, status, consumers, proposed_at) VALUES ($1, $2, 'proposed', $3, $4) RETURNING id",
            params![resource, provider, consumers, now],
        )?
        .ok_or(DbError::Other("insert returned nothing".into()))?
        .int(0)?;
    let mut notify = operator_orgs(c)?;
    notify.push(provider.to_string());
    emit(
        c,
        &Actor::platform(),
        Event {
            kind: "conversion.propose",
            subject_type: "conversion",
            subject_id: id,
            resource: Some(resource),
            resource_version: None,
            grant: None,
            reason: Some("有条件共享资源已同意超过5个部门申请 approved for more than 5 departments"),
            notify,
            title_zh: format!("资源 {resource} 已同意 {consumers} 个部门申请，建议转为无条件共享"),
            title_en: format!("resource {resource} approved for {consumers} departments: proposed for unconditional sharing"),
        },
        now,
    )?;
    Ok(())
}

fn decide_application(
    c: &mut dyn Conn,
    p: &Principal,
    id: i64,
    now: i64,
) -> Result<ApplicationView> {
    let app = load_app(c, id, now)?;
    share::require_provider_steward(p, &app.provider)?;
    if app.status != ApplicationStatus::Pending.as_str() {
        return Err(already_decided("申请", "application").into());
    }
    Ok(app)
}

/// Marks a pending application decided; `false` when another decision got there first.
fn close_application(
    c: &mut dyn Conn,
    p: &Principal,
    id: i64,
    status: ApplicationStatus,
    opinion: &str,
    now: i64,
) -> Result<()> {
    let n = c.execute(
        "UPDATE applications SET status = $1, decided_by = $2, decided_at = $3, opinion = $4 WHERE id = $5 AND status = 'pending'",
        params![status.as_str(), p.actor(), now, opinion.trim(), id],
    )?;
    if n == 0 {
        return Err(already_decided("申请", "application").into());
    }
    Ok(())
}

fn count(c: &mut dyn Conn, sql: &str, w: &Where) -> Result<u64> {
    Ok(c.query_one(&format!("{sql}{}", w.sql()), &w.values)?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0) as u64)
}

pub(crate) fn subscribe_tx(
    c: &mut dyn Conn,
    p: &Principal,
    r: &AccessRequest,
    now: i64,
) -> Result<GrantView> {
    let (org, res) = check_request(c, p, r, false)?;
    let existing = c.query_one(
        "SELECT id FROM grants WHERE system = $1 AND resource = $2 AND source = 'subscription' AND revoked_at IS NULL AND expires_at > $3",
        params![&r.system, &r.resource, now],
    )?;
    if let Some(g) = existing {
        return Err(DomainError::conflict(
            "already_subscribed",
            format!("该系统已订阅此资源（授权 {}）；如需变更请先撤销", g.int(0)?),
            format!("this system already subscribes to the resource (grant {}); revoke it first to change it", g.int(0)?),
        )
        .into());
    }
    let mut fields = r.fields.clone();
    fields.sort();
    let id = insert_grant(
        c,
        &Actor::of(p),
        NewGrant {
            system: &r.system,
            consumer_org: &org,
            resource: &r.resource,
            provider: &res.provider,
            version: res.version,
            fields: &fields,
            purpose: &r.purpose,
            scene: &r.scene,
            source: GrantSource::Subscription,
            application: None,
            days: r.days,
            quota_per_day: None,
        },
        now,
    )?;
    load_grant(c, id, now)
}

pub(crate) fn apply_tx(
    c: &mut dyn Conn,
    p: &Principal,
    r: &AccessRequest,
    now: i64,
) -> Result<ApplicationView> {
    let (org, res) = check_request(c, p, r, true)?;
    let (due_at, unknown) = match super::calendar::due(c, now)? {
        Ok(at) => (Some(at), None),
        Err(NoCalendar { year }) => (None, Some(year as i64)),
    };
    let mut fields = r.fields.clone();
    fields.sort();
    let id = c
        .query_one(
            "INSERT INTO applications (system, consumer_org, resource, provider, fields, purpose, scene, legal_basis, days, status, filed_by, filed_at, due_at, due_unknown_year)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11, $12, $13) RETURNING id",
            params![&r.system, &org, &r.resource, &res.provider, to_json(&fields)?, r.purpose.trim(), r.scene.trim(), r.legal_basis.trim(), r.days as i64, p.actor(), now, due_at, unknown],
        )?
        .ok_or(DbError::Other("insert returned nothing".into()))?
        .int(0)?;
    let due_text = match (due_at, unknown) {
        (Some(at), _) => format!("答复期限 {}", china_day(at)),
        (None, Some(y)) => format!("{y} 年工作日历未加载，期限待定"),
        _ => String::new(),
    };
    let mut notify = vec![res.provider.clone()];
    if unknown.is_some() {
        notify.extend(operator_orgs(c)?);
    }
    emit(
        c,
        &Actor::of(p),
        Event {
            kind: "application.file",
            subject_type: "application",
            subject_id: id,
            resource: Some(&r.resource),
            resource_version: Some(res.version),
            grant: None,
            reason: Some(r.purpose.trim()),
            notify,
            title_zh: format!("{org} 申请使用资源 {}（{due_text}）", r.resource),
            title_en: format!("{org} applies for resource {}", r.resource),
        },
        now,
    )?;
    load_app(c, id, now)
}

pub(crate) fn approve_application_tx(
    c: &mut dyn Conn,
    p: &Principal,
    id: i64,
    a: &Approval,
    now: i64,
) -> Result<ApplicationView> {
    let app = decide_application(c, p, id, now)?;
    let (fields, days) = share::approved_terms(&app.fields, app.days as u32, a)?;
    let res = shareable(c, &app.resource)?;
    if let Some(e) = share::not_shareable(&res.meta, res.negative_listed) {
        return Err(e.into());
    }
    close_application(c, p, id, ApplicationStatus::Approved, &a.opinion, now)?;
    let actor = Actor::of(p);
    emit(
        c,
        &actor,
        Event {
            kind: "application.approve",
            subject_type: "application",
            subject_id: id,
            resource: Some(&app.resource),
            resource_version: Some(res.version),
            grant: None,
            reason: Some(a.opinion.trim()).filter(|s| !s.is_empty()),
            notify: vec![app.consumer_org.clone()],
            title_zh: format!("申请 {id} 已同意（{} 个信息项，{days} 天）", fields.len()),
            title_en: format!(
                "application {id} approved ({} fields, {days} days)",
                fields.len()
            ),
        },
        now,
    )?;
    let grant = insert_grant(
        c,
        &actor,
        NewGrant {
            system: &app.system,
            consumer_org: &app.consumer_org,
            resource: &app.resource,
            provider: &app.provider,
            version: res.version,
            fields: &fields,
            purpose: &app.purpose,
            scene: &app.scene,
            source: GrantSource::Application,
            application: Some(id),
            days,
            quota_per_day: a.quota_per_day,
        },
        now,
    )?;
    c.execute(
        "UPDATE applications SET grant_id = $1 WHERE id = $2",
        params![grant, id],
    )?;
    propose_conversion_if_due(c, &app.resource, &app.provider, now)?;
    load_app(c, id, now)
}

pub(crate) fn reject_application_tx(
    c: &mut dyn Conn,
    p: &Principal,
    id: i64,
    reason: &str,
    now: i64,
) -> Result<ApplicationView> {
    share::require_text("reason", "驳回理由", reason)?;
    let app = decide_application(c, p, id, now)?;
    close_application(c, p, id, ApplicationStatus::Rejected, reason, now)?;
    emit(
        c,
        &Actor::of(p),
        Event {
            kind: "application.reject",
            subject_type: "application",
            subject_id: id,
            resource: Some(&app.resource),
            resource_version: None,
            grant: None,
            reason: Some(reason.trim()),
            notify: vec![app.consumer_org.clone()],
            title_zh: format!("申请 {id} 被驳回：{}", reason.trim()),
            title_en: format!("application {id} rejected: {}", reason.trim()),
        },
        now,
    )?;
    load_app(c, id, now)
}

impl Store {
    /// Subscribes a consumer system to an unconditional resource: the grant is made at once.
    pub async fn subscribe(&self, p: Principal, r: AccessRequest) -> Result<GrantView> {
        let now = self.now();
        self.write(move |c| subscribe_tx(c, &p, &r, now)).await
    }

    /// Files an application for a conditional resource; the provider must answer within the
    /// configured working days.
    pub async fn apply(&self, p: Principal, r: AccessRequest) -> Result<ApplicationView> {
        let now = self.now();
        self.write(move |c| apply_tx(c, &p, &r, now)).await
    }

    /// The provider approves, possibly for fewer fields or a shorter time; the grant is made in
    /// the same transaction. Of two approvals at once, exactly one wins.
    pub async fn approve_application(
        &self,
        p: Principal,
        id: i64,
        a: Approval,
    ) -> Result<ApplicationView> {
        let now = self.now();
        self.write(move |c| approve_application_tx(c, &p, id, &a, now))
            .await
    }

    pub async fn reject_application(
        &self,
        p: Principal,
        id: i64,
        reason: String,
    ) -> Result<ApplicationView> {
        let now = self.now();
        self.write(move |c| reject_application_tx(c, &p, id, &reason, now))
            .await
    }

    /// The consumer withdraws its own pending application.
    pub async fn withdraw_application(&self, p: Principal, id: i64) -> Result<ApplicationView> {
        let now = self.now();
        self.write(move |c| {
            let app = load_app(c, id, now)?;
            share::require_consumer_of(&p, &app.consumer_org)?;
            if app.status != ApplicationStatus::Pending.as_str() {
                return Err(already_decided("申请", "application").into());
            }
            close_application(c, &p, id, ApplicationStatus::Withdrawn, "", now)?;
            emit(
                c,
                &Actor::of(&p),
                Event {
                    kind: "application.withdraw",
                    subject_type: "application",
                    subject_id: id,
                    resource: Some(&app.resource),
                    resource_version: None,
                    grant: None,
                    reason: None,
                    notify: vec![app.provider.clone()],
                    title_zh: format!("申请 {id} 已撤回"),
                    title_en: format!("application {id} withdrawn"),
                },
                now,
            )?;
            load_app(c, id, now)
        })
        .await
    }

    pub async fn get_application(&self, p: Principal, id: i64) -> Result<ApplicationView> {
        p.require_authenticated()?;
        let now = self.now();
        self.read(move |c| {
            let mut app = load_app(c, id, now)?;
            if !(share::may_see_org(&p, &app.consumer_org) || share::may_see_org(&p, &app.provider))
            {
                return Err(not_found("application_not_found", id).into());
            }
            app.history = Some(history(c, "application", id)?);
            Ok(app)
        })
        .await
    }

    /// Applications the caller may see (as consumer or provider, or all for the operator and
    /// auditors); `sort` is `newest` or `due` (soonest deadline first).
    pub async fn list_applications(
        &self,
        p: Principal,
        f: ShareFilter,
        sort: &str,
    ) -> Result<Listed<ApplicationView>> {
        p.require_authenticated()?;
        if let Some(s) = &f.status {
            if ApplicationStatus::parse(s).is_none() && s != "overdue" {
                return Err(super::bad_status(
                    "status",
                    &format!("{}, overdue", ApplicationStatus::wire_names()),
                ));
            }
        }
        let order = if sort == "due" {
            "due_at, id"
        } else {
            "id DESC"
        };
        let now = self.now();
        self.read(move |c| {
            let mut w = Where::default();
            if let Some(org) = f.org.as_deref() {
                w.any_in(&["consumer_org", "provider"], &[org.to_string()]);
            }
            w.eq("resource", f.resource.as_deref());
            w.eq("system", f.system.as_deref());
            match f.status.as_deref() {
                Some("overdue") => {
                    w.raw("status = 'pending'");
                    w.raw(&format!("due_at < {now}"));
                }
                other => w.eq("status", other),
            }
            scope(&mut w, &p, &["consumer_org", "provider"]);
            let rows = w.fetch(
                c,
                &format!("SELECT {APP_COLS} FROM applications"),
                order,
                &f,
            )?;
            rows.try_map(|r| app_from_row(r, now))
        })
        .await
    }

    /// The operator's supervision list (督办): applications escalated for missing their
    /// deadline (answered late ones stay on it), and those whose deadline is unknown.
    pub async fn supervision_list(&self, p: Principal) -> Result<Vec<ApplicationView>> {
        if !share::sees_everything(&p) {
            p.require_platform_admin()?;
        }
        let now = self.now();
        self.read(move |c| {
            c.query(
                &format!("SELECT {APP_COLS} FROM applications WHERE escalated_at IS NOT NULL OR (status = 'pending' AND due_unknown_year IS NOT NULL) ORDER BY id DESC"),
                &[],
            )?
            .iter()
            .map(|r| app_from_row(r, now))
            .collect()
        })
        .await
    }

    pub async fn get_grant(&self, p: Principal, id: i64) -> Result<GrantView> {
        p.require_authenticated()?;
        let now = self.now();
        self.read(move |c| {
            let g = load_grant(c, id, now)?;
            let own_system = matches!(&p, Principal::System { system, .. } if *system == g.system);
            if own_system
                || matches!(&p, Principal::Person { .. })
                    && (share::may_see_org(&p, &g.consumer_org)
                        || share::may_see_org(&p, &g.provider))
            {
                Ok(g)
            } else {
                Err(not_found("grant_not_found", id).into())
            }
        })
        .await
    }

    /// Grants the caller may see: a system its own; people their organisation's (as consumer
    /// or provider); the operator and auditors all. `status` is active, expired or revoked.
    pub async fn list_grants(&self, p: Principal, f: ShareFilter) -> Result<Listed<GrantView>> {
        p.require_authenticated()?;
        let now = self.now();
        self.read(move |c| {
            let mut w = Where::default();
            if let Some(org) = f.org.as_deref() {
                w.any_in(&["consumer_org", "provider"], &[org.to_string()]);
            }
            w.eq("resource", f.resource.as_deref());
            w.eq("system", f.system.as_deref());
            match f.status.as_deref() {
                None => {}
                Some("active") => w.raw(&format!("revoked_at IS NULL AND expires_at > {now}")),
                Some("expired") => w.raw(&format!("revoked_at IS NULL AND expires_at <= {now}")),
                Some("revoked") => w.raw("revoked_at IS NOT NULL"),
                Some(_) => return Err(super::bad_status("status", "active, expired, revoked")),
            }
            match &p {
                Principal::System { system, .. } => w.eq("system", Some(system)),
                _ => scope(&mut w, &p, &["consumer_org", "provider"]),
            }
            let rows = w.fetch(
                c,
                &format!("SELECT {GRANT_COLS} FROM grants"),
                "id DESC",
                &f,
            )?;
            rows.try_map(|r| grant_from_row(r, now))
        })
        .await
    }

    /// Revokes a grant; it stops working on the very next request.
    pub async fn revoke_grant(&self, p: Principal, id: i64, reason: String) -> Result<GrantView> {
        share::require_text("reason", "撤销理由", &reason)?;
        let now = self.now();
        self.write(move |c| {
            let g = load_grant(c, id, now)?;
            if !(share::may_see_org(&p, &g.consumer_org) || share::may_see_org(&p, &g.provider)) {
                return Err(not_found("grant_not_found", id).into());
            }
            share::require_grant_party(&p, &g.provider, &g.consumer_org)?;
            end_grant(
                c,
                &Actor::of(&p),
                id,
                &g.consumer_org,
                &g.provider,
                &g.resource,
                reason.trim(),
                now,
            )?;
            load_grant(c, id, now)
        })
        .await
    }

    /// Sets a grant's call limits: calls a second (`None`: the platform default) and calls a
    /// day (`None`: no daily quota). The provider's steward or the operator; audited.
    pub async fn set_grant_limits(
        &self,
        p: Principal,
        id: i64,
        rate_per_second: Option<i64>,
        quota_per_day: Option<i64>,
    ) -> Result<GrantView> {
        if matches!(p, Principal::Anonymous) {
            return Err(DomainError::unauthenticated(
                "unauthenticated",
                "请先登录",
                "sign in first",
            )
            .into());
        }
        let mut bad = Vec::new();
        for (field, v) in [
            ("rate_per_second", rate_per_second),
            ("quota_per_day", quota_per_day),
        ] {
            if v.is_some_and(|n| !(1..=1_000_000_000).contains(&n)) {
                bad.push(shuqiao_core::FieldError::new(
                    field,
                    "out_of_range",
                    format!("「{field}」应为 1 至 1000000000 的整数，或省略表示不限"),
                    format!("`{field}` must be 1 to 1,000,000,000, or left out for no limit"),
                ));
            }
        }
        if !bad.is_empty() {
            return Err(DomainError::invalid(bad).into());
        }
        let now = self.now();
        self.write(move |c| {
            let g = load_grant(c, id, now)?;
            if !(share::may_see_org(&p, &g.consumer_org) || share::may_see_org(&p, &g.provider)) {
                return Err(not_found("grant_not_found", id).into());
            }
            share::require_limit_setter(&p, &g.provider)?;
            c.execute(
                "UPDATE grants SET rate_per_second = $1, quota_per_day = $2 WHERE id = $3",
                params![rate_per_second, quota_per_day, id],
            )?;
            let show = |v: Option<i64>| v.map_or("不限/none".to_string(), |n| n.to_string());
            let reason = format!(
                "rate_per_second={} quota_per_day={}",
                show(rate_per_second),
                show(quota_per_day)
            );
            emit(
                c,
                &Actor::of(&p),
                Event {
                    kind: "grant.limits",
                    subject_type: "grant",
                    subject_id: id,
                    resource: Some(&g.resource),
                    resource_version: None,
                    grant: Some(id),
                    reason: Some(&reason),
                    notify: vec![g.consumer_org.clone(), g.provider.clone()],
                    title_zh: format!("授权 {id} 的调用限额已调整：{reason}"),
                    title_en: format!("grant {id} limits changed: {reason}"),
                },
                now,
            )?;
            load_grant(c, id, now)
        })
        .await
    }

    /// The grant that lets `system` use `resource` right now, if any: what the exchange API
    /// checks on every request, so revocation and expiry take effect at once.
    pub async fn active_grants(&self, system: &str, resource: &str) -> Result<Vec<GrantView>> {
        let now = self.now();
        let (system, resource) = (system.to_string(), resource.to_string());
        self.read(move |c| {
            c.query(
                &format!("SELECT {GRANT_COLS} FROM grants WHERE system = $1 AND resource = $2 AND revoked_at IS NULL AND expires_at > $3 ORDER BY id"),
                params![&system, &resource, now],
            )?
            .iter()
            .map(|r| grant_from_row(r, now))
            .collect()
        })
        .await
    }

    pub async fn list_conversions(
        &self,
        p: Principal,
        f: ShareFilter,
    ) -> Result<Listed<ConversionView>> {
        p.require_authenticated()?;
        if let Some(s) = &f.status {
            if ConversionStatus::parse(s).is_none() {
                return Err(super::bad_status("status", &ConversionStatus::wire_names()));
            }
        }
        self.read(move |c| {
            let mut w = Where::default();
            w.eq("status", f.status.as_deref());
            w.eq("resource", f.resource.as_deref());
            scope(&mut w, &p, &["provider"]);
            let rows = w.fetch(
                c,
                &format!("SELECT {CONVERSION_COLS} FROM conversions"),
                "id DESC",
                &f,
            )?;
            Ok(rows.try_map(conversion_from_row)?)
        })
        .await
    }

    /// The provider keeps the resource conditional, citing the legal basis that requires it.
    pub async fn keep_conditional(
        &self,
        p: Principal,
        id: i64,
        legal_basis: String,
    ) -> Result<ConversionView> {
        share::require_text("legal_basis", "法律法规依据", &legal_basis)?;
        self.decide_conversion(p, id, ConversionStatus::Kept, Some(legal_basis))
            .await
    }

    /// The provider accepts: a catalog change to 无条件共享 is drafted and submitted for the
    /// operator to publish, like every catalog change.
    pub async fn accept_conversion(&self, p: Principal, id: i64) -> Result<ConversionView> {
        self.decide_conversion(p, id, ConversionStatus::Accepted, None)
            .await
    }

    async fn decide_conversion(
        &self,
        p: Principal,
        id: i64,
        status: ConversionStatus,
        legal_basis: Option<String>,
    ) -> Result<ConversionView> {
        let now = self.now();
        self.write(move |c| {
            let conv = load_conversion(c, id)?;
            share::require_provider_steward(&p, &conv.provider)?;
            let n = c.execute(
                "UPDATE conversions SET status = $1, decided_by = $2, decided_at = $3, legal_basis = $4 WHERE id = $5 AND status = 'proposed'",
                params![status.as_str(), p.actor(), now, legal_basis.as_deref().map(str::trim), id],
            )?;
            if n == 0 {
                return Err(already_decided("转换提议", "conversion proposal").into());
            }
            if status == ConversionStatus::Accepted {
                let mut meta = shareable(c, &conv.resource)?.meta;
                meta.share_type = ShareType::Unconditional;
                meta.share_condition = None;
                crate::catalog::edit_draft(c, &p, &conv.resource, &meta, now)?;
                crate::catalog::submit_resource(c, &p, &conv.resource, now)?;
            }
            let mut notify = operator_orgs(c)?;
            notify.push(conv.provider.clone());
            emit(
                c,
                &Actor::of(&p),
                Event {
                    kind: if status == ConversionStatus::Accepted { "conversion.accept" } else { "conversion.keep" },
                    subject_type: "conversion",
                    subject_id: id,
                    resource: Some(&conv.resource),
                    resource_version: None,
                    grant: None,
                    reason: legal_basis.as_deref().map(str::trim),
                    notify,
                    title_zh: format!("资源 {}：{}", conv.resource, status.label_zh()),
                    title_en: format!("resource {}: {}", conv.resource, status.as_str()),
                },
                now,
            )?;
            load_conversion(c, id)
        })
        .await
    }

    /// Puts overdue applications on the supervision list and notes expired grants. Run by the
    /// server every minute (with `quality_sweep`) and by `shuqiao share sweep`; safe to run from several replicas.
    pub async fn share_sweep(&self) -> Result<SweepReport> {
        let now = self.now();
        self.write(move |c| {
            let mut report = SweepReport::default();
            let overdue = c.query(
                "SELECT id, consumer_org, provider, resource, due_at FROM applications WHERE status = 'pending' AND due_at < $1 AND escalated_at IS NULL",
                params![now],
            )?;
            let operators = operator_orgs(c)?;
            for r in overdue {
                let (id, consumer, provider, resource, due) =
                    (r.int(0)?, r.text(1)?, r.text(2)?, r.text(3)?, r.int(4)?);
                c.execute(
                    "UPDATE applications SET escalated_at = $1 WHERE id = $2",
                    params![now, id],
                )?;
                let mut notify = operators.clone();
                notify.extend([consumer, provider.clone()]);
                emit(
                    c,
                    &Actor::platform(),
                    Event {
                        kind: "application.escalate",
                        subject_type: "application",
                        subject_id: id,
                        resource: Some(&resource),
                        resource_version: None,
                        grant: None,
                        reason: Some("超过答复期限 answer overdue"),
                        notify,
                        title_zh: format!("督办：{provider} 未在期限（{}）内答复申请 {id}", china_day(due)),
                        title_en: format!("supervision: {provider} missed the deadline ({}) for application {id}", china_day(due)),
                    },
                    now,
                )?;
                report.escalated += 1;
            }
            let expired = c.query(
                "SELECT id, consumer_org, provider, resource FROM grants WHERE expiry_noted = 0 AND revoked_at IS NULL AND expires_at <= $1",
                params![now],
            )?;
            for r in expired {
                let (id, consumer, provider, resource) = (r.int(0)?, r.text(1)?, r.text(2)?, r.text(3)?);
                c.execute("UPDATE grants SET expiry_noted = 1 WHERE id = $1", params![id])?;
                emit(
                    c,
                    &Actor::platform(),
                    Event {
                        kind: "grant.expire",
                        subject_type: "grant",
                        subject_id: id,
                        resource: Some(&resource),
                        resource_version: None,
                        grant: Some(id),
                        reason: None,
                        notify: vec![consumer, provider],
                        title_zh: format!("授权 {id} 已到期"),
                        title_en: format!("grant {id} has expired"),
                    },
                    now,
                )?;
                report.expired += 1;
            }
            Ok(report)
        })
        .await
    }

    /// Runs [`Store::share_sweep`] every `every` until the process ends; failures are logged
    /// and retried on the next tick.
    pub async fn run_share_sweeper(self, every: std::time::Duration) {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match self.share_sweep().await {
                Ok(r) if r.escalated + r.expired > 0 => {
                    tracing::info!(
                        escalated = r.escalated,
                        expired = r.expired,
                        "sharing sweep"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "sharing sweep failed; will retry"),
            }
            match self.quality_sweep().await {
                Ok(r) if r.objections + r.needs > 0 => {
                    tracing::info!(objections = r.objections, needs = r.needs, "quality sweep")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "quality sweep failed; will retry"),
            }
            match self.alert_sweep().await {
                Ok(r) if r.raised > 0 => {
                    tracing::info!(raised = r.raised, suspended = r.suspended, "usage alerts")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "usage alert sweep failed; will retry"),
            }
            match self.refresh_quality_scores().await {
                Ok(n) if n > 0 => tracing::info!(resources = n, "quality scores"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "quality scores failed; will retry"),
            }
        }
    }

    /// Figures computed from what happened: need satisfaction, on-time answers, grants.
    pub async fn share_stats(&self, p: Principal, org: Option<String>) -> Result<ShareStats> {
        p.require_authenticated()?;
        if let Some(o) = &org {
            if !share::may_see_org(&p, o) {
                return Err(DomainError::forbidden(
                    "not_own_org",
                    "只能查看本单位的统计，平台管理员和审计人员可查看全部",
                    "you can see your own organisation's figures; the operator and auditors see all",
                )
                .into());
            }
        } else if !share::sees_everything(&p) {
            return Err(DomainError::forbidden(
                "requires_platform_admin",
                "全省统计仅平台管理员和审计人员可见；请用 org 参数查看本单位",
                "province-wide figures are for the operator and auditors; pass org for your own",
            )
            .into());
        }
        let now = self.now();
        self.read(move |c| {
            let mut s = ShareStats::default();
            let needs = |status: Option<&str>| {
                let mut w = Where::default();
                w.eq("org", org.as_deref());
                w.eq("status", status);
                w
            };
            s.needs_total = count(c, "SELECT COUNT(*) FROM needs", &needs(None))?;
            s.needs_open = count(c, "SELECT COUNT(*) FROM needs", &needs(Some("open")))?;
            s.needs_confirmed = count(c, "SELECT COUNT(*) FROM needs", &needs(Some("confirmed")))?;
            s.needs_satisfied = count(c, "SELECT COUNT(*) FROM needs", &needs(Some("satisfied")))?;
            s.needs_rejected = count(c, "SELECT COUNT(*) FROM needs", &needs(Some("rejected")))?;
            s.need_satisfaction_rate = share::satisfaction_rate(s.needs_satisfied, s.needs_total);
            let apps = |extra: &str| {
                let mut w = Where::default();
                if let Some(o) = org.as_deref() {
                    w.any_in(&["consumer_org", "provider"], &[o.to_string()]);
                }
                if !extra.is_empty() {
                    w.raw(extra);
                }
                w
            };
            const A: &str = "SELECT COUNT(*) FROM applications";
            s.applications_total = count(c, A, &apps(""))?;
            s.applications_pending = count(c, A, &apps("status = 'pending'"))?;
            s.applications_overdue = count(c, A, &apps(&format!("status = 'pending' AND due_at < {now}")))?;
            s.applications_escalated = count(c, A, &apps("escalated_at IS NOT NULL"))?;
            s.applications_answered = count(c, A, &apps("status IN ('approved', 'rejected')"))?;
            s.applications_answered_on_time = count(c, A, &apps("status IN ('approved', 'rejected') AND due_at IS NOT NULL AND decided_at <= due_at"))?;
            s.applications_due_unknown = count(c, A, &apps("status = 'pending' AND due_unknown_year IS NOT NULL"))?;
            let due_base = s.applications_answered + s.applications_overdue;
            s.on_time_rate = (due_base > 0).then(|| s.applications_answered_on_time as f64 / due_base as f64);
            const G: &str = "SELECT COUNT(*) FROM grants";
            s.grants_active = count(c, G, &apps(&format!("revoked_at IS NULL AND expires_at > {now}")))?;
            s.grants_expired = count(c, G, &apps(&format!("revoked_at IS NULL AND expires_at <= {now}")))?;
            s.grants_revoked = count(c, G, &apps("revoked_at IS NOT NULL"))?;
            let mut w = Where::default();
            w.eq("provider", org.as_deref());
            w.raw("status = 'proposed'");
            s.conversions_open = count(c, "SELECT COUNT(*) FROM conversions", &w)?;
            Ok(s)
        })
        .await
    }
}
