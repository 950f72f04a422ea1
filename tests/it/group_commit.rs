//! Writes on SQLite are committed in groups (`db/writer.rs`): writes that queued while
//! another committed share the next commit, and each keeps or loses only its own changes.

use std::time::Duration;

use sala::audit::{self, Action, Actor};
use sala::config::DatabaseUrl;
use sala::db::{Db, DbError};

/// Records an audit entry named `subject`; fails after writing it when `fail` is set.
async fn note(db: &Db, subject: String, fail: bool) -> Result<(), DbError> {
    db.write(move |conn| {
        audit::record(
            conn,
            &Actor::system(),
            Action::PersonalDataExported,
            &subject,
            "group commit test",
            chrono::Utc::now().naive_utc(),
        )?;
        if fail {
            return Err(DbError::Corrupt("this write fails on purpose".into()));
        }
        Ok(())
    })
    .await
}

fn noted(db: &Db) -> Vec<String> {
    let mut subjects: Vec<String> = db
        .blocking(|conn| sala::db::audit::list(conn, None, "", 1000))
        .unwrap()
        .into_iter()
        .filter(|e| e.detail == "group commit test")
        .map(|e| e.subject)
        .collect();
    subjects.sort();
    subjects
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_writes_share_one_commit_and_a_failing_write_loses_only_its_own_changes() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&DatabaseUrl::Sqlite(dir.path().join("sala.db")), 2).unwrap();
    db.migrate().unwrap();
    let before = db.commit_groups().unwrap();

    // The first write holds the writer until the others have queued behind it.
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let first = {
        let db = db.clone();
        tokio::spawn(async move {
            db.write(move |conn| {
                wait.recv_timeout(Duration::from_secs(10)).ok();
                audit::record(
                    conn,
                    &Actor::system(),
                    Action::PersonalDataExported,
                    "w00",
                    "group commit test",
                    chrono::Utc::now().naive_utc(),
                )
            })
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let queued: Vec<_> = (1..=40)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move { note(&db, format!("w{i:02}"), i % 4 == 0).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    go.send(()).unwrap();

    first.await.unwrap().unwrap();
    for (i, write) in (1..=40).zip(queued) {
        let result = write.await.unwrap();
        assert_eq!(result.is_err(), i % 4 == 0, "write {i}: {result:?}");
    }
    let expected: Vec<String> = (0..=40)
        .filter(|i| i == &0 || i % 4 != 0)
        .map(|i| format!("w{i:02}"))
        .collect();
    assert_eq!(noted(&db), expected);
    // 41 writes: the first alone, the 40 that queued behind it together.
    let after = db.commit_groups().unwrap();
    assert_eq!(after.1 - before.1, 41, "writes");
    assert_eq!(after.0 - before.0, 2, "commits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_panics_fails_its_group_and_the_writer_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&DatabaseUrl::Sqlite(dir.path().join("sala.db")), 2).unwrap();
    db.migrate().unwrap();
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let blocker = {
        let db = db.clone();
        tokio::spawn(async move {
            db.write(move |_conn| {
                wait.recv_timeout(Duration::from_secs(10)).ok();
                Ok::<_, DbError>(())
            })
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = {
        let db = db.clone();
        tokio::spawn(async move { note(&db, "before".into(), false).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let panics = {
        let db = db.clone();
        tokio::spawn(async move {
            db.write(|_conn| -> Result<(), DbError> { panic!("a bug in a write") })
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    go.send(()).unwrap();
    blocker.await.unwrap().unwrap();
    // The write queued in the same group as the panic is not saved, and says so.
    assert!(matches!(
        before.await.unwrap(),
        Err(DbError::Unavailable(_))
    ));
    assert!(matches!(
        panics.await.unwrap(),
        Err(DbError::Unavailable(_))
    ));
    assert!(noted(&db).is_empty());
    // The writer carries on with a new connection.
    note(&db, "after".into(), false).await.unwrap();
    assert_eq!(noted(&db), ["after"]);
}
