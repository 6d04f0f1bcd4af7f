//! PostgreSQL: a `NO SCROLL` cursor in a read-only, repeatable-read transaction, fetched
//! [`BATCH`] rows at a time with the simple query protocol so every value arrives as text.
use std::collections::VecDeque;

use postgres::{Client, Config, NoTls, SimpleQueryMessage, SimpleQueryRow};
use shuqiao_core::collect::source::SourceError;

use super::{invalid_encoding, no_columns, updated_missing, Step, Target, BATCH, CONNECT_TIMEOUT};

const CURSOR: &str = "shuqiao_pull";

pub(super) fn parse_url(url: &str) -> Result<Config, String> {
    url.parse::<Config>().map_err(|e| e.to_string())
}

fn connect(target: &Target) -> Result<Client, SourceError> {
    let mut config = parse_url(&target.url).map_err(|e| target.unreachable(&e))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    config
        .connect(NoTls)
        .map_err(|e| target.unreachable(&describe(&e)))
}

/// The server's message, or the error with its causes (the client's own `Display` leaves
/// out why a connection failed).
fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = db.message().to_owned();
        if let Some(d) = db.detail() {
            text.push_str(" (");
            text.push_str(d);
            text.push(')');
        }
        if let Some(h) = db.hint() {
            text.push_str(" — ");
            text.push_str(h);
        }
        return text;
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A failure after connecting: the database's own message for refused statements, a lost
/// connection otherwise.
fn query_error(target: &Target, e: &postgres::Error) -> SourceError {
    if e.as_db_error().is_none() && e.is_closed() {
        target.lost(&describe(e))
    } else {
        target.query_failed(&describe(e))
    }
}

fn updated_index(columns: &[String], updated: Option<&str>) -> Result<Option<usize>, SourceError> {
    match updated {
        None => Ok(None),
        Some(col) => columns
            .iter()
            .position(|c| c == col)
            .map(Some)
            .ok_or_else(|| updated_missing(col)),
    }
}

pub(super) struct PgReader {
    /// None once the cursor is exhausted or failed (the connection is then closed).
    client: Option<Client>,
    buf: VecDeque<SimpleQueryRow>,
    updated: Option<usize>,
    target: Target,
}

pub(super) fn open(
    target: &Target,
    sql: &str,
    updated: Option<&str>,
) -> Result<(Vec<String>, Option<usize>, PgReader), SourceError> {
    let mut client = connect(target)?;
    let target = target.clone();
    client
        .batch_execute(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL DateStyle = 'ISO, YMD'",
        )
        .map_err(|e| query_error(&target, &e))?;
    // The extended protocol takes exactly one statement: the query cannot smuggle in others.
    client
        .execute(
            format!("DECLARE {CURSOR} NO SCROLL CURSOR FOR {sql}").as_str(),
            &[],
        )
        .map_err(|e| query_error(&target, &e))?;
    let mut reader = PgReader {
        client: Some(client),
        buf: VecDeque::with_capacity(BATCH),
        updated: None,
        target,
    };
    let columns: Vec<String> = match reader.fetch()? {
        Some(names) => names,
        None => return Err(no_columns()),
    };
    if columns.is_empty() {
        return Err(no_columns());
    }
    let idx = updated_index(&columns, updated)?;
    reader.updated = idx;
    Ok((columns, idx, reader))
}

impl PgReader {
    /// Fetches the next batch into the buffer; returns the column names the server
    /// described, if it did.
    fn fetch(&mut self) -> Result<Option<Vec<String>>, SourceError> {
        let Some(client) = self.client.as_mut() else {
            return Ok(None);
        };
        let messages = match client.simple_query(&format!("FETCH {BATCH} FROM {CURSOR}")) {
            Ok(m) => m,
            Err(e) => {
                self.client = None;
                return Err(query_error(&self.target, &e));
            }
        };
        let mut names = None;
        let mut rows = 0;
        for message in messages {
            match message {
                SimpleQueryMessage::RowDescription(cols) => {
                    names = Some(cols.iter().map(|c| c.name().to_owned()).collect());
                }
                SimpleQueryMessage::Row(row) => {
                    if names.is_none() {
                        names = Some(row.columns().iter().map(|c| c.name().to_owned()).collect());
                    }
                    rows += 1;
                    self.buf.push_back(row);
                }
                _ => {}
            }
        }
        if rows < BATCH {
            // The cursor is exhausted: closing the connection ends the read-only transaction.
            self.client = None;
        }
        Ok(names)
    }

    pub(super) fn next(&mut self, cells: &mut Vec<String>) -> Result<Step, SourceError> {
        if self.buf.is_empty() {
            self.fetch()?;
        }
        let Some(row) = self.buf.pop_front() else {
            return Ok(Step::End);
        };
        cells.resize_with(row.len(), String::new);
        let mut updated_null = false;
        for (i, cell) in cells.iter_mut().enumerate() {
            cell.clear();
            match row.try_get(i) {
                Ok(Some(text)) => cell.push_str(text),
                Ok(None) => updated_null |= self.updated == Some(i),
                Err(_) => {
                    let name = row.columns().get(i).map(|c| c.name().to_owned());
                    return Ok(Step::Bad(invalid_encoding(name.as_ref())));
                }
            }
        }
        Ok(Step::Row { updated_null })
    }
}

pub(super) fn probe(
    target: &Target,
    sql: &str,
    updated: Option<&str>,
) -> Result<Vec<String>, SourceError> {
    let mut client = connect(target)?;
    // Preparing plans the statement (tables, columns, types) without running it.
    let stmt = client.prepare(sql).map_err(|e| query_error(target, &e))?;
    let columns: Vec<String> = stmt.columns().iter().map(|c| c.name().to_owned()).collect();
    if columns.is_empty() {
        return Err(no_columns());
    }
    updated_index(&columns, updated)?;
    Ok(columns)
}
