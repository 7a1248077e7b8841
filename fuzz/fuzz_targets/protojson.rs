#![no_main]

#[path = "../oracles/protojson.rs"]
mod oracle;

libfuzzer_sys::fuzz_target!(|data: &[u8]| oracle::check(data));
