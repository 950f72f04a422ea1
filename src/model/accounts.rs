//! People as the other layers see them: an account, its profile, its roles, and what a
//! one-time link is for.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::fields::PersonNames;
pub use super::ids::UserId;
use super::ids::{GrantId, OrganisationId, ProvinceId};
use super::organisations::Organisation;
use crate::i18n::Lang;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Publisher,
    Coordinator,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Publisher, Role::Coordinator];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Publisher => "publisher",
            Role::Coordinator => "coordinator",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == raw)
    }
}

/// A role held for one organisation (and so for its descendants).
#[derive(Debug, Clone, Serialize)]
pub struct RoleGrant {
    pub id: GrantId,
    pub role: Role,
    pub organisation: Organisation,
}

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
