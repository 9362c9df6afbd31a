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

/// A built tile: the MVT bytes (empty when no feature meets it) and its ETag.
#[derive(Debug, Clone)]
pub struct Tile {
    pub bytes: Arc<[u8]>,
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
}

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
        }
    }

    /// The tile from the cache, or built by `build` (one build per tile however many ask at
    /// once). Starts the listener first, so that no change is missed while the tile is kept.
    pub async fn get(
        self: &Arc<Self>,
        pool: &PgPool,
        id: TileId,
        build: impl std::future::Future<Output = Result<Tile>>,
    ) -> Result<Tile> {
        self.listen(pool).await?;
        if let Some(t) = self.tiles.get(&id).await {
            return Ok(t);
        }
        let before = self.changes.load(Ordering::Acquire);
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
        let mut listening = self.listening.lock().await;
        if *listening {
            return Ok(());
        }
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        // Whatever was kept before may have missed changes.
        self.drop_all();
        *listening = true;
        tokio::spawn(Arc::clone(self).follow(listener));
        Ok(())
    }

    async fn follow(self: Arc<Self>, mut listener: PgListener) {
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => match serde_json::from_str::<Change>(n.payload()) {
                    Ok(change) => self.drop_tiles(&change),
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
                    *self.listening.lock().await = false;
                    return;
                }
            }
        }
    }
}
