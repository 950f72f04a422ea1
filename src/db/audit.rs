//! The audit log: appending and reading. There is deliberately no update or delete.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
use super::{DbConnection, DbError};
use crate::model::ids::AuditEntryId;

pub struct NewEntry<'a> {
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub address: Option<&'a str>,
    pub action: &'a str,
    pub subject: &'a str,
    pub detail: &'a str,
}

pub fn insert(conn: &mut DbConnection, e: &NewEntry<'_>) -> Result<(), DbError> {
    let values = (
        audit_log::at.eq(e.at),
        audit_log::actor_id.eq(e.actor_id),
        audit_log::actor.eq(e.actor),
        audit_log::address.eq(e.address),
        audit_log::action.eq(e.action),
        audit_log::subject.eq(e.subject),
        audit_log::detail.eq(e.detail),
    );
    super::on_backend!(conn, |c| diesel::insert_into(audit_log::table)
        .values(values)
        .execute(c))?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub id: AuditEntryId,
    pub at: NaiveDateTime,
    pub actor: String,
    pub address: Option<String>,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// The newest entries, narrowed to one action and to a word found in the actor, subject
/// or detail.
pub fn list(
    conn: &mut DbConnection,
    action: Option<&str>,
    search: &str,
    limit: i64,
) -> Result<Vec<Entry>, DbError> {
    let mut query = audit_log::table.into_boxed();
    if let Some(action) = action {
        query = query.filter(audit_log::action.eq(action.to_owned()));
    }
    if !search.is_empty() {
        let pattern = super::contains_pattern(search);
        query = query.filter(
            super::lower(audit_log::actor)
                .like(pattern.clone())
                .escape('\\')
                .or(super::lower(audit_log::subject)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(super::lower(audit_log::detail).like(pattern).escape('\\')),
        );
    }
    Ok(query
        .order(audit_log::id.desc())
        .limit(limit)
        .select(Entry::as_select())
        .load(conn)?)
}
