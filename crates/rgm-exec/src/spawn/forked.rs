//! The fallback start: std's `Command`, which forks the whole process where a hook is needed
//! (see [`super`]).

use std::ffi::{OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd as _;
use std::os::unix::process::CommandExt as _;
use std::process::Stdio;

use super::{RealChild, Waited, raw};
use crate::os::{ChildOutput, SpawnSpec};

/// Starts `spec` the fork's way: `std::process::Command`, with a hook in the child where a
/// cgroup or a parent-death signal is wanted, awaited by tokio.
pub(crate) fn spawn_forked(spec: SpawnSpec) -> io::Result<RealChild> {
    let procs: Option<File> = match &spec.cgroup {
        Some(dir) => Some(
            OpenOptions::new()
                .write(true)
                .open(dir.join("cgroup.procs"))?,
        ),
        None => None,
    };
    let hook = raw::ForkHook {
        cgroup_procs: procs.as_ref().map(|f| f.as_raw_fd()),
        death_signal: spec
            .parent_death_signal
            .map(|s| (s as libc::c_int, std::process::id() as libc::pid_t)),
    };
    let spawned = command(spec.program.as_os_str(), &spec.args, &spec, hook);
    let result = match spawned {
        // With a hook, the child runs `execvp`, which hands a file the kernel cannot execute
        // (a script without `#!`) to /bin/sh. Without one, std uses `posix_spawn`, which
        // does not; do the same here so both paths behave alike.
        Err(e) if e.raw_os_error() == Some(libc::ENOEXEC) && !hook.needed() => {
            let mut args = Vec::with_capacity(spec.args.len() + 1);
            args.push(spec.program.clone().into_os_string());
            args.extend(spec.args.iter().cloned());
            command(OsStr::new("/bin/sh"), &args, &spec, hook)
        }
        other => other,
    };
    drop(procs);
    let child = result?;
    let pid = child
        .id()
        .ok_or_else(|| io::Error::other("the started process has no pid"))?;
    Ok(RealChild {
        pid,
        how: Waited::Tokio(child),
    })
}

/// Starts `program` with `args` as `spec` says (its stdio descriptors are duplicated, so that
/// a second attempt can use them too).
fn command(
    program: &OsStr,
    args: &[OsString],
    spec: &SpawnSpec,
    hook: raw::ForkHook,
) -> io::Result<tokio::process::Child> {
    let mut cmd = std::process::Command::new(program);
    cmd.args(args).process_group(0);
    if let Some(env) = &spec.env {
        cmd.env_clear();
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
    }
    if let Some(cwd) = &spec.cwd {
        cmd.current_dir(cwd);
    }
    if spec.null_stdin {
        cmd.stdin(Stdio::null());
    }
    if let ChildOutput::Pipes { stdout, stderr } = &spec.output {
        cmd.stdout(Stdio::from(stdout.try_clone()?));
        cmd.stderr(Stdio::from(stderr.try_clone()?));
    }
    if hook.needed() {
        hook.install(&mut cmd);
    }
    // The command (and with it our copies of the pipes' write ends) is dropped on return.
    tokio::process::Command::from(cmd).spawn()
}
