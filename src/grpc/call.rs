//! What the client and server call state machines share: the four call
//! kinds, the actions they ask of the HTTP/2 stream, their limits, and the
//! outgoing half of a stream.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use super::framing::{self, MessageTooLarge, PREFIX_LEN};
use super::header::HeaderList;
use super::metadata::DEFAULT_METADATA_SOFT_LIMIT;
use super::reset::ErrorCode;

/// The four kinds of gRPC method, by how many messages flow each way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// One request, one response.
    Unary,
    /// One request, any number of responses.
    ServerStreaming,
    /// Any number of requests, one response.
    ClientStreaming,
    /// Any number each way.
    Bidi,
}

impl CallKind {
    /// Whether the client may send more than one message.
    pub fn client_streams(self) -> bool {
        matches!(self, CallKind::ClientStreaming | CallKind::Bidi)
    }

    /// Whether the server may send more than one message.
    pub fn server_streams(self) -> bool {
        matches!(self, CallKind::ServerStreaming | CallKind::Bidi)
    }
}

/// Limits of one call; every one has a safe default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    /// Largest message accepted from the peer
    /// ([`framing::DEFAULT_MAX_RECEIVE_MESSAGE_SIZE`], 4 MiB).
    pub max_receive_message_size: usize,
    /// Largest message the application may send
    /// ([`framing::DEFAULT_MAX_SEND_MESSAGE_SIZE`]).
    pub max_send_message_size: usize,
    /// Soft limit on a received header block; past it the call fails with
    /// RESOURCE_EXHAUSTED ([`DEFAULT_METADATA_SOFT_LIMIT`], 8 KiB).
    pub metadata_soft_limit: usize,
}

impl Default for CallLimits {
    fn default() -> CallLimits {
        CallLimits {
            max_receive_message_size: framing::DEFAULT_MAX_RECEIVE_MESSAGE_SIZE,
            max_send_message_size: framing::DEFAULT_MAX_SEND_MESSAGE_SIZE,
            metadata_soft_limit: DEFAULT_METADATA_SOFT_LIMIT,
        }
    }
}

/// What a call asks the HTTP/2 stream to do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamAction {
    /// Send a header block (HEADERS + CONTINUATION).
    SendHeaders {
        /// The fields, in order.
        fields: HeaderList,
        /// Whether to set END_STREAM.
        end_stream: bool,
    },
    /// Send bytes in DATA frames (split as flow control allows).
    SendData {
        /// The bytes; may be empty only when `end_stream` is set.
        data: Bytes,
        /// Whether the last DATA frame carries END_STREAM.
        end_stream: bool,
    },
    /// Send RST_STREAM with this code; the stream is then closed.
    Reset(ErrorCode),
}

/// Why the application's command was refused. The call itself is not
/// changed by a refused command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The call has ended; its final status was (or will be) reported.
    #[error("the call has already ended")]
    Finished,
    /// This side already half-closed: no more messages may be sent.
    #[error("this side has already finished sending")]
    SendClosed,
    /// A second message on a side of the call that carries exactly one.
    #[error("this kind of call carries one message in this direction")]
    TooManyMessages,
    /// Response headers were already sent.
    #[error("response headers were already sent")]
    HeadersAlreadySent,
    /// The message exceeds the send limit.
    #[error(transparent)]
    MessageTooLarge(#[from] MessageTooLarge),
}

/// Messages this small are copied behind their prefix into one DATA
/// payload; larger ones go out as the prefix and the caller's bytes, so the
/// message is never copied.
const COPY_THRESHOLD: usize = 1024;

/// The outgoing half of a call's stream: queued actions and whether we
/// and the peer have closed our sides.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    actions: VecDeque<StreamAction>,
    /// The stream exists on the wire: the server's always does, the
    /// client's once its request headers were taken. RST_STREAM on a
    /// stream never opened would be a connection error (RFC 9113 §5.1,
    /// "idle").
    pub(crate) opened: bool,
    /// We queued END_STREAM.
    pub(crate) local_closed: bool,
    /// The peer sent END_STREAM.
    pub(crate) remote_closed: bool,
    /// The stream was reset, by either side.
    pub(crate) reset: bool,
}

impl Outbox {
    /// The outbox of a stream the peer opened (a server call's).
    pub(crate) fn opened() -> Outbox {
        Outbox {
            opened: true,
            ..Outbox::default()
        }
    }

    pub(crate) fn headers(&mut self, fields: HeaderList, end_stream: bool) {
        self.local_closed |= end_stream;
        self.actions
            .push_back(StreamAction::SendHeaders { fields, end_stream });
    }

    /// Queues one length-prefixed message.
    pub(crate) fn message(&mut self, message: Bytes, max: usize) -> Result<(), MessageTooLarge> {
        if message.len() > max {
            return Err(MessageTooLarge {
                size: message.len(),
                max,
            });
        }
        let prefix = framing::prefix(message.len())?;
        if message.len() <= COPY_THRESHOLD {
            let mut data = BytesMut::with_capacity(PREFIX_LEN.saturating_add(message.len()));
            data.extend_from_slice(&prefix);
            data.extend_from_slice(&message);
            self.data(data.freeze());
        } else {
            self.data(Bytes::copy_from_slice(&prefix));
            self.data(message);
        }
        Ok(())
    }

    fn data(&mut self, data: Bytes) {
        self.actions.push_back(StreamAction::SendData {
            data,
            end_stream: false,
        });
    }

    /// Queues END_STREAM on our side, on the last queued DATA when it has
    /// not been taken yet, else as an empty DATA frame ("implementations
    /// MUST send an empty DATA frame with this flag set", PROTOCOL-HTTP2.md).
    pub(crate) fn close(&mut self) {
        self.local_closed = true;
        if let Some(StreamAction::SendData { end_stream, .. }) = self.actions.back_mut() {
            *end_stream = true;
        } else {
            self.actions.push_back(StreamAction::SendData {
                data: Bytes::new(),
                end_stream: true,
            });
        }
    }

    /// Abandons the stream: whatever is still queued is dropped, and
    /// RST_STREAM with `code` goes out unless the stream is already closed
    /// both ways, reset, or was never opened.
    pub(crate) fn abort(&mut self, code: ErrorCode) {
        if self.reset || (self.local_closed && self.remote_closed) {
            return;
        }
        self.reset = true;
        self.actions.clear();
        if self.opened {
            self.actions.push_back(StreamAction::Reset(code));
        }
    }

    /// After our END_STREAM, frees a stream the peer is still sending on
    /// with RST_STREAM(`code`): NO_ERROR for PROTOCOL-HTTP2.md "Early
    /// Server Closure", CANCEL for a deadline. A stream closed both ways
    /// takes no more frames (RFC 9113 §5.1), so then nothing is sent.
    pub(crate) fn reset_after_close(&mut self, code: ErrorCode) {
        if !self.reset && !self.remote_closed {
            self.reset = true;
            self.actions.push_back(StreamAction::Reset(code));
        }
    }

    /// The peer reset the stream: nothing more may be sent on it.
    pub(crate) fn peer_reset(&mut self) {
        self.reset = true;
        self.actions.clear();
    }

    pub(crate) fn poll(&mut self) -> Option<StreamAction> {
        let action = self.actions.pop_front();
        self.opened |= action.is_some();
        action
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert!(!CallKind::Unary.client_streams() && !CallKind::Unary.server_streams());
        assert!(
            !CallKind::ServerStreaming.client_streams()
                && CallKind::ServerStreaming.server_streams()
        );
        assert!(
            CallKind::ClientStreaming.client_streams()
                && !CallKind::ClientStreaming.server_streams()
        );
        assert!(CallKind::Bidi.client_streams() && CallKind::Bidi.server_streams());
    }

    #[test]
    fn small_message_is_one_data_with_end_stream_merged() {
        let mut out = Outbox::default();
        out.message(Bytes::from_static(b"hi"), 10).unwrap();
        out.close();
        assert_eq!(
            out.poll(),
            Some(StreamAction::SendData {
                data: Bytes::from_static(b"\x00\x00\x00\x00\x02hi"),
                end_stream: true
            })
        );
        assert_eq!(out.poll(), None);
        assert!(out.local_closed);
    }

    #[test]
    fn large_message_is_not_copied() {
        let mut out = Outbox::default();
        let message = Bytes::from(vec![7u8; COPY_THRESHOLD + 1]);
        out.message(message.clone(), usize::MAX).unwrap();
        assert_eq!(
            out.poll(),
            Some(StreamAction::SendData {
                data: Bytes::from_static(b"\x00\x00\x00\x04\x01"),
                end_stream: false
            })
        );
        match out.poll() {
            Some(StreamAction::SendData {
                data,
                end_stream: false,
            }) => {
                assert_eq!(data.as_ptr(), message.as_ptr())
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn close_after_taking_sends_empty_data() {
        let mut out = Outbox::default();
        out.message(Bytes::new(), 10).unwrap();
        assert!(out.poll().is_some());
        out.close();
        assert_eq!(
            out.poll(),
            Some(StreamAction::SendData {
                data: Bytes::new(),
                end_stream: true
            })
        );
    }

    #[test]
    fn send_limit() {
        let mut out = Outbox::default();
        assert_eq!(
            out.message(Bytes::from_static(b"12345"), 4),
            Err(MessageTooLarge { size: 5, max: 4 })
        );
        assert_eq!(out.poll(), None);
    }

    #[test]
    fn abort_drops_queue_and_resets_once() {
        let mut out = Outbox {
            opened: true,
            ..Outbox::default()
        };
        out.message(Bytes::from_static(b"x"), 10).unwrap();
        out.abort(ErrorCode::CANCEL);
        out.abort(ErrorCode::CANCEL);
        assert_eq!(out.poll(), Some(StreamAction::Reset(ErrorCode::CANCEL)));
        assert_eq!(out.poll(), None);

        let mut closed = Outbox {
            opened: true,
            local_closed: true,
            remote_closed: true,
            ..Outbox::default()
        };
        closed.abort(ErrorCode::NO_ERROR);
        assert_eq!(closed.poll(), None);
    }

    #[test]
    fn abort_before_open_sends_nothing() {
        let mut out = Outbox::default();
        out.headers(HeaderList::new(), false);
        out.abort(ErrorCode::CANCEL);
        assert_eq!(out.poll(), None);
    }

    #[test]
    fn reset_after_close_keeps_trailers() {
        let mut out = Outbox::default();
        out.headers(HeaderList::new(), true);
        out.reset_after_close(ErrorCode::NO_ERROR);
        assert!(matches!(
            out.poll(),
            Some(StreamAction::SendHeaders {
                end_stream: true,
                ..
            })
        ));
        assert_eq!(out.poll(), Some(StreamAction::Reset(ErrorCode::NO_ERROR)));
        let mut done = Outbox {
            remote_closed: true,
            ..Outbox::default()
        };
        done.reset_after_close(ErrorCode::NO_ERROR);
        assert_eq!(done.poll(), None);
    }

    #[test]
    fn peer_reset_drops_queue() {
        let mut out = Outbox::default();
        out.message(Bytes::from_static(b"x"), 10).unwrap();
        out.peer_reset();
        assert_eq!(out.poll(), None);
        assert!(out.reset);
    }
}
