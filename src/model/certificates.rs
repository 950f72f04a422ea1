//! Certificates as the other layers see them.

use chrono::NaiveDateTime;

use super::ids::{CourseId, UserId, VersionId};

/// A completion to certify.
#[derive(Debug, Clone)]
pub struct Completed {
    pub user: UserId,
    pub course_id: CourseId,
    pub version_id: VersionId,
    pub score: i32,
    pub completed_at: NaiveDateTime,
}
