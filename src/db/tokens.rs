//! One-time tokens (stored as digests only).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::one_time_tokens;
use super::{DbConnection, DbError};
use crate::model::accounts::TokenPurpose;
use crate::model::ids::{TokenId, UserId};

pub fn insert(
    conn: &mut DbConnection,
    user: UserId,
    purpose: TokenPurpose,
    digest: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(one_time_tokens::table)
        .values((
            one_time_tokens::user_id.eq(user.0),
            one_time_tokens::purpose.eq(purpose.as_str()),
            one_time_tokens::token_hash.eq(digest),
            one_time_tokens::expires_at.eq(now + purpose.lifetime()),
            one_time_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The user and purpose of an unused, unexpired token.
pub fn find_valid(
    conn: &mut DbConnection,
    digest: &str,
    now: NaiveDateTime,
) -> Result<Option<(TokenId, UserId, TokenPurpose)>, DbError> {
    let row: Option<(TokenId, UserId, String)> = one_time_tokens::table
        .filter(one_time_tokens::token_hash.eq(digest))
        .filter(one_time_tokens::used_at.is_null())
        .filter(one_time_tokens::expires_at.gt(now))
        .select((
            one_time_tokens::id,
            one_time_tokens::user_id,
            one_time_tokens::purpose,
        ))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(id, user, purpose)| Some((id, user, TokenPurpose::parse(&purpose)?))))
}

/// Uses one token; false when another request used it first.
pub fn use_one(conn: &mut DbConnection, id: TokenId, now: NaiveDateTime) -> Result<bool, DbError> {
    let changed = diesel::update(
        one_time_tokens::table
            .filter(one_time_tokens::id.eq(id))
            .filter(one_time_tokens::used_at.is_null()),
    )
    .set(one_time_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Marks every open token of this user used: one reset ends all outstanding links.
pub fn use_all(conn: &mut DbConnection, user: UserId, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(
        one_time_tokens::table
            .filter(one_time_tokens::user_id.eq(user.0))
            .filter(one_time_tokens::used_at.is_null()),
    )
    .set(one_time_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// How many tokens of this purpose were made for the user since `since` (to limit emails).
pub fn count_since(
    conn: &mut DbConnection,
    user: UserId,
    purpose: TokenPurpose,
    since: NaiveDateTime,
) -> Result<i64, DbError> {
    Ok(one_time_tokens::table
        .filter(one_time_tokens::user_id.eq(user.0))
        .filter(one_time_tokens::purpose.eq(purpose.as_str()))
        .filter(one_time_tokens::created_at.gt(since))
        .count()
        .get_result(conn)?)
}
