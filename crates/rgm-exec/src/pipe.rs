//! Pipes for a method's stdout and stderr.
//!
//! rgm makes the pipes itself (close-on-exec, read ends non-blocking) rather than using the
//! runtime's child pipes, because it needs one thing those do not offer: after the method's main
//! process has exited, read what is *already* in the pipe without waiting for end-of-file. A
//! START method often leaves a daemon behind that inherited its stdout and keeps the pipe open
//! for as long as it lives; waiting for EOF would wait for the daemon.

use std::io;
use std::os::fd::{AsFd as _, OwnedFd};

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use tokio::net::unix::pipe::Receiver;

/// Makes a pipe: `(read end, write end)`, both close-on-exec, the read end non-blocking (the
/// write end stays blocking: it becomes the method's stdout or stderr).
pub(crate) fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
    let flags = OFlag::from_bits_truncate(fcntl(&read, FcntlArg::F_GETFL)?);
    fcntl(&read, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    Ok((read, write))
}

/// The read end of a pipe, registered with the runtime.
#[derive(Debug)]
pub(crate) struct PipeReader {
    rx: Receiver,
}

impl PipeReader {
    /// Wraps a non-blocking read end made by [`pipe`]. Must be called inside a tokio runtime.
    pub(crate) fn new(fd: OwnedFd) -> io::Result<Self> {
        Ok(PipeReader {
            rx: Receiver::from_owned_fd_unchecked(fd)?,
        })
    }

    /// Waits until the pipe looks readable (data, end-of-file or an error).
    pub(crate) async fn ready(&self) -> io::Result<()> {
        self.rx.readable().await
    }

    /// Reads after [`ready`](Self::ready): `Ok(None)` when the readiness was stale, in which
    /// case the runtime forgets it and the next `ready` waits for new data. `Ok(Some(0))` is
    /// end-of-file.
    pub(crate) fn try_read(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        loop {
            match self.rx.try_read(buf) {
                Ok(n) => return Ok(Some(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads what is in the pipe right now, whether or not the runtime has noticed it yet (a
    /// real `read`, not the runtime's readiness-gated one): `Ok(None)` when it is empty but
    /// still open, `Ok(Some(0))` at end-of-file.
    pub(crate) fn read_now(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        loop {
            match nix::unistd::read(self.rx.as_fd(), buf) {
                Ok(n) => return Ok(Some(n)),
                Err(nix::errno::Errno::EAGAIN) => return Ok(None),
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_then_eof() {
        let (r, w) = pipe().unwrap();
        let reader = PipeReader::new(r).unwrap();
        let mut buf = [0u8; 16];
        nix::unistd::write(&w, b"abc").unwrap();
        assert_eq!(
            reader.read_now(&mut buf).unwrap(),
            Some(3),
            "no need to wait"
        );
        nix::unistd::write(&w, b"de").unwrap();
        reader.ready().await.unwrap();
        assert_eq!(reader.try_read(&mut buf).unwrap(), Some(2));
        assert_eq!(reader.try_read(&mut buf).unwrap(), None);
        assert_eq!(reader.read_now(&mut buf).unwrap(), None);
        drop(w);
        reader.ready().await.unwrap();
        assert_eq!(reader.read_now(&mut buf).unwrap(), Some(0));
    }
}
