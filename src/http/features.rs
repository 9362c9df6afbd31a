//! The GeoJSON collections: `/areas`, `/plots`, `/buildings` and `/transit/...`, each with
//! `?bbox=` and `/{id}`. Bodies are RFC 7946 FeatureCollections / Features in WGS84.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::AppState;
use crate::db::features;
use crate::geo::BboxWgs84;
use crate::schema::{self, Collection};
use crate::{Error, Result};

/// The media type of GeoJSON (RFC 7946, section 12).
pub const GEOJSON: &str = "application/geo+json";

pub(super) fn router() -> Router<AppState> {
    schema::COLLECTIONS
        .iter()
        .fold(Router::new(), |router, c: &'static Collection| {
            router
                .route(c.path, get(move |state, query| list(state, query, c)))
                .route(
                    &format!("{}/{{id}}", c.path),
                    get(move |state, id| one(state, id, c)),
                )
        })
}

/// The parameters a collection accepts: anything else is a typo worth a 400.
fn parse_bbox(query: &[(String, String)]) -> Result<Option<BboxWgs84>> {
    let mut bbox = None;
    for (name, value) in query {
        match name.as_str() {
            "bbox" if bbox.is_some() => {
                return Err(Error::invalid_parameter("bbox", "given more than once"))
            }
            "bbox" => {
                bbox =
                    Some(BboxWgs84::parse(value).map_err(|m| Error::invalid_parameter("bbox", m))?)
            }
            other => {
                return Err(Error::invalid_parameter(
                    other,
                    "unknown parameter; this endpoint accepts `bbox`",
                ))
            }
        }
    }
    Ok(bbox)
}

async fn list(
    State(state): State<AppState>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    collection: &'static Collection,
) -> Result<Response> {
    let Query(query) = query.map_err(|e| Error::invalid_parameter("query", e.body_text()))?;
    let bbox = parse_bbox(&query)?;
    let features = features::list(&state.pool, collection, bbox).await?;
    let mut body = String::with_capacity(features.iter().map(|f| f.len() + 1).sum::<usize>() + 64);
    body.push_str(r#"{"type":"FeatureCollection","features":["#);
    for (i, feature) in features.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(feature);
    }
    body.push_str("]}");
    Ok(([(header::CONTENT_TYPE, GEOJSON)], body).into_response())
}

async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
    collection: &'static Collection,
) -> Result<Response> {
    match features::get(&state.pool, collection, &id).await? {
        Some(feature) => Ok(([(header::CONTENT_TYPE, GEOJSON)], feature).into_response()),
        None => Err(Error::NotFound {
            what: collection.singular,
            id,
        }),
    }
}
