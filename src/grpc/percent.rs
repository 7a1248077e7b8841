//! Percent-encoding of `grpc-message` (PROTOCOL-HTTP2.md "Responses":
//! Percent-Encoded, after RFC 3986 §2.1 with gRPC's own reserved set).

use bytes::Bytes;

/// Whether `byte` may appear unencoded: space and VCHAR except `%`
/// (Percent-Byte-Unencoded: %x20-24 / %x26-7E).
fn is_unreserved(byte: u8) -> bool {
    (0x20..=0x7E).contains(&byte) && byte != b'%'
}

/// Encodes a status message for `grpc-message`: UTF-8 bytes outside
/// 0x20..=0x7E and `%` itself become `%XX` with upper-case hex digits.
pub fn encode(message: &str) -> Bytes {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = message.as_bytes();
    if bytes.iter().all(|&b| is_unreserved(b)) {
        return Bytes::copy_from_slice(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(3));
    for &byte in bytes {
        if is_unreserved(byte) {
            out.push(byte);
        } else {
            out.push(b'%');
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0x0F)]);
        }
    }
    Bytes::from(out)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

/// Decodes a received `grpc-message`. Decoding never fails: "When decoding
/// invalid values, implementations MUST NOT error or throw away the message"
/// (PROTOCOL-HTTP2.md), so a `%` not followed by two hex digits is kept as
/// is, and bytes that are not UTF-8 become U+FFFD. Lower-case hex is
/// accepted too.
pub fn decode(value: &[u8]) -> String {
    let mut out = Vec::with_capacity(value.len());
    let mut rest = value;
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            if let [high, low, after @ ..] = tail {
                if let (Some(h), Some(l)) = (hex_value(*high), hex_value(*low)) {
                    out.push(h << 4 | l);
                    rest = after;
                    continue;
                }
            }
        }
        out.push(byte);
        rest = tail;
    }
    match String::from_utf8(out) {
        Ok(text) => text,
        Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;

    #[test]
    fn known_encodings() {
        assert_eq!(&encode("plain text ok")[..], b"plain text ok");
        assert_eq!(&encode("100%")[..], b"100%25");
        assert_eq!(&encode("a\nb")[..], b"a%0Ab");
        assert_eq!(&encode("\u{7f}")[..], b"%7F");
        assert_eq!(&encode("h\u{e9}")[..], b"h%C3%A9");
        assert_eq!(&encode("\u{1F600}")[..], b"%F0%9F%98%80");
    }

    #[test]
    fn known_decodings() {
        assert_eq!(decode(b"h%C3%A9"), "h\u{e9}");
        assert_eq!(decode(b"h%c3%a9"), "h\u{e9}");
        assert_eq!(decode(b"100%25"), "100%");
        // Broken sequences are kept as they are.
        assert_eq!(decode(b"50%"), "50%");
        assert_eq!(decode(b"%4"), "%4");
        assert_eq!(decode(b"%zz1"), "%zz1");
        assert_eq!(decode(b"%%41"), "%A");
        // Invalid UTF-8 after decoding is replaced, the rest survives.
        assert_eq!(decode(b"a%FFb"), "a\u{fffd}b");
        assert_eq!(decode(b""), "");
    }

    quickcheck! {
        fn round_trip(message: String) -> bool {
            decode(&encode(&message)) == message
        }

        fn encoded_is_valid_header_text(message: String) -> bool {
            encode(&message).iter().all(|&b| (0x20..=0x7E).contains(&b))
        }

        fn decode_never_panics(value: Vec<u8>) -> bool {
            decode(&value).len() <= value.len().saturating_mul(3)
        }
    }
}
