//! A publisher's workspace: the organisation, those below it, and their courses.

pub use crate::db::courses::CourseSummary;
use crate::db::{self, Db, DbError};
use crate::model::ids::OrganisationId;
use crate::organisations::{TreeEntry, subtree, tree_under};

/// The organisations from `root` down, as a tree, and every version of their courses.
pub async fn of(
    db: &Db,
    root: OrganisationId,
) -> Result<(Vec<TreeEntry>, Vec<CourseSummary>), DbError> {
    let (below, versions) = db
        .read(move |conn| {
            let below = subtree(&db::organisations::all(conn)?, root);
            let ids: Vec<_> = below.iter().map(|o| o.id).collect();
            Ok::<_, DbError>((below, db::courses::versions_of(conn, &ids)?))
        })
        .await?;
    Ok((tree_under(below, root), versions))
}
