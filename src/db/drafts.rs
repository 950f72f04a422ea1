//! Drafts of the course studio and their files.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{draft_files, drafts, source_blobs, version_files};
use super::{DbConnection, DbError, on_backend};
use crate::model::ids::{DraftId, OrganisationId, UserId, VersionId};

/// A draft as stored.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = drafts)]
pub struct DraftRow {
    pub id: DraftId,
    pub organisation_id: OrganisationId,
    pub course_slug: String,
    pub base_version_id: Option<VersionId>,
    pub created_by: Option<UserId>,
    pub updated_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Starts a draft of `organisation`'s course `slug` with the folder of `version`.
pub fn start_from(
    conn: &mut DbConnection,
    organisation: OrganisationId,
    slug: &str,
    version: VersionId,
    by: Option<UserId>,
    now: NaiveDateTime,
) -> Result<DraftId, DbError> {
    let values = (
        drafts::organisation_id.eq(organisation),
        drafts::course_slug.eq(slug),
        drafts::base_version_id.eq(Some(version)),
        drafts::created_by.eq(by),
        drafts::updated_by.eq(by),
        drafts::created_at.eq(now),
        drafts::updated_at.eq(now),
    );
    let id: DraftId = on_backend!(conn, |c| diesel::insert_into(drafts::table)
        .values(values)
        .returning(drafts::id)
        .get_result(c))?;
    let files: Vec<(String, String)> = version_files::table
        .filter(version_files::version_id.eq(version))
        .select((version_files::path, version_files::hash))
        .load(conn)?;
    for (path, hash) in files {
        insert_file(conn, id, &path, &hash)?;
    }
    Ok(id)
}

pub fn find(conn: &mut DbConnection, id: DraftId) -> Result<Option<DraftRow>, DbError> {
    Ok(drafts::table
        .find(id)
        .select(DraftRow::as_select())
        .first(conn)
        .optional()?)
}

/// The drafts of these organisations, the most recently changed first.
pub fn of_organisations(
    conn: &mut DbConnection,
    organisations: &[OrganisationId],
) -> Result<Vec<DraftRow>, DbError> {
    Ok(drafts::table
        .filter(drafts::organisation_id.eq_any(organisations))
        .order(drafts::updated_at.desc())
        .select(DraftRow::as_select())
        .load(conn)?)
}

/// The draft's folder: path → bytes.
pub fn files(conn: &mut DbConnection, id: DraftId) -> Result<BTreeMap<String, Vec<u8>>, DbError> {
    Ok(draft_files::table
        .inner_join(source_blobs::table)
        .filter(draft_files::draft_id.eq(id))
        .select((draft_files::path, source_blobs::bytes))
        .load::<(String, Vec<u8>)>(conn)?
        .into_iter()
        .collect())
}

/// The hash of the draft's file at `path`, if it has one.
pub fn file_hash(
    conn: &mut DbConnection,
    id: DraftId,
    path: &str,
) -> Result<Option<String>, DbError> {
    Ok(draft_files::table
        .filter(draft_files::draft_id.eq(id))
        .filter(draft_files::path.eq(path))
        .select(draft_files::hash)
        .first(conn)
        .optional()?)
}

/// Makes the draft's file at `path` the bytes stored under `hash` (stored already).
pub fn set_file(
    conn: &mut DbConnection,
    id: DraftId,
    path: &str,
    hash: &str,
) -> Result<(), DbError> {
    diesel::delete(
        draft_files::table
            .filter(draft_files::draft_id.eq(id))
            .filter(draft_files::path.eq(path)),
    )
    .execute(conn)?;
    insert_file(conn, id, path, hash)
}

fn insert_file(
    conn: &mut DbConnection,
    id: DraftId,
    path: &str,
    hash: &str,
) -> Result<(), DbError> {
    diesel::insert_into(draft_files::table)
        .values((
            draft_files::draft_id.eq(id),
            draft_files::path.eq(path),
            draft_files::hash.eq(hash),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes the draft's file at `path`.
pub fn remove_file(conn: &mut DbConnection, id: DraftId, path: &str) -> Result<(), DbError> {
    diesel::delete(
        draft_files::table
            .filter(draft_files::draft_id.eq(id))
            .filter(draft_files::path.eq(path)),
    )
    .execute(conn)?;
    Ok(())
}

/// Records who changed the draft last, and when.
pub fn touch(
    conn: &mut DbConnection,
    id: DraftId,
    by: Option<UserId>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(drafts::table.find(id))
        .set((drafts::updated_by.eq(by), drafts::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Discards a draft and its files (their blobs stay: versions may hold them).
pub fn delete(conn: &mut DbConnection, id: DraftId) -> Result<bool, DbError> {
    Ok(diesel::delete(drafts::table.find(id)).execute(conn)? == 1)
}
