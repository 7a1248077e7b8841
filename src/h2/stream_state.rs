//! The life of one HTTP/2 stream (RFC 9113 §5.1) as an explicit table.
//!
//! ```text
//!                          +--------+
//!                  send PP |        | recv PP
//!                 ,--------+  idle  +--------.
//!                /         |        |         \
//!               v          +--------+          v
//!        +----------+          |           +----------+
//!        |          |          | send H /  |          |
//! ,------+ reserved |          | recv H    | reserved +------.
//! |      | (local)  |          |           | (remote) |      |
//! |      +---+------+          v           +------+---+      |
//! |          |             +--------+             |          |
//! |          |     recv ES |        | send ES     |          |
//! |   send H |     ,-------+  open  +-------.     | recv H   |
//! |          |    /        |        |        \    |          |
//! |          v   v         +---+----+         v   v          |
//! |      +----------+          |           +----------+      |
//! |      |   half-  |          |           |   half-  |      |
//! |      |  closed  |          | send R /  |  closed  |      |
//! |      | (remote) |          | recv R    | (local)  |      |
//! |      +----+-----+          |           +-----+----+      |
//! |           |                |                 |           |
//! |           | send ES /      |       recv ES / |           |
//! |           |  send R /      v        send R / |           |
//! |           |  recv R    +--------+   recv R   |           |
//! | send R /  `----------->|        |<-----------'  send R / |
//! | recv R                 | closed |               recv R   |
//! `----------------------->|        |<-----------------------'
//!                          +--------+
//! ```
//!
//! [`transition`] is the whole machine: one `match` over every
//! (state, input) pair, giving the next state or the error the pair means.
//! It knows nothing of frames or stream ids: the connection maps each frame
//! to a [`StreamInput`], and checks what depends on the stream id itself
//! (§5.1.1: parity, monotonic ids, which side may push) before calling it.

use crate::h2::{ErrorCode, H2Error, StreamId};

/// Which frame an HTTP/2 error answers with (RFC 9113 §5.4).
///
/// One decision point: a stream error resets one stream with RST_STREAM
/// (§5.4.2), a connection error ends the connection with GOAWAY (§5.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorScope {
    /// Send RST_STREAM on the stream; the connection carries on (§5.4.2).
    Stream,
    /// Send GOAWAY and close the connection (§5.4.1).
    Connection,
}

impl ErrorScope {
    /// The error of this scope on `stream` (ignored for the connection).
    pub fn error(self, stream: StreamId, code: ErrorCode, reason: &'static str) -> H2Error {
        match self {
            ErrorScope::Stream => H2Error::stream(stream, code, reason),
            ErrorScope::Connection => H2Error::connection(code, reason),
        }
    }
}

/// How a stream reached `closed`, which decides what late frames mean.
///
/// §5.1 ("closed"): after we send RST_STREAM the peer may still have any
/// frame in flight, so those are discarded quietly; after END_STREAM in both
/// directions, or the peer's own RST_STREAM, the peer has no reason to send
/// more than WINDOW_UPDATE, RST_STREAM or PRIORITY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// Both sides sent END_STREAM.
    EndStream,
    /// We sent RST_STREAM: late frames of every type are expected.
    ResetLocal,
    /// The peer sent RST_STREAM.
    ResetRemote,
}

/// A stream's state as this endpoint sees it (RFC 9113 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamState {
    /// Not yet used; every stream starts here.
    Idle,
    /// Promised by a PUSH_PROMISE we sent; we will send its HEADERS.
    ReservedLocal,
    /// Promised by a PUSH_PROMISE the peer sent; it will send HEADERS.
    ReservedRemote,
    /// Both sides may send.
    Open,
    /// We sent END_STREAM; only the peer still sends data.
    HalfClosedLocal,
    /// The peer sent END_STREAM; only we still send data.
    HalfClosedRemote,
    /// Terminal, with how it got there.
    Closed(CloseReason),
}

impl StreamState {
    /// Every state, for exhaustive tests and fuzzing.
    pub const ALL: [StreamState; 9] = [
        StreamState::Idle,
        StreamState::ReservedLocal,
        StreamState::ReservedRemote,
        StreamState::Open,
        StreamState::HalfClosedLocal,
        StreamState::HalfClosedRemote,
        StreamState::Closed(CloseReason::EndStream),
        StreamState::Closed(CloseReason::ResetLocal),
        StreamState::Closed(CloseReason::ResetRemote),
    ];

    /// Whether the stream counts toward SETTINGS_MAX_CONCURRENT_STREAMS:
    /// open and both half-closed states do, reserved ones do not (§5.1.2).
    pub fn counts_toward_concurrency(self) -> bool {
        matches!(
            self,
            StreamState::Open | StreamState::HalfClosedLocal | StreamState::HalfClosedRemote
        )
    }

    /// Whether we may still send DATA (§6.1: open or half-closed (remote)).
    pub fn can_send_data(self) -> bool {
        matches!(self, StreamState::Open | StreamState::HalfClosedRemote)
    }

    /// Whether the peer may still send DATA to us (§6.1: open or
    /// half-closed (local)), so a receive window is worth keeping (§5.1).
    pub fn can_receive_data(self) -> bool {
        matches!(self, StreamState::Open | StreamState::HalfClosedLocal)
    }

    /// Whether the stream is closed.
    pub fn is_closed(self) -> bool {
        matches!(self, StreamState::Closed(_))
    }
}

/// One event that moves a stream: a frame we send or receive on it.
///
/// HEADERS stands for HEADERS plus its CONTINUATION frames; END_STREAM is
/// folded into the input because a HEADERS or DATA with END_STREAM makes
/// both transitions at once (§5.1). PUSH_PROMISE touches two streams: the
/// stream it is sent on (`*PushPromise`) and the idle stream it promises
/// (`*Reserve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamInput {
    /// We send HEADERS without END_STREAM.
    SendHeaders,
    /// We send HEADERS with END_STREAM.
    SendHeadersEndStream,
    /// We send DATA without END_STREAM.
    SendData,
    /// We send DATA with END_STREAM.
    SendDataEndStream,
    /// We send RST_STREAM.
    SendRstStream,
    /// We send PUSH_PROMISE on this (associated) stream.
    SendPushPromise,
    /// A PUSH_PROMISE we send promises this stream.
    SendReserve,
    /// We send WINDOW_UPDATE.
    SendWindowUpdate,
    /// We send PRIORITY.
    SendPriority,
    /// We receive HEADERS without END_STREAM.
    RecvHeaders,
    /// We receive HEADERS with END_STREAM.
    RecvHeadersEndStream,
    /// We receive DATA without END_STREAM.
    RecvData,
    /// We receive DATA with END_STREAM.
    RecvDataEndStream,
    /// We receive RST_STREAM.
    RecvRstStream,
    /// We receive PUSH_PROMISE on this (associated) stream.
    RecvPushPromise,
    /// A PUSH_PROMISE we receive promises this stream.
    RecvReserve,
    /// We receive WINDOW_UPDATE.
    RecvWindowUpdate,
    /// We receive PRIORITY.
    RecvPriority,
}

impl StreamInput {
    /// Every input, for exhaustive tests and fuzzing.
    pub const ALL: [StreamInput; 18] = [
        StreamInput::SendHeaders,
        StreamInput::SendHeadersEndStream,
        StreamInput::SendData,
        StreamInput::SendDataEndStream,
        StreamInput::SendRstStream,
        StreamInput::SendPushPromise,
        StreamInput::SendReserve,
        StreamInput::SendWindowUpdate,
        StreamInput::SendPriority,
        StreamInput::RecvHeaders,
        StreamInput::RecvHeadersEndStream,
        StreamInput::RecvData,
        StreamInput::RecvDataEndStream,
        StreamInput::RecvRstStream,
        StreamInput::RecvPushPromise,
        StreamInput::RecvReserve,
        StreamInput::RecvWindowUpdate,
        StreamInput::RecvPriority,
    ];

    /// Whether this is a frame we send (else one we receive).
    pub fn is_send(self) -> bool {
        matches!(
            self,
            StreamInput::SendHeaders
                | StreamInput::SendHeadersEndStream
                | StreamInput::SendData
                | StreamInput::SendDataEndStream
                | StreamInput::SendRstStream
                | StreamInput::SendPushPromise
                | StreamInput::SendReserve
                | StreamInput::SendWindowUpdate
                | StreamInput::SendPriority
        )
    }
}

/// A (state, input) pair the table forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StreamStateError {
    /// The peer sent a frame the stream's state forbids: answer with
    /// RST_STREAM or GOAWAY as `scope` says, carrying `code`.
    #[error("peer sent {input:?} on a stream in state {state:?}: {scope:?} error {code:?} (RFC 9113 §5.1)")]
    Peer {
        /// The state the stream was in.
        state: StreamState,
        /// What arrived.
        input: StreamInput,
        /// RST_STREAM or GOAWAY.
        scope: ErrorScope,
        /// The error code to send.
        code: ErrorCode,
    },
    /// We asked to send a frame the stream's state forbids. Nothing may go
    /// on the wire; it is a bug in the caller, not in the peer.
    #[error("cannot send {input:?} on a stream in state {state:?} (RFC 9113 §5.1)")]
    Local {
        /// The state the stream was in.
        state: StreamState,
        /// What we tried to send.
        input: StreamInput,
    },
}

impl StreamStateError {
    /// For a peer's violation, the frame to answer with and its code.
    pub fn scope_and_code(&self) -> Option<(ErrorScope, ErrorCode)> {
        match *self {
            StreamStateError::Peer { scope, code, .. } => Some((scope, code)),
            StreamStateError::Local { .. } => None,
        }
    }

    /// For a peer's violation on `stream`, the error to act on.
    pub fn to_h2_error(&self, stream: StreamId) -> Option<H2Error> {
        let (scope, code) = self.scope_and_code()?;
        Some(scope.error(stream, code, self.reason()))
    }

    /// The rule broken, in a few words.
    pub fn reason(&self) -> &'static str {
        match *self {
            StreamStateError::Local { .. } => {
                "frame not allowed in this stream state (RFC 9113 5.1)"
            }
            StreamStateError::Peer { code, .. } => match code {
                ErrorCode::StreamClosed => {
                    "frame received after the peer closed the stream (RFC 9113 5.1)"
                }
                _ => "frame not allowed in this stream state (RFC 9113 5.1)",
            },
        }
    }
}

/// Applies `input` to a stream in `state` (RFC 9113 §5.1).
///
/// `Ok` gives the next state. A received frame that leaves a closed stream
/// closed is one to process minimally and discard (§5.1: decode HEADERS
/// for HPACK's sake, count DATA against the connection window). Anything the table does not permit is an error saying whose
/// fault it is and, for the peer's, how to answer.
pub fn transition(state: StreamState, input: StreamInput) -> Result<StreamState, StreamStateError> {
    use CloseReason::*;
    use StreamInput::*;
    use StreamState::*;

    let peer = |scope, code| {
        Err(StreamStateError::Peer {
            state,
            input,
            scope,
            code,
        })
    };
    let connection_protocol_error = || peer(ErrorScope::Connection, ErrorCode::ProtocolError);
    // §5.1 half-closed (remote), §6.1: frames after END_STREAM are a stream
    // error STREAM_CLOSED.
    let stream_closed = || peer(ErrorScope::Stream, ErrorCode::StreamClosed);
    let local = || Err(StreamStateError::Local { state, input });

    match (state, input) {
        // PRIORITY can be sent and received in any state (§5.1) and moves nothing.
        (_, SendPriority | RecvPriority) => Ok(state),

        // §5.1 idle: HEADERS opens (maybe half-closed at once), PUSH_PROMISE
        // reserves; receiving anything but HEADERS or PRIORITY is a
        // connection PROTOCOL_ERROR; RST_STREAM must not be sent (§6.4).
        (Idle, SendHeaders | RecvHeaders) => Ok(Open),
        (Idle, SendHeadersEndStream) => Ok(HalfClosedLocal),
        (Idle, RecvHeadersEndStream) => Ok(HalfClosedRemote),
        (Idle, SendReserve) => Ok(ReservedLocal),
        (Idle, RecvReserve) => Ok(ReservedRemote),
        (
            Idle,
            SendData | SendDataEndStream | SendRstStream | SendPushPromise | SendWindowUpdate,
        ) => local(),
        (
            Idle,
            RecvData | RecvDataEndStream | RecvRstStream | RecvPushPromise | RecvWindowUpdate,
        ) => connection_protocol_error(),

        // §5.1 reserved (local): we may send HEADERS (opening half-closed
        // (remote)) or RST_STREAM; the peer may send RST_STREAM or
        // WINDOW_UPDATE; anything else received is a connection PROTOCOL_ERROR.
        (ReservedLocal, SendHeaders) => Ok(HalfClosedRemote),
        (ReservedLocal, SendHeadersEndStream) => Ok(Closed(EndStream)),
        (ReservedLocal, SendRstStream) => Ok(Closed(ResetLocal)),
        (ReservedLocal, RecvRstStream) => Ok(Closed(ResetRemote)),
        (ReservedLocal, RecvWindowUpdate) => Ok(ReservedLocal),
        (
            ReservedLocal,
            SendData | SendDataEndStream | SendPushPromise | SendReserve | SendWindowUpdate,
        ) => local(),
        (
            ReservedLocal,
            RecvHeaders | RecvHeadersEndStream | RecvData | RecvDataEndStream | RecvPushPromise
            | RecvReserve,
        ) => connection_protocol_error(),

        // §5.1 reserved (remote): the peer may send HEADERS (opening
        // half-closed (local)) or RST_STREAM; we may send RST_STREAM or
        // WINDOW_UPDATE; anything else received is a connection PROTOCOL_ERROR.
        (ReservedRemote, RecvHeaders) => Ok(HalfClosedLocal),
        (ReservedRemote, RecvHeadersEndStream) => Ok(Closed(EndStream)),
        (ReservedRemote, RecvRstStream) => Ok(Closed(ResetRemote)),
        (ReservedRemote, SendRstStream) => Ok(Closed(ResetLocal)),
        (ReservedRemote, SendWindowUpdate) => Ok(ReservedRemote),
        (
            ReservedRemote,
            SendHeaders | SendHeadersEndStream | SendData | SendDataEndStream | SendPushPromise
            | SendReserve,
        ) => local(),
        (
            ReservedRemote,
            RecvData | RecvDataEndStream | RecvPushPromise | RecvReserve | RecvWindowUpdate,
        ) => connection_protocol_error(),

        // §5.1 open: both sides send anything; END_STREAM half-closes the
        // sender's side, RST_STREAM closes.
        (
            Open,
            SendHeaders | SendData | SendPushPromise | SendWindowUpdate | RecvHeaders | RecvData
            | RecvPushPromise | RecvWindowUpdate,
        ) => Ok(Open),
        (Open, SendHeadersEndStream | SendDataEndStream) => Ok(HalfClosedLocal),
        (Open, RecvHeadersEndStream | RecvDataEndStream) => Ok(HalfClosedRemote),
        (Open, SendRstStream) => Ok(Closed(ResetLocal)),
        (Open, RecvRstStream) => Ok(Closed(ResetRemote)),
        (Open, SendReserve) => local(),
        (Open, RecvReserve) => connection_protocol_error(),

        // §5.1 half-closed (local): we send only WINDOW_UPDATE, PRIORITY and
        // RST_STREAM; we receive anything, and END_STREAM closes.
        // PUSH_PROMISE is received here but sent only on open or
        // half-closed (remote) streams (§6.6).
        (
            HalfClosedLocal,
            SendWindowUpdate | RecvHeaders | RecvData | RecvPushPromise | RecvWindowUpdate,
        ) => Ok(HalfClosedLocal),
        (HalfClosedLocal, RecvHeadersEndStream | RecvDataEndStream) => Ok(Closed(EndStream)),
        (HalfClosedLocal, SendRstStream) => Ok(Closed(ResetLocal)),
        (HalfClosedLocal, RecvRstStream) => Ok(Closed(ResetRemote)),
        (
            HalfClosedLocal,
            SendHeaders | SendHeadersEndStream | SendData | SendDataEndStream | SendPushPromise
            | SendReserve,
        ) => local(),
        (HalfClosedLocal, RecvReserve) => connection_protocol_error(),

        // §5.1 half-closed (remote): we send anything and END_STREAM closes;
        // the peer may send only WINDOW_UPDATE, PRIORITY and RST_STREAM, else
        // stream error STREAM_CLOSED; PUSH_PROMISE received here is a
        // connection PROTOCOL_ERROR (§6.6).
        (
            HalfClosedRemote,
            SendHeaders | SendData | SendPushPromise | SendWindowUpdate | RecvWindowUpdate,
        ) => Ok(HalfClosedRemote),
        (HalfClosedRemote, SendHeadersEndStream | SendDataEndStream) => Ok(Closed(EndStream)),
        (HalfClosedRemote, SendRstStream) => Ok(Closed(ResetLocal)),
        (HalfClosedRemote, RecvRstStream) => Ok(Closed(ResetRemote)),
        (HalfClosedRemote, SendReserve) => local(),
        (HalfClosedRemote, RecvHeaders | RecvHeadersEndStream | RecvData | RecvDataEndStream) => {
            stream_closed()
        }
        (HalfClosedRemote, RecvPushPromise | RecvReserve) => connection_protocol_error(),

        // §5.1 closed: we send nothing but PRIORITY, and RST_STREAM only as
        // the answer to a stream error on a late frame (§5.4.2), which
        // changes nothing. A promised stream must be idle (§6.6).
        (Closed(_), SendRstStream) => Ok(state),
        (
            Closed(_),
            SendHeaders | SendHeadersEndStream | SendData | SendDataEndStream | SendPushPromise
            | SendReserve | SendWindowUpdate,
        ) => local(),
        (Closed(_), RecvReserve) => connection_protocol_error(),

        // After our RST_STREAM the peer may have sent anything before it
        // saw ours: process minimally and discard (§5.1, §6.4). That
        // includes PUSH_PROMISE (§6.6).
        (
            Closed(ResetLocal),
            RecvHeaders | RecvHeadersEndStream | RecvData | RecvDataEndStream | RecvRstStream
            | RecvPushPromise | RecvWindowUpdate,
        ) => Ok(state),

        // After END_STREAM both ways, or the peer's RST_STREAM: WINDOW_UPDATE
        // and RST_STREAM may still be in flight (§6.9: MUST NOT be an error;
        // §5.4.2: never answer RST_STREAM with RST_STREAM); HEADERS and DATA
        // are a stream error STREAM_CLOSED (§6.1); PUSH_PROMISE a connection
        // PROTOCOL_ERROR (§6.6).
        (Closed(EndStream | ResetRemote), RecvRstStream | RecvWindowUpdate) => Ok(state),
        (
            Closed(EndStream | ResetRemote),
            RecvHeaders | RecvHeadersEndStream | RecvData | RecvDataEndStream,
        ) => stream_closed(),
        (Closed(EndStream | ResetRemote), RecvPushPromise) => connection_protocol_error(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the test expects for one pair, written apart from `transition`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Expect {
        Next(StreamState),
        /// Keep the same state (ignored or no-op frame).
        Same,
        Local,
        StreamClosed,
        ConnProtocol,
    }
    use Expect::*;

    const CLOSED_END: StreamState = StreamState::Closed(CloseReason::EndStream);
    const CLOSED_RL: StreamState = StreamState::Closed(CloseReason::ResetLocal);
    const CLOSED_RR: StreamState = StreamState::Closed(CloseReason::ResetRemote);

    /// One row per state; the columns follow `StreamInput::ALL`:
    /// send H, H+ES, D, D+ES, RST, PP, reserve, WU, PRIO,
    /// recv H, H+ES, D, D+ES, RST, PP, reserve, WU, PRIO.
    fn expected_row(state: StreamState) -> [Expect; 18] {
        use StreamState::*;
        match state {
            Idle => [
                Next(Open),
                Next(HalfClosedLocal),
                Local,
                Local,
                Local,
                Local,
                Next(ReservedLocal),
                Local,
                Same,
                Next(Open),
                Next(HalfClosedRemote),
                ConnProtocol,
                ConnProtocol,
                ConnProtocol,
                ConnProtocol,
                Next(ReservedRemote),
                ConnProtocol,
                Same,
            ],
            ReservedLocal => [
                Next(HalfClosedRemote),
                Next(CLOSED_END),
                Local,
                Local,
                Next(CLOSED_RL),
                Local,
                Local,
                Local,
                Same,
                ConnProtocol,
                ConnProtocol,
                ConnProtocol,
                ConnProtocol,
                Next(CLOSED_RR),
                ConnProtocol,
                ConnProtocol,
                Same,
                Same,
            ],
            ReservedRemote => [
                Local,
                Local,
                Local,
                Local,
                Next(CLOSED_RL),
                Local,
                Local,
                Same,
                Same,
                Next(HalfClosedLocal),
                Next(CLOSED_END),
                ConnProtocol,
                ConnProtocol,
                Next(CLOSED_RR),
                ConnProtocol,
                ConnProtocol,
                ConnProtocol,
                Same,
            ],
            Open => [
                Same,
                Next(HalfClosedLocal),
                Same,
                Next(HalfClosedLocal),
                Next(CLOSED_RL),
                Same,
                Local,
                Same,
                Same,
                Same,
                Next(HalfClosedRemote),
                Same,
                Next(HalfClosedRemote),
                Next(CLOSED_RR),
                Same,
                ConnProtocol,
                Same,
                Same,
            ],
            HalfClosedLocal => [
                Local,
                Local,
                Local,
                Local,
                Next(CLOSED_RL),
                Local,
                Local,
                Same,
                Same,
                Same,
                Next(CLOSED_END),
                Same,
                Next(CLOSED_END),
                Next(CLOSED_RR),
                Same,
                ConnProtocol,
                Same,
                Same,
            ],
            HalfClosedRemote => [
                Same,
                Next(CLOSED_END),
                Same,
                Next(CLOSED_END),
                Next(CLOSED_RL),
                Same,
                Local,
                Same,
                Same,
                StreamClosed,
                StreamClosed,
                StreamClosed,
                StreamClosed,
                Next(CLOSED_RR),
                ConnProtocol,
                ConnProtocol,
                Same,
                Same,
            ],
            Closed(CloseReason::ResetLocal) => [
                Local,
                Local,
                Local,
                Local,
                Same,
                Local,
                Local,
                Local,
                Same,
                Same,
                Same,
                Same,
                Same,
                Same,
                Same,
                ConnProtocol,
                Same,
                Same,
            ],
            Closed(CloseReason::EndStream | CloseReason::ResetRemote) => [
                Local,
                Local,
                Local,
                Local,
                Same,
                Local,
                Local,
                Local,
                Same,
                StreamClosed,
                StreamClosed,
                StreamClosed,
                StreamClosed,
                Same,
                ConnProtocol,
                ConnProtocol,
                Same,
                Same,
            ],
        }
    }

    fn observed(state: StreamState, input: StreamInput) -> Expect {
        match transition(state, input) {
            Ok(next) if next == state => Same,
            Ok(next) => Next(next),
            Err(StreamStateError::Local { .. }) => Local,
            Err(StreamStateError::Peer { scope, code, .. }) => match (scope, code) {
                (ErrorScope::Stream, ErrorCode::StreamClosed) => StreamClosed,
                (ErrorScope::Connection, ErrorCode::ProtocolError) => ConnProtocol,
                other => panic!("unexpected error {other:?} for {state:?} x {input:?}"),
            },
        }
    }

    #[test]
    fn every_state_input_pair_matches_the_independent_table() {
        let mut checked = 0;
        for state in StreamState::ALL {
            let row = expected_row(state);
            for (input, expect) in StreamInput::ALL.into_iter().zip(row) {
                assert_eq!(
                    observed(state, input),
                    expect,
                    "state {state:?}, input {input:?}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 9 * 18);
    }

    #[test]
    fn send_inputs_never_blame_the_peer_and_recv_inputs_never_blame_us() {
        for state in StreamState::ALL {
            for input in StreamInput::ALL {
                match transition(state, input) {
                    Err(StreamStateError::Local { .. }) => assert!(input.is_send()),
                    Err(StreamStateError::Peer { .. }) => assert!(!input.is_send()),
                    Ok(_) => {}
                }
            }
        }
    }

    #[test]
    fn closed_is_terminal() {
        for state in StreamState::ALL.into_iter().filter(|s| s.is_closed()) {
            for input in StreamInput::ALL {
                if let Ok(next) = transition(state, input) {
                    assert_eq!(next, state, "{state:?} x {input:?}");
                }
            }
        }
    }

    #[test]
    fn request_response_exchange_client_and_server_views() {
        // §8.8.1: the client sends HEADERS+END_STREAM, the server answers
        // with HEADERS then DATA+END_STREAM.
        let mut client = StreamState::Idle;
        let mut server = StreamState::Idle;
        for (c, s) in [
            (
                StreamInput::SendHeadersEndStream,
                StreamInput::RecvHeadersEndStream,
            ),
            (StreamInput::RecvHeaders, StreamInput::SendHeaders),
            (
                StreamInput::RecvDataEndStream,
                StreamInput::SendDataEndStream,
            ),
        ] {
            client = transition(client, c).unwrap();
            server = transition(server, s).unwrap();
        }
        assert_eq!(client, CLOSED_END);
        assert_eq!(server, CLOSED_END);
    }

    #[test]
    fn errors_carry_context_and_wire_codes() {
        let err = transition(StreamState::Idle, StreamInput::RecvData).unwrap_err();
        assert_eq!(
            err,
            StreamStateError::Peer {
                state: StreamState::Idle,
                input: StreamInput::RecvData,
                scope: ErrorScope::Connection,
                code: ErrorCode::ProtocolError,
            }
        );
        assert_eq!(
            err.scope_and_code(),
            Some((ErrorScope::Connection, ErrorCode::ProtocolError))
        );
        assert!(matches!(
            err.to_h2_error(StreamId::new(3)),
            Some(H2Error::Connection(e)) if e.code == ErrorCode::ProtocolError
        ));
        let closed = transition(StreamState::HalfClosedRemote, StreamInput::RecvData).unwrap_err();
        assert!(matches!(
            closed.to_h2_error(StreamId::new(3)),
            Some(H2Error::Stream(e)) if e.code == ErrorCode::StreamClosed && e.stream == StreamId::new(3)
        ));
        let local = transition(CLOSED_END, StreamInput::SendData).unwrap_err();
        assert_eq!(local.scope_and_code(), None);
        assert_eq!(local.to_h2_error(StreamId::new(3)), None);
    }

    #[test]
    fn concurrency_and_data_predicates_follow_5_1_2_and_6_1() {
        use StreamState::*;
        let counted: Vec<_> = StreamState::ALL
            .into_iter()
            .filter(|s| s.counts_toward_concurrency())
            .collect();
        assert_eq!(counted, [Open, HalfClosedLocal, HalfClosedRemote]);
        let send: Vec<_> = StreamState::ALL
            .into_iter()
            .filter(|s| s.can_send_data())
            .collect();
        assert_eq!(send, [Open, HalfClosedRemote]);
        let recv: Vec<_> = StreamState::ALL
            .into_iter()
            .filter(|s| s.can_receive_data())
            .collect();
        assert_eq!(recv, [Open, HalfClosedLocal]);
    }

    quickcheck::quickcheck! {
        /// Any sequence of inputs, applied while they succeed, never panics
        /// and never leaves a closed state.
        fn any_input_sequence_is_total(inputs: Vec<u8>) -> bool {
            let mut state = StreamState::Idle;
            let mut was_closed = false;
            for i in inputs {
                let input = StreamInput::ALL[usize::from(i) % StreamInput::ALL.len()];
                if let Ok(next) = transition(state, input) {
                    state = next;
                }
                if was_closed && !state.is_closed() {
                    return false;
                }
                was_closed = state.is_closed();
            }
            true
        }
    }
}
