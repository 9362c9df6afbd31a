//! Boxes: the `bbox` parameters and CQL2 `BBOX` literals, read by one parser, and the one rule
//! for turning a box or geometry into storage coordinates (clamp, densify, transform).

use super::crs::Crs;

/// A box in `crs`, x first (longitude or easting) whatever the CRS's axis order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    /// The lower left corner: x (longitude, easting), y.
    pub min: [f64; 2],
    /// The upper right corner.
    pub max: [f64; 2],
    /// The CRS of the corners.
    pub crs: Crs,
}

/// The names of the four numbers in the order a client writes them.
fn names(crs: Crs) -> [&'static str; 4] {
    match crs {
        Crs::Epsg4326 => ["minLat", "minLon", "maxLat", "maxLon"],
        c if c.geographic() => ["minLon", "minLat", "maxLon", "maxLat"],
        _ => ["minX", "minY", "maxX", "maxY"],
    }
}

impl Bbox {
    /// Parses `a,b,c,d` (or six numbers with heights, which are ignored) in `crs`'s axis order,
    /// as OGC API – Features and RFC 7946 write a bbox. The error says what is wrong.
    pub fn parse(s: &str, crs: Crs) -> Result<Bbox, String> {
        let numbers = s
            .split(',')
            .map(str::trim)
            .enumerate()
            .map(|(i, p)| {
                p.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| format!("value {} (`{p}`) is not a number", i + 1))
            })
            .collect::<Result<Vec<f64>, String>>()?;
        Bbox::from_numbers(&numbers, crs)
    }

    /// A box from 4 numbers (or 6 with heights) in `crs`'s axis order: checked for count,
    /// finiteness, degree ranges and corner order.
    pub fn from_numbers(numbers: &[f64], crs: Crs) -> Result<Bbox, String> {
        let names = names(crs);
        let written = match *numbers {
            [a, b, c, d] => [a, b, c, d],
            [a, b, _, d, e, _] => [a, b, d, e],
            _ => {
                return Err(format!(
                    "expected 4 numbers `{}` (or 6 with heights), got {}",
                    names.join(","),
                    numbers.len()
                ))
            }
        };
        if let Some(v) = numbers.iter().find(|v| !v.is_finite()) {
            return Err(format!("{v} is not a finite number"));
        }
        if crs.geographic() {
            for (name, v) in names.iter().zip(written) {
                let limit = if name.ends_with("Lat") { 90.0 } else { 180.0 };
                if v.abs() > limit {
                    return Err(format!("{name} {v} is outside -{limit}..{limit}"));
                }
            }
        }
        for i in 0..2 {
            if written[i] > written[i + 2] {
                let across = if names[i].ends_with("Lon") {
                    " (boxes across the antimeridian are not supported)"
                } else {
                    ""
                };
                return Err(format!(
                    "{} {} is greater than {} {}{across}",
                    names[i],
                    written[i],
                    names[i + 2],
                    written[i + 2]
                ));
            }
        }
        let [a, b, c, d] = if crs.lat_lon() {
            [written[1], written[0], written[3], written[2]]
        } else {
            written
        };
        Ok(Bbox {
            min: [a, b],
            max: [c, d],
            crs,
        })
    }

    /// The part of the box inside its CRS's area of use; `None` if they do not meet.
    pub fn clamped(self) -> Option<Bbox> {
        let [x0, y0, x1, y1] = self.crs.area_of_use();
        let min = [self.min[0].max(x0), self.min[1].max(y0)];
        let max = [self.max[0].min(x1), self.max[1].min(y1)];
        (min[0] <= max[0] && min[1] <= max[1]).then_some(Bbox { min, max, ..self })
    }

    /// The longest segment (in CRS units) to densify a shape of `vertices` vertices within this
    /// extent to before it is transformed: at most about 180 vertices are added whatever its
    /// size (the added count is below perimeter / step ≤ 1.42 · 128), none to a point.
    pub fn densify_step(&self, vertices: usize) -> Option<f64> {
        let size = (self.max[0] - self.min[0]).max(self.max[1] - self.min[1]);
        let step = size * vertices.max(4) as f64 / 128.0;
        (vertices > 1 && step > 0.0).then_some(step)
    }
}

/// A bounding box in WGS84 degrees: west, south, east, north.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BboxWgs84 {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BboxWgs84 {
    /// Parses `minLon,minLat,maxLon,maxLat` (or six numbers with heights) with [`Bbox::parse`].
    pub fn parse(s: &str) -> Result<Self, String> {
        let b = Bbox::parse(s, Crs::Crs84)?;
        Ok(BboxWgs84 {
            min_lon: b.min[0],
            min_lat: b.min[1],
            max_lon: b.max[0],
            max_lat: b.max[1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_four_and_six_numbers() {
        let b = BboxWgs84::parse("12.28, 55.74,12.30,55.76").unwrap();
        assert_eq!(
            (b.min_lon, b.min_lat, b.max_lon, b.max_lat),
            (12.28, 55.74, 12.30, 55.76)
        );
        let b = BboxWgs84::parse("12.28,55.74,0,12.30,55.76,100").unwrap();
        assert_eq!((b.min_lon, b.max_lat), (12.28, 55.76));
        // EPSG:4326 is written latitude first; the box is kept longitude first.
        let b = Bbox::parse("55,12,56,13", Crs::Epsg4326).unwrap();
        assert_eq!((b.min, b.max), ([12.0, 55.0], [13.0, 56.0]));
        assert!(Bbox::parse("706000,6183000,707000,6184000", Crs::Epsg25832).is_ok());
    }

    #[test]
    fn rejects_nonsense_with_a_reason() {
        assert!(BboxWgs84::parse("1,2,3").unwrap_err().contains("got 3"));
        assert!(BboxWgs84::parse("a,2,3,4").unwrap_err().contains("`a`"));
        assert!(BboxWgs84::parse("1,2,NaN,4")
            .unwrap_err()
            .contains("not a number"));
        assert!(BboxWgs84::parse("1,95,3,96")
            .unwrap_err()
            .contains("-90..90"));
        assert!(BboxWgs84::parse("12,56,13,55")
            .unwrap_err()
            .contains("greater"));
        assert!(BboxWgs84::parse("").is_err());
        let e = Bbox::parse("707000,6183000,706000,6184000", Crs::Epsg25832).unwrap_err();
        assert_eq!(e, "minX 707000 is greater than maxX 706000");
        let e = Bbox::parse("56,12,55,13", Crs::Epsg4326).unwrap_err();
        assert!(e.starts_with("minLat 56 is greater than maxLat 55"), "{e}");
        assert!(Bbox::from_numbers(&[1.0, f64::INFINITY, 2.0, 3.0], Crs::Epsg3857).is_err());
    }

    #[test]
    fn clamps_to_the_area_of_use_and_bounds_the_vertices() {
        let huge = Bbox::parse("0,0,1e9,1e9", Crs::Epsg25832).unwrap();
        let c = huge.clamped().unwrap();
        assert_eq!(
            (c.min, c.max),
            ([0.0, 3_318_000.0], [1_956_000.0, 9_351_000.0])
        );
        // A box: about 4 · 128 / 5 segments whatever its size.
        let step = c.densify_step(5).unwrap();
        assert!((6_033_000.0 * 5.0 / 128.0 - step).abs() < 1.0, "{step}");
        let world = Bbox::parse("-180,-90,180,90", Crs::Crs84).unwrap();
        assert_eq!(world.clamped().unwrap().min, [0.0, 30.0]);
        assert!(Bbox::parse("-170,-80,-160,-70", Crs::Crs84)
            .unwrap()
            .clamped()
            .is_none());
        assert_eq!(world.densify_step(1), None);
    }
}
