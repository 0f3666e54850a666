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
        }
    }
}
