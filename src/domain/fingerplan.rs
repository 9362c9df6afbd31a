//! The Fingerplan's office rule (stationsnærhedsprincippet, Fingerplan 2019): offices over
//! 1,500 m² floor area belong within 600 m of a station; between 600 and 1,200 m only with
//! extra measures. The rule speaks of walking distance; plotline measures the straight line
//! from the building's outline to the nearest S-train station in EPSG:25832 (stored on every
//! save by the proximity trigger), an approximation that every answer labels as one.
//!
//! When the rule applies: to a *new or enlarged* office, as a save changes it —
//! - a building recorded for the first time that is not completed (a completed one records what
//!   stands: an existing office),
//! - or whose office floor area grows,
//! - or that moves further from its nearest station,
//! - or, not completed, loses its exemption.
//!
//! Such an office beyond 600 m is refused unless the planner records an exemption: the
//! lokalplan that allows it and the reason. Both are public: the lokalplan is public planning
//! information, and the reason is the justification the lokalplan's redegørelse must publish
//! anyway (planloven § 16); negotiation details belong in the plot's planner-only notes, not
//! here. Existing offices beyond 600 m without an exemption are not refused but listed
//! (`/summary`) and marked on the map (`fingerplan_office_check = outside_rule`).

use serde::{Deserialize, Serialize};

use super::transit::{LARGE_OFFICE_FLOOR_AREA_M2, STATION_NEAR_RADIUS_M};

/// Between [`STATION_NEAR_RADIUS_M`] and this distance (m), an office needs extra measures.
pub const EXTRA_MEASURES_RADIUS_M: f64 = 1_200.0;

/// The building properties that record an exemption.
pub const EXEMPTION_LOKALPLAN: &str = "fingerplan_exemption_lokalplan";
pub const EXEMPTION_REASON: &str = "fingerplan_exemption_reason";

/// How an office stands with the rule (the derived property `fingerplan_office_check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficeCheck {
    /// At most 1,500 m² of offices.
    NotApplicable,
    /// Within 600 m of a station.
    StationNear,
    /// Beyond 600 m with a recorded exemption.
    Exempt,
    /// Beyond 600 m without one: an existing office, listed and marked.
    OutsideRule,
}

impl OfficeCheck {
    /// Every value, in order.
    pub const ALL: [OfficeCheck; 4] = [
        OfficeCheck::NotApplicable,
        OfficeCheck::StationNear,
        OfficeCheck::Exempt,
        OfficeCheck::OutsideRule,
    ];

    /// The value as published.
    pub fn as_str(self) -> &'static str {
        match self {
            OfficeCheck::NotApplicable => "not_applicable",
            OfficeCheck::StationNear => "station_near",
            OfficeCheck::Exempt => "exempt",
            OfficeCheck::OutsideRule => "outside_rule",
        }
    }
}

/// What the rule looks at in one building.
#[derive(Debug, Clone, PartialEq)]
pub struct Office {
    pub office_floor_area_m2: f64,
    /// Straight-line distance to the nearest station (m); `None` when there is no station.
    pub station_distance_m: Option<f64>,
    pub station: Option<String>,
    pub exempt: bool,
}

impl Office {
    fn distance_m(&self) -> f64 {
        self.station_distance_m.unwrap_or(f64::INFINITY)
    }

    fn is_large(&self) -> bool {
        self.office_floor_area_m2 > LARGE_OFFICE_FLOOR_AREA_M2
    }
}

/// How an office stands with the rule.
pub fn classify(office: &Office) -> OfficeCheck {
    if !office.is_large() {
        OfficeCheck::NotApplicable
    } else if office.distance_m() <= STATION_NEAR_RADIUS_M {
        OfficeCheck::StationNear
    } else if office.exempt {
        OfficeCheck::Exempt
    } else {
        OfficeCheck::OutsideRule
    }
}

/// The SQL of `fingerplan_office_check` over a building row `b` with these columns (the same
/// thresholds as [`classify`]).
pub fn classify_sql(office_m2: &str, distance_m: &str, exemption_lokalplan: &str) -> String {
    format!(
        "CASE WHEN {office_m2} <= {LARGE_OFFICE_FLOOR_AREA_M2} THEN 'not_applicable' \
         WHEN {distance_m} <= {STATION_NEAR_RADIUS_M} THEN 'station_near' \
         WHEN {exemption_lokalplan} IS NOT NULL THEN 'exempt' ELSE 'outside_rule' END"
    )
}

/// A refusal: what to tell the planner.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub message: String,
    pub distance_m: Option<f64>,
    /// Whether the office lies within 1,200 m (an exemption with extra measures).
    pub extra_measures_zone: bool,
}

/// Checks a save: `before` is the building as stored (`None` when new), `completed` whether
/// it is recorded as completed, `after` as saved. `None` when the save may stand.
pub fn check_save(before: Option<&Office>, completed: bool, after: &Office) -> Option<Refusal> {
    if classify(after) != OfficeCheck::OutsideRule {
        return None;
    }
    let why = match before {
        None if completed => return None,
        None => "a new office",
        Some(b) if after.office_floor_area_m2 > b.office_floor_area_m2 => "an enlarged office",
        Some(b) if after.distance_m() > b.distance_m() => {
            "an office moved further from its station"
        }
        // Not yet completed, it is still a new office: its exemption cannot simply go.
        Some(b) if b.exempt && !completed => "a new office whose exemption is removed",
        Some(_) => return None,
    };
    let area = after.office_floor_area_m2;
    let (distance, extra) = match after.station_distance_m {
        Some(d) => (
            format!(
                "{d:.0} m from {} in a straight line (an approximation of the walking distance the rule speaks of)",
                after.station.as_deref().unwrap_or("the nearest station")
            ),
            d <= EXTRA_MEASURES_RADIUS_M,
        ),
        None => ("with no station recorded".to_owned(), false),
    };
    let what_next = if extra {
        format!(
            "between {STATION_NEAR_RADIUS_M} and {EXTRA_MEASURES_RADIUS_M} m it needs extra measures: record them as an exemption ({EXEMPTION_REASON}, and {EXEMPTION_LOKALPLAN}: the lokalplan that allows it)"
        )
    } else {
        format!(
            "beyond {EXTRA_MEASURES_RADIUS_M} m it is outside the station-near area: only a lokalplan that allows it can place it here (record {EXEMPTION_LOKALPLAN} and {EXEMPTION_REASON})"
        )
    };
    Some(Refusal {
        message: format!(
            "Fingerplan 2019 (stationsnærhedsprincippet): offices over {LARGE_OFFICE_FLOOR_AREA_M2} m² belong within {STATION_NEAR_RADIUS_M} m of a station; {why} of {area} m² lies {distance}; {what_next}"
        ),
        distance_m: after.station_distance_m,
        extra_measures_zone: extra,
    })
}

/// An exemption is whole or absent: the lokalplan and the reason together. Returns the field
/// that is missing.
pub fn missing_exemption_part(
    lokalplan: Option<&str>,
    reason: Option<&str>,
) -> Option<&'static str> {
    let given = |s: Option<&str>| s.is_some_and(|s| !s.trim().is_empty());
    match (given(lokalplan), given(reason)) {
        (true, false) => Some(EXEMPTION_REASON),
        (false, true) => Some(EXEMPTION_LOKALPLAN),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office(m2: f64, d: f64, exempt: bool) -> Office {
        Office {
            office_floor_area_m2: m2,
            station_distance_m: Some(d),
            station: Some("Kildedal St.".into()),
            exempt,
        }
    }

    #[test]
    fn the_edges_are_inside() {
        assert_eq!(
            classify(&office(1500.0, 2000.0, false)),
            OfficeCheck::NotApplicable
        );
        assert_eq!(
            classify(&office(1500.1, 600.0, false)),
            OfficeCheck::StationNear
        );
        assert_eq!(
            classify(&office(1500.1, 600.1, false)),
            OfficeCheck::OutsideRule
        );
        assert_eq!(classify(&office(1500.1, 600.1, true)), OfficeCheck::Exempt);
        let nowhere = Office {
            station_distance_m: None,
            ..office(2000.0, 0.0, false)
        };
        assert_eq!(classify(&nowhere), OfficeCheck::OutsideRule);
    }

    #[test]
    fn new_enlarged_or_moved_offices_are_refused() {
        let far = office(2000.0, 900.0, false);
        let r = check_save(None, false, &far).unwrap();
        assert!(r.extra_measures_zone);
        assert!(r.message.contains("extra measures"), "{}", r.message);
        assert!(r.message.contains("straight line"), "{}", r.message);
        // A completed building recorded for the first time is an existing office.
        assert_eq!(check_save(None, true, &far), None);
        // Stored, unchanged: listed, not refused.
        assert_eq!(check_save(Some(&far), false, &far), None);
        let larger = office(2100.0, 900.0, false);
        assert!(check_save(Some(&far), true, &larger).is_some());
        let further = office(2000.0, 1300.0, false);
        let r = check_save(Some(&far), true, &further).unwrap();
        assert!(!r.extra_measures_zone);
        assert!(
            r.message.contains("outside the station-near area"),
            "{}",
            r.message
        );
        let exempt = office(2000.0, 900.0, true);
        assert_eq!(check_save(None, false, &exempt), None);
        // Dropping the exemption of a building not yet completed is refused; of a completed
        // one it leaves an existing office outside the rule, listed.
        let r = check_save(Some(&exempt), false, &far).unwrap();
        assert!(r.message.contains("exemption is removed"), "{}", r.message);
        assert_eq!(check_save(Some(&exempt), true, &far), None);
    }

    #[test]
    fn an_exemption_is_whole() {
        assert_eq!(
            missing_exemption_part(Some("Lokalplan 1"), None),
            Some(EXEMPTION_REASON)
        );
        assert_eq!(
            missing_exemption_part(None, Some("why")),
            Some(EXEMPTION_LOKALPLAN)
        );
        assert_eq!(missing_exemption_part(Some("L"), Some("why")), None);
        assert_eq!(missing_exemption_part(None, None), None);
    }
}
