//! Reads a run's stdout and stderr pipes into a [`Collector`].
//!
//! While the method runs, [`Capture::next`] waits for either pipe to have data and feeds it to
//! the collector. When the method's main process has ended, [`Capture::drain_now`] takes what
//! is already in the pipes, without waiting for end-of-file, and [`Capture::finish`] ends the
//! run. Pipes still held open by processes the method left behind are then read and discarded
//! in the background until those processes close them, so that a daemon which kept its stdout
//! does not die of `SIGPIPE` on its next write.

use std::io;
use std::os::fd::OwnedFd;

use crate::output::{CapturedOutput, Collector, Stream};
use crate::pipe::PipeReader;

/// Size of the first reads; a read that fills the buffer doubles it, up to [`CHUNK`]. Quiet
/// methods keep a small buffer: with thousands of runs at once, buffers are most of the
/// daemon's memory.
const FIRST_CHUNK: usize = 4 * 1024;
/// Largest read: a pipe's default capacity.
const CHUNK: usize = 64 * 1024;

/// Most bytes [`Capture::drain_now`] takes from each pipe after the main process has ended, so
/// that a leftover process writing without pause cannot hold the run open.
const DRAIN_LIMIT: usize = 1024 * 1024;

/// The reading side of a run's output.
#[derive(Debug)]
pub(crate) struct Capture {
    readers: [Option<PipeReader>; 2],
    buf: Vec<u8>,
    collector: Collector,
}

/// What one read gave.
enum Read {
    Data(Stream, usize),
    Closed(Stream),
    Stale,
}

impl Capture {
    /// Reads the pipes `stdout` and `stderr` (read ends) into `collector`.
    pub(crate) fn new(stdout: OwnedFd, stderr: OwnedFd, collector: Collector) -> io::Result<Self> {
        Ok(Capture {
            readers: [
                Some(PipeReader::new(stdout)?),
                Some(PipeReader::new(stderr)?),
            ],
            buf: Vec::new(),
            collector,
        })
    }

    /// True while a pipe is open.
    pub(crate) fn active(&self) -> bool {
        self.readers.iter().any(Option::is_some)
    }

    /// Waits for data on either pipe and takes one chunk of it. Cancel-safe: nothing is read
    /// before the last await. Pending for ever once both pipes are closed.
    pub(crate) async fn next(&mut self) {
        let Capture {
            readers,
            buf,
            collector,
        } = self;
        if buf.is_empty() {
            buf.resize(FIRST_CHUNK, 0);
        }
        let read = read_either(readers, buf).await;
        match read {
            Read::Data(stream, n) => {
                collector.feed(stream, &buf[..n]);
                grow_if_full(buf, n);
            }
            Read::Closed(stream) => readers[index(stream)] = None,
            Read::Stale => {}
        }
    }

    /// Takes what is in the pipes now, up to [`DRAIN_LIMIT`] bytes each, without waiting.
    pub(crate) fn drain_now(&mut self) {
        for stream in [Stream::Stdout, Stream::Stderr] {
            let idx = index(stream);
            let mut taken = 0;
            while taken < DRAIN_LIMIT {
                let Some(reader) = self.readers[idx].as_ref() else {
                    break;
                };
                if self.buf.is_empty() {
                    self.buf.resize(FIRST_CHUNK, 0);
                }
                match reader.read_now(&mut self.buf) {
                    Ok(None) => break,
                    Ok(Some(0)) | Err(_) => self.readers[idx] = None,
                    Ok(Some(n)) => {
                        taken += n;
                        self.collector.feed(stream, &self.buf[..n]);
                        grow_if_full(&mut self.buf, n);
                    }
                }
            }
        }
    }

    /// Ends the run's capture. Pipes that are still open are read and discarded in the
    /// background until their writers close them.
    pub(crate) fn finish(self) -> CapturedOutput {
        let [out, err] = self.readers;
        if out.is_some() || err.is_some() {
            tokio::spawn(discard_until_closed([out, err]));
        }
        self.collector.finish()
    }
}

/// Doubles the read buffer (up to [`CHUNK`]) after a read that filled it.
fn grow_if_full(buf: &mut Vec<u8>, read: usize) {
    if read == buf.len() && buf.len() < CHUNK {
        buf.resize((buf.len() * 2).min(CHUNK), 0);
    }
}

/// Waits for either pipe and reads once from it.
async fn read_either(readers: &[Option<PipeReader>; 2], buf: &mut [u8]) -> Read {
    let [out, err] = readers;
    let (stream, reader) = tokio::select! {
        Some(r) = ready(out.as_ref()) => (Stream::Stdout, r),
        Some(r) = ready(err.as_ref()) => (Stream::Stderr, r),
        else => return std::future::pending().await,
    };
    match reader.try_read(buf) {
        Ok(Some(0)) | Err(_) => Read::Closed(stream),
        Ok(Some(n)) => Read::Data(stream, n),
        Ok(None) => Read::Stale,
    }
}

/// Waits for `reader` to look readable; a pipe whose readiness cannot be watched is reported
/// at once (its read then fails and closes it).
async fn ready(reader: Option<&PipeReader>) -> Option<&PipeReader> {
    let reader = reader?;
    let _ = reader.ready().await;
    Some(reader)
}

fn index(stream: Stream) -> usize {
    match stream {
        Stream::Stdout => 0,
        Stream::Stderr => 1,
    }
}

async fn discard_until_closed(mut readers: [Option<PipeReader>; 2]) {
    let mut buf = vec![0u8; FIRST_CHUNK];
    let mut discarded = 0u64;
    while readers.iter().any(Option::is_some) {
        match read_either(&readers, &mut buf).await {
            Read::Data(_, n) => discarded += n as u64,
            Read::Closed(stream) => readers[index(stream)] = None,
            Read::Stale => {}
        }
    }
    tracing::debug!(
        discarded,
        "processes left behind by a method closed its output pipes"
    );
}
