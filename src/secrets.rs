//! Sala's two secrets, each generated on first start into the data directory (mode 0600)
//! unless configured; several instances behind one load balancer must share both.
//!
//! - The **cookie key** (`cookie.key`, or `SALA_COOKIE_KEY`) signs and encrypts session
//!   cookies and keys the links in invitation emails. Replacing it signs everyone out.
//! - The **key-encryption secret** (`signing.kek`, or the file named by
//!   `SALA_KEY_ENCRYPTION_KEY_FILE`, which can live outside the data directory) seals the
//!   organisations' private signing keys in the database. It is needed to sign a
//!   certificate, never to verify one; `sala keys rotate-kek` replaces it.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use rand::rngs::OsRng;
use secrecy::{ExposeSecret, SecretString};

const KEY_BYTES: usize = 64;
const FILE_NAME: &str = "cookie.key";
/// The key-encryption secret's file in the data directory, when no other is configured.
pub const KEK_FILE_NAME: &str = "signing.kek";
const KEK_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the cookie key file {0} could not be read or written: {1}")]
    File(String, std::io::Error),
    #[error("the cookie key must be at least {KEY_BYTES} bytes of base64 ({0})")]
    Malformed(String),
    #[error(
        "the key-encryption secret {0} could not be read or written: {1} (see SALA_KEY_ENCRYPTION_KEY_FILE in README.md)"
    )]
    KekFile(String, std::io::Error),
    #[error(
        "the key-encryption secret {0} must hold at least {KEK_BYTES} random bytes as base64 (for example from `openssl rand -base64 32`)"
    )]
    KekMalformed(String),
}

/// The key-encryption secret: at least 32 random bytes. Not `Debug`, never logged.
pub struct KeyEncryptionKey(Vec<u8>);

impl KeyEncryptionKey {
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

/// Where the key-encryption secret is: the configured file, else `<data_dir>/signing.kek`.
pub fn kek_path(configured: Option<&Path>, data_dir: &Path) -> PathBuf {
    configured.map_or_else(|| data_dir.join(KEK_FILE_NAME), Path::to_path_buf)
}

/// The key-encryption secret. The file in the data directory is made on first start; a
/// configured file must exist (a missing mount must not quietly become a new secret).
pub fn key_encryption_key(
    configured: Option<&Path>,
    data_dir: &Path,
) -> Result<KeyEncryptionKey, SecretError> {
    let path = kek_path(configured, data_dir);
    match read_kek(&path) {
        Err(SecretError::KekFile(_, e))
            if configured.is_none() && e.kind() == std::io::ErrorKind::NotFound =>
        {
            let key = new_kek_file(&path)?;
            tracing::info!(path = %path.display(), "generated a new key-encryption secret");
            Ok(key)
        }
        other => other,
    }
}

/// Reads a key-encryption secret file (base64 text).
pub fn read_kek(path: &Path) -> Result<KeyEncryptionKey, SecretError> {
    let shown = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|e| SecretError::KekFile(shown.clone(), e))?;
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| SecretError::KekMalformed(shown.clone()))?;
    if bytes.len() < KEK_BYTES {
        return Err(SecretError::KekMalformed(shown));
    }
    Ok(KeyEncryptionKey(bytes))
}

/// Makes a new key-encryption secret in a new file only its owner can read.
pub fn new_kek_file(path: &Path) -> Result<KeyEncryptionKey, SecretError> {
    let mut key = vec![0u8; KEK_BYTES];
    OsRng.fill_bytes(&mut key);
    let text = format!("{}\n", STANDARD.encode(&key));
    write_private(path, text.as_bytes())
        .map_err(|e| SecretError::KekFile(path.display().to_string(), e))?;
    Ok(KeyEncryptionKey(key))
}

/// The 64-byte cookie key: from the configuration, else from `<data_dir>/cookie.key`,
/// else newly generated into that file.
pub fn cookie_key(
    configured: Option<&SecretString>,
    data_dir: &Path,
) -> Result<Vec<u8>, SecretError> {
    if let Some(key) = configured {
        let bytes = STANDARD
            .decode(key.expose_secret().trim())
            .map_err(|e| SecretError::Malformed(e.to_string()))?;
        if bytes.len() < KEY_BYTES {
            return Err(SecretError::Malformed(format!("got {} bytes", bytes.len())));
        }
        return Ok(bytes);
    }
    let path = data_dir.join(FILE_NAME);
    let shown = path.display().to_string();
    match fs::read(&path) {
        Ok(bytes) if bytes.len() >= KEY_BYTES => Ok(bytes),
        Ok(_) => Err(SecretError::Malformed(format!("{shown} is too short"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = vec![0u8; KEY_BYTES];
            OsRng.fill_bytes(&mut key);
            write_private(&path, &key).map_err(|e| SecretError::File(shown, e))?;
            tracing::info!(path = %path.display(), "generated a new cookie key");
            Ok(key)
        }
        Err(e) => Err(SecretError::File(shown, e)),
    }
}

/// Writes a new file only its owner can read.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
