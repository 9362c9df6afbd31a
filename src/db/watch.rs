//! Whether the database can be reached. When a request finds it gone, every request after it is
//! answered 503 at once (not after the pool's acquire timeout) while one task probes the
//! database until it answers again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;

/// How often the database is probed while it is down.
pub const PROBE_INTERVAL: Duration = Duration::from_millis(250);
/// How long one probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// The database's reachability, shared by every request of one instance.
#[derive(Debug, Default)]
pub struct DatabaseWatch {
    down: AtomicBool,
    probing: AtomicBool,
}

impl DatabaseWatch {
    /// Whether the database is known to be unreachable.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    /// Records that a request could not reach the database, and starts probing it.
    pub fn mark_down(self: &Arc<Self>, pool: &PgPool) {
        if !self.down.swap(true, Ordering::AcqRel) {
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
                    watch.down.store(false, Ordering::Release);
                    watch.probing.store(false, Ordering::Release);
                    tracing::info!("the database is back");
                    return;
                }
            }
        });
    }
}
