//! Reading the published collections as GeoJSON features, through the SQL generated from their
//! descriptions (`schema::sql`). PostGIS writes each feature's JSON, with the geometry
//! transformed to WGS84 (RFC 7946), so no geometry is parsed on the way out.

use sqlx::PgPool;

use crate::geo::BboxWgs84;
use crate::schema::{sql, Collection, IdKind, Role};
use crate::Result;

/// `SELECT <feature as GeoJSON text> FROM <source> AS k`, public properties only.
fn feature_select(c: &Collection) -> String {
    format!(
        "SELECT {}::text FROM {} AS k",
        sql::feature_json(c, Role::Public),
        sql::source(c, Role::Public)
    )
}

/// The features of a collection, each as GeoJSON text, in id order, optionally only those
/// that intersect a WGS84 box.
#[tracing::instrument(skip(pool, c), fields(collection = c.id))]
pub async fn list(pool: &PgPool, c: &Collection, bbox: Option<BboxWgs84>) -> Result<Vec<String>> {
    // The box's edges are densified before the transform so that they stay where they were
    // drawn in degrees once projected to EPSG:25832.
    let sql = format!(
        "{select}
         WHERE $1::float8 IS NULL
            OR ST_Intersects(k.geom, ST_Transform(
                   ST_Segmentize(ST_MakeEnvelope($1, $2, $3, $4, 4326), 0.001), 25832))
         ORDER BY k.fid",
        select = feature_select(c)
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
#[tracing::instrument(skip(pool, c), fields(collection = c.id))]
pub async fn get(pool: &PgPool, c: &Collection, id: &str) -> Result<Option<String>> {
    let by_number = match c.id_kind {
        IdKind::Integer => id.parse::<i64>().ok(),
        IdKind::Text => None,
    };
    let key = match (c.id_kind, by_number) {
        (IdKind::Integer, None) => "alt_id",
        _ => "fid",
    };
    let sql = format!("{} WHERE k.{key} = $1", feature_select(c));
    let query = sqlx::query_scalar(&sql);
    let query = match by_number {
        Some(n) => query.bind(n),
        None => query.bind(id),
    };
    Ok(query.fetch_optional(pool).await?)
}
