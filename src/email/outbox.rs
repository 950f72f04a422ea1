//! The sender: takes due messages from the outbox, delivers them, and records the outcome.
//! A failed attempt is tried again after a growing pause (30 s, 1 min, 2 min, … at most an
//! hour) for about three days, then marked failed for an admin to look at.
//!
//! Several instances may run senders on one database: each leases the rows it takes, so a
//! message is sent once. A sender that dies mid-batch loses only its lease; the messages go
//! out when the lease ends. (A crash between the server's "250 OK" and our record of it can
//! send one message twice; the stable Message-ID lets mail programs show it once.)

use chrono::{Duration, NaiveDateTime};
use lettre::message::Mailbox;

use super::{EmailError, Mailer, compose};
use crate::clock::Clock;
pub use crate::db::outbox::Summary;
use crate::db::{self, Db, DbError};
use crate::model::ids::LetterId;

/// Messages one sender leases at a time.
const BATCH: i64 = 10;
/// How long a lease lasts: longer than a batch of SMTP conversations can take.
const LEASE: Duration = Duration::minutes(10);
/// Attempts before a message is marked failed: about three days of hourly retries.
pub const MAX_ATTEMPTS: i32 = 80;

/// The pause after a message's `attempts`-th failed attempt, or `None` to give up.
pub fn retry_delay(attempts: i32) -> Option<Duration> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let doubling = attempts.clamp(1, 8) - 1;
    Some(Duration::seconds(30 * (1 << doubling)).min(Duration::hours(1)))
}

/// What one round of sending did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

pub struct Sender {
    pub db: Db,
    pub mailer: Mailer,
    pub from: Mailbox,
    /// Names this sender in leases; unique per running instance.
    pub owner: String,
    /// The host part of Message-IDs.
    pub host: String,
    pub clock: Clock,
}

impl Sender {
    /// Delivers every message that is due now, batch by batch.
    pub async fn deliver_due(&self) -> Result<Round, DbError> {
        let mut round = Round::default();
        loop {
            let now = self.clock.now();
            let owner = self.owner.clone();
            let batch = self
                .db
                .write(move |conn| db::outbox::lease_due(conn, &owner, now, now + LEASE, BATCH))
                .await?;
            if batch.is_empty() {
                return Ok(round);
            }
            for message in batch {
                let outcome = self.deliver(&message).await;
                self.record(&message, outcome, &mut round).await?;
            }
        }
    }

    async fn deliver(&self, message: &db::outbox::Leased) -> Result<(), EmailError> {
        let email = compose(
            &self.from,
            &message.recipient,
            &message.subject,
            message.body.clone(),
            format!("<outbox-{}@{}>", message.id, self.host),
        )?;
        self.mailer.send(email).await
    }

    async fn record(
        &self,
        message: &db::outbox::Leased,
        outcome: Result<(), EmailError>,
        round: &mut Round,
    ) -> Result<(), DbError> {
        let id = message.id;
        let owner = self.owner.clone();
        let now: NaiveDateTime = self.clock.now();
        match outcome {
            Ok(()) => {
                round.sent += 1;
                self.db
                    .write(move |conn| db::outbox::mark_sent(conn, id, &owner, now))
                    .await
            }
            Err(error) => {
                // A message that cannot even be built, or that the server refuses for good,
                // will not go better next time.
                let retry_at = match &error {
                    EmailError::Send(_) => retry_delay(message.attempts + 1).map(|d| now + d),
                    _ => None,
                };
                if retry_at.is_some() {
                    round.retrying += 1;
                } else {
                    round.failed += 1;
                }
                tracing::warn!(message = id.0, %error, retry = ?retry_at, "email not delivered");
                let text = error.to_string();
                self.db
                    .write(move |conn| db::outbox::mark_failed(conn, id, &owner, &text, retry_at))
                    .await
            }
        }
    }
}

/// The admin's view of the outbox: the newest 200 messages (of one status, if `status`
/// names one) and how many are in each status.
pub async fn overview(
    db: &Db,
    status: &str,
) -> Result<
    (
        Vec<db::outbox::Summary>,
        Vec<(String, i64)>,
        Option<&'static str>,
    ),
    DbError,
> {
    let status = [db::outbox::QUEUED, db::outbox::SENT, db::outbox::FAILED]
        .into_iter()
        .find(|s| *s == status);
    let (messages, counts) = db
        .read(move |conn| {
            Ok::<_, DbError>((
                db::outbox::list(conn, status, 200)?,
                db::outbox::counts(conn)?,
            ))
        })
        .await?;
    Ok((messages, counts, status))
}

/// Puts a failed message back in the queue; the caller wakes the sender.
pub async fn requeue(db: &Db, id: LetterId, now: NaiveDateTime) -> Result<bool, DbError> {
    db.write(move |conn| db::outbox::requeue(conn, id, now))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_to_an_hour_then_give_up() {
        assert_eq!(retry_delay(1), Some(Duration::seconds(30)));
        assert_eq!(retry_delay(2), Some(Duration::seconds(60)));
        assert_eq!(retry_delay(7), Some(Duration::seconds(1920)));
        assert_eq!(retry_delay(8), Some(Duration::hours(1)));
        assert_eq!(retry_delay(MAX_ATTEMPTS - 1), Some(Duration::hours(1)));
        assert_eq!(retry_delay(MAX_ATTEMPTS), None);
        let total: i64 = (1..MAX_ATTEMPTS)
            .filter_map(retry_delay)
            .map(|d| d.num_hours())
            .sum();
        assert!(
            (70..=80).contains(&total),
            "about three days, got {total} h"
        );
    }
}
