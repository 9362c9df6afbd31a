//! Distances to transit: PostGIS's figures against an independent computation with `geo`.

use axum::http::StatusCode;
use geo::{Distance, Euclidean, Point, Polygon};
use sqlx::PgPool;

use crate::helpers::{get, load, seeded};

/// Reads EPSG:25832 geometry as GeoJSON text into geo-types: the same coordinates PostGIS
/// measured on, but measured here by the `geo` crate.
fn polygon(geojson_25832: &str) -> Polygon<f64> {
    let geometry: geojson::Geometry = geojson_25832.parse().unwrap();
    geometry.value.try_into().unwrap()
}

#[sqlx::test]
async fn station_distances_agree_with_geo_within_1m(pool: PgPool) {
    let app = seeded(&pool).await;
    let stations: Vec<(String, f64, f64)> =
        sqlx::query_as("SELECT name, ST_X(geom), ST_Y(geom) FROM stations")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(stations.len(), 5);
    let plots: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, ST_AsGeoJSON(boundary, 6) FROM plots ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    let served = get(&app, "/plots").await;
    assert_eq!(served.status, StatusCode::OK);
    let features = served.json["features"].as_array().unwrap();
    assert_eq!(features.len(), plots.len());
    let mut near = 0;
    for ((id, boundary), feature) in plots.iter().zip(features) {
        assert_eq!(feature["id"], *id);
        let plot = polygon(boundary);
        let (nearest, distance_m) = stations
            .iter()
            .map(|(name, x, y)| (name, Euclidean.distance(&plot, &Point::new(*x, *y))))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        let props = &feature["properties"];
        let served_m = props["nearest_station_distance_m"].as_f64().unwrap();
        assert!(
            (served_m - distance_m).abs() < 1.0,
            "plot {id}: served {served_m} m, geo says {distance_m} m"
        );
        assert_eq!(props["nearest_station"], nearest.as_str(), "plot {id}");
        assert_eq!(
            props["within_600m_of_station"],
            distance_m <= 600.0,
            "plot {id}"
        );
        near += usize::from(distance_m <= 600.0);
    }
    // The data set has plots on both sides of the 600 m line.
    assert!(
        near > 0 && near < plots.len(),
        "{near} of {} near",
        plots.len()
    );
}

#[sqlx::test]
async fn a_plot_containing_a_station_is_at_0m(pool: PgPool) {
    let app = seeded(&pool).await;
    let reference: String = sqlx::query_scalar(
        "SELECT p.reference FROM plots p JOIN stations s ON ST_Intersects(p.boundary, s.geom)
         WHERE s.name = 'Kildedal St.' LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .expect("a plot at Kildedal St.");
    let plot = get(&app, &format!("/plots/{reference}")).await;
    assert_eq!(plot.json["properties"]["nearest_station"], "Kildedal St.");
    assert_eq!(plot.json["properties"]["nearest_station_distance_m"], 0.0);
    assert_eq!(plot.json["properties"]["within_600m_of_station"], true);
}

#[sqlx::test]
async fn cycle_and_brt_distances_agree_with_postgis_geometry(pool: PgPool) {
    load(&pool).await;
    // The stored nearest-distance columns against a fresh brute-force minimum over every
    // stop and route, computed by geo on the EPSG:25832 coordinates.
    let stops: Vec<(f64, f64)> = sqlx::query_as("SELECT ST_X(geom), ST_Y(geom) FROM brt_stops")
        .fetch_all(&pool)
        .await
        .unwrap();
    let routes: Vec<String> =
        sqlx::query_scalar("SELECT ST_AsGeoJSON(geom, 6) FROM cycle_superhighways")
            .fetch_all(&pool)
            .await
            .unwrap();
    let routes: Vec<geo::LineString<f64>> = routes
        .iter()
        .map(|g| {
            g.parse::<geojson::Geometry>()
                .unwrap()
                .value
                .try_into()
                .unwrap()
        })
        .collect();
    let buildings: Vec<(String, String, f64, f64)> = sqlx::query_as(
        "SELECT reference, ST_AsGeoJSON(footprint, 6), nearest_brt_stop_distance_m,
                nearest_cycle_superhighway_distance_m
         FROM buildings",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(!buildings.is_empty());
    for (reference, footprint, brt_m, cycle_m) in buildings {
        let footprint = polygon(&footprint);
        let geo_brt = stops
            .iter()
            .map(|(x, y)| Euclidean.distance(&footprint, &Point::new(*x, *y)))
            .fold(f64::INFINITY, f64::min);
        let geo_cycle = routes
            .iter()
            .map(|r| Euclidean.distance(&footprint, r))
            .fold(f64::INFINITY, f64::min);
        assert!(
            (brt_m - geo_brt).abs() < 1.0,
            "{reference}: BRT {brt_m} vs {geo_brt}"
        );
        assert!(
            (cycle_m - geo_cycle).abs() < 1.0,
            "{reference}: cycle {cycle_m} vs {geo_cycle}"
        );
    }
}

#[sqlx::test]
async fn a_new_station_updates_every_distance(pool: PgPool) {
    let app = seeded(&pool).await;
    let before = get(&app, "/plots/LT-01").await.json["properties"].clone();
    assert_ne!(before["nearest_station_distance_m"], 0.0);
    let updated_before: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT updated_at FROM plots WHERE reference = 'LT-01'")
            .fetch_one(&pool)
            .await
            .unwrap();

    // A station in the middle of LT-01.
    sqlx::query(
        "INSERT INTO stations (name, geom)
         SELECT 'Test St.', ST_PointOnSurface(boundary) FROM plots WHERE reference = 'LT-01'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let after = get(&app, "/plots/LT-01").await.json["properties"].clone();
    assert_eq!(after["nearest_station"], "Test St.");
    assert_eq!(after["nearest_station_distance_m"], 0.0);
    assert_eq!(after["within_600m_of_station"], true);
    let updated_after: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT updated_at FROM plots WHERE reference = 'LT-01'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        updated_before, updated_after,
        "a derived refresh is not an edit"
    );

    sqlx::query("DELETE FROM stations WHERE name = 'Test St.'")
        .execute(&pool)
        .await
        .unwrap();
    let restored = get(&app, "/plots/LT-01").await.json["properties"].clone();
    assert_eq!(restored["nearest_station"], before["nearest_station"]);
    assert_eq!(
        restored["nearest_station_distance_m"],
        before["nearest_station_distance_m"]
    );
}
