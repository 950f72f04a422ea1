//! Self-registration and the first admin.

use chrono::NaiveDateTime;

use super::fields::{name_characters, short_text};
use super::profile::parse_profile;
use super::tokens::{TokenPurpose, random_token};
use super::{AccountError, Email, FieldError, Password, PersonNames, Profile, User, password};
use crate::db::users::NewUser;
use crate::db::{self, Db};
use crate::i18n::Lang;

/// The registration form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct RegistrationForm {
    pub email: String,
    #[serde(skip_serializing)]
    pub password: String,
    pub name_km: String,
    pub name_latin: String,
    pub position: String,
    pub province: String,
    pub organisation: String,
}

/// A registration that passed every check that needs no database.
#[derive(Debug)]
pub struct NewAccount {
    pub email: Email,
    pub password: Password,
    pub profile: Profile,
}

impl NewAccount {
    pub fn parse(form: &RegistrationForm, lang: Lang) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let email = Email::parse(&form.email).map_err(|e| errors.push(e)).ok();
        let password = Password::parse(&form.password)
            .map_err(|e| errors.push(e))
            .ok();
        let profile = parse_profile(
            &form.name_km,
            &form.name_latin,
            &form.position,
            &form.province,
            &form.organisation,
            Some(lang),
            &mut errors,
        );
        match (email, password, profile) {
            (Some(email), Some(password), Some(profile)) if errors.is_empty() => Ok(Self {
                email,
                password,
                profile,
            }),
            _ => Err(errors),
        }
    }
}

/// A select box's value: empty for "none", else a number.
pub fn optional_id<T: std::str::FromStr>(
    raw: &str,
    field: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    raw.parse()
        .map_err(|_| errors.push(FieldError::new(field, "error-choose-one")))
        .ok()
}

/// Creates the account. The email must be new, and the province and office must exist.
/// The address is not proven by typing it, so no invitation to it is claimed here.
pub async fn register(
    db: &Db,
    account: NewAccount,
    now: NaiveDateTime,
) -> Result<User, AccountError> {
    let hash = password::hash_queued(account.password).await?;
    db.write(move |conn| {
        check_profile_references(conn, &account.profile)?;
        if db::users::find_by_email(conn, &account.email)?.is_some() {
            return Err(AccountError::field("email", "error-email-taken"));
        }
        let new = NewUser {
            email: &account.email,
            password_hash: Some(&hash),
            profile: &account.profile,
            is_admin: false,
            // Typing an address proves nothing; a password link sent there will.
            email_verified: false,
        };
        // Two registrations racing for one address: the database keeps one.
        let user = db::users::insert(conn, &new, now).map_err(|e| {
            if e.is_unique_violation() {
                AccountError::field("email", "error-email-taken")
            } else {
                e.into()
            }
        })?;
        // No invitation to this address is claimed: the address is not proven. The
        // invitation's own link, or a password link, will.
        Ok(user)
    })
    .await
}

/// Checks that the province and office a profile names exist.
pub fn check_profile_references(
    conn: &mut db::DbConnection,
    profile: &Profile,
) -> Result<(), AccountError> {
    let mut errors = Vec::new();
    if let Some(province) = profile.province_id
        && !(1..=25).contains(&province.0)
    {
        errors.push(FieldError::new("province", "error-choose-one"));
    }
    if let Some(org) = profile.organisation_id
        && db::organisations::find(conn, org)?.is_none()
    {
        errors.push(FieldError::new("organisation", "error-choose-one"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AccountError::Invalid(errors))
    }
}

/// Makes `email` an admin (creating the account when needed) and returns the address as
/// stored and a one-time token
/// with which that person chooses a password. There is no default admin password.
pub fn create_admin(
    db: &Db,
    email: &str,
    name_latin: &str,
    name_km: &str,
    now: NaiveDateTime,
) -> Result<(Email, String), AccountError> {
    let email = Email::parse(email).map_err(|e| AccountError::Invalid(vec![e]))?;
    let raw_latin = name_latin;
    let name_latin =
        short_text(name_latin, "name_latin", 100).map_err(|e| AccountError::Invalid(vec![e]))?;
    if name_latin.is_empty() {
        return Err(AccountError::field(
            "name_latin",
            "error-name-latin-missing",
        ));
    }
    let name_km_kept =
        short_text(name_km, "name_km", 100).map_err(|e| AccountError::Invalid(vec![e]))?;
    name_characters("name_latin", raw_latin, &name_latin)
        .and_then(|()| name_characters("name_km", name_km, &name_km_kept))
        .map_err(|e| AccountError::Invalid(vec![e]))?;
    let name_km = name_km_kept;
    let token = random_token();
    let digest = super::tokens::digest(&token);
    db.blocking_write(|conn| {
        let user = match db::users::find_by_email(conn, &email)? {
            Some((user, _)) => user,
            None => {
                let profile = Profile {
                    names: PersonNames {
                        km: name_km,
                        latin: name_latin,
                    },
                    position: String::new(),
                    organisation_id: None,
                    province_id: None,
                    lang: None,
                };
                let new = NewUser {
                    email: &email,
                    password_hash: None,
                    profile: &profile,
                    is_admin: true,
                    // Proven when the first-password link is used.
                    email_verified: false,
                };
                db::users::insert(conn, &new, now)?
            }
        };
        db::users::set_admin(conn, user.id, true)?;
        db::tokens::insert(conn, user.id, TokenPurpose::SetPassword, &digest, now)?;
        Ok::<_, AccountError>(())
    })?;
    Ok((email, token))
}
