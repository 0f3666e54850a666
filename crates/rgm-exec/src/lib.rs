//! The method launcher of rgm: the one place in the project that starts processes.
//!
//! It runs resource type callbacks exactly as rt_callbacks(1HA) describes them:
//!
//! - **argv**: `method-path -R resource -T type -G group [-Z zone]`, or VALIDATE's longer form,
//!   built by [`argv`]; every token is its own argv element and no shell ever parses a value;
//! - **environment**: cleared, then `HOME=/`, `PATH` (rgm's own binaries first),
//!   `LD_LIBRARY_PATH` where configured and `RGM_SOCKET` ([`MethodEnv`]); stdin is
//!   `/dev/null`, the working directory `/`;
//! - **containment**: a process group of its own, and a cgroup v2 of its own where one is
//!   writable ([`cgroup`]); a resource's method runs in a run cgroup of that resource, and what
//!   it leaves running (a START's daemon) is moved to the resource's leftovers cgroup, where it
//!   can be found and killed ([`resources`]);
//! - **crash recovery**: a resource's run is recorded in a run file ([`runfile`]), through
//!   which a later rgmd takes it over ([`Launcher::adopt`]);
//! - **timeout**: SIGTERM to all of the method at its timeout, SIGKILL to all of it if anything
//!   is still alive after the grace period (10 s by default) — see [`supervisor`]; a start
//!   that fails for lack of file descriptors is tried again until the timeout;
//! - **output**: stdout and stderr, line by line, to the cluster log, and the last 64 KiB kept
//!   for the report ([`output`]);
//! - **safety**: a method file that someone else could have altered is not run ([`safety`]).
//!
//! [`Launcher::start`] returns at once with a [`RunningMethod`]; its
//! [`wait`](RunningMethod::wait) gives the [`MethodFinished`] report. Many methods run
//! concurrently on tokio. The operating-system calls sit behind [`ProcessOs`], with
//! [`RealOs`] for the real system and [`fake::FakeOs`] for deterministic tests.
//!
//! The crate also builds `hatimerun`, the resource type developer's utility that runs a program
//! under a timeout (see [`hatimerun`]).

pub mod adopt;
pub mod argv;
mod capture;
pub mod cgroup;
pub mod env;
pub mod failure;
pub mod fake;
pub mod hatimerun;
pub mod helper;
pub mod launcher;
pub mod os;
pub mod output;
mod pipe;
mod procfs;
pub mod real_os;
pub mod report;
pub mod request;
pub mod resources;
pub mod runfile;
pub mod running;
pub mod safety;
pub mod scratch;
pub mod signals;
mod spawn;
pub mod supervisor;
pub mod tree;

pub use adopt::Adoption;
pub use argv::{ValidateArgs, ValidateMode, standard_args};
pub use env::MethodEnv;
pub use failure::SpawnFailure;
pub use launcher::{CgroupMode, DEFAULT_FORWARD_LIMIT, Launcher, LauncherConfig};
pub use os::{ExitKind, OsChild, ProcessOs};
pub use output::{CapturedOutput, MethodTags, OutputLine, Stream};
pub use real_os::RealOs;
pub use report::{MethodFinished, MethodStatus};
pub use request::{DEFAULT_GRACE, DEFAULT_OUTPUT_LIMIT, MethodRequest, Placement};
pub use running::{CancelHandle, RunningMethod};
pub use safety::Refusal;
