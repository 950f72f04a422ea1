//! Builds the server from the settings. Every check that can fail is made here, before
//! the first request, with one clear sentence when it fails.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use actix_session::SessionMiddleware;
use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Key, SameSite, time::Duration};
use actix_web::dev::Server;
use actix_web::middleware::Compress;
use actix_web::{App, HttpServer};
use tracing_actix_web::TracingLogger;

use crate::accounts::sign_in::ThrottlePolicy;
use crate::bounded::Bounded;
use crate::certificates::Authority;
use crate::clock::Clock;
use crate::cohorts::letters::Letters;
use crate::cohorts::links::Links;
use crate::config::Settings;
use crate::courses::check;
use crate::courses::publish::{self, CourseError};
use crate::courses::source::SourceFiles;
use crate::db::{Db, DbError};
use crate::email::outbox::Sender;
use crate::email::{EmailError, Mailer};
use crate::i18n::Lang;
use crate::jobs::{Jobs, Reminders};
use crate::secrets::{self, SecretError};
use crate::templates::{self, TemplateError};
use crate::web::assets::Assets;
use crate::web::middleware::{RequestSpan, error_pages, security_headers};
use crate::web::state::AppState;
use crate::web::{self, forms};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("the data directory {0} cannot be used: {1}")]
    DataDir(String, std::io::Error),
    #[error("cannot use the database at {0}: {1}")]
    Database(String, DbError),
    #[error(transparent)]
    Templates(#[from] TemplateError),
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    #[error("the signing keys could not be checked: {0}")]
    Keys(String),
}

/// Makes sure the data directory exists and can be written to.
pub fn prepare_data_dir(dir: &Path) -> Result<(), StartupError> {
    let shown = dir.display().to_string();
    std::fs::create_dir_all(dir).map_err(|e| StartupError::DataDir(shown.clone(), e))?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| StartupError::DataDir(shown, e))
}

/// Opens the database and applies pending migrations.
pub fn open_database(settings: &Settings) -> Result<Db, StartupError> {
    let shown = settings.database.display();
    let db = Db::connect(&settings.database, settings.db_pool_size)
        .map_err(|e| StartupError::Database(shown.clone(), e))?;
    db.migrate().map_err(|e| StartupError::Database(shown, e))?;
    Ok(db)
}

/// A running server and the port it listens on.
pub struct Application {
    port: u16,
    server: Server,
    clock: Clock,
    jobs: Jobs,
    sender: Sender,
    reminders: Reminders,
}

/// Publishes every course folder under `dir` whose course is not in the database yet, so a
/// fresh install shows real content. A folder with problems is reported in the log and
/// skipped; it never stops the server from starting.
pub async fn publish_new_courses(db: &Db, dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        tracing::info!(dir = %dir.display(), "no course folder to publish from");
        return;
    };
    // The organisations and signatories the courses name, created once: a course only
    // names them, it never creates them.
    let seed_file = dir.join("organisations.toml");
    if seed_file.is_file() {
        let (db, now) = (db.clone(), chrono::Utc::now().naive_utc());
        let seeded = tokio::task::spawn_blocking(move || {
            crate::certificates::signatories::seed(&db, &seed_file, now)
        })
        .await;
        match seeded {
            Ok(Ok((0, 0))) => {}
            Ok(Ok((organisations, signatories))) => {
                tracing::info!(
                    organisations,
                    signatories,
                    "organisations created from organisations.toml"
                )
            }
            Ok(Err(error)) => tracing::error!(%error, "organisations.toml not loaded"),
            Err(error) => tracing::error!(%error, "organisations.toml not loaded"),
        }
    }
    let mut folders: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("course.toml").is_file())
        .collect();
    folders.sort();
    for folder in folders {
        let files = match SourceFiles::from_dir(&folder) {
            Ok(files) => files,
            Err(error) => {
                tracing::warn!(folder = %folder.display(), %error, "course folder not readable");
                continue;
            }
        };
        let name = folder.file_name().map(|n| n.to_string_lossy().into_owned());
        let source = match check::check(&files, name.as_deref()) {
            Ok(source) => source,
            Err(problems) => {
                for problem in &problems {
                    tracing::warn!(folder = %folder.display(), "{}", problem.describe(Lang::En));
                }
                continue;
            }
        };
        let id = source.meta.id.clone();
        let known = db
            .read(move |conn| crate::db::courses::by_source_id(conn, &id))
            .await;
        if !matches!(known, Ok(None)) {
            continue;
        }
        let now = chrono::Utc::now().naive_utc();
        match publish::publish(db, source, "Published on first start", None, now).await {
            Ok(outcome) => tracing::info!(folder = %folder.display(), ?outcome, "course published"),
            Err(CourseError::Invalid(problems)) => {
                for problem in &problems {
                    tracing::warn!(folder = %folder.display(), "{}", problem.describe(Lang::En));
                }
            }
            Err(error) => {
                tracing::error!(folder = %folder.display(), %error, "course not published")
            }
        }
    }
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        prepare_data_dir(&settings.data_dir)?;
        let db = open_database(&settings)?;
        if let Some(dir) = &settings.courses_dir {
            publish_new_courses(&db, dir).await;
        }
        let key = secrets::cookie_key(settings.cookie_key.as_ref(), &settings.data_dir)?;
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| StartupError::Bind(settings.bind.clone(), e))?;
        let port = listener
            .local_addr()
            .map_err(|e| StartupError::Bind(settings.bind.clone(), e))?
            .port();
        let mut settings = settings;
        if settings.base_url.port() == Some(0) {
            // Bound to "any free port": links in pages and emails name the real one.
            let _ = settings.base_url.set_port(Some(port));
        }
        let certificates = Arc::new(certificate_authority_with(&settings, &key)?);
        adopt_legacy_keys(&db, &certificates).await?;
        let clock = Clock::default();
        let jobs = Jobs::default();
        let sender = Sender {
            db: db.clone(),
            mailer: Mailer::from_settings(&settings)?,
            from: settings.mail_from.clone(),
            owner: instance_name(port),
            host: settings.base_url.host_str().unwrap_or("sala").to_owned(),
            clock: clock.clone(),
        };
        let templates = templates::load()?;
        let letters = Arc::new(Letters {
            templates: templates.clone(),
            base_url: settings.base_url.clone(),
            links: Links::new(&key),
        });
        let reminders = Reminders {
            db: db.clone(),
            letters: letters.clone(),
            clock: clock.clone(),
        };
        let state = web_data(AppState {
            certificates,
            letters,
            db,
            templates,
            jobs: jobs.clone(),
            clock: clock.clone(),
            throttle: ThrottlePolicy::default(),
            assets: Assets::load(),
            published: Default::default(),
            report_totals: Default::default(),
            verify_work: Bounded::new(settings.verify_work),
            course_work: Bounded::new(settings.course_work),
            settings,
        });
        let server = run(listener, state, Key::from(&key))
            .map_err(|e| StartupError::Bind("the listener".into(), e))?;
        Ok(Self {
            port,
            server,
            clock,
            jobs,
            sender,
            reminders,
        })
    }

    /// The clock this instance runs on (tests move it forward).
    pub fn clock(&self) -> Clock {
        self.clock.clone()
    }

    /// Wakes this instance's background loop (tests do after moving the clock).
    pub fn jobs(&self) -> Jobs {
        self.jobs.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server (and with it the background loop).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves requests, and runs the background loop beside them, until the server stops.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let background = self.jobs.run(self.sender, self.reminders);
        tokio::select! {
            result = self.server => result,
            () = background => Ok(()),
        }
    }
}

/// The certificate authority for command-line use (`sala keys`, `sala verify`): the same
/// secrets and public address as the server.
pub fn certificate_authority(settings: &Settings) -> Result<Authority, StartupError> {
    let key = secrets::cookie_key(settings.cookie_key.as_ref(), &settings.data_dir)?;
    certificate_authority_with(settings, &key)
}

fn certificate_authority_with(
    settings: &Settings,
    cookie_key: &[u8],
) -> Result<Authority, StartupError> {
    let kek = secrets::key_encryption_key(
        settings.key_encryption_key_file.as_deref(),
        &settings.data_dir,
    )?;
    Ok(Authority::new(
        cookie_key,
        kek.expose(),
        settings.base_url.clone(),
        &settings.serial_prefix,
    ))
}

/// Signing keys sealed under the cookie key by earlier versions are sealed again under
/// the key-encryption secret, in one transaction, so that the cookie key can be replaced.
/// Keys that open under neither are reported, not touched: signing with them fails until
/// the right key-encryption secret is put back.
async fn adopt_legacy_keys(db: &Db, authority: &Arc<Authority>) -> Result<(), StartupError> {
    let authority = Arc::clone(authority);
    let adopted = db
        .write(move |conn| authority.adopt_legacy_keys(conn))
        .await
        .map_err(|e| StartupError::Keys(e.to_string()))?;
    if adopted.resealed > 0 {
        tracing::info!(
            keys = adopted.resealed,
            "sealed the signing keys under the key-encryption secret instead of the cookie key"
        );
    }
    if adopted.unreadable > 0 {
        tracing::error!(
            keys = adopted.unreadable,
            "signing keys open under neither the key-encryption secret nor the cookie key: \
             certificates cannot be signed until the key-encryption secret they were sealed \
             with is put back (SALA_KEY_ENCRYPTION_KEY_FILE)"
        );
    }
    Ok(())
}

/// A name for this running instance, unique among instances sharing a database: it marks
/// the outbox rows this instance has leased.
fn instance_name(port: u16) -> String {
    let tag: u32 = rand::random();
    format!("{port}-{}-{tag:08x}", std::process::id())
}

fn web_data(state: AppState) -> actix_web::web::Data<AppState> {
    actix_web::web::Data::new(state)
}

/// The HTTP server: middleware from the outside in — request log, compression, security
/// headers, sessions, error pages — then the route table.
fn run(
    listener: TcpListener,
    state: actix_web::web::Data<AppState>,
    key: Key,
) -> std::io::Result<Server> {
    let secure = state.settings.secure_cookies();
    let server = HttpServer::new(move || {
        let sessions = SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
            .cookie_name("sala".into())
            .cookie_secure(secure)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_content_security(CookieContentSecurity::Private)
            .session_lifecycle(PersistentSession::default().session_ttl(Duration::days(14)))
            .build();
        App::new()
            .app_data(state.clone())
            .app_data(forms::form_config())
            .app_data(forms::payload_config())
            .wrap(error_pages())
            .wrap(sessions)
            .wrap(security_headers(secure))
            .wrap(Compress::default())
            .wrap(TracingLogger::<RequestSpan>::new())
            .configure(web::routes)
    })
    .listen(listener)?
    .run();
    Ok(server)
}
