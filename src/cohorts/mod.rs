//! Cohorts and invitations: a coordinator groups the staff of some offices to take a
//! course between two dates, invites them from a CSV roster (each invitation queues an
//! email with a personal link), and Sala reminds those who have not started, stalled, or
//! not finished near the due date (`reminders`).

pub mod desk;
pub mod letters;
pub mod links;
pub mod reminders;
pub mod roster;

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime};

use crate::accounts::FieldError;
use crate::accounts::fields::short_text;
use crate::audit::{self, Action, Actor};
use crate::db::{self, Db, DbConnection, DbError};
use crate::email::{EmailError, Outgoing};
use crate::organisations::{OrganisationId, subtree};
use roster::{Known, RosterError, Row};

pub use crate::model::cohorts::{Cohort, Invitation, NewCohort, NewInvitation, ReminderDays};

#[derive(Debug, thiserror::Error)]
pub enum CohortError {
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("not found")]
    NotFound,
    #[error("the roster cannot be read: {0}")]
    Roster(#[from] RosterError),
    #[error("the email could not be written: {0}")]
    Email(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Longest reminder delay, in days.
const MAX_DAYS: i32 = 365;

/// The cohort form as posted: repeated `office` fields, so read from name/value pairs.
pub fn parse_form(
    pairs: &[(String, String)],
    organisation_id: i64,
    allowed_offices: &[i64],
    courses: &[i64],
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
        .parse::<i64>()
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
        match raw.parse::<i64>() {
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

/// Creates the cohort, recorded in the audit log.
pub async fn create(
    db: &Db,
    new: NewCohort,
    actor: Actor,
    now: NaiveDateTime,
) -> Result<i64, CohortError> {
    db.write(move |conn| {
        let id =
            db::cohorts::insert(conn, &new, actor.user.map(|u| u.0), now)?.ok_or_else(|| {
                CohortError::Invalid(vec![FieldError::new("name", "error-cohort-name-taken")])
            })?;
        audit::record(conn, &actor, Action::CohortCreated, &new.name, "", now)?;
        Ok(id)
    })
    .await
}

/// What rows are checked against: the provinces, the offices the cohort covers (or, when
/// it names none, every office of its organisation), and who is already invited.
fn check_roster(
    conn: &mut DbConnection,
    cohort: &Cohort,
    bytes: &[u8],
) -> Result<Vec<Row>, CohortError> {
    let provinces = db::provinces::all(conn)?;
    let all = db::organisations::all(conn)?;
    let mut roots = db::cohorts::offices(conn, cohort.id)?;
    if roots.is_empty() {
        roots.push(cohort.organisation_id);
    }
    let mut offices = Vec::new();
    let mut seen = HashSet::new();
    for root in roots {
        for office in subtree(&all, OrganisationId(root)) {
            if seen.insert(office.id.0) {
                offices.push(office);
            }
        }
    }
    let invited = db::cohorts::invited_emails(conn, cohort.id)?;
    Ok(roster::read(
        bytes,
        &Known {
            provinces: &provinces,
            offices: &offices,
            invited: &invited,
        },
    )?)
}

/// Reads a roster for the preview: every row, accepted or rejected with its reasons.
pub async fn preview(db: &Db, cohort: Cohort, bytes: Vec<u8>) -> Result<Vec<Row>, CohortError> {
    db.read(move |conn| check_roster(conn, &cohort, &bytes))
        .await
}

/// Invites the accepted rows of a roster, in one transaction with their emails (written by
/// `letter`) and an audit entry. The file is read again here, so a row invited since the
/// preview (a second upload of the same file) is skipped, never invited twice.
/// Returns the rows, each accepted row now invited.
pub async fn invite<F>(
    db: &Db,
    cohort: Cohort,
    bytes: Vec<u8>,
    actor: Actor,
    now: NaiveDateTime,
    letter: F,
) -> Result<Vec<Row>, CohortError>
where
    F: Fn(i64, &NewInvitation) -> Result<Outgoing, EmailError> + Send + 'static,
{
    db.write(move |conn| {
        let rows = check_roster(conn, &cohort, &bytes)?;
        let mut invited = 0;
        for row in rows.iter().filter(|r| r.accepted()) {
            let new = NewInvitation {
                cohort_id: cohort.id,
                email: row.email.clone(),
                name_km: row.name_km.clone(),
                name_latin: row.name_latin.clone(),
                office_id: row.office_id,
                province_id: row.province_id,
                position: row.position.clone(),
            };
            let Some(id) = db::cohorts::invite(conn, &new, None, actor.user.map(|u| u.0), now)?
            else {
                continue;
            };
            let mail = letter(id, &new).map_err(|e| CohortError::Email(e.to_string()))?;
            db::outbox::enqueue(conn, &mail, now)?;
            invited += 1;
        }
        let rejected = rows.len() - rows.iter().filter(|r| r.accepted()).count();
        audit::record(
            conn,
            &actor,
            Action::PeopleInvited,
            &cohort.name,
            &format!("{invited} invited, {rejected} rejected"),
            now,
        )?;
        Ok(rows)
    })
    .await
}

/// An invitation opened from its link: the cohort, and the account with its address if
/// there is one.
pub struct Opened {
    pub invitation: Invitation,
    pub cohort: Cohort,
    pub account: Option<crate::accounts::User>,
}

/// How long after its cohort's due date a join link still works: time to finish late, not
/// a link that lives for ever in a forwarded email.
pub const JOIN_LINK_GRACE: chrono::Days = chrono::Days::new(30);

/// When a join link for `cohort` stops working: the end of the day `JOIN_LINK_GRACE` after
/// the due date (reminders, which carry the link, stop at the due date).
pub fn join_link_expires(cohort: &Cohort) -> NaiveDateTime {
    (cohort.due_on + JOIN_LINK_GRACE + chrono::Days::new(1)).and_time(chrono::NaiveTime::MIN)
}

/// The invitation a join link stands for; `NotFound` for a link that is not genuine or
/// has expired.
pub async fn open(
    db: &Db,
    links: &links::Links,
    token: &str,
    now: NaiveDateTime,
) -> Result<Opened, CohortError> {
    let id = links
        .open(links::Purpose::Join, token)
        .ok_or(CohortError::NotFound)?;
    db.read(move |conn| {
        let invitation = db::cohorts::invitation(conn, id)?.ok_or(CohortError::NotFound)?;
        let cohort = db::cohorts::find(conn, invitation.cohort_id)?.ok_or(CohortError::NotFound)?;
        if now >= join_link_expires(&cohort) {
            return Err(CohortError::NotFound);
        }
        let email =
            crate::accounts::Email::parse(&invitation.email).map_err(|_| CohortError::NotFound)?;
        let account = db::users::find_by_email(conn, &email)?.map(|(user, _)| user);
        Ok(Opened {
            invitation,
            cohort,
            account,
        })
    })
    .await
}

/// Ties the invitation to the signed-in person it was sent to.
pub async fn accept(
    db: &Db,
    invitation: i64,
    user: i64,
    now: NaiveDateTime,
) -> Result<(), CohortError> {
    db.write(move |conn| Ok(db::cohorts::accept(conn, invitation, user, now)?))
        .await
}

/// Makes the account an invitation was sent to, with the names, office, province and
/// position the coordinator gave, and the password the person chose: one step from the
/// email to the course. Every open invitation to the address is taken up with it. Once:
/// an invitation already taken up, or an address whose owner proved it, makes no account,
/// so whoever opens the link later cannot choose the password.
///
/// An account that nobody proved the address of (a registration never finished, perhaps
/// by someone else) does not stand in the way: the link proves the address, so its owner
/// takes that account, with a password of their own (ending its sessions) and, if it had
/// no password yet, the profile the coordinator gave.
pub async fn sign_up(
    db: &Db,
    invitation: Invitation,
    password: crate::accounts::Password,
    lang: crate::i18n::Lang,
    now: NaiveDateTime,
) -> Result<crate::accounts::User, crate::accounts::AccountError> {
    use crate::accounts::{AccountError, Email, PersonNames, Profile};
    let hash = crate::accounts::password::hash_queued(password).await?;
    db.write(move |conn| {
        let email = Email::parse(&invitation.email).map_err(|e| AccountError::Invalid(vec![e]))?;
        let taken = db::cohorts::invitation(conn, invitation.id)?
            .is_none_or(|current| current.accepted_at.is_some());
        let existing = db::users::find_by_email(conn, &email)?;
        if taken
            || existing
                .as_ref()
                .is_some_and(|(user, _)| user.email_verified)
        {
            return Err(AccountError::field("email", "error-email-taken"));
        }
        let profile = Profile {
            names: PersonNames::parse(&invitation.name_km, &invitation.name_latin)
                .map_err(AccountError::Invalid)?,
            position: invitation.position.clone(),
            organisation_id: invitation.office_id.map(OrganisationId),
            province_id: invitation.province_id.map(crate::organisations::ProvinceId),
            lang: Some(lang),
        };
        let user = match existing {
            Some((unproven, had_password)) => {
                if had_password.is_none() {
                    db::users::update_profile(conn, unproven.id, &profile, now)?;
                }
                db::users::set_password(conn, unproven.id, &hash, now)?;
                db::users::end_all_sessions(conn, unproven.id)?;
                unproven
            }
            None => {
                let new = db::users::NewUser {
                    email: &email,
                    password_hash: Some(&hash),
                    profile: &profile,
                    is_admin: false,
                    email_verified: false,
                };
                db::users::insert(conn, &new, now).map_err(|e| {
                    if e.is_unique_violation() {
                        AccountError::field("email", "error-email-taken")
                    } else {
                        e.into()
                    }
                })?
            }
        };
        // The join link was sent to this address.
        db::users::mark_email_verified(conn, user.id, now)?;
        db::tokens::use_all(conn, user.id, now)?;
        db::cohorts::accept_all_for(conn, email.as_str(), user.id.0, now)?;
        let user = db::users::find(conn, user.id)?.ok_or(AccountError::NotFound)?;
        Ok(user)
    })
    .await
}

/// Stops reminders for the invitation a stop link stands for.
pub async fn stop_reminders(
    db: &Db,
    links: &links::Links,
    token: &str,
    now: NaiveDateTime,
) -> Result<Cohort, CohortError> {
    let id = links
        .open(links::Purpose::StopReminders, token)
        .ok_or(CohortError::NotFound)?;
    db.write(move |conn| {
        let invitation = db::cohorts::invitation(conn, id)?.ok_or(CohortError::NotFound)?;
        db::cohorts::stop_reminders(conn, id, now)?;
        db::cohorts::find(conn, invitation.cohort_id)?.ok_or(CohortError::NotFound)
    })
    .await
}
