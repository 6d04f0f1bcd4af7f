//! Department exports: CSV (UTF-8 or GBK/GB18030, with or without BOM), JSON Lines, XLSX.
//!
//! [`open_file`] picks the reader; each one is a [`RowSource`] that holds one row plus
//! buffers of fixed size, so a row (or line) longer than [`MAX_ROW_BYTES`] ends reading
//! with `row_too_long` instead of growing a buffer without bound.
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use shuqiao_core::collect::source::{RawRow, RowSource, SourceError};
use shuqiao_core::collect::{sniff_encoding, Refusal, TextEncoding};

mod delimited;
mod jsonl;
mod sheet;

pub use delimited::CsvSource;
pub use jsonl::JsonLinesSource;
pub use sheet::XlsxSource;

/// The longest row (CSV record, JSON line, spreadsheet row) a reader accepts: 1 MiB.
pub const MAX_ROW_BYTES: usize = 1 << 20;

/// How many bytes from the start of a file are sniffed for the encoding.
const SNIFF_BYTES: usize = 64 * 1024;

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];
const GB18030_BOM: &[u8] = &[0x84, 0x31, 0x95, 0x33];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    JsonLines,
    Xlsx,
}

impl FileFormat {
    /// `csv`, `jsonl` / `ndjson` / `json-lines`, `xlsx` (any case).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "jsonl" | "ndjson" | "json-lines" => Some(FileFormat::JsonLines),
            "xlsx" => Some(FileFormat::Xlsx),
            _ => None,
        }
    }

    /// By extension (any case): `.csv` `.txt` → CSV, `.jsonl` `.ndjson` → JSON Lines,
    /// `.xlsx` → XLSX.
    pub fn from_name(file_name: &str) -> Option<Self> {
        let ext = extension(file_name)?;
        match ext.as_str() {
            "csv" | "txt" => Some(FileFormat::Csv),
            "jsonl" | "ndjson" => Some(FileFormat::JsonLines),
            "xlsx" => Some(FileFormat::Xlsx),
            _ => None,
        }
    }
}

/// Keeps the first fatal error, so that every later read reports it again instead of
/// reading on from a broken place.
fn remember_failure<T>(
    slot: &mut Option<SourceError>,
    result: Result<T, SourceError>,
) -> Result<T, SourceError> {
    if let Err(e) = &result {
        *slot = Some(e.clone());
    }
    result
}

/// Bytes consumed of a file of `total` bytes (a count past the end is shown as the end).
fn byte_progress(count: &AtomicU64, total: Option<u64>) -> shuqiao_core::collect::source::Progress {
    let done = count.load(Ordering::Relaxed);
    shuqiao_core::collect::source::Progress {
        done: total.map_or(done, |t| done.min(t)),
        total,
    }
}

fn extension(file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let (stem, ext) = base.rsplit_once('.')?;
    if stem.is_empty() {
        return None;
    }
    Some(ext.to_ascii_lowercase())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EncodingChoice {
    /// Sniff the first 64 KiB (see [`sniff_encoding`]).
    #[default]
    Auto,
    Utf8,
    /// GBK, GB2312 and GB18030 exports, all read as GB18030 (their superset).
    Gb18030,
}

impl EncodingChoice {
    /// `auto`, `utf-8` / `utf8`, `gbk` / `gb18030` / `gb2312` (any case).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Some(EncodingChoice::Auto),
            "utf-8" | "utf8" => Some(EncodingChoice::Utf8),
            "gbk" | "gb18030" | "gb2312" => Some(EncodingChoice::Gb18030),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct FileOptions {
    /// The format; `None` decides by the file name, then by the first bytes.
    pub format: Option<FileFormat>,
    /// The text encoding of CSV and JSON Lines files (XLSX is always Unicode).
    pub encoding: EncodingChoice,
    /// The XLSX sheet to read; `None` reads the first one.
    pub sheet: Option<String>,
    /// The CSV field delimiter; `None` is `,`.
    pub delimiter: Option<u8>,
    /// The header's row, 1-based (the CSV line, the spreadsheet row); `None` finds it under
    /// any title rows (see `shuqiao_core::quality::layout::find_header`).
    pub header_row: Option<u64>,
    /// The column names the header should hold (a resource's item names and codes), which
    /// tell the header from a title row; empty when not known.
    pub expected_columns: Vec<String>,
}

/// Opens `path`; the format comes from `opts`, else the file name (`name_hint` if given,
/// e.g. an uploaded file's original name, else `path`), else the first bytes (`{` → JSON
/// Lines, `PK\x03\x04` → XLSX, anything else → CSV).
pub fn open_file(
    path: &Path,
    name_hint: Option<&str>,
    opts: &FileOptions,
) -> Result<Box<dyn RowSource>, SourceError> {
    let format = match opts.format {
        Some(format) => format,
        None => {
            let name = match name_hint {
                Some(hint) => hint.to_string(),
                None => path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            };
            match FileFormat::from_name(&name) {
                Some(format) => format,
                None => {
                    let start = read_prefix(path, 512)?;
                    if extension(&name).as_deref() == Some("xls") || start.starts_with(OLE_MAGIC) {
                        return Err(old_excel());
                    }
                    sniff_format(&start)
                }
            }
        }
    };
    Ok(match format {
        FileFormat::Csv => Box::new(CsvSource::open(path, opts)?),
        FileFormat::JsonLines => Box::new(JsonLinesSource::open(path, opts)?),
        FileFormat::Xlsx => Box::new(XlsxSource::open_with(path, opts)?),
    })
}

/// Which encoding a CSV or JSON Lines file is read as: the explicit choice, else what the
/// first 64 KiB sniff as. `unknown_encoding` when they are valid in neither UTF-8 nor
/// GBK/GB18030 (JSON Lines readers then fall back to UTF-8; CSV readers stop).
pub fn detect_encoding(path: &Path, opts: &FileOptions) -> Result<TextEncoding, SourceError> {
    match opts.encoding {
        EncodingChoice::Utf8 => Ok(TextEncoding::Utf8),
        EncodingChoice::Gb18030 => Ok(TextEncoding::Gb18030),
        EncodingChoice::Auto => {
            let sample = read_prefix(path, SNIFF_BYTES)?;
            sniff_encoding(&sample).ok_or_else(unknown_encoding)
        }
    }
}

/// The sniffing rule of [`open_file`] for files whose name says nothing.
fn sniff_format(start: &[u8]) -> FileFormat {
    if start.starts_with(ZIP_MAGIC) {
        return FileFormat::Xlsx;
    }
    let body = start.strip_prefix(UTF8_BOM).unwrap_or(start);
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        FileFormat::JsonLines
    } else {
        FileFormat::Csv
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Up to `limit` bytes from the start of `path`.
fn read_prefix(path: &Path, limit: usize) -> Result<Vec<u8>, SourceError> {
    let file = open_plain(path)?;
    let mut sample = Vec::with_capacity(limit.min(SNIFF_BYTES));
    file.take(limit as u64)
        .read_to_end(&mut sample)
        .map_err(|e| io_error(path, &e))?;
    Ok(sample)
}

fn open_plain(path: &Path) -> Result<File, SourceError> {
    File::open(path).map_err(|e| io_error(path, &e))
}

fn file_size(file: &File) -> Option<u64> {
    file.metadata().ok().map(|m| m.len())
}

// ----- Messages shared by the readers -----

fn io_error(path: &Path, e: &io::Error) -> SourceError {
    SourceError::new(
        "io",
        format!("无法读取文件 {}：{e}", path.display()),
        format!("cannot read {}: {e}", path.display()),
    )
}

fn unknown_encoding() -> SourceError {
    SourceError::new(
        "unknown_encoding",
        "无法识别文件编码：文件开头既不是有效的 UTF-8，也不是有效的 GBK/GB18030。\
         请用 --encoding gbk 或 --encoding utf-8 指明编码，或把文件另存为 UTF-8 后再导入。",
        "cannot tell the file's encoding: its start is valid neither as UTF-8 nor as \
         GBK/GB18030. Pass --encoding gbk or --encoding utf-8, or save the file as UTF-8 \
         and import it again.",
    )
}

fn row_too_long(line: u64) -> SourceError {
    SourceError::new(
        "row_too_long",
        format!(
            "从第 {line} 行开始的一行数据超过 1 MiB，读取已停止。最常见的原因是某个字段的\
             引号没有闭合（多了一个或少了一个 \"），其后的内容都被当成了这个字段；\
             请检查这一行附近的引号。"
        ),
        format!(
            "the row starting at line {line} is longer than 1 MiB; reading stopped. The usual \
             cause is an unbalanced quote (one \" too many or too few) that makes everything \
             after it part of one field: check the quotes around that line."
        ),
    )
}

fn header_row_missing(n: u64) -> SourceError {
    SourceError::new(
        "header_row_missing",
        format!("指定的表头行（第 {n} 行）及其后没有内容：请检查 --header-row 的行号。"),
        format!("there is nothing at or after the header row given ({n}): check --header-row."),
    )
}

fn empty_file() -> SourceError {
    SourceError::new(
        "empty_file",
        "文件是空的：没有表头，也没有数据。",
        "the file is empty: no header and no data.",
    )
}

fn old_excel() -> SourceError {
    SourceError::new(
        "unsupported_format",
        "这是旧版 Excel（.xls）文件，不能直接导入。请在 Excel 中另存为 .xlsx 或 CSV（UTF-8）。",
        "this is an old Excel (.xls) file, which cannot be imported. Save it as .xlsx or \
         CSV (UTF-8) in Excel.",
    )
}

fn refusal(reason: &'static str, zh: String, en: String) -> Refusal {
    Refusal { reason, zh, en }
}

/// Checks header names (already trimmed): not all blank, none blank, no duplicates.
/// `place(i)` names the i-th (0-based) header cell for people, in Chinese and English.
fn check_header(
    names: &[String],
    place: impl Fn(usize) -> (String, String),
) -> Result<(), SourceError> {
    if names.iter().all(|n| n.is_empty()) {
        return Err(SourceError::new(
            "no_header",
            "第一行应是表头（各列的名称），但它是空的。请在第一行写上列名。",
            "the first row should be the header (the column names) but it is blank. Put the \
             column names in the first row.",
        ));
    }
    if let Some(i) = names.iter().position(|n| n.is_empty()) {
        let (zh, en) = place(i);
        return Err(SourceError::new(
            "blank_column",
            format!("表头的{zh}没有列名。请补上列名，或删除这一列（包括行末多余的分隔符）。"),
            format!(
                "{en} of the header has no name. Name it, or delete that column (including a \
                 stray delimiter at the end of the lines)."
            ),
        ));
    }
    let mut seen = std::collections::HashMap::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        if let Some(first) = seen.insert(name.as_str(), i) {
            let (zh1, en1) = place(first);
            let (zh2, en2) = place(i);
            return Err(SourceError::new(
                "duplicate_column",
                format!("表头中列名“{name}”出现了两次（{zh1}和{zh2}）。请把其中一列改名或删除。"),
                format!(
                    "the header names column \"{name}\" twice ({en1} and {en2}). Rename or \
                     delete one of them."
                ),
            ));
        }
    }
    Ok(())
}

/// Makes `row.cells` hold `n` empty strings, reusing the allocations it has.
fn reset_cells(row: &mut RawRow, n: usize) {
    row.cells.truncate(n);
    for cell in &mut row.cells {
        cell.clear();
    }
    row.cells.resize_with(n, String::new);
}

/// A reader that counts the bytes it has read, for progress (the counter is shared so the
/// source can read it while a parser owns the reader).
struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
