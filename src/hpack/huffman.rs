//! The Huffman code for string literals (RFC 7541 §5.2, Appendix B).
//!
//! Decoding looks up the next 12 bits in a table built at compile time,
//! which gives the one or two symbols whose codes fit in them (most octets
//! in headers have codes of 5 to 8 bits); the last bits of a string are
//! looked up padded with ones. Codes over 12 bits (rare octets) and invalid
//! endings walk the code tree bit by bit; the tree node where the string
//! ends tells whether its padding is valid.

use bytes::BufMut;

use super::huffman_code::CODES;
use super::HuffmanError;

/// Marks a child in the code tree as a leaf; the low 9 bits are its symbol.
const LEAF: u16 = 0x8000;
/// The end-of-string symbol (Appendix B), never valid inside a string.
const EOS: u16 = 256;

/// How the string may end in a tree node: in the root, or on a prefix of
/// EOS's all-ones code of at most 7 bits (§5.2).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    Valid,
    PaddingTooLong,
    PaddingNotEos,
}

/// The code tree: `children[node][bit]` is an inner node id (0..=255) or
/// `LEAF | symbol`. Also, per node, how many 1 bits lead to it if only 1
/// bits do.
struct Tree {
    children: [[u16; 2]; 256],
    ones_depth: [Option<u8>; 256],
}

const fn build_tree() -> Tree {
    let mut children = [[0u16; 2]; 256];
    let mut ones_depth = [None; 256];
    ones_depth[0] = Some(0);
    let mut next_node = 1usize;
    let mut symbol = 0usize;
    while symbol < CODES.len() {
        let (code, len) = CODES[symbol];
        let mut node = 0usize;
        let mut bit_index = len;
        while bit_index > 1 {
            bit_index -= 1;
            let bit = ((code >> bit_index) & 1) as usize;
            if children[node][bit] == 0 {
                children[node][bit] = next_node as u16;
                ones_depth[next_node] = match ones_depth[node] {
                    Some(depth) if bit == 1 => Some(depth + 1),
                    _ => None,
                };
                next_node += 1;
            }
            node = children[node][bit] as usize;
        }
        children[node][(code & 1) as usize] = LEAF | symbol as u16;
        symbol += 1;
    }
    Tree {
        children,
        ones_depth,
    }
}

const TREE: Tree = build_tree();

/// Bits looked up at once by the fast path.
const PEEK_BITS: u32 = 12;

/// For each 12-bit pattern: the first symbol (bits 0-7), the second (bits
/// 8-15), how many symbols end within the pattern, at most 2 (bits 16-17),
/// the length of the first code (bits 18-22) and the bits both take (bits
/// 24-28). A count of 0 means the first code is longer than 12 bits.
const fn build_fast_table() -> [u32; 1 << PEEK_BITS] {
    let mut table = [0u32; 1 << PEEK_BITS];
    let mut pattern = 0usize;
    while pattern < table.len() {
        let mut node = 0usize;
        let mut symbols = [0u32; 2];
        let mut count = 0usize;
        let mut consumed = 0u32;
        let mut first_len = 0u32;
        let mut bit = 0u32;
        while bit < PEEK_BITS && count < 2 {
            let child = TREE.children[node][(pattern >> (PEEK_BITS - 1 - bit)) & 1];
            bit += 1;
            if child & LEAF != 0 {
                if child & 0x1ff == EOS {
                    break;
                }
                symbols[count] = (child & 0xff) as u32;
                count += 1;
                consumed = bit;
                if count == 1 {
                    first_len = bit;
                }
                node = 0;
            } else {
                node = child as usize;
            }
        }
        table[pattern] =
            symbols[0] | symbols[1] << 8 | (count as u32) << 16 | first_len << 18 | consumed << 24;
        pattern += 1;
    }
    table
}

const fn build_endings() -> [Ending; 256] {
    let mut endings = [Ending::PaddingNotEos; 256];
    let mut state = 0;
    while state < 256 {
        endings[state] = match TREE.ones_depth[state] {
            Some(depth) if depth <= 7 => Ending::Valid,
            Some(_) => Ending::PaddingTooLong,
            None => Ending::PaddingNotEos,
        };
        state += 1;
    }
    endings
}

static CHILDREN: [[u16; 2]; 256] = TREE.children;
static FAST: [u32; 1 << PEEK_BITS] = build_fast_table();
static ENDINGS: [Ending; 256] = build_endings();

/// Decoded octets are staged here and appended to the output in runs.
const STAGE_LEN: usize = 64;

/// Decodes the Huffman-coded `src`, appending the octets to `dst`.
///
/// Rejects EOS inside the string, padding over 7 bits and padding that is
/// not all ones (§5.2). On error, `dst` may hold part of the string.
/// Appends at most `src.len() * 8 / 5` octets (no code is under 5 bits).
pub fn decode<B: BufMut>(src: &[u8], dst: &mut B) -> Result<(), HuffmanError> {
    let mut stage = [0u8; STAGE_LEN];
    let mut staged = 0usize;
    // Fast path, while 8 octets can be read at once: the top `bits` bits of
    // `window` are the next bits of the string; below them are the bits
    // that follow (or zeros), so OR-ing in the next 8 octets at `bits`
    // rewrites them unchanged.
    let mut window: u64 = 0;
    let mut bits: u32 = 0;
    let mut loaded = 0usize;
    while let Some(word) = src.get(loaded..).and_then(|after| after.first_chunk::<8>()) {
        // `bits` < 64 - 8 here: the last step left fewer than 56.
        window |= u64::from_be_bytes(*word) >> bits;
        let octets = (63 - bits) >> 3;
        loaded += octets as usize;
        bits += octets * 8;
        // Now 56..=63 bits: four steps of at most 12 bits each, or one code
        // of up to 30 bits walked in the tree.
        for _ in 0..4 {
            // After a long code, fewer than 12 bits may be left.
            if bits < PEEK_BITS {
                break;
            }
            let entry = FAST[(window >> (64 - PEEK_BITS)) as usize];
            let count = ((entry >> 16) & 3) as usize;
            let used = if count != 0 {
                // `staged` <= STAGE_LEN - 2 here, so the masks never wrap.
                stage[staged & (STAGE_LEN - 1)] = entry as u8;
                stage[(staged + 1) & (STAGE_LEN - 1)] = (entry >> 8) as u8;
                staged += count;
                entry >> 24
            } else if bits >= 30 {
                // A code over 12 bits: all fit in 30 (Appendix B).
                let mut node = 0usize;
                let mut used = 0;
                loop {
                    let bit = ((window << used) >> 63) as usize;
                    used += 1;
                    let child = CHILDREN[node][bit];
                    if child & LEAF == 0 {
                        node = usize::from(child);
                        continue;
                    }
                    if child & 0x1ff == EOS {
                        return Err(HuffmanError::EosInString);
                    }
                    stage[staged & (STAGE_LEN - 1)] = child as u8;
                    staged += 1;
                    break;
                }
                used
            } else {
                break;
            };
            window <<= used;
            bits -= used;
        }
        if staged > STAGE_LEN - 8 {
            dst.put_slice(stage.get(..staged).unwrap_or_default());
            staged = 0;
        }
    }
    // The rest, by the general loop below: the low `bits` bits of `pending`
    // are the next bits of the string.
    let mut rest = src.get(loaded..).unwrap_or_default();
    let mut pending: u64 = window.checked_shr(64 - bits).unwrap_or(0);
    // The tree node reached; the root (0) between symbols.
    let mut node: u8 = 0;
    loop {
        if bits <= 32 {
            if let Some((word, after)) = rest.split_first_chunk::<4>() {
                pending = (pending << 32) | u64::from(u32::from_be_bytes(*word));
                bits += 32;
                rest = after;
            }
        }
        while bits <= 56 {
            let Some((&octet, after)) = rest.split_first() else {
                break;
            };
            pending = (pending << 8) | u64::from(octet);
            bits += 8;
            rest = after;
        }
        if staged > STAGE_LEN - 8 {
            dst.put_slice(stage.get(..staged).unwrap_or_default());
            staged = 0;
        }
        // Up to four table steps (8 octets out) per refill, from the root: with
        // input left at least 57 bits are pending, and each step takes at
        // most 12.
        let mut steps = 0;
        while node == 0 && steps < 4 && bits >= PEEK_BITS {
            let entry = FAST[((pending >> (bits - PEEK_BITS)) as usize) & ((1 << PEEK_BITS) - 1)];
            let count = ((entry >> 16) & 3) as usize;
            if count == 0 {
                break;
            }
            // `staged` <= STAGE_LEN - 2 here, so the masks never wrap.
            stage[staged & (STAGE_LEN - 1)] = entry as u8;
            stage[(staged + 1) & (STAGE_LEN - 1)] = (entry >> 8) as u8;
            staged += count;
            bits -= entry >> 24;
            steps += 1;
        }
        if steps == 4 {
            continue;
        }
        // After a refill, no bits means no input.
        if bits == 0 {
            break;
        }
        if node == 0 && bits < PEEK_BITS {
            // The last bits of the string: look them up padded with ones,
            // keeping only symbols that end within them.
            let pad = PEEK_BITS - bits;
            let padded = (pending << pad) | ((1 << pad) - 1);
            let entry = FAST[(padded as usize) & ((1 << PEEK_BITS) - 1)];
            let count = (entry >> 16) & 3;
            let first_len = (entry >> 18) & 0x1f;
            if count == 2 && entry >> 24 <= bits {
                stage[staged & (STAGE_LEN - 1)] = entry as u8;
                stage[(staged + 1) & (STAGE_LEN - 1)] = (entry >> 8) as u8;
                staged += 2;
                bits -= entry >> 24;
                continue;
            }
            if count >= 1 && first_len <= bits {
                stage[staged & (STAGE_LEN - 1)] = entry as u8;
                staged += 1;
                bits -= first_len;
                continue;
            }
            // Valid padding: fewer than 8 bits, all ones (§5.2).
            if bits < 8 && pending & ((1 << bits) - 1) == (1 << bits) - 1 {
                break;
            }
        }
        // A code over 12 bits, or the string's last bits: walk the tree. If
        // the bits run out mid-code, the walk resumes from `node` after the
        // next refill, or the string ends there.
        while bits > 0 {
            bits -= 1;
            let child = CHILDREN[usize::from(node)][((pending >> bits) & 1) as usize];
            if child & LEAF == 0 {
                node = child as u8;
                continue;
            }
            if child & 0x1ff == EOS {
                return Err(HuffmanError::EosInString);
            }
            stage[staged & (STAGE_LEN - 1)] = child as u8;
            staged += 1;
            node = 0;
            break;
        }
    }
    dst.put_slice(stage.get(..staged).unwrap_or_default());
    match ENDINGS[usize::from(node)] {
        Ending::Valid => Ok(()),
        Ending::PaddingTooLong => Err(HuffmanError::PaddingTooLong),
        Ending::PaddingNotEos => Err(HuffmanError::PaddingNotEos),
    }
}

/// The length in octets of the Huffman coding of `src`, padding included.
pub fn encoded_len(src: &[u8]) -> usize {
    let bits: usize = src
        .iter()
        .map(|&octet| usize::from(CODES[usize::from(octet)].1))
        .sum();
    bits.div_ceil(8)
}

/// Appends the Huffman coding of `src` to `dst`, padded with the most
/// significant bits of EOS (all ones, §5.2).
pub fn encode(src: &[u8], dst: &mut Vec<u8>) {
    dst.reserve(encoded_len(src));
    // Holds fewer than 8 pending bits plus one code of at most 30 bits.
    let mut pending: u64 = 0;
    let mut pending_bits: u32 = 0;
    for &octet in src {
        let (code, len) = CODES[usize::from(octet)];
        pending = (pending << len) | u64::from(code);
        pending_bits += u32::from(len);
        while pending_bits >= 8 {
            pending_bits -= 8;
            dst.push((pending >> pending_bits) as u8);
        }
    }
    if pending_bits > 0 {
        let pad = 8 - pending_bits;
        dst.push(((pending << pad) | ((1 << pad) - 1)) as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn dec(src: &[u8]) -> Result<Vec<u8>, HuffmanError> {
        let mut out = Vec::new();
        decode(src, &mut out).map(|()| out)
    }

    #[test]
    fn rfc_c4_strings() {
        let cases = [
            ("www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff"),
            ("no-cache", "a8eb 1064 9cbf"),
            ("custom-key", "25a8 49e9 5ba9 7d7f"),
            ("custom-value", "25a8 49e9 5bb8 e8b4 bf"),
        ];
        for (plain, coded) in cases {
            let mut out = Vec::new();
            encode(plain.as_bytes(), &mut out);
            assert_eq!(out, hex(coded), "{plain}");
            assert_eq!(encoded_len(plain.as_bytes()), out.len());
            assert_eq!(dec(&out).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn every_symbol_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        let mut out = Vec::new();
        encode(&all, &mut out);
        assert_eq!(dec(&out).unwrap(), all);
    }

    #[test]
    fn long_codes_at_every_alignment() {
        // '#' has a 12-bit code, octet 1 a 23-bit one, 10 and 13 the
        // longest (30 bits): long codes land at every offset of a refill.
        for lead in 0..64 {
            let mut data = vec![b'a'; lead];
            for _ in 0..8 {
                data.extend_from_slice(&[b'#', b'#', b'#', 10, 1, b'e', 13, b'0', 200]);
            }
            let mut out = Vec::new();
            encode(&data, &mut out);
            assert_eq!(dec(&out).unwrap(), data, "lead {lead}");
        }
    }

    #[test]
    fn rejects_bad_endings() {
        // EOS (30 ones) padded with two more ones: EOS inside the string.
        assert_eq!(
            dec(&[0xff, 0xff, 0xff, 0xff]),
            Err(HuffmanError::EosInString)
        );
        // One full octet of ones is 8 bits of padding.
        assert_eq!(dec(&[0xff]), Err(HuffmanError::PaddingTooLong));
        // 'a' is 00011 (5 bits); padding 000 is not ones.
        assert_eq!(dec(&[0x18]), Err(HuffmanError::PaddingNotEos));
        // 'a' then 111 is valid; 'a' then 11 ones octet is too long.
        assert_eq!(dec(&[0x1f]).unwrap(), b"a");
        assert_eq!(dec(&[0x1f, 0xff]), Err(HuffmanError::PaddingTooLong));
        assert_eq!(dec(&[]).unwrap(), b"");
    }

    /// The plainest decoder: one bit at a time through the tree.
    fn reference_decode(src: &[u8]) -> Result<Vec<u8>, HuffmanError> {
        let mut out = Vec::new();
        let mut node = 0usize;
        for octet in src {
            for shift in (0..8).rev() {
                let child = CHILDREN[node][usize::from((octet >> shift) & 1)];
                if child & LEAF == 0 {
                    node = usize::from(child);
                } else if child & 0x1ff == EOS {
                    return Err(HuffmanError::EosInString);
                } else {
                    out.push(child as u8);
                    node = 0;
                }
            }
        }
        match ENDINGS[node] {
            Ending::Valid => Ok(out),
            Ending::PaddingTooLong => Err(HuffmanError::PaddingTooLong),
            Ending::PaddingNotEos => Err(HuffmanError::PaddingNotEos),
        }
    }

    #[test]
    fn agrees_with_reference_on_every_short_input() {
        for first in 0..=255u8 {
            assert_eq!(dec(&[first]), reference_decode(&[first]), "{first:02x}");
            for second in 0..=255u8 {
                let input = [first, second];
                assert_eq!(dec(&input), reference_decode(&input), "{input:02x?}");
            }
        }
    }

    quickcheck! {
        fn agrees_with_reference_on_arbitrary_bytes(data: Vec<u8>) -> bool {
            dec(&data) == reference_decode(&data)
        }

        fn agrees_with_reference_on_coded_strings(data: Vec<u8>, tail: Vec<u8>) -> bool {
            let mut coded = Vec::new();
            encode(&data, &mut coded);
            coded.extend_from_slice(&tail[..tail.len().min(3)]);
            dec(&coded) == reference_decode(&coded)
        }

        fn accepted_input_re_encodes_exactly(data: Vec<u8>) -> bool {
            match dec(&data) {
                Ok(plain) => {
                    let mut again = Vec::new();
                    encode(&plain, &mut again);
                    again == data
                }
                Err(_) => true,
            }
        }

        fn round_trip(data: Vec<u8>) -> bool {
            let mut out = Vec::new();
            encode(&data, &mut out);
            out.len() == encoded_len(&data) && dec(&out) == Ok(data)
        }

        fn decode_never_panics_and_bounds_output(data: Vec<u8>) -> bool {
            match dec(&data) {
                Ok(out) => out.len() <= data.len() * 8 / 5,
                Err(_) => true,
            }
        }
    }
}
