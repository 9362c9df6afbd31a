//! Vector tiles (OGC API – Tiles, Mapbox Vector Tiles) of every collection, built by PostGIS
//! from the collection's description: `ST_AsMVT` of its public tile properties, geometry in
//! Web Mercator clipped by `ST_AsMVTGeom`, and the features whose geometry meets the tile.
//!
//! - `/collections/{id}/tiles` lists the tile sets (one: WebMercatorQuad);
//! - `/collections/{id}/tiles/WebMercatorQuad` is the OGC tile set metadata;
//! - `/collections/{id}/tiles/WebMercatorQuad/tilejson.json` is TileJSON 3.0.0 (MapLibre);
//! - `/collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}` is a tile, in
//!   the OGC's order: zoom, then row (y), then column (x). 204 when no feature meets it.
//!
//! Below [`DETAIL_ZOOM`], a tile that would hold more than [`MAX_SAMPLED`] features carries a
//! regular sample of them (by a hash of the id, nested: what shows at one zoom shows at every
//! higher one), so that a zoomed-out view of a million plots stays a few hundred kilobytes.
//! Tiles are kept in memory ([`cache`]) until a change meets them, on any instance.

pub mod cache;

use std::sync::LazyLock;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::geo::{Bbox, Crs};
use crate::http::AppState;
use crate::ogc::OgcRequest;
use crate::schema::{sql, Collection, IdKind, Kind, Role, Unit, COLLECTIONS};
use crate::{Error, Result};

pub use cache::{Tile, TileCache};

/// The one tile matrix set.
pub const TILE_MATRIX_SET: &str = "WebMercatorQuad";
/// Its definition.
const TILE_MATRIX_SET_URI: &str =
    "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
/// The media type of a tile.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";
/// The deepest zoom served.
pub const MAX_ZOOM: u8 = 22;
/// From this zoom on, every feature is in its tiles.
pub const DETAIL_ZOOM: u8 = 14;
/// Below [`DETAIL_ZOOM`], the most features a tile holds before it is sampled.
pub const MAX_SAMPLED: i64 = 20_000;
/// MVT coordinates per tile side, and the buffer around it (in the same units).
const EXTENT: i32 = 4096;
const BUFFER: i32 = 64;
/// Half the side of the Web Mercator square, metres.
const HALF_WORLD_M: f64 = 20_037_508.342_789_244;

/// One tile of one collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId {
    pub collection: &'static str,
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    /// Its bounds in Web Mercator metres: [west, south, east, north].
    pub fn bounds_mercator(&self) -> [f64; 4] {
        let side = 2.0 * HALF_WORLD_M / f64::from(1u32 << self.z);
        let west = -HALF_WORLD_M + f64::from(self.x) * side;
        let north = HALF_WORLD_M - f64::from(self.y) * side;
        [west, north - side, west + side, north]
    }

    /// Its bounds in longitude and latitude (degrees): [west, south, east, north].
    pub fn bounds_lon_lat(&self) -> [f64; 4] {
        let n = f64::from(1u32 << self.z);
        let lon = |x: f64| x / n * 360.0 - 180.0;
        let lat = |y: f64| {
            (std::f64::consts::PI * (1.0 - 2.0 * y / n))
                .sinh()
                .atan()
                .to_degrees()
        };
        let (x, y) = (f64::from(self.x), f64::from(self.y));
        [lon(x), lat(y + 1.0), lon(x + 1.0), lat(y)]
    }

    /// The part of the tile inside the area where EPSG:25832 is defined (in Web Mercator), or
    /// `None`: a tile outside it holds no feature.
    fn within_area_of_use(&self) -> Option<Bbox> {
        let [west, south, east, north] = self.bounds_mercator();
        Bbox {
            min: [west, south],
            max: [east, north],
            crs: Crs::Epsg3857,
        }
        .clamped()
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/collections/{id}/tiles", get(tilesets))
        .route("/collections/{id}/tiles/{tms}", get(tileset))
        .route("/collections/{id}/tiles/{tms}/tilejson.json", get(tilejson))
        .route("/collections/{id}/tiles/{tms}/{z}/{y}/{x}", get(tile))
}

fn find(id: &str) -> Result<&'static Collection> {
    crate::schema::find(id).ok_or_else(|| Error::NotFound {
        what: "collection",
        id: id.to_owned(),
    })
}

fn check_tms(tms: &str) -> Result<()> {
    if tms == TILE_MATRIX_SET {
        Ok(())
    } else {
        Err(Error::NotFound {
            what: "tile matrix set",
            id: tms.to_owned(),
        })
    }
}

/// The tile URL template, in TileJSON's names and in the OGC's.
fn template(base: &str, c: &Collection, ogc: bool) -> String {
    let (z, y, x) = match ogc {
        true => ("{tileMatrix}", "{tileRow}", "{tileCol}"),
        false => ("{z}", "{y}", "{x}"),
    };
    format!(
        "{base}/collections/{}/tiles/{TILE_MATRIX_SET}/{z}/{y}/{x}",
        c.id
    )
}

/// What a tile property holds, for TileJSON's `fields` and the OGC's `propertiesSchema`.
fn field_type(kind: &Kind) -> &'static str {
    match kind {
        Kind::Number { .. } => "number",
        Kind::Integer { .. } => "integer",
        Kind::Boolean => "boolean",
        _ => "string",
    }
}

/// The tile set list and metadata change only with the program: no data version is asked for.
async fn tilesets(Path(id): Path<String>, req: OgcRequest) -> Result<Response> {
    let c = find(&id)?;
    let body = async |base: &str| {
        let own = format!("{base}/collections/{}/tiles/{TILE_MATRIX_SET}", c.id);
        Ok(json!({
            "links": [{ "href": format!("{base}/collections/{}/tiles", c.id), "rel": "self", "type": "application/json" }],
            "tilesets": [{
                "title": c.title,
                "dataType": "vector",
                "crs": Crs::Epsg3857.uri(),
                "tileMatrixSetURI": TILE_MATRIX_SET_URI,
                "links": [
                    { "href": own, "rel": "self", "type": "application/json", "title": "Tile set metadata" },
                    { "href": template(base, c, true), "rel": "item", "type": MVT, "templated": true },
                ],
            }],
        }))
    };
    req.answer(None, "application/json", body, |b| {
        crate::ogc::html::json_page(c.title, b)
    })
    .await
}

async fn tileset(Path((id, tms)): Path<(String, String)>, req: OgcRequest) -> Result<Response> {
    let c = find(&id)?;
    check_tms(&tms)?;
    let body = async |base: &str| {
        let properties: serde_json::Map<String, Value> = c
            .tile_properties()
            .iter()
            .map(|p| {
                (
                    p.name.to_owned(),
                    json!({ "type": field_type(&p.kind), "title": p.label_en }),
                )
            })
            .collect();
        let own = format!("{base}/collections/{}/tiles/{TILE_MATRIX_SET}", c.id);
        Ok(json!({
            "title": c.title,
            "description": c.description,
            "dataType": "vector",
            "crs": Crs::Epsg3857.uri(),
            "tileMatrixSetURI": TILE_MATRIX_SET_URI,
            "tileMatrixSetLimits": [],
            "links": [
                { "href": own, "rel": "self", "type": "application/json" },
                { "href": template(base, c, true), "rel": "item", "type": MVT, "templated": true },
                { "href": format!("{own}/tilejson.json"), "rel": "describedby", "type": "application/json", "title": "TileJSON" },
                { "href": format!("{base}/collections/{}", c.id), "rel": "collection", "type": "application/json" },
            ],
            "layers": [{
                "id": c.id,
                "title": c.title,
                "dataType": "vector",
                "geometryType": c.geometry_type.to_ascii_lowercase(),
                "minTileMatrix": "0",
                "maxTileMatrix": MAX_ZOOM.to_string(),
                "propertiesSchema": { "type": "object", "properties": properties },
            }],
        }))
    };
    req.answer(None, "application/json", body, |b| {
        crate::ogc::html::json_page(c.title, b)
    })
    .await
}

/// A box as migration 0015 keeps it: west, south, east, north (NULL when the table is empty).
type Bounds = (Option<f64>, Option<f64>, Option<f64>, Option<f64>);

async fn tilejson(
    State(state): State<AppState>,
    Path((id, tms)): Path<(String, String)>,
    req: OgcRequest,
) -> Result<Response> {
    let c = find(&id)?;
    check_tms(&tms)?;
    let pool = state.read.clone();
    let body = async |base: &str| {
        let bounds: Option<Bounds> = sqlx::query_as(
            "SELECT west, south, east, north FROM collection_extents WHERE relation = $1",
        )
        .bind(c.table.name)
        .fetch_optional(&pool)
        .await?;
        let bounds = match bounds {
            Some((Some(w), Some(s), Some(e), Some(n))) => json!([w, s, e, n]),
            _ => json!([-180.0, -85.051_128_78, 180.0, 85.051_128_78]),
        };
        let fields: serde_json::Map<String, Value> = c
            .tile_properties()
            .iter()
            .map(|p| (p.name.to_owned(), json!(field_type(&p.kind))))
            .collect();
        Ok(json!({
            "tilejson": "3.0.0",
            "name": c.title,
            "description": c.description,
            "scheme": "xyz",
            "tiles": [template(base, c, false)],
            "minzoom": 0,
            "maxzoom": MAX_ZOOM,
            "bounds": bounds,
            "vector_layers": [{ "id": c.id, "fields": fields, "minzoom": 0, "maxzoom": MAX_ZOOM }],
        }))
    };
    req.answer(Some(&state.read), "application/json", body, |b| {
        crate::ogc::html::json_page(c.title, b)
    })
    .await
}

/// A number in the tile path, or 404 (OGC API – Tiles: a tile outside the matrix is not there).
fn coordinate(name: &str, value: &str, below: u64) -> Result<u32> {
    value
        .parse::<u32>()
        .ok()
        .filter(|v| u64::from(*v) < below)
        .ok_or_else(|| Error::NotFound {
            what: "tile",
            id: format!("{name} {value}"),
        })
}

async fn tile(
    State(state): State<AppState>,
    Path((id, tms, z, y, x)): Path<(String, String, String, String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    let c = find(&id)?;
    check_tms(&tms)?;
    let z = coordinate("tileMatrix", &z, u64::from(MAX_ZOOM) + 1)? as u8;
    let side = 1u64 << z;
    let y = coordinate("tileRow", &y, side)?;
    let x = coordinate("tileCol", &x, side)?;
    let id = TileId {
        collection: c.id,
        z,
        x,
        y,
    };
    let tile = match id.within_area_of_use() {
        None => empty_tile(),
        Some(area) => {
            let pool = state.read.clone();
            let replica = state.read_is_replica.then_some(&state.read);
            state
                .tiles
                .get(&state.pool, replica, id, async move {
                    build(&pool, c, id, area).await
                })
                .await?
        }
    };
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == &*tile.etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else if tile.bytes.is_empty() {
        StatusCode::NO_CONTENT.into_response()
    } else {
        ([(header::CONTENT_TYPE, MVT)], tile.bytes.clone()).into_response()
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&tile.etag) {
        h.insert(header::ETAG, v);
    }
    // Revalidated at every use: a change is visible at once, and an unchanged tile costs a 304.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, no-cache"),
    );
    Ok(response)
}

fn empty_tile() -> Tile {
    Tile {
        bytes: axum::body::Bytes::new(),
        etag: "\"empty\"".into(),
    }
}

/// The tile's part in the area of use as a box in EPSG:25832 for the index, from parameters
/// `$first…$first+3` (its corners in Web Mercator) and `$first+4` (the step its outline is
/// densified with before it is transformed, so that the box holds the whole curved tile):
/// an uncorrelated subquery, computed once per statement.
fn index_box(first: usize) -> String {
    let [a, b, c, d, step] = [0, 1, 2, 3, 4].map(|i| first + i);
    format!(
        "(SELECT ST_Transform(ST_Segmentize(ST_MakeEnvelope(${a}, ${b}, ${c}, ${d}, 3857), ${step}), {}))",
        crate::geo::STORAGE_SRID
    )
}

/// The SQL of a collection's tiles: `$1, $2, $3` are z, x, y; `$4…$8` the tile's part in the
/// area of use ([`index_box`]); `$9` the sampling stride (1: every feature).
static TILE_SQL: LazyLock<Vec<String>> =
    LazyLock::new(|| COLLECTIONS.iter().map(tile_sql).collect());

fn tile_sql(c: &Collection) -> String {
    let with_id = c.id_kind == IdKind::Integer;
    let mut columns = Vec::new();
    if with_id {
        columns.push("k.fid".to_owned());
    }
    columns.push(format!(
        "ST_AsMVTGeom(m.g, ST_TileEnvelope($1, $2, $3), {EXTENT}, {BUFFER}, true) AS geom"
    ));
    for p in c.tile_properties() {
        let column = match p.kind {
            // Distances to whole metres: a map filters by them, and fewer distinct values make
            // a tile's value table smaller.
            Kind::Number { .. } if p.unit == Some(Unit::Metre) => {
                format!("round((k.\"{0}\")::float8) AS \"{0}\"", p.name)
            }
            Kind::Number { .. } => format!("(k.\"{0}\")::float8 AS \"{0}\"", p.name),
            Kind::Integer { .. } => format!("(k.\"{0}\")::int8 AS \"{0}\"", p.name),
            Kind::Boolean => format!("(k.\"{0}\")::boolean AS \"{0}\"", p.name),
            _ => format!("(k.\"{0}\")::text AS \"{0}\"", p.name),
        };
        columns.push(column);
    }
    let id_column = if with_id { ", 'fid'" } else { "" };
    format!(
        "SELECT ST_AsMVT(t.*, '{id}', {EXTENT}, 'geom'{id_column}) FROM (
             SELECT {columns}
             FROM {source} AS k
             CROSS JOIN LATERAL (SELECT ST_Transform(k.geom, 3857) AS g) AS m
             WHERE k.geom && {index_box}
               AND ST_Intersects(m.g, ST_TileEnvelope($1, $2, $3))
               AND ($9 = 1 OR (hashtext(k.fid::text) & ($9 - 1)) = 0)
         ) AS t WHERE t.geom IS NOT NULL",
        id = c.id,
        columns = columns.join(", "),
        source = sql::source(c, Role::Public),
        index_box = index_box(4),
    )
}

/// Builds a tile in PostGIS.
async fn build(
    pool: &sqlx::PgPool,
    c: &'static Collection,
    id: TileId,
    area: Bbox,
) -> Result<Tile> {
    let i = COLLECTIONS
        .iter()
        .position(|x| x.id == c.id)
        .expect("every collection is in COLLECTIONS");
    // A degenerate part (a line on the area's edge) needs no densifying: any step will do.
    let step = area.densify_step(4).unwrap_or(1.0);
    let [west, south] = area.min;
    let [east, north] = area.max;
    let stride = if id.z < DETAIL_ZOOM {
        // How many features meet the tile's box, counting no further than the limit.
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {geom} && {index_box} LIMIT $6) AS x",
            table = c.table.name,
            geom = c.table.geometry,
            index_box = index_box(1),
        )))
        .bind(west)
        .bind(south)
        .bind(east)
        .bind(north)
        .bind(step)
        .bind(MAX_SAMPLED + 1)
        .fetch_one(pool)
        .await?;
        if n > MAX_SAMPLED {
            // A quarter as many features per zoom level out.
            1i32 << (2 * u32::from(DETAIL_ZOOM - id.z)).min(30)
        } else {
            1
        }
    } else {
        1
    };
    let bytes: Option<Vec<u8>> = sqlx::query_scalar(sqlx::AssertSqlSafe(TILE_SQL[i].clone()))
        .bind(i32::from(id.z))
        .bind(id.x as i32)
        .bind(id.y as i32)
        .bind(west)
        .bind(south)
        .bind(east)
        .bind(north)
        .bind(step)
        .bind(stride)
        .fetch_one(pool)
        .await?;
    let bytes = bytes.unwrap_or_default();
    if bytes.is_empty() {
        return Ok(empty_tile());
    }
    let digest = Sha256::digest(&bytes);
    Ok(Tile {
        etag: format!("\"{}\"", hex::encode(&digest[..12])).into(),
        bytes: axum::body::Bytes::from(bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_bounds_agree_in_both_crs() {
        let t = TileId {
            collection: "plots",
            z: 14,
            x: 8749,
            y: 5126,
        };
        let m = t.bounds_mercator();
        let g = t.bounds_lon_lat();
        // Web Mercator x is linear in longitude.
        assert!((g[0] - m[0] / HALF_WORLD_M * 180.0).abs() < 1e-9);
        assert!(g[0] < 12.26 && g[2] > 12.24, "{g:?}");
        assert!(g[1] < g[3] && (55.0..56.0).contains(&g[1]), "{g:?}");
        // The whole world at zoom 0; only part of it is where EPSG:25832 is defined.
        let world = TileId {
            z: 0,
            x: 0,
            y: 0,
            ..t
        };
        assert_eq!(world.bounds_mercator()[0], -HALF_WORLD_M);
        assert!(world.within_area_of_use().is_some());
        let pacific = TileId {
            z: 4,
            x: 0,
            y: 7,
            ..t
        };
        assert!(pacific.within_area_of_use().is_none());
    }

    #[test]
    fn tiles_carry_only_public_properties() {
        for c in COLLECTIONS.iter() {
            let sql = tile_sql(c);
            // What the tile's features carry: the columns before the (public) source.
            let columns = &sql[..sql.find(" FROM (SELECT").unwrap()];
            assert!(columns.contains("AS geom"), "{columns}");
            for p in c.properties.iter().filter(|p| !p.queryable()) {
                let quoted = format!("\"{}\"", p.name);
                assert!(!columns.contains(&quoted), "{} {}", c.id, p.name);
            }
            assert!(sql.contains(sql::source(c, Role::Public)));
        }
    }
}
