//! The practice check at the end of a chapter. Anyone may check their answers (readers
//! without an account with a GET form that records nothing); a signed-in learner who
//! answers every question completes the chapter, once. Ungraded: a wrong answer is shown
//! with its explanation, and completes the chapter all the same.

use std::sync::Arc;

use chrono::NaiveDateTime;

use super::{Answers, Feedback, feedback, validate};
use crate::db::{Db, DbConnection, DbError};
use crate::learning::published::Published;
use crate::learning::reading::{ChapterAddress, Found, Reading, StepTaken};
use crate::learning::{Learner, LearningError, Step};

/// Answers to a chapter's practice check, checked.
#[derive(Debug)]
pub struct Checked {
    pub reading: Reading,
    pub answers: Answers,
    /// Every question was answered: the chapter is complete.
    pub complete: bool,
}

impl Checked {
    /// Each question with the learner's answer, right or wrong, and its explanation.
    pub fn feedback(&self) -> Vec<Feedback<'_>> {
        feedback(&self.reading.content.practice, &self.answers)
    }
}

/// Checks `answers` against the practice questions of the chapter found, and what passing
/// it records (only when every question was answered, and a learner is recorded).
fn judge(found: Found, answers: Answers) -> Result<(Checked, Option<StepTaken>), LearningError> {
    let questions = &found.reading.content.practice;
    if questions.is_empty() {
        return Err(LearningError::NotFound);
    }
    validate(questions, &answers).map_err(|_| LearningError::BadAnswer)?;
    let complete = feedback(questions, &answers).iter().all(|f| f.answered);
    let step = if complete {
        found.take(Step::Passed)
    } else {
        None
    };
    let checked = Checked {
        reading: found.reading,
        answers,
        complete,
    };
    Ok((checked, step))
}

/// Checking answers without recording anything (the GET form), with who is asking
/// confirmed (`confirm`) in the same trip to the database.
pub async fn check<V, C>(
    db: &Db,
    published: &Arc<Published>,
    confirm: C,
    at: ChapterAddress,
    answers: Answers,
) -> Result<(Option<V>, Checked), LearningError>
where
    V: Learner,
    C: FnOnce(&mut DbConnection) -> Result<Option<V>, DbError> + Send + 'static,
{
    let published = Arc::clone(published);
    db.lookup(move |conn| {
        let viewer = confirm(conn)?;
        let found = Found::look_up(conn, &published, &at)?.ok_or(LearningError::NotFound)?;
        let (checked, _) = judge(found, answers)?;
        Ok((viewer, checked))
    })
    .await
}

/// A signed-in learner answering the practice check: the person (`confirm`), the chapter,
/// the answers checked and where the learner stands are looked up, and a pass recorded, in
/// one trip to the database. `Ok(None)`: the session no longer holds, and nothing was
/// written.
pub async fn answer<V, C>(
    db: &Db,
    published: &Arc<Published>,
    confirm: C,
    at: ChapterAddress,
    answers: Answers,
    now: NaiveDateTime,
) -> Result<Option<(V, Checked)>, LearningError>
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
                let found = Found::look_up_for(conn, &published, &at, user, now)?
                    .ok_or(LearningError::NotFound)?;
                let (checked, step) = judge(found, answers)?;
                let statements = step.as_ref().map_or(0, StepTaken::statements);
                Ok::<_, LearningError>(Some(((learner, checked, step), statements)))
            },
            move |conn, (_, _, step)| match step {
                Some(step) => Ok(step.record(conn, now)?),
                None => Ok(()),
            },
        )
        .await?;
    Ok(found.map(|(learner, checked, _)| (learner, checked)))
}
