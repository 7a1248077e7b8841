//! The HPACK decoder: one complete header block in, a header list out
//! (RFC 7541 §3, §6).

use bytes::{Bytes, BytesMut};

use super::dynamic_table::{DynamicTable, Entry};
use super::header::field_size;
use super::{huffman, integer, static_table};
use super::{DecodeError, DecoderConfig, Header};

/// Smallest allocation for decoded string octets: literals of several blocks
/// share one buffer, so small strings do not each cost an allocation.
const STRING_BUFFER_CHUNK: usize = 4096;

/// How a literal field is to be treated by the dynamic table (§6.2).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Indexing {
    /// §6.2.1: add to the dynamic table.
    Incremental,
    /// §6.2.2: do not add.
    Without,
    /// §6.2.3: do not add, and intermediaries must not either.
    Never,
}

/// Decodes header blocks of one direction of one connection.
///
/// Feed it every header block in the order they arrive, each complete (the
/// HTTP/2 layer joins HEADERS and CONTINUATION payloads first), and call
/// [`Decoder::set_max_table_size`] when the peer acknowledges a new
/// SETTINGS_HEADER_TABLE_SIZE from us.
///
/// Decoded names and values are [`Bytes`]: static-table fields borrow static
/// octets, dynamic-table fields and literals added to the table share the
/// table entry's octets, and other literals share a buffer (at least 4 KiB)
/// with each other, so holding one such field keeps that buffer alive. Between blocks the decoder itself keeps at most 4 KiB
/// of it, besides its table.
#[derive(Debug)]
pub struct Decoder {
    table: DynamicTable,
    /// Our acknowledged SETTINGS_HEADER_TABLE_SIZE (§6.3).
    limit: usize,
    /// The smallest limit set since the last block, if it is below the
    /// table's size: the next block must begin with an update at or below it.
    required_update: Option<usize>,
    max_header_list_size: usize,
    strings: BytesMut,
    failed: Option<DecodeError>,
}

impl Decoder {
    /// A decoder whose table starts at, and may grow to, `config.max_table_size`.
    pub fn new(config: DecoderConfig) -> Self {
        Self {
            table: DynamicTable::new(config.max_table_size),
            limit: config.max_table_size,
            required_update: None,
            max_header_list_size: config.max_header_list_size,
            strings: BytesMut::new(),
            failed: None,
        }
    }

    /// Records a new SETTINGS_HEADER_TABLE_SIZE that the peer acknowledged.
    ///
    /// If it is below the table's current maximum size, the next block must
    /// begin with a size update at or below the smallest such limit (§4.2).
    pub fn set_max_table_size(&mut self, limit: usize) {
        self.limit = limit;
        if limit < self.table.max_size() {
            let smallest = self.required_update.map_or(limit, |r| r.min(limit));
            self.required_update = Some(smallest);
        }
    }

    /// Changes the largest header list accepted (§4.1 accounting).
    pub fn set_max_header_list_size(&mut self, size: usize) {
        self.max_header_list_size = size;
    }

    /// The dynamic table, for inspection.
    pub fn table(&self) -> &DynamicTable {
        &self.table
    }

    /// Decodes one complete header block, appending its fields to `out` in
    /// order.
    ///
    /// On error nothing is appended. Errors other than
    /// [`DecodeError::HeaderListTooLarge`] are final: the tables are out of
    /// step and every later call returns the same error.
    pub fn decode(&mut self, block: &[u8], out: &mut Vec<Header>) -> Result<(), DecodeError> {
        if let Some(error) = self.failed {
            return Err(error);
        }
        let start = out.len();
        let result = self.decode_block(block, out);
        if let Err(error) = result {
            out.truncate(start);
            if !error.leaves_tables_in_step() {
                self.failed = Some(error);
            }
        }
        result
    }

    fn decode_block(&mut self, block: &[u8], out: &mut Vec<Header>) -> Result<(), DecodeError> {
        let mut src = block;
        let mut at_start = true;
        let mut list_size = 0usize;
        while let Some(&first) = src.first() {
            // §6.3: size updates only before the first field of the block.
            if first & 0xe0 == 0x20 {
                if !at_start {
                    return Err(DecodeError::TableSizeUpdateNotAtStart);
                }
                self.update_table_size(&mut src)?;
                continue;
            }
            if at_start {
                self.check_required_update()?;
                at_start = false;
            }
            let (name, value, indexing) = if first & 0x80 != 0 {
                // §6.1 Indexed Header Field.
                let index = integer::decode(&mut src, 7)?;
                let (name, value) = self.field_at(index)?;
                (name, value, Indexing::Incremental)
            } else if first & 0x40 != 0 {
                self.literal(&mut src, 6, Indexing::Incremental)?
            } else if first & 0x10 != 0 {
                self.literal(&mut src, 4, Indexing::Never)?
            } else {
                self.literal(&mut src, 4, Indexing::Without)?
            };
            list_size = list_size.saturating_add(field_size(&name, &value));
            // Past the limit keep decoding, so the table stays in step, but
            // stop keeping fields (RFC 9113 §10.5.1).
            if list_size <= self.max_header_list_size {
                out.push(Header {
                    name,
                    value,
                    sensitive: indexing == Indexing::Never,
                });
            }
        }
        if at_start && !block.is_empty() {
            self.check_required_update()?;
        }
        // An idle connection keeps at most one chunk of string buffer.
        if self.strings.capacity() > STRING_BUFFER_CHUNK {
            self.strings = BytesMut::new();
        }
        if list_size > self.max_header_list_size {
            return Err(DecodeError::HeaderListTooLarge {
                size: list_size,
                limit: self.max_header_list_size,
            });
        }
        Ok(())
    }

    /// §6.3 Dynamic Table Size Update.
    fn update_table_size(&mut self, src: &mut &[u8]) -> Result<(), DecodeError> {
        let size = integer::decode(src, 5)?;
        if size > self.limit {
            return Err(DecodeError::TableSizeAboveLimit {
                requested: size,
                limit: self.limit,
            });
        }
        if self
            .required_update
            .is_some_and(|required| size <= required)
        {
            self.required_update = None;
        }
        self.table.set_max_size(size);
        Ok(())
    }

    fn check_required_update(&self) -> Result<(), DecodeError> {
        match self.required_update {
            Some(limit) => Err(DecodeError::TableSizeUpdateMissing { limit }),
            None => Ok(()),
        }
    }

    /// The field at a 1-based index into the static then dynamic table (§2.3.3).
    #[inline(always)]
    fn field_at(&self, index: usize) -> Result<(Bytes, Bytes), DecodeError> {
        if let Some((name, value)) = static_table::get(index) {
            return Ok((Bytes::from_static(name), Bytes::from_static(value)));
        }
        self.dynamic_field(index)
            .map(|entry| (entry.name.clone(), entry.value.clone()))
    }

    /// The dynamic table entry at a 1-based index past the static table.
    fn dynamic_field(&self, index: usize) -> Result<&Entry, DecodeError> {
        index
            .checked_sub(static_table::ENTRIES.len() + 1)
            .and_then(|position| self.table.get(position))
            .ok_or(DecodeError::IndexOutOfRange {
                index,
                dynamic_len: self.table.len(),
            })
    }

    /// §6.2: a literal field whose name is indexed (non-zero index in a
    /// `prefix_bits` prefix) or itself a literal.
    // Inlined: returning the field through memory stalled the push.
    #[inline(always)]
    fn literal(
        &mut self,
        src: &mut &[u8],
        prefix_bits: u8,
        indexing: Indexing,
    ) -> Result<(Bytes, Bytes, Indexing), DecodeError> {
        let index = integer::decode(src, prefix_bits)?;
        if indexing == Indexing::Incremental {
            return self.indexed_literal(src, index);
        }
        let name = if index == 0 {
            self.string(src)?
        } else if let Some((name, _)) = static_table::get(index) {
            Bytes::from_static(name)
        } else {
            self.dynamic_field(index)?.name.clone()
        };
        let value = self.string(src)?;
        Ok((name, value, indexing))
    }

    /// §6.2.1: a literal field added to the dynamic table. Its strings are
    /// decoded into one buffer of their own, which the table entry and the
    /// returned field share: no copy, and an entry keeps alive no more than
    /// its own octets (at most 8/5 of their coded length, as Huffman coding
    /// can only shrink to 5/8), never the shared literal buffer nor another
    /// entry's octets.
    fn indexed_literal(
        &mut self,
        src: &mut &[u8],
        index: usize,
    ) -> Result<(Bytes, Bytes, Indexing), DecodeError> {
        let static_name = static_table::get(index).map(|(name, _)| name);
        let name_literal = if index == 0 {
            Some(string_literal(src)?)
        } else {
            None
        };
        // A name from the dynamic table is copied: sharing it would keep its
        // entry's octets alive after eviction.
        let dynamic_name = match (static_name, name_literal) {
            (None, None) => Some(self.dynamic_field(index)?.name.clone()),
            _ => None,
        };
        // A truncated value is reported only after the name decoded, in the
        // order the octets arrive.
        let value_literal = string_literal(src);
        let capacity = name_literal
            .map_or(0, |literal| literal.most_octets())
            .saturating_add(dynamic_name.as_ref().map_or(0, Bytes::len))
            .saturating_add(value_literal.map_or(0, |literal| literal.most_octets()));
        let mut octets = BytesMut::with_capacity(capacity);
        let name = if let Some(name) = static_name {
            Bytes::from_static(name)
        } else {
            match name_literal {
                Some(literal) => literal.decode_into(&mut octets)?,
                None => octets.extend_from_slice(dynamic_name.as_deref().unwrap_or_default()),
            }
            octets.split().freeze()
        };
        value_literal?.decode_into(&mut octets)?;
        let value = octets.freeze();
        self.table.insert_shared(name.clone(), value.clone());
        Ok((name, value, Indexing::Incremental))
    }

    /// §5.2 String Literal Representation, decoded into the shared buffer.
    #[inline]
    fn string(&mut self, src: &mut &[u8]) -> Result<Bytes, DecodeError> {
        let literal = string_literal(src)?;
        let most = literal.most_octets();
        if self.strings.capacity().saturating_sub(self.strings.len()) < most {
            self.strings = BytesMut::with_capacity(most.max(STRING_BUFFER_CHUNK));
        }
        literal.decode_into(&mut self.strings)?;
        Ok(self.strings.split().freeze())
    }
}

/// A string literal's coded octets (§5.2), not yet decoded.
#[derive(Clone, Copy)]
struct StringLiteral<'a> {
    huffman_coded: bool,
    data: &'a [u8],
}

impl StringLiteral<'_> {
    /// The most octets the string can decode to (no Huffman code is under 5
    /// bits); bounded by the block's own length.
    fn most_octets(self) -> usize {
        if self.huffman_coded {
            self.data.len().saturating_mul(8) / 5
        } else {
            self.data.len()
        }
    }

    /// Appends the decoded octets to `dst`.
    #[inline]
    fn decode_into(self, dst: &mut BytesMut) -> Result<(), DecodeError> {
        if self.huffman_coded {
            huffman::decode(self.data, dst)?;
        } else {
            dst.extend_from_slice(self.data);
        }
        Ok(())
    }
}

/// Reads a string literal's length prefix and takes its octets (§5.2).
#[inline]
fn string_literal<'a>(src: &mut &'a [u8]) -> Result<StringLiteral<'a>, DecodeError> {
    let huffman_coded = src.first().is_some_and(|&octet| octet & 0x80 != 0);
    let len = integer::decode(src, 7)?;
    let (data, rest) = src
        .split_at_checked(len)
        .ok_or(DecodeError::Truncated("string literal"))?;
    *src = rest;
    Ok(StringLiteral {
        huffman_coded,
        data,
    })
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new(DecoderConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hpack::{Encoder, EncoderConfig, HuffmanError};
    use quickcheck::{quickcheck, Arbitrary, Gen};

    type Fields = Vec<(Vec<u8>, Vec<u8>)>;

    fn decode(decoder: &mut Decoder, block: &[u8]) -> Result<Fields, DecodeError> {
        let mut out = Vec::new();
        decoder.decode(block, &mut out)?;
        Ok(out
            .iter()
            .map(|h| (h.name.to_vec(), h.value.to_vec()))
            .collect())
    }

    fn pair(name: &str, value: &str) -> (Vec<u8>, Vec<u8>) {
        (name.as_bytes().to_vec(), value.as_bytes().to_vec())
    }

    #[test]
    fn index_out_of_range() {
        let mut decoder = Decoder::default();
        assert_eq!(
            decode(&mut decoder, &[0x80]),
            Err(DecodeError::IndexOutOfRange {
                index: 0,
                dynamic_len: 0
            })
        );
        let mut decoder = Decoder::default();
        assert_eq!(
            decode(&mut decoder, &[0xbe]),
            Err(DecodeError::IndexOutOfRange {
                index: 62,
                dynamic_len: 0
            })
        );
        // A literal's indexed name is checked too.
        let mut decoder = Decoder::default();
        assert_eq!(
            decode(&mut decoder, &[0x7f, 0x00, 0x00]),
            Err(DecodeError::IndexOutOfRange {
                index: 63,
                dynamic_len: 0
            })
        );
        // Index 62 is the newest dynamic entry.
        let mut decoder = Decoder::default();
        assert_eq!(
            decode(&mut decoder, &[0x40, 1, b'a', 1, b'b', 0xbe]),
            Ok(vec![pair("a", "b"), pair("a", "b")])
        );
    }

    #[test]
    fn truncated_input() {
        let cases: [(&[u8], &str); 4] = [
            (&[0xff], "integer"),
            (&[0x40], "integer"),
            (&[0x40, 0x03, b'a'], "string literal"),
            (&[0x04, 0x85, 0xff], "string literal"),
        ];
        for (block, context) in cases {
            let mut decoder = Decoder::default();
            assert_eq!(
                decode(&mut decoder, block),
                Err(DecodeError::Truncated(context))
            );
        }
    }

    #[test]
    fn integer_overflow_and_huffman_errors() {
        let mut decoder = Decoder::default();
        assert_eq!(
            decode(&mut decoder, &[0xff, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
            Err(DecodeError::IntegerOverflow)
        );
        let mut decoder = Decoder::default();
        assert_eq!(
            decode(&mut decoder, &[0x04, 0x81, 0xff]),
            Err(DecodeError::Huffman(HuffmanError::PaddingTooLong))
        );
        let mut decoder = Decoder::default();
        assert_eq!(
            decode(&mut decoder, &[0x04, 0x81, 0x18]),
            Err(DecodeError::Huffman(HuffmanError::PaddingNotEos))
        );
        let mut decoder = Decoder::default();
        assert_eq!(
            decode(&mut decoder, &[0x04, 0x84, 0xff, 0xff, 0xff, 0xff]),
            Err(DecodeError::Huffman(HuffmanError::EosInString))
        );
    }

    #[test]
    fn errors_are_sticky_and_leave_out_untouched() {
        let mut decoder = Decoder::default();
        let mut out = vec![Header::new("kept", "")];
        let error = decoder.decode(&[0x82, 0x80], &mut out).unwrap_err();
        assert_eq!(out.len(), 1);
        assert_eq!(decoder.decode(&[0x82], &mut out), Err(error));
    }

    #[test]
    fn size_update_rules() {
        // Only at the start of a block (§4.2).
        let mut decoder = Decoder::default();
        assert_eq!(
            decode(&mut decoder, &[0x82, 0x20]),
            Err(DecodeError::TableSizeUpdateNotAtStart)
        );
        // Never above our advertised limit (§6.3): 0x3f 0xe2 0x1f = 4097.
        let mut decoder = Decoder::default();
        assert_eq!(
            decode(&mut decoder, &[0x3f, 0xe2, 0x1f]),
            Err(DecodeError::TableSizeAboveLimit {
                requested: 4097,
                limit: 4096
            })
        );
        // Two updates at the start are fine, and evict.
        let mut decoder = Decoder::default();
        decode(&mut decoder, &[0x40, 1, b'a', 1, b'b']).unwrap();
        assert_eq!(decoder.table().len(), 1);
        assert_eq!(
            decode(&mut decoder, &[0x20, 0x3f, 0xe1, 0x1f, 0x82]),
            Ok(vec![pair(":method", "GET")])
        );
        assert_eq!(decoder.table().len(), 0);
        assert_eq!(decoder.table().max_size(), 4096);
    }

    #[test]
    fn lowered_limit_requires_update_at_or_below_smallest() {
        let mut decoder = Decoder::default();
        decoder.set_max_table_size(100);
        decoder.set_max_table_size(4096);
        // A block without the update is refused.
        let mut fresh = Decoder::default();
        fresh.set_max_table_size(100);
        assert_eq!(
            decode(&mut fresh, &[0x82]),
            Err(DecodeError::TableSizeUpdateMissing { limit: 100 })
        );
        // Announcing only the final size skips the smallest: refused.
        let mut skipped = Decoder::default();
        skipped.set_max_table_size(100);
        skipped.set_max_table_size(4096);
        assert_eq!(
            decode(&mut skipped, &[0x3f, 0xe1, 0x1f, 0x82]),
            Err(DecodeError::TableSizeUpdateMissing { limit: 100 })
        );
        // Smallest then final, as the encoder must send it.
        let mut block = Vec::new();
        crate::hpack::integer::encode(100, 5, 0x20, &mut block);
        crate::hpack::integer::encode(4096, 5, 0x20, &mut block);
        block.push(0x82);
        assert_eq!(
            decode(&mut decoder, &block),
            Ok(vec![pair(":method", "GET")])
        );
        // Raising the limit needs no update.
        decoder.set_max_table_size(8192);
        assert_eq!(
            decode(&mut decoder, &[0x82]),
            Ok(vec![pair(":method", "GET")])
        );
        // An empty block leaves the requirement for the next one.
        decoder.set_max_table_size(0);
        assert_eq!(decode(&mut decoder, &[]), Ok(vec![]));
        assert_eq!(
            decode(&mut decoder, &[0x20, 0x82]),
            Ok(vec![pair(":method", "GET")])
        );
    }

    #[test]
    fn header_list_too_large_keeps_table_in_step() {
        let mut decoder = Decoder::new(DecoderConfig {
            max_header_list_size: 100,
            ..DecoderConfig::default()
        });
        // Two fields of 32 + 1 + 40 = 73 each, both indexed.
        let value = [b'v'; 40];
        let mut block = vec![0x40, 1, b'a', 40];
        block.extend_from_slice(&value);
        block.extend_from_slice(&[0x40, 1, b'b', 40]);
        block.extend_from_slice(&value);
        let mut out = Vec::new();
        assert_eq!(
            decoder.decode(&block, &mut out),
            Err(DecodeError::HeaderListTooLarge {
                size: 146,
                limit: 100
            })
        );
        assert!(out.is_empty());
        // Both fields were still added, and the decoder goes on.
        assert_eq!(decoder.table().len(), 2);
        assert_eq!(decode(&mut decoder, &[0xbe]).unwrap()[0].0, b"b");
    }

    #[test]
    fn header_list_size_limit_is_inclusive() {
        // ":method: GET" is 7 + 3 + 32 = 42 octets (§4.1).
        let mut decoder = Decoder::new(DecoderConfig {
            max_header_list_size: 84,
            ..DecoderConfig::default()
        });
        assert_eq!(decode(&mut decoder, &[0x82, 0x82]).map(|l| l.len()), Ok(2));
        let error = decode(&mut decoder, &[0x82, 0x82, 0x82]).unwrap_err();
        assert_eq!(
            error,
            DecodeError::HeaderListTooLarge {
                size: 126,
                limit: 84
            }
        );
        assert!(error.leaves_tables_in_step());
        decoder.set_max_header_list_size(126);
        assert_eq!(
            decode(&mut decoder, &[0x82, 0x82, 0x82]).map(|l| l.len()),
            Ok(3)
        );
        assert!(!DecodeError::IntegerOverflow.leaves_tables_in_step());
    }

    #[test]
    fn indexed_literal_shares_one_exact_buffer_with_its_entry() {
        let mut decoder = Decoder::default();
        // RFC 7541 C.2.1: custom-key: custom-header, incremental indexing;
        // then C.4.1's Huffman-coded www.example.com under :authority (1).
        let mut block = vec![0x40, 0x0a];
        block.extend_from_slice(b"custom-key");
        block.push(0x0d);
        block.extend_from_slice(b"custom-header");
        block.extend_from_slice(&[
            0x41, 0x8c, 0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff,
        ]);
        let mut out = Vec::new();
        decoder.decode(&block, &mut out).unwrap();
        assert_eq!(out.len(), 2);
        let (authority, custom) = (
            decoder.table().get(0).unwrap(),
            decoder.table().get(1).unwrap(),
        );
        assert_eq!(&authority.value[..], b"www.example.com");
        assert_eq!(authority.value.as_ptr(), out[1].value.as_ptr());
        assert_eq!(&authority.name[..], b":authority");
        // The literal name and value sit back to back in one buffer, shared
        // by the field and the entry.
        assert_eq!(custom.name.as_ptr(), out[0].name.as_ptr());
        assert_eq!(custom.value.as_ptr(), out[0].value.as_ptr());
        assert_eq!(custom.name.as_ptr().wrapping_add(10), custom.value.as_ptr());
        assert_eq!(decoder.table().size(), 55 + 57);

        // A name taken from the dynamic table (index 63: custom-key) is
        // copied into the new entry's buffer, not shared with the old entry.
        let mut out = Vec::new();
        decoder.decode(&[0x7f, 0x00, 0x01, b'v'], &mut out).unwrap();
        let newest = decoder.table().get(0).unwrap();
        assert_eq!(
            (&newest.name[..], &newest.value[..]),
            (&b"custom-key"[..], &b"v"[..])
        );
        let old_name = decoder.table().get(2).unwrap().name.as_ptr();
        assert_ne!(newest.name.as_ptr(), old_name);
        assert_eq!(newest.name.as_ptr().wrapping_add(10), newest.value.as_ptr());
    }

    #[test]
    fn never_indexed_is_reported_sensitive() {
        let mut decoder = Decoder::default();
        let mut out = Vec::new();
        decoder
            .decode(&[0x10, 1, b'a', 1, b'b', 0x00, 1, b'c', 0, 0x82], &mut out)
            .unwrap();
        assert_eq!(out[0], Header::sensitive("a", "b"));
        assert_eq!(out[1], Header::new("c", ""));
        assert_eq!(out[2], Header::new(":method", "GET"));
        assert!(decoder.table().is_empty());
    }

    /// A header list drawn from a small vocabulary, so fields repeat and
    /// tables get used, with some arbitrary octets mixed in.
    #[derive(Debug, Clone)]
    struct Block {
        headers: Vec<Header>,
        /// A SETTINGS_HEADER_TABLE_SIZE change before this block, if any.
        resize: Option<usize>,
    }

    impl Arbitrary for Block {
        fn arbitrary(g: &mut Gen) -> Self {
            const NAMES: [&str; 8] = [
                ":path",
                ":status",
                "content-type",
                "x-custom",
                "cookie",
                "grpc-status",
                "date",
                "",
            ];
            const VALUES: [&str; 6] = [
                "/",
                "200",
                "application/grpc",
                "a-longer-value-for-the-table",
                "",
                "0",
            ];
            let len = usize::arbitrary(g) % 12;
            let headers = (0..len)
                .map(|_| {
                    let name: Vec<u8> = if u8::arbitrary(g) % 4 == 0 {
                        Vec::arbitrary(g)
                    } else {
                        g.choose(&NAMES).unwrap().as_bytes().to_vec()
                    };
                    let value: Vec<u8> = if u8::arbitrary(g) % 4 == 0 {
                        Vec::arbitrary(g)
                    } else {
                        g.choose(&VALUES).unwrap().as_bytes().to_vec()
                    };
                    Header {
                        name: name.into(),
                        value: value.into(),
                        sensitive: u8::arbitrary(g) % 8 == 0,
                    }
                })
                .collect();
            let resize = match u8::arbitrary(g) % 6 {
                0 => Some(usize::from(u16::arbitrary(g) % 5000)),
                1 => Some(0),
                _ => None,
            };
            Block { headers, resize }
        }
    }

    fn round_trip(blocks: Vec<Block>, config: EncoderConfig) -> bool {
        let mut encoder = Encoder::new(config);
        let mut decoder = Decoder::new(DecoderConfig {
            max_header_list_size: usize::MAX,
            ..DecoderConfig::default()
        });
        for block in blocks {
            if let Some(size) = block.resize {
                // Both sides see the same acknowledged setting.
                decoder.set_max_table_size(size);
                encoder.set_max_table_size(size);
            }
            let mut wire = Vec::new();
            encoder.encode(&block.headers, &mut wire);
            let mut out = Vec::new();
            if decoder.decode(&wire, &mut out).is_err() {
                return false;
            }
            // Sensitive names the encoder knows come back sensitive too.
            let expected: Vec<(&[u8], &[u8])> = block
                .headers
                .iter()
                .map(|h| (&h.name[..], &h.value[..]))
                .collect();
            let got: Vec<(&[u8], &[u8])> =
                out.iter().map(|h| (&h.name[..], &h.value[..])).collect();
            if expected != got
                || block
                    .headers
                    .iter()
                    .zip(&out)
                    .any(|(a, b)| a.sensitive && !b.sensitive)
            {
                return false;
            }
            if decoder.table().size() > decoder.table().max_size() || encoder.table().size() > 4096
            {
                return false;
            }
        }
        true
    }

    /// The oracle a fuzz target applies: whatever decodes re-encodes and
    /// decodes again to the same list, sensitive fields staying so.
    fn reencodes_to_itself(blocks: &[Vec<u8>]) -> bool {
        let mut decoder = Decoder::default();
        let mut encoder = Encoder::default();
        let mut again = Decoder::default();
        for block in blocks {
            let mut first = Vec::new();
            if decoder.decode(block, &mut first).is_err() {
                continue;
            }
            let mut wire = Vec::new();
            encoder.encode(&first, &mut wire);
            let mut second = Vec::new();
            if again.decode(&wire, &mut second).is_err() {
                return false;
            }
            let same = first.len() == second.len()
                && first.iter().zip(&second).all(|(a, b)| {
                    a.name == b.name && a.value == b.value && (!a.sensitive || b.sensitive)
                });
            if !same {
                return false;
            }
        }
        true
    }

    quickcheck! {
        fn round_trip_with_resizes(blocks: Vec<Block>) -> bool {
            round_trip(blocks, EncoderConfig::default())
        }

        fn round_trip_index_all_no_huffman(blocks: Vec<Block>) -> bool {
            round_trip(blocks, EncoderConfig {
                huffman: crate::hpack::HuffmanPolicy::Never,
                indexing: crate::hpack::IndexingPolicy::Always,
                ..EncoderConfig::default()
            })
        }

        fn never_panics_on_arbitrary_bytes(blocks: Vec<Vec<u8>>) -> bool {
            let mut decoder = Decoder::default();
            for block in blocks {
                let mut out = Vec::new();
                let _ = decoder.decode(&block, &mut out);
            }
            true
        }

        fn decoded_lists_re_encode_to_themselves(blocks: Vec<Vec<u8>>) -> bool {
            reencodes_to_itself(&blocks)
        }

        fn mutated_valid_blocks_never_panic_and_re_encode(block: Block, flips: Vec<(usize, u8)>) -> bool {
            let mut wire = Vec::new();
            Encoder::default().encode(&block.headers, &mut wire);
            let len = wire.len().max(1);
            for (at, bits) in flips {
                if let Some(octet) = wire.get_mut(at % len) {
                    *octet ^= bits;
                }
            }
            reencodes_to_itself(&[wire])
        }
    }
}
