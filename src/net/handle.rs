//! Reaching the loop from other threads: a bounded command queue and a waker.

use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Instant;

use mio::Waker;

use super::driver::{ConnectionId, Driver};

/// Work for the loop thread.
pub(crate) enum Command<S> {
    /// Run on one connection's session, then let the connection act.
    Session(ConnectionId, SessionCommand<S>),
    /// Run on the driver (connect, listen, shutdown, ...).
    Driver(DriverCommand<S>),
}

/// A closure run on a session by the loop thread.
pub type SessionCommand<S> = Box<dyn FnOnce(&mut S, Instant) + Send>;

/// A closure run on the driver by the loop thread.
pub type DriverCommand<S> = Box<dyn FnOnce(&mut Driver<S>, Instant) + Send>;

/// Why a command was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The queue holds [`Limits::command_capacity`](super::Limits::command_capacity) commands already.
    #[error("the event loop's command queue is full")]
    Full,
    /// The loop has stopped.
    #[error("the event loop has stopped")]
    Stopped,
}

/// A cloneable, `Send` handle to an event loop: other threads queue work
/// for the loop thread and wake it (e.g. "this handler finished").
///
/// The queue is bounded. [`send_to_session`](Self::send_to_session) and
/// [`run_on_loop`](Self::run_on_loop) block while it is full, so they must
/// not be called from the loop thread itself; the `try_` forms never block.
pub struct LoopHandle<S> {
    sender: SyncSender<Command<S>>,
    waker: Arc<Waker>,
}

impl<S> Clone for LoopHandle<S> {
    fn clone(&self) -> Self {
        LoopHandle {
            sender: self.sender.clone(),
            waker: self.waker.clone(),
        }
    }
}

impl<S> std::fmt::Debug for LoopHandle<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopHandle").finish_non_exhaustive()
    }
}

impl<S> LoopHandle<S> {
    pub(crate) fn new(sender: SyncSender<Command<S>>, waker: Arc<Waker>) -> Self {
        LoopHandle { sender, waker }
    }

    fn send(&self, command: Command<S>) -> Result<(), CommandError> {
        self.sender
            .send(command)
            .map_err(|_| CommandError::Stopped)?;
        self.wake()
    }

    fn try_send(&self, command: Command<S>) -> Result<(), CommandError> {
        self.sender.try_send(command).map_err(|e| match e {
            TrySendError::Full(_) => CommandError::Full,
            TrySendError::Disconnected(_) => CommandError::Stopped,
        })?;
        self.wake()
    }

    /// Wakes the loop without a command.
    pub fn wake(&self) -> Result<(), CommandError> {
        self.waker.wake().map_err(|_| CommandError::Stopped)
    }

    /// Runs `f` on the session of `id` on the loop thread (skipped if the
    /// connection is gone), blocking while the queue is full.
    pub fn send_to_session(
        &self,
        id: ConnectionId,
        f: impl FnOnce(&mut S, Instant) + Send + 'static,
    ) -> Result<(), CommandError> {
        self.send(Command::Session(id, Box::new(f)))
    }

    /// Like [`send_to_session`](Self::send_to_session) but fails with
    /// [`CommandError::Full`] instead of blocking.
    pub fn try_send_to_session(
        &self,
        id: ConnectionId,
        f: impl FnOnce(&mut S, Instant) + Send + 'static,
    ) -> Result<(), CommandError> {
        self.try_send(Command::Session(id, Box::new(f)))
    }

    /// Runs `f` on the driver on the loop thread, blocking while the queue is full.
    pub fn run_on_loop(
        &self,
        f: impl FnOnce(&mut Driver<S>, Instant) + Send + 'static,
    ) -> Result<(), CommandError> {
        self.send(Command::Driver(Box::new(f)))
    }

    /// Like [`run_on_loop`](Self::run_on_loop) but fails with
    /// [`CommandError::Full`] instead of blocking.
    pub fn try_run_on_loop(
        &self,
        f: impl FnOnce(&mut Driver<S>, Instant) + Send + 'static,
    ) -> Result<(), CommandError> {
        self.try_send(Command::Driver(Box::new(f)))
    }
}

impl<S: super::Session> LoopHandle<S> {
    /// Asks the loop to shut down gracefully, finishing by `deadline`.
    pub fn shutdown(&self, deadline: Instant) -> Result<(), CommandError> {
        self.run_on_loop(move |driver, now| driver.shutdown(deadline, now))
    }
}
