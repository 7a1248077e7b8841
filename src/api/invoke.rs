//! [`Invoke`] on a blocking [`Channel`]: what lets the generated `Client`s
//! of `crate::proto` call through a channel.
//!
//! `Invoke` runs a whole call in one function: it sends every request,
//! half-closes, and hands each response to a sink. That fits unary,
//! client-streaming and server-streaming calls exactly. A bidirectional call
//! also works but cannot interleave: all requests are sent before the first
//! response is read, so a client that must wait for a reply before sending
//! (ping-pong) uses [`Channel::bidi`] instead. A call of exactly one
//! request sends it and half-closes in one step. The call's deadline is the
//! channel's default timeout; response metadata is not surfaced (use the
//! `Channel` methods, which return [`super::Response`], for it).

use bytes::Bytes;

use crate::grpc::service::{Invoke, Method, ResponseSink};
use crate::grpc::{CallKind, Code, Metadata, Status};

use super::{CallOptions, Channel};

impl Invoke for Channel {
    fn invoke(
        &self,
        method: &Method,
        metadata: &Metadata,
        requests: &mut dyn Iterator<Item = Vec<u8>>,
        responses: &mut dyn ResponseSink<Vec<u8>>,
    ) -> Result<(), Status> {
        let options = CallOptions {
            metadata: metadata.clone(),
            ..CallOptions::default()
        };
        let first = requests.next();
        let second = requests.next();
        let mut call = match (method.kind, first, second) {
            // One request goes out with the headers and END_STREAM in one
            // step, so a server that answers it at once (e.g. a
            // Trailers-Only error) never races our half-close.
            (_, Some(request), None) => self.raw_call(
                method.kind,
                method.path,
                Some(Bytes::from(request)),
                options,
            ),
            (CallKind::Unary | CallKind::ServerStreaming, None, _) => {
                return Err(Status::new(
                    Code::Internal,
                    "a unary or server-streaming call needs one request, got none",
                ))
            }
            (CallKind::Unary | CallKind::ServerStreaming, Some(_), Some(_)) => {
                return Err(Status::new(
                    Code::Internal,
                    "a unary or server-streaming call takes exactly one request, got more",
                ))
            }
            (CallKind::ClientStreaming | CallKind::Bidi, first, second) => {
                let mut call = self.raw_call(method.kind, method.path, None, options);
                for request in first.into_iter().chain(second).chain(requests) {
                    if call.send(Bytes::from(request)).is_err() {
                        // The call ended early; its status comes from `recv`.
                        break;
                    }
                }
                let _ = call.close_send();
                call
            }
        };
        while let Some(item) = call.recv() {
            if let Err(status) = responses.send(item?.to_vec()) {
                call.cancel();
                return Err(status);
            }
        }
        match call.status() {
            Some(status) if !status.is_ok() => Err(status.clone()),
            _ => Ok(()),
        }
    }
}
