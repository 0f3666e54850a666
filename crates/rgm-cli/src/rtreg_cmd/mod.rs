//! `rtreg`: checks resource type registration (RTR) files and shows the type each registers
//! (docs/rtreg.md). The parsing and checking is the `rtreg` crate's; this module reads the
//! files, prints, and chooses the exit status.
//!
//! Exit status: 0 when every file is valid (warnings allowed), 1 when any is invalid (or too
//! large to be an RTR file), 2 for a usage or I/O error.

mod listing;

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

/// Every file valid (warnings allowed).
pub const EXIT_VALID: u8 = 0;
/// Some file invalid, or too large to be an RTR file.
pub const EXIT_INVALID: u8 = 1;
/// A usage error, or a file that could not be read.
pub const EXIT_USAGE: u8 = 2;

/// Check resource type registration (RTR) files and show the resource types they register.
#[derive(Debug, Parser)]
#[command(name = "rtreg", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check RTR files: report every error (and warning) as FILE:LINE:COL with the source line.
    ///
    /// Exit status: 0 when every file is valid (warnings allowed), 1 when any file is invalid,
    /// 2 for a usage error or a file that cannot be read.
    Check {
        /// The RTR files to check.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Show the normalised resource type an RTR file registers.
    ///
    /// Without --json: a readable listing in the style of `clrt show`. With --json: the JSON
    /// interface documented in docs/rtreg.md. Exit status as for `check`.
    Show {
        /// Print the type as JSON (the stable interface of docs/rtreg.md).
        #[arg(long)]
        json: bool,
        /// The RTR file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// Runs `rtreg` with the given command line (program name first); returns the exit status.
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let (written, code) = if e.use_stderr() {
                (write!(err, "{}", e.render()), EXIT_USAGE)
            } else {
                (write!(out, "{}", e.render()), EXIT_VALID)
            };
            return if written.is_ok() { code } else { EXIT_USAGE };
        }
    };
    let result = match cli.command {
        Command::Check { files } => check(&files, err),
        Command::Show { json, file } => show(&file, json, out, err),
    };
    result.unwrap_or(EXIT_USAGE)
}

fn check(files: &[PathBuf], err: &mut dyn Write) -> io::Result<u8> {
    let mut status = EXIT_VALID;
    for path in files {
        let code = match read_rtr(path, err)? {
            Ok(bytes) => {
                let parsed = rtreg::parse(&bytes);
                let name = path.display().to_string();
                err.write_all(parsed.diagnostics.render(&name, &bytes).as_bytes())?;
                if parsed.is_valid() {
                    EXIT_VALID
                } else {
                    EXIT_INVALID
                }
            }
            Err(code) => code,
        };
        status = status.max(code);
    }
    Ok(status)
}

fn show(path: &Path, json: bool, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    let bytes = match read_rtr(path, err)? {
        Ok(bytes) => bytes,
        Err(code) => return Ok(code),
    };
    let parsed = rtreg::parse(&bytes);
    err.write_all(
        parsed
            .diagnostics
            .render(&path.display().to_string(), &bytes)
            .as_bytes(),
    )?;
    let Some(spec) = parsed.spec else {
        return Ok(EXIT_INVALID);
    };
    if json {
        let text = serde_json::to_string_pretty(&spec).map_err(io::Error::other)?;
        writeln!(out, "{text}")?;
    } else {
        out.write_all(listing::render(&spec).as_bytes())?;
    }
    Ok(EXIT_VALID)
}

/// The file's bytes, or the exit status for why they could not be had (the reason is printed
/// as `rtreg: FILE: reason`).
fn read_rtr(path: &Path, err: &mut dyn Write) -> io::Result<Result<Vec<u8>, u8>> {
    match read_file(path) {
        Ok(bytes) => Ok(Ok(bytes)),
        Err(e) => {
            writeln!(err, "rtreg: {}: {e}", path.display())?;
            Ok(Err(match e {
                ReadFailure::Io(_) => EXIT_USAGE,
                ReadFailure::TooLarge(_) => EXIT_INVALID,
            }))
        }
    }
}

/// Why an RTR file's bytes could not be had.
#[derive(Debug)]
pub enum ReadFailure {
    /// The system's reason.
    Io(String),
    /// Larger than [`rtreg::limits::MAX_RTR_BYTES`]: refused unread (the size, or the limit
    /// and one when the file's size is not known beforehand).
    TooLarge(u64),
}

impl std::fmt::Display for ReadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadFailure::Io(reason) => f.write_str(reason),
            ReadFailure::TooLarge(size) => write!(
                f,
                "the file is {size} bytes; an RTR file may be at most {} bytes; not read",
                rtreg::limits::MAX_RTR_BYTES
            ),
        }
    }
}

/// An RTR file's bytes; a file past rtreg's limit is refused without being read.
pub fn read_file(path: &Path) -> Result<Vec<u8>, ReadFailure> {
    let io = |e: io::Error| ReadFailure::Io(crate::client::io_reason(&e));
    let limit = rtreg::limits::MAX_RTR_BYTES as u64;
    let file = File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_file() && meta.len() > limit {
        return Err(ReadFailure::TooLarge(meta.len()));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadFailure::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}
