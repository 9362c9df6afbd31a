//! `GET /rules`: the domain's constants as the page reads them, cacheable, and the copy the
//! page's unit tests use (web/tests/fixtures/rules.json) kept equal to it.

use axum::http::{header, StatusCode};
use plotline::domain::construction::ConstructionStatus;
use plotline::domain::dgnb::{DgnbLevel, DgnbPhase, DgnbScheme};
use plotline::domain::summary::DGNB_URBAN_HOUSING_SHARE;
use plotline::domain::transit::BrtStatus;
use plotline::domain::transit::{
    BRT_STOP_RADIUS_M, CYCLE_SUPERHIGHWAY_RADIUS_M, LARGE_OFFICE_FLOOR_AREA_M2,
    STATION_NEAR_RADIUS_M,
};
use plotline::domain::{LandUse, PlotStatus};
use serde_json::Value;
use sqlx::PgPool;

use crate::helpers::{assert_error, get, get_if_none_match};

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("{v} is not an array"))
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

#[sqlx::test]
async fn rules_are_the_domain_constants(pool: PgPool) {
    let app = plotline::app(plotline::AppState::new(pool));
    let answer = get(&app, "/rules").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.headers[header::CONTENT_TYPE], "application/json");
    let rules = &answer.json;

    // The lifecycle: every status once, in order, with exactly its next statuses.
    let lifecycle = rules["plot_lifecycle"].as_array().unwrap();
    assert_eq!(lifecycle.len(), PlotStatus::ALL.len());
    for (entry, status) in lifecycle.iter().zip(PlotStatus::ALL) {
        assert_eq!(entry["status"], status.as_str());
        let next: Vec<&str> = status.next().iter().map(|n| n.as_str()).collect();
        assert_eq!(strings(&entry["next"]), next, "{}", status.as_str());
    }
    assert_eq!(
        strings(&lifecycle[0]["next"]),
        ["available", "withdrawn"],
        "planned → available | withdrawn"
    );

    assert_eq!(rules["radii_m"]["station"], STATION_NEAR_RADIUS_M);
    assert_eq!(rules["radii_m"]["station"], 600.0);
    assert_eq!(rules["radii_m"]["brt_stop"], BRT_STOP_RADIUS_M);
    assert_eq!(
        rules["radii_m"]["cycle_superhighway"],
        CYCLE_SUPERHIGHWAY_RADIUS_M
    );
    assert_eq!(
        rules["fingerplan"]["large_office_floor_area_m2"],
        LARGE_OFFICE_FLOOR_AREA_M2
    );
    assert_eq!(rules["fingerplan"]["large_office_floor_area_m2"], 1500.0);
    assert_eq!(
        rules["fingerplan"]["station_radius_m"],
        STATION_NEAR_RADIUS_M
    );

    let levels = rules["dgnb"]["levels"].as_array().unwrap();
    assert_eq!(levels.len(), DgnbLevel::ALL.len());
    for (entry, level) in levels.iter().zip(DgnbLevel::ALL) {
        assert_eq!(entry["level"], level.as_str());
        assert_eq!(entry["min_total_pct"], level.min_total_pct());
        assert_eq!(entry["min_group_pct"], level.min_area_pct());
    }
    assert_eq!(levels[1]["min_total_pct"], 65.0, "Gold needs 65 %");
    assert_eq!(
        rules["dgnb"]["urban_housing_share"]["min"],
        DGNB_URBAN_HOUSING_SHARE.0
    );
    assert_eq!(
        rules["dgnb"]["urban_housing_share"]["max"],
        DGNB_URBAN_HOUSING_SHARE.1
    );

    let enums = &rules["enums"];
    assert_eq!(
        strings(&enums["land_use"]),
        LandUse::ALL.map(LandUse::as_str)
    );
    assert_eq!(
        strings(&enums["plot_status"]),
        PlotStatus::ALL.map(PlotStatus::as_str)
    );
    assert_eq!(
        strings(&enums["dgnb_level"]),
        DgnbLevel::ALL.map(DgnbLevel::as_str)
    );
    assert_eq!(
        strings(&enums["dgnb_phase"]),
        DgnbPhase::ALL.map(DgnbPhase::as_str)
    );
    assert_eq!(
        strings(&enums["brt_status"]),
        BrtStatus::ALL.map(BrtStatus::as_str)
    );
    assert_eq!(
        strings(&enums["dgnb_scheme"]),
        DgnbScheme::ALL.map(DgnbScheme::as_str)
    );
    assert_eq!(
        strings(&enums["construction_status"]),
        ConstructionStatus::ALL.map(ConstructionStatus::as_str)
    );
    assert_eq!(*rules, plotline::http::rules::document());
}

#[sqlx::test]
async fn rules_are_cacheable_and_refuse_parameters(pool: PgPool) {
    let app = plotline::app(plotline::AppState::new(pool));
    let first = get(&app, "/rules").await;
    let etag = first.headers[header::ETAG].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    assert_eq!(first.headers[header::CACHE_CONTROL], "public, no-cache");
    assert_eq!(get(&app, "/rules").await.headers[header::ETAG], *etag);
    let again = get_if_none_match(&app, "/rules", &etag).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.text.is_empty());
    let stale = get_if_none_match(&app, "/rules", "\"rules-0\"").await;
    assert_eq!(stale.status, StatusCode::OK);

    let bad = get(&app, "/rules?radius=1").await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "takes no parameters");
    assert_eq!(bad.json["error"]["parameter"], "radius");

    let api = get(&app, "/api").await;
    assert!(api.json["paths"]["/rules"]["get"].is_object());
}

/// The page's unit tests read web/tests/fixtures/rules.json; it must be what the server sends
/// (regenerate with `curl -s localhost:8080/rules | jq . > web/tests/fixtures/rules.json`).
#[test]
fn the_web_fixture_is_the_rules_document() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/tests/fixtures/rules.json");
    let text = std::fs::read_to_string(&path).expect("web/tests/fixtures/rules.json");
    let fixture: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(fixture, plotline::http::rules::document());
}

/// The page's unit tests build forms from web/tests/fixtures/{plots,buildings}-schema.json; they
/// must be the schemas a planner gets (the `$id` aside, which names the host).
#[sqlx::test]
async fn the_web_schema_fixtures_are_the_planner_schemas(pool: PgPool) {
    crate::helpers::load(&pool).await;
    let token = crate::planners::planner(&pool, "anna", &["kildedal"], None).await;
    let app = plotline::app(plotline::AppState::new(pool));
    for collection in ["plots", "buildings"] {
        let answer = crate::planners::send(
            &app,
            "GET",
            &format!("/collections/{collection}/schema"),
            &[("authorization", &format!("Bearer {token}"))],
            None,
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("web/tests/fixtures/{collection}-schema.json"));
        let mut served = answer.json;
        if std::env::var_os("PLOTLINE_UPDATE_FIXTURES").is_some() {
            let mut text = serde_json::to_string_pretty(&served).unwrap();
            text.push('\n');
            std::fs::write(&path, text).unwrap();
        }
        let mut fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        fixture["$id"] = Value::Null;
        served["$id"] = Value::Null;
        assert_eq!(
            fixture, served,
            "{collection}: regenerate the fixture with PLOTLINE_UPDATE_FIXTURES=1 cargo test --test api rules::the_web_schema"
        );
    }
}
