//! A report's totals, computed once for everyone asking at the same time.

use std::sync::Arc;

use super::{Missed, Stages, most_missed};
use crate::db::reports::Population;
use crate::db::{self, Db, DbError};

/// What a report shows of its population as a whole: how many are at each stage, how many
/// opened each chapter, how long finishing took, and the questions missed most. The part
/// of a report whose cost grows with the population.
#[derive(Default)]
pub struct Totals {
    pub stages: Stages,
    pub missed: Vec<Missed>,
}

/// Which totals: the population and the keys of its course's chapters.
pub type TotalsKey = (Population, Vec<String>);

/// Totals being computed, shared with whoever asks for the same ones meanwhile (four
/// coordinators opening the ministry's report at once compute it once, not four times on
/// two cores). Nothing is kept once computed, so the figures are as fresh as the request.
pub type TotalsInFlight =
    singleflight_async::SingleFlight<TotalsKey, Result<Arc<Totals>, Arc<DbError>>>;

/// The totals of a population, computed now or shared with a computation of the same ones
/// already running.
pub async fn of(
    db: &Db,
    in_flight: &TotalsInFlight,
    pop: &Population,
    chapters: Vec<String>,
) -> Result<Arc<Totals>, Arc<DbError>> {
    let key = (pop.clone(), chapters.clone());
    let (db, pop) = (db.clone(), pop.clone());
    let work = || async move {
        db.read(move |conn| {
            let stages = db::reports::stages(conn, &pop, &chapters)?;
            let people = stages.at_stage.iter().sum();
            let missed = most_missed(db::reports::missed(conn, &pop, people)?);
            Ok::<_, DbError>(Totals { stages, missed })
        })
        .await
        .map(Arc::new)
        .map_err(Arc::new)
    };
    in_flight.work(key, work).await
}
