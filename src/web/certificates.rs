//! Certificates on the web: the public verification pages (by serial, as the QR code
//! leads, or by uploading a downloaded credential), the learner's downloads, and revocation
//! by the issuing organisation's staff.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;

use super::error::WebError;
use super::extract::{CertificateStaff, CsrfForm, Ctx, OrgRole, SignedIn, Viewer};
use super::render::see_other;
use crate::accounts::Role;
use crate::accounts::roles::may_act;
use crate::certificates::{self, Certificate, Verdict, actions};
use crate::organisations::OrganisationId;

/// A credential, even inside a PDF, is far smaller than this.
const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;

#[derive(Deserialize)]
pub struct SerialQuery {
    serial: Option<String>,
}

/// `/verify`: the form, or (with `?serial=`) the way to that serial's page.
pub async fn form(ctx: Ctx, query: web::Query<SerialQuery>) -> Result<HttpResponse, WebError> {
    if let Some(serial) = query
        .serial
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let serial: String = serial
            .chars()
            .filter(|c| !c.is_whitespace())
            .take(40)
            .collect();
        return Ok(see_other(format!(
            "/verify/{}",
            url::form_urlencoded::byte_serialize(serial.as_bytes()).collect::<String>()
        )));
    }
    let page = ctx.page();
    ctx.render("certificates/verify_form.html", &page)
}

/// `/verify/{serial}`: what scanning the QR code shows.
pub async fn by_serial(ctx: Ctx, serial: web::Path<String>) -> Result<HttpResponse, WebError> {
    let typed: String = serial.into_inner().chars().take(40).collect();
    let verdict =
        actions::verify_serial(&ctx.state.certificates, &ctx.state.db, typed.clone()).await?;
    show(&ctx, &verdict, Some(&typed))
}

/// `POST /verify`: a downloaded credential (`.jwt`, `.json`) or certificate PDF.
pub async fn upload(ctx: Ctx, form: Multipart) -> Result<HttpResponse, WebError> {
    let verdict = match read_file(form).await {
        Err(message) => return Err(WebError::BadRequest(message)),
        // Reading a PDF is work for a blocking thread, a few at a time (`bounded`).
        Ok(bytes) => match ctx
            .state
            .verify_work
            .run(move || certificates::token_from_file(&bytes))
            .await?
        {
            Err(why) => Verdict::Invalid { why },
            Ok(token) => {
                actions::verify_token(&ctx.state.certificates, &ctx.state.db, token).await?
            }
        },
    };
    show(&ctx, &verdict, None)
}

/// What the verify page shows: the verdict, and the serial as typed.
#[derive(serde::Serialize)]
struct VerdictPage<'a> {
    verdict: &'a Verdict,
    typed: Option<&'a str>,
}

fn show(ctx: &Ctx, verdict: &Verdict, typed: Option<&str>) -> Result<HttpResponse, WebError> {
    let status = match verdict {
        Verdict::Genuine { .. } | Verdict::Revoked { .. } => StatusCode::OK,
        Verdict::Unknown | Verdict::Mistyped => StatusCode::NOT_FOUND,
        Verdict::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let page = ctx.page_with(&VerdictPage { verdict, typed })?;
    ctx.render_status(status, "certificates/verdict.html", &page)
}

/// Reads the `file` field of the upload form. What is over the limit is read and dropped
/// (up to a bound), so that the browser receives the explanation rather than a connection
/// reset half-way through its upload.
async fn read_file(mut form: Multipart) -> Result<Vec<u8>, &'static str> {
    const DRAIN_BOUND: usize = 8 * MAX_UPLOAD_BYTES;
    let mut file = Vec::new();
    let mut seen = 0usize;
    let mut too_large = false;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| "verify-upload-unreadable")?;
        let wanted = field.name() == Some("file");
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| "verify-upload-unreadable")?;
            seen += chunk.len();
            if seen > DRAIN_BOUND {
                return Err("verify-upload-too-large");
            }
            too_large |= wanted && file.len() + chunk.len() > MAX_UPLOAD_BYTES;
            if wanted && !too_large {
                file.extend_from_slice(&chunk);
            }
        }
    }
    if too_large {
        return Err("verify-upload-too-large");
    }
    if file.is_empty() {
        return Err("verify-upload-empty");
    }
    Ok(file)
}

/// The certificate with this serial and the chain of organisations above (and including)
/// the one that published its course, whose staff answer for it.
async fn with_issuers(
    ctx: &Ctx,
    serial: String,
) -> Result<(Certificate, Vec<OrganisationId>), WebError> {
    actions::with_issuers(&ctx.state.db, serial)
        .await?
        .ok_or(WebError::NotFound)
}

/// The certificate with this serial, if the viewer may download it: its learner, an
/// administrator, or staff of the organisation that issued it.
async fn downloadable(ctx: &Ctx, viewer: &Viewer, serial: String) -> Result<Certificate, WebError> {
    let (row, lineage) = with_issuers(ctx, serial).await?;
    let staff = [Role::Publisher, Role::Coordinator]
        .iter()
        .any(|&role| may_act(&viewer.grants, role, &lineage));
    if row.user_id == viewer.user.id || viewer.user.is_admin || staff {
        Ok(row)
    } else {
        Err(WebError::NotFound)
    }
}

fn attachment(
    content_type: &str,
    name: &str,
    body: impl actix_web::body::MessageBody + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((CACHE_CONTROL, "private, no-cache"))
        .body(body)
}

/// The signed credential as a compact JWT.
pub async fn jwt(signed_in: SignedIn, serial: web::Path<String>) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    let row = downloadable(&ctx, &viewer, serial.into_inner()).await?;
    Ok(attachment(
        "application/vc+jwt",
        &format!("{}.jwt", row.serial),
        row.credential,
    ))
}

/// The signed credential wrapped as JSON (a VC 2.0 `EnvelopedVerifiableCredential`).
pub async fn json(
    signed_in: SignedIn,
    serial: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    let row = downloadable(&ctx, &viewer, serial.into_inner()).await?;
    Ok(attachment(
        "application/vc+json",
        &format!("{}.json", row.serial),
        certificates::enveloped(&row.credential).to_string(),
    ))
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
}

/// `/issuers/{org}/certificates`: the certificates of the organisation's courses, to find
/// one and revoke or re-issue it.
pub async fn staff_list(
    scope: OrgRole<CertificateStaff>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let root = organisation.id;
    let search = query.q.trim().chars().take(100).collect::<String>();
    let certificates = actions::issued_under(&ctx.state.db, root, search.clone()).await?;
    ctx.render_form_page(
        "certificates/staff.html",
        &StaffPage {
            organisation: &organisation,
            certificates,
            q: search,
        },
    )
}

/// What the staff's list of certificates shows.
#[derive(serde::Serialize)]
struct StaffPage<'a> {
    organisation: &'a crate::organisations::Organisation,
    certificates: Vec<certificates::IssuedRow>,
    q: String,
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    reason: String,
}

/// Checks that the certificate belongs to a course of the organisation (or one below it).
async fn of_organisation(
    ctx: &Ctx,
    organisation: OrganisationId,
    serial: String,
) -> Result<(), WebError> {
    let (_, lineage) = with_issuers(ctx, serial).await?;
    if lineage.contains(&organisation) {
        Ok(())
    } else {
        Err(WebError::NotFound)
    }
}

pub async fn revoke(
    scope: OrgRole<CertificateStaff>,
    path: web::Path<(String, String)>,
    form: CsrfForm<RevokeForm>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (org, serial) = path.into_inner();
    of_organisation(&ctx, organisation.id, serial.clone()).await?;
    let by = ctx.actor();
    let reason = form.0.reason;
    let (authority, now) = (&ctx.state.certificates, ctx.state.now());
    actions::revoke(authority, &ctx.state.db, serial.clone(), reason, by, now).await?;
    Ok(see_other(format!("/issuers/{org}/certificates?q={serial}")))
}

pub async fn reissue(
    scope: OrgRole<CertificateStaff>,
    path: web::Path<(String, String)>,
    _form: CsrfForm<super::extract::NoFields>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let (org, serial) = path.into_inner();
    of_organisation(&ctx, organisation.id, serial.clone()).await?;
    let by = ctx.actor();
    let (authority, now) = (&ctx.state.certificates, ctx.state.now());
    let new = actions::reissue(authority, &ctx.state.db, serial, by, now).await?;
    Ok(see_other(format!(
        "/issuers/{org}/certificates?q={}",
        new.serial
    )))
}

/// Draws a certificate's PDF (and, for `png`, its preview) off the async workers.
async fn render(ctx: &Ctx, row: Certificate, png: bool) -> Result<Vec<u8>, WebError> {
    if row.revoked_at.is_some() {
        return Err(WebError::Refused("certificate-revoked"));
    }
    let sheet = actions::sheet(&ctx.state.certificates, &ctx.state.db, row).await?;
    let now = ctx.state.now();
    web::block(move || {
        let pdf = certificates::pdf::certificate(&sheet, now)?;
        if png {
            certificates::pdf::preview(&pdf)
        } else {
            Ok(pdf)
        }
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?
    .map_err(|e| WebError::Internal(e.to_string()))
}

/// The printable certificate, with its credential embedded.
pub async fn pdf(signed_in: SignedIn, serial: web::Path<String>) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    let row = downloadable(&ctx, &viewer, serial.into_inner()).await?;
    let name = format!("{}.pdf", row.serial);
    let bytes = render(&ctx, row, false).await?;
    Ok(attachment("application/pdf", &name, bytes))
}

/// The same page as a small picture, for phones.
pub async fn png(signed_in: SignedIn, serial: web::Path<String>) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    let row = downloadable(&ctx, &viewer, serial.into_inner()).await?;
    let bytes = render(&ctx, row, true).await?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "image/png"))
        .insert_header((CACHE_CONTROL, "private, max-age=3600"))
        .body(bytes))
}

#[derive(Deserialize)]
pub struct CohortQuery {
    course: String,
}

/// `/coordinate/{org}/certificates.pdf?course=SLUG`: every certificate in force for the
/// course held by people of the organisation and those below it, one per page, for a
/// coordinator to print in one go.
pub async fn cohort(
    scope: OrgRole<super::extract::Coordinator>,
    query: web::Query<CohortQuery>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let root = organisation.id;
    let slug = query.into_inner().course;
    let sheets =
        actions::cohort_sheets(&ctx.state.certificates, &ctx.state.db, root, slug.clone()).await?;
    let (title, sheets) = sheets.ok_or(WebError::NotFound)?;
    if sheets.is_empty() {
        return Err(WebError::Refused("cohort-none"));
    }
    let now = ctx.state.now();
    let heading = format!("{} — {}", title.en, organisation.name_en);
    let bytes = web::block(move || certificates::pdf::cohort(&sheets, &heading, now))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(attachment(
        "application/pdf",
        &format!("{slug}-{}.pdf", organisation.slug),
        bytes,
    ))
}
