use shuqiao_core::DomainError;
use shuqiao_db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The caller's mistake: a size beyond the tree, an entry that is not there, a note that
    /// is no cosignature of this log.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The database or the journal failed. Details go to the log, never to a client.
    #[error("audit storage failure: {0}")]
    Db(#[from] DbError),
    /// The log has no keys, or cannot seal: fail closed.
    #[error("audit log unavailable")]
    Unavailable,
    #[error("audit task failed: {0}")]
    Task(String),
}

impl shuqiao_db::TxError for AuditError {
    fn into_db(self) -> Result<DbError, Self> {
        match self {
            AuditError::Db(e) => Ok(e),
            other => Err(other),
        }
    }
}

pub type Result<T, E = AuditError> = std::result::Result<T, E>;

/// Serialises a value kept as JSON text in the database.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| DbError::Other(format!("encode: {e}")).into())
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| DbError::Other(format!("decode: {e}")).into())
}
