//! A report's people as a CSV download. It is personal data, so each download is recorded
//! in the audit log.

use chrono::NaiveDateTime;

use super::scope::{self, Filters};
use super::{Listing, ReportError, people_csv};
use crate::audit::{self, Action, Actor};
use crate::db::{self, Db, DbError};
use crate::organisations::OrganisationId;

/// Every person `listing` shows of the population `filters` choose within the
/// organisations under `root`, as CSV bytes; the download is recorded in the audit log.
pub async fn download(
    db: &Db,
    root: OrganisationId,
    filters: Filters,
    listing: Listing,
    actor: Actor,
    now: NaiveDateTime,
) -> Result<Vec<u8>, ReportError> {
    let (scope, people) = db
        .read(move |conn| {
            let scope = scope::find(conn, root, &filters)?;
            let people = match &scope.population {
                Some(pop) => {
                    let chapters = scope.chapters.len() as i64;
                    db::reports::people(conn, pop, chapters, &listing, None)?
                }
                None => Vec::new(),
            };
            Ok::<_, DbError>((scope, people))
        })
        .await?;
    let body = people_csv(&people).map_err(|e| ReportError::Spreadsheet(e.to_string()))?;
    let (count, what) = (people.len(), scope.name);
    db.write(move |conn| {
        audit::record(
            conn,
            &actor,
            Action::PersonalDataExported,
            &what,
            &format!("report CSV, {count} people"),
            now,
        )
    })
    .await?;
    Ok(body)
}
