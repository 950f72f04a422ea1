//! Interface strings from the Fluent files in `locales/<lang>/main.ftl`, compiled into the
//! binary, and the tera function `t` that templates use to look them up.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, static_loader};
use unic_langid::langid;

use super::Lang;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments: they show as boxes in old browsers.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static KM: LanguageIdentifier = langid!("km");
static EN: LanguageIdentifier = langid!("en");

fn langid(lang: Lang) -> &'static LanguageIdentifier {
    match lang {
        Lang::Km => &KM,
        Lang::En => &EN,
    }
}

/// The message `key` in `lang`. A missing key is a bug: it is logged and the key is shown.
pub fn translate(lang: Lang, key: &str) -> String {
    LOCALES.try_lookup(langid(lang), key).unwrap_or_else(|| {
        tracing::warn!(key, %lang, "missing interface string");
        key.to_owned()
    })
}

/// The message `key` in `lang` with named arguments.
pub fn translate_with(lang: Lang, key: &str, args: &[(&'static str, String)]) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
        .iter()
        .map(|(name, value)| (Cow::Borrowed(*name), FluentValue::from(value.as_str())))
        .collect();
    LOCALES
        .try_lookup_with_args(langid(lang), key, &args)
        .unwrap_or_else(|| {
            tracing::warn!(key, %lang, "missing interface string");
            key.to_owned()
        })
}

/// `{{ t(key="sign-in", lang=lang) }}` in templates; other named arguments are passed to
/// Fluent, so `{{ t(key="welcome", lang=lang, name=user.name) }}` fills `{ $name }`.
pub struct TeraTranslate;

impl tera::Function for TeraTranslate {
    fn call(&self, args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
        let key = args
            .get("key")
            .and_then(tera::Value::as_str)
            .ok_or_else(|| tera::Error::msg("t() needs key=\"…\""))?;
        let lang = args
            .get("lang")
            .and_then(tera::Value::as_str)
            .and_then(Lang::from_code)
            .ok_or_else(|| tera::Error::msg("t() needs lang=lang"))?;
        let fluent_args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .filter(|(name, _)| name.as_str() != "key" && name.as_str() != "lang")
            .map(|(name, value)| {
                let value = match value {
                    tera::Value::Number(n) => n
                        .as_f64()
                        .map_or_else(|| FluentValue::from(n.to_string()), FluentValue::from),
                    tera::Value::String(s) => FluentValue::from(s.clone()),
                    other => FluentValue::from(other.to_string()),
                };
                (Cow::Owned(name.clone()), value)
            })
            .collect();
        let text = if fluent_args.is_empty() {
            translate(lang, key)
        } else {
            LOCALES
                .try_lookup_with_args(langid(lang), key, &fluent_args)
                .unwrap_or_else(|| key.to_owned())
        };
        Ok(tera::Value::String(text))
    }

    fn is_safe(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    fn ids(source: &str) -> BTreeSet<&str> {
        source
            .lines()
            .filter(|line| line.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|line| line.split_once(" =").map(|(id, _)| id.trim()))
            .collect()
    }

    #[test]
    fn every_message_exists_in_both_languages() {
        let km = ids(include_str!("../../locales/km/main.ftl"));
        let en = ids(include_str!("../../locales/en/main.ftl"));
        let missing_in_km: Vec<_> = en.difference(&km).collect();
        let missing_in_en: Vec<_> = km.difference(&en).collect();
        assert!(missing_in_km.is_empty(), "missing in km: {missing_in_km:?}");
        assert!(missing_in_en.is_empty(), "missing in en: {missing_in_en:?}");
        assert!(en.len() > 20);
    }

    #[test]
    fn khmer_is_khmer() {
        assert_eq!(super::translate(super::Lang::Km, "sign-in"), "ចូលគណនី");
    }
}
