//! Khmer first, English on request, remembered in a cookie and in the profile.

use reqwest::StatusCode;

use crate::helpers::{Backend, PASSWORD, location, texts};
use crate::{both_backends, spawn};

both_backends!(
    khmer_is_the_default_and_the_browser_language_is_respected,
    the_switch_link_changes_language_and_comes_back,
    the_profile_remembers_the_language_on_a_new_device,
    dates_are_written_in_the_page_language,
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
    app.get("/lang/en?next=/").await;

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
