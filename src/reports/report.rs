//! A coordinator's report page: the figures of the population the filters choose (the
//! funnel, chapter reach, median time to finish, most-missed questions) and one page of
//! its people.

use super::scope::{self, Filters, Scope};
use super::totals::{self, TotalsInFlight};
use super::{
    Count, Listing, Missed, Person, ReportError, Stage, Stages, funnel, median_hours_to_finish,
    reach,
};
use crate::db::reports::Population;
use crate::db::{self, Db, DbConnection, DbError};
use crate::organisations::{OrganisationId, Province};

/// People shown on one page of the report; the CSV has them all.
pub const PAGE_SIZE: usize = 100;

/// What a coordinator asked to see: the population, which of its people, and which page of
/// them (from 1; past the last is the last).
#[derive(Debug, Clone)]
pub struct Request {
    pub filters: Filters,
    pub listing: Listing,
    pub page: usize,
}

/// A report, ready to show.
#[derive(Debug)]
pub struct Report {
    pub scope: Scope,
    /// Every province, for the province filter.
    pub provinces: Vec<Province>,
    /// How many people the population has.
    pub total: i64,
    /// For each stage, how many reached it or went further, and their percentage.
    pub funnel: Vec<(Stage, i64, i64)>,
    /// How many opened each chapter.
    pub reach: Vec<Count>,
    pub median_hours_to_finish: Option<f64>,
    pub missed: Vec<Missed>,
    pub people: PeoplePage,
}

/// One page of a report's people list.
#[derive(Debug)]
pub struct PeoplePage {
    /// How many people the list shows, over all its pages.
    pub shown: usize,
    /// This page's number, from 1.
    pub number: usize,
    pub pages: usize,
    pub people: Vec<Person>,
}

impl PeoplePage {
    fn empty() -> Self {
        Self {
            shown: 0,
            number: 1,
            pages: 1,
            people: Vec::new(),
        }
    }

    /// The position (from 1) of the first person on this page, 0 when the list is empty.
    pub fn from(&self) -> usize {
        ((self.number - 1) * PAGE_SIZE + 1).min(self.shown)
    }

    /// The position of the last person on this page.
    pub fn to(&self) -> usize {
        (self.number - 1) * PAGE_SIZE + self.people.len()
    }
}

/// The report on the population `request` chooses within the organisations under `root`.
/// The totals are shared with any request computing the same ones meanwhile (`totals`).
pub async fn report(
    db: &Db,
    in_flight: &TotalsInFlight,
    root: OrganisationId,
    request: Request,
) -> Result<Report, ReportError> {
    let filters = request.filters.clone();
    let (scope, provinces) = db
        .read(move |conn| {
            Ok::<_, DbError>((
                scope::find(conn, root, &filters)?,
                db::provinces::all(conn)?,
            ))
        })
        .await?;
    let keys: Vec<String> = scope.chapters.iter().map(|c| c.0.clone()).collect();
    let chapters = keys.len() as i64;
    let (figures, people) = match scope.population.clone() {
        Some(pop) => {
            let figures = totals::of(db, in_flight, &pop, keys).await?;
            let (counted, Request { listing, page, .. }) = (figures.clone(), request);
            let people = db
                .read(move |conn| {
                    page_of_people(conn, &pop, chapters, &counted.stages, &listing, page)
                })
                .await?;
            (figures, people)
        }
        None => (Default::default(), PeoplePage::empty()),
    };
    let total: i64 = figures.stages.at_stage.iter().sum();
    Ok(Report {
        funnel: funnel(&figures.stages.at_stage),
        reach: reach(&scope.chapters, &figures.stages.opened, total),
        median_hours_to_finish: median_hours_to_finish(&figures.stages.hours_to_finish),
        missed: figures.missed.clone(),
        total,
        scope,
        provinces,
        people,
    })
}

/// The people on the asked-for page (pages of [`PAGE_SIZE`]) of those `listing` shows.
fn page_of_people(
    conn: &mut DbConnection,
    pop: &Population,
    chapters: i64,
    stages: &Stages,
    listing: &Listing,
    page: usize,
) -> Result<PeoplePage, DbError> {
    // Without a search, how many the list shows is known from the stages.
    let shown = if listing.search.trim().is_empty() {
        match listing.stage {
            Some(stage) => stages.at_stage[stage as usize],
            None => stages.at_stage.iter().sum(),
        }
    } else {
        db::reports::count_people(conn, pop, chapters, listing)?
    };
    let shown = usize::try_from(shown).unwrap_or_default();
    let pages = shown.div_ceil(PAGE_SIZE).max(1);
    let number = page.clamp(1, pages);
    let first = ((number - 1) * PAGE_SIZE) as i64;
    let people = db::reports::people(
        conn,
        pop,
        chapters,
        listing,
        Some((first, PAGE_SIZE as i64)),
    )?;
    Ok(PeoplePage {
        shown,
        number,
        pages,
        people,
    })
}
