//! "I forgot my password": an emailed one-time link that expires, and the admin's
//! set-your-first-password link, which works the same way.

use chrono::NaiveDateTime;

use super::tokens::{TokenPurpose, digest, random_token};
use super::{AccountError, Email, Password, User};
use crate::db::{self, Db};
use crate::email::{EmailError, Outgoing};

/// At most this many reset emails per account per hour, so nobody can flood an inbox.
const RESETS_PER_HOUR: i64 = 3;

/// Makes a reset link for the account with this email and queues the email that carries
/// it (written by `letter`), both in one transaction. `false` when there is no such
/// account or it had enough links this hour; the caller says the same thing either way.
pub async fn request<F>(
    db: &Db,
    email: &str,
    now: NaiveDateTime,
    letter: F,
) -> Result<bool, AccountError>
where
    F: FnOnce(&User, &str) -> Result<Outgoing, EmailError> + Send + 'static,
{
    let email = Email::parse(email).map_err(|e| AccountError::Invalid(vec![e]))?;
    let token = random_token();
    let stored = digest(&token);
    db.write(move |conn| {
        let Some((user, _)) = db::users::find_by_email(conn, &email)? else {
            return Ok(false);
        };
        let recent = db::tokens::count_since(
            conn,
            user.id,
            TokenPurpose::PasswordReset,
            now - chrono::Duration::hours(1),
        )?;
        if recent >= RESETS_PER_HOUR {
            tracing::warn!(
                user = user.id.0,
                "password reset requested too often; no email sent"
            );
            return Ok(false);
        }
        db::tokens::insert(conn, user.id, TokenPurpose::PasswordReset, &stored, now)?;
        let mail = letter(&user, &token).map_err(|e| AccountError::Email(e.to_string()))?;
        db::outbox::enqueue(conn, &mail, now)?;
        Ok(true)
    })
    .await
}

/// The account and purpose of a valid link.
pub async fn check(
    db: &Db,
    token: String,
    now: NaiveDateTime,
) -> Result<(User, TokenPurpose), AccountError> {
    db.read(move |conn| {
        let (_, user_id, purpose) =
            db::tokens::find_valid(conn, &digest(&token), now)?.ok_or(AccountError::LinkInvalid)?;
        let user = db::users::find(conn, user_id)?.ok_or(AccountError::LinkInvalid)?;
        Ok((user, purpose))
    })
    .await
}

/// Sets the new password, uses up every open link of the account, and ends its sessions.
/// The link came by mail to the account's address, so the address is proven: invitations
/// to it are taken up. Returns the account and what the link was for.
pub async fn complete(
    db: &Db,
    token: String,
    password: Password,
    now: NaiveDateTime,
) -> Result<(User, TokenPurpose), AccountError> {
    // Check the link before spending a hash on it, then use it up atomically: of two
    // requests racing with one link, only one sets a password.
    let stored = digest(&token);
    let check = stored.clone();
    db.read(move |conn| {
        db::tokens::find_valid(conn, &check, now)?.ok_or(AccountError::LinkInvalid)
    })
    .await?;
    let hash = super::password::hash_queued(password).await?;
    db.write(move |conn| {
        let (id, user_id, purpose) =
            db::tokens::find_valid(conn, &stored, now)?.ok_or(AccountError::LinkInvalid)?;
        if !db::tokens::use_one(conn, id, now)? {
            return Err(AccountError::LinkInvalid);
        }
        db::users::set_password(conn, user_id, &hash, now)?;
        db::tokens::use_all(conn, user_id, now)?;
        db::users::mark_email_verified(conn, user_id, now)?;
        let user = db::users::find(conn, user_id)?.ok_or(AccountError::LinkInvalid)?;
        db::cohorts::accept_all_for(conn, &user.email, user.id, now)?;
        Ok((user, purpose))
    })
    .await
}
