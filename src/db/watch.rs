//! Whether the database can be reached. When a request finds it gone, every request after it is
//! answered 503 at once (not after the pool's acquire timeout), and so is every request still
//! waiting for it then, while one task probes the database until it answers again.
//!
//! A request can also wait without failing: the pool retries a refused connection until its
//! acquire timeout. So a request still running after [`SUSPECT_AFTER`] has the watch try one
//! connection of its own, outside the pool; a refusal marks the database down at once.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::{ConnectOptions, Connection, PgPool};
use tokio::sync::watch;

/// How often the database is probed while it is down.
pub const PROBE_INTERVAL: Duration = Duration::from_millis(250);
/// How long one probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// A request still unanswered after this has the watch check that the database accepts
/// connections (a quiet server's first request after an outage began would otherwise wait for
/// the pool's acquire timeout).
pub const SUSPECT_AFTER: Duration = Duration::from_millis(50);
/// At most one such check per this (slow requests are common; extra connections are not).
const CHECK_EVERY: Duration = Duration::from_secs(1);
/// How long the check waits for a connection (one that is refused or fails marks the database
/// down; one that is only slow does not).
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The database's reachability, shared by every request of one instance.
#[derive(Debug)]
pub struct DatabaseWatch {
    down: watch::Sender<bool>,
    probing: AtomicBool,
    last_check: Mutex<Option<Instant>>,
}

impl Default for DatabaseWatch {
    fn default() -> Self {
        DatabaseWatch {
            down: watch::channel(false).0,
            probing: AtomicBool::new(false),
            last_check: Mutex::new(None),
        }
    }
}

impl DatabaseWatch {
    /// Whether the database is known to be unreachable.
    pub fn is_down(&self) -> bool {
        *self.down.borrow()
    }

    /// Completes once the database is known to be unreachable (at once if it is now). A
    /// request races its handler against it: one waiting for a connection (up to the pool's
    /// acquire timeout) or for a dead one is answered as soon as the database is found gone.
    /// After [`SUSPECT_AFTER`] it has the database checked ([`DatabaseWatch::suspect`]).
    pub fn gone(self: &Arc<Self>, pool: &PgPool) -> impl Future<Output = ()> + Send + 'static {
        let mut down = self.down.subscribe();
        let (watch, pool) = (self.clone(), pool.clone());
        async move {
            let check = async {
                tokio::time::sleep(SUSPECT_AFTER).await;
                watch.suspect(&pool);
                std::future::pending::<()>().await;
            };
            let went_down = async {
                if down.wait_for(|d| *d).await.is_err() {
                    // The watch itself is gone: nothing will report an outage any more.
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                () = went_down => {}
                () = check => {}
            }
        }
    }

    /// A request is taking long: unless the database was checked within [`CHECK_EVERY`], try
    /// one connection outside the pool (which would retry a refusal until its acquire
    /// timeout), and mark the database down when it cannot be reached.
    pub fn suspect(self: &Arc<Self>, pool: &PgPool) {
        if self.is_down() {
            return;
        }
        {
            let mut last = self.last_check.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|t| t.elapsed() < CHECK_EVERY) {
                return;
            }
            *last = Some(Instant::now());
        }
        let (watch, pool) = (self.clone(), pool.clone());
        tokio::spawn(async move {
            let options = pool.connect_options();
            let reachable = match tokio::time::timeout(CHECK_TIMEOUT, options.connect()).await {
                Ok(Ok(connection)) => {
                    let _ = connection.close().await;
                    true
                }
                Ok(Err(e)) => !crate::Error::Database(e).database_unavailable(),
                // Slow to accept is an overloaded database, not a gone one: cutting every
                // request then would turn load into an outage.
                Err(_) => true,
            };
            if !reachable {
                watch.mark_down(&pool);
            }
        });
    }

    /// Records that a request could not reach the database, and starts probing it.
    pub fn mark_down(self: &Arc<Self>, pool: &PgPool) {
        if self.down.send_if_modified(|d| !std::mem::replace(d, true)) {
            tracing::warn!("the database is unreachable: answering 503 until it is back");
        }
        if self.probing.swap(true, Ordering::AcqRel) {
            return;
        }
        let (watch, pool) = (self.clone(), pool.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PROBE_INTERVAL).await;
                let probe = sqlx::query("SELECT 1").execute(&pool);
                if let Ok(Ok(_)) = tokio::time::timeout(PROBE_TIMEOUT, probe).await {
                    // Probing ends first: a request that finds the database gone again
                    // right after this starts a new probe instead of leaving it marked down
                    // with none.
                    watch.probing.store(false, Ordering::Release);
                    watch.down.send_replace(false);
                    tracing::info!("the database is back");
                    return;
                }
            }
        });
    }
}
