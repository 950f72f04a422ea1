//! The plain types every layer shares: typed ids, the values a form field becomes once it
//! is parsed (an email address, a slug, a person's names), and the records the database
//! hands up (an account, an organisation). No rules, no I/O, no storage: `db/` builds these
//! from rows, the domain modules decide with them, `web/` shows them. Nothing here imports
//! anything of Sala's but `i18n`.

pub mod accounts;
pub mod certificates;
pub mod cohorts;
pub mod courses;
pub mod fields;
pub mod ids;
pub mod learning;
pub mod mail;
pub mod organisations;
pub mod quizzes;
pub mod reports;
