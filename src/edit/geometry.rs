//! Typed GeoJSON input: a write's or an import's geometry parsed with `geojson` into a
//! `geo` polygon, and the cheap checks made before the database round trip (type, ring count,
//! vertex count, closed rings, finite coordinates inside Denmark). PostGIS then checks
//! validity, overlaps and containment (see `store`).

use geo::CoordsIter;
use serde_json::{json, Value};

use crate::domain::plausibility::{self, Implausible, Space};
use crate::geo::Crs;
use crate::{Error, Result};

/// The most positions one outline may have (all its rings together). The Ballerup outlines
/// have under 50; a surveyed plot a few hundred.
pub const MAX_VERTICES: usize = 10_000;
/// The most rings one outline may have (the exterior and its holes).
pub const MAX_RINGS: usize = 100;

/// A checked outline: a polygon in the CRS it was sent in, x first, and that CRS's SRID.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    polygon: geo::Polygon<f64>,
    srid: i32,
}

impl Outline {
    /// Parses a GeoJSON geometry (a JSON value) sent in `crs` and checks it; 422 naming
    /// `geometry` and what is wrong.
    pub fn from_json(value: &Value, crs: Crs) -> Result<Outline> {
        if value.is_null() {
            return Err(Error::unprocessable("geometry", "the geometry is missing"));
        }
        let geometry: geojson::Geometry = serde_json::from_value(value.clone()).map_err(|e| {
            Error::unprocessable("geometry", format!("not a GeoJSON geometry: {e}"))
        })?;
        Outline::from_geojson(&geometry, crs)
    }

    /// Parses GeoJSON geometry text (as GDAL writes it) in `crs` and checks it.
    pub fn from_text(text: &str, crs: Crs) -> Result<Outline> {
        let geometry: geojson::Geometry = text.parse().map_err(|e| {
            Error::unprocessable("geometry", format!("not a GeoJSON geometry: {e}"))
        })?;
        Outline::from_geojson(&geometry, crs)
    }

    /// Checks a parsed geometry sent in `crs`.
    pub fn from_geojson(geometry: &geojson::Geometry, crs: Crs) -> Result<Outline> {
        let rings = match &geometry.value {
            geojson::GeometryValue::Polygon { coordinates } => coordinates,
            other => {
                return Err(Error::unprocessable(
                    "geometry",
                    format!("the geometry must be a Polygon, not {}", other.type_name()),
                ))
            }
        };
        check_counts(rings.len(), rings.iter().map(Vec::len).sum())?;
        let mut xy_rings = Vec::with_capacity(rings.len());
        for (r, ring) in rings.iter().enumerate() {
            if ring.len() < 4 {
                return Err(Error::unprocessable(
                    "geometry",
                    format!(
                        "ring {r} has {} positions; a ring needs at least 4",
                        ring.len()
                    ),
                ));
            }
            let mut xy = Vec::with_capacity(ring.len());
            for (i, p) in ring.iter().enumerate() {
                if p.len() < 2 || !p[0].is_finite() || !p[1].is_finite() {
                    return Err(Error::unprocessable(
                        "geometry",
                        format!("position {i} of ring {r} is not [x, y] with finite numbers"),
                    ));
                }
                // EPSG:4326 is latitude first; everything downstream is x first.
                xy.push(if crs.lat_lon() {
                    (p[1], p[0])
                } else {
                    (p[0], p[1])
                });
            }
            if xy.first() != xy.last() {
                return Err(Error::unprocessable(
                    "geometry",
                    format!("ring {r} is not closed: its last position must repeat its first"),
                ));
            }
            check_plausible(&xy, r, crs)?;
            xy_rings.push(geo::LineString::from(xy));
        }
        let exterior = xy_rings.remove(0);
        Ok(Outline {
            polygon: geo::Polygon::new(exterior, xy_rings),
            srid: crs.srid(),
        })
    }

    /// The outline as GeoJSON geometry text, x first, for PostGIS's `ST_GeomFromGeoJSON`.
    pub fn geojson_text(&self) -> String {
        geojson::Geometry::new(geojson::GeometryValue::from(&self.polygon)).to_string()
    }

    /// The SRID of its coordinates.
    pub fn srid(&self) -> i32 {
        self.srid
    }

    /// How many positions it has.
    pub fn vertex_count(&self) -> usize {
        self.polygon.coords_count()
    }
}

fn check_counts(rings: usize, vertices: usize) -> Result<()> {
    if rings == 0 {
        return Err(Error::unprocessable("geometry", "the Polygon has no rings"));
    }
    if rings > MAX_RINGS {
        return Err(Error::unprocessable(
            "geometry",
            format!("the outline has {rings} rings; at most {MAX_RINGS} are accepted"),
        )
        .with_details(json!({ "maximum": MAX_RINGS })));
    }
    if vertices > MAX_VERTICES {
        return Err(Error::unprocessable(
            "geometry",
            format!(
                "the outline has {vertices} positions; at most {MAX_VERTICES} per geometry are accepted (simplify it first)"
            ),
        )
        .with_details(json!({ "maximum": MAX_VERTICES })));
    }
    Ok(())
}

/// Every position inside Denmark in the sent CRS; a swapped latitude/longitude is named.
fn check_plausible(xy: &[(f64, f64)], r: usize, crs: Crs) -> Result<()> {
    let Some(space) = Space::of_srid(crs.srid()) else {
        return Ok(());
    };
    let (index, swapped) = match plausibility::check(xy, space) {
        Ok(()) => return Ok(()),
        Err(Implausible::Swapped { index }) => (index, true),
        Err(Implausible::Outside { index }) => (index, false),
    };
    let (x, y) = xy[index];
    let message = if swapped {
        format!("position {index} of ring {r} ({x}, {y}) lies outside Denmark but inside it with its numbers swapped: GeoJSON is longitude first")
    } else {
        format!(
            "position {index} of ring {r} ({x}, {y}) lies outside Denmark ({})",
            crs.uri()
        )
    };
    Err(Error::unprocessable("geometry", message).with_details(json!({ "location": [x, y] })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, d: f64) -> Value {
        json!({ "type": "Polygon", "coordinates": [[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]] })
    }

    fn message(r: Result<Outline>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn swapped_coordinates_are_caught() {
        let swapped = json!({ "type": "Polygon", "coordinates": [[[55.75, 12.28], [55.75, 12.29], [55.76, 12.29], [55.75, 12.28]]] });
        assert!(message(Outline::from_json(&swapped, Crs::Crs84)).contains("swapped"));
        // The same positions are right in EPSG:4326, which is latitude first.
        let outline = Outline::from_json(&swapped, Crs::Epsg4326).unwrap();
        assert!(outline.geojson_text().contains("[12.28,55.75]"));
    }

    #[test]
    fn cheap_checks_come_before_the_database() {
        assert!(Outline::from_json(&square(12.28, 55.75, 0.001), Crs::Crs84).is_ok());
        assert!(Outline::from_json(&square(706_000.0, 6_183_000.0, 20.0), Crs::Epsg25832).is_ok());
        assert!(Outline::from_json(&square(1_367_700.0, 7_509_000.0, 20.0), Crs::Epsg3857).is_ok());
        let point = json!({ "type": "Point", "coordinates": [12.28, 55.75] });
        assert!(message(Outline::from_json(&point, Crs::Crs84)).contains("not Point"));
        let open = json!({ "type": "Polygon", "coordinates": [[[12.28, 55.75], [12.29, 55.75], [12.29, 55.76], [12.28, 55.76]]] });
        assert!(message(Outline::from_json(&open, Crs::Crs84)).contains("not closed"));
        let outside = square(2.35, 48.85, 0.01);
        assert!(message(Outline::from_json(&outside, Crs::Crs84)).contains("outside Denmark"));
        assert!(message(Outline::from_json(&Value::Null, Crs::Crs84)).contains("missing"));
        let texty = json!({ "type": "Polygon", "coordinates": [[["a", 1]]] });
        assert!(message(Outline::from_json(&texty, Crs::Crs84)).contains("GeoJSON"));
    }

    #[test]
    fn too_many_vertices_or_rings_are_refused() {
        let n = MAX_VERTICES + 1;
        let mut ring: Vec<Value> = (0..n - 1)
            .map(|i| {
                let a = i as f64 / (n - 1) as f64 * std::f64::consts::TAU;
                json!([12.28 + 0.001 * a.cos(), 55.75 + 0.001 * a.sin()])
            })
            .collect();
        ring.push(ring[0].clone());
        let big = json!({ "type": "Polygon", "coordinates": [ring] });
        let err = Outline::from_json(&big, Crs::Crs84).unwrap_err();
        assert!(err.to_string().contains("10000"), "{err}");
        let many = json!({ "type": "Polygon", "coordinates": vec![square(12.28, 55.75, 0.001)["coordinates"][0].clone(); MAX_RINGS + 1] });
        assert!(message(Outline::from_json(&many, Crs::Crs84)).contains("rings"));
        let ok = Outline::from_json(&square(12.28, 55.75, 0.001), Crs::Crs84).unwrap();
        assert_eq!(ok.vertex_count(), 5);
    }
}
