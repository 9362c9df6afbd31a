//! The field mapping of an import (TOML): per plotline property, the source field it is read
//! from or a fixed value, a value map for codes, and a unit conversion. The properties, their
//! kinds, units and enums come from the collection's description (`crate::schema`); nothing
//! here lists a collection's fields.
//!
//! ```toml
//! [properties]
//! reference = "MATRNR"                                   # the source field MATRNR
//! area = { value = "kildedal" }                          # a fixed value
//! land_use = { field = "ANVENDELSE", map = { "11" = "residential", "21" = "office" } }
//! floor_area_residential_m2 = { field = "AREAL_HA", unit = "ha" }  # ha → m²
//! max_height_m = { field = "HOEJDE_CM", factor = 0.01 }
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::schema::{Kind, Unit};

use super::source::LayerDescription;

use super::target::{ImportProperty, ImportTarget};

/// A mapping as written in its TOML file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    /// The source layer to read, when the source has several (`--layer` wins).
    #[serde(default)]
    pub layer: Option<String>,
    /// The CRS of a source that declares none (a CSV with WKT): `EPSG:25832`.
    #[serde(default)]
    pub crs: Option<String>,
    /// Per plotline property: a source field's name, or a [`Rule`].
    #[serde(default)]
    pub properties: BTreeMap<String, FieldRule>,
}

/// Where one property's value comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FieldRule {
    /// The source field of this name.
    Field(String),
    Rule(Rule),
}

/// The long form of a [`FieldRule`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The source field (matched case-insensitively).
    pub field: Option<String>,
    /// A fixed value for every feature.
    pub value: Option<toml::Value>,
    /// Source values (as text: `"11"`) to plotline values.
    pub map: Option<BTreeMap<String, toml::Value>>,
    /// The value when the source field is empty.
    pub default: Option<toml::Value>,
    /// Multiply numbers by this.
    pub factor: Option<f64>,
    /// The source's unit (`ha`, `m2`, `km2`, `m`, `cm`, `km`, `pct`, `fraction`), converted to
    /// the property's unit.
    pub unit: Option<String>,
}

impl MappingFile {
    /// Parses a mapping; a syntax error names the line.
    pub fn parse(text: &str) -> Result<MappingFile, String> {
        toml::from_str(text).map_err(|e| format!("the mapping is not valid TOML: {e}"))
    }
}

/// A mapping checked against the target collection and the source's fields.
#[derive(Debug, Clone)]
pub struct Mapping {
    rules: Vec<Checked>,
}

#[derive(Debug, Clone)]
struct Checked {
    property: ImportProperty,
    from: From,
    map: Option<BTreeMap<String, Value>>,
    default: Option<Value>,
    factor: f64,
}

#[derive(Debug, Clone)]
enum From {
    /// The index of the source field and its name.
    Field(usize, String),
    Fixed(Value),
}

/// A problem with one feature's value, found while mapping it.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueProblem {
    /// The plotline property.
    pub field: String,
    pub message: String,
}

fn json_of(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::from(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::from(*b),
        other => Value::from(other.to_string()),
    }
}

/// How many of the property's unit one of `source` is; `None` when they do not convert.
fn unit_factor(source: &str, to: Option<Unit>) -> Option<f64> {
    let source = source.trim().to_ascii_lowercase().replace('²', "2");
    match (source.as_str(), to?) {
        ("m2", Unit::SquareMetre) | ("ha", Unit::Hectare) | ("m", Unit::Metre) => Some(1.0),
        ("ha", Unit::SquareMetre) => Some(10_000.0),
        ("km2", Unit::SquareMetre) => Some(1_000_000.0),
        ("m2", Unit::Hectare) => Some(0.000_1),
        ("km2", Unit::Hectare) => Some(100.0),
        ("cm", Unit::Metre) => Some(0.01),
        ("km", Unit::Metre) => Some(1_000.0),
        ("pct", Unit::Percent) => Some(1.0),
        ("fraction", Unit::Percent) => Some(100.0),
        ("dkk", Unit::Dkk) => Some(1.0),
        ("mio_dkk", Unit::Dkk) => Some(1_000_000.0),
        _ => None,
    }
}

impl Mapping {
    /// Checks a mapping file against the target and the source's field names; every problem
    /// of the mapping itself is reported at once. Without a file, each source field that
    /// carries a property's name (case-insensitively) feeds it. `area` (from `--area`) fixes
    /// the `area` property.
    pub fn check(
        file: Option<&MappingFile>,
        into: &ImportTarget,
        source_fields: &[String],
        area: Option<&str>,
    ) -> Result<Mapping, Vec<String>> {
        let field_index = |name: &str| {
            source_fields.iter().position(|f| f == name).or_else(|| {
                source_fields
                    .iter()
                    .position(|f| f.eq_ignore_ascii_case(name))
            })
        };
        let mut problems = Vec::new();
        let mut rules = Vec::new();
        let given: Vec<(String, Rule)> = match file {
            Some(f) => f
                .properties
                .iter()
                .map(|(k, r)| {
                    let rule = match r {
                        FieldRule::Field(field) => Rule {
                            field: Some(field.clone()),
                            ..Rule::default()
                        },
                        FieldRule::Rule(rule) => rule.clone(),
                    };
                    (k.clone(), rule)
                })
                .collect(),
            None => into
                .properties()
                .iter()
                .filter(|p| field_index(&p.name).is_some())
                .map(|p| {
                    (
                        p.name.to_owned(),
                        Rule {
                            field: Some(p.name.to_owned()),
                            ..Rule::default()
                        },
                    )
                })
                .collect(),
        };
        let mut given = given;
        if let Some(slug) = area {
            if into.property("area").is_none() {
                problems.push(format!(
                    "--area: {} have no area property to set",
                    into.id()
                ));
            } else {
                given.retain(|(k, _)| k != "area");
                given.push((
                    "area".to_owned(),
                    Rule {
                        value: Some(toml::Value::String(slug.to_owned())),
                        ..Rule::default()
                    },
                ));
            }
        }
        let mut named_properties = Vec::new();
        for (name, rule) in given {
            let Some(property) = into.property(&name) else {
                problems.push(format!(
                    "`{name}` is not a property that can be imported into {}; they are: {}",
                    into.id(),
                    into.properties()
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                continue;
            };
            let from = match (&rule.field, &rule.value) {
                (Some(_), Some(_)) => {
                    problems.push(format!("`{name}`: give a field or a value, not both"));
                    None
                }
                (None, None) => {
                    problems.push(format!(
                        "`{name}`: give its source `field` or a fixed `value`"
                    ));
                    None
                }
                (Some(field), None) => match field_index(field) {
                    Some(i) => Some(From::Field(i, source_fields[i].clone())),
                    None => {
                        problems.push(format!(
                            "`{name}`: the source has no field `{field}`; its fields are: {}",
                            source_fields.join(", ")
                        ));
                        None
                    }
                },
                (None, Some(v)) => Some(From::Fixed(json_of(v))),
            };
            let numeric = matches!(property.kind, Kind::Number { .. } | Kind::Integer { .. });
            let mut factor = rule.factor.unwrap_or(1.0);
            if (rule.factor.is_some() || rule.unit.is_some()) && !numeric {
                problems.push(format!(
                    "`{name}` is not a number: a factor or unit does not apply"
                ));
            }
            if let Some(unit) = &rule.unit {
                match unit_factor(unit, property.unit) {
                    Some(f) => factor *= f,
                    None => problems.push(format!(
                        "`{name}`: cannot convert {unit} to {}",
                        property.unit.map_or("a unitless number", Unit::symbol)
                    )),
                }
            }
            if !factor.is_finite() || factor == 0.0 {
                problems.push(format!(
                    "`{name}`: the factor must be a finite non-zero number"
                ));
            }
            let map = rule.map.as_ref().map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), json_of(v)))
                    .collect::<BTreeMap<_, _>>()
            });
            // Every value the mapping itself names must be a value of the property.
            let mut named: Vec<(String, Value)> = Vec::new();
            if let Some(From::Fixed(v)) = &from {
                named.push(("value".to_owned(), v.clone()));
            }
            if let Some(d) = &rule.default {
                named.push(("default".to_owned(), json_of(d)));
            }
            for (k, v) in map.iter().flatten() {
                named.push((format!("map \"{k}\""), v.clone()));
            }
            for (what, v) in named {
                if let Err(e) = property.check(&coerce(&property.kind, v)) {
                    problems.push(format!("`{name}` {what}: {e}"));
                }
            }
            named_properties.push(name.clone());
            let Some(from) = from else {
                continue;
            };
            rules.push(Checked {
                property,
                from,
                map,
                default: rule.default.as_ref().map(json_of),
                factor,
            });
        }
        for p in into.properties() {
            if p.required && !named_properties.contains(&p.name) {
                problems.push(format!(
                    "`{}` is required by {} but the mapping gives it no field or value",
                    p.name,
                    into.id()
                ));
            }
        }
        if problems.is_empty() {
            Ok(Mapping { rules })
        } else {
            Err(problems)
        }
    }

    /// The index of the source field that feeds `property`, if a field does (not a fixed value).
    pub fn source_of(&self, property: &str) -> Option<usize> {
        self.rules.iter().find_map(|r| match r.from {
            From::Field(i, _) if r.property.name == property => Some(i),
            _ => None,
        })
    }

    /// One feature's properties from its source values (in the source's field order).
    pub fn apply(&self, values: &[Value]) -> (Map<String, Value>, Vec<ValueProblem>) {
        let mut out = Map::new();
        let mut problems = Vec::new();
        for r in &self.rules {
            let (raw, field) = match &r.from {
                From::Field(i, name) => (values.get(*i).cloned().unwrap_or(Value::Null), name),
                From::Fixed(v) => {
                    out.insert(
                        r.property.name.to_owned(),
                        coerce(&r.property.kind, v.clone()),
                    );
                    continue;
                }
            };
            let raw = match raw {
                Value::String(s) if s.trim().is_empty() => Value::Null,
                other => other,
            };
            let mut value = match (&raw, &r.map) {
                (Value::Null, _) => r.default.clone().unwrap_or(Value::Null),
                (v, Some(map)) => {
                    let key = match v {
                        Value::String(s) => s.trim().to_owned(),
                        other => other.to_string(),
                    };
                    match map.get(&key) {
                        Some(mapped) => mapped.clone(),
                        None => {
                            problems.push(ValueProblem {
                                field: r.property.name.clone(),
                                message: format!(
                                    "{field} `{key}` is not in the mapping's map for {} (it maps: {})",
                                    r.property.name,
                                    map.keys().cloned().collect::<Vec<_>>().join(", ")
                                ),
                            });
                            continue;
                        }
                    }
                }
                (v, None) => v.clone(),
            };
            value = coerce(&r.property.kind, value);
            if r.factor != 1.0 {
                if let Some(n) = value.as_f64() {
                    value = number_of(&r.property.kind, n * r.factor);
                }
            }
            out.insert(r.property.name.to_owned(), value);
        }
        (out, problems)
    }
}

/// A number as the property's kind wants it: whole for integers (when it is whole).
fn number_of(kind: &Kind, n: f64) -> Value {
    match kind {
        Kind::Integer { .. } if n.fract().abs() < 1e-9 && n.abs() < 9.0e15 => {
            Value::from(n.round() as i64)
        }
        _ => serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
    }
}

/// A source value in the JSON type of the property's kind where it converts plainly: numbers
/// given as text, codes given as numbers, dates and yes/no; otherwise as it is (and the
/// validation names it).
pub fn coerce(kind: &Kind, value: Value) -> Value {
    match (kind, value) {
        (Kind::Number { .. } | Kind::Integer { .. }, Value::String(s)) => {
            match s.trim().replace(',', ".").parse::<f64>() {
                Ok(n) => number_of(kind, n),
                Err(_) => Value::String(s),
            }
        }
        (Kind::Integer { .. }, Value::Number(n)) => match n.as_f64() {
            Some(f) if n.as_i64().is_none() => number_of(kind, f),
            _ => Value::Number(n),
        },
        (Kind::Text | Kind::Enum(_) | Kind::Uuid, Value::Number(n)) => Value::String(n.to_string()),
        (Kind::Boolean, Value::String(s)) => match s.trim().to_lowercase().as_str() {
            "true" | "1" | "ja" | "yes" | "j" | "y" => Value::Bool(true),
            "false" | "0" | "nej" | "no" | "n" => Value::Bool(false),
            _ => Value::String(s),
        },
        (Kind::Boolean, Value::Number(n)) => match n.as_i64() {
            Some(0) => Value::Bool(false),
            Some(1) => Value::Bool(true),
            _ => Value::Number(n),
        },
        (Kind::Date, Value::String(s)) if s.len() > 10 && s.as_bytes()[10] == b'T' => {
            Value::String(s[..10].to_owned())
        }
        (_, v) => v,
    }
}

/// Folds a name for matching: lower case, Danish letters spelt out, only letters and digits.
fn fold(name: &str) -> String {
    name.to_lowercase()
        .replace('æ', "ae")
        .replace('ø', "oe")
        .replace('å', "aa")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// Danish field names of the municipality's registers (Matriklen, BBR, Plandata.dk) that mean
/// a plotline property, folded (see [`fold`]).
const SYNONYMS: &[(&str, &[&str])] = &[
    (
        "reference",
        &["ref", "referencenr", "reference", "matrnr", "matrikelnr"],
    ),
    (
        "matrikelnummer",
        &["matrnr", "matrikelnr", "matrikelnummer", "matrnummer"],
    ),
    (
        "ejerlav",
        &["ejerlav", "ejerlavskode", "elavskode", "ejerlavkode"],
    ),
    (
        "land_use",
        &["anvendelse", "anvkode", "anvendelseskode", "anvgen", "zone"],
    ),
    ("lokalplan", &["lokalplan", "plannr", "lokalplannr", "plan"]),
    (
        "max_height_m",
        &["makshoejde", "maxhoejde", "bygningshoejde", "hoejde"],
    ),
    (
        "max_plot_ratio_pct",
        &[
            "bebygpct",
            "bebyggelsesprocent",
            "bebyggelsespct",
            "bebygpro",
        ],
    ),
    ("planned_homes", &["boliger", "antalboliger", "antboliger"]),
    (
        "planned_jobs",
        &["arbejdspladser", "antalarbejdspladser", "job"],
    ),
    ("status", &["status", "planstatus"]),
    ("name", &["navn", "bygningsnavn", "stationsnavn"]),
    ("storeys", &["etager", "antaletager", "etagetal"]),
    ("bbr_id", &["bbrid", "bygningid", "idlokalid", "bygningsid"]),
    ("area", &["omraade", "udviklingsomraade", "byomraade"]),
    ("plot", &["grund", "grundref", "matrnr"]),
    ("slug", &["slug", "kode"]),
];

/// The source field that probably holds `property`: its name, its Danish label (from the
/// description) or a known Danish register name, compared folded.
pub fn suggest_field<'a>(
    property: &ImportProperty,
    source_fields: &'a [String],
) -> Option<&'a String> {
    let mut names = vec![fold(&property.name), fold(property.label_da)];
    if let Some((_, more)) = SYNONYMS.iter().find(|(p, _)| *p == property.name) {
        names.extend(more.iter().map(|s| (*s).to_owned()));
    }
    names
        .iter()
        .find_map(|n| source_fields.iter().find(|f| fold(f) == *n))
}

/// A suggested mapping (TOML) from one described source layer into `into`: each property
/// with the field that probably holds it, the rest commented out with their kind.
pub fn suggest(layer: &LayerDescription, into: &ImportTarget, name_layer: bool) -> String {
    let fields: Vec<String> = layer.fields.iter().map(|f| f.name.clone()).collect();
    let mut out = format!(
        "\n# A mapping from layer {} into {} (plotline import --mapping FILE.toml).\n\
         # Each plotline property = the source field, or {{ field = \"F\", map = {{ \"code\" = \"value\" }} }},\n\
         # {{ value = \"fixed\" }}, {{ field = \"F\", unit = \"ha\" }} or {{ field = \"F\", factor = 0.01 }}.\n",
        layer.name,
        into.id()
    );
    if name_layer {
        out.push_str(&format!("layer = {}\n", toml_string(&layer.name)));
    }
    if layer.crs == "none" {
        out.push_str("crs = \"EPSG:25832\"  # the source declares no CRS: say which it is\n");
    }
    out.push_str("\n[properties]\n");
    for p in into.properties() {
        let what = match &p.kind {
            Kind::Enum(values) => format!("one of {}", values.join(", ")),
            Kind::Number { .. } | Kind::Integer { .. } => match p.unit {
                Some(u) => format!("{} in {}", p.kind.json_type(), u.symbol()),
                None => p.kind.json_type().to_owned(),
            },
            other => other.json_type().to_owned(),
        };
        let required = match (p.required, p.name.as_str()) {
            (true, "area") => ", required (or --area SLUG)",
            (true, _) => ", required",
            _ => "",
        };
        match suggest_field(p, &fields) {
            Some(f) => {
                let map = toml_string(f);
                out.push_str(&format!("{} = {map}  # {what}{required}\n", p.name));
            }
            None => out.push_str(&format!("# {} =   # {what}{required}\n", p.name)),
        }
    }
    out
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plots() -> ImportTarget {
        ImportTarget::parse("plots").unwrap()
    }

    fn fields(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_danish_file_maps_through_codes_and_units() {
        let file = MappingFile::parse(
            r#"
            [properties]
            reference = "MATRNR"
            land_use = { field = "ANVENDELSE", map = { "11" = "residential", "21" = "office" } }
            max_height_m = { field = "HOEJDE_CM", unit = "cm" }
            planned_homes = { field = "BOLIGER", factor = 2 }
            status = { value = "planned" }
            "#,
        )
        .unwrap();
        let src = fields(&["matrnr", "ANVENDELSE", "HOEJDE_CM", "BOLIGER"]);
        let m = Mapping::check(Some(&file), &plots(), &src, Some("kildedal")).unwrap();
        let (props, problems) = m.apply(&[json!("12a"), json!(11), json!("1250"), json!(12)]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(props["reference"], "12a");
        assert_eq!(props["land_use"], "residential");
        assert_eq!(props["max_height_m"], 12.5);
        assert_eq!(props["planned_homes"], 24);
        assert_eq!(props["area"], "kildedal");
        assert_eq!(props["status"], "planned");

        let (_, problems) = m.apply(&[json!("1"), json!(99), json!(1), json!(1)]);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].message.contains("ANVENDELSE `99`"),
            "{problems:?}"
        );
    }

    #[test]
    fn every_mistake_in_the_mapping_is_named() {
        let file = MappingFile::parse(
            r#"
            [properties]
            reference = "MATRNR"
            colour = "FARVE"
            land_use = { field = "ANV", map = { "11" = "housing" } }
            max_height_m = { field = "H", unit = "ha" }
            plot_area_m2 = "AREAL"
            "#,
        )
        .unwrap();
        let src = fields(&["MATRNR", "ANVENDELSE", "H", "AREAL"]);
        let problems = Mapping::check(Some(&file), &plots(), &src, None).unwrap_err();
        let all = problems.join("\n");
        assert!(all.contains("`colour` is not a property"), "{all}");
        assert!(all.contains("no field `ANV`"), "{all}");
        assert!(all.contains("`housing`"), "{all}");
        assert!(all.contains("cannot convert ha to m"), "{all}");
        assert!(all.contains("`plot_area_m2` is not a property"), "{all}");
        assert!(all.contains("`area` is required"), "{all}");
        assert!(MappingFile::parse("[properties\nx=").is_err());
        assert!(MappingFile::parse("[propertis]")
            .unwrap_err()
            .contains("propertis"));
    }

    #[test]
    fn without_a_mapping_fields_of_the_same_name_feed_their_property() {
        let src = fields(&["REFERENCE", "land_use", "status", "area", "colour"]);
        let m = Mapping::check(None, &plots(), &src, None).unwrap();
        let (props, _) = m.apply(&[
            json!("KD-1"),
            json!("office"),
            json!("planned"),
            json!("kildedal"),
            json!("red"),
        ]);
        assert_eq!(props.len(), 4);
        assert_eq!(props["reference"], "KD-1");
    }

    #[test]
    fn danish_names_are_suggested() {
        let src = fields(&["MATRNR", "ANVENDELSE", "Etager", "BEBYG_PCT"]);
        let into = plots();
        let land_use = into.property("land_use").unwrap();
        assert_eq!(suggest_field(&land_use, &src).unwrap(), "ANVENDELSE");
        let ratio = into.property("max_plot_ratio_pct").unwrap();
        assert_eq!(suggest_field(&ratio, &src).unwrap(), "BEBYG_PCT");
        let b = ImportTarget::parse("buildings").unwrap();
        assert_eq!(
            suggest_field(&b.property("storeys").unwrap(), &src).unwrap(),
            "Etager"
        );
    }
}
