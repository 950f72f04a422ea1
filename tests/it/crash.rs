//! `kill -9` under a steady write load: every write Sala acknowledged is in the database
//! after a restart, and nothing is half-written.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use sala::config::DatabaseUrl;
use sala::db::Db;

use crate::both_backends;
use crate::final_assessment::fixtures;
use crate::helpers::process::Installation;
use crate::helpers::{Backend, Browser, Mailbox, PASSWORD, csrf_token};

both_backends!(every_acknowledged_write_survives_kill_9);

/// What the learners were told was saved: (email, what).
type Acknowledged = Arc<Mutex<BTreeSet<(String, &'static str)>>>;

/// Posts a form as a browser does (page, token, post); `None` once the server is gone.
async fn submit(
    browser: &Browser,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Option<StatusCode> {
    let html = browser
        .client
        .get(browser.url(page))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let token = csrf_token(&html)?;
    let mut all = vec![("csrf", token.as_str())];
    all.extend_from_slice(fields);
    let response = browser
        .client
        .post(browser.url(action))
        .form(&all)
        .send()
        .await
        .ok()?;
    Some(response.status())
}

/// One learner after another: sign up, answer the first chapter's practice question,
/// mark the second chapter read. Records each write that was acknowledged.
async fn learners(address: String, outbox: PathBuf, worker: usize, acknowledged: Acknowledged) {
    for n in 0.. {
        let email = format!("w{worker}n{n}@example.org");
        let browser = Browser::with_mailbox(address.clone(), Mailbox::Folder(outbox.clone()));
        let registered = submit(
            &browser,
            "/register",
            "/register",
            &[
                ("name_km", "សុខ ចាន់ធា"),
                ("name_latin", "Learner"),
                ("email", &email),
                ("position", "Officer"),
                ("province", "10"),
                ("organisation", ""),
            ],
        )
        .await;
        let steps: [(Option<StatusCode>, &'static str); 4] = [
            (registered, "registered"),
            (choose_password(&browser, &email).await, "password"),
            (
                submit(
                    &browser,
                    "/courses/minimal/water",
                    "/courses/minimal/water/check",
                    &[("q.q1", "a")],
                )
                .await,
                "answered",
            ),
            (
                submit(
                    &browser,
                    "/courses/minimal/latrines",
                    "/courses/minimal/latrines/read",
                    &[],
                )
                .await,
                "read",
            ),
        ];
        for (status, what) in steps {
            match status {
                Some(s) if s.is_success() || s.is_redirection() => {
                    acknowledged.lock().unwrap().insert((email.clone(), what));
                }
                // The server is gone (or refused): this learner's story ends here.
                _ => return,
            }
        }
    }
}

/// Follows the link of the registration email, once it arrives, and chooses a password;
/// `None` if no email came (the server is gone) or the server is gone by then.
async fn choose_password(browser: &Browser, email: &str) -> Option<StatusCode> {
    for _ in 0..100 {
        let link = browser
            .registration_letters(email)
            .last()
            .and_then(|letter| letter.link_path("/password-reset/"));
        if let Some(link) = link {
            return submit(browser, &link, &link, &[("password", PASSWORD)]).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// What the database holds: (email, what) for every account, chosen password, answered
/// check and read mark.
async fn stored(url: DatabaseUrl) -> BTreeSet<(String, &'static str)> {
    tokio::task::spawn_blocking(move || {
        let db = Db::connect(&url, 1).expect("connect");
        db.blocking(|conn| {
            use diesel::prelude::*;
            use sala::db::schema::{chapter_progress as p, users as u};
            let mut found = BTreeSet::new();
            let accounts: Vec<(String, bool)> = u::table
                .select((u::email, u::password_hash.is_not_null()))
                .load(conn)?;
            for (email, has_password) in accounts {
                if has_password {
                    found.insert((email.clone(), "password"));
                }
                found.insert((email, "registered"));
            }
            let rows: Vec<(String, String, bool, bool)> = p::table
                .inner_join(u::table.on(u::id.eq(p::user_id)))
                .select((
                    u::email,
                    p::chapter_key,
                    p::passed_at.is_not_null(),
                    p::read_at.is_not_null(),
                ))
                .load(conn)?;
            for (email, chapter, passed, read) in rows {
                if chapter == "water" && passed {
                    found.insert((email.clone(), "answered"));
                }
                if chapter == "latrines" && read {
                    found.insert((email, "read"));
                }
            }
            Ok::<_, sala::db::DbError>(found)
        })
        .expect("read what is stored")
    })
    .await
    .expect("join")
}

async fn every_acknowledged_write_survives_kill_9(backend: Backend) {
    let Some(installation) = Installation::new(backend) else {
        return;
    };
    let (operator, database) = (&installation.operator, installation.database.clone());
    let course = fixtures().join("minimal");
    let (ok, _, stderr) = operator.run(&["course", "publish", course.to_str().unwrap()]);
    assert!(ok, "publish: {stderr}");

    let server = tokio::task::block_in_place(|| operator.serve());
    let acknowledged = Acknowledged::default();
    let workers: Vec<_> = (0..6)
        .map(|w| {
            tokio::spawn(learners(
                server.address.clone(),
                operator.data_dir.join("outbox"),
                w,
                acknowledged.clone(),
            ))
        })
        .collect();
    // Let the load run until a good number of learners are through, then pull the plug
    // while the next ones are mid-way.
    let read = || {
        acknowledged
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, w)| *w == "read")
            .count()
    };
    for _ in 0..600 {
        if read() >= 12 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.kill();
    for worker in workers {
        worker.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.iter().filter(|(_, w)| *w == "read").count() >= 12,
        "the load was steady before the kill: {acknowledged:?}"
    );

    // Sala starts again on what the kill left (SQLite recovers its write-ahead log).
    let server = tokio::task::block_in_place(|| operator.serve());
    let probe = server.browser();
    assert_eq!(probe.get("/readyz").await.status(), StatusCode::OK);
    if let DatabaseUrl::Sqlite(path) = &database {
        sala::db::backup::check_file(path).expect("PRAGMA integrity_check says ok");
    }
    let stored = stored(database).await;
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    // Nothing half-written: each learner's later steps exist only with their account.
    for (email, what) in &stored {
        if *what != "registered" {
            assert!(
                stored.contains(&(email.clone(), "registered")),
                "{email} {what}"
            );
        }
    }
}
