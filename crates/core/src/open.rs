//! Opening data to the public (公共数据开放): which resources may reach the portal, which of
//! their items, under what name, and the wording of the public interfaces.
//!
//! A resource reaches the portal only through a release: its provider's steward proposes it
//! with a recorded security assessment (开放安全评估), and the operator reviews the proposal.
//! The portal's own tables hold only the items [`public_items`] lets through, so nothing else
//! can leave by it (ADR 0006).
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::account::Principal;
use crate::catalog::{Grade, InfoItem, ItemType, OpenType, ResourceMeta, Status};
use crate::error::{Errors, FieldError};
use crate::DomainError;

/// The items of a resource the public may see: graded 一般, not marked personal, and not
/// binary. Items graded 重要 or 核心, or personal, never reach the portal.
pub fn public_items(meta: &ResourceMeta) -> Vec<&InfoItem> {
    meta.items.iter().filter(|i| is_public_item(i)).collect()
}

pub fn is_public_item(i: &InfoItem) -> bool {
    i.grade == Grade::General && !i.personal && i.item_type != ItemType::Binary
}

/// Where a release stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseState {
    /// Proposed by the provider, waiting for the operator.
    Proposed,
    /// On the portal.
    Released,
    /// Sent back to the provider with a reason.
    Returned,
    /// Taken off the portal; its name stays reserved.
    Withdrawn,
}

impl ReleaseState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseState::Proposed => "proposed",
            ReleaseState::Released => "released",
            ReleaseState::Returned => "returned",
            ReleaseState::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<ReleaseState> {
        Some(match s {
            "proposed" => ReleaseState::Proposed,
            "released" => ReleaseState::Released,
            "returned" => ReleaseState::Returned,
            "withdrawn" => ReleaseState::Withdrawn,
            _ => return None,
        })
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            ReleaseState::Proposed => "待审核",
            ReleaseState::Released => "已开放",
            ReleaseState::Returned => "已退回",
            ReleaseState::Withdrawn => "已撤回",
        }
    }
}

/// One check of a security assessment: whether it passed and what the assessor found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub passed: bool,
    pub note: String,
}

/// 开放安全评估: recorded before a resource is opened, shown on its dataset page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    /// Who assessed (a person or an assessing body), as they sign it.
    pub assessor: String,
    /// 个人信息: no personal information among the items opened.
    pub personal_info: Check,
    /// 再识别风险: combined with other open data, no person or company can be singled out
    /// where they should not be.
    pub reidentification: Check,
    /// 商业秘密: no trade secret or confidential business information.
    pub trade_secret: Check,
    /// The opening the assessment supports: 无条件开放 or 有条件开放.
    pub conclusion: OpenType,
    /// The assessment date (YYYY-MM-DD).
    pub assessed_on: String,
}

const MAX_NOTE: usize = 2000;

impl Assessment {
    /// Every problem of the assessment at once, each naming its field.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errs = Errors::default();
        errs.text("assessment.assessor", "评估人", &self.assessor, 200);
        for (field, zh, c) in [
            (
                "assessment.personal_info",
                "个人信息检查",
                &self.personal_info,
            ),
            (
                "assessment.reidentification",
                "再识别风险检查",
                &self.reidentification,
            ),
            (
                "assessment.trade_secret",
                "商业秘密检查",
                &self.trade_secret,
            ),
        ] {
            errs.text(&format!("{field}.note"), zh, &c.note, MAX_NOTE);
            if !c.passed {
                errs.push(FieldError::new(
                    format!("{field}.passed"),
                    "assessment_failed",
                    format!("「{zh}」未通过：未通过安全评估的数据不能开放，请先处理发现的问题"),
                    format!("`{field}` did not pass: data that fails its security assessment cannot be opened; resolve what was found first"),
                ));
            }
        }
        if self.conclusion == OpenType::Closed {
            errs.push(FieldError::new(
                "assessment.conclusion",
                "assessment_closed",
                "评估结论为不予开放的资源不能开放",
                "the assessment concludes the resource must not be opened",
            ));
        }
        if !is_date(&self.assessed_on) {
            errs.push(FieldError::new(
                "assessment.assessed_on",
                "invalid_date",
                "评估日期应为 YYYY-MM-DD",
                "`assessment.assessed_on` must be a date as YYYY-MM-DD",
            ));
        }
        errs.into_result()
    }
}

fn is_date(s: &str) -> bool {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).is_ok()
}

/// Only a steward of the providing department proposes its resources for opening.
pub fn require_proposer(p: &Principal, provider: &str) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if p.steward_orgs().iter().any(|o| o == provider) {
        return Ok(());
    }
    Err(DomainError::forbidden(
        "not_the_provider",
        "只有资源提供部门的数据管理员可以申请开放该资源",
        "only a data steward of the providing department may propose this resource for opening",
    ))
}

/// Only the operator reviews releases (开放目录审核).
pub fn require_reviewer(p: &Principal) -> Result<(), DomainError> {
    p.require_platform_admin()
}

/// Whether a resource in this state, with this 开放属性 and assessment, may be proposed or
/// released: published, not 不予开放, and assessed for at least as much opening as it has.
pub fn check_release(status: Status, open: OpenType, a: &Assessment) -> Result<(), DomainError> {
    a.validate()?;
    if status != Status::Published {
        return Err(DomainError::conflict(
            "not_published",
            "只有已发布的资源可以开放",
            "only a published resource can be opened",
        ));
    }
    match (open, a.conclusion) {
        (OpenType::Closed, _) => Err(DomainError::conflict(
            "not_open",
            "该资源的开放属性为不予开放，不能开放；如需开放，请先修改开放属性并重新发布",
            "the resource's open type is closed; change it and publish again before opening it",
        )),
        (OpenType::Open, OpenType::Conditional) => Err(DomainError::one(FieldError::new(
            "assessment.conclusion",
            "assessment_narrower",
            "评估结论为有条件开放，而资源的开放属性为无条件开放：请修改开放属性或重新评估",
            "the assessment supports conditional opening only, but the resource is marked open; change one of them",
        ))),
        _ => Ok(()),
    }
}

/// A dataset name for the portal: lowercase ASCII words of the English name, or the resource
/// code when that gives nothing. [`slug_candidates`] adds the code on a clash.
pub fn slug_base(name_en: &str, code: &str) -> String {
    let mut out = String::new();
    for c in name_en.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 72 {
            break;
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.len() < 2 {
        return code.to_ascii_lowercase();
    }
    out
}

/// The names to try, in order, until one is free.
pub fn slug_candidates(name_en: &str, code: &str) -> [String; 2] {
    let base = slug_base(name_en, code);
    let with_code = format!("{base}-{}", code.to_ascii_lowercase());
    [base, with_code]
}

/// Whether `s` is a dataset name the portal could have given: CKAN's rule (2 to 100 of
/// lowercase ASCII letters, digits, `-` and `_`).
pub fn is_slug(s: &str) -> bool {
    (2..=100).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A stable UUID-shaped identifier (RFC 9562 version 8) for `what`: the same input gives the
/// same id on every node and forever, so harvesters never see an id change.
pub fn stable_id(what: &str) -> String {
    let d = Sha256::digest(format!("shuqiao:{what}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The public id of a dataset, and of each of its distributions.
pub fn dataset_id(code: &str) -> String {
    stable_id(&format!("dataset:{code}"))
}
pub fn distribution_id(code: &str, format: &str) -> String {
    stable_id(&format!("distribution:{code}:{format}"))
}

/// A time as CKAN writes it: UTC, microseconds, no offset (`2026-12-07T16:47:00.123000`).
pub fn ckan_time(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// Parses a CKAN or ISO 8601 time (`2026-12-07T16:47:00Z`, `…00.123456`, `2026-12-07`) as
/// milliseconds since the epoch, UTC when no offset is given.
pub fn parse_time(s: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    let s = s.trim();
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Some((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    let with_z = format!("{s}Z");
    if let Ok(t) = time::OffsetDateTime::parse(&with_z, &Rfc3339) {
        return Some((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    if is_date(s) {
        return parse_time(&format!("{s}T00:00:00Z"));
    }
    None
}

/// The smallest count a public statistic may show; smaller cells are suppressed so nobody is
/// singled out by a count of one or two.
pub const DEFAULT_MIN_CELL: u64 = 10;

/// A count as the public may see it: `None` (shown as "<min") when below `min`.
pub fn suppress_small(count: u64, min: u64) -> Option<u64> {
    (count >= min).then_some(count)
}

/// The longest value the portal indexes for exact filters; longer text is searched, not
/// filtered on.
pub const MAX_FILTER_VALUE: usize = 100;

/// Whether the portal keeps an exact-value index of this item (codes, dates, numbers, short
/// names), so filters on it answer from the index.
pub fn is_filterable(i: &InfoItem) -> bool {
    match i.item_type {
        ItemType::Text | ItemType::Binary => false,
        ItemType::String => i.length.is_none_or(|n| n as usize <= MAX_FILTER_VALUE),
        _ => true,
    }
}

// ---------------------------------------------------------------------------------------
// The public's side: applications for 有条件开放 data, data requests, feedback.

/// Days the provider has to answer, each counted in working days (operator-settable).
pub const DEFAULT_APPLICATION_DAYS: u32 = 10;
pub const DEFAULT_REQUEST_DAYS: u32 = 15;
pub const DEFAULT_FEEDBACK_DAYS: u32 = 10;

/// The data-use agreement an applicant accepts, by version: an application records the
/// version it was made under.
pub const AGREEMENT_VERSION: &str = "2026-12";

/// The clauses of the data-use agreement of [`AGREEMENT_VERSION`], in Chinese and English:
/// kept beside the version so a new text comes with a new version.
pub const AGREEMENT: &[(&str, &str)] = &[
    (
        "仅将数据用于申请中写明的使用目的和应用场景，不用于其他用途。",
        "Use the data only for the purpose and use stated in the application.",
    ),
    (
        "不尝试识别特定自然人或法人，不将数据与其他数据关联以还原个人信息或商业秘密。",
        "Do not try to identify any person or company, nor link the data with other data to recover personal information or trade secrets.",
    ),
    (
        "妥善保管开放数据密钥，不转让、出借或公开；密钥泄露时立即重新领取，使原密钥失效。",
        "Keep the open-data key safe; do not pass, lend or publish it; if it leaks, take a new one at once so the old one stops working.",
    ),
    (
        "不向第三方提供原始数据；发布成果时注明数据来源。",
        "Do not pass the raw data to others; credit the source when publishing results.",
    ),
    (
        "遵守每日调用上限和使用期限；违反本协议的，提供部门可以终止使用并依法追究责任。",
        "Keep within the daily quota and the term; a provider may end the use of anyone who breaks this agreement and pursue them under the law.",
    ),
];

/// The key prefix of an approved application's API key.
pub const KEY_PREFIX: &str = "sqo_";

/// Whether `s` is shaped as an open-data key (anything else is never looked up).
pub fn is_open_key(s: &str) -> bool {
    s.len() <= crate::account::MAX_SECRET_LEN && s.starts_with(KEY_PREFIX)
}

/// Only a registered member of the public (a person or company account, not staff) applies
/// for 有条件开放 data: staff reach data through sharing, under grants.
pub fn require_public_member(p: &Principal) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if matches!(p, Principal::Person { .. }) && !p.is_staff() {
        return Ok(());
    }
    Err(DomainError::forbidden(
        "not_a_public_member",
        "开放数据申请由注册的个人或企业用户提出；政务部门请通过共享申请使用数据",
        "applications for open data come from registered people and companies; departments use data through sharing",
    ))
}

/// An application for a 有条件开放 dataset, as filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    pub dataset: String,
    /// 使用目的 and 应用场景.
    pub purpose: String,
    /// The applicant accepts the data-use agreement of [`AGREEMENT_VERSION`].
    pub accept_agreement: bool,
}

impl ApplicationInput {
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errs = Errors::default();
        errs.text("dataset", "数据集", &self.dataset, 100);
        errs.text("purpose", "使用目的", &self.purpose, 2000);
        if !self.accept_agreement {
            errs.push(FieldError::new(
                "accept_agreement",
                "agreement_required",
                "请阅读并同意数据使用协议",
                "read and accept the data-use agreement",
            ));
        }
        errs.into_result()
    }
}

/// The most calls a key may be given a day.
pub const MAX_QUOTA_PER_DAY: u32 = 1_000_000;

/// A provider's answer to an application: approve with a daily quota and a term, or refuse
/// with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationAnswer {
    pub approve: bool,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub quota_per_day: Option<u32>,
    #[serde(default)]
    pub days: Option<u32>,
}

/// Longest term of an open-data key.
pub const MAX_KEY_DAYS: u32 = 730;

impl ApplicationAnswer {
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errs = Errors::default();
        if self.approve {
            if !self
                .quota_per_day
                .is_some_and(|q| (1..=MAX_QUOTA_PER_DAY).contains(&q))
            {
                errs.push(FieldError::new(
                    "quota_per_day",
                    "invalid_quota",
                    format!("请填写每日调用上限（1 至 {MAX_QUOTA_PER_DAY}）"),
                    format!("give a daily call quota from 1 to {MAX_QUOTA_PER_DAY}"),
                ));
            }
            if !self.days.is_some_and(|d| (1..=MAX_KEY_DAYS).contains(&d)) {
                errs.push(FieldError::new(
                    "days",
                    "invalid_days",
                    format!("请填写使用期限天数（1 至 {MAX_KEY_DAYS}）"),
                    format!("give the term in days, from 1 to {MAX_KEY_DAYS}"),
                ));
            }
        } else {
            errs.text("reason", "不予批准的理由", &self.reason, 2000);
        }
        errs.into_result()
    }
}

/// A provider's steward answers for its datasets.
pub fn require_provider_steward(p: &Principal, provider: &str) -> Result<(), DomainError> {
    require_proposer(p, provider).map_err(|_| {
        DomainError::forbidden(
            "not_the_provider",
            "只有数据集提供部门的数据管理员可以答复",
            "only a data steward of the dataset's provider may answer",
        )
    })
}

/// 数据需求: anyone signed in asks for data that is not open yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    pub title: String,
    pub description: String,
    /// The department the requester believes holds it, when known.
    #[serde(default)]
    pub org: Option<String>,
}

impl RequestInput {
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errs = Errors::default();
        errs.text("title", "需求名称", &self.title, 200);
        errs.text("description", "需求说明", &self.description, 4000);
        errs.into_result()
    }
}

/// The provider's answer to a data request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestOutcome {
    /// Will be (or has been) opened; `dataset` names it when it is.
    Opening,
    /// Cannot be opened, with the reason (e.g. the open negative list).
    Declined,
    /// Another department holds it: the request moves there.
    Redirected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestAnswer {
    pub outcome: RequestOutcome,
    pub answer: String,
    #[serde(default)]
    pub dataset: Option<String>,
    /// For `redirected`: the department that holds the data.
    #[serde(default)]
    pub org: Option<String>,
}

impl RequestAnswer {
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errs = Errors::default();
        errs.text("answer", "答复", &self.answer, 4000);
        if self.outcome == RequestOutcome::Redirected
            && self.org.as_deref().is_none_or(str::is_empty)
        {
            errs.push(FieldError::required("org", "转办部门"));
        }
        errs.into_result()
    }
}

/// 纠错: feedback on a dataset, or on one of its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackInput {
    pub dataset: String,
    /// The row's `_id`, when the feedback is about one row.
    #[serde(default)]
    pub row: Option<i64>,
    pub text: String,
}

impl FeedbackInput {
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errs = Errors::default();
        errs.text("dataset", "数据集", &self.dataset, 100);
        errs.text("text", "纠错内容", &self.text, 4000);
        if self.row.is_some_and(|r| r < 1) {
            errs.push(FieldError::new(
                "row",
                "invalid_row",
                "行号应为数据预览中的 _id",
                "`row` is a row's `_id` from the preview",
            ));
        }
        errs.into_result()
    }
}

/// A member of the public registering on the portal: a person or a company (its contact).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub username: String,
    pub display_name: String,
    /// `person` or `company`.
    pub kind: String,
    /// An e-mail address or telephone number providers may answer at.
    pub contact: String,
    pub password: String,
}

impl Registration {
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errs = Errors::default();
        if let Some(e) = crate::account::username_problem(&self.username) {
            errs.push(e);
        }
        errs.name("display_name", "姓名或单位名称", &self.display_name, 100);
        if !matches!(self.kind.as_str(), "person" | "company") {
            errs.push(FieldError::new(
                "kind",
                "invalid_kind",
                "kind 应为 person（个人）或 company（企业）",
                "kind must be person or company",
            ));
        }
        errs.name("contact", "联系方式", &self.contact, 200);
        if let Some(e) = crate::account::password_problem(&self.password) {
            errs.push(e);
        }
        errs.into_result()
    }
}

/// One resource in a yearly open plan: when in the year it is to be opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanItem {
    pub resource: String,
    /// 1 to 4.
    pub quarter: u8,
    #[serde(default)]
    pub note: String,
}

/// 年度开放计划: what a department will open in a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    pub org: String,
    pub year: i32,
    pub items: Vec<PlanItem>,
}

impl PlanInput {
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errs = Errors::default();
        if !(2000..=2100).contains(&self.year) {
            errs.push(FieldError::new(
                "year",
                "invalid_year",
                "年度应为四位年份",
                "`year` is a four-digit year",
            ));
        }
        if self.items.is_empty() || self.items.len() > 2000 {
            errs.push(FieldError::new(
                "items",
                "empty_plan",
                "开放计划应列出 1 至 2000 个资源",
                "a plan lists 1 to 2000 resources",
            ));
        }
        for (n, i) in self.items.iter().enumerate() {
            if !(1..=4).contains(&i.quarter) {
                errs.push(FieldError::new(
                    format!("items[{n}].quarter"),
                    "invalid_quarter",
                    "季度应为 1 至 4",
                    "`quarter` is 1 to 4",
                ));
            }
            if i.note.chars().count() > 500 {
                errs.push(FieldError::too_long(format!("items[{n}].note"), 500));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for (n, i) in self.items.iter().enumerate() {
            if !seen.insert(i.resource.as_str()) {
                errs.push(FieldError::new(
                    format!("items[{n}].resource"),
                    "duplicate",
                    "同一资源在计划中只能出现一次",
                    "a resource appears once in a plan",
                ));
            }
        }
        errs.into_result()
    }
}

/// Whether a resource may be released under the provider's plan: the approved plan of the
/// release's year must list it (开放目录和年度开放计划经审核后方可开放).
pub fn require_planned(planned: bool, year: i32) -> Result<(), DomainError> {
    if planned {
        return Ok(());
    }
    Err(DomainError::conflict(
        "not_in_open_plan",
        format!("该资源不在提供部门经审核的 {year} 年度开放计划中：请先将其列入计划并经平台运营方审核"),
        format!("the resource is not in its provider's approved open plan for {year}: add it to the plan and have the operator approve it first"),
    ))
}

/// A resource on the open negative list is never opened.
pub fn require_not_negative(on_list: bool) -> Result<(), DomainError> {
    if !on_list {
        return Ok(());
    }
    Err(DomainError::conflict(
        "on_open_negative_list",
        "该资源列入开放负面清单，不予开放",
        "the resource is on the open negative list and is not opened",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::sample;

    fn passing() -> Assessment {
        let ok = Check {
            passed: true,
            note: "已核查".into(),
        };
        Assessment {
            assessor: "省大数据管理局安全评估组".into(),
            personal_info: ok.clone(),
            reidentification: ok.clone(),
            trade_secret: ok,
            conclusion: OpenType::Open,
            assessed_on: "2026-12-01".into(),
        }
    }

    #[test]
    fn only_general_items_that_are_not_personal_are_public() {
        let mut m = sample();
        for i in &mut m.items {
            i.grade = Grade::General;
        }
        m.items[0].grade = Grade::Core;
        m.items[1].personal = true;
        let public: Vec<&str> = public_items(&m).iter().map(|i| i.code.as_str()).collect();
        assert!(!public.contains(&m.items[0].code.as_str()));
        assert!(!public.contains(&m.items[1].code.as_str()));
        assert_eq!(public.len(), m.items.len() - 2);
    }

    #[test]
    fn an_assessment_reports_every_problem_at_once() {
        let mut a = passing();
        a.assessor = " ".into();
        a.personal_info.passed = false;
        a.trade_secret.note = String::new();
        a.assessed_on = "2026-13-01".into();
        let DomainError::Invalid(errs) = a.validate().unwrap_err() else {
            panic!("invalid expected")
        };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "assessment.assessor",
                "assessment.personal_info.passed",
                "assessment.trade_secret.note",
                "assessment.assessed_on"
            ]
        );
    }

    #[test]
    fn release_needs_publication_an_open_type_and_a_wide_enough_assessment() {
        let a = passing();
        assert!(check_release(Status::Published, OpenType::Open, &a).is_ok());
        assert!(check_release(Status::Draft, OpenType::Open, &a).is_err());
        assert!(check_release(Status::Published, OpenType::Closed, &a).is_err());
        let mut narrow = a.clone();
        narrow.conclusion = OpenType::Conditional;
        assert!(check_release(Status::Published, OpenType::Open, &narrow).is_err());
        assert!(check_release(Status::Published, OpenType::Conditional, &narrow).is_ok());
    }

    #[test]
    fn slugs_are_ascii_and_fall_back_to_the_code() {
        assert_eq!(
            slug_base("Enterprise registration information", "201001-000001"),
            "enterprise-registration-information"
        );
        assert_eq!(slug_base("A级 (scenic) spots!", "x"), "a-scenic-spots");
        assert_eq!(slug_base("企业", "201001-000001"), "201001-000001");
        for s in slug_candidates("Enterprise registration", "201001-000001") {
            assert!(is_slug(&s), "{s}");
        }
        assert!(!is_slug("Bad Slug"));
    }

    #[test]
    fn stable_ids_are_uuid_shaped_and_stable() {
        let a = dataset_id("201001-000001");
        assert_eq!(a, dataset_id("201001-000001"));
        assert_ne!(a, dataset_id("201001-000002"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
    }

    #[test]
    fn ckan_times_have_microseconds_and_no_offset() {
        assert_eq!(ckan_time(1_796_661_620_123), "2026-12-07T16:40:20.123000");
        assert_eq!(
            parse_time("2026-12-07T16:40:20.123000"),
            Some(1_796_661_620_123)
        );
        assert_eq!(
            parse_time("2026-12-07T16:40:20.123Z"),
            Some(1_796_661_620_123)
        );
        assert_eq!(parse_time("2026-12-07"), Some(1_796_601_600_000));
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn applications_answers_and_requests_report_every_problem() {
        let a = ApplicationInput {
            dataset: String::new(),
            purpose: " ".into(),
            accept_agreement: false,
        };
        let DomainError::Invalid(e) = a.validate().unwrap_err() else {
            panic!()
        };
        assert_eq!(e.len(), 3);
        let ans = ApplicationAnswer {
            approve: true,
            reason: String::new(),
            quota_per_day: Some(0),
            days: None,
        };
        let DomainError::Invalid(e) = ans.validate().unwrap_err() else {
            panic!()
        };
        assert_eq!(
            e.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            vec!["quota_per_day", "days"]
        );
        let refuse = ApplicationAnswer {
            approve: false,
            reason: String::new(),
            quota_per_day: None,
            days: None,
        };
        assert!(refuse.validate().is_err(), "a refusal carries its reason");
        let moved = RequestAnswer {
            outcome: RequestOutcome::Redirected,
            answer: "由住建厅提供".into(),
            dataset: None,
            org: None,
        };
        assert!(moved.validate().is_err());
    }

    #[test]
    fn only_members_of_the_public_apply() {
        use crate::account::{Role, RoleBinding};
        let public = Principal::Person {
            username: "zhang".into(),
            org: "op".into(),
            roles: vec![],
        };
        assert!(require_public_member(&public).is_ok());
        let staff = Principal::Person {
            username: "s".into(),
            org: "d".into(),
            roles: vec![RoleBinding {
                role: Role::ConsumerUser,
                org: "d".into(),
            }],
        };
        assert!(require_public_member(&staff).is_err());
        assert!(require_public_member(&Principal::Anonymous).is_err());
        assert!(is_open_key("sqo_abc") && !is_open_key("sq_abc"));
    }

    #[test]
    fn small_cells_are_suppressed() {
        assert_eq!(suppress_small(9, DEFAULT_MIN_CELL), None);
        assert_eq!(suppress_small(10, DEFAULT_MIN_CELL), Some(10));
    }
}
