//! The graded final assessment: who may start an attempt, answers saved one by one (a lost
//! connection loses nothing), grading on the server, and completion, recorded once.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDateTime;
use rand::RngCore;
use serde::Serialize;

use super::{AnswerError, Answers, Draw, Tally, is_correct, score};
use crate::accounts::UserId;
use crate::certificates::{Authority, Completed};
use crate::courses::{CourseMeta, Question};
use crate::db::quizzes::{AttemptRow, NewAttempt};
use crate::db::{self, Db, DbConnection, DbError};
use crate::learning::{self, CourseVersion};
use crate::model::ids::{AttemptId, CourseId, VersionId};

#[derive(Debug, thiserror::Error)]
pub enum FinalError {
    #[error("the chapters are not all complete")]
    NotEligible,
    #[error("no attempts left")]
    NoAttemptsLeft,
    #[error("wait {minutes} minutes")]
    Wait { minutes: i64 },
    #[error("no such attempt")]
    NotFound,
    #[error("the attempt was already submitted")]
    Submitted,
    #[error("not an answer to this attempt")]
    BadAnswer,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A course's rules for its final assessment, from its version's settings.
pub fn rules(version: &CourseVersion) -> Result<CourseMeta, FinalError> {
    serde_json::from_str(&version.settings)
        .map_err(|e| FinalError::Db(DbError::Corrupt(e.to_string())))
}

/// An attempt with its draw and saved answers.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub id: AttemptId,
    pub course_id: CourseId,
    pub number: i32,
    pub started_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub score: Option<i32>,
    pub passed: Option<bool>,
    #[serde(skip)]
    pub draw: Draw,
    #[serde(skip)]
    pub answers: Answers,
}

fn to_attempt(conn: &mut DbConnection, row: AttemptRow) -> Result<Attempt, FinalError> {
    let draw: Draw =
        serde_json::from_str(&row.draw).map_err(|e| DbError::Corrupt(e.to_string()))?;
    let mut answers = Answers::new();
    for (key, chosen) in db::quizzes::answers(conn, row.id)? {
        let chosen: BTreeSet<String> =
            serde_json::from_str(&chosen).map_err(|e| DbError::Corrupt(e.to_string()))?;
        answers.insert(key, chosen);
    }
    Ok(Attempt {
        id: row.id,
        course_id: row.course_id,
        number: row.number,
        started_at: row.started_at,
        submitted_at: row.submitted_at,
        score: row.score,
        passed: row.passed,
        draw,
        answers,
    })
}

/// Where a learner stands with a course's final assessment.
#[derive(Debug, Clone, Serialize)]
pub struct Standing {
    pub attempts: Vec<Attempt>,
    pub limit: i64,
    pub pass_mark: i64,
    /// Chapters all complete (or the course opens the assessment from the start).
    pub eligible: bool,
    /// Minutes to wait before the next attempt may start.
    pub wait: i64,
    /// The attempt in progress, if one is.
    pub open: Option<AttemptId>,
    pub completed: Option<(i32, i32, NaiveDateTime)>,
}

fn standing_in(
    conn: &mut DbConnection,
    user: UserId,
    version: &CourseVersion,
    now: NaiveDateTime,
) -> Result<Standing, FinalError> {
    let meta = rules(version)?;
    let chapters = db::learning::chapter_list(conn, version.version_id)?;
    let progress = db::learning::progress(conn, user, version.course_id)?;
    let done = learning::states(&chapters, &progress)
        .iter()
        .all(|s| s.is_done());
    let rows = db::quizzes::attempts_of(conn, user, version.course_id)?;
    let attempts = rows
        .into_iter()
        .map(|row| to_attempt(conn, row))
        .collect::<Result<Vec<_>, _>>()?;
    let open = attempts
        .iter()
        .find(|a| a.submitted_at.is_none())
        .map(|a| a.id);
    let wait = attempts
        .iter()
        .filter_map(|a| a.submitted_at)
        .max()
        .map_or(0, |last| {
            let ready = last + chrono::Duration::minutes(meta.wait_minutes);
            ((ready - now).num_seconds() + 59).div_euclid(60).max(0)
        });
    Ok(Standing {
        limit: meta.attempts,
        pass_mark: meta.pass_mark,
        eligible: done || meta.final_from_start,
        wait,
        open,
        completed: db::quizzes::completion(conn, user, version.course_id)?,
        attempts,
    })
}

/// One question of an attempt as the learner sees it: the prompt, the options in the
/// attempt's own order (never which are right), and what they chose so far.
#[derive(Debug, Serialize)]
pub struct AskedQuestion<'a> {
    pub number: usize,
    pub total: usize,
    pub prompt: &'a crate::courses::Bilingual,
    pub kind: crate::courses::QuestionKind,
    pub options: Vec<AskedOption<'a>>,
    pub chosen: Vec<&'a String>,
}

/// An option as the learner sees it: its key and text, not whether it is right.
#[derive(Debug, Serialize)]
pub struct AskedOption<'a> {
    pub key: &'a str,
    pub text: &'a crate::courses::Bilingual,
}

/// Question `number` (from 1) of `attempt`, drawn from `pool`; `None` when there is no
/// such question.
pub fn asked<'a>(
    attempt: &'a Attempt,
    pool: &'a [Question],
    number: usize,
) -> Option<AskedQuestion<'a>> {
    let drawn = attempt.draw.questions.get(number.checked_sub(1)?)?;
    let question = pool.iter().find(|q| q.key == drawn.key)?;
    let options = drawn
        .options
        .iter()
        .filter_map(|key| question.options.iter().find(|o| &o.key == key))
        .map(|o| AskedOption {
            key: &o.key,
            text: &o.text,
        })
        .collect();
    Some(AskedQuestion {
        number,
        total: attempt.draw.questions.len(),
        prompt: &question.prompt,
        kind: question.kind,
        options,
        chosen: attempt
            .answers
            .get(&drawn.key)
            .map(|c| c.iter().collect())
            .unwrap_or_default(),
    })
}

/// The course's current version, for its final assessment; `None` when it has none.
pub async fn course_version(db: &Db, slug: String) -> Result<Option<CourseVersion>, DbError> {
    db.read(move |conn| db::learning::current_version(conn, &slug))
        .await
}

pub async fn standing(
    db: &Db,
    user: UserId,
    version: CourseVersion,
    now: NaiveDateTime,
) -> Result<Standing, FinalError> {
    db.read(move |conn| standing_in(conn, user, &version, now))
        .await
}

/// Starts an attempt, or returns the one already open (a double click starts one).
pub async fn start(
    db: &Db,
    user: UserId,
    version: CourseVersion,
    now: NaiveDateTime,
) -> Result<AttemptId, FinalError> {
    match start_once(db, user, version.clone(), now).await {
        // Two starts racing (a double click on PostgreSQL): the other one made the attempt.
        Err(FinalError::Db(error)) if error.is_unique_violation() => {
            let standing = standing(db, user, version, now).await?;
            standing.open.ok_or(FinalError::Db(error))
        }
        other => other,
    }
}

async fn start_once(
    db: &Db,
    user: UserId,
    version: CourseVersion,
    now: NaiveDateTime,
) -> Result<AttemptId, FinalError> {
    let seed = rand::rngs::OsRng.next_u64();
    db.write(move |conn| {
        let standing = standing_in(conn, user, &version, now)?;
        if let Some(open) = standing.open {
            return Ok(open);
        }
        if !standing.eligible {
            return Err(FinalError::NotEligible);
        }
        if standing.completed.is_some() || standing.attempts.len() as i64 >= standing.limit {
            return Err(FinalError::NoAttemptsLeft);
        }
        if standing.wait > 0 {
            return Err(FinalError::Wait {
                minutes: standing.wait,
            });
        }
        let meta = rules(&version)?;
        let pool = db::quizzes::questions(conn, version.version_id, None)?;
        let draw = super::draw(&pool, meta.questions_per_attempt, seed);
        let draw = serde_json::to_string(&draw).map_err(|e| DbError::Corrupt(e.to_string()))?;
        Ok(db::quizzes::insert_attempt(
            conn,
            &NewAttempt {
                user,
                course: version.course_id,
                version: version.version_id,
                number: standing.attempts.len() as i32 + 1,
                seed: seed as i64,
                draw: &draw,
                now,
            },
        )?)
    })
    .await
}

/// A learner's own attempt with its question pool; someone else's is "not found".
pub async fn load(
    db: &Db,
    user: UserId,
    course: CourseId,
    id: AttemptId,
) -> Result<(Attempt, Vec<Question>), FinalError> {
    db.read(move |conn| {
        let row = db::quizzes::attempt(conn, id)?
            .filter(|r| r.user_id == user && r.course_id == course)
            .ok_or(FinalError::NotFound)?;
        let pool = db::quizzes::questions(conn, row.version_id, None)?;
        Ok((to_attempt(conn, row)?, pool))
    })
    .await
}

/// Saves the answer to question `index` (0-based) of an open attempt.
pub async fn answer(
    db: &Db,
    user: UserId,
    course: CourseId,
    id: AttemptId,
    index: usize,
    chosen: BTreeSet<String>,
    now: NaiveDateTime,
) -> Result<(), FinalError> {
    db.write(move |conn| {
        let row = db::quizzes::attempt(conn, id)?
            .filter(|r| r.user_id == user && r.course_id == course)
            .ok_or(FinalError::NotFound)?;
        if row.submitted_at.is_some() {
            return Err(FinalError::Submitted);
        }
        let version = row.version_id;
        let attempt = to_attempt(conn, row)?;
        let drawn = attempt
            .draw
            .questions
            .get(index)
            .ok_or(FinalError::NotFound)?;
        let pool = db::quizzes::questions(conn, version, None)?;
        let mut answers = Answers::new();
        answers.insert(drawn.key.clone(), chosen.clone());
        super::validate(&pool, &answers).map_err(|_: AnswerError| FinalError::BadAnswer)?;
        let json = serde_json::to_string(&chosen).map_err(|e| DbError::Corrupt(e.to_string()))?;
        Ok(db::quizzes::save_answer(conn, id, &drawn.key, &json, now)?)
    })
    .await
}

/// A completed course, for the certificates to be issued from (the hook below).
#[derive(Debug, Clone, Serialize)]
pub struct Completion {
    pub user: UserId,
    pub course_id: CourseId,
    pub version_id: VersionId,
    pub version_number: i32,
    pub score: i32,
    pub completed_at: NaiveDateTime,
}

/// Grades and closes an attempt. Submitting twice changes nothing: the second call returns
/// the first result. A pass with every chapter complete records the completion, once.
pub async fn submit(
    db: &Db,
    authority: &Arc<Authority>,
    user: UserId,
    id: AttemptId,
    version: CourseVersion,
    now: NaiveDateTime,
) -> Result<Option<Completion>, FinalError> {
    let completion = db
        .write(move |conn| {
            let row = db::quizzes::attempt(conn, id)?
                .filter(|r| r.user_id == user && r.course_id == version.course_id)
                .ok_or(FinalError::NotFound)?;
            if row.submitted_at.is_some() {
                return Ok::<_, FinalError>(None);
            }
            let attempt = to_attempt(conn, row.clone())?;
            let pool = db::quizzes::questions(conn, row.version_id, None)?;
            // The pass mark of the version the attempt was drawn from.
            let settings =
                db::quizzes::version_settings(conn, row.version_id)?.ok_or(FinalError::NotFound)?;
            let meta: CourseMeta = serde_json::from_str(&settings)
                .map_err(|e| FinalError::Db(DbError::Corrupt(e.to_string())))?;
            let result = score(&pool, &attempt.draw, &attempt.answers);
            let passed = i64::from(result) >= meta.pass_mark;
            let tally = Tally::of(&pool, &attempt.answers);
            if !db::quizzes::submit(conn, id, result, passed, tally, now)? {
                return Ok(None);
            }
            let standing = standing_in(conn, user, &version, now)?;
            let chapters_done = {
                let chapters = db::learning::chapter_list(conn, version.version_id)?;
                let progress = db::learning::progress(conn, user, version.course_id)?;
                learning::states(&chapters, &progress)
                    .iter()
                    .all(|s| s.is_done())
            };
            if passed && chapters_done && standing.completed.is_none() {
                let recorded = db::quizzes::record_completion(
                    conn,
                    user,
                    version.course_id,
                    (version.version_id, version.number),
                    result,
                    now,
                )?;
                if recorded {
                    return Ok(Some(Completion {
                        user,
                        course_id: version.course_id,
                        version_id: version.version_id,
                        version_number: version.number,
                        score: result,
                        completed_at: now,
                    }));
                }
            }
            Ok(None)
        })
        .await?;
    if let Some(done) = &completion {
        on_completed(db, authority, done).await;
    }
    Ok(completion)
}

/// Records the completion of a learner who passed an attempt before finishing the chapters
/// (a course whose final assessment is open from the start) once the chapters are done.
pub async fn settle(
    db: &Db,
    authority: &Arc<Authority>,
    user: UserId,
    version: CourseVersion,
    now: NaiveDateTime,
) -> Result<(), FinalError> {
    let completion = db
        .write(move |conn| {
            let standing = standing_in(conn, user, &version, now)?;
            let best = standing
                .attempts
                .iter()
                .filter(|a| a.passed == Some(true))
                .filter_map(|a| a.score)
                .max();
            let chapters = db::learning::chapter_list(conn, version.version_id)?;
            let progress = db::learning::progress(conn, user, version.course_id)?;
            let done = learning::states(&chapters, &progress)
                .iter()
                .all(|s| s.is_done());
            match best {
                Some(score) if done && standing.completed.is_none() => {
                    let recorded = db::quizzes::record_completion(
                        conn,
                        user,
                        version.course_id,
                        (version.version_id, version.number),
                        score,
                        now,
                    )?;
                    Ok::<_, FinalError>(recorded.then_some(Completion {
                        user,
                        course_id: version.course_id,
                        version_id: version.version_id,
                        version_number: version.number,
                        score,
                        completed_at: now,
                    }))
                }
                _ => Ok(None),
            }
        })
        .await?;
    if let Some(done) = &completion {
        on_completed(db, authority, done).await;
    }
    Ok(())
}

/// Called once when a learner completes a course: issues the certificate, in its own
/// transaction so that a failure there never loses the completion (the learner's page
/// issues a missing certificate later; see `certificates::issue_missing`).
async fn on_completed(db: &Db, authority: &Arc<Authority>, completion: &Completion) {
    tracing::info!(
        user = completion.user.0,
        course = completion.course_id.0,
        version = completion.version_number,
        score = completion.score,
        "course completed"
    );
    let done = Completed {
        user: completion.user,
        course_id: completion.course_id,
        version_id: completion.version_id,
        score: completion.score,
        completed_at: completion.completed_at,
    };
    let now = completion.completed_at;
    // Two certificates issued at the same moment by the same key may draw the same place
    // in its status list; the unique index refuses the second, which then tries again.
    for _ in 0..3 {
        let authority = Arc::clone(authority);
        let done = done.clone();
        match db
            .write(move |conn| authority.issue(conn, &done, now))
            .await
        {
            Ok(_) => return,
            Err(crate::certificates::CertError::Db(e)) if e.is_unique_violation() => continue,
            Err(error) => {
                tracing::error!(%error, "the certificate could not be issued; it will be on the next visit");
                return;
            }
        }
    }
}

/// For the result page: each drawn question, whether it was right, and (for the missed
/// ones) its explanation and section — never the right answer.
#[derive(Debug, Clone, Serialize)]
pub struct Reviewed<'a> {
    pub question: &'a Question,
    pub correct: bool,
}

pub fn review<'a>(pool: &'a [Question], attempt: &Attempt) -> Vec<Reviewed<'a>> {
    attempt
        .draw
        .questions
        .iter()
        .filter_map(|drawn| {
            let question = pool.iter().find(|q| q.key == drawn.key)?;
            let chosen = attempt.answers.get(&drawn.key).cloned().unwrap_or_default();
            Some(Reviewed {
                question,
                correct: is_correct(question, &chosen),
            })
        })
        .collect()
}
