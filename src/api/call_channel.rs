//! The hand-off between the loop thread and the handler of one call: request
//! messages one way, responses and the final status the other, each bounded.
//!
//! The request queue is bounded by HTTP/2 flow control: the loop gives the
//! client credit back only while few bytes wait here, so a handler that
//! stops reading stops the client (RFC 9113 §5.2). The response queue is
//! bounded by [`CallChannel::send_queue_limit`]: a handler sending faster
//! than the peer reads blocks in [`CallChannel::push_response`].

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;

use crate::grpc::{Metadata, Status};

/// Longest a handler thread sleeps before looking at its call again.
const WAIT_SLICE: Duration = Duration::from_millis(500);

/// What a handler sends, in order.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// One response message, not yet framed.
    Message(Bytes),
    /// The end of the call: status and trailing metadata.
    Finish(Status, Metadata),
}

/// The state both threads see, under one lock per call.
#[derive(Debug, Default)]
pub(crate) struct CallState {
    /// Request messages the handler has not taken yet.
    pub(crate) inbox: VecDeque<Bytes>,
    /// Octets in `inbox`.
    pub(crate) inbox_bytes: usize,
    /// The client has finished sending.
    pub(crate) request_done: bool,
    /// Responses the loop has not taken yet.
    pub(crate) outbox: VecDeque<Outgoing>,
    /// Octets of messages in `outbox`.
    pub(crate) outbox_bytes: usize,
    /// Response-Headers metadata set by the handler, sent with the first
    /// message (or before the trailers).
    pub(crate) response_headers: Option<Metadata>,
    /// Set once the call ended without the handler (cancel, deadline,
    /// broken request, connection gone): the status the handler sees.
    pub(crate) ended: Option<Status>,
    /// The handler has queued its `Finish`.
    pub(crate) handler_done: bool,
    /// A wake-up of the loop is already on its way.
    pub(crate) wake_pending: bool,
}

/// One call's shared state and the means to wake the loop thread.
pub(crate) struct CallChannel {
    state: Mutex<CallState>,
    changed: Condvar,
    /// Asks the loop thread to look at this call (it then calls
    /// `ServerSession::pump`). Never called with the lock held.
    wake_loop: Box<dyn Fn() + Send + Sync>,
    /// Octets of responses that may wait for the loop before
    /// `push_response` blocks.
    pub(crate) send_queue_limit: usize,
}

impl std::fmt::Debug for CallChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallChannel")
            .field("state", &self.state)
            .field("send_queue_limit", &self.send_queue_limit)
            .finish_non_exhaustive()
    }
}

impl CallChannel {
    pub(crate) fn new(send_queue_limit: usize, wake_loop: Box<dyn Fn() + Send + Sync>) -> Self {
        CallChannel {
            state: Mutex::new(CallState::default()),
            changed: Condvar::new(),
            wake_loop,
            send_queue_limit,
        }
    }

    /// The state, also after a handler panicked while holding the lock
    /// (the state stays consistent: every update is a single assignment).
    pub(crate) fn lock(&self) -> MutexGuard<'_, CallState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes handler threads waiting on this call.
    pub(crate) fn notify(&self) {
        self.changed.notify_all();
    }

    /// Asks the loop to look at the call, once until it has done so.
    fn wake(&self, mut state: MutexGuard<'_, CallState>) {
        if state.wake_pending {
            return;
        }
        state.wake_pending = true;
        drop(state);
        (self.wake_loop)();
    }

    /// Handler side: the next request message, `None` after the last one,
    /// or the status that ended the call. Blocks until one of these.
    pub(crate) fn next_request(&self) -> Option<Result<Bytes, Status>> {
        let mut state = self.lock();
        loop {
            if let Some(message) = state.inbox.pop_front() {
                state.inbox_bytes = state.inbox_bytes.saturating_sub(message.len());
                // The loop may now give the client more credit.
                self.wake(state);
                return Some(Ok(message));
            }
            if let Some(status) = &state.ended {
                return Some(Err(status.clone()));
            }
            if state.request_done {
                return None;
            }
            state = self.wait(state);
        }
    }

    /// Handler side: queues a response and wakes the loop; blocks while
    /// more than `send_queue_limit` octets wait. Fails with the status that
    /// ended the call.
    pub(crate) fn push_response(&self, item: Outgoing) -> Result<(), Status> {
        let mut state = self.lock();
        if let Some(status) = &state.ended {
            return Err(status.clone());
        }
        if state.handler_done {
            return Err(Status::internal("the handler already finished the call"));
        }
        if let Outgoing::Message(message) = &item {
            state.outbox_bytes = state.outbox_bytes.saturating_add(message.len());
        } else {
            state.handler_done = true;
        }
        let finish = matches!(item, Outgoing::Finish(..));
        state.outbox.push_back(item);
        self.wake(state);
        if finish {
            return Ok(());
        }
        let mut state = self.lock();
        while state.outbox_bytes > self.send_queue_limit && state.ended.is_none() {
            state = self.wait(state);
        }
        match &state.ended {
            Some(status) => Err(status.clone()),
            None => Ok(()),
        }
    }

    /// Waits for a change. The loop ends the call at its deadline and when
    /// the connection goes; the wait is bounded only to stay robust.
    fn wait<'a>(&self, state: MutexGuard<'a, CallState>) -> MutexGuard<'a, CallState> {
        self.changed
            .wait_timeout(state, WAIT_SLICE)
            .map(|(guard, _)| guard)
            .unwrap_or_else(|e| e.into_inner().0)
    }

    /// Loop side: ends the call for the handler with `status` (unless it
    /// has ended already) and wakes it.
    pub(crate) fn end(&self, status: Status) {
        let mut state = self.lock();
        if state.ended.is_none() {
            state.ended = Some(status);
        }
        state.outbox.clear();
        state.outbox_bytes = 0;
        drop(state);
        self.notify();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn channel(limit: usize) -> (Arc<CallChannel>, Arc<AtomicUsize>) {
        let wakes = Arc::new(AtomicUsize::new(0));
        let counter = wakes.clone();
        let channel = CallChannel::new(
            limit,
            Box::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
            }),
        );
        (Arc::new(channel), wakes)
    }

    #[test]
    fn requests_then_end_of_stream() {
        let (channel, wakes) = channel(10);
        {
            let mut state = channel.lock();
            state.inbox.push_back(Bytes::from_static(b"one"));
            state.inbox_bytes = 3;
            state.request_done = true;
        }
        assert_eq!(channel.next_request(), Some(Ok(Bytes::from_static(b"one"))));
        assert_eq!(channel.lock().inbox_bytes, 0);
        assert_eq!(channel.next_request(), None);
        // One wake-up until the loop clears `wake_pending`.
        assert_eq!(wakes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn ended_call_refuses_sends_and_reports_status() {
        let (channel, _) = channel(10);
        channel.end(Status::cancelled("client went away"));
        assert_eq!(
            channel.next_request(),
            Some(Err(Status::cancelled("client went away")))
        );
        assert_eq!(
            channel.push_response(Outgoing::Message(Bytes::from_static(b"x"))),
            Err(Status::cancelled("client went away"))
        );
    }

    #[test]
    fn send_blocks_until_the_loop_takes_the_queue() {
        let (channel, _) = channel(4);
        let loop_side = channel.clone();
        let taker = std::thread::spawn(move || loop {
            let mut state = loop_side.lock();
            if let Some(Outgoing::Message(m)) = state.outbox.pop_front() {
                state.outbox_bytes -= m.len();
                drop(state);
                loop_side.notify();
                return m;
            }
            drop(state);
            std::thread::yield_now();
        });
        channel
            .push_response(Outgoing::Message(Bytes::from_static(b"too long")))
            .unwrap();
        assert_eq!(taker.join().unwrap(), Bytes::from_static(b"too long"));
        assert_eq!(channel.lock().outbox_bytes, 0);
    }

    #[test]
    fn nothing_after_finish() {
        let (channel, _) = channel(4);
        channel
            .push_response(Outgoing::Finish(Status::ok(), Metadata::new()))
            .unwrap();
        assert!(channel
            .push_response(Outgoing::Message(Bytes::new()))
            .is_err());
    }
}
