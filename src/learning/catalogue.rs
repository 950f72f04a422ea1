//! A course as published, for everyone: the catalogue, a course's page with the learner's
//! states, the printable course or chapter, and what to save for reading offline.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{ChapterState, LearningError, continue_at, percent_done, states};
use crate::db::{self, Db, DbError};
use crate::model::courses::ChapterView;
use crate::model::ids::{UserId, VersionId};
use crate::model::learning::{ChapterSummary, CourseVersion};

/// A course in the catalogue.
#[derive(Debug, Serialize)]
pub struct CatalogueEntry {
    pub course: CourseVersion,
    pub chapters: i64,
    pub minutes: i64,
    /// Kilobytes, rounded up.
    pub offline_kb: i64,
}

/// The current version of every course whose title or summary contains `search` (all of
/// them when it is empty), with its chapters, minutes and offline size.
pub async fn catalogue(db: &Db, search: String) -> Result<Vec<CatalogueEntry>, LearningError> {
    Ok(db
        .read(move |conn| {
            let courses = db::learning::catalogue(conn, Some(&search))?;
            let ids: Vec<VersionId> = courses.iter().map(|c| c.version_id).collect();
            let counts = db::learning::chapter_counts(conn, &ids)?;
            let sizes = db::learning::offline_sizes(conn, &ids)?;
            Ok::<_, DbError>(
                courses
                    .into_iter()
                    .map(|course| {
                        let (chapters, minutes) =
                            counts.get(&course.version_id).copied().unwrap_or_default();
                        let bytes = sizes.get(&course.version_id).copied().unwrap_or_default();
                        CatalogueEntry {
                            offline_kb: (bytes + 1023) / 1024,
                            course,
                            chapters,
                            minutes,
                        }
                    })
                    .collect(),
            )
        })
        .await?)
}

/// A chapter in a course's list, with this learner's state.
#[derive(Debug, Serialize)]
pub struct ChapterLine {
    pub chapter: ChapterSummary,
    pub state: ChapterState,
}

/// A course's current version, its chapters with the learner's states, and where
/// "continue" takes them.
#[derive(Debug, Serialize)]
pub struct CourseOverview {
    pub course: CourseVersion,
    pub chapters: Vec<ChapterLine>,
    /// The key of the chapter "continue" opens; `None` when all are done.
    pub continue_at: Option<String>,
    /// The learner has opened a chapter of the course.
    pub started: bool,
    pub percent: i64,
}

/// The course with this slug, with `learner`'s states (all "not started" for a visitor).
pub async fn course_overview(
    db: &Db,
    slug: String,
    learner: Option<UserId>,
) -> Result<CourseOverview, LearningError> {
    db.read(move |conn| {
        let Some((course, chapters)) = db::learning::current_with_chapters(conn, &slug)? else {
            return Err(LearningError::NotFound);
        };
        let (states, last) = match learner {
            Some(user) => {
                let progress = db::learning::progress(conn, user, course.course_id)?;
                let last = db::learning::last_chapter(conn, user, course.course_id)?;
                (states(&chapters, &progress), last)
            }
            None => (vec![ChapterState::NotStarted; chapters.len()], None),
        };
        let continue_at = continue_at(&chapters, &states, last.as_deref()).map(|c| c.key.clone());
        Ok(CourseOverview {
            percent: percent_done(&states),
            started: last.is_some(),
            continue_at,
            chapters: chapters
                .into_iter()
                .zip(states)
                .map(|(chapter, state)| ChapterLine { chapter, state })
                .collect(),
            course,
        })
    })
    .await
}

/// A course (or one chapter of it) as one document for paper.
#[derive(Debug, Serialize)]
pub struct Printable {
    pub course: CourseVersion,
    pub chapters: Vec<ChapterView>,
}

/// The current version of the course with this slug, all its chapters or only chapter
/// `only`, with their text.
pub async fn printable(
    db: &Db,
    slug: String,
    only: Option<String>,
) -> Result<Printable, LearningError> {
    db.read(move |conn| {
        let course = db::learning::current_version(conn, &slug)?.ok_or(LearningError::NotFound)?;
        let mut chapters = db::courses::chapters_of(conn, course.version_id)?;
        if let Some(key) = &only {
            chapters.retain(|c| &c.key == key);
            if chapters.is_empty() {
                return Err(LearningError::NotFound);
            }
        }
        Ok(Printable { course, chapters })
    })
    .await
}

/// The addresses of what reading a course offline needs of its own: its page, its chapters'
/// pages and the pictures they show.
pub async fn offline_urls(db: &Db, slug: String) -> Result<Vec<String>, LearningError> {
    let Printable { course, chapters } = printable(db, slug, None).await?;
    let base = format!("/courses/{}", course.slug);
    let mut urls = vec![base.clone()];
    let mut media = BTreeSet::new();
    for chapter in &chapters {
        urls.push(format!("{base}/{}", chapter.key));
        for html in [&chapter.html_km, &chapter.html_en] {
            for (start, _) in html.match_indices("/media/") {
                let url: String = html[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.'))
                    .collect();
                media.insert(url);
            }
        }
    }
    urls.extend(media);
    Ok(urls)
}
