//! Two instances on one PostgreSQL database behind nginx, started by `deploy/cluster` as an
//! operator would: sessions, courses and certificates cross from one instance to the other,
//! and reminders and emails due while both run go out exactly once.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;

use crate::certificates::{complete, verdict};
use crate::cohorts::{ROSTER, coordinator_with_office, create_cohort, send_roster};
use crate::final_assessment::fixtures;
use crate::helpers::process::Operator;
use crate::helpers::smtp::SmtpSink;
use crate::helpers::{Backend, Browser, Mailbox, PgDatabase, copy_of_minimal, edit_file};

/// `deploy/cluster start|stop DIR`, with the test's binary, database and mail server.
fn cluster(action: &str, dir: &Path, database: &str, smtp: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/cluster");
    let output = Command::new("bash")
        .arg(script)
        .args([action, dir.to_str().unwrap()])
        .env("SALA_BIN", env!("CARGO_BIN_EXE_sala"))
        .env("SALA_DATABASE_URL", database)
        .env("SALA_SMTP_URL", smtp)
        .env("SALA_COURSES_DIR", "")
        .env("SALA_LOG", "warn")
        .output()
        .expect("run deploy/cluster");
    assert!(
        output.status.success(),
        "deploy/cluster {action}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Stops the cluster when the test ends, however it ends.
struct Running<'a> {
    dir: &'a Path,
    database: &'a str,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        cluster("stop", self.dir, self.database, "");
    }
}

/// The same browser (cookies and all), pointed at another address.
fn at(browser: &Browser, address: &str) -> Browser {
    Browser {
        address: address.trim_end_matches('/').to_owned(),
        client: browser.client.clone(),
        mailbox: browser.mailbox.clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_behind_nginx_share_sessions_courses_certificates_and_send_once() {
    let Some(pg) = PgDatabase::create() else {
        return;
    };
    let sink = SmtpSink::start().await;

    // Before the cluster: a course, a cohort of three invitees whose reminder is due (they
    // were invited ten days ago and have not started).
    let url = pg.url.clone();
    let setup = crate::spawn!(Backend::Sqlite, move |s| {
        s.database_url = Some(url);
        s.courses_dir = fixtures();
    });
    let office = coordinator_with_office(&setup).await;
    let cohort = create_cohort(&setup, &office, 60).await;
    let invited = send_roster(&setup, &cohort, ROSTER, true).await;
    assert_eq!(invited.status(), StatusCode::SEE_OTHER);
    setup
        .db
        .write(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(
                "UPDATE invitations SET invited_at = invited_at - interval '10 days'",
            )
            .execute(conn)?;
            diesel::sql_query("UPDATE cohorts SET starts_on = starts_on - 10")
                .execute(conn)
                .map_err(sala::db::DbError::from)
        })
        .await
        .unwrap();
    setup.stop().await;

    let dir = tempfile::tempdir().unwrap();
    cluster("start", dir.path(), &pg.url, &sink.url());
    let _running = Running {
        dir: dir.path(),
        database: &pg.url,
    };
    let front = std::fs::read_to_string(dir.path().join("url")).unwrap();
    let instances: Vec<String> = std::fs::read_to_string(dir.path().join("instances"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(instances.len(), 2);

    // Each instance, starting, looks for due reminders: three people, one letter each.
    let reminders = sink.wait_for(3).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut to: Vec<String> = sink.messages().iter().map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        ["pov@example.org", "sok@example.org", "vanna@example.org"],
        "one reminder each, whichever instance queued and sent it: {reminders:?}"
    );

    // A learner signs up through nginx; the session is good on either instance.
    let learner = Browser::with_mailbox(
        front.trim().trim_end_matches('/').to_owned(),
        Mailbox::Smtp(crate::helpers::smtp::received_at(&sink.url())),
    );
    let serial = complete(&learner, "dara@example.org", "Dara Sok").await;
    for instance in &instances {
        let (status, html) = at(&learner, instance).get_html("/my").await;
        assert_eq!(status, StatusCode::OK, "{instance}");
        assert!(html.contains("សុខ ចាន់ធា"), "signed in on {instance}: {html}");
    }

    // The certificate (issued by whichever instance took the submission) verifies on both,
    // and its notice went out once.
    for instance in &instances {
        let visitor = Browser::new(instance.clone());
        let (status, verdict) = verdict(&visitor, &format!("/verify/{serial}")).await;
        assert_eq!(
            (status, verdict.as_str()),
            (StatusCode::OK, "genuine"),
            "{instance}"
        );
    }
    sink.wait_for(4).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let notices: Vec<_> = sink
        .messages()
        .into_iter()
        .filter(|m| m.to == "dara@example.org")
        .collect();
    assert_eq!(notices.len(), 1, "{notices:?}");

    // A new version published through the first instance's configuration is what the
    // second serves.
    let source = copy_of_minimal(dir.path(), "minimal");
    edit_file(
        &source.join("course.toml"),
        "A test course",
        "A test course, revised",
    );
    let operator = Operator::new(&dir.path().join("instance-1"), Some(&pg.url));
    let (ok, _, stderr) = operator.run(&["course", "publish", source.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let reader = Browser::new(instances[1].clone());
    reader.get("/lang/en?next=/").await;
    let (status, html) = reader.get_html("/courses/minimal").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("A test course, revised"), "{html}");
}
