//! Signed-in sessions, kept in the database (`db::sessions`) as well as in the cookie: the
//! cookie names the person and carries a random session id; the row says the session is
//! still open. Signing out deletes the row, so a copied cookie stops working too; a
//! session unused for longer than the idle timeout ends; "sign out of all devices" ends
//! them all. Several instances share the database, so nothing here lives in memory.

use chrono::{Duration, NaiveDateTime};

use super::tokens::{digest, random_token};
use super::{AccountError, UserId};
use crate::db::{self, Db};

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// A session nobody used for this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub max_age: Duration,
}

/// How stale a session's `last_seen_at` may grow before a request moves it on: reading
/// chapter after chapter costs a write at most this often, and the idle timeout is this
/// much less exact.
pub const TOUCH_EVERY: Duration = Duration::minutes(5);

impl SessionPolicy {
    /// `idle_minutes` from the settings; never shorter than twice [`TOUCH_EVERY`].
    pub fn new(idle_minutes: u32) -> Self {
        Self {
            idle: Duration::minutes(i64::from(idle_minutes)).max(TOUCH_EVERY * 2),
            max_age: Duration::days(14),
        }
    }

    /// Sessions last seen at or before this have ended.
    pub fn seen_after(&self, now: NaiveDateTime) -> NaiveDateTime {
        now - self.idle
    }

    /// Whether a session last seen at `seen` should be marked as seen now.
    pub fn touch_due(seen: NaiveDateTime, now: NaiveDateTime) -> bool {
        now - seen >= TOUCH_EVERY
    }
}

/// What the database stores for the session id a cookie holds.
pub fn stored_id(cookie_id: &str) -> String {
    digest(cookie_id)
}

/// Opens a session for `user` and returns the id for the cookie.
pub async fn start(
    db: &Db,
    user: UserId,
    policy: SessionPolicy,
    now: NaiveDateTime,
) -> Result<String, AccountError> {
    let id = random_token();
    let stored = stored_id(&id);
    db.write(move |conn| {
        db::sessions::start(
            conn,
            &stored,
            user,
            now,
            now - policy.idle,
            now - policy.max_age,
        )
    })
    .await?;
    Ok(id)
}

/// Marks the session (by its stored id) as used now.
pub async fn touch(db: &Db, stored: String, now: NaiveDateTime) -> Result<(), AccountError> {
    Ok(db
        .write(move |conn| db::sessions::touch(conn, &stored, now))
        .await?)
}

/// Ends the session whose cookie holds `cookie_id`.
pub async fn end(db: &Db, cookie_id: &str) -> Result<(), AccountError> {
    let stored = stored_id(cookie_id);
    Ok(db
        .write(move |conn| db::sessions::end(conn, &stored))
        .await?)
}

/// Ends every session of `user`, on every device.
pub async fn end_all(db: &Db, user: UserId) -> Result<(), AccountError> {
    Ok(db
        .write(move |conn| db::users::end_all_sessions(conn, user))
        .await?)
}
