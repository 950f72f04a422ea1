//! Which population a coordinator may see: the invitations of cohorts owned by the
//! coordinator's organisation or one below it, chosen by cohort or by course and narrowed
//! to a province or to an office (and the offices below it) of the same tree.

use crate::db::reports::Population;
use crate::db::{self, DbConnection, DbError};
use crate::model::cohorts::Cohort;
use crate::model::ids::{CohortId, ProvinceId};
use crate::organisations::{OrganisationId, TreeEntry, subtree, tree_under};

/// The filters a coordinator chose, parsed at the edge; `None` (or no course) is "—".
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub cohort: Option<CohortId>,
    /// A course's slug.
    pub course: Option<String>,
    pub province: Option<ProvinceId>,
    pub office: Option<OrganisationId>,
}

/// The population the filters ask for, and what a report shows around it.
#[derive(Debug, Default)]
pub struct Scope {
    /// What the report is about: the chosen cohort's name, or the course's slug; empty when
    /// there is nothing to report on.
    pub name: String,
    /// The offices the coordinator covers, as a tree (for the office filter).
    pub offices: Vec<TreeEntry>,
    /// Every cohort the coordinator covers, newest first (for the cohort filter).
    pub cohorts: Vec<Cohort>,
    /// Whose figures; `None` when no cohort matches.
    pub population: Option<Population>,
    /// The chapters of the population's course: key, title in Khmer, title in English.
    pub chapters: Vec<(String, String, String)>,
}

impl Scope {
    /// The courses of the cohorts the coordinator covers, by slug, each once, in order.
    pub fn courses(&self) -> Vec<&str> {
        let mut courses: Vec<&str> = self
            .cohorts
            .iter()
            .map(|c| c.course_slug.as_str())
            .collect();
        courses.sort_unstable();
        courses.dedup();
        courses
    }
}

/// Finds the population `filters` ask for, within the organisations under `root`: a cohort
/// chosen by id, else every cohort of the chosen course (or of the newest cohort's course);
/// an office outside `root`'s tree narrows nothing.
pub fn find(
    conn: &mut DbConnection,
    root: OrganisationId,
    filters: &Filters,
) -> Result<Scope, DbError> {
    let all = db::organisations::all(conn)?;
    let below: Vec<OrganisationId> = subtree(&all, root).iter().map(|o| o.id).collect();
    let owned = db::cohorts::owned_by(conn, &below)?;
    let chosen: Vec<_> = match filters.cohort {
        Some(id) => owned.iter().filter(|c| c.id == id).cloned().collect(),
        None => {
            let slug = match &filters.course {
                Some(slug) => slug.clone(),
                None => owned
                    .first()
                    .map(|c| c.course_slug.clone())
                    .unwrap_or_default(),
            };
            owned
                .iter()
                .filter(|c| c.course_slug == slug)
                .cloned()
                .collect()
        }
    };
    let mut scope = Scope {
        offices: tree_under(subtree(&all, root), root),
        cohorts: owned.clone(),
        ..Scope::default()
    };
    let Some(first) = chosen.first() else {
        return Ok(scope);
    };
    scope.name = match filters.cohort {
        Some(_) => first.name.clone(),
        None => first.course_slug.clone(),
    };
    let offices = filters
        .office
        .filter(|id| below.contains(id))
        .map(|id| subtree(&all, id).iter().map(|o| o.id.0).collect::<Vec<_>>());
    if let Some((_, chapters)) = db::learning::current_with_chapters(conn, &first.course_slug)? {
        scope.chapters = chapters
            .into_iter()
            .map(|c| (c.key, c.title.km, c.title.en))
            .collect();
    }
    scope.population = Some(Population {
        course_id: first.course_id,
        cohorts: chosen.iter().map(|c| c.id.0).collect(),
        province: filters.province.map(|p| p.0),
        offices,
    });
    Ok(scope)
}
