//! Password hashing with Argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane).
//! Hashing takes tens of milliseconds on purpose: it runs on threads of its own.

use std::cell::RefCell;
use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

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

thread_local! {
    /// The 19 MiB Argon2 works in, kept by each hashing thread for its next hash. The
    /// argon2 crate's `PasswordHasher` allocates it afresh for every hash, and glibc kept
    /// the freed blocks in whichever of its per-thread arenas served them: 64 failed
    /// sign-ins in a row took a fresh server from 33 MB to 269 MB. Reused, the memory is
    /// bounded by the number of hashing threads.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// The Argon2 output of `password` with `salt`, `len` bytes, in this thread's memory.
fn compute(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: Salt<'_>,
    len: usize,
) -> Result<Output, argon2::password_hash::Error> {
    let mut decoded = [0_u8; Salt::MAX_LENGTH];
    let salt = salt.decode_b64(&mut decoded)?;
    MEMORY.with_borrow_mut(|blocks| {
        blocks.resize(argon.params().block_count(), Block::default());
        Output::init_with(len, |out| {
            Ok(argon.hash_password_into_with_memory(password, salt, out, blocks.as_mut_slice())?)
        })
    })
}

/// The PHC string (`$argon2id$…`) for a new password.
pub fn hash(password: &Password) -> Result<String, AccountError> {
    let fail = |e: argon2::password_hash::Error| AccountError::Hashing(e.to_string());
    let salt = SaltString::generate(&mut OsRng);
    let argon = hasher()?;
    let output = compute(
        &argon,
        password.expose().as_bytes(),
        salt.as_salt(),
        Params::DEFAULT_OUTPUT_LEN,
    )
    .map_err(fail)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon.params()).map_err(fail)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `candidate` gives `stored` (a PHC string) with the algorithm, version and
/// parameters written in it.
fn matches(candidate: &[u8], stored: &str) -> Option<bool> {
    let parsed = PasswordHash::new(stored).ok()?;
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).ok()?;
    let (salt, expected) = (parsed.salt?, parsed.hash?);
    let argon = Argon2::new(algorithm, version, params);
    let output = compute(&argon, candidate, salt, expected.len()).ok()?;
    // `Output` compares in constant time.
    Some(output == expected)
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
    let (stored, real) = match stored {
        Some(hash) => (hash, true),
        None => match DUMMY_HASH.as_deref() {
            Some(hash) => (hash, false),
            None => return false,
        },
    };
    matches(candidate.as_bytes(), stored).unwrap_or(false) && real
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

    #[test]
    fn hashes_made_by_the_argon2_crate_itself_still_verify() {
        use argon2::PasswordHasher;
        let salt = SaltString::generate(&mut OsRng);
        let ours = hasher().ok();
        let standard = ours
            .as_ref()
            .and_then(|argon| argon.hash_password(b"an older password", &salt).ok())
            .map(|phc| phc.to_string());
        assert!(verify("an older password", standard.as_deref()));
        assert!(!verify("an older passwort", standard.as_deref()));
        // Other parameters than today's, as written in the stored string.
        let cheaper = Params::new(4_096, 3, 1, None)
            .ok()
            .map(|params| Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
            .and_then(|argon| argon.hash_password(b"an older password", &salt).ok())
            .map(|phc| phc.to_string());
        assert!(cheaper.as_deref().is_some_and(|h| h.contains("m=4096,t=3")));
        assert!(verify("an older password", cheaper.as_deref()));
        assert!(!verify("an older password", Some("$argon2id$not-a-hash")));
    }
}
