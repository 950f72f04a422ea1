//! Cohorts and invitations as the other layers see them.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::ids::{CohortId, CourseId, InvitationId, OrganisationId, ProvinceId, UserId};

/// Reminder rules as day counts; `None` turns a rule off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReminderDays {
    /// Remind those who have not opened the course this many days after the invitation.
    pub not_started: Option<i32>,
    /// Remind those who started but did nothing for this many days.
    pub idle: Option<i32>,
    /// Remind everyone not finished this many days before the due date.
    pub before_due: Option<i32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cohort {
    pub id: CohortId,
    pub organisation_id: OrganisationId,
    pub course_id: CourseId,
    pub course_slug: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub due_on: NaiveDate,
    pub reminders: ReminderDays,
}

#[derive(Debug, Clone)]
pub struct NewCohort {
    pub organisation_id: OrganisationId,
    pub course_id: CourseId,
    pub name: String,
    pub starts_on: NaiveDate,
    pub due_on: NaiveDate,
    pub offices: Vec<OrganisationId>,
    pub reminders: ReminderDays,
}

#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    pub id: InvitationId,
    pub cohort_id: CohortId,
    pub email: String,
    pub name_km: String,
    pub name_latin: String,
    pub office_id: Option<OrganisationId>,
    pub province_id: Option<ProvinceId>,
    pub position: String,
    pub invited_at: NaiveDateTime,
    pub user_id: Option<UserId>,
    pub accepted_at: Option<NaiveDateTime>,
    pub reminders_off_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub cohort_id: CohortId,
    pub email: String,
    pub name_km: String,
    pub name_latin: String,
    pub office_id: Option<OrganisationId>,
    pub province_id: Option<ProvinceId>,
    pub position: String,
}

/// Where one invited person stands in the cohort's course.
#[derive(Debug, Clone)]
pub struct Standing {
    pub invited_at: NaiveDateTime,
    /// When they last did something in the course; `None` if they never opened it.
    pub last_activity: Option<NaiveDateTime>,
    pub finished: bool,
    pub opted_out: bool,
}

/// Which reminder a person is due: not started, idle, or the due date is near.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    NotStarted,
    Idle,
    BeforeDue,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::Idle => "idle",
            Self::BeforeDue => "before_due",
        }
    }
}
