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

    let found = {
        let keys = keys.clone();
        db.read(move |conn| {
            for (key, limit) in &keys {
                if let Some((failures, started)) = db::throttle::failures(conn, key)? {
                    let ends = started + policy.window;
                    if failures >= *limit && ends > now {
                        let minutes = ((ends - now).num_seconds() + 59) / 60;
                        return Err(AccountError::Throttled { minutes });
                    }
                }
            }
            match &email {
                Some(email) => Ok(db::users::find_by_email(conn, email)?),
                None => Ok(None),
            }
        })
        .await?
    };

    let (user, hash) = found.map_or((None, None), |(user, hash)| (Some(user), hash));
    let matches =
        tokio::task::spawn_blocking(move || password::verify(&candidate, hash.as_deref()))
            .await
            .map_err(|e| AccountError::Hashing(e.to_string()))?;

    match user {
        Some(user) if matches => {
            db.write(move |conn| db::throttle::clear(conn, &account_key))
                .await
                .map_err(AccountError::from)?;
            Ok(user)
        }
        _ => {
            db.write(move |conn| {
                for (key, _) in &keys {
                    let (failures, started) = match db::throttle::failures(conn, key)? {
                        Some((failures, started)) if started + policy.window > now => {
                            (failures + 1, started)
                        }
                        _ => (1, now),
                    };
                    db::throttle::store(conn, key, failures, started)?;
                }
                Ok::<_, AccountError>(())
            })
            .await?;
            Err(AccountError::BadCredentials)
        }
    }
}
