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
use crate::geo::Crs;
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

/// The parameters a collection accepts (`bbox`, WGS84): anything else is a typo worth a 400.
/// The box follows the one rule of every filter (`crate::filter`).
fn parse_bbox(query: &[(String, String)], c: &Collection) -> Result<crate::filter::Sql> {
    let mut conditions = Vec::new();
    for (name, value) in query {
        match name.as_str() {
            "bbox" if !conditions.is_empty() => {
                return Err(Error::invalid_parameter("bbox", "given more than once"))
            }
            "bbox" => conditions.push(crate::filter::bbox(value, Crs::Crs84)?),
            other => {
                return Err(Error::invalid_parameter(
                    other,
                    "unknown parameter; this endpoint accepts `bbox`",
                ))
            }
        }
    }
    let queryables = &crate::ogc::collections::find(c.id)
        .ok_or_else(|| Error::Internal(format!("{} has no OGC collection", c.id)))?
        .queryables;
    Ok(crate::filter::translate(&conditions, queryables)?)
}

async fn list(
    State(state): State<AppState>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    collection: &'static Collection,
) -> Result<Response> {
    let Query(query) = query.map_err(|e| Error::invalid_parameter("query", e.body_text()))?;
    let filter = parse_bbox(&query, collection)?;
    // Streamed from PostGIS: memory stays flat whatever the collection's size.
    let conn = state.read.acquire().await?;
    let body = crate::ogc::stream_features(
        conn,
        features::list(collection, &filter),
        r#"{"type":"FeatureCollection","features":["#.to_owned(),
        (),
    );
    Ok(([(header::CONTENT_TYPE, GEOJSON)], body).into_response())
}

async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
    collection: &'static Collection,
) -> Result<Response> {
    match features::get(&state.read, collection, &id).await? {
        Some(feature) => Ok(([(header::CONTENT_TYPE, GEOJSON)], feature).into_response()),
        None => Err(Error::NotFound {
            what: collection.singular,
            id,
        }),
    }
}
