//! Rendering pages: every template gets the same base context (language, the switch link,
//! the signed-in person, the CSRF token, the stylesheet's URL).

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::error::{ErrorPage, WebError};
use super::extract::{Ctx, request_lang};
use crate::accounts::FieldError;
use crate::i18n::{self, Lang};
use crate::templates::TemplateError;
use crate::web::state::AppState;

/// What templates know about the signed-in person.
#[derive(Serialize)]
struct ViewerView<'a> {
    name: &'a str,
    email: &'a str,
    is_admin: bool,
    publishes_for: Vec<&'a str>,
    coordinates_for: Vec<&'a str>,
}

/// One entry of the language switch.
#[derive(Serialize)]
struct LangLink {
    code: &'static str,
    name: &'static str,
    href: String,
    /// The page to come back to, for the form signed-in people post.
    next: String,
    current: bool,
}

fn base_context(state: &AppState, lang: Lang, here: &str) -> tera::Context {
    let mut page = tera::Context::new();
    page.insert("lang", &lang);
    let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
    let switch: Vec<LangLink> = Lang::ALL
        .into_iter()
        .map(|l| LangLink {
            code: l.code(),
            name: l.native_name(),
            href: format!("/lang/{}?next={next}", l.code()),
            next: here.to_owned(),
            current: l == lang,
        })
        .collect();
    page.insert("lang_links", &switch);
    page.insert("errors", &std::collections::HashMap::<&str, &str>::new());
    page.insert("css", &state.assets.stylesheet_url());
    page.insert("offline_js", &state.assets.offline_script_url());
    page.insert("registration_open", &state.settings.registration);
    page
}

impl Ctx {
    /// The base context for a page with a form: it carries the session's CSRF token (and so
    /// gives an anonymous visitor a session cookie).
    pub fn form_page(&self) -> tera::Context {
        let mut page = self.page();
        page.insert("csrf", &self.csrf_token());
        page
    }

    /// The base context for a page. Signed-in people always get the CSRF token (the
    /// sign-out button is a form); anonymous readers get no cookie from a page without forms.
    pub fn page(&self) -> tera::Context {
        let mut page = base_context(&self.state, self.lang, &self.here);
        let offline: std::collections::BTreeMap<&str, String> = [
            ("save", "offline-save"),
            ("saving", "offline-saving"),
            ("saved", "offline-saved"),
            ("waiting", "offline-waiting"),
            ("failed", "offline-failed"),
        ]
        .into_iter()
        .map(|(k, key)| (k, i18n::translate(self.lang, key)))
        .collect();
        page.insert(
            "offline_text",
            &serde_json::to_string(&offline).unwrap_or_default(),
        );
        if let Some(viewer) = &self.viewer {
            page.insert("csrf", &self.csrf_token());
            let user = &viewer.user;
            let name = match self.lang {
                Lang::Km if !user.name_km.is_empty() => &user.name_km,
                _ => &user.name_latin,
            };
            let slugs = |role| {
                viewer
                    .grants
                    .iter()
                    .filter(|g| g.role == role)
                    .map(|g| g.organisation.slug.as_str())
                    .collect()
            };
            page.insert(
                "viewer",
                &ViewerView {
                    name,
                    email: &user.email,
                    is_admin: user.is_admin,
                    publishes_for: slugs(crate::accounts::Role::Publisher),
                    coordinates_for: slugs(crate::accounts::Role::Coordinator),
                },
            );
        }
        page
    }

    /// The base context with a page's own data merged in: one `Serialize` struct whose
    /// fields are the names its template reads, so a template's inputs are in one place.
    pub fn page_with(&self, data: &impl Serialize) -> Result<tera::Context, WebError> {
        let mut page = self.page();
        page.extend(
            tera::Context::from_serialize(data).map_err(|e| WebError::Internal(e.to_string()))?,
        );
        Ok(page)
    }

    pub fn render(&self, template: &str, page: &tera::Context) -> Result<HttpResponse, WebError> {
        self.render_status(StatusCode::OK, template, page)
    }

    pub fn render_status(
        &self,
        status: StatusCode,
        template: &str,
        page: &tera::Context,
    ) -> Result<HttpResponse, WebError> {
        let html = self.fill(template, page)?;
        if status != StatusCode::OK {
            return Ok(html_response(status, html));
        }
        let etag = page_etag(&[html.as_bytes()], self.lang);
        self.unless_unchanged(etag, || html)
    }

    /// Renders `template` around `body`, HTML stored when a course was published that
    /// never changes (a chapter's text), which the template places with `{{ body | safe }}`
    /// given `body = BODY_MARK`. The body does not pass through the template: Tera would
    /// copy it into its context and again into the page, check the whole page's UTF-8, and
    /// the ETag would hash it — on the chapter page those were the largest costs after the
    /// database (`perf`). `body_tag` names the body for the ETag (what it is a version of).
    pub fn render_with_body(
        &self,
        template: &str,
        page: &tera::Context,
        body: &str,
        body_tag: &str,
    ) -> Result<HttpResponse, WebError> {
        let frame = self.fill(template, page)?;
        let etag = page_etag(&[frame.as_bytes(), body_tag.as_bytes()], self.lang);
        self.unless_unchanged(etag, || match frame.split_once(BODY_MARK) {
            Some((before, after)) => [before, body, after].concat(),
            None => frame,
        })
    }

    fn fill(&self, template: &str, page: &tera::Context) -> Result<String, WebError> {
        Ok(self
            .state
            .templates
            .render(template, page)
            .map_err(TemplateError::from)?)
    }

    /// A 304 when the browser has this page already (a revisit costs a few header bytes,
    /// not the page), else the page made by `html` with its ETag.
    fn unless_unchanged(
        &self,
        etag: String,
        html: impl FnOnce() -> String,
    ) -> Result<HttpResponse, WebError> {
        if self
            .if_none_match
            .as_deref()
            .is_some_and(|sent| sent.split(',').any(|tag| tag.trim() == etag))
        {
            return Ok(HttpResponse::NotModified()
                .insert_header((ETAG, etag))
                .insert_header((CACHE_CONTROL, "private, no-cache"))
                .finish());
        }
        let mut response = html_response(StatusCode::OK, html());
        response.headers_mut().insert(
            ETAG,
            actix_web::http::header::HeaderValue::from_str(&etag)
                .map_err(|e| WebError::Internal(e.to_string()))?,
        );
        Ok(response)
    }

    /// Re-shows a form with its mistakes (422), keeping what was typed.
    pub fn form_errors(
        &self,
        template: &str,
        mut page: tera::Context,
        errors: &[FieldError],
    ) -> Result<HttpResponse, WebError> {
        let by_field: std::collections::HashMap<&str, &str> =
            errors.iter().map(|e| (e.field, e.message)).collect();
        page.insert("errors", &by_field);
        self.render_status(StatusCode::UNPROCESSABLE_ENTITY, template, &page)
    }
}

/// Where `render_with_body` puts the body. It starts with `<`, so no escaped value in the
/// template can produce it.
pub const BODY_MARK: &str = "<!--sala:body-->";

/// A weak validator for a rendered page: a digest of its parts (and language, which
/// changes `Content-Language`-like details the body alone may not show).
fn page_etag(parts: &[&[u8]], lang: Lang) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new().chain_update(lang.code());
    for part in parts {
        // Each part's length first, so that moving bytes between parts changes the tag.
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

/// "See other": where to go after a form was handled.
pub fn see_other(location: impl AsRef<str>) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location.as_ref()))
        .finish()
}

fn html_response(status: StatusCode, html: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        // Pages show who is signed in and carry CSRF tokens: never store them in shared caches.
        .insert_header((CACHE_CONTROL, "private, no-cache"))
        .body(html)
}

/// The error page for `status`, in the visitor's language, without touching the database
/// (it may be why we are here).
pub fn error_page(req: &HttpRequest, status: StatusCode, error: Option<ErrorPage>) -> HttpResponse {
    let lang = request_lang(req).unwrap_or_default();
    let error = error.unwrap_or_else(|| ErrorPage {
        message: default_message(status),
        args: vec![],
    });
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return HttpResponse::build(status).body(i18n::translate(lang, error.message));
    };
    let here = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let mut page = base_context(state, lang, here);
    page.insert("status", &status.as_u16());
    page.insert(
        "title",
        &i18n::translate(lang, &format!("error-title-{}", title_key(status))),
    );
    page.insert(
        "message",
        &i18n::translate_with(lang, error.message, &error.args),
    );
    match state.templates.render("errors/error.html", &page) {
        Ok(html) => html_response(status, html),
        Err(e) => {
            tracing::error!(error = %TemplateError::from(e), "the error page failed to render");
            HttpResponse::build(status).body(i18n::translate(lang, error.message))
        }
    }
}

fn default_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 | 405 => "error-not-found",
        403 => "error-forbidden",
        413 => "error-too-large",
        429 => "error-throttled-generic",
        503 => "error-unavailable",
        400..=499 => "error-bad-request",
        _ => "error-internal",
    }
}

fn title_key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 | 405 => "not-found",
        403 => "forbidden",
        409 => "conflict",
        410 => "gone",
        429 => "throttled",
        503 => "unavailable",
        400..=499 => "bad-request",
        _ => "internal",
    }
}
