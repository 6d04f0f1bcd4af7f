//! The three lists: 责任清单 (what each department must provide), 需求清单 (what departments
//! need), 负面清单 (what may not be shared, reviewed by the operator with the legal and
//! secrecy offices).
use serde::Serialize;
use shuqiao_core::account::{Principal, Role};
use shuqiao_core::share::{
    self, Decision, NeedInput, NeedStatus, NegativeAction, NegativeProposalInput, ProposalStatus,
    ResponsibilityInput,
};
use shuqiao_core::{DomainError, FieldError};

use super::events::{emit, operator_orgs, Actor, Event};
use super::{already_decided, not_found, scope, Listed, ShareFilter, Where};
use crate::accounts::find_org;
use crate::catalog::shareable;
use crate::db::{Conn, DbError, Row};
use crate::{params, Result, Store};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ResponsibilityView {
    pub id: i64,
    pub org: String,
    pub title: String,
    pub duty: String,
    pub resource: Option<String>,
    /// The linked resource's catalog status, if any.
    pub resource_status: Option<String>,
    pub records: i64,
    /// What is missing: `no_resource` (nothing catalogued), `not_published`, `no_data`.
    pub gap: Option<&'static str>,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NeedView {
    pub id: i64,
    pub org: String,
    pub title: String,
    pub description: String,
    pub resource: Option<String>,
    pub status: String,
    pub reason: Option<String>,
    pub grant_id: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub satisfied_at: Option<i64>,
    /// For a need no resource answers yet: the department the operator made responsible
    /// for cataloguing and sharing it, and by when (working days).
    pub responsible_org: Option<String>,
    pub assigned_at: Option<i64>,
    pub due_date: Option<String>,
    pub due_unknown_year: Option<i64>,
    /// When it went on the supervision list for missing its deadline.
    pub escalated_at: Option<i64>,
    /// A resource was matched after the due date.
    pub met_late: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReviewView {
    pub role: String,
    pub decision: String,
    pub opinion: String,
    pub reviewer: String,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NegativeProposalView {
    pub id: i64,
    pub resource: String,
    pub provider: String,
    pub action: String,
    pub legal_basis: String,
    pub reason: String,
    pub status: String,
    pub proposed_by: String,
    pub proposed_at: i64,
    pub decided_at: Option<i64>,
    pub reviews: Vec<ReviewView>,
    /// Reviewer roles whose review is still missing.
    pub awaiting: Vec<String>,
}

/// A resource on the negative list, with the legal basis of the proposal that put it there.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NegativeEntry {
    pub resource: String,
    pub name: String,
    pub provider: String,
    pub legal_basis: String,
    pub listed_at: i64,
    pub proposal: i64,
}

fn check_own_resource(c: &mut dyn Conn, org: &str, resource: Option<&str>) -> Result<()> {
    let Some(code) = resource else { return Ok(()) };
    let r = c.query_one(
        "SELECT provider FROM resources WHERE code = $1",
        params![code],
    )?;
    match r {
        Some(r) if r.text(0)? == org => Ok(()),
        Some(_) => Err(DomainError::one(FieldError::new(
            "resource",
            "not_own_resource",
            format!("资源 {code} 不是 {org} 提供的"),
            format!("resource {code} is not provided by {org}"),
        ))
        .into()),
        None => Err(unknown_resource(code)),
    }
}

fn unknown_resource(code: &str) -> crate::StoreError {
    DomainError::one(FieldError::new(
        "resource",
        "unknown_resource",
        format!("资源 {code} 不存在"),
        format!("resource {code} does not exist"),
    ))
    .into()
}

pub(crate) fn require_org_exists(c: &mut dyn Conn, org: &str) -> Result<()> {
    if find_org(c, org)?.is_none() {
        return Err(DomainError::one(FieldError::new(
            "org",
            "unknown_org",
            format!("单位 {org} 不存在"),
            format!("organisation {org} does not exist"),
        ))
        .into());
    }
    Ok(())
}

fn responsibility_from_row(r: &Row) -> Result<ResponsibilityView, DbError> {
    let resource = r.opt_text(4)?;
    let resource_status = r.opt_text(7)?;
    let retired = r.opt_int(8)?.unwrap_or(0) != 0;
    let records = r.opt_int(9)?.unwrap_or(0);
    let gap = match (&resource, resource_status.as_deref()) {
        (None, _) => Some("no_resource"),
        (Some(_), Some("published")) if !retired && records > 0 => None,
        (Some(_), Some("published")) if !retired => Some("no_data"),
        _ => Some("not_published"),
    };
    Ok(ResponsibilityView {
        id: r.int(0)?,
        org: r.text(1)?,
        title: r.text(2)?,
        duty: r.text(3)?,
        resource,
        resource_status,
        records,
        gap,
        created_by: r.text(5)?,
        created_at: r.int(6)?,
    })
}

const RESPONSIBILITY_SELECT: &str = "SELECT t.id, t.org, t.title, t.duty, t.resource, t.created_by, t.created_at, r.status, r.retired, d.records
     FROM responsibilities t LEFT JOIN resources r ON r.code = t.resource
     LEFT JOIN resource_data d ON d.code = t.resource";

const NEED_COLS: &str = "id, org, title, description, resource, status, reason, grant_id, created_by, created_at, decided_by, decided_at, satisfied_at, responsible_org, assigned_at, due_at, due_unknown_year, escalated_at";

fn need_from_row(r: &Row) -> Result<NeedView, DbError> {
    Ok(NeedView {
        id: r.int(0)?,
        org: r.text(1)?,
        title: r.text(2)?,
        description: r.text(3)?,
        resource: r.opt_text(4)?,
        status: r.text(5)?,
        reason: r.opt_text(6)?,
        grant_id: r.opt_int(7)?,
        created_by: r.text(8)?,
        created_at: r.int(9)?,
        decided_by: r.opt_text(10)?,
        decided_at: r.opt_int(11)?,
        satisfied_at: r.opt_int(12)?,
        responsible_org: r.opt_text(13)?,
        assigned_at: r.opt_int(14)?,
        due_date: r
            .opt_int(15)?
            .map(|d| shuqiao_core::share::calendar::china_day(d).to_string()),
        due_unknown_year: r.opt_int(16)?,
        escalated_at: r.opt_int(17)?,
        met_late: matches!((r.opt_int(11)?, r.opt_int(15)?, r.text(5)?.as_str()), (Some(at), Some(due), "confirmed" | "satisfied") if at > due),
    })
}

fn load_need(c: &mut dyn Conn, id: i64) -> Result<NeedView> {
    let r = c
        .query_one(
            &format!("SELECT {NEED_COLS} FROM needs WHERE id = $1"),
            params![id],
        )?
        .ok_or_else(|| not_found("need_not_found", id))?;
    Ok(need_from_row(&r)?)
}

/// Loads the provider of the need's resource and asks `share::require_need_decider`.
fn require_need_decider(c: &mut dyn Conn, p: &Principal, resource: Option<&str>) -> Result<()> {
    let provider = match resource {
        Some(code) => c
            .query_one(
                "SELECT provider FROM resources WHERE code = $1",
                params![code],
            )?
            .map(|r| r.text(0))
            .transpose()?,
        None => None,
    };
    Ok(share::require_need_decider(p, provider.as_deref())?)
}

/// The active grant of any system of `org` on `resource`, if there is one.
fn active_grant_of_org(
    c: &mut dyn Conn,
    org: &str,
    resource: &str,
    now: i64,
) -> Result<Option<i64>> {
    Ok(c.query_one(
        "SELECT id FROM grants WHERE consumer_org = $1 AND resource = $2 AND revoked_at IS NULL AND expires_at > $3 ORDER BY id LIMIT 1",
        params![org, resource, now],
    )?
    .map(|r| r.int(0))
    .transpose()?)
}

const PROPOSAL_COLS: &str = "id, resource, provider, action, legal_basis, reason, status, proposed_by, proposed_at, decided_at";

fn load_proposal(c: &mut dyn Conn, id: i64) -> Result<NegativeProposalView> {
    let r = c
        .query_one(
            &format!("SELECT {PROPOSAL_COLS} FROM negative_proposals WHERE id = $1"),
            params![id],
        )?
        .ok_or_else(|| not_found("proposal_not_found", id))?;
    proposal_from_row(c, &r)
}

fn proposal_from_row(c: &mut dyn Conn, r: &Row) -> Result<NegativeProposalView> {
    let id = r.int(0)?;
    let reviews: Vec<ReviewView> = c
        .query(
            "SELECT role, decision, opinion, reviewer, at FROM negative_reviews WHERE proposal = $1 ORDER BY at, role",
            params![id],
        )?
        .iter()
        .map(|r| {
            Ok(ReviewView {
                role: r.text(0)?,
                decision: r.text(1)?,
                opinion: r.text(2)?,
                reviewer: r.text(3)?,
                at: r.int(4)?,
            })
        })
        .collect::<Result<_, DbError>>()?;
    let status = r.text(6)?;
    let awaiting = if status == "pending" {
        share::NEGATIVE_LIST_REVIEWERS
            .iter()
            .filter(|role| !reviews.iter().any(|v| v.role == role.as_str()))
            .map(|role| role.as_str().to_string())
            .collect()
    } else {
        vec![]
    };
    Ok(NegativeProposalView {
        id,
        resource: r.text(1)?,
        provider: r.text(2)?,
        action: r.text(3)?,
        legal_basis: r.text(4)?,
        reason: r.text(5)?,
        status,
        proposed_by: r.text(7)?,
        proposed_at: r.int(8)?,
        decided_at: r.opt_int(9)?,
        reviews,
        awaiting,
    })
}

/// Puts an approved `add` into effect: the resource becomes 不予共享, its grants end and its
/// open applications are refused. An approved `remove` lifts the bar.
fn apply_negative(c: &mut dyn Conn, prop: &NegativeProposalView, now: i64) -> Result<()> {
    let listed = prop.action == NegativeAction::Add.as_str();
    c.execute(
        "UPDATE resources SET negative_listed = $1 WHERE code = $2",
        params![listed, &prop.resource],
    )?;
    if !listed {
        return Ok(());
    }
    let reason = format!("列入共享负面清单（提议 {}）negative-listed", prop.id);
    let grants = c.query(
        "SELECT id, consumer_org FROM grants WHERE resource = $1 AND revoked_at IS NULL AND expires_at > $2",
        params![&prop.resource, now],
    )?;
    for g in grants {
        let (id, org) = (g.int(0)?, g.text(1)?);
        super::access::end_grant(
            c,
            &Actor::platform(),
            id,
            &org,
            &prop.provider,
            &prop.resource,
            &reason,
            now,
        )?;
    }
    let apps = c.query(
        "SELECT id, consumer_org FROM applications WHERE resource = $1 AND status = 'pending'",
        params![&prop.resource],
    )?;
    for a in apps {
        let (id, org) = (a.int(0)?, a.text(1)?);
        c.execute(
            "UPDATE applications SET status = 'rejected', decided_by = 'platform', decided_at = $1, opinion = $2 WHERE id = $3",
            params![now, &reason, id],
        )?;
        emit(
            c,
            &Actor::platform(),
            Event {
                kind: "application.reject",
                subject_type: "application",
                subject_id: id,
                resource: Some(&prop.resource),
                resource_version: None,
                grant: None,
                reason: Some(&reason),
                notify: vec![org],
                title_zh: format!("申请 {id} 因资源列入负面清单被驳回"),
                title_en: format!("application {id} refused: the resource is negative-listed"),
            },
            now,
        )?;
    }
    Ok(())
}

pub(crate) fn state_need_tx(
    c: &mut dyn Conn,
    p: &Principal,
    input: &NeedInput,
    now: i64,
) -> Result<NeedView> {
    let org = match input.org.clone() {
        Some(o) => o,
        None => match &p {
            Principal::Person { org, .. } => org.clone(),
            _ => String::new(),
        },
    };
    share::require_consumer_of(p, &org)?;
    share::validate_need(input)?;
    if let Some(code) = &input.resource {
        if c.query_one("SELECT code FROM resources WHERE code = $1", params![code])?
            .is_none()
        {
            return Err(unknown_resource(code));
        }
    }
    let id = c
        .query_one(
            "INSERT INTO needs (org, title, description, resource, status, created_by, created_at)
             VALUES ($1, $2, $3, $4, 'open', $5, $6) RETURNING id",
            params![
                &org,
                input.title.trim(),
                input.description.trim(),
                input.resource.clone(),
                p.actor(),
                now
            ],
        )?
        .ok_or(DbError::Other("insert returned nothing".into()))?
        .int(0)?;
    let mut notify = operator_orgs(c)?;
    if let Some(code) = &input.resource {
        if let Some(r) = c.query_one(
            "SELECT provider FROM resources WHERE code = $1",
            params![code],
        )? {
            notify.push(r.text(0)?);
        }
    }
    emit(
        c,
        &Actor::of(p),
        Event {
            kind: "need.state",
            subject_type: "need",
            subject_id: id,
            resource: input.resource.as_deref(),
            resource_version: None,
            grant: None,
            reason: Some(&input.description),
            notify,
            title_zh: format!("{org} 提出数据需求：{}", input.title.trim()),
            title_en: format!("{org} states a data need: {}", input.title.trim()),
        },
        now,
    )?;
    load_need(c, id)
}

pub(crate) fn confirm_need_tx(
    c: &mut dyn Conn,
    p: &Principal,
    id: i64,
    resource: Option<String>,
    now: i64,
) -> Result<NeedView> {
    let need = load_need(c, id)?;
    let resource = match resource.or(need.resource.clone()) {
        Some(r) => r,
        None => {
            return Err(DomainError::one(FieldError::required("resource", "匹配的资源")).into())
        }
    };
    require_need_decider(c, p, Some(&resource))?;
    if need.status != NeedStatus::Open.as_str() {
        return Err(already_decided("需求", "need").into());
    }
    let provider = shareable(c, &resource)?.provider;
    let n = c.execute(
        "UPDATE needs SET status = 'confirmed', resource = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND status = 'open'",
        params![&resource, p.actor(), now, id],
    )?;
    if n == 0 {
        return Err(already_decided("需求", "need").into());
    }
    emit(
        c,
        &Actor::of(p),
        Event {
            kind: "need.confirm",
            subject_type: "need",
            subject_id: id,
            resource: Some(&resource),
            resource_version: None,
            grant: None,
            reason: None,
            notify: vec![need.org.clone(), provider],
            title_zh: format!("需求 {id} 已确认，匹配资源 {resource}"),
            title_en: format!("need {id} confirmed and matched to {resource}"),
        },
        now,
    )?;
    if let Some(g) = active_grant_of_org(c, &need.org, &resource, now)? {
        super::access::satisfy_needs(c, &need.org, &resource, g, now)?;
    }
    load_need(c, id)
}

pub(crate) fn propose_negative_tx(
    c: &mut dyn Conn,
    p: &Principal,
    input: &NegativeProposalInput,
    now: i64,
) -> Result<NegativeProposalView> {
    share::validate_negative_proposal(input)?;
    let r = c
        .query_one(
            "SELECT provider, negative_listed FROM resources WHERE code = $1",
            params![&input.resource],
        )?
        .ok_or_else(|| unknown_resource(&input.resource))?;
    let (provider, listed) = (r.text(0)?, r.bool(1)?);
    share::require_provider_steward(p, &provider)?;
    match (input.action, listed) {
        (NegativeAction::Add, true) => {
            return Err(DomainError::conflict(
                "already_negative_listed",
                "该资源已在负面清单中",
                "the resource is already on the negative list",
            )
            .into())
        }
        (NegativeAction::Remove, false) => {
            return Err(DomainError::conflict(
                "not_negative_listed",
                "该资源不在负面清单中，无需移出",
                "the resource is not on the negative list",
            )
            .into())
        }
        _ => {}
    }
    if c.query_one(
        "SELECT id FROM negative_proposals WHERE resource = $1 AND status = 'pending'",
        params![&input.resource],
    )?
    .is_some()
    {
        return Err(DomainError::conflict(
            "proposal_pending",
            "该资源已有审核中的负面清单提议，请等待审核结果",
            "a negative-list proposal for this resource is already under review",
        )
        .into());
    }
    let id = c
        .query_one(
            "INSERT INTO negative_proposals (resource, provider, action, legal_basis, reason, status, proposed_by, proposed_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7) RETURNING id",
            params![&input.resource, &provider, input.action.as_str(), input.legal_basis.trim(), input.reason.trim(), p.actor(), now],
        )?
        .ok_or(DbError::Other("insert returned nothing".into()))?
        .int(0)?;
    let notify = reviewer_orgs(c)?;
    emit(
        c,
        &Actor::of(p),
        Event {
            kind: "negative.propose",
            subject_type: "negative_proposal",
            subject_id: id,
            resource: Some(&input.resource),
            resource_version: None,
            grant: None,
            reason: Some(input.legal_basis.trim()),
            notify,
            title_zh: format!(
                "负面清单提议 {id}：{}资源 {}",
                input.action.label_zh(),
                input.resource
            ),
            title_en: format!(
                "negative-list proposal {id}: {} {}",
                input.action.as_str(),
                input.resource
            ),
        },
        now,
    )?;
    load_proposal(c, id)
}

pub(crate) fn review_negative_tx(
    c: &mut dyn Conn,
    p: &Principal,
    id: i64,
    decision: Decision,
    opinion: &str,
    as_role: Option<Role>,
    now: i64,
) -> Result<NegativeProposalView> {
    p.require_authenticated()?;
    let roles = share::reviewer_roles(p);
    let role =
        match (as_role, roles.as_slice()) {
            (Some(r), rs) if rs.contains(&r) => r,
            (None, [only]) => *only,
            (None, [_, _, ..]) => {
                return Err(DomainError::one(FieldError::new(
                    "role",
                    "role_required",
                    "您有多个审核身份，请用 role 指明以哪个身份审核",
                    "you hold several reviewer roles; say which one with `role`",
                ))
                .into())
            }
            _ => return Err(DomainError::forbidden(
                "not_negative_reviewer",
                "只有平台管理员、法制审核人员和保密审核人员可以审核负面清单",
                "only the operator, legal reviewers and secrecy reviewers review the negative list",
            )
            .into()),
        };
    if decision == Decision::Reject {
        share::require_text("opinion", "不同意的理由", opinion)?;
    }
    let prop = load_proposal(c, id)?;
    if prop.status != ProposalStatus::Pending.as_str() {
        return Err(already_decided("负面清单提议", "proposal").into());
    }
    if prop.reviews.iter().any(|r| r.role == role.as_str()) {
        return Err(DomainError::conflict(
            "already_reviewed",
            format!("{}已审核过该提议", role.label_zh()),
            format!(
                "the {} review of this proposal is already recorded",
                role.as_str()
            ),
        )
        .into());
    }
    c.execute(
        "INSERT INTO negative_reviews (proposal, role, decision, opinion, reviewer, at) VALUES ($1, $2, $3, $4, $5, $6)",
        params![id, role.as_str(), decision.as_str(), opinion.trim(), p.actor(), now],
    )?;
    let mut reviews: Vec<(Role, Decision)> = prop
        .reviews
        .iter()
        .filter_map(|r| Some((Role::parse(&r.role)?, Decision::parse(&r.decision)?)))
        .collect();
    reviews.push((role, decision));
    let outcome = share::review_outcome(&reviews);
    emit(
        c,
        &Actor::of(p),
        Event {
            kind: "negative.review",
            subject_type: "negative_proposal",
            subject_id: id,
            resource: Some(&prop.resource),
            resource_version: None,
            grant: None,
            reason: Some(opinion.trim()).filter(|s| !s.is_empty()),
            notify: vec![],
            title_zh: format!(
                "{}审核负面清单提议 {id}：{}",
                role.label_zh(),
                decision.label_zh()
            ),
            title_en: format!(
                "{} review of proposal {id}: {}",
                role.as_str(),
                decision.as_str()
            ),
        },
        now,
    )?;
    if outcome != ProposalStatus::Pending {
        c.execute(
            "UPDATE negative_proposals SET status = $1, decided_at = $2 WHERE id = $3",
            params![outcome.as_str(), now, id],
        )?;
        if outcome == ProposalStatus::Approved {
            apply_negative(c, &prop, now)?;
        }
        emit(
            c,
            &Actor::of(p),
            Event {
                kind: if outcome == ProposalStatus::Approved {
                    "negative.approve"
                } else {
                    "negative.reject"
                },
                subject_type: "negative_proposal",
                subject_id: id,
                resource: Some(&prop.resource),
                resource_version: None,
                grant: None,
                reason: Some(&prop.legal_basis),
                notify: vec![prop.provider.clone()],
                title_zh: format!(
                    "负面清单提议 {id}（{}）{}",
                    prop.resource,
                    outcome.label_zh()
                ),
                title_en: format!(
                    "negative-list proposal {id} ({}) {}",
                    prop.resource,
                    outcome.as_str()
                ),
            },
            now,
        )?;
    }
    load_proposal(c, id)
}

/// Adds a responsibility (责任清单). The operator or the department's own steward.
pub(crate) fn add_responsibility_tx(
    c: &mut dyn Conn,
    p: &Principal,
    input: &ResponsibilityInput,
    now: i64,
) -> Result<i64> {
    share::require_list_keeper(p, &input.org)?;
    share::validate_responsibility(input)?;
    require_org_exists(c, &input.org)?;
    check_own_resource(c, &input.org, input.resource.as_deref())?;
    let id = c
        .query_one(
            "INSERT INTO responsibilities (org, title, duty, resource, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            params![
                &input.org,
                input.title.trim(),
                input.duty.trim(),
                input.resource.clone(),
                p.actor(),
                now
            ],
        )?
        .ok_or(DbError::Other("insert returned nothing".into()))?
        .int(0)?;
    emit(
        c,
        &Actor::of(p),
        Event {
            kind: "responsibility.add",
            subject_type: "responsibility",
            subject_id: id,
            resource: input.resource.as_deref(),
            resource_version: None,
            grant: None,
            reason: Some(&input.duty),
            notify: vec![],
            title_zh: format!("责任清单新增：{}", input.title.trim()),
            title_en: format!("responsibility added: {}", input.title.trim()),
        },
        now,
    )?;
    Ok(id)
}

impl Store {
    /// Adds a responsibility (责任清单). The operator or the department's own steward.
    pub async fn add_responsibility(
        &self,
        p: Principal,
        input: ResponsibilityInput,
    ) -> Result<ResponsibilityView> {
        let now = self.now();
        self.write(move |c| {
            let id = add_responsibility_tx(c, &p, &input, now)?;
            // Read back by id in the same transaction: the list may be longer than any page.
            let r = c
                .query_one(
                    &format!("{RESPONSIBILITY_SELECT} WHERE t.id = $1"),
                    params![id],
                )?
                .ok_or_else(|| not_found("responsibility_not_found", id))?;
            Ok(responsibility_from_row(&r)?)
        })
        .await
    }

    /// The responsibility list with its gaps. Public within the platform: every signed-in user
    /// may see what every department must provide.
    pub async fn list_responsibilities(
        &self,
        f: ShareFilter,
    ) -> Result<Listed<ResponsibilityView>> {
        self.read(move |c| {
            let mut w = Where::default();
            w.eq("t.org", f.org.as_deref());
            w.eq("t.resource", f.resource.as_deref());
            const LIVE: &str = "r.status = 'published' AND r.retired = 0";
            match f.status.as_deref() {
                None => {}
                Some("no_resource") => w.raw("t.resource IS NULL"),
                Some("not_published") => w.raw(&format!("t.resource IS NOT NULL AND NOT ({LIVE})")),
                Some("no_data") => w.raw(&format!("{LIVE} AND COALESCE(d.records, 0) = 0")),
                Some("complete") => w.raw(&format!("{LIVE} AND d.records > 0")),
                Some("gap") => w.raw(&format!(
                    "(t.resource IS NULL OR NOT ({LIVE}) OR COALESCE(d.records, 0) = 0)"
                )),
                Some(_) => {
                    return Err(super::bad_status(
                        "status",
                        "gap, complete, no_resource, not_published, no_data",
                    ))
                }
            }
            let rows = w.fetch(c, RESPONSIBILITY_SELECT, "t.org, t.id", &f)?;
            Ok(rows.try_map(responsibility_from_row)?)
        })
        .await
    }

    /// A consumer department states a need (需求清单).
    pub async fn state_need(&self, p: Principal, input: NeedInput) -> Result<NeedView> {
        let now = self.now();
        self.write(move |c| state_need_tx(c, &p, &input, now)).await
    }

    /// The operator or the provider matches a need to a resource and confirms it. If the
    /// department already holds a grant for it, the need is satisfied at once.
    pub async fn confirm_need(
        &self,
        p: Principal,
        id: i64,
        resource: Option<String>,
    ) -> Result<NeedView> {
        let now = self.now();
        self.write(move |c| confirm_need_tx(c, &p, id, resource, now))
            .await
    }

    pub async fn reject_need(&self, p: Principal, id: i64, reason: String) -> Result<NeedView> {
        share::require_text("reason", "驳回理由", &reason)?;
        let now = self.now();
        self.write(move |c| {
            let need = load_need(c, id)?;
            require_need_decider(c, &p, need.resource.as_deref())?;
            let n = c.execute(
                "UPDATE needs SET status = 'rejected', reason = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND status IN ('open', 'confirmed')",
                params![reason.trim(), p.actor(), now, id],
            )?;
            if n == 0 {
                return Err(already_decided("需求", "need").into());
            }
            emit(
                c,
                &Actor::of(&p),
                Event {
                    kind: "need.reject",
                    subject_type: "need",
                    subject_id: id,
                    resource: need.resource.as_deref(),
                    resource_version: None,
                    grant: None,
                    reason: Some(reason.trim()),
                    notify: vec![need.org.clone()],
                    title_zh: format!("需求 {id} 被驳回：{}", reason.trim()),
                    title_en: format!("need {id} rejected: {}", reason.trim()),
                },
                now,
            )?;
            load_need(c, id)
        })
        .await
    }

    /// Needs the caller may see: its own department's, those for its resources, or all.
    pub async fn list_needs(&self, p: Principal, f: ShareFilter) -> Result<Listed<NeedView>> {
        p.require_authenticated()?;
        if let Some(s) = &f.status {
            if NeedStatus::parse(s).is_none() {
                return Err(super::bad_status("status", &NeedStatus::wire_names()));
            }
        }
        self.read(move |c| {
            let mut w = Where::default();
            w.eq("n.org", f.org.as_deref());
            w.eq("n.resource", f.resource.as_deref());
            w.eq("n.status", f.status.as_deref());
            scope(&mut w, &p, &["n.org", "r.provider", "n.responsible_org"]);
            let cols = NEED_COLS
                .split(", ")
                .map(|c| format!("n.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            let rows = w.fetch(
                c,
                &format!("SELECT {cols} FROM needs n LEFT JOIN resources r ON r.code = n.resource"),
                "n.id DESC",
                &f,
            )?;
            Ok(rows.try_map(need_from_row)?)
        })
        .await
    }

    pub async fn get_need(&self, p: Principal, id: i64) -> Result<NeedView> {
        p.require_authenticated()?;
        self.read(move |c| {
            let need = load_need(c, id)?;
            let provider = match &need.resource {
                Some(code) => c
                    .query_one(
                        "SELECT provider FROM resources WHERE code = $1",
                        params![code],
                    )?
                    .map(|r| r.text(0))
                    .transpose()?,
                None => None,
            };
            if share::may_see_org(&p, &need.org)
                || provider.is_some_and(|o| share::may_see_org(&p, &o))
                || need
                    .responsible_org
                    .as_deref()
                    .is_some_and(|o| share::may_see_org(&p, o))
            {
                Ok(need)
            } else {
                Err(not_found("need_not_found", id).into())
            }
        })
        .await
    }

    /// A provider's steward proposes putting its resource on the negative list, or taking it
    /// off, citing the legal basis. Nothing changes until all three reviewers approve.
    pub async fn propose_negative(
        &self,
        p: Principal,
        input: NegativeProposalInput,
    ) -> Result<NegativeProposalView> {
        let now = self.now();
        self.write(move |c| propose_negative_tx(c, &p, &input, now))
            .await
    }

    /// One reviewer (operator, legal or secrecy) decides. Any rejection rejects; the third
    /// approval puts the change into effect in the same transaction.
    pub async fn review_negative(
        &self,
        p: Principal,
        id: i64,
        decision: Decision,
        opinion: String,
        as_role: Option<Role>,
    ) -> Result<NegativeProposalView> {
        let now = self.now();
        self.write(move |c| review_negative_tx(c, &p, id, decision, &opinion, as_role, now))
            .await
    }

    /// Proposals, for reviewers, the operator and auditors (all) or a provider (its own).
    pub async fn list_negative_proposals(
        &self,
        p: Principal,
        f: ShareFilter,
    ) -> Result<Listed<NegativeProposalView>> {
        p.require_authenticated()?;
        if let Some(s) = &f.status {
            if ProposalStatus::parse(s).is_none() {
                return Err(super::bad_status("status", &ProposalStatus::wire_names()));
            }
        }
        let reviewer = !share::reviewer_roles(&p).is_empty();
        self.read(move |c| {
            let mut w = Where::default();
            w.eq("provider", f.org.as_deref());
            w.eq("resource", f.resource.as_deref());
            w.eq("status", f.status.as_deref());
            if !reviewer {
                scope(&mut w, &p, &["provider"]);
            }
            let rows = w.fetch(
                c,
                &format!("SELECT {PROPOSAL_COLS} FROM negative_proposals"),
                "id DESC",
                &f,
            )?;
            rows.try_map(|r| proposal_from_row(c, r))
        })
        .await
    }

    pub async fn get_negative_proposal(
        &self,
        p: Principal,
        id: i64,
    ) -> Result<NegativeProposalView> {
        p.require_authenticated()?;
        let reviewer = !share::reviewer_roles(&p).is_empty();
        self.read(move |c| {
            let prop = load_proposal(c, id)?;
            if reviewer || share::may_see_org(&p, &prop.provider) {
                Ok(prop)
            } else {
                Err(not_found("proposal_not_found", id).into())
            }
        })
        .await
    }

    /// The negative list in force. Every signed-in user may read it.
    pub async fn negative_list(&self, p: Principal) -> Result<Vec<NegativeEntry>> {
        p.require_authenticated()?;
        self.read(|c| {
            c.query(
                "SELECT r.code, r.name, r.provider, p.legal_basis, p.decided_at, p.id FROM resources r
                 JOIN negative_proposals p ON p.resource = r.code AND p.status = 'approved' AND p.action = 'add'
                 WHERE r.negative_listed = 1
                   AND p.id = (SELECT MAX(id) FROM negative_proposals q WHERE q.resource = r.code AND q.status = 'approved' AND q.action = 'add')
                 ORDER BY r.code",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(NegativeEntry {
                    resource: r.text(0)?,
                    name: r.text(1)?,
                    provider: r.text(2)?,
                    legal_basis: r.text(3)?,
                    listed_at: r.opt_int(4)?.unwrap_or(0),
                    proposal: r.int(5)?,
                })
            })
            .collect()
        })
        .await
    }
}

/// Organisations with a negative-list reviewer: told about new proposals.
fn reviewer_orgs(c: &mut dyn Conn) -> Result<Vec<String>> {
    let roles: Vec<String> = share::NEGATIVE_LIST_REVIEWERS
        .iter()
        .map(|r| r.as_str().to_string())
        .collect();
    let mut w = Where::default();
    w.any_in(&["role"], &roles);
    Ok(c.query(
        &format!("SELECT DISTINCT org FROM account_roles{}", w.sql()),
        &w.values,
    )?
    .iter()
    .map(|r| r.text(0))
    .collect::<Result<_, DbError>>()?)
}

/// Puts needs past the deadline of their assignment (still not matched to a resource) on
/// the supervision list, once each.
pub(crate) fn escalate_overdue_needs(c: &mut dyn Conn, now: i64) -> Result<u64> {
    let overdue = c.query(
        "SELECT id, responsible_org, due_at FROM needs WHERE status = 'open' AND due_at < $1 AND escalated_at IS NULL",
        params![now],
    )?;
    let operators = operator_orgs(c)?;
    let mut n = 0;
    for r in &overdue {
        let (id, org, due) = (r.int(0)?, r.text(1)?, r.int(2)?);
        c.execute(
            "UPDATE needs SET escalated_at = $1 WHERE id = $2",
            params![now, id],
        )?;
        let mut notify = operators.clone();
        notify.push(org.clone());
        let day = shuqiao_core::share::calendar::china_day(due);
        emit(
            c,
            &Actor::platform(),
            Event {
                kind: "need.escalate",
                subject_type: "need",
                subject_id: id,
                resource: None,
                resource_version: None,
                grant: None,
                reason: Some("超过编目共享期限 cataloguing overdue"),
                notify,
                title_zh: format!("督办：{org} 未在期限（{day}）内编目并共享需求 {id} 所需的数据"),
                title_en: format!("supervision: {org} missed the deadline ({day}) to catalogue and share the data need {id} asks for"),
            },
            now,
        )?;
        n += 1;
    }
    Ok(n)
}

impl Store {
    /// The operator confirms a need that no catalogued resource answers and makes a
    /// department responsible for it: the clock starts, and the need must be matched to a
    /// resource of the catalogue (`confirm_need`) within the working days set, or it is
    /// escalated.
    pub async fn assign_need(&self, p: Principal, id: i64, org: String) -> Result<NeedView> {
        p.require_platform_admin()?;
        let now = self.now();
        self.write(move |c| {
            let need = load_need(c, id)?;
            if find_org(c, org.trim())?.is_none() {
                return Err(DomainError::one(FieldError::new(
                    "org",
                    "unknown_org",
                    "没有这个部门：请填写负责编目的部门代码",
                    "no such department: give the code of the department that catalogues it",
                ))
                .into());
            }
            if need.status != NeedStatus::Open.as_str() || need.resource.is_some() {
                return Err(DomainError::conflict(
                    "need_not_unmatched",
                    "只有尚未匹配资源的待处理需求可以指定负责编目的部门",
                    "only an open need matched to no resource can be assigned to a department to catalogue",
                )
                .into());
            }
            let days = crate::quality::settings(c)?.need_days;
            let (due_at, unknown) = super::calendar::due_after(c, now, days)?;
            c.execute(
                "UPDATE needs SET responsible_org = $1, assigned_at = $2, due_at = $3, due_unknown_year = $4,
                   escalated_at = NULL WHERE id = $5",
                params![org.trim(), now, due_at, unknown, id],
            )?;
            emit(
                c,
                &Actor::of(&p),
                Event {
                    kind: "need.assign",
                    subject_type: "need",
                    subject_id: id,
                    resource: None,
                    resource_version: None,
                    grant: None,
                    reason: Some(org.trim()),
                    notify: vec![org.trim().to_string(), need.org.clone()],
                    title_zh: format!("需求 {id}（{}）由 {} 负责编目并共享", need.title, org.trim()),
                    title_en: format!("need {id} ({}) is for {} to catalogue and share", need.title, org.trim()),
                },
                now,
            )?;
            load_need(c, id)
        })
        .await
    }
}
