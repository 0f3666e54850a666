//! What a method writes: split into lines, forwarded to the cluster log, and a bounded tail.
//!
//! stdout and stderr are read concurrently. Each line becomes an [`OutputLine`] record tagged
//! with the method, resource, group and node. A line longer than [`MAX_LINE`] bytes is cut into
//! pieces of that size, so a flood without newlines is never buffered whole. Invalid UTF-8 is
//! replaced lossily.
//!
//! Two bounds keep a flooding method from exhausting memory:
//! - the run's [`CapturedOutput`] keeps only the last `output_limit` bytes of records (the whole
//!   output, for a short one such as VALIDATE's, which goes back to the administrator), and
//!   counts the rest;
//! - records are forwarded to the sink only until `forward_limit` bytes have been forwarded;
//!   after that they are counted, and one warning says so.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::UnboundedSender;

/// Longest line forwarded as one record; longer lines are cut into pieces of this size.
pub const MAX_LINE: usize = 4096;

/// Who ran what, attached to every line of output.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodTags {
    /// Method name, e.g. `START` or `VALIDATE`.
    pub method: String,
    /// Resource name.
    pub resource: String,
    /// Resource group name.
    pub group: String,
    /// Node name.
    pub node: String,
}

/// Which of the method's output streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl Stream {
    /// `stdout` or `stderr`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }

    fn index(self) -> usize {
        match self {
            Stream::Stdout => 0,
            Stream::Stderr => 1,
        }
    }
}

/// One line (or [`MAX_LINE`]-byte piece of a line) of a method's output, without its newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLine {
    /// The method run it came from.
    pub tags: Arc<MethodTags>,
    /// stdout or stderr.
    pub stream: Stream,
    /// The text, lossily converted to UTF-8.
    pub text: String,
}

/// The output a run kept, and how much there was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedOutput {
    /// The last records of stdout and stderr, interleaved in the order they were read, each
    /// ending in a newline; at most the run's `output_limit` bytes, starting at a line boundary.
    pub text: String,
    /// Bytes the method wrote, in all.
    pub total_bytes: u64,
    /// Bytes of records that did not fit in `text`.
    pub dropped_bytes: u64,
    /// Records (lines, or pieces of over-long lines) read.
    pub lines: u64,
    /// Records not forwarded to the sink because the forward limit was reached.
    pub lines_not_forwarded: u64,
}

impl CapturedOutput {
    /// True when `text` is not the whole output.
    pub fn truncated(&self) -> bool {
        self.dropped_bytes > 0
    }
}

/// Where records go as they are read.
#[derive(Debug, Clone)]
pub(crate) enum Sink {
    /// To the daemon, through a channel.
    Channel(UnboundedSender<OutputLine>),
    /// As tracing events (target `rgm_exec::output`), when no channel was given.
    Tracing,
}

/// Splits, forwards and keeps a run's output.
#[derive(Debug)]
pub(crate) struct Collector {
    tags: Arc<MethodTags>,
    sink: Option<Sink>,
    forward_left: usize,
    partial: [Vec<u8>; 2],
    tail: Tail,
    total: u64,
    lines: u64,
    not_forwarded: u64,
}

impl Collector {
    pub(crate) fn new(
        tags: Arc<MethodTags>,
        sink: Sink,
        output_limit: usize,
        forward_limit: usize,
    ) -> Self {
        Collector {
            tags,
            sink: Some(sink),
            forward_left: forward_limit,
            partial: [Vec::new(), Vec::new()],
            tail: Tail::new(output_limit),
            total: 0,
            lines: 0,
            not_forwarded: 0,
        }
    }

    /// Takes a chunk read from `stream`.
    pub(crate) fn feed(&mut self, stream: Stream, mut data: &[u8]) {
        self.total += data.len() as u64;
        let idx = stream.index();
        while !data.is_empty() {
            let room = MAX_LINE - self.partial[idx].len();
            let window = &data[..room.min(data.len())];
            match window.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    if self.partial[idx].is_empty() {
                        self.record(stream, &window[..end]);
                    } else {
                        let mut line = std::mem::take(&mut self.partial[idx]);
                        line.extend_from_slice(&window[..end]);
                        self.record(stream, &line);
                        line.clear();
                        self.partial[idx] = line;
                    }
                    data = &data[end + 1..];
                }
                None if window.len() == room => {
                    let mut line = std::mem::take(&mut self.partial[idx]);
                    line.extend_from_slice(window);
                    self.record(stream, &line);
                    line.clear();
                    self.partial[idx] = line;
                    data = &data[room..];
                }
                None => {
                    self.partial[idx].extend_from_slice(window);
                    data = &[];
                }
            }
        }
    }

    /// Ends the run: an unterminated last line becomes a record too.
    pub(crate) fn finish(mut self) -> CapturedOutput {
        for stream in [Stream::Stdout, Stream::Stderr] {
            let rest = std::mem::take(&mut self.partial[stream.index()]);
            if !rest.is_empty() {
                self.record(stream, &rest);
            }
        }
        let (text, dropped) = self.tail.into_text();
        CapturedOutput {
            text,
            total_bytes: self.total,
            dropped_bytes: dropped,
            lines: self.lines,
            lines_not_forwarded: self.not_forwarded,
        }
    }

    fn record(&mut self, stream: Stream, line: &[u8]) {
        self.lines += 1;
        self.tail.push(line);
        self.tail.push(b"\n");
        if self.sink.is_none() {
            self.not_forwarded += 1;
            return;
        }
        if line.len() > self.forward_left {
            self.forward_left = 0;
            self.not_forwarded += 1;
            if let Some(_sink) = self.sink.take() {
                tracing::warn!(
                    method = %self.tags.method,
                    resource = %self.tags.resource,
                    group = %self.tags.group,
                    node = %self.tags.node,
                    "method output exceeds the forward limit; further lines are counted, not logged"
                );
            }
            return;
        }
        self.forward_left -= line.len();
        let text = String::from_utf8_lossy(line).into_owned();
        match &self.sink {
            Some(Sink::Channel(tx)) => {
                let sent = tx.send(OutputLine {
                    tags: Arc::clone(&self.tags),
                    stream,
                    text,
                });
                if sent.is_err() {
                    self.sink = None;
                }
            }
            Some(Sink::Tracing) => {
                tracing::info!(target: "rgm_exec::output", stream = stream.as_str(), "{text}");
            }
            None => {}
        }
    }
}

/// The last `limit` bytes pushed: a plain buffer until full, then a ring.
#[derive(Debug)]
struct Tail {
    buf: Vec<u8>,
    limit: usize,
    /// Once full: where the oldest byte is (and the next write goes).
    head: usize,
    dropped: u64,
}

impl Tail {
    fn new(limit: usize) -> Self {
        Tail {
            buf: Vec::new(),
            limit,
            head: 0,
            dropped: 0,
        }
    }

    fn push(&mut self, mut data: &[u8]) {
        if self.limit == 0 {
            self.dropped += data.len() as u64;
            return;
        }
        if self.buf.len() < self.limit {
            let take = data.len().min(self.limit - self.buf.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        if data.is_empty() {
            return;
        }
        if data.len() >= self.limit {
            let skip = data.len() - self.limit;
            self.dropped += (self.limit + skip) as u64;
            self.buf.copy_from_slice(&data[skip..]);
            self.head = 0;
            return;
        }
        self.dropped += data.len() as u64;
        let first = data.len().min(self.limit - self.head);
        self.buf[self.head..self.head + first].copy_from_slice(&data[..first]);
        let second = data.len() - first;
        self.buf[..second].copy_from_slice(&data[first..]);
        self.head = (self.head + data.len()) % self.limit;
    }

    /// The kept bytes in order, starting at a line boundary when anything was dropped.
    fn into_text(self) -> (String, u64) {
        let mut bytes = self.buf;
        bytes.rotate_left(self.head);
        let mut dropped = self.dropped;
        if dropped > 0 {
            let cut = bytes
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| i + 1);
            bytes.drain(..cut);
            dropped += cut as u64;
        }
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        (text, dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    fn collector(limit: usize, forward: usize) -> (Collector, mpsc::UnboundedReceiver<OutputLine>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let tags = Arc::new(MethodTags {
            method: "START".into(),
            resource: "r".into(),
            group: "g".into(),
            node: "n".into(),
        });
        (Collector::new(tags, Sink::Channel(tx), limit, forward), rx)
    }

    fn drain(rx: &mut mpsc::UnboundedReceiver<OutputLine>) -> Vec<(Stream, String)> {
        let mut out = Vec::new();
        while let Ok(line) = rx.try_recv() {
            out.push((line.stream, line.text));
        }
        out
    }

    #[test]
    fn lines_across_chunks_and_streams() {
        let (mut c, mut rx) = collector(1024, usize::MAX);
        c.feed(Stream::Stdout, b"hel");
        c.feed(Stream::Stderr, b"oops\nagain");
        c.feed(Stream::Stdout, b"lo\nworld\n");
        let out = c.finish();
        assert_eq!(
            drain(&mut rx),
            [
                (Stream::Stderr, "oops".to_owned()),
                (Stream::Stdout, "hello".to_owned()),
                (Stream::Stdout, "world".to_owned()),
                (Stream::Stderr, "again".to_owned()),
            ]
        );
        assert_eq!(out.text, "oops\nhello\nworld\nagain\n");
        assert_eq!(out.total_bytes, 22);
        assert_eq!(out.lines, 4);
        assert!(!out.truncated());
    }

    #[test]
    fn long_lines_are_cut() {
        let (mut c, mut rx) = collector(1 << 20, usize::MAX);
        let long = vec![b'x'; MAX_LINE * 2 + 10];
        c.feed(Stream::Stdout, &long[..100]);
        c.feed(Stream::Stdout, &long[100..]);
        let out = c.finish();
        let lines = drain(&mut rx);
        assert_eq!(
            lines.iter().map(|(_, t)| t.len()).collect::<Vec<_>>(),
            [MAX_LINE, MAX_LINE, 10]
        );
        assert_eq!(out.lines, 3);
    }

    #[test]
    fn tail_keeps_the_last_bytes_from_a_line_start() {
        let (mut c, _rx) = collector(16, usize::MAX);
        for i in 0..10 {
            c.feed(Stream::Stdout, format!("line{i}\n").as_bytes());
        }
        let out = c.finish();
        assert_eq!(out.text, "line8\nline9\n");
        assert_eq!(out.total_bytes, 60);
        assert_eq!(out.dropped_bytes, 48);
        assert!(out.truncated());
    }

    #[test]
    fn huge_chunk_replaces_tail() {
        let (mut c, _rx) = collector(8, usize::MAX);
        c.feed(Stream::Stdout, b"ab\n");
        c.feed(Stream::Stdout, b"0123456789\nxyz\n");
        let out = c.finish();
        assert_eq!(out.text, "xyz\n");
        assert_eq!(out.dropped_bytes, 14);
    }

    #[test]
    fn forward_limit_stops_forwarding_but_keeps_counting() {
        let (mut c, mut rx) = collector(1024, 10);
        c.feed(Stream::Stdout, b"12345\n12345\n12345\n");
        let out = c.finish();
        assert_eq!(drain(&mut rx).len(), 2);
        assert_eq!(out.lines, 3);
        assert_eq!(out.lines_not_forwarded, 1);
        assert_eq!(out.text, "12345\n12345\n12345\n");
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let (mut c, mut rx) = collector(1024, usize::MAX);
        c.feed(Stream::Stderr, b"a\xffb\n");
        let out = c.finish();
        assert_eq!(drain(&mut rx)[0].1, "a\u{fffd}b");
        assert_eq!(out.text, "a\u{fffd}b\n");
    }

    #[test]
    fn zero_limit_keeps_nothing() {
        let (mut c, _rx) = collector(0, usize::MAX);
        c.feed(Stream::Stdout, b"abc\n");
        let out = c.finish();
        assert_eq!(out.text, "");
        assert_eq!(out.dropped_bytes, 4);
    }

    #[test]
    fn closed_channel_is_tolerated() {
        let (mut c, rx) = collector(1024, usize::MAX);
        drop(rx);
        c.feed(Stream::Stdout, b"a\nb\n");
        let out = c.finish();
        assert_eq!(out.lines, 2);
    }
}
