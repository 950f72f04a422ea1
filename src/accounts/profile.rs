//! Editing one's profile.

use chrono::NaiveDateTime;

use super::fields::short_text;
use super::{AccountError, FieldError, PersonNames, Profile, UserId};
use crate::db::{self, Db};
use crate::i18n::Lang;
use crate::organisations::{OrganisationId, ProvinceId};

/// The profile form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ProfileForm {
    pub name_km: String,
    pub name_latin: String,
    pub position: String,
    pub province: String,
    pub organisation: String,
    pub lang: String,
}

impl ProfileForm {
    pub fn from_profile(user: &super::User) -> Self {
        Self {
            name_km: user.name_km.clone(),
            name_latin: user.name_latin.clone(),
            position: user.position.clone(),
            province: user
                .province_id
                .map(|p| p.0.to_string())
                .unwrap_or_default(),
            organisation: user
                .organisation_id
                .map(|o| o.0.to_string())
                .unwrap_or_default(),
            lang: user.lang.map(|l| l.code().to_owned()).unwrap_or_default(),
        }
    }
}

/// The fields shared by registration and the profile form.
pub fn parse_profile(
    name_km: &str,
    name_latin: &str,
    position: &str,
    province: &str,
    organisation: &str,
    lang: Option<Lang>,
    errors: &mut Vec<FieldError>,
) -> Option<Profile> {
    let names = PersonNames::parse(name_km, name_latin)
        .map_err(|e| errors.extend(e))
        .ok();
    let position = short_text(position, "position", 120)
        .map_err(|e| errors.push(e))
        .ok();
    let province_id = optional_id(province, "province", errors).map(ProvinceId);
    let organisation_id = optional_id(organisation, "organisation", errors).map(OrganisationId);
    Some(Profile {
        names: names?,
        position: position?,
        organisation_id,
        province_id,
        lang,
    })
}

impl Profile {
    pub fn parse(form: &ProfileForm) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let lang = match form.lang.trim() {
            "" => None,
            code => {
                let lang = Lang::from_code(code);
                if lang.is_none() {
                    errors.push(FieldError::new("lang", "error-choose-one"));
                }
                lang
            }
        };
        let profile = parse_profile(
            &form.name_km,
            &form.name_latin,
            &form.position,
            &form.province,
            &form.organisation,
            lang,
            &mut errors,
        );
        match profile {
            Some(profile) if errors.is_empty() => Ok(profile),
            _ => Err(errors),
        }
    }
}

pub async fn update(
    db: &Db,
    id: UserId,
    profile: Profile,
    now: NaiveDateTime,
) -> Result<(), AccountError> {
    db.write(move |conn| {
        check_profile_references(conn, &profile)?;
        Ok(db::users::update_profile(conn, id, &profile, now)?)
    })
    .await
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
