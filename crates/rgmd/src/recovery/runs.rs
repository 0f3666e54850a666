//! The state directory's `runs/` area: what must outlive rgmd (not the machine) for the next
//! rgmd of the same boot to account for the processes this one started (docs/recovery.md).
//!
//! - `runs/<run id>`: a run file per method run of a resource in flight, written by the
//!   launcher right after the start and again at the end ([`rgm_exec::runfile`]), and removed
//!   by rgmd once the store holds the run's result.
//! - `runs/left/<resource>.start`, `runs/left/<resource>.monitor`: the resource's START (or
//!   PRENET_START, UPDATE) — its MONITOR_START — left processes running, which are to be
//!   found in its leftovers cgroup of that name while it is started (monitored). Set when such
//!   a run's report comes, before the engine sees it; cleared by a STOP or POSTNET_STOP (both)
//!   and a MONITOR_STOP (`monitor`).
//!
//! Nothing here is synced: after a machine crash the node reboots, and a new boot uses none of
//! it. Everything is cleared when rgmd starts a new cluster.

use std::collections::HashSet;
use std::io;
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _};
use std::path::{Path, PathBuf};

use rgm_core::engine::RunId;
use rtreg::Method;

/// Which processes of a resource a mark says are to be found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// What its START (PRENET_START, UPDATE) left: its service.
    Start,
    /// What its MONITOR_START left: its fault monitor.
    Monitor,
}

impl Mark {
    /// The name of the leftovers cgroup, and of the mark's file suffix.
    pub fn name(self) -> &'static str {
        match self {
            Mark::Start => "start",
            Mark::Monitor => "monitor",
        }
    }
}

/// The leftovers cgroup a method's run puts what it leaves running in: `start` for the methods
/// that start the service (PRENET_START, START, UPDATE, which may restart it), `monitor` for
/// MONITOR_START, the method's own name (lowercase) for the others.
pub fn leftovers_for(method: Method) -> String {
    match method {
        Method::PrenetStart | Method::Start | Method::Update => Mark::Start.name().to_string(),
        Method::MonitorStart => Mark::Monitor.name().to_string(),
        other => other.keyword().to_ascii_lowercase(),
    }
}

/// `<state dir>/runs`.
#[derive(Debug, Clone)]
pub struct RunsDir {
    dir: PathBuf,
}

impl RunsDir {
    /// Opens (making them if needed, mode 0700) `runs/` and `runs/left/` in the state
    /// directory. Refuses a symbolic link or a directory rgmd's user does not own.
    pub fn open(state_dir: &Path) -> io::Result<RunsDir> {
        let dir = state_dir.join("runs");
        for d in [dir.clone(), dir.join("left")] {
            match std::fs::DirBuilder::new().mode(0o700).create(&d) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(named(&d, e)),
            }
            let meta = std::fs::symlink_metadata(&d).map_err(|e| named(&d, e))?;
            let uid = nix::unistd::geteuid().as_raw();
            if !meta.is_dir() || meta.uid() != uid {
                return Err(named(
                    &d,
                    io::Error::other(format!(
                        "not a directory owned by uid {uid} (a symbolic link, or planted by someone else)"
                    )),
                ));
            }
        }
        Ok(RunsDir { dir })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The run file of a run.
    pub fn run_file(&self, run: RunId) -> PathBuf {
        self.dir.join(run.0.to_string())
    }

    /// Removes a run's file (its result is safe in the store).
    pub fn remove_run(&self, run: RunId) {
        if let Err(e) = rgm_exec::runfile::remove(&self.run_file(run)) {
            tracing::warn!(run = run.0, error = %e, "cannot remove a run file");
        }
    }

    /// Removes every run file but those of `keep`.
    pub fn keep_runs(&self, keep: &HashSet<RunId>) {
        for (path, name) in self.files(&self.dir) {
            let id = name.trim_end_matches(".tmp").parse::<u64>().ok();
            if id.is_none_or(|id| !keep.contains(&RunId(id))) {
                remove(&path);
            }
        }
    }

    /// Removes every run file and every mark: a new cluster, nothing of the old runs.
    pub fn clear(&self) {
        self.keep_runs(&HashSet::new());
        self.keep_marks(|_| false);
    }

    /// Records that the resource's `mark` processes are to be found.
    pub fn mark(&self, resource: &str, mark: Mark) {
        let path = self.mark_file(resource, mark);
        if let Err(e) = std::fs::write(&path, b"") {
            tracing::warn!(path = %path.display(), error = %e, "cannot record that a resource left processes");
        }
    }

    /// Forgets a mark.
    pub fn unmark(&self, resource: &str, mark: Mark) {
        remove(&self.mark_file(resource, mark));
    }

    /// Whether the mark is set.
    pub fn marked(&self, resource: &str, mark: Mark) -> bool {
        self.mark_file(resource, mark).exists()
    }

    /// Removes the marks of resources `keep` says no.
    pub fn keep_marks(&self, keep: impl Fn(&str) -> bool) {
        for (path, name) in self.files(&self.dir.join("left")) {
            let resource = name.rsplit_once('.').map_or(name.as_str(), |(r, _)| r);
            if !keep(resource) {
                remove(&path);
            }
        }
    }

    fn mark_file(&self, resource: &str, mark: Mark) -> PathBuf {
        self.dir
            .join("left")
            .join(format!("{resource}.{}", mark.name()))
    }

    /// The regular files of `dir`, with their names.
    fn files(&self, dir: &Path) -> Vec<(PathBuf, String)> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
            .filter_map(|e| Some((e.path(), e.file_name().to_str()?.to_owned())))
            .collect()
    }
}

fn remove(path: &Path) {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            tracing::warn!(path = %path.display(), error = %e, "cannot remove");
        }
        _ => {}
    }
}

fn named(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_files_and_marks() {
        let state = tempfile::tempdir().unwrap();
        let runs = RunsDir::open(state.path()).unwrap();
        for id in [3, 4, 5] {
            std::fs::write(runs.run_file(RunId(id)), "{}").unwrap();
        }
        std::fs::write(runs.path().join("4.tmp"), "{").unwrap();
        runs.keep_runs(&HashSet::from([RunId(4)]));
        assert!(!runs.run_file(RunId(3)).exists());
        assert!(runs.run_file(RunId(4)).exists());
        assert!(runs.path().join("4.tmp").exists());
        runs.remove_run(RunId(4));
        assert!(!runs.path().join("4.tmp").exists());

        runs.mark("db", Mark::Start);
        runs.mark("db", Mark::Monitor);
        runs.mark("web", Mark::Start);
        assert!(runs.marked("db", Mark::Start));
        runs.unmark("db", Mark::Monitor);
        assert!(!runs.marked("db", Mark::Monitor));
        runs.keep_marks(|r| r == "web");
        assert!(!runs.marked("db", Mark::Start));
        assert!(runs.marked("web", Mark::Start));
        runs.clear();
        assert!(!runs.marked("web", Mark::Start));
        // Opening again keeps what is there.
        std::fs::write(runs.run_file(RunId(9)), "{}").unwrap();
        let again = RunsDir::open(state.path()).unwrap();
        assert!(again.run_file(RunId(9)).exists());
    }

    #[test]
    fn a_planted_link_is_refused() {
        let state = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), state.path().join("runs")).unwrap();
        let e = RunsDir::open(state.path()).unwrap_err();
        assert!(e.to_string().contains("runs"), "{e}");
    }

    #[test]
    fn leftovers_cgroups_by_method() {
        assert_eq!(leftovers_for(Method::Start), "start");
        assert_eq!(leftovers_for(Method::PrenetStart), "start");
        assert_eq!(leftovers_for(Method::Update), "start");
        assert_eq!(leftovers_for(Method::MonitorStart), "monitor");
        assert_eq!(leftovers_for(Method::PostnetStop), "postnet_stop");
        for m in Method::ALL {
            assert!(
                rgm_exec::resources::valid_leftovers_name(&leftovers_for(m)),
                "{m:?}"
            );
        }
    }
}
