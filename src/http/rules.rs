//! `GET /rules`: the domain's rules as one JSON document (the plot lifecycle, the radii, the
//! DGNB thresholds, the Fingerplan office limit and every enumeration), made from `domain` so
//! that the map page and other clients read them instead of copying them.

use std::sync::LazyLock;

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::AppState;
use crate::domain::construction::ConstructionStatus;
use crate::domain::dgnb::{DgnbGroup, DgnbLevel, DgnbPhase, DgnbScheme, TOTAL_TOLERANCE_PCT};
use crate::domain::fingerplan::{OfficeCheck, EXTRA_MEASURES_RADIUS_M};
use crate::domain::summary::{DGNB_URBAN_HOUSING_SHARE, DISTANCE_METHOD, FLOOR_USES};
use crate::domain::transit::{
    BrtStatus, BRT_STOP_RADIUS_M, CYCLE_SUPERHIGHWAY_RADIUS_M, LARGE_OFFICE_FLOOR_AREA_M2,
    STATION_NEAR_RADIUS_M,
};
use crate::domain::{LandUse, PlotStatus};
use crate::ogc::{not_modified, set_cache_headers};
use crate::{Error, Result};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/rules", get(rules))
}

/// The rules document (see the module doc); its shape is described in the OpenAPI document.
pub fn document() -> Value {
    let strs = |values: &[&'static str]| json!(values);
    let land_uses: Vec<&str> = LandUse::ALL.map(LandUse::as_str).to_vec();
    let statuses: Vec<&str> = PlotStatus::ALL.map(PlotStatus::as_str).to_vec();
    let levels: Vec<&str> = DgnbLevel::ALL.map(DgnbLevel::as_str).to_vec();
    let phases: Vec<&str> = DgnbPhase::ALL.map(DgnbPhase::as_str).to_vec();
    let schemes: Vec<&str> = DgnbScheme::ALL.map(DgnbScheme::as_str).to_vec();
    let brt_statuses: Vec<&str> = BrtStatus::ALL.map(BrtStatus::as_str).to_vec();
    let construction: Vec<&str> = ConstructionStatus::ALL
        .map(ConstructionStatus::as_str)
        .to_vec();
    json!({
        "plot_lifecycle": PlotStatus::ALL.iter().map(|s| json!({
            "status": s.as_str(),
            "next": s.next().iter().map(|n| n.as_str()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "radii_m": {
            "station": STATION_NEAR_RADIUS_M,
            "brt_stop": BRT_STOP_RADIUS_M,
            "cycle_superhighway": CYCLE_SUPERHIGHWAY_RADIUS_M,
        },
        "distance_method": DISTANCE_METHOD,
        "fingerplan": {
            "large_office_floor_area_m2": LARGE_OFFICE_FLOOR_AREA_M2,
            "station_radius_m": STATION_NEAR_RADIUS_M,
            "extra_measures_radius_m": EXTRA_MEASURES_RADIUS_M,
        },
        "dgnb": {
            "levels": DgnbLevel::ALL.iter().map(|l| json!({
                "level": l.as_str(),
                "min_total_pct": l.min_total_pct(),
                "min_group_pct": l.min_area_pct(),
            })).collect::<Vec<_>>(),
            // The weights for new buildings; the total is the weighted sum over their sum (95 %).
            "groups": DgnbGroup::ALL.iter().map(|g| json!({
                "group": g.as_str(),
                "property": g.property(),
                "weight": g.weight(),
            })).collect::<Vec<_>>(),
            "total_tolerance_pct": TOTAL_TOLERANCE_PCT,
            "urban_housing_share": {
                "min": DGNB_URBAN_HOUSING_SHARE.0,
                "max": DGNB_URBAN_HOUSING_SHARE.1,
            },
        },
        "enums": {
            "land_use": strs(&land_uses),
            "plot_status": strs(&statuses),
            "dgnb_level": strs(&levels),
            "dgnb_phase": strs(&phases),
            "dgnb_scheme": strs(&schemes),
            "construction_status": strs(&construction),
            "brt_status": strs(&brt_statuses),
            "floor_use": strs(&FLOOR_USES),
            "fingerplan_office_check": strs(&OfficeCheck::ALL.map(OfficeCheck::as_str)),
        },
    })
}

/// The document as sent, with its ETag: both change only with the program.
static BODY: LazyLock<(String, String)> = LazyLock::new(|| {
    use std::hash::{Hash, Hasher};
    let body = document().to_string();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    let etag = format!("\"rules-{:016x}\"", h.finish());
    (body, etag)
});

async fn rules(
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response> {
    let Query(pairs) = query.map_err(|e| Error::invalid_parameter("query", e.body_text()))?;
    if let Some((name, _)) = pairs.first() {
        return Err(Error::invalid_parameter(name, "/rules takes no parameters"));
    }
    let (body, etag) = &*BODY;
    if let Some(r) = not_modified(&headers, etag) {
        return Ok(r);
    }
    let mut r = ([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response();
    set_cache_headers(r.headers_mut(), etag);
    Ok(r)
}
