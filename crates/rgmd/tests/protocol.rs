//! rgmd at the protocol level: the handshake, a view, bad frames that must not hurt it, a
//! client of another protocol version, and a clean stop on SIGTERM.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rgm_proto::{Hello, HelloReply, Query, Request, Response, read_frame, write_frame};

struct Daemon {
    child: Child,
    dir: tempfile::TempDir,
}

impl Daemon {
    fn start() -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_rgmd"))
            .args(["--node", "n1", "--state-dir"])
            .arg(dir.path())
            .arg("--socket")
            .arg(dir.path().join("rgmd.sock"))
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let d = Daemon { child, dir };
        wait_for(
            || UnixStream::connect(d.socket()).is_ok(),
            "the socket to accept",
        );
        d
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("rgmd.sock")
    }

    fn connect(&self) -> UnixStream {
        let mut s = UnixStream::connect(self.socket()).unwrap();
        write_frame(&mut s, &Hello::new("test")).unwrap();
        match read_frame::<HelloReply>(&mut s).unwrap() {
            HelloReply::Welcome { node, .. } => assert_eq!(node, "n1"),
            other => panic!("{other:?}"),
        }
        s
    }

    fn view(&self) -> Response {
        let mut s = self.connect();
        write_frame(&mut s, &Request::Query(Query::View)).unwrap();
        read_frame(&mut s).unwrap()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for(mut cond: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn raw(path: &Path, bytes: &[u8]) -> Option<Response> {
    let mut s = UnixStream::connect(path).unwrap();
    write_frame(&mut s, &Hello::new("test")).unwrap();
    let _: HelloReply = read_frame(&mut s).unwrap();
    s.write_all(bytes).unwrap();
    let _ = s.shutdown(std::net::Shutdown::Write);
    read_frame(&mut s).ok()
}

#[test]
fn handshake_and_view() {
    let d = Daemon::start();
    match d.view() {
        Response::View(v) => {
            assert_eq!(v.node, "n1");
            assert_eq!(v.nodes.len(), 1);
            assert!(v.nodes[0].up);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_frames_get_an_error_and_the_daemon_carries_on() {
    let d = Daemon::start();
    let malformed = [&5u32.to_be_bytes()[..], b"{oops"].concat();
    match raw(&d.socket(), &malformed) {
        Some(Response::Refused { code, messages }) => {
            assert_eq!(code, rgm_core::ErrorCode::Inval);
            assert!(messages[0].contains("malformed"), "{messages:?}");
        }
        other => panic!("{other:?}"),
    }
    let oversized = u32::MAX.to_be_bytes();
    match raw(&d.socket(), &oversized) {
        Some(Response::Refused { messages, .. }) => {
            assert!(messages[0].contains("larger than the limit"))
        }
        other => panic!("{other:?}"),
    }
    let truncated = [&100u32.to_be_bytes()[..], b"{\"req"].concat();
    match raw(&d.socket(), &truncated) {
        Some(Response::Refused { messages, .. }) => {
            assert!(messages[0].contains("middle of a frame"))
        }
        other => panic!("{other:?}"),
    }
    // Still serving.
    assert!(matches!(d.view(), Response::View(_)));
}

#[test]
fn a_client_of_another_version_is_told_so() {
    let d = Daemon::start();
    let mut s = UnixStream::connect(d.socket()).unwrap();
    write_frame(
        &mut s,
        &Hello {
            version: 99,
            client: "future".into(),
            progress: false,
        },
    )
    .unwrap();
    match read_frame::<HelloReply>(&mut s).unwrap() {
        HelloReply::Unsupported { supported, message } => {
            assert_eq!(supported, rgm_proto::PROTOCOL_VERSION);
            assert!(message.contains("version 99"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_version_1_client_is_still_served_in_its_version() {
    let d = Daemon::start();
    let mut s = UnixStream::connect(d.socket()).unwrap();
    let hello = Hello {
        version: rgm_proto::OLDEST_PROTOCOL_VERSION,
        client: "older".into(),
        progress: false,
    };
    write_frame(&mut s, &hello).unwrap();
    match read_frame::<HelloReply>(&mut s).unwrap() {
        HelloReply::Welcome { version, .. } => assert_eq!(version, 1),
        other => panic!("{other:?}"),
    }
    write_frame(&mut s, &Request::Query(Query::View)).unwrap();
    assert!(matches!(
        read_frame::<Response>(&mut s).unwrap(),
        Response::View(_)
    ));
}

#[test]
fn sigterm_stops_cleanly_and_the_configuration_stays() {
    let mut d = Daemon::start();
    let pid = nix::unistd::Pid::from_raw(d.child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = d.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let store = rgm_store::LocalStore::open_read_only(d.dir.path()).unwrap();
    assert!(store.get("config/cluster").unwrap().is_some());
    assert!(store.get("config/node/n1").unwrap().is_some());
    assert!(
        store.range("state/").unwrap().kvs.is_empty(),
        "a clean stop forgets the runtime state"
    );
    let log = std::fs::read_to_string(d.dir.path().join("cluster.log")).unwrap();
    assert!(
        log.contains("stopped; its resource groups are offline"),
        "{log}"
    );
    assert!(!d.socket().exists());
}

#[test]
fn a_stored_configuration_that_breaks_the_rules_is_refused_not_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = rgm_core::testkit::cluster(&["n1"]);
    rgm_core::testkit::group(&mut cfg, "ga", &[]);
    rgm_core::testkit::group(&mut cfg, "gb", &["RG_dependencies=ga"]);
    // Edited by hand into a cycle.
    cfg.groups.get_mut("ga").unwrap().properties.insert(
        "RG_dependencies".into(),
        rtreg::Value::Array(vec!["gb".into()]),
    );
    let text = rgm_core::serial::to_json(&cfg);
    std::fs::write(dir.path().join("config.json"), &text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rgmd"))
        .args(["--node", "n1", "--state-dir"])
        .arg(dir.path())
        .arg("--socket")
        .arg(dir.path().join("rgmd.sock"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config.json: cannot migrate: the stored configuration breaks rgm's rules"),
        "{err}"
    );
    assert!(
        err.contains("would make a dependency cycle: ga -> gb -> ga"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("config.json")).unwrap(),
        text
    );
}
