//! The assessment figures (考核指标): periods, definitions, targets.
//!
//! Every figure is counted from what happened on the platform: a base set of rows (the
//! departments, 责任清单 entries, resources, needs, applications, objections or systems that
//! the figure is about) and, among them, the rows that count. A ratio is the counted rows
//! over the base; a figure for a scope (one department, a city or county, the province) adds
//! the rows of every department in it before dividing, so the province's figure is never an
//! average of averages. The definitions here are the ones the pages, the API and the reports
//! show, so a number and its explanation cannot drift apart.
use serde::Serialize;
use time::{Date, Month};

use crate::account::Principal;
use crate::error::{DomainError, FieldError};
use crate::share::calendar::{china_day, start_of_china_day};
use crate::share::{may_see_org, sees_everything};

/// A period of assessment: a quarter (`2026-Q4`), a month (`2026-11`) or a year (`2026`), in
/// China time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(i32),
    Quarter(i32, u8),
    Month(i32, u8),
}

impl Period {
    /// Parses `YYYY`, `YYYY-Qn` or `YYYY-MM`; an error names the field `period`.
    pub fn parse(s: &str) -> Result<Period, DomainError> {
        Self::parse_text(s.trim()).ok_or_else(|| {
            DomainError::invalid(vec![FieldError::new(
                "period",
                "invalid_period",
                format!("考核期「{s}」格式不正确：请写年份 2026、季度 2026-Q4 或月份 2026-11"),
                format!("period `{s}` is not a period: write a year (2026), a quarter (2026-Q4) or a month (2026-11)"),
            )])
        })
    }

    fn parse_text(s: &str) -> Option<Period> {
        let year = |y: &str| {
            (y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
                .then(|| y.parse::<i32>().ok())
                .flatten()
                .filter(|y| (2000..=2999).contains(y))
        };
        match s.split_once('-') {
            None => year(s).map(Period::Year),
            Some((y, rest)) => {
                let y = year(y)?;
                if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
                    let q: u8 = (q.len() == 1).then(|| q.parse().ok()).flatten()?;
                    (1..=4).contains(&q).then_some(Period::Quarter(y, q))
                } else {
                    let m: u8 = (rest.len() == 2 && rest.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| rest.parse().ok())
                        .flatten()?;
                    (1..=12).contains(&m).then_some(Period::Month(y, m))
                }
            }
        }
    }

    /// The period's name as it is written in requests, e.g. `2026-Q4`.
    pub fn code(&self) -> String {
        match *self {
            Period::Year(y) => format!("{y}"),
            Period::Quarter(y, q) => format!("{y}-Q{q}"),
            Period::Month(y, m) => format!("{y}-{m:02}"),
        }
    }

    /// The name in Chinese, e.g. 2026年第4季度.
    pub fn label_zh(&self) -> String {
        match *self {
            Period::Year(y) => format!("{y}年"),
            Period::Quarter(y, q) => format!("{y}年第{q}季度"),
            Period::Month(y, m) => format!("{y}年{m}月"),
        }
    }

    /// The first day and the day after the last, in China time.
    pub fn days(&self) -> (Date, Date) {
        let (y, first, months) = match *self {
            Period::Year(y) => (y, 1u8, 12u8),
            Period::Quarter(y, q) => (y, (q - 1) * 3 + 1, 3),
            Period::Month(y, m) => (y, m, 1),
        };
        let start = first_of(y, first);
        let next = first + months;
        let end = if next > 12 {
            first_of(y + 1, next - 12)
        } else {
            first_of(y, next)
        };
        (start, end)
    }

    /// Bounds in milliseconds: from midnight China time of the first day, up to (not
    /// including) midnight of the day after the last.
    pub fn bounds(&self) -> (i64, i64) {
        let (a, b) = self.days();
        (start_of_china_day(a), start_of_china_day(b))
    }

    /// The period before this one, of the same length.
    pub fn previous(&self) -> Period {
        match *self {
            Period::Year(y) => Period::Year(y - 1),
            Period::Quarter(y, 1) => Period::Quarter(y - 1, 4),
            Period::Quarter(y, q) => Period::Quarter(y, q - 1),
            Period::Month(y, 1) => Period::Month(y - 1, 12),
            Period::Month(y, m) => Period::Month(y, m - 1),
        }
    }

    /// This period and the `n - 1` before it, oldest first: the trend's x axis.
    pub fn trailing(&self, n: usize) -> Vec<Period> {
        let mut v = vec![*self];
        while v.len() < n {
            let p = v[v.len() - 1].previous();
            v.push(p);
        }
        v.reverse();
        v
    }

    /// The quarters of a year, or the period itself.
    pub fn quarters(&self) -> Vec<Period> {
        match *self {
            Period::Year(y) => (1..=4).map(|q| Period::Quarter(y, q)).collect(),
            other => vec![other],
        }
    }

    /// The period containing the moment `ms`, of the same kind as `self`.
    pub fn containing(&self, ms: i64) -> Period {
        let d = china_day(ms);
        let (y, m) = (d.year(), u8::from(d.month()));
        match self {
            Period::Year(_) => Period::Year(y),
            Period::Quarter(..) => Period::Quarter(y, (m - 1) / 3 + 1),
            Period::Month(..) => Period::Month(y, m),
        }
    }
}

fn first_of(y: i32, m: u8) -> Date {
    let month = Month::try_from(m).unwrap_or(Month::January);
    Date::from_calendar_date(y, month, 1).unwrap_or(Date::MIN)
}

/// The moment a period's figures are counted at: its end, or now if it has not ended.
pub fn as_of(period: &Period, now_ms: i64) -> i64 {
    period.bounds().1.min(now_ms)
}

/// The figures. The codes are stable: the API, the pages and the reports name figures by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    ShareDeptCoverage,
    ContentCoverage,
    ProvisionRate,
    ApplicationSupportRate,
    NeedSatisfactionRate,
    OnTimeRate,
    ObjectionResolutionRate,
    ObjectionMeanDays,
    SystemConnectRate,
    ExchangeVolume,
}

/// What a figure's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Counted rows over the base, 0–1, shown as a percentage.
    Ratio,
    /// The mean, in days, of the counted rows' durations.
    Days,
    /// A sum of the rows' values.
    Count,
}

/// A target the province has set, with where it is set.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Target {
    pub value: f64,
    /// The year the target is for.
    pub year: i32,
    pub source_zh: &'static str,
    pub source_en: &'static str,
}

/// A figure's definition, as every page and report explains it.
#[derive(Debug, Clone, Serialize)]
pub struct Definition {
    pub code: Figure,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub unit: Unit,
    pub formula_zh: &'static str,
    pub formula_en: &'static str,
    /// What counts in the period.
    pub period_zh: &'static str,
    pub period_en: &'static str,
    /// Which department a row belongs to.
    pub owner_zh: &'static str,
    pub owner_en: &'static str,
    pub source_tables: &'static [&'static str],
    pub targets: Vec<Target>,
    /// Higher is better (false for durations).
    pub higher_is_better: bool,
}

const PLAN_2022: (&str, &str) = (
    "《海南省政府数字化转型总体方案（2022—2025）》",
    "Hainan digital-government master plan 2022–2025",
);

const TWO_DAYS: (&str, &str) = (
    "《海南省政府数字化转型总体方案（2022—2025）》：有条件共享申请2个工作日内答复",
    "Hainan master plan 2022–2025: conditional applications answered within 2 working days",
);

impl Figure {
    pub const ALL: [Figure; 10] = [
        Figure::ShareDeptCoverage,
        Figure::ContentCoverage,
        Figure::ProvisionRate,
        Figure::ApplicationSupportRate,
        Figure::NeedSatisfactionRate,
        Figure::OnTimeRate,
        Figure::ObjectionResolutionRate,
        Figure::ObjectionMeanDays,
        Figure::SystemConnectRate,
        Figure::ExchangeVolume,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Figure::ShareDeptCoverage => "share_dept_coverage",
            Figure::ContentCoverage => "content_coverage",
            Figure::ProvisionRate => "provision_rate",
            Figure::ApplicationSupportRate => "application_support_rate",
            Figure::NeedSatisfactionRate => "need_satisfaction_rate",
            Figure::OnTimeRate => "on_time_rate",
            Figure::ObjectionResolutionRate => "objection_resolution_rate",
            Figure::ObjectionMeanDays => "objection_mean_days",
            Figure::SystemConnectRate => "system_connect_rate",
            Figure::ExchangeVolume => "exchange_volume",
        }
    }

    pub fn parse(s: &str) -> Option<Figure> {
        Figure::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// An unknown code, as a not-found that lists the known ones.
    pub fn parse_or_not_found(s: &str) -> Result<Figure, DomainError> {
        Figure::parse(s).ok_or_else(|| {
            let known = Figure::ALL.map(Figure::as_str).join(", ");
            DomainError::not_found(
                "unknown_figure",
                format!("没有考核指标「{s}」；可选：{known}"),
                format!("there is no figure `{s}`; known: {known}"),
            )
        })
    }

    pub fn unit(self) -> Unit {
        match self {
            Figure::ObjectionMeanDays => Unit::Days,
            Figure::ExchangeVolume => Unit::Count,
            _ => Unit::Ratio,
        }
    }

    /// The figure whose rows this one is computed from (the mean time of objections is
    /// computed from the rows of the resolution rate).
    pub fn rows_of(self) -> Figure {
        match self {
            Figure::ObjectionMeanDays => Figure::ObjectionResolutionRate,
            f => f,
        }
    }

    pub fn definition(self) -> Definition {
        let d = |name_zh,
                 name_en,
                 formula_zh,
                 formula_en,
                 period_zh,
                 period_en,
                 owner_zh,
                 owner_en,
                 source_tables,
                 targets| Definition {
            code: self,
            name_zh,
            name_en,
            unit: self.unit(),
            formula_zh,
            formula_en,
            period_zh,
            period_en,
            owner_zh,
            owner_en,
            source_tables,
            targets,
            higher_is_better: self != Figure::ObjectionMeanDays,
        };
        let target = |value, year, (zh, en): (&'static str, &'static str)| Target {
            value,
            year,
            source_zh: zh,
            source_en: en,
        };
        match self {
            Figure::ShareDeptCoverage => d(
                "共享部门覆盖率",
                "Sharing department coverage",
                "期末已在目录中发布至少一项（未撤销的）资源的部门数 ÷ 部门总数",
                "departments with at least one published, not retired resource by the period's end ÷ all departments",
                "截至期末（或当前时刻，若期未结束）",
                "as of the period's end (or now, if it has not ended)",
                "部门本身",
                "the department itself",
                &["orgs", "resources", "resource_versions"],
                vec![target(1.0, 2025, PLAN_2022)],
            ),
            Figure::ContentCoverage => d(
                "信息内容覆盖率",
                "Information content coverage",
                "责任清单中已关联且期末已发布资源的条目数 ÷ 期末前列入责任清单的条目数",
                "责任清单 (responsibility list) entries linked to a resource published by the period's end ÷ entries listed before the period's end",
                "截至期末",
                "as of the period's end",
                "责任清单条目所属部门",
                "the department the entry is listed for",
                &["responsibilities", "resources", "resource_versions"],
                vec![target(1.0, 2025, PLAN_2022)],
            ),
            Figure::ProvisionRate => d(
                "共享信息提供率",
                "Shared information provision rate",
                "期末前已有归集批次成功入库的可共享资源数 ÷ 期末已发布的可共享（无条件、有条件）资源数",
                "shareable (unconditional or conditional) published resources holding data from an applied collection batch by the period's end ÷ shareable published resources",
                "截至期末",
                "as of the period's end",
                "资源提供部门",
                "the resource's provider",
                &["resources", "resource_versions", "collect_batches"],
                vec![target(1.0, 2025, PLAN_2022)],
            ),
            Figure::ApplicationSupportRate => d(
                "业务应用支持率",
                "Business application support rate",
                "期内经交换接口为至少一个授权系统提供过数据（成功调用）的可共享资源数 ÷ 期末已发布的可共享资源数",
                "shareable published resources that answered at least one admitted exchange call within a grant during the period ÷ shareable published resources",
                "调用发生在期内（按北京时间日）",
                "calls made within the period (China-time days)",
                "资源提供部门",
                "the resource's provider",
                &["resources", "resource_versions", "exchange_usage"],
                vec![],
            ),
            Figure::NeedSatisfactionRate => d(
                "数据共享需求满足率",
                "Data sharing need satisfaction rate",
                "期内得到满足的需求数 ÷ 期内在办的需求数（期末前提出，且期初前未被满足或驳回）",
                "needs satisfied by the period's end ÷ needs open during the period (stated before its end and not satisfied or rejected before its start)",
                "期内在办的需求清单条目",
                "需求清单 entries open at some time in the period",
                "提出需求的部门",
                "the department that stated the need",
                &["needs"],
                vec![target(0.93, 2023, PLAN_2022), target(0.95, 2025, PLAN_2022)],
            ),
            Figure::OnTimeRate => d(
                "共享申请按时答复率",
                "On-time answer rate",
                "答复期限在期内的申请中，在期限内（含当时）作出批准或驳回的数 ÷ 答复期限在期内的申请数",
                "applications due within the period that were approved or rejected by their due time ÷ applications due within the period",
                "答复期限落在期内（期未结束时截至当前）",
                "due time within the period (up to now, if it has not ended)",
                "资源提供部门（答复方）",
                "the provider, who answers",
                &["applications"],
                vec![target(1.0, 2025, TWO_DAYS)],
            ),
            Figure::ObjectionResolutionRate => d(
                "数据异议办结率",
                "Objection resolution rate",
                "期内提出的数据异议中，期末前已办结（提出方确认或平台裁定）的数 ÷ 期内提出的数据异议数",
                "objections filed in the period that were closed (confirmed by the flagger or ruled by the operator) by its end ÷ objections filed in the period",
                "异议提出时间在期内",
                "objections filed within the period",
                "被提出异议的资源的提供部门",
                "the provider of the resource objected to",
                &["quality_objections"],
                vec![target(1.0, 2025, PLAN_2022)],
            ),
            Figure::ObjectionMeanDays => d(
                "数据异议平均办结时长（天）",
                "Mean time to close an objection (days)",
                "期内提出且期末前办结的数据异议，自提出至办结时长的平均值（天）",
                "mean of (closed − filed), in days, over objections filed in the period and closed by its end",
                "异议提出时间在期内",
                "objections filed within the period",
                "被提出异议的资源的提供部门",
                "the provider of the resource objected to",
                &["quality_objections"],
                vec![],
            ),
            Figure::SystemConnectRate => d(
                "系统接入率",
                "System connection rate",
                "在用系统中，期内经平台调用过交换接口（成功调用）或推送/归集过数据（以该系统为来源的归集批次）的系统数 ÷ 期末前登记的在用系统数",
                "systems in use that, during the period, made an admitted exchange call or were the source of a collection batch (push or pull) ÷ systems in use registered before the period's end",
                "调用或归集发生在期内",
                "calls or batches within the period",
                "系统所属部门",
                "the system's owner",
                &["systems", "exchange_usage", "collect_batches"],
                vec![target(0.85, 2023, PLAN_2022), target(0.95, 2025, PLAN_2022)],
            ),
            Figure::ExchangeVolume => d(
                "数据交换量（次）",
                "Exchange volume (calls)",
                "期内各资源经交换接口的成功调用次数之和",
                "admitted exchange calls answered by each resource within the period, summed",
                "调用发生在期内（按北京时间日）",
                "calls made within the period (China-time days)",
                "资源提供部门",
                "the resource's provider",
                &["exchange_usage", "resources"],
                vec![],
            ),
        }
    }
}

/// Counts behind one figure for one scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Rows in the base.
    pub base: i64,
    /// Rows that count.
    pub counted: i64,
    /// The sum of the counted rows' values (durations in ms, or calls).
    pub value_sum: i64,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.base += o.base;
        self.counted += o.counted;
        self.value_sum += o.value_sum;
    }
}

const DAY_MS: f64 = 86_400_000.0;

/// A figure's value from its tally: `None` when there is nothing to measure (an empty base).
pub fn value(f: Figure, t: &Tally) -> Option<f64> {
    match f.unit() {
        Unit::Ratio => ratio(t.counted, t.base),
        Unit::Days => (t.counted > 0).then(|| t.value_sum as f64 / t.counted as f64 / DAY_MS),
        Unit::Count => Some(t.value_sum as f64),
    }
}

/// `num / den`, `None` for an empty base.
pub fn ratio(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// The target that applies to a period: the first whose year is the period's year or later,
/// else the last one.
pub fn target_for(d: &Definition, period: &Period) -> Option<f64> {
    let year = match *period {
        Period::Year(y) | Period::Quarter(y, _) | Period::Month(y, _) => y,
    };
    d.targets
        .iter()
        .find(|t| t.year >= year)
        .or(d.targets.last())
        .map(|t| t.value)
}

/// Whether a value meets its target.
pub fn meets(d: &Definition, value: f64, target: f64) -> bool {
    if d.higher_is_better {
        value + 1e-9 >= target
    } else {
        value <= target + 1e-9
    }
}

/// A department's composite for the ranking: the mean of its ratio figures that have a
/// base, with equal weights; `None` when it has none.
pub fn composite(values: &[(Figure, Option<f64>)]) -> Option<f64> {
    let ratios: Vec<f64> = values
        .iter()
        .filter(|(f, _)| f.unit() == Unit::Ratio)
        .filter_map(|(_, v)| *v)
        .collect();
    (!ratios.is_empty()).then(|| ratios.iter().sum::<f64>() / ratios.len() as f64)
}

/// A value as people read it: a percentage with one decimal, days with one, a count whole.
pub fn format_value(f: Figure, v: Option<f64>) -> String {
    match (f.unit(), v) {
        (_, None) => "—".into(),
        (Unit::Ratio, Some(v)) => format!("{:.1}%", v * 100.0),
        (Unit::Days, Some(v)) => format!("{v:.1}"),
        (Unit::Count, Some(v)) => format!("{}", v as i64),
    }
}

/// Whose figures a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Province,
    /// A city or county by its GB/T 2260 code: the departments registered in it.
    Region(String),
    Org(String),
}

/// Who may see a scope's figures and rows: a department its own; the operator and auditors
/// everything. The ranking is shown to every signed-in person of a department.
pub fn require_scope_reader(p: &Principal, scope: &Scope) -> Result<(), DomainError> {
    p.require_authenticated()?;
    let ok = match scope {
        Scope::Org(o) => may_see_org(p, o),
        Scope::Province | Scope::Region(_) => sees_everything(p),
    };
    if ok {
        return Ok(());
    }
    Err(match scope {
        Scope::Org(_) => DomainError::forbidden(
            "not_own_org",
            "只能查看本单位的考核指标（及全省排名），平台管理员和审计人员可查看全部",
            "you can see your own department's figures (and the province's ranking); the operator and auditors see all",
        ),
        _ => DomainError::forbidden(
            "requires_platform_admin",
            "全省和市县的考核指标仅平台管理员和审计人员可见；请用 org 参数查看本单位",
            "province-wide and regional figures are for the operator and auditors; pass org for your own department",
        ),
    })
}

/// Who may see the ranking of departments: any signed-in person with a role in government
/// (not a member of the public, not a system).
pub fn require_ranking_reader(p: &Principal) -> Result<(), DomainError> {
    p.require_authenticated()?;
    match p {
        Principal::Person { roles, .. } if !roles.is_empty() => Ok(()),
        _ => Err(DomainError::forbidden(
            "requires_person",
            "考核排名仅供政务工作人员查看",
            "the ranking is for government staff",
        )),
    }
}

/// Whether an organisation's region lies in `region`: a city's code covers its districts
/// (460100 covers 4601xx), a county's only itself.
pub fn region_covers(region: &str, org_region: &str) -> bool {
    let prefix = region.trim_end_matches("00");
    let prefix = if prefix.len() < 2 { region } else { prefix };
    org_region.starts_with(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_bound_in_china_time() {
        let q = Period::parse("2026-Q4").unwrap();
        assert_eq!(q, Period::Quarter(2026, 4));
        let (a, b) = q.bounds();
        // 2026-10-01T00:00+08:00 and 2027-01-01T00:00+08:00
        assert_eq!(a, 1_790_784_000_000);
        assert_eq!(b, 1_798_732_800_000);
        assert_eq!(
            Period::parse("2026-02").unwrap().days().1.to_string(),
            "2026-03-01"
        );
        assert_eq!(
            Period::parse("2026").unwrap().trailing(2)[0],
            Period::Year(2025)
        );
        assert_eq!(
            q.trailing(4).iter().map(Period::code).collect::<Vec<_>>(),
            ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
        );
        assert_eq!(Period::Month(2026, 1).previous(), Period::Month(2025, 12));
        for bad in [
            "", "26-Q1", "2026-Q5", "2026-13", "2026-1", "2026-Q", "abcd", "2026-00",
        ] {
            let e = Period::parse(bad).unwrap_err();
            match e {
                DomainError::Invalid(errs) => assert_eq!(errs[0].field, "period"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn values_targets_and_composites() {
        let t = Tally {
            base: 4,
            counted: 3,
            value_sum: 3 * 86_400_000,
        };
        assert_eq!(value(Figure::OnTimeRate, &t), Some(0.75));
        assert_eq!(value(Figure::ObjectionMeanDays, &t), Some(1.0));
        assert_eq!(value(Figure::OnTimeRate, &Tally::default()), None);
        let d = Figure::NeedSatisfactionRate.definition();
        assert_eq!(target_for(&d, &Period::Year(2023)), Some(0.93));
        assert_eq!(target_for(&d, &Period::Quarter(2026, 4)), Some(0.95));
        assert!(meets(&d, 0.95, 0.95));
        assert!(!meets(&d, 0.9, 0.93));
        assert_eq!(
            composite(&[
                (Figure::OnTimeRate, Some(1.0)),
                (Figure::ProvisionRate, Some(0.5)),
                (Figure::ContentCoverage, None),
                (Figure::ExchangeVolume, Some(900.0)),
            ]),
            Some(0.75)
        );
        assert_eq!(format_value(Figure::OnTimeRate, Some(0.9375)), "93.8%");
        assert!(region_covers("460100", "460106"));
        assert!(!region_covers("469001", "469002"));
        assert!(region_covers("460000", "469002"));
        for f in Figure::ALL {
            assert_eq!(Figure::parse(f.as_str()), Some(f));
            assert_eq!(f.definition().code, f);
        }
    }
}
