//! People: who they are (names in Khmer and Latin script, position, office, province), how
//! they prove it (password, one-time links), and what they may do (roles).
//!
//! Plain types and functions: nothing here knows about HTTP, and the SQL is in `db::users`.

pub mod creation;
pub mod password;
pub mod password_reset;
pub mod people;
pub mod profile;
pub mod registration;
pub mod roles;
pub mod sessions;
pub mod sign_in;
pub mod tokens;

use crate::db::DbError;
pub use crate::model::accounts::{Profile, Role, RoleGrant, User, UserId};
pub use crate::model::fields::{self, Email, FieldError, Password, PersonNames};
pub use creation::{Address, create};

/// The accounts domain's one error type.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The form has mistakes; each names its field and a message key.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("registration is closed")]
    RegistrationClosed,
    #[error("wrong email or password")]
    BadCredentials,
    #[error("too many attempts; retry in {minutes} minutes")]
    Throttled { minutes: i64 },
    /// A one-time link that is unknown, used or expired.
    #[error("the link is no longer valid")]
    LinkInvalid,
    #[error("not found")]
    NotFound,
    /// Another request made the same change first (two registrations of one address).
    #[error("another request got there first")]
    Raced,
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("the email could not be written: {0}")]
    Email(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl AccountError {
    pub fn field(field: &'static str, message: &'static str) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}
