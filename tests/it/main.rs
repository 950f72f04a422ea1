//! Sala's integration tests: one binary, one file per behaviour a user would notice.
//! Each test runs against SQLite and PostgreSQL (see `helpers`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed expectation is the test failing"
)]

mod helpers;
mod hostile;
mod instances;

mod accounts;
mod admin;
mod architecture;
mod backup;
mod browser;
mod certificates;
mod cli;
mod client_address;
mod cohorts;
mod cosigning;
mod course_check;
mod course_folders;
mod course_publish;
mod course_upload;
mod crash;
mod email;
mod faults;
mod final_assessment;
mod group_commit;
mod invited_addresses;
mod join_links;
mod keys;
mod language;
mod learning;
mod migrations;
mod names;
mod pages;
mod password_reset;
mod quizzes;
mod security;
mod sessions;
mod snapshots;
mod spreadsheets;
mod studio;
mod uploads;
