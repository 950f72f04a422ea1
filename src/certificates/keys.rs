//! Issuing keys: one Ed25519 key per organisation at a time, generated on first use. The
//! private half is stored sealed (XChaCha20-Poly1305) under a key derived from the
//! key-encryption secret (`secrets::key_encryption_key`, apart from the cookie key), bound to
//! its organisation, name and public half so that it opens only in its own row; it is
//! opened only to sign, never logged and never sent anywhere. Keys sealed by earlier
//! versions under the cookie key are opened with [`Sealer::legacy`] once, at start, and
//! sealed again under the key-encryption secret.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{SigningKey, VerifyingKey};
use hkdf::Hkdf;
use rand::rngs::OsRng;
use serde::Serialize;
use sha2::Sha256;

const NONCE_BYTES: usize = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "a sealed signing key could not be opened (is this the key-encryption secret it was sealed with?)"
    )]
    Unseal,
    #[error("a stored public key is not an Ed25519 key")]
    Public,
}

/// Seals and opens private keys with a key derived from a secret.
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    /// The sealer of the key-encryption secret: the one keys are sealed with.
    pub fn from_kek(key_encryption_key: &[u8]) -> Self {
        Self::derive(key_encryption_key, b"signing-key-seal-kek-v1")
    }

    /// The sealer earlier versions used, derived from the cookie key: only to open keys
    /// sealed before the key-encryption secret existed, so they can be sealed again.
    pub fn legacy(cookie_key: &[u8]) -> Self {
        Self::derive(cookie_key, b"signing-key-seal-v1")
    }

    fn derive(secret: &[u8], info: &[u8]) -> Self {
        let mut key = [0u8; 32];
        // Infallible for a 32-byte output (HKDF allows up to 255 × 32 bytes).
        let _ = Hkdf::<Sha256>::new(Some(b"sala"), secret).expand(info, &mut key);
        Sealer {
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }

    /// Nonce followed by ciphertext; `name` is bound in as associated data.
    pub fn seal(&self, key: &SigningKey, name: &str) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: key.as_bytes(),
            aad: name.as_bytes(),
        };
        // Encryption with a fresh nonce and in-memory buffers cannot fail.
        let sealed = self.cipher.encrypt(&nonce, payload).unwrap_or_default();
        [nonce.as_slice(), &sealed].concat()
    }

    pub fn open(&self, sealed: &[u8], name: &str) -> Result<SigningKey, KeyError> {
        if sealed.len() <= NONCE_BYTES {
            return Err(KeyError::Unseal);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
        let payload = Payload {
            msg: ciphertext,
            aad: name.as_bytes(),
        };
        let bytes = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), payload)
            .map_err(|_| KeyError::Unseal)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Unseal)?;
        Ok(SigningKey::from_bytes(&bytes))
    }
}

pub fn generate() -> SigningKey {
    SigningKey::generate(&mut OsRng)
}

pub fn public_from_bytes(bytes: &[u8]) -> Result<VerifyingKey, KeyError> {
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Public)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::Public)
}

/// A public key as a JSON Web Key (RFC 8037).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

impl Jwk {
    pub fn ed25519(key: &VerifyingKey, kid: Option<String>) -> Self {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: URL_SAFE_NO_PAD.encode(key.as_bytes()),
            kid,
            alg: Some("EdDSA".into()),
            use_: Some("sig".into()),
        }
    }

    /// The Ed25519 key this JWK describes, if it is one.
    pub fn verifying_key(&self) -> Option<VerifyingKey> {
        if self.kty != "OKP" || self.crv != "Ed25519" {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(&self.x).ok()?;
        public_from_bytes(&bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_only_with_the_same_secret_and_name() {
        let sealer = Sealer::from_kek(&[7u8; 32]);
        let key = generate();
        let sealed = sealer.seal(&key, "key-1");
        assert!(!sealed.windows(32).any(|w| w == key.as_bytes()));
        let opened = sealer.open(&sealed, "key-1").expect("opens");
        assert_eq!(opened.as_bytes(), key.as_bytes());
        assert_eq!(sealer.open(&sealed, "key-2").err(), Some(KeyError::Unseal));
        let other = Sealer::from_kek(&[8u8; 32]);
        assert_eq!(other.open(&sealed, "key-1").err(), Some(KeyError::Unseal));
        // The cookie-key sealer of earlier versions never opens what the KEK sealed.
        let legacy = Sealer::legacy(&[7u8; 32]);
        assert_eq!(legacy.open(&sealed, "key-1").err(), Some(KeyError::Unseal));
        assert_eq!(
            sealer.open(&sealed[..10], "key-1").err(),
            Some(KeyError::Unseal)
        );
    }

    #[test]
    fn a_jwk_gives_back_its_key() {
        let key = generate().verifying_key();
        let jwk = Jwk::ed25519(&key, Some("k".into()));
        assert_eq!(jwk.verifying_key(), Some(key));
    }
}
