//! Everything a request handler may use, built once at start and shared by every worker.

use std::sync::Arc;

use crate::accounts::sign_in::ThrottlePolicy;
use crate::certificates::Authority;
use crate::config::Settings;
use crate::db::Db;
use crate::email::Mailer;
use crate::web::assets::Assets;

pub struct AppState {
    pub db: Db,
    pub templates: tera::Tera,
    pub mailer: Mailer,
    pub settings: Settings,
    pub throttle: ThrottlePolicy,
    pub assets: Assets,
    /// Signs, revokes and verifies certificates.
    pub certificates: Arc<Authority>,
}

impl AppState {
    /// The current time in UTC. One place, so that a fixed clock can be put here later.
    pub fn now(&self) -> chrono::NaiveDateTime {
        chrono::Utc::now().naive_utc()
    }
}
