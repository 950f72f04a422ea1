//! Bounded blocking work: what a request can start on the blocking pool (reading an uploaded
//! certificate, checking and preparing an uploaded course) runs here, a few at a time and
//! for a limited time, so that uploads cannot take every thread or every core.
//!
//! A full limiter answers at once ([`WorkError::Busy`]) instead of queueing: the visitor is
//! told to come back (503 with `Retry-After`), and a flood of uploads costs the server
//! nothing but the uploads' bytes. A task that runs out of time is answered
//! ([`WorkError::TimedOut`]) but cannot be stopped: it keeps its slot until it really ends,
//! so timed-out work never piles up beyond the limit. The work itself must be bounded too
//! (byte, candidate and pixel caps), which is what makes it end.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// How much work of one kind may run at once, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkLimit {
    /// Tasks at once; 0 refuses this kind of work on this instance.
    pub slots: usize,
    /// How long a request waits for its task.
    pub time: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkError {
    #[error("every slot for this work is taken")]
    Busy,
    #[error("the work took longer than {0:?}")]
    TimedOut(Duration),
    #[error("the work stopped: {0}")]
    Failed(String),
}

/// A limiter for one kind of blocking work, shared by every request (in `AppState`).
#[derive(Debug, Clone)]
pub struct Bounded {
    slots: Arc<Semaphore>,
    time: Duration,
}

impl Bounded {
    pub fn new(limit: WorkLimit) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(limit.slots)),
            time: limit.time,
        }
    }

    /// Runs `work` on the blocking pool if a slot is free, waiting at most the time limit.
    pub async fn run<T, F>(&self, work: F) -> Result<T, WorkError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let permit = Arc::clone(&self.slots)
            .try_acquire_owned()
            .map_err(|_| WorkError::Busy)?;
        let span = tracing::Span::current();
        let task = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            // Held by the task, not the request: released when the work really ends.
            let _permit = permit;
            work()
        });
        match tokio::time::timeout(self.time, task).await {
            Err(_) => Err(WorkError::TimedOut(self.time)),
            Ok(Err(joined)) => Err(WorkError::Failed(joined.to_string())),
            Ok(Ok(value)) => Ok(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_limiter_refuses_at_once_and_a_slow_task_keeps_its_slot() {
        let bounded = Bounded::new(WorkLimit {
            slots: 1,
            time: Duration::from_millis(50),
        });
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let first = bounded.run(move || wait.recv().is_ok()).await;
        assert_eq!(first, Err(WorkError::TimedOut(Duration::from_millis(50))));
        // The timed-out task still runs and still holds the only slot.
        assert_eq!(bounded.run(|| 1).await, Err(WorkError::Busy));
        release.send(()).ok();
        let mut answer = Err(WorkError::Busy);
        for _ in 0..200 {
            answer = bounded.run(|| 2).await;
            if answer != Err(WorkError::Busy) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(answer, Ok(2));
    }

    #[tokio::test]
    async fn no_slots_means_no_work() {
        let bounded = Bounded::new(WorkLimit {
            slots: 0,
            time: Duration::from_secs(1),
        });
        assert_eq!(bounded.run(|| 1).await, Err(WorkError::Busy));
    }
}
