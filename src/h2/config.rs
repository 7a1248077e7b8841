//! The limits and timers of one HTTP/2 connection, each a named setting
//! with a safe default and the reason for it.
//!
//! Defaults follow the values the most trusted HTTP/2 and gRPC stacks use
//! (the project's LIMITS.md records where each comes from). Every limit
//! bounds something a peer could otherwise make grow without end. When a
//! flood limit trips, the connection sends GOAWAY(ENHANCE_YOUR_CALM)
//! (RFC 9113 §10.5).

use std::time::Duration;

use crate::h2::flow_control::ReceiveWindowPolicy;
use crate::h2::settings::{Settings, DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE, MAX_WINDOW_SIZE};

/// The limits, windows and timers of one HTTP/2 connection.
///
/// Plain fields with [`Default`]: change what you need, then call
/// [`Config::validate`]. Settings marked "server" or "client" apply to
/// that role only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    // --- Streams -------------------------------------------------------
    /// SETTINGS_MAX_CONCURRENT_STREAMS we advertise: how many streams the
    /// peer may have open toward us. Default 100, the least RFC 9113
    /// §6.5.2 recommends.
    pub max_concurrent_streams: u32,
    /// Streams opened by the peer but not yet taken by the application;
    /// past it, GOAWAY(ENHANCE_YOUR_CALM). Default 400 (4x the concurrent
    /// limit): a client may race a little past our SETTINGS, but not
    /// queue unbounded work.
    pub max_pending_accept_streams: u32,
    /// Streams the peer reset before the application handled them (rapid
    /// reset, CVE-2023-44487); past it, GOAWAY(ENHANCE_YOUR_CALM).
    /// Default 20.
    pub max_pending_reset_streams: u32,
    /// Burst of RST_STREAM frames accepted from the peer. Default 1000,
    /// refilled at [`Config::rst_stream_refill_per_second`].
    pub rst_stream_burst: u32,
    /// Steady rate of RST_STREAM frames accepted from the peer. Default
    /// 33 per second.
    pub rst_stream_refill_per_second: u32,
    /// RST_STREAM frames we had to send because of the peer's frames
    /// (CVE-2025-8671, "MadeYouReset"); past it, GOAWAY(ENHANCE_YOUR_CALM).
    /// Default 1024 per connection.
    pub max_local_resets: u32,
    /// Burst of "glitches": frames that do nothing useful but cost work
    /// (frames on closed streams, empty DATA, PRIORITY, unknown frames).
    /// Default 10000, refilled at [`Config::glitch_refill_per_second`].
    pub glitch_burst: u32,
    /// Steady rate of glitches tolerated. Default 330 per second.
    pub glitch_refill_per_second: u32,
    /// SETTINGS_ENABLE_PUSH we advertise. Default false: gRPC never uses
    /// server push, and refusing it removes a whole class of state.
    pub enable_push: bool,
    /// Client: once our next stream id passes this, new calls go on a new
    /// connection, long before ids run out at 2^31-1 (§5.1.1). Default
    /// 0.75 x 2^31.
    pub stream_id_rollover: u32,

    // --- Field blocks and frames ---------------------------------------
    /// SETTINGS_MAX_HEADER_LIST_SIZE we advertise (§6.5.2), the size of a
    /// decoded field section as §6.5.2 counts it. A larger block resets
    /// the stream. Default 16 KiB.
    pub max_header_list_size: u32,
    /// Decoded field section size past which we stop decoding and end the
    /// connection (the advertised value is advisory, so a peer may exceed
    /// it a little; not by this much). Default 64 KiB (4x).
    pub header_list_size_hard_limit: u32,
    /// Fields in one block past which the stream is reset. Default 100.
    pub max_header_fields: u32,
    /// Fields in one block past which the connection ends. Default 1000.
    pub header_fields_hard_limit: u32,
    /// CONTINUATION frames after one HEADERS or PUSH_PROMISE: a block may
    /// not arrive as a trickle of tiny frames (CVE-2024-27316 family).
    /// Default 8.
    pub max_continuation_frames: u32,
    /// SETTINGS_HEADER_TABLE_SIZE we advertise: our HPACK decoder's
    /// dynamic table. Default 4096, the RFC 7541 initial size.
    pub header_table_size: u32,
    /// Largest HPACK dynamic table our encoder uses, whatever the peer
    /// allows: the peer must not make us hold large tables. Default 4096.
    pub max_encoder_table_size: u32,
    /// SETTINGS_MAX_FRAME_SIZE we advertise. Default 16384, the RFC's
    /// initial value: larger frames only add head-of-line blocking.
    pub max_frame_size: u32,
    /// Entries in one SETTINGS frame past which the connection ends
    /// (§10.5: pointless settings cost work). Default 32.
    pub max_settings_entries: u32,

    // --- Flow control --------------------------------------------------
    /// Our receive window for the whole connection: 1 MiB at first, grown
    /// by measured bandwidth-delay product up to 16 MiB. The connection
    /// window bounds what all streams together may make us hold.
    pub connection_window: ReceiveWindowPolicy,
    /// Our receive window per stream: SETTINGS_INITIAL_WINDOW_SIZE is its
    /// initial size (1 MiB), grown like the connection's up to 16 MiB.
    pub stream_window: ReceiveWindowPolicy,
    /// Whether to send PING probes to measure bandwidth-delay product and
    /// grow the windows. Default true.
    pub bdp_probing: bool,
    /// Data the application may queue on one stream beyond what windows
    /// let us send; writes block or fail past it. Default 400 KiB.
    pub max_send_buffer_per_stream: u32,
    /// Frames queued for the socket past which we stop reading from the
    /// peer (and end the connection if it persists): a peer that does not
    /// read must not make us queue without end (§10.5). Default 10000.
    pub max_queued_frames: u32,
    /// Of those, control frames we owe the peer (SETTINGS ACK, PING ACK,
    /// RST_STREAM). Default 1000.
    pub max_queued_control_frames: u32,
    /// DATA frames without payload and without END_STREAM accepted per
    /// connection; past it, GOAWAY(ENHANCE_YOUR_CALM). Default 100.
    pub max_empty_data_frames: u32,
    /// WINDOW_UPDATE frames we accept per DATA frame we send: tiny
    /// increments would make us send a storm of tiny DATA frames (§10.5).
    /// Default 10.
    pub max_window_updates_per_data_frame: u32,

    // --- Timers --------------------------------------------------------
    /// Time for the TLS handshake and the client connection preface
    /// (§3.4). Default 10 s.
    pub preface_timeout: Duration,
    /// Time for the peer's first SETTINGS frame, which must open its side
    /// of the connection (§3.4). Default 2 s.
    pub first_settings_timeout: Duration,
    /// A connection with no open stream for this long gets
    /// GOAWAY(NO_ERROR) and is closed. Default 1 h; `None` keeps it.
    pub idle_timeout: Option<Duration>,
    /// Send a keepalive PING after this long without any frame from the
    /// peer. Default 2 h (gRPC's server default); `None` sends none.
    pub keepalive_time: Option<Duration>,
    /// Close the connection if the keepalive PING is not acknowledged in
    /// this time. Default 20 s.
    pub keepalive_timeout: Duration,
    /// Server: the peer's PINGs must be at least this far apart while calls
    /// are open. Default 5 min (gRPC keepalive policy).
    pub min_peer_ping_interval: Duration,
    /// Server: the same with no call open. Default 2 h.
    pub min_peer_ping_interval_without_calls: Duration,
    /// Server: PINGs too close together tolerated before
    /// GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings"). Default 2.
    pub max_ping_strikes: u32,
    /// Graceful shutdown: first a GOAWAY with the last stream id 2^31-1,
    /// then, after one PING round trip, the real last stream id, so
    /// requests in flight are not lost (§6.8). Default true.
    pub graceful_goaway: bool,
    /// How long to wait for that PING before sending the final GOAWAY
    /// anyway. Default 20 s, as for keepalive.
    pub graceful_goaway_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        let window = ReceiveWindowPolicy::default();
        Config {
            max_concurrent_streams: 100,
            max_pending_accept_streams: 400,
            max_pending_reset_streams: 20,
            rst_stream_burst: 1000,
            rst_stream_refill_per_second: 33,
            max_local_resets: 1024,
            glitch_burst: 10_000,
            glitch_refill_per_second: 330,
            enable_push: false,
            stream_id_rollover: 3 << 29,

            max_header_list_size: 16 << 10,
            header_list_size_hard_limit: 64 << 10,
            max_header_fields: 100,
            header_fields_hard_limit: 1000,
            max_continuation_frames: 8,
            header_table_size: 4096,
            max_encoder_table_size: 4096,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            max_settings_entries: 32,

            connection_window: window,
            stream_window: window,
            bdp_probing: true,
            max_send_buffer_per_stream: 400 << 10,
            max_queued_frames: 10_000,
            max_queued_control_frames: 1000,
            max_empty_data_frames: 100,
            max_window_updates_per_data_frame: 10,

            preface_timeout: Duration::from_secs(10),
            first_settings_timeout: Duration::from_secs(2),
            idle_timeout: Some(Duration::from_secs(60 * 60)),
            keepalive_time: Some(Duration::from_secs(2 * 60 * 60)),
            keepalive_timeout: Duration::from_secs(20),
            min_peer_ping_interval: Duration::from_secs(5 * 60),
            min_peer_ping_interval_without_calls: Duration::from_secs(2 * 60 * 60),
            max_ping_strikes: 2,
            graceful_goaway: true,
            graceful_goaway_timeout: Duration::from_secs(20),
        }
    }
}

/// A [`Config`] whose values contradict each other or the RFC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `max_frame_size` outside 16384..=16777215 (§6.5.2).
    #[error("max_frame_size {0} is outside 16384..=16777215 (RFC 9113 §6.5.2)")]
    MaxFrameSize(u32),
    /// A window larger than 2^31-1 (§6.9.1).
    #[error("{0} is larger than 2^31-1 (RFC 9113 §6.9.1)")]
    WindowTooLarge(&'static str),
    /// A window whose maximum is below its initial size.
    #[error("{0}: max_window_size is below initial_window_size")]
    WindowMaxBelowInitial(&'static str),
    /// A hard limit below its soft counterpart.
    #[error("{0} is below the limit it backs up")]
    HardLimitBelowSoft(&'static str),
    /// A limit of zero that would refuse every connection or stream.
    #[error("{0} is zero")]
    Zero(&'static str),
    /// Control frames allowed beyond all queued frames.
    #[error("max_queued_control_frames is above max_queued_frames")]
    ControlQueueAboveTotal,
}

impl Config {
    /// Checks that the values make sense together and with the RFC.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(DEFAULT_MAX_FRAME_SIZE..=MAX_MAX_FRAME_SIZE).contains(&self.max_frame_size) {
            return Err(ConfigError::MaxFrameSize(self.max_frame_size));
        }
        for (name, window) in [
            ("connection_window", self.connection_window),
            ("stream_window", self.stream_window),
        ] {
            if window.max_window_size > MAX_WINDOW_SIZE {
                return Err(ConfigError::WindowTooLarge(name));
            }
            if window.max_window_size < window.initial_window_size {
                return Err(ConfigError::WindowMaxBelowInitial(name));
            }
        }
        if self.header_list_size_hard_limit < self.max_header_list_size {
            return Err(ConfigError::HardLimitBelowSoft(
                "header_list_size_hard_limit",
            ));
        }
        if self.header_fields_hard_limit < self.max_header_fields {
            return Err(ConfigError::HardLimitBelowSoft("header_fields_hard_limit"));
        }
        if self.max_pending_accept_streams < self.max_concurrent_streams {
            return Err(ConfigError::HardLimitBelowSoft(
                "max_pending_accept_streams",
            ));
        }
        for (name, value) in [
            ("max_concurrent_streams", self.max_concurrent_streams),
            ("max_header_fields", self.max_header_fields),
            ("max_settings_entries", self.max_settings_entries),
            ("max_queued_frames", self.max_queued_frames),
            ("max_queued_control_frames", self.max_queued_control_frames),
        ] {
            if value == 0 {
                return Err(ConfigError::Zero(name));
            }
        }
        if self.max_queued_control_frames > self.max_queued_frames {
            return Err(ConfigError::ControlQueueAboveTotal);
        }
        Ok(())
    }

    /// The SETTINGS values we advertise (§6.5.2), for the first SETTINGS
    /// frame: send their `diff_from_default()`.
    pub fn local_settings(&self) -> Settings {
        Settings {
            header_table_size: self.header_table_size,
            enable_push: self.enable_push,
            max_concurrent_streams: Some(self.max_concurrent_streams),
            initial_window_size: self.stream_window.initial_window_size,
            max_frame_size: self.max_frame_size,
            max_header_list_size: Some(self.max_header_list_size),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h2::settings::{Setting, SettingId};

    #[test]
    fn defaults_are_the_documented_values() {
        let c = Config::default();
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(c.max_concurrent_streams, 100);
        assert_eq!(c.max_pending_accept_streams, 4 * c.max_concurrent_streams);
        assert_eq!(c.max_pending_reset_streams, 20);
        assert_eq!(
            (c.rst_stream_burst, c.rst_stream_refill_per_second),
            (1000, 33)
        );
        assert_eq!(c.max_local_resets, 1024);
        assert_eq!((c.glitch_burst, c.glitch_refill_per_second), (10_000, 330));
        assert_eq!(c.max_header_list_size, 16_384);
        assert_eq!(c.header_list_size_hard_limit, 4 * 16_384);
        assert_eq!(
            (c.max_header_fields, c.header_fields_hard_limit),
            (100, 1000)
        );
        assert_eq!(c.max_continuation_frames, 8);
        assert_eq!(
            (c.header_table_size, c.max_encoder_table_size),
            (4096, 4096)
        );
        assert_eq!(c.max_frame_size, 16_384);
        assert_eq!(c.max_settings_entries, 32);
        assert_eq!(c.connection_window.initial_window_size, 1_048_576);
        assert_eq!(c.stream_window.initial_window_size, 1_048_576);
        assert_eq!(c.stream_window.max_window_size, 16_777_216);
        assert_eq!(c.max_send_buffer_per_stream, 409_600);
        assert_eq!(
            (c.max_queued_frames, c.max_queued_control_frames),
            (10_000, 1000)
        );
        assert_eq!(c.max_empty_data_frames, 100);
        assert_eq!(c.max_window_updates_per_data_frame, 10);
        assert_eq!(c.preface_timeout, Duration::from_secs(10));
        assert_eq!(c.first_settings_timeout, Duration::from_secs(2));
        assert_eq!(c.idle_timeout, Some(Duration::from_secs(3600)));
        assert_eq!(c.keepalive_time, Some(Duration::from_secs(7200)));
        assert_eq!(c.keepalive_timeout, Duration::from_secs(20));
        assert_eq!(c.min_peer_ping_interval, Duration::from_secs(300));
        assert_eq!(c.max_ping_strikes, 2);
        // 0.75 x 2^31.
        assert_eq!(u64::from(c.stream_id_rollover), 3 * (1u64 << 31) / 4);
        assert!(!c.enable_push && c.bdp_probing && c.graceful_goaway);
    }

    #[test]
    fn validate_rejects_contradictions() {
        let bad = |f: fn(&mut Config)| {
            let mut c = Config::default();
            f(&mut c);
            c.validate()
        };
        assert_eq!(
            bad(|c| c.max_frame_size = 16_383),
            Err(ConfigError::MaxFrameSize(16_383))
        );
        assert_eq!(
            bad(|c| c.max_frame_size = 1 << 24),
            Err(ConfigError::MaxFrameSize(1 << 24))
        );
        assert_eq!(
            bad(|c| c.stream_window.max_window_size = 1 << 31),
            Err(ConfigError::WindowTooLarge("stream_window"))
        );
        assert_eq!(
            bad(|c| c.connection_window.initial_window_size = 32 << 20),
            Err(ConfigError::WindowMaxBelowInitial("connection_window"))
        );
        assert_eq!(
            bad(|c| c.header_list_size_hard_limit = 1),
            Err(ConfigError::HardLimitBelowSoft(
                "header_list_size_hard_limit"
            ))
        );
        assert_eq!(
            bad(|c| c.header_fields_hard_limit = 99),
            Err(ConfigError::HardLimitBelowSoft("header_fields_hard_limit"))
        );
        assert_eq!(
            bad(|c| c.max_pending_accept_streams = 99),
            Err(ConfigError::HardLimitBelowSoft(
                "max_pending_accept_streams"
            ))
        );
        assert_eq!(
            bad(|c| c.max_concurrent_streams = 0),
            Err(ConfigError::Zero("max_concurrent_streams"))
        );
        assert_eq!(
            bad(|c| c.max_queued_control_frames = 10_001),
            Err(ConfigError::ControlQueueAboveTotal)
        );
    }

    #[test]
    fn local_settings_advertise_the_config() {
        let s = Config::default().local_settings();
        assert_eq!(
            s.diff_from_default(),
            vec![
                Setting::new(SettingId::EnablePush, 0),
                Setting::new(SettingId::MaxConcurrentStreams, 100),
                Setting::new(SettingId::InitialWindowSize, 1 << 20),
                Setting::new(SettingId::MaxHeaderListSize, 16_384),
            ]
        );
    }
}
