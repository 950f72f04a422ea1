//! Cohorts and invitations: a coordinator groups the staff of some offices to take a
//! course between two dates, invites them from a CSV roster (each invitation queues an
//! email with a personal link), and Sala reminds those who have not started, stalled, or
//! not finished near the due date (`reminders`).
//!
//! The coordinator's use cases are here (the cohort form, creating a cohort, seeing one) and
//! in `inviting` (a roster's preview and the invitations); the invitee's are in `joining`
//! (the join link and its sign-up) and `reminders` (stopping them).

pub mod desk;
pub mod inviting;
pub mod joining;
pub mod letters;
pub mod links;
pub mod reminders;
pub mod roster;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::accounts::fields::short_text;
use crate::accounts::{AccountError, FieldError};
use crate::audit::{self, Action, Actor};
use crate::db::{self, Db, DbConnection, DbError};
use crate::model::learning::CourseVersion;
use crate::organisations::{Organisation, OrganisationId, TreeEntry, subtree, tree_under};
use roster::RosterError;

pub use crate::model::cohorts::{Cohort, Invitation, NewCohort, NewInvitation, ReminderDays};
pub use crate::model::ids::CohortId;
use crate::model::ids::CourseId;
pub use inviting::{invite, preview};
pub use joining::{Joining, SignedUp, Start, join, open, sign_up};
pub use reminders::stop_reminders;

/// The cohorts domain's one error type.
#[derive(Debug, thiserror::Error)]
pub enum CohortError {
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("not found")]
    NotFound,
    /// A join or stop link that is not genuine, has expired, or cannot be read.
    #[error("the link is no longer valid")]
    LinkInvalid,
    #[error("the roster cannot be read: {0}")]
    Roster(#[from] RosterError),
    #[error("the email could not be written: {0}")]
    Email(String),
    /// Making or taking over an account from a join link failed.
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Longest reminder delay, in days.
const MAX_DAYS: i32 = 365;

/// The cohort form as posted: repeated `office` fields, so read from name/value pairs.
pub fn parse_form(
    pairs: &[(String, String)],
    organisation_id: OrganisationId,
    allowed_offices: &[OrganisationId],
    courses: &[CourseId],
) -> Result<NewCohort, Vec<FieldError>> {
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let mut errors = Vec::new();
    let name = short_text(value("name"), "name", 120).unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    });
    if name.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("name", "error-required"));
    }
    let course_id = value("course")
        .parse::<CourseId>()
        .ok()
        .filter(|id| courses.contains(id));
    if course_id.is_none() {
        errors.push(FieldError::new("course", "error-choose-one"));
    }
    let date = |field: &'static str, errors: &mut Vec<FieldError>| {
        NaiveDate::parse_from_str(value(field).trim(), "%Y-%m-%d")
            .map_err(|_| errors.push(FieldError::new(field, "error-date")))
            .ok()
    };
    let starts_on = date("starts_on", &mut errors);
    let due_on = date("due_on", &mut errors);
    if let (Some(start), Some(due)) = (starts_on, due_on)
        && due < start
    {
        errors.push(FieldError::new("due_on", "error-due-before-start"));
    }
    let mut offices = Vec::new();
    for (_, raw) in pairs.iter().filter(|(n, _)| n == "office") {
        match raw.parse::<OrganisationId>() {
            Ok(id) if allowed_offices.contains(&id) => {
                if !offices.contains(&id) {
                    offices.push(id);
                }
            }
            _ => errors.push(FieldError::new("office", "error-choose-organisation")),
        }
    }
    let days = |field: &'static str, errors: &mut Vec<FieldError>| {
        let raw = value(field).trim();
        if raw.is_empty() {
            return None;
        }
        match raw.parse::<i32>() {
            Ok(n) if (1..=MAX_DAYS).contains(&n) => Some(n),
            _ => {
                errors.push(FieldError::new(field, "error-days"));
                None
            }
        }
    };
    let reminders = ReminderDays {
        not_started: days("remind_not_started", &mut errors),
        idle: days("remind_idle", &mut errors),
        before_due: days("remind_before_due", &mut errors),
    };
    match (errors.is_empty(), course_id, starts_on, due_on) {
        (true, Some(course_id), Some(starts_on), Some(due_on)) => Ok(NewCohort {
            organisation_id,
            course_id,
            name,
            starts_on,
            due_on,
            offices,
            reminders,
        }),
        _ => Err(errors),
    }
}

/// What the cohort form offers a coordinator: the offices at or below their organisation,
/// as a tree, and the published courses.
#[derive(Debug)]
pub struct Choices {
    pub offices: Vec<TreeEntry>,
    pub courses: Vec<CourseVersion>,
}

/// The cohort form's choices for a coordinator of `root`.
pub async fn choices(db: &Db, root: OrganisationId) -> Result<Choices, CohortError> {
    db.read(move |conn| {
        let below = subtree(&db::organisations::all(conn)?, root);
        Ok(Choices {
            offices: tree_under(below, root),
            courses: db::learning::catalogue(conn, None)?,
        })
    })
    .await
}

/// Creates a cohort of `organisation` from the form as posted (checked by [`parse_form`]
/// against the offices below the organisation and the published courses), recorded in the
/// audit log. Mistakes, and a name the organisation already uses, are `Invalid`.
pub async fn create(
    db: &Db,
    organisation: OrganisationId,
    form: Vec<(String, String)>,
    actor: Actor,
    now: NaiveDateTime,
) -> Result<CohortId, CohortError> {
    let (offices, courses) = db
        .read(move |conn| {
            let below = subtree(&db::organisations::all(conn)?, organisation);
            let courses = db::learning::catalogue(conn, None)?;
            Ok::<_, DbError>((
                below.iter().map(|o| o.id).collect::<Vec<_>>(),
                courses.iter().map(|c| c.course_id).collect::<Vec<_>>(),
            ))
        })
        .await?;
    let new = parse_form(&form, organisation, &offices, &courses).map_err(CohortError::Invalid)?;
    db.write(move |conn| {
        let id = db::cohorts::insert(conn, &new, actor.user, now)?.ok_or_else(|| {
            CohortError::Invalid(vec![FieldError::new("name", "error-cohort-name-taken")])
        })?;
        audit::record(conn, &actor, Action::CohortCreated, &new.name, "", now)?;
        Ok(id)
    })
    .await
}

/// The cohort `id`, when it belongs to `root` or an organisation below it; else `NotFound`.
fn owned_in(
    conn: &mut DbConnection,
    root: OrganisationId,
    id: CohortId,
) -> Result<Cohort, CohortError> {
    let cohort = db::cohorts::find(conn, id)?;
    let owners = db::organisations::ids_under(conn, root)?;
    cohort
        .filter(|c| owners.contains(&c.organisation_id))
        .ok_or(CohortError::NotFound)
}

/// The cohort `id`, when a coordinator of `root` may see it; else `NotFound`.
pub async fn owned(db: &Db, root: OrganisationId, id: CohortId) -> Result<Cohort, CohortError> {
    db.read(move |conn| owned_in(conn, root, id)).await
}

/// A cohort as its coordinator sees it: the offices it covers and who was invited.
#[derive(Debug)]
pub struct Overview {
    pub cohort: Cohort,
    pub covered: Vec<Organisation>,
    pub people: Vec<Invited>,
}

/// An invitation, with the office the coordinator gave.
#[derive(Debug, Serialize)]
pub struct Invited {
    #[serde(flatten)]
    pub invitation: Invitation,
    pub office: Option<Organisation>,
}

/// The cohort `id` with its offices and invitations, when a coordinator of `root` may see
/// it; else `NotFound`.
pub async fn overview(
    db: &Db,
    root: OrganisationId,
    id: CohortId,
) -> Result<Overview, CohortError> {
    db.read(move |conn| {
        let cohort = owned_in(conn, root, id)?;
        let invitations = db::cohorts::invitations_of(conn, id)?;
        let offices = db::cohorts::offices(conn, id)?;
        let all = db::organisations::all(conn)?;
        let office = |id: Option<OrganisationId>| all.iter().find(|o| Some(o.id) == id).cloned();
        let people = invitations
            .into_iter()
            .map(|invitation| Invited {
                office: office(invitation.office_id),
                invitation,
            })
            .collect();
        let covered = all
            .iter()
            .filter(|o| offices.contains(&o.id))
            .cloned()
            .collect();
        Ok(Overview {
            cohort,
            covered,
            people,
        })
    })
    .await
}
