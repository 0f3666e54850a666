//! rgmd as a system service: systemd's readiness and stopping notices, the journal, SIGHUP
//! reopening the cluster log, one record's cap, and the log read without `--state-dir`.

use std::os::unix::net::UnixDatagram;
use std::os::unix::process::CommandExt;
use std::time::Duration;

use rgm_e2e::{Cluster, kill, wait_for};

use crate::support::{group_with, set_mode};

/// The next datagram on `socket`, within 30 s.
fn receive(socket: &UnixDatagram) -> String {
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let n = socket.recv(&mut buf).expect("a datagram within 30 s");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// The `NAME=value` fields of a journal entry (rgmd's values here have no newlines).
fn fields(entry: &str) -> Vec<(String, String)> {
    entry
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Reads a journal socket as it fills (a datagram socket holds only a few entries).
type Entries = std::sync::Arc<std::sync::Mutex<Vec<Vec<(String, String)>>>>;

struct Collector {
    entries: Entries,
    socket: UnixDatagram,
}

impl Collector {
    fn start(socket: UnixDatagram) -> Collector {
        let entries = Entries::default();
        let (into, from) = (std::sync::Arc::clone(&entries), socket.try_clone().unwrap());
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 16];
            // Ends when the test is done with it (shut down: a read of nothing).
            while let Ok(n @ 1..) = from.recv(&mut buf) {
                let entry = fields(&String::from_utf8_lossy(&buf[..n]));
                into.lock().unwrap().push(entry);
            }
        });
        Collector { entries, socket }
    }

    /// What arrived so far, once what rgmd sent before now has been read.
    fn entries(&self) -> Vec<Vec<(String, String)>> {
        // A marker sent after rgmd's entries comes after them in the queue.
        let marker = self.socket.local_addr().unwrap();
        let me = UnixDatagram::unbound().unwrap();
        me.send_to(b"RGM_TEST_MARKER=1\n", marker.as_pathname().unwrap())
            .unwrap();
        wait_for("the journal entries", Duration::from_secs(30), || {
            self.entries
                .lock()
                .unwrap()
                .iter()
                .any(|e| field(e, "RGM_TEST_MARKER").is_some())
        });
        self.entries.lock().unwrap().clone()
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.socket.shutdown(std::net::Shutdown::Both);
    }
}

#[test]
fn systemd_hears_ready_once_the_socket_serves_and_stopping_on_sigterm() {
    let mut c = Cluster::unbooted();
    let notify_path = c.dir.path().join("notify.sock");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    c.rgmd_env.push((
        "NOTIFY_SOCKET".into(),
        notify_path.to_string_lossy().into_owned(),
    ));
    c.spawn();
    let ready = receive(&notify);
    assert!(ready.lines().any(|l| l == "READY=1"), "{ready}");
    assert!(ready.contains("STATUS=serving node node1 on "), "{ready}");
    // Ready means served: the first command after it is answered.
    let r = c.run("scha_cluster_get", &["-O", "NODENAME_LOCAL"]);
    assert_eq!((r.code, r.stdout.trim()), (0, "node1"), "{}", r.stderr);
    kill(c.pid(), "TERM");
    let stopping = receive(&notify);
    assert!(stopping.lines().any(|l| l == "STOPPING=1"), "{stopping}");
    assert_eq!(c.stop_wait(), 0);
}

#[test]
fn under_systemd_records_go_to_the_journal_and_stderr_has_no_colour() {
    let mut c = Cluster::unbooted();
    let journal_path = c.dir.path().join("journal.sock");
    let journal = UnixDatagram::bind(&journal_path).unwrap();
    let stderr_path = c.dir.path().join("rgmd.stderr");
    std::fs::write(&stderr_path, "").unwrap();
    // systemd's JOURNAL_STREAM names the file stderr is: here, that file.
    let meta = std::fs::metadata(&stderr_path).unwrap();
    use std::os::unix::fs::MetadataExt;
    c.rgmd_env.push((
        "JOURNAL_STREAM".into(),
        format!("{}:{}", meta.dev(), meta.ino()),
    ));
    c.rgmd_stderr = Some(stderr_path.clone());
    c.rgmd_options = vec![
        "-vv".into(),
        "--journal-socket".into(),
        journal_path.to_string_lossy().into_owned(),
    ];
    // The file is truncated, not replaced, when rgmd starts: JOURNAL_STREAM still names it.
    c.boot();
    let journal = Collector::start(journal);
    group_with(&c, &[("db", &[])]);
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    let entries = journal.entries();
    let start = &entries[0];
    assert_eq!(field(start, "RGM_ID"), Some("300201"));
    assert_eq!(field(start, "SYSLOG_IDENTIFIER"), Some("rgmd"));
    assert_eq!(field(start, "RGM_NODE"), Some("node1"));
    assert!(
        field(start, "MESSAGE")
            .unwrap()
            .contains("starting on node node1")
    );
    let online = entries
        .iter()
        .find(|e| {
            field(e, "RGM_ID") == Some("529407") && field(e, "RGM_STATE") == Some("RG_ONLINE")
        })
        .unwrap_or_else(|| panic!("no RG_ONLINE entry among {entries:?}"));
    assert_eq!(field(online, "RGM_GROUP"), Some("rg1"));
    assert_eq!(field(online, "PRIORITY"), Some("5"));
    assert_eq!(
        field(online, "MESSAGE_ID"),
        Some("5f2a9c4e71d84b0f9e360000000813ff")
    );
    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
    assert!(!stderr.is_empty(), "-vv writes diagnostics");
    assert!(!stderr.contains('\u{1b}'), "ANSI codes on stderr: {stderr}");
}

#[test]
fn without_journal_stream_nothing_goes_to_the_journal() {
    let mut c = Cluster::unbooted();
    let journal_path = c.dir.path().join("journal.sock");
    let journal = UnixDatagram::bind(&journal_path).unwrap();
    c.rgmd_stderr = Some(c.dir.path().join("rgmd.stderr"));
    c.rgmd_options = vec![
        "-vv".into(),
        "--journal-socket".into(),
        journal_path.to_string_lossy().into_owned(),
    ];
    c.boot();
    c.ok("clresourcegroup", &["create", "rg1"]);
    // The record of the change was written (and would have been sent) before the reply.
    assert!(c.log().contains("rg1"));
    journal.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 16];
    assert!(
        journal.recv(&mut buf).is_err(),
        "an entry went to the journal"
    );
    let stderr = std::fs::read_to_string(c.dir.path().join("rgmd.stderr")).unwrap();
    assert!(!stderr.is_empty() && !stderr.contains('\u{1b}'), "{stderr}");
}

#[test]
fn sighup_reopens_the_cluster_log_and_rgmd_carries_on() {
    let mut c = Cluster::start();
    let state = c.state_dir();
    std::fs::rename(state.join("cluster.log"), state.join("old.log")).unwrap();
    std::fs::rename(state.join("cluster.log.json"), state.join("old.log.json")).unwrap();
    kill(c.pid(), "HUP");
    wait_for("a new cluster log", Duration::from_secs(30), || {
        c.log().contains("reopened the cluster log")
    });
    assert!(c.rgmd_running(), "SIGHUP ended rgmd");
    let new = c.log();
    assert!(new.contains("[ID 300201 daemon.notice]"), "{new}");
    assert!(new.contains("(SIGHUP)"), "{new}");
    assert!(
        !std::fs::read_to_string(state.join("old.log"))
            .unwrap()
            .contains("reopened")
    );
    // It still serves, and writes to the new files.
    c.ok("clresourcegroup", &["create", "rg1"]);
    assert!(c.log().contains("rg1"));
    let json = std::fs::read_to_string(state.join("cluster.log.json")).unwrap();
    assert!(json.contains("reopened the cluster log") && json.contains("rg1"));
}

#[test]
fn a_huge_status_message_is_capped_in_the_log() {
    let c = Cluster::start();
    group_with(&c, &[("db", &[])]);
    let message = "status ".repeat(15_000);
    c.ok(
        "scha_resource_setstatus",
        &["-R", "db", "-G", "rg1", "-s", "DEGRADED", "-m", &message],
    );
    let line = c
        .log()
        .lines()
        .find(|l| l.contains("[ID 922363 "))
        .map(str::to_string)
        .expect("a status message record");
    assert!(line.len() <= 8 * 1024 + 100, "{} bytes", line.len());
    assert!(line.ends_with(" bytes]"), "{}", &line[line.len() - 40..]);
    let json = std::fs::read_to_string(c.state_dir().join("cluster.log.json")).unwrap();
    assert!(json.lines().all(|l| l.len() < 40 * 1024));
}

#[test]
fn cllog_finds_the_log_by_asking_rgmd() {
    let c = Cluster::start();
    c.ok("clresourcegroup", &["create", "rg1"]);
    let out = std::process::Command::new(c.bin.join("cllog"))
        .args(["-g", "rg1"])
        .env("RGM_SOCKET", c.socket())
        .env_remove("RGM_STATE_DIR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("rg1"), "{stdout}");
    assert!(
        stdout.contains("Cluster.RGM.global.rgmd: [ID 529407 daemon.notice] resource group rg1"),
        "{stdout}"
    );
}

#[test]
fn any_local_user_may_read_the_cluster_log() {
    let c = Cluster::start();
    c.ok("clresourcegroup", &["create", "rg1"]);
    // The test's own directory is private; open the way to the state directory only.
    set_mode(c.dir.path(), 0o755);
    let out = std::process::Command::new(c.bin.join("cllog"))
        .arg("--state-dir")
        .arg(c.state_dir())
        .args(["-g", "rg1"])
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "nobody cannot read the log: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("rg1"), "{stdout}");
}
