//! The schema: the same migrations for both backends, and every one reversible.

use sala::config::DatabaseUrl;
use sala::db::{Db, migrations};

use crate::helpers::PgDatabase;

#[test]
fn both_backends_have_the_same_migrations() {
    let (sqlite, postgres) = migrations::names();
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}

fn up_down_up(url: DatabaseUrl) {
    let db = Db::connect(&url, 1).unwrap();
    db.migrate().unwrap();
    db.blocking(migrations::revert_all).unwrap();
    db.migrate().unwrap();
    // The reference data is back too.
    let provinces = db.blocking(sala::db::provinces::all).unwrap();
    assert_eq!(provinces.len(), 25);
    assert_eq!(provinces.iter().filter(|p| p.is_capital).count(), 1);
}

#[test]
fn migrations_are_reversible_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    up_down_up(DatabaseUrl::Sqlite(dir.path().join("sala.db")));
}

#[test]
fn migrations_are_reversible_on_postgres() {
    let Some(pg) = PgDatabase::create() else {
        return;
    };
    up_down_up(DatabaseUrl::parse(&pg.url).unwrap());
}
