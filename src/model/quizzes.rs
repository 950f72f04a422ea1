//! Answers and their tally as stored. `is_correct` is here because the tally kept with
//! every attempt is defined by it, and the data layer tallies attempts made before tallies
//! were kept.

use std::collections::{BTreeMap, BTreeSet};

use super::courses::Question;

/// What a learner chose: question key → option keys. Parsed from form fields named
/// `q.<question key>`; a question with no field was not answered.
pub type Answers = BTreeMap<String, BTreeSet<String>>;

/// Right when the chosen options are exactly the correct ones: a partly right multiple
/// choice is wrong.
pub fn is_correct(question: &Question, chosen: &BTreeSet<String>) -> bool {
    let correct: BTreeSet<&str> = question
        .options
        .iter()
        .filter(|o| o.correct)
        .map(|o| o.key.as_str())
        .collect();
    let chosen: BTreeSet<&str> = chosen.iter().map(String::as_str).collect();
    !chosen.is_empty() && chosen == correct
}

/// Which questions of a final assessment an attempt answered and which it answered wrongly,
/// kept with the attempt for reports: a bit per question, in the order of the version's
/// final assessment (`pool`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub answered: i64,
    pub missed: i64,
}

impl Tally {
    /// At most this many questions fit (a bit each in a positive 64-bit integer).
    pub const MAX_QUESTIONS: usize = 63;

    /// The tally of `answers` against `pool`; `None` when the pool has more questions than
    /// fit, and the report reads the answers instead.
    pub fn of(pool: &[Question], answers: &Answers) -> Option<Tally> {
        if pool.len() > Self::MAX_QUESTIONS {
            return None;
        }
        let mut tally = Tally {
            answered: 0,
            missed: 0,
        };
        for (bit, question) in pool.iter().enumerate() {
            if let Some(chosen) = answers.get(&question.key) {
                tally.answered |= 1 << bit;
                if !is_correct(question, chosen) {
                    tally.missed |= 1 << bit;
                }
            }
        }
        Some(tally)
    }

    /// The questions of `pool` answered, each with whether it was missed.
    pub fn questions(self, pool: &[Question]) -> impl Iterator<Item = (&Question, bool)> {
        pool.iter()
            .take(Self::MAX_QUESTIONS)
            .enumerate()
            .filter(move |(bit, _)| self.answered & (1 << bit) != 0)
            .map(move |(bit, q)| (q, self.missed & (1 << bit) != 0))
    }
}
