//! 校核纠错: objections to records, from a consuming department (or its system, within its
//! grants) or from the public's feedback on the portal, answered by the provider within
//! working days, confirmed or contested by the flagger, ruled on by the operator. Every step
//! is a sharing event: an audit entry, the inboxes, the webhooks.
//!
//! An objection names the record by the key the flagger knows — a pseudonym stays a
//! pseudonym in everything the flagger is shown — and carries no value of the record, so it
//! never reveals a field the flagger may not see.
use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::exchange::keys::PSEUDONYM_PREFIX;
use shuqiao_core::exchange::Pseudonyms;
use shuqiao_core::quality::objection::{self, Answer, ObjectionInput, Response, Ruling, Status};
use shuqiao_core::share::calendar::china_day;
use shuqiao_core::DomainError;

use crate::catalog::shareable;
use crate::db::{Conn, DbError, Row};
use crate::share::calendar::due_after;
use crate::share::events::{emit, operator_orgs, Actor, Event};
use crate::{from_json, params, to_json, Result, Store};

/// An objection as the caller may see it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ObjectionView {
    pub id: i64,
    pub resource: String,
    pub provider: String,
    /// The record's key as the caller knows it: the flagger sees what it sent, the provider
    /// and the operator the stored key.
    pub key: String,
    pub fields: Vec<String>,
    pub reason: String,
    pub evidence: Option<String>,
    /// `consumer` or `public` (portal feedback).
    pub source: String,
    pub flagger_org: String,
    pub status: String,
    pub filed_at: i64,
    pub due_date: Option<String>,
    /// The deadline falls in a year with no working-day calendar loaded.
    pub due_unknown_year: Option<i64>,
    pub overdue: bool,
    pub answered_at: Option<i64>,
    pub answer: Option<String>,
    /// The record version the correction made.
    pub correction_version: Option<i64>,
    pub answered_late: bool,
    pub responded_at: Option<i64>,
    pub response: Option<String>,
    pub ruled_at: Option<i64>,
    pub ruling: Option<String>,
    pub escalated_at: Option<i64>,
    pub closed_at: Option<i64>,
}

const COLS: &str = "id, resource, provider, record_key, key_as_given, fields, reason, evidence, source, flagger_org, status, filed_at, due_at, due_unknown_year, answered_at, answer, correction_version, responded_at, response, ruled_at, ruling, escalated_at, closed_at, flagged_by";

/// One row as stored, before it is shown to anyone.
struct Stored {
    view: ObjectionView,
    record_key: String,
    key_as_given: String,
    due_at: Option<i64>,
}

fn from_row(r: &Row, now: i64) -> Result<Stored> {
    let status = r.text(10)?;
    let due_at = r.opt_int(12)?;
    let answered_at = r.opt_int(14)?;
    let fields: Vec<String> = from_json(&r.text(5)?)?;
    let waiting = status == Status::Open.as_str();
    let view = ObjectionView {
        id: r.int(0)?,
        resource: r.text(1)?,
        provider: r.text(2)?,
        key: String::new(),
        fields,
        reason: r.text(6)?,
        evidence: r.opt_text(7)?,
        source: r.text(8)?,
        flagger_org: r.text(9)?,
        overdue: waiting && due_at.is_some_and(|d| d < now),
        answered_late: matches!((answered_at, due_at), (Some(a), Some(d)) if a > d),
        status,
        filed_at: r.int(11)?,
        due_date: due_at.map(|d| china_day(d).to_string()),
        due_unknown_year: r.opt_int(13)?,
        answered_at,
        answer: r.opt_text(15)?,
        correction_version: r.opt_int(16)?,
        responded_at: r.opt_int(17)?,
        response: r.opt_text(18)?,
        ruled_at: r.opt_int(19)?,
        ruling: r.opt_text(20)?,
        escalated_at: r.opt_int(21)?,
        closed_at: r.opt_int(22)?,
    };
    Ok(Stored {
        view,
        record_key: r.text(3)?,
        key_as_given: r.text(4)?,
        due_at,
    })
}

impl Stored {
    /// The view for `p`: the flagging department sees the key it gave, everyone else who
    /// may see the objection the stored key.
    fn shown_to(self, p: &Principal) -> ObjectionView {
        let flagger =
            objection::flagger_orgs(p).is_ok_and(|orgs| orgs.contains(&self.view.flagger_org));
        let provider = p.has_role_in(
            shuqiao_core::account::Role::DataSteward,
            &self.view.provider,
        );
        let key = if flagger && !provider {
            self.key_as_given
        } else {
            self.record_key
        };
        ObjectionView { key, ..self.view }
    }
}

fn not_found(id: i64) -> DomainError {
    DomainError::not_found(
        "objection_not_found",
        format!("异议 {id} 不存在或无权查看"),
        format!("objection {id} does not exist or is not visible to you"),
    )
}

fn load(c: &mut dyn Conn, id: i64, now: i64) -> Result<Stored> {
    let r = c
        .query_one(
            &format!("SELECT {COLS} FROM quality_objections WHERE id = $1"),
            params![id],
        )?
        .ok_or_else(|| not_found(id))?;
    from_row(&r, now)
}

/// Loads an objection `p` may see; one it may not is "not found", as one that is not.
fn load_visible(c: &mut dyn Conn, p: &Principal, id: i64, now: i64) -> Result<Stored> {
    let s = load(c, id, now)?;
    if objection::may_see(p, &s.view.flagger_org, &s.view.provider) {
        Ok(s)
    } else {
        Err(not_found(id).into())
    }
}

/// The fields the grants in force give the flagger on `resource`: a system's own grants, or
/// every grant of a person's departments.
fn granted_fields(
    c: &mut dyn Conn,
    p: &Principal,
    orgs: &[String],
    resource: &str,
    now: i64,
) -> Result<Vec<String>> {
    let rows = match p {
        Principal::System { system, .. } => c.query(
            "SELECT fields FROM grants WHERE system = $1 AND resource = $2 AND revoked_at IS NULL AND expires_at > $3",
            params![system, resource, now],
        )?,
        _ => {
            let mut out = Vec::new();
            for org in orgs {
                out.extend(c.query(
                    "SELECT fields FROM grants WHERE consumer_org = $1 AND resource = $2 AND revoked_at IS NULL AND expires_at > $3",
                    params![org, resource, now],
                )?);
            }
            out
        }
    };
    if rows.is_empty() {
        return Err(objection::no_grant(resource).into());
    }
    let mut fields: Vec<String> = Vec::new();
    for r in &rows {
        for f in from_json::<Vec<String>>(&r.text(0)?)? {
            if !fields.contains(&f) {
                fields.push(f);
            }
        }
    }
    Ok(fields)
}

fn record_not_found() -> DomainError {
    DomainError::one(shuqiao_core::FieldError::new(
        "key",
        "record_not_found",
        "资源中没有这个主键的记录：请用查询结果中的主键（或其化名）",
        "the resource has no record with this key: use the key (or pseudonym) your answers carried",
    ))
}

/// The stored key of the record the flagger names, and its current version. A pseudonym is
/// found by computing the caller's pseudonym of each live key: slow on a large resource,
/// but an objection is rare and the pseudonym cannot be turned back any other way.
fn find_record(
    c: &mut dyn Conn,
    resource: &str,
    key: &str,
    pseudonyms: Option<&Pseudonyms>,
) -> Result<(String, i64)> {
    if let (Some(psn), true) = (pseudonyms, key.starts_with(PSEUDONYM_PREFIX)) {
        let rows = c.query(
            "SELECT record_key, version FROM records WHERE resource = $1 AND live = 1",
            params![resource],
        )?;
        for r in &rows {
            let stored = r.text(0)?;
            if psn.of(&stored) == key {
                return Ok((stored, r.int(1)?));
            }
        }
        return Err(record_not_found().into());
    }
    let r = c
        .query_one(
            "SELECT version FROM records WHERE resource = $1 AND record_key = $2 AND live = 1",
            params![resource, key],
        )?
        .ok_or_else(record_not_found)?;
    Ok((key.to_string(), r.int(0)?))
}

fn insert_id(c: &mut dyn Conn, sql: &str, args: &[crate::db::Value]) -> Result<i64> {
    Ok(c.query_one(sql, args)?
        .ok_or(DbError::Other("insert returned nothing".into()))?
        .int(0)?)
}

/// What `emit` needs about one step of one objection.
fn event<'a>(
    kind: &'static str,
    s: &'a ObjectionView,
    note: &'a str,
    notify: Vec<String>,
    zh: String,
    en: String,
) -> Event<'a> {
    Event {
        kind,
        subject_type: "objection",
        subject_id: s.id,
        resource: Some(&s.resource),
        resource_version: None,
        grant: None,
        reason: Some(note),
        notify,
        title_zh: zh,
        title_en: en,
    }
}

/// A filter on the objections list.
#[derive(Debug, Clone, Default)]
pub struct ObjectionFilter {
    pub status: Option<String>,
    pub resource: Option<String>,
    /// Only those on the supervision list.
    pub supervision: bool,
}

/// Puts open objections past their due date on the supervision list, once each.
pub(crate) fn escalate_overdue(c: &mut dyn Conn, now: i64) -> Result<u64> {
    let overdue = c.query(
        &format!("SELECT {COLS} FROM quality_objections WHERE status = 'open' AND due_at < $1 AND escalated_at IS NULL"),
        params![now],
    )?;
    let operators = operator_orgs(c)?;
    let mut n = 0;
    for r in &overdue {
        let s = from_row(r, now)?;
        c.execute(
            "UPDATE quality_objections SET escalated_at = $1 WHERE id = $2",
            params![now, s.view.id],
        )?;
        let mut notify = operators.clone();
        notify.push(s.view.provider.clone());
        let due = s
            .due_at
            .map(china_day)
            .map(|d| d.to_string())
            .unwrap_or_default();
        emit(
            c,
            &Actor::platform(),
            event(
                "objection.escalate",
                &s.view,
                "超过答复期限 answer overdue",
                notify,
                format!(
                    "督办：{} 未在期限（{due}）内答复数据异议 {}",
                    s.view.provider, s.view.id
                ),
                format!(
                    "supervision: {} missed the deadline ({due}) for objection {}",
                    s.view.provider, s.view.id
                ),
            ),
            now,
        )?;
        n += 1;
    }
    Ok(n)
}

/// Files an objection inside the caller's transaction (portal feedback files one too).
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_objection(
    c: &mut dyn Conn,
    actor: &Actor,
    input: &ObjectionInput,
    record_key: &str,
    version: Option<i64>,
    provider: &str,
    source: &str,
    flagger_org: &str,
    feedback_id: Option<i64>,
    now: i64,
) -> Result<i64> {
    let days = super::settings(c)?.objection_days;
    let (due_at, unknown) = due_after(c, now, days)?;
    let id = insert_id(
        c,
        "INSERT INTO quality_objections (resource, provider, record_key, key_as_given, fields, reason, evidence, source,
           flagger_org, flagged_by, feedback_id, status, filed_at, version_at_filing, due_at, due_unknown_year)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open', $12, $13, $14, $15) RETURNING id",
        params![
            input.resource.trim(),
            provider,
            record_key,
            input.key.trim(),
            to_json(&input.fields)?,
            input.reason.trim(),
            input.evidence.as_deref().map(str::trim),
            source,
            flagger_org,
            &actor.label,
            feedback_id,
            now,
            version,
            due_at,
            unknown
        ],
    )?;
    let s = load(c, id, now)?;
    emit(
        c,
        actor,
        event(
            "objection.file",
            &s.view,
            input.reason.trim(),
            vec![provider.to_string()],
            format!(
                "数据异议：资源 {} 的一条记录（{}）",
                s.view.resource,
                s.view.fields.join("、")
            ),
            format!(
                "objection to a record of {} ({})",
                s.view.resource,
                s.view.fields.join(", ")
            ),
        ),
        now,
    )?;
    Ok(id)
}

impl Store {
    /// A consuming department (a person, or a system within its own grants) flags a record
    /// as wrong; the provider owes an answer by the due date.
    pub async fn file_objection(
        &self,
        p: Principal,
        input: ObjectionInput,
    ) -> Result<ObjectionView> {
        input.validate()?;
        let orgs = objection::flagger_orgs(&p)?;
        let pseudonyms = match &p {
            Principal::System { system, .. } if input.key.trim().starts_with(PSEUDONYM_PREFIX) => {
                Some(self.key_shield()?.pseudonyms(system, input.resource.trim()))
            }
            _ => None,
        };
        let now = self.now();
        self.write(move |c| {
            let resource = input.resource.trim();
            let target = shareable(c, resource)?;
            let granted = granted_fields(c, &p, &orgs, resource, now)?;
            objection::check_fields(&target.meta, &granted, &input.fields)?;
            let (record_key, version) =
                find_record(c, resource, input.key.trim(), pseudonyms.as_ref())?;
            let flagger_org = match &p {
                Principal::System { org, .. } => org.clone(),
                _ => flagging_org(c, &orgs, resource, now)?,
            };
            let id = insert_objection(
                c,
                &Actor::of(&p),
                &input,
                &record_key,
                Some(version),
                &target.provider,
                "consumer",
                &flagger_org,
                None,
                now,
            )?;
            Ok(load(c, id, now)?.shown_to(&p))
        })
        .await
    }

    /// The provider's steward answers: corrected (the record must have a newer version than
    /// when it was flagged, which the objection then names) or disputed, with a note.
    pub async fn answer_objection(
        &self,
        p: Principal,
        id: i64,
        answer: Answer,
        note: String,
    ) -> Result<ObjectionView> {
        objection::validate_note("note", "答复说明", &note)?;
        let now = self.now();
        self.write(move |c| {
            let s = load_visible(c, &p, id, now)?;
            objection::require_answerer(&p, &s.view.provider)?;
            let current = Status::parse(&s.view.status).unwrap_or(Status::Open);
            let next = objection::answer(current, answer)?;
            let correction = match answer {
                Answer::Corrected => Some(correction_of(c, &s)?),
                Answer::Disputed => None,
            };
            c.execute(
                "UPDATE quality_objections SET status = $1, answered_at = $2, answered_by = $3, answer = $4,
                   correction_version = $5 WHERE id = $6 AND status = 'open'",
                params![next.as_str(), now, p.actor(), note.trim(), correction, id],
            )?;
            if s.view.source == "public" {
                // The public does not confirm or contest through the loop: answered is done.
                c.execute(
                    "UPDATE quality_objections SET closed_at = $1 WHERE id = $2",
                    params![now, id],
                )?;
            }
            answer_linked_feedback(c, &p, id, note.trim(), now)?;
            let (zh, en) = match answer {
                Answer::Corrected => ("已更正", "corrected"),
                Answer::Disputed => ("不予更正（说明理由）", "disputed"),
            };
            emit(
                c,
                &Actor::of(&p),
                event(
                    if answer == Answer::Corrected { "objection.correct" } else { "objection.dispute" },
                    &s.view,
                    note.trim(),
                    vec![s.view.flagger_org.clone()],
                    format!("数据异议 {id}：提供方{zh}"),
                    format!("objection {id}: the provider {en} it"),
                ),
                now,
            )?;
            Ok(load(c, id, now)?.shown_to(&p))
        })
        .await
    }

    /// The flagging department confirms the answer (closing the objection) or contests it
    /// (the operator then rules).
    pub async fn respond_objection(
        &self,
        p: Principal,
        id: i64,
        response: Response,
        note: String,
    ) -> Result<ObjectionView> {
        objection::validate_note("note", "说明", &note)?;
        let now = self.now();
        self.write(move |c| {
            let s = load_visible(c, &p, id, now)?;
            objection::require_flagger(&p, &s.view.flagger_org)?;
            let current = Status::parse(&s.view.status).unwrap_or(Status::Open);
            let next = objection::respond(current, response)?;
            let closed = next.is_closed().then_some(now);
            c.execute(
                "UPDATE quality_objections SET status = $1, responded_at = $2, response = $3, closed_at = $4
                 WHERE id = $5 AND status = $6",
                params![next.as_str(), now, note.trim(), closed, id, current.as_str()],
            )?;
            let mut notify = vec![s.view.provider.clone()];
            if response == Response::Contest {
                notify.extend(operator_orgs(c)?);
            }
            emit(
                c,
                &Actor::of(&p),
                event(
                    if response == Response::Confirm { "objection.confirm" } else { "objection.contest" },
                    &s.view,
                    note.trim(),
                    notify,
                    match response {
                        Response::Confirm => format!("数据异议 {id} 已办结"),
                        Response::Contest => format!("督办：数据异议 {id} 提请平台裁决"),
                    },
                    match response {
                        Response::Confirm => format!("objection {id} resolved"),
                        Response::Contest => format!("supervision: objection {id} contested, for the operator to rule"),
                    },
                ),
                now,
            )?;
            Ok(load(c, id, now)?.shown_to(&p))
        })
        .await
    }

    /// The operator rules on a contested objection: upheld (the provider owes a correction
    /// again, by a new due date; one escalated before stays on the supervision list) or
    /// dismissed.
    pub async fn rule_objection(
        &self,
        p: Principal,
        id: i64,
        ruling: Ruling,
        note: String,
    ) -> Result<ObjectionView> {
        p.require_platform_admin()?;
        objection::validate_note("note", "裁决意见", &note)?;
        let now = self.now();
        self.write(move |c| {
            let s = load(c, id, now)?;
            let current = Status::parse(&s.view.status).unwrap_or(Status::Open);
            let next = objection::arbitrate(current, ruling)?;
            match ruling {
                Ruling::Upheld => {
                    let days = super::settings(c)?.objection_days;
                    let (due_at, unknown) = due_after(c, now, days)?;
                    c.execute(
                        "UPDATE quality_objections SET status = 'open', ruled_at = $1, ruling = $2, due_at = $3,
                           due_unknown_year = $4, answered_at = NULL, answered_by = NULL, answer = NULL,
                           correction_version = NULL WHERE id = $5 AND status = 'contested'",
                        params![now, note.trim(), due_at, unknown, id],
                    )?;
                }
                Ruling::Dismissed => {
                    c.execute(
                        "UPDATE quality_objections SET status = $1, ruled_at = $2, ruling = $3, closed_at = $2
                         WHERE id = $4 AND status = 'contested'",
                        params![next.as_str(), now, note.trim(), id],
                    )?;
                }
            }
            emit(
                c,
                &Actor::of(&p),
                event(
                    if ruling == Ruling::Upheld { "objection.uphold" } else { "objection.dismiss" },
                    &s.view,
                    note.trim(),
                    vec![s.view.provider.clone(), s.view.flagger_org.clone()],
                    match ruling {
                        Ruling::Upheld => format!("数据异议 {id}：平台裁定异议成立，提供方须重新更正"),
                        Ruling::Dismissed => format!("数据异议 {id}：平台裁定异议不成立"),
                    },
                    match ruling {
                        Ruling::Upheld => format!("objection {id} upheld: the provider must correct the data"),
                        Ruling::Dismissed => format!("objection {id} dismissed"),
                    },
                ),
                now,
            )?;
            Ok(load(c, id, now)?.shown_to(&p))
        })
        .await
    }

    pub async fn get_objection(&self, p: Principal, id: i64) -> Result<ObjectionView> {
        p.require_authenticated()?;
        let now = self.now();
        self.read(move |c| Ok(load_visible(c, &p, id, now)?.shown_to(&p)))
            .await
    }

    /// The objections `p` may see, newest first: its department's own, those on its
    /// resources, or all for the operator and auditors.
    pub async fn list_objections(
        &self,
        p: Principal,
        f: ObjectionFilter,
    ) -> Result<Vec<ObjectionView>> {
        p.require_authenticated()?;
        if let Some(s) = &f.status {
            if Status::parse(s).is_none() {
                let names: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
                return Err(DomainError::one(shuqiao_core::FieldError::new(
                    "status",
                    "invalid_status",
                    format!("状态应为 {} 之一", names.join("、")),
                    format!("status must be one of {}", names.join(", ")),
                ))
                .into());
            }
        }
        let now = self.now();
        self.read(move |c| {
            let mut sql = format!("SELECT {COLS} FROM quality_objections WHERE 1 = 1");
            let mut args: Vec<crate::db::Value> = Vec::new();
            if let Some(s) = &f.status {
                args.push(s.clone().into());
                sql.push_str(&format!(" AND status = ${}", args.len()));
            }
            if let Some(r) = &f.resource {
                args.push(r.clone().into());
                sql.push_str(&format!(" AND resource = ${}", args.len()));
            }
            if f.supervision {
                sql.push_str(" AND (escalated_at IS NOT NULL OR status = 'contested' OR (status = 'open' AND due_unknown_year IS NOT NULL))");
            }
            sql.push_str(" ORDER BY id DESC LIMIT 1000");
            let rows = c.query(&sql, &args)?;
            let mut out = Vec::new();
            for r in &rows {
                let s = from_row(r, now)?;
                if objection::may_see(&p, &s.view.flagger_org, &s.view.provider) {
                    out.push(s.shown_to(&p));
                }
            }
            Ok(out)
        })
        .await
    }
}

/// The department a person flags for: the first of theirs holding a grant on `resource`.
fn flagging_org(c: &mut dyn Conn, orgs: &[String], resource: &str, now: i64) -> Result<String> {
    for org in orgs {
        if c.query_one(
            "SELECT id FROM grants WHERE consumer_org = $1 AND resource = $2 AND revoked_at IS NULL AND expires_at > $3",
            params![org, resource, now],
        )?
        .is_some()
        {
            return Ok(org.clone());
        }
    }
    Err(objection::no_grant(resource).into())
}

/// The version a correction made: the record's current one, which must be newer than the
/// one flagged (a public objection, which names no version, needs any version after it was
/// filed).
fn correction_of(c: &mut dyn Conn, s: &Stored) -> Result<i64> {
    let r = c.query_one(
        "SELECT r.version, v.at FROM records r JOIN record_versions v ON v.id = r.version
         WHERE r.resource = $1 AND r.record_key = $2",
        params![&s.view.resource, &s.record_key],
    )?;
    let at_filing: Option<i64> = c
        .query_one(
            "SELECT version_at_filing FROM quality_objections WHERE id = $1",
            params![s.view.id],
        )?
        .map(|r| r.opt_int(0))
        .transpose()?
        .flatten();
    if let Some(r) = r {
        let (version, at) = (r.int(0)?, r.int(1)?);
        let newer = match at_filing {
            Some(v) => version != v,
            None => at > s.view.filed_at,
        };
        if newer {
            return Ok(version);
        }
    }
    Err(DomainError::conflict(
        "no_correction_yet",
        "尚未收到更正后的数据：请先通过归集（导入或推送）提交更正后的记录，再答复“已更正”",
        "no corrected data yet: send the corrected record through collection (import or push) first, then answer `corrected`",
    )
    .into())
}

/// Public feedback that entered the loop is answered with the objection's answer.
fn answer_linked_feedback(
    c: &mut dyn Conn,
    p: &Principal,
    id: i64,
    note: &str,
    now: i64,
) -> Result<()> {
    let fb = c
        .query_one(
            "SELECT feedback_id FROM quality_objections WHERE id = $1",
            params![id],
        )?
        .map(|r| r.opt_int(0))
        .transpose()?
        .flatten();
    if let Some(fb) = fb {
        c.execute(
            "UPDATE open_feedback SET status = 'answered', answer = $1, answered_by = $2, answered_at = $3
             WHERE id = $4 AND status = 'open'",
            params![note, p.actor(), now, fb],
        )?;
    }
    Ok(())
}

/// Portal feedback on one row enters the loop as a public objection, owed by the provider
/// like any other; the member follows it as feedback.
#[allow(clippy::too_many_arguments)]
pub(crate) fn file_public(
    c: &mut dyn Conn,
    p: &Principal,
    code: &str,
    provider: &str,
    slug: &str,
    row: i64,
    record_key: &str,
    text: &str,
    feedback_id: i64,
    now: i64,
) -> Result<i64> {
    let version = c
        .query_one(
            "SELECT version FROM records WHERE resource = $1 AND record_key = $2",
            params![code, record_key],
        )?
        .map(|r| r.int(0))
        .transpose()?;
    let input = ObjectionInput {
        resource: code.to_string(),
        key: format!("{slug}/{row}"),
        fields: Vec::new(),
        reason: text.to_string(),
        evidence: None,
    };
    insert_objection(
        c,
        &Actor::of(p),
        &input,
        record_key,
        version,
        provider,
        "public",
        "public",
        Some(feedback_id),
        now,
    )
}

/// Feedback answered on the portal's side answers its public objection too, and closes it:
/// corrected when the record has changed since it was flagged, disputed when it has not.
pub(crate) fn answer_public(
    c: &mut dyn Conn,
    p: &Principal,
    feedback_id: i64,
    note: &str,
    now: i64,
) -> Result<()> {
    let Some(id) = c
        .query_one(
            "SELECT id FROM quality_objections WHERE feedback_id = $1 AND status = 'open'",
            params![feedback_id],
        )?
        .map(|r| r.int(0))
        .transpose()?
    else {
        return Ok(());
    };
    let s = load(c, id, now)?;
    let correction = correction_of(c, &s).ok();
    let status = if correction.is_some() {
        Status::Corrected
    } else {
        Status::Disputed
    };
    c.execute(
        "UPDATE quality_objections SET status = $1, answered_at = $2, answered_by = $3, answer = $4,
           correction_version = $5, closed_at = $2 WHERE id = $6",
        params![status.as_str(), now, p.actor(), note, correction, id],
    )?;
    emit(
        c,
        &Actor::of(p),
        event(
            if correction.is_some() {
                "objection.correct"
            } else {
                "objection.dispute"
            },
            &s.view,
            note,
            vec![],
            format!("公众数据异议 {id} 已答复"),
            format!("public objection {id} answered"),
        ),
        now,
    )?;
    Ok(())
}
