//! Signing in, throttled per account *and* address and per address. Every refusal looks the
//! same whether or not the email has an account.
//!
//! Someone who knows an email must not be able to keep its owner out: too many failures for
//! an account refuse further attempts only from the address they came from, and failures
//! for an account from everywhere only slow every attempt on it down (a growing delay,
//! capped), never lock it. The owner signing in from their own address still gets in.

use std::net::IpAddr;

use chrono::{Duration, NaiveDateTime};

use super::{AccountError, Email, User, password};
use crate::db::{self, Db};

/// How many failures are allowed in a window before further attempts are refused until it
/// ends. Per account and address it protects one person's password from one guesser; per
/// address it slows guessing across many accounts, while leaving room for an office sharing
/// one address. Per account, from any address, failures beyond `slow_after` make every
/// attempt on the account wait a second more each, up to `max_delay`.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub window: Duration,
    pub per_account_and_address: i32,
    pub per_address: i32,
    pub slow_after: i32,
    pub max_delay: std::time::Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window: Duration::minutes(15),
            per_account_and_address: 5,
            per_address: 30,
            slow_after: 10,
            max_delay: std::time::Duration::from_secs(30),
        }
    }
}

impl ThrottlePolicy {
    /// How long an attempt waits when the account saw `failures` in the window.
    pub fn delay(&self, failures: i32) -> std::time::Duration {
        let over = u64::try_from(failures - self.slow_after).unwrap_or(0);
        std::time::Duration::from_secs(over).min(self.max_delay)
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
    let account = email
        .as_ref()
        .map_or_else(|| "-".to_owned(), |e| e.as_str().to_owned());
    let account_key = format!("account:{account}");
    let address_label = address.map_or_else(|| "-".to_owned(), |ip| ip.to_string());
    let pair_key = format!("account:{account} address:{address_label}");
    let address_key = address.map(|ip| format!("address:{ip}"));
    // The keys that refuse, with their limits; the account's own key only slows.
    let keys: Vec<(String, i32)> =
        std::iter::once((pair_key.clone(), policy.per_account_and_address))
            .chain(address_key.map(|k| (k, policy.per_address)))
            .collect();

    // Every attempt counts before the password is checked, so parallel guesses cannot
    // slip past the limit while the first ones are still being verified.
    let counted = keys.clone();
    let slowing = account_key.clone();
    let account_failures = db
        .write(move |conn| {
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
            let (account_failures, _) =
                db::throttle::count_attempt(conn, &slowing, now, now - policy.window)?;
            refusal.map_or(Ok(account_failures), Err)
        })
        .await?;
    let delay = policy.delay(account_failures);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
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
            // A success forgives the account's failures from this address (and slows it
            // down no more), and does not use up the allowance of an office whose staff
            // share one address.
            let (email, id, verified) = (user.email.clone(), user.id, user.email_verified);
            db.write(move |conn| {
                // Invitations to this address are taken up by signing in, link or not, once
                // the person has proved the address is theirs.
                if verified {
                    db::cohorts::accept_all_for(conn, &email, id, now)?;
                }
                db::throttle::clear(conn, &pair_key)?;
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
