//! A learner's way through a course as the other layers see it: versions, chapters and
//! what was done in them.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::courses::Bilingual;
use super::ids::{CourseId, VersionId};

/// How far a learner got with a chapter in one request: opening it, reading it to the end,
/// or passing its practice check (which means they read it too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Opened,
    Read,
    Passed,
}

/// The newest published version of a course.
#[derive(Debug, Clone, Serialize)]
pub struct CourseVersion {
    pub course_id: CourseId,
    pub version_id: VersionId,
    pub slug: String,
    pub number: i32,
    pub title: Bilingual,
    pub summary: Bilingual,
    /// The version's settings as stored (JSON of the checked `course.toml`).
    #[serde(skip)]
    pub settings: String,
    pub published_at: NaiveDateTime,
}

/// A chapter of a version, without its text.
#[derive(Debug, Clone, Serialize)]
pub struct ChapterSummary {
    pub key: String,
    pub position: i32,
    pub minutes: i32,
    pub content_hash: String,
    pub title: Bilingual,
}

/// What a learner did in one version of one chapter.
#[derive(Debug, Clone)]
pub struct ChapterProgress {
    pub chapter_key: String,
    pub content_hash: String,
    pub opened_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
    pub passed_at: Option<NaiveDateTime>,
}

/// What the database holds of a learner in one version of one chapter, and where their
/// enrolment in the course says they were last: read before recording a step there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredStanding {
    pub opened: bool,
    pub read: bool,
    pub passed: bool,
    /// The chapter key the enrolment names as the learner's last, and when they were last
    /// active in the course (none before their first chapter).
    pub last: Option<(String, NaiveDateTime)>,
}

/// What recording a step writes, as `learning` decided it from where the learner stood;
/// `db::learning::record` writes exactly this.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    /// The chapter's progress row (made when missing), with `read` and `passed` set now.
    pub progress: bool,
    pub read: bool,
    pub passed: bool,
    /// The learner's progress in the course, recomputed (a read) for their enrolment.
    pub summary: bool,
    /// The enrolment: where the learner is, and their progress when recomputed.
    pub enrolment: bool,
}
