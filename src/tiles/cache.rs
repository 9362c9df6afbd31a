//! The tiles an instance has built, bounded in bytes, and dropped exactly where the data
//! changed: migration 0017 announces each change's boxes on `plotline_tiles`, and every
//! instance listens. A tile being built while a change commits is not kept.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use moka::future::Cache;
use serde::Deserialize;
use sqlx::postgres::PgListener;
use sqlx::PgPool;

use super::TileId;
use crate::schema::COLLECTIONS;
use crate::Result;

/// The channel migration 0017 notifies.
pub const CHANNEL: &str = "plotline_tiles";
/// Bytes of tiles kept by default (`PLOTLINE_TILE_CACHE_MB`).
pub const DEFAULT_BYTES: u64 = 64 * 1024 * 1024;

/// A built tile: the MVT bytes (empty when no feature meets it; shared, not copied, by every
/// answer) and its ETag.
#[derive(Debug, Clone)]
pub struct Tile {
    pub bytes: axum::body::Bytes,
    pub etag: Arc<str>,
}

/// One announced change.
#[derive(Debug, Deserialize)]
struct Change {
    /// The table.
    c: String,
    /// CRS84 boxes [west, south, east, north] that the change met.
    #[serde(default)]
    b: Vec<[f64; 4]>,
    #[serde(default)]
    all: bool,
}

pub struct TileCache {
    tiles: Cache<TileId, Tile>,
    /// Raised at every change announced (and when the listener restarts): a tile whose
    /// building overlapped one is returned but not kept.
    changes: AtomicU64,
    listening: tokio::sync::Mutex<bool>,
    /// The same, read without the lock on the hot path (every tile request).
    listening_now: std::sync::atomic::AtomicBool,
    /// The primary's WAL position after the last change announced: a tile built on a replica
    /// is kept only once the replica has replayed that far (else it may show the old state).
    seen_lsn: std::sync::Mutex<Option<String>>,
}

/// How long a tile waits for a replica to catch up with the last change before it is built
/// from the replica anyway (and then not kept).
const REPLICA_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl TileCache {
    pub fn new(max_bytes: u64) -> Self {
        TileCache {
            tiles: Cache::builder()
                .max_capacity(max_bytes)
                .support_invalidation_closures()
                .weigher(|_, t: &Tile| u32::try_from(t.bytes.len() + 64).unwrap_or(u32::MAX))
                .build(),
            changes: AtomicU64::new(0),
            listening: tokio::sync::Mutex::new(false),
            listening_now: std::sync::atomic::AtomicBool::new(false),
            seen_lsn: std::sync::Mutex::new(None),
        }
    }

    /// The tile from the cache, or built by `build` (one build per tile however many ask at
    /// once). Starts the listener on the `primary` first, so that no change is missed while
    /// the tile is kept. With a `replica` to build from, waits (a moment) until it has replayed
    /// the last change announced.
    pub async fn get(
        self: &Arc<Self>,
        primary: &PgPool,
        replica: Option<&PgPool>,
        id: TileId,
        build: impl std::future::Future<Output = Result<Tile>>,
    ) -> Result<Tile> {
        self.listen(primary).await?;
        if let Some(t) = self.tiles.get(&id).await {
            return Ok(t);
        }
        let before = self.changes.load(Ordering::Acquire);
        if let Some(replica) = replica {
            if !self.replica_caught_up(primary, replica).await? {
                // Still behind: the tile is built from what the replica has, and not kept.
                let tile = build.await?;
                return Ok(tile);
            }
        }
        // The caller that built it gets its error as it was; others waiting for the same
        // build get it as a server error.
        let tile = self.tiles.try_get_with(id, build).await.map_err(|e| {
            Arc::try_unwrap(e).unwrap_or_else(|e| crate::Error::Internal(e.to_string()))
        })?;
        if self.changes.load(Ordering::Acquire) != before {
            // A change committed while it was built: it may hold the old state.
            self.tiles.invalidate(&id).await;
        }
        Ok(tile)
    }

    /// Whether the replica has replayed the primary's WAL as far as it was when the last change
    /// was announced, waiting up to [`REPLICA_WAIT`].
    async fn replica_caught_up(&self, primary: &PgPool, replica: &PgPool) -> Result<bool> {
        let needed = self
            .seen_lsn
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let needed = match needed {
            Some(lsn) => lsn,
            // No change announced since the listener started: the position now will do.
            None => {
                let now = current_lsn(primary).await?;
                *self.seen_lsn.lock().unwrap_or_else(|e| e.into_inner()) = Some(now.clone());
                now
            }
        };
        let started = std::time::Instant::now();
        loop {
            let replayed: Option<bool> =
                sqlx::query_scalar("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn")
                    .bind(&needed)
                    .fetch_one(replica)
                    .await?;
            // NULL: not a replica after all (a primary given as DATABASE_READ_URL).
            if replayed.unwrap_or(true) {
                return Ok(true);
            }
            if started.elapsed() > REPLICA_WAIT {
                return Ok(false);
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Notes the primary's WAL position after a change was announced.
    async fn note_lsn(&self, primary: &PgPool) {
        match current_lsn(primary).await {
            Ok(lsn) => *self.seen_lsn.lock().unwrap_or_else(|e| e.into_inner()) = Some(lsn),
            Err(e) => tracing::warn!(error = %e, "cannot read the primary's WAL position"),
        }
    }

    /// Drops the tiles of the table's collections that meet a box.
    fn drop_tiles(&self, change: &Change) {
        self.changes.fetch_add(1, Ordering::AcqRel);
        let ids: Vec<&'static str> = COLLECTIONS
            .iter()
            .filter(|c| c.table.name == change.c)
            .map(|c| c.id)
            .collect();
        if ids.is_empty() {
            return;
        }
        let boxes = change.b.clone();
        let all = change.all;
        // Lazily, on the cache's own schedule; a dropped tile is never served again.
        let _ = self.tiles.invalidate_entries_if(move |id, _| {
            ids.contains(&id.collection)
                && (all || {
                    let t = id.bounds_lon_lat();
                    boxes
                        .iter()
                        .any(|b| b[0] <= t[2] && b[2] >= t[0] && b[1] <= t[3] && b[3] >= t[1])
                })
        });
    }

    fn drop_all(&self) {
        self.changes.fetch_add(1, Ordering::AcqRel);
        self.tiles.invalidate_all();
    }

    /// Tiles kept, for tests and metrics.
    pub fn entry_count(&self) -> u64 {
        self.tiles.entry_count()
    }

    /// Starts the listener unless it runs. It returns once LISTEN is in place.
    async fn listen(self: &Arc<Self>, pool: &PgPool) -> Result<()> {
        if self.listening_now.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut listening = self.listening.lock().await;
        if *listening {
            return Ok(());
        }
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        // Whatever was kept before may have missed changes.
        self.drop_all();
        *listening = true;
        self.listening_now.store(true, Ordering::Release);
        tokio::spawn(Arc::clone(self).follow(listener, pool.clone()));
        Ok(())
    }

    async fn follow(self: Arc<Self>, mut listener: PgListener, primary: PgPool) {
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => match serde_json::from_str::<Change>(n.payload()) {
                    Ok(change) => {
                        // The change has committed: the WAL position now is past it.
                        self.note_lsn(&primary).await;
                        self.drop_tiles(&change);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "unreadable tile notification; dropping every tile");
                        self.drop_all();
                    }
                },
                // The connection was lost and is back: changes may have been missed.
                Ok(None) => self.drop_all(),
                Err(e) => {
                    tracing::warn!(error = %e, "tile listener failed; tiles are not kept until it is back");
                    self.drop_all();
                    let mut listening = self.listening.lock().await;
                    *listening = false;
                    self.listening_now.store(false, Ordering::Release);
                    return;
                }
            }
        }
    }
}

/// The primary's WAL position now.
async fn current_lsn(primary: &PgPool) -> Result<String> {
    Ok(sqlx::query_scalar("SELECT pg_current_wal_lsn()::text")
        .fetch_one(primary)
        .await?)
}
