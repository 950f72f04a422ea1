//! "My account": the profile a person keeps up to date.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::error::WebError;
use super::extract::{CsrfForm, Ctx, SignedIn};
use crate::accounts::profile::{self, ProfileForm};
use crate::accounts::{AccountError, Profile, RoleGrant, User};
use crate::organisations::{Province, TreeEntry};

/// The provinces and offices a person can choose from, for the forms that ask.
#[derive(Serialize)]
pub struct Choices {
    provinces: Vec<Province>,
    organisations: Vec<TreeEntry>,
}

impl Choices {
    pub async fn load(ctx: &Ctx) -> Result<Self, WebError> {
        let (provinces, organisations) = crate::organisations::choices(&ctx.state.db).await?;
        Ok(Self {
            provinces,
            organisations,
        })
    }
}

/// The profile page: the form (as stored, or as typed when it had mistakes), the person
/// and the roles they hold.
#[derive(Serialize)]
struct ProfilePage<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<&'static str>,
    choices: Choices,
    form: &'a ProfileForm,
    user: &'a User,
    grants: &'a [RoleGrant],
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
    let notice = if notice.welcome.is_some() {
        Some("notice-welcome")
    } else if notice.saved.is_some() {
        Some("notice-saved")
    } else if notice.password.is_some() {
        Some("notice-password-changed")
    } else {
        None
    };
    ctx.render_page(
        "account/profile.html",
        &ProfilePage {
            notice,
            choices: Choices::load(&ctx).await?,
            form: &ProfileForm::from_profile(&viewer.user),
            user: &viewer.user,
            grants: &viewer.grants,
        },
    )
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
            let page = ctx.page_with(&ProfilePage {
                notice: None,
                choices: Choices::load(&ctx).await?,
                form: &form,
                user: &viewer.user,
                grants: &viewer.grants,
            })?;
            ctx.form_errors("account/profile.html", page, &errors)
        }
        Err(other) => Err(other.into()),
    }
}
