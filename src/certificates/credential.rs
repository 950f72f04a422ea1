//! The signed forms, built as JSON: the Open Badges 3.0 `OpenBadgeCredential` (W3C
//! Verifiable Credentials 2.0), the co-signer's `EndorsementCredential`, the W3C Bitstring
//! Status List credential, the issuer `Profile` and its `did:web` document.
//!
//! Secured as VC-JWT (Open Badges 3.0 §8.2): the JWT payload *is* the credential, with the
//! registered claims `iss` (issuer id), `jti` (credential id), `sub` (subject id) and
//! `nbf` (from `validFrom`) added beside it.

use chrono::{NaiveDateTime, SecondsFormat};
use serde_json::{Map, Value, json};

use crate::model::courses::Bilingual;

use super::keys::Jwk;

pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
pub const OB_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
pub const OB_SCHEMA: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

/// An organisation as it appears in credentials: its `did:web` identifier, its page and
/// its names.
#[derive(Debug, Clone)]
pub struct Party {
    pub did: String,
    pub url: String,
    pub name: Bilingual,
}

impl Party {
    /// One name for fields that hold a single string: English, then Khmer.
    fn display_name(&self) -> String {
        both(&self.name)
    }

    pub fn profile(&self) -> Value {
        json!({
            "id": self.did,
            "type": ["Profile"],
            "name": self.display_name(),
            "url": self.url,
        })
    }
}

fn both(text: &Bilingual) -> String {
    if text.en == text.km {
        text.en.clone()
    } else {
        format!("{} / {}", text.en, text.km)
    }
}

/// Everything a certificate states.
#[derive(Debug, Clone)]
pub struct Award {
    /// The credential's id: the page that verifies it.
    pub id: String,
    pub serial: String,
    pub subject_id: String,
    pub learner_km: String,
    pub learner_latin: String,
    pub achievement_id: String,
    pub course_url: String,
    pub title: Bilingual,
    pub summary: Bilingual,
    pub version: i32,
    pub chapters: usize,
    pub pass_mark: i64,
    pub score: i32,
    pub completed_at: NaiveDateTime,
    pub issued_at: NaiveDateTime,
    pub status_list: String,
    pub status_index: i64,
}

pub fn timestamp(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Adds the JWT registered claims to a credential object.
fn with_claims(
    mut credential: Value,
    issuer: &str,
    id: &str,
    subject: &str,
    from: NaiveDateTime,
) -> Map<String, Value> {
    if let Value::Object(map) = &mut credential {
        map.insert("iss".into(), json!(issuer));
        map.insert("jti".into(), json!(id));
        map.insert("sub".into(), json!(subject));
        map.insert("nbf".into(), json!(from.and_utc().timestamp()));
    }
    match credential {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The `OpenBadgeCredential` a learner receives, with the co-signer's endorsement tokens.
pub fn open_badge(award: &Award, issuer: &Party, endorsements: &[String]) -> Map<String, Value> {
    let identifier = |name: &str| {
        json!({
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": false,
            "identityHash": name,
        })
    };
    let mut credential = json!({
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": award.id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": format!("Certificate of completion: {}", both(&award.title)),
        "description": format!("{} / {}", award.learner_latin, award.learner_km),
        "issuer": issuer.profile(),
        "validFrom": timestamp(award.issued_at),
        "awardedDate": timestamp(award.completed_at),
        "credentialSubject": {
            "id": award.subject_id,
            "type": ["AchievementSubject"],
            "identifier": [identifier(&award.learner_latin), identifier(&award.learner_km)],
            "activityEndDate": timestamp(award.completed_at),
            "achievement": {
                "id": award.achievement_id,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": both(&award.title),
                "description": both(&award.summary),
                "criteria": {
                    "id": award.course_url,
                    "narrative": format!(
                        "Read all {} chapters of the course and passed its final assessment \
                         with at least {}%.",
                        award.chapters, award.pass_mark
                    ),
                },
                "version": award.version.to_string(),
                "inLanguage": "km",
                "creator": issuer.profile(),
            },
            "result": [{ "type": ["Result"], "value": format!("{}%", award.score) }],
        },
        "credentialStatus": status_entry(&award.status_list, award.status_index),
        "credentialSchema": [{ "id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019" }],
    });
    if !endorsements.is_empty() {
        credential["endorsementJwt"] = json!(endorsements);
    }
    with_claims(
        credential,
        &issuer.did,
        &award.id,
        &award.subject_id,
        award.issued_at,
    )
}

/// A credential's place in a status list.
fn status_entry(list: &str, index: i64) -> Value {
    json!({
        "id": format!("{list}#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": index.to_string(),
        "statusListCredential": list,
    })
}

/// The co-signing organisation's endorsement of one credential, with its own place in the
/// co-signer's status list (`status_list`, `status_index`): the co-signer can revoke its
/// endorsement of one certificate without the issuer.
pub fn endorsement(
    award: &Award,
    cosigner: &Party,
    status_list: &str,
    status_index: i64,
) -> Map<String, Value> {
    let id = format!("{}#cosigned", award.id);
    let credential = json!({
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": id,
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": format!("Co-signature of certificate {}", award.serial),
        "issuer": cosigner.profile(),
        "validFrom": timestamp(award.issued_at),
        "credentialSubject": {
            "id": award.id,
            "type": ["EndorsementSubject"],
            "endorsementComment": format!(
                "{} co-signs this certificate of completion of {}.",
                cosigner.display_name(),
                both(&award.title)
            ),
        },
        "credentialStatus": status_entry(status_list, status_index),
    });
    with_claims(credential, &cosigner.did, &id, &award.id, award.issued_at)
}

/// A status list credential: bit `i` set means the credential at index `i` is revoked.
pub fn status_list(
    url: &str,
    issuer: &Party,
    revoked: &[i64],
    valid_from: NaiveDateTime,
) -> Map<String, Value> {
    let subject = format!("{url}#list");
    let credential = json!({
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.did,
        "validFrom": timestamp(valid_from),
        "credentialSubject": {
            "id": subject,
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": super::status_list::encode(revoked),
        },
    });
    with_claims(credential, &issuer.did, url, &subject, valid_from)
}

/// The issuer profile served at `/issuers/{org}` to machines.
pub fn issuer_profile(issuer: &Party) -> Value {
    let mut profile = issuer.profile();
    profile["@context"] = json!([VC_CONTEXT, OB_CONTEXT]);
    profile
}

/// The `did:web` document: every key the organisation ever signed with.
pub fn did_document(did: &str, keys: &[Jwk]) -> Value {
    let methods: Vec<Value> = keys
        .iter()
        .map(|jwk| {
            json!({
                "id": jwk.kid,
                "type": "JsonWebKey2020",
                "controller": did,
                "publicKeyJwk": Jwk { kid: None, ..jwk.clone() },
            })
        })
        .collect();
    let ids: Vec<&Option<String>> = keys.iter().map(|jwk| &jwk.kid).collect();
    json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    })
}

/// `did:web:host%3Aport:issuers:slug` for an instance at `base` (did:web encodes a port's
/// colon).
pub fn did_web(base: &url::Url, slug: &str) -> String {
    let host = base.host_str().unwrap_or("localhost");
    let host = match base.port() {
        Some(port) => format!("{host}%3A{port}"),
        None => host.to_owned(),
    };
    let path: String = base
        .path_segments()
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .map(|s| format!(":{s}"))
        .collect();
    format!("did:web:{host}{path}:issuers:{slug}")
}
