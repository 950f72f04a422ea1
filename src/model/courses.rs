//! Course content as the other layers see it: bilingual texts, questions, media.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// A text in Khmer and English, both present (the checker made sure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Bilingual {
    pub km: String,
    pub en: String,
}

impl Bilingual {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Km => &self.km,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Single,
    Multiple,
    TrueFalse,
}

impl QuestionKind {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "single" => Some(Self::Single),
            "multiple" => Some(Self::Multiple),
            "true_false" => Some(Self::TrueFalse),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Multiple => "multiple",
            Self::TrueFalse => "true_false",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerOption {
    pub key: String,
    pub text: Bilingual,
    pub correct: bool,
}

/// A checked question. True/false questions carry two generated options, `true` and
/// `false`, so every kind is answered the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub key: String,
    pub kind: QuestionKind,
    pub chapter: String,
    pub section: String,
    pub prompt: Bilingual,
    pub explanation: Bilingual,
    pub options: Vec<AnswerOption>,
}

/// One stored file, addressed by the hash of its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFile {
    pub hash: String,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// A signatory a course picks, by the organisation's slug and the handle the organisation
/// gave them (`mrd/director-general` in `course.toml`). Names, titles and signature pictures
/// are the organisation's records, never the course's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatoryRef {
    pub organisation: String,
    pub handle: String,
}

impl std::fmt::Display for SignatoryRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.organisation, self.handle)
    }
}

/// Reads an organisation as stored by any version: a slug now, a table with a slug before
/// issue 27 (whose names are ignored: they came from the upload).
fn org_slug<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Slug(String),
        Named { slug: String },
    }
    Ok(match Stored::deserialize(d)? {
        Stored::Slug(slug) | Stored::Named { slug } => slug,
    })
}

fn org_slug_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "org_slug")] String);
    Ok(Option::<Wrap>::deserialize(d)?.map(|Wrap(slug)| slug))
}

/// Reads the signatories as stored by any version. Those stored before issue 27 were typed
/// into the upload and are not kept: such a version prints no signatory until republished.
fn signatory_refs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<SignatoryRef>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Picked(SignatoryRef),
        Typed(serde::de::IgnoredAny),
    }
    Ok(Vec::<Stored>::deserialize(d)?
        .into_iter()
        .filter_map(|s| match s {
            Stored::Picked(r) => Some(r),
            Stored::Typed(_) => None,
        })
        .collect())
}

/// What `course.toml` says, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseMeta {
    pub id: String,
    pub slug: String,
    pub minutes: i64,
    pub licence: String,
    pub pass_mark: i64,
    pub attempts: i64,
    pub wait_minutes: i64,
    pub final_from_start: bool,
    pub questions_per_attempt: Option<usize>,
    pub title: Bilingual,
    pub summary: Bilingual,
    /// The publishing organisation's slug.
    #[serde(deserialize_with = "org_slug")]
    pub publisher: String,
    /// The co-signing organisation's slug: its key endorses certificates only once it has
    /// consented (`certificates::cosigning`).
    #[serde(default, deserialize_with = "org_slug_opt")]
    pub cosigner: Option<String>,
    #[serde(default, deserialize_with = "signatory_refs")]
    pub signatories: Vec<SignatoryRef>,
}

/// A published chapter ready to show: its text in both languages, rendered and sanitised
/// when the course was published.
#[derive(Debug, Clone, Serialize)]
pub struct ChapterView {
    pub key: String,
    pub position: i32,
    pub minutes: i32,
    pub title_km: String,
    pub title_en: String,
    pub html_km: String,
    pub html_en: String,
    pub sections: String,
    /// The chapter's video as JSON (url, size, transcript in both languages), if any.
    pub video: Option<String>,
}

impl ChapterView {
    /// The chapter's text in `lang`, as published (rendered and sanitised).
    pub fn html(&self, lang: Lang) -> &str {
        match lang {
            Lang::Km => &self.html_km,
            Lang::En => &self.html_en,
        }
    }
}
