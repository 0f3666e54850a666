//! Fail-fast that holds when rgmd itself cannot act (killed, hung, stopped): a small process of
//! its own, `rgm-watchdog`, one per state directory, reads a deadline that rgmd writes to
//! `<state dir>/failfast` after every lease renewal, and when the deadline passes without a
//! newer one it removes every public address the node holds (the LogicalHostname records,
//! when rgmd names their directory), kills every process of the node's resources
//! (`cgroup.kill` of rgmd's method cgroups) and records that it did in
//! `<state dir>/failfast.fired`. So a node whose rgmd
//! stopped renewing has stopped its services before its lease can expire and another node
//! start them (docs/cluster.md). The deadline is on CLOCK_MONOTONIC, shared by every process
//! of the machine and running on while a process is stopped.
//!
//! The file holds one line: `armed <deadline ns>`, `disarmed`, or `exit` (rgmd stopped
//! cleanly: the watchdog ends). It is replaced atomically (rename), never fsynced: it must
//! outlive rgmd, not the machine.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::fcntl::{Flock, FlockArg};

/// `rgm-watchdog --help`, which is also its manual page rgm-watchdog(8).
pub const HELP: &str = "\
NAME
     rgm-watchdog - stop a cluster node's resources when its rgmd stops renewing its lease

SYNOPSIS
     rgm-watchdog STATE_DIR METHOD_CGROUP [ADDRESSES_DIR]
     rgm-watchdog --help

DESCRIPTION
     rgmd starts rgm-watchdog when it joins a cluster on etcd; it is not run by hand. One runs
     per state directory, and it outlives an rgmd that dies, so that the next rgmd finds it.

     After every renewal of its membership lease, rgmd writes to STATE_DIR/failfast the time
     by which its node must have stopped every resource unless the lease is renewed again:
     half of the lease after the renewal was sent. When that time passes without a newer one
     (rgmd was killed, hangs, or is stopped), rgm-watchdog removes every public address
     recorded in ADDRESSES_DIR (the addresses the node's RGM.LogicalHostname resources hold),
     kills every process in METHOD_CGROUP, the cgroup tree of the node's methods and the
     services they started, and writes STATE_DIR/failfast.fired. Another node starts those resources only once the
     lease has expired, a whole lease after its last renewal: by then they have stopped here.

     rgmd writes `disarmed` when the node runs nothing that needs watching, and `exit` when it
     stops cleanly; rgm-watchdog then exits.

EXIT STATUS
     0 when told to exit; 2 on bad arguments, or when another rgm-watchdog watches STATE_DIR.

FILES
     STATE_DIR/failfast, STATE_DIR/failfast.fired, STATE_DIR/watchdog.lock,
     STATE_DIR/watchdog.log (its messages).

SEE ALSO
     rgmd(8)
";

/// The file rgmd writes its deadline to.
pub const FILE: &str = "failfast";
/// Written by the watchdog when it has killed the node's processes.
pub const FIRED: &str = "failfast.fired";
/// Held by the running watchdog.
pub const LOCK: &str = "watchdog.lock";
/// How often the watchdog looks at the deadline.
pub const POLL: Duration = Duration::from_millis(50);

/// What rgmd asks of the watchdog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Kill the node's processes if this CLOCK_MONOTONIC time (ns) passes.
    Armed(u64),
    Disarmed,
    Exit,
}

impl Order {
    pub fn parse(text: &str) -> Option<Order> {
        let mut words = text.split_whitespace();
        match words.next()? {
            "armed" => words.next()?.parse().ok().map(Order::Armed),
            "disarmed" => Some(Order::Disarmed),
            "exit" => Some(Order::Exit),
            _ => None,
        }
    }

    pub fn text(self) -> String {
        match self {
            Order::Armed(ns) => format!("armed {ns}\n"),
            Order::Disarmed => "disarmed\n".into(),
            Order::Exit => "exit\n".into(),
        }
    }
}

/// Now on CLOCK_MONOTONIC, in nanoseconds.
pub fn monotonic_ns() -> u64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)
        .map(|t| t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64)
        .unwrap_or(0)
}

/// `at` on CLOCK_MONOTONIC, in nanoseconds.
pub fn instant_ns(at: Instant) -> u64 {
    let now = Instant::now();
    let base = monotonic_ns();
    if at >= now {
        base + (at - now).as_nanos() as u64
    } else {
        base.saturating_sub((now - at).as_nanos() as u64)
    }
}

/// Writes an order for the watchdog of `state_dir` (atomically; no fsync).
pub fn order(state_dir: &Path, order: Order) -> std::io::Result<()> {
    let path = state_dir.join(FILE);
    let tmp = state_dir.join(format!("{FILE}.tmp"));
    std::fs::write(&tmp, order.text())?;
    std::fs::rename(&tmp, &path)
}

/// The order in the file (`Disarmed` when there is none).
pub fn current(state_dir: &Path) -> Order {
    std::fs::read_to_string(state_dir.join(FILE))
        .ok()
        .and_then(|t| Order::parse(&t))
        .unwrap_or(Order::Disarmed)
}

/// Whether a watchdog holds this state directory's lock (one is running).
pub fn running(state_dir: &Path) -> bool {
    match take_lock(state_dir) {
        Ok(lock) => {
            drop(lock);
            false
        }
        Err(_) => true,
    }
}

/// The watchdog's lock: one watchdog per state directory.
pub fn take_lock(state_dir: &Path) -> std::io::Result<Flock<File>> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
        .open(state_dir.join(LOCK))?;
    Flock::lock(file, FlockArg::LockExclusiveNonblock).map_err(|(_, e)| e.into())
}

/// Whether the watchdog has fired since the marker was last cleared; clears it.
pub fn take_fired(state_dir: &Path) -> bool {
    std::fs::remove_file(state_dir.join(FIRED)).is_ok()
}

/// Kills every process in the cgroup tree `dir` (`cgroup.kill`), and waits (up to `patience`)
/// until it is empty. Returns how many processes were still there when it gave up.
pub fn kill_tree(dir: &Path, patience: Duration) -> usize {
    let _ = std::fs::write(dir.join("cgroup.kill"), b"1");
    let until = Instant::now() + patience;
    loop {
        let left = count(dir);
        if left == 0 || Instant::now() >= until {
            return left;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn count(dir: &Path) -> usize {
    let mut n = std::fs::read_to_string(dir.join("cgroup.procs"))
        .map(|t| t.lines().count())
        .unwrap_or(0);
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                n += count(&e.path());
            }
        }
    }
    n
}

/// The watchdog: watches `state_dir`'s order and, when an armed deadline passes, removes the
/// addresses recorded in `addresses` and kills `cgroup`. Returns when told to exit, or when
/// another watchdog already runs.
pub fn watch(state_dir: &Path, cgroup: &Path, addresses: Option<&Path>) -> Result<(), String> {
    let _lock = take_lock(state_dir)
        .map_err(|e| format!("another rgm-watchdog watches {}: {e}", state_dir.display()))?;
    eprintln!(
        "rgm-watchdog: watching {} for {}",
        state_dir.join(FILE).display(),
        cgroup.display()
    );
    let mut fired_for: Option<u64> = None;
    loop {
        match current(state_dir) {
            Order::Exit => return Ok(()),
            Order::Disarmed => fired_for = None,
            Order::Armed(deadline) => {
                if monotonic_ns() > deadline && fired_for != Some(deadline) {
                    fired_for = Some(deadline);
                    if let Some(dir) = addresses {
                        for line in rgm_agents::logical_hostname::held::release_all(dir) {
                            eprintln!("rgm-watchdog: rgmd's lease deadline passed: {line}");
                        }
                    }
                    let left = kill_tree(cgroup, Duration::from_secs(5));
                    let _ = std::fs::write(state_dir.join(FIRED), format!("{deadline}\n"));
                    eprintln!(
                        "rgm-watchdog: rgmd's lease deadline passed: killed the processes of {} ({left} left)",
                        cgroup.display()
                    );
                }
            }
        }
        std::thread::sleep(POLL);
    }
}

/// The method cgroups' directory of an rgmd whose launcher uses `parent`, and where its
/// watchdog's own cgroup goes (beside it, so killing the methods spares the watchdog).
pub fn watchdog_cgroup(methods_parent: &Path) -> Option<PathBuf> {
    methods_parent.parent().map(|p| p.join("rgm-watchdog"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_round_trip() {
        for o in [Order::Armed(12345), Order::Disarmed, Order::Exit] {
            assert_eq!(Order::parse(&o.text()), Some(o));
        }
        assert_eq!(Order::parse("nonsense"), None);
    }

    #[test]
    fn instants_map_onto_the_monotonic_clock() {
        let now = monotonic_ns();
        let later = instant_ns(Instant::now() + Duration::from_secs(2));
        assert!(later >= now + 1_900_000_000 && later <= now + 2_500_000_000);
    }

    #[test]
    fn one_watchdog_per_state_directory() {
        let t = tempfile::tempdir().unwrap();
        assert!(!running(t.path()));
        let lock = take_lock(t.path()).unwrap();
        assert!(running(t.path()));
        drop(lock);
        order(t.path(), Order::Armed(7)).unwrap();
        assert_eq!(current(t.path()), Order::Armed(7));
    }
}
