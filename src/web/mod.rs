//! HTTP only. The route table below is the map of the site: read it top to bottom.
//! Handlers are thin: extract → authorise (by extractor) → call the domain → render.

pub mod account;
pub mod address;
pub mod admin;
pub mod assets;
pub mod auth;
pub mod certificates;
pub mod cohorts;
pub mod error;
pub mod extract;
pub mod final_assessment;
pub mod forms;
pub mod health;
pub mod home;
pub mod issuers;
pub mod lang;
pub mod learner;
pub mod media;
pub mod middleware;
pub mod preview;
pub mod publisher;
pub mod render;
pub mod reports;
pub mod signing;
pub mod state;
pub mod studio;
pub mod workspaces;

use actix_web::web::{ServiceConfig, get, post, resource, scope};

use error::WebError;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg
        // Everyone
        .route("/", get().to(home::show))
        .service(
            resource("/lang/{code}")
                .get(lang::switch)
                .post(lang::switch_and_save),
        )
        .route("/assets/{name}", get().to(assets::serve))
        .route("/sw.js", get().to(assets::service_worker))
        .route("/media/{file}", get().to(media::serve))
        .route("/healthz", get().to(health::live))
        .route("/readyz", get().to(health::ready))
        // Learners (anyone may read; signed in, progress is kept)
        .route("/courses", get().to(learner::catalogue))
        .route("/courses/{slug}", get().to(learner::course))
        .route(
            "/courses/{slug}/final",
            get().to(final_assessment::overview),
        )
        .route(
            "/courses/{slug}/final/start",
            post().to(final_assessment::start),
        )
        .service(
            resource("/courses/{slug}/final/{attempt}/q/{number}")
                .get(final_assessment::question)
                .post(final_assessment::save),
        )
        .route(
            "/courses/{slug}/final/{attempt}/review",
            get().to(final_assessment::review),
        )
        .route(
            "/courses/{slug}/final/{attempt}/submit",
            post().to(final_assessment::submit),
        )
        .route(
            "/courses/{slug}/final/{attempt}/result",
            get().to(final_assessment::result),
        )
        .route("/courses/{slug}/print", get().to(learner::print_course))
        .route(
            "/courses/{slug}/offline.json",
            get().to(learner::offline_manifest),
        )
        .route("/courses/{slug}/{chapter}", get().to(learner::chapter))
        .route(
            "/courses/{slug}/{chapter}/print",
            get().to(learner::print_chapter),
        )
        .route(
            "/courses/{slug}/{chapter}/read",
            post().to(learner::mark_read),
        )
        .service(
            resource("/courses/{slug}/{chapter}/check")
                .get(learner::check)
                .post(learner::answer),
        )
        .route("/my", get().to(learner::my))
        // Certificates: checking one is open to anyone; downloads are the learner's
        .service(
            resource("/verify")
                .get(certificates::form)
                .post(certificates::upload),
        )
        .route("/verify/{serial}", get().to(certificates::by_serial))
        .route(
            "/certificates/{serial}/credential.jwt",
            get().to(certificates::jwt),
        )
        .route(
            "/certificates/{serial}/credential.json",
            get().to(certificates::json),
        )
        .route(
            "/certificates/{serial}/certificate.pdf",
            get().to(certificates::pdf),
        )
        .route(
            "/certificates/{serial}/certificate.png",
            get().to(certificates::png),
        )
        // What each issuer publishes for verifiers, and its staff's certificate list
        .route("/issuers/{org}", get().to(issuers::profile))
        .route("/issuers/{org}/jwks.json", get().to(issuers::jwks))
        .route("/issuers/{org}/did.json", get().to(issuers::did))
        .route(
            "/issuers/{org}/status/{key}",
            get().to(issuers::status_list),
        )
        .route(
            "/issuers/{org}/certificates",
            get().to(certificates::staff_list),
        )
        .route(
            "/issuers/{org}/certificates/{serial}/revoke",
            post().to(certificates::revoke),
        )
        .route(
            "/issuers/{org}/certificates/{serial}/reissue",
            post().to(certificates::reissue),
        )
        // Accounts
        .service(
            resource("/register")
                .get(auth::register_form)
                .post(auth::register),
        )
        .service(resource("/register/sent").get(auth::register_sent))
        .service(
            resource("/sign-in")
                .get(auth::sign_in_form)
                .post(auth::sign_in),
        )
        .route("/sign-out", post().to(auth::sign_out))
        .service(
            resource("/password-reset")
                .get(auth::reset_request_form)
                .post(auth::reset_request),
        )
        .service(
            resource("/password-reset/{token}")
                .get(auth::reset_form)
                .post(auth::reset),
        )
        .service(
            resource("/account")
                .get(account::show)
                .post(account::update),
        )
        .route(
            "/account/sign-out-everywhere",
            post().to(auth::sign_out_everywhere),
        )
        // Publishers and coordinators, each for their organisation and those below it
        .route("/publish/{org}", get().to(publisher::workspace))
        .route("/publish/{org}/upload", post().to(publisher::upload))
        .route(
            "/publish/{org}/versions/{version}/course.zip",
            get().to(publisher::download),
        )
        .route(
            "/publish/{org}/versions/{version}/edit",
            post().to(studio::edit),
        )
        .route("/publish/{org}/studio/{draft}", get().to(studio::draft))
        .route(
            "/publish/{org}/studio/{draft}/chapters",
            post().to(studio::add_chapter),
        )
        .route(
            "/publish/{org}/studio/{draft}/chapters/{chapter}/move",
            post().to(studio::move_chapter),
        )
        .route(
            "/publish/{org}/studio/{draft}/chapters/{chapter}/remove",
            post().to(studio::remove_chapter),
        )
        .service(
            resource("/publish/{org}/studio/{draft}/chapters/{chapter}")
                .get(studio::chapter)
                .post(studio::save_chapter),
        )
        .service(
            resource("/publish/{org}/studio/{draft}/settings")
                .get(studio::settings_form)
                .post(studio::save_settings),
        )
        .route(
            "/publish/{org}/studio/{draft}/preview",
            post().to(studio::preview),
        )
        .route(
            "/publish/{org}/studio/{draft}/discard",
            post().to(studio::discard),
        )
        .route(
            "/publish/{org}/drafts/{version}/publish",
            post().to(publisher::publish_draft),
        )
        .route("/publish/{org}/certificates", get().to(signing::page))
        .route(
            "/publish/{org}/signatories",
            post().to(signing::add_signatory),
        )
        .route(
            "/publish/{org}/signatories/{id}/retire",
            post().to(signing::retire_signatory),
        )
        .route("/publish/{org}/logo", post().to(signing::set_logo))
        .route("/publish/{org}/cosigning/{id}", post().to(signing::answer))
        .route(
            "/publish/{org}/cosigning/{id}/sample.pdf",
            get().to(signing::sample),
        )
        .route(
            "/publish/{org}/endorsements/{serial}/revoke",
            post().to(signing::revoke_endorsement),
        )
        .route("/preview/{token}", get().to(preview::course))
        .route("/preview/{token}/{chapter}", get().to(preview::chapter))
        .route("/coordinate/{org}", get().to(workspaces::coordinate))
        .route(
            "/coordinate/{org}/certificates.pdf",
            get().to(certificates::cohort),
        )
        .route("/coordinate/{org}/report", get().to(reports::page))
        .route("/coordinate/{org}/report.csv", get().to(reports::csv))
        .route("/coordinate/{org}/cohorts/new", get().to(cohorts::new_form))
        .route("/coordinate/{org}/cohorts", post().to(cohorts::create))
        .route("/coordinate/{org}/cohorts/{id}", get().to(cohorts::show))
        .route(
            "/coordinate/{org}/cohorts/{id}/roster",
            post().to(cohorts::roster),
        )
        // Invited people: the link in their email, and the one that stops reminders
        .service(
            resource("/join/{token}")
                .get(cohorts::join)
                .post(cohorts::join_sign_up),
        )
        .service(
            resource("/reminders/stop/{token}")
                .get(cohorts::stop_form)
                .post(cohorts::stop),
        )
        // Admins
        .service(
            scope("/admin")
                .route("", get().to(admin::index))
                .route("/users", get().to(admin::users))
                .route("/users/{id}", get().to(admin::user))
                .route("/users/{id}/roles", post().to(admin::grant_role))
                .route(
                    "/users/{id}/roles/{grant}/remove",
                    post().to(admin::revoke_role),
                )
                .route("/users/{id}/admin", post().to(admin::set_admin))
                .route("/audit", get().to(admin::audit_log))
                .route("/email", get().to(admin::outbox))
                .route("/email/{id}/resend", post().to(admin::resend))
                .service(
                    resource("/organisations")
                        .get(admin::organisations)
                        .post(admin::create_organisation),
                ),
        )
        .default_service(actix_web::web::to(not_found));
}

async fn not_found() -> Result<actix_web::HttpResponse, WebError> {
    Err(WebError::NotFound)
}
