//! Flood limits: a token bucket for events that are fine at a steady rate
//! but not in a burst (RST_STREAM, "glitches"), and a capped counter for
//! events that are fine only a bounded number of times per connection.
//!
//! Peers can make a server work hard with frames that are each legal:
//! rapid reset (CVE-2023-44487), resets provoked from us (CVE-2025-8671),
//! endless empty DATA or PRIORITY (RFC 9113 §10.5). When a limit trips,
//! the connection ends with GOAWAY(ENHANCE_YOUR_CALM) (§10.5: "An endpoint
//! MAY treat activity that is suspicious as a connection error of type
//! ENHANCE_YOUR_CALM"). Time arrives as `now`; nothing here reads a clock.

use std::time::Instant;

use crate::h2::{ErrorCode, H2Error};

/// Scale of the bucket's fixed-point arithmetic: tokens are counted in
/// billionths so that refills of a few per second stay exact per nanosecond.
const NANOS_PER_TOKEN: u128 = 1_000_000_000;

/// A limit the peer went past: end the connection with
/// GOAWAY(ENHANCE_YOUR_CALM) (§10.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LimitExceeded {
    /// A token bucket is empty: events came faster than the refill rate
    /// after the burst allowance was spent.
    #[error("more than {capacity} events in a burst, refilled at {refill_per_second}/s")]
    RateLimited {
        /// The bucket's burst allowance.
        capacity: u32,
        /// Tokens added per second.
        refill_per_second: u32,
    },
    /// A counter reached its cap.
    #[error("more than {cap} events on this connection")]
    CapReached {
        /// The counter's cap.
        cap: u32,
    },
}

impl LimitExceeded {
    /// ENHANCE_YOUR_CALM: the peer is generating excessive load (§7).
    pub fn code(&self) -> ErrorCode {
        ErrorCode::EnhanceYourCalm
    }

    /// The connection error to act on; `reason` names the limit.
    pub fn to_h2_error(&self, reason: &'static str) -> H2Error {
        H2Error::connection(ErrorCode::EnhanceYourCalm, reason)
    }
}

/// A token bucket: up to `capacity` events at once, then
/// `refill_per_second` on average.
///
/// Starts full. Each event takes one token; tokens come back continuously
/// with time, never beyond the capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBucket {
    capacity: u32,
    refill_per_second: u32,
    /// Tokens available, in billionths.
    level: u128,
    /// When `level` was last brought up to date.
    updated_at: Option<Instant>,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(capacity: u32, refill_per_second: u32) -> Self {
        TokenBucket {
            capacity,
            refill_per_second,
            level: u128::from(capacity) * NANOS_PER_TOKEN,
            updated_at: None,
        }
    }

    /// The burst allowance.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Whole tokens available at `now`.
    pub fn available(&mut self, now: Instant) -> u32 {
        self.refill(now);
        u32::try_from(self.level / NANOS_PER_TOKEN).unwrap_or(u32::MAX)
    }

    /// Takes one token for an event at `now`, or reports the limit if the
    /// bucket is empty (which leaves it empty).
    pub fn take(&mut self, now: Instant) -> Result<(), LimitExceeded> {
        self.refill(now);
        if self.level < NANOS_PER_TOKEN {
            return Err(LimitExceeded::RateLimited {
                capacity: self.capacity,
                refill_per_second: self.refill_per_second,
            });
        }
        self.level -= NANOS_PER_TOKEN;
        Ok(())
    }

    /// Adds the tokens earned since the last update. An instant earlier
    /// than the last one earns nothing, so a confused clock cannot refill.
    fn refill(&mut self, now: Instant) {
        let elapsed = match self.updated_at {
            Some(then) => now.checked_duration_since(then).unwrap_or_default(),
            None => Default::default(),
        };
        if self.updated_at.is_none_or(|then| now > then) {
            self.updated_at = Some(now);
        }
        let earned = elapsed
            .as_nanos()
            .saturating_mul(u128::from(self.refill_per_second));
        let full = u128::from(self.capacity) * NANOS_PER_TOKEN;
        self.level = self.level.saturating_add(earned).min(full);
    }
}

/// A count of events with a cap: for what may happen only so many times
/// per connection (resets we had to send, empty DATA frames) or be
/// outstanding at once (streams not yet handled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CappedCounter {
    count: u32,
    cap: u32,
}

impl CappedCounter {
    /// A counter at zero that allows up to `cap` events.
    pub fn new(cap: u32) -> Self {
        CappedCounter { count: 0, cap }
    }

    /// The current count.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The cap.
    pub fn cap(&self) -> u32 {
        self.cap
    }

    /// Counts one more event; past the cap it is refused and the count
    /// stays at the cap.
    pub fn increment(&mut self) -> Result<(), LimitExceeded> {
        if self.count >= self.cap {
            return Err(LimitExceeded::CapReached { cap: self.cap });
        }
        self.count += 1;
        Ok(())
    }

    /// One outstanding event is done (e.g. a pending stream was handled);
    /// never below zero.
    pub fn decrement(&mut self) {
        self.count = self.count.saturating_sub(1);
    }

    /// Back to zero (e.g. a frame that resets the count arrived).
    pub fn reset(&mut self) {
        self.count = 0;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_refills_at_the_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(3, 2);
        for _ in 0..3 {
            b.take(t0).unwrap();
        }
        assert_eq!(
            b.take(t0),
            Err(LimitExceeded::RateLimited {
                capacity: 3,
                refill_per_second: 2
            })
        );
        // 2 per second: one token every 500 ms, none before.
        assert_eq!(
            b.take(t0 + Duration::from_millis(499)),
            Err(LimitExceeded::RateLimited {
                capacity: 3,
                refill_per_second: 2
            })
        );
        b.take(t0 + Duration::from_millis(500)).unwrap();
        assert!(b.take(t0 + Duration::from_millis(500)).is_err());
        // Fractions accumulate: 250 ms + 250 ms is one token.
        assert!(b.take(t0 + Duration::from_millis(750)).is_err());
        b.take(t0 + Duration::from_millis(1000)).unwrap();
        // A long pause refills only to the capacity.
        let later = t0 + Duration::from_secs(3600);
        assert_eq!(b.available(later), 3);
    }

    #[test]
    fn bucket_ignores_time_going_backwards() {
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_secs(10);
        let mut b = TokenBucket::new(1, 1);
        b.take(t1).unwrap();
        assert!(b.take(t0).is_err());
        // Going back did not move the reference point back either.
        assert!(b.take(t1 + Duration::from_millis(999)).is_err());
        b.take(t1 + Duration::from_secs(1)).unwrap();
    }

    #[test]
    fn nghttp2_rst_bucket_numbers() {
        // 1000 at once, then 33/s: 1001 resets in the first instant trip it,
        // and after one second 33 more are allowed.
        let t0 = Instant::now();
        let mut b = TokenBucket::new(1000, 33);
        for _ in 0..1000 {
            b.take(t0).unwrap();
        }
        assert!(b.take(t0).is_err());
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(b.available(t1), 33);
        for _ in 0..33 {
            b.take(t1).unwrap();
        }
        assert!(b.take(t1).is_err());
    }

    #[test]
    fn zero_rate_bucket_never_refills() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(1, 0);
        b.take(t0).unwrap();
        assert!(b.take(t0 + Duration::from_secs(1_000_000)).is_err());
    }

    #[test]
    fn counter_caps_and_counts_down() {
        let mut c = CappedCounter::new(2);
        c.increment().unwrap();
        c.increment().unwrap();
        assert_eq!(c.increment(), Err(LimitExceeded::CapReached { cap: 2 }));
        assert_eq!(c.count(), 2);
        c.decrement();
        c.increment().unwrap();
        c.reset();
        assert_eq!(c.count(), 0);
        c.decrement();
        assert_eq!(c.count(), 0);
        assert_eq!(c.cap(), 2);
    }

    #[test]
    fn limits_are_enhance_your_calm_connection_errors() {
        let e = LimitExceeded::CapReached { cap: 1 };
        assert_eq!(e.code(), ErrorCode::EnhanceYourCalm);
        assert!(matches!(
            e.to_h2_error("too many resets"),
            H2Error::Connection(c) if c.code == ErrorCode::EnhanceYourCalm && c.reason == "too many resets"
        ));
    }

    quickcheck::quickcheck! {
        /// Over any schedule of events, the bucket never lets through more
        /// than capacity + rate x elapsed seconds.
        fn bucket_never_exceeds_its_budget(capacity: u16, rate: u16, gaps_ms: Vec<u16>) -> bool {
            let t0 = Instant::now();
            let mut b = TokenBucket::new(u32::from(capacity), u32::from(rate));
            let mut now = t0;
            let mut taken: u128 = 0;
            for gap in gaps_ms {
                now += Duration::from_millis(u64::from(gap));
                if b.take(now).is_ok() {
                    taken += 1;
                }
                let elapsed = now.duration_since(t0).as_nanos();
                let budget = u128::from(capacity) + elapsed * u128::from(rate) / NANOS_PER_TOKEN;
                if taken > budget {
                    return false;
                }
            }
            true
        }
    }
}
