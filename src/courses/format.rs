//! The files of a course folder as serde sees them (see `docs/course-format.md`). These are
//! raw: `check` turns them into checked types and reports what is wrong.

use serde::Deserialize;

/// A text in both languages. Missing languages are reported by the checker, so both are
/// optional here.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
pub struct Texts {
    #[serde(default)]
    pub km: Option<String>,
    #[serde(default)]
    pub en: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseToml {
    pub id: Option<String>,
    pub slug: Option<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    pub minutes: Option<i64>,
    pub licence: Option<String>,
    pub pass_mark: Option<i64>,
    pub attempts: Option<i64>,
    #[serde(default)]
    pub wait_minutes: i64,
    #[serde(default)]
    pub final_from_start: bool,
    #[serde(default)]
    pub title: Texts,
    #[serde(default)]
    pub summary: Texts,
    pub publisher: Option<OrgField>,
    pub cosigner: Option<OrgField>,
    #[serde(default)]
    pub signatories: Vec<SignatoryField>,
}

/// `publisher = "mrd"`; the table form of earlier courses is read so that the checker can
/// say what to write instead.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OrgField {
    Slug(String),
    Table(OrganisationToml),
}

/// `signatories = ["mrd/director-general"]`; the table form of earlier courses is read so
/// that the checker can say what to write instead.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SignatoryField {
    Handle(String),
    Table(SignatoryToml),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationToml {
    pub slug: String,
    pub km: Option<String>,
    pub en: Option<String>,
    /// A logo for the printed certificate, e.g. `media/logo.png`.
    pub logo: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatoryToml {
    pub organisation: String,
    #[serde(default)]
    pub name: Texts,
    #[serde(default)]
    pub title: Texts,
    pub signature: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub minutes: Option<i64>,
    pub video: Option<VideoToml>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoToml {
    pub url: Option<String>,
    pub size_mb: Option<f64>,
    pub transcript: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuizToml {
    pub questions_per_attempt: Option<i64>,
    #[serde(default)]
    pub questions: Vec<QuestionToml>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionToml {
    pub id: Option<String>,
    pub kind: Option<String>,
    pub chapter: Option<String>,
    pub section: Option<String>,
    #[serde(default)]
    pub prompt: Texts,
    #[serde(default)]
    pub explanation: Texts,
    #[serde(default)]
    pub options: Vec<OptionToml>,
    pub answer: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionToml {
    pub id: Option<String>,
    pub km: Option<String>,
    pub en: Option<String>,
    #[serde(default)]
    pub correct: bool,
}
