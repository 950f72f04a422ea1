//! Sala as an operator runs it: the `sala` binary in a process of its own, for the tests
//! that kill it, back it up or restore it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use super::Browser;

/// The `sala` command on a data folder (and a PostgreSQL URL, else SQLite in the folder),
/// run from an empty folder so that no sample course is published.
pub struct Operator {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    workdir: tempfile::TempDir,
}

impl Operator {
    pub fn new(data_dir: &Path, database_url: Option<&str>) -> Self {
        Self {
            data_dir: data_dir.to_owned(),
            database_url: database_url.map(str::to_owned),
            workdir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sala"));
        command
            .current_dir(self.workdir.path())
            .env_remove("SALA_BIND")
            .env_remove("SALA_BASE_URL")
            .env_remove("SALA_COOKIE_KEY")
            .env("SALA_LOG", "warn")
            .env("SALA_DATA_DIR", &self.data_dir);
        match &self.database_url {
            Some(url) => command.env("SALA_DATABASE_URL", url),
            None => command.env_remove("SALA_DATABASE_URL"),
        };
        command
    }

    /// Runs `sala ARGS` to the end: (success, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (bool, String, String) {
        let Output {
            status,
            stdout,
            stderr,
        } = self.command().args(args).output().expect("run sala");
        (
            status.success(),
            String::from_utf8_lossy(&stdout).into_owned(),
            String::from_utf8_lossy(&stderr).into_owned(),
        )
    }

    /// Starts `sala serve` on a free port and waits for the line with its address.
    pub fn serve(&self) -> Server {
        let mut child = self
            .command()
            .args(["--bind", "127.0.0.1:0", "serve"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start sala serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(at) = line.find("http://") {
                        let url = line[at..].split_whitespace().next().unwrap_or_default();
                        break url.trim_end_matches('/').to_owned();
                    }
                }
                _ => {
                    let _ = child.kill();
                    panic!("sala serve stopped before printing its address");
                }
            }
        };
        // Keep reading so that the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, address }
    }
}

/// A running `sala serve`; killed (-9) when dropped.
pub struct Server {
    child: Child,
    pub address: String,
}

impl Server {
    pub fn browser(&self) -> Browser {
        Browser::new(self.address.clone())
    }

    /// `kill -9`: no shutdown, no flushing, as a power cut or the OOM killer would.
    pub fn kill(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reap");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Sala installation of the test's own: a folder, a database (SQLite in the folder's
/// `data`, or a fresh PostgreSQL database) and the operator's command on them.
pub struct Installation {
    pub operator: Operator,
    pub database: sala::config::DatabaseUrl,
    pub dir: tempfile::TempDir,
    _pg: Option<super::PgDatabase>,
}

impl Installation {
    /// `None` when the PostgreSQL tests are not enabled.
    pub fn new(backend: super::Backend) -> Option<Self> {
        let pg = match backend {
            super::Backend::Sqlite => None,
            super::Backend::Postgres => Some(super::PgDatabase::create()?),
        };
        let dir = tempfile::tempdir().expect("temporary folder");
        let data = dir.path().join("data");
        let url = pg.as_ref().map(|p| p.url.as_str());
        let database = match url {
            Some(url) => sala::config::DatabaseUrl::parse(url).expect("a database URL"),
            None => sala::config::DatabaseUrl::Sqlite(data.join("sala.db")),
        };
        Some(Self {
            operator: Operator::new(&data, url),
            database,
            dir,
            _pg: pg,
        })
    }
}
