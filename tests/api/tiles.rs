//! Vector tiles, decoded by GDAL's MVT driver (a reader nobody here wrote), checked against an
//! intersection of our own in Rust (`geo`, Web Mercator by its formula): every feature that
//! covers at least one tile unit (1/4096 of the side, squared) of the tile, none that does not
//! meet it (a sliver smaller than a unit collapses on the MVT grid, as in every MVT), with
//! public properties only; and an edit through one instance reaching the cached tiles of
//! another.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use gdal::vector::LayerAccess;
use geo::{Area, BooleanOps, Intersects, LineString, Polygon, Rect};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::{get, load, request};
use crate::planners::{patch_as, planner_auth, plot_id};

const HALF_WORLD_M: f64 = 20_037_508.342_789_244;

fn mercator(lon: f64, lat: f64) -> (f64, f64) {
    let x = lon.to_radians() * 6_378_137.0;
    let y = (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
        .tan()
        .ln()
        * 6_378_137.0;
    (x, y)
}

/// The tile at zoom `z` holding a point, as (x, y).
pub fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let (mx, my) = mercator(lon, lat);
    let side = 2.0 * HALF_WORLD_M / f64::from(1u32 << z);
    (
        ((mx + HALF_WORLD_M) / side) as u32,
        ((HALF_WORLD_M - my) / side) as u32,
    )
}

fn tile_rect(z: u8, x: u32, y: u32) -> Rect {
    let side = 2.0 * HALF_WORLD_M / f64::from(1u32 << z);
    let west = -HALF_WORLD_M + f64::from(x) * side;
    let north = HALF_WORLD_M - f64::from(y) * side;
    Rect::new((west, north - side), (west + side, north))
}

/// The features of a GeoJSON FeatureCollection whose (Polygon) geometry meets the tile: those
/// covering at least `min_m2` of it, and all that meet it at all.
fn meeting(
    features: &[Value],
    key: &str,
    rect: &Rect,
    min_m2: f64,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut must, mut may) = (BTreeSet::new(), BTreeSet::new());
    for f in features {
        let ring: Vec<(f64, f64)> = f["geometry"]["coordinates"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| mercator(c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
            .collect();
        let polygon = Polygon::new(LineString::from(ring), vec![]);
        if !polygon.intersects(rect) {
            continue;
        }
        let name = match key {
            "id" => f["id"].to_string(),
            k => f["properties"][k].as_str().unwrap().to_owned(),
        };
        if polygon.intersection(&rect.to_polygon()).unsigned_area() >= min_m2 {
            must.insert(name.clone());
        }
        may.insert(name);
    }
    (must, may)
}

/// One tile unit squared, m² (Web Mercator) at zoom `z`.
fn unit_m2(z: u8) -> f64 {
    (2.0 * HALF_WORLD_M / f64::from(1u32 << z) / 4096.0).powi(2)
}

fn assert_between(
    got: &BTreeSet<String>,
    (must, may): &(BTreeSet<String>, BTreeSet<String>),
    what: &str,
) {
    assert!(!must.is_empty(), "{what}: an empty tile proves little");
    assert!(
        must.is_subset(got),
        "{what}: missing {:?}",
        must.difference(got).collect::<Vec<_>>()
    );
    assert!(
        got.is_subset(may),
        "{what}: extra {:?}",
        got.difference(may).collect::<Vec<_>>()
    );
}

/// A tile decoded by GDAL: each feature's MVT id (when it has one) and properties.
pub fn decode(
    bytes: &[u8],
    layer: &str,
    z: u8,
    x: u32,
    y: u32,
) -> Vec<(Option<u64>, BTreeMap<String, String>)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{z}/{x}/{y}.pbf"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    let ds = gdal::Dataset::open(&path).unwrap();
    let mut layer = ds.layer_by_name(layer).unwrap();
    let names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    layer
        .features()
        .map(|f| {
            let mut props = BTreeMap::new();
            for (i, name) in names.iter().enumerate() {
                if let Ok(Some(v)) = f.field_as_string(i) {
                    props.insert(name.clone(), v);
                }
            }
            let id = props.remove("mvt_id").and_then(|v| v.parse().ok());
            (id, props)
        })
        .collect()
}

pub async fn tile_bytes(
    app: &axum::Router,
    collection: &str,
    z: u8,
    x: u32,
    y: u32,
) -> (u16, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let uri = format!("/collections/{collection}/tiles/WebMercatorQuad/{z}/{y}/{x}");
    let response = app
        .clone()
        .oneshot(
            axum::http::Request::get(uri)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, bytes)
}

#[sqlx::test]
async fn a_tile_holds_exactly_the_features_meeting_it_with_public_properties(pool: PgPool) {
    load(&pool).await;
    // Internal fields set, so that a leak would show.
    sqlx::query(
        "INSERT INTO plot_internal (plot_id, negotiation_notes, counterparty, asking_price_dkk)
         SELECT id, 'secret note', 'Secret A/S', 123 FROM plots
         ON CONFLICT (plot_id) DO UPDATE SET negotiation_notes = 'secret note'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let app = plotline::app(plotline::AppState::new(pool.clone()));
    let plots = get(&app, "/collections/plots/items?limit=1000").await.json;
    let plots = plots["features"].as_array().unwrap().clone();
    let kd03 = get(&app, "/collections/plots/items/KD-03").await.json;
    let c = &kd03["geometry"]["coordinates"][0][0];
    let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());

    for z in [13u8, 15, 17] {
        let (x, y) = tile_of(lon, lat, z);
        let (status, bytes) = tile_bytes(&app, "plots", z, x, y).await;
        assert_eq!(status, 200, "z{z}");
        let decoded = decode(&bytes, "plots", z, x, y);
        let got: BTreeSet<String> = decoded
            .iter()
            .map(|(id, _)| id.unwrap().to_string())
            .collect();
        let want = meeting(&plots, "id", &tile_rect(z, x, y), unit_m2(z));
        assert_between(&got, &want, &format!("plots of tile {z}/{x}/{y}"));
        for (_, props) in &decoded {
            assert!(
                props.contains_key("reference") && props.contains_key("status"),
                "{props:?}"
            );
            for internal in ["negotiation_notes", "counterparty", "asking_price_dkk"] {
                assert!(!props.contains_key(internal), "{internal} in a tile");
            }
            assert!(!props
                .values()
                .any(|v| v.contains("secret") || v.contains("Secret")));
        }
    }

    // Buildings: identified by reference.
    let buildings = get(&app, "/collections/buildings/items?limit=1000")
        .await
        .json;
    let buildings = buildings["features"].as_array().unwrap().clone();
    let (x, y) = tile_of(lon, lat, 15);
    let (_, bytes) = tile_bytes(&app, "buildings", 15, x, y).await;
    let got: BTreeSet<String> = decode(&bytes, "buildings", 15, x, y)
        .into_iter()
        .map(|(_, p)| p["reference"].clone())
        .collect();
    let want = meeting(&buildings, "reference", &tile_rect(15, x, y), unit_m2(15));
    assert_between(&got, &want, "buildings");

    // Nothing there: 204, the same every time; outside the matrix or the set: 404.
    let (far_x, far_y) = tile_of(-150.0, -40.0, 10);
    let (status, bytes) = tile_bytes(&app, "plots", 10, far_x, far_y).await;
    assert_eq!((status, bytes.len()), (204, 0));
    let (x, y) = tile_of(lon, lat, 3);
    let (status, _) = tile_bytes(&app, "areas", 3, x, y).await;
    assert_eq!(status, 200);
    for bad in [
        "/collections/plots/tiles/WebMercatorQuad/23/0/0",
        "/collections/plots/tiles/WebMercatorQuad/2/4/0",
        "/collections/plots/tiles/WebMercatorQuad/2/0/-1",
        "/collections/plots/tiles/WorldCRS84Quad/2/0/0",
        "/collections/nope/tiles/WebMercatorQuad/2/0/0",
    ] {
        assert_eq!(get(&app, bad).await.status.as_u16(), 404, "{bad}");
    }

    // Metadata: TileJSON for MapLibre and the OGC tile set, listing the same properties.
    let tj = get(
        &app,
        "/collections/plots/tiles/WebMercatorQuad/tilejson.json",
    )
    .await
    .json;
    assert_eq!(tj["tilejson"], "3.0.0");
    assert!(tj["tiles"][0]
        .as_str()
        .unwrap()
        .ends_with("/collections/plots/tiles/WebMercatorQuad/{z}/{y}/{x}"));
    let fields = tj["vector_layers"][0]["fields"].as_object().unwrap();
    assert!(fields.contains_key("status") && !fields.contains_key("asking_price_dkk"));
    let set = get(&app, "/collections/plots/tiles/WebMercatorQuad")
        .await
        .json;
    assert_eq!(set["dataType"], "vector");
    let item = set["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "item")
        .unwrap();
    assert!(item["href"]
        .as_str()
        .unwrap()
        .ends_with("/{tileMatrix}/{tileRow}/{tileCol}"));
    assert_eq!(
        set["layers"][0]["propertiesSchema"]["properties"]
            .as_object()
            .unwrap()
            .len(),
        fields.len()
    );

    // ETag and 304.
    let (x, y) = tile_of(lon, lat, 15);
    let uri = format!("/collections/plots/tiles/WebMercatorQuad/15/{y}/{x}");
    let first = get(&app, &uri).await;
    let tag = first.headers["etag"].to_str().unwrap().to_owned();
    let again = request(
        &app,
        axum::http::Request::get(&uri)
            .header("if-none-match", &tag)
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(again.status.as_u16(), 304);
}

/// The zoom-16 tile that holds KD-03's first corner, as (x, y).
pub async fn kd03_tile(app: &axum::Router) -> (u32, u32) {
    let kd03 = get(app, "/collections/plots/items/KD-03").await.json;
    let c = &kd03["geometry"]["coordinates"][0][0];
    tile_of(c[0].as_f64().unwrap(), c[1].as_f64().unwrap(), 16)
}

/// KD-03's status as the instance's zoom-16 tile shows it once it shows `want`, or after
/// five seconds of asking.
pub async fn kd03_tile_status_becomes(app: &axum::Router, x: u32, y: u32, want: &str) -> String {
    let mut seen = String::new();
    for _ in 0..50 {
        seen = status_in_tile(app, 16, x, y).await;
        if seen == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seen
}

/// The status of KD-03 as a tile shows it.
pub async fn status_in_tile(app: &axum::Router, z: u8, x: u32, y: u32) -> String {
    let (_, bytes) = tile_bytes(app, "plots", z, x, y).await;
    decode(&bytes, "plots", z, x, y)
        .into_iter()
        .find(|(_, p)| p["reference"] == "KD-03")
        .map(|(_, p)| p["status"].clone())
        .unwrap()
}

#[sqlx::test]
async fn an_edit_through_one_instance_refreshes_the_tiles_of_another(pool: PgPool) {
    load(&pool).await;
    let one = plotline::app(plotline::AppState::new(pool.clone()));
    let two = plotline::app(plotline::AppState::new(pool.clone()));
    let (x, y) = kd03_tile(&one).await;
    // Both instances keep the tile.
    assert_eq!(status_in_tile(&one, 16, x, y).await, "available");
    assert_eq!(status_in_tile(&two, 16, x, y).await, "available");

    // The tile is kept: a change that announces nothing is not seen…
    for sql in [
        "ALTER TABLE plots DISABLE TRIGGER plots_tiles_update",
        "UPDATE plots SET status = 'withdrawn' WHERE reference = 'KD-03'",
        "ALTER TABLE plots ENABLE TRIGGER plots_tiles_update",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    assert_eq!(status_in_tile(&two, 16, x, y).await, "available");
    // …until one is announced.
    sqlx::query("UPDATE plots SET status = 'available' WHERE reference = 'KD-03'")
        .execute(&pool)
        .await
        .unwrap();

    let auth = planner_auth(&pool, "anna", &["kildedal"]).await;
    let uri = format!("/collections/plots/items/{}", plot_id(&pool, "KD-03").await);
    let edit = patch_as(
        &one,
        &uri,
        &auth,
        json!({ "reason": "letter of intent", "properties": { "status": "reserved" } }),
    )
    .await;
    assert_eq!(edit.status.as_u16(), 200, "{}", edit.text);

    // The notification reaches the other instance's listener within moments.
    let seen = kd03_tile_status_becomes(&two, x, y, "reserved").await;
    assert_eq!(
        seen, "reserved",
        "the second instance still serves the old tile"
    );
}
