//! Signing in, throttled per account and per network address. Every refusal looks the same
//! whether or not the email has an account.

use std::net::IpAddr;

use chrono::{Duration, NaiveDateTime};

use super::{AccountError, Email, User, password};
use crate::db::{self, Db};

/// How many failures are allowed in a window before further attempts are refused until it
/// ends. Per account it protects one person's password; per address it slows guessing
/// across many accounts, while leaving room for an office sharing one address.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub window: Duration,
    pub per_account: i32,
    pub per_address: i32,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window: Duration::minutes(15),
            per_account: 5,
            per_address: 30,
        }
    }
}

pub async fn sign_in(
    db: &Db,
    email: &str,
    candidate: String,
    address: Option<IpAddr>,
    policy: ThrottlePolicy,
    now: NaiveDateTime,
) -> Result<User, AccountError> {
    let email = Email::parse(email).ok();
    // Keyed by what was typed, so an unknown email is throttled exactly like a known one.
    let account_key = format!(
        "account:{}",
        email
            .as_ref()
            .map_or_else(|| "-".to_owned(), |e| e.as_str().to_owned())
    );
    let address_key = address.map(|ip| format!("address:{ip}"));
    let keys: Vec<(String, i32)> = std::iter::once((account_key.clone(), policy.per_account))
        .chain(address_key.map(|k| (k, policy.per_address)))
        .collect();

    // Every attempt counts before the password is checked, so parallel guesses cannot
    // slip past the limit while the first ones are still being verified.
    let counted = keys.clone();
    db.write(move |conn| {
        let mut refusal = None;
        for (key, limit) in &counted {
            let (attempts, started) =
                db::throttle::count_attempt(conn, key, now, now - policy.window)?;
            if attempts > *limit {
                let minutes = ((started + policy.window - now).num_seconds() + 59) / 60;
                refusal = Some(AccountError::Throttled {
                    minutes: minutes.max(1),
                });
            }
        }
        refusal.map_or(Ok(()), Err)
    })
    .await?;
    let found = match &email {
        Some(email) => {
            let email = email.clone();
            db.read(move |conn| db::users::find_by_email(conn, &email))
                .await?
        }
        None => None,
    };

    let (user, hash) = found.map_or((None, None), |(user, hash)| (Some(user), hash));
    let matches = password::verify_queued(candidate, hash).await?;

    match user {
        Some(user) if matches => {
            // A success forgives the account's failures, and does not use up the allowance
            // of an office whose staff share one address.
            let (email, id) = (user.email.clone(), user.id.0);
            db.write(move |conn| {
                // Invitations to this address are taken up by signing in, link or not.
                db::cohorts::accept_all_for(conn, &email, id, now)?;
                db::throttle::clear(conn, &account_key)?;
                for (key, _) in keys.iter().skip(1) {
                    if let Some((attempts, started)) = db::throttle::failures(conn, key)? {
                        db::throttle::store(conn, key, (attempts - 1).max(0), started)?;
                    }
                }
                Ok::<_, AccountError>(())
            })
            .await?;
            Ok(user)
        }
        _ => Err(AccountError::BadCredentials),
    }
}
