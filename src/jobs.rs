//! Work Sala does on its own rather than in answer to a request: queueing due reminders
//! and delivering the email outbox. One loop per instance, woken by a timer or at once
//! when a request queued something (`Jobs::wake`). Instances may run side by side: the
//! outbox leases rows and reminders are recorded once per person and rule.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::clock::Clock;
use crate::cohorts::letters::Letters;
use crate::cohorts::reminders;
use crate::db::Db;
use crate::email::outbox::Sender;

/// How often the loop looks for due work when nobody wakes it.
const INTERVAL: Duration = Duration::from_secs(15);
/// How often reminders are looked for: they are counted in days, and the look reads every
/// cohort.
const REMINDER_INTERVAL: chrono::Duration = chrono::Duration::minutes(5);

/// A handle to wake the loop.
#[derive(Clone, Default)]
pub struct Jobs {
    wake: Arc<Notify>,
}

/// What the loop needs to write reminders.
pub struct Reminders {
    pub db: Db,
    pub letters: Arc<Letters>,
    pub clock: Clock,
}

impl Jobs {
    /// Asks the loop to look for work now (after a message was queued, or the clock moved).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs the loop until the program ends.
    pub async fn run(self, sender: Sender, reminders: Reminders) {
        let mut next_reminders = reminders.clock.now();
        loop {
            let now = reminders.clock.now();
            if now >= next_reminders {
                next_reminders = now + REMINDER_INTERVAL;
                match reminders::send_due(&reminders.db, reminders.letters.clone(), now).await {
                    Ok(0) => {}
                    Ok(queued) => tracing::info!(queued, "reminders queued"),
                    Err(error) => tracing::warn!(%error, "reminders not queued this round"),
                }
            }
            match sender.deliver_due().await {
                Ok(round) if round != Default::default() => {
                    tracing::info!(?round, "outbox delivered")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "outbox not delivered this round"),
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(INTERVAL) => {}
            }
        }
    }
}
