//! The course studio's pages: a draft with its chapters and what the checker finds, one
//! chapter's Khmer and English side by side, "Check and preview", and discarding. Plain
//! forms: nothing needs JavaScript.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::error::WebError;
use super::extract::{CsrfForm, Ctx, NoFields, OrgRole, Publisher};
use super::publisher::report;
use super::render::see_other;
use crate::courses::Problem;
use crate::courses::publish::CourseError;
use crate::i18n::Lang;
use crate::model::ids::{DraftId, VersionId};
use crate::organisations::Organisation;
use crate::studio::chapters::{ChapterEntry, ChapterForm, Structure};
use crate::studio::settings::{self, SettingsForm};
use crate::studio::{self, Draft, PreviewError, StudioError};

/// "Edit" on a version: starts a draft from it.
pub async fn edit(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, VersionId)>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (_, version) = path.into_inner();
    let id = studio::start(
        &ctx.state.db,
        organisation.id,
        version,
        ctx.actor(),
        ctx.state.now(),
    )
    .await?;
    Ok(see_other(draft_url(&organisation, id)))
}

fn draft_url(organisation: &Organisation, id: DraftId) -> String {
    format!("/publish/{}/studio/{id}", organisation.slug)
}

/// A draft's page: its chapters, every problem the checker finds (in the publisher's
/// language), and the form to add a chapter (as typed, with its mistake, when refused).
#[derive(Serialize)]
struct DraftPage<'a> {
    organisation: &'a Organisation,
    draft: Draft,
    chapters: Vec<ChapterEntry>,
    problems: Vec<String>,
    form: &'a NewChapterForm,
    errors: HashMap<&'static str, &'static str>,
}

/// "Add a chapter": its key (part of its address, never changed) and titles.
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct NewChapterForm {
    key: String,
    title_km: String,
    title_en: String,
}

pub async fn draft(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, DraftId)>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (_, id) = path.into_inner();
    draft_page(&ctx, &organisation, id, &NewChapterForm::default(), None).await
}

async fn draft_page(
    ctx: &Ctx,
    organisation: &Organisation,
    id: DraftId,
    form: &NewChapterForm,
    refused: Option<&'static str>,
) -> Result<HttpResponse, WebError> {
    let overview = studio::overview(&ctx.state.db, organisation.id, id).await?;
    let page = DraftPage {
        organisation,
        draft: overview.draft,
        chapters: overview.chapters,
        problems: described(&overview.problems, ctx.lang),
        form,
        errors: refused.map(|why| ("key", why)).into_iter().collect(),
    };
    let status = match refused {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    ctx.render_status(status, "studio/draft.html", &ctx.form_page_with(&page)?)
}

/// Adds a chapter at the end; a key that is taken or not a key is told beside its field.
pub async fn add_chapter(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, DraftId)>,
    CsrfForm(form): CsrfForm<NewChapterForm>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (_, id) = path.into_inner();
    let change = Structure::Add {
        key: form.key.trim().to_owned(),
        title_km: form.title_km.clone(),
        title_en: form.title_en.clone(),
    };
    match restructure(&ctx, &organisation, id, change).await {
        Err(WebError::BadRequest(why)) => {
            draft_page(&ctx, &organisation, id, &form, Some(why)).await
        }
        done => done,
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    earlier: Option<String>,
}

/// Moves a chapter one place earlier or later.
pub async fn move_chapter(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, DraftId, String)>,
    CsrfForm(form): CsrfForm<MoveForm>,
) -> Result<HttpResponse, WebError> {
    let (_, id, key) = path.into_inner();
    let earlier = form.earlier.is_some();
    restructure(
        &scope.ctx,
        &scope.organisation,
        id,
        Structure::Move { key, earlier },
    )
    .await
}

/// Removes a chapter with its practice check.
pub async fn remove_chapter(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, DraftId, String)>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let (_, id, key) = path.into_inner();
    restructure(
        &scope.ctx,
        &scope.organisation,
        id,
        Structure::Remove { key },
    )
    .await
}

async fn restructure(
    ctx: &Ctx,
    organisation: &Organisation,
    id: DraftId,
    change: Structure,
) -> Result<HttpResponse, WebError> {
    let by = ctx.require_viewer()?.user.id;
    studio::restructure(
        &ctx.state.db,
        organisation.id,
        id,
        change,
        by,
        ctx.state.now(),
    )
    .await?;
    Ok(see_other(draft_url(organisation, id)))
}

fn described(problems: &[Problem], lang: Lang) -> Vec<String> {
    problems
        .iter()
        .map(|p| p.describe(lang).trim_start_matches(": ").to_owned())
        .collect()
}

/// One chapter's form. `problems` are the checker's findings by field: a problem of the
/// Khmer file sits beside the Khmer text, its title or minutes beside those fields.
#[derive(Serialize)]
struct ChapterPage<'a> {
    organisation: &'a Organisation,
    draft: Draft,
    key: String,
    number: String,
    form: ChapterForm,
    problems: HashMap<&'static str, Vec<String>>,
    saved: bool,
    /// On a conflicting save: the chapter as someone else saved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    theirs: Option<ChapterForm>,
}

impl<'a> ChapterPage<'a> {
    fn of(
        organisation: &'a Organisation,
        page: studio::ChapterPage,
        lang: Lang,
        saved: bool,
    ) -> Self {
        let mut problems: HashMap<&'static str, Vec<String>> = HashMap::new();
        for problem in &page.problems {
            let language = if problem.file == page.files.km {
                "km"
            } else {
                "en"
            };
            let field = match (problem.message, language) {
                ("check-chapter-title", "km") => "title_km",
                ("check-chapter-title", _) => "title_en",
                ("check-minutes", _) => "minutes",
                (_, "km") => "body_km",
                _ => "body_en",
            };
            let text = crate::i18n::translate_with(lang, problem.message, &problem.args);
            let text = match problem.line {
                Some(line) => format!(
                    "{} {line}: {text}",
                    crate::i18n::translate(lang, "studio-line")
                ),
                None => text,
            };
            problems.entry(field).or_default().push(text);
        }
        Self {
            organisation,
            draft: page.draft,
            key: page.key,
            number: page.files.number,
            form: page.form,
            problems,
            saved,
            theirs: None,
        }
    }
}

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

pub async fn chapter(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, DraftId, String)>,
    query: web::Query<Saved>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (_, id, key) = path.into_inner();
    let page = studio::chapter(&ctx.state.db, organisation.id, id, key).await?;
    let saved = query.saved.is_some();
    ctx.render_form_page(
        "studio/chapter.html",
        &ChapterPage::of(&organisation, page, ctx.lang, saved),
    )
}

/// Saves the chapter and shows it again with what the checker finds; a save that came
/// after someone else's shows both texts and writes nothing.
pub async fn save_chapter(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, DraftId, String)>,
    CsrfForm(form): CsrfForm<ChapterForm>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (_, id, key) = path.into_inner();
    let by = ctx.require_viewer()?.user.id;
    let (db, now) = (&ctx.state.db, ctx.state.now());
    let typed = form.clone();
    match studio::save_chapter(db, organisation.id, id, key.clone(), form, by, now).await {
        Ok(page) if page.problems.is_empty() => Ok(see_other(format!(
            "{}/chapters/{key}?saved=1",
            draft_url(&organisation, id)
        ))),
        // Saved, with problems: the form as typed (a word the file cannot hold, such as
        // minutes that are not a number, included) with each problem beside its field.
        Ok(saved) => {
            let mut page = ChapterPage::of(&organisation, saved, ctx.lang, false);
            page.form = ChapterForm {
                base_km: page.form.base_km.clone(),
                base_en: page.form.base_en.clone(),
                ..typed
            };
            let page = ctx.form_page_with(&page)?;
            ctx.render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "studio/chapter.html",
                &page,
            )
        }
        Err(StudioError::Conflict(conflict)) => {
            conflicting(&ctx, &organisation, id, key, *conflict).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The form again with what was typed, the other person's text beside it, and the
/// digests of their version, so that saving again is a decision, not an accident.
async fn conflicting(
    ctx: &Ctx,
    organisation: &Organisation,
    id: DraftId,
    key: String,
    conflict: studio::Conflict<ChapterForm>,
) -> Result<HttpResponse, WebError> {
    let current = studio::chapter(&ctx.state.db, organisation.id, id, key).await?;
    let mut page = ChapterPage::of(organisation, current, ctx.lang, false);
    let studio::Conflict { theirs, mut yours } = conflict;
    yours.base_km.clone_from(&theirs.base_km);
    yours.base_en.clone_from(&theirs.base_en);
    page.form = yours;
    page.theirs = Some(theirs);
    let page = ctx.form_page_with(&page)?;
    ctx.render_status(StatusCode::CONFLICT, "studio/chapter.html", &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoteForm {
    note: String,
}

/// "Check and preview": the check report of the draft's folder, with the preview link and
/// the button to publish, exactly as for an upload.
pub async fn preview(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, DraftId)>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (_, id) = path.into_inner();
    let by = ctx.require_viewer()?.user.id;
    let (db, work, now) = (&ctx.state.db, &ctx.state.course_work, ctx.state.now());
    match studio::preview(db, work, organisation.id, id, &form.note, by, now).await {
        Ok(done) => report(&ctx, &organisation, &[], Some(done)),
        Err(PreviewError::Course(CourseError::Invalid(found))) => {
            report(&ctx, &organisation, &found, None)
        }
        Err(PreviewError::Course(other)) => Err(other.into()),
        Err(PreviewError::Studio(other)) => Err(other.into()),
    }
}

pub async fn discard(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, DraftId)>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (_, id) = path.into_inner();
    studio::discard(
        &ctx.state.db,
        organisation.id,
        id,
        ctx.actor(),
        ctx.state.now(),
    )
    .await?;
    Ok(see_other(format!("/publish/{}", organisation.slug)))
}

/// The settings form, with each problem of `course.toml` beside its field (those the form
/// does not show, such as the organisations, above it).
#[derive(Serialize)]
struct SettingsPage<'a> {
    organisation: &'a Organisation,
    draft: Draft,
    form: SettingsForm,
    problems: HashMap<&'static str, Vec<String>>,
    other_problems: Vec<String>,
    saved: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    theirs: Option<SettingsForm>,
}

impl<'a> SettingsPage<'a> {
    fn of(
        organisation: &'a Organisation,
        page: studio::SettingsPage,
        lang: Lang,
        saved: bool,
    ) -> Self {
        let mut problems: HashMap<&'static str, Vec<String>> = HashMap::new();
        let mut other_problems = Vec::new();
        for problem in &page.problems {
            let text = crate::i18n::translate_with(lang, problem.message, &problem.args);
            match settings::field_of(problem.message, &problem.args) {
                Some(field) => problems.entry(field).or_default().push(text),
                None => other_problems.push(text),
            }
        }
        Self {
            organisation,
            draft: page.draft,
            form: page.form,
            problems,
            other_problems,
            saved,
            theirs: None,
        }
    }
}

pub async fn settings_form(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, DraftId)>,
    query: web::Query<Saved>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (_, id) = path.into_inner();
    let page = studio::settings(&ctx.state.db, organisation.id, id).await?;
    let saved = query.saved.is_some();
    ctx.render_form_page(
        "studio/settings.html",
        &SettingsPage::of(&organisation, page, ctx.lang, saved),
    )
}

/// Saves the settings as `save_chapter` saves a chapter: problems beside their fields
/// (422, the form as typed), a late save told and nothing overwritten (409).
pub async fn save_settings(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, DraftId)>,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (_, id) = path.into_inner();
    let by = ctx.require_viewer()?.user.id;
    let (db, now) = (&ctx.state.db, ctx.state.now());
    let typed = form.clone();
    let (status, page, theirs) =
        match studio::save_settings(db, organisation.id, id, form, by, now).await {
            Ok(page) if page.problems.is_empty() => {
                return Ok(see_other(format!(
                    "{}/settings?saved=1",
                    draft_url(&organisation, id)
                )));
            }
            Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page, None),
            Err(StudioError::SettingsConflict(conflict)) => {
                let page = studio::settings(db, organisation.id, id).await?;
                (StatusCode::CONFLICT, page, Some(conflict.theirs))
            }
            Err(other) => return Err(other.into()),
        };
    let mut page = SettingsPage::of(&organisation, page, ctx.lang, false);
    page.form = SettingsForm {
        base: page.form.base.clone(),
        ..typed
    };
    page.theirs = theirs;
    let page = ctx.form_page_with(&page)?;
    ctx.render_status(status, "studio/settings.html", &page)
}
