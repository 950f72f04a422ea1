//! The security baseline a user never sees but always relies on.

use reqwest::StatusCode;

use crate::helpers::{Backend, texts};
use crate::{both_backends, spawn};

both_backends!(
    forms_without_the_csrf_token_are_refused_and_change_nothing,
    every_response_carries_the_security_headers,
    errors_are_pages_in_the_visitors_language,
    oversized_bodies_are_refused,
    user_input_is_escaped,
    health_and_readiness,
    session_cookies_are_http_only_and_same_site,
    every_form_route_refuses_a_post_without_the_token,
    a_hostile_accept_language_header_is_harmless,
);

async fn every_form_route_refuses_a_post_without_the_token(backend: Backend) {
    let app = spawn!(backend);
    app.signed_in_admin("admin@example.org").await;
    let routes = [
        "/register",
        "/sign-in",
        "/sign-out",
        "/password-reset",
        "/password-reset/some-token",
        "/account",
        "/account/sign-out-everywhere",
        "/lang/en",
        "/admin/organisations",
        "/admin/users/1/roles",
        "/admin/users/1/roles/1/remove",
        "/admin/users/1/admin",
    ];
    for route in routes {
        let response = app
            .post_raw(route, &[("email", "x@example.org"), ("is_admin", "false")])
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{route}");
    }
    // The admin is still an admin and still signed in.
    assert_eq!(app.get("/admin/users").await.status(), StatusCode::OK);
}

async fn a_hostile_accept_language_header_is_harmless(backend: Backend) {
    let app = spawn!(backend);
    let hostile = "a;q=0.1,a;q=0.2,a;q=0.3,a;q=0.4,a;q=NaN,".repeat(5);
    for _ in 0..3 {
        let response = app
            .client
            .get(app.url("/"))
            .header("Accept-Language", &hostile)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}

async fn forms_without_the_csrf_token_are_refused_and_change_nothing(backend: Backend) {
    let app = spawn!(backend);
    app.register("csrf@example.org", "Csrf").await;
    // A page on another site posts the profile form without the token…
    let response = app
        .post_raw(
            "/account",
            &[("name_km", "ចោរ"), ("name_latin", "Thief"), ("lang", "en")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // …or with a guessed one.
    let response = app
        .post_raw(
            "/account",
            &[
                ("csrf", "guess"),
                ("name_km", "ចោរ"),
                ("name_latin", "Thief"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let html = response.text().await.unwrap();
    assert!(html.contains("ផុតកំណត់"), "{html}");
    let (_, html) = app.get_html("/account").await;
    assert!(html.contains("Csrf") && !html.contains("Thief"));
    // Sign-out is a state change too.
    assert_eq!(
        app.post_raw("/sign-out", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get("/account").await.status(), StatusCode::OK);
    // A token from another session does not work either.
    let other = app.new_browser();
    let (_, html) = other.get_html("/sign-in").await;
    let foreign = crate::helpers::csrf_token(&html).unwrap();
    let response = app.post_raw("/sign-out", &[("csrf", &foreign)]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

async fn every_response_carries_the_security_headers(backend: Backend) {
    let app = spawn!(backend);
    for path in ["/", "/sign-in", "/no-such-page", "/healthz"] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(headers.get("referrer-policy").unwrap(), "same-origin");
    }
}

async fn errors_are_pages_in_the_visitors_language(backend: Backend) {
    let app = spawn!(backend);
    let (status, html) = app.get_html("/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(texts(&html, "h1"), ["រកមិនឃើញទំព័រ"]);
    app.get("/lang/en?next=/").await;
    let (status, html) = app.get_html("/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(texts(&html, "h1"), ["Page not found"]);
    // A malformed form is a 400 page, not a crash.
    let response = app
        .client
        .post(app.url("/sign-in"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("<h1>"));
}

async fn oversized_bodies_are_refused(backend: Backend) {
    let app = spawn!(backend);
    let (_, html) = app.get_html("/register").await;
    let token = crate::helpers::csrf_token(&html).unwrap();
    // A valid registration, padded past the 16 KB limit with a field nobody reads.
    let padding = "x".repeat(20_000);
    let form = [
        ("csrf", token.as_str()),
        ("name_km", "សុខ"),
        ("name_latin", "Sok"),
        ("email", "big@example.org"),
        ("password", crate::helpers::PASSWORD),
        ("padding", padding.as_str()),
    ];
    // The server may answer before the body has arrived and close the connection; on a busy
    // machine the client then sees a reset instead of the answer. Try again in that case.
    let mut response = None;
    for _ in 0..5 {
        if let Ok(answer) = app
            .client
            .post(app.url("/register"))
            .form(&form)
            .send()
            .await
        {
            response = Some(answer);
            break;
        }
    }
    let response = response.expect("an answer within five tries");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(response.text().await.unwrap().contains("<h1>"));
    let db = app.db.clone();
    let email = sala::accounts::Email::parse("big@example.org").unwrap();
    let stored = db
        .read(move |conn| sala::db::users::find_by_email(conn, &email))
        .await
        .unwrap();
    assert!(stored.is_none());
}

async fn user_input_is_escaped(backend: Backend) {
    let app = spawn!(backend);
    let response = app
        .register("xss@example.org", "<script>alert(1)</script> Bob")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html("/account").await;
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;"));
}

async fn health_and_readiness(backend: Backend) {
    let app = spawn!(backend);
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ready");
}

async fn session_cookies_are_http_only_and_same_site(backend: Backend) {
    let app = spawn!(backend);
    let response = app.register("cookie@example.org", "Cookie").await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sala="))
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    // Encrypted: the user id is not readable in it.
    assert!(!cookie.contains("uid"));
    // Anonymous reading of a page without forms sets no cookie at all.
    let reader = app.new_browser();
    let response = reader.get("/").await;
    assert!(response.headers().get("set-cookie").is_none());
}
