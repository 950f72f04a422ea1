//! The final assessment: eligibility, attempts that survive a dropped connection, grading,
//! retries, limits and waiting, completion recorded once, and every bad input refused.

use reqwest::StatusCode;

use crate::helpers::{
    Backend, Browser, PASSWORD, TestApp, copy_of_minimal, edit_file, location, now, texts,
};
use crate::{both_backends, spawn};

both_backends!(
    a_learner_fails_retries_passes_and_completes_the_course,
    an_attempt_survives_a_dropped_connection,
    bad_input_to_the_final_assessment_is_refused,
    a_waiting_time_between_attempts_is_kept,
);

pub(crate) fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/courses")
}

/// Completes both chapters of the minimal course through their practice checks.
pub(crate) async fn complete_chapters(browser: &Browser) {
    for (chapter, answer) in [("water", "a"), ("latrines", "true")] {
        let page = format!("/courses/minimal/{chapter}");
        let response = browser
            .submit(&page, &format!("{page}/check"), &[("q.q1", answer)])
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
}

/// The right (or wrong) answers to the question on page `n` of an attempt, by its prompt.
async fn answer(browser: &Browser, attempt: &str, n: usize, right: bool) -> reqwest::Response {
    let page = format!("{attempt}/q/{n}");
    let (status, html) = browser.get_html(&page).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let prompt = texts(&html, "legend").join(" ");
    let answers: &[&str] = match (prompt.contains("ជួយ"), right) {
        (true, true) => &["a", "b"],
        (true, false) => &["a"], // partly right is wrong
        (false, true) => &["false"],
        (false, false) => &["true"],
    };
    let fields: Vec<(&str, &str)> = answers.iter().map(|a| ("answer", *a)).collect();
    browser.submit(&page, &page, &fields).await
}

pub(crate) async fn start(browser: &Browser) -> String {
    let response = browser
        .submit(
            "/courses/minimal/final",
            "/courses/minimal/final/start",
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    location(&response).trim_end_matches("/q/1").to_owned()
}

/// Asserts that a form post was answered with a redirect to `to`, showing the page if not.
async fn redirects(response: reqwest::Response, to: &str) {
    let (status, went) = (response.status(), location(&response));
    if went != to {
        let page = response.text().await.unwrap_or_default();
        panic!("expected a redirect to {to}, got {status}: {page}");
    }
}

pub(crate) async fn take(browser: &Browser, right: bool) -> String {
    let attempt = start(browser).await;
    let response = answer(browser, &attempt, 1, right).await;
    redirects(response, &format!("{attempt}/q/2")).await;
    let response = answer(browser, &attempt, 2, right).await;
    redirects(response, &format!("{attempt}/review")).await;
    let response = browser
        .submit(
            &format!("{attempt}/review"),
            &format!("{attempt}/submit"),
            &[],
        )
        .await;
    assert_eq!(location(&response), format!("{attempt}/result"));
    attempt
}

async fn a_learner_fails_retries_passes_and_completes_the_course(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    app.register("learner@example.org", "Learner").await;

    // Not before the chapters are complete.
    let (_, html) = app.get_html("/courses/minimal/final").await;
    assert!(!texts(&html, ".problem").is_empty());
    assert!(crate::helpers::csrf_token(&html).is_some());
    let response = app
        .submit(
            "/courses/minimal/final",
            "/courses/minimal/final/start",
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.rows("attempts").await, 0);

    complete_chapters(&app).await;
    let first = take(&app, false).await;
    let (_, html) = app.get_html(&format!("{first}/result")).await;
    assert!(texts(&html, ".problem")[0].contains("០%"), "{html}");
    assert_eq!(texts(&html, ".feedback li").len(), 2, "both to revisit");
    assert!(crate::helpers::href(&html, ".feedback a").contains("/courses/minimal/"));
    assert_eq!(app.rows("completions").await, 0);

    let second = take(&app, true).await;
    assert_ne!(first, second);
    let (_, html) = app.get_html(&format!("{second}/result")).await;
    assert!(texts(&html, ".notice")[0].contains("១០០%"), "{html}");
    assert_eq!(app.rows("completions").await, 1);

    // Submitting again (a double click, a retried request) changes nothing.
    let response = app
        .submit(
            &format!("{second}/result"),
            &format!("{second}/submit"),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.rows("completions").await, 1);
    // Completed: no further attempts.
    let response = app
        .submit(
            "/courses/minimal/final",
            "/courses/minimal/final/start",
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // A new version of the course does not take the completion away.
    let dir = tempfile::tempdir().unwrap();
    let copy = copy_of_minimal(dir.path(), "minimal");
    edit_file(
        &copy.join("chapters/01-water.en.md"),
        "Ask the users.",
        "Ask the users often.",
    );
    sala::courses::publish::publish_folder(&app.db, &copy, "", None, now())
        .await
        .unwrap();
    let (_, html) = app.get_html("/courses/minimal/final").await;
    assert!(
        !texts(&html, ".notice").is_empty(),
        "still completed: {html}"
    );
}

async fn an_attempt_survives_a_dropped_connection(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    app.register("learner@example.org", "Learner").await;
    complete_chapters(&app).await;
    let attempt = start(&app).await;
    // A double click on "start" lands on the same attempt.
    assert_eq!(start(&app).await, attempt);
    answer(&app, &attempt, 1, true).await;
    let (_, first_page) = app.get_html(&format!("{attempt}/q/1")).await;

    // The connection drops; later, on the phone, the learner signs in again.
    let phone = app.new_browser();
    phone.sign_in("learner@example.org", PASSWORD).await;
    let (_, html) = phone.get_html("/courses/minimal/final").await;
    assert_eq!(
        crate::helpers::href(&html, "main a.button"),
        format!("{attempt}/q/1")
    );
    let (_, again) = phone.get_html(&format!("{attempt}/q/1")).await;
    assert_eq!(
        texts(&again, "legend"),
        texts(&first_page, "legend"),
        "the same question first"
    );
    assert!(again.contains(" checked"), "the saved answer is there");
    assert_eq!(
        texts(&again, "label"),
        texts(&first_page, "label"),
        "options in the same order"
    );
    assert_eq!(app.rows("attempts").await, 1);
}

async fn bad_input_to_the_final_assessment_is_refused(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    app.register("learner@example.org", "Learner").await;
    complete_chapters(&app).await;
    let attempt = start(&app).await;
    let page = format!("{attempt}/q/1");
    assert_eq!(
        app.get(&format!("{attempt}/q/99")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("{attempt}/q/0")).await.status(),
        StatusCode::NOT_FOUND
    );
    let response = app
        .submit(&page, &page, &[("answer", "no-such-option")])
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = app.post_raw(&page, &[("answer", "a")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "no CSRF token");
    assert_eq!(app.rows("attempt_answers").await, 0);

    // Another learner cannot see or answer this attempt.
    let other = app.new_browser();
    other.register("other@example.org", "Other").await;
    assert_eq!(other.get(&page).await.status(), StatusCode::NOT_FOUND);
    let response = other
        .submit("/courses/minimal", &page, &[("answer", "a")])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = other
        .submit("/courses/minimal", &format!("{attempt}/submit"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // An attempt belongs to its course: it cannot be submitted through another one.
    let dir = tempfile::tempdir().unwrap();
    let twin = copy_of_minimal(dir.path(), "minimal-two");
    edit_file(
        &twin.join("course.toml"),
        "id = \"minimal\"",
        "id = \"minimal-two\"",
    );
    edit_file(
        &twin.join("course.toml"),
        "slug = \"minimal\"",
        "slug = \"minimal-two\"",
    );
    sala::courses::publish::publish_folder(&app.db, &twin, "", None, now())
        .await
        .unwrap();
    let elsewhere = attempt.replace("/courses/minimal/", "/courses/minimal-two/");
    let response = app
        .submit("/courses/minimal", &format!("{elsewhere}/submit"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("{elsewhere}/q/1")).await.status(),
        StatusCode::NOT_FOUND
    );

    // A submitted attempt takes no more answers.
    app.submit(
        &format!("{attempt}/review"),
        &format!("{attempt}/submit"),
        &[],
    )
    .await;
    let response = app
        .submit("/courses/minimal", &page, &[("answer", "a")])
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(response.text().await.unwrap().contains("<h1>"));
    assert_eq!(app.rows("attempt_answers").await, 0);
    let _: &TestApp = &app;
}

async fn a_waiting_time_between_attempts_is_kept(backend: Backend) {
    let app = spawn!(backend);
    let dir = tempfile::tempdir().unwrap();
    let copy = copy_of_minimal(dir.path(), "minimal");
    edit_file(
        &copy.join("course.toml"),
        "attempts = 3",
        "attempts = 2\nwait_minutes = 60",
    );
    sala::courses::publish::publish_folder(&app.db, &copy, "", None, now())
        .await
        .unwrap();
    app.register("learner@example.org", "Learner").await;
    complete_chapters(&app).await;
    take(&app, false).await;
    let response = app
        .submit(
            "/courses/minimal/final",
            "/courses/minimal/final/start",
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.rows("attempts").await, 1);
}

both_backends!(the_wash_course_from_the_first_chapter_to_completion);

async fn the_wash_course_from_the_first_chapter_to_completion(backend: Backend) {
    let courses = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("courses");
    let app = spawn!(backend, move |s| s.courses_dir = courses);
    app.register("learner@example.org", "Learner").await;
    let (version, chapters, final_pool, practice) = app
        .db
        .read(|conn| {
            let version = sala::db::learning::current_version(conn, "inclusive-wash")?.unwrap();
            let chapters = sala::db::learning::chapter_list(conn, version.version_id)?;
            let pool = sala::db::quizzes::questions(conn, version.version_id, None)?;
            let mut practice = Vec::new();
            for chapter in &chapters {
                practice.push(sala::db::quizzes::questions(
                    conn,
                    version.version_id,
                    Some(&chapter.key),
                )?);
            }
            Ok::<_, sala::db::DbError>((version, chapters, pool, practice))
        })
        .await
        .unwrap();
    assert_eq!(chapters.len(), 9);
    assert!(final_pool.len() >= 15);

    // Nine chapters, each completed through its practice check (any answers do).
    for (chapter, questions) in chapters.iter().zip(&practice) {
        let page = format!("/courses/inclusive-wash/{}", chapter.key);
        let fields: Vec<(String, String)> = questions
            .iter()
            .map(|q| (format!("q.{}", q.key), q.options[0].key.clone()))
            .collect();
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let response = app.submit(&page, &format!("{page}/check"), &fields).await;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
    }
    let (_, html) = app.get_html("/courses/inclusive-wash").await;
    assert!(html.contains(r#"value="100""#));

    // The final assessment: 15 of the 20 questions, answered right by their prompts.
    let response = app
        .submit(
            "/courses/inclusive-wash/final",
            "/courses/inclusive-wash/final/start",
            &[],
        )
        .await;
    let attempt = location(&response).trim_end_matches("/q/1").to_owned();
    for n in 1..=15 {
        let page = format!("{attempt}/q/{n}");
        let (_, html) = app.get_html(&page).await;
        let legend = texts(&html, "legend").join(" ");
        let question = final_pool
            .iter()
            .find(|q| legend.contains(&q.prompt.km))
            .unwrap_or_else(|| panic!("a question of the pool: {legend}"));
        let fields: Vec<(&str, &str)> = question
            .options
            .iter()
            .filter(|o| o.correct)
            .map(|o| ("answer", o.key.as_str()))
            .collect();
        let response = app.submit(&page, &page, &fields).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    let response = app
        .submit(
            &format!("{attempt}/review"),
            &format!("{attempt}/submit"),
            &[],
        )
        .await;
    assert_eq!(location(&response), format!("{attempt}/result"));
    let (_, html) = app.get_html(&format!("{attempt}/result")).await;
    assert!(texts(&html, "[role=status]")[0].contains("១០០%"), "{html}");
    assert_eq!(app.rows("completions").await, 1);

    // The certificate: its PDF shows the Khmer title and both signatories' organisations,
    // and the QR code on its picture leads anyone to a "genuine" page.
    let (_, html) = app.get_html("/my").await;
    let serial = crate::helpers::attribute(&html, ".certificate", "data-serial");
    let pdf = app
        .get(&format!("/certificates/{serial}/certificate.pdf"))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let text = crate::certificates::pdf_text(&pdf);
    assert!(text.contains(&version.title.km), "{text}");
    assert!(text.contains(&serial), "{text}");
    let png = app
        .get(&format!("/certificates/{serial}/certificate.png"))
        .await
        .bytes()
        .await
        .unwrap();
    let url = crate::certificates::qr_code_in(&png);
    let path = &url[url.find("/verify/").unwrap()..];
    let (status, html) = app.new_browser().get_html(path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        crate::helpers::attribute(&html, "#verdict", "data-verdict"),
        "genuine"
    );
}
