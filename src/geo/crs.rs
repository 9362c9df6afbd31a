//! The coordinate reference systems the OGC API offers (Part 2), with their axis order and the
//! area a box or geometry in them is clamped to before it is transformed to the storage CRS.

/// A CRS a client may ask for with `crs`, `bbox-crs` or `filter-crs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// WGS84 longitude/latitude, the default (OGC:CRS84).
    Crs84,
    /// WGS84 as EPSG defines it: latitude first.
    Epsg4326,
    /// ETRS89 / UTM 32N, the Danish standard and plotline's storage CRS (metres).
    Epsg25832,
    /// Web Mercator (metres, for web maps).
    Epsg3857,
}

impl Crs {
    /// Every CRS offered, the default first.
    pub const ALL: [Crs; 4] = [Crs::Crs84, Crs::Epsg4326, Crs::Epsg25832, Crs::Epsg3857];

    /// The CRS's URI, as the standard writes it.
    pub fn uri(self) -> &'static str {
        match self {
            Crs::Crs84 => "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            Crs::Epsg4326 => "http://www.opengis.net/def/crs/EPSG/0/4326",
            Crs::Epsg25832 => "http://www.opengis.net/def/crs/EPSG/0/25832",
            Crs::Epsg3857 => "http://www.opengis.net/def/crs/EPSG/0/3857",
        }
    }

    /// The PostGIS SRID of its coordinates (CRS84 and EPSG:4326 differ only in axis order).
    pub fn srid(self) -> i32 {
        match self {
            Crs::Crs84 | Crs::Epsg4326 => 4326,
            Crs::Epsg25832 => 25832,
            Crs::Epsg3857 => 3857,
        }
    }

    /// Whether coordinates are written latitude first (EPSG:4326 as EPSG defines it).
    pub fn lat_lon(self) -> bool {
        self == Crs::Epsg4326
    }

    /// Decimals kept in output: about 1 cm either way.
    pub fn decimals(self) -> i32 {
        match self {
            Crs::Crs84 | Crs::Epsg4326 => 7,
            Crs::Epsg25832 | Crs::Epsg3857 => 2,
        }
    }

    /// Decimals kept in exported files, which tools read back and store (a GeoPackage's
    /// doubles): about 0.1 mm either way, so that a round trip moves no vertex by 1 mm.
    pub fn file_decimals(self) -> i32 {
        self.decimals() + 2
    }

    /// Parses a URI (or the short `EPSG:25832` / `CRS84` forms people type).
    pub fn parse(s: &str) -> Option<Crs> {
        let s = s.trim().trim_start_matches('[').trim_end_matches(']');
        Crs::ALL.into_iter().find(|c| {
            c.uri() == s
                || c.uri().replace("http://", "https://") == s
                || match c {
                    Crs::Crs84 => s.eq_ignore_ascii_case("CRS84") || s == "OGC:CRS84",
                    Crs::Epsg4326 => s == "EPSG:4326",
                    Crs::Epsg25832 => s == "EPSG:25832",
                    Crs::Epsg3857 => s == "EPSG:3857",
                }
        })
    }

    /// Whether coordinates are degrees of longitude and latitude.
    pub fn geographic(self) -> bool {
        self.srid() == super::WGS84_SRID
    }

    /// Where coordinates in this CRS can be transformed to EPSG:25832 meaningfully, as
    /// `[min_x, min_y, max_x, max_y]` with x (longitude, easting) first: UTM zone 32N's ETRS89
    /// area with room on every side (0°E–24°E, 30°N–84°N), in this CRS. A box or geometry is
    /// clamped to it before it is densified, so a huge box costs no more than this area does.
    pub fn area_of_use(self) -> [f64; 4] {
        match self {
            Crs::Crs84 | Crs::Epsg4326 => [0.0, 30.0, 24.0, 84.0],
            // The same area, as PostGIS transforms its densified outline.
            Crs::Epsg25832 => [-370_000.0, 3_318_000.0, 1_956_000.0, 9_351_000.0],
            Crs::Epsg3857 => [0.0, 3_503_000.0, 2_672_000.0, 18_808_000.0],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_uris_and_short_forms() {
        for c in Crs::ALL {
            assert_eq!(Crs::parse(c.uri()), Some(c));
        }
        assert_eq!(Crs::parse("EPSG:25832"), Some(Crs::Epsg25832));
        assert_eq!(
            Crs::parse("[http://www.opengis.net/def/crs/OGC/1.3/CRS84]"),
            Some(Crs::Crs84)
        );
        assert_eq!(
            Crs::parse("http://www.opengis.net/def/crs/EPSG/0/2000"),
            None
        );
        assert!(Crs::Epsg4326.lat_lon() && !Crs::Crs84.lat_lon());
        assert!(Crs::Epsg4326.geographic() && !Crs::Epsg3857.geographic());
    }
}
