//! The working-day calendar as the platform holds it (the shipped years, overridden and
//! extended by years the operator loads) and the answer deadline setting.
use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::share::calendar::{self, Calendar, NoCalendar, YearCalendar};
use shuqiao_core::share::DEFAULT_ANSWER_WORKING_DAYS;
use shuqiao_core::{DomainError, FieldError};

use super::events::{emit, Actor, Event};
use crate::db::Conn;
use crate::{from_json, params, to_json, Result, Store};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CalendarYearInfo {
    pub year: i32,
    pub source: String,
    /// `builtin` for the years shipped with the program, else who loaded it.
    pub loaded_by: String,
    pub loaded_at: Option<i64>,
    pub holidays: usize,
    pub workdays: usize,
}

fn stored_years(c: &mut dyn Conn) -> Result<Vec<(YearCalendar, String, i64)>> {
    c.query(
        "SELECT data, loaded_by, loaded_at FROM calendar_years ORDER BY year",
        &[],
    )?
    .iter()
    .map(|r| Ok((from_json(&r.text(0)?)?, r.text(1)?, r.int(2)?)))
    .collect()
}

/// Every year known: the shipped ones, replaced by a loaded year of the same number.
pub(crate) fn all_years(c: &mut dyn Conn) -> Result<Vec<CalendarYearInfo>> {
    let stored = stored_years(c)?;
    let mut out: Vec<CalendarYearInfo> = calendar::builtin()
        .into_iter()
        .filter(|b| !stored.iter().any(|(y, _, _)| y.year == b.year))
        .map(|y| info(&y, "builtin".into(), None))
        .collect();
    out.extend(stored.into_iter().map(|(y, by, at)| info(&y, by, Some(at))));
    out.sort_by_key(|i| i.year);
    Ok(out)
}

fn info(y: &YearCalendar, loaded_by: String, loaded_at: Option<i64>) -> CalendarYearInfo {
    CalendarYearInfo {
        year: y.year,
        source: y.source.clone(),
        loaded_by,
        loaded_at,
        holidays: y.holidays.len(),
        workdays: y.workdays.len(),
    }
}

pub(crate) fn load_calendar(c: &mut dyn Conn) -> Result<Calendar> {
    let mut cal = Calendar::new(&calendar::builtin());
    for (y, _, _) in stored_years(c)? {
        cal.load(&y);
    }
    Ok(cal)
}

fn year_data(c: &mut dyn Conn, year: i32) -> Result<Option<YearCalendar>> {
    if let Some(r) = c.query_one(
        "SELECT data FROM calendar_years WHERE year = $1",
        params![year as i64],
    )? {
        return Ok(Some(from_json(&r.text(0)?)?));
    }
    Ok(calendar::builtin().into_iter().find(|y| y.year == year))
}

pub(crate) fn answer_working_days(c: &mut dyn Conn) -> Result<u32> {
    let v = c.query_one(
        "SELECT value FROM share_settings WHERE key = 'answer_working_days'",
        &[],
    )?;
    Ok(v.and_then(|r| r.text(0).ok())
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_ANSWER_WORKING_DAYS))
}

/// When an application filed at `filed_at` must be answered, or the year whose calendar is
/// missing (the deadline is then flagged, never guessed).
pub(crate) fn due(c: &mut dyn Conn, filed_at: i64) -> Result<Result<i64, NoCalendar>> {
    let n = answer_working_days(c)?;
    Ok(load_calendar(c)?.answer_due(filed_at, n))
}

/// Gives applications whose deadline was unknown a deadline, now that more years are known.
fn recompute_unknown_deadlines(c: &mut dyn Conn, now: i64) -> Result<u64> {
    let rows = c.query(
        "SELECT id, filed_at FROM applications WHERE status = 'pending' AND due_unknown_year IS NOT NULL",
        &[],
    )?;
    let mut fixed = 0;
    for r in rows {
        let (id, filed_at) = (r.int(0)?, r.int(1)?);
        match due(c, filed_at)? {
            Ok(at) => {
                c.execute(
                    "UPDATE applications SET due_at = $1, due_unknown_year = NULL WHERE id = $2",
                    params![at, id],
                )?;
                emit(
                    c,
                    &Actor::platform(),
                    Event {
                        kind: "application.deadline_set",
                        subject_type: "application",
                        subject_id: id,
                        resource: None,
                        resource_version: None,
                        grant: None,
                        reason: Some("工作日历已加载 working-day calendar loaded"),
                        notify: vec![],
                        title_zh: format!("申请 {id} 的答复期限已确定"),
                        title_en: format!("application {id} now has a deadline"),
                    },
                    now,
                )?;
                fixed += 1;
            }
            Err(NoCalendar { year }) => {
                c.execute(
                    "UPDATE applications SET due_unknown_year = $1 WHERE id = $2",
                    params![year as i64, id],
                )?;
            }
        }
    }
    Ok(fixed)
}

impl Store {
    pub async fn calendar_years(&self) -> Result<Vec<CalendarYearInfo>> {
        self.read(all_years).await
    }

    pub async fn calendar_year(&self, year: i32) -> Result<YearCalendar> {
        self.read(move |c| {
            year_data(c, year)?.ok_or_else(|| {
                DomainError::not_found(
                    "no_calendar",
                    format!("{year} 年的工作日历尚未加载"),
                    format!("no working-day calendar is loaded for {year}"),
                )
                .into()
            })
        })
        .await
    }

    /// The operator loads (or corrects) a year's holiday arrangement. Pending applications
    /// whose deadline fell in an unknown year get their deadline now.
    pub async fn load_calendar_year(&self, p: Principal, y: YearCalendar) -> Result<u64> {
        p.require_platform_admin()?;
        y.validate()?;
        let now = self.now();
        self.write(move |c| {
            let data = to_json(&y)?;
            c.execute(
                "INSERT INTO calendar_years (year, data, source, loaded_by, loaded_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (year) DO UPDATE SET data = $2, source = $3, loaded_by = $4, loaded_at = $5",
                params![y.year as i64, data, &y.source, p.actor(), now],
            )?;
            emit(
                c,
                &Actor::of(&p),
                Event {
                    kind: "calendar.load",
                    subject_type: "calendar",
                    subject_id: y.year as i64,
                    resource: None,
                    resource_version: None,
                    grant: None,
                    reason: Some(&y.source),
                    notify: vec![],
                    title_zh: format!("已加载 {} 年工作日历", y.year),
                    title_en: format!("working-day calendar for {} loaded", y.year),
                },
                now,
            )?;
            recompute_unknown_deadlines(c, now)
        })
        .await
    }

    pub async fn answer_working_days(&self) -> Result<u32> {
        self.read(answer_working_days).await
    }

    /// The operator sets how many working days providers have to answer (new applications).
    pub async fn set_answer_working_days(&self, p: Principal, days: u32) -> Result<u32> {
        p.require_platform_admin()?;
        if !(1..=30).contains(&days) {
            return Err(DomainError::one(FieldError::new(
                "answer_working_days",
                "out_of_range",
                "答复时限应为 1–30 个工作日",
                "the answer time must be 1–30 working days",
            ))
            .into());
        }
        let now = self.now();
        self.write(move |c| {
            c.execute(
                "INSERT INTO share_settings (key, value) VALUES ('answer_working_days', $1)
                 ON CONFLICT (key) DO UPDATE SET value = $1",
                params![days.to_string()],
            )?;
            let reason = format!("answer_working_days = {days}");
            emit(
                c,
                &Actor::of(&p),
                Event {
                    kind: "settings.change",
                    subject_type: "settings",
                    subject_id: 0,
                    resource: None,
                    resource_version: None,
                    grant: None,
                    reason: Some(&reason),
                    notify: vec![],
                    title_zh: format!("申请答复时限改为 {days} 个工作日"),
                    title_en: format!("answer time set to {days} working days"),
                },
                now,
            )?;
            Ok(days)
        })
        .await
    }
}

/// The deadline `n` working days after `now`, or the calendar year that is missing (the
/// deadline is then flagged, never guessed).
pub(crate) fn due_after(c: &mut dyn Conn, now: i64, n: u32) -> Result<(Option<i64>, Option<i64>)> {
    Ok(match load_calendar(c)?.answer_due(now, n) {
        Ok(at) => (Some(at), None),
        Err(e) => (None, Some(e.year as i64)),
    })
}
