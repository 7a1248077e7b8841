//! The Huffman code for string literals (RFC 7541 §5.2, Appendix B).
//!
//! Decoding walks a finite automaton four bits at a time: its states are the
//! 256 inner nodes of the code tree, and for each state and nibble a table
//! built at compile time gives the next state and the symbol completed, if
//! any. No code is shorter than 5 bits, so a nibble completes at most one.

use bytes::BufMut;

use super::huffman_code::CODES;
use super::HuffmanError;

/// Marks a child in the code tree as a leaf; the low 9 bits are its symbol.
const LEAF: u16 = 0x8000;
/// The end-of-string symbol (Appendix B), never valid inside a string.
const EOS: u16 = 256;

/// The transition emits `symbol`.
const EMITS: u8 = 1;
/// The nibble completes EOS: the string is invalid (§5.2).
const FAILS: u8 = 2;

/// One step of the decoding automaton.
#[derive(Clone, Copy)]
struct Transition {
    next: u8,
    symbol: u8,
    flags: u8,
}

/// How the string may end in a state: in the root or on a prefix of EOS's
/// all-ones code of at most 7 bits (§5.2).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    Valid,
    PaddingTooLong,
    PaddingNotEos,
}

/// The code tree: `children[node][bit]` is an inner node id or `LEAF | symbol`.
/// Also, per node, how many 1 bits lead to it if only 1 bits do.
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

const fn build_transitions() -> [[Transition; 16]; 256] {
    let empty = Transition {
        next: 0,
        symbol: 0,
        flags: 0,
    };
    let mut table = [[empty; 16]; 256];
    let mut state = 0usize;
    while state < 256 {
        let mut nibble = 0usize;
        while nibble < 16 {
            let mut node = state;
            let mut step = empty;
            let mut bit_index = 4;
            while bit_index > 0 {
                bit_index -= 1;
                let child = TREE.children[node][(nibble >> bit_index) & 1];
                if child & LEAF != 0 {
                    if child & 0x1ff == EOS {
                        step.flags |= FAILS;
                        break;
                    }
                    step.symbol = (child & 0xff) as u8;
                    step.flags |= EMITS;
                    node = 0;
                } else {
                    node = child as usize;
                }
            }
            step.next = node as u8;
            table[state][nibble] = step;
            nibble += 1;
        }
        state += 1;
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

static TRANSITIONS: [[Transition; 16]; 256] = build_transitions();
static ENDINGS: [Ending; 256] = build_endings();

/// Decodes the Huffman-coded `src`, appending the octets to `dst`.
///
/// Rejects EOS inside the string, padding over 7 bits and padding that is
/// not all ones (§5.2). On error, `dst` may hold part of the string.
/// Appends at most `src.len() * 8 / 5` octets (no code is under 5 bits).
pub fn decode<B: BufMut>(src: &[u8], dst: &mut B) -> Result<(), HuffmanError> {
    let mut state = 0u8;
    for &octet in src {
        for nibble in [octet >> 4, octet & 0x0f] {
            // In range by type: state < 256, nibble < 16.
            let step = TRANSITIONS[usize::from(state)][usize::from(nibble)];
            if step.flags & FAILS != 0 {
                return Err(HuffmanError::EosInString);
            }
            if step.flags & EMITS != 0 {
                dst.put_u8(step.symbol);
            }
            state = step.next;
        }
    }
    match ENDINGS[usize::from(state)] {
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

    quickcheck! {
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
