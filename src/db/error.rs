//! The database layer's one error type.

/// What can go wrong below the domain. The domain wraps it; the web layer turns
/// `Unavailable` and `Storage` into 503 pages and everything else into a generic 500 page.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had (server down, pool exhausted, timeout, connection lost).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The SQLite file cannot be written: a read-only or full disk. SQLite rolls the
    /// transaction back, so nothing is half-written; reads still work.
    #[error("the database file cannot be written: {0}")]
    Storage(String),
    #[error("database query failed: {0}")]
    Query(diesel::result::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
    /// Stored data that does not read back (a bug or a hand edit).
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
}

impl From<diesel::result::Error> for DbError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &error {
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            // SQLite's messages for SQLITE_READONLY, SQLITE_FULL and SQLITE_IOERR: diesel
            // reports them as `Unknown`, so the stable message text is all there is.
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if is_storage_failure(info.message()) =>
            {
                Self::Storage(info.message().to_owned())
            }
            // SQLITE_BUSY past the busy timeout (another process held the write lock):
            // the same answer as an unreachable server, "try again in a moment".
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().contains("database is locked") =>
            {
                Self::Unavailable(info.message().to_owned())
            }
            _ => Self::Query(error),
        }
    }
}

fn is_storage_failure(message: &str) -> bool {
    ["readonly database", "disk is full", "disk I/O error"]
        .iter()
        .any(|m| message.contains(m))
}

impl DbError {
    /// True when the error is a unique-constraint violation (a duplicate row).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            Self::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}
