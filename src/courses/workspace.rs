//! A publisher's workspace: the organisation, those below it, and their courses.

use serde::Serialize;

pub use crate::db::courses::CourseSummary;
use crate::db::{self, Db, DbError};
use crate::model::ids::OrganisationId;
use crate::organisations::{TreeEntry, subtree, tree_under};

/// A published version in the workspace's list, and whether its folder can be downloaded
/// (versions published before folders were kept cannot).
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub version: CourseSummary,
    pub download: bool,
}

/// The organisations from `root` down, as a tree, and every version of their courses.
pub async fn of(db: &Db, root: OrganisationId) -> Result<(Vec<TreeEntry>, Vec<Listed>), DbError> {
    let (below, versions, kept) = db
        .read(move |conn| {
            let below = subtree(&db::organisations::all(conn)?, root);
            let ids: Vec<_> = below.iter().map(|o| o.id).collect();
            let versions = db::courses::versions_of(conn, &ids)?;
            let listed: Vec<_> = versions.iter().map(|v| v.id).collect();
            let kept = db::sources::with_folder(conn, &listed)?;
            Ok::<_, DbError>((below, versions, kept))
        })
        .await?;
    let versions = versions
        .into_iter()
        .map(|version| Listed {
            download: kept.contains(&version.id),
            version,
        })
        .collect();
    Ok((tree_under(below, root), versions))
}
