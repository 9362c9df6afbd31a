//! The check of a write's properties against the collection's description (`crate::schema`):
//! which properties are writable, which are required, their kinds, ranges and enum values all
//! come from there; no field list lives in the write path.

use serde_json::{json, Map, Value};

use super::Target;
use crate::domain::dgnb::{self, DgnbRecord};
use crate::domain::fingerplan::{self, EXEMPTION_LOKALPLAN, EXEMPTION_REASON};
use crate::schema::{self, Collection, Kind, Property, Write};
use crate::{Error, Result};

/// The description of an editable collection.
pub fn collection(target: Target) -> &'static Collection {
    schema::find(target.collection()).expect("plots and buildings are described in crate::schema")
}

/// The properties a client may write, in the description's order.
pub fn writable(target: Target) -> impl Iterator<Item = &'static Property> {
    collection(target).writable()
}

/// What to do with a property that is not in the description at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// 422 naming it (the API: a typo must not be dropped silently).
    Refuse,
    /// Leave it out (the importer: GIS files carry columns of their own).
    Ignore,
}

/// Checks properties against the description: unknown names, wrong types, values out of range
/// and missing required properties are 422 naming the property; read-only (derived) ones are
/// accepted and left out, since tools send back what they read. Then the DGNB record on its
/// own. Returns the writable properties that were sent.
pub fn validate(
    target: Target,
    props: &Map<String, Value>,
    unknown: Unknown,
) -> Result<Map<String, Value>> {
    validate_all(target, props, unknown).map_err(|mut errors| errors.remove(0))
}

/// [`validate`], naming every property that is wrong rather than the first (the importer's
/// report). The DGNB record is checked once its fields are right.
pub fn validate_all(
    target: Target,
    props: &Map<String, Value>,
    unknown: Unknown,
) -> std::result::Result<Map<String, Value>, Vec<Error>> {
    let c = collection(target);
    let mut errors = Vec::new();
    if unknown == Unknown::Refuse {
        if let Some(name) = props.keys().find(|n| c.property(n).is_none()) {
            errors.push(Error::unprocessable(
                name,
                format!(
                    "`{name}` is not a property of {}; writable: {}",
                    c.id,
                    c.writable().map(|p| p.name).collect::<Vec<_>>().join(", ")
                ),
            ));
            return Err(errors);
        }
    }
    let mut out = Map::new();
    for p in c.writable() {
        let value = props.get(p.name).cloned().unwrap_or(Value::Null);
        if value.is_null() {
            if p.write == Write::Required {
                errors.push(Error::unprocessable(
                    p.name,
                    format!("`{}` is required", p.name),
                ));
            } else if props.contains_key(p.name) {
                out.insert(p.name.to_owned(), Value::Null);
            }
            continue;
        }
        match check_value(p, &value) {
            Ok(()) => {
                out.insert(p.name.to_owned(), value);
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        if let Err(e) = check_rules_of(target, &out) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Refuses a number outside `min..=max`, saying the range in the error's details.
fn check_range<T>(n: T, min: T, max: T, wrong: impl Fn(String) -> Error) -> Result<()>
where
    T: Copy + PartialOrd + std::fmt::Display + serde::Serialize,
{
    if (min..=max).contains(&n) {
        return Ok(());
    }
    Err(wrong(format!("{n} is outside {min}..{max}"))
        .with_details(json!({ "minimum": min, "maximum": max })))
}

pub fn check_value(p: &Property, value: &Value) -> Result<()> {
    let name = p.name;
    let wrong = |what: String| Error::unprocessable(name, format!("`{name}`: {what}"));
    match &p.kind {
        Kind::Text => {
            let s = value
                .as_str()
                .ok_or_else(|| wrong(format!("expected text, got {value}")))?;
            if s.trim().is_empty() && p.write == Write::Required {
                return Err(wrong("must not be empty".into()));
            }
            if s.chars().count() > p.max_chars {
                return Err(wrong(format!("at most {} characters", p.max_chars)));
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
        &Kind::Number { min, max } => {
            let n = value
                .as_f64()
                .ok_or_else(|| wrong(format!("expected a number, got {value}")))?;
            check_range(n, min, max, wrong)?;
        }
        &Kind::Integer { min, max } => {
            let n = value
                .as_i64()
                .ok_or_else(|| wrong(format!("expected a whole number, got {value}")))?;
            check_range(n, min, max, wrong)?;
        }
        Kind::Enum(values) => {
            if !value.as_str().is_some_and(|s| values.contains(&s)) {
                let shown = value.as_str().map_or(value.to_string(), str::to_owned);
                return Err(Error::unprocessable(
                    name,
                    format!(
                        "`{name}` must be one of {}, not `{shown}`",
                        values.join(", ")
                    ),
                )
                .with_details(json!({ "allowed": values })));
            }
        }
        Kind::Boolean => {
            if !value.is_boolean() {
                return Err(wrong(format!("expected true or false, got {value}")));
            }
        }
        Kind::Timestamp => {
            let s = value.as_str().unwrap_or_default();
            if chrono::DateTime::parse_from_rfc3339(s).is_err() {
                return Err(wrong(format!("{value} is not an RFC 3339 instant")));
            }
        }
        Kind::List => {
            if !value.is_array() {
                return Err(wrong(format!("expected a list, got {value}")));
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

/// The rules a feature's properties must keep together: a building's DGNB record and Fingerplan
/// exemption, a company's CVR number and dates.
fn check_rules_of(target: Target, out: &Map<String, Value>) -> Result<()> {
    match target {
        Target::Buildings => {
            check_dgnb(out)?;
            let text = |n: &str| out.get(n).and_then(Value::as_str);
            if let Some(missing) = fingerplan::missing_exemption_part(
                text(EXEMPTION_LOKALPLAN),
                text(EXEMPTION_REASON),
            ) {
                return Err(Error::unprocessable(
                    missing,
                    format!(
                        "a Fingerplan exemption needs both the lokalplan that allows it ({EXEMPTION_LOKALPLAN}) and the reason ({EXEMPTION_REASON}): `{missing}` is missing"
                    ),
                ));
            }
            Ok(())
        }
        Target::Companies => check_company(out),
        Target::Plots => Ok(()),
    }
}

/// A company's own rules: a CVR number that passes the register's check, a P-number of ten
/// digits, and no move-out before the move-in.
fn check_company(props: &Map<String, Value>) -> Result<()> {
    let text = |n: &str| props.get(n).and_then(Value::as_str);
    if let Some(cvr) = text("cvr") {
        if !crate::domain::company::cvr_is_valid(cvr) {
            return Err(Error::unprocessable(
                "cvr",
                format!("`{cvr}` is not a CVR number: eight digits, not starting with 0, passing the register's modulus-11 check"),
            ));
        }
    }
    if let Some(p) = text("p_number") {
        if p.len() != 10 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::unprocessable(
                "p_number",
                format!("`{p}` is not a P-number (ten digits)"),
            ));
        }
    }
    if let (Some(moved_in), Some(moved_out)) = (text("moved_in"), text("moved_out")) {
        if moved_out < moved_in {
            return Err(Error::unprocessable(
                "moved_out",
                format!("the company moves out ({moved_out}) before it moves in ({moved_in})"),
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

        let company = |cvr: &str, moved_in: &str, moved_out: &str| {
            json!({ "reference": "CO-X", "name": "X ApS", "cvr": cvr, "cluster": "life_science",
                    "ownership": "private", "building": "KD-01-A", "moved_in": moved_in,
                    "moved_out": moved_out })
        };
        assert!(check(
            Target::Companies,
            company("12345674", "2024-01-01", "2025-01-01")
        )
        .is_ok());
        let err = check(
            Target::Companies,
            company("12345675", "2024-01-01", "2025-01-01"),
        );
        assert!(err.unwrap_err().to_string().contains("modulus-11"));
        let err = check(
            Target::Companies,
            company("12345674", "2025-01-01", "2024-01-01"),
        );
        assert!(err.unwrap_err().to_string().contains("before it moves in"));
    }

    /// The one save per table must store every property the description calls writable.
    #[test]
    fn the_save_sql_covers_every_writable_property() {
        for (target, sql) in [
            (Target::Plots, include_str!("../db/sql/edit_plot_save.sql")),
            (
                Target::Buildings,
                include_str!("../db/sql/edit_building_save.sql"),
            ),
            (
                Target::Companies,
                include_str!("../db/sql/edit_company_save.sql"),
            ),
        ] {
            for p in writable(target) {
                assert!(
                    sql.contains(&format!("{} ", p.name)),
                    "{} `{}` is writable but the save does not read it",
                    target.collection(),
                    p.name
                );
            }
        }
    }
}
