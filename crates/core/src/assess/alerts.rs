//! Usage monitoring (监测预警): baselines of calls and the alerts they raise. Three rules over
//! counts the store has already kept: a grant's calls today far above its baseline (`jump`),
//! calls in the quiet hours beyond what the grant usually makes then (`unusual_hours`), and
//! one consumer reading a large share of a resource's subjects in a day (`harvesting`, a sign
//! of bulk harvesting through lookups). No I/O.
use serde::{Deserialize, Serialize};

use crate::account::{Principal, Role};
use crate::error::{DomainError, Errors, FieldError};

/// The operator's alert settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    /// Today's calls must exceed this many times the baseline.
    pub jump_factor: f64,
    /// …and be at least this many, so a quiet grant's few calls raise nothing.
    pub min_calls: i64,
    /// The baseline is the mean of this many previous days.
    pub baseline_days: i64,
    /// Quiet hours in China time, from `quiet_start` (inclusive) to `quiet_end` (exclusive);
    /// the span may wrap midnight (22 to 6).
    pub quiet_start: i64,
    pub quiet_end: i64,
    /// Share of a resource's live subjects one consumer may read in a day before it alerts…
    pub harvest_share: f64,
    /// …when it also read at least this many distinct subjects.
    pub harvest_min_subjects: i64,
    /// Whether an alert suspends its grant until the operator reviews it.
    pub suspend_on_alert: bool,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            jump_factor: 3.0,
            min_calls: 100,
            baseline_days: 7,
            quiet_start: 0,
            quiet_end: 6,
            harvest_share: 0.2,
            harvest_min_subjects: 100,
            suspend_on_alert: false,
        }
    }
}

impl AlertSettings {
    /// Every problem at once, each naming its field.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errs = Errors::default();
        if !(self.jump_factor.is_finite() && self.jump_factor > 1.0 && self.jump_factor <= 1000.0) {
            errs.push(FieldError::new(
                "jump_factor",
                "out_of_range",
                "倍数应大于 1 且不超过 1000",
                "the factor must be above 1 and at most 1000",
            ));
        }
        for (field, v, max) in [
            ("min_calls", self.min_calls, 1_000_000_000),
            ("baseline_days", self.baseline_days, 90),
            (
                "harvest_min_subjects",
                self.harvest_min_subjects,
                1_000_000_000,
            ),
        ] {
            if !(1..=max).contains(&v) {
                errs.push(FieldError::new(
                    field,
                    "out_of_range",
                    format!("应为 1 到 {max} 之间的整数"),
                    format!("must be a whole number from 1 to {max}"),
                ));
            }
        }
        for (field, v) in [
            ("quiet_start", self.quiet_start),
            ("quiet_end", self.quiet_end),
        ] {
            if !(0..=23).contains(&v) {
                errs.push(FieldError::new(
                    field,
                    "out_of_range",
                    "应为 0 到 23 之间的整点（北京时间）",
                    "must be an hour from 0 to 23 (China time)",
                ));
            }
        }
        if self.quiet_start == self.quiet_end {
            errs.push(FieldError::new(
                "quiet_end",
                "empty_span",
                "静默时段的开始与结束不能相同",
                "quiet hours must not start and end at the same hour",
            ));
        }
        if !(self.harvest_share.is_finite()
            && self.harvest_share > 0.0
            && self.harvest_share <= 1.0)
        {
            errs.push(FieldError::new(
                "harvest_share",
                "out_of_range",
                "比例应大于 0 且不超过 1",
                "the share must be above 0 and at most 1",
            ));
        }
        errs.into_result()
    }

    /// Whether `hour` (0–23, China time) is in the quiet hours.
    pub fn is_quiet(&self, hour: i64) -> bool {
        if self.quiet_start < self.quiet_end {
            (self.quiet_start..self.quiet_end).contains(&hour)
        } else {
            hour >= self.quiet_start || hour < self.quiet_end
        }
    }
}

/// The three kinds of alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    Jump,
    UnusualHours,
    Harvesting,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Jump => "jump",
            AlertKind::UnusualHours => "unusual_hours",
            AlertKind::Harvesting => "harvesting",
        }
    }

    pub fn parse(s: &str) -> Option<AlertKind> {
        [
            AlertKind::Jump,
            AlertKind::UnusualHours,
            AlertKind::Harvesting,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// What the alert says, in Chinese and English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            AlertKind::Jump => ("调用量激增", "call volume jump"),
            AlertKind::UnusualHours => ("非常规时段调用", "calls at unusual hours"),
            AlertKind::Harvesting => ("疑似批量采集", "possible bulk harvesting"),
        }
    }
}

/// What a rule found: the count observed and what it was compared with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finding {
    pub kind: AlertKind,
    pub observed: i64,
    /// The mean of the previous days (jump, unusual hours), or the resource's live subjects
    /// (harvesting).
    pub baseline: f64,
}

/// The mean of the previous days' counts; none when there are none.
pub fn baseline(previous: &[i64]) -> Option<f64> {
    match previous.len() {
        0 => None,
        n => Some(previous.iter().sum::<i64>() as f64 / n as f64),
    }
}

/// A jump: today's calls above `jump_factor` × the mean of the previous `baseline_days` days,
/// and at least `min_calls`. `previous` holds one count per previous day; a grant younger
/// than the baseline has no baseline and raises nothing (the caller passes fewer days).
pub fn jump(today: i64, previous: &[i64], s: &AlertSettings) -> Option<Finding> {
    if previous.len() < s.baseline_days as usize {
        return None;
    }
    let base = baseline(previous)?;
    (today >= s.min_calls && today as f64 > s.jump_factor * base).then_some(Finding {
        kind: AlertKind::Jump,
        observed: today,
        baseline: base,
    })
}

/// Calls at unusual hours: today's calls in the quiet hours, when there are some and they
/// exceed `jump_factor` × the grant's mean quiet-hour calls over the previous days (a nightly
/// batch the grant always runs is its habit, not an alert).
pub fn unusual_hours(quiet_today: i64, previous: &[i64], s: &AlertSettings) -> Option<Finding> {
    let base = baseline(previous).unwrap_or(0.0);
    (quiet_today > 0 && quiet_today as f64 > s.jump_factor * base).then_some(Finding {
        kind: AlertKind::UnusualHours,
        observed: quiet_today,
        baseline: base,
    })
}

/// Harvesting: the distinct subjects one consumer read today are at least `harvest_share` of
/// the resource's live subjects, and at least `harvest_min_subjects`.
pub fn harvesting(distinct: i64, live_subjects: i64, s: &AlertSettings) -> Option<Finding> {
    if live_subjects <= 0 || distinct < s.harvest_min_subjects {
        return None;
    }
    (distinct as f64 / live_subjects as f64 >= s.harvest_share).then_some(Finding {
        kind: AlertKind::Harvesting,
        observed: distinct,
        baseline: live_subjects as f64,
    })
}

/// The China day (`YYYY-MM-DD`) and hour (0–23) of `ms`.
pub fn china_day_hour(ms: i64) -> (String, i64) {
    let secs = ms.div_euclid(1000) + 8 * 3600;
    (
        crate::catalog::china_date(ms),
        secs.rem_euclid(86_400) / 3600,
    )
}

/// The `n` days before `day` (`YYYY-MM-DD`), oldest first; none for a day that is not one.
pub fn days_before(day: &str, n: i64) -> Option<Vec<String>> {
    let mut parts = day.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    let mut date =
        time::Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?)
            .ok()?;
    let mut out = Vec::new();
    for _ in 0..n {
        date = date.previous_day()?;
        out.push(format!(
            "{:04}-{:02}-{:02}",
            date.year(),
            date.month() as u8,
            date.day()
        ));
    }
    out.reverse();
    Some(out)
}

/// How the operator decides an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    /// Nothing wrong: the alert is cleared and a suspension it caused is lifted.
    Clear,
    /// The grant is revoked, as a revocation by its parties does.
    Revoke,
}

impl Review {
    pub fn state(self) -> &'static str {
        match self {
            Review::Clear => "cleared",
            Review::Revoke => "revoked",
        }
    }
}

/// Who sees alerts: the operator and auditors all; a department those about grants it
/// provides or consumes (the caller scopes the rows).
pub fn require_alert_reader(p: &Principal) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if p.is_staff() {
        return Ok(());
    }
    Err(DomainError::forbidden(
        "staff_only",
        "调用监测预警仅供政务部门查看",
        "usage alerts are for government departments",
    ))
}

/// Who reviews alerts and changes their settings: the operator.
pub fn require_alert_operator(p: &Principal) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if p.is_platform_admin() {
        return Ok(());
    }
    Err(DomainError::forbidden(
        "operator_only",
        "只有平台管理员可以复核预警和修改预警设置",
        "only the platform operator may review alerts and change their settings",
    ))
}

/// Who reads the settings: the operator and auditors.
pub fn require_settings_reader(p: &Principal) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if p.is_platform_admin() || p.has_role(Role::Auditor) {
        return Ok(());
    }
    Err(DomainError::forbidden(
        "operator_or_auditor_only",
        "只有平台管理员和审计人员可以查看预警设置",
        "only the operator and auditors may see the alert settings",
    ))
}

/// The refusal of a call under a suspended grant.
pub fn grant_suspended(grant: i64) -> DomainError {
    DomainError::forbidden(
        "grant_suspended",
        format!("授权 {grant} 因调用异常预警已暂停，平台管理员正在复核；复核后恢复或撤销"),
        format!(
            "grant {grant} is suspended after a usage alert while the platform operator reviews it; it will be restored or revoked"
        ),
    )
}

/// The refusal of a second review.
pub fn already_reviewed(id: i64) -> DomainError {
    DomainError::conflict(
        "alert_already_reviewed",
        format!("预警 {id} 已复核，不能再次复核"),
        format!("alert {id} has already been reviewed"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_report_every_problem() {
        assert!(AlertSettings::default().validate().is_ok());
        let bad = AlertSettings {
            jump_factor: 1.0,
            min_calls: 0,
            baseline_days: 91,
            quiet_start: 24,
            quiet_end: 24,
            harvest_share: 0.0,
            harvest_min_subjects: 0,
            suspend_on_alert: true,
        };
        let DomainError::Invalid(errs) = bad.validate().unwrap_err() else {
            panic!()
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "jump_factor",
                "min_calls",
                "baseline_days",
                "harvest_min_subjects",
                "quiet_start",
                "quiet_end",
                "quiet_end",
                "harvest_share"
            ]
        );
    }

    #[test]
    fn days_and_hours_are_china_time() {
        // 2026-12-03 19:00 UTC is 03:00 on the 4th in China.
        assert_eq!(china_day_hour(1_796_324_400_000), ("2026-12-04".into(), 3));
        assert_eq!(
            days_before("2026-03-02", 3).unwrap(),
            ["2026-02-27", "2026-02-28", "2026-03-01"]
        );
        assert_eq!(days_before("2026-13-01", 1), None);
    }

    #[test]
    fn quiet_hours_may_wrap_midnight() {
        let s = AlertSettings::default();
        assert!(s.is_quiet(0) && s.is_quiet(5) && !s.is_quiet(6) && !s.is_quiet(23));
        let night = AlertSettings {
            quiet_start: 22,
            quiet_end: 6,
            ..s
        };
        assert!(night.is_quiet(22) && night.is_quiet(3) && !night.is_quiet(6));
    }

    #[test]
    fn jump_needs_a_full_baseline_the_factor_and_the_minimum() {
        let s = AlertSettings {
            baseline_days: 3,
            min_calls: 10,
            ..AlertSettings::default()
        };
        assert_eq!(jump(100, &[10, 10], &s), None, "no full baseline yet");
        let f = jump(31, &[10, 10, 10], &s).unwrap();
        assert_eq!((f.observed, f.baseline), (31, 10.0));
        assert_eq!(jump(30, &[10, 10, 10], &s), None, "not above 3 × 10");
        assert_eq!(jump(9, &[1, 1, 1], &s), None, "below the minimum");
        assert_eq!(jump(10, &[0, 0, 0], &s).unwrap().baseline, 0.0);
    }

    #[test]
    fn night_calls_alert_unless_they_are_the_habit() {
        let s = AlertSettings::default();
        assert_eq!(unusual_hours(0, &[], &s), None);
        assert_eq!(unusual_hours(2, &[0, 0], &s).unwrap().observed, 2);
        assert_eq!(unusual_hours(50, &[40, 40], &s), None);
    }

    #[test]
    fn harvesting_is_a_share_and_a_minimum() {
        let s = AlertSettings {
            harvest_share: 0.5,
            harvest_min_subjects: 3,
            ..AlertSettings::default()
        };
        assert_eq!(harvesting(3, 6, &s).unwrap().baseline, 6.0);
        assert_eq!(harvesting(2, 3, &s), None, "below the minimum");
        assert_eq!(harvesting(3, 7, &s), None, "below the share");
        assert_eq!(harvesting(3, 0, &s), None);
    }
}
