//! Are these coordinates in Denmark? Catches the commonest editing mistake, latitude and
//! longitude swapped, before PostGIS sees the geometry.

/// Denmark (with Bornholm) in WGS84 degrees, with a margin: west, south, east, north.
pub const DENMARK_LON_LAT: (f64, f64, f64, f64) = (7.5, 54.4, 15.5, 58.0);
/// The same in EPSG:25832 metres (easting, northing), with a margin.
pub const DENMARK_UTM32: (f64, f64, f64, f64) = (380_000.0, 6_020_000.0, 960_000.0, 6_450_000.0);

/// Why a position is not plausible.
#[derive(Debug, Clone, PartialEq)]
pub enum Implausible {
    /// The position fits Denmark once its two numbers are swapped.
    Swapped { index: usize },
    /// The position lies outside Denmark.
    Outside { index: usize },
}

/// Checks positions (x, y in the given CRS's axis order, already x-first) against Denmark.
/// `geographic` says whether they are WGS84 degrees or EPSG:25832 metres.
pub fn check(positions: &[(f64, f64)], geographic: bool) -> Result<(), Implausible> {
    let (w, s, e, n) = if geographic {
        DENMARK_LON_LAT
    } else {
        DENMARK_UTM32
    };
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
        assert_eq!(check(&[(12.2867, 55.7519)], true), Ok(()));
        assert_eq!(
            check(&[(12.2867, 55.7519), (55.7519, 12.2867)], true),
            Err(Implausible::Swapped { index: 1 })
        );
        assert_eq!(
            check(&[(2.35, 48.85)], true),
            Err(Implausible::Outside { index: 0 })
        );
        assert_eq!(check(&[(706251.0, 6183364.0)], false), Ok(()));
        assert_eq!(
            check(&[(12.2867, 55.7519)], false),
            Err(Implausible::Outside { index: 0 })
        );
    }
}
