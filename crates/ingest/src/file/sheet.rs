//! XLSX workbooks, read cell by cell with calamine's streaming reader so a big sheet is
//! never held as a whole.
//!
//! The cell reader borrows the workbook, so it lives on a thread of its own that sends
//! rows in small batches over a channel with room for two: the source holds at most a few
//! batches whatever the size of the sheet. (calamine does keep the workbook's shared
//! string table in memory, as every XLSX reader must.)
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use calamine::{DataRef, ExcelDateTime, Reader, Xlsx};
use shuqiao_core::collect::source::{Next, Progress, RawRow, RowSource, SourceError};
use shuqiao_core::collect::Refusal;
use shuqiao_core::quality::layout::{find_header, is_note_row, is_units_row, HEADER_SEARCH_ROWS};

use super::{
    check_header, empty_file, header_row_missing, io_error, refusal, row_too_long, FileOptions,
    MAX_ROW_BYTES,
};

/// Rows per batch sent from the reading thread, and bytes of cell text per batch.
const BATCH_ROWS: usize = 256;
const BATCH_BYTES: usize = 256 * 1024;

/// A worksheet of an XLSX workbook being read.
pub struct XlsxSource {
    rx: Receiver<Msg>,
    columns: Vec<String>,
    batch: std::vec::IntoIter<Item>,
    /// The last spreadsheet row handed out.
    done: u64,
    /// The sheet's declared last row, if it declares one.
    total: Option<u64>,
    ended: bool,
    failed: Option<SourceError>,
}

enum Msg {
    Header {
        columns: Vec<String>,
        total: Option<u64>,
    },
    Items(Vec<Item>),
    Fail(SourceError),
    End,
}

enum Item {
    /// A row's cells and the columns that were numbers.
    Row(u64, Vec<String>, Vec<usize>),
    Bad(u64, Refusal),
}

impl XlsxSource {
    /// Opens the workbook and reads the header of `sheet`, or of the first sheet: the first
    /// row with two or more distinct values (a title above it is passed over).
    pub fn open(path: &Path, sheet: Option<&str>) -> Result<Self, SourceError> {
        let opts = FileOptions {
            sheet: sheet.map(str::to_string),
            ..FileOptions::default()
        };
        Self::open_with(path, &opts)
    }

    /// [`XlsxSource::open`] with the sheet, the header's row or the expected column names
    /// from `opts`.
    pub fn open_with(path: &Path, opts: &FileOptions) -> Result<Self, SourceError> {
        let (tx, rx) = sync_channel(2);
        let owned_path = path.to_path_buf();
        let sheet = opts.sheet.clone();
        let find = HeaderFind {
            row: opts.header_row,
            expected: opts.expected_columns.clone(),
        };
        std::thread::Builder::new()
            .name("shuqiao-xlsx".into())
            .spawn(move || work(&owned_path, sheet.as_deref(), find, &tx))
            .map_err(|e| io_error(path, &e))?;
        match rx.recv() {
            Ok(Msg::Header { columns, total }) => Ok(XlsxSource {
                rx,
                columns,
                batch: Vec::new().into_iter(),
                done: 0,
                total,
                ended: false,
                failed: None,
            }),
            Ok(Msg::Fail(e)) => Err(e),
            Ok(Msg::Items(_) | Msg::End) | Err(_) => Err(stopped()),
        }
    }
}

impl RowSource for XlsxSource {
    fn columns(&self) -> &[String] {
        &self.columns
    }

    fn next_row(&mut self, row: &mut RawRow) -> Result<Next, SourceError> {
        loop {
            if let Some(item) = self.batch.next() {
                return Ok(match item {
                    Item::Row(row_no, cells, numeric) => {
                        self.done = row_no;
                        row.row_no = row_no;
                        row.cells = cells;
                        row.numeric = numeric;
                        Next::Row
                    }
                    Item::Bad(row_no, refusal) => {
                        self.done = row_no;
                        Next::Bad { row_no, refusal }
                    }
                });
            }
            if let Some(e) = &self.failed {
                return Err(e.clone());
            }
            if self.ended {
                return Ok(Next::End);
            }
            match self.rx.recv() {
                Ok(Msg::Items(items)) => self.batch = items.into_iter(),
                Ok(Msg::End) => self.ended = true,
                Ok(Msg::Fail(e)) => self.failed = Some(e),
                Ok(Msg::Header { .. }) | Err(_) => self.failed = Some(stopped()),
            }
        }
    }

    fn progress(&self) -> Progress {
        Progress {
            done: self.done,
            total: self.total.filter(|&t| t >= self.done),
        }
    }
}

fn stopped() -> SourceError {
    SourceError::new(
        "xlsx_invalid",
        "读取 XLSX 文件时意外中断，文件可能已损坏。请在 Excel 中打开并重新保存后再导入。",
        "reading the XLSX file stopped unexpectedly; it may be damaged. Open it in Excel, save \
         it again and import it again.",
    )
}

fn invalid(e: &calamine::XlsxError) -> SourceError {
    SourceError::new(
        "xlsx_invalid",
        format!(
            "无法读取这个 XLSX 文件（{e}）。请确认它是 Excel 2007 及以后的 .xlsx 文件、没有密码\
             保护，必要时在 Excel 中重新保存后再导入。"
        ),
        format!(
            "cannot read this XLSX file ({e}). Make sure it is an .xlsx workbook (Excel 2007 or \
             later) without a password; if need be, save it again in Excel and retry."
        ),
    )
}

/// Why the reading thread stopped early.
enum Stop {
    Fail(SourceError),
    /// The source was dropped.
    Closed,
}

impl From<SourceError> for Stop {
    fn from(e: SourceError) -> Self {
        Stop::Fail(e)
    }
}

/// How the header is found: at a given row, or among the first rows.
struct HeaderFind {
    row: Option<u64>,
    expected: Vec<String>,
}

fn work(path: &Path, sheet: Option<&str>, find: HeaderFind, tx: &SyncSender<Msg>) {
    let mut out = Out {
        tx,
        width: None,
        total: None,
        batch: Vec::new(),
        batch_bytes: 0,
        find,
        preamble: Vec::new(),
        after_header: false,
    };
    let result = read_sheet(path, sheet, &mut out).and_then(|()| out.settle());
    let last = match result {
        Ok(()) if out.width.is_none() => Msg::Fail(match out.find.row {
            Some(n) => header_row_missing(n),
            None => empty_file(),
        }),
        Ok(()) => Msg::End,
        Err(Stop::Fail(e)) => Msg::Fail(e),
        Err(Stop::Closed) => return,
    };
    if out.flush().is_ok() {
        let _ = tx.send(last);
    }
}

fn read_sheet(path: &Path, sheet: Option<&str>, out: &mut Out<'_>) -> Result<(), Stop> {
    let file = File::open(path).map_err(|e| io_error(path, &e))?;
    let mut book: Xlsx<BufReader<File>> =
        Xlsx::new(BufReader::new(file)).map_err(|e| invalid(&e))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .or_else(|| names.iter().find(|n| n.trim() == wanted.trim()))
            .cloned()
            .ok_or_else(|| {
                let list = names
                    .iter()
                    .map(|n| format!("“{n}”"))
                    .collect::<Vec<_>>()
                    .join("、");
                let list_en = names
                    .iter()
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                SourceError::new(
                    "unknown_sheet",
                    format!("工作簿中没有名为“{wanted}”的工作表。现有的工作表：{list}。"),
                    format!(
                        "the workbook has no sheet named \"{wanted}\". Its sheets are: {list_en}."
                    ),
                )
            })?,
        None => names.first().cloned().ok_or_else(|| {
            SourceError::new(
                "xlsx_invalid",
                "这个 XLSX 文件中没有工作表。",
                "this XLSX file has no worksheets.",
            )
        })?,
    };
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|e| invalid(&e))?;
    let dims = cells.dimensions();
    out.total = (dims.end.0 > 0).then(|| u64::from(dims.end.0) + 1);
    let mut acc = RowAcc::default();
    loop {
        match cells.next_cell() {
            Ok(Some(cell)) => {
                let (r, c) = cell.get_position();
                if acc.row != Some(r) {
                    out.row(&mut acc)?;
                    acc.row = Some(r);
                }
                acc.add(c, cell.get_value())?;
            }
            Ok(None) => break,
            Err(e) => {
                out.row(&mut acc)?;
                return Err(Stop::Fail(invalid(&e)));
            }
        }
    }
    out.row(&mut acc)
}

/// The cells of the row being read.
#[derive(Default)]
struct RowAcc {
    /// 0-based spreadsheet row.
    row: Option<u32>,
    /// Non-blank cells: column and text.
    cells: Vec<(u32, String)>,
    bytes: usize,
    /// The first error cell: its column and Excel's error text.
    error: Option<(u32, String)>,
    /// Columns of number cells.
    numeric: Vec<usize>,
}

impl RowAcc {
    fn add(&mut self, col: u32, value: &DataRef<'_>) -> Result<(), Stop> {
        match cell_text(value) {
            Ok(text) if text.trim().is_empty() => {}
            Ok(text) => {
                if matches!(value, DataRef::Int(_) | DataRef::Float(_)) {
                    self.numeric.push(col as usize);
                }
                self.bytes += text.len();
                if self.bytes > MAX_ROW_BYTES {
                    return Err(Stop::Fail(row_too_long(self.row_no())));
                }
                self.cells.push((col, text));
            }
            Err(error) => {
                if self.error.is_none() {
                    self.error = Some((col, error));
                }
            }
        }
        Ok(())
    }

    /// 1-based spreadsheet row.
    fn row_no(&self) -> u64 {
        self.row.map_or(0, |r| u64::from(r) + 1)
    }
}

/// A non-empty row as read, before it is known to be header or data.
struct Raw {
    row_no: u64,
    cells: Vec<(u32, String)>,
    bytes: usize,
    error: Option<(u32, String)>,
    numeric: Vec<usize>,
}

impl Raw {
    fn texts(&self) -> Vec<String> {
        self.cells.iter().map(|(_, t)| t.clone()).collect()
    }
}

/// Where rows go: checked against the header, batched, sent.
struct Out<'a> {
    tx: &'a SyncSender<Msg>,
    /// The header's width, once the header has been read.
    width: Option<usize>,
    /// The sheet's declared row count, until the header is sent with it.
    total: Option<u64>,
    batch: Vec<Item>,
    batch_bytes: usize,
    find: HeaderFind,
    /// The first rows, until the header is found among them.
    preamble: Vec<Raw>,
    /// The next row is the first after the header: a units row there is skipped.
    after_header: bool,
}

impl Out<'_> {
    fn flush(&mut self) -> Result<(), Stop> {
        if self.batch.is_empty() {
            return Ok(());
        }
        self.batch_bytes = 0;
        let batch = std::mem::take(&mut self.batch);
        self.tx.send(Msg::Items(batch)).map_err(|_| Stop::Closed)
    }

    fn push(&mut self, item: Item, bytes: usize) -> Result<(), Stop> {
        self.batch.push(item);
        self.batch_bytes += bytes;
        if self.batch.len() >= BATCH_ROWS || self.batch_bytes >= BATCH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Handles the row in `acc` (kept to find the header if none has been read) and
    /// empties `acc`.
    fn row(&mut self, acc: &mut RowAcc) -> Result<(), Stop> {
        let raw = Raw {
            row_no: acc.row_no(),
            cells: std::mem::take(&mut acc.cells),
            bytes: std::mem::take(&mut acc.bytes),
            error: acc.error.take(),
            numeric: std::mem::take(&mut acc.numeric),
        };
        if raw.cells.is_empty() && raw.error.is_none() {
            return Ok(());
        }
        if self.width.is_some() {
            return self.data(raw);
        }
        match self.find.row {
            // Rows above the header the person named are titles: dropped.
            Some(n) if raw.row_no < n => Ok(()),
            Some(_) => self.header(raw.row_no, raw.cells, raw.error),
            None => {
                self.preamble.push(raw);
                if self.preamble.len() >= HEADER_SEARCH_ROWS {
                    self.settle()?;
                }
                Ok(())
            }
        }
    }

    /// Picks the header among the rows kept so far; the rows above it are titles, those
    /// below it data.
    fn settle(&mut self) -> Result<(), Stop> {
        if self.preamble.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.preamble);
        let texts: Vec<Vec<String>> = rows.iter().map(Raw::texts).collect();
        let at = find_header(&texts, &self.find.expected);
        let mut rest = rows.into_iter().skip(at);
        if let Some(head) = rest.next() {
            self.header(head.row_no, head.cells, head.error)?;
        }
        for raw in rest {
            self.data(raw)?;
        }
        Ok(())
    }

    /// A row under the header: a record, unless it states units (right under the header)
    /// or is a note at the foot (注：…, 制表人：…).
    fn data(&mut self, raw: Raw) -> Result<(), Stop> {
        let Raw {
            row_no,
            cells,
            bytes,
            error,
            numeric,
        } = raw;
        let width = self.width.unwrap_or(0);
        let after_header = std::mem::take(&mut self.after_header);
        if error.is_none() {
            let texts: Vec<String> = cells.iter().map(|(_, t)| t.clone()).collect();
            if (after_header && is_units_row(&texts)) || is_note_row(&texts) {
                return Ok(());
            }
        }
        if let Some((col, error)) = error {
            let cell = cell_name(col, row_no);
            let refusal = refusal(
                "cell_error",
                format!("第 {row_no} 行的 {cell} 单元格是错误值 {error}（通常来自公式），这一行未导入。请改正这个单元格。"),
                format!("cell {cell} of row {row_no} holds the error {error} (usually from a formula); the row was not imported. Fix that cell."),
            );
            return self.push(Item::Bad(row_no, refusal), 0);
        }
        if let Some((col, _)) = cells.iter().find(|(c, _)| *c as usize >= width) {
            let cell = cell_name(*col, row_no);
            let refusal = refusal(
                "column_count",
                format!("第 {row_no} 行在表头以外的 {cell} 单元格有数据（表头有 {width} 列），这一行未导入。请删除多余的数据或补上列名。"),
                format!("row {row_no} has data in cell {cell}, beyond the header's {width} columns; the row was not imported. Delete the extra data or name that column."),
            );
            return self.push(Item::Bad(row_no, refusal), 0);
        }
        let mut row = vec![String::new(); width];
        for (col, text) in cells {
            if let Some(slot) = row.get_mut(col as usize) {
                *slot = text;
            }
        }
        self.push(Item::Row(row_no, row, numeric), bytes)
    }

    fn header(
        &mut self,
        row_no: u64,
        cells: Vec<(u32, String)>,
        error: Option<(u32, String)>,
    ) -> Result<(), Stop> {
        if let Some((col, error)) = error {
            let cell = cell_name(col, row_no);
            return Err(Stop::Fail(SourceError::new(
                "cell_error",
                format!("表头的 {cell} 单元格是错误值 {error}。请在表头写上列名。"),
                format!("header cell {cell} holds the error {error}. Put a column name there."),
            )));
        }
        let width = cells
            .iter()
            .map(|(c, _)| *c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut columns = vec![String::new(); width];
        for (col, text) in cells {
            if let Some(slot) = columns.get_mut(col as usize) {
                *slot = text.trim().to_string();
            }
        }
        check_header(&columns, |i| {
            let cell = cell_name(i as u32, row_no);
            (format!(" {cell} 单元格"), format!("cell {cell}"))
        })?;
        self.width = Some(width);
        self.after_header = true;
        let total = self.total.take();
        self.tx
            .send(Msg::Header { columns, total })
            .map_err(|_| Stop::Closed)
    }
}

/// `A1`-style name of a cell (0-based column, 1-based row).
fn cell_name(col: u32, row_no: u64) -> String {
    let mut n = u64::from(col) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        n -= 1;
        letters.push(char::from(b'A' + (n % 26) as u8));
        n /= 26;
    }
    letters.reverse();
    let mut name: String = letters.into_iter().collect();
    name.push_str(&row_no.to_string());
    name
}

/// A cell's text, or Excel's error text for an error cell.
fn cell_text(value: &DataRef<'_>) -> Result<String, String> {
    Ok(match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => float_text(*f),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => date_text(dt),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => return Err(e.to_string()),
    })
}

/// Whole numbers without `.0` (codes typed as numbers), others in the shortest form that
/// reads back the same; never an exponent.
fn float_text(f: f64) -> String {
    if f == 0.0 {
        // Also -0.
        return "0".to_string();
    }
    format!("{f}")
}

/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS`, `HH:MM:SS` for a time of day alone, `H:MM:SS` for a
/// duration.
fn date_text(dt: &ExcelDateTime) -> String {
    let serial = dt.as_f64();
    if dt.is_duration() {
        let total = (serial.abs() * 86_400.0).round();
        let total = if total.is_finite() && total < 1e15 {
            total as u64
        } else {
            0
        };
        let sign = if serial < 0.0 && total > 0 { "-" } else { "" };
        return format!(
            "{sign}{}:{:02}:{:02}",
            total / 3600,
            (total / 60) % 60,
            total % 60
        );
    }
    let (y, mo, d, h, mi, s, _ms) = dt.to_ymd_hms_milli();
    if (0.0..1.0).contains(&serial) {
        format!("{h:02}:{mi:02}:{s:02}")
    } else if (h, mi, s) == (0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    #[test]
    fn numbers() {
        assert_eq!(float_text(4.6e17), "460000000000000000");
        assert_eq!(float_text(42.0), "42");
        assert_eq!(float_text(-0.0), "0");
        assert_eq!(float_text(0.1), "0.1");
        assert_eq!(float_text(1.5e-7), "0.00000015");
    }

    #[test]
    fn dates() {
        let dt = |v| ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false);
        assert_eq!(date_text(&dt(45943.0)), "2025-10-13");
        assert_eq!(date_text(&dt(45943.5)), "2025-10-13 12:00:00");
        assert_eq!(date_text(&dt(0.75)), "18:00:00");
        let dur = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(date_text(&dur), "36:00:00");
        let d1904 = ExcelDateTime::new(0.0 + 1.0, ExcelDateTimeType::DateTime, true);
        assert_eq!(date_text(&d1904), "1904-01-02");
    }

    #[test]
    fn cell_names() {
        assert_eq!(cell_name(0, 1), "A1");
        assert_eq!(cell_name(25, 3), "Z3");
        assert_eq!(cell_name(26, 3), "AA3");
        assert_eq!(cell_name(16383, 9), "XFD9");
    }
}
