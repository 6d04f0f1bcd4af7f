//! What a batch of audit entries adds to the exchange's usage counters: the rule that decides
//! what counts as a call, a record served and a refusal. The audit log applies it to every
//! batch it seals, so the counters commit with the entries they count.
use std::collections::HashMap;

use crate::audit::entry::Entry;
use crate::catalog::china_date;
use crate::exchange::CallResult;

/// One line of the counters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UsageLine {
    /// The day in China (UTC+8), `YYYY-MM-DD`.
    pub day: String,
    pub system: String,
    pub resource: String,
    /// The grant the calls were made under; 0 for refusals with no grant in force.
    pub grant: i64,
}

/// What a line counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct UsageCount {
    pub calls: i64,
    pub records: i64,
    pub refused: i64,
}

pub type UsageCounts = HashMap<UsageLine, UsageCount>;

/// Per day, system, resource and grant: what `entries` add to the counters. Entries are
/// grouped on borrowed keys and a day number first, so a batch of thousands makes strings and
/// a date only per distinct line (the sequencer and the spreader run this on every batch).
pub fn usage_of(entries: &[&Entry]) -> UsageCounts {
    type Line<'a> = (i64, &'a str, &'a str, i64);
    let mut lines: HashMap<Line<'_>, (UsageCount, i64)> = HashMap::new();
    for e in entries {
        if !e.action.starts_with("exchange.") {
            continue;
        }
        let Some(system) = &e.actor_system else {
            continue;
        };
        let grant = e
            .grant
            .as_deref()
            .and_then(|g| g.parse::<i64>().ok())
            .unwrap_or(0);
        let day = china_day_number(e.time);
        let resource = e.resource.as_deref().unwrap_or_default();
        let (count, _) = lines
            .entry((day, system, resource, grant))
            .or_insert((UsageCount::default(), e.time));
        match e.result.parse::<CallResult>() {
            Ok(r) if r.is_ok() => {
                count.calls += 1;
                count.records += r.served() as i64;
            }
            _ => count.refused += 1,
        }
    }
    lines
        .into_iter()
        .map(|((_, system, resource, grant), (count, time))| {
            let line = UsageLine {
                day: china_date(time),
                system: system.to_string(),
                resource: resource.to_string(),
                grant,
            };
            (line, count)
        })
        .collect()
}

/// The day in China (UTC+8) of `ms`, as a count of days: `china_date` names the same days.
fn china_day_number(ms: i64) -> i64 {
    (ms.div_euclid(1000) + 8 * 3600).div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(time: i64, system: &str, result: &str) -> Entry {
        Entry {
            time,
            actor_org: "HI-RST".into(),
            actor_system: Some(system.into()),
            actor_person: None,
            action: "exchange.lookup".into(),
            resource: Some("101001-000001".into()),
            resource_version: None,
            grant: Some("7".into()),
            purpose: None,
            result: result.into(),
            subjects: vec![],
        }
    }

    #[test]
    fn usage_lines_split_at_midnight_in_china_and_by_system() {
        // 2026-12-03 15:59:59.999 UTC is 23:59:59.999 in China; a millisecond later it is the 4th.
        let before = 1_796_313_599_999;
        let entries = [
            call(before, "a", "ok:1/1"),
            call(before, "a", "denied:no_grant"),
            call(before + 1, "a", "ok:2/3"),
            call(before + 1, "b", "ok:1/1"),
        ];
        let refs: Vec<&Entry> = entries.iter().collect();
        let mut lines: Vec<_> = usage_of(&refs).into_iter().collect();
        lines.sort();
        let line = |day: &str, system: &str, (calls, records, refused)| {
            let key = UsageLine {
                day: day.into(),
                system: system.into(),
                resource: "101001-000001".into(),
                grant: 7,
            };
            let count = UsageCount {
                calls,
                records,
                refused,
            };
            (key, count)
        };
        assert_eq!(
            lines,
            vec![
                line("2026-12-03", "a", (1, 1, 1)),
                line("2026-12-04", "a", (1, 2, 0)),
                line("2026-12-04", "b", (1, 1, 0)),
            ]
        );
    }
}
