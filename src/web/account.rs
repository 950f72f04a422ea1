//! "My account": the profile a person keeps up to date.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::error::WebError;
use super::extract::{CsrfForm, Ctx, SignedIn};
use crate::accounts::profile::{self, ProfileForm};
use crate::accounts::{AccountError, Profile};
use crate::organisations::{Province, TreeEntry};

#[derive(Serialize)]
struct Choices {
    provinces: Vec<Province>,
    organisations: Vec<TreeEntry>,
}

/// The provinces and offices a person can choose from, for the forms that ask.
pub async fn choices(ctx: &Ctx, page: &mut tera::Context) -> Result<(), WebError> {
    let (provinces, organisations) = crate::organisations::choices(&ctx.state.db).await?;
    page.insert(
        "choices",
        &Choices {
            provinces,
            organisations,
        },
    );
    Ok(())
}

/// What the redirect to this page says happened.
#[derive(serde::Deserialize)]
pub struct Notice {
    welcome: Option<String>,
    saved: Option<String>,
    password: Option<String>,
}

pub async fn show(
    signed_in: SignedIn,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    let mut page = ctx.page();
    let notice = if notice.welcome.is_some() {
        Some("notice-welcome")
    } else if notice.saved.is_some() {
        Some("notice-saved")
    } else if notice.password.is_some() {
        Some("notice-password-changed")
    } else {
        None
    };
    page.insert("notice", &notice);
    choices(&ctx, &mut page).await?;
    page.insert("form", &ProfileForm::from_profile(&viewer.user));
    page.insert("user", &viewer.user);
    page.insert("grants", &viewer.grants);
    ctx.render("account/profile.html", &page)
}

pub async fn update(
    signed_in: SignedIn,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    let result = match Profile::parse(&form) {
        Ok(parsed) => profile::update(&ctx.state.db, viewer.user.id, parsed, ctx.state.now()).await,
        Err(errors) => Err(AccountError::Invalid(errors)),
    };
    match result {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/account?saved=1"))
            .finish()),
        Err(AccountError::Invalid(errors)) => {
            let mut page = ctx.page();
            choices(&ctx, &mut page).await?;
            page.insert("form", &form);
            page.insert("user", &viewer.user);
            page.insert("grants", &viewer.grants);
            ctx.form_errors("account/profile.html", page, &errors)
        }
        Err(other) => Err(other.into()),
    }
}
