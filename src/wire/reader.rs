//! The decode cursor: a slice of input, consumed from the front, with a nesting budget.

use super::error::{DecodeError, DecodeErrorKind};
use super::varint::MAX_VARINT_LEN;
use super::wire_type::{split_tag, WireType};

/// Default for how deeply embedded messages and groups may nest.
///
/// 100 is the limit protobuf C++ uses (LIMITS.md); it bounds the decoder's
/// stack use whatever the peer sends.
pub const DEFAULT_MAX_DEPTH: u32 = 100;

/// A cursor over protobuf-encoded input.
///
/// Every read either consumes exactly the bytes of one item or returns an
/// error and leaves the input unusable for further decoding. The reader also
/// carries the remaining nesting budget: each embedded message or group
/// entered costs one level, and running out is [`DecodeErrorKind::DepthExceeded`].
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    depth_remaining: u32,
}

impl<'a> Reader<'a> {
    /// A reader over `buf` allowing [`DEFAULT_MAX_DEPTH`] levels of nesting.
    #[inline]
    pub const fn new(buf: &'a [u8]) -> Self {
        Self::with_max_depth(buf, DEFAULT_MAX_DEPTH)
    }

    /// A reader over `buf` allowing `max_depth` levels of nesting.
    #[inline]
    pub const fn with_max_depth(buf: &'a [u8], max_depth: u32) -> Self {
        Self {
            buf,
            depth_remaining: max_depth,
        }
    }

    /// The bytes not yet consumed.
    #[inline]
    pub const fn remaining(&self) -> &'a [u8] {
        self.buf
    }

    /// Whether all input has been consumed.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// How many more levels of nesting may be entered.
    #[inline]
    pub const fn depth_remaining(&self) -> u32 {
        self.depth_remaining
    }

    /// Reads a varint of up to 10 bytes (encoding.md "Base 128 Varints").
    ///
    /// A varint whose tenth byte continues, or carries more than the one
    /// bit a 64-bit value has left, is rejected rather than truncated.
    #[inline]
    pub fn read_varint(&mut self) -> Result<u64, DecodeError> {
        if let Some((&byte, rest)) = self.buf.split_first() {
            if byte < 0x80 {
                self.buf = rest;
                return Ok(u64::from(byte));
            }
        }
        self.read_varint_slow()
    }

    #[inline(never)]
    fn read_varint_slow(&mut self) -> Result<u64, DecodeError> {
        let mut value = 0u64;
        for (i, &byte) in self.buf.iter().take(MAX_VARINT_LEN).enumerate() {
            if i == MAX_VARINT_LEN - 1 && byte > 1 {
                let kind = if byte & 0x80 != 0 {
                    DecodeErrorKind::VarintTooLong
                } else {
                    DecodeErrorKind::VarintOverflow
                };
                return Err(kind.into());
            }
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                self.buf = self.buf.get(i + 1..).unwrap_or_default();
                return Ok(value);
            }
        }
        Err(DecodeErrorKind::Truncated.into())
    }

    /// Reads a tag and checks its field number (1..=2^29-1) and wire type (not 6 or 7).
    #[inline]
    pub fn read_tag(&mut self) -> Result<(u32, WireType), DecodeError> {
        split_tag(self.read_varint()?)
    }

    /// Reads four little-endian bytes (fixed32, sfixed32, float).
    #[inline]
    pub fn read_fixed32(&mut self) -> Result<u32, DecodeError> {
        let (bytes, rest) = self
            .buf
            .split_first_chunk::<4>()
            .ok_or(DecodeErrorKind::Truncated)?;
        self.buf = rest;
        Ok(u32::from_le_bytes(*bytes))
    }

    /// Reads eight little-endian bytes (fixed64, sfixed64, double).
    #[inline]
    pub fn read_fixed64(&mut self) -> Result<u64, DecodeError> {
        let (bytes, rest) = self
            .buf
            .split_first_chunk::<8>()
            .ok_or(DecodeErrorKind::Truncated)?;
        self.buf = rest;
        Ok(u64::from_le_bytes(*bytes))
    }

    /// Takes the next `len` bytes.
    #[inline]
    pub fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        let (bytes, rest) = self
            .buf
            .split_at_checked(len)
            .ok_or(DecodeErrorKind::LengthPastEnd)?;
        self.buf = rest;
        Ok(bytes)
    }

    /// Reads a length prefix and takes that many bytes (a `LEN` payload).
    ///
    /// The length is checked against the bytes present before anything is
    /// allocated, so a peer cannot make the decoder reserve memory it did not send.
    #[inline]
    pub fn read_len_delimited(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.read_varint()?;
        let len = usize::try_from(len).map_err(|_| DecodeErrorKind::LengthPastEnd)?;
        self.take(len)
    }

    /// Reads a `LEN` payload as a reader for an embedded message one level deeper.
    #[inline]
    pub fn read_nested(&mut self) -> Result<Reader<'a>, DecodeError> {
        let depth_remaining = self
            .depth_remaining
            .checked_sub(1)
            .ok_or(DecodeErrorKind::DepthExceeded)?;
        let buf = self.read_len_delimited()?;
        Ok(Reader {
            buf,
            depth_remaining,
        })
    }

    /// Spends one level of the nesting budget, for a group read in place.
    #[inline]
    pub fn enter_group(&mut self) -> Result<(), DecodeError> {
        self.depth_remaining = self
            .depth_remaining
            .checked_sub(1)
            .ok_or(DecodeErrorKind::DepthExceeded)?;
        Ok(())
    }

    /// Gives back the level spent by [`Reader::enter_group`] once the group has ended.
    #[inline]
    pub fn leave_group(&mut self) {
        self.depth_remaining = self.depth_remaining.saturating_add(1);
    }

    /// Consumes the value of a field with `wire_type` and returns its raw bytes.
    ///
    /// For a `LEN` field these include the length prefix; for a group, the
    /// whole body up to and including its matching end-group tag (nested
    /// groups are checked too). An end-group tag here is
    /// [`DecodeErrorKind::UnexpectedEndGroup`]: the group it ends was not opened
    /// by this call.
    pub fn skip_value(&mut self, field: u32, wire_type: WireType) -> Result<&'a [u8], DecodeError> {
        let start = self.buf;
        match wire_type {
            WireType::Varint => {
                self.read_varint()?;
            }
            WireType::I64 => {
                self.read_fixed64()?;
            }
            WireType::I32 => {
                self.read_fixed32()?;
            }
            WireType::Len => {
                self.read_len_delimited()?;
            }
            WireType::StartGroup => self.skip_group(field)?,
            WireType::EndGroup => return Err(DecodeErrorKind::UnexpectedEndGroup.into()),
        }
        let consumed = start.len() - self.buf.len();
        Ok(start.get(..consumed).unwrap_or_default())
    }

    /// Skips the fields of the group `field` through its end-group tag.
    fn skip_group(&mut self, field: u32) -> Result<(), DecodeError> {
        self.enter_group()?;
        loop {
            if self.is_empty() {
                return Err(DecodeError::new(DecodeErrorKind::UnterminatedGroup).in_field(field));
            }
            let (inner, wire_type) = self.read_tag()?;
            if wire_type == WireType::EndGroup {
                // encoding.md "Groups": the end tag's field number must match the start's.
                if inner != field {
                    return Err(
                        DecodeError::new(DecodeErrorKind::GroupMismatch(inner)).in_field(field)
                    );
                }
                self.leave_group();
                return Ok(());
            }
            self.skip_value(inner, wire_type)
                .map_err(|e| e.in_field(inner))?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;

    fn varint(bytes: &[u8]) -> Result<(u64, usize), DecodeErrorKind> {
        let mut r = Reader::new(bytes);
        let v = r.read_varint().map_err(|e| e.kind)?;
        Ok((v, r.remaining().len()))
    }

    #[test]
    fn varint_limits() {
        assert_eq!(varint(&[0x96, 0x01, 0xaa]), Ok((150, 1)));
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(varint(&max), Ok((u64::MAX, 0)));
        let overflow = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(varint(&overflow), Err(DecodeErrorKind::VarintOverflow));
        let too_long = [
            0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
        ];
        assert_eq!(varint(&too_long), Err(DecodeErrorKind::VarintTooLong));
        // Non-minimal but ten bytes or fewer: accepted as the value it spells.
        assert_eq!(varint(&[0x80, 0x80, 0x00]), Ok((0, 0)));
        assert_eq!(varint(&[0x80]), Err(DecodeErrorKind::Truncated));
        assert_eq!(varint(&[]), Err(DecodeErrorKind::Truncated));
    }

    #[test]
    fn fixed_and_len() {
        let mut r = Reader::new(&[1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, b'a', b'b', b'c', 9]);
        assert_eq!(r.read_fixed32(), Ok(1));
        assert_eq!(r.read_fixed64(), Ok(2));
        assert_eq!(r.read_len_delimited(), Ok(&b"abc"[..]));
        assert_eq!(
            r.read_fixed32().unwrap_err().kind,
            DecodeErrorKind::Truncated
        );
        let mut r = Reader::new(&[0x05, 1, 2]);
        assert_eq!(
            r.read_len_delimited().unwrap_err().kind,
            DecodeErrorKind::LengthPastEnd
        );
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        assert_eq!(
            r.read_len_delimited().unwrap_err().kind,
            DecodeErrorKind::LengthPastEnd
        );
    }

    #[test]
    fn skips_nested_groups_and_checks_pairs() {
        // 1:SGROUP { 2:SGROUP { 3: 5 } 2:EGROUP } 1:EGROUP, then 4: 1
        let input = [0x0b, 0x13, 0x18, 0x05, 0x14, 0x0c, 0x20, 0x01];
        let mut r = Reader::new(&input);
        let (field, wt) = r.read_tag().unwrap();
        assert_eq!((field, wt), (1, WireType::StartGroup));
        assert_eq!(r.skip_value(field, wt), Ok(&input[1..6]));
        assert_eq!(r.depth_remaining(), DEFAULT_MAX_DEPTH);
        assert_eq!(r.read_tag(), Ok((4, WireType::Varint)));

        // 1:SGROUP 2:EGROUP
        let mut r = Reader::new(&[0x0b, 0x14]);
        r.read_tag().unwrap();
        let e = r.skip_value(1, WireType::StartGroup).unwrap_err();
        assert_eq!((e.kind, e.field), (DecodeErrorKind::GroupMismatch(2), 1));

        let mut r = Reader::new(&[0x0b, 0x18, 0x01]);
        r.read_tag().unwrap();
        let e = r.skip_value(1, WireType::StartGroup).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::UnterminatedGroup);

        let mut r = Reader::new(&[]);
        let e = r.skip_value(1, WireType::EndGroup).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::UnexpectedEndGroup);
    }

    #[test]
    fn group_nesting_is_limited() {
        let mut input = vec![0x0b; 5];
        input.extend([0x0c; 5]);
        let mut r = Reader::with_max_depth(&input, 5);
        r.read_tag().unwrap();
        assert!(r.skip_value(1, WireType::StartGroup).is_ok());
        let mut r = Reader::with_max_depth(&input, 4);
        r.read_tag().unwrap();
        assert_eq!(
            r.skip_value(1, WireType::StartGroup).unwrap_err().kind,
            DecodeErrorKind::DepthExceeded
        );
        // Deep enough to overflow the stack without the limit.
        let deep = vec![0x0b; 1_000_000];
        let mut r = Reader::new(&deep);
        r.read_tag().unwrap();
        assert_eq!(
            r.skip_value(1, WireType::StartGroup).unwrap_err().kind,
            DecodeErrorKind::DepthExceeded
        );
    }

    /// Skips every field of arbitrary input: must end in Ok or an error, never a panic.
    fn skip_all(input: &[u8]) -> Result<(), DecodeError> {
        let mut r = Reader::new(input);
        while !r.is_empty() {
            let (field, wt) = r.read_tag()?;
            r.skip_value(field, wt)?;
        }
        Ok(())
    }

    quickcheck! {
        fn skipping_arbitrary_bytes_never_panics(input: Vec<u8>) -> bool {
            let _ = skip_all(&input);
            true
        }
        fn varint_round_trip(v: u64) -> bool {
            let mut buf = Vec::new();
            crate::wire::varint::encode(v, &mut buf);
            varint(&buf) == Ok((v, 0))
        }
    }
}
