//! Read buffers that a connection holds only while data flows.
//!
//! An idle connection owns no read buffer: one is taken from the pool when
//! bytes arrive and given back once the session has consumed them all.

/// Unconsumed bytes are moved down to keep this alignment: copies whose
/// source and destination differ by 1..31 bytes modulo 4096 are slow in
/// this platform's `memmove`, so a move keeps the low 5 address bits.
const MOVE_ALIGN: usize = 32;

/// A byte buffer with a consumed prefix, filled region and free tail.
#[derive(Debug)]
pub(crate) struct ReadBuffer {
    bytes: Box<[u8]>,
    start: usize,
    end: usize,
}

impl ReadBuffer {
    fn with_capacity(capacity: usize) -> Self {
        ReadBuffer {
            bytes: vec![0; capacity.saturating_add(MOVE_ALIGN)].into_boxed_slice(),
            start: 0,
            end: 0,
        }
    }

    /// The bytes read and not yet consumed.
    pub(crate) fn filled(&self) -> &[u8] {
        self.bytes.get(self.start..self.end).unwrap_or(&[])
    }

    /// The bytes this buffer occupies.
    pub(crate) fn capacity(&self) -> usize {
        self.bytes.len()
    }

    /// Whether no unconsumed bytes remain.
    pub(crate) fn is_empty(&self) -> bool {
        self.start >= self.end
    }

    /// Marks `n` filled bytes as consumed (clamped to what is filled).
    pub(crate) fn consume(&mut self, n: usize) {
        self.start = self.start.saturating_add(n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// The free tail to read into, moving unconsumed bytes down first when
    /// the tail is shorter than `min_tail`. Empty when the buffer is full.
    pub(crate) fn spare(&mut self, min_tail: usize) -> &mut [u8] {
        let tail = self.bytes.len().saturating_sub(self.end);
        if tail < min_tail && self.start >= MOVE_ALIGN {
            // Keep the low bits of the address: the distance moved is a
            // multiple of MOVE_ALIGN.
            let dest = self.start % MOVE_ALIGN;
            self.bytes.copy_within(self.start..self.end, dest);
            self.end = dest + (self.end - self.start);
            self.start = dest;
        }
        self.bytes.get_mut(self.end..).unwrap_or(&mut [])
    }

    /// Records that `n` bytes were written into the slice from `spare`.
    pub(crate) fn fill(&mut self, n: usize) {
        self.end = self.end.saturating_add(n).min(self.bytes.len());
    }
}

/// Free read buffers, reused so a busy loop does not allocate per read.
#[derive(Debug)]
pub(crate) struct BufferPool {
    free: Vec<ReadBuffer>,
    buffer_size: usize,
    keep: usize,
}

impl BufferPool {
    /// A pool of buffers of `buffer_size` bytes that keeps at most `keep` free ones.
    pub(crate) fn new(buffer_size: usize, keep: usize) -> Self {
        BufferPool {
            free: Vec::new(),
            buffer_size: buffer_size.max(MOVE_ALIGN),
            keep,
        }
    }

    /// An empty buffer.
    pub(crate) fn take(&mut self) -> ReadBuffer {
        self.free
            .pop()
            .unwrap_or_else(|| ReadBuffer::with_capacity(self.buffer_size))
    }

    /// Gives an empty buffer back (a buffer holding bytes must not be given back).
    pub(crate) fn give(&mut self, mut buffer: ReadBuffer) {
        if self.free.len() < self.keep {
            buffer.start = 0;
            buffer.end = 0;
            self.free.push(buffer);
        }
    }

    /// How many free buffers the pool holds.
    pub(crate) fn free_count(&self) -> usize {
        self.free.len()
    }

    /// The bytes the free buffers occupy.
    pub(crate) fn free_bytes(&self) -> usize {
        self.free.iter().map(ReadBuffer::capacity).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(buf: &mut ReadBuffer, data: &[u8], min_tail: usize) -> usize {
        let spare = buf.spare(min_tail);
        let n = spare.len().min(data.len());
        spare[..n].copy_from_slice(&data[..n]);
        buf.fill(n);
        n
    }

    #[test]
    fn fill_consume_and_reset() {
        let mut pool = BufferPool::new(64, 2);
        let mut buf = pool.take();
        assert_eq!(write(&mut buf, b"hello world", 1), 11);
        assert_eq!(buf.filled(), b"hello world");
        buf.consume(6);
        assert_eq!(buf.filled(), b"world");
        buf.consume(100);
        assert!(buf.is_empty());
        assert_eq!(buf.filled(), b"");
        pool.give(buf);
        assert_eq!(pool.free_count(), 1);
    }

    #[test]
    fn moving_down_keeps_the_low_address_bits() {
        let mut buf = ReadBuffer::with_capacity(64);
        let data: Vec<u8> = (0..96u8).collect();
        assert_eq!(write(&mut buf, &data, 1), 96);
        buf.consume(70);
        // 26 bytes left at offset 70; a move keeps 70 % 32 = 6 as the new start.
        let spare_len = buf.spare(40).len();
        assert_eq!(buf.start, 6);
        assert_eq!(buf.filled(), &data[70..]);
        assert_eq!(spare_len, 96 - 6 - 26);
    }

    #[test]
    fn a_full_buffer_has_no_spare_room() {
        let mut buf = ReadBuffer::with_capacity(32);
        let data = [7u8; 100];
        assert_eq!(write(&mut buf, &data, 1), 64);
        assert!(buf.spare(1).is_empty());
        buf.consume(10);
        // 10 < MOVE_ALIGN: nothing moves, still full.
        assert!(buf.spare(1).is_empty());
        buf.consume(30);
        assert_eq!(buf.spare(1).len(), 32);
        assert_eq!(buf.filled(), &data[..24]);
    }

    quickcheck::quickcheck! {
        /// Any sequence of fills and consumes keeps the same bytes as a
        /// plain queue would, and never holds more than the capacity.
        fn behaves_like_a_bounded_queue(ops: Vec<(bool, u16, u16)>) -> bool {
            let mut buf = ReadBuffer::with_capacity(256);
            let mut model = std::collections::VecDeque::new();
            let mut next = 0u8;
            for (fill, amount, min_tail) in ops {
                if fill {
                    let spare = buf.spare(min_tail as usize % 300);
                    let n = (amount as usize).min(spare.len());
                    for byte in &mut spare[..n] {
                        *byte = next;
                        model.push_back(next);
                        next = next.wrapping_add(1);
                    }
                    buf.fill(n);
                } else {
                    let n = amount as usize;
                    buf.consume(n);
                    model.drain(..n.min(model.len()));
                }
                let filled = buf.filled();
                if filled.len() > 256 + MOVE_ALIGN || !filled.iter().eq(model.iter()) {
                    return false;
                }
            }
            true
        }
    }

    #[test]
    fn pool_keeps_at_most_its_bound() {
        let mut pool = BufferPool::new(64, 1);
        let (a, b) = (pool.take(), pool.take());
        pool.give(a);
        pool.give(b);
        assert_eq!(pool.free_count(), 1);
    }
}
