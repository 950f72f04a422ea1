//! What people see when the database goes away under a running Sala, and that nothing
//! acknowledged is lost when it comes back.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::disk::SmallDisk;
use crate::helpers::{Backend, PgCluster, TestApp, texts};
use crate::spawn;

/// Polls `/readyz` until it says `want`, for up to 30 s.
async fn wait_ready(app: &TestApp, want: StatusCode) {
    for _ in 0..300 {
        if app.get("/readyz").await.status() == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("/readyz never answered {want}");
}

/// Sala on a PostgreSQL cluster of its own (which the test may stop), with Dara signed up;
/// `None` when PostgreSQL tests are not enabled.
async fn on_own_cluster() -> Option<(PgCluster, TestApp)> {
    on_cluster(PgCluster::start()?).await
}

async fn on_cluster(cluster: PgCluster) -> Option<(PgCluster, TestApp)> {
    let url = cluster.url.clone();
    let app = TestApp::spawn_with(Backend::Sqlite, |raw| raw.database_url = Some(url)).await?;
    app.get("/lang/en?next=/").await;
    assert_eq!(
        app.register("dara@example.org", "Dara").await.status(),
        StatusCode::SEE_OTHER
    );
    Some((cluster, app))
}

/// Someone new signs up: writes work, without restarting Sala.
async fn another_signs_up(app: &TestApp) {
    let other = app.new_browser();
    other.get("/lang/en?next=/").await;
    assert_eq!(
        other.register("sokha@example.org", "Sokha").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.rows("users").await, 2);
}

/// A pooled connection is checked before it is handed out: a PostgreSQL restart between two
/// visits cuts every connection, and must go unnoticed by the next visitor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_between_requests_goes_unnoticed() {
    let Some((cluster, app)) = on_own_cluster().await else {
        return;
    };
    a_restart_goes_unnoticed(cluster, app).await;
}

/// The same over TLS, where the server's goodbye comes in TLS records of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_between_requests_goes_unnoticed_over_tls() {
    let Some(cluster) = PgCluster::start_with_tls() else {
        return;
    };
    let (cluster, app) = on_cluster(cluster).await.expect("Sala on its own cluster");
    a_restart_goes_unnoticed(cluster, app).await;
}

async fn a_restart_goes_unnoticed(cluster: PgCluster, app: TestApp) {
    assert_eq!(app.get_html("/my").await.0, StatusCode::OK);
    // Every pooled connection is cut by the restart.
    cluster.stop();
    cluster.resume();
    tokio::time::sleep(Duration::from_secs(1)).await;
    for _ in 0..3 {
        let (status, _) = app.get_html("/my").await;
        assert_eq!(status, StatusCode::OK, "no 503 after a restart nobody saw");
    }
    another_signs_up(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_under_a_running_sala_gives_a_clean_503_then_recovers() {
    let Some((cluster, app)) = on_own_cluster().await else {
        return;
    };
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);

    cluster.stop();
    let (status, html) = app.get_html("/my").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        texts(&html, "main")
            .concat()
            .contains("cannot reach its database"),
        "a page in the visitor's language, not a stack trace: {html}"
    );
    assert_eq!(
        app.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    // While it is down, requests are answered at once rather than each waiting for the
    // pool's 5 s connection timeout (20 of them would take 100 s).
    let began = Instant::now();
    for _ in 0..20 {
        let response = app.get("/my").await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key("retry-after"));
    }
    assert!(
        began.elapsed() < Duration::from_secs(15),
        "20 requests while down took {:?}",
        began.elapsed()
    );

    cluster.resume();
    wait_ready(&app, StatusCode::OK).await;
    let (status, _) = app.get_html("/my").await;
    assert_eq!(status, StatusCode::OK, "the same session works again");
    another_signs_up(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_clearly_and_corrupts_nothing() {
    let Some(disk) = SmallDisk::mount(16) else {
        return;
    };
    let data = disk.path().join("data");
    let app = spawn!(Backend::Sqlite, |raw| raw.data_dir = data);
    app.get("/lang/en?next=/").await;
    assert_eq!(
        app.register("dara@example.org", "Dara").await.status(),
        StatusCode::SEE_OTHER
    );

    let filler = disk.fill();
    let other = app.new_browser();
    other.get("/lang/en?next=/").await;
    let response = other.register("sokha@example.org", "Sokha").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let html = response.text().await.unwrap();
    assert!(
        texts(&html, "main")
            .concat()
            .contains("run out of disk space"),
        "{html}"
    );
    let (status, _) = app.get_html("/my").await;
    assert_eq!(status, StatusCode::OK, "reading still works on a full disk");

    std::fs::remove_file(filler).unwrap();
    assert_eq!(
        other.register("sokha@example.org", "Sokha").await.status(),
        StatusCode::SEE_OTHER,
        "with space again, the same form goes through"
    );
    assert_eq!(app.rows("users").await, 2);
    sala::db::backup::check_file(&app.data_dir.join("sala.db"))
        .expect("PRAGMA integrity_check says ok");
}

#[test]
fn a_read_only_data_folder_is_refused_at_start_with_one_sentence() {
    let Some(disk) = SmallDisk::mount(16) else {
        return;
    };
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sala"))
            .env_remove("SALA_DATABASE_URL")
            .env("SALA_LOG", "warn")
            .arg("--data-dir")
            .arg(disk.path().join("data"))
            .args(args)
            .output()
            .unwrap()
    };
    assert!(run(&["migrate"]).status.success());
    disk.read_only(true);
    let output = run(&["migrate"]);
    disk.read_only(false);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let said: Vec<&str> = stderr.lines().filter(|l| l.starts_with("sala: ")).collect();
    assert_eq!(said.len(), 1, "one clear sentence: {stderr}");
    assert!(said[0].to_lowercase().contains("read-only"), "{stderr}");
}
