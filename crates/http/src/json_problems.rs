//! Every problem of a JSON body at once, each named by its field.
//!
//! serde stops at the first problem. To name the others, the body is read as a
//! `serde_json::Value`, the problem is recorded, and the value is patched at that field (a
//! probe value inserted or put in place of the wrong one, an unknown field removed) before
//! reading it again. The probes only serve to find further problems: a body with any problem
//! is refused. See docs/adr/0003-json-body-problems-by-probing.md.
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;
use shuqiao_core::FieldError;

/// How many times a refused body is read again, at most: enough for any form a person
/// fills in.
const MAX_READS: usize = 64;

/// A bound on the work a large refused body can cause, even from a caller not signed in (the
/// login form): the bytes read again, counted as the body's size times the reads.
const MAX_BYTES_REREAD: usize = 8 * 1024 * 1024;

/// The reads allowed for a body of `len` bytes: 64 up to 128 KiB, 8 at the 1 MiB limit.
fn reads_for(len: usize) -> usize {
    (MAX_BYTES_REREAD / len.max(1)).clamp(2, MAX_READS)
}

/// The longest excerpt of serde's own text quoted back in a message (it may quote the value).
const MAX_QUOTED: usize = 200;

/// Reads `value`, parsed from a body of `len` bytes, as `T`; on failure, the problems found,
/// each naming its field. Never empty on `Err`.
pub fn problems<T: DeserializeOwned>(mut value: Value, len: usize) -> Result<T, Vec<FieldError>> {
    let first = match read::<T>(&value) {
        Ok(t) => return Ok(t),
        Err(p) => p,
    };
    if !value.is_object() && takes_an_object::<T>() {
        return Err(vec![not_an_object(&value)]);
    }
    let mut found: Vec<FieldError> = vec![];
    // Places holding a probe: problems inside them are the probe's, not the caller's.
    let mut probed: Vec<Vec<Step>> = vec![];
    let mut budget = Budget {
        reads: 1,
        max: reads_for(len),
    };
    let mut next = Some(first);
    while let Some(problem) = next.take() {
        if !probed.iter().any(|p| problem.place.starts_with(p)) {
            found.push(problem.field_error());
        }
        let Some(after) = step_past::<T>(&mut value, &problem, &mut budget) else {
            break;
        };
        probed.push(problem.place.clone());
        next = after;
    }
    found.dedup_by(|a, b| a.field == b.field && a.reason == b.reason);
    Err(found)
}

/// Whether `T` is read from a JSON object: then a body of another kind is one problem, not
/// the problems of reading it positionally as serde would read an array.
fn takes_an_object<T: DeserializeOwned>() -> bool {
    match read::<T>(&Value::Object(Default::default())) {
        Ok(_) => true,
        Err(p) => !(p.place.is_empty() && p.kind == Kind::WrongType),
    }
}

fn not_an_object(value: &Value) -> FieldError {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    FieldError::new(
        "body",
        "invalid_type",
        "请求体（body）应为 JSON 对象（{…}），各字段见接口说明",
        format!("the `body` must be a JSON object ({{…}}), not {kind}; see the API description for its fields"),
    )
}

/// One step of a field's place in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// What serde refused, and where.
#[derive(Debug)]
struct Problem {
    place: Vec<Step>,
    kind: Kind,
    /// serde's own description, e.g. "invalid type: string \"x\", expected u32".
    text: String,
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Missing,
    Unknown,
    WrongType,
    WrongValue,
}

fn read<T: DeserializeOwned>(value: &Value) -> Result<T, Problem> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let mut place = place_of(e.path());
        let text = e.into_inner().to_string();
        let (kind, named) = classify(&text);
        // serde names a missing or unknown field in its text, at the place of the object
        // holding it.
        if let Some(name) = named {
            if place.last() != Some(&Step::Key(name.clone())) {
                place.push(Step::Key(name));
            }
        }
        if place.is_empty() && matches!(kind, Kind::WrongType | Kind::WrongValue) {
            place = unflattened(value, &text).unwrap_or_default();
        }
        Problem { place, kind, text }
    })
}

/// The field of a wrong value serde reports at the top of an object: a field of a
/// `#[serde(flatten)]`ed struct loses its name on the way. Found by the value serde quotes,
/// when exactly one field holds it.
fn unflattened(value: &Value, text: &str) -> Option<Vec<Step>> {
    let Value::Object(map) = value else {
        return None;
    };
    let variant = quoted_after(text, "unknown variant `");
    let mut holders = map.iter().filter(|(_, v)| match &variant {
        Some(name) => v.as_str() == Some(name.as_str()),
        None => unexpected(v).is_some_and(|u| {
            text.starts_with(&format!("invalid type: {u},"))
                || text.starts_with(&format!("invalid value: {u},"))
        }),
    });
    match (holders.next(), holders.next()) {
        (Some((key, _)), None) => Some(vec![Step::Key(key.clone())]),
        _ => None,
    }
}

/// How serde describes a JSON value it did not expect.
fn unexpected(v: &Value) -> Option<String> {
    Some(match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => return None,
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".to_string(),
        Value::Object(_) => "map".to_string(),
    })
}

/// The steps of serde_path_to_error's path; an enum's variant is a key of the object that
/// holds it, as it is written in JSON. Unknown segments (inside untagged or flattened
/// values) cannot be followed and end the path there.
fn place_of(path: &serde_path_to_error::Path) -> Vec<Step> {
    let mut place = vec![];
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => place.push(Step::Index(*index)),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                place.push(Step::Key(key.clone()))
            }
            Segment::Unknown => break,
        }
    }
    place
}

/// The kind of serde's message, and the field it names for a missing or unknown field.
fn classify(text: &str) -> (Kind, Option<String>) {
    if let Some(name) = quoted_after(text, "missing field `") {
        (Kind::Missing, Some(name))
    } else if let Some(name) = quoted_after(text, "unknown field `") {
        (Kind::Unknown, Some(name))
    } else if text.starts_with("invalid type:") {
        (Kind::WrongType, None)
    } else {
        (Kind::WrongValue, None)
    }
}

fn quoted_after(text: &str, prefix: &str) -> Option<String> {
    let rest = text.strip_prefix(prefix)?;
    rest.find('`').map(|end| rest[..end].to_string())
}

/// The values tried in a wrong or missing field's place, in order.
fn probes() -> [Value; 6] {
    [
        Value::from(""),
        Value::from(0),
        Value::from(false),
        Value::Array(vec![]),
        Value::Object(Default::default()),
        Value::Null,
    ]
}

/// Patches `value` so that reading it gets past `problem`: removes an unknown field, or
/// tries the probes in a wrong or missing field's place. `Some(next problem)` (`Some(None)`
/// when the patched body reads), or `None` when nothing gets past it or the reads are spent.
fn step_past<T: DeserializeOwned>(
    value: &mut Value,
    problem: &Problem,
    budget: &mut Budget,
) -> Option<Option<Problem>> {
    let (parent, last) = problem
        .place
        .split_last()
        .map_or((&[][..], None), |(l, p)| (p, Some(l)));
    if problem.kind == Kind::Unknown {
        let (Some(Step::Key(name)), Some(Value::Object(map))) = (last, at(value, parent)) else {
            return None;
        };
        map.remove(name)?;
        return again::<T>(value, budget);
    }
    let mut candidates: Vec<Value> = probes().into();
    // An enum names the values it takes: the first is a probe that fits it.
    candidates.extend(first_expected_variant(&problem.text).map(Value::from));
    let mut tried = 0;
    while tried < candidates.len() {
        let probe = candidates[tried].clone();
        tried += 1;
        put(value, &problem.place, probe)?;
        match again::<T>(value, budget)? {
            // A problem at the top of an object is one serde could not place (in a flattened
            // struct): it may be the probe's own, so it does not count as getting past.
            Some(p) if p.place == problem.place || (p.place.is_empty() && value.is_object()) => {
                candidates.extend(first_expected_variant(&p.text).map(Value::from));
            }
            after => return Some(after),
        }
    }
    None
}

struct Budget {
    reads: usize,
    max: usize,
}

/// Reads the patched value again, within the budget.
fn again<T: DeserializeOwned>(value: &Value, budget: &mut Budget) -> Option<Option<Problem>> {
    if budget.reads >= budget.max {
        return None;
    }
    budget.reads += 1;
    Some(read::<T>(value).err())
}

/// `one of `a`, `b``: the `a` of serde's unknown-variant message.
fn first_expected_variant(text: &str) -> Option<String> {
    if !text.starts_with("unknown variant") {
        return None;
    }
    let expected = &text[text.find(", expected ")? + ", expected ".len()..];
    quoted_after(expected.trim_start_matches("one of "), "`")
}

fn at<'v>(value: &'v mut Value, place: &[Step]) -> Option<&'v mut Value> {
    place.iter().try_fold(value, |v, step| match (step, v) {
        (Step::Key(k), Value::Object(map)) => map.get_mut(k),
        (Step::Index(i), Value::Array(items)) => items.get_mut(*i),
        _ => None,
    })
}

/// Puts `probe` at `place`, inserting the field when it is missing. The whole body when the
/// place is empty.
fn put(value: &mut Value, place: &[Step], probe: Value) -> Option<()> {
    let Some((last, parent)) = place.split_last() else {
        *value = probe;
        return Some(());
    };
    match (last, at(value, parent)?) {
        (Step::Key(k), Value::Object(map)) => {
            map.insert(k.clone(), probe);
        }
        (Step::Index(i), Value::Array(items)) => *items.get_mut(*i)? = probe,
        _ => return None,
    }
    Some(())
}

/// `items[2].code`, as the catalog's validation names fields; `body` for the whole body.
fn field_name(place: &[Step]) -> String {
    if place.is_empty() {
        return "body".to_string();
    }
    let mut name = String::new();
    for step in place {
        match step {
            Step::Key(k) if name.is_empty() => name.push_str(k),
            Step::Key(k) => {
                name.push('.');
                name.push_str(k);
            }
            Step::Index(i) => name.push_str(&format!("[{i}]")),
        }
    }
    name
}

impl Problem {
    fn field_error(&self) -> FieldError {
        let field = field_name(&self.place);
        let text = quoted(&self.text);
        let expected = text
            .find(", expected ")
            .map(|at| text[at + ", expected ".len()..].to_string());
        match self.kind {
            Kind::Missing => FieldError::required(field.clone(), &field),
            Kind::Unknown => unknown_field(&field, &text, expected),
            Kind::WrongType => wrong_value(&field, "invalid_type", &text, expected),
            Kind::WrongValue => wrong_value(&field, "invalid_value", &text, expected),
        }
    }
}

fn unknown_field(field: &str, text: &str, expected: Option<String>) -> FieldError {
    let known = expected
        .map(|e| format!("（可用字段：{}）", e.trim_start_matches("one of ")))
        .unwrap_or_default();
    FieldError::new(
        field,
        "unknown_field",
        format!("没有字段「{field}」，请删除或改正拼写{known}"),
        format!("`{field}` is not a known field; remove it or correct its spelling ({text})"),
    )
}

fn wrong_value(
    field: &str,
    reason: &'static str,
    text: &str,
    expected: Option<String>,
) -> FieldError {
    let zh = match expected {
        Some(e) => format!(
            "字段「{field}」的值不正确，应为{}（{text}）",
            in_chinese(&e)
        ),
        None => format!("字段「{field}」的值不正确：{text}"),
    };
    FieldError::new(field, reason, zh, format!("`{field}` is not valid: {text}"))
}

/// serde's common expectations in Chinese; others as serde says them.
fn in_chinese(expected: &str) -> String {
    let digits_after = |prefix: char| {
        expected.len() > 1
            && expected.starts_with(prefix)
            && expected[1..].chars().all(|c| c.is_ascii_digit())
    };
    match expected {
        "a string" => "字符串".to_string(),
        "a boolean" => "true 或 false".to_string(),
        "a sequence" => "数组（[…]）".to_string(),
        "a map" => "对象（{…}）".to_string(),
        "f32" | "f64" => "数字".to_string(),
        _ if digits_after('u') => format!("非负整数（{expected}）"),
        _ if digits_after('i') => format!("整数（{expected}）"),
        _ if expected.starts_with("struct ") => format!("对象（{{…}}，{expected}）"),
        _ => match expected.strip_prefix("one of ") {
            Some(values) => format!("以下之一：{values}"),
            None => format!(" {expected}"),
        },
    }
}

/// serde's text, cut short: it may quote a long value back.
fn quoted(text: &str) -> String {
    if text.chars().count() <= MAX_QUOTED {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_QUOTED).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
#[path = "json_problems_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Form {
        name: String,
        days: u32,
        share: Share,
        tags: Vec<String>,
        #[serde(default)]
        items: Vec<Item>,
        #[serde(default)]
        inner: Option<Item>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        code: String,
        size: u8,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Share {
        Open,
        Conditional,
    }

    fn fields_of(v: Value) -> Vec<(String, &'static str)> {
        let mut f: Vec<_> = problems::<Form>(v, 100)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.reason))
            .collect();
        f.sort();
        f
    }

    fn named(list: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
        let mut v: Vec<_> = list.iter().map(|(f, r)| (f.to_string(), *r)).collect();
        v.sort();
        v
    }

    #[test]
    fn every_missing_field_is_named() {
        assert_eq!(
            fields_of(json!({})),
            named(&[
                ("name", "required"),
                ("days", "required"),
                ("share", "required"),
                ("tags", "required")
            ])
        );
    }

    #[test]
    fn wrong_types_values_and_unknown_fields_come_together() {
        let v = json!({
            "name": 5, "days": -1, "share": "maybe", "tags": ["a", 3], "colour": "red",
            "items": [{"code": "A", "size": 1}, {"code": "B", "size": 300, "x": 1}],
            "inner": {"size": 2}
        });
        assert_eq!(
            fields_of(v),
            named(&[
                ("name", "invalid_type"),
                ("days", "invalid_value"),
                ("share", "invalid_value"),
                ("tags[1]", "invalid_type"),
                ("colour", "unknown_field"),
                ("items[1].size", "invalid_value"),
                ("items[1].x", "unknown_field"),
                ("inner.code", "required"),
            ])
        );
    }

    #[test]
    fn a_probe_is_never_reported_as_the_callers_problem() {
        // `inner` holds no object: only that is wrong, not the fields a probe object lacks.
        let v = json!({"name": "n", "days": 1, "share": "open", "tags": [], "inner": 3});
        assert_eq!(fields_of(v), named(&[("inner", "invalid_type")]));
        assert_eq!(fields_of(json!([1, 2])), named(&[("body", "invalid_type")]));
    }

    #[test]
    fn messages_name_the_field_in_both_languages() {
        let e = problems::<Form>(
            json!({"name": "n", "days": 1, "share": "x", "tags": []}),
            100,
        )
        .unwrap_err();
        assert!(
            e[0].zh.contains("「share」") && e[0].zh.contains("`open`"),
            "{e:?}"
        );
        assert!(
            e[0].en.contains("`share`") && e[0].en.contains("`open`"),
            "{e:?}"
        );
        let e = problems::<Form>(json!({"days": 1, "share": "open", "tags": []}), 100).unwrap_err();
        assert!(
            e[0].zh.contains("「name」") && e[0].en.contains("`name`"),
            "{e:?}"
        );
    }

    #[test]
    fn a_large_body_is_read_again_fewer_times() {
        assert_eq!(reads_for(2_000), MAX_READS);
        assert_eq!(reads_for(crate::MAX_BODY), 8);
        // Within its budget a large body still names what it found first.
        let e = problems::<Form>(json!({}), crate::MAX_BODY).unwrap_err();
        assert!(!e.is_empty() && e.len() < 4, "{e:?}");
    }

    #[test]
    fn a_valid_body_reads() {
        let v = json!({"name": "n", "days": 1, "share": "conditional", "tags": ["a"]});
        assert!(problems::<Form>(v, 100).is_ok());
    }
}
