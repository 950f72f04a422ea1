//! Signed-in sessions: one row per browser, keyed by the SHA-256 of the random id its
//! cookie holds. Confirming who is signed in reads the row in the same query as the user
//! (`users::in_session`); this module starts, moves on and ends them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::sessions;
use super::{DbConnection, DbError};
use crate::model::ids::UserId;

/// Records a new session for `user`, and forgets the user's sessions that ended by
/// themselves (idle since `idle_before`, or begun before `begun_before`), so the table
/// holds about one row per browser in use.
pub fn start(
    conn: &mut DbConnection,
    id: &str,
    user: UserId,
    now: NaiveDateTime,
    idle_before: NaiveDateTime,
    begun_before: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::delete(
        sessions::table.filter(sessions::user_id.eq(user.0)).filter(
            sessions::last_seen_at
                .le(idle_before)
                .or(sessions::created_at.le(begun_before)),
        ),
    )
    .execute(conn)?;
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::user_id.eq(user.0),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The session was used at `now` (called at most every few minutes a session).
pub fn touch(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(sessions::table.find(id))
        .filter(sessions::last_seen_at.lt(now))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Ends one session: its cookie, wherever it was copied to, names no one any more.
pub fn end(conn: &mut DbConnection, id: &str) -> Result<(), DbError> {
    diesel::delete(sessions::table.find(id)).execute(conn)?;
    Ok(())
}
