//! Running the commands a built-in type is configured with (RGM.generic's Start_command, an OCF
//! agent's actions) through rgm-exec, the project's one launcher: argv without a shell, a
//! cleared environment (`HOME=/`, `PATH` with rgm's programs first, `RGM_SOCKET`, plus what
//! the caller adds), a process group of its own, SIGTERM at the timeout and SIGKILL after the
//! grace period, and the output kept.
//!
//! The commands run inside the method's own cgroup: the agents make no cgroups of their own.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rgm_exec::{
    CgroupMode, Launcher, LauncherConfig, MethodEnv, MethodFinished, MethodRequest, MethodStatus,
    MethodTags,
};

/// One command to run.
#[derive(Debug, Clone)]
pub struct Command {
    /// argv; `argv[0]` without a `/` is looked up on the method's `PATH`.
    pub argv: Vec<String>,
    /// Variables added after `HOME`, `PATH` and `RGM_SOCKET`.
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
    /// Between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// Names the run in messages (`Probe_command`, `monitor`).
    pub what: String,
}

impl Command {
    pub fn new(what: &str, argv: Vec<String>, timeout: Duration) -> Command {
        Command {
            argv,
            env: Vec::new(),
            timeout,
            grace: rgm_exec::DEFAULT_GRACE,
            what: what.to_string(),
        }
    }
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// Its exit code; `None` when it timed out, was killed by a signal or could not run.
    pub code: Option<i32>,
    pub timed_out: bool,
    /// What it wrote, stdout and stderr interleaved (the last 64 KiB).
    pub output: String,
    /// One line saying how it ended, for messages: `exited with status 3`, `timed out
    /// after 5 s`, `cannot run /x: no such file`.
    pub how: String,
}

impl Finished {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

/// rgm's own programs: the directory of the running binary (all of rgm's programs are
/// installed, and built, side by side).
pub fn bin_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
}

/// Where the built-in types' methods are: `<prefix>/lib/rgm/methods` beside an installed
/// `<prefix>/bin` (see `cargo xtask install`), else the directory of rgm's programs (a build
/// tree, where every program is side by side).
pub fn methods_dir() -> Option<PathBuf> {
    let bin = bin_dir()?;
    let installed = bin.parent().map(|p| p.join("lib/rgm/methods"));
    match installed {
        Some(dir) if dir.is_dir() => Some(dir),
        _ => Some(bin),
    }
}

/// Finds `program` as `execvp` would, on the `PATH` the commands get.
pub fn resolve(program: &str) -> Result<PathBuf, String> {
    if program.is_empty() {
        return Err("the command is empty".into());
    }
    if program.contains('/') {
        let p = PathBuf::from(program);
        if !p.is_absolute() {
            return Err(format!("{program}: a command path must be absolute"));
        }
        return Ok(p);
    }
    let path: OsString = env(&[]).path();
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "{program}: no such command on PATH ({})",
                path.to_string_lossy()
            )
        })
}

/// The environment of the commands: a method's, with `extra` after it.
pub fn env(extra: &[(String, String)]) -> MethodEnv {
    MethodEnv {
        bin_dir: bin_dir(),
        ld_library_path: None,
        rgm_socket: Some(crate::client::socket_path()),
        extra: extra
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect(),
    }
}

/// The launcher of the agents: no cgroups of their own (they stay in the method's).
pub fn launcher() -> Launcher {
    Launcher::new(LauncherConfig {
        cgroups: CgroupMode::Disabled,
        allowed_owners: None,
        forward_limit: usize::MAX,
        ..LauncherConfig::default()
    })
}

/// The request rgm-exec runs for `cmd`, or why it cannot be made.
pub fn request(cmd: &Command, tags: MethodTags) -> Result<MethodRequest, String> {
    let (program, args) = cmd
        .argv
        .split_first()
        .ok_or_else(|| format!("{}: the command is empty", cmd.what))?;
    let path = resolve(program)?;
    let mut req = MethodRequest::new(path, args.to_vec(), cmd.timeout, tags);
    req.grace = cmd.grace;
    req.env = env(&cmd.env);
    Ok(req)
}

/// Runs one command to its end (on a runtime of its own) and says how it went.
pub fn run(cmd: &Command) -> Finished {
    let tags = MethodTags {
        method: cmd.what.clone(),
        ..MethodTags::default()
    };
    let req = match request(cmd, tags) {
        Ok(r) => r,
        Err(e) => return not_run(e),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return not_run(format!("cannot start a runtime: {e}")),
    };
    let finished = runtime.block_on(async { launcher().run(req, None).await });
    finished_of(cmd, &finished)
}

fn not_run(reason: String) -> Finished {
    Finished {
        code: None,
        timed_out: false,
        output: String::new(),
        how: reason,
    }
}

/// Describes a finished run of `cmd`.
pub fn finished_of(cmd: &Command, f: &MethodFinished) -> Finished {
    let secs = cmd.timeout.as_secs_f64();
    let (code, how) = match &f.status {
        _ if f.timed_out => (None, format!("timed out after {secs} s")),
        MethodStatus::Exited(c) => (Some(*c), format!("exited with status {c}")),
        MethodStatus::Signaled(s) => (None, format!("was killed by signal {s}")),
        MethodStatus::Refused(r) => (None, format!("was not run: {r}")),
        MethodStatus::SpawnFailed(e) => (None, format!("could not be started: {e}")),
        MethodStatus::Lost(e) => (None, format!("was lost: {e}")),
        MethodStatus::Unknown => (None, "ended with an unknown status".to_string()),
    };
    Finished {
        code,
        timed_out: f.timed_out,
        output: f.output.text.clone(),
        how,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_on_path_and_refuses_relative_paths() {
        assert!(resolve("sh").unwrap().is_absolute());
        assert!(resolve("bin/sh").unwrap_err().contains("absolute"));
        assert!(
            resolve("no-such-command-xyz")
                .unwrap_err()
                .contains("no such command")
        );
    }

    #[test]
    fn runs_a_command_and_reports_its_status_and_output() {
        let mut c = Command::new(
            "test",
            vec!["sh".into(), "-c".into(), "echo $X; exit 3".into()],
            Duration::from_secs(10),
        );
        c.env.push(("X".into(), "hello".into()));
        let f = run(&c);
        assert_eq!(f.code, Some(3));
        assert_eq!(f.output, "hello\n");
        assert_eq!(f.how, "exited with status 3");
    }

    #[test]
    fn a_command_past_its_timeout_is_stopped() {
        let mut c = Command::new(
            "test",
            vec!["sleep".into(), "30".into()],
            Duration::from_millis(200),
        );
        c.grace = Duration::from_millis(100);
        let f = run(&c);
        assert!(f.timed_out);
        assert_eq!(f.code, None);
        assert!(f.how.starts_with("timed out"), "{}", f.how);
    }
}
