//! Co-signing: the requests a course makes of its co-signing organisation and that
//! organisation's answers, and the endorsements its key has made, each with its place in the
//! co-signer's status list so that it can be revoked on its own.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    certificates, cosign_requests, course_versions, courses, endorsements, organisations,
};
use super::{DbConnection, DbError, on_backend};
use crate::model::ids::{
    CertificateId, CosignRequestId, CourseId, KeyId, OrganisationId, UserId, VersionId,
};

/// Where a request stands.
pub const PENDING: &str = "pending";
pub const CONSENTED: &str = "consented";
pub const REFUSED: &str = "refused";
pub const WITHDRAWN: &str = "withdrawn";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cosign_requests)]
pub struct RequestRow {
    pub id: CosignRequestId,
    pub course_id: CourseId,
    pub version_id: VersionId,
    pub organisation_id: OrganisationId,
    pub terms_hash: String,
    pub status: String,
}

/// A request as the co-signer's publishers see it.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct RequestView {
    pub id: CosignRequestId,
    pub status: String,
    pub requested_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub version_id: VersionId,
    pub version_number: Option<i32>,
    pub course_slug: String,
    pub title_km: String,
    pub title_en: String,
    pub publisher_km: String,
    pub publisher_en: String,
}

/// The request for these terms of this course, whatever its answer.
pub fn find(
    conn: &mut DbConnection,
    course: CourseId,
    organisation: OrganisationId,
    terms: &str,
) -> Result<Option<RequestRow>, DbError> {
    Ok(cosign_requests::table
        .filter(cosign_requests::course_id.eq(course))
        .filter(cosign_requests::organisation_id.eq(organisation))
        .filter(cosign_requests::terms_hash.eq(terms))
        .select(RequestRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_id(conn: &mut DbConnection, id: CosignRequestId) -> Result<Option<RequestRow>, DbError> {
    Ok(cosign_requests::table
        .find(id)
        .select(RequestRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(
    conn: &mut DbConnection,
    course: CourseId,
    version: VersionId,
    organisation: OrganisationId,
    terms: &str,
    by: Option<UserId>,
    now: NaiveDateTime,
) -> Result<CosignRequestId, DbError> {
    let values = (
        cosign_requests::course_id.eq(course),
        cosign_requests::version_id.eq(version),
        cosign_requests::organisation_id.eq(organisation),
        cosign_requests::terms_hash.eq(terms),
        cosign_requests::status.eq(PENDING),
        cosign_requests::requested_by.eq(by),
        cosign_requests::requested_at.eq(now),
    );
    Ok(on_backend!(conn, |c| diesel::insert_into(
        cosign_requests::table
    )
    .values(values)
    .returning(cosign_requests::id)
    .get_result::<CosignRequestId>(c))?)
}

/// Moves a request of this organisation from one of `from` to `to`; false if it was not
/// in one of those states.
pub fn decide(
    conn: &mut DbConnection,
    id: CosignRequestId,
    organisation: OrganisationId,
    from: &[&str],
    to: &str,
    by: Option<UserId>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        cosign_requests::table
            .filter(cosign_requests::id.eq(id))
            .filter(cosign_requests::organisation_id.eq(organisation))
            .filter(cosign_requests::status.eq_any(from.to_vec())),
    )
    .set((
        cosign_requests::status.eq(to),
        cosign_requests::decided_by.eq(by),
        cosign_requests::decided_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Whether the organisation consents, now, to co-sign the course on these terms.
pub fn consents(
    conn: &mut DbConnection,
    course: CourseId,
    organisation: OrganisationId,
    terms: &str,
) -> Result<bool, DbError> {
    Ok(find(conn, course, organisation, terms)?.is_some_and(|r| r.status == CONSENTED))
}

/// The requests made of an organisation, those waiting for an answer first, newest first.
pub fn for_organisation(
    conn: &mut DbConnection,
    organisation: OrganisationId,
) -> Result<Vec<RequestView>, DbError> {
    let mut rows: Vec<RequestView> = cosign_requests::table
        .inner_join(courses::table.inner_join(organisations::table))
        .inner_join(course_versions::table)
        .filter(cosign_requests::organisation_id.eq(organisation))
        .order(cosign_requests::id.desc())
        .select((
            cosign_requests::id,
            cosign_requests::status,
            cosign_requests::requested_at,
            cosign_requests::decided_at,
            cosign_requests::version_id,
            course_versions::number,
            courses::slug,
            course_versions::title_km,
            course_versions::title_en,
            organisations::name_km,
            organisations::name_en,
        ))
        .load(conn)?;
    rows.sort_by_key(|row| row.status != PENDING);
    Ok(rows)
}

/// The terms a version was published or drafted with.
pub fn terms_of_version(conn: &mut DbConnection, version: VersionId) -> Result<String, DbError> {
    Ok(course_versions::table
        .find(version)
        .select(course_versions::terms_hash)
        .first(conn)?)
}

/// A version's number, `None` for a draft.
pub fn version_number(conn: &mut DbConnection, version: VersionId) -> Result<Option<i32>, DbError> {
    Ok(course_versions::table
        .find(version)
        .select(course_versions::number)
        .first::<Option<i32>>(conn)
        .optional()?
        .flatten())
}

// --- Endorsements ---------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = endorsements)]
pub struct EndorsementRow {
    pub certificate_id: CertificateId,
    pub organisation_id: OrganisationId,
    pub key_id: KeyId,
    pub status_index: i64,
    pub endorsed_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_reason: Option<String>,
}

pub fn insert_endorsement(
    conn: &mut DbConnection,
    certificate: CertificateId,
    organisation: OrganisationId,
    key: KeyId,
    status_index: i64,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(endorsements::table)
        .values((
            endorsements::certificate_id.eq(certificate),
            endorsements::organisation_id.eq(organisation),
            endorsements::key_id.eq(key),
            endorsements::status_index.eq(status_index),
            endorsements::endorsed_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn endorsement_of(
    conn: &mut DbConnection,
    certificate: CertificateId,
) -> Result<Option<EndorsementRow>, DbError> {
    Ok(endorsements::table
        .find(certificate)
        .select(EndorsementRow::as_select())
        .first(conn)
        .optional()?)
}

/// The highest place in a key's status list taken by an endorsement.
pub fn last_endorsement_index(conn: &mut DbConnection, key: KeyId) -> Result<Option<i64>, DbError> {
    Ok(endorsements::table
        .filter(endorsements::key_id.eq(key))
        .select(diesel::dsl::max(endorsements::status_index))
        .first(conn)?)
}

/// The revoked endorsements of a key's status list: their places, and when each was
/// revoked.
pub fn revoked_endorsements(
    conn: &mut DbConnection,
    key: KeyId,
) -> Result<Vec<(i64, Option<NaiveDateTime>)>, DbError> {
    Ok(endorsements::table
        .filter(endorsements::key_id.eq(key))
        .filter(endorsements::revoked_at.is_not_null())
        .select((endorsements::status_index, endorsements::revoked_at))
        .load(conn)?)
}

/// Revokes the organisation's endorsement of a certificate; false if it has none in force.
pub fn revoke_endorsement(
    conn: &mut DbConnection,
    certificate: CertificateId,
    organisation: OrganisationId,
    reason: &str,
    by: Option<UserId>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        endorsements::table
            .filter(endorsements::certificate_id.eq(certificate))
            .filter(endorsements::organisation_id.eq(organisation))
            .filter(endorsements::revoked_at.is_null()),
    )
    .set((
        endorsements::revoked_at.eq(now),
        endorsements::revoked_reason.eq(reason),
        endorsements::revoked_by.eq(by),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A certificate an organisation endorses, for its list.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct EndorsedView {
    pub serial: String,
    pub name_km: String,
    pub name_latin: String,
    pub course_slug: String,
    pub title_km: String,
    pub title_en: String,
    pub issued_at: NaiveDateTime,
    pub certificate_revoked_at: Option<NaiveDateTime>,
    pub endorsement_revoked_at: Option<NaiveDateTime>,
}

/// The certificates an organisation's key endorses, newest first; `term` narrows to a
/// serial.
pub fn endorsed_by(
    conn: &mut DbConnection,
    organisation: OrganisationId,
    serial: Option<&str>,
    limit: i64,
) -> Result<Vec<EndorsedView>, DbError> {
    let mut query = endorsements::table
        .inner_join(
            certificates::table
                .inner_join(courses::table)
                .inner_join(course_versions::table),
        )
        .filter(endorsements::organisation_id.eq(organisation))
        .into_boxed();
    if let Some(serial) = serial {
        query = query.filter(certificates::serial.eq(serial.to_owned()));
    }
    Ok(query
        .order(certificates::id.desc())
        .limit(limit)
        .select((
            certificates::serial,
            certificates::name_km,
            certificates::name_latin,
            courses::slug,
            course_versions::title_km,
            course_versions::title_en,
            certificates::issued_at,
            certificates::revoked_at,
            endorsements::revoked_at,
        ))
        .load(conn)?)
}
