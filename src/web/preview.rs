//! A draft, exactly as learners will read it, behind a private link.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::error::WebError;
use super::extract::Ctx;
use crate::courses::{self, ChapterView, VersionHead};

/// Everything the preview pages need from one version.
async fn load(ctx: &Ctx, token: String) -> Result<(VersionHead, Vec<ChapterView>), WebError> {
    courses::preview(&ctx.state.db, &token)
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn course(ctx: Ctx, token: web::Path<String>) -> Result<HttpResponse, WebError> {
    let token = token.into_inner();
    let (version, chapters) = load(&ctx, token.clone()).await?;
    ctx.render_page(
        "preview/course.html",
        &CoursePage {
            base: format!("/preview/{token}"),
            version,
            chapters,
        },
    )
}

/// A draft's front page: its heading and chapters, under its private link.
#[derive(Serialize)]
struct CoursePage {
    base: String,
    version: VersionHead,
    chapters: Vec<ChapterView>,
}

/// A chapter of the draft, on the learner's chapter template.
#[derive(Serialize)]
struct ChapterPage<'a> {
    preview: bool,
    base: String,
    course: Titled<'a>,
    chapter: &'a ChapterView,
    body: &'a str,
    sections: Vec<crate::courses::prepare::SectionTitles>,
    previous: Option<Link<'a>>,
    next: Option<Link<'a>>,
    total: usize,
}

#[derive(Serialize)]
struct Titled<'a> {
    title: Bilingual<'a>,
}

#[derive(Serialize)]
struct Bilingual<'a> {
    km: &'a str,
    en: &'a str,
}

/// A neighbouring chapter to link to.
#[derive(Serialize)]
struct Link<'a> {
    key: &'a str,
    title: Bilingual<'a>,
}

impl<'a> Link<'a> {
    fn to(chapter: &'a ChapterView) -> Self {
        Self {
            key: &chapter.key,
            title: Bilingual {
                km: &chapter.title_km,
                en: &chapter.title_en,
            },
        }
    }
}

pub async fn chapter(
    ctx: Ctx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (token, key) = path.into_inner();
    let (head, chapters) = load(&ctx, token.clone()).await?;
    let index = chapters
        .iter()
        .position(|c| c.key == key)
        .ok_or(WebError::NotFound)?;
    let chapter = &chapters[index];
    let sections: Vec<crate::courses::prepare::SectionTitles> =
        serde_json::from_str(&chapter.sections).map_err(|e| WebError::Internal(e.to_string()))?;
    let previous = index.checked_sub(1).and_then(|i| chapters.get(i));
    ctx.render_page(
        "learner/chapter.html",
        &ChapterPage {
            preview: true,
            base: format!("/preview/{token}"),
            course: Titled {
                title: Bilingual {
                    km: &head.title_km,
                    en: &head.title_en,
                },
            },
            chapter,
            body: chapter.html(ctx.lang),
            sections,
            previous: previous.map(Link::to),
            next: chapters.get(index + 1).map(Link::to),
            total: chapters.len(),
        },
    )
}
