//! CQL2-Text filters and the other text query parameters (bbox, datetime, property equality). See `plotline_fuzz::query_text`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plotline_fuzz::query_text(data));
