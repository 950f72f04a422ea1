//! A draft, exactly as learners will read it, behind a private link.

use actix_web::{HttpResponse, web};

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
    let (head, chapters) = load(&ctx, token.clone()).await?;
    let mut page = ctx.page();
    page.insert("base", &format!("/preview/{token}"));
    page.insert("version", &head);
    page.insert("chapters", &chapters);
    ctx.render("preview/course.html", &page)
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
    let mut page = ctx.page();
    page.insert("preview", &true);
    page.insert("base", &format!("/preview/{token}"));
    page.insert(
        "course",
        &serde_json::json!({"title": {"km": head.title_km, "en": head.title_en}}),
    );
    page.insert("chapter", chapter);
    page.insert("body", chapter.html(ctx.lang));
    page.insert("sections", &sections);
    let link = |c: &ChapterView| serde_json::json!({"key": c.key, "title": {"km": c.title_km, "en": c.title_en}});
    let previous = index.checked_sub(1).and_then(|i| chapters.get(i));
    page.insert("previous", &previous.map(link));
    page.insert("next", &chapters.get(index + 1).map(link));
    page.insert("total", &chapters.len());
    ctx.render("learner/chapter.html", &page)
}
