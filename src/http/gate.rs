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

/// Turns at work that is scarce (one core, the whole history): at most so many at once, and a
/// caller that cannot have one within its wait is refused with the error its kind says.
pub struct Turns {
    permits: Arc<Semaphore>,
    wait: Duration,
    refusal: fn() -> Error,
}

impl Turns {
    /// Reconstructions of the past: [`HISTORY_READS`] at once, waiting at most [`WAIT`]; then
    /// 503 with Retry-After.
    pub fn history() -> Self {
        Turns {
            permits: Arc::new(Semaphore::new(HISTORY_READS)),
            wait: WAIT,
            refusal: || busy("the server is busy rebuilding other past states"),
        }
    }

    /// File exports: [`EXPORTS_AT_ONCE`] at once, waiting at most [`EXPORT_WAIT`]; then 429
    /// with Retry-After.
    pub fn exports() -> Self {
        Turns {
            permits: Arc::new(Semaphore::new(EXPORTS_AT_ONCE)),
            wait: EXPORT_WAIT,
            refusal: || {
                Error::Client {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: "busy",
                message: format!(
                    "{EXPORTS_AT_ONCE} exports are being written already; try again in a moment (see Retry-After)"
                ),
                details: json!({ "retry_after_s": EXPORT_WAIT.as_secs() }),
            }
            },
        }
    }

    pub async fn turn(&self) -> Result<OwnedSemaphorePermit> {
        match tokio::time::timeout(self.wait, Arc::clone(&self.permits).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err((self.refusal)()),
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
        let gate = Turns::exports();
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
