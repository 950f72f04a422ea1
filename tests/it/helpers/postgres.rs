//! A fresh PostgreSQL database per test, created on the server named by
//! `SALA_TEST_DATABASE_URL` and dropped when the test ends.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
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

/// A PostgreSQL server of the test's own, in a temporary folder on a free port, for the
/// tests that stop the server under a running Sala (the shared one serves every other
/// test). Runs where the PostgreSQL tests are enabled; needs the server binaries
/// (Debian's `postgresql` package). As root, the server runs as the `postgres` user.
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    port: u16,
    tls: bool,
    pub url: String,
}

impl PgCluster {
    pub fn start() -> Option<Self> {
        Self::start_with(false)
    }

    /// The same, with connections over TLS only (a self-signed certificate of its own).
    pub fn start_with_tls() -> Option<Self> {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Option<Self> {
        server_url()?;
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|versions| {
                let mut found: Vec<_> = versions
                    .filter_map(Result::ok)
                    .map(|v| v.path().join("bin"))
                    .filter(|b| b.join("initdb").exists())
                    .collect();
                found.sort();
                found.pop()
            })
            .expect("the PostgreSQL server binaries (apt-get install postgresql)");
        let dir = tempfile::tempdir().expect("temporary folder");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mode = if tls { "require" } else { "disable" };
        let cluster = Self {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres?sslmode={mode}"),
            dir,
            bin,
            port,
            tls,
        };
        give_to_postgres(&[cluster.dir.path()]);
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        if tls {
            cluster.make_certificate();
        }
        cluster.resume();
        Some(cluster)
    }

    /// A self-signed certificate and its key where the server looks for them by default
    /// (`server.crt`, `server.key` in the data folder), readable by the server only.
    fn make_certificate(&self) {
        let data = std::path::PathBuf::from(self.data());
        let (key, crt) = (data.join("server.key"), data.join("server.crt"));
        succeed(
            std::process::Command::new("openssl")
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                ])
                .args(["-subj", "/CN=127.0.0.1", "-keyout"])
                .arg(&key)
                .arg("-out")
                .arg(&crt),
            "openssl req",
        );
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))
            .expect("make the key private");
        give_to_postgres(&[&key, &crt]);
    }

    fn data(&self) -> String {
        self.dir.path().join("data").to_string_lossy().into_owned()
    }

    /// A PostgreSQL program, run as `postgres` when the tests run as root.
    fn command(&self, program: &str) -> std::process::Command {
        let program = self.bin.join(program);
        if is_root() {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            std::process::Command::new(program)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        succeed(
            self.command(program).args(args),
            &format!("{program} {args:?}"),
        );
    }

    /// Starts the server (again) and waits until it accepts connections.
    pub fn resume(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c ssl={}",
            self.port,
            self.dir.path().display(),
            if self.tls { "on" } else { "off" }
        );
        let log = self.dir.path().join("log").to_string_lossy().into_owned();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
    }

    /// Stops the server as an operator would (fast shutdown: sessions are cut).
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}

/// Runs `command`, failing the test with its error output unless it succeeds.
fn succeed(command: &mut std::process::Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what} could not run: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Hands `paths` to the `postgres` user when the tests run as root (the server runs as it).
fn give_to_postgres(paths: &[&std::path::Path]) {
    if is_root() {
        succeed(
            std::process::Command::new("chown")
                .arg("postgres:postgres")
                .args(paths),
            "chown to postgres",
        );
    }
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}
