//! What the launcher reports when a run is over.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::failure::SpawnFailure;
use crate::output::CapturedOutput;
use crate::safety::Refusal;

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MethodStatus {
    /// The method exited with this code.
    Exited(i32),
    /// A signal with this number ended the method.
    Signaled(i32),
    /// The method file failed the safety checks and was not run.
    Refused(Refusal),
    /// The method could not be started.
    SpawnFailed(SpawnFailure),
    /// The method ran, but how it ended could not be learnt.
    Lost(String),
    /// The method was started by an earlier launcher (an rgmd that has died since) and has
    /// ended; it was not our child, so its exit status cannot be known
    /// ([`Launcher::adopt`](crate::Launcher::adopt)).
    Unknown,
}

/// The report of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodFinished {
    /// How it ended.
    pub status: MethodStatus,
    /// It ran past its timeout (and is a failure, whatever it exited with).
    pub timed_out: bool,
    /// It was stopped by [`RunningMethod::cancel`](crate::RunningMethod::cancel).
    pub cancelled: bool,
    /// SIGKILL was needed: something of it outlived the grace period.
    pub killed: bool,
    /// Something of it was still alive a while after SIGKILL (see
    /// [`KILL_WAIT`](crate::supervisor::KILL_WAIT)).
    pub survivors: bool,
    /// From start to the end of the run.
    pub duration: Duration,
    /// The main process's id, if it was started.
    pub pid: Option<u32>,
    /// What it wrote.
    pub output: CapturedOutput,
    /// Processes it left running when its main process ended, moved to its resource's
    /// leftovers cgroup ([`Placement`](crate::request::Placement)); 0 without a placement or
    /// without cgroups.
    #[serde(default)]
    pub leftovers: usize,
}

impl MethodFinished {
    /// Exit code 0, in time, not cancelled.
    pub fn succeeded(&self) -> bool {
        self.status == MethodStatus::Exited(0) && !self.timed_out && !self.cancelled
    }

    pub(crate) fn not_started(status: MethodStatus, duration: Duration) -> Self {
        MethodFinished {
            status,
            timed_out: false,
            cancelled: false,
            killed: false,
            survivors: false,
            duration,
            pid: None,
            output: CapturedOutput::default(),
            leftovers: 0,
        }
    }
}
