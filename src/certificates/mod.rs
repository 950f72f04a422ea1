//! Completion certificates: issued once when a learner completes a course, signed by the
//! publishing organisation (and endorsed by the co-signing one) as an Open Badges 3.0
//! credential, revocable through a published status list, and checkable by anyone.
//!
//! [`Authority`] holds what signing needs (the key sealer, the public address). Its methods
//! take a database connection so that a certificate is issued in the same transaction as
//! the completion it records: a completion never lacks its certificate.

pub mod actions;
pub mod cosigning;
pub mod credential;
pub mod embedded;
pub mod jws;
pub mod keys;
pub mod pdf;
mod sealing;
pub mod serial;
pub mod signatories;
pub mod status_list;
pub mod verify;

use std::sync::Arc;

use chrono::NaiveDateTime;
use ed25519_dalek::SigningKey;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use url::Url;

use crate::accounts::{User, UserId};
use crate::audit::{self, Action, Actor};
pub use crate::db::certificates::IssuedRow;
use crate::db::certificates::{CertificateRow, KeyRow, NewCertificate};
use crate::db::{self, DbConnection, DbError};
use crate::email::{MailKind, Outgoing};
use crate::i18n::{self, Lang};
use crate::model::courses::{Bilingual, CourseMeta};
use crate::model::ids::{SignatoryId, VersionId};
use crate::organisations::{Organisation, OrganisationId};

pub use crate::model::certificates::Completed;
pub use credential::Party;
pub use keys::{Jwk, KeyError, Sealer};
pub use sealing::Adopted;
pub use serial::{Serial, SerialError};
pub use verify::{Facts, Verdict, Why};

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("no such organisation")]
    UnknownOrganisation,
    #[error("no such certificate")]
    NotFound,
    #[error("the certificate is already revoked")]
    AlreadyRevoked,
    #[error("a reason is needed")]
    ReasonMissing,
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What an issued certificate is, for lists and pages.
pub type Certificate = CertificateRow;

/// Longest revocation reason kept.
pub const MAX_REASON_CHARS: usize = 500;

pub struct Authority {
    sealer: Sealer,
    /// Opens keys sealed under the cookie key by earlier versions (`adopt_legacy_keys`).
    legacy: Sealer,
    base: Url,
    serial_prefix: String,
    /// Keys the learner identifiers in credentials, so they are stable for a learner but
    /// say nothing about our row ids.
    subject_key: [u8; 32],
}

impl Authority {
    /// `instance_secret` is the cookie key (it keys the learners' subject ids, and opens
    /// keys sealed by earlier versions); `key_encryption_key` seals the signing keys.
    pub fn new(
        instance_secret: &[u8],
        key_encryption_key: &[u8],
        base: Url,
        serial_prefix: &str,
    ) -> Self {
        let subject_key: [u8; 32] = Sha256::new()
            .chain_update(b"sala certificate subjects")
            .chain_update(instance_secret)
            .finalize()
            .into();
        Authority {
            sealer: Sealer::from_kek(key_encryption_key),
            legacy: Sealer::legacy(instance_secret),
            base,
            serial_prefix: serial_prefix.to_owned(),
            subject_key,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_str().trim_end_matches('/'))
    }

    pub fn verify_url(&self, serial: &str) -> String {
        self.url(&format!("/verify/{serial}"))
    }

    pub fn did(&self, slug: &str) -> String {
        credential::did_web(&self.base, slug)
    }

    /// The key id as it appears in tokens: a DID URL that resolves to the key.
    pub fn kid(&self, slug: &str, key_name: &str) -> String {
        format!("{}#{key_name}", self.did(slug))
    }

    pub fn status_list_url(&self, slug: &str, key_name: &str) -> String {
        self.url(&format!("/issuers/{slug}/status/{key_name}"))
    }

    pub fn party(&self, org: &Organisation) -> Party {
        Party {
            did: self.did(&org.slug),
            url: self.url(&format!("/issuers/{}", org.slug)),
            name: Bilingual {
                km: org.name_km.clone(),
                en: org.name_en.clone(),
            },
        }
    }

    fn subject_id(&self, user: UserId) -> String {
        let digest = Sha256::new()
            .chain_update(self.subject_key)
            .chain_update(user.0.to_be_bytes())
            .finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        // A version 8 (custom) UUID, RFC 9562.
        bytes[6] = (bytes[6] & 0x0f) | 0x80;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "urn:uuid:{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }

    /// The organisation's signing key, made on first use.
    fn signing_key(
        &self,
        conn: &mut DbConnection,
        org: &Organisation,
        now: NaiveDateTime,
    ) -> Result<(KeyRow, SigningKey), CertError> {
        let row = match db::certificates::current_key(conn, org.id)? {
            Some(row) => row,
            None => self.new_key(conn, org, now)?,
        };
        let key = self.open(&row)?;
        Ok((row, key))
    }

    /// The organisation's signing key and the next free place in its status list. A key's
    /// list has a fixed length: when it is full, the organisation moves on to a new key
    /// (and so a new list); the full one stays published.
    fn key_with_room(
        &self,
        conn: &mut DbConnection,
        org: &Organisation,
        now: NaiveDateTime,
    ) -> Result<(KeyRow, SigningKey, i64), CertError> {
        let (row, key) = self.signing_key(conn, org, now)?;
        let index = db::certificates::next_status_index(conn, row.id)?;
        if index < status_list::STATUS_LIST_BITS as i64 {
            return Ok((row, key, index));
        }
        let row = self.new_key(conn, org, now)?;
        let key = self.open(&row)?;
        Ok((row, key, 0))
    }

    fn new_key(
        &self,
        conn: &mut DbConnection,
        org: &Organisation,
        now: NaiveDateTime,
    ) -> Result<KeyRow, CertError> {
        let count = db::certificates::keys_of(conn, org.id)?.len();
        let name = format!("key-{}", count + 1);
        let key = keys::generate();
        let sealed = self.sealer.seal(
            &key,
            &seal_binding(org.id, &name, key.verifying_key().as_bytes()),
        );
        let row = db::certificates::replace_key(
            conn,
            org.id,
            &name,
            key.verifying_key().as_bytes(),
            &sealed,
            now,
        )?;
        tracing::info!(organisation = %org.slug, key = %name, "made a new signing key");
        Ok(row)
    }

    /// Opens a stored key: the sealed half must open under this row's binding and match
    /// its public half.
    fn open(&self, row: &KeyRow) -> Result<SigningKey, CertError> {
        Ok(open_with(&self.sealer, row)?)
    }

    /// `sala keys rotate`: retires the organisation's key and makes a new one. Certificates
    /// signed with the old key keep verifying: its public half stays published.
    pub fn rotate(
        &self,
        conn: &mut DbConnection,
        slug: &str,
        now: NaiveDateTime,
    ) -> Result<String, CertError> {
        let org =
            db::organisations::find_by_slug(conn, slug)?.ok_or(CertError::UnknownOrganisation)?;
        Ok(self.new_key(conn, &org, now)?.name)
    }

    /// Issues the certificate for a completion, once: if one was ever issued for this
    /// learner and course (even if since revoked), that one is returned.
    pub fn issue(
        &self,
        conn: &mut DbConnection,
        done: &Completed,
        now: NaiveDateTime,
    ) -> Result<Certificate, CertError> {
        if let Some(existing) = db::certificates::latest_for(conn, done.user, done.course_id)? {
            return Ok(existing);
        }
        self.sign_new(conn, done, now)
    }

    /// Issues the certificates of any completions that lack one (an issue that failed after
    /// the completion was recorded). Cheap when there are none.
    pub fn issue_missing(
        &self,
        conn: &mut DbConnection,
        user: UserId,
        now: NaiveDateTime,
    ) -> Result<(), CertError> {
        for done in db::certificates::completions_without_certificate(conn, user)? {
            self.sign_new(conn, &done, now)?;
        }
        Ok(())
    }

    fn sign_new(
        &self,
        conn: &mut DbConnection,
        done: &Completed,
        now: NaiveDateTime,
    ) -> Result<Certificate, CertError> {
        let learner = db::users::find(conn, done.user)?.ok_or(CertError::NotFound)?;
        let version = db::learning::version(conn, done.version_id)?.ok_or(CertError::NotFound)?;
        let meta: CourseMeta =
            serde_json::from_str(&version.settings).map_err(|e| DbError::Corrupt(e.to_string()))?;
        let chapters = db::learning::chapter_list(conn, version.version_id)?.len();
        let publisher = db::organisations::find_by_slug(conn, &meta.publisher)?
            .ok_or(CertError::UnknownOrganisation)?;
        // The co-signer endorses only what it has consented to (`cosigning`).
        let cosigner = match &meta.cosigner {
            Some(slug) => db::organisations::find_by_slug(conn, slug)?,
            None => None,
        };
        let cosigner = match cosigner {
            Some(org) if cosigning::consents(conn, done.course_id, done.version_id, org.id)? => {
                Some(org)
            }
            _ => None,
        };
        let (key_row, key, status_index) = self.key_with_room(conn, &publisher, now)?;
        let serial = loop {
            let serial = Serial::generate(&self.serial_prefix, &mut OsRng).to_string();
            if !db::certificates::serial_taken(conn, &serial)? {
                break serial;
            }
        };
        let award = credential::Award {
            id: self.verify_url(&serial),
            serial: serial.clone(),
            subject_id: self.subject_id(done.user),
            learner_km: learner.name_km.clone(),
            learner_latin: learner.name_latin.clone(),
            achievement_id: self.url(&format!("/courses/{}#v{}", version.slug, version.number)),
            course_url: self.url(&format!("/courses/{}", version.slug)),
            title: version.title.clone(),
            summary: version.summary.clone(),
            version: version.number,
            chapters,
            pass_mark: meta.pass_mark,
            score: done.score,
            completed_at: done.completed_at,
            issued_at: now,
            status_list: self.status_list_url(&publisher.slug, &key_row.name),
            status_index,
        };
        let mut endorsements = Vec::new();
        let mut endorsed_by = None;
        if let Some(cosigner) = &cosigner {
            let (co_row, co_key, co_index) = self.key_with_room(conn, cosigner, now)?;
            let list = self.status_list_url(&cosigner.slug, &co_row.name);
            let claims = credential::endorsement(&award, &self.party(cosigner), &list, co_index);
            endorsements.push(jws::sign(
                &claims,
                &co_key,
                &self.kid(&cosigner.slug, &co_row.name),
            ));
            endorsed_by = Some((cosigner.id, co_row.id, co_index));
        }
        let claims = credential::open_badge(&award, &self.party(&publisher), &endorsements);
        let token = jws::sign(&claims, &key, &self.kid(&publisher.slug, &key_row.name));
        let id = db::certificates::insert(
            conn,
            &NewCertificate {
                serial: &serial,
                user: done.user,
                course_id: done.course_id,
                version_id: done.version_id,
                key_id: key_row.id,
                status_index,
                names: (&learner.name_km, &learner.name_latin),
                score: done.score,
                completed_at: done.completed_at,
                issued_at: now,
                credential: &token,
            },
        )?;
        if let Some((organisation, key, index)) = endorsed_by {
            db::cosigning::insert_endorsement(conn, id, organisation, key, index, now)?;
        }
        tracing::info!(
            certificate = id.0,
            course = done.course_id.0,
            "issued a certificate"
        );
        audit::record(
            conn,
            &Actor::system(),
            Action::CertificateIssued,
            &serial,
            &format!(
                "{} v{} to {} ({})",
                version.slug, version.number, learner.name_latin, learner.email
            ),
            now,
        )?;
        db::outbox::enqueue(conn, &self.notice(&learner, &version.title, &serial), now)?;
        db::certificates::by_serial(conn, &serial)?.ok_or(CertError::NotFound)
    }

    /// The email telling the learner their certificate is ready: Khmer, then English.
    fn notice(&self, learner: &User, title: &Bilingual, serial: &str) -> Outgoing {
        let part = |lang: Lang, name: &str, course: &str| {
            i18n::translate_with(
                lang,
                "email-certificate-body",
                &[
                    ("name", name.to_owned()),
                    ("course", course.to_owned()),
                    ("serial", serial.to_owned()),
                ],
            )
        };
        let (mine, check) = (self.url("/my"), self.verify_url(serial));
        Outgoing {
            kind: MailKind::Certificate,
            to: learner.email.clone(),
            subject: format!(
                "{} / {}",
                i18n::translate(Lang::Km, "email-certificate-subject"),
                i18n::translate(Lang::En, "email-certificate-subject")
            ),
            body: format!(
                "{}\n\n{mine}\n{check}\n\n----------------------------------------\n\n{}\n\n{mine}\n{check}\n",
                part(Lang::Km, &learner.name_km, &title.km),
                part(Lang::En, &learner.name_latin, &title.en),
            ),
        }
    }

    /// Revokes a certificate for a stated reason.
    pub fn revoke(
        &self,
        conn: &mut DbConnection,
        serial: &str,
        reason: &str,
        by: &Actor,
        now: NaiveDateTime,
    ) -> Result<Certificate, CertError> {
        let reason = clean_reason(reason)?;
        let row = db::certificates::by_serial(conn, serial)?.ok_or(CertError::NotFound)?;
        if !db::certificates::revoke(conn, row.id, &reason, by.user, now)? {
            return Err(CertError::AlreadyRevoked);
        }
        audit::record(conn, by, Action::CertificateRevoked, serial, &reason, now)?;
        db::certificates::by_serial(conn, serial)?.ok_or(CertError::NotFound)
    }

    /// Revokes a certificate as "replaced" and issues a new one with the learner's names as
    /// they are now (after a name correction), for the same completion.
    pub fn reissue(
        &self,
        conn: &mut DbConnection,
        serial: &str,
        by: &Actor,
        now: NaiveDateTime,
    ) -> Result<Certificate, CertError> {
        let old = db::certificates::by_serial(conn, serial)?.ok_or(CertError::NotFound)?;
        if old.revoked_at.is_some() {
            return Err(CertError::AlreadyRevoked);
        }
        // Revoke first: only one certificate may be in force per learner and course.
        if !db::certificates::revoke(conn, old.id, "replaced", by.user, now)? {
            return Err(CertError::AlreadyRevoked);
        }
        let new = self.sign_new(
            conn,
            &Completed {
                user: old.user_id,
                course_id: old.course_id,
                version_id: old.version_id,
                score: old.score,
                completed_at: old.completed_at,
            },
            now,
        )?;
        db::certificates::set_replaced_by(conn, old.id, &new.serial)?;
        audit::record(
            conn,
            by,
            Action::CertificateReissued,
            serial,
            &format!("replaced by {}", new.serial),
            now,
        )?;
        Ok(new)
    }

    /// The signed status list for one of an organisation's keys.
    pub fn status_list(
        &self,
        conn: &mut DbConnection,
        slug: &str,
        key_name: &str,
    ) -> Result<Option<String>, CertError> {
        let Some(org) = db::organisations::find_by_slug(conn, slug)? else {
            return Ok(None);
        };
        let Some(row) = db::certificates::keys_of(conn, org.id)?
            .into_iter()
            .find(|k| k.name == key_name)
        else {
            return Ok(None);
        };
        let key = self.open(&row)?;
        let (revoked, last) = db::certificates::revoked(conn, row.id)?;
        let url = self.status_list_url(slug, key_name);
        let claims = credential::status_list(
            &url,
            &self.party(&org),
            &revoked,
            last.unwrap_or(row.created_at),
        );
        Ok(Some(jws::sign(&claims, &key, &self.kid(slug, key_name))))
    }

    /// Every public key an organisation has signed with, as JWKs named by their DID URL.
    pub fn published_keys(
        &self,
        conn: &mut DbConnection,
        org: &Organisation,
    ) -> Result<Vec<Jwk>, CertError> {
        db::certificates::keys_of(conn, org.id)?
            .iter()
            .map(|row| {
                let public = keys::public_from_bytes(&row.public_key)?;
                Ok(Jwk::ed25519(&public, Some(self.kid(&org.slug, &row.name))))
            })
            .collect()
    }
}

/// Opens a stored key with `sealer`: it must open under the row's binding and match the
/// row's public half.
fn open_with(sealer: &Sealer, row: &KeyRow) -> Result<SigningKey, KeyError> {
    let binding = seal_binding(row.organisation_id, &row.name, &row.public_key);
    let key = sealer.open(&row.sealed_private_key, &binding)?;
    if key.verifying_key().as_bytes().as_slice() != row.public_key.as_slice() {
        return Err(KeyError::Unseal);
    }
    Ok(key)
}

/// What a sealed key is bound to: its organisation, name and public half, so that it
/// opens only in its own row.
pub fn seal_binding(organisation: OrganisationId, name: &str, public: &[u8]) -> String {
    let hex: String = public.iter().map(|b| format!("{b:02x}")).collect();
    format!("{organisation}/{name}/{hex}")
}

fn clean_reason(reason: &str) -> Result<String, CertError> {
    let reason: String = reason.trim().chars().take(MAX_REASON_CHARS).collect();
    if reason.is_empty() {
        return Err(CertError::ReasonMissing);
    }
    Ok(reason)
}

/// The credential wrapped as JSON: a VC 2.0 `EnvelopedVerifiableCredential`, whose id is
/// the token as a `data:` URL.
pub fn enveloped(token: &str) -> serde_json::Value {
    serde_json::json!({
        "@context": credential::VC_CONTEXT,
        "id": format!("data:application/vc+jwt,{token}"),
        "type": "EnvelopedVerifiableCredential",
    })
}

/// The signed credential in an uploaded file: a compact JWT, the enveloped JSON form, or
/// a certificate PDF that carries it as an embedded file.
pub fn token_from_file(bytes: &[u8]) -> Result<String, verify::Why> {
    if bytes.starts_with(b"%PDF") {
        return embedded::credential_in(bytes).ok_or(verify::Why::NotACredential);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| verify::Why::Malformed)?;
    let text = text.trim().trim_start_matches('\u{feff}');
    if text.starts_with('{') {
        let json: serde_json::Value =
            serde_json::from_str(text).map_err(|_| verify::Why::Malformed)?;
        return json
            .get("id")
            .and_then(serde_json::Value::as_str)
            .and_then(|id| id.strip_prefix("data:application/vc+jwt,"))
            .map(str::to_owned)
            // A credential without its signature proves nothing.
            .ok_or(verify::Why::NotACredential);
    }
    Ok(text.to_owned())
}

impl Authority {
    /// What the printed certificate shows, gathered from the database: the facts, and the
    /// signatories, names and logos as the organisations keep them. The co-signer's
    /// signatory and logo are printed only while its endorsement of this certificate stands.
    pub fn sheet(
        &self,
        conn: &mut DbConnection,
        row: &Certificate,
    ) -> Result<pdf::Sheet, CertError> {
        let facts = self.facts(conn, row)?;
        let cosigner = match db::cosigning::endorsement_of(conn, row.id)? {
            Some(e) if e.revoked_at.is_none() => db::organisations::find(conn, e.organisation_id)?,
            _ => None,
        };
        let printed = printed(conn, row.version_id, cosigner.as_ref())?;
        Ok(pdf::Sheet {
            verify_url: self.verify_url(&row.serial),
            serial: row.serial.clone(),
            learner_km: row.name_km.clone(),
            learner_latin: row.name_latin.clone(),
            title: facts.title,
            version: facts.version,
            score: row.score,
            completed_at: row.completed_at,
            issuer: facts.issuer,
            signatories: printed.signatories,
            logos: printed.logos,
            credential: row.credential.clone(),
        })
    }

    /// What a co-signer is shown before it answers: a certificate of the version for a
    /// sample learner, printed as it would be with the co-signature.
    pub fn sample_sheet(
        &self,
        conn: &mut DbConnection,
        version: VersionId,
        now: NaiveDateTime,
    ) -> Result<pdf::Sheet, CertError> {
        let meta = stored_settings(conn, version)?.meta;
        let cosigner = match &meta.cosigner {
            Some(slug) => db::organisations::find_by_slug(conn, slug)?,
            None => None,
        };
        let printed = printed(conn, version, cosigner.as_ref())?;
        let number = db::cosigning::version_number(conn, version)?.unwrap_or(0);
        let serial = format!("{}-SAMPLE", self.serial_prefix);
        Ok(pdf::Sheet {
            verify_url: self.verify_url(&serial),
            serial,
            learner_km: "ឈ្មោះ គំរូ".into(),
            learner_latin: "Sample Learner".into(),
            title: meta.title,
            version: number,
            score: meta.pass_mark as i32,
            completed_at: now,
            issuer: Bilingual {
                km: printed.issuer.name_km,
                en: printed.issuer.name_en,
            },
            signatories: printed.signatories,
            logos: printed.logos,
            credential: String::new(),
        })
    }
}

/// The parts of a certificate that come from the organisations' own records.
struct Printed {
    issuer: Organisation,
    signatories: Vec<pdf::SignatoryBlock>,
    logos: [Option<Vec<u8>>; 2],
}

/// The issuer, the signatories the version picked (the co-signer's only when `cosigner`
/// is given) and the logos, as the organisations keep them.
fn printed(
    conn: &mut DbConnection,
    version: VersionId,
    cosigner: Option<&Organisation>,
) -> Result<Printed, CertError> {
    let stored = stored_settings(conn, version)?;
    let issuer = db::organisations::find_by_slug(conn, &stored.meta.publisher)?
        .ok_or(CertError::UnknownOrganisation)?;
    fn picture(conn: &mut DbConnection, hash: Option<&str>) -> Result<Option<Vec<u8>>, DbError> {
        Ok(match hash {
            Some(hash) => db::courses::media_bytes(conn, hash)?.map(|(_, bytes)| bytes),
            None => None,
        })
    }
    let mut signatories = Vec::new();
    for row in db::signatories::by_ids(conn, &stored.signatory_ids)? {
        let Some(org) = [Some(&issuer), cosigner]
            .into_iter()
            .flatten()
            .find(|org| org.id == row.organisation_id)
        else {
            continue;
        };
        signatories.push(pdf::SignatoryBlock {
            name: Bilingual {
                km: row.name_km.clone(),
                en: row.name_en.clone(),
            },
            title: Bilingual {
                km: row.title_km.clone(),
                en: row.title_en.clone(),
            },
            organisation: Bilingual {
                km: org.name_km.clone(),
                en: org.name_en.clone(),
            },
            signature: picture(conn, row.signature_hash.as_deref())?,
        });
    }
    let issuer_logo = db::signatories::logo(conn, issuer.id)?;
    let cosigner_logo = match cosigner {
        Some(org) => db::signatories::logo(conn, org.id)?,
        None => None,
    };
    let logos = [
        picture(conn, issuer_logo.as_deref())?,
        picture(conn, cosigner_logo.as_deref())?,
    ];
    Ok(Printed {
        issuer,
        signatories,
        logos,
    })
}

fn stored_settings(
    conn: &mut DbConnection,
    version: VersionId,
) -> Result<StoredSettings, CertError> {
    let settings = db::quizzes::version_settings(conn, version)?.ok_or(CertError::NotFound)?;
    Ok(serde_json::from_str(&settings).map_err(|e| DbError::Corrupt(e.to_string()))?)
}

/// A version's stored settings: the checked `course.toml` and the signatories it picked,
/// by id, resolved from the organisations' lists when it was published.
#[derive(serde::Deserialize)]
struct StoredSettings {
    #[serde(flatten)]
    meta: CourseMeta,
    #[serde(default)]
    signatory_ids: Vec<SignatoryId>,
}
/// Every public key `org` has signed with (its JWK set).
pub async fn published_keys(
    authority: &Arc<Authority>,
    db: &db::Db,
    org: Organisation,
) -> Result<Vec<Jwk>, CertError> {
    let authority = Arc::clone(authority);
    db.read(move |conn| authority.published_keys(conn, &org))
        .await
}

/// The signed status list of what `key_name` of the organisation `slug` signed; `None`
/// when there is no such organisation or key.
pub async fn status_list(
    authority: &Arc<Authority>,
    db: &db::Db,
    slug: String,
    key_name: String,
) -> Result<Option<String>, CertError> {
    let authority = Arc::clone(authority);
    db.read(move |conn| authority.status_list(conn, &slug, &key_name))
        .await
}
