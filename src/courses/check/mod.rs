//! The course checker: reads every file of a course folder and reports every problem at
//! once, each with its file, its line where it has one, and a message key. A folder with no
//! problem becomes a `CourseSource`, ready to publish.

use std::collections::{BTreeSet, HashMap};

use pulldown_cmark::Options;
use serde::de::DeserializeOwned;

use super::format::Texts;
use super::source::SourceFiles;
use super::{Bilingual, CourseSource, Problem};
use crate::organisations::Slug;
use chapters::check_chapters;
use course_toml::check_course_toml;
use media::MediaChecker;
use questions::{check_final, check_practice_quizzes};

mod chapters;
mod course_toml;
mod media;
mod questions;

pub(super) const COURSE_FILE: &str = "course.toml";
pub(super) const FINAL_FILE: &str = "quizzes/final.toml";
pub(super) const LANGS: [&str; 2] = ["km", "en"];

/// Markdown features a publisher may use.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_HEADING_ATTRIBUTES | Options::ENABLE_STRIKETHROUGH
}

/// Checks a course. `folder` is the folder's name, which must equal the slug.
pub fn check(files: &SourceFiles, folder: Option<&str>) -> Result<CourseSource, Vec<Problem>> {
    let mut problems = Vec::new();
    let meta = check_course_toml(files, folder, &mut problems);
    let mut media = MediaChecker::new(files);
    let chapters = check_chapters(files, &mut media, &mut problems);
    let sections: HashMap<String, BTreeSet<String>> = chapters
        .iter()
        .map(|c| (c.key.clone(), c.sections.clone()))
        .collect();
    let mut practice = check_practice_quizzes(files, &chapters, &sections, &mut problems);
    let (questions_per_attempt, final_questions) = check_final(files, &sections, &mut problems);
    match meta {
        Some(mut meta) if problems.is_empty() => {
            meta.questions_per_attempt = questions_per_attempt;
            let chapters = chapters
                .into_iter()
                .map(|draft| {
                    let questions = practice.remove(&draft.key).unwrap_or_default();
                    draft.finish(questions, files)
                })
                .collect();
            Ok(CourseSource {
                meta,
                chapters,
                final_questions,
                content_hash: files.digest(),
                files: files.clone(),
            })
        }
        _ => {
            if problems.is_empty() {
                problems.push(Problem::new(COURSE_FILE, None, "check-course-missing"));
            }
            Err(problems)
        }
    }
}

// --- Helpers ------------------------------------------------------------------------------

/// 1-based line of a byte offset.
pub(super) fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(1, |before| before.matches('\n').count() + 1)
}

/// The first line containing `needle`.
pub(super) fn find_line(text: &str, needle: &str) -> Option<usize> {
    text.find(needle).map(|offset| line_at(text, offset))
}

/// Parses TOML, reporting a syntax or shape error at its line.
pub(super) fn parse_toml<T: DeserializeOwned>(
    text: &str,
    file: &str,
    line_offset: usize,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    match toml::from_str(text) {
        Ok(value) => Some(value),
        Err(error) => {
            let line = error
                .span()
                .map(|span| line_at(text, span.start) + line_offset);
            let detail = error.message().to_owned();
            problems.push(Problem::new(file, line, "check-toml").with("detail", detail));
            None
        }
    }
}

pub(super) fn non_empty(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// Both languages of a text, or a problem for each that is missing.
pub(super) fn both(
    texts: &Texts,
    file: &str,
    line: Option<usize>,
    what: &str,
    problems: &mut Vec<Problem>,
) -> Option<Bilingual> {
    let km = non_empty(&texts.km);
    let en = non_empty(&texts.en);
    for (lang, value) in [("km", &km), ("en", &en)] {
        if value.is_none() {
            problems.push(
                Problem::new(file, line, "check-missing-language")
                    .with("what", what)
                    .with("lang", lang),
            );
        }
    }
    Some(Bilingual { km: km?, en: en? })
}

pub(super) fn valid_key(raw: &str) -> bool {
    Slug::parse(raw).is_ok_and(|slug| slug.as_str() == raw)
        || (!raw.is_empty()
            && raw.len() <= 60
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
}

/// A certificate has room for two signatures side by side.
pub const MAX_SIGNATORIES: usize = 2;

#[cfg(test)]
mod tests {
    use super::chapters::{chapter_name, unsafe_html};

    #[test]
    fn chapter_file_names() {
        assert_eq!(
            chapter_name("01-why.km.md"),
            Some((1, "why".into(), "km".into()))
        );
        assert_eq!(
            chapter_name("12-a-b-c.en.md"),
            Some((12, "a-b-c".into(), "en".into()))
        );
        assert_eq!(chapter_name("1-why.km.md"), None);
        assert_eq!(chapter_name("01-Why.km.md"), None);
        assert_eq!(chapter_name("01-why.md"), None);
    }

    #[test]
    fn unsafe_html_is_recognised() {
        assert!(unsafe_html("<script>alert(1)</script>"));
        assert!(unsafe_html(r#"<img src=x onerror="alert(1)">"#));
        assert!(unsafe_html(r#"<a href="javascript:alert(1)">x</a>"#));
        assert!(!unsafe_html("<br>"));
        assert!(!unsafe_html(
            r#"<abbr title="Water, sanitation and hygiene">WASH</abbr>"#
        ));
    }
}
