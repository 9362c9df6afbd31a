//! `GET /health`: is the database there, and with which PostGIS.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let version: Result<String, sqlx::Error> = sqlx::query_scalar("SELECT postgis_lib_version()")
        .fetch_one(&state.pool)
        .await;
    match version {
        Ok(postgis) => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "database": "ok", "postgis": postgis })),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "unreachable" })),
            )
        }
    }
}
