//! Cohorts, the offices they cover, and the people invited to them.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{cohort_offices, cohorts, courses, invitations};
use super::{DbConnection, DbError};
use crate::model::cohorts::Standing;
use crate::model::cohorts::{Cohort, Invitation, NewCohort, NewInvitation, ReminderDays};
use crate::model::ids::{CohortId, CourseId, InvitationId, OrganisationId, ProvinceId, UserId};

type CohortRow = (
    CohortId,
    OrganisationId,
    CourseId,
    String,
    String,
    NaiveDate,
    NaiveDate,
    Option<i32>,
    Option<i32>,
    Option<i32>,
);

fn cohort_columns() -> (
    cohorts::id,
    cohorts::organisation_id,
    cohorts::course_id,
    courses::slug,
    cohorts::name,
    cohorts::starts_on,
    cohorts::due_on,
    cohorts::remind_not_started_days,
    cohorts::remind_idle_days,
    cohorts::remind_before_due_days,
) {
    (
        cohorts::id,
        cohorts::organisation_id,
        cohorts::course_id,
        courses::slug,
        cohorts::name,
        cohorts::starts_on,
        cohorts::due_on,
        cohorts::remind_not_started_days,
        cohorts::remind_idle_days,
        cohorts::remind_before_due_days,
    )
}

fn to_cohort(row: CohortRow) -> Cohort {
    let (id, organisation_id, course_id, course_slug, name, starts_on, due_on, a, b, c) = row;
    Cohort {
        id,
        organisation_id,
        course_id,
        course_slug,
        name,
        starts_on,
        due_on,
        reminders: ReminderDays {
            not_started: a,
            idle: b,
            before_due: c,
        },
    }
}

/// Creates a cohort and its offices; `None` when its organisation already has one so named.
pub fn insert(
    conn: &mut DbConnection,
    new: &NewCohort,
    by: Option<UserId>,
    now: NaiveDateTime,
) -> Result<Option<CohortId>, DbError> {
    let taken = cohorts::table
        .filter(cohorts::organisation_id.eq(new.organisation_id))
        .filter(cohorts::name.eq(&new.name))
        .count()
        .get_result::<i64>(conn)?;
    if taken > 0 {
        return Ok(None);
    }
    let values = (
        cohorts::organisation_id.eq(new.organisation_id),
        cohorts::course_id.eq(new.course_id),
        cohorts::name.eq(&new.name),
        cohorts::starts_on.eq(new.starts_on),
        cohorts::due_on.eq(new.due_on),
        cohorts::remind_not_started_days.eq(new.reminders.not_started),
        cohorts::remind_idle_days.eq(new.reminders.idle),
        cohorts::remind_before_due_days.eq(new.reminders.before_due),
        cohorts::created_by.eq(by),
        cohorts::created_at.eq(now),
    );
    let id: CohortId = super::on_backend!(conn, |c| diesel::insert_into(cohorts::table)
        .values(values)
        .returning(cohorts::id)
        .get_result(c))?;
    for office in &new.offices {
        diesel::insert_into(cohort_offices::table)
            .values((
                cohort_offices::cohort_id.eq(id),
                cohort_offices::organisation_id.eq(office),
            ))
            .execute(conn)?;
    }
    Ok(Some(id))
}

/// The cohorts owned by these organisations, newest first.
pub fn owned_by(
    conn: &mut DbConnection,
    organisations: &[OrganisationId],
) -> Result<Vec<Cohort>, DbError> {
    let rows: Vec<CohortRow> = cohorts::table
        .inner_join(courses::table)
        .filter(cohorts::organisation_id.eq_any(organisations))
        .order(cohorts::id.desc())
        .select(cohort_columns())
        .load(conn)?;
    Ok(rows.into_iter().map(to_cohort).collect())
}

/// The cohorts owned by these organisations, newest first, with how many are invited: a
/// count over every invitation of theirs, which only the pages listing cohorts need.
pub fn owned_by_with_counts(
    conn: &mut DbConnection,
    organisations: &[OrganisationId],
) -> Result<Vec<(Cohort, i64)>, DbError> {
    let owned = owned_by(conn, organisations)?;
    let ids: Vec<CohortId> = owned.iter().map(|c| c.id).collect();
    let counts: std::collections::HashMap<CohortId, i64> = invitations::table
        .filter(invitations::cohort_id.eq_any(&ids))
        .group_by(invitations::cohort_id)
        .select((invitations::cohort_id, diesel::dsl::count_star()))
        .load::<(CohortId, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(owned
        .into_iter()
        .map(|cohort| {
            let invited = counts.get(&cohort.id).copied().unwrap_or(0);
            (cohort, invited)
        })
        .collect())
}

pub fn find(conn: &mut DbConnection, id: CohortId) -> Result<Option<Cohort>, DbError> {
    let row: Option<CohortRow> = cohorts::table
        .inner_join(courses::table)
        .filter(cohorts::id.eq(id))
        .select(cohort_columns())
        .first(conn)
        .optional()?;
    Ok(row.map(to_cohort))
}

/// Every cohort (for the reminder scheduler).
pub fn all(conn: &mut DbConnection) -> Result<Vec<Cohort>, DbError> {
    let rows: Vec<CohortRow> = cohorts::table
        .inner_join(courses::table)
        .select(cohort_columns())
        .load(conn)?;
    Ok(rows.into_iter().map(to_cohort).collect())
}

pub fn offices(conn: &mut DbConnection, cohort: CohortId) -> Result<Vec<OrganisationId>, DbError> {
    Ok(cohort_offices::table
        .filter(cohort_offices::cohort_id.eq(cohort))
        .select(cohort_offices::organisation_id)
        .load(conn)?)
}

/// The addresses already invited to a cohort.
pub fn invited_emails(
    conn: &mut DbConnection,
    cohort: CohortId,
) -> Result<HashSet<String>, DbError> {
    let cohort = cohort.0;
    Ok(invitations::table
        .filter(invitations::cohort_id.eq(cohort))
        .select(invitations::email)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// Invites one person; `None` when they already are (two uploads racing).
pub fn invite(
    conn: &mut DbConnection,
    new: &NewInvitation,
    user: Option<UserId>,
    by: Option<UserId>,
    now: NaiveDateTime,
) -> Result<Option<InvitationId>, DbError> {
    let exists = invitations::table
        .filter(invitations::cohort_id.eq(new.cohort_id.0))
        .filter(invitations::email.eq(&new.email))
        .count()
        .get_result::<i64>(conn)?;
    if exists > 0 {
        return Ok(None);
    }
    let values = (
        invitations::cohort_id.eq(new.cohort_id.0),
        invitations::email.eq(&new.email),
        invitations::name_km.eq(&new.name_km),
        invitations::name_latin.eq(&new.name_latin),
        invitations::office_id.eq(new.office_id),
        invitations::province_id.eq(new.province_id),
        invitations::position.eq(&new.position),
        invitations::invited_at.eq(now),
        invitations::invited_by.eq(by),
        invitations::user_id.eq(user),
    );
    let id: InvitationId = super::on_backend!(conn, |c| diesel::insert_into(invitations::table)
        .values(values)
        .returning(invitations::id)
        .get_result(c))?;
    Ok(Some(id))
}

type InvitationRow = (
    InvitationId,
    CohortId,
    String,
    String,
    String,
    Option<OrganisationId>,
    Option<ProvinceId>,
    String,
    NaiveDateTime,
    Option<UserId>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

fn invitation_columns() -> (
    invitations::id,
    invitations::cohort_id,
    invitations::email,
    invitations::name_km,
    invitations::name_latin,
    invitations::office_id,
    invitations::province_id,
    invitations::position,
    invitations::invited_at,
    invitations::user_id,
    invitations::accepted_at,
    invitations::reminders_off_at,
) {
    (
        invitations::id,
        invitations::cohort_id,
        invitations::email,
        invitations::name_km,
        invitations::name_latin,
        invitations::office_id,
        invitations::province_id,
        invitations::position,
        invitations::invited_at,
        invitations::user_id,
        invitations::accepted_at,
        invitations::reminders_off_at,
    )
}

fn to_invitation(row: InvitationRow) -> Invitation {
    let (
        id,
        cohort_id,
        email,
        name_km,
        name_latin,
        office_id,
        province_id,
        position,
        invited_at,
        user_id,
        accepted_at,
        reminders_off_at,
    ) = row;
    Invitation {
        id,
        cohort_id,
        email,
        name_km,
        name_latin,
        office_id,
        province_id,
        position,
        invited_at,
        user_id,
        accepted_at,
        reminders_off_at,
    }
}

pub fn invitation(
    conn: &mut DbConnection,
    id: InvitationId,
) -> Result<Option<Invitation>, DbError> {
    let row: Option<InvitationRow> = invitations::table
        .filter(invitations::id.eq(id))
        .select(invitation_columns())
        .first(conn)
        .optional()?;
    Ok(row.map(to_invitation))
}

/// A cohort's invitations in the order they were made.
pub fn invitations_of(
    conn: &mut DbConnection,
    cohort: CohortId,
) -> Result<Vec<Invitation>, DbError> {
    let cohort = cohort.0;
    let rows: Vec<InvitationRow> = invitations::table
        .filter(invitations::cohort_id.eq(cohort))
        .order(invitations::id)
        .select(invitation_columns())
        .load(conn)?;
    Ok(rows.into_iter().map(to_invitation).collect())
}

/// Ties an invitation to the account that took it up (once; later calls change nothing).
pub fn accept(
    conn: &mut DbConnection,
    id: InvitationId,
    user: UserId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(
        invitations::table
            .filter(invitations::id.eq(id))
            .filter(invitations::accepted_at.is_null()),
    )
    .set((
        invitations::user_id.eq(user),
        invitations::accepted_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Ties every open invitation for this address to the account (at sign-up or sign-in).
pub fn accept_all_for(
    conn: &mut DbConnection,
    email: &str,
    user: UserId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(
        invitations::table
            .filter(invitations::email.eq(email))
            .filter(invitations::accepted_at.is_null()),
    )
    .set((
        invitations::user_id.eq(user),
        invitations::accepted_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn stop_reminders(
    conn: &mut DbConnection,
    id: InvitationId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(
        invitations::table
            .filter(invitations::id.eq(id))
            .filter(invitations::reminders_off_at.is_null()),
    )
    .set(invitations::reminders_off_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Each invitation of a cohort with where the person stands in its course, and the
/// reminder rules already sent to them.
pub fn standings(
    conn: &mut DbConnection,
    cohort: &Cohort,
) -> Result<Vec<(Invitation, Standing, Vec<String>)>, DbError> {
    use super::schema::{completions, enrolments, reminders_sent};
    let people = invitations_of(conn, cohort.id)?;
    let users: Vec<UserId> = people.iter().filter_map(|i| i.user_id).collect();
    let mut activity: HashMap<UserId, NaiveDateTime> = HashMap::new();
    let mut finished: HashSet<UserId> = HashSet::new();
    for chunk in users.chunks(5_000) {
        activity.extend(
            enrolments::table
                .filter(enrolments::course_id.eq(cohort.course_id))
                .filter(enrolments::user_id.eq_any(chunk))
                .select((enrolments::user_id, enrolments::last_activity_at))
                .load::<(UserId, NaiveDateTime)>(conn)?,
        );
        finished.extend(
            completions::table
                .filter(completions::course_id.eq(cohort.course_id))
                .filter(completions::user_id.eq_any(chunk))
                .select(completions::user_id)
                .load::<UserId>(conn)?,
        );
    }
    let mut sent: HashMap<InvitationId, Vec<String>> = HashMap::new();
    for (invitation, rule) in reminders_sent::table
        .inner_join(invitations::table)
        .filter(invitations::cohort_id.eq(cohort.id.0))
        .select((reminders_sent::invitation_id, reminders_sent::rule))
        .load::<(InvitationId, String)>(conn)?
    {
        sent.entry(invitation).or_default().push(rule);
    }
    Ok(people
        .into_iter()
        .map(|invitation| {
            let user = invitation.user_id;
            let standing = Standing {
                invited_at: invitation.invited_at,
                last_activity: user.and_then(|u| activity.get(&u).copied()),
                finished: user.is_some_and(|u| finished.contains(&u)),
                opted_out: invitation.reminders_off_at.is_some(),
            };
            let rules = sent.remove(&invitation.id).unwrap_or_default();
            (invitation, standing, rules)
        })
        .collect())
}

/// Records that a reminder rule reached an invitation; false when it already had.
pub fn mark_reminded(
    conn: &mut DbConnection,
    invitation: InvitationId,
    rule: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    use super::schema::reminders_sent;
    let values = (
        reminders_sent::invitation_id.eq(invitation),
        reminders_sent::rule.eq(rule),
        reminders_sent::sent_at.eq(now),
    );
    let inserted = super::on_backend!(conn, |c| diesel::insert_into(reminders_sent::table)
        .values(values)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}
