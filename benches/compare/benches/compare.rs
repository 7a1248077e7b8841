//! grpclite's codecs side by side with other crates, in one table:
//! HPACK decoding and encoding against httlib-hpack, Protobuf wire encoding
//! and decoding against prost. Both sides get the same inputs, and each pair
//! is checked to compute the same result before it is timed.
//!
//! Run: `cargo bench --manifest-path benches/compare/Cargo.toml`.

#[path = "../../common/mod.rs"]
mod common;

use std::path::Path;
use std::time::Duration;

use common::order::{LineItem, Order};
use common::stories::{Field, Story};
use common::timing::{self, Sampler};
use common::{hpack, stories};
use grpclite::wire::Message as _;

/// The same messages as `common::order`, declared for prost by hand as
/// prost-build would generate them.
mod prost_order {
    use std::collections::BTreeMap;

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct LineItem {
        #[prost(string, tag = "1")]
        pub sku: String,
        #[prost(uint32, tag = "2")]
        pub quantity: u32,
        #[prost(int64, tag = "3")]
        pub unit_price_micros: i64,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum OrderStatus {
        Unspecified = 0,
        Paid = 1,
        Shipped = 2,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Order {
        #[prost(string, tag = "1")]
        pub id: String,
        #[prost(string, tag = "2")]
        pub customer_email: String,
        #[prost(int32, tag = "3")]
        pub priority: i32,
        #[prost(int64, tag = "4")]
        pub created_unix_ms: i64,
        #[prost(uint64, tag = "5")]
        pub total_micros: u64,
        #[prost(sint64, tag = "6")]
        pub balance_delta_micros: i64,
        #[prost(sint32, tag = "7")]
        pub timezone_offset_minutes: i32,
        #[prost(bool, tag = "8")]
        pub gift: bool,
        #[prost(bool, tag = "9")]
        pub express: bool,
        #[prost(enumeration = "OrderStatus", tag = "10")]
        pub status: i32,
        #[prost(int32, repeated, tag = "11")]
        pub warehouse_ids: Vec<i32>,
        #[prost(message, repeated, tag = "12")]
        pub items: Vec<LineItem>,
        #[prost(bytes = "vec", tag = "13")]
        pub signature: Vec<u8>,
        #[prost(btree_map = "string, string", tag = "14")]
        pub labels: BTreeMap<String, String>,
        #[prost(string, tag = "15")]
        pub note: String,
    }
}

fn to_prost(order: &Order) -> prost_order::Order {
    let item = |item: &LineItem| prost_order::LineItem {
        sku: item.sku.clone(),
        quantity: item.quantity,
        unit_price_micros: item.unit_price_micros,
    };
    prost_order::Order {
        id: order.id.clone(),
        customer_email: order.customer_email.clone(),
        priority: order.priority,
        created_unix_ms: order.created_unix_ms,
        total_micros: order.total_micros,
        balance_delta_micros: order.balance_delta_micros,
        timezone_offset_minutes: order.timezone_offset_minutes,
        gift: order.gift,
        express: order.express,
        status: order.status,
        warehouse_ids: order.warehouse_ids.clone(),
        items: order.items.iter().map(item).collect(),
        signature: order.signature.clone(),
        labels: order.labels.clone(),
        note: order.note.clone(),
    }
}

/// httlib-hpack's decoder at HTTP/2's initial table size.
fn httlib_decoder() -> httlib_hpack::Decoder<'static> {
    httlib_hpack::Decoder::with_dynamic_size(4096)
}

/// Every story's header lists as httlib-hpack decodes them.
fn httlib_decoded_lists(stories: &[Story]) -> Vec<Vec<Field>> {
    let mut lists = Vec::new();
    for story in stories {
        let mut decoder = httlib_decoder();
        for case in &story.cases {
            let mut block = case.wire.clone();
            let mut out = Vec::new();
            if let Err(e) = decoder.decode(&mut block, &mut out) {
                panic!("httlib-hpack: {}: {e:?}", story.name);
            }
            lists.push(out.into_iter().map(|(n, v, _)| (n, v)).collect());
        }
    }
    lists
}

/// The timed httlib-hpack decoding: its decoder consumes the block from an
/// owned vector, so copies of the blocks are made (untimed) before each pass.
fn httlib_decode_stories(blocks: Vec<Vec<Vec<u8>>>) -> usize {
    let mut fields = 0;
    let mut out = Vec::new();
    for story in blocks {
        let mut decoder = httlib_decoder();
        for mut block in story {
            out.clear();
            if let Err(e) = decoder.decode(&mut block, &mut out) {
                panic!("httlib-hpack: {e:?}");
            }
            fields += out.len();
        }
    }
    fields
}

/// httlib-hpack's encoder flags tried for its best settings: Huffman-coded
/// names and values (0x1 | 0x2), added to the table (0x4), the best
/// representation the tables allow (0x10); and the same without Huffman.
const HTTLIB_FLAGS: [u8; 2] = [0x17, 0x14];

/// httlib-hpack takes each field as owned vectors; copies are made untimed.
type HttlibLists = Vec<Vec<Vec<(Vec<u8>, Vec<u8>)>>>;

fn httlib_inputs(stories: &[Story]) -> HttlibLists {
    stories
        .iter()
        .map(|story| story.cases.iter().map(|c| c.headers.clone()).collect())
        .collect()
}

/// Encodes every story's lists in order, one encoder per story, each block
/// into `dst` after clearing it; returns the octets written. With `blocks`,
/// also keeps each block.
fn httlib_encode_stories(
    stories: HttlibLists,
    flags: u8,
    dst: &mut Vec<u8>,
    mut blocks: Option<&mut Vec<Vec<Vec<u8>>>>,
) -> usize {
    let mut written = 0;
    for story in stories {
        let mut encoder = httlib_hpack::Encoder::with_dynamic_size(4096);
        let mut story_blocks = Vec::new();
        for list in story {
            dst.clear();
            for (name, value) in list {
                if let Err(e) = encoder.encode((name, value, flags), dst) {
                    panic!("httlib-hpack: {e:?}");
                }
            }
            written += dst.len();
            if blocks.is_some() {
                story_blocks.push(dst.clone());
            }
        }
        if let Some(blocks) = blocks.as_deref_mut() {
            blocks.push(story_blocks);
        }
    }
    written
}

/// Checks httlib-hpack's blocks by decoding them with grpclite's decoder,
/// which the decode check showed agrees with httlib-hpack's.
fn check_httlib_encode(raw: &[Story], blocks: Vec<Vec<Vec<u8>>>) {
    let encoded: Vec<Story> = raw
        .iter()
        .zip(blocks)
        .map(|(story, blocks)| Story {
            name: story.name.clone(),
            cases: story
                .cases
                .iter()
                .zip(blocks)
                .map(|(case, wire)| common::stories::Case {
                    wire,
                    headers: case.headers.clone(),
                })
                .collect(),
        })
        .collect();
    hpack::check_decode(&encoded);
}

/// One line of the table.
struct Row {
    what: &'static str,
    unit: &'static str,
    ours: f64,
    theirs: f64,
    /// How many times less time grpclite took (the median of paired
    /// sample ratios; for the size row, their output over ours): above 1
    /// means grpclite is better.
    advantage: f64,
    goal: String,
    met: bool,
}

/// The median over sample pairs of `theirs[i] / ours[i]`: how many times
/// less time grpclite took, with each pair taken under the same load.
fn paired_speedup(ours: &[Duration], theirs: &[Duration]) -> f64 {
    let mut ratios: Vec<f64> = ours
        .iter()
        .zip(theirs)
        .map(|(ours, theirs)| theirs.as_secs_f64() / ours.as_secs_f64())
        .collect();
    ratios.sort_unstable_by(f64::total_cmp);
    ratios.get(ratios.len() / 2).copied().unwrap_or(f64::NAN)
}

fn throughput_row(
    what: &'static str,
    bytes: usize,
    ours: &[Duration],
    theirs: &[Duration],
    goal: f64,
) -> Row {
    let advantage = paired_speedup(ours, theirs);
    Row {
        what,
        unit: "MB/s",
        ours: timing::megabytes_per_second(bytes, timing::median(ours)),
        theirs: timing::megabytes_per_second(bytes, timing::median(theirs)),
        advantage,
        goal: format!(">= {goal}x"),
        met: advantage >= goal,
    }
}

fn time_row(what: &'static str, ours: &[Duration], theirs: &[Duration]) -> Row {
    let advantage = paired_speedup(ours, theirs);
    Row {
        what,
        unit: "ns/op",
        ours: timing::median(ours).as_secs_f64() * 1e9,
        theirs: timing::median(theirs).as_secs_f64() * 1e9,
        advantage,
        goal: ">= 1x".to_string(),
        met: advantage >= 1.0,
    }
}

fn main() {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut rows = Vec::new();

    // HPACK decoding: nghttp2 stories, one decoder per story.
    let encoded = stories::nghttp2(&repository);
    hpack::check_decode(&encoded);
    assert!(
        httlib_decoded_lists(&encoded) == hpack::decoded_lists(&encoded),
        "grpclite and httlib-hpack decode different header lists"
    );
    let wire_len: usize = encoded.iter().map(Story::wire_len).sum();
    let blocks = || -> Vec<Vec<Vec<u8>>> {
        encoded
            .iter()
            .map(|s| s.cases.iter().map(|c| c.wire.clone()).collect())
            .collect()
    };
    let [ours, theirs] = timing::sample_times([
        Sampler::new(|| (), |()| hpack::decode_stories(&encoded)),
        Sampler::new(blocks, httlib_decode_stories),
    ]);
    rows.push(throughput_row(
        "HPACK decode, nghttp2 stories",
        wire_len,
        &ours,
        &theirs,
        3.0,
    ));

    // HPACK encoding: raw-data stories, one encoder per story.
    let raw = stories::raw_data(&repository);
    let header_len: usize = raw.iter().map(Story::header_len).sum();
    let lists = hpack::header_lists(&raw);
    hpack::check_encode(&lists);
    let our_output: usize = hpack::encoded_blocks(&lists)
        .iter()
        .flatten()
        .map(Vec::len)
        .sum();
    let mut dst = Vec::new();
    let (flags, their_output) = HTTLIB_FLAGS
        .into_iter()
        .map(|flags| {
            let mut blocks = Vec::new();
            let written =
                httlib_encode_stories(httlib_inputs(&raw), flags, &mut dst, Some(&mut blocks));
            check_httlib_encode(&raw, blocks);
            (flags, written)
        })
        .min_by_key(|&(_, written)| written)
        .expect("flags to try");
    let (mut our_dst, mut their_dst) = (Vec::new(), Vec::new());
    let [ours, theirs] = timing::sample_times([
        Sampler::new(|| (), |()| hpack::encode_stories(&lists, &mut our_dst)),
        Sampler::new(
            || httlib_inputs(&raw),
            |inputs| httlib_encode_stories(inputs, flags, &mut their_dst, None),
        ),
    ]);
    rows.push(throughput_row(
        "HPACK encode, raw-data stories",
        header_len,
        &ours,
        &theirs,
        1.0,
    ));
    let (our_ratio, their_ratio) = (
        100.0 * our_output as f64 / header_len as f64,
        100.0 * their_output as f64 / header_len as f64,
    );
    rows.push(Row {
        what: "HPACK encode, output / input",
        unit: "%",
        ours: our_ratio,
        theirs: their_ratio,
        advantage: their_ratio / our_ratio,
        goal: "<= 31.5%".to_string(),
        met: our_ratio <= 31.5,
    });

    // Protobuf wire: the same message, byte for byte.
    let order = Order::sample();
    let prost_order = to_prost(&order);
    let bytes = order.encode_to_vec();
    assert!(
        prost::Message::encode_to_vec(&prost_order) == bytes,
        "grpclite and prost encode the Order differently"
    );
    assert!(
        Order::decode(&bytes).as_ref() == Ok(&order),
        "grpclite round-trip"
    );
    assert!(
        <prost_order::Order as prost::Message>::decode(&bytes[..]).as_ref() == Ok(&prost_order),
        "prost round-trip"
    );
    let mut our_buf = Vec::with_capacity(bytes.len());
    let mut their_buf = Vec::with_capacity(bytes.len());
    let [ours, theirs] = timing::sample_times([
        Sampler::new(
            || (),
            |()| {
                our_buf.clear();
                order.encode(&mut our_buf);
            },
        ),
        Sampler::new(
            || (),
            |()| {
                their_buf.clear();
                prost::Message::encode(&prost_order, &mut their_buf)
            },
        ),
    ]);
    rows.push(time_row("wire encode, Order", &ours, &theirs));
    let [ours, theirs] = timing::sample_times([
        Sampler::new(|| (), |()| Order::decode(&bytes)),
        Sampler::new(
            || (),
            |()| <prost_order::Order as prost::Message>::decode(&bytes[..]),
        ),
    ]);
    rows.push(time_row("wire decode, Order", &ours, &theirs));

    println!(
        "inputs: nghttp2 {} stories, {wire_len} octets of blocks; raw-data {} stories, \
         {header_len} octets of names and values; Order {} octets",
        encoded.len(),
        raw.len(),
        bytes.len()
    );
    println!(
        "httlib-hpack encoder flags: {flags:#04x}; medians of {} samples; the two sides' samples \
         taken alternately, \"vs other\" is the median of their pairwise ratios",
        timing::SAMPLES
    );
    println!();
    println!(
        "| {:<30} | {:<5} | {:>10} | {:>10} | {:>8} | {:<8} | {:<4} |",
        "measurement", "unit", "grpclite", "other", "vs other", "goal", "met"
    );
    println!(
        "|{:-<32}|{:-<7}|{:->12}|{:->12}|{:->10}|{:-<10}|{:-<6}|",
        "", "", "", "", "", "", ""
    );
    for row in &rows {
        println!(
            "| {:<30} | {:<5} | {:>10.1} | {:>10.1} | {:>7.2}x | {:<8} | {:<4} |",
            row.what,
            row.unit,
            row.ours,
            row.theirs,
            row.advantage,
            row.goal,
            if row.met { "yes" } else { "NO" }
        );
    }
    println!();
    println!("other: httlib-hpack for HPACK, prost for wire; \"vs other\" above 1 means grpclite is better");
}
