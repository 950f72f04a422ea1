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

use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use sala::config::DatabaseUrl;
use sala::db::reports::Population;
use sala::db::{Db, DbConnection, DbError};

const LEARNERS: i64 = 100_000;
const COHORTS: i64 = 1_000;

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

fn one_id(conn: &mut DbConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Id>(conn)
        .map(|r| r.id)
        .expect(sql)
}

/// Backend-specific spellings of a timestamp (`hours` after a fixed start) and a date.
struct Dialect {
    postgres: bool,
}

impl Dialect {
    fn at(&self, hours: &str) -> String {
        if self.postgres {
            format!("(TIMESTAMP '2026-12-01 08:00:00' + ({hours}) * INTERVAL '1 hour')")
        } else {
            format!("datetime('2026-12-01 08:00:00', '+' || ({hours}) || ' hours')")
        }
    }

    fn date(&self, day: &str) -> String {
        if self.postgres {
            format!("DATE '{day}'")
        } else {
            format!("'{day}'")
        }
    }
}

fn seed(conn: &mut DbConnection, d: &Dialect) -> i64 {
    let ministry = one_id(
        conn,
        "SELECT organisation_id AS id FROM courses WHERE slug = 'inclusive-wash'",
    );
    let course = one_id(conn, "SELECT id FROM courses WHERE slug = 'inclusive-wash'");
    let version = one_id(
        conn,
        &format!("SELECT MAX(id) AS id FROM course_versions WHERE course_id = {course}"),
    );
    let t0 = d.at("0");
    let seq = |n: i64| {
        format!("WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {n})")
    };
    let sql = format!(
        "INSERT INTO organisations (parent_id, slug, kind, name_km, name_en, province_id, created_at)
           SELECT {ministry}, 'office-' || id, 'provincial_office', name_km, name_en, id, {t0} FROM provinces;
         {seq_users} INSERT INTO users (email, password_hash, name_km, name_latin, position,
             organisation_id, province_id, lang, is_admin, session_epoch, created_at, updated_at)
           SELECT 'learner' || n || '@example.org', NULL, 'សុខ ' || n, 'Learner ' || n, 'Officer',
             NULL, 1 + n % 25, NULL, FALSE, 0, {t0}, {t0} FROM seq;
         {seq_cohorts} INSERT INTO cohorts (organisation_id, course_id, name, starts_on, due_on,
             remind_not_started_days, remind_idle_days, remind_before_due_days, created_by, created_at)
           SELECT {ministry}, {course}, 'Cohort ' || n, {start}, {due}, 3, 7, 5, NULL, {t0} FROM seq;
         INSERT INTO invitations (cohort_id, email, name_km, name_latin, office_id, province_id,
             position, invited_at, invited_by, user_id, accepted_at, reminders_off_at)
           SELECT (SELECT MIN(id) FROM cohorts) + u.id % {COHORTS}, u.email, u.name_km, u.name_latin,
             (SELECT o.id FROM organisations o WHERE o.slug = 'office-' || u.province_id),
             u.province_id, 'Officer', {t0}, NULL,
             CASE WHEN u.id % 5 <> 0 THEN u.id END, CASE WHEN u.id % 5 <> 0 THEN {t0} END, NULL
           FROM users u WHERE u.email LIKE 'learner%';
         INSERT INTO enrolments (user_id, course_id, started_at, last_chapter_key, last_activity_at)
           SELECT id, {course}, {t1}, 'x', {t48} FROM users
           WHERE email LIKE 'learner%' AND id % 5 <> 0 AND id % 10 < 8;
         INSERT INTO chapter_progress (user_id, course_id, chapter_key, content_hash, opened_at, read_at, passed_at)
           SELECT e.user_id, {course}, c.chapter_key, c.content_hash, {t1}, {t2}, NULL
           FROM enrolments e JOIN chapters c ON c.version_id = {version} AND c.position <= e.user_id % 10;
         INSERT INTO completions (user_id, course_id, version_id, version_number, score, completed_at)
           SELECT user_id, {course}, {version}, 1, 80, {tdone} FROM enrolments WHERE user_id % 10 < 3;
         INSERT INTO attempts (user_id, course_id, version_id, number, seed, draw, started_at, submitted_at, score, passed)
           SELECT user_id, {course}, {version}, 1, 0, '{{}}', {t1}, {tdone}, 80, TRUE FROM completions;
         INSERT INTO attempt_answers (attempt_id, question_key, chosen, answered_at)
           SELECT a.id, q.question_key, CASE WHEN a.user_id % 3 = 0 THEN '[\"a\"]' ELSE '[\"b\"]' END, {t1}
           FROM attempts a JOIN questions q ON q.version_id = {version} AND q.quiz = 'final';",
        seq_users = seq(LEARNERS),
        seq_cohorts = seq(COHORTS),
        start = d.date("2026-12-01"),
        due = d.date("2027-01-31"),
        t1 = d.at("1"),
        t2 = d.at("2"),
        t48 = d.at("48"),
        tdone = d.at("user_id % 240"),
    );
    conn.batch_execute(&sql).expect("seed");
    conn.batch_execute("ANALYZE").expect("analyze");
    course
}

/// One report's database work and computation; the time of each part.
fn report(conn: &mut DbConnection, pop: &Population) -> Result<(usize, [Duration; 3]), DbError> {
    let t = Instant::now();
    let mut people = sala::db::reports::people(conn, pop)?;
    for p in &mut people {
        p.stage = p.furthest(9);
    }
    let funnel = sala::reports::funnel(&people);
    let people_time = t.elapsed();
    let t = Instant::now();
    let reach = sala::db::reports::chapter_reach(conn, pop)?;
    let reach_time = t.elapsed();
    let t = Instant::now();
    let missed = sala::reports::most_missed(sala::db::reports::missed(conn, pop)?);
    let missed_time = t.elapsed();
    assert!(!reach.is_empty() && !missed.is_empty());
    assert!(funnel[4].1 > 0, "some finished");
    Ok((people.len(), [people_time, reach_time, missed_time]))
}

fn time(db: &Db, name: &str, pop: &Population) {
    let mut runs = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let (size, parts) = db.blocking(|conn| report(conn, pop)).expect("report");
        runs.push((start.elapsed(), size, parts));
    }
    runs.sort_by_key(|r| r.0);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (total, size, [people, reach, missed]) = runs[2];
    println!(
        "{name:<14} {size:>7} people   median {:>7.1} ms (people and funnel {:.1}, chapter reach {:.1}, missed questions {:.1})   best {:>7.1} ms",
        ms(total),
        ms(people),
        ms(reach),
        ms(missed),
        ms(runs[0].0)
    );
}

fn main() {
    let postgres = std::env::args().any(|a| a == "postgres");
    let dir = tempfile_dir();
    let (url, cleanup) = if postgres {
        let server = std::env::var("SALA_TEST_DATABASE_URL")
            .expect("set SALA_TEST_DATABASE_URL for the PostgreSQL run");
        let admin = Db::connect(&DatabaseUrl::parse(&server).expect("url"), 1).expect("server");
        admin
            .blocking(|c| {
                // Two calls: PostgreSQL runs one multi-statement call as one transaction,
                // which DROP DATABASE refuses.
                c.batch_execute("DROP DATABASE IF EXISTS sala_bench_reports")?;
                c.batch_execute("CREATE DATABASE sala_bench_reports")
                    .map_err(DbError::from)
            })
            .expect("fresh database");
        let base = server.rsplit_once('/').expect("a database in the URL").0;
        (format!("{base}/sala_bench_reports"), Some(admin))
    } else {
        (format!("sqlite://{}/bench.db", dir.display()), None)
    };
    let db = Db::connect(&DatabaseUrl::parse(&url).expect("url"), 4).expect("database");
    db.migrate().expect("migrations");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(sala::startup::publish_new_courses(
        &db,
        std::path::Path::new("courses"),
    ));
    let start = Instant::now();
    let dialect = Dialect { postgres };
    let course = db
        .blocking(|conn| Ok::<_, DbError>(seed(conn, &dialect)))
        .expect("seed");
    println!(
        "seeded {LEARNERS} learners in {COHORTS} cohorts on {} in {:.1} s",
        if postgres { "PostgreSQL" } else { "SQLite" },
        start.elapsed().as_secs_f64()
    );
    let first = db
        .blocking(|conn| Ok::<_, DbError>(one_id(conn, "SELECT MIN(id) AS id FROM cohorts")))
        .expect("cohort");
    let all: Vec<i64> = (first..first + COHORTS).collect();
    time(
        &db,
        "one cohort",
        &Population {
            course_id: course,
            // The cohort of the learners whose id ends in 1: some finished.
            cohorts: vec![first + 1],
            province: None,
            offices: None,
        },
    );
    time(
        &db,
        "one province",
        &Population {
            course_id: course,
            cohorts: all.clone(),
            province: Some(2),
            offices: None,
        },
    );
    time(
        &db,
        "whole course",
        &Population {
            course_id: course,
            cohorts: all,
            province: None,
            offices: None,
        },
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
    if let Some(admin) = cleanup {
        let _ = admin.blocking(|c| {
            c.batch_execute("DROP DATABASE IF EXISTS sala_bench_reports")
                .map_err(DbError::from)
        });
    }
    let _ = std::fs::remove_dir_all(dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sala-bench-reports-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir
}
