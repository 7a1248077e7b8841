//! Base64 (RFC 4648), as ProtoJSON `bytes` fields and gRPC `-bin` metadata
//! use it.
//!
//! Encoding writes the standard alphabet (RFC 4648 §4), with or without
//! padding. Decoding accepts both the standard and the URL-safe alphabet
//! (§5), padded or not: ProtoJSON accepts either for `bytes` (protobuf
//! JSON mapping), and for `-bin` metadata gRPC PROTOCOL-HTTP2.md says
//! "Implementations MUST accept padded and un-padded values and should
//! emit un-padded values". It rejects anything else: characters
//! outside the alphabet, including whitespace and line breaks (§3.3),
//! a mix of the two alphabets, misplaced or wrong padding, and a length
//! that no encoding produces.
//!
//! Leftover bits in the last character are ignored (`QR==` decodes like
//! `QQ==`): §3.5 lets decoders reject them, but most accept them and a
//! strict decoder would refuse input that peers consider valid.

use thiserror::Error;

/// Why a base64 text was rejected; offsets count bytes from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A byte outside both alphabets (RFC 4648 §3.3: decoders reject them).
    #[error("invalid base64 character 0x{byte:02x} at offset {offset}")]
    InvalidCharacter {
        /// Where the byte is.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// A character of one alphabet (`+` `/` or `-` `_`) after one of the
    /// other: no encoder writes such a text.
    #[error("base64 text mixes the standard and URL-safe alphabets at offset {offset}")]
    MixedAlphabets {
        /// Where the second alphabet first appears.
        offset: usize,
    },
    /// `=` anywhere but as the one or two characters that complete the last
    /// group of four (RFC 4648 §3.2, §4).
    #[error("invalid base64 padding at offset {offset}")]
    InvalidPadding {
        /// Where the offending `=` (or the end of too short a pad) is.
        offset: usize,
    },
    /// One character left over after the last full group: it carries only
    /// six bits, less than a byte, so no encoder produces it.
    #[error("invalid base64 length: {len} characters leave a lone final character")]
    InvalidLength {
        /// Number of characters before any padding.
        len: usize,
    },
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes `data` with the standard alphabet and `=` padding (RFC 4648 §4),
/// the form ProtoJSON writes for `bytes`.
pub fn encode(data: &[u8]) -> String {
    encode_with(data, true)
}

/// Encodes `data` with the standard alphabet and no padding (RFC 4648
/// §3.2), the form gRPC senders should use for `-bin` metadata.
pub fn encode_unpadded(data: &[u8]) -> String {
    encode_with(data, false)
}

fn encode_with(data: &[u8], pad: bool) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3).saturating_mul(4));
    let sextet = |n: u32| char::from(STANDARD.get((n & 0x3F) as usize).copied().unwrap_or(b'A'));
    for group in data.chunks(3) {
        let (a, b, c) = match *group {
            [a, b, c] => (a, Some(b), Some(c)),
            [a, b] => (a, Some(b), None),
            [a] => (a, None, None),
            _ => continue,
        };
        let n = u32::from(a) << 16 | u32::from(b.unwrap_or(0)) << 8 | u32::from(c.unwrap_or(0));
        out.push(sextet(n >> 18));
        out.push(sextet(n >> 12));
        match (b, c) {
            (Some(_), Some(_)) => {
                out.push(sextet(n >> 6));
                out.push(sextet(n));
            }
            (Some(_), None) => {
                out.push(sextet(n >> 6));
                if pad {
                    out.push('=');
                }
            }
            _ if pad => out.push_str("=="),
            _ => {}
        }
    }
    out
}

/// Which alphabet a character belongs to, where that tells them apart.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Alphabet {
    Both,
    Standard,
    UrlSafe,
}

/// The six bits a character stands for, in either alphabet (RFC 4648
/// tables 1 and 2), and which alphabet it belongs to.
fn sextet(byte: u8) -> Option<(u32, Alphabet)> {
    let value = match byte {
        b'A'..=b'Z' => byte - b'A',
        b'a'..=b'z' => byte - b'a' + 26,
        b'0'..=b'9' => byte - b'0' + 52,
        b'+' => return Some((62, Alphabet::Standard)),
        b'/' => return Some((63, Alphabet::Standard)),
        b'-' => return Some((62, Alphabet::UrlSafe)),
        b'_' => return Some((63, Alphabet::UrlSafe)),
        _ => return None,
    };
    Some((u32::from(value), Alphabet::Both))
}

/// Decodes base64 in the standard or URL-safe alphabet, padded or not.
///
/// The output is at most three quarters of the input's length, so the
/// caller bounds memory by bounding the input.
pub fn decode(text: impl AsRef<[u8]>) -> Result<Vec<u8>, DecodeError> {
    let text = text.as_ref();
    // Padding, if any, is the one or two `=` that end the text, and then
    // the whole text is groups of four (RFC 4648 §4).
    let data_len = text
        .len()
        .saturating_sub(text.iter().rev().take_while(|&&b| b == b'=').count());
    let (data, padding) = text.split_at_checked(data_len).unwrap_or((text, &[]));

    let mut out = Vec::with_capacity((data_len / 4).saturating_mul(3).saturating_add(2));
    let mut alphabet = Alphabet::Both;
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    for (offset, &byte) in data.iter().enumerate() {
        let Some((value, used)) = sextet(byte) else {
            return Err(match byte {
                b'=' => DecodeError::InvalidPadding { offset },
                _ => DecodeError::InvalidCharacter { offset, byte },
            });
        };
        match (alphabet, used) {
            (_, Alphabet::Both) => {}
            (Alphabet::Both, _) => alphabet = used,
            (seen, _) if seen != used => return Err(DecodeError::MixedAlphabets { offset }),
            _ => {}
        }
        // At most 6 + 6 bits are pending before a byte is taken out.
        acc = (acc << 6 | value) & 0xFFF;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }

    let leftover = data_len % 4;
    if leftover == 1 {
        return Err(DecodeError::InvalidLength { len: data_len });
    }
    if !padding.is_empty() {
        let needed = (4 - leftover) % 4;
        if padding.len() != needed {
            // Point at the first `=` too many, or at the end of a pad too short.
            let offset = data_len.saturating_add(padding.len().min(needed));
            return Err(DecodeError::InvalidPadding { offset });
        }
    }
    // The 2 or 4 bits left after a partial group are padding bits: ignored.
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;

    /// RFC 4648 §10 test vectors.
    const VECTORS: [(&str, &str); 7] = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];

    #[test]
    fn rfc4648_vectors() {
        for (plain, encoded) in VECTORS {
            assert_eq!(encode(plain.as_bytes()), encoded);
            assert_eq!(
                encode_unpadded(plain.as_bytes()),
                encoded.trim_end_matches('=')
            );
            assert_eq!(decode(encoded), Ok(plain.as_bytes().to_vec()), "{encoded}");
            assert_eq!(
                decode(encoded.trim_end_matches('=')),
                Ok(plain.as_bytes().to_vec())
            );
        }
    }

    #[test]
    fn both_alphabets() {
        let data = [0xFB, 0xFF, 0xBF, 0xFB, 0xEF];
        assert_eq!(encode(&data), "+/+/++8=");
        assert_eq!(decode("+/+/++8="), Ok(data.to_vec()));
        assert_eq!(decode("-_-_--8="), Ok(data.to_vec()));
        assert_eq!(decode("-_-_--8"), Ok(data.to_vec()));
        // The ProtoJSON example value.
        assert_eq!(
            decode("YWJjMTIzIT8kKiYoKSctPUB+"),
            Ok(b"abc123!?$*&()'-=@~".to_vec())
        );
    }

    #[test]
    fn lenient_on_trailing_bits() {
        assert_eq!(decode("QR=="), Ok(b"A".to_vec()));
        assert_eq!(decode("QUJ="), Ok(b"AB".to_vec()));
    }

    #[test]
    fn rejects() {
        use DecodeError::*;
        let cases: &[(&str, DecodeError)] = &[
            (
                "Zm9v YmFy",
                InvalidCharacter {
                    offset: 4,
                    byte: b' ',
                },
            ),
            (
                "Zm9v\nYmFy",
                InvalidCharacter {
                    offset: 4,
                    byte: b'\n',
                },
            ),
            (
                "Zm9*",
                InvalidCharacter {
                    offset: 3,
                    byte: b'*',
                },
            ),
            (
                "Zm9v\u{e9}",
                InvalidCharacter {
                    offset: 4,
                    byte: 0xC3,
                },
            ),
            ("+/-_", MixedAlphabets { offset: 2 }),
            ("ab_c+A==", MixedAlphabets { offset: 4 }),
            ("Z", InvalidLength { len: 1 }),
            ("Zm9vY", InvalidLength { len: 5 }),
            ("Z===", InvalidLength { len: 1 }),
            ("Zg=", InvalidPadding { offset: 3 }),
            ("Zg===", InvalidPadding { offset: 4 }),
            ("Zm8==", InvalidPadding { offset: 4 }),
            ("Zm9v=", InvalidPadding { offset: 4 }),
            ("Zm9v====", InvalidPadding { offset: 4 }),
            ("=", InvalidPadding { offset: 0 }),
            ("Zg==Zg==", InvalidPadding { offset: 2 }),
            ("Z=g=", InvalidPadding { offset: 1 }),
        ];
        for (text, want) in cases {
            assert_eq!(decode(text), Err(*want), "{text:?}");
        }
    }

    fn url_safe(text: &str) -> String {
        text.replace('+', "-").replace('/', "_")
    }

    quickcheck! {
        fn round_trip_padded(data: Vec<u8>) -> bool {
            decode(encode(&data)) == Ok(data)
        }

        fn round_trip_unpadded(data: Vec<u8>) -> bool {
            decode(encode_unpadded(&data)) == Ok(data)
        }

        fn round_trip_url_safe(data: Vec<u8>, pad: bool) -> bool {
            let text = if pad { encode(&data) } else { encode_unpadded(&data) };
            decode(url_safe(&text)) == Ok(data)
        }

        fn encoded_length(data: Vec<u8>) -> bool {
            encode(&data).len() == data.len().div_ceil(3) * 4
                && encode_unpadded(&data).len() == (data.len() * 4).div_ceil(3)
        }

        fn never_panics(text: Vec<u8>) -> bool {
            match decode(&text) {
                Ok(out) => out.len() <= text.len() * 3 / 4 + 2,
                Err(_) => true,
            }
        }

        fn never_panics_on_alphabet_soup(picks: Vec<u8>) -> bool {
            const SOUP: &[u8] = b"AZaz09+/-_=";
            let text: Vec<u8> = picks.iter().map(|&p| SOUP[usize::from(p) % SOUP.len()]).collect();
            let _ = decode(&text);
            true
        }
    }
}
