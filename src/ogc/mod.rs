//! OGC API – Features: Part 1 (Core, GeoJSON, HTML, OpenAPI 3), Part 2 (CRS by reference) and
//! Part 3 (Queryables, CQL2 text and JSON filtering) over the published collections.

pub mod collections;
mod export;
pub(crate) mod html;
mod items;
mod landing;
mod openapi;
pub mod write;

use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, OriginalUri, Query};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use sqlx::PgPool;

use crate::http::AppState;
use crate::{Error, Result};

/// The conformance classes plotline implements; each has tests in `tests/api/ogc.rs`.
pub const CONFORMANCE: [&str; 11] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
];

/// Further CQL2 classes the filter implements.
pub const CQL2_CLASSES: [&str; 4] = [
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/property-property",
];

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/conformance", get(landing::conformance))
        .route("/api", get(openapi::document))
        .route("/collections", get(landing::collections))
        .route("/collections/{id}", get(landing::collection))
        .route("/collections/{id}/queryables", get(landing::queryables))
        .route("/collections/{id}/schema", get(landing::feature_schema))
        .route(
            "/collections/{id}/items",
            get(items::items).post(write::create),
        )
        .route(
            "/collections/{id}/items/{fid}",
            get(items::item)
                .put(|s, p, e, h, b| write::update(s, p, e, h, b, false))
                .patch(|s, p, e, h, b| write::update(s, p, e, h, b, true))
                .delete(write::delete),
        )
}

/// The methods a caller may use on a path, for `OPTIONS` (QGIS offers editing only when the
/// server says so).
pub fn allowed_methods(path: &str, editor: bool) -> &'static str {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let editable = |c: &str| c == "plots" || c == "buildings";
    match parts.as_slice() {
        ["collections", c, "items"] if editor && editable(c) => "GET, HEAD, OPTIONS, POST",
        ["collections", c, "items", _] if editor && editable(c) => {
            "GET, HEAD, OPTIONS, PUT, PATCH, DELETE"
        }
        _ => "GET, HEAD, OPTIONS",
    }
}

pub use export::export_to_file;
pub(crate) use items::stream_features;
/// The landing page handler, mounted at `/` by the HTTP layer (HTML goes to the map page).
pub(crate) use landing::landing;

/// What an OGC answer depends on besides the data: the method, the URI, the headers (format,
/// base URL, the client's ETag) and the query string (checked by each handler).
pub(crate) struct OgcRequest {
    method: Method,
    uri: String,
    pub(crate) headers: HeaderMap,
    pub(crate) query: std::result::Result<Query<Vec<(String, String)>>, QueryRejection>,
}

impl<S: Send + Sync> FromRequestParts<S> for OgcRequest {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> std::result::Result<Self, Self::Rejection> {
        let OriginalUri(uri) = OriginalUri::from_request_parts(parts, state).await?;
        Ok(OgcRequest {
            method: parts.method.clone(),
            uri: uri.to_string(),
            headers: parts.headers.clone(),
            query: Query::from_request_parts(parts, state).await,
        })
    }
}

impl OgcRequest {
    /// The same request for an answer that also depends on `what` (its ETag differs by it).
    pub(crate) fn varying(mut self, what: impl std::fmt::Debug) -> Self {
        self.uri = format!("{} {what:?}", self.uri);
        self
    }

    /// A document whose only parameter is `f`, as JSON of `json_type` or as the HTML page
    /// `html` makes of it; 304 without building it when the client holds this ETag already.
    /// `data` is the database whose data the document shows (its ETag follows the data
    /// version), `None` for a document that changes only with the program.
    pub(crate) async fn answer(
        self,
        data: Option<&PgPool>,
        json_type: &'static str,
        body: impl AsyncFnOnce(&str) -> Result<Value>,
        html: impl FnOnce(&Value) -> String,
    ) -> Result<Response> {
        let pairs = crate::http::params(self.query, &["f"])?;
        let format = Format::negotiate(crate::http::param(&pairs, "f"), &self.headers)?;
        let base = base_url(&self.headers);
        let version = match data {
            Some(pool) => data_version(pool).await?,
            None => 0,
        };
        let tag = etag(version, &self.method, &self.uri, format, &base);
        if let Some(r) = not_modified(&self.headers, &tag) {
            return Ok(r);
        }
        let body = body(&base).await?;
        let text = match format {
            Format::Json => body.to_string(),
            Format::Html => html(&body),
        };
        Ok(answer(format, json_type, text, &tag))
    }
}

/// An answer's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Html,
}

impl Format {
    /// From `f=` if given, else from the Accept header (HTML only when asked for before JSON).
    pub fn negotiate(f: Option<&str>, headers: &HeaderMap) -> Result<Format> {
        match f {
            Some("json") | Some("geojson") => return Ok(Format::Json),
            Some("html") => return Ok(Format::Html),
            Some(other) => {
                return Err(Error::invalid_parameter(
                    "f",
                    format!("`{other}` is not a format here: use json or html"),
                ))
            }
            None => {}
        }
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let html = accept.find("text/html");
        let json = accept.find("json");
        Ok(match (html, json) {
            (Some(h), Some(j)) if h < j => Format::Html,
            (Some(_), None) => Format::Html,
            _ => Format::Json,
        })
    }

    /// The value of `f=` that asks for this format.
    pub fn param(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Html => "html",
        }
    }
}

/// The base URL links are written with: the configured public URL (set by the HTTP edge), or
/// else from the Host header the client used.
pub fn base_url(headers: &HeaderMap) -> String {
    if let Some(base) = headers
        .get(crate::http::edge::BASE_URL_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return base.to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// The published collection of that id, or 404.
fn find(id: &str) -> Result<&'static collections::OgcCollection> {
    collections::find(id).ok_or_else(|| Error::NotFound {
        what: "collection",
        id: id.to_owned(),
    })
}

/// The counter that changes with every change to published data (migration 0008).
pub async fn data_version(pool: &PgPool) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT version FROM data_version")
        .fetch_one(pool)
        .await?)
}

/// The counter that changes with every change to the planners' internal fields (migration
/// 0014): part of the ETags of what planners read, never of public answers.
pub async fn internal_version(pool: &PgPool) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT version FROM internal_version")
        .fetch_one(pool)
        .await?)
}

/// A strong ETag for an answer that depends on the data, the request and the format.
pub fn etag(version: i64, method: &Method, uri: &str, format: Format, extra: &str) -> String {
    use std::hash::{Hash, Hasher};
    // The hash only separates requests; the data version is what makes it change.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (
        method.as_str(),
        uri,
        format.param(),
        extra,
        env!("CARGO_PKG_VERSION"),
    )
        .hash(&mut h);
    format!("\"{version:x}-{:016x}\"", h.finish())
}

/// 304 when the client holds this ETag already.
pub fn not_modified(headers: &HeaderMap, etag: &str) -> Option<Response> {
    let held = headers.get(header::IF_NONE_MATCH)?.to_str().ok()?;
    let matches = held == "*" || held.split(',').any(|t| t.trim() == etag);
    matches.then(|| {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        set_cache_headers(r.headers_mut(), etag);
        r
    })
}

/// ETag and Cache-Control: clients may keep answers but must revalidate, since planners edit.
pub fn set_cache_headers(headers: &mut HeaderMap, etag: &str) {
    if let Ok(v) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, no-cache"),
    );
}

/// A JSON or HTML answer with its media type, ETag and caching headers.
pub fn answer(format: Format, json_type: &'static str, body: String, etag: &str) -> Response {
    let media = match format {
        Format::Json => json_type,
        Format::Html => "text/html; charset=utf-8",
    };
    let mut r = ([(header::CONTENT_TYPE, media)], body).into_response();
    set_cache_headers(r.headers_mut(), etag);
    r
}
