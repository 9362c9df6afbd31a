//! The GDAL importer: idempotent, any CRS GDAL knows, all-or-nothing on bad data.

use std::path::Path;

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{
    Feature, Geometry, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType,
};
use gdal::DriverManager;
use plotline::db::import::Layer;
use serde_json::{json, Value};
use sqlx::{AssertSqlSafe, PgPool};

mod roundtrip;
mod sources;

use crate::helpers::{geodata, get, load, seeded};

async fn counts(pool: &PgPool) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "areas",
        "plots",
        "buildings",
        "dgnb_records",
        "stations",
        "brt_lines",
        "brt_stops",
        "cycle_superhighways",
    ] {
        out.push(
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(pool)
                .await
                .unwrap(),
        );
    }
    out
}

#[sqlx::test]
async fn importing_twice_changes_nothing(pool: PgPool) {
    let first = plotline::import::import(&pool, &[geodata()]).await.unwrap();
    assert_eq!(first.len(), Layer::ALL.len(), "every layer has a file");
    assert!(first.iter().all(|r| r.inserted > 0 && r.updated == 0));
    let after_first = counts(&pool).await;
    let app = plotline::app(plotline::AppState::new(pool.clone()));
    let plots_first = get(&app, "/plots").await.json;

    let second = plotline::import::import(&pool, &[geodata()]).await.unwrap();
    assert!(second.iter().all(|r| r.inserted == 0 && r.updated > 0));
    assert_eq!(counts(&pool).await, after_first);
    let mut plots_second = get(&app, "/plots").await.json;
    // Only the edit timestamps may differ.
    for (a, b) in plots_second["features"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .zip(plots_first["features"].as_array().unwrap())
    {
        a["properties"]["updated_at"] = b["properties"]["updated_at"].clone();
    }
    assert_eq!(plots_second, plots_first);
}

fn write_geojson(dir: &Path, layer: &str, features: Vec<Value>) {
    let fc = json!({ "type": "FeatureCollection", "features": features });
    std::fs::write(dir.join(format!("{layer}.geojson")), fc.to_string()).unwrap();
}

#[sqlx::test]
async fn an_overlapping_plot_rolls_back_the_whole_import(pool: PgPool) {
    let app = seeded(&pool).await;
    let before = counts(&pool).await;
    let kd02 = get(&app, "/plots/KD-02").await.json;
    let kd01 = get(&app, "/plots/KD-01").await.json;
    let old_status = kd01["properties"]["status"].as_str().unwrap().to_owned();
    let new_status = if old_status == "withdrawn" {
        "planned"
    } else {
        "withdrawn"
    };

    let dir = tempfile::tempdir().unwrap();
    let mut changed = kd01.clone();
    changed["properties"]["status"] = json!(new_status);
    let mut overlapping = kd02.clone();
    overlapping["properties"]["reference"] = json!("KD-99");
    write_geojson(dir.path(), "plots", vec![changed, overlapping]);

    let err = plotline::import::import(&pool, &[dir.path().to_owned()])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("KD-99") && err.contains("overlaps"), "{err}");
    assert_eq!(counts(&pool).await, before);
    let status: String = sqlx::query_scalar("SELECT status FROM plots WHERE reference = 'KD-01'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        status, old_status,
        "the valid change in the same import must not land either"
    );
}

#[sqlx::test]
async fn bad_values_are_reported_with_their_feature(pool: PgPool) {
    let app = seeded(&pool).await;
    let before = counts(&pool).await;
    let dir = tempfile::tempdir().unwrap();

    let mut plot = get(&app, "/plots/KD-03").await.json;
    plot["properties"]["land_use"] = json!("offfice");
    write_geojson(dir.path(), "plots", vec![plot]);
    let err = plotline::import::import(&pool, &[dir.path().to_owned()])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("feature 1 (reference KD-03)") && err.contains("`offfice`"),
        "{err}"
    );

    // Gold claimed with a silver score.
    let mut building = get(&app, "/buildings").await.json["features"][0].clone();
    building["properties"]["dgnb_phase"] = json!("certificate");
    building["properties"]["dgnb_achieved_level"] = json!("gold");
    building["properties"]["dgnb_total_score_pct"] = json!(55.0);
    let reference = building["properties"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::remove_file(dir.path().join("plots.geojson")).unwrap();
    write_geojson(dir.path(), "buildings", vec![building]);
    let err = plotline::import::import(&pool, &[dir.path().to_owned()])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&reference) && err.contains("gives silver"),
        "{err}"
    );
    assert_eq!(counts(&pool).await, before);
}

#[sqlx::test]
async fn kildedal_buildings_below_gold_are_refused(pool: PgPool) {
    let app = seeded(&pool).await;
    let kildedal = get(&app, "/buildings").await.json["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["properties"]["area"] == "kildedal")
        .unwrap()
        .clone();
    let mut building = kildedal;
    building["properties"]["dgnb_target_level"] = json!("silver");
    building["properties"]["dgnb_achieved_level"] = Value::Null;
    building["properties"]["dgnb_total_score_pct"] = Value::Null;
    building["properties"]["dgnb_phase"] = json!("pre_certificate");
    let dir = tempfile::tempdir().unwrap();
    write_geojson(dir.path(), "buildings", vec![building]);
    let err = plotline::import::import(&pool, &[dir.path().to_owned()])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("requires at least gold"), "{err}");
}

/// A GeoPackage in EPSG:25832, as a GIS user would export it, lands on its coordinates.
#[sqlx::test]
async fn a_geopackage_in_utm_is_imported_without_drift(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stations.gpkg");
    {
        let driver = DriverManager::get_driver_by_name("GPKG").unwrap();
        let mut ds = driver.create_vector_only(&path).unwrap();
        let srs = SpatialRef::from_epsg(25832).unwrap();
        let layer = ds
            .create_layer(LayerOptions {
                name: "stations",
                srs: Some(&srs),
                ty: OGRwkbGeometryType::wkbPoint,
                options: None,
            })
            .unwrap();
        layer
            .create_defn_fields(&[
                ("name", OGRFieldType::OFTString),
                ("rejseplanen_id", OGRFieldType::OFTInteger),
            ])
            .unwrap();
        let mut feature = Feature::new(layer.defn()).unwrap();
        feature
            .set_geometry(Geometry::from_wkt("POINT (706251.25 6183364.5)").unwrap())
            .unwrap();
        feature.set_field_string(0, "Kildedal St.").unwrap();
        feature.set_field_integer(1, 8600955).unwrap();
        feature.create(&layer).unwrap();
    }
    let report = plotline::import::import(&pool, &[path]).await.unwrap();
    assert_eq!(report[0].inserted, 1);
    let (x, y): (f64, f64) = sqlx::query_as("SELECT ST_X(geom), ST_Y(geom) FROM stations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((x, y), (706251.25, 6183364.5));
}

#[sqlx::test]
async fn files_that_name_no_layer_are_refused(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcels.geojson");
    std::fs::write(&path, r#"{"type":"FeatureCollection","features":[]}"#).unwrap();
    let err = plotline::import::import(&pool, &[path])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not name a layer"), "{err}");
}

/// Plots and buildings are imported through the editing use case: its geometry checks (the
/// vertex cap, issue 11 defect 10) apply, planner-only fields survive a re-import, and columns
/// of the file's own are ignored.
#[sqlx::test]
async fn the_importer_saves_through_the_edit_path(pool: PgPool) {
    let app = seeded(&pool).await;
    let before = counts(&pool).await;
    let dir = tempfile::tempdir().unwrap();

    let mut plot = get(&app, "/plots/KD-03").await.json;
    let (dense,): (String,) = sqlx::query_as(
        "SELECT ST_AsGeoJSON(ST_Transform(ST_Segmentize(boundary, 0.01), 4326), 9) FROM plots WHERE reference = 'KD-03'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    plot["geometry"] = serde_json::from_str(&dense).unwrap();
    write_geojson(dir.path(), "plots", vec![plot]);
    let err = plotline::import::import(&pool, &[dir.path().to_owned()])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("feature 1 (reference KD-03)") && err.contains("at most 10000"),
        "{err}"
    );
    assert_eq!(counts(&pool).await, before);

    sqlx::query(
        "INSERT INTO plot_internal (plot_id, negotiation_notes)
         SELECT id, 'second meeting in May' FROM plots WHERE reference = 'KD-03'
         ON CONFLICT (plot_id) DO UPDATE SET negotiation_notes = EXCLUDED.negotiation_notes",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut plot = get(&app, "/plots/KD-03").await.json;
    plot["properties"]["colour"] = json!("red");
    plot["properties"]["planned_homes"] = json!(236);
    write_geojson(dir.path(), "plots", vec![plot]);
    let report = plotline::import::import(&pool, &[dir.path().to_owned()])
        .await
        .unwrap();
    assert_eq!((report[0].inserted, report[0].updated), (0, 1));
    let (homes, notes): (i32, Option<String>) = sqlx::query_as(
        "SELECT p.planned_homes, i.negotiation_notes FROM plots p LEFT JOIN plot_internal i ON i.plot_id = p.id WHERE p.reference = 'KD-03'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(homes, 236);
    assert_eq!(notes.as_deref(), Some("second meeting in May"));
}

#[sqlx::test]
async fn a_stop_that_names_no_brt_line_is_refused(pool: PgPool) {
    load(&pool).await;
    let before = counts(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let stop = json!({
        "type": "Feature",
        "properties": { "name": "Nowhere", "line": "BRT-NONE", "accuracy": "approximate" },
        "geometry": { "type": "Point", "coordinates": [12.39, 55.73] },
    });
    write_geojson(dir.path(), "brt_stops", vec![stop]);
    let err = plotline::import::import(&pool, &[dir.path().to_owned()])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("its line `\"BRT-NONE\"` names no BRT line"),
        "{err}"
    );
    assert_eq!(counts(&pool).await, before);
}

#[sqlx::test]
async fn an_area_without_its_optional_properties_gets_their_defaults(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let area = |description: Value| {
        json!({
            "type": "Feature",
            "properties": { "slug": "test-area", "name": "Test", "description": description },
            "geometry": { "type": "Polygon", "coordinates": [[
                [12.30, 55.70], [12.31, 55.70], [12.31, 55.71], [12.30, 55.71], [12.30, 55.70]
            ]] },
        })
    };
    write_geojson(dir.path(), "areas", vec![area(json!("first"))]);
    let report = plotline::import::import(&pool, &[dir.path().to_owned()])
        .await
        .unwrap();
    assert_eq!((report[0].inserted, report[0].updated), (1, 0));
    // Imported again with the description null: updated, and the description's default.
    write_geojson(dir.path(), "areas", vec![area(Value::Null)]);
    let report = plotline::import::import(&pool, &[dir.path().to_owned()])
        .await
        .unwrap();
    assert_eq!((report[0].inserted, report[0].updated), (0, 1));
    let row: (String, String, String, Option<String>, String) = sqlx::query_as(
        "SELECT description, area_certification, development, target_dgnb_level, \
         GeometryType(boundary) FROM areas WHERE slug = 'test-area'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            String::new(),
            "none".to_owned(),
            "new_town".to_owned(),
            None,
            "MULTIPOLYGON".to_owned()
        )
    );
}
