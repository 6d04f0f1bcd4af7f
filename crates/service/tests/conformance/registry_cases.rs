//! The data-element registry in the conformance suite (run on SQLite and PostgreSQL): the
//! operator extends it, coded items refuse labels until the resource declares them, and
//! every change is sealed.
use std::collections::BTreeMap;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;

use shuqiao_core::account::Role;
use shuqiao_core::catalog::ItemType;
use shuqiao_core::collect::source::VecSource;
use shuqiao_core::quality::elements::{Code, CodeSet, DataElement, ValueMappings};
use shuqiao_core::DomainError;
use shuqiao_service::audit::AuditFilter;
use shuqiao_service::collect::{BatchRequest, Channel};
use shuqiao_service::testkit::{fixture, sample_meta};
use shuqiao_service::Store;

use super::{admin, domain, invalid_fields, person, steward_a, steward_b};

const A: &str = "11010519491231002X";
const B: &str = "440524188001010014";

fn with_audit(s: Store) -> Store {
    s.with_audit(super::test_audit_keys())
}

fn household_codes() -> CodeSet {
    CodeSet {
        id: "HNHJ".into(),
        standard: "DB46/T 0001-2026".into(),
        name: "户籍类别代码".into(),
        name_en: "household registration codes".into(),
        codes: vec![
            Code {
                code: "1".into(),
                label: "农业".into(),
            },
            Code {
                code: "2".into(),
                label: "非农业".into(),
            },
        ],
    }
}

fn household_element() -> DataElement {
    DataElement {
        identifier: "HJLB".into(),
        name: "户籍类别".into(),
        name_en: "household registration".into(),
        definition: "人的户籍登记类别".into(),
        item_type: ItemType::String,
        length: Some(1),
        code_set: Some("HNHJ".into()),
        rule: None,
    }
}

fn mapping(item: &str, pairs: &[(&str, &str)]) -> ValueMappings {
    let labels: BTreeMap<String, String> = pairs
        .iter()
        .map(|(l, c)| (l.to_string(), c.to_string()))
        .collect();
    BTreeMap::from([(item.to_string(), labels)])
}

pub async fn data_elements_code_sets_and_declared_labels(s: Store, _t: Arc<AtomicI64>, _u: String) {
    let s = with_audit(s);
    fixture(&s).await;
    let consumer = person("user.a", Role::ConsumerUser, "d-a");

    // The shipped registry, readable by anyone signed in.
    let elements = s.list_elements(consumer.clone()).await.unwrap();
    assert!(elements
        .iter()
        .any(|e| e.element.identifier == "XBDM" && e.builtin));
    let xb = s.get_element(consumer.clone(), "XBDM").await.unwrap();
    assert_eq!(xb.codes.unwrap().standard, "GB/T 2261.1-2003");
    let sets = s.list_code_sets(steward_a()).await.unwrap();
    assert_eq!(sets.len(), 4);

    // Only the operator extends it; problems are reported together; a clash is refused.
    for p in [steward_a(), consumer.clone()] {
        assert!(matches!(
            domain(
                s.create_code_set(p.clone(), household_codes())
                    .await
                    .unwrap_err()
            ),
            DomainError::Forbidden { .. }
        ));
        assert!(matches!(
            domain(s.create_element(p, household_element()).await.unwrap_err()),
            DomainError::Forbidden { .. }
        ));
    }
    let mut orphan = household_element();
    orphan.name = String::new();
    assert_eq!(
        invalid_fields(s.create_element(admin(), orphan).await.unwrap_err()),
        ["name", "code_set"],
        "the code set does not exist yet"
    );
    let mut clash = household_codes();
    clash.id = "GB/T 2261.1".into();
    assert_eq!(
        invalid_fields(s.create_code_set(admin(), clash).await.unwrap_err()),
        ["id"]
    );
    s.create_code_set(admin(), household_codes()).await.unwrap();
    let added = s
        .create_element(admin(), household_element())
        .await
        .unwrap();
    assert_eq!(
        (added.builtin, added.created_by.as_deref()),
        (false, Some("user:admin"))
    );
    assert_eq!(
        s.get_element(steward_b(), "HJLB")
            .await
            .unwrap()
            .codes
            .unwrap()
            .codes
            .len(),
        2
    );
    assert_eq!(
        s.get_code_set(steward_b(), "HNHJ").await.unwrap().set.name,
        "户籍类别代码"
    );

    // A resource links its 性别 item to 性别 (XBDM); an unknown element names its item.
    let mut meta = sample_meta();
    meta.items.push(
        serde_json::from_value(serde_json::json!(
            {"name": "性别", "code": "XB", "type": "string", "length": 1, "grade": "general", "element": "XBDM"}
        ))
        .unwrap(),
    );
    let mut unknown = meta.clone();
    unknown.items[0].element = Some("NOSUCH".into());
    assert_eq!(
        invalid_fields(s.create_resource(steward_a(), unknown).await.unwrap_err()),
        ["items[0].element"]
    );
    let code = s.create_resource(steward_a(), meta).await.unwrap().code;
    s.submit_resource(steward_a(), &code).await.unwrap();
    s.publish_resource(admin(), &code).await.unwrap();

    // Labels are refused, naming the code set; nothing is applied.
    let cols = vec!["公民身份号码".to_string(), "姓名".into(), "性别".into()];
    let rows = || {
        vec![
            vec![A.to_string(), "张三".into(), "男".into()],
            vec![B.to_string(), "李四".into(), "女".into()],
        ]
    };
    let req = || BatchRequest::new(&code, Channel::Import, "people.csv");
    let refused = s
        .collect_batch(
            steward_a(),
            req(),
            VecSource::new(cols.clone(), rows()),
            None,
        )
        .await
        .unwrap();
    assert_eq!((refused.status.as_str(), refused.rejected), ("rejected", 2));
    let rejects = s.batch_rejects(steward_a(), refused.id).await.unwrap();
    assert_eq!(rejects[0].reason, "not_in_code_set");
    assert!(
        rejects[0]
            .message_zh
            .contains("代码集 GB/T 2261.1 性别代码")
            && rejects[0].message_zh.contains("0、1、2、9"),
        "{}",
        rejects[0].message_zh
    );

    // Declaring labels: the provider's steward only, codes of the set only, all at once.
    assert!(matches!(
        domain(
            s.set_value_mappings(steward_b(), &code, mapping("XB", &[("男", "1")]))
                .await
                .unwrap_err()
        ),
        DomainError::Forbidden { .. }
    ));
    let mut bad = mapping("XB", &[("男", "1"), ("女", "3")]);
    bad.extend(mapping("XM", &[("张", "1")]));
    assert_eq!(
        invalid_fields(
            s.set_value_mappings(steward_a(), &code, bad)
                .await
                .unwrap_err()
        ),
        ["items.XB.女", "items.XM"]
    );
    assert!(s
        .value_mappings(steward_a(), &code)
        .await
        .unwrap()
        .items
        .is_empty());
    s.set_value_mappings(
        steward_a(),
        &code,
        mapping("XB", &[("男", "1"), ("女", "2")]),
    )
    .await
    .unwrap();

    // Now the same file goes in, stored as codes.
    let applied = s
        .collect_batch(steward_a(), req(), VecSource::new(cols, rows()), None)
        .await
        .unwrap();
    assert_eq!((applied.status.as_str(), applied.inserted), ("applied", 2));
    let record = s.record_at(steward_a(), &code, B, None).await.unwrap();
    assert_eq!(record.data.unwrap()["XB"], "2");

    // A request that names no item keeps what was declared.
    s.set_value_mappings(steward_a(), &code, ValueMappings::new())
        .await
        .unwrap();
    assert_eq!(
        s.value_mappings(admin(), &code).await.unwrap().items["XB"]["男"],
        "1"
    );

    // Every change is sealed.
    s.audit().seal_pending().await.unwrap();
    for action in [
        "quality.code_set_add",
        "quality.element_add",
        "quality.value_mappings",
    ] {
        let sealed = s
            .audit_entries(AuditFilter {
                action: Some(action.into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .items;
        assert!(!sealed.is_empty(), "{action} is sealed");
    }
}
