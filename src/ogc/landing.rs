//! Landing page, conformance, the collections and their queryables.

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{json, Value};
use sqlx::AssertSqlSafe;

use super::collections::{OgcCollection, COLLECTIONS};
use super::{find, html, OgcRequest};
use crate::auth::MaybeCaller;
use crate::geo::Crs;
use crate::http::AppState;
use crate::schema;
use crate::Result;

fn link(href: String, rel: &str, media: &str, title: &str) -> Value {
    json!({ "href": href, "rel": rel, "type": media, "title": title })
}

/// `/` for machines: the OGC landing page (browsers asking for HTML get the map page).
pub(crate) async fn landing(State(state): State<AppState>, req: OgcRequest) -> Result<Response> {
    let body = async |b: &str| {
        Ok(json!({
            "title": "plotline: Ballerup development areas",
            "description": "Plots, buildings, DGNB certification and transit proximity of Kildedal and Lautrup (Ballerup Kommune), as OGC API – Features.",
            "links": [
                link(format!("{b}/?f=json"), "self", "application/json", "This document"),
                link(format!("{b}/?f=html"), "alternate", "text/html", "The map page"),
                link(format!("{b}/api"), "service-desc", "application/vnd.oai.openapi+json;version=3.0", "The API definition (OpenAPI 3.0)"),
                link(format!("{b}/api?f=html"), "service-doc", "text/html", "The API documentation"),
                link(format!("{b}/conformance"), "conformance", "application/json", "Conformance classes"),
                link(format!("{b}/collections"), "data", "application/json", "The collections"),
            ],
        }))
    };
    req.answer(Some(&state.pool), "application/json", body, html::landing)
        .await
}

pub(super) async fn conformance(
    State(state): State<AppState>,
    req: OgcRequest,
) -> Result<Response> {
    let classes: Vec<&str> = super::CONFORMANCE
        .iter()
        .chain(super::CQL2_CLASSES.iter())
        .copied()
        .collect();
    let body = json!({ "conformsTo": classes });
    req.answer(
        Some(&state.pool),
        "application/json",
        async |_| Ok(body),
        |_| html::list_page("Conformance", &classes),
    )
    .await
}

/// A collection's extent: the CRS84 box (absent when empty) and the first and last change.
type Extent = (
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<chrono::DateTime<chrono::Utc>>,
    Option<chrono::DateTime<chrono::Utc>>,
);

/// The number of features in the collection's table, as migration 0015's triggers keep it.
pub(super) async fn feature_count(conn: &mut sqlx::PgConnection, c: &OgcCollection) -> Result<i64> {
    let count: Option<i64> =
        sqlx::query_scalar("SELECT feature_count FROM collection_extents WHERE relation = $1")
            .bind(c.table.name)
            .fetch_optional(conn)
            .await?;
    Ok(count.unwrap_or(0))
}

/// The metadata of one collection: its box as migration 0015's triggers keep it, and its first
/// and last change from the `updated_at` index.
async fn describe(state: &AppState, c: &OgcCollection, base: &str) -> Result<Value> {
    // The table name from the description.
    let (xmin, ymin, xmax, ymax, first, last): Extent = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT e.west, e.south, e.east, e.north,
                (SELECT min(updated_at) FROM {0}), (SELECT max(updated_at) FROM {0})
         FROM (SELECT 1) AS one LEFT JOIN collection_extents e ON e.relation = $1",
        c.table.name
    )))
    .bind(c.table.name)
    .fetch_one(&state.read)
    .await?;
    let id = c.id;
    let bbox = match (xmin, ymin, xmax, ymax) {
        (Some(a), Some(b), Some(c), Some(d)) => json!([[a, b, c, d]]),
        _ => json!([[-180.0, -90.0, 180.0, 90.0]]),
    };
    let mut description = json!({
        "id": id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "extent": {
            "spatial": { "bbox": bbox, "crs": Crs::Crs84.uri() },
            "temporal": { "interval": [[first, last]], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian" },
        },
        "crs": Crs::ALL.map(Crs::uri),
        "storageCrs": Crs::Epsg25832.uri(),
        "links": [
            link(format!("{base}/collections/{id}"), "self", "application/json", c.title),
            link(format!("{base}/collections/{id}?f=html"), "alternate", "text/html", c.title),
            link(format!("{base}/collections/{id}/items"), "items", "application/geo+json", "Features as GeoJSON"),
            link(format!("{base}/collections/{id}/items?f=html"), "items", "text/html", "Features as HTML"),
            link(format!("{base}/collections/{id}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "Queryables"),
            link(format!("{base}/collections/{id}/schema"), "http://www.opengis.net/def/rel/ogc/1.0/schema", "application/schema+json", "Schema of the features"),
        ],
    });
    // The whole collection as files (`enclosure`: a download of all of it).
    if let Some(links) = description["links"].as_array_mut() {
        for f in crate::export::FileFormat::ALL {
            links.push(link(
                format!("{base}/collections/{id}/items?f={}", f.param()),
                "enclosure",
                f.media_type(),
                &format!("{} as {}", c.title, f.title()),
            ));
        }
    }
    Ok(description)
}

pub(super) async fn collections(
    State(state): State<AppState>,
    req: OgcRequest,
) -> Result<Response> {
    let body = async |b: &str| {
        let mut list = Vec::new();
        for c in COLLECTIONS.iter() {
            list.push(describe(&state, c, b).await?);
        }
        Ok(json!({
            "links": [
                link(format!("{b}/collections"), "self", "application/json", "The collections"),
                link(format!("{b}/collections?f=html"), "alternate", "text/html", "The collections"),
            ],
            "collections": list,
        }))
    };
    req.answer(
        Some(&state.read),
        "application/json",
        body,
        html::collections,
    )
    .await
}

pub(super) async fn collection(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: OgcRequest,
) -> Result<Response> {
    let c = find(&id)?;
    let body = async |base: &str| describe(&state, c, base).await;
    req.answer(
        Some(&state.read),
        "application/json",
        body,
        html::collection,
    )
    .await
}

/// JSON Schema of what may be filtered on (Part 3).
pub(super) async fn queryables(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: OgcRequest,
) -> Result<Response> {
    let c = find(&id)?;
    let body = async |base: &str| {
        let own = format!("{base}/collections/{}/queryables", c.id);
        Ok(schema::json::queryables(c, &own))
    };
    req.answer(Some(&state.pool), "application/schema+json", body, |b| {
        html::queryables(c.title, b)
    })
    .await
}

/// JSON Schema of the features (Part 5): every property the caller may read, with its type,
/// unit, range, labels and whether it may be written.
pub(super) async fn feature_schema(
    State(state): State<AppState>,
    Path(id): Path<String>,
    MaybeCaller(caller): MaybeCaller,
    req: OgcRequest,
) -> Result<Response> {
    let c = find(&id)?;
    let role = super::items::role_for(&caller, None);
    let body = async |base: &str| {
        let own = format!("{base}/collections/{}/schema", c.id);
        Ok(schema::json::feature_schema(c, role, &own))
    };
    req.varying(role)
        .answer(Some(&state.pool), "application/schema+json", body, |b| {
            html::queryables(c.title, b)
        })
        .await
}
