//! base64 oracle: arbitrary bytes never panic the decoder; whatever decodes
//! encodes (padded and unpadded) to text that decodes to the same bytes.

use grpclite::base64;

pub fn check(data: &[u8]) {
    let Ok(decoded) = base64::decode(data) else {
        return;
    };
    for text in [base64::encode(&decoded), base64::encode_unpadded(&decoded)] {
        let again = base64::decode(&text).expect("our own encoding must decode");
        assert_eq!(decoded, again, "round trip changed the bytes");
    }
}
