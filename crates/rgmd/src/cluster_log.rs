//! The cluster log: every engine record, and every line methods write, as one human line in
//! the rgmd style (`STATE_DIR/cluster.log`) and as one JSON object (`STATE_DIR/cluster.log.json`),
//! both rotated by size (`.1` ... `.5`). docs/cluster-log.md describes both forms.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use rgm_core::engine::{LogRecord, Severity, Time};
use rgm_exec::OutputLine;

use crate::clock::rfc3339;

/// The id of a line of method output.
pub const METHOD_OUTPUT: u32 = 300200;
/// The id of a daemon lifecycle record (start, stop, recovery).
pub const DAEMON: u32 = 300201;

const KEEP: usize = 5;

pub struct ClusterLog {
    human_path: PathBuf,
    json_path: PathBuf,
    human: File,
    json: File,
    max_bytes: u64,
    written: u64,
}

#[derive(Serialize)]
struct JsonRecord<'a> {
    time: String,
    id: u32,
    severity: Severity,
    text: &'a str,
    fields: &'a BTreeMap<&'static str, String>,
}

impl ClusterLog {
    pub fn open(dir: &Path, max_bytes: u64) -> std::io::Result<ClusterLog> {
        let human_path = dir.join("cluster.log");
        let json_path = dir.join("cluster.log.json");
        let human = append(&human_path)?;
        let json = append(&json_path)?;
        let written = human.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(ClusterLog {
            human_path,
            json_path,
            human,
            json,
            max_bytes,
            written,
        })
    }

    pub fn write(&mut self, at: Time, record: &LogRecord) {
        let time = rfc3339(at);
        let level = match record.severity {
            Severity::Notice => "notice",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        let line = format!(
            "{time} Cluster.RGM.global.rgmd: [ID {} daemon.{level}] {}\n",
            record.id, record.text
        );
        let json = JsonRecord {
            time,
            id: record.id,
            severity: record.severity,
            text: &record.text,
            fields: &record.fields,
        };
        let mut json_line = serde_json::to_string(&json).expect("a record serialises");
        json_line.push('\n');
        self.append_both(&line, &json_line);
    }

    /// A line a method wrote.
    pub fn write_output(&mut self, at: Time, line: &OutputLine) {
        let t = &line.tags;
        let fields: BTreeMap<&'static str, String> = [
            ("method", t.method.clone()),
            ("resource", t.resource.clone()),
            ("group", t.group.clone()),
            ("node", t.node.clone()),
            ("stream", line.stream.as_str().to_string()),
        ]
        .into_iter()
        .collect();
        let text = format!(
            "method <{}> for resource <{}>, resource group <{}>, node <{}> {}: {}",
            t.method,
            t.resource,
            t.group,
            t.node,
            line.stream.as_str(),
            line.text
        );
        self.write(
            at,
            &LogRecord::new(METHOD_OUTPUT, Severity::Notice, text, fields),
        );
    }

    fn append_both(&mut self, human: &str, json: &str) {
        if self.written + human.len() as u64 > self.max_bytes {
            self.rotate();
        }
        // A full disk must not stop the daemon; the failure goes to stderr.
        if let Err(e) = self.human.write_all(human.as_bytes()) {
            tracing::error!("cannot write {}: {e}", self.human_path.display());
        }
        if let Err(e) = self.json.write_all(json.as_bytes()) {
            tracing::error!("cannot write {}: {e}", self.json_path.display());
        }
        self.written += human.len() as u64;
    }

    fn rotate(&mut self) {
        for path in [&self.human_path, &self.json_path] {
            for i in (1..KEEP).rev() {
                let _ = fs::rename(numbered(path, i), numbered(path, i + 1));
            }
            let _ = fs::rename(path, numbered(path, 1));
        }
        match (append(&self.human_path), append(&self.json_path)) {
            (Ok(h), Ok(j)) => {
                self.human = h;
                self.json = j;
                self.written = 0;
            }
            (Err(e), _) | (_, Err(e)) => tracing::error!("cannot reopen the cluster log: {e}"),
        }
    }
}

fn numbered(path: &Path, i: usize) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{i}"));
    PathBuf::from(s)
}

fn append(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o640)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_both_forms_and_rotates() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = ClusterLog::open(dir.path(), 300).unwrap();
        let rec = LogRecord::resource_state("app", "n1", rgm_core::engine::RState::Online);
        log.write(Time(0), &rec);
        let human = fs::read_to_string(dir.path().join("cluster.log")).unwrap();
        assert_eq!(
            human,
            "1970-01-01T00:00:00.000Z Cluster.RGM.global.rgmd: [ID 443746 daemon.notice] resource app state on node n1 change to R_ONLINE\n"
        );
        let json: serde_json::Value = serde_json::from_str(
            fs::read_to_string(dir.path().join("cluster.log.json"))
                .unwrap()
                .trim(),
        )
        .unwrap();
        assert_eq!(json["id"], 443746);
        assert_eq!(json["fields"]["state"], "R_ONLINE");
        for _ in 0..5 {
            log.write(Time(0), &rec);
        }
        assert!(dir.path().join("cluster.log.1").exists());
        assert!(dir.path().join("cluster.log.json.1").exists());
        assert!(fs::metadata(dir.path().join("cluster.log")).unwrap().len() <= 300);
    }
}
