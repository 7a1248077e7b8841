//! Lets a generated service's `Server` trait (see [`crate::grpc::service`])
//! run behind a [`Router`](super::Router): the router's typed request and
//! response streams are the streams that trait takes.
//!
//! A generated trait method sees only the request and its metadata, so a
//! service registers each rpc with one line that forwards to it, and keeps
//! the [`ServerContext`](super::ServerContext) for what the trait cannot
//! express (response headers, trailers, cancellation):
//!
//! ```text
//! router.bidi(test_service::FULL_DUPLEX_CALL.path, move |ctx, requests, responses| {
//!     service.full_duplex_call(requests, ctx.metadata(), responses)
//! });
//! ```

use super::service::{Requests, Responses};
use crate::grpc::service::ResponseSink;
use crate::grpc::Status;
use crate::wire::Message;

/// The requests of a call, decoded, in order; a generated
/// `RequestStream<M>` (it ends when the client half-closes).
impl<M: Message + Default> Iterator for Requests<M> {
    type Item = Result<M, Status>;

    fn next(&mut self) -> Option<Self::Item> {
        self.recv()
    }
}

/// A generated handler's responses go out as the call's messages.
impl<M: Message> ResponseSink<M> for Responses<M> {
    fn send(&mut self, message: M) -> Result<(), Status> {
        Responses::send(self, &message)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use bytes::Bytes;

    use super::super::call_channel::{CallChannel, Outgoing};
    use super::super::{Router, ServerContext};
    use crate::grpc::service::{RequestStream, ResponseSink};
    use crate::grpc::{Code, Metadata, RequestHead, Status};
    use crate::net::PeerAddress;
    use crate::proto::grpc::testing::{Payload, StreamingInputCallRequest};

    /// A handler in the generated trait's shape: echoes each request's
    /// payload, fails on an empty body.
    fn echo(
        requests: &mut dyn RequestStream<StreamingInputCallRequest>,
        _metadata: &Metadata,
        responses: &mut dyn ResponseSink<Payload>,
    ) -> Result<(), Status> {
        for request in requests {
            let payload = request?.payload.unwrap_or_default();
            if payload.body.is_empty() {
                return Err(Status::new(Code::InvalidArgument, "empty body"));
            }
            responses.send(payload)?;
        }
        Ok(())
    }

    fn run(requests: &[&'static [u8]]) -> Vec<String> {
        let mut router = Router::new();
        router.bidi("/p.S/Echo", |ctx, requests, responses| {
            echo(requests, ctx.metadata(), responses)
        });
        let channel = Arc::new(CallChannel::new(1024, Box::new(|| {})));
        {
            let mut state = channel.lock();
            for request in requests {
                state.inbox.push_back(Bytes::from_static(request));
            }
            state.request_done = true;
        }
        let ctx = ServerContext::new(
            RequestHead::new("p.S", "Echo"),
            PeerAddress::Unix(None),
            None,
            channel.clone(),
        );
        router
            .route("/p.S/Echo")
            .expect("registered")
            .run(ctx, None);
        let state = channel.lock();
        state
            .outbox
            .iter()
            .map(|item| match item {
                Outgoing::Message(m) => format!("message {m:?}"),
                Outgoing::Finish(status, _) => format!("finish {:?}", status.code),
            })
            .collect()
    }

    #[test]
    fn generated_streams_carry_the_calls_messages() {
        // StreamingInputCallRequest { payload { body: "a" } } is 0a 03 12 01 61;
        // Payload { body: "a" } is 12 01 61.
        assert_eq!(
            run(&[b"\x0a\x03\x12\x01a", b"\x0a\x03\x12\x01b"]),
            [
                "message b\"\\x12\\x01a\"",
                "message b\"\\x12\\x01b\"",
                "finish Ok"
            ]
        );
    }

    #[test]
    fn a_handler_error_or_bad_request_ends_the_call() {
        assert_eq!(run(&[b"\x0a\x00"]), ["finish InvalidArgument"]);
        // A truncated request does not decode: INTERNAL.
        assert_eq!(run(&[b"\x0a\x05"]), ["finish Internal"]);
    }
}
