//! Are these coordinates in Denmark? Catches the commonest editing mistake, latitude and
//! longitude swapped, before PostGIS sees the geometry.

/// Denmark (with Bornholm) in WGS84 degrees, with a margin: west, south, east, north.
pub const DENMARK_LON_LAT: (f64, f64, f64, f64) = (7.5, 54.4, 15.5, 58.0);
/// The same in EPSG:25832 metres (easting, northing), with a margin.
pub const DENMARK_UTM32: (f64, f64, f64, f64) = (380_000.0, 6_020_000.0, 960_000.0, 6_450_000.0);
/// The same in EPSG:3857 (Web Mercator) metres: the degrees above projected.
pub const DENMARK_WEB_MERCATOR: (f64, f64, f64, f64) =
    (834_000.0, 7_246_000.0, 1_726_000.0, 7_968_000.0);

/// The coordinate space positions are written in, x first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    /// WGS84 longitude, latitude in degrees (CRS84, EPSG:4326 once swapped).
    Wgs84Degrees,
    /// ETRS89 / UTM 32N (EPSG:25832) easting, northing in metres.
    Utm32Metres,
    /// Web Mercator (EPSG:3857) metres.
    WebMercatorMetres,
}

impl Space {
    /// The coordinate space of an SRID plotline accepts, if it is one.
    pub fn of_srid(srid: i32) -> Option<Space> {
        match srid {
            4326 => Some(Space::Wgs84Degrees),
            25832 => Some(Space::Utm32Metres),
            3857 => Some(Space::WebMercatorMetres),
            _ => None,
        }
    }

    /// Denmark in this space, with a margin: west, south, east, north.
    pub fn denmark(self) -> (f64, f64, f64, f64) {
        match self {
            Space::Wgs84Degrees => DENMARK_LON_LAT,
            Space::Utm32Metres => DENMARK_UTM32,
            Space::WebMercatorMetres => DENMARK_WEB_MERCATOR,
        }
    }
}

/// Why a position is not plausible.
#[derive(Debug, Clone, PartialEq)]
pub enum Implausible {
    /// The position fits Denmark once its two numbers are swapped.
    Swapped { index: usize },
    /// The position lies outside Denmark.
    Outside { index: usize },
}

/// Checks positions (x first) in `space` against Denmark. NaN and infinite numbers are
/// outside.
pub fn check(positions: &[(f64, f64)], space: Space) -> Result<(), Implausible> {
    let (w, s, e, n) = space.denmark();
    let inside = |x: f64, y: f64| (w..=e).contains(&x) && (s..=n).contains(&y);
    for (index, &(x, y)) in positions.iter().enumerate() {
        if !inside(x, y) {
            return Err(if inside(y, x) {
                Implausible::Swapped { index }
            } else {
                Implausible::Outside { index }
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ballerup_is_plausible_and_swapped_is_caught() {
        use Space::*;
        assert_eq!(check(&[(12.2867, 55.7519)], Wgs84Degrees), Ok(()));
        assert_eq!(
            check(&[(12.2867, 55.7519), (55.7519, 12.2867)], Wgs84Degrees),
            Err(Implausible::Swapped { index: 1 })
        );
        assert_eq!(
            check(&[(2.35, 48.85)], Wgs84Degrees),
            Err(Implausible::Outside { index: 0 })
        );
        assert_eq!(check(&[(706251.0, 6183364.0)], Utm32Metres), Ok(()));
        assert_eq!(
            check(&[(12.2867, 55.7519)], Utm32Metres),
            Err(Implausible::Outside { index: 0 })
        );
        // Ballerup in Web Mercator.
        assert_eq!(
            check(&[(1_367_700.0, 7_509_000.0)], WebMercatorMetres),
            Ok(())
        );
        assert_eq!(
            check(&[(f64::NAN, 55.0), (f64::INFINITY, 55.0)], Wgs84Degrees),
            Err(Implausible::Outside { index: 0 })
        );
    }
}
