//! A publisher uploads a course folder as a zip, reads the check report, previews the
//! draft, and publishes it; bad archives are refused with a clear message.

use std::io::Write;
use std::path::Path;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::helpers::{Backend, Browser, TestApp, attribute, csrf_token, href, location, texts};
use crate::{both_backends, spawn};

both_backends!(
    a_publisher_uploads_previews_and_publishes,
    problems_in_an_upload_are_listed_and_nothing_is_published,
    hostile_archives_are_refused,
    a_publisher_cannot_publish_for_another_organisation,
    addresses_that_are_not_web_mail_or_course_paths_are_refused_with_file_and_line,
);

/// The minimal course as a zip of its folder, with `change` applied to one file.
pub(crate) fn minimal_zip(change: Option<(&str, &str, &str)>) -> Vec<u8> {
    minimal_zip_with(change.as_slice())
}

/// The minimal course as a zip of its folder, with each change applied to its file.
fn minimal_zip_with(changes: &[(&str, &str, &str)]) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/courses/minimal");
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        for folder in ["", "chapters", "quizzes", "media"] {
            for entry in std::fs::read_dir(root.join(folder))
                .unwrap()
                .filter_map(Result::ok)
            {
                if !entry.path().is_file() {
                    continue;
                }
                let name = if folder.is_empty() {
                    entry.file_name().to_string_lossy().into_owned()
                } else {
                    format!("{folder}/{}", entry.file_name().to_string_lossy())
                };
                let mut bytes = std::fs::read(entry.path()).unwrap();
                for (file, from, to) in changes {
                    if *file == name {
                        let text = String::from_utf8(bytes).unwrap();
                        assert!(text.contains(from), "{file} has no {from:?}");
                        bytes = text.replacen(from, to, 1).into_bytes();
                    }
                }
                zip.start_file(
                    format!("minimal/{name}"),
                    zip::write::SimpleFileOptions::default(),
                )
                .unwrap();
                zip.write_all(&bytes).unwrap();
            }
        }
        zip.finish().unwrap();
    }
    buffer.into_inner()
}

pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        for (name, data) in entries {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap();
    }
    buffer.into_inner()
}

/// The operator's seed makes "test-ministry" and "test-ngo" with their signatories; an
/// admin adds "other-ministry"; a publisher of test-ministry signs in.
pub(crate) async fn publisher_of_test_ministry(app: &TestApp) -> Browser {
    app.seed_organisations().await;
    app.signed_in_admin("admin@example.org").await;
    app.submit(
        "/admin/organisations",
        "/admin/organisations",
        &[
            ("name_km", "ក្រសួងផ្សេង"),
            ("name_en", "Other Ministry"),
            ("slug", "other-ministry"),
            ("kind", "ministry"),
            ("parent", ""),
            ("province", ""),
        ],
    )
    .await;
    app.publisher_of("test-ministry", "publisher@example.org")
        .await
}

pub(crate) async fn upload(
    browser: &Browser,
    org: &str,
    archive: Vec<u8>,
    note: &str,
) -> (StatusCode, String) {
    let (_, html) = browser.get_html(&format!("/publish/{org}")).await;
    let token = csrf_token(&html).expect("the upload form has a CSRF token");
    let form = Form::new()
        .text("csrf", token)
        .text("note", note.to_owned())
        .part(
            "course",
            Part::bytes(archive)
                .file_name("minimal.zip")
                .mime_str("application/zip")
                .unwrap(),
        );
    let response = browser
        .client
        .post(browser.url(&format!("/publish/{org}/upload")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

pub(crate) async fn published_versions(app: &TestApp) -> i64 {
    app.db
        .read(|conn| match sala::db::courses::by_slug(conn, "minimal")? {
            Some(course) => sala::db::courses::count_versions(conn, course.id),
            None => Ok(0),
        })
        .await
        .unwrap()
}

async fn a_publisher_uploads_previews_and_publishes(backend: Backend) {
    let app = spawn!(backend);
    let publisher = publisher_of_test_ministry(&app).await;

    let (status, html) = upload(
        &publisher,
        "test-ministry",
        minimal_zip(None),
        "First version",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(
        published_versions(&app).await,
        0,
        "a draft is not published"
    );
    let preview = href(&html, "a.button");
    assert!(preview.starts_with("/preview/"));

    // The preview shows the chapter as learners will see it, to anyone with the link.
    let reviewer = app.new_browser();
    let (status, course) = reviewer.get_html(&preview).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&course, "h1"), ["វគ្គសាកល្បង"]);
    let (status, chapter) = reviewer.get_html(&format!("{preview}/water")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(chapter.contains(r#"<h2 id="water-point">"#), "{chapter}");
    assert!(chapter.contains(r#"<img src="/media/"#), "{chapter}");
    assert_eq!(href(&chapter, "a[rel=next]"), format!("{preview}/latrines"));
    assert_eq!(
        reviewer.get("/preview/not-a-token").await.status(),
        StatusCode::NOT_FOUND
    );

    // Publish it.
    let action = attribute(&html, "form[action$='/publish']", "action");
    let response = publisher
        .submit("/publish/test-ministry", &action, &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/publish/test-ministry?published=1");
    assert_eq!(published_versions(&app).await, 1);
    let (_, workspace) = publisher
        .get_html("/publish/test-ministry?published=1")
        .await;
    assert!(
        texts(&workspace, "td")
            .iter()
            .any(|t| t.contains("First version")),
        "{workspace}"
    );

    // An edited upload becomes version 2; the same upload again is "nothing new".
    let edited = minimal_zip(Some((
        "chapters/02-latrines.en.md",
        "A gentle slope",
        "A gentle, firm slope",
    )));
    let (status, html) = upload(
        &publisher,
        "test-ministry",
        edited.clone(),
        "Fixed chapter 2",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let action = attribute(&html, "form[action$='/publish']", "action");
    let response = publisher
        .submit("/publish/test-ministry", &action, &[])
        .await;
    assert_eq!(location(&response), "/publish/test-ministry?published=2");
    let (status, html) = upload(&publisher, "test-ministry", edited, "Again").await;
    assert_eq!(status, StatusCode::OK);
    assert!(texts(&html, ".notice")[0].contains('២'), "{html}");
    assert_eq!(published_versions(&app).await, 2);
}

async fn problems_in_an_upload_are_listed_and_nothing_is_published(backend: Backend) {
    let app = spawn!(backend);
    let publisher = publisher_of_test_ministry(&app).await;
    let broken = minimal_zip(Some(("quizzes/01-water.toml", ", correct = true", "")));
    let (status, html) = upload(&publisher, "test-ministry", broken, "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let items = texts(&html, ".report li");
    assert_eq!(items.len(), 1, "{items:?}");
    assert!(items[0].starts_with("quizzes/01-water.toml:"), "{items:?}");
    assert!(
        items[0].contains("q1") && items[0].contains("ត្រឹមត្រូវ"),
        "{items:?}"
    );
    assert_eq!(published_versions(&app).await, 0);
    assert!(!html.contains("/preview/"));
}

async fn hostile_archives_are_refused(backend: Backend) {
    let app = spawn!(backend);
    let publisher = publisher_of_test_ministry(&app).await;
    let escaping = zip_of(&[("course.toml", b"x"), ("../../../tmp/evil", b"x")]);
    let (status, html) = upload(&publisher, "test-ministry", escaping, "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(texts(&html, ".report li")[0].contains("ចេញក្រៅ"), "{html}");

    let (status, html) = upload(
        &publisher,
        "test-ministry",
        b"not a zip at all".to_vec(),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(texts(&html, ".report li")[0].contains("zip"), "{html}");

    let bomb = zip_of(&[
        ("course.toml", b"x"),
        ("media/zeros.png", &vec![0u8; 11 * 1024 * 1024]),
    ]);
    assert!(bomb.len() < 200_000);
    let (status, html) = upload(&publisher, "test-ministry", bomb, "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(texts(&html, ".report li")[0].contains("១០ MB"), "{html}");

    let huge = vec![7u8; 21 * 1024 * 1024];
    let (status, html) = upload(&publisher, "test-ministry", huge, "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!texts(&html, ".report li").is_empty(), "{html}");
    assert_eq!(published_versions(&app).await, 0);
}

async fn a_publisher_cannot_publish_for_another_organisation(backend: Backend) {
    let app = spawn!(backend);
    let publisher = publisher_of_test_ministry(&app).await;
    assert_eq!(
        publisher.get("/publish/other-ministry").await.status(),
        StatusCode::FORBIDDEN
    );
    // A course that names another publisher is refused in their own workspace too.
    let theirs = minimal_zip(Some((
        "course.toml",
        "publisher = \"test-ministry\"",
        "publisher = \"other-ministry\"",
    )))
    .into_iter()
    .collect::<Vec<u8>>();
    let theirs = {
        // The signatory follows the publisher.
        let files = sala::courses::source::SourceFiles::from_zip(&theirs).unwrap();
        let text = files.text("course.toml").unwrap().replace(
            "\"test-ministry/director-general\"",
            "\"other-ministry/director-general\"",
        );
        let mut entries: Vec<(String, Vec<u8>)> = files.files.into_iter().collect();
        for entry in &mut entries {
            if entry.0 == "course.toml" {
                entry.1 = text.clone().into_bytes();
            }
        }
        let borrowed: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        zip_of(&borrowed)
    };
    let (status, html) = upload(&publisher, "test-ministry", theirs, "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let items = texts(&html, ".report li");
    assert_eq!(items.len(), 1, "{items:?}");
    assert!(items[0].contains("other-ministry"), "{items:?}");
    // A co-signer must be an organisation an admin created.
    let unknown = minimal_zip(Some((
        "course.toml",
        "cosigner = \"test-ngo\"\nsignatories = [\"test-ministry/director-general\", \"test-ngo/director\"]",
        "cosigner = \"nobody-ngo\"\nsignatories = [\"test-ministry/director-general\"]",
    )));
    let (status, html) = upload(&publisher, "test-ministry", unknown, "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        texts(&html, ".report li").join(" ").contains("nobody-ngo"),
        "{html}"
    );
    // A learner cannot open a workspace at all.
    let learner = app.new_browser();
    learner.register("learner@example.org", "Learner").await;
    assert_eq!(
        learner.get("/publish/test-ministry").await.status(),
        StatusCode::FORBIDDEN
    );
}

/// Issue 27, finding 8: a chapter's video url `javascript:…` was published as a link.
async fn addresses_that_are_not_web_mail_or_course_paths_are_refused_with_file_and_line(
    backend: Backend,
) {
    let app = spawn!(backend);
    let publisher = publisher_of_test_ministry(&app).await;
    let video = "minutes = 5\n[video]\nurl = \"javascript:alert(document.cookie)\"\nsize_mb = 3\ntranscript = \"A pump.\"\n";
    let km_video = video.replace(
        "javascript:alert(document.cookie)",
        "https://example.org/pump.mp4",
    );
    let broken = minimal_zip_with(&[
        ("chapters/01-water.en.md", "minutes = 5\n", video),
        ("chapters/01-water.km.md", "minutes = 5\n", &km_video),
        (
            "chapters/02-latrines.en.md",
            "A gentle slope with handrails.",
            "A gentle [slope](JaVa&#x09;Script:alert(1)) with <a href=\"data:text/html,x\">handrails</a>.\n\nSee [the guideline](https://example.org/g.pdf), [us](mailto:wash@example.org), [the water chapter](01-water) and [the pump](../media/pump.svg).\n\n[Sala](/admin/users) [up](../../x)",
        ),
    ]);
    let (status, html) = upload(&publisher, "test-ministry", broken, "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let items = texts(&html, ".report li");
    // The video's url line, the bad link and the HTML link on line 8, and the two paths
    // out of the course on line 12; the web, mail and course addresses pass.
    let at = |place: &str| items.iter().filter(|i| i.starts_with(place)).count();
    assert_eq!(at("chapters/01-water.en.md:5:"), 1, "{items:#?}");
    assert_eq!(at("chapters/02-latrines.en.md:8:"), 2, "{items:#?}");
    assert_eq!(at("chapters/02-latrines.en.md:12:"), 2, "{items:#?}");
    assert_eq!(items.len(), 5, "{items:#?}");
    assert!(
        items
            .iter()
            .any(|i| i.contains("javascript:alert(document.cookie)")),
        "{items:#?}"
    );
    assert!(items.iter().all(|i| i.contains("https://")), "{items:#?}");
    assert_eq!(published_versions(&app).await, 0);
    assert!(!html.contains("/preview/"));
}
