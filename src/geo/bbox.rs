//! The `bbox` query parameter: a box in WGS84 longitude/latitude.

/// A bounding box in WGS84 degrees: west, south, east, north.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BboxWgs84 {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BboxWgs84 {
    /// Parses `minLon,minLat,maxLon,maxLat` (or six numbers with heights, which are ignored),
    /// as RFC 7946 and OGC API – Features write it. The error says what is wrong.
    pub fn parse(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let numbers = parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                p.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| format!("value {} (`{p}`) is not a number", i + 1))
            })
            .collect::<Result<Vec<f64>, String>>()?;
        let (min_lon, min_lat, max_lon, max_lat) = match numbers[..] {
            [a, b, c, d] => (a, b, c, d),
            [a, b, _, d, e, _] => (a, b, d, e),
            _ => {
                return Err(format!(
                    "expected 4 numbers `minLon,minLat,maxLon,maxLat` (or 6 with heights), got {}",
                    numbers.len()
                ))
            }
        };
        for (name, lon) in [("minLon", min_lon), ("maxLon", max_lon)] {
            if !(-180.0..=180.0).contains(&lon) {
                return Err(format!("{name} {lon} is outside -180..180"));
            }
        }
        for (name, lat) in [("minLat", min_lat), ("maxLat", max_lat)] {
            if !(-90.0..=90.0).contains(&lat) {
                return Err(format!("{name} {lat} is outside -90..90"));
            }
        }
        if min_lat > max_lat {
            return Err(format!("minLat {min_lat} is greater than maxLat {max_lat}"));
        }
        if min_lon > max_lon {
            return Err(format!(
                "minLon {min_lon} is greater than maxLon {max_lon} (boxes across the antimeridian are not supported)"
            ));
        }
        Ok(BboxWgs84 {
            min_lon,
            min_lat,
            max_lon,
            max_lat,
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
    }
}
