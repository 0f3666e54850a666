//! Hostile and careless clients against the real rgmd (issue 10, findings 3 and 7): too many
//! connections, a handshake or a request that never comes, requests announcing more than they
//! send or more than rgmd reads, and a second rgmd on the same socket. Each is refused with a
//! message saying why, and rgmd goes on serving.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rgm_proto::limits::{LARGE_REQUESTS_BUDGET, MAX_REQUEST};
use rgm_proto::{Hello, HelloReply, Query, Request, Response, read_frame, write_frame};

/// rgmd in a temporary directory, its socket in a directory of its own.
struct Daemon {
    child: Child,
    dir: tempfile::TempDir,
    socket: PathBuf,
}

impl Daemon {
    fn start(options: &[&str]) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("run/rgmd.sock");
        let child = spawn(&dir.path().join("state"), &socket, options);
        let d = Daemon { child, dir, socket };
        wait_for("the socket to answer", || d.try_view().is_some());
        d
    }

    fn connect(&self) -> UnixStream {
        let mut s = UnixStream::connect(&self.socket).unwrap();
        write_frame(&mut s, &Hello::new("test")).unwrap();
        match read_frame::<HelloReply>(&mut s).unwrap() {
            HelloReply::Welcome { .. } => s,
            other => panic!("{other:?}"),
        }
    }

    fn try_view(&self) -> Option<Response> {
        let mut s = UnixStream::connect(&self.socket).ok()?;
        write_frame(&mut s, &Hello::new("test")).ok()?;
        match read_frame::<HelloReply>(&mut s).ok()? {
            HelloReply::Welcome { .. } => {}
            _ => return None,
        }
        write_frame(&mut s, &Request::Query(Query::View)).ok()?;
        read_frame(&mut s).ok()
    }

    fn serves(&self) -> bool {
        matches!(self.try_view(), Some(Response::View(_)))
    }

    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(state: &Path, socket: &Path, options: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_rgmd"))
        .args(["--node", "n1", "--state-dir"])
        .arg(state)
        .arg("--socket")
        .arg(socket)
        .args(options)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether rgmd has closed this connection: a read ends (with nothing or an error) before the
/// deadline, where an open idle connection would block.
fn closed_by_rgmd(s: &mut UnixStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut buf = [0u8; 64];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return false,
            Err(_) => return true,
        }
    }
}

#[test]
fn connections_past_the_limit_are_refused_with_a_reason() {
    let d = Daemon::start(&["--max-clients", "4"]);
    let mut held: Vec<UnixStream> = (0..4).map(|_| d.connect()).collect();
    let mut fifth = UnixStream::connect(&d.socket).unwrap();
    let _ = write_frame(&mut fifth, &Hello::new("test"));
    match read_frame::<HelloReply>(&mut fifth).unwrap() {
        HelloReply::Refused { code, message } => {
            assert_eq!(code, rgm_core::ErrorCode::Internal);
            assert_eq!(
                message,
                "rgmd is serving its limit of 4 connections; try again"
            );
        }
        other => panic!("{other:?}"),
    }
    // A connection closed frees its place.
    held.pop();
    wait_for("a place to free", || d.serves());
    drop(held);
}

#[test]
fn a_handshake_or_a_request_that_does_not_come_is_timed_out() {
    let d = Daemon::start(&["--handshake-timeout", "1", "--idle-timeout", "1"]);
    // Nothing at all, then half a handshake.
    let mut silent = UnixStream::connect(&d.socket).unwrap();
    assert!(closed_by_rgmd(&mut silent), "a silent client is dropped");
    let mut half = UnixStream::connect(&d.socket).unwrap();
    half.write_all(&[0, 0, 0, 40, b'{']).unwrap();
    assert!(closed_by_rgmd(&mut half), "half a handshake is dropped");
    // Greeted, then idle; then greeted with half a request.
    let mut idle = d.connect();
    assert!(closed_by_rgmd(&mut idle), "an idle client is dropped");
    let mut slow = d.connect();
    slow.write_all(&[0, 0, 0, 100, b'{']).unwrap();
    assert!(
        closed_by_rgmd(&mut slow),
        "a request never finished is dropped"
    );
    assert!(d.serves());
}

#[test]
fn requests_are_bounded_in_size_and_in_memory_across_connections() {
    let d = Daemon::start(&[]);
    // Over the request limit: refused with the size and the limit, before it is read.
    let mut s = d.connect();
    let size = MAX_REQUEST + 1;
    s.write_all(&(size as u32).to_be_bytes()).unwrap();
    match read_frame::<Response>(&mut s).unwrap() {
        Response::Refused { code, messages } => {
            assert_eq!(code, rgm_core::ErrorCode::Inval);
            assert_eq!(
                messages,
                [format!(
                    "bad request: frame of {size} bytes is larger than the limit of {MAX_REQUEST} bytes"
                )]
            );
        }
        other => panic!("{other:?}"),
    }
    // Large requests announced and barely begun fill the budget for large requests, without
    // the memory they announce; the next large one is refused, small ones are still served.
    let before = d.rss_kib();
    let each = MAX_REQUEST - 1;
    let fit = LARGE_REQUESTS_BUDGET / each;
    let mut partial: Vec<UnixStream> = (0..fit)
        .map(|_| {
            let mut s = d.connect();
            s.write_all(&(each as u32).to_be_bytes()).unwrap();
            s.write_all(b"{\"request\":").unwrap();
            s
        })
        .collect();
    let mut refused = None;
    wait_for("the budget to be taken and the next refused", || {
        let mut s = d.connect();
        s.write_all(&(each as u32).to_be_bytes()).unwrap();
        match read_frame::<Response>(&mut s) {
            Ok(Response::Refused { messages, .. }) => {
                refused = Some(messages);
                true
            }
            _ => false,
        }
    });
    assert_eq!(
        refused.unwrap(),
        [format!(
            "rgmd has no room now for a request of {each} bytes (it reads at most \
             {LARGE_REQUESTS_BUDGET} bytes of large requests at once); try again"
        )]
    );
    assert!(d.serves(), "small requests are still read");
    let grown = d.rss_kib().saturating_sub(before);
    assert!(
        grown < 32 * 1024,
        "{fit} requests of {each} bytes announced grew rgmd by {grown} KiB"
    );
    // Finished or abandoned, they give their room back.
    partial.clear();
    wait_for("the budget to be given back", || {
        let mut s = d.connect();
        s.write_all(&(each as u32).to_be_bytes()).unwrap();
        s.write_all(b"x").unwrap();
        let _ = s.shutdown(std::net::Shutdown::Write);
        matches!(read_frame::<Response>(&mut s), Ok(Response::Refused { messages, .. })
            if messages[0].contains("middle of a frame"))
    });
}

#[test]
fn two_rgmd_never_listen_on_one_socket() {
    let first = Daemon::start(&[]);
    let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
    let socket_inode = inode(&first.socket);
    // Another state directory, the same socket.
    let other_state = first.dir.path().join("other-state");
    let second = spawn(&other_state, &first.socket, &[])
        .wait_with_output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2));
    let err = String::from_utf8_lossy(&second.stderr);
    let lock = format!("{}.lock", first.socket.display());
    assert!(
        err.contains(&format!(
            "{} is in use by another rgmd (pid {}), which holds {lock}",
            first.socket.display(),
            first.child.id()
        )),
        "{err}"
    );
    assert_eq!(
        inode(&first.socket),
        socket_inode,
        "the socket was left alone"
    );
    assert!(first.serves());
}

#[test]
fn a_dead_daemons_socket_is_replaced_and_anything_else_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("rgmd.sock");
    // A socket file nobody listens on any more.
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    let mut d = Daemon {
        child: spawn(&dir.path().join("state"), &socket, &[]),
        dir,
        socket: socket.clone(),
    };
    wait_for("rgmd to take the stale socket", || d.serves());
    d.child.kill().unwrap();
    d.child.wait().unwrap();
    // A regular file where the socket should be is not rgmd's to remove.
    std::fs::remove_file(&socket).unwrap();
    std::fs::write(&socket, "precious").unwrap();
    let out = spawn(&d.dir.path().join("state"), &socket, &[])
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("exists and is not a socket"), "{err}");
    assert_eq!(std::fs::read_to_string(&socket).unwrap(), "precious");
}

#[test]
fn the_socket_and_its_directory_let_every_user_in() {
    use std::os::unix::fs::PermissionsExt;
    let d = Daemon::start(&[]);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&d.socket), 0o666);
    assert_eq!(mode(d.socket.parent().unwrap()), 0o755);
}
