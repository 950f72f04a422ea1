//! Inviting people from a CSV roster: the preview (each row accepted or rejected, with its
//! reasons) and the invitations, each with its email, in one transaction.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDateTime;

use super::letters::Letters;
use super::roster::{self, Known, Row};
use super::{Cohort, CohortError, NewInvitation};
use crate::audit::{self, Action, Actor};
use crate::db::{self, Db, DbConnection};
use crate::organisations::subtree;

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
        for office in subtree(&all, root) {
            if seen.insert(office.id) {
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
/// `letters`) and an audit entry. The file is read again here, so a row invited since the
/// preview (a second upload of the same file) is skipped, never invited twice.
/// Returns the rows, each accepted row now invited; `NotFound` when the cohort's course has
/// no published version to invite to.
pub async fn invite(
    db: &Db,
    letters: Arc<Letters>,
    cohort: Cohort,
    bytes: Vec<u8>,
    actor: Actor,
    now: NaiveDateTime,
) -> Result<Vec<Row>, CohortError> {
    let course_slug = cohort.course_slug.clone();
    let course = db
        .read(move |conn| db::learning::current_version(conn, &course_slug))
        .await?
        .ok_or(CohortError::NotFound)?
        .title;
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
            let Some(id) = db::cohorts::invite(conn, &new, None, actor.user, now)? else {
                continue;
            };
            let mail = letters
                .invitation(id, &new, &cohort, &course)
                .map_err(|e| CohortError::Email(e.to_string()))?;
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
