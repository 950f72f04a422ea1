//! The realistic dataset the benchmarks share: the WASH course published, 100 000 learners
//! in 1 000 cohorts across the 25 provinces' offices, 80 % signed in, 60 % started with 0–9
//! chapters read, 20 % finished with an assessment attempt each (about 380 000 progress
//! rows and 200 000 answers), seeded in bulk SQL in a few seconds.

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use sala::config::DatabaseUrl;
use sala::db::{Db, DbConnection, DbError};

pub const LEARNERS: i64 = 100_000;
pub const COHORTS: i64 = 1_000;

#[derive(diesel::QueryableByName)]
pub struct Id {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
}

pub fn one_id(conn: &mut DbConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Id>(conn)
        .map(|r| r.id)
        .expect(sql)
}

/// Backend-specific spellings of a timestamp (`hours` after a fixed start) and a date.
pub struct Dialect {
    pub postgres: bool,
}

impl Dialect {
    pub fn at(&self, hours: &str) -> String {
        if self.postgres {
            format!("(TIMESTAMP '2026-12-01 08:00:00' + ({hours}) * INTERVAL '1 hour')")
        } else {
            format!("datetime('2026-12-01 08:00:00', '+' || ({hours}) || ' hours')")
        }
    }

    pub fn date(&self, day: &str) -> String {
        if self.postgres {
            format!("DATE '{day}'")
        } else {
            format!("'{day}'")
        }
    }
}

/// Seeds the dataset into the database of `db` (with the WASH course published); the
/// course's id.
pub fn seed(db: &Db, d: &Dialect) -> i64 {
    let course = db
        .blocking(|conn| Ok::<_, DbError>(seed_rows(conn, d)))
        .expect("seed");
    // The attempts were written in SQL, without the tally of their answers that grading
    // keeps: tallied as an upgrade from before the tallies would.
    db.migrate().expect("tally the attempts");
    course
}

/// The chapter keys of the course's newest version, in order.
#[allow(
    dead_code,
    reason = "the reports benchmark uses it, the server benchmark does not"
)]
pub fn chapter_keys(conn: &mut DbConnection, course: i64) -> Result<Vec<String>, DbError> {
    #[derive(diesel::QueryableByName)]
    struct Key {
        #[diesel(sql_type = diesel::sql_types::Text)]
        chapter_key: String,
    }
    let keys: Vec<Key> = diesel::sql_query(format!(
        "SELECT chapter_key FROM chapters WHERE version_id = \
         (SELECT MAX(id) FROM course_versions WHERE course_id = {course}) ORDER BY position"
    ))
    .load(conn)?;
    Ok(keys.into_iter().map(|k| k.chapter_key).collect())
}

fn seed_rows(conn: &mut DbConnection, d: &Dialect) -> i64 {
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
           FROM attempts a JOIN questions q ON q.version_id = {version} AND q.quiz = 'final';
         UPDATE enrolments SET
           chapters_read = (SELECT COUNT(*) FROM chapter_progress p
             WHERE p.user_id = enrolments.user_id AND p.read_at IS NOT NULL),
           completed_at = (SELECT c.completed_at FROM completions c
             WHERE c.user_id = enrolments.user_id),
           chapters_opened = (SELECT CAST(COALESCE(SUM(b.mask), 0) AS BIGINT) FROM chapter_bits b
             WHERE b.course_id = enrolments.course_id AND b.chapter_key IN (
               SELECT p.chapter_key FROM chapter_progress p WHERE p.user_id = enrolments.user_id));",
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

/// A fresh database for a benchmark: a SQLite file in `dir`, or (with `postgres`) a new
/// database `name` on the server of `SALA_TEST_DATABASE_URL`, dropped by `drop_database`.
pub fn database(postgres: bool, name: &str, dir: &std::path::Path) -> (String, Option<Db>) {
    if !postgres {
        return (format!("sqlite://{}/bench.db", dir.display()), None);
    }
    let server = std::env::var("SALA_TEST_DATABASE_URL")
        .expect("set SALA_TEST_DATABASE_URL for the PostgreSQL run");
    let admin = Db::connect(&DatabaseUrl::parse(&server).expect("url"), 1).expect("server");
    let (drop, create) = (
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    );
    admin
        .blocking(|c| {
            // Two calls: PostgreSQL runs one multi-statement call as one transaction,
            // which DROP DATABASE refuses.
            c.batch_execute(&drop)?;
            c.batch_execute(&create).map_err(DbError::from)
        })
        .expect("fresh database");
    // The same server, user and parameters (`?sslmode=…`), another database.
    let (base, database) = server.rsplit_once('/').expect("a database in the URL");
    let parameters = database.find('?').map_or("", |at| &database[at..]);
    (format!("{base}/{name}{parameters}"), Some(admin))
}

pub fn drop_database(admin: Option<Db>, name: &str) {
    if let Some(admin) = admin {
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = admin.blocking(|c| c.batch_execute(&sql).map_err(DbError::from));
    }
}

/// Connects to the benchmark's database, migrates it and publishes the sample courses.
pub fn open_published(url: &str) -> Db {
    let db = Db::connect(&DatabaseUrl::parse(url).expect("url"), 4).expect("database");
    db.migrate().expect("migrations");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(sala::startup::publish_new_courses(
        &db,
        std::path::Path::new("courses"),
    ));
    db
}

/// A folder of the benchmark's own in the system's temporary folder.
pub fn temporary_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir
}
