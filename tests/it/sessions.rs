//! Sessions end when they should: signing out ends the session even where its cookie was
//! copied, a session left unused past the idle timeout ends, and "sign out of all devices"
//! ends every one.

use reqwest::{Response, StatusCode};

use crate::helpers::{Backend, PASSWORD, location};
use crate::{both_backends, spawn};

both_backends!(
    signing_out_ends_the_session_even_where_its_cookie_was_copied,
    a_session_unused_for_longer_than_the_idle_timeout_ends,
    signing_out_of_all_devices_ends_every_session,
);

/// The `sala=…` pair a response set, as a browser would send it back.
fn session_cookie(response: &Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sala="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

/// Opens `path` with nothing but `cookie`, as someone who copied it would.
async fn with_cookie(address: &str, path: &str, cookie: &str) -> Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{address}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

fn sent_to_sign_in(response: &Response) -> bool {
    response.status() == StatusCode::SEE_OTHER && location(response).starts_with("/sign-in")
}

async fn signing_out_ends_the_session_even_where_its_cookie_was_copied(backend: Backend) {
    let app = spawn!(backend);
    app.register("copied@example.org", "Copied").await;
    app.sign_out().await;
    let signed_in = app.sign_in("copied@example.org", PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let copied = session_cookie(&signed_in);
    let before = with_cookie(&app.address, "/account", &copied).await;
    assert_eq!(
        before.status(),
        StatusCode::OK,
        "the copy works while signed in"
    );

    assert_eq!(app.sign_out().await.status(), StatusCode::SEE_OTHER);
    assert!(sent_to_sign_in(&app.get("/account").await));
    let after = with_cookie(&app.address, "/account", &copied).await;
    assert!(
        sent_to_sign_in(&after),
        "a copy of the cookie still works after signing out: {}",
        after.status()
    );
    assert_eq!(app.rows("sessions").await, 0);
}

async fn a_session_unused_for_longer_than_the_idle_timeout_ends(backend: Backend) {
    let app = spawn!(backend, |raw| raw.session_idle_minutes = 60);
    app.register("reader@example.org", "Reader").await;
    // Someone reading for 50 minutes at a time stays signed in, however long in all.
    for _ in 0..4 {
        assert_eq!(app.get("/account").await.status(), StatusCode::OK);
        app.advance(chrono::Duration::minutes(50));
    }
    assert_eq!(app.get("/account").await.status(), StatusCode::OK);
    // Gone for longer than the idle timeout: signed out.
    app.advance(chrono::Duration::minutes(61));
    assert!(sent_to_sign_in(&app.get("/account").await));
    // Signing in again works.
    assert_eq!(
        app.sign_in("reader@example.org", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.get("/account").await.status(), StatusCode::OK);
}

async fn signing_out_of_all_devices_ends_every_session(backend: Backend) {
    let app = spawn!(backend);
    app.register("lost.phone@example.org", "Lost Phone").await;
    let phone = app.new_browser();
    phone.sign_in("lost.phone@example.org", PASSWORD).await;
    assert_eq!(phone.get("/account").await.status(), StatusCode::OK);
    let (_, page) = app.get_html("/account").await;
    assert!(page.contains("action=\"/account/sign-out-everywhere\""));

    let response = app
        .submit("/account", "/account/sign-out-everywhere", &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/sign-in"));
    assert!(sent_to_sign_in(&phone.get("/account").await));
    assert!(sent_to_sign_in(&app.get("/account").await));
    assert_eq!(app.rows("sessions").await, 0);

    // The owner signs in again as usual.
    app.sign_in("lost.phone@example.org", PASSWORD).await;
    assert_eq!(app.get("/account").await.status(), StatusCode::OK);
    assert!(sent_to_sign_in(&phone.get("/account").await));
}
