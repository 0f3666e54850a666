//! Run files: what a later rgmd needs to find a method run that an earlier one started.
//!
//! For a request with a [`Placement`](crate::request::Placement), the launcher writes the run
//! file right after the method has started — its pid, the kernel's start time of that pid (to
//! tell it from a later process that reuses the pid) and its run cgroup — and writes it again
//! when the run is over, with how it ended ([`Ended`]), before the report is given. The caller
//! removes it once the result is safe elsewhere (rgmd: once the store holds it).
//!
//! A run file only has to outlive rgmd, not the machine (after a reboot nothing of it runs), so
//! it is not synced; it is written to a temporary name and renamed, so it is whole or absent.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::report::MethodStatus;

/// The content of a run file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The method's main process (and its process group).
    pub pid: u32,
    /// The kernel's start time of `pid`, in clock ticks after boot.
    pub start_time: u64,
    /// The run cgroup, where cgroups are used.
    pub cgroup: Option<PathBuf>,
    /// The resource.
    pub resource: String,
    /// The resource's leftovers cgroup for what the run leaves running.
    pub leftovers: String,
    /// How the run ended, once it has.
    #[serde(default)]
    pub ended: Option<Ended>,
}

/// How a recorded run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ended {
    pub status: MethodStatus,
    pub timed_out: bool,
    pub cancelled: bool,
    pub killed: bool,
    /// Processes moved to the leftovers cgroup.
    pub leftovers: usize,
}

/// Writes `record` to `path`, whole (through a temporary file and a rename).
pub fn write(path: &Path, record: &RunRecord) -> io::Result<()> {
    let text = serde_json::to_vec(record).map_err(io::Error::other)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// Reads the run file at `path`: `Ok(None)` when there is none; an error when it cannot be
/// read or makes no sense.
pub fn read(path: &Path) -> io::Result<Option<RunRecord>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Removes the run file at `path` (and a temporary file of it); a missing one is not an error.
pub fn remove(path: &Path) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let _ = std::fs::remove_file(PathBuf::from(tmp));
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_read_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("17");
        assert_eq!(read(&path).unwrap(), None);
        let mut record = RunRecord {
            pid: 42,
            start_time: 1234,
            cgroup: Some("/cg/r-db/run-3".into()),
            resource: "db".into(),
            leftovers: "start".into(),
            ended: None,
        };
        write(&path, &record).unwrap();
        assert_eq!(read(&path).unwrap().as_ref(), Some(&record));
        record.ended = Some(Ended {
            status: MethodStatus::Exited(0),
            timed_out: false,
            cancelled: false,
            killed: false,
            leftovers: 2,
        });
        write(&path, &record).unwrap();
        assert_eq!(read(&path).unwrap(), Some(record));
        remove(&path).unwrap();
        remove(&path).unwrap();
        assert_eq!(read(&path).unwrap(), None);
        std::fs::write(&path, "{half").unwrap();
        assert_eq!(read(&path).unwrap_err().kind(), io::ErrorKind::InvalidData);
    }
}
