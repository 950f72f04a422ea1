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
use serde::{Deserialize, Serialize};

use super::error::WebError;
use super::extract::{CsrfForm, NoFields, OrgRole, Publisher, csrf_matches};
use super::render::see_other;
use crate::accounts::FieldError;
use crate::certificates::cosigning::{self, Answer};
use crate::certificates::signatories::{self, NewSignatory, SignatoryError};
use crate::model::ids::{CosignRequestId, SignatoryId};
use crate::organisations::Organisation;

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
    let untyped = HashMap::new();
    let page = CertificatesPage::load(&scope, query.serial, query.done, &untyped).await?;
    scope
        .ctx
        .render_form_page("publisher/certificates.html", &page)
}

/// Everything the page shows: the organisation's signatories and logo, the co-signing
/// requests made of it, the certificates it endorses (narrowed to a serial), what was just
/// done, and the signatory form as typed.
#[derive(Serialize)]
struct CertificatesPage<'a> {
    organisation: &'a Organisation,
    signatories: Vec<signatories::Signatory>,
    logo: Option<String>,
    requests: Vec<cosigning::Request>,
    endorsed: Vec<cosigning::Endorsed>,
    serial: String,
    done: String,
    form: &'a HashMap<String, String>,
}

impl<'a> CertificatesPage<'a> {
    async fn load(
        scope: &'a OrgRole<Publisher>,
        serial: Option<String>,
        done: Option<String>,
        form: &'a HashMap<String, String>,
    ) -> Result<Self, WebError> {
        let OrgRole {
            ctx, organisation, ..
        } = scope;
        let db = &ctx.state.db;
        let serial = serial
            .map(|s| s.trim().to_ascii_uppercase())
            .filter(|s| !s.is_empty());
        Ok(Self {
            organisation,
            signatories: signatories::list(db, organisation.id).await?,
            logo: signatories::logo(db, organisation.id).await?,
            requests: cosigning::requests(db, organisation.id).await?,
            endorsed: cosigning::endorsed(db, organisation.id, serial.clone()).await?,
            serial: serial.unwrap_or_default(),
            done: done.unwrap_or_default(),
            form,
        })
    }
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

impl PictureForm {
    fn field(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// The signatory the form describes, or its mistakes.
    fn signatory(&self) -> Result<NewSignatory, SignatoryError> {
        NewSignatory::parse(
            self.field("handle"),
            (self.field("name_km"), self.field("name_en")),
            (self.field("title_km"), self.field("title_en")),
        )
        .map_err(SignatoryError::Invalid)
    }
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
    if !csrf_matches(req, form.field("csrf")) {
        return Err(WebError::Csrf);
    }
    Ok(form)
}

/// The page again, with the problems of the form beside its fields and what was typed kept;
/// an error that is not the form's goes on to the error page.
async fn refused(
    scope: &OrgRole<Publisher>,
    fields: &HashMap<String, String>,
    error: SignatoryError,
) -> Result<HttpResponse, WebError> {
    let errors = match error {
        SignatoryError::Invalid(errors) => errors,
        SignatoryError::Picture => vec![FieldError::new("picture", "error-picture-unreadable")],
        other => return Err(other.into()),
    };
    let page = CertificatesPage::load(scope, None, None, fields).await?;
    let page = scope.ctx.form_page_with(&page)?;
    scope
        .ctx
        .form_errors("publisher/certificates.html", page, &errors)
}

pub async fn add_signatory(
    scope: OrgRole<Publisher>,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, WebError> {
    let form = checked_picture_form(&req, form).await?;
    let ctx = &scope.ctx;
    let added = match form.signatory() {
        Ok(new) => {
            let (db, picture) = (&ctx.state.db, form.picture.clone());
            let (actor, now) = (ctx.actor(), ctx.state.now());
            signatories::add(db, &scope.organisation, new, picture, actor, now).await
        }
        Err(mistakes) => Err(mistakes),
    };
    match added {
        Ok(()) => Ok(back(&scope, "signatory-added")),
        Err(error) => refused(&scope, &form.fields, error).await,
    }
}

pub async fn retire_signatory(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, SignatoryId)>,
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
        let missing = SignatoryError::Invalid(vec![FieldError::new("picture", "error-required")]);
        return refused(&scope, &form.fields, missing).await;
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
        Err(error) => refused(&scope, &form.fields, error).await,
    }
}

#[derive(Deserialize)]
pub struct AnswerForm {
    answer: String,
}

pub async fn answer(
    scope: OrgRole<Publisher>,
    path: web::Path<(String, CosignRequestId)>,
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
    path: web::Path<(String, CosignRequestId)>,
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
