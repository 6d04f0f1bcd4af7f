//! The information-system inventory (信息系统清查), completed data sharing, zombie systems.
//!
//! The store loads what happened on the platform — tokens, calls, pushes, collections, the
//! catalogue — into [`SystemFacts`]; these rules say whether a system has completed data
//! sharing, whether a project may be approved, and which criteria of a zombie system it
//! meets. Nothing here is typed in by a person except the inventory itself.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::account::{Principal, Role};
use crate::error::{DomainError, Errors, FieldError};

/// Declares a closed set of values with its wire name and Chinese and English labels.
macro_rules! bilingual_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $wire:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $( #[serde(rename = $wire)] $variant, )+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $wire,)+ } }
            pub fn label_zh(self) -> &'static str { match self { $($name::$variant => $zh,)+ } }
            pub fn label_en(self) -> &'static str { match self { $($name::$variant => $en,)+ } }
            /// Accepts the wire name or the Chinese label, as an inventory sheet writes it.
            pub fn parse(s: &str) -> Option<Self> {
                match s.trim() { $($wire | $zh => Some($name::$variant),)+ _ => None }
            }
            pub fn choices_zh() -> String {
                [$($zh),+].join("、")
            }
            pub fn choices_en() -> String {
                [$($wire),+].join(", ")
            }
        }
    };
}

bilingual_enum!(
    /// The network a system runs on.
    Network {
        Extranet = "extranet", "政务外网", "government extranet";
        Intranet = "intranet", "政务内网", "government intranet";
        Internet = "internet", "互联网", "internet";
    }
);
bilingual_enum!(
    /// Whether a system is still used.
    SystemStatus {
        InUse = "in_use", "在用", "in use";
        Stopped = "stopped", "停用", "stopped";
        Integrated = "integrated", "已整合", "integrated";
    }
);
bilingual_enum!(
    /// The operator's mark on a zombie candidate.
    Verdict {
        Confirmed = "confirmed", "确认为僵尸系统", "confirmed zombie";
        Dismissed = "dismissed", "排除", "dismissed";
        Integrated = "integrated", "已整合", "integrated";
    }
);
bilingual_enum!(
    /// The stage of a construction project the approval check answers for.
    Stage {
        Project = "project", "立项", "project approval";
        Acceptance = "acceptance", "验收", "acceptance";
    }
);

/// Longest free texts of the inventory.
const NAME_MAX: usize = 100;
const TEXT_MAX: usize = 1000;
const SHORT_MAX: usize = 200;

/// One system's inventory as stored (信息系统清查表).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    pub name: String,
    /// 功能
    pub description: String,
    /// 使用范围
    pub scope: String,
    /// 使用频度
    pub use_frequency: String,
    /// 审批部门
    pub approved_by: String,
    /// 审批时间, YYYY-MM-DD
    pub approved_on: Option<String>,
    /// 验收时间, YYYY-MM-DD
    pub accepted_on: Option<String>,
    /// 投资规模, yuan
    pub investment_yuan: Option<i64>,
    /// 经费来源
    pub funding_source: String,
    pub network: Network,
    pub status: SystemStatus,
    /// 涉密
    pub classified: bool,
    /// When the owner declared maintenance stopped (运维停止), YYYY-MM-DD.
    pub maintenance_stopped_on: Option<String>,
}

/// A change to an inventory: a field left out keeps its value. An empty date clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub scope: Option<String>,
    pub use_frequency: Option<String>,
    pub approved_by: Option<String>,
    pub approved_on: Option<String>,
    pub accepted_on: Option<String>,
    pub investment_yuan: Option<i64>,
    pub funding_source: Option<String>,
    pub network: Option<Network>,
    pub status: Option<SystemStatus>,
    pub classified: Option<bool>,
    pub maintenance_stopped_on: Option<String>,
}

fn empty_as_none(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_string())
}

impl Inventory {
    /// The inventory after `patch`: what the patch leaves out stays.
    pub fn patched(&self, patch: &InventoryPatch) -> Inventory {
        let text = |new: &Option<String>, old: &str| {
            new.as_deref()
                .map_or(old.to_string(), |v| v.trim().to_string())
        };
        let date = |new: &Option<String>, old: &Option<String>| match new {
            Some(v) => empty_as_none(v),
            None => old.clone(),
        };
        Inventory {
            name: text(&patch.name, &self.name),
            description: text(&patch.description, &self.description),
            scope: text(&patch.scope, &self.scope),
            use_frequency: text(&patch.use_frequency, &self.use_frequency),
            approved_by: text(&patch.approved_by, &self.approved_by),
            approved_on: date(&patch.approved_on, &self.approved_on),
            accepted_on: date(&patch.accepted_on, &self.accepted_on),
            investment_yuan: patch.investment_yuan.or(self.investment_yuan),
            funding_source: text(&patch.funding_source, &self.funding_source),
            network: patch.network.unwrap_or(self.network),
            status: patch.status.unwrap_or(self.status),
            classified: patch.classified.unwrap_or(self.classified),
            maintenance_stopped_on: date(
                &patch.maintenance_stopped_on,
                &self.maintenance_stopped_on,
            ),
        }
    }

    /// Every problem of the inventory at once, each naming its field under `prefix`
    /// (`""` for a form, `rows[3].` for a row of an import).
    pub fn problems(&self, prefix: &str, errs: &mut Errors) {
        let f = |n: &str| format!("{prefix}{n}");
        errs.name(&f("name"), "系统名称", &self.name, NAME_MAX);
        errs.opt_text(&f("description"), Some(&self.description), TEXT_MAX);
        errs.opt_text(&f("scope"), Some(&self.scope), SHORT_MAX);
        errs.opt_name(&f("use_frequency"), Some(&self.use_frequency), SHORT_MAX);
        errs.opt_name(&f("approved_by"), Some(&self.approved_by), SHORT_MAX);
        errs.opt_name(&f("funding_source"), Some(&self.funding_source), SHORT_MAX);
        let approved = date_problem(&f("approved_on"), "审批时间", &self.approved_on, errs);
        let accepted = date_problem(&f("accepted_on"), "验收时间", &self.accepted_on, errs);
        date_problem(
            &f("maintenance_stopped_on"),
            "运维停止时间",
            &self.maintenance_stopped_on,
            errs,
        );
        if let (Some(a), Some(b)) = (approved, accepted) {
            if b < a {
                errs.push(FieldError::new(
                    f("accepted_on"),
                    "accepted_before_approved",
                    "验收时间早于审批时间，请核对两个日期",
                    "accepted_on is before approved_on; check both dates",
                ));
            }
        }
        if self.investment_yuan.is_some_and(|v| v < 0) {
            errs.push(FieldError::new(
                f("investment_yuan"),
                "negative",
                "投资规模不能为负数，请填写以元为单位的金额",
                "investment_yuan cannot be negative; give the amount in yuan",
            ));
        }
    }

    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errs = Errors::default();
        self.problems("", &mut errs);
        errs.into_result()
    }
}

/// A date of the inventory: `YYYY-MM-DD` or nothing.
fn date_problem(
    field: &str,
    what_zh: &str,
    v: &Option<String>,
    errs: &mut Errors,
) -> Option<time::Date> {
    let v = v.as_deref()?;
    match crate::catalog::parse_date(v) {
        Some(d) => Some(d),
        None => {
            errs.push(FieldError::new(
                field,
                "invalid_date",
                format!("「{what_zh}」应为 YYYY-MM-DD 格式的日期，如 2021-06-30"),
                format!("`{field}` must be a date as YYYY-MM-DD, e.g. 2021-06-30"),
            ));
            None
        }
    }
}

// ---- import (信息系统清查表) ----

/// The columns of an inventory sheet: Chinese header, field. 系统编码 names the system.
pub const IMPORT_COLUMNS: &[(&str, &str)] = &[
    ("系统编码", "code"),
    ("系统名称", "name"),
    ("所属部门", "org"),
    ("功能", "description"),
    ("使用范围", "scope"),
    ("使用频度", "use_frequency"),
    ("审批部门", "approved_by"),
    ("审批时间", "approved_on"),
    ("验收时间", "accepted_on"),
    ("投资规模", "investment_yuan"),
    ("经费来源", "funding_source"),
    ("网络", "network"),
    ("状态", "status"),
    ("涉密", "classified"),
    ("运维停止时间", "maintenance_stopped_on"),
];

/// The field a header names (Chinese header or English field name), if any.
pub fn import_field(header: &str) -> Option<&'static str> {
    let h = header.trim();
    IMPORT_COLUMNS
        .iter()
        .find(|(zh, en)| *zh == h || *en == h)
        .map(|(_, en)| *en)
}

/// One row of an inventory sheet, read into a code, the department it names (when it
/// names one) and a patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// The row as people count it in the file.
    pub row_no: u64,
    pub code: String,
    pub org: Option<String>,
    pub patch: InventoryPatch,
}

/// Reads one row's cells (by field name); an empty cell leaves the field as it is. Every bad
/// cell is reported, named `rows[N].field` with N the row in the file.
pub fn parse_import_row(
    row_no: u64,
    cells: &BTreeMap<&'static str, String>,
    errs: &mut Errors,
) -> ImportRow {
    let field = |n: &str| format!("rows[{row_no}].{n}");
    let cell = |n: &str| {
        cells
            .get(n)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let code = cell("code").unwrap_or_default();
    if code.is_empty() {
        errs.push(FieldError::required(field("code"), "系统编码"));
    }
    let mut patch = InventoryPatch {
        name: cell("name"),
        description: cell("description"),
        scope: cell("scope"),
        use_frequency: cell("use_frequency"),
        approved_by: cell("approved_by"),
        approved_on: cell("approved_on"),
        accepted_on: cell("accepted_on"),
        funding_source: cell("funding_source"),
        maintenance_stopped_on: cell("maintenance_stopped_on"),
        ..InventoryPatch::default()
    };
    if let Some(v) = cell("investment_yuan") {
        match v.replace(',', "").parse::<i64>() {
            Ok(n) => patch.investment_yuan = Some(n),
            Err(_) => errs.push(FieldError::new(
                field("investment_yuan"),
                "not_a_number",
                format!("投资规模「{v}」不是整数，请填写以元为单位的金额"),
                format!("investment_yuan `{v}` is not a whole number; give the amount in yuan"),
            )),
        }
    }
    if let Some(v) = cell("network") {
        patch.network = choice(
            &field("network"),
            "网络",
            &v,
            Network::parse,
            errs,
            || (Network::choices_zh(), Network::choices_en()),
        );
    }
    if let Some(v) = cell("status") {
        patch.status = choice(
            &field("status"),
            "状态",
            &v,
            SystemStatus::parse,
            errs,
            || (SystemStatus::choices_zh(), SystemStatus::choices_en()),
        );
    }
    if let Some(v) = cell("classified") {
        patch.classified = choice(
            &field("classified"),
            "涉密",
            &v,
            parse_yes_no,
            errs,
            || ("是、否".into(), "yes, no".into()),
        );
    }
    ImportRow {
        row_no,
        code,
        org: cell("org"),
        patch,
    }
}

fn parse_yes_no(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "是" | "涉密" | "yes" | "true" | "1" => Some(true),
        "否" | "非涉密" | "no" | "false" | "0" => Some(false),
        _ => None,
    }
}

fn choice<T>(
    field: &str,
    what_zh: &str,
    v: &str,
    parse: impl Fn(&str) -> Option<T>,
    errs: &mut Errors,
    choices: impl Fn() -> (String, String),
) -> Option<T> {
    let parsed = parse(v);
    if parsed.is_none() {
        let (zh, en) = choices();
        errs.push(FieldError::new(
            field,
            "unknown_value",
            format!("「{what_zh}」的值「{v}」无法识别，可填：{zh}"),
            format!("`{field}` value `{v}` is not known; use one of: {en}"),
        ));
    }
    parsed
}

// ---- who may ----

/// Reading every system's inventory: the operator and auditors.
pub fn reads_all(p: &Principal) -> bool {
    p.is_platform_admin() || p.has_role(Role::Auditor)
}

/// Who may read the inventory at all: the operator, auditors, a department's stewards
/// (their own systems only). Consumers, systems and the public are refused.
pub fn require_reader(p: &Principal) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if reads_all(p) || p.has_role(Role::DataSteward) {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "systems_forbidden",
            "只有平台管理员、审计人员和部门数据管理员可以查看信息系统清查",
            "only the platform operator, auditors and department data stewards may see the system inventory",
        ))
    }
}

/// Reading one department's systems: everyone who reads all, or its own stewards.
pub fn may_read_org(p: &Principal, org: &str) -> bool {
    reads_all(p) || p.has_role_in(Role::DataSteward, org)
}

/// Editing one department's inventory: the operator, or that department's stewards.
pub fn require_editor(p: &Principal, org: &str) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if p.is_platform_admin() || p.has_role_in(Role::DataSteward, org) {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "system_edit_forbidden",
            "只有平台管理员或该系统所属部门的数据管理员可以修改清查信息",
            "only the platform operator or the system's own department stewards may change its inventory",
        ))
    }
}

// ---- completed data sharing (完成数据共享) ----

/// What the platform recorded of one system, loaded by the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemFacts {
    pub code: String,
    pub org: String,
    pub status: Option<SystemStatus>,
    pub classified: bool,
    pub description: String,
    pub maintenance_stopped_on: Option<String>,
    /// A token in force (issued, neither revoked nor expired).
    pub token_in_force: bool,
    /// Resources whose data comes from this system: those whose catalogue entry names it
    /// (published or draft), and those collected from it.
    pub resources: Vec<ResourceFacts>,
    /// Exchange calls this system made (day, calls), within the window loaded.
    pub calls_by_day: Vec<(String, i64)>,
    /// Batches it pushed or that were collected from it: the China day of the latest one.
    pub last_push_day: Option<String>,
    /// Distinct systems other than itself that called its resources within the window.
    pub users: Vec<String>,
}

/// One resource a system's data goes into.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResourceFacts {
    pub code: String,
    pub published: bool,
    /// Data collected into it at least once.
    pub collected: bool,
    /// Its records served through the exchange within the window.
    pub served: bool,
    /// Data older than its 更新周期 allows.
    pub stale: bool,
}

/// Whether a system has completed data sharing: each of the three conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Completion {
    /// 接入平台: a token in force, or it has called or pushed.
    pub connected: bool,
    /// 资源编目: it has resources and every one is published.
    pub catalogued: bool,
    /// 数据归集或共享: some resource of it collected or served.
    pub data_flowing: bool,
    pub complete: bool,
    /// Counted in the rates: in use and not classified (涉密 systems share by exception).
    pub counted: bool,
}

pub fn completion(f: &SystemFacts) -> Completion {
    let connected =
        f.token_in_force || f.last_push_day.is_some() || f.calls_by_day.iter().any(|(_, n)| *n > 0);
    let catalogued = !f.resources.is_empty() && f.resources.iter().all(|r| r.published);
    let data_flowing = f.resources.iter().any(|r| r.collected || r.served);
    Completion {
        connected,
        catalogued,
        data_flowing,
        complete: connected && catalogued && data_flowing,
        counted: f.status.unwrap_or(SystemStatus::InUse) == SystemStatus::InUse && !f.classified,
    }
}

/// A rate of completed systems against the plan's target for the year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rate {
    pub counted: u32,
    pub complete: u32,
    /// Percent, one decimal; `None` when nothing is counted.
    pub percent: Option<f64>,
    pub target_percent: Option<u32>,
    pub meets_target: Option<bool>,
}

/// The plan's targets for completed data sharing: 85% in 2022, 95% in 2023, 100% from 2024.
pub const TARGETS: &[(i32, u32)] = &[(2022, 85), (2023, 95), (2024, 100)];

pub fn target_for(year: i32) -> Option<u32> {
    TARGETS
        .iter()
        .rev()
        .find(|(y, _)| year >= *y)
        .map(|(_, t)| *t)
}

pub fn rate(completions: &[Completion], year: i32) -> Rate {
    let counted = completions.iter().filter(|c| c.counted).count() as u32;
    let complete = completions
        .iter()
        .filter(|c| c.counted && c.complete)
        .count() as u32;
    let percent =
        (counted > 0).then(|| (f64::from(complete) * 1000.0 / f64::from(counted)).round() / 10.0);
    let target_percent = target_for(year);
    let meets_target = match (percent, target_percent) {
        (Some(_), Some(t)) => Some(u64::from(complete) * 100 >= u64::from(t) * u64::from(counted)),
        _ => None,
    };
    Rate {
        counted,
        complete,
        percent,
        target_percent,
        meets_target,
    }
}

// ---- approval check (立项/验收) ----

/// Why a project may not be approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Obstacle {
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

/// The answer to "may this system be approved?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovalCheck {
    pub system: String,
    pub stage: Stage,
    pub approvable: bool,
    pub obstacles: Vec<Obstacle>,
}

/// 凡不符合政务信息资源共享要求的，不予审批: at 立项 the department's other systems in use
/// must all have completed data sharing and the function must not duplicate another system
/// in use; at 验收 the system itself must have completed it. A classified system shares by
/// exception and is not held to sharing.
pub fn approval_check(
    system: &SystemFacts,
    stage: Stage,
    department: &[(SystemFacts, Completion)],
    duplicates: &[String],
) -> ApprovalCheck {
    let mut obstacles = Vec::new();
    let own = completion(system);
    if !system.classified {
        match stage {
            Stage::Acceptance => {
                for (ok, code, zh, en) in [
                    (
                        own.connected,
                        "not_connected",
                        "系统未接入共享交换平台",
                        "the system is not connected to the platform",
                    ),
                    (
                        own.catalogued,
                        "not_catalogued",
                        "系统的数据资源未全部编目发布",
                        "the system's resources are not all catalogued and published",
                    ),
                    (
                        own.data_flowing,
                        "no_data_shared",
                        "系统的数据未归集到平台，也未通过平台共享",
                        "the system's data was neither collected into nor served by the platform",
                    ),
                ] {
                    if !ok {
                        obstacles.push(Obstacle {
                            code,
                            zh: zh.into(),
                            en: en.into(),
                        });
                    }
                }
            }
            Stage::Project => {
                let lagging: Vec<&str> = department
                    .iter()
                    .filter(|(f, c)| f.code != system.code && c.counted && !c.complete)
                    .map(|(f, _)| f.code.as_str())
                    .collect();
                if !lagging.is_empty() {
                    obstacles.push(Obstacle {
                        code: "department_not_sharing",
                        zh: format!("本部门在用系统尚未完成数据共享：{}", lagging.join("、")),
                        en: format!(
                            "systems of the department in use have not completed data sharing: {}",
                            lagging.join(", ")
                        ),
                    });
                }
            }
        }
    }
    if stage == Stage::Project && !duplicates.is_empty() {
        obstacles.push(Obstacle {
            code: "duplicate_function",
            zh: format!("功能与在用系统重复：{}", duplicates.join("、")),
            en: format!(
                "its function duplicates systems in use: {}",
                duplicates.join(", ")
            ),
        });
    }
    ApprovalCheck {
        system: system.code.clone(),
        stage,
        approvable: obstacles.is_empty(),
        obstacles,
    }
}

// ---- zombie systems (僵尸系统) ----

/// The operator's settings for finding zombie candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZombieSettings {
    /// No calls or pushes for this many days makes a system idle.
    pub idle_days: u32,
    /// Fewer distinct users than this within the window is few.
    pub min_users: u32,
}

impl Default for ZombieSettings {
    fn default() -> Self {
        ZombieSettings {
            idle_days: 90,
            min_users: 2,
        }
    }
}

impl ZombieSettings {
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errs = Errors::default();
        if !(1..=3660).contains(&self.idle_days) {
            errs.push(FieldError::new(
                "idle_days",
                "out_of_range",
                "闲置天数应在 1 到 3660 之间",
                "idle_days must be between 1 and 3660",
            ));
        }
        if !(1..=10_000).contains(&self.min_users) {
            errs.push(FieldError::new(
                "min_users",
                "out_of_range",
                "最少用户数应在 1 到 10000 之间",
                "min_users must be between 1 and 10000",
            ));
        }
        errs.into_result()
    }
}

bilingual_enum!(
    /// The criteria of a zombie system (僵尸系统).
    Criterion {
        Idle = "idle", "长期闲置", "idle";
        FewUsers = "few_users", "使用范围小", "few users";
        Stale = "stale", "数据长期未更新", "data not refreshed";
        MaintenanceStopped = "maintenance_stopped", "运维停止", "maintenance stopped";
        Duplicated = "duplicated", "功能可被替代", "function duplicated";
    }
);

/// One criterion with what the platform recorded for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub criterion: Criterion,
    pub met: bool,
    pub zh: String,
    pub en: String,
}

/// Normalises a 功能 text for comparison: without spaces and punctuation.
pub fn function_key(description: &str) -> String {
    description
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Systems in use (other than `of`) whose 功能 reads the same as its own.
pub fn duplicates_of(of: &SystemFacts, all: &[SystemFacts]) -> Vec<String> {
    let key = function_key(&of.description);
    if key.is_empty() {
        return Vec::new();
    }
    all.iter()
        .filter(|f| f.code != of.code)
        .filter(|f| f.status.unwrap_or(SystemStatus::InUse) == SystemStatus::InUse)
        .filter(|f| function_key(&f.description) == key)
        .map(|f| f.code.clone())
        .collect()
}

/// Every criterion for one system. `today` is the China day the window ends on; the facts
/// hold the calls and users of the window of `settings.idle_days` days.
pub fn zombie_evidence(
    f: &SystemFacts,
    duplicates: &[String],
    settings: ZombieSettings,
) -> Vec<Evidence> {
    let n = settings.idle_days;
    let calls: i64 = f.calls_by_day.iter().map(|(_, c)| *c).sum();
    let pushed = f.last_push_day.is_some();
    let idle = calls == 0 && !pushed;
    let idle_ev = if idle {
        ev(
            Criterion::Idle,
            true,
            format!("近 {n} 天内没有通过平台的调用或推送"),
            format!("no calls or pushes through the platform in the last {n} days"),
        )
    } else {
        let last = f.last_push_day.clone().unwrap_or_default();
        ev(
            Criterion::Idle,
            false,
            format!("近 {n} 天内调用 {calls} 次；最近推送 {}", or_none_zh(&last)),
            format!(
                "{calls} calls in the last {n} days; last push {}",
                or_none_en(&last)
            ),
        )
    };
    let users = f.users.len() as u32;
    let few = if f.resources.is_empty() {
        ev(
            Criterion::FewUsers,
            false,
            "系统没有提供数据资源，无法统计使用方".into(),
            "the system provides no resources, so its users cannot be counted".into(),
        )
    } else {
        ev(
            Criterion::FewUsers,
            users < settings.min_users,
            format!(
                "近 {n} 天内有 {users} 个系统调用其数据（少于 {} 个视为使用范围小）",
                settings.min_users
            ),
            format!(
                "{users} systems called its data in the last {n} days (fewer than {} is few)",
                settings.min_users
            ),
        )
    };
    let stale: Vec<&str> = f
        .resources
        .iter()
        .filter(|r| r.stale)
        .map(|r| r.code.as_str())
        .collect();
    let stale_ev = ev(
        Criterion::Stale,
        !stale.is_empty(),
        if stale.is_empty() {
            "数据均在更新周期内".into()
        } else {
            format!("超过更新周期未更新：{}", stale.join("、"))
        },
        if stale.is_empty() {
            "all data refreshed within its update cycle".into()
        } else {
            format!(
                "not refreshed within the update cycle: {}",
                stale.join(", ")
            )
        },
    );
    let maint = match &f.maintenance_stopped_on {
        Some(d) => ev(
            Criterion::MaintenanceStopped,
            true,
            format!("运维已于 {d} 停止"),
            format!("maintenance stopped on {d}"),
        ),
        None => ev(
            Criterion::MaintenanceStopped,
            false,
            "未申报运维停止".into(),
            "no stop of maintenance declared".into(),
        ),
    };
    let dup = ev(
        Criterion::Duplicated,
        !duplicates.is_empty(),
        if duplicates.is_empty() {
            "没有功能相同的在用系统".into()
        } else {
            format!("功能与在用系统相同：{}", duplicates.join("、"))
        },
        if duplicates.is_empty() {
            "no system in use has the same function".into()
        } else {
            format!("same function as systems in use: {}", duplicates.join(", "))
        },
    );
    vec![idle_ev, few, stale_ev, maint, dup]
}

fn ev(criterion: Criterion, met: bool, zh: String, en: String) -> Evidence {
    Evidence {
        criterion,
        met,
        zh,
        en,
    }
}

fn or_none_zh(s: &str) -> String {
    if s.is_empty() {
        "无".into()
    } else {
        s.into()
    }
}

fn or_none_en(s: &str) -> String {
    if s.is_empty() {
        "none".into()
    } else {
        s.into()
    }
}

/// Whether a system in use is a zombie candidate: it meets some criterion.
pub fn is_candidate(f: &SystemFacts, evidence: &[Evidence]) -> bool {
    f.status.unwrap_or(SystemStatus::InUse) == SystemStatus::InUse && evidence.iter().any(|e| e.met)
}

/// The operator's mark: a dismissal says why.
pub fn check_mark(verdict: Verdict, reason: &str) -> Result<(), DomainError> {
    let mut errs = Errors::default();
    if verdict == Verdict::Dismissed {
        errs.text("reason", "排除理由", reason, TEXT_MAX);
    } else {
        errs.opt_text("reason", Some(reason), TEXT_MAX);
    }
    errs.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(code: &str) -> SystemFacts {
        SystemFacts {
            code: code.into(),
            org: "d".into(),
            status: Some(SystemStatus::InUse),
            ..SystemFacts::default()
        }
    }

    #[test]
    fn targets_follow_the_plan() {
        assert_eq!(target_for(2021), None);
        assert_eq!(target_for(2022), Some(85));
        assert_eq!(target_for(2023), Some(95));
        assert_eq!(target_for(2030), Some(100));
    }

    #[test]
    fn completion_needs_all_three() {
        let mut f = facts("a");
        f.token_in_force = true;
        assert!(!completion(&f).complete);
        f.resources.push(ResourceFacts {
            code: "r".into(),
            published: true,
            collected: true,
            ..ResourceFacts::default()
        });
        assert!(completion(&f).complete);
        let r = rate(&[completion(&f), completion(&facts("b"))], 2023);
        assert_eq!((r.counted, r.complete, r.percent), (2, 1, Some(50.0)));
        assert_eq!(r.meets_target, Some(false));
    }

    #[test]
    fn a_bad_row_reports_every_cell() {
        let mut cells = BTreeMap::new();
        cells.insert("network", "卫星网".to_string());
        cells.insert("status", "报废".to_string());
        cells.insert("investment_yuan", "很多".to_string());
        let mut errs = Errors::default();
        parse_import_row(3, &cells, &mut errs);
        let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "rows[3].code",
                "rows[3].investment_yuan",
                "rows[3].network",
                "rows[3].status"
            ]
        );
    }

    #[test]
    fn dismissal_needs_a_reason() {
        assert!(check_mark(Verdict::Dismissed, " ").is_err());
        assert!(check_mark(Verdict::Confirmed, "").is_ok());
    }
}
