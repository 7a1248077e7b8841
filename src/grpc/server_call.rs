//! The server side of one call, sans-IO: request messages in, response
//! headers, messages and trailers out, the client's deadline enforced.

use std::collections::VecDeque;
use std::time::Instant;

use bytes::Bytes;

use super::call::{CallError, CallKind, CallLimits, Outbox, StreamAction};
use super::framing::Deframer;
use super::metadata::Metadata;
use super::request::RequestHead;
use super::reset::{status_for_reset, ErrorCode};
use super::response::{trailers, ResponseHead};
use super::status::Status;
use super::Side;

/// What the handler learns about its call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// A request message.
    Message(Bytes),
    /// The client has finished sending (END_STREAM); the handler should
    /// now finish the call.
    HalfClosed,
    /// The call ended without the handler: the client cancelled or reset
    /// the stream, the deadline passed, or the request broke the protocol
    /// (then the status was already sent). Stop working on it; commands
    /// now return [`CallError::Finished`]. Always the last event.
    Cancelled(Status),
}

/// One server call on one HTTP/2 stream, for any [`CallKind`].
///
/// The driver first validates the request headers with
/// [`RequestHead::from_headers`] (answering a [`super::Rejection`] itself),
/// looks up the method to learn its kind, and creates the call with
/// [`ServerCall::new`]. If the request HEADERS carried END_STREAM, it then
/// calls `handle_data(Bytes::new(), true)`. After that, as for
/// [`super::ClientCall`]:
///
/// 1. The handler calls [`send_headers`](Self::send_headers) (optional),
///    [`send_message`](Self::send_message) and finally
///    [`finish`](Self::finish) with the status.
/// 2. The driver passes stream input to [`handle_data`](Self::handle_data),
///    [`handle_headers`](Self::handle_headers) and
///    [`handle_reset`](Self::handle_reset), and calls
///    [`handle_timeout`](Self::handle_timeout) once
///    [`poll_timeout`](Self::poll_timeout) has passed.
/// 3. After each of these it drains [`poll_action`](Self::poll_action) into
///    the stream and [`poll_event`](Self::poll_event) to the handler.
///
/// When the client's deadline passes, the call ends with
/// DEADLINE_EXCEEDED: the handler sees `Cancelled(DEADLINE_EXCEEDED)`, the
/// client gets that status in trailers, and if it is still sending, the
/// stream is reset with CANCEL, as PROTOCOL-HTTP2.md "Client Cancellation"
/// asks of servers. (The client also makes up its own DEADLINE_EXCEEDED;
/// the trailers serve one whose clock runs behind ours.)
#[derive(Debug)]
pub struct ServerCall {
    kind: CallKind,
    limits: CallLimits,
    deadline: Option<Instant>,
    outbox: Outbox,
    deframer: Deframer,
    response_head: ResponseHead,
    headers_sent: bool,
    finished: bool,
    messages_sent: u64,
    messages_received: u64,
    events: VecDeque<ServerEvent>,
}

impl ServerCall {
    /// A call of `kind` for a validated request. The request's timeout,
    /// counted from `now`, becomes the deadline; responses use the
    /// request's content-type.
    pub fn new(kind: CallKind, head: &RequestHead, limits: CallLimits, now: Instant) -> ServerCall {
        let mut deframer = Deframer::new(limits.max_receive_message_size);
        deframer.set_encoding(head.encoding.clone());
        ServerCall {
            kind,
            limits,
            deadline: head.timeout.and_then(|timeout| now.checked_add(timeout)),
            outbox: Outbox::opened(),
            deframer,
            response_head: ResponseHead {
                content_type: head.content_type.clone(),
                ..ResponseHead::default()
            },
            headers_sent: false,
            finished: false,
            messages_sent: 0,
            messages_received: 0,
            events: VecDeque::new(),
        }
    }

    /// The kind of call.
    pub fn kind(&self) -> CallKind {
        self.kind
    }

    /// Whether the call has ended.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Sends Response-Headers with `metadata` now, rather than with the
    /// first message.
    pub fn send_headers(&mut self, metadata: Metadata) -> Result<(), CallError> {
        if self.finished {
            return Err(CallError::Finished);
        }
        if self.headers_sent {
            return Err(CallError::HeadersAlreadySent);
        }
        self.response_head.metadata = metadata;
        self.push_headers();
        Ok(())
    }

    fn push_headers(&mut self) {
        self.headers_sent = true;
        self.outbox.headers(self.response_head.to_headers(), false);
    }

    /// Sends one response message (Response-Headers first, if not yet sent).
    pub fn send_message(&mut self, message: Bytes) -> Result<(), CallError> {
        if self.finished {
            return Err(CallError::Finished);
        }
        if !self.kind.server_streams() && self.messages_sent >= 1 {
            return Err(CallError::TooManyMessages);
        }
        if message.len() > self.limits.max_send_message_size {
            return Err(CallError::MessageTooLarge(
                super::framing::MessageTooLarge {
                    size: message.len(),
                    max: self.limits.max_send_message_size,
                },
            ));
        }
        if !self.headers_sent {
            self.push_headers();
        }
        self.outbox
            .message(message, self.limits.max_send_message_size)?;
        self.messages_sent = self.messages_sent.saturating_add(1);
        Ok(())
    }

    /// Ends the call with `status` and trailing `metadata`: Trailers, or
    /// Trailers-Only when no headers went out. If the client is still
    /// sending, RST_STREAM(NO_ERROR) follows (PROTOCOL-HTTP2.md "Early
    /// Server Closure").
    pub fn finish(&mut self, status: &Status, metadata: &Metadata) -> Result<(), CallError> {
        if self.finished {
            return Err(CallError::Finished);
        }
        self.send_status(status, metadata);
        Ok(())
    }

    fn send_status(&mut self, status: &Status, metadata: &Metadata) {
        self.send_status_then_reset(status, metadata, ErrorCode::NO_ERROR);
    }

    fn send_status_then_reset(&mut self, status: &Status, metadata: &Metadata, reset: ErrorCode) {
        self.finished = true;
        let fields = if self.headers_sent {
            trailers(status, metadata)
        } else {
            self.headers_sent = true;
            self.response_head.to_trailers_only(status, metadata)
        };
        self.outbox.headers(fields, true);
        self.outbox.reset_after_close(reset);
    }

    /// Takes received DATA bytes; `end_stream` is the END_STREAM flag.
    pub fn handle_data(&mut self, mut data: Bytes, end_stream: bool) {
        // Nothing may follow END_STREAM (RFC 9113 §5.1, "half-closed
        // (remote)"); the HTTP/2 layer rejects it, and it is ignored here.
        if self.finished || self.outbox.remote_closed {
            self.outbox.remote_closed |= end_stream;
            return;
        }
        self.outbox.remote_closed = end_stream;
        loop {
            match self.deframer.decode(&mut data) {
                Ok(Some(message)) => {
                    self.messages_received = self.messages_received.saturating_add(1);
                    if !self.kind.client_streams() && self.messages_received > 1 {
                        // Request cardinality violation (statuscodes.md).
                        self.fail(Status::unimplemented(
                            "more than one request message for a single-request method",
                        ));
                        return;
                    }
                    self.events.push_back(ServerEvent::Message(message));
                }
                Ok(None) => break,
                Err(error) => {
                    self.fail(error.to_status(Side::Server));
                    return;
                }
            }
        }
        if end_stream {
            if let Err(error) = self.deframer.finish() {
                self.fail(error.to_status(Side::Server));
            } else if !self.kind.client_streams() && self.messages_received == 0 {
                self.fail(Status::unimplemented(
                    "no request message for a single-request method",
                ));
            } else {
                self.events.push_back(ServerEvent::HalfClosed);
            }
        }
    }

    /// Takes a header block after the request headers. gRPC requests have
    /// no trailers, so one with END_STREAM only ends the request; one
    /// without breaks the protocol.
    pub fn handle_headers<'a, I>(&mut self, _fields: I, end_stream: bool)
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        if end_stream {
            self.handle_data(Bytes::new(), true);
        } else if !self.finished {
            self.fail(Status::internal(
                "second header block without END_STREAM in a request",
            ));
        }
    }

    /// Takes the client's RST_STREAM: CANCEL is the client cancelling.
    pub fn handle_reset(&mut self, code: ErrorCode) {
        self.outbox.peer_reset();
        if !self.finished {
            self.finished = true;
            self.events
                .push_back(ServerEvent::Cancelled(status_for_reset(code, Side::Server)));
        }
    }

    /// Lets time pass: past the deadline the call ends with
    /// DEADLINE_EXCEEDED (see the type's doc).
    pub fn handle_timeout(&mut self, now: Instant) {
        if !self.finished && self.deadline.is_some_and(|d| now >= d) {
            let status = Status::deadline_exceeded("deadline exceeded");
            self.send_status_then_reset(&status, &Metadata::new(), ErrorCode::CANCEL);
            self.events.push_back(ServerEvent::Cancelled(status));
        }
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline.filter(|_| !self.finished)
    }

    /// The next thing to do on the stream.
    pub fn poll_action(&mut self) -> Option<StreamAction> {
        self.outbox.poll()
    }

    /// The next thing to tell the handler.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    /// Ends the call because the request broke a rule: the status goes to
    /// the client in trailers and to the handler as `Cancelled`.
    fn fail(&mut self, status: Status) {
        self.send_status(&status, &Metadata::new());
        self.events.push_back(ServerEvent::Cancelled(status));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::code::Code;
    use crate::grpc::encoding::MessageEncoding;
    use core::time::Duration;

    fn head(timeout: Option<Duration>) -> RequestHead {
        let mut head = RequestHead::new("pkg.Svc", "Do");
        head.timeout = timeout;
        head
    }

    fn call(kind: CallKind) -> ServerCall {
        ServerCall::new(kind, &head(None), CallLimits::default(), Instant::now())
    }

    fn drain(call: &mut ServerCall) -> Vec<StreamAction> {
        core::iter::from_fn(|| call.poll_action()).collect()
    }

    fn events(call: &mut ServerCall) -> Vec<ServerEvent> {
        core::iter::from_fn(|| call.poll_event()).collect()
    }

    fn framed(message: &[u8]) -> Bytes {
        let mut out = bytes::BytesMut::new();
        crate::grpc::framing::encode(message, &mut out).unwrap();
        out.freeze()
    }

    fn text(fields: &[(Bytes, Bytes)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(n, v)| {
                (
                    String::from_utf8_lossy(n).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect()
    }

    fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    /// The grpc-status of the last header block sent with END_STREAM.
    fn sent_status(actions: &[StreamAction]) -> Option<String> {
        actions.iter().rev().find_map(|action| match action {
            StreamAction::SendHeaders {
                fields,
                end_stream: true,
            } => fields
                .iter()
                .find(|(n, _)| &n[..] == b"grpc-status")
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned()),
            _ => None,
        })
    }

    #[test]
    fn unary_happy_path() {
        let mut call = call(CallKind::Unary);
        call.handle_data(framed(b"req"), true);
        assert_eq!(
            events(&mut call),
            [
                ServerEvent::Message(Bytes::from_static(b"req")),
                ServerEvent::HalfClosed
            ]
        );
        let mut md = Metadata::new();
        md.append("x-trailer", "t").unwrap();
        call.send_message(Bytes::from_static(b"resp")).unwrap();
        call.finish(&Status::ok(), &md).unwrap();
        let actions = drain(&mut call);
        assert_eq!(actions.len(), 3);
        match &actions[0] {
            StreamAction::SendHeaders {
                fields,
                end_stream: false,
            } => assert_eq!(
                text(fields),
                owned(&[
                    (":status", "200"),
                    ("content-type", "application/grpc+proto"),
                    ("grpc-accept-encoding", "identity"),
                ])
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            actions[1],
            StreamAction::SendData {
                data: framed(b"resp"),
                end_stream: false
            }
        );
        match &actions[2] {
            StreamAction::SendHeaders {
                fields,
                end_stream: true,
            } => assert_eq!(
                text(fields),
                owned(&[("grpc-status", "0"), ("x-trailer", "t")])
            ),
            other => panic!("{other:?}"),
        }
        assert!(call.is_finished());
        assert_eq!(call.finish(&Status::ok(), &md), Err(CallError::Finished));
        assert_eq!(call.send_message(Bytes::new()), Err(CallError::Finished));
    }

    #[test]
    fn explicit_headers_with_metadata() {
        let mut call = call(CallKind::ServerStreaming);
        let mut md = Metadata::new();
        md.append("x-initial", "i").unwrap();
        call.send_headers(md).unwrap();
        assert_eq!(
            call.send_headers(Metadata::new()),
            Err(CallError::HeadersAlreadySent)
        );
        call.send_message(Bytes::from_static(b"1")).unwrap();
        call.send_message(Bytes::from_static(b"2")).unwrap();
        let actions = drain(&mut call);
        assert_eq!(actions.len(), 3);
        match &actions[0] {
            StreamAction::SendHeaders { fields, .. } => {
                assert_eq!(text(&fields[3..]), owned(&[("x-initial", "i")]))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn error_before_messages_is_trailers_only_then_rst_no_error() {
        let mut call = call(CallKind::ClientStreaming);
        call.handle_data(framed(b"a"), false);
        call.finish(&Status::new(Code::NotFound, "gone"), &Metadata::new())
            .unwrap();
        let actions = drain(&mut call);
        match &actions[0] {
            StreamAction::SendHeaders {
                fields,
                end_stream: true,
            } => assert_eq!(
                text(fields),
                owned(&[
                    (":status", "200"),
                    ("content-type", "application/grpc+proto"),
                    ("grpc-accept-encoding", "identity"),
                    ("grpc-status", "5"),
                    ("grpc-message", "gone"),
                ])
            ),
            other => panic!("{other:?}"),
        }
        // The client had not half-closed: Early Server Closure.
        assert_eq!(actions[1], StreamAction::Reset(ErrorCode::NO_ERROR));
        assert_eq!(actions.len(), 2);
        // Its late data is ignored.
        call.handle_data(framed(b"b"), true);
        assert_eq!(
            events(&mut call),
            [ServerEvent::Message(Bytes::from_static(b"a"))]
        );
    }

    #[test]
    fn client_streaming_and_bidi() {
        for kind in [CallKind::ClientStreaming, CallKind::Bidi] {
            let mut call = call(kind);
            call.handle_data(framed(b"a"), false);
            call.handle_data(framed(b"b"), false);
            call.handle_data(Bytes::new(), true);
            assert_eq!(
                events(&mut call),
                [
                    ServerEvent::Message(Bytes::from_static(b"a")),
                    ServerEvent::Message(Bytes::from_static(b"b")),
                    ServerEvent::HalfClosed
                ]
            );
            call.send_message(Bytes::new()).unwrap();
            assert_eq!(
                call.send_message(Bytes::new()).is_ok(),
                kind == CallKind::Bidi
            );
        }
        // Zero requests is fine for a streaming request.
        let mut empty = call(CallKind::Bidi);
        empty.handle_headers(core::iter::empty(), true);
        assert_eq!(events(&mut empty), [ServerEvent::HalfClosed]);
    }

    #[test]
    fn unary_response_cardinality_on_send() {
        let mut call = call(CallKind::ClientStreaming);
        call.send_message(Bytes::new()).unwrap();
        assert_eq!(
            call.send_message(Bytes::new()),
            Err(CallError::TooManyMessages)
        );
    }

    #[test]
    fn request_cardinality() {
        for kind in [CallKind::Unary, CallKind::ServerStreaming] {
            let mut none = call(kind);
            none.handle_data(Bytes::new(), true);
            assert_eq!(
                events(&mut none),
                [ServerEvent::Cancelled(Status::unimplemented(
                    "no request message for a single-request method"
                ))]
            );
            assert_eq!(sent_status(&drain(&mut none)).as_deref(), Some("12"));

            let mut two = call(kind);
            let mut both = framed(b"a").to_vec();
            both.extend_from_slice(&framed(b"b"));
            two.handle_data(Bytes::from(both), false);
            let got = events(&mut two);
            assert_eq!(got[0], ServerEvent::Message(Bytes::from_static(b"a")));
            assert!(matches!(&got[1], ServerEvent::Cancelled(s) if s.code == Code::Unimplemented));
            let actions = drain(&mut two);
            assert_eq!(sent_status(&actions).as_deref(), Some("12"));
            assert_eq!(
                actions.last(),
                Some(&StreamAction::Reset(ErrorCode::NO_ERROR))
            );
        }
    }

    #[test]
    fn oversized_request_message() {
        let limits = CallLimits {
            max_receive_message_size: 2,
            ..CallLimits::default()
        };
        let mut call = ServerCall::new(CallKind::Unary, &head(None), limits, Instant::now());
        call.handle_data(Bytes::from_static(b"\x00\x00\x00\x00\x03"), false);
        assert_eq!(
            events(&mut call),
            [ServerEvent::Cancelled(Status::resource_exhausted(
                "received message larger than max (3 vs. 2)"
            ))]
        );
        assert_eq!(sent_status(&drain(&mut call)).as_deref(), Some("8"));
    }

    #[test]
    fn unsupported_compression_is_unimplemented_with_accept_encoding() {
        let mut request = head(None);
        request.encoding = MessageEncoding::Unsupported("gzip".into());
        let mut call = ServerCall::new(
            CallKind::Unary,
            &request,
            CallLimits::default(),
            Instant::now(),
        );
        call.handle_data(Bytes::from_static(b"\x01\x00\x00\x00\x01z"), true);
        assert!(
            matches!(&events(&mut call)[..], [ServerEvent::Cancelled(s)] if s.code == Code::Unimplemented)
        );
        let actions = drain(&mut call);
        match &actions[..] {
            [StreamAction::SendHeaders {
                fields,
                end_stream: true,
            }] => {
                let fields = text(fields);
                assert!(fields.contains(&("grpc-accept-encoding".into(), "identity".into())));
                assert!(fields.contains(&("grpc-status".into(), "12".into())));
            }
            other => panic!("{other:?}"),
        }
        // Flag set without any grpc-encoding: INTERNAL.
        let mut plain = call_with_data(b"\x01\x00\x00\x00\x00");
        assert!(
            matches!(&events(&mut plain)[..], [ServerEvent::Cancelled(s)] if s.code == Code::Internal)
        );
    }

    fn call_with_data(data: &'static [u8]) -> ServerCall {
        let mut call = call(CallKind::Unary);
        call.handle_data(Bytes::from_static(data), false);
        call
    }

    #[test]
    fn truncated_request() {
        let mut call = call(CallKind::Unary);
        call.handle_data(Bytes::from_static(b"\x00\x00\x00\x00\x05ab"), true);
        assert!(
            matches!(&events(&mut call)[..], [ServerEvent::Cancelled(s)] if s.code == Code::Internal)
        );
        let actions = drain(&mut call);
        assert_eq!(sent_status(&actions).as_deref(), Some("13"));
        // The client had half-closed: no RST needed.
        assert_eq!(actions.len(), 1);
    }

    #[test]
    fn client_cancel() {
        let mut call = call(CallKind::Bidi);
        call.send_message(Bytes::from_static(b"queued")).unwrap();
        call.handle_reset(ErrorCode::CANCEL);
        assert_eq!(
            events(&mut call),
            [ServerEvent::Cancelled(Status::cancelled(
                "the client cancelled the call (RST_STREAM CANCEL)"
            ))]
        );
        assert!(drain(&mut call).is_empty());
        assert_eq!(call.send_message(Bytes::new()), Err(CallError::Finished));
        call.handle_reset(ErrorCode::CANCEL);
        assert!(events(&mut call).is_empty());
    }

    #[test]
    fn deadline() {
        let now = Instant::now();
        let mut call = ServerCall::new(
            CallKind::Unary,
            &head(Some(Duration::from_millis(50))),
            CallLimits::default(),
            now,
        );
        assert_eq!(call.poll_timeout(), Some(now + Duration::from_millis(50)));
        call.send_headers(Metadata::new()).unwrap();
        drain(&mut call);
        call.handle_timeout(now + Duration::from_millis(49));
        assert!(events(&mut call).is_empty());
        call.send_message(Bytes::from_static(b"late")).unwrap();
        call.handle_timeout(now + Duration::from_millis(50));
        assert_eq!(
            events(&mut call),
            [ServerEvent::Cancelled(Status::deadline_exceeded(
                "deadline exceeded"
            ))]
        );
        // What was queued goes out, then the status, then RST_STREAM(CANCEL)
        // as the client is still sending.
        let actions = drain(&mut call);
        assert_eq!(actions.len(), 3);
        assert!(matches!(actions[0], StreamAction::SendData { .. }));
        match &actions[1] {
            StreamAction::SendHeaders {
                fields,
                end_stream: true,
            } => assert_eq!(
                text(fields),
                owned(&[("grpc-status", "4"), ("grpc-message", "deadline exceeded")])
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(actions[2], StreamAction::Reset(ErrorCode::CANCEL));
        assert_eq!(call.poll_timeout(), None);
        assert_eq!(
            call.finish(&Status::ok(), &Metadata::new()),
            Err(CallError::Finished)
        );
    }

    #[test]
    fn input_after_end_stream_is_ignored() {
        let mut call = call(CallKind::Bidi);
        call.handle_data(framed(b"a"), true);
        call.handle_data(framed(b"b"), true);
        call.handle_headers(core::iter::empty(), true);
        assert_eq!(
            events(&mut call),
            [
                ServerEvent::Message(Bytes::from_static(b"a")),
                ServerEvent::HalfClosed
            ]
        );
    }

    #[test]
    fn headers_without_end_stream_break_the_protocol() {
        let mut call = call(CallKind::Bidi);
        call.handle_headers([(&b"x"[..], &b"y"[..])], false);
        assert!(
            matches!(&events(&mut call)[..], [ServerEvent::Cancelled(s)] if s.code == Code::Internal)
        );
        assert_eq!(sent_status(&drain(&mut call)).as_deref(), Some("13"));
    }

    #[test]
    fn echoes_request_content_type() {
        let mut request = head(None);
        request.content_type = "application/grpc+json".into();
        let mut call = ServerCall::new(
            CallKind::Unary,
            &request,
            CallLimits::default(),
            Instant::now(),
        );
        call.send_headers(Metadata::new()).unwrap();
        match drain(&mut call).first() {
            Some(StreamAction::SendHeaders { fields, .. }) => {
                assert_eq!(
                    text(&fields[1..2]),
                    owned(&[("content-type", "application/grpc+json")])
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn send_limit() {
        let limits = CallLimits {
            max_send_message_size: 1,
            ..CallLimits::default()
        };
        let mut call = ServerCall::new(CallKind::Unary, &head(None), limits, Instant::now());
        assert!(matches!(
            call.send_message(Bytes::from_static(b"ab")),
            Err(CallError::MessageTooLarge(_))
        ));
        // Nothing went out, and the call is still usable.
        assert!(drain(&mut call).is_empty());
        call.send_message(Bytes::from_static(b"a")).unwrap();
    }
}

#[cfg(test)]
mod properties {
    //! Any sequence of stream input and handler commands: no panic, at
    //! most one Cancelled event and it comes last, one final header block,
    //! nothing sent after it but RST_STREAM, nothing after RST_STREAM.

    use super::*;
    use core::time::Duration;
    use quickcheck::{quickcheck, Arbitrary, Gen};

    #[derive(Debug, Clone)]
    enum Input {
        Data(Vec<u8>, bool),
        Headers(bool),
        Reset(u32),
        Timeout(u16),
        SendHeaders,
        Send(Vec<u8>),
        Finish(u8),
    }

    impl Arbitrary for Input {
        fn arbitrary(g: &mut Gen) -> Input {
            match u8::arbitrary(g) % 9 {
                0..=2 => Input::Data(Vec::arbitrary(g), bool::arbitrary(g)),
                3 => Input::Headers(bool::arbitrary(g)),
                4 => Input::Reset(u32::arbitrary(g) % 16),
                5 => Input::Timeout(u16::arbitrary(g)),
                6 => Input::SendHeaders,
                7 => Input::Send(Vec::arbitrary(g)),
                _ => Input::Finish(u8::arbitrary(g) % 17),
            }
        }
    }

    quickcheck! {
        fn server_call_invariants(kind_n: u8, inputs: Vec<Input>) -> bool {
            let kind = [CallKind::Unary, CallKind::ServerStreaming, CallKind::ClientStreaming, CallKind::Bidi]
                [usize::from(kind_n % 4)];
            let start = Instant::now();
            let mut head = RequestHead::new("s", "m");
            head.timeout = Some(Duration::from_millis(100));
            let limits = CallLimits { max_receive_message_size: 64, ..CallLimits::default() };
            let mut call = ServerCall::new(kind, &head, limits, start);
            let mut actions = Vec::new();
            let mut events = Vec::new();
            let mut now = start;
            for input in inputs {
                match input {
                    Input::Data(data, end) => call.handle_data(Bytes::from(data), end),
                    Input::Headers(end) => call.handle_headers(core::iter::empty(), end),
                    Input::Reset(code) => call.handle_reset(ErrorCode(code)),
                    Input::Timeout(ms) => {
                        now += Duration::from_millis(u64::from(ms));
                        call.handle_timeout(now);
                    }
                    Input::SendHeaders => {
                        let _ = call.send_headers(Metadata::new());
                    }
                    Input::Send(message) => {
                        let _ = call.send_message(Bytes::from(message));
                    }
                    Input::Finish(code) => {
                        let status = Status::new(crate::grpc::code::Code::from_number(code.into()), "m");
                        let _ = call.finish(&status, &Metadata::new());
                    }
                }
                actions.extend(core::iter::from_fn(|| call.poll_action()));
                events.extend(core::iter::from_fn(|| call.poll_event()));
            }
            let cancelled = events.iter().filter(|e| matches!(e, ServerEvent::Cancelled(_))).count();
            let cancelled_last = cancelled == 0 || matches!(events.last(), Some(ServerEvent::Cancelled(_)));
            let half_closed = events.iter().filter(|e| matches!(e, ServerEvent::HalfClosed)).count();
            let small = events.iter().all(|e| !matches!(e, ServerEvent::Message(m) if m.len() > 64));
            let mut closed = false;
            let mut reset = false;
            let mut headers_blocks = 0;
            let mut wire_ok = true;
            for action in &actions {
                wire_ok &= !reset;
                match action {
                    StreamAction::Reset(_) => reset = true,
                    StreamAction::SendHeaders { end_stream, .. } => {
                        wire_ok &= !closed;
                        headers_blocks += 1;
                        closed |= end_stream;
                    }
                    StreamAction::SendData { end_stream, .. } => {
                        // Data only between response headers and trailers.
                        wire_ok &= !closed && headers_blocks == 1 && !end_stream;
                    }
                }
            }
            cancelled <= 1 && cancelled_last && half_closed <= 1 && small && wire_ok && headers_blocks <= 2
        }
    }
}
