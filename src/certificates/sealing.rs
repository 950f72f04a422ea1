//! Keeping the sealed signing keys under the key-encryption secret: keys sealed by earlier
//! versions under the cookie key are sealed again at start, once; `sala keys rotate-kek`
//! seals every key again under a new secret. Both in one transaction (the caller's), so a
//! key is never left sealed under a secret nobody has.

use super::keys::Sealer;
use super::{Authority, CertError, open_with, seal_binding};
use crate::db::{self, DbConnection};

/// What [`Authority::adopt_legacy_keys`] found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Adopted {
    /// Keys sealed under the cookie key, now sealed under the key-encryption secret.
    pub resealed: usize,
    /// Keys that open under neither: the key-encryption secret is not the one they were
    /// sealed with (an operator's mistake to report, never to "repair").
    pub unreadable: usize,
}

impl Authority {
    /// Seals again, under the key-encryption secret, every key that only the cookie key of
    /// earlier versions opens. Run at start; does nothing once every key is sealed right.
    pub fn adopt_legacy_keys(&self, conn: &mut DbConnection) -> Result<Adopted, CertError> {
        let mut adopted = Adopted::default();
        for row in db::signing_keys::all(conn)? {
            if open_with(&self.sealer, &row).is_ok() {
                continue;
            }
            match open_with(&self.legacy, &row) {
                Ok(key) => {
                    let binding = seal_binding(row.organisation_id, &row.name, &row.public_key);
                    let sealed = self.sealer.seal(&key, &binding);
                    db::signing_keys::set_sealed(conn, row.id, &sealed)?;
                    adopted.resealed += 1;
                }
                Err(_) => adopted.unreadable += 1,
            }
        }
        Ok(adopted)
    }

    /// Seals every signing key again under `new`, the sealer of a new key-encryption
    /// secret. Fails, changing nothing, if one key does not open under the current one.
    pub fn reseal_all(&self, conn: &mut DbConnection, new: &Sealer) -> Result<usize, CertError> {
        let rows = db::signing_keys::all(conn)?;
        for row in &rows {
            let key = open_with(&self.sealer, row)?;
            let binding = seal_binding(row.organisation_id, &row.name, &row.public_key);
            db::signing_keys::set_sealed(conn, row.id, &new.seal(&key, &binding))?;
        }
        Ok(rows.len())
    }
}
