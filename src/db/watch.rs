//! Whether the database can be reached. When a request finds it gone, every request after it is
//! answered 503 at once (not after the pool's acquire timeout), and so is every request still
//! waiting for it then, while one task probes the database until it answers again.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::watch;

/// How often the database is probed while it is down.
pub const PROBE_INTERVAL: Duration = Duration::from_millis(250);
/// How long one probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// The database's reachability, shared by every request of one instance.
#[derive(Debug)]
pub struct DatabaseWatch {
    down: watch::Sender<bool>,
    probing: AtomicBool,
}

impl Default for DatabaseWatch {
    fn default() -> Self {
        DatabaseWatch {
            down: watch::channel(false).0,
            probing: AtomicBool::new(false),
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
    /// acquire timeout) or for a dead one is answered as soon as another request finds the
    /// database gone.
    pub fn gone(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut down = self.down.subscribe();
        async move {
            if down.wait_for(|d| *d).await.is_err() {
                // The watch itself is gone: nothing will report an outage any more.
                std::future::pending::<()>().await;
            }
        }
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
