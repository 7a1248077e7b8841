//! HTTP/2 flow control (RFC 9113 §5.2, §6.9): send and receive windows,
//! when to send WINDOW_UPDATE, and how far to grow the window.
//!
//! Only DATA is flow-controlled, and its whole payload counts, padding
//! included (§6.1). Each stream has a window and the connection has one
//! more; a DATA frame uses credit from both.
//!
//! - [`Window`] is the send side: the credit the peer granted us.
//! - [`ReceiveWindow`] is the receive side: the credit we granted the peer,
//!   and the data it sent that the application has not yet read.
//! - [`BdpEstimator`] measures how much data arrives in one PING round trip
//!   and tells the receive windows how far to grow.

use std::time::Instant;

use crate::h2::settings::{DEFAULT_INITIAL_WINDOW_SIZE, MAX_WINDOW_SIZE};
use crate::h2::stream_state::ErrorScope;
use crate::h2::{ErrorCode, H2Error, StreamId};

/// A flow-control rule the peer broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FlowControlError {
    /// WINDOW_UPDATE with an increment of 0: PROTOCOL_ERROR, on the stream
    /// or on the connection as the window is (§6.9).
    #[error("WINDOW_UPDATE with an increment of 0 on the {scope:?} window (RFC 9113 §6.9)")]
    ZeroIncrement {
        /// The stream's window or the connection's.
        scope: ErrorScope,
    },
    /// WINDOW_UPDATE that takes the window past 2^31-1 (§6.9.1).
    #[error("WINDOW_UPDATE of {increment} takes the {scope:?} window from {window} past 2^31-1 (RFC 9113 §6.9.1)")]
    WindowOverflow {
        /// The stream's window or the connection's.
        scope: ErrorScope,
        /// The window before the update.
        window: i64,
        /// The increment received.
        increment: u32,
    },
    /// A SETTINGS_INITIAL_WINDOW_SIZE change that takes a stream window
    /// past 2^31-1: always a connection error (§6.9.2).
    #[error("SETTINGS_INITIAL_WINDOW_SIZE change from {old} to {new} takes a stream window from {window} past 2^31-1 (RFC 9113 §6.9.2)")]
    InitialWindowOverflow {
        /// The previous SETTINGS_INITIAL_WINDOW_SIZE.
        old: u32,
        /// The new SETTINGS_INITIAL_WINDOW_SIZE.
        new: u32,
        /// The stream window before the change.
        window: i64,
    },
    /// DATA beyond the credit we granted (§6.9.1).
    #[error("received {received} flow-controlled octets with {available} left in the {scope:?} window (RFC 9113 §6.9.1)")]
    ReceivedBeyondWindow {
        /// The stream's window or the connection's.
        scope: ErrorScope,
        /// The DATA payload length, padding included.
        received: u32,
        /// The credit the peer had left.
        available: i64,
    },
}

impl FlowControlError {
    /// Whether to answer with RST_STREAM or GOAWAY (§5.4).
    pub fn scope(&self) -> ErrorScope {
        match *self {
            FlowControlError::ZeroIncrement { scope }
            | FlowControlError::WindowOverflow { scope, .. }
            | FlowControlError::ReceivedBeyondWindow { scope, .. } => scope,
            FlowControlError::InitialWindowOverflow { .. } => ErrorScope::Connection,
        }
    }

    /// The error code to send (§6.9: a zero increment is PROTOCOL_ERROR,
    /// the rest FLOW_CONTROL_ERROR).
    pub fn code(&self) -> ErrorCode {
        match self {
            FlowControlError::ZeroIncrement { .. } => ErrorCode::ProtocolError,
            _ => ErrorCode::FlowControlError,
        }
    }

    /// The error to act on; `stream` is the window's stream (ignored for
    /// connection errors).
    pub fn to_h2_error(&self, stream: StreamId) -> H2Error {
        let reason = match self {
            FlowControlError::ZeroIncrement { .. } => "WINDOW_UPDATE increment of 0 (RFC 9113 6.9)",
            FlowControlError::WindowOverflow { .. } => {
                "WINDOW_UPDATE takes the window past 2^31-1 (RFC 9113 6.9.1)"
            }
            FlowControlError::InitialWindowOverflow { .. } => {
                "SETTINGS_INITIAL_WINDOW_SIZE takes a window past 2^31-1 (RFC 9113 6.9.2)"
            }
            FlowControlError::ReceivedBeyondWindow { .. } => {
                "DATA beyond the flow-control window (RFC 9113 6.9.1)"
            }
        };
        self.scope().error(stream, self.code(), reason)
    }
}

/// A request of ours that the window accounting cannot honour: a bug in the
/// caller, never the peer's doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WindowMisuse {
    /// Sending more than the peer's credit allows (§6.9.1: MUST NOT).
    #[error("tried to send {requested} octets with {available} of credit")]
    SendPastCredit {
        /// Octets we tried to send.
        requested: u32,
        /// Credit available.
        available: u32,
    },
    /// Releasing more data than was received and not yet released.
    #[error("tried to release {requested} octets with {unreleased} unreleased")]
    ReleasePastReceived {
        /// Octets the caller released.
        requested: u32,
        /// Octets received and not yet released.
        unreleased: u64,
    },
}

/// The credit the peer granted us to send DATA: one per stream and one for
/// the connection (§6.9.1).
///
/// The size is signed: a smaller SETTINGS_INITIAL_WINDOW_SIZE can make a
/// stream window negative, and we then send nothing until WINDOW_UPDATE
/// makes it positive again (§6.9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    scope: ErrorScope,
    size: i64,
}

impl Window {
    /// The connection's send window: 65,535 octets, which only
    /// WINDOW_UPDATE can change (§6.9.2).
    pub fn connection() -> Self {
        Window {
            scope: ErrorScope::Connection,
            size: i64::from(DEFAULT_INITIAL_WINDOW_SIZE),
        }
    }

    /// A new stream's send window: the peer's SETTINGS_INITIAL_WINDOW_SIZE
    /// (a value past 2^31-1 is refused when SETTINGS is decoded, §6.5.2;
    /// here it is clamped).
    pub fn stream(initial_window_size: u32) -> Self {
        Window {
            scope: ErrorScope::Stream,
            size: i64::from(initial_window_size.min(MAX_WINDOW_SIZE)),
        }
    }

    /// Whether this is a stream's window or the connection's.
    pub fn scope(&self) -> ErrorScope {
        self.scope
    }

    /// The window as the RFC counts it; negative after a SETTINGS decrease.
    pub fn size(&self) -> i64 {
        self.size
    }

    /// Octets we may send now: the size, or 0 while it is negative.
    pub fn available(&self) -> u32 {
        u32::try_from(self.size.max(0)).unwrap_or(MAX_WINDOW_SIZE)
    }

    /// Adds the increment of a WINDOW_UPDATE received for this window.
    ///
    /// On error the window is unchanged. An increment of 0 is a
    /// PROTOCOL_ERROR (§6.9); going past 2^31-1 is a FLOW_CONTROL_ERROR
    /// (§6.9.1); both are stream or connection errors as the window is.
    pub fn apply_window_update(&mut self, increment: u32) -> Result<(), FlowControlError> {
        if increment == 0 {
            return Err(FlowControlError::ZeroIncrement { scope: self.scope });
        }
        let grown = self.size + i64::from(increment);
        if grown > i64::from(MAX_WINDOW_SIZE) {
            return Err(FlowControlError::WindowOverflow {
                scope: self.scope,
                window: self.size,
                increment,
            });
        }
        self.size = grown;
        Ok(())
    }

    /// Moves a stream window by the change of SETTINGS_INITIAL_WINDOW_SIZE
    /// from `old` to `new` (§6.9.2): it may become negative, but past
    /// 2^31-1 is a connection FLOW_CONTROL_ERROR. On error it is unchanged.
    pub fn apply_initial_window_size_change(
        &mut self,
        old: u32,
        new: u32,
    ) -> Result<(), FlowControlError> {
        let moved = self.size.saturating_add(i64::from(new) - i64::from(old));
        if moved > i64::from(MAX_WINDOW_SIZE) {
            return Err(FlowControlError::InitialWindowOverflow {
                old,
                new,
                window: self.size,
            });
        }
        self.size = moved;
        Ok(())
    }

    /// Takes `len` octets of credit for a DATA payload we are sending.
    /// Asking for more than [`Window::available`] is refused and changes
    /// nothing (§6.9.1: the sender MUST NOT exceed the window).
    pub fn consume(&mut self, len: u32) -> Result<(), WindowMisuse> {
        let available = self.available();
        if len > available {
            return Err(WindowMisuse::SendPastCredit {
                requested: len,
                available,
            });
        }
        self.size -= i64::from(len);
        Ok(())
    }
}

/// Moves every stream send window by the peer's change of
/// SETTINGS_INITIAL_WINDOW_SIZE from `old` to `new` (§6.9.2). The first
/// window pushed past 2^31-1 stops it with a connection FLOW_CONTROL_ERROR;
/// the connection is then over, so the windows already moved do not matter.
pub fn apply_initial_window_size_change_to_all<'a>(
    windows: impl IntoIterator<Item = &'a mut Window>,
    old: u32,
    new: u32,
) -> Result<(), FlowControlError> {
    windows
        .into_iter()
        .try_for_each(|w| w.apply_initial_window_size_change(old, new))
}

/// How many DATA octets may go out on a stream now: the smaller of its
/// window and the connection's (§6.9.1).
pub fn sendable(connection: &Window, stream: &Window) -> u32 {
    connection.available().min(stream.available())
}

/// How a receive window is sized: where it starts and how far measured
/// bandwidth-delay product may grow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiveWindowPolicy {
    /// The window we offer at first. Default 1 MiB: the RFC's 65,535
    /// octets cap a stream at 64 KiB per round trip (about 5 Mbit/s at
    /// 100 ms); 1 MiB fills about 80 Mbit/s at 100 ms, while the
    /// connection window still bounds what all streams together may make
    /// us hold.
    pub initial_window_size: u32,
    /// The ceiling for growth from BDP measurements. Default 16 MiB: enough
    /// for 1 Gbit/s at over 100 ms, yet a bounded amount of memory.
    pub max_window_size: u32,
}

impl Default for ReceiveWindowPolicy {
    fn default() -> Self {
        ReceiveWindowPolicy {
            initial_window_size: 1 << 20,
            max_window_size: 16 << 20,
        }
    }
}

/// The credit we granted the peer to send DATA, and the data it sent that
/// the application has not read yet.
///
/// Credit is given back as the application *releases* data, not as it
/// arrives, so a slow reader stops the sender instead of filling memory:
/// what the peer may send plus what we hold never exceeds the target
/// window. WINDOW_UPDATE goes out in batches, once at least half the target
/// can be granted, not for every frame (§6.9.1 asks to avoid tiny updates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiveWindow {
    scope: ErrorScope,
    /// Octets the peer may still send, as it counts them.
    advertised: i64,
    /// Octets received and not yet released by the application.
    unreleased: u64,
    /// The window we aim to offer.
    target: u32,
    policy: ReceiveWindowPolicy,
}

impl ReceiveWindow {
    /// The connection's receive window: the peer starts with 65,535 octets
    /// (§6.9.2, only WINDOW_UPDATE can change it), so the first
    /// [`ReceiveWindow::window_update`] raises it to the policy's size.
    pub fn connection(policy: ReceiveWindowPolicy) -> Self {
        ReceiveWindow {
            scope: ErrorScope::Connection,
            advertised: i64::from(DEFAULT_INITIAL_WINDOW_SIZE),
            unreleased: 0,
            target: policy.initial_window_size.min(MAX_WINDOW_SIZE),
            policy,
        }
    }

    /// A new stream's receive window; the target is the policy's size.
    ///
    /// `advertised_initial` is the SETTINGS_INITIAL_WINDOW_SIZE the peer
    /// will apply to the stream: the value in our latest SETTINGS when it
    /// raised the window (the peer reads that SETTINGS before any later
    /// frame of ours, and more credit than it assumes is harmless), the
    /// acknowledged value while a decrease is in flight (§6.9.3).
    pub fn stream(policy: ReceiveWindowPolicy, advertised_initial: u32) -> Self {
        ReceiveWindow {
            scope: ErrorScope::Stream,
            advertised: i64::from(advertised_initial.min(MAX_WINDOW_SIZE)),
            unreleased: 0,
            target: policy.initial_window_size.min(MAX_WINDOW_SIZE),
            policy,
        }
    }

    /// Whether this is a stream's window or the connection's.
    pub fn scope(&self) -> ErrorScope {
        self.scope
    }

    /// Octets the peer may still send; negative after we lowered
    /// SETTINGS_INITIAL_WINDOW_SIZE below what it had in flight.
    pub fn advertised(&self) -> i64 {
        self.advertised
    }

    /// Octets received and not yet released by the application.
    pub fn unreleased(&self) -> u64 {
        self.unreleased
    }

    /// The window we currently aim to offer.
    pub fn target(&self) -> u32 {
        self.target
    }

    /// Accounts for a DATA frame of `len` payload octets, padding included
    /// (§6.1). Beyond the credit granted it is a FLOW_CONTROL_ERROR on this
    /// window's scope and nothing changes (§6.9.1). Padding, and data on a
    /// stream nobody will read, should be released at once.
    pub fn receive(&mut self, len: u32) -> Result<(), FlowControlError> {
        if i64::from(len) > self.advertised {
            return Err(FlowControlError::ReceivedBeyondWindow {
                scope: self.scope,
                received: len,
                available: self.advertised,
            });
        }
        self.advertised -= i64::from(len);
        self.unreleased += u64::from(len);
        Ok(())
    }

    /// The application has consumed `len` octets, so their credit may be
    /// given back. Releasing more than was received is refused.
    pub fn release(&mut self, len: u32) -> Result<(), WindowMisuse> {
        if u64::from(len) > self.unreleased {
            return Err(WindowMisuse::ReleasePastReceived {
                requested: len,
                unreleased: self.unreleased,
            });
        }
        self.unreleased -= u64::from(len);
        Ok(())
    }

    /// The increment of the WINDOW_UPDATE to send now, if one is due, and
    /// counts it as granted.
    ///
    /// Due once the credit to give back (released data plus any growth of
    /// the target) reaches half the target; never past 2^31-1, since
    /// advertised plus unreleased stays within the target.
    pub fn window_update(&mut self) -> Option<u32> {
        let owed = i64::from(self.target) - self.advertised - self.unreleased_i64();
        if owed <= 0 || owed < i64::from(self.target / 2).max(1) {
            return None;
        }
        let increment = u32::try_from(owed).ok()?;
        self.advertised += owed;
        Some(increment)
    }

    /// Raises the target window, up to the policy's maximum; it never
    /// shrinks. The next [`ReceiveWindow::window_update`] grants the growth.
    pub fn grow_target(&mut self, target: u32) {
        let ceiling = self.policy.max_window_size.min(MAX_WINDOW_SIZE);
        self.target = self.target.max(target.min(ceiling));
    }

    /// Moves a stream window by our own change of SETTINGS_INITIAL_WINDOW_SIZE
    /// from `old` to `new`, once the peer applies it (§6.9.2). A decrease can
    /// make the credit negative: data already in flight then counts as
    /// beyond the window, which §6.9.3 allows us to treat as an error.
    pub fn apply_initial_window_size_change(&mut self, old: u32, new: u32) {
        self.advertised = self
            .advertised
            .saturating_add(i64::from(new) - i64::from(old));
    }

    fn unreleased_i64(&self) -> i64 {
        i64::try_from(self.unreleased).unwrap_or(i64::MAX)
    }
}

/// Measures the bandwidth-delay product: the octets that arrive during one
/// PING round trip (RFC 9113 §6.7 PING as the probe).
///
/// When a sample comes close to the current window, the window is what
/// limits throughput, so the estimator proposes twice the sample, up to the
/// policy's maximum. The connection applies it with
/// [`ReceiveWindow::grow_target`] to its own window and to each stream's,
/// and advertises it to new streams with SETTINGS_INITIAL_WINDOW_SIZE.
/// It must recognise the probe's PING ACK by the payload it chose. A sample only counts if its bandwidth is the best seen,
/// so a round trip swollen by queueing does not inflate the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BdpEstimator {
    ping_sent_at: Option<Instant>,
    sample: u64,
    best_bandwidth: u128,
}

impl BdpEstimator {
    /// A new estimator with no probe in flight.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a probe PING is waiting for its acknowledgement.
    pub fn is_probing(&self) -> bool {
        self.ping_sent_at.is_some()
    }

    /// Counts `len` DATA octets received at `now`. Returns true when the
    /// caller should send a probe PING now: data is flowing and no probe is
    /// in flight.
    pub fn on_data(&mut self, len: u32, now: Instant) -> bool {
        match self.ping_sent_at {
            Some(_) => {
                self.sample = self.sample.saturating_add(u64::from(len));
                false
            }
            None => {
                self.ping_sent_at = Some(now);
                self.sample = u64::from(len);
                true
            }
        }
    }

    /// Ends the probe when its PING acknowledgement arrives at `now`, and
    /// returns the new target window if the window is what limits the flow.
    pub fn on_ping_ack(
        &mut self,
        now: Instant,
        current_target: u32,
        policy: &ReceiveWindowPolicy,
    ) -> Option<u32> {
        let sent_at = self.ping_sent_at.take()?;
        let rtt_nanos = now
            .checked_duration_since(sent_at)
            .map_or(0, |d| d.as_nanos())
            .max(1);
        let bandwidth = u128::from(self.sample) * 1_000_000_000 / rtt_nanos;
        if bandwidth < self.best_bandwidth {
            return None;
        }
        self.best_bandwidth = bandwidth;
        // "Close to the window": at least two thirds of it arrived in one
        // round trip.
        if self.sample.saturating_mul(3) < u64::from(current_target) * 2 {
            return None;
        }
        let ceiling = policy.max_window_size.min(MAX_WINDOW_SIZE);
        let proposed = u32::try_from(self.sample.saturating_mul(2))
            .unwrap_or(u32::MAX)
            .min(ceiling);
        (proposed > current_target).then_some(proposed)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn connection_send_window_starts_at_65535() {
        let w = Window::connection();
        assert_eq!(w.size(), 65_535);
        assert_eq!(w.available(), 65_535);
        assert_eq!(w.scope(), ErrorScope::Connection);
    }

    #[test]
    fn zero_increment_is_protocol_error_in_the_window_scope() {
        let mut s = Window::stream(100);
        let err = s.apply_window_update(0).unwrap_err();
        assert_eq!(
            err,
            FlowControlError::ZeroIncrement {
                scope: ErrorScope::Stream
            }
        );
        assert_eq!(
            (err.scope(), err.code()),
            (ErrorScope::Stream, ErrorCode::ProtocolError)
        );
        let err = Window::connection().apply_window_update(0).unwrap_err();
        assert_eq!(
            (err.scope(), err.code()),
            (ErrorScope::Connection, ErrorCode::ProtocolError)
        );
        assert_eq!(s.size(), 100);
        assert!(matches!(
            err.to_h2_error(StreamId::CONNECTION),
            H2Error::Connection(e) if e.code == ErrorCode::ProtocolError
        ));
    }

    #[test]
    fn update_to_exactly_max_is_fine_and_one_more_overflows() {
        let mut s = Window::stream(0);
        s.apply_window_update(MAX_WINDOW_SIZE).unwrap();
        assert_eq!(s.size(), i64::from(MAX_WINDOW_SIZE));
        let err = s.apply_window_update(1).unwrap_err();
        assert_eq!(
            err,
            FlowControlError::WindowOverflow {
                scope: ErrorScope::Stream,
                window: i64::from(MAX_WINDOW_SIZE),
                increment: 1
            }
        );
        assert_eq!(
            (err.scope(), err.code()),
            (ErrorScope::Stream, ErrorCode::FlowControlError)
        );
        assert_eq!(s.size(), i64::from(MAX_WINDOW_SIZE));

        let mut c = Window::connection();
        let err = c.apply_window_update(MAX_WINDOW_SIZE).unwrap_err();
        assert_eq!(
            (err.scope(), err.code()),
            (ErrorScope::Connection, ErrorCode::FlowControlError)
        );
    }

    #[test]
    fn settings_decrease_makes_the_window_negative_as_in_6_9_2() {
        // §6.9.2's example: 60 KB sent on a 64 KiB window, then the
        // initial size drops to 16 KB.
        let mut s = Window::stream(65_535);
        s.consume(60_000).unwrap();
        s.apply_initial_window_size_change(65_535, 16_000).unwrap();
        assert_eq!(s.size(), 16_000 - 60_000);
        assert_eq!(s.available(), 0);
        assert_eq!(
            s.consume(1),
            Err(WindowMisuse::SendPastCredit {
                requested: 1,
                available: 0
            })
        );
        s.apply_window_update(44_000).unwrap();
        assert_eq!(s.available(), 0);
        s.apply_window_update(1).unwrap();
        assert_eq!(s.available(), 1);
    }

    #[test]
    fn settings_increase_past_max_is_a_connection_error() {
        let mut s = Window::stream(65_535);
        s.apply_window_update(MAX_WINDOW_SIZE - 65_535).unwrap();
        let err = s
            .apply_initial_window_size_change(65_535, 65_536)
            .unwrap_err();
        assert_eq!(
            err,
            FlowControlError::InitialWindowOverflow {
                old: 65_535,
                new: 65_536,
                window: i64::from(MAX_WINDOW_SIZE)
            }
        );
        assert_eq!(
            (err.scope(), err.code()),
            (ErrorScope::Connection, ErrorCode::FlowControlError)
        );
    }

    #[test]
    fn settings_change_moves_every_stream_window() {
        let mut windows = [Window::stream(100), Window::stream(65_535)];
        apply_initial_window_size_change_to_all(&mut windows, 65_535, 1000).unwrap();
        assert_eq!(windows.map(|w| w.size()), [100 - 64_535, 1000]);
        windows[1]
            .apply_window_update(MAX_WINDOW_SIZE - 1000)
            .unwrap();
        let err = apply_initial_window_size_change_to_all(&mut windows, 1000, 1001).unwrap_err();
        assert_eq!(err.scope(), ErrorScope::Connection);
        assert_eq!(err.code(), ErrorCode::FlowControlError);
    }

    #[test]
    fn sendable_is_the_smaller_window() {
        let c = Window::connection();
        let s = Window::stream(1000);
        assert_eq!(sendable(&c, &s), 1000);
        let s = Window::stream(1 << 20);
        assert_eq!(sendable(&c, &s), 65_535);
    }

    #[test]
    fn connection_receive_window_first_update_raises_to_policy() {
        let mut r = ReceiveWindow::connection(ReceiveWindowPolicy::default());
        assert_eq!(r.advertised(), 65_535);
        assert_eq!(r.window_update(), Some((1 << 20) - 65_535));
        assert_eq!(r.advertised(), 1 << 20);
        assert_eq!(r.window_update(), None);
    }

    #[test]
    fn receive_beyond_window_is_flow_control_error_and_changes_nothing() {
        let policy = ReceiveWindowPolicy {
            initial_window_size: 100,
            max_window_size: 1000,
        };
        let mut r = ReceiveWindow::stream(policy, 100);
        r.receive(60).unwrap();
        let err = r.receive(41).unwrap_err();
        assert_eq!(
            err,
            FlowControlError::ReceivedBeyondWindow {
                scope: ErrorScope::Stream,
                received: 41,
                available: 40
            }
        );
        assert_eq!(err.code(), ErrorCode::FlowControlError);
        assert_eq!((r.advertised(), r.unreleased()), (40, 60));
        r.receive(40).unwrap();
        assert_eq!(r.advertised(), 0);
    }

    #[test]
    fn credit_returns_on_release_not_on_arrival_and_in_batches() {
        let policy = ReceiveWindowPolicy {
            initial_window_size: 100,
            max_window_size: 1000,
        };
        let mut r = ReceiveWindow::stream(policy, 100);
        r.receive(100).unwrap();
        // A slow reader: nothing released, nothing granted.
        assert_eq!(r.window_update(), None);
        r.release(49).unwrap();
        assert_eq!(r.window_update(), None, "49 < half of 100");
        r.release(1).unwrap();
        assert_eq!(r.window_update(), Some(50));
        assert_eq!((r.advertised(), r.unreleased()), (50, 50));
        assert_eq!(
            r.release(51),
            Err(WindowMisuse::ReleasePastReceived {
                requested: 51,
                unreleased: 50
            })
        );
    }

    #[test]
    fn grown_target_is_granted_and_capped() {
        let policy = ReceiveWindowPolicy {
            initial_window_size: 100,
            max_window_size: 1000,
        };
        let mut r = ReceiveWindow::stream(policy, 100);
        r.grow_target(400);
        assert_eq!(r.window_update(), Some(300));
        r.grow_target(5000);
        assert_eq!(r.target(), 1000);
        r.grow_target(10);
        assert_eq!(r.target(), 1000, "never shrinks");
        assert_eq!(r.window_update(), Some(600));
        assert_eq!(r.advertised(), 1000);
    }

    #[test]
    fn bdp_doubles_when_a_round_trip_fills_the_window() {
        let policy = ReceiveWindowPolicy {
            initial_window_size: 1000,
            max_window_size: 3000,
        };
        let t0 = Instant::now();
        let mut bdp = BdpEstimator::new();
        assert!(bdp.on_data(400, t0));
        assert!(bdp.is_probing());
        assert!(!bdp.on_data(400, t0 + Duration::from_millis(5)));
        // 800 >= 2/3 of 1000: propose 1600.
        assert_eq!(
            bdp.on_ping_ack(t0 + Duration::from_millis(10), 1000, &policy),
            Some(1600)
        );
        assert!(!bdp.is_probing());
        // A small sample proposes nothing.
        let t1 = t0 + Duration::from_millis(20);
        assert!(bdp.on_data(100, t1));
        assert_eq!(
            bdp.on_ping_ack(t1 + Duration::from_millis(10), 1600, &policy),
            None
        );
        // A big one, at better bandwidth, is capped at the maximum.
        let t2 = t0 + Duration::from_millis(40);
        assert!(bdp.on_data(2000, t2));
        assert_eq!(
            bdp.on_ping_ack(t2 + Duration::from_millis(10), 1600, &policy),
            Some(3000)
        );
        // An ack with no probe in flight is not ours.
        assert_eq!(bdp.on_ping_ack(t2, 1600, &policy), None);
    }

    #[test]
    fn bdp_ignores_samples_slowed_by_queueing() {
        let policy = ReceiveWindowPolicy {
            initial_window_size: 1000,
            max_window_size: 1 << 20,
        };
        let t0 = Instant::now();
        let mut bdp = BdpEstimator::new();
        bdp.on_data(900, t0);
        assert_eq!(
            bdp.on_ping_ack(t0 + Duration::from_millis(10), 1000, &policy),
            Some(1800)
        );
        // Same octets over a ten times longer round trip: lower bandwidth.
        let t1 = t0 + Duration::from_secs(1);
        bdp.on_data(1500, t1);
        assert_eq!(
            bdp.on_ping_ack(t1 + Duration::from_millis(100), 1800, &policy),
            None
        );
    }

    #[derive(Debug, Clone)]
    enum SendOp {
        Update(u32),
        Settings(u32),
        Send(u32),
    }

    impl quickcheck::Arbitrary for SendOp {
        fn arbitrary(g: &mut quickcheck::Gen) -> Self {
            let n = match u8::arbitrary(g) % 3 {
                0 => u32::arbitrary(g) & MAX_WINDOW_SIZE,
                1 => u32::arbitrary(g) % 100_000,
                _ => u32::arbitrary(g),
            };
            match u8::arbitrary(g) % 3 {
                0 => SendOp::Update(n),
                1 => SendOp::Settings(n),
                _ => SendOp::Send(n),
            }
        }
    }

    quickcheck::quickcheck! {
        /// Whatever the peer's WINDOW_UPDATEs and SETTINGS, a send window
        /// never exceeds 2^31-1, errors leave it unchanged, and the octets
        /// we send never exceed the credit granted.
        fn send_window_stays_in_range_and_within_credit(ops: Vec<SendOp>) -> bool {
            let mut w = Window::stream(DEFAULT_INITIAL_WINDOW_SIZE);
            let mut initial = DEFAULT_INITIAL_WINDOW_SIZE;
            let mut credit = i64::from(initial);
            let mut sent: i64 = 0;
            for op in ops {
                let before = w;
                let ok = match op {
                    SendOp::Update(n) => {
                        let r = w.apply_window_update(n);
                        if r.is_ok() { credit += i64::from(n); }
                        r.is_ok()
                    }
                    SendOp::Settings(n) => {
                        let r = w.apply_initial_window_size_change(initial, n);
                        if r.is_ok() {
                            credit += i64::from(n) - i64::from(initial);
                            initial = n;
                        }
                        r.is_ok()
                    }
                    SendOp::Send(n) => {
                        let len = n.min(w.available());
                        if w.consume(len).is_err() { return false; }
                        sent += i64::from(len);
                        // Sending never overdraws: credit covers all sent so far.
                        if len > 0 && sent > credit { return false; }
                        // Asking for more than is available is refused.
                        n <= len || w.consume(n).is_err()
                    }
                };
                if !ok && w != before { return false; }
                if w.size() > i64::from(MAX_WINDOW_SIZE) { return false; }
                if w.size() != credit - sent { return false; }
            }
            true
        }

        /// A peer that sends only within the credit it was granted is never
        /// refused; what it may send plus what we hold never exceeds the
        /// target; the window never exceeds 2^31-1.
        fn receive_window_matches_a_well_behaved_peer(steps: Vec<(u32, u32, bool)>) -> bool {
            let policy = ReceiveWindowPolicy { initial_window_size: 1 << 16, max_window_size: 1 << 24 };
            let mut r = ReceiveWindow::stream(policy, 1 << 16);
            let mut peer_credit = i64::from(1u32 << 16);
            for (send, read, grow) in steps {
                let len = u32::try_from(i64::from(send).min(peer_credit.max(0))).unwrap_or(0);
                if r.receive(len).is_err() { return false; }
                peer_credit -= i64::from(len);
                let read = u32::try_from(u64::from(read).min(r.unreleased())).unwrap_or(0);
                if r.release(read).is_err() { return false; }
                if grow { r.grow_target(r.target().saturating_mul(2)); }
                if let Some(inc) = r.window_update() {
                    if inc == 0 { return false; }
                    peer_credit += i64::from(inc);
                }
                if r.advertised() != peer_credit { return false; }
                if r.advertised() > i64::from(MAX_WINDOW_SIZE) { return false; }
                if r.advertised() + i64::try_from(r.unreleased()).unwrap_or(i64::MAX) > i64::from(r.target()) { return false; }
            }
            true
        }

        /// A hostile peer can only ever get errors, never a panic or a
        /// negative count.
        fn receive_window_never_panics(steps: Vec<(u32, u32, u32)>) -> bool {
            let mut r = ReceiveWindow::connection(ReceiveWindowPolicy::default());
            for (send, read, grow) in steps {
                let _ = r.receive(send);
                let _ = r.release(read);
                r.grow_target(grow);
                let _ = r.window_update();
                if r.advertised() > i64::from(MAX_WINDOW_SIZE) { return false; }
            }
            true
        }
    }
}
