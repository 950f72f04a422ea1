//! Where a learner stands in one version of one chapter, and what taking a step there
//! changes: the rules that keep recording progress to the writes that matter.

use chrono::NaiveDateTime;

use super::ACTIVITY_STEP;
use crate::model::learning::{Changes, Step, StoredStanding};

/// Where a learner stands with one version of one chapter, read in the same query as the
/// course's current version, before recording progress on it, so that only what changes
/// is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    pub opened: bool,
    pub read: bool,
    pub passed: bool,
    /// Recorded as being at this chapter, and active within the last [`ACTIVITY_STEP`].
    pub here: bool,
}

impl Standing {
    /// Where the learner stands in chapter `key`, from what the database holds, at `now`.
    pub fn of(stored: &StoredStanding, key: &str, now: NaiveDateTime) -> Self {
        let fresh_since = now - ACTIVITY_STEP;
        Self {
            opened: stored.opened,
            read: stored.read,
            passed: stored.passed,
            here: stored
                .last
                .as_ref()
                .is_some_and(|(at, active)| at == key && *active >= fresh_since),
        }
    }

    /// Taking `step` here would change nothing worth a write: the chapter is already that
    /// far along, and the learner's last activity there is fresh enough.
    pub fn has(self, step: Step) -> bool {
        let done = match step {
            Step::Opened => self.opened,
            Step::Read => self.read,
            Step::Passed => self.passed,
        };
        done && self.here
    }

    /// What recording `step` from here changes: nothing when the learner [`has`] it
    /// already; else the progress row the first time a chapter is opened, read or passed
    /// (passing reads it too), the summary when a chapter is opened or read for the first
    /// time, and the enrolment whenever the summary changes or the learner moved here.
    ///
    /// [`has`]: Standing::has
    pub fn changes(self, step: Step) -> Changes {
        if self.has(step) {
            return Changes::default();
        }
        let read = step >= Step::Read && !self.read;
        let passed = step == Step::Passed && !self.passed;
        let summary = !self.opened || read;
        Changes {
            progress: !self.opened || read || passed,
            read,
            passed,
            summary,
            enrolment: summary || !self.here,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> NaiveDateTime {
        NaiveDateTime::default() + chrono::Duration::minutes(minutes)
    }

    #[test]
    fn a_step_taken_recently_changes_nothing_and_a_new_one_only_what_it_adds() {
        let stored = StoredStanding {
            opened: true,
            read: true,
            passed: false,
            last: Some(("water".into(), at(0))),
        };
        let fresh = Standing::of(&stored, "water", at(5));
        assert!(fresh.here);
        assert_eq!(fresh.changes(Step::Read), Changes::default());
        let passing = fresh.changes(Step::Passed);
        assert!(passing.progress && passing.passed && !passing.read);
        assert!(!passing.summary && !passing.enrolment);

        let later = Standing::of(&stored, "water", at(15));
        assert!(!later.here);
        let again = later.changes(Step::Read);
        assert_eq!(
            (again.progress, again.summary, again.enrolment),
            (false, false, true),
            "only the last activity"
        );
        assert!(!Standing::of(&stored, "latrines", at(1)).here);
    }

    #[test]
    fn opening_a_chapter_the_first_time_writes_the_row_the_summary_and_the_enrolment() {
        let first = Standing::default().changes(Step::Opened);
        assert_eq!(
            first,
            Changes {
                progress: true,
                read: false,
                passed: false,
                summary: true,
                enrolment: true,
            }
        );
    }
}
