//! Reports for coordinators: who of a population of invited people (a cohort, a course,
//! narrowed to a province or an office) started, progressed and finished. Computed here from
//! rows the database layer aggregates; free of HTTP and SQL.
//!
//! Each person is counted at the furthest stage they reached, and a stage's count is
//! everyone at it or beyond, so the funnel never grows downwards:
//! invited → signed in (took up the invitation) → started (opened the course) → half-way
//! (at least half the chapters read) → finished (passed the final assessment) → certified
//! (holds a certificate that is not revoked).

pub mod chart;
pub mod csv;
pub mod report;
pub mod scope;
pub mod totals;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::DbError;
pub use crate::model::reports::{Listing, Missed, Order, Person, Stage, Stages};
use crate::spreadsheet::CsvSheet;

/// The reports domain's one error type.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Db(#[from] DbError),
    /// The totals failed for everyone who waited for the same computation (`totals`).
    #[error(transparent)]
    Shared(#[from] Arc<DbError>),
    #[error("the spreadsheet could not be written: {0}")]
    Spreadsheet(String),
}

/// A count out of the population, with its percentage (whole number, rounded down).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Count {
    pub key: String,
    pub label_km: String,
    pub label_en: String,
    pub count: i64,
    pub percent: i64,
}

fn percent(count: i64, of: i64) -> i64 {
    if of == 0 { 0 } else { count * 100 / of }
}

/// The funnel: for each stage, how many reached it or went further, given how many are at
/// each stage (in stage order).
pub fn funnel(at_stage: &[i64; 6]) -> Vec<(Stage, i64, i64)> {
    let total: i64 = at_stage.iter().sum();
    Stage::ALL
        .into_iter()
        .enumerate()
        .map(|(i, stage)| {
            let n: i64 = at_stage[i..].iter().sum();
            (stage, n, percent(n, total))
        })
        .collect()
}

/// How many of the population opened each chapter, in course order.
pub fn reach(
    chapters: &[(String, String, String)],
    opened: &HashMap<String, i64>,
    population: i64,
) -> Vec<Count> {
    chapters
        .iter()
        .map(|(key, km, en)| {
            let n = opened.get(key).copied().unwrap_or(0);
            Count {
                key: key.clone(),
                label_km: km.clone(),
                label_en: en.clone(),
                count: n,
                percent: percent(n, population),
            }
        })
        .collect()
}

/// The median time from starting to finishing, in hours, from how many people took how
/// many hours; `None` when nobody finished.
pub fn median_hours_to_finish(hours_to_finish: &[(i64, i64)]) -> Option<f64> {
    let mut hours: Vec<(i64, i64)> = hours_to_finish
        .iter()
        .copied()
        .filter(|(_, n)| *n > 0)
        .collect();
    hours.sort_unstable();
    let total: i64 = hours.iter().map(|(_, n)| n).sum();
    // The hours of the k-th finisher (from 0) in order of time taken.
    let nth = |k: i64| {
        let mut seen = 0;
        hours.iter().find_map(|(h, n)| {
            seen += n;
            (seen > k).then_some(*h as f64)
        })
    };
    match total {
        0 => None,
        t if t % 2 == 1 => nth(t / 2),
        t => Some((nth(t / 2 - 1)? + nth(t / 2)?) / 2.0),
    }
}

/// The questions missed most often (by share of wrong answers, then by count), at most 10.
pub fn most_missed(mut tallies: Vec<Missed>) -> Vec<Missed> {
    for t in &mut tallies {
        t.percent = percent(t.wrong, t.answered);
    }
    tallies.retain(|t| t.wrong > 0);
    tallies.sort_by(|a, b| {
        b.percent
            .cmp(&a.percent)
            .then(b.wrong.cmp(&a.wrong))
            .then(a.key.cmp(&b.key))
    });
    tallies.truncate(10);
    tallies
}

/// The people list as CSV for a spreadsheet, written by the one CSV writer
/// ([`CsvSheet`]: a byte-order mark, and names that look like formulas shown as text).
pub fn people_csv(people: &[Person]) -> Result<Vec<u8>, ::csv::Error> {
    let mut sheet = CsvSheet::new();
    sheet.row([
        "name_km",
        "name_latin",
        "email",
        "office",
        "province",
        "stage",
        "chapters_read",
        "invited_at",
        "started_at",
        "last_activity",
        "completed_at",
    ])?;
    let at = |t: Option<NaiveDateTime>| {
        t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    for p in people {
        sheet.row([
            p.name_km.as_str(),
            &p.name_latin,
            &p.email,
            &p.office,
            &p.province,
            p.stage.code(),
            &p.chapters_read.to_string(),
            &at(Some(p.invited_at)),
            &at(p.started_at),
            &at(p.last_activity),
            &at(p.completed_at),
        ])?;
    }
    sheet.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(stage: Stage, hours: Option<i64>) -> Person {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .unwrap_or_default();
        Person {
            invitation_id: crate::model::ids::InvitationId(1),
            name_km: "សុខ".into(),
            name_latin: "Sok".into(),
            email: "sok@example.org".into(),
            office: String::new(),
            province: String::new(),
            invited_at: t,
            accepted_at: None,
            started_at: hours.map(|_| t),
            last_activity: None,
            chapters_read: 0,
            completed_at: hours.map(|h| t + chrono::Duration::hours(h)),
            certified: false,
            stage,
        }
    }

    #[test]
    fn the_funnel_counts_everyone_at_a_stage_or_beyond() {
        // One invited, one started, one finished, one certified.
        let counts: Vec<i64> = funnel(&[1, 0, 1, 0, 1, 1])
            .iter()
            .map(|(_, n, _)| *n)
            .collect();
        assert_eq!(counts, [4, 3, 3, 2, 2, 1]);
        assert_eq!(funnel(&[1, 0, 1, 0, 1, 1])[4].2, 50);
        assert!(funnel(&[0; 6]).iter().all(|(_, n, p)| *n == 0 && *p == 0));
    }

    #[test]
    fn the_median_time_to_finish_is_in_hours() {
        assert_eq!(median_hours_to_finish(&[(4, 1), (10, 1)]), Some(7.0));
        assert_eq!(median_hours_to_finish(&[(10, 1), (4, 2)]), Some(4.0));
        assert_eq!(
            median_hours_to_finish(&[(30, 2), (4, 1), (10, 1)]),
            Some(20.0)
        );
        assert_eq!(median_hours_to_finish(&[(4, 0)]), None);
        assert_eq!(median_hours_to_finish(&[]), None);
    }

    #[test]
    fn csv_starts_with_a_bom_and_keeps_khmer() {
        let bytes = people_csv(&[person(Stage::Invited, None)]).unwrap_or_default();
        assert!(bytes.starts_with("\u{feff}name_km,".as_bytes()));
        assert!(
            String::from_utf8(bytes)
                .unwrap_or_default()
                .contains("សុខ,Sok,")
        );
    }
}
