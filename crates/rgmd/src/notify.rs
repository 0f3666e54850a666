//! systemd's service notification (sd_notify), spoken directly: a datagram of `NAME=value`
//! lines to the socket `NOTIFY_SOCKET` names (a path, or `@name` for the abstract namespace).
//! Without `NOTIFY_SOCKET` (rgmd not started by systemd as `Type=notify`) nothing is sent.
//!
//! rgmd says `READY=1` once its socket is bound and served, so `systemctl start rgmd` returns
//! when commands can reach it, and `STOPPING=1` when SIGTERM or SIGINT begins taking this
//! node's groups offline.

use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixDatagram;
use std::path::Path;

use tokio::signal::unix::{SignalKind, signal};

/// The environment variable systemd sets for `Type=notify` services.
pub const NOTIFY_SOCKET_ENV: &str = "NOTIFY_SOCKET";

/// Sends `state` to systemd; `Ok(false)` when rgmd was not asked to notify.
pub fn notify(state: &str) -> io::Result<bool> {
    match std::env::var_os(NOTIFY_SOCKET_ENV) {
        Some(target) if !target.is_empty() => send(&target, state).map(|()| true),
        _ => Ok(false),
    }
}

fn send(target: &OsStr, state: &str) -> io::Result<()> {
    let socket = UnixDatagram::unbound()?;
    let bytes = target.as_bytes();
    if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
        socket.send_to_addr(state.as_bytes(), &addr)?;
    } else {
        socket.send_to(state.as_bytes(), Path::new(target))?;
    }
    Ok(())
}

/// Tells systemd rgmd serves on `socket` now, and arranges for `STOPPING=1` on SIGTERM or
/// SIGINT. Call once the socket is bound and its server runs.
pub fn ready(socket: &Path, node: &str) -> io::Result<()> {
    let said = notify(&format!(
        "READY=1\nSTATUS=serving node {node} on {}",
        socket.display()
    ));
    match said {
        Ok(false) => return Ok(()),
        Ok(true) => {}
        Err(e) => tracing::warn!("cannot tell systemd that rgmd is ready: {e}"),
    }
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        if let Err(e) = notify("STOPPING=1\nSTATUS=taking this node's resource groups offline") {
            tracing::warn!("cannot tell systemd that rgmd is stopping: {e}");
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_reaches_a_path_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let server = UnixDatagram::bind(&path).unwrap();
        send(path.as_os_str(), "READY=1").unwrap();
        let mut buf = [0u8; 64];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
    }

    #[test]
    fn a_state_reaches_an_abstract_socket() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("rgmd-notify-test-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let server = UnixDatagram::bind_addr(&addr).unwrap();
        send(OsStr::new(&format!("@{name}")), "STOPPING=1").unwrap();
        let mut buf = [0u8; 64];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"STOPPING=1");
    }

    #[test]
    fn a_missing_socket_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(send(dir.path().join("none").as_os_str(), "READY=1").is_err());
    }
}
