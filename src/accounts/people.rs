//! The admin's view of people: a page of the list, and one person with their roles.

use super::{AccountError, RoleGrant, User, UserId};
use crate::db::{self, Db};

/// People shown on one page of the admin's list.
pub const PAGE_SIZE: i64 = 50;

/// Page `number` (from 1) of the people whose name or address holds `search`, newest
/// first, and whether there are more.
pub async fn page(
    db: &Db,
    search: Option<String>,
    number: i64,
) -> Result<(Vec<User>, bool), AccountError> {
    let mut people = db
        .read(move |conn| {
            db::users::list(
                conn,
                search.as_deref(),
                (number - 1) * PAGE_SIZE,
                PAGE_SIZE + 1,
            )
        })
        .await?;
    let more = people.len() as i64 > PAGE_SIZE;
    people.truncate(PAGE_SIZE as usize);
    Ok((people, more))
}

/// One person and the roles they hold.
pub async fn with_roles(db: &Db, id: UserId) -> Result<(User, Vec<RoleGrant>), AccountError> {
    db.read(move |conn| {
        let person = db::users::find(conn, id)?.ok_or(AccountError::NotFound)?;
        Ok((person, db::users::grants(conn, id)?))
    })
    .await
}

/// Makes the person's language the one they chose.
pub async fn set_lang(db: &Db, id: UserId, lang: crate::i18n::Lang) -> Result<(), AccountError> {
    Ok(db
        .write(move |conn| db::users::set_lang(conn, id, lang))
        .await?)
}
