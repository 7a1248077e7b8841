//! Integer representation with an N-bit prefix (RFC 7541 §5.1).

use super::{DecodeError, MAX_INTEGER_CONTINUATION_OCTETS};

/// Decodes an integer whose first octet keeps `prefix_bits` (1..=8) low bits,
/// advancing `src` past it. The high bits of the first octet (the
/// representation's pattern) are ignored.
///
/// Rejects integers needing more than [`MAX_INTEGER_CONTINUATION_OCTETS`]
/// continuation octets, and on 32-bit targets values past `usize::MAX`.
pub fn decode(src: &mut &[u8], prefix_bits: u8) -> Result<usize, DecodeError> {
    let max_prefix = (1u16 << prefix_bits.clamp(1, 8)) - 1;
    let (&first, rest) = src.split_first().ok_or(DecodeError::Truncated("integer"))?;
    let mut value = u64::from(u16::from(first) & max_prefix);
    *src = rest;
    if value < u64::from(max_prefix) {
        return Ok(value as usize);
    }
    let mut shift = 0u32;
    for _ in 0..MAX_INTEGER_CONTINUATION_OCTETS {
        let (&octet, rest) = src.split_first().ok_or(DecodeError::Truncated("integer"))?;
        *src = rest;
        // At most 5 * 7 = 35 bits on top of an 8-bit prefix: fits in u64.
        value += u64::from(octet & 0x7f) << shift;
        shift += 7;
        if octet & 0x80 == 0 {
            return usize::try_from(value).map_err(|_| DecodeError::IntegerOverflow);
        }
    }
    Err(DecodeError::IntegerOverflow)
}

/// Appends `value` with a `prefix_bits` prefix; `pattern` supplies the first
/// octet's high bits (e.g. `0x80` for an indexed field, §6.1).
pub fn encode(value: usize, prefix_bits: u8, pattern: u8, dst: &mut Vec<u8>) {
    let max_prefix = (1usize << prefix_bits.clamp(1, 8)) - 1;
    if value < max_prefix {
        dst.push(pattern | value as u8);
        return;
    }
    dst.push(pattern | max_prefix as u8);
    let mut rest = value - max_prefix;
    while rest >= 0x80 {
        dst.push((rest as u8 & 0x7f) | 0x80);
        rest >>= 7;
    }
    dst.push(rest as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;

    fn enc(value: usize, prefix: u8, pattern: u8) -> Vec<u8> {
        let mut out = Vec::new();
        encode(value, prefix, pattern, &mut out);
        out
    }

    #[test]
    fn rfc_c1_examples() {
        // C.1.1, C.1.2, C.1.3
        assert_eq!(enc(10, 5, 0), [0x0a]);
        assert_eq!(enc(1337, 5, 0), [0x1f, 0x9a, 0x0a]);
        assert_eq!(enc(42, 8, 0), [0x2a]);
        let mut src: &[u8] = &[0xff, 0x1f, 0x9a, 0x0a, 0x77];
        src = &src[1..];
        assert_eq!(decode(&mut src, 5), Ok(1337));
        assert_eq!(src, [0x77]);
    }

    #[test]
    fn pattern_bits_are_kept_and_ignored() {
        assert_eq!(enc(62, 7, 0x80), [0xbe]);
        let mut src: &[u8] = &[0xbe];
        assert_eq!(decode(&mut src, 7), Ok(62));
        assert_eq!(enc(127, 7, 0x80), [0xff, 0x00]);
    }

    #[test]
    fn limits_and_truncation() {
        let mut src: &[u8] = &[0x1f];
        assert_eq!(decode(&mut src, 5), Err(DecodeError::Truncated("integer")));
        let mut src: &[u8] = &[0x1f, 0x80];
        assert_eq!(decode(&mut src, 5), Err(DecodeError::Truncated("integer")));
        let mut src: &[u8] = &[];
        assert_eq!(decode(&mut src, 5), Err(DecodeError::Truncated("integer")));
        // Five continuation octets are accepted, a sixth is not.
        let mut src: &[u8] = &[0x1f, 0x80, 0x80, 0x80, 0x80, 0x01];
        assert_eq!(decode(&mut src, 5), Ok(31 + (1 << 28)));
        let mut src: &[u8] = &[0x1f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
        assert_eq!(decode(&mut src, 5), Err(DecodeError::IntegerOverflow));
    }

    quickcheck! {
        fn round_trip(value: u32, prefix: u8, pattern: u8) -> bool {
            let prefix = prefix % 8 + 1;
            let pattern = if prefix == 8 { 0 } else { pattern & !((1u8 << prefix) - 1) };
            let value = value as usize;
            let bytes = enc(value, prefix, pattern);
            let mut src = &bytes[..];
            decode(&mut src, prefix) == Ok(value) && src.is_empty() && bytes[0] & !((1u16 << prefix) - 1) as u8 == pattern
        }
    }
}
