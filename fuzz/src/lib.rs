//! What the fuzz targets do with their input: the calls the server makes with a client's text,
//! without the database. An error is a fine answer; a panic, a hang or runaway memory is a
//! finding, and so is translated SQL that breaks the few rules checked here.

use plotline::edit::{fields, import_defaults, Outline, Target, Unknown};
use plotline::filter::{self, Condition};
use plotline::geo::Crs;
use plotline::http::edge::nul_in_json;
use plotline::ogc::collections::COLLECTIONS;
use serde_json::{Map, Value};

/// The query parameters of `/collections/{id}/items` that read text: `filter` (CQL2-Text),
/// `bbox`, `datetime` and the property equalities, each as the server reads them.
pub fn query_text(data: &[u8]) {
    // A query string is decoded to UTF-8 before it gets here.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut all = Vec::new();
    if let Ok(c) = filter::cql2(text, "cql2-text", Crs::Crs84) {
        in_every_crs(&c);
        all.push(c);
    }
    for crs in Crs::ALL {
        if let Ok(c) = filter::bbox(text, crs) {
            translate_for_every_collection(std::slice::from_ref(&c));
            all.push(c);
        }
    }
    if let Ok(c) = filter::datetime(text) {
        all.push(c);
    }
    for collection in COLLECTIONS.iter() {
        for q in &collection.queryables {
            if let Ok(c) = filter::equals(q, text) {
                check(filter::translate(&[c], &collection.queryables));
            }
        }
    }
    // Together, as one request's conditions.
    translate_for_every_collection(&all);
}

/// `filter-lang=cql2-json`.
pub fn query_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = filter::cql2(text, "cql2-json", Crs::Crs84) {
        in_every_crs(&c);
    }
}

/// A write's body (a GeoJSON Feature or a merge patch) and a geometry as an import reads it:
/// the body parsed as the server parses it, its properties checked for both editable
/// collections (as sent, merged onto nothing as a patch, and with the import's defaults),
/// and its geometry (or the body itself as a geometry) read in every CRS.
pub fn feature_body(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        for crs in Crs::ALL {
            if let Ok(outline) = Outline::from_text(text, crs) {
                round_trip(&outline, crs);
            }
        }
    }
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    // The server answers 400 to a NUL anywhere in the body, before anything else.
    if nul_in_json(&body).is_some() {
        return;
    }
    for geometry in [&body, &body["geometry"]] {
        for crs in Crs::ALL {
            if let Ok(outline) = Outline::from_json(geometry, crs) {
                round_trip(&outline, crs);
            }
        }
    }
    let Some(props) = body.get("properties").and_then(Value::as_object) else {
        return;
    };
    for target in [Target::Plots, Target::Buildings] {
        let _ = fields::validate(target, props, Unknown::Refuse);
        let mut merged = Value::Object(Map::new());
        json_patch::merge(&mut merged, &body["properties"]);
        if let Value::Object(merged) = merged {
            let _ = fields::validate(target, &merged, Unknown::Refuse);
        }
        let imported = import_defaults(target, props.clone());
        let _ = fields::validate(target, &imported, Unknown::Ignore);
    }
}

/// An accepted outline is within the limits and reads back as itself from its own text.
fn round_trip(outline: &Outline, crs: Crs) {
    assert!(outline.vertex_count() <= plotline::edit::MAX_VERTICES);
    let text = outline.geojson_text();
    // The text is x first; only a CRS that is x first reads it back unchanged.
    if !crs.lat_lon() {
        let again = Outline::from_text(&text, crs).expect("an accepted outline reads back");
        assert_eq!(&again, outline);
    }
}

/// A parsed filter with its geometry literals read in each CRS.
fn in_every_crs(c: &Condition) {
    for crs in Crs::ALL {
        let c = Condition { crs, ..c.clone() };
        translate_for_every_collection(&[c]);
    }
}

fn translate_for_every_collection(conditions: &[Condition]) {
    for collection in COLLECTIONS.iter() {
        check(filter::translate(conditions, &collection.queryables));
    }
}

/// Translated SQL has its parentheses balanced outside quotes, and a placeholder per value.
fn check(sql: Result<filter::Sql, filter::FilterError>) {
    let Ok(sql) = sql else { return };
    let (text, binds) = sql.render();
    let (mut depth, mut quote) = (0i64, None);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            _ => {}
        }
        assert!(depth >= 0, "a `)` before its `(` in {text}");
    }
    assert_eq!((depth, quote), (0, None), "unbalanced: {text}");
    assert_eq!(
        text.matches('$').count(),
        binds.len(),
        "a value that is not bound: {text}"
    );
    assert!(binds.len() <= filter::MAX_BINDS);
}
