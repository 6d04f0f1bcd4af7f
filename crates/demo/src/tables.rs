//! The demo province's catalogue sheets — departments, information systems and resources with
//! their 信息项 — kept as JSON under `crates/demo/data/` and embedded in the binary, so
//! `serve --demo` needs no files on disk. Values are the catalog's own wire names read straight
//! into its enums; an unknown field, value or department is an error, never a default.
use std::collections::HashSet;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use shuqiao_core::catalog::{
    Category, Grade, ItemType, OpenType, ShareMode, ShareType, UpdateCycle,
};

/// The platform operator's code (one of the departments).
pub const OPERATOR: &str = "hi-dsjj";

/// Internal units a department may list beyond the generic 办公室 and 信息中心 (`-u1`…`-u4`).
pub const MAX_UNITS: usize = 4;

const DEPARTMENTS_JSON: &str = include_str!("../data/departments.json");
const SYSTEMS_JSON: &str = include_str!("../data/systems.json");
const RESOURCES_JSON: &str = include_str!("../data/resources.json");

/// A provincial department (or directly affiliated body) of the Hainan provincial government.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// Stable organisation code, `hi-` + pinyin initials.
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// Internal units (处室/中心) beyond the generic 办公室 and 信息中心.
    pub units: Vec<String>,
}

/// A registered information system (应用系统) of a department.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct System {
    pub dept: String,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub description: String,
}

/// One 信息项 of a demo resource.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub name: String,
    pub code: String,
    #[serde(rename = "type")]
    pub item_type: ItemType,
    pub length: Option<u32>,
    pub required: bool,
    pub grade: Grade,
    /// The data element (数据元) the item is an instance of, if one is named.
    #[serde(default)]
    pub element: Option<String>,
}

/// One catalogue entry of the demo province, in the order codes are allocated.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// Code of the providing department.
    pub provider: String,
    pub category: Category,
    /// The two-digit class of base and theme resources (see `shuqiao_core::catalog::BASE_CLASSES` /
    /// `THEME_CLASSES`); absent for department resources, whose class is the department's.
    pub class: Option<String>,
    pub name: String,
    pub name_en: String,
    pub summary: String,
    pub share_type: ShareType,
    pub share_condition: Option<String>,
    pub share_modes: Vec<ShareMode>,
    pub open_type: OpenType,
    pub open_condition: Option<String>,
    pub update_cycle: UpdateCycle,
    /// Legal basis; required for conditional and not-shared resources.
    pub legal_basis: Option<String>,
    pub key_fields: Vec<String>,
    pub items: Vec<Item>,
}

/// The demo's catalogue sheets, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    pub departments: Vec<Department>,
    pub systems: Vec<System>,
    pub resources: Vec<Resource>,
}

/// A demo data file that does not read: which file, and where in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("demo data {file}: {message}")]
pub struct DemoDataError {
    pub file: &'static str,
    pub message: String,
}

impl Tables {
    /// The 1-based position of a department, which is its department-resource class.
    pub fn department_index(&self, code: &str) -> Option<usize> {
        self.departments
            .iter()
            .position(|d| d.code == code)
            .map(|i| i + 1)
    }

    pub fn department(&self, code: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.code == code)
    }

    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }
}

/// The embedded tables, read once. Fails (every time) if a file does not read or check.
pub fn tables() -> Result<&'static Tables, DemoDataError> {
    static TABLES: OnceLock<Result<Tables, DemoDataError>> = OnceLock::new();
    TABLES
        .get_or_init(|| read(DEPARTMENTS_JSON, SYSTEMS_JSON, RESOURCES_JSON))
        .as_ref()
        .map_err(Clone::clone)
}

/// Reads and cross-checks the three files.
pub fn read(departments: &str, systems: &str, resources: &str) -> Result<Tables, DemoDataError> {
    let tables = Tables {
        departments: parse("departments.json", departments)?,
        systems: parse("systems.json", systems)?,
        resources: parse("resources.json", resources)?,
    };
    check_departments(&tables.departments)?;
    check_systems(&tables)?;
    check_resources(&tables)?;
    Ok(tables)
}

/// Parses one file, naming the path of the offending field (`[3].items[2].grade`) on error.
fn parse<T: DeserializeOwned>(file: &'static str, text: &str) -> Result<T, DemoDataError> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| DemoDataError {
        file,
        message: format!("{}: {}", e.path(), e.inner()),
    })
}

fn fail(file: &'static str, message: String) -> DemoDataError {
    DemoDataError { file, message }
}

fn check_departments(departments: &[Department]) -> Result<(), DemoDataError> {
    let file = "departments.json";
    let mut seen = HashSet::new();
    for d in departments {
        if !seen.insert(d.code.as_str()) {
            return Err(fail(file, format!("department {} is listed twice", d.code)));
        }
        if d.units.len() > MAX_UNITS {
            return Err(fail(
                file,
                format!("department {} has more than {MAX_UNITS} units", d.code),
            ));
        }
    }
    if !seen.contains(OPERATOR) {
        return Err(fail(file, format!("the operator {OPERATOR} is not listed")));
    }
    Ok(())
}

fn check_systems(t: &Tables) -> Result<(), DemoDataError> {
    let file = "systems.json";
    let mut seen = HashSet::new();
    for s in &t.systems {
        if t.department(&s.dept).is_none() {
            return Err(fail(
                file,
                format!("system {}: unknown department {}", s.code, s.dept),
            ));
        }
        if !seen.insert(s.code.as_str()) {
            return Err(fail(file, format!("system {} is listed twice", s.code)));
        }
    }
    Ok(())
}

fn check_resources(t: &Tables) -> Result<(), DemoDataError> {
    let file = "resources.json";
    for r in &t.resources {
        if t.department(&r.provider).is_none() {
            return Err(fail(
                file,
                format!("{}: unknown provider {}", r.name, r.provider),
            ));
        }
        let wants_class = r.category != Category::Department;
        if r.class.is_some() != wants_class {
            let rule = if wants_class {
                "needs a class"
            } else {
                "takes its class from the department, so has none"
            };
            return Err(fail(
                file,
                format!("{}: a {} resource {rule}", r.name, r.category.as_str()),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_DEPT: &str =
        r#"[{"code": "hi-dsjj", "name": "大数据管理局", "name_en": "Big Data", "units": []}]"#;

    fn resource(grade: &str) -> String {
        format!(
            r#"[{{"provider": "hi-dsjj", "category": "department", "name": "测试", "name_en": "Test",
                "summary": "测试资源", "share_type": "unconditional", "share_modes": ["api"],
                "open_type": "closed", "update_cycle": "daily", "key_fields": ["BH"],
                "items": [{{"name": "编号", "code": "BH", "type": "string", "length": 10,
                            "required": true, "grade": "{grade}"}}]}}]"#
        )
    }

    #[test]
    fn every_embedded_file_reads() {
        let t = tables().expect("the embedded demo data reads");
        assert!(!t.departments.is_empty() && !t.systems.is_empty() && !t.resources.is_empty());
    }

    #[test]
    fn a_small_document_reads() {
        let t = read(ONE_DEPT, "[]", &resource("core")).expect("reads");
        assert_eq!(t.resources[0].items[0].grade, Grade::Core);
    }

    #[test]
    fn an_unknown_grade_fails_naming_the_field() {
        let err = read(ONE_DEPT, "[]", &resource("importnat")).unwrap_err();
        assert_eq!(err.file, "resources.json");
        assert!(
            err.message
                .starts_with("[0].items[0].grade: unknown variant `importnat`"),
            "{err}"
        );
    }

    #[test]
    fn a_one_letter_code_fails() {
        let err = read(ONE_DEPT, "[]", &resource("2")).unwrap_err();
        assert!(err.message.starts_with("[0].items[0].grade:"), "{err}");
    }

    #[test]
    fn an_unknown_field_fails() {
        let doc = resource("core").replace(r#""summary""#, r#""sumary""#);
        let err = read(ONE_DEPT, "[]", &doc).unwrap_err();
        assert!(err.message.contains("unknown field `sumary`"), "{err}");
    }

    #[test]
    fn an_unknown_provider_or_department_fails() {
        let doc = resource("core").replace("\"provider\": \"hi-dsjj\"", "\"provider\": \"hi-xx\"");
        let err = read(ONE_DEPT, "[]", &doc).unwrap_err();
        assert!(err.message.contains("unknown provider hi-xx"), "{err}");
        let systems = r#"[{"dept": "hi-xx", "code": "hi-xx-a", "name": "甲", "name_en": "A",
                           "description": "甲系统"}]"#;
        let err = read(ONE_DEPT, systems, "[]").unwrap_err();
        assert!(err.message.contains("unknown department hi-xx"), "{err}");
    }

    #[test]
    fn a_base_resource_needs_a_class() {
        let doc = resource("core").replace("\"department\"", "\"base\"");
        let err = read(ONE_DEPT, "[]", &doc).unwrap_err();
        assert!(err.message.contains("needs a class"), "{err}");
    }
}
