//! The HPACK encoder: a header list in, one header block out (RFC 7541 §6).

use bytes::Bytes;

use super::dynamic_table::{name_fingerprint, DynamicTable};
use super::header::field_size;
use super::{huffman, integer, static_table};
use super::{EncoderConfig, Header, HuffmanPolicy, IndexingPolicy, DEFAULT_TABLE_SIZE};

/// Names whose values are credentials: always sent never-indexed so neither
/// our table nor an intermediary's can be probed for them (§7.1.3).
const SENSITIVE_NAMES: [&[u8]; 3] = [b"authorization", b"proxy-authorization", b"cookie"];

/// Size updates owed to the peer before the next block (§4.2).
#[derive(Debug, Clone, Copy)]
struct PendingUpdate {
    smallest: usize,
    last: usize,
}

/// Encodes header lists of one direction of one connection.
///
/// Call [`Encoder::encode`] for each header block in the order they are
/// sent, and [`Encoder::set_max_table_size`] when we acknowledge the peer's
/// SETTINGS_HEADER_TABLE_SIZE; the next block then begins with the size
/// updates it requires.
///
/// Choices: a field already in a table is sent as an index; otherwise its
/// name is indexed when a table has it (the static table preferred, as its
/// indices are shorter), and the field is added to the dynamic table unless
/// the [`IndexingPolicy`] says its value churns or it is sensitive.
#[derive(Debug, Clone)]
pub struct Encoder {
    table: DynamicTable,
    /// The largest table we use, whatever the peer allows.
    cap: usize,
    huffman: HuffmanPolicy,
    indexing: IndexingPolicy,
    pending_update: Option<PendingUpdate>,
}

impl Encoder {
    /// An encoder for HTTP/2, where both sides start from a 4096-octet table
    /// (RFC 9113 §6.5.2). If `config.max_table_size` is smaller, the first
    /// block announces it.
    pub fn new(config: EncoderConfig) -> Self {
        Self::with_initial_table_size(config, DEFAULT_TABLE_SIZE)
    }

    /// An encoder whose peer starts from a table of `initial` octets, for
    /// uses of HPACK other than HTTP/2 (RFC 7541 Appendix C.5 assumes 256).
    pub fn with_initial_table_size(config: EncoderConfig, initial: usize) -> Self {
        let mut encoder = Self {
            table: DynamicTable::new(initial),
            cap: config.max_table_size.min(DEFAULT_TABLE_SIZE),
            huffman: config.huffman,
            indexing: config.indexing,
            pending_update: None,
        };
        encoder.set_max_table_size(initial);
        encoder
    }

    /// Follows a SETTINGS_HEADER_TABLE_SIZE from the peer, once we have
    /// acknowledged it: the table shrinks to it, or grows up to our cap, and
    /// the next block begins with the update(s) saying so. If the size went
    /// down and then up again, the smallest is announced first (§4.2).
    pub fn set_max_table_size(&mut self, peer_limit: usize) {
        let size = peer_limit.min(self.cap);
        let pending = self.pending_update.get_or_insert(PendingUpdate {
            smallest: size,
            last: size,
        });
        pending.smallest = pending.smallest.min(size);
        pending.last = size;
    }

    /// The dynamic table, for inspection.
    pub fn table(&self) -> &DynamicTable {
        &self.table
    }

    /// Appends one header block carrying `headers`, in order, to `dst`.
    pub fn encode<'a, I>(&mut self, headers: I, dst: &mut Vec<u8>)
    where
        I: IntoIterator<Item = &'a Header>,
    {
        self.encode_pending_updates(dst);
        for header in headers {
            self.encode_field(header, dst);
        }
    }

    /// §6.3 Dynamic Table Size Update(s) at the start of a block.
    fn encode_pending_updates(&mut self, dst: &mut Vec<u8>) {
        let Some(pending) = self.pending_update.take() else {
            return;
        };
        if pending.smallest < self.table.max_size() && pending.smallest < pending.last {
            integer::encode(pending.smallest, 5, 0x20, dst);
            self.table.set_max_size(pending.smallest);
        }
        if pending.last != self.table.max_size() {
            integer::encode(pending.last, 5, 0x20, dst);
            self.table.set_max_size(pending.last);
        }
    }

    fn encode_field(&mut self, header: &Header, dst: &mut Vec<u8>) {
        let (name, value) = (&header.name[..], &header.value[..]);
        let sensitive = header.sensitive || SENSITIVE_NAMES.contains(&name);
        let static_match = static_table::find(name, value);
        if !sensitive {
            if let Some((index, true)) = static_match {
                integer::encode(index, 7, 0x80, dst);
                return;
            }
        }
        let mut dynamic_name = None;
        let fingerprint = name_fingerprint(name);
        for (position, entry) in self.table.iter().enumerate() {
            if entry.has_name(name, fingerprint) {
                if !sensitive && entry.value[..] == *value {
                    integer::encode(position + 62, 7, 0x80, dst);
                    return;
                }
                dynamic_name.get_or_insert(position + 62);
            }
        }
        let name_index = static_match.map(|(index, _)| index).or(dynamic_name);
        let (pattern, prefix_bits) = if sensitive {
            (0x10, 4) // §6.2.3 Literal Header Field Never Indexed
        } else if self.worth_indexing(name, value) {
            (0x40, 6) // §6.2.1 Literal Header Field with Incremental Indexing
        } else {
            (0x00, 4) // §6.2.2 Literal Header Field without Indexing
        };
        integer::encode(name_index.unwrap_or(0), prefix_bits, pattern, dst);
        if name_index.is_none() {
            self.encode_string(name, dst);
        }
        self.encode_string(value, dst);
        if pattern == 0x40 {
            let is_static = static_match.is_some();
            let name = if is_static {
                // Share the static octets rather than copy them.
                static_table::get(name_index.unwrap_or(0))
                    .map_or_else(|| header.name.clone(), |(n, _)| Bytes::from_static(n))
            } else {
                header.name.clone()
            };
            self.table.insert(&name, value, is_static);
        }
    }

    /// Whether adding the field to the dynamic table is likely to pay off.
    fn worth_indexing(&self, name: &[u8], value: &[u8]) -> bool {
        match self.indexing {
            IndexingPolicy::Never => false,
            IndexingPolicy::Always => true,
            IndexingPolicy::Automatic => {
                // A field filling most of the table would evict everything
                // else for one likely use (§4.4).
                if field_size(name, value) > self.table.max_size() / 4 * 3 {
                    return false;
                }
                !value_churns(name, value)
            }
        }
    }

    /// §5.2 String Literal, Huffman-coded as the policy says.
    fn encode_string(&self, octets: &[u8], dst: &mut Vec<u8>) {
        let huffman_len = match self.huffman {
            HuffmanPolicy::Never => None,
            HuffmanPolicy::Always => Some(huffman::encoded_len(octets)),
            HuffmanPolicy::Shorter => {
                Some(huffman::encoded_len(octets)).filter(|&len| len < octets.len())
            }
        };
        match huffman_len {
            Some(len) => {
                integer::encode(len, 7, 0x80, dst);
                huffman::encode(octets, dst);
            }
            None => {
                integer::encode(octets.len(), 7, 0x00, dst);
                dst.extend_from_slice(octets);
            }
        }
    }
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new(EncoderConfig::default())
    }
}

/// Fields whose values rarely repeat on a connection, so indexing them only
/// evicts useful entries: body sizes and ranges, conditional-request
/// validators, `:path` with a query, and gRPC's per-call deadline and
/// request ids. Dates, etags, cookies and locations are indexed: responses
/// on one connection often repeat them (measured on hpack/raw-data, where
/// leaving `date` out costs 4.5 points of compression).
fn value_churns(name: &[u8], value: &[u8]) -> bool {
    match name {
        b":path" => value.contains(&b'?'),
        b"content-length" | b"content-range" | b"if-modified-since" | b"if-none-match"
        | b"if-range" | b"grpc-timeout" | b"x-request-id" => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(encoder: &mut Encoder, headers: &[Header]) -> Vec<u8> {
        let mut wire = Vec::new();
        encoder.encode(headers, &mut wire);
        wire
    }

    const RAW: EncoderConfig = EncoderConfig {
        max_table_size: DEFAULT_TABLE_SIZE,
        huffman: HuffmanPolicy::Never,
        indexing: IndexingPolicy::Automatic,
    };

    #[test]
    fn size_updates_follow_settings() {
        let mut encoder = Encoder::new(RAW);
        // No change, no update.
        encoder.set_max_table_size(4096);
        assert_eq!(encode(&mut encoder, &[]), []);
        // Shrink then grow between blocks: smallest first, then final (§4.2).
        encoder.set_max_table_size(100);
        encoder.set_max_table_size(2000);
        assert_eq!(encode(&mut encoder, &[]), [0x3f, 0x45, 0x3f, 0xb1, 0x0f]);
        assert_eq!(encoder.table().max_size(), 2000);
        // Shrink once.
        encoder.set_max_table_size(0);
        assert_eq!(encode(&mut encoder, &[]), [0x20]);
        // Grow past our cap: only up to 4096.
        encoder.set_max_table_size(65536);
        assert_eq!(encode(&mut encoder, &[]), [0x3f, 0xe1, 0x1f]);
        assert_eq!(encoder.table().max_size(), 4096);
        // The update goes out once.
        assert_eq!(encode(&mut encoder, &[]), []);
    }

    #[test]
    fn smaller_cap_is_announced_in_first_block() {
        let config = EncoderConfig {
            max_table_size: 256,
            ..RAW
        };
        let mut encoder = Encoder::new(config);
        assert_eq!(encode(&mut encoder, &[]), [0x3f, 0xe1, 0x01]);
        assert_eq!(encoder.table().max_size(), 256);
    }

    #[test]
    fn sensitive_fields_are_never_indexed() {
        let mut encoder = Encoder::new(RAW);
        let headers = [
            Header::new("authorization", "secret"),
            Header::new("cookie", "a=b"),
            Header::sensitive("x-token", "t"),
        ];
        let wire = encode(&mut encoder, &headers);
        let mut expected = vec![0x1f, 0x08, 6];
        expected.extend_from_slice(b"secret");
        expected.extend_from_slice(&[0x1f, 0x11, 3]);
        expected.extend_from_slice(b"a=b");
        expected.extend_from_slice(&[0x10, 7]);
        expected.extend_from_slice(b"x-token");
        expected.extend_from_slice(&[1, b't']);
        assert_eq!(wire, expected);
        assert!(encoder.table().is_empty());
        // Even a second time they are not sent as an index.
        assert_eq!(encode(&mut encoder, &headers), expected);
    }

    #[test]
    fn repeated_fields_become_indices_and_churning_ones_do_not() {
        let mut encoder = Encoder::new(RAW);
        let headers = [
            Header::new(":path", "/pkg.Service/Method"),
            Header::new("content-type", "application/grpc"),
            Header::new(":path", "/search?q=1"),
            Header::new("content-length", "42"),
        ];
        encode(&mut encoder, &headers);
        assert_eq!(encoder.table().len(), 2);
        let wire = encode(&mut encoder, &headers);
        // Newest first: content-type is 62, :path is 63.
        let mut expected = vec![0xbf, 0xbe, 0x04, 11];
        expected.extend_from_slice(b"/search?q=1");
        expected.extend_from_slice(&[0x0f, 0x0d, 2, b'4', b'2']);
        assert_eq!(wire, expected);
    }

    #[test]
    fn huffman_only_when_shorter() {
        let mut encoder = Encoder::new(EncoderConfig {
            indexing: IndexingPolicy::Never,
            ..EncoderConfig::default()
        });
        // "www.example.com" is 12 octets coded (C.4.1), 15 raw.
        let wire = encode(
            &mut encoder,
            &[Header::new(":authority", "www.example.com")],
        );
        assert_eq!(wire[..2], [0x01, 0x8c]);
        // "~" has a 13-bit code: raw is shorter.
        let wire = encode(&mut encoder, &[Header::new(":authority", "~")]);
        assert_eq!(wire, [0x01, 0x01, b'~']);
    }

    #[test]
    fn oversized_fields_are_not_indexed() {
        let mut encoder = Encoder::new(RAW);
        let big = vec![b'x'; 3100];
        encode(&mut encoder, &[Header::new("x-big", big)]);
        assert!(encoder.table().is_empty());
    }
}
