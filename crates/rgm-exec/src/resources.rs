//! The cgroups of resources.
//!
//! Under the launcher's parent (`<rgmd's cgroup>/rgm-methods`), the rgmd instance that owns the
//! launcher has a cgroup of its own, named after its state directory (`s%2Fvar%2Flib%2Frgm`
//! for `/var/lib/rgm`), so that two rgmd sharing a cgroup never mix their resources. In it,
//! each resource has `r-<resource>/`, which holds:
//!
//! - **run cgroups** `run-<n>`: one per method run in flight, populated only while the run is;
//!   an empty one is kept for the resource's next run (making and removing a cgroup costs
//!   about half a millisecond, and renaming one is not allowed);
//! - **leftovers cgroups**, such as `start` and `monitor`: what a run left running when its
//!   main process ended (a daemon a START started) is moved there, so the resource's service
//!   can be found, counted and killed, and a timeout or cancel of a later run of the resource
//!   never touches it.
//!
//! `r-<resource>` as a whole is what [`Launcher::kill_resource`](crate::Launcher::kill_resource)
//! kills; the instance's cgroup, what [`Launcher::kill_node`](crate::Launcher::kill_node) kills.
//!
//! When the launcher starts, the empty run cgroups an earlier rgmd of the same state directory
//! left are removed (populated ones hold runs that rgmd is to adopt, and are left alone), and
//! the whole tree of an instance whose state directory no longer exists is removed once
//! nothing in it is alive. When the launcher is dropped, its empty cgroups are removed.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use nix::sys::signal::Signal;

use crate::cgroup::try_remove;
use crate::os::ProcessOs;

/// Empty run cgroups kept per resource for its next runs, at most.
const FREE_PER_RESOURCE: usize = 4;

/// A name longer than this is not a legal cgroup directory name.
const NAME_MAX: usize = 255;

/// Prefix of run cgroups.
const RUN_PREFIX: &str = "run-";

/// Numbers run cgroups, across all launchers of this process.
static RUN_SEQ: AtomicU64 = AtomicU64::new(0);

/// The name of the cgroup of the rgmd instance whose state directory is `owner`: `s` and the
/// path with `%` and `/` escaped (`s%2Fvar%2Flib%2Frgm`), or, for a path too long for that,
/// `s#` and a hash of it (such a tree is never recognised as stale).
pub fn instance_name(owner: &Path) -> String {
    let text = owner.to_string_lossy();
    let mut name = String::with_capacity(text.len() + 16);
    name.push('s');
    for c in text.chars() {
        match c {
            '%' => name.push_str("%25"),
            '/' => name.push_str("%2F"),
            '\n' => name.push_str("%0A"),
            c => name.push(c),
        }
    }
    if name.len() <= NAME_MAX {
        name
    } else {
        format!("s#{:016x}", fnv1a(text.as_bytes()))
    }
}

/// The state directory an instance cgroup named by [`instance_name`] belongs to.
fn owner_of_instance(name: &str) -> Option<PathBuf> {
    let escaped = name.strip_prefix("s%2F")?;
    let mut out = String::from("/");
    let mut rest = escaped;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let code = rest.get(i + 1..i + 3)?;
        out.push(match code {
            "25" => '%',
            "2F" => '/',
            "0A" => '\n',
            _ => return None,
        });
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    Some(PathBuf::from(out))
}

/// The name of a resource's cgroup: `r-<resource>`, or `r#` and a hash for a name that cannot
/// be a directory name as it is.
pub fn resource_dir_name(resource: &str) -> String {
    let plain = !resource.is_empty()
        && resource.len() + 2 <= NAME_MAX
        && resource
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && resource != "."
        && resource != "..";
    if plain {
        format!("r-{resource}")
    } else {
        format!("r#{:016x}", fnv1a(resource.as_bytes()))
    }
}

/// Whether `name` may name a leftovers cgroup: a lowercase word (letters and `_`), which can
/// never be taken for a run cgroup.
pub fn valid_leftovers_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The resources' cgroups of one launcher.
#[derive(Debug)]
pub(crate) struct ResourceCgroups {
    base: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Empty run cgroups ready for each resource's next run.
    free: HashMap<String, Vec<PathBuf>>,
    /// Run cgroups whose run ended with processes still in them that could not be moved (they
    /// survived SIGKILL): removed once empty.
    pending: Vec<PathBuf>,
    /// Run cgroups of an earlier rgmd taken by an adoption.
    claimed: HashSet<PathBuf>,
    /// Resources whose cgroup this launcher has made or found.
    known: HashSet<String>,
}

impl ResourceCgroups {
    /// The cgroups of the instance owning `owner`, under `parent`: made if missing, tidied
    /// (see the module documentation).
    pub(crate) fn new<O: ProcessOs>(os: &O, parent: &Path, owner: &Path) -> io::Result<Self> {
        let own = instance_name(owner);
        let base = parent.join(&own);
        match os.create_cgroup(&base) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let cgroups = ResourceCgroups {
            base,
            state: Mutex::new(State::default()),
        };
        cgroups.remove_stale_instances(os, parent, &own);
        cgroups.tidy(os);
        Ok(cgroups)
    }

    /// The instance's cgroup.
    pub(crate) fn base(&self) -> &Path {
        &self.base
    }

    /// `r-<resource>`.
    pub(crate) fn resource_dir(&self, resource: &str) -> PathBuf {
        self.base.join(resource_dir_name(resource))
    }

    /// A resource's leftovers cgroup.
    pub(crate) fn leftovers_dir(&self, resource: &str, name: &str) -> PathBuf {
        self.resource_dir(resource).join(name)
    }

    /// A run cgroup for a run of `resource`: an empty one kept from an earlier run, or a new
    /// one.
    pub(crate) fn acquire<O: ProcessOs>(&self, os: &O, resource: &str) -> io::Result<PathBuf> {
        if let Some(dir) = self.lock().free.get_mut(resource).and_then(Vec::pop) {
            return Ok(dir);
        }
        let rdir = self.ensure_resource(os, resource)?;
        loop {
            let n = RUN_SEQ.fetch_add(1, Ordering::Relaxed);
            let dir = rdir.join(format!("{RUN_PREFIX}{n}"));
            match os.create_cgroup(&dir) {
                Ok(()) => return Ok(dir),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Takes back a run cgroup once its run is over: kept for reuse if empty, remembered
    /// while something in it still lives.
    pub(crate) fn release<O: ProcessOs>(&self, os: &O, resource: &str, dir: PathBuf) {
        if os.cgroup_alive(&dir) {
            self.lock().pending.push(dir);
            return;
        }
        let mut state = self.lock();
        state.claimed.remove(&dir);
        let free = state.free.entry(resource.to_owned()).or_default();
        if free.len() < FREE_PER_RESOURCE {
            free.push(dir);
        } else {
            drop(state);
            if !try_remove(os, &dir) {
                self.lock().pending.push(dir);
            }
        }
    }

    /// Moves every process of the run cgroup `from` into the resource's leftovers cgroup
    /// `name`; returns how many were moved. Repeats until `from` is empty, so a process that
    /// forks meanwhile cannot leave a child behind.
    pub(crate) fn move_leftovers<O: ProcessOs>(
        &self,
        os: &O,
        from: &Path,
        resource: &str,
        name: &str,
    ) -> io::Result<usize> {
        let to = self.ensure_leftovers(os, resource, name)?;
        let mut moved = HashSet::new();
        for _ in 0..100 {
            let members = match os.cgroup_members(from) {
                Ok(m) => m,
                Err(e) if e.kind() == io::ErrorKind::NotFound => break,
                Err(e) => return Err(e),
            };
            if members.is_empty() {
                break;
            }
            for pid in members {
                os.move_to_cgroup(pid, &to)?;
                moved.insert(pid);
            }
        }
        Ok(moved.len())
    }

    /// True while the resource's leftovers cgroup `name` holds a live process.
    pub(crate) fn leftovers_alive<O: ProcessOs>(&self, os: &O, resource: &str, name: &str) -> bool {
        os.cgroup_alive(&self.leftovers_dir(resource, name))
    }

    /// A run cgroup of `resource` that holds processes and that neither this launcher nor an
    /// adoption uses, nor is in `named` (the run cgroups named by run files): the cgroup of a
    /// run of an earlier rgmd whose run file was never written. It is claimed.
    pub(crate) fn claim_orphan<O: ProcessOs>(
        &self,
        os: &O,
        resource: &str,
        named: &HashSet<PathBuf>,
    ) -> Option<PathBuf> {
        let rdir = self.resource_dir(resource);
        let names = os.list_cgroups(&rdir).ok()?;
        let mut state = self.lock();
        let mut runs: Vec<PathBuf> = names
            .iter()
            .filter(|n| n.starts_with(RUN_PREFIX))
            .map(|n| rdir.join(n))
            .filter(|d| !named.contains(d) && !state.claimed.contains(d))
            .filter(|d| !state.free.values().flatten().any(|f| f == d))
            .collect();
        runs.sort();
        let dir = runs.into_iter().find(|d| os.cgroup_alive(d))?;
        state.claimed.insert(dir.clone());
        Some(dir)
    }

    /// Marks a run cgroup named by a run file as taken by an adoption.
    pub(crate) fn claim(&self, dir: &Path) {
        self.lock().claimed.insert(dir.to_owned());
    }

    /// Kills every process of the resource: its runs in flight and its leftovers.
    pub(crate) fn kill_resource<O: ProcessOs>(&self, os: &O, resource: &str) -> io::Result<()> {
        kill_tree(os, &self.resource_dir(resource))
    }

    /// Kills every process of every resource of this instance.
    pub(crate) fn kill_all<O: ProcessOs>(&self, os: &O) -> io::Result<()> {
        kill_tree(os, &self.base)
    }

    /// Removes the remembered run cgroups that have emptied; returns how many remain.
    pub(crate) fn sweep<O: ProcessOs>(&self, os: &O) -> usize {
        let dirs = std::mem::take(&mut self.lock().pending);
        let remaining: Vec<PathBuf> = dirs.into_iter().filter(|d| !try_remove(os, d)).collect();
        let mut state = self.lock();
        state.pending.extend(remaining);
        state.pending.len()
    }

    /// Run cgroups remembered because they still held processes.
    pub(crate) fn pending(&self) -> Vec<PathBuf> {
        self.lock().pending.clone()
    }

    /// When the launcher goes away: removes the free run cgroups, then every resource cgroup
    /// (and the instance's) that nothing lives in any more.
    pub(crate) fn remove_free<O: ProcessOs>(&self, os: &O) {
        let free: Vec<PathBuf> = self.lock().free.drain().flat_map(|(_, v)| v).collect();
        for dir in free {
            try_remove(os, &dir);
        }
        remove_tree_if_dead(os, &self.base);
    }

    fn ensure_resource<O: ProcessOs>(&self, os: &O, resource: &str) -> io::Result<PathBuf> {
        let dir = self.resource_dir(resource);
        if self.lock().known.contains(resource) {
            return Ok(dir);
        }
        for d in [&self.base, &dir] {
            match os.create_cgroup(d) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        self.lock().known.insert(resource.to_owned());
        Ok(dir)
    }

    fn ensure_leftovers<O: ProcessOs>(
        &self,
        os: &O,
        resource: &str,
        name: &str,
    ) -> io::Result<PathBuf> {
        let rdir = self.ensure_resource(os, resource)?;
        let dir = rdir.join(name);
        match os.create_cgroup(&dir) {
            Ok(()) => Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(dir),
            Err(e) => Err(e),
        }
    }

    /// Removes the empty run cgroups an earlier instance of this rgmd left; the populated
    /// ones hold runs to adopt.
    fn tidy<O: ProcessOs>(&self, os: &O) {
        let Ok(resources) = os.list_cgroups(&self.base) else {
            return;
        };
        for r in resources {
            let rdir = self.base.join(&r);
            let Ok(children) = os.list_cgroups(&rdir) else {
                continue;
            };
            for c in children.iter().filter(|c| c.starts_with(RUN_PREFIX)) {
                let dir = rdir.join(c);
                if !os.cgroup_alive(&dir) {
                    try_remove(os, &dir);
                }
            }
        }
    }

    /// Removes the trees of instances whose state directory no longer exists, once nothing in
    /// them lives.
    fn remove_stale_instances<O: ProcessOs>(&self, os: &O, parent: &Path, own: &str) {
        let Ok(names) = os.list_cgroups(parent) else {
            return;
        };
        for name in names.iter().filter(|n| n.as_str() != own) {
            let Some(owner) = owner_of_instance(name) else {
                continue;
            };
            if owner.exists() {
                continue;
            }
            let dir = parent.join(name);
            if !remove_tree_if_dead(os, &dir) {
                tracing::info!(cgroup = %dir.display(), owner = %owner.display(), "the cgroups of an rgmd whose state directory is gone still hold processes; left alone");
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Kills everything in the cgroup at `dir` and below: `cgroup.kill`, or SIGKILL to each member
/// where the kernel lacks it.
fn kill_tree<O: ProcessOs>(os: &O, dir: &Path) -> io::Result<()> {
    match os.kill_cgroup(dir) {
        Ok(true) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        Ok(false) => {
            for _ in 0..100 {
                let members = match os.cgroup_members(dir) {
                    Ok(m) => m,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                    Err(e) => return Err(e),
                };
                if members.is_empty() {
                    break;
                }
                for pid in members {
                    os.signal_process(pid, Signal::SIGKILL)?;
                }
            }
            Ok(())
        }
    }
}

/// Removes the cgroup at `dir` and everything below it, deepest first, if nothing in it
/// lives; true when it is gone.
fn remove_tree_if_dead<O: ProcessOs>(os: &O, dir: &Path) -> bool {
    if os.cgroup_alive(dir) {
        return false;
    }
    if let Ok(children) = os.list_cgroups(dir) {
        for c in children {
            remove_tree_if_dead(os, &dir.join(c));
        }
    }
    try_remove(os, dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_names_round_trip() {
        for path in ["/var/lib/rgm", "/tmp/.tmpAb%C/state", "/a b/c\nd"] {
            let name = instance_name(Path::new(path));
            assert!(!name.contains('/') && !name.contains('\n'), "{name}");
            assert_eq!(owner_of_instance(&name), Some(PathBuf::from(path)));
        }
        assert_eq!(
            instance_name(Path::new("/var/lib/rgm")),
            "s%2Fvar%2Flib%2Frgm"
        );
        let long = format!("/{}", "x".repeat(300));
        let name = instance_name(Path::new(&long));
        assert!(name.starts_with("s#") && name.len() < NAME_MAX, "{name}");
        assert_eq!(owner_of_instance(&name), None);
        assert_eq!(owner_of_instance("s%2Fa%ZZ"), None);
        assert_eq!(owner_of_instance("m-1-2-3"), None);
    }

    #[test]
    fn resource_names() {
        assert_eq!(resource_dir_name("web-1_a"), "r-web-1_a");
        for odd in ["", "..", "a/b", &"x".repeat(254)] {
            let name = resource_dir_name(odd);
            assert!(name.starts_with("r#") && !name.contains('/'), "{name}");
        }
        assert!(valid_leftovers_name("start") && valid_leftovers_name("postnet_stop"));
        for bad in ["", "run-1", "Start", "a/b", "x1"] {
            assert!(!valid_leftovers_name(bad), "{bad}");
        }
    }
}
