//! JSON Schema made from the descriptions: the queryables (OGC API – Features Part 3), the
//! schema of a collection's features (Part 5), and the value schemas the OpenAPI document uses.

use serde_json::{json, Map, Value};

use super::{Collection, Kind, Property, Role, Write};

/// The JSON Schema of one property's values: type, format, enum and range.
pub fn value_schema(p: &Property) -> Value {
    let mut s = Map::new();
    s.insert("type".into(), json!(p.kind.json_type()));
    if let Some(format) = p.kind.format() {
        s.insert("format".into(), json!(format));
    }
    match &p.kind {
        Kind::Enum(values) => {
            s.insert("enum".into(), json!(values));
        }
        Kind::Number { min, max } if min.is_finite() && *min > f64::MIN => {
            s.insert("minimum".into(), json!(min));
            s.insert("maximum".into(), json!(max));
        }
        Kind::Integer { min, max } if *min > i64::MIN => {
            s.insert("minimum".into(), json!(min));
            s.insert("maximum".into(), json!(max));
        }
        Kind::Text if p.writable() => {
            s.insert("maxLength".into(), json!(p.max_chars));
        }
        _ => {}
    }
    Value::Object(s)
}

/// The primary geometry's schema.
fn geometry(c: &Collection) -> Value {
    json!({
        "format": format!("geometry-{}", c.geometry_type.to_lowercase()),
        "x-ogc-role": "primary-geometry",
    })
}

/// `/collections/{id}/queryables`: what may be filtered and sorted on, the geometry last.
pub fn queryables(c: &Collection, id: &str) -> Value {
    let mut properties: Map<String, Value> = c
        .queryables()
        .map(|p| {
            let mut s = value_schema(p);
            s["title"] = json!(p.label_en);
            (p.name.to_owned(), s)
        })
        .collect();
    properties.insert("geometry".into(), geometry(c));
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": id,
        "type": "object",
        "title": c.title,
        "properties": properties,
        "additionalProperties": false,
    })
}

/// `/collections/{id}/schema` (Part 5): every property the role may read, with its labels,
/// unit, order, and whether and when it may be written.
pub fn feature_schema(c: &Collection, role: Role, id: &str) -> Value {
    let mut properties = Map::new();
    properties.insert("geometry".into(), geometry(c));
    for (seq, p) in c.readable(role).enumerate() {
        let mut s = value_schema(p);
        s["title"] = json!(p.label_en);
        s["x-plotline-title"] = json!({ "da": p.label_da, "en": p.label_en });
        s["x-ogc-propertySeq"] = json!(seq + 1);
        if let Some(unit) = p.unit {
            s["x-ogc-unit"] = json!(unit.symbol());
        }
        match p.write {
            Write::ReadOnly => s["readOnly"] = json!(true),
            Write::Required => s["x-plotline-required"] = json!(true),
            Write::Optional => {}
        }
        s["x-plotline-access"] = json!(match p.access {
            super::Access::Public => "public",
            super::Access::Planner => "planner",
        });
        properties.insert(p.name.to_owned(), s);
    }
    let required: Vec<&str> = c
        .readable(role)
        .filter(|p| p.write == Write::Required)
        .map(|p| p.name)
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": id,
        "type": "object",
        "title": c.title,
        "description": c.description,
        "properties": properties,
        "required": required,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::find;

    #[test]
    fn enums_ranges_and_units_come_from_the_description() {
        let plots = find("plots").unwrap();
        let s = feature_schema(plots, Role::Planner, "x");
        assert_eq!(s["properties"]["status"]["enum"][0], "planned");
        assert_eq!(s["properties"]["plot_area_ha"]["x-ogc-unit"], "ha");
        assert_eq!(s["properties"]["planned_homes"]["maximum"], 50_000);
        assert_eq!(s["properties"]["plot_ratio_pct"]["readOnly"], true);
        assert_eq!(
            s["properties"]["asking_price_dkk"]["x-plotline-access"],
            "planner"
        );
        assert!(s["required"]
            .as_array()
            .unwrap()
            .contains(&json!("reference")));
        let public = feature_schema(plots, Role::Public, "x");
        assert!(public["properties"].get("asking_price_dkk").is_none());
        let q = queryables(plots, "x");
        assert!(q["properties"].get("building_ids").is_none());
        assert_eq!(q["properties"]["geometry"]["format"], "geometry-polygon");
    }
}
