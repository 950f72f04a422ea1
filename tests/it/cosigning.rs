//! Who signs a certificate is decided by the organisations (issue 27, finding 1): a course
//! names its publisher, co-signer and signatories, but cannot create them, type their names
//! or make another organisation's key endorse anything. The co-signer's publisher sees the
//! request with a sample certificate and consents or refuses; it can withdraw its consent
//! and revoke its endorsement of one certificate; a new version that changes what the
//! certificate says or requires asks again.

use reqwest::StatusCode;
use serde_json::Value;

use crate::certificates::{complete, credential, independently_verified, jwks, pdf_text};
use crate::course_upload::{minimal_zip, upload};
use crate::final_assessment::fixtures;
use crate::helpers::{Backend, Browser, TestApp, attribute, copy_of_minimal, edit_file, now};
use crate::{both_backends, spawn};

both_backends!(
    a_cosigner_endorses_only_what_it_consented_to,
    a_new_version_asks_again_only_when_the_certificate_changes,
    a_course_cannot_name_people_or_organisations_it_does_not_own,
    publishers_keep_their_own_signatories,
);

const NGO_PAGE: &str = "/publish/test-ngo/certificates";

/// The longest run of a message, as the page shows it in Khmer (the test browser's
/// language), between its arguments and quotes (which the page escapes).
fn said(key: &str) -> String {
    let args =
        ["slug", "signatory", "organisation", "cosigner", "publisher"].map(|a| (a, "<".to_owned()));
    let text = sala::i18n::translate_with(sala::i18n::Lang::Km, key, &args);
    text.split(['"', '{', '}', '\'', '<', '>', '&', '\u{2068}', '\u{2069}'])
        .max_by_key(|part| part.chars().count())
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The publisher of test-ngo (made by an admin on a browser of its own).
pub(crate) async fn ngo_publisher(app: &TestApp) -> Browser {
    let admin = app.new_browser();
    app.admin_on(&admin, "ngo-admin@example.org").await;
    app.publisher_by(&admin, "test-ngo", "ngo@example.org")
        .await
}

/// The id of the co-signing request shown in a state on the NGO's page.
async fn request_in(ngo: &Browser, status: &str) -> String {
    let (code, html) = ngo.get_html(NGO_PAGE).await;
    assert_eq!(code, StatusCode::OK);
    attribute(&html, &format!("[data-status={status}]"), "data-request")
}

async fn answer(ngo: &Browser, request: &str, answer: &str) -> reqwest::Response {
    ngo.submit(
        NGO_PAGE,
        &format!("/publish/test-ngo/cosigning/{request}"),
        &[("answer", answer)],
    )
    .await
}

/// test-ngo's publisher consents to the test course's pending request.
pub(crate) async fn ngo_consents(app: &TestApp) -> Browser {
    let ngo = ngo_publisher(app).await;
    let request = request_in(&ngo, "pending").await;
    assert_eq!(
        answer(&ngo, &request, "consent").await.status(),
        StatusCode::SEE_OTHER
    );
    ngo
}

fn endorsement_of(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1).unwrap();
    let payload: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .unwrap(),
    )
    .unwrap();
    payload["endorsementJwt"][0].as_str().map(str::to_owned)
}

async fn printed(browser: &Browser, serial: &str) -> String {
    let response = browser
        .get(&format!("/certificates/{serial}/certificate.pdf"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    pdf_text(&response.bytes().await.unwrap())
}

async fn audit_entries(app: &TestApp, action: &'static str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    app.db
        .read(move |conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = '{action}'"
            ))
            .get_result::<Count>(conn)
            .map(|c| c.n)
            .map_err(sala::db::DbError::from)
        })
        .await
        .unwrap()
}

async fn a_cosigner_endorses_only_what_it_consented_to(backend: Backend) {
    // The test course names test-ngo as co-signer; publishing it asked for consent.
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    assert_eq!(app.rows("cosign_requests").await, 1);
    assert_eq!(audit_entries(&app, "cosign.requested").await, 1);

    // Before test-ngo consents: no endorsement, no co-signer on /verify or on paper.
    let first = app.new_browser();
    let serial_1 = complete(&first, "one@example.org", "Learner One").await;
    let token_1 = credential(&first, &serial_1).await;
    assert_eq!(endorsement_of(&token_1), None);
    let visitor = app.new_browser();
    let (_, html) = visitor.get_html(&format!("/verify/{serial_1}")).await;
    assert!(html.contains("Test Ministry"), "{html}");
    assert!(!html.contains("Test NGO"), "{html}");
    let text = printed(&first, &serial_1).await;
    assert!(text.contains("Sok Vibol"), "{text}");
    assert!(
        !text.contains("Chan Sothea") && !text.contains("Test NGO"),
        "{text}"
    );

    // test-ngo's publisher sees the request and its sample certificate.
    let ngo = ngo_publisher(&app).await;
    let (_, html) = ngo.get_html(NGO_PAGE).await;
    assert!(html.contains("វគ្គសាកល្បង"), "{html}");
    let request = request_in(&ngo, "pending").await;
    let sample = ngo
        .get(&format!("/publish/test-ngo/cosigning/{request}/sample.pdf"))
        .await;
    assert_eq!(sample.status(), StatusCode::OK);
    let text = pdf_text(&sample.bytes().await.unwrap());
    assert!(
        text.contains("Chan Sothea") && text.contains("Sample Learner"),
        "{text}"
    );

    // The ministry's publisher cannot answer for test-ngo, on either organisation's pages.
    let ministry = app
        .publisher_by(&ngo_admin(&app).await, "test-ministry", "min@example.org")
        .await;
    let forged = ministry
        .submit(
            "/publish/test-ministry/certificates",
            &format!("/publish/test-ngo/cosigning/{request}"),
            &[("answer", "consent")],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let forged = ministry
        .submit(
            "/publish/test-ministry/certificates",
            &format!("/publish/test-ministry/cosigning/{request}"),
            &[("answer", "consent")],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
    assert_eq!(request_in(&ngo, "pending").await, request);

    // test-ngo consents: the next certificate carries its endorsement, signed with its own
    // key and with its own place in test-ngo's status list.
    assert_eq!(
        answer(&ngo, &request, "consent").await.status(),
        StatusCode::SEE_OTHER
    );
    let second = app.new_browser();
    let serial_2 = complete(&second, "two@example.org", "Learner Two").await;
    let token_2 = credential(&second, &serial_2).await;
    let endorsement = endorsement_of(&token_2).expect("endorsed after consent");
    let endorsed = independently_verified(&endorsement, &jwks(&app, "test-ngo").await);
    let list = endorsed["credentialStatus"]["statusListCredential"]
        .as_str()
        .unwrap();
    assert!(list.contains("/issuers/test-ngo/status/"), "{list}");
    let (_, html) = visitor.get_html(&format!("/verify/{serial_2}")).await;
    assert!(html.contains("Test NGO"), "{html}");
    let text = printed(&second, &serial_2).await;
    assert!(
        text.contains("Chan Sothea") && text.contains("Sok Vibol"),
        "{text}"
    );
    // The first certificate is not endorsed after the fact.
    let (_, html) = visitor.get_html(&format!("/verify/{serial_1}")).await;
    assert!(!html.contains("Test NGO"), "{html}");

    // test-ngo lists what it endorses, and revokes its endorsement of one certificate:
    // the certificate stays genuine, without the co-signer; test-ngo's list says so.
    let (_, html) = ngo.get_html(NGO_PAGE).await;
    assert!(
        html.contains(&serial_2) && !html.contains(&serial_1),
        "{html}"
    );
    let revoke = format!("/publish/test-ngo/endorsements/{serial_2}/revoke");
    let response = ngo.submit(NGO_PAGE, &revoke, &[("reason", " ")]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = ngo
        .submit(NGO_PAGE, &revoke, &[("reason", "Trained by another NGO")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = visitor.get_html(&format!("/verify/{serial_2}")).await;
    assert_eq!(attribute(&html, "#verdict", "data-verdict"), "genuine");
    assert!(html.contains(&said("cert-cosignature-withdrawn")), "{html}");
    let index: usize = endorsed["credentialStatus"]["statusListIndex"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let list = app
        .get(&list[list.find("/issuers/").unwrap()..])
        .await
        .text()
        .await
        .unwrap();
    let list = independently_verified(&list, &jwks(&app, "test-ngo").await);
    let encoded = list["credentialSubject"]["encodedList"].as_str().unwrap();
    assert!(sala::certificates::status_list::is_set(encoded, index).unwrap());
    let text = printed(&second, &serial_2).await;
    assert!(!text.contains("Chan Sothea"), "{text}");

    // test-ngo withdraws its consent: new certificates are not endorsed; issued ones stay
    // valid.
    let consented = request_in(&ngo, "consented").await;
    assert_eq!(
        answer(&ngo, &consented, "withdraw").await.status(),
        StatusCode::SEE_OTHER
    );
    let third = app.new_browser();
    let serial_3 = complete(&third, "three@example.org", "Learner Three").await;
    assert_eq!(endorsement_of(&credential(&third, &serial_3).await), None);
    let (_, html) = visitor.get_html(&format!("/verify/{serial_1}")).await;
    assert_eq!(attribute(&html, "#verdict", "data-verdict"), "genuine");

    // Every step is in the audit log.
    for action in [
        "cosign.requested",
        "cosign.consented",
        "endorsement.revoked",
        "cosign.withdrawn",
    ] {
        assert_eq!(audit_entries(&app, action).await, 1, "{action}");
    }
}

/// An admin on a browser of its own.
async fn ngo_admin(app: &TestApp) -> Browser {
    let admin = app.new_browser();
    app.admin_on(&admin, "second-admin@example.org").await;
    admin
}

async fn a_new_version_asks_again_only_when_the_certificate_changes(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    let ngo = ngo_consents(&app).await;
    let consents = |version: sala::model::ids::VersionId| {
        let db = app.db.clone();
        async move {
            db.read(move |conn| {
                let course = sala::db::courses::by_slug(conn, "minimal")?.unwrap();
                let ngo = sala::db::organisations::find_by_slug(conn, "test-ngo")?.unwrap();
                sala::certificates::cosigning::consents(conn, course.id, version, ngo.id)
            })
            .await
            .unwrap()
        }
    };
    let latest = || {
        let db = app.db.clone();
        async move {
            db.read(|conn| {
                use diesel::prelude::*;
                use sala::db::schema::course_versions;
                course_versions::table
                    .select(diesel::dsl::max(course_versions::id))
                    .first::<Option<sala::model::ids::VersionId>>(conn)
                    .map_err(sala::db::DbError::from)
            })
            .await
            .unwrap()
            .unwrap()
        }
    };
    // A corrected chapter: the certificate says and requires the same; no new request.
    let dir = tempfile::tempdir().unwrap();
    let course = copy_of_minimal(dir.path(), "minimal");
    edit_file(
        &course.join("chapters/01-water.en.md"),
        "water",
        "clean water",
    );
    let outcome = sala::courses::publish::publish_folder(&app.db, &course, "typo", None, now())
        .await
        .unwrap();
    assert_eq!(
        outcome,
        sala::courses::publish::Outcome::Published { number: 2 }
    );
    assert_eq!(app.rows("cosign_requests").await, 1);
    assert!(consents(latest().await).await);

    // A new pass mark: the certificate requires something else; test-ngo is asked again,
    // and until it answers, the new version is not endorsed.
    edit_file(
        &course.join("course.toml"),
        "pass_mark = 80",
        "pass_mark = 70",
    );
    sala::courses::publish::publish_folder(&app.db, &course, "easier", None, now())
        .await
        .unwrap();
    assert_eq!(app.rows("cosign_requests").await, 2);
    let v3 = latest().await;
    assert!(!consents(v3).await);
    let pending = request_in(&ngo, "pending").await;
    assert_eq!(
        answer(&ngo, &pending, "refuse").await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(!consents(v3).await);
    // Refusing twice is told, not done twice.
    assert_eq!(
        answer(&ngo, &pending, "refuse").await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(audit_entries(&app, "cosign.refused").await, 1);
}

async fn a_course_cannot_name_people_or_organisations_it_does_not_own(backend: Backend) {
    let app = spawn!(backend);
    app.seed_organisations().await;
    app.signed_in_admin("admin@example.org").await;
    let publisher = app.publisher_of("test-ministry", "pub@example.org").await;
    let signatories = r#"signatories = ["test-ministry/director-general", "test-ngo/director"]"#;
    let cases: [(&str, &str, &str); 5] = [
        // Names typed into the upload, as earlier courses did.
        (
            "publisher = \"test-ministry\"",
            "publisher = { slug = \"test-ministry\", en = \"Ministry of Health\", km = \"ក្រសួងសុខាភិបាល\" }",
            "check-org-from-records",
        ),
        // A signatory the ministry does not have.
        (
            signatories,
            r#"signatories = ["test-ministry/minister"]"#,
            "check-signatory-unknown",
        ),
        // A signatory of an organisation that is neither publisher nor co-signer.
        (
            signatories,
            r#"signatories = ["other-org/director"]"#,
            "check-signatory-organisation",
        ),
        // A co-signer that does not exist.
        (
            "cosigner = \"test-ngo\"\nsignatories = [\"test-ministry/director-general\", \"test-ngo/director\"]",
            "cosigner = \"ghost-ngo\"\nsignatories = [\"test-ministry/director-general\", \"ghost-ngo/director\"]",
            "check-cosigner-unknown",
        ),
        // The publisher as its own co-signer.
        (
            "cosigner = \"test-ngo\"",
            "cosigner = \"test-ministry\"",
            "check-cosigner-is-publisher",
        ),
    ];
    for (from, to, key) in cases {
        let archive = minimal_zip(Some(("course.toml", from, to)));
        let (status, html) = upload(&publisher, "test-ministry", archive, "").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{to}: {html}");
        assert!(html.contains(&said(key)), "{to}: {html}");
        assert_eq!(app.rows("course_versions").await, 0);
        assert_eq!(app.rows("cosign_requests").await, 0);
    }
    // Nothing was created from the uploads: no organisation, no signatory.
    assert_eq!(app.rows("organisations").await, 2);
    assert_eq!(app.rows("signatories").await, 2);

    // A signatory who no longer signs cannot be picked, from the web or the command line.
    let ngo = ngo_publisher(&app).await;
    let (_, html) = ngo.get_html(NGO_PAGE).await;
    let id = attribute(&html, "[data-handle=director] form", "action");
    let response = ngo.submit(NGO_PAGE, &id, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (status, html) = upload(&publisher, "test-ministry", minimal_zip(None), "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(&said("check-signatory-retired")), "{html}");
    let dir = tempfile::tempdir().unwrap();
    let course = copy_of_minimal(dir.path(), "minimal");
    let refused = sala::courses::publish::publish_folder(&app.db, &course, "", None, now()).await;
    assert!(
        matches!(refused, Err(sala::courses::publish::CourseError::Invalid(ref p)) if p.iter().any(|p| p.message == "check-signatory-retired")),
        "{refused:?}"
    );
    assert_eq!(app.rows("course_versions").await, 0);
}

async fn publishers_keep_their_own_signatories(backend: Backend) {
    let app = spawn!(backend);
    app.seed_organisations().await;
    app.signed_in_admin("admin@example.org").await;
    let publisher = app.publisher_of("test-ministry", "pub@example.org").await;
    let page = "/publish/test-ministry/certificates";
    let signature = std::fs::read(fixtures().join("pictures/signature.png")).unwrap();
    let (status, _) = add_signatory(&publisher, "deputy", signature.clone()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = publisher.get_html(page).await;
    assert!(
        html.contains("Keo Sophal") && html.contains("test-ministry/deputy"),
        "{html}"
    );
    let src = attribute(&html, "[data-handle=deputy] img", "src");
    assert_eq!(publisher.get(&src).await.status(), StatusCode::OK);

    // The same handle again, or a file that is not a picture: told, nothing added.
    let (status, html) = add_signatory(&publisher, "deputy", signature.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(&said("error-handle-taken")), "{html}");
    let (status, html) = add_signatory(&publisher, "another", b"not a picture".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(&said("error-picture-unreadable")), "{html}");
    assert_eq!(app.rows("signatories").await, 3);

    // Nobody else keeps the ministry's list: a learner, or test-ngo's publisher.
    let learner = app.new_browser();
    learner.register("learner@example.org", "Learner").await;
    let (status, _) = add_signatory(&learner, "intruder", signature.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let ngo = ngo_publisher(&app).await;
    let (status, _) = add_signatory(&ngo, "intruder", signature).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.rows("signatories").await, 3);
    assert_eq!(audit_entries(&app, "signatory.added").await, 3);

    // A course can now pick the new signatory.
    let archive = minimal_zip(Some((
        "course.toml",
        "\"test-ministry/director-general\"",
        "\"test-ministry/deputy\"",
    )));
    let (status, html) = upload(&publisher, "test-ministry", archive, "").await;
    assert_eq!(status, StatusCode::OK, "{html}");
}

/// Adds a signatory to test-ministry's list through its page's form, with a picture.
async fn add_signatory(browser: &Browser, handle: &str, picture: Vec<u8>) -> (StatusCode, String) {
    let page = "/publish/test-ministry/certificates";
    let (_, html) = browser.get_html(page).await;
    let token = crate::helpers::csrf_token(&html).unwrap_or_default();
    let form = reqwest::multipart::Form::new()
        .text("csrf", token)
        .text("handle", handle.to_owned())
        .text("name_km", "កែវ សុផល")
        .text("name_en", "Keo Sophal")
        .text("title_km", "អនុប្រធាន")
        .text("title_en", "Deputy Director")
        .part(
            "picture",
            reqwest::multipart::Part::bytes(picture).file_name("signature.png"),
        );
    let response = browser
        .client
        .post(browser.url("/publish/test-ministry/signatories"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}
