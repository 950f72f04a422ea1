//! A coordinator's entry page: the organisation and those below it, their people, the
//! cohorts certificates were issued in, and the cohorts of their courses.

use serde::Serialize;

use crate::accounts::User;
use crate::db::{self, Db, DbError};
use crate::model::cohorts::Cohort;
use crate::model::ids::OrganisationId;
use crate::organisations::{TreeEntry, subtree, tree_under};

/// What the coordinator's entry page shows.
#[derive(Serialize)]
pub struct Desk {
    pub tree: Vec<TreeEntry>,
    pub people: Vec<User>,
    pub cohorts: Vec<db::certificates::Cohort>,
    pub course_cohorts: Vec<(Cohort, i64)>,
}

/// The desk of a coordinator of `root`.
pub async fn of(db: &Db, root: OrganisationId) -> Result<Desk, DbError> {
    let (below, people, cohorts, course_cohorts) = db
        .read(move |conn| {
            let below = subtree(&db::organisations::all(conn)?, root);
            let ids: Vec<_> = below.iter().map(|o| o.id).collect();
            let people = db::users::in_organisations(conn, &ids)?;
            let cohorts = db::certificates::cohorts(conn, &ids)?;
            let course_cohorts = db::cohorts::owned_by_with_counts(conn, &ids)?;
            Ok::<_, DbError>((below, people, cohorts, course_cohorts))
        })
        .await?;
    Ok(Desk {
        tree: tree_under(below, root),
        people,
        cohorts,
        course_cohorts,
    })
}
