//! Reading the published collections as GeoJSON features, through the SQL generated from their
//! descriptions (`schema::sql`). PostGIS writes each feature's JSON, with the geometry
//! transformed to WGS84 (RFC 7946), so no geometry is parsed on the way out.

use sqlx::{AssertSqlSafe, PgPool};

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

/// The query for the features of a collection, each as GeoJSON text, in id order, that meet
/// `filter` (a box, from `crate::filter`, or nothing): streamed by the caller.
pub fn list(c: &Collection, filter: &crate::filter::Sql) -> sqlx::QueryBuilder<sqlx::Postgres> {
    let mut qb = sqlx::QueryBuilder::new(format!(
        "SELECT {}::text FROM {} AS k WHERE true",
        sql::feature_json(c, Role::Public),
        sql::source(c, Role::Public)
    ));
    filter.push_to(&mut qb);
    qb.push(" ORDER BY k.fid");
    qb
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
    // Names from the description and a fixed key column; the id is bound.
    let sql = AssertSqlSafe(format!("{} WHERE k.{key} = $1", feature_select(c)));
    let query = sqlx::query_scalar(sql);
    let query = match by_number {
        Some(n) => query.bind(n),
        None => query.bind(id),
    };
    Ok(query.fetch_optional(pool).await?)
}
