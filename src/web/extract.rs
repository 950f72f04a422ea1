//! Extractors: who is asking (`Ctx`), in which language, with which rights (`SignedIn`,
//! `Admin`, `OrgRole<Publisher>`, `OrgRole<Coordinator>`), and a form that passed the CSRF
//! check (`CsrfForm`). Authorisation is decided here, not in handlers.

use std::future::Future;
use std::marker::PhantomData;
use std::net::IpAddr;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::header::{ACCEPT_LANGUAGE, CONTENT_TYPE};
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::address::{ProxyHeader, client_address};
use super::error::WebError;
use crate::accounts::roles::may_act;
use crate::accounts::sessions::{self, SessionPolicy};
use crate::accounts::{Role, RoleGrant, User, UserId};
use crate::db;
use crate::i18n::Lang;
use crate::organisations::Organisation;
use crate::web::state::AppState;

pub const LANG_COOKIE: &str = "lang";
const SESSION_USER: &str = "uid";
const SESSION_EPOCH: &str = "epoch";
const SESSION_CSRF: &str = "csrf";
const SESSION_SINCE: &str = "since";
/// The random id of this session; the database keeps its SHA-256 while the session is open.
const SESSION_ID: &str = "sid";

/// The signed-in person and the roles they hold.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: User,
    pub grants: Vec<RoleGrant>,
    /// The session was last marked as used a few minutes ago or more.
    pub touch_due: bool,
}

impl crate::learning::Learner for Viewer {
    fn user_id(&self) -> UserId {
        self.user.id
    }
}

/// The context of every page: language, the signed-in person (if any), the session.
pub struct Ctx {
    pub state: web::Data<AppState>,
    pub lang: Lang,
    pub viewer: Option<Viewer>,
    pub session: Session,
    /// The path and query of this request, to come back to after switching language.
    pub here: String,
    pub address: Option<IpAddr>,
    /// The browser's `If-None-Match`, to answer 304 when the page did not change.
    pub if_none_match: Option<String>,
}

/// The visitor's language without a database look-up: the `lang` cookie, else the
/// browser's `Accept-Language`, else Khmer.
pub fn request_lang(req: &HttpRequest) -> Option<Lang> {
    req.cookie(LANG_COOKIE)
        .and_then(|c| Lang::from_code(c.value()))
        .or_else(|| {
            req.headers()
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
}

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, WebError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| WebError::Internal("application state missing".into()))
}

/// Who the session says is signed in, before the database has confirmed it.
#[derive(Debug, Clone)]
pub struct Claim {
    user: UserId,
    epoch: Option<i32>,
    /// What the database stores for the cookie's session id (none in a cookie made before
    /// sessions were kept in the database: such a session no longer holds).
    stored_id: Option<String>,
    /// Whether the session is younger than the policy's maximum age.
    fresh: bool,
    now: chrono::NaiveDateTime,
    seen_after: chrono::NaiveDateTime,
}

/// A session whose `last_seen_at` is due to be moved on (at most every few minutes).
pub struct Touch {
    stored_id: String,
    now: chrono::NaiveDateTime,
}

impl Touch {
    async fn run(self, db: &db::Db) {
        if let Err(error) = sessions::touch(db, self.stored_id, self.now).await {
            // The session still holds; it only risks ending a few minutes early.
            tracing::warn!(error = %error, "the session's last use was not recorded");
        }
    }
}

impl Claim {
    fn of(session: &Session, now: chrono::NaiveDateTime, policy: SessionPolicy) -> Option<Self> {
        let user = session.get::<i64>(SESSION_USER).ok().flatten()?;
        let epoch = session.get::<i32>(SESSION_EPOCH).ok().flatten();
        let stored_id = session
            .get::<String>(SESSION_ID)
            .ok()
            .flatten()
            .map(|id| sessions::stored_id(&id));
        let since = session
            .get::<i64>(SESSION_SINCE)
            .ok()
            .flatten()
            .unwrap_or(0);
        Some(Self {
            user: UserId(user),
            epoch,
            stored_id,
            fresh: now.and_utc().timestamp() - since < policy.max_age.num_seconds(),
            now,
            seen_after: policy.seen_after(now),
        })
    }

    /// The person the session names, with their roles, if the session still holds: it is
    /// open in the database (not signed out, not idle too long), the account exists, its
    /// password has not changed since the session was made, and the session is not too
    /// old. One query.
    pub fn confirm(&self, conn: &mut db::DbConnection) -> Result<Option<Viewer>, db::DbError> {
        let Some(stored_id) = self.stored_id.as_deref() else {
            return Ok(None);
        };
        Ok(
            db::users::in_session(conn, self.user, stored_id, self.seen_after)?
                .map(|(user, grants, seen)| Viewer {
                    user,
                    grants,
                    touch_due: SessionPolicy::touch_due(seen, self.now),
                })
                .filter(|viewer| Some(viewer.user.session_epoch) == self.epoch && self.fresh),
        )
    }

    /// [`Claim::confirm`] as a use case runs it, in its own trip to the database.
    pub fn confirmation(
        self,
    ) -> impl FnOnce(&mut db::DbConnection) -> Result<Option<Viewer>, db::DbError> + Send + 'static
    {
        move |conn| self.confirm(conn)
    }

    /// The write that marks the session as used, when the confirmed viewer is due one.
    fn touch(&self, viewer: Option<&Viewer>) -> Option<Touch> {
        viewer
            .filter(|v| v.touch_due)
            .and(self.stored_id.clone().map(|stored_id| Touch {
                stored_id,
                now: self.now,
            }))
    }
}

impl Ctx {
    /// The context of a request before the database is asked who is signed in: no viewer
    /// yet, and the language as the cookie or the browser says.
    fn unconfirmed(req: &HttpRequest) -> Result<(Self, Option<Claim>), WebError> {
        let state = app_state(req)?;
        let session = req.get_session();
        let claim = Claim::of(
            &session,
            state.now(),
            SessionPolicy::new(state.settings.session_idle_minutes),
        );
        let here = req
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned());
        let proxy = state
            .settings
            .trust_proxy
            .then_some(if state.settings.proxy_forwarded {
                ProxyHeader::Forwarded
            } else {
                ProxyHeader::XForwardedFor
            });
        let address = client_address(req, proxy);
        let if_none_match = req
            .headers()
            .get(actix_web::http::header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let ctx = Self {
            state,
            lang: request_lang(req).unwrap_or_default(),
            viewer: None,
            session,
            here,
            address,
            if_none_match,
        };
        Ok((ctx, claim))
    }

    /// Takes the person the session's claim was confirmed as, or ends a session that no
    /// longer holds (made before the last password change, or too long ago). `clear`, not
    /// `purge`: this request may still need a CSRF token. The person's own language applies
    /// unless the `lang` cookie chose one. Returns the write that marks the session as
    /// used, when one is due.
    fn confirmed(
        &mut self,
        req: &HttpRequest,
        claim: Option<Claim>,
        viewer: Option<Viewer>,
    ) -> Option<Touch> {
        if claim.is_some() && viewer.is_none() {
            self.session.clear();
        }
        let touch = claim.and_then(|claim| claim.touch(viewer.as_ref()));
        self.lang = req
            .cookie(LANG_COOKIE)
            .and_then(|c| Lang::from_code(c.value()))
            .or_else(|| viewer.as_ref().and_then(|v| v.user.lang))
            .or_else(|| request_lang(req))
            .unwrap_or_default();
        self.viewer = viewer;
        touch
    }

    async fn load(req: HttpRequest) -> Result<Self, WebError> {
        let (mut ctx, claim) = Self::unconfirmed(&req)?;
        let viewer = match claim.clone() {
            Some(claim) => ctx.state.db.lookup(move |conn| claim.confirm(conn)).await?,
            None => None,
        };
        if let Some(touch) = ctx.confirmed(&req, claim, viewer) {
            touch.run(&ctx.state.db).await;
        }
        Ok(ctx)
    }

    /// The signed-in person, or a redirect to the sign-in page that comes back here.
    pub fn require_viewer(&self) -> Result<&Viewer, WebError> {
        self.viewer
            .as_ref()
            .ok_or_else(|| WebError::SignInRequired {
                next: self.here.clone(),
            })
    }

    /// This session's CSRF token, made on first use.
    /// Who is acting, for the audit log.
    pub fn actor(&self) -> crate::audit::Actor {
        crate::audit::Actor {
            user: self.viewer.as_ref().map(|v| v.user.id),
            label: self
                .viewer
                .as_ref()
                .map_or_else(|| "anonymous".to_owned(), |v| v.user.email.clone()),
            address: self.address.map(|a| a.to_string()),
        }
    }

    pub fn csrf_token(&self) -> String {
        if let Ok(Some(token)) = self.session.get::<String>(SESSION_CSRF) {
            return token;
        }
        let token = new_csrf_token();
        // Inserting a String into the cookie session only fails on serialisation, which a
        // String cannot fail.
        let _ = self.session.insert(SESSION_CSRF, &token);
        token
    }

    /// Starts a session for `user`, open in the database until signed out or idle. A new
    /// CSRF token comes with it.
    pub async fn sign_in(&self, user: &User) -> Result<(), WebError> {
        let policy = SessionPolicy::new(self.state.settings.session_idle_minutes);
        let id = sessions::start(&self.state.db, user.id, policy, self.state.now()).await?;
        self.session.renew();
        self.session.clear();
        let stored = self
            .session
            .insert(SESSION_USER, user.id.0)
            .and_then(|()| self.session.insert(SESSION_ID, &id))
            .and_then(|()| self.session.insert(SESSION_EPOCH, user.session_epoch))
            .and_then(|()| {
                let now = self.state.now().and_utc().timestamp();
                self.session.insert(SESSION_SINCE, now)
            })
            .and_then(|()| self.session.insert(SESSION_CSRF, new_csrf_token()));
        stored.map_err(|e| WebError::Internal(e.to_string()))
    }

    /// Ends this session in the database (so a copy of its cookie names no one) and in the
    /// browser.
    pub async fn sign_out(&self) -> Result<(), WebError> {
        if let Ok(Some(id)) = self.session.get::<String>(SESSION_ID) {
            sessions::end(&self.state.db, &id).await?;
        }
        self.session.purge();
        Ok(())
    }
}

fn new_csrf_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

type Boxed<T> = Pin<Box<dyn Future<Output = Result<T, WebError>>>>;

impl FromRequest for Ctx {
    type Error = WebError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(Ctx::load(req.clone()))
    }
}

/// A request whose signed-in person is confirmed by the handler, in the same trip to the
/// database as its own queries, rather than by the extractor in a trip of its own: on
/// PostgreSQL each trip is a hand-off to the blocking pool and a connection checked out,
/// which the pages every learner asks for most (a chapter, "I have read this", a practice
/// check) need not pay twice. The handler runs [`Claim::confirm`] in its closure and gives
/// the result to [`Claimed::confirmed`] before it reads `ctx.viewer`.
pub struct Claimed {
    ctx: Ctx,
    claim: Option<Claim>,
    req: HttpRequest,
}

impl Claimed {
    /// Who the session says is signed in, if anyone.
    pub fn claim(&self) -> Option<Claim> {
        self.claim.clone()
    }

    /// Confirming the claim, if there is one, as a use case runs it in its own trip to the
    /// database: nobody when the session names no one.
    pub fn confirmation(
        &self,
    ) -> impl FnOnce(&mut db::DbConnection) -> Result<Option<Viewer>, db::DbError> + Send + 'static
    {
        let claim = self.claim.clone();
        move |conn| match claim {
            Some(claim) => claim.confirm(conn),
            None => Ok(None),
        }
    }

    /// The context, with the person the claim was confirmed as (`None` ends the session).
    /// A session due to be marked as used is marked after the answer, so the page waits
    /// for no second trip to the database.
    pub fn confirmed(self, viewer: Option<Viewer>) -> Ctx {
        let Self {
            mut ctx,
            claim,
            req,
        } = self;
        if let Some(touch) = ctx.confirmed(&req, claim, viewer) {
            let db = ctx.state.db.clone();
            actix_web::rt::spawn(async move { touch.run(&db).await });
        }
        ctx
    }

    /// The application state, before the claim is confirmed.
    pub fn state(&self) -> &web::Data<AppState> {
        &self.ctx.state
    }

    /// The redirect to the sign-in page that comes back here.
    pub fn sign_in_required(&self) -> WebError {
        WebError::SignInRequired {
            next: self.ctx.here.clone(),
        }
    }
}

impl FromRequest for Claimed {
    type Error = WebError;
    type Future = std::future::Ready<Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ctx::unconfirmed(req).map(|(ctx, claim)| Claimed {
            ctx,
            claim,
            req: req.clone(),
        }))
    }
}

/// A [`Claimed`] request for signed-in people only: a session that names no one is sent to
/// sign in first, as with [`SignedIn`].
pub struct ClaimedBySomeone {
    pub claimed: Claimed,
    pub claim: Claim,
}

impl FromRequest for ClaimedBySomeone {
    type Error = WebError;
    type Future = std::future::Ready<Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let claimed = match Claimed::from_request(req, payload).into_inner() {
            Ok(claimed) => claimed,
            Err(e) => return std::future::ready(Err(e)),
        };
        std::future::ready(match claimed.claim.clone() {
            Some(claim) => Ok(Self { claimed, claim }),
            None => Err(claimed.sign_in_required()),
        })
    }
}

/// A page only for signed-in people.
pub struct SignedIn {
    pub ctx: Ctx,
    pub viewer: Viewer,
}

impl FromRequest for SignedIn {
    type Error = WebError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let ctx = Ctx::load(req).await?;
            let viewer = ctx.require_viewer()?.clone();
            Ok(SignedIn { ctx, viewer })
        })
    }
}

/// A page only for admins.
pub struct Admin {
    pub ctx: Ctx,
    pub viewer: Viewer,
}

impl FromRequest for Admin {
    type Error = WebError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let ctx = Ctx::load(req).await?;
            let viewer = ctx.require_viewer()?.clone();
            if !viewer.user.is_admin {
                return Err(WebError::Forbidden);
            }
            Ok(Admin { ctx, viewer })
        })
    }
}

/// Roles held for an organisation and its descendants; holding any one of `ROLES` lets
/// someone in.
pub trait ScopedRole {
    const ROLES: &'static [Role];
}

pub struct Publisher;
pub struct Coordinator;
/// Whoever answers for an organisation's certificates: its publishers and coordinators.
pub struct CertificateStaff;

impl ScopedRole for Publisher {
    const ROLES: &'static [Role] = &[Role::Publisher];
}

impl ScopedRole for Coordinator {
    const ROLES: &'static [Role] = &[Role::Coordinator];
}

impl ScopedRole for CertificateStaff {
    const ROLES: &'static [Role] = &[Role::Publisher, Role::Coordinator];
}

/// A page for someone acting as `R` for the organisation named by the `{org}` path segment.
pub struct OrgRole<R> {
    pub ctx: Ctx,
    pub organisation: Organisation,
    role: PhantomData<R>,
}

impl<R: ScopedRole + 'static> FromRequest for OrgRole<R> {
    type Error = WebError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let slug = req.match_info().get("org").unwrap_or_default().to_owned();
            let ctx = Ctx::load(req).await?;
            let grants = ctx.require_viewer()?.grants.clone();
            let (organisation, lineage) = ctx
                .state
                .db
                .read(move |conn| {
                    let Some(org) = db::organisations::find_by_slug(conn, &slug)? else {
                        return Ok::<_, db::DbError>(None);
                    };
                    let lineage = db::organisations::lineage(conn, org.id)?;
                    Ok(Some((org, lineage)))
                })
                .await?
                .ok_or(WebError::NotFound)?;
            if !R::ROLES
                .iter()
                .any(|&role| may_act(&grants, role, &lineage))
            {
                return Err(WebError::Forbidden);
            }
            Ok(OrgRole {
                ctx,
                organisation,
                role: PhantomData,
            })
        })
    }
}

/// A submitted form whose CSRF token matched the session's. Every state-changing request
/// takes one of these, so a page on another site cannot post on a user's behalf.
pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = WebError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let is_form = req
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            if !is_form {
                return Err(WebError::BadRequest("error-bad-request"));
            }
            let body = body.await.map_err(|_| WebError::TooLarge)?;
            let sent = serde_urlencoded::from_bytes::<CsrfField>(&body)
                .map_err(|_| WebError::BadRequest("error-bad-request"))?
                .csrf;
            if !csrf_matches(&req, &sent) {
                return Err(WebError::Csrf);
            }
            serde_urlencoded::from_bytes::<T>(&body)
                .map(CsrfForm)
                .map_err(|_| WebError::BadRequest("error-bad-request"))
        })
    }
}

/// Whether `sent` is this session's CSRF token (for forms that are not url-encoded).
pub fn csrf_matches(req: &HttpRequest, sent: &str) -> bool {
    let expected = req
        .get_session()
        .get::<String>(SESSION_CSRF)
        .ok()
        .flatten()
        .unwrap_or_default();
    !expected.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
}

/// A form with nothing but its CSRF token (sign out, a button).
#[derive(serde::Deserialize)]
pub struct NoFields {}
