//! The government information resource catalog (政务信息资源目录): metadata, validation,
//! codes and the review lifecycle. No I/O: the store looks things up and calls these rules.
use serde::{Deserialize, Serialize};

use crate::account::Principal;
use crate::error::{DomainError, Errors, FieldError};

/// Declares a closed set of values with its wire name and Chinese label, so parsing,
/// serialising and labelling can never disagree.
macro_rules! labelled_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $wire:literal, $zh:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $( #[serde(rename = $wire)] $variant, )+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $wire,)+ } }
            pub fn label_zh(self) -> &'static str { match self { $($name::$variant => $zh,)+ } }
            /// Accepts the wire name or the Chinese label.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire | $zh => Some($name::$variant),)+ _ => None }
            }
            pub fn wire_names() -> String {
                [$($wire),+].join(", ")
            }
        }
    };
}

labelled_enum!(
    /// 资源分类
    Category { Base = "base", "基础信息资源"; Theme = "theme", "主题信息资源"; Department = "department", "部门信息资源"; }
);
labelled_enum!(
    /// 共享类型
    ShareType { Unconditional = "unconditional", "无条件共享"; Conditional = "conditional", "有条件共享"; NotShared = "not_shared", "不予共享"; }
);
labelled_enum!(
    /// 共享方式
    ShareMode { Api = "api", "接口"; Database = "database", "库表"; File = "file", "文件"; }
);
labelled_enum!(
    /// 开放属性
    OpenType { Open = "open", "无条件开放"; Conditional = "conditional", "有条件开放"; Closed = "closed", "不予开放"; }
);
labelled_enum!(
    /// 更新周期
    UpdateCycle {
        Realtime = "realtime", "实时"; Daily = "daily", "每日"; Weekly = "weekly", "每周";
        Monthly = "monthly", "每月"; Quarterly = "quarterly", "每季度"; HalfYearly = "half_yearly", "每半年";
        Yearly = "yearly", "每年"; Irregular = "irregular", "不定期";
    }
);
labelled_enum!(
    /// 数据分级 (GB/T 43697-2024)
    Grade { General = "general", "一般"; Important = "important", "重要"; Core = "core", "核心"; }
);
labelled_enum!(
    /// 信息项数据类型 (national catalogue guide)
    ItemType {
        String = "string", "字符型"; Number = "number", "数值型"; Money = "money", "货币型";
        Date = "date", "日期型"; DateTime = "datetime", "日期时间型"; Boolean = "boolean", "逻辑型";
        Text = "text", "备注型"; Binary = "binary", "二进制";
    }
);
labelled_enum!(
    /// 资源格式
    Format {
        Database = "database", "数据库"; Spreadsheet = "spreadsheet", "电子表格"; Document = "document", "电子文件";
        Image = "image", "图形图像"; Stream = "stream", "流媒体"; Api = "api", "接口";
    }
);
labelled_enum!(
    /// The state of a resource as a whole.
    Status { Draft = "draft", "草稿"; Submitted = "submitted", "待审核"; Published = "published", "已发布"; Retired = "retired", "已停用"; }
);

impl Category {
    /// The leading digit of a resource code.
    pub fn digit(self) -> char {
        match self {
            Category::Base => '1',
            Category::Theme => '2',
            Category::Department => '3',
        }
    }
}

impl ItemType {
    /// Types whose values have a meaningful maximum length.
    pub fn needs_length(self) -> bool {
        matches!(self, ItemType::String | ItemType::Number | ItemType::Money)
    }
}

/// 基础信息资源 classes.
pub const BASE_CLASSES: &[(&str, &str)] = &[
    ("01", "人口"),
    ("02", "法人"),
    ("03", "自然资源和空间地理"),
    ("04", "社会信用"),
    ("05", "电子证照"),
];

/// 主题信息资源 classes.
pub const THEME_CLASSES: &[(&str, &str)] = &[
    ("01", "医疗健康"),
    ("02", "社会保障"),
    ("03", "食品药品安全"),
    ("04", "安全生产"),
    ("05", "价格监管"),
    ("06", "能源安全"),
    ("07", "城乡建设"),
    ("08", "社区治理"),
    ("09", "生态环保"),
    ("10", "应急管理"),
    ("11", "旅游文化"),
    ("12", "交通出行"),
    ("13", "教育就业"),
    ("14", "营商环境"),
    ("15", "自贸港建设"),
];

/// 分类: category, class (项, 2 digits) and subclass (目, 3 digits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    pub category: Category,
    pub class_code: String,
    pub subclass_code: String,
}

impl Classification {
    /// The class name for base and theme resources (department classes are named by the department).
    pub fn class_name(&self) -> Option<&'static str> {
        let table = match self.category {
            Category::Base => BASE_CLASSES,
            Category::Theme => THEME_CLASSES,
            Category::Department => return None,
        };
        table
            .iter()
            .find(|(c, _)| *c == self.class_code)
            .map(|(_, n)| *n)
    }
    /// The front segment (前段码) of resource codes in this class, e.g. `101001`.
    pub fn prefix(&self) -> String {
        format!(
            "{}{}{}",
            self.category.digit(),
            self.class_code,
            self.subclass_code
        )
    }
}

/// 信息项
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoItem {
    pub name: String,
    pub code: String,
    #[serde(rename = "type")]
    pub item_type: ItemType,
    #[serde(default)]
    pub length: Option<u32>,
    #[serde(default)]
    pub required: bool,
    pub grade: Grade,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// 个人信息: the item describes a person (a name, a number, an address), whatever its
    /// grade; it never reaches the open-data portal.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub personal: bool,
    /// 数据元: the identifier of the data element the item is an instance of; its values
    /// then follow the element's code set and national rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
}

/// The metadata a provider fills in for one resource (one version of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceMeta {
    pub classification: Classification,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// 提供方: the providing department's organisation code.
    pub provider: String,
    /// 内设机构: the internal unit that maintains it.
    #[serde(default)]
    pub provider_unit: Option<String>,
    pub summary: String,
    pub format: Format,
    pub items: Vec<InfoItem>,
    pub key_fields: Vec<String>,
    pub share_type: ShareType,
    #[serde(default)]
    pub share_condition: Option<String>,
    #[serde(default)]
    pub share_modes: Vec<ShareMode>,
    pub open_type: OpenType,
    #[serde(default)]
    pub open_condition: Option<String>,
    pub update_cycle: UpdateCycle,
    /// 发布日期 (YYYY-MM-DD); set to the publication day when left empty.
    #[serde(default)]
    pub publish_date: Option<String>,
    /// 关联资源 codes.
    #[serde(default)]
    pub related_resources: Vec<String>,
    /// Related information system codes.
    #[serde(default)]
    pub systems: Vec<String>,
    /// 法律法规依据: required for conditional and not-shared resources.
    #[serde(default)]
    pub legal_basis: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
}

impl ResourceMeta {
    /// The resource's grade: the highest grade of its items.
    pub fn grade(&self) -> Grade {
        self.items
            .iter()
            .map(|i| i.grade)
            .max()
            .unwrap_or(Grade::General)
    }
}

const MAX_ITEMS: usize = 500;

fn is_item_code(c: &str) -> bool {
    let b = c.as_bytes();
    !b.is_empty()
        && b.len() <= 30
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|x| x.is_ascii_uppercase() || x.is_ascii_digit() || *x == b'_')
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().map(str::trim).unwrap_or("").is_empty()
}

/// Checks everything about a resource's metadata that needs no lookup. References to
/// organisations, systems and other resources are checked by the store.
pub fn validate_meta(m: &ResourceMeta) -> Result<(), DomainError> {
    let mut errs = Errors::default();
    validate_classification(&m.classification, &mut errs);
    errs.name("name", "资源名称", &m.name, 100);
    errs.opt_name("name_en", Some(&m.name_en), 200);
    errs.text("provider", "提供方", &m.provider, 40);
    errs.text("summary", "资源摘要", &m.summary, 2000);
    validate_items(m, &mut errs);
    validate_sharing(m, &mut errs);
    if let Some(d) = &m.publish_date {
        if parse_date(d).is_none() {
            errs.push(FieldError::new(
                "publish_date",
                "invalid_date",
                "发布日期格式应为 YYYY-MM-DD",
                "publish_date must be a date in the form YYYY-MM-DD",
            ));
        }
    }
    for (i, r) in m.related_resources.iter().enumerate() {
        if !is_resource_code(r) {
            errs.push(FieldError::new(
                format!("related_resources[{i}]"),
                "invalid_resource_code",
                format!("关联资源代码 {r} 格式不正确，应如 101001-000001"),
                format!("related resource code {r} is malformed; expected e.g. 101001-000001"),
            ));
        }
    }
    errs.opt_text("legal_basis", m.legal_basis.as_deref(), 1000);
    errs.opt_text("share_condition", m.share_condition.as_deref(), 1000);
    errs.opt_text("open_condition", m.open_condition.as_deref(), 1000);
    for (i, k) in m.keywords.iter().enumerate() {
        errs.name(&format!("keywords[{i}]"), "关键词", k, 30);
    }
    if m.keywords.len() > 20 || m.keywords.iter().any(|k| k.chars().count() > 30) {
        errs.push(FieldError::new(
            "keywords",
            "too_many_keywords",
            "关键词最多 20 个，每个不超过 30 字",
            "at most 20 keywords of at most 30 characters each",
        ));
    }
    errs.into_result()
}

fn validate_classification(c: &Classification, errs: &mut Errors) {
    let class_ok = match c.category {
        Category::Department => is_digits(&c.class_code, 2),
        _ => c.class_name().is_some(),
    };
    if !class_ok {
        let known: Vec<String> = match c.category {
            Category::Base => BASE_CLASSES
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect(),
            Category::Theme => THEME_CLASSES
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect(),
            Category::Department => vec!["01–99".into()],
        };
        errs.push(FieldError::new(
            "classification.class_code",
            "unknown_class",
            format!(
                "{}的类代码应为：{}",
                c.category.label_zh(),
                known.join("、")
            ),
            format!(
                "class_code for {} resources must be one of: {}",
                c.category.as_str(),
                known.join(", ")
            ),
        ));
    }
    if !is_digits(&c.subclass_code, 3) {
        errs.push(FieldError::new(
            "classification.subclass_code",
            "invalid_subclass",
            "目代码应为 3 位数字，如 001",
            "subclass_code must be three digits, e.g. 001",
        ));
    }
}

fn validate_items(m: &ResourceMeta, errs: &mut Errors) {
    if m.items.is_empty() {
        errs.push(FieldError::new(
            "items",
            "required",
            "至少需要一个信息项",
            "at least one information item is required",
        ));
    }
    if m.items.len() > MAX_ITEMS {
        errs.push(FieldError::new(
            "items",
            "too_many_items",
            format!("信息项最多 {MAX_ITEMS} 个"),
            format!("at most {MAX_ITEMS} items"),
        ));
    }
    let mut codes = std::collections::HashSet::new();
    let mut names = std::collections::HashSet::new();
    for (i, item) in m.items.iter().enumerate() {
        let f = |s: &str| format!("items[{i}].{s}");
        errs.name(&f("name"), "信息项名称", &item.name, 100);
        if !is_item_code(&item.code) {
            errs.push(FieldError::new(
                f("code"),
                "invalid_item_code",
                "信息项代码须以大写字母开头，由大写字母、数字或下划线组成，最长 30 位，如 GMSFHM",
                "an item code starts with an upper-case letter and uses A-Z, 0-9 and _, at most 30, e.g. GMSFHM",
            ));
        }
        if !codes.insert(item.code.as_str()) {
            errs.push(FieldError::new(
                f("code"),
                "duplicate_item_code",
                format!("信息项代码 {} 重复", item.code),
                format!("item code {} appears twice", item.code),
            ));
        }
        if !names.insert(item.name.trim()) {
            errs.push(FieldError::new(
                f("name"),
                "duplicate_item_name",
                format!("信息项名称「{}」重复", item.name),
                format!("item name {} appears twice", item.name),
            ));
        }
        match (item.item_type.needs_length(), item.length) {
            (true, None) | (true, Some(0)) => errs.push(FieldError::new(
                f("length"),
                "required",
                format!("{}信息项须填写长度", item.item_type.label_zh()),
                format!("a {} item needs a length", item.item_type.as_str()),
            )),
            (_, Some(l)) if l > 65_535 => errs.push(FieldError::new(
                f("length"),
                "too_long",
                "长度不能超过 65535",
                "length must be at most 65535",
            )),
            _ => {}
        }
        errs.opt_text(&f("description"), item.description.as_deref(), 500);
        if let Some(e) = &item.element {
            if !crate::quality::elements::is_identifier(e) {
                errs.push(FieldError::new(
                    f("element"),
                    "unknown_element",
                    format!("信息项「{}」关联的数据元标识符「{e}」格式不正确，应如 XBDM", item.name),
                    format!("item `{}` links to `{e}`, which is not a data element identifier (e.g. XBDM)", item.code),
                ));
            }
        }
    }
    if m.key_fields.is_empty() {
        errs.push(FieldError::new(
            "key_fields",
            "required",
            "须指定至少一个主键信息项（如公民身份号码）",
            "name at least one key item (e.g. the citizen ID number)",
        ));
    }
    for (i, k) in m.key_fields.iter().enumerate() {
        match m.items.iter().find(|it| &it.code == k) {
            None => errs.push(FieldError::new(
                format!("key_fields[{i}]"),
                "unknown_item",
                format!("主键 {k} 不是本资源的信息项代码"),
                format!("key field {k} is not one of this resource's item codes"),
            )),
            Some(it) if !it.required => errs.push(FieldError::new(
                format!("key_fields[{i}]"),
                "key_not_required",
                format!("主键信息项 {k} 必须设为必填"),
                format!("key item {k} must be required"),
            )),
            _ => {}
        }
    }
}

fn validate_sharing(m: &ResourceMeta, errs: &mut Errors) {
    let needs_basis = matches!(m.share_type, ShareType::Conditional | ShareType::NotShared);
    if needs_basis && blank(&m.legal_basis) {
        errs.push(FieldError::new(
            "legal_basis",
            "legal_basis_required",
            format!(
                "{}必须注明法律、行政法规或政策依据",
                m.share_type.label_zh()
            ),
            format!(
                "a {} resource must cite its legal basis",
                m.share_type.as_str()
            ),
        ));
    }
    if m.share_type == ShareType::Conditional && blank(&m.share_condition) {
        errs.push(FieldError::new(
            "share_condition",
            "share_condition_required",
            "有条件共享须说明共享条件",
            "a conditional resource must state its sharing condition",
        ));
    }
    if m.share_type != ShareType::NotShared && m.share_modes.is_empty() {
        errs.push(FieldError::new(
            "share_modes",
            "required",
            "须选择至少一种共享方式（接口/库表/文件）",
            "choose at least one share mode (api, database, file)",
        ));
    }
    if m.share_type == ShareType::NotShared && m.open_type != OpenType::Closed {
        errs.push(FieldError::new(
            "open_type",
            "not_shared_must_be_closed",
            "不予共享的资源不能向社会开放，开放属性应为不予开放",
            "a resource that is not shared cannot be opened to the public; set open_type to closed",
        ));
    }
    if m.open_type == OpenType::Conditional && blank(&m.open_condition) {
        errs.push(FieldError::new(
            "open_condition",
            "open_condition_required",
            "有条件开放须说明开放条件",
            "a conditionally open resource must state its opening condition",
        ));
    }
}

/// `YYYY-MM-DD` → date, or `None`.
pub fn parse_date(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// The day in China Standard Time (UTC+8) of a millisecond timestamp, as YYYY-MM-DD.
pub fn china_date(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        + time::Duration::hours(8);
    format!("{:04}-{:02}-{:02}", t.year(), t.month() as u8, t.day())
}

/// Resource codes: the six-digit front segment (category, class, subclass) and a six-digit
/// sequence, e.g. `101001-000001`. Allocated once and never changed.
pub fn resource_code(prefix: &str, seq: u64) -> String {
    format!("{prefix}-{seq:06}")
}

pub fn is_resource_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 13 && b[6] == b'-' && is_digits(&s[..6], 6) && is_digits(&s[7..], 6)
}

/// The working copy of a resource between publications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftState {
    Editing,
    Submitted,
}

/// The lifecycle position of a resource, enough to decide every transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    pub published_version: Option<u32>,
    pub retired: bool,
    pub draft: Option<DraftState>,
}

impl Lifecycle {
    pub fn status(&self) -> Status {
        if self.retired {
            Status::Retired
        } else if self.published_version.is_some() {
            Status::Published
        } else if self.draft == Some(DraftState::Submitted) {
            Status::Submitted
        } else {
            Status::Draft
        }
    }

    pub fn can_edit(&self) -> Result<(), DomainError> {
        if self.retired {
            return Err(retired());
        }
        if self.draft == Some(DraftState::Submitted) {
            return Err(DomainError::conflict(
                "already_submitted",
                "资源已提交审核，审核完成（发布或退回）前不能修改",
                "the resource is awaiting review; it cannot be changed until it is published or sent back",
            ));
        }
        Ok(())
    }

    pub fn can_submit(&self) -> Result<(), DomainError> {
        if self.retired {
            return Err(retired());
        }
        match self.draft {
            Some(DraftState::Editing) => Ok(()),
            Some(DraftState::Submitted) => Err(DomainError::conflict(
                "already_submitted",
                "资源已提交审核",
                "the resource is already awaiting review",
            )),
            None => Err(DomainError::conflict(
                "nothing_to_submit",
                "没有待提交的修改，请先编辑资源",
                "there are no changes to submit; edit the resource first",
            )),
        }
    }

    pub fn can_review(&self) -> Result<(), DomainError> {
        if self.draft == Some(DraftState::Submitted) && !self.retired {
            Ok(())
        } else {
            Err(DomainError::conflict(
                "not_submitted",
                "资源不在待审核状态",
                "the resource is not awaiting review",
            ))
        }
    }

    pub fn can_retire(&self) -> Result<(), DomainError> {
        if self.retired {
            return Err(retired());
        }
        if self.published_version.is_none() {
            return Err(DomainError::conflict(
                "not_published",
                "只有已发布的资源可以停用",
                "only a published resource can be retired",
            ));
        }
        Ok(())
    }
}

fn retired() -> DomainError {
    DomainError::conflict(
        "retired",
        "资源已停用，不能再修改",
        "the resource is retired and can no longer change",
    )
}

/// Only the provider's own data stewards may create, edit and submit its resources.
pub fn require_steward_of(p: &Principal, provider: &str) -> Result<(), DomainError> {
    p.require_authenticated()?;
    if p.has_role_in(crate::account::Role::DataSteward, provider) {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "not_provider_steward",
            format!("只有提供方（{provider}）的数据管理员可以编辑其资源"),
            format!("only a data steward of the provider ({provider}) may edit its resources"),
        ))
    }
}

/// Whose resources a person's catalogue workspace lists: the operator any department's (every
/// department's when none is asked for), a data steward only their own departments'. `None`
/// means every department. Anyone else is refused with the reason, never shown an empty list.
pub fn catalogue_scope(
    p: &Principal,
    asked: Option<&str>,
) -> Result<Option<Vec<String>>, DomainError> {
    p.require_authenticated()?;
    let asked = asked.map(str::trim).filter(|a| !a.is_empty());
    if p.is_platform_admin() {
        return Ok(asked.map(|a| vec![a.to_string()]));
    }
    if let Some(a) = asked {
        require_steward_of(p, a)?;
        return Ok(Some(vec![a.to_string()]));
    }
    require_some_steward(p).map(Some)
}

/// The departments a person catalogues resources for (a data steward's); anyone else is
/// refused with the reason.
pub fn require_some_steward(p: &Principal) -> Result<Vec<String>, DomainError> {
    p.require_authenticated()?;
    let mine = p.steward_orgs();
    if mine.is_empty() {
        return Err(DomainError::forbidden(
            "not_a_steward",
            "只有数据提供部门的数据管理员可以登记和修改资源；您的账号没有数据管理员角色",
            "only a providing department's data steward catalogues resources; your account has no data steward role",
        ));
    }
    Ok(mine)
}

/// Which resources a principal may see, for search and reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility {
    /// Published and retired resources of every provider.
    pub all_published: bool,
    /// Only published resources whose 开放属性 is not 不予开放 (the public).
    pub open_only: bool,
    /// Drafts and submissions of every provider (operator and auditors).
    pub all_drafts: bool,
    /// Drafts of these providers (their stewards).
    pub draft_providers: Vec<String>,
}

impl Visibility {
    pub fn of(p: &Principal) -> Visibility {
        use crate::account::Role;
        // Data subjects (citizens, companies) see what the public sees.
        if !p.is_staff() {
            return Visibility {
                all_published: false,
                open_only: true,
                all_drafts: false,
                draft_providers: vec![],
            };
        }
        Visibility {
            all_published: true,
            open_only: false,
            all_drafts: p.has_role(Role::PlatformAdmin) || p.has_role(Role::Auditor),
            draft_providers: p.steward_orgs(),
        }
    }
    pub fn may_see(&self, status: Status, provider: &str, open: OpenType) -> bool {
        match status {
            Status::Published => self.all_published || (self.open_only && open != OpenType::Closed),
            Status::Retired => self.all_published,
            Status::Draft | Status::Submitted => {
                self.all_drafts || self.draft_providers.iter().any(|o| o == provider)
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> ResourceMeta {
        ResourceMeta {
            classification: Classification {
                category: Category::Base,
                class_code: "01".into(),
                subclass_code: "001".into(),
            },
            name: "全员人口基础信息".into(),
            name_en: "Population base information".into(),
            provider: "hi-gat".into(),
            provider_unit: None,
            summary: "全省户籍和常住人口的基础信息".into(),
            format: Format::Database,
            items: vec![
                InfoItem {
                    name: "公民身份号码".into(),
                    code: "GMSFHM".into(),
                    item_type: ItemType::String,
                    length: Some(18),
                    required: true,
                    grade: Grade::Core,
                    description: None,
                    personal: false,
                    element: None,
                },
                InfoItem {
                    name: "姓名".into(),
                    code: "XM".into(),
                    item_type: ItemType::String,
                    length: Some(50),
                    required: true,
                    grade: Grade::Important,
                    description: None,
                    personal: false,
                    element: None,
                },
            ],
            key_fields: vec!["GMSFHM".into()],
            share_type: ShareType::Conditional,
            share_condition: Some("仅限政务服务使用".into()),
            share_modes: vec![ShareMode::Api],
            open_type: OpenType::Closed,
            open_condition: None,
            update_cycle: UpdateCycle::Daily,
            publish_date: None,
            related_resources: vec![],
            systems: vec![],
            legal_basis: Some("《中华人民共和国居民身份证法》".into()),
            keywords: vec![],
        }
    }

    fn fields(r: Result<(), DomainError>) -> Vec<String> {
        match r {
            Err(DomainError::Invalid(e)) => e.into_iter().map(|e| e.field).collect(),
            Ok(()) => vec![],
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn sample_is_valid_and_core_graded() {
        assert!(validate_meta(&sample()).is_ok());
        assert_eq!(sample().grade(), Grade::Core);
    }

    #[test]
    fn conditional_without_legal_basis_is_refused() {
        let m = ResourceMeta {
            legal_basis: Some("  ".into()),
            ..sample()
        };
        assert_eq!(fields(validate_meta(&m)), vec!["legal_basis"]);
    }

    #[test]
    fn key_must_be_a_required_item() {
        let mut m = sample();
        m.key_fields = vec!["NOPE".into(), "XM".into()];
        m.items[1].required = false;
        assert_eq!(
            fields(validate_meta(&m)),
            vec!["key_fields[0]", "key_fields[1]"]
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut m = sample();
        m.name = String::new();
        m.classification.class_code = "99".into();
        m.items[0].code = "gmsfhm".into();
        m.items.push(m.items[1].clone());
        let f = fields(validate_meta(&m));
        for expected in [
            "name",
            "classification.class_code",
            "items[0].code",
            "items[2].code",
            "items[2].name",
        ] {
            assert!(
                f.contains(&expected.to_string()),
                "{expected} missing from {f:?}"
            );
        }
    }

    #[test]
    fn not_shared_must_not_be_open() {
        let m = ResourceMeta {
            share_type: ShareType::NotShared,
            open_type: OpenType::Open,
            ..sample()
        };
        assert_eq!(fields(validate_meta(&m)), vec!["open_type"]);
    }

    #[test]
    fn enums_parse_wire_names_and_chinese_labels() {
        assert_eq!(ShareType::parse("有条件共享"), Some(ShareType::Conditional));
        assert_eq!(
            ShareType::parse("conditional"),
            Some(ShareType::Conditional)
        );
        assert_eq!(ShareType::parse("maybe"), None);
    }

    #[test]
    fn lifecycle_transitions() {
        let draft = Lifecycle {
            published_version: None,
            retired: false,
            draft: Some(DraftState::Editing),
        };
        assert!(draft.can_submit().is_ok());
        assert!(draft.can_review().is_err());
        assert!(draft.can_retire().is_err());
        let submitted = Lifecycle {
            draft: Some(DraftState::Submitted),
            ..draft.clone()
        };
        assert!(submitted.can_edit().is_err());
        assert!(submitted.can_review().is_ok());
        assert_eq!(submitted.status(), Status::Submitted);
        let published = Lifecycle {
            published_version: Some(1),
            retired: false,
            draft: None,
        };
        assert!(published.can_edit().is_ok());
        assert!(published.can_submit().is_err());
        assert!(published.can_retire().is_ok());
    }

    #[test]
    fn catalogue_scope_is_the_stewards_own_departments_or_all_for_the_operator() {
        use crate::account::{Role, RoleBinding};
        let person = |role: Role, org: &str| Principal::Person {
            username: "p".into(),
            org: org.into(),
            roles: vec![RoleBinding {
                role,
                org: org.into(),
            }],
        };
        let steward = person(Role::DataSteward, "d-a");
        assert_eq!(
            catalogue_scope(&steward, None).unwrap(),
            Some(vec!["d-a".to_string()])
        );
        assert!(catalogue_scope(&steward, Some("d-b")).is_err());
        let admin = person(Role::PlatformAdmin, "op");
        assert_eq!(catalogue_scope(&admin, None).unwrap(), None);
        assert_eq!(
            catalogue_scope(&admin, Some("d-b")).unwrap(),
            Some(vec!["d-b".to_string()])
        );
        let consumer = person(Role::ConsumerUser, "d-a");
        assert!(matches!(
            catalogue_scope(&consumer, None),
            Err(DomainError::Forbidden { .. })
        ));
    }

    #[test]
    fn resource_codes() {
        assert_eq!(resource_code("101001", 7), "101001-000007");
        assert!(is_resource_code("101001-000007"));
        assert!(!is_resource_code("101001/000007"));
    }
}
