//! DGNB certification: levels, their score thresholds and the area rule
//! ("all buildings in Kildedal must be DGNB Gold certified").
//!
//! Thresholds are the German DGNB system's (total score / least score in each of the five
//! areas): Silver ≥ 50 % / 35 %, Gold ≥ 65 % / 50 %, Platinum ≥ 80 % / 65 %. That the Danish
//! manual uses the same figures is unconfirmed (see shared/domain.md).
//!
//! The five assessed criteria groups each have a score; the total is their weighted sum with
//! the German scheme's weights for new buildings ([`DgnbGroup::weight`]; [`weighted_total_pct`]
//! says why they are divided by their sum, 95 %). How the rules read a
//! record's group scores:
//! - the five are given together or not at all (a part cannot show a level, nor the total);
//! - an achieved level needs the total's minimum *and* the least score in every group;
//! - where all five are given and the weights apply (scheme `new_construction`, or no scheme
//!   named), the total must be their weighted sum within [`TOTAL_TOLERANCE_PCT`] (the rounding
//!   of scores published to one decimal). Renovation and in-use certificates weigh their groups
//!   differently, and domain.md gives no weights for them: there the total is taken as reported.

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

    /// Parses the stored value; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// One of the five assessed criteria groups (Kriteriengruppen). The German scheme also
/// assesses site quality, which is reported but does not count towards a building's total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DgnbGroup {
    Environmental,
    Economic,
    /// Sociocultural and functional quality.
    Social,
    Technical,
    Process,
}

/// How far a total may lie from the groups' weighted sum (percentage points): scores are
/// published to one decimal, so five rounded scores and a rounded total differ by up to 0.1.
pub const TOTAL_TOLERANCE_PCT: f64 = 0.1;

impl DgnbGroup {
    /// Every group, in the order certificates list them.
    pub const ALL: [DgnbGroup; 5] = [
        DgnbGroup::Environmental,
        DgnbGroup::Economic,
        DgnbGroup::Social,
        DgnbGroup::Technical,
        DgnbGroup::Process,
    ];

    /// The group's name as used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            DgnbGroup::Environmental => "environmental",
            DgnbGroup::Economic => "economic",
            DgnbGroup::Social => "social",
            DgnbGroup::Technical => "technical",
            DgnbGroup::Process => "process",
        }
    }

    /// The building property that holds the group's score (percent).
    pub fn property(self) -> &'static str {
        match self {
            DgnbGroup::Environmental => "dgnb_environmental_pct",
            DgnbGroup::Economic => "dgnb_economic_pct",
            DgnbGroup::Social => "dgnb_social_pct",
            DgnbGroup::Technical => "dgnb_technical_pct",
            DgnbGroup::Process => "dgnb_process_pct",
        }
    }

    /// The group's weight for new buildings (German scheme): environmental, economic and
    /// sociocultural quality 22.5 % each, technical 15 %, process 12.5 % (with site quality's
    /// 5 %, which does not count towards the total, 100 %).
    pub fn weight(self) -> f64 {
        match self {
            DgnbGroup::Environmental | DgnbGroup::Economic | DgnbGroup::Social => 0.225,
            DgnbGroup::Technical => 0.15,
            DgnbGroup::Process => 0.125,
        }
    }
}

/// The total (percent) of five group scores in the order of [`DgnbGroup::ALL`], by the weights
/// for new buildings; `None` unless all five are given. The five weights add up to 95 %: the
/// remaining 5 % is site quality, which does not count towards a building's total, so the sum
/// is taken over the five (divided by 0.95) and five scores of 100 % give a total of 100 %.
pub fn weighted_total_pct(groups_pct: &[Option<f64>; 5]) -> Option<f64> {
    let weights: f64 = DgnbGroup::ALL.iter().map(|g| g.weight()).sum();
    DgnbGroup::ALL
        .iter()
        .zip(groups_pct)
        .try_fold(0.0, |sum, (g, score)| score.map(|s| sum + g.weight() * s))
        .map(|sum| sum / weights)
}

/// The DGNB facts about one building that the rules look at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DgnbRecord {
    pub phase: DgnbPhase,
    pub target_level: Option<DgnbLevel>,
    pub achieved_level: Option<DgnbLevel>,
    /// Total score in percent.
    pub total_score_pct: Option<f64>,
    /// The scheme, where named (it decides whether the weights for new buildings apply).
    pub scheme: Option<DgnbScheme>,
    /// The score of each group in percent, in the order of [`DgnbGroup::ALL`].
    pub groups_pct: [Option<f64>; 5],
}

impl DgnbRecord {
    /// The record that a building's properties describe (`dgnb_phase`, `dgnb_target_level`,
    /// `dgnb_achieved_level`, `dgnb_total_score_pct`, `dgnb_scheme` and the five groups'
    /// `dgnb_*_pct`); a missing phase is none.
    pub fn from_properties(properties: &serde_json::Map<String, serde_json::Value>) -> Self {
        let text = |name: &str| properties.get(name).and_then(serde_json::Value::as_str);
        let number = |name: &str| properties.get(name).and_then(serde_json::Value::as_f64);
        DgnbRecord {
            phase: text("dgnb_phase")
                .and_then(DgnbPhase::parse)
                .unwrap_or(DgnbPhase::None),
            target_level: text("dgnb_target_level").and_then(DgnbLevel::parse),
            achieved_level: text("dgnb_achieved_level").and_then(DgnbLevel::parse),
            total_score_pct: number("dgnb_total_score_pct"),
            scheme: text("dgnb_scheme").and_then(DgnbScheme::parse),
            groups_pct: DgnbGroup::ALL.map(|g| number(g.property())),
        }
    }

    /// A record of levels only (no scores, no scheme): what the area rule looks at.
    pub fn of_levels(
        phase: DgnbPhase,
        target_level: Option<DgnbLevel>,
        achieved_level: Option<DgnbLevel>,
    ) -> Self {
        DgnbRecord {
            phase,
            target_level,
            achieved_level,
            total_score_pct: None,
            scheme: None,
            groups_pct: [None; 5],
        }
    }

    /// The groups given, with their scores.
    fn groups(&self) -> impl Iterator<Item = (DgnbGroup, f64)> + '_ {
        DgnbGroup::ALL
            .into_iter()
            .zip(self.groups_pct)
            .filter_map(|(g, s)| s.map(|s| (g, s)))
    }

    /// The highest level the scores reach: the total's minimum and, where group scores are
    /// given, every group's. `None` without a total.
    pub fn level_reached(&self) -> Option<DgnbLevel> {
        let total = self.total_score_pct?;
        DgnbLevel::ALL.into_iter().rev().find(|l| {
            total >= l.min_total_pct() && self.groups().all(|(_, s)| s >= l.min_area_pct())
        })
    }

    /// Whether the weights for new buildings apply to this record's total.
    fn weights_apply(&self) -> bool {
        matches!(self.scheme, None | Some(DgnbScheme::NewConstruction))
    }
}

/// A broken DGNB rule, with the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: &'static str,
    pub message: String,
}

/// Checks that a record is consistent in itself: scores between 0 and 100; the five group
/// scores given together; the total their weighted sum (where the weights apply); a level is
/// achieved only in a certification phase, and the scores reach the achieved level (the
/// total's minimum and every group's) but not the next one.
pub fn check_record(record: &DgnbRecord) -> Vec<Violation> {
    let mut violations = Vec::new();
    let scores = std::iter::once((
        "dgnb_total_score_pct",
        "total score",
        record.total_score_pct,
    ))
    .chain(
        DgnbGroup::ALL
            .into_iter()
            .zip(record.groups_pct)
            .map(|(g, s)| (g.property(), g.as_str(), s)),
    );
    for (field, what, score) in scores {
        if let Some(s) = score.filter(|s| !(0.0..=100.0).contains(s)) {
            violations.push(Violation {
                field,
                message: format!("{what} {s} % is not between 0 and 100"),
            });
        }
    }
    let given = record.groups().count();
    if given > 0 && given < DgnbGroup::ALL.len() {
        let missing: Vec<&str> = DgnbGroup::ALL
            .into_iter()
            .zip(record.groups_pct)
            .filter(|(_, s)| s.is_none())
            .map(|(g, _)| g.property())
            .collect();
        violations.push(Violation {
            field: missing[0],
            message: format!(
                "the five DGNB group scores are given together or not at all: {} missing",
                missing.join(", ")
            ),
        });
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
            let by_total = DgnbLevel::for_total_pct(total);
            if by_total < Some(achieved) {
                violations.push(Violation {
                    field: "dgnb_total_score_pct",
                    message: format!(
                        "a total score of {total} % gives {}, not {} (needs ≥ {} %)",
                        by_total.map_or("no level", DgnbLevel::as_str),
                        achieved.as_str(),
                        achieved.min_total_pct()
                    ),
                });
            }
        }
        for (group, score) in record.groups() {
            if score < achieved.min_area_pct() {
                violations.push(Violation {
                    field: group.property(),
                    message: format!(
                        "{} needs at least {} % in every criteria group: the {} score is {score} %",
                        achieved.as_str(),
                        achieved.min_area_pct(),
                        group.as_str()
                    ),
                });
            }
        }
        if let Some(reached) = record.level_reached().filter(|r| *r > achieved) {
            violations.push(Violation {
                field: "dgnb_achieved_level",
                message: format!(
                    "the scores give {}, not {} ({} needs a total ≥ {} % and ≥ {} % in every group)",
                    reached.as_str(),
                    achieved.as_str(),
                    reached.as_str(),
                    reached.min_total_pct(),
                    reached.min_area_pct()
                ),
            });
        }
    }
    if let (Some(weighted), true) = (
        weighted_total_pct(&record.groups_pct),
        record.weights_apply(),
    ) {
        let weights = "environmental 22.5 %, economic 22.5 %, social 22.5 %, technical 15 %, process 12.5 %, over their sum of 95 %";
        match record.total_score_pct {
            None => violations.push(Violation {
                field: "dgnb_total_score_pct",
                message: format!(
                    "give the total score with the five group scores: their weighted sum ({weights}) is {weighted:.2} %"
                ),
            }),
            Some(total) if (total - weighted).abs() > TOTAL_TOLERANCE_PCT + 1e-9 => {
                violations.push(Violation {
                    field: "dgnb_total_score_pct",
                    message: format!(
                        "a total score of {total} % is not the weighted sum of the five group scores ({weights}): {weighted:.2} %, within {TOTAL_TOLERANCE_PCT} points"
                    ),
                })
            }
            Some(_) => {}
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
            total_score_pct: total,
            ..DgnbRecord::of_levels(phase, target, achieved)
        }
    }

    /// A Gold certificate with these group scores and total.
    fn gold(groups: [f64; 5], total: f64) -> DgnbRecord {
        DgnbRecord {
            scheme: Some(DgnbScheme::NewConstruction),
            groups_pct: groups.map(Some),
            ..record(
                DgnbPhase::Certificate,
                Some(DgnbLevel::Gold),
                Some(DgnbLevel::Gold),
                Some(total),
            )
        }
    }

    #[test]
    fn the_total_is_the_weighted_sum_of_the_groups() {
        // By hand: 0.225 × 70 + 0.225 × 60 + 0.225 × 80 + 0.15 × 55 + 0.125 × 90
        //        = 15.75 + 13.5 + 18 + 8.25 + 11.25 = 66.75 of the five weights' 95 %,
        //        66.75 / 0.95 = 70.263 %
        let groups = [Some(70.0), Some(60.0), Some(80.0), Some(55.0), Some(90.0)];
        let total = weighted_total_pct(&groups).unwrap();
        assert!((total - 70.263_157_9).abs() < 1e-6, "{total}");
        let weights: f64 = DgnbGroup::ALL.iter().map(|g| g.weight()).sum();
        assert!((weights - 0.95).abs() < 1e-12);
        let all = weighted_total_pct(&[Some(100.0); 5]).unwrap();
        assert!((all - 100.0).abs() < 1e-9);
        assert_eq!(
            weighted_total_pct(&[Some(70.0), None, None, None, None]),
            None
        );

        // Published to one decimal: 70.3 is within rounding, 70.5 is not.
        let scores = [70.0, 60.0, 80.0, 55.0, 90.0];
        assert!(check_record(&gold(scores, 70.3)).is_empty());
        let v = check_record(&gold(scores, 70.5));
        assert_eq!(v[0].field, "dgnb_total_score_pct");
        assert!(v[0].message.contains("70.26"), "{}", v[0].message);
        // Other schemes weigh their groups otherwise: the total is taken as reported.
        let in_use = DgnbRecord {
            scheme: Some(DgnbScheme::InUse),
            phase: DgnbPhase::InUse,
            ..gold(scores, 70.5)
        };
        assert!(check_record(&in_use).is_empty());
    }

    #[test]
    fn a_level_needs_its_minimum_in_every_group() {
        // Gold: total ≥ 65 and every group ≥ 50. Exactly 50 reaches it.
        let at_edge = gold([75.0, 70.0, 70.0, 50.0, 75.0], 68.7);
        assert!(
            check_record(&at_edge).is_empty(),
            "{:?}",
            check_record(&at_edge)
        );
        // One group below: the group is named, with gold's minimum.
        let low = gold([76.0, 70.0, 70.0, 49.9, 75.0], 68.9);
        let v = check_record(&low);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].field, "dgnb_technical_pct");
        assert!(v[0].message.contains("at least 50 %"), "{}", v[0].message);
        // A total of Platinum with a group below Platinum's 65 % is Gold, not Platinum.
        let platinum_total = gold([95.0, 95.0, 95.0, 60.0, 64.0], 85.4);
        assert!(check_record(&platinum_total).is_empty());
        assert_eq!(platinum_total.level_reached(), Some(DgnbLevel::Gold));
        let all_high = gold([90.0, 90.0, 90.0, 70.0, 70.0], 84.2);
        assert_eq!(check_record(&all_high)[0].field, "dgnb_achieved_level");
    }

    #[test]
    fn the_five_groups_come_together() {
        let mut partial = gold([70.0, 70.0, 70.0, 70.0, 70.0], 70.0);
        partial.groups_pct[2] = None;
        partial.groups_pct[4] = None;
        let v = check_record(&partial);
        assert_eq!(v[0].field, "dgnb_social_pct");
        assert!(
            v[0].message.contains("dgnb_process_pct"),
            "{}",
            v[0].message
        );
        let mut no_total = gold([70.0, 70.0, 70.0, 70.0, 70.0], 70.0);
        no_total.total_score_pct = None;
        assert_eq!(check_record(&no_total)[0].field, "dgnb_total_score_pct");
        let mut out_of_range = gold([70.0, 70.0, 70.0, 70.0, 70.0], 70.0);
        out_of_range.groups_pct[0] = Some(101.0);
        assert_eq!(
            check_record(&out_of_range)[0].field,
            "dgnb_environmental_pct"
        );
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
