//! plotline: tracks the plots and buildings of Ballerup's development areas (Kildedal and
//! Lautrup) on PostGIS, and serves them as GeoJSON.
//!
//! Geometry is stored in EPSG:25832 (ETRS89 / UTM 32N, metres) and served in WGS84 (RFC 7946).

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod edit;
pub mod error;
pub mod export;
pub mod filter;
pub mod geo;
pub mod http;
pub mod import;
pub mod ogc;
pub mod schema;
pub mod tiles;

pub use error::{Error, Result};
pub use http::{app, AppState};

/// The schema migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
