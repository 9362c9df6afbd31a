//! The CRS type of the OGC API lives in `geo`, beside the boxes that use it.

pub use crate::geo::crs::Crs;
