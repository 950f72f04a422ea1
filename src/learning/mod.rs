//! A learner's way through a course: which chapters they opened, read and passed, what is
//! new since a correction, and where "continue" takes them; and the use cases of the
//! learner's path, each taking the database and plain inputs: reading a chapter and "I have
//! read this" (`reading`), the catalogue, a course, "my learning", print and offline views
//! (`catalogue`, `my`). What a step writes is decided here (`standing`); `db::learning` writes it.

pub mod catalogue;
pub mod my;
pub mod published;
pub mod reading;
pub mod standing;

use serde::Serialize;

use crate::certificates::CertError;
use crate::db::DbError;
use crate::model::ids::UserId;
pub use crate::model::learning::{ChapterProgress, ChapterSummary, CourseVersion, Step};
pub use catalogue::{
    CatalogueEntry, ChapterLine, CourseOverview, Printable, catalogue, course_overview,
    offline_urls, printable,
};
pub use my::{MyCertificate, MyCourse, MyLearning, my_learning};
pub use reading::{ChapterAddress, NextStop, Reading, Visit, mark_read, read_chapter};

/// Why a step of the learner's path could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LearningError {
    #[error("no such course or chapter")]
    NotFound,
    /// An answer that names a question or option the practice check does not have.
    #[error("not an answer to this practice check")]
    BadAnswer,
    #[error(transparent)]
    Certificate(#[from] CertError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Someone confirmed as signed in, as the learner's use cases need them: the caller confirms
/// its session in the use case's own trip to the database and gets the person back.
pub trait Learner: Send + 'static {
    fn user_id(&self) -> UserId;
}

/// What a use case that confirmed who is asking found: the person (`None`: nobody, or a
/// session that no longer holds), and the outcome, which may fail after the confirmation.
#[derive(Debug)]
pub struct Confirmed<V, T> {
    pub viewer: Option<V>,
    pub outcome: Result<T, LearningError>,
}

/// How fresh "last activity" is kept when a learner comes back to the chapter they are at:
/// reports and reminders count in days, and a page view or a repeated "I have read this"
/// that changes nothing else needs no write (on SQLite, one fsync each).
pub const ACTIVITY_STEP: chrono::Duration = chrono::Duration::minutes(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChapterState {
    NotStarted,
    Opened,
    Read,
    Passed,
    /// Read in an earlier version; the chapter has changed since.
    Updated,
}

impl ChapterState {
    pub fn is_done(self) -> bool {
        matches!(self, Self::Read | Self::Passed)
    }
}

/// The state of each chapter of the current version for this learner. Progress on an
/// unchanged chapter (same content hash) carries over from earlier versions by itself.
pub fn states(chapters: &[ChapterSummary], progress: &[ChapterProgress]) -> Vec<ChapterState> {
    chapters
        .iter()
        .map(|chapter| {
            let rows: Vec<&ChapterProgress> = progress
                .iter()
                .filter(|p| p.chapter_key == chapter.key)
                .collect();
            match rows.iter().find(|p| p.content_hash == chapter.content_hash) {
                Some(p) if p.passed_at.is_some() => ChapterState::Passed,
                Some(p) if p.read_at.is_some() => ChapterState::Read,
                Some(_) => ChapterState::Opened,
                None if rows.iter().any(|p| p.read_at.is_some()) => ChapterState::Updated,
                None => ChapterState::NotStarted,
            }
        })
        .collect()
}

/// Where "continue" goes: the chapter the learner was last in if they have not finished it,
/// else the next chapter they have not finished, else the first one; `None` when all are done.
pub fn continue_at<'a>(
    chapters: &'a [ChapterSummary],
    states: &[ChapterState],
    last: Option<&str>,
) -> Option<&'a ChapterSummary> {
    let start = last
        .and_then(|key| chapters.iter().position(|c| c.key == key))
        .unwrap_or(0);
    let order = (start..chapters.len()).chain(0..start);
    for index in order {
        if !states.get(index).is_some_and(|s| s.is_done()) {
            return chapters.get(index);
        }
    }
    None
}

/// Percentage of chapters done.
pub fn percent_done(states: &[ChapterState]) -> i64 {
    if states.is_empty() {
        return 0;
    }
    let done = states.iter().filter(|s| s.is_done()).count();
    (done * 100 / states.len()) as i64
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;
    use crate::model::courses::Bilingual;

    fn chapter(key: &str, hash: &str) -> ChapterSummary {
        ChapterSummary {
            key: key.into(),
            position: 1,
            minutes: 5,
            content_hash: hash.into(),
            title: Bilingual::default(),
        }
    }

    fn read(key: &str, hash: &str) -> ChapterProgress {
        ChapterProgress {
            chapter_key: key.into(),
            content_hash: hash.into(),
            opened_at: NaiveDateTime::default(),
            read_at: Some(NaiveDateTime::default()),
            passed_at: None,
        }
    }

    #[test]
    fn unchanged_chapters_keep_progress_and_changed_ones_are_marked_updated() {
        let chapters = [
            chapter("a", "h1"),
            chapter("b", "h2-new"),
            chapter("c", "h3"),
        ];
        let progress = [read("a", "h1"), read("b", "h2-old")];
        let states = states(&chapters, &progress);
        assert_eq!(
            states,
            [
                ChapterState::Read,
                ChapterState::Updated,
                ChapterState::NotStarted
            ]
        );
        assert_eq!(percent_done(&states), 33);
    }

    #[test]
    fn continue_goes_back_to_where_the_learner_stopped() {
        let chapters = [chapter("a", "1"), chapter("b", "2"), chapter("c", "3")];
        let states = [
            ChapterState::Read,
            ChapterState::Opened,
            ChapterState::NotStarted,
        ];
        assert_eq!(
            continue_at(&chapters, &states, Some("b")).map(|c| c.key.as_str()),
            Some("b")
        );
        let states = [
            ChapterState::NotStarted,
            ChapterState::Read,
            ChapterState::NotStarted,
        ];
        assert_eq!(
            continue_at(&chapters, &states, Some("b")).map(|c| c.key.as_str()),
            Some("c")
        );
        let all = [ChapterState::Read; 3];
        assert!(continue_at(&chapters, &all, Some("c")).is_none());
        assert_eq!(
            continue_at(&chapters, &[ChapterState::NotStarted; 3], None).map(|c| c.key.as_str()),
            Some("a")
        );
    }
}
