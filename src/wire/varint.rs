//! Base 128 varints and ZigZag (encoding.md "Base 128 Varints", "Signed Integers").

/// The most bytes a varint may take: 64 bits in 7-bit groups.
pub const MAX_VARINT_LEN: usize = 10;

/// Appends `value` as a varint: 7 bits per byte, least significant first.
///
/// A plain push per byte: inlined into each field's encoder, this beats
/// staging the bytes and copying them in one call.
#[inline]
pub fn encode(value: u64, buf: &mut Vec<u8>) {
    let mut rest = value;
    while rest >= 0x80 {
        buf.push((rest as u8) | 0x80);
        rest >>= 7;
    }
    buf.push(rest as u8);
}

/// How many bytes `value` takes as a varint (1..=10).
#[inline]
pub const fn encoded_len(value: u64) -> usize {
    // Significant bits, rounded up to groups of 7: ceil(bits / 7) == (bits * 9 + 64) / 64 for 1..=64.
    let bits = 64 - (value | 1).leading_zeros() as usize;
    (bits * 9 + 64) / 64
}

/// Maps a signed 32-bit value so small magnitudes stay small (sint32).
#[inline]
pub const fn zigzag_encode32(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}

/// Inverse of [`zigzag_encode32`].
#[inline]
pub const fn zigzag_decode32(n: u32) -> i32 {
    ((n >> 1) as i32) ^ -((n & 1) as i32)
}

/// Maps a signed 64-bit value so small magnitudes stay small (sint64).
#[inline]
pub const fn zigzag_encode64(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

/// Inverse of [`zigzag_encode64`].
#[inline]
pub const fn zigzag_decode64(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;

    fn bytes(v: u64) -> Vec<u8> {
        let mut buf = Vec::new();
        encode(v, &mut buf);
        buf
    }

    #[test]
    fn known_bytes() {
        assert_eq!(bytes(0), [0x00]);
        assert_eq!(bytes(1), [0x01]);
        assert_eq!(bytes(150), [0x96, 0x01]);
        assert_eq!(bytes(16383), [0xff, 0x7f]);
        assert_eq!(bytes(16384), [0x80, 0x80, 0x01]);
        // encoding.md: int32 -2 as a ten-byte varint.
        assert_eq!(
            bytes(-2i64 as u64),
            [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        );
    }

    #[test]
    fn zigzag_table() {
        // The table in encoding.md "Signed Integers".
        for (n, z) in [(0, 0), (-1, 1), (1, 2), (-2, 3), (0x7fff_ffff, 0xffff_fffe)] {
            assert_eq!(zigzag_encode32(n), z);
            assert_eq!(zigzag_decode32(z), n);
        }
        assert_eq!(zigzag_encode32(i32::MIN), u32::MAX);
        assert_eq!(zigzag_encode64(i64::MIN), u64::MAX);
        assert_eq!(zigzag_encode64(i64::MAX), u64::MAX - 1);
        assert_eq!(zigzag_decode64(u64::MAX), i64::MIN);
    }

    quickcheck! {
        fn len_matches_encoding(v: u64) -> bool {
            bytes(v).len() == encoded_len(v)
        }
        fn len_matches_at_every_width(shift: u8) -> bool {
            let v = 1u64.checked_shl(u32::from(shift % 64)).unwrap_or(1);
            bytes(v).len() == encoded_len(v) && bytes(v - 1).len() == encoded_len(v - 1)
        }
        fn zigzag32_round_trip(n: i32) -> bool {
            zigzag_decode32(zigzag_encode32(n)) == n
        }
        fn zigzag64_round_trip(n: i64) -> bool {
            zigzag_decode64(zigzag_encode64(n)) == n
        }
    }
}
