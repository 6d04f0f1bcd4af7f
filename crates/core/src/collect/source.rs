//! Where incoming rows come from, seen from the rules' side: a header of column names and a
//! stream of rows of text cells. File formats (CSV, JSON Lines, XLSX) and department
//! databases implement [`RowSource`] in `shuqiao-ingest`; the store applies what it yields.
use super::Refusal;

/// One row as read, before any checking: the cells line up with [`RowSource::columns`]; an
/// empty string stands for an absent value (SQL NULL, JSON null, an empty CSV cell).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRow {
    /// Where the row is in its source, for people: the 1-based line of a CSV file counting
    /// the header as line 1 (the line the record starts on), the 1-based line of a JSON Lines
    /// file, the 1-based spreadsheet row, or the ordinal of a database row.
    pub row_no: u64,
    pub cells: Vec<String>,
    /// Columns this row does not carry at all (a member left out of a JSON object), unlike
    /// an empty cell, which clears the value: when records are merged, the stored value of
    /// an absent column is kept. Sources with a fixed set of columns leave this empty.
    pub absent: Vec<usize>,
    /// Columns whose cell the source held as a number (an XLSX numeric cell), not as text:
    /// an identifier there has lost digits. Sources of text leave this empty.
    pub numeric: Vec<usize>,
}

/// What [`RowSource::next_row`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// The buffer now holds the next row.
    Row,
    /// The row at `row_no` cannot be read (wrong column count, bytes that are not text in the
    /// file's encoding, a JSON line that is not an object…). The source goes on after it.
    Bad { row_no: u64, refusal: Refusal },
    /// No more rows.
    End,
}

/// A problem that ends reading: the rest of the source cannot be trusted or reached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {en}")]
pub struct SourceError {
    /// Stable code, e.g. `empty_file`, `no_header`, `unknown_encoding`, `row_too_long`,
    /// `io`, `xlsx_invalid`, `source_unreachable`, `source_query`.
    pub reason: &'static str,
    pub zh: String,
    pub en: String,
}

impl SourceError {
    pub fn new(reason: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        SourceError {
            reason,
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// How far a source has got, for progress bars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Bytes (files) or rows (databases) consumed so far.
    pub done: u64,
    /// The total, when known (a file's size).
    pub total: Option<u64>,
}

/// A stream of rows. Implementations hold at most a bounded amount in memory (one row plus
/// buffers of fixed size), whatever the size of the source.
pub trait RowSource: Send {
    /// The column names from the header (file) or the result set (database), trimmed, with
    /// any byte-order mark removed.
    fn columns(&self) -> &[String];
    /// Reads the next row into `row` (its cells are replaced, the allocation reused).
    fn next_row(&mut self, row: &mut RawRow) -> Result<Next, SourceError>;
    fn progress(&self) -> Progress;
    /// For incremental database pulls: the high-water mark of what has been read so far, to
    /// be stored with the batch so the next pull starts there.
    fn watermark(&self) -> Option<String> {
        None
    }
}

/// Rows from an iterator (generated demo data, a pushed batch already in memory).
pub struct IterSource<I> {
    columns: Vec<String>,
    rows: I,
    next_no: u64,
    total: Option<u64>,
}

/// A pushed batch: rows already in memory.
pub type VecSource = IterSource<std::vec::IntoIter<Vec<String>>>;

impl VecSource {
    pub fn new(columns: Vec<String>, rows: Vec<Vec<String>>) -> Self {
        let total = rows.len() as u64;
        IterSource::from_iter(columns, rows.into_iter(), Some(total))
    }
}

impl<I: Iterator<Item = Vec<String>>> IterSource<I> {
    pub fn from_iter(columns: Vec<String>, rows: I, total: Option<u64>) -> Self {
        IterSource {
            columns,
            rows,
            next_no: 1,
            total,
        }
    }
}

impl<I: Iterator<Item = Vec<String>> + Send> RowSource for IterSource<I> {
    fn columns(&self) -> &[String] {
        &self.columns
    }
    fn next_row(&mut self, row: &mut RawRow) -> Result<Next, SourceError> {
        match self.rows.next() {
            None => Ok(Next::End),
            Some(cells) => {
                row.row_no = self.next_no;
                row.cells = cells;
                row.absent.clear();
                self.next_no += 1;
                Ok(Next::Row)
            }
        }
    }
    fn progress(&self) -> Progress {
        Progress {
            done: self.next_no - 1,
            total: self.total,
        }
    }
}

impl<T: RowSource + ?Sized> RowSource for Box<T> {
    fn columns(&self) -> &[String] {
        (**self).columns()
    }
    fn next_row(&mut self, row: &mut RawRow) -> Result<Next, SourceError> {
        (**self).next_row(row)
    }
    fn progress(&self) -> Progress {
        (**self).progress()
    }
    fn watermark(&self) -> Option<String> {
        (**self).watermark()
    }
}
