//! CQL2-JSON filters. See `plotline_fuzz::query_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plotline_fuzz::query_json(data));
