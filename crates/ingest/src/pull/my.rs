//! MySQL/MariaDB: an unbuffered prepared statement in a read-only transaction, read on a
//! dedicated thread that owns the connection and hands rows over a bounded channel.
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use mysql::consts::ColumnType;
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder, Params, Value};
use shuqiao_core::collect::source::SourceError;
use shuqiao_core::collect::Refusal;

use super::{
    invalid_encoding, no_columns, updated_missing, Statement, Step, Target, BATCH, CONNECT_TIMEOUT,
};

pub(super) fn parse_url(url: &str) -> Result<Opts, String> {
    Opts::from_url(url).map_err(|e| e.to_string())
}

fn connect(target: &Target) -> Result<Conn, SourceError> {
    let opts = parse_url(&target.url).map_err(|e| target.unreachable(&e))?;
    let timeout = opts.get_tcp_connect_timeout().unwrap_or(CONNECT_TIMEOUT);
    let opts = OptsBuilder::from_opts(opts).tcp_connect_timeout(Some(timeout));
    Conn::new(opts).map_err(|e| target.unreachable(&describe(&e)))
}

/// The error without the client's `DriverError { … }` wrapping.
fn describe(e: &mysql::Error) -> String {
    match e {
        mysql::Error::MySqlError(e) => e.to_string(),
        mysql::Error::DriverError(e) => e.to_string(),
        mysql::Error::IoError(e) => e.to_string(),
        mysql::Error::UrlError(e) => e.to_string(),
        _ => e.to_string(),
    }
}

/// A failure after connecting: the server's own message for refused statements, a lost
/// connection for transport errors.
fn query_error(target: &Target, e: &mysql::Error) -> SourceError {
    match e {
        mysql::Error::IoError(_) | mysql::Error::CodecError(_) => target.lost(&describe(e)),
        _ => target.query_failed(&describe(e)),
    }
}

fn updated_index(columns: &[String], updated: Option<&str>) -> Result<Option<usize>, SourceError> {
    match updated {
        None => Ok(None),
        // MySQL column names are case-insensitive.
        Some(col) => columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(col))
            .map(Some)
            .ok_or_else(|| updated_missing(col)),
    }
}

enum Msg {
    Columns(Vec<String>, Option<usize>),
    Row(Vec<String>, bool),
    Bad(Refusal),
    Fail(SourceError),
    End,
}

pub(super) struct MyReader {
    rx: Receiver<Msg>,
}

pub(super) fn open(
    target: &Target,
    stmt: Statement,
    updated: Option<&str>,
) -> Result<(Vec<String>, Option<usize>, MyReader), SourceError> {
    let (tx, rx) = sync_channel(BATCH);
    let thread_target = target.clone();
    let updated_owned = updated.map(str::to_owned);
    std::thread::Builder::new()
        .name("shuqiao-pull-mysql".into())
        .spawn(move || run(&thread_target, &stmt, updated_owned.as_deref(), &tx))
        .map_err(|e| target.query_failed(&format!("cannot start the reading thread: {e}")))?;
    let reader = MyReader { rx };
    match reader.rx.recv() {
        Ok(Msg::Columns(columns, idx)) => Ok((columns, idx, reader)),
        Ok(Msg::Fail(e)) => Err(e),
        Ok(_) | Err(_) => Err(stopped()),
    }
}

fn stopped() -> SourceError {
    SourceError::new(
        "source_query",
        "读取数据库的线程意外停止",
        "the database reading thread stopped unexpectedly",
    )
}

/// The reading thread. It ends when the rows end, on an error, or as soon as the
/// [`MyReader`] is dropped (a send fails).
fn run(target: &Target, stmt: &Statement, updated: Option<&str>, tx: &SyncSender<Msg>) {
    let mut conn = match connect(target) {
        Ok(c) => c,
        Err(e) => {
            let _ = tx.send(Msg::Fail(e));
            return;
        }
    };
    // A slow consumer must not make the server give up writing, and the pull reads one
    // consistent snapshot and writes nothing.
    for setup in [
        "SET SESSION net_write_timeout = 3600",
        "START TRANSACTION READ ONLY",
    ] {
        if let Err(e) = conn.query_drop(setup) {
            let _ = tx.send(Msg::Fail(query_error(target, &e)));
            return;
        }
    }
    let params = match &stmt.param {
        Some(w) => Params::Positional(vec![Value::from(w.as_str())]),
        None => Params::Empty,
    };
    // A prepared statement holds exactly one statement, and the binary protocol gives typed
    // values (dates as dates) rendered below the same way whatever the server's settings.
    let mut result = match conn.exec_iter(stmt.sql.as_str(), params) {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.send(Msg::Fail(query_error(target, &e)));
            return;
        }
    };
    let (names, types): (Vec<String>, Vec<ColumnType>) = result
        .columns()
        .as_ref()
        .iter()
        .map(|c| (c.name_str().into_owned(), c.column_type()))
        .unzip();
    if names.is_empty() {
        let _ = tx.send(Msg::Fail(no_columns()));
        return;
    }
    let idx = match updated_index(&names, updated) {
        Ok(idx) => idx,
        Err(e) => {
            let _ = tx.send(Msg::Fail(e));
            return;
        }
    };
    let mut abandoned = tx.send(Msg::Columns(names.clone(), idx)).is_err();
    let mut outcome = Msg::End;
    if let Some(mut set) = result.iter() {
        if !abandoned {
            for item in set.by_ref() {
                let msg = match item {
                    Ok(row) => convert(row, &names, &types, idx),
                    Err(e) => {
                        outcome = Msg::Fail(query_error(target, &e));
                        break;
                    }
                };
                if tx.send(msg).is_err() {
                    abandoned = true;
                    break;
                }
            }
        }
        if abandoned {
            // Dropping the result set would read every remaining row to clear the
            // connection; closing the connection instead (when `conn` drops) makes the
            // server stop. Forgetting leaks only the result's column list.
            std::mem::forget(set);
        }
    }
    if abandoned {
        std::mem::forget(result);
        return;
    }
    drop(result);
    let _ = tx.send(outcome);
}

fn convert(row: mysql::Row, names: &[String], types: &[ColumnType], idx: Option<usize>) -> Msg {
    // `unwrap_raw` hands over the row's values (None for a value taken earlier); it cannot
    // panic.
    let values = row.unwrap_raw();
    let mut cells = Vec::with_capacity(values.len());
    let mut updated_null = false;
    for (i, value) in values.into_iter().enumerate() {
        let value = value.unwrap_or(Value::NULL);
        if idx == Some(i) && value == Value::NULL {
            updated_null = true;
        }
        match value_text(value, types.get(i).copied()) {
            Some(text) => cells.push(text),
            None => return Msg::Bad(invalid_encoding(names.get(i))),
        }
    }
    Msg::Row(cells, updated_null)
}

/// A value as text: NULL as "", numbers as Rust prints them, dates as `YYYY-MM-DD` (with
/// ` HH:MM:SS[.ffffff]` when the time is not midnight), times as `[-]HH:MM:SS[.ffffff]`,
/// BIT as its number. None for bytes that are not UTF-8.
fn value_text(value: Value, ty: Option<ColumnType>) -> Option<String> {
    Some(match value {
        Value::NULL => String::new(),
        Value::Bytes(b) if ty == Some(ColumnType::MYSQL_TYPE_BIT) && b.len() <= 8 => b
            .iter()
            .fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
            .to_string(),
        Value::Bytes(b) => String::from_utf8(b).ok()?,
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Double(d) => d.to_string(),
        Value::Date(y, m, d, 0, 0, 0, 0) => format!("{y:04}-{m:02}-{d:02}"),
        Value::Date(y, m, d, h, i, s, 0) => format!("{y:04}-{m:02}-{d:02} {h:02}:{i:02}:{s:02}"),
        Value::Date(y, m, d, h, i, s, us) => {
            format!("{y:04}-{m:02}-{d:02} {h:02}:{i:02}:{s:02}.{us:06}")
        }
        Value::Time(negative, days, h, i, s, us) => {
            let sign = if negative { "-" } else { "" };
            let hours = u64::from(days) * 24 + u64::from(h);
            if us == 0 {
                format!("{sign}{hours:02}:{i:02}:{s:02}")
            } else {
                format!("{sign}{hours:02}:{i:02}:{s:02}.{us:06}")
            }
        }
    })
}

impl MyReader {
    pub(super) fn next(&mut self, cells: &mut Vec<String>) -> Result<Step, SourceError> {
        match self.rx.recv() {
            Ok(Msg::Row(row, updated_null)) => {
                *cells = row;
                Ok(Step::Row { updated_null })
            }
            Ok(Msg::Bad(refusal)) => Ok(Step::Bad(refusal)),
            Ok(Msg::Fail(e)) => Err(e),
            Ok(Msg::End) => Ok(Step::End),
            Ok(Msg::Columns(..)) | Err(_) => Err(stopped()),
        }
    }
}

pub(super) fn probe(
    target: &Target,
    sql: &str,
    updated: Option<&str>,
) -> Result<Vec<String>, SourceError> {
    let mut conn = connect(target)?;
    // Preparing resolves tables and columns without running the statement.
    let stmt = conn.prep(sql).map_err(|e| query_error(target, &e))?;
    let columns: Vec<String> = stmt
        .columns()
        .iter()
        .map(|c| c.name_str().into_owned())
        .collect();
    if columns.is_empty() {
        return Err(no_columns());
    }
    updated_index(&columns, updated)?;
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_as_text() {
        let t = |v| value_text(v, None);
        assert_eq!(t(Value::NULL).as_deref(), Some(""));
        assert_eq!(
            t(Value::Bytes("张三".as_bytes().to_vec())).as_deref(),
            Some("张三")
        );
        assert_eq!(t(Value::Bytes(vec![0xff, 0xfe])), None);
        assert_eq!(t(Value::Int(-3)).as_deref(), Some("-3"));
        assert_eq!(
            t(Value::UInt(u64::MAX)).as_deref(),
            Some("18446744073709551615")
        );
        assert_eq!(t(Value::Float(1.5)).as_deref(), Some("1.5"));
        assert_eq!(t(Value::Double(0.1)).as_deref(), Some("0.1"));
        assert_eq!(
            t(Value::Date(2024, 3, 9, 0, 0, 0, 0)).as_deref(),
            Some("2024-03-09")
        );
        assert_eq!(
            t(Value::Date(2024, 3, 9, 8, 5, 0, 0)).as_deref(),
            Some("2024-03-09 08:05:00")
        );
        assert_eq!(
            t(Value::Date(2024, 3, 9, 0, 0, 0, 120)).as_deref(),
            Some("2024-03-09 00:00:00.000120")
        );
        assert_eq!(
            t(Value::Time(false, 0, 8, 30, 0, 0)).as_deref(),
            Some("08:30:00")
        );
        assert_eq!(
            t(Value::Time(true, 1, 2, 3, 4, 5)).as_deref(),
            Some("-26:03:04.000005")
        );
        assert_eq!(
            value_text(Value::Bytes(vec![1]), Some(ColumnType::MYSQL_TYPE_BIT)).as_deref(),
            Some("1")
        );
    }
}
