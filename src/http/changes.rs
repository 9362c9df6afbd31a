//! What changed: `GET /changes?since=…` (a page of the history), `GET /changes/stream`
//! (server-sent events, live through PostgreSQL's LISTEN/NOTIFY), and the history of one
//! feature at `/collections/{id}/items/{featureId}/history`. The public sees every change but
//! the planners' internal fields.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::postgres::PgListener;
use sqlx::{AssertSqlSafe, PgPool};
use tokio::sync::watch;
use tokio_stream::wrappers::ReceiverStream;

use super::{param, params, AppState};
use crate::auth::MaybeCaller;
use crate::{Error, Result};

/// Largest page of `/changes`.
const MAX_CHANGES: i64 = 1_000;
/// The channel the history trigger notifies (migration 0010).
const CHANNEL: &str = "plotline_changes";
/// How often the shared listener checks whether any stream still listens.
const IDLE_CHECK: Duration = Duration::from_secs(2);

/// One LISTEN connection for every open change stream. It raises a counter at each
/// notification (and after a reconnect, when one may have been missed); each stream then reads
/// the history after the last id it sent, page by page until it has caught up. So a thousand open map pages hold one database
/// connection, not a thousand; it goes back to the pool once the last stream has closed.
pub struct ChangeFeed {
    running: tokio::sync::Mutex<Option<watch::Sender<u64>>>,
    /// Set once the server shuts down: every stream sends a last event and ends.
    closing: watch::Sender<bool>,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        ChangeFeed {
            running: Default::default(),
            closing: watch::channel(false).0,
        }
    }
}

impl ChangeFeed {
    /// Ends every open stream with a `reconnect` event, so that the server can stop at once
    /// and clients come back to the next one.
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    /// How many streams are open.
    pub fn open_streams(&self) -> usize {
        self.closing.receiver_count()
    }

    /// A receiver that sees a new value after each change committed from now on; an error
    /// from it means the feed stopped (the client reconnects). Starts the shared listener when
    /// none runs, and returns once it listens.
    async fn subscribe(self: &Arc<Self>, pool: &PgPool) -> Result<watch::Receiver<u64>> {
        let mut running = self.running.lock().await;
        if let Some(sender) = running.as_ref() {
            return Ok(sender.subscribe());
        }
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        let (sender, receiver) = watch::channel(0u64);
        *running = Some(sender);
        tokio::spawn(Arc::clone(self).listen(listener));
        Ok(receiver)
    }

    /// The shared listener: counts notifications until no stream is left.
    ///
    /// It stops under the lock that [`ChangeFeed::subscribe`] takes, so that no stream
    /// subscribes to a listener that is going away. Dropping the sender ends the open streams
    /// (after an error; their clients reconnect), the next stream starts a new listener, and
    /// the connection goes back to the pool.
    async fn listen(self: Arc<Self>, mut listener: PgListener) {
        let mut idle = tokio::time::interval(IDLE_CHECK);
        loop {
            tokio::select! {
                received = listener.try_recv() => {
                    let mut running = self.running.lock().await;
                    let Some(sender) = running.as_ref() else { return };
                    match received {
                        // A notification, or None after a lost connection was re-established
                        // (what came in between is unknown): either way the streams look again.
                        Ok(_) => sender.send_modify(|n| *n = n.wrapping_add(1)),
                        Err(e) => {
                            tracing::warn!(error = %e, "changes listener failed");
                            running.take();
                            return;
                        }
                    }
                }
                _ = idle.tick() => {
                    let mut running = self.running.lock().await;
                    if running.as_ref().is_none_or(|s| s.receiver_count() == 0) {
                        running.take();
                        return;
                    }
                }
            }
        }
    }
}

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/changes", get(changes))
        .route("/changes/stream", get(stream))
        .route("/collections/{id}/items/{fid}/history", get(history))
}

/// The id an entry is published under: the history's own for planners, the public numbering
/// (without the internal entries, so without their gaps) for everyone else.
fn id_column(internal: bool) -> &'static str {
    if internal {
        "h.id"
    } else {
        "h.public_seq"
    }
}

/// One history entry as published; `{id}` is the caller's [`id_column`].
const ENTRY: &str = "SELECT jsonb_build_object(
        'id', {id}, 'entity', h.entity, 'entity_id', h.entity_id, 'operation', h.operation,
        'changed_at', h.changed_at, 'changed_by', h.changed_by, 'reason', h.reason,
        'old', history_readable(h.old_row), 'new', history_readable(h.new_row))
    FROM history h";

/// Where a page starts: after a history id, or at a time.
enum Since {
    Id(i64),
    Time(DateTime<Utc>),
}

fn parse_since(value: Option<&str>) -> Result<Since> {
    match value {
        None => Ok(Since::Id(0)),
        Some(v) => {
            if let Ok(id) = v.parse::<i64>() {
                return Ok(Since::Id(id));
            }
            crate::filter::parse_time(v, false)
                .map(Since::Time)
                .map_err(|m| {
                    Error::invalid_parameter(
                        "since",
                        format!("neither a change id nor a time: {m}"),
                    )
                })
        }
    }
}

async fn page(pool: &PgPool, since: &Since, limit: i64, internal: bool) -> Result<Vec<Value>> {
    let (cond, id, time) = match since {
        Since::Id(id) => ("{id} > $1", Some(*id), None),
        Since::Time(t) => ("h.changed_at >= $2", None, Some(*t)),
    };
    // Ordered by the numbering the cursor uses, so a page boundary never skips or repeats.
    // Fixed text and a fixed id column; since and limit are bound.
    let sql = format!("{ENTRY} WHERE {cond} AND {{id}} IS NOT NULL ORDER BY {{id}} LIMIT $3")
        .replace("{id}", id_column(internal));
    Ok(sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(id)
        .bind(time)
        .bind(limit)
        .fetch_all(pool)
        .await?)
}

async fn changes(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response> {
    let pairs = params(query, &["since", "limit"])?;
    let since = parse_since(param(&pairs, "since"))?;
    let limit = match param(&pairs, "limit") {
        None => 100,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_CHANGES).contains(n))
            .ok_or_else(|| {
                Error::invalid_parameter(
                    "limit",
                    format!("`{v}` is not a whole number from 1 to {MAX_CHANGES}"),
                )
            })?,
    };
    let entries = page(&state.pool, &since, limit, caller.is_some()).await?;
    let next = entries
        .last()
        .and_then(|e| e["id"].as_i64())
        .or(match since {
            Since::Id(id) => Some(id),
            Since::Time(_) => None,
        });
    Ok(Json(json!({ "changes": entries, "next_since": next })).into_response())
}

/// Server-sent events: first what happened after `since` (or `Last-Event-ID`), then each change
/// as it is committed. Each event's id is the history id, so a reconnecting client resumes.
async fn stream(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response> {
    let pairs = params(query, &["since"])?;
    let resume = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    // A reconnecting EventSource sends the last id it saw: that wins over the URL's `since`.
    let since = parse_since(resume.or(param(&pairs, "since")))?;
    // From a time: start after the last change before it, and go on by id.
    let start = match since {
        Since::Id(id) => id,
        Since::Time(t) => {
            sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT coalesce(max({}), 0) FROM history h WHERE changed_at < $1",
                id_column(caller.is_some())
            )))
            .bind(t)
            .fetch_one(&state.pool)
            .await?
        }
    };
    let mut changed = state.changes.subscribe(&state.pool).await?;
    let mut closing = state.changes.closing.subscribe();
    if *closing.borrow() {
        // Opened while the server drains: come back to the next one.
        return Err(Error::client(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the server is restarting; reconnect",
        )
        .with_details(json!({ "retry_after_s": 1 })));
    }
    let internal = caller.is_some();
    let pool = state.pool.clone();
    let (sender, receiver) =
        tokio::sync::mpsc::channel::<std::result::Result<Event, Infallible>>(64);
    tokio::spawn(async move {
        let mut last = start;
        let mut since = Since::Id(start);
        loop {
            // Everything after the last sent id, page by page; notifications only say "look
            // again", and many are one wake-up (a transit change rewrites every plot).
            let entries = match page(&pool, &since, MAX_CHANGES, internal).await {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!(error = %e, "changes stream stopped");
                    return;
                }
            };
            let full = entries.len() == usize::try_from(MAX_CHANGES).unwrap_or(usize::MAX);
            for entry in entries {
                last = entry["id"].as_i64().unwrap_or(last);
                let event = Event::default()
                    .id(last.to_string())
                    .event("change")
                    .data(entry.to_string());
                if sender.send(Ok(event)).await.is_err() {
                    return;
                }
            }
            since = Since::Id(last);
            if full {
                continue;
            }
            // Wait for a change, for the client to leave, or for the server to stop.
            tokio::select! {
                result = changed.changed() => {
                    if result.is_err() {
                        return;
                    }
                }
                () = sender.closed() => return,
                Ok(()) = closing.changed() => {
                    let bye = Event::default()
                        .event("reconnect")
                        .retry(Duration::from_secs(1))
                        .data(r#"{"reason":"the server is restarting; reconnect"}"#);
                    let _ = sender.send(Ok(bye)).await;
                    return;
                }
            }
        }
    });
    Ok(Sse::new(ReceiverStream::new(receiver))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// Every recorded change of one plot or building (with a building's DGNB record, and a plot's
/// internal fields for planners), oldest first. Deleted features keep their history.
async fn history(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Path((collection, fid)): Path<(String, String)>,
) -> Result<Response> {
    let entities: &[&str] = match (collection.as_str(), caller.is_some()) {
        ("plots", true) => &["plot", "plot_internal"],
        ("plots", false) => &["plot"],
        ("buildings", _) => &["building", "dgnb_record"],
        ("companies", true) => &["company", "company_internal"],
        ("companies", false) => &["company"],
        _ => {
            return Err(Error::NotFound {
                what: "history of collection",
                id: collection,
            })
        }
    };
    // One of the three tables matched above.
    let table = collection.as_str();
    // By id, or by reference (also of a deleted feature, through its history).
    let id: Option<i64> = match fid.parse::<i64>() {
        Ok(n) => Some(n),
        // A fixed table name; the reference is bound.
        Err(_) => sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT coalesce((SELECT id FROM {table} WHERE reference = $1),
                             (SELECT entity_id FROM history WHERE entity = $2 AND coalesce(new_row, old_row) ->> 'reference' = $1 ORDER BY id DESC LIMIT 1))"
        )))
        .bind(&fid)
        .bind(entities[0])
        .fetch_one(&state.pool)
        .await?,
    };
    let entries: Vec<Value> = match id {
        None => Vec::new(),
        Some(id) => {
            sqlx::query_scalar(AssertSqlSafe(
                format!("{ENTRY} WHERE h.entity = ANY($1) AND h.entity_id = $2 ORDER BY h.id")
                    .replace("{id}", id_column(caller.is_some())),
            ))
            .bind(entities)
            .bind(id)
            .fetch_all(&state.pool)
            .await?
        }
    };
    if entries.is_empty() {
        return Err(Error::NotFound {
            what: "feature",
            id: format!("{collection}/{fid}"),
        });
    }
    Ok(Json(json!({ "collection": collection, "id": id, "history": entries })).into_response())
}
