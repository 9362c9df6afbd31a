//! `GET /metrics` in the Prometheus text format: requests and their latency by route, method and
//! status; the connection pool; open change streams; statement timeouts and database outages.
//! For admins, or for a scraper holding `PLOTLINE_METRICS_TOKEN`: route counts and pool sizes
//! are nobody else's business.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use super::AppState;
use crate::auth::Role;
use crate::error::{DatabaseUnavailable, StatementTimedOut};
use crate::{Error, Result};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

/// The instance's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    pool: Family<PoolLabels, Gauge>,
    change_streams: Gauge,
    database_down: Gauge,
    statement_timeouts: Counter,
    database_unavailable: Counter,
    summary_computations: Counter,
}

impl Metrics {
    /// Counts one computation of an area's facts (a summary not served from the kept one).
    pub fn summary_computed(&self) {
        self.summary_computations.inc();
    }

    /// Area summaries computed so far.
    pub fn summary_computations(&self) -> u64 {
        self.summary_computations.get()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("plotline");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            // 1 ms to about 33 s.
            Histogram::new(exponential_buckets(0.001, 2.0, 16))
        });
        let pool = Family::<PoolLabels, Gauge>::default();
        let change_streams = Gauge::default();
        let database_down = Gauge::default();
        let statement_timeouts = Counter::default();
        let database_unavailable = Counter::default();
        let summary_computations = Counter::default();
        registry.register(
            "summary_computations",
            "Area summaries computed from the database (not served from the kept one)",
            summary_computations.clone(),
        );
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to the answer's head, seconds",
            latency.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Pooled database connections",
            pool.clone(),
        );
        registry.register(
            "change_streams_open",
            "Open /changes/stream clients",
            change_streams.clone(),
        );
        registry.register(
            "database_down",
            "1 while the database is known to be unreachable",
            database_down.clone(),
        );
        registry.register(
            "statement_timeouts",
            "Statements cancelled by the statement timeout",
            statement_timeouts.clone(),
        );
        registry.register(
            "database_unavailable_answers",
            "Answers 503 because the database could not be reached (pool waits that timed out included)",
            database_unavailable.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            pool,
            change_streams,
            database_down,
            statement_timeouts,
            database_unavailable,
            summary_computations,
        }
    }
}

/// The route a request matched, carried from the router to the outer layer.
#[derive(Debug, Clone)]
struct Route(String);

/// Inside the router: notes the matched route on the answer.
pub(super) async fn note_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(Route(route));
    }
    response
}

/// Around everything: counts the answer and its latency.
pub(super) async fn record(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let m = &state.metrics;
    let route = response
        .extensions()
        .get::<Route>()
        .map_or_else(|| "unmatched".to_owned(), |r| r.0.clone());
    m.latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
            method: method.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    m.requests
        .get_or_create(&RequestLabels {
            route,
            method,
            status: response.status().as_u16(),
        })
        .inc();
    if response.extensions().get::<StatementTimedOut>().is_some() {
        m.statement_timeouts.inc();
    }
    if response.extensions().get::<DatabaseUnavailable>().is_some() {
        m.database_unavailable.inc();
    }
    response
}

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
) -> Result<Response> {
    // The scraper's token first: it is no account, and it must work while the database is down.
    let token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let scraper = matches!((token, &state.metrics_token), (Some(t), Some(expected)) if crate::auth::constant_time_eq(t, expected));
    let admin = scraper
        || matches!(
            crate::auth::identify(&parts, &state).await,
            Ok(Some(c)) if c.role == Role::Admin
        );
    if !admin {
        return Err(Error::forbidden(
            "the metrics are for admins and the configured scraper (PLOTLINE_METRICS_TOKEN)",
        ));
    }
    let m = &state.metrics;
    let size = i64::from(state.pool.size());
    let idle = i64::try_from(state.pool.num_idle()).unwrap_or(i64::MAX);
    m.pool
        .get_or_create(&PoolLabels { state: "idle" })
        .set(idle);
    m.pool
        .get_or_create(&PoolLabels { state: "in_use" })
        .set(size - idle);
    m.change_streams
        .set(i64::try_from(state.changes.open_streams()).unwrap_or(i64::MAX));
    m.database_down.set(i64::from(state.database.is_down()));
    let mut body = String::new();
    prometheus_client::encoding::text::encode(&mut body, &m.registry)
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response())
}
