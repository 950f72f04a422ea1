//! An invitation is claimed by its link, or by an address the person proved is theirs (a
//! link sent there), never by typing someone's address into the registration form.

use reqwest::StatusCode;

use crate::cohorts::{ROSTER, coordinator_with_office, create_cohort, invitations, send_roster};
use crate::final_assessment::fixtures;
use crate::helpers::{Backend, PASSWORD, TestApp};
use crate::{both_backends, spawn};

both_backends!(registering_with_an_invited_address_claims_nothing);

/// The account Sok's invitation was taken up by, if any.
async fn claimed_by(app: &TestApp) -> Option<i64> {
    invitations(app)
        .await
        .into_iter()
        .find(|i| i.email == "sok@example.org")
        .expect("Sok's invitation")
        .user_id
}

/// Typing someone's address into the registration form does not take their invitation:
/// only the invitation's link, or an address proven by a link sent to it, does.
async fn registering_with_an_invited_address_claims_nothing(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    let office = coordinator_with_office(&app).await;
    let cohort = create_cohort(&app, &office, 30).await;
    send_roster(&app, &cohort, ROSTER, true).await;
    app.mail(3).await;

    // Someone registers with Sok's address, and signs in again later: nothing is claimed.
    let squatter = app.new_browser();
    squatter.register("sok@example.org", "Not Sok").await;
    assert_eq!(
        claimed_by(&app).await,
        None,
        "registration took the invitation"
    );
    squatter.sign_out().await;
    squatter.sign_in("sok@example.org", PASSWORD).await;
    assert_eq!(
        claimed_by(&app).await,
        None,
        "signing in took the invitation"
    );

    // Sok proves the address with a password link sent to it: the invitation is Sok's, and
    // the squatter's password no longer works.
    let sok = app.new_browser();
    let response = sok
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", "sok@example.org")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mail = app.mail(4).await;
    let link = mail
        .iter()
        .filter(|m| m.to == "sok@example.org")
        .find_map(|m| m.link_path("/password-reset/"))
        .expect("a reset link");
    let response = sok
        .submit(&link, &link, &[("password", "sok's own long password")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(claimed_by(&app).await.is_some());
    assert_eq!(
        app.new_browser()
            .sign_in("sok@example.org", PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}
