//! `sala backup` while Sala serves and writes, and `sala restore` after a loss: what was
//! acknowledged before the backup began comes back, sessions stay valid, nothing is torn.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::StatusCode;
use sala::config::DatabaseUrl;
use sala::db::Db;

use crate::both_backends;
use crate::helpers::process::{Installation, Operator};
use crate::helpers::{Backend, Browser, Mailbox, PASSWORD};

both_backends!(a_backup_taken_under_writes_restores_what_was_acknowledged_before_it);

async fn users(url: &DatabaseUrl) -> i64 {
    let url = url.clone();
    tokio::task::spawn_blocking(move || {
        let db = Db::connect(&url, 1).expect("connect");
        db.blocking(|conn| {
            use diesel::{QueryDsl, RunQueryDsl};
            sala::db::schema::users::table
                .count()
                .get_result::<i64>(conn)
                .map_err(sala::db::DbError::from)
        })
        .expect("count users")
    })
    .await
    .expect("join")
}

/// Keeps registering new people, one at a time, until told to stop; counts the
/// registrations Sala acknowledged (answered 303).
async fn keep_registering(address: String, stop: Arc<AtomicUsize>, acknowledged: Arc<AtomicUsize>) {
    let mut n = 0;
    while stop.load(Ordering::Acquire) == 0 {
        n += 1;
        let browser = Browser::new(address.clone());
        let response = browser
            .register_request(&format!("writer{n}@example.org"), "Writer")
            .await;
        if response.status() == StatusCode::SEE_OTHER {
            acknowledged.fetch_add(1, Ordering::AcqRel);
        }
    }
}

fn backup_file(dir: &Path) -> std::path::PathBuf {
    ["sala.db", "sala.pgdump"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.exists())
        .expect("the backup holds the database")
}

async fn a_backup_taken_under_writes_restores_what_was_acknowledged_before_it(backend: Backend) {
    let Some(installation) = Installation::new(backend) else {
        return;
    };
    let (operator, database) = (&installation.operator, &installation.database);
    let backup = installation.dir.path().join("backup");

    let server = tokio::task::block_in_place(|| operator.serve());
    let mailbox = Mailbox::Folder(operator.data_dir.join("outbox"));
    let dara = Browser::with_mailbox(server.address.clone(), mailbox);
    dara.get("/lang/en?next=/").await;
    assert_eq!(
        dara.register("dara@example.org", "Dara").await.status(),
        StatusCode::SEE_OTHER
    );

    // Back up while someone keeps registering.
    let stop = Arc::new(AtomicUsize::new(0));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let writer = tokio::spawn(keep_registering(
        server.address.clone(),
        stop.clone(),
        acknowledged.clone(),
    ));
    // The writer is going before the backup starts, and still going after it ends.
    let acknowledged_now = || acknowledged.load(Ordering::Acquire);
    while acknowledged_now() == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before = i64::try_from(acknowledged.load(Ordering::Acquire)).unwrap() + 1;
    let (ok, said, stderr) =
        tokio::task::block_in_place(|| operator.run(&["backup", backup.to_str().unwrap()]));
    let after = i64::try_from(acknowledged.load(Ordering::Acquire)).unwrap() + 1;
    while i64::try_from(acknowledged_now()).unwrap() + 1 == after {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    stop.store(1, Ordering::Release);
    writer.await.unwrap();
    assert!(ok, "sala backup: {stderr}");
    assert!(said.starts_with("Backed up "), "{said}");
    assert!(
        backup.join("cookie.key").exists(),
        "the cookie key is in the backup"
    );
    // The key-encryption secret lives in the data folder here, so it is in the backup too,
    // and the command says so.
    assert!(backup.join("signing.kek").exists(), "{said}");
    assert!(said.contains("with cookie.key and signing.kek"), "{said}");
    assert!(backup_file(&backup).exists());

    // Something happens after the backup, then the server is lost.
    let late = server.browser();
    late.get("/lang/en?next=/").await;
    assert_eq!(
        late.register_request("late@example.org", "Late")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    if backend == Backend::Sqlite {
        let (ok, _, stderr) = operator.run(&["restore", backup.to_str().unwrap()]);
        assert!(!ok, "restoring under a running Sala is refused");
        assert!(stderr.contains("stop every instance"), "{stderr}");
    }
    server.kill();

    let (ok, said, stderr) = operator.run(&["restore", backup.to_str().unwrap()]);
    assert!(ok, "sala restore: {stderr}");
    assert!(said.starts_with("Restored "), "{said}");
    let restored = users(database).await;
    assert!(
        (before..=after + 1).contains(&restored),
        "the backup holds every registration acknowledged before it began ({before}) and \
         none after it ended ({after}, and the one in flight); it holds {restored}"
    );

    let server = operator.serve();
    // Dara's session cookie from before the loss is still good: the key came back too.
    let dara = Browser {
        address: server.address.clone(),
        client: dara.client.clone(),
        mailbox: None,
    };
    assert_eq!(dara.get("/my").await.status(), StatusCode::OK);
    let late = server.browser();
    assert_eq!(
        late.sign_in("late@example.org", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED,
        "what happened after the backup is gone"
    );
}

#[test]
fn a_backup_is_never_written_over_another() {
    let dir = tempfile::tempdir().unwrap();
    let operator = Operator::new(&dir.path().join("data"), None);
    let backup = dir.path().join("backup");
    let (ok, _, stderr) = operator.run(&["backup", backup.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = operator.run(&["backup", backup.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("new or empty folder"), "{stderr}");
    let (ok, _, stderr) = operator.run(&["restore", dir.path().to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("not a Sala backup"), "{stderr}");
}
