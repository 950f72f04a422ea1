//! The instance secret that signs and encrypts session cookies. Generated on first start
//! into the data directory (mode 0600) unless configured; several instances behind one load
//! balancer must share it (set `SALA_COOKIE_KEY` or copy the file).

use std::fs;
use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use rand::rngs::OsRng;
use secrecy::{ExposeSecret, SecretString};

const KEY_BYTES: usize = 64;
const FILE_NAME: &str = "cookie.key";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the cookie key file {0} could not be read or written: {1}")]
    File(String, std::io::Error),
    #[error("the cookie key must be at least {KEY_BYTES} bytes of base64 ({0})")]
    Malformed(String),
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

/// Writes a file only its owner can read.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
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
