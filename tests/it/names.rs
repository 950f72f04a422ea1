//! Names are printed on certificates: a name with a control character, a right-to-left
//! override or a character the certificate's fonts cannot draw is refused where it is
//! typed, with a message in the person's language; and a name kept from before that check
//! never makes a certificate, or a whole office's printout, fail.

use diesel::prelude::*;
use reqwest::StatusCode;

use crate::cohorts::{coordinator_with_office, create_cohort, send_roster};
use crate::final_assessment::{complete_chapters, fixtures, take};
use crate::helpers::{Backend, PASSWORD, TestApp, texts};
use crate::{both_backends, spawn};

both_backends!(
    names_with_controls_overrides_or_unprintable_characters_are_refused_where_typed,
    a_name_the_fonts_cannot_draw_never_fails_a_certificate_or_the_cohort_pdf,
);

/// (field, value, the start of the English message shown)
const BAD_NAMES: [(&str, &str, &str); 5] = [
    ("name_latin", "Sok\u{0}Chan", "This name has an invisible"),
    (
        "name_latin",
        "Sok \u{202E}nahC",
        "This name has an invisible",
    ),
    ("name_km", "សុខ\u{2067}ចាន់", "This name has an invisible"),
    (
        "name_latin",
        "Sok 李",
        "This name has a character that cannot be printed",
    ),
    (
        "name_km",
        "សុខ 😀",
        "This name has a character that cannot be printed",
    ),
];

async fn users(app: &TestApp) -> i64 {
    app.rows("users").await
}

async fn names_with_controls_overrides_or_unprintable_characters_are_refused_where_typed(
    backend: Backend,
) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    app.get("/lang/en?next=/").await;
    let before = users(&app).await;
    // Registration.
    for (field, value, message) in BAD_NAMES {
        let mut fields = vec![
            ("name_km", "សុខ ចាន់ធា"),
            ("name_latin", "Sok Chantha"),
            ("email", "bad@example.org"),
            ("password", PASSWORD),
            ("position", ""),
            ("province", ""),
            ("organisation", ""),
        ];
        fields.retain(|(n, _)| *n != field);
        fields.push((field, value));
        let response = app.submit("/register", "/register", &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{value:?}"
        );
        let html = response.text().await.unwrap();
        let shown = texts(
            &html,
            &format!("#{field}-error, .invalid #{field} ~ .error"),
        );
        assert!(
            shown.iter().any(|m| m.starts_with(message)),
            "{value:?}: {shown:?}"
        );
    }
    assert_eq!(users(&app).await, before);

    // The account page keeps the name as it was.
    app.register("sok@example.org", "Sok Chantha").await;
    for (field, value, message) in BAD_NAMES {
        let mut fields = vec![
            ("name_km", "សុខ ចាន់ធា"),
            ("name_latin", "Sok Chantha"),
            ("position", ""),
            ("province", ""),
            ("organisation", ""),
            ("lang", "en"),
        ];
        fields.retain(|(n, _)| *n != field);
        fields.push((field, value));
        let response = app.submit("/account", "/account", &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{value:?}"
        );
        let html = response.text().await.unwrap();
        let shown = texts(
            &html,
            &format!("#{field}-error, .invalid #{field} ~ .error"),
        );
        assert!(!shown.is_empty(), "{value:?} ({message}): {html}");
    }
    let kept: (String, String) = app
        .db
        .read(|conn| {
            use sala::db::schema::users;
            users::table
                .filter(users::email.eq("sok@example.org"))
                .select((users::name_km, users::name_latin))
                .first(conn)
                .map_err(sala::db::DbError::from)
        })
        .await
        .unwrap();
    assert_eq!(kept, ("សុខ ចាន់ធា".to_owned(), "Sok Chantha".to_owned()));
    app.sign_out().await;

    // A coordinator's roster: the rows are rejected, the good one is invited.
    let office = coordinator_with_office(&app).await;
    let cohort = create_cohort(&app, &office, 30).await;
    let roster = "name_km,name_latin,email,office,province\n\
        សុខ,\"Sok \u{202E}nahC\",a@example.org,pdrd-kratie,10\n\
        សុខ,Sok 李,b@example.org,pdrd-kratie,10\n\
        សុខ,Sok,c@example.org,pdrd-kratie,10\n";
    send_roster(&app, &cohort, roster, true).await;
    assert_eq!(app.rows("invitations").await, 1);
}

/// Issue 27, finding 11: one learner whose name the fonts cannot draw made their own
/// certificate and their whole office's cohort PDF answer 500.
async fn a_name_the_fonts_cannot_draw_never_fails_a_certificate_or_the_cohort_pdf(
    backend: Backend,
) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    let ministry = app
        .db
        .read(|conn| sala::db::organisations::find_by_slug(conn, "test-ministry"))
        .await
        .unwrap()
        .unwrap()
        .id
        .0
        .to_string();
    let mut serials = Vec::new();
    for (email, name) in [
        ("a@example.org", "Arun Chan"),
        ("b@example.org", "Bopha Keo"),
    ] {
        let learner = app.new_browser();
        learner
            .register_with(&[
                ("name_km", "ចាន់ អរុណ"),
                ("name_latin", name),
                ("email", email),
                ("position", "Officer"),
                ("province", "10"),
                ("organisation", &ministry),
            ])
            .await;
        if email == "b@example.org" {
            // As a name typed before names were checked was kept.
            app.db
                .write(|conn| {
                    use sala::db::schema::users;
                    diesel::update(users::table.filter(users::email.eq("b@example.org")))
                        .set((
                            users::name_latin.eq("Bopha \u{202E}oeK 李 😀"),
                            users::name_km.eq("បុប្ផា\u{1}😀"),
                        ))
                        .execute(conn)
                        .map_err(sala::db::DbError::from)
                })
                .await
                .unwrap();
        }
        complete_chapters(&learner).await;
        take(&learner, true).await;
        let (_, html) = learner.get_html("/my").await;
        let serial = crate::helpers::attribute(&html, ".certificate", "data-serial");
        assert!(serial.starts_with("KH-"), "{html}");
        // The learner's own certificate and its picture.
        for path in [
            format!("/certificates/{serial}/certificate.pdf"),
            format!("/certificates/{serial}/certificate.png"),
        ] {
            let response = learner.get(&path).await;
            assert_eq!(response.status(), StatusCode::OK, "{email} {path}");
        }
        serials.push(serial);
    }
    let bopha = app.new_browser();
    bopha.sign_in("b@example.org", PASSWORD).await;
    let response = bopha
        .get(&format!("/certificates/{}/certificate.pdf", serials[1]))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let pdf = response.bytes().await.unwrap();
    let text = crate::certificates::pdf_text(&pdf);
    assert!(text.contains("Bopha"), "{text}");
    assert!(
        text.contains("exact name is in the signed credential"),
        "{text}"
    );

    // The coordinator prints the office: one page each, none left out.
    crate::certificates::sign_in_as_staff(&app, sala::accounts::Role::Coordinator).await;
    let response = app
        .get("/coordinate/test-ministry/certificates.pdf?course=minimal")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = crate::certificates::pdf_text(&response.bytes().await.unwrap());
    assert_eq!(text.matches('\u{c}').count(), 2, "one page each");
    for serial in &serials {
        assert!(text.contains(serial.as_str()), "{serial}");
    }
}
