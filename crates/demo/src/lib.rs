//! The deterministic demo province: the same seed always yields the same organisations,
//! systems, accounts, tokens and catalog, so the README can list them. The catalogue sheets
//! (departments, systems, resources) are data files read by [`tables`]; the people, accounts,
//! credit codes and tokens are generated here from the seed.
pub mod population;
pub mod tables;

use sha2::{Digest, Sha256};

use shuqiao_core::account::{Account, InfoSystem, Principal, Role, RoleBinding};
use shuqiao_core::catalog::{Classification, Format, InfoItem, ResourceMeta, ShareMode};
use shuqiao_core::ident;
use shuqiao_core::org::{Org, OrgKind};
use shuqiao_core::region;
use tables::Tables;
pub use tables::{DemoDataError, OPERATOR};

pub const DEFAULT_SEED: u64 = 460_000;
pub const PROVINCE_GOV: &str = "hi-gov";

/// Demo passwords, one per role, published in the README.
pub const ADMIN_PASSWORD: &str = "Hainan-admin-2026";
pub const STEWARD_PASSWORD: &str = "Hainan-steward-2026";
pub const CONSUMER_PASSWORD: &str = "Hainan-user-2026";
pub const AUDITOR_PASSWORD: &str = "Hainan-audit-2026";
/// The demo's identified data subjects (a citizen and a company representative).
pub const SUBJECT_PASSWORD: &str = "Hainan-citizen-2026";

/// A verified identity of the demo: (username, name, kind, identifier).
pub struct DemoIdentity {
    pub username: &'static str,
    pub display_name: &'static str,
    pub kind: &'static str,
    pub identifier: String,
}

/// A citizen of Haikou (龙华区) and a Haikou company, with valid check characters.
pub fn identities() -> Vec<DemoIdentity> {
    let person17 = "46010619900307123";
    let company17 = "91460100MA5T20260";
    vec![
        DemoIdentity {
            username: "citizen",
            display_name: "王海燕",
            kind: "person",
            identifier: format!(
                "{person17}{}",
                shuqiao_core::ident::id_number_check_char(person17).unwrap_or('0')
            ),
        },
        DemoIdentity {
            username: "company",
            display_name: "海南椰风食品有限公司",
            kind: "company",
            identifier: format!(
                "{company17}{}",
                shuqiao_core::ident::credit_code_check_char(company17).unwrap_or('0')
            ),
        },
    ]
}

/// The negative-list reviewers of the legal office (司法厅) and the secrecy office (保密局).
pub const REVIEWER_PASSWORD: &str = "Hainan-review-2026";

pub struct DemoAccount {
    pub account: Account,
    pub password: &'static str,
}

pub struct DemoToken {
    pub system: String,
    pub token: String,
}

/// What a resource should be left as after loading, so the review queue is not empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoState {
    Published,
    Submitted,
    Draft,
}

pub struct DemoResource {
    pub meta: ResourceMeta,
    pub state: DemoState,
}

pub struct DemoProvince {
    /// Parents before children.
    pub orgs: Vec<Org>,
    pub systems: Vec<InfoSystem>,
    pub accounts: Vec<DemoAccount>,
    pub tokens: Vec<DemoToken>,
    pub resources: Vec<DemoResource>,
    /// Inventory values (信息系统清查) of some systems, by code; the rest keep the defaults.
    pub inventory:
        std::collections::BTreeMap<String, shuqiao_core::assess::systems::InventoryPatch>,
}

const SYSTEM_INVENTORY_JSON: &str = include_str!("../data/system_inventory.json");

/// The inventory sheet of the demo: a few systems with every value, one whose maintenance
/// stopped, one stopped and one classified.
pub fn system_inventory() -> Result<
    std::collections::BTreeMap<String, shuqiao_core::assess::systems::InventoryPatch>,
    DemoDataError,
> {
    serde_json::from_str(SYSTEM_INVENTORY_JSON).map_err(|e| DemoDataError {
        file: "system_inventory.json",
        message: e.to_string(),
    })
}

/// SplitMix64: small, fast and stable across platforms and releases, unlike `rand`'s StdRng.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "符", "林", "邢", "云", "羊", "冯",
    "蔡", "卓",
];
const GIVEN: &[&str] = &[
    "海燕", "建华", "志强", "丽娟", "国强", "秀英", "明", "静", "伟", "芳", "文博", "少华", "春梅",
    "德明", "小琼", "家豪",
];

pub fn person_name(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

/// A valid 统一社会信用代码 for a government body (登记管理部门 1, 机关 1) in `region`.
pub fn gov_credit_code(rng: &mut Rng, region: &str) -> String {
    let body: String = (0..9)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect();
    let first17 = format!("11{region}{body}");
    let check = ident::credit_code_check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

/// The demo token of a system: derived from the seed, so it can be printed in the README.
pub fn demo_token(seed: u64, system: &str) -> String {
    let digest = Sha256::digest(format!("shuqiao-demo-token:{seed}:{system}").as_bytes());
    format!("sq_{}", hex::encode(digest))
}

/// Abbreviation used in usernames: `hi-gat` → `gat`.
pub fn dept_suffix(code: &str) -> &str {
    code.strip_prefix("hi-").unwrap_or(code)
}

const CITY_DEPARTMENTS: &[(&str, &str, &str)] = &[
    ("gaj", "公安局", "Public Security Bureau"),
    (
        "scjgj",
        "市场监督管理局",
        "Administration for Market Regulation",
    ),
    (
        "rsj",
        "人力资源和社会保障局",
        "Human Resources and Social Security Bureau",
    ),
    ("wjw", "卫生健康委员会", "Health Commission"),
    ("mzj", "民政局", "Civil Affairs Bureau"),
    ("zwfw", "政务服务中心", "Government Services Centre"),
];

fn org(
    code: String,
    name: String,
    name_en: String,
    kind: OrgKind,
    parent: Option<&str>,
    region: &str,
    credit: Option<String>,
) -> Org {
    Org {
        code,
        name,
        name_en,
        kind,
        parent: parent.map(str::to_string),
        region: region.to_string(),
        credit_code: credit,
    }
}

fn organisations(rng: &mut Rng, t: &Tables) -> Vec<Org> {
    let mut out = vec![org(
        PROVINCE_GOV.into(),
        "海南省人民政府".into(),
        "Hainan Provincial People's Government".into(),
        OrgKind::Government,
        None,
        "460000",
        Some(gov_credit_code(rng, "460000")),
    )];
    for d in &t.departments {
        let kind = if d.code == OPERATOR {
            OrgKind::Operator
        } else {
            OrgKind::Department
        };
        out.push(org(
            d.code.clone(),
            d.name.clone(),
            d.name_en.clone(),
            kind,
            Some(PROVINCE_GOV),
            "460000",
            Some(gov_credit_code(rng, "460000")),
        ));
        let mut units = vec![
            ("bgs", "办公室".to_string(), "General Office"),
            ("xxzx", "信息中心".to_string(), "Information Centre"),
        ];
        for (i, u) in d.units.iter().enumerate() {
            units.push((
                ["u1", "u2", "u3", "u4"][i.min(3)],
                u.to_string(),
                "Internal unit",
            ));
        }
        for (suffix, name, en) in units {
            out.push(org(
                format!("{}-{suffix}", d.code),
                name,
                format!("{} — {en}", d.name_en),
                OrgKind::Unit,
                Some(&d.code),
                "460000",
                None,
            ));
        }
    }
    for r in region::city_and_county_governments() {
        let gov_code = format!("gov-{}", r.code);
        let gov_name = format!("{}人民政府", r.name);
        out.push(org(
            gov_code.clone(),
            gov_name,
            format!("{} People's Government", r.name_en),
            OrgKind::Government,
            Some(PROVINCE_GOV),
            r.code,
            Some(gov_credit_code(rng, r.code)),
        ));
        for (abbr, name, en) in CITY_DEPARTMENTS {
            out.push(org(
                format!("{}-{abbr}", r.code),
                format!("{}{name}", r.name),
                format!("{} {en}", r.name_en),
                OrgKind::Department,
                Some(&gov_code),
                r.code,
                Some(gov_credit_code(rng, r.code)),
            ));
        }
    }
    out
}

fn bind(role: Role, org: &str) -> RoleBinding {
    RoleBinding {
        role,
        org: org.to_string(),
    }
}

fn accounts(rng: &mut Rng, t: &Tables) -> Vec<DemoAccount> {
    let mut out = vec![
        DemoAccount {
            account: Account {
                username: "admin".into(),
                display_name: person_name(rng),
                org: OPERATOR.into(),
                roles: vec![bind(Role::PlatformAdmin, OPERATOR)],
                disabled: false,
            },
            password: ADMIN_PASSWORD,
        },
        DemoAccount {
            account: Account {
                username: "auditor".into(),
                display_name: person_name(rng),
                org: "hi-sjt".into(),
                roles: vec![bind(Role::Auditor, "hi-sjt")],
                disabled: false,
            },
            password: AUDITOR_PASSWORD,
        },
        DemoAccount {
            account: Account {
                username: "legal".into(),
                display_name: person_name(rng),
                org: "hi-sft".into(),
                roles: vec![bind(Role::LegalReviewer, "hi-sft")],
                disabled: false,
            },
            password: REVIEWER_PASSWORD,
        },
        DemoAccount {
            account: Account {
                username: "secrecy".into(),
                display_name: person_name(rng),
                org: "hi-bmj".into(),
                roles: vec![bind(Role::SecrecyReviewer, "hi-bmj")],
                disabled: false,
            },
            password: REVIEWER_PASSWORD,
        },
    ];
    for d in &t.departments {
        let s = dept_suffix(&d.code);
        out.push(DemoAccount {
            account: Account {
                username: format!("steward.{s}"),
                display_name: person_name(rng),
                org: d.code.clone(),
                roles: vec![bind(Role::DataSteward, &d.code)],
                disabled: false,
            },
            password: STEWARD_PASSWORD,
        });
        out.push(DemoAccount {
            account: Account {
                username: format!("user.{s}"),
                display_name: person_name(rng),
                org: d.code.clone(),
                roles: vec![bind(Role::ConsumerUser, &d.code)],
                disabled: false,
            },
            password: CONSUMER_PASSWORD,
        });
    }
    out
}

fn item(spec: &tables::Item) -> InfoItem {
    InfoItem {
        name: spec.name.clone(),
        code: spec.code.clone(),
        item_type: spec.item_type,
        length: spec.length,
        required: spec.required,
        grade: spec.grade,
        description: None,
        personal: false,
        element: spec.element.clone(),
    }
}

/// The resource format a catalogue sheet implies by its share modes.
fn format_of(modes: &[ShareMode]) -> Format {
    if modes.contains(&ShareMode::Database) {
        Format::Database
    } else if modes.contains(&ShareMode::File) {
        Format::Spreadsheet
    } else {
        Format::Api
    }
}

fn resource_meta(
    spec: &tables::Resource,
    t: &Tables,
    systems: &[InfoSystem],
) -> Result<ResourceMeta, DemoDataError> {
    let unknown = || DemoDataError {
        file: "resources.json",
        message: format!("{}: unknown provider {}", spec.name, spec.provider),
    };
    let dept = t.department(&spec.provider).ok_or_else(unknown)?;
    // A department resource's class is its department's position in the list.
    let class_code = match &spec.class {
        Some(class) => class.clone(),
        None => format!("{:02}", t.department_index(&dept.code).ok_or_else(unknown)?),
    };
    Ok(ResourceMeta {
        classification: Classification {
            category: spec.category,
            class_code,
            subclass_code: "001".into(),
        },
        name: spec.name.clone(),
        name_en: spec.name_en.clone(),
        provider: spec.provider.clone(),
        provider_unit: (!dept.units.is_empty()).then(|| format!("{}-u1", dept.code)),
        summary: spec.summary.clone(),
        format: format_of(&spec.share_modes),
        items: spec.items.iter().map(item).collect(),
        key_fields: spec.key_fields.clone(),
        share_type: spec.share_type,
        share_condition: spec.share_condition.clone(),
        share_modes: spec.share_modes.clone(),
        open_type: spec.open_type,
        open_condition: spec.open_condition.clone(),
        update_cycle: spec.update_cycle,
        publish_date: None,
        related_resources: vec![],
        systems: systems
            .iter()
            .filter(|s| s.org == spec.provider)
            .take(1)
            .map(|s| s.code.clone())
            .collect(),
        legal_basis: spec.legal_basis.clone(),
        keywords: vec![],
    })
}

/// Builds the demo province for `seed`. Fails only if the embedded demo data does not read,
/// which `cargo test` catches before a release.
pub fn province(seed: u64) -> Result<DemoProvince, DemoDataError> {
    let t = tables::tables()?;
    let mut rng = Rng::new(seed);
    let orgs = organisations(&mut rng, t);
    let systems: Vec<InfoSystem> = t
        .systems
        .iter()
        .map(|s| InfoSystem {
            code: s.code.clone(),
            name: s.name.clone(),
            name_en: s.name_en.clone(),
            org: s.dept.clone(),
            description: s.description.clone(),
        })
        .collect();
    let accounts = accounts(&mut rng, t);
    let tokens = systems
        .iter()
        .map(|s| DemoToken {
            system: s.code.clone(),
            token: demo_token(seed, &s.code),
        })
        .collect();
    let resources = t
        .resources
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            Ok(DemoResource {
                meta: resource_meta(spec, t, &systems)?,
                state: match i % 41 {
                    17 => DemoState::Submitted,
                    33 => DemoState::Draft,
                    _ => DemoState::Published,
                },
            })
        })
        .collect::<Result<_, DemoDataError>>()?;
    let inventory = system_inventory()?;
    if let Some(code) = inventory
        .keys()
        .find(|c| !systems.iter().any(|s| &s.code == *c))
    {
        return Err(DemoDataError {
            file: "system_inventory.json",
            message: format!("unknown system {code}"),
        });
    }
    Ok(DemoProvince {
        orgs,
        systems,
        accounts,
        tokens,
        inventory,
        resources,
    })
}

/// The demo steward of a provincial department.
pub fn steward_of(org: &str) -> Principal {
    Principal::Person {
        username: format!("steward.{}", dept_suffix(org)),
        org: org.to_string(),
        roles: vec![RoleBinding {
            role: Role::DataSteward,
            org: org.to_string(),
        }],
    }
}

/// The demo platform admin.
pub fn admin() -> Principal {
    Principal::Person {
        username: "admin".into(),
        org: OPERATOR.into(),
        roles: vec![RoleBinding {
            role: Role::PlatformAdmin,
            org: OPERATOR.into(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shuqiao_core::catalog::validate_meta;

    #[test]
    fn the_same_seed_gives_the_same_province() {
        let a = province(DEFAULT_SEED).unwrap();
        let b = province(DEFAULT_SEED).unwrap();
        assert_eq!(a.orgs, b.orgs);
        assert_eq!(
            a.accounts.iter().map(|x| &x.account).collect::<Vec<_>>(),
            b.accounts.iter().map(|x| &x.account).collect::<Vec<_>>()
        );
        assert_eq!(a.tokens[0].token, b.tokens[0].token);
        assert_ne!(province(1).unwrap().orgs, a.orgs);
    }

    #[test]
    fn demo_identities_are_valid() {
        let ids = identities();
        assert_eq!(
            shuqiao_core::ident::check_id_number(&ids[0].identifier),
            Ok(())
        );
        assert_eq!(
            shuqiao_core::ident::check_credit_code(&ids[1].identifier),
            Ok(())
        );
    }

    #[test]
    fn the_province_is_big_enough() {
        let p = province(DEFAULT_SEED).unwrap();
        let departments = p
            .orgs
            .iter()
            .filter(|o| o.kind.is_department_like() && o.parent.as_deref() == Some(PROVINCE_GOV))
            .count();
        assert!(departments >= 40, "{departments} departments");
        assert_eq!(
            p.orgs
                .iter()
                .filter(|o| o.kind == OrgKind::Government && o.parent.is_some())
                .count(),
            19
        );
        let published = p
            .resources
            .iter()
            .filter(|r| r.state == DemoState::Published)
            .count();
        assert!(published >= 200, "{published} published resources");
        assert!(p.systems.len() >= 60, "{} systems", p.systems.len());
        for role in Role::ALL {
            assert!(
                p.accounts
                    .iter()
                    .any(|a| a.account.roles.iter().any(|b| b.role == role)),
                "{role:?}"
            );
        }
    }

    #[test]
    fn every_demo_resource_is_valid_and_named_uniquely() {
        let p = province(DEFAULT_SEED).unwrap();
        let mut names = std::collections::HashSet::new();
        for r in &p.resources {
            assert!(
                validate_meta(&r.meta).is_ok(),
                "{}: {:?}",
                r.meta.name,
                validate_meta(&r.meta)
            );
            assert!(
                names.insert(r.meta.name.clone()),
                "duplicate name {}",
                r.meta.name
            );
            assert!(
                p.orgs.iter().any(|o| o.code == r.meta.provider),
                "{}",
                r.meta.provider
            );
        }
        for s in &p.systems {
            assert!(p.orgs.iter().any(|o| o.code == s.org), "{}", s.code);
        }
    }

    #[test]
    fn demo_credit_codes_are_valid() {
        for o in province(DEFAULT_SEED).unwrap().orgs {
            if let Some(cc) = &o.credit_code {
                assert_eq!(ident::check_credit_code(cc), Ok(()), "{}", o.code);
            }
        }
    }
}
