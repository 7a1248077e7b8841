#![no_main]

#[path = "../oracles/json_reader.rs"]
mod oracle;

libfuzzer_sys::fuzz_target!(|data: &[u8]| oracle::check(data));
