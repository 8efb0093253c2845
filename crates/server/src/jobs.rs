//! Periodic maintenance while serving: reminder mails to organisations, published listings past
//! their `valid_until` expire, old idempotency keys are forgotten. All are idempotent, so
//! several replicas may run them.

use kynnys_store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often the jobs run.
const EVERY: Duration = Duration::from_secs(300);
/// How long idempotency keys are kept.
const KEEP_IDEMPOTENCY_KEYS: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// Runs the jobs once.
pub fn run_once(
    store: &Store,
    public_url: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), crate::ServerError> {
    crate::reminders::run(store, public_url, now)?;
    let expired = store.expire_due_listings(now)?;
    if !expired.is_empty() {
        tracing::info!(count = expired.len(), "listings expired");
    }
    let purged = store.purge_idempotency_keys(now - KEEP_IDEMPOTENCY_KEYS)?;
    if purged > 0 {
        tracing::debug!(count = purged, "idempotency keys forgotten");
    }
    Ok(())
}

/// Runs the jobs at start and then every few minutes on their own thread until `stop` is set.
pub fn spawn_maintenance(
    store: Store,
    public_url: String,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut last: Option<Instant> = None;
        while !stop.load(Ordering::Relaxed) {
            if last.is_none_or(|t| t.elapsed() >= EVERY) {
                if let Err(e) = run_once(&store, &public_url, chrono::Utc::now()) {
                    tracing::warn!(error = %e, "maintenance jobs failed; retrying later");
                }
                last = Some(Instant::now());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    })
}
