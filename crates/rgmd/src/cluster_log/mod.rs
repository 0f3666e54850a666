//! The cluster log: every engine record, and every line methods write, as one human line in
//! the rgmd style (`STATE_DIR/cluster.log`) and as one JSON object (`STATE_DIR/cluster.log.json`),
//! both rotated by size (`.1` ... `.5`), and, when the journal is on, as a journal entry.
//! docs/cluster-log.md describes the forms.
//!
//! A record is bounded ([`bound`]): control characters escaped, text and values cut with their
//! length said. The files are world-readable (0644): any local user may read what rgmd
//! decided, as any may query the cluster's state (docs/operating.md). [`ClusterLog`] is a
//! cheap handle: the event loop writes through one, SIGHUP's task reopens the files through
//! another ([`reopen_on_sighup`]).

pub mod bound;

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context;
use serde::Serialize;
use tokio::signal::unix::{SignalKind, signal};

use rgm_core::engine::{LogRecord, Severity, Time};
use rgm_exec::OutputLine;
use rgm_proto::Response;

use crate::clock::{self, rfc3339};
use crate::journal::{self, Journal};
use crate::options::{JournalMode, Options};
use bound::{MAX_TEXT, MAX_VALUE, bounded};

/// The id of a line of method output.
pub const METHOD_OUTPUT: u32 = 300200;
/// The id of a daemon lifecycle record (start, stop, recovery, reopening the log).
pub const DAEMON: u32 = 300201;

const KEEP: usize = 5;
/// The log files' mode: readable by every local user.
const MODE: u32 = 0o644;

/// A handle on the cluster log; clones write to the same files.
#[derive(Clone)]
pub struct ClusterLog {
    files: Arc<Mutex<Files>>,
}

struct Files {
    human_path: PathBuf,
    json_path: PathBuf,
    human: File,
    json: File,
    max_bytes: u64,
    human_len: u64,
    json_len: u64,
    journal: Option<Journal>,
}

#[derive(Serialize)]
struct JsonRecord<'a> {
    time: String,
    id: u32,
    severity: Severity,
    text: &'a str,
    fields: BTreeMap<&'a str, &'a str>,
}

impl ClusterLog {
    pub fn open(dir: &Path, max_bytes: u64) -> std::io::Result<ClusterLog> {
        let human_path = dir.join("cluster.log");
        let json_path = dir.join("cluster.log.json");
        let human = append(&human_path)?;
        let json = append(&json_path)?;
        let files = Files {
            human_len: len(&human),
            json_len: len(&json),
            human_path,
            json_path,
            human,
            json,
            max_bytes,
            journal: None,
        };
        Ok(ClusterLog {
            files: Arc::new(Mutex::new(files)),
        })
    }

    /// The log rgmd's options ask for: the files in `state_dir`, and the journal when
    /// `--journal` says so (`auto`: when stderr is the journal).
    pub fn for_daemon(options: &Options, state_dir: &Path) -> anyhow::Result<ClusterLog> {
        let log = ClusterLog::open(state_dir, options.log_max_bytes)
            .with_context(|| format!("cannot open the cluster log in {}", state_dir.display()))?;
        let on = match options.journal {
            JournalMode::Auto => journal::stderr_is_journal(),
            JournalMode::Always => true,
            JournalMode::Never => false,
        };
        if on {
            let j = Journal::open(&options.journal_socket)
                .context("cannot open a socket for the journal")?;
            log.lock().journal = Some(j);
        }
        Ok(log)
    }

    fn lock(&self) -> MutexGuard<'_, Files> {
        // A panic while writing leaves nothing half-done that matters: go on.
        self.files.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn write(&self, at: Time, record: &LogRecord) {
        let text = bounded(&record.text, MAX_TEXT);
        let fields: Vec<(&str, std::borrow::Cow<'_, str>)> = record
            .fields
            .iter()
            .map(|(k, v)| (*k, bounded(v, MAX_VALUE)))
            .collect();
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_ref())).collect();
        let time = rfc3339(at);
        let level = match record.severity {
            Severity::Notice => "notice",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        let line = format!(
            "{time} Cluster.RGM.global.rgmd: [ID {} daemon.{level}] {text}\n",
            record.id
        );
        let json = JsonRecord {
            time,
            id: record.id,
            severity: record.severity,
            text: &text,
            fields: fields.iter().copied().collect(),
        };
        let mut json_line = serde_json::to_string(&json).expect("a record serialises");
        json_line.push('\n');
        let mut files = self.lock();
        files.append_both(&line, &json_line);
        if let Some(j) = files.journal.as_mut() {
            j.send(record.id, record.severity, &text, &fields);
        }
    }

    /// A line a method wrote.
    pub fn write_output(&self, at: Time, line: &OutputLine) {
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

    /// The files: the human lines and the JSON lines.
    pub fn paths(&self) -> (PathBuf, PathBuf) {
        let files = self.lock();
        (files.human_path.clone(), files.json_path.clone())
    }

    /// The answer to [`rgm_proto::Query::LogLocation`].
    pub fn location(&self) -> Response {
        let (human, json) = self.paths();
        Response::LogLocation {
            human: human.to_string_lossy().into_owned(),
            json: json.to_string_lossy().into_owned(),
        }
    }

    /// Opens the files again at their paths (after an administrator or a tool moved them
    /// aside), and says so in the new files.
    pub fn reopen(&self, why: &str, node: &str) -> std::io::Result<()> {
        let (human, json) = {
            let mut files = self.lock();
            files.reopen()?;
            (files.human_path.clone(), files.json_path.clone())
        };
        let text = format!(
            "rgmd on node {node} reopened the cluster log {} and {} ({why})",
            human.display(),
            json.display()
        );
        self.write(
            clock::now(),
            &LogRecord::decision(DAEMON, Severity::Notice, text, &[("node", node)]),
        );
        Ok(())
    }
}

/// SIGHUP reopens the cluster log (and no longer ends rgmd). The handler is in place when
/// this returns.
pub fn reopen_on_sighup(log: ClusterLog, node: &str) -> std::io::Result<()> {
    let mut hup = signal(SignalKind::hangup())?;
    let node = node.to_string();
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            if let Err(e) = log.reopen("SIGHUP", &node) {
                tracing::error!("SIGHUP: cannot reopen the cluster log: {e}");
            }
        }
    });
    Ok(())
}

impl Files {
    fn append_both(&mut self, human: &str, json: &str) {
        if self.human_len + human.len() as u64 > self.max_bytes
            || self.json_len + json.len() as u64 > self.max_bytes
        {
            self.rotate();
        }
        // A full disk must not stop the daemon; the failure goes to stderr.
        if let Err(e) = self.human.write_all(human.as_bytes()) {
            tracing::error!("cannot write {}: {e}", self.human_path.display());
        }
        if let Err(e) = self.json.write_all(json.as_bytes()) {
            tracing::error!("cannot write {}: {e}", self.json_path.display());
        }
        self.human_len += human.len() as u64;
        self.json_len += json.len() as u64;
    }

    fn rotate(&mut self) {
        for path in [&self.human_path, &self.json_path] {
            for i in (1..KEEP).rev() {
                let _ = fs::rename(numbered(path, i), numbered(path, i + 1));
            }
            let _ = fs::rename(path, numbered(path, 1));
        }
        if let Err(e) = self.reopen() {
            tracing::error!("cannot reopen the cluster log: {e}");
        }
    }

    fn reopen(&mut self) -> std::io::Result<()> {
        let human = append(&self.human_path)?;
        let json = append(&self.json_path)?;
        self.human_len = len(&human);
        self.json_len = len(&json);
        self.human = human;
        self.json = json;
        Ok(())
    }
}

fn numbered(path: &Path, i: usize) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{i}"));
    PathBuf::from(s)
}

fn len(file: &File) -> u64 {
    file.metadata().map(|m| m.len()).unwrap_or(0)
}

/// Opens a log file for appending, world-readable whatever the umask or an older rgm made it.
fn append(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(MODE)
        .open(path)?;
    let mode = file.metadata()?.permissions().mode() & 0o7777;
    if mode != MODE
        && let Err(e) = file.set_permissions(fs::Permissions::from_mode(MODE))
    {
        tracing::warn!("cannot make {} readable by every user: {e}", path.display());
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn json_lines(dir: &Path) -> Vec<serde_json::Value> {
        fs::read_to_string(dir.join("cluster.log.json"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn writes_both_forms_and_rotates() {
        let dir = tempfile::tempdir().unwrap();
        let log = ClusterLog::open(dir.path(), 300).unwrap();
        let rec = LogRecord::resource_state("app", "n1", rgm_core::engine::RState::Online);
        log.write(Time(0), &rec);
        let human = fs::read_to_string(dir.path().join("cluster.log")).unwrap();
        assert_eq!(
            human,
            "1970-01-01T00:00:00.000Z Cluster.RGM.global.rgmd: [ID 443746 daemon.notice] resource app state on node n1 change to R_ONLINE\n"
        );
        let json = &json_lines(dir.path())[0];
        assert_eq!(json["id"], 443746);
        assert_eq!(json["fields"]["state"], "R_ONLINE");
        for _ in 0..5 {
            log.write(Time(0), &rec);
        }
        assert!(dir.path().join("cluster.log.1").exists());
        assert!(dir.path().join("cluster.log.json.1").exists());
        // The JSON form is the longer: it too stays under the limit.
        for f in ["cluster.log", "cluster.log.json", "cluster.log.json.1"] {
            let len = fs::metadata(dir.path().join(f)).unwrap().len();
            assert!(len <= 300, "{f} is {len} bytes");
        }
    }

    #[test]
    fn one_record_is_capped_and_stays_on_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let log = ClusterLog::open(dir.path(), 10 << 20).unwrap();
        let huge = format!("line one\nFAKE RECORD {}", "m".repeat(1 << 20));
        let rec = LogRecord::decision(
            DAEMON,
            Severity::Warning,
            format!("status message: {huge}"),
            &[("resource", "web"), ("reason", &huge)],
        );
        log.write(Time(0), &rec);
        let human = fs::read_to_string(dir.path().join("cluster.log")).unwrap();
        assert_eq!(human.lines().count(), 1, "{}", &human[..200]);
        assert!(human.len() < MAX_TEXT + 100, "{} bytes", human.len());
        assert!(human.contains("line one\\nFAKE RECORD mmm"));
        assert!(
            human
                .trim_end()
                .ends_with(&format!("…[{} bytes]", huge.len() + 16))
        );
        let json_text = fs::read_to_string(dir.path().join("cluster.log.json")).unwrap();
        assert!(
            json_text.len() < 2 * (MAX_TEXT + 2 * MAX_VALUE),
            "{}",
            json_text.len()
        );
        let json = &json_lines(dir.path())[0];
        assert_eq!(json["fields"]["resource"], "web");
        let reason = json["fields"]["reason"].as_str().unwrap();
        assert!(reason.len() <= MAX_VALUE);
        assert!(
            reason.ends_with(&format!("…[{} bytes]", huge.len())),
            "{reason}"
        );
    }

    #[test]
    fn the_files_are_readable_by_every_user_whatever_they_were() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("cluster.log");
        fs::write(&old, "an older rgm's line\n").unwrap();
        fs::set_permissions(&old, fs::Permissions::from_mode(0o600)).unwrap();
        let _log = ClusterLog::open(dir.path(), 1 << 20).unwrap();
        for f in ["cluster.log", "cluster.log.json"] {
            let mode = fs::metadata(dir.path().join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o644, "{f}");
        }
    }

    #[test]
    fn reopening_starts_new_files_with_a_record_saying_so() {
        let dir = tempfile::tempdir().unwrap();
        let log = ClusterLog::open(dir.path(), 1 << 20).unwrap();
        let rec = LogRecord::resource_state("app", "n1", rgm_core::engine::RState::Online);
        log.write(Time(0), &rec);
        fs::rename(dir.path().join("cluster.log"), dir.path().join("moved")).unwrap();
        fs::rename(
            dir.path().join("cluster.log.json"),
            dir.path().join("moved.json"),
        )
        .unwrap();
        log.reopen("SIGHUP", "n1").unwrap();
        log.write(Time(0), &rec);
        let moved = fs::read_to_string(dir.path().join("moved")).unwrap();
        assert_eq!(moved.lines().count(), 1);
        let json = json_lines(dir.path());
        assert_eq!(json.len(), 2);
        assert_eq!(json[0]["id"], DAEMON);
        assert_eq!(json[0]["fields"]["node"], "n1");
        let text = json[0]["text"].as_str().unwrap();
        assert!(
            text.contains("reopened the cluster log") && text.contains("SIGHUP"),
            "{text}"
        );
        assert_eq!(json[1]["id"], 443746);
    }

    #[test]
    fn the_log_says_where_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let log = ClusterLog::open(dir.path(), 1 << 20).unwrap();
        match log.location() {
            Response::LogLocation { human, json } => {
                assert_eq!(human, dir.path().join("cluster.log").to_string_lossy());
                assert_eq!(json, dir.path().join("cluster.log.json").to_string_lossy());
            }
            other => panic!("{other:?}"),
        }
    }
}
