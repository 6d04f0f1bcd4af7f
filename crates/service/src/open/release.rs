//! Releases: a steward proposes a published resource for the portal with its security
//! assessment; the operator releases it or returns it with a reason; either may withdraw it.
//! Each step is a catalog event, sealed in the audit log, and stamps the resource so every
//! server's list of released datasets catches up.
use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::catalog::{ResourceMeta, Status};
use shuqiao_core::open::{self, Assessment, ReleaseState};
use shuqiao_core::DomainError;

use crate::catalog::{load_required, load_version, record_event, require_reason};
use crate::db::Conn;
use crate::{from_json, params, to_json, Result, Store};

/// A release as the console lists it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReleaseView {
    pub code: String,
    pub name: String,
    pub provider: String,
    pub slug: String,
    pub state: ReleaseState,
    pub open_type: String,
    pub assessment: Assessment,
    pub proposed_by: String,
    pub proposed_at: i64,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<i64>,
    pub returned_reason: Option<String>,
    pub released_at: Option<i64>,
    pub rows: i64,
}

fn release_not_found() -> DomainError {
    DomainError::not_found(
        "release_not_found",
        "该资源没有开放申请",
        "this resource has not been proposed for opening",
    )
}

fn current_meta(c: &mut dyn Conn, code: &str) -> Result<(Status, String, ResourceMeta)> {
    let s = load_required(c, code)?;
    let status = s.lifecycle().status();
    let meta = match s.published_version {
        Some(v) => load_version(c, code, v)?.map(|v| v.meta),
        None => None,
    };
    let meta = meta.ok_or_else(|| {
        DomainError::conflict(
            "not_published",
            "只有已发布的资源可以开放",
            "only a published resource can be opened",
        )
    })?;
    Ok((status, s.provider.clone(), meta))
}

fn state_of(c: &mut dyn Conn, code: &str) -> Result<Option<ReleaseState>> {
    Ok(c.query_one(
        "SELECT state FROM open_releases WHERE code = $1",
        params![code],
    )?
    .map(|r| r.text(0))
    .transpose()?
    .and_then(|s| ReleaseState::parse(&s)))
}

/// A free public name for `code`, or the one it already has.
fn slug_for(c: &mut dyn Conn, code: &str, name_en: &str) -> Result<String> {
    for s in open::slug_candidates(name_en, code) {
        let taken = c
            .query_one(
                "SELECT code FROM open_releases WHERE slug = $1",
                params![&s],
            )?
            .map(|r| r.text(0))
            .transpose()?;
        match taken {
            None => return Ok(s),
            Some(owner) if owner == code => return Ok(s),
            Some(_) => continue,
        }
    }
    // Two candidates clashed: the second holds the unique code, so only a crafted English
    // name of another resource can take it; the bare code is then still free.
    Ok(code.to_ascii_lowercase())
}

pub(crate) fn propose(
    c: &mut dyn Conn,
    p: &Principal,
    code: &str,
    a: &Assessment,
    now: i64,
) -> Result<()> {
    let (status, provider, meta) = current_meta(c, code)?;
    open::require_proposer(p, &provider)?;
    open::check_release(status, meta.open_type, a)?;
    open::require_not_negative(super::governance::on_negative_list(c, code)?)?;
    match state_of(c, code)? {
        Some(ReleaseState::Proposed) => {
            return Err(DomainError::conflict(
                "release_pending",
                "该资源的开放申请正在审核",
                "this resource's opening is already waiting for review",
            )
            .into())
        }
        Some(ReleaseState::Released) => {
            return Err(DomainError::conflict(
                "already_released",
                "该资源已开放",
                "this resource is already open",
            )
            .into())
        }
        Some(_) => {
            c.execute(
                "UPDATE open_releases SET state = 'proposed', assessment = $1, proposed_by = $2,
                 proposed_at = $3, reviewed_by = NULL, reviewed_at = NULL, returned_reason = NULL
                 WHERE code = $4",
                params![to_json(a)?, p.actor(), now, code],
            )?;
        }
        None => {
            let slug = slug_for(c, code, &meta.name_en)?;
            let ds = c
                .query_one("SELECT COALESCE(MAX(ds), 0) + 1 FROM open_releases", &[])?
                .map(|r| r.int(0))
                .transpose()?
                .unwrap_or(1);
            c.execute(
                "INSERT INTO open_releases (code, ds, slug, state, assessment, proposed_by, proposed_at, modified_at)
                 VALUES ($1, $2, $3, 'proposed', $4, $5, $6, $6)",
                params![code, ds, &slug, to_json(a)?, p.actor(), now],
            )?;
        }
    }
    record_event(c, code, "open_propose", p, None, None, now)
}

pub(crate) fn review(
    c: &mut dyn Conn,
    p: &Principal,
    code: &str,
    approve: bool,
    reason: &str,
    now: i64,
) -> Result<()> {
    open::require_reviewer(p)?;
    if !approve {
        require_reason(reason, "退回理由")?;
    }
    if state_of(c, code)? != Some(ReleaseState::Proposed) {
        return Err(DomainError::conflict(
            "release_not_pending",
            "该资源没有待审核的开放申请",
            "this resource has no opening waiting for review",
        )
        .into());
    }
    let (status, _, meta) = current_meta(c, code)?;
    let a: Assessment = from_json(
        &c.query_one(
            "SELECT assessment FROM open_releases WHERE code = $1",
            params![code],
        )?
        .ok_or_else(release_not_found)?
        .text(0)?,
    )?;
    if approve {
        // The resource may have changed since it was proposed.
        open::check_release(status, meta.open_type, &a)?;
        open::require_not_negative(super::governance::on_negative_list(c, code)?)?;
        let year = super::governance::year_of(now);
        open::require_planned(
            super::governance::planned(c, &meta.provider, code, year)?,
            year,
        )?;
        c.execute(
            "UPDATE open_releases SET state = 'released', reviewed_by = $1, reviewed_at = $2,
             released_at = COALESCE(released_at, $2), modified_at = $2 WHERE code = $3",
            params![p.actor(), now, code],
        )?;
        record_event(c, code, "open_release", p, None, None, now)
    } else {
        c.execute(
            "UPDATE open_releases SET state = 'returned', reviewed_by = $1, reviewed_at = $2,
             returned_reason = $3 WHERE code = $4",
            params![p.actor(), now, reason.trim(), code],
        )?;
        record_event(c, code, "open_return", p, None, Some(reason.trim()), now)
    }
}

pub(crate) fn withdraw(
    c: &mut dyn Conn,
    p: &Principal,
    code: &str,
    reason: &str,
    now: i64,
) -> Result<()> {
    let s = load_required(c, code)?;
    if open::require_reviewer(p).is_err() {
        open::require_proposer(p, &s.provider)?;
    }
    require_reason(reason, "撤回理由")?;
    match state_of(c, code)? {
        Some(ReleaseState::Released) | Some(ReleaseState::Proposed) => {}
        _ => return Err(release_not_found().into()),
    }
    c.execute(
        "UPDATE open_releases SET state = 'withdrawn', modified_at = $1 WHERE code = $2",
        params![now, code],
    )?;
    record_event(c, code, "open_withdraw", p, None, Some(reason.trim()), now)
}

const VIEW_COLS: &str =
    "rl.code, r.name, r.provider, rl.slug, rl.state, r.open_type, rl.assessment,
    rl.proposed_by, rl.proposed_at, rl.reviewed_by, rl.reviewed_at, rl.returned_reason,
    rl.released_at, rl.rows";

fn view_from_row(r: &crate::db::Row) -> Result<ReleaseView> {
    Ok(ReleaseView {
        code: r.text(0)?,
        name: r.text(1)?,
        provider: r.text(2)?,
        slug: r.text(3)?,
        state: ReleaseState::parse(&r.text(4)?).unwrap_or(ReleaseState::Withdrawn),
        open_type: r.text(5)?,
        assessment: from_json(&r.text(6)?)?,
        proposed_by: r.text(7)?,
        proposed_at: r.int(8)?,
        reviewed_by: r.opt_text(9)?,
        reviewed_at: r.opt_int(10)?,
        returned_reason: r.opt_text(11)?,
        released_at: r.opt_int(12)?,
        rows: r.int(13)?,
    })
}

impl Store {
    /// A provider's steward proposes a published resource for the portal.
    pub async fn propose_open(
        &self,
        p: Principal,
        code: &str,
        a: Assessment,
    ) -> Result<ReleaseView> {
        let code = code.to_string();
        let now = self.now();
        self.write(move |c| {
            propose(c, &p, &code, &a, now)?;
            one_view(c, &code)
        })
        .await
    }

    /// The operator releases a proposed resource (`approve`) or returns it with `reason`.
    pub async fn review_open(
        &self,
        p: Principal,
        code: &str,
        approve: bool,
        reason: &str,
    ) -> Result<ReleaseView> {
        let (code, reason) = (code.to_string(), reason.to_string());
        let now = self.now();
        self.write(move |c| {
            review(c, &p, &code, approve, &reason, now)?;
            one_view(c, &code)
        })
        .await
    }

    /// Takes a dataset off the portal (the operator, or its provider's steward).
    pub async fn withdraw_open(
        &self,
        p: Principal,
        code: &str,
        reason: &str,
    ) -> Result<ReleaseView> {
        let (code, reason) = (code.to_string(), reason.to_string());
        let now = self.now();
        self.write(move |c| {
            withdraw(c, &p, &code, &reason, now)?;
            one_view(c, &code)
        })
        .await
    }

    /// Releases as `p` may see them: the operator and auditors all, stewards their own
    /// departments'. Waiting ones first.
    pub async fn open_releases(&self, p: Principal) -> Result<Vec<ReleaseView>> {
        self.read(move |c| {
            p.require_authenticated()?;
            let all = p.is_platform_admin()
                || p.has_role(shuqiao_core::account::Role::Auditor);
            let mine = p.steward_orgs();
            if !all && mine.is_empty() {
                return Err(DomainError::forbidden(
                    "not_a_steward",
                    "只有数据管理员、平台管理员和审计人员可以查看开放申请",
                    "only data stewards, the operator and auditors see openings",
                )
                .into());
            }
            let rows = c.query(
                &format!(
                    "SELECT {VIEW_COLS} FROM open_releases rl JOIN resources r ON r.code = rl.code
                     ORDER BY CASE rl.state WHEN 'proposed' THEN 0 ELSE 1 END, rl.proposed_at DESC, rl.code"
                ),
                &[],
            )?;
            let mut out = Vec::new();
            for r in &rows {
                let v = view_from_row(r)?;
                if all || mine.contains(&v.provider) {
                    out.push(v);
                }
            }
            Ok(out)
        })
        .await
    }
}

fn one_view(c: &mut dyn Conn, code: &str) -> Result<ReleaseView> {
    let r = c
        .query_one(
            &format!(
                "SELECT {VIEW_COLS} FROM open_releases rl JOIN resources r ON r.code = rl.code WHERE rl.code = $1"
            ),
            params![code],
        )?
        .ok_or_else(release_not_found)?;
    view_from_row(&r)
}

/// The demo province's openings: every open resource proposed by its steward with a passing
/// assessment, and all but every tenth released, so the operator's queue has work in it.
pub(crate) fn load_demo(
    c: &mut dyn Conn,
    published: &[(String, &ResourceMeta)],
    now: i64,
) -> Result<()> {
    use shuqiao_core::catalog::OpenType;
    use shuqiao_core::open::Check;
    let open: Vec<_> = published
        .iter()
        .filter(|(_, m)| m.open_type != OpenType::Closed)
        .collect();
    // Each provider's plan for the year lists its open resources, approved by the operator.
    let mut providers: Vec<&str> = open.iter().map(|(_, m)| m.provider.as_str()).collect();
    providers.sort();
    providers.dedup();
    for org in providers {
        let items = open
            .iter()
            .filter(|(_, m)| m.provider == org)
            .enumerate()
            .map(|(n, (code, _))| shuqiao_core::open::PlanItem {
                resource: code.clone(),
                quarter: (n % 4 + 1) as u8,
                note: String::new(),
            })
            .collect();
        let plan = shuqiao_core::open::PlanInput {
            org: org.to_string(),
            year: super::governance::year_of(now),
            items,
        };
        let id = super::governance::submit_plan(c, &shuqiao_demo::steward_of(org), &plan, now)?;
        super::governance::review_plan(c, &shuqiao_demo::admin(), id, true, "", now)?;
    }
    for (n, (code, meta)) in open.into_iter().enumerate() {
        let ok = |note: &str| Check {
            passed: true,
            note: note.to_string(),
        };
        let a = Assessment {
            assessor: "海南省大数据管理局数据安全评估组".into(),
            personal_info: ok("开放字段均为一般数据，不含个人信息"),
            reidentification: ok("与已开放数据关联比对，无法识别到特定自然人"),
            trade_secret: ok("均为依法公示的登记或监管信息，不含商业秘密"),
            conclusion: meta.open_type,
            assessed_on: "2026-11-20".into(),
        };
        propose(c, &shuqiao_demo::steward_of(&meta.provider), code, &a, now)?;
        if n % 10 != 9 {
            review(c, &shuqiao_demo::admin(), code, true, "", now)?;
        }
    }
    Ok(())
}

/// A published resource its steward may propose for opening.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Candidate {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub provider: String,
    pub open_type: String,
}

impl Store {
    /// The steward's published resources whose 开放属性 allows opening and that are neither
    /// waiting for review nor released.
    pub async fn open_candidates(&self, p: Principal) -> Result<Vec<Candidate>> {
        self.read(move |c| {
            let mine = p.steward_orgs();
            let mut out = Vec::new();
            for org in mine {
                for r in c.query(
                    "SELECT r.code, r.name, r.name_en, r.provider, r.open_type FROM resources r
                     LEFT JOIN open_releases rl ON rl.code = r.code
                     WHERE r.provider = $1 AND r.status = 'published' AND r.open_type <> 'closed'
                       AND (rl.state IS NULL OR rl.state IN ('returned', 'withdrawn'))
                     ORDER BY r.code",
                    params![&org],
                )? {
                    out.push(Candidate {
                        code: r.text(0)?,
                        name: r.text(1)?,
                        name_en: r.text(2)?,
                        provider: r.text(3)?,
                        open_type: r.text(4)?,
                    });
                }
            }
            Ok(out)
        })
        .await
    }
}
