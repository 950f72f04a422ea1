//! `sala backup DIR` and `sala restore DIR`: everything an instance needs to come back
//! after a lost disk, in one folder.
//!
//! A backup folder holds the database (`sala.db`, a consistent SQLite copy made while Sala
//! runs; or `sala.pgdump`, PostgreSQL's own `pg_dump` in its custom format), the cookie
//! key (`cookie.key`) that sessions and join links depend on, and the key-encryption secret
//! (`signing.kek`) that opens the signing keys stored in the database, when it lives in
//! the data folder. When it is configured elsewhere (`SALA_KEY_ENCRYPTION_KEY_FILE`, to
//! keep it apart from the data), it is left out, and the command says so: keeping a copy
//! of it is then the operator's duty, for without it no certificate can be signed again.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use secrecy::ExposeSecret;

use crate::config::{DatabaseUrl, Settings};
use crate::db::{Db, DbError, backup as db_backup};

const SQLITE_FILE: &str = "sala.db";
const PG_FILE: &str = "sala.pgdump";
const KEY_FILE: &str = "cookie.key";
const KEK_FILE: &str = crate::secrets::KEK_FILE_NAME;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already holds files: back up into a new or empty folder")]
    NotEmpty(String),
    #[error("{0} is not a Sala backup (it has neither sala.db nor sala.pgdump)")]
    NotABackup(String),
    #[error("the backup is for {0}, but Sala is configured for {1}")]
    WrongBackend(&'static str, &'static str),
    #[error("Sala is running on {0}: stop every instance before restoring")]
    InUse(String),
    #[error("the backup's database is damaged: {0}")]
    Damaged(String),
    #[error("{0} failed: {1}")]
    Tool(&'static str, String),
    #[error("{0}: {1}")]
    File(String, std::io::Error),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What was copied, for the lines the command prints.
#[derive(Debug)]
pub struct Copied {
    pub database: PathBuf,
    pub bytes: u64,
    pub key: bool,
    /// Whether `signing.kek` was copied.
    pub kek: bool,
    /// The key-encryption secret configured outside the data folder, which a backup
    /// neither holds nor restores.
    pub kek_elsewhere: Option<PathBuf>,
}

/// Copies the database and the cookie key into `dir` while Sala may be running.
pub fn backup(settings: &Settings, db: &Db, dir: &Path) -> Result<Copied, BackupError> {
    prepare_empty(dir)?;
    let database = match &settings.database {
        DatabaseUrl::Sqlite(_) => {
            let to = dir.join(SQLITE_FILE);
            let target = to.clone();
            db.blocking(move |conn| db_backup::snapshot(conn, &target))?;
            db_backup::check_file(&to).map_err(|e| BackupError::Damaged(e.to_string()))?;
            to
        }
        DatabaseUrl::Postgres(url) => {
            let to = dir.join(PG_FILE);
            run(
                "pg_dump",
                Command::new("pg_dump")
                    .args(["--format=custom", "--no-owner", "--file"])
                    .arg(&to)
                    .arg("--dbname")
                    .arg(url.expose_secret()),
            )?;
            to
        }
    };
    let key = copy_key(&settings.data_dir, dir, KEY_FILE)?;
    let kek = match &settings.key_encryption_key_file {
        None => copy_key(&settings.data_dir, dir, KEK_FILE)?,
        Some(_) => false,
    };
    let bytes = fs::metadata(&database).map_or(0, |m| m.len());
    Ok(Copied {
        database,
        bytes,
        key,
        kek,
        kek_elsewhere: settings.key_encryption_key_file.clone(),
    })
}

/// Puts the backup in `dir` in place of the configured database. Sala must be stopped.
pub fn restore(settings: &Settings, dir: &Path) -> Result<Copied, BackupError> {
    let sqlite = dir.join(SQLITE_FILE);
    let pgdump = dir.join(PG_FILE);
    let database = match (&settings.database, sqlite.exists(), pgdump.exists()) {
        (DatabaseUrl::Sqlite(target), true, _) => {
            restore_sqlite(&sqlite, target)?;
            target.clone()
        }
        (DatabaseUrl::Postgres(url), _, true) => {
            run(
                "pg_restore",
                Command::new("pg_restore")
                    .args([
                        "--clean",
                        "--if-exists",
                        "--no-owner",
                        "--single-transaction",
                        "--exit-on-error",
                        "--dbname",
                    ])
                    .arg(url.expose_secret())
                    .arg(&pgdump),
            )?;
            pgdump
        }
        (DatabaseUrl::Sqlite(_), false, true) => {
            return Err(BackupError::WrongBackend("PostgreSQL", "SQLite"));
        }
        (DatabaseUrl::Postgres(_), true, false) => {
            return Err(BackupError::WrongBackend("SQLite", "PostgreSQL"));
        }
        _ => return Err(BackupError::NotABackup(dir.display().to_string())),
    };
    let key = copy_key(dir, &settings.data_dir, KEY_FILE)?;
    let kek = match &settings.key_encryption_key_file {
        None => copy_key(dir, &settings.data_dir, KEK_FILE)?,
        Some(_) => false,
    };
    let bytes = fs::metadata(&database).map_or(0, |m| m.len());
    Ok(Copied {
        database,
        bytes,
        key,
        kek,
        kek_elsewhere: settings.key_encryption_key_file.clone(),
    })
}

/// Checks the copy, then swaps it in: written beside the database under another name,
/// synced, and renamed over it, so a crash leaves either the old database or the new one.
fn restore_sqlite(from: &Path, target: &Path) -> Result<(), BackupError> {
    db_backup::check_file(from).map_err(|e| BackupError::Damaged(e.to_string()))?;
    if db_backup::in_use(target)? {
        return Err(BackupError::InUse(target.display().to_string()));
    }
    let file_error = |path: &Path| {
        let shown = path.display().to_string();
        move |e| BackupError::File(shown, e)
    };
    let folder = target.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(folder).map_err(file_error(folder))?;
    let staging = target.with_extension("db.restoring");
    fs::copy(from, &staging).map_err(file_error(&staging))?;
    fs::File::open(&staging)
        .and_then(|f| f.sync_all())
        .map_err(file_error(&staging))?;
    // The old database's write-ahead log belongs to the old file: applied to the restored
    // one it would corrupt it.
    for suffix in ["-wal", "-shm"] {
        let stale = PathBuf::from(format!("{}{suffix}", target.display()));
        match fs::remove_file(&stale) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(file_error(&stale)(e));
            }
            _ => {}
        }
    }
    fs::rename(&staging, target).map_err(file_error(target))?;
    fs::File::open(folder)
        .and_then(|f| f.sync_all())
        .map_err(file_error(folder))?;
    Ok(())
}

fn prepare_empty(dir: &Path) -> Result<(), BackupError> {
    let shown = dir.display().to_string();
    fs::create_dir_all(dir).map_err(|e| BackupError::File(shown.clone(), e))?;
    let mut entries = fs::read_dir(dir).map_err(|e| BackupError::File(shown.clone(), e))?;
    if entries.next().is_some() {
        return Err(BackupError::NotEmpty(shown));
    }
    Ok(())
}

/// Copies a secret's file (`cookie.key`, `signing.kek`) from one folder to the other (mode
/// 0600) when there is one; a secret given in the configuration (`SALA_COOKIE_KEY`,
/// `SALA_KEY_ENCRYPTION_KEY_FILE`) is the operator's to keep.
fn copy_key(from: &Path, to: &Path, name: &str) -> Result<bool, BackupError> {
    let source = from.join(name);
    let bytes = match fs::read(&source) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(BackupError::File(source.display().to_string(), e)),
    };
    let target = to.join(name);
    let shown = target.display().to_string();
    fs::create_dir_all(to).map_err(|e| BackupError::File(shown.clone(), e))?;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&target)
        .and_then(|mut f| f.write_all(&bytes).and_then(|()| f.sync_all()))
        .map_err(|e| BackupError::File(shown, e))?;
    Ok(true)
}

fn run(tool: &'static str, command: &mut Command) -> Result<(), BackupError> {
    let output = command
        .output()
        .map_err(|e| BackupError::Tool(tool, format!("{e} (is it installed?)")))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(BackupError::Tool(
            tool,
            stderr.lines().next().unwrap_or("no message").to_owned(),
        ))
    }
}
