//! Deadlines of many connections mapped onto one poll timeout.
//!
//! A min-heap of (deadline, slot). Each slot has at most one live deadline;
//! entries that no longer match it are skipped when they reach the top,
//! and the heap is rebuilt when stale entries dominate.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

/// The next deadline of every slot that has one.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(Instant, usize)>>,
    /// The live deadline of each slot, indexed by slot.
    live: Vec<Option<Instant>>,
    live_count: usize,
}

impl Timers {
    /// Sets (or clears) the deadline of `slot`.
    pub(crate) fn set(&mut self, slot: usize, deadline: Option<Instant>) {
        if self.live.len() <= slot {
            self.live.resize(slot + 1, None);
        }
        let Some(entry) = self.live.get_mut(slot) else {
            return;
        };
        if *entry == deadline {
            return;
        }
        match (entry.is_some(), deadline.is_some()) {
            (false, true) => self.live_count += 1,
            (true, false) => self.live_count -= 1,
            _ => {}
        }
        *entry = deadline;
        if let Some(at) = deadline {
            self.heap.push(Reverse((at, slot)));
        }
        if self.heap.len() > 2 * self.live_count + 64 {
            self.rebuild();
        }
    }

    fn rebuild(&mut self) {
        self.heap = self
            .live
            .iter()
            .enumerate()
            .filter_map(|(slot, at)| at.map(|at| Reverse((at, slot))))
            .collect();
    }

    fn drop_stale_top(&mut self) {
        while let Some(Reverse((at, slot))) = self.heap.peek().copied() {
            if self.live.get(slot).copied().flatten() == Some(at) {
                return;
            }
            self.heap.pop();
        }
    }

    /// The earliest live deadline.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        self.drop_stale_top();
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// Removes and returns one slot whose deadline is at or before `now`.
    pub(crate) fn pop_expired(&mut self, now: Instant) -> Option<usize> {
        self.drop_stale_top();
        let Reverse((at, slot)) = *self.heap.peek()?;
        if at > now {
            return None;
        }
        self.heap.pop();
        self.set(slot, None);
        Some(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn expire_in_deadline_order_and_skip_replaced_entries() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut timers = Timers::default();
        timers.set(3, Some(t0 + ms(30)));
        timers.set(1, Some(t0 + ms(10)));
        timers.set(2, Some(t0 + ms(20)));
        timers.set(1, Some(t0 + ms(25))); // replaces 10 ms
        timers.set(2, None);
        assert_eq!(timers.next_deadline(), Some(t0 + ms(25)));
        assert_eq!(timers.pop_expired(t0 + ms(24)), None);
        assert_eq!(timers.pop_expired(t0 + ms(40)), Some(1));
        assert_eq!(timers.pop_expired(t0 + ms(40)), Some(3));
        assert_eq!(timers.pop_expired(t0 + ms(40)), None);
        assert_eq!(timers.next_deadline(), None);
    }

    #[test]
    fn stale_entries_stay_bounded() {
        let t0 = Instant::now();
        let mut timers = Timers::default();
        for i in 0..10_000u64 {
            timers.set(0, Some(t0 + Duration::from_nanos(i)));
        }
        assert!(timers.heap.len() <= 66, "heap has {}", timers.heap.len());
        assert_eq!(
            timers.next_deadline(),
            Some(t0 + Duration::from_nanos(9_999))
        );
    }
}
