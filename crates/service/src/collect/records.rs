//! Collected records: the current view and the history of each key, with the batch that put
//! every version there. Reading personal data is itself sealed in the audit log first.
use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::audit::entry::{Entry, SubjectKind};
use shuqiao_core::collect::{require_record_reader, semantic_of, Semantic};
use shuqiao_core::DomainError;

use super::load_target;
use crate::db::{Conn, Row};
use crate::{params, Result, Store};

/// One state of a record, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordVersion {
    pub resource: String,
    pub key: String,
    /// The version's id: increases with every change on the platform.
    pub version: i64,
    /// `insert`, `update` or `delete`.
    pub op: String,
    /// The values (item code → text); `None` for a deletion.
    pub data: Option<serde_json::Value>,
    /// When the platform started holding this state.
    pub at: i64,
    pub batch: i64,
    /// The row of the batch's source that carried it (none for a snapshot's deletions).
    pub row: Option<i64>,
    pub channel: String,
    pub source: String,
    pub source_system: Option<String>,
}

const VERSION_SELECT: &str = "SELECT v.id, v.record_key, v.op, v.data, v.at, v.batch, v.row_no, b.channel, b.source, b.source_system, v.prev
     FROM record_versions v JOIN collect_batches b ON b.id = v.batch WHERE v.id = $1";

fn version_from_row(resource: &str, r: &Row) -> Result<(RecordVersion, Option<i64>)> {
    let data = match r.opt_text(3)? {
        Some(t) => Some(crate::from_json(&t)?),
        None => None,
    };
    Ok((
        RecordVersion {
            resource: resource.to_string(),
            key: r.text(1)?,
            version: r.int(0)?,
            op: r.text(2)?,
            data,
            at: r.int(4)?,
            batch: r.int(5)?,
            row: r.opt_int(6)?,
            channel: r.text(7)?,
            source: r.text(8)?,
            source_system: r.opt_text(9)?,
        },
        r.opt_int(10)?,
    ))
}

fn record_not_found(resource: &str, key: &str) -> crate::StoreError {
    DomainError::not_found(
        "record_not_found",
        format!("资源 {resource} 中没有主键为 {key} 的记录"),
        format!("resource {resource} holds no record with key {key}"),
    )
    .into()
}

/// The versions of `key`, newest first, walking the chain back from the current one.
fn versions(
    c: &mut dyn Conn,
    resource: &str,
    key: &str,
    mut stop: impl FnMut(&RecordVersion) -> bool,
) -> Result<Vec<RecordVersion>> {
    let mut next = c
        .query_one(
            "SELECT version FROM records WHERE resource = $1 AND record_key = $2",
            params![resource, key],
        )?
        .map(|r| r.int(0))
        .transpose()?;
    let mut out = Vec::new();
    while let Some(id) = next {
        let Some(row) = c.query_one(VERSION_SELECT, params![id])? else {
            break;
        };
        let (v, prev) = version_from_row(resource, &row)?;
        let done = stop(&v);
        out.push(v);
        if done {
            break;
        }
        next = prev;
    }
    Ok(out)
}

impl Store {
    /// What the platform held for `key`: now, or at time `at` (milliseconds), with the batch
    /// that put it there. A key deleted by then answers with its deletion.
    pub async fn record_at(
        &self,
        p: Principal,
        resource: &str,
        key: &str,
        at: Option<i64>,
    ) -> Result<RecordVersion> {
        let (resource, key) = (resource.to_string(), key.to_string());
        let (found, entry) = self
            .read({
                let (p, resource, key) = (p.clone(), resource.clone(), key.clone());
                move |c| {
                    let target = load_target(c, &resource)?;
                    require_record_reader(&p, &target.meta.provider)?;
                    let chain = versions(c, &resource, &key, |v| at.is_none_or(|t| v.at <= t))?;
                    let found = chain
                        .into_iter()
                        .next_back()
                        .filter(|v| at.is_none_or(|t| v.at <= t));
                    Ok((found, subject_kind(&target.meta)))
                }
            })
            .await?;
        self.seal_read(&p, &resource, &key, entry, "collect.read")
            .await?;
        found.ok_or_else(|| record_not_found(&resource, &key))
    }

    /// Every version of `key`, newest first.
    pub async fn record_history(
        &self,
        p: Principal,
        resource: &str,
        key: &str,
    ) -> Result<Vec<RecordVersion>> {
        let (resource, key) = (resource.to_string(), key.to_string());
        let (chain, kind) = self
            .read({
                let (p, resource, key) = (p.clone(), resource.clone(), key.clone());
                move |c| {
                    let target = load_target(c, &resource)?;
                    require_record_reader(&p, &target.meta.provider)?;
                    Ok((
                        versions(c, &resource, &key, |_| false)?,
                        subject_kind(&target.meta),
                    ))
                }
            })
            .await?;
        self.seal_read(&p, &resource, &key, kind, "collect.history")
            .await?;
        if chain.is_empty() {
            return Err(record_not_found(&resource, &key));
        }
        Ok(chain)
    }

    /// Seals the read in the audit log before any data is returned (fail closed).
    async fn seal_read(
        &self,
        p: &Principal,
        resource: &str,
        key: &str,
        kind: Option<SubjectKind>,
        action: &str,
    ) -> Result<()> {
        let subjects = match kind {
            Some(k) => vec![self.audit.subject_key(k, key)?],
            None => Vec::new(),
        };
        let (org, system, person) = crate::catalog::actor_parts(p);
        self.audit
            .submit(vec![Entry {
                time: self.now(),
                actor_org: org,
                actor_system: system,
                actor_person: person,
                action: action.to_string(),
                resource: Some(resource.to_string()),
                resource_version: None,
                grant: None,
                purpose: Some("数据归集核查 collection check".into()),
                result: "ok".into(),
                subjects,
            }])
            .await?;
        Ok(())
    }
}

/// Whose data a key identifies, when its only key field is an ID number or credit code.
pub(crate) fn subject_kind(meta: &shuqiao_core::catalog::ResourceMeta) -> Option<SubjectKind> {
    let [key] = meta.key_fields.as_slice() else {
        return None;
    };
    let item = meta.items.iter().find(|i| &i.code == key)?;
    match semantic_of(item) {
        Semantic::IdNumber => Some(SubjectKind::Person),
        Semantic::CreditCode => Some(SubjectKind::Company),
        _ => None,
    }
}
