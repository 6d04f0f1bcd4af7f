//! Files as departments really export them: a title row (often merged cells) above the
//! header, a units row under it, notes and signatures at the end. Readers look at the first
//! rows through [`find_header`] and skip what [`is_units_row`] and [`is_note_row`] recognise.

/// How many rows from the top of a file are looked at for the header.
pub const HEADER_SEARCH_ROWS: usize = 20;

fn filled(cells: &[String]) -> impl Iterator<Item = &str> {
    cells.iter().map(|c| c.trim()).filter(|c| !c.is_empty())
}

/// Whether a header cell names one of the expected columns (an item's name, or its code in
/// any case).
fn names_expected(cell: &str, expected: &[String]) -> bool {
    expected
        .iter()
        .any(|e| e.trim() == cell || e.trim().eq_ignore_ascii_case(cell))
}

/// Which of `rows` (the first rows of a file, cells trimmed or not) is the header.
///
/// With `expected` column names (a resource's item names and codes), the first row whose
/// non-empty cells mostly name expected columns. Otherwise, or when no row does, the first
/// row with at least two distinct non-empty cells: a title above the header sits in one
/// (merged) cell. The first row when nothing fits, so the reader reports its usual problem.
pub fn find_header(rows: &[Vec<String>], expected: &[String]) -> usize {
    if !expected.is_empty() {
        let by_names = rows.iter().position(|r| {
            let cells: Vec<&str> = filled(r).collect();
            let matched = cells.iter().filter(|c| names_expected(c, expected)).count();
            matched >= 1 && matched * 2 > cells.len()
        });
        if let Some(i) = by_names {
            return i;
        }
    }
    for (i, r) in rows.iter().enumerate() {
        let mut cells: Vec<&str> = filled(r).collect();
        cells.sort_unstable();
        cells.dedup();
        let numeric = cells.iter().filter(|c| is_numeric(c)).count();
        if cells.len() >= 2 && numeric * 2 <= cells.len() {
            return i;
        }
        // Only a title (one cell of text) may stand above the header: anything else means
        // the first row is the header after all (a one-column file, say).
        if cells.len() > 1 || cells.first().is_some_and(|c| is_numeric(c)) {
            return 0;
        }
    }
    0
}

/// A value rather than a name: digits, with signs, points, separators or a final X.
fn is_numeric(cell: &str) -> bool {
    cell.bytes().any(|b| b.is_ascii_digit())
        && cell
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b',' | b'X' | b'x'))
}

/// Units as statistical tables print them under the header.
const UNITS: &[&str] = &[
    "单位",
    "元",
    "万元",
    "亿元",
    "人",
    "万人",
    "人次",
    "个",
    "户",
    "次",
    "件",
    "项",
    "家",
    "台",
    "辆",
    "岁",
    "年",
    "月",
    "日",
    "天",
    "小时",
    "米",
    "千米",
    "公里",
    "平方米",
    "平方公里",
    "亩",
    "公顷",
    "吨",
    "千克",
    "公斤",
    "%",
    "％",
    "‰",
    "元/人",
];

fn is_unit(cell: &str) -> bool {
    let parenthesised = |open: char, close: char| cell.starts_with(open) && cell.ends_with(close);
    UNITS.contains(&cell)
        || cell.starts_with("单位")
        || parenthesised('(', ')')
        || parenthesised('（', '）')
}

/// Whether a row right under the header only states units (元, 万元, %, （人）…): not data.
pub fn is_units_row(cells: &[String]) -> bool {
    let mut any = false;
    for cell in filled(cells) {
        if !is_unit(cell) {
            return false;
        }
        any = true;
    }
    any
}

/// How notes, signatures and sources begin at the foot of an export.
const NOTE_STARTS: &[&str] = &[
    "注：",
    "注:",
    "注 ",
    "备注",
    "说明：",
    "说明:",
    "制表",
    "填表",
    "填报人",
    "填报日期",
    "审核人",
    "负责人",
    "数据来源",
    "资料来源",
    "导出时间",
    "打印时间",
];

/// Whether a row is a note at the foot of an export (注：…, 制表人：…): one non-empty cell
/// that begins like a note. A real record has more than one value.
pub fn is_note_row(cells: &[String]) -> bool {
    let mut it = filled(cells);
    match (it.next(), it.next()) {
        (Some(only), None) => NOTE_STARTS.iter().any(|s| only.starts_with(s)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn a_title_row_is_passed_over() {
        let rows = vec![
            row(&["海南省公安厅 人口信息导出（2026年12月）", "", ""]),
            row(&["公民身份号码", "姓名", "性别"]),
            row(&["460100198801011234", "张三", "1"]),
        ];
        assert_eq!(find_header(&rows, &[]), 1);
        assert_eq!(find_header(&rows[1..], &[]), 0);
    }

    #[test]
    fn expected_names_find_the_header_below_a_two_cell_subtitle() {
        let rows = vec![
            row(&["人口信息导出"]),
            row(&["填报单位：海南省公安厅", "日期：2026-12-01"]),
            row(&["GMSFHM", "姓名", "备用"]),
        ];
        let expected = row(&["gmsfhm", "姓名", "XM"]);
        assert_eq!(find_header(&rows, &expected), 2);
        assert_eq!(find_header(&rows, &[]), 1);
        assert_eq!(find_header(&[row(&["x"])], &expected), 0);
    }

    #[test]
    fn a_one_column_file_keeps_its_first_row() {
        let rows = vec![row(&["GMSFHM"]), row(&["1", "2"]), row(&["a", "b"])];
        assert_eq!(find_header(&rows, &[]), 0);
        let rows = vec![row(&["姓名"]), row(&["2"]), row(&["李四", "王五"])];
        assert_eq!(find_header(&rows, &[]), 0);
        let rows = vec![row(&["标题"]), row(&["460100198801011234", "1"])];
        assert_eq!(find_header(&rows, &[]), 0);
    }

    #[test]
    fn units_rows() {
        assert!(is_units_row(&row(&["", "单位：人", "（元）", "%", ""])));
        assert!(is_units_row(&row(&["(万元)"])));
        assert!(!is_units_row(&row(&["", "", ""])));
        assert!(!is_units_row(&row(&["元", "张三"])));
    }

    #[test]
    fn note_rows() {
        assert!(is_note_row(&row(&["注：数据截至 2026 年 11 月底", "", ""])));
        assert!(is_note_row(&row(&["制表人：李四"])));
        assert!(!is_note_row(&row(&["注：x", "1"])));
        assert!(!is_note_row(&row(&["张三"])));
        assert!(!is_note_row(&row(&[])));
    }
}
