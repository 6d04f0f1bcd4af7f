//! The tables of a [`super::Document`] as CSV, every cell escaped against formulas: each
//! table is preceded by a line with its caption and followed by an empty line. UTF-8 with a
//! byte-order mark, so that Excel opens Chinese text as it is.
use super::{Block, Document};
use shuqiao_core::csv;

pub fn render(doc: &Document) -> String {
    let mut out = String::from("\u{feff}");
    for block in &doc.blocks {
        if let Block::Table(t) = block {
            out.push_str(&csv::line([t.caption.as_str()]));
            out.push_str("\r\n");
            out.push_str(&csv::line(&t.header));
            out.push_str("\r\n");
            for row in &t.rows {
                out.push_str(&csv::line(row));
                out.push_str("\r\n");
            }
            out.push_str("\r\n");
        }
    }
    out
}
