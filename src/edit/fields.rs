//! The writable properties of plots and buildings and the check of a body against them.
//!
//! This is the one field list of the write path. Each entry has the shape of a property of the
//! collection description that `src/schema/` is growing (name, kind with its range or enum
//! values, required); when that lands, [`fields`] reads the writable properties from it and
//! this list goes.

use serde_json::{json, Map, Value};

use super::Target;
use crate::domain::dgnb::{self, DgnbLevel, DgnbPhase, DgnbRecord};
use crate::domain::{LandUse, PlotStatus};
use crate::{Error, Result};

/// The values an enumerated property takes. The domain's enums where they exist; plain
/// strings for the two the domain does not have yet (DGNB scheme, construction status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    LandUse,
    PlotStatus,
    DgnbLevel,
    DgnbPhase,
    Strings(&'static [&'static str]),
}

impl Values {
    /// Every allowed value, as stored and sent.
    pub fn all(self) -> Vec<&'static str> {
        match self {
            Values::LandUse => LandUse::ALL.map(LandUse::as_str).to_vec(),
            Values::PlotStatus => PlotStatus::ALL.map(PlotStatus::as_str).to_vec(),
            Values::DgnbLevel => DgnbLevel::ALL.map(DgnbLevel::as_str).to_vec(),
            Values::DgnbPhase => DgnbPhase::ALL.map(DgnbPhase::as_str).to_vec(),
            Values::Strings(values) => values.to_vec(),
        }
    }

    /// Whether `s` is one of them (parsed by the domain type where there is one).
    pub fn allows(self, s: &str) -> bool {
        match self {
            Values::LandUse => LandUse::parse(s).is_some(),
            Values::PlotStatus => PlotStatus::parse(s).is_some(),
            Values::DgnbLevel => DgnbLevel::parse(s).is_some(),
            Values::DgnbPhase => DgnbPhase::parse(s).is_some(),
            Values::Strings(values) => values.contains(&s),
        }
    }
}

/// The kinds of value a writable property takes, with their ranges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Text,
    Number { min: f64, max: f64 },
    Integer { min: i64, max: i64 },
    Enum(Values),
    Date,
    Uuid,
}

/// A writable property.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

const fn field(name: &'static str, kind: Kind, required: bool) -> Field {
    Field {
        name,
        kind,
        required,
    }
}

const fn number(min: f64, max: f64) -> Kind {
    Kind::Number { min, max }
}

/// Floor areas: one building of a development area stays well below 1 km².
const FLOOR_AREA_M2: Kind = number(0.0, 1_000_000.0);
const COUNT: Kind = Kind::Integer {
    min: 0,
    max: 1_000_000,
};

const PLOT_FIELDS: &[Field] = &[
    field("reference", Kind::Text, true),
    field("area", Kind::Text, true),
    field("land_use", Kind::Enum(Values::LandUse), true),
    field("status", Kind::Enum(Values::PlotStatus), true),
    field("max_plot_ratio_pct", number(0.0, 10_000.0), false),
    field("max_height_m", number(0.1, 1_000.0), false),
    field("lokalplan", Kind::Text, false),
    field("matrikelnummer", Kind::Text, false),
    field("ejerlav", Kind::Text, false),
    field("planned_homes", COUNT, false),
    field("planned_jobs", COUNT, false),
    field("accuracy", Kind::Text, false),
    field("negotiation_notes", Kind::Text, false),
    field("counterparty", Kind::Text, false),
    // numeric(14, 2) holds less than 10^12.
    field("asking_price_dkk", number(0.0, 100_000_000_000.0), false),
];

const BUILDING_FIELDS: &[Field] = &[
    field("reference", Kind::Text, true),
    field("plot", Kind::Text, true),
    field("name", Kind::Text, false),
    field("bbr_id", Kind::Uuid, false),
    field("storeys", Kind::Integer { min: 1, max: 100 }, false),
    field("floor_area_residential_m2", FLOOR_AREA_M2, false),
    field("floor_area_office_m2", FLOOR_AREA_M2, false),
    field("floor_area_laboratory_m2", FLOOR_AREA_M2, false),
    field("floor_area_retail_m2", FLOOR_AREA_M2, false),
    field("floor_area_other_m2", FLOOR_AREA_M2, false),
    field(
        "construction_status",
        Kind::Enum(Values::Strings(&[
            "projected",
            "under_construction",
            "completed",
        ])),
        false,
    ),
    field("accuracy", Kind::Text, false),
    field(
        "dgnb_scheme",
        Kind::Enum(Values::Strings(&[
            "new_construction",
            "renovation",
            "in_use",
        ])),
        false,
    ),
    field("dgnb_manual_version", Kind::Text, false),
    field("dgnb_phase", Kind::Enum(Values::DgnbPhase), false),
    field("dgnb_target_level", Kind::Enum(Values::DgnbLevel), false),
    field("dgnb_achieved_level", Kind::Enum(Values::DgnbLevel), false),
    field("dgnb_total_score_pct", number(0.0, 100.0), false),
    field("dgnb_certificate_id", Kind::Text, false),
    field("dgnb_issued_on", Kind::Date, false),
    field("dgnb_valid_until", Kind::Date, false),
    // Not in the feature view: kept as it is unless a write sends it.
    field("dgnb_auditor", Kind::Text, false),
];

/// The writable properties of a collection.
pub fn fields(target: Target) -> &'static [Field] {
    match target {
        Target::Plots => PLOT_FIELDS,
        Target::Buildings => BUILDING_FIELDS,
    }
}

/// Properties the server derives: accepted in a body (tools send back what they read) and
/// ignored.
fn derived(name: &str) -> bool {
    const DERIVED: [&str; 16] = [
        "plot_area_m2",
        "plot_area_ha",
        "building_ids",
        "building_count",
        "floor_area_m2",
        "plot_ratio_pct",
        "best_dgnb_level",
        "silver_buildings",
        "gold_buildings",
        "platinum_buildings",
        "updated_at",
        "distance_method",
        "within_600m_of_station",
        "plot_id",
        "area",
        "footprint_area_m2",
    ];
    DERIVED.contains(&name) || name.starts_with("nearest_")
}

/// What to do with a property that is neither writable nor derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// 422 naming it (the API: a typo must not be dropped silently).
    Refuse,
    /// Leave it out (the importer: GIS files carry columns of their own).
    Ignore,
}

/// Checks properties against the writable fields: unknown names, wrong types, values out of
/// range and missing required fields are 422 naming the field; then the DGNB record on its
/// own. Returns the writable properties that were sent (derived ones left out).
pub fn validate(
    target: Target,
    props: &Map<String, Value>,
    unknown: Unknown,
) -> Result<Map<String, Value>> {
    let fields = fields(target);
    if unknown == Unknown::Refuse {
        for name in props.keys() {
            let writable = fields.iter().any(|f| f.name == name);
            let ignored = derived(name) && !(target == Target::Plots && name == "area");
            if !writable && !ignored {
                return Err(Error::unprocessable(
                    name,
                    format!(
                        "`{name}` is not a property of {}; writable: {}",
                        target.collection(),
                        fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
    let mut out = Map::new();
    for f in fields {
        let value = props.get(f.name).cloned().unwrap_or(Value::Null);
        if value.is_null() {
            if f.required {
                return Err(Error::unprocessable(
                    f.name,
                    format!("`{}` is required", f.name),
                ));
            }
            if props.contains_key(f.name) {
                out.insert(f.name.to_owned(), Value::Null);
            }
            continue;
        }
        check_value(f, &value)?;
        out.insert(f.name.to_owned(), value);
    }
    if target == Target::Buildings {
        check_dgnb(&out)?;
    }
    Ok(out)
}

fn check_value(f: &Field, value: &Value) -> Result<()> {
    let name = f.name;
    let wrong = |what: String| Error::unprocessable(name, format!("`{name}`: {what}"));
    match f.kind {
        Kind::Text => {
            let s = value
                .as_str()
                .ok_or_else(|| wrong(format!("expected text, got {value}")))?;
            if s.trim().is_empty() && f.required {
                return Err(wrong("must not be empty".into()));
            }
        }
        Kind::Uuid => {
            let s = value
                .as_str()
                .ok_or_else(|| wrong(format!("expected a UUID, got {value}")))?;
            let hex: String = s.chars().filter(|c| *c != '-').collect();
            if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(wrong(format!("`{s}` is not a UUID")));
            }
        }
        Kind::Number { min, max } => {
            let n = value
                .as_f64()
                .ok_or_else(|| wrong(format!("expected a number, got {value}")))?;
            if !(min..=max).contains(&n) {
                return Err(wrong(format!("{n} is outside {min}..{max}"))
                    .with_details(json!({ "minimum": min, "maximum": max })));
            }
        }
        Kind::Integer { min, max } => {
            let n = value
                .as_i64()
                .ok_or_else(|| wrong(format!("expected a whole number, got {value}")))?;
            if !(min..=max).contains(&n) {
                return Err(wrong(format!("{n} is outside {min}..{max}"))
                    .with_details(json!({ "minimum": min, "maximum": max })));
            }
        }
        Kind::Enum(values) => {
            if !value.as_str().is_some_and(|s| values.allows(s)) {
                let shown = value.as_str().map_or(value.to_string(), str::to_owned);
                return Err(Error::unprocessable(
                    name,
                    format!(
                        "`{name}` must be one of {}, not `{shown}`",
                        values.all().join(", ")
                    ),
                )
                .with_details(json!({ "allowed": values.all() })));
            }
        }
        Kind::Date => {
            let s = value.as_str().unwrap_or_default();
            if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_err() {
                return Err(wrong(format!("{value} is not a date like 2025-06-30")));
            }
        }
    }
    Ok(())
}

/// The DGNB rules a building's record must keep on its own (the area's least level needs the
/// database and is checked on save).
fn check_dgnb(props: &Map<String, Value>) -> Result<()> {
    let record = DgnbRecord::from_properties(props);
    if let Some(v) = dgnb::check_record(&record).into_iter().next() {
        return Err(Error::unprocessable(v.field, v.message));
    }
    let text = |n: &str| props.get(n).and_then(Value::as_str);
    if let (Some(issued), Some(until)) = (text("dgnb_issued_on"), text("dgnb_valid_until")) {
        if until < issued {
            return Err(Error::unprocessable(
                "dgnb_valid_until",
                "the certificate ends before it was issued",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(target: Target, v: Value) -> Result<Map<String, Value>> {
        validate(target, v.as_object().unwrap(), Unknown::Refuse)
    }

    #[test]
    fn properties_are_checked_by_name_type_and_range() {
        let ok = json!({ "reference": "KD-99", "area": "kildedal", "land_use": "office", "status": "planned",
                          "plot_area_m2": 5.0, "nearest_station": "x" });
        let out = check(Target::Plots, ok).unwrap();
        assert_eq!(out["reference"], "KD-99");
        assert!(
            !out.contains_key("plot_area_m2"),
            "derived values are ignored"
        );

        let unknown = json!({ "reference": "KD-99", "area": "kildedal", "land_use": "office", "status": "planned", "colour": "red" });
        let err = check(Target::Plots, unknown.clone()).unwrap_err();
        assert!(err.to_string().contains("`colour`"));
        let ignored =
            validate(Target::Plots, unknown.as_object().unwrap(), Unknown::Ignore).unwrap();
        assert!(!ignored.contains_key("colour"));

        let bad_enum = json!({ "reference": "KD-99", "area": "kildedal", "land_use": "offfice", "status": "planned" });
        let err = check(Target::Plots, bad_enum).unwrap_err().to_string();
        assert!(
            err.contains("one of") && err.contains("`offfice`") && err.contains("life_science"),
            "{err}"
        );

        let huge = json!({ "reference": "B", "plot": "KD-01", "floor_area_office_m2": 1e308 });
        let err = check(Target::Buildings, huge).unwrap_err().to_string();
        assert!(err.contains("floor_area_office_m2") && err.contains("outside"));

        let gold_too_low = json!({ "reference": "B", "plot": "KD-01", "dgnb_phase": "certificate",
                                   "dgnb_achieved_level": "gold", "dgnb_total_score_pct": 60.0 });
        let err = check(Target::Buildings, gold_too_low).unwrap_err();
        assert!(err.to_string().contains("gives silver"), "{err}");
    }

    #[test]
    fn enums_come_from_the_domain() {
        let kinds: Vec<Values> = PLOT_FIELDS
            .iter()
            .chain(BUILDING_FIELDS)
            .filter_map(|f| match f.kind {
                Kind::Enum(v) => Some(v),
                _ => None,
            })
            .collect();
        assert!(kinds.contains(&Values::LandUse) && kinds.contains(&Values::DgnbPhase));
        assert_eq!(Values::PlotStatus.all().len(), PlotStatus::ALL.len());
        assert!(Values::DgnbLevel.allows("gold") && !Values::DgnbLevel.allows("Gold"));
    }
}
