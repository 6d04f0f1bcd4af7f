//! Whatever the JSON, probing a body never panics, always ends, and a refused body names at
//! least one problem: arbitrary values, and objects made of the main inputs' own field names
//! with values of every kind, read as the API reads its bodies.
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};
use shuqiao_core::account::InfoSystem;
use shuqiao_core::catalog::ResourceMeta;
use shuqiao_core::share::calendar::YearCalendar;
use shuqiao_core::share::{
    AccessRequest, Approval, NeedInput, NegativeProposalInput, ResponsibilityInput,
};
use shuqiao_service::collect::connectors::ConnectorConfig;

use super::problems;

/// Field names of the API's inputs, and a few that belong to none.
const NAMES: &[&str] = &[
    "name",
    "name_en",
    "code",
    "type",
    "length",
    "required",
    "grade",
    "description",
    "items",
    "classification",
    "category",
    "class_code",
    "subclass_code",
    "provider",
    "summary",
    "share_type",
    "open_type",
    "update_cycle",
    "format",
    "key_fields",
    "share_mode",
    "resource",
    "fields",
    "purpose",
    "system",
    "basis",
    "days",
    "year",
    "source",
    "holidays",
    "workdays",
    "date",
    "org",
    "url",
    "table",
    "query",
    "updated_column",
    "schedule",
    "reason",
    "grant",
    "quota_per_day",
    "rate_per_second",
    "expires_at",
    "0",
    "",
    "名称",
    "__proto__",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<u64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        any::<String>().prop_map(Value::String),
        "[a-z0-9_\\-]{0,12}".prop_map(Value::String),
        proptest::sample::select(NAMES).prop_map(|s| Value::String(s.to_string())),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(NAMES), inner), 0..10).prop_map(
                |pairs| {
                    Value::Object(
                        pairs
                            .into_iter()
                            .map(|(k, v)| (k.to_string(), v))
                            .collect::<Map<String, Value>>(),
                    )
                }
            ),
        ]
    })
}

fn read_as<T: DeserializeOwned>(v: &Value) {
    let len = v.to_string().len();
    if let Err(found) = problems::<T>(v.clone(), len) {
        assert!(!found.is_empty(), "a refused body names a problem");
    }
}

fn read_every_way(v: &Value) {
    read_as::<ResourceMeta>(v);
    read_as::<AccessRequest>(v);
    read_as::<Approval>(v);
    read_as::<NeedInput>(v);
    read_as::<ResponsibilityInput>(v);
    read_as::<NegativeProposalInput>(v);
    read_as::<YearCalendar>(v);
    read_as::<InfoSystem>(v);
    read_as::<ConnectorConfig>(v);
}

/// Walks down `path` to a place and replaces or removes what is there.
fn edit(v: &mut Value, path: &[usize], with: &Value, drop: bool) {
    let Some((step, rest)) = path.split_first() else {
        *v = with.clone();
        return;
    };
    match v {
        Value::Object(m) if !m.is_empty() => {
            let key = m.keys().nth(step % m.len()).cloned().expect("key");
            if rest.is_empty() && drop {
                m.remove(&key);
            } else if let Some(inner) = m.get_mut(&key) {
                edit(inner, rest, with, drop);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            let i = step % a.len();
            if rest.is_empty() && drop {
                a.remove(i);
            } else {
                edit(&mut a[i], rest, with, drop);
            }
        }
        other => *other = with.clone(),
    }
}

/// 256 cases (proptest's default), or `PROPTEST_CASES`.
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/proptest-regressions/json_problems_fuzz.txt"
        )))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bodies(v in value()) {
        read_every_way(&v);
    }

    #[test]
    fn resource_metadata_mutated(path in proptest::collection::vec(any::<usize>(), 1..4), with in value(), drop in any::<bool>()) {
        let mut v: Value = serde_json::from_str(SAMPLE_META).expect("sample metadata");
        problems::<ResourceMeta>(v.clone(), SAMPLE_META.len()).expect("the sample is valid");
        edit(&mut v, &path, &with, drop);
        read_as::<ResourceMeta>(&v);
    }
}

const SAMPLE_META: &str = r#"{
  "classification": {"category": "base", "class_code": "01", "subclass_code": "001"},
  "name": "全员人口基础信息", "name_en": "Population", "provider": "hi-gat",
  "summary": "人口", "share_type": "unconditional", "open_type": "closed",
  "update_cycle": "daily", "format": "database", "key_fields": ["GMSFHM"],
  "items": [
    {"name": "公民身份号码", "code": "GMSFHM", "type": "string", "length": 18, "required": true, "grade": "core"},
    {"name": "姓名", "code": "XM", "type": "string", "length": 50, "required": true, "grade": "important"}
  ]
}"#;
