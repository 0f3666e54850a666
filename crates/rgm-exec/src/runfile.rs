//! Run files: what a later rgmd needs to find a method run that an earlier one started.
//!
//! For a request with a [`Placement`](crate::request::Placement), the launcher writes the run
//! file right after the method has started — its pid, the kernel's start time of that pid (to
//! tell it from a later process that reuses the pid) and its run cgroup — and appends how the
//! run ended ([`Ended`]) when it is over, before the report is given. The caller removes the
//! file once the result is safe elsewhere (rgmd: once the store holds it).
//!
//! The file is two JSON lines: the start, then the end. A run file only has to outlive rgmd,
//! not the machine (after a reboot nothing of it runs), so it is not synced; and it is written
//! as a new file, then appended to, never rewritten: on ext4, a file replaced by a rename or
//! truncated and written again is flushed to disk at once (`auto_da_alloc`), which cost a
//! millisecond or more per write where a new file and an append cost some tens of
//! microseconds. A line cut short by a crash is not read: a start line cut short is no run
//! file, an end line cut short is a run not known to have ended.

use std::io::{self, Write as _};
use std::path::Path;

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
    pub cgroup: Option<std::path::PathBuf>,
    /// The resource.
    pub resource: String,
    /// The resource's leftovers cgroup for what the run leaves running.
    pub leftovers: String,
    /// How the run ended, once it has (the file's second line).
    #[serde(skip)]
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

fn line<T: Serialize>(value: &T) -> io::Result<Vec<u8>> {
    let mut text = serde_json::to_vec(value).map_err(io::Error::other)?;
    text.push(b'\n');
    Ok(text)
}

/// Writes the run file at `path` anew: the start line, and the end line if `record` has
/// ended.
pub fn write(path: &Path, record: &RunRecord) -> io::Result<()> {
    let mut text = line(record)?;
    if let Some(ended) = &record.ended {
        text.extend(line(ended)?);
    }
    std::fs::write(path, text)
}

/// Appends the end line to the run file at `path`.
pub fn write_end(path: &Path, ended: &Ended) -> io::Result<()> {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)?
        .write_all(&line(ended)?)
}

/// Reads the run file at `path`: `Ok(None)` when there is none; an error when its start line
/// cannot be read or makes no sense.
pub fn read(path: &Path) -> io::Result<Option<RunRecord>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut lines = text.split_inclusive('\n').filter(|l| l.ends_with('\n'));
    let first = lines
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no whole start line"))?;
    let mut record: RunRecord =
        serde_json::from_str(first).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    record.ended = lines.next().and_then(|l| serde_json::from_str(l).ok());
    Ok(Some(record))
}

/// Removes the run file at `path`; a missing one is not an error.
pub fn remove(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_ended_read_removed() {
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
        let ended = Ended {
            status: MethodStatus::Exited(0),
            timed_out: false,
            cancelled: false,
            killed: false,
            leftovers: 2,
        };
        write_end(&path, &ended).unwrap();
        record.ended = Some(ended);
        assert_eq!(read(&path).unwrap().as_ref(), Some(&record));
        // Written whole in one go, the same.
        write(&path, &record).unwrap();
        assert_eq!(read(&path).unwrap().as_ref(), Some(&record));
        remove(&path).unwrap();
        remove(&path).unwrap();
        assert_eq!(read(&path).unwrap(), None);
    }

    #[test]
    fn lines_cut_short_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1");
        std::fs::write(&path, "{\"pid\":4").unwrap();
        assert_eq!(read(&path).unwrap_err().kind(), io::ErrorKind::InvalidData);
        std::fs::write(&path, "").unwrap();
        assert_eq!(read(&path).unwrap_err().kind(), io::ErrorKind::InvalidData);
        let start = "{\"pid\":4,\"start_time\":5,\"cgroup\":null,\"resource\":\"db\",\"leftovers\":\"start\"}\n";
        std::fs::write(&path, format!("{start}{{\"status\":{{\"Exi")).unwrap();
        let record = read(&path).unwrap().unwrap();
        assert_eq!((record.pid, record.ended), (4, None));
    }
}
