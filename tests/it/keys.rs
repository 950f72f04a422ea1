//! The two secrets: the cookie key (sessions, join links) and the key-encryption secret
//! that seals the organisations' signing keys. Replacing the cookie key after a leak signs
//! everyone out but leaves certificates verifying and being signed; keys sealed under the
//! cookie key by an earlier version are sealed again under the key-encryption secret at
//! start; and the key-encryption secret itself can be replaced.

use diesel::prelude::*;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};

use crate::certificates::{complete, verdict};
use crate::final_assessment::fixtures;
use crate::helpers::{Backend, PASSWORD, TestApp, now};
use crate::{both_backends, spawn};

both_backends!(
    replacing_the_cookie_key_ends_sessions_and_certificates_keep_working,
    keys_sealed_under_the_cookie_key_are_sealed_again_at_start,
    replacing_the_key_encryption_secret_seals_every_key_again,
);

/// The fixture courses, and a public address that stays the same across restarts (the
/// port changes): the keys' `did:web` names contain it.
fn stable_address(s: &mut sala::config::RawSettings) {
    s.courses_dir = fixtures();
    s.base_url = Some("http://sala.example/".into());
}

/// No organisation needed a new key: every key is still its first.
async fn only_first_keys(app: &TestApp) -> bool {
    sealed_keys(app).await.iter().all(|k| k.1 == "key-1")
}

fn settings(app: &TestApp) -> sala::config::Settings {
    sala::config::Settings::from_raw(sala::config::RawSettings {
        data_dir: app.data_dir.clone(),
        base_url: Some("http://sala.example/".into()),
        ..Default::default()
    })
    .unwrap()
}

/// The sealed private halves of every signing key, oldest first.
async fn sealed_keys(app: &TestApp) -> Vec<(i64, String, Vec<u8>, Vec<u8>)> {
    app.db
        .read(|conn| {
            use sala::db::schema::signing_keys as k;
            k::table
                .order(k::id)
                .select((
                    k::organisation_id,
                    k::name,
                    k::public_key,
                    k::sealed_private_key,
                ))
                .load(conn)
                .map_err(sala::db::DbError::from)
        })
        .await
        .unwrap()
}

fn opens(sealer: &sala::certificates::Sealer, key: &(i64, String, Vec<u8>, Vec<u8>)) -> bool {
    let binding = sala::certificates::seal_binding(
        sala::organisations::OrganisationId(key.0),
        &key.1,
        &key.2,
    );
    sealer.open(&key.3, &binding).is_ok()
}

fn kek(app: &TestApp) -> sala::certificates::Sealer {
    let secret = sala::secrets::read_kek(&app.data_dir.join("signing.kek")).unwrap();
    sala::certificates::Sealer::from_kek(secret.expose())
}

fn cookie_key_sealer(app: &TestApp) -> sala::certificates::Sealer {
    sala::certificates::Sealer::legacy(&std::fs::read(app.data_dir.join("cookie.key")).unwrap())
}

/// The session cookie a sign-in sets, as a `Cookie` header.
async fn session_cookie(app: &TestApp, email: &str) -> String {
    let browser = app.new_browser();
    let response = browser.sign_in(email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .filter_map(|h| h.split(';').next())
        .find(|c| c.starts_with("sala="))
        .unwrap()
        .to_owned()
}

async fn my_learning_with(app: &TestApp, cookie: &str) -> StatusCode {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.browser.url("/my"))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap()
        .status()
}

/// Issue 27, finding 6: the cookie key also sealed the signing keys, so replacing it after
/// a leak made every signing key unreadable and no certificate could be signed again.
async fn replacing_the_cookie_key_ends_sessions_and_certificates_keep_working(backend: Backend) {
    let mut app = spawn!(backend, stable_address);
    let first = app.new_browser();
    let old = complete(&first, "dara@example.org", "Dara Sok").await;
    let cookie = session_cookie(&app, "dara@example.org").await;
    assert_eq!(my_learning_with(&app, &cookie).await, StatusCode::OK);

    // The operator replaces the cookie key (here: deletes it, and a new one is made).
    std::fs::remove_file(app.data_dir.join("cookie.key")).unwrap();
    app.restart().await;
    assert_eq!(
        my_learning_with(&app, &cookie).await,
        StatusCode::SEE_OTHER,
        "the old session has ended"
    );
    assert_eq!(verdict(&app, &format!("/verify/{old}")).await.1, "genuine");
    let second = app.new_browser();
    let new = complete(&second, "vanna@example.org", "Vanna Chea").await;
    assert_eq!(verdict(&app, &format!("/verify/{new}")).await.1, "genuine");
    // Signed with the same key: no new key was needed.
    assert!(only_first_keys(&app).await);
    // Dara signs in again and still has the certificate.
    assert_eq!(
        my_learning_with(&app, &session_cookie(&app, "dara@example.org").await).await,
        StatusCode::OK
    );
}

async fn keys_sealed_under_the_cookie_key_are_sealed_again_at_start(backend: Backend) {
    let mut app = spawn!(backend, stable_address);
    // The ministry's key as an earlier version stored it: sealed under the cookie key.
    let ministry = app
        .db
        .read(|conn| sala::db::organisations::find_by_slug(conn, "test-ministry"))
        .await
        .unwrap()
        .unwrap()
        .id;
    let key = sala::certificates::keys::generate();
    let public = key.verifying_key().as_bytes().to_vec();
    let sealed = cookie_key_sealer(&app).seal(
        &key,
        &sala::certificates::seal_binding(ministry, "key-1", &public),
    );
    app.db
        .write(move |conn| {
            sala::db::certificates::replace_key(conn, ministry, "key-1", &public, &sealed, now())
        })
        .await
        .unwrap();
    let before = sealed_keys(&app).await;
    assert!(opens(&cookie_key_sealer(&app), &before[0]));
    assert!(!opens(&kek(&app), &before[0]));

    // The upgraded Sala starts: the key is sealed again, under the key-encryption secret.
    app.restart().await;
    let after = sealed_keys(&app).await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].2, before[0].2, "the same key");
    assert!(opens(&kek(&app), &after[0]));
    assert!(!opens(&cookie_key_sealer(&app), &after[0]));
    // Once: a second start changes nothing.
    app.restart().await;
    assert_eq!(sealed_keys(&app).await, after);

    // The same key signs, and the cookie key can now be replaced.
    std::fs::remove_file(app.data_dir.join("cookie.key")).unwrap();
    app.restart().await;
    let learner = app.new_browser();
    let serial = complete(&learner, "dara@example.org", "Dara Sok").await;
    assert_eq!(
        verdict(&app, &format!("/verify/{serial}")).await.1,
        "genuine"
    );
    assert!(only_first_keys(&app).await);
}

async fn replacing_the_key_encryption_secret_seals_every_key_again(backend: Backend) {
    let mut app = spawn!(backend, stable_address);
    let first = app.new_browser();
    let old = complete(&first, "dara@example.org", "Dara Sok").await;
    let old_secret = kek(&app);
    let before = sealed_keys(&app).await;
    assert!(before.iter().all(|k| opens(&old_secret, k)));
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(app.data_dir.join("signing.kek"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "only its owner reads the secret");

    // What `sala keys rotate-kek` does (the instances stopped).
    let settings = settings(&app);
    let authority = sala::startup::certificate_authority(&settings).unwrap();
    let rotated = sala::rekey::rotate(&settings, &app.db, &authority).unwrap();
    assert_eq!(
        rotated.keys,
        before.len(),
        "the issuer's and the co-signer's"
    );
    assert!(!app.data_dir.join("signing.kek.new").exists());
    let after = sealed_keys(&app).await;
    let new_secret = kek(&app);
    assert!(after.iter().all(|k| opens(&new_secret, k)));
    assert!(
        !after.iter().any(|k| opens(&old_secret, k)),
        "the old secret opens nothing"
    );
    let public = |keys: &[(i64, String, Vec<u8>, Vec<u8>)]| -> Vec<Vec<u8>> {
        keys.iter().map(|k| k.2.clone()).collect()
    };
    assert_eq!(public(&after), public(&before), "the same keys");

    app.restart().await;
    assert_eq!(verdict(&app, &format!("/verify/{old}")).await.1, "genuine");
    let second = app.new_browser();
    let new = complete(&second, "vanna@example.org", "Vanna Chea").await;
    assert_eq!(verdict(&app, &format!("/verify/{new}")).await.1, "genuine");
    assert!(only_first_keys(&app).await);

    // A secret that does not open the keys changes nothing.
    std::fs::write(
        app.data_dir.join("signing.kek"),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
    )
    .unwrap();
    let authority = sala::startup::certificate_authority(&settings).unwrap();
    assert!(sala::rekey::rotate(&settings, &app.db, &authority).is_err());
    assert_eq!(sealed_keys(&app).await, after);
    assert!(!app.data_dir.join("signing.kek.new").exists());
}
