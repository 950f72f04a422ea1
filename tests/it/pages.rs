//! What slow links need from every page: revalidation instead of a second download, long
//! caching of assets, and a small Khmer font only for devices without one.

use reqwest::StatusCode;

use crate::helpers::{Backend, TestApp};
use crate::{both_backends, spawn};

both_backends!(
    pages_revalidate_with_an_etag,
    the_khmer_font_is_a_small_cached_subset
);

async fn pages_revalidate_with_an_etag(backend: Backend) {
    let app = spawn!(backend);
    let first = app.get("/sign-in").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with("W/\""));
    let again = revisit(&app, "/sign-in", &etag).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
    // Another language is another page.
    app.get("/lang/en?next=/").await;
    let other = revisit(&app, "/sign-in", &etag).await;
    assert_eq!(other.status(), StatusCode::OK);
}

async fn the_khmer_font_is_a_small_cached_subset(backend: Backend) {
    let app = spawn!(backend);
    let (_, html) = app.get_html("/").await;
    let css_url = html
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .replace("&#x2F;", "/");
    let css = app.get(&css_url).await;
    assert!(
        css.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let css = css.text().await.unwrap();
    assert!(css.contains("font-display:swap") && css.contains("unicode-range:U+1780-17FF"));
    assert!(
        css.contains("local(\"Noto Sans Khmer\")"),
        "the device's font first"
    );
    let font_url = css
        .split("url(/assets/sala-khmer.")
        .nth(1)
        .map(|rest| format!("/assets/sala-khmer.{}", rest.split(')').next().unwrap()))
        .expect("the stylesheet names the hashed font");
    let font = app.get(&font_url).await;
    assert_eq!(font.status(), StatusCode::OK);
    assert_eq!(font.headers()["content-type"], "font/woff2");
    assert!(
        font.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let bytes = font.bytes().await.unwrap();
    assert!(bytes.starts_with(b"wOF2"));
    assert!(bytes.len() <= 45 * 1024, "{} bytes", bytes.len());
}

both_backends!(a_page_that_did_not_change_keeps_its_etag);

async fn a_page_that_did_not_change_keeps_its_etag(backend: Backend) {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/courses");
    let app = spawn!(backend, move |s| s.courses_dir = fixtures);
    for path in ["/courses", "/courses/minimal", "/courses/minimal/water"] {
        let first = app.get(path).await.headers()["etag"]
            .to_str()
            .unwrap()
            .to_owned();
        let second = app.get(path).await.headers()["etag"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(first, second, "{path}");
    }
}

both_backends!(a_chapter_revalidates_and_shows_its_text_once);

/// The chapter's text is put into the page after the template ran: it must be there once,
/// in the reader's language, and a revisit must still be a 304.
async fn a_chapter_revalidates_and_shows_its_text_once(backend: Backend) {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/courses");
    let app = spawn!(backend, move |s| s.courses_dir = fixtures);
    let path = "/courses/minimal/water";
    let first = app.get(path).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let html = first.text().await.unwrap();
    assert_eq!(html.matches("ទឹកស្អាតសម្រាប់មនុស្សគ្រប់គ្នា").count(), 1);
    assert!(!html.contains("Clean water for everyone"));
    assert!(!html.contains("sala:body"), "the mark was replaced");
    assert!(html.find("<h1>").unwrap() < html.find("ទឹកស្អាត").unwrap());
    assert!(html.find("ទឹកស្អាត").unwrap() < html.find("</article>").unwrap());
    assert_eq!(
        revisit(&app, path, &etag).await.status(),
        StatusCode::NOT_MODIFIED
    );
    app.get("/lang/en?next=/").await;
    let english = revisit(&app, path, &etag).await;
    assert_eq!(english.status(), StatusCode::OK);
    let html = english.text().await.unwrap();
    assert_eq!(html.matches("Clean water for everyone").count(), 1);
    assert!(!html.contains("ទឹកស្អាតសម្រាប់មនុស្សគ្រប់គ្នា"));
}

/// `path` again, saying which version of it the browser has.
async fn revisit(app: &TestApp, path: &str, etag: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap()
}
