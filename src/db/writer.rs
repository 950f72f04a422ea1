//! SQLite's writer, committing in groups.
//!
//! SQLite lets one transaction write at a time, and with `synchronous = FULL` each commit
//! waits for an fsync: that wait, not the work, bounds how many durable writes a second a
//! server can acknowledge. So this process's writes queue (in arrival order) for one
//! thread, which takes every write that has queued meanwhile, runs each in a savepoint of
//! its own inside one transaction (a write that fails rolls back alone), commits once and
//! only then answers each caller. An acknowledged write is durable, and a burst of N
//! writes costs one fsync. When writes come one at a time, each is its own group and
//! waits for nothing.
//!
//! Written by hand: neither diesel nor r2d2 offers group commit, and the whole of it is
//! this file.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::r2d2::ManageConnection;

use super::{ConnectionManager, DbConnection, DbError, on_backend};

/// Writes taken into one transaction at most; more wait for the next.
const MOST_IN_A_GROUP: usize = 64;

/// What a queued write does once it is its group's turn: given the connection (inside the
/// group's transaction), or `None` when the transaction could not begin, it returns how to
/// answer its caller once the group's commit has succeeded or failed.
type Job = Box<dyn FnOnce(Option<&mut DbConnection>) -> Answer + Send>;
type Answer = Box<dyn FnOnce(Result<(), &DbError>) + Send>;

/// The queue to the writer thread. The thread ends when the last sender is dropped.
pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
    counts: Arc<Counts>,
}

/// Commits made and writes committed in them, since start.
#[derive(Default)]
struct Counts {
    commits: AtomicU64,
    writes: AtomicU64,
}

impl Writer {
    /// Starts the writer thread; it opens its own connection (outside the pool, so that
    /// readers never wait for the one the writer keeps) at the first write.
    pub(super) fn start(manager: ConnectionManager) -> Result<Self, DbError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let counts = Arc::new(Counts::default());
        let counted = counts.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || serve(&manager, &queue, &counted))
            .map_err(|e| DbError::Unavailable(format!("cannot start the writer: {e}")))?;
        Ok(Self { jobs, counts })
    }

    /// (commits, writes committed) since start.
    pub(super) fn counts(&self) -> (u64, u64) {
        (
            self.counts.commits.load(Ordering::Relaxed),
            self.counts.writes.load(Ordering::Relaxed),
        )
    }

    /// Runs `f` in a transaction shared with the writes queued beside it; answers once the
    /// transaction is committed (or `f`'s own error, with nothing of `f` kept).
    pub(super) async fn run<F, R, E>(&self, f: F) -> Result<R, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel::<Result<R, E>>();
        let span = tracing::Span::current();
        let job: Job = Box::new(move |conn| {
            let _entered = span.enter();
            let outcome = conn.map(|conn| in_savepoint(conn, f));
            Box::new(move |committed: Result<(), &DbError>| {
                let result = match (outcome, committed) {
                    (Some(Err(own)), _) => Err(own),
                    (Some(Ok(value)), Ok(())) => Ok(value),
                    (_, Err(e)) => Err(again(e).into()),
                    (None, Ok(())) => {
                        Err(DbError::Unavailable("the write did not run".into()).into())
                    }
                };
                // The caller may have gone (a closed connection); the write stands.
                let _ = reply.send(result);
            })
        });
        self.jobs
            .send(job)
            .map_err(|_| DbError::Unavailable("the writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| DbError::Unavailable("the writer stopped during the write".into()))?
    }
}

/// The same failure, for each write of a group that it failed.
fn again(error: &DbError) -> DbError {
    match error {
        DbError::Storage(m) => DbError::Storage(m.clone()),
        other => DbError::Unavailable(other.to_string()),
    }
}

/// A write in a savepoint: kept if it succeeds, rolled back alone if it fails.
fn in_savepoint<F, R, E>(conn: &mut DbConnection, f: F) -> Result<R, E>
where
    F: FnOnce(&mut DbConnection) -> Result<R, E>,
    E: From<DbError>,
{
    on_backend!(conn, |c| AnsiTransactionManager::begin_transaction(c)).map_err(DbError::from)?;
    match f(conn) {
        Ok(value) => {
            on_backend!(conn, |c| AnsiTransactionManager::commit_transaction(c))
                .map_err(DbError::from)?;
            Ok(value)
        }
        Err(error) => {
            on_backend!(conn, |c| AnsiTransactionManager::rollback_transaction(c))
                .map_err(DbError::from)?;
            Err(error)
        }
    }
}

fn serve(manager: &ConnectionManager, queue: &mpsc::Receiver<Job>, counts: &Counts) {
    let mut held: Option<DbConnection> = None;
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MOST_IN_A_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let conn = match held.take() {
            Some(conn) => Ok(conn),
            None => manager
                .connect()
                .map_err(|e| DbError::Unavailable(e.to_string())),
        };
        let mut conn = match conn {
            Ok(conn) => conn,
            Err(e) => {
                refuse(group, &e);
                continue;
            }
        };
        let begun = match &mut conn {
            DbConnection::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
            }
            DbConnection::Postgres(c) => AnsiTransactionManager::begin_transaction(c),
        };
        if let Err(e) = begun {
            refuse(group, &DbError::from(e));
            held = Some(conn);
            continue;
        }
        let ran = catch_unwind(AssertUnwindSafe(|| {
            group
                .into_iter()
                .map(|job| job(Some(&mut conn)))
                .collect::<Vec<_>>()
        }));
        let Ok(answers) = ran else {
            // A write panicked: which savepoints are open is unknown, so the whole group
            // is rolled back and the connection left; every caller hears "try again".
            // The connection is closed (which rolls back) and a new one opened next time.
            tracing::error!("a write panicked; its group was rolled back");
            drop(conn);
            continue;
        };
        let committed = on_backend!(&mut conn, |c| AnsiTransactionManager::commit_transaction(c))
            .map_err(DbError::from);
        if committed.is_ok() {
            counts.commits.fetch_add(1, Ordering::Relaxed);
            counts
                .writes
                .fetch_add(answers.len() as u64, Ordering::Relaxed);
        }
        if let Err(e) = &committed {
            tracing::warn!(error = %e, writes = answers.len(), "a group of writes was not saved");
            // diesel rolls back a failed commit; make sure no transaction stays open.
            let _ = on_backend!(&mut conn, |c| AnsiTransactionManager::rollback_transaction(
                c
            ));
        }
        for answer in answers {
            answer(committed.as_ref().map(|_| ()));
        }
        held = Some(conn);
    }
}

/// Answers every write of a group that could not begin.
fn refuse(group: Vec<Job>, error: &DbError) {
    for job in group {
        job(None)(Err(error));
    }
}
