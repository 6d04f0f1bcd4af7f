//! Exchange (交换): what a consumer system may see of a resource under its grants, and
//! verification without disclosure (核验). No I/O: the store reads grants and records.
use serde::Serialize;

use crate::catalog::{Grade, ResourceMeta};
use crate::collect::check_value;
use crate::error::{DomainError, FieldError};

/// Keys per batch lookup.
pub const MAX_KEYS: usize = 1000;

/// How a system may use each granted field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldUse {
    /// Fields whose values may be returned.
    pub clear: Vec<String>,
    /// 核心 fields: only ever verified (match / no match), never returned.
    pub verify_only: Vec<String>,
}

/// Splits granted fields into those that may leave in clear and the 核心 ones that may only
/// be verified. Fields the catalog no longer has are dropped.
pub fn field_use(meta: &ResourceMeta, granted: &[String]) -> FieldUse {
    let mut clear = Vec::new();
    let mut verify_only = Vec::new();
    for item in &meta.items {
        if !granted.contains(&item.code) {
            continue;
        }
        if item.grade == Grade::Core {
            verify_only.push(item.code.clone());
        } else {
            clear.push(item.code.clone());
        }
    }
    FieldUse { clear, verify_only }
}

/// The fields a lookup returns: the ones asked for (all clear ones by default), each of which
/// must be granted and not 核心.
pub fn fields_for_lookup(
    meta: &ResourceMeta,
    uses: &FieldUse,
    asked: Option<&[String]>,
) -> Result<Vec<String>, DomainError> {
    let Some(asked) = asked else {
        return Ok(uses.clear.clone());
    };
    let mut out = Vec::new();
    for f in asked {
        let f = f.trim();
        if uses.clear.iter().any(|c| c == f) {
            out.push(f.to_string());
        } else if uses.verify_only.iter().any(|c| c == f) {
            return Err(core_field(f));
        } else {
            return Err(not_granted(meta, f));
        }
    }
    Ok(out)
}

fn core_field(f: &str) -> DomainError {
    DomainError::forbidden(
        "core_field_verify_only",
        format!("「{f}」为核心数据，只能通过核验接口比对，不能获取原值"),
        format!("`{f}` is graded 核心 (core): it can only be verified, never returned"),
    )
}

fn not_granted(meta: &ResourceMeta, f: &str) -> DomainError {
    let known = meta.items.iter().any(|i| i.code == f);
    DomainError::forbidden(
        "field_not_granted",
        if known {
            format!("授权中不含信息项「{f}」：请在共享申请中申请该项")
        } else {
            format!("资源中没有信息项「{f}」")
        },
        if known {
            format!("your grant does not include `{f}`: apply for it")
        } else {
            format!("the resource has no item `{f}`")
        },
    )
}

/// The answer for one claimed field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Match,
    NoMatch,
    /// No record with that key (or it was deleted).
    NoRecord,
}

/// Compares claimed values with the stored ones, field by field, after normalising each
/// claim the way collection normalises stored values (so 1990/01/01 and 1990-01-01 agree).
/// Claims on fields outside the grant are refused; nothing stored is ever returned.
pub fn verify(
    meta: &ResourceMeta,
    uses: &FieldUse,
    claims: &[(String, String)],
    stored: Option<&serde_json::Map<String, serde_json::Value>>,
    today: time::Date,
) -> Result<Vec<(String, Verdict)>, DomainError> {
    if claims.is_empty() {
        return Err(DomainError::one(FieldError::new(
            "claims",
            "required",
            "请给出要核验的信息项及其值",
            "give the items and values to verify",
        )));
    }
    let mut out = Vec::with_capacity(claims.len());
    let mut bad = Vec::new();
    for (field, claimed) in claims {
        let granted = uses
            .clear
            .iter()
            .chain(&uses.verify_only)
            .any(|c| c == field);
        if !granted {
            return Err(not_granted(meta, field));
        }
        let Some(item) = meta.items.iter().find(|i| &i.code == field) else {
            return Err(not_granted(meta, field));
        };
        let normal = match check_value(item, false, claimed, today) {
            Ok(v) => v.unwrap_or_default(),
            Err(r) => {
                bad.push(FieldError::new(
                    format!("claims.{field}"),
                    r.reason,
                    r.zh,
                    r.en,
                ));
                continue;
            }
        };
        let verdict = match stored {
            None => Verdict::NoRecord,
            Some(data) => match data.get(field).and_then(|v| v.as_str()) {
                Some(v) if v == normal => Verdict::Match,
                _ => Verdict::NoMatch,
            },
        };
        out.push((field.clone(), verdict));
    }
    if !bad.is_empty() {
        return Err(DomainError::invalid(bad));
    }
    Ok(out)
}
