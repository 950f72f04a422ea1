//! The email outbox: queueing a message in the caller's transaction, leasing due messages
//! to one sender, and recording how each attempt went.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::email_outbox;
use super::{DbConnection, DbError};
use crate::model::ids::LetterId;
use crate::model::mail::Outgoing;

pub const QUEUED: &str = "queued";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

/// Queues a message; it is sent only if the caller's transaction commits.
pub fn enqueue(
    conn: &mut DbConnection,
    mail: &Outgoing,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(email_outbox::table)
        .values((
            email_outbox::kind.eq(mail.kind.as_str()),
            email_outbox::recipient.eq(&mail.to),
            email_outbox::subject.eq(&mail.subject),
            email_outbox::body.eq(&mail.body),
            email_outbox::status.eq(QUEUED),
            email_outbox::next_attempt_at.eq(now),
            email_outbox::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A message leased to one sender.
#[derive(Debug, Clone, Queryable)]
pub struct Leased {
    pub id: LetterId,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i32,
}

/// Leases up to `limit` due messages to `owner` until `until`. Run in a write transaction:
/// on PostgreSQL the rows are locked with SKIP LOCKED, so concurrent senders take different
/// rows; on SQLite the transaction holds the database's one write lock.
pub fn lease_due(
    conn: &mut DbConnection,
    owner: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Leased>, DbError> {
    let due = email_outbox::table
        .filter(email_outbox::status.eq(QUEUED))
        .filter(email_outbox::next_attempt_at.le(now))
        .filter(
            email_outbox::leased_until
                .is_null()
                .or(email_outbox::leased_until.lt(now)),
        )
        .order(email_outbox::id)
        .limit(limit)
        .select(email_outbox::id);
    let ids: Vec<LetterId> = match conn {
        DbConnection::Postgres(c) => due.for_update().skip_locked().load(c)?,
        DbConnection::Sqlite(c) => due.load(c)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(email_outbox::table.filter(email_outbox::id.eq_any(&ids)))
        .set((
            email_outbox::leased_by.eq(owner),
            email_outbox::leased_until.eq(until),
        ))
        .execute(conn)?;
    Ok(email_outbox::table
        .filter(email_outbox::id.eq_any(&ids))
        .order(email_outbox::id)
        .select((
            email_outbox::id,
            email_outbox::recipient,
            email_outbox::subject,
            email_outbox::body,
            email_outbox::attempts,
        ))
        .load(conn)?)
}

/// The lease `owner` holds on message `id`.
fn held_by(
    id: LetterId,
    owner: &str,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<email_outbox::table, diesel::dsl::Eq<email_outbox::id, LetterId>>,
    diesel::dsl::Eq<email_outbox::leased_by, String>,
> {
    email_outbox::table
        .filter(email_outbox::id.eq(id))
        .filter(email_outbox::leased_by.eq(owner.to_owned()))
}

/// Records a delivery. The body is emptied: it may hold a one-time link, and a sent
/// message no longer needs it.
pub fn mark_sent(
    conn: &mut DbConnection,
    id: LetterId,
    owner: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(held_by(id, owner))
        .set((
            email_outbox::status.eq(SENT),
            email_outbox::attempts.eq(email_outbox::attempts + 1),
            email_outbox::sent_at.eq(now),
            email_outbox::body.eq(""),
            email_outbox::leased_by.eq(None::<String>),
            email_outbox::leased_until.eq(None::<NaiveDateTime>),
            email_outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: tried again at `retry_at`, or given up when it is `None`.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: LetterId,
    owner: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> Result<(), DbError> {
    let status = if retry_at.is_some() { QUEUED } else { FAILED };
    let target = held_by(id, owner);
    let changes = (
        email_outbox::status.eq(status),
        email_outbox::attempts.eq(email_outbox::attempts + 1),
        email_outbox::last_error.eq(error),
        email_outbox::leased_by.eq(None::<String>),
        email_outbox::leased_until.eq(None::<NaiveDateTime>),
    );
    match retry_at {
        Some(at) => diesel::update(target)
            .set((changes, email_outbox::next_attempt_at.eq(at)))
            .execute(conn)?,
        None => diesel::update(target).set(changes).execute(conn)?,
    };
    Ok(())
}

/// Puts a failed message back in the queue (an admin's "send again").
pub fn requeue(conn: &mut DbConnection, id: LetterId, now: NaiveDateTime) -> Result<bool, DbError> {
    let changed = diesel::update(
        email_outbox::table
            .filter(email_outbox::id.eq(id))
            .filter(email_outbox::status.eq(FAILED)),
    )
    .set((
        email_outbox::status.eq(QUEUED),
        email_outbox::attempts.eq(0),
        email_outbox::next_attempt_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A message as admins see it (never its body).
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Summary {
    pub id: LetterId,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// The newest messages, narrowed to one status.
pub fn list(
    conn: &mut DbConnection,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<Summary>, DbError> {
    let mut query = email_outbox::table.into_boxed();
    if let Some(status) = status {
        query = query.filter(email_outbox::status.eq(status.to_owned()));
    }
    Ok(query
        .order(email_outbox::id.desc())
        .limit(limit)
        .select((
            email_outbox::id,
            email_outbox::kind,
            email_outbox::recipient,
            email_outbox::subject,
            email_outbox::status,
            email_outbox::attempts,
            email_outbox::next_attempt_at,
            email_outbox::last_error,
            email_outbox::created_at,
            email_outbox::sent_at,
        ))
        .load(conn)?)
}

/// How many messages are in each status.
pub fn counts(conn: &mut DbConnection) -> Result<Vec<(String, i64)>, DbError> {
    Ok(email_outbox::table
        .group_by(email_outbox::status)
        .select((email_outbox::status, diesel::dsl::count_star()))
        .load(conn)?)
}
