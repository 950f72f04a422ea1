//! All SQL lives here: the connection (SQLite or PostgreSQL behind one enum), the pool,
//! transactions, migrations, and one module per aggregate.
//!
//! Diesel is synchronous, so every call runs on tokio's blocking pool (`Db::read`,
//! `Db::write`), never on an actix worker.

pub mod audit;
pub mod backup;
pub mod breaker;
pub mod certificates;
pub mod cohorts;
pub mod cosigning;
pub mod courses;
pub mod drafts;
pub mod error;
pub mod learning;
pub mod migrations;
pub mod organisations;
pub mod outbox;
pub mod provinces;
pub mod quizzes;
pub mod reports;
pub mod schema;
pub mod sessions;
pub mod signatories;
pub mod signing_keys;
pub mod sources;
mod summary;
pub mod throttle;
pub mod tokens;
mod upserts;
pub mod users;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{ManageConnection, Pool, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use secrecy::ExposeSecret;

use crate::config::DatabaseUrl;
use breaker::{Admit, Breaker};
pub use error::DbError;

/// One connection to either backend. The variant is chosen from the URL scheme by
/// `ConnectionManager`, never by trying each backend in turn.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs the same diesel expression on whichever backend the connection is, for the few
/// statements the multi-backend cannot express (upserts, `RETURNING`).
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

diesel::define_sql_function!(
    /// SQL `lower()`, the same on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);

diesel::define_sql_function!(
    /// SQL `lower()` of a value that may be missing (a column of an outer join).
    #[sql_name = "lower"]
    fn lower_or_null(
        x: diesel::sql_types::Nullable<diesel::sql_types::Text>
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Text>
);

/// A `LIKE` pattern that finds `search` anywhere (lower-cased, wildcards escaped with `\`).
pub(crate) fn contains_pattern(search: &str) -> String {
    let escaped = search
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{}%", escaped.to_lowercase())
}

/// Which database a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite settings applied to every new connection: WAL so readers never block the writer,
/// a busy timeout so writers queue instead of failing, foreign keys enforced, and a full
/// sync so an acknowledged write survives a crash. The busy timeout comes first: setting
/// the journal mode waits for the database like any statement, and another process's last
/// connection may be checkpointing its write-ahead log as it closes (a benchmark that
/// reopened the file after seeding it failed with "database is locked").
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";

struct ConnectionManager {
    url: DatabaseUrl,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => Ok(DbConnection::Postgres(PgConnection::establish(
                url.expose_secret(),
            )?)),
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        match conn {
            DbConnection::Postgres(pg) => still_open(pg),
            DbConnection::Sqlite(_) => Ok(()),
        }
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// Whether a PostgreSQL connection that waited in the pool is still open, found without a
/// round trip: it reads, without waiting, what the server sent while the connection was idle.
/// On a live connection that is nothing. A server that stopped or restarted sent its reason
/// and closed the socket; libpq takes the reason as a notice in one read and sees the closed
/// socket in the next, which makes the connection broken. A `SELECT 1` found the same, but
/// it was two of the ten round trips of recording progress, each of which costs PostgreSQL a
/// switch to its backend and back (the fourth run in docs/benchmarks.md). diesel offers no
/// way to the socket but this: `notifications_iter` is libpq's `PQconsumeInput`.
fn still_open(pg: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
    for _ in 0..2 {
        if let Some(Err(e)) = pg.notifications_iter().next() {
            return Err(diesel::r2d2::Error::QueryError(e));
        }
    }
    Ok(())
}

/// The connection pool, cheap to clone and shared by every worker.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager>,
    backend: Backend,
    /// PostgreSQL only: a SQLite file beside the process is never "down".
    breaker: Arc<Breaker>,
    /// SQLite only: the one writer, which commits queued writes in groups.
    writer: Option<Arc<writer::Writer>>,
}

/// How long the one request let through while the server is down waits for a connection.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Db {
    /// Opens the pool and makes sure one connection can be had now, so that a wrong URL
    /// or an unreachable server is reported at start rather than on the first request.
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> Result<Self, DbError> {
        let backend = match url {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        };
        let manager = ConnectionManager { url: url.clone() };
        // Check one connection first: its error says why (the pool's only says "timed out").
        drop(
            manager
                .connect()
                .map_err(|e| DbError::Unavailable(e.to_string()))?,
        );
        let pool = Pool::builder()
            .max_size(pool_size)
            // No connection is made in the background to keep a spare: one being made by
            // r2d2's thread while a command such as `sala migrate` returned and the process
            // exited crashed libpq in its exit handlers (a segfault in 13 of 150 runs).
            // Connections are made on demand and kept while used.
            .min_idle(Some(0))
            // Each PostgreSQL connection is checked before it is handed out (`still_open`),
            // so that one a restart cut is not; a SQLite file opened here cannot be cut.
            .test_on_check_out(backend == Backend::Postgres)
            .connection_timeout(Duration::from_secs(5))
            .build(manager)
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        Ok(Self {
            backend,
            breaker: Arc::default(),
            writer: match backend {
                Backend::Sqlite => Some(Arc::new(writer::Writer::start(ConnectionManager {
                    url: url.clone(),
                })?)),
                Backend::Postgres => None,
            },
            pool,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `f` with a pooled connection on the blocking pool. On PostgreSQL, a request
    /// made while the server is known to be down fails at once with `Unavailable`, and an
    /// error from `f` on a connection that no longer answers becomes `Unavailable` too.
    pub async fn read<F, R, E>(&self, f: F) -> Result<R, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let admit = match self.backend {
            Backend::Sqlite => Admit::Normal,
            Backend::Postgres => self.breaker.admit(),
        };
        if admit == Admit::Refuse {
            return Err(DbError::Unavailable("the database server is down".into()).into());
        }
        let pool = self.pool.clone();
        let breaker = self.breaker.clone();
        let watched = self.backend == Backend::Postgres;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let conn = match admit {
                Admit::Probe => pool.get_timeout(PROBE_TIMEOUT),
                _ => pool.get(),
            };
            let mut conn = conn.map_err(|e| {
                if watched {
                    breaker.failed();
                }
                DbError::Unavailable(e.to_string())
            })?;
            let result = f(&mut conn);
            if watched {
                if result.is_err() && conn.ping().is_err() {
                    breaker.failed();
                    return Err(DbError::Unavailable("the connection was lost".into()).into());
                }
                breaker.succeeded();
            }
            result
        })
        .await
        .map_err(|e| DbError::Unavailable(format!("blocking task failed: {e}")))?
    }

    /// Runs `f`, a look-up of a few rows by key, as soon as possible. On SQLite that is at
    /// once on the calling thread when a pooled connection is free: reading a few rows from
    /// the page cache takes microseconds, less than handing the work to the blocking pool
    /// and waking the caller again, which `perf` showed as the largest cost left on the
    /// chapter page. Otherwise (every connection busy, or PostgreSQL, where each query is
    /// a round trip over the network) it is `read`. Never for reports or anything that
    /// scans: it holds up the other requests of this worker while it runs.
    pub async fn lookup<F, R, E>(&self, f: F) -> Result<R, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        if self.backend == Backend::Sqlite
            && let Some(mut conn) = self.pool.try_get()
        {
            return f(&mut conn);
        }
        self.read(f).await
    }

    /// Runs `f` in a write transaction: everything of `f` or nothing, answered once it is
    /// committed. On SQLite this process's writes queue in arrival order for one writer
    /// (SQLite's own busy wait is not fair: a background job writing back to back starved
    /// a learner's write past the busy timeout), which commits what has queued in one
    /// transaction, each write in its own savepoint (`writer.rs`); its `BEGIN IMMEDIATE`
    /// takes the write lock up front and waits (busy timeout) for another process's writer.
    pub async fn write<F, R, E>(&self, f: F) -> Result<R, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        match &self.writer {
            Some(writer) => writer.run(f).await,
            None => self.read(move |conn| in_write_transaction(conn, f)).await,
        }
    }

    /// Runs `check`, a look-up of a few rows by key, then `f`, which writes what the look-up
    /// found needs writing; answers what `check` found (`None`: nothing, and nothing was
    /// written). `check` also says how many statements `f` will make, and `f` must make no
    /// more: none skips `f`; one runs it without a transaction around it on PostgreSQL,
    /// where a single statement is all or nothing by itself and `BEGIN` and `COMMIT` would
    /// be two more round trips; more run in a write transaction as with `write`. On
    /// PostgreSQL the look-up and the write share one connection and one hand-off to the
    /// blocking pool; on SQLite the look-up runs as `lookup` does and only `f` is queued
    /// for the writer.
    pub async fn write_after<C, T, F, E>(&self, check: C, f: F) -> Result<Option<T>, E>
    where
        C: FnOnce(&mut DbConnection) -> Result<Option<(T, usize)>, E> + Send + 'static,
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &T) -> Result<(), E> + Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        match &self.writer {
            Some(writer) => match self.lookup(check).await? {
                Some((found, 0)) => Ok(Some(found)),
                Some((found, _)) => {
                    writer
                        .run(move |conn| f(conn, &found).map(|()| Some(found)))
                        .await
                }
                None => Ok(None),
            },
            None => {
                self.read(move |conn| {
                    let Some((found, statements)) = check(conn)? else {
                        return Ok(None);
                    };
                    match statements {
                        0 => {}
                        1 => f(conn, &found)?,
                        _ => in_write_transaction(conn, |conn| f(conn, &found))?,
                    }
                    Ok(Some(found))
                })
                .await
            }
        }
    }

    /// SQLite: how many commits this process's writer made and how many writes they held
    /// (the second divided by the first is the mean group size).
    pub fn commit_groups(&self) -> Option<(u64, u64)> {
        self.writer.as_ref().map(|w| w.counts())
    }

    /// A blocking connection, for the command line (migrations, admin tasks).
    pub fn blocking_write<F, R, E>(&self, f: F) -> Result<R, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<R, E>,
        E: From<DbError>,
    {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        in_write_transaction(&mut conn, f)
    }

    /// A pooled connection for the command line and tests, outside any transaction.
    pub fn blocking<R, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<R, E>) -> Result<R, E>
    where
        E: From<DbError>,
    {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        f(&mut conn)
    }

    /// Checks that the database answers now (for `/readyz`).
    pub async fn ping(&self) -> Result<(), DbError> {
        self.read(|conn| conn.ping().map_err(DbError::from)).await
    }

    /// Applies the pending migrations of this backend, then what a migration could not do
    /// in SQL: grading the answers of attempts submitted before attempts kept a tally of
    /// them, a batch a transaction.
    pub fn migrate(&self) -> Result<(), DbError> {
        self.blocking(migrations::run_pending)?;
        while self.blocking_write(|conn| quizzes::tally_untallied(conn, 500))? > 0 {}
        Ok(())
    }
}

fn in_write_transaction<F, R, E>(conn: &mut DbConnection, f: F) -> Result<R, E>
where
    F: FnOnce(&mut DbConnection) -> Result<R, E>,
    E: From<DbError>,
{
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        DbConnection::Postgres(c) => AnsiTransactionManager::begin_transaction(c),
    }
    .map_err(DbError::from)?;
    match f(conn) {
        Ok(value) => {
            on_backend!(conn, |c| AnsiTransactionManager::commit_transaction(c))
                .map_err(DbError::from)?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) =
                on_backend!(conn, |c| AnsiTransactionManager::rollback_transaction(c))
            {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(error)
        }
    }
}
