//! Sala (សាលា, "school"): a course server for public servants.
//!
//! How the pieces fit (see `docs/architecture.md` for more):
//!
//! - [`cli`] parses the command line and runs a subcommand; [`config`] turns defaults,
//!   `sala.toml`, `SALA_*` variables and flags into checked [`config::Settings`].
//! - [`startup`] builds the HTTP server from the settings: it opens the database
//!   ([`db::Db`]), applies migrations, loads templates and keys into [`web::state::AppState`], and
//!   binds the listener (port 0 in tests).
//! - [`web`] is HTTP only: one route table, extractors for the current user, language and
//!   CSRF, thin handlers grouped by audience, and the mapping of errors to pages.
//! - Domain modules hold the rules and know nothing of HTTP: [`accounts`] (people,
//!   passwords, roles), [`organisations`] (the organisation tree, provinces), [`i18n`]
//!   (Khmer and English), [`email`] (composing and delivering mail).
//! - [`bounded`] runs the blocking work a request can start (reading uploads) a few at a
//!   time and for a limited time.
//! - [`db`] holds all SQL, for SQLite and PostgreSQL through one connection type.
//! - [`model`] holds the plain types every layer shares (typed ids, parsed form values,
//!   records); it is below `db`, which imports nothing above it.

pub mod accounts;
pub mod assets;
pub mod audit;
pub mod backup;
pub mod bounded;
pub mod certificates;
pub mod cli;
pub mod clock;
pub mod cohorts;
pub mod config;
pub mod courses;
pub mod db;
pub mod email;
pub mod fonts;
pub mod i18n;
pub mod jobs;
pub mod learning;
pub mod model;
pub mod organisations;
pub mod quizzes;
pub mod rekey;
pub mod reports;
pub mod secrets;
pub mod spreadsheet;
pub mod startup;
pub mod studio;
pub mod telemetry;
pub mod templates;
pub mod web;
