//! The Fingerplan's office rule (stationsnærhedsprincippet): a new, enlarged or moved office
//! over 1,500 m² more than 600 m (straight line) from a station is refused unless the planner
//! records an exemption; existing ones are listed in the summary and marked in the tiles.

use axum::http::StatusCode;
use axum::Router;
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::{assert_refused_field, get, load, seeded, Answer};
use crate::planners::{patch_as, planner_auth, send};
use crate::tiles::{decode, tile_bytes, tile_of};

const UTM: &str = "<http://www.opengis.net/def/crs/EPSG/0/25832>";

/// The first building (by reference) that the condition picks, as (id, reference).
async fn building_where(pool: &PgPool, condition: &str) -> (i64, String) {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, reference FROM buildings WHERE {condition} ORDER BY reference LIMIT 1"
    )))
    .fetch_optional(pool)
    .await
    .unwrap()
    .unwrap_or_else(|| panic!("the data set has no building where {condition}"))
}

async fn office_m2(pool: &PgPool, id: i64) -> f64 {
    sqlx::query_scalar("SELECT floor_area_office_m2 FROM buildings WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn assert_refused(answer: &Answer, part: &str) {
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text
    );
    assert_eq!(
        answer.json["error"]["field"], "floor_area_office_m2",
        "{}",
        answer.text
    );
    let message = answer.json["error"]["message"].as_str().unwrap();
    for want in [
        "Fingerplan",
        "1500 m²",
        "straight line",
        "walking distance",
        part,
    ] {
        assert!(message.contains(want), "`{message}` should say `{want}`");
    }
}

async fn check_of(app: &Router, id: i64) -> Value {
    get(app, &format!("/collections/buildings/items/{id}"))
        .await
        .json["properties"]
        .clone()
}

#[sqlx::test]
async fn an_office_enlarged_far_from_a_station_is_refused_unless_exempt(pool: PgPool) {
    let app = seeded(&pool).await;
    let auth = planner_auth(&pool, "lis", &["kildedal", "lautrup"]).await;
    // Not completed, more than 1,200 m from a station, at most 1,500 m² of offices.
    let (id, reference) = building_where(
        &pool,
        "construction_status <> 'completed' AND nearest_station_distance_m > 1200 \
         AND floor_area_office_m2 BETWEEN 1 AND 1500",
    )
    .await;
    let uri = format!("/collections/buildings/items/{id}");

    // Exactly 1,500 m² is not over the limit.
    let edge = patch_as(
        &app,
        &uri,
        &auth,
        json!({ "properties": { "floor_area_office_m2": 1500.0 } }),
    )
    .await;
    assert_eq!(edge.status, StatusCode::OK, "{reference}: {}", edge.text);
    assert_eq!(
        check_of(&app, id).await["fingerplan_office_check"],
        "not_applicable"
    );

    // Over it: refused, and the save rolled back.
    let over = patch_as(
        &app,
        &uri,
        &auth,
        json!({ "properties": { "floor_area_office_m2": 1500.5 } }),
    )
    .await;
    assert_refused(&over, "outside the station-near area");
    assert_eq!(over.json["error"]["extra_measures_zone"], false);
    assert!(
        over.json["error"]["nearest_station_distance_m"]
            .as_f64()
            .unwrap()
            > 1200.0
    );
    assert_eq!(office_m2(&pool, id).await, 1500.0);

    // Half an exemption is not one.
    let half = patch_as(
        &app,
        &uri,
        &auth,
        json!({ "properties": { "floor_area_office_m2": 1500.5,
                                "fingerplan_exemption_lokalplan": "Lokalplan 999 (illustrative)" } }),
    )
    .await;
    assert_refused_field(&half, "fingerplan_exemption_reason");

    // With the lokalplan and the reason: saved, exempt, and both public.
    let exempt = patch_as(
        &app,
        &uri,
        &auth,
        json!({ "properties": { "floor_area_office_m2": 1500.5,
                                "fingerplan_exemption_lokalplan": "Lokalplan 999 (illustrative)",
                                "fingerplan_exemption_reason": "mobility plan and shuttle bus to Malmparken St." } }),
    )
    .await;
    assert_eq!(exempt.status, StatusCode::OK, "{}", exempt.text);
    let p = check_of(&app, id).await;
    assert_eq!(p["fingerplan_office_check"], "exempt");
    assert_eq!(
        p["fingerplan_exemption_lokalplan"],
        "Lokalplan 999 (illustrative)"
    );
    assert_eq!(
        p["fingerplan_exemption_reason"],
        "mobility plan and shuttle bus to Malmparken St."
    );
    assert_eq!(office_m2(&pool, id).await, 1500.5);

    // Not yet completed, it cannot lose its exemption.
    let dropped = patch_as(
        &app,
        &uri,
        &auth,
        json!({ "properties": { "fingerplan_exemption_lokalplan": null,
                                "fingerplan_exemption_reason": null } }),
    )
    .await;
    assert_refused(&dropped, "exemption is removed");
    assert_eq!(
        check_of(&app, id).await["fingerplan_office_check"],
        "exempt"
    );
}

#[sqlx::test]
async fn between_600_and_1200_m_an_enlargement_needs_extra_measures(pool: PgPool) {
    let app = seeded(&pool).await;
    let auth = planner_auth(&pool, "lis", &["kildedal", "lautrup"]).await;
    // An existing office outside the rule: stored, so not refused while it is not enlarged.
    let (id, reference) = building_where(
        &pool,
        "nearest_station_distance_m > 600 AND nearest_station_distance_m <= 1200 \
         AND floor_area_office_m2 > 1500 AND fingerplan_exemption_lokalplan IS NULL",
    )
    .await;
    let uri = format!("/collections/buildings/items/{id}");
    assert_eq!(
        check_of(&app, id).await["fingerplan_office_check"],
        "outside_rule"
    );
    let renamed = patch_as(
        &app,
        &uri,
        &auth,
        json!({ "properties": { "name": "Renamed" } }),
    )
    .await;
    assert_eq!(
        renamed.status,
        StatusCode::OK,
        "{reference}: {}",
        renamed.text
    );

    let before = office_m2(&pool, id).await;
    let larger = patch_as(
        &app,
        &uri,
        &auth,
        json!({ "properties": { "floor_area_office_m2": before + 100.0 } }),
    )
    .await;
    assert_refused(&larger, "extra measures");
    assert_eq!(larger.json["error"]["extra_measures_zone"], true);
    assert_eq!(office_m2(&pool, id).await, before);
    // A smaller office is not an enlargement.
    let smaller = patch_as(
        &app,
        &uri,
        &auth,
        json!({ "properties": { "floor_area_office_m2": before - 100.0 } }),
    )
    .await;
    assert_eq!(smaller.status, StatusCode::OK, "{}", smaller.text);
}

/// A 20 × 20 m footprint whose edge facing a station lies exactly `distance_m` from it, inside
/// one plot, with that station the nearest: (plot reference, station, ring in EPSG:25832).
async fn footprint_at(pool: &PgPool, distance_m: f64) -> (String, String, Vec<[f64; 2]>) {
    let stations: Vec<(String, f64, f64)> =
        sqlx::query_as("SELECT name, ST_X(geom), ST_Y(geom) FROM stations ORDER BY name")
            .fetch_all(pool)
            .await
            .unwrap();
    for (name, sx, sy) in stations {
        // North, east, south, west: the near edge is parallel to an axis, so PostGIS measures
        // exactly `distance_m` (station coordinates and the offsets add without rounding).
        let d = distance_m;
        for ring in [
            vec![
                [sx - 10.0, sy + d],
                [sx + 10.0, sy + d],
                [sx + 10.0, sy + d + 20.0],
                [sx - 10.0, sy + d + 20.0],
            ],
            vec![
                [sx + d, sy - 10.0],
                [sx + d + 20.0, sy - 10.0],
                [sx + d + 20.0, sy + 10.0],
                [sx + d, sy + 10.0],
            ],
            vec![
                [sx - 10.0, sy - d - 20.0],
                [sx + 10.0, sy - d - 20.0],
                [sx + 10.0, sy - d],
                [sx - 10.0, sy - d],
            ],
            vec![
                [sx - d - 20.0, sy - 10.0],
                [sx - d, sy - 10.0],
                [sx - d, sy + 10.0],
                [sx - d - 20.0, sy + 10.0],
            ],
        ] {
            let mut closed = ring.clone();
            closed.push(ring[0]);
            let wkt = format!(
                "POLYGON(({}))",
                closed
                    .iter()
                    .map(|[x, y]| format!("{x} {y}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let found: Option<(String, String)> = sqlx::query_as(
                "WITH f AS (SELECT ST_GeomFromText($1, 25832) AS g)
                 SELECT p.reference, s.name FROM f, plots p,
                     LATERAL (SELECT name FROM stations ORDER BY geom <-> f.g, id LIMIT 1) s
                 WHERE ST_CoveredBy(f.g, p.boundary) AND s.name = $2
                   AND ST_Distance((SELECT geom FROM stations WHERE name = $2), f.g) = $3
                 LIMIT 1",
            )
            .bind(&wkt)
            .bind(&name)
            .bind(distance_m)
            .fetch_optional(pool)
            .await
            .unwrap();
            if let Some((plot, station)) = found {
                return (plot, station, closed);
            }
        }
    }
    panic!("no plot holds a footprint exactly {distance_m} m from a station");
}

fn new_building(reference: &str, plot: &str, ring: &[[f64; 2]], status: &str) -> Value {
    json!({
        "type": "Feature",
        "geometry": { "type": "Polygon", "coordinates": [ring] },
        "properties": { "reference": reference, "plot": plot, "storeys": 8,
                        "floor_area_office_m2": 2400.0, "construction_status": status },
    })
}

#[sqlx::test]
async fn a_new_office_exactly_600_m_from_a_station_is_station_near(pool: PgPool) {
    let app = seeded(&pool).await;
    let auth = planner_auth(&pool, "lis", &["kildedal", "lautrup"]).await;
    let headers = [("authorization", auth.as_str()), ("content-crs", UTM)];

    let (plot, station, ring) = footprint_at(&pool, 600.0).await;
    let at = send(
        &app,
        "POST",
        "/collections/buildings/items",
        &headers,
        Some(new_building("FP-600", &plot, &ring, "projected")),
    )
    .await;
    assert_eq!(at.status, StatusCode::CREATED, "{}", at.text);
    let p = &at.json["properties"];
    assert_eq!(p["nearest_station"], station.as_str());
    assert_eq!(p["nearest_station_distance_m"], 600.0);
    assert_eq!(p["fingerplan_office_check"], "station_near");

    // Half a metre further: a new office outside the rule.
    let (plot, _, ring) = footprint_at(&pool, 600.5).await;
    let beyond = send(
        &app,
        "POST",
        "/collections/buildings/items",
        &headers,
        Some(new_building("FP-600.5", &plot, &ring, "projected")),
    )
    .await;
    assert_refused(&beyond, "extra measures");
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM buildings WHERE reference = 'FP-600.5'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored, 0, "the refused insert is rolled back");
    // Recorded as completed it is an existing office: stored, and marked.
    let existing = send(
        &app,
        "POST",
        "/collections/buildings/items",
        &headers,
        Some(new_building("FP-600.5", &plot, &ring, "completed")),
    )
    .await;
    assert_eq!(existing.status, StatusCode::CREATED, "{}", existing.text);
    assert_eq!(
        existing.json["properties"]["fingerplan_office_check"],
        "outside_rule"
    );
}

/// The large offices beyond 600 m without an exemption in an area, by reference.
async fn outside_rule(pool: &PgPool, area: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT b.reference FROM buildings b JOIN plots p ON p.id = b.plot_id JOIN areas a ON a.id = p.area_id
         WHERE a.slug = $1 AND b.floor_area_office_m2 > 1500 AND b.nearest_station_distance_m > 600
           AND b.fingerplan_exemption_lokalplan IS NULL
         ORDER BY b.reference COLLATE \"C\"",
    )
    .bind(area)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn existing_offices_outside_the_rule_are_listed_in_the_summary(pool: PgPool) {
    let app = seeded(&pool).await;
    let expected = outside_rule(&pool, "lautrup").await;
    assert!(
        !expected.is_empty(),
        "Lautrup has existing offices beyond 600 m"
    );
    let summary = get(&app, "/areas/lautrup/summary?list_limit=1000").await;
    assert_eq!(summary.status, StatusCode::OK, "{}", summary.text);
    let f = &summary.json["fingerplan"];
    let listed: Vec<&str> = f["offices_outside_rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["reference"].as_str().unwrap())
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(f["offices_outside_rule_count"], expected.len());
    assert!(f["distance_method"]
        .as_str()
        .unwrap()
        .contains("walking distance"));
    let exempt_before = f["offices_exempt_count"].as_u64().unwrap();

    // An exemption takes the office off the list and counts it as exempt.
    let auth = planner_auth(&pool, "lis", &["lautrup"]).await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM buildings WHERE reference = $1")
        .bind(&expected[0])
        .fetch_one(&pool)
        .await
        .unwrap();
    let exempt = patch_as(
        &app,
        &format!("/collections/buildings/items/{id}"),
        &auth,
        json!({ "properties": { "fingerplan_exemption_lokalplan": "Lokalplan 61 (illustrative)",
                                "fingerplan_exemption_reason": "built before the Fingerplan 2019 rule" } }),
    )
    .await;
    assert_eq!(exempt.status, StatusCode::OK, "{}", exempt.text);
    let f = get(&app, "/areas/lautrup/summary?list_limit=1000")
        .await
        .json["fingerplan"]
        .clone();
    assert_eq!(f["offices_outside_rule_count"], expected.len() - 1);
    assert_eq!(f["offices_exempt_count"], exempt_before + 1);
    assert!(f["offices_outside_rule"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["reference"] != expected[0].as_str()));
}

#[sqlx::test]
async fn the_rule_is_in_the_buildings_tiles(pool: PgPool) {
    load(&pool).await;
    let app = plotline::app(plotline::AppState::new(pool.clone()));
    let expected = outside_rule(&pool, "lautrup").await;
    let reference = &expected[0];
    let (lon, lat): (f64, f64) = sqlx::query_as(
        "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_PointOnSurface(footprint), 4326) AS c
         FROM buildings WHERE reference = $1) AS x",
    )
    .bind(reference)
    .fetch_one(&pool)
    .await
    .unwrap();
    let (x, y) = tile_of(lon, lat, 16);
    let (status, bytes) = tile_bytes(&app, "buildings", 16, x, y).await;
    assert_eq!(status, 200);
    let features = decode(&bytes, "buildings", 16, x, y);
    let (_, props) = features
        .iter()
        .find(|(_, p)| p.get("reference") == Some(reference))
        .unwrap_or_else(|| panic!("{reference} is in its tile"));
    assert_eq!(props["fingerplan_office_check"], "outside_rule");
    assert!(features
        .iter()
        .all(|(_, p)| p.contains_key("fingerplan_office_check")));
    assert!(features
        .iter()
        .all(|(_, p)| !p.contains_key("fingerplan_exemption_reason")));
}

fn write_buildings(dir: &std::path::Path, features: Vec<Value>) {
    let fc = json!({ "type": "FeatureCollection", "features": features });
    std::fs::write(dir.join("buildings.geojson"), fc.to_string()).unwrap();
}

#[sqlx::test]
async fn the_importer_keeps_the_rule(pool: PgPool) {
    let app = seeded(&pool).await;
    let (_, reference) = building_where(
        &pool,
        "nearest_station_distance_m > 600 AND floor_area_office_m2 > 1500 \
         AND fingerplan_exemption_lokalplan IS NULL",
    )
    .await;
    let mut building = get(&app, &format!("/collections/buildings/items/{reference}"))
        .await
        .json;
    let office = building["properties"]["floor_area_office_m2"]
        .as_f64()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();

    // Imported again unchanged: an existing office, not refused.
    write_buildings(dir.path(), vec![building.clone()]);
    plotline::import::import(&pool, &[dir.path().to_owned()])
        .await
        .unwrap();

    // Enlarged: refused, naming the building, the field and the rule.
    building["properties"]["floor_area_office_m2"] = json!(office + 500.0);
    write_buildings(dir.path(), vec![building.clone()]);
    let err = plotline::import::import(&pool, &[dir.path().to_owned()])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&reference) && err.contains("Fingerplan") && err.contains("straight line"),
        "{err}"
    );
    let stored: f64 =
        sqlx::query_scalar("SELECT floor_area_office_m2 FROM buildings WHERE reference = $1")
            .bind(&reference)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored, office);

    // With the exemption: imported.
    building["properties"]["fingerplan_exemption_lokalplan"] =
        json!("Lokalplan 999 (illustrative)");
    building["properties"]["fingerplan_exemption_reason"] = json!("extra measures: mobility plan");
    write_buildings(dir.path(), vec![building]);
    plotline::import::import(&pool, &[dir.path().to_owned()])
        .await
        .unwrap();
    let check = get(&app, &format!("/collections/buildings/items/{reference}"))
        .await
        .json;
    assert_eq!(check["properties"]["fingerplan_office_check"], "exempt");
}
