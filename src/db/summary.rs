//! The summary of a learner's progress in a course, kept on their enrolment row (chapters
//! opened and read, when they completed, whether they hold a certificate in force) so that reports over
//! a whole ministry read one row a person. The write functions that change progress call
//! these in the same transaction; each recomputes its figure from the rows it summarises,
//! so a retried or doubled request leaves the summary right.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use diesel::dsl::exists;
use diesel::prelude::*;

use super::schema::{certificates, chapter_bits, chapter_progress, enrolments};
use super::{DbConnection, DbError, on_backend};
use crate::model::ids::{CourseId, UserId};
use crate::model::learning::ChapterSummary;

/// Makes sure the learner has an enrolment in the course: someone who completes or is
/// certified without having opened a chapter (an imported record, a direct link to the
/// final assessment) has started it all the same.
fn ensure_enrolled(
    conn: &mut DbConnection,
    user: UserId,
    course: CourseId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let row = (
        enrolments::user_id.eq(user),
        enrolments::course_id.eq(course),
        enrolments::started_at.eq(now),
        enrolments::last_chapter_key.eq(""),
        enrolments::last_activity_at.eq(now),
    );
    on_backend!(conn, |c| diesel::insert_into(enrolments::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

fn enrolment(
    user: UserId,
    course: CourseId,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<enrolments::table, diesel::dsl::Eq<enrolments::user_id, UserId>>,
    diesel::dsl::Eq<enrolments::course_id, CourseId>,
> {
    enrolments::table
        .filter(enrolments::user_id.eq(user))
        .filter(enrolments::course_id.eq(course))
}

/// A learner's progress in a course, as their enrolment row summarises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Progress {
    /// The chapters opened (any version of each), a bit a chapter
    /// (`db::courses::number_chapters`).
    opened: i64,
    /// How many chapters were read to the end (any version of each).
    read: i64,
}

/// Recomputes the learner's progress in a course from their progress rows, in one query.
pub(super) fn of_progress(
    conn: &mut DbConnection,
    user: UserId,
    course: CourseId,
) -> Result<Progress, DbError> {
    let rows: Vec<(String, bool, Option<i64>)> = chapter_progress::table
        .left_join(
            chapter_bits::table.on(chapter_bits::course_id
                .eq(chapter_progress::course_id)
                .and(chapter_bits::chapter_key.eq(chapter_progress::chapter_key))),
        )
        .filter(chapter_progress::user_id.eq(user))
        .filter(chapter_progress::course_id.eq(course))
        .select((
            chapter_progress::chapter_key,
            chapter_progress::read_at.is_not_null(),
            chapter_bits::mask.nullable(),
        ))
        .load(conn)?;
    let opened = rows.iter().filter_map(|r| r.2).fold(0, |all, m| all | m);
    let read: BTreeSet<&str> = rows.iter().filter(|r| r.1).map(|r| r.0.as_str()).collect();
    Ok(Progress {
        opened,
        read: read.len() as i64,
    })
}

/// Records that the learner is now at `place` (enrolling them on their first chapter), and
/// their recomputed progress when it changed.
pub(super) fn at_chapter(
    conn: &mut DbConnection,
    place: &Place,
    progress: Option<Progress>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let at = super::upserts::Enrolment {
        user: place.user.0,
        course: place.course.0,
        chapter: place.chapter.to_owned(),
        now,
    };
    match progress {
        Some(Progress { opened, read }) => {
            let upsert = super::upserts::EnrolmentWithProgress { at, opened, read };
            on_backend!(conn, |c| upsert.execute(c))?
        }
        None => on_backend!(conn, |c| at.execute(c))?,
    };
    Ok(())
}

/// Records when the learner completed the course (the first completion stays).
pub(super) fn completed(
    conn: &mut DbConnection,
    user: UserId,
    course: CourseId,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    ensure_enrolled(conn, user, course, at)?;
    diesel::update(enrolment(user, course).filter(enrolments::completed_at.is_null()))
        .set(enrolments::completed_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Whether the learner holds a certificate of the course that is not revoked, after one was
/// issued or revoked.
pub(super) fn certified(
    conn: &mut DbConnection,
    user: UserId,
    course: CourseId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    ensure_enrolled(conn, user, course, now)?;
    let in_force: bool = diesel::select(exists(
        certificates::table
            .filter(certificates::user_id.eq(user))
            .filter(certificates::course_id.eq(course))
            .filter(certificates::revoked_at.is_null()),
    ))
    .get_result(conn)?;
    diesel::update(enrolment(user, course))
        .set(enrolments::certified.eq(in_force))
        .execute(conn)?;
    Ok(())
}

/// One version of one chapter, for one learner: where progress is recorded.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub user: UserId,
    pub course: CourseId,
    pub chapter: &'a str,
    pub content_hash: &'a str,
}

impl<'a> Place<'a> {
    /// The chapter version `chapter` of `course`, for `user`.
    pub fn of(user: UserId, course: CourseId, chapter: &'a ChapterSummary) -> Self {
        Self {
            user,
            course,
            chapter: &chapter.key,
            content_hash: &chapter.content_hash,
        }
    }
}
