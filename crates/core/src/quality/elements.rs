//! Data elements (数据元) and code sets (值域代码集): what an item means, and which codes it
//! may hold. The common national ones ship in `data/elements/`; the operator adds more.
//! A resource may declare, per item, the labels its source uses for codes (男 → 1), so a
//! department's export is stored as codes without being edited by hand.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::account::Principal;
use crate::catalog::ItemType;
use crate::collect::{Refusal, Semantic};
use crate::error::{DomainError, Errors, FieldError};

/// One code of a code set and what it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Code {
    pub code: String,
    pub label: String,
}

/// 值域代码集: a standard's list of codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeSet {
    /// How elements refer to it, e.g. `GB/T 2261.1`.
    pub id: String,
    /// The standard it comes from, with its year, e.g. `GB/T 2261.1-2003`.
    pub standard: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub codes: Vec<Code>,
}

/// A rule beyond a code list that values of an element follow (national check characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementRule {
    IdNumber,
    CreditCode,
    RegionCode,
}

impl ElementRule {
    pub fn semantic(self) -> Semantic {
        match self {
            ElementRule::IdNumber => Semantic::IdNumber,
            ElementRule::CreditCode => Semantic::CreditCode,
            ElementRule::RegionCode => Semantic::RegionCode,
        }
    }
}

/// 数据元: a named, defined kind of value that 信息项 link to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataElement {
    /// 标识符, e.g. `XBDM`; what an item's `element` names.
    pub identifier: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub definition: String,
    #[serde(rename = "type")]
    pub item_type: ItemType,
    #[serde(default)]
    pub length: Option<u32>,
    /// The code set its values come from, by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_set: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<ElementRule>,
}

/// The code sets shipped with the program.
pub fn builtin_code_sets() -> Vec<CodeSet> {
    serde_json::from_str(include_str!("../../data/elements/code_sets.json")).unwrap_or_default()
}

/// The data elements shipped with the program.
pub fn builtin_elements() -> Vec<DataElement> {
    serde_json::from_str(include_str!("../../data/elements/elements.json")).unwrap_or_default()
}

/// The national rule of a shipped element (the operator's elements have none), read once.
pub fn builtin_rule(identifier: &str) -> Option<ElementRule> {
    static BUILTIN: std::sync::OnceLock<Vec<DataElement>> = std::sync::OnceLock::new();
    BUILTIN
        .get_or_init(builtin_elements)
        .iter()
        .find(|e| e.identifier == identifier)
        .and_then(|e| e.rule)
}

/// Only the platform's operator changes the registry: it is shared by every department.
pub fn require_registry_editor(p: &Principal) -> Result<(), DomainError> {
    p.require_platform_admin()
}

/// Whether `s` has the shape of an element identifier (as item codes: `A-Z0-9_`, upper-case
/// first, at most 30).
pub fn is_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 30
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|x| x.is_ascii_uppercase() || x.is_ascii_digit() || *x == b'_')
}

/// Checks a new code set; `taken` tells whether an id is already in the registry.
pub fn validate_code_set(set: &CodeSet, taken: impl Fn(&str) -> bool) -> Result<(), DomainError> {
    let mut errs = Errors::default();
    errs.name("id", "代码集标识", &set.id, 40);
    if taken(set.id.trim()) {
        errs.push(FieldError::new(
            "id",
            "code_set_exists",
            format!("代码集 {} 已存在：请换一个标识", set.id),
            format!("code set {} already exists: choose another id", set.id),
        ));
    }
    errs.name("standard", "标准", &set.standard, 100);
    errs.name("name", "代码集名称", &set.name, 100);
    errs.opt_name(
        "name_en",
        Some(set.name_en.as_str()).filter(|s| !s.is_empty()),
        200,
    );
    if set.codes.is_empty() {
        errs.push(FieldError::new(
            "codes",
            "required",
            "代码集至少需要一个代码",
            "a code set needs at least one code",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, c) in set.codes.iter().enumerate() {
        errs.name(&format!("codes[{i}].code"), "代码", &c.code, 40);
        errs.name(&format!("codes[{i}].label"), "代码含义", &c.label, 100);
        if !seen.insert(c.code.trim()) {
            errs.push(FieldError::new(
                format!("codes[{i}].code"),
                "duplicate_code",
                format!("代码 {} 重复", c.code),
                format!("code {} appears twice", c.code),
            ));
        }
    }
    errs.into_result()
}

/// Checks a new data element; `taken` tells whether an identifier is in use, `set_known`
/// whether a code set id exists.
pub fn validate_element(
    e: &DataElement,
    taken: impl Fn(&str) -> bool,
    set_known: impl Fn(&str) -> bool,
) -> Result<(), DomainError> {
    let mut errs = Errors::default();
    if !is_identifier(&e.identifier) {
        errs.push(FieldError::new(
            "identifier",
            "invalid_identifier",
            "数据元标识符须以大写字母开头，由大写字母、数字或下划线组成，最长 30 位，如 XBDM",
            "an element identifier starts with an upper-case letter and uses A-Z, 0-9 and _, at most 30, e.g. XBDM",
        ));
    } else if taken(&e.identifier) {
        errs.push(FieldError::new(
            "identifier",
            "element_exists",
            format!("数据元 {} 已存在：请换一个标识符", e.identifier),
            format!(
                "data element {} already exists: choose another identifier",
                e.identifier
            ),
        ));
    }
    errs.name("name", "数据元名称", &e.name, 100);
    errs.opt_name(
        "name_en",
        Some(e.name_en.as_str()).filter(|s| !s.is_empty()),
        200,
    );
    errs.text("definition", "定义", &e.definition, 1000);
    if e.item_type.needs_length() && e.length.is_none_or(|l| l == 0) {
        errs.push(FieldError::new(
            "length",
            "required",
            format!("{}数据元须填写长度", e.item_type.label_zh()),
            format!("a {} element needs a length", e.item_type.as_str()),
        ));
    }
    if let Some(set) = &e.code_set {
        if !set_known(set) {
            errs.push(FieldError::new(
                "code_set",
                "unknown_code_set",
                format!("代码集 {set} 不存在：请先登记代码集"),
                format!("code set {set} does not exist: register it first"),
            ));
        }
    }
    errs.into_result()
}

/// Labels a resource's source uses, per item code: label → code.
pub type ValueMappings = BTreeMap<String, BTreeMap<String, String>>;

/// Checks a declared mapping for one item: the item must link to an element with a code
/// set, and every label must map to one of its codes. `field` names the item for errors.
pub fn validate_item_mapping(
    field: &str,
    item_name: &str,
    set: Option<&CodeSet>,
    labels: &BTreeMap<String, String>,
    errs: &mut Errors,
) {
    let Some(set) = set else {
        errs.push(FieldError::new(
            field,
            "no_code_set",
            format!("信息项「{item_name}」没有关联带代码集的数据元，不能声明标签映射"),
            format!("item `{item_name}` links to no data element with a code set, so it takes no label mapping"),
        ));
        return;
    };
    for (label, code) in labels {
        if label.trim().is_empty() || label.chars().count() > 100 {
            errs.push(FieldError::new(
                field,
                "invalid_label",
                "标签不能为空，最长 100 字",
                "a label is not blank and at most 100 characters",
            ));
        }
        if !set.codes.iter().any(|c| c.code == *code) {
            errs.push(FieldError::new(
                format!("{field}.{label}"),
                "not_in_code_set",
                format!(
                    "「{label}」映射到的代码「{code}」不在代码集 {} {} 中：应为 {}",
                    set.id,
                    set.name,
                    set.code_list("、")
                ),
                format!(
                    "`{label}` maps to `{code}`, which is not in code set {} ({}): use one of {}",
                    set.id,
                    english_name(set),
                    set.code_list(", ")
                ),
            ));
        }
    }
}

fn english_name(set: &CodeSet) -> &str {
    if set.name_en.is_empty() {
        &set.name
    } else {
        &set.name_en
    }
}

impl CodeSet {
    /// The codes, joined for a message (long sets cut after a dozen).
    pub fn code_list(&self, sep: &str) -> String {
        const SHOWN: usize = 12;
        let mut list: Vec<&str> = self
            .codes
            .iter()
            .take(SHOWN)
            .map(|c| c.code.as_str())
            .collect();
        if self.codes.len() > SHOWN {
            list.push("…");
        }
        list.join(sep)
    }

    pub fn contains(&self, code: &str) -> bool {
        self.codes.iter().any(|c| c.code == code)
    }
}

/// What an import checks one coded item against: the code set and the resource's declared
/// labels for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedItem {
    pub set: CodeSet,
    pub labels: BTreeMap<String, String>,
}

impl CodedItem {
    /// The code a (trimmed, non-empty) value stands for: itself when it is a code, else the
    /// code its declared label maps to; a refusal naming the code set otherwise.
    pub fn code_of(&self, item_name: &str, item_code: &str, v: &str) -> Result<String, Refusal> {
        if self.set.contains(v) {
            return Ok(v.to_string());
        }
        if let Some(code) = self.labels.get(v) {
            return Ok(code.clone());
        }
        let set = &self.set;
        if let Some(code) = self.zero_lost(v) {
            return Err(Refusal {
                reason: "leading_zero_lost",
                zh: format!(
                    "「{item_name}」的值「{v}」少了开头的 0（应为「{code}」，代码集 {} {}）：通常是 Excel 把代码存成了数字。\
                     请把这一列设置为文本格式并重新录入，或从原系统重新导出",
                    set.id, set.name
                ),
                en: format!(
                    "`{item_code}` value `{v}` lost its leading zero (`{code}` in code set {} ({})): Excel usually \
                     stored the code as a number. Format the column as text and re-enter it, or export it again",
                    set.id,
                    english_name(set)
                ),
            });
        }
        Err(Refusal {
            reason: "not_in_code_set",
            zh: format!(
                "「{item_name}」的值「{v}」不在代码集 {} {} 中：应为 {}，或在资源上声明标签到代码的映射",
                set.id,
                set.name,
                set.code_list("、")
            ),
            en: format!(
                "`{item_code}` value `{v}` is not in code set {} ({}): use one of {}, or declare a label-to-code mapping on the resource",
                set.id,
                english_name(set),
                set.code_list(", ")
            ),
        })
    }
}

impl CodedItem {
    /// The code `v` was before a spreadsheet dropped its leading zeros (`1` for `01`), when
    /// that is a code of the set.
    fn zero_lost(&self, v: &str) -> Option<&str> {
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.set.codes.iter().map(|c| c.code.as_str()).find(|c| {
            c.len() > v.len() && c.ends_with(v) && c[..c.len() - v.len()].bytes().all(|b| b == b'0')
        })
    }
}

/// How an import treats each item of a resource beyond its type: a national rule taken from
/// its element, and a code set to check against. Lined up with the resource's items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemChecks {
    pub rules: Vec<Option<ElementRule>>,
    pub coded: Vec<Option<CodedItem>>,
}

impl ItemChecks {
    /// The checks for `items` (by their `element`), from the registry's elements and code
    /// sets and the resource's declared labels.
    pub fn build(
        items: &[crate::catalog::InfoItem],
        elements: &[DataElement],
        sets: &[CodeSet],
        mappings: &ValueMappings,
    ) -> ItemChecks {
        let mut out = ItemChecks::default();
        for item in items {
            let element = item
                .element
                .as_deref()
                .and_then(|id| elements.iter().find(|e| e.identifier == id));
            out.rules.push(element.and_then(|e| e.rule));
            let set = element
                .and_then(|e| e.code_set.as_deref())
                .and_then(|id| sets.iter().find(|s| s.id == id));
            out.coded.push(set.map(|set| CodedItem {
                set: set.clone(),
                labels: mappings.get(&item.code).cloned().unwrap_or_default(),
            }));
        }
        out
    }
}

/// Whether a text that should be an identifier looks like Excel stored it as a number and
/// lost its last digits: scientific notation (`4.60100198801011E+17`), or a long run of
/// digits whose tail past the 15th — all Excel keeps — is zeros.
pub fn looks_like_number_stored(v: &str) -> bool {
    let t = v.trim();
    let upper = t.to_ascii_uppercase();
    if let Some((mantissa, exp)) = upper.split_once("E+").or_else(|| upper.split_once('E')) {
        let mantissa_ok = !mantissa.is_empty()
            && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && mantissa.bytes().any(|b| b.is_ascii_digit());
        let exp_ok = !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit());
        return mantissa_ok && exp_ok;
    }
    let digits = t.strip_suffix(".0").unwrap_or(t);
    digits.len() >= 16
        && digits.len() <= 18
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits[15..].bytes().all(|b| b == b'0')
}

/// The refusal for an identifier that Excel turned into a number.
pub fn number_stored_refusal(item_name: &str, item_code: &str, v: &str) -> Refusal {
    Refusal {
        reason: "stored_as_number",
        zh: format!(
            "「{item_name}」的值「{v}」被 Excel 存成了数字，末几位已经丢失（Excel 只保留 15 位有效数字）：\
             请把这一列设置为文本格式，重新录入或从原系统重新导出这些号码后再导入"
        ),
        en: format!(
            "`{item_code}` value `{v}` was stored by Excel as a number and its last digits are lost \
             (Excel keeps 15 significant digits): format the column as text, re-enter or re-export \
             the numbers, and import again"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(id: &str) -> CodeSet {
        builtin_code_sets()
            .into_iter()
            .find(|s| s.id == id)
            .unwrap()
    }

    #[test]
    fn shipped_data_reads_and_links() {
        let sets = builtin_code_sets();
        let elements = builtin_elements();
        assert_eq!(sets.len(), 4);
        assert_eq!(elements.len(), 8);
        for e in &elements {
            if let Some(s) = &e.code_set {
                assert!(sets.iter().any(|x| &x.id == s), "{s}");
            }
            assert!(is_identifier(&e.identifier));
        }
        for s in &sets {
            validate_code_set(s, |_| false).unwrap();
        }
        let eth = set("GB/T 3304");
        assert_eq!(eth.codes.len(), 58);
        assert_eq!(
            eth.codes[0],
            Code {
                code: "01".into(),
                label: "汉族".into()
            }
        );
        assert_eq!(eth.codes[18].label, "黎族");
        assert_eq!(eth.codes[55].label, "基诺族");
        let edu = set("GB/T 4658");
        assert!(edu.contains("10") && edu.contains("28") && edu.contains("90"));
        assert!(!edu.contains("72"));
        assert_eq!(
            set("GB/T 2261.2").code_list("、"),
            "10、20、21、22、23、30、40、90"
        );
    }

    #[test]
    fn codes_pass_labels_need_a_mapping() {
        let mut coded = CodedItem {
            set: set("GB/T 2261.1"),
            labels: BTreeMap::new(),
        };
        assert_eq!(coded.code_of("性别", "XB", "1").unwrap(), "1");
        let r = coded.code_of("性别", "XB", "男").unwrap_err();
        assert_eq!(r.reason, "not_in_code_set");
        assert_eq!(
            r.zh,
            "「性别」的值「男」不在代码集 GB/T 2261.1 性别代码 中：应为 0、1、2、9，或在资源上声明标签到代码的映射"
        );
        assert!(r.en.contains("sex codes") && r.en.contains("0, 1, 2, 9"));
        let ethnic = CodedItem {
            set: set("GB/T 3304"),
            labels: BTreeMap::new(),
        };
        let r = ethnic.code_of("民族", "MZ", "1").unwrap_err();
        assert_eq!(r.reason, "leading_zero_lost");
        assert!(
            r.zh.contains("应为「01」") && r.zh.contains("文本格式"),
            "{}",
            r.zh
        );
        assert_eq!(
            ethnic.code_of("民族", "MZ", "99").unwrap_err().reason,
            "not_in_code_set"
        );
        coded.labels.insert("男".into(), "1".into());
        assert_eq!(coded.code_of("性别", "XB", "男").unwrap(), "1");
    }

    #[test]
    fn mappings_must_target_codes_of_the_set() {
        let s = set("GB/T 2261.1");
        let mut errs = Errors::default();
        let labels = BTreeMap::from([
            ("男".to_string(), "1".to_string()),
            ("女".into(), "3".into()),
        ]);
        validate_item_mapping("items.XB", "性别", Some(&s), &labels, &mut errs);
        assert_eq!(errs.0.len(), 1);
        assert_eq!(errs.0[0].field, "items.XB.女");
        let mut errs = Errors::default();
        validate_item_mapping("items.XM", "姓名", None, &labels, &mut errs);
        assert_eq!(errs.0[0].reason, "no_code_set");
    }

    #[test]
    fn new_elements_are_checked_whole() {
        let e = DataElement {
            identifier: "bad id".into(),
            name: String::new(),
            name_en: String::new(),
            definition: "x".into(),
            item_type: ItemType::String,
            length: None,
            code_set: Some("NOPE".into()),
            rule: None,
        };
        let DomainError::Invalid(errs) = validate_element(&e, |_| false, |_| false).unwrap_err()
        else {
            panic!()
        };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["identifier", "name", "length", "code_set"]);
    }

    #[test]
    fn excel_numbers_are_told_apart() {
        assert!(looks_like_number_stored("4.60100198801011E+17"));
        assert!(looks_like_number_stored("4.60100198801011e17"));
        assert!(looks_like_number_stored("460100198801011000"));
        assert!(looks_like_number_stored("4601001988010110"));
        assert!(looks_like_number_stored("46010019880101000"));
        assert!(!looks_like_number_stored("460100198801010"));
        assert!(!looks_like_number_stored("11010519491231002X"));
        assert!(!looks_like_number_stored("440524188001010014"));
        assert!(!looks_like_number_stored("EEE"));
    }
}
