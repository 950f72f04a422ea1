//! Publishers: the workspace of an organisation, uploading a course folder as a zip, the
//! check report in the publisher's language, a private preview, and publishing the draft.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use super::error::WebError;
use super::extract::{CsrfForm, NoFields, OrgRole, Publisher, csrf_matches};
use crate::courses::Problem;
use crate::courses::publish::{self, CourseError, Outcome};
use crate::courses::source::SourceError;
use crate::model::ids::VersionId;

/// The largest zip accepted: far above a real module (a few MB), far below harm.
const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

pub async fn workspace(
    scope: OrgRole<Publisher>,
    query: web::Query<Published>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (tree, versions) = crate::courses::workspace::of(&ctx.state.db, organisation.id).await?;
    let drafts = crate::studio::drafts(&ctx.state.db, organisation.id).await?;
    ctx.render_form_page(
        "publisher/workspace.html",
        &WorkspacePage {
            organisation: &organisation,
            tree,
            versions,
            drafts,
            published: query.published,
        },
    )
}

/// What a publisher's workspace shows: the organisations from this one down, their
/// courses' versions, and the version just published, if one was.
#[derive(serde::Serialize)]
struct WorkspacePage<'a> {
    organisation: &'a crate::organisations::Organisation,
    tree: Vec<crate::organisations::TreeEntry>,
    versions: Vec<crate::courses::workspace::Listed>,
    drafts: Vec<crate::studio::Draft>,
    published: Option<i32>,
}

#[derive(serde::Deserialize)]
pub struct Published {
    published: Option<i32>,
}

/// What the upload form sent.
struct Upload {
    csrf: String,
    note: String,
    archive: Vec<u8>,
}

/// Reads the form, keeping nothing beyond the limit. What is over the limit is read and
/// dropped (up to a bound), so that the browser receives the explanation rather than a
/// connection reset half-way through its upload.
async fn read_upload(mut form: Multipart) -> Result<Upload, &'static str> {
    const DRAIN_BOUND: usize = 4 * MAX_UPLOAD_BYTES;
    let mut upload = Upload {
        csrf: String::new(),
        note: String::new(),
        archive: Vec::new(),
    };
    let mut too_large = false;
    let mut seen = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| "upload-unreadable")?;
        let name = field.name().unwrap_or_default().to_owned();
        let limit = if name == "course" {
            MAX_UPLOAD_BYTES
        } else {
            4096
        };
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| "upload-unreadable")?;
            seen += chunk.len();
            if seen > DRAIN_BOUND {
                return Err("upload-too-large");
            }
            too_large |= data.len() + chunk.len() > limit;
            if !too_large {
                data.extend_from_slice(&chunk);
            }
        }
        match name.as_str() {
            "csrf" => upload.csrf = String::from_utf8_lossy(&data).into_owned(),
            "note" => upload.note = String::from_utf8_lossy(&data).into_owned(),
            "course" => upload.archive = data,
            _ => {}
        }
    }
    if too_large {
        return Err("upload-too-large");
    }
    Ok(upload)
}

pub async fn upload(
    scope: OrgRole<Publisher>,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let upload = match read_upload(form).await {
        Ok(upload) => upload,
        Err(message) => {
            let refused = vec![Problem::new("", None, message)];
            return report(&ctx, &organisation, &refused, None);
        }
    };
    if !csrf_matches(&req, &upload.csrf) {
        return Err(WebError::Csrf);
    }
    let (db, work, now) = (&ctx.state.db, &ctx.state.course_work, ctx.state.now());
    let by = ctx.require_viewer()?.user.id;
    let result = publish::create_draft(
        db,
        work,
        upload.archive,
        organisation.id,
        &upload.note,
        by,
        now,
    )
    .await;
    match result {
        Ok(done) => report(&ctx, &organisation, &[], Some(done)),
        Err(CourseError::Source(error)) => {
            report(&ctx, &organisation, &source_problem(&error), None)
        }
        Err(CourseError::Invalid(found)) => report(&ctx, &organisation, &found, None),
        Err(other) => Err(other.into()),
    }
}

/// The check report of an upload: its problems in the publisher's language, or the draft
/// made (with its preview link), or that nothing changed.
#[derive(serde::Serialize)]
struct ReportPage<'a> {
    organisation: &'a crate::organisations::Organisation,
    problems: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    draft: Option<VersionId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preview: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unchanged: Option<i32>,
}

pub(super) fn report(
    ctx: &super::extract::Ctx,
    organisation: &crate::organisations::Organisation,
    problems: &[Problem],
    outcome: Option<(Outcome, String)>,
) -> Result<HttpResponse, WebError> {
    let mut page = ReportPage {
        organisation,
        problems: problems
            .iter()
            .map(|p| p.describe(ctx.lang).trim_start_matches(": ").to_owned())
            .collect(),
        draft: None,
        preview: None,
        unchanged: None,
    };
    match outcome {
        Some((Outcome::Drafted { version }, token)) => {
            page.draft = Some(version);
            page.preview = Some(format!("/preview/{token}"));
        }
        Some((Outcome::Unchanged { number } | Outcome::Published { number }, _)) => {
            page.unchanged = Some(number);
        }
        None => {}
    }
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ctx.form_page_with(&page)?;
    ctx.render_status(status, "publisher/report.html", &page)
}

pub(super) fn source_problem(error: &SourceError) -> Vec<Problem> {
    let file = match error {
        SourceError::FileTooLarge(path) | SourceError::PathEscapes(path) => path.clone(),
        _ => String::new(),
    };
    vec![Problem::new(&file, None, error.message())]
}

/// "Download as a folder (.zip)": the course folder a version or draft was made from.
pub async fn download(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, VersionId)>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (_, version) = path.into_inner();
    let (db, work) = (&ctx.state.db, &ctx.state.course_work);
    let found = crate::courses::folder::download(db, work, version, organisation.id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/zip"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", found.file_name),
        ))
        .insert_header((CACHE_CONTROL, "private, no-cache"))
        .body(found.zip))
}

pub async fn publish_draft(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, VersionId)>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (_, version) = path.into_inner();
    let outcome = publish::publish_draft(
        &ctx.state.db,
        version,
        organisation.id,
        ctx.actor(),
        ctx.state.now(),
    )
    .await?
    .ok_or(WebError::NotFound)?;
    let number = match outcome {
        Outcome::Published { number } | Outcome::Unchanged { number } => number,
        Outcome::Drafted { .. } => 0,
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((
            LOCATION,
            format!("/publish/{}?published={number}", organisation.slug),
        ))
        .finish())
}
