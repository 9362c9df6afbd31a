//! Integration tests against a real PostGIS: every test gets its own database (`#[sqlx::test]`
//! creates it from DATABASE_URL and applies the migrations), loads the Ballerup data set through
//! the GDAL importer and drives the router with `oneshot`, no socket needed.

// Tests hold transactions open on purpose, to the end, uncancelled: sqlx's own `begin` is fine here.
#![allow(clippy::disallowed_methods)]

mod analytics;
mod collections;
mod companies;
mod data_set;
mod dgnb;
mod durability;
mod export;
mod filter;
mod fingerplan;
mod hardening;
mod helpers;
mod import;
mod ogc;
mod planners;
mod properties;
mod proximity;
mod replica;
mod routes;
mod rules;
mod schema;
mod stored;
mod tiles;
