//! Signing keys and issued certificates.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{certificates, courses, signing_keys, users};
use super::{DbConnection, DbError};
use crate::model::ids::{CertificateId, CourseId, KeyId, OrganisationId, UserId, VersionId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signing_keys)]
pub struct KeyRow {
    pub id: KeyId,
    pub organisation_id: OrganisationId,
    pub name: String,
    pub public_key: Vec<u8>,
    pub sealed_private_key: Vec<u8>,
    pub created_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
}

/// The organisation's key in use, if it has one.
pub fn current_key(
    conn: &mut DbConnection,
    organisation: OrganisationId,
) -> Result<Option<KeyRow>, DbError> {
    Ok(signing_keys::table
        .filter(signing_keys::organisation_id.eq(organisation.0))
        .filter(signing_keys::retired_at.is_null())
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every key the organisation has had, oldest first.
pub fn keys_of(
    conn: &mut DbConnection,
    organisation: OrganisationId,
) -> Result<Vec<KeyRow>, DbError> {
    Ok(signing_keys::table
        .filter(signing_keys::organisation_id.eq(organisation.0))
        .order(signing_keys::id)
        .select(KeyRow::as_select())
        .load(conn)?)
}

pub fn key(conn: &mut DbConnection, id: KeyId) -> Result<Option<KeyRow>, DbError> {
    Ok(signing_keys::table
        .find(id)
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?)
}

/// Retires the organisation's current key and stores a new one.
pub fn replace_key(
    conn: &mut DbConnection,
    organisation: OrganisationId,
    name: &str,
    public_key: &[u8],
    sealed: &[u8],
    now: NaiveDateTime,
) -> Result<KeyRow, DbError> {
    diesel::update(
        signing_keys::table
            .filter(signing_keys::organisation_id.eq(organisation.0))
            .filter(signing_keys::retired_at.is_null()),
    )
    .set(signing_keys::retired_at.eq(now))
    .execute(conn)?;
    let values = (
        signing_keys::organisation_id.eq(organisation.0),
        signing_keys::name.eq(name),
        signing_keys::public_key.eq(public_key),
        signing_keys::sealed_private_key.eq(sealed),
        signing_keys::created_at.eq(now),
    );
    let id: KeyId = super::on_backend!(conn, |c| diesel::insert_into(signing_keys::table)
        .values(values)
        .returning(signing_keys::id)
        .get_result(c))?;
    key(conn, id)?.ok_or_else(|| DbError::Corrupt("a key vanished as it was stored".into()))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certificates)]
pub struct CertificateRow {
    pub id: CertificateId,
    pub serial: String,
    pub user_id: UserId,
    pub course_id: CourseId,
    pub version_id: VersionId,
    pub key_id: KeyId,
    pub status_index: i64,
    pub name_km: String,
    pub name_latin: String,
    pub score: i32,
    pub completed_at: NaiveDateTime,
    pub issued_at: NaiveDateTime,
    pub credential: String,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_reason: Option<String>,
    pub revoked_by: Option<UserId>,
    pub replaced_by: Option<String>,
}

pub struct NewCertificate<'a> {
    pub serial: &'a str,
    pub user: UserId,
    pub course_id: CourseId,
    pub version_id: VersionId,
    pub key_id: KeyId,
    pub status_index: i64,
    pub names: (&'a str, &'a str),
    pub score: i32,
    pub completed_at: NaiveDateTime,
    pub issued_at: NaiveDateTime,
    pub credential: &'a str,
}

pub fn insert(conn: &mut DbConnection, c: &NewCertificate<'_>) -> Result<CertificateId, DbError> {
    let values = (
        certificates::serial.eq(c.serial),
        certificates::user_id.eq(c.user.0),
        certificates::course_id.eq(c.course_id),
        certificates::version_id.eq(c.version_id),
        certificates::key_id.eq(c.key_id),
        certificates::status_index.eq(c.status_index),
        certificates::name_km.eq(c.names.0),
        certificates::name_latin.eq(c.names.1),
        certificates::score.eq(c.score),
        certificates::completed_at.eq(c.completed_at),
        certificates::issued_at.eq(c.issued_at),
        certificates::credential.eq(c.credential),
    );
    let id = super::on_backend!(conn, |c| diesel::insert_into(certificates::table)
        .values(values)
        .returning(certificates::id)
        .get_result(c))?;
    super::summary::certified(conn, c.user, c.course_id, c.issued_at)?;
    Ok(id)
}

/// The next free place in the key's status list, which the certificates the key signs
/// and the endorsements it makes share.
pub fn next_status_index(conn: &mut DbConnection, key: KeyId) -> Result<i64, DbError> {
    let max: Option<i64> = certificates::table
        .filter(certificates::key_id.eq(key))
        .select(diesel::dsl::max(certificates::status_index))
        .first(conn)?;
    let endorsed = super::cosigning::last_endorsement_index(conn, key)?;
    Ok(max.max(endorsed).map_or(0, |m| m + 1))
}

pub fn serial_taken(conn: &mut DbConnection, serial: &str) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        certificates::table.filter(certificates::serial.eq(serial)),
    ))
    .get_result(conn)?)
}

pub fn by_serial(conn: &mut DbConnection, serial: &str) -> Result<Option<CertificateRow>, DbError> {
    Ok(certificates::table
        .filter(certificates::serial.eq(serial))
        .select(CertificateRow::as_select())
        .first(conn)
        .optional()?)
}

/// A learner's certificates, newest first.
pub fn of_user(conn: &mut DbConnection, user: UserId) -> Result<Vec<CertificateRow>, DbError> {
    Ok(certificates::table
        .filter(certificates::user_id.eq(user.0))
        .order(certificates::issued_at.desc())
        .select(CertificateRow::as_select())
        .load(conn)?)
}

/// The certificates in force for a course, of learners in the given organisations, by
/// Latin name.
pub fn in_force_for_course(
    conn: &mut DbConnection,
    course: CourseId,
    organisations: &[OrganisationId],
) -> Result<Vec<CertificateRow>, DbError> {
    let learners = users::table
        .filter(users::organisation_id.eq_any(organisations.to_vec()))
        .select(users::id);
    Ok(certificates::table
        .filter(certificates::course_id.eq(course))
        .filter(certificates::revoked_at.is_null())
        .filter(certificates::user_id.eq_any(learners))
        .order((certificates::name_latin, certificates::id))
        .select(CertificateRow::as_select())
        .load(conn)?)
}

/// The revoked places of a key's status list (certificates and endorsements), and when the
/// last one was revoked.
pub fn revoked(
    conn: &mut DbConnection,
    key: KeyId,
) -> Result<(Vec<i64>, Option<NaiveDateTime>), DbError> {
    let mut rows: Vec<(i64, Option<NaiveDateTime>)> = certificates::table
        .filter(certificates::key_id.eq(key))
        .filter(certificates::revoked_at.is_not_null())
        .select((certificates::status_index, certificates::revoked_at))
        .load(conn)?;
    rows.extend(super::cosigning::revoked_endorsements(conn, key)?);
    let last = rows.iter().filter_map(|(_, at)| *at).max();
    Ok((rows.into_iter().map(|(i, _)| i).collect(), last))
}

/// Marks a certificate revoked; false if it already was.
pub fn revoke(
    conn: &mut DbConnection,
    id: CertificateId,
    reason: &str,
    by: Option<UserId>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        certificates::table
            .filter(certificates::id.eq(id))
            .filter(certificates::revoked_at.is_null()),
    )
    .set((
        certificates::revoked_at.eq(now),
        certificates::revoked_reason.eq(reason),
        certificates::revoked_by.eq(by),
    ))
    .execute(conn)?;
    if changed == 1 {
        let (user, course): (UserId, CourseId) = certificates::table
            .find(id)
            .select((certificates::user_id, certificates::course_id))
            .first(conn)?;
        super::summary::certified(conn, user, course, now)?;
    }
    Ok(changed == 1)
}

/// The course's organisation and slug for a certificate's course.
pub fn course_owner(
    conn: &mut DbConnection,
    course: CourseId,
) -> Result<Option<(OrganisationId, String)>, DbError> {
    Ok(courses::table
        .find(course)
        .select((courses::organisation_id, courses::slug))
        .first(conn)
        .optional()?)
}

/// Names the certificate that replaced a revoked one.
pub fn set_replaced_by(
    conn: &mut DbConnection,
    id: CertificateId,
    serial: &str,
) -> Result<(), DbError> {
    diesel::update(certificates::table.find(id))
        .set(certificates::replaced_by.eq(serial))
        .execute(conn)?;
    Ok(())
}

/// The certificate at a place in a key's status list.
pub fn by_status(
    conn: &mut DbConnection,
    key: KeyId,
    index: i64,
) -> Result<Option<CertificateRow>, DbError> {
    Ok(certificates::table
        .filter(certificates::key_id.eq(key))
        .filter(certificates::status_index.eq(index))
        .select(CertificateRow::as_select())
        .first(conn)
        .optional()?)
}

/// The newest certificate ever issued to a learner for a course.
pub fn latest_for(
    conn: &mut DbConnection,
    user: UserId,
    course: CourseId,
) -> Result<Option<CertificateRow>, DbError> {
    Ok(certificates::table
        .filter(certificates::user_id.eq(user.0))
        .filter(certificates::course_id.eq(course))
        .order(certificates::id.desc())
        .select(CertificateRow::as_select())
        .first(conn)
        .optional()?)
}

/// A learner's completions for which no certificate was ever issued.
pub fn completions_without_certificate(
    conn: &mut DbConnection,
    user: UserId,
) -> Result<Vec<crate::model::certificates::Completed>, DbError> {
    use super::schema::completions;
    let issued = certificates::table
        .filter(certificates::user_id.eq(user.0))
        .select(certificates::course_id);
    let rows: Vec<(CourseId, VersionId, i32, NaiveDateTime)> = completions::table
        .filter(completions::user_id.eq(user.0))
        .filter(completions::course_id.ne_all(issued))
        .select((
            completions::course_id,
            completions::version_id,
            completions::score,
            completions::completed_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(course_id, version_id, score, completed_at)| crate::model::certificates::Completed {
                user,
                course_id,
                version_id,
                score,
                completed_at,
            },
        )
        .collect())
}

/// A certificate with its course, for the staff list.
#[derive(Debug, Clone, serde::Serialize, Queryable)]
pub struct IssuedRow {
    pub serial: String,
    pub name_km: String,
    pub name_latin: String,
    pub course_slug: String,
    pub title_km: String,
    pub title_en: String,
    pub issued_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_reason: Option<String>,
    pub replaced_by: Option<String>,
}

/// Certificates of the courses the organisations publish, newest first; `term` narrows
/// to a serial or a name.
pub fn issued_by(
    conn: &mut DbConnection,
    organisations: &[OrganisationId],
    term: &str,
    limit: i64,
) -> Result<Vec<IssuedRow>, DbError> {
    use super::schema::course_versions;
    let mut query = certificates::table
        .inner_join(courses::table)
        .inner_join(course_versions::table)
        .filter(courses::organisation_id.eq_any(organisations.to_vec()))
        .into_boxed();
    if !term.is_empty() {
        let pattern = super::contains_pattern(term);
        let serial = term.to_ascii_uppercase();
        query = query.filter(
            certificates::serial
                .eq(serial)
                .or(super::lower(certificates::name_latin)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(certificates::name_km.like(pattern).escape('\\')),
        );
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
            certificates::revoked_reason,
            certificates::replaced_by,
        ))
        .load(conn)?)
}

/// For each course, how many certificates in force the people of the organisations hold.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Cohort {
    pub slug: String,
    pub title_km: String,
    pub title_en: String,
    pub count: i64,
}

pub fn cohorts(
    conn: &mut DbConnection,
    organisations: &[OrganisationId],
) -> Result<Vec<Cohort>, DbError> {
    let learners = users::table
        .filter(users::organisation_id.eq_any(organisations.to_vec()))
        .select(users::id);
    let counts: Vec<(CourseId, i64)> = certificates::table
        .filter(certificates::revoked_at.is_null())
        .filter(certificates::user_id.eq_any(learners))
        .group_by(certificates::course_id)
        .select((certificates::course_id, diesel::dsl::count_star()))
        .load(conn)?;
    let mut out = Vec::new();
    for (course, count) in counts {
        let Some((_, slug)) = course_owner(conn, course)? else {
            continue;
        };
        if let Some(version) = super::learning::current_version(conn, &slug)? {
            out.push(Cohort {
                slug,
                title_km: version.title.km,
                title_en: version.title.en,
                count,
            });
        }
    }
    out.sort_by(|a, b| a.slug.cmp(&b.slug));
    Ok(out)
}
