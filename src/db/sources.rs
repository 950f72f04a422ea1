//! The course folder each version was made from: its files, stored once by content.

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::schema::{course_versions, courses, source_blobs, version_files};
use super::{DbConnection, DbError, on_backend};
use crate::model::ids::{OrganisationId, VersionId};

/// Stores `files` (path → bytes, each with its SHA-256 `hash`) as the folder of `version`,
/// unless the version already has its folder. A blob already stored for another version
/// is not stored again.
pub fn keep(
    conn: &mut DbConnection,
    version: VersionId,
    files: &[(&str, &str, &[u8])],
) -> Result<(), DbError> {
    let stored: i64 = version_files::table
        .filter(version_files::version_id.eq(version))
        .count()
        .get_result(conn)?;
    if stored > 0 {
        return Ok(());
    }
    for (path, hash, bytes) in files {
        put_blob(conn, hash, bytes)?;
        diesel::insert_into(version_files::table)
            .values((
                version_files::version_id.eq(version),
                version_files::path.eq(*path),
                version_files::hash.eq(*hash),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The folder of `version`: path → bytes; empty for a version published before folders
/// were kept.
pub fn folder(
    conn: &mut DbConnection,
    version: VersionId,
) -> Result<BTreeMap<String, Vec<u8>>, DbError> {
    Ok(version_files::table
        .inner_join(source_blobs::table)
        .filter(version_files::version_id.eq(version))
        .select((version_files::path, source_blobs::bytes))
        .load::<(String, Vec<u8>)>(conn)?
        .into_iter()
        .collect())
}

/// A version as a download names it: its course's slug and publisher, and its number
/// (`None` for a draft).
#[derive(Debug, Clone, Queryable)]
pub struct VersionOwner {
    pub slug: String,
    pub organisation_id: OrganisationId,
    pub number: Option<i32>,
}

pub fn owner(conn: &mut DbConnection, version: VersionId) -> Result<Option<VersionOwner>, DbError> {
    Ok(course_versions::table
        .inner_join(courses::table)
        .filter(course_versions::id.eq(version))
        .select((
            courses::slug,
            courses::organisation_id,
            course_versions::number,
        ))
        .first(conn)
        .optional()?)
}

/// Of these versions, those whose folder is kept.
pub fn with_folder(
    conn: &mut DbConnection,
    versions: &[VersionId],
) -> Result<Vec<VersionId>, DbError> {
    Ok(version_files::table
        .filter(version_files::version_id.eq_any(versions))
        .select(version_files::version_id)
        .distinct()
        .load(conn)?)
}

/// Stores a file's bytes under their SHA-256 `hash`, unless they are stored already.
pub fn put_blob(conn: &mut DbConnection, hash: &str, bytes: &[u8]) -> Result<(), DbError> {
    let known: i64 = source_blobs::table
        .filter(source_blobs::hash.eq(hash))
        .count()
        .get_result(conn)?;
    if known == 0 {
        // Two writers may both find the blob missing: the second insert changes nothing.
        let blob = (source_blobs::hash.eq(hash), source_blobs::bytes.eq(bytes));
        on_backend!(conn, |c| diesel::insert_into(source_blobs::table)
            .values(blob)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(())
}
