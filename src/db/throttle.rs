//! Failure counters for sign-in throttling, kept in the database so that every instance
//! behind a load balancer counts the same attempts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::sign_in_throttle;
use super::{DbConnection, DbError, on_backend};

/// The failures counted for `key`, and when their window began.
pub fn failures(
    conn: &mut DbConnection,
    key: &str,
) -> Result<Option<(i32, NaiveDateTime)>, DbError> {
    Ok(sign_in_throttle::table
        .find(key)
        .select((
            sign_in_throttle::failures,
            sign_in_throttle::window_started_at,
        ))
        .first(conn)
        .optional()?)
}

/// Stores the failure count of `key` and when its window began (insert or update).
pub fn store(
    conn: &mut DbConnection,
    key: &str,
    failures: i32,
    window_started_at: NaiveDateTime,
) -> Result<(), DbError> {
    let values = (
        sign_in_throttle::key.eq(key),
        sign_in_throttle::failures.eq(failures),
        sign_in_throttle::window_started_at.eq(window_started_at),
    );
    // An upsert: both backends have ON CONFLICT; the multi-backend connection does not.
    on_backend!(conn, |c| diesel::insert_into(sign_in_throttle::table)
        .values(values)
        .on_conflict(sign_in_throttle::key)
        .do_update()
        .set((
            sign_in_throttle::failures.eq(failures),
            sign_in_throttle::window_started_at.eq(window_started_at),
        ))
        .execute(c))?;
    Ok(())
}

/// Counts one attempt for `key` atomically (concurrent attempts each count) and returns the
/// count in the current window and when that window began. A window that began before
/// `window_start` is started afresh at `now`.
pub fn count_attempt(
    conn: &mut DbConnection,
    key: &str,
    now: NaiveDateTime,
    window_start: NaiveDateTime,
) -> Result<(i32, NaiveDateTime), DbError> {
    use diesel::sql_types::{Text, Timestamp};
    const UPDATE: &str = "failures = CASE WHEN sign_in_throttle.window_started_at > {cutoff} \
         THEN sign_in_throttle.failures + 1 ELSE 1 END, \
         window_started_at = CASE WHEN sign_in_throttle.window_started_at > {cutoff} \
         THEN sign_in_throttle.window_started_at ELSE excluded.window_started_at END";
    let insert = "INSERT INTO sign_in_throttle (key, failures, window_started_at) VALUES";
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(format!(
            "{insert} (?, 1, ?) ON CONFLICT (key) DO UPDATE SET {}",
            UPDATE.replace("{cutoff}", "?")
        ))
        .bind::<Text, _>(key)
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(window_start)
        .bind::<Timestamp, _>(window_start)
        .execute(c),
        DbConnection::Postgres(c) => diesel::sql_query(format!(
            "{insert} ($1, 1, $2) ON CONFLICT (key) DO UPDATE SET {}",
            UPDATE.replace("{cutoff}", "$3")
        ))
        .bind::<Text, _>(key)
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(window_start)
        .execute(c),
    }?;
    failures(conn, key)?.ok_or(DbError::Query(diesel::result::Error::NotFound))
}

pub fn clear(conn: &mut DbConnection, key: &str) -> Result<(), DbError> {
    diesel::delete(sign_in_throttle::table.find(key)).execute(conn)?;
    Ok(())
}
