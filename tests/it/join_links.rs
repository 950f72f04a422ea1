//! Join links: they expire some time after the cohort's due date, and make one account only:
//! whoever opens a forwarded link after the invitee cannot choose the password.

use chrono::Duration;
use reqwest::StatusCode;

use crate::cohorts::{ROSTER, coordinator_with_office, create_cohort, send_roster};
use crate::final_assessment::fixtures;
use crate::helpers::{Backend, PASSWORD, location};
use crate::{both_backends, spawn};

both_backends!(a_join_link_expires_and_makes_one_account);

async fn a_join_link_expires_and_makes_one_account(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    let office = coordinator_with_office(&app).await;
    let cohort = create_cohort(&app, &office, 30).await;
    send_roster(&app, &cohort, ROSTER, true).await;
    let mail = app.mail(3).await;
    let link_to = |to: &str| {
        mail.iter()
            .find(|m| m.to == to)
            .and_then(|m| m.link_path("/join/"))
            .expect("a join link")
    };
    let users_before = app.rows("users").await;

    // Sok makes the account through the link.
    let sok = app.new_browser();
    let link = link_to("sok@example.org");
    let response = sok.submit(&link, &link, &[("password", PASSWORD)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.rows("users").await, users_before + 1);

    // Someone the email was forwarded to opens it later: no form, no second account, and
    // the password stays Sok's.
    let other = app.new_browser();
    let response = other.get(&link).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/sign-in"));
    let (_, html) = other.get_html("/sign-in").await;
    let csrf = crate::helpers::csrf_token(&html).unwrap();
    let response = other
        .post_raw(
            &link,
            &[("csrf", &csrf), ("password", "another password here")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/sign-in"));
    assert_eq!(app.rows("users").await, users_before + 1);
    assert_eq!(
        other
            .sign_in("sok@example.org", "another password here")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // Long after the cohort's due date, Vanna's link no longer works, and makes nothing.
    let vanna_link = link_to("vanna@example.org");
    let vanna = app.new_browser();
    let (status, _) = vanna.get_html(&vanna_link).await;
    assert_eq!(status, StatusCode::OK, "the link works before it expires");
    app.advance(Duration::days(30 + 31));
    let (status, html) = vanna.get_html(&vanna_link).await;
    assert_eq!(status, StatusCode::GONE, "{html}");
    let (_, html) = vanna.get_html("/sign-in").await;
    let csrf = crate::helpers::csrf_token(&html).unwrap();
    let response = vanna
        .post_raw(&vanna_link, &[("csrf", &csrf), ("password", PASSWORD)])
        .await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert_eq!(app.rows("users").await, users_before + 1);
}
