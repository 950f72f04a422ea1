//! Registering, signing in and out, and resetting a forgotten password.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::account::Choices;
use super::error::WebError;
use super::extract::{CsrfForm, Ctx, NoFields, SignedIn};
use super::lang::{lang_cookie, local_path};
use super::render::see_other;
use crate::accounts::registration::{
    Letter, NewAccount, RegistrationForm, register as create_account,
};
use crate::accounts::sessions;
use crate::accounts::tokens::TokenPurpose;
use crate::accounts::{AccountError, Password, User, password_reset, sign_in as signing};
use crate::email::{self, EmailError, MailKind, Outgoing};
use crate::i18n::{self, Lang};
use crate::web::state::AppState;

// --- Registration -------------------------------------------------------------------------

pub async fn register_form(ctx: Ctx) -> Result<HttpResponse, WebError> {
    if !ctx.state.settings.registration {
        return Err(WebError::RegistrationClosed);
    }
    ctx.render_form_page(
        "auth/register.html",
        &RegisterPage {
            choices: Choices::load(&ctx).await?,
            form: &RegistrationForm::default(),
        },
    )
}

/// The registration form, empty or as typed.
#[derive(serde::Serialize)]
struct RegisterPage<'a> {
    choices: Choices,
    form: &'a RegistrationForm,
}

/// Answers "check your email" whether or not the address has an account: the email tells
/// its owner which (see `accounts::registration::register`).
pub async fn register(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<RegistrationForm>,
) -> Result<HttpResponse, WebError> {
    if !ctx.state.settings.registration {
        return Err(WebError::RegistrationClosed);
    }
    let state = ctx.state.clone();
    let asked_in = ctx.lang;
    let letter = move |user: &User, kind: Letter, token: &str| {
        registration_letter(&state, asked_in, user, kind, token)
    };
    let result = match NewAccount::parse(&form, ctx.lang) {
        Ok(account) => create_account(&ctx.state.db, account, ctx.state.now(), letter).await,
        Err(errors) => Err(AccountError::Invalid(errors)),
    };
    match result {
        Ok(sent) => {
            if sent {
                ctx.state.jobs.wake();
            }
            Ok(see_other("/register/sent"))
        }
        Err(AccountError::Invalid(errors)) => {
            let page = ctx.form_page_with(&RegisterPage {
                choices: Choices::load(&ctx).await?,
                form: &form,
            })?;
            ctx.form_errors("auth/register.html", page, &errors)
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn register_sent(ctx: Ctx) -> Result<HttpResponse, WebError> {
    ctx.render_page(
        "auth/register_sent.html",
        &LinkSentPage {
            days: TokenPurpose::SetPassword.lifetime().num_days(),
        },
    )
}

/// "Check your email": how many days the link in it lasts.
#[derive(serde::Serialize)]
struct LinkSentPage {
    days: i64,
}

/// The registration email, in the language of the account (or of the form).
fn registration_letter(
    state: &AppState,
    asked_in: Lang,
    user: &User,
    kind: Letter,
    token: &str,
) -> Result<Outgoing, EmailError> {
    let lang = user.lang.unwrap_or(asked_in);
    let mut mail = letter_context(lang, user);
    let known = kind == Letter::AlreadyRegistered;
    mail.insert("known", &known);
    mail.insert(
        "link",
        &state
            .settings
            .absolute_url(&format!("/password-reset/{token}")),
    );
    mail.insert("sign_in", &state.settings.absolute_url("/sign-in"));
    mail.insert("days", &kind.purpose().lifetime().num_days());
    mail.insert("minutes", &kind.purpose().lifetime().num_minutes());
    let subject = if known {
        "email-known-subject"
    } else {
        "email-register-subject"
    };
    Ok(Outgoing {
        kind: MailKind::Registration,
        to: user.email.clone(),
        subject: i18n::translate(lang, subject),
        body: email::render(&state.templates, "email/registration.txt", &mail)?,
    })
}

/// What every account email starts from: its language and the name to greet.
fn letter_context(lang: Lang, user: &User) -> tera::Context {
    let mut mail = tera::Context::new();
    mail.insert("lang", &lang);
    mail.insert(
        "name",
        if lang == Lang::Km && !user.name_km.is_empty() {
            &user.name_km
        } else {
            &user.name_latin
        },
    );
    mail
}

// --- Signing in and out -------------------------------------------------------------------

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

#[derive(Deserialize, serde::Serialize, Default)]
#[serde(default)]
pub struct SignInForm {
    email: String,
    #[serde(skip_serializing)]
    password: String,
    next: String,
}

pub async fn sign_in_form(
    ctx: Ctx,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, WebError> {
    let next = local_path(query.next.as_deref());
    if ctx.viewer.is_some() {
        return Ok(see_other(&next));
    }
    ctx.render_form_page(
        "auth/sign_in.html",
        &SignInPage {
            notice: query
                .signed_out
                .is_some()
                .then_some("notice-signed-out-everywhere"),
            form: &SignInForm {
                next,
                ..SignInForm::default()
            },
            problem: None,
        },
    )
}

/// The sign-in form: what was typed (never the password), and why it did not work.
#[derive(serde::Serialize)]
struct SignInPage<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<&'static str>,
    form: &'a SignInForm,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

pub async fn sign_in(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<SignInForm>,
) -> Result<HttpResponse, WebError> {
    let policy = ctx.state.throttle;
    let attempt = signing::sign_in(
        &ctx.state.db,
        &form.email,
        form.password.clone(),
        ctx.address,
        policy,
        ctx.state.now(),
    )
    .await;
    let (status, message, args) = match attempt {
        Ok(user) => return signed_in(&ctx, &user, &local_path(Some(&form.next))).await,
        Err(AccountError::BadCredentials) => {
            (StatusCode::UNAUTHORIZED, "error-bad-credentials", vec![])
        }
        Err(AccountError::Throttled { minutes }) => (
            StatusCode::TOO_MANY_REQUESTS,
            "error-throttled",
            vec![("minutes", minutes.to_string())],
        ),
        Err(other) => return Err(other.into()),
    };
    let page = ctx.form_page_with(&SignInPage {
        notice: None,
        form: &form,
        problem: Some(i18n::translate_with(ctx.lang, message, &args)),
    })?;
    ctx.render_status(status, "auth/sign_in.html", &page)
}

/// Starts the session and brings back the language the person chose in their profile.
pub(super) async fn signed_in(
    ctx: &Ctx,
    user: &User,
    next: &str,
) -> Result<HttpResponse, WebError> {
    tracing::info!(user = user.id.0, "signed in");
    ctx.sign_in(user).await?;
    let mut response = see_other(next);
    if let Some(lang) = user.lang {
        let cookie = lang_cookie(lang, ctx.state.settings.secure_cookies());
        response
            .add_cookie(&cookie)
            .map_err(|e| WebError::Internal(e.to_string()))?;
    }
    Ok(response)
}

pub async fn sign_out(ctx: Ctx, _form: CsrfForm<NoFields>) -> Result<HttpResponse, WebError> {
    ctx.sign_out().await?;
    Ok(see_other("/"))
}

/// Ends every session of the signed-in person, on every device, this one included.
pub async fn sign_out_everywhere(
    signed_in: SignedIn,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let SignedIn { ctx, viewer } = signed_in;
    sessions::end_all(&ctx.state.db, viewer.user.id).await?;
    tracing::info!(user = viewer.user.id.0, "signed out everywhere");
    ctx.sign_out().await?;
    Ok(see_other("/sign-in?signed_out=everywhere"))
}

// --- Password reset -----------------------------------------------------------------------

#[derive(Deserialize, serde::Serialize, Default)]
#[serde(default)]
pub struct EmailForm {
    email: String,
}

pub async fn reset_request_form(ctx: Ctx) -> Result<HttpResponse, WebError> {
    ctx.render_form_page(
        "auth/reset_request.html",
        &EmailPage {
            form: &EmailForm::default(),
        },
    )
}

/// "I forgot my password": the address, empty or as typed.
#[derive(serde::Serialize)]
struct EmailPage<'a> {
    form: &'a EmailForm,
}

/// Always answers "if there is an account, a link is on its way", so the page does not tell
/// who has an account.
pub async fn reset_request(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> Result<HttpResponse, WebError> {
    let state = ctx.state.clone();
    let asked_in = ctx.lang;
    let letter = move |user: &User, token: &str| reset_letter(&state, asked_in, user, token);
    match password_reset::request(&ctx.state.db, &form.email, ctx.state.now(), letter).await {
        Ok(true) => ctx.state.jobs.wake(),
        Ok(false) => {}
        Err(AccountError::Invalid(errors)) => {
            let page = ctx.form_page_with(&EmailPage { form: &form })?;
            return ctx.form_errors("auth/reset_request.html", page, &errors);
        }
        Err(other) => return Err(other.into()),
    }
    ctx.render("auth/reset_sent.html", &ctx.page())
}

/// The reset email, in the account's language (or the language it was asked in).
fn reset_letter(
    state: &AppState,
    asked_in: Lang,
    user: &User,
    token: &str,
) -> Result<Outgoing, EmailError> {
    let lang = user.lang.unwrap_or(asked_in);
    let mut mail = letter_context(lang, user);
    mail.insert(
        "link",
        &state
            .settings
            .absolute_url(&format!("/password-reset/{token}")),
    );
    mail.insert(
        "minutes",
        &TokenPurpose::PasswordReset.lifetime().num_minutes(),
    );
    Ok(Outgoing {
        kind: MailKind::PasswordReset,
        to: user.email.clone(),
        subject: i18n::translate(lang, "email-reset-subject"),
        body: email::render(&state.templates, "email/password_reset.txt", &mail)?,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewPasswordForm {
    password: String,
}

pub async fn reset_form(ctx: Ctx, token: web::Path<String>) -> Result<HttpResponse, WebError> {
    let (user, purpose) =
        password_reset::check(&ctx.state.db, token.into_inner(), ctx.state.now()).await?;
    ctx.render_form_page("auth/reset_form.html", &NewPasswordPage::of(&user, purpose))
}

/// Choosing a password from a link: whose account, and whether it is their first.
#[derive(serde::Serialize)]
struct NewPasswordPage<'a> {
    email: &'a str,
    first_password: bool,
}

impl<'a> NewPasswordPage<'a> {
    fn of(user: &'a User, purpose: TokenPurpose) -> Self {
        Self {
            email: &user.email,
            first_password: purpose == TokenPurpose::SetPassword,
        }
    }
}

pub async fn reset(
    ctx: Ctx,
    token: web::Path<String>,
    CsrfForm(form): CsrfForm<NewPasswordForm>,
) -> Result<HttpResponse, WebError> {
    let token = token.into_inner();
    let password = match Password::parse(&form.password) {
        Ok(password) => password,
        Err(error) => {
            let (user, purpose) =
                password_reset::check(&ctx.state.db, token, ctx.state.now()).await?;
            let page = ctx.form_page_with(&NewPasswordPage::of(&user, purpose))?;
            return ctx.form_errors("auth/reset_form.html", page, &[error]);
        }
    };
    let (user, purpose) =
        password_reset::complete(&ctx.state.db, token, password, ctx.state.now()).await?;
    let next = match purpose {
        // The first password: a new account, or one an admin made.
        TokenPurpose::SetPassword => "/account?welcome=1",
        TokenPurpose::PasswordReset => "/account?password=changed",
    };
    signed_in(&ctx, &user, next).await
}
