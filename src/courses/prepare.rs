//! Everything a learner will be sent, made once at publish time: chapter HTML in both
//! languages with their tables of contents, and every picture at its published sizes.

use std::collections::{BTreeSet, HashMap};

use pulldown_cmark::{Event, Parser, Tag};
use serde::{Deserialize, Serialize};

use super::check::markdown_options;
use super::images::{self, MediaFile, Picture};
use super::markdown::{self, Section};
use super::{Bilingual, CourseMeta, CourseSource, Problem, Question, Video};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionTitles {
    pub id: String,
    pub title: Bilingual,
}

#[derive(Debug, Clone)]
pub struct PreparedChapter {
    pub key: String,
    pub position: i32,
    pub minutes: i64,
    pub title: Bilingual,
    pub html: Bilingual,
    pub sections: Vec<SectionTitles>,
    pub video: Option<Video>,
    pub practice: Vec<Question>,
    pub content_hash: String,
}

#[derive(Debug, Clone)]
pub struct PreparedVersion {
    pub meta: CourseMeta,
    pub content_hash: String,
    pub chapters: Vec<PreparedChapter>,
    pub final_questions: Vec<Question>,
    pub media: Vec<MediaFile>,
}

fn referenced_pictures(markdown: &str, into: &mut BTreeSet<String>) {
    for event in Parser::new_ext(markdown, markdown_options()) {
        if let Event::Start(Tag::Image { dest_url, .. }) = event {
            let path = dest_url.trim_start_matches("./").trim_start_matches("../");
            into.insert(path.to_owned());
        }
    }
}

/// Renders and resizes. CPU-bound: call it from the blocking pool.
pub fn prepare(source: &CourseSource) -> Result<PreparedVersion, Vec<Problem>> {
    let mut paths = BTreeSet::new();
    for chapter in &source.chapters {
        referenced_pictures(&chapter.markdown.km, &mut paths);
        referenced_pictures(&chapter.markdown.en, &mut paths);
    }

    let mut pictures: HashMap<String, Picture> = HashMap::new();
    let mut media: Vec<MediaFile> = Vec::new();
    let mut problems = Vec::new();
    for path in &paths {
        let Some(bytes) = source.files.get(path) else {
            problems
                .push(Problem::new(path, None, "check-image-missing").with("image", path.clone()));
            continue;
        };
        match images::process(path, bytes) {
            Ok((picture, files)) => {
                pictures.insert(path.clone(), picture);
                for file in files {
                    if !media.iter().any(|m| m.hash == file.hash) {
                        media.push(file);
                    }
                }
            }
            Err(message) => {
                problems.push(Problem::new(path, None, message).with("image", path.clone()))
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let chapters = source
        .chapters
        .iter()
        .map(|chapter| {
            let km = markdown::render(&chapter.markdown.km, &pictures);
            let en = markdown::render(&chapter.markdown.en, &pictures);
            PreparedChapter {
                key: chapter.key.clone(),
                position: chapter.position,
                minutes: chapter.minutes,
                title: chapter.title.clone(),
                sections: pair_sections(&km.sections, &en.sections),
                html: Bilingual {
                    km: km.html,
                    en: en.html,
                },
                video: chapter.video.clone(),
                practice: chapter.practice.clone(),
                content_hash: chapter.content_hash.clone(),
            }
        })
        .collect();
    Ok(PreparedVersion {
        meta: source.meta.clone(),
        content_hash: source.content_hash.clone(),
        chapters,
        final_questions: source.final_questions.clone(),
        media,
    })
}

/// Sections by id, in the English order, with both titles.
fn pair_sections(km: &[Section], en: &[Section]) -> Vec<SectionTitles> {
    en.iter()
        .map(|section| SectionTitles {
            id: section.id.clone(),
            title: Bilingual {
                km: km
                    .iter()
                    .find(|k| k.id == section.id)
                    .map_or_else(|| section.title.clone(), |k| k.title.clone()),
                en: section.title.clone(),
            },
        })
        .collect()
}
