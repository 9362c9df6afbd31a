//! Two instances: one on the primary only, one reading from a streaming replica
//! (`scripts/replica.sh`, started by `make test`; `PLOTLINE_TEST_REPLICA_URL` names it). An
//! edit through the first is seen through the second, its tiles refreshed; a planner on the
//! second reads their own write at once.

use std::time::Duration;

use serde_json::json;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::helpers::{get, load};
use crate::planners::{patch_as, planner_auth, plot_id, send};
use crate::tiles::{kd03_tile, kd03_tile_status_becomes, status_in_tile};

/// The replica's pool for this test's database, once the database has arrived there; `None`
/// (and a note) when no replica is configured, unless `PLOTLINE_REQUIRE_REPLICA=1` (as `make
/// test` sets), when that is a failure.
async fn replica_of(pool: &PgPool) -> Option<PgPool> {
    let Ok(base) = std::env::var("PLOTLINE_TEST_REPLICA_URL") else {
        assert!(
            std::env::var("PLOTLINE_REQUIRE_REPLICA").as_deref() != Ok("1"),
            "PLOTLINE_REQUIRE_REPLICA=1 but PLOTLINE_TEST_REPLICA_URL is not set"
        );
        eprintln!(
            "replica tests skipped: PLOTLINE_TEST_REPLICA_URL is not set (make test sets it)"
        );
        return None;
    };
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(pool)
        .await
        .unwrap();
    let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    for _ in 0..100 {
        if let Ok(replica) = PgPoolOptions::new().max_connections(4).connect(&url).await {
            let recovering: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
                .fetch_one(&replica)
                .await
                .unwrap();
            assert!(recovering, "{base} is not a replica");
            return Some(replica);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the test database did not reach the replica at {base}");
}

#[sqlx::test]
async fn an_edit_through_one_instance_is_seen_on_an_instance_reading_the_replica(pool: PgPool) {
    load(&pool).await;
    let Some(replica) = replica_of(&pool).await else {
        return;
    };
    let one = plotline::app(plotline::AppState::new(pool.clone()));
    let mut state = plotline::AppState::new(pool.clone());
    state.read = replica.clone();
    state.read_is_replica = true;
    let two = plotline::app(state);

    let (x, y) = kd03_tile(&one).await;
    // The second instance has read the plot and its tile from the replica.
    assert_eq!(status_in_tile(&two, 16, x, y).await, "available");
    let uri = format!("/collections/plots/items/{}", plot_id(&pool, "KD-03").await);

    let auth = planner_auth(&pool, "anna", &["kildedal"]).await;
    let edit = patch_as(
        &one,
        &uri,
        &auth,
        json!({ "reason": "letter of intent", "properties": { "status": "reserved" } }),
    )
    .await;
    assert_eq!(edit.status.as_u16(), 200, "{}", edit.text);

    // The next tile the second instance serves shows the edit: the notification dropped the
    // kept tile, and the rebuild waited for the replica to replay the change.
    let seen = kd03_tile_status_becomes(&two, x, y, "reserved").await;
    assert_eq!(seen, "reserved");
    assert_eq!(
        get(&two, &uri).await.json["properties"]["status"],
        "reserved"
    );

    // A planner writing through the second instance reads the write at once (from the primary).
    let edit = patch_as(
        &two,
        &uri,
        &auth,
        json!({ "reason": "intent withdrawn", "properties": { "status": "available" } }),
    )
    .await;
    assert_eq!(edit.status.as_u16(), 200, "{}", edit.text);
    let read = send(&two, "GET", &uri, &[("authorization", &auth)], None).await;
    assert_eq!(read.json["properties"]["status"], "available");
    replica.close().await;
}
