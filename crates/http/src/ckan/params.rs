//! Reading an action's parameters as CKAN does: a GET's query string (a key given twice
//! becomes a list), a POST's JSON object or form fields, and CKAN's validators' messages.
use std::collections::BTreeMap;

use axum::http::{header, HeaderMap, Method};
use serde_json::Value;

use super::{CkanError, CkanResult, Data};

/// The parameters of a request, or why they cannot be read (CKAN's "JSON Error").
pub(crate) fn request_data(
    method: &Method,
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
) -> Result<Data, String> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if *method == Method::POST && is_form && !body.is_empty() {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        // CKAN reads a form of one field whose value is empty or "1" as JSON in the name.
        if let [(k, v)] = pairs.as_slice() {
            let shallow =
                crate::extract::json_depth(k.as_bytes()) <= crate::extract::MAX_JSON_DEPTH;
            if (v.is_empty() || v == "1") && shallow {
                if let Ok(Value::Object(m)) = serde_json::from_str(k) {
                    return Ok(m);
                }
            }
        }
        return Ok(mixed(pairs));
    }
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        return Ok(mixed(
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Data::new());
    }
    // The API's bound on nesting holds here too, in CKAN's own words.
    if crate::extract::json_depth(body) > crate::extract::MAX_JSON_DEPTH {
        return Err(format!(
            "Error decoding JSON data. Error: nested more than {} levels deep",
            crate::extract::MAX_JSON_DEPTH
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(format!(
            "Request data JSON decoded to {other} but it needs to be a dictionary."
        )),
        Err(e) => Err(format!("Error decoding JSON data. Error: {e}")),
    }
}

/// Fields given once as strings, given more than once as lists of strings.
fn mixed(pairs: Vec<(String, String)>) -> Data {
    let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut order = Vec::new();
    for (k, v) in pairs {
        if !grouped.contains_key(&k) {
            order.push(k.clone());
        }
        grouped.entry(k).or_default().push(v);
    }
    order
        .into_iter()
        .map(|k| {
            let mut vs = grouped.remove(&k).unwrap_or_default();
            let v = if vs.len() == 1 {
                Value::String(vs.remove(0))
            } else {
                Value::Array(vs.into_iter().map(Value::String).collect())
            };
            (k, v)
        })
        .collect()
}

/// Every problem of an action's parameters, by field, as CKAN's validators word them.
#[derive(Default)]
pub(crate) struct Problems(BTreeMap<String, Vec<String>>);

impl Problems {
    pub fn add(&mut self, field: &str, msg: impl Into<String>) {
        self.0
            .entry(field.to_string())
            .or_default()
            .push(msg.into());
    }
    pub fn into_result(self) -> CkanResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(CkanError::Validation(self.0))
        }
    }
}

/// CKAN's `int_validator`: a whole number, or a string of one.
pub(crate) fn int(d: &Data, key: &str, p: &mut Problems) -> Option<i64> {
    let v = d.get(key)?;
    let n = match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        Value::Null => return None,
        _ => None,
    };
    if n.is_none() {
        p.add(key, "Invalid integer");
    }
    n
}

/// CKAN's `natural_number_validator`: a whole number, not negative.
pub(crate) fn natural(d: &Data, key: &str, p: &mut Problems) -> Option<usize> {
    let n = int(d, key, p)?;
    if n < 0 {
        p.add(key, "Must be a natural number");
        return None;
    }
    Some(n as usize)
}

/// CKAN's `boolean_validator`: true for true, yes, t, y and 1 (any case), else false.
pub(crate) fn boolean(d: &Data, key: &str) -> Option<bool> {
    Some(match d.get(key)? {
        Value::Bool(b) => *b,
        Value::Null => return None,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "true" | "yes" | "t" | "y" | "1"
        ),
        _ => false,
    })
}

/// A text parameter: strings as given, numbers as written; a list takes its last value,
/// as a repeated query parameter would.
pub(crate) fn text(d: &Data, key: &str) -> Option<String> {
    match d.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.into()),
        Value::Array(a) => a.iter().rev().find_map(|v| v.as_str().map(str::to_string)),
        _ => None,
    }
}

/// A list of strings: a JSON list, a string holding one, or a single string.
pub(crate) fn list(d: &Data, key: &str, p: &mut Problems) -> Option<Vec<String>> {
    let v = d.get(key)?;
    let v = match v {
        Value::String(s) if s.trim_start().starts_with('[') => match serde_json::from_str(s) {
            Ok(v) => v,
            Err(_) => {
                p.add(key, "Could not parse as valid JSON");
                return None;
            }
        },
        other => other.clone(),
    };
    match v {
        Value::String(s) => Some(vec![s]),
        Value::Array(a) => {
            let mut out = Vec::new();
            for x in a {
                match x {
                    Value::String(s) => out.push(s),
                    _ => {
                        p.add(key, "Not a list of strings");
                        return None;
                    }
                }
            }
            Some(out)
        }
        Value::Null => None,
        _ => {
            p.add(key, "Not a list");
            None
        }
    }
}

/// A required identifier, or CKAN's "Missing value".
pub(crate) fn required(d: &Data, key: &str) -> CkanResult<String> {
    text(d, key)
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().to_string())
        .ok_or_else(|| CkanError::invalid(key, "Missing value"))
}
