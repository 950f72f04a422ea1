//! Quizzes: the practice check at the end of each chapter (ungraded, immediate feedback) and
//! the graded final assessment (attempts drawn from a seed, answers saved one by one,
//! graded on the server). Plain types and functions; the SQL is in `db::quizzes`.

pub mod attempts;
pub mod practice;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::courses::Question;
pub use crate::model::quizzes::{Answers, Tally, is_correct};

/// Reads `q.<key>=<option>` pairs (a multiple-choice question sends several).
pub fn answers_from_form(fields: &[(String, String)]) -> Answers {
    let mut answers = Answers::new();
    for (name, value) in fields {
        if let Some(key) = name.strip_prefix("q.") {
            answers
                .entry(key.to_owned())
                .or_default()
                .insert(value.clone());
        }
    }
    answers
}

/// Why an answer is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerError {
    /// The question is not part of this quiz or attempt.
    UnknownQuestion,
    /// An option the question does not have, or several for a one-answer question.
    BadOption,
}

/// Checks that every answer names a question of `questions` and options it has.
pub fn validate(questions: &[Question], answers: &Answers) -> Result<(), AnswerError> {
    for (key, chosen) in answers {
        let question = questions
            .iter()
            .find(|q| &q.key == key)
            .ok_or(AnswerError::UnknownQuestion)?;
        if chosen
            .iter()
            .any(|c| !question.options.iter().any(|o| &o.key == c))
        {
            return Err(AnswerError::BadOption);
        }
        if question.kind != crate::courses::QuestionKind::Multiple && chosen.len() > 1 {
            return Err(AnswerError::BadOption);
        }
    }
    Ok(())
}

/// One question with the learner's answer, after checking.
#[derive(Debug, Clone, Serialize)]
pub struct Feedback<'a> {
    pub question: &'a Question,
    pub chosen: Vec<String>,
    pub answered: bool,
    pub correct: bool,
}

pub fn feedback<'a>(questions: &'a [Question], answers: &Answers) -> Vec<Feedback<'a>> {
    questions
        .iter()
        .map(|question| {
            let chosen = answers.get(&question.key).cloned().unwrap_or_default();
            Feedback {
                question,
                answered: !chosen.is_empty(),
                correct: is_correct(question, &chosen),
                chosen: chosen.into_iter().collect(),
            }
        })
        .collect()
}

/// The questions of one attempt, in the order shown, each with its options in the order
/// shown. Stored on the attempt, so a reload shows the same attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draw {
    pub questions: Vec<DrawnQuestion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawnQuestion {
    pub key: String,
    pub options: Vec<String>,
}

/// Draws `count` questions from `pool` and shuffles them and their options, the same way
/// every time for the same seed (ChaCha8, whose output is fixed by its specification).
/// True/false options keep their order.
pub fn draw(pool: &[Question], count: Option<usize>, seed: u64) -> Draw {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut order: Vec<&Question> = pool.iter().collect();
    order.shuffle(&mut rng);
    order.truncate(count.unwrap_or(pool.len()).min(pool.len()));
    let questions = order
        .into_iter()
        .map(|question| {
            let mut options: Vec<String> = question.options.iter().map(|o| o.key.clone()).collect();
            if question.kind != crate::courses::QuestionKind::TrueFalse {
                options.shuffle(&mut rng);
            }
            DrawnQuestion {
                key: question.key.clone(),
                options,
            }
        })
        .collect();
    Draw { questions }
}

/// Score in percent of the drawn questions answered exactly right.
pub fn score(pool: &[Question], draw: &Draw, answers: &Answers) -> i32 {
    if draw.questions.is_empty() {
        return 0;
    }
    let right = draw
        .questions
        .iter()
        .filter(|drawn| {
            let chosen = answers.get(&drawn.key).cloned().unwrap_or_default();
            pool.iter()
                .find(|q| q.key == drawn.key)
                .is_some_and(|q| is_correct(q, &chosen))
        })
        .count();
    (right * 100 / draw.questions.len()) as i32
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::courses::{AnswerOption, Bilingual, QuestionKind};

    fn question(key: &str, kind: QuestionKind, correct: &[&str], options: &[&str]) -> Question {
        Question {
            key: key.into(),
            kind,
            chapter: "c".into(),
            section: "s".into(),
            prompt: Bilingual::default(),
            explanation: Bilingual::default(),
            options: options
                .iter()
                .map(|o| AnswerOption {
                    key: (*o).into(),
                    text: Bilingual::default(),
                    correct: correct.contains(o),
                })
                .collect(),
        }
    }

    fn set(keys: &[&str]) -> BTreeSet<String> {
        keys.iter().map(|k| (*k).to_owned()).collect()
    }

    #[test]
    fn each_kind_is_graded_exactly() {
        let single = question("a", QuestionKind::Single, &["x"], &["x", "y"]);
        assert!(is_correct(&single, &set(&["x"])));
        assert!(!is_correct(&single, &set(&["y"])));
        assert!(!is_correct(&single, &set(&[])));
        let multiple = question("b", QuestionKind::Multiple, &["x", "y"], &["x", "y", "z"]);
        assert!(is_correct(&multiple, &set(&["x", "y"])));
        assert!(
            !is_correct(&multiple, &set(&["x"])),
            "partly right is wrong"
        );
        assert!(!is_correct(&multiple, &set(&["x", "y", "z"])));
        let tf = question("c", QuestionKind::TrueFalse, &["false"], &["true", "false"]);
        assert!(is_correct(&tf, &set(&["false"])));
        assert!(!is_correct(&tf, &set(&["true"])));
    }

    #[test]
    fn the_same_seed_draws_the_same_attempt() {
        let pool: Vec<Question> = (0..20)
            .map(|i| {
                question(
                    &format!("q{i}"),
                    QuestionKind::Single,
                    &["a"],
                    &["a", "b", "c", "d"],
                )
            })
            .collect();
        let first = draw(&pool, Some(15), 42);
        assert_eq!(first, draw(&pool, Some(15), 42));
        assert_ne!(first, draw(&pool, Some(15), 43));
        assert_eq!(first.questions.len(), 15);
        let keys: BTreeSet<_> = first.questions.iter().map(|q| &q.key).collect();
        assert_eq!(keys.len(), 15, "no question twice");
    }

    #[test]
    fn answers_are_checked_against_the_questions() {
        let pool = vec![question("a", QuestionKind::Single, &["x"], &["x", "y"])];
        let mut answers = Answers::new();
        answers.insert("a".into(), set(&["x"]));
        assert_eq!(validate(&pool, &answers), Ok(()));
        answers.insert("a".into(), set(&["x", "y"]));
        assert_eq!(validate(&pool, &answers), Err(AnswerError::BadOption));
        answers.insert("a".into(), set(&["nope"]));
        assert_eq!(validate(&pool, &answers), Err(AnswerError::BadOption));
        let mut other = Answers::new();
        other.insert("zzz".into(), set(&["x"]));
        assert_eq!(validate(&pool, &other), Err(AnswerError::UnknownQuestion));
    }

    #[test]
    fn a_tally_reads_back_as_the_answers_it_was_made_from() {
        let pool: Vec<Question> = (0..5)
            .map(|i| question(&format!("q{i}"), QuestionKind::Single, &["x"], &["x", "y"]))
            .collect();
        let mut answers = Answers::new();
        answers.insert("q0".into(), set(&["x"]));
        answers.insert("q2".into(), set(&["y"]));
        answers.insert("q4".into(), set(&[]));
        answers.insert("gone".into(), set(&["x"]));
        let tally = Tally::of(&pool, &answers).expect("fits");
        let read: Vec<(&str, bool)> = tally
            .questions(&pool)
            .map(|(q, missed)| (q.key.as_str(), missed))
            .collect();
        assert_eq!(read, [("q0", false), ("q2", true), ("q4", true)]);
        let big: Vec<Question> = (0..64)
            .map(|i| question(&format!("q{i}"), QuestionKind::Single, &["x"], &["x"]))
            .collect();
        assert_eq!(Tally::of(&big, &answers), None, "64 questions do not fit");
        assert!(Tally::of(&big[..63], &answers).is_some());
    }
}
