//! Base64 for binary metadata (`-bin` keys): PROTOCOL-HTTP2.md says
//! implementations "MUST accept padded and un-padded values and should emit
//! un-padded values" (RFC 4648 §4, the standard alphabet).

use bytes::Bytes;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes `value` with the standard alphabet and no padding.
pub fn encode(value: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(value.len().div_ceil(3).saturating_mul(4));
    for chunk in value.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let group = u32::from(b0) << 16 | u32::from(b1) << 8 | u32::from(b2);
        let sextets = [group >> 18, group >> 12, group >> 6, group];
        for sextet in sextets.iter().take(chunk.len() + 1) {
            out.push(ALPHABET[(sextet & 0x3F) as usize]);
        }
    }
    Bytes::from(out)
}

fn sextet(symbol: u8) -> Option<u32> {
    let value = match symbol {
        b'A'..=b'Z' => symbol - b'A',
        b'a'..=b'z' => symbol - b'a' + 26,
        b'0'..=b'9' => symbol - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(value))
}

/// Decodes standard base64, padded or not. `None` when the text is not
/// base64: a symbol outside the alphabet, a lone trailing symbol, bad
/// padding, or non-zero bits left over in the last symbol.
pub fn decode(text: &[u8]) -> Option<Vec<u8>> {
    let unpadded = match text {
        [rest @ .., b'=', b'='] if text.len() % 4 == 0 => rest,
        [rest @ .., b'='] if text.len() % 4 == 0 => rest,
        _ => text,
    };
    let mut out = Vec::with_capacity(unpadded.len() / 4 * 3 + 2);
    for chunk in unpadded.chunks(4) {
        let mut group = 0u32;
        for &symbol in chunk {
            group = group << 6 | sextet(symbol)?;
        }
        match chunk.len() {
            4 => out.extend_from_slice(&[(group >> 16) as u8, (group >> 8) as u8, group as u8]),
            3 if group & 0x3 == 0 => {
                out.extend_from_slice(&[(group >> 10) as u8, (group >> 2) as u8])
            }
            2 if group & 0xF == 0 => out.push((group >> 4) as u8),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;

    #[test]
    fn known_vectors() {
        // RFC 4648 §10, without the padding.
        let vectors: [(&[u8], &[u8]); 7] = [
            (b"", b""),
            (b"f", b"Zg"),
            (b"fo", b"Zm8"),
            (b"foo", b"Zm9v"),
            (b"foob", b"Zm9vYg"),
            (b"fooba", b"Zm9vYmE"),
            (b"foobar", b"Zm9vYmFy"),
        ];
        for (plain, coded) in vectors {
            assert_eq!(&encode(plain)[..], coded);
            assert_eq!(decode(coded).as_deref(), Some(plain));
        }
        assert_eq!(decode(b"Zg==").as_deref(), Some(&b"f"[..]));
        assert_eq!(decode(b"Zm8=").as_deref(), Some(&b"fo"[..]));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            &b"Z"[..],
            b"Zh",
            b"Zm9",
            b"Zg=",
            b"Z===",
            b"Zm9v!",
            b"Zm-v",
            b"=",
            b"Zg==Zg",
        ] {
            assert_eq!(decode(bad), None, "{:?}", core::str::from_utf8(bad));
        }
    }

    quickcheck! {
        fn round_trip(value: Vec<u8>) -> bool {
            decode(&encode(&value)) == Some(value)
        }

        fn decode_never_panics(text: Vec<u8>) -> bool {
            decode(&text).is_none_or(|v| v.len() <= text.len())
        }
    }
}
