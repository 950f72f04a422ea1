//! Users and their role grants.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::organisations::OrganisationRow;
use super::schema::{organisations, role_grants, sessions, users};
use super::{DbConnection, DbError, lower};
use crate::i18n::Lang;
use crate::model::accounts::{Profile, Role, RoleGrant, User, UserId};
use crate::model::fields::Email;
use crate::model::ids::{GrantId, OrganisationId, ProvinceId};

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: i64,
    email: String,
    password_hash: Option<String>,
    name_km: String,
    name_latin: String,
    position: String,
    organisation_id: Option<i64>,
    province_id: Option<i32>,
    lang: Option<String>,
    is_admin: bool,
    session_epoch: i32,
    created_at: NaiveDateTime,
    email_verified_at: Option<NaiveDateTime>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            id: UserId(row.id),
            email: row.email,
            name_km: row.name_km,
            name_latin: row.name_latin,
            position: row.position,
            organisation_id: row.organisation_id.map(OrganisationId),
            province_id: row.province_id.map(ProvinceId),
            lang: row.lang.as_deref().and_then(Lang::from_code),
            is_admin: row.is_admin,
            session_epoch: row.session_epoch,
            has_password: row.password_hash.is_some(),
            email_verified: row.email_verified_at.is_some(),
            created_at: row.created_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUserRow<'a> {
    email: &'a str,
    password_hash: Option<&'a str>,
    name_km: &'a str,
    name_latin: &'a str,
    position: &'a str,
    organisation_id: Option<i64>,
    province_id: Option<i32>,
    lang: Option<&'a str>,
    is_admin: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    email_verified_at: Option<NaiveDateTime>,
}

/// What is needed to create an account.
pub struct NewUser<'a> {
    pub email: &'a Email,
    pub password_hash: Option<&'a str>,
    pub profile: &'a Profile,
    pub is_admin: bool,
    /// Whether the way the account is made proves the address (a join link does).
    pub email_verified: bool,
}

pub fn insert(
    conn: &mut DbConnection,
    new: &NewUser<'_>,
    now: NaiveDateTime,
) -> Result<User, DbError> {
    let profile = new.profile;
    diesel::insert_into(users::table)
        .values(NewUserRow {
            email: new.email.as_str(),
            password_hash: new.password_hash,
            name_km: &profile.names.km,
            name_latin: &profile.names.latin,
            position: &profile.position,
            organisation_id: profile.organisation_id.map(|id| id.0),
            province_id: profile.province_id.map(|id| id.0),
            lang: profile.lang.map(Lang::code),
            is_admin: new.is_admin,
            created_at: now,
            updated_at: now,
            email_verified_at: new.email_verified.then_some(now),
        })
        .execute(conn)?;
    find_by_email(conn, new.email)?
        .map(|(user, _)| user)
        .ok_or(DbError::Query(diesel::result::Error::NotFound))
}

pub fn find(conn: &mut DbConnection, id: UserId) -> Result<Option<User>, DbError> {
    Ok(users::table
        .find(id.0)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(User::from))
}

/// A role grant as stored: its id, the role, and where it holds.
type GrantRow = (GrantId, String, OrganisationRow);

/// `None` only if the row holds a role or kind the CHECK constraints do not allow.
fn to_grant((id, role, organisation): GrantRow) -> Option<RoleGrant> {
    Some(RoleGrant {
        id,
        role: Role::parse(&role)?,
        organisation: organisation.into_domain()?,
    })
}

/// The user a session belongs to and the roles they hold, in one query: what every page
/// asks of the person signed in. The session row must exist for this user and have been
/// seen after `seen_after` (the idle timeout); its last sighting comes back so the caller
/// can move it on now and then. A left join, so a user without roles is one row with no
/// grant.
pub fn in_session(
    conn: &mut DbConnection,
    id: UserId,
    session: &str,
    seen_after: NaiveDateTime,
) -> Result<Option<(User, Vec<RoleGrant>, NaiveDateTime)>, DbError> {
    let rows: Vec<(UserRow, NaiveDateTime, Option<GrantRow>)> = users::table
        .inner_join(sessions::table.on(sessions::user_id.eq(users::id)))
        .left_join(
            role_grants::table
                .inner_join(organisations::table)
                .on(role_grants::user_id.eq(users::id)),
        )
        .filter(users::id.eq(id.0))
        .filter(sessions::id.eq(session))
        .filter(sessions::last_seen_at.gt(seen_after))
        .order(role_grants::id)
        .select((
            UserRow::as_select(),
            sessions::last_seen_at,
            (
                role_grants::id,
                role_grants::role,
                // `OrganisationRow`'s columns: the multi-backend cannot load an optional
                // `as_select()`.
                (
                    organisations::id,
                    organisations::parent_id,
                    organisations::slug,
                    organisations::kind,
                    organisations::name_km,
                    organisations::name_en,
                    organisations::province_id,
                ),
            )
                .nullable(),
        ))
        .load(conn)?;
    let mut rows = rows.into_iter();
    let Some((user, seen, first)) = rows.next() else {
        return Ok(None);
    };
    let grants = std::iter::once(first)
        .chain(rows.map(|(_, _, grant)| grant))
        .flatten()
        .filter_map(to_grant)
        .collect();
    Ok(Some((User::from(user), grants, seen)))
}

/// The user with this email and their password hash, if any.
pub fn find_by_email(
    conn: &mut DbConnection,
    email: &Email,
) -> Result<Option<(User, Option<String>)>, DbError> {
    Ok(users::table
        .filter(users::email.eq(email.as_str()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(|row| {
            let hash = row.password_hash.clone();
            (User::from(row), hash)
        }))
}

pub fn update_profile(
    conn: &mut DbConnection,
    id: UserId,
    profile: &Profile,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(users::table.find(id.0))
        .set((
            users::name_km.eq(&profile.names.km),
            users::name_latin.eq(&profile.names.latin),
            users::position.eq(&profile.position),
            users::organisation_id.eq(profile.organisation_id.map(|id| id.0)),
            users::province_id.eq(profile.province_id.map(|id| id.0)),
            users::lang.eq(profile.lang.map(Lang::code)),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sets a new password hash and ends every session made with the old one.
pub fn set_password(
    conn: &mut DbConnection,
    id: UserId,
    hash: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(users::table.find(id.0))
        .set((
            users::password_hash.eq(hash),
            users::session_epoch.eq(users::session_epoch + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Ends every session of the user, wherever it is: the epoch rises (so a cookie made before
/// is refused even if its row were still there) and the session rows go.
pub fn end_all_sessions(conn: &mut DbConnection, id: UserId) -> Result<(), DbError> {
    diesel::update(users::table.find(id.0))
        .set(users::session_epoch.eq(users::session_epoch + 1))
        .execute(conn)?;
    diesel::delete(sessions::table.filter(sessions::user_id.eq(id.0))).execute(conn)?;
    Ok(())
}

/// The person proved they read mail at the account's address (they followed a link sent
/// there). Once: the first proof's time is kept.
pub fn mark_email_verified(
    conn: &mut DbConnection,
    id: UserId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(
        users::table
            .find(id.0)
            .filter(users::email_verified_at.is_null()),
    )
    .set(users::email_verified_at.eq(now))
    .execute(conn)?;
    Ok(())
}

pub fn set_lang(conn: &mut DbConnection, id: UserId, lang: Lang) -> Result<(), DbError> {
    diesel::update(users::table.find(id.0))
        .set(users::lang.eq(lang.code()))
        .execute(conn)?;
    Ok(())
}

pub fn set_admin(conn: &mut DbConnection, id: UserId, is_admin: bool) -> Result<(), DbError> {
    diesel::update(users::table.find(id.0))
        .set(users::is_admin.eq(is_admin))
        .execute(conn)?;
    Ok(())
}

pub fn count_admins(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(users::table
        .filter(users::is_admin.eq(true))
        .count()
        .get_result(conn)?)
}

/// A page of users, newest first, optionally matching a search in email or names.
pub fn list(
    conn: &mut DbConnection,
    search: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<Vec<User>, DbError> {
    let mut query = users::table
        .select(UserRow::as_select())
        .order(users::id.desc())
        .offset(offset)
        .limit(limit)
        .into_boxed();
    if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = super::contains_pattern(search);
        query = query.filter(
            users::email
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::name_latin).like(pattern.clone()).escape('\\'))
                .or(users::name_km.like(pattern).escape('\\')),
        );
    }
    Ok(query.load(conn)?.into_iter().map(User::from).collect())
}

pub fn grants(conn: &mut DbConnection, user: UserId) -> Result<Vec<RoleGrant>, DbError> {
    let rows: Vec<GrantRow> = role_grants::table
        .inner_join(organisations::table)
        .filter(role_grants::user_id.eq(user.0))
        .order(role_grants::id)
        .select((
            role_grants::id,
            role_grants::role,
            OrganisationRow::as_select(),
        ))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(to_grant).collect())
}

/// Grants a role; granting one that is already held changes nothing.
pub fn grant_role(
    conn: &mut DbConnection,
    user: UserId,
    role: Role,
    organisation: OrganisationId,
    granted_by: UserId,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let exists = role_grants::table
        .filter(role_grants::user_id.eq(user.0))
        .filter(role_grants::role.eq(role.as_str()))
        .filter(role_grants::organisation_id.eq(organisation.0))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !exists {
        let inserted = diesel::insert_into(role_grants::table)
            .values((
                role_grants::user_id.eq(user.0),
                role_grants::role.eq(role.as_str()),
                role_grants::organisation_id.eq(organisation.0),
                role_grants::granted_by.eq(granted_by.0),
                role_grants::created_at.eq(now),
            ))
            .execute(conn)
            .map_err(DbError::from);
        // A double click racing itself: the grant exists, which is what was asked.
        match inserted {
            Err(e) if !e.is_unique_violation() => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// Removes a grant of this user; false when there was no such grant.
pub fn revoke_role(
    conn: &mut DbConnection,
    user: UserId,
    grant_id: GrantId,
) -> Result<bool, DbError> {
    let removed = diesel::delete(
        role_grants::table
            .filter(role_grants::id.eq(grant_id))
            .filter(role_grants::user_id.eq(user.0)),
    )
    .execute(conn)?;
    Ok(removed > 0)
}

/// People whose office is one of these organisations, by Latin name.
pub fn in_organisations(
    conn: &mut DbConnection,
    ids: &[OrganisationId],
) -> Result<Vec<User>, DbError> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    Ok(users::table
        .filter(users::organisation_id.eq_any(ids))
        .order(users::name_latin)
        .select(UserRow::as_select())
        .load(conn)?
        .into_iter()
        .map(User::from)
        .collect())
}
