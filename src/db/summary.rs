//! The summary of a learner's progress in a course, kept on their enrolment row (chapters
//! opened and read, when they completed, whether they hold a certificate in force) so that reports over
//! a whole ministry read one row a person. The write functions that change progress call
//! these in the same transaction; each recomputes its figure from the rows it summarises,
//! so a retried or doubled request leaves the summary right.

use chrono::NaiveDateTime;
use diesel::dsl::{count, exists};
use diesel::prelude::*;

use super::schema::{certificates, chapter_bits, chapter_progress, enrolments};
use super::{DbConnection, DbError, on_backend};

/// Makes sure the learner has an enrolment in the course: someone who completes or is
/// certified without having opened a chapter (an imported record, a direct link to the
/// final assessment) has started it all the same.
fn ensure_enrolled(
    conn: &mut DbConnection,
    user: i64,
    course: i64,
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
    user: i64,
    course: i64,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<enrolments::table, diesel::dsl::Eq<enrolments::user_id, i64>>,
    diesel::dsl::Eq<enrolments::course_id, i64>,
> {
    enrolments::table
        .filter(enrolments::user_id.eq(user))
        .filter(enrolments::course_id.eq(course))
}

/// Marks the chapters the learner has opened (any version of each), a bit a chapter
/// (`db::courses::number_chapters`).
pub(super) fn chapters_opened(
    conn: &mut DbConnection,
    user: i64,
    course: i64,
) -> Result<(), DbError> {
    let masks: Vec<i64> = chapter_bits::table
        .filter(chapter_bits::course_id.eq(course))
        .filter(
            chapter_bits::chapter_key.eq_any(
                chapter_progress::table
                    .filter(chapter_progress::user_id.eq(user))
                    .filter(chapter_progress::course_id.eq(course))
                    .select(chapter_progress::chapter_key),
            ),
        )
        .select(chapter_bits::mask)
        .load(conn)?;
    diesel::update(enrolment(user, course))
        .set(enrolments::chapters_opened.eq(masks.iter().fold(0, |all, m| all | m)))
        .execute(conn)?;
    Ok(())
}

/// Counts the chapters the learner has read to the end (any version of each).
pub(super) fn chapters_read(
    conn: &mut DbConnection,
    user: i64,
    course: i64,
) -> Result<(), DbError> {
    let read: i64 = chapter_progress::table
        .filter(chapter_progress::user_id.eq(user))
        .filter(chapter_progress::course_id.eq(course))
        .filter(chapter_progress::read_at.is_not_null())
        .select(count(chapter_progress::chapter_key).aggregate_distinct())
        .first(conn)?;
    diesel::update(enrolment(user, course))
        .set(enrolments::chapters_read.eq(read))
        .execute(conn)?;
    Ok(())
}

/// Records when the learner completed the course (the first completion stays).
pub(super) fn completed(
    conn: &mut DbConnection,
    user: i64,
    course: i64,
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
    user: i64,
    course: i64,
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
