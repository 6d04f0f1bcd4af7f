//! The data-element registry (数据元与代码集): the national elements and code sets shipped
//! with the program plus those the operator adds (sealed), and each resource's declared
//! labels for coded items (set by the provider's steward, sealed), which collection applies.
use serde::Serialize;
use shuqiao_core::account::Principal;
use shuqiao_core::catalog::{self, ResourceMeta};
use shuqiao_core::error::Errors;
use shuqiao_core::quality::elements::{
    self as el, CodeSet, DataElement, ItemChecks, ValueMappings,
};
use shuqiao_core::{DomainError, FieldError};

use crate::db::{Conn, DbError};
use crate::{from_json, params, to_json, Result, Store, StoreError};

/// A data element as listed: where it comes from, and who added it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElementView {
    #[serde(flatten)]
    pub element: DataElement,
    /// Shipped with the program (national standard) rather than added by the operator.
    pub builtin: bool,
    pub created_by: Option<String>,
    pub created_at: Option<i64>,
}

/// One element with its code set spelled out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElementDetail {
    #[serde(flatten)]
    pub element: ElementView,
    pub codes: Option<CodeSet>,
}

/// A code set as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeSetView {
    #[serde(flatten)]
    pub set: CodeSet,
    pub builtin: bool,
    pub created_by: Option<String>,
    pub created_at: Option<i64>,
}

/// A resource's declared labels, per item code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueMappingsView {
    pub resource: String,
    pub items: ValueMappings,
}

fn builtin_view(element: DataElement) -> ElementView {
    ElementView {
        element,
        builtin: true,
        created_by: None,
        created_at: None,
    }
}

/// Every element: shipped first, then the operator's in the order added.
pub(crate) fn load_elements(c: &mut dyn Conn) -> Result<Vec<ElementView>> {
    let mut out: Vec<ElementView> = el::builtin_elements()
        .into_iter()
        .map(builtin_view)
        .collect();
    let rows = c.query(
        "SELECT identifier, name, name_en, definition, item_type, length, code_set, created_by, created_at
         FROM quality_elements ORDER BY created_at, identifier",
        &[],
    )?;
    for r in rows {
        let item_type = catalog::ItemType::parse(&r.text(4)?)
            .ok_or_else(|| DbError::Other("unknown item type in quality_elements".into()))?;
        out.push(ElementView {
            element: DataElement {
                identifier: r.text(0)?,
                name: r.text(1)?,
                name_en: r.text(2)?,
                definition: r.text(3)?,
                item_type,
                length: r.opt_int(5)?.and_then(|l| u32::try_from(l).ok()),
                code_set: r.opt_text(6)?,
                rule: None,
            },
            builtin: false,
            created_by: Some(r.text(7)?),
            created_at: Some(r.int(8)?),
        });
    }
    Ok(out)
}

/// Every code set: shipped first, then the operator's.
pub(crate) fn load_code_sets(c: &mut dyn Conn) -> Result<Vec<CodeSetView>> {
    let mut out: Vec<CodeSetView> = el::builtin_code_sets()
        .into_iter()
        .map(|set| CodeSetView {
            set,
            builtin: true,
            created_by: None,
            created_at: None,
        })
        .collect();
    let rows = c.query(
        "SELECT id, standard, name, name_en, codes, created_by, created_at
         FROM quality_code_sets ORDER BY created_at, id",
        &[],
    )?;
    for r in rows {
        out.push(CodeSetView {
            set: CodeSet {
                id: r.text(0)?,
                standard: r.text(1)?,
                name: r.text(2)?,
                name_en: r.text(3)?,
                codes: from_json(&r.text(4)?)?,
            },
            builtin: false,
            created_by: Some(r.text(5)?),
            created_at: Some(r.int(6)?),
        });
    }
    Ok(out)
}

/// A resource's declared labels.
pub(crate) fn load_mappings(c: &mut dyn Conn, resource: &str) -> Result<ValueMappings> {
    let mut out = ValueMappings::new();
    for r in c.query(
        "SELECT item, labels FROM value_mappings WHERE resource = $1",
        params![resource],
    )? {
        out.insert(r.text(0)?, from_json(&r.text(1)?)?);
    }
    Ok(out)
}

/// What collection checks `meta`'s items against beyond their types.
pub(crate) fn item_checks(
    c: &mut dyn Conn,
    resource: &str,
    meta: &ResourceMeta,
) -> Result<ItemChecks> {
    if meta.items.iter().all(|i| i.element.is_none()) {
        return Ok(ItemChecks::default());
    }
    let elements: Vec<DataElement> = load_elements(c)?.into_iter().map(|v| v.element).collect();
    let sets: Vec<CodeSet> = load_code_sets(c)?.into_iter().map(|v| v.set).collect();
    let mappings = load_mappings(c, resource)?;
    Ok(ItemChecks::build(&meta.items, &elements, &sets, &mappings))
}

/// Field errors for items linked to elements the registry does not hold.
pub(crate) fn unknown_elements(c: &mut dyn Conn, meta: &ResourceMeta) -> Result<Vec<FieldError>> {
    let linked: Vec<(usize, &str)> = meta
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, it)| it.element.as_deref().map(|e| (i, e)))
        .filter(|(_, e)| el::is_identifier(e))
        .collect();
    if linked.is_empty() {
        return Ok(Vec::new());
    }
    let known = load_elements(c)?;
    Ok(linked
        .into_iter()
        .filter(|(_, e)| !known.iter().any(|k| k.element.identifier == *e))
        .map(|(i, e)| {
            let item = &meta.items[i];
            FieldError::new(
                format!("items[{i}].element"),
                "unknown_element",
                format!("信息项「{}」关联的数据元 {e} 不存在：请从数据元目录中选择，或请平台管理员先登记", item.name),
                format!("item `{}` links to data element {e}, which does not exist: pick one from the registry or ask the operator to add it", item.code),
            )
        })
        .collect())
}

fn registry_entry(
    p: &Principal,
    action: &str,
    what: String,
    now: i64,
) -> shuqiao_core::audit::entry::Entry {
    let (org, system, person) = crate::catalog::actor_parts(p);
    shuqiao_core::audit::entry::Entry {
        time: now,
        actor_org: org,
        actor_system: system,
        actor_person: person,
        action: action.to_string(),
        resource: None,
        resource_version: None,
        grant: None,
        purpose: Some(what),
        result: "ok".into(),
        subjects: Vec::new(),
    }
}

fn trimmed_set(mut set: CodeSet) -> CodeSet {
    set.id = set.id.trim().to_string();
    set.standard = set.standard.trim().to_string();
    set.name = set.name.trim().to_string();
    set.name_en = set.name_en.trim().to_string();
    for c in &mut set.codes {
        c.code = c.code.trim().to_string();
        c.label = c.label.trim().to_string();
    }
    set
}

fn trimmed_element(mut e: DataElement) -> DataElement {
    e.identifier = e.identifier.trim().to_string();
    e.name = e.name.trim().to_string();
    e.name_en = e.name_en.trim().to_string();
    e.definition = e.definition.trim().to_string();
    e.code_set = e
        .code_set
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    // Rules beyond code sets are the program's (national check characters), not data.
    e.rule = None;
    e
}

pub(crate) fn element_not_found(id: &str) -> StoreError {
    DomainError::not_found(
        "element_not_found",
        format!("数据元 {id} 不存在"),
        format!("data element {id} does not exist"),
    )
    .into()
}

fn code_set_not_found(id: &str) -> StoreError {
    DomainError::not_found(
        "code_set_not_found",
        format!("代码集 {id} 不存在"),
        format!("code set {id} does not exist"),
    )
    .into()
}

/// The newest version of a resource (draft or published): mappings follow what the steward
/// is editing, and only coded items of it take labels.
fn newest_meta(c: &mut dyn Conn, code: &str) -> Result<ResourceMeta> {
    let row = c.query_one(
        "SELECT meta FROM resource_versions WHERE code = $1 ORDER BY version DESC LIMIT 1",
        params![code],
    )?;
    match row {
        Some(r) => from_json(&r.text(0)?),
        None => Err(DomainError::not_found(
            "resource_not_found",
            format!("资源 {code} 不存在"),
            format!("resource {code} does not exist"),
        )
        .into()),
    }
}

impl Store {
    /// Every data element (anyone signed in: it is reference data).
    pub async fn list_elements(&self, p: Principal) -> Result<Vec<ElementView>> {
        self.read(move |c| {
            p.require_authenticated()?;
            load_elements(c)
        })
        .await
    }

    pub async fn get_element(&self, p: Principal, id: &str) -> Result<ElementDetail> {
        let id = id.to_string();
        self.read(move |c| {
            p.require_authenticated()?;
            let element = load_elements(c)?
                .into_iter()
                .find(|e| e.element.identifier == id)
                .ok_or_else(|| element_not_found(&id))?;
            let codes = match &element.element.code_set {
                Some(set) => load_code_sets(c)?
                    .into_iter()
                    .map(|v| v.set)
                    .find(|s| &s.id == set),
                None => None,
            };
            Ok(ElementDetail { element, codes })
        })
        .await
    }

    /// Adds a data element (the operator); sealed.
    pub async fn create_element(&self, p: Principal, element: DataElement) -> Result<ElementView> {
        let (element, now) = (trimmed_element(element), self.now());
        self.write(move |c| {
            el::require_registry_editor(&p)?;
            let elements = load_elements(c)?;
            let sets = load_code_sets(c)?;
            el::validate_element(
                &element,
                |id| elements.iter().any(|e| e.element.identifier == id),
                |id| sets.iter().any(|s| s.set.id == id),
            )?;
            c.execute(
                "INSERT INTO quality_elements (identifier, name, name_en, definition, item_type, length, code_set, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                params![&element.identifier, &element.name, &element.name_en, &element.definition, element.item_type.as_str(), element.length.map(i64::from), element.code_set.clone(), p.actor(), now],
            )
            .map_err(|e| match e {
                DbError::Unique(_) => StoreError::Domain(DomainError::conflict(
                    "element_exists",
                    format!("数据元 {} 已存在", element.identifier),
                    format!("data element {} already exists", element.identifier),
                )),
                other => other.into(),
            })?;
            let what = format!("{} {}", element.identifier, element.name);
            crate::seal_later(c, &registry_entry(&p, "quality.element_add", what, now), now)?;
            Ok(ElementView {
                element,
                builtin: false,
                created_by: Some(p.actor()),
                created_at: Some(now),
            })
        })
        .await
    }

    pub async fn list_code_sets(&self, p: Principal) -> Result<Vec<CodeSetView>> {
        self.read(move |c| {
            p.require_authenticated()?;
            load_code_sets(c)
        })
        .await
    }

    pub async fn get_code_set(&self, p: Principal, id: &str) -> Result<CodeSetView> {
        let id = id.to_string();
        self.read(move |c| {
            p.require_authenticated()?;
            load_code_sets(c)?
                .into_iter()
                .find(|s| s.set.id == id)
                .ok_or_else(|| code_set_not_found(&id))
        })
        .await
    }

    /// Adds a code set (the operator); sealed.
    pub async fn create_code_set(&self, p: Principal, set: CodeSet) -> Result<CodeSetView> {
        let (set, now) = (trimmed_set(set), self.now());
        self.write(move |c| {
            el::require_registry_editor(&p)?;
            let sets = load_code_sets(c)?;
            el::validate_code_set(&set, |id| sets.iter().any(|s| s.set.id == id))?;
            c.execute(
                "INSERT INTO quality_code_sets (id, standard, name, name_en, codes, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                params![&set.id, &set.standard, &set.name, &set.name_en, to_json(&set.codes)?, p.actor(), now],
            )
            .map_err(|e| match e {
                DbError::Unique(_) => StoreError::Domain(DomainError::conflict(
                    "code_set_exists",
                    format!("代码集 {} 已存在", set.id),
                    format!("code set {} already exists", set.id),
                )),
                other => other.into(),
            })?;
            let what = format!("{} {} ({} codes)", set.id, set.name, set.codes.len());
            crate::seal_later(c, &registry_entry(&p, "quality.code_set_add", what, now), now)?;
            Ok(CodeSetView {
                set,
                builtin: false,
                created_by: Some(p.actor()),
                created_at: Some(now),
            })
        })
        .await
    }

    /// A resource's declared labels (whoever may see its data).
    pub async fn value_mappings(&self, p: Principal, resource: &str) -> Result<ValueMappingsView> {
        let resource = resource.to_string();
        self.read(move |c| {
            let meta = newest_meta(c, &resource)?;
            if !p.is_platform_admin() {
                shuqiao_core::collect::require_data_viewer(&p, &meta.provider)?;
            }
            Ok(ValueMappingsView {
                items: load_mappings(c, &resource)?,
                resource,
            })
        })
        .await
    }

    /// Declares labels for coded items of a resource (the provider's steward). Items sent
    /// replace their labels (an empty object removes them); items not sent keep theirs.
    /// Sealed with the resource.
    pub async fn set_value_mappings(
        &self,
        p: Principal,
        resource: &str,
        items: ValueMappings,
    ) -> Result<ValueMappingsView> {
        let (resource, now) = (resource.to_string(), self.now());
        self.write(move |c| {
            let meta = newest_meta(c, &resource)?;
            catalog::require_steward_of(&p, &meta.provider)?;
            let checks = {
                let elements: Vec<DataElement> =
                    load_elements(c)?.into_iter().map(|v| v.element).collect();
                let sets: Vec<CodeSet> = load_code_sets(c)?.into_iter().map(|v| v.set).collect();
                ItemChecks::build(&meta.items, &elements, &sets, &ValueMappings::new())
            };
            let mut errs = Errors::default();
            for (code, labels) in &items {
                let field = format!("items.{code}");
                match meta.items.iter().position(|i| &i.code == code) {
                    None => errs.push(FieldError::new(
                        field,
                        "unknown_item",
                        format!("{code} 不是资源 {resource} 的信息项"),
                        format!("{code} is not an item of resource {resource}"),
                    )),
                    Some(i) => el::validate_item_mapping(
                        &field,
                        &meta.items[i].name,
                        checks.coded[i].as_ref().map(|c| &c.set),
                        labels,
                        &mut errs,
                    ),
                }
            }
            errs.into_result()?;
            if items.is_empty() {
                // Nothing asked to change: nothing to write or seal.
                return Ok(ValueMappingsView {
                    items: load_mappings(c, &resource)?,
                    resource,
                });
            }
            for (code, labels) in &items {
                c.execute(
                    "DELETE FROM value_mappings WHERE resource = $1 AND item = $2",
                    params![&resource, code],
                )?;
                if !labels.is_empty() {
                    c.execute(
                        "INSERT INTO value_mappings (resource, item, labels, set_by, set_at) VALUES ($1, $2, $3, $4, $5)",
                        params![&resource, code, to_json(labels)?, p.actor(), now],
                    )?;
                }
            }
            let what = items
                .iter()
                .map(|(code, labels)| {
                    let pairs: Vec<String> =
                        labels.iter().map(|(l, c)| format!("{l}→{c}")).collect();
                    format!("{code}: {}", pairs.join(", "))
                })
                .collect::<Vec<_>>()
                .join("; ");
            let mut entry = registry_entry(&p, "quality.value_mappings", what, now);
            entry.resource = Some(resource.clone());
            crate::seal_later(c, &entry, now)?;
            Ok(ValueMappingsView {
                items: load_mappings(c, &resource)?,
                resource,
            })
        })
        .await
    }
}
