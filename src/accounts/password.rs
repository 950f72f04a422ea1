//! Password hashing with Argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane).
//! Hashing takes tens of milliseconds on purpose: call it from the blocking pool.

use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::{AccountError, Password};

/// Argon2 runs on threads of its own, one per core: each computation takes a core for tens
/// of milliseconds and 19 MiB by design, so a burst of sign-ins queues instead of
/// exhausting memory; and the same few threads reuse that memory, where the shared blocking
/// pool's many threads would each keep their own freed 19 MiB (the allocator keeps freed
/// memory per thread arena: 64 sign-ins left the server at 156 MB).
static THREADS: LazyLock<Option<rayon::ThreadPool>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    rayon::ThreadPoolBuilder::new()
        .num_threads(cores)
        .thread_name(|n| format!("argon2-{n}"))
        .build()
        .ok()
});

async fn on_hashing_threads<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AccountError> {
    let (done, result) = tokio::sync::oneshot::channel();
    let job = move || {
        let _ = done.send(work());
    };
    match THREADS.as_ref() {
        Some(threads) => threads.spawn(job),
        None => drop(tokio::task::spawn_blocking(job)),
    }
    result
        .await
        .map_err(|_| AccountError::Hashing("the hashing thread stopped".into()))
}

/// `hash`, queued on the hashing threads.
pub async fn hash_queued(password: Password) -> Result<String, AccountError> {
    on_hashing_threads(move || hash(&password)).await?
}

/// `verify`, queued on the hashing threads.
pub async fn verify_queued(
    candidate: String,
    stored: Option<String>,
) -> Result<bool, AccountError> {
    on_hashing_threads(move || verify(&candidate, stored.as_deref())).await
}

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
