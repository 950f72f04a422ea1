//! Questions of a version, attempts at the final assessment, their answers, completions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{chapter_progress, questions};
use super::{DbConnection, DbError};
use crate::accounts::UserId;
use crate::courses::Question;

/// The questions of a version's practice check for `chapter`, or of its final assessment
/// (`chapter` = `None`), in the order written.
pub fn questions(
    conn: &mut DbConnection,
    version: i64,
    chapter: Option<&str>,
) -> Result<Vec<Question>, DbError> {
    let mut query = questions::table
        .filter(questions::version_id.eq(version))
        .order(questions::position)
        .select(questions::body)
        .into_boxed();
    query = match chapter {
        Some(key) => query
            .filter(questions::quiz.eq("practice"))
            .filter(questions::chapter_key.eq(key.to_owned())),
        None => query.filter(questions::quiz.eq("final")),
    };
    let bodies: Vec<String> = query.load(conn)?;
    bodies
        .iter()
        .map(|body| serde_json::from_str(body).map_err(|e| DbError::Corrupt(e.to_string())))
        .collect()
}

/// Records that the learner passed a chapter's practice check (which also means they read
/// it). Only the first time counts.
pub fn record_passed(
    conn: &mut DbConnection,
    user: UserId,
    course: i64,
    chapter: &str,
    content_hash: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    super::learning::record_read(conn, user, course, chapter, content_hash, now)?;
    diesel::update(
        chapter_progress::table
            .filter(chapter_progress::user_id.eq(user.0))
            .filter(chapter_progress::course_id.eq(course))
            .filter(chapter_progress::chapter_key.eq(chapter))
            .filter(chapter_progress::content_hash.eq(content_hash))
            .filter(chapter_progress::passed_at.is_null()),
    )
    .set(chapter_progress::passed_at.eq(now))
    .execute(conn)?;
    Ok(())
}
