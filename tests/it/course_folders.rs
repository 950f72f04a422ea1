//! Files both ways (issue 29, item 9): any published version or draft downloads as the
//! course folder it was made from, and uploading that folder again changes nothing.

use reqwest::StatusCode;

use crate::course_upload::{minimal_zip, published_versions, publisher_of_test_ministry, upload};
use crate::helpers::{Backend, TestApp, attribute, now, texts};
use crate::{both_backends, spawn};

both_backends!(
    a_version_downloads_as_its_folder_and_comes_back_unchanged,
    only_the_publishers_of_a_course_can_download_it,
    a_version_published_before_folders_were_kept_gets_its_folder,
    the_wash_course_makes_the_round_trip_unchanged,
);

fn folder_of(zip: &[u8]) -> sala::courses::source::SourceFiles {
    sala::courses::source::SourceFiles::from_zip(zip).expect("a course folder")
}

async fn a_version_downloads_as_its_folder_and_comes_back_unchanged(backend: Backend) {
    let app = spawn!(backend);
    let publisher = publisher_of_test_ministry(&app).await;
    let uploaded = minimal_zip(None);
    let (status, report) = upload(&publisher, "test-ministry", uploaded.clone(), "First").await;
    assert_eq!(status, StatusCode::OK, "{report}");

    // The draft downloads before it is published: the same files as uploaded.
    let draft_link = attribute(&report, "a[download]", "href");
    let response = publisher.get(&draft_link).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"minimal-draft.zip\""
    );
    let draft = response.bytes().await.unwrap();
    assert_eq!(folder_of(&draft), folder_of(&uploaded));

    // Published, it is listed with its folder; the download is the same folder again.
    let action = attribute(&report, "form[action$='/publish']", "action");
    publisher
        .submit("/publish/test-ministry", &action, &[])
        .await;
    let (_, workspace) = publisher.get_html("/publish/test-ministry").await;
    let link = attribute(&workspace, "td a[download]", "href");
    let response = publisher.get(&link).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"minimal-v1.zip\""
    );
    let downloaded = response.bytes().await.unwrap().to_vec();
    assert_eq!(folder_of(&downloaded), folder_of(&uploaded));

    // Uploading the download again is "nothing new": the round trip changed nothing.
    let (status, again) = upload(&publisher, "test-ministry", downloaded, "Again").await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert!(texts(&again, ".notice")[0].contains('១'), "{again}");
    assert_eq!(published_versions(&app).await, 1);
    // A draft that changes one file: every file is stored once, however many versions and
    // drafts hold it.
    let files = folder_of(&uploaded).files.len() as i64;
    assert_eq!(app.rows("version_files").await, files);
    let edited = minimal_zip(Some((
        "chapters/02-latrines.en.md",
        "A gentle slope",
        "A gentle, firm slope",
    )));
    let (status, _) = upload(&publisher, "test-ministry", edited, "Fixed chapter 2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.rows("version_files").await, 2 * files);
    assert_eq!(app.rows("source_blobs").await, files + 1);
}

async fn only_the_publishers_of_a_course_can_download_it(backend: Backend) {
    let app = spawn!(backend);
    let publisher = publisher_of_test_ministry(&app).await;
    let (_, report) = upload(&publisher, "test-ministry", minimal_zip(None), "").await;
    let link = attribute(&report, "a[download]", "href");
    let version = link
        .trim_start_matches("/publish/test-ministry/versions/")
        .trim_end_matches("/course.zip")
        .to_owned();

    // A publisher of another organisation: not in their workspace, nor through their own.
    let other = app
        .publisher_of("other-ministry", "other@example.org")
        .await;
    assert_eq!(other.get(&link).await.status(), StatusCode::FORBIDDEN);
    let theirs = format!("/publish/other-ministry/versions/{version}/course.zip");
    assert_eq!(other.get(&theirs).await.status(), StatusCode::NOT_FOUND);
    // Nobody signed in, and a version that does not exist.
    assert_ne!(app.new_browser().get(&link).await.status(), StatusCode::OK);
    assert_eq!(
        publisher
            .get("/publish/test-ministry/versions/999999/course.zip")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        publisher
            .get("/publish/test-ministry/versions/not-a-number/course.zip")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// The sample courses of an existing installation were published before folders were
/// kept; publishing the same folder again (as every start does) keeps it then.
async fn a_version_published_before_folders_were_kept_gets_its_folder(backend: Backend) {
    let app = spawn!(backend);
    app.seed_organisations().await;
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/courses/minimal");
    let published = sala::courses::publish::publish_folder(&app.db, &dir, "", None, now())
        .await
        .unwrap();
    assert_eq!(
        published,
        sala::courses::publish::Outcome::Published { number: 1 }
    );
    let files = app.rows("version_files").await;
    assert!(files > 0);
    forget_folders(&app).await;
    assert_eq!(app.rows("version_files").await, 0);

    let again = sala::courses::publish::publish_folder(&app.db, &dir, "", None, now())
        .await
        .unwrap();
    assert_eq!(
        again,
        sala::courses::publish::Outcome::Unchanged { number: 1 }
    );
    assert_eq!(app.rows("version_files").await, files);
}

/// What a database from before migration 000022 holds: versions without folders.
async fn forget_folders(app: &TestApp) {
    app.db
        .write(|conn| {
            use diesel::RunQueryDsl;
            diesel::delete(sala::db::schema::version_files::table)
                .execute(conn)
                .map_err(sala::db::DbError::from)
        })
        .await
        .unwrap();
}

/// The WASH module, published from its folder as on a first start, downloads as exactly
/// that folder, and the download uploaded as a draft is "nothing new".
async fn the_wash_course_makes_the_round_trip_unchanged(backend: Backend) {
    use sala::bounded::{Bounded, WorkLimit};
    use sala::courses::publish::{self, Outcome};
    let app = spawn!(backend);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("courses/inclusive-wash");
    let outcome = publish::publish_folder(&app.db, &dir, "", None, now())
        .await
        .unwrap();
    assert!(matches!(outcome, Outcome::Published { .. }), "{outcome:?}");
    let (version, mrd) = app
        .db
        .read(|conn| {
            let course = sala::db::courses::by_slug(conn, "inclusive-wash")?.unwrap();
            let number = sala::db::courses::latest_published(conn, course.id)?
                .unwrap()
                .0;
            let version = sala::db::courses::published_id(conn, course.id, number)?.unwrap();
            Ok::<_, sala::db::DbError>((version, course.organisation_id))
        })
        .await
        .unwrap();
    let work = Bounded::new(WorkLimit {
        slots: 1,
        time: std::time::Duration::from_secs(60),
    });
    let download = sala::courses::folder::download(&app.db, &work, version, mrd)
        .await
        .unwrap()
        .expect("the folder was kept");
    assert_eq!(
        folder_of(&download.zip),
        sala::courses::source::SourceFiles::from_dir(&dir).unwrap()
    );
    app.signed_in_admin("admin@example.org").await;
    let by = app
        .db
        .read(|conn| {
            let email = sala::accounts::Email::parse("admin@example.org").unwrap();
            Ok::<_, sala::db::DbError>(sala::db::users::find_by_email(conn, &email)?.unwrap().0.id)
        })
        .await
        .unwrap();
    let (again, _) = publish::create_draft(&app.db, &work, download.zip, mrd, "", by, now())
        .await
        .unwrap();
    assert!(matches!(again, Outcome::Unchanged { .. }), "{again:?}");
}
