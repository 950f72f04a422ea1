//! Courses are folders of files (see `docs/course-format.md`). This module reads them
//! (`source`), checks them and reports every problem at once (`check`), renders Markdown and
//! pictures once at publish time (`markdown`, `images`, `prepare`), and publishes a version
//! in one transaction (`publish`). Serving a chapter later is reading prepared bytes.

pub mod check;
pub mod folder;
pub mod format;
pub mod images;
pub mod markdown;
pub mod prepare;
pub mod publish;
pub mod source;
pub mod urls;
pub mod workspace;

use serde::{Deserialize, Serialize};

pub use crate::db::courses::{ChapterView, VersionHead};
use crate::i18n::Lang;
pub use crate::model::courses::{
    AnswerOption, Bilingual, CourseMeta, Question, QuestionKind, SignatoryRef,
};

/// A stored picture by the hash of its bytes: its content type and bytes.
pub async fn media(
    db: &crate::db::Db,
    hash: String,
) -> Result<Option<(String, Vec<u8>)>, crate::db::DbError> {
    db.read(move |conn| crate::db::courses::media_bytes(conn, &hash))
        .await
}

/// A draft behind its preview link: the version and its chapters; `None` for an unknown
/// link.
pub async fn preview(
    db: &crate::db::Db,
    token: &str,
) -> Result<Option<(VersionHead, Vec<ChapterView>)>, crate::db::DbError> {
    use crate::db;
    let digest = tokens_digest(token);
    db.read(move |conn| {
        let Some(head) = db::courses::version_by_preview(conn, &digest)? else {
            return Ok(None);
        };
        let chapters = db::courses::chapters_of(conn, head.id)?;
        Ok(Some((head, chapters)))
    })
    .await
}

/// The stored digest of a preview token.
pub fn tokens_digest(token: &str) -> String {
    crate::accounts::tokens::digest(token)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Video {
    pub url: String,
    pub size_mb: f64,
    pub transcript: Bilingual,
}

/// A chapter as written, checked.
#[derive(Debug, Clone)]
pub struct ChapterSource {
    pub key: String,
    pub position: i32,
    pub minutes: i64,
    pub title: Bilingual,
    /// The Markdown after the settings, per language.
    pub markdown: Bilingual,
    pub video: Option<Video>,
    pub practice: Vec<Question>,
    /// A digest of everything learners see of the chapter (both languages and its check).
    pub content_hash: String,
}

/// A course folder that passed every check.
#[derive(Debug, Clone)]
pub struct CourseSource {
    pub meta: CourseMeta,
    pub chapters: Vec<ChapterSource>,
    pub final_questions: Vec<Question>,
    pub files: source::SourceFiles,
    /// A digest of all files: publishing the same content twice is recognised by it.
    pub content_hash: String,
}

/// One problem found in a course folder: where, and a message key with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    pub line: Option<usize>,
    pub message: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    pub fn new(file: &str, line: Option<usize>, message: &'static str) -> Self {
        Self {
            file: file.to_owned(),
            line,
            message,
            args: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    /// "chapters/01-x.en.md:12: The picture …" in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        let text = crate::i18n::translate_with(lang, self.message, &self.args);
        match self.line {
            Some(line) => format!("{}:{line}: {text}", self.file),
            None => format!("{}: {text}", self.file),
        }
    }
}
