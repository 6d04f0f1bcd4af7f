//! 校核纠错: a consumer flags a record (or some of its fields) as wrong; the provider corrects
//! it through collection or disputes it; the flagger confirms or contests; the operator
//! arbitrates a contested one. Overdue objections go to the operator's supervision list.
use serde::{Deserialize, Serialize};

use crate::account::{Principal, Role};
use crate::catalog::ResourceMeta;
use crate::error::{DomainError, Errors, FieldError};

/// Fields one objection may name.
pub const MAX_FIELDS: usize = 50;

/// What a consumer sends to flag a record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionInput {
    /// The resource code.
    pub resource: String,
    /// The record's key as the flagger knows it (in clear, or the pseudonym its answers
    /// carried).
    pub key: String,
    /// The 信息项 codes held to be wrong.
    pub fields: Vec<String>,
    pub reason: String,
    /// What shows it: a document number, the value the flagger holds, where it came from.
    #[serde(default)]
    pub evidence: Option<String>,
}

impl ObjectionInput {
    /// Every problem of the input at once, each naming its field.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errs = Errors::default();
        errs.text("resource", "资源代码", &self.resource, 64);
        errs.text("key", "记录主键", &self.key, 200);
        errs.text("reason", "异议理由", &self.reason, 2000);
        errs.opt_text("evidence", self.evidence.as_deref(), 4000);
        if self.fields.is_empty() {
            errs.push(FieldError::new(
                "fields",
                "required",
                "请至少指出一个有误的信息项",
                "name at least one field that is wrong",
            ));
        } else if self.fields.len() > MAX_FIELDS {
            errs.push(FieldError::new(
                "fields",
                "too_many",
                format!("一条异议最多指出 {MAX_FIELDS} 个信息项"),
                format!("one objection names at most {MAX_FIELDS} fields"),
            ));
        }
        for (i, f) in self.fields.iter().enumerate() {
            if f.trim().is_empty() {
                errs.push(FieldError::required(format!("fields[{i}]"), "信息项代码"));
            } else if self.fields[..i].contains(f) {
                errs.push(FieldError::new(
                    format!("fields[{i}]"),
                    "duplicate",
                    format!("信息项「{f}」重复"),
                    format!("field `{f}` is named twice"),
                ));
            }
        }
        errs.into_result()
    }
}

/// Where an objection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for the provider's answer, with a due date.
    Open,
    /// The provider corrected the record (a new version through collection).
    Corrected,
    /// The provider holds the data right, with a reason.
    Disputed,
    /// The flagger accepted the answer.
    Resolved,
    /// The flagger does not accept the answer: the operator arbitrates.
    Contested,
    /// The operator dismissed a contested objection.
    Dismissed,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Open,
        Status::Corrected,
        Status::Disputed,
        Status::Resolved,
        Status::Contested,
        Status::Dismissed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Corrected => "corrected",
            Status::Disputed => "disputed",
            Status::Resolved => "resolved",
            Status::Contested => "contested",
            Status::Dismissed => "dismissed",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Closed: nothing more is owed by anyone.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Resolved | Status::Dismissed)
    }
}

/// The provider's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Corrected,
    Disputed,
}

/// The flagger's response to the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    Confirm,
    Contest,
}

/// The operator's decision on a contested objection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ruling {
    /// The flagger is right: the provider owes a correction again, with a new due date.
    Upheld,
    Dismissed,
}

fn wrong_state(now: Status, doing_zh: &str, doing_en: &str) -> DomainError {
    DomainError::conflict(
        "objection_wrong_state",
        format!("该异议当前为「{}」，不能{doing_zh}", status_zh(now)),
        format!("the objection is {}: it cannot be {doing_en}", now.as_str()),
    )
}

pub fn status_zh(s: Status) -> &'static str {
    match s {
        Status::Open => "待答复",
        Status::Corrected => "已更正",
        Status::Disputed => "有异议",
        Status::Resolved => "已办结",
        Status::Contested => "提请裁决",
        Status::Dismissed => "已驳回",
    }
}

/// The provider answers an open objection.
pub fn answer(now: Status, a: Answer) -> Result<Status, DomainError> {
    match now {
        Status::Open => Ok(match a {
            Answer::Corrected => Status::Corrected,
            Answer::Disputed => Status::Disputed,
        }),
        other => Err(wrong_state(other, "答复", "answered")),
    }
}

/// The flagger confirms or contests the provider's answer.
pub fn respond(now: Status, r: Response) -> Result<Status, DomainError> {
    match now {
        Status::Corrected | Status::Disputed => Ok(match r {
            Response::Confirm => Status::Resolved,
            Response::Contest => Status::Contested,
        }),
        other => Err(wrong_state(
            other,
            "确认或提请裁决",
            "confirmed or contested",
        )),
    }
}

/// The operator rules on a contested objection.
pub fn arbitrate(now: Status, r: Ruling) -> Result<Status, DomainError> {
    match now {
        Status::Contested => Ok(match r {
            Ruling::Upheld => Status::Open,
            Ruling::Dismissed => Status::Dismissed,
        }),
        other => Err(wrong_state(other, "裁决", "ruled on")),
    }
}

/// Who may flag at all: a consumer system, or a person acting for a department (a consumer
/// user or a steward). Returns the organisations whose grants count.
pub fn flagger_orgs(p: &Principal) -> Result<Vec<String>, DomainError> {
    p.require_authenticated()?;
    match p {
        Principal::System { org, .. } => Ok(vec![org.clone()]),
        Principal::Person { roles, .. } => {
            let mut orgs: Vec<String> = roles
                .iter()
                .filter(|b| matches!(b.role, Role::ConsumerUser | Role::DataSteward))
                .map(|b| b.org.clone())
                .collect();
            orgs.dedup();
            if orgs.is_empty() {
                Err(DomainError::forbidden(
                    "not_a_consumer",
                    "只有使用数据的部门（数据使用人员、数据管理员或其信息系统）可以提出数据异议",
                    "only a consuming department (its users, stewards or systems) may flag data",
                ))
            } else {
                Ok(orgs)
            }
        }
        Principal::Anonymous => unreachable!("authenticated above"),
    }
}

/// No grant in force: the flagger has no business with the resource's records.
pub fn no_grant(resource: &str) -> DomainError {
    DomainError::forbidden(
        "no_grant",
        format!("没有资源 {resource} 的有效授权，不能对其数据提出异议：请先申请共享"),
        format!("no grant in force on {resource}: you cannot flag its data; apply for it first"),
    )
}

/// The flagged fields must be items of the resource the flagger's grants cover: an unknown
/// item is a mistake to fix (422); a known one outside the grants is refused (403) without
/// saying more about it than the flagger already named.
pub fn check_fields(
    meta: &ResourceMeta,
    granted: &[String],
    fields: &[String],
) -> Result<(), DomainError> {
    let mut errs = Errors::default();
    let mut outside = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        if !meta.items.iter().any(|it| it.code == *f) {
            errs.push(FieldError::new(
                format!("fields[{i}]"),
                "unknown_field",
                format!("资源没有信息项「{f}」：请用目录中的信息项代码"),
                format!("the resource has no field `{f}`: use the catalogue's field codes"),
            ));
        } else if !granted.contains(f) {
            outside.push(f.as_str());
        }
    }
    errs.into_result()?;
    if outside.is_empty() {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "field_not_granted",
            format!(
                "您的授权不包括信息项 {}，不能对其提出异议",
                outside.join("、")
            ),
            format!(
                "your grants do not cover {}: you cannot flag them",
                outside.join(", ")
            ),
        ))
    }
}

/// Who answers: a steward of the provider.
pub fn require_answerer(p: &Principal, provider: &str) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if p.has_role_in(Role::DataSteward, provider) {
        return Ok(());
    }
    Err(DomainError::forbidden(
        "not_provider_steward",
        format!("只有提供方（{provider}）的数据管理员可以答复对其数据的异议"),
        format!("only a data steward of the provider ({provider}) answers objections to its data"),
    ))
}

/// Who responds to the answer: the flagging department (any of its consumer users,
/// stewards or systems).
pub fn require_flagger(p: &Principal, flagger_org: &str) -> Result<(), DomainError> {
    let orgs = flagger_orgs(p)?;
    if orgs.iter().any(|o| o == flagger_org) {
        return Ok(());
    }
    Err(DomainError::forbidden(
        "not_the_flagger",
        "只有提出异议的部门可以确认答复或提请裁决",
        "only the department that raised the objection confirms or contests the answer",
    ))
}

/// Who sees an objection: the flagging department, the provider's stewards, the operator
/// and auditors.
pub fn may_see(p: &Principal, flagger_org: &str, provider: &str) -> bool {
    if p.is_platform_admin() || p.has_role(Role::Auditor) {
        return true;
    }
    if p.has_role_in(Role::DataSteward, provider) {
        return true;
    }
    flagger_orgs(p).is_ok_and(|orgs| orgs.iter().any(|o| o == flagger_org))
}

/// The note every answer, response and ruling carries: required, bounded.
pub fn validate_note(field: &str, what_zh: &str, note: &str) -> Result<(), DomainError> {
    let mut errs = Errors::default();
    errs.text(field, what_zh, note, 4000);
    errs.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::RoleBinding;

    fn person(role: Role, org: &str) -> Principal {
        Principal::Person {
            username: "u".into(),
            org: org.into(),
            roles: vec![RoleBinding {
                role,
                org: org.into(),
            }],
        }
    }

    fn input() -> ObjectionInput {
        ObjectionInput {
            resource: "R".into(),
            key: "k".into(),
            fields: vec!["XM".into()],
            reason: "姓名有误".into(),
            evidence: None,
        }
    }

    #[test]
    fn every_problem_of_an_input_is_reported_at_once() {
        let bad = ObjectionInput {
            resource: " ".into(),
            key: "".into(),
            fields: vec!["XM".into(), "XM".into(), " ".into()],
            reason: "".into(),
            evidence: None,
        };
        let DomainError::Invalid(errs) = bad.validate().unwrap_err() else {
            panic!()
        };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["resource", "key", "reason", "fields[1]", "fields[2]"]
        );
        assert!(input().validate().is_ok());
        let none = ObjectionInput {
            fields: vec![],
            ..input()
        };
        assert!(none.validate().is_err());
    }

    #[test]
    fn the_loop_moves_only_forward_from_each_state() {
        assert_eq!(
            answer(Status::Open, Answer::Corrected).unwrap(),
            Status::Corrected
        );
        assert_eq!(
            answer(Status::Open, Answer::Disputed).unwrap(),
            Status::Disputed
        );
        for s in [Status::Corrected, Status::Resolved, Status::Contested] {
            assert!(answer(s, Answer::Corrected).is_err(), "{s:?}");
        }
        assert_eq!(
            respond(Status::Disputed, Response::Contest).unwrap(),
            Status::Contested
        );
        assert_eq!(
            respond(Status::Corrected, Response::Confirm).unwrap(),
            Status::Resolved
        );
        assert!(respond(Status::Open, Response::Confirm).is_err());
        assert_eq!(
            arbitrate(Status::Contested, Ruling::Upheld).unwrap(),
            Status::Open
        );
        assert_eq!(
            arbitrate(Status::Contested, Ruling::Dismissed).unwrap(),
            Status::Dismissed
        );
        assert!(arbitrate(Status::Disputed, Ruling::Upheld).is_err());
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn who_may_flag_answer_respond_and_see() {
        assert!(flagger_orgs(&Principal::Anonymous).is_err());
        assert!(flagger_orgs(&person(Role::Auditor, "op")).is_err());
        assert_eq!(
            flagger_orgs(&person(Role::ConsumerUser, "c1")).unwrap(),
            ["c1"]
        );
        let sys = Principal::System {
            system: "c1-sys".into(),
            org: "c1".into(),
            token_id: 1,
        };
        assert_eq!(flagger_orgs(&sys).unwrap(), ["c1"]);
        assert!(require_answerer(&person(Role::DataSteward, "d-a"), "d-a").is_ok());
        assert!(require_answerer(&person(Role::DataSteward, "d-b"), "d-a").is_err());
        assert!(require_answerer(&person(Role::PlatformAdmin, "op"), "d-a").is_err());
        assert!(require_flagger(&sys, "c1").is_ok());
        assert!(require_flagger(&person(Role::ConsumerUser, "c2"), "c1").is_err());
        assert!(may_see(&person(Role::Auditor, "op"), "c1", "d-a"));
        assert!(may_see(&person(Role::DataSteward, "d-a"), "c1", "d-a"));
        assert!(!may_see(&person(Role::ConsumerUser, "c2"), "c1", "d-a"));
    }

    #[test]
    fn fields_outside_the_grant_are_refused_and_unknown_ones_named() {
        let meta: ResourceMeta = serde_json::from_value(serde_json::json!({
            "classification": {"category": "base", "class_code": "01", "subclass_code": "001"},
            "name": "人口", "provider": "d-a", "summary": "s", "format": "database",
            "items": [
                {"name": "公民身份号码", "code": "GMSFHM", "type": "string", "required": true, "grade": "core"},
                {"name": "姓名", "code": "XM", "type": "string", "grade": "important"},
                {"name": "住址", "code": "ZZ", "type": "string", "grade": "important"}
            ],
            "key_fields": ["GMSFHM"], "share_type": "conditional", "open_type": "closed",
            "update_cycle": "daily"
        }))
        .unwrap();
        let granted = vec!["GMSFHM".to_string(), "XM".to_string()];
        assert!(check_fields(&meta, &granted, &["XM".into()]).is_ok());
        let e = check_fields(&meta, &granted, &["ZZ".into()]).unwrap_err();
        assert!(matches!(
            e,
            DomainError::Forbidden {
                code: "field_not_granted",
                ..
            }
        ));
        let e = check_fields(&meta, &granted, &["XM".into(), "NOPE".into()]).unwrap_err();
        let DomainError::Invalid(errs) = e else {
            panic!()
        };
        assert_eq!(errs[0].field, "fields[1]");
    }
}
