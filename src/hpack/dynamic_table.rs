//! The dynamic table (RFC 7541 §2.3.2, §4): a FIFO of recent fields, newest
//! first, bounded by a size counted as name + value + 32 per entry.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use super::header::field_size;

/// One dynamic table entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Field name.
    pub name: Bytes,
    /// Field value.
    pub value: Bytes,
    /// [`name_fingerprint`] of `name`, so the encoder's search compares
    /// whole names only when this matches.
    name_fingerprint: u32,
}

/// A cheap summary of a name (length, first, middle and last octets): equal
/// names have equal fingerprints, and most different names do not.
pub fn name_fingerprint(name: &[u8]) -> u32 {
    let octet = |i: usize| u32::from(name.get(i).copied().unwrap_or(0));
    let len = name.len();
    (len as u32 & 0xff) | octet(0) << 8 | octet(len / 2) << 16 | octet(len.wrapping_sub(1)) << 24
}

impl Entry {
    /// Whether the entry's name is `name`, whose fingerprint is given.
    pub fn has_name(&self, name: &[u8], fingerprint: u32) -> bool {
        self.name_fingerprint == fingerprint && self.name[..] == *name
    }

    /// The entry's size as §4.1 counts it.
    pub fn size(&self) -> usize {
        field_size(&self.name, &self.value)
    }
}

/// The dynamic table shared in step by an encoder and its peer's decoder.
///
/// Entries own their octets in one allocation each, so a table never keeps
/// alive the larger buffers its fields were decoded from: its memory stays
/// within `max_size` plus per-entry bookkeeping.
#[derive(Debug, Clone)]
pub struct DynamicTable {
    entries: VecDeque<Entry>,
    size: usize,
    max_size: usize,
}

impl DynamicTable {
    /// An empty table holding at most `max_size` octets (§4.1 accounting).
    pub fn new(max_size: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            size: 0,
            max_size,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Current size: the sum of the entries' §4.1 sizes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The maximum size currently in force (§4.2).
    pub fn max_size(&self) -> usize {
        self.max_size
    }

    /// The entry at 0-based `position` (dynamic index `62 + position`, §2.3.3).
    pub fn get(&self, position: usize) -> Option<&Entry> {
        self.entries.get(position)
    }

    /// Entries from newest to oldest.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// Sets the maximum size, evicting the oldest entries until the table
    /// fits (§4.3).
    pub fn set_max_size(&mut self, max_size: usize) {
        self.max_size = max_size;
        self.evict_to(max_size);
    }

    /// Adds a field as the newest entry, first evicting old entries to make
    /// room; a field larger than the maximum size empties the table and is
    /// not added (§4.4). The octets are copied into one fresh allocation.
    /// `name` may be static, in which case it is shared rather than copied.
    pub fn insert(&mut self, name: &Bytes, value: &[u8], name_is_static: bool) {
        let size = field_size(name, value);
        if size > self.max_size {
            self.entries.clear();
            self.size = 0;
            return;
        }
        self.evict_to(self.max_size - size);
        let entry = if name_is_static {
            Entry {
                name: name.clone(),
                value: Bytes::copy_from_slice(value),
                name_fingerprint: name_fingerprint(name),
            }
        } else {
            let mut octets = BytesMut::with_capacity(name.len() + value.len());
            octets.extend_from_slice(name);
            octets.extend_from_slice(value);
            let octets = octets.freeze();
            Entry {
                name: octets.slice(..name.len()),
                value: octets.slice(name.len()..),
                name_fingerprint: name_fingerprint(name),
            }
        };
        self.size += size;
        self.entries.push_front(entry);
    }

    /// Adds a field as [`DynamicTable::insert`] does, keeping `name` and
    /// `value` as they are: the caller makes sure they keep alive no more
    /// than about their own octets (the decoder gives each such field a
    /// buffer of its own).
    pub fn insert_shared(&mut self, name: Bytes, value: Bytes) {
        let size = field_size(&name, &value);
        if size > self.max_size {
            self.entries.clear();
            self.size = 0;
            return;
        }
        self.evict_to(self.max_size - size);
        let name_fingerprint = name_fingerprint(&name);
        self.size += size;
        self.entries.push_front(Entry {
            name,
            value,
            name_fingerprint,
        });
    }

    fn evict_to(&mut self, target: usize) {
        while self.size > target {
            match self.entries.pop_back() {
                Some(entry) => self.size -= entry.size(),
                None => {
                    self.size = 0;
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(table: &DynamicTable) -> Vec<&[u8]> {
        table.iter().map(|e| &e.name[..]).collect()
    }

    #[test]
    fn insert_counts_sizes_and_evicts_oldest() {
        let mut table = DynamicTable::new(100);
        table.insert(&Bytes::from_static(b"aaaa"), b"1234", false); // 40
        table.insert(&Bytes::from_static(b"bbbb"), b"1234", false); // 40
        assert_eq!((table.len(), table.size()), (2, 80));
        table.insert(&Bytes::from_static(b"cc"), b"", true); // 34: evicts aaaa
        assert_eq!(names(&table), [&b"cc"[..], b"bbbb"]);
        assert_eq!(table.size(), 74);
        assert_eq!(table.get(1).map(|e| &e.value[..]), Some(&b"1234"[..]));
        assert!(table.get(2).is_none());
    }

    #[test]
    fn insert_shared_keeps_the_octets_and_counts_like_insert() {
        let mut table = DynamicTable::new(100);
        let value = Bytes::from_static(b"1234");
        table.insert_shared(Bytes::from_static(b"aaaa"), value.clone()); // 40
        assert_eq!(table.get(0).map(|e| e.value.as_ptr()), Some(value.as_ptr()));
        assert!(table
            .get(0)
            .unwrap()
            .has_name(b"aaaa", name_fingerprint(b"aaaa")));
        table.insert(&Bytes::from_static(b"bbbb"), b"1234", false); // 40
        table.insert_shared(Bytes::from_static(b"cc"), Bytes::new()); // 34: evicts aaaa
        assert_eq!(names(&table), [&b"cc"[..], b"bbbb"]);
        assert_eq!(table.size(), 74);
        table.insert_shared(Bytes::from_static(b"n"), Bytes::from(vec![b'x'; 68])); // 101
        assert!(table.is_empty());
        assert_eq!(table.size(), 0);
    }

    #[test]
    fn too_large_entry_empties_table() {
        let mut table = DynamicTable::new(64);
        table.insert(&Bytes::from_static(b"a"), b"b", false);
        table.insert(&Bytes::from_static(b"name"), &[b'x'; 40], false);
        assert!(table.is_empty());
        assert_eq!(table.size(), 0);
    }

    #[test]
    fn shrinking_evicts_and_zero_clears() {
        let mut table = DynamicTable::new(4096);
        for i in 0..10u8 {
            table.insert(&Bytes::from_static(b"n"), &[i], false); // 34 each
        }
        table.set_max_size(100);
        assert_eq!(table.len(), 2);
        assert_eq!(table.get(0).map(|e| &e.value[..]), Some(&[9u8][..]));
        table.set_max_size(0);
        assert!(table.is_empty());
        assert_eq!(table.max_size(), 0);
    }
}
