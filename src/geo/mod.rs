//! Geometry helpers, with units and CRS in their names.

pub mod bbox;
pub mod crs;
pub mod shape;

pub use bbox::{Bbox, BboxWgs84};
pub use crs::Crs;
pub use shape::Shape;

/// ETRS89 / UTM zone 32N: where plotline stores and measures (metres).
pub const STORAGE_SRID: i32 = 25832;

/// WGS84 longitude/latitude, the CRS of GeoJSON (RFC 7946).
pub const WGS84_SRID: i32 = 4326;
