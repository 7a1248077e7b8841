//! HPACK decoder oracle: arbitrary bytes never panic the decoder; whatever
//! decodes re-encodes (with our encoder) to a block that decodes to the same
//! header list (names, values, and the never-indexed marks).

use grpclite::hpack::{Decoder, DecoderConfig, Encoder, EncoderConfig, Header};

pub fn check(data: &[u8]) {
    let mut decoder = Decoder::new(DecoderConfig::default());
    // Two blocks from one input: the second sees the dynamic table the first left.
    let split = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    let (first, second) = data.split_at(split);
    let mut encoder = Encoder::new(EncoderConfig::default());
    let mut redecoder = Decoder::new(DecoderConfig::default());
    for block in [first, second] {
        let mut headers: Vec<Header> = Vec::new();
        if decoder.decode(block, &mut headers).is_err() {
            return;
        }
        let mut encoded = Vec::new();
        encoder.encode(&headers, &mut encoded);
        let mut again = Vec::new();
        redecoder
            .decode(&encoded, &mut again)
            .expect("our own encoding must decode");
        // Names and values survive exactly; a field that arrived never-indexed
        // stays so (§7.1.3), and the encoder may add that mark to its own
        // sensitive fields (cookie, authorization).
        assert_eq!(
            headers.len(),
            again.len(),
            "round trip changed the field count"
        );
        for (sent, back) in headers.iter().zip(&again) {
            assert_eq!((&sent.name, &sent.value), (&back.name, &back.value));
            assert!(
                !sent.sensitive || back.sensitive,
                "lost the never-indexed mark"
            );
        }
    }
}
