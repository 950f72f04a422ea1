//! Parse, don't validate: form fields become these types once, at the edge.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

/// A mistake in one form field: the field's name and the message key that explains it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

impl FieldError {
    pub fn new(field: &'static str, message: &'static str) -> Self {
        Self { field, message }
    }
}

/// An email address, trimmed and lower-cased so that one person has one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(FieldError::new("email", "error-email-missing"));
        }
        // Plain addresses only: quoted local parts and address literals are valid in the
        // standard but break mail programs and are never what an office address looks like.
        let plain = email
            .chars()
            .all(|c| c.is_alphanumeric() || ".!#$%&'*+/=?^_`{|}~@-".contains(c))
            && email
                .split('@')
                .nth(1)
                .is_some_and(|domain| domain.contains('.'));
        if email.len() > 254 || !plain || email.parse::<lettre::Address>().is_err() {
            return Err(FieldError::new("email", "error-email-invalid"));
        }
        Ok(Self(email))
    }

    /// The address as a mail recipient.
    pub fn mailbox(&self) -> Option<lettre::message::Mailbox> {
        self.0
            .parse::<lettre::Address>()
            .ok()
            .map(|a| lettre::message::Mailbox::new(None, a))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: at least 8 characters (any script), at most 256. No composition rules:
/// length is what makes a password strong, and rules make people write them down.
pub struct Password(SecretString);

impl Password {
    pub const MIN_CHARS: usize = 8;
    const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS || raw.trim().is_empty() {
            return Err(FieldError::new("password", "error-password-short"));
        }
        if chars > Self::MAX_CHARS {
            return Err(FieldError::new("password", "error-password-long"));
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A person's name in Khmer script (as on an identity card) and in Latin script (as in a
/// passport), both needed on a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonNames {
    pub km: String,
    pub latin: String,
}

const MAX_NAME_CHARS: usize = 100;

fn is_khmer(c: char) -> bool {
    ('\u{1780}'..='\u{17FF}').contains(&c) || ('\u{19E0}'..='\u{19FF}').contains(&c)
}

/// Characters no name holds: control characters (NUL, escape, …; line breaks and tabs
/// only become spaces) and the invisible marks that reorder or hide text around them
/// (bidi embeddings, overrides, isolates and marks, line and paragraph separators, the
/// byte-order mark, interlinear annotations). The zero-width space and joiners that
/// Khmer uses stay allowed.
fn forbidden_in_name(c: char) -> bool {
    (c.is_control() && !c.is_whitespace()) || reorders_or_hides(c)
}

/// The invisible marks that reorder or hide the text around them: bidi embeddings,
/// overrides, isolates and marks, line and paragraph separators, the byte-order mark and
/// interlinear annotations.
pub fn reorders_or_hides(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// The characters of a name: none forbidden, and every one printable on a certificate.
/// `raw` is the name as typed, `name` as it will be kept.
pub fn name_characters(field: &'static str, raw: &str, name: &str) -> Result<(), FieldError> {
    if raw.chars().any(forbidden_in_name) {
        return Err(FieldError::new(field, "error-name-characters"));
    }
    if crate::fonts::undrawable(name).is_some() {
        return Err(FieldError::new(field, "error-name-unprintable"));
    }
    Ok(())
}

impl PersonNames {
    pub fn parse(raw_km: &str, raw_latin: &str) -> Result<Self, Vec<FieldError>> {
        let km = collapse_spaces(raw_km);
        let latin = collapse_spaces(raw_latin);
        let mut errors = Vec::new();
        if km.is_empty() {
            errors.push(FieldError::new("name_km", "error-name-km-missing"));
        } else if km.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new("name_km", "error-name-long"));
        } else if let Err(error) = name_characters("name_km", raw_km, &km) {
            errors.push(error);
        } else if !km.chars().any(is_khmer) {
            errors.push(FieldError::new("name_km", "error-name-km-script"));
        }
        if latin.is_empty() {
            errors.push(FieldError::new("name_latin", "error-name-latin-missing"));
        } else if latin.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new("name_latin", "error-name-long"));
        } else if let Err(error) = name_characters("name_latin", raw_latin, &latin) {
            errors.push(error);
        } else if latin.chars().any(is_khmer) || !latin.chars().any(char::is_alphabetic) {
            errors.push(FieldError::new("name_latin", "error-name-latin-script"));
        }
        if errors.is_empty() {
            Ok(Self { km, latin })
        } else {
            Err(errors)
        }
    }
}

/// A short free-text field (a position, a title): trimmed, single spaces, bounded.
pub fn short_text(raw: &str, field: &'static str, max_chars: usize) -> Result<String, FieldError> {
    let text = collapse_spaces(raw);
    if text.chars().count() > max_chars {
        return Err(FieldError::new(field, "error-text-long"));
    }
    Ok(text)
}

fn collapse_spaces(raw: &str) -> String {
    raw.split_whitespace()
        .filter(|part| !part.chars().all(char::is_control))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Sokha@Example.ORG ").map(|e| e.as_str().to_owned()),
            Ok("sokha@example.org".to_owned())
        );
        assert!(Email::parse("not an email").is_err());
        assert!(Email::parse("").is_err());
        assert!(Email::parse("\"a b\"@example.org").is_err());
        assert!(Email::parse("a@[127.0.0.1]").is_err());
        assert!(Email::parse("a@localhost").is_err());
    }

    #[test]
    fn khmer_names_must_be_in_khmer_script() {
        assert!(PersonNames::parse("សុខ ចាន់", "Sok Chan").is_ok());
        let errors = PersonNames::parse("Sok Chan", "សុខ")
            .err()
            .unwrap_or_default();
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn names_refuse_controls_bidi_overrides_and_what_the_certificate_cannot_print() {
        let message = |km: &str, latin: &str| {
            PersonNames::parse(km, latin)
                .err()
                .unwrap_or_default()
                .first()
                .map(|e| (e.field, e.message))
        };
        assert_eq!(
            message("សុខ", "Sok\u{0}"),
            Some(("name_latin", "error-name-characters"))
        );
        assert_eq!(
            message("សុខ\u{202E}", "Sok"),
            Some(("name_km", "error-name-characters"))
        );
        assert_eq!(
            message("សុខ", "Sok\u{2067}x"),
            Some(("name_latin", "error-name-characters"))
        );
        assert_eq!(
            message("សុខ", "Sok 李"),
            Some(("name_latin", "error-name-unprintable"))
        );
        assert_eq!(
            message("សុខ 😀", "Sok"),
            Some(("name_km", "error-name-unprintable"))
        );
        // Line breaks and tabs become spaces; Khmer's zero-width space prints.
        assert_eq!(message("សុខ\u{200B}ចាន់", "Sok\tChan"), None);
        assert_eq!(
            PersonNames::parse("សុខ", "Sok\nChan").map(|n| n.latin),
            Ok("Sok Chan".to_owned())
        );
    }

    #[test]
    fn passwords_count_characters_not_bytes() {
        // Eight Khmer characters are 24 bytes; they make an acceptable password.
        assert!(Password::parse("ពាក្យសម្ងាត់").is_ok());
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("        ").is_err());
    }
}
