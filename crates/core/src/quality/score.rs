//! Quality scores: what a resource's data and its collection history say about it, measured,
//! never typed in. Five components, each a share between 0 and 1:
//!
//! - completeness (完整性): required items (and key items) filled, over every live record;
//! - validity (规范性): rows accepted over rows read by its collection batches, the rows the
//!   checks (types, lengths, national codes, code sets) refused counting against it;
//! - uniqueness (唯一性): rows not refused as a second row for one key in the same batch;
//! - timeliness (时效性): 1 while the data is as fresh as its 更新周期 promises, else 0;
//! - consistency (一致性): records that pass the rules the provider's steward declared (e.g.
//!   出生日期 equals the date inside 公民身份号码), over records the rules apply to.
//!
//! The score is 100 × the weighted mean of the components that can be measured.
use serde::{Deserialize, Serialize};

use crate::catalog::ResourceMeta;
use crate::error::{DomainError, Errors, FieldError};

/// Weights of completeness, validity, uniqueness, timeliness, consistency.
pub const WEIGHTS: [f64; 5] = [0.3, 0.2, 0.1, 0.2, 0.2];

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Components {
    pub completeness: Option<f64>,
    pub validity: Option<f64>,
    pub uniqueness: Option<f64>,
    pub timeliness: Option<f64>,
    pub consistency: Option<f64>,
}

impl Components {
    /// 0–100, one decimal; `None` when nothing can be measured (no data yet).
    pub fn score(&self) -> Option<f64> {
        let parts = [
            self.completeness,
            self.validity,
            self.uniqueness,
            self.timeliness,
            self.consistency,
        ];
        let (mut sum, mut weight) = (0.0, 0.0);
        for (v, w) in parts.iter().zip(WEIGHTS) {
            if let Some(v) = v {
                sum += v * w;
                weight += w;
            }
        }
        (weight > 0.0).then(|| (sum / weight * 1000.0).round() / 10.0)
    }
}

/// A consistency rule a steward declares on a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// The date item equals the birth date inside the 公民身份号码 item.
    BirthDateMatchesId { id_item: String, date_item: String },
    /// Two items are equal (e.g. 户籍地址 and 居住地址 copies kept by one system).
    Equal { left: String, right: String },
}

impl Rule {
    fn items(&self) -> [&str; 2] {
        match self {
            Rule::BirthDateMatchesId { id_item, date_item } => [id_item, date_item],
            Rule::Equal { left, right } => [left, right],
        }
    }

    /// Whether a record passes; `None` when an item it compares is empty (completeness
    /// counts that, not consistency).
    pub fn check(&self, value: impl Fn(&str) -> Option<String>) -> Option<bool> {
        let [a, b] = self.items();
        let (a, b) = (value(a)?, value(b)?);
        Some(match self {
            Rule::BirthDateMatchesId { .. } => birth_date_of_id(&a).is_some_and(|d| d == b),
            Rule::Equal { .. } => a == b,
        })
    }
}

/// The birth date (YYYY-MM-DD) written inside an 18-digit 公民身份号码.
pub fn birth_date_of_id(id: &str) -> Option<String> {
    let d = id.get(6..14)?;
    d.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| format!("{}-{}-{}", &d[0..4], &d[4..6], &d[6..8]))
}

/// At most this many rules a resource.
pub const MAX_RULES: usize = 20;

/// Every problem of a resource's rules at once: each item must be one of the resource's.
pub fn validate_rules(meta: &ResourceMeta, rules: &[Rule]) -> Result<(), DomainError> {
    let mut errs = Errors::default();
    if rules.len() > MAX_RULES {
        errs.push(FieldError::new(
            "rules",
            "too_many",
            format!("一个资源最多 {MAX_RULES} 条一致性规则"),
            format!("a resource has at most {MAX_RULES} consistency rules"),
        ));
    }
    for (i, r) in rules.iter().enumerate() {
        for (j, item) in r.items().iter().enumerate() {
            if !meta.items.iter().any(|it| it.code == *item) {
                errs.push(FieldError::new(
                    format!("rules[{i}].{}", ["left", "right"][j]),
                    "unknown_field",
                    format!("资源没有信息项「{item}」"),
                    format!("the resource has no field `{item}`"),
                ));
            }
        }
    }
    errs.into_result()
}

/// Counts over a resource's live records, one record at a time.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    required: Vec<String>,
    rules: Vec<Rule>,
    pub records: u64,
    pub cells_due: u64,
    pub cells_filled: u64,
    pub rule_checks: u64,
    pub rule_passes: u64,
}

impl Tally {
    pub fn new(meta: &ResourceMeta, rules: Vec<Rule>) -> Tally {
        let required = meta
            .items
            .iter()
            .filter(|i| i.required || meta.key_fields.contains(&i.code))
            .map(|i| i.code.clone())
            .collect();
        Tally {
            required,
            rules,
            ..Default::default()
        }
    }

    /// Adds one record, given how to read an item's value (`None` when empty).
    pub fn add(&mut self, value: impl Fn(&str) -> Option<String>) {
        self.records += 1;
        for item in &self.required {
            self.cells_due += 1;
            if value(item).is_some() {
                self.cells_filled += 1;
            }
        }
        for r in &self.rules {
            if let Some(ok) = r.check(&value) {
                self.rule_checks += 1;
                if ok {
                    self.rule_passes += 1;
                }
            }
        }
    }

    /// The components, given the collection history's row counts and the freshness.
    pub fn components(
        &self,
        rows_read: u64,
        rows_rejected: u64,
        duplicates: u64,
        stale: Option<bool>,
    ) -> Components {
        let share = |part: u64, whole: u64| (whole > 0).then(|| part as f64 / whole as f64);
        Components {
            completeness: share(self.cells_filled, self.cells_due),
            validity: share(rows_read.saturating_sub(rows_rejected), rows_read),
            uniqueness: share(rows_read.saturating_sub(duplicates), rows_read),
            timeliness: stale.map(|s| if s { 0.0 } else { 1.0 }),
            consistency: share(self.rule_passes, self.rule_checks),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_weighs_the_components_that_can_be_measured() {
        let all = Components {
            completeness: Some(1.0),
            validity: Some(0.5),
            uniqueness: Some(1.0),
            timeliness: Some(0.0),
            consistency: Some(1.0),
        };
        // 0.3 + 0.1 + 0.1 + 0 + 0.2 = 0.7
        assert_eq!(all.score(), Some(70.0));
        let some = Components {
            completeness: Some(0.5),
            timeliness: Some(1.0),
            ..Default::default()
        };
        // (0.15 + 0.2) / 0.5
        assert_eq!(some.score(), Some(70.0));
        assert_eq!(Components::default().score(), None);
    }

    #[test]
    fn rules_compare_filled_values_only() {
        let r = Rule::BirthDateMatchesId {
            id_item: "GMSFHM".into(),
            date_item: "CSRQ".into(),
        };
        let rec = |id: &'static str, d: Option<&'static str>| {
            move |k: &str| match k {
                "GMSFHM" => Some(id.to_string()),
                "CSRQ" => d.map(String::from),
                _ => None,
            }
        };
        assert_eq!(
            r.check(rec("11010519491231002X", Some("1949-12-31"))),
            Some(true)
        );
        assert_eq!(
            r.check(rec("11010519491231002X", Some("1950-01-01"))),
            Some(false)
        );
        assert_eq!(r.check(rec("11010519491231002X", None)), None);
        assert_eq!(birth_date_of_id("110105"), None);
        let mut t = Tally {
            required: vec!["GMSFHM".into(), "CSRQ".into()],
            rules: vec![r],
            ..Default::default()
        };
        t.add(rec("11010519491231002X", Some("1949-12-31")));
        t.add(rec("11010519491231002X", None));
        let c = t.components(4, 1, 1, Some(false));
        assert_eq!(c.completeness, Some(0.75));
        assert_eq!(c.consistency, Some(1.0));
        assert_eq!((c.validity, c.uniqueness), (Some(0.75), Some(0.75)));
    }
}
