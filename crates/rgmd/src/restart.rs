//! Restarting rgmd without touching its services (docs/operating.md, "Restarting rgmd"):
//! SIGUSR2 makes rgmd answer whoever waits and exit with [`RESTART_EXIT_STATUS`], leaving every
//! group as it is and every process of its resources running; systemd starts rgmd again on that
//! status (`RestartForceExitStatus=`), and the new rgmd adopts what runs under the
//! crash-recovery rules (docs/recovery.md); on a node of a cluster it also carries the
//! membership (lease, presidency) on. Since the unit's `KillMode=process` leaves the
//! resources' processes alone when rgmd's own process ends, a stop that took the groups
//! offline (SIGTERM) kills, itself, whatever is still left in its resources' cgroups; so does
//! a cluster node's rgmd whatever way it ends but a restart, since its groups move to other
//! nodes.

use rgm_core::engine::Severity;
use rgm_exec::Launcher;

use crate::event_loop::Daemon;

/// rgmd's exit status after SIGUSR2 (`EX_TEMPFAIL`): the unit restarts it on this status.
pub const RESTART_EXIT_STATUS: u8 = 75;

/// After a clean stop: every group of the node is offline (or, in a cluster, elsewhere), so
/// nothing of its resources may run here any more; what is left is killed.
pub fn kill_strays(launcher: &Launcher, daemon: &mut Daemon) {
    if !launcher.uses_cgroups() {
        return;
    }
    if let Err(e) = launcher.kill_node() {
        daemon.note(
            Severity::Warning,
            format!("cannot kill what the resources left running after the stop: {e}"),
        );
    }
}

/// The record of an exit for a restart.
pub fn note_exit(daemon: &mut Daemon) {
    let node = daemon.node.clone();
    daemon.note(
        Severity::Notice,
        format!(
            "rgmd on node {node} exited for a restart (status {RESTART_EXIT_STATUS}); its resource groups were left as they are"
        ),
    );
}

/// `rgmd --restart`: finds the rgmd serving the socket (the peer of a connection to it),
/// sends it SIGUSR2 and waits for it to exit; if systemd runs it, waits for the next rgmd to
/// serve. Returns what to tell the administrator.
pub fn ask(options: &crate::options::Options) -> anyhow::Result<String> {
    use anyhow::Context;
    let socket = options.socket(&options.state_dir());
    let pid =
        serving_pid(&socket).with_context(|| format!("no rgmd answers on {}", socket.display()))?;
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    if comm.trim() != "rgmd" {
        anyhow::bail!(
            "the process serving {} (pid {pid}) is {:?}, not rgmd",
            socket.display(),
            comm.trim()
        );
    }
    // Under systemd, the unit starts the next rgmd (RestartForceExitStatus=75).
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    let under_systemd = environ
        .split(|b| *b == 0)
        .any(|v| v.starts_with(b"INVOCATION_ID="));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGUSR2,
    )
    .with_context(|| format!("cannot signal rgmd (pid {pid})"))?;
    wait_until(WAIT, || !alive(pid))
        .with_context(|| format!("rgmd (pid {pid}) did not exit within {} s", WAIT.as_secs()))?;
    if !under_systemd {
        return Ok(format!(
            "rgmd (pid {pid}) exited for a restart, leaving its resource groups running; start rgmd again and it adopts them"
        ));
    }
    let mut next = None;
    wait_until(WAIT, || {
        next = serving_pid(&socket).ok().filter(|p| *p != pid);
        next.is_some()
    })
    .with_context(|| {
        format!(
            "rgmd (pid {pid}) exited leaving its resource groups running, but no new rgmd serves {} yet (systemctl status rgmd)",
            socket.display()
        )
    })?;
    Ok(format!(
        "rgmd restarted (pid {pid}, now pid {}); its resource groups were left running",
        next.unwrap_or_default()
    ))
}

/// How long `--restart` waits for the old rgmd to exit and for the next one to serve.
const WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// The pid of the process serving `socket`.
fn serving_pid(socket: &std::path::Path) -> anyhow::Result<i32> {
    let stream = std::os::unix::net::UnixStream::connect(socket)?;
    let cred = nix::sys::socket::getsockopt(&stream, nix::sys::socket::sockopt::PeerCredentials)?;
    Ok(cred.pid())
}

/// Whether a process runs (a zombie has ended).
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .and_then(|s| s.split_whitespace().next())
            != Some("Z")
    })
}

fn wait_until(limit: std::time::Duration, mut done: impl FnMut() -> bool) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + limit;
    while !done() {
        if std::time::Instant::now() > deadline {
            anyhow::bail!("gave up after {} s", limit.as_secs());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::RESTART_EXIT_STATUS;

    /// The unit and rgmd agree: systemd starts rgmd again on the restart status, counts it a
    /// success, and kills nothing but rgmd when it exits.
    #[test]
    fn the_unit_restarts_rgmd_on_its_restart_status_and_leaves_the_services_alone() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../packaging/rgmd.service.in"
        );
        let unit = std::fs::read_to_string(path).expect("the unit");
        for want in [
            format!("RestartForceExitStatus={RESTART_EXIT_STATUS}"),
            format!("SuccessExitStatus={RESTART_EXIT_STATUS}"),
            "KillMode=process".to_string(),
            "Delegate=yes".to_string(),
        ] {
            assert!(unit.lines().any(|l| l == want), "{path} lacks {want}");
        }
    }
}
