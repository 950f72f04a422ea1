//! Each organisation's signatories (the people whose name, title and signature a
//! certificate prints) and its logo. Only the organisation's publishers and administrators
//! change these; a course picks signatories from them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{organisations, signatories};
use super::{DbConnection, DbError, on_backend};
use crate::model::ids::{OrganisationId, SignatoryId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = signatories)]
pub struct SignatoryRow {
    pub id: SignatoryId,
    pub organisation_id: OrganisationId,
    pub handle: String,
    pub name_km: String,
    pub name_en: String,
    pub title_km: String,
    pub title_en: String,
    pub signature_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
}

pub struct NewSignatory<'a> {
    pub organisation: OrganisationId,
    pub handle: &'a str,
    pub name: (&'a str, &'a str),
    pub title: (&'a str, &'a str),
    pub signature_hash: Option<&'a str>,
    pub created_by: Option<UserId>,
}

/// An organisation's signatories, those in office first, then by handle.
pub fn of_organisation(
    conn: &mut DbConnection,
    organisation: OrganisationId,
) -> Result<Vec<SignatoryRow>, DbError> {
    let mut rows: Vec<SignatoryRow> = signatories::table
        .filter(signatories::organisation_id.eq(organisation))
        .order(signatories::handle)
        .select(SignatoryRow::as_select())
        .load(conn)?;
    rows.sort_by_key(|row| row.retired_at.is_some());
    Ok(rows)
}

/// A signatory by the handle a course names (`mrd/director-general` names handle
/// `director-general` of `mrd`).
pub fn by_handle(
    conn: &mut DbConnection,
    organisation: OrganisationId,
    handle: &str,
) -> Result<Option<SignatoryRow>, DbError> {
    Ok(signatories::table
        .filter(signatories::organisation_id.eq(organisation))
        .filter(signatories::handle.eq(handle))
        .select(SignatoryRow::as_select())
        .first(conn)
        .optional()?)
}

/// Signatories by id, in the order asked.
pub fn by_ids(conn: &mut DbConnection, ids: &[SignatoryId]) -> Result<Vec<SignatoryRow>, DbError> {
    let rows: Vec<SignatoryRow> = signatories::table
        .filter(signatories::id.eq_any(ids.to_vec()))
        .select(SignatoryRow::as_select())
        .load(conn)?;
    Ok(ids
        .iter()
        .filter_map(|id| rows.iter().find(|row| row.id == *id).cloned())
        .collect())
}

pub fn insert(
    conn: &mut DbConnection,
    new: &NewSignatory<'_>,
    now: NaiveDateTime,
) -> Result<SignatoryId, DbError> {
    let values = (
        signatories::organisation_id.eq(new.organisation),
        signatories::handle.eq(new.handle),
        signatories::name_km.eq(new.name.0),
        signatories::name_en.eq(new.name.1),
        signatories::title_km.eq(new.title.0),
        signatories::title_en.eq(new.title.1),
        signatories::signature_hash.eq(new.signature_hash),
        signatories::created_by.eq(new.created_by),
        signatories::created_at.eq(now),
    );
    Ok(on_backend!(conn, |c| diesel::insert_into(
        signatories::table
    )
    .values(values)
    .returning(signatories::id)
    .get_result::<SignatoryId>(c))?)
}

/// Marks a signatory as no longer signing; false if there is no such signatory in office
/// in this organisation. Versions that already name them keep printing them.
pub fn retire(
    conn: &mut DbConnection,
    organisation: OrganisationId,
    id: SignatoryId,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        signatories::table
            .filter(signatories::id.eq(id))
            .filter(signatories::organisation_id.eq(organisation))
            .filter(signatories::retired_at.is_null()),
    )
    .set(signatories::retired_at.eq(now))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The stored picture of the organisation's logo, if it has one.
pub fn logo(
    conn: &mut DbConnection,
    organisation: OrganisationId,
) -> Result<Option<String>, DbError> {
    Ok(organisations::table
        .find(organisation)
        .select(organisations::logo_hash)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

pub fn set_logo(
    conn: &mut DbConnection,
    organisation: OrganisationId,
    hash: Option<&str>,
) -> Result<(), DbError> {
    diesel::update(organisations::table.find(organisation))
        .set(organisations::logo_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}
