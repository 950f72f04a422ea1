//! Learners: the catalogue, a course, a chapter, "I have read it — next", the practice
//! check, my learning, and print views. Everything works without an account; signed in,
//! progress is kept. Each handler calls one use case of `learning` (the practice check: of
//! `quizzes::practice`) and renders its page from one `Serialize` struct.

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::error::WebError;
use super::extract::{Claimed, ClaimedBySomeone, CsrfForm, Ctx, NoFields, SignedIn};
use super::render::{self, see_other};
use crate::courses::prepare::SectionTitles;
use crate::courses::{Question, Video};
use crate::learning::{
    self, CatalogueEntry, ChapterAddress, ChapterSummary, Confirmed, CourseOverview, CourseVersion,
    Printable, Reading, Visit,
};
use crate::quizzes::{self, Feedback, practice};

#[derive(serde::Deserialize)]
pub struct Search {
    q: Option<String>,
}

#[derive(Serialize)]
struct CataloguePage {
    entries: Vec<CatalogueEntry>,
    /// What was searched for.
    q: String,
}

pub async fn catalogue(ctx: Ctx, query: web::Query<Search>) -> Result<HttpResponse, WebError> {
    let q = query.into_inner().q.unwrap_or_default();
    let entries = learning::catalogue(&ctx.state.db, q.clone()).await?;
    ctx.render(
        "learner/catalogue.html",
        &ctx.page_with(&CataloguePage { entries, q })?,
    )
}

#[derive(Serialize)]
struct CoursePage {
    #[serde(flatten)]
    overview: CourseOverview,
    /// The course's address, to share.
    url: String,
}

pub async fn course(ctx: Ctx, slug: web::Path<String>) -> Result<HttpResponse, WebError> {
    let learner = ctx.viewer.as_ref().map(|v| v.user.id);
    let overview = learning::course_overview(&ctx.state.db, slug.into_inner(), learner).await?;
    let url = ctx
        .state
        .settings
        .absolute_url(&format!("/courses/{}", overview.course.slug));
    ctx.render(
        "learner/course.html",
        &ctx.page_with(&CoursePage { overview, url })?,
    )
}

/// The chapter page: everything but the chapter's text, which `render_with_body` places.
#[derive(Serialize)]
struct ChapterPage<'a> {
    course: &'a CourseVersion,
    chapter: ChapterHead<'a>,
    /// Where the text goes.
    body: &'static str,
    /// The course's address, which chapter links start from.
    base: String,
    sections: &'a [SectionTitles],
    video: &'a Option<Video>,
    practice: &'a [Question],
    previous: Option<&'a ChapterSummary>,
    next: Option<&'a ChapterSummary>,
    total: usize,
}

/// What the chapter page's template needs of the chapter besides its text.
#[derive(Serialize)]
struct ChapterHead<'a> {
    key: &'a str,
    position: i32,
    title_km: &'a str,
    title_en: &'a str,
}

impl<'a> ChapterPage<'a> {
    fn of(reading: &'a Reading) -> Self {
        let content = &reading.content;
        Self {
            course: &reading.version,
            chapter: ChapterHead {
                key: &content.view.key,
                position: content.view.position,
                title_km: &content.view.title_km,
                title_en: &content.view.title_en,
            },
            body: render::BODY_MARK,
            base: format!("/courses/{}", reading.version.slug),
            sections: &content.sections,
            video: &content.video,
            practice: &content.practice,
            previous: reading.previous(),
            next: reading.next(),
            total: content.chapters.len(),
        }
    }
}

pub async fn chapter(
    claimed: Claimed,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (slug, key) = path.into_inner();
    // Saving a course for offline reading fetches every chapter: that is not opening them.
    let visit = if req.query_string().split('&').any(|pair| pair == "saving=1") {
        Visit::SaveOffline
    } else {
        Visit::Read
    };
    let state = claimed.state().clone();
    let at = ChapterAddress { slug, key };
    let Confirmed { viewer, outcome } = learning::read_chapter(
        &state.db,
        &state.published,
        claimed.confirmation(),
        at,
        visit,
        state.now(),
    )
    .await?;
    let ctx = claimed.confirmed(viewer);
    let reading = outcome?;
    let view = &reading.content.view;
    // A published version never changes: its number and the chapter name the text.
    let tag = format!("{}/{}", reading.version.version_id, view.key);
    let page = ctx.page_with(&ChapterPage::of(&reading))?;
    ctx.render_with_body("learner/chapter.html", &page, view.html(ctx.lang), &tag)
}

/// "I have read this chapter": recorded once, then on to the next chapter.
pub async fn mark_read(
    signed_in: ClaimedBySomeone,
    path: web::Path<(String, String)>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let ClaimedBySomeone { claimed, claim } = signed_in;
    let (slug, key) = path.into_inner();
    let state = claimed.state().clone();
    let at = ChapterAddress { slug, key };
    let confirm = claim.confirmation();
    let next = learning::mark_read(&state.db, &state.published, confirm, at, state.now()).await?;
    let Some(next) = next else {
        let required = claimed.sign_in_required();
        claimed.confirmed(None);
        return Err(required);
    };
    Ok(see_other(match next.chapter {
        Some(key) => format!("/courses/{}/{key}", next.slug),
        None => format!("/courses/{}#final", next.slug),
    }))
}

pub async fn my(signed_in: SignedIn) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    let state = &ctx.state;
    let mine =
        learning::my_learning(&state.db, &state.certificates, viewer.user.id, state.now()).await?;
    ctx.render("learner/my.html", &ctx.page_with(&mine)?)
}

pub async fn print_course(ctx: Ctx, slug: web::Path<String>) -> Result<HttpResponse, WebError> {
    print(ctx, slug.into_inner(), None).await
}

pub async fn print_chapter(
    ctx: Ctx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (slug, key) = path.into_inner();
    print(ctx, slug, Some(key)).await
}

#[derive(Serialize)]
struct PrintPage {
    #[serde(flatten)]
    printable: Printable,
    /// The address printed on every page, so an old printout shows that it is old.
    url: String,
}

/// The course (or one chapter) as one document for paper. Every printed page names the
/// course, its version, the publication date and the address, so an old printout shows
/// that it is old.
async fn print(ctx: Ctx, slug: String, only: Option<String>) -> Result<HttpResponse, WebError> {
    let printable = learning::printable(&ctx.state.db, slug, only).await?;
    let course = &printable.course.slug;
    let path = match printable.chapters.as_slice() {
        [one] if ctx.here.contains(&format!("/{}/print", one.key)) => {
            format!("/courses/{course}/{}", one.key)
        }
        _ => format!("/courses/{course}"),
    };
    let url = ctx.state.settings.absolute_url(&path);
    ctx.render(
        "learner/print.html",
        &ctx.page_with(&PrintPage { printable, url })?,
    )
}

/// What to save for reading a course offline: its pages, the pictures they show, the
/// stylesheet and the font.
pub async fn offline_manifest(ctx: Ctx, slug: web::Path<String>) -> Result<HttpResponse, WebError> {
    let mut urls = learning::offline_urls(&ctx.state.db, slug.into_inner()).await?;
    urls.extend(ctx.state.assets.offline_urls());
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "private, no-cache"))
        .json(serde_json::json!({ "urls": urls })))
}

/// The practice check's answer page.
#[derive(Serialize)]
struct CheckPage<'a> {
    /// The course's address, which chapter links start from.
    base: String,
    course: &'a CourseVersion,
    chapter: &'a ChapterSummary,
    feedback: Vec<Feedback<'a>>,
    /// Every question was answered: the chapter is complete.
    complete: bool,
    next: Option<&'a ChapterSummary>,
}

impl<'a> CheckPage<'a> {
    fn of(checked: &'a practice::Checked) -> Self {
        let reading = &checked.reading;
        Self {
            base: format!("/courses/{}", reading.version.slug),
            course: &reading.version,
            chapter: reading.chapter(),
            feedback: checked.feedback(),
            complete: checked.complete,
            next: reading.next(),
        }
    }
}

/// The practice check at the end of a chapter, answered with a GET form: anyone may check
/// their answers, and nothing is recorded.
pub async fn check(
    claimed: Claimed,
    path: web::Path<(String, String)>,
    fields: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let (slug, key) = path.into_inner();
    let answers = quizzes::answers_from_form(&fields);
    let state = claimed.state().clone();
    let at = ChapterAddress { slug, key };
    let (viewer, checked) = practice::check(
        &state.db,
        &state.published,
        claimed.confirmation(),
        at,
        answers,
    )
    .await?;
    let ctx = claimed.confirmed(viewer);
    ctx.render(
        "learner/check.html",
        &ctx.page_with(&CheckPage::of(&checked))?,
    )
}

/// The practice check posted by a signed-in learner: answering every question completes
/// the chapter, once.
pub async fn answer(
    claimed: Claimed,
    path: web::Path<(String, String)>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let Some(claim) = claimed.claim() else {
        return Err(WebError::Csrf);
    };
    let (slug, key) = path.into_inner();
    let answers = quizzes::answers_from_form(&form.0);
    let state = claimed.state().clone();
    let at = ChapterAddress { slug, key };
    let confirm = claim.confirmation();
    let now = state.now();
    match practice::answer(&state.db, &state.published, confirm, at, answers, now).await? {
        Some((viewer, checked)) => {
            let ctx = claimed.confirmed(Some(viewer));
            ctx.render(
                "learner/check.html",
                &ctx.page_with(&CheckPage::of(&checked))?,
            )
        }
        // The session no longer holds: as if it had never been signed in.
        None => {
            claimed.confirmed(None);
            Err(WebError::Csrf)
        }
    }
}
