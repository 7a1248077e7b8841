//! A fixed set of named threads that run handlers, fed by a bounded queue,
//! so a slow handler never stalls the event loop or other calls.

use std::io;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

/// A unit of work: one call's handler, run to its end.
pub type Job = Box<dyn FnOnce() + Send>;

/// The queue is full: every worker is busy and `queue_capacity` jobs wait.
/// The server answers the call with RESOURCE_EXHAUSTED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("every worker is busy and the handler queue is full")]
pub struct PoolFull;

/// Worker threads and their bounded job queue.
///
/// A job waits in the queue while every worker is busy; past
/// `queue_capacity` waiting jobs, [`try_execute`](Self::try_execute)
/// refuses. Dropping the pool lets the workers finish what they run and
/// what is queued, then end (they are not joined).
#[derive(Debug)]
pub struct WorkerPool {
    sender: SyncSender<Job>,
    workers: usize,
}

impl WorkerPool {
    /// Starts `workers` threads (at least one) named `{name}-{i}`, with
    /// room for `queue_capacity` waiting jobs.
    pub fn new(name: &str, workers: usize, queue_capacity: usize) -> io::Result<Self> {
        let workers = workers.max(1);
        let (sender, receiver) = mpsc::sync_channel::<Job>(queue_capacity);
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..workers {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || work(&receiver))?;
        }
        Ok(WorkerPool { sender, workers })
    }

    /// How many worker threads run.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Queues `job` without blocking.
    pub fn try_execute(&self, job: Job) -> Result<(), PoolFull> {
        self.sender.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) | TrySendError::Disconnected(_) => PoolFull,
        })
    }
}

fn work(receiver: &Mutex<Receiver<Job>>) {
    loop {
        let job = {
            let receiver = receiver.lock().unwrap_or_else(|e| e.into_inner());
            receiver.recv()
        };
        match job {
            // A panicking handler loses its call (the client sees the stream
            // reset when the connection notices), not the worker.
            Ok(job) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;
    use std::time::Duration;

    #[test]
    fn runs_jobs_and_refuses_past_the_queue() {
        let pool = WorkerPool::new("test-worker", 1, 1).unwrap();
        let (gate_tx, gate_rx) = mpsc::sync_channel::<()>(0);
        let (done_tx, done_rx) = channel();
        let started = done_tx.clone();
        // Occupies the only worker until the gate opens.
        pool.try_execute(Box::new(move || {
            started.send("first started").unwrap();
            gate_rx.recv().unwrap();
        }))
        .unwrap();
        assert_eq!(
            done_rx.recv_timeout(Duration::from_secs(5)),
            Ok("first started")
        );
        let queued = done_tx.clone();
        pool.try_execute(Box::new(move || queued.send("second ran").unwrap()))
            .unwrap();
        assert_eq!(pool.try_execute(Box::new(|| {})), Err(PoolFull));
        gate_tx.send(()).unwrap();
        assert_eq!(
            done_rx.recv_timeout(Duration::from_secs(5)),
            Ok("second ran")
        );
    }

    #[test]
    fn a_panicking_job_keeps_the_worker() {
        let pool = WorkerPool::new("test-worker", 1, 4).unwrap();
        let (tx, rx) = channel();
        pool.try_execute(Box::new(|| panic!("handler bug")))
            .unwrap();
        pool.try_execute(Box::new(move || tx.send(7).unwrap()))
            .unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(7));
    }
}
