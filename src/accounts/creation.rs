//! Making an account: the one place a person's account is inserted (registering, a
//! cohort's join link, the first admin).

use chrono::NaiveDateTime;

use super::{AccountError, Email, Profile, User};
use crate::db::users::NewUser;
use crate::db::{self, DbConnection};

/// Whether the way an account is made proves that its address is the person's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Address {
    /// A link sent to the address was used (a cohort's join link).
    Proven,
    /// Typed, not yet proven: proven when a link sent to it is used.
    Unproven,
}

/// Makes an account for `email` with `profile` and, when the person chose one already, the
/// hash of their password (without one, it is chosen through a link). Runs in the caller's
/// transaction. An address that has an account already (made meanwhile by another request:
/// the database keeps one) is `AccountError::Raced`.
pub fn create(
    conn: &mut DbConnection,
    email: &Email,
    profile: &Profile,
    password_hash: Option<&str>,
    address: Address,
    now: NaiveDateTime,
) -> Result<User, AccountError> {
    let new = NewUser {
        email,
        password_hash,
        profile,
        is_admin: false,
        email_verified: address == Address::Proven,
    };
    db::users::insert(conn, &new, now).map_err(|e| {
        if e.is_unique_violation() {
            AccountError::Raced
        } else {
            e.into()
        }
    })
}
