//! The GeoJSON endpoints: RFC 7946 in WGS84, bbox filtering, single features, errors.

use axum::http::StatusCode;
use geojson::{FeatureCollection, GeoJson, GeometryValue as Geometry, Position};
use sqlx::PgPool;

use crate::helpers::{assert_error, get, seeded};

fn positions(geometry: &Geometry) -> Vec<Position> {
    match geometry {
        Geometry::Point { coordinates: p } => vec![p.clone()],
        Geometry::LineString { coordinates: l } => l.clone(),
        Geometry::Polygon { coordinates: rings } => rings.concat(),
        Geometry::MultiPolygon { coordinates: polys } => {
            polys.iter().flat_map(|r| r.concat()).collect()
        }
        other => panic!("unexpected geometry {other:?}"),
    }
}

#[sqlx::test]
async fn plots_are_rfc7946_geojson_in_lon_lat(pool: PgPool) {
    let app = seeded(&pool).await;
    let answer = get(&app, "/plots").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["content-type"], "application/geo+json");
    let collection: FeatureCollection = match answer.text.parse::<GeoJson>().unwrap() {
        GeoJson::FeatureCollection(fc) => fc,
        other => panic!("not a FeatureCollection: {other:?}"),
    };
    let in_db: i64 = sqlx::query_scalar("SELECT count(*) FROM plots")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(collection.features.len() as i64, in_db);
    let mut areas = std::collections::BTreeSet::new();
    for feature in &collection.features {
        let geometry = feature.geometry.as_ref().expect("geometry");
        for p in positions(&geometry.value) {
            // Ballerup lies at about 12.3° E, 55.7° N: longitude comes first.
            assert!(
                (12.2..12.5).contains(&p[0]),
                "longitude {} out of Ballerup",
                p[0]
            );
            assert!(
                (55.7..55.8).contains(&p[1]),
                "latitude {} out of Ballerup",
                p[1]
            );
        }
        let props = feature.properties.as_ref().unwrap();
        areas.insert(props["area"].as_str().unwrap().to_owned());
        assert!(props["plot_area_m2"].as_f64().unwrap() > 0.0);
        assert!(props["nearest_station"].is_string());
        assert!(props["within_600m_of_station"].is_boolean());
        assert!(props["nearest_brt_line_status"].is_string());
        assert!(props["nearest_cycle_superhighway"]
            .as_str()
            .unwrap()
            .starts_with('C'));
    }
    assert_eq!(
        areas.into_iter().collect::<Vec<_>>(),
        ["kildedal", "lautrup"]
    );
}

#[sqlx::test]
async fn every_collection_answers(pool: PgPool) {
    let app = seeded(&pool).await;
    for (path, expected) in [
        ("/areas", Some(2)),
        ("/transit/stations", Some(5)),
        ("/transit/cycle-superhighways", Some(3)),
        ("/transit/brt", None),
        ("/transit/brt-stops", None),
        ("/buildings", None),
    ] {
        let answer = get(&app, path).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.text);
        let features = answer.json["features"].as_array().unwrap();
        match expected {
            Some(n) => assert_eq!(features.len(), n, "{path}"),
            None => assert!(!features.is_empty(), "{path}"),
        }
        // Each feature is also served on its own, with the same content.
        let first = &features[0];
        let id = match &first["id"] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let one = get(&app, &format!("{path}/{id}")).await;
        assert_eq!(one.status, StatusCode::OK, "{path}/{id}");
        assert_eq!(&one.json, first, "{path}/{id}");
    }
}

#[sqlx::test]
async fn features_are_found_by_reference_and_slug(pool: PgPool) {
    let app = seeded(&pool).await;
    let plot = get(&app, "/plots/KD-01").await;
    assert_eq!(plot.status, StatusCode::OK);
    assert_eq!(plot.json["properties"]["reference"], "KD-01");
    assert_eq!(plot.json["properties"]["area"], "kildedal");
    let id = plot.json["id"].as_i64().expect("numeric plot id");
    assert_eq!(get(&app, &format!("/plots/{id}")).await.json, plot.json);

    let area = get(&app, "/areas/kildedal").await;
    assert_eq!(area.json["id"], "kildedal");
    let ha = area.json["properties"]["area_ha"].as_f64().unwrap();
    assert!((ha - 40.0).abs() <= 0.8, "{ha}");

    let c97 = get(&app, "/transit/cycle-superhighways/C97").await;
    assert_eq!(c97.json["properties"]["name"], "Frederikssundsruten");
}

#[sqlx::test]
async fn unknown_ids_get_404_with_a_body(pool: PgPool) {
    let app = seeded(&pool).await;
    for uri in [
        "/plots/999999",
        "/plots/XX-99",
        "/areas/nowhere",
        "/buildings/0",
    ] {
        assert_error(
            &get(&app, uri).await,
            StatusCode::NOT_FOUND,
            "was not found",
        );
    }
    assert_error(
        &get(&app, "/no/such/path").await,
        StatusCode::NOT_FOUND,
        "not found",
    );
}

#[sqlx::test]
async fn bad_bbox_gets_400_naming_the_problem(pool: PgPool) {
    let app = seeded(&pool).await;
    for (bbox, says) in [
        ("1,2,3", "got 3"),
        ("a,b,c,d", "not a number"),
        ("12.3,55.8,12.4,55.7", "greater"),
        ("12,91,13,92", "-90..90"),
        ("", "not a number"),
    ] {
        let answer = get(&app, &format!("/plots?bbox={bbox}")).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, says);
        assert_eq!(answer.json["error"]["parameter"], "bbox");
    }
    let answer = get(&app, "/plots?bbx=1,2,3,4").await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "unknown parameter");
    assert_eq!(answer.json["error"]["parameter"], "bbx");
}

#[sqlx::test]
async fn bbox_selects_what_postgis_says_intersects(pool: PgPool) {
    let app = seeded(&pool).await;
    // A box around Kildedal St. (12.2867 E, 55.7519 N).
    let (w, s, e, n) = (12.280, 55.748, 12.292, 55.756);
    let answer = get(&app, &format!("/plots?bbox={w},{s},{e},{n}")).await;
    assert_eq!(answer.status, StatusCode::OK);
    let mut got: Vec<String> = answer.json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["reference"].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    let expected: Vec<String> = sqlx::query_scalar(
        "SELECT reference FROM plots
         WHERE ST_Intersects(ST_Transform(boundary, 4326), ST_MakeEnvelope($1, $2, $3, $4, 4326))
         ORDER BY reference",
    )
    .bind(w)
    .bind(s)
    .bind(e)
    .bind(n)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(!expected.is_empty());
    assert_eq!(got, expected);
    assert!(got.iter().all(|r| r.starts_with("KD-")), "{got:?}");
}

#[sqlx::test]
async fn health_reports_postgis(pool: PgPool) {
    let app = plotline::app(plotline::AppState::new(pool));
    let answer = get(&app, "/health").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json["status"], "ok");
    assert!(answer.json["postgis"].as_str().unwrap().starts_with('3'));
}
