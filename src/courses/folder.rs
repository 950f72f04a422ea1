//! A version as the course folder it was made from. Publishing keeps the folder's files
//! (`db::sources`, each stored once by content); any version or draft can then be
//! downloaded as a zip of exactly that folder, which `sala course check`, a text editor
//! and the upload form all take back. A round trip changes nothing: the folder's digest,
//! which publishing compares, is the same.

use std::io::{Cursor, Write};

use sha2::{Digest, Sha256};

use super::source::{SourceFiles, hex};
use crate::bounded::{Bounded, WorkError};
use crate::db::{self, Db, DbConnection, DbError};
use crate::model::ids::{OrganisationId, VersionId};

/// Keeps `files` as the folder of `version` (once: a version that has its folder keeps
/// it). Called in the transaction that stores the version.
pub fn keep(
    conn: &mut DbConnection,
    version: VersionId,
    files: &SourceFiles,
) -> Result<(), DbError> {
    let hashed: Vec<(&str, String, &[u8])> = files
        .files
        .iter()
        .map(|(path, bytes)| (path.as_str(), hex(&Sha256::digest(bytes)), bytes.as_slice()))
        .collect();
    let rows: Vec<(&str, &str, &[u8])> = hashed
        .iter()
        .map(|(path, hash, bytes)| (*path, hash.as_str(), *bytes))
        .collect();
    db::sources::keep(conn, version, &rows)
}

/// Why a folder could not be downloaded.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error(transparent)]
    Db(#[from] DbError),
    /// Every slot for course work is taken, or zipping ran out of time (`bounded`).
    #[error(transparent)]
    Work(#[from] WorkError),
    #[error("zipping the folder failed: {0}")]
    Zip(String),
}

/// A course folder as a zip to download.
#[derive(Debug)]
pub struct Download {
    /// `wash-v3.zip`, or `wash-draft.zip` for a draft.
    pub file_name: String,
    pub zip: Vec<u8>,
}

/// The folder of `version` as a zip, when the version belongs to a course published by
/// `organisation` or one below it and its folder was kept; `None` otherwise (to the
/// publisher, the same "not found"). Zipping is CPU work a request starts: it runs on the
/// bounded blocking pool.
pub async fn download(
    db: &Db,
    work: &Bounded,
    version: VersionId,
    organisation: OrganisationId,
) -> Result<Option<Download>, DownloadError> {
    let found = db
        .read(move |conn| {
            let Some(owner) = db::sources::owner(conn, version)? else {
                return Ok(None);
            };
            if !db::organisations::lineage(conn, owner.organisation_id)?.contains(&organisation) {
                return Ok(None);
            }
            let files = db::sources::folder(conn, version)?;
            Ok::<_, DbError>(Some((owner, files)).filter(|(_, files)| !files.is_empty()))
        })
        .await?;
    let Some((owner, files)) = found else {
        return Ok(None);
    };
    let file_name = match owner.number {
        Some(number) => format!("{}-v{number}.zip", owner.slug),
        None => format!("{}-draft.zip", owner.slug),
    };
    let folder = owner.slug;
    let zip = work
        .run(move || zip_folder(&folder, &SourceFiles { files }))
        .await?
        .map_err(|e| DownloadError::Zip(e.to_string()))?;
    Ok(Some(Download { file_name, zip }))
}

/// The files under one top folder named `folder` (a zipped course folder, which an upload
/// takes back as it is), deflated, with no timestamps of ours: the same folder gives the
/// same bytes.
fn zip_folder(folder: &str, files: &SourceFiles) -> Result<Vec<u8>, zip::result::ZipError> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (path, bytes) in &files.files {
        writer.start_file(format!("{folder}/{path}"), options)?;
        writer.write_all(bytes)?;
    }
    Ok(writer.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zipped_folder_reads_back_as_the_same_files() {
        let mut files = SourceFiles::default();
        files
            .files
            .insert("course.toml".into(), b"id = \"x\"\n".to_vec());
        files
            .files
            .insert("chapters/01-a.km.md".into(), "# ក".as_bytes().to_vec());
        files.files.insert(
            "media/pump.png".into(),
            vec![0x89, b'P', b'N', b'G', 0, 1, 2],
        );
        let zip = zip_folder("wash", &files).unwrap();
        let back = SourceFiles::from_zip(&zip).unwrap();
        assert_eq!(back, files);
        assert_eq!(back.digest(), files.digest());
        assert_eq!(
            zip_folder("wash", &files).unwrap(),
            zip,
            "the same bytes each time"
        );
    }
}
