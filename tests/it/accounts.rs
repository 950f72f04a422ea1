//! Registering, signing in and out, and what happens to bad input.

use reqwest::StatusCode;
use sala::accounts::Email;

use crate::helpers::{Backend, PASSWORD, TestApp, location, texts};
use crate::{both_backends, spawn};

both_backends!(
    a_new_learner_registers_and_lands_signed_in,
    signing_out_and_in_again,
    wrong_password_and_unknown_email_look_the_same,
    sign_in_is_throttled_per_account,
    bad_registration_input_is_explained_and_nothing_is_created,
    registering_answers_the_same_for_a_known_address,
    registration_can_be_closed,
    the_sign_in_page_returns_to_where_you_were,
    bad_profile_input_is_explained_and_changes_nothing,
);

async fn bad_profile_input_is_explained_and_changes_nothing(backend: Backend) {
    let app = spawn!(backend);
    app.register("profile@example.org", "Profile").await;
    let cases = [
        ("name_latin", "ឈ្មោះ"),
        ("name_km", ""),
        ("lang", "fr"),
        ("organisation", "777"),
        ("province", "0"),
        ("position", &"x".repeat(500)),
    ];
    for (field, value) in cases {
        let mut fields = vec![
            ("name_km", "សុខ ចាន់ធា"),
            ("name_latin", "Changed Name"),
            ("position", ""),
            ("province", "10"),
            ("organisation", ""),
            ("lang", "km"),
        ];
        fields.retain(|(n, _)| *n != field);
        fields.push((field, value));
        let response = app.submit("/account", "/account", &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
        let html = response.text().await.unwrap();
        assert!(
            html.contains("field invalid") || html.contains("class=\"error\""),
            "{field}: {html}"
        );
    }
    assert_eq!(
        stored_user(&app, "profile@example.org")
            .await
            .unwrap()
            .name_latin,
        "Profile"
    );
}

async fn stored_user(app: &TestApp, email: &str) -> Option<sala::accounts::User> {
    let db = app.db.clone();
    let email = Email::parse(email).unwrap();
    db.read(move |conn| sala::db::users::find_by_email(conn, &email))
        .await
        .unwrap()
        .map(|(user, _)| user)
}

async fn a_new_learner_registers_and_lands_signed_in(backend: Backend) {
    let app = spawn!(backend);
    let response = app.register("Sokha@Example.org", "Sok Chantha").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/account?welcome=1");

    let (status, html) = app.get_html("/account?welcome=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(texts(&html, ".notice")[0].contains("សូមស្វាគមន៍"), "{html}");
    assert!(html.contains("sokha@example.org"));

    let user = stored_user(&app, "sokha@example.org")
        .await
        .expect("stored");
    assert_eq!(user.name_km, "សុខ ចាន់ធា");
    assert_eq!(user.name_latin, "Sok Chantha");
    assert_eq!(user.province_id.map(|p| p.0), Some(10));
    assert!(!user.is_admin);
    assert!(user.has_password);
}

async fn signing_out_and_in_again(backend: Backend) {
    let app = spawn!(backend);
    app.register("dara@example.org", "Dara").await;
    let response = app.sign_out().await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = app.get("/account").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/sign-in?next=%2Faccount");

    let response = app.sign_in("DARA@example.org", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (status, html) = app.get_html("/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("dara@example.org"));
}

async fn wrong_password_and_unknown_email_look_the_same(backend: Backend) {
    let app = spawn!(backend);
    app.register("vanna@example.org", "Vanna").await;
    app.sign_out().await;

    let wrong = app.sign_in("vanna@example.org", "not the password").await;
    let wrong_status = wrong.status();
    let wrong_text = texts(&wrong.text().await.unwrap(), ".problem");
    let unknown = app.sign_in("nobody@example.org", "not the password").await;
    let unknown_status = unknown.status();
    let unknown_text = texts(&unknown.text().await.unwrap(), ".problem");

    assert_eq!(wrong_status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_status, unknown_status);
    assert_eq!(wrong_text, unknown_text);
    assert!(app.get("/account").await.status() == StatusCode::SEE_OTHER);
}

async fn sign_in_is_throttled_per_account(backend: Backend) {
    let app = spawn!(backend);
    app.register("chea@example.org", "Chea").await;
    app.sign_out().await;
    for _ in 0..5 {
        let response = app.sign_in("chea@example.org", "guess guess guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Now even the right password is refused until the window ends, with a clear message.
    let response = app.sign_in("chea@example.org", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = response.text().await.unwrap();
    assert!(texts(&html, ".problem")[0].contains("នាទី"), "{html}");
    assert_eq!(app.get("/account").await.status(), StatusCode::SEE_OTHER);

    // An unknown address is throttled in exactly the same way.
    for _ in 0..5 {
        app.sign_in("ghost@example.org", "guess guess guess").await;
    }
    let response = app.sign_in("ghost@example.org", "guess guess guess").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn bad_registration_input_is_explained_and_nothing_is_created(backend: Backend) {
    let app = spawn!(backend);
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("email", "not-an-email")], "email"),
        (&[("name_km", "Sok")], "name_km"),
        (&[("name_latin", "សុខ")], "name_latin"),
        (&[("name_latin", "")], "name_latin"),
        (&[("province", "99")], "province"),
        (&[("province", "Kratie")], "province"),
        (&[("organisation", "12345")], "organisation"),
    ];
    for (change, field) in cases {
        let mut fields = vec![
            ("name_km", "សុខ ចាន់ធា"),
            ("name_latin", "Sok Chantha"),
            ("email", "bad@example.org"),
            ("position", ""),
            ("province", ""),
            ("organisation", ""),
        ];
        for (name, value) in change.iter() {
            fields.retain(|(n, _)| n != name);
            fields.push((name, value));
        }
        let response = app.submit("/register", "/register", &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{change:?}"
        );
        let html = response.text().await.unwrap();
        let error = texts(
            &html,
            &format!("#{field}-error, .invalid #{field} ~ .error"),
        );
        assert!(!error.is_empty(), "no message for {field} in {html}");
        // What was typed is kept (but never the password).
        assert!(!html.contains(PASSWORD));
    }
    assert!(stored_user(&app, "bad@example.org").await.is_none());
}

/// Registering answers the same whether or not the address has an account; the email
/// tells its owner which, and nothing about the account changes.
async fn registering_answers_the_same_for_a_known_address(backend: Backend) {
    let app = spawn!(backend);
    app.register("same@example.org", "First").await;
    app.sign_out().await;

    let stranger = app.new_browser();
    let known = stranger
        .register_request("SAME@example.org", "Second")
        .await;
    let new = stranger.register_request("new@example.org", "New").await;
    assert_eq!(known.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&known), location(&new));
    assert_eq!(location(&known), "/register/sent");
    let (status, sent) = stranger.get_html("/register/sent").await;
    assert_eq!(status, StatusCode::OK);
    assert!(texts(&sent, "h1")[0].contains("អ៊ីមែល"), "{sent}");
    assert_eq!(
        stranger.get("/account").await.status(),
        StatusCode::SEE_OTHER,
        "registering signs nobody in"
    );

    // The owner is told, and can still sign in with their own password.
    let mail = app.all_mail(3).await;
    let to_owner: Vec<_> = mail.iter().filter(|m| m.to == "same@example.org").collect();
    assert_eq!(to_owner.len(), 2, "{mail:?}");
    let notice = to_owner[1];
    assert_eq!(
        notice.subject,
        sala::i18n::translate(sala::i18n::Lang::Km, "email-known-subject")
    );
    assert!(notice.link_path("/sign-in").is_some(), "{}", notice.text);
    assert!(
        notice.link_path("/password-reset/").is_some(),
        "{}",
        notice.text
    );
    let user = stored_user(&app, "same@example.org").await.unwrap();
    assert_eq!(user.name_latin, "First");
    assert_eq!(
        app.new_browser()
            .sign_in("same@example.org", PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    // The new address has an account nobody can use until its link is followed.
    let pending = stored_user(&app, "new@example.org").await.unwrap();
    assert!(!pending.has_password && !pending.email_verified);
    assert_eq!(
        stranger.sign_in("new@example.org", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let invite = mail.iter().find(|m| m.to == "new@example.org").unwrap();
    assert_eq!(
        invite.subject,
        sala::i18n::translate(sala::i18n::Lang::Km, "email-register-subject")
    );

    // Asking again and again sends at most three letters an hour to one address.
    for _ in 0..4 {
        let again = stranger.register_request("same@example.org", "Third").await;
        assert_eq!(location(&again), "/register/sent");
    }
    app.all_mail(5).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let to_owner = app
        .all_outbox()
        .into_iter()
        .filter(|m| m.to == "same@example.org")
        .count();
    assert_eq!(
        to_owner, 4,
        "the first registration's letter and three notices"
    );
}

async fn registration_can_be_closed(backend: Backend) {
    let app = spawn!(backend, |s| s.registration = false);
    let (status, html) = app.get_html("/register").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("អញ្ជើញ"), "{html}");
    let (_, home) = app.get_html("/").await;
    assert!(!home.contains("href=\"/register\""));
}

async fn the_sign_in_page_returns_to_where_you_were(backend: Backend) {
    let app = spawn!(backend);
    app.register("kosal@example.org", "Kosal").await;
    app.sign_out().await;
    let response = app
        .submit(
            "/sign-in?next=/account",
            "/sign-in",
            &[
                ("email", "kosal@example.org"),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/account");
    app.sign_out().await;
    // A link to another site is never followed.
    let response = app
        .submit(
            "/sign-in",
            "/sign-in",
            &[
                ("email", "kosal@example.org"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/");
}
