//! journald, spoken to directly: the native protocol (one datagram per entry to
//! `/run/systemd/journal/socket`, `NAME=value` lines, or `NAME`, a little-endian 64-bit length
//! and the bytes for a value with a newline), and whether stderr is the journal
//! (`JOURNAL_STREAM` names the device and inode of the stream systemd connected it to).
//!
//! Every cluster-log record goes to the journal, when it is on, with its text as `MESSAGE`, its
//! severity as `PRIORITY`, its stable id as `RGM_ID` (and as a 128-bit `MESSAGE_ID`), and each
//! object it names as `RGM_<FIELD>` (`RGM_RESOURCE`, `RGM_GROUP`, `RGM_NODE`, ...).

use std::io;
use std::os::fd::AsFd;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};

use rgm_core::engine::Severity;

/// Where journald listens for native entries.
pub const SOCKET: &str = "/run/systemd/journal/socket";

/// The high 80 bits of every `MESSAGE_ID` rgm writes; the low 48 are the record's id, so
/// `journalctl MESSAGE_ID=…` matches one kind of record.
const MESSAGE_ID_PREFIX: &str = "5f2a9c4e71d84b0f9e36";

/// A connection to journald (an unbound datagram socket; entries are sent to its path).
pub struct Journal {
    socket: UnixDatagram,
    path: PathBuf,
    /// Entries the journal did not take (full, gone); said once on stderr.
    dropped: u64,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Journal({})", self.path.display())
    }
}

impl Journal {
    pub fn open(path: &Path) -> io::Result<Journal> {
        let socket = UnixDatagram::unbound()?;
        // A journal that cannot keep up loses entries; it never stalls the daemon.
        socket.set_nonblocking(true)?;
        Ok(Journal {
            socket,
            path: path.to_path_buf(),
            dropped: 0,
        })
    }

    /// Sends one cluster-log record.
    pub fn send(&mut self, id: u32, severity: Severity, text: &str, fields: &[(&str, &str)]) {
        let entry = entry(id, severity, text, fields);
        if let Err(e) = self.socket.send_to(&entry, &self.path) {
            if self.dropped == 0 {
                tracing::error!(
                    "cannot send a cluster-log record to the journal at {}: {e}",
                    self.path.display()
                );
            }
            self.dropped += 1;
        }
    }
}

/// The datagram of one record.
pub fn entry(id: u32, severity: Severity, text: &str, fields: &[(&str, &str)]) -> Vec<u8> {
    let priority = match severity {
        Severity::Notice => "5",
        Severity::Warning => "4",
        Severity::Error => "3",
    };
    let mut out = Vec::with_capacity(text.len() + 256);
    field(&mut out, "MESSAGE", text);
    field(&mut out, "PRIORITY", priority);
    field(&mut out, "SYSLOG_IDENTIFIER", "rgmd");
    // LOG_DAEMON, as Solaris Cluster's rgmd logs.
    field(&mut out, "SYSLOG_FACILITY", "3");
    field(&mut out, "MESSAGE_ID", &message_id(id));
    field(&mut out, "RGM_ID", &id.to_string());
    for (name, value) in fields {
        field(&mut out, &field_name(name), value);
    }
    out
}

/// The journal's `MESSAGE_ID` (32 hex digits) of a record id.
pub fn message_id(id: u32) -> String {
    format!("{MESSAGE_ID_PREFIX}{id:012x}")
}

/// `resource` → `RGM_RESOURCE`: upper-case letters, digits and `_` only.
fn field_name(name: &str) -> String {
    let mut out = String::from("RGM_");
    out.extend(name.chars().map(|c| match c {
        'a'..='z' => c.to_ascii_uppercase(),
        'A'..='Z' | '0'..='9' => c,
        _ => '_',
    }));
    out
}

fn field(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    if value.contains('\n') {
        out.push(b'\n');
        out.extend_from_slice(&(value.len() as u64).to_le_bytes());
        out.extend_from_slice(value.as_bytes());
    } else {
        out.push(b'=');
        out.extend_from_slice(value.as_bytes());
    }
    out.push(b'\n');
}

/// Whether stderr is the stream systemd connected to the journal: `JOURNAL_STREAM`
/// (`DEVICE:INODE`) names the file stderr is.
pub fn stderr_is_journal() -> bool {
    let Some(stream) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    let Ok(stat) = nix::sys::stat::fstat(io::stderr().as_fd()) else {
        return false;
    };
    stream.to_string_lossy() == format!("{}:{}", stat.st_dev, stat.st_ino)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a native-protocol datagram back into (name, value) pairs.
    fn parse(mut d: &[u8]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        while !d.is_empty() {
            let nl = d.iter().position(|&b| b == b'\n').unwrap();
            let line = &d[..nl];
            if let Some(eq) = line.iter().position(|&b| b == b'=') {
                out.push((
                    String::from_utf8_lossy(&line[..eq]).into_owned(),
                    String::from_utf8_lossy(&line[eq + 1..]).into_owned(),
                ));
                d = &d[nl + 1..];
            } else {
                let len = u64::from_le_bytes(d[nl + 1..nl + 9].try_into().unwrap()) as usize;
                let value = &d[nl + 9..nl + 9 + len];
                out.push((
                    String::from_utf8_lossy(line).into_owned(),
                    String::from_utf8_lossy(value).into_owned(),
                ));
                assert_eq!(d[nl + 9 + len], b'\n');
                d = &d[nl + 10 + len..];
            }
        }
        out
    }

    #[test]
    fn a_record_becomes_one_entry_with_its_objects_as_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sock");
        let server = UnixDatagram::bind(&path).unwrap();
        let mut j = Journal::open(&path).unwrap();
        j.send(
            443746,
            Severity::Warning,
            "resource web state on node n1 change to R_ONLINE",
            &[("resource", "web"), ("node", "n1"), ("state", "R_ONLINE")],
        );
        let mut buf = vec![0u8; 65536];
        let n = server.recv(&mut buf).unwrap();
        let fields = parse(&buf[..n]);
        let get = |k: &str| {
            fields
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("no {k} in {fields:?}"))
        };
        assert_eq!(
            get("MESSAGE"),
            "resource web state on node n1 change to R_ONLINE"
        );
        assert_eq!(get("PRIORITY"), "4");
        assert_eq!(get("SYSLOG_IDENTIFIER"), "rgmd");
        assert_eq!(get("RGM_ID"), "443746");
        assert_eq!(get("MESSAGE_ID"), "5f2a9c4e71d84b0f9e3600000006c562");
        assert_eq!(get("MESSAGE_ID").len(), 32);
        assert_eq!(get("RGM_RESOURCE"), "web");
        assert_eq!(get("RGM_NODE"), "n1");
        assert_eq!(get("RGM_STATE"), "R_ONLINE");
    }

    #[test]
    fn a_value_with_a_newline_is_sent_with_its_length() {
        let e = entry(1, Severity::Notice, "two\nlines", &[("odd-name", "v")]);
        let fields = parse(&e);
        assert_eq!(fields[0], ("MESSAGE".into(), "two\nlines".into()));
        assert!(fields.contains(&("RGM_ODD_NAME".into(), "v".into())));
    }

    #[test]
    fn a_missing_journal_loses_entries_without_failing() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("none")).unwrap();
        j.send(1, Severity::Notice, "x", &[]);
        j.send(1, Severity::Notice, "x", &[]);
        assert_eq!(j.dropped, 2);
    }
}
