//! Quality (质量): the data-element registry and its code sets (数据元与代码集) and reading
//! files as departments really export them; the loop from the data's users back to its
//! provider — objections to wrong records (校核纠错) with deadlines and escalation, needs that
//! find no resource yet — and the scores. No I/O: the store loads, asks these rules, writes.
pub mod elements;
pub mod layout;
pub mod objection;
pub mod score;
pub mod source;

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Errors, FieldError};

/// The operator's quality settings: working days to answer an objection, and to catalogue
/// and share data a confirmed need found no resource for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualitySettings {
    pub objection_days: u32,
    pub need_days: u32,
}

impl Default for QualitySettings {
    fn default() -> Self {
        QualitySettings {
            objection_days: 5,
            need_days: 15,
        }
    }
}

impl QualitySettings {
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errs = Errors::default();
        for (field, v, max) in [
            ("objection_days", self.objection_days, 60),
            ("need_days", self.need_days, 90),
        ] {
            if !(1..=max).contains(&v) {
                errs.push(FieldError::new(
                    field,
                    "out_of_range",
                    format!("工作日数应在 1 到 {max} 之间"),
                    format!("working days must be between 1 and {max}"),
                ));
            }
        }
        errs.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_bounded_and_default_to_the_plan() {
        let d = QualitySettings::default();
        assert_eq!((d.objection_days, d.need_days), (5, 15));
        assert!(d.validate().is_ok());
        let bad = QualitySettings {
            objection_days: 0,
            need_days: 91,
        };
        let DomainError::Invalid(errs) = bad.validate().unwrap_err() else {
            panic!()
        };
        assert_eq!(errs.len(), 2);
    }
}
