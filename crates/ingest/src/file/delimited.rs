//! CSV (and other delimited text) in UTF-8 or GBK/GB18030.
//!
//! Records are parsed from the raw bytes and each field is decoded on its own, so one row
//! with bytes that are not text in the file's encoding is refused alone. That is safe for
//! GB18030 because its multi-byte characters never use the bytes `"`, `\n`, `\r`, `,`, `;`
//! or tab; for a delimiter that can be a trail byte (`|`, letters, digits…) the file is
//! decoded to UTF-8 first instead, and a field with an undecodable sequence (shown as
//! U+FFFD) is refused the same way.
use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use shuqiao_core::collect::source::{Next, Progress, RawRow, RowSource, SourceError};
use shuqiao_core::collect::{sniff_encoding, TextEncoding};
use shuqiao_core::quality::layout::{find_header, is_note_row, is_units_row, HEADER_SEARCH_ROWS};

use super::{
    check_header, empty_file, file_size, header_row_missing, io_error, old_excel, open_plain,
    refusal, reset_cells, row_too_long, unknown_encoding, Counted, EncodingChoice, FileOptions,
    GB18030_BOM, MAX_ROW_BYTES, OLE_MAGIC, SNIFF_BYTES, UTF8_BOM, ZIP_MAGIC,
};

/// The CSV parser's read buffer; it reads at most this far ahead of the record it is in.
const CSV_BUFFER: usize = 64 * 1024;

/// A CSV file being read.
pub struct CsvSource {
    rdr: csv::Reader<Guard<Box<dyn Read + Send>>>,
    columns: Vec<String>,
    encoding: TextEncoding,
    decode: FieldDecode,
    record: csv::ByteRecord,
    count: Arc<AtomicU64>,
    total: Option<u64>,
    failed: Option<SourceError>,
    /// The next record is the first after the header: a units row there is skipped.
    after_header: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldDecode {
    Utf8,
    Gb18030,
    /// The stream was decoded from GB18030 to UTF-8 before parsing; U+FFFD marks bytes
    /// that were not GB18030.
    Transcoded,
}

/// One record as the parser found it.
struct Found {
    /// The line the record starts on.
    line: u64,
    /// The record begins inside a quoted field that runs to the end of the file.
    unbalanced: bool,
}

impl CsvSource {
    /// Opens a CSV file: sniffs or takes the encoding, skips a byte-order mark, finds and
    /// reads the header (at `opts.header_row`, else under any title rows: the first rows
    /// are read once to find it, then the file is read from its start again).
    pub fn open(path: &Path, opts: &FileOptions) -> Result<Self, SourceError> {
        let titles = Self::open_raw(path, opts)?.titles(opts)?;
        let mut source = Self::open_raw(path, opts)?;
        for _ in 0..titles {
            source.read_record()?;
        }
        source.read_header()?;
        source.after_header = true;
        Ok(source)
    }

    /// How many records come before the header.
    fn titles(&mut self, opts: &FileOptions) -> Result<usize, SourceError> {
        let mut rows = Vec::new();
        while opts.header_row.is_some() || rows.len() < HEADER_SEARCH_ROWS {
            // Problems in these rows are reported when they are read for real, unless the
            // header the person named lies beyond them.
            let found = match self.read_record() {
                Ok(Some(found)) => found,
                Ok(None) => break,
                Err(e) if opts.header_row.is_some() => return Err(e),
                Err(_) => break,
            };
            let cells: Vec<String> = self
                .record
                .iter()
                .map(|f| {
                    decode_field(self.decode, f)
                        .unwrap_or_default()
                        .trim()
                        .to_string()
                })
                .collect();
            if let Some(n) = opts.header_row {
                if found.line >= n {
                    return Ok(rows.len());
                }
            }
            rows.push(cells);
        }
        match opts.header_row {
            Some(n) => Err(header_row_missing(n)),
            None => Ok(find_header(&rows, &opts.expected_columns)),
        }
    }

    /// Opens the file positioned at its first record.
    fn open_raw(path: &Path, opts: &FileOptions) -> Result<Self, SourceError> {
        let mut file = open_plain(path)?;
        let total = file_size(&file);
        let mut sample = Vec::with_capacity(SNIFF_BYTES);
        (&mut file)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut sample)
            .map_err(|e| io_error(path, &e))?;
        if sample.starts_with(ZIP_MAGIC) {
            return Err(SourceError::new(
                "format_mismatch",
                "这个文件看起来是 Excel（.xlsx）文件，不是 CSV。请用 --format xlsx 导入，\
                 或在 Excel 中另存为 CSV。",
                "this file looks like an Excel (.xlsx) workbook, not CSV. Import it with \
                 --format xlsx, or save it as CSV in Excel.",
            ));
        }
        if sample.starts_with(OLE_MAGIC) {
            return Err(old_excel());
        }
        let encoding = match opts.encoding {
            EncodingChoice::Utf8 => TextEncoding::Utf8,
            EncodingChoice::Gb18030 => TextEncoding::Gb18030,
            EncodingChoice::Auto => sniff_encoding(&sample).ok_or_else(unknown_encoding)?,
        };
        let delimiter = opts.delimiter.unwrap_or(b',');
        let decode = field_decode(delimiter, encoding)?;
        let bom = match encoding {
            TextEncoding::Utf8 if sample.starts_with(UTF8_BOM) => UTF8_BOM.len(),
            TextEncoding::Gb18030 if sample.starts_with(GB18030_BOM) => GB18030_BOM.len(),
            _ => 0,
        };
        if sample.len() == bom {
            return Err(empty_file());
        }
        file.seek(SeekFrom::Start(bom as u64))
            .map_err(|e| io_error(path, &e))?;
        let count = Arc::new(AtomicU64::new(bom as u64));
        let counted = Counted {
            inner: file,
            count: Arc::clone(&count),
        };
        let inner: Box<dyn Read + Send> = if decode == FieldDecode::Transcoded {
            Box::new(Transcoder::new(BufReader::with_capacity(
                CSV_BUFFER, counted,
            )))
        } else {
            Box::new(counted)
        };
        let rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .buffer_capacity(CSV_BUFFER)
            .from_reader(Guard::new(inner, delimiter));
        let source = CsvSource {
            rdr,
            columns: Vec::new(),
            encoding,
            decode,
            record: csv::ByteRecord::new(),
            count,
            total,
            failed: None,
            after_header: false,
        };
        Ok(source)
    }

    /// The encoding the file is read as.
    pub fn encoding(&self) -> TextEncoding {
        self.encoding
    }

    fn read_header(&mut self) -> Result<(), SourceError> {
        let found = self.read_record()?.ok_or_else(empty_file)?;
        if found.unbalanced {
            return Err(SourceError::new(
                "unbalanced_quote",
                "表头（第 1 行）里有一个没有闭合的引号，整个文件都被当成了表头。请检查表头中的 \"。",
                "the header (line 1) has an unbalanced quote, so the whole file reads as the \
                 header. Check the \" characters in the header.",
            ));
        }
        let mut columns = Vec::with_capacity(self.record.len());
        for (i, field) in self.record.iter().enumerate() {
            let Some(text) = decode_field(self.decode, field) else {
                let (zh, en) = encoding_label(self.encoding);
                return Err(SourceError::new(
                    "invalid_encoding",
                    format!(
                        "表头第 {} 列含有不是 {zh} 文本的字节。请确认文件编码（可用 --encoding \
                         gbk 或 --encoding utf-8 指定）。",
                        i + 1
                    ),
                    format!(
                        "column {} of the header has bytes that are not {en} text. Check the \
                         file's encoding (pass --encoding gbk or --encoding utf-8).",
                        i + 1
                    ),
                ));
            };
            let mut name = text.trim();
            if i == 0 {
                name = name.trim_start_matches('\u{FEFF}').trim();
            }
            columns.push(name.to_string());
        }
        check_header(&columns, |i| {
            (format!("第 {} 列", i + 1), format!("column {}", i + 1))
        })?;
        self.columns = columns;
        Ok(())
    }

    /// Reads the next record into `self.record`; `None` at the end of the file.
    fn read_record(&mut self) -> Result<Option<Found>, SourceError> {
        let start = self.rdr.position().byte();
        self.rdr.get_mut().mark = start;
        let result = self.rdr.read_byte_record(&mut self.record);
        let guard = self.rdr.get_mut();
        // The line the record (being) read starts on: the guard saw its first byte.
        let line = guard.starts.front().copied().unwrap_or(guard.line);
        match result {
            Ok(false) => Ok(None),
            Ok(true) => {
                guard.starts.pop_front();
                let end = self.rdr.position().byte();
                if end.saturating_sub(start) > MAX_ROW_BYTES as u64 {
                    return Err(row_too_long(line));
                }
                let guard = self.rdr.get_ref();
                let unbalanced = guard.eof_in_quote && guard.eof && end == guard.out;
                Ok(Some(Found { line, unbalanced }))
            }
            Err(e) => Err(csv_error(&e, line)),
        }
    }

    fn next_inner(&mut self, row: &mut RawRow) -> Result<Next, SourceError> {
        loop {
            let Some(found) = self.read_record()? else {
                return Ok(Next::End);
            };
            let line = found.line;
            row.row_no = line;
            if found.unbalanced {
                return Ok(Next::Bad {
                    row_no: line,
                    refusal: refusal(
                        "unbalanced_quote",
                        format!(
                            "从第 {line} 行开始有一个没有闭合的引号，其后直到文件末尾的内容都被当成了\
                             一个字段；这一行未导入。请检查这一行的 \"。"
                        ),
                        format!(
                            "a quote opened in the row starting at line {line} is never closed, \
                             so everything up to the end of the file reads as one field; the \
                             row was not imported. Check the \" characters in that row."
                        ),
                    ),
                });
            }
            reset_cells(row, self.record.len());
            for (i, (field, cell)) in self.record.iter().zip(row.cells.iter_mut()).enumerate() {
                match decode_field(self.decode, field) {
                    Some(text) => cell.push_str(text.trim()),
                    None => {
                        let (zh, en) = encoding_label(self.encoding);
                        let column = self.columns.get(i).map_or("", String::as_str);
                        return Ok(Next::Bad {
                            row_no: line,
                            refusal: refusal(
                                "invalid_encoding",
                                format!(
                                    "第 {line} 行第 {} 列（{column}）含有不是 {zh} 文本的字节，\
                                     这一行未导入。请确认文件编码（可用 --encoding 指定）并修正这一行。",
                                    i + 1
                                ),
                                format!(
                                    "row {line}, column {} ({column}) has bytes that are not {en} \
                                     text; the row was not imported. Check the file's encoding \
                                     (--encoding) and fix that row.",
                                    i + 1
                                ),
                            ),
                        });
                    }
                }
            }
            if row.cells.iter().all(String::is_empty) {
                continue;
            }
            let after_header = std::mem::take(&mut self.after_header);
            if (after_header && is_units_row(&row.cells)) || is_note_row(&row.cells) {
                continue;
            }
            let (got, want) = (row.cells.len(), self.columns.len());
            if got != want {
                return Ok(Next::Bad {
                    row_no: line,
                    refusal: refusal(
                        "column_count",
                        format!(
                            "第 {line} 行有 {got} 列，表头有 {want} 列。请检查这一行的分隔符和引号。"
                        ),
                        format!(
                            "row {line} has {got} columns, the header has {want}. Check the \
                             delimiters and quotes in that row."
                        ),
                    ),
                });
            }
            return Ok(Next::Row);
        }
    }
}

impl RowSource for CsvSource {
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

fn encoding_label(encoding: TextEncoding) -> (&'static str, &'static str) {
    match encoding {
        TextEncoding::Utf8 => ("UTF-8", "UTF-8"),
        TextEncoding::Gb18030 => ("GBK/GB18030", "GBK/GB18030"),
    }
}

fn field_decode(delimiter: u8, encoding: TextEncoding) -> Result<FieldDecode, SourceError> {
    if delimiter >= 0x80 || matches!(delimiter, b'"' | b'\n' | b'\r') {
        return Err(SourceError::new(
            "bad_delimiter",
            "分隔符必须是一个 ASCII 字符，且不能是引号或换行，例如 , ; | 或制表符。",
            "the delimiter must be one ASCII character other than a quote or a line break, \
             e.g. , ; | or tab.",
        ));
    }
    Ok(match encoding {
        TextEncoding::Utf8 => FieldDecode::Utf8,
        // Bytes that can be the second or fourth byte of a GB18030 character.
        TextEncoding::Gb18030 if matches!(delimiter, 0x30..=0x39 | 0x40..=0x7E) => {
            FieldDecode::Transcoded
        }
        TextEncoding::Gb18030 => FieldDecode::Gb18030,
    })
}

fn decode_field(decode: FieldDecode, bytes: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    match decode {
        FieldDecode::Utf8 => std::str::from_utf8(bytes).ok().map(Into::into),
        FieldDecode::Gb18030 => {
            encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
        }
        FieldDecode::Transcoded => std::str::from_utf8(bytes)
            .ok()
            .filter(|s| !s.contains('\u{FFFD}'))
            .map(Into::into),
    }
}

fn csv_error(e: &csv::Error, line: u64) -> SourceError {
    if let csv::ErrorKind::Io(io) = e.kind() {
        if io.get_ref().is_some_and(|inner| inner.is::<TooLong>()) {
            return row_too_long(line);
        }
        return SourceError::new(
            "io",
            format!("读取第 {line} 行附近时出错：{io}"),
            format!("reading failed near line {line}: {io}"),
        );
    }
    SourceError::new(
        "invalid_csv",
        format!("第 {line} 行附近的 CSV 无法解析：{e}"),
        format!("the CSV cannot be parsed near line {line}: {e}"),
    )
}

/// The error [`Guard`] stops with.
#[derive(Debug)]
struct TooLong;

impl fmt::Display for TooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("record longer than the limit")
    }
}

impl std::error::Error for TooLong {}

/// Where the parser is in the quoting rules (a copy of csv-core's, with `"` as the quote,
/// doubled quotes as escapes and any of `\r`, `\n` ending a record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// Between records: line breaks here are skipped, anything else starts a record.
    RecordStart,
    /// At the start of a field.
    Start,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the end of the field, or the first of two.
    ClosingOrDoubled,
}

/// Sits between the file and the CSV parser: refuses to hand over more than
/// `MAX_ROW_BYTES` (plus the parser's read-ahead) since the start of the record being
/// parsed (`mark`), so one record can never make the parser buffer without bound, and
/// follows the quoting to tell when the file ends inside a quoted field.
struct Guard<R> {
    inner: R,
    /// Bytes handed to the parser.
    out: u64,
    /// Where the record being parsed starts (set by the source before each record).
    mark: u64,
    delimiter: u8,
    quote: Quote,
    /// The line of the next byte (1-based).
    line: u64,
    after_cr: bool,
    /// The lines the records handed over (in part) and not yet taken by the source start
    /// on, oldest first: at most one per record within the parser's read-ahead.
    starts: VecDeque<u64>,
    eof: bool,
    eof_in_quote: bool,
}

impl<R> Guard<R> {
    fn new(inner: R, delimiter: u8) -> Self {
        Guard {
            inner,
            out: 0,
            mark: 0,
            delimiter,
            quote: Quote::RecordStart,
            line: 1,
            after_cr: false,
            starts: VecDeque::new(),
            eof: false,
            eof_in_quote: false,
        }
    }

    fn follow(&mut self, bytes: &[u8]) {
        let mut state = self.quote;
        for &b in bytes {
            let line_break = b == b'\n' || b == b'\r';
            if state == Quote::RecordStart {
                if line_break {
                    self.count_line(b);
                    continue;
                }
                self.starts.push_back(self.line);
                state = Quote::Start;
            }
            state = match state {
                Quote::Quoted if b == b'"' => Quote::ClosingOrDoubled,
                Quote::Quoted => Quote::Quoted,
                Quote::ClosingOrDoubled if b == b'"' => Quote::Quoted,
                Quote::Start if b == b'"' => Quote::Quoted,
                _ if line_break => Quote::RecordStart,
                _ if b == self.delimiter => Quote::Start,
                _ => Quote::Unquoted,
            };
            self.count_line(b);
        }
        self.quote = state;
    }

    /// Lines end with `\n`, `\r\n` or a lone `\r`.
    fn count_line(&mut self, b: u8) {
        if b == b'\r' || (b == b'\n' && !self.after_cr) {
            self.line += 1;
        }
        self.after_cr = b == b'\r';
    }
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out.saturating_sub(self.mark) > (MAX_ROW_BYTES + CSV_BUFFER) as u64 {
            return Err(io::Error::other(TooLong));
        }
        let n = self.inner.read(buf)?;
        match buf.get(..n) {
            Some(read) if n > 0 => self.follow(read),
            _ => {
                self.eof = true;
                self.eof_in_quote = self.quote == Quote::Quoted;
            }
        }
        self.out += n as u64;
        Ok(n)
    }
}

/// Decodes a GB18030 stream to UTF-8, writing U+FFFD for each malformed sequence.
struct Transcoder<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    out: Box<[u8]>,
    start: usize,
    end: usize,
    finished: bool,
}

impl<R: BufRead> Transcoder<R> {
    fn new(inner: R) -> Self {
        Transcoder {
            inner,
            decoder: encoding_rs::GB18030.new_decoder_without_bom_handling(),
            out: vec![0; 16 * 1024].into_boxed_slice(),
            start: 0,
            end: 0,
            finished: false,
        }
    }
}

impl<R: BufRead> Read for Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.start < self.end {
                let pending = self.out.get(self.start..self.end).unwrap_or_default();
                let n = pending.len().min(buf.len());
                if let (Some(dst), Some(src)) = (buf.get_mut(..n), pending.get(..n)) {
                    dst.copy_from_slice(src);
                }
                self.start += n;
                return Ok(n);
            }
            if self.finished || buf.is_empty() {
                return Ok(0);
            }
            let src = self.inner.fill_buf()?;
            let last = src.is_empty();
            // Room is kept for one U+FFFD after a malformed sequence.
            let room = self.out.len() - 3;
            let Some(dst) = self.out.get_mut(..room) else {
                return Ok(0);
            };
            let (result, read, mut written) = self
                .decoder
                .decode_to_utf8_without_replacement(src, dst, last);
            self.inner.consume(read);
            match result {
                encoding_rs::DecoderResult::InputEmpty if last => self.finished = true,
                encoding_rs::DecoderResult::InputEmpty | encoding_rs::DecoderResult::OutputFull => {
                }
                encoding_rs::DecoderResult::Malformed(_, _) => {
                    if let Some(slot) = self.out.get_mut(written..written + 3) {
                        slot.copy_from_slice("\u{FFFD}".as_bytes());
                        written += 3;
                    }
                }
            }
            self.start = 0;
            self.end = written;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_follows_quotes_like_the_parser() {
        let mut guard = Guard::new(io::empty(), b',');
        guard.follow(b"a,\"b,\"\"c\"\"\",d\n\"x\ny\"z,\"");
        assert_eq!(guard.quote, Quote::Quoted);
        assert_eq!(guard.starts, [1, 2]);
        let mut guard = Guard::new(io::empty(), b',');
        guard.follow(b"\r\n\na,b\"c,\"d\"\r\n\r\n,\n\r\"\"");
        assert_eq!(guard.quote, Quote::ClosingOrDoubled);
        assert_eq!(guard.starts, [3, 5, 7]);
        let mut guard = Guard::new(io::empty(), b',');
        guard.follow(b"a\rb\r\rc\r");
        guard.follow(b"\nd\n");
        assert_eq!(guard.starts, [1, 2, 4, 5]);
    }

    #[test]
    fn transcoder_marks_bad_sequences() -> io::Result<()> {
        let (gbk, _, _) = encoding_rs::GBK.encode("名称|代码\n");
        let mut bytes = gbk.into_owned();
        bytes.extend_from_slice(&[0xFF, b'|', 0xFF, b'\n']);
        let mut out = String::new();
        Transcoder::new(&bytes[..]).read_to_string(&mut out)?;
        assert_eq!(out, "名称|代码\n\u{FFFD}|\u{FFFD}\n");
        Ok(())
    }

    #[test]
    fn delimiters() {
        assert!(field_decode(b'"', TextEncoding::Utf8).is_err());
        assert!(field_decode(0xA1, TextEncoding::Utf8).is_err());
        assert_eq!(
            field_decode(b'|', TextEncoding::Utf8).ok(),
            Some(FieldDecode::Utf8)
        );
        assert_eq!(
            field_decode(b'|', TextEncoding::Gb18030).ok(),
            Some(FieldDecode::Transcoded)
        );
        assert_eq!(
            field_decode(b'\t', TextEncoding::Gb18030).ok(),
            Some(FieldDecode::Gb18030)
        );
    }
}
