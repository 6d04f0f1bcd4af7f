//! Transactions whose bodies may fail with the caller's own error (a refused domain rule, say):
//! the transaction rolls back like on a database failure, and the caller gets its own error
//! back unchanged.
use crate::{Db, DbError};

/// An error a transaction's body may end with.
pub trait TxError: From<DbError> {
    /// The database failure this error is, or the error itself when it is the caller's own.
    fn into_db(self) -> Result<DbError, Self>;
}

/// Where a read runs: on a connection of the pool, or on this thread's own (`Db::read_here`).
#[derive(Clone, Copy)]
pub enum Reader {
    Pool,
    Here,
}

/// Which writer a transaction runs on.
#[derive(Clone, Copy)]
pub enum Writer {
    Main,
    /// The audit log's sequencer's (see `SqliteDb`).
    Audit,
    /// SQLite: the spreader's, which moves journaled batches into the audit file.
    Spread,
}

/// Runs `f` as a read.
pub fn read_on<T, E: TxError>(
    db: &Db,
    reader: Reader,
    f: impl FnOnce(&mut dyn crate::Conn) -> Result<T, E>,
) -> Result<T, E> {
    let mut own: Option<E> = None;
    let body = |c: &mut dyn crate::Conn| f(c).map_err(|e| keep_own(e, &mut own));
    let r = match reader {
        Reader::Pool => db.read(body),
        Reader::Here => db.read_here(body),
    };
    settle(r, own)
}

/// Runs `f` inside one transaction of `writer`, on the calling thread.
pub fn write_on<T: Send, E: TxError>(
    db: &Db,
    writer: Writer,
    f: impl FnOnce(&mut dyn crate::Conn) -> Result<T, E>,
) -> Result<T, E> {
    let mut own: Option<E> = None;
    let body = |c: &mut dyn crate::Conn| f(c).map_err(|e| keep_own(e, &mut own));
    let r = match writer {
        Writer::Main => db.write(body),
        Writer::Audit => db.audit_write(body),
        Writer::Spread => db
            .spread_write(body)
            .unwrap_or_else(|| Err(DbError::Other("no audit journal on this engine".into()))),
    };
    settle(r, own)
}

/// A database failure goes to the engine as it is; the caller's own error is kept aside and
/// the engine told to roll back.
fn keep_own<E: TxError>(e: E, own: &mut Option<E>) -> DbError {
    match e.into_db() {
        Ok(db) => db,
        Err(mine) => {
            *own = Some(mine);
            DbError::Other("aborted by the caller's rule".into())
        }
    }
}

fn settle<T, E: TxError>(r: Result<T, DbError>, own: Option<E>) -> Result<T, E> {
    match (r, own) {
        (_, Some(mine)) => Err(mine),
        (Ok(v), None) => Ok(v),
        (Err(e), None) => Err(E::from(e)),
    }
}
