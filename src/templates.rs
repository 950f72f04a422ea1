//! Tera templates, compiled into the binary (and read from disk in debug builds, so a
//! template edit shows on reload of the server). Names ending in `.html` are autoescaped;
//! only Markdown sanitised at publish time is ever marked safe.

use std::collections::HashMap;
use std::sync::Arc;

use rust_embed::RustEmbed;

use crate::i18n::{self, Lang, TeraTranslate};

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Files;

#[derive(Debug, thiserror::Error)]
#[error("template error: {0}")]
pub struct TemplateError(String);

impl From<tera::Error> for TemplateError {
    fn from(error: tera::Error) -> Self {
        // Tera's Display hides the cause (the line that failed); keep the whole chain.
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self(message)
    }
}

/// Loads every template and registers Sala's functions and filters, once for the whole
/// instance: the pages and the emails share them (a second copy was the largest part of an
/// idle server's heap, by heaptrack).
pub fn load() -> Result<Arc<tera::Tera>, TemplateError> {
    let mut tera = tera::Tera::default();
    let mut sources = Vec::new();
    for name in Files::iter() {
        let file = Files::get(&name).ok_or_else(|| TemplateError(format!("{name} vanished")))?;
        let text = String::from_utf8(file.data.into_owned())
            .map_err(|_| TemplateError(format!("{name} is not UTF-8")))?;
        sources.push((name.into_owned(), text));
    }
    tera.add_raw_templates(sources)?;
    tera.autoescape_on(vec![".html"]);
    tera.register_function("t", TeraTranslate);
    tera.register_filter("local_date", local_date);
    tera.register_filter("local_datetime", local_datetime);
    tera.register_filter("digits", digits);
    Ok(Arc::new(tera))
}

fn lang_arg(args: &HashMap<String, tera::Value>) -> tera::Result<Lang> {
    args.get("lang")
        .and_then(tera::Value::as_str)
        .and_then(Lang::from_code)
        .ok_or_else(|| tera::Error::msg("needs lang=lang"))
}

/// A timestamp, or a date (read as its noon, so no time zone moves it to another day).
fn timestamp(value: &tera::Value) -> tera::Result<chrono::NaiveDateTime> {
    let text = value.as_str();
    text.and_then(|s| s.parse().ok())
        .or_else(|| {
            text.and_then(|s| s.parse::<chrono::NaiveDate>().ok())
                .and_then(|d| d.and_hms_opt(12, 0, 0))
        })
        .ok_or_else(|| tera::Error::msg("expects a timestamp"))
}

/// `{{ user.created_at | local_date(lang=lang) }}`
fn local_date(
    value: &tera::Value,
    args: &HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    Ok(i18n::format_date(timestamp(value)?, lang_arg(args)?).into())
}

/// `{{ at | local_datetime(lang=lang) }}`, in Cambodian time.
fn local_datetime(
    value: &tera::Value,
    args: &HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    Ok(i18n::format_datetime(timestamp(value)?, lang_arg(args)?).into())
}

/// `{{ count | digits(lang=lang) }}`: Khmer digits in Khmer.
fn digits(value: &tera::Value, args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let text = match value {
        tera::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Ok(match lang_arg(args)? {
        Lang::Km => i18n::khmer_digits(&text),
        Lang::En => text,
    }
    .into())
}
