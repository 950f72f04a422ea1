//! Organisations and the walk up their tree.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::organisations;
use super::{DbConnection, DbError};
use crate::model::ids::{OrganisationId, ProvinceId};
use crate::model::organisations::{NewOrganisation, OrgKind, Organisation};

#[derive(Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub(super) struct OrganisationRow {
    id: i64,
    parent_id: Option<i64>,
    slug: String,
    kind: String,
    name_km: String,
    name_en: String,
    province_id: Option<i32>,
}

impl OrganisationRow {
    /// `None` only if the row holds a kind the CHECK constraint does not allow.
    pub(super) fn into_domain(self) -> Option<Organisation> {
        Some(Organisation {
            id: OrganisationId(self.id),
            parent_id: self.parent_id.map(OrganisationId),
            slug: self.slug,
            kind: OrgKind::parse(&self.kind)?,
            name_km: self.name_km,
            name_en: self.name_en,
            province_id: self.province_id.map(ProvinceId),
        })
    }
}

pub fn all(conn: &mut DbConnection) -> Result<Vec<Organisation>, DbError> {
    Ok(organisations::table
        .select(OrganisationRow::as_select())
        .load(conn)?
        .into_iter()
        .filter_map(OrganisationRow::into_domain)
        .collect())
}

pub fn find(conn: &mut DbConnection, id: OrganisationId) -> Result<Option<Organisation>, DbError> {
    Ok(organisations::table
        .find(id.0)
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()?
        .and_then(OrganisationRow::into_domain))
}

/// The ids of an organisation and every organisation below it.
pub fn ids_under(
    conn: &mut DbConnection,
    root: OrganisationId,
) -> Result<Vec<OrganisationId>, DbError> {
    Ok(crate::model::organisations::subtree(&all(conn)?, root)
        .iter()
        .map(|o| o.id)
        .collect())
}

pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> Result<Option<Organisation>, DbError> {
    Ok(organisations::table
        .filter(organisations::slug.eq(slug))
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()?
        .and_then(OrganisationRow::into_domain))
}

pub fn slug_taken(conn: &mut DbConnection, slug: &str) -> Result<bool, DbError> {
    Ok(organisations::table
        .filter(organisations::slug.eq(slug))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn insert(
    conn: &mut DbConnection,
    new: &NewOrganisation,
    now: NaiveDateTime,
) -> Result<Organisation, DbError> {
    diesel::insert_into(organisations::table)
        .values((
            organisations::parent_id.eq(new.parent_id.map(|id| id.0)),
            organisations::slug.eq(new.slug.as_str()),
            organisations::kind.eq(new.kind.as_str()),
            organisations::name_km.eq(&new.name_km),
            organisations::name_en.eq(&new.name_en),
            organisations::province_id.eq(new.province_id.map(|id| id.0)),
            organisations::created_at.eq(now),
        ))
        .execute(conn)?;
    find_by_slug(conn, new.slug.as_str())?.ok_or(DbError::Query(diesel::result::Error::NotFound))
}

/// The organisation and its ancestors, nearest first. The walk stops at a root, and after
/// 32 steps in case the data were ever made cyclic by hand.
pub fn lineage(
    conn: &mut DbConnection,
    id: OrganisationId,
) -> Result<Vec<OrganisationId>, DbError> {
    let mut chain = vec![id];
    let mut current = id;
    for _ in 0..32 {
        let parent: Option<Option<i64>> = organisations::table
            .find(current.0)
            .select(organisations::parent_id)
            .first(conn)
            .optional()?;
        match parent.flatten() {
            Some(parent) if !chain.contains(&OrganisationId(parent)) => {
                current = OrganisationId(parent);
                chain.push(current);
            }
            _ => break,
        }
    }
    Ok(chain)
}
