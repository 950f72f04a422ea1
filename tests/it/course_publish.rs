//! Publishing: versions, no-op re-publish, atomicity, conflicts, pictures, first start.

use std::path::{Path, PathBuf};

use diesel::RunQueryDsl;
use reqwest::StatusCode;
use sala::courses::publish::{CourseError, Outcome, publish_folder};
use sala::db::{Backend as DbBackend, DbError};

use crate::helpers::{Backend, TestApp, copy_of_minimal, edit_file, now};
use crate::{both_backends, spawn};

both_backends!(
    a_course_is_published_and_republished_as_versions,
    a_failure_half_way_publishes_nothing,
    an_id_or_slug_cannot_move_to_another_course,
    pictures_lose_their_metadata_and_fit_the_budget,
    course_folders_are_published_on_first_start,
);

fn minimal_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/courses/minimal")
}

async fn chapter_hashes(app: &TestApp, number: i32) -> Vec<(String, i32, String)> {
    app.db
        .read(move |conn| {
            let course = sala::db::courses::by_slug(conn, "minimal")?.unwrap();
            sala::db::courses::chapter_keys(conn, course.id, number)
        })
        .await
        .unwrap()
}

async fn a_course_is_published_and_republished_as_versions(backend: Backend) {
    let app = spawn!(backend);
    let dir = tempfile::tempdir().unwrap();
    let course = copy_of_minimal(dir.path(), "minimal");

    let first = publish_folder(&app.db, &course, "First", None, now())
        .await
        .unwrap();
    assert_eq!(first, Outcome::Published { number: 1 });
    let again = publish_folder(&app.db, &course, "Again", None, now())
        .await
        .unwrap();
    assert_eq!(again, Outcome::Unchanged { number: 1 });
    assert_eq!(app.rows("course_versions").await, 1);

    // Correct chapter 2 only: version 2, chapter ids kept, chapter 1 recognisably unchanged.
    edit_file(
        &course.join("chapters/02-latrines.en.md"),
        "A gentle slope",
        "A gentle, firm slope",
    );
    let second = publish_folder(&app.db, &course, "Fixed chapter 2", None, now())
        .await
        .unwrap();
    assert_eq!(second, Outcome::Published { number: 2 });
    let v1 = chapter_hashes(&app, 1).await;
    let v2 = chapter_hashes(&app, 2).await;
    assert_eq!(
        v1.iter().map(|c| &c.0).collect::<Vec<_>>(),
        ["water", "latrines"]
    );
    assert_eq!(v1[0], v2[0], "chapter 1 did not change");
    assert_eq!(v1[1].0, v2[1].0);
    assert_ne!(v1[1].2, v2[1].2, "chapter 2 changed");
    // The publisher and co-signer exist as organisations now.
    assert_eq!(app.rows("organisations").await, 2);
    // Questions: 2 practice + 2 final per version.
    assert_eq!(app.rows("questions").await, 8);
}

async fn a_failure_half_way_publishes_nothing(backend: Backend) {
    let app = spawn!(backend);
    // The database refuses the last step of publishing: storing questions.
    let sql: &[&str] = match app.db.backend() {
        DbBackend::Sqlite => &[
            "CREATE TRIGGER refuse BEFORE INSERT ON questions BEGIN SELECT RAISE(ABORT, 'refused'); END",
        ],
        DbBackend::Postgres => &[
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse BEFORE INSERT ON questions FOR EACH ROW EXECUTE FUNCTION refuse()",
        ],
    };
    let statements: Vec<String> = sql.iter().map(|s| (*s).to_owned()).collect();
    app.db
        .write(move |conn| {
            for statement in &statements {
                diesel::sql_query(statement)
                    .execute(conn)
                    .map_err(DbError::from)?;
            }
            Ok::<_, DbError>(())
        })
        .await
        .unwrap();
    let result = publish_folder(&app.db, &minimal_dir(), "", None, now()).await;
    assert!(matches!(result, Err(CourseError::Db(_))), "{result:?}");
    for table in [
        "courses",
        "course_versions",
        "chapters",
        "questions",
        "cosign_requests",
    ] {
        assert_eq!(app.rows(table).await, 0, "{table} after a failed publish");
    }
    // The organisations the operator's file beside the folder lists (with their logo and
    // signature pictures) were created before publishing began, on their own; none of the
    // course's pictures was stored.
    assert_eq!(app.rows("organisations").await, 2);
    assert_eq!(app.rows("media").await, 2);
    app.db
        .write(|conn| {
            diesel::sql_query("DROP TRIGGER refuse ON questions")
                .execute(conn)
                .or_else(|_| diesel::sql_query("DROP TRIGGER refuse").execute(conn))
                .map_err(DbError::from)
        })
        .await
        .unwrap();
    let result = publish_folder(&app.db, &minimal_dir(), "", None, now())
        .await
        .unwrap();
    assert_eq!(result, Outcome::Published { number: 1 });
}

async fn an_id_or_slug_cannot_move_to_another_course(backend: Backend) {
    let app = spawn!(backend);
    publish_folder(&app.db, &minimal_dir(), "", None, now())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();

    // The same id under a new slug (folder renamed with it).
    let moved = copy_of_minimal(dir.path(), "renamed");
    edit_file(
        &moved.join("course.toml"),
        "slug = \"minimal\"",
        "slug = \"renamed\"",
    );
    let result = publish_folder(&app.db, &moved, "", None, now()).await;
    let Err(CourseError::Invalid(problems)) = result else {
        panic!("{result:?}")
    };
    assert!(
        problems.iter().any(|p| p.message == "check-slug-changed"),
        "{problems:?}"
    );

    // Another course id taking the slug.
    let other = copy_of_minimal(dir.path(), "minimal-two");
    edit_file(
        &other.join("course.toml"),
        "slug = \"minimal\"",
        "slug = \"minimal-two\"",
    );
    let taken = dir.path().join("minimal");
    std::fs::rename(&other, &taken).unwrap();
    edit_file(
        &taken.join("course.toml"),
        "id = \"minimal\"",
        "id = \"another\"",
    );
    edit_file(
        &taken.join("course.toml"),
        "slug = \"minimal-two\"",
        "slug = \"minimal\"",
    );
    let result = publish_folder(&app.db, &taken, "", None, now()).await;
    let Err(CourseError::Invalid(problems)) = result else {
        panic!("{result:?}")
    };
    assert!(
        problems.iter().any(|p| p.message == "check-id-changed"),
        "{problems:?}"
    );
    assert_eq!(app.rows("course_versions").await, 1);
}

/// A photograph-like picture: smooth gradients and a few shapes, 2000 × 1500.
fn photo_with_exif() -> Vec<u8> {
    let image = image::RgbImage::from_fn(2000, 1500, |x, y| {
        let r = (x * 255 / 2000) as u8;
        let g = (y * 255 / 1500) as u8;
        let b = if (x / 250 + y / 250) % 2 == 0 {
            90
        } else {
            160
        };
        image::Rgb([r, g, b])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&image)
        .unwrap();
    // An EXIF block with a location in it, right after the start-of-image marker.
    let payload = b"Exif\0\0GPS 12.6N 106.0E SECRET-CAMERA";
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    app1.extend_from_slice(payload);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

async fn pictures_lose_their_metadata_and_fit_the_budget(backend: Backend) {
    let app = spawn!(backend);
    let dir = tempfile::tempdir().unwrap();
    let course = copy_of_minimal(dir.path(), "minimal");
    std::fs::write(course.join("media/photo.jpg"), photo_with_exif()).unwrap();
    edit_file(
        &course.join("chapters/02-latrines.en.md"),
        "handrails.",
        "handrails.\n\n![A ramp](../media/photo.jpg)",
    );
    edit_file(
        &course.join("chapters/02-latrines.km.md"),
        "បង្កាន់ដៃ។",
        "បង្កាន់ដៃ។\n\n![ផ្លូវជម្រាល](../media/photo.jpg)",
    );
    publish_folder(&app.db, &course, "", None, now())
        .await
        .unwrap();

    #[derive(diesel::QueryableByName)]
    struct Media {
        #[diesel(sql_type = diesel::sql_types::Text)]
        hash: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        content_type: String,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        width: i32,
        #[diesel(sql_type = diesel::sql_types::Binary)]
        bytes: Vec<u8>,
    }
    let media: Vec<Media> = app
        .db
        .read(|conn| {
            // The course's pictures, not the signatures the organisations' file brought.
            diesel::sql_query(
                "SELECT hash, content_type, width, bytes FROM media WHERE hash NOT IN \
                 (SELECT signature_hash FROM signatories WHERE signature_hash IS NOT NULL) \
                 ORDER BY width",
            )
            .load::<Media>(conn)
            .map_err(DbError::from)
        })
        .await
        .unwrap();
    let photos: Vec<&Media> = media
        .iter()
        .filter(|m| {
            m.content_type == "image/jpeg" || (m.content_type == "image/png" && m.width >= 320)
        })
        .collect();
    let widths: Vec<i32> = photos.iter().map(|m| m.width).collect();
    assert_eq!(widths, [320, 640, 960], "{widths:?}");
    for photo in &photos {
        let text = String::from_utf8_lossy(&photo.bytes);
        assert!(
            !text.contains("Exif") && !text.contains("SECRET"),
            "metadata kept in {}",
            photo.width
        );
    }
    let at_640 = photos.iter().find(|m| m.width == 640).unwrap();
    assert!(
        at_640.bytes.len() <= 40 * 1024,
        "640 px is {} bytes",
        at_640.bytes.len()
    );

    // Served by hash, cached forever; an unknown hash is a 404 page.
    let ext = if at_640.content_type == "image/jpeg" {
        "jpg"
    } else {
        "png"
    };
    let response = app.get(&format!("/media/{}.{ext}", at_640.hash)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(response.bytes().await.unwrap().len(), at_640.bytes.len());
    assert_eq!(
        app.get(&format!("/media/{}.{ext}", "0".repeat(32)))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/media/../../etc/passwd").await.status(),
        StatusCode::NOT_FOUND
    );

    // The chapter's HTML has the sizes, srcset and lazy loading.
    let html: String = app
        .db
        .read(|conn| {
            #[derive(diesel::QueryableByName)]
            struct Html {
                #[diesel(sql_type = diesel::sql_types::Text)]
                html_en: String,
            }
            diesel::sql_query("SELECT html_en FROM chapters WHERE chapter_key = 'latrines'")
                .get_result::<Html>(conn)
                .map(|h| h.html_en)
                .map_err(DbError::from)
        })
        .await
        .unwrap();
    assert!(
        html.contains("srcset=")
            && html.contains("loading=\"lazy\"")
            && html.contains("width=\"960\""),
        "{html}"
    );
    assert!(html.contains("alt=\"A ramp\""), "{html}");
}

async fn course_folders_are_published_on_first_start(backend: Backend) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/courses");
    let app = spawn!(backend, move |s| s.courses_dir = fixtures);
    assert_eq!(app.rows("courses").await, 1);
    assert_eq!(app.rows("course_versions").await, 1);
}
