//! Organisations form a tree: a ministry has departments, which have provincial and district
//! offices; NGOs are organisations too. Provinces are reference data in both languages.

use chrono::NaiveDateTime;

use crate::db::{self, Db, DbError};
use crate::model::fields::FieldError;
pub use crate::model::ids::{OrganisationId, ProvinceId};
pub use crate::model::organisations::{
    NewOrganisation, OrgKind, Organisation, Province, Slug, TreeEntry, as_tree, subtree,
};

/// The organisations domain's error type.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Creates an organisation under an existing parent, with a slug nobody has yet.
pub async fn create(
    db: &Db,
    new: NewOrganisation,
    now: NaiveDateTime,
) -> Result<Organisation, OrgError> {
    db.write(move |conn| {
        let mut errors = Vec::new();
        if db::organisations::slug_taken(conn, new.slug.as_str())? {
            errors.push(FieldError::new("slug", "error-slug-taken"));
        }
        if let Some(parent) = new.parent_id
            && db::organisations::find(conn, parent)?.is_none()
        {
            errors.push(FieldError::new("parent", "error-choose-one"));
        }
        if !errors.is_empty() {
            return Err(OrgError::Invalid(errors));
        }
        db::organisations::insert(conn, &new, now).map_err(|e| {
            if e.is_unique_violation() {
                OrgError::Invalid(vec![FieldError::new("slug", "error-slug-taken")])
            } else {
                e.into()
            }
        })
    })
    .await
}

/// The subtree below `root` (as `subtree` returns it) laid out with `root` at depth 0.
pub fn tree_under(mut below: Vec<Organisation>, root: OrganisationId) -> Vec<TreeEntry> {
    for org in &mut below {
        if org.id == root {
            org.parent_id = None;
        }
    }
    as_tree(below)
}

/// What a person can choose from in a form: the provinces, and the organisations as a tree.
pub async fn choices(db: &Db) -> Result<(Vec<Province>, Vec<TreeEntry>), DbError> {
    let (provinces, all) = db
        .read(|conn| Ok::<_, DbError>((db::provinces::all(conn)?, db::organisations::all(conn)?)))
        .await?;
    Ok((provinces, as_tree(all)))
}

/// The organisation with this slug.
pub async fn by_slug(db: &Db, slug: String) -> Result<Option<Organisation>, DbError> {
    db.read(move |conn| db::organisations::find_by_slug(conn, &slug))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: i64, parent: Option<i64>, name: &str) -> Organisation {
        Organisation {
            id: OrganisationId(id),
            parent_id: parent.map(OrganisationId),
            slug: name.to_lowercase(),
            kind: OrgKind::Department,
            name_km: name.into(),
            name_en: name.into(),
            province_id: None,
        }
    }

    #[test]
    fn the_tree_lists_children_under_their_parent() {
        let tree = as_tree(vec![
            org(3, Some(1), "B"),
            org(1, None, "Z"),
            org(2, Some(1), "A"),
            org(4, None, "M"),
        ]);
        let order: Vec<_> = tree
            .iter()
            .map(|e| (e.organisation.id.0, e.depth))
            .collect();
        assert_eq!(order, vec![(4, 0), (1, 0), (2, 1), (3, 1)]);
    }

    #[test]
    fn slugs_are_url_safe() {
        assert!(Slug::parse("mrd").is_ok());
        assert!(Slug::parse("pdrd-kratie").is_ok());
        assert!(Slug::parse("-x").is_err());
        assert!(Slug::parse("a b").is_err());
        assert!(Slug::parse("ក្រសួង").is_err());
    }
}
