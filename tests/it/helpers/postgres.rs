//! A fresh PostgreSQL database per test, created on the server named by
//! `SALA_TEST_DATABASE_URL` and dropped when the test ends.

use std::io::Write;
use std::sync::Once;

use diesel::{Connection, PgConnection, RunQueryDsl};

pub struct PgDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

/// Where the PostgreSQL tests run; `None` when they are not enabled on this machine.
pub fn server_url() -> Option<String> {
    match std::env::var("SALA_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            static SAID: Once = Once::new();
            SAID.call_once(|| {
                // Written past the test harness's output capture, so it shows in every run.
                let _ = writeln!(
                    std::io::stderr(),
                    "\nNOTE: PostgreSQL tests are skipped: SALA_TEST_DATABASE_URL is not set \
                     (for example postgres://postgres@127.0.0.1:5432/test). SQLite tests run.\n"
                );
            });
            None
        }
    }
}

impl PgDatabase {
    /// Creates the database. Fails the test (never skips it) when the server is configured
    /// but cannot be reached.
    pub fn create() -> Option<Self> {
        let admin_url = server_url()?;
        let name = format!(
            "sala_test_{}",
            sala::accounts::tokens::random_token()
                .to_lowercase()
                .replace(['-', '_'], "")[..20]
                .to_owned()
        );
        let mut conn = PgConnection::establish(&admin_url).unwrap_or_else(|e| {
            panic!("SALA_TEST_DATABASE_URL is set but PostgreSQL cannot be reached: {e}")
        });
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("create the test database");
        let mut url = url::Url::parse(&admin_url).expect("SALA_TEST_DATABASE_URL is a URL");
        url.set_path(&name);
        Some(Self {
            admin_url,
            name,
            url: url.to_string(),
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}
