//! Reports as documents: the quarterly assessment report and the monthly 督查通报 are built
//! as a [`Document`] — headings, paragraphs, tables and charts — and written out as HTML, PDF
//! (Chinese text in an embedded font) or CSV. The same document serves the CLI, the API and
//! the console, so the three formats never disagree.
pub mod assessment;
mod axis;
pub mod html;
pub mod pdf;
pub mod table_csv;

use serde::Serialize;

/// A report, in reading order.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Document {
    pub title: String,
    /// Under the title: the period, the scope and when it was computed.
    pub subtitle: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub enum Block {
    Heading(String),
    Paragraph(String),
    Table(Table),
    Bars(BarChart),
    Lines(LineChart),
}

/// A table; every cell is text as it should be shown.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Horizontal bars, one per label (a ranking), with an optional target line.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BarChart {
    pub caption: String,
    /// The unit of every value, e.g. "%".
    pub unit: String,
    pub bars: Vec<(String, f64)>,
    pub target: Option<f64>,
}

/// Lines over periods (a trend); a missing value is a gap.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LineChart {
    pub caption: String,
    pub unit: String,
    /// The periods along the x axis, e.g. "2026-Q1".
    pub x: Vec<String>,
    pub series: Vec<(String, Vec<Option<f64>>)>,
}
