//! What an organisation puts on certificates, kept by its publishers on one page
//! (`/publish/{org}/certificates`): its signatories and logo, the co-signing requests other
//! organisations' courses make of it (with a sample certificate to look at before answering),
//! and the certificates its key endorses, each of which it can stop endorsing.

use std::collections::HashMap;
use std::sync::Arc;

use actix_multipart::Multipart;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;

use super::error::WebError;
use super::extract::{CsrfForm, NoFields, OrgRole, Publisher, csrf_matches};
use super::render::see_other;
use crate::accounts::FieldError;
use crate::certificates::cosigning::{self, Answer};
use crate::certificates::signatories::{self, NewSignatory, SignatoryError};

/// The largest signature or logo picture accepted: a scan is a few hundred kilobytes.
const MAX_PICTURE_BYTES: usize = 2 * 1024 * 1024;

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    serial: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

pub async fn page(
    scope: OrgRole<Publisher>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    let query = query.into_inner();
    let page = context(&scope, query.serial, query.done).await?;
    scope.ctx.render("publisher/certificates.html", &page)
}

/// Everything the page shows.
async fn context(
    scope: &OrgRole<Publisher>,
    serial: Option<String>,
    done: Option<String>,
) -> Result<tera::Context, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let db = &ctx.state.db;
    let serial = serial
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty());
    let mut page = ctx.form_page();
    page.insert("organisation", organisation);
    page.insert(
        "signatories",
        &signatories::list(db, organisation.id).await?,
    );
    page.insert("logo", &signatories::logo(db, organisation.id).await?);
    page.insert("requests", &cosigning::requests(db, organisation.id).await?);
    page.insert(
        "endorsed",
        &cosigning::endorsed(db, organisation.id, serial.clone()).await?,
    );
    page.insert("serial", &serial.unwrap_or_default());
    page.insert("done", &done.unwrap_or_default());
    let empty: HashMap<&str, &str> = HashMap::new();
    page.insert("errors", &empty);
    page.insert("form", &empty);
    Ok(page)
}

fn back(scope: &OrgRole<Publisher>, done: &str) -> HttpResponse {
    see_other(format!(
        "/publish/{}/certificates?done={done}",
        scope.organisation.slug
    ))
}

/// A multipart form of a few short fields and one picture.
struct PictureForm {
    fields: HashMap<String, String>,
    picture: Option<Vec<u8>>,
}

/// Reads a multipart form, keeping short fields and one picture up to the limit; what is
/// over the limit is refused as a whole.
async fn read_picture_form(mut form: Multipart) -> Result<PictureForm, WebError> {
    let mut out = PictureForm {
        fields: HashMap::new(),
        picture: None,
    };
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| WebError::BadRequest("error-bad-request"))?;
        let name = field.name().unwrap_or_default().to_owned();
        let is_picture = name == "picture";
        let limit = if is_picture { MAX_PICTURE_BYTES } else { 1024 };
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| WebError::BadRequest("error-bad-request"))?;
            if data.len() + chunk.len() > limit {
                return Err(WebError::TooLarge);
            }
            data.extend_from_slice(&chunk);
        }
        if out.fields.len() > 16 {
            return Err(WebError::BadRequest("error-bad-request"));
        }
        if is_picture {
            out.picture = Some(data).filter(|d| !d.is_empty());
        } else {
            out.fields
                .insert(name, String::from_utf8_lossy(&data).into_owned());
        }
    }
    Ok(out)
}

/// Reads a picture form and checks its CSRF token.
async fn checked_picture_form(req: &HttpRequest, form: Multipart) -> Result<PictureForm, WebError> {
    let form = read_picture_form(form).await?;
    let sent = form
        .fields
        .get("csrf")
        .map(String::as_str)
        .unwrap_or_default();
    if !csrf_matches(req, sent) {
        return Err(WebError::Csrf);
    }
    Ok(form)
}

/// The page again, with the problems of the signatory form beside its fields.
async fn refused(
    scope: &OrgRole<Publisher>,
    fields: &HashMap<String, String>,
    errors: &[FieldError],
) -> Result<HttpResponse, WebError> {
    let mut page = context(scope, None, None).await?;
    page.insert("form", fields);
    scope
        .ctx
        .form_errors("publisher/certificates.html", page, errors)
}

pub async fn add_signatory(
    scope: OrgRole<Publisher>,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, WebError> {
    let form = checked_picture_form(&req, form).await?;
    let field = |name: &str| {
        form.fields
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    };
    let new = match NewSignatory::parse(
        field("handle"),
        (field("name_km"), field("name_en")),
        (field("title_km"), field("title_en")),
    ) {
        Ok(new) => new,
        Err(errors) => return refused(&scope, &form.fields, &errors).await,
    };
    let ctx = &scope.ctx;
    let added = signatories::add(
        &ctx.state.db,
        &scope.organisation,
        new,
        form.picture.clone(),
        ctx.actor(),
        ctx.state.now(),
    )
    .await;
    match added {
        Ok(()) => Ok(back(&scope, "signatory-added")),
        Err(SignatoryError::Invalid(errors)) => refused(&scope, &form.fields, &errors).await,
        Err(SignatoryError::Picture) => {
            let errors = [FieldError::new("picture", "error-picture-unreadable")];
            refused(&scope, &form.fields, &errors).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn retire_signatory(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, i64)>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let (_, id) = path.into_inner();
    let ctx = &scope.ctx;
    signatories::retire(
        &ctx.state.db,
        &scope.organisation,
        id,
        ctx.actor(),
        ctx.state.now(),
    )
    .await?;
    Ok(back(&scope, "signatory-retired"))
}

pub async fn set_logo(
    scope: OrgRole<Publisher>,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, WebError> {
    let form = checked_picture_form(&req, form).await?;
    let Some(picture) = form.picture.clone() else {
        let errors = [FieldError::new("picture", "error-required")];
        return refused(&scope, &form.fields, &errors).await;
    };
    let ctx = &scope.ctx;
    match signatories::set_logo(
        &ctx.state.db,
        &scope.organisation,
        picture,
        ctx.actor(),
        ctx.state.now(),
    )
    .await
    {
        Ok(()) => Ok(back(&scope, "logo-changed")),
        Err(SignatoryError::Picture) => {
            let errors = [FieldError::new("picture", "error-picture-unreadable")];
            refused(&scope, &form.fields, &errors).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct AnswerForm {
    answer: String,
}

pub async fn answer(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, i64)>,
    form: CsrfForm<AnswerForm>,
) -> Result<HttpResponse, WebError> {
    let (_, request) = path.into_inner();
    let answer = Answer::parse(&form.0.answer).ok_or(WebError::BadRequest("error-bad-request"))?;
    let ctx = &scope.ctx;
    cosigning::answer(
        &ctx.state.db,
        request,
        &scope.organisation,
        answer,
        ctx.actor(),
        ctx.state.now(),
    )
    .await?;
    Ok(back(&scope, &form.0.answer))
}

/// The sample certificate of a request: the version's certificate for a sample learner,
/// as it would print with this organisation's co-signature.
pub async fn sample(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, WebError> {
    let (_, request) = path.into_inner();
    let ctx = &scope.ctx;
    let authority = Arc::clone(&ctx.state.certificates);
    let (organisation, now) = (scope.organisation.id, ctx.state.now());
    let pdf = cosigning::sample(&ctx.state.db, authority, request, organisation, now).await?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/pdf"))
        .insert_header((CACHE_CONTROL, "private, no-cache"))
        .body(pdf))
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn revoke_endorsement(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, String)>,
    form: CsrfForm<ReasonForm>,
) -> Result<HttpResponse, WebError> {
    let (_, serial) = path.into_inner();
    let ctx = &scope.ctx;
    cosigning::revoke_endorsement(
        &ctx.state.db,
        &scope.organisation,
        &serial,
        &form.0.reason,
        ctx.actor(),
        ctx.state.now(),
    )
    .await?;
    Ok(back(&scope, "endorsement-revoked"))
}
