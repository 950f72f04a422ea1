//! The entry page of coordinators, each scoped to an organisation and the
//! organisations below it. The extractor (`OrgRole`) has already checked the role.

use actix_web::HttpResponse;

use super::error::WebError;
use super::extract::{Coordinator, OrgRole};

pub async fn coordinate(scope: OrgRole<Coordinator>) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let desk = crate::cohorts::desk::of(&ctx.state.db, organisation.id).await?;
    ctx.render_page(
        "workspaces/coordinate.html",
        &CoordinatePage {
            organisation: &organisation,
            desk,
        },
    )
}

/// What a coordinator's entry page shows: the organisation, and its desk.
#[derive(serde::Serialize)]
struct CoordinatePage<'a> {
    organisation: &'a crate::organisations::Organisation,
    #[serde(flatten)]
    desk: crate::cohorts::desk::Desk,
}
