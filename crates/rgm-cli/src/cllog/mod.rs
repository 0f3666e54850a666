//! `cllog`: reads the daemon's JSON-lines cluster log (`STATE_DIR/cluster.log.json`) and
//! prints the human lines (`<time> Cluster.RGM.global.rgmd: [ID <id> daemon.<severity>]
//! <text>`), filtered by group, resource, node, message id, severity and time; `-f` follows
//! the log as it grows (and across truncation or replacement).
//!
//! The log is `STATE_DIR/cluster.log.json` with STATE_DIR `--state-dir`, else
//! `$RGM_STATE_DIR`; else the file the running rgmd names (asked over its socket:
//! `--socket`, else `$RGM_SOCKET`, else `/run/rgm/rgmd.sock`, briefly); else
//! `/var/lib/rgm/cluster.log.json`.

pub mod locate;
pub mod time;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use clap::{Parser, ValueEnum};
use serde::Deserialize;

use rgm_proto::text::escape_controls;

use crate::client::io_reason;
use crate::failure::Failure;

/// The environment variable naming the state directory.
pub const STATE_DIR_ENV: &str = "RGM_STATE_DIR";
/// The state directory when neither `--state-dir` nor the environment names one.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/rgm";
/// The machine-readable log's file name in the state directory.
pub const LOG_FILE: &str = "cluster.log.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
enum Severity {
    /// Every record.
    Notice,
    /// Warnings and errors.
    Warning,
    /// Errors only.
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
enum Output {
    /// The human lines, as in cluster.log.
    #[default]
    Text,
    /// The records as they are stored, one JSON object per line.
    Json,
}

/// Filter and follow the cluster log.
#[derive(Debug, Parser)]
#[command(name = "cllog", version)]
struct Args {
    /// The daemon's state directory (default: $RGM_STATE_DIR, else where the running rgmd
    /// writes its log, else /var/lib/rgm).
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// The rgmd socket asked where the log is (default: $RGM_SOCKET, else /run/rgm/rgmd.sock).
    #[arg(long, value_name = "PATH")]
    socket: Option<PathBuf>,
    /// Only records about this resource group.
    #[arg(short = 'g', long = "resourcegroup", value_name = "GROUP")]
    group: Option<String>,
    /// Only records about this resource.
    #[arg(short = 'R', long = "resource", value_name = "RESOURCE")]
    resource: Option<String>,
    /// Only records about this node.
    #[arg(short = 'n', long = "node", value_name = "NODE")]
    node: Option<String>,
    /// Only records with this message id.
    #[arg(long = "id", value_name = "ID")]
    id: Option<u32>,
    /// Only records at least this severe.
    #[arg(short = 's', long = "severity", value_enum)]
    severity: Option<Severity>,
    /// Only records at or after this UTC time (prefix) or span back from now (15m, 2h, 1d).
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Keep reading as the log grows.
    #[arg(short = 'f', long)]
    follow: bool,
    /// How to print the records: text (the human lines) or json (as stored).
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Output,
}

/// One record of the JSON log.
#[derive(Debug, Deserialize)]
struct Record {
    time: String,
    id: u32,
    severity: String,
    text: String,
    #[serde(default)]
    fields: BTreeMap<String, serde_json::Value>,
}

struct Filter {
    args: Args,
    since: Option<String>,
}

impl Filter {
    fn keeps(&self, r: &Record) -> bool {
        let field = |k: &str, want: &Option<String>| {
            want.as_ref()
                .is_none_or(|w| r.fields.get(k).and_then(|v| v.as_str()) == Some(w.as_str()))
        };
        let severe = self
            .args
            .severity
            .is_none_or(|min| Severity::from_str(&r.severity, true).is_ok_and(|s| s >= min));
        field("group", &self.args.group)
            && field("resource", &self.args.resource)
            && field("node", &self.args.node)
            && self.args.id.is_none_or(|id| id == r.id)
            && severe
            && self
                .since
                .as_ref()
                .is_none_or(|s| time::at_or_after(&r.time, s))
    }

    /// The output line for one log line, if it passes.
    fn line(&self, raw: &str) -> Option<String> {
        let raw = raw.trim_end();
        if raw.is_empty() {
            return None;
        }
        let r: Record = serde_json::from_str(raw).ok()?;
        if !self.keeps(&r) {
            return None;
        }
        Some(match self.args.output {
            Output::Json => raw.to_string(),
            Output::Text => human(&r),
        })
    }
}

/// The human form of a record, as the daemon writes `cluster.log`; control characters (a
/// method's output may hold any) are escaped.
fn human(r: &Record) -> String {
    let line = format!(
        "{} Cluster.RGM.global.rgmd: [ID {} daemon.{}] {}",
        r.time, r.id, r.severity, r.text
    );
    escape_controls(&line).into_owned()
}

/// The command line this command parses (for its man page and completions).
pub fn command() -> clap::Command {
    <Args as clap::CommandFactory>::command()
}

/// Runs `cllog`; returns the exit status.
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let args: Vec<OsString> = args.into_iter().collect();
    if crate::complete::asked(&args) {
        return crate::complete::run(&args, out);
    }
    let program = crate::failure::program_name(args.first().map(OsString::as_os_str), "cllog");
    let a = match Args::try_parse_from(&args) {
        Ok(a) => a,
        Err(e) => return crate::cl::clap_error(&program, &e, out, err),
    };
    let result = filter(a).and_then(|f| outcome(read_log(&f, out)));
    exit_status(result, &program, err)
}

/// How reading and printing the log ended, as a command's result.
fn outcome(read: Result<(), Failed>) -> Result<(), Failure> {
    match read {
        // The reader went away (`cllog -f | head`): that is the end, not a failure.
        Err(Failed::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(Failed::Write(e)) => Err(Failure::internal(format!("cannot write the output: {e}"))),
        Err(Failed::Read(f)) => Err(f),
        Ok(()) => Ok(()),
    }
}

fn exit_status(result: Result<(), Failure>, program: &str, err: &mut dyn Write) -> u8 {
    match result {
        Ok(()) => 0,
        Err(fail) => {
            fail.report(program, err);
            fail.exit_status()
        }
    }
}

/// What `cllog` with these arguments prints for a log whose bytes are `log` (the log file is
/// not read, and `-f` does not follow): for tests and the fuzzer. Returns the exit status.
pub fn run_on(
    args: impl IntoIterator<Item = OsString>,
    log: &[u8],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let args: Vec<OsString> = args.into_iter().collect();
    let result = Args::try_parse_from(&args)
        .map_err(|e| Failure::usage(e.to_string()))
        .and_then(filter)
        .and_then(|f| outcome(print_records(&f, log, "(given)", out)));
    exit_status(result, "cllog", err)
}

/// Prints the records of a log (named `name` in messages) that pass the filter.
fn print_records(
    f: &Filter,
    log: impl BufRead,
    name: &str,
    out: &mut dyn Write,
) -> Result<(), Failed> {
    for line in log.split(b'\n') {
        let line = line.map_err(|e| {
            Failed::Read(Failure::internal(format!(
                "cannot read the cluster log {name}: {}",
                io_reason(&e)
            )))
        })?;
        if let Some(l) = f.line(&String::from_utf8_lossy(&line)) {
            writeln!(out, "{l}").map_err(Failed::Write)?;
        }
    }
    Ok(())
}

fn filter(args: Args) -> Result<Filter, Failure> {
    let since = args
        .since
        .as_deref()
        .map(|s| time::parse_since(s, SystemTime::now()))
        .transpose()
        .map_err(Failure::usage)?;
    Ok(Filter { args, since })
}

fn log_path(args: &Args) -> PathBuf {
    if let Some(dir) = &args.state_dir {
        return dir.join(LOG_FILE);
    }
    if let Some(dir) = std::env::var_os(STATE_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join(LOG_FILE);
    }
    let socket = crate::client::socket_path(args.socket.as_deref());
    locate::ask_rgmd(&socket).unwrap_or_else(|| Path::new(DEFAULT_STATE_DIR).join(LOG_FILE))
}

/// Why reading the log stopped.
enum Failed {
    Read(Failure),
    Write(std::io::Error),
}

fn read_log(f: &Filter, out: &mut dyn Write) -> Result<(), Failed> {
    let path = log_path(&f.args);
    let unreadable = |e: std::io::Error| {
        Failure::internal(format!(
            "cannot read the cluster log {}: {}",
            path.display(),
            io_reason(&e)
        ))
    };
    if !f.args.follow {
        let file = File::open(&path).map_err(|e| Failed::Read(unreadable(e)))?;
        return print_records(f, BufReader::new(file), &path.display().to_string(), out);
    }
    follow(f, &path, out).map_err(Failed::Write)
}

/// Prints what is there, then what is appended, forever. A file that shrinks or is replaced
/// is read again from its start; a missing file is waited for. Only a failure to write ends
/// it.
fn follow(f: &Filter, path: &Path, out: &mut dyn Write) -> std::io::Result<()> {
    let mut file: Option<(File, u64)> = None;
    let mut pos = 0u64;
    let mut partial: Vec<u8> = Vec::new();
    loop {
        if file.is_none() {
            file = File::open(path)
                .and_then(|fh| fh.metadata().map(|m| (fh, m.ino())))
                .ok();
            pos = 0;
            partial.clear();
        }
        // Read to the end of the file we have, even if it was just replaced: records written
        // to it before rotation are not lost.
        let mut chunk = Vec::new();
        let read = file.as_mut().map(|(fh, _)| {
            fh.seek(SeekFrom::Start(pos))
                .and_then(|_| fh.read_to_end(&mut chunk))
        });
        if let Some(Ok(n)) = read {
            pos += n as u64;
            partial.extend_from_slice(&chunk);
            while let Some(nl) = partial.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = partial.drain(..=nl).collect();
                if let Some(l) = f.line(&String::from_utf8_lossy(&line)) {
                    writeln!(out, "{l}")?;
                }
            }
            out.flush()?;
        }
        let now = std::fs::metadata(path).ok();
        let replaced = match (&file, &now) {
            (Some((_, ino)), Some(m)) => m.ino() != *ino || m.len() < pos,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if replaced || matches!(read, Some(Err(_))) {
            file = None;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
