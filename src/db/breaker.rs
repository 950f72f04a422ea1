//! Failing fast while the database server is down.
//!
//! Without this, every request made while PostgreSQL is stopped would wait the pool's
//! whole connection timeout before its 503, and a page of requests would pile up behind
//! it. Once a request finds the database unreachable, the breaker opens: for the next
//! second every request is refused at once, then exactly one request is let through to
//! try again (with a short timeout). The first success closes it.
//!
//! Written by hand: it is two atomics, and the circuit-breaker crates bring their own
//! futures, clocks and policies for what is here one comparison.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long requests are refused after a failure before one is let through to try.
const RETRY_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct Breaker {
    start: Instant,
    open: AtomicBool,
    /// When (milliseconds since `start`) the next request may try the database.
    next_try_ms: AtomicU64,
}

/// What a request should do, asked of the breaker before it takes a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// The database answered last time: go ahead.
    Normal,
    /// The database was down; this request is the one that tries it again.
    Probe,
    /// The database is down: answer 503 now.
    Refuse,
}

impl Default for Breaker {
    fn default() -> Self {
        Self {
            start: Instant::now(),
            open: AtomicBool::new(false),
            next_try_ms: AtomicU64::new(0),
        }
    }
}

impl Breaker {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    pub fn admit(&self) -> Admit {
        if !self.open.load(Ordering::Acquire) {
            return Admit::Normal;
        }
        let now = self.now_ms();
        let next = self.next_try_ms.load(Ordering::Acquire);
        if now < next {
            return Admit::Refuse;
        }
        let later = now + millis(RETRY_AFTER);
        match self
            .next_try_ms
            .compare_exchange(next, later, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Admit::Probe,
            Err(_) => Admit::Refuse,
        }
    }

    /// The database could not be reached.
    pub fn failed(&self) {
        self.next_try_ms
            .store(self.now_ms() + millis(RETRY_AFTER), Ordering::Release);
        if !self.open.swap(true, Ordering::AcqRel) {
            tracing::warn!("the database is unreachable: answering 503 until it is back");
        }
    }

    /// The database answered.
    pub fn succeeded(&self) {
        if self.open.load(Ordering::Acquire) && self.open.swap(false, Ordering::AcqRel) {
            tracing::info!("the database is reachable again");
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_while_open_and_lets_one_request_try_after_the_wait() {
        let breaker = Breaker::default();
        assert_eq!(breaker.admit(), Admit::Normal);
        breaker.failed();
        assert_eq!(breaker.admit(), Admit::Refuse);
        // Pretend the wait is over.
        breaker.next_try_ms.store(0, Ordering::Release);
        assert_eq!(breaker.admit(), Admit::Probe);
        assert_eq!(breaker.admit(), Admit::Refuse, "only one request probes");
        breaker.succeeded();
        assert_eq!(breaker.admit(), Admit::Normal);
    }
}
