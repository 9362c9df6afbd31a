//! The defects of the hardening issue (#11), each with the test that found it fixed: database
//! outages and slow statements answer 503 with `Retry-After`, at once while the database is
//! known to be down.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::helpers::{assert_error, get, seeded};

#[sqlx::test]
async fn a_database_outage_answers_503_at_once_with_retry_after(pool: PgPool) {
    let app = seeded(&pool).await;
    assert_eq!(
        get(&app, "/collections/plots/items?limit=1").await.status,
        StatusCode::OK
    );
    // The database goes away (the pool is closed: every acquire fails as when it is down).
    pool.close().await;
    let first = get(&app, "/collections/plots/items?limit=1").await;
    assert_error(
        &first,
        StatusCode::SERVICE_UNAVAILABLE,
        "database is unavailable",
    );
    assert_eq!(first.json["error"]["code"], "database_unavailable");
    assert_eq!(first.headers["retry-after"], "2");
    // Known to be down: the next requests do not wait for the pool.
    for uri in [
        "/collections/plots/items",
        "/areas/kildedal/summary",
        "/health",
        "/plots/KD-03",
    ] {
        let started = Instant::now();
        let answer = get(&app, uri).await;
        let took = started.elapsed();
        assert_error(
            &answer,
            StatusCode::SERVICE_UNAVAILABLE,
            "database is unavailable",
        );
        assert!(answer.headers.contains_key("retry-after"), "{uri}");
        assert!(took < Duration::from_millis(100), "{uri} took {took:?}");
    }
}

#[sqlx::test]
async fn the_statement_timeout_cancels_and_answers_503(pool: PgPool) {
    let options = (*pool.connect_options()).clone();
    let limited = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(plotline::db::session_settings(
            options,
            Some(Duration::from_millis(150)),
        ))
        .await
        .unwrap();
    let shown: String = sqlx::query_scalar("SHOW statement_timeout")
        .fetch_one(&limited)
        .await
        .unwrap();
    assert_eq!(shown, "150ms");
    let started = Instant::now();
    let error: plotline::Error = sqlx::query("SELECT pg_sleep(5)")
        .execute(&limited)
        .await
        .unwrap_err()
        .into();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(error.timed_out(), "{error}");
    let response = axum::response::IntoResponse::into_response(error);
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
}
