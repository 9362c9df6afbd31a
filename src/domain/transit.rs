//! Transit rules: the station-proximity principle (stationsnærhedsprincippet, Fingerplan 2019).

/// Station-near core areas lie within this distance of a station, in metres. The rule speaks
/// of walking distance; plotline measures straight-line distance in EPSG:25832, an
/// approximation that every answer labels as such.
pub const STATION_NEAR_RADIUS_M: f64 = 600.0;

/// Offices above this gross floor area (m²) belong within [`STATION_NEAR_RADIUS_M`].
pub const LARGE_OFFICE_FLOOR_AREA_M2: f64 = 1_500.0;

/// Floor area, homes and jobs within this distance of a BRT stop count as BRT-served (m).
pub const BRT_STOP_RADIUS_M: f64 = 400.0;

/// Floor area, homes and jobs within this distance of a cycle superhighway count as served (m).
pub const CYCLE_SUPERHIGHWAY_RADIUS_M: f64 = 250.0;

/// How every distance to transit a plot or building carries is measured.
pub const OUTLINE_DISTANCE_METHOD: &str =
    "straight line from the nearest point of the outline, EPSG:25832";

/// Status of a planned or running BRT line; every distance to BRT says which it measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrtStatus {
    Study,
    Planned,
    Decided,
    InService,
}

impl BrtStatus {
    /// Every status, from least to most certain.
    pub const ALL: [BrtStatus; 4] = [
        BrtStatus::Study,
        BrtStatus::Planned,
        BrtStatus::Decided,
        BrtStatus::InService,
    ];

    /// The status as stored and published.
    pub fn as_str(self) -> &'static str {
        match self {
            BrtStatus::Study => "study",
            BrtStatus::Planned => "planned",
            BrtStatus::Decided => "decided",
            BrtStatus::InService => "in_service",
        }
    }
}

/// Whether a straight-line distance in metres lies in the station-near zone.
pub fn is_station_near(distance_m: f64) -> bool {
    distance_m <= STATION_NEAR_RADIUS_M
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_600m_edge_is_inside() {
        assert!(is_station_near(0.0));
        assert!(is_station_near(600.0));
        assert!(!is_station_near(600.01));
    }
}
