//! Practice checks at the end of chapters.

use reqwest::StatusCode;

use crate::helpers::{Backend, texts};
use crate::{both_backends, spawn};

both_backends!(
    a_practice_check_gives_feedback_and_completes_the_chapter,
    bad_answers_to_a_practice_check_are_refused,
);

fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/courses")
}

async fn a_practice_check_gives_feedback_and_completes_the_chapter(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    // Readers without an account check their answers too; nothing is recorded.
    let (status, html) = app.get_html("/courses/minimal/water/check?q.q1=b").await;
    assert_eq!(status, StatusCode::OK);
    assert!(texts(&html, ".feedback .wrong").len() == 1, "{html}");
    assert_eq!(app.rows("chapter_progress").await, 0);

    app.register("learner@example.org", "Learner").await;
    let (_, chapter) = app.get_html("/courses/minimal/water").await;
    assert_eq!(texts(&chapter, "#check fieldset").len(), 1);
    assert!(
        !chapter.contains("correct"),
        "answers never reach the browser before checking"
    );

    // Nothing answered: the chapter is not complete.
    let response = app
        .submit(
            "/courses/minimal/water",
            "/courses/minimal/water/check",
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(!texts(&html, ".problem").is_empty());
    let (_, course) = app.get_html("/courses/minimal").await;
    assert!(
        !texts(&course, ".chapters small")[0].contains("ឆ្លង"),
        "not passed yet"
    );

    // A wrong answer still completes it (practice is ungraded), with the explanation and
    // a link to the section that teaches it.
    let response = app
        .submit(
            "/courses/minimal/water",
            "/courses/minimal/water/check",
            &[("q.q1", "b")],
        )
        .await;
    let html = response.text().await.unwrap();
    assert_eq!(texts(&html, ".feedback .wrong").len(), 1);
    assert!(html.contains("ផ្លូវគ្មានជណ្តើរ។"), "the explanation");
    assert!(
        crate::helpers::href(&html, ".feedback a").ends_with("/courses/minimal/water#water-point")
    );
    assert_eq!(
        crate::helpers::href(&html, "a[rel=next]"),
        "/courses/minimal/latrines"
    );
    let (_, course) = app.get_html("/courses/minimal").await;
    assert!(
        texts(&course, ".chapters small")[0].contains("ឆ្លង"),
        "passed"
    );
    // Submitting again changes nothing.
    app.submit(
        "/courses/minimal/water",
        "/courses/minimal/water/check",
        &[("q.q1", "a")],
    )
    .await;
    assert_eq!(app.rows("chapter_progress").await, 1);
}

async fn bad_answers_to_a_practice_check_are_refused(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    app.register("learner@example.org", "Learner").await;
    for fields in [
        vec![("q.q1", "zzz")],
        vec![("q.nope", "a")],
        vec![("q.q1", "a"), ("q.q1", "b")],
    ] {
        let response = app
            .submit(
                "/courses/minimal/water",
                "/courses/minimal/water/check",
                &fields,
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{fields:?}");
    }
    let response = app
        .post_raw("/courses/minimal/water/check", &[("q.q1", "a")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "no CSRF token");
    assert_eq!(
        app.rows("chapter_progress").await,
        1,
        "only the chapter page was opened"
    );
}
