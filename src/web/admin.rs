//! Admin pages: people and their roles, and the organisation tree.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::account::Choices;
use super::error::WebError;
use super::extract::{Admin, CsrfForm};
use crate::accounts::profile::optional_id;
use crate::accounts::{AccountError, Role, UserId, people, roles};
use crate::audit;
use crate::model::ids::{GrantId, LetterId};
use crate::organisations::{self, NewOrganisation, OrgError, OrganisationId};

fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .finish()
}

pub async fn index(_admin: Admin) -> HttpResponse {
    see_other("/admin/users".into())
}

#[derive(Deserialize)]
pub struct UserSearch {
    q: Option<String>,
    page: Option<i64>,
}

pub async fn users(admin: Admin, query: web::Query<UserSearch>) -> Result<HttpResponse, WebError> {
    let ctx = admin.ctx;
    let page_number = query.page.unwrap_or(1).clamp(1, 100_000);
    let search = query.q.clone();
    let (people, has_more) = people::page(&ctx.state.db, search, page_number).await?;
    ctx.render_page(
        "admin/users.html",
        &UsersPage {
            people,
            q: query.q.clone().unwrap_or_default(),
            page_number,
            has_more,
        },
    )
}

/// What the admin's list of people shows.
#[derive(Serialize)]
struct UsersPage {
    people: Vec<crate::accounts::User>,
    q: String,
    page_number: i64,
    has_more: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    action: String,
    q: String,
}

/// `/admin/audit`: the newest 200 entries of the audit log, narrowed by action and by a
/// word in the actor, subject or detail.
pub async fn audit_log(
    admin: Admin,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, WebError> {
    let ctx = admin.ctx;
    let action = audit::Action::parse(&query.action);
    let search: String = query.q.trim().chars().take(100).collect();
    let entries = audit::entries(&ctx.state.db, action, search.clone(), 200).await?;
    ctx.render_page(
        "admin/audit.html",
        &AuditPage {
            entries,
            actions: audit::Action::ALL.iter().map(|a| a.code()).collect(),
            action: action.map(audit::Action::code).unwrap_or(""),
            q: search,
        },
    )
}

/// What the audit log's page shows: the entries, and the filter as chosen.
#[derive(Serialize)]
struct AuditPage {
    entries: Vec<audit::Entry>,
    actions: Vec<&'static str>,
    action: &'static str,
    q: String,
}

pub async fn user(admin: Admin, id: web::Path<UserId>) -> Result<HttpResponse, WebError> {
    let ctx = admin.ctx;
    let (person, grants) = people::with_roles(&ctx.state.db, id.into_inner()).await?;
    ctx.render_page(
        "admin/user.html",
        &UserPage {
            choices: Choices::load(&ctx).await?,
            person,
            grants,
            roles: &Role::ALL,
        },
    )
}

/// One person as an admin sees them: their profile, their roles, and what can be granted.
#[derive(Serialize)]
struct UserPage {
    choices: Choices,
    person: crate::accounts::User,
    grants: Vec<crate::accounts::RoleGrant>,
    roles: &'static [Role],
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GrantForm {
    role: String,
    organisation: String,
}

pub async fn grant_role(
    admin: Admin,
    id: web::Path<UserId>,
    CsrfForm(form): CsrfForm<GrantForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let role = Role::parse(&form.role).ok_or(WebError::BadRequest("error-choose-one"))?;
    let mut errors = Vec::new();
    let organisation =
        optional_id::<OrganisationId>(&form.organisation, "organisation", &mut errors)
            .ok_or(WebError::BadRequest("error-choose-organisation"))?;
    let now = admin.ctx.state.now();
    let actor = admin.ctx.actor();
    match roles::grant(&admin.ctx.state.db, id, role, organisation, actor, now).await {
        Ok(()) => Ok(see_other(format!("/admin/users/{id}"))),
        Err(AccountError::Invalid(_)) => Err(WebError::BadRequest("error-choose-organisation")),
        Err(other) => Err(other.into()),
    }
}

pub async fn revoke_role(
    admin: Admin,
    path: web::Path<(UserId, GrantId)>,
    _form: CsrfForm<super::extract::NoFields>,
) -> Result<HttpResponse, WebError> {
    let (id, grant) = path.into_inner();
    let actor = admin.ctx.actor();
    let now = admin.ctx.state.now();
    let removed = roles::revoke(&admin.ctx.state.db, id, grant, actor, now).await?;
    if !removed {
        return Err(WebError::NotFound);
    }
    Ok(see_other(format!("/admin/users/{id}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AdminFlagForm {
    is_admin: String,
}

pub async fn set_admin(
    admin: Admin,
    id: web::Path<UserId>,
    CsrfForm(form): CsrfForm<AdminFlagForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let flag = match form.is_admin.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(WebError::BadRequest("error-bad-request")),
    };
    match roles::set_admin(&admin.ctx.state.db, id, flag).await {
        Ok(()) => Ok(see_other(format!("/admin/users/{id}"))),
        Err(AccountError::Invalid(_)) => Err(WebError::BadRequest("error-last-admin")),
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, serde::Serialize, Default)]
#[serde(default)]
pub struct OrganisationForm {
    slug: String,
    kind: String,
    name_km: String,
    name_en: String,
    parent: String,
    province: String,
}

pub async fn organisations(admin: Admin) -> Result<HttpResponse, WebError> {
    let ctx = admin.ctx;
    ctx.render_page(
        "admin/organisations.html",
        &OrganisationsPage {
            choices: Choices::load(&ctx).await?,
            form: &OrganisationForm::default(),
            kinds: &organisations::OrgKind::ALL,
        },
    )
}

/// The organisation tree with the form to add one (empty, or as typed).
#[derive(Serialize)]
struct OrganisationsPage<'a> {
    choices: Choices,
    form: &'a OrganisationForm,
    kinds: &'static [organisations::OrgKind],
}

pub async fn create_organisation(
    admin: Admin,
    CsrfForm(form): CsrfForm<OrganisationForm>,
) -> Result<HttpResponse, WebError> {
    let ctx = admin.ctx;
    let mut errors = Vec::new();
    let parent = optional_id::<OrganisationId>(&form.parent, "parent", &mut errors);
    let province = optional_id::<i32>(&form.province, "province", &mut errors);
    let parsed = NewOrganisation::parse(
        &form.slug,
        &form.kind,
        &form.name_km,
        &form.name_en,
        parent,
        province,
    );
    let result = match parsed {
        Ok(new) if errors.is_empty() => {
            organisations::create(&ctx.state.db, new, ctx.state.now()).await
        }
        Ok(_) => Err(OrgError::Invalid(errors)),
        Err(more) => Err(OrgError::Invalid(errors.into_iter().chain(more).collect())),
    };
    match result {
        Ok(created) => {
            tracing::info!(organisation = created.id.0, "organisation created");
            Ok(see_other("/admin/organisations".into()))
        }
        Err(OrgError::Invalid(errors)) => {
            let page = ctx.page_with(&OrganisationsPage {
                choices: Choices::load(&ctx).await?,
                form: &form,
                kinds: &organisations::OrgKind::ALL,
            })?;
            ctx.form_errors("admin/organisations.html", page, &errors)
        }
        Err(OrgError::Db(db)) => Err(db.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OutboxQuery {
    status: String,
}

/// `/admin/email`: every message Sala sent or is trying to send, with its state, attempts
/// and last error (never its text: it may carry a one-time link).
pub async fn outbox(
    admin: Admin,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, WebError> {
    let ctx = admin.ctx;
    let (messages, counts, status) =
        crate::email::outbox::overview(&ctx.state.db, &query.status).await?;
    ctx.render_page(
        "admin/email.html",
        &OutboxPage {
            messages,
            counts: counts.into_iter().collect(),
            status: status.unwrap_or(""),
        },
    )
}

/// What the outbox page shows: the messages, how many are in each status, and the status
/// chosen.
#[derive(Serialize)]
struct OutboxPage {
    messages: Vec<crate::email::outbox::Summary>,
    counts: std::collections::HashMap<String, i64>,
    status: &'static str,
}

/// Puts a failed message back in the queue and wakes the sender.
pub async fn resend(
    admin: Admin,
    id: web::Path<LetterId>,
    _form: CsrfForm<super::extract::NoFields>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let now = admin.ctx.state.now();
    crate::email::outbox::requeue(&admin.ctx.state.db, id, now).await?;
    admin.ctx.state.jobs.wake();
    Ok(see_other("/admin/email".into()))
}
