#![no_main]

#[path = "../oracles/proto_parser.rs"]
mod oracle;

libfuzzer_sys::fuzz_target!(|data: &[u8]| oracle::check(data));
