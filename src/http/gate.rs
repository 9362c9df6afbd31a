//! Bounds on expensive reads: one computation of a changed summary however many ask for it at
//! once, and few reconstructions of the past (`as_of`, the timeline) at a time. Whoever waits
//! does so without a database connection, and for at most [`WAIT`]; then 503 with Retry-After.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;
use tokio::sync::{OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

use crate::error::DATABASE_RETRY_AFTER_S;
use crate::{Error, Result};

/// The longest a request waits for another's computation or for a turn at the history: about
/// the default statement timeout, so that a computation that can finish is waited for.
pub const WAIT: Duration = Duration::from_secs(25);

/// Reconstructions of the past that may run at once (each reads the whole history).
pub const HISTORY_READS: usize = 2;

/// File exports (`f=gpkg`…) that may be written at once: GDAL work, one core each.
pub const EXPORTS_AT_ONCE: usize = 2;

/// The longest an export waits for its turn before it is refused with 429.
pub const EXPORT_WAIT: Duration = Duration::from_secs(10);

/// One lock per key: the first caller computes, the others wait for it and then find its
/// result kept.
#[derive(Default)]
pub struct SingleFlight {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl SingleFlight {
    /// Waits for the key's turn. Keys nobody holds any more are forgotten on the way.
    pub async fn turn(&self, key: &str) -> Result<OwnedMutexGuard<()>> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
            locks.retain(|_, l| Arc::strong_count(l) > 1);
            Arc::clone(locks.entry(key.to_owned()).or_default())
        };
        tokio::time::timeout(WAIT, lock.lock_owned())
            .await
            .map_err(|_| busy("another request is computing this answer"))
    }
}

/// A turn at reading the past.
pub struct HistoryGate(Arc<Semaphore>);

impl Default for HistoryGate {
    fn default() -> Self {
        HistoryGate(Arc::new(Semaphore::new(HISTORY_READS)))
    }
}

impl HistoryGate {
    pub async fn turn(&self) -> Result<OwnedSemaphorePermit> {
        match tokio::time::timeout(WAIT, Arc::clone(&self.0).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(busy("the server is busy rebuilding other past states")),
        }
    }
}

/// A turn at writing an export file.
pub struct ExportGate(Arc<Semaphore>);

impl Default for ExportGate {
    fn default() -> Self {
        ExportGate(Arc::new(Semaphore::new(EXPORTS_AT_ONCE)))
    }
}

impl ExportGate {
    /// Waits for a turn for at most [`EXPORT_WAIT`]; then 429 with Retry-After.
    pub async fn turn(&self) -> Result<OwnedSemaphorePermit> {
        match tokio::time::timeout(EXPORT_WAIT, Arc::clone(&self.0).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Error::Client {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: "busy",
                message: format!(
                    "{EXPORTS_AT_ONCE} exports are being written already; try again in a moment (see Retry-After)"
                ),
                details: json!({ "retry_after_s": EXPORT_WAIT.as_secs() }),
            }),
        }
    }
}

fn busy(what: &str) -> Error {
    Error::Client {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: "busy",
        message: format!("{what}; try again in a moment (see Retry-After)"),
        details: json!({ "retry_after_s": DATABASE_RETRY_AFTER_S }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn exports_take_turns() {
        let gate = ExportGate::default();
        let turns: Vec<_> =
            futures_util::future::join_all((0..EXPORTS_AT_ONCE).map(|_| gate.turn()))
                .await
                .into_iter()
                .map(Result::unwrap)
                .collect();
        let waiting = tokio::time::timeout(Duration::from_millis(50), gate.turn()).await;
        assert!(
            waiting.is_err(),
            "one more export while {EXPORTS_AT_ONCE} run"
        );
        drop(turns);
        drop(gate.turn().await.unwrap());
    }

    #[tokio::test]
    async fn one_turn_per_key_and_keys_are_forgotten() {
        let flights = SingleFlight::default();
        let first = flights.turn("a").await.unwrap();
        // Another key is not held up.
        drop(flights.turn("b").await.unwrap());
        let waiting = tokio::time::timeout(Duration::from_millis(50), flights.turn("a")).await;
        assert!(waiting.is_err(), "a second turn while the first is held");
        drop(first);
        drop(flights.turn("a").await.unwrap());
        drop(flights.turn("c").await.unwrap());
        assert!(flights.locks.lock().unwrap().len() <= 1);
    }
}
