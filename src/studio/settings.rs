//! A course's settings as the studio's form shows them: the titles and summary in both
//! languages, minutes, licence, pass mark, attempts, waiting time and whether the final
//! assessment is open from the start — the fields of `course.toml` (see
//! `docs/course-format.md`). The file is edited in place with `toml_edit`, so its comments,
//! its order and what the form does not show (id, slug, organisations, signatories) stay
//! as the author wrote them.

use serde::{Deserialize, Serialize};
use toml_edit::{DocumentMut, Item, value};

use crate::courses::source::SourceFiles;

pub const FILE: &str = "course.toml";

/// The settings form. Every field is text, as typed: a number that is not one is shown
/// again as typed, left out of the file, and named by the checker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub title_km: String,
    pub title_en: String,
    pub summary_km: String,
    pub summary_en: String,
    pub minutes: String,
    pub licence: String,
    pub pass_mark: String,
    pub attempts: String,
    pub wait_minutes: String,
    /// A checkbox: "on" when ticked, absent otherwise.
    pub final_from_start: String,
    /// The digest of `course.toml` the form was filled from.
    pub base: String,
}

const NUMBERS: [&str; 4] = ["minutes", "pass_mark", "attempts", "wait_minutes"];

fn document(files: &SourceFiles) -> DocumentMut {
    files
        .text(FILE)
        .unwrap_or_default()
        .parse()
        .unwrap_or_default()
}

/// The form, as `course.toml` holds it now.
pub fn read(files: &SourceFiles) -> SettingsForm {
    let doc = document(files);
    let text = |table: &str, key: &str| {
        doc.get(table)
            .and_then(|t| t.get(key))
            .and_then(Item::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let number = |key: &str| {
        doc.get(key)
            .and_then(Item::as_integer)
            .map(|n| n.to_string())
            .unwrap_or_default()
    };
    SettingsForm {
        title_km: text("title", "km"),
        title_en: text("title", "en"),
        summary_km: text("summary", "km"),
        summary_en: text("summary", "en"),
        minutes: number("minutes"),
        licence: doc
            .get("licence")
            .and_then(Item::as_str)
            .unwrap_or_default()
            .to_owned(),
        pass_mark: number("pass_mark"),
        attempts: number("attempts"),
        wait_minutes: number("wait_minutes"),
        final_from_start: if doc.get("final_from_start").and_then(Item::as_bool) == Some(true) {
            "on".into()
        } else {
            String::new()
        },
        base: super::chapters::digest(files, FILE),
    }
}

/// `course.toml` with the form's values. An empty text or a number that is not one is
/// left out, for the checker to name.
pub fn write(files: &SourceFiles, form: &SettingsForm) -> String {
    let mut doc = document(files);
    for (table, km, en) in [
        ("title", &form.title_km, &form.title_en),
        ("summary", &form.summary_km, &form.summary_en),
    ] {
        if !doc.contains_table(table) {
            doc[table] = toml_edit::table();
        }
        for (lang, text) in [("km", km), ("en", en)] {
            match text.trim() {
                "" => {
                    doc[table].as_table_mut().map(|t| t.remove(lang));
                }
                text => doc[table][lang] = value(text),
            }
        }
    }
    match form.licence.trim() {
        "" => {
            doc.remove("licence");
        }
        licence => doc["licence"] = value(licence),
    }
    for key in NUMBERS {
        let raw = match key {
            "minutes" => &form.minutes,
            "pass_mark" => &form.pass_mark,
            "attempts" => &form.attempts,
            _ => &form.wait_minutes,
        };
        match raw.trim().parse::<i64>() {
            Ok(n) => doc[key] = value(n),
            Err(_) => {
                doc.remove(key);
            }
        }
    }
    if form.final_from_start.is_empty() {
        doc.remove("final_from_start");
    } else {
        doc["final_from_start"] = value(true);
    }
    doc.to_string()
}

/// The form field a problem of `course.toml` concerns, if it is one the form shows.
pub fn field_of(message: &str, args: &[(&'static str, String)]) -> Option<&'static str> {
    let arg = |name: &str| {
        args.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, v)| v.as_str())
    };
    Some(match message {
        "check-minutes" => "minutes",
        "check-licence" => "licence",
        "check-pass-mark" => "pass_mark",
        "check-attempts" => "attempts",
        "check-wait" => "wait_minutes",
        "check-missing-language" => match (arg("what")?, arg("lang")?) {
            ("title", "km") => "title_km",
            ("title", _) => "title_en",
            ("summary", "km") => "summary_km",
            ("summary", _) => "summary_en",
            _ => return None,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const COURSE: &str = "id = \"wash\"\nslug = \"wash\"\n# The time a learner needs.\nminutes = 90\nlicence = \"CC BY 4.0\"\npass_mark = 80\nattempts = 3\npublisher = \"mrd\"\n\n[title]\nkm = \"ទឹក\"\nen = \"Water\"\n\n[summary]\nkm = \"សង្ខេប\"\nen = \"Summary\"\n";

    fn folder() -> SourceFiles {
        let mut files = SourceFiles::default();
        files.files.insert(FILE.into(), COURSE.as_bytes().to_vec());
        files
    }

    #[test]
    fn the_settings_read_into_the_form_and_back_keeping_comments_and_the_rest() {
        let files = folder();
        let mut form = read(&files);
        assert_eq!(form.title_km, "ទឹក");
        assert_eq!(form.pass_mark, "80");
        assert_eq!(form.final_from_start, "");
        assert_eq!(
            write(&files, &form),
            COURSE,
            "an unchanged form writes the same file"
        );
        form.pass_mark = "70".into();
        form.final_from_start = "on".into();
        form.summary_en = "A shorter summary".into();
        let text = write(&files, &form);
        assert!(
            text.contains("# The time a learner needs.\nminutes = 90"),
            "{text}"
        );
        assert!(text.contains("pass_mark = 70"), "{text}");
        assert!(text.contains("publisher = \"mrd\""), "{text}");
        assert!(text.contains("final_from_start = true"), "{text}");
        assert!(text.contains("en = \"A shorter summary\""), "{text}");
    }

    #[test]
    fn what_cannot_be_written_is_left_out_for_the_checker() {
        let files = folder();
        let mut form = read(&files);
        form.attempts = "three".into();
        form.title_en = " ".into();
        let text = write(&files, &form);
        assert!(!text.contains("attempts"), "{text}");
        assert!(!text.contains("en = \"Water\""), "{text}");
        assert_eq!(
            field_of(
                "check-missing-language",
                &[("what", "title".into()), ("lang", "en".into())]
            ),
            Some("title_en")
        );
    }
}
