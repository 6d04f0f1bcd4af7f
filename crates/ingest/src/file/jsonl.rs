//! JSON Lines: one JSON object per line; the first object's keys, in order, are the
//! columns.
//!
//! Lines are read with a bounded loop (never more than [`MAX_ROW_BYTES`] buffered), checked
//! with `serde_json`, and then walked by a small scanner that gives the members in the
//! order they are written (serde_json's map is sorted without `preserve_order`) and each
//! number exactly as written, so long codes typed as numbers keep every digit.
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use shuqiao_core::collect::source::{Next, Progress, RawRow, RowSource, SourceError};
use shuqiao_core::collect::{sniff_encoding, Refusal, TextEncoding};

use super::{
    check_header, empty_file, file_size, io_error, open_plain, read_prefix, refusal, reset_cells,
    row_too_long, Counted, EncodingChoice, FileOptions, MAX_ROW_BYTES, SNIFF_BYTES,
};

/// A JSON Lines file being read.
pub struct JsonLinesSource {
    path: PathBuf,
    lines: Lines,
    encoding: TextEncoding,
    columns: Vec<String>,
    index: HashMap<String, usize>,
    /// The first object's members, given back as the first row.
    first: Option<(u64, Vec<Member>)>,
    count: Arc<AtomicU64>,
    total: Option<u64>,
    failed: Option<SourceError>,
}

/// One member of an object: its key and its value as cell text (`None` for an array or
/// object).
type Member = (String, Option<String>);

impl JsonLinesSource {
    /// Opens a JSON Lines file and reads its first object for the columns. The encoding is
    /// UTF-8 unless chosen otherwise or sniffed as GBK/GB18030 (lines with bytes that are
    /// not text come back as bad rows).
    pub fn open(path: &Path, opts: &FileOptions) -> Result<Self, SourceError> {
        let encoding = match opts.encoding {
            EncodingChoice::Utf8 => TextEncoding::Utf8,
            EncodingChoice::Gb18030 => TextEncoding::Gb18030,
            EncodingChoice::Auto => {
                sniff_encoding(&read_prefix(path, SNIFF_BYTES)?).unwrap_or(TextEncoding::Utf8)
            }
        };
        let file = open_plain(path)?;
        let total = file_size(&file);
        let count = Arc::new(AtomicU64::new(0));
        let lines = Lines {
            inner: BufReader::with_capacity(
                64 * 1024,
                Counted {
                    inner: file,
                    count: Arc::clone(&count),
                },
            ),
            line_no: 0,
            buf: Vec::new(),
            text: String::new(),
        };
        let mut source = JsonLinesSource {
            path: path.to_path_buf(),
            lines,
            encoding,
            columns: Vec::new(),
            index: HashMap::new(),
            first: None,
            count,
            total,
            failed: None,
        };
        source.read_first()?;
        Ok(source)
    }

    fn read_first(&mut self) -> Result<(), SourceError> {
        let Some(line_no) = self.lines.next_nonblank(&self.path)? else {
            return Err(empty_file());
        };
        let members = match self.lines.decode(self.encoding) {
            Ok(text) => parse_object(text, line_no),
            Err(refusal) => Err(refusal),
        };
        let members = members.map_err(|r| {
            SourceError::new(
                r.reason,
                format!("第一个对象决定各列的名称，因此无法继续读取：{}", r.zh),
                format!(
                    "the first object gives the column names, so reading cannot go on: {}",
                    r.en
                ),
            )
        })?;
        let columns: Vec<String> = members.iter().map(|(k, _)| k.clone()).collect();
        if columns.is_empty() {
            return Err(SourceError::new(
                "no_header",
                format!(
                    "第 {line_no} 行是空对象 {{}}，无法确定各列的名称。第一个对象应包含所有的键。"
                ),
                format!(
                    "line {line_no} is an empty object {{}}, so there are no column names. The \
                     first object should have every key."
                ),
            ));
        }
        check_header(&columns, |i| {
            (format!("第 {} 个键", i + 1), format!("key {}", i + 1))
        })?;
        self.index = columns
            .iter()
            .enumerate()
            .map(|(i, name)| (name.clone(), i))
            .collect();
        self.columns = columns;
        self.first = Some((line_no, members));
        Ok(())
    }

    fn next_inner(&mut self, row: &mut RawRow) -> Result<Next, SourceError> {
        let (line_no, members) = match self.first.take() {
            Some(first) => first,
            None => {
                let Some(line_no) = self.lines.next_nonblank(&self.path)? else {
                    return Ok(Next::End);
                };
                let parsed = match self.lines.decode(self.encoding) {
                    Ok(text) => parse_object(text, line_no),
                    Err(refusal) => Err(refusal),
                };
                match parsed {
                    Ok(members) => (line_no, members),
                    Err(refusal) => {
                        return Ok(Next::Bad {
                            row_no: line_no,
                            refusal,
                        })
                    }
                }
            }
        };
        row.row_no = line_no;
        reset_cells(row, self.columns.len());
        let mut seen = vec![false; self.columns.len()];
        for (key, value) in members {
            let Some(&i) = self.index.get(&key) else {
                return Ok(bad(
                    line_no,
                    "unknown_column",
                    format!(
                        "第 {line_no} 行有键“{key}”，但第一个对象中没有这个键；这一行未导入。\
                         第一个对象决定各列，请在其中加上这个键，或删掉这一行中的它。"
                    ),
                    format!(
                        "line {line_no} has key \"{key}\", which the first object does not have; \
                         the row was not imported. The first object gives the columns: add the \
                         key there or remove it from this line."
                    ),
                ));
            };
            if seen.get(i).copied().unwrap_or(false) {
                return Ok(bad(
                    line_no,
                    "duplicate_column",
                    format!("第 {line_no} 行的键“{key}”出现了两次；这一行未导入。"),
                    format!("line {line_no} has key \"{key}\" twice; the row was not imported."),
                ));
            }
            if let Some(flag) = seen.get_mut(i) {
                *flag = true;
            }
            let Some(text) = value else {
                return Ok(bad(
                    line_no,
                    "nested_value",
                    format!(
                        "第 {line_no} 行键“{key}”的值是数组或对象；每个值必须是字符串、数字、\
                         true/false 或 null。这一行未导入。"
                    ),
                    format!(
                        "line {line_no}: the value of \"{key}\" is an array or object; each value \
                         must be a string, number, true/false or null. The row was not imported."
                    ),
                ));
            };
            if let Some(cell) = row.cells.get_mut(i) {
                *cell = text;
            }
        }
        // A key left out of a line is absent (merged records keep their stored value),
        // unlike `null` or "", which clear it.
        row.absent.clear();
        row.absent.extend(
            seen.iter()
                .enumerate()
                .filter(|(_, s)| !**s)
                .map(|(i, _)| i),
        );
        Ok(Next::Row)
    }
}

fn bad(row_no: u64, reason: &'static str, zh: String, en: String) -> Next {
    Next::Bad {
        row_no,
        refusal: refusal(reason, zh, en),
    }
}

impl RowSource for JsonLinesSource {
    fn columns(&self) -> &[String] {
        &self.columns
    }

    fn next_row(&mut self, row: &mut RawRow) -> Result<Next, SourceError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.next_inner(row);
        super::remember_failure(&mut self.failed, result)
    }

    fn progress(&self) -> Progress {
        super::byte_progress(&self.count, self.total)
    }
}

/// Lines of a file, each at most [`MAX_ROW_BYTES`].
struct Lines {
    inner: BufReader<Counted<std::fs::File>>,
    line_no: u64,
    buf: Vec<u8>,
    text: String,
}

impl Lines {
    /// Reads lines until one that is not blank; its bytes are in `self.buf` (without the
    /// line break or a leading UTF-8 BOM on line 1). Returns its 1-based number.
    fn next_nonblank(&mut self, path: &Path) -> Result<Option<u64>, SourceError> {
        loop {
            if !self.next_line(path)? {
                return Ok(None);
            }
            if self.line_no == 1 && self.buf.starts_with(super::UTF8_BOM) {
                self.buf.drain(..super::UTF8_BOM.len());
            }
            if !self.buf.iter().all(u8::is_ascii_whitespace) {
                return Ok(Some(self.line_no));
            }
        }
    }

    /// Reads one line into `self.buf`; false at the end of the file.
    fn next_line(&mut self, path: &Path) -> Result<bool, SourceError> {
        self.buf.clear();
        let line_no = self.line_no + 1;
        let mut any = false;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_error(path, &e)),
            };
            if available.is_empty() {
                break;
            }
            any = true;
            let (take, consume, done) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (i, i + 1, true),
                None => (available.len(), available.len(), false),
            };
            if self.buf.len() + take > MAX_ROW_BYTES {
                return Err(row_too_long(line_no));
            }
            self.buf
                .extend_from_slice(available.get(..take).unwrap_or_default());
            self.inner.consume(consume);
            if done {
                break;
            }
        }
        if !any {
            return Ok(false);
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        self.line_no = line_no;
        Ok(true)
    }

    /// The current line as text.
    fn decode(&mut self, encoding: TextEncoding) -> Result<&str, Refusal> {
        let line_no = self.line_no;
        let invalid = |label: &str| {
            refusal(
                "invalid_encoding",
                format!("第 {line_no} 行含有不是 {label} 文本的字节，这一行未导入。"),
                format!(
                    "line {line_no} has bytes that are not {label} text; the row was not imported."
                ),
            )
        };
        match encoding {
            TextEncoding::Utf8 => std::str::from_utf8(&self.buf).map_err(|_| invalid("UTF-8")),
            TextEncoding::Gb18030 => {
                let text = encoding_rs::GB18030
                    .decode_without_bom_handling_and_without_replacement(&self.buf)
                    .ok_or_else(|| invalid("GBK/GB18030"))?;
                self.text.clear();
                self.text.push_str(&text);
                Ok(self.text.trim_start_matches('\u{FEFF}'))
            }
        }
    }
}

/// The members of the JSON object on a line, in order, keys trimmed.
fn parse_object(text: &str, line_no: u64) -> Result<Vec<Member>, Refusal> {
    let invalid = |zh: String, en: String| {
        refusal(
            "invalid_json",
            format!("第 {line_no} 行不是一个有效的 JSON 对象（{zh}），这一行未导入。"),
            format!("line {line_no} is not a valid JSON object ({en}); the row was not imported."),
        )
    };
    match serde_json::from_str::<serde_json::Value>(text) {
        Err(e) => {
            let (col, what) = (e.column(), e.to_string());
            return Err(invalid(
                format!("第 {col} 个字符处：{what}"),
                format!("at column {col}: {what}"),
            ));
        }
        Ok(serde_json::Value::Object(_)) => {}
        Ok(other) => {
            let kind = match other {
                serde_json::Value::Array(_) => ("数组", "an array"),
                serde_json::Value::String(_) => ("字符串", "a string"),
                serde_json::Value::Number(_) => ("数字", "a number"),
                serde_json::Value::Bool(_) => ("true/false", "a boolean"),
                _ => ("null", "null"),
            };
            return Err(invalid(
                format!("这一行是{}，每一行必须是 {{...}} 形式的对象", kind.0),
                format!("it is {}; each line must be an object {{...}}", kind.1),
            ));
        }
    }
    let members = scan_members(text.as_bytes()).ok_or_else(|| {
        invalid(
            "无法逐项读取".to_string(),
            "its members cannot be read".to_string(),
        )
    })?;
    let mut out = Vec::with_capacity(members.len());
    for (key, value) in members {
        let key: String =
            serde_json::from_slice(key).map_err(|e| invalid(e.to_string(), e.to_string()))?;
        let value = match value.first() {
            Some(b'"') => Some(
                serde_json::from_slice::<String>(value)
                    .map_err(|e| invalid(e.to_string(), e.to_string()))?,
            ),
            Some(b'[' | b'{') => None,
            Some(b'n') => Some(String::new()),
            // Numbers exactly as written; true / false.
            _ => Some(String::from_utf8_lossy(value).into_owned()),
        };
        out.push((key.trim().to_string(), value));
    }
    Ok(out)
}

type Raw<'a> = (&'a [u8], &'a [u8]);

/// The top-level members of a JSON object already known to be valid: each key (with its
/// quotes) and value, as written. `None` if the text does not look like one after all.
fn scan_members(s: &[u8]) -> Option<Vec<Raw<'_>>> {
    let mut members = Vec::new();
    let mut i = skip_ws(s, 0);
    if s.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(s, i + 1);
    if s.get(i) == Some(&b'}') {
        return Some(members);
    }
    loop {
        let key_end = scan_string(s, i)?;
        let key = s.get(i..key_end)?;
        i = skip_ws(s, key_end);
        if s.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(s, i + 1);
        let value_end = scan_value(s, i)?;
        members.push((key, s.get(i..value_end)?));
        i = skip_ws(s, value_end);
        match s.get(i) {
            Some(b',') => i = skip_ws(s, i + 1),
            Some(b'}') => return Some(members),
            _ => return None,
        }
    }
}

fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while matches!(s.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The end (one past the closing quote) of the string starting at `i`.
fn scan_string(s: &[u8], i: usize) -> Option<usize> {
    if s.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        match s.get(j)? {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
}

/// The end of the value starting at `i`.
fn scan_value(s: &[u8], i: usize) -> Option<usize> {
    match s.get(i)? {
        b'"' => scan_string(s, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match s.get(j)? {
                    b'"' => {
                        j = scan_string(s, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while !matches!(
                s.get(j),
                None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            ) {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_in_order_with_numbers_as_written() {
        let text = r#" {"z": 1.50, "a" : "x\"}", "n":null, "b":[1,{"c":"]"}], "big":123456789012345678901234, "t":true} "#;
        let got = parse_object(text, 1).map_err(|r| r.en);
        assert_eq!(
            got,
            Ok(vec![
                ("z".into(), Some("1.50".into())),
                ("a".into(), Some("x\"}".into())),
                ("n".into(), Some(String::new())),
                ("b".into(), None),
                ("big".into(), Some("123456789012345678901234".into())),
                ("t".into(), Some("true".into())),
            ])
        );
    }

    #[test]
    fn not_objects() {
        for text in ["[1]", "\"s\"", "5", "{\"a\":1", "{\"a\":1} x"] {
            let got = parse_object(text, 7).map(|_| ()).map_err(|r| r.reason);
            assert_eq!(got, Err("invalid_json"), "{text}");
        }
    }
}
