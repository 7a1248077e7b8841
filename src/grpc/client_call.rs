//! The client side of one call, sans-IO: request headers and messages
//! out, response headers, messages and trailers in, a deadline.

use std::collections::VecDeque;
use std::time::Instant;

use bytes::Bytes;

use super::call::{CallError, CallKind, CallLimits, Outbox, StreamAction};
use super::framing::Deframer;
use super::metadata::Metadata;
use super::request::RequestHead;
use super::reset::{status_for_reset, ErrorCode};
use super::response::{parse_response_headers, parse_trailers, ResponseStart, Trailers};
use super::status::Status;
use super::Side;

/// What the application learns about its call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// Response-Headers arrived, with the server's initial metadata.
    Headers(Metadata),
    /// A response message.
    Message(Bytes),
    /// The call is over: the status (received, or made up locally) and
    /// trailing metadata. Always the last event, and always delivered.
    Finished(Trailers),
}

/// Where the response is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Response {
    /// No Response-Headers yet.
    AwaitingHeaders,
    /// Response-Headers seen; messages and Trailers may follow.
    Messages,
    /// The call has ended.
    Finished,
}

/// One client call on one HTTP/2 stream, for any [`CallKind`].
///
/// It is deterministic and does no I/O: a driver feeds it what the stream
/// delivers and carries out what it asks.
///
/// 1. [`ClientCall::new`] queues the request headers.
/// 2. The application calls [`send_message`](Self::send_message),
///    [`half_close`](Self::half_close) (END_STREAM on our side) and perhaps
///    [`cancel`](Self::cancel).
/// 3. The driver passes stream input to [`handle_headers`](Self::handle_headers),
///    [`handle_data`](Self::handle_data) and [`handle_reset`](Self::handle_reset),
///    and calls [`handle_timeout`](Self::handle_timeout) once
///    [`poll_timeout`](Self::poll_timeout) has passed.
/// 4. After each of these, the driver drains [`poll_action`](Self::poll_action)
///    into the stream and [`poll_event`](Self::poll_event) to the application,
///    until each returns `None`.
///
/// The call ends exactly once, with [`ClientEvent::Finished`]; input after
/// that is ignored and commands return [`CallError::Finished`].
#[derive(Debug)]
pub struct ClientCall {
    kind: CallKind,
    limits: CallLimits,
    deadline: Option<Instant>,
    outbox: Outbox,
    deframer: Deframer,
    response: Response,
    messages_sent: u64,
    messages_received: u64,
    events: VecDeque<ClientEvent>,
}

impl ClientCall {
    /// Starts a call of `kind` with request headers from `head`. Its
    /// `timeout`, counted from `now`, becomes the call's deadline.
    pub fn new(kind: CallKind, head: &RequestHead, limits: CallLimits, now: Instant) -> ClientCall {
        let mut outbox = Outbox::default();
        outbox.headers(head.to_headers(), false);
        ClientCall {
            kind,
            limits,
            deadline: head.timeout.and_then(|timeout| now.checked_add(timeout)),
            outbox,
            deframer: Deframer::new(limits.max_receive_message_size),
            response: Response::AwaitingHeaders,
            messages_sent: 0,
            messages_received: 0,
            events: VecDeque::new(),
        }
    }

    /// The kind of call.
    pub fn kind(&self) -> CallKind {
        self.kind
    }

    /// Whether the call has ended (its Finished event may still be queued).
    pub fn is_finished(&self) -> bool {
        self.response == Response::Finished
    }

    /// Sends one request message.
    pub fn send_message(&mut self, message: Bytes) -> Result<(), CallError> {
        if self.is_finished() {
            return Err(CallError::Finished);
        }
        if self.outbox.local_closed {
            return Err(CallError::SendClosed);
        }
        if !self.kind.client_streams() && self.messages_sent >= 1 {
            return Err(CallError::TooManyMessages);
        }
        self.outbox
            .message(message, self.limits.max_send_message_size)?;
        self.messages_sent = self.messages_sent.saturating_add(1);
        Ok(())
    }

    /// Ends the request stream (END_STREAM): no more messages will follow.
    pub fn half_close(&mut self) -> Result<(), CallError> {
        if self.is_finished() {
            return Err(CallError::Finished);
        }
        if self.outbox.local_closed {
            return Err(CallError::SendClosed);
        }
        self.outbox.close();
        Ok(())
    }

    /// Cancels the call: RST_STREAM(CANCEL) to the server and CANCELLED
    /// to the application (PROTOCOL-HTTP2.md "Client Cancellation").
    pub fn cancel(&mut self) {
        self.fail(Status::cancelled("cancelled by the client"));
    }

    /// Takes a received header block; `end_stream` is its END_STREAM flag.
    pub fn handle_headers<'a, I>(&mut self, fields: I, end_stream: bool)
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        if end_stream {
            self.outbox.remote_closed = true;
        }
        match self.response {
            Response::Finished => {}
            Response::AwaitingHeaders => {
                match parse_response_headers(fields, end_stream, self.limits.metadata_soft_limit) {
                    ResponseStart::Informational => {}
                    ResponseStart::Headers(head) => {
                        self.deframer.set_encoding(head.encoding);
                        self.response = Response::Messages;
                        // (A block with END_STREAM is never Headers: it is
                        // read as Trailers-Only.)
                        self.events.push_back(ClientEvent::Headers(head.metadata));
                    }
                    ResponseStart::Finished(trailers) => self.end(trailers),
                }
            }
            Response::Messages => {
                if !end_stream {
                    self.fail(Status::internal(
                        "second header block without END_STREAM (trailers must end the stream)",
                    ));
                    return;
                }
                let trailers = parse_trailers(fields, self.limits.metadata_soft_limit);
                if let Err(error) = self.deframer.finish() {
                    self.fail(error.to_status(Side::Client));
                } else if trailers.status.is_ok()
                    && !self.kind.server_streams()
                    && self.messages_received != 1
                {
                    // Response cardinality violation (statuscodes.md).
                    self.fail(Status::unimplemented(format!(
                        "expected exactly one response message, received {}",
                        self.messages_received
                    )));
                } else {
                    self.end(trailers);
                }
            }
        }
    }

    /// Takes received DATA bytes; `end_stream` is the END_STREAM flag.
    pub fn handle_data(&mut self, mut data: Bytes, end_stream: bool) {
        if end_stream {
            self.outbox.remote_closed = true;
        }
        match self.response {
            Response::Finished => return,
            Response::AwaitingHeaders => {
                self.fail(Status::internal("DATA before response headers"));
                return;
            }
            Response::Messages => {}
        }
        loop {
            match self.deframer.decode(&mut data) {
                Ok(Some(message)) => {
                    self.messages_received = self.messages_received.saturating_add(1);
                    if !self.kind.server_streams() && self.messages_received > 1 {
                        self.fail(Status::unimplemented(
                            "more than one response message for a single-response call",
                        ));
                        return;
                    }
                    self.events.push_back(ClientEvent::Message(message));
                }
                Ok(None) => break,
                Err(error) => {
                    self.fail(error.to_status(Side::Client));
                    return;
                }
            }
        }
        if end_stream {
            self.fail(Status::internal(
                "server closed the stream without sending trailers",
            ));
        }
    }

    /// Takes the peer's RST_STREAM. A CANCEL after the deadline is reported
    /// as DEADLINE_EXCEEDED, as PROTOCOL-HTTP2.md encourages, the status
    /// being made locally.
    pub fn handle_reset(&mut self, code: ErrorCode, now: Instant) {
        self.outbox.peer_reset();
        if self.is_finished() {
            return;
        }
        let status = if code == ErrorCode::CANCEL && self.deadline.is_some_and(|d| now >= d) {
            Status::deadline_exceeded("deadline exceeded (the server cancelled the call)")
        } else {
            status_for_reset(code, Side::Client)
        };
        self.end(Trailers::local(status));
    }

    /// Lets time pass: past the deadline, the call is cancelled with
    /// RST_STREAM(CANCEL) and ends with DEADLINE_EXCEEDED ("The RPC's
    /// deadline expiring is considered a client cancellation").
    pub fn handle_timeout(&mut self, now: Instant) {
        if !self.is_finished() && self.deadline.is_some_and(|d| now >= d) {
            self.fail(Status::deadline_exceeded("deadline exceeded"));
        }
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline.filter(|_| !self.is_finished())
    }

    /// The next thing to do on the stream.
    pub fn poll_action(&mut self) -> Option<StreamAction> {
        self.outbox.poll()
    }

    /// The next thing to tell the application.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// Ends the call because of a local decision or a broken response:
    /// the server has not finished, so the stream is cancelled.
    fn fail(&mut self, status: Status) {
        if self.is_finished() {
            return;
        }
        self.outbox.abort(ErrorCode::CANCEL);
        self.finish(Trailers::local(status));
    }

    /// Ends the call as the server ended it. If we are still sending,
    /// RST_STREAM(NO_ERROR) frees the stream (PROTOCOL-HTTP2.md "Early
    /// Server Closure"); if the server is still sending (an HTTP error
    /// with a body), RST_STREAM(CANCEL) says we will not read it.
    fn end(&mut self, trailers: Trailers) {
        if self.outbox.remote_closed {
            self.outbox.abort(ErrorCode::NO_ERROR);
        } else {
            self.outbox.abort(ErrorCode::CANCEL);
        }
        self.finish(trailers);
    }

    fn finish(&mut self, trailers: Trailers) {
        self.response = Response::Finished;
        self.events.push_back(ClientEvent::Finished(trailers));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::code::Code;
    use core::time::Duration;

    fn head(timeout: Option<Duration>) -> RequestHead {
        let mut head = RequestHead::new("pkg.Svc", "Do");
        head.timeout = timeout;
        head
    }

    fn drain(call: &mut ClientCall) -> Vec<StreamAction> {
        core::iter::from_fn(|| call.poll_action()).collect()
    }

    fn events(call: &mut ClientCall) -> Vec<ClientEvent> {
        core::iter::from_fn(|| call.poll_event()).collect()
    }

    const OK_HEADERS: [(&[u8], &[u8]); 2] =
        [(b":status", b"200"), (b"content-type", b"application/grpc")];
    const OK_TRAILERS: [(&[u8], &[u8]); 1] = [(b"grpc-status", b"0")];

    fn framed(message: &[u8]) -> Bytes {
        let mut out = bytes::BytesMut::new();
        crate::grpc::framing::encode(message, &mut out).unwrap();
        out.freeze()
    }

    fn finished_code(events: &[ClientEvent]) -> Option<Code> {
        match events.last() {
            Some(ClientEvent::Finished(t)) => Some(t.status.code),
            _ => None,
        }
    }

    #[test]
    fn unary_happy_path() {
        let now = Instant::now();
        let mut call = ClientCall::new(
            CallKind::Unary,
            &head(Some(Duration::from_secs(1))),
            CallLimits::default(),
            now,
        );
        call.send_message(Bytes::from_static(b"req")).unwrap();
        call.half_close().unwrap();
        let actions = drain(&mut call);
        assert_eq!(actions.len(), 2);
        assert!(
            matches!(&actions[0], StreamAction::SendHeaders { end_stream: false, fields } if fields.iter().any(|(n, v)| &n[..] == b"grpc-timeout" && &v[..] == b"1S"))
        );
        assert_eq!(
            actions[1],
            StreamAction::SendData {
                data: framed(b"req"),
                end_stream: true
            }
        );
        assert_eq!(call.poll_timeout(), Some(now + Duration::from_secs(1)));

        call.handle_headers(OK_HEADERS, false);
        call.handle_data(framed(b"resp"), false);
        call.handle_headers(OK_TRAILERS, true);
        assert_eq!(
            events(&mut call),
            [
                ClientEvent::Headers(Metadata::new()),
                ClientEvent::Message(Bytes::from_static(b"resp")),
                ClientEvent::Finished(Trailers::local(Status::ok())),
            ]
        );
        assert!(drain(&mut call).is_empty());
        assert!(call.is_finished());
        assert_eq!(call.poll_timeout(), None);
        assert_eq!(call.send_message(Bytes::new()), Err(CallError::Finished));
    }

    #[test]
    fn unary_send_side_rules() {
        let mut call = ClientCall::new(
            CallKind::Unary,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        call.send_message(Bytes::new()).unwrap();
        assert_eq!(
            call.send_message(Bytes::new()),
            Err(CallError::TooManyMessages)
        );
        call.half_close().unwrap();
        assert_eq!(call.half_close(), Err(CallError::SendClosed));
        let mut stream = ClientCall::new(
            CallKind::ClientStreaming,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        stream.send_message(Bytes::new()).unwrap();
        stream.send_message(Bytes::new()).unwrap();
        stream.half_close().unwrap();
        assert_eq!(
            stream.send_message(Bytes::new()),
            Err(CallError::SendClosed)
        );
        let limits = CallLimits {
            max_send_message_size: 2,
            ..CallLimits::default()
        };
        let mut small = ClientCall::new(CallKind::Unary, &head(None), limits, Instant::now());
        assert!(matches!(
            small.send_message(Bytes::from_static(b"abc")),
            Err(CallError::MessageTooLarge(_))
        ));
    }

    #[test]
    fn server_streaming_many_messages() {
        let mut call = ClientCall::new(
            CallKind::ServerStreaming,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        call.send_message(Bytes::from_static(b"q")).unwrap();
        call.half_close().unwrap();
        drain(&mut call);
        call.handle_headers(OK_HEADERS, false);
        let mut both = framed(b"a").to_vec();
        both.extend_from_slice(&framed(b"b"));
        // Split across DATA frames mid-prefix.
        call.handle_data(Bytes::copy_from_slice(&both[..3]), false);
        call.handle_data(Bytes::copy_from_slice(&both[3..]), false);
        call.handle_headers(OK_TRAILERS, true);
        let got = events(&mut call);
        assert_eq!(got.len(), 4);
        assert_eq!(got[1], ClientEvent::Message(Bytes::from_static(b"a")));
        assert_eq!(got[2], ClientEvent::Message(Bytes::from_static(b"b")));
        assert_eq!(finished_code(&got), Some(Code::Ok));
        // Zero messages is fine for a streaming response.
        let mut none = ClientCall::new(
            CallKind::Bidi,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        none.half_close().unwrap();
        none.handle_headers(OK_HEADERS, false);
        none.handle_headers(OK_TRAILERS, true);
        assert_eq!(finished_code(&events(&mut none)), Some(Code::Ok));
    }

    #[test]
    fn response_cardinality() {
        for kind in [CallKind::Unary, CallKind::ClientStreaming] {
            let mut zero =
                ClientCall::new(kind, &head(None), CallLimits::default(), Instant::now());
            zero.half_close().unwrap();
            zero.handle_headers(OK_HEADERS, false);
            zero.handle_headers(OK_TRAILERS, true);
            assert_eq!(finished_code(&events(&mut zero)), Some(Code::Unimplemented));

            let mut two = ClientCall::new(kind, &head(None), CallLimits::default(), Instant::now());
            two.half_close().unwrap();
            drain(&mut two);
            two.handle_headers(OK_HEADERS, false);
            let mut both = framed(b"a").to_vec();
            both.extend_from_slice(&framed(b"b"));
            two.handle_data(Bytes::from(both), false);
            let got = events(&mut two);
            assert_eq!(finished_code(&got), Some(Code::Unimplemented));
            assert_eq!(drain(&mut two), [StreamAction::Reset(ErrorCode::CANCEL)]);
        }
        // A non-OK status with no message is not a cardinality violation.
        let mut failed = ClientCall::new(
            CallKind::Unary,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        failed.half_close().unwrap();
        failed.handle_headers(OK_HEADERS, false);
        failed.handle_headers([(&b"grpc-status"[..], &b"5"[..])], true);
        assert_eq!(finished_code(&events(&mut failed)), Some(Code::NotFound));
    }

    #[test]
    fn trailers_only_before_half_close_resets_no_error() {
        let mut call = ClientCall::new(
            CallKind::ClientStreaming,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        call.send_message(Bytes::from_static(b"x")).unwrap();
        drain(&mut call);
        let fields: [(&[u8], &[u8]); 4] = [
            (b":status", b"200"),
            (b"content-type", b"application/grpc"),
            (b"grpc-status", b"7"),
            (b"grpc-message", b"go%20away"),
        ];
        call.handle_headers(fields, true);
        assert_eq!(
            events(&mut call),
            [ClientEvent::Finished(Trailers::local(Status::new(
                Code::PermissionDenied,
                "go away"
            )))]
        );
        assert_eq!(drain(&mut call), [StreamAction::Reset(ErrorCode::NO_ERROR)]);
        assert_eq!(call.send_message(Bytes::new()), Err(CallError::Finished));
    }

    #[test]
    fn trailers_only_after_half_close_needs_no_reset() {
        let mut call = ClientCall::new(
            CallKind::Unary,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        call.send_message(Bytes::new()).unwrap();
        call.half_close().unwrap();
        drain(&mut call);
        call.handle_headers(
            [(&b":status"[..], &b"200"[..]), (b"grpc-status", b"12")],
            true,
        );
        assert_eq!(finished_code(&events(&mut call)), Some(Code::Unimplemented));
        assert!(drain(&mut call).is_empty());
    }

    #[test]
    fn http_error_response() {
        let mut call = ClientCall::new(
            CallKind::Unary,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        call.half_close().unwrap();
        drain(&mut call);
        // A proxy's 503 with a body: the call fails at the headers.
        call.handle_headers(
            [
                (&b":status"[..], &b"503"[..]),
                (b"content-type", b"text/html"),
            ],
            false,
        );
        assert_eq!(finished_code(&events(&mut call)), Some(Code::Unavailable));
        assert_eq!(drain(&mut call), [StreamAction::Reset(ErrorCode::CANCEL)]);
        // The rest of the body is ignored.
        call.handle_data(Bytes::from_static(b"<html>"), true);
        assert!(events(&mut call).is_empty());
    }

    #[test]
    fn informational_headers_are_skipped() {
        let mut call = ClientCall::new(
            CallKind::Unary,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        call.half_close().unwrap();
        call.handle_headers([(&b":status"[..], &b"100"[..])], false);
        assert!(events(&mut call).is_empty());
        call.handle_headers(OK_HEADERS, false);
        assert_eq!(events(&mut call), [ClientEvent::Headers(Metadata::new())]);
    }

    #[test]
    fn protocol_violations() {
        let mut data_first = ClientCall::new(
            CallKind::Unary,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        data_first.half_close().unwrap();
        drain(&mut data_first);
        data_first.handle_data(framed(b"x"), false);
        assert_eq!(
            finished_code(&events(&mut data_first)),
            Some(Code::Internal)
        );
        assert_eq!(
            drain(&mut data_first),
            [StreamAction::Reset(ErrorCode::CANCEL)]
        );

        let mut no_trailers = ClientCall::new(
            CallKind::ServerStreaming,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        no_trailers.half_close().unwrap();
        drain(&mut no_trailers);
        no_trailers.handle_headers(OK_HEADERS, false);
        no_trailers.handle_data(framed(b"x"), true);
        let got = events(&mut no_trailers);
        assert_eq!(got[1], ClientEvent::Message(Bytes::from_static(b"x")));
        assert_eq!(
            got[2],
            ClientEvent::Finished(Trailers::local(Status::internal(
                "server closed the stream without sending trailers"
            )))
        );
        // Both sides closed: nothing to reset.
        assert!(drain(&mut no_trailers).is_empty());

        let mut middle = ClientCall::new(
            CallKind::ServerStreaming,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        middle.half_close().unwrap();
        middle.handle_headers(OK_HEADERS, false);
        middle.handle_headers(OK_HEADERS, false);
        assert_eq!(finished_code(&events(&mut middle)), Some(Code::Internal));

        let mut truncated = ClientCall::new(
            CallKind::ServerStreaming,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        truncated.half_close().unwrap();
        truncated.handle_headers(OK_HEADERS, false);
        truncated.handle_data(Bytes::from_static(b"\x00\x00\x00\x00\x09abc"), false);
        truncated.handle_headers(OK_TRAILERS, true);
        let got = events(&mut truncated);
        assert_eq!(finished_code(&got), Some(Code::Internal));
    }

    #[test]
    fn oversized_and_compressed_messages() {
        let limits = CallLimits {
            max_receive_message_size: 3,
            ..CallLimits::default()
        };
        let mut call = ClientCall::new(CallKind::Unary, &head(None), limits, Instant::now());
        call.half_close().unwrap();
        drain(&mut call);
        call.handle_headers(OK_HEADERS, false);
        call.handle_data(Bytes::from_static(b"\x00\x00\x00\x00\x04"), false);
        match events(&mut call).last() {
            Some(ClientEvent::Finished(t)) => {
                assert_eq!(
                    t.status,
                    Status::resource_exhausted("received message larger than max (4 vs. 3)")
                )
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(drain(&mut call), [StreamAction::Reset(ErrorCode::CANCEL)]);

        // Compressed with a coding we lack: INTERNAL on the client.
        let mut gzip = ClientCall::new(
            CallKind::Unary,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        gzip.half_close().unwrap();
        gzip.handle_headers(
            [
                (&b":status"[..], &b"200"[..]),
                (b"content-type", b"application/grpc"),
                (b"grpc-encoding", b"gzip"),
            ],
            false,
        );
        gzip.handle_data(Bytes::from_static(b"\x01\x00\x00\x00\x00"), false);
        assert_eq!(finished_code(&events(&mut gzip)), Some(Code::Internal));
    }

    #[test]
    fn deadline_cancels_with_rst() {
        let now = Instant::now();
        let mut call = ClientCall::new(
            CallKind::Bidi,
            &head(Some(Duration::from_millis(100))),
            CallLimits::default(),
            now,
        );
        drain(&mut call);
        call.handle_timeout(now + Duration::from_millis(99));
        assert!(events(&mut call).is_empty());
        call.handle_timeout(now + Duration::from_millis(100));
        assert_eq!(
            finished_code(&events(&mut call)),
            Some(Code::DeadlineExceeded)
        );
        assert_eq!(drain(&mut call), [StreamAction::Reset(ErrorCode::CANCEL)]);
        assert_eq!(call.poll_timeout(), None);
        // Later input is ignored.
        call.handle_reset(ErrorCode::CANCEL, now);
        call.handle_timeout(now + Duration::from_secs(9));
        assert!(events(&mut call).is_empty());
        assert!(drain(&mut call).is_empty());
    }

    #[test]
    fn no_deadline_never_times_out() {
        let now = Instant::now();
        let mut call = ClientCall::new(CallKind::Unary, &head(None), CallLimits::default(), now);
        assert_eq!(call.poll_timeout(), None);
        call.handle_timeout(now + Duration::from_secs(1_000_000));
        assert!(!call.is_finished());
    }

    #[test]
    fn cancel() {
        let mut call = ClientCall::new(
            CallKind::Bidi,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        drain(&mut call);
        call.cancel();
        assert_eq!(
            events(&mut call),
            [ClientEvent::Finished(Trailers::local(Status::cancelled(
                "cancelled by the client"
            )))]
        );
        assert_eq!(drain(&mut call), [StreamAction::Reset(ErrorCode::CANCEL)]);
        call.cancel();
        assert!(events(&mut call).is_empty());
        assert!(drain(&mut call).is_empty());
        assert_eq!(call.half_close(), Err(CallError::Finished));
    }

    #[test]
    fn server_reset() {
        let now = Instant::now();
        let cases = [
            (ErrorCode::REFUSED_STREAM, Code::Unavailable),
            (ErrorCode::CANCEL, Code::Cancelled),
            (ErrorCode::ENHANCE_YOUR_CALM, Code::ResourceExhausted),
            (ErrorCode::PROTOCOL_ERROR, Code::Internal),
        ];
        for (reset, code) in cases {
            let mut call = ClientCall::new(
                CallKind::Unary,
                &head(Some(Duration::from_secs(5))),
                CallLimits::default(),
                now,
            );
            drain(&mut call);
            call.handle_reset(reset, now);
            assert_eq!(finished_code(&events(&mut call)), Some(code));
            // The stream is gone: nothing more to send.
            assert!(drain(&mut call).is_empty());
        }
        // CANCEL after our deadline reads as DEADLINE_EXCEEDED.
        let mut late = ClientCall::new(
            CallKind::Unary,
            &head(Some(Duration::from_secs(5))),
            CallLimits::default(),
            now,
        );
        late.handle_reset(ErrorCode::CANCEL, now + Duration::from_secs(5));
        assert_eq!(
            finished_code(&events(&mut late)),
            Some(Code::DeadlineExceeded)
        );
    }

    #[test]
    fn nothing_is_sent_after_peer_reset() {
        let mut call = ClientCall::new(
            CallKind::ClientStreaming,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        drain(&mut call);
        call.send_message(Bytes::from_static(b"x")).unwrap();
        call.handle_reset(ErrorCode::CANCEL, Instant::now());
        assert!(drain(&mut call).is_empty());
    }

    #[test]
    fn cancel_before_headers_went_out_sends_nothing() {
        let mut call = ClientCall::new(
            CallKind::Unary,
            &head(None),
            CallLimits::default(),
            Instant::now(),
        );
        call.send_message(Bytes::from_static(b"x")).unwrap();
        call.cancel();
        assert!(drain(&mut call).is_empty());
        assert_eq!(finished_code(&events(&mut call)), Some(Code::Cancelled));
    }
}

#[cfg(test)]
mod properties {
    //! Any sequence of stream input and commands: no panic, one Finished
    //! event at the very end, nothing sent after END_STREAM or RST_STREAM.

    use super::*;
    use core::time::Duration;
    use quickcheck::{quickcheck, Arbitrary, Gen};

    #[derive(Debug, Clone)]
    enum Input {
        Headers(Vec<(Vec<u8>, Vec<u8>)>, bool),
        Data(Vec<u8>, bool),
        Reset(u32),
        Timeout(u16),
        Send(Vec<u8>),
        HalfClose,
        Cancel,
    }

    /// Header blocks a server might send, well-formed or not.
    fn header_block(g: &mut Gen) -> Vec<(Vec<u8>, Vec<u8>)> {
        let pick = |pairs: &[(&str, &str)]| -> Vec<(Vec<u8>, Vec<u8>)> {
            pairs
                .iter()
                .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
                .collect()
        };
        match u8::arbitrary(g) % 6 {
            0 => pick(&[(":status", "200"), ("content-type", "application/grpc")]),
            1 => pick(&[("grpc-status", "0")]),
            2 => pick(&[
                (":status", "200"),
                ("grpc-status", "13"),
                ("grpc-message", "x%"),
            ]),
            3 => pick(&[(":status", "503")]),
            4 => pick(&[(":status", "100")]),
            _ => Vec::arbitrary(g),
        }
    }

    impl Arbitrary for Input {
        fn arbitrary(g: &mut Gen) -> Input {
            match u8::arbitrary(g) % 8 {
                0 | 1 => Input::Headers(header_block(g), bool::arbitrary(g)),
                2 | 3 => Input::Data(Vec::arbitrary(g), bool::arbitrary(g)),
                4 => Input::Reset(u32::arbitrary(g) % 16),
                5 => Input::Timeout(u16::arbitrary(g)),
                6 => Input::Send(Vec::arbitrary(g)),
                _ => match u8::arbitrary(g) % 2 {
                    0 => Input::HalfClose,
                    _ => Input::Cancel,
                },
            }
        }
    }

    fn kind(n: u8) -> CallKind {
        [
            CallKind::Unary,
            CallKind::ServerStreaming,
            CallKind::ClientStreaming,
            CallKind::Bidi,
        ][usize::from(n % 4)]
    }

    quickcheck! {
        fn client_call_invariants(kind_n: u8, inputs: Vec<Input>) -> bool {
            let start = Instant::now();
            let mut head = RequestHead::new("s", "m");
            head.timeout = Some(Duration::from_millis(100));
            let limits = CallLimits { max_receive_message_size: 64, ..CallLimits::default() };
            let mut call = ClientCall::new(kind(kind_n), &head, limits, start);
            let mut actions = Vec::new();
            let mut events = Vec::new();
            let mut now = start;
            for input in inputs {
                match input {
                    Input::Headers(fields, end) => {
                        call.handle_headers(fields.iter().map(|(n, v)| (&n[..], &v[..])), end)
                    }
                    Input::Data(data, end) => call.handle_data(Bytes::from(data), end),
                    Input::Reset(code) => call.handle_reset(ErrorCode(code), now),
                    Input::Timeout(ms) => {
                        now += Duration::from_millis(u64::from(ms));
                        call.handle_timeout(now);
                    }
                    Input::Send(message) => {
                        let _ = call.send_message(Bytes::from(message));
                    }
                    Input::HalfClose => {
                        let _ = call.half_close();
                    }
                    Input::Cancel => call.cancel(),
                }
                actions.extend(core::iter::from_fn(|| call.poll_action()));
                events.extend(core::iter::from_fn(|| call.poll_event()));
            }
            let finished = events.iter().filter(|e| matches!(e, ClientEvent::Finished(_))).count();
            let finished_last = finished == 0 || matches!(events.last(), Some(ClientEvent::Finished(_)));
            let small = events.iter().all(|e| !matches!(e, ClientEvent::Message(m) if m.len() > 64));
            // Nothing after RST_STREAM or after our END_STREAM, save an RST.
            let mut closed = false;
            let mut reset = false;
            let mut wire_ok = true;
            for action in &actions {
                wire_ok &= !reset;
                match action {
                    StreamAction::Reset(_) => reset = true,
                    StreamAction::SendHeaders { end_stream, .. } | StreamAction::SendData { end_stream, .. } => {
                        wire_ok &= !closed;
                        closed |= end_stream;
                    }
                }
            }
            finished <= 1 && finished_last && small && wire_ok && call.is_finished() == (finished == 1)
        }
    }
}
