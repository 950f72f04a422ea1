//! Behind a trusted proxy, the client's address is the one the proxy appended, not one the
//! client wrote; and someone guessing a person's password from one address cannot keep that
//! person out.

use reqwest::{Response, StatusCode};

use crate::helpers::{Backend, Browser, PASSWORD, csrf_token};
use crate::{both_backends, spawn};

both_backends!(
    the_address_is_the_one_the_proxy_appended,
    a_guesser_cannot_keep_the_owner_out,
);

/// Signs in as a browser behind the proxy would: `headers` as the proxy passed them on.
async fn sign_in_via(
    browser: &Browser,
    email: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> Response {
    let (_, html) = browser.get_html("/sign-in").await;
    let token = csrf_token(&html).unwrap();
    let mut request = browser.client.post(browser.url("/sign-in")).form(&[
        ("csrf", token.as_str()),
        ("email", email),
        ("password", password),
        ("next", "/"),
    ]);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

async fn throttle_keys(app: &crate::helpers::TestApp) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Key {
        #[diesel(sql_type = diesel::sql_types::Text)]
        key: String,
    }
    app.db
        .read(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT key FROM sign_in_throttle")
                .load::<Key>(conn)
                .map_err(sala::db::DbError::from)
        })
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.key)
        .collect()
}

async fn the_address_is_the_one_the_proxy_appended(backend: Backend) {
    let app = spawn!(backend, |raw| raw.trust_proxy = true);
    let response = sign_in_via(
        &app,
        "nobody@example.org",
        "guess guess guess",
        &[
            ("x-forwarded-for", "6.6.6.6, 203.0.113.5"),
            ("forwarded", "for=7.7.7.7"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let keys = throttle_keys(&app).await;
    assert!(keys.contains(&"address:203.0.113.5".to_owned()), "{keys:?}");
    assert!(
        keys.iter()
            .all(|k| !k.contains("6.6.6.6") && !k.contains("7.7.7.7")),
        "the client chose its own address: {keys:?}"
    );
}

async fn a_guesser_cannot_keep_the_owner_out(backend: Backend) {
    let app = spawn!(backend, |raw| raw.trust_proxy = true);
    app.register("owner@example.org", "Owner").await;
    app.sign_out().await;

    // Someone elsewhere guesses, writing a new address of their own each time.
    let guesser = app.new_browser();
    for attempt in 0..7 {
        let spoofed = format!("10.9.8.{attempt}, 203.0.113.5");
        let response = sign_in_via(
            &guesser,
            "owner@example.org",
            "guess guess guess",
            &[("x-forwarded-for", &spoofed)],
        )
        .await;
        let expected = if attempt < 5 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(response.status(), expected, "attempt {attempt}");
    }
    // From that address, even the right password is refused for now.
    let response = sign_in_via(
        &guesser,
        "owner@example.org",
        PASSWORD,
        &[("x-forwarded-for", "203.0.113.5")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);

    // The owner, at their own office, gets in.
    let response = sign_in_via(
        &app,
        "owner@example.org",
        PASSWORD,
        &[("x-forwarded-for", "192.0.2.7")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get("/account").await.status(), StatusCode::OK);
}
