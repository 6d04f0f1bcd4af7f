//! Organisations: governments, their departments and internal units, and the platform operator.
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Errors, FieldError};
use crate::{ident, region};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 人民政府 (province, city or county)
    Government,
    /// 政府部门 / 直属机构
    Department,
    /// 内设机构 (处室、中心)
    Unit,
    /// 平台运营方 (省大数据管理局): a department that also runs the platform.
    Operator,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Government => "government",
            OrgKind::Department => "department",
            OrgKind::Unit => "unit",
            OrgKind::Operator => "operator",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "government" => OrgKind::Government,
            "department" => OrgKind::Department,
            "unit" => OrgKind::Unit,
            "operator" => OrgKind::Operator,
            _ => return None,
        })
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            OrgKind::Government => "人民政府",
            OrgKind::Department => "政府部门",
            OrgKind::Unit => "内设机构",
            OrgKind::Operator => "平台运营方",
        }
    }
    /// Departments and the operator can provide and consume data.
    pub fn is_department_like(self) -> bool {
        matches!(self, OrgKind::Department | OrgKind::Operator)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    /// Stable short code, e.g. `hi-gat`.
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: OrgKind,
    pub parent: Option<String>,
    pub region: String,
    /// 统一社会信用代码
    pub credit_code: Option<String>,
}

pub fn is_valid_code(code: &str) -> bool {
    let len = code.len();
    (2..=40).contains(&len)
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && code.as_bytes()[0].is_ascii_alphanumeric()
}

/// Validates a new organisation against its parent (already looked up by the caller).
/// `credit_code_override` lets an audited override admit a real code that fails its check.
pub fn validate_new(
    org: &Org,
    parent: Option<&Org>,
    credit_code_override: bool,
) -> Result<(), DomainError> {
    let mut errs = Errors::default();
    if !is_valid_code(&org.code) {
        errs.push(FieldError::new(
            "code",
            "invalid_code",
            "机构代码须为 2–40 位小写字母、数字或连字符，如 hi-gat",
            "the organisation code must be 2–40 lower-case letters, digits or hyphens, e.g. hi-gat",
        ));
    }
    errs.name("name", "机构名称", &org.name, 100);
    errs.name("name_en", "英文名称", &org.name_en, 200);
    if region::find(&org.region).is_none() {
        errs.push(FieldError::new(
            "region",
            "unknown_region",
            format!("行政区划代码 {} 不在 GB/T 2260 区划表中", org.region),
            format!("region code {} is not in the GB/T 2260 table", org.region),
        ));
    }
    if let Some(cc) = &org.credit_code {
        if !credit_code_override {
            if let Some(e) = ident::credit_code_error("credit_code", cc) {
                errs.push(e);
            }
        }
    }
    check_parent(org, parent, &mut errs);
    errs.into_result()
}

fn check_parent(org: &Org, parent: Option<&Org>, errs: &mut Errors) {
    let ok = match (org.kind, parent) {
        (OrgKind::Government, None) => true,
        (OrgKind::Government, Some(p)) => {
            p.kind == OrgKind::Government
                && region::is_within(&org.region, &p.region)
                && org.region != p.region
        }
        (OrgKind::Department | OrgKind::Operator, Some(p)) => p.kind == OrgKind::Government,
        (OrgKind::Unit, Some(p)) => p.kind.is_department_like(),
        _ => false,
    };
    if !ok {
        errs.push(FieldError::new(
            "parent",
            "invalid_parent",
            "上级机构不符合层级：政府部门隶属于人民政府，内设机构隶属于部门，下级政府隶属于上级政府",
            "the parent does not fit the hierarchy: departments belong to a government, units to a department, lower governments to a higher government",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gov() -> Org {
        Org {
            code: "hi-gov".into(),
            name: "海南省人民政府".into(),
            name_en: "Hainan Provincial Government".into(),
            kind: OrgKind::Government,
            parent: None,
            region: "460000".into(),
            credit_code: None,
        }
    }

    #[test]
    fn department_under_government_is_valid() {
        let d = Org {
            code: "hi-gat".into(),
            kind: OrgKind::Department,
            parent: Some("hi-gov".into()),
            name: "公安厅".into(),
            ..gov()
        };
        assert!(validate_new(&d, Some(&gov()), false).is_ok());
    }

    #[test]
    fn unit_under_government_is_refused() {
        let u = Org {
            code: "hi-x".into(),
            kind: OrgKind::Unit,
            parent: Some("hi-gov".into()),
            ..gov()
        };
        let Err(DomainError::Invalid(errs)) = validate_new(&u, Some(&gov()), false) else {
            panic!()
        };
        assert_eq!(errs[0].field, "parent");
    }

    #[test]
    fn bad_credit_code_is_refused_unless_overridden() {
        let o = Org {
            credit_code: Some("914403001922038217".into()),
            ..gov()
        };
        assert!(validate_new(&o, None, false).is_err());
        assert!(validate_new(&o, None, true).is_ok());
    }
}
