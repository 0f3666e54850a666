//! Helper processes of rgmd that are not methods: long-running, with no timeout, outliving
//! rgmd if it dies (the node's fail-fast watchdog). Started here because rgm-exec is the one
//! place that starts processes.

use std::fs::File;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Starts `program` with `args` in a process group of its own (signals to rgmd's group do not
/// reach it), stdin and stdout on /dev/null, stderr appended to `log`; when `cgroup` is given,
/// moves it into that cgroup (created if missing) right after it starts.
pub fn spawn_helper(
    program: &Path,
    args: &[String],
    log: &Path,
    cgroup: Option<&Path>,
) -> io::Result<Child> {
    let stderr = File::options().create(true).append(true).open(log)?;
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .current_dir("/")
        .process_group(0)
        .spawn()?;
    if let Some(dir) = cgroup {
        match std::fs::create_dir(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        std::fs::write(dir.join("cgroup.procs"), child.id().to_string())?;
    }
    Ok(child)
}
