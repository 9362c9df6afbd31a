//! The HTTP edge: one router per resource, assembled by [`app`] so that tests need no socket.

mod analytics;
mod features;
mod health;

use std::path::PathBuf;

use axum::http::{header, Method, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use sqlx::PgPool;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::Error;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    /// The folder with the map page, served at `/`; `None` serves no page.
    pub web_dir: Option<PathBuf>,
}

impl AppState {
    /// State for a pool with no map page (what most tests need).
    pub fn new(pool: PgPool) -> Self {
        AppState {
            pool,
            web_dir: None,
        }
    }
}

/// The whole service: API routes, the map page, and the layers every request goes through.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new()
        .merge(health::router())
        .merge(features::router())
        .merge(analytics::router());
    let not_found = || async { not_found_response() };
    router = match &state.web_dir {
        Some(dir) => router
            .fallback_service(ServeDir::new(dir).not_found_service(axum::routing::any(not_found))),
        None => router.fallback(not_found),
    };
    router
        .method_not_allowed_fallback(|method: Method| async move {
            (
                StatusCode::METHOD_NOT_ALLOWED,
                axum::Json(serde_json::json!({ "error": {
                    "code": "method_not_allowed",
                    "status": 405,
                    "message": format!("{method} is not allowed here"),
                }})),
            )
        })
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
                .allow_headers([header::ACCEPT, header::IF_NONE_MATCH]),
        )
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn not_found_response() -> axum::response::Response {
    Error::NotFound {
        what: "resource",
        id: "at this path".into(),
    }
    .into_response()
}
