//! A [`Driver`] with its own mio `Poll`: the loop a server thread or a
//! blocking client runs.

use std::io;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::{Events, Poll};

use super::driver::{Driver, LoopEvent};
use super::handle::LoopHandle;
use super::limits::Limits;
use super::session::Session;

/// Readiness events taken from the OS per `poll` call.
const EVENTS_PER_POLL: usize = 1024;

/// A mio `Poll` and the [`Driver`] it feeds.
///
/// Polling API: call [`poll`](Self::poll) whenever convenient (it does one
/// turn and returns what happened). Blocking API: [`run`](Self::run) until
/// shutdown, or [`spawn`](Self::spawn) a named thread that does.
pub struct EventLoop<S> {
    poll: Poll,
    events: Events,
    driver: Driver<S>,
}

impl<S: Session> EventLoop<S> {
    /// A loop with these limits and nothing registered yet.
    pub fn new(limits: Limits) -> io::Result<Self> {
        let poll = Poll::new()?;
        let driver = Driver::new(poll.registry(), 0, limits)?;
        Ok(EventLoop {
            poll,
            events: Events::with_capacity(EVENTS_PER_POLL),
            driver,
        })
    }

    /// The driver: listen, connect, reach sessions, shut down.
    pub fn driver(&mut self) -> &mut Driver<S> {
        &mut self.driver
    }

    /// A handle for other threads.
    pub fn handle(&self) -> LoopHandle<S> {
        self.driver.handle()
    }

    /// One turn: waits for readiness at most `timeout` (less if a timer is
    /// due sooner; `None` waits for an event or timer), handles it all, and
    /// appends what happened to connections to `happened`.
    pub fn poll(
        &mut self,
        timeout: Option<Duration>,
        happened: &mut Vec<LoopEvent>,
    ) -> io::Result<()> {
        let now = Instant::now();
        let timeout = match (timeout, self.driver.poll_timeout(now)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        let now = Instant::now();
        for event in self.events.iter() {
            if self.driver.owns(event.token()) {
                self.driver.handle_event(event, now);
            }
        }
        self.driver.handle_timeouts(now);
        self.driver.take_events(happened);
        Ok(())
    }

    /// Turns until a shutdown (begun by [`Driver::shutdown`] or
    /// [`LoopHandle::shutdown`]) has finished.
    pub fn run(&mut self) -> io::Result<()> {
        let mut happened = Vec::new();
        while !self.driver.is_finished() {
            self.poll(None, &mut happened)?;
            happened.clear();
        }
        Ok(())
    }

    /// Starts a thread named `name` that builds a loop, lets `setup` add
    /// listeners or connections, and [`run`](Self::run)s it until shutdown.
    /// Returns the loop's handle once `setup` has succeeded.
    pub fn spawn(
        name: impl Into<String>,
        limits: Limits,
        setup: impl FnOnce(&mut Driver<S>) -> io::Result<()> + Send + 'static,
    ) -> io::Result<(LoopHandle<S>, JoinHandle<io::Result<()>>)>
    where
        S: 'static,
    {
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let mut event_loop = match EventLoop::new(limits) {
                    Ok(event_loop) => event_loop,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return Ok(());
                    }
                };
                if let Err(e) = setup(&mut event_loop.driver) {
                    let _ = ready_tx.send(Err(e));
                    return Ok(());
                }
                let _ = ready_tx.send(Ok(event_loop.handle()));
                event_loop.run()
            })?;
        match ready_rx.recv() {
            Ok(Ok(handle)) => Ok((handle, thread)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(io::Error::other("the event loop thread ended during setup")),
        }
    }
}
