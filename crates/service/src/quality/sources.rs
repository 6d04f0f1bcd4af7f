//! 一数一源 (core::quality::source): the operator's authoritative sources, and the duplicate
//! collection they reveal among published resources.
use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::catalog::ResourceMeta;
use shuqiao_core::quality::source::{self, Authoritative, Catalogued, Duplicate, SubjectKind};

use super::registry::{element_not_found, load_elements};
use crate::catalog::shareable;
use crate::db::Conn;
use crate::share::events::{emit, Actor, Event};
use crate::{from_json, params, Result, Store};

/// An authoritative source with who named it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceView {
    #[serde(flatten)]
    pub source: Authoritative,
    pub set_by: String,
    pub set_at: i64,
}

fn load_sources(c: &mut dyn Conn) -> Result<Vec<SourceView>> {
    let rows = c.query(
        "SELECT s.element, s.subject_kind, s.resource, r.provider, s.set_by, s.set_at
         FROM element_sources s JOIN resources r ON r.code = s.resource ORDER BY s.element, s.subject_kind",
        &[],
    )?;
    rows.iter()
        .map(|r| {
            Ok(SourceView {
                source: Authoritative {
                    element: r.text(0)?,
                    subject_kind: SubjectKind::parse(&r.text(1)?).unwrap_or(SubjectKind::Other),
                    resource: r.text(2)?,
                    provider: r.text(3)?,
                },
                set_by: r.text(4)?,
                set_at: r.int(5)?,
            })
        })
        .collect()
}

/// Every published, not retired resource with its published description.
fn published(c: &mut dyn Conn) -> Result<Vec<(String, String, ResourceMeta)>> {
    c.query(
        "SELECT r.code, r.provider, v.meta FROM resources r
         JOIN resource_versions v ON v.code = r.code AND v.version = r.published_version
         WHERE r.retired = 0 ORDER BY r.code",
        &[],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.text(1)?, from_json(&r.text(2)?)?)))
    .collect()
}

impl Store {
    /// The operator names `resource` the authoritative source of `element` for one kind of
    /// subject (replacing an earlier one); sealed.
    pub async fn designate_source(
        &self,
        p: Principal,
        element: String,
        kind: SubjectKind,
        resource: String,
    ) -> Result<SourceView> {
        source::require_designator(&p)?;
        let now = self.now();
        self.write(move |c| designate_tx(c, &p, &element, kind, &resource, now))
            .await
    }

    pub async fn authoritative_sources(&self, p: Principal) -> Result<Vec<SourceView>> {
        p.require_authenticated()?;
        self.read(load_sources).await
    }

    /// Duplicate collection (重复采集) among published resources, or only `resource`'s:
    /// each names the authoritative source consumers should use instead.
    pub async fn duplicate_collection(
        &self,
        p: Principal,
        resource: Option<String>,
    ) -> Result<Vec<Duplicate>> {
        p.require_authenticated()?;
        self.read(move |c| {
            let auth: Vec<Authoritative> = load_sources(c)?.into_iter().map(|s| s.source).collect();
            let all = published(c)?;
            let resources: Vec<Catalogued<'_>> = all
                .iter()
                .filter(|(code, _, _)| resource.as_deref().is_none_or(|r| r == code))
                .map(|(code, provider, meta)| Catalogued {
                    code,
                    provider,
                    meta,
                })
                .collect();
            Ok(source::duplicates(&auth, &resources))
        })
        .await
    }
}

/// [`Store::designate_source`] inside the caller's transaction (the demo names its sources
/// through it too).
pub(crate) fn designate_tx(
    c: &mut dyn Conn,
    p: &Principal,
    element: &str,
    kind: SubjectKind,
    resource: &str,
    now: i64,
) -> Result<SourceView> {
    if !load_elements(c)?
        .iter()
        .any(|e| e.element.identifier == element)
    {
        return Err(element_not_found(element));
    }
    let target = shareable(c, resource)?;
    source::check_designation(element, kind, &target.meta)?;
    c.execute(
        "DELETE FROM element_sources WHERE element = $1 AND subject_kind = $2",
        params![element, kind.as_str()],
    )?;
    c.execute(
        "INSERT INTO element_sources (element, subject_kind, resource, set_by, set_at) VALUES ($1, $2, $3, $4, $5)",
        params![element, kind.as_str(), resource, p.actor(), now],
    )?;
    let note = format!("{element} {} → {resource}", kind.as_str());
    emit(
        c,
        &Actor::of(p),
        Event {
            kind: "element_source.set",
            subject_type: "element_source",
            subject_id: 0,
            resource: Some(resource),
            resource_version: None,
            grant: None,
            reason: Some(&note),
            notify: vec![target.provider.clone()],
            title_zh: format!("资源 {resource} 被确定为数据元 {element} 的权威来源"),
            title_en: format!("{resource} named the authoritative source of {element}"),
        },
        now,
    )?;
    load_sources(c)?
        .into_iter()
        .find(|s| s.source.element == element && s.source.subject_kind == kind)
        .ok_or_else(|| crate::db::DbError::Other("designation vanished".into()).into())
}
