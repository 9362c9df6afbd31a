//! Every route with who may call it. The router refuses a route that is not listed here (500,
//! so that any test reaching it fails), and `tests/api/routes.rs` checks every `.route(` in
//! the source against this table and calls each write route as anonymous, as a planner of
//! another area and as a planner of the feature's area.

use std::sync::LazyLock;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::schema::COLLECTIONS;
use crate::Error;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Everyone; signed-in callers may see more (planner-only properties).
    Anyone,
    /// Any signed-in caller.
    SignedIn,
    /// Planners of the feature's area (before and after the change) and admins.
    AreaEditor,
    /// Admins (and, for `/metrics`, the configured scraper).
    Admin,
}

/// One route: method, path as the router writes it, and who may call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    pub path: String,
    pub who: Who,
}

/// The whole table.
pub fn table() -> &'static [Route] {
    &TABLE
}

static TABLE: LazyLock<Vec<Route>> = LazyLock::new(build);

fn build() -> Vec<Route> {
    use Who::*;
    let fixed: &[(&str, &str, Who)] = &[
        ("GET", "/", Anyone),
        ("GET", "/health", Anyone),
        ("GET", "/rules", Anyone),
        ("GET", "/metrics", Admin),
        ("GET", "/conformance", Anyone),
        ("GET", "/api", Anyone),
        ("GET", "/collections", Anyone),
        ("GET", "/collections/{id}", Anyone),
        ("GET", "/collections/{id}/queryables", Anyone),
        ("GET", "/collections/{id}/schema", Anyone),
        ("GET", "/collections/{id}/tiles", Anyone),
        ("GET", "/collections/{id}/tiles/{tms}", Anyone),
        ("GET", "/collections/{id}/tiles/{tms}/tilejson.json", Anyone),
        ("GET", "/collections/{id}/tiles/{tms}/{z}/{y}/{x}", Anyone),
        ("GET", "/collections/{id}/items", Anyone),
        ("POST", "/collections/{id}/items", AreaEditor),
        ("GET", "/collections/{id}/items/{fid}", Anyone),
        ("PUT", "/collections/{id}/items/{fid}", AreaEditor),
        ("PATCH", "/collections/{id}/items/{fid}", AreaEditor),
        ("DELETE", "/collections/{id}/items/{fid}", AreaEditor),
        ("GET", "/collections/{id}/items/{fid}/history", Anyone),
        ("GET", "/collections/{id}/items/{fid}/documents", Anyone),
        (
            "POST",
            "/collections/{id}/items/{fid}/documents",
            AreaEditor,
        ),
        ("GET", "/documents/{id}", Anyone),
        ("GET", "/goals", Anyone),
        ("GET", "/goals/{id}", Anyone),
        ("PATCH", "/goals/{id}", Admin),
        // An import of a GeoPackage or zip: a dry run, or with confirm=true the import.
        ("POST", "/imports", Admin),
        ("GET", "/changes", Anyone),
        ("GET", "/changes/stream", Anyone),
        ("POST", "/auth/login", Anyone),
        // Signing out without a session is a no-op (204).
        ("POST", "/auth/logout", Anyone),
        ("GET", "/auth/me", Anyone),
        ("GET", "/areas/{slug}/summary", Anyone),
        ("GET", "/areas/{slug}/timeline", Anyone),
        ("GET", "/plots/{id}/proximity", Anyone),
    ];
    let mut out: Vec<Route> = fixed
        .iter()
        .map(|(method, path, who)| Route {
            method: method.parse().expect("a method"),
            path: (*path).to_owned(),
            who: *who,
        })
        .collect();
    // The plain GeoJSON collections, where each description publishes them.
    for c in COLLECTIONS.iter() {
        for path in [c.path.to_owned(), format!("{}/{{id}}", c.path)] {
            out.push(Route {
                method: Method::GET,
                path,
                who: Anyone,
            });
        }
    }
    out
}

/// The entry of a matched route (HEAD is GET's).
pub fn find(method: &Method, path: &str) -> Option<&'static Route> {
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    table()
        .iter()
        .find(|r| r.method == method && r.path == path)
}

/// Inside the router: a route missing from the table is refused.
pub(super) async fn listed(request: Request, next: Next) -> Response {
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    if let Some(path) = matched {
        if find(request.method(), &path).is_none() {
            return Error::Internal(format!(
                "{} {path} is not in the route table (src/http/routes.rs)",
                request.method()
            ))
            .into_response();
        }
    }
    next.run(request).await
}
