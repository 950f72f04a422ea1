//! A learner's way through a course: catalogue, reading without an account, progress that
//! is recorded once, "continue", my learning, carry-over across versions, print.

use std::path::{Path, PathBuf};

use reqwest::StatusCode;

use crate::helpers::{
    Backend, PASSWORD, copy_of_minimal, csrf_token, edit_file, href, location, now, texts,
};
use crate::{both_backends, spawn};

both_backends!(
    anyone_finds_and_reads_a_course_without_an_account,
    progress_is_recorded_once_and_continue_returns_there,
    the_summary_follows_progress_and_a_repeat_writes_nothing,
    progress_carries_over_to_a_corrected_version,
    a_course_and_a_chapter_print_with_their_version,
    unknown_courses_and_chapters_are_not_found,
    a_session_ended_elsewhere_reads_as_signed_out_and_records_nothing,
);

/// The learner's enrolment in a course and their progress in its first chapter, as stored.
#[derive(Debug, Clone, PartialEq, diesel::QueryableByName)]
struct Stored {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    chapters_opened: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    chapters_read: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    last_chapter_key: String,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    last_activity_at: chrono::NaiveDateTime,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    read_at: Option<chrono::NaiveDateTime>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    passed_at: Option<chrono::NaiveDateTime>,
}

async fn stored(app: &crate::helpers::TestApp) -> Stored {
    app.db
        .read(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(
                "SELECT e.chapters_opened, e.chapters_read, e.last_chapter_key, \
                 e.last_activity_at, p.read_at, p.passed_at \
                 FROM enrolments e JOIN chapter_progress p \
                 ON p.user_id = e.user_id AND p.course_id = e.course_id \
                 WHERE p.chapter_key = 'water'",
            )
            .get_result::<Stored>(conn)
            .map_err(sala::db::DbError::from)
        })
        .await
        .expect("the learner's enrolment and progress")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/courses")
}

async fn anyone_finds_and_reads_a_course_without_an_account(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    let (status, html) = app.get_html("/courses").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&html, ".cards h2"), ["វគ្គសាកល្បង"]);
    let facts = texts(&html, ".cards small").join(" ");
    assert!(
        facts.contains("KB") && facts.contains("២ ជំពូក"),
        "chapters and size to save: {facts}"
    );
    // Khmer has no spaces between words: a part of a word finds the course.
    let (_, html) = app.get_html("/courses?q=សាកល").await;
    assert_eq!(texts(&html, ".cards h2").len(), 1);
    let (_, html) = app.get_html("/courses?q=nothing-like-this").await;
    assert!(texts(&html, ".cards h2").is_empty());

    let (status, html) = app.get_html("/courses/minimal").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"href="/courses/minimal/water""#));
    let (status, html) = app.get_html("/courses/minimal/water").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<h2 id="water-point">"#));
    assert_eq!(href(&html, "a[rel=next]"), "/courses/minimal/latrines");
    assert!(
        href(&html, ".notice a").starts_with("/sign-in?next=/courses/minimal/water"),
        "an invitation to sign in"
    );
    assert_eq!(app.rows("chapter_progress").await, 0);
    // Reading sets no cookie: nothing to keep for an anonymous reader.
    let reader = app.new_browser();
    let response = reader.get("/courses/minimal/water").await;
    assert!(response.headers().get("set-cookie").is_none());
}

async fn progress_is_recorded_once_and_continue_returns_there(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    app.register("learner@example.org", "Learner").await;
    let (_, html) = app.get_html("/courses/minimal").await;
    assert!(
        texts(&html, ".chapters small")[0].contains("មិនទាន់"),
        "not started yet"
    );

    app.get("/courses/minimal/water").await;
    let response = app
        .submit("/courses/minimal/water", "/courses/minimal/water/read", &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response),
        "/courses/minimal/latrines",
        "on to the next chapter"
    );
    // A retried or doubled request counts once.
    app.submit("/courses/minimal/water", "/courses/minimal/water/read", &[])
        .await;
    assert_eq!(app.rows("chapter_progress").await, 1);
    app.get("/courses/minimal/latrines").await;
    assert_eq!(app.rows("chapter_progress").await, 2);

    // Leave; come back on another device: "continue" goes to where the learner was.
    let phone = app.new_browser();
    phone.sign_in("learner@example.org", PASSWORD).await;
    let (_, html) = phone.get_html("/courses/minimal").await;
    assert!(
        html.contains(r#"<a class="button" href="/courses/minimal/latrines">"#),
        "{html}"
    );
    assert!(html.contains(r#"value="50""#));
    let (_, html) = phone.get_html("/my").await;
    assert_eq!(texts(&html, ".cards h2"), ["វគ្គសាកល្បង"]);
    assert!(html.contains(r#"href="/courses/minimal/latrines""#));

    let response = phone
        .submit(
            "/courses/minimal/latrines",
            "/courses/minimal/latrines/read",
            &[],
        )
        .await;
    assert_eq!(location(&response), "/courses/minimal#final");
    let (_, html) = phone.get_html("/courses/minimal").await;
    assert!(html.contains(r#"value="100""#));
    // Marking as read needs an account.
    let stranger = app.new_browser();
    let response = stranger.post_raw("/courses/minimal/water/read", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/sign-in"));
}

/// The chapter pages confirm who is signed in in the same trip to the database as their
/// own queries: a session that no longer holds (the password was changed on another device)
/// reads as signed out there too, and what it posts, even with its own token, records nothing.
async fn a_session_ended_elsewhere_reads_as_signed_out_and_records_nothing(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    app.register("learner@example.org", "Learner").await;
    let office = app.new_browser();
    office.sign_in("learner@example.org", PASSWORD).await;
    let (_, html) = app.get_html("/courses/minimal/water").await;
    assert!(html.contains(r#"<a href="/account">"#), "signed in: {html}");
    let token = csrf_token(&html).expect("a CSRF token");
    let (_, html) = office.get_html("/courses/minimal/water").await;
    let office_token = csrf_token(&html).expect("a CSRF token");
    assert_eq!(
        app.rows("chapter_progress").await,
        1,
        "the chapter was opened"
    );

    // The password is changed on the phone: every session made before it ends.
    app.db
        .write(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query("UPDATE users SET session_epoch = session_epoch + 1")
                .execute(conn)
                .map_err(sala::db::DbError::from)
        })
        .await
        .unwrap();

    let response = app
        .post_raw("/courses/minimal/water/read", &[("csrf", &token)])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&response).starts_with("/sign-in"),
        "{}",
        location(&response)
    );
    let response = office
        .post_raw(
            "/courses/minimal/water/check",
            &[("csrf", &office_token), ("q.q1", "a")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let stored = stored(&app).await;
    assert_eq!((stored.read_at, stored.passed_at), (None, None));
    assert_eq!(stored.chapters_read, 0);

    // Both sessions are over: the chapter page is a visitor's.
    for browser in [&app.browser, &office] {
        let (status, html) = browser.get_html("/courses/minimal/water").await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains(r#"href="/account""#), "{html}");
    }
}

/// The enrolment row sums up the learner's progress for reports: chapters opened (a bit
/// each), chapters read, where they are and when they were last active. Each step is
/// counted once; repeating one within ten minutes writes nothing, later it only freshens
/// the learner's last activity.
async fn the_summary_follows_progress_and_a_repeat_writes_nothing(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    app.register("learner@example.org", "Learner").await;
    let (water, read) = ("/courses/minimal/water", "/courses/minimal/water/read");
    app.get(water).await;
    let opened = stored(&app).await;
    assert_eq!(
        (opened.chapters_opened.count_ones(), opened.chapters_read),
        (1, 0)
    );
    assert_eq!(opened.last_chapter_key, "water");
    assert_eq!((opened.read_at, opened.passed_at), (None, None));

    app.advance(chrono::Duration::minutes(3));
    app.submit(water, read, &[]).await;
    let first = stored(&app).await;
    assert_eq!(first.chapters_read, 1);
    assert!(first.read_at.is_some());
    assert!(first.last_activity_at > opened.last_activity_at);

    app.advance(chrono::Duration::minutes(5));
    app.submit(water, read, &[]).await;
    app.get(water).await;
    assert_eq!(stored(&app).await, first, "nothing new to write");

    app.advance(chrono::Duration::minutes(15));
    app.submit(water, read, &[]).await;
    let later = stored(&app).await;
    assert!(later.last_activity_at > first.last_activity_at);
    assert_eq!(
        (later.read_at, later.chapters_read, later.chapters_opened),
        (first.read_at, 1, first.chapters_opened),
        "read once"
    );

    app.get("/courses/minimal/latrines").await;
    let moved = stored(&app).await;
    assert_eq!(moved.chapters_opened.count_ones(), 2);
    assert_eq!(moved.last_chapter_key, "latrines");
    // Passing the practice check of a chapter read earlier: read stays as it was.
    app.submit(water, "/courses/minimal/water/check", &[("q.q1", "a")])
        .await;
    let passed = stored(&app).await;
    assert!(passed.passed_at.is_some());
    assert_eq!(
        (
            passed.read_at,
            passed.chapters_read,
            passed.last_chapter_key.as_str()
        ),
        (first.read_at, 1, "water")
    );
    // Passing the check of a chapter not yet read reads it too.
    app.submit(
        "/courses/minimal/latrines",
        "/courses/minimal/latrines/check",
        &[("q.q1", "true")],
    )
    .await;
    assert_eq!(stored(&app).await.chapters_read, 2);
}

async fn progress_carries_over_to_a_corrected_version(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    app.register("learner@example.org", "Learner").await;
    for chapter in ["water", "latrines"] {
        let page = format!("/courses/minimal/{chapter}");
        app.submit(&page, &format!("{page}/read"), &[]).await;
    }
    // The publisher corrects chapter 2 only.
    let dir = tempfile::tempdir().unwrap();
    let copy = copy_of_minimal(dir.path(), "minimal");
    edit_file(
        &copy.join("chapters/02-latrines.km.md"),
        "ជម្រាលតិចៗ",
        "ជម្រាលតិចៗ និងរឹងមាំ",
    );
    let outcome = sala::courses::publish::publish_folder(&app.db, &copy, "Chapter 2", None, now())
        .await
        .unwrap();
    assert_eq!(
        outcome,
        sala::courses::publish::Outcome::Published { number: 2 }
    );

    let (_, html) = app.get_html("/courses/minimal").await;
    let states = texts(&html, ".chapters small");
    assert!(states[0].contains("បានអាន"), "chapter 1 kept: {states:?}");
    assert!(
        states[1].contains("បានកែប្រែ"),
        "chapter 2 updated: {states:?}"
    );
    assert!(html.contains(r#"value="50""#));
    assert!(html.contains(r#"href="/courses/minimal/latrines""#));
}

async fn a_course_and_a_chapter_print_with_their_version(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    app.get("/lang/en?next=/").await;
    let (status, html) = app.get_html("/courses/minimal/print").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&html, ".print-chapter").len(), 2);
    let meta = texts(&html, ".print-meta").join(" ");
    assert!(
        meta.contains("A test course") && meta.contains("Version 1"),
        "{meta}"
    );
    assert!(
        meta.contains(&format!("{}/courses/minimal", app.address)),
        "{meta}"
    );
    let (status, html) = app.get_html("/courses/minimal/latrines/print").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&html, ".print-chapter").len(), 1);
    assert!(
        texts(&html, ".print-meta")
            .join(" ")
            .contains("/courses/minimal/latrines")
    );
}

async fn unknown_courses_and_chapters_are_not_found(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    for path in [
        "/courses/nope",
        "/courses/minimal/nope",
        "/courses/nope/print",
        "/courses/minimal/nope/print",
    ] {
        let (status, html) = app.get_html(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("<h1>"));
    }
    app.register("learner@example.org", "Learner").await;
    let response = app
        .submit("/courses/minimal", "/courses/minimal/nope/read", &[])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.rows("chapter_progress").await, 0);
}

both_backends!(a_course_can_be_saved_for_offline_reading);

async fn a_course_can_be_saved_for_offline_reading(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    app.register("learner@example.org", "Learner").await;
    let (_, html) = app.get_html("/courses/minimal").await;
    assert!(html.contains(r#"id="offline" data-course="minimal""#));
    let script = html
        .split("<script src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .replace("&#x2F;", "/");
    let script = app.get(&script).await.bytes().await.unwrap();
    let worker = app.get("/sw.js").await;
    assert_eq!(worker.headers()["cache-control"], "no-cache");
    let worker = worker.bytes().await.unwrap();
    assert!(
        script.len() + worker.len() <= 10 * 1024,
        "JavaScript budget: {}",
        script.len() + worker.len()
    );

    let list: serde_json::Value = app
        .get("/courses/minimal/offline.json")
        .await
        .json()
        .await
        .unwrap();
    let urls: Vec<&str> = list["urls"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u.as_str())
        .collect();
    for expected in [
        "/courses/minimal",
        "/courses/minimal/water",
        "/courses/minimal/latrines",
    ] {
        assert!(urls.contains(&expected), "{urls:?}");
    }
    assert!(
        urls.iter()
            .any(|u| u.starts_with("/media/") && u.ends_with(".svg")),
        "{urls:?}"
    );
    assert!(
        urls.iter().any(|u| u.starts_with("/assets/sala.")),
        "{urls:?}"
    );
    // Saving fetches every chapter, which is not opening them.
    for url in urls.iter().filter(|u| u.starts_with("/courses/")) {
        assert_eq!(
            app.get(&format!("{url}?saving=1")).await.status(),
            StatusCode::OK
        );
    }
    assert_eq!(app.rows("chapter_progress").await, 0);
    // A "read" sent twice from the offline queue (same op id) is recorded once.
    for _ in 0..2 {
        app.submit(
            "/courses/minimal",
            "/courses/minimal/water/read",
            &[("op", "k3j-1"), ("next", "/courses/minimal/latrines")],
        )
        .await;
    }
    assert_eq!(app.rows("chapter_progress").await, 1);
}

both_backends!(a_video_is_a_plain_link_with_its_size_and_transcript);

async fn a_video_is_a_plain_link_with_its_size_and_transcript(backend: Backend) {
    let app = spawn!(backend);
    let dir = tempfile::tempdir().unwrap();
    let course = copy_of_minimal(dir.path(), "minimal");
    for (lang, transcript) in [
        ("en", "A builder measures the step."),
        ("km", "ជាងសំណង់វាស់ជណ្តើរ។"),
    ] {
        edit_file(
            &course.join(format!("chapters/02-latrines.{lang}.md")),
            "minutes = 5\n",
            &format!(
                "minutes = 5\n[video]\nurl = \"https://example.org/ramp.mp4\"\nsize_mb = 14.5\ntranscript = \"{transcript}\"\n"
            ),
        );
    }
    sala::courses::publish::publish_folder(&app.db, &course, "", None, now())
        .await
        .unwrap();
    let (_, html) = app.get_html("/courses/minimal/latrines").await;
    assert_eq!(href(&html, ".video a"), "https://example.org/ramp.mp4");
    assert!(texts(&html, ".video a")[0].contains("១៤.៥ MB"), "{html}");
    assert_eq!(texts(&html, ".transcript"), ["ជាងសំណង់វាស់ជណ្តើរ។"]);
}
