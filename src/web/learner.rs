//! Learners: the catalogue, a course, a chapter, "I have read it — next", my learning, and
//! print views. Everything works without an account; signed in, progress is kept.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::error::WebError;
use super::extract::{Claimed, ClaimedBySomeone, CsrfForm, Ctx, NoFields, SignedIn};
use super::{published, render};
use crate::accounts::UserId;
use crate::db::learning::Place;
use crate::db::{self, DbError};
use crate::learning::{self, ChapterState, ChapterSummary, CourseVersion, Step};

#[derive(serde::Deserialize)]
pub struct Search {
    q: Option<String>,
}

#[derive(Serialize)]
struct CatalogueEntry {
    course: CourseVersion,
    chapters: i64,
    minutes: i64,
    /// Kilobytes, rounded up.
    offline_kb: i64,
}

pub async fn catalogue(ctx: Ctx, query: web::Query<Search>) -> Result<HttpResponse, WebError> {
    let search = query.q.clone().unwrap_or_default();
    let term = search.clone();
    let entries = ctx
        .state
        .db
        .read(move |conn| {
            let courses = db::learning::catalogue(conn, Some(&term))?;
            let ids: Vec<i64> = courses.iter().map(|c| c.version_id).collect();
            let counts = db::learning::chapter_counts(conn, &ids)?;
            let sizes = db::learning::offline_sizes(conn, &ids)?;
            Ok::<_, DbError>(
                courses
                    .into_iter()
                    .map(|course| {
                        let (chapters, minutes) =
                            counts.get(&course.version_id).copied().unwrap_or_default();
                        CatalogueEntry {
                            offline_kb: (sizes
                                .get(&course.version_id)
                                .copied()
                                .unwrap_or_default()
                                + 1023)
                                / 1024,
                            course,
                            chapters,
                            minutes,
                        }
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    let mut page = ctx.page();
    page.insert("entries", &entries);
    page.insert("q", &search);
    ctx.render("learner/catalogue.html", &page)
}

/// A chapter in the course list, with this learner's state.
#[derive(Serialize)]
struct ChapterLine<'a> {
    chapter: &'a ChapterSummary,
    state: ChapterState,
}

/// The current version, its chapters, and (signed in) the learner's states and last place.
async fn course_and_states(
    ctx: &Ctx,
    slug: String,
) -> Result<
    (
        CourseVersion,
        Vec<ChapterSummary>,
        Vec<ChapterState>,
        Option<String>,
    ),
    WebError,
> {
    let user = ctx.viewer.as_ref().map(|v| v.user.id);
    ctx.state
        .db
        .read(move |conn| {
            let Some((version, chapters)) = db::learning::current_with_chapters(conn, &slug)?
            else {
                return Ok::<_, DbError>(None);
            };
            let (states, last) = match user {
                Some(user) => {
                    let progress = db::learning::progress(conn, user, version.course_id)?;
                    let last = db::learning::last_chapter(conn, user, version.course_id)?;
                    (learning::states(&chapters, &progress), last)
                }
                None => (vec![ChapterState::NotStarted; chapters.len()], None),
            };
            Ok(Some((version, chapters, states, last)))
        })
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn course(ctx: Ctx, slug: web::Path<String>) -> Result<HttpResponse, WebError> {
    let (version, chapters, states, last) = course_and_states(&ctx, slug.into_inner()).await?;
    let lines: Vec<ChapterLine<'_>> = chapters
        .iter()
        .zip(states.iter())
        .map(|(chapter, state)| ChapterLine {
            chapter,
            state: *state,
        })
        .collect();
    let next = learning::continue_at(&chapters, &states, last.as_deref());
    let mut page = ctx.page();
    page.insert("course", &version);
    page.insert("chapters", &lines);
    page.insert("continue_at", &next.map(|c| &c.key));
    page.insert("started", &last.is_some());
    page.insert("percent", &learning::percent_done(&states));
    page.insert(
        "url",
        &ctx.state
            .settings
            .absolute_url(&format!("/courses/{}", version.slug)),
    );
    ctx.render("learner/course.html", &page)
}

pub async fn chapter(
    claimed: Claimed,
    req: actix_web::HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (slug, key) = path.into_inner();
    // Saving a course for offline reading fetches every chapter: that is not opening them.
    let saving = req.query_string().split('&').any(|pair| pair == "saving=1");
    let claim = claimed.claim();
    let now = claimed.state().now();
    let wanted = key.clone();
    let state = claimed.state().clone();
    let (viewer, found) = claimed
        .state()
        .db
        .lookup(move |conn| {
            let viewer = claim
                .map(|claim| claim.confirm(conn))
                .transpose()?
                .flatten();
            let user = viewer.as_ref().map(|v| v.user.id).filter(|_| !saving);
            let found = match user {
                Some(user) => current_chapter_standing(&state, conn, &slug, &wanted, user, now)?
                    .map(|(version, content, before)| (version, content, Some((user, before)))),
                None => current_chapter(&state, conn, &slug, &wanted)?
                    .map(|(version, content)| (version, content, None)),
            };
            let Some((version, content, standing)) = found else {
                return Ok::<_, DbError>((viewer, None));
            };
            // A learner reading on (or reloading) a chapter they are already at needs no
            // write: last activity is kept to within `learning::ACTIVITY_STEP`.
            let to_record = match (
                standing,
                content.chapters.iter().position(|c| c.key == wanted),
            ) {
                (Some((user, before)), Some(index)) => (!before.has(Step::Opened)).then(|| {
                    ChapterStep::new(user, &version, &content, index, Step::Opened, before).0
                }),
                _ => None,
            };
            Ok((viewer, Some((version, content, to_record))))
        })
        .await?;
    let ctx = claimed.confirmed(viewer);
    let (version, content, to_record) = found.ok_or(WebError::NotFound)?;
    let chapters = &content.chapters;
    let index = chapters
        .iter()
        .position(|c| c.key == key)
        .unwrap_or_default();
    if let Some(step) = to_record {
        ctx.state
            .db
            .write(move |conn| step.record(conn, now))
            .await?;
    }
    let (chapter, sections, video, practice) = (
        &content.view,
        &content.sections,
        &content.video,
        &content.practice,
    );
    let mut page = ctx.page();
    page.insert("video", &video);
    page.insert("practice", &practice);
    page.insert("base", &format!("/courses/{}", version.slug));
    page.insert("course", &version);
    page.insert("chapter", &ChapterHead::of(chapter));
    page.insert("body", render::BODY_MARK);
    page.insert("sections", &sections);
    page.insert(
        "previous",
        &index.checked_sub(1).and_then(|i| chapters.get(i)),
    );
    page.insert("next", &chapters.get(index + 1));
    page.insert("total", &chapters.len());
    // A published version never changes: its number and the chapter name the text.
    let tag = format!("{}/{}", version.version_id, chapter.key);
    ctx.render_with_body("learner/chapter.html", &page, chapter.html(ctx.lang), &tag)
}

/// What the chapter page's template needs of the chapter besides its text.
#[derive(Serialize)]
struct ChapterHead<'a> {
    key: &'a str,
    position: i32,
    title_km: &'a str,
    title_en: &'a str,
}

impl<'a> ChapterHead<'a> {
    fn of(chapter: &'a db::courses::ChapterView) -> Self {
        Self {
            key: &chapter.key,
            position: chapter.position,
            title_km: &chapter.title_km,
            title_en: &chapter.title_en,
        }
    }
}

/// The current version of a course and one of its chapters as published: from memory
/// after the first time.
fn current_chapter(
    state: &crate::web::state::AppState,
    conn: &mut db::DbConnection,
    slug: &str,
    key: &str,
) -> Result<Option<(CourseVersion, std::sync::Arc<published::Chapter>)>, DbError> {
    let Some(version) = db::learning::current_version(conn, slug)? else {
        return Ok(None);
    };
    Ok(chapter_content(state, conn, &version, key)?.map(|content| (version, content)))
}

/// As [`current_chapter`], with where `user` stands in the chapter, read in the same query
/// as the version.
fn current_chapter_standing(
    state: &crate::web::state::AppState,
    conn: &mut db::DbConnection,
    slug: &str,
    key: &str,
    user: UserId,
    now: chrono::NaiveDateTime,
) -> Result<Option<CurrentChapter>, DbError> {
    let Some((version, before)) = db::learning::current_version_standing(
        conn,
        slug,
        key,
        user,
        now - learning::ACTIVITY_STEP,
    )?
    else {
        return Ok(None);
    };
    Ok(chapter_content(state, conn, &version, key)?.map(|content| (version, content, before)))
}

/// A course's current version, one of its chapters as published, and where a learner
/// stands in it.
type CurrentChapter = (
    CourseVersion,
    std::sync::Arc<published::Chapter>,
    db::learning::Standing,
);

/// A chapter of a published version: from memory after the first time.
fn chapter_content(
    state: &crate::web::state::AppState,
    conn: &mut db::DbConnection,
    version: &CourseVersion,
    key: &str,
) -> Result<Option<std::sync::Arc<published::Chapter>>, DbError> {
    if let Some(content) = state.published.get(version.version_id, key) {
        return Ok(Some(content));
    }
    let Some(content) = published_chapter(conn, version.version_id, key)? else {
        return Ok(None);
    };
    Ok(Some(state.published.keep(version.version_id, content)))
}

/// A published chapter with what its page shows, read and parsed from the database.
fn published_chapter(
    conn: &mut db::DbConnection,
    version: i64,
    key: &str,
) -> Result<Option<published::Chapter>, DbError> {
    let Some(view) = db::learning::chapter(conn, version, key)? else {
        return Ok(None);
    };
    let sections =
        serde_json::from_str(&view.sections).map_err(|e| DbError::Corrupt(e.to_string()))?;
    let video = view
        .video
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| DbError::Corrupt(e.to_string()))?;
    Ok(Some(published::Chapter {
        sections,
        video,
        chapters: db::learning::chapter_list(conn, version)?,
        practice: db::quizzes::questions(conn, version, Some(key))?,
        view,
    }))
}

/// A step a learner takes in a chapter, with where they stood there before: read in the
/// same trip to the database as the request's other look-ups, then recorded.
struct ChapterStep {
    user: UserId,
    course: i64,
    content: std::sync::Arc<published::Chapter>,
    index: usize,
    step: Step,
    before: db::learning::Standing,
}

impl ChapterStep {
    /// Taking `step` in chapter `index` of `content` from where `user` stood (`before`), and
    /// how many statements recording it will make.
    fn new(
        user: UserId,
        version: &CourseVersion,
        content: &std::sync::Arc<published::Chapter>,
        index: usize,
        step: Step,
        before: db::learning::Standing,
    ) -> (Self, usize) {
        let taken = Self {
            user,
            course: version.course_id,
            content: content.clone(),
            index,
            step,
            before,
        };
        (taken, before.statements(step))
    }

    fn record(
        &self,
        conn: &mut db::DbConnection,
        now: chrono::NaiveDateTime,
    ) -> Result<(), DbError> {
        let place = Place::of(self.user, self.course, &self.content.chapters[self.index]);
        db::learning::record(conn, &place, self.step, self.before, now)
    }
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
    let now = state.now();
    let found = claimed
        .state()
        .db
        .write_after(
            move |conn| {
                let Some(viewer) = claim.confirm(conn)? else {
                    return Ok(None);
                };
                let user = viewer.user.id;
                let Some((version, content, before)) =
                    current_chapter_standing(&state, conn, &slug, &key, user, now)?
                else {
                    return Ok(Some((None, 0)));
                };
                let Some(index) = content.chapters.iter().position(|c| c.key == key) else {
                    return Ok(Some((None, 0)));
                };
                let next = match content.chapters.get(index + 1) {
                    Some(next) => format!("/courses/{}/{}", version.slug, next.key),
                    None => format!("/courses/{}#final", version.slug),
                };
                let (step, statements) =
                    ChapterStep::new(user, &version, &content, index, Step::Read, before);
                Ok::<_, DbError>(Some((Some((step, next)), statements)))
            },
            move |conn, found| match found {
                Some((step, _)) => step.record(conn, now),
                None => Ok(()),
            },
        )
        .await?;
    let Some(found) = found else {
        let required = claimed.sign_in_required();
        claimed.confirmed(None);
        return Err(required);
    };
    let (_, next) = found.ok_or(WebError::NotFound)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, next))
        .finish())
}

#[derive(Serialize)]
struct MyCourse {
    course: CourseVersion,
    percent: i64,
    continue_at: Option<String>,
    last_activity: chrono::NaiveDateTime,
}

pub async fn my(signed_in: SignedIn) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    let user = viewer.user.id;
    let courses = ctx
        .state
        .db
        .read(move |conn| {
            let mut out = Vec::new();
            for (course_id, slug, last, last_activity) in db::learning::enrolments(conn, user)? {
                let Some((version, chapters)) = db::learning::current_with_chapters(conn, &slug)?
                else {
                    continue;
                };
                let progress = db::learning::progress(conn, user, course_id)?;
                let states = learning::states(&chapters, &progress);
                out.push(MyCourse {
                    percent: learning::percent_done(&states),
                    continue_at: learning::continue_at(&chapters, &states, Some(&last))
                        .map(|c| c.key.clone()),
                    course: version,
                    last_activity,
                });
            }
            Ok::<_, DbError>(out)
        })
        .await?;
    let certificates = my_certificates(&ctx, user).await?;
    let mut page = ctx.page();
    page.insert("courses", &courses);
    page.insert("certificates", &certificates);
    ctx.render("learner/my.html", &page)
}

/// A certificate on "My learning", with what the learner can do with it.
#[derive(Serialize)]
struct MyCertificate {
    serial: String,
    title: crate::courses::Bilingual,
    issued_at: chrono::NaiveDateTime,
    revoked: bool,
    share: String,
}

/// The learner's certificates, issuing any that a failure left missing first.
async fn my_certificates(ctx: &Ctx, user: UserId) -> Result<Vec<MyCertificate>, WebError> {
    let missing = ctx
        .state
        .db
        .read(move |conn| db::certificates::completions_without_certificate(conn, user))
        .await?;
    if !missing.is_empty() {
        let authority = std::sync::Arc::clone(&ctx.state.certificates);
        let now = ctx.state.now();
        ctx.state
            .db
            .write(move |conn| authority.issue_missing(conn, user, now))
            .await
            .map_err(|e: crate::certificates::CertError| WebError::from(e))?;
    }
    let authority = std::sync::Arc::clone(&ctx.state.certificates);
    ctx.state
        .db
        .read(move |conn| {
            let mut out = Vec::new();
            for row in db::certificates::of_user(conn, user)? {
                let facts = authority.facts(conn, &row)?;
                out.push(MyCertificate {
                    share: authority.verify_url(&row.serial),
                    serial: row.serial,
                    title: facts.title,
                    issued_at: row.issued_at,
                    revoked: row.revoked_at.is_some(),
                });
            }
            Ok::<_, crate::certificates::CertError>(out)
        })
        .await
        .map_err(WebError::from)
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

/// The course (or one chapter) as one document for paper. Every printed page names the
/// course, its version, the publication date and the address, so an old printout shows
/// that it is old.
async fn print(ctx: Ctx, slug: String, only: Option<String>) -> Result<HttpResponse, WebError> {
    let found = ctx
        .state
        .db
        .read(move |conn| {
            let Some(version) = db::learning::current_version(conn, &slug)? else {
                return Ok::<_, DbError>(None);
            };
            let mut chapters = db::courses::chapters_of(conn, version.version_id)?;
            if let Some(key) = &only {
                chapters.retain(|c| &c.key == key);
                if chapters.is_empty() {
                    return Ok(None);
                }
            }
            Ok(Some((version, chapters)))
        })
        .await?;
    let (version, chapters) = found.ok_or(WebError::NotFound)?;
    let mut page = ctx.page();
    let path = match chapters.as_slice() {
        [one] if chapters.len() == 1 && ctx.here.contains(&format!("/{}/print", one.key)) => {
            format!("/courses/{}/{}", version.slug, one.key)
        }
        _ => format!("/courses/{}", version.slug),
    };
    page.insert("url", &ctx.state.settings.absolute_url(&path));
    page.insert("course", &version);
    page.insert("chapters", &chapters);
    ctx.render("learner/print.html", &page)
}

/// What to save for reading a course offline: its pages, the pictures they show, the
/// stylesheet and the font.
pub async fn offline_manifest(ctx: Ctx, slug: web::Path<String>) -> Result<HttpResponse, WebError> {
    let found = ctx
        .state
        .db
        .read(move |conn| {
            let Some(version) = db::learning::current_version(conn, &slug)? else {
                return Ok::<_, DbError>(None);
            };
            let chapters = db::courses::chapters_of(conn, version.version_id)?;
            Ok(Some((version, chapters)))
        })
        .await?;
    let (version, chapters) = found.ok_or(WebError::NotFound)?;
    let base = format!("/courses/{}", version.slug);
    let mut urls = vec![base.clone()];
    let mut media = std::collections::BTreeSet::new();
    for chapter in &chapters {
        urls.push(format!("{base}/{}", chapter.key));
        for html in [&chapter.html_km, &chapter.html_en] {
            for (start, _) in html.match_indices("/media/") {
                let url: String = html[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.'))
                    .collect();
                media.insert(url);
            }
        }
    }
    urls.extend(media);
    urls.extend(ctx.state.assets.offline_urls());
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-cache"))
        .json(serde_json::json!({ "urls": urls })))
}

/// The practice check at the end of a chapter. Anyone may check their answers (a plain GET
/// form for readers without an account, recording nothing); signed in, answering every
/// question completes the chapter, once.
pub async fn check(
    claimed: Claimed,
    req: actix_web::HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let (slug, key) = path.into_inner();
    let claim = claimed.claim();
    let posted = req.method() == actix_web::http::Method::POST;
    let fields: Vec<(String, String)> = if posted {
        let sent = url::form_urlencoded::parse(&body)
            .into_owned()
            .collect::<Vec<_>>();
        let token = sent
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        if claim.is_none() || !super::extract::csrf_matches(&req, token) {
            return Err(WebError::Csrf);
        }
        sent
    } else {
        url::form_urlencoded::parse(req.query_string().as_bytes())
            .into_owned()
            .collect()
    };
    let answers = crate::quizzes::answers_from_form(&fields);
    // Signed in, answering every question passes the chapter: the person, the chapter, the
    // answers checked and where the learner stands are looked up, and the pass recorded, in
    // one trip to the database.
    let (state, now) = (claimed.state().clone(), claimed.state().now());
    let judge = move |conn: &mut db::DbConnection, recording: Option<UserId>| {
        let found = match recording {
            Some(user) => current_chapter_standing(&state, conn, &slug, &key, user, now)?,
            None => current_chapter(&state, conn, &slug, &key)?
                .map(|(version, content)| (version, content, Default::default())),
        };
        let Some((version, content, before)) = found else {
            return Err(WebError::NotFound);
        };
        let index = content
            .chapters
            .iter()
            .position(|c| c.key == key)
            .ok_or(WebError::NotFound)?;
        let questions = &content.practice;
        if questions.is_empty() {
            return Err(WebError::NotFound);
        }
        crate::quizzes::validate(questions, &answers)
            .map_err(|_| WebError::BadRequest("error-bad-answer"))?;
        let complete = crate::quizzes::feedback(questions, &answers)
            .iter()
            .all(|f| f.answered);
        let (step, statements) = match (recording, complete) {
            (Some(user), true) => {
                let (step, statements) =
                    ChapterStep::new(user, &version, &content, index, Step::Passed, before);
                (Some(step), statements)
            }
            _ => (None, 0),
        };
        Ok((
            (version, content, answers, index, complete),
            step,
            statements,
        ))
    };
    let db = &claimed.state().db;
    let (viewer, judged) = match claim.clone().filter(|_| posted) {
        Some(claim) => {
            let found = db
                .write_after(
                    move |conn| {
                        let Some(viewer) = claim.confirm(conn)? else {
                            return Ok(None);
                        };
                        let (judged, step, statements) = judge(conn, Some(viewer.user.id))?;
                        Ok::<_, WebError>(Some(((viewer, judged, step), statements)))
                    },
                    move |conn, (_, _, step)| match step {
                        Some(step) => Ok(step.record(conn, now)?),
                        None => Ok(()),
                    },
                )
                .await?;
            match found {
                Some((viewer, judged, _)) => (Some(viewer), judged),
                // The session no longer holds: as if it had never been signed in.
                None => {
                    claimed.confirmed(None);
                    return Err(WebError::Csrf);
                }
            }
        }
        None => {
            db.lookup(move |conn| {
                let viewer = claim
                    .map(|claim| claim.confirm(conn))
                    .transpose()?
                    .flatten();
                let (judged, _, _) = judge(conn, None)?;
                Ok::<_, WebError>((viewer, judged))
            })
            .await?
        }
    };
    let ctx = claimed.confirmed(viewer);
    let (version, content, answers, index, complete) = judged;
    let chapters = &content.chapters;
    let feedback = crate::quizzes::feedback(&content.practice, &answers);
    let mut page = ctx.page();
    page.insert("base", &format!("/courses/{}", version.slug));
    page.insert("course", &version);
    page.insert("chapter", &chapters[index]);
    page.insert("feedback", &feedback);
    page.insert("complete", &complete);
    page.insert("next", &chapters.get(index + 1));
    ctx.render("learner/check.html", &page)
}
