//! How a command fails: a `SCHA_ERR_*` number (the exit status) and the lines that say why.
//!
//! Every rgm command but `rtreg` exits with the `scha_err_t` numbers of reference §g.7
//! (docs/commands.md): usage errors are `SCHA_ERR_INVAL` (3), an unreachable daemon or an
//! unreadable log `SCHA_ERR_INTERNAL` (18), a connection the socket's permissions refuse
//! `SCHA_ERR_ACCESS` (6), and a refusal the number the daemon gave.

use std::io::Write;

use rgm_core::{ConfigError, ErrorCode};
use rgm_proto::text::escape_controls;

/// Exit status of a usage error (`SCHA_ERR_INVAL`).
pub const EXIT_USAGE: u8 = ErrorCode::Inval as u8;
/// Exit status when rgmd cannot be reached or answers nonsense (`SCHA_ERR_INTERNAL`).
pub const EXIT_UNREACHABLE: u8 = ErrorCode::Internal as u8;

/// A command's failure: the exit code and one line per problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: ErrorCode,
    pub lines: Vec<String>,
}

impl Failure {
    pub fn new(code: ErrorCode, line: impl Into<String>) -> Failure {
        Failure {
            code,
            lines: vec![line.into()],
        }
    }

    /// A usage error: bad options or operands (`SCHA_ERR_INVAL`).
    pub fn usage(line: impl Into<String>) -> Failure {
        Failure::new(ErrorCode::Inval, line)
    }

    /// The daemon could not be reached, or broke the protocol (`SCHA_ERR_INTERNAL`).
    pub fn internal(line: impl Into<String>) -> Failure {
        Failure::new(ErrorCode::Internal, line)
    }

    /// The process exit status. A refusal that claims success is still a failure.
    pub fn exit_status(&self) -> u8 {
        match self.code {
            ErrorCode::NoErr => EXIT_UNREACHABLE,
            code => code.number() as u8,
        }
    }

    /// Prints every line as `PROGRAM: line` on `err`, control characters escaped (a line may
    /// echo a name or value as the user or the daemon gave it).
    pub fn report(&self, program: &str, err: &mut dyn Write) {
        for line in &self.lines {
            let _ = writeln!(err, "{program}: {}", escape_controls(line));
        }
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Failure {
        Failure::new(e.code(), e.to_string())
    }
}

/// The base name a program was run as (`clrg` or `clresourcegroup`), for messages.
pub fn program_name(arg0: Option<&std::ffi::OsStr>, default: &str) -> String {
    arg0.and_then(|a| std::path::Path::new(a).file_name())
        .and_then(|n| n.to_str())
        .map_or_else(|| default.to_string(), str::to_string)
}
