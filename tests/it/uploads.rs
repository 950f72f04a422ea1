//! Uploads cannot exhaust the server (issue 27, findings 2, 7 and 10): the work a file
//! starts is linear and capped, runs a few at a time and for a limited time (503 with
//! `Retry-After` when full), decodes within a memory budget, and drawings are served clean.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use reqwest::multipart::{Form, Part};

use crate::course_upload::{minimal_zip, published_versions, publisher_of_test_ministry, upload};
use crate::helpers::{Backend, Browser, csrf_token, texts};
use crate::{both_backends, spawn};

both_backends!(
    a_pdf_full_of_token_starts_is_read_at_once,
    upload_work_beyond_its_slots_is_answered_503_and_changes_nothing,
);

/// Posts `bytes` to `/verify` as the form does; the client gives up after `patience`.
async fn verify_upload(
    browser: &Browser,
    bytes: Vec<u8>,
    patience: Duration,
) -> reqwest::Result<reqwest::Response> {
    let form = Form::new().part("file", Part::bytes(bytes).file_name("certificate.pdf"));
    browser
        .client
        .post(browser.url("/verify"))
        .multipart(form)
        .timeout(patience)
        .send()
        .await
}

/// Finding 2: `%PDF` and `eyJ` repeated to 2 MB took 226 s of CPU before (every `eyJ`
/// started a scan of up to 256 KB). Now it is one pass: the answer comes in milliseconds,
/// far inside the minute this test waits (before, it waited in vain).
async fn a_pdf_full_of_token_starts_is_read_at_once(backend: Backend) {
    let app = spawn!(backend);
    let mut pdf = b"%PDF".to_vec();
    pdf.extend(b"eyJ".repeat(699_000));
    assert!(pdf.len() <= 2 * 1024 * 1024);
    let response = verify_upload(&app, pdf, Duration::from_secs(60))
        .await
        .expect("answered within a minute");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert_eq!(
        crate::helpers::attribute(&html, "#verdict", "data-verdict"),
        "invalid",
        "{html}"
    );
}

/// Finding 2: with no slot free for the work (here: none configured), an upload is answered
/// at once with 503, `Retry-After` and the reason in the visitor's language, and nothing
/// is written.
async fn upload_work_beyond_its_slots_is_answered_503_and_changes_nothing(backend: Backend) {
    let app = spawn!(backend, |s| {
        s.verify_work_slots = 0;
        s.course_work_slots = 0;
    });
    let response = verify_upload(&app, b"%PDF-1.7\n".to_vec(), Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()[RETRY_AFTER], "30");
    let html = response.text().await.unwrap();
    assert!(html.contains("សាលាកំពុងរវល់"), "{html}");

    let publisher = publisher_of_test_ministry(&app).await;
    let (_, html) = publisher.get_html("/publish/test-ministry").await;
    assert!(csrf_token(&html).is_some());
    let (status, html) = upload(&publisher, "test-ministry", minimal_zip(None), "").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(html.contains("សាលាកំពុងរវល់"), "{html}");
    assert!(texts(&html, ".report li").is_empty());
    assert_eq!(published_versions(&app).await, 0);
    assert_eq!(app.rows("course_versions").await, 0);
}
