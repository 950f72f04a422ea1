//! The entry page of coordinators, each scoped to an organisation and the
//! organisations below it. The extractor (`OrgRole`) has already checked the role.

use actix_web::HttpResponse;

use super::error::WebError;
use super::extract::{Coordinator, OrgRole};
use crate::db;
use crate::organisations::{subtree, tree_under};

pub async fn coordinate(scope: OrgRole<Coordinator>) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let root = organisation.id;
    let (tree, people, cohorts, course_cohorts) = ctx
        .state
        .db
        .read(move |conn| {
            let below = subtree(&db::organisations::all(conn)?, root);
            let ids: Vec<_> = below.iter().map(|o| o.id).collect();
            let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
            let people = db::users::in_organisations(conn, &ids)?;
            let cohorts = db::certificates::cohorts(conn, &raw)?;
            let course_cohorts = db::cohorts::owned_by_with_counts(conn, &raw)?;
            Ok::<_, db::DbError>((below, people, cohorts, course_cohorts))
        })
        .await?;
    let mut page = ctx.page();
    page.insert("organisation", &organisation);
    page.insert("tree", &tree_under(tree, root));
    page.insert("people", &people);
    page.insert("cohorts", &cohorts);
    page.insert("course_cohorts", &course_cohorts);
    ctx.render("workspaces/coordinate.html", &page)
}
