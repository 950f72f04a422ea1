//! The final assessment: its page, starting an attempt, one question per page (answers are
//! saved as they are given), review, submission and the result. No JavaScript needed.

use actix_web::{HttpResponse, web};

use super::error::WebError;
use super::extract::{CsrfForm, NoFields, SignedIn};
use super::render::see_other;
use crate::learning::CourseVersion;
use crate::model::ids::AttemptId;
use crate::quizzes::attempts;

async fn current(ctx: &super::extract::Ctx, slug: String) -> Result<CourseVersion, WebError> {
    attempts::course_version(&ctx.state.db, slug)
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn overview(
    signed_in: SignedIn,
    slug: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    let version = current(&ctx, slug.into_inner()).await?;
    attempts::settle(
        &ctx.state.db,
        &ctx.state.certificates,
        viewer.user.id,
        version.clone(),
        ctx.state.now(),
    )
    .await?;
    let standing = attempts::standing(
        &ctx.state.db,
        viewer.user.id,
        version.clone(),
        ctx.state.now(),
    )
    .await?;
    let used = standing.attempts.len();
    ctx.render_page(
        "final/overview.html",
        &OverviewPage {
            course: version,
            standing,
            used,
        },
    )
}

/// The final assessment's front page: the course, the learner's standing in it, and how
/// many attempts they have used.
#[derive(serde::Serialize)]
struct OverviewPage {
    course: CourseVersion,
    standing: attempts::Standing,
    used: usize,
}

pub async fn start(
    signed_in: SignedIn,
    slug: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    let version = current(&ctx, slug.into_inner()).await?;
    let base = format!("/courses/{}/final", version.slug);
    let id = attempts::start(&ctx.state.db, viewer.user.id, version, ctx.state.now()).await?;
    Ok(see_other(format!("{base}/{id}/q/1")))
}

pub async fn question(
    signed_in: SignedIn,
    path: web::Path<(String, AttemptId, usize)>,
) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    let (slug, id, number) = path.into_inner();
    let course = current(&ctx, slug.clone()).await?.course_id;
    let (attempt, pool) = attempts::load(&ctx.state.db, viewer.user.id, course, id).await?;
    if attempt.submitted_at.is_some() {
        return Ok(see_other(format!("/courses/{slug}/final/{id}/result")));
    }
    let asked = attempts::asked(&attempt, &pool, number).ok_or(WebError::NotFound)?;
    ctx.render_page(
        "final/question.html",
        &QuestionPage {
            base: format!("/courses/{slug}/final/{id}"),
            asked,
        },
    )
}

/// What a question's page shows: where its attempt lives, and the question as asked.
#[derive(serde::Serialize)]
struct QuestionPage<'a> {
    base: String,
    #[serde(flatten)]
    asked: attempts::AskedQuestion<'a>,
}

pub async fn save(
    signed_in: SignedIn,
    path: web::Path<(String, AttemptId, usize)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    let (slug, id, number) = path.into_inner();
    let course = current(&ctx, slug.clone()).await?.course_id;
    let index = number.checked_sub(1).ok_or(WebError::NotFound)?;
    let chosen = fields
        .iter()
        .filter(|(name, _)| name == "answer")
        .map(|(_, value)| value.clone())
        .collect();
    attempts::answer(
        &ctx.state.db,
        viewer.user.id,
        course,
        id,
        index,
        chosen,
        ctx.state.now(),
    )
    .await?;
    let go_back = fields.iter().any(|(name, _)| name == "back");
    let (attempt, _) = attempts::load(&ctx.state.db, viewer.user.id, course, id).await?;
    let next = if go_back {
        number.saturating_sub(1).max(1)
    } else {
        number + 1
    };
    Ok(if !go_back && next > attempt.draw.questions.len() {
        see_other(format!("/courses/{slug}/final/{id}/review"))
    } else {
        see_other(format!("/courses/{slug}/final/{id}/q/{next}"))
    })
}

pub async fn review(
    signed_in: SignedIn,
    path: web::Path<(String, AttemptId)>,
) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    let (slug, id) = path.into_inner();
    let course = current(&ctx, slug.clone()).await?.course_id;
    let (attempt, _) = attempts::load(&ctx.state.db, viewer.user.id, course, id).await?;
    if attempt.submitted_at.is_some() {
        return Ok(see_other(format!("/courses/{slug}/final/{id}/result")));
    }
    let answered: Vec<bool> = attempt
        .draw
        .questions
        .iter()
        .map(|q| attempt.answers.get(&q.key).is_some_and(|c| !c.is_empty()))
        .collect();
    let missing = answered.iter().filter(|a| !**a).count();
    ctx.render_page(
        "final/review.html",
        &ReviewPage {
            base: format!("/courses/{slug}/final/{id}"),
            answered,
            missing,
        },
    )
}

/// The page before submitting: which questions have an answer, and how many do not.
#[derive(serde::Serialize)]
struct ReviewPage {
    base: String,
    answered: Vec<bool>,
    missing: usize,
}

pub async fn submit(
    signed_in: SignedIn,
    path: web::Path<(String, AttemptId)>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    let (slug, id) = path.into_inner();
    let version = current(&ctx, slug.clone()).await?;
    attempts::submit(
        &ctx.state.db,
        &ctx.state.certificates,
        viewer.user.id,
        id,
        version,
        ctx.state.now(),
    )
    .await?;
    // A pass queues the certificate notice: send it now rather than at the next round.
    ctx.state.jobs.wake();
    Ok(see_other(format!("/courses/{slug}/final/{id}/result")))
}

pub async fn result(
    signed_in: SignedIn,
    path: web::Path<(String, AttemptId)>,
) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    let (slug, id) = path.into_inner();
    let course = current(&ctx, slug.clone()).await?.course_id;
    let (attempt, pool) = attempts::load(&ctx.state.db, viewer.user.id, course, id).await?;
    if attempt.submitted_at.is_none() {
        return Ok(see_other(format!("/courses/{slug}/final/{id}/review")));
    }
    let version = current(&ctx, slug.clone()).await?;
    let standing = attempts::standing(
        &ctx.state.db,
        viewer.user.id,
        version.clone(),
        ctx.state.now(),
    )
    .await?;
    let reviewed = attempts::review(&pool, &attempt);
    let missed: Vec<_> = reviewed.iter().filter(|r| !r.correct).collect();
    ctx.render_page(
        "final/result.html",
        &ResultPage {
            course: version,
            attempt: &attempt,
            missed,
            standing,
        },
    )
}

/// A submitted attempt's result: its score, the questions missed (without the right
/// answers) and what the learner may do next.
#[derive(serde::Serialize)]
struct ResultPage<'a> {
    course: CourseVersion,
    attempt: &'a attempts::Attempt,
    missed: Vec<&'a attempts::Reviewed<'a>>,
    standing: attempts::Standing,
}
