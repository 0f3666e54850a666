//! A started method: its pid, a way to cancel it, and its report to wait for.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::report::{MethodFinished, MethodStatus};

/// Stops a running method: SIGTERM to all of it now, SIGKILL after its grace period. Cheap to
/// clone; calling it after the run has ended does nothing.
#[derive(Debug, Clone)]
pub struct CancelHandle(pub(crate) Arc<watch::Sender<bool>>);

impl CancelHandle {
    /// Asks for the method to be stopped (quiesce -k).
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }
}

/// A method that has been started (or refused); [`wait`](Self::wait) for its report.
#[derive(Debug)]
pub struct RunningMethod {
    pub(crate) pid: Arc<AtomicU32>,
    pub(crate) cancel: CancelHandle,
    pub(crate) state: State,
}

/// Whether the run is still going.
#[derive(Debug)]
pub(crate) enum State {
    /// Refused or failed to start: the report is ready.
    Done(Box<MethodFinished>),
    /// Supervised by this task.
    Task(JoinHandle<MethodFinished>),
}

impl RunningMethod {
    /// The main process's id (and process group id), once it has been started.
    pub fn pid(&self) -> Option<u32> {
        match self.pid.load(Ordering::Relaxed) {
            0 => None,
            pid => Some(pid),
        }
    }

    /// Stops the method gracefully now: SIGTERM to all of it, SIGKILL after the grace period.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// A handle that cancels this method from elsewhere while another task waits for it.
    pub fn canceller(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// Waits for the run to end and returns its report.
    pub async fn wait(self) -> MethodFinished {
        match self.state {
            State::Done(finished) => *finished,
            State::Task(task) => match task.await {
                Ok(finished) => finished,
                Err(e) => MethodFinished::not_started(
                    MethodStatus::Lost(format!("the method's supervisor failed: {e}")),
                    Duration::ZERO,
                ),
            },
        }
    }
}
