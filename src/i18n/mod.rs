//! Languages: Khmer first, English second. Interface strings come from Fluent message files
//! in `locales/`; dates and numbers are written the way each language writes them.

mod dates;
mod messages;

pub use dates::{format_date, format_datetime, khmer_digits};
pub use messages::{TeraTranslate, translate, translate_with};

use serde::Serialize;

/// An interface language. Khmer is the default: it is the first language of the learners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Km,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Km, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Km => "km",
            Lang::En => "en",
        }
    }

    /// Parses a language code as it appears in a cookie, a URL or the database.
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "km" | "km-kh" => Some(Lang::Km),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best language for an `Accept-Language` header, if it names one we have.
    /// Parsed by hand: only two languages matter, and a malformed weight (`q=NaN`) must
    /// never be able to upset a sort.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(f32, Lang)> = None;
        for entry in header.split(',').take(32) {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let primary = tag.split('-').next().unwrap_or_default();
            let Some(lang) = Self::from_code(primary) else {
                continue;
            };
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
                .filter(|q| q.is_finite() && *q > 0.0 && *q <= 1.0);
            if let Some(weight) = weight
                && best.is_none_or(|(w, _)| weight > w)
            {
                best = Some((weight, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    /// The language's own name, as shown on the switch link.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Km => "ខ្មែរ",
            Lang::En => "English",
        }
    }

    pub fn other(self) -> Self {
        match self {
            Lang::Km => Lang::En,
            Lang::En => Lang::Km,
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_a_language_we_have() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("km-KH,km;q=0.9,en;q=0.5"),
            Some(Lang::Km)
        );
        assert_eq!(Lang::from_accept_language("fr-FR,fr;q=0.9"), None);
        assert_eq!(
            Lang::from_accept_language("fr;q=0.9,en;q=0.8"),
            Some(Lang::En)
        );
    }
}
