//! Open-data governance: the open negative list (开放负面清单) with each entry's legal basis,
//! and each department's yearly open plan (年度开放计划) reviewed by the operator. A release
//! needs the resource off the list and in its provider's approved plan for the year; putting
//! a resource on the list takes it off the portal in the same transaction.
use serde::Serialize;
use shuqiao_core::account::{Principal, Role};
use shuqiao_core::error::{Errors, FieldError};
use shuqiao_core::open::{PlanInput, PlanItem};
use shuqiao_core::share::calendar::china_day;
use shuqiao_core::DomainError;

use crate::catalog::{load_required, record_event};
use crate::db::{Conn, DbError};
use crate::share::events::{emit, Actor, Event};
use crate::{from_json, params, to_json, Result, Store};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NegativeEntry {
    pub code: String,
    pub name: String,
    pub provider: String,
    pub legal_basis: String,
    pub reason: String,
    pub added_by: String,
    pub added_at: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OpenPlan {
    pub id: i64,
    pub org: String,
    pub year: i64,
    pub items: Vec<PlanItem>,
    pub status: String,
    pub submitted_by: String,
    pub submitted_at: i64,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<i64>,
    pub reason: Option<String>,
}

pub(crate) fn on_negative_list(c: &mut dyn Conn, code: &str) -> Result<bool> {
    Ok(c.query_one(
        "SELECT code FROM open_negative WHERE code = $1",
        params![code],
    )?
    .is_some())
}

/// Whether the provider's approved plan for `year` lists `code`.
pub(crate) fn planned(c: &mut dyn Conn, provider: &str, code: &str, year: i32) -> Result<bool> {
    let row = c.query_one(
        "SELECT items FROM open_plans WHERE org = $1 AND year = $2 AND status = 'approved'
         ORDER BY id DESC LIMIT 1",
        params![provider, year as i64],
    )?;
    let Some(row) = row else { return Ok(false) };
    let items: Vec<PlanItem> = from_json(&row.text(0)?)?;
    Ok(items.iter().any(|i| i.resource == code))
}

pub(crate) fn year_of(ms: i64) -> i32 {
    china_day(ms).year()
}

fn plan_from(r: &crate::db::Row) -> Result<OpenPlan> {
    Ok(OpenPlan {
        id: r.int(0)?,
        org: r.text(1)?,
        year: r.int(2)?,
        items: from_json(&r.text(3)?)?,
        status: r.text(4)?,
        submitted_by: r.text(5)?,
        submitted_at: r.int(6)?,
        reviewed_by: r.opt_text(7)?,
        reviewed_at: r.opt_int(8)?,
        reason: r.opt_text(9)?,
    })
}

const PLAN_COLS: &str =
    "id, org, year, items, status, submitted_by, submitted_at, reviewed_by, reviewed_at, reason";

fn one_plan(c: &mut dyn Conn, id: i64) -> Result<OpenPlan> {
    let r = c
        .query_one(
            &format!("SELECT {PLAN_COLS} FROM open_plans WHERE id = $1"),
            params![id],
        )?
        .ok_or_else(|| {
            DomainError::not_found(
                "open_plan_not_found",
                "没有这个开放计划",
                "no such open plan",
            )
        })?;
    plan_from(&r)
}

fn require_staff_reader(p: &Principal) -> Result<()> {
    p.require_authenticated()?;
    if p.is_staff() {
        return Ok(());
    }
    Err(DomainError::forbidden(
        "staff_only",
        "开放负面清单和开放计划只向政务工作人员提供",
        "the open negative list and plans are for government staff",
    )
    .into())
}

/// Submits a plan: every problem of it at once, then one row.
pub(crate) fn submit_plan(
    c: &mut dyn Conn,
    p: &Principal,
    plan: &PlanInput,
    now: i64,
) -> Result<i64> {
    shuqiao_core::open::require_proposer(p, &plan.org)?;
    plan.validate()?;
    let mut errs = Errors::default();
    for (n, i) in plan.items.iter().enumerate() {
        let owner = c
            .query_one(
                "SELECT provider FROM resources WHERE code = $1",
                params![&i.resource],
            )?
            .map(|r| r.text(0))
            .transpose()?;
        if owner.as_deref() != Some(plan.org.as_str()) {
            errs.push(FieldError::new(
                format!("items[{n}].resource"),
                "not_own_resource",
                format!("「{}」不是本部门的资源", i.resource),
                format!("`{}` is not a resource of this department", i.resource),
            ));
        }
    }
    errs.into_result()?;
    let id = c
        .query_one(
            "INSERT INTO open_plans (org, year, items, status, submitted_by, submitted_at)
             VALUES ($1, $2, $3, 'submitted', $4, $5) RETURNING id",
            params![
                &plan.org,
                plan.year as i64,
                to_json(&plan.items)?,
                p.actor(),
                now
            ],
        )?
        .ok_or(DbError::Other("insert returned nothing".into()))?
        .int(0)?;
    let operator: Vec<String> = c
        .query("SELECT code FROM orgs WHERE kind = 'operator'", &[])?
        .iter()
        .filter_map(|r| r.text(0).ok())
        .collect();
    emit(
        c,
        &Actor::of(p),
        Event {
            kind: "open_plan.submit",
            subject_type: "open_plan",
            subject_id: id,
            resource: None,
            resource_version: None,
            grant: None,
            reason: None,
            notify: operator,
            title_zh: format!("{} 年度开放计划待审核（{}）", plan.year, plan.org),
            title_en: format!("open plan {} of {} waits for review", plan.year, plan.org),
        },
        now,
    )?;
    Ok(id)
}

pub(crate) fn review_plan(
    c: &mut dyn Conn,
    p: &Principal,
    id: i64,
    approve: bool,
    reason: &str,
    now: i64,
) -> Result<()> {
    p.require_platform_admin()?;
    if !approve {
        crate::catalog::require_reason(reason, "退回理由")?;
    }
    let plan = one_plan(c, id)?;
    if plan.status != "submitted" {
        return Err(DomainError::conflict(
            "plan_not_pending",
            "该开放计划不在待审核状态",
            "this plan is not waiting for review",
        )
        .into());
    }
    if approve {
        c.execute(
            "UPDATE open_plans SET status = 'superseded' WHERE org = $1 AND year = $2 AND status = 'approved'",
            params![&plan.org, plan.year],
        )?;
    }
    c.execute(
        "UPDATE open_plans SET status = $1, reviewed_by = $2, reviewed_at = $3, reason = $4 WHERE id = $5",
        params![
            if approve { "approved" } else { "returned" },
            p.actor(),
            now,
            Some(reason.trim().to_string()).filter(|r| !r.is_empty()),
            id
        ],
    )?;
    emit(
        c,
        &Actor::of(p),
        Event {
            kind: if approve {
                "open_plan.approve"
            } else {
                "open_plan.return"
            },
            subject_type: "open_plan",
            subject_id: id,
            resource: None,
            resource_version: None,
            grant: None,
            reason: Some(reason.trim()).filter(|r| !r.is_empty()),
            notify: vec![plan.org.clone()],
            title_zh: format!("{} 年度开放计划已审核", plan.year),
            title_en: format!("open plan {} reviewed", plan.year),
        },
        now,
    )?;
    Ok(())
}

impl Store {
    /// The operator puts a resource on the open negative list, with its legal basis; a
    /// release of it ends at once.
    pub async fn add_open_negative(
        &self,
        p: Principal,
        code: &str,
        legal_basis: &str,
        reason: &str,
    ) -> Result<NegativeEntry> {
        p.require_platform_admin()?;
        let mut errs = Errors::default();
        errs.text("legal_basis", "法律法规依据", legal_basis, 1000);
        errs.text("reason", "理由", reason, 2000);
        errs.into_result()?;
        let (code, legal_basis, reason) = (
            code.to_string(),
            legal_basis.trim().to_string(),
            reason.trim().to_string(),
        );
        let now = self.now();
        self.write(move |c| {
            load_required(c, &code)?;
            if on_negative_list(c, &code)? {
                return Err(DomainError::conflict("already_listed", "该资源已在开放负面清单中", "the resource is already on the open negative list").into());
            }
            c.execute(
                "INSERT INTO open_negative (code, legal_basis, reason, added_by, added_at) VALUES ($1, $2, $3, $4, $5)",
                params![&code, &legal_basis, &reason, p.actor(), now],
            )?;
            let live = c.execute(
                "UPDATE open_releases SET state = 'withdrawn', modified_at = $1 WHERE code = $2 AND state IN ('proposed', 'released')",
                params![now, &code],
            )?;
            let why = format!("{reason}（{legal_basis}）");
            if live > 0 {
                record_event(c, &code, "open_withdraw", &p, None, Some(&why), now)?;
            }
            record_event(c, &code, "open_negative_add", &p, None, Some(&why), now)?;
            negative_entry(c, &code)
        })
        .await
    }

    /// The operator takes a resource off the open negative list.
    pub async fn remove_open_negative(&self, p: Principal, code: &str, reason: &str) -> Result<()> {
        p.require_platform_admin()?;
        crate::catalog::require_reason(reason, "移出理由")?;
        let (code, reason) = (code.to_string(), reason.trim().to_string());
        let now = self.now();
        self.write(move |c| {
            if c.execute("DELETE FROM open_negative WHERE code = $1", params![&code])? == 0 {
                return Err(DomainError::not_found(
                    "not_listed",
                    "该资源不在开放负面清单中",
                    "the resource is not on the open negative list",
                )
                .into());
            }
            record_event(
                c,
                &code,
                "open_negative_remove",
                &p,
                None,
                Some(&reason),
                now,
            )
        })
        .await
    }

    /// The open negative list, for staff.
    pub async fn open_negative_list(&self, p: Principal) -> Result<Vec<NegativeEntry>> {
        require_staff_reader(&p)?;
        self.read(|c| {
            let codes: Vec<String> = c
                .query("SELECT code FROM open_negative ORDER BY code", &[])?
                .iter()
                .filter_map(|r| r.text(0).ok())
                .collect();
            codes.iter().map(|code| negative_entry(c, code)).collect()
        })
        .await
    }

    /// A steward submits their department's open plan for a year.
    pub async fn submit_open_plan(&self, p: Principal, plan: PlanInput) -> Result<OpenPlan> {
        let now = self.now();
        self.write(move |c| {
            let id = submit_plan(c, &p, &plan, now)?;
            one_plan(c, id)
        })
        .await
    }

    /// The operator approves a plan (replacing the year's earlier one) or returns it.
    pub async fn review_open_plan(
        &self,
        p: Principal,
        id: i64,
        approve: bool,
        reason: &str,
    ) -> Result<OpenPlan> {
        let reason = reason.to_string();
        let now = self.now();
        self.write(move |c| {
            review_plan(c, &p, id, approve, &reason, now)?;
            one_plan(c, id)
        })
        .await
    }

    /// Plans as `p` may see them: a steward's departments', all for the operator and
    /// auditors. Newest first.
    pub async fn open_plans(&self, p: Principal) -> Result<Vec<OpenPlan>> {
        p.require_authenticated()?;
        let all = p.is_platform_admin() || p.has_role(Role::Auditor);
        let mine = p.steward_orgs();
        if !all && mine.is_empty() {
            return Err(DomainError::forbidden(
                "not_a_steward",
                "只有数据管理员、平台管理员和审计人员可以查看开放计划",
                "only data stewards, the operator and auditors see open plans",
            )
            .into());
        }
        self.read(move |c| {
            let rows = c.query(
                &format!("SELECT {PLAN_COLS} FROM open_plans ORDER BY id DESC"),
                &[],
            )?;
            let mut out = Vec::new();
            for r in &rows {
                let plan = plan_from(r)?;
                if all || mine.contains(&plan.org) {
                    out.push(plan);
                }
            }
            Ok(out)
        })
        .await
    }
}

fn negative_entry(c: &mut dyn Conn, code: &str) -> Result<NegativeEntry> {
    let r = c
        .query_one(
            "SELECT n.code, r.name, r.provider, n.legal_basis, n.reason, n.added_by, n.added_at
             FROM open_negative n JOIN resources r ON r.code = n.code WHERE n.code = $1",
            params![code],
        )?
        .ok_or_else(|| {
            DomainError::not_found(
                "not_listed",
                "该资源不在开放负面清单中",
                "the resource is not on the open negative list",
            )
        })?;
    Ok(NegativeEntry {
        code: r.text(0)?,
        name: r.text(1)?,
        provider: r.text(2)?,
        legal_basis: r.text(3)?,
        reason: r.text(4)?,
        added_by: r.text(5)?,
        added_at: r.int(6)?,
    })
}
