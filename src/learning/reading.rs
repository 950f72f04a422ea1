//! The learner's path through a chapter: opening it, "I have read this", and what a step
//! there writes. The pages a learner asks for most confirm who is asking in the same trip
//! to the database as their own reads (the caller's `confirm`), and write only what a
//! step changes.

use std::sync::Arc;

use chrono::NaiveDateTime;

use super::published::{Chapter, Published};
use super::standing::Standing;
use super::{Confirmed, Learner, LearningError};
use crate::db::{self, Db, DbConnection, DbError};
use crate::model::ids::{CourseId, UserId};
use crate::model::learning::{Changes, ChapterSummary, CourseVersion, Step};

/// A chapter as a request names it: its course's slug and its key.
#[derive(Debug, Clone)]
pub struct ChapterAddress {
    pub slug: String,
    pub key: String,
}

/// A chapter of a course's current version, as its pages show it.
#[derive(Debug, Clone)]
pub struct Reading {
    pub version: CourseVersion,
    pub content: Arc<Chapter>,
    /// Where the chapter is in `content.chapters`.
    pub index: usize,
}

impl Reading {
    pub fn chapter(&self) -> &ChapterSummary {
        &self.content.chapters[self.index]
    }

    pub fn previous(&self) -> Option<&ChapterSummary> {
        self.index
            .checked_sub(1)
            .and_then(|i| self.content.chapters.get(i))
    }

    pub fn next(&self) -> Option<&ChapterSummary> {
        self.content.chapters.get(self.index + 1)
    }
}

/// A chapter found for a request, with where the learner (if one is recorded) stands in it.
pub struct Found {
    pub reading: Reading,
    learner: Option<(UserId, Standing)>,
}

impl Found {
    /// Chapter `at` of its course's current version: the version in one query, the chapter
    /// from memory after the first time.
    pub fn look_up(
        conn: &mut DbConnection,
        published: &Published,
        at: &ChapterAddress,
    ) -> Result<Option<Self>, DbError> {
        let Some(version) = db::learning::current_version(conn, &at.slug)? else {
            return Ok(None);
        };
        Self::with_content(conn, published, at, version, None)
    }

    /// As [`Found::look_up`], with where `user` stands in the chapter, read in the same
    /// query as the version.
    pub fn look_up_for(
        conn: &mut DbConnection,
        published: &Published,
        at: &ChapterAddress,
        user: UserId,
        now: NaiveDateTime,
    ) -> Result<Option<Self>, DbError> {
        let Some((version, stored)) =
            db::learning::current_version_standing(conn, &at.slug, &at.key, user)?
        else {
            return Ok(None);
        };
        let standing = Standing::of(&stored, &at.key, now);
        Self::with_content(conn, published, at, version, Some((user, standing)))
    }

    fn with_content(
        conn: &mut DbConnection,
        published: &Published,
        at: &ChapterAddress,
        version: CourseVersion,
        learner: Option<(UserId, Standing)>,
    ) -> Result<Option<Self>, DbError> {
        let Some(content) = published.chapter(conn, version.version_id, &at.key)? else {
            return Ok(None);
        };
        let Some(index) = content.chapters.iter().position(|c| c.key == at.key) else {
            return Ok(None);
        };
        Ok(Some(Self {
            reading: Reading {
                version,
                content,
                index,
            },
            learner,
        }))
    }

    /// The learner taking `step` here, with what recording it writes; `None` when no
    /// learner is recorded.
    pub fn take(&self, step: Step) -> Option<StepTaken> {
        let (user, standing) = self.learner?;
        Some(StepTaken {
            user,
            course: self.reading.version.course_id,
            content: Arc::clone(&self.reading.content),
            index: self.reading.index,
            changes: standing.changes(step),
        })
    }
}

/// A step a learner took in a chapter, decided in the same trip to the database as the
/// request's other look-ups, then recorded.
pub struct StepTaken {
    user: UserId,
    course: CourseId,
    content: Arc<Chapter>,
    index: usize,
    changes: Changes,
}

impl StepTaken {
    /// How many statements recording the step makes (none: nothing to write).
    pub fn statements(&self) -> usize {
        db::learning::statements(&self.changes)
    }

    pub fn record(&self, conn: &mut DbConnection, now: NaiveDateTime) -> Result<(), DbError> {
        let place =
            db::learning::Place::of(self.user, self.course, &self.content.chapters[self.index]);
        db::learning::record(conn, &place, &self.changes, now)
    }
}

/// Why a chapter page is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visit {
    /// Someone reads it: a signed-in learner has opened the chapter.
    Read,
    /// A course is being saved for offline reading, which fetches every chapter without
    /// opening any.
    SaveOffline,
}

/// Reading a chapter: the chapter of the course's current version, with who is asking
/// confirmed (`confirm`) in the same trip to the database; a signed-in learner's first
/// visit is recorded as opening it. A learner reading on (or reloading) a chapter they are
/// already at needs no write: last activity is kept to within [`super::ACTIVITY_STEP`].
pub async fn read_chapter<V, C>(
    db: &Db,
    published: &Arc<Published>,
    confirm: C,
    at: ChapterAddress,
    visit: Visit,
    now: NaiveDateTime,
) -> Result<Confirmed<V, Reading>, LearningError>
where
    V: Learner,
    C: FnOnce(&mut DbConnection) -> Result<Option<V>, DbError> + Send + 'static,
{
    let published = Arc::clone(published);
    let (viewer, found) = db
        .lookup(move |conn| {
            let viewer = confirm(conn)?;
            let found = match viewer.as_ref().filter(|_| visit == Visit::Read) {
                Some(learner) => Found::look_up_for(conn, &published, &at, learner.user_id(), now)?,
                None => Found::look_up(conn, &published, &at)?,
            };
            Ok::<_, DbError>((viewer, found))
        })
        .await?;
    let Some(found) = found else {
        return Ok(Confirmed {
            viewer,
            outcome: Err(LearningError::NotFound),
        });
    };
    let outcome = match found.take(Step::Opened).filter(|s| s.statements() > 0) {
        Some(step) => db
            .write(move |conn| step.record(conn, now))
            .await
            .map_err(LearningError::from),
        None => Ok(()),
    };
    Ok(Confirmed {
        viewer,
        outcome: outcome.map(|()| found.reading),
    })
}

/// Where a learner goes after a chapter: the next chapter, or (`chapter: None`) the final
/// assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextStop {
    pub slug: String,
    pub chapter: Option<String>,
}

/// "I have read this chapter": recorded once (a repeat within [`super::ACTIVITY_STEP`]
/// writes nothing), in the same trip to the database as confirming who is asking, the
/// chapter and where they stand. `Ok(None)`: the session no longer holds, and nothing was
/// written.
pub async fn mark_read<V, C>(
    db: &Db,
    published: &Arc<Published>,
    confirm: C,
    at: ChapterAddress,
    now: NaiveDateTime,
) -> Result<Option<NextStop>, LearningError>
where
    V: Learner,
    C: FnOnce(&mut DbConnection) -> Result<Option<V>, DbError> + Send + 'static,
{
    let published = Arc::clone(published);
    let found = db
        .write_after(
            move |conn| {
                let Some(learner) = confirm(conn)? else {
                    return Ok(None);
                };
                let user = learner.user_id();
                let Some(found) = Found::look_up_for(conn, &published, &at, user, now)? else {
                    return Ok(Some((None, 0)));
                };
                let next = NextStop {
                    slug: found.reading.version.slug.clone(),
                    chapter: found.reading.next().map(|c| c.key.clone()),
                };
                let step = found.take(Step::Read);
                let statements = step.as_ref().map_or(0, StepTaken::statements);
                Ok::<_, LearningError>(Some((Some((step, next)), statements)))
            },
            move |conn, found| match found {
                Some((Some(step), _)) => Ok(step.record(conn, now)?),
                _ => Ok(()),
            },
        )
        .await?;
    match found {
        None => Ok(None),
        Some(None) => Err(LearningError::NotFound),
        Some(Some((_, next))) => Ok(Some(next)),
    }
}
