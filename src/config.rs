//! Typed configuration: defaults → `sala.toml` → `SALA_*` environment → command-line flags.
//!
//! `RawSettings` is what the layers say; `Settings` is the same, parsed and checked once at
//! start, so the rest of the program never sees a malformed URL or a missing directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::bounded::WorkLimit;

/// Everything that can go wrong while reading or checking the configuration.
/// Each message is one sentence an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the configuration could not be read: {0}")]
    Read(String),
    #[error(
        "the database URL must start with sqlite:// or postgres:// (got '{0}'); set SALA_DATABASE_URL"
    )]
    DatabaseScheme(String),
    #[error("the database URL '{0}' is not a valid URL: {1}")]
    DatabaseUrl(String, String),
    #[error("SALA_BASE_URL must be an http:// or https:// URL (got '{0}')")]
    BaseUrl(String),
    #[error("SALA_SMTP_URL must be an smtp:// or smtps:// URL (got '{0}')")]
    SmtpUrl(String),
    #[error("SALA_BIND must be host:port, for example 127.0.0.1:8080 (got '{0}')")]
    Bind(String),
    #[error("the mail sender address '{0}' is not a valid email address")]
    MailFrom(String),
    #[error("SALA_SERIAL_PREFIX must be 2 to 4 letters, for example KH (got '{0}')")]
    SerialPrefix(String),
}

/// The settings as the layers give them, before checking.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawSettings {
    pub bind: String,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub base_url: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub log: String,
    pub registration: bool,
    pub cookie_key: Option<String>,
    /// The file holding the key-encryption secret that seals the signing keys; by default
    /// `<data_dir>/signing.kek`, made on first start.
    pub key_encryption_key_file: Option<PathBuf>,
    pub trust_proxy: bool,
    /// Behind a trusted proxy, read RFC 7239's `Forwarded` header instead of
    /// `X-Forwarded-For` (only if the proxy sets it and drops what clients send).
    pub proxy_forwarded: bool,
    /// A signed-in session nobody used for this many minutes ends (default two hours: a
    /// learner may read one chapter for an hour on a slow link).
    pub session_idle_minutes: u32,
    pub db_pool_size: u32,
    /// Course folders published on first start; empty to publish none.
    pub courses_dir: PathBuf,
    /// The letters that begin certificate serials (`KH-7Q4M-2XPD-9`).
    pub serial_prefix: String,
    /// Uploaded certificates read at once on this instance (0 refuses them all).
    pub verify_work_slots: usize,
    /// Seconds a visitor waits for an uploaded certificate to be read.
    pub verify_work_seconds: u64,
    /// Uploaded courses checked and prepared at once (0 refuses them all).
    pub course_work_slots: usize,
    /// Seconds a publisher waits for an uploaded course to be checked and prepared.
    pub course_work_seconds: u64,
}

impl Default for RawSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            base_url: None,
            smtp_url: None,
            mail_from: "Sala <sala@localhost>".into(),
            log: "info".into(),
            registration: true,
            cookie_key: None,
            key_encryption_key_file: None,
            trust_proxy: false,
            proxy_forwarded: false,
            session_idle_minutes: 120,
            db_pool_size: 8,
            courses_dir: PathBuf::from("courses"),
            serial_prefix: "KH".into(),
            // A certificate is read in milliseconds; a course's pictures take seconds each,
            // and their memory is what one instance's 150 MB budget can afford once.
            verify_work_slots: 2,
            verify_work_seconds: 10,
            course_work_slots: 1,
            course_work_seconds: 120,
        }
    }
}

/// Which database, parsed from the URL scheme. Any other scheme is refused: a mistyped
/// PostgreSQL URL must never silently become a SQLite file.
#[derive(Debug, Clone)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(SecretString),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        if let Some(path) = raw.strip_prefix("sqlite://") {
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Url::parse(raw)
                .map_err(|e| ConfigError::DatabaseUrl(redact_password(raw), e.to_string()))?;
            return Ok(Self::Postgres(SecretString::from(raw.to_owned())));
        }
        Err(ConfigError::DatabaseScheme(redact_password(raw)))
    }

    /// A form of the URL that is safe to print: the password is replaced.
    pub fn display(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) => redact_password(url.expose_secret()),
        }
    }
}

/// Two to four ASCII letters, so that a serial stays short and typable.
fn check_serial_prefix(raw: &str) -> Result<String, ConfigError> {
    let ok = (2..=4).contains(&raw.len()) && raw.chars().all(|c| c.is_ascii_alphabetic());
    if ok {
        Ok(raw.to_ascii_uppercase())
    } else {
        Err(ConfigError::SerialPrefix(raw.to_owned()))
    }
}

fn redact_password(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            // set_password only fails for URLs that cannot have one; we checked it has one.
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_owned(),
    }
}

/// The checked settings the program runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub data_dir: PathBuf,
    pub database: DatabaseUrl,
    pub base_url: Url,
    pub smtp_url: Option<SecretString>,
    pub mail_from: lettre::message::Mailbox,
    pub log: String,
    pub registration: bool,
    pub cookie_key: Option<SecretString>,
    pub key_encryption_key_file: Option<PathBuf>,
    pub trust_proxy: bool,
    pub proxy_forwarded: bool,
    pub session_idle_minutes: u32,
    pub db_pool_size: u32,
    pub courses_dir: Option<PathBuf>,
    pub serial_prefix: String,
    /// Reading uploaded certificates (`POST /verify`).
    pub verify_work: WorkLimit,
    /// Checking and preparing uploaded courses.
    pub course_work: WorkLimit,
}

impl Settings {
    /// Reads the layers. `config_file` is `--config`; without it `./sala.toml` is read when present.
    pub fn load(config_file: Option<&Path>, flags: &impl Serialize) -> Result<Self, ConfigError> {
        let file = config_file.map_or_else(|| PathBuf::from("sala.toml"), Path::to_path_buf);
        if config_file.is_some() && !file.exists() {
            return Err(ConfigError::Read(format!(
                "the file {} does not exist",
                file.display()
            )));
        }
        let raw: RawSettings = Figment::from(Serialized::defaults(RawSettings::default()))
            .merge(Toml::file(&file))
            .merge(Env::prefixed("SALA_").ignore(&["config"]))
            .merge(Serialized::defaults(flags))
            .extract()
            .map_err(|e| ConfigError::Read(e.to_string()))?;
        Self::from_raw(raw)
    }

    pub fn from_raw(raw: RawSettings) -> Result<Self, ConfigError> {
        let Some((host, port)) = raw.bind.rsplit_once(':') else {
            return Err(ConfigError::Bind(raw.bind));
        };
        if host.is_empty() || port.parse::<u16>().is_err() {
            return Err(ConfigError::Bind(raw.bind));
        }
        let database = match raw.database_url.as_deref() {
            Some(url) if !url.trim().is_empty() => DatabaseUrl::parse(url.trim())?,
            _ => DatabaseUrl::Sqlite(raw.data_dir.join("sala.db")),
        };
        let base_url = match raw.base_url.as_deref() {
            Some(url) => {
                let parsed = Url::parse(url).map_err(|_| ConfigError::BaseUrl(url.to_owned()))?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(ConfigError::BaseUrl(url.to_owned()));
                }
                parsed
            }
            None => {
                let shown = if host == "0.0.0.0" { "127.0.0.1" } else { host };
                Url::parse(&format!("http://{shown}:{port}/"))
                    .map_err(|_| ConfigError::Bind(raw.bind.clone()))?
            }
        };
        let smtp_url = match raw.smtp_url {
            Some(url) if !url.trim().is_empty() => {
                if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                    return Err(ConfigError::SmtpUrl(redact_password(&url)));
                }
                Some(SecretString::from(url))
            }
            _ => None,
        };
        let mail_from = raw
            .mail_from
            .parse()
            .map_err(|_| ConfigError::MailFrom(raw.mail_from.clone()))?;
        Ok(Self {
            bind: raw.bind,
            data_dir: raw.data_dir,
            database,
            base_url,
            smtp_url,
            mail_from,
            log: raw.log,
            registration: raw.registration,
            cookie_key: raw.cookie_key.map(SecretString::from),
            key_encryption_key_file: raw
                .key_encryption_key_file
                .filter(|p| !p.as_os_str().is_empty()),
            trust_proxy: raw.trust_proxy,
            proxy_forwarded: raw.proxy_forwarded,
            session_idle_minutes: raw.session_idle_minutes,
            db_pool_size: raw.db_pool_size.max(1),
            courses_dir: Some(raw.courses_dir).filter(|d| !d.as_os_str().is_empty()),
            serial_prefix: check_serial_prefix(&raw.serial_prefix)?,
            verify_work: WorkLimit {
                slots: raw.verify_work_slots,
                time: Duration::from_secs(raw.verify_work_seconds.max(1)),
            },
            course_work: WorkLimit {
                slots: raw.course_work_slots,
                time: Duration::from_secs(raw.course_work_seconds.max(1)),
            },
        })
    }

    /// Cookies get the `Secure` flag when the public URL is https.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    /// An absolute URL for a path, for emails and printed links.
    pub fn absolute_url(&self, path: &str) -> String {
        let base = self.base_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_database_schemes_are_refused() {
        assert!(matches!(
            DatabaseUrl::parse("mysql://x"),
            Err(ConfigError::DatabaseScheme(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgress://x"),
            Err(ConfigError::DatabaseScheme(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("sqlite:///tmp/a.db"),
            Ok(DatabaseUrl::Sqlite(_))
        ));
    }

    #[test]
    fn passwords_never_reach_messages() {
        let err = DatabaseUrl::parse("pg://u:hunter2@h/db")
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|m| !m.contains("hunter2")));
        let url = DatabaseUrl::parse("postgres://u:hunter2@h/db").map(|u| u.display());
        assert!(url.is_ok_and(|m| !m.contains("hunter2") && m.contains("***")));
    }

    #[test]
    fn defaults_are_safe_for_a_laptop() {
        let settings = Settings::from_raw(RawSettings::default());
        let settings = settings.ok();
        assert!(
            settings
                .as_ref()
                .is_some_and(|s| s.bind == "127.0.0.1:8080")
        );
        assert!(
            settings.is_some_and(|s| s.base_url.as_str() == "http://127.0.0.1:8080/"
                && matches!(s.database, DatabaseUrl::Sqlite(_)))
        );
    }
}
