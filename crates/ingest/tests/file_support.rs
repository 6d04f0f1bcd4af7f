//! Helpers shared by the file-reader tests (`file_formats.rs`, `file_fuzz.rs` include this
//! with `#[path]`); as a test target of its own it has no tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use shuqiao_core::collect::source::{Next, RawRow, RowSource, SourceError};
use shuqiao_ingest::file::{open_file, FileOptions};

/// What draining a source gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Got {
    Row(u64, Vec<String>),
    Bad(u64, &'static str, String),
}

impl Got {
    pub fn reason(&self) -> &'static str {
        match self {
            Got::Row(..) => "row",
            Got::Bad(_, reason, _) => reason,
        }
    }
}

pub struct Drained {
    pub columns: Vec<String>,
    pub items: Vec<Got>,
    pub error: Option<SourceError>,
}

impl Drained {
    pub fn rows(&self) -> Vec<Vec<String>> {
        self.items
            .iter()
            .filter_map(|g| match g {
                Got::Row(_, cells) => Some(cells.clone()),
                Got::Bad(..) => None,
            })
            .collect()
    }

    pub fn bad(&self) -> Vec<(u64, &'static str)> {
        self.items
            .iter()
            .filter_map(|g| match g {
                Got::Bad(n, reason, _) => Some((*n, *reason)),
                Got::Row(..) => None,
            })
            .collect()
    }

    pub fn error_reason(&self) -> Option<&'static str> {
        self.error.as_ref().map(|e| e.reason)
    }
}

/// Reads a source to its end (or first error), at most `limit` calls.
pub fn drain_source(mut source: Box<dyn RowSource>, limit: usize) -> Drained {
    let columns = source.columns().to_vec();
    let mut items = Vec::new();
    let mut row = RawRow::default();
    let mut error = None;
    for _ in 0..limit {
        match source.next_row(&mut row) {
            Ok(Next::Row) => {
                assert_eq!(
                    row.cells.len(),
                    columns.len(),
                    "a row lines up with the header"
                );
                items.push(Got::Row(row.row_no, row.cells.clone()));
            }
            Ok(Next::Bad { row_no, refusal }) => {
                assert!(!refusal.zh.is_empty() && !refusal.en.is_empty());
                items.push(Got::Bad(row_no, refusal.reason, refusal.en));
            }
            Ok(Next::End) => {
                // Stays ended.
                assert_eq!(source.next_row(&mut row), Ok(Next::End));
                return Drained {
                    columns,
                    items,
                    error,
                };
            }
            Err(e) => {
                assert!(!e.zh.is_empty() && !e.en.is_empty());
                error = Some(e);
                return Drained {
                    columns,
                    items,
                    error,
                };
            }
        }
    }
    panic!("the source did not end within {limit} calls");
}

/// Opens and drains; the open error, if any, is `error` with no columns.
pub fn drain(path: &Path, opts: &FileOptions) -> Drained {
    match open_file(path, None, opts) {
        Ok(source) => drain_source(source, 10_000_000),
        Err(e) => Drained {
            columns: Vec::new(),
            items: Vec::new(),
            error: Some(e),
        },
    }
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path
}

pub fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// A minimal workbook: `sheets` are (name, the XML inside `<sheetData>`, plus an optional
/// `<dimension ref>`); `shared` are shared strings; `styles` adds a styles.xml whose
/// `cellXfs` 1 is a date (numFmtId 14) and 2 a date-time (numFmtId 22).
pub fn xlsx(sheets: &[(&str, &str)], shared: &[&str], styles: bool) -> Vec<u8> {
    let mut types = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
    );
    let mut book = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>"#
    );
    let mut rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL_NS}">"#
    );
    let mut parts = Vec::new();
    for (i, (name, data)) in sheets.iter().enumerate() {
        let n = i + 1;
        types.push_str(&format!(r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#));
        book.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>"#
        ));
        parts.push((
            format!("xl/worksheets/sheet{n}.xml"),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheetData>{data}</sheetData></worksheet>"#
            ),
        ));
    }
    book.push_str("</sheets></workbook>");
    if !shared.is_empty() {
        types.push_str(r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#);
        rels.push_str(&format!(
            r#"<Relationship Id="rIdS" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>"#
        ));
        let mut sst = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{MAIN_NS}" count="{0}" uniqueCount="{0}">"#,
            shared.len()
        );
        for s in shared {
            sst.push_str(&format!("<si><t>{s}</t></si>"));
        }
        sst.push_str("</sst>");
        parts.push(("xl/sharedStrings.xml".into(), sst));
    }
    if styles {
        types.push_str(r#"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#);
        rels.push_str(&format!(
            r#"<Relationship Id="rIdT" Type="{REL_NS}/styles" Target="styles.xml"/>"#
        ));
        parts.push((
            "xl/styles.xml".into(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{MAIN_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#
            ),
        ));
    }
    types.push_str("</Types>");
    rels.push_str("</Relationships>");
    let root_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let mut all = vec![
        ("[Content_Types].xml".to_string(), types),
        ("_rels/.rels".to_string(), root_rels),
        ("xl/workbook.xml".to_string(), book),
        ("xl/_rels/workbook.xml.rels".to_string(), rels),
    ];
    all.extend(parts);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in all {
        zip.start_file(name, options).expect("zip entry");
        zip.write_all(text.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

/// An inline-string cell.
pub fn s(r: &str, text: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// A number cell, with an optional style index.
pub fn n(r: &str, value: &str, style: Option<u32>) -> String {
    match style {
        Some(st) => format!(r#"<c r="{r}" s="{st}"><v>{value}</v></c>"#),
        None => format!(r#"<c r="{r}"><v>{value}</v></c>"#),
    }
}

pub fn row(r: u32, cells: &[String]) -> String {
    format!(r#"<row r="{r}">{}</row>"#, cells.concat())
}
