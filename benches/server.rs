//! Sala under load: seeds the shared realistic dataset (see `seed`), starts the release
//! `sala` binary on it, signs learners in over HTTP, and drives each request that matters
//! with `wrk` (Debian's package) on loopback: req/s, p50/p99 latency, errors and the
//! server's peak RSS, printed as a Markdown table for docs/benchmarks.md. Then it holds
//! 5 000 slow connections (a request sent a byte a second) open against the server and
//! measures the chapter page again beside them.
//!
//! `cargo bench --bench server` runs on SQLite in a temporary folder; `cargo bench --bench
//! server -- postgres` on a fresh database on the server of `SALA_TEST_DATABASE_URL`.
//! `-- --seconds N` sets each run's length (default 10); `-- --hold` keeps the server up
//! for ten minutes after signing in, and prints its pid and a session cookie, to profile;
//! `-- --only TEXT,TEXT` runs only the lines whose name contains one of them;
//! `-- --binary PATH` measures another build of `sala` (an older commit's, built in its own
//! target folder) on the same dataset, for a before-and-after.

#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a benchmark reports on standard output and stops on any setup failure"
)]

mod seed;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use diesel::connection::SimpleConnection;
use diesel::{QueryableByName, RunQueryDsl};
use sala::config::DatabaseUrl;
use sala::db::{Db, DbConnection, DbError};
use sala::model::ids::{CourseId, VersionId};
use seed::{Dialect, one_id};

const PASSWORD: &str = "bench password for everyone";
const SLUG: &str = "inclusive-wash";
/// Learners with certificates who sign in for the page, write and PDF runs.
const SESSIONS: usize = 64;
/// Learners with a finished, unsubmitted final assessment, one submission each.
const READY: i64 = 600;
/// Learners who have not started the course, for the runs in which every write is a
/// first (a chapter read, a practice check passed), as a cohort in a training room makes.
const NEWCOMERS: usize = 1_000;

#[derive(QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}

fn texts(conn: &mut DbConnection, sql: &str) -> Vec<String> {
    diesel::sql_query(sql)
        .load::<Text>(conn)
        .expect(sql)
        .into_iter()
        .map(|t| t.text)
        .collect()
}

fn ids(conn: &mut DbConnection, sql: &str) -> Vec<i64> {
    diesel::sql_query(sql)
        .load::<seed::Id>(conn)
        .expect(sql)
        .into_iter()
        .map(|r| r.id)
        .collect()
}

/// Everything the runs need that the seed does not make: passwords, certificates, a
/// coordinator, and learners with an unsubmitted final assessment.
struct Fixture {
    ministry: String,
    cohort: i64,
    chapters: Vec<String>,
    /// Practice-check form fields per chapter (all answers right).
    checks: Vec<String>,
    /// (email, serial) of learners with a certificate.
    certified: Vec<(String, String)>,
    /// Emails of learners with a finished attempt to submit, and its id.
    ready: Vec<(String, sala::model::ids::AttemptId)>,
    /// Emails of learners with no progress in the course.
    newcomers: Vec<String>,
    coordinator: String,
}

fn prepare(db: &Db, postgres: bool, key: &[u8], kek: &[u8], base: &str) -> Fixture {
    let d = Dialect { postgres };
    let course = seed::seed(db, &d);
    let hash = sala::accounts::password::hash(
        &sala::accounts::fields::Password::parse(PASSWORD).expect("password"),
    )
    .expect("hash");
    let now = chrono::Utc::now().naive_utc();
    db.blocking(|conn| {
        // Every learner can sign in with the one password (hashing 100 000 would take
        // minutes and change nothing measured).
        conn.batch_execute(&format!(
            "UPDATE users SET password_hash = '{hash}' WHERE email LIKE 'learner%'"
        ))?;
        // No reminders fall due while the runs go on: their cost is measured in the reports
        // benchmark, and here they would be background work beside every figure.
        conn.batch_execute(
            "UPDATE cohorts SET remind_not_started_days = NULL, remind_idle_days = NULL,
               remind_before_due_days = NULL",
        )?;
        // READY learners among those never invited-accepted: every chapter passed.
        conn.batch_execute(&format!(
            "INSERT INTO enrolments (user_id, course_id, started_at, last_chapter_key, last_activity_at)
               SELECT id, {course}, {t}, 'x', {t} FROM users
               WHERE email LIKE 'learner%' AND id % 100 = 5 AND id <= {limit};
             INSERT INTO chapter_progress (user_id, course_id, chapter_key, content_hash, opened_at, read_at, passed_at)
               SELECT e.user_id, {course}, c.chapter_key, c.content_hash, {t}, {t}, {t}
               FROM enrolments e JOIN chapters c ON c.version_id =
                 (SELECT MAX(id) FROM course_versions WHERE course_id = {course})
               WHERE e.user_id % 100 = 5 AND e.user_id <= {limit};",
            t = d.at("1"),
            limit = READY * 100,
        ))?;
        Ok::<_, DbError>(())
    })
    .expect("passwords and ready learners");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let version = db
        .blocking(|conn| sala::db::learning::current_version(conn, SLUG))
        .expect("version")
        .expect("the WASH course is published");
    // Each ready learner starts the final assessment and answers every question right.
    let ready_ids = db
        .blocking(|conn| {
            Ok::<_, DbError>(ids(
                conn,
                &format!(
                    "SELECT user_id AS id FROM enrolments WHERE user_id % 100 = 5 AND user_id <= {}",
                    READY * 100
                ),
            ))
        })
        .expect("ready learners");
    let pool = db
        .blocking(move |conn| sala::db::quizzes::questions(conn, version.version_id, None))
        .expect("questions");
    let mut ready = Vec::new();
    for id in ready_ids {
        let user = sala::accounts::UserId(id);
        let attempt = runtime
            .block_on(sala::quizzes::attempts::start(
                db,
                user,
                version.clone(),
                now,
            ))
            .expect("start");
        let (drawn, _) = runtime
            .block_on(sala::quizzes::attempts::load(
                db,
                user,
                CourseId(course),
                attempt,
            ))
            .expect("load");
        for (index, question) in drawn.draw.questions.iter().enumerate() {
            let right: BTreeSet<String> = pool
                .iter()
                .find(|q| q.key == question.key)
                .expect("drawn from the pool")
                .options
                .iter()
                .filter(|o| o.correct)
                .map(|o| o.key.clone())
                .collect();
            runtime
                .block_on(sala::quizzes::attempts::answer(
                    db,
                    user,
                    CourseId(course),
                    attempt,
                    index,
                    right,
                    now,
                ))
                .expect("answer");
        }
        ready.push((format!("learner{id}@example.org"), attempt));
    }

    // Certificates for the finished learners whose id ends in 01.
    let authority = sala::certificates::Authority::new(key, kek, base.parse().expect("url"), "KH");
    let finished = db
        .blocking(|conn| {
            Ok::<_, DbError>(ids(
                conn,
                "SELECT user_id AS id FROM completions WHERE user_id % 100 = 1",
            ))
        })
        .expect("finished learners");
    db.blocking(|conn| {
        for id in &finished {
            authority
                .issue_missing(conn, sala::accounts::UserId(*id), now)
                .map_err(|e| DbError::Corrupt(e.to_string()))?;
        }
        Ok::<_, DbError>(())
    })
    .expect("certificates");

    let (ministry, cohort, certified, chapters, newcomers) = db
        .blocking(|conn| {
            let ministry = texts(
                conn,
                &format!(
                    "SELECT o.slug AS text FROM organisations o JOIN courses c
                     ON c.organisation_id = o.id WHERE c.id = {course}"
                ),
            )
            .remove(0);
            let cohort = one_id(conn, "SELECT MIN(id) + 1 AS id FROM cohorts");
            let certified: Vec<(String, String)> = texts(
                conn,
                "SELECT u.email || ' ' || c.serial AS text FROM certificates c
                 JOIN users u ON u.id = c.user_id ORDER BY u.id",
            )
            .into_iter()
            .filter_map(|t| t.split_once(' ').map(|(a, b)| (a.to_owned(), b.to_owned())))
            .collect();
            let chapters = texts(
                conn,
                &format!(
                    "SELECT chapter_key AS text FROM chapters WHERE version_id =
                     (SELECT MAX(id) FROM course_versions WHERE course_id = {course})
                     ORDER BY position"
                ),
            );
            let newcomers = texts(
                conn,
                &format!(
                    "SELECT email AS text FROM users WHERE email LIKE 'learner%'
                     AND id NOT IN (SELECT user_id FROM enrolments WHERE course_id = {course})
                     AND id NOT IN (SELECT user_id FROM chapter_progress WHERE course_id = {course})
                     ORDER BY id LIMIT {NEWCOMERS}"
                ),
            );
            Ok::<_, DbError>((ministry, cohort, certified, chapters, newcomers))
        })
        .expect("fixture");
    let version_id = version_of(db, course);
    let checks = chapters
        .iter()
        .map(|chapter| {
            let key = chapter.clone();
            let questions = db
                .blocking(move |conn| {
                    sala::db::quizzes::questions(conn, VersionId(version_id), Some(&key))
                })
                .expect("practice questions");
            let mut fields = String::new();
            for q in questions {
                for o in q.options.iter().filter(|o| o.correct) {
                    let _ = write!(fields, "&q.{}={}", q.key, o.key);
                }
            }
            fields
        })
        .collect();

    // The first certified learner coordinates for the ministry.
    let coordinator = certified[0].0.clone();
    let email = sala::accounts::Email::parse(&coordinator).expect("email");
    let (user, org) = db
        .blocking(|conn| {
            let user = sala::db::users::find_by_email(conn, &email)?
                .expect("user")
                .0;
            let org = sala::db::organisations::find_by_slug(conn, &ministry)?.expect("ministry");
            Ok::<_, DbError>((user.id, org.id))
        })
        .expect("coordinator");
    runtime
        .block_on(sala::accounts::roles::grant(
            db,
            user,
            sala::accounts::Role::Coordinator,
            org,
            sala::audit::Actor {
                user: Some(user),
                label: "benchmark".into(),
                address: None,
            },
            now,
        ))
        .expect("grant");
    db.blocking(|conn| conn.batch_execute("ANALYZE").map_err(DbError::from))
        .expect("analyze");
    Fixture {
        ministry,
        cohort,
        chapters,
        checks,
        certified,
        ready,
        newcomers,
        coordinator,
    }
}

fn version_of(db: &Db, course: i64) -> i64 {
    db.blocking(|conn| {
        Ok::<_, DbError>(one_id(
            conn,
            &format!("SELECT MAX(id) AS id FROM course_versions WHERE course_id = {course}"),
        ))
    })
    .expect("version")
}

/// The release `sala serve` on the database, with the benchmark's key.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(binary: &str, url: &str, dir: &std::path::Path, key: &[u8], port: u16) -> Self {
        let mut child = Command::new(binary)
            .current_dir(dir)
            .env("SALA_DATABASE_URL", url)
            .env("SALA_DATA_DIR", dir.join("data"))
            .env("SALA_BIND", format!("127.0.0.1:{port}"))
            .env(
                "SALA_COOKIE_KEY",
                base64::engine::general_purpose::STANDARD.encode(key),
            )
            .env("SALA_COURSES_DIR", "")
            .env("SALA_LOG", "warn")
            .env("SALA_BASE_URL", format!("http://127.0.0.1:{port}/"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("start sala");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.contains("Sala is running") => break,
                Some(Ok(_)) => {}
                _ => panic!("sala stopped before it was running"),
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Self {
            child,
            address: format!("http://127.0.0.1:{port}"),
        }
    }

    fn rss_kb(&self) -> u64 {
        rss_kb(self.child.id())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// A signed-in learner: the Cookie header and a CSRF token of the session.
struct Session {
    cookie: String,
    csrf: String,
}

async fn sign_in(address: &str, email: &str, page: &str) -> Session {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let csrf_of = |html: &str| {
        html.split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(str::to_owned)
    };
    let html = client
        .get(format!("{address}/sign-in"))
        .send()
        .await
        .expect("sign-in page")
        .text()
        .await
        .expect("body");
    let token = csrf_of(&html).expect("a CSRF token on the sign-in page");
    let response = client
        .post(format!("{address}/sign-in"))
        .form(&[
            ("csrf", token.as_str()),
            ("email", email),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), 303, "{email} signs in");
    let html = client
        .get(format!("{address}{page}"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let url: reqwest::Url = address.parse().expect("url");
    use reqwest::cookie::CookieStore;
    Session {
        cookie: jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .expect("a session cookie"),
        csrf: csrf_of(&html).unwrap_or_default(),
    }
}

/// One request for wrk: method, path, cookie, form body.
struct Request {
    method: &'static str,
    path: String,
    cookie: String,
    body: String,
}

/// What wrk measured.
#[derive(Default)]
struct Figures {
    requests: u64,
    per_second: f64,
    mean_ms: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    socket_errors: String,
    peak_rss_mb: f64,
}

fn lua_string(s: &str) -> String {
    format!("{s:?}")
}

/// The runs of one invocation: which server, how long each run, and which runs
/// (`-- --only TEXT,TEXT`: those whose name contains one of them, to measure one request
/// over and over).
struct Bench<'a> {
    server: &'a Server,
    seconds: u64,
    only: Option<String>,
}

impl Bench<'_> {
    fn wants(&self, name: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.split(',').any(|part| name.contains(part)))
    }

    fn run(&self, name: &str, requests: &[Request], connections: usize, once: bool) {
        if self.wants(name) {
            wrk(self.server, name, requests, connections, self.seconds, once);
        }
    }
}

/// Runs wrk over `requests` (each thread takes every n-th, round and round; `once` stops
/// a thread when its share is used up) and samples the server's RSS meanwhile.
fn wrk(
    server: &Server,
    name: &str,
    requests: &[Request],
    connections: usize,
    seconds: u64,
    once: bool,
) {
    let threads = 2.min(connections);
    let mut lua = String::from("local requests = {\n");
    for r in requests {
        let _ = writeln!(
            lua,
            "  {{{}, {}, {}, {}}},",
            lua_string(r.method),
            lua_string(&r.path),
            lua_string(&r.cookie),
            lua_string(&r.body)
        );
    }
    let _ = write!(
        lua,
        "}}
local counter = 0
function setup(thread)
  thread:set(\"first\", counter)
  counter = counter + 1
end
function init(args)
  next_index = first
  used = 0
end
function request()
  local r = requests[(next_index % #requests) + 1]
  next_index = next_index + {threads}
  local headers = {{}}
  if r[3] ~= \"\" then headers[\"Cookie\"] = r[3] end
  if r[4] ~= \"\" then headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\" end
  return wrk.format(r[1], r[2], headers, r[4] ~= \"\" and r[4] or nil)
end
function response(status, headers, body)
  used = used + 1
  if {once} and used * {threads} >= #requests then wrk.thread:stop() end
end
"
    );
    let script = std::env::temp_dir().join(format!("sala-bench-{}.lua", std::process::id()));
    std::fs::write(&script, lua).expect("write the wrk script");
    let pid = server.child.id();
    let sampling = Arc::new(AtomicBool::new(true));
    let peak = Arc::new(AtomicUsize::new(0));
    let sampler = {
        let (sampling, peak) = (sampling.clone(), peak.clone());
        std::thread::spawn(move || {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(usize::try_from(rss_kb(pid)).unwrap_or(0), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let output = Command::new("wrk")
        .args([
            "--latency",
            "-t",
            &threads.to_string(),
            "-c",
            &connections.to_string(),
            "-d",
            &format!("{seconds}s"),
            "--timeout",
            "30s",
            "-s",
        ])
        .arg(&script)
        .arg(&server.address)
        .output()
        .expect("wrk (apt-get install wrk)");
    sampling.store(false, Ordering::Relaxed);
    sampler.join().expect("sampler");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut figures = parse_wrk(&text);
    if once {
        // wrk divides by the whole duration, though the threads stopped when their share
        // was used up: with every connection busy back to back, the rate is the number of
        // connections over the mean latency (Little's law).
        figures.per_second = connections as f64 / (figures.mean_ms / 1000.0);
    }
    figures.peak_rss_mb = peak.load(Ordering::Relaxed) as f64 / 1024.0;
    println!(
        "| {name} | {connections} | {:.0} | {:.1} | {:.1} | {} | {:.0} |{}",
        figures.per_second,
        figures.p50_ms,
        figures.p99_ms,
        figures.errors,
        figures.peak_rss_mb,
        if figures.socket_errors.is_empty() {
            String::new()
        } else {
            format!(" {}", figures.socket_errors)
        }
    );
    if figures.requests == 0 {
        println!(
            "wrk said:\n{text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn parse_wrk(text: &str) -> Figures {
    let ms = |value: &str| {
        let number = |suffix: &str| value.trim_end_matches(suffix).parse::<f64>().ok();
        if let Some(v) = value.strip_suffix("us").and_then(|_| number("us")) {
            v / 1000.0
        } else if let Some(v) = value.strip_suffix("ms").and_then(|_| number("ms")) {
            v
        } else if let Some(v) = value.strip_suffix('s').and_then(|_| number("s")) {
            v * 1000.0
        } else {
            f64::NAN
        }
    };
    let mut figures = Figures::default();
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Latency", mean, ..] if *mean != "Distribution" => figures.mean_ms = ms(mean),
            ["50%", value] => figures.p50_ms = ms(value),
            ["99%", value] => figures.p99_ms = ms(value),
            ["Requests/sec:", value] => figures.per_second = value.parse().unwrap_or(0.0),
            [count, "requests", "in", ..] => figures.requests = count.parse().unwrap_or(0),
            ["Non-2xx", "or", "3xx", "responses:", count] => {
                figures.errors = count.parse().unwrap_or(0);
            }
            ["Socket", "errors:", ..] => figures.socket_errors = line.to_owned(),
            _ => {}
        }
    }
    figures
}

/// Holds `count` connections that each send a request a byte a second, reconnecting
/// whenever the server hangs up; returns the flag that stops them and how many are open.
fn slow_clients(
    runtime: &tokio::runtime::Runtime,
    address: &str,
    count: usize,
) -> (Arc<AtomicBool>, Arc<AtomicUsize>) {
    use tokio::io::AsyncWriteExt;
    let stop = Arc::new(AtomicBool::new(false));
    let open = Arc::new(AtomicUsize::new(0));
    let host = address.trim_start_matches("http://").to_owned();
    for n in 0..count {
        let (stop, open, host) = (stop.clone(), open.clone(), host.clone());
        runtime.spawn(async move {
            // Spread the connects over the first two seconds.
            tokio::time::sleep(Duration::from_millis((n % 2000) as u64)).await;
            let request = format!("GET /courses HTTP/1.1\r\nHost: {host}\r\nX-Slow: {n}\r\n\r\n");
            while !stop.load(Ordering::Relaxed) {
                let Ok(mut stream) = tokio::net::TcpStream::connect(&host).await else {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                };
                open.fetch_add(1, Ordering::Relaxed);
                for byte in request.as_bytes() {
                    if stop.load(Ordering::Relaxed) || stream.write_all(&[*byte]).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                open.fetch_sub(1, Ordering::Relaxed);
            }
        });
    }
    (stop, open)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let postgres = args.iter().any(|a| a == "postgres");
    let seconds: u64 = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let name = "sala_bench_server";
    let dir = seed::temporary_dir("sala-bench-server");
    let (url, admin) = seed::database(postgres, name, &dir);
    let key: Vec<u8> = (0..64).map(|_| rand::random::<u8>()).collect();
    // The server finds the key-encryption secret in its data folder, as on a first start.
    std::fs::create_dir_all(dir.join("data")).expect("data folder");
    let kek = sala::secrets::key_encryption_key(None, &dir.join("data")).expect("secret");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let started = Instant::now();
    let fixture = {
        let db = seed::open_published(&url);
        prepare(
            &db,
            postgres,
            &key,
            kek.expose(),
            &format!("http://127.0.0.1:{port}/"),
        )
    };
    let rows = {
        let db = Db::connect(&DatabaseUrl::parse(&url).expect("url"), 1).expect("database");
        db.blocking(|conn| {
            Ok::<_, DbError>(one_id(
                conn,
                "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM invitations)
                 + (SELECT COUNT(*) FROM chapter_progress) + (SELECT COUNT(*) FROM attempt_answers)
                 + (SELECT COUNT(*) FROM certificates) AS id",
            ))
        })
        .expect("count")
    };
    println!(
        "Seeded on {}: {} learners, {} cohorts, {} certificates, {} unsubmitted assessments, \
         {rows} rows in the main tables, in {:.0} s.",
        if postgres { "PostgreSQL" } else { "SQLite" },
        seed::LEARNERS,
        seed::COHORTS,
        fixture.certified.len(),
        fixture.ready.len(),
        started.elapsed().as_secs_f64()
    );

    let binary = args
        .iter()
        .position(|a| a == "--binary")
        .and_then(|i| args.get(i + 1))
        .map_or(env!("CARGO_BIN_EXE_sala"), String::as_str);
    let server = Server::start(binary, &url, &dir, &key, port);
    std::thread::sleep(Duration::from_secs(1));
    println!(
        "idle RSS after start: {:.1} MB",
        server.rss_kb() as f64 / 1024.0
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let first_chapter = format!("/courses/{SLUG}/{}", fixture.chapters[0]);
    let sessions: Vec<(Session, String)> = runtime.block_on(async {
        let mut all = Vec::new();
        for (email, serial) in fixture.certified.iter().take(SESSIONS) {
            all.push((
                sign_in(&server.address, email, &first_chapter).await,
                serial.clone(),
            ));
        }
        all
    });
    let coordinator = runtime.block_on(sign_in(
        &server.address,
        &fixture.coordinator,
        &format!("/coordinate/{}", fixture.ministry),
    ));
    println!(
        "idle RSS with {SESSIONS} sessions: {:.1} MB",
        server.rss_kb() as f64 / 1024.0
    );
    if args.iter().any(|a| a == "--hold") {
        // For profiling by hand (perf record -p PID, wrk with this cookie): the server
        // stays up for ten minutes.
        println!(
            "holding: pid {} at {}{first_chapter} with Cookie: {}",
            server.child.id(),
            server.address,
            sessions[0].0.cookie
        );
        std::thread::sleep(Duration::from_secs(600));
        return;
    }

    let each_chapter = |make: &dyn Fn(&Session, usize, &str) -> Request| -> Vec<Request> {
        let mut list = Vec::new();
        for (index, chapter) in fixture.chapters.iter().enumerate() {
            for (session, _) in &sessions {
                list.push(make(session, index, chapter));
            }
        }
        list
    };
    let chapter_pages = each_chapter(&|s, _, chapter| Request {
        method: "GET",
        path: format!("/courses/{SLUG}/{chapter}"),
        cookie: s.cookie.clone(),
        body: String::new(),
    });
    let pdfs: Vec<Request> = sessions
        .iter()
        .map(|(s, serial)| Request {
            method: "GET",
            path: format!("/certificates/{serial}/certificate.pdf"),
            cookie: s.cookie.clone(),
            body: String::new(),
        })
        .collect();
    let verify: Vec<Request> = fixture
        .certified
        .iter()
        .map(|(_, serial)| Request {
            method: "GET",
            path: format!("/verify/{serial}"),
            cookie: String::new(),
            body: String::new(),
        })
        .collect();
    let report = |query: String, csv: bool| {
        vec![Request {
            method: "GET",
            path: format!(
                "/coordinate/{}/report{}?{query}",
                fixture.ministry,
                if csv { ".csv" } else { "" }
            ),
            cookie: coordinator.cookie.clone(),
            body: String::new(),
        }]
    };
    let bench = Bench {
        server: &server,
        seconds,
        only: args
            .iter()
            .position(|a| a == "--only")
            .and_then(|i| args.get(i + 1))
            .cloned(),
    };
    // Newcomers sign in one after the other (in parallel, the sign-in throttle per address
    // refuses them); the page they land on is the first chapter as saved for offline
    // reading, which records nothing.
    let (first_read_run, first_check_run) = (
        "recording progress, first time (newcomers, once each)",
        "answering a practice question, first time (newcomers, once each)",
    );
    let newcomers: Vec<Session> = if bench.wants(first_read_run) || bench.wants(first_check_run) {
        println!(
            "first writes: signing in {} newcomers, {} chapters each…",
            fixture.newcomers.len(),
            fixture.chapters.len()
        );
        let landing = format!("{first_chapter}?saving=1");
        runtime.block_on(async {
            let mut all = Vec::new();
            for email in &fixture.newcomers {
                all.push(sign_in(&server.address, email, &landing).await);
            }
            all
        })
    } else {
        Vec::new()
    };
    // Each newcomer's chapters in order, chapter by chapter across the newcomers.
    let first_time = |make: &dyn Fn(&Session, usize, &str) -> Request| -> Vec<Request> {
        let mut list = Vec::new();
        for (index, chapter) in fixture.chapters.iter().enumerate() {
            for session in &newcomers {
                list.push(make(session, index, chapter));
            }
        }
        list
    };
    let mark_read = |s: &Session, _: usize, chapter: &str| Request {
        method: "POST",
        path: format!("/courses/{SLUG}/{chapter}/read"),
        cookie: s.cookie.clone(),
        body: format!("csrf={}", s.csrf),
    };
    let check = |s: &Session, index: usize, chapter: &str| Request {
        method: "POST",
        path: format!("/courses/{SLUG}/{chapter}/check"),
        cookie: s.cookie.clone(),
        body: format!("csrf={}{}", s.csrf, fixture.checks[index]),
    };
    let first_reads = first_time(&mark_read);
    let first_checks = first_time(&check);
    let progress = each_chapter(&mark_read);
    let answers = each_chapter(&check);
    println!("submitting: signing in {} learners…", fixture.ready.len());
    let submissions: Vec<Request> = runtime.block_on(async {
        let mut list = Vec::new();
        for (email, attempt) in &fixture.ready {
            let review = format!("/courses/{SLUG}/final/{attempt}/review");
            let s = sign_in(&server.address, email, &review).await;
            list.push(Request {
                method: "POST",
                path: format!("/courses/{SLUG}/final/{attempt}/submit"),
                cookie: s.cookie,
                body: format!("csrf={}", s.csrf),
            });
        }
        list
    });

    println!();
    println!("| request | connections | req/s | p50 ms | p99 ms | non-2xx/3xx | peak RSS MB |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    bench.run("chapter page, signed in", &chapter_pages, 64, false);
    bench.run(first_read_run, &first_reads, 64, true);
    bench.run(first_check_run, &first_checks, 64, true);
    bench.run(
        "recording progress again (already read: nothing to write)",
        &progress,
        64,
        false,
    );
    bench.run(
        "answering a practice question again (already passed)",
        &answers,
        64,
        false,
    );
    bench.run(
        &format!(
            "final assessment submission ({} once each)",
            submissions.len()
        ),
        &submissions,
        16,
        true,
    );
    bench.run("certificate PDF", &pdfs, 8, false);
    bench.run("verify page", &verify, 64, false);
    bench.run(
        "report: one cohort (100 people)",
        &report(format!("course={SLUG}&cohort={}", fixture.cohort), false),
        4,
        false,
    );
    bench.run(
        "report: one province (4 000)",
        &report(format!("course={SLUG}&province=2"), false),
        4,
        false,
    );
    bench.run(
        "report: whole course (100 000)",
        &report(format!("course={SLUG}"), false),
        4,
        false,
    );
    bench.run(
        "CSV export: one province (4 000 rows)",
        &report(format!("course={SLUG}&province=2"), true),
        4,
        false,
    );

    // Slow clients: 5 000 connections trickling requests in, and the chapter page beside.
    let beside_slow = "chapter page, beside 5 000 slow connections";
    if bench.wants(beside_slow) {
        let (stop, open) = slow_clients(&runtime, &server.address, 5_000);
        std::thread::sleep(Duration::from_secs(4));
        let before = open.load(Ordering::Relaxed);
        bench.run(beside_slow, &chapter_pages, 64, false);
        println!(
            "slow connections open: {before} before the run, {} after it",
            open.load(Ordering::Relaxed)
        );
        stop.store(true, Ordering::Relaxed);
    }
    drop(runtime);
    drop(server);
    seed::drop_database(admin, name);
    let _ = std::fs::remove_dir_all(dir);
}
