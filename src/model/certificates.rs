//! Certificates as the other layers see them.

use chrono::NaiveDateTime;

use super::ids::UserId;

/// A completion to certify.
#[derive(Debug, Clone)]
pub struct Completed {
    pub user: UserId,
    pub course_id: i64,
    pub version_id: i64,
    pub score: i32,
    pub completed_at: NaiveDateTime,
}
