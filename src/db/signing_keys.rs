//! Every organisation's signing keys at once, for sealing them again under a new
//! key-encryption secret (`certificates::sealing`). The rest of the keys' SQL is in
//! `db::certificates`.

use diesel::prelude::*;

use super::certificates::KeyRow;
use super::schema::signing_keys;
use super::{DbConnection, DbError};
use crate::model::ids::KeyId;

/// Every signing key, in use or retired.
pub fn all(conn: &mut DbConnection) -> Result<Vec<KeyRow>, DbError> {
    Ok(signing_keys::table
        .order(signing_keys::id)
        .select(KeyRow::as_select())
        .load(conn)?)
}

/// Replaces a key's sealed private half (the same key, sealed under another secret).
pub fn set_sealed(conn: &mut DbConnection, id: KeyId, sealed: &[u8]) -> Result<(), DbError> {
    diesel::update(signing_keys::table.filter(signing_keys::id.eq(id)))
        .set(signing_keys::sealed_private_key.eq(sealed))
        .execute(conn)?;
    Ok(())
}
