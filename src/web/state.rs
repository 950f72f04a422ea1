//! Everything a request handler may use, built once at start and shared by every worker.

use std::sync::Arc;

use crate::accounts::sign_in::ThrottlePolicy;
use crate::assets::Assets;
use crate::bounded::Bounded;
use crate::certificates::Authority;
use crate::clock::Clock;
use crate::cohorts::letters::Letters;
use crate::config::Settings;
use crate::db::Db;
use crate::jobs::Jobs;

pub struct AppState {
    pub db: Db,
    pub templates: std::sync::Arc<tera::Tera>,
    /// Wakes the background loop after something was queued for it.
    pub jobs: Jobs,
    pub clock: Clock,
    pub settings: Settings,
    pub throttle: ThrottlePolicy,
    pub assets: Assets,
    /// Signs, revokes and verifies certificates.
    pub certificates: Arc<Authority>,
    /// Writes invitation and reminder emails, with their personal links.
    pub letters: Arc<Letters>,
    /// Published chapters, read once per version (`learning/published.rs`).
    pub published: Arc<crate::learning::published::Published>,
    /// Reading uploaded certificates, a few at a time (`bounded`).
    pub verify_work: Bounded,
    /// Checking and preparing uploaded courses, a few at a time (`bounded`).
    pub course_work: Bounded,
    /// Report totals being computed, shared with whoever asks for the same meanwhile.
    pub report_totals: crate::reports::totals::TotalsInFlight,
}

impl AppState {
    /// The current time in UTC, from the one clock tests can move.
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.clock.now()
    }
}
