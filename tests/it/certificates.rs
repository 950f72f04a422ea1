//! Certificates: issued once on completion, signed so that an independent JOSE library and
//! any Open Badges 3.0 verifier accept them, verifiable by serial or file, revocable (the
//! status list shows it), re-issued after a name correction, still valid after a key
//! rotation; and every bad input gives a clear verdict, never "genuine" and never a 500.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::Value;

use crate::final_assessment::{complete_chapters, fixtures, take};
use crate::helpers::{Backend, Browser, TestApp, now, texts};
use crate::{both_backends, spawn};

both_backends!(
    completing_a_course_issues_one_signed_open_badge,
    a_revoked_certificate_shows_as_revoked_everywhere,
    a_corrected_name_gets_a_new_certificate_and_the_old_one_says_so,
    certificates_signed_before_a_key_rotation_still_verify,
    bad_input_is_never_genuine,
);

/// Registers a learner on `browser`, completes the minimal course, and returns the serial
/// of the certificate shown on "My learning".
pub(crate) async fn complete(browser: &Browser, email: &str, name: &str) -> String {
    browser.register(email, name).await;
    complete_chapters(browser).await;
    take(browser, true).await;
    let (status, html) = browser.get_html("/my").await;
    assert_eq!(status, StatusCode::OK);
    let serial = crate::helpers::attribute(&html, ".certificate", "data-serial");
    assert!(serial.starts_with("KH-"), "{html}");
    serial
}

pub(crate) async fn credential(browser: &Browser, serial: &str) -> String {
    let response = browser
        .get(&format!("/certificates/{serial}/credential.jwt"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

pub(crate) async fn jwks(browser: &Browser, org: &str) -> JwkSet {
    let response = browser.get(&format!("/issuers/{org}/jwks.json")).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Verifies a VC-JWT with the `jsonwebtoken` crate (not our code) against the issuer's
/// published JWK set, and returns its payload.
pub(crate) fn independently_verified(token: &str, keys: &JwkSet) -> Value {
    let header = jsonwebtoken::decode_header(token).expect("a JOSE header");
    assert_eq!(header.alg, Algorithm::EdDSA);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert!(header.jwk.is_some(), "the public key travels in the header");
    let kid = header.kid.expect("a kid");
    let jwk = keys
        .find(&kid)
        .expect("the kid is in the published JWK set");
    let key = DecodingKey::from_jwk(jwk).expect("an Ed25519 JWK");
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["iss", "sub", "nbf"]);
    let did = kid.split('#').next().unwrap().to_owned();
    validation.set_issuer(&[did]);
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("an independent library accepts the signature")
        .claims
}

pub(crate) async fn verdict(browser: &Browser, path: &str) -> (StatusCode, String) {
    let (status, html) = browser.get_html(path).await;
    let verdict = crate::helpers::attribute(&html, "#verdict", "data-verdict");
    (status, verdict)
}

async fn upload(browser: &Browser, name: &str, bytes: Vec<u8>) -> (StatusCode, String) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let response = browser
        .client
        .post(browser.url("/verify"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let html = response.text().await.unwrap();
    let verdict = if html.contains("data-verdict") {
        crate::helpers::attribute(&html, "#verdict", "data-verdict")
    } else {
        String::new()
    };
    (status, verdict)
}

async fn completing_a_course_issues_one_signed_open_badge(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    crate::cosigning::ngo_consents(&app).await;
    let serial = complete(&app, "dara@example.org", "Dara Sok").await;
    assert_eq!(app.rows("certificates").await, 1);
    // Visiting again issues nothing more.
    app.get_html("/my").await;
    assert_eq!(app.rows("certificates").await, 1);

    let token = credential(&app, &serial).await;
    let ministry = jwks(&app, "test-ministry").await;
    let vc = independently_verified(&token, &ministry);

    // The Open Badges 3.0 structure.
    assert_eq!(
        vc["@context"],
        serde_json::json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ])
    );
    assert_eq!(
        vc["type"],
        serde_json::json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert_eq!(vc["issuer"]["type"], serde_json::json!(["Profile"]));
    assert_eq!(vc["iss"], vc["issuer"]["id"]);
    assert!(
        vc["iss"]
            .as_str()
            .unwrap()
            .starts_with("did:web:127.0.0.1%3A")
    );
    assert_eq!(vc["jti"], vc["id"]);
    assert_eq!(vc["sub"], vc["credentialSubject"]["id"]);
    assert!(
        vc["id"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/verify/{serial}"))
    );
    let valid_from = chrono::DateTime::parse_from_rfc3339(vc["validFrom"].as_str().unwrap())
        .unwrap()
        .timestamp();
    assert_eq!(vc["nbf"].as_i64(), Some(valid_from));
    let subject = &vc["credentialSubject"];
    assert_eq!(subject["type"], serde_json::json!(["AchievementSubject"]));
    let names: Vec<&str> = subject["identifier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["identityHash"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Dara Sok", "សុខ ចាន់ធា"]);
    let achievement = &subject["achievement"];
    assert_eq!(achievement["type"], serde_json::json!(["Achievement"]));
    assert!(achievement["name"].as_str().unwrap().contains("វគ្គសាកល្បង"));
    assert!(
        achievement["name"]
            .as_str()
            .unwrap()
            .contains("A test course")
    );
    assert_eq!(achievement["version"], "1");
    assert!(
        achievement["criteria"]["narrative"]
            .as_str()
            .unwrap()
            .contains("80%")
    );
    assert_eq!(subject["result"][0]["value"], "100%");
    let status = &vc["credentialStatus"];
    assert_eq!(status["type"], "BitstringStatusListEntry");
    assert_eq!(status["statusPurpose"], "revocation");

    // The co-signer's endorsement, signed with its own published key.
    let endorsement = vc["endorsementJwt"][0].as_str().unwrap();
    let ngo = jwks(&app, "test-ngo").await;
    let endorsed = independently_verified(endorsement, &ngo);
    assert_eq!(
        endorsed["type"],
        serde_json::json!(["VerifiableCredential", "EndorsementCredential"])
    );
    assert_eq!(endorsed["credentialSubject"]["id"], vc["id"]);

    // The did:web document and the issuer profile name the same keys and issuer.
    let did: Value = app
        .get("/issuers/test-ministry/did.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(did["id"], vc["iss"]);
    let kid = jsonwebtoken::decode_header(&token).unwrap().kid.unwrap();
    assert_eq!(did["assertionMethod"][0], kid.as_str());
    let profile: Value = app
        .browser
        .client
        .get(app.url("/issuers/test-ministry"))
        .header("Accept", "application/ld+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(profile["id"], vc["iss"]);
    assert_eq!(profile["type"], serde_json::json!(["Profile"]));

    // Anyone (signed out, another phone) sees "genuine" with the names, course and issuer.
    let visitor = app.new_browser();
    let (status, html) = visitor.get_html(&format!("/verify/{serial}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        crate::helpers::attribute(&html, "#verdict", "data-verdict"),
        "genuine"
    );
    for expected in [
        "Dara Sok",
        "សុខ ចាន់ធា",
        "វគ្គសាកល្បង",
        "A test course",
        "Test Ministry",
        "Test NGO",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
    // Typed in lower case, without hyphens: the same certificate.
    let typed = serial.to_lowercase().replace('-', "");
    let response = visitor.get(&format!("/verify?serial={typed}")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        verdict(&visitor, &format!("/verify/{typed}")).await.1,
        "genuine"
    );
    // The downloaded credential, as a file (JWT or its JSON envelope), verifies too.
    assert_eq!(
        upload(&visitor, "c.jwt", token.clone().into_bytes())
            .await
            .1,
        "genuine"
    );
    let json = app
        .get(&format!("/certificates/{serial}/credential.json"))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    assert_eq!(upload(&visitor, "c.json", json).await.1, "genuine");
    // The downloads are the learner's, not the world's.
    let response = visitor
        .get(&format!("/certificates/{serial}/credential.jwt"))
        .await;
    assert_ne!(response.status(), StatusCode::OK);
}

/// Registers someone on `app`'s browser and makes them a publisher or coordinator of the
/// test ministry, which issues the test course's certificates.
pub(crate) async fn sign_in_as_staff(app: &TestApp, role: sala::accounts::Role) {
    let email = format!("{}@example.org", role.as_str());
    app.register(&email, "Staff Member").await;
    grant(app, &email, role, "test-ministry").await;
}

/// Makes `email` (already registered) a publisher or coordinator of `org`.
async fn grant(app: &TestApp, email: &str, role: sala::accounts::Role, org: &str) {
    let email = sala::accounts::fields::Email::parse(email).unwrap();
    let org = org.to_owned();
    let (user, org) = app
        .db
        .read(move |conn| {
            let user = sala::db::users::find_by_email(conn, &email)?.unwrap().0;
            let org = sala::db::organisations::find_by_slug(conn, &org)?.unwrap();
            Ok::<_, sala::db::DbError>((user.id, org.id))
        })
        .await
        .unwrap();
    let actor = sala::audit::Actor {
        user: Some(user),
        label: "test".into(),
        address: None,
    };
    sala::accounts::roles::grant(&app.db, user, role, org, actor, now())
        .await
        .unwrap();
}

async fn a_revoked_certificate_shows_as_revoked_everywhere(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    let learner = app.new_browser();
    let serial = complete(&learner, "dara@example.org", "Dara Sok").await;
    let token = credential(&learner, &serial).await;
    let vc = independently_verified(&token, &jwks(&app, "test-ministry").await);
    let list_url = vc["credentialStatus"]["statusListCredential"]
        .as_str()
        .unwrap();
    let index: usize = vc["credentialStatus"]["statusListIndex"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let list_path = &list_url[list_url.find("/issuers/").unwrap()..];
    let keys = jwks(&app, "test-ministry").await;
    let revoked_bit = |list: &str| {
        let list = independently_verified(list, &keys);
        assert_eq!(list["type"][1], "BitstringStatusListCredential");
        let encoded = list["credentialSubject"]["encodedList"]
            .as_str()
            .unwrap()
            .to_owned();
        sala::certificates::status_list::is_set(&encoded, index).unwrap()
    };
    let before = app.get(list_path).await.text().await.unwrap();
    assert!(!revoked_bit(&before));

    // A coordinator of the issuing ministry revokes it, with a reason.
    sign_in_as_staff(&app, sala::accounts::Role::Coordinator).await;
    let staff_page = "/issuers/test-ministry/certificates";
    let (status, html) = app.get_html(staff_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&serial));
    // Without a reason: refused, nothing changes.
    let action = format!("/issuers/test-ministry/certificates/{serial}/revoke");
    let response = app.submit(staff_page, &action, &[("reason", "  ")]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        verdict(&app, &format!("/verify/{serial}")).await.1,
        "genuine"
    );
    let response = app
        .submit(staff_page, &action, &[("reason", "Answers were copied")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // Twice: a clear conflict.
    let response = app
        .submit(staff_page, &action, &[("reason", "again")])
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);

    // The page, the uploaded credential, the status list and "My learning" all say so.
    let (status, html) = app
        .new_browser()
        .get_html(&format!("/verify/{serial}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        crate::helpers::attribute(&html, "#verdict", "data-verdict"),
        "revoked"
    );
    assert!(html.contains("Answers were copied"));
    assert_eq!(upload(&app, "c.jwt", token.into_bytes()).await.1, "revoked");
    let after = app.get(list_path).await.text().await.unwrap();
    assert!(revoked_bit(&after));
    let (_, html) = learner.get_html("/my").await;
    assert!(texts(&html, ".certificate strong").len() == 1, "{html}");
    // Nobody else may revoke: a learner gets 403, and nothing is issued again.
    let response = learner.submit("/my", &action, &[("reason", "mine")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.rows("certificates").await, 1);
}

async fn a_corrected_name_gets_a_new_certificate_and_the_old_one_says_so(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    let learner = app.new_browser();
    let old = complete(&learner, "dara@example.org", "Dara Sokk").await;
    // The learner corrects the Latin spelling of their name.
    let response = learner
        .submit(
            "/account",
            "/account",
            &[
                ("name_km", "សុខ ចាន់ធា"),
                ("name_latin", "Dara Sok"),
                ("position", "Officer"),
                ("province", "10"),
                ("organisation", ""),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    sign_in_as_staff(&app, sala::accounts::Role::Publisher).await;
    let staff_page = "/issuers/test-ministry/certificates";
    let response = app
        .submit(
            staff_page,
            &format!("/issuers/test-ministry/certificates/{old}/reissue"),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = learner.get_html("/my").await;
    let new = crate::helpers::attribute(&html, ".certificate", "data-serial");
    assert_ne!(new, old);

    let (_, html) = app.get_html(&format!("/verify/{old}")).await;
    assert_eq!(
        crate::helpers::attribute(&html, "#verdict", "data-verdict"),
        "revoked"
    );
    assert!(html.contains(&new), "names the replacement: {html}");
    let (_, html) = app.get_html(&format!("/verify/{new}")).await;
    assert_eq!(
        crate::helpers::attribute(&html, "#verdict", "data-verdict"),
        "genuine"
    );
    assert!(
        html.contains("Dara Sok<") || html.contains("Dara Sok\n"),
        "{html}"
    );
    assert!(!html.contains("Dara Sokk"));
    let token = credential(&learner, &new).await;
    let vc = independently_verified(&token, &jwks(&app, "test-ministry").await);
    assert_eq!(
        vc["credentialSubject"]["identifier"][0]["identityHash"],
        "Dara Sok"
    );
    assert_eq!(app.rows("certificates").await, 2);
}

async fn certificates_signed_before_a_key_rotation_still_verify(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    let first = app.new_browser();
    let old = complete(&first, "dara@example.org", "Dara Sok").await;
    let old_token = credential(&first, &old).await;

    // The operator rotates the ministry's key (what `sala keys rotate` does).
    let settings = sala::config::Settings::from_raw(sala::config::RawSettings {
        data_dir: app.data_dir.clone(),
        base_url: Some(app.browser.address.clone()),
        ..Default::default()
    })
    .unwrap();
    let authority = sala::startup::certificate_authority(&settings).unwrap();
    let name = app
        .db
        .write(move |conn| authority.rotate(conn, "test-ministry", now()))
        .await
        .unwrap();
    assert_eq!(name, "key-2");

    let second = app.new_browser();
    let new = complete(&second, "vanna@example.org", "Vanna Chea").await;
    let new_token = credential(&second, &new).await;
    let keys = jwks(&app, "test-ministry").await;
    assert_eq!(keys.keys.len(), 2, "the old key stays published");
    let old_kid = jsonwebtoken::decode_header(&old_token)
        .unwrap()
        .kid
        .unwrap();
    let new_kid = jsonwebtoken::decode_header(&new_token)
        .unwrap()
        .kid
        .unwrap();
    assert_ne!(old_kid, new_kid);
    independently_verified(&old_token, &keys);
    independently_verified(&new_token, &keys);
    assert_eq!(verdict(&app, &format!("/verify/{old}")).await.1, "genuine");
    assert_eq!(verdict(&app, &format!("/verify/{new}")).await.1, "genuine");
    assert_eq!(
        upload(&app, "old.jwt", old_token.into_bytes()).await.1,
        "genuine"
    );
}

fn part(token: &str, i: usize) -> Value {
    let part = token.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn with_part(token: &str, i: usize, value: &Value) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[i] = URL_SAFE_NO_PAD.encode(value.to_string());
    parts.join(".")
}

async fn bad_input_is_never_genuine(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    let serial = complete(&app, "dara@example.org", "Dara Sok").await;
    let token = credential(&app, &serial).await;

    // A changed name in the payload.
    let mut payload = part(&token, 1);
    payload["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory".into();
    let tampered = with_part(&token, 1, &payload);
    // `alg: none` with no signature, and HS256 keyed with the public key (key confusion).
    let mut header = part(&token, 0);
    header["alg"] = "none".into();
    let unsigned = format!(
        "{}.",
        with_part(&token, 0, &header).rsplit_once('.').unwrap().0
    );
    let hs256 = {
        let public = URL_SAFE_NO_PAD
            .decode(part(&token, 0)["jwk"]["x"].as_str().unwrap())
            .unwrap();
        let mut header = jsonwebtoken::Header::new(Algorithm::HS256);
        header.kid = part(&token, 0)["kid"].as_str().map(str::to_owned);
        jsonwebtoken::encode(
            &header,
            &part(&token, 1),
            &jsonwebtoken::EncodingKey::from_secret(&public),
        )
        .unwrap()
    };
    // Signed by someone else's Ed25519 key under the ministry's kid.
    let forged = {
        let key = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
        let kid = part(&token, 0)["kid"].as_str().unwrap().to_owned();
        sala::certificates::jws::sign(part(&token, 1).as_object().unwrap(), &key, &kid)
    };
    let truncated = token[..token.len() - 10].to_owned();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("tampered.jwt", tampered.into_bytes(), "invalid"),
        ("none.jwt", unsigned.into_bytes(), "invalid"),
        ("hs256.jwt", hs256.into_bytes(), "invalid"),
        ("forged.jwt", forged.into_bytes(), "invalid"),
        ("truncated.jwt", truncated.into_bytes(), "invalid"),
        (
            "words.txt",
            b"this is not a certificate".to_vec(),
            "invalid",
        ),
        ("empty.json", b"{}".to_vec(), "invalid"),
        ("broken.json", b"{\"id\":".to_vec(), "invalid"),
        ("binary.jwt", vec![0xff, 0xfe, 0x00, 0x81], "invalid"),
        ("fake.pdf", b"%PDF-1.7\n%%EOF".to_vec(), "invalid"),
    ];
    for (name, bytes, expected) in cases {
        let (status, found) = upload(&app, name, bytes).await;
        assert_eq!(found, expected, "{name}");
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
    }
    // Too large, or no file at all: a clear 4xx page.
    let (status, _) = upload(&app, "big.pdf", vec![b'x'; 3 * 1024 * 1024]).await;
    assert!(status.is_client_error(), "{status}");
    let (status, _) = upload(&app, "nothing.jwt", Vec::new()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Serials: one mistyped character, a swap, an unknown one, nonsense.
    let mut chars: Vec<char> = serial.chars().collect();
    let last = chars.len() - 1;
    chars[last] = if chars[last] == '7' { '8' } else { '7' };
    let mistyped: String = chars.iter().collect();
    let mut swapped: Vec<char> = serial.chars().collect();
    let i = (3..swapped.len() - 1)
        .find(|&i| swapped[i] != swapped[i + 1] && swapped[i] != '-' && swapped[i + 1] != '-')
        .unwrap();
    swapped.swap(i, i + 1);
    let swapped: String = swapped.into_iter().collect();
    for (typed, expected) in [
        (mistyped.as_str(), "unknown"),
        (swapped.as_str(), "unknown"),
        ("KH-0000-0000-0", "unknown"),
        ("not a serial at all", "unknown"),
        ("KH-ÉÉÉÉ-0000-0", "unknown"),
    ] {
        let (status, found) = verdict(&app, &format!("/verify/{typed}")).await;
        assert_eq!(found, expected, "{typed}");
        assert_eq!(status, StatusCode::NOT_FOUND, "{typed}");
    }
    let (_, html) = app.get_html(&format!("/verify/{mistyped}")).await;
    assert!(
        html.contains("mistyped") || html.contains("វាយតួអក្សរខុស"),
        "{html}"
    );
    // Nothing above changed anything.
    assert_eq!(app.rows("certificates").await, 1);
    assert_eq!(
        verdict(&app, &format!("/verify/{serial}")).await.1,
        "genuine"
    );
}

/// `sala verify FILE`: with `--jwks` fully offline (signatures only), else against the
/// instance's database (signatures and revocation). One line; exit status 0 only when
/// genuine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sala_verify_checks_a_file_offline_and_against_the_instance() {
    let app = spawn!(Backend::Sqlite, |s| s.courses_dir = fixtures());
    let serial = complete(&app, "dara@example.org", "Dara Sok").await;
    let token = credential(&app, &serial).await;
    let dir = tempfile::tempdir().unwrap();
    let published = app
        .get("/issuers/test-ministry/jwks.json")
        .await
        .text()
        .await
        .unwrap();
    std::fs::write(dir.path().join("jwks.json"), published).unwrap();
    std::fs::write(dir.path().join("good.jwt"), &token).unwrap();
    let mut payload = part(&token, 1);
    payload["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory".into();
    std::fs::write(dir.path().join("bad.jwt"), with_part(&token, 1, &payload)).unwrap();

    let sala = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_sala"))
            .current_dir(dir.path())
            .env_remove("SALA_DATABASE_URL")
            .env("SALA_LOG", "warn")
            .args(["--data-dir", app.data_dir.to_str().unwrap()])
            .args(["--base-url", &app.browser.address])
            .args(args)
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (ok, out) = sala(&["verify", "good.jwt", "--jwks", "jwks.json"]);
    assert!(ok, "{out}");
    assert!(out.starts_with("SIGNATURE VALID"), "{out}");
    let (ok, out) = sala(&["verify", "bad.jwt", "--jwks", "jwks.json"]);
    assert!(!ok);
    assert!(out.starts_with("NOT GENUINE"), "{out}");
    let (ok, out) = sala(&["verify", "good.jwt"]);
    assert!(ok, "{out}");
    assert!(out.starts_with("GENUINE") && out.contains(&serial), "{out}");
    let (ok, out) = sala(&["verify", "jwks.json"]);
    assert!(!ok);
    assert!(out.starts_with("NOT GENUINE"), "{out}");

    // `sala keys rotate`: a new key is published beside the old one, which still verifies.
    let (ok, out) = sala(&["keys", "rotate", "--org", "test-ministry"]);
    assert!(ok, "{out}");
    assert!(out.contains("key-2"), "{out}");
    let keys = jwks(&app, "test-ministry").await;
    assert_eq!(keys.keys.len(), 2);
    let (ok, out) = sala(&["verify", "good.jwt"]);
    assert!(ok && out.starts_with("GENUINE"), "{out}");
    let (ok, _) = sala(&["keys", "rotate", "--org", "no-such-org"]);
    assert!(!ok);
}

/// Runs openbadgeslib (an independent OB 3.0 verifier, from PyPI) on a credential; the
/// Python that has it installed is named by `SALA_OB3_VERIFIER` (CI sets it up).
fn independent_verifier(token: &str, expected: &str) -> Option<String> {
    let python = std::env::var("SALA_OB3_VERIFIER").ok()?;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credential.jwt");
    std::fs::write(&file, token).unwrap();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/ob3_verify.py");
    let output = std::process::Command::new(python)
        .arg(script)
        .arg(&file)
        .arg(expected)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "openbadgeslib said: {said}");
    Some(said)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_independent_open_badges_verifier_accepts_it_and_sees_revocation() {
    if std::env::var("SALA_OB3_VERIFIER").is_err() {
        eprintln!("NOTE: the openbadgeslib check is skipped: SALA_OB3_VERIFIER is not set");
        return;
    }
    let app = spawn!(Backend::Sqlite, |s| s.courses_dir = fixtures());
    crate::cosigning::ngo_consents(&app).await;
    let serial = complete(&app, "dara@example.org", "Dara Sok").await;
    let token = credential(&app, &serial).await;
    let said = independent_verifier(&token, "genuine").unwrap();
    assert!(said.starts_with("genuine did:web:"), "{said}");

    sign_in_as_staff(&app, sala::accounts::Role::Coordinator).await;
    let response = app
        .submit(
            "/issuers/test-ministry/certificates",
            &format!("/issuers/test-ministry/certificates/{serial}/revoke"),
            &[("reason", "Issued in error")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let said = independent_verifier(&token, "revoked").unwrap();
    assert!(said.starts_with("revoked"), "{said}");
}

both_backends!(the_printed_certificate_is_real_khmer_text_and_its_qr_code_verifies);

/// The text of the one QR code in a picture (what a phone's camera reads).
pub(crate) fn qr_code_in(png: &[u8]) -> String {
    let picture = image::load_from_memory(png).unwrap().to_luma8();
    assert_eq!(picture.width(), 1000);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        picture.width() as usize,
        picture.height() as usize,
        |x, y| picture.get_pixel(x as u32, y as u32).0[0],
    );
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().unwrap().1
}

/// The text of a PDF as poppler's pdftotext extracts it.
pub(crate) fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("certificate.pdf");
    std::fs::write(&file, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    String::from_utf8(output.stdout).unwrap()
}

async fn the_printed_certificate_is_real_khmer_text_and_its_qr_code_verifies(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    let serial = complete(&app, "dara@example.org", "Dara Sok").await;
    let response = app
        .get(&format!("/certificates/{serial}/certificate.pdf"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF"));
    assert!(pdf.len() <= 150 * 1024, "{} bytes", pdf.len());

    // The text reads back exactly: Khmer names and title shaped but still real text.
    let text = pdf_text(&pdf);
    for expected in [
        "សុខ ចាន់ធា",
        "Dara Sok",
        "វគ្គសាកល្បង",
        "A test course",
        "ព្រះរាជាណាចក្រកម្ពុជា",
        "សុខ វិបុល",
        "អគ្គនាយក",
        "ក្រសួងសាកល្បង",
        &serial,
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }

    // The PDF carries the credential: uploaded, it verifies.
    let visitor = app.new_browser();
    assert_eq!(upload(&visitor, "certificate.pdf", pdf).await.1, "genuine");

    // The preview for phones: 1000 pixels wide, at most 60 KB, and its QR code leads to
    // the page that says "genuine".
    let response = app
        .get(&format!("/certificates/{serial}/certificate.png"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let png = response.bytes().await.unwrap().to_vec();
    assert!(png.len() <= 60 * 1024, "{} bytes", png.len());
    let url = qr_code_in(&png);
    assert!(url.ends_with(&format!("/verify/{serial}")), "{url}");
    let path = &url[url.find("/verify/").unwrap()..];
    assert_eq!(verdict(&visitor, path).await.1, "genuine");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_prints_a_cohort_in_one_pdf() {
    let app = spawn!(Backend::Sqlite, |s| s.courses_dir = fixtures());
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
        complete_chapters(&learner).await;
        take(&learner, true).await;
        let (_, html) = learner.get_html("/my").await;
        serials.push(crate::helpers::attribute(
            &html,
            ".certificate",
            "data-serial",
        ));
    }
    sign_in_as_staff(&app, sala::accounts::Role::Coordinator).await;
    let (_, html) = app.get_html("/coordinate/test-ministry").await;
    let link = crate::helpers::href(&html, "#certificates ~ ul a");
    assert_eq!(
        link,
        "/coordinate/test-ministry/certificates.pdf?course=minimal"
    );
    let response = app.get(&link).await;
    assert_eq!(response.status(), StatusCode::OK);
    let pdf = response.bytes().await.unwrap().to_vec();
    let text = pdf_text(&pdf);
    assert_eq!(text.matches('\u{c}').count(), 2, "one page each");
    for serial in &serials {
        assert!(text.contains(serial.as_str()), "{serial}");
    }
    // A learner may not print the cohort; an unknown course is a 404.
    let response = app.new_browser().get(&link).await;
    assert_ne!(response.status(), StatusCode::OK);
    let response = app
        .get("/coordinate/test-ministry/certificates.pdf?course=nope")
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
