//! Chapter files: their names, front matter, both languages, and what their Markdown may hold.

use std::collections::{BTreeMap, BTreeSet};

use pulldown_cmark::{Event, LinkType, Parser, Tag, TagEnd};
use sha2::{Digest, Sha256};

use super::media::{MediaChecker, media_path};
use super::{LANGS, both, find_line, line_at, markdown_options, non_empty, parse_toml, valid_key};
use crate::courses::format::{FrontMatter, Texts};
use crate::courses::source::{SourceFiles, hex};
use crate::courses::{Bilingual, ChapterSource, Problem, Question, Video, urls};

// --- Chapters -----------------------------------------------------------------------------

pub(super) struct ChapterDraft {
    pub(super) key: String,
    pub(super) position: i32,
    pub(super) minutes: i64,
    pub(super) title: Bilingual,
    pub(super) markdown: Bilingual,
    pub(super) video: Option<Video>,
    pub(super) sections: BTreeSet<String>,
}

impl ChapterDraft {
    pub(super) fn finish(self, practice: Vec<Question>, files: &SourceFiles) -> ChapterSource {
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
pub(super) fn chapter_name(name: &str) -> Option<(i32, String, String)> {
    let stem = name.strip_suffix(".md")?;
    let (rest, lang) = stem.rsplit_once('.')?;
    let (number, key) = rest.split_once('-')?;
    if number.len() != 2 || !number.chars().all(|c| c.is_ascii_digit()) || !valid_key(key) {
        return None;
    }
    Some((number.parse().ok()?, key.to_owned(), lang.to_owned()))
}

/// One language file of a chapter.
pub(super) struct ChapterFile {
    pub(super) title: Option<String>,
    pub(super) minutes: Option<i64>,
    pub(super) video: Option<(Option<String>, Option<f64>, Option<String>)>,
    pub(super) body: String,
    pub(super) sections: BTreeSet<String>,
}

pub(super) fn check_chapters(
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

pub(super) fn parse_chapter_file(
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
pub(super) fn video_url_line(text: &str) -> Option<usize> {
    let video = text.find("[video]")?;
    let after = &text[video..];
    let offset = after
        .match_indices("url")
        .find(|(i, _)| after[..*i].ends_with('\n') && after[i + 3..].trim_start().starts_with('='))
        .map_or(0, |(i, _)| i);
    Some(line_at(text, video + offset))
}

/// An address as quoted in a problem: control characters made visible, and not too long.
pub(super) fn shown(url: &str) -> String {
    url.chars().take(80).flat_map(char::escape_debug).collect()
}

/// Raw HTML that could run code or change the page is refused (the rest is sanitised at
/// publish time anyway).
pub(super) fn unsafe_html(html: &str) -> bool {
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
pub(super) fn scan_markdown(
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
