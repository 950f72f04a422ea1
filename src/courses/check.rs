//! The course checker: reads every file of a course folder and reports every problem at
//! once, each with its file, its line where it has one, and a message key. A folder with no
//! problem becomes a `CourseSource`, ready to publish.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::format::{
    CourseToml, FrontMatter, OrgField, QuestionToml, QuizToml, SignatoryField, Texts,
};
use super::source::{SourceFiles, hex};
use super::{
    AnswerOption, Bilingual, ChapterSource, CourseMeta, CourseSource, Problem, Question,
    QuestionKind, SignatoryRef, Video, images, urls,
};
use crate::organisations::Slug;

const COURSE_FILE: &str = "course.toml";
const FINAL_FILE: &str = "quizzes/final.toml";
const LANGS: [&str; 2] = ["km", "en"];

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
fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(1, |before| before.matches('\n').count() + 1)
}

/// The first line containing `needle`.
fn find_line(text: &str, needle: &str) -> Option<usize> {
    text.find(needle).map(|offset| line_at(text, offset))
}

/// Parses TOML, reporting a syntax or shape error at its line.
fn parse_toml<T: DeserializeOwned>(
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

fn non_empty(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// Both languages of a text, or a problem for each that is missing.
fn both(
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

fn valid_key(raw: &str) -> bool {
    Slug::parse(raw).is_ok_and(|slug| slug.as_str() == raw)
        || (!raw.is_empty()
            && raw.len() <= 60
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
}

// --- course.toml --------------------------------------------------------------------------

fn check_course_toml(
    files: &SourceFiles,
    folder: Option<&str>,
    problems: &mut Vec<Problem>,
) -> Option<CourseMeta> {
    let file = COURSE_FILE;
    let Some(text) = files.text(file) else {
        let message = if files.get(file).is_some() {
            "check-not-utf8"
        } else {
            "check-course-missing"
        };
        problems.push(Problem::new(file, None, message));
        return None;
    };
    let raw: CourseToml = parse_toml(text, file, 0, problems)?;
    let before = problems.len();
    let line = |key: &str| find_line(text, &format!("{key} ="));

    let id = non_empty(&raw.id);
    if !id.as_deref().is_some_and(valid_key) {
        problems.push(Problem::new(file, line("id"), "check-course-id"));
    }
    let slug = non_empty(&raw.slug);
    match (&slug, folder) {
        (Some(slug), _) if !valid_key(slug) => {
            problems.push(Problem::new(file, line("slug"), "check-course-slug"))
        }
        (None, _) => problems.push(Problem::new(file, None, "check-course-slug")),
        (Some(slug), Some(folder)) if slug != folder => problems.push(
            Problem::new(file, line("slug"), "check-slug-folder")
                .with("slug", slug.clone())
                .with("folder", folder),
        ),
        _ => {}
    }
    if !raw.languages.is_empty() {
        for lang in LANGS {
            if !raw.languages.iter().any(|l| l == lang) {
                problems.push(
                    Problem::new(file, line("languages"), "check-languages").with("lang", lang),
                );
            }
        }
    }
    let minutes = raw.minutes.filter(|m| (1..=6000).contains(m));
    if minutes.is_none() {
        problems.push(Problem::new(file, line("minutes"), "check-minutes"));
    }
    let licence = non_empty(&raw.licence);
    if licence.is_none() {
        problems.push(Problem::new(file, line("licence"), "check-licence"));
    }
    let pass_mark = raw.pass_mark.filter(|m| (1..=100).contains(m));
    if pass_mark.is_none() {
        problems.push(Problem::new(file, line("pass_mark"), "check-pass-mark"));
    }
    let attempts = raw.attempts.filter(|a| (1..=100).contains(a));
    if attempts.is_none() {
        problems.push(Problem::new(file, line("attempts"), "check-attempts"));
    }
    if raw.wait_minutes < 0 {
        problems.push(Problem::new(file, line("wait_minutes"), "check-wait"));
    }
    let title = both(
        &raw.title,
        file,
        find_line(text, "[title]"),
        "title",
        problems,
    );
    let summary = both(
        &raw.summary,
        file,
        find_line(text, "[summary]"),
        "summary",
        problems,
    );
    let publisher = match &raw.publisher {
        Some(org) => check_org(org, file, find_line(text, "publisher"), problems),
        None => {
            problems.push(Problem::new(file, None, "check-publisher-missing"));
            None
        }
    };
    let cosigner = raw
        .cosigner
        .as_ref()
        .and_then(|org| check_org(org, file, find_line(text, "cosigner"), problems));
    if cosigner.is_some() && cosigner == publisher {
        problems.push(Problem::new(
            file,
            find_line(text, "cosigner"),
            "check-cosigner-is-publisher",
        ));
    }
    let mut signatories: Vec<SignatoryRef> = Vec::new();
    for signatory in &raw.signatories {
        let handle = match signatory {
            SignatoryField::Handle(handle) => handle,
            SignatoryField::Table(table) => {
                let at = find_line(text, &format!("\"{}\"", table.organisation));
                problems.push(Problem::new(file, at, "check-signatory-from-records"));
                continue;
            }
        };
        let at = find_line(text, &format!("\"{handle}\""));
        let Some(picked) = parse_signatory(handle) else {
            problems.push(
                Problem::new(file, at, "check-signatory-handle").with("signatory", handle.clone()),
            );
            continue;
        };
        // When the publisher itself is wrong, that is the problem to tell, not this one.
        let known = publisher.is_none()
            || [publisher.as_ref(), cosigner.as_ref()]
                .into_iter()
                .flatten()
                .any(|slug| *slug == picked.organisation);
        if !known {
            problems.push(
                Problem::new(file, at, "check-signatory-organisation")
                    .with("organisation", picked.organisation.clone()),
            );
        } else if signatories.contains(&picked) {
            problems.push(
                Problem::new(file, at, "check-signatory-twice").with("signatory", handle.clone()),
            );
        } else {
            signatories.push(picked);
        }
    }
    if signatories.len() > MAX_SIGNATORIES {
        problems.push(Problem::new(
            file,
            find_line(text, "signatories"),
            "check-signatories-too-many",
        ));
    }
    if problems.len() > before {
        return None;
    }
    Some(CourseMeta {
        id: id?,
        slug: slug?,
        minutes: minutes?,
        licence: licence?,
        pass_mark: pass_mark?,
        attempts: attempts?,
        wait_minutes: raw.wait_minutes,
        final_from_start: raw.final_from_start,
        questions_per_attempt: None,
        title: title?,
        summary: summary?,
        publisher: publisher?,
        cosigner,
        signatories,
    })
}

/// A certificate has room for two signatures side by side.
pub const MAX_SIGNATORIES: usize = 2;

/// `mrd/director-general`: an organisation's slug and a signatory's handle.
fn parse_signatory(raw: &str) -> Option<SignatoryRef> {
    let (organisation, handle) = raw.trim().split_once('/')?;
    let is_slug = |s: &str| Slug::parse(s).is_ok_and(|slug| slug.as_str() == s);
    (is_slug(organisation) && is_slug(handle)).then(|| SignatoryRef {
        organisation: organisation.to_owned(),
        handle: handle.to_owned(),
    })
}

/// An organisation named by its slug. Its names and logo are its own records in Sala: a
/// course that types them (the table form of earlier courses) is told to name the slug only.
fn check_org(
    org: &OrgField,
    file: &str,
    line: Option<usize>,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let slug = match org {
        OrgField::Slug(slug) => slug,
        OrgField::Table(table)
            if table.km.is_some() || table.en.is_some() || table.logo.is_some() =>
        {
            problems.push(
                Problem::new(file, line, "check-org-from-records").with("slug", table.slug.clone()),
            );
            return None;
        }
        OrgField::Table(table) => &table.slug,
    };
    if Slug::parse(slug).map(|s| s.as_str() == slug) != Ok(true) {
        problems.push(Problem::new(file, line, "check-org-slug").with("slug", slug.clone()));
        return None;
    }
    Some(slug.clone())
}

/// `../media/x.png`, `./media/x.png` and `media/x.png` all name `media/x.png`.
fn media_path(reference: &str) -> String {
    reference
        .trim()
        .trim_start_matches("./")
        .trim_start_matches("../")
        .to_owned()
}

// --- Pictures -----------------------------------------------------------------------------

/// Checks each picture once, however many chapters use it.
struct MediaChecker<'a> {
    files: &'a SourceFiles,
    seen: HashMap<String, Option<&'static str>>,
}

impl<'a> MediaChecker<'a> {
    fn new(files: &'a SourceFiles) -> Self {
        Self {
            files,
            seen: HashMap::new(),
        }
    }

    fn check(&mut self, path: &str, file: &str, line: Option<usize>, problems: &mut Vec<Problem>) {
        let files = self.files;
        let verdict = *self.seen.entry(path.to_owned()).or_insert_with(|| {
            if !path.starts_with("media/") {
                return Some("check-image-outside-media");
            }
            match files.get(path) {
                None => Some("check-image-missing"),
                Some(bytes) => images::inspect(path, bytes).err(),
            }
        });
        if let Some(message) = verdict {
            problems.push(Problem::new(file, line, message).with("image", path));
        }
    }
}

// --- Chapters -----------------------------------------------------------------------------

struct ChapterDraft {
    key: String,
    position: i32,
    minutes: i64,
    title: Bilingual,
    markdown: Bilingual,
    video: Option<Video>,
    sections: BTreeSet<String>,
}

impl ChapterDraft {
    fn finish(self, practice: Vec<Question>, files: &SourceFiles) -> ChapterSource {
        let mut hasher = Sha256::new();
        for lang in LANGS {
            let name = format!("chapters/{:02}-{}.{lang}.md", self.position, self.key);
            hasher.update(files.get(&name).unwrap_or_default());
        }
        let quiz = format!("quizzes/{:02}-{}.toml", self.position, self.key);
        hasher.update(files.get(&quiz).unwrap_or_default());
        ChapterSource {
            key: self.key,
            position: self.position,
            minutes: self.minutes,
            title: self.title,
            markdown: self.markdown,
            video: self.video,
            practice,
            content_hash: hex(&hasher.finalize()),
        }
    }
}

/// `01-why-inclusive-wash.km.md` → (1, "why-inclusive-wash", "km").
fn chapter_name(name: &str) -> Option<(i32, String, String)> {
    let stem = name.strip_suffix(".md")?;
    let (rest, lang) = stem.rsplit_once('.')?;
    let (number, key) = rest.split_once('-')?;
    if number.len() != 2 || !number.chars().all(|c| c.is_ascii_digit()) || !valid_key(key) {
        return None;
    }
    Some((number.parse().ok()?, key.to_owned(), lang.to_owned()))
}

/// One language file of a chapter.
struct ChapterFile {
    title: Option<String>,
    minutes: Option<i64>,
    video: Option<(Option<String>, Option<f64>, Option<String>)>,
    body: String,
    sections: BTreeSet<String>,
}

fn check_chapters(
    files: &SourceFiles,
    media: &mut MediaChecker<'_>,
    problems: &mut Vec<Problem>,
) -> Vec<ChapterDraft> {
    // (position, key) → lang → parsed file
    let mut found: BTreeMap<(i32, String), BTreeMap<String, ChapterFile>> = BTreeMap::new();
    for path in files.under("chapters") {
        let name = &path["chapters/".len()..];
        let Some((position, key, lang)) = chapter_name(name) else {
            problems.push(Problem::new(path, None, "check-chapter-name"));
            continue;
        };
        // `final` and `print` are addresses of the course's own pages.
        if key == "final" || key == "print" {
            problems.push(Problem::new(path, None, "check-chapter-reserved").with("chapter", key));
            continue;
        }
        if !LANGS.contains(&lang.as_str()) {
            problems.push(Problem::new(path, None, "check-chapter-lang").with("lang", lang));
            continue;
        }
        let Some(text) = files.text(path) else {
            problems.push(Problem::new(path, None, "check-not-utf8"));
            continue;
        };
        if let Some(parsed) = parse_chapter_file(path, text, media, problems) {
            found
                .entry((position, key))
                .or_default()
                .insert(lang, parsed);
        }
    }
    if found.is_empty() && !problems.iter().any(|p| p.file.starts_with("chapters/")) {
        problems.push(Problem::new("chapters", None, "check-no-chapters"));
    }
    let mut positions = BTreeMap::new();
    let mut keys = BTreeMap::new();
    for (position, key) in found.keys() {
        if let Some(other) = positions.insert(*position, key.clone()) {
            problems.push(
                Problem::new("chapters", None, "check-chapter-number-twice")
                    .with("number", format!("{position:02}"))
                    .with("first", other)
                    .with("second", key.clone()),
            );
        }
        if keys.insert(key.clone(), *position).is_some() {
            problems.push(
                Problem::new("chapters", None, "check-chapter-id-twice")
                    .with("chapter", key.clone()),
            );
        }
    }
    let mut drafts = Vec::new();
    for ((position, key), mut langs) in found {
        let file = |lang: &str| format!("chapters/{position:02}-{key}.{lang}.md");
        for lang in LANGS {
            if !langs.contains_key(lang) {
                problems.push(
                    Problem::new(&file(lang), None, "check-chapter-missing-lang")
                        .with("lang", lang),
                );
            }
        }
        let (Some(km), Some(en)) = (langs.remove("km"), langs.remove("en")) else {
            continue;
        };
        for (a, b, lang) in [(&km, &en, "en"), (&en, &km, "km")] {
            for missing in a.sections.difference(&b.sections) {
                problems.push(
                    Problem::new(&file(lang), None, "check-section-missing-lang")
                        .with("section", missing.clone()),
                );
            }
        }
        let video = match (&km.video, &en.video) {
            (None, None) => None,
            (Some((url, size, transcript_km)), Some((_, _, transcript_en))) => {
                let transcript = both(
                    &Texts {
                        km: transcript_km.clone(),
                        en: transcript_en.clone(),
                    },
                    &file("en"),
                    None,
                    "transcript",
                    problems,
                );
                match (non_empty(url), size, transcript) {
                    (Some(url), Some(size_mb), Some(transcript)) => Some(Video {
                        url,
                        size_mb: *size_mb,
                        transcript,
                    }),
                    _ => {
                        problems.push(Problem::new(&file("en"), None, "check-video"));
                        None
                    }
                }
            }
            _ => {
                problems.push(Problem::new(&file("km"), None, "check-video-one-lang"));
                None
            }
        };
        let minutes = en.minutes.or(km.minutes).unwrap_or(0);
        let (Some(title_km), Some(title_en)) = (km.title, en.title) else {
            continue;
        };
        drafts.push(ChapterDraft {
            key,
            position,
            minutes,
            title: Bilingual {
                km: title_km,
                en: title_en,
            },
            markdown: Bilingual {
                km: km.body,
                en: en.body,
            },
            video,
            sections: en.sections,
        });
    }
    drafts
}

fn parse_chapter_file(
    path: &str,
    text: &str,
    media: &mut MediaChecker<'_>,
    problems: &mut Vec<Problem>,
) -> Option<ChapterFile> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(after_open) = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))
    else {
        problems.push(Problem::new(path, Some(1), "check-front-matter"));
        return None;
    };
    let Some(close) = after_open.find("\n+++") else {
        problems.push(Problem::new(path, Some(1), "check-front-matter"));
        return None;
    };
    let settings = &after_open[..close + 1];
    let body_start = close + "\n+++".len();
    let body = after_open[body_start..].trim_start_matches(['\r', '\n']);
    let body_line = line_at(text, text.len() - body.len());
    let front: FrontMatter = parse_toml(settings, path, 1, problems)?;
    let title = non_empty(&front.title);
    if title.is_none() {
        problems.push(Problem::new(path, Some(2), "check-chapter-title"));
    }
    let minutes = front.minutes.filter(|m| (1..=600).contains(m));
    if minutes.is_none() {
        problems.push(Problem::new(
            path,
            find_line(text, "minutes"),
            "check-minutes",
        ));
    }
    let video = front.video.map(|v| {
        if non_empty(&v.transcript).is_none() {
            problems.push(Problem::new(
                path,
                find_line(text, "[video]"),
                "check-video-transcript",
            ));
        }
        if non_empty(&v.url).is_none() || v.size_mb.is_none() {
            problems.push(Problem::new(
                path,
                find_line(text, "[video]"),
                "check-video",
            ));
        } else if let Some(url) = v.url.as_deref().filter(|url| !urls::allowed(url, path)) {
            problems.push(
                Problem::new(path, video_url_line(text), "check-url").with("url", shown(url)),
            );
        }
        (v.url, v.size_mb, v.transcript)
    });
    let sections = scan_markdown(path, body, body_line, media, problems);
    Some(ChapterFile {
        title,
        minutes,
        video,
        body: body.to_owned(),
        sections,
    })
}

/// The line of a chapter's `[video]` url: the first `url` setting after `[video]`.
fn video_url_line(text: &str) -> Option<usize> {
    let video = text.find("[video]")?;
    let after = &text[video..];
    let offset = after
        .match_indices("url")
        .find(|(i, _)| after[..*i].ends_with('\n') && after[i + 3..].trim_start().starts_with('='))
        .map_or(0, |(i, _)| i);
    Some(line_at(text, video + offset))
}

/// An address as quoted in a problem: control characters made visible, and not too long.
fn shown(url: &str) -> String {
    url.chars().take(80).flat_map(char::escape_debug).collect()
}

/// Raw HTML that could run code or change the page is refused (the rest is sanitised at
/// publish time anyway).
fn unsafe_html(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    const TAGS: [&str; 10] = [
        "<script", "<iframe", "<object", "<embed", "<style", "<form", "<input", "<link", "<meta",
        "<base",
    ];
    if TAGS.iter().any(|tag| lower.contains(tag)) || lower.contains("javascript:") {
        return true;
    }
    // An event attribute such as onclick= or onerror =
    lower.match_indices(" on").any(|(i, _)| {
        let rest = &lower[i + 3..];
        let name_len = rest.chars().take_while(char::is_ascii_alphabetic).count();
        name_len > 0 && rest[name_len..].trim_start().starts_with('=')
    })
}

/// Reports pictures and HTML problems; returns the explicit section ids.
fn scan_markdown(
    path: &str,
    body: &str,
    first_line: usize,
    media: &mut MediaChecker<'_>,
    problems: &mut Vec<Problem>,
) -> BTreeSet<String> {
    let mut sections = BTreeSet::new();
    let line = |offset: usize| Some(line_at(body, offset) + first_line - 1);
    let mut image: Option<(String, usize, String)> = None;
    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { id: Some(id), .. }) => {
                if !valid_key(&id) {
                    problems.push(
                        Problem::new(path, line(range.start), "check-section-id")
                            .with("section", id.to_string()),
                    );
                } else if !sections.insert(id.to_string()) {
                    problems.push(
                        Problem::new(path, line(range.start), "check-section-twice")
                            .with("section", id.to_string()),
                    );
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                image = Some((dest_url.to_string(), range.start, String::new()));
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, _, alt)) = image.as_mut() {
                    alt.push_str(&text);
                }
            }
            Event::End(TagEnd::Image) => {
                if let Some((dest, start, alt)) = image.take() {
                    if alt.trim().is_empty() {
                        problems.push(
                            Problem::new(path, line(start), "check-image-alt")
                                .with("image", dest.clone()),
                        );
                    }
                    media.check(&media_path(&dest), path, line(start), problems);
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) if link_type != LinkType::Email && !urls::allowed(&dest_url, path) => {
                problems.push(
                    Problem::new(path, line(range.start), "check-url")
                        .with("url", shown(&dest_url)),
                );
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                if unsafe_html(&html) {
                    problems.push(Problem::new(path, line(range.start), "check-unsafe-html"));
                }
                for url in urls::in_html(&html) {
                    if !urls::allowed(&url, path) {
                        problems.push(
                            Problem::new(path, line(range.start), "check-url")
                                .with("url", shown(&url)),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    sections
}

// --- Quizzes ------------------------------------------------------------------------------

fn check_practice_quizzes(
    files: &SourceFiles,
    chapters: &[ChapterDraft],
    sections: &HashMap<String, BTreeSet<String>>,
    problems: &mut Vec<Problem>,
) -> HashMap<String, Vec<Question>> {
    let mut quizzes = HashMap::new();
    for path in files.under("quizzes") {
        if path == FINAL_FILE {
            continue;
        }
        let name = &path["quizzes/".len()..];
        let parsed = name
            .strip_suffix(".toml")
            .and_then(|stem| chapter_name(&format!("{stem}.en.md")));
        let Some((position, key, _)) = parsed else {
            problems.push(Problem::new(path, None, "check-quiz-name"));
            continue;
        };
        if !chapters
            .iter()
            .any(|c| c.key == key && c.position == position)
        {
            problems
                .push(Problem::new(path, None, "check-quiz-unknown-chapter").with("chapter", key));
            continue;
        }
        let Some(text) = files.text(path) else {
            problems.push(Problem::new(path, None, "check-not-utf8"));
            continue;
        };
        let Some(quiz) = parse_toml::<QuizToml>(text, path, 0, problems) else {
            continue;
        };
        if quiz.questions.is_empty() {
            problems.push(Problem::new(path, None, "check-quiz-empty"));
        }
        let questions =
            check_questions(&quiz.questions, path, text, Some(&key), sections, problems);
        quizzes.insert(key, questions);
    }
    for chapter in chapters {
        let expected = format!("quizzes/{:02}-{}.toml", chapter.position, chapter.key);
        if files.get(&expected).is_none() {
            problems.push(
                Problem::new(&expected, None, "check-quiz-missing")
                    .with("chapter", chapter.key.clone()),
            );
        }
    }
    quizzes
}

fn check_final(
    files: &SourceFiles,
    sections: &HashMap<String, BTreeSet<String>>,
    problems: &mut Vec<Problem>,
) -> (Option<usize>, Vec<Question>) {
    let Some(text) = files.text(FINAL_FILE) else {
        problems.push(Problem::new(FINAL_FILE, None, "check-final-missing"));
        return (None, Vec::new());
    };
    let Some(quiz) = parse_toml::<QuizToml>(text, FINAL_FILE, 0, problems) else {
        return (None, Vec::new());
    };
    let questions = check_questions(&quiz.questions, FINAL_FILE, text, None, sections, problems);
    let per_attempt = match quiz.questions_per_attempt {
        None => None,
        Some(n) if n >= 1 && (n as usize) <= quiz.questions.len() => Some(n as usize),
        Some(_) => {
            problems.push(Problem::new(
                FINAL_FILE,
                find_line(text, "questions_per_attempt"),
                "check-per-attempt",
            ));
            None
        }
    };
    if quiz.questions.is_empty() {
        problems.push(Problem::new(FINAL_FILE, None, "check-quiz-empty"));
    }
    (per_attempt, questions)
}

fn check_questions(
    raw: &[QuestionToml],
    file: &str,
    text: &str,
    chapter: Option<&str>,
    sections: &HashMap<String, BTreeSet<String>>,
    problems: &mut Vec<Problem>,
) -> Vec<Question> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (index, question) in raw.iter().enumerate() {
        let id = non_empty(&question.id);
        let line = id
            .as_ref()
            .and_then(|id| find_line(text, &format!("\"{id}\"")))
            .or_else(|| {
                text.match_indices("[[questions]]")
                    .nth(index)
                    .map(|(o, _)| line_at(text, o))
            });
        let Some(id) = id.filter(|id| valid_key(id)) else {
            problems.push(Problem::new(file, line, "check-question-id"));
            continue;
        };
        if !seen.insert(id.clone()) {
            problems.push(
                Problem::new(file, line, "check-question-twice").with("question", id.clone()),
            );
        }
        let before = problems.len();
        let kind = question.kind.as_deref().and_then(QuestionKind::parse);
        if kind.is_none() {
            problems
                .push(Problem::new(file, line, "check-question-kind").with("question", id.clone()));
        }
        let chapter_key = match (chapter, &question.chapter) {
            (Some(own), _) => Some(own.to_owned()),
            (None, Some(named)) if sections.contains_key(named) => Some(named.clone()),
            (None, named) => {
                problems.push(
                    Problem::new(file, line, "check-question-chapter")
                        .with("question", id.clone())
                        .with("chapter", named.clone().unwrap_or_default()),
                );
                None
            }
        };
        let section = non_empty(&question.section);
        if let (Some(chapter_key), Some(section)) = (&chapter_key, &section) {
            if !sections
                .get(chapter_key)
                .is_some_and(|s| s.contains(section))
            {
                problems.push(
                    Problem::new(file, line, "check-question-section")
                        .with("question", id.clone())
                        .with("section", section.clone())
                        .with("chapter", chapter_key.clone()),
                );
            }
        } else if section.is_none() {
            problems.push(
                Problem::new(file, line, "check-question-no-section").with("question", id.clone()),
            );
        }
        let prompt = both(&question.prompt, file, line, "prompt", problems);
        let explanation = both(&question.explanation, file, line, "explanation", problems);
        let options = match kind {
            Some(QuestionKind::TrueFalse) => {
                true_false_options(question, file, line, &id, problems)
            }
            Some(kind) => check_options(question, kind, file, line, &id, problems),
            None => Vec::new(),
        };
        if problems.len() > before {
            continue;
        }
        if let (Some(kind), Some(chapter), Some(section), Some(prompt), Some(explanation)) =
            (kind, chapter_key, section, prompt, explanation)
        {
            out.push(Question {
                key: id,
                kind,
                chapter,
                section,
                prompt,
                explanation,
                options,
            });
        }
    }
    out
}

fn true_false_options(
    question: &QuestionToml,
    file: &str,
    line: Option<usize>,
    id: &str,
    problems: &mut Vec<Problem>,
) -> Vec<AnswerOption> {
    let Some(answer) = question.answer else {
        problems.push(Problem::new(file, line, "check-true-false-answer").with("question", id));
        return Vec::new();
    };
    if !question.options.is_empty() {
        problems.push(Problem::new(file, line, "check-true-false-options").with("question", id));
    }
    vec![
        AnswerOption {
            key: "true".into(),
            text: Bilingual {
                km: "ត្រូវ".into(),
                en: "True".into(),
            },
            correct: answer,
        },
        AnswerOption {
            key: "false".into(),
            text: Bilingual {
                km: "ខុស".into(),
                en: "False".into(),
            },
            correct: !answer,
        },
    ]
}

fn check_options(
    question: &QuestionToml,
    kind: QuestionKind,
    file: &str,
    line: Option<usize>,
    id: &str,
    problems: &mut Vec<Problem>,
) -> Vec<AnswerOption> {
    if question.answer.is_some() {
        problems.push(Problem::new(file, line, "check-answer-not-true-false").with("question", id));
    }
    if question.options.len() < 2 {
        problems.push(Problem::new(file, line, "check-options-few").with("question", id));
    }
    let mut keys = BTreeSet::new();
    let mut texts: [BTreeSet<String>; 2] = [BTreeSet::new(), BTreeSet::new()];
    let mut out = Vec::new();
    for option in &question.options {
        let Some(key) = non_empty(&option.id).filter(|k| valid_key(k)) else {
            problems.push(Problem::new(file, line, "check-option-id").with("question", id));
            continue;
        };
        if !keys.insert(key.clone()) {
            problems.push(
                Problem::new(file, line, "check-option-twice")
                    .with("question", id)
                    .with("option", key.clone()),
            );
        }
        let text = Texts {
            km: option.km.clone(),
            en: option.en.clone(),
        };
        let Some(text) = both(&text, file, line, "option", problems) else {
            continue;
        };
        for (seen, value) in texts.iter_mut().zip([&text.km, &text.en]) {
            if !seen.insert(value.to_lowercase()) {
                problems.push(
                    Problem::new(file, line, "check-option-same-text")
                        .with("question", id)
                        .with("option", key.clone()),
                );
            }
        }
        out.push(AnswerOption {
            key,
            text,
            correct: option.correct,
        });
    }
    let correct = question.options.iter().filter(|o| o.correct).count();
    if correct == 0 {
        problems.push(Problem::new(file, line, "check-no-correct").with("question", id));
    } else if kind == QuestionKind::Single && correct > 1 {
        problems.push(Problem::new(file, line, "check-single-many-correct").with("question", id));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
