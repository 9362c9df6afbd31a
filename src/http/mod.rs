//! The HTTP edge: one router per resource, assembled by [`app`] so that tests need no socket.

mod analytics;
mod auth;
mod changes;
mod documents;
pub mod edge;
mod features;
pub mod gate;
mod goals;
mod health;
pub mod imports;
pub mod metrics;
pub mod routes;
pub mod rules;
pub mod server;

use std::path::PathBuf;

use axum::http::{header, Method, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use sqlx::PgPool;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};

/// The header that carries each request's id (`X-Request-Id`): a client's own is kept.
static REQUEST_ID: header::HeaderName = header::HeaderName::from_static("x-request-id");

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;

use crate::{Error, Result};

pub use analytics::SummaryCache;
pub use changes::ChangeFeed;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The primary: writes, `If-Match` checks, LISTEN, and whatever signed-in callers read.
    pub pool: PgPool,
    /// Where anonymous reads go: a streaming replica (`DATABASE_READ_URL`), or the primary.
    pub read: PgPool,
    /// Whether `read` is a replica (which may lag the primary by a moment).
    pub read_is_replica: bool,
    /// The folder with the map page, served at `/`; `None` serves no page.
    pub web_dir: Option<PathBuf>,
    /// Origins allowed to read the API from a browser (CORS); empty means any.
    pub cors_origins: Vec<String>,
    /// Failed sign-ins, for rate limiting.
    pub login_limiter: std::sync::Arc<crate::auth::LoginLimiter>,
    /// Whether the session cookie is marked Secure (behind HTTPS).
    pub secure_cookies: bool,
    /// The latest summary of each area, kept until the data changes.
    pub summaries: std::sync::Arc<SummaryCache>,
    /// The one LISTEN connection the change streams share.
    pub changes: std::sync::Arc<ChangeFeed>,
    /// How many features match a filter, by collection, data version and filter (items'
    /// `numberMatched`); bounded in entries, the old versions' fall out.
    pub counts: std::sync::Arc<moka::sync::Cache<String, i64>>,
    /// The vector tiles built, until a change meets them.
    pub tiles: std::sync::Arc<crate::tiles::TileCache>,
    /// Turns at reconstructing the past (`as_of`, the timeline): a few at a time.
    pub history: std::sync::Arc<gate::Turns>,
    /// Turns at writing export files (`f=gpkg`…): a few at a time.
    pub exports: std::sync::Arc<gate::Turns>,
    /// The most features one file export holds (`crate::export::MAX_FEATURES`).
    pub max_export_features: i64,
    /// Whether the database is reachable (503 at once while it is not).
    pub database: std::sync::Arc<crate::db::DatabaseWatch>,
    /// The base URL links and `Location` are written with; `None` takes the request's Host.
    pub public_url: Option<String>,
    /// Proxies whose `X-Forwarded-For` names the client (sign-in limits key on the client).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The Content-Security-Policy of every answer (`edge::content_security_policy`).
    pub content_security_policy: std::sync::Arc<str>,
    /// Requests, latencies, the pool… (`/metrics`).
    pub metrics: std::sync::Arc<metrics::Metrics>,
    /// A bearer token that may read `/metrics` besides admins (a Prometheus scraper).
    pub metrics_token: Option<String>,
}

impl AppState {
    /// The database a caller in this role reads from: a planner reads their own writes.
    pub fn reads_for(&self, role: crate::schema::Role) -> &PgPool {
        match role {
            crate::schema::Role::Planner => &self.pool,
            crate::schema::Role::Public => &self.read,
        }
    }

    /// State for a pool with no map page (what most tests need).
    pub fn new(pool: PgPool) -> Self {
        AppState {
            read: pool.clone(),
            read_is_replica: false,
            pool,
            web_dir: None,
            cors_origins: Vec::new(),
            login_limiter: Default::default(),
            secure_cookies: false,
            summaries: Default::default(),
            changes: Default::default(),
            history: std::sync::Arc::new(gate::Turns::history()),
            exports: std::sync::Arc::new(gate::Turns::exports()),
            max_export_features: crate::export::MAX_FEATURES,
            counts: std::sync::Arc::new(moka::sync::Cache::new(10_000)),
            tiles: std::sync::Arc::new(crate::tiles::TileCache::new(
                crate::tiles::cache::DEFAULT_BYTES,
            )),
            database: Default::default(),
            public_url: None,
            trusted_proxies: Vec::new(),
            content_security_policy: edge::content_security_policy(None).into(),
            metrics: Default::default(),
            metrics_token: None,
        }
    }
}

/// The whole service: API routes, the map page, and the layers every request goes through.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", axum::routing::get(root))
        .merge(health::router())
        .merge(features::router())
        .merge(analytics::router())
        .merge(auth::router())
        .merge(changes::router())
        .merge(documents::router())
        .merge(imports::router())
        .merge(rules::router())
        .merge(goals::router())
        .merge(crate::ogc::router())
        .merge(crate::tiles::router())
        .merge(metrics::router())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            database_guard,
        ))
        .route_layer(axum::middleware::from_fn(metrics::note_route))
        .route_layer(axum::middleware::from_fn(routes::listed));
    let not_found = || async { not_found_response() };
    router = match &state.web_dir {
        Some(dir) => router
            .fallback_service(ServeDir::new(dir).not_found_service(axum::routing::any(not_found))),
        None => router.fallback(not_found),
    };
    let cors_layer = cors(&state.cors_origins);
    let layer_state = state.clone();
    let routes = router
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
        .with_state(state);
    // The layers wrap the routed app as a whole (`Router::layer` on the routes themselves would
    // run after method routing, too late for `OPTIONS`).
    Router::new()
        .fallback_service(routes)
        .layer(cors_layer)
        .layer(axum::middleware::from_fn_with_state(
            layer_state.clone(),
            options,
        ))
        // Inside compression: the edge reads and rewrites plain-text error bodies, which must
        // not be compressed yet.
        .layer(axum::middleware::from_fn_with_state(
            layer_state.clone(),
            edge::inbound,
        ))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            layer_state,
            metrics::record,
        ))
        // Every answer says its request id, and every log line of a request carries it.
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    let id = request
                        .headers()
                        .get(&REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", id, method = %request.method(), uri = %request.uri())
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
                // The access line has the status; causes of server errors are logged where
                // they happen (once per outage for the database).
                .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
}

/// `/`: the map page for browsers, the OGC API landing page for everyone else (and `?f=`).
async fn root(
    state: axum::extract::State<AppState>,
    req: crate::ogc::OgcRequest,
) -> Result<axum::response::Response> {
    let asked_f = matches!(&req.query, Ok(Query(pairs)) if pairs.iter().any(|(n, _)| n == "f"));
    let wants_html = crate::ogc::Format::negotiate(None, &req.headers)? == crate::ogc::Format::Html;
    if let (false, true, Some(dir)) = (asked_f, wants_html, &state.web_dir) {
        if let Ok(page) = tokio::fs::read_to_string(dir.join("index.html")).await {
            return Ok(axum::response::Html(page).into_response());
        }
    }
    crate::ogc::landing(state, req).await
}

/// `OPTIONS` without CORS preflight headers: says which methods the resource allows (`Allow`),
/// which tools such as QGIS read before offering to edit. The CORS layer would otherwise answer
/// every `OPTIONS` as a preflight. A resource that does not exist still answers 404.
async fn options(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let preflight = request
        .headers()
        .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if request.method() != Method::OPTIONS || preflight {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let editor = matches!(crate::auth::identify(&parts, &state).await, Ok(Some(_)));
    let allow = crate::ogc::allowed_methods(parts.uri.path(), editor);
    parts.method = Method::HEAD;
    let probe = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    if probe.status().is_client_error() {
        return probe;
    }
    (StatusCode::NO_CONTENT, [(header::ALLOW, allow)]).into_response()
}

/// While the database is known to be down, API requests are answered 503 with `Retry-After` at
/// once, and so are those still in flight when it is found down (waiting for a connection they
/// would get only after the pool's acquire timeout); one still running after
/// `db::watch::SUSPECT_AFTER` has the database checked. An answer that found it down starts the
/// probing that ends this.
async fn database_guard(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let unavailable = || Error::Database(sqlx::Error::PoolClosed).into_response();
    // The metrics answer from memory, and say that the database is down.
    if request.uri().path() == "/metrics" {
        return next.run(request).await;
    }
    if state.database.is_down() {
        return unavailable();
    }
    // A write cut off here rolls back, or commits without its answer, as when the connection
    // drops: never half-done (the change and its history are one transaction).
    let response = tokio::select! {
        biased;
        response = next.run(request) => response,
        () = state.database.gone(&state.pool) => return unavailable(),
    };
    if response
        .extensions()
        .get::<crate::error::DatabaseUnavailable>()
        .is_some()
    {
        state.database.mark_down(&state.pool);
    }
    response
}

/// CORS for browsers on other origins: any origin unless a list is configured.
fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::OPTIONS,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::ACCEPT,
            header::IF_NONE_MATCH,
            header::IF_MATCH,
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("content-crs"),
            header::HeaderName::from_static("x-change-reason"),
        ])
        .expose_headers([
            header::ETAG,
            header::RETRY_AFTER,
            header::LOCATION,
            header::HeaderName::from_static("content-crs"),
        ]);
    let list: Vec<header::HeaderValue> = origins
        .iter()
        .filter(|o| o.as_str() != "*")
        .filter_map(|o| header::HeaderValue::from_str(o).ok())
        .collect();
    if list.is_empty() {
        layer.allow_origin(Any)
    } else {
        layer.allow_origin(list)
    }
}

fn not_found_response() -> axum::response::Response {
    Error::NotFound {
        what: "resource",
        id: "at this path".into(),
    }
    .into_response()
}

/// Query parameters as name/value pairs; unknown names are refused so that typos are seen.
pub(crate) fn params(
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    allowed: &[&str],
) -> Result<Vec<(String, String)>> {
    let Query(pairs) = query.map_err(|e| Error::invalid_parameter("query", e.body_text()))?;
    for (name, _) in &pairs {
        if !allowed.contains(&name.as_str()) {
            return Err(Error::invalid_parameter(
                name,
                format!(
                    "unknown parameter; this endpoint accepts {}",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(pairs)
}

pub(crate) fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A request body parsed as JSON; malformed JSON is a 400 that says where.
/// An uploaded body, or the JSON error for one that is too large (413, saying `too_large`) or
/// could not be read (400).
pub(crate) fn upload_body(
    body: std::result::Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
    too_large: &str,
) -> Result<axum::body::Bytes> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::client(StatusCode::PAYLOAD_TOO_LARGE, "too_large", too_large)
        } else {
            Error::client(StatusCode::BAD_REQUEST, "invalid_body", e.body_text())
        }
    })
}

pub(crate) fn json_body(bytes: &[u8]) -> Result<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        Error::client(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not JSON: {e}"),
        )
        .with_details(serde_json::json!({ "line": e.line(), "column": e.column() }))
    })?;
    if let Some(at) = edge::nul_in_json(&value) {
        return Err(Error::client(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("`{at}` holds a NUL byte (\\u0000), which no value may contain"),
        )
        .with_details(serde_json::json!({ "pointer": at })));
    }
    Ok(value)
}
