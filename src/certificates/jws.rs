//! Compact JSON Web Signatures with Ed25519 (`alg: EdDSA`, RFC 8037), the way VC-JWT
//! credentials are secured.
//!
//! Written by hand rather than with a JOSE crate: the format is three base64url segments,
//! and a verifier that knows exactly one algorithm cannot be talked into `none`, HS256 or
//! a key confusion. The tests check our tokens with an independent JOSE library.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::keys::Jwk;

/// The longest token we look at; a credential is a few kilobytes.
const MAX_TOKEN_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    #[error("not a compact JWS (three base64url parts of JSON)")]
    Malformed,
    #[error("the token uses the algorithm {0:?}; only EdDSA (Ed25519) is accepted")]
    Algorithm(String),
    #[error("the signature does not match the content and key")]
    Signature,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub alg: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwk: Option<Jwk>,
}

/// Signs `payload` (a JSON object) with `key`, naming the key by `kid` and carrying its
/// public half as `jwk`.
pub fn sign(payload: &Map<String, Value>, key: &SigningKey, kid: &str) -> String {
    let header = Header {
        alg: "EdDSA".into(),
        typ: Some("JWT".into()),
        kid: Some(kid.to_owned()),
        jwk: Some(Jwk::ed25519(&key.verifying_key(), None)),
    };
    // Serialising plain maps and strings to JSON cannot fail.
    let header = serde_json::to_vec(&header).unwrap_or_default();
    let payload = serde_json::to_vec(payload).unwrap_or_default();
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = key.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// A token whose shape and algorithm are right, before its signature is checked.
#[derive(Debug, Clone)]
pub struct Unverified {
    pub header: Header,
    pub payload: Map<String, Value>,
    input: String,
    signature: Signature,
}

/// Reads a compact token. Refuses anything but `alg: EdDSA` before looking further.
pub fn parse(token: &str) -> Result<Unverified, JwsError> {
    let token = token.trim();
    if token.len() > MAX_TOKEN_BYTES {
        return Err(JwsError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(raw_header), Some(raw_payload), Some(raw_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError::Malformed);
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| JwsError::Malformed)
    };
    let header_json: Value =
        serde_json::from_slice(&decode(raw_header)?).map_err(|_| JwsError::Malformed)?;
    let alg = header_json
        .get("alg")
        .and_then(Value::as_str)
        .ok_or(JwsError::Malformed)?;
    if alg != "EdDSA" {
        return Err(JwsError::Algorithm(alg.chars().take(20).collect()));
    }
    let header: Header = serde_json::from_value(header_json).map_err(|_| JwsError::Malformed)?;
    let payload: Map<String, Value> =
        serde_json::from_slice(&decode(raw_payload)?).map_err(|_| JwsError::Malformed)?;
    let signature: [u8; 64] = decode(raw_signature)?
        .try_into()
        .map_err(|_| JwsError::Malformed)?;
    Ok(Unverified {
        header,
        payload,
        input: format!("{raw_header}.{raw_payload}"),
        signature: Signature::from_bytes(&signature),
    })
}

impl Unverified {
    /// Checks the signature against `key` (strict Ed25519: no malleable signatures or
    /// weak keys).
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), JwsError> {
        key.verify_strict(self.input.as_bytes(), &self.signature)
            .map_err(|_| JwsError::Signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certificates::keys;
    use serde_json::json;

    fn payload() -> Map<String, Value> {
        match json!({"iss": "did:web:example.org", "name": "សុខ"}) {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn tamper(token: &str, part: usize, with: &str) -> String {
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[part] = URL_SAFE_NO_PAD.encode(with);
        parts.join(".")
    }

    #[test]
    fn signs_and_verifies() {
        let key = keys::generate();
        let token = sign(&payload(), &key, "did:web:example.org#key-1");
        let parsed = parse(&token).expect("parses");
        assert_eq!(parsed.header.alg, "EdDSA");
        assert_eq!(parsed.header.typ.as_deref(), Some("JWT"));
        assert_eq!(
            parsed.header.kid.as_deref(),
            Some("did:web:example.org#key-1")
        );
        assert_eq!(parsed.payload, payload());
        assert_eq!(parsed.verify(&key.verifying_key()), Ok(()));
        let other = keys::generate().verifying_key();
        assert_eq!(parsed.verify(&other), Err(JwsError::Signature));
    }

    #[test]
    fn refuses_tampering_and_other_algorithms() {
        let key = keys::generate();
        let token = sign(&payload(), &key, "k");
        let changed = tamper(
            &token,
            1,
            r#"{"iss":"did:web:example.org","name":"Mallory"}"#,
        );
        let parsed = parse(&changed).expect("still well formed");
        assert_eq!(
            parsed.verify(&key.verifying_key()),
            Err(JwsError::Signature)
        );
        for alg in ["none", "HS256", "RS256"] {
            let forged = tamper(&token, 0, &format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
            assert_eq!(parse(&forged).err(), Some(JwsError::Algorithm(alg.into())));
        }
        let unsigned = format!("{}.", token.rsplit_once('.').map_or("", |(a, _)| a));
        assert_eq!(parse(&unsigned).err(), Some(JwsError::Malformed));
        for bad in ["", "a.b", "a.b.c.d", &token[..token.len() / 2], "!!.??.**"] {
            assert_eq!(parse(bad).err(), Some(JwsError::Malformed), "{bad}");
        }
    }
}
