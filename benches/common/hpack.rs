//! grpclite's HPACK over the stories: the routines the benchmarks time, and
//! the checks that they compute the right thing before they are timed.

use grpclite::hpack::{Decoder, DecoderConfig, Encoder, EncoderConfig, Header};

use super::stories::{Field, Story};

/// The largest header list in the stories is far above the 16 KiB a server
/// accepts by default; the benchmark measures decoding, not that limit.
const MAX_HEADER_LIST_SIZE: usize = 1 << 20;

fn decoder() -> Decoder {
    Decoder::new(DecoderConfig {
        max_header_list_size: MAX_HEADER_LIST_SIZE,
        ..DecoderConfig::default()
    })
}

/// Decodes every story's blocks in order, one decoder per story, as the
/// timed routine does; returns the fields decoded. Panics on a decode error.
pub fn decode_stories(stories: &[Story]) -> usize {
    let mut fields = 0;
    let mut out = Vec::new();
    for story in stories {
        let mut decoder = decoder();
        for case in &story.cases {
            out.clear();
            if let Err(e) = decoder.decode(&case.wire, &mut out) {
                panic!("{}: {e}", story.name);
            }
            fields += out.len();
        }
    }
    fields
}

/// Every story's header lists, as grpclite's decoder returns them. Panics on
/// a decode error.
pub fn decoded_lists(stories: &[Story]) -> Vec<Vec<Field>> {
    let mut lists = Vec::new();
    for story in stories {
        let mut decoder = decoder();
        for case in &story.cases {
            let mut out = Vec::new();
            if let Err(e) = decoder.decode(&case.wire, &mut out) {
                panic!("{}: {e}", story.name);
            }
            lists.push(
                out.into_iter()
                    .map(|h| (h.name.to_vec(), h.value.to_vec()))
                    .collect(),
            );
        }
    }
    lists
}

/// Checks that decoding every block gives the story's header list.
pub fn check_decode(stories: &[Story]) {
    let expected = stories.iter().flat_map(|s| &s.cases).map(|c| &c.headers);
    for (i, (got, want)) in decoded_lists(stories).iter().zip(expected).enumerate() {
        assert_eq!(got, want, "grpclite decoded block {i} wrongly");
    }
}

/// Each story's header lists as grpclite headers, built once so that the
/// timed encoding does not copy strings.
pub fn header_lists(stories: &[Story]) -> Vec<Vec<Vec<Header>>> {
    stories
        .iter()
        .map(|story| {
            story
                .cases
                .iter()
                .map(|case| {
                    case.headers
                        .iter()
                        .map(|(name, value)| Header::new(name.clone(), value.clone()))
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Encodes every story's lists in order, one encoder (default settings) per
/// story, each block into `dst` after clearing it; returns the octets
/// written.
pub fn encode_stories(stories: &[Vec<Vec<Header>>], dst: &mut Vec<u8>) -> usize {
    let mut written = 0;
    for story in stories {
        let mut encoder = Encoder::new(EncoderConfig::default());
        for list in story {
            dst.clear();
            encoder.encode(list, dst);
            written += dst.len();
        }
    }
    written
}

/// Every story's blocks as grpclite's encoder writes them, one list per story.
pub fn encoded_blocks(stories: &[Vec<Vec<Header>>]) -> Vec<Vec<Vec<u8>>> {
    stories
        .iter()
        .map(|story| {
            let mut encoder = Encoder::new(EncoderConfig::default());
            story
                .iter()
                .map(|list| {
                    let mut block = Vec::new();
                    encoder.encode(list, &mut block);
                    block
                })
                .collect()
        })
        .collect()
}

/// Checks that grpclite's decoder reads back what its encoder wrote.
pub fn check_encode(stories: &[Vec<Vec<Header>>]) {
    for (story, blocks) in stories.iter().zip(encoded_blocks(stories)) {
        let mut decoder = decoder();
        for (list, block) in story.iter().zip(&blocks) {
            let mut out = Vec::new();
            decoder
                .decode(block, &mut out)
                .expect("grpclite decodes its own blocks");
            let names_values = |h: &[Header]| -> Vec<_> {
                h.iter()
                    .map(|h| (h.name.clone(), h.value.clone()))
                    .collect()
            };
            assert_eq!(
                names_values(&out),
                names_values(list),
                "encoding does not round-trip"
            );
        }
    }
}
