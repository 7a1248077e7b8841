//! Protobuf wire decoder oracle: arbitrary bytes never panic the decoder;
//! whatever decodes as a schema-less message re-encodes to exactly the input,
//! and every length-delimited value that itself decodes as a message (as
//! `protoc --decode_raw` guesses) round-trips the same way, to the depth limit.

use grpclite::wire::{Message, UnknownFields, UnknownValue};

pub fn check(data: &[u8]) {
    check_message(data, 0);
}

fn check_message(data: &[u8], depth: u32) {
    let Ok(fields) = UnknownFields::decode(data) else {
        return;
    };
    let encoded = fields.encode_to_vec();
    assert_eq!(
        encoded, data,
        "schema-less re-encoding differs from the input"
    );
    assert_eq!(fields.encoded_len(), data.len(), "encoded_len disagrees");
    assert_eq!(
        UnknownFields::decode(&encoded).as_ref(),
        Ok(&fields),
        "decoding our own encoding gave another message"
    );
    if depth >= 8 {
        return;
    }
    for field in fields.iter() {
        match field.value {
            UnknownValue::Len(inner) | UnknownValue::Group(inner) => {
                check_message(inner, depth + 1)
            }
            _ => {}
        }
    }
}
