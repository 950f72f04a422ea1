//! One-time links (password reset, first password): a random token goes into the link, and
//! only its SHA-256 is stored, so a copy of the database cannot be used to sign in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// What a one-time link is for, and how long it lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// "I forgot my password": short-lived.
    PasswordReset,
    /// An admin created the account; the person chooses a first password.
    SetPassword,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PasswordReset => "password_reset",
            Self::SetPassword => "set_password",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "password_reset" => Some(Self::PasswordReset),
            "set_password" => Some(Self::SetPassword),
            _ => None,
        }
    }

    pub fn lifetime(self) -> chrono::Duration {
        match self {
            Self::PasswordReset => chrono::Duration::hours(1),
            Self::SetPassword => chrono::Duration::days(7),
        }
    }
}

/// 32 random bytes from the operating system, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a token.
pub fn digest(token: &str) -> String {
    let hash = Sha256::digest(token.as_bytes());
    URL_SAFE_NO_PAD.encode(hash)
}
