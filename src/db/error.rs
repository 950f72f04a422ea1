//! The database layer's one error type.

/// What can go wrong below the domain. The domain wraps it; the web layer turns
/// `Unavailable` into a 503 page and everything else into a generic 500 page.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had (server down, pool exhausted, timeout).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
    /// Stored data that does not read back (a bug or a hand edit).
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
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
