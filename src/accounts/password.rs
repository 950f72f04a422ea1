//! Password hashing with Argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane).
//! Hashing takes tens of milliseconds on purpose: call it from the blocking pool.

use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::{AccountError, Password};

/// At most this many Argon2 computations at once (each takes 19 MiB and a core for tens of
/// milliseconds); more requests wait their turn instead of exhausting memory.
pub static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

fn hasher() -> Result<Argon2<'static>, AccountError> {
    let params =
        Params::new(19_456, 2, 1, None).map_err(|e| AccountError::Hashing(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string (`$argon2id$…`) for a new password.
pub fn hash(password: &Password) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AccountError::Hashing(e.to_string()))
}

/// A hash of a random password, verified against when the account does not exist or has no
/// password yet, so that a wrong email takes as long as a wrong password.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    let random: String = (0..3).map(|_| super::tokens::random_token()).collect();
    Password::parse(&random).ok().and_then(|p| hash(&p).ok())
});

/// Whether `candidate` matches the stored hash. `None` (no account, or no password set)
/// never matches, but costs the same time as a real check.
pub fn verify(candidate: &str, stored: Option<&str>) -> bool {
    let Ok(argon) = hasher() else { return false };
    let (stored, real) = match stored {
        Some(hash) => (hash, true),
        None => match DUMMY_HASH.as_deref() {
            Some(hash) => (hash, false),
            None => return false,
        },
    };
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    argon.verify_password(candidate.as_bytes(), &parsed).is_ok() && real
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let password = Password::parse("correct horse battery").ok();
        let hashed = password.as_ref().and_then(|p| hash(p).ok());
        assert!(
            hashed
                .as_deref()
                .is_some_and(|h| h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"))
        );
        assert!(verify("correct horse battery", hashed.as_deref()));
        assert!(!verify("wrong horse battery", hashed.as_deref()));
        assert!(!verify("correct horse battery", None));
    }
}
