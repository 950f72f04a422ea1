//! The personal links in invitation and reminder emails: `<invitation id>-<MAC>`, where the
//! MAC is HMAC-SHA-256 of the purpose and id under a key derived from the instance secret.
//! Nothing is stored, so a reminder can carry the same sign-up link as the invitation,
//! and a link cannot be guessed or changed to another person's.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::model::ids::InvitationId;

/// What a link is for; a link made for one purpose does not work for another.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    /// Sign up (or sign in) and land in the course.
    Join,
    /// Stop reminders for this invitation.
    StopReminders,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Join => b"join",
            Self::StopReminders => b"stop-reminders",
        }
    }
}

#[derive(Clone)]
pub struct Links {
    key: [u8; 32],
}

/// 16 bytes of MAC: far beyond guessing, short enough for a link typed from paper.
const MAC_BYTES: usize = 16;

impl Links {
    pub fn new(instance_secret: &[u8]) -> Self {
        let mut key = [0u8; 32];
        // 32 bytes is a valid HKDF-SHA-256 output length, so expand cannot fail.
        let _ = hkdf::Hkdf::<Sha256>::new(Some(b"sala"), instance_secret)
            .expand(b"invitation-links-v1", &mut key);
        Self { key }
    }

    fn mac(&self, purpose: Purpose, id: InvitationId) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(purpose.label());
        mac.update(&id.0.to_be_bytes());
        mac
    }

    pub fn token(&self, purpose: Purpose, id: InvitationId) -> String {
        let tag = self.mac(purpose, id).finalize().into_bytes();
        format!("{id}-{}", URL_SAFE_NO_PAD.encode(&tag[..MAC_BYTES]))
    }

    /// The invitation id of a genuine token, compared in constant time.
    pub fn open(&self, purpose: Purpose, token: &str) -> Option<InvitationId> {
        let (id, tag) = token.split_once('-')?;
        let id: InvitationId = id.parse().ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if tag.len() != MAC_BYTES {
            return None;
        }
        self.mac(purpose, id).verify_truncated_left(&tag).ok()?;
        Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_only_for_its_purpose_and_id() {
        let links = Links::new(b"secret one");
        let token = links.token(Purpose::Join, InvitationId(42));
        assert_eq!(links.open(Purpose::Join, &token), Some(InvitationId(42)));
        assert_eq!(links.open(Purpose::StopReminders, &token), None);
        let forged = token.replacen("42-", "43-", 1);
        assert_eq!(links.open(Purpose::Join, &forged), None);
        assert_eq!(Links::new(b"secret two").open(Purpose::Join, &token), None);
        for bad in ["", "42", "42-", "x-abc", "42-!!!", "42-AAAA"] {
            assert_eq!(links.open(Purpose::Join, bad), None, "{bad}");
        }
    }
}
