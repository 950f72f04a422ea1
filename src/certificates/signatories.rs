//! What an organisation puts on certificates: its signatories (name and title in Khmer and
//! English, and a signature picture) and its logo. Only its own publishers (and, through
//! the seed file of a new installation, the operator) change them; a course picks
//! signatories from these lists by handle and cannot invent one.

use std::path::Path;

use chrono::NaiveDateTime;
use serde::Deserialize;

use super::pdf;
use crate::accounts::FieldError;
use crate::accounts::fields::short_text;
use crate::audit::{self, Action, Actor};
use crate::db::signatories::{NewSignatory as NewRow, SignatoryRow};
use crate::db::{self, Db, DbConnection, DbError};
use crate::model::courses::Bilingual;
use crate::model::courses::MediaFile;
use crate::model::ids::SignatoryId;
use crate::organisations::{NewOrganisation, Organisation, OrganisationId, Slug};

pub type Signatory = SignatoryRow;

#[derive(Debug, thiserror::Error)]
pub enum SignatoryError {
    #[error("the form has {} problem(s)", .0.len())]
    Invalid(Vec<FieldError>),
    #[error("the picture cannot be read as PNG, JPEG, WebP or GIF")]
    Picture,
    #[error("no such signatory in office")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A new signatory, parsed from a publisher's form.
#[derive(Debug, Clone)]
pub struct NewSignatory {
    pub handle: Slug,
    pub name: Bilingual,
    pub title: Bilingual,
}

impl NewSignatory {
    pub fn parse(
        handle: &str,
        name: (&str, &str),
        title: (&str, &str),
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let handle = Slug::parse(handle)
            .map_err(|_| errors.push(FieldError::new("handle", "error-slug")))
            .ok();
        let mut text = |raw: &str, field: &'static str| match short_text(raw, field, 200) {
            Ok(text) if text.is_empty() => {
                errors.push(FieldError::new(field, "error-required"));
                text
            }
            Ok(text) => text,
            Err(error) => {
                errors.push(error);
                String::new()
            }
        };
        let name = Bilingual {
            km: text(name.0, "name_km"),
            en: text(name.1, "name_en"),
        };
        let title = Bilingual {
            km: text(title.0, "title_km"),
            en: text(title.1, "title_en"),
        };
        match handle {
            Some(handle) if errors.is_empty() => Ok(Self {
                handle,
                name,
                title,
            }),
            _ => Err(errors),
        }
    }
}

/// An organisation's signatories, those in office first.
pub async fn list(db: &Db, organisation: OrganisationId) -> Result<Vec<Signatory>, DbError> {
    db.read(move |conn| db::signatories::of_organisation(conn, organisation))
        .await
}

/// A picture made fit for the certificate (see [`pdf::normalise_signature`]) and stored
/// as media; its hash.
async fn prepared_picture(
    bytes: Vec<u8>,
    normalise: fn(&[u8]) -> Option<Vec<u8>>,
) -> Result<MediaFile, SignatoryError> {
    tokio::task::spawn_blocking(move || normalise(&bytes))
        .await
        .ok()
        .flatten()
        .and_then(MediaFile::png)
        .ok_or(SignatoryError::Picture)
}

/// Adds a signatory to the organisation's list. The handle must be new in this
/// organisation (a handle once used keeps naming the same person in published versions).
pub async fn add(
    db: &Db,
    organisation: &Organisation,
    new: NewSignatory,
    signature: Option<Vec<u8>>,
    actor: Actor,
    now: NaiveDateTime,
) -> Result<(), SignatoryError> {
    let picture = match signature {
        Some(bytes) => Some(prepared_picture(bytes, pdf::normalise_signature).await?),
        None => None,
    };
    let org = organisation.clone();
    db.write(move |conn| add_in(conn, &org, &new, picture.as_ref(), &actor, now))
        .await
}

fn add_in(
    conn: &mut DbConnection,
    org: &Organisation,
    new: &NewSignatory,
    picture: Option<&MediaFile>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(), SignatoryError> {
    if db::signatories::by_handle(conn, org.id, new.handle.as_str())?.is_some() {
        return Err(SignatoryError::Invalid(vec![FieldError::new(
            "handle",
            "error-handle-taken",
        )]));
    }
    if let Some(picture) = picture {
        db::courses::insert_media(conn, picture, now)?;
    }
    db::signatories::insert(
        conn,
        &NewRow {
            organisation: org.id,
            handle: new.handle.as_str(),
            name: (&new.name.km, &new.name.en),
            title: (&new.title.km, &new.title.en),
            signature_hash: picture.map(|p| p.hash.as_str()),
            created_by: actor.user,
        },
        now,
    )?;
    audit::record(
        conn,
        actor,
        Action::SignatoryAdded,
        &format!("{}/{}", org.slug, new.handle.as_str()),
        &format!("{} — {}", new.name.en, new.title.en),
        now,
    )?;
    Ok(())
}

/// Marks a signatory as no longer signing: new versions cannot pick them; versions that
/// already did keep printing them, as they were published.
pub async fn retire(
    db: &Db,
    organisation: &Organisation,
    id: SignatoryId,
    actor: Actor,
    now: NaiveDateTime,
) -> Result<(), SignatoryError> {
    let org = organisation.clone();
    db.write(move |conn| {
        if !db::signatories::retire(conn, org.id, id, now)? {
            return Err(SignatoryError::NotFound);
        }
        audit::record(
            conn,
            &actor,
            Action::SignatoryRetired,
            &org.slug,
            &format!("signatory {id}"),
            now,
        )?;
        Ok(())
    })
    .await
}

/// Sets the organisation's logo, printed at the top of its certificates.
pub async fn set_logo(
    db: &Db,
    organisation: &Organisation,
    bytes: Vec<u8>,
    actor: Actor,
    now: NaiveDateTime,
) -> Result<(), SignatoryError> {
    let picture = prepared_picture(bytes, pdf::normalise_logo).await?;
    let org = organisation.clone();
    db.write(move |conn| {
        db::courses::insert_media(conn, &picture, now)?;
        db::signatories::set_logo(conn, org.id, Some(&picture.hash))?;
        audit::record(conn, &actor, Action::LogoChanged, &org.slug, "", now)?;
        Ok(())
    })
    .await
}

/// The organisation's logo as stored media, for its page.
pub async fn logo(db: &Db, organisation: OrganisationId) -> Result<Option<String>, DbError> {
    db.read(move |conn| db::signatories::logo(conn, organisation))
        .await
}

// --- The seed file of a new installation ---------------------------------------------------

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{0} cannot be read: {1}")]
    Unreadable(String, String),
    #[error("{0}: {1}")]
    Invalid(String, String),
    #[error(transparent)]
    Db(#[from] DbError),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedFile {
    #[serde(default)]
    organisation: Vec<SeedOrganisation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedOrganisation {
    slug: String,
    kind: String,
    km: String,
    en: String,
    logo: Option<String>,
    #[serde(default)]
    signatory: Vec<SeedSignatory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedSignatory {
    handle: String,
    name: Bilingual,
    title: Bilingual,
    signature: Option<String>,
}

/// Creates the organisations and signatories an `organisations.toml` lists (beside the
/// course folders published on first start) that do not exist yet. It never changes an
/// existing organisation or signatory: once created, they are their organisation's to keep.
/// Returns how many organisations and signatories were created.
pub fn seed(db: &Db, file: &Path, now: NaiveDateTime) -> Result<(usize, usize), SeedError> {
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(file)
        .map_err(|e| SeedError::Unreadable(shown.clone(), e.to_string()))?;
    let parsed: SeedFile =
        toml::from_str(&text).map_err(|e| SeedError::Invalid(shown.clone(), e.to_string()))?;
    let folder = file.parent().unwrap_or(Path::new("."));
    let invalid = |what: String| SeedError::Invalid(shown.clone(), what);
    let picture = |path: &Option<String>, normalise: fn(&[u8]) -> Option<Vec<u8>>| {
        path.as_ref()
            .map(|path| {
                std::fs::read(folder.join(path))
                    .ok()
                    .and_then(|bytes| normalise(&bytes))
                    .and_then(MediaFile::png)
                    .ok_or_else(|| invalid(format!("{path} is not a picture Sala can read")))
            })
            .transpose()
    };
    let mut prepared = Vec::new();
    for org in &parsed.organisation {
        let new = NewOrganisation::parse(&org.slug, &org.kind, &org.km, &org.en, None, None)
            .map_err(|_| invalid(format!("organisation {} is not valid", org.slug)))?;
        let logo = picture(&org.logo, pdf::normalise_logo)?;
        let mut signatories = Vec::new();
        for s in &org.signatory {
            let parsed = NewSignatory::parse(
                &s.handle,
                (&s.name.km, &s.name.en),
                (&s.title.km, &s.title.en),
            )
            .map_err(|_| invalid(format!("signatory {}/{} is not valid", org.slug, s.handle)))?;
            signatories.push((parsed, picture(&s.signature, pdf::normalise_signature)?));
        }
        prepared.push((new, logo, signatories));
    }
    db.blocking_write(move |conn| {
        let actor = Actor::command_line();
        let (mut orgs, mut people) = (0, 0);
        for (new, logo, signatories) in prepared {
            let org = match db::organisations::find_by_slug(conn, new.slug.as_str())? {
                Some(org) => org,
                None => {
                    orgs += 1;
                    let org = db::organisations::insert(conn, &new, now)?;
                    if let Some(logo) = &logo {
                        db::courses::insert_media(conn, logo, now)?;
                        db::signatories::set_logo(conn, org.id, Some(&logo.hash))?;
                    }
                    org
                }
            };
            for (signatory, picture) in signatories {
                if db::signatories::by_handle(conn, org.id, signatory.handle.as_str())?.is_none() {
                    people += 1;
                    add_in(conn, &org, &signatory, picture.as_ref(), &actor, now).map_err(|e| {
                        match e {
                            SignatoryError::Db(e) => SeedError::Db(e),
                            other => SeedError::Invalid(String::new(), other.to_string()),
                        }
                    })?;
                }
            }
        }
        Ok((orgs, people))
    })
}
