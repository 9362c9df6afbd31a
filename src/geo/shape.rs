//! Cheap checks of a GeoJSON geometry before the database sees it: structure (positions of 2
//! or 3 finite numbers, lines of 2 positions, closed rings of 4), extent and vertex count.

use serde_json::Value as Json;

/// A GeoJSON geometry's extent (x, y as written) and vertex count, checked for structure.
#[derive(Default)]
pub struct Shape {
    /// `[min_x, min_y, max_x, max_y]` in the order the coordinates are written.
    pub extent: [f64; 4],
    /// The number of positions.
    pub vertices: usize,
    dims: usize,
}

impl Shape {
    /// Checks a GeoJSON geometry (nested at most `max_depth` collections deep) and measures it.
    pub fn of(geometry: &Json, max_depth: usize) -> Result<Shape, String> {
        let mut shape = Shape::default();
        shape.geometry(geometry, max_depth)?;
        Ok(shape)
    }

    fn geometry(&mut self, g: &Json, depth: usize) -> Result<(), String> {
        if depth == 0 {
            return Err("the geometry is nested too deeply".into());
        }
        let kind = g["type"].as_str().unwrap_or_default();
        if kind == "GeometryCollection" {
            let members = g["geometries"]
                .as_array()
                .filter(|m| !m.is_empty())
                .ok_or("empty geometries are not supported")?;
            return members.iter().try_for_each(|m| self.geometry(m, depth - 1));
        }
        // Nesting levels of positions: Point 0, LineString/MultiPoint 1, Polygon/MultiLineString 2, MultiPolygon 3.
        let levels = ["Point", "LineString", "Polygon", "MultiPolygon"]
            .iter()
            .position(|k| *k == kind);
        let levels = levels
            .or(["", "MultiPoint", "MultiLineString"]
                .iter()
                .position(|k| *k == kind))
            .unwrap_or(0);
        self.walk(&g["coordinates"], levels, kind)
    }

    fn walk(&mut self, v: &Json, levels: usize, kind: &str) -> Result<(), String> {
        let items = v
            .as_array()
            .filter(|a| !a.is_empty())
            .ok_or("empty geometries are not supported")?;
        if levels == 0 {
            let p: Vec<f64> = items
                .iter()
                .filter_map(Json::as_f64)
                .filter(|c| c.is_finite())
                .collect();
            if p.len() != items.len()
                || !(2..=3).contains(&p.len())
                || (self.dims != 0 && self.dims != p.len())
            {
                return Err("a position needs 2 or 3 finite coordinates, the same number in all positions of a geometry".into());
            }
            let first = self.vertices == 0;
            let e = &mut self.extent;
            *e = if first {
                [p[0], p[1], p[0], p[1]]
            } else {
                [
                    e[0].min(p[0]),
                    e[1].min(p[1]),
                    e[2].max(p[0]),
                    e[3].max(p[1]),
                ]
            };
            (self.dims, self.vertices) = (p.len(), self.vertices + 1);
            return Ok(());
        }
        let ring = levels == 1 && (kind.ends_with("Polygon"));
        if levels == 1 && kind.ends_with("LineString") && items.len() < 2 {
            return Err(format!(
                "a line string needs at least 2 positions, found {}",
                items.len()
            ));
        }
        if ring && (items.len() < 4 || items.first() != items.last()) {
            return Err(format!("a polygon ring must be closed (its last position equal to its first) and have at least 4 positions, found {}", items.len()));
        }
        items
            .iter()
            .try_for_each(|item| self.walk(item, levels - 1, kind))
    }
}
