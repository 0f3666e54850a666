//! A quick question to rgmd for helpers that must never hang or complain — `cllog` finding
//! the log, shell completion listing names: connect, shake hands and ask, each step within
//! [`TIMEOUT`]; any failure is `None`.

use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use rgm_proto::{Hello, HelloReply, Request, Response, read_frame, write_frame};

/// How long each step may take.
pub const TIMEOUT: Duration = Duration::from_millis(500);

/// Asks rgmd at `socket` one question; `client` names the asker in the daemon's log.
pub fn ask(socket: &Path, client: &str, request: &Request) -> Option<Response> {
    let mut stream = UnixStream::connect(socket).ok()?;
    stream.set_read_timeout(Some(TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(TIMEOUT)).ok()?;
    write_frame(&mut stream, &Hello::new(client)).ok()?;
    match read_frame::<HelloReply>(&mut stream).ok()? {
        HelloReply::Welcome { .. } => {}
        HelloReply::Unsupported { .. } | HelloReply::Refused { .. } => return None,
    }
    write_frame(&mut stream, request).ok()?;
    read_frame(&mut stream).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_daemon_is_no_answer() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            ask(
                &dir.path().join("none.sock"),
                "test",
                &Request::Query(rgm_proto::Query::View)
            )
            .is_none()
        );
    }

    #[test]
    fn a_silent_daemon_is_no_answer_within_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("silent.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let started = std::time::Instant::now();
        assert!(ask(&path, "test", &Request::Query(rgm_proto::Query::View)).is_none());
        assert!(started.elapsed() < TIMEOUT * 4);
    }
}
