//! The socket's file: one rgmd per socket path, and reachable by every local user.
//!
//! Before it touches the path, rgmd takes an exclusive `flock` on a lock file beside it,
//! `<socket>.lock`, and holds it while it runs: a second rgmd given the same socket (even with
//! another state directory) finds the lock taken and stops, naming the holder's pid, so two
//! daemons can never listen on one path. Only the lock's holder removes a socket file left by a
//! dead daemon. The lock file itself is never removed (removing it would let two daemons lock
//! two different files of the same name).
//!
//! The socket is mode 0666 and a directory rgmd creates for it 0755: any local user may connect
//! and read; who may change is decided per request from the peer's credentials (SO_PEERCRED,
//! [`crate::server`]). A directory that others cannot search keeps them out, and rgmd warns.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use nix::fcntl::{Flock, FlockArg};
use tokio::net::UnixListener;

/// The lock that makes rgmd the one owner of its socket path.
#[derive(Debug)]
pub struct SocketLock {
    _file: Flock<File>,
}

/// The lock file of a socket path.
pub fn lock_path(socket: &Path) -> PathBuf {
    let mut name = socket.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// The socket locks this process holds: until it exits, so that it removes its socket file on
/// the way out still holding the lock.
static HELD: std::sync::Mutex<Vec<SocketLock>> = std::sync::Mutex::new(Vec::new());

/// Locks the socket path (for as long as this process lives), removes a dead daemon's socket
/// file, and listens.
pub fn bind(socket: &Path) -> anyhow::Result<UnixListener> {
    if let Some(dir) = socket.parent().filter(|d| !d.as_os_str().is_empty()) {
        prepare_directory(dir)?;
    }
    let lock = lock(socket)?;
    match std::fs::symlink_metadata(socket) {
        Ok(meta) if meta.file_type().is_socket() => {
            // Ours to remove: we hold the lock, so its daemon is gone (or is an rgmd too old
            // to lock; the connection test below keeps that one safe).
            if std::os::unix::net::UnixStream::connect(socket).is_ok() {
                bail!("{} is in use by another running rgmd", socket.display());
            }
            std::fs::remove_file(socket)
                .with_context(|| format!("cannot remove the stale socket {}", socket.display()))?;
        }
        Ok(_) => bail!(
            "{} exists and is not a socket; rgmd will not remove it: move it away or give \
             another --socket",
            socket.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot examine {}", socket.display())),
    }
    let listener = UnixListener::bind(socket)
        .with_context(|| format!("cannot listen on {}", socket.display()))?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o666))
        .with_context(|| format!("cannot set the permissions of {}", socket.display()))?;
    HELD.lock().unwrap_or_else(|e| e.into_inner()).push(lock);
    Ok(listener)
}

/// Creates the socket's directory (searchable by all) or checks that others can reach it.
fn prepare_directory(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        // The umask may have taken bits away.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot set the permissions of {}", dir.display()))?;
        return Ok(());
    }
    if let Ok(meta) = std::fs::metadata(dir)
        && meta.mode() & 0o001 == 0
    {
        tracing::warn!(
            "the socket's directory {} (mode {:04o}) is not searchable by other users: only \
             its owner and group can run the commands",
            dir.display(),
            meta.mode() & 0o7777
        );
    }
    Ok(())
}

fn lock(socket: &Path) -> anyhow::Result<SocketLock> {
    let path = lock_path(socket);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&path)
        .with_context(|| format!("cannot open the socket's lock file {}", path.display()))?;
    let mut file = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(locked) => locked,
        Err((mut file, _)) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = match holder.trim() {
                "" => String::new(),
                pid => format!(" (pid {pid})"),
            };
            bail!(
                "{} is in use by another rgmd{holder}, which holds {}",
                socket.display(),
                path.display()
            );
        }
    };
    // Who holds it, for the message above.
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = writeln!(file, "{}", std::process::id());
    Ok(SocketLock { _file: file })
}
