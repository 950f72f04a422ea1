//! How long a coordinator's report takes with 100 000 invited learners: the WASH course
//! (nine chapters) published, 100 000 accounts in 1 000 cohorts across the 25 provinces'
//! offices, 80 % signed in, 60 % started with 0–9 chapters read, 20 % finished with an
//! assessment attempt each (about 380 000 progress rows and 200 000 answers). It times
//! what one report page asks of the database and computes (people and stages, funnel,
//! chapter reach, most-missed questions) for one cohort (100 people), one province
//! (4 000) and the whole course (100 000).
//!
//! `cargo bench --bench reports` uses a SQLite file in a temporary folder;
//! `cargo bench --bench reports -- postgres` makes a fresh database on the server of
//! `SALA_TEST_DATABASE_URL` (e.g. postgres://postgres@127.0.0.1:5432/test) and drops it
//! after. Figures go to docs/benchmarks.md.

#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a benchmark reports on standard output and stops on any setup failure"
)]

mod seed;

use std::time::{Duration, Instant};

use sala::db::reports::Population;
use sala::db::{Db, DbConnection, DbError};
use seed::{COHORTS, Dialect, LEARNERS, one_id};

/// One report's database work and computation, as the report page asks for it (the
/// funnel and the median time to finish in one pass, the first page of people by name); the time of each
/// part.
fn report(
    conn: &mut DbConnection,
    pop: &Population,
    chapters: &[String],
) -> Result<(i64, [Duration; 2]), DbError> {
    let t = Instant::now();
    let stages = sala::db::reports::stages(conn, pop, chapters)?;
    let funnel = sala::reports::funnel(&stages.at_stage);
    let median = sala::reports::median_hours_to_finish(&stages.hours_to_finish);
    let listing = sala::reports::Listing {
        order: sala::reports::Order::Name,
        stage: None,
        search: String::new(),
    };
    let page = sala::db::reports::people(conn, pop, 9, &listing, Some((0, 100)))?;
    let people_time = t.elapsed();
    let t = Instant::now();
    let missed = sala::reports::most_missed(sala::db::reports::missed(conn, pop, funnel[0].1)?);
    let missed_time = t.elapsed();
    assert_eq!(stages.opened.len(), chapters.len());
    assert!(stages.opened[&chapters[0]] > 0 && !missed.is_empty());
    assert!(funnel[4].1 > 0 && median.is_some(), "some finished");
    assert_eq!(page.len() as i64, funnel[0].1.min(100));
    Ok((funnel[0].1, [people_time, missed_time]))
}

fn time(db: &Db, name: &str, pop: &Population, chapters: &[String]) {
    let mut runs = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let (size, parts) = db
            .blocking(|conn| report(conn, pop, chapters))
            .expect("report");
        runs.push((start.elapsed(), size, parts));
    }
    runs.sort_by_key(|r| r.0);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (total, size, [people, missed]) = runs[2];
    println!(
        "{name:<14} {size:>7} people   median {:>7.1} ms (people, funnel and chapter reach {:.1}, missed questions {:.1})   best {:>7.1} ms",
        ms(total),
        ms(people),
        ms(missed),
        ms(runs[0].0)
    );
}

fn main() {
    let postgres = std::env::args().any(|a| a == "postgres");
    let dir = seed::temporary_dir("sala-bench-reports");
    let (url, admin) = seed::database(postgres, "sala_bench_reports", &dir);
    let db = seed::open_published(&url);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let start = Instant::now();
    let dialect = Dialect { postgres };
    let course = seed::seed(&db, &dialect);
    println!(
        "seeded {LEARNERS} learners in {COHORTS} cohorts on {} in {:.1} s",
        if postgres { "PostgreSQL" } else { "SQLite" },
        start.elapsed().as_secs_f64()
    );
    let first = db
        .blocking(|conn| Ok::<_, DbError>(one_id(conn, "SELECT MIN(id) AS id FROM cohorts")))
        .expect("cohort");
    let all: Vec<i64> = (first..first + COHORTS).collect();
    let chapters = db
        .blocking(|conn| seed::chapter_keys(conn, course))
        .expect("chapters");
    time(
        &db,
        "one cohort",
        &Population {
            course_id: sala::model::ids::CourseId(course),
            // The cohort of the learners whose id ends in 1: some finished.
            cohorts: vec![first + 1],
            province: None,
            offices: None,
        },
        &chapters,
    );
    time(
        &db,
        "one province",
        &Population {
            course_id: sala::model::ids::CourseId(course),
            cohorts: all.clone(),
            province: Some(2),
            offices: None,
        },
        &chapters,
    );
    time(
        &db,
        "whole course",
        &Population {
            course_id: sala::model::ids::CourseId(course),
            cohorts: all,
            province: None,
            offices: None,
        },
        &chapters,
    );
    // The reminder scheduler's look at every cohort: the first, when many fall due at once,
    // then an ordinary one when nothing new is due.
    let letters = std::sync::Arc::new(sala::cohorts::letters::Letters {
        templates: sala::templates::load().expect("templates"),
        base_url: "https://sala.example.gov.kh/".parse().expect("url"),
        links: sala::cohorts::links::Links::new(b"benchmark secret"),
    });
    let day5 = chrono::NaiveDate::from_ymd_opt(2026, 12, 5)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .expect("date");
    for round in ["reminders, first", "reminders, again"] {
        let start = Instant::now();
        let queued = runtime
            .block_on(sala::cohorts::reminders::send_due(
                &db,
                letters.clone(),
                day5,
            ))
            .expect("reminders");
        println!(
            "{round:<18} {queued:>6} queued in {:.1} s",
            start.elapsed().as_secs_f64()
        );
    }
    drop(db);
    seed::drop_database(admin, "sala_bench_reports");
    let _ = std::fs::remove_dir_all(dir);
}
