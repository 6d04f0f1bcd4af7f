//! Plain static tables the demo province is generated from. Kept free of the domain types so
//! the tables read like the catalogue sheets departments actually fill in.

/// A provincial department (or directly affiliated body) of the Hainan provincial government.
pub struct DeptSpec {
    /// Stable organisation code, `hi-` + pinyin initials.
    pub code: &'static str,
    pub name: &'static str,
    pub name_en: &'static str,
    /// Internal units (处室/中心) beyond the generic 办公室 and 信息中心.
    pub units: &'static [&'static str],
}

/// One 信息项: (名称, 代码, 类型, 长度, 必填, 分级).
/// 类型 is the national catalogue data type letter: C 字符型, N 数值型, Y 货币型, D 日期型,
/// T 日期时间型, L 逻辑型, M 备注型, B 二进制. 分级: 0 一般, 1 重要, 2 核心.
pub type ItemSpec = (&'static str, &'static str, char, u32, bool, u8);

/// One catalogue entry of the demo province.
pub struct ResourceSpec {
    /// Code of the providing department (a `DeptSpec::code`).
    pub dept: &'static str,
    /// 'B' 基础信息资源, 'T' 主题信息资源, 'D' 部门信息资源.
    pub category: char,
    /// For 'B' and 'T' the two-digit class (see `crate::catalog::BASE_CLASSES` / `THEME_CLASSES`);
    /// ignored for 'D' (the department's own class is used).
    pub class: &'static str,
    pub name: &'static str,
    pub name_en: &'static str,
    pub summary: &'static str,
    /// 'U' 无条件共享, 'C' 有条件共享, 'N' 不予共享.
    pub share: char,
    /// Comma-separated 共享方式: any of "api", "database", "file".
    pub modes: &'static str,
    /// 'O' 无条件开放, 'C' 有条件开放, 'X' 不予开放.
    pub open: char,
    /// 更新周期: realtime, daily, weekly, monthly, quarterly, half_yearly, yearly, irregular.
    pub cycle: &'static str,
    /// Legal basis; required when share is 'C' or 'N'.
    pub legal_basis: Option<&'static str>,
    /// 共享条件 (for 'C') or 开放条件 (for open 'C').
    pub condition: Option<&'static str>,
    /// Codes of the key 信息项.
    pub keys: &'static [&'static str],
    pub items: &'static [ItemSpec],
}

/// A registered information system (应用系统) of a department.
pub struct SystemSpec {
    pub dept: &'static str,
    pub code: &'static str,
    pub name: &'static str,
    pub name_en: &'static str,
    pub description: &'static str,
}
