//! `sala keys rotate-kek`: a new key-encryption secret, with every signing key sealed again
//! under it in one transaction. The order makes every crash safe: the new secret is written
//! to `<file>.new` (synced) before the transaction, so keys are never sealed under a secret
//! that is not on disk, and it takes the old file's place only after the commit.

use std::fs;
use std::path::{Path, PathBuf};

use crate::certificates::{Authority, CertError, Sealer};
use crate::config::Settings;
use crate::db::Db;
use crate::secrets::{self, SecretError};

#[derive(Debug, thiserror::Error)]
pub enum RekeyError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("the signing keys were not sealed again, nothing changed: {0}")]
    Keys(#[from] CertError),
    #[error(
        "{0} is left from an interrupted rotation: if that rotation said the keys were sealed, rename it to {1}; otherwise delete it and run this again"
    )]
    Interrupted(String, String),
    #[error(
        "the keys are sealed under the new secret in {0}, but it could not take the old one's place ({1}): rename it to {2} before starting Sala"
    )]
    Rename(String, std::io::Error, String),
}

/// What the rotation did.
#[derive(Debug)]
pub struct Rotated {
    pub keys: usize,
    pub path: PathBuf,
}

/// Replaces the key-encryption secret that `authority` was built with.
pub fn rotate(settings: &Settings, db: &Db, authority: &Authority) -> Result<Rotated, RekeyError> {
    let path = secrets::kek_path(
        settings.key_encryption_key_file.as_deref(),
        &settings.data_dir,
    );
    let mut staged = path.clone().into_os_string();
    staged.push(".new");
    let staged = PathBuf::from(staged);
    if staged.exists() {
        return Err(RekeyError::Interrupted(shown(&staged), shown(&path)));
    }
    let new = secrets::new_kek_file(&staged)?;
    let sealer = Sealer::from_kek(new.expose());
    let keys = match db.blocking_write(|conn| authority.reseal_all(conn, &sealer)) {
        Ok(keys) => keys,
        Err(error) => {
            // Nothing was sealed under it: the staged secret is of no use.
            let _ = fs::remove_file(&staged);
            return Err(error.into());
        }
    };
    fs::rename(&staged, &path)
        .and_then(|()| sync_folder(&path))
        .map_err(|e| RekeyError::Rename(shown(&staged), e, shown(&path)))?;
    tracing::info!(keys, path = %path.display(), "replaced the key-encryption secret");
    Ok(Rotated { keys, path })
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

fn sync_folder(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => fs::File::open(folder)?.sync_all(),
        _ => Ok(()),
    }
}
