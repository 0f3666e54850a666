//! One cgroup v2 per method run, so that a process which leaves the method's process group
//! (`setsid`, a double fork into a new group) is still found and killed on timeout.
//!
//! **Where.** The cgroup2 mount is found in `/proc/self/mountinfo` (never assumed), rgmd's own
//! cgroup in `/proc/self/cgroup` (`0::/path`). Method cgroups live in
//! `<mount><own path>/rgm-methods/m-<pid>-<starttime>-<seq>`: the name says which rgmd
//! instance made it (pid plus the kernel's start time of that pid, so a reused pid is told
//! apart) and is unique within it. Under systemd, rgmd's unit needs `Delegate=yes`.
//!
//! **Fallback.** When there is no cgroup2 mount, or rgm cannot create, enter and remove cgroups
//! under its own, the launcher uses process groups only and logs that once.
//!
//! **Reuse and clean-up.** When a run ends and its cgroup is empty, the cgroup is kept for the
//! next run (up to [`FREE_MAX`] of them; beyond that it is removed): creating and removing a
//! cgroup costs more than the whole rest of a launch. A method that left processes behind (a
//! START method leaving its daemon) leaves a populated cgroup; it is remembered and removed by a
//! later sweep once it has emptied. Sweeps run at most once a second after a run ends, and
//! whenever the daemon calls [`Launcher::sweep_cgroups`](crate::Launcher::sweep_cgroups). When
//! the launcher is dropped, its empty cgroups are removed; on start-up, directories left by rgmd
//! instances that no longer run are removed, or remembered if still populated. So the cgroups
//! kept are at most [`FREE_MAX`] empty ones plus one per run whose leftovers still live.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::os::ProcessOs;

/// Name of the directory, under rgmd's own cgroup, that holds the method cgroups.
pub const METHODS_DIR: &str = "rgm-methods";

/// Empty cgroups kept for reuse, at most.
pub const FREE_MAX: usize = 128;

/// Numbers the cgroups (and probes) of this process, across all its launchers.
static SEQ: AtomicU64 = AtomicU64::new(0);

/// How often, at most, a run's end triggers a sweep of remembered cgroups.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

/// A cgroup2 mount: where it is mounted and which cgroup is its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cgroup2Mount {
    pub mount_point: PathBuf,
    pub root: String,
}

/// The cgroup2 mounts listed in the text of `/proc/self/mountinfo`.
pub(crate) fn cgroup2_mounts(mountinfo: &str) -> Vec<Cgroup2Mount> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (before, after) = line.split_once(" - ")?;
            let fstype = after.split(' ').next()?;
            if fstype != "cgroup2" {
                return None;
            }
            let fields: Vec<&str> = before.split(' ').collect();
            Some(Cgroup2Mount {
                root: unescape(fields.get(3)?),
                mount_point: PathBuf::from(unescape(fields.get(4)?)),
            })
        })
        .collect()
}

/// Undoes mountinfo's octal escapes (`\040` for a space and so on).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 3 < bytes.len() {
            let digits = &bytes[i + 1..i + 4];
            if digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                let value = digits
                    .iter()
                    .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
                if let Ok(byte) = u8::try_from(value) {
                    out.push(byte);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Our cgroup v2 path from the text of `/proc/self/cgroup` (the `0::` line).
pub(crate) fn own_cgroup(proc_self_cgroup: &str) -> Option<String> {
    proc_self_cgroup
        .lines()
        .find_map(|line| line.strip_prefix("0::"))
        .map(|path| path.trim_end_matches(" (deleted)").to_owned())
}

/// The directory of cgroup `path` (as `/proc/self/cgroup` shows it) inside `mount`, if the
/// mount shows it.
pub(crate) fn cgroup_dir(mount: &Cgroup2Mount, path: &str) -> Option<PathBuf> {
    let root = mount.root.trim_end_matches('/');
    let rest = if root.is_empty() {
        path
    } else {
        let rest = path.strip_prefix(root)?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        rest
    };
    let rest = rest.trim_start_matches('/');
    Some(if rest.is_empty() {
        mount.mount_point.clone()
    } else {
        mount.mount_point.join(rest)
    })
}

/// Finds rgm's method-cgroup parent on the real system, creates it, and checks it works by
/// creating, opening and removing a probe cgroup in it.
pub(crate) fn detect_parent() -> Result<PathBuf, String> {
    check_parent(own_dir()?.join(METHODS_DIR))
}

/// The directory of our own cgroup v2 on the real system.
pub(crate) fn own_dir() -> Result<PathBuf, String> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo")
        .map_err(|e| format!("cannot read /proc/self/mountinfo: {e}"))?;
    let mounts = cgroup2_mounts(&mountinfo);
    if mounts.is_empty() {
        return Err("no cgroup2 file system is mounted".to_owned());
    }
    let own = std::fs::read_to_string("/proc/self/cgroup")
        .map_err(|e| format!("cannot read /proc/self/cgroup: {e}"))?;
    let own = own_cgroup(&own).ok_or("/proc/self/cgroup has no cgroup v2 (0::) entry")?;
    mounts
        .iter()
        .find_map(|m| cgroup_dir(m, &own).filter(|dir| dir.is_dir()))
        .ok_or_else(|| format!("our cgroup {own} is not visible under any cgroup2 mount"))
}

/// Creates `parent` if needed and checks that method cgroups can be made in it, by creating,
/// opening and removing a probe cgroup.
pub(crate) fn check_parent(parent: PathBuf) -> Result<PathBuf, String> {
    match std::fs::create_dir(&parent) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create {}: {e}", parent.display())),
    }
    let probe = parent.join(format!(
        "probe-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    match std::fs::create_dir(&probe) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create {}: {e}", probe.display())),
    }
    let opened = std::fs::OpenOptions::new()
        .write(true)
        .open(probe.join("cgroup.procs"));
    let removed = std::fs::remove_dir(&probe);
    if let Err(e) = opened {
        return Err(format!(
            "cannot open {}/cgroup.procs for writing: {e}",
            probe.display()
        ));
    }
    removed.map_err(|e| format!("cannot remove {}: {e}", probe.display()))?;
    Ok(parent)
}

/// Processes in the cgroup at `dir` and in those below it.
pub(crate) fn members(dir: &Path) -> io::Result<Vec<u32>> {
    let mut pids = Vec::new();
    collect_members(dir, &mut pids)?;
    Ok(pids)
}

fn collect_members(dir: &Path, pids: &mut Vec<u32>) -> io::Result<()> {
    let procs = std::fs::read_to_string(dir.join("cgroup.procs"))?;
    pids.extend(procs.lines().filter_map(|l| l.trim().parse::<u32>().ok()));
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            match collect_members(&entry.path(), pids) {
                // Removed meanwhile: it had no members.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                other => other?,
            }
        }
    }
    Ok(())
}

/// True while `cgroup.events` says the cgroup (or one below it) is populated.
pub(crate) fn populated(dir: &Path) -> bool {
    match std::fs::read_to_string(dir.join("cgroup.events")) {
        Ok(events) => events
            .lines()
            .any(|line| line.split_ascii_whitespace().eq(["populated", "1"])),
        Err(_) => false,
    }
}

/// Writes `1` to `cgroup.kill`; `Ok(false)` when the kernel lacks it.
pub(crate) fn kill(dir: &Path) -> io::Result<bool> {
    match std::fs::write(dir.join("cgroup.kill"), b"1") {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound && dir.is_dir() => Ok(false),
        Err(e) => Err(e),
    }
}

/// The per-method cgroups of one launcher: naming, removal, and the list of cgroups that still
/// had processes when their run ended.
#[derive(Debug)]
pub(crate) struct CgroupPool {
    parent: PathBuf,
    prefix: String,
    pending: Mutex<Pending>,
}

#[derive(Debug, Default)]
struct Pending {
    /// Cgroups whose run ended while they still held processes.
    dirs: Vec<PathBuf>,
    /// Empty cgroups ready for the next run.
    free: Vec<PathBuf>,
    last_sweep: Option<Instant>,
}

impl CgroupPool {
    /// A pool under `parent`. Cgroups left there by rgmd instances that have ended are removed,
    /// or remembered for a later sweep while they still hold processes.
    pub(crate) fn new<O: ProcessOs>(os: &O, parent: PathBuf) -> Self {
        let pid = std::process::id();
        let start = os.start_time(pid).unwrap_or(0);
        let pool = CgroupPool {
            parent,
            prefix: format!("m-{pid}-{start}-"),
            pending: Mutex::new(Pending::default()),
        };
        pool.adopt_stale(os);
        pool
    }

    /// The directory that holds the method cgroups.
    pub(crate) fn parent(&self) -> &Path {
        &self.parent
    }

    /// A cgroup for one run: an empty one kept from an earlier run, or a new one.
    pub(crate) fn create<O: ProcessOs>(&self, os: &O) -> io::Result<PathBuf> {
        if let Some(dir) = self.lock().free.pop() {
            return Ok(dir);
        }
        loop {
            let n = SEQ.fetch_add(1, Ordering::Relaxed);
            let dir = self.parent.join(format!("{}{n}", self.prefix));
            match os.create_cgroup(&dir) {
                Ok(()) => return Ok(dir),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Takes back a run's cgroup: kept for reuse if empty, remembered while it still has
    /// processes.
    pub(crate) fn release<O: ProcessOs>(&self, os: &O, dir: PathBuf) {
        let populated = os.cgroup_alive(&dir);
        let due = {
            let mut pending = self.lock();
            if populated {
                tracing::debug!(cgroup = %dir.display(), "method left processes behind; its cgroup is removed once they have ended");
                pending.dirs.push(dir);
            } else if pending.free.len() < FREE_MAX {
                pending.free.push(dir);
            } else {
                drop(pending);
                if !try_remove(os, &dir) {
                    self.lock().dirs.push(dir);
                }
                pending = self.lock();
            }
            !pending.dirs.is_empty()
                && pending
                    .last_sweep
                    .is_none_or(|at| at.elapsed() >= SWEEP_INTERVAL)
        };
        if due {
            self.sweep(os);
        }
    }

    /// Removes the empty cgroups kept for reuse (when the launcher goes away).
    pub(crate) fn remove_free<O: ProcessOs>(&self, os: &O) {
        let free = std::mem::take(&mut self.lock().free);
        for dir in free {
            if !try_remove(os, &dir) {
                self.lock().dirs.push(dir);
            }
        }
    }

    /// Removes every remembered cgroup that has emptied; returns how many remain.
    pub(crate) fn sweep<O: ProcessOs>(&self, os: &O) -> usize {
        let dirs = {
            let mut pending = self.lock();
            pending.last_sweep = Some(Instant::now());
            std::mem::take(&mut pending.dirs)
        };
        let remaining: Vec<PathBuf> = dirs.into_iter().filter(|d| !try_remove(os, d)).collect();
        let mut pending = self.lock();
        pending.dirs.extend(remaining);
        pending.dirs.len()
    }

    /// Cgroups remembered because they still had processes.
    pub(crate) fn pending(&self) -> Vec<PathBuf> {
        self.lock().dirs.clone()
    }

    fn adopt_stale<O: ProcessOs>(&self, os: &O) {
        let Ok(names) = os.list_cgroups(&self.parent) else {
            return;
        };
        let mut stale = Vec::new();
        for name in names {
            let Some((pid, start)) = owner_of(&name) else {
                continue;
            };
            if os.start_time(pid) == Some(start) {
                continue;
            }
            let dir = self.parent.join(&name);
            if !try_remove(os, &dir) {
                stale.push(dir);
            }
        }
        if !stale.is_empty() {
            tracing::info!(
                count = stale.len(),
                parent = %self.parent.display(),
                "cgroups of methods run by an earlier rgmd still hold processes; they are removed once those end"
            );
            self.lock().dirs.extend(stale);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `(pid, start time)` of the rgmd instance that named a cgroup `m-<pid>-<start>-<seq>`.
fn owner_of(name: &str) -> Option<(u32, u64)> {
    let mut parts = name.strip_prefix("m-")?.splitn(3, '-');
    let pid = parts.next()?.parse().ok()?;
    let start = parts.next()?.parse().ok()?;
    parts.next()?.parse::<u64>().ok()?;
    Some((pid, start))
}

/// Removes `dir`; true when it is gone (or was already).
pub(crate) fn try_remove<O: ProcessOs>(os: &O, dir: &Path) -> bool {
    match os.remove_cgroup(dir) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::NotFound => true,
        Err(e) if e.raw_os_error() == Some(libc::EBUSY) => false,
        Err(e) => {
            tracing::warn!(cgroup = %dir.display(), error = %e, "cannot remove method cgroup");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    #[test]
    fn finds_the_cgroup2_mount_in_a_hybrid_layout() {
        assert_eq!(
            cgroup2_mounts(HYBRID),
            [Cgroup2Mount {
                mount_point: "/sys/fs/cgroup/unified".into(),
                root: "/".into()
            }]
        );
    }

    #[test]
    fn unescapes_mount_points() {
        let line = "41 31 0:38 / /mnt/my\\040cgroups rw - cgroup2 none rw\n";
        assert_eq!(
            cgroup2_mounts(line)[0].mount_point,
            PathBuf::from("/mnt/my cgroups")
        );
        assert_eq!(unescape("a\\134b\\"), "a\\b\\");
    }

    #[test]
    fn no_cgroup2() {
        assert!(cgroup2_mounts("31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n").is_empty());
    }

    #[test]
    fn own_path() {
        assert_eq!(
            own_cgroup("9:name=systemd:/\n1:cpu:/\n0::/system.slice/rgmd.service\n").unwrap(),
            "/system.slice/rgmd.service"
        );
        assert_eq!(own_cgroup("1:cpu:/\n"), None);
    }

    #[test]
    fn directories() {
        let root = Cgroup2Mount {
            mount_point: "/sys/fs/cgroup/unified".into(),
            root: "/".into(),
        };
        assert_eq!(
            cgroup_dir(&root, "/").unwrap(),
            PathBuf::from("/sys/fs/cgroup/unified")
        );
        assert_eq!(
            cgroup_dir(&root, "/a/b").unwrap(),
            PathBuf::from("/sys/fs/cgroup/unified/a/b")
        );
        let sub = Cgroup2Mount {
            mount_point: "/cg".into(),
            root: "/a".into(),
        };
        assert_eq!(cgroup_dir(&sub, "/a/b").unwrap(), PathBuf::from("/cg/b"));
        assert_eq!(cgroup_dir(&sub, "/a").unwrap(), PathBuf::from("/cg"));
        assert_eq!(cgroup_dir(&sub, "/ab"), None);
        assert_eq!(cgroup_dir(&sub, "/c"), None);
    }

    #[test]
    fn owners() {
        assert_eq!(owner_of("m-12-345-6"), Some((12, 345)));
        assert_eq!(owner_of("probe-12"), None);
        assert_eq!(owner_of("m-12-345"), None);
    }
}
