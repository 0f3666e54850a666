//! The store: where the configuration and the runtime state live between runs. A trait, so the
//! etcd store of a multi-node cluster slots in beside the local one.
//!
//! [`LocalStore`] keeps two files in the state directory, each written whole to a temporary
//! file, fsynced, renamed over the old one and the directory fsynced: a crash at any instant
//! leaves the old file or the new one, never a mix or nothing. A lock file keeps a second rgmd
//! off the same directory.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

use rgm_core::ClusterConfig;
use rgm_core::engine::Snapshot;

/// The runtime state as stored: the engine's snapshot and the boot it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredState {
    pub format: String,
    /// `/proc/sys/kernel/random/boot_id` when it was written: a different boot means the node
    /// rebooted and nothing of the snapshot runs any more.
    pub boot_id: String,
    pub node: String,
    pub snapshot: Snapshot,
}

pub const STATE_FORMAT: &str = "rgm-state-1";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Unreadable { path: PathBuf, message: String },
    #[error("another rgmd is using {0} (it holds {0}/rgmd.lock)")]
    Locked(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where rgmd keeps what must survive it.
pub trait Store: Send {
    /// The stored configuration; `None` when there is none yet.
    fn load_config(&mut self) -> Result<Option<ClusterConfig>, StoreError>;
    /// The stored runtime state; `None` when there is none (or it cannot be read: the reason
    /// is returned beside it for the log).
    fn load_state(&mut self) -> (Option<StoredState>, Option<String>);
    fn save_config(&mut self, config: &ClusterConfig) -> Result<(), StoreError>;
    fn save_state(&mut self, state: &StoredState) -> Result<(), StoreError>;
    /// Forgets the runtime state (after a clean shutdown: the next start is a new cluster).
    fn clear_state(&mut self) -> Result<(), StoreError>;
}

/// Files in the state directory.
pub struct LocalStore {
    dir: PathBuf,
    _lock: Flock<File>,
}

impl LocalStore {
    pub fn open(dir: &Path) -> Result<LocalStore, StoreError> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755) // traversable: every local user may read the cluster log in it
            .create(dir)
            .map_err(io(dir))?;
        let lock_path = dir.join("rgmd.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o640)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        let lock = Flock::lock(file, FlockArg::LockExclusiveNonblock)
            .map_err(|_| StoreError::Locked(dir.to_path_buf()))?;
        Ok(LocalStore {
            dir: dir.to_path_buf(),
            _lock: lock,
        })
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join("config.json")
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }
}

impl Store for LocalStore {
    fn load_config(&mut self) -> Result<Option<ClusterConfig>, StoreError> {
        let path = self.config_path();
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&path)(e)),
        };
        rgm_core::serial::from_json(&text)
            .map(Some)
            .map_err(|e| StoreError::Unreadable {
                path,
                message: e.to_string(),
            })
    }

    fn load_state(&mut self) -> (Option<StoredState>, Option<String>) {
        let path = self.state_path();
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (None, None),
            Err(e) => return (None, Some(format!("{}: {e}", path.display()))),
        };
        match serde_json::from_str::<StoredState>(&text) {
            Ok(s) if s.format == STATE_FORMAT => (Some(s), None),
            Ok(s) => (
                None,
                Some(format!("{}: unknown format {}", path.display(), s.format)),
            ),
            Err(e) => {
                // Kept aside for a post-mortem, never silently dropped.
                let aside = path.with_extension("json.unreadable");
                let _ = fs::rename(&path, &aside);
                (
                    None,
                    Some(format!(
                        "{}: {e} (moved to {})",
                        path.display(),
                        aside.display()
                    )),
                )
            }
        }
    }

    fn save_config(&mut self, config: &ClusterConfig) -> Result<(), StoreError> {
        write_atomically(
            &self.config_path(),
            rgm_core::serial::to_json(config).as_bytes(),
        )
    }

    fn save_state(&mut self, state: &StoredState) -> Result<(), StoreError> {
        let text = serde_json::to_vec(state).expect("state serialises");
        write_atomically(&self.state_path(), &text)
    }

    fn clear_state(&mut self) -> Result<(), StoreError> {
        let path = self.state_path();
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(&self.dir),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&path)(e)),
        }
    }
}

/// Writes a file so that a crash leaves the old content or the new, never a mix.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension("tmp");
    let mut f = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o640)
        .open(&tmp)
        .map_err(io(&tmp))?;
    f.write_all(bytes).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    drop(f);
    fs::rename(&tmp, path).map_err(io(path))?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

/// This boot's id, to tell a daemon restart from a node reboot.
pub fn boot_id() -> String {
    fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_round_trips_and_a_second_daemon_is_locked_out() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = LocalStore::open(dir.path()).unwrap();
        assert!(store.load_config().unwrap().is_none());
        let cfg = rgm_core::testkit::cluster(&["n1"]);
        store.save_config(&cfg).unwrap();
        assert!(store.load_config().unwrap() == Some(cfg));
        assert!(!dir.path().join("config.tmp").exists());
        assert!(matches!(
            LocalStore::open(dir.path()),
            Err(StoreError::Locked(_))
        ));
        drop(store);
        assert!(LocalStore::open(dir.path()).is_ok());
    }

    #[test]
    fn an_unreadable_config_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("config.json"), "{not json").unwrap();
        let mut store = LocalStore::open(dir.path()).unwrap();
        let err = store.load_config().unwrap_err().to_string();
        assert!(
            err.contains("config.json") && err.contains("not valid JSON"),
            "{err}"
        );
        // Nothing was overwritten.
        assert_eq!(
            fs::read_to_string(dir.path().join("config.json")).unwrap(),
            "{not json"
        );
    }

    #[test]
    fn unreadable_state_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("state.json"), "garbage").unwrap();
        let mut store = LocalStore::open(dir.path()).unwrap();
        let (state, why) = store.load_state();
        assert!(state.is_none());
        assert!(why.unwrap().contains("state.json"));
        assert!(dir.path().join("state.json.unreadable").exists());
    }
}
