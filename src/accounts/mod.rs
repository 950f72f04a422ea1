//! People: who they are (names in Khmer and Latin script, position, office, province), how
//! they prove it (password, one-time links), and what they may do (roles).
//!
//! Plain types and functions: nothing here knows about HTTP, and the SQL is in `db::users`.

pub mod fields;
pub mod password;
pub mod password_reset;
pub mod profile;
pub mod registration;
pub mod roles;
pub mod sessions;
pub mod sign_in;
pub mod tokens;

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::DbError;
use crate::i18n::Lang;
use crate::organisations::{OrganisationId, ProvinceId};
pub use fields::{Email, FieldError, Password, PersonNames};
pub use roles::{Role, RoleGrant};

/// A user's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

/// A person with an account.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name_km: String,
    pub name_latin: String,
    pub position: String,
    pub organisation_id: Option<OrganisationId>,
    pub province_id: Option<ProvinceId>,
    pub lang: Option<Lang>,
    pub is_admin: bool,
    /// Raised whenever the password changes: sessions made before then stop working.
    pub session_epoch: i32,
    pub has_password: bool,
    /// The person proved they read mail at `email` (a join link or a password link).
    pub email_verified: bool,
    pub created_at: NaiveDateTime,
}

/// The profile fields a user (or an admin) can change.
#[derive(Debug, Clone)]
pub struct Profile {
    pub names: PersonNames,
    pub position: String,
    pub organisation_id: Option<OrganisationId>,
    pub province_id: Option<ProvinceId>,
    pub lang: Option<Lang>,
}

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
