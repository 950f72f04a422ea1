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
    let mut page = ctx.page();
    page.insert("organisation", &organisation);
    page.insert("tree", &desk.tree);
    page.insert("people", &desk.people);
    page.insert("cohorts", &desk.cohorts);
    page.insert("course_cohorts", &desk.course_cohorts);
    ctx.render("workspaces/coordinate.html", &page)
}
