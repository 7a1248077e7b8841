//! Generated message oracle: arbitrary bytes never panic the decoder of a
//! generated type (the interop `StreamingOutputCallRequest`: nested messages,
//! repeated messages, enums, bytes); whatever decodes re-encodes to bytes
//! that decode to the same value, with `encoded_len` matching. Values are
//! compared through their encoding, since a NaN field never equals itself.

use grpclite::proto::grpc::testing::StreamingOutputCallRequest;
use grpclite::wire::Message;

pub fn check(data: &[u8]) {
    let Ok(message) = StreamingOutputCallRequest::decode(data) else {
        return;
    };
    let encoded = message.encode_to_vec();
    assert_eq!(
        message.encoded_len(),
        encoded.len(),
        "encoded_len disagrees"
    );
    let again = StreamingOutputCallRequest::decode(&encoded).expect("our own encoding decodes");
    assert_eq!(
        encoded,
        again.encode_to_vec(),
        "round trip changed the message"
    );
}
