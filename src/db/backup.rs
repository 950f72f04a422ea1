//! The SQL of backups: a consistent copy of a live SQLite database, its integrity check,
//! and whether another process has it open.

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryableByName, RunQueryDsl};

use super::{DbConnection, DbError};

#[derive(QueryableByName)]
struct Check {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// Writes a consistent copy of the open SQLite database to `to` while others keep reading
/// and writing: `VACUUM INTO` reads one snapshot, so the copy holds exactly the
/// transactions committed before it began.
pub fn snapshot(conn: &mut DbConnection, to: &Path) -> Result<(), DbError> {
    let DbConnection::Sqlite(conn) = conn else {
        return Err(DbError::Corrupt(
            "a SQLite snapshot of a PostgreSQL database".into(),
        ));
    };
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(to.to_string_lossy().into_owned())
        .execute(conn)?;
    Ok(())
}

/// Opens a SQLite file on its own and runs `PRAGMA integrity_check`: `Ok(())` when it
/// says "ok", else the problems it found.
pub fn check_file(path: &Path) -> Result<(), DbError> {
    let mut conn = open(path)?;
    let problems: Vec<String> = diesel::sql_query("PRAGMA integrity_check")
        .load::<Check>(&mut conn)?
        .into_iter()
        .map(|c| c.integrity_check)
        .collect();
    if problems == ["ok"] {
        Ok(())
    } else {
        Err(DbError::Corrupt(problems.join("; ")))
    }
}

/// True when another process (a running Sala) has the SQLite file open. In WAL mode every
/// open connection holds a shared lock on the file, so an exclusive lock taken without
/// waiting fails exactly then.
pub fn in_use(path: &Path) -> Result<bool, DbError> {
    if !path.exists() {
        return Ok(false);
    }
    let mut conn = open(path)?;
    conn.batch_execute("PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE;")?;
    match conn.batch_execute("BEGIN EXCLUSIVE") {
        Ok(()) => {
            conn.batch_execute("ROLLBACK")?;
            Ok(false)
        }
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("locked") || info.message().contains("busy") =>
        {
            Ok(true)
        }
        Err(other) => Err(other.into()),
    }
}

fn open(path: &Path) -> Result<SqliteConnection, DbError> {
    SqliteConnection::establish(&path.to_string_lossy())
        .map_err(|e| DbError::Unavailable(e.to_string()))
}
