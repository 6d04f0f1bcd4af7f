//! Working days in China: statutory holidays and make-up working days (调休), as yearly data
//! published by the State Council. A date in a year with no calendar is never guessed.
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Weekday};

use crate::catalog::parse_date;
use crate::error::{DomainError, Errors, FieldError};

/// One named holiday period, inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidaySpan {
    pub name: String,
    pub from: String,
    pub to: String,
}

/// One year's arrangement as published, with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearCalendar {
    pub year: i32,
    /// The notice this year's data was taken from (e.g. 国办发明电〔2024〕12号).
    pub source: String,
    pub holidays: Vec<HolidaySpan>,
    /// Weekend days that are working days (调休上班).
    pub workdays: Vec<String>,
}

/// The years shipped with the program; the operator loads later years as they are published.
pub fn builtin() -> Vec<YearCalendar> {
    [
        include_str!("../../data/calendar/2025.json"),
        include_str!("../../data/calendar/2026.json"),
    ]
    .iter()
    .filter_map(|s| serde_json::from_str(s).ok())
    .collect()
}

fn date_in_year(errs: &mut Errors, field: &str, s: &str, year: i32) -> Option<Date> {
    match parse_date(s) {
        Some(d) if d.year() == year => Some(d),
        Some(_) => {
            errs.push(FieldError::new(
                field,
                "outside_year",
                format!("日期 {s} 不在 {year} 年内"),
                format!("date {s} is not in {year}"),
            ));
            None
        }
        None => {
            errs.push(FieldError::new(
                field,
                "invalid_date",
                format!("日期 {s} 格式不正确，应为 YYYY-MM-DD"),
                format!("date {s} must be YYYY-MM-DD"),
            ));
            None
        }
    }
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

impl YearCalendar {
    /// Checks the data before it is trusted for deadlines: dates inside the year, spans in
    /// order, make-up days on weekends and outside holidays, a stated source.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errs = Errors::default();
        if !(2000..=2100).contains(&self.year) {
            errs.push(FieldError::new(
                "year",
                "invalid_year",
                "年份应在 2000–2100 之间",
                "year must be between 2000 and 2100",
            ));
        }
        errs.text("source", "数据来源（发布文件）", &self.source, 500);
        let mut holiday_days = BTreeSet::new();
        for (i, h) in self.holidays.iter().enumerate() {
            errs.text(&format!("holidays[{i}].name"), "节日名称", &h.name, 50);
            let from = date_in_year(
                &mut errs,
                &format!("holidays[{i}].from"),
                &h.from,
                self.year,
            );
            let to = date_in_year(&mut errs, &format!("holidays[{i}].to"), &h.to, self.year);
            if let (Some(from), Some(to)) = (from, to) {
                if to < from || (to - from).whole_days() > 15 {
                    errs.push(FieldError::new(
                        format!("holidays[{i}].to"),
                        "invalid_span",
                        "假期结束日期应不早于开始日期，且一次假期不超过 16 天",
                        "a holiday must end on or after its start and last at most 16 days",
                    ));
                    continue;
                }
                let mut d = from;
                while d <= to {
                    holiday_days.insert(d);
                    d += Duration::days(1);
                }
            }
        }
        for (i, w) in self.workdays.iter().enumerate() {
            let field = format!("workdays[{i}]");
            if let Some(d) = date_in_year(&mut errs, &field, w, self.year) {
                if !is_weekend(d) || holiday_days.contains(&d) {
                    errs.push(FieldError::new(
                        field,
                        "not_a_makeup_day",
                        format!("调休上班日 {w} 应是周末且不在假期内"),
                        format!(
                            "make-up working day {w} must be a weekend day outside the holidays"
                        ),
                    ));
                }
            }
        }
        errs.into_result()
    }
}

/// A date whose working-day status is unknown because its year has no calendar loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no working-day calendar loaded for {year}")]
pub struct NoCalendar {
    pub year: i32,
}

/// The working-day calendar over all loaded years.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, (BTreeSet<Date>, BTreeSet<Date>)>,
}

impl Calendar {
    pub fn new(years: &[YearCalendar]) -> Calendar {
        let mut c = Calendar::default();
        for y in years {
            c.load(y);
        }
        c
    }

    /// Adds (or replaces) one year. Invalid dates are skipped: validate before loading.
    pub fn load(&mut self, y: &YearCalendar) {
        let mut holidays = BTreeSet::new();
        for h in &y.holidays {
            if let (Some(from), Some(to)) = (parse_date(&h.from), parse_date(&h.to)) {
                let mut d = from;
                while d <= to {
                    holidays.insert(d);
                    d += Duration::days(1);
                }
            }
        }
        let workdays = y.workdays.iter().filter_map(|w| parse_date(w)).collect();
        self.years.insert(y.year, (holidays, workdays));
    }

    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// A working day is a make-up day, or a Monday–Friday that is not a holiday.
    pub fn is_working_day(&self, d: Date) -> Result<bool, NoCalendar> {
        let (holidays, workdays) = self
            .years
            .get(&d.year())
            .ok_or(NoCalendar { year: d.year() })?;
        Ok(workdays.contains(&d) || (!is_weekend(d) && !holidays.contains(&d)))
    }

    /// The `n`th working day after `from` (the day itself does not count).
    pub fn add_working_days(&self, from: Date, n: u32) -> Result<Date, NoCalendar> {
        let mut d = from;
        let mut counted = 0;
        while counted < n {
            d = d.next_day().ok_or(NoCalendar { year: d.year() + 1 })?;
            if self.is_working_day(d)? {
                counted += 1;
            }
        }
        Ok(d)
    }

    /// When an answer to something filed at `filed_ms` is due: the end (23:59:59.999 China
    /// Standard Time) of the `n`th working day after the filing day.
    pub fn answer_due(&self, filed_ms: i64, n: u32) -> Result<i64, NoCalendar> {
        let day = china_day(filed_ms);
        let due = self.add_working_days(day, n)?;
        Ok(end_of_china_day(due))
    }
}

/// Where a deadline stands on a given day, in working days, for a person's to-do list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// Whole working days left after today, counted as the deadline itself was (the day
    /// of filing does not count): 2 on the day of filing, 0 on the last day.
    Left(u32),
    /// Working days since the deadline passed, today included; 0 on a weekend or holiday
    /// right after it, when it is overdue all the same.
    Overdue(u32),
}

impl Calendar {
    /// Where the deadline `due_ms` (the end of its China day) stands at `now_ms`.
    pub fn deadline(&self, now_ms: i64, due_ms: i64) -> Result<Deadline, NoCalendar> {
        let (today, due) = (china_day(now_ms), china_day(due_ms));
        if now_ms <= due_ms {
            Ok(Deadline::Left(self.working_days_after(today, due)?))
        } else {
            Ok(Deadline::Overdue(self.working_days_after(due, today)?))
        }
    }

    /// How many working days fall after `from` up to and including `to`.
    fn working_days_after(&self, from: Date, to: Date) -> Result<u32, NoCalendar> {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.next_day().ok_or(NoCalendar { year: d.year() + 1 })?;
            n += u32::from(self.is_working_day(d)?);
        }
        Ok(n)
    }
}

const CST_OFFSET_MS: i64 = 8 * 3600 * 1000;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// The calendar day in China Standard Time (UTC+8) of a millisecond timestamp.
pub fn china_day(ms: i64) -> Date {
    let days = (ms + CST_OFFSET_MS).div_euclid(DAY_MS);
    Date::from_julian_day(UNIX_EPOCH_JULIAN + days as i32).unwrap_or(Date::MIN)
}

/// The last millisecond of a China Standard Time day.
pub fn end_of_china_day(d: Date) -> i64 {
    let days = (d.to_julian_day() - UNIX_EPOCH_JULIAN) as i64;
    (days + 1) * DAY_MS - CST_OFFSET_MS - 1
}

/// Midnight China Standard Time at the start of a day.
pub fn start_of_china_day(d: Date) -> i64 {
    let days = (d.to_julian_day() - UNIX_EPOCH_JULIAN) as i64;
    days * DAY_MS - CST_OFFSET_MS
}

const UNIX_EPOCH_JULIAN: i32 = 2_440_588;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    fn cal() -> Calendar {
        Calendar::new(&builtin())
    }

    #[test]
    fn shipped_years_are_valid_and_loaded() {
        let years = builtin();
        assert_eq!(
            years.iter().map(|y| y.year).collect::<Vec<_>>(),
            [2025, 2026]
        );
        for y in &years {
            y.validate().unwrap();
        }
        assert_eq!(cal().years(), [2025, 2026]);
    }

    #[test]
    fn working_day_rules() {
        let c = cal();
        assert!(c.is_working_day(d("2026-02-13")).unwrap()); // Friday
        assert!(c.is_working_day(d("2026-02-14")).unwrap()); // make-up Saturday
        assert!(!c.is_working_day(d("2026-02-16")).unwrap()); // Spring Festival Monday
        assert!(!c.is_working_day(d("2026-02-21")).unwrap()); // plain Saturday in the holiday
        assert!(c.is_working_day(d("2026-01-04")).unwrap()); // make-up Sunday
        assert_eq!(
            c.is_working_day(d("2027-01-04")),
            Err(NoCalendar { year: 2027 })
        );
    }

    #[test]
    fn deadline_in_working_days_left_or_overdue() {
        let c = cal();
        let noon = |s: &str| start_of_china_day(d(s)) + 12 * 3600 * 1000;
        let due = end_of_china_day(d("2026-02-13")); // Friday
        assert_eq!(c.deadline(noon("2026-02-13"), due), Ok(Deadline::Left(0)));
        assert_eq!(c.deadline(noon("2026-02-12"), due), Ok(Deadline::Left(1)));
        assert_eq!(c.deadline(noon("2026-02-11"), due), Ok(Deadline::Left(2)));
        // Sat 14 Feb is a make-up working day, Sun 15 and the holiday are not.
        assert_eq!(
            c.deadline(noon("2026-02-14"), due),
            Ok(Deadline::Overdue(1))
        );
        assert_eq!(
            c.deadline(noon("2026-02-20"), due),
            Ok(Deadline::Overdue(1))
        );
        assert_eq!(
            c.deadline(noon("2026-02-25"), due),
            Ok(Deadline::Overdue(3))
        );
        // A plain weekend right after a Friday deadline: overdue, no working day gone yet.
        let due = end_of_china_day(d("2026-03-06"));
        assert_eq!(
            c.deadline(noon("2026-03-07"), due),
            Ok(Deadline::Overdue(0))
        );
        assert_eq!(
            c.deadline(noon("2026-12-30"), end_of_china_day(d("2027-01-05"))),
            Err(NoCalendar { year: 2027 })
        );
    }

    #[test]
    fn friday_before_spring_festival_counts_the_makeup_saturday() {
        // Filed Fri 13 Feb 2026: day 1 is the make-up Sat 14 Feb, day 2 is Tue 24 Feb.
        assert_eq!(
            cal().add_working_days(d("2026-02-13"), 2),
            Ok(d("2026-02-24"))
        );
    }

    #[test]
    fn filed_on_a_makeup_saturday() {
        assert_eq!(
            cal().add_working_days(d("2026-02-14"), 2),
            Ok(d("2026-02-25"))
        );
    }

    #[test]
    fn last_days_of_december() {
        let c = cal();
        // 30 Dec 2025: day 1 is 31 Dec; 1–3 Jan 2026 are New Year; day 2 is the make-up Sun 4 Jan.
        assert_eq!(c.add_working_days(d("2025-12-30"), 2), Ok(d("2026-01-04")));
        // 30 Dec 2026: day 1 is 31 Dec; 2027 has no calendar, so the deadline is unknown.
        assert_eq!(
            c.add_working_days(d("2026-12-30"), 2),
            Err(NoCalendar { year: 2027 })
        );
        // 31 Dec 2026 filed on a Thursday needs 2027 for either day.
        assert_eq!(
            c.add_working_days(d("2026-12-31"), 1),
            Err(NoCalendar { year: 2027 })
        );
    }

    #[test]
    fn due_time_is_the_end_of_the_day_in_china() {
        let c = cal();
        // 2026-02-13 10:00 CST = 02:00 UTC.
        let filed = start_of_china_day(d("2026-02-13")) + 10 * 3600 * 1000;
        let due = c.answer_due(filed, 2).unwrap();
        assert_eq!(china_day(due), d("2026-02-24"));
        assert_eq!(china_day(due + 1), d("2026-02-25"));
        // Filed late in the evening China time (still the same UTC day before midnight CST).
        let late = start_of_china_day(d("2026-02-12")) + 23 * 3600 * 1000 + 59 * 60 * 1000;
        assert_eq!(china_day(late), d("2026-02-12"));
    }

    #[test]
    fn bad_calendar_data_is_refused_with_every_problem() {
        let y = YearCalendar {
            year: 2027,
            source: "".into(),
            holidays: vec![HolidaySpan {
                name: "春节".into(),
                from: "2027-02-10".into(),
                to: "2027-02-01".into(),
            }],
            workdays: vec!["2027-02-03".into(), "2026-02-07".into(), "x".into()],
        };
        let Err(DomainError::Invalid(errs)) = y.validate() else {
            panic!("expected invalid")
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "source",
                "holidays[0].to",
                "workdays[0]",
                "workdays[1]",
                "workdays[2]"
            ]
        );
    }
}
