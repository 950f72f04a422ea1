//! An invitation is claimed by its link, or by an address the person proved is theirs (a
//! link sent there), never by typing someone's address into the registration form.

use reqwest::StatusCode;

use crate::cohorts::{ROSTER, coordinator_with_office, create_cohort, invitations, send_roster};
use crate::final_assessment::fixtures;
use crate::helpers::{Backend, PASSWORD, TestApp, location};
use crate::{both_backends, spawn};

both_backends!(
    registering_with_an_invited_address_claims_nothing,
    the_registration_link_proves_an_invited_address,
);

/// The account the invitation to `email` was taken up by, if any.
async fn claimed_by(app: &TestApp, email: &str) -> Option<sala::accounts::UserId> {
    invitations(app)
        .await
        .into_iter()
        .find(|i| i.email == email)
        .expect("the invitation")
        .user_id
}

/// A cohort with Sok, Pov and Vanna invited (three emails in the outbox).
async fn three_invited(app: &TestApp) {
    let office = coordinator_with_office(app).await;
    let cohort = create_cohort(app, &office, 30).await;
    send_roster(app, &cohort, ROSTER, true).await;
    app.mail(3).await;
}

/// Someone types Sok's address into the registration form: nothing is claimed, nobody is
/// signed in, and the account it leaves has no password anyone knows. Sok's own join link
/// still makes Sok's account, with the names the coordinator gave.
async fn registering_with_an_invited_address_claims_nothing(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    three_invited(&app).await;

    let squatter = app.new_browser();
    let response = squatter
        .register_request("sok@example.org", "Not Sok")
        .await;
    assert_eq!(location(&response), "/register/sent");
    assert_eq!(claimed_by(&app, "sok@example.org").await, None);
    assert_eq!(
        squatter.get("/account").await.status(),
        StatusCode::SEE_OTHER,
        "registering signs nobody in"
    );
    for password in [PASSWORD, ""] {
        assert_eq!(
            squatter.sign_in("sok@example.org", password).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(claimed_by(&app, "sok@example.org").await, None);

    // Sok follows the invitation's link: it asks for a password, not to sign in.
    let mail = app.mail(3).await;
    let join = mail
        .iter()
        .find(|m| m.to == "sok@example.org")
        .and_then(|m| m.link_path("/join/"))
        .expect("Sok's join link");
    let sok = app.new_browser();
    let (status, _) = sok.get_html(&join).await;
    assert_eq!(status, StatusCode::OK);
    let response = sok
        .submit(&join, &join, &[("password", "sok's own long password")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/courses/"));
    assert!(claimed_by(&app, "sok@example.org").await.is_some());
    let (_, account) = sok.get_html("/account").await;
    assert!(account.contains("Sok Chantha"), "{account}");
    assert!(!account.contains("Not Sok"), "{account}");

    // The squatter's registration email, had they seen it, is worth nothing now.
    let leftover = app.registration_link("sok@example.org", 0).await;
    let (status, _) = app.new_browser().get_html(&leftover).await;
    assert_eq!(status, StatusCode::GONE);
}

/// Pov registers before opening the invitation: the link in the registration email proves
/// the address, so choosing the password there takes Pov's invitation up too.
async fn the_registration_link_proves_an_invited_address(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    three_invited(&app).await;
    let pov = app.new_browser();
    let response = pov.register("pov@example.org", "Srey Pov").await;
    assert_eq!(location(&response), "/account?welcome=1");
    assert!(claimed_by(&app, "pov@example.org").await.is_some());
    assert_eq!(claimed_by(&app, "sok@example.org").await, None);
}
