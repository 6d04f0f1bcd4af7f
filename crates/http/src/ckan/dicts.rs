//! The dictionaries CKAN answers with — package, resource, organization, group, tag — built
//! from a released dataset. Only what the portal's copy holds goes in: public items only.
use serde_json::{json, Value};
use shuqiao_core::catalog::Category;
use shuqiao_core::open::{self, ckan_time};
use shuqiao_service::open::{OpenDataset, OpenOrg};

/// Every dataset's licence, until datasets carry their own.
pub(crate) const LICENSE_ID: &str = "cc-by";
const LICENSE_TITLE: &str = "Creative Commons Attribution 4.0";
const LICENSE_URL: &str = "https://creativecommons.org/licenses/by/4.0/";

pub(crate) struct Format {
    /// As the distribution ids and download paths name it.
    pub key: &'static str,
    /// As CKAN's `format` and `res_format` name it.
    pub label: &'static str,
    pub mimetype: &'static str,
}

pub(crate) const FORMATS: [Format; 3] = [
    Format {
        key: "csv",
        label: "CSV",
        mimetype: "text/csv",
    },
    Format {
        key: "json",
        label: "JSON",
        mimetype: "application/json",
    },
    Format {
        key: "xlsx",
        label: "XLSX",
        mimetype: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    },
];

pub(crate) fn org_id(code: &str) -> String {
    open::stable_id(&format!("organization:{code}"))
}

pub(crate) fn group_id(c: Category) -> String {
    open::stable_id(&format!("group:{}", c.as_str()))
}

/// The landing page of a dataset on the portal.
pub(crate) fn landing(base: &str, d: &OpenDataset) -> String {
    format!("{base}/datasets/{}", d.slug)
}

pub(crate) fn resource(base: &str, d: &OpenDataset, position: usize) -> Value {
    let f = &FORMATS[position];
    json!({
        "id": open::distribution_id(&d.code, f.key),
        "package_id": d.id,
        "name": format!("{}（{}）", d.name, f.label),
        "description": format!("{}，{} 格式", d.name, f.label),
        "url": format!("{}/data.{}", landing(base, d), f.key),
        "format": f.label,
        "mimetype": f.mimetype,
        "position": position,
        "state": "active",
        "url_type": null,
        "resource_type": null,
        "size": null,
        "hash": "",
        "cache_url": null,
        "created": ckan_time(d.issued_at),
        "last_modified": ckan_time(d.modified_at),
        "metadata_modified": ckan_time(d.modified_at),
        // Rows of 有条件开放 data need a key, so only 无条件开放 data is in the datastore.
        "datastore_active": f.key == "csv" && d.rows_are_public(),
    })
}

/// The organization as a package names it.
fn org_of(d: &OpenDataset) -> Value {
    json!({
        "id": org_id(&d.provider),
        "name": d.provider,
        "title": d.provider_name,
        "title_translated": {"zh_Hans": d.provider_name, "en": d.provider_name_en},
        "type": "organization",
        "description": "",
        "image_url": "",
        "is_organization": true,
        "approval_status": "approved",
        "state": "active",
    })
}

pub(crate) fn organization(o: &OpenOrg) -> Value {
    json!({
        "id": org_id(&o.code),
        "name": o.code,
        "title": o.name,
        "display_name": o.name,
        "title_translated": {"zh_Hans": o.name, "en": o.name_en},
        "type": "organization",
        "description": "",
        "image_url": "",
        "image_display_url": "",
        "is_organization": true,
        "approval_status": "approved",
        "state": "active",
        "package_count": o.datasets,
    })
}

pub(crate) fn group(c: Category, count: usize) -> Value {
    json!({
        "id": group_id(c),
        "name": c.as_str(),
        "title": c.label_zh(),
        "display_name": c.label_zh(),
        "description": "",
        "type": "group",
        "image_url": "",
        "image_display_url": "",
        "is_organization": false,
        "approval_status": "approved",
        "state": "active",
        "package_count": count,
    })
}

fn group_of(c: Category) -> Value {
    json!({
        "id": group_id(c),
        "name": c.as_str(),
        "title": c.label_zh(),
        "display_name": c.label_zh(),
        "description": "",
        "image_display_url": "",
    })
}

pub(crate) fn tag(name: &str) -> Value {
    json!({
        "id": open::stable_id(&format!("tag:{name}")),
        "name": name,
        "display_name": name,
        "state": "active",
        "vocabulary_id": null,
    })
}

/// The security assessment in one line, as the dataset page shows it.
fn assessment(d: &OpenDataset) -> String {
    let a = &d.assessment;
    let pass = |b: bool| if b { "通过" } else { "未通过" };
    format!(
        "{}于{}评估：个人信息{}，再识别风险{}，商业秘密{}；结论：{}",
        a.assessor,
        a.assessed_on,
        pass(a.personal_info.passed),
        pass(a.reidentification.passed),
        pass(a.trade_secret.passed),
        a.conclusion.label_zh()
    )
}

pub(crate) fn package(base: &str, d: &OpenDataset) -> Value {
    let mut extras = vec![
        json!({"key": "open_type", "value": d.open_type.label_zh()}),
        json!({"key": "update_cycle", "value": d.update_cycle.label_zh()}),
        json!({"key": "region", "value": d.region}),
        json!({"key": "resource_code", "value": d.code}),
        json!({"key": "security_assessment", "value": assessment(d)}),
    ];
    if let Some(c) = &d.open_condition {
        extras.push(json!({"key": "open_condition", "value": c}));
    }
    let resources: Vec<Value> = (0..FORMATS.len()).map(|i| resource(base, d, i)).collect();
    let tags: Vec<Value> = d.keywords.iter().map(|k| tag(k)).collect();
    json!({
        "id": d.id,
        "name": d.slug,
        "title": d.name,
        "title_translated": {"zh_Hans": d.name, "en": d.name_en},
        "notes": d.summary,
        "type": "dataset",
        "state": "active",
        "private": false,
        "isopen": true,
        "license_id": LICENSE_ID,
        "license_title": LICENSE_TITLE,
        "license_url": LICENSE_URL,
        "author": d.provider_name,
        "author_email": null,
        "maintainer": d.provider_name,
        "maintainer_email": null,
        "creator_user_id": null,
        "version": d.version.to_string(),
        "url": landing(base, d),
        "metadata_created": ckan_time(d.issued_at),
        "metadata_modified": ckan_time(d.modified_at),
        "owner_org": org_id(&d.provider),
        "organization": org_of(d),
        "groups": [group_of(d.category)],
        "num_tags": tags.len(),
        "tags": tags,
        "num_resources": resources.len(),
        "resources": resources,
        "extras": extras,
        "relationships_as_object": [],
        "relationships_as_subject": [],
    })
}

/// A package's JSON text, kept until its dataset changes: the service replaces a dataset's
/// `Arc` on every change, so the same `Arc` (and address) means the same text. A search of a
/// thousand packages then joins texts instead of building and writing a thousand values.
pub(crate) fn package_text(base: &str, d: &std::sync::Arc<OpenDataset>) -> std::sync::Arc<str> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    type Cache = Mutex<HashMap<String, (Arc<OpenDataset>, String, Arc<str>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Cache::default);
    if let Some((ds, b, text)) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&d.id) {
        if Arc::ptr_eq(ds, d) && b == base {
            return text.clone();
        }
    }
    let text: Arc<str> = serde_json::to_string(&package(base, d))
        .unwrap_or_else(|_| "null".into())
        .into();
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(d.id.clone(), (d.clone(), base.to_string(), text.clone()));
    text
}
