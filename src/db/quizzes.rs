//! Questions of a version, attempts at the final assessment, their answers, completions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{attempt_answers, attempts, completions, questions};
use super::{DbConnection, DbError};
use crate::model::courses::Question;
use crate::model::ids::{AttemptId, CourseId, UserId, VersionId};
use crate::model::quizzes::Tally;

/// The questions of a version's practice check for `chapter`, or of its final assessment
/// (`chapter` = `None`), in the order written.
pub fn questions(
    conn: &mut DbConnection,
    version: VersionId,
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

/// An attempt at the final assessment, as stored.
#[derive(Debug, Clone, Queryable)]
pub struct AttemptRow {
    pub id: AttemptId,
    pub user_id: UserId,
    pub course_id: CourseId,
    pub version_id: VersionId,
    pub number: i32,
    pub draw: String,
    pub started_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub score: Option<i32>,
    pub passed: Option<bool>,
}

type AttemptColumns = (
    attempts::id,
    attempts::user_id,
    attempts::course_id,
    attempts::version_id,
    attempts::number,
    attempts::draw,
    attempts::started_at,
    attempts::submitted_at,
    attempts::score,
    attempts::passed,
);

const ATTEMPT: AttemptColumns = (
    attempts::id,
    attempts::user_id,
    attempts::course_id,
    attempts::version_id,
    attempts::number,
    attempts::draw,
    attempts::started_at,
    attempts::submitted_at,
    attempts::score,
    attempts::passed,
);

/// A learner's attempts at a course's final assessment, oldest first.
pub fn attempts_of(
    conn: &mut DbConnection,
    user: UserId,
    course: CourseId,
) -> Result<Vec<AttemptRow>, DbError> {
    Ok(attempts::table
        .filter(attempts::user_id.eq(user.0))
        .filter(attempts::course_id.eq(course))
        .order(attempts::number)
        .select(ATTEMPT)
        .load(conn)?)
}

pub fn attempt(conn: &mut DbConnection, id: AttemptId) -> Result<Option<AttemptRow>, DbError> {
    Ok(attempts::table
        .find(id)
        .select(ATTEMPT)
        .first(conn)
        .optional()?)
}

pub struct NewAttempt<'a> {
    pub user: UserId,
    pub course: CourseId,
    pub version: VersionId,
    pub number: i32,
    pub seed: i64,
    pub draw: &'a str,
    pub now: NaiveDateTime,
}

pub fn insert_attempt(conn: &mut DbConnection, a: &NewAttempt<'_>) -> Result<AttemptId, DbError> {
    let values = (
        attempts::user_id.eq(a.user.0),
        attempts::course_id.eq(a.course),
        attempts::version_id.eq(a.version),
        attempts::number.eq(a.number),
        attempts::seed.eq(a.seed),
        attempts::draw.eq(a.draw),
        attempts::started_at.eq(a.now),
    );
    Ok(super::on_backend!(conn, |c| diesel::insert_into(
        attempts::table
    )
    .values(values)
    .returning(attempts::id)
    .get_result::<AttemptId>(c))?)
}

/// The answers saved in an attempt: question key → chosen option keys (JSON).
pub fn answers(
    conn: &mut DbConnection,
    attempt: AttemptId,
) -> Result<Vec<(String, String)>, DbError> {
    let attempt = attempt.0;
    Ok(attempt_answers::table
        .filter(attempt_answers::attempt_id.eq(attempt))
        .select((attempt_answers::question_key, attempt_answers::chosen))
        .load(conn)?)
}

/// Saves (or replaces) the answer to one question.
pub fn save_answer(
    conn: &mut DbConnection,
    attempt: AttemptId,
    question: &str,
    chosen: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let attempt = attempt.0;
    let values = (
        attempt_answers::attempt_id.eq(attempt),
        attempt_answers::question_key.eq(question),
        attempt_answers::chosen.eq(chosen),
        attempt_answers::answered_at.eq(now),
    );
    super::on_backend!(conn, |c| diesel::insert_into(attempt_answers::table)
        .values(values)
        .on_conflict((attempt_answers::attempt_id, attempt_answers::question_key))
        .do_update()
        .set((
            attempt_answers::chosen.eq(chosen),
            attempt_answers::answered_at.eq(now)
        ))
        .execute(c))?;
    Ok(())
}

/// Closes an attempt with its result and the tally of its answers for reports; false when
/// it was already submitted.
pub fn submit(
    conn: &mut DbConnection,
    attempt: AttemptId,
    score: i32,
    passed: bool,
    tally: Option<Tally>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let attempt = attempt.0;
    let changed = diesel::update(
        attempts::table
            .find(attempt)
            .filter(attempts::submitted_at.is_null()),
    )
    .set((
        attempts::submitted_at.eq(Some(now)),
        attempts::score.eq(Some(score)),
        attempts::passed.eq(Some(passed)),
        attempts::answered_bits.eq(tally.map(|t| t.answered)),
        attempts::missed_bits.eq(tally.map(|t| t.missed)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The settings (JSON) stored with a version.
pub fn version_settings(
    conn: &mut DbConnection,
    version: VersionId,
) -> Result<Option<String>, DbError> {
    use super::schema::course_versions;
    Ok(course_versions::table
        .find(version)
        .select(course_versions::settings)
        .first(conn)
        .optional()?)
}

/// The learner's completion of a course, if recorded: (version number, score, when).
pub fn completion(
    conn: &mut DbConnection,
    user: UserId,
    course: CourseId,
) -> Result<Option<(i32, i32, NaiveDateTime)>, DbError> {
    Ok(completions::table
        .filter(completions::user_id.eq(user.0))
        .filter(completions::course_id.eq(course))
        .select((
            completions::version_number,
            completions::score,
            completions::completed_at,
        ))
        .first(conn)
        .optional()?)
}

/// Records a completion unless one exists; true when this call recorded it.
pub fn record_completion(
    conn: &mut DbConnection,
    user: UserId,
    course: CourseId,
    version: (VersionId, i32),
    score: i32,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let values = (
        completions::user_id.eq(user.0),
        completions::course_id.eq(course),
        completions::version_id.eq(version.0),
        completions::version_number.eq(version.1),
        completions::score.eq(score),
        completions::completed_at.eq(now),
    );
    let inserted = super::on_backend!(conn, |c| diesel::insert_into(completions::table)
        .values(values)
        .on_conflict_do_nothing()
        .execute(c))?;
    if inserted == 1 {
        super::summary::completed(conn, user, course, now)?;
    }
    Ok(inserted == 1)
}

/// Tallies the answers of up to `batch` submitted attempts that have no tally yet (those
/// submitted before attempts kept one: migration 000013), for reports; how many it
/// tallied. Attempts of a final assessment too large for a tally are not picked: the
/// report reads their answers.
pub fn tally_untallied(conn: &mut DbConnection, batch: i64) -> Result<usize, DbError> {
    let small_enough = questions::table
        .filter(questions::quiz.eq("final"))
        .group_by(questions::version_id)
        .having(diesel::dsl::count_star().le(Tally::MAX_QUESTIONS as i64))
        .select(questions::version_id);
    let untallied: Vec<(AttemptId, VersionId)> = attempts::table
        .filter(attempts::submitted_at.is_not_null())
        .filter(attempts::answered_bits.is_null())
        .filter(attempts::version_id.eq_any(small_enough))
        .order(attempts::id)
        .limit(batch)
        .select((attempts::id, attempts::version_id))
        .load(conn)?;
    let mut pools = std::collections::HashMap::new();
    let mut tallied = 0;
    for (id, version) in &untallied {
        if !pools.contains_key(version) {
            pools.insert(*version, questions(conn, *version, None)?);
        }
        let mut answered = crate::model::quizzes::Answers::new();
        for (key, chosen) in answers(conn, *id)? {
            answered.insert(key, serde_json::from_str(&chosen).unwrap_or_default());
        }
        let Some(tally) = pools
            .get(version)
            .and_then(|pool| Tally::of(pool, &answered))
        else {
            continue;
        };
        diesel::update(attempts::table.find(id))
            .set((
                attempts::answered_bits.eq(tally.answered),
                attempts::missed_bits.eq(tally.missed),
            ))
            .execute(conn)?;
        tallied += 1;
    }
    Ok(tallied)
}
