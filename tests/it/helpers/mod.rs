//! The test harness: the real server on a random port, a fresh database per test (SQLite in
//! a temporary folder, or a new PostgreSQL database), a cookie-keeping client that does not
//! follow redirects, and one helper per page or action.

pub mod disk;
pub mod postgres;
pub mod process;
pub mod smtp;

use std::path::PathBuf;
use std::sync::Once;

use reqwest::{Response, StatusCode};
use sala::config::{RawSettings, Settings};
use sala::db::Db;
use sala::startup::Application;
use scraper::{Html, Selector};
use tempfile::TempDir;

pub use postgres::{PgCluster, PgDatabase};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares each test body once and runs it on both backends:
/// `both_backends!(registers_a_learner)` makes `registers_a_learner::sqlite` and
/// `registers_a_learner::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            }
        )*
    };
}

/// Starts the app, or returns from the test when PostgreSQL tests are not enabled.
#[macro_export]
macro_rules! spawn {
    ($backend:expr) => {
        match $crate::helpers::TestApp::spawn($backend).await {
            Some(app) => app,
            None => return,
        }
    };
    ($backend:expr, $configure:expr) => {
        match $crate::helpers::TestApp::spawn_with($backend, $configure).await {
            Some(app) => app,
            None => return,
        }
    };
}

pub const PASSWORD: &str = "river mango lantern";

/// A running Sala and a browser-like client for it (`app.get(…)` uses that browser).
pub struct TestApp {
    pub browser: Browser,
    pub data_dir: PathBuf,
    pub db: Db,
    /// The server's clock: `advance` moves it (and wakes the background loop).
    pub clock: sala::clock::Clock,
    pub jobs: sala::jobs::Jobs,
    settings: Settings,
    server: actix_web::dev::ServerHandle,
    // Dropped last: the folder and the database outlive the server's use of them.
    _dir: TempDir,
    _pg: Option<PgDatabase>,
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("TEST_LOG") {
            sala::telemetry::init(&filter);
        }
    });
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(
        backend: Backend,
        configure: impl FnOnce(&mut RawSettings),
    ) -> Option<Self> {
        init_logs();
        let dir = tempfile::tempdir().expect("temporary folder");
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(PgDatabase::create()?),
        };
        let mut raw = RawSettings {
            bind: "127.0.0.1:0".into(),
            data_dir: dir.path().join("data"),
            database_url: pg.as_ref().map(|pg| pg.url.clone()),
            courses_dir: PathBuf::new(),
            ..RawSettings::default()
        };
        configure(&mut raw);
        let settings = Settings::from_raw(raw).expect("valid settings");
        let database = settings.database.clone();
        let data_dir = settings.data_dir.clone();
        let running = start(settings.clone()).await;
        let db = tokio::task::spawn_blocking(move || Db::connect(&database, 2))
            .await
            .expect("join")
            .expect("the test connects to the app's database");
        Some(Self {
            browser: Browser::with_mailbox(running.address, Mailbox::of(&settings)),
            data_dir,
            db,
            clock: running.clock,
            jobs: running.jobs,
            server: running.server,
            settings,
            _dir: dir,
            _pg: pg,
        })
    }

    /// Stops the server and starts it again on the same database and folder (on a new
    /// port), as an operator's restart would. The clock keeps its advance.
    pub async fn restart(&mut self) {
        self.server.stop(true).await;
        let running = start(self.settings.clone()).await;
        running
            .clock
            .advance(self.clock.now().signed_duration_since(running.clock.now()));
        self.clock = running.clock;
        self.jobs = running.jobs;
        self.server = running.server;
        self.browser = Browser::with_mailbox(running.address, Mailbox::of(&self.settings));
    }

    /// Stops the server and its background loop, leaving the database to others.
    pub async fn stop(self) {
        self.server.stop(true).await;
    }

    /// Moves the server's clock forward and lets its background loop look for due work.
    pub fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
        self.jobs.wake();
    }

    /// Another browser on the same server, with no cookies.
    pub fn new_browser(&self) -> Browser {
        Browser::with_mailbox(self.browser.address.clone(), Mailbox::of(&self.settings))
    }

    /// Makes an admin the way an operator does (`sala admin create`), sets the password
    /// through the printed link, and leaves this client signed in as that admin.
    pub async fn signed_in_admin(&self, email: &str) {
        self.admin_on(&self.browser, email).await;
    }

    /// Makes an admin as `signed_in_admin` does, signed in on another browser.
    pub async fn admin_on(&self, browser: &Browser, email: &str) {
        let db = self.db.clone();
        let email_owned = email.to_owned();
        let (_, token) = tokio::task::spawn_blocking(move || {
            sala::accounts::registration::create_admin(
                &db,
                &email_owned,
                "Admin Person",
                "អ្នកគ្រប់គ្រង",
                now(),
            )
        })
        .await
        .expect("join")
        .expect("admin created");
        let link = format!("/password-reset/{token}");
        let response = browser
            .submit(&link, &link, &[("password", PASSWORD)])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }

    /// Creates the test courses' organisations and their signatories, as the seed file
    /// beside the course folders does on a first start (`tests/fixtures/courses/organisations.toml`).
    pub async fn seed_organisations(&self) {
        let db = self.db.clone();
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/courses/organisations.toml");
        tokio::task::spawn_blocking(move || {
            sala::certificates::signatories::seed(&db, &file, now())
        })
        .await
        .expect("join")
        .expect("the test organisations are created");
    }

    /// Someone registered on a new browser, given the publisher role for `org` by the
    /// admin signed in on this app's browser (see `signed_in_admin`).
    pub async fn publisher_of(&self, org: &str, email: &str) -> Browser {
        self.publisher_by(&self.browser, org, email).await
    }

    /// The same, the role given by the admin signed in on `admin`.
    pub async fn publisher_by(&self, admin: &Browser, org: &str, email: &str) -> Browser {
        let publisher = self.new_browser();
        publisher.register(email, "Publisher Person").await;
        let (org_slug, email_owned) = (org.to_owned(), email.to_owned());
        let (org, user) = self
            .db
            .read(move |conn| {
                let org = sala::db::organisations::find_by_slug(conn, &org_slug)?
                    .expect("the organisation exists");
                let email = sala::accounts::Email::parse(&email_owned).expect("an email");
                let user = sala::db::users::find_by_email(conn, &email)?
                    .expect("registered")
                    .0;
                Ok::<_, sala::db::DbError>((org.id.0, user.id.0))
            })
            .await
            .expect("read");
        let page = format!("/admin/users/{user}");
        let response = admin
            .submit(
                &page,
                &format!("{page}/roles"),
                &[("role", "publisher"), ("organisation", &org.to_string())],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        publisher
    }

    /// How many rows a table holds.
    pub async fn rows(&self, table: &'static str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        self.db
            .read(move |conn| {
                use diesel::RunQueryDsl;
                diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                    .get_result::<Count>(conn)
                    .map(|c| c.n)
                    .map_err(sala::db::DbError::from)
            })
            .await
            .expect("count rows")
    }

    /// Waits (up to 10 s) until the outbox holds `count` messages — mail is delivered after the
    /// page answers — and returns them (registration letters left out, see `outbox`).
    pub async fn mail(&self, count: usize) -> Vec<Email> {
        wait_for_mail(count, || self.outbox()).await
    }

    /// `mail`, registration letters included.
    pub async fn all_mail(&self, count: usize) -> Vec<Email> {
        wait_for_mail(count, || self.all_outbox()).await
    }

    /// The email messages written to the outbox folder, oldest first, as (to, subject, text),
    /// but for the registration letters that `Browser::register` read (as if the person had
    /// read and deleted them): tests of other mail count only their own.
    pub fn outbox(&self) -> Vec<Email> {
        let mut all = self.all_outbox();
        all.retain(|mail| !mail.is_registration());
        all
    }

    /// Every message written to the outbox folder, oldest first.
    pub fn all_outbox(&self) -> Vec<Email> {
        read_folder(&self.data_dir.join("outbox"))
    }
}

async fn wait_for_mail(count: usize, read: impl Fn() -> Vec<Email>) -> Vec<Email> {
    for _ in 0..200 {
        let found = read();
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("expected {count} messages, the outbox has {:?}", read());
}

/// A server started in a task: its handles and its address.
struct Running {
    clock: sala::clock::Clock,
    jobs: sala::jobs::Jobs,
    server: actix_web::dev::ServerHandle,
    address: String,
}

async fn start(settings: Settings) -> Running {
    let app = Application::build(settings).await.expect("the app starts");
    let running = Running {
        clock: app.clock(),
        jobs: app.jobs(),
        server: app.handle(),
        address: format!("http://127.0.0.1:{}", app.port()),
    };
    tokio::spawn(app.run_until_stopped());
    running
}

impl std::ops::Deref for TestApp {
    type Target = Browser;

    fn deref(&self) -> &Browser {
        &self.browser
    }
}

/// A browser: keeps cookies, does not follow redirects.
pub struct Browser {
    pub address: String,
    pub client: reqwest::Client,
    /// Where the person reads their mail: `register` follows the link that comes there.
    pub mailbox: Option<Mailbox>,
}

/// Where a server's mail arrives: the outbox folder, or the SMTP sink it was given.
#[derive(Clone)]
pub enum Mailbox {
    Folder(PathBuf),
    Smtp(smtp::Received),
}

impl Mailbox {
    /// The mailbox of a server with these settings.
    pub fn of(settings: &Settings) -> Self {
        use secrecy::ExposeSecret;
        match &settings.smtp_url {
            Some(url) => Self::Smtp(smtp::received_at(url.expose_secret())),
            None => Self::Folder(settings.data_dir.join("outbox")),
        }
    }

    /// Every message delivered so far, oldest first.
    pub fn messages(&self) -> Vec<Email> {
        match self {
            Self::Folder(dir) => read_folder(dir),
            Self::Smtp(received) => smtp::parse_all(received),
        }
    }
}

/// The .eml files in `dir`, oldest first.
fn read_folder(dir: &std::path::Path) -> Vec<Email> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    // A file written in the last moments may still be being written: leave it for later.
    let settled = |p: &PathBuf| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_millis(150))
    };
    files.retain(|p| p.extension().is_some_and(|e| e == "eml") && settled(p));
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .iter()
        .filter_map(|p| std::fs::read(p).ok().and_then(|raw| Email::parse(&raw)))
        .collect()
}

impl Browser {
    pub fn new(address: String) -> Self {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Self {
            address,
            client,
            mailbox: None,
        }
    }

    pub fn with_mailbox(address: String, mailbox: Mailbox) -> Self {
        Self {
            mailbox: Some(mailbox),
            ..Self::new(address)
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_html(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.text().await.expect("body"))
    }

    /// Posts a form as it is, with whatever CSRF token the caller put in it.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    /// Opens `page`, reads its CSRF token, and posts `fields` to `action` as a browser would.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let (_, html) = self.get_html(page).await;
        let token = csrf_token(&html).unwrap_or_else(|| panic!("no CSRF token on {page}:\n{html}"));
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(action, &all).await
    }

    /// Registers as a person does: the form, then the link in the email, where the
    /// password (`PASSWORD`) is chosen. Returns the last answer: signed in, on the way to
    /// `/account?welcome=1`, or the form's answer when it was refused.
    pub async fn register(&self, email: &str, name_latin: &str) -> Response {
        self.register_with(&registration(email, name_latin)).await
    }

    /// `register` with the form's fields as given.
    pub async fn register_with(&self, fields: &[(&str, &str)]) -> Response {
        let email = fields
            .iter()
            .find(|(name, _)| *name == "email")
            .map(|(_, value)| *value)
            .expect("an email field");
        let before = self.registration_letters(email).len();
        let response = self.submit("/register", "/register", fields).await;
        if response.status() != StatusCode::SEE_OTHER {
            return response;
        }
        let link = self.registration_link(email, before).await;
        self.submit(&link, &link, &[("password", PASSWORD)]).await
    }

    /// Only the registration form; the email it sends is left unread.
    pub async fn register_request(&self, email: &str, name_latin: &str) -> Response {
        self.submit("/register", "/register", &registration(email, name_latin))
            .await
    }

    /// The link in the newest registration letter to `email`, once more than `before` have
    /// arrived (waiting up to 10 s for delivery).
    pub async fn registration_link(&self, email: &str, before: usize) -> String {
        let mut letters = Vec::new();
        for _ in 0..200 {
            letters = self.registration_letters(email);
            if letters.len() > before {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        letters
            .last()
            .and_then(|letter| letter.link_path("/password-reset/"))
            .unwrap_or_else(|| panic!("no registration email reached {email}"))
    }

    /// The registration letters delivered to `email`, oldest first.
    pub fn registration_letters(&self, email: &str) -> Vec<Email> {
        let to = email.trim().to_lowercase();
        let mut letters = self
            .mailbox
            .as_ref()
            .expect("a browser that reads mail (TestApp::new_browser)")
            .messages();
        letters.retain(|mail| mail.to == to && mail.is_registration());
        letters
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.submit(
            "/sign-in",
            "/sign-in",
            &[("email", email), ("password", password), ("next", "/")],
        )
        .await
    }

    pub async fn sign_out(&self) -> Response {
        self.submit("/account", "/sign-out", &[]).await
    }
}

/// The registration form's fields for a person in Kratie.
pub fn registration<'a>(email: &'a str, name_latin: &'a str) -> [(&'a str, &'a str); 6] {
    [
        ("name_km", "សុខ ចាន់ធា"),
        ("name_latin", name_latin),
        ("email", email),
        ("position", "Officer"),
        ("province", "10"),
        ("organisation", ""),
    ]
}

/// A received email, decoded as a mail program would show it.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
}

impl Email {
    pub fn parse(raw: &[u8]) -> Option<Self> {
        let message = mail_parser::MessageParser::default().parse(raw)?;
        let to = message
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_owned();
        Some(Self {
            to,
            subject: message.subject().unwrap_or_default().to_owned(),
            text: message
                .body_text(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
        })
    }

    /// A registration letter ("finish making your account", "you already have one").
    pub fn is_registration(&self) -> bool {
        [sala::i18n::Lang::Km, sala::i18n::Lang::En]
            .into_iter()
            .flat_map(|lang| {
                ["email-register-subject", "email-known-subject"]
                    .map(|key| sala::i18n::translate(lang, key))
            })
            .any(|subject| subject == self.subject)
    }

    /// The first link in the text that contains `part`, as a path on the server.
    pub fn link_path(&self, part: &str) -> Option<String> {
        self.text
            .split_whitespace()
            .find(|word| word.starts_with("http") && word.contains(part))
            .and_then(|url| url.find(part).map(|i| url[i..].to_owned()))
    }
}

pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

pub fn csrf_token(html: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let selector = Selector::parse(r#"input[name="csrf"]"#).ok()?;
    doc.select(&selector)
        .next()?
        .value()
        .attr("value")
        .map(str::to_owned)
}

/// The visible text of the elements matching `css`.
pub fn texts(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let selector = Selector::parse(css).expect("selector");
    doc.select(&selector)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// A copy of the minimal course (tests/fixtures/courses/minimal) in `parent/name`, to edit.
pub fn copy_of_minimal(parent: &std::path::Path, name: &str) -> PathBuf {
    let source =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/courses/minimal");
    let target = parent.join(name);
    // The organisations it names, beside it, as in the fixtures' folder.
    let fixtures = source.parent().expect("the fixtures folder");
    std::fs::copy(
        fixtures.join("organisations.toml"),
        parent.join("organisations.toml"),
    )
    .expect("copy organisations.toml");
    std::fs::create_dir_all(parent.join("pictures")).expect("create folder");
    for picture in ["logo.png", "signature.png"] {
        std::fs::copy(
            fixtures.join("pictures").join(picture),
            parent.join("pictures").join(picture),
        )
        .expect("copy picture");
    }
    for folder in ["", "chapters", "quizzes", "media"] {
        std::fs::create_dir_all(target.join(folder)).expect("create folder");
        for entry in std::fs::read_dir(source.join(folder))
            .expect("fixture")
            .filter_map(Result::ok)
        {
            if entry.path().is_file() {
                std::fs::copy(entry.path(), target.join(folder).join(entry.file_name()))
                    .expect("copy");
            }
        }
    }
    target
}

/// Replaces the first `from` with `to` in a file.
pub fn edit_file(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

/// An attribute of the first element matching `css` (empty when there is none).
pub fn attribute(html: &str, css: &str, name: &str) -> String {
    let doc = Html::parse_document(html);
    let selector = Selector::parse(css).expect("selector");
    doc.select(&selector)
        .next()
        .and_then(|e| e.value().attr(name))
        .unwrap_or_default()
        .to_owned()
}

/// The `href` of the first link matching `css`.
pub fn href(html: &str, css: &str) -> String {
    attribute(html, css, "href")
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
