//! Reading the published collections as GeoJSON features.
//!
//! Each collection is a `feature_*` view (migration 0005) with the columns `fid`, `alt_id`,
//! `geom` (EPSG:25832), `updated_at` and `properties`. PostGIS writes each feature's JSON,
//! with the geometry transformed to WGS84 (RFC 7946), so no geometry is parsed on the way out.

use sqlx::PgPool;

use crate::geo::BboxWgs84;
use crate::Result;

/// How a collection's feature ids look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// A database integer; a person may also use the `alt_id` (a reference such as `KD-03`).
    Integer,
    /// A text key such as an area's slug.
    Text,
}

/// A published collection of features.
#[derive(Debug, Clone, Copy)]
pub struct Collection {
    /// The collection's name in URLs and in the OGC API.
    pub name: &'static str,
    /// What one feature is called in messages.
    pub singular: &'static str,
    /// The view behind it; a fixed identifier from this file, never user input.
    view: &'static str,
    /// A view with the same features' `fid`, `geom` (EPSG:25832), `updated_at` and queryable
    /// properties as typed columns of the same names, each computed only when read (migration
    /// 0012): what filters, sorting and paging read before the feature view builds the
    /// properties of the page's rows. `None` for the small collections.
    typed: Option<&'static str>,
    pub id_kind: IdKind,
}

impl Collection {
    /// The view behind the collection (a fixed identifier, safe to format into SQL).
    pub fn view(&self) -> &'static str {
        self.view
    }

    /// The typed view of the collection's queryables, where there is one (a fixed identifier).
    pub fn typed(&self) -> Option<&'static str> {
        self.typed
    }
}

/// Development areas (Kildedal, Lautrup).
pub const AREAS: Collection = Collection {
    name: "areas",
    singular: "area",
    view: "feature_areas",
    typed: None,
    id_kind: IdKind::Text,
};
/// Plots.
pub const PLOTS: Collection = Collection {
    name: "plots",
    singular: "plot",
    view: "feature_plots",
    typed: Some("typed_plots"),
    id_kind: IdKind::Integer,
};
/// Buildings.
pub const BUILDINGS: Collection = Collection {
    name: "buildings",
    singular: "building",
    view: "feature_buildings",
    typed: Some("typed_buildings"),
    id_kind: IdKind::Integer,
};
/// S-train stations.
pub const STATIONS: Collection = Collection {
    name: "stations",
    singular: "station",
    view: "feature_stations",
    typed: None,
    id_kind: IdKind::Integer,
};
/// BRT lines.
pub const BRT_LINES: Collection = Collection {
    name: "brt_lines",
    singular: "BRT line",
    view: "feature_brt_lines",
    typed: None,
    id_kind: IdKind::Integer,
};
/// BRT stops.
pub const BRT_STOPS: Collection = Collection {
    name: "brt_stops",
    singular: "BRT stop",
    view: "feature_brt_stops",
    typed: None,
    id_kind: IdKind::Integer,
};
/// Cycle superhighways.
pub const CYCLE_SUPERHIGHWAYS: Collection = Collection {
    name: "cycle_superhighways",
    singular: "cycle superhighway",
    view: "feature_cycle_superhighways",
    typed: None,
    id_kind: IdKind::Integer,
};

/// Every published collection.
pub const ALL: [Collection; 7] = [
    AREAS,
    PLOTS,
    BUILDINGS,
    STATIONS,
    BRT_LINES,
    BRT_STOPS,
    CYCLE_SUPERHIGHWAYS,
];

/// Digits kept in WGS84 output: 7 decimals of a degree is about 1 cm.
const WGS84_DECIMALS: i32 = 7;

fn feature_select(view: &str) -> String {
    format!(
        "SELECT json_build_object(
             'type', 'Feature',
             'id', fid,
             'geometry', ST_AsGeoJSON(ST_Transform(geom, 4326), {WGS84_DECIMALS})::json,
             'properties', properties)::text
         FROM {view}"
    )
}

/// The features of a collection, each as GeoJSON text, in id order, optionally only those
/// that intersect a WGS84 box.
#[tracing::instrument(skip(pool), fields(collection = collection.name))]
pub async fn list(
    pool: &PgPool,
    collection: Collection,
    bbox: Option<BboxWgs84>,
) -> Result<Vec<String>> {
    // The box's edges are densified before the transform so that they stay where they were
    // drawn in degrees once projected to EPSG:25832.
    let sql = format!(
        "{select}
         WHERE $1::float8 IS NULL
            OR ST_Intersects(geom, ST_Transform(
                   ST_Segmentize(ST_MakeEnvelope($1, $2, $3, $4, 4326), 0.001), 25832))
         ORDER BY fid",
        select = feature_select(collection.view)
    );
    let rows = sqlx::query_scalar(&sql)
        .bind(bbox.map(|b| b.min_lon))
        .bind(bbox.map(|b| b.min_lat))
        .bind(bbox.map(|b| b.max_lon))
        .bind(bbox.map(|b| b.max_lat))
        .fetch_all(pool)
        .await?;
    Ok(rows)
}

/// One feature as GeoJSON text, by id (or, for integer ids, by its `alt_id`); `None` if absent.
#[tracing::instrument(skip(pool), fields(collection = collection.name))]
pub async fn get(pool: &PgPool, collection: Collection, id: &str) -> Result<Option<String>> {
    let by_number = match collection.id_kind {
        IdKind::Integer => id.parse::<i64>().ok(),
        IdKind::Text => None,
    };
    let key = match (collection.id_kind, by_number) {
        (IdKind::Integer, None) => "alt_id",
        _ => "fid",
    };
    let sql = format!("{} WHERE {key} = $1", feature_select(collection.view));
    let query = sqlx::query_scalar(&sql);
    let query = match by_number {
        Some(n) => query.bind(n),
        None => query.bind(id),
    };
    Ok(query.fetch_optional(pool).await?)
}
