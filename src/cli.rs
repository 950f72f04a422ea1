//! The command line: `sala [serve]`, `sala migrate`, `sala admin create`, `sala course`,
//! `sala verify`, `sala keys rotate`, `sala keys rotate-kek`, `sala backup`, `sala restore`.
//! Flags override `SALA_*` variables, which override `sala.toml`, which overrides defaults.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use crate::accounts::registration::create_admin;
use crate::backup;
use crate::certificates;
use crate::config::Settings;
use crate::courses::publish::{self, CourseError, Outcome};
use crate::courses::source::SourceFiles;
use crate::courses::{Problem, check};
use crate::i18n::Lang;
use crate::rekey;
use crate::startup::{self, Application};
use crate::telemetry;

#[derive(Parser)]
#[command(
    name = "sala",
    version,
    about = "Sala (សាលា): courses for public servants"
)]
pub struct Cli {
    #[command(flatten)]
    flags: Flags,
    #[command(subcommand)]
    command: Option<Command>,
}

/// Settings given on the command line; each overrides the same `SALA_*` variable.
#[derive(Args, Serialize, Default)]
struct Flags {
    /// Read settings from this file instead of ./sala.toml
    #[arg(long, global = true)]
    #[serde(skip)]
    config: Option<PathBuf>,
    /// Address to listen on, host:port [SALA_BIND]
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    bind: Option<String>,
    /// Folder for the SQLite database, keys and the mail outbox [SALA_DATA_DIR]
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://… [SALA_DATABASE_URL]
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
    /// Public URL, used in emails and QR codes [SALA_BASE_URL]
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    base_url: Option<String>,
    /// smtp://user:pass@host:port or smtps://… [SALA_SMTP_URL]
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    smtp_url: Option<String>,
    /// Log filter, e.g. info or sala=debug [SALA_LOG]
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    log: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default)
    Serve,
    /// Apply pending database migrations and exit
    Migrate,
    /// Manage administrators
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Check or publish a course folder (see docs/course-format.md)
    Course {
        #[command(subcommand)]
        command: CourseCommand,
    },
    /// Check a certificate: its PDF, its credential (.jwt) or the enveloped JSON. Prints
    /// one line; exit status 0 only for a genuine certificate
    Verify {
        file: PathBuf,
        /// Check the signatures against these JWK sets (each issuer's
        /// /issuers/ORG/jwks.json; repeat for the co-signer) without the database or the
        /// network. Revocation is not checked then.
        #[arg(long)]
        jwks: Vec<PathBuf>,
    },
    /// Copy the database, the cookie key and (when it is in the data folder) the
    /// key-encryption secret into DIR (a new or empty folder) while Sala runs: SQLite's
    /// online copy, or pg_dump on PostgreSQL
    Backup { dir: PathBuf },
    /// Put a backup made by `sala backup` back in place; stop every instance first
    Restore { dir: PathBuf },
    /// Manage the organisations' certificate signing keys
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Make a new signing key for an organisation; its old keys stay published, so the
    /// certificates they signed keep verifying
    Rotate {
        #[arg(long)]
        org: String,
    },
    /// Replace the key-encryption secret: every signing key is sealed again under a new
    /// secret in one transaction, then the new secret takes the old one's file. Stop every
    /// instance first, and give the new file to each before starting them again
    RotateKek,
}

#[derive(Subcommand)]
enum CourseCommand {
    /// Report every problem in a course folder; exit status 1 if there is one
    Check {
        dir: PathBuf,
        /// Language of the report: km or en
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Publish a course folder as a new version (nothing happens if it did not change)
    Publish {
        dir: PathBuf,
        /// One line saying what changed
        #[arg(long, default_value = "")]
        note: String,
        /// Language of the report: km or en
        #[arg(long, default_value = "en")]
        lang: String,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Make EMAIL an admin (creating the account) and print a one-time link to set a password
    Create {
        #[arg(long)]
        email: String,
        /// The name in Latin script
        #[arg(long)]
        name: String,
        /// The name in Khmer script
        #[arg(long, default_value = "")]
        name_km: String,
    },
}

/// Runs the command line and returns the process's exit code. Every failure is one
/// sentence on standard error.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("sala: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let settings =
        Settings::load(cli.flags.config.as_deref(), &cli.flags).map_err(|e| e.to_string())?;
    telemetry::init(&settings.log);
    let command = match cli.command.unwrap_or(Command::Serve) {
        Command::Verify { file, jwks } => return verify(&settings, &file, &jwks),
        other => other,
    };
    match command {
        Command::Verify { .. } => Ok(()),
        Command::Keys {
            command: KeysCommand::Rotate { org },
        } => rotate(&settings, &org),
        Command::Keys {
            command: KeysCommand::RotateKek,
        } => rotate_kek(&settings),
        Command::Serve => serve(settings),
        Command::Backup { dir } => {
            startup::prepare_data_dir(&settings.data_dir).map_err(|e| e.to_string())?;
            let db = startup::open_database(&settings).map_err(|e| e.to_string())?;
            let copied = backup::backup(&settings, &db, &dir).map_err(|e| e.to_string())?;
            say(&format!(
                "Backed up {} into {} ({} bytes{}).",
                settings.database.display(),
                copied.database.display(),
                copied.bytes,
                secrets_copied(&copied)
            ));
            if let Some(kek) = &copied.kek_elsewhere {
                say(&format!(
                    "The key-encryption secret {} is not in this backup: keep a copy of it \
                     apart (without it no certificate can be signed after a restore).",
                    kek.display()
                ));
            }
            Ok(())
        }
        Command::Restore { dir } => {
            let copied = backup::restore(&settings, &dir).map_err(|e| e.to_string())?;
            say(&format!(
                "Restored {} from {}{}. Start Sala again.",
                settings.database.display(),
                dir.display(),
                secrets_copied(&copied)
            ));
            if let Some(kek) = &copied.kek_elsewhere {
                say(&format!(
                    "The key-encryption secret is read from {}: it must be the one this \
                     backup's signing keys were sealed with.",
                    kek.display()
                ));
            }
            Ok(())
        }
        Command::Course { command } => course(settings, command),
        Command::Migrate => {
            startup::prepare_data_dir(&settings.data_dir).map_err(|e| e.to_string())?;
            startup::open_database(&settings).map_err(|e| e.to_string())?;
            say(&format!(
                "The database at {} is up to date.",
                settings.database.display()
            ));
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    email,
                    name,
                    name_km,
                },
        } => {
            startup::prepare_data_dir(&settings.data_dir).map_err(|e| e.to_string())?;
            let db = startup::open_database(&settings).map_err(|e| e.to_string())?;
            let now = chrono::Utc::now().naive_utc();
            let (email, token) =
                create_admin(&db, &email, &name, &name_km, now).map_err(|e| match e {
                    crate::accounts::AccountError::Invalid(errors) => format!(
                        "the admin could not be created: check {}",
                        errors
                            .iter()
                            .map(|e| e.field)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    other => other.to_string(),
                })?;
            say(&format!(
                "{} is an admin. Open this link within 7 days to choose a password:\n{}",
                email.as_str(),
                settings.absolute_url(&format!("/password-reset/{token}"))
            ));
            Ok(())
        }
    }
    .map(|()| ExitCode::SUCCESS)
}

/// ", with cookie.key and signing.kek", as far as they were copied.
fn secrets_copied(copied: &backup::Copied) -> String {
    match (copied.key, copied.kek) {
        (true, true) => ", with cookie.key and signing.kek".into(),
        (true, false) => ", with cookie.key".into(),
        (false, true) => ", with signing.kek".into(),
        (false, false) => String::new(),
    }
}

fn verify(settings: &Settings, file: &Path, jwks: &[PathBuf]) -> Result<ExitCode, String> {
    let bytes =
        std::fs::read(file).map_err(|e| format!("{} could not be read: {e}", file.display()))?;
    let token = match certificates::token_from_file(&bytes) {
        Ok(token) => token,
        Err(why) => {
            say(&format!("NOT GENUINE: {}", why.explain()));
            return Ok(ExitCode::FAILURE);
        }
    };
    if !jwks.is_empty() {
        let mut keys = Vec::new();
        for path in jwks {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("{} could not be read: {e}", path.display()))?;
            let set: JwkSet = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not a JWK set: {e}", path.display()))?;
            keys.extend(set.keys);
        }
        return Ok(match certificates::verify::check_offline(&token, &keys) {
            Ok((payload, unchecked)) => {
                let text = |v: Option<&serde_json::Value>| {
                    v.and_then(|v| v.as_str()).unwrap_or("?").to_owned()
                };
                let cosigned = if unchecked == 0 {
                    String::new()
                } else {
                    format!(
                        "; {unchecked} co-signature(s) not checked (give the co-signer's JWK set too)"
                    )
                };
                say(&format!(
                    "SIGNATURE VALID: {} — issued by {}{cosigned}; revocation not checked offline (see {})",
                    text(payload.get("id")),
                    text(payload.get("iss")),
                    text(
                        payload
                            .get("credentialStatus")
                            .and_then(|s| s.get("statusListCredential"))
                    ),
                ));
                ExitCode::SUCCESS
            }
            Err(why) => {
                say(&format!("NOT GENUINE: {}", why.explain()));
                ExitCode::FAILURE
            }
        });
    }
    let db = startup::open_database(settings).map_err(|e| e.to_string())?;
    let authority = startup::certificate_authority(settings).map_err(|e| e.to_string())?;
    let verdict = db
        .blocking(|conn| authority.verify_token(conn, &token))
        .map_err(|e| e.to_string())?;
    say(&verdict.line());
    Ok(if verdict.is_genuine() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[derive(serde::Deserialize)]
struct JwkSet {
    keys: Vec<certificates::Jwk>,
}

fn rotate_kek(settings: &Settings) -> Result<(), String> {
    startup::prepare_data_dir(&settings.data_dir).map_err(|e| e.to_string())?;
    let db = startup::open_database(settings).map_err(|e| e.to_string())?;
    let authority = startup::certificate_authority(settings).map_err(|e| e.to_string())?;
    let rotated = rekey::rotate(settings, &db, &authority).map_err(|e| e.to_string())?;
    say(&format!(
        "{} signing key(s) are now sealed under the new key-encryption secret in {}. \
         Give that file to every instance before starting them again; the old secret opens nothing now.",
        rotated.keys,
        rotated.path.display()
    ));
    Ok(())
}

fn rotate(settings: &Settings, org: &str) -> Result<(), String> {
    startup::prepare_data_dir(&settings.data_dir).map_err(|e| e.to_string())?;
    let db = startup::open_database(settings).map_err(|e| e.to_string())?;
    let authority = startup::certificate_authority(settings).map_err(|e| e.to_string())?;
    let now = chrono::Utc::now().naive_utc();
    let name = db
        .blocking_write(|conn| authority.rotate(conn, org, now))
        .map_err(|e| match e {
            certificates::CertError::UnknownOrganisation => {
                format!("there is no organisation '{org}'")
            }
            other => other.to_string(),
        })?;
    say(&format!(
        "{org} now signs with {name}; its earlier keys stay published at /issuers/{org}/jwks.json."
    ));
    Ok(())
}

fn course(settings: Settings, command: CourseCommand) -> Result<(), String> {
    let (dir, lang) = match &command {
        CourseCommand::Check { dir, lang } | CourseCommand::Publish { dir, lang, .. } => {
            (dir.clone(), lang)
        }
    };
    let lang = Lang::from_code(lang).unwrap_or(Lang::En);
    let report = |problems: &[Problem]| -> String {
        for problem in problems {
            say(&problem.describe(lang));
        }
        format!(
            "{} problem(s) in {}; nothing was published",
            problems.len(),
            dir.display()
        )
    };
    startup::prepare_data_dir(&settings.data_dir).map_err(|e| e.to_string())?;
    let db = startup::open_database(&settings).map_err(|e| e.to_string())?;
    match command {
        CourseCommand::Check { .. } => {
            let files = SourceFiles::from_dir(&dir).map_err(|e| e.to_string())?;
            let folder = dir.file_name().map(|n| n.to_string_lossy().into_owned());
            let mut problems = match check::check(&files, folder.as_deref()) {
                Ok(source) => db
                    .blocking(|conn| publish::conflicts(conn, &source.meta))
                    .map_err(|e| e.to_string())?,
                Err(problems) => problems,
            };
            problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            if problems.is_empty() {
                say(&format!("{}: no problems.", dir.display()));
                Ok(())
            } else {
                Err(report(&problems))
            }
        }
        CourseCommand::Publish { note, .. } => {
            let now = chrono::Utc::now().naive_utc();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            match runtime.block_on(publish::publish_folder(&db, &dir, &note, None, now)) {
                Ok(Outcome::Published { number }) => {
                    say(&format!(
                        "{}: published as version {number}.",
                        dir.display()
                    ));
                    Ok(())
                }
                Ok(Outcome::Unchanged { number }) => {
                    say(&format!(
                        "{}: unchanged since version {number}; nothing published.",
                        dir.display()
                    ));
                    Ok(())
                }
                Ok(Outcome::Drafted { .. }) => Ok(()),
                Err(CourseError::Invalid(problems)) => Err(report(&problems)),
                Err(other) => Err(other.to_string()),
            }
        }
    }
}

fn serve(settings: Settings) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async move {
        let explicit_base = std::env::var_os("SALA_BASE_URL").is_some();
        let base = settings.base_url.clone();
        let host = settings
            .bind
            .rsplit_once(':')
            .map_or("127.0.0.1", |(h, _)| h)
            .to_owned();
        let app = Application::build(settings)
            .await
            .map_err(|e| e.to_string())?;
        let url = if explicit_base {
            base.to_string()
        } else {
            let host = if host == "0.0.0.0" {
                "127.0.0.1"
            } else {
                host.as_str()
            };
            format!("http://{host}:{}/", app.port())
        };
        say(&format!(
            "Sala is running. Open {url} in a browser (Ctrl+C stops it)."
        ));
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

#[expect(clippy::print_stdout, reason = "the command line's output for people")]
fn say(text: &str) {
    println!("{text}");
}
