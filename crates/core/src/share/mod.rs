//! Sharing: the three lists (责任清单, 需求清单, 负面清单), subscriptions and applications, and
//! the grants they produce. "共享为原则，不共享为例外": every rule here says who may decide and
//! what makes a request refusable.
pub mod calendar;
pub mod webhook;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::account::{Principal, Role};
use crate::catalog::{ResourceMeta, ShareType};
use crate::error::{DomainError, Errors, FieldError};

/// Working days a provider has to answer an application, unless the operator sets another.
pub const DEFAULT_ANSWER_WORKING_DAYS: u32 = 2;
/// More distinct consumer departments than this approved for one conditional resource
/// proposes converting it to unconditional sharing.
pub const CONVERSION_THRESHOLD: usize = 5;
/// The longest a grant may run.
pub const MAX_GRANT_DAYS: u32 = 3 * 366;
pub const DAY_MS: i64 = 24 * 3600 * 1000;

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $wire:literal, $zh:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $wire)] $variant,)+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $wire,)+ } }
            pub fn label_zh(self) -> &'static str { match self { $($name::$variant => $zh,)+ } }
            pub fn parse(s: &str) -> Option<Self> { Self::ALL.iter().copied().find(|v| v.as_str() == s) }
            pub fn wire_names() -> String { Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ") }
        }
    };
}

wire_enum!(
    /// 需求清单 entry state.
    NeedStatus {
        Open => "open", "待确认";
        Confirmed => "confirmed", "已确认";
        Satisfied => "satisfied", "已满足";
        Rejected => "rejected", "已驳回";
    }
);

wire_enum!(
    /// 负面清单 proposal: put a resource on the list, or take it off.
    NegativeAction {
        Add => "add", "列入负面清单";
        Remove => "remove", "移出负面清单";
    }
);

wire_enum!(
    ProposalStatus {
        Pending => "pending", "审核中";
        Approved => "approved", "已通过";
        Rejected => "rejected", "未通过";
    }
);

wire_enum!(
    Decision {
        Approve => "approve", "同意";
        Reject => "reject", "不同意";
    }
);

wire_enum!(
    ApplicationStatus {
        Pending => "pending", "待答复";
        Approved => "approved", "已同意";
        Rejected => "rejected", "已驳回";
        Withdrawn => "withdrawn", "已撤回";
    }
);

wire_enum!(
    /// How a grant came about.
    GrantSource {
        Subscription => "subscription", "无条件共享订阅";
        Application => "application", "有条件共享申请";
    }
);

wire_enum!(
    /// A proposal to convert a conditional resource to unconditional sharing.
    ConversionStatus {
        Proposed => "proposed", "待提供方决定";
        Accepted => "accepted", "已转为无条件共享";
        Kept => "kept", "保留有条件共享";
    }
);

/// The reviewers of the negative list: the operator with the legal and secrecy offices
/// (省大数据管理局会同法制、保密部门审核). A proposal takes effect only when all three agree.
pub const NEGATIVE_LIST_REVIEWERS: [Role; 3] = [
    Role::PlatformAdmin,
    Role::LegalReviewer,
    Role::SecrecyReviewer,
];

/// Which reviewer roles this principal may review as.
pub fn reviewer_roles(p: &Principal) -> Vec<Role> {
    NEGATIVE_LIST_REVIEWERS
        .into_iter()
        .filter(|r| p.has_role(*r))
        .collect()
}

/// The outcome of a proposal given the reviews so far: any rejection rejects; approval needs
/// every reviewer role.
pub fn review_outcome(reviews: &[(Role, Decision)]) -> ProposalStatus {
    if reviews.iter().any(|(_, d)| *d == Decision::Reject) {
        return ProposalStatus::Rejected;
    }
    let approved: BTreeSet<Role> = reviews.iter().map(|(r, _)| *r).collect();
    if NEGATIVE_LIST_REVIEWERS.iter().all(|r| approved.contains(r)) {
        ProposalStatus::Approved
    } else {
        ProposalStatus::Pending
    }
}

/// Why a resource may not be shared at all, if it may not.
pub fn not_shareable(meta: &ResourceMeta, negative_listed: bool) -> Option<DomainError> {
    if negative_listed {
        return Some(DomainError::forbidden(
            "negative_listed",
            "该资源已列入共享负面清单（不予共享），不能订阅或申请",
            "this resource is on the negative list (not shared); it cannot be subscribed to or applied for",
        ));
    }
    if meta.share_type == ShareType::NotShared {
        return Some(DomainError::forbidden(
            "not_shared",
            "该资源的共享类型为不予共享，不能订阅或申请",
            "this resource is catalogued as not shared; it cannot be subscribed to or applied for",
        ));
    }
    None
}

/// What a consumer asks for: a system of its own, the fields it needs and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessRequest {
    /// The consumer's registered information system that will call the API.
    pub system: String,
    pub resource: String,
    /// 信息项 codes; only those needed (最小必要).
    pub fields: Vec<String>,
    pub purpose: String,
    /// 应用场景.
    #[serde(default)]
    pub scene: String,
    /// 法律法规依据 (required for conditional resources).
    #[serde(default)]
    pub legal_basis: String,
    /// How long the grant should run, in days.
    pub days: u32,
}

fn unknown_fields(meta: &ResourceMeta, fields: &[String]) -> Vec<String> {
    fields
        .iter()
        .filter(|f| !meta.items.iter().any(|i| &i.code == *f))
        .cloned()
        .collect()
}

fn check_fields(errs: &mut Errors, meta: &ResourceMeta, fields: &[String]) {
    if fields.is_empty() {
        errs.push(FieldError::new(
            "fields",
            "required",
            "请列出需要的信息项（只列必要的）",
            "list the fields (信息项 codes) you need, and only those",
        ));
        return;
    }
    let unknown = unknown_fields(meta, fields);
    if !unknown.is_empty() {
        let known: Vec<&str> = meta.items.iter().map(|i| i.code.as_str()).collect();
        errs.push(FieldError::new(
            "fields",
            "unknown_field",
            format!(
                "资源中没有这些信息项：{}；可选：{}",
                unknown.join("、"),
                known.join(", ")
            ),
            format!(
                "the resource has no such fields: {}; available: {}",
                unknown.join(", "),
                known.join(", ")
            ),
        ));
    }
    let distinct: BTreeSet<&String> = fields.iter().collect();
    if distinct.len() != fields.len() {
        errs.push(FieldError::new(
            "fields",
            "duplicate_field",
            "信息项有重复",
            "a field is listed twice",
        ));
    }
}

fn check_days(errs: &mut Errors, days: u32) {
    if days == 0 || days > MAX_GRANT_DAYS {
        errs.push(FieldError::new(
            "days",
            "invalid_duration",
            format!("使用期限应为 1–{MAX_GRANT_DAYS} 天"),
            format!("the duration must be 1–{MAX_GRANT_DAYS} days"),
        ));
    }
}

/// Checks an application or subscription against the resource's catalog entry. Every problem
/// is reported at once.
pub fn validate_request(
    r: &AccessRequest,
    meta: &ResourceMeta,
    conditional: bool,
) -> Result<(), DomainError> {
    let mut errs = Errors::default();
    errs.text("purpose", "使用目的", &r.purpose, 500);
    errs.opt_text("scene", Some(&r.scene), 500);
    if conditional {
        errs.text("scene", "应用场景", &r.scene, 500);
        errs.text("legal_basis", "法律法规依据", &r.legal_basis, 1000);
    } else {
        errs.opt_text("legal_basis", Some(&r.legal_basis), 1000);
    }
    check_fields(&mut errs, meta, &r.fields);
    check_days(&mut errs, r.days);
    errs.into_result()
}

/// The provider's answer to an application: possibly fewer fields or a shorter time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// A subset of the requested fields; all requested when absent.
    #[serde(default)]
    pub fields: Option<Vec<String>>,
    /// At most the requested days; the requested days when absent.
    #[serde(default)]
    pub days: Option<u32>,
    #[serde(default)]
    pub opinion: String,
    /// A cap on calls per day under the grant (none when absent).
    #[serde(default)]
    pub quota_per_day: Option<u32>,
}

/// What an approval grants: fields ⊆ requested, days ≤ requested.
pub fn approved_terms(
    requested_fields: &[String],
    requested_days: u32,
    a: &Approval,
) -> Result<(Vec<String>, u32), DomainError> {
    let mut errs = Errors::default();
    let fields = a
        .fields
        .clone()
        .unwrap_or_else(|| requested_fields.to_vec());
    if fields.is_empty() {
        errs.push(FieldError::new(
            "fields",
            "required",
            "同意时至少保留一个信息项；如都不同意请驳回",
            "keep at least one field when approving; reject instead if none may be shared",
        ));
    }
    let extra: Vec<&String> = fields
        .iter()
        .filter(|f| !requested_fields.contains(f))
        .collect();
    if !extra.is_empty() {
        errs.push(FieldError::new(
            "fields",
            "not_requested",
            format!(
                "只能同意申请中列出的信息项，这些未申请：{}",
                extra
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            format!(
                "only requested fields can be approved; not requested: {}",
                extra
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let days = a.days.unwrap_or(requested_days);
    if days == 0 || days > requested_days {
        errs.push(FieldError::new(
            "days",
            "invalid_duration",
            format!("同意的期限应为 1–{requested_days} 天（不超过申请的期限）"),
            format!(
                "the approved duration must be 1–{requested_days} days (at most what was asked)"
            ),
        ));
    }
    errs.opt_text("opinion", Some(&a.opinion), 1000);
    if a.quota_per_day == Some(0) {
        errs.push(FieldError::new(
            "quota_per_day",
            "invalid_quota",
            "每日调用上限应至少为 1；不设上限请留空",
            "a daily quota must be at least 1; leave it out for none",
        ));
    }
    errs.into_result()?;
    let mut fields = fields;
    fields.sort();
    fields.dedup();
    Ok((fields, days))
}

/// Only the provider's data stewards decide on applications for its resources.
pub fn require_provider_steward(p: &Principal, provider: &str) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if p.has_role_in(Role::DataSteward, provider) {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "not_provider_steward",
            format!("只有提供方（{provider}）的数据管理员可以处理对其资源的申请"),
            format!("only a data steward of the provider ({provider}) may decide on its resources"),
        ))
    }
}

/// Who follows conversion proposals (a resource approved for more than five departments,
/// proposed for unconditional sharing): the operator, who publishes the change, and the
/// providers' stewards, who accept it or keep it conditional (`require_provider_steward`).
pub fn require_conversion_viewer(p: &Principal) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if p.is_platform_admin() || p.has_role(Role::DataSteward) {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "not_conversion_party",
            "只有平台管理员和资源提供单位的数据管理员可以查看转为无条件共享的提议",
            "only the operator and providers' data stewards follow proposals to share unconditionally",
        ))
    }
}

/// Who reviews the negative list: one of `NEGATIVE_LIST_REVIEWERS`.
pub fn require_negative_reviewer(p: &Principal) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if reviewer_roles(p).is_empty() {
        Err(DomainError::forbidden(
            "not_negative_reviewer",
            "只有平台管理员、法制审核人员和保密审核人员可以审核负面清单",
            "only the operator, legal reviewers and secrecy reviewers review the negative list",
        ))
    } else {
        Ok(())
    }
}

/// A consumer acts for its own organisation: a steward or consumer user of the org that owns
/// the system named in the request.
pub fn require_consumer_of(p: &Principal, org: &str) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if p.has_role_in(Role::DataSteward, org) || p.has_role_in(Role::ConsumerUser, org) {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "not_consumer_of_system",
            format!("只能为本单位（{org}）的应用系统申请；请使用本单位账号"),
            format!("you can only request for your own organisation's systems ({org})"),
        ))
    }
}

/// Whether a system may subscribe to (`conditional` false) or apply for (`conditional` true)
/// a resource: it must be shareable at all, and 无条件共享 resources are subscribed to while
/// 有条件共享 ones are applied for, never the other way round.
pub fn require_request_route(
    meta: &ResourceMeta,
    negative_listed: bool,
    conditional: bool,
) -> Result<(), DomainError> {
    if let Some(e) = not_shareable(meta, negative_listed) {
        return Err(e);
    }
    match (meta.share_type, conditional) {
        (ShareType::Conditional, true) | (ShareType::Unconditional, false) => Ok(()),
        (_, true) => Err(DomainError::conflict(
            "unconditional_resource",
            "该资源为无条件共享，请直接订阅（POST /api/v1/share/subscriptions），无需申请",
            "this resource is shared unconditionally: subscribe (POST /api/v1/share/subscriptions) instead of applying",
        )),
        (_, false) => Err(DomainError::conflict(
            "conditional_resource",
            "该资源为有条件共享，须提出申请（POST /api/v1/share/applications），由提供方答复",
            "this resource is shared on conditions: apply (POST /api/v1/share/applications) and wait for the provider's answer",
        )),
    }
}

/// Where a grant stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantState {
    Active,
    Expired,
    Revoked,
}

impl GrantState {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantState::Active => "active",
            GrantState::Expired => "expired",
            GrantState::Revoked => "revoked",
        }
    }
}

/// A grant's state at `now`: revoked whenever it was, else expired from `expires_at` on.
pub fn grant_state(revoked_at: Option<i64>, expires_at: i64, now: i64) -> GrantState {
    if revoked_at.is_some() {
        GrantState::Revoked
    } else if expires_at <= now {
        GrantState::Expired
    } else {
        GrantState::Active
    }
}

/// Who may revoke a grant: a steward of its provider or of its consumer, or the operator.
pub fn require_grant_party(
    p: &Principal,
    provider: &str,
    consumer_org: &str,
) -> Result<(), DomainError> {
    let ok = p.is_platform_admin()
        || p.has_role_in(Role::DataSteward, provider)
        || p.has_role_in(Role::DataSteward, consumer_org);
    if ok {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "not_grant_party",
            "只有提供方或使用方的数据管理员、平台管理员可以撤销授权",
            "only a steward of the provider or the consumer, or the operator, may revoke a grant",
        ))
    }
}

/// People read and manage their own organisations' notifications (those they hold a role
/// in); systems have webhooks instead.
pub fn require_member(p: &Principal, org: &str) -> Result<(), DomainError> {
    p.require_authenticated()?;
    match p {
        Principal::Person { roles, .. } if roles.iter().any(|b| b.org == org) => Ok(()),
        _ => Err(DomainError::forbidden(
            "not_org_member",
            format!("只能查看和管理本单位（{org}）的通知"),
            format!("you can only see and manage your own organisation's ({org}) notifications"),
        )),
    }
}

/// Who decides on a need (confirm or reject): the operator, or a steward of the provider of
/// the resource the need names (`provider`; `None` when it names none or an unknown one).
pub fn require_need_decider(p: &Principal, provider: Option<&str>) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if p.is_platform_admin() || provider.is_some_and(|o| p.has_role_in(Role::DataSteward, o)) {
        return Ok(());
    }
    Err(DomainError::forbidden(
        "not_need_decider",
        "只有平台管理员或所需资源提供方的数据管理员可以确认或驳回需求",
        "only the operator or a steward of the needed resource's provider may confirm or reject a need",
    ))
}

/// Who keeps an organisation's 责任清单: the operator or the organisation's stewards.
pub fn require_list_keeper(p: &Principal, org: &str) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if p.is_platform_admin() || p.has_role_in(Role::DataSteward, org) {
        return Ok(());
    }
    Err(DomainError::forbidden(
        "not_org_steward",
        format!("只有平台管理员或 {org} 的数据管理员可以维护其责任清单"),
        format!("only the operator or a steward of {org} may edit its responsibilities"),
    ))
}

/// Who sets a grant's rate and daily quota: the operator or a steward of its provider.
pub fn require_limit_setter(p: &Principal, provider: &str) -> Result<(), DomainError> {
    if p.is_platform_admin() || p.has_role_in(Role::DataSteward, provider) {
        return Ok(());
    }
    Err(DomainError::forbidden(
        "not_grant_provider",
        "只有提供方的数据管理员或平台管理员可以设置授权的调用限额",
        "only a steward of the provider, or the operator, may set a grant's limits",
    ))
}

/// Who registers and removes an organisation's webhooks: the operator or its stewards.
pub fn require_webhook_keeper(p: &Principal, org: &str) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if p.is_platform_admin() || p.has_role_in(Role::DataSteward, org) {
        return Ok(());
    }
    Err(DomainError::forbidden(
        "not_org_steward",
        format!("只有 {org} 的数据管理员或平台管理员可以登记回调地址"),
        format!("only a steward of {org} or the operator may register webhooks"),
    ))
}

/// Who lists an organisation's webhooks: the operator, and the organisation's own people.
pub fn require_webhook_reader(p: &Principal, org: &str) -> Result<(), DomainError> {
    match p.is_platform_admin() {
        true => Ok(()),
        false => require_member(p, org),
    }
}

/// Who may see sharing records of an organisation: its own people, the operator, auditors.
pub fn may_see_org(p: &Principal, org: &str) -> bool {
    match p {
        Principal::Person { roles, .. } => roles
            .iter()
            .any(|b| b.org == org || matches!(b.role, Role::PlatformAdmin | Role::Auditor)),
        Principal::System { org: o, .. } => o == org,
        Principal::Anonymous => false,
    }
}

/// Whether the principal sees every organisation's sharing records.
pub fn sees_everything(p: &Principal) -> bool {
    p.has_role(Role::PlatformAdmin) || p.has_role(Role::Auditor)
}

/// A need (需求清单 entry) as stated by a consumer department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedInput {
    /// The consumer department; the caller's own when absent.
    #[serde(default)]
    pub org: Option<String>,
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub resource: Option<String>,
}

pub fn validate_need(n: &NeedInput) -> Result<(), DomainError> {
    let mut errs = Errors::default();
    errs.name("title", "需求名称", &n.title, 200);
    errs.text("description", "需求说明", &n.description, 2000);
    errs.into_result()
}

/// A responsibility (责任清单 entry): data a department must provide, from its duties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponsibilityInput {
    pub org: String,
    pub title: String,
    /// The duty it comes from (三定方案, 权责清单 item).
    pub duty: String,
    #[serde(default)]
    pub resource: Option<String>,
}

pub fn validate_responsibility(r: &ResponsibilityInput) -> Result<(), DomainError> {
    let mut errs = Errors::default();
    errs.name("title", "数据名称", &r.title, 200);
    errs.text("duty", "职责依据", &r.duty, 1000);
    errs.into_result()
}

/// A proposal to change the negative list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NegativeProposalInput {
    pub resource: String,
    pub action: NegativeAction,
    /// The law or regulation that forbids sharing (for `add`) or no longer does (`remove`).
    pub legal_basis: String,
    pub reason: String,
}

pub fn validate_negative_proposal(n: &NegativeProposalInput) -> Result<(), DomainError> {
    let mut errs = Errors::default();
    errs.text("legal_basis", "法律法规依据", &n.legal_basis, 1000);
    errs.text("reason", "理由", &n.reason, 2000);
    errs.into_result()
}

/// A reason that must be given (rejections, revocations, keeping a resource conditional).
pub fn require_text(field: &str, what_zh: &str, value: &str) -> Result<(), DomainError> {
    let mut errs = Errors::default();
    errs.text(field, what_zh, value, 1000);
    errs.into_result()
}

/// 数据共享需求满足率: satisfied needs over all needs stated (rejected ones count against it,
/// so rejecting a need never raises the rate). `None` when there are none.
pub fn satisfaction_rate(satisfied: u64, total: u64) -> Option<f64> {
    (total > 0).then(|| satisfied as f64 / total as f64)
}

/// The webhook signature header value: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
/// "<t>.<body>")>`. Binding the time stops a captured delivery being replayed later.
pub fn webhook_signature(secret: &str, unix_secs: i64, body: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    // HMAC takes keys of any length; should that ever fail, an empty header fails closed.
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(unix_secs.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={unix_secs},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Checks a webhook signature header against the body (for receivers and tests).
pub fn verify_webhook_signature(secret: &str, header: &str, body: &[u8]) -> bool {
    let t = header
        .split(',')
        .find_map(|p| p.strip_prefix("t="))
        .and_then(|t| t.parse::<i64>().ok());
    match t {
        Some(t) => {
            let expected = webhook_signature(secret, t, body);
            expected.len() == header.len()
                && expected
                    .bytes()
                    .zip(header.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::RoleBinding;

    #[test]
    fn webhook_signatures_bind_secret_time_and_body() {
        let h = webhook_signature("whsec_x", 1_790_000_000, b"{\"a\":1}");
        assert!(h.starts_with("t=1790000000,v1="));
        assert!(verify_webhook_signature("whsec_x", &h, b"{\"a\":1}"));
        assert!(!verify_webhook_signature("whsec_y", &h, b"{\"a\":1}"));
        assert!(!verify_webhook_signature("whsec_x", &h, b"{\"a\":2}"));
        let other_time = h.replace("t=1790000000", "t=1790000001");
        assert!(!verify_webhook_signature(
            "whsec_x",
            &other_time,
            b"{\"a\":1}"
        ));
    }

    fn person(roles: &[(Role, &str)]) -> Principal {
        Principal::Person {
            username: "u".into(),
            org: roles.first().map(|r| r.1).unwrap_or("x").into(),
            roles: roles
                .iter()
                .map(|(role, org)| RoleBinding {
                    role: *role,
                    org: org.to_string(),
                })
                .collect(),
        }
    }

    fn code_of(r: Result<(), DomainError>) -> Option<&'static str> {
        r.err().map(|e| match e {
            DomainError::Forbidden { code, .. }
            | DomainError::Conflict { code, .. }
            | DomainError::Unauthenticated { code, .. } => code,
            other => panic!("unexpected {other:?}"),
        })
    }

    #[test]
    fn unconditional_resources_are_subscribed_to_and_conditional_ones_applied_for() {
        let mut meta = crate::catalog::tests::sample();
        meta.share_type = ShareType::Unconditional;
        assert_eq!(code_of(require_request_route(&meta, false, false)), None);
        assert_eq!(
            code_of(require_request_route(&meta, false, true)),
            Some("unconditional_resource")
        );
        assert_eq!(
            code_of(require_request_route(&meta, true, false)),
            Some("negative_listed")
        );
        meta.share_type = ShareType::Conditional;
        assert_eq!(code_of(require_request_route(&meta, false, true)), None);
        assert_eq!(
            code_of(require_request_route(&meta, false, false)),
            Some("conditional_resource")
        );
        meta.share_type = ShareType::NotShared;
        for conditional in [false, true] {
            assert_eq!(
                code_of(require_request_route(&meta, false, conditional)),
                Some("not_shared")
            );
        }
    }

    #[test]
    fn a_grant_is_revoked_then_expired_then_active() {
        assert_eq!(grant_state(Some(5), 100, 10), GrantState::Revoked);
        assert_eq!(grant_state(Some(5), 100, 200), GrantState::Revoked);
        assert_eq!(grant_state(None, 100, 100), GrantState::Expired);
        assert_eq!(grant_state(None, 100, 99), GrantState::Active);
        assert_eq!(GrantState::Active.as_str(), "active");
    }

    #[test]
    fn grant_parties_are_both_sides_stewards_and_the_operator() {
        let may = |p: &Principal| code_of(require_grant_party(p, "gat", "sbj"));
        assert_eq!(may(&person(&[(Role::DataSteward, "gat")])), None);
        assert_eq!(may(&person(&[(Role::DataSteward, "sbj")])), None);
        assert_eq!(may(&person(&[(Role::PlatformAdmin, "dsj")])), None);
        for other in [
            person(&[(Role::ConsumerUser, "sbj")]),
            person(&[(Role::Auditor, "sj")]),
            person(&[(Role::DataSteward, "jyt")]),
            Principal::Anonymous,
        ] {
            assert_eq!(may(&other), Some("not_grant_party"), "{other:?}");
        }
    }

    #[test]
    fn notifications_are_for_members_of_the_organisation() {
        let system = Principal::System {
            system: "s".into(),
            org: "gat".into(),
            token_id: 1,
        };
        let member = |p: &Principal| code_of(require_member(p, "gat"));
        assert_eq!(member(&person(&[(Role::ConsumerUser, "gat")])), None);
        assert_eq!(
            member(&person(&[
                (Role::ConsumerUser, "sbj"),
                (Role::DataSteward, "gat")
            ])),
            None
        );
        assert_eq!(
            member(&person(&[(Role::PlatformAdmin, "dsj")])),
            Some("not_org_member")
        );
        assert_eq!(member(&system), Some("not_org_member"));
        assert_eq!(member(&Principal::Anonymous), Some("unauthenticated"));
    }

    #[test]
    fn needs_are_decided_by_the_operator_or_the_providers_stewards() {
        let decide = |p: &Principal, prov| code_of(require_need_decider(p, prov));
        let admin = person(&[(Role::PlatformAdmin, "dsj")]);
        let steward = person(&[(Role::DataSteward, "gat")]);
        assert_eq!(decide(&admin, None), None);
        assert_eq!(decide(&steward, Some("gat")), None);
        assert_eq!(decide(&steward, Some("sbj")), Some("not_need_decider"));
        assert_eq!(decide(&steward, None), Some("not_need_decider"));
        assert_eq!(
            decide(&person(&[(Role::ConsumerUser, "gat")]), Some("gat")),
            Some("not_need_decider")
        );
        assert_eq!(decide(&Principal::Anonymous, None), Some("unauthenticated"));
    }

    #[test]
    fn organisation_stewards_and_the_operator_keep_lists_limits_and_webhooks() {
        let admin = person(&[(Role::PlatformAdmin, "dsj")]);
        let steward = person(&[(Role::DataSteward, "gat")]);
        let consumer = person(&[(Role::ConsumerUser, "gat")]);
        let auditor = person(&[(Role::Auditor, "sj")]);
        for p in [&admin, &steward] {
            assert_eq!(code_of(require_list_keeper(p, "gat")), None);
            assert_eq!(code_of(require_limit_setter(p, "gat")), None);
            assert_eq!(code_of(require_webhook_keeper(p, "gat")), None);
        }
        for p in [&consumer, &auditor, &person(&[(Role::DataSteward, "sbj")])] {
            assert_eq!(
                code_of(require_list_keeper(p, "gat")),
                Some("not_org_steward")
            );
            assert_eq!(
                code_of(require_limit_setter(p, "gat")),
                Some("not_grant_provider")
            );
            assert_eq!(
                code_of(require_webhook_keeper(p, "gat")),
                Some("not_org_steward")
            );
        }
        let anon = &Principal::Anonymous;
        assert_eq!(
            code_of(require_list_keeper(anon, "gat")),
            Some("unauthenticated")
        );
        assert_eq!(
            code_of(require_webhook_keeper(anon, "gat")),
            Some("unauthenticated")
        );
        assert_eq!(
            code_of(require_limit_setter(anon, "gat")),
            Some("not_grant_provider")
        );
    }

    #[test]
    fn webhooks_are_listed_for_members_and_the_operator() {
        let read = |p: &Principal| code_of(require_webhook_reader(p, "gat"));
        assert_eq!(read(&person(&[(Role::PlatformAdmin, "dsj")])), None);
        assert_eq!(read(&person(&[(Role::ConsumerUser, "gat")])), None);
        assert_eq!(
            read(&person(&[(Role::Auditor, "sj")])),
            Some("not_org_member")
        );
        assert_eq!(read(&Principal::Anonymous), Some("unauthenticated"));
    }

    #[test]
    fn negative_list_needs_all_three_reviewers() {
        use Decision::*;
        use Role::*;
        assert_eq!(review_outcome(&[]), ProposalStatus::Pending);
        assert_eq!(
            review_outcome(&[(PlatformAdmin, Approve), (LegalReviewer, Approve)]),
            ProposalStatus::Pending
        );
        assert_eq!(
            review_outcome(&[
                (PlatformAdmin, Approve),
                (LegalReviewer, Approve),
                (SecrecyReviewer, Approve)
            ]),
            ProposalStatus::Approved
        );
        assert_eq!(
            review_outcome(&[(PlatformAdmin, Approve), (SecrecyReviewer, Reject)]),
            ProposalStatus::Rejected
        );
    }

    #[test]
    fn approval_may_narrow_but_never_widen() {
        let req = vec!["a".to_string(), "b".to_string()];
        assert_eq!(
            approved_terms(&req, 30, &Approval::default()).unwrap(),
            (req.clone(), 30)
        );
        let narrower = Approval {
            fields: Some(vec!["b".into()]),
            days: Some(10),
            ..Default::default()
        };
        assert_eq!(
            approved_terms(&req, 30, &narrower).unwrap(),
            (vec!["b".to_string()], 10)
        );
        let wider = Approval {
            fields: Some(vec!["a".into(), "c".into()]),
            days: Some(31),
            ..Default::default()
        };
        let Err(DomainError::Invalid(errs)) = approved_terms(&req, 30, &wider) else {
            panic!("expected invalid");
        };
        let reasons: Vec<_> = errs.iter().map(|e| e.reason).collect();
        assert_eq!(reasons, ["not_requested", "invalid_duration"]);
    }

    #[test]
    fn who_may_act() {
        let steward = person(&[(Role::DataSteward, "d-a")]);
        assert!(require_provider_steward(&steward, "d-a").is_ok());
        assert!(require_provider_steward(&steward, "d-b").is_err());
        let user = person(&[(Role::ConsumerUser, "d-b")]);
        assert!(require_consumer_of(&user, "d-b").is_ok());
        assert!(require_consumer_of(&user, "d-a").is_err());
        assert!(require_provider_steward(&Principal::Anonymous, "d-a").is_err());
        let legal = person(&[(Role::LegalReviewer, "hi-sft")]);
        assert_eq!(reviewer_roles(&legal), [Role::LegalReviewer]);
        assert!(reviewer_roles(&user).is_empty());
    }

    #[test]
    fn satisfaction_rate_counts_every_stated_need() {
        assert_eq!(satisfaction_rate(0, 0), None);
        assert_eq!(satisfaction_rate(3, 4), Some(0.75));
    }
}
