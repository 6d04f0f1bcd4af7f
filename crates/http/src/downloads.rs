//! Files people download rather than read as JSON.
use shuqiao_service::collect::Reject;

/// Rejected rows as a CSV download: UTF-8 with a BOM, so spreadsheet programs show the
/// Chinese right; the department fixes the rows and sends them again.
pub fn rejects_csv(rows: Vec<Reject>) -> String {
    let mut out = String::from(
        "\u{feff}行号 row,主键 key,信息项 field,值 value,原因 reason,说明 message_zh,message_en\n",
    );
    for r in rows {
        let cells = [
            r.row.to_string(),
            r.key.unwrap_or_default(),
            r.field.unwrap_or_default(),
            r.value.unwrap_or_default(),
            r.reason,
            r.message_zh,
            r.message_en,
        ];
        // Through the platform's one CSV writer: a rejected cell is whatever the file held.
        out.push_str(&shuqiao_core::csv::line(&cells));
        out.push('\n');
    }
    out
}
