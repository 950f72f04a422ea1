//! Embedded migrations, one folder per backend with the same migration names in both.

use diesel::RunQueryDsl;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{DbConnection, DbError};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// An arbitrary constant naming Sala's migration lock among PostgreSQL advisory locks.
const MIGRATION_LOCK: i64 = 0x5a1a_0001;

/// Applies pending migrations. On PostgreSQL this holds an advisory lock, so instances that
/// start together take turns instead of racing to create the same tables.
pub fn run_pending(conn: &mut DbConnection) -> Result<(), DbError> {
    match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE)
            .map(drop)
            .map_err(|e| DbError::Migration(e.to_string())),
        DbConnection::Postgres(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(c)?;
            let result = c
                .run_pending_migrations(POSTGRES)
                .map(drop)
                .map_err(|e| DbError::Migration(e.to_string()));
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(c)?;
            result
        }
    }
}

/// Reverts every migration (used by the test that checks migrations are reversible).
pub fn revert_all(conn: &mut DbConnection) -> Result<(), DbError> {
    match conn {
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE).map(drop),
        DbConnection::Postgres(c) => c.revert_all_migrations(POSTGRES).map(drop),
    }
    .map_err(|e| DbError::Migration(e.to_string()))
}

/// Reverts the migration `name` and every newer one (used by the tests that check an
/// upgrade computes what a migration adds from the data already there).
pub fn revert_from(conn: &mut DbConnection, name: &str) -> Result<(), DbError> {
    let (sqlite, postgres) = names();
    let names = match conn {
        DbConnection::Sqlite(_) => sqlite,
        DbConnection::Postgres(_) => postgres,
    };
    let Some(at) = names.iter().position(|n| n == name) else {
        return Err(DbError::Migration(format!("no migration named {name}")));
    };
    for _ in at..names.len() {
        match conn {
            DbConnection::Sqlite(c) => c.revert_last_migration(SQLITE).map(drop),
            DbConnection::Postgres(c) => c.revert_last_migration(POSTGRES).map(drop),
        }
        .map_err(|e| DbError::Migration(e.to_string()))?;
    }
    Ok(())
}

/// The names of the migrations embedded for each backend, in order.
pub fn names() -> (Vec<String>, Vec<String>) {
    use diesel::migration::MigrationSource;
    fn list<DB: diesel::backend::Backend>(source: &EmbeddedMigrations) -> Vec<String>
    where
        EmbeddedMigrations: MigrationSource<DB>,
    {
        MigrationSource::<DB>::migrations(source)
            .map(|all| all.iter().map(|m| m.name().to_string()).collect())
            .unwrap_or_default()
    }
    (
        list::<diesel::sqlite::Sqlite>(&SQLITE),
        list::<diesel::pg::Pg>(&POSTGRES),
    )
}
