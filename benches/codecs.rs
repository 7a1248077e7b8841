//! grpclite's codec throughput: HPACK decoding and encoding over the
//! hpack-test-case stories, and the Protobuf wire encoding and decoding of a
//! representative message. Medians of 31 samples after a warm-up.
//!
//! Run: `cargo bench --bench codecs`. The side-by-side comparison with other
//! crates is the separate crate in `benches/compare/` (see benches/README.md).

#[path = "common/mod.rs"]
mod common;

use std::path::Path;

use common::order::Order;
use common::timing::{self, Sampler};
use common::{hpack, stories};
use grpclite::wire::Message;

fn main() {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));

    let encoded = stories::nghttp2(repository);
    hpack::check_decode(&encoded);
    let wire_len: usize = encoded.iter().map(|s| s.wire_len()).sum();
    let [samples] =
        timing::sample_times([Sampler::new(|| (), |()| hpack::decode_stories(&encoded))]);
    let time = timing::median(&samples);
    println!(
        "hpack decode  nghttp2 stories ({} stories, {wire_len} octets): {:>8.1} MB/s, {:>9.1} µs per pass",
        encoded.len(),
        timing::megabytes_per_second(wire_len, time),
        time.as_secs_f64() * 1e6,
    );

    let raw = stories::raw_data(repository);
    let lists = hpack::header_lists(&raw);
    hpack::check_encode(&lists);
    let header_len: usize = raw.iter().map(|s| s.header_len()).sum();
    let output_len: usize = hpack::encoded_blocks(&lists)
        .iter()
        .flatten()
        .map(Vec::len)
        .sum();
    let mut dst = Vec::new();
    let [samples] = timing::sample_times([Sampler::new(
        || (),
        |()| hpack::encode_stories(&lists, &mut dst),
    )]);
    let time = timing::median(&samples);
    println!(
        "hpack encode  raw-data stories ({} stories, {header_len} octets of names and values): {:>8.1} MB/s, {:>9.1} µs per pass, output {:.1}% of input",
        raw.len(),
        timing::megabytes_per_second(header_len, time),
        time.as_secs_f64() * 1e6,
        100.0 * output_len as f64 / header_len as f64,
    );

    let order = Order::sample();
    let bytes = order.encode_to_vec();
    assert_eq!(
        Order::decode(&bytes).as_ref(),
        Ok(&order),
        "Order round-trip"
    );
    let mut buf = Vec::with_capacity(bytes.len());
    let [encode, decode] = timing::sample_times([
        Sampler::new(
            || (),
            |()| {
                buf.clear();
                order.encode(&mut buf);
            },
        ),
        Sampler::new(|| (), |()| Order::decode(&bytes)),
    ]);
    let (encode, decode) = (timing::median(&encode), timing::median(&decode));
    println!(
        "wire   encode Order ({} octets): {:>8.1} ns/op, {:>8.1} MB/s",
        bytes.len(),
        encode.as_secs_f64() * 1e9,
        timing::megabytes_per_second(bytes.len(), encode),
    );
    println!(
        "wire   decode Order ({} octets): {:>8.1} ns/op, {:>8.1} MB/s",
        bytes.len(),
        decode.as_secs_f64() * 1e9,
        timing::megabytes_per_second(bytes.len(), decode),
    );
}
