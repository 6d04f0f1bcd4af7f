//! The demo province's sharing: responsibilities (with a few gaps), needs, subscriptions,
//! applications in every state (one overdue for the supervision list), and a negative list
//! with one entry in force and one awaiting review. Made through the same rules as real use,
//! inside the demo's one transaction.
use shuqiao_core::account::{Principal, Role, RoleBinding};
use shuqiao_core::catalog::{ResourceMeta, ShareType};
use shuqiao_core::share::{
    AccessRequest, Approval, Decision, NeedInput, NegativeAction, NegativeProposalInput,
    ResponsibilityInput, DAY_MS,
};
use shuqiao_demo::{self as demo, admin, steward_of, DemoProvince};

use crate::db::Conn;
use crate::share::access::{apply_tx, approve_application_tx, subscribe_tx};
use crate::share::lists::{
    add_responsibility_tx, confirm_need_tx, propose_negative_tx, review_negative_tx, state_need_tx,
};
use crate::Result;

/// Duties with no catalogued resource yet: the gaps the responsibility list exists to show.
const UNCATALOGUED_DUTIES: &[(&str, &str, &str)] = &[
    (
        "hi-mzt",
        "社会组织年度检查信息",
        "三定方案：负责社会组织登记管理和执法监督",
    ),
    (
        "hi-zjt",
        "建筑工程施工许可信息",
        "权责清单：建筑工程施工许可证核发",
    ),
    (
        "hi-swt",
        "外商投资企业备案信息",
        "三定方案：负责外商投资促进和备案管理",
    ),
    (
        "hi-lyj",
        "旅游投诉处理信息",
        "三定方案：负责旅游市场秩序监管和投诉处理",
    ),
];

fn person(username: &str, org: &str, role: Role) -> Principal {
    Principal::Person {
        username: username.into(),
        org: org.into(),
        roles: vec![RoleBinding {
            role,
            org: org.into(),
        }],
    }
}

fn user_of(org: &str) -> Principal {
    person(
        &format!("user.{}", demo::dept_suffix(org)),
        org,
        Role::ConsumerUser,
    )
}

fn system_of<'a>(p: &'a DemoProvince, org: &str) -> Option<&'a str> {
    p.systems
        .iter()
        .find(|s| s.org == org)
        .map(|s| s.code.as_str())
}

fn find<'a>(published: &'a [(String, &ResourceMeta)], name: &str) -> Option<&'a str> {
    published
        .iter()
        .find(|(_, m)| m.name == name)
        .map(|(c, _)| c.as_str())
}

fn meta_of<'a>(published: &[(String, &'a ResourceMeta)], code: &str) -> Option<&'a ResourceMeta> {
    published.iter().find(|(c, _)| c == code).map(|(_, m)| *m)
}

fn request(
    p: &DemoProvince,
    published: &[(String, &ResourceMeta)],
    consumer: &str,
    code: &str,
    purpose: &str,
) -> Option<AccessRequest> {
    let meta = meta_of(published, code)?;
    Some(AccessRequest {
        system: system_of(p, consumer)?.to_string(),
        resource: code.to_string(),
        fields: meta.items.iter().take(3).map(|i| i.code.clone()).collect(),
        purpose: purpose.into(),
        scene: format!("{purpose}（政务服务办理）"),
        legal_basis: meta.legal_basis.clone().unwrap_or_default(),
        days: 365,
    })
}

pub(crate) fn load(
    c: &mut dyn Conn,
    p: &DemoProvince,
    published: &[(String, &ResourceMeta)],
    now: i64,
) -> Result<()> {
    responsibilities(c, published, now)?;
    let population = find(published, "全员人口基础信息");
    if let Some(pop) = population {
        applications(c, p, published, pop, now)?;
        needs(c, published, pop, now)?;
        // 一数一源: 姓名 of a person comes from 公安厅's population register.
        crate::quality::sources::designate_tx(
            c,
            &admin(),
            "XM",
            shuqiao_core::quality::source::SubjectKind::Person,
            pop,
            now,
        )?;
    }
    subscriptions(c, p, published, now)?;
    negative_list(c, published, population, now)?;
    Ok(())
}

fn responsibilities(
    c: &mut dyn Conn,
    published: &[(String, &ResourceMeta)],
    now: i64,
) -> Result<()> {
    for (code, meta) in published {
        let input = ResponsibilityInput {
            org: meta.provider.clone(),
            title: meta.name.clone(),
            duty: format!("三定方案：{}", meta.summary),
            resource: Some(code.clone()),
        };
        add_responsibility_tx(c, &steward_of(&meta.provider), &input, now)?;
    }
    for (org, title, duty) in UNCATALOGUED_DUTIES {
        let input = ResponsibilityInput {
            org: org.to_string(),
            title: title.to_string(),
            duty: duty.to_string(),
            resource: None,
        };
        add_responsibility_tx(c, &admin(), &input, now)?;
    }
    Ok(())
}

/// Applications for the population base: approved, rejected, pending, and one overdue.
fn applications(
    c: &mut dyn Conn,
    p: &DemoProvince,
    published: &[(String, &ResourceMeta)],
    pop: &str,
    now: i64,
) -> Result<()> {
    let Some(meta) = meta_of(published, pop) else {
        return Ok(());
    };
    if meta.share_type != ShareType::Conditional {
        return Ok(());
    }
    let provider = meta.provider.clone();
    let steward = steward_of(&provider);
    let cases: &[(&str, &str, i64, Option<bool>)] = &[
        ("hi-rst", "社会保险待遇资格认证", 6, Some(true)),
        ("hi-mzt", "最低生活保障对象核查", 5, Some(true)),
        ("hi-jyt", "学籍信息比对", 4, Some(false)),
        ("hi-wjw", "出生医学证明办理", 12, None),
        ("hi-ybj", "医保参保登记", 0, None),
    ];
    for (consumer, purpose, days_ago, decision) in cases {
        let Some(r) = request(p, published, consumer, pop, purpose) else {
            continue;
        };
        let filed = now - days_ago * DAY_MS;
        let app = apply_tx(c, &user_of(consumer), &r, filed)?;
        match decision {
            Some(true) => {
                let a = Approval {
                    opinion: "同意，请按申请用途使用".into(),
                    ..Default::default()
                };
                approve_application_tx(c, &steward, app.id, &a, filed + DAY_MS)?;
            }
            Some(false) => {
                crate::share::access::reject_application_tx(
                    c,
                    &steward,
                    app.id,
                    "学籍比对无需公民身份号码以外的信息，请改用核验接口",
                    filed + DAY_MS,
                )?;
            }
            None => {}
        }
    }
    Ok(())
}

fn needs(
    c: &mut dyn Conn,
    published: &[(String, &ResourceMeta)],
    pop: &str,
    now: i64,
) -> Result<()> {
    let need = |org: &str, title: &str, resource: Option<&str>| NeedInput {
        org: Some(org.into()),
        title: title.into(),
        description: format!("{title}：办理业务时需要核验"),
        resource: resource.map(str::to_string),
    };
    let met = state_need_tx(
        c,
        &user_of("hi-rst"),
        &need("hi-rst", "人口基础信息", None),
        now,
    )?;
    confirm_need_tx(c, &admin(), met.id, Some(pop.to_string()), now)?;
    let marriage = find(published, "婚姻登记信息");
    state_need_tx(
        c,
        &user_of("hi-zjt"),
        &need("hi-zjt", "婚姻状况信息", marriage),
        now,
    )?;
    Ok(())
}

fn subscriptions(
    c: &mut dyn Conn,
    p: &DemoProvince,
    published: &[(String, &ResourceMeta)],
    now: i64,
) -> Result<()> {
    let unconditional: Vec<&str> = published
        .iter()
        .filter(|(_, m)| m.share_type == ShareType::Unconditional)
        .map(|(c, _)| c.as_str())
        .take(3)
        .collect();
    for (i, code) in unconditional.iter().enumerate() {
        let consumer = ["hi-scjgj", "hi-swj", "hi-fgw"][i % 3];
        let Some(provider) = meta_of(published, code).map(|m| m.provider.as_str()) else {
            continue;
        };
        if provider == consumer {
            continue;
        }
        if let Some(r) = request(p, published, consumer, code, "业务协同比对") {
            subscribe_tx(c, &user_of(consumer), &r, now)?;
        }
    }
    Ok(())
}

/// One entry in force (reviewed by all three) and one awaiting the legal and secrecy offices.
fn negative_list(
    c: &mut dyn Conn,
    published: &[(String, &ResourceMeta)],
    population: Option<&str>,
    now: i64,
) -> Result<()> {
    let candidates: Vec<(&str, &ResourceMeta)> = published
        .iter()
        .filter(|(code, m)| {
            m.share_type == ShareType::Conditional && Some(code.as_str()) != population
        })
        .map(|(c, m)| (c.as_str(), *m))
        .take(2)
        .collect();
    let legal = person("legal", "hi-sft", Role::LegalReviewer);
    let secrecy = person("secrecy", "hi-bmj", Role::SecrecyReviewer);
    for (i, (code, meta)) in candidates.iter().enumerate() {
        let input = NegativeProposalInput {
            resource: code.to_string(),
            action: NegativeAction::Add,
            legal_basis: format!(
                "{}；《中华人民共和国保守国家秘密法》",
                meta.legal_basis.clone().unwrap_or_default()
            ),
            reason: "含有依法不能共享的内容".into(),
        };
        let prop = propose_negative_tx(c, &steward_of(&meta.provider), &input, now)?;
        review_negative_tx(c, &admin(), prop.id, Decision::Approve, "同意", None, now)?;
        if i == 0 {
            review_negative_tx(c, &legal, prop.id, Decision::Approve, "于法有据", None, now)?;
            review_negative_tx(c, &secrecy, prop.id, Decision::Approve, "同意", None, now)?;
        }
    }
    Ok(())
}
