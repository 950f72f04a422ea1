//! The `sala` command as an operator meets it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn sala(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sala"));
    command
        .current_dir(dir)
        .env_remove("SALA_DATABASE_URL")
        .env_remove("SALA_DATA_DIR")
        .env_remove("SALA_BIND")
        .env_remove("SALA_BASE_URL")
        .env("SALA_LOG", "warn");
    command
}

/// Runs and returns (success, stdout, stderr).
fn run(command: &mut Command) -> (bool, String, String) {
    let output = command.output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn one_sentence(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("sala: ")).collect();
    assert_eq!(lines.len(), 1, "one clear line: {stderr}");
    lines[0]
}

#[test]
fn an_unknown_database_scheme_is_refused_with_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) =
        run(sala(dir.path()).args(["--database-url", "mysql://root@localhost/sala", "migrate"]));
    assert!(!ok);
    assert!(
        one_sentence(&stderr).contains("sqlite:// or postgres://"),
        "{stderr}"
    );
    // Nothing was created by mistake.
    assert!(!dir.path().join("data").exists());
}

#[test]
fn an_unreachable_database_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run(sala(dir.path()).args([
        "--database-url",
        "postgres://postgres:secret@127.0.0.1:1/sala",
        "migrate",
    ]));
    assert!(!ok);
    let line = one_sentence(&stderr);
    assert!(
        line.contains("cannot use the database at postgres://postgres:***@127.0.0.1:1/sala"),
        "{line}"
    );
    assert!(!stderr.contains("secret"));
}

#[test]
fn an_unwritable_data_dir_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run(sala(dir.path()).args(["--data-dir", "/proc/sala-data", "migrate"]));
    assert!(!ok);
    assert!(
        one_sentence(&stderr).contains("data directory /proc/sala-data cannot be used"),
        "{stderr}"
    );
}

#[test]
fn a_bad_setting_in_the_environment_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run(sala(dir.path())
        .env("SALA_BIND", "everywhere")
        .arg("migrate"));
    assert!(!ok);
    assert!(one_sentence(&stderr).contains("SALA_BIND"), "{stderr}");
}

#[test]
fn settings_come_from_sala_toml_and_flags_override_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sala.toml"), "data_dir = \"from-toml\"\n").unwrap();
    let (ok, stdout, stderr) = run(sala(dir.path()).arg("migrate"));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("from-toml/sala.db"), "{stdout}");
    let (ok, stdout, _) = run(sala(dir.path()).args(["--data-dir", "from-flag", "migrate"]));
    assert!(ok);
    assert!(stdout.contains("from-flag/sala.db"), "{stdout}");
}

#[test]
fn admin_create_prints_a_one_time_link() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = run(sala(dir.path()).args([
        "--base-url",
        "https://sala.example.gov.kh",
        "admin",
        "create",
        "--email",
        "Root@Example.org",
        "--name",
        "Chief Admin",
    ]));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("root@example.org is an admin"), "{stdout}");
    assert!(
        stdout.contains("https://sala.example.gov.kh/password-reset/"),
        "{stdout}"
    );
    let (ok, _, stderr) =
        run(sala(dir.path()).args(["admin", "create", "--email", "nope", "--name", "X"]));
    assert!(!ok);
    assert!(one_sentence(&stderr).contains("email"), "{stderr}");
}

#[test]
fn serve_prints_the_address_to_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = sala(dir.path())
        .args(["--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .map(str::to_owned);
    let healthy = url.as_ref().and_then(|url| {
        let address = url.trim_start_matches("http://").trim_end_matches('/');
        let mut stream = std::net::TcpStream::connect(address).ok()?;
        use std::io::{Read, Write};
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        Some(answer.starts_with("HTTP/1.1 200"))
    });
    child.kill().unwrap();
    let _ = child.wait();
    assert!(url.is_some(), "printed: {line}");
    assert_eq!(healthy, Some(true));
    // The SQLite database and the cookie key were made in ./data, the key private.
    assert!(dir.path().join("data/sala.db").exists());
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dir.path().join("data/cookie.key"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
}

/// `sala migrate` on PostgreSQL ends cleanly every time. (A spare connection being made in
/// the background when the command returned used to crash libpq at exit, about one run
/// in ten: sixty runs catch that nearly always.)
#[test]
fn commands_on_postgres_exit_cleanly_every_time() {
    let Some(pg) = crate::helpers::PgDatabase::create() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..60 {
        let output = sala(dir.path())
            .args(["--database-url", &pg.url, "migrate"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{:?}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
