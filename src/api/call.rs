//! Call options, responses, and the blocking call handles.

use std::marker::PhantomData;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::grpc::{ClientEvent, Code, Metadata, Status};
use crate::wire::Message;

use super::channel::{IoCommand, IoLink};

/// Per-call settings.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    /// Time the call may take, counted from its start (sent as
    /// `grpc-timeout`); `None` uses the channel's default.
    pub timeout: Option<Duration>,
    /// Custom metadata sent with the request headers.
    pub metadata: Metadata,
    /// Wait for a connection while the channel is failing instead of failing
    /// at once with UNAVAILABLE (wait-for-ready.md).
    pub wait_for_ready: bool,
}

impl CallOptions {
    /// Options with a timeout.
    pub fn timeout(timeout: Duration) -> Self {
        CallOptions {
            timeout: Some(timeout),
            ..CallOptions::default()
        }
    }

    /// Sets an absolute deadline, converted to a timeout from now.
    pub fn with_deadline(mut self, deadline: Instant) -> Self {
        self.timeout = Some(deadline.saturating_duration_since(Instant::now()));
        self
    }

    /// Adds an ASCII metadata entry; an invalid key or value is refused.
    pub fn with_metadata(mut self, key: &str, value: &str) -> Result<Self, Status> {
        self.metadata
            .append(key, value)
            .map_err(|e| Status::new(Code::Internal, format!("metadata {key:?}: {e}")))?;
        Ok(self)
    }

    /// Sets wait-for-ready.
    pub fn with_wait_for_ready(mut self, wait: bool) -> Self {
        self.wait_for_ready = wait;
        self
    }
}

/// A response message with the server's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    /// The message.
    pub message: T,
    /// Initial metadata (Response-Headers).
    pub headers: Metadata,
    /// Trailing metadata (Trailers).
    pub trailers: Metadata,
}

/// The I/O thread's answer to a blocking `send`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SendAck {
    /// The message was queued on the call.
    Taken,
    /// The call has ended; its status follows in the mailbox.
    Ended,
    /// The call refused the message (e.g. sent after `close_send`, or too large).
    Refused(Status),
}

/// Where a blocking call's events wait for the application thread.
#[derive(Debug, Default)]
pub(crate) struct MailboxState {
    pub(crate) events: std::collections::VecDeque<ClientEvent>,
    /// The answer to the last `send`.
    pub(crate) send_ack: Option<SendAck>,
}

/// A bounded queue of one call's events plus a condition variable.
#[derive(Debug, Default)]
pub(crate) struct Mailbox {
    pub(crate) state: Mutex<MailboxState>,
    pub(crate) changed: Condvar,
    /// Most events the I/O thread puts in `state.events`.
    pub(crate) capacity: usize,
}

impl Mailbox {
    pub(crate) fn new(capacity: usize) -> Mailbox {
        Mailbox {
            capacity: capacity.max(1),
            ..Mailbox::default()
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, MailboxState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A blocking call on a [`Channel`](super::Channel), in raw bytes: the
/// engine under the typed handles and the form a CLI tool uses.
#[derive(Debug)]
pub struct RawCall {
    link: IoLink,
    ticket: u64,
    mailbox: Arc<Mailbox>,
    headers: Option<Metadata>,
    trailers: Option<Metadata>,
    status: Option<Status>,
    /// An error status was returned by `recv`.
    reported: bool,
    /// Messages read early (by a `send` that found the call ended).
    early: std::collections::VecDeque<Bytes>,
}

impl RawCall {
    pub(crate) fn new(link: IoLink, ticket: u64, mailbox: Arc<Mailbox>) -> Self {
        RawCall {
            link,
            ticket,
            mailbox,
            headers: None,
            trailers: None,
            status: None,
            reported: false,
            early: std::collections::VecDeque::new(),
        }
    }

    /// Sends one request message, waiting while the call's send queue is
    /// full (flow control). `Err` means the call has ended: its status
    /// comes from [`finish`](Self::finish) or [`recv`](Self::recv).
    pub fn send(&mut self, message: Bytes) -> Result<(), Status> {
        if let Some(status) = &self.status {
            return Err(status.clone());
        }
        self.mailbox.lock().send_ack = None;
        self.link.command(IoCommand::Send(self.ticket, message))?;
        let mut state = self.mailbox.lock();
        loop {
            match state.send_ack.take() {
                Some(SendAck::Taken) => return Ok(()),
                Some(SendAck::Refused(status)) => return Err(status),
                Some(SendAck::Ended) => {
                    drop(state);
                    return Err(self.ended_status());
                }
                None => {}
            }
            state = self
                .mailbox
                .changed
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Ends the request stream: the server sees no more messages.
    pub fn close_send(&mut self) -> Result<(), Status> {
        self.link.command(IoCommand::CloseSend(self.ticket))
    }

    /// Cancels the call: RST_STREAM(CANCEL); the call ends CANCELLED.
    pub fn cancel(&mut self) {
        let _ = self.link.command(IoCommand::Cancel(self.ticket));
    }

    /// The next response message; `None` once the call ended with OK,
    /// `Some(Err(status))` once if it ended otherwise.
    pub fn recv(&mut self) -> Option<Result<Bytes, Status>> {
        if let Some(message) = self.early.pop_front() {
            return Some(Ok(message));
        }
        loop {
            if let Some(status) = &self.status {
                // An error status seen by `send` is still reported once here.
                if !status.is_ok() && !self.reported {
                    self.reported = true;
                    return Some(Err(status.clone()));
                }
                return None;
            }
            match self.next_event() {
                ClientEvent::Headers(metadata) => self.headers = Some(metadata),
                ClientEvent::Message(message) => return Some(Ok(message)),
                ClientEvent::Finished(trailers) => {
                    self.trailers = Some(trailers.metadata);
                    self.status = Some(trailers.status);
                }
            }
        }
    }

    /// The final status of a call that ended while we were sending; the
    /// messages before it are kept for `recv`.
    fn ended_status(&mut self) -> Status {
        while self.status.is_none() {
            match self.next_event() {
                ClientEvent::Headers(metadata) => self.headers = Some(metadata),
                ClientEvent::Message(message) => self.early.push_back(message),
                ClientEvent::Finished(trailers) => {
                    self.trailers = Some(trailers.metadata);
                    self.status = Some(trailers.status);
                }
            }
        }
        match &self.status {
            Some(status) if !status.is_ok() => status.clone(),
            _ => Status::new(
                Code::FailedPrecondition,
                "the server ended the call (with OK) before this message was sent",
            ),
        }
    }

    fn next_event(&mut self) -> ClientEvent {
        let mut state = self.mailbox.lock();
        loop {
            let was_full = state.events.len() >= self.mailbox.capacity;
            if let Some(event) = state.events.pop_front() {
                drop(state);
                if was_full {
                    // Room again: the loop may move more events (and credit).
                    let _ = self.link.command(IoCommand::Pump(self.ticket));
                }
                return event;
            }
            state = self
                .mailbox
                .changed
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Closes the request stream, reads what is left and returns the
    /// trailing metadata, or the status if the call did not end with OK.
    pub fn finish(&mut self) -> Result<Metadata, Status> {
        if self.status.is_none() {
            let _ = self.close_send();
        }
        while let Some(item) = self.recv() {
            item?;
        }
        match &self.status {
            Some(status) if !status.is_ok() => Err(status.clone()),
            _ => Ok(self.trailers.clone().unwrap_or_default()),
        }
    }

    /// The server's initial metadata, once it arrived.
    pub fn headers(&self) -> Option<&Metadata> {
        self.headers.as_ref()
    }

    /// The trailing metadata, once the call ended.
    pub fn trailers(&self) -> Option<&Metadata> {
        self.trailers.as_ref()
    }

    /// The final status, once the call ended.
    pub fn status(&self) -> Option<&Status> {
        self.status.as_ref()
    }
}

impl Drop for RawCall {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.link.command(IoCommand::Cancel(self.ticket));
        }
        let _ = self.link.command(IoCommand::Forget(self.ticket));
    }
}

fn decode<T: Message + Default>(bytes: &[u8]) -> Result<T, Status> {
    T::decode(bytes).map_err(|e| {
        Status::new(
            Code::Internal,
            format!("cannot decode the response message: {e}"),
        )
    })
}

/// A client-streaming or bidirectional call with typed messages.
#[derive(Debug)]
pub struct Call<Req, Resp> {
    raw: RawCall,
    types: PhantomData<fn(Req) -> Resp>,
}

impl<Req: Message, Resp: Message + Default> Call<Req, Resp> {
    pub(crate) fn new(raw: RawCall) -> Self {
        Call {
            raw,
            types: PhantomData,
        }
    }

    /// Sends one message, waiting while flow control holds it back.
    pub fn send(&mut self, message: &Req) -> Result<(), Status> {
        self.raw.send(Bytes::from(message.encode_to_vec()))
    }

    /// Ends the request stream.
    pub fn close_send(&mut self) -> Result<(), Status> {
        self.raw.close_send()
    }

    /// The next response message (see [`RawCall::recv`]).
    pub fn recv(&mut self) -> Option<Result<Resp, Status>> {
        Some(self.raw.recv()?.and_then(|bytes| decode(&bytes)))
    }

    /// Cancels the call.
    pub fn cancel(&mut self) {
        self.raw.cancel()
    }

    /// Closes the request stream, drains the rest and returns the trailers.
    pub fn finish(&mut self) -> Result<Metadata, Status> {
        self.raw.finish()
    }

    /// For client streaming: closes the request stream and waits for the
    /// one response.
    pub fn close_and_recv(mut self) -> Result<Response<Resp>, Status> {
        if self.raw.status.is_none() {
            let _ = self.raw.close_send();
        }
        let message = match self.recv() {
            Some(item) => item?,
            None => {
                return Err(Status::new(
                    Code::Unimplemented,
                    "the call ended with OK but without a response message",
                ))
            }
        };
        let trailers = self.raw.finish()?;
        Ok(Response {
            message,
            headers: self.raw.headers.take().unwrap_or_default(),
            trailers,
        })
    }

    /// The server's initial metadata, once it arrived.
    pub fn headers(&self) -> Option<&Metadata> {
        self.raw.headers()
    }

    /// The trailing metadata, once the call ended.
    pub fn trailers(&self) -> Option<&Metadata> {
        self.raw.trailers()
    }
}

/// The responses of a server-streaming call: an iterator that ends after
/// the last message (OK) or yields the error status once.
#[derive(Debug)]
pub struct ServerStream<Resp> {
    raw: RawCall,
    types: PhantomData<fn() -> Resp>,
}

impl<Resp: Message + Default> ServerStream<Resp> {
    pub(crate) fn new(raw: RawCall) -> Self {
        ServerStream {
            raw,
            types: PhantomData,
        }
    }

    /// The server's initial metadata, once it arrived.
    pub fn headers(&self) -> Option<&Metadata> {
        self.raw.headers()
    }

    /// The trailing metadata, once the stream ended.
    pub fn trailers(&self) -> Option<&Metadata> {
        self.raw.trailers()
    }

    /// The final status, once the stream ended.
    pub fn status(&self) -> Option<&Status> {
        self.raw.status()
    }

    /// Cancels the call.
    pub fn cancel(&mut self) {
        self.raw.cancel()
    }
}

impl<Resp: Message + Default> Iterator for ServerStream<Resp> {
    type Item = Result<Resp, Status>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.raw.recv()?.and_then(|bytes| decode(&bytes)))
    }
}
