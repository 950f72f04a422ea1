//! Coordinators' cohorts: make one, invite people from a CSV roster (preview, then
//! invite), and see who was invited. And the invitee's side: the join link, and the link
//! that stops reminders. The use cases are in `cohorts`.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::auth::signed_in;
use super::error::WebError;
use super::extract::{Coordinator, CsrfForm, Ctx, NoFields, OrgRole, csrf_matches};
use super::render::see_other;
use crate::accounts::Password;
use crate::cohorts::roster::{RosterError, Row};
use crate::cohorts::{
    self, Choices, Cohort, CohortError, CohortId, Invitation, Invited, Joining, SignedUp, Start,
    roster,
};
use crate::model::learning::CourseVersion;
use crate::organisations::{Organisation, TreeEntry};

/// What `cohorts/new.html` shows: the choices, and what was typed.
#[derive(Serialize)]
struct NewCohortPage<'a> {
    organisation: &'a Organisation,
    offices: &'a [TreeEntry],
    courses: &'a [CourseVersion],
    /// The fields as typed, but the offices.
    form: HashMap<&'a str, &'a str>,
    /// The offices chosen.
    chosen: Vec<i64>,
}

impl<'a> NewCohortPage<'a> {
    fn new(
        organisation: &'a Organisation,
        choices: &'a Choices,
        typed: &'a [(String, String)],
    ) -> Self {
        Self {
            organisation,
            offices: &choices.offices,
            courses: &choices.courses,
            form: typed
                .iter()
                .filter(|(k, _)| k != "office" && k != "csrf")
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            chosen: typed
                .iter()
                .filter(|(k, _)| k == "office")
                .filter_map(|(_, v)| v.parse().ok())
                .collect(),
        }
    }
}

pub async fn new_form(scope: OrgRole<Coordinator>) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let choices = cohorts::choices(&ctx.state.db, organisation.id).await?;
    let page = NewCohortPage::new(&organisation, &choices, &[]);
    ctx.render_form_page("cohorts/new.html", &page)
}

pub async fn create(
    scope: OrgRole<Coordinator>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (db, root) = (&ctx.state.db, organisation.id);
    match cohorts::create(db, root, pairs.clone(), ctx.actor(), ctx.state.now()).await {
        Ok(id) => Ok(see_other(format!(
            "/coordinate/{}/cohorts/{id}",
            organisation.slug
        ))),
        Err(CohortError::Invalid(errors)) => {
            let choices = cohorts::choices(db, root).await?;
            let page = NewCohortPage::new(&organisation, &choices, &pairs);
            ctx.form_errors("cohorts/new.html", ctx.form_page_with(&page)?, &errors)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    invited: Option<usize>,
}

/// What `cohorts/show.html` shows.
#[derive(Serialize)]
struct ShowPage<'a> {
    organisation: &'a Organisation,
    cohort: &'a Cohort,
    /// The offices the cohort covers.
    covered: &'a [Organisation],
    people: &'a [Invited],
    /// How many were invited just now, after a roster was confirmed.
    invited: Option<usize>,
}

pub async fn show(
    scope: OrgRole<Coordinator>,
    path: web::Path<(String, CohortId)>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let overview = cohorts::overview(&ctx.state.db, organisation.id, path.1).await?;
    let page = ShowPage {
        organisation: &organisation,
        cohort: &overview.cohort,
        covered: &overview.covered,
        people: &overview.people,
        invited: query.invited,
    };
    ctx.render_form_page("cohorts/show.html", &page)
}

/// What the roster form sent: the file, or pasted text, and whether this is the preview or
/// the confirmed invitation.
struct RosterUpload {
    csrf: String,
    file: Vec<u8>,
    text: String,
    confirm: bool,
}

async fn read_roster(mut form: Multipart) -> Result<RosterUpload, &'static str> {
    let mut upload = RosterUpload {
        csrf: String::new(),
        file: Vec::new(),
        text: String::new(),
        confirm: false,
    };
    let mut seen = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| "roster-unreadable")?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| "roster-unreadable")?;
            seen += chunk.len();
            if seen > 2 * roster::MAX_BYTES {
                return Err("roster-too-big");
            }
            data.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf" => upload.csrf = String::from_utf8_lossy(&data).into_owned(),
            "file" => upload.file = data,
            "text" => upload.text = String::from_utf8_lossy(&data).into_owned(),
            "confirm" => upload.confirm = true,
            _ => {}
        }
    }
    Ok(upload)
}

impl RosterUpload {
    /// The roster's bytes: the file, else the pasted text.
    fn bytes(self) -> Vec<u8> {
        if self.file.is_empty() {
            self.text.into_bytes()
        } else {
            self.file
        }
    }
}

/// What `cohorts/preview.html` shows of a roster that could be read.
#[derive(Serialize)]
struct PreviewPage<'a> {
    organisation: &'a Organisation,
    cohort: &'a Cohort,
    rows: &'a [Row],
    accepted: usize,
    rejected: usize,
    /// The roster as text, sent again when the coordinator confirms.
    text: &'a str,
}

/// What `cohorts/preview.html` shows of a roster that could not be read.
#[derive(Serialize)]
struct ProblemPage<'a> {
    organisation: &'a Organisation,
    cohort: &'a Cohort,
    /// A message key.
    problem: &'a str,
    /// The message keys of the missing columns.
    missing: &'a [&'static str],
}

/// The preview page saying why a roster could not be read (422).
fn roster_problem(
    ctx: &Ctx,
    organisation: &Organisation,
    cohort: &Cohort,
    problem: &str,
    missing: &[&'static str],
) -> Result<HttpResponse, WebError> {
    let page = ProblemPage {
        organisation,
        cohort,
        problem,
        missing,
    };
    let page = ctx.form_page_with(&page)?;
    ctx.render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        "cohorts/preview.html",
        &page,
    )
}

/// A roster's failure: the page saying why when the roster could not be read, else the error.
fn roster_failed(
    ctx: &Ctx,
    organisation: &Organisation,
    cohort: &Cohort,
    error: CohortError,
) -> Result<HttpResponse, WebError> {
    match error {
        CohortError::Roster(error) => {
            let missing = match &error {
                RosterError::MissingColumns(columns) => columns.as_slice(),
                _ => &[],
            };
            roster_problem(ctx, organisation, cohort, &error.to_string(), missing)
        }
        other => Err(other.into()),
    }
}

/// Previews a roster (each row accepted or rejected, with the reason), or, confirmed,
/// invites the accepted rows and queues their emails.
pub async fn roster(
    scope: OrgRole<Coordinator>,
    req: HttpRequest,
    path: web::Path<(String, CohortId)>,
    form: Multipart,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (state, org) = (&ctx.state, &organisation);
    let cohort = cohorts::owned(&state.db, org.id, path.1).await?;
    let upload = match read_roster(form).await {
        Ok(upload) if !csrf_matches(&req, &upload.csrf) => return Err(WebError::Csrf),
        Ok(upload) => upload,
        Err(key) => return roster_problem(&ctx, org, &cohort, key, &[]),
    };
    let confirm = upload.confirm;
    let bytes = upload.bytes();
    if confirm {
        invite(&ctx, org, cohort, bytes).await
    } else {
        preview(&ctx, org, cohort, bytes).await
    }
}

/// Invites the roster's people and goes back to the cohort, which says how many.
async fn invite(
    ctx: &Ctx,
    org: &Organisation,
    cohort: Cohort,
    bytes: Vec<u8>,
) -> Result<HttpResponse, WebError> {
    let state = &ctx.state;
    let (letters, actor) = (state.letters.clone(), ctx.actor());
    let now = state.now();
    match cohorts::invite(&state.db, letters, cohort.clone(), bytes, actor, now).await {
        Ok(rows) => {
            state.jobs.wake();
            let accepted = rows.iter().filter(|r| r.accepted()).count();
            let (slug, id) = (&org.slug, cohort.id);
            Ok(see_other(format!(
                "/coordinate/{slug}/cohorts/{id}?invited={accepted}"
            )))
        }
        Err(error) => roster_failed(ctx, org, &cohort, error),
    }
}

/// Shows what inviting the roster would do, row by row, before anyone is invited.
async fn preview(
    ctx: &Ctx,
    org: &Organisation,
    cohort: Cohort,
    bytes: Vec<u8>,
) -> Result<HttpResponse, WebError> {
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let rows = match cohorts::preview(&ctx.state.db, cohort.clone(), bytes).await {
        Ok(rows) => rows,
        Err(error) => return roster_failed(ctx, org, &cohort, error),
    };
    let accepted = rows.iter().filter(|r| r.accepted()).count();
    let page = PreviewPage {
        organisation: org,
        cohort: &cohort,
        rows: &rows,
        accepted,
        rejected: rows.len() - accepted,
        text: &text,
    };
    ctx.render_form_page("cohorts/preview.html", &page)
}

// --- The invitee's side -------------------------------------------------------------------

/// Where an invitee starts: the first chapter of the course, or the course page.
fn start_path(start: &Start) -> String {
    match &start.chapter_key {
        Some(chapter) => format!("/courses/{}/{chapter}", start.course_slug),
        None => format!("/courses/{}", start.course_slug),
    }
}

/// What `cohorts/join.html` shows: the form to choose a password.
#[derive(Serialize)]
struct JoinPage<'a> {
    invitation: &'a Invitation,
    cohort: &'a Cohort,
}

/// What `cohorts/join_other.html` shows.
#[derive(Serialize)]
struct JoinOtherPage<'a> {
    invitation: &'a Invitation,
    signed_in_as: &'a str,
}

/// Opens a join link: signed in as the invited person, the course is theirs and they land
/// on its first chapter; with an account but signed out, they sign in first; with no
/// account, they choose a password (one form) and land on the first chapter.
pub async fn join(ctx: Ctx, token: web::Path<String>) -> Result<HttpResponse, WebError> {
    let (state, now) = (&ctx.state, ctx.state.now());
    let viewer = ctx
        .viewer
        .as_ref()
        .map(|v| (v.user.id, v.user.email.as_str()));
    match cohorts::join(&state.db, &state.letters.links, &token, viewer, now).await? {
        Joining::Started(start) => Ok(see_other(start_path(&start))),
        Joining::OtherAccount(opened) => {
            let page = JoinOtherPage {
                invitation: &opened.invitation,
                signed_in_as: viewer.map_or("", |(_, email)| email),
            };
            ctx.render_form_page("cohorts/join_other.html", &page)
        }
        Joining::SignIn => Ok(see_other(format!("/sign-in?next=/join/{token}"))),
        Joining::ChoosePassword(opened) => {
            let page = JoinPage {
                invitation: &opened.invitation,
                cohort: &opened.cohort,
            };
            ctx.render_form_page("cohorts/join.html", &page)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct JoinForm {
    password: String,
}

pub async fn join_sign_up(
    ctx: Ctx,
    token: web::Path<String>,
    CsrfForm(form): CsrfForm<JoinForm>,
) -> Result<HttpResponse, WebError> {
    let (state, now) = (&ctx.state, ctx.state.now());
    let links = &state.letters.links;
    let password = match Password::parse(&form.password) {
        Ok(password) => password,
        Err(error) => {
            let opened = cohorts::open(&state.db, links, &token, now).await?;
            let page = JoinPage {
                invitation: &opened.invitation,
                cohort: &opened.cohort,
            };
            return ctx.form_errors("cohorts/join.html", ctx.form_page_with(&page)?, &[error]);
        }
    };
    match cohorts::sign_up(&state.db, links, &token, password, ctx.lang, now).await? {
        SignedUp::Started { user, start } => signed_in(&ctx, &user, &start_path(&start)).await,
        SignedUp::SignIn => Ok(see_other(format!("/sign-in?next=/join/{token}"))),
    }
}

/// What `cohorts/stop.html` shows.
#[derive(Serialize)]
struct StopPage<'a> {
    stopped: bool,
    /// The cohort whose reminders stopped.
    cohort: Option<&'a Cohort>,
}

/// Asks before stopping: mail programs open links to scan them, which must not unsubscribe.
pub async fn stop_form(ctx: Ctx, token: web::Path<String>) -> Result<HttpResponse, WebError> {
    let links = &ctx.state.letters.links;
    if links
        .open(cohorts::links::Purpose::StopReminders, &token)
        .is_none()
    {
        return Err(WebError::LinkInvalid);
    }
    let page = StopPage {
        stopped: false,
        cohort: None,
    };
    ctx.render_form_page("cohorts/stop.html", &page)
}

pub async fn stop(
    ctx: Ctx,
    token: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let (state, now) = (&ctx.state, ctx.state.now());
    let cohort = cohorts::stop_reminders(&state.db, &state.letters.links, &token, now).await?;
    let page = StopPage {
        stopped: true,
        cohort: Some(&cohort),
    };
    ctx.render_page("cohorts/stop.html", &page)
}
