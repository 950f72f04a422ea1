//! "I forgot my password", through the outbox, as a learner would do it.

use diesel::RunQueryDsl;
use reqwest::StatusCode;

use crate::helpers::{Backend, PASSWORD, location, texts};
use crate::{both_backends, spawn};

both_backends!(
    a_forgotten_password_is_reset_through_an_emailed_link,
    an_unknown_email_gets_the_same_answer_and_no_mail,
    an_expired_link_is_refused,
    a_too_short_new_password_is_explained,
    mail_goes_through_smtp_when_configured,
);

async fn mail_goes_through_smtp_when_configured(backend: Backend) {
    let sink = crate::helpers::smtp::SmtpSink::start().await;
    let url = sink.url();
    let app = spawn!(backend, move |s| s.smtp_url = Some(url));
    app.register("smtp@example.org", "Mail").await;
    app.sign_out().await;
    app.submit(
        "/password-reset",
        "/password-reset",
        &[("email", "smtp@example.org")],
    )
    .await;
    let received = sink.wait_for(1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, "smtp@example.org");
    assert!(
        received[0].link_path("/password-reset/").is_some(),
        "{}",
        received[0].text
    );
    assert!(
        app.outbox().is_empty(),
        "nothing written to files when SMTP is set"
    );
}

async fn a_forgotten_password_is_reset_through_an_emailed_link(backend: Backend) {
    let app = spawn!(backend);
    // On the office computer the learner is still signed in; the reset happens on the phone.
    let office = app.new_browser();
    office.register("srey@example.org", "Srey").await;
    assert_eq!(office.get("/account").await.status(), StatusCode::OK);

    let response = app
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", "srey@example.org")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(texts(&html, "h1")[0].contains("អ៊ីមែល"));

    let mail = app.mail(1).await;
    assert_eq!(mail.len(), 1, "one message in the outbox");
    assert_eq!(mail[0].to, "srey@example.org");
    assert!(mail[0].subject.contains("ពាក្យសម្ងាត់"), "{}", mail[0].subject);
    assert!(
        mail[0].text.contains("Srey") || mail[0].text.contains("សុខ"),
        "{}",
        mail[0].text
    );
    let link = mail[0].link_path("/password-reset/").expect("a reset link");

    let response = app
        .submit(&link, &link, &[("password", "a brand new passphrase")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/account?password=changed");
    assert_eq!(app.get("/account").await.status(), StatusCode::OK);

    // The session on the office computer ended with the old password.
    assert_eq!(office.get("/account").await.status(), StatusCode::SEE_OTHER);

    // The link works once.
    let (status, html) = app.get_html(&link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("/password-reset"));

    app.sign_out().await;
    assert_eq!(
        app.sign_in("srey@example.org", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("srey@example.org", "a brand new passphrase")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

async fn an_unknown_email_gets_the_same_answer_and_no_mail(backend: Backend) {
    let app = spawn!(backend);
    let response = app
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", "nobody@example.org")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(texts(&html, "h1")[0].contains("អ៊ីមែល"));

    // The same page for an address that has an account; only that one gets mail.
    let known = app.new_browser();
    known.register("known@example.org", "Known").await;
    let response = known
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", "known@example.org")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        texts(&response.text().await.unwrap(), "main"),
        texts(&html, "main")
    );
    let mail = app.mail(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.outbox().len(), 1);
    assert_eq!(mail[0].to, "known@example.org");

    let response = app
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", "not an address")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn an_expired_link_is_refused(backend: Backend) {
    let app = spawn!(backend);
    app.register("expired@example.org", "Late").await;
    app.sign_out().await;
    app.submit(
        "/password-reset",
        "/password-reset",
        &[("email", "expired@example.org")],
    )
    .await;
    let link = app.mail(1).await[0].link_path("/password-reset/").unwrap();
    // Two hours pass.
    app.db
        .write(|conn| {
            diesel::sql_query("UPDATE one_time_tokens SET expires_at = created_at")
                .execute(conn)
                .map_err(sala::db::DbError::from)
        })
        .await
        .unwrap();
    let (status, html) = app.get_html(&link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("ផុតកំណត់"));
    let response = app
        .submit(
            "/password-reset",
            &link,
            &[("password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert_eq!(
        app.sign_in("expired@example.org", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn a_too_short_new_password_is_explained(backend: Backend) {
    let app = spawn!(backend);
    app.register("short@example.org", "Short").await;
    app.sign_out().await;
    app.submit(
        "/password-reset",
        "/password-reset",
        &[("email", "short@example.org")],
    )
    .await;
    let link = app.mail(1).await[0].link_path("/password-reset/").unwrap();
    let response = app.submit(&link, &link, &[("password", "1234")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(!texts(&html, "#password-error").is_empty());
    // The link still works for a good password.
    let response = app
        .submit(&link, &link, &[("password", "long enough now")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}
