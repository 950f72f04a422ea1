//! Khmer first, English on request, remembered in a cookie and in the profile.

use reqwest::StatusCode;

use crate::helpers::{Backend, PASSWORD, location, texts};
use crate::{both_backends, spawn};

both_backends!(
    khmer_is_the_default_and_the_browser_language_is_respected,
    the_switch_link_changes_language_and_comes_back,
    the_profile_remembers_the_language_on_a_new_device,
    dates_are_written_in_the_page_language,
    only_a_posted_form_changes_the_stored_language,
);

async fn khmer_is_the_default_and_the_browser_language_is_respected(backend: Backend) {
    let app = spawn!(backend);
    let (_, html) = app.get_html("/").await;
    assert!(html.contains(r#"<html lang="km">"#));
    assert_eq!(texts(&html, ".brand"), ["សាលា"]);

    let html = app
        .client
        .get(app.url("/sign-in"))
        .header("Accept-Language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<html lang="en">"#));
    assert_eq!(texts(&html, "h1"), ["Sign in"]);
}

async fn the_switch_link_changes_language_and_comes_back(backend: Backend) {
    let app = spawn!(backend);
    let (_, html) = app.get_html("/sign-in").await;
    let links = texts(&html, ".langs a");
    assert_eq!(links, ["English"], "the other language is a plain link");
    assert!(
        html.contains(r#"href="&#x2F;lang&#x2F;en?next=%2Fsign-in""#),
        "{html}"
    );

    let response = app.get("/lang/en?next=%2Fsign-in").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/sign-in");
    let (_, html) = app.get_html("/sign-in").await;
    assert_eq!(texts(&html, "h1"), ["Sign in"]);
    assert_eq!(texts(&html, ".langs a"), ["ខ្មែរ"]);

    app.get("/lang/km?next=/").await;
    let (_, html) = app.get_html("/sign-in").await;
    assert_eq!(texts(&html, "h1"), ["ចូលគណនី"]);

    // Unknown languages and foreign redirects are refused.
    assert_eq!(app.get("/lang/fr").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        location(&app.get("/lang/en?next=https://evil.example").await),
        "/"
    );
}

async fn the_profile_remembers_the_language_on_a_new_device(backend: Backend) {
    let app = spawn!(backend);
    app.register("lang@example.org", "Lang").await;
    // Signed in, the switch is a form with a button, posted with the CSRF token.
    let (_, html) = app.get_html("/account").await;
    assert_eq!(texts(&html, ".langs form button"), ["English"]);
    let response = app
        .submit("/account", "/lang/en", &[("next", "/account")])
        .await;
    assert_eq!(location(&response), "/account");

    let phone = app.new_browser();
    phone.sign_in("lang@example.org", PASSWORD).await;
    let (_, html) = phone.get_html("/account").await;
    assert_eq!(texts(&html, "h1"), ["My account"]);
}

async fn dates_are_written_in_the_page_language(backend: Backend) {
    let app = spawn!(backend);
    app.register("date@example.org", "Date").await;
    let (_, html) = app.get_html("/account").await;
    let line = texts(&html, "main p").join(" ");
    let year_km: String = sala::i18n::khmer_digits(&chrono::Utc::now().format("%Y").to_string());
    assert!(line.contains(&year_km), "Khmer digits in {line}");
    app.get("/lang/en?next=/").await;
    let (_, html) = app.get_html("/account").await;
    let line = texts(&html, "main p").join(" ");
    assert!(
        line.contains(&chrono::Utc::now().format("%Y").to_string()),
        "{line}"
    );
}

/// `GET /lang/…` sets the reader's cookie and nothing else: a link or an image on another
/// site cannot change a signed-in person's profile. Only the form, posted with the CSRF
/// token, does.
async fn only_a_posted_form_changes_the_stored_language(backend: Backend) {
    let app = spawn!(backend);
    app.register("stored.lang@example.org", "Stored").await;
    let stored = || async {
        let db = app.db.clone();
        db.read(|conn| {
            let email = sala::accounts::Email::parse("stored.lang@example.org").unwrap();
            sala::db::users::find_by_email(conn, &email)
        })
        .await
        .unwrap()
        .unwrap()
        .0
        .lang
        .map(sala::i18n::Lang::code)
    };
    assert_eq!(stored().await, Some("km"));

    // A link (here followed by this browser, as a cross-site image would be) changes the
    // page's language for this browser, not the profile.
    let response = app.get("/lang/en?next=/").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored().await, Some("km"), "a GET wrote the profile");

    // A post without the token is refused and changes nothing.
    let forged = app.post_raw("/lang/en", &[("next", "/")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored().await, Some("km"));

    // The form does.
    let response = app.submit("/account", "/lang/en", &[("next", "/my")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/my");
    assert_eq!(stored().await, Some("en"));
    let (_, html) = app.get_html("/account").await;
    assert_eq!(texts(&html, "h1"), ["My account"]);
}
