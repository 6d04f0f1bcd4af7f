//! Usage alerts (监测预警): the sweep reads what the exchange's calls already wrote — the usage
//! counters, and the log's entries after a stored cursor for hours and subjects — so the hot
//! path writes nothing more. Each alert, suspension, review and settings change is sealed and
//! reaches the provider's and the operator's inbox (and webhooks) through `emit_as`.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::assess::alerts::{
    self, china_day_hour, days_before, AlertKind, AlertSettings, Finding, Review,
};
use shuqiao_core::catalog::china_date;
use shuqiao_core::exchange::CallResult;
use shuqiao_core::{share, DomainError, FieldError};

use crate::db::{Conn, DbError, Value};
use crate::share::access::end_grant;
use crate::share::events::{emit_as, operator_orgs, Actor, Event};
use crate::share::{scope, Listed, ShareFilter, Where};
use crate::{from_json, params, to_json, Result, Store};

/// Entries read from the log per transaction of the sweep.
const SWEEP_CHUNK: i64 = 5000;

/// One alert as its readers see it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlertView {
    pub id: i64,
    /// `jump`, `unusual_hours` or `harvesting`.
    pub kind: String,
    pub system: String,
    pub consumer_org: String,
    pub resource: String,
    pub provider: String,
    pub grant: i64,
    /// The China day the counts are of.
    pub window: String,
    pub observed: i64,
    pub baseline: f64,
    pub evidence: serde_json::Value,
    /// `open`, `cleared` or `revoked`.
    pub state: String,
    /// Whether this alert suspended its grant.
    pub suspended: bool,
    pub raised_at: i64,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<i64>,
    pub review_note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct AlertSweepReport {
    pub raised: u64,
    pub suspended: u64,
}

const ALERT_COLS: &str = "id, kind, system, consumer_org, resource, provider, grant_id, window_day, observed, baseline, evidence, state, suspended, raised_at, reviewed_by, reviewed_at, review_note";

fn real(v: &Value) -> Result<f64> {
    match v {
        Value::Real(f) => Ok(*f),
        Value::Int(n) => Ok(*n as f64),
        other => Err(DbError::Other(format!("expected a number, got {other:?}")).into()),
    }
}

fn alert_from_row(r: &crate::db::Row) -> Result<AlertView> {
    Ok(AlertView {
        id: r.int(0)?,
        kind: r.text(1)?,
        system: r.text(2)?,
        consumer_org: r.text(3)?,
        resource: r.text(4)?,
        provider: r.text(5)?,
        grant: r.int(6)?,
        window: r.text(7)?,
        observed: r.int(8)?,
        baseline: real(&r.0[9])?,
        evidence: from_json(&r.text(10)?)?,
        state: r.text(11)?,
        suspended: r.bool(12)?,
        raised_at: r.int(13)?,
        reviewed_by: r.opt_text(14)?,
        reviewed_at: r.opt_int(15)?,
        review_note: r.opt_text(16)?,
    })
}

fn alert_not_found(id: i64) -> DomainError {
    DomainError::not_found(
        "alert_not_found",
        format!("没有编号为 {id} 的预警，或您无权查看"),
        format!("there is no alert {id}, or you may not see it"),
    )
}

fn load_alert(c: &mut dyn Conn, id: i64) -> Result<AlertView> {
    let r = c
        .query_one(
            &format!("SELECT {ALERT_COLS} FROM usage_alerts WHERE id = $1"),
            params![id],
        )?
        .ok_or_else(|| alert_not_found(id))?;
    alert_from_row(&r)
}

/// The alert if `p` may see it: the operator and auditors any; a department those about
/// grants it provides or consumes. Otherwise as if there were none.
fn visible_alert(c: &mut dyn Conn, p: &Principal, id: i64) -> Result<AlertView> {
    let a = load_alert(c, id)?;
    if share::may_see_org(p, &a.consumer_org) || share::may_see_org(p, &a.provider) {
        Ok(a)
    } else {
        Err(alert_not_found(id).into())
    }
}

fn load_settings(c: &mut dyn Conn) -> Result<AlertSettings> {
    match c.query_one("SELECT settings FROM alert_settings WHERE id = 1", &[])? {
        Some(r) => from_json(&r.text(0)?),
        None => Ok(AlertSettings::default()),
    }
}

/// One call the sweep counts, as read from the log.
struct Call {
    grant: i64,
    day: String,
    hour: i64,
    subjects: Vec<String>,
}

/// What the sweep's read found: the log's calls after the cursor, and each grant's daily
/// calls around the days to judge.
struct Read {
    settings: AlertSettings,
    from: i64,
    to: i64,
    full: bool,
    calls: Vec<Call>,
    /// Calls per grant and day, for the days judged and the baseline days before them.
    daily: HashMap<(i64, String), i64>,
    /// (grant, day) pairs to judge.
    judge: BTreeSet<(i64, String)>,
}

/// A grant as the sweep needs it.
struct GrantFacts {
    system: String,
    consumer_org: String,
    resource: String,
    provider: String,
    created_at: i64,
    live: bool,
}

impl Store {
    /// The operator's alert settings (the defaults until set). The operator and auditors.
    pub async fn alert_settings(&self, p: Principal) -> Result<AlertSettings> {
        alerts::require_settings_reader(&p)?;
        self.read(|c| load_settings(c)).await
    }

    /// Replaces the alert settings: every problem reported at once, nothing changed on any;
    /// sealed and told to the operator's inbox.
    pub async fn set_alert_settings(
        &self,
        p: Principal,
        s: AlertSettings,
    ) -> Result<AlertSettings> {
        alerts::require_alert_operator(&p)?;
        s.validate()?;
        let now = self.now();
        self.write(move |c| {
            let text = to_json(&s)?;
            c.execute(
                "INSERT INTO alert_settings (id, settings, updated_by, updated_at) VALUES (1, $1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET settings = excluded.settings,
                   updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                params![&text, p.actor(), now],
            )?;
            let notify = operator_orgs(c)?;
            emit_as(
                c,
                "assess",
                &Actor::of(&p),
                Event {
                    kind: "alert_settings.change",
                    subject_type: "alert_settings",
                    subject_id: 1,
                    resource: None,
                    resource_version: None,
                    grant: None,
                    reason: Some(&text),
                    notify,
                    title_zh: "调用监测预警设置已修改".into(),
                    title_en: "usage alert settings changed".into(),
                },
                now,
            )?;
            load_settings(c)
        })
        .await
    }

    /// Alerts `p` may see, newest first: `status` filters the state, and `resource` and
    /// `system` narrow them.
    pub async fn list_alerts(&self, p: Principal, f: ShareFilter) -> Result<Listed<AlertView>> {
        alerts::require_alert_reader(&p)?;
        self.read(move |c| {
            let mut w = Where::default();
            w.eq("state", f.status.as_deref());
            w.eq("resource", f.resource.as_deref());
            w.eq("system", f.system.as_deref());
            scope(&mut w, &p, &["consumer_org", "provider"]);
            let rows = w.fetch(
                c,
                &format!("SELECT {ALERT_COLS} FROM usage_alerts"),
                "id DESC",
                &f,
            )?;
            rows.try_map(alert_from_row)
        })
        .await
    }

    /// One alert, if `p` may see it.
    pub async fn get_alert(&self, p: Principal, id: i64) -> Result<AlertView> {
        alerts::require_alert_reader(&p)?;
        self.read(move |c| visible_alert(c, &p, id)).await
    }

    /// The operator's review: `clear` lifts a suspension the alert caused; `revoke` revokes
    /// the grant as its parties' revocation does. An alert is reviewed once.
    pub async fn review_alert(
        &self,
        p: Principal,
        id: i64,
        review: Review,
        note: String,
    ) -> Result<AlertView> {
        alerts::require_alert_reader(&p)?;
        let note = note.trim().to_string();
        if note.is_empty() {
            return Err(DomainError::one(FieldError::new(
                "note",
                "required",
                "请填写复核意见",
                "give the review's reasons",
            ))
            .into());
        }
        let now = self.now();
        self.write(move |c| {
            let a = visible_alert(c, &p, id)?;
            alerts::require_alert_operator(&p)?;
            let n = c.execute(
                "UPDATE usage_alerts SET state = $1, reviewed_by = $2, reviewed_at = $3, review_note = $4
                 WHERE id = $5 AND state = 'open'",
                params![review.state(), p.actor(), now, &note, id],
            )?;
            if n == 0 {
                return Err(alerts::already_reviewed(id).into());
            }
            let actor = Actor::of(&p);
            let mut notify = operator_orgs(c)?;
            notify.extend([a.provider.clone(), a.consumer_org.clone()]);
            let (zh, en) = review_words(review);
            emit_as(
                c,
                "assess",
                &actor,
                Event {
                    kind: match review {
                        Review::Clear => "alert.clear",
                        Review::Revoke => "alert.revoke",
                    },
                    subject_type: "alert",
                    subject_id: id,
                    resource: Some(&a.resource),
                    resource_version: None,
                    grant: Some(a.grant),
                    reason: Some(&note),
                    notify: notify.clone(),
                    title_zh: format!("预警 {id}（授权 {}）复核结果：{zh}：{note}", a.grant),
                    title_en: format!("alert {id} (grant {}) reviewed: {en}: {note}", a.grant),
                },
                now,
            )?;
            match review {
                Review::Clear => lift_suspension(c, &actor, &a, notify, now)?,
                Review::Revoke => revoke_for_alert(c, &actor, &a, &note, now)?,
            }
            load_alert(c, id)
        })
        .await
    }

    /// Reads the log's calls since the last run, counts them by hour and subject, judges each
    /// grant's day by the three rules, and raises (and, when the operator so set, suspends)
    /// once per kind, grant and day. Run by the server every minute and by
    /// `shuqiao share sweep`; safe to run from several replicas (the cursor moves only from
    /// where a run read it).
    pub async fn alert_sweep(&self) -> Result<AlertSweepReport> {
        let mut report = AlertSweepReport::default();
        loop {
            self.audit.spread().await?;
            let today = china_date(self.now());
            let read = self.read(move |c| read_for_sweep(c, &today)).await?;
            let full = read.full;
            let now = self.now();
            let r = self.write(move |c| apply_sweep(c, read, now)).await?;
            report.raised += r.raised;
            report.suspended += r.suspended;
            if !full {
                return Ok(report);
            }
        }
    }
}

fn review_words(r: Review) -> (&'static str, &'static str) {
    match r {
        Review::Clear => ("解除（无异常）", "cleared"),
        Review::Revoke => ("撤销授权", "grant revoked"),
    }
}

/// Lifts the grant's suspension if this alert caused it.
fn lift_suspension(
    c: &mut dyn Conn,
    actor: &Actor,
    a: &AlertView,
    notify: Vec<String>,
    now: i64,
) -> Result<()> {
    let n = c.execute(
        "UPDATE grants SET suspended_at = NULL, suspend_reason = NULL, suspended_alert = NULL
         WHERE id = $1 AND suspended_alert = $2",
        params![a.grant, a.id],
    )?;
    if n > 0 {
        emit_as(
            c,
            "assess",
            actor,
            Event {
                kind: "grant.resume",
                subject_type: "grant",
                subject_id: a.grant,
                resource: Some(&a.resource),
                resource_version: None,
                grant: Some(a.grant),
                reason: Some("预警复核解除 alert cleared"),
                notify,
                title_zh: format!("授权 {} 已恢复：预警 {} 复核解除", a.grant, a.id),
                title_en: format!("grant {} restored: alert {} cleared", a.grant, a.id),
            },
            now,
        )?;
    }
    Ok(())
}

/// Revokes the alert's grant, unless it has been revoked already.
fn revoke_for_alert(
    c: &mut dyn Conn,
    actor: &Actor,
    a: &AlertView,
    note: &str,
    now: i64,
) -> Result<()> {
    let live = c
        .query_one(
            "SELECT id FROM grants WHERE id = $1 AND revoked_at IS NULL",
            params![a.grant],
        )?
        .is_some();
    if live {
        let reason = format!("预警 {} 复核 alert review: {note}", a.id);
        end_grant(
            c,
            actor,
            a.grant,
            &a.consumer_org,
            &a.provider,
            &a.resource,
            &reason,
            now,
        )?;
    }
    Ok(())
}

/// The sweep's read: settings, the cursor, a chunk of the log's calls after it, and the daily
/// counts of the grants to judge (those called in the chunk, and those called today).
fn read_for_sweep(c: &mut dyn Conn, today: &str) -> Result<Read> {
    let settings = load_settings(c)?;
    let from = c
        .query_one("SELECT idx FROM alert_cursor WHERE id = 1", &[])?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(-1);
    let rows = c.query(
        "SELECT idx, action, entry FROM audit_entries WHERE idx > $1 ORDER BY idx LIMIT $2",
        params![from, SWEEP_CHUNK],
    )?;
    let full = rows.len() as i64 == SWEEP_CHUNK;
    let mut to = from;
    let mut calls = Vec::new();
    for r in &rows {
        to = r.int(0)?;
        if !r.text(1)?.starts_with("exchange.") {
            continue;
        }
        if let Some(call) = counted_call(&crate::audit::decode_entry(&r.0[2])?) {
            calls.push(call);
        }
    }
    // Only today and yesterday are judged: a backlog of old calls (a first run on a long log)
    // counts towards baselines but raises nothing about days long past.
    let yesterday = days_before(today, 1).unwrap_or_default();
    let recent = |day: &str| yesterday.first().is_none_or(|y| day >= y.as_str());
    let mut judge: BTreeSet<(i64, String)> = calls
        .iter()
        .filter(|c| recent(&c.day))
        .map(|c| (c.grant, c.day.clone()))
        .collect();
    for r in c.query(
        "SELECT DISTINCT grant_id FROM exchange_usage WHERE day = $1 AND grant_id <> 0",
        params![today],
    )? {
        judge.insert((r.int(0)?, today.to_string()));
    }
    let mut daily = HashMap::new();
    for (grant, day) in &judge {
        let mut days = days_before(day, settings.baseline_days).unwrap_or_default();
        days.push(day.clone());
        let first = days.first().cloned().unwrap_or_else(|| day.clone());
        for r in c.query(
            "SELECT day, CAST(SUM(calls) AS BIGINT) FROM exchange_usage
             WHERE grant_id = $1 AND day >= $2 AND day <= $3 GROUP BY day",
            params![*grant, &first, day],
        )? {
            daily.insert((*grant, r.text(0)?), r.int(1)?);
        }
    }
    Ok(Read {
        settings,
        from,
        to,
        full,
        calls,
        daily,
        judge,
    })
}

/// A served call under a grant, as the counters count it; refusals are not use.
fn counted_call(e: &shuqiao_core::audit::entry::Entry) -> Option<Call> {
    e.actor_system.as_ref()?;
    let grant = e.grant.as_deref()?.parse::<i64>().ok()?;
    if !e.result.parse::<CallResult>().ok()?.is_ok() {
        return None;
    }
    let (day, hour) = china_day_hour(e.time);
    Some(Call {
        grant,
        day,
        hour,
        subjects: e.subjects.clone(),
    })
}

fn apply_sweep(c: &mut dyn Conn, read: Read, now: i64) -> Result<AlertSweepReport> {
    let mut report = AlertSweepReport::default();
    if read.to != read.from {
        let moved = c.execute(
            "UPDATE alert_cursor SET idx = $1 WHERE id = 1 AND idx = $2",
            params![read.to, read.from],
        )?;
        if moved == 0 {
            // Another run counted this chunk; it judges it too.
            return Ok(report);
        }
        count_calls(c, &read.calls)?;
    }
    let s = read.settings;
    for (grant, day) in &read.judge {
        let Some(g) = grant_facts(c, *grant)? else {
            continue;
        };
        if !g.live {
            continue;
        }
        for (finding, evidence) in judge_day(c, &read, &g, *grant, day)? {
            if let Some((_, suspended)) = raise(c, &s, &g, *grant, day, finding, evidence, now)? {
                report.raised += 1;
                report.suspended += u64::from(suspended);
            }
        }
    }
    prune(c, &s, &china_date(now))?;
    Ok(report)
}

/// Adds the chunk's calls to the hourly counts and the day's distinct subjects.
fn count_calls(c: &mut dyn Conn, calls: &[Call]) -> Result<()> {
    let mut hours: BTreeMap<(&str, i64, i64), i64> = BTreeMap::new();
    let mut subjects: BTreeSet<(&str, i64, &str)> = BTreeSet::new();
    for call in calls {
        *hours.entry((&call.day, call.hour, call.grant)).or_default() += 1;
        for s in &call.subjects {
            subjects.insert((&call.day, call.grant, s));
        }
    }
    for ((day, hour, grant), n) in hours {
        c.execute(
            "INSERT INTO usage_hours (day, hour, grant_id, calls) VALUES ($1, $2, $3, $4)
             ON CONFLICT (day, hour, grant_id) DO UPDATE SET calls = usage_hours.calls + excluded.calls",
            params![day, hour, grant, n],
        )?;
    }
    for (day, grant, subject) in subjects {
        c.execute(
            "INSERT INTO usage_subjects (day, grant_id, subject) VALUES ($1, $2, $3)
             ON CONFLICT (day, grant_id, subject) DO NOTHING",
            params![day, grant, subject],
        )?;
    }
    Ok(())
}

fn grant_facts(c: &mut dyn Conn, grant: i64) -> Result<Option<GrantFacts>> {
    let Some(r) = c.query_one(
        "SELECT system, consumer_org, resource, provider, created_at, revoked_at FROM grants WHERE id = $1",
        params![grant],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(GrantFacts {
        system: r.text(0)?,
        consumer_org: r.text(1)?,
        resource: r.text(2)?,
        provider: r.text(3)?,
        created_at: r.int(4)?,
        live: r.opt_int(5)?.is_none(),
    }))
}

/// The three rules on one grant's day, each finding with the counts behind it.
fn judge_day(
    c: &mut dyn Conn,
    read: &Read,
    g: &GrantFacts,
    grant: i64,
    day: &str,
) -> Result<Vec<(Finding, serde_json::Value)>> {
    let s = &read.settings;
    let before = days_before(day, s.baseline_days).unwrap_or_default();
    let mut out = Vec::new();

    // A jump needs a full baseline: the grant existed on the first of its days.
    let calls_on = |d: &str| {
        read.daily
            .get(&(grant, d.to_string()))
            .copied()
            .unwrap_or(0)
    };
    let today = calls_on(day);
    let full = before
        .first()
        .is_some_and(|first| china_date(g.created_at).as_str() <= first.as_str());
    let previous: Vec<i64> = match full {
        true => before.iter().map(|d| calls_on(d)).collect(),
        false => Vec::new(),
    };
    if let Some(f) = alerts::jump(today, &previous, s) {
        let days: BTreeMap<&str, i64> = before.iter().map(|d| (d.as_str(), calls_on(d))).collect();
        out.push((
            f,
            serde_json::json!({
                "calls": today, "previous_days": days,
                "jump_factor": s.jump_factor, "min_calls": s.min_calls,
            }),
        ));
    }

    let quiet_on = |c: &mut dyn Conn, d: &str| -> Result<BTreeMap<i64, i64>> {
        let mut by_hour = BTreeMap::new();
        for r in c.query(
            "SELECT hour, calls FROM usage_hours WHERE day = $1 AND grant_id = $2",
            params![d, grant],
        )? {
            let hour = r.int(0)?;
            if s.is_quiet(hour) {
                by_hour.insert(hour, r.int(1)?);
            }
        }
        Ok(by_hour)
    };
    let quiet_today = quiet_on(c, day)?;
    let quiet_total: i64 = quiet_today.values().sum();
    if quiet_total > 0 {
        let mut previous = Vec::new();
        for d in &before {
            previous.push(quiet_on(c, d)?.values().sum());
        }
        if let Some(f) = alerts::unusual_hours(quiet_total, &previous, s) {
            let hours: BTreeMap<String, i64> = quiet_today
                .iter()
                .map(|(h, n)| (format!("{h:02}:00"), *n))
                .collect();
            out.push((
                f,
                serde_json::json!({
                    "quiet_calls_by_hour": hours, "previous_days_quiet_calls": previous,
                    "quiet_start": s.quiet_start, "quiet_end": s.quiet_end,
                }),
            ));
        }
    }

    let distinct = c
        .query_one(
            "SELECT COUNT(*) FROM usage_subjects WHERE day = $1 AND grant_id = $2",
            params![day, grant],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    if distinct > 0 {
        let live = c
            .query_one(
                "SELECT records FROM resource_data WHERE code = $1",
                params![&g.resource],
            )?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(0);
        if let Some(f) = alerts::harvesting(distinct, live, s) {
            out.push((
                f,
                serde_json::json!({
                    "distinct_subjects": distinct, "live_subjects": live,
                    "share": distinct as f64 / live as f64,
                    "harvest_share": s.harvest_share, "harvest_min_subjects": s.harvest_min_subjects,
                }),
            ));
        }
    }
    Ok(out)
}

/// Raises one alert, once per kind, grant and day; tells the provider and the operator, and
/// suspends the grant when the operator so set. Returns the new alert's id and whether it
/// suspended the grant; `None` when it had been raised already.
#[allow(clippy::too_many_arguments)]
fn raise(
    c: &mut dyn Conn,
    s: &AlertSettings,
    g: &GrantFacts,
    grant: i64,
    day: &str,
    f: Finding,
    evidence: serde_json::Value,
    now: i64,
) -> Result<Option<(i64, bool)>> {
    let Some(r) = c.query_one(
        "INSERT INTO usage_alerts (kind, system, consumer_org, resource, provider, grant_id, window_day,
             observed, baseline, evidence, state, raised_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11)
         ON CONFLICT (kind, grant_id, window_day) DO NOTHING RETURNING id",
        params![
            f.kind.as_str(),
            &g.system,
            &g.consumer_org,
            &g.resource,
            &g.provider,
            grant,
            day,
            f.observed,
            Value::Real(f.baseline),
            to_json(&evidence)?,
            now
        ],
    )?
    else {
        return Ok(None);
    };
    let id = r.int(0)?;
    let operators = operator_orgs(c)?;
    let (zh, en) = f.kind.label();
    let mut notify = operators.clone();
    notify.push(g.provider.clone());
    emit_as(
        c,
        "assess",
        &Actor::platform(),
        Event {
            kind: "alert.raise",
            subject_type: "alert",
            subject_id: id,
            resource: Some(&g.resource),
            resource_version: None,
            grant: Some(grant),
            reason: Some(f.kind.as_str()),
            notify,
            title_zh: format!(
                "预警 {id}：{zh}——系统 {} 调用资源 {}（授权 {grant}），{day} 观测值 {}，基线 {}",
                g.system,
                g.resource,
                f.observed,
                show_baseline(f.baseline)
            ),
            title_en: format!(
                "alert {id}: {en} — system {} on {} (grant {grant}), {day}: observed {}, baseline {}",
                g.system,
                g.resource,
                f.observed,
                show_baseline(f.baseline)
            ),
        },
        now,
    )?;
    let suspended = s.suspend_on_alert && suspend(c, g, grant, id, f.kind, operators, now)?;
    Ok(Some((id, suspended)))
}

fn show_baseline(b: f64) -> String {
    format!("{:.1}", b)
}

/// Suspends a live grant not suspended already; true when it did.
fn suspend(
    c: &mut dyn Conn,
    g: &GrantFacts,
    grant: i64,
    alert: i64,
    kind: AlertKind,
    mut notify: Vec<String>,
    now: i64,
) -> Result<bool> {
    let reason = format!("预警 {alert} alert: {}", kind.as_str());
    let n = c.execute(
        "UPDATE grants SET suspended_at = $1, suspend_reason = $2, suspended_alert = $3
         WHERE id = $4 AND suspended_at IS NULL AND revoked_at IS NULL",
        params![now, &reason, alert, grant],
    )?;
    if n == 0 {
        return Ok(false);
    }
    c.execute(
        "UPDATE usage_alerts SET suspended = 1 WHERE id = $1",
        params![alert],
    )?;
    notify.extend([g.provider.clone(), g.consumer_org.clone()]);
    emit_as(
        c,
        "assess",
        &Actor::platform(),
        Event {
            kind: "grant.suspend",
            subject_type: "grant",
            subject_id: grant,
            resource: Some(&g.resource),
            resource_version: None,
            grant: Some(grant),
            reason: Some(&reason),
            notify,
            title_zh: format!("授权 {grant} 因预警 {alert} 暂停，待平台管理员复核"),
            title_en: format!(
                "grant {grant} suspended after alert {alert}, pending the operator's review"
            ),
        },
        now,
    )?;
    Ok(true)
}

/// Drops hourly counts and subjects no rule will read again: subjects after their day, hours
/// after the baseline.
fn prune(c: &mut dyn Conn, s: &AlertSettings, today: &str) -> Result<()> {
    let keep_hours = days_before(today, s.baseline_days + 1).unwrap_or_default();
    if let Some(first) = keep_hours.first() {
        c.execute("DELETE FROM usage_hours WHERE day < $1", params![first])?;
    }
    let keep_subjects = days_before(today, 1).unwrap_or_default();
    if let Some(first) = keep_subjects.first() {
        c.execute("DELETE FROM usage_subjects WHERE day < $1", params![first])?;
    }
    Ok(())
}
