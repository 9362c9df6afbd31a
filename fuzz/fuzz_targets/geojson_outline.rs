//! Write bodies: GeoJSON features, merge patches and outlines. See `plotline_fuzz::feature_body`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plotline_fuzz::feature_body(data));
