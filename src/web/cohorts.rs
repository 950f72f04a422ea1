//! Coordinators' cohorts: make one, invite people from a CSV roster (preview, then
//! invite), and see who was invited. And the invitee's side: the join link, and the link
//! that stops reminders.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;

use super::auth::signed_in;
use super::error::WebError;
use super::extract::{Coordinator, CsrfForm, Ctx, NoFields, OrgRole, csrf_matches};
use super::render::see_other;
use crate::accounts::{AccountError, Password};
use crate::cohorts::{self, Cohort, CohortError, roster};
use crate::db;
use crate::organisations::{OrganisationId, subtree, tree_under};

impl From<CohortError> for WebError {
    fn from(error: CohortError) -> Self {
        match error {
            CohortError::NotFound => WebError::NotFound,
            CohortError::Invalid(_) | CohortError::Roster(_) => {
                WebError::BadRequest("error-bad-request")
            }
            CohortError::Email(cause) => WebError::Internal(cause),
            CohortError::Db(error) => error.into(),
        }
    }
}

/// The organisations a coordinator of `root` covers, and the published courses.
async fn choices(
    ctx: &Ctx,
    root: OrganisationId,
    page: &mut tera::Context,
) -> Result<(Vec<i64>, Vec<i64>), WebError> {
    let (below, courses) = ctx
        .state
        .db
        .read(move |conn| {
            let below = subtree(&db::organisations::all(conn)?, root);
            Ok::<_, db::DbError>((below, db::learning::catalogue(conn, None)?))
        })
        .await?;
    let offices: Vec<i64> = below.iter().map(|o| o.id.0).collect();
    let course_ids: Vec<i64> = courses.iter().map(|c| c.course_id).collect();
    page.insert("offices", &tree_under(below, root));
    page.insert("courses", &courses);
    Ok((offices, course_ids))
}

pub async fn new_form(scope: OrgRole<Coordinator>) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let mut page = ctx.form_page();
    choices(&ctx, organisation.id, &mut page).await?;
    page.insert("organisation", &organisation);
    page.insert("form", &std::collections::HashMap::<String, String>::new());
    page.insert("chosen", &Vec::<i64>::new());
    ctx.render("cohorts/new.html", &page)
}

pub async fn create(
    scope: OrgRole<Coordinator>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let mut page = ctx.form_page();
    let (offices, courses) = choices(&ctx, organisation.id, &mut page).await?;
    let parsed = cohorts::parse_form(&pairs, organisation.id.0, &offices, &courses);
    let result = match parsed {
        Ok(new) => cohorts::create(&ctx.state.db, new, ctx.actor(), ctx.state.now())
            .await
            .map_err(|e| match e {
                CohortError::Invalid(errors) => Ok(errors),
                other => Err(other),
            }),
        Err(errors) => Err(Ok(errors)),
    };
    match result {
        Ok(id) => Ok(see_other(format!(
            "/coordinate/{}/cohorts/{id}",
            organisation.slug
        ))),
        Err(Ok(errors)) => {
            let form: std::collections::HashMap<&str, &str> = pairs
                .iter()
                .filter(|(k, _)| k != "office" && k != "csrf")
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let chosen: Vec<i64> = pairs
                .iter()
                .filter(|(k, _)| k == "office")
                .filter_map(|(_, v)| v.parse().ok())
                .collect();
            page.insert("organisation", &organisation);
            page.insert("form", &form);
            page.insert("chosen", &chosen);
            ctx.form_errors("cohorts/new.html", page, &errors)
        }
        Err(Err(other)) => Err(other.into()),
    }
}

/// The cohort, when it belongs to the coordinator's organisation or one below it.
async fn owned_cohort(ctx: &Ctx, root: OrganisationId, id: i64) -> Result<Cohort, WebError> {
    let (cohort, owners) = ctx
        .state
        .db
        .read(move |conn| {
            Ok::<_, db::DbError>((
                db::cohorts::find(conn, id)?,
                db::organisations::ids_under(conn, root)?,
            ))
        })
        .await?;
    cohort
        .filter(|c| owners.contains(&c.organisation_id))
        .ok_or(WebError::NotFound)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    invited: Option<usize>,
}

pub async fn show(
    scope: OrgRole<Coordinator>,
    path: web::Path<(String, i64)>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let cohort = owned_cohort(&ctx, organisation.id, path.1).await?;
    let id = cohort.id;
    let (people, offices, all) = ctx
        .state
        .db
        .read(move |conn| {
            Ok::<_, db::DbError>((
                db::cohorts::invitations_of(conn, id)?,
                db::cohorts::offices(conn, id)?,
                db::organisations::all(conn)?,
            ))
        })
        .await?;
    let covered: Vec<_> = all.iter().filter(|o| offices.contains(&o.id.0)).collect();
    #[derive(serde::Serialize)]
    struct Person<'a> {
        #[serde(flatten)]
        invitation: &'a cohorts::Invitation,
        office: Option<&'a crate::organisations::Organisation>,
    }
    let people: Vec<Person<'_>> = people
        .iter()
        .map(|invitation| Person {
            invitation,
            office: all.iter().find(|o| Some(o.id.0) == invitation.office_id),
        })
        .collect();
    let mut page = ctx.form_page();
    page.insert("organisation", &organisation);
    page.insert("cohort", &cohort);
    page.insert("covered", &covered);
    page.insert("people", &people);
    page.insert("invited", &query.invited);
    ctx.render("cohorts/show.html", &page)
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

/// Previews a roster (each row accepted or rejected, with the reason), or, confirmed,
/// invites the accepted rows and queues their emails.
pub async fn roster(
    scope: OrgRole<Coordinator>,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
    form: Multipart,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let cohort = owned_cohort(&ctx, organisation.id, path.1).await?;
    let upload = read_roster(form).await;
    if let Ok(upload) = &upload
        && !csrf_matches(&req, &upload.csrf)
    {
        return Err(WebError::Csrf);
    }
    let mut page = ctx.form_page();
    page.insert("organisation", &organisation);
    page.insert("cohort", &cohort);
    let refuse = |page: &mut tera::Context, key: &str, columns: &[&str]| {
        page.insert("problem", key);
        page.insert("missing", columns);
    };
    let upload = match upload {
        Ok(upload) => upload,
        Err(key) => {
            refuse(&mut page, key, &[]);
            return ctx.render_status(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                "cohorts/preview.html",
                &page,
            );
        }
    };
    let bytes = if upload.file.is_empty() {
        upload.text.into_bytes()
    } else {
        upload.file
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let db = &ctx.state.db;
    let result = if upload.confirm {
        let (letters, course_slug) = (ctx.state.letters.clone(), cohort.course_slug.clone());
        let course = db
            .read(move |conn| db::learning::current_version(conn, &course_slug))
            .await?
            .ok_or(WebError::NotFound)?
            .title;
        let for_letter = cohort.clone();
        let letter = move |id: i64, person: &cohorts::NewInvitation| {
            letters.invitation(id, person, &for_letter, &course)
        };
        cohorts::invite(
            db,
            cohort.clone(),
            bytes,
            ctx.actor(),
            ctx.state.now(),
            letter,
        )
        .await
    } else {
        cohorts::preview(db, cohort.clone(), bytes).await
    };
    let rows = match result {
        Ok(rows) => rows,
        Err(CohortError::Roster(error)) => {
            let missing = match &error {
                roster::RosterError::MissingColumns(columns) => columns.clone(),
                _ => Vec::new(),
            };
            refuse(&mut page, &error.to_string(), &missing);
            return ctx.render_status(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                "cohorts/preview.html",
                &page,
            );
        }
        Err(other) => return Err(other.into()),
    };
    let accepted = rows.iter().filter(|r| r.accepted()).count();
    if upload.confirm {
        ctx.state.jobs.wake();
        return Ok(see_other(format!(
            "/coordinate/{}/cohorts/{}?invited={accepted}",
            organisation.slug, cohort.id
        )));
    }
    page.insert("rows", &rows);
    page.insert("accepted", &accepted);
    page.insert("rejected", &(rows.len() - accepted));
    page.insert("text", &text);
    ctx.render("cohorts/preview.html", &page)
}

// --- The invitee's side -------------------------------------------------------------------

/// Opens a join link: signed in as the invited person, the course is theirs and they land
/// on its first chapter; with an account but signed out, they sign in first; with no
/// account, they choose a password (one form) and land on the first chapter.
pub async fn join(ctx: Ctx, token: web::Path<String>) -> Result<HttpResponse, WebError> {
    let token = token.into_inner();
    let opened = cohorts::open(
        &ctx.state.db,
        &ctx.state.letters.links,
        &token,
        ctx.state.now(),
    )
    .await
    .map_err(|_| WebError::LinkInvalid)?;
    let course = format!("/courses/{}", opened.cohort.course_slug);
    if let Some(viewer) = &ctx.viewer {
        if viewer.user.email == opened.invitation.email {
            cohorts::accept(
                &ctx.state.db,
                opened.invitation.id,
                viewer.user.id.0,
                ctx.state.now(),
            )
            .await?;
            return Ok(see_other(&first_chapter(&ctx, &opened.cohort).await?));
        }
        let mut page = ctx.form_page();
        page.insert("invitation", &opened.invitation);
        page.insert("signed_in_as", &viewer.user.email);
        return ctx.render("cohorts/join_other.html", &page);
    }
    // An account whose address nobody proved is taken by opening this link (see
    // `cohorts::sign_up`); one whose owner proved it signs in.
    if opened.account.as_ref().is_some_and(|a| a.email_verified) {
        return Ok(see_other(format!("/sign-in?next=/join/{token}")));
    }
    let mut page = ctx.form_page();
    page.insert("invitation", &opened.invitation);
    page.insert("cohort", &opened.cohort);
    page.insert("course", &course);
    ctx.render("cohorts/join.html", &page)
}

/// The first chapter of a cohort's course (or the course page if it has none).
async fn first_chapter(ctx: &Ctx, cohort: &Cohort) -> Result<String, WebError> {
    let slug = cohort.course_slug.clone();
    let found = ctx
        .state
        .db
        .read(move |conn| db::learning::current_with_chapters(conn, &slug))
        .await?;
    Ok(
        match found.and_then(|(_, chapters)| chapters.into_iter().next()) {
            Some(chapter) => format!("/courses/{}/{}", cohort.course_slug, chapter.key),
            None => format!("/courses/{}", cohort.course_slug),
        },
    )
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
    let token = token.into_inner();
    let opened = cohorts::open(
        &ctx.state.db,
        &ctx.state.letters.links,
        &token,
        ctx.state.now(),
    )
    .await
    .map_err(|_| WebError::LinkInvalid)?;
    let again = |ctx: &Ctx, errors: &[crate::accounts::FieldError]| {
        let mut page = ctx.form_page();
        page.insert("invitation", &opened.invitation);
        page.insert("cohort", &opened.cohort);
        ctx.form_errors("cohorts/join.html", page, errors)
    };
    let password = match Password::parse(&form.password) {
        Ok(password) => password,
        Err(error) => return again(&ctx, &[error]),
    };
    let user = match cohorts::sign_up(
        &ctx.state.db,
        opened.invitation.clone(),
        password,
        ctx.lang,
        ctx.state.now(),
    )
    .await
    {
        Ok(user) => user,
        // An account was made for this address meanwhile: signing in takes the course.
        Err(AccountError::Invalid(_)) => {
            return Ok(see_other(format!("/sign-in?next=/join/{token}")));
        }
        Err(other) => return Err(other.into()),
    };
    let next = first_chapter(&ctx, &opened.cohort).await?;
    signed_in(&ctx, &user, &next).await
}

/// Asks before stopping: mail programs open links to scan them, which must not unsubscribe.
pub async fn stop_form(ctx: Ctx, token: web::Path<String>) -> Result<HttpResponse, WebError> {
    if ctx
        .state
        .letters
        .links
        .open(cohorts::links::Purpose::StopReminders, &token)
        .is_none()
    {
        return Err(WebError::LinkInvalid);
    }
    let mut page = ctx.form_page();
    page.insert("token", &token.into_inner());
    page.insert("stopped", &false);
    ctx.render("cohorts/stop.html", &page)
}

pub async fn stop(
    ctx: Ctx,
    token: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let cohort = cohorts::stop_reminders(
        &ctx.state.db,
        &ctx.state.letters.links,
        &token,
        ctx.state.now(),
    )
    .await
    .map_err(|e| match e {
        CohortError::NotFound => WebError::LinkInvalid,
        other => other.into(),
    })?;
    let mut page = ctx.page();
    page.insert("stopped", &true);
    page.insert("cohort", &cohort);
    ctx.render("cohorts/stop.html", &page)
}
