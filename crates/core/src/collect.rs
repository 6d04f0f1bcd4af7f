//! Collection (归集): checking each incoming value against its 信息项 and the national code
//! rules, and telling the encodings department exports come in apart. No I/O: readers and
//! the database live elsewhere.
pub mod source;

use time::Date;

use crate::account::{Principal, Role};
use crate::catalog::{InfoItem, ItemType, ResourceMeta, UpdateCycle};
use crate::error::{DomainError, Errors, FieldError};
use crate::ident;
use crate::quality::elements::{looks_like_number_stored, number_stored_refusal, ItemChecks};

/// Province-level GB/T 2260 codes: the first two digits of every 公民身份号码 and region code.
const PROVINCES: &[&str] = &[
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

/// What a value means beyond its type, recognised from the item's code or name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Semantic {
    /// 公民身份号码 (GB 11643).
    IdNumber,
    /// 统一社会信用代码 (GB 32100).
    CreditCode,
    /// 行政区划代码 (GB/T 2260).
    RegionCode,
    Plain,
}

pub fn semantic_of(item: &InfoItem) -> Semantic {
    // A link to a national data element says it outright.
    if let Some(rule) = item
        .element
        .as_deref()
        .and_then(crate::quality::elements::builtin_rule)
    {
        return rule.semantic();
    }
    let code = item.code.to_ascii_uppercase();
    let name = item.name.as_str();
    if matches!(code.as_str(), "GMSFHM" | "SFZH" | "SFZHM") || name.contains("公民身份号码") {
        Semantic::IdNumber
    } else if code == "TYSHXYDM" || name.contains("统一社会信用代码") {
        Semantic::CreditCode
    } else if code == "XZQHDM" || name.contains("行政区划代码") {
        Semantic::RegionCode
    } else {
        Semantic::Plain
    }
}

/// Why a value was refused: a stable reason and a message in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: &'static str,
    pub zh: String,
    pub en: String,
}

fn refuse(reason: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Refusal {
    Refusal {
        reason,
        zh: zh.into(),
        en: en.into(),
    }
}

fn parse_date_loose(s: &str) -> Option<Date> {
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let separators_ok = s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '/' | '.'));
    if digits.len() != 8 || !separators_ok {
        return None;
    }
    let year: i32 = digits[..4].parse().ok()?;
    let month: u8 = digits[4..6].parse().ok()?;
    let day: u8 = digits[6..].parse().ok()?;
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

fn check_id_number(v: &str, today: Date) -> Result<String, Refusal> {
    let id = v.to_ascii_uppercase();
    match ident::check_id_number(&id) {
        Ok(()) => {}
        Err(ident::IdNumberProblem::CheckDigit) => return Err(refuse(
            "id_check_digit",
            "公民身份号码校验码不正确（如确为真实号码，请登记为例外）",
            "the ID number's check character is wrong (register it as an exception if it is real)",
        )),
        Err(ident::IdNumberProblem::BirthDate) => {
            return Err(refuse(
                "id_birth_date",
                "公民身份号码中的出生日期不存在",
                "the birth date inside the ID number does not exist",
            ))
        }
        Err(ident::IdNumberProblem::Format) => {
            return Err(refuse(
                "id_format",
                "公民身份号码应为 17 位数字加 1 位校验码（数字或 X）",
                "an ID number is 17 digits and a check character (digit or X)",
            ))
        }
    }
    if !PROVINCES.contains(&&id[..2]) {
        return Err(refuse(
            "id_region",
            format!(
                "公民身份号码的地区码 {} 不是有效的省级行政区划代码",
                &id[..6]
            ),
            format!(
                "the ID number's region code {} is not a valid province",
                &id[..6]
            ),
        ));
    }
    if parse_date_loose(&id[6..14]).is_some_and(|born| born > today) {
        return Err(refuse(
            "id_birth_date",
            "公民身份号码中的出生日期晚于今天",
            "the birth date inside the ID number is in the future",
        ));
    }
    Ok(id)
}

fn check_region_code(v: &str) -> Result<String, Refusal> {
    let ok = v.len() == 6
        && v.bytes().all(|b| b.is_ascii_digit())
        && PROVINCES.contains(&&v[..2])
        && (!v.starts_with("46") || crate::region::find(v).is_some());
    if ok {
        Ok(v.to_string())
    } else {
        Err(refuse(
            "invalid_region_code",
            format!("行政区划代码 {v} 无效（GB/T 2260，6 位数字）"),
            format!("{v} is not a GB/T 2260 region code (6 digits)"),
        ))
    }
}

fn check_number(v: &str, item: &InfoItem, money: bool) -> Result<String, Refusal> {
    let s = v.replace(',', "");
    let (int, frac) = s.split_once('.').unwrap_or((s.as_str(), ""));
    let int_digits = int.strip_prefix('-').unwrap_or(int);
    let numeric = !int_digits.is_empty()
        && int_digits.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit());
    if !numeric {
        return Err(refuse(
            "not_a_number",
            format!("「{}」应为数值，收到「{v}」", item.name),
            format!("`{}` must be a number, got `{v}`", item.code),
        ));
    }
    if money && frac.len() > 2 {
        return Err(refuse(
            "money_precision",
            format!("「{}」为货币型，最多两位小数", item.name),
            format!("`{}` is money: at most two decimals", item.code),
        ));
    }
    if let Some(max) = item.length {
        if int_digits.len() + frac.len() > max as usize {
            return Err(refuse(
                "too_long",
                format!("「{}」最多 {max} 位数字", item.name),
                format!("`{}` has at most {max} digits", item.code),
            ));
        }
    }
    Ok(s)
}

fn check_boolean(v: &str, item: &InfoItem) -> Result<String, Refusal> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "y" | "yes" | "是" => Ok("true".into()),
        "0" | "false" | "n" | "no" | "否" => Ok("false".into()),
        _ => Err(refuse(
            "not_a_boolean",
            format!(
                "「{}」应为 是/否（或 1/0、true/false），收到「{v}」",
                item.name
            ),
            format!(
                "`{}` must be yes/no (1/0, true/false), got `{v}`",
                item.code
            ),
        )),
    }
}

/// Checks one value of `item` and returns it normalised (dates as YYYY-MM-DD, booleans as
/// true/false, ID numbers upper-case). An empty value is `Ok(None)` unless the item is
/// required or a key.
pub fn check_value(
    item: &InfoItem,
    required: bool,
    raw: &str,
    today: Date,
) -> Result<Option<String>, Refusal> {
    check_value_with(item, required, raw, today, &Overrides::default())
}

/// [`check_value`], accepting the real codes on the override list despite their check
/// character.
pub fn check_value_with(
    item: &InfoItem,
    required: bool,
    raw: &str,
    today: Date,
    overrides: &Overrides,
) -> Result<Option<String>, Refusal> {
    check_value_as(item, semantic_of(item), required, raw, today, overrides)
}

/// [`check_value_with`] with the item's [`Semantic`] worked out once by the caller.
fn check_value_as(
    item: &InfoItem,
    semantic: Semantic,
    required: bool,
    raw: &str,
    today: Date,
    overrides: &Overrides,
) -> Result<Option<String>, Refusal> {
    let v = raw.trim();
    if v.is_empty() {
        return if required {
            Err(refuse(
                "required",
                format!("「{}」为必填项", item.name),
                format!("`{}` is required", item.code),
            ))
        } else {
            Ok(None)
        };
    }
    let value = match semantic {
        Semantic::IdNumber => match check_id_number(v, today) {
            Err(r)
                if r.reason == "id_check_digit"
                    && overrides.id_numbers.contains(&v.to_ascii_uppercase()) =>
            {
                v.to_ascii_uppercase()
            }
            Err(_) if looks_like_number_stored(v) => {
                return Err(number_stored_refusal(&item.name, &item.code, v))
            }
            other => other?,
        },
        Semantic::CreditCode => {
            let code = v.to_ascii_uppercase();
            if ident::credit_code_error(&item.code, &code).is_some()
                && !overrides.credit_codes.contains(&code)
            {
                if looks_like_number_stored(v) {
                    return Err(number_stored_refusal(&item.name, &item.code, v));
                }
                return Err(refuse(
                    "invalid_credit_code",
                    "统一社会信用代码不正确（如确为真实代码，请登记为例外）",
                    "not a valid unified social credit code (register it as an exception if it is real)",
                ));
            }
            code
        }
        Semantic::RegionCode => check_region_code(v)?,
        Semantic::Plain => match item.item_type {
            ItemType::Number => check_number(v, item, false)?,
            ItemType::Money => check_number(v, item, true)?,
            ItemType::Boolean => check_boolean(v, item)?,
            ItemType::Date => parse_date_loose(v).map(|d| d.to_string()).ok_or_else(|| {
                refuse(
                    "invalid_date",
                    format!("「{}」应为日期（如 2026-11-23），收到「{v}」", item.name),
                    format!(
                        "`{}` must be a date (e.g. 2026-11-23), got `{v}`",
                        item.code
                    ),
                )
            })?,
            ItemType::DateTime => check_datetime(v, item)?,
            ItemType::String | ItemType::Text | ItemType::Binary => v.to_string(),
        },
    };
    if matches!(item.item_type, ItemType::String | ItemType::Text) {
        if let Some(max) = item.length {
            if value.chars().count() > max as usize {
                return Err(refuse(
                    "too_long",
                    format!("「{}」最多 {max} 个字符", item.name),
                    format!("`{}` has at most {max} characters", item.code),
                ));
            }
        }
    }
    Ok(Some(value))
}

fn check_datetime(v: &str, item: &InfoItem) -> Result<String, Refusal> {
    let (date, time_part) = v
        .split_once(['T', ' '])
        .map(|(d, t)| (d, t.trim_end_matches('Z')))
        .unwrap_or((v, "00:00:00"));
    let d = parse_date_loose(date);
    let hms: Vec<u8> = time_part
        .split(':')
        .map(|p| {
            p.split('.')
                .next()
                .unwrap_or("")
                .parse::<u8>()
                .unwrap_or(99)
        })
        .collect();
    let t = match hms.as_slice() {
        [h, m] => time::Time::from_hms(*h, *m, 0).ok(),
        [h, m, s] => time::Time::from_hms(*h, *m, *s).ok(),
        _ => None,
    };
    match (d, t) {
        (Some(d), Some(t)) => Ok(format!(
            "{d} {:02}:{:02}:{:02}",
            t.hour(),
            t.minute(),
            t.second()
        )),
        _ => Err(refuse(
            "invalid_datetime",
            format!(
                "「{}」应为日期时间（如 2026-11-23 09:30:00），收到「{v}」",
                item.name
            ),
            format!(
                "`{}` must be a date-time (e.g. 2026-11-23 09:30:00), got `{v}`",
                item.code
            ),
        )),
    }
}

/// One row's problem: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRefusal {
    pub field: String,
    pub refusal: Refusal,
}

/// Checks a whole row given as (item code, raw value) pairs for the mapped items. Unmapped
/// optional items are simply absent. Returns the normalised values in the items' order.
pub fn check_row(
    meta: &ResourceMeta,
    values: &[(usize, &str)],
    today: Date,
) -> Result<Vec<Option<String>>, Vec<FieldRefusal>> {
    let mut out = vec![None; meta.items.len()];
    let mut problems = Vec::new();
    for (i, item) in meta.items.iter().enumerate() {
        let raw = values
            .iter()
            .find(|(j, _)| *j == i)
            .map(|(_, v)| *v)
            .unwrap_or("");
        let required = item.required || meta.key_fields.contains(&item.code);
        match check_value(item, required, raw, today) {
            Ok(v) => out[i] = v,
            Err(refusal) => problems.push(FieldRefusal {
                field: item.code.clone(),
                refusal,
            }),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The text encodings department exports come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    /// GBK and its superset GB18030 (decoded as GB18030).
    Gb18030,
}

/// Tells UTF-8 from GBK/GB18030 by the first bytes of a file (with or without a UTF-8 BOM).
/// A multi-byte character cut off at the end of the sample does not count against UTF-8.
/// `None` when the bytes are valid in neither.
pub fn sniff_encoding(sample: &[u8]) -> Option<TextEncoding> {
    let body = sample.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(sample);
    match std::str::from_utf8(body) {
        Ok(_) => return Some(TextEncoding::Utf8),
        Err(e) if e.error_len().is_none() => return Some(TextEncoding::Utf8),
        Err(_) => {}
    }
    // Decoding as a stream that is not finished: a character cut off at the end of the
    // sample waits for more input instead of counting as an error.
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(body.len())
        .unwrap_or(body.len().saturating_mul(4));
    let mut out = String::with_capacity(capacity);
    let (result, _) = decoder.decode_to_string_without_replacement(body, &mut out, false);
    matches!(result, encoding_rs::DecoderResult::InputEmpty).then_some(TextEncoding::Gb18030)
}

/// Real identifiers that fail their check character (some were issued that way): each was
/// registered by the operator with a reason, and is accepted as it is.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub id_numbers: std::collections::HashSet<String>,
    pub credit_codes: std::collections::HashSet<String>,
}

/// The kinds of identifier an override may be registered for.
pub const OVERRIDE_KINDS: &[&str] = &["id_number", "credit_code"];

/// Checks an identifier proposed for the override list: it must have the right shape and
/// really fail only its check character (an override is not a way around other rules).
pub fn check_override(kind: &str, value: &str) -> Result<String, FieldError> {
    let v = value.trim().to_ascii_uppercase();
    let fails_only_check = match kind {
        "id_number" => matches!(
            ident::check_id_number(&v),
            Err(ident::IdNumberProblem::CheckDigit)
        ),
        "credit_code" => matches!(
            ident::check_credit_code(&v),
            Err(ident::CreditCodeProblem::CheckDigit)
        ),
        _ => {
            return Err(FieldError::new(
                "kind",
                "invalid_kind",
                format!("例外类型应为 {}", OVERRIDE_KINDS.join("、")),
                format!("kind must be one of {}", OVERRIDE_KINDS.join(", ")),
            ))
        }
    };
    if fails_only_check {
        Ok(v)
    } else {
        Err(FieldError::new(
            "value",
            "not_a_check_failure",
            "只有格式正确、仅校验码不符的号码才能登记为例外",
            "only a well-formed code whose check character alone is wrong can be registered as an exception",
        ))
    }
}

/// Which 信息项 each column of a source feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// Per source column: the index of the item it feeds, or `None` when ignored.
    pub item_of_column: Vec<Option<usize>>,
    /// Columns that match no item, reported back so a typo is noticed.
    pub ignored: Vec<String>,
}

fn find_item(meta: &ResourceMeta, name_or_code: &str) -> Option<usize> {
    let want = name_or_code.trim();
    meta.items
        .iter()
        .position(|i| i.code.eq_ignore_ascii_case(want))
        .or_else(|| meta.items.iter().position(|i| i.name == want))
}

/// Maps source columns to items: by an explicit `column=item` pair first, then by item code
/// (any case) or item name. Every key field must be fed by some column, and no item by two.
/// Every required item must have a column too when whole records are replaced; when they
/// are merged (`merge`), a required item may be left out, since existing records keep their
/// value (a new record without it is refused row by row). All problems are reported at once.
pub fn map_columns(
    meta: &ResourceMeta,
    columns: &[String],
    explicit: &[(String, String)],
    merge: bool,
) -> Result<Mapping, DomainError> {
    let mut errs = Errors::default();
    let mut item_of_column = vec![None; columns.len()];
    for (col, target) in explicit {
        let Some(ci) = columns.iter().position(|c| c == col.trim()) else {
            errs.push(FieldError::new(
                "map",
                "unknown_column",
                format!("映射中的列「{col}」不在文件表头中"),
                format!("the mapped column `{col}` is not in the file's header"),
            ));
            continue;
        };
        match find_item(meta, target) {
            Some(ii) => item_of_column[ci] = Some(ii),
            None => errs.push(FieldError::new(
                "map",
                "unknown_item",
                format!("映射目标「{target}」不是本资源的信息项"),
                format!("the mapping target `{target}` is not an item of this resource"),
            )),
        }
    }
    let explicit_cols: Vec<&str> = explicit.iter().map(|(c, _)| c.trim()).collect();
    let mut ignored = Vec::new();
    for (ci, col) in columns.iter().enumerate() {
        if explicit_cols.contains(&col.as_str()) {
            continue;
        }
        match find_item(meta, col) {
            Some(ii) => item_of_column[ci] = Some(ii),
            None => ignored.push(col.clone()),
        }
    }
    for (ii, item) in meta.items.iter().enumerate() {
        let feeders: Vec<&String> = item_of_column
            .iter()
            .zip(columns)
            .filter(|(m, _)| **m == Some(ii))
            .map(|(_, c)| c)
            .collect();
        if feeders.len() > 1 {
            errs.push(FieldError::new(
                "map",
                "item_mapped_twice",
                format!(
                    "信息项「{}」同时对应多列：{}",
                    item.name,
                    feeders
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                format!(
                    "item `{}` is fed by several columns: {}",
                    item.code,
                    feeders
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let is_key = meta.key_fields.contains(&item.code);
        let needed = is_key || (item.required && !merge);
        if needed && feeders.is_empty() {
            errs.push(FieldError::new(
                item.code.clone(),
                "unmapped_required",
                format!(
                    "必填信息项「{}」（{}）没有对应的列：请在表头中加入该列，或用映射指定",
                    item.name, item.code
                ),
                format!(
                    "the required item `{}` ({}) has no column: add it to the header or map a column to it",
                    item.code, item.name
                ),
            ));
        }
    }
    errs.into_result()?;
    Ok(Mapping {
        item_of_column,
        ignored,
    })
}

/// Separates the parts of a composite record key.
pub const KEY_SEPARATOR: char = '|';

/// How a record is stored: its key (the key fields' values joined by [`KEY_SEPARATOR`]) and
/// its data as canonical JSON (an object of item code → text, codes sorted, absent values
/// left out), so the same values always give the same bytes and "unchanged" is a byte
/// comparison.
#[derive(Debug, Clone)]
pub struct Layout {
    key_items: Vec<usize>,
    /// Item indices in code order.
    sorted: Vec<usize>,
}

impl Layout {
    pub fn new(meta: &ResourceMeta) -> Layout {
        let key_items = meta
            .key_fields
            .iter()
            .filter_map(|k| meta.items.iter().position(|i| &i.code == k))
            .collect();
        let mut sorted: Vec<usize> = (0..meta.items.len()).collect();
        sorted.sort_by(|a, b| meta.items[*a].code.cmp(&meta.items[*b].code));
        Layout { key_items, sorted }
    }

    /// The record key of checked values; `None` when a key part contains the separator.
    pub fn key(&self, values: &[Option<String>]) -> Option<String> {
        let mut key = String::new();
        for (n, i) in self.key_items.iter().enumerate() {
            let part = values.get(*i)?.as_deref().unwrap_or("");
            if part.contains(KEY_SEPARATOR) {
                return None;
            }
            if n > 0 {
                key.push(KEY_SEPARATOR);
            }
            key.push_str(part);
        }
        Some(key)
    }

    /// Canonical JSON of checked values into `out` (cleared first).
    pub fn encode(&self, meta: &ResourceMeta, values: &[Option<String>], out: &mut String) {
        out.clear();
        out.push('{');
        let mut first = true;
        for i in &self.sorted {
            let Some(v) = values.get(*i).and_then(|v| v.as_deref()) else {
                continue;
            };
            if !first {
                out.push(',');
            }
            first = false;
            push_json_str(out, &meta.items[*i].code);
            out.push(':');
            push_json_str(out, v);
        }
        out.push('}');
    }
}

impl Layout {
    /// Merges a row into the stored record: the row's canonical JSON `fresh`, with the stored
    /// value of every item in `keep` (items the row did not carry) taken from `stored`, into
    /// `out` (cleared first), canonical again. Returns whether any value was kept.
    pub fn merge(
        &self,
        meta: &ResourceMeta,
        fresh: &str,
        stored: &str,
        keep: &[usize],
        out: &mut String,
    ) -> bool {
        let stored = decode_record(stored);
        let mut values = decode_record(fresh);
        let mut kept = false;
        for &i in keep {
            let Some(item) = meta.items.get(i) else {
                continue;
            };
            if let Some(v) = stored.get(&item.code) {
                values.insert(item.code.clone(), v.clone());
                kept = true;
            }
        }
        encode_map(&values, out);
        kept
    }

    /// Whether the stored record holds a value for any item in `items`.
    pub fn holds_any(meta: &ResourceMeta, stored: &str, items: &[usize]) -> bool {
        if items.is_empty() {
            return false;
        }
        let stored = decode_record(stored);
        items
            .iter()
            .filter_map(|i| meta.items.get(*i))
            .any(|item| stored.contains_key(&item.code))
    }
}

/// A stored record's canonical JSON as item code → text (an unreadable one as empty: the
/// store only ever writes what [`Layout::encode`] produced).
fn decode_record(data: &str) -> std::collections::BTreeMap<String, String> {
    serde_json::from_str(data).unwrap_or_default()
}

/// Canonical JSON of a code → text map: a `BTreeMap` iterates in code order, the same order
/// as [`Layout::encode`].
fn encode_map(values: &std::collections::BTreeMap<String, String>, out: &mut String) {
    out.clear();
    out.push('{');
    for (n, (code, v)) in values.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        push_json_str(out, code);
        out.push(':');
        push_json_str(out, v);
    }
    out.push('}');
}

fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Checks rows of one source against one resource version, reusing its buffers.
pub struct RowChecker<'a> {
    meta: &'a ResourceMeta,
    mapping: &'a Mapping,
    overrides: &'a Overrides,
    today: Date,
    /// Column feeding each item, if any.
    column_of_item: Vec<Option<usize>>,
    required: Vec<bool>,
    is_key: Vec<bool>,
    semantics: Vec<Semantic>,
    /// Code sets (with the resource's declared labels) per item, from linked data elements.
    checks: Option<&'a ItemChecks>,
    /// Records are merged: an item the row does not carry keeps its stored value instead of
    /// being checked (and cleared) as empty.
    merge: bool,
}

/// What a checked row carries, beside its values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowShape {
    /// Items the row does not carry (no column for them, or left out of this row), in item
    /// order: merged, they keep their stored value; replaced, they are cleared.
    pub absent: Vec<usize>,
    /// Required items among `absent` when merging: only an existing record can do without
    /// them.
    pub needs_record: Vec<usize>,
}

impl<'a> RowChecker<'a> {
    pub fn new(
        meta: &'a ResourceMeta,
        mapping: &'a Mapping,
        overrides: &'a Overrides,
        today: Date,
    ) -> Self {
        let mut column_of_item = vec![None; meta.items.len()];
        for (ci, m) in mapping.item_of_column.iter().enumerate() {
            if let Some(ii) = m {
                column_of_item[*ii] = Some(ci);
            }
        }
        let is_key: Vec<bool> = meta
            .items
            .iter()
            .map(|i| meta.key_fields.contains(&i.code))
            .collect();
        let required = meta
            .items
            .iter()
            .zip(&is_key)
            .map(|(i, key)| i.required || *key)
            .collect();
        RowChecker {
            meta,
            mapping,
            overrides,
            today,
            column_of_item,
            required,
            is_key,
            semantics: meta.items.iter().map(semantic_of).collect(),
            checks: None,
            merge: false,
        }
    }

    /// Checks items linked to data elements by their elements: the element's national rule
    /// replaces the one guessed from the item's name, and a coded item's value must be a
    /// code of its set or a label the resource declared for one (stored as the code).
    pub fn with_checks(mut self, checks: &'a ItemChecks) -> Self {
        for (semantic, rule) in self.semantics.iter_mut().zip(&checks.rules) {
            if let Some(rule) = rule {
                *semantic = rule.semantic();
            }
        }
        self.checks = Some(checks);
        self
    }

    /// Checks rows for merging into stored records (see [`RowChecker::check_shaped`]).
    pub fn merging(mut self, merge: bool) -> Self {
        self.merge = merge;
        self
    }

    pub fn mapping(&self) -> &Mapping {
        self.mapping
    }

    /// Checks one row's cells (lined up with the source columns) into `out`, one normalised
    /// value per item; every problem of the row is reported.
    pub fn check(
        &self,
        cells: &[String],
        out: &mut Vec<Option<String>>,
    ) -> Result<(), Vec<FieldRefusal>> {
        let mut shape = RowShape::default();
        self.check_shaped(cells, &[], out, &mut shape)
    }

    /// [`RowChecker::check`] for a row that may leave columns out (`absent_columns`), also
    /// telling which items the row does not carry. When merging, such an item is not
    /// checked (its stored value stays) unless it is a key; otherwise it counts as empty.
    pub fn check_shaped(
        &self,
        cells: &[String],
        absent_columns: &[usize],
        out: &mut Vec<Option<String>>,
        shape: &mut RowShape,
    ) -> Result<(), Vec<FieldRefusal>> {
        self.check_cells(cells, absent_columns, &[], out, shape)
    }

    /// [`RowChecker::check_shaped`] for a row as a source read it, knowing which cells were
    /// numbers: an ID number or credit code in a number cell has lost its last digits.
    pub fn check_raw(
        &self,
        raw: &source::RawRow,
        out: &mut Vec<Option<String>>,
        shape: &mut RowShape,
    ) -> Result<(), Vec<FieldRefusal>> {
        self.check_cells(&raw.cells, &raw.absent, &raw.numeric, out, shape)
    }

    fn check_cells(
        &self,
        cells: &[String],
        absent_columns: &[usize],
        numeric_columns: &[usize],
        out: &mut Vec<Option<String>>,
        shape: &mut RowShape,
    ) -> Result<(), Vec<FieldRefusal>> {
        out.clear();
        shape.absent.clear();
        shape.needs_record.clear();
        let mut problems = Vec::new();
        for (ii, item) in self.meta.items.iter().enumerate() {
            let column = self.column_of_item[ii].filter(|ci| !absent_columns.contains(ci));
            if column.is_none() {
                shape.absent.push(ii);
                if self.merge && !self.is_key[ii] {
                    if self.required[ii] {
                        shape.needs_record.push(ii);
                    }
                    out.push(None);
                    continue;
                }
            }
            let raw = column
                .and_then(|ci| cells.get(ci))
                .map(String::as_str)
                .unwrap_or("");
            let semantic = self.semantics[ii];
            let was_number = column.is_some_and(|ci| numeric_columns.contains(&ci));
            if was_number && matches!(semantic, Semantic::IdNumber | Semantic::CreditCode) {
                out.push(None);
                problems.push(FieldRefusal {
                    field: item.code.clone(),
                    refusal: number_stored_refusal(&item.name, &item.code, raw.trim()),
                });
                continue;
            }
            let coded = match self.coded(ii, raw) {
                Ok(coded) => coded,
                Err(refusal) => {
                    out.push(None);
                    problems.push(FieldRefusal {
                        field: item.code.clone(),
                        refusal,
                    });
                    continue;
                }
            };
            let raw = coded.as_deref().unwrap_or(raw);
            match check_value_as(
                item,
                semantic,
                self.required[ii],
                raw,
                self.today,
                self.overrides,
            ) {
                Ok(v) => out.push(v),
                Err(refusal) => {
                    out.push(None);
                    problems.push(FieldRefusal {
                        field: item.code.clone(),
                        refusal,
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

impl RowChecker<'_> {
    /// The code a coded item's raw value stands for (`None`: not coded, or empty).
    fn coded(&self, ii: usize, raw: &str) -> Result<Option<String>, Refusal> {
        let v = raw.trim();
        let Some(coded) = self
            .checks
            .and_then(|c| c.coded.get(ii))
            .and_then(Option::as_ref)
        else {
            return Ok(None);
        };
        if v.is_empty() {
            return Ok(None);
        }
        let item = &self.meta.items[ii];
        coded.code_of(&item.name, &item.code, v).map(Some)
    }
}

impl crate::catalog::UpdateCycle {
    /// How old the newest collected data may be before the resource counts as stale
    /// (the cycle plus one day's grace); `None` for 不定期, which is never stale.
    pub fn max_age_ms(self) -> Option<i64> {
        use crate::catalog::UpdateCycle::*;
        const DAY: i64 = 86_400_000;
        let days = match self {
            Realtime => return Some(DAY),
            Daily => 1,
            Weekly => 7,
            Monthly => 31,
            Quarterly => 92,
            HalfYearly => 183,
            Yearly => 366,
            Irregular => return None,
        };
        Some((days + 1) * DAY)
    }

    /// How often a connector pulls when its configuration does not say: `None` for 不定期
    /// (on demand only).
    pub fn pull_every_ms(self) -> Option<i64> {
        use crate::catalog::UpdateCycle::*;
        const MIN: i64 = 60_000;
        Some(match self {
            Realtime => 5 * MIN,
            Daily => 24 * 60 * MIN,
            Weekly => 7 * 24 * 60 * MIN,
            Monthly => 30 * 24 * 60 * MIN,
            Quarterly => 91 * 24 * 60 * MIN,
            HalfYearly => 182 * 24 * 60 * MIN,
            Yearly => 365 * 24 * 60 * MIN,
            Irregular => return None,
        })
    }
}

/// Whether a resource's collected data is as fresh as its 更新周期 promises.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Timeliness {
    pub update_cycle: UpdateCycle,
    /// When data was last collected successfully (even if nothing had changed).
    pub collected_at: Option<i64>,
    /// After this time the data counts as stale; `None` for 不定期.
    pub stale_after: Option<i64>,
    pub stale: bool,
}

impl Timeliness {
    /// The freshness at `now` of data last collected at `collected_at` (never: stale, unless
    /// the cycle is 不定期).
    pub fn of(cycle: UpdateCycle, collected_at: Option<i64>, now: i64) -> Self {
        let stale_after = match (collected_at, cycle.max_age_ms()) {
            (Some(at), Some(age)) => Some(at + age),
            _ => None,
        };
        let stale = match (collected_at, cycle.max_age_ms()) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(at), Some(age)) => now > at + age,
        };
        Timeliness {
            update_cycle: cycle,
            collected_at,
            stale_after,
            stale,
        }
    }
}

/// Who may bring data into a resource: the provider's stewards and the provider's own
/// information systems.
pub fn require_collector(p: &Principal, provider: &str) -> Result<(), DomainError> {
    let ok = match p {
        Principal::Person { .. } => p.has_role_in(Role::DataSteward, provider),
        Principal::System { org, .. } => org == provider,
        Principal::Anonymous => false,
    };
    if ok {
        Ok(())
    } else if !p.is_authenticated() {
        Err(DomainError::unauthenticated(
            "unauthenticated",
            "请先登录",
            "sign in first",
        ))
    } else {
        Err(DomainError::forbidden(
            "not_provider",
            format!("只有提供部门 {provider} 的数据管理员或其信息系统可以归集本资源的数据"),
            format!("only data stewards or information systems of the provider {provider} may collect this resource's data"),
        ))
    }
}

/// Who may look at collected data and batches: the provider (stewards, systems), the
/// operator (batches only: records have their own rule, [`require_record_reader`]) and
/// auditors.
pub fn require_data_viewer(p: &Principal, provider: &str) -> Result<(), DomainError> {
    if p.is_platform_admin() || p.has_role(Role::Auditor) {
        return Ok(());
    }
    require_collector(p, provider)
}

/// Who may read collected records: the provider's stewards and systems, and auditors — not
/// the operator, who runs the platform but holds no department's data.
pub fn require_record_reader(p: &Principal, provider: &str) -> Result<(), DomainError> {
    if p.has_role(Role::Auditor) {
        return Ok(());
    }
    require_collector(p, provider)
}

/// Whose collection status a caller sees: the operator and auditors any provider's, or
/// everyone's (`None`); a collector only a provider they collect for — the one asked for, or
/// by default their own (a system's organisation, a person's first stewardship).
pub fn status_scope(p: &Principal, asked: Option<String>) -> Result<Option<String>, DomainError> {
    if p.is_platform_admin() || p.has_role(Role::Auditor) {
        return Ok(asked);
    }
    let org = match asked {
        Some(org) => org,
        None => match p {
            Principal::System { org, .. } => org.clone(),
            Principal::Person { roles, .. } => roles
                .iter()
                .find(|b| b.role == Role::DataSteward)
                .map(|b| b.org.clone())
                // Someone who collects for no department sees nothing: say so.
                .unwrap_or_default(),
            Principal::Anonymous => String::new(),
        },
    };
    require_collector(p, &org)?;
    Ok(Some(org))
}

/// Who sees the override list: the operator, auditors and stewards (who need to know why a
/// code passed).
pub fn require_override_reader(p: &Principal) -> Result<(), DomainError> {
    if p.is_platform_admin() || p.has_role(Role::Auditor) || p.has_role(Role::DataSteward) {
        return Ok(());
    }
    Err(DomainError::forbidden(
        "forbidden",
        "只有平台管理员、审计人员和数据管理员可以查看例外清单",
        "only the operator, auditors and data stewards may see the override list",
    ))
}

/// What to do with a batch that has bad rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchPolicy {
    /// One bad row rejects the whole batch; nothing is applied.
    AllOrNothing,
    /// The valid rows are applied, the bad ones reported.
    AcceptValid,
}

impl BatchPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchPolicy::AllOrNothing => "all_or_nothing",
            BatchPolicy::AcceptValid => "accept_valid",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "all_or_nothing" | "all-or-nothing" => Some(BatchPolicy::AllOrNothing),
            "accept_valid" | "accept-valid" => Some(BatchPolicy::AcceptValid),
            _ => None,
        }
    }
}

/// Whether a batch changes some records or is the whole of the resource, and whether the
/// records it carries are merged into the stored ones or replaced whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchMode {
    /// Insert new keys, update changed ones, merging: an item the batch does not carry (no
    /// column, or left out of a pushed record) keeps its stored value. Keys not in the batch
    /// stay.
    Upsert,
    /// As upsert, but each record the batch carries replaces the stored one whole: items it
    /// does not carry are cleared. Asked for explicitly; the report counts the records that
    /// lost values this way.
    Replace,
    /// The batch is the full extract: its records replace the stored ones whole, and live
    /// records whose key it lacks are deleted.
    Snapshot,
}

impl BatchMode {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchMode::Upsert => "upsert",
            BatchMode::Replace => "replace",
            BatchMode::Snapshot => "snapshot",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "upsert" | "merge" => Some(BatchMode::Upsert),
            "replace" => Some(BatchMode::Replace),
            "snapshot" | "full" => Some(BatchMode::Snapshot),
            _ => None,
        }
    }
    /// Whether records are replaced whole rather than merged.
    pub fn replaces(self) -> bool {
        self != BatchMode::Upsert
    }
}

#[cfg(test)]
mod rule_tests {
    use super::*;
    use crate::account::RoleBinding;

    fn person(roles: &[(Role, &str)]) -> Principal {
        Principal::Person {
            username: "u".into(),
            org: roles.first().map_or("x", |r| r.1).into(),
            roles: roles
                .iter()
                .map(|(role, org)| RoleBinding {
                    role: *role,
                    org: (*org).into(),
                })
                .collect(),
        }
    }

    fn system(org: &str) -> Principal {
        Principal::System {
            system: "s".into(),
            org: org.into(),
            token_id: 1,
        }
    }

    fn code(r: Result<(), DomainError>) -> Option<String> {
        r.err().map(|e| match e {
            DomainError::Forbidden { code, .. } | DomainError::Unauthenticated { code, .. } => {
                code.to_string()
            }
            other => panic!("unexpected {other:?}"),
        })
    }

    #[test]
    fn collectors_are_the_providers_stewards_and_systems() {
        let ok = |p: &Principal| code(require_collector(p, "gat"));
        assert_eq!(ok(&person(&[(Role::DataSteward, "gat")])), None);
        assert_eq!(ok(&system("gat")), None);
        for other in [
            person(&[(Role::DataSteward, "sbj")]),
            person(&[(Role::ConsumerUser, "gat")]),
            person(&[(Role::PlatformAdmin, "dsj")]),
            person(&[(Role::Auditor, "sj")]),
            system("sbj"),
        ] {
            assert_eq!(ok(&other).as_deref(), Some("not_provider"), "{other:?}");
        }
        assert_eq!(
            ok(&Principal::Anonymous).as_deref(),
            Some("unauthenticated")
        );
    }

    #[test]
    fn the_operator_sees_batches_but_not_records() {
        let admin = person(&[(Role::PlatformAdmin, "dsj")]);
        let auditor = person(&[(Role::Auditor, "sj")]);
        assert!(require_data_viewer(&admin, "gat").is_ok());
        assert!(require_data_viewer(&auditor, "gat").is_ok());
        assert!(require_record_reader(&auditor, "gat").is_ok());
        assert_eq!(
            code(require_record_reader(&admin, "gat")).as_deref(),
            Some("not_provider")
        );
        assert!(require_record_reader(&system("gat"), "gat").is_ok());
        assert!(require_data_viewer(&system("sbj"), "gat").is_err());
        assert!(require_data_viewer(&Principal::Anonymous, "gat").is_err());
    }

    #[test]
    fn collection_status_is_scoped_to_what_the_caller_collects() {
        let admin = person(&[(Role::PlatformAdmin, "dsj")]);
        assert_eq!(status_scope(&admin, None).unwrap(), None);
        assert_eq!(
            status_scope(&admin, Some("gat".into())).unwrap().as_deref(),
            Some("gat")
        );
        let steward = person(&[(Role::ConsumerUser, "sbj"), (Role::DataSteward, "gat")]);
        assert_eq!(
            status_scope(&steward, None).unwrap().as_deref(),
            Some("gat")
        );
        assert_eq!(
            code(status_scope(&steward, Some("sbj".into())).map(|_| ())).as_deref(),
            Some("not_provider")
        );
        assert_eq!(
            status_scope(&system("sbj"), None).unwrap().as_deref(),
            Some("sbj")
        );
        let consumer = person(&[(Role::ConsumerUser, "sbj")]);
        assert_eq!(
            code(status_scope(&consumer, None).map(|_| ())).as_deref(),
            Some("not_provider")
        );
        assert_eq!(
            code(status_scope(&Principal::Anonymous, None).map(|_| ())).as_deref(),
            Some("unauthenticated")
        );
    }

    #[test]
    fn the_override_list_is_for_the_operator_auditors_and_stewards() {
        for p in [
            person(&[(Role::PlatformAdmin, "dsj")]),
            person(&[(Role::Auditor, "sj")]),
            person(&[(Role::DataSteward, "gat")]),
        ] {
            assert!(require_override_reader(&p).is_ok(), "{p:?}");
        }
        for p in [
            person(&[(Role::ConsumerUser, "gat")]),
            system("gat"),
            Principal::Anonymous,
        ] {
            assert_eq!(
                code(require_override_reader(&p)).as_deref(),
                Some("forbidden"),
                "{p:?}"
            );
        }
    }

    #[test]
    fn data_is_stale_a_day_after_its_cycle() {
        const DAY: i64 = 86_400_000;
        let t = Timeliness::of(UpdateCycle::Daily, Some(0), 2 * DAY);
        assert_eq!((t.stale_after, t.stale), (Some(2 * DAY), false));
        assert!(Timeliness::of(UpdateCycle::Daily, Some(0), 2 * DAY + 1).stale);
        let never = Timeliness::of(UpdateCycle::Weekly, None, 0);
        assert_eq!((never.stale_after, never.stale), (None, true));
        let irregular = Timeliness::of(UpdateCycle::Irregular, None, i64::MAX);
        assert_eq!((irregular.stale_after, irregular.stale), (None, false));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Grade;

    fn item(code: &str, name: &str, t: ItemType, len: Option<u32>) -> InfoItem {
        InfoItem {
            name: name.into(),
            code: code.into(),
            item_type: t,
            length: len,
            required: false,
            grade: Grade::General,
            description: None,
            personal: false,
            element: None,
        }
    }
    fn today() -> Date {
        Date::from_calendar_date(2026, time::Month::November, 23).unwrap()
    }
    fn reason(r: Result<Option<String>, Refusal>) -> &'static str {
        r.unwrap_err().reason
    }

    #[test]
    fn id_numbers_check_digit_birth_date_and_province() {
        let id = item("GMSFHM", "公民身份号码", ItemType::String, Some(18));
        let ok = |v: &str| check_value(&id, true, v, today());
        assert_eq!(
            ok("11010519491231002x").unwrap().as_deref(),
            Some("11010519491231002X")
        );
        assert_eq!(reason(ok("110105194912310021")), "id_check_digit");
        assert_eq!(reason(ok("110105194902300021")), "id_birth_date");
        assert_eq!(reason(ok("1101051949")), "id_format");
        // Province 99 does not exist (check character computed to be valid).
        let first = "99010519491231002";
        let bad_region = format!("{first}{}", ident::id_number_check_char(first).unwrap());
        assert_eq!(reason(ok(&bad_region)), "id_region");
        let future = "46010620300101001";
        let unborn = format!("{future}{}", ident::id_number_check_char(future).unwrap());
        assert_eq!(reason(ok(&unborn)), "id_birth_date");
        assert_eq!(reason(ok("")), "required");
    }

    #[test]
    fn types_lengths_and_codes() {
        let today = today();
        let name = item("XM", "姓名", ItemType::String, Some(4));
        assert_eq!(
            reason(check_value(&name, false, "欧阳司马光", today)),
            "too_long"
        );
        assert_eq!(
            check_value(&name, false, " 王五 ", today)
                .unwrap()
                .as_deref(),
            Some("王五")
        );
        assert_eq!(check_value(&name, false, "", today), Ok(None));
        let born = item("CSRQ", "出生日期", ItemType::Date, None);
        assert_eq!(
            check_value(&born, false, "1990/3/7", today)
                .unwrap_err()
                .reason,
            "invalid_date"
        );
        assert_eq!(
            check_value(&born, false, "19900307", today)
                .unwrap()
                .as_deref(),
            Some("1990-03-07")
        );
        assert_eq!(
            reason(check_value(&born, false, "1990-02-30", today)),
            "invalid_date"
        );
        let money = item("JE", "金额", ItemType::Money, Some(12));
        assert_eq!(
            check_value(&money, false, "1,234.50", today)
                .unwrap()
                .as_deref(),
            Some("1234.50")
        );
        assert_eq!(
            reason(check_value(&money, false, "1.234", today)),
            "money_precision"
        );
        assert_eq!(
            reason(check_value(&money, false, "abc", today)),
            "not_a_number"
        );
        let flag = item("SFYX", "是否有效", ItemType::Boolean, None);
        assert_eq!(
            check_value(&flag, false, "是", today).unwrap().as_deref(),
            Some("true")
        );
        assert_eq!(
            reason(check_value(&flag, false, "maybe", today)),
            "not_a_boolean"
        );
        let at = item("GXSJ", "更新时间", ItemType::DateTime, None);
        assert_eq!(
            check_value(&at, false, "2026-11-23T09:30:05Z", today)
                .unwrap()
                .as_deref(),
            Some("2026-11-23 09:30:05")
        );
        assert_eq!(
            reason(check_value(&at, false, "2026-11-23 25:00", today)),
            "invalid_datetime"
        );
        let credit = item("TYSHXYDM", "统一社会信用代码", ItemType::String, Some(18));
        assert!(check_value(&credit, true, "914403001922038216", today).is_ok());
        assert_eq!(
            reason(check_value(&credit, true, "914403001922038217", today)),
            "invalid_credit_code"
        );
        let region = item("XZQHDM", "行政区划代码", ItemType::String, Some(6));
        assert!(check_value(&region, true, "460106", today).is_ok());
        assert!(
            check_value(&region, true, "110105", today).is_ok(),
            "other provinces by prefix"
        );
        assert_eq!(
            reason(check_value(&region, true, "469999", today)),
            "invalid_region_code"
        );
    }

    #[test]
    fn a_row_reports_every_problem_and_keys_are_required() {
        let meta: ResourceMeta = serde_json::from_value(serde_json::json!({
            "classification": {"category": "base", "class_code": "01", "subclass_code": "001"},
            "name": "人口", "provider": "hi-gat", "summary": "s", "format": "database",
            "items": [
                {"name": "公民身份号码", "code": "GMSFHM", "type": "string", "length": 18, "grade": "core"},
                {"name": "姓名", "code": "XM", "type": "string", "length": 50, "required": true, "grade": "important"},
                {"name": "出生日期", "code": "CSRQ", "type": "date", "grade": "important"}
            ],
            "key_fields": ["GMSFHM"], "share_type": "unconditional", "open_type": "closed", "update_cycle": "daily"
        }))
        .unwrap();
        let bad = check_row(&meta, &[(2, "1990-13-01")], today()).unwrap_err();
        let fields: Vec<_> = bad
            .iter()
            .map(|p| (p.field.as_str(), p.refusal.reason))
            .collect();
        assert_eq!(
            fields,
            [
                ("GMSFHM", "required"),
                ("XM", "required"),
                ("CSRQ", "invalid_date")
            ]
        );
        let good = check_row(&meta, &[(0, "11010519491231002X"), (1, "张三")], today()).unwrap();
        assert_eq!(
            good,
            [Some("11010519491231002X".into()), Some("张三".into()), None]
        );
    }

    #[test]
    fn identifiers_excel_made_numbers_say_so() {
        let id = item("GMSFHM", "公民身份号码", ItemType::String, Some(18));
        for v in ["460100198801011000", "4.60100198801011E+17"] {
            let r = check_value(&id, false, v, today()).unwrap_err();
            assert_eq!(r.reason, "stored_as_number", "{v}");
            assert!(r.zh.contains("设置为文本格式"), "{}", r.zh);
            assert!(r.en.contains("format the column as text"), "{}", r.en);
        }
        let credit = item("TYSHXYDM", "统一社会信用代码", ItemType::String, Some(18));
        assert_eq!(
            reason(check_value(&credit, false, "913100000000000000", today())),
            "stored_as_number"
        );
        // A number cell of an XLSX file: whatever digits are left, they cannot be trusted.
        let meta: ResourceMeta = serde_json::from_value(serde_json::json!({
            "classification": {"category": "base", "class_code": "01", "subclass_code": "001"},
            "name": "人口", "provider": "hi-gat", "summary": "s", "format": "database",
            "items": [{"name": "公民身份号码", "code": "GMSFHM", "type": "string", "length": 18, "required": true, "grade": "core"}],
            "key_fields": ["GMSFHM"], "share_type": "unconditional", "open_type": "closed", "update_cycle": "daily"
        }))
        .unwrap();
        let mapping = map_columns(&meta, &["公民身份号码".into()], &[], false).unwrap();
        let overrides = Overrides::default();
        let checker = RowChecker::new(&meta, &mapping, &overrides, today());
        let raw = source::RawRow {
            row_no: 2,
            cells: vec!["110105194912310021".into()],
            absent: Vec::new(),
            numeric: vec![0],
        };
        let (mut out, mut shape) = (Vec::new(), RowShape::default());
        let bad = checker.check_raw(&raw, &mut out, &mut shape).unwrap_err();
        assert_eq!(bad[0].refusal.reason, "stored_as_number");
        // A real number that happens to end in zeros is not suspected.
        assert_eq!(
            reason(check_value(&id, false, "110105194912310021", today())),
            "id_check_digit"
        );
    }

    #[test]
    fn coded_items_take_codes_or_declared_labels() {
        use crate::quality::elements::{builtin_code_sets, builtin_elements, ItemChecks};
        let meta: ResourceMeta = serde_json::from_value(serde_json::json!({
            "classification": {"category": "base", "class_code": "01", "subclass_code": "001"},
            "name": "人口", "provider": "hi-gat", "summary": "s", "format": "database",
            "items": [
                {"name": "证件号", "code": "ZJH", "type": "string", "length": 18, "required": true, "grade": "core", "element": "GMSFHM"},
                {"name": "性别", "code": "XB", "type": "string", "length": 1, "grade": "general", "element": "XBDM"}
            ],
            "key_fields": ["ZJH"], "share_type": "unconditional", "open_type": "closed", "update_cycle": "daily"
        }))
        .unwrap();
        // Subjects and checks alike know 证件号 is an ID number by its element.
        assert_eq!(semantic_of(&meta.items[0]), Semantic::IdNumber);
        assert_eq!(semantic_of(&meta.items[1]), Semantic::Plain);
        let mapping = map_columns(&meta, &["证件号".into(), "性别".into()], &[], false).unwrap();
        let overrides = Overrides::default();
        let mut labels = crate::quality::elements::ValueMappings::new();
        let plain = ItemChecks::build(
            &meta.items,
            &builtin_elements(),
            &builtin_code_sets(),
            &labels,
        );
        let checker = RowChecker::new(&meta, &mapping, &overrides, today()).with_checks(&plain);
        let mut out = Vec::new();
        let row = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
        checker
            .check(&row("11010519491231002X", "2"), &mut out)
            .unwrap();
        assert_eq!(out[1].as_deref(), Some("2"));
        let bad = checker
            .check(&row("110105194912310021", "男"), &mut out)
            .unwrap_err();
        let reasons: Vec<_> = bad.iter().map(|p| p.refusal.reason).collect();
        // The element's rule applies although the item's name says nothing of ID numbers.
        assert_eq!(reasons, ["id_check_digit", "not_in_code_set"]);
        labels.insert("XB".into(), [("男".to_string(), "1".to_string())].into());
        let mapped = ItemChecks::build(
            &meta.items,
            &builtin_elements(),
            &builtin_code_sets(),
            &labels,
        );
        let checker = RowChecker::new(&meta, &mapping, &overrides, today()).with_checks(&mapped);
        checker
            .check(&row("11010519491231002X", "男"), &mut out)
            .unwrap();
        assert_eq!(out[1].as_deref(), Some("1"));
    }

    #[test]
    fn encodings_are_told_apart() {
        let text = "公民身份号码,姓名\n";
        assert_eq!(sniff_encoding(text.as_bytes()), Some(TextEncoding::Utf8));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(sniff_encoding(&bom), Some(TextEncoding::Utf8));
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(sniff_encoding(&gbk), Some(TextEncoding::Gb18030));
        // A sample cut in the middle of a character still sniffs right.
        assert_eq!(
            sniff_encoding(&text.as_bytes()[..4]),
            Some(TextEncoding::Utf8)
        );
        assert_eq!(sniff_encoding(&gbk[..3]), Some(TextEncoding::Gb18030));
        // Neither: a lone 0x80 and a 0xFF are not GB18030 either.
        assert_eq!(sniff_encoding(&[b'a', 0x80, b'b', 0xFF, 0xFF]), None);
    }
}
