#![no_main]

#[path = "../oracles/h2_client_connection.rs"]
mod oracle;

libfuzzer_sys::fuzz_target!(|data: &[u8]| oracle::check(data));
