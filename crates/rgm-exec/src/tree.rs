//! The process tree under a process, for process monitors that must know every process a
//! service they started is made of, including those that left its process group.
//!
//! A monitor that is a child subreaper (`PR_SET_CHILD_SUBREAPER`) adopts the orphans of what it
//! started, so its descendants are the whole of its services, however they daemonised. These
//! functions read `/proc` to list them and to find the zombies it must reap.

use std::path::Path;

use crate::procfs;

/// A process below the root of a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub pid: u32,
    /// 0 for a direct child of the root, 1 for a grandchild, ...
    pub depth: u32,
    /// Process group id.
    pub pgrp: u32,
    /// Start time in clock ticks after boot (tells a reused pid apart).
    pub start_time: u64,
    /// Not a zombie.
    pub alive: bool,
}

/// Every process below `root` (not `root` itself), zombies included, parents before their
/// children.
pub fn descendants(root: u32) -> Vec<Member> {
    let mut all: Vec<(u32, procfs::Stat)> = pids()
        .into_iter()
        .filter_map(|pid| procfs::stat(pid).map(|s| (pid, s)))
        .collect();
    all.sort_by_key(|(pid, _)| *pid);
    let mut out: Vec<Member> = Vec::new();
    let mut frontier = vec![(root, 0u32)];
    while let Some((parent, depth)) = frontier.pop() {
        for (pid, s) in all.iter().filter(|(_, s)| s.ppid == parent) {
            out.push(Member {
                pid: *pid,
                depth,
                pgrp: s.pgrp,
                start_time: s.start_time,
                alive: s.alive(),
            });
            frontier.push((*pid, depth + 1));
        }
    }
    out
}

/// The start time of a process (clock ticks after boot), if it exists and is not a zombie.
pub fn live_start_time(pid: u32) -> Option<u64> {
    procfs::stat(pid)
        .filter(procfs::Stat::alive)
        .map(|s| s.start_time)
}

fn pids() -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir(Path::new("/proc")) else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_child_and_its_grandchild() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & wait"])
            .spawn()
            .unwrap();
        let me = std::process::id();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let tree = loop {
            let tree = descendants(me);
            if tree.iter().any(|m| m.depth == 1) || std::time::Instant::now() > deadline {
                break tree;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        let _ = child.kill();
        let _ = child.wait();
        let sh = tree
            .iter()
            .find(|m| m.pid == child.id())
            .expect("the child");
        assert_eq!(sh.depth, 0);
        assert!(sh.alive);
        assert!(tree.iter().any(|m| m.depth == 1), "{tree:?}");
        assert!(live_start_time(me).is_some());
        for m in tree.iter().filter(|m| m.depth == 1) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(m.pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}
