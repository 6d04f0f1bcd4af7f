//! 一数一源: each data element has one authoritative resource per kind of subject (e.g.
//! 姓名 of a person → 公安厅's population resource). Another department's resource that
//! collects the same element for the same kind of subject is 重复采集 (duplicate
//! collection); consumers are pointed to the authoritative source.
//!
//! An element used in a resource's key is how its records are joined to others (a social
//! security record keyed by 公民身份号码), not data collected again, so key items never count.
use serde::{Deserialize, Serialize};

use crate::account::Principal;
use crate::catalog::ResourceMeta;
use crate::collect::{semantic_of, Semantic};
use crate::error::DomainError;

/// Whose records a resource holds, told by its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Person,
    Company,
    Other,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 3] = [
        SubjectKind::Person,
        SubjectKind::Company,
        SubjectKind::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Person => "person",
            SubjectKind::Company => "company",
            SubjectKind::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<SubjectKind> {
        SubjectKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A resource keyed by 公民身份号码 holds people; by 统一社会信用代码, companies.
pub fn subject_kind(meta: &ResourceMeta) -> SubjectKind {
    let key_semantics: Vec<Semantic> = meta
        .items
        .iter()
        .filter(|i| meta.key_fields.contains(&i.code))
        .map(semantic_of)
        .collect();
    if key_semantics.contains(&Semantic::IdNumber) {
        SubjectKind::Person
    } else if key_semantics.contains(&Semantic::CreditCode) {
        SubjectKind::Company
    } else {
        SubjectKind::Other
    }
}

/// The elements a resource collects: (element, item code) of each non-key item linked to
/// a data element.
pub fn collected_elements(meta: &ResourceMeta) -> Vec<(String, String)> {
    meta.items
        .iter()
        .filter(|i| !meta.key_fields.contains(&i.code))
        .filter_map(|i| i.element.clone().map(|e| (e, i.code.clone())))
        .collect()
}

/// The operator's designation of an authoritative source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authoritative {
    pub element: String,
    pub subject_kind: SubjectKind,
    pub resource: String,
    pub provider: String,
}

/// One resource's view as the check needs it.
pub struct Catalogued<'a> {
    pub code: &'a str,
    pub provider: &'a str,
    pub meta: &'a ResourceMeta,
}

/// A resource collecting an element another department is the authoritative source of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    pub element: String,
    pub subject_kind: SubjectKind,
    pub resource: String,
    pub provider: String,
    pub item: String,
    pub authoritative_resource: String,
    pub authoritative_provider: String,
}

/// Every duplicate collection among `resources`, in resource then element order. The
/// authoritative provider's own other resources are its business, not duplicates.
pub fn duplicates(authoritative: &[Authoritative], resources: &[Catalogued<'_>]) -> Vec<Duplicate> {
    let mut out = Vec::new();
    for r in resources {
        let kind = subject_kind(r.meta);
        for (element, item) in collected_elements(r.meta) {
            let Some(a) = authoritative
                .iter()
                .find(|a| a.element == element && a.subject_kind == kind)
            else {
                continue;
            };
            if a.resource == r.code || a.provider == r.provider {
                continue;
            }
            out.push(Duplicate {
                element,
                subject_kind: kind,
                resource: r.code.to_string(),
                provider: r.provider.to_string(),
                item,
                authoritative_resource: a.resource.clone(),
                authoritative_provider: a.provider.clone(),
            });
        }
    }
    out
}

/// The resource named authoritative must collect the element for that kind of subject.
pub fn check_designation(
    element: &str,
    kind: SubjectKind,
    meta: &ResourceMeta,
) -> Result<(), DomainError> {
    let holds = meta
        .items
        .iter()
        .any(|i| i.element.as_deref() == Some(element));
    if holds && subject_kind(meta) == kind {
        return Ok(());
    }
    Err(DomainError::one(crate::error::FieldError::new(
        "resource",
        "not_a_source_of",
        format!(
            "该资源没有关联数据元 {element} 的信息项，或其主体类型不是 {}",
            kind.as_str()
        ),
        format!(
            "the resource has no item linked to {element}, or does not hold {} records",
            kind.as_str()
        ),
    )))
}

/// Only the operator designates authoritative sources.
pub fn require_designator(p: &Principal) -> Result<(), DomainError> {
    p.require_platform_admin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(key: &str, items: &[(&str, &str, Option<&str>)]) -> ResourceMeta {
        let items: Vec<serde_json::Value> = items
            .iter()
            .map(|(name, code, el)| {
                let mut v = serde_json::json!({"name": name, "code": code, "type": "string", "grade": "general"});
                if let Some(e) = el {
                    v["element"] = serde_json::json!(e);
                }
                v
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "classification": {"category": "base", "class_code": "01", "subclass_code": "001"},
            "name": "r", "provider": "p", "summary": "s", "format": "database",
            "items": items, "key_fields": [key], "share_type": "conditional",
            "open_type": "closed", "update_cycle": "daily"
        }))
        .unwrap()
    }

    #[test]
    fn another_department_collecting_an_element_for_the_same_subjects_is_a_duplicate() {
        let population = meta(
            "GMSFHM",
            &[
                ("公民身份号码", "GMSFHM", Some("GMSFHM")),
                ("姓名", "XM", Some("XM")),
            ],
        );
        let welfare = meta(
            "GMSFHM",
            &[
                ("公民身份号码", "GMSFHM", Some("GMSFHM")),
                ("姓名", "XM", Some("XM")),
                ("金额", "JE", None),
            ],
        );
        let companies = meta(
            "TYSHXYDM",
            &[
                ("统一社会信用代码", "TYSHXYDM", None),
                ("法定代表人", "FDDBR", Some("XM")),
            ],
        );
        assert_eq!(subject_kind(&population), SubjectKind::Person);
        assert_eq!(subject_kind(&companies), SubjectKind::Company);
        assert_eq!(
            collected_elements(&welfare),
            [("XM".to_string(), "XM".to_string())]
        );
        let auth = [Authoritative {
            element: "XM".into(),
            subject_kind: SubjectKind::Person,
            resource: "POP".into(),
            provider: "gat".into(),
        }];
        let resources = [
            Catalogued {
                code: "POP",
                provider: "gat",
                meta: &population,
            },
            Catalogued {
                code: "POP2",
                provider: "gat",
                meta: &population,
            },
            Catalogued {
                code: "WEL",
                provider: "mzt",
                meta: &welfare,
            },
            Catalogued {
                code: "COM",
                provider: "scj",
                meta: &companies,
            },
        ];
        let d = duplicates(&auth, &resources);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            (
                d[0].resource.as_str(),
                d[0].item.as_str(),
                d[0].authoritative_resource.as_str()
            ),
            ("WEL", "XM", "POP")
        );
        assert!(check_designation("XM", SubjectKind::Person, &population).is_ok());
        assert!(check_designation("XM", SubjectKind::Company, &population).is_err());
        assert!(check_designation("MZDM", SubjectKind::Person, &population).is_err());
    }
}
