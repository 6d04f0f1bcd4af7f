//! The tables of a [`super::Document`] as CSV, every cell escaped against formulas: each
//! table is preceded by a line with its caption and followed by an empty line. Charts come
//! as the tables of their data: a ranking as label, value (and target), a trend as one row
//! per period and one column per series. UTF-8 with a byte-order mark, so that Excel opens
//! Chinese text as it is.
use super::axis::number;
use super::{BarChart, Block, Document, LineChart, Table};
use shuqiao_core::csv;

pub fn render(doc: &Document) -> String {
    let mut out = String::from("\u{feff}");
    for block in &doc.blocks {
        match block {
            Block::Table(t) => write_table(&mut out, t),
            Block::Bars(b) => write_table(&mut out, &bars_table(b)),
            Block::Lines(l) => write_table(&mut out, &lines_table(l)),
            Block::Heading(_) | Block::Paragraph(_) => {}
        }
    }
    out
}

fn with_unit(head: &str, unit: &str) -> String {
    if unit.is_empty() {
        head.to_string()
    } else {
        format!("{head}（{unit}）")
    }
}

/// A ranking's data: the label, the value and, where there is one, the target.
pub fn bars_table(b: &BarChart) -> Table {
    let mut header = vec!["名称".to_string(), with_unit("数值", &b.unit)];
    if b.target.is_some() {
        header.push(with_unit("目标", &b.unit));
    }
    let rows = b
        .bars
        .iter()
        .map(|(label, v)| {
            let mut row = vec![label.clone(), number(*v)];
            row.extend(b.target.map(number));
            row
        })
        .collect();
    Table {
        caption: b.caption.clone(),
        header,
        rows,
    }
}

/// A trend's data: one row per period, one column per series, a gap as an empty cell.
pub fn lines_table(l: &LineChart) -> Table {
    let header = std::iter::once("期间".to_string())
        .chain(l.series.iter().map(|(name, _)| with_unit(name, &l.unit)))
        .collect();
    let rows =
        l.x.iter()
            .enumerate()
            .map(|(i, period)| {
                std::iter::once(period.clone())
                    .chain(l.series.iter().map(|(_, values)| {
                        values
                            .get(i)
                            .copied()
                            .flatten()
                            .map_or(String::new(), number)
                    }))
                    .collect()
            })
            .collect();
    Table {
        caption: l.caption.clone(),
        header,
        rows,
    }
}

fn write_table(out: &mut String, t: &Table) {
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
