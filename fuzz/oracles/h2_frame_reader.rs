//! HTTP/2 frame reader oracle: arbitrary bytes, in arbitrary chunks, never
//! panic the reader; every frame it accepts re-encodes to bytes that read
//! back as the same frame.

use bytes::Bytes;
use grpclite::h2::frame::{Frame, FrameReader};

/// Largest SETTINGS_MAX_FRAME_SIZE (RFC 9113 §6.5.2), so re-encoded frames always fit.
const MAX_FRAME_SIZE: u32 = 16_777_215;

pub fn check(data: &[u8]) {
    let Some((&chunk_seed, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk_seed % 64) + 1;
    let mut reader = FrameReader::new(16_384);
    for piece in rest.chunks(chunk) {
        let mut input = piece;
        loop {
            match reader.read(&mut input) {
                Ok(Some(frame)) => round_trip(&frame),
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
}

fn round_trip(frame: &Frame) {
    let mut encoded = Vec::new();
    frame.encode(&mut encoded);
    let mut again = FrameReader::new(MAX_FRAME_SIZE);
    let mut input = Bytes::from(encoded);
    let read = again
        .read_bytes(&mut input)
        .expect("our own encoding must parse");
    assert_eq!(read.as_ref(), Some(frame), "round trip changed the frame");
    assert!(input.is_empty(), "encoding carried trailing bytes");
}
