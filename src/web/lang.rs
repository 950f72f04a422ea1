//! The language switch. For an anonymous reader it is a plain link, and the choice is
//! kept in a cookie only (no session, no database). For a signed-in person it is a small
//! form with a button per language, posted with the CSRF token, and the choice is kept in
//! their profile too: only a POST changes what is stored, so a link on another site
//! cannot.

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};

use super::error::WebError;
use super::extract::{CsrfForm, Ctx, LANG_COOKIE};
use crate::i18n::Lang;

#[derive(serde::Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// The link: sets the cookie and nothing else.
pub async fn switch(
    ctx: Ctx,
    code: web::Path<String>,
    query: web::Query<Next>,
) -> Result<HttpResponse, WebError> {
    let lang = Lang::from_code(&code).ok_or(WebError::NotFound)?;
    Ok(switched(&ctx, lang, query.next.as_deref()))
}

/// The form: sets the cookie and, for a signed-in person, the profile's language.
pub async fn switch_and_save(
    ctx: Ctx,
    code: web::Path<String>,
    CsrfForm(form): CsrfForm<Next>,
) -> Result<HttpResponse, WebError> {
    let lang = Lang::from_code(&code).ok_or(WebError::NotFound)?;
    if let Some(viewer) = &ctx.viewer {
        crate::accounts::people::set_lang(&ctx.state.db, viewer.user.id, lang).await?;
    }
    Ok(switched(&ctx, lang, form.next.as_deref()))
}

fn switched(ctx: &Ctx, lang: Lang, next: Option<&str>) -> HttpResponse {
    HttpResponse::SeeOther()
        .cookie(lang_cookie(lang, ctx.state.settings.secure_cookies()))
        .insert_header((LOCATION, local_path(next)))
        .finish()
}

/// The cookie that remembers the chosen language for a year.
pub fn lang_cookie(lang: Lang, secure: bool) -> Cookie<'static> {
    Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .max_age(Duration::days(365))
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish()
}

/// Only a path on this site: never send people elsewhere from a link on our pages. Visible
/// ASCII only (browsers drop tabs and newlines, which could turn `/\t/x` into `//x`), no
/// backslash, and not `//`, which would name another host.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn redirects_stay_on_this_site() {
        assert_eq!(local_path(Some("/account")), "/account");
        assert_eq!(local_path(Some("//evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(Some("/\t/evil.example")), "/");
        assert_eq!(local_path(Some("/x\r\nSet-Cookie: a=b")), "/");
        assert_eq!(local_path(Some("/courses?q=a b")), "/");
        assert_eq!(local_path(None), "/");
    }
}
