//! The HPACK decoder: one complete header block in, a header list out
//! (RFC 7541 §3, §6).

use bytes::{Bytes, BytesMut};

use super::dynamic_table::DynamicTable;
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
/// octets, dynamic-table fields share the table's octets, and literals share
/// a buffer (at least 4 KiB) with other literals, so holding one field keeps
/// that buffer alive.
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
            if !matches!(error, DecodeError::HeaderListTooLarge { .. }) {
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
    fn field_at(&self, index: usize) -> Result<(Bytes, Bytes), DecodeError> {
        if let Some((name, value)) = static_table::get(index) {
            return Ok((Bytes::from_static(name), Bytes::from_static(value)));
        }
        index
            .checked_sub(static_table::ENTRIES.len() + 1)
            .and_then(|position| self.table.get(position))
            .map(|entry| (entry.name.clone(), entry.value.clone()))
            .ok_or(DecodeError::IndexOutOfRange {
                index,
                dynamic_len: self.table.len(),
            })
    }

    /// §6.2: a literal field whose name is indexed (non-zero index in a
    /// `prefix_bits` prefix) or itself a literal.
    fn literal(
        &mut self,
        src: &mut &[u8],
        prefix_bits: u8,
        indexing: Indexing,
    ) -> Result<(Bytes, Bytes, Indexing), DecodeError> {
        let index = integer::decode(src, prefix_bits)?;
        let (name, name_is_static) = if index == 0 {
            (self.string(src)?, false)
        } else {
            let (name, _) = self.field_at(index)?;
            (name, index <= static_table::ENTRIES.len())
        };
        let value = self.string(src)?;
        if indexing == Indexing::Incremental {
            self.table.insert(&name, &value, name_is_static);
        }
        Ok((name, value, indexing))
    }

    /// §5.2 String Literal Representation.
    fn string(&mut self, src: &mut &[u8]) -> Result<Bytes, DecodeError> {
        let huffman_coded = src.first().is_some_and(|&octet| octet & 0x80 != 0);
        let len = integer::decode(src, 7)?;
        if len > src.len() {
            return Err(DecodeError::Truncated("string literal"));
        }
        let (data, rest) = src.split_at(len);
        *src = rest;
        // Reserve for the longest possible result (no Huffman code is under
        // 5 bits); bounded by the block's own length.
        let most = if huffman_coded {
            (len / 5).saturating_mul(8).saturating_add(8)
        } else {
            len
        };
        if self.strings.capacity().saturating_sub(self.strings.len()) < most {
            self.strings = BytesMut::with_capacity(most.max(STRING_BUFFER_CHUNK));
        }
        if huffman_coded {
            huffman::decode(data, &mut self.strings)?;
        } else {
            self.strings.extend_from_slice(data);
        }
        Ok(self.strings.split().freeze())
    }
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new(DecoderConfig::default())
    }
}
