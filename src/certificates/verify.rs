//! Telling whether a certificate is genuine: by its serial (what the QR code and the
//! printed page give) or by its signed credential (a downloaded `.jwt`, or one taken out of
//! a PDF). The signature decides, then the status list; nothing else is trusted.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use serde_json::{Map, Value};

use super::jws::{self, JwsError, Unverified};
use super::{Authority, CertError, Certificate, Jwk, Serial, SerialError, keys};
use crate::db::{self, DbConnection, DbError};
use crate::model::courses::Bilingual;
use crate::model::ids::KeyId;

/// What a genuine or revoked certificate says, for the verification page.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    pub serial: String,
    pub name_km: String,
    pub name_latin: String,
    pub title: Bilingual,
    pub course_slug: String,
    pub version: i32,
    pub score: i32,
    pub completed_at: NaiveDateTime,
    pub issued_at: NaiveDateTime,
    pub issuer: Bilingual,
    pub issuer_slug: String,
    pub cosigner: Option<Bilingual>,
    /// The co-signer that has since revoked its endorsement of this certificate.
    pub cosignature_withdrawn: Option<Bilingual>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Genuine {
        facts: Facts,
    },
    Revoked {
        facts: Facts,
        at: NaiveDateTime,
        reason: String,
        replaced_by: Option<String>,
    },
    /// Well formed, but no certificate has this serial.
    Unknown,
    /// A serial whose check character does not match: a character was mistyped.
    Mistyped,
    /// Not something we can call genuine; the reason is a message key.
    Invalid {
        why: Why,
    },
}

/// Why a credential is not accepted. Each is a message in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// Not a signed credential at all (bad shape, truncated, not JSON).
    Malformed,
    /// Signed with an algorithm other than EdDSA (e.g. `none`, HS256).
    Algorithm,
    /// Names a key that no issuer here has.
    UnknownKey,
    /// The content was changed after signing, or the signature is not the issuer's.
    Signature,
    /// Signed, but not an Open Badges credential from this issuer.
    NotACredential,
    /// The co-signer's endorsement does not verify.
    Endorsement,
}

impl From<JwsError> for Why {
    fn from(e: JwsError) -> Self {
        match e {
            JwsError::Malformed => Why::Malformed,
            JwsError::Algorithm(_) => Why::Algorithm,
            JwsError::Signature => Why::Signature,
        }
    }
}

impl Verdict {
    pub fn is_genuine(&self) -> bool {
        matches!(self, Verdict::Genuine { .. })
    }

    /// One line for the command line.
    pub fn line(&self) -> String {
        match self {
            Verdict::Genuine { facts } => format!(
                "GENUINE: {} — {} ({}) completed {} on {}, issued by {}",
                facts.serial,
                facts.name_latin,
                facts.name_km,
                facts.title.en,
                facts.completed_at.date(),
                facts.issuer.en
            ),
            Verdict::Revoked {
                facts, at, reason, ..
            } => format!(
                "REVOKED: {} was revoked on {} ({reason})",
                facts.serial,
                at.date()
            ),
            Verdict::Unknown => "UNKNOWN: no certificate has this serial".into(),
            Verdict::Mistyped => {
                "UNKNOWN: the serial's check character does not match (mistyped?)".into()
            }
            Verdict::Invalid { why } => format!("NOT GENUINE: {}", why.explain()),
        }
    }
}

impl Why {
    pub fn explain(self) -> &'static str {
        match self {
            Why::Malformed => "not a signed credential (malformed or truncated)",
            Why::Algorithm => "signed with an algorithm other than EdDSA",
            Why::UnknownKey => "signed with a key no issuer here has published",
            Why::Signature => "the signature does not match: the content was changed or forged",
            Why::NotACredential => {
                "signed, but not an Open Badges credential from its key's issuer"
            }
            Why::Endorsement => "the co-signer's endorsement does not verify",
        }
    }
}

/// Checks a token's signature with the key its `kid` names, looked up by `find`, and
/// that it is an `OpenBadgeCredential` whose `iss` is the key's owner (the part of the
/// kid before `#`).
pub fn check(
    token: &str,
    find: impl Fn(&str) -> Option<VerifyingKey>,
    credential_type: &str,
) -> Result<Unverified, Why> {
    let parsed = jws::parse(token)?;
    let kid = parsed.header.kid.as_deref().ok_or(Why::UnknownKey)?;
    let key = find(kid).ok_or(Why::UnknownKey)?;
    parsed.verify(&key)?;
    let owner = kid.split('#').next().unwrap_or_default();
    let iss = parsed.payload.get("iss").and_then(Value::as_str);
    let issuer_id = parsed
        .payload
        .get("issuer")
        .and_then(|i| i.get("id").or(Some(i)))
        .and_then(Value::as_str);
    let typed = parsed
        .payload
        .get("type")
        .and_then(Value::as_array)
        .is_some_and(|types| types.iter().any(|t| t.as_str() == Some(credential_type)));
    if iss != Some(owner) || issuer_id != Some(owner) || !typed {
        return Err(Why::NotACredential);
    }
    Ok(parsed)
}

/// Verification with a set of published keys only (`sala verify --jwks`): the signatures
/// of the credential and of those endorsements whose signer's keys are given. Returns the
/// payload and how many endorsements could not be checked for want of a key. Revocation
/// needs the issuer's status list.
pub fn check_offline(token: &str, jwks: &[Jwk]) -> Result<(Map<String, Value>, usize), Why> {
    let find = |kid: &str| {
        jwks.iter()
            .find(|j| j.kid.as_deref() == Some(kid))
            .and_then(Jwk::verifying_key)
    };
    let parsed = check(token, find, "OpenBadgeCredential")?;
    let unchecked = endorsement_tokens(&parsed.payload)
        .filter(|t| {
            jws::parse(t)
                .ok()
                .and_then(|e| e.header.kid)
                .is_none_or(|kid| find(&kid).is_none())
        })
        .count();
    check_endorsements(&parsed.payload, &|kid: &str| find(kid), unchecked > 0)?;
    Ok((parsed.payload, unchecked))
}

/// More endorsements than this make a credential "not genuine": ours carry one.
const MAX_ENDORSEMENTS: usize = 4;

fn endorsement_tokens(payload: &Map<String, Value>) -> impl Iterator<Item = &str> {
    payload
        .get("endorsementJwt")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// The key ids a token and its endorsements name (unchecked: for looking keys up).
fn kids_in(token: &str) -> Vec<String> {
    let Ok(parsed) = jws::parse(token) else {
        return Vec::new();
    };
    // Unsigned input decides how many keys are looked up: a few distinct ones at most.
    let endorsements = endorsement_tokens(&parsed.payload)
        .take(MAX_ENDORSEMENTS)
        .filter_map(|t| jws::parse(t).ok())
        .filter_map(|e| e.header.kid);
    let mut kids: Vec<String> = parsed
        .header
        .kid
        .clone()
        .into_iter()
        .chain(endorsements)
        .collect();
    kids.sort();
    kids.dedup();
    kids
}

/// Checks each endorsement's signature and that it endorses this credential. With
/// `skip_unknown`, an endorsement whose key is not at hand is passed over (offline checks
/// given only some issuers' keys); otherwise it fails.
fn check_endorsements(
    payload: &Map<String, Value>,
    find: &impl Fn(&str) -> Option<VerifyingKey>,
    skip_unknown: bool,
) -> Result<(), Why> {
    let id = payload.get("id").and_then(Value::as_str);
    let listed = payload.get("endorsementJwt");
    if listed.is_some_and(|e| e.as_array().is_none_or(|a| a.len() > MAX_ENDORSEMENTS)) {
        return Err(Why::Endorsement);
    }
    for token in endorsement_tokens(payload) {
        let endorsement = match check(token, find, "EndorsementCredential") {
            Ok(endorsement) => endorsement,
            Err(Why::UnknownKey) if skip_unknown => continue,
            Err(_) => return Err(Why::Endorsement),
        };
        let subject = endorsement
            .payload
            .get("credentialSubject")
            .and_then(|s| s.get("id"))
            .and_then(Value::as_str);
        if subject != id {
            return Err(Why::Endorsement);
        }
    }
    Ok(())
}

impl Authority {
    /// The key a DID URL names, if it is one of ours: `did:web:<host>:issuers:<slug>#<name>`.
    fn find_key(
        &self,
        conn: &mut DbConnection,
        kid: &str,
    ) -> Result<Option<(KeyId, VerifyingKey)>, DbError> {
        let Some((did, name)) = kid.split_once('#') else {
            return Ok(None);
        };
        let Some((_, slug)) = did.rsplit_once(":issuers:") else {
            return Ok(None);
        };
        if self.did(slug) != did {
            return Ok(None);
        }
        let Some(org) = db::organisations::find_by_slug(conn, slug)? else {
            return Ok(None);
        };
        Ok(db::certificates::keys_of(conn, org.id)?
            .into_iter()
            .find(|k| k.name == name)
            .and_then(|k| Some((k.id, keys::public_from_bytes(&k.public_key).ok()?))))
    }

    /// What someone typed or scanned.
    pub fn verify_serial(
        &self,
        conn: &mut DbConnection,
        typed: &str,
    ) -> Result<Verdict, CertError> {
        let serial = match Serial::parse(typed) {
            Ok(serial) => serial,
            Err(SerialError::Check) => return Ok(Verdict::Mistyped),
            Err(SerialError::Shape) => return Ok(Verdict::Unknown),
        };
        match db::certificates::by_serial(conn, &serial.to_string())? {
            Some(row) => self.verify_token(conn, &row.credential),
            None => Ok(Verdict::Unknown),
        }
    }

    /// A signed credential, however it reached us.
    pub fn verify_token(&self, conn: &mut DbConnection, token: &str) -> Result<Verdict, CertError> {
        // Look up every key the token and its endorsements name first, so the checks
        // below are pure.
        let mut known = HashMap::new();
        for kid in kids_in(token) {
            if let Some(found) = self.find_key(conn, &kid)? {
                known.insert(kid, found);
            }
        }
        let find = |kid: &str| known.get(kid).map(|(_, key)| *key);
        let parsed = match check(token, find, "OpenBadgeCredential")
            .and_then(|parsed| check_endorsements(&parsed.payload, &find, false).map(|()| parsed))
        {
            Ok(parsed) => parsed,
            Err(why) => return Ok(Verdict::Invalid { why }),
        };
        let found = parsed
            .header
            .kid
            .as_deref()
            .and_then(|kid| known.get(kid))
            .map(|(id, _)| *id);
        let index = parsed
            .payload
            .get("credentialStatus")
            .and_then(|s| s.get("statusListIndex"))
            .and_then(Value::as_str)
            .and_then(|i| i.parse::<i64>().ok());
        let (Some(key_id), Some(index)) = (found, index) else {
            return Ok(Verdict::Invalid {
                why: Why::NotACredential,
            });
        };
        let Some(row) = db::certificates::by_status(conn, key_id, index)? else {
            return Ok(Verdict::Unknown);
        };
        let facts = self.facts(conn, &row)?;
        Ok(match row.revoked_at {
            None => Verdict::Genuine { facts },
            Some(at) => Verdict::Revoked {
                facts,
                at,
                reason: row.revoked_reason.clone().unwrap_or_default(),
                replaced_by: row.replaced_by.clone(),
            },
        })
    }

    /// What the verification page shows of a certificate. The names are the organisations'
    /// own records; the co-signer is named only while its endorsement of this certificate
    /// stands.
    pub fn facts(&self, conn: &mut DbConnection, row: &Certificate) -> Result<Facts, CertError> {
        let version = db::learning::version(conn, row.version_id)?.ok_or(CertError::NotFound)?;
        let (owner, _) =
            db::certificates::course_owner(conn, row.course_id)?.ok_or(CertError::NotFound)?;
        let issuer = db::organisations::find(conn, owner)?.ok_or(CertError::UnknownOrganisation)?;
        let endorsement = db::cosigning::endorsement_of(conn, row.id)?;
        let endorser = match &endorsement {
            Some(e) => db::organisations::find(conn, e.organisation_id)?.map(|org| Bilingual {
                km: org.name_km,
                en: org.name_en,
            }),
            None => None,
        };
        let withdrawn = endorsement.as_ref().and_then(|e| e.revoked_at);
        Ok(Facts {
            serial: row.serial.clone(),
            name_km: row.name_km.clone(),
            name_latin: row.name_latin.clone(),
            title: version.title,
            course_slug: version.slug,
            version: version.number,
            score: row.score,
            completed_at: row.completed_at,
            issued_at: row.issued_at,
            issuer: Bilingual {
                km: issuer.name_km,
                en: issuer.name_en,
            },
            issuer_slug: issuer.slug,
            cosigner: endorser.clone().filter(|_| withdrawn.is_none()),
            cosignature_withdrawn: endorser.filter(|_| withdrawn.is_some()),
        })
    }
}
