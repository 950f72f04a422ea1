//! Self-registration and the first admin.

use chrono::NaiveDateTime;

use super::fields::{name_characters, short_text};
use super::profile::{check_profile_references, parse_profile};

use super::creation::{Address, create};
use super::tokens::{TokenPurpose, random_token};
use super::{AccountError, Email, FieldError, PersonNames, Profile, User};
use crate::db::{self, Db};
use crate::email::{EmailError, Outgoing};
use crate::i18n::Lang;

/// The registration form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct RegistrationForm {
    pub email: String,
    pub name_km: String,
    pub name_latin: String,
    pub position: String,
    pub province: String,
    pub organisation: String,
}

/// A registration that passed every check that needs no database. There is no password
/// here: it is chosen through the link sent to the address.
#[derive(Debug)]
pub struct NewAccount {
    pub email: Email,
    pub profile: Profile,
}

impl NewAccount {
    pub fn parse(form: &RegistrationForm, lang: Lang) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let email = Email::parse(&form.email).map_err(|e| errors.push(e)).ok();
        let profile = parse_profile(
            &form.name_km,
            &form.name_latin,
            &form.position,
            &form.province,
            &form.organisation,
            Some(lang),
            &mut errors,
        );
        match (email, profile) {
            (Some(email), Some(profile)) if errors.is_empty() => Ok(Self { email, profile }),
            _ => Err(errors),
        }
    }
}

/// The email a registration sends; the visitor is told the same ("check your email") in
/// every case, and only the address's owner learns which it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Letter {
    /// The address has no password yet (new, or registered and never confirmed, or made
    /// by an admin): a link to choose one, which also proves the address.
    ChoosePassword,
    /// The address already has an account: the owner is told so, with a link to choose a
    /// new password in case they forgot it.
    AlreadyRegistered,
}

impl Letter {
    pub fn purpose(self) -> TokenPurpose {
        match self {
            Self::ChoosePassword => TokenPurpose::SetPassword,
            Self::AlreadyRegistered => TokenPurpose::PasswordReset,
        }
    }
}

/// At most this many registration emails to one address per hour, so that nobody can use
/// the form to flood someone's inbox.
const LETTERS_PER_HOUR: i64 = 3;

/// Registers an address. Typing an address proves nothing, so no account is signed in
/// and nothing is claimed here; the email (written by `letter` and queued in the same
/// transaction) carries the link that proves the address:
///
/// - a new address gets an account without a password, and a link to choose one;
/// - an address whose account has no password yet gets a fresh such link (its profile
///   is left as it is: it may be an invitation's, typed by a coordinator);
/// - an address with an account gets "you already have an account", with a reset link.
///
/// `Ok(true)` when a letter was queued, `Ok(false)` when the address had enough this hour.
/// The caller answers the same either way.
pub async fn register<F>(
    db: &Db,
    account: NewAccount,
    now: NaiveDateTime,
    letter: F,
) -> Result<bool, AccountError>
where
    F: FnOnce(&User, Letter, &str) -> Result<Outgoing, EmailError> + Send + 'static,
{
    let token = random_token();
    let stored = super::tokens::digest(&token);
    let outcome = db
        .write(move |conn| {
            check_profile_references(conn, &account.profile)?;
            let (user, kind) = match db::users::find_by_email(conn, &account.email)? {
                Some((user, Some(_))) => (user, Letter::AlreadyRegistered),
                Some((user, None)) => (user, Letter::ChoosePassword),
                None => {
                    // Two registrations racing for one address: the database keeps one,
                    // and the other (`Raced`) is answered like any known address.
                    let user = create(
                        conn,
                        &account.email,
                        &account.profile,
                        None,
                        Address::Unproven,
                        now,
                    )?;
                    (user, Letter::ChoosePassword)
                }
            };
            let recent = db::tokens::count_since(
                conn,
                user.id,
                kind.purpose(),
                now - chrono::Duration::hours(1),
            )?;
            if recent >= LETTERS_PER_HOUR {
                tracing::warn!(user = user.id.0, "registered too often; no email sent");
                return Ok(false);
            }
            db::tokens::insert(conn, user.id, kind.purpose(), &stored, now)?;
            let mail =
                letter(&user, kind, &token).map_err(|e| AccountError::Email(e.to_string()))?;
            db::outbox::enqueue(conn, &mail, now)?;
            Ok(true)
        })
        .await;
    match outcome {
        // The race above: the other registration sent its letter.
        Err(AccountError::Raced) => Ok(false),
        other => other,
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
                // Proven when the first-password link is used; made an admin below.
                create(conn, &email, &profile, None, Address::Unproven, now)?
            }
        };
        db::users::set_admin(conn, user.id, true)?;
        db::tokens::insert(conn, user.id, TokenPurpose::SetPassword, &digest, now)?;
        Ok::<_, AccountError>(())
    })?;
    Ok((email, token))
}
