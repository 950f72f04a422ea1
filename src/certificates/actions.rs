//! What people do with certificates, each in one call: anyone verifies one by its serial
//! or its file; its learner (or the issuer's staff) downloads it; staff list, revoke and
//! reissue their organisation's; a coordinator prints a cohort's in one PDF.

use std::sync::Arc;

use super::{Authority, CertError, Certificate, Verdict, pdf};
use crate::audit::Actor;
use crate::db::{self, Db};
use crate::model::courses::Bilingual;
use crate::model::ids::OrganisationId;

/// The verdict on a typed serial.
pub async fn verify_serial(
    authority: &Arc<Authority>,
    db: &Db,
    serial: String,
) -> Result<Verdict, CertError> {
    let authority = Arc::clone(authority);
    db.read(move |conn| authority.verify_serial(conn, &serial))
        .await
}

/// The verdict on a credential read from a file.
pub async fn verify_token(
    authority: &Arc<Authority>,
    db: &Db,
    token: String,
) -> Result<Verdict, CertError> {
    let authority = Arc::clone(authority);
    db.read(move |conn| authority.verify_token(conn, &token))
        .await
}

/// The certificate with this serial and the chain of organisations above (and including)
/// the one that published its course, whose staff answer for it.
pub async fn with_issuers(
    db: &Db,
    serial: String,
) -> Result<Option<(Certificate, Vec<OrganisationId>)>, CertError> {
    db.read(move |conn| {
        let Some(row) = db::certificates::by_serial(conn, &serial)? else {
            return Ok(None);
        };
        let lineage = match db::certificates::course_owner(conn, row.course_id)? {
            Some((org, _)) => db::organisations::lineage(conn, org)?,
            None => Vec::new(),
        };
        Ok(Some((row, lineage)))
    })
    .await
}

/// The newest 200 certificates of the courses of `root` and the organisations below it,
/// narrowed by a word in the serial or the learner's name or address.
pub async fn issued_under(
    db: &Db,
    root: OrganisationId,
    search: String,
) -> Result<Vec<db::certificates::IssuedRow>, CertError> {
    Ok(db
        .read(move |conn| {
            let ids = db::organisations::ids_under(conn, root)?;
            db::certificates::issued_by(conn, &ids, &search, 200)
        })
        .await?)
}

/// Revokes a certificate, with the reason, and says so in the audit log.
pub async fn revoke(
    authority: &Arc<Authority>,
    db: &Db,
    serial: String,
    reason: String,
    by: Actor,
    now: chrono::NaiveDateTime,
) -> Result<Certificate, CertError> {
    let authority = Arc::clone(authority);
    db.write(move |conn| authority.revoke(conn, &serial, &reason, &by, now))
        .await
}

/// Issues a new certificate in place of one (with today's names and signatories) and
/// revokes the old one.
pub async fn reissue(
    authority: &Arc<Authority>,
    db: &Db,
    serial: String,
    by: Actor,
    now: chrono::NaiveDateTime,
) -> Result<Certificate, CertError> {
    let authority = Arc::clone(authority);
    db.write(move |conn| authority.reissue(conn, &serial, &by, now))
        .await
}

/// What a certificate's page shows, read from the organisations' records.
pub async fn sheet(
    authority: &Arc<Authority>,
    db: &Db,
    row: Certificate,
) -> Result<pdf::Sheet, CertError> {
    let authority = Arc::clone(authority);
    db.read(move |conn| authority.sheet(conn, &row)).await
}

/// The course's title and a page for every certificate in force for it held by people of
/// `root` and the organisations below it; `None` when the course has no published version.
pub async fn cohort_sheets(
    authority: &Arc<Authority>,
    db: &Db,
    root: OrganisationId,
    course: String,
) -> Result<Option<(Bilingual, Vec<pdf::Sheet>)>, CertError> {
    let authority = Arc::clone(authority);
    db.read(move |conn| {
        let ids = db::organisations::ids_under(conn, root)?;
        let Some(version) = db::learning::current_version(conn, &course)? else {
            return Ok(None);
        };
        let rows = db::certificates::in_force_for_course(conn, version.course_id, &ids)?;
        let mut sheets = Vec::with_capacity(rows.len());
        for row in &rows {
            sheets.push(authority.sheet(conn, row)?);
        }
        Ok(Some((version.title, sheets)))
    })
    .await
}
