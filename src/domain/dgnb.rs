//! DGNB certification: levels, their score thresholds and the area rule
//! ("all buildings in Kildedal must be DGNB Gold certified").
//!
//! Thresholds are the German DGNB system's (total score / least score in each of the five
//! areas): Silver ≥ 50 % / 35 %, Gold ≥ 65 % / 50 %, Platinum ≥ 80 % / 65 %. That the Danish
//! manual uses the same figures is unconfirmed (see shared/domain.md).

use serde::{Deserialize, Serialize};

/// A DGNB certification level, lowest first (so `Ord` compares achievement).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DgnbLevel {
    Silver,
    Gold,
    Platinum,
}

impl DgnbLevel {
    /// Every level, lowest first.
    pub const ALL: [DgnbLevel; 3] = [DgnbLevel::Silver, DgnbLevel::Gold, DgnbLevel::Platinum];

    /// The least total score (percent) for this level.
    pub fn min_total_pct(self) -> f64 {
        match self {
            DgnbLevel::Silver => 50.0,
            DgnbLevel::Gold => 65.0,
            DgnbLevel::Platinum => 80.0,
        }
    }

    /// The least score (percent) in each of the five assessed areas for this level.
    pub fn min_area_pct(self) -> f64 {
        match self {
            DgnbLevel::Silver => 35.0,
            DgnbLevel::Gold => 50.0,
            DgnbLevel::Platinum => 65.0,
        }
    }

    /// The highest level a total score reaches, if any.
    pub fn for_total_pct(total_pct: f64) -> Option<DgnbLevel> {
        Self::ALL
            .into_iter()
            .rev()
            .find(|l| total_pct >= l.min_total_pct())
    }

    /// The value stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            DgnbLevel::Silver => "silver",
            DgnbLevel::Gold => "gold",
            DgnbLevel::Platinum => "platinum",
        }
    }

    /// Parses the stored value; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// Where a building is in certification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DgnbPhase {
    /// Not (yet) in certification.
    None,
    /// Forhåndscertifikat, given in design.
    PreCertificate,
    /// The final certificate, after completion.
    Certificate,
    /// Certified under the in-use scheme.
    InUse,
}

impl DgnbPhase {
    /// Every phase, in order.
    pub const ALL: [DgnbPhase; 4] = [
        DgnbPhase::None,
        DgnbPhase::PreCertificate,
        DgnbPhase::Certificate,
        DgnbPhase::InUse,
    ];

    /// The value stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            DgnbPhase::None => "none",
            DgnbPhase::PreCertificate => "pre_certificate",
            DgnbPhase::Certificate => "certificate",
            DgnbPhase::InUse => "in_use",
        }
    }

    /// Parses the stored value; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The DGNB scheme a building is certified under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DgnbScheme {
    NewConstruction,
    Renovation,
    InUse,
}

impl DgnbScheme {
    /// Every scheme.
    pub const ALL: [DgnbScheme; 3] = [
        DgnbScheme::NewConstruction,
        DgnbScheme::Renovation,
        DgnbScheme::InUse,
    ];

    /// The value stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            DgnbScheme::NewConstruction => "new_construction",
            DgnbScheme::Renovation => "renovation",
            DgnbScheme::InUse => "in_use",
        }
    }
}

/// The DGNB facts about one building that the rules look at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DgnbRecord {
    pub phase: DgnbPhase,
    pub target_level: Option<DgnbLevel>,
    pub achieved_level: Option<DgnbLevel>,
    /// Total score in percent.
    pub total_score_pct: Option<f64>,
}

impl DgnbRecord {
    /// The record that a building's properties describe (`dgnb_phase`, `dgnb_target_level`,
    /// `dgnb_achieved_level`, `dgnb_total_score_pct`); a missing phase is none.
    pub fn from_properties(properties: &serde_json::Map<String, serde_json::Value>) -> Self {
        let text = |name: &str| properties.get(name).and_then(serde_json::Value::as_str);
        DgnbRecord {
            phase: text("dgnb_phase")
                .and_then(DgnbPhase::parse)
                .unwrap_or(DgnbPhase::None),
            target_level: text("dgnb_target_level").and_then(DgnbLevel::parse),
            achieved_level: text("dgnb_achieved_level").and_then(DgnbLevel::parse),
            total_score_pct: properties
                .get("dgnb_total_score_pct")
                .and_then(serde_json::Value::as_f64),
        }
    }
}

/// A broken DGNB rule, with the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: &'static str,
    pub message: String,
}

/// Checks that a record is consistent in itself: a level is achieved only in a certification
/// phase, and the total score reaches the achieved level but not the next one.
pub fn check_record(record: &DgnbRecord) -> Vec<Violation> {
    let mut violations = Vec::new();
    if let Some(total) = record.total_score_pct {
        if !(0.0..=100.0).contains(&total) {
            violations.push(Violation {
                field: "dgnb_total_score_pct",
                message: format!("total score {total} % is not between 0 and 100"),
            });
        }
    }
    if let Some(achieved) = record.achieved_level {
        if record.phase == DgnbPhase::None {
            violations.push(Violation {
                field: "dgnb_achieved_level",
                message: format!(
                    "level {} is achieved but the phase is `none`",
                    achieved.as_str()
                ),
            });
        }
        if let Some(total) = record.total_score_pct {
            let reached = DgnbLevel::for_total_pct(total);
            if reached != Some(achieved) {
                violations.push(Violation {
                    field: "dgnb_total_score_pct",
                    message: format!(
                        "a total score of {total} % gives {}, not {} (needs ≥ {} %)",
                        reached.map_or("no level", DgnbLevel::as_str),
                        achieved.as_str(),
                        achieved.min_total_pct()
                    ),
                });
            }
        }
    }
    violations
}

/// Checks a building against its area's least level (Kildedal: Gold). A building complies
/// when it targets at least that level, and, where it has achieved a level, achieved it.
pub fn check_area_target(record: &DgnbRecord, area_target: Option<DgnbLevel>) -> Vec<Violation> {
    let Some(required) = area_target else {
        return Vec::new();
    };
    let mut violations = Vec::new();
    match record.target_level {
        Some(target) if target >= required => {}
        Some(target) => violations.push(Violation {
            field: "dgnb_target_level",
            message: format!(
                "the area requires at least {} but the building targets {}",
                required.as_str(),
                target.as_str()
            ),
        }),
        None => violations.push(Violation {
            field: "dgnb_target_level",
            message: format!(
                "the area requires at least {} but the building has no DGNB target",
                required.as_str()
            ),
        }),
    }
    if let Some(achieved) = record.achieved_level {
        if achieved < required {
            violations.push(Violation {
                field: "dgnb_achieved_level",
                message: format!(
                    "the area requires at least {} but the building achieved {}",
                    required.as_str(),
                    achieved.as_str()
                ),
            });
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(
        phase: DgnbPhase,
        target: Option<DgnbLevel>,
        achieved: Option<DgnbLevel>,
        total: Option<f64>,
    ) -> DgnbRecord {
        DgnbRecord {
            phase,
            target_level: target,
            achieved_level: achieved,
            total_score_pct: total,
        }
    }

    #[test]
    fn levels_by_total_score() {
        assert_eq!(DgnbLevel::for_total_pct(49.99), None);
        assert_eq!(DgnbLevel::for_total_pct(50.0), Some(DgnbLevel::Silver));
        assert_eq!(DgnbLevel::for_total_pct(64.9), Some(DgnbLevel::Silver));
        assert_eq!(DgnbLevel::for_total_pct(65.0), Some(DgnbLevel::Gold));
        assert_eq!(DgnbLevel::for_total_pct(80.0), Some(DgnbLevel::Platinum));
        assert!(DgnbLevel::Silver < DgnbLevel::Gold && DgnbLevel::Gold < DgnbLevel::Platinum);
    }

    #[test]
    fn gold_needs_65_percent() {
        let low = record(
            DgnbPhase::Certificate,
            Some(DgnbLevel::Gold),
            Some(DgnbLevel::Gold),
            Some(60.0),
        );
        let v = check_record(&low);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].field, "dgnb_total_score_pct");
        assert!(v[0].message.contains("gives silver"), "{}", v[0].message);

        let ok = record(
            DgnbPhase::Certificate,
            Some(DgnbLevel::Gold),
            Some(DgnbLevel::Gold),
            Some(71.2),
        );
        assert!(check_record(&ok).is_empty());
    }

    #[test]
    fn achieved_level_needs_a_phase() {
        let v = check_record(&record(
            DgnbPhase::None,
            None,
            Some(DgnbLevel::Silver),
            None,
        ));
        assert_eq!(v[0].field, "dgnb_achieved_level");
    }

    #[test]
    fn kildedal_rule() {
        let gold = Some(DgnbLevel::Gold);
        let uncertified = record(DgnbPhase::None, gold, None, None);
        assert!(check_area_target(&uncertified, gold).is_empty());
        let platinum = record(
            DgnbPhase::PreCertificate,
            Some(DgnbLevel::Platinum),
            None,
            None,
        );
        assert!(check_area_target(&platinum, gold).is_empty());
        let silver_target = record(DgnbPhase::None, Some(DgnbLevel::Silver), None, None);
        assert_eq!(check_area_target(&silver_target, gold).len(), 1);
        let no_target = record(DgnbPhase::None, None, None, None);
        assert_eq!(check_area_target(&no_target, gold).len(), 1);
        let fell_short = record(
            DgnbPhase::Certificate,
            gold,
            Some(DgnbLevel::Silver),
            Some(60.0),
        );
        assert_eq!(
            check_area_target(&fell_short, gold)[0].field,
            "dgnb_achieved_level"
        );
        assert!(check_area_target(&no_target, None).is_empty());
    }
}
