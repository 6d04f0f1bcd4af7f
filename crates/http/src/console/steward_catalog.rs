//! The department steward's catalogue (资源编目): the department's resources with their state
//! and the freshness of their data, the form that catalogues a resource with its 信息项 table
//! (usable without script: every add, remove and move is a submit that re-renders the form from
//! its posted fields), submitting for the operator's review, and a resource's versions side by
//! side. The same `Store` methods and core rules as the API decide.
mod views;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use shuqiao_core::account::Principal;
use shuqiao_core::catalog::{
    self, Category, Classification, DraftState, Format, Grade, InfoItem, ItemType, OpenType,
    ResourceMeta, ShareMode, ShareType, Status, UpdateCycle, BASE_CLASSES, THEME_CLASSES,
};
use shuqiao_core::org::OrgKind;
use shuqiao_core::{DomainError, FieldError};
use shuqiao_service::workspace::WorkspaceRow;
use shuqiao_service::StoreError;

use super::i18n::{Lang, Strings};
use super::pages::Person;
use super::text::{domain_text, name_of, org_names};
use super::views::{self as frame_views};
use super::PageError;
use crate::AppState;
use views::*;

/// Core's limit on a resource's 信息项: the form adds no row beyond it.
const MAX_ITEMS: usize = 500;

/// A resource code as one path segment.
fn path_segment(code: &str) -> String {
    url::form_urlencoded::byte_serialize(code.as_bytes()).collect()
}

fn total_text(t: &Strings, n: usize) -> String {
    format!("{}{n}{}", t.total_before, t.total_after)
}

/// A bilingual enum label: the Chinese label or the wire name.
fn pick_label(lang: Lang, zh: &'static str, wire: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => wire,
    }
}

fn grade_label(t: &Strings, g: Grade) -> &'static str {
    match g {
        Grade::General => t.cs_grade_general,
        Grade::Important => t.cs_grade_important,
        Grade::Core => t.cs_grade_core,
    }
}

/// Whether the person catalogues for `provider` (core's rule, as the store applies it).
fn stewards(p: &Principal, provider: &str) -> bool {
    catalog::require_steward_of(p, provider).is_ok()
}

// ---- the list ----

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    stale: Option<String>,
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    code: Option<String>,
    /// The first row shown: the list is paged, the export is whole.
    #[serde(default)]
    offset: usize,
}

/// Rows on one page of the list.
const LIST_PAGE: usize = 50;

/// The status of a resource as the steward knows it, with its tag's class.
fn status_of(t: &Strings, r: &WorkspaceRow) -> (String, &'static str) {
    let returned = r.returned_reason.is_some() && r.draft == Some(DraftState::Editing);
    match (r.status, r.draft) {
        (Status::Retired, _) => (t.sc_status_retired.into(), "tag"),
        (Status::Submitted, _) => (t.sc_status_review.into(), "tag tag-new"),
        (Status::Draft, _) if returned => (t.sc_status_returned.into(), "tag tag-overdue"),
        (Status::Draft, _) => (t.sc_status_draft.into(), "tag"),
        (Status::Published, Some(DraftState::Submitted)) => (
            format!("{}（{}）", t.sc_status_published, t.sc_status_change_review),
            "tag tag-open",
        ),
        (Status::Published, Some(DraftState::Editing)) if returned => (
            format!(
                "{}（{}）",
                t.sc_status_published, t.sc_status_change_returned
            ),
            "tag tag-overdue",
        ),
        (Status::Published, Some(DraftState::Editing)) => (
            format!("{}（{}）", t.sc_status_published, t.sc_status_change_draft),
            "tag tag-open",
        ),
        (Status::Published, None) => (t.sc_status_published.into(), "tag tag-open"),
    }
}

/// The list's filters from its address: a department (the operator's) and only stale.
fn filters(q: &ListQuery) -> (Option<String>, bool) {
    let provider = q.provider.clone().filter(|p| !p.trim().is_empty());
    (provider, q.stale.as_deref() == Some("1"))
}

/// The resources the list shows as its rows: all of them, or the page of `LIST_PAGE` rows at
/// `page` (past the end, the last page); with how many there are and where the page starts.
async fn listed(
    st: &AppState,
    person: &Person,
    q: &ListQuery,
    page: Option<usize>,
) -> Result<(Vec<ResourceRow>, usize, usize), PageError> {
    let (provider, stale_only) = filters(q);
    let found = st
        .store
        .workspace_page(
            person.principal.clone(),
            provider,
            stale_only,
            page.map(|o| (LIST_PAGE, o)),
        )
        .await
        .map_err(|e| person.error(e))?;
    let (total, offset) = (found.total, found.offset);
    let (lang, t) = (person.lang, person.lang.strings());
    let names = org_names(st, lang).await;
    let p = &person.principal;
    let rows: Vec<ResourceRow> = found
        .rows
        .iter()
        .map(|r| {
            let (status, status_class) = status_of(t, r);
            let mine = stewards(p, &r.provider);
            let seg = path_segment(&r.code);
            let (data, stale, freshness) = match &r.timeliness {
                None => (t.sc_data_none_draft.to_string(), None, String::new()),
                Some(tl) => {
                    let data = match tl.collected_at {
                        Some(at) => frame_views::date(lang, at),
                        None => t.sc_data_never.to_string(),
                    };
                    let freshness = if tl.stale_after.is_none() && tl.collected_at.is_some() {
                        t.sc_fresh_irregular.to_string()
                    } else if tl.stale {
                        t.sc_stale.to_string()
                    } else {
                        t.sc_fresh.to_string()
                    };
                    (data, Some(tl.stale), freshness)
                }
            };
            let cycle = r
                .update_cycle
                .map(|c| pick_label(lang, c.label_zh(), c.as_str()).to_string())
                .unwrap_or_default();
            ResourceRow {
                code: r.code.clone(),
                name: lang.pick(&r.name, &r.name_en).to_string(),
                provider: name_of(&names, &r.provider),
                status,
                status_class,
                returned: r
                    .returned_reason
                    .clone()
                    .filter(|_| r.draft == Some(DraftState::Editing)),
                version: match r.published_version {
                    Some(v) => format!("{}{v}{}", t.sc_version_before, t.sc_version_after),
                    None => t.sc_version_none.to_string(),
                },
                data: if cycle.is_empty() || r.timeliness.is_none() {
                    data
                } else {
                    format!("{data}（{}{cycle}）", t.sc_cycle_prefix)
                },
                stale,
                freshness,
                edit_label: if r.draft == Some(DraftState::Submitted) {
                    t.sc_action_view
                } else {
                    t.sc_action_edit
                },
                edit_href: (mine && r.status != Status::Retired)
                    .then(|| format!("/console/resources/{seg}/edit")),
                versions_href: r
                    .published_version
                    .map(|_| format!("/console/resources/{seg}/versions")),
                review_href: (p.is_platform_admin() && r.draft == Some(DraftState::Submitted))
                    .then(|| format!("/console/review/{seg}")),
                upload_href: (mine && r.status == Status::Published)
                    .then(|| format!("/console/collect/{seg}/upload")),
            }
        })
        .collect();
    Ok((rows, total, offset))
}

/// `/console/resources/export`: the list as shown (same filters), as CSV.
pub async fn export(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let (rows, _, _) = listed(&st, &person, &q, None).await?;
    let t = person.lang.strings();
    let mut out = String::from("\u{feff}");
    out.push_str(&shuqiao_core::csv::line([
        t.col_code_resource,
        t.col_resource,
        t.col_provider,
        t.col_status,
        t.sc_col_version,
        t.sc_col_data,
        t.sc_col_freshness,
    ]));
    out.push('\n');
    for r in &rows {
        out.push_str(&shuqiao_core::csv::line([
            r.code.as_str(),
            r.name.as_str(),
            r.provider.as_str(),
            r.status.as_str(),
            r.version.as_str(),
            r.data.as_str(),
            r.freshness.as_str(),
        ]));
        out.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"resources.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

/// `/console/resources`: the department's resources (the operator: every department's, with
/// a department filter). Someone who catalogues for no department gets the rule's 403.
pub async fn list(
    State(st): State<AppState>,
    person: Person,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let (provider, stale_only) = filters(&q);
    let (rows, total, offset) = listed(&st, &person, &q, Some(q.offset)).await?;
    let f = person.frame("/console/resources", "resources");
    let (lang, t) = (f.lang, f.t);
    let p = &person.principal;
    let orgs = if p.is_platform_admin() {
        let mut all: Vec<OrgOption> = st
            .store
            .list_orgs()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|o| o.kind == OrgKind::Department)
            .map(|o| OrgOption {
                selected: provider.as_deref() == Some(o.code.as_str()),
                name: lang.pick(&o.name, &o.name_en).to_string(),
                code: o.code,
            })
            .collect();
        all.sort_by(|a, b| a.code.cmp(&b.code));
        all
    } else {
        Vec::new()
    };
    let notice = match (q.done.as_deref(), q.code.as_deref()) {
        (Some("submitted"), Some(code)) => {
            let named = rows
                .iter()
                .find(|r| r.code == code)
                .map(|r| format!("{}（{code}）", r.name))
                .unwrap_or_else(|| code.to_string());
            Some(format!(
                "{}{named}{}",
                t.sc_submitted_before, t.sc_submitted_after
            ))
        }
        _ => None,
    };
    let page_at = |o: usize| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        if let Some(p) = &provider {
            ser.append_pair("provider", p);
        }
        if stale_only {
            ser.append_pair("stale", "1");
        }
        if o > 0 {
            ser.append_pair("offset", &o.to_string());
        }
        let query = ser.finish();
        if query.is_empty() {
            "/console/resources".to_string()
        } else {
            format!("/console/resources?{query}")
        }
    };
    let prev = (offset > 0).then(|| page_at(offset.saturating_sub(LIST_PAGE)));
    let next = (offset + LIST_PAGE < total).then(|| page_at(offset + LIST_PAGE));
    let page = ListPage {
        prev,
        next,
        title: if p.is_platform_admin() {
            t.sc_list_title_all
        } else {
            t.sc_list_title
        },
        notice,
        total: total_text(t, total),
        rows,
        orgs,
        stale_only,
        filtered: stale_only || provider.is_some(),
        export_href: {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            if let Some(p) = &provider {
                ser.append_pair("provider", p);
            }
            if stale_only {
                ser.append_pair("stale", "1");
            }
            let query = ser.finish();
            if query.is_empty() {
                "/console/resources/export".to_string()
            } else {
                format!("/console/resources/export?{query}")
            }
        },
        may_create: !p.steward_orgs().is_empty(),
        f,
    };
    Ok(frame_views::html(&page).into_response())
}

// ---- the form's state ----

fn opt_element(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|v| !v.is_empty())
}

/// One 信息项 as the form holds it: text as typed, so nothing is lost on a problem.
#[derive(Default, Clone, Debug, PartialEq)]
struct ItemInput {
    name: String,
    code: String,
    item_type: String,
    length: String,
    required: bool,
    key: bool,
    grade: String,
    description: String,
    /// 个人信息: kept through every re-render, so an edit never drops the mark.
    personal: bool,
    /// 数据元 link, carried in a hidden field so an edit never drops it.
    element: String,
}

impl ItemInput {
    fn blank() -> ItemInput {
        ItemInput {
            item_type: ItemType::String.as_str().into(),
            grade: Grade::General.as_str().into(),
            ..ItemInput::default()
        }
    }
}

/// The whole form as posted (or loaded from the resource), as typed.
#[derive(Default, Clone, Debug)]
struct MetaInput {
    provider: String,
    provider_unit: String,
    category: String,
    class_code: String,
    subclass_code: String,
    name: String,
    name_en: String,
    summary: String,
    format: String,
    share_type: String,
    share_condition: String,
    share_modes: Vec<String>,
    open_type: String,
    open_condition: String,
    update_cycle: String,
    publish_date: String,
    related_resources: String,
    systems: Vec<String>,
    legal_basis: String,
    keywords: String,
    items: Vec<ItemInput>,
}

/// A posted form's pairs; checkbox groups repeat their name.
struct Posted(Vec<(String, String)>);

impl Posted {
    fn parse(body: &[u8]) -> Posted {
        Posted(url::form_urlencoded::parse(body).into_owned().collect())
    }

    fn one(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split(|c: char| {
        c == ',' || c == '，' || c == '、' || c == ';' || c == '；' || c.is_whitespace()
    })
    .map(str::trim)
    .filter(|x| !x.is_empty())
    .map(str::to_string)
    .collect()
}

impl MetaInput {
    fn from_posted(p: &Posted) -> MetaInput {
        let count = p
            .one("item_count")
            .trim()
            .parse::<usize>()
            .unwrap_or(0)
            .min(MAX_ITEMS + 1);
        let items = (0..count)
            .map(|i| {
                let f = |c: &str| p.one(&format!("item-{i}-{c}"));
                ItemInput {
                    name: f("name"),
                    code: f("code"),
                    item_type: f("type"),
                    length: f("length"),
                    required: p.has(&format!("item-{i}-required")),
                    key: p.has(&format!("item-{i}-key")),
                    grade: f("grade"),
                    description: f("description"),
                    personal: p.has(&format!("item-{i}-personal")),
                    element: f("element"),
                }
            })
            .collect();
        MetaInput {
            provider: p.one("provider").trim().to_string(),
            provider_unit: p.one("provider_unit").trim().to_string(),
            category: p.one("category"),
            class_code: p.one("class_code"),
            subclass_code: p.one("subclass_code"),
            name: p.one("name"),
            name_en: p.one("name_en"),
            summary: p.one("summary"),
            format: p.one("format"),
            share_type: p.one("share_type"),
            share_condition: p.one("share_condition"),
            share_modes: p.all("share_modes"),
            open_type: p.one("open_type"),
            open_condition: p.one("open_condition"),
            update_cycle: p.one("update_cycle"),
            publish_date: p.one("publish_date"),
            related_resources: p.one("related_resources"),
            systems: p.all("systems"),
            legal_basis: p.one("legal_basis"),
            keywords: p.one("keywords"),
            items,
        }
    }

    fn from_meta(m: &ResourceMeta) -> MetaInput {
        MetaInput {
            provider: m.provider.clone(),
            provider_unit: m.provider_unit.clone().unwrap_or_default(),
            category: m.classification.category.as_str().into(),
            class_code: m.classification.class_code.clone(),
            subclass_code: m.classification.subclass_code.clone(),
            name: m.name.clone(),
            name_en: m.name_en.clone(),
            summary: m.summary.clone(),
            format: m.format.as_str().into(),
            share_type: m.share_type.as_str().into(),
            share_condition: m.share_condition.clone().unwrap_or_default(),
            share_modes: m.share_modes.iter().map(|s| s.as_str().into()).collect(),
            open_type: m.open_type.as_str().into(),
            open_condition: m.open_condition.clone().unwrap_or_default(),
            update_cycle: m.update_cycle.as_str().into(),
            publish_date: m.publish_date.clone().unwrap_or_default(),
            related_resources: m.related_resources.join("，"),
            systems: m.systems.clone(),
            legal_basis: m.legal_basis.clone().unwrap_or_default(),
            keywords: m.keywords.join("，"),
            items: m
                .items
                .iter()
                .map(|i| ItemInput {
                    name: i.name.clone(),
                    code: i.code.clone(),
                    item_type: i.item_type.as_str().into(),
                    length: i.length.map(|l| l.to_string()).unwrap_or_default(),
                    required: i.required,
                    key: m.key_fields.contains(&i.code),
                    grade: i.grade.as_str().into(),
                    description: i.description.clone().unwrap_or_default(),
                    personal: i.personal,
                    element: i.element.clone().unwrap_or_default(),
                })
                .collect(),
        }
    }

    /// The metadata the form says, and the problems only the form can see (a choice not
    /// made, a length that is not a number). A value the form cannot read stands in with a
    /// harmless one, so core still checks everything else at once.
    fn to_meta(&self) -> (ResourceMeta, Vec<FieldError>) {
        let mut errs = Vec::new();
        let mut need = |field: String, zh: &str, en: &str| {
            errs.push(FieldError::new(field, "required", zh, en));
        };
        let category = Category::parse(self.category.trim());
        if category.is_none() {
            need(
                "classification.category".into(),
                "请选择资源分类",
                "choose the category",
            );
        }
        if self.class_code.trim().is_empty() {
            need(
                "classification.class_code".into(),
                "请填写类代码（项），如 01",
                "enter the class code, e.g. 01",
            );
        }
        let format = Format::parse(self.format.trim());
        if format.is_none() {
            need("format".into(), "请选择资源格式", "choose the format");
        }
        let share_type = ShareType::parse(self.share_type.trim());
        if share_type.is_none() {
            need(
                "share_type".into(),
                "请选择共享类型",
                "choose how the resource is shared",
            );
        }
        let open_type = OpenType::parse(self.open_type.trim());
        if open_type.is_none() {
            need(
                "open_type".into(),
                "请选择开放属性",
                "choose whether the resource is open to the public",
            );
        }
        let update_cycle = UpdateCycle::parse(self.update_cycle.trim());
        if update_cycle.is_none() {
            need(
                "update_cycle".into(),
                "请选择更新周期",
                "choose how often the data is updated",
            );
        }
        let mut share_modes = Vec::new();
        for m in &self.share_modes {
            match ShareMode::parse(m) {
                Some(x) if !share_modes.contains(&x) => share_modes.push(x),
                Some(_) => {}
                None => need(
                    "share_modes".into(),
                    "共享方式只能是接口、库表或文件",
                    "a share mode is api, database or file",
                ),
            }
        }
        let mut items = Vec::new();
        for (i, it) in self.items.iter().enumerate() {
            let item_type = ItemType::parse(it.item_type.trim());
            if item_type.is_none() {
                need(
                    format!("items[{i}].type"),
                    "请选择数据类型",
                    "choose the item's type",
                );
            }
            let grade = Grade::parse(it.grade.trim());
            if grade.is_none() {
                need(
                    format!("items[{i}].grade"),
                    "请选择分级",
                    "choose the item's grade",
                );
            }
            let length = match it.length.trim() {
                "" => None,
                l => match l.parse::<u32>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        need(
                            format!("items[{i}].length"),
                            "长度须为正整数，如 18",
                            "the length is a whole number, e.g. 18",
                        );
                        Some(1)
                    }
                },
            };
            let description = Some(it.description.trim().to_string()).filter(|d| !d.is_empty());
            items.push(InfoItem {
                name: it.name.trim().to_string(),
                code: it.code.trim().to_string(),
                item_type: item_type.unwrap_or(ItemType::Text),
                length,
                required: it.required,
                grade: grade.unwrap_or(Grade::General),
                description,
                personal: it.personal,
                element: opt_element(&it.element),
            });
        }
        let opt = |s: &str| Some(s.trim().to_string()).filter(|v| !v.is_empty());
        let meta = ResourceMeta {
            classification: Classification {
                category: category.unwrap_or(Category::Department),
                class_code: self.class_code.trim().to_string(),
                subclass_code: self.subclass_code.trim().to_string(),
            },
            name: self.name.trim().to_string(),
            name_en: self.name_en.trim().to_string(),
            provider: self.provider.clone(),
            provider_unit: opt(&self.provider_unit),
            summary: self.summary.trim().to_string(),
            format: format.unwrap_or(Format::Database),
            key_fields: self
                .items
                .iter()
                .filter(|i| i.key)
                .map(|i| i.code.trim().to_string())
                .collect(),
            items,
            share_type: share_type.unwrap_or(ShareType::Unconditional),
            share_condition: opt(&self.share_condition),
            share_modes,
            open_type: open_type.unwrap_or(OpenType::Closed),
            open_condition: opt(&self.open_condition),
            update_cycle: update_cycle.unwrap_or(UpdateCycle::Irregular),
            publish_date: opt(&self.publish_date),
            related_resources: split_list(&self.related_resources),
            systems: self
                .systems
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            legal_basis: opt(&self.legal_basis),
            keywords: split_list(&self.keywords),
        };
        (meta, errs)
    }

    /// Applies a row operation (`add`, `remove:i`, `up:i`, `down:i`); returns the row to
    /// focus afterwards and how (`name`, `up`, `down`), or `None` when the row is unknown.
    fn apply(&mut self, op: &str) -> Option<(usize, &'static str)> {
        if op == "add" {
            if self.items.len() >= MAX_ITEMS {
                return None;
            }
            self.items.push(ItemInput::blank());
            return Some((self.items.len() - 1, "name"));
        }
        let (verb, at) = op.split_once(':')?;
        let i: usize = at.parse().ok()?;
        let n = self.items.len();
        match verb {
            "remove" if i < n => {
                self.items.remove(i);
                Some((i.min(n.saturating_sub(2)), ""))
            }
            "up" if i > 0 && i < n => {
                self.items.swap(i - 1, i);
                Some((i - 1, if i - 1 == 0 { "down" } else { "up" }))
            }
            "down" if i + 1 < n => {
                self.items.swap(i, i + 1);
                Some((i + 1, if i + 2 == n { "up" } else { "down" }))
            }
            _ => None,
        }
    }
}

// ---- where a rule's problem is shown ----

/// The id of the control a core field path is about: `items[2].name` is row 3's name,
/// `key_fields[0]` the key checkbox of the row with that code.
fn control_of(field: &str, meta: &ResourceMeta) -> String {
    if let Some(rest) = field.strip_prefix("items[") {
        if let Some((i, col)) = rest.split_once("].") {
            if let Ok(i) = i.parse::<usize>() {
                return format!("item-{i}-{col}");
            }
        }
        return "items".into();
    }
    if let Some(rest) = field.strip_prefix("key_fields[") {
        let i = rest.trim_end_matches(']').parse::<usize>().ok();
        let row = i
            .and_then(|i| meta.key_fields.get(i))
            .and_then(|k| meta.items.iter().position(|it| &it.code == k));
        return match row {
            Some(r) => format!("item-{r}-key"),
            None => "items".into(),
        };
    }
    if field == "key_fields" {
        return if meta.items.is_empty() {
            "items".into()
        } else {
            "item-0-key".into()
        };
    }
    let base = field.split('[').next().unwrap_or(field);
    match base {
        "classification.category" => "category",
        "classification.class_code" => "class_code",
        "classification.subclass_code" => "subclass_code",
        "name" | "name_en" | "provider" | "provider_unit" | "summary" | "format" | "items"
        | "share_type" | "share_condition" | "share_modes" | "open_type" | "open_condition"
        | "update_cycle" | "publish_date" | "related_resources" | "systems" | "legal_basis"
        | "keywords" => base,
        _ => "form",
    }
    .to_string()
}

/// The form's controls in page order, so the summary reads top to bottom.
fn order_of(id: &str) -> (usize, usize, usize) {
    const TOP: [&str; 10] = [
        "form",
        "provider",
        "provider_unit",
        "category",
        "class_code",
        "subclass_code",
        "name",
        "name_en",
        "summary",
        "format",
    ];
    const COLUMNS: [&str; 7] = ["name", "code", "type", "length", "required", "key", "grade"];
    const REST: [&str; 11] = [
        "share_type",
        "share_condition",
        "share_modes",
        "legal_basis",
        "open_type",
        "open_condition",
        "update_cycle",
        "publish_date",
        "systems",
        "related_resources",
        "keywords",
    ];
    if let Some(p) = TOP.iter().position(|x| *x == id) {
        return (0, p, 0);
    }
    if id == "items" {
        return (1, 0, 0);
    }
    if let Some(rest) = id.strip_prefix("item-") {
        if let Some((i, col)) = rest.split_once('-') {
            let i = i.parse::<usize>().unwrap_or(0);
            let c = COLUMNS
                .iter()
                .position(|x| *x == col)
                .unwrap_or(COLUMNS.len());
            return (1, i + 1, c);
        }
    }
    match REST.iter().position(|x| *x == id) {
        Some(p) => (2, p, 0),
        None => (3, 0, 0),
    }
}

fn push_errors(lang: Lang, problems: &mut Problems, errs: &[FieldError], meta: &ResourceMeta) {
    let t = lang.strings();
    for e in errs {
        let id = control_of(&e.field, meta);
        let row = id
            .strip_prefix("item-")
            .and_then(|r| r.split_once('-'))
            .and_then(|(i, _)| i.parse::<usize>().ok());
        let prefix = match row {
            Some(i) => {
                let name = meta
                    .items
                    .get(i)
                    .map(|it| it.name.trim())
                    .filter(|n| !n.is_empty())
                    .map(|n| format!("（{n}）"))
                    .unwrap_or_default();
                format!(
                    "{}{}{}{name}：",
                    t.sc_row_before,
                    i + 1,
                    t.sc_row_after.trim_end()
                )
            }
            None => String::new(),
        };
        problems.push_in(id, lang.pick(&e.zh, &e.en), prefix);
    }
}

fn sort_problems(problems: &mut Problems) {
    problems.items.sort_by_key(|p| order_of(&p.id));
}

// ---- building the form page ----

fn choices<T: Copy + PartialEq>(
    all: &[T],
    chosen: &str,
    id: &str,
    wire: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> String,
) -> Vec<Choice> {
    all.iter()
        .enumerate()
        .map(|(i, v)| Choice {
            id: if i == 0 {
                id.to_string()
            } else {
                format!("{id}-{i}")
            },
            value: wire(*v).to_string(),
            label: label(*v),
            selected: chosen.trim() == wire(*v),
        })
        .collect()
}

/// A select's choices with a first empty "choose" option.
fn with_blank(t: &Strings, mut c: Vec<Choice>) -> Vec<Choice> {
    c.insert(
        0,
        Choice {
            id: String::new(),
            value: String::new(),
            label: t.sc_choose.to_string(),
            selected: false,
        },
    );
    c
}

struct FormContext {
    title: String,
    action: String,
    code: Option<String>,
    notice: Option<String>,
    returned: Option<String>,
    locked: Option<String>,
    /// The provider is fixed (an existing resource, or a steward of one department).
    provider_fixed: bool,
    /// The departments this steward may catalogue for, when they may choose.
    provider_choices: Vec<String>,
    focus: Option<(usize, &'static str)>,
    versions_href: Option<String>,
}

async fn form_page(
    st: &AppState,
    person: &Person,
    input: &MetaInput,
    problems: Problems,
    ctx: FormContext,
    status: StatusCode,
) -> Response {
    let path = ctx.action.clone();
    let current = if ctx.code.is_none() {
        "resources-new"
    } else {
        "resources"
    };
    let f = person.frame(&path, current);
    let (lang, t) = (f.lang, f.t);
    let orgs = st.store.list_orgs().await.unwrap_or_default();
    let names: HashMap<String, String> = orgs
        .iter()
        .map(|o| (o.code.clone(), lang.pick(&o.name, &o.name_en).to_string()))
        .collect();
    let err = |id: &str| problems.of(id);
    let field = |id: &'static str,
                 label: &'static str,
                 hint: &str,
                 required: bool,
                 kind: Kind,
                 value: &str,
                 choices: Vec<Choice>| Field {
        id,
        name: id,
        label,
        hint: hint.to_string(),
        required,
        kind,
        value: value.to_string(),
        choices,
        error: err(id),
    };

    let mut basic = Vec::new();
    let provider_fixed = if ctx.provider_fixed {
        Some((input.provider.clone(), name_of(&names, &input.provider)))
    } else {
        let c = ctx
            .provider_choices
            .iter()
            .map(|code| Choice {
                id: String::new(),
                value: code.clone(),
                label: name_of(&names, code),
                selected: *code == input.provider,
            })
            .collect();
        basic.push(field(
            "provider",
            t.sc_label_provider,
            t.sc_hint_provider,
            true,
            Kind::Select,
            "",
            with_blank(t, c),
        ));
        None
    };
    let units: Vec<Choice> = orgs
        .iter()
        .filter(|o| o.kind == OrgKind::Unit && o.parent.as_deref() == Some(input.provider.as_str()))
        .map(|o| Choice {
            id: String::new(),
            value: o.code.clone(),
            label: lang.pick(&o.name, &o.name_en).to_string(),
            selected: o.code == input.provider_unit,
        })
        .collect();
    if !units.is_empty() || !input.provider_unit.is_empty() {
        let mut units = units;
        if !input.provider_unit.is_empty() && !units.iter().any(|u| u.selected) {
            units.push(Choice {
                id: String::new(),
                value: input.provider_unit.clone(),
                label: input.provider_unit.clone(),
                selected: true,
            });
        }
        let mut c = vec![Choice {
            id: String::new(),
            value: String::new(),
            label: t.sc_no_unit.to_string(),
            selected: input.provider_unit.is_empty(),
        }];
        c.extend(units);
        basic.push(field(
            "provider_unit",
            t.sc_label_provider_unit,
            t.sc_hint_provider_unit,
            false,
            Kind::Select,
            "",
            c,
        ));
    }
    basic.push(field(
        "category",
        t.sc_label_category,
        t.sc_hint_category,
        true,
        Kind::Select,
        "",
        with_blank(
            t,
            choices(
                Category::ALL,
                &input.category,
                "category",
                Category::as_str,
                |c| pick_label(lang, c.label_zh(), c.as_str()).to_string(),
            ),
        ),
    ));
    basic.push(field(
        "class_code",
        t.sc_label_class_code,
        &class_hint(lang),
        true,
        Kind::Short,
        &input.class_code,
        Vec::new(),
    ));
    basic.push(field(
        "subclass_code",
        t.sc_label_subclass_code,
        t.sc_hint_subclass_code,
        true,
        Kind::Short,
        &input.subclass_code,
        Vec::new(),
    ));
    basic.push(field(
        "name",
        t.sc_label_name,
        t.sc_hint_name,
        true,
        Kind::Text,
        &input.name,
        Vec::new(),
    ));
    basic.push(field(
        "name_en",
        t.sc_label_name_en,
        t.sc_hint_name_en,
        false,
        Kind::Text,
        &input.name_en,
        Vec::new(),
    ));
    basic.push(field(
        "summary",
        t.sc_label_summary,
        t.sc_hint_summary,
        true,
        Kind::Area,
        &input.summary,
        Vec::new(),
    ));
    basic.push(field(
        "format",
        t.sc_label_format,
        "",
        true,
        Kind::Select,
        "",
        with_blank(
            t,
            choices(Format::ALL, &input.format, "format", Format::as_str, |c| {
                pick_label(lang, c.label_zh(), c.as_str()).to_string()
            }),
        ),
    ));

    let n = input.items.len();
    let items = input
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let prefix = format!("item-{i}-");
            let errors = problems
                .items
                .iter()
                .filter_map(|p| {
                    let col = p.id.strip_prefix(&prefix)?;
                    let col: &'static str = match col {
                        "name" => "name",
                        "code" => "code",
                        "type" => "type",
                        "length" => "length",
                        "required" => "required",
                        "key" => "key",
                        "grade" => "grade",
                        "description" => "description",
                        _ => return None,
                    };
                    Some((col, p.text.clone()))
                })
                .fold(
                    Vec::<(&'static str, String)>::new(),
                    |mut acc, (c, text)| {
                        match acc.iter_mut().find(|(k, _)| *k == c) {
                            Some((_, t)) => {
                                t.push(' ');
                                t.push_str(&text);
                            }
                            None => acc.push((c, text)),
                        }
                        acc
                    },
                );
            let (focus_name, focus_move) = match ctx.focus {
                Some((r, how)) if r == i => (how == "name", if how == "name" { "" } else { how }),
                _ => (false, ""),
            };
            ItemView {
                index: i,
                number: i + 1,
                row: format!("{}{}{}", t.sc_row_before, i + 1, t.sc_row_after),
                name: it.name.clone(),
                code: it.code.clone(),
                types: choices(
                    ItemType::ALL,
                    &it.item_type,
                    &format!("item-{i}-type"),
                    ItemType::as_str,
                    |c| pick_label(lang, c.label_zh(), c.as_str()).to_string(),
                ),
                length: it.length.clone(),
                required: it.required,
                key: it.key,
                personal: it.personal,
                element: it.element.clone(),
                grades: choices(
                    Grade::ALL,
                    &it.grade,
                    &format!("item-{i}-grade"),
                    Grade::as_str,
                    |g| grade_label(t, g).to_string(),
                ),
                description: it.description.clone(),
                first: i == 0,
                last: i + 1 == n,
                focus_name,
                focus_move,
                errors,
            }
        })
        .collect();

    let mut sharing = Vec::new();
    sharing.push(field(
        "share_type",
        t.sc_label_share_type,
        t.sc_hint_share_type,
        true,
        Kind::Radios,
        "",
        choices(
            ShareType::ALL,
            &input.share_type,
            "share_type",
            ShareType::as_str,
            |c| pick_label(lang, c.label_zh(), c.as_str()).to_string(),
        ),
    ));
    sharing.push(field(
        "share_condition",
        t.sc_label_share_condition,
        t.sc_hint_share_condition,
        false,
        Kind::Area,
        &input.share_condition,
        Vec::new(),
    ));
    let mut modes = choices(ShareMode::ALL, "", "share_modes", ShareMode::as_str, |c| {
        pick_label(lang, c.label_zh(), c.as_str()).to_string()
    });
    for m in &mut modes {
        m.selected = input.share_modes.contains(&m.value);
    }
    sharing.push(field(
        "share_modes",
        t.sc_label_share_modes,
        t.sc_hint_share_modes,
        false,
        Kind::Checks,
        "",
        modes,
    ));
    sharing.push(field(
        "legal_basis",
        t.sc_label_legal_basis,
        t.sc_hint_legal_basis,
        false,
        Kind::Area,
        &input.legal_basis,
        Vec::new(),
    ));
    sharing.push(field(
        "open_type",
        t.sc_label_open_type,
        t.sc_hint_open_type,
        true,
        Kind::Radios,
        "",
        choices(
            OpenType::ALL,
            &input.open_type,
            "open_type",
            OpenType::as_str,
            |c| pick_label(lang, c.label_zh(), c.as_str()).to_string(),
        ),
    ));
    sharing.push(field(
        "open_condition",
        t.sc_label_open_condition,
        t.sc_hint_open_condition,
        false,
        Kind::Area,
        &input.open_condition,
        Vec::new(),
    ));

    let mut more = Vec::new();
    more.push(field(
        "update_cycle",
        t.sc_label_update_cycle,
        t.sc_hint_update_cycle,
        true,
        Kind::Select,
        "",
        with_blank(
            t,
            choices(
                UpdateCycle::ALL,
                &input.update_cycle,
                "update_cycle",
                UpdateCycle::as_str,
                |c| pick_label(lang, c.label_zh(), c.as_str()).to_string(),
            ),
        ),
    ));
    more.push(field(
        "publish_date",
        t.sc_label_publish_date,
        t.sc_hint_publish_date,
        false,
        Kind::Short,
        &input.publish_date,
        Vec::new(),
    ));
    let systems = st
        .store
        .list_systems(Some(input.provider.clone()))
        .await
        .unwrap_or_default();
    let mut sys: Vec<Choice> = systems
        .iter()
        .map(|s| Choice {
            id: String::new(),
            value: s.code.clone(),
            label: format!("{}（{}）", lang.pick(&s.name, &s.name_en), s.code),
            selected: input.systems.contains(&s.code),
        })
        .collect();
    for s in &input.systems {
        if !sys.iter().any(|c| &c.value == s) {
            sys.push(Choice {
                id: String::new(),
                value: s.clone(),
                label: s.clone(),
                selected: true,
            });
        }
    }
    if !sys.is_empty() {
        for (i, c) in sys.iter_mut().enumerate() {
            c.id = if i == 0 {
                "systems".into()
            } else {
                format!("systems-{i}")
            };
        }
        more.push(field(
            "systems",
            t.sc_label_systems,
            t.sc_hint_systems,
            false,
            Kind::Checks,
            "",
            sys,
        ));
    }
    more.push(field(
        "related_resources",
        t.sc_label_related,
        t.sc_hint_related,
        false,
        Kind::Text,
        &input.related_resources,
        Vec::new(),
    ));
    more.push(field(
        "keywords",
        t.sc_label_keywords,
        t.sc_hint_keywords,
        false,
        Kind::Text,
        &input.keywords,
        Vec::new(),
    ));

    let page = FormPage {
        csrf: super::session::csrf_token(&person.secret),
        title: ctx.title,
        action: ctx.action,
        notice: ctx.notice,
        returned: ctx.returned,
        read_only: if ctx.locked.is_some() {
            let (meta, _) = input.to_meta();
            let lines = meta_lines(lang, t, &meta)
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(label, v)| {
                    if label == t.sc_label_provider {
                        (label, name_of(&names, &v))
                    } else {
                        (label, v)
                    }
                })
                .collect();
            let items = meta
                .items
                .iter()
                .map(|i| (format!("{}（{}）", i.name, i.code), item_text(lang, t, i)))
                .collect();
            Some(ReadOnly { lines, items })
        } else {
            None
        },
        locked: ctx.locked,
        items_error: problems.of("items"),
        problems,
        provider_fixed,
        basic,
        items,
        sharing,
        more,
        versions_href: ctx.versions_href,
        f,
    };
    (status, frame_views::html(&page)).into_response()
}

// ---- new ----

/// The departments the person catalogues for; none: core's refusal, with its reason.
fn steward_orgs(person: &Person) -> Result<Vec<String>, PageError> {
    catalog::require_some_steward(&person.principal)
        .map_err(|e| PageError::from_domain(person.lang, e))
}

fn new_context(t: &Strings, mine: &[String], focus: Option<(usize, &'static str)>) -> FormContext {
    FormContext {
        title: t.sc_new_title.to_string(),
        action: "/console/resources/new".into(),
        code: None,
        notice: None,
        returned: None,
        locked: None,
        provider_fixed: mine.len() == 1,
        provider_choices: mine.to_vec(),
        focus,
        versions_href: None,
    }
}

/// `/console/resources/new`: an empty form with one blank 信息项 row.
pub async fn new_form(State(st): State<AppState>, person: Person) -> Result<Response, PageError> {
    let mine = steward_orgs(&person)?;
    let input = MetaInput {
        provider: if mine.len() == 1 {
            mine[0].clone()
        } else {
            String::new()
        },
        items: vec![ItemInput::blank()],
        ..MetaInput::default()
    };
    let ctx = new_context(person.lang.strings(), &mine, None);
    Ok(form_page(
        &st,
        &person,
        &input,
        Problems::default(),
        ctx,
        StatusCode::OK,
    )
    .await)
}

/// `POST /console/resources/new`: a row operation re-renders; saving creates the draft,
/// submitting creates it and sends it for review.
pub async fn create(
    State(st): State<AppState>,
    person: Person,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let mine = steward_orgs(&person)?;
    let mut input = MetaInput::from_posted(&posted);
    if mine.len() == 1 {
        input.provider = mine[0].clone();
    }
    let t = person.lang.strings();
    let op = posted.one("op");
    if !matches!(op.as_str(), "" | "save" | "submit") {
        let focus = input.apply(&op);
        let ctx = new_context(t, &mine, focus);
        return Ok(form_page(
            &st,
            &person,
            &input,
            Problems::default(),
            ctx,
            StatusCode::OK,
        )
        .await);
    }
    let (meta, mut local) = input.to_meta();
    if !mine.contains(&input.provider) {
        local.insert(
            0,
            FieldError::new(
                "provider",
                "required",
                "请选择提供方（您担任数据管理员的部门）",
                "choose the provider (a department you are a data steward of)",
            ),
        );
    }
    let mut problems = Problems::default();
    if local.is_empty() {
        match st
            .store
            .create_resource(person.principal.clone(), meta.clone())
            .await
        {
            Ok(d) => return finish(&st, &person, &d.code, &op, &input).await,
            Err(StoreError::Domain(DomainError::Invalid(errs))) => {
                push_errors(person.lang, &mut problems, &errs, &meta)
            }
            Err(StoreError::Domain(e @ DomainError::Conflict { .. })) => {
                problems.push("form", domain_text(person.lang, &e))
            }
            Err(e) => return Err(person.error(e)),
        }
    } else {
        local_problems(person.lang, &mut problems, &local, &meta);
    }
    sort_problems(&mut problems);
    let ctx = new_context(t, &mine, None);
    Ok(form_page(
        &st,
        &person,
        &input,
        problems,
        ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await)
}

/// The form's own problems and core's checks of the rest, all at once: a field the form could
/// not read is reported once, by the form.
fn local_problems(lang: Lang, problems: &mut Problems, local: &[FieldError], meta: &ResourceMeta) {
    let mut all: Vec<FieldError> = local.to_vec();
    if let Err(DomainError::Invalid(core)) = catalog::validate_meta(meta) {
        let unread: Vec<&str> = local.iter().map(|e| e.field.as_str()).collect();
        let category_unread = unread.contains(&"classification.category");
        // A class code is checked against its category: without one, the check says nothing.
        let said =
            |f: &str| unread.contains(&f) || (category_unread && f == "classification.class_code");
        all.extend(core.into_iter().filter(|e| !said(&e.field)));
    }
    push_errors(lang, problems, &all, meta);
}

/// After a save: submit when asked, then where the person goes next.
async fn finish(
    st: &AppState,
    person: &Person,
    code: &str,
    op: &str,
    input: &MetaInput,
) -> Result<Response, PageError> {
    let seg = path_segment(code);
    if op != "submit" {
        return Ok(
            Redirect::to(&format!("/console/resources/{seg}/edit?done=saved")).into_response(),
        );
    }
    match st
        .store
        .submit_resource(person.principal.clone(), code)
        .await
    {
        Ok(_) => {
            let to = format!("/console/resources?done=submitted&code={seg}");
            Ok(Redirect::to(&to).into_response())
        }
        Err(StoreError::Domain(e @ (DomainError::Invalid(_) | DomainError::Conflict { .. }))) => {
            let mut problems = Problems::default();
            let (meta, _) = input.to_meta();
            match &e {
                DomainError::Invalid(errs) => push_errors(person.lang, &mut problems, errs, &meta),
                _ => problems.push("form", domain_text(person.lang, &e)),
            }
            sort_problems(&mut problems);
            let ctx = edit_context(person.lang.strings(), code, None, None, None, None);
            Ok(form_page(
                st,
                person,
                input,
                problems,
                ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await)
        }
        Err(e) => Err(person.error(e)),
    }
}

// ---- edit ----

fn edit_context(
    t: &Strings,
    code: &str,
    notice: Option<String>,
    returned: Option<String>,
    locked: Option<String>,
    focus: Option<(usize, &'static str)>,
) -> FormContext {
    let seg = path_segment(code);
    FormContext {
        title: format!("{}{code}", t.sc_edit_title_before),
        action: format!("/console/resources/{seg}/edit"),
        code: Some(code.to_string()),
        notice,
        returned,
        locked,
        provider_fixed: true,
        provider_choices: Vec::new(),
        focus,
        versions_href: Some(format!("/console/resources/{seg}/versions")),
    }
}

/// The resource as its steward edits it: the working copy, else the published version. A
/// resource the person may not see is not found; one of another department is refused.
struct Editing {
    meta: ResourceMeta,
    returned: Option<String>,
    locked: Option<String>,
}

async fn editing(st: &AppState, person: &Person, code: &str) -> Result<Editing, PageError> {
    let d = st
        .store
        .get_resource(person.principal.clone(), code)
        .await
        .map_err(|e| person.error(e))?;
    catalog::require_steward_of(&person.principal, &d.provider)
        .map_err(|e| PageError::from_domain(person.lang, e))?;
    let t = person.lang.strings();
    let (meta, state, returned) = match (d.draft, d.current) {
        (Some(dr), _) => (dr.meta, Some(dr.state), dr.returned_reason),
        (None, Some(v)) => (v.meta, None, None),
        (None, None) => return Err(PageError::NotFound(person.lang)),
    };
    let locked = if d.status == Status::Retired {
        Some(t.sc_locked_retired.to_string())
    } else if state == Some(DraftState::Submitted) {
        Some(t.sc_locked_review.to_string())
    } else {
        None
    };
    Ok(Editing {
        meta,
        returned: returned.filter(|_| state == Some(DraftState::Editing)),
        locked,
    })
}

#[derive(Deserialize, Default)]
pub struct EditQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `/console/resources/{code}/edit`.
pub async fn edit_form(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    Query(q): Query<EditQuery>,
) -> Result<Response, PageError> {
    let e = editing(&st, &person, &code).await?;
    let t = person.lang.strings();
    let notice = (q.done.as_deref() == Some("saved")).then(|| t.sc_saved.to_string());
    let input = MetaInput::from_meta(&e.meta);
    let ctx = edit_context(t, &code, notice, e.returned, e.locked, None);
    Ok(form_page(
        &st,
        &person,
        &input,
        Problems::default(),
        ctx,
        StatusCode::OK,
    )
    .await)
}

/// `POST /console/resources/{code}/edit`: a row operation re-renders; saving replaces the
/// working copy; submitting saves and sends it for review.
pub async fn update(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body);
    person.check_form(&headers, &st, &posted.one("csrf"))?;
    let e = editing(&st, &person, &code).await?;
    let t = person.lang.strings();
    let mut input = MetaInput::from_posted(&posted);
    // The provider of a resource never changes: the form cannot move it elsewhere.
    input.provider = e.meta.provider.clone();
    let op = posted.one("op");
    if !matches!(op.as_str(), "" | "save" | "submit") {
        let focus = input.apply(&op);
        let ctx = edit_context(t, &code, None, e.returned, e.locked, focus);
        return Ok(form_page(
            &st,
            &person,
            &input,
            Problems::default(),
            ctx,
            StatusCode::OK,
        )
        .await);
    }
    let (meta, local) = input.to_meta();
    let mut problems = Problems::default();
    if local.is_empty() {
        match st
            .store
            .update_resource(person.principal.clone(), &code, meta.clone())
            .await
        {
            Ok(_) => return finish(&st, &person, &code, &op, &input).await,
            Err(StoreError::Domain(DomainError::Invalid(errs))) => {
                push_errors(person.lang, &mut problems, &errs, &meta)
            }
            Err(StoreError::Domain(err @ DomainError::Conflict { .. })) => {
                problems.push("form", domain_text(person.lang, &err))
            }
            Err(err) => return Err(person.error(err)),
        }
    } else {
        local_problems(person.lang, &mut problems, &local, &meta);
    }
    sort_problems(&mut problems);
    let status = if problems.has("form") {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let ctx = edit_context(t, &code, None, e.returned, e.locked, None);
    Ok(form_page(&st, &person, &input, problems, ctx, status).await)
}

// ---- versions ----

#[derive(Deserialize, Default)]
pub struct CompareQuery {
    #[serde(default)]
    a: Option<String>,
    #[serde(default)]
    b: Option<String>,
}

fn list_text(v: &[String]) -> String {
    v.join("、")
}

/// The metadata fields compared, in the form's order: label and text.
fn meta_lines(lang: Lang, t: &Strings, m: &ResourceMeta) -> Vec<(&'static str, String)> {
    let l = |zh: &'static str, wire: &'static str| pick_label(lang, zh, wire).to_string();
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    vec![
        (t.sc_label_name, m.name.clone()),
        (t.sc_label_name_en, m.name_en.clone()),
        (
            t.sc_label_category,
            l(
                m.classification.category.label_zh(),
                m.classification.category.as_str(),
            ),
        ),
        (t.sc_label_class_code, m.classification.class_code.clone()),
        (
            t.sc_label_subclass_code,
            m.classification.subclass_code.clone(),
        ),
        (t.sc_label_provider, m.provider.clone()),
        (t.sc_label_provider_unit, opt(&m.provider_unit)),
        (t.sc_label_summary, m.summary.clone()),
        (t.sc_label_format, l(m.format.label_zh(), m.format.as_str())),
        (t.sc_col_key, list_text(&m.key_fields)),
        (
            t.sc_label_share_type,
            l(m.share_type.label_zh(), m.share_type.as_str()),
        ),
        (t.sc_label_share_condition, opt(&m.share_condition)),
        (
            t.sc_label_share_modes,
            m.share_modes
                .iter()
                .map(|s| l(s.label_zh(), s.as_str()))
                .collect::<Vec<_>>()
                .join("、"),
        ),
        (t.sc_label_legal_basis, opt(&m.legal_basis)),
        (
            t.sc_label_open_type,
            l(m.open_type.label_zh(), m.open_type.as_str()),
        ),
        (t.sc_label_open_condition, opt(&m.open_condition)),
        (
            t.sc_label_update_cycle,
            l(m.update_cycle.label_zh(), m.update_cycle.as_str()),
        ),
        (t.sc_label_publish_date, opt(&m.publish_date)),
        (t.sc_label_systems, list_text(&m.systems)),
        (t.sc_label_related, list_text(&m.related_resources)),
        (t.sc_label_keywords, list_text(&m.keywords)),
    ]
}

/// One 信息项 as one line of text, so two versions compare attribute by attribute.
fn item_text(lang: Lang, t: &Strings, i: &InfoItem) -> String {
    let mut parts =
        vec![pick_label(lang, i.item_type.label_zh(), i.item_type.as_str()).to_string()];
    if let Some(l) = i.length {
        parts.push(format!("{}{l}", t.sc_length_prefix));
    }
    parts.push(
        if i.required {
            t.sc_required_item
        } else {
            t.sc_optional_item
        }
        .to_string(),
    );
    parts.push(grade_label(t, i.grade).to_string());
    if let Some(d) = i.description.as_ref().filter(|d| !d.is_empty()) {
        parts.push(d.clone());
    }
    parts.join(" · ")
}

fn diff_row(t: &Strings, label: String, a: Option<String>, b: Option<String>) -> DiffRow {
    let (change, marker) = match (&a, &b) {
        (None, Some(_)) => ("added", t.sc_diff_added),
        (Some(_), None) => ("removed", t.sc_diff_removed),
        (Some(x), Some(y)) if x != y => ("changed", t.sc_diff_changed),
        _ => ("same", t.sc_diff_same),
    };
    DiffRow {
        label,
        a: a.unwrap_or_default(),
        b: b.unwrap_or_default(),
        change,
        marker,
    }
}

fn compare(
    lang: Lang,
    t: &Strings,
    a: (i64, &ResourceMeta),
    b: (i64, &ResourceMeta),
) -> Comparison {
    let (ma, mb) = (meta_lines(lang, t, a.1), meta_lines(lang, t, b.1));
    let fields: Vec<DiffRow> = ma
        .into_iter()
        .zip(mb)
        .map(|((label, x), (_, y))| {
            let x = Some(x).filter(|s| !s.is_empty());
            let y = Some(y).filter(|s| !s.is_empty());
            diff_row(t, label.to_string(), x, y)
        })
        .filter(|r| !(r.a.is_empty() && r.b.is_empty()))
        .collect();
    let mut items = Vec::new();
    for ib in &b.1.items {
        let ia = a.1.items.iter().find(|i| i.code == ib.code);
        let label = match ia {
            Some(ia) if ia.name != ib.name => format!("{} → {}（{}）", ia.name, ib.name, ib.code),
            _ => format!("{}（{}）", ib.name, ib.code),
        };
        let at = ia.map(|i| {
            let pos = a.1.items.iter().position(|x| x.code == i.code).unwrap_or(0) + 1;
            format!(
                "{}{pos}{} · {}",
                t.sc_row_before,
                t.sc_row_after.trim_end(),
                item_text(lang, t, i)
            )
        });
        let pos =
            b.1.items
                .iter()
                .position(|x| x.code == ib.code)
                .unwrap_or(0)
                + 1;
        let bt = format!(
            "{}{pos}{} · {}",
            t.sc_row_before,
            t.sc_row_after.trim_end(),
            item_text(lang, t, ib)
        );
        let mut row = diff_row(t, label, at, Some(bt));
        if row.change == "same" && ia.is_some_and(|ia| ia.name != ib.name) {
            row.change = "changed";
            row.marker = t.sc_diff_changed;
        }
        items.push(row);
    }
    for ia in &a.1.items {
        if !b.1.items.iter().any(|i| i.code == ia.code) {
            let pos =
                a.1.items
                    .iter()
                    .position(|x| x.code == ia.code)
                    .unwrap_or(0)
                    + 1;
            let at = format!(
                "{}{pos}{} · {}",
                t.sc_row_before,
                t.sc_row_after.trim_end(),
                item_text(lang, t, ia)
            );
            items.push(diff_row(
                t,
                format!("{}（{}）", ia.name, ia.code),
                Some(at),
                None,
            ));
        }
    }
    let n = fields
        .iter()
        .chain(items.iter())
        .filter(|r| r.change != "same")
        .count();
    Comparison {
        a: a.0,
        b: b.0,
        fields,
        items,
        changes: format!("{}{n}{}", t.sc_changes_before, t.sc_changes_after),
    }
}

/// `/console/resources/{code}/versions`: the published versions, and two of them side by side
/// (`?a=1&b=2`; the latest two by default).
pub async fn versions(
    State(st): State<AppState>,
    person: Person,
    Path(code): Path<String>,
    Query(q): Query<CompareQuery>,
) -> Result<Response, PageError> {
    let list = st
        .store
        .resource_versions(person.principal.clone(), &code)
        .await
        .map_err(|e| person.error(e))?;
    let f = person.frame(
        &format!("/console/resources/{}/versions", path_segment(&code)),
        "resources",
    );
    let (lang, t) = (f.lang, f.t);
    let num = |s: &Option<String>| s.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
    let latest = list.last().map(|v| v.version);
    let (a, b) = match (num(&q.a), num(&q.b)) {
        (Some(a), Some(b)) => (Some(a), Some(b)),
        _ if list.len() >= 2 => (Some(list[list.len() - 2].version), latest),
        _ => (None, None),
    };
    let comparison = match (a, b) {
        (Some(a), Some(b)) => {
            let va = st
                .store
                .resource_version(person.principal.clone(), &code, a)
                .await
                .map_err(|e| person.error(e))?;
            let vb = st
                .store
                .resource_version(person.principal.clone(), &code, b)
                .await
                .map_err(|e| person.error(e))?;
            Some(compare(lang, t, (a, &va.meta), (b, &vb.meta)))
        }
        _ => None,
    };
    let name = match latest {
        Some(v) => st
            .store
            .resource_version(person.principal.clone(), &code, v)
            .await
            .map(|v| lang.pick(&v.meta.name, &v.meta.name_en).to_string())
            .unwrap_or_else(|_| code.clone()),
        None => code.clone(),
    };
    let pick = |id: &str, chosen: Option<i64>| -> Vec<Choice> {
        list.iter()
            .map(|v| Choice {
                id: id.to_string(),
                value: v.version.to_string(),
                label: format!("{}{}{}", t.sc_version_before, v.version, t.sc_version_after),
                selected: chosen == Some(v.version),
            })
            .collect()
    };
    let page = VersionsPage {
        choices_a: pick("a", a),
        choices_b: pick("b", b),
        versions: list
            .iter()
            .map(|v| VersionRow {
                version: v.version,
                published: frame_views::date(lang, v.published_at),
                by: v
                    .published_by
                    .split_once(':')
                    .map(|(_, n)| n.to_string())
                    .unwrap_or_else(|| v.published_by.clone()),
            })
            .collect(),
        code,
        name,
        comparison,
        f,
    };
    Ok(frame_views::html(&page).into_response())
}

/// The classes a 基础 or 主题 resource may take, for the hint.
fn class_hint(lang: Lang) -> String {
    let join = |table: &[(&str, &str)]| {
        table
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join("、")
    };
    match lang {
        Lang::Zh => format!(
            "基础信息资源：{}；主题信息资源：{}；部门信息资源：01–99",
            join(BASE_CLASSES),
            join(THEME_CLASSES)
        ),
        Lang::En => format!(
            "Base: {}; theme: {}; department: 01–99",
            join(BASE_CLASSES),
            join(THEME_CLASSES)
        ),
    }
}
