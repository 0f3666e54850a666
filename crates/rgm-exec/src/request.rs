//! What the daemon asks for: one method run.

use std::path::PathBuf;
use std::time::Duration;

use crate::env::MethodEnv;
use crate::output::MethodTags;

/// SIGTERM-to-SIGKILL grace period of rt_callbacks(1HA): ten seconds.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(10);

/// Output kept per run: the last 64 KiB.
pub const DEFAULT_OUTPUT_LIMIT: usize = 64 * 1024;

/// One method to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodRequest {
    /// The method program, already resolved against `RT_basedir`. Must be absolute.
    pub path: PathBuf,
    /// argv\[1..\]; see [`crate::argv`].
    pub args: Vec<String>,
    /// `<Method>_timeout`, counted from the start.
    pub timeout: Duration,
    /// Between SIGTERM and SIGKILL after a timeout or cancel.
    pub grace: Duration,
    /// What goes into the environment.
    pub env: MethodEnv,
    /// Bytes of output kept in [`MethodFinished::output`](crate::MethodFinished::output).
    pub output_limit: usize,
    /// Attached to every line of output and every log record of the run.
    pub tags: MethodTags,
    /// Whose run this is: a resource's method runs in that resource's cgroups and is recorded
    /// in a run file ([`Placement`]). `None` (the fence command, node event scripts): a cgroup
    /// of its own directly under the launcher's parent, and no run file.
    pub placement: Option<Placement>,
}

/// Where a method of a resource runs, and where the record of its run is kept.
///
/// The run gets a run cgroup below the resource's cgroup (`r-<resource>/run-<n>`), populated
/// only while the run is in flight: when its main process has been reaped, what it left
/// running (a daemon a START started) is moved to the resource's `leftovers` cgroup
/// (`r-<resource>/<leftovers>`), and the report says how many processes were moved. Right after
/// the start the launcher writes `run_file` (pid, start time, run cgroup), and again when the
/// run has ended (its result), before the report is given; the caller removes the file once
/// the result is safe (see [`crate::runfile`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The resource: a legal RGM name (letters, digits, `-`, `_`).
    pub resource: String,
    /// The resource's cgroup that takes what the run leaves running: a lowercase word, such
    /// as `start` (PRENET_START, START) or `monitor` (MONITOR_START). Never `run-…`.
    pub leftovers: String,
    /// The run's record.
    pub run_file: PathBuf,
}

impl MethodRequest {
    /// A request with the default grace period, output limit and an environment without
    /// `bin_dir`, `LD_LIBRARY_PATH` or `RGM_SOCKET`.
    pub fn new(
        path: impl Into<PathBuf>,
        args: Vec<String>,
        timeout: Duration,
        tags: MethodTags,
    ) -> Self {
        MethodRequest {
            path: path.into(),
            args,
            timeout,
            grace: DEFAULT_GRACE,
            env: MethodEnv::default(),
            output_limit: DEFAULT_OUTPUT_LIMIT,
            tags,
            placement: None,
        }
    }
}
